/*
 * Normalisation of scraped text and every date format of SPEC section 8
 * (shared/scrape_text.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scrape_text.h"

#define NF(a) (sizeof(a) / sizeof(a[0]))

static void
fold_is(const char *in, const char *want)
{
	char *got = scrape_fold(in);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_fold(void **state)
{
	(void)state;
	fold_is("  Mediation \t\n Advocacy  ", "Mediation Advocacy");
	fold_is("a\xc2\xa0\xc2\xa0"
	        "b",
	        "a b");               /* no-break spaces */
	fold_is("\xc2\xa0 \n", NULL); /* empty is null */
	fold_is("", NULL);
	fold_is(NULL, NULL);
	fold_is("Caf\xc3\xa9", "Caf\xc3\xa9");   /* valid UTF-8 kept */
	fold_is("Caf\xe9!", "Caf\xef\xbf\xbd!"); /* invalid replaced */
	fold_is("\xc3", "\xef\xbf\xbd");         /* truncated */
	fold_is("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	fold_is("a\x01"
	        "b",
	        "ab"); /* controls dropped */
}

static void
case_is(const char *in, const char *want)
{
	char *s = strdup(in);

	scrape_title_case(s);
	assert_string_equal(s, want);
	free(s);
}

static void
test_title_case(void **state)
{
	(void)state;
	case_is("CONTRACT LAW FOR NON-LAWYERS", "Contract Law for Non-Lawyers");
	case_is("THE LAW OF TORTS AND THE COURTS",
	        "The Law of Torts and the Courts");
	case_is("ACME LEGAL TRAINING PTE. LTD.",
	        "Acme Legal Training Pte. Ltd.");
	case_is("ONLINE: DATA PROTECTION (PDPA) 2017",
	        "Online: Data Protection (Pdpa) 2017");
	/* Mixed case is left alone. */
	case_is("Negotiation Skills for IP Lawyers",
	        "Negotiation Skills for IP Lawyers");
	case_is("2017 / 2018", "2017 / 2018");
	case_is("", "");
}

static void
test_strip_prefix(void **state)
{
	char s[] = "[Registration Closed]  Ethics Course";
	char t[] = "Ethics [Registration Closed]";
	char u[] = "[registration closed]Tax";

	(void)state;
	assert_int_equal(scrape_strip_prefix(s, "[Registration Closed]"), 1);
	assert_string_equal(s, "Ethics Course");
	assert_int_equal(scrape_strip_prefix(t, "[Registration Closed]"), 0);
	assert_string_equal(t, "Ethics [Registration Closed]");
	assert_int_equal(scrape_strip_prefix(u, "[Registration Closed]"), 1);
	assert_string_equal(u, "Tax");
}

static void
test_level(void **state)
{
	char *a = strdup("Foundation"), *b = strdup("FOUNDATION"),
	     *c = strdup("Intermediate"), *d = NULL;

	(void)state;
	scrape_level(&a);
	scrape_level(&b);
	scrape_level(&c);
	scrape_level(&d);
	assert_string_equal(a, "Foundational");
	assert_string_equal(b, "Foundational");
	assert_string_equal(c, "Intermediate");
	assert_null(d);
	free(a);
	free(b);
	free(c);
}

static void
num_is(const char *in, const char *want)
{
	char *got = scrape_number(in);

	if (want == NULL)
		assert_null(got);
	else
		assert_string_equal(got, want);
	free(got);
}

static void
test_number(void **state)
{
	(void)state;
	num_is("CPD points: 2.5 (Practice)", "2.5");
	num_is("S$1,250.00", "1250.00");
	num_is("4", "4");
	num_is("none", NULL);
	num_is("", NULL);
	num_is("1.", "1");
}

/* One date text with formats, as ISO in Asia/Singapore. */
static void
date_is(const char *in, const char *const *fmts, size_t n, const char *want)
{
	char out[32];
	struct tm tm;

	if (want == NULL) {
		assert_true(
		    scrape_date_parse(in, fmts, n, &tm) == -1 ||
		    scrape_iso(&tm, "Asia/Singapore", out, sizeof(out)) == -1);
		return;
	}
	assert_int_equal(scrape_date_parse(in, fmts, n, &tm), 0);
	assert_int_equal(scrape_iso(&tm, "Asia/Singapore", out, sizeof(out)),
	                 0);
	assert_string_equal(out, want);
}

