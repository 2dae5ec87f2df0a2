/*
 * Polite fetching with libcurl's multi interface: time-outs (connect,
 * total, and a low-speed limit so a trickling server ends), a body size
 * limit, at most 5 redirects and only http/https, retries with back-off on
 * 5xx and network errors, a per-host delay and concurrency limit, and
 * robots.txt fetched once per host and honoured.
 */
#ifndef LIFTED_SCRAPER_FETCH_H
#define LIFTED_SCRAPER_FETCH_H

#include <stddef.h>

#define FETCH_USER_AGENT                                                       \
	"LiftedScraper/1.0 (+https://github.com/lifted/lifted; CPD course "    \
	"listings)"
#define FETCH_UA_TOKEN "liftedscraper"
#define FETCH_MAX_BODY (5 * 1024 * 1024)

struct fetch_options {
	int timeout_s;   /* connect and total time-out */
	int delay_ms;    /* between two requests to one host */
	int retries;     /* extra attempts on 5xx and network errors */
	int per_host;    /* concurrent requests per host (1-2) */
	size_t max_body; /* 0: FETCH_MAX_BODY */
};

struct fetch_result {
	void *udata;     /* as given to fetch_add */
	char *url;       /* as requested */
	char *final_url; /* after redirects */
	long status;     /* HTTP status, 0 when none */
	int ok;          /* 1: a 2xx body is in body */
	char *body;      /* NUL-terminated (len bytes before the NUL) */
	size_t len;
	int attempts;
	char error[256]; /* why, when !ok */
};

struct fetcher;

/* Returns a fetcher (caller frees with fetch_free) or NULL. */
struct fetcher *fetch_new(const struct fetch_options *opt);

/* Queues a GET (post NULL) or a form POST of post (already URL-encoded);
 * url and post are copied.  Returns 0 or -1 (out of memory). */
int fetch_add(struct fetcher *f, const char *url, const char *post,
              void *udata);

/*
 * Runs transfers until one queued request ends (after its retries), then
 * returns 1 with it in *out (caller frees with fetch_result_free).
 * Returns 0 when nothing is queued or running, -1 when stop(arg) returned
 * non-zero (polled between transfers).
 */
int fetch_wait(struct fetcher *f, struct fetch_result **out,
               int (*stop)(void *), void *arg);

void fetch_result_free(struct fetch_result *r);

/* Frees f; free_udata (may be NULL) is called for requests not yet
 * returned. */
void fetch_free(struct fetcher *f, void (*free_udata)(void *));

#endif
