/*
 * The published-course catalogue as the App serves it (SPEC section 5):
 * one entry per course date, plus one per ongoing course without dates,
 * and the pure filters and orders of /course_recs, /course_browse and
 * the course lists of /results.  No I/O here; tests/unit/test_score.c
 * pins the rules.
 *
 * Dates: an entry's start is an instant (epoch seconds); its "local day"
 * (YYYYMMDD in LIFTED_TIME_ZONE, via localtime_r after TZ was set once
 * per worker) is what the date bounds and "today" compare with.
 *
 * Orders (documented in docs/api.md; every list is total so two equal
 * requests always get the same bytes):
 *   date  start (ascending or descending), then course id, then date
 *         index; entries without a date (ongoing) always last
 *   CPD   groups in this fixed order: with points, TBC, private, not
 *         applicable, not stated; within "with points" by points in the
 *         requested direction; ties and the other groups by start
 *         ascending, course id, date index
 *   cost  by cost in the requested direction, a varying or unknown cost
 *         counting as lowest; ties by start ascending, course id, date
 *         index
 */
#ifndef LIFTED_CATALOGUE_H
#define LIFTED_CATALOGUE_H

#include <stddef.h>
#include <time.h>

/* CPD state; the enum order is the CPD sort's group order. */
enum catalogue_cpd {
	CATALOGUE_CPD_POINTS,
	CATALOGUE_CPD_TBC,
	CATALOGUE_CPD_PRIVATE,
	CATALOGUE_CPD_NA,
	CATALOGUE_CPD_NONE, /* "not stated" (older courses) */
};

struct catalogue_course {
	long long id;
	const char *name;
	const char *provider; /* NULL: none */
	const char *url;      /* NULL: none */
	int has_cost;
	double cost;
	int cost_varies;
	int level_id, format_id;    /* 0: none */
	const char *level, *format; /* names; NULL: none */
	const char *spider_name;    /* NULL: none */
	int is_manually_added;
	int is_ongoing;
	enum catalogue_cpd cpd;
	double cpd_points;     /* CATALOGUE_CPD_POINTS only */
	const int *categories; /* vertical category ids, ascending */
	size_t ncategories;
	const int *tech_competencies; /* tech competency ids, ascending */
	size_t ntech;
	/* Media storage keys and content types (docs/media.md); NULL:
	 * none. */
	const char *brochure_key, *brochure_type;
	const char *logo_key, *logo_type;
};

struct catalogue_entry {
	const struct catalogue_course *course;
	int date_index;       /* 0.. by start; -1: ongoing without dates */
	long long start, end; /* epoch seconds; end valid if has_end */
	int has_end;
	int start_day; /* local YYYYMMDD of start; 0 without a date */
	/* Rendered JSON object of the entry without "index" (owned by
	 * whoever built the entries; may be NULL in tests). */
	const char *json;
	size_t json_len;
};

enum catalogue_sort {
	CATALOGUE_SORT_DATE = 0,
	CATALOGUE_SORT_CPD = 1,
	CATALOGUE_SORT_COST = 2,
};

enum catalogue_cpd_filter {
	CATALOGUE_PUBLIC = 0,  /* everything but private CPD */
	CATALOGUE_PRIVATE = 1, /* private CPD only */
	CATALOGUE_BOTH = 2,
};

struct catalogue_browse {
	enum catalogue_sort sort;
	int desc;
	enum catalogue_cpd_filter cpd;
	int sd, ed;    /* inclusive local days YYYYMMDD; 0: no bound */
	const char *q; /* substring of the name, ASCII case folded; NULL
	                  or "": no filter */
	int ongoing;   /* 0: leave out every entry of an ongoing course */
};

struct catalogue_need {
	const int *levels; /* level ids */
	size_t nlevels;
	const int *formats; /* format ids */
	size_t nformats;
};

/* 1 when hay contains needle, comparing ASCII letters without case
 * (bytes >= 0x80 compare exactly); an empty needle is contained. */
int catalogue_contains_ci(const char *hay, const char *needle);

/* 1 when course is tagged with vertical category id. */
int catalogue_has_category(const struct catalogue_course *c, int id);

/* 1 when course is tagged with tech competency id. */
int catalogue_has_tech(const struct catalogue_course *c, int id);

/* 1 when the course's level and format both belong to one of the needs
 * (or when n is 0: no need filter). */
int catalogue_need_match(const struct catalogue_course *c,
                         const struct catalogue_need *needs, size_t n);

/* 1 when the entry is upcoming on local day today: a start on today or
 * later, or an ongoing course without dates. */
int catalogue_upcoming(const struct catalogue_entry *e, int today);

/*
 * /course_browse: writes the entries of all[0..n) that pass b into
 * out[] (room for n pointers) in the order b asks for; returns how many.
 */
size_t catalogue_browse(const struct catalogue_entry *all, size_t n,
                        const struct catalogue_browse *b,
                        const struct catalogue_entry **out);

/* Sorts entries in place in the date-ascending order above. */
void catalogue_sort_date(const struct catalogue_entry **v, size_t n);

/* Local calendar day of t as YYYYMMDD (the process's TZ). */
int catalogue_local_day(time_t t);

/* The first local midnight strictly after t. */
time_t catalogue_next_midnight(time_t t);

/* t as ISO 8601 local time with its UTC offset, e.g.
 * "2027-01-01T00:00:00+08:00"; buf needs 32 bytes.  0 or -1. */
int catalogue_iso8601(time_t t, char *buf, size_t len);

#endif
