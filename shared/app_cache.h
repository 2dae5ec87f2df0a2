/*
 * The App's in-memory copy of the framework and the published courses
 * (SPEC sections 2 and 5), one per worker.
 *
 * Loading: at worker start, and whenever it is told the data changed, the
 * cache runs two statements through the router (family framework_read
 * and course_read: one JSON document each, so each is one consistent
 * read), builds a complete new snapshot and only then swaps it in.  A
 * request answers from the snapshot current when it runs; every App
 * handler answers synchronously, and a handler that needs the snapshot
 * across loop turns takes a reference (app_snapshot_ref).  Until the
 * first snapshot exists app_cache_get() returns NULL and the API answers
 * 503 with Retry-After.
 *
 * Coherence: the worker LISTENs on the App primary for
 *   lifted_framework   sent by `lifted-app import-framework` and the
 *                      CMS framework import after they commit
 *   lifted_courses     sent by the CMS after a publish, edit or delete
 * and reloads everything on either (both parts are small; one code path
 * is easier to trust).  Notifications arriving during a load make one more
 * load follow it.  After a listening connection is (re)established the
 * cache reloads too, since notifications may have been missed.  With a
 * read replica the payload may carry a WAL position ("16/B374D848"),
 * and on each notification (and listener reconnection) the worker asks
 * the primary for its current WAL position, which lies past the notified
 * commit; a load whose data came from a standby that has not replayed
 * that far is retried shortly instead of being installed; after 10 s
 * behind, the worker loads from the primary instead (bounded staleness).
 *
 * "Today" (LIFTED_TIME_ZONE) is kept here and rolled over by a timer at
 * local midnight, which also drops the rendered answers that depend on it.
 */
#ifndef LIFTED_APP_CACHE_H
#define LIFTED_APP_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "catalogue.h"

struct event_base;
struct router;
struct cJSON;

#define APP_CACHE_CHANNEL_FRAMEWORK "lifted_framework"
#define APP_CACHE_CHANNEL_COURSES   "lifted_courses"

struct app_vertical {
	int id;
	const char *name, *option_text;
};

struct app_category {
	int id, vertical_id, key;
	const char *title, *option_text;
	int is_specialism;
};

struct app_competency {
	int id, vertical_id;
	const char *category; /* competency category name (scoring) */
	const char *title, *description; /* description may be NULL */
};

struct app_role {
	int id, vertical_id, level;
	const char *name, *org_type, *specialism, *description; /* NULL ok */
	int *comps; /* competency ids in sheet order */
	size_t ncomps;
};

struct app_tech_role {
	int id, level;
	const char *name, *option_text;
	int *comps;
	size_t ncomps;
};

struct app_tech_comp {
	int id, tech_role_id;
	const char *category, *title, *description;
};

struct app_need {
	int id;
	const char *name, *option_text;
	struct catalogue_need match;
};

/* Rendered answers kept per snapshot (see app_cache_rendered). */
struct app_rendered {
	char *body;
	size_t len;
	char etag[40]; /* strong: "\"" 32 hex "\"" */
};

/* One complete, immutable copy; every array is sorted by id. */
struct app_snapshot {
	int refs;
	uint64_t generation;
	struct app_vertical *verticals;
	size_t nverticals;
	struct app_category *categories;
	size_t ncategories;
	struct app_competency *competencies;
	size_t ncompetencies;
	struct app_role *roles;
	size_t nroles;
	struct app_tech_role *tech_roles;
	size_t ntech_roles;
	struct app_tech_comp *tech_comps;
	size_t ntech_comps;
	struct app_need *needs;
	size_t nneeds;
	struct catalogue_course *courses;
	size_t ncourses;
	/* Every course date plus every ongoing course without dates, in
	 * the catalogue's date-ascending order. */
	struct catalogue_entry *entries;
	size_t nentries;
	struct app_snapshot_priv *priv; /* JSON trees, memory, renders */
};

/* Lookups in a snapshot; NULL when absent. */
const struct app_vertical *app_snapshot_vertical(const struct app_snapshot *,
                                                 int id);
const struct app_category *app_snapshot_category(const struct app_snapshot *,
                                                 int id);
const struct app_competency *
app_snapshot_competency(const struct app_snapshot *, int id);
const struct app_role *app_snapshot_role(const struct app_snapshot *, int id);
const struct app_tech_role *app_snapshot_tech_role(const struct app_snapshot *,
                                                   int id);
const struct app_tech_comp *app_snapshot_tech_comp(const struct app_snapshot *,
                                                   int id);
const struct app_need *app_snapshot_need(const struct app_snapshot *, int id);

/*
 * Builds a snapshot from the two documents the load statements return
 * (exposed for unit tests).  The JSON trees are taken over (freed with
 * the snapshot, also on failure).  Entries' JSON and local days use the
 * process's TZ.  NULL on malformed input or out of memory.  The caller
 * owns one reference.
 */
struct app_snapshot *app_snapshot_build(struct cJSON *framework,
                                        struct cJSON *courses);

void app_snapshot_ref(struct app_snapshot *s);
/* Drops a reference; frees the snapshot with the last.  NULL ok. */
void app_snapshot_unref(struct app_snapshot *s);

/*
 * A rendered answer of s for key (e.g. "roles?v=3&o=any&r=0"), made by
 * render(s, arg) the first time it is asked for and kept until s goes
 * away, or until local midnight when daily.  render returns a malloc'd
 * NUL-terminated body (taken over) or NULL.  NULL on failure.  The
 * result lives as long as s (or until midnight): use it at once.
 */
const struct app_rendered *
app_cache_rendered(struct app_snapshot *s, const char *key, int daily,
                   char *(*render)(struct app_snapshot *s, void *arg),
                   void *arg);

/* --- the worker's cache ------------------------------------------------ */

/*
 * Sets TZ to time_zone (once per worker: localtime_r then never reads
 * the environment again), starts the first load and the listeners: the
 * framework channel on the router's App primary pool, the courses
 * channel on a one-connection companion pool opened with listen_url
 * (db_pool_listen holds one channel per pool).  0 or -1 (logged).
 */
int app_cache_init(struct event_base *base, struct router *router,
                   const char *time_zone, const char *listen_url);
void app_cache_fini(void);

/* The current snapshot (borrowed; NULL before the first load). */
struct app_snapshot *app_cache_get(void);

/* Calls fn after every successful load (the App: the first one makes
 * the worker ready; server_worker_ready ignores the others). */
void app_cache_on_load(void (*fn)(void));

/* Today's local date as YYYYMMDD. */
int app_cache_today(void);

/* Asks for a reload (what a notification does). */
void app_cache_refresh(const char *why);

/* Loads finished so far (for tests and logs). */
uint64_t app_cache_generation(void);

/* Parses a WAL position "X/Y" (hex); 0 when s is not one. */
uint64_t app_cache_parse_lsn(const char *s);

#endif
