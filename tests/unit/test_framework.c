/*
 * The importer's checks without a database: id ranges, the ids SPEC 4
 * assigns, errors and warnings with sheet, row and column, --strict, and
 * the project's own sheets in frameworks_data/ reading cleanly.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv.h"
#include "framework.h"

static void
test_ids(void **state)
{
	char err[200];
	int *v;
	size_t n;

	(void)state;
	assert_int_equal(
	    framework_parse_ids("91-95, 100-103, 93", &v, &n, err, sizeof(err)),
	    0);
	assert_int_equal(n, 9); /* the repeated 93 is dropped */
	assert_int_equal(v[0], 91);
	assert_int_equal(v[8], 103);
	free(v);
	assert_int_equal(framework_parse_ids(", 3, 4,", &v, &n, err, 200), 0);
	assert_int_equal(n, 2);
	free(v);
	assert_int_equal(framework_parse_ids("", &v, &n, err, 200), 0);
	assert_int_equal(n, 0);
	assert_int_equal(framework_parse_ids("95-91", &v, &n, err, 200), -1);
	assert_string_equal(err, "range 95-91 runs backwards");
	assert_int_equal(framework_parse_ids("1-x", &v, &n, err, 200), -1);
	assert_int_equal(framework_parse_ids("0", &v, &n, err, 200), -1);
	assert_int_equal(framework_parse_ids("1-99999999", &v, &n, err, 200),
	                 -1);
}

static void
add(struct framework *fw, const char *name, const char *csv)
{
	struct sheet sh;
	char err[200];

	assert_int_equal(csv_parse(csv, strlen(csv), &sh, err, sizeof(err)), 0);
	assert_int_equal(framework_add_sheet(fw, name, &sh), 0);
}

/* A tiny framework; job_roles and competencies vary per test. */
static struct framework *
tiny(const char *competencies, const char *job_roles)
{
	struct framework *fw = framework_new();

	assert_non_null(fw);
	add(fw, "verticals",
	    "Vertical,Vertical option text,Category key,Category title,"
	    "Option text\n"
	    "Alpha,An alpha.,1,Skills,Skills\n,,2,Specialisms,Specialisms\n"
	    "Beta,A beta.,1,Craft,Craft\n,,2,Skills,Skills\n");
	add(fw, "competencies", competencies);
	add(fw, "job_roles", job_roles);
	add(fw, "tech_roles",
	    "Role,Level,Copyedited role,Tech Competency IDs\nT0,1,T zero.,1\n"
	    "T1,2,T one.,\n");
	add(fw, "tech_competencies",
	    "ID,Competency category,Tech role,Copyedited title,Description\n"
	    "1,Cat,T0,I can.,\n");
	add(fw, "needs",
	    "Need,Need option text,Formats,Levels\n"
	    "N,N text.,W / L,Gen\n");
	add(fw, "levels", "Level,Acronym\nGeneral,Gen\n");
	add(fw, "formats", "Format,Acronym\nWorkshop,W\nLecture,L\n");
	return (fw);
}

#define COMPS                                                                  \
	"ID,Vertical,Specialism,Competency Category,Copyedited title,"         \
	"Description\n"                                                        \
	"10,Alpha,,Skills,I can a.,\n11,Alpha,Deep,Skills,I can b.,More\n"     \
	"12,Beta,,Craft,I can c.,\n13,Beta,,Stray,I can d.,\n"
#define ROLES                                                                  \
	"Role,Vertical,Level,In-house or law firm?,Competency Ids,"            \
	"Specialism,Thin Description\n"

static void
test_valid(void **state)
{
	struct framework *fw;
	struct framework_counts c;
	const struct framework_issue *is;
	size_t n;

	(void)state;
	fw = tiny(COMPS, ROLES "R1,Alpha,1,Law firm,10-11,Deep,Desc\n"
	                       "R2,Beta,7,,12; 13,,\n");
	assert_int_equal(framework_validate(fw, 0), 0);
	framework_counts(fw, &c);
	assert_int_equal(c.verticals, 2);
	assert_int_equal(c.vertical_categories, 4);
	assert_int_equal(c.competencies, 4);
	assert_int_equal(c.competency_categories, 3);
	assert_int_equal(c.specialisms, 1);
	assert_int_equal(c.job_roles, 2);
	assert_int_equal(c.tech_roles, 2);
	/* "Stray" matches no category of Beta: one warning, at its row. */
	is = framework_issues(fw, &n);
	assert_int_equal(n, 1);
	assert_int_equal(is[0].severity, FRAMEWORK_WARNING);
	assert_string_equal(is[0].sheet, "competencies");
	assert_int_equal(is[0].row, 5);
	assert_int_equal(is[0].col, 3);
	framework_free(fw);

	fw = tiny(COMPS, ROLES "R1,Alpha,1,Law firm,10-11,Deep,Desc\n");
	assert_int_equal(framework_validate(fw, 1), 1); /* --strict */
	assert_int_equal(framework_nwarnings(fw), 0);
	framework_free(fw);
}

static void
test_errors(void **state)
{
	struct framework *fw;
	const struct framework_issue *is;
	size_t n, i;
	int saw_back = 0, saw_missing = 0, saw_dup = 0, saw_org = 0;

	(void)state;
	fw = tiny(COMPS "10,Alpha,,Skills,Again.,\n", ROLES
	          "R1,Alpha,1,Law firm,11-10,,\nR2,Alpha,3,Home,10; 99,,\n");
	assert_true(framework_validate(fw, 0) >= 4);
	is = framework_issues(fw, &n);
	for (i = 0; i < n; i++) {
		if (strcmp(is[i].message, "range 11-10 runs backwards") == 0 &&
		    is[i].row == 2 && is[i].col == 4)
			saw_back = 1;
		if (strcmp(is[i].message, "competency id 99 does not exist") ==
		        0 &&
		    is[i].row == 3)
			saw_missing = 1;
		if (strcmp(is[i].message, "duplicate ID 10") == 0 &&
		    is[i].row == 6 && is[i].col == 0)
			saw_dup = 1;
		if (strstr(is[i].message, "\"Home\"") != NULL)
			saw_org = 1;
	}
	assert_true(saw_back && saw_missing && saw_dup && saw_org);
	framework_free(fw);

	/* A missing column, a missing sheet. */
	fw = framework_new();
	add(fw, "levels", "Level\nGeneral\n");
	assert_true(framework_validate(fw, 0) > 0);
	is = framework_issues(fw, &n);
	for (i = 0; i < n; i++)
		if (strcmp(is[i].message,
		           "missing required column \"Acronym\"") == 0)
			saw_missing = 2;
	assert_int_equal(saw_missing, 2);
	framework_free(fw);
}

static void
test_sample_dir(void **state)
{
	struct framework *fw;
	struct framework_counts c;

	(void)state;
	fw = framework_new();
	assert_int_equal(framework_read_dir(fw, "frameworks_data"), 0);
	assert_int_equal(framework_validate(fw, 1), 0);
	framework_counts(fw, &c);
	assert_int_equal(c.verticals, 3);
	assert_true(c.competencies >= 40 && c.competencies <= 60);
	assert_true(c.courses >= 20);
	framework_free(fw);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ids),
	    cmocka_unit_test(test_valid),
	    cmocka_unit_test(test_errors),
	    cmocka_unit_test(test_sample_dir),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