static void
test_date_sal(void **state)
{
	static const char *const f[] = {"%d %b %Y"};

	(void)state;
	date_is("01 Nov 2017", f, NF(f), "2017-11-01T00:00:00+08:00");
	date_is("1 November 2017", f, NF(f), "2017-11-01T00:00:00+08:00");
	date_is("15  Sept 2017", f, NF(f), "2017-09-15T00:00:00+08:00");
	date_is("31 Feb 2017", f, NF(f), NULL);
	date_is("01 Foo 2017", f, NF(f), NULL);
	date_is("01 Nov 2017 extra", f, NF(f), NULL);
	date_is("", f, NF(f), NULL);
}

static void
test_date_calas(void **state)
{
	static const char *const f[] = {"%a %d %b %Y - %I:%M %p",
	                                "%a %d %b %Y"};

	(void)state;
	date_is("Wednesday 01 Nov 2017 - 09:00 AM", f, NF(f),
	        "2017-11-01T09:00:00+08:00");
	date_is("Wednesday 01 Nov 2017 - 05:30 PM", f, NF(f),
	        "2017-11-01T17:30:00+08:00");
	date_is("Wednesday 01 Nov 2017 - 12:15 AM", f, NF(f),
	        "2017-11-01T00:15:00+08:00");
	date_is("Wednesday 01 Nov 2017 - 12:15 PM", f, NF(f),
	        "2017-11-01T12:15:00+08:00");
	date_is("Wednesday 01 Nov 2017", f, NF(f), "2017-11-01T00:00:00+08:00");
	date_is("Wednesday 01 Nov 2017 - 13:00 PM", f, NF(f), NULL);
}

static void
range_is(const char *in, const char *want_start, const char *want_end)
{
	static const char *const f[] = {"%d/%m/%Y %H:%M", "%d/%m/%Y"};
	static const char *const e[] = {"%d/%m/%Y %H:%M", "%H:%M", "%d/%m/%Y"};
	char s[32], en[32];
	int rc = scrape_range_parse(in, " - ", f, NF(f), e, NF(e),
	                            "Asia/Singapore", s, en, sizeof(s));

	if (want_start == NULL) {
		assert_int_equal(rc, -1);
		return;
	}
	assert_int_equal(rc, 0);
	assert_string_equal(s, want_start);
	assert_string_equal(en, want_end);
}

static void
test_date_lawsoc(void **state)
{
	(void)state;
	range_is("23/11/2017 08:30 - 24/11/2017 18:00",
	         "2017-11-23T08:30:00+08:00", "2017-11-24T18:00:00+08:00");
	range_is("28/11/2017 12:30 - 13:45", "2017-11-28T12:30:00+08:00",
	         "2017-11-28T13:45:00+08:00");
	range_is("28/11/2017", "2017-11-28T00:00:00+08:00", "");
	range_is("28/11/2017 - 28/11/2017", "2017-11-28T00:00:00+08:00", "");
	range_is("28/11/2017 12:30 - 25:00", NULL, NULL);
	range_is("32/11/2017", NULL, NULL);
	range_is("soon - later", NULL, NULL);
}

