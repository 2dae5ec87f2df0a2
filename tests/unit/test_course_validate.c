/*
 * Course validation (shared/course_validate.c): each SPEC section 7 rule,
 * its field key and that a good course passes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "course_validate.h"

static const int levels[] = {1, 2, 3};
static const int formats[] = {1, 2};
static const int categories[] = {4, 5, 6, 7};
static const struct course_lists lists = {levels, 3, formats, 2, categories, 4};

static const char *good =
    "{\"name\": \"Contract drafting\", \"provider\": \"Law Academy\", "
    "\"url\": \"https://example.org/c/1\", \"cost\": 120.5, "
    "\"cost_varies\": false, \"level_id\": 1, \"format_id\": 2, "
    "\"cpd_state\": \"points\", \"cpd_points\": 3, \"is_ongoing\": false, "
    "\"dates\": [{\"start\": \"2027-01-10\", \"end\": \"2027-01-11\"}], "
    "\"category_ids\": [4, 7]}";

/* Validates good with member replaced by value (JSON text; NULL
 * removes it) and returns the errors. */
static cJSON *
check_with(const char *member, const char *value)
{
	cJSON *c = cJSON_Parse(good), *errs;

	assert_non_null(c);
	if (member != NULL) {
		cJSON_DeleteItemFromObjectCaseSensitive(c, member);
		if (value != NULL)
			cJSON_AddItemToObject(c, member, cJSON_Parse(value));
	}
	errs = course_validate(c, &lists);
	cJSON_Delete(c);
	assert_non_null(errs);
	return (errs);
}

/* Asserts that changing member to value gives exactly one error, on
 * field. */
static void
expect_error(const char *member, const char *value, const char *field)
{
	cJSON *errs = check_with(member, value);

	if (field == NULL) {
		if (cJSON_GetArraySize(errs) != 0)
			fail_msg("%s=%s: unexpected %s", member,
			         value ? value : "(absent)",
			         cJSON_PrintUnformatted(errs));
	} else {
		if (cJSON_GetObjectItemCaseSensitive(errs, field) == NULL ||
		    cJSON_GetArraySize(errs) != 1)
			fail_msg("%s=%s: want %s, got %s", member,
			         value ? value : "(absent)", field,
			         cJSON_PrintUnformatted(errs));
	}
	cJSON_Delete(errs);
}

static void
test_good(void **state)
{
	(void)state;
	expect_error(NULL, NULL, NULL);
}

static void
test_required_text(void **state)
{
	(void)state;
	expect_error("name", NULL, "name");
	expect_error("name", "\"   \"", "name");
	expect_error("name", "12", "name");
	expect_error("provider", NULL, "provider");
	expect_error("provider", "\"\"", "provider");
	expect_error("url", NULL, "url");
	expect_error("url", "\"ftp://example.org\"", "url");
	expect_error("url", "\"https://\"", "url");
	expect_error("url", "\"http://example.org/a b\"", "url");
	expect_error("url", "\"http://example.org/\"", NULL);
}

static void
test_cost(void **state)
{
	cJSON *c, *errs;

	(void)state;
	expect_error("cost", "0", NULL);
	expect_error("cost", "\"12.50\"", NULL);
	expect_error("cost", "12.345", "cost");
	expect_error("cost", "\"12.345\"", "cost");
	expect_error("cost", "-1", "cost");
	expect_error("cost", "\"abc\"", "cost");
	expect_error("cost", NULL, "cost");
	/* Varying: no cost needed, and any non-negative price. */
	c = cJSON_Parse(good);
	cJSON_ReplaceItemInObjectCaseSensitive(c, "cost_varies",
	                                       cJSON_CreateTrue());
	cJSON_ReplaceItemInObjectCaseSensitive(c, "cost", cJSON_CreateNull());
	errs = course_validate(c, &lists);
	assert_int_equal(cJSON_GetArraySize(errs), 0);
	cJSON_Delete(errs);
	cJSON_ReplaceItemInObjectCaseSensitive(c, "cost",
	                                       cJSON_CreateNumber(10.125));
	errs = course_validate(c, &lists);
	assert_int_equal(cJSON_GetArraySize(errs), 0);
	cJSON_Delete(errs);
	cJSON_Delete(c);
	assert_int_equal(course_decimal2_ok("1"), 1);
	assert_int_equal(course_decimal2_ok("1.25"), 1);
	assert_int_equal(course_decimal2_ok("1."), 0);
	assert_int_equal(course_decimal2_ok(".5"), 0);
	assert_int_equal(course_decimal2_ok("1.255"), 0);
}

