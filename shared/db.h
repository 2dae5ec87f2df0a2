/*
 * Asynchronous PostgreSQL connection pool for one worker's event loop.
 *
 * A pool owns `size` libpq connections on a libevent base.  Nothing here
 * ever blocks the loop: connecting, preparing, querying and reconnecting
 * are all driven by socket events and timers.  Each connection prepares
 * the pool's statements (struct sql_stmt, see sql.h) as soon as it is
 * up; queries name a prepared statement and pass text parameters.
 *
 * Failure model: a query that cannot be answered still gets its callback,
 * with res->pg NULL and res->error set.  When no connection is up, queries
 * fail at once ("database unavailable") instead of waiting; a connection
 * that dies fails its in-flight query and reconnects with exponential
 * backoff (100 ms doubling to 5 s).  Callers never wait on a dead server.
 *
 * Callbacks run on the loop.  They may issue new queries; they must not
 * call db_pool_free on their own pool.
 */
#ifndef LIFTED_DB_H
#define LIFTED_DB_H

#include <stddef.h>

#include <libpq-fe.h>

struct event_base;
struct sql_stmt;

struct db_pool; /* opaque */

struct db_result {
	/* Text-format result of a successful query; NULL on failure.
	 * Owned by the pool, valid only during the callback. */
	PGresult *pg;
	/* NULL on success; short text safe to log (never a password). */
	const char *error;
	/* Five-character SQLSTATE when the server rejected the query (e.g.
	 * "23505" unique violation), NULL otherwise (including connection
	 * failures).  Same lifetime as pg. */
	const char *sqlstate;
};

typedef void (*db_result_cb)(const struct db_result *res, void *arg);

/* The text in column col of the first row; NULL when the query failed,
 * there is no row or no such column, or the value is SQL NULL.  Owned by
 * res (valid during the callback). */
const char *db_value(const struct db_result *res, int col);

struct db_pool_config {
	const char *name;     /* "app", "app-replica", "cms": for logs */
	const char *conninfo; /* libpq URL or key=value string */
	int size;             /* connections, >= 1 */
	int queue_max;        /* waiting queries when all are busy, >= 0 */
	/* Statements to PREPARE on every new connection; the only ones
	 * db_pool_query accepts.  The array is copied; the statements
	 * themselves must outlive the pool (sql_stmts[] is static). */
	const struct sql_stmt *const *stmts;
	size_t nstmts;
};

/*
 * Creates a pool and starts connecting (PQconnectStart), returning at
 * once.  The config strings are copied.  Returns NULL on bad config or
 * out of memory.  The caller frees the pool with db_pool_free, before
 * freeing base.
 */
struct db_pool *db_pool_new(struct event_base *base,
                            const struct db_pool_config *cfg);

/*
 * Closes every connection and frees the pool.  Callbacks of queries not
 * yet answered are called from inside this function with the error
 * "database pool closed" so their owners can release them; they must not
 * use the pool.  NULL is a no-op.
 */
void db_pool_free(struct db_pool *p);

enum {
	DB_OK = 0,
	DB_QUEUE_FULL = 1,
	DB_NO_STMT = 2,
};

/*
 * Runs the prepared statement stmt_name with nparams text parameters
 * (values[i] may be NULL for SQL NULL; the strings are copied, so they
 * need live only for the call).
 *   DB_OK:         cb(res, arg) is called exactly once, later, never from
 *                  inside this call; on failure res->pg is NULL and
 *                  res->error says why.
 *   DB_QUEUE_FULL: every connection is busy and queue_max queries already
 *                  wait; cb is never called (answer 503 + Retry-After).
 *   DB_NO_STMT:    this pool does not prepare stmt_name; cb never called.
 */
int db_pool_query(struct db_pool *p, const char *stmt_name, int nparams,
                  const char *const *values, db_result_cb cb, void *arg);

/* 1 when at least one connection is up with its statements prepared. */
int db_pool_ready(const struct db_pool *p);

/* Queries waiting for a free connection (for tests and metrics). */
size_t db_pool_queued(const struct db_pool *p);

/* The pool's name from its config (static for the pool's lifetime). */
const char *db_pool_name(const struct db_pool *p);

typedef void (*db_notify_cb)(const char *channel, const char *payload,
                             void *arg);
typedef void (*db_resync_cb)(void *arg);

/*
 * Opens one extra, dedicated connection that LISTENs on channel.
 * on_notify gets each notification (strings valid during the call).
 * on_resync is called after every (re)connection of the listener,
 * including the first, once LISTEN is in effect: notifications may have
 * been missed while it was down, so the owner refreshes everything.
 * Either callback may be NULL.  The channel is copied.  Returns 0, or -1
 * if the pool already listens or out of memory.  Call at most once per
 * pool; the listener lives until db_pool_free.
 */
int db_pool_listen(struct db_pool *p, const char *channel,
                   db_notify_cb on_notify, db_resync_cb on_resync, void *arg);

#endif
