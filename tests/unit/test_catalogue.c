/*
 * Course catalogue rules (shared/catalogue.c) and the App cache's
 * snapshot building and rendered-answer cache (shared/app_cache.c),
 * without a database: filters, every sort order, date bounds, local
 * dates in Asia/Singapore.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "app_cache.h"
#include "catalogue.h"

/* 2027-01-01T00:00:00+08:00 */
#define JAN1 1798732800LL
#define DAY  86400LL

static int cats_a[] = {1, 3};
static int cats_b[] = {3};
static const int lv_gen[] = {1}, fm_sem[] = {4}, lv_int[] = {3};
static const int fm_w[] = {2};

static struct catalogue_course courses[] = {
    /* id name ... */
    {.id = 1,
     .name = "Law in Business",
     .has_cost = 1,
     .cost = 171.2,
     .level_id = 1,
     .format_id = 4,
     .cpd = CATALOGUE_CPD_POINTS,
     .cpd_points = 1.5,
     .categories = cats_a,
     .ncategories = 2},
    {.id = 2,
     .name = "Competition PRACTICE",
     .has_cost = 1,
     .cost = 0,
     .level_id = 3,
     .format_id = 2,
     .cpd = CATALOGUE_CPD_PRIVATE,
     .categories = cats_b,
     .ncategories = 1},
    {.id = 3,
     .name = "Deal-making",
     .has_cost = 1,
     .cost = 1712,
     .level_id = 3,
     .format_id = 4,
     .cpd = CATALOGUE_CPD_POINTS,
     .cpd_points = 12},
    {.id = 4, .name = "Varies", .cost_varies = 1, .cpd = CATALOGUE_CPD_TBC},
    {.id = 5,
     .name = "Ongoing e-learning",
     .has_cost = 1,
     .cost = 10,
     .is_ongoing = 1,
     .cpd = CATALOGUE_CPD_NA},
    {.id = 6,
     .name = "Old course",
     .has_cost = 1,
     .cost = 5,
     .cpd = CATALOGUE_CPD_NONE},
};

static struct catalogue_entry entries[8];
static size_t nentries;

static int
setup(void **state)
{
	(void)state;
	setenv("TZ", "Asia/Singapore", 1);
	tzset();
	nentries = 0;
#define ENTRY(c, idx, t)                                                       \
	do {                                                                   \
		struct catalogue_entry *e = &entries[nentries++];              \
		e->course = &courses[c];                                       \
		e->date_index = (idx);                                         \
		e->start = (t);                                                \
		e->start_day =                                                 \
		    (idx) < 0 ? 0 : catalogue_local_day((time_t)(t));          \
	} while (0)
	ENTRY(0, 0, JAN1);            /* 2027-01-01 */
	ENTRY(1, 0, JAN1);            /* 2027-01-01, same instant */
	ENTRY(2, 0, JAN1 + 10 * DAY); /* 2027-01-11 */
	ENTRY(2, 1, JAN1 + 2 * DAY);  /* 2027-01-03 */
	ENTRY(3, 0, JAN1 + 5 * DAY);  /* 2027-01-06 */
	ENTRY(4, -1, 0);              /* ongoing, no dates */
	ENTRY(5, 0, JAN1 - DAY);      /* 2026-12-31 */
	return (0);
}

static void
ids(const struct catalogue_entry **v, size_t n, char *buf, size_t len)
{
	size_t i, off = 0;

	buf[0] = '\0';
	for (i = 0; i < n && off < len; i++)
		off += (size_t)snprintf(buf + off, len - off, "%s%lld.%d",
		                        i ? " " : "", v[i]->course->id,
		                        v[i]->date_index);
}

static void
browse(const struct catalogue_browse *b, const char *want)
{
	const struct catalogue_entry *out[8];
	char buf[256];
	size_t n;

	n = catalogue_browse(entries, nentries, b, out);
	ids(out, n, buf, sizeof(buf));
	assert_string_equal(buf, want);
}