static void
test_cpd(void **state)
{
	cJSON *c, *errs;

	(void)state;
	expect_error("cpd_state", NULL, "cpd_state");
	expect_error("cpd_state", "\"maybe\"", "cpd_state");
	expect_error("cpd_points", NULL, "cpd_points");
	expect_error("cpd_points", "0", "cpd_points");
	expect_error("cpd_points", "1.234", "cpd_points");
	expect_error("cpd_points", "2.5", NULL);
	/* tbc / private / na take no points. */
	c = cJSON_Parse(good);
	cJSON_ReplaceItemInObjectCaseSensitive(c, "cpd_state",
	                                       cJSON_CreateString("tbc"));
	errs = course_validate(c, &lists);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "cpd_points"));
	cJSON_Delete(errs);
	cJSON_DeleteItemFromObjectCaseSensitive(c, "cpd_points");
	errs = course_validate(c, &lists);
	assert_int_equal(cJSON_GetArraySize(errs), 0);
	cJSON_Delete(errs);
	cJSON_Delete(c);
}

static void
test_lists(void **state)
{
	(void)state;
	expect_error("level_id", NULL, "level_id");
	expect_error("level_id", "9", "level_id");
	expect_error("level_id", "\"1\"", "level_id");
	expect_error("format_id", "3", "format_id");
	expect_error("format_id", "2", NULL);
}

static void
test_dates(void **state)
{
	cJSON *c, *errs;
	long long a, b;

	(void)state;
	expect_error("dates",
	             "[{\"start\": \"2027-01-10\", \"end\": "
	             "\"2027-01-09\"}]",
	             "dates[0].end");
	expect_error("dates", "[{\"start\": \"2027-02-30\"}]",
	             "dates[0].start");
	expect_error("dates",
	             "[{\"start\": \"2027-01-10\"}, {\"start\": \"x\"}]",
	             "dates[1].start");
	expect_error("dates",
	             "[{\"start\": \"2027-01-10T09:00+08:00\", "
	             "\"end\": \"2027-01-10T17:00+08:00\"}]",
	             NULL);
	expect_error("dates", "[]", "dates");
	expect_error("dates", "{}", "dates");
	/* Ongoing courses need no dates. */
	c = cJSON_Parse(good);
	cJSON_ReplaceItemInObjectCaseSensitive(c, "is_ongoing",
	                                       cJSON_CreateTrue());
	cJSON_ReplaceItemInObjectCaseSensitive(c, "dates", cJSON_CreateArray());
	errs = course_validate(c, &lists);
	assert_int_equal(cJSON_GetArraySize(errs), 0);
	cJSON_Delete(errs);
	cJSON_Delete(c);
	/* Offsets count: 10:00+08:00 is before 03:00Z. */
	assert_int_equal(course_parse_time("2027-01-10T10:00+08:00", &a), 0);
	assert_int_equal(course_parse_time("2027-01-10T03:00Z", &b), 0);
	assert_true(a < b);
	assert_int_equal(course_parse_time("2024-02-29", &a), 0);
	assert_int_equal(course_parse_time("2023-02-29", &a), -1);
	assert_int_equal(course_parse_time("2027-01-10T25:00", &a), -1);
	assert_int_equal(course_parse_time("1970-01-02", &a), 0);
	assert_int_equal(a, 86400);
}

static void
test_categories(void **state)
{
	(void)state;
	expect_error("category_ids", NULL, "category_ids");
	expect_error("category_ids", "[]", "category_ids");
	expect_error("category_ids", "[4, 5, 6, 7]", "category_ids");
	expect_error("category_ids", "[4, 4]", "category_ids");
	expect_error("category_ids", "[99]", "category_ids");
	expect_error("category_ids", "[\"4\"]", "category_ids");
	expect_error("category_ids", "[4, 5, 6]", NULL);
}

static void
test_every_field_at_once(void **state)
{
	cJSON *errs;

	(void)state;
	errs = course_validate(cJSON_GetArrayItem(NULL, 0), &lists);
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "course"));
	cJSON_Delete(errs);
	{
		cJSON *empty = cJSON_CreateObject();

		errs = course_validate(empty, &lists);
		cJSON_Delete(empty);
	}
	/* Every required field named in one answer. */
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "name"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "provider"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "url"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "cost"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "cpd_state"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "level_id"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "format_id"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "dates"));
	assert_non_null(cJSON_GetObjectItemCaseSensitive(errs, "category_ids"));
	cJSON_Delete(errs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good),
	    cmocka_unit_test(test_required_text),
	    cmocka_unit_test(test_cost),
	    cmocka_unit_test(test_cpd),
	    cmocka_unit_test(test_lists),
	    cmocka_unit_test(test_dates),
	    cmocka_unit_test(test_categories),
	    cmocka_unit_test(test_every_field_at_once),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
