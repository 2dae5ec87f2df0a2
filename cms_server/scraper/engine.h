/*
 * The scraping engine: runs one spider definition (spider.h) to the end,
 * fetching with fetch.h, extracting with libxml2/cJSON and normalising
 * with scrape_text.h, and hands each item to the caller's hooks.  It
 * writes nothing itself: `run --dry-run` prints the items, the job
 * (job.h) writes them to the CMS database.
 */
#ifndef LIFTED_SCRAPER_ENGINE_H
#define LIFTED_SCRAPER_ENGINE_H

#include <stddef.h>

struct spider;

/* One date range: ISO 8601 with offset ("2017-11-01T00:00:00+08:00");
 * end NULL when the source gave only a start. */
struct scrape_range {
	const char *start;
	const char *end;
};

/*
 * One course found.  Every pointer is owned by the engine and valid only
 * during the on_item call (copy what you keep).  Text fields are NULL when
 * the source had none.
 */
struct scrape_item {
	const char *name;       /* never NULL */
	const char *url;        /* absolute http(s) URL; never NULL */
	const char *key;        /* duplicate key (the url, or a JSON field) */
	const char *provider;   /* NULL: none (or an ad-hoc organiser) */
	const char *cost;       /* decimal text ("1234.50") or NULL */
	int cost_varies;        /* 1: the source gave several costs */
	const char *public_cpd; /* decimal text ("4", "1.5") or NULL */
	const char *level;      /* "Foundational", ... or NULL */
	const struct scrape_range *date_ranges;
	size_t ndate_ranges;
	int ongoing; /* 1: no dates (an upcoming or ongoing course) */
};

enum scrape_log_level {
	SCRAPE_LOG_DEBUG,
	SCRAPE_LOG_INFO,
	SCRAPE_LOG_WARN,
	SCRAPE_LOG_ERROR,
};

/* Fetch settings; scrape_run reads them (0 delay/retries are valid). */
struct scrape_options {
	int timeout_s;         /* LIFTED_SCRAPER_TIMEOUT_S */
	int delay_ms;          /* LIFTED_SCRAPER_DELAY_MS */
	int retries;           /* LIFTED_SCRAPER_RETRIES */
	const char *time_zone; /* for "today" in form values; NULL: spider's */
};

/*
 * The caller's hooks; any may be NULL.  arg is passed back to each.
 * on_item returns 0, or -1 to abort the run (scrape_run then fails with
 * "stopped by the caller").  should_stop is polled between fetches: a
 * non-zero return ends the run as a failure ("cancelled").
 */
struct scrape_hooks {
	int (*on_item)(const struct scrape_item *, void *);
	void (*on_log)(int level, const char *msg, void *);
	int (*should_stop)(void *);
	void (*on_progress)(long found, long skipped, long errors, void *);
	void *arg;
};

/*
 * Runs sp to the end.  Returns 0 when the run completed (even with
 * skipped entries or failed detail pages), -1 on a fatal failure with the
 * reason in err: a start page that cannot be fetched or parsed, robots.txt
 * forbidding it, cancellation, or no items found at all ("no items
 * found").  The same event reached twice (same key) is one item.
 */
int scrape_run(const struct spider *sp, const struct scrape_options *opt,
               const struct scrape_hooks *h, char *err, size_t errlen);

#endif
