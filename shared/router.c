/*
 * Router table and pools.
 *
 * router_families[] below is the only place in the code that knows which
 * database a statement goes to: sql.c gives each statement a family,
 * this table maps the family to a database, and router_query picks the
 * pool.  To move a family to the other database, change one row here.
 * tests/unit/test_router.c fails if a statement's family is missing.
 */
#include <stdlib.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "router.h"
#include "sql.h"

static const struct {
	const char *family;
	enum router_db db;
} router_families[] = {
    {"app_health", ROUTER_DB_APP},
    {"app_meta", ROUTER_DB_APP},
    {"cms_health", ROUTER_DB_CMS},
    /* The App's framework and course cache (app_cache.c). */
    {"framework_read", ROUTER_DB_APP},
    {"course_read", ROUTER_DB_APP},
    /* CMS accounts, sessions, throttling, audit (cms_server/session.c). */
    {"cms_auth", ROUTER_DB_CMS},
    /* CMS users, groups, grants, audit log viewer (cms_server/admin.c). */
    {"cms_admin", ROUTER_DB_CMS},
    /* Scraped courses, workflow, providers (cms_server/courses.c). */
    {"cms_courses", ROUTER_DB_CMS},
    /* Published courses written and read by the CMS as cms_publisher. */
    {"cms_app_courses", ROUTER_DB_APP},
    /* The CMS framework-import staging area (cms_server/import.c). */
    {"cms_import", ROUTER_DB_CMS},
    /*
     * The framework import itself (framework_apply, SPEC section 4).  It
     * has no statement here: the importer writes a few thousand rows in
     * one transaction with blocking libpq, so cms_server/import.c runs it
     * on a thread-pool connection it opens to the database this row
     * names (cms_publisher's URL for the App), never through a pool of
     * the event loop.  Moving the framework elsewhere is still this one
     * row.
     */
    {"framework_import", ROUTER_DB_APP},
    /* Scraper jobs, their logs and proposals (cms_server/scrapers.c). */
    {"cms_scrapers", ROUTER_DB_CMS},
    /* Scheduled housekeeping (cms_server/housekeeping.c). */
    {"cms_housekeeping", ROUTER_DB_CMS},
    /* Uploaded media records and links (cms_server/uploads.c). */
    {"cms_uploads", ROUTER_DB_CMS},
};

#define ROUTER_NFAMILIES (sizeof(router_families) / sizeof(router_families[0]))

struct router {
	struct db_pool *app;
	struct db_pool *replica;
	struct db_pool *cms;
};

int
router_family_db(const char *family, enum router_db *out)
{
	size_t i;

	if (family == NULL)
		return (-1);
	for (i = 0; i < ROUTER_NFAMILIES; i++) {
		if (strcmp(router_families[i].family, family) == 0) {
			*out = router_families[i].db;
			return (0);
		}
	}
	return (-1);
}

const char *
router_db_name(enum router_db db)
{
	return (db == ROUTER_DB_CMS ? "cms" : "app");
}

/*
 * Opens a pool for db preparing the statements routed there (only reads
 * when reads_only).  A statement whose family is unknown is a broken
 * invariant the unit test guards; here it is skipped with an error so a
 * server still starts.
 */
static struct db_pool *
router_pool_new(struct event_base *base, const struct router_config *cfg,
                const char *name, const char *url, enum router_db db,
                int reads_only)
{
	const struct sql_stmt **stmts;
	struct db_pool_config pc;
	struct db_pool *p;
	enum router_db sdb;
	size_t i, n = 0;

	if ((stmts = calloc(sql_nstmts + 1, sizeof(*stmts))) == NULL)
		return (NULL);
	for (i = 0; i < sql_nstmts; i++) {
		if (router_family_db(sql_stmts[i].family, &sdb) == -1) {
			log_error("router: statement %s has unrouted family "
			          "%s",
			          sql_stmts[i].name, sql_stmts[i].family);
			continue;
		}
		if (sdb != db || (reads_only && sql_stmts[i].kind != SQL_READ))
			continue;
		stmts[n++] = &sql_stmts[i];
	}
	memset(&pc, 0, sizeof(pc));
	pc.name = name;
	pc.conninfo = url;
	pc.size = cfg->pool_size;
	pc.queue_max = cfg->queue_max;
	pc.stmts = stmts;
	pc.nstmts = n;
	p = db_pool_new(base, &pc); /* copies the array */
	free(stmts);
	return (p);
}

