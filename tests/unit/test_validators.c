/*
 * Route parameter validators: types, bounds, real dates, lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "http.h"

static int
check(const struct http_param *p, const char *value,
      struct http_param_value *out, struct arena *a)
{
	memset(out, 0, sizeof(*out));
	out->spec = p;
	return (http_param_parse(a, out, value));
}

static void
test_int(void **state)
{
	static const struct http_param p = {"v", PARAM_EXACT, PARAM_INT, 1,
	                                    3,   1,           0};
	struct arena *a = arena_new();
	struct http_param_value v;

	(void)state;
	assert_int_equal(check(&p, "2", &v, a), 0);
	assert_int_equal(v.i, 2);
	assert_int_equal(check(&p, "1", &v, a), 0);
	assert_int_equal(check(&p, "3", &v, a), 0);
	assert_int_equal(check(&p, "0", &v, a), -1);
	assert_int_equal(check(&p, "4", &v, a), -1);
	assert_int_equal(check(&p, "", &v, a), -1);
	assert_int_equal(check(&p, "2x", &v, a), -1);
	assert_int_equal(check(&p, " 2", &v, a), -1);
	assert_int_equal(check(&p, "+2", &v, a), -1);
	assert_int_equal(check(&p, "99999999999999999999999", &v, a), -1);
	arena_free(a);
}

static void
test_negative_int(void **state)
{
	static const struct http_param p = {"x", PARAM_EXACT, PARAM_INT, -5,
	                                    5,   0,           0};
	struct arena *a = arena_new();
	struct http_param_value v;

	(void)state;
	assert_int_equal(check(&p, "-5", &v, a), 0);
	assert_int_equal(v.i, -5);
	assert_int_equal(check(&p, "-6", &v, a), -1);
	assert_int_equal(check(&p, "-", &v, a), -1);
	arena_free(a);
}

static void
test_string(void **state)
{
	static const struct http_param p = {
	    "q", PARAM_EXACT, PARAM_STRING, 1, 5, 0, 0};
	struct arena *a = arena_new();
	struct http_param_value v;

	(void)state;
	assert_int_equal(check(&p, "law", &v, a), 0);
	assert_string_equal(v.s, "law");
	assert_int_equal(check(&p, "", &v, a), -1);
	assert_int_equal(check(&p, "toolong", &v, a), -1);
	assert_int_equal(check(&p, "\xc3\xa9t\xc3\xa9", &v, a), 0);
	assert_int_equal(check(&p, "\xff", &v, a), -1);     /* not UTF-8 */
	assert_int_equal(check(&p, "\xc0\xaf", &v, a), -1); /* overlong */
	arena_free(a);
}

static void
test_date(void **state)
{
	static const struct http_param p = {"sd", PARAM_EXACT, PARAM_DATE, 0,
	                                    0,    0,           0};
	struct arena *a = arena_new();
	struct http_param_value v;

	(void)state;
	assert_int_equal(check(&p, "2026-11-28", &v, a), 0);
	assert_int_equal(v.d.year, 2026);
	assert_int_equal(v.d.month, 11);
	assert_int_equal(v.d.day, 28);
	assert_int_equal(check(&p, "2024-02-29", &v, a), 0);
	assert_int_equal(check(&p, "2026-02-29", &v, a), -1);
	assert_int_equal(check(&p, "1900-02-29", &v, a), -1);
	assert_int_equal(check(&p, "2000-02-29", &v, a), 0);
	assert_int_equal(check(&p, "2026-13-01", &v, a), -1);
	assert_int_equal(check(&p, "2026-04-31", &v, a), -1);
	assert_int_equal(check(&p, "2026-4-30", &v, a), -1);
	assert_int_equal(check(&p, "28/11/2026", &v, a), -1);
	arena_free(a);
}

static void
test_int_list(void **state)
{
	static const struct http_param p = {
	    "n", PARAM_EXACT, PARAM_INT_LIST, 1, 7, 0, 3};
	struct arena *a = arena_new();
	struct http_param_value v;

	(void)state;
	assert_int_equal(check(&p, "1,2", &v, a), 0);
	assert_int_equal(v.nlist, 2);
	assert_int_equal(v.list[0], 1);
	assert_int_equal(v.list[1], 2);
	assert_int_equal(check(&p, "7", &v, a), 0);
	assert_int_equal(check(&p, "1,2,3,4", &v, a), -1); /* > max_items */
	assert_int_equal(check(&p, "1,,2", &v, a), -1);
	assert_int_equal(check(&p, "1,8", &v, a), -1);
	assert_int_equal(check(&p, "", &v, a), -1);
	assert_int_equal(check(&p, "1,", &v, a), -1);
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_int),
	    cmocka_unit_test(test_negative_int),
	    cmocka_unit_test(test_string),
	    cmocka_unit_test(test_date),
	    cmocka_unit_test(test_int_list),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
