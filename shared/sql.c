/*
 * Statement table.  Add a statement here, give it a family the router
 * knows (router.c), and every pool whose database serves that family
 * prepares it on each new connection.  tests/unit/test_router.c checks
 * that names are unique and every family is routed.
 */
#include <string.h>

#include "sql.h"

const struct sql_stmt sql_stmts[] = {
    /* Health: /readyz round trips. */
    {"app.ping", "app_health", SQL_READ, "SELECT 1"},
    {"cms.ping", "cms_health", SQL_READ, "SELECT 1"},
    /* Lets tests hold a connection busy for a known time. */
    {"test.sleep", "app_health", SQL_READ, "SELECT pg_sleep($1::float8)"},

    {"app.meta_get", "app_meta", SQL_READ,
     "SELECT value FROM app_meta WHERE key = $1"},
};

const size_t sql_nstmts = sizeof(sql_stmts) / sizeof(sql_stmts[0]);

const struct sql_stmt *
sql_find(const char *name)
{
	size_t i;

	/* A few dozen rows: a linear scan costs less than a query. */
	for (i = 0; i < sql_nstmts; i++) {
		if (strcmp(sql_stmts[i].name, name) == 0)
			return (&sql_stmts[i]);
	}
	return (NULL);
}