static void
test_date_skillsfuture(void **state)
{
	static const char *const f[] = {"%Y-%m-%dT%H:%M:%SZ"};
	char out[32];
	struct tm tm;

	(void)state;
	date_is("2017-12-27T00:00:00Z", f, NF(f), "2017-12-27T00:00:00+08:00");
	/* end = start + duration - 1 days, across a month and a year */
	assert_int_equal(
	    scrape_date_parse("2017-12-30T00:00:00Z", f, NF(f), &tm), 0);
	scrape_add_days(&tm, 3 - 1);
	assert_int_equal(scrape_iso(&tm, "Asia/Singapore", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2018-01-01T00:00:00+08:00");
	assert_int_equal(
	    scrape_date_parse("2020-02-28T00:00:00Z", f, NF(f), &tm), 0);
	scrape_add_days(&tm, 1);
	assert_int_equal(scrape_iso(&tm, "Asia/Singapore", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2020-02-29T00:00:00+08:00");
	date_is("2017-13-01T00:00:00Z", f, NF(f), NULL);
}

static void
test_time_zone(void **state)
{
	static const char *const f[] = {"%d %b %Y %H:%M"};
	char out[32];
	struct tm tm;

	(void)state;
	assert_int_equal(scrape_date_parse("01 Jul 2017 09:00", f, NF(f), &tm),
	                 0);
	assert_int_equal(scrape_iso(&tm, "Europe/London", out, sizeof(out)), 0);
	assert_string_equal(out, "2017-07-01T09:00:00+01:00");
	assert_int_equal(scrape_iso(&tm, "America/New_York", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2017-07-01T09:00:00-04:00");
	assert_int_equal(scrape_iso(&tm, "Asia/Singapore", out, sizeof(out)),
	                 0);
	assert_string_equal(out, "2017-07-01T09:00:00+08:00");
}

static void
test_date_value(void **state)
{
	char out[32];
	/* 2026-11-27T17:00:00Z is already 28 Nov in Singapore. */
	time_t t = 1795798800;

	(void)state;
	assert_int_equal(scrape_date_value("today", "%d %b %Y",
	                                   "Asia/Singapore", t, out,
	                                   sizeof(out)),
	                 0);
	assert_string_equal(out, "28 Nov 2026");
	assert_int_equal(scrape_date_value("end_of_next_year", "%d %b %Y",
	                                   "Asia/Singapore", t, out,
	                                   sizeof(out)),
	                 0);
	assert_string_equal(out, "31 Dec 2027");
	assert_int_equal(scrape_date_value("tomorrow", "%d %b %Y",
	                                   "Asia/Singapore", t, out,
	                                   sizeof(out)),
	                 -1);
}

static void
test_robots(void **state)
{
	const char *all = "User-agent: *\nDisallow: /\n";
	const char *mixed = "# comment\n"
	                    "User-agent: OtherBot\n"
	                    "Disallow: /\n"
	                    "\n"
	                    "User-agent: *\n"
	                    "Disallow: /private/ # staff only\n"
	                    "Allow: /private/events$\n"
	                    "Disallow: /*.pdf$\n"
	                    "Disallow:\n";
	const char *ours = "User-agent: *\n"
	                   "Disallow: /\n"
	                   "\n"
	                   "User-agent: LiftedScraper\n"
	                   "User-agent: Another\n"
	                   "Disallow: /admin\n";

	(void)state;
	assert_false(scrape_robots_allowed(all, "liftedscraper", "/"));
	assert_false(scrape_robots_allowed(all, "liftedscraper", "/x?y=1"));
	assert_true(scrape_robots_allowed("", "liftedscraper", "/x"));
	assert_true(scrape_robots_allowed(mixed, "liftedscraper", "/events"));
	assert_false(
	    scrape_robots_allowed(mixed, "liftedscraper", "/private/x"));
	assert_true(
	    scrape_robots_allowed(mixed, "liftedscraper", "/private/events"));
	assert_false(
	    scrape_robots_allowed(mixed, "liftedscraper", "/private/events/2"));
	assert_false(
	    scrape_robots_allowed(mixed, "liftedscraper", "/files/a.pdf"));
	assert_true(
	    scrape_robots_allowed(mixed, "liftedscraper", "/files/a.pdf?x"));
	/* Our own group wins over "*". */
	assert_true(scrape_robots_allowed(ours, "liftedscraper", "/events"));
	assert_false(scrape_robots_allowed(ours, "liftedscraper", "/admin/x"));
	assert_false(scrape_robots_allowed(ours, "otherbot", "/events"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_fold),
	    cmocka_unit_test(test_title_case),
	    cmocka_unit_test(test_strip_prefix),
	    cmocka_unit_test(test_level),
	    cmocka_unit_test(test_number),
	    cmocka_unit_test(test_date_sal),
	    cmocka_unit_test(test_date_calas),
	    cmocka_unit_test(test_date_lawsoc),
	    cmocka_unit_test(test_date_skillsfuture),
	    cmocka_unit_test(test_time_zone),
	    cmocka_unit_test(test_date_value),
	    cmocka_unit_test(test_robots),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
