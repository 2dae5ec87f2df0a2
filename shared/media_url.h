/*
 * Signed media URLs, for both servers (docs/media.md).
 *
 * A stored upload (a course brochure or logo, key "<kind>/<hex>.<ext>")
 * is never served under a stable public URL: the App answers
 * /media/course/<id>/<kind> with a redirect to a URL that expires
 * (LIFTED_MEDIA_URL_TTL_S), either our own
 *
 *   <LIFTED_MEDIA_BASE_URL>/media/<key>?expires=E&signature=S
 *
 * (HMAC-SHA256, shared/sign.h, checked by the CMS's /media/ route) or,
 * when LIFTED_CLOUDFRONT_DOMAIN, _KEY_ID and _PRIVATE_KEY are all set, a
 * CloudFront canned-policy URL for https://DOMAIN/<key>.
 *
 * The HMAC key is LIFTED_MEDIA_URL_KEY.  The App never gets
 * LIFTED_SECRET_KEY (the CMS's CSRF key): without LIFTED_MEDIA_URL_KEY
 * (and without CloudFront) it has no media links at all.  The CMS falls
 * back to LIFTED_SECRET_KEY.
 *
 * The configuration is process-wide, set once by each worker before it
 * serves (workers are processes: nothing here is shared between threads
 * but read-only state).
 */
#ifndef LIFTED_MEDIA_URL_H
#define LIFTED_MEDIA_URL_H

#include <stddef.h>

#include "sign.h"

struct settings;
struct http_server;

/* Reads the settings (copied).  cms: 1 for the CMS (its secret key is the
 * fallback), 0 for the App.  0, or -1 out of memory. */
int media_url_init(const struct settings *s, int cms);
void media_url_fini(void);

/* 1 when signed media URLs can be made (an HMAC key or CloudFront). */
int media_url_enabled(void);

/* Seconds a new URL lives. */
int media_url_ttl(void);

/* A signed URL for storage key, expiring media_url_ttl() after now, in
 * *expires when not NULL.  malloc'd: the caller frees.  NULL with a
 * message in err when not enabled or on failure. */
char *media_url_sign(const char *key, long long now, long long *expires,
                     char *err, size_t errlen);

/* Checks an HMAC-signed request for path ("/media/<key>"); expires and
 * signature are the query parameters as given (NULL: missing, SIGN_BAD).
 * SIGN_BAD also when there is no HMAC key. */
enum sign_check media_url_check(const char *path, const char *expires,
                                const char *signature, long long now);

/* The content type of a generated key, from its extension; NULL for a
 * key media never makes. */
const char *media_url_type_of(const char *key);

/* Mounts GET /media/course/<id>/<brochure|logo>: a 302 to a fresh signed
 * URL of the course's media in the worker's App cache (shared/app_cache.h),
 * 404 for an unknown course or kind, 503 when no key is configured.
 * 0 or -1. */
int media_url_mount_course_route(struct http_server *http);

#endif