struct router *
router_new(struct event_base *base, const struct router_config *cfg)
{
	struct router *r;

	if (cfg->pool_size < 1 || cfg->queue_max < 0)
		return (NULL);
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	if (cfg->app_url != NULL) {
		r->app = router_pool_new(base, cfg, "app", cfg->app_url,
		                         ROUTER_DB_APP, 0);
		if (r->app == NULL)
			goto fail;
		if (cfg->app_replica_url != NULL) {
			r->replica = router_pool_new(base, cfg, "app-replica",
			                             cfg->app_replica_url,
			                             ROUTER_DB_APP, 1);
			if (r->replica == NULL)
				goto fail;
		}
	}
	if (cfg->cms_url != NULL) {
		r->cms = router_pool_new(base, cfg, "cms", cfg->cms_url,
		                         ROUTER_DB_CMS, 0);
		if (r->cms == NULL)
			goto fail;
	}
	return (r);

fail:
	router_free(r);
	return (NULL);
}

void
router_free(struct router *r)
{
	if (r == NULL)
		return;
	db_pool_free(r->replica);
	db_pool_free(r->app);
	db_pool_free(r->cms);
	free(r);
}

int
router_query(struct router *r, const char *stmt_name, int nparams,
             const char *const *values, db_result_cb cb, void *arg)
{
	const struct sql_stmt *s;
	struct db_pool *p;
	enum router_db db;

	if ((s = sql_find(stmt_name)) == NULL)
		return (DB_NO_STMT);
	if (router_family_db(s->family, &db) == -1)
		return (DB_NO_STMT);
	if ((p = router_pool(r, db)) == NULL)
		return (ROUTER_NOT_CONFIGURED);
	/*
	 * A replica that is down must not take the App down with it: its
	 * reads fall back to the primary, which can serve them too.
	 */
	if (db == ROUTER_DB_APP && s->kind == SQL_READ &&
	    db_pool_ready(r->replica))
		p = r->replica;
	return (db_pool_query(p, stmt_name, nparams, values, cb, arg));
}

int
router_ready(const struct router *r, enum router_db db)
{
	const struct db_pool *p = db == ROUTER_DB_CMS ? r->cms : r->app;

	return (db_pool_ready(p));
}

struct db_pool *
router_pool(struct router *r, enum router_db db)
{
	return (db == ROUTER_DB_CMS ? r->cms : r->app);
}

struct db_pool *
router_replica_pool(struct router *r)
{
	return (r->replica);
}

int
router_query_replica(struct router *r, const char *stmt_name, int nparams,
                     const char *const *values, db_result_cb cb, void *arg)
{
	const struct sql_stmt *s;
	enum router_db db;

	if (r->replica == NULL)
		return (ROUTER_NOT_CONFIGURED);
	if ((s = sql_find(stmt_name)) == NULL ||
	    router_family_db(s->family, &db) == -1 || db != ROUTER_DB_APP ||
	    s->kind != SQL_READ)
		return (DB_NO_STMT);
	return (db_pool_query(r->replica, stmt_name, nparams, values, cb, arg));
}

int
router_query_primary(struct router *r, const char *stmt_name, int nparams,
                     const char *const *values, db_result_cb cb, void *arg)
{
	const struct sql_stmt *s;
	struct db_pool *p;
	enum router_db db;

	if ((s = sql_find(stmt_name)) == NULL ||
	    router_family_db(s->family, &db) == -1)
		return (DB_NO_STMT);
	if ((p = router_pool(r, db)) == NULL)
		return (ROUTER_NOT_CONFIGURED);
	return (db_pool_query(p, stmt_name, nparams, values, cb, arg));
}
