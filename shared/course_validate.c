/*
 * Course validation (see course_validate.h).
 *
 * Money and CPD points are checked as decimal text, not as doubles:
 * 0.1 + 0.2 has more than two places in binary, and a number the client
 * sent as 12.345 must be refused, not rounded by numeric(12, 2).  A JSON
 * number is therefore printed back with %.15g (exact for up to 15
 * significant digits) before the check.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "course_validate.h"

#define COURSE_NAME_MAX     500
#define COURSE_PROVIDER_MAX 200
#define COURSE_URL_MAX      2000
#define COURSE_COST_MAX     1e10 /* numeric(12, 2) */
#define COURSE_POINTS_MAX   9999.99

static void
cv_err(cJSON *errs, const char *field, const char *msg)
{
	/* The first complaint about a field is the one shown. */
	if (cJSON_GetObjectItemCaseSensitive(errs, field) == NULL)
		cJSON_AddStringToObject(errs, field, msg);
}

int
course_decimal2_ok(const char *s)
{
	size_t i = 0, frac = 0;

	if (s == NULL || !isdigit((unsigned char)s[0]))
		return (0);
	while (isdigit((unsigned char)s[i]))
		i++;
	if (s[i] == '.') {
		i++;
		while (isdigit((unsigned char)s[i])) {
			i++;
			frac++;
		}
		if (frac == 0)
			return (0);
	}
	return (s[i] == '\0' && frac <= 2);
}

/* A JSON number or numeric string with at most two decimals, in
 * [0, max]; *v gets the value.  NULL when good, else the message. */
static const char *
cv_money(const cJSON *j, double max, double *v)
{
	char buf[64];
	const char *s;

	if (cJSON_IsNumber(j)) {
		if (!isfinite(j->valuedouble))
			return ("must be a number");
		snprintf(buf, sizeof(buf), "%.15g", j->valuedouble);
		s = buf;
	} else if (cJSON_IsString(j))
		s = j->valuestring;
	else
		return ("must be a number");
	if (s[0] == '-')
		return ("must not be negative");
	if (!course_decimal2_ok(s))
		return ("must be a number with at most two decimals");
	*v = strtod(s, NULL);
	if (*v > max)
		return ("is too large");
	return (NULL);
}

/* A string member with non-blank text of at most max bytes. */
static const char *
cv_text(const cJSON *j, size_t max)
{
	const char *p;

	if (j == NULL || cJSON_IsNull(j))
		return ("is required");
	if (!cJSON_IsString(j))
		return ("must be text");
	for (p = j->valuestring; *p != '\0'; p++) {
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return ("must not hold control characters");
	}
	for (p = j->valuestring; *p == ' ' || *p == '\t'; p++)
		;
	if (*p == '\0')
		return ("is required");
	if (strlen(j->valuestring) > max)
		return ("is too long");
	return (NULL);
}

static const char *
cv_url(const cJSON *j)
{
	const char *why, *s, *host;

	if ((why = cv_text(j, COURSE_URL_MAX)) != NULL)
		return (why);
	s = j->valuestring;
	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return ("must be an http or https URL");
	if (*host == '\0' || *host == '/' || strpbrk(s, " \t") != NULL)
		return ("must be an http or https URL");
	return (NULL);
}

/* 1 when j is absent, null or false; 0 when true; -1 when not a
 * boolean. */
static int
cv_bool(const cJSON *j, int *out)
{
	if (j == NULL || cJSON_IsNull(j)) {
		*out = 0;
		return (0);
	}
	if (!cJSON_IsBool(j))
		return (-1);
	*out = cJSON_IsTrue(j);
	return (0);
}

static int
cv_int_of(const cJSON *j, int *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return (0);
	d = j->valuedouble;
	if (!(d >= 1 && d <= 2147483647.0) || d != floor(d))
		return (0);
	*out = (int)d;
	return (1);
}

static int
cv_in(int v, const int *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (list[i] == v)
			return (1);
	}
	return (0);
}

static int
cv_digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static long long
cv_days(int y, int m, int d)
{
	y -= m <= 2;
	long long era = (y >= 0 ? y : y - 399) / 400;
	long long yoe = y - era * 400;
	long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	long long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return (era * 146097 + doe - 719468);
}

