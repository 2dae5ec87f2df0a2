/*
 * Router table and statement table: pure lookups, no database.
 * Guards the invariant that every statement reaches some database.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "router.h"
#include "sql.h"

static void
test_app_families(void **state)
{
	enum router_db db = ROUTER_DB_CMS;

	(void)state;
	assert_int_equal(router_family_db("app_health", &db), 0);
	assert_int_equal(db, ROUTER_DB_APP);
	db = ROUTER_DB_CMS;
	assert_int_equal(router_family_db("app_meta", &db), 0);
	assert_int_equal(db, ROUTER_DB_APP);
}

static void
test_cms_family(void **state)
{
	enum router_db db = ROUTER_DB_APP;

	(void)state;
	assert_int_equal(router_family_db("cms_health", &db), 0);
	assert_int_equal(db, ROUTER_DB_CMS);
}

static void
test_unknown_family(void **state)
{
	enum router_db db = ROUTER_DB_APP;

	(void)state;
	assert_int_equal(router_family_db("no_such_family", &db), -1);
	assert_int_equal(router_family_db("", &db), -1);
	assert_int_equal(router_family_db(NULL, &db), -1);
	/* A prefix of a known family is not that family. */
	assert_int_equal(router_family_db("app", &db), -1);
}

static void
test_every_statement_routed(void **state)
{
	enum router_db db;
	size_t i;

	(void)state;
	assert_true(sql_nstmts > 0);
	for (i = 0; i < sql_nstmts; i++) {
		if (router_family_db(sql_stmts[i].family, &db) != 0)
			fail_msg("statement %s: family %s is not routed",
			         sql_stmts[i].name, sql_stmts[i].family);
	}
}

static void
test_statement_names_unique(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < sql_nstmts; i++) {
		for (j = i + 1; j < sql_nstmts; j++) {
			if (strcmp(sql_stmts[i].name, sql_stmts[j].name) == 0)
				fail_msg("statement %s defined twice",
				         sql_stmts[i].name);
		}
	}
}

static void
test_sql_find(void **state)
{
	const struct sql_stmt *s;

	(void)state;
	s = sql_find("app.ping");
	assert_non_null(s);
	assert_string_equal(s->family, "app_health");
	s = sql_find("app.meta_get");
	assert_non_null(s);
	assert_int_equal(s->kind, SQL_READ);
	assert_null(sql_find("app.nope"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_app_families),
	    cmocka_unit_test(test_cms_family),
	    cmocka_unit_test(test_unknown_family),
	    cmocka_unit_test(test_every_statement_routed),
	    cmocka_unit_test(test_statement_names_unique),
	    cmocka_unit_test(test_sql_find),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
