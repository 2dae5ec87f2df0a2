/*
 * Self-assessment scoring (shared/score.c): the formula, half-to-even
 * rounding, category order, and the answers that are refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "score.h"

static void
test_value(void **state)
{
	(void)state;
	assert_int_equal(score_value(1, 0), 100);
	assert_int_equal(score_value(0, 1), 0);
	assert_int_equal(score_value(1, 1), 50);
	/* 50 + 50 * 1/3 = 66.67 and 50 - 50/3 = 33.33 */
	assert_int_equal(score_value(2, 1), 67);
	assert_int_equal(score_value(1, 2), 33);
	/* 62.5 and 37.5: half to even, as Python's round() */
	assert_int_equal(score_value(5, 3), 62);
	assert_int_equal(score_value(3, 5), 38);
	/* 87.5 -> 88, 12.5 -> 12 */
	assert_int_equal(score_value(7, 1), 88);
	assert_int_equal(score_value(1, 7), 12);
	/* 75 and 40 from the recorded /results example */
	assert_int_equal(score_value(3, 1), 75);
	assert_int_equal(score_value(2, 3), 40);
	assert_int_equal(score_value(0, 0), 50);
	assert_int_equal(score_value(1000, 0), 100);
}

/* Competencies 1..9: odd ids are "A", even ids "B", 5 is "C". */
static const char *
lookup(void *ctx, long long id)
{
	(void)ctx;
	if (id < 1 || id > 9)
		return (NULL);
	if (id == 5)
		return ("C");
	return (id % 2 ? "A" : "B");
}

static void
test_tally(void **state)
{
	struct score_answer a[] = {{2, 0}, {1, 1}, {4, 0}, {3, 0},
	                           {5, 1}, {6, 1}, {7, 0}};
	struct score_category out[8];
	size_t n;
	long long unknown = -1;

	(void)state;
	assert_int_equal(score_tally(a, 7, lookup, NULL, out, 8, &n, &unknown),
	                 SCORE_OK);
	assert_int_equal(n, 3);
	/* first-seen order of the query, not alphabetical */
	assert_string_equal(out[0].name, "B");
	assert_string_equal(out[1].name, "A");
	assert_string_equal(out[2].name, "C");
	assert_int_equal(out[0].yes, 2);
	assert_int_equal(out[0].no, 1);
	assert_int_equal(out[0].score, 67);
	assert_int_equal(out[1].yes, 2);
	assert_int_equal(out[1].no, 1);
	assert_int_equal(out[2].score, 0);
}

static void
test_tally_edges(void **state)
{
	struct score_answer bad[] = {{1, 0}, {42, 1}};
	struct score_answer two[] = {{1, 2}};
	struct score_answer many[] = {{1, 0}, {2, 0}, {5, 0}};
	struct score_category out[2];
	size_t n = 99;
	long long unknown = 0;

	(void)state;
	/* empty answers: no categories */
	assert_int_equal(
	    score_tally(NULL, 0, lookup, NULL, out, 2, &n, &unknown), SCORE_OK);
	assert_int_equal(n, 0);
	assert_int_equal(
	    score_tally(bad, 2, lookup, NULL, out, 2, &n, &unknown),
	    SCORE_UNKNOWN);
	assert_int_equal(unknown, 42);
	assert_int_equal(
	    score_tally(two, 1, lookup, NULL, out, 2, &n, &unknown),
	    SCORE_BAD_VALUE);
	assert_int_equal(
	    score_tally(many, 3, lookup, NULL, out, 2, &n, &unknown),
	    SCORE_TOO_MANY);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_value),
	    cmocka_unit_test(test_tally),
	    cmocka_unit_test(test_tally_edges),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
