/*
 * The App's HTTP interface (SPEC section 5): /qns, /roles, /diag,
 * /techdiag, /results, /techdiagresults, /course_recs, /course_browse.
 * Documented for clients in docs/api.md.
 *
 * Every answer comes from the worker's cache (app_cache.h); until its
 * first load completes the routes answer 503 with Retry-After.  Answers
 * that depend only on the framework are rendered once per snapshot and
 * parameter set and carry a strong ETag (If-None-Match gives 304) with
 * Cache-Control: no-cache.
 *
 * Shared so that both binaries mount the same routes: lifted-app, and
 * lifted-cms behind its login (SPEC section 7).
 */
#ifndef LIFTED_APP_API_H
#define LIFTED_APP_API_H

struct worker;

/*
 * Mounts the routes on w->http and starts the cache.  Needs the worker's
 * service (service_init) with the App database configured in its router.
 * The courses listener connects with the App URL of this binary
 * (LIFTED_APP_DATABASE_URL, else LIFTED_CMS_APP_DATABASE_URL).  0 or -1
 * (logged).  Undo with app_api_fini before service_fini.
 */
int app_api_mount(struct worker *w);

/* The same with an explicit URL for the courses listener (NULL: none). */
int app_api_mount_with(struct worker *w, const char *listen_url);

void app_api_fini(struct worker *w);

#endif
