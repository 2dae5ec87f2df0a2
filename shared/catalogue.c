/*
 * Course catalogue filters and orders; see catalogue.h for the rules.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "catalogue.h"

static int
fold(int ch)
{
	/* ASCII only: the locale never changes what a search matches. */
	return (ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
}

int
catalogue_contains_ci(const char *hay, const char *needle)
{
	size_t i;

	if (needle == NULL || *needle == '\0')
		return (1);
	if (hay == NULL)
		return (0);
	for (; *hay != '\0'; hay++) {
		for (i = 0; needle[i] != '\0'; i++)
			if (fold((unsigned char)hay[i]) !=
			    fold((unsigned char)needle[i]))
				break;
		if (needle[i] == '\0')
			return (1);
	}
	return (0);
}

static int
int_in(const int *v, size_t n, int x)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i] == x)
			return (1);
	return (0);
}

int
catalogue_has_category(const struct catalogue_course *c, int id)
{
	return (int_in(c->categories, c->ncategories, id));
}

int
catalogue_has_tech(const struct catalogue_course *c, int id)
{
	return (int_in(c->tech_competencies, c->ntech, id));
}

int
catalogue_need_match(const struct catalogue_course *c,
                     const struct catalogue_need *needs, size_t n)
{
	size_t i;

	if (n == 0)
		return (1);
	/* Both in the same need: a workshop at one need's level and a
	 * lecture format of another need is not what the user asked for. */
	for (i = 0; i < n; i++)
		if (c->level_id != 0 && c->format_id != 0 &&
		    int_in(needs[i].levels, needs[i].nlevels, c->level_id) &&
		    int_in(needs[i].formats, needs[i].nformats, c->format_id))
			return (1);
	return (0);
}

int
catalogue_upcoming(const struct catalogue_entry *e, int today)
{
	if (e->date_index < 0)
		return (e->course->is_ongoing);
	return (e->start_day >= today);
}

/* Total tie-break: start ascending (undated last), course id, index. */
static int
cmp_tail(const struct catalogue_entry *a, const struct catalogue_entry *b)
{
	int ua = a->date_index < 0, ub = b->date_index < 0;

	if (ua != ub)
		return (ua - ub);
	if (!ua && a->start != b->start)
		return (a->start < b->start ? -1 : 1);
	if (a->course->id != b->course->id)
		return (a->course->id < b->course->id ? -1 : 1);
	return ((a->date_index > b->date_index) -
	        (a->date_index < b->date_index));
}

static int
cmp_double(double a, double b, int desc)
{
	if (a == b)
		return (0);
	return ((a < b) != (desc != 0) ? -1 : 1);
}

static int
cmp_date(const struct catalogue_entry *a, const struct catalogue_entry *b,
         int desc)
{
	int ua = a->date_index < 0, ub = b->date_index < 0;

	/* Undated entries go last in both directions. */
	if (ua != ub)
		return (ua - ub);
	if (!ua && a->start != b->start)
		return ((a->start < b->start) != (desc != 0) ? -1 : 1);
	return (cmp_tail(a, b));
}

static int
cmp_cpd(const struct catalogue_entry *a, const struct catalogue_entry *b,
        int desc)
{
	const struct catalogue_course *ca = a->course, *cb = b->course;
	int r;

	if (ca->cpd != cb->cpd)
		return (ca->cpd < cb->cpd ? -1 : 1);
	if (ca->cpd == CATALOGUE_CPD_POINTS &&
	    (r = cmp_double(ca->cpd_points, cb->cpd_points, desc)) != 0)
		return (r);
	return (cmp_tail(a, b));
}

static double
cost_key(const struct catalogue_course *c)
{
	/* A varying or unknown cost sorts as the lowest of all. */
	return (c->cost_varies || !c->has_cost ? -1.0 : c->cost);
}

static int
cmp_cost(const struct catalogue_entry *a, const struct catalogue_entry *b,
         int desc)
{
	int r;

	if ((r = cmp_double(cost_key(a->course), cost_key(b->course), desc)) !=
	    0)
		return (r);
	return (cmp_tail(a, b));
}

static int
cmp_browse(const void *pa, const void *pb, void *arg)
{
	const struct catalogue_entry *a =
	    *(const struct catalogue_entry *const *)pa;
	const struct catalogue_entry *b =
	    *(const struct catalogue_entry *const *)pb;
	const struct catalogue_browse *q = arg;

	switch (q->sort) {
	case CATALOGUE_SORT_CPD:
		return (cmp_cpd(a, b, q->desc));
	case CATALOGUE_SORT_COST:
		return (cmp_cost(a, b, q->desc));
	case CATALOGUE_SORT_DATE:
	default:
		return (cmp_date(a, b, q->desc));
	}
}

static int
browse_keep(const struct catalogue_entry *e, const struct catalogue_browse *b)
{
	const struct catalogue_course *c = e->course;

	if (c->is_ongoing && !b->ongoing)
		return (0);
	if (b->cpd == CATALOGUE_PUBLIC && c->cpd == CATALOGUE_CPD_PRIVATE)
		return (0);
	if (b->cpd == CATALOGUE_PRIVATE && c->cpd != CATALOGUE_CPD_PRIVATE)
		return (0);
	/* Date bounds apply to dated entries; an ongoing course without
	 * dates has nothing to compare and stays when ongoing ones do. */
	if (e->date_index >= 0) {
		if (b->sd != 0 && e->start_day < b->sd)
			return (0);
		if (b->ed != 0 && e->start_day > b->ed)
			return (0);
	}
	return (catalogue_contains_ci(c->name, b->q));
}

size_t
catalogue_browse(const struct catalogue_entry *all, size_t n,
                 const struct catalogue_browse *b,
                 const struct catalogue_entry **out)
{
	size_t i, m = 0;

	for (i = 0; i < n; i++)
		if (browse_keep(&all[i], b))
			out[m++] = &all[i];
	qsort_r(out, m, sizeof(*out), cmp_browse, (void *)(uintptr_t)b);
	return (m);
}

void
catalogue_sort_date(const struct catalogue_entry **v, size_t n)
{
	struct catalogue_browse b;

	memset(&b, 0, sizeof(b));
	b.sort = CATALOGUE_SORT_DATE;
	qsort_r(v, n, sizeof(*v), cmp_browse, &b);
}

int
catalogue_local_day(time_t t)
{
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		return (0);
	return ((tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 +
	        tm.tm_mday);
}

time_t
catalogue_next_midnight(time_t t)
{
	struct tm tm;
	time_t m;

	if (localtime_r(&t, &tm) == NULL)
		return (t + 86400);
	tm.tm_mday++;
	tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
	tm.tm_isdst = -1;
	/* mktime normalises the 32nd of a month and DST changes. */
	if ((m = mktime(&tm)) == (time_t)-1 || m <= t)
		return (t + 86400);
	return (m);
}

int
catalogue_iso8601(time_t t, char *buf, size_t len)
{
	struct tm tm;
	long off;
	int n;

	if (localtime_r(&t, &tm) == NULL)
		return (-1);
	off = tm.tm_gmtoff / 60;
	n = snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	             tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	             tm.tm_min, tm.tm_sec, off < 0 ? '-' : '+', labs(off) / 60,
	             labs(off) % 60);
	return (n < 0 || (size_t)n >= len ? -1 : 0);
}
