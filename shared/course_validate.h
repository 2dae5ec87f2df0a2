/*
 * Course validation (SPEC section 7): the rules the CMS editor shows and
 * the server enforces, as one pure function over a course's JSON so the
 * unit tests (tests/unit/test_course_validate.c) cover every rule and
 * the routes (cms_server/courses.c) answer the same messages.
 *
 * The course object (docs/cms-courses.md): name, provider, url, cost,
 * cost_varies, level_id, format_id, cpd_state, cpd_points, is_ongoing,
 * dates [{start, end}], category_ids.  Members not named here are
 * ignored.
 */
#ifndef LIFTED_COURSE_VALIDATE_H
#define LIFTED_COURSE_VALIDATE_H

#include <stddef.h>

#include <cjson/cJSON.h>

/* The App's lists a course must pick from (ids). */
struct course_lists {
	const int *levels;
	size_t nlevels;
	const int *formats;
	size_t nformats;
	const int *categories; /* vertical_categories ids */
	size_t ncategories;
};

#define COURSE_MAX_DATES      100
#define COURSE_MAX_CATEGORIES 3

/*
 * Checks course against every rule.  Returns a new JSON object mapping
 * each bad field ("name", "dates[1].end", ...) to what is wrong; empty
 * when the course is valid; NULL when out of memory.  Caller frees with
 * cJSON_Delete.
 */
cJSON *course_validate(const cJSON *course, const struct course_lists *lists);

/*
 * Parses an ISO 8601 date ("2027-01-31") or date-time
 * ("2027-01-31T09:30", optional ":SS", optional "Z" or "+08:00").  *out
 * is seconds since 1970 of that wall time minus the offset (a value
 * without an offset counts as UTC: only order matters here).  0 or -1.
 */
int course_parse_time(const char *s, long long *out);

/* 1 when s is a decimal with at most two places ("12", "12.5",
 * "0.25"), >= 0; 0 otherwise. */
int course_decimal2_ok(const char *s);

#endif
