/*
 * The database router (SPEC section 2): decides, per statement, which
 * database and which pool runs it.  Call sites name a statement
 * (sql.h); they never pick a connection.
 *
 * A router holds up to three pools on one event loop: the App primary,
 * an optional App streaming replica (reads only), and the CMS database.
 * A binary configures only the databases it may reach: the App binary
 * has no CMS URL, so CMS statements answer ROUTER_NOT_CONFIGURED.
 */
#ifndef LIFTED_ROUTER_H
#define LIFTED_ROUTER_H

#include "db.h"

struct event_base;

enum router_db {
	ROUTER_DB_APP,
	ROUTER_DB_CMS,
};

/* router_query results beyond DB_OK, DB_QUEUE_FULL and DB_NO_STMT. */
enum {
	ROUTER_NOT_CONFIGURED = 3,
};

/* Pure table lookup: 0 and *out set, or -1 for an unknown family. */
int router_family_db(const char *family, enum router_db *out);

/* Name of db for logs and JSON ("app", "cms"); static storage. */
const char *router_db_name(enum router_db db);

struct router_config {
	/* libpq URLs; NULL means that database is not configured here. */
	const char *app_url;
	const char *app_replica_url; /* used only with app_url */
	const char *cms_url;
	int pool_size; /* connections per pool, >= 1 */
	int queue_max; /* waiting queries per pool, >= 0 */
};

struct router;

/*
 * Creates one pool per configured database; each prepares only the
 * statements routed to it (the replica: only its reads).  Starts
 * connecting and returns at once.  The config strings are copied by the
 * pools.  Returns NULL on bad config or out of memory.  The caller frees
 * the router with router_free before freeing base.
 */
struct router *router_new(struct event_base *base,
                          const struct router_config *cfg);

/* Frees the pools (see db_pool_free for pending callbacks).  NULL ok. */
void router_free(struct router *r);

/*
 * Runs stmt_name on the database its family maps to.  App reads go to
 * the replica when one is configured and up, else to the primary;
 * writes always go to the primary.  Returns what db_pool_query returns
 * (DB_OK: cb is called exactly once, later), DB_NO_STMT for a name not
 * in sql_stmts[], or ROUTER_NOT_CONFIGURED when the statement's database
 * has no URL in this binary (cb never called).  values are copied.
 */
int router_query(struct router *r, const char *stmt_name, int nparams,
                 const char *const *values, db_result_cb cb, void *arg);

/* 1 when db is configured and its primary pool is ready, else 0. */
int router_ready(const struct router *r, enum router_db db);

/* db's primary pool (owned by the router), or NULL if not configured;
 * for db_pool_listen, which must run on a primary. */
struct db_pool *router_pool(struct router *r, enum router_db db);

/* The App replica pool (owned by the router), or NULL. */
struct db_pool *router_replica_pool(struct router *r);

/*
 * Runs the App read stmt_name on the replica only (no fall-back to the
 * primary), for /readyz's report of the replica itself.  Results as
 * router_query; ROUTER_NOT_CONFIGURED without a replica, DB_NO_STMT for
 * a statement that is not an App read.
 */
int router_query_replica(struct router *r, const char *stmt_name, int nparams,
                         const char *const *values, db_result_cb cb, void *arg);

/*
 * Runs stmt_name on its database's primary even when it is a read (the
 * App cache when the replica is too far behind).  Results as
 * router_query.
 */
int router_query_primary(struct router *r, const char *stmt_name, int nparams,
                         const char *const *values, db_result_cb cb, void *arg);

#endif