int
course_parse_time(const char *s, long long *out)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0, sign = 1;
	size_t len;

	if (s == NULL || (len = strlen(s)) < 10)
		return (-1);
	if (cv_digits(s, 4, &y) || s[4] != '-' || cv_digits(s + 5, 2, &mo) ||
	    s[7] != '-' || cv_digits(s + 8, 2, &d))
		return (-1);
	if (y < 1900 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1])
		return (-1);
	if (mo == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return (-1);
	s += 10;
	if (*s == 'T' || *s == ' ') {
		if (cv_digits(s + 1, 2, &h) || s[3] != ':' ||
		    cv_digits(s + 4, 2, &mi))
			return (-1);
		s += 6;
		if (*s == ':') {
			if (cv_digits(s + 1, 2, &sec))
				return (-1);
			s += 3;
		}
		if (h > 23 || mi > 59 || sec > 59)
			return (-1);
		if (*s == 'Z')
			s++;
		else if (*s == '+' || *s == '-') {
			sign = *s == '-' ? -1 : 1;
			if (cv_digits(s + 1, 2, &oh) || s[3] != ':' ||
			    cv_digits(s + 4, 2, &om) || oh > 14 || om > 59)
				return (-1);
			s += 6;
		}
	}
	if (*s != '\0')
		return (-1);
	*out = cv_days(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
	       sign * (oh * 3600 + om * 60);
	return (0);
}

static void
cv_dates(const cJSON *course, cJSON *errs)
{
	const cJSON *dates, *it, *js, *je;
	char key[48];
	long long ts, te;
	int i = 0, ongoing = 0;

	dates = cJSON_GetObjectItemCaseSensitive(course, "dates");
	if (cv_bool(cJSON_GetObjectItemCaseSensitive(course, "is_ongoing"),
	            &ongoing) != 0)
		cv_err(errs, "is_ongoing", "must be true or false");
	if (dates != NULL && !cJSON_IsNull(dates) && !cJSON_IsArray(dates)) {
		cv_err(errs, "dates", "must be a list of {start, end}");
		return;
	}
	if (cJSON_GetArraySize(dates) > COURSE_MAX_DATES) {
		cv_err(errs, "dates", "has too many dates");
		return;
	}
	if (cJSON_GetArraySize(dates) == 0 && !ongoing) {
		cv_err(errs, "dates",
		       "needs at least one date, unless the "
		       "course is ongoing");
		return;
	}
	cJSON_ArrayForEach(it, dates)
	{
		js = cJSON_GetObjectItemCaseSensitive(it, "start");
		je = cJSON_GetObjectItemCaseSensitive(it, "end");
		snprintf(key, sizeof(key), "dates[%d].start", i);
		if (!cJSON_IsObject(it)) {
			snprintf(key, sizeof(key), "dates[%d]", i);
			cv_err(errs, key, "must be {start, end}");
		} else if (!cJSON_IsString(js) ||
		           course_parse_time(js->valuestring, &ts) != 0)
			cv_err(errs, key, "must be a date (YYYY-MM-DD)");
		else if (je != NULL && !cJSON_IsNull(je)) {
			snprintf(key, sizeof(key), "dates[%d].end", i);
			if (!cJSON_IsString(je) ||
			    course_parse_time(je->valuestring, &te) != 0)
				cv_err(errs, key,
				       "must be a date (YYYY-MM-DD)");
			else if (te < ts)
				cv_err(errs, key,
				       "must not be before the start");
		}
		i++;
	}
}

static void
cv_categories(const cJSON *j, const struct course_lists *l, cJSON *errs)
{
	int seen[COURSE_MAX_CATEGORIES], v, n = 0, k;
	const cJSON *it;

	if (j == NULL || cJSON_IsNull(j) ||
	    (cJSON_IsArray(j) && cJSON_GetArraySize(j) == 0)) {
		cv_err(errs, "category_ids", "needs one to three categories");
		return;
	}
	if (!cJSON_IsArray(j)) {
		cv_err(errs, "category_ids", "must be a list of category ids");
		return;
	}
	if (cJSON_GetArraySize(j) > COURSE_MAX_CATEGORIES) {
		cv_err(errs, "category_ids", "has more than three categories");
		return;
	}
	cJSON_ArrayForEach(it, j)
	{
		if (!cv_int_of(it, &v)) {
			cv_err(errs, "category_ids",
			       "must be a list of category ids");
			return;
		}
		for (k = 0; k < n; k++) {
			if (seen[k] == v) {
				cv_err(errs, "category_ids",
				       "names a category twice");
				return;
			}
		}
		seen[n++] = v;
		if (!cv_in(v, l->categories, l->ncategories)) {
			cv_err(errs, "category_ids",
			       "names an unknown category");
			return;
		}
	}
}

static void
cv_cpd(const cJSON *course, cJSON *errs)
{
	const cJSON *st, *pt;
	const char *why;
	double v;

	st = cJSON_GetObjectItemCaseSensitive(course, "cpd_state");
	pt = cJSON_GetObjectItemCaseSensitive(course, "cpd_points");
	if (st == NULL || cJSON_IsNull(st)) {
		cv_err(errs, "cpd_state",
		       "is required: points, tbc, private or na");
		return;
	}
	if (!cJSON_IsString(st) || (strcmp(st->valuestring, "points") != 0 &&
	                            strcmp(st->valuestring, "tbc") != 0 &&
	                            strcmp(st->valuestring, "private") != 0 &&
	                            strcmp(st->valuestring, "na") != 0)) {
		cv_err(errs, "cpd_state", "must be points, tbc, private or na");
		return;
	}
	if (strcmp(st->valuestring, "points") != 0) {
		if (pt != NULL && !cJSON_IsNull(pt))
			cv_err(errs, "cpd_points",
			       "must be empty unless the state is points");
		return;
	}
	if (pt == NULL || cJSON_IsNull(pt)) {
		cv_err(errs, "cpd_points",
		       "is required when the state is points");
		return;
	}
	if ((why = cv_money(pt, COURSE_POINTS_MAX, &v)) != NULL)
		cv_err(errs, "cpd_points", why);
	else if (v <= 0)
		cv_err(errs, "cpd_points", "must be more than 0");
}

cJSON *
course_validate(const cJSON *course, const struct course_lists *l)
{
	const cJSON *j;
	const char *why;
	cJSON *errs;
	double v;
	int varies = 0, id;

	if ((errs = cJSON_CreateObject()) == NULL)
		return (NULL);
	if (!cJSON_IsObject(course)) {
		cv_err(errs, "course", "must be an object");
		return (errs);
	}
	j = cJSON_GetObjectItemCaseSensitive(course, "name");
	if ((why = cv_text(j, COURSE_NAME_MAX)) != NULL)
		cv_err(errs, "name", why);
	j = cJSON_GetObjectItemCaseSensitive(course, "provider");
	if ((why = cv_text(j, COURSE_PROVIDER_MAX)) != NULL)
		cv_err(errs, "provider", why);
	if ((why = cv_url(cJSON_GetObjectItemCaseSensitive(course, "url"))) !=
	    NULL)
		cv_err(errs, "url", why);

	if (cv_bool(cJSON_GetObjectItemCaseSensitive(course, "cost_varies"),
	            &varies) != 0)
		cv_err(errs, "cost_varies", "must be true or false");
	j = cJSON_GetObjectItemCaseSensitive(course, "cost");
	if (j == NULL || cJSON_IsNull(j)) {
		if (!varies)
			cv_err(errs, "cost",
			       "is required unless the cost "
			       "varies (0 for free)");
	} else if (varies) {
		/* A varying cost may give a "from" price, rounded to cents. */
		if (!cJSON_IsNumber(j) || !isfinite(j->valuedouble) ||
		    j->valuedouble < 0 || j->valuedouble > COURSE_COST_MAX)
			cv_err(errs, "cost", "must be a number, 0 or more");
	} else if ((why = cv_money(j, COURSE_COST_MAX, &v)) != NULL)
		cv_err(errs, "cost", why);

	cv_cpd(course, errs);

	j = cJSON_GetObjectItemCaseSensitive(course, "level_id");
	if (j == NULL || cJSON_IsNull(j))
		cv_err(errs, "level_id", "is required");
	else if (!cv_int_of(j, &id) || !cv_in(id, l->levels, l->nlevels))
		cv_err(errs, "level_id", "is not one of the levels");
	j = cJSON_GetObjectItemCaseSensitive(course, "format_id");
	if (j == NULL || cJSON_IsNull(j))
		cv_err(errs, "format_id", "is required");
	else if (!cv_int_of(j, &id) || !cv_in(id, l->formats, l->nformats))
		cv_err(errs, "format_id", "is not one of the formats");

	cv_dates(course, errs);
	cv_categories(cJSON_GetObjectItemCaseSensitive(course, "category_ids"),
	              l, errs);
	return (errs);
}
