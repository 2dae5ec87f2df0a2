/*
 * The RFC 4180 CSV reader: quoting, line ends, trimming, the first empty
 * row ending the sheet, and malformed input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"

static int
parse(const char *s, struct sheet *sh, char *err)
{
	return (csv_parse(s, strlen(s), sh, err, 200));
}

static void
test_quoting(void **state)
{
	struct sheet sh;
	char err[200];

	(void)state;
	assert_int_equal(parse("\xef\xbb\xbfID,Name\r\n1,\"a, \"\"b\"\"\"\r\n"
	                       "2,\"two\nlines\"\n3,  spaced  ,\n",
	                       &sh, err),
	                 0);
	assert_int_equal(sh.nrows, 4);
	assert_string_equal(sheet_cell(&sh, 0, 0), "ID");
	assert_string_equal(sheet_cell(&sh, 1, 1), "a, \"b\"");
	assert_string_equal(sheet_cell(&sh, 2, 1), "two\nlines");
	assert_string_equal(sheet_cell(&sh, 3, 1), "spaced");
	assert_int_equal(sh.rows[3].ncells, 2); /* trailing empty dropped */
	assert_int_equal(sh.rows[3].line, 4);
	assert_string_equal(sheet_cell(&sh, 3, 9), "");
	sheet_free(&sh);
}

static void
test_empty_row_ends(void **state)
{
	struct sheet sh;
	char err[200];

	(void)state;
	assert_int_equal(parse("A,B\n1,2\n,\n3,4\n", &sh, err), 0);
	assert_int_equal(sh.nrows, 2);
	sheet_free(&sh);
	assert_int_equal(parse("A\n1", &sh, err), 0); /* no final newline */
	assert_int_equal(sh.nrows, 2);
	assert_string_equal(sheet_cell(&sh, 1, 0), "1");
	sheet_free(&sh);
	assert_int_equal(parse("", &sh, err), 0);
	assert_int_equal(sh.nrows, 0);
	sheet_free(&sh);
}

static void
test_malformed(void **state)
{
	struct sheet sh;
	char err[200];

	(void)state;
	assert_int_equal(parse("A,B\n1,\"open\n", &sh, err), -1);
	assert_non_null(strstr(err, "line 2: unterminated"));
	assert_int_equal(parse("A\n\"x\"y\n", &sh, err), -1);
	assert_non_null(strstr(err, "after a closing quote"));
	assert_int_equal(parse("A\nx\"y\n", &sh, err), -1);
	assert_non_null(strstr(err, "quote inside"));
	assert_int_equal(sh.nrows, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_empty_row_ends),
	    cmocka_unit_test(test_malformed),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