static void
test_dates(void **state)
{
	char buf[40];

	(void)state;
	assert_int_equal(catalogue_local_day(JAN1), 20270101);
	/* one second earlier is still 2026 in Singapore, not in UTC */
	assert_int_equal(catalogue_local_day(JAN1 - 1), 20261231);
	assert_int_equal(catalogue_iso8601(JAN1, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "2027-01-01T00:00:00+08:00");
	assert_int_equal(catalogue_next_midnight(JAN1 - 1), JAN1);
	assert_int_equal(catalogue_next_midnight(JAN1), JAN1 + DAY);
	assert_int_equal(catalogue_iso8601(JAN1, buf, 10), -1);
}

static void
test_contains(void **state)
{
	(void)state;
	assert_true(catalogue_contains_ci("Competition PRACTICE", "practice"));
	assert_true(catalogue_contains_ci("abc", ""));
	assert_true(catalogue_contains_ci("abc", NULL));
	assert_false(catalogue_contains_ci("abc", "abcd"));
	assert_false(catalogue_contains_ci(NULL, "a"));
	assert_true(catalogue_contains_ci("Caf\xc3\xa9 law", "CAF\xc3\xa9"));
}

static void
test_needs(void **state)
{
	struct catalogue_need seminar_gen = {lv_gen, 1, fm_sem, 1};
	struct catalogue_need two[] = {{lv_gen, 1, fm_w, 1},
	                               {lv_int, 1, fm_sem, 1}};

	(void)state;
	assert_true(catalogue_need_match(&courses[0], NULL, 0));
	assert_true(catalogue_need_match(&courses[0], &seminar_gen, 1));
	assert_false(catalogue_need_match(&courses[2], &seminar_gen, 1));
	/* level of one need and format of the other: no */
	assert_false(catalogue_need_match(&courses[0], two, 2));
	/* Intermediate seminar: the second need */
	assert_true(catalogue_need_match(&courses[2], two, 2));
	/* no level or format at all never matches a need */
	assert_false(catalogue_need_match(&courses[3], two, 2));
	assert_true(catalogue_has_category(&courses[0], 3));
	assert_false(catalogue_has_category(&courses[2], 3));
}

static void
test_browse_date(void **state)
{
	struct catalogue_browse b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.ongoing = 1;
	b.cpd = CATALOGUE_BOTH;
	browse(&b, "6.0 1.0 2.0 3.1 4.0 3.0 5.-1");
	b.desc = 1;
	/* undated stays last; equal starts by course id */
	browse(&b, "3.0 4.0 3.1 1.0 2.0 6.0 5.-1");
	b.desc = 0;
	b.sd = 20270101;
	b.ed = 20270106; /* inclusive on both ends */
	browse(&b, "1.0 2.0 3.1 4.0 5.-1");
	b.ongoing = 0;
	browse(&b, "1.0 2.0 3.1 4.0");
	b.sd = b.ed = 0;
	b.q = "PRACTICE";
	browse(&b, "2.0");
	b.q = "practice";
	browse(&b, "2.0");
	b.q = NULL;
	b.cpd = CATALOGUE_PRIVATE;
	browse(&b, "2.0");
	b.cpd = CATALOGUE_PUBLIC;
	browse(&b, "6.0 1.0 3.1 4.0 3.0");
}

static void
test_browse_cpd_cost(void **state)
{
	struct catalogue_browse b;

	(void)state;
	memset(&b, 0, sizeof(b));
	b.ongoing = 1;
	b.cpd = CATALOGUE_BOTH;
	b.sort = CATALOGUE_SORT_CPD;
	/* points ascending, then TBC, private, n/a, not stated */
	browse(&b, "1.0 3.1 3.0 4.0 2.0 5.-1 6.0");
	b.desc = 1;
	/* only the points order turns around; ties by date */
	browse(&b, "3.1 3.0 1.0 4.0 2.0 5.-1 6.0");
	b.sort = CATALOGUE_SORT_COST;
	b.desc = 0;
	/* a varying cost sorts as lowest */
	browse(&b, "4.0 2.0 6.0 5.-1 1.0 3.1 3.0");
	b.desc = 1;
	browse(&b, "3.1 3.0 1.0 5.-1 6.0 2.0 4.0");
}

static void
test_upcoming(void **state)
{
	(void)state;
	assert_true(catalogue_upcoming(&entries[0], 20270101));
	assert_false(catalogue_upcoming(&entries[0], 20270102));
	assert_true(catalogue_upcoming(&entries[5], 20991231));
}

static const char fw_doc[] =
    "{\"lsn\":null,"
    "\"verticals\":[[1,\"Legal Practitioner\",\"A practising lawyer.\"]],"
    "\"categories\":[[1,1,1,\"Technical Lawyering\",\"Legal topics\","
    "false],[2,1,2,\"Specialisms\",\"Specialisms\",true]],"
    "\"competencies\":[[3,1,\"Technical Lawyering\",\"I can a.\",null],"
    "[7,1,\"Technical Lawyering\",\"I can b.\",\"B.\"]],"
    "\"roles\":[[1,\"Associate\",1,1,\"Law firm\",null,\"Does.\",[7,3]]],"
    "\"tech_roles\":[[0,\"Innovator\",3,\"Legal tech innovator.\",[]]],"
    "\"tech_competencies\":[],"
    "\"needs\":[[1,\"Need\",\"Foundational skills.\",[1],[2]]]}";
static const char course_doc[] =
    "{\"lsn\":null,\"courses\":["
    "[9,\"Later\",null,null,171.2,false,1,\"General\",2,\"Workshop\","
    "\"LIFTED booklet\",false,false,\"points\",1.5,"
    "[[1798732800,1798819200],[1799337600,null]],[1],[]],"
    "[10,\"Always\",\"SAL\",\"https://x\",null,true,null,null,null,null,"
    "null,true,true,null,null,[],[],[]],"
    "[11,\"Never shown\",null,null,1,false,null,null,null,null,"
    "null,false,false,\"tbc\",null,[],[],[]]]}";

static int renders;

static char *
render_count(struct app_snapshot *s, void *arg)
{
	(void)s;
	(void)arg;
	renders++;
	return (strdup("{\"x\":1}"));
}

static void
test_snapshot(void **state)
{
	const struct app_rendered *r1, *r2;
	struct app_snapshot *s;

	(void)state;
	s = app_snapshot_build(cJSON_Parse(fw_doc), cJSON_Parse(course_doc));
	assert_non_null(s);
	assert_int_equal(s->nverticals, 1);
	assert_int_equal(s->ncategories, 2);
	assert_non_null(app_snapshot_competency(s, 7));
	assert_null(app_snapshot_competency(s, 4));
	assert_null(app_snapshot_competency(s, 3)->description);
	assert_string_equal(app_snapshot_competency(s, 7)->description, "B.");
	assert_int_equal(app_snapshot_role(s, 1)->ncomps, 2);
	assert_int_equal(app_snapshot_role(s, 1)->comps[0], 7);
	assert_non_null(app_snapshot_tech_role(s, 0));
	assert_int_equal(app_snapshot_need(s, 1)->match.nlevels, 1);
	/* two dates of course 9 (by start) + ongoing 10; 11 has none */
	assert_int_equal(s->nentries, 3);
	assert_int_equal(s->entries[0].course->id, 9);
	assert_int_equal(s->entries[0].date_index, 0);
	assert_int_equal(s->entries[0].start_day, 20270101);
	assert_int_equal(s->entries[2].date_index, -1);
	assert_string_equal(
	    s->entries[0].json,
	    "{\"name\":\"Later\",\"provider\":null,\"cost\":{\"cost\":171.2,"
	    "\"isVarying\":false},\"url\":\"\",\"level\":\"General\","
	    "\"format\":\"Workshop\",\"spider_name\":\"LIFTED booklet\","
	    "\"is_manually_added\":false,\"is_ongoing\":false,\"date_range\":"
	    "{\"start\":\"2027-01-01T00:00:00+08:00\",\"end\":"
	    "\"2027-01-02T00:00:00+08:00\"},\"cpd\":{\"points\":1.5,"
	    "\"is_private\":false,\"is_tbc\":false,\"is_na\":false}}");
	assert_non_null(strstr(s->entries[2].json, "\"cost\":{\"cost\":null,"
	                                           "\"isVarying\":true}"));
	assert_non_null(strstr(s->entries[2].json, "\"date_range\":{\"start\":"
	                                           "null,\"end\":null}"));

	renders = 0;
	r1 = app_cache_rendered(s, "k", 0, render_count, NULL);
	r2 = app_cache_rendered(s, "k", 0, render_count, NULL);
	assert_ptr_equal(r1, r2);
	assert_int_equal(renders, 1);
	assert_int_equal(strlen(r1->etag), 34);
	assert_int_equal(r1->etag[0], '"');
	app_cache_rendered(s, "k2", 0, render_count, NULL);
	assert_int_equal(renders, 2);
	app_snapshot_unref(s);

	/* malformed documents are refused, and freed */
	assert_null(
	    app_snapshot_build(cJSON_Parse("{}"), cJSON_Parse(course_doc)));
	assert_null(app_snapshot_build(cJSON_Parse(fw_doc), NULL));
}

static void
test_lsn(void **state)
{
	(void)state;
	assert_true(app_cache_parse_lsn("16/B374D848") ==
	            ((0x16ULL << 32) | 0xB374D848ULL));
	assert_true(app_cache_parse_lsn("0/0") == 0);
	assert_true(app_cache_parse_lsn("") == 0);
	assert_true(app_cache_parse_lsn(NULL) == 0);
	assert_true(app_cache_parse_lsn("import") == 0);
	assert_true(app_cache_parse_lsn("1/2x") == 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup(test_dates, setup),
	    cmocka_unit_test_setup(test_contains, setup),
	    cmocka_unit_test_setup(test_needs, setup),
	    cmocka_unit_test_setup(test_browse_date, setup),
	    cmocka_unit_test_setup(test_browse_cpd_cost, setup),
	    cmocka_unit_test_setup(test_upcoming, setup),
	    cmocka_unit_test_setup(test_snapshot, setup),
	    cmocka_unit_test(test_lsn),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
