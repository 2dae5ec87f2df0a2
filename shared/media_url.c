/*
 * Signed media URLs (see media_url.h; docs/media.md).
 *
 * The App's /media/course/<id>/<kind> route reads the course's storage key
 * from the worker's App cache snapshot, so a redirect costs no database
 * round trip; the JSON of a course carries only that stable path, so
 * cached answers and their ETags stay valid while the signed URLs behind
 * it change every request.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "app_cache.h"
#include "http.h"
#include "log.h"
#include "media_url.h"
#include "settings.h"
#include "sign.h"

#define MEDIA_PREFIX "/media/"

static struct {
	unsigned char *key; /* HMAC key; NULL: none */
	size_t keylen;
	char *base; /* without a trailing '/'; "" for same origin */
	int ttl;
	char *cf_domain, *cf_key_id, *cf_pem; /* all set, or NULL */
} media;

static char *
media_strdup(const char *s)
{
	return (s != NULL && *s != '\0' ? strdup(s) : NULL);
}

int
media_url_init(const struct settings *s, int cms)
{
	const char *k;
	size_t n;

	media_url_fini();
	k = s->media_url_key;
	if ((k == NULL || *k == '\0') && cms)
		k = s->secret_key;
	if (k != NULL && *k != '\0') {
		media.keylen = strlen(k);
		if ((media.key = malloc(media.keylen)) == NULL)
			return (-1);
		memcpy(media.key, k, media.keylen);
	}
	if ((media.base = strdup(s->media_base_url != NULL ? s->media_base_url
	                                                   : "")) == NULL)
		return (-1);
	n = strlen(media.base);
	while (n > 0 && media.base[n - 1] == '/')
		media.base[--n] = '\0';
	media.ttl = s->media_url_ttl_s > 0 ? s->media_url_ttl_s : 600;
	if (s->cloudfront_domain != NULL && *s->cloudfront_domain != '\0' &&
	    s->cloudfront_key_id != NULL && *s->cloudfront_key_id != '\0' &&
	    s->cloudfront_private_key != NULL &&
	    *s->cloudfront_private_key != '\0') {
		media.cf_domain = media_strdup(s->cloudfront_domain);
		media.cf_key_id = media_strdup(s->cloudfront_key_id);
		media.cf_pem = media_strdup(s->cloudfront_private_key);
		if (media.cf_domain == NULL || media.cf_key_id == NULL ||
		    media.cf_pem == NULL)
			return (-1);
	}
	if (!media_url_enabled())
		log_warn("media: no LIFTED_MEDIA_URL_KEY (or CloudFront "
		         "settings): courses show no brochure or logo");
	return (0);
}

void
media_url_fini(void)
{
	if (media.key != NULL) {
		memset(media.key, 0, media.keylen);
		free(media.key);
	}
	free(media.base);
	free(media.cf_domain);
	free(media.cf_key_id);
	free(media.cf_pem);
	memset(&media, 0, sizeof(media));
}

int
media_url_enabled(void)
{
	return (media.key != NULL || media.cf_domain != NULL);
}

int
media_url_ttl(void)
{
	return (media.ttl > 0 ? media.ttl : 600);
}

char *
media_url_sign(const char *key, long long now, long long *expires, char *err,
               size_t errlen)
{
	char sig[SIGN_HEX_LEN + 1], *path = NULL, *url = NULL;
	long long e = now + media_url_ttl();
	size_t n;

	if (expires != NULL)
		*expires = e;
	if (key == NULL || *key == '\0') {
		snprintf(err, errlen, "no key");
		return (NULL);
	}
	if (media.cf_domain != NULL) {
		/* The distribution's origin is the storage bucket (and
		 * prefix): the object's key is its path. */
		n = strlen(key) + 2;
		if ((path = malloc(n)) == NULL)
			goto oom;
		snprintf(path, n, "/%s", key);
		url = sign_cloudfront_url(media.cf_domain, path, e,
		                          media.cf_key_id, media.cf_pem, err,
		                          errlen);
		free(path);
		return (url);
	}
	if (media.key == NULL) {
		snprintf(err, errlen,
		         "media links are not configured "
		         "(LIFTED_MEDIA_URL_KEY is not set)");
		return (NULL);
	}
	n = strlen(MEDIA_PREFIX) + strlen(key) + 1;
	if ((path = malloc(n)) == NULL)
		goto oom;
	snprintf(path, n, "%s%s", MEDIA_PREFIX, key);
	if (sign_url_hmac(media.key, media.keylen, "GET", path, e, sig) != 0) {
		free(path);
		snprintf(err, errlen, "cannot sign the URL");
		return (NULL);
	}
	n = strlen(media.base) + strlen(path) + 128;
	if ((url = malloc(n)) == NULL) {
		free(path);
		goto oom;
	}
	snprintf(url, n, "%s%s?expires=%lld&signature=%s", media.base, path, e,
	         sig);
	free(path);
	return (url);
oom:
	snprintf(err, errlen, "out of memory");
	return (NULL);
}

enum sign_check
media_url_check(const char *path, const char *expires, const char *signature,
                long long now)
{
	if (media.key == NULL || path == NULL || expires == NULL ||
	    signature == NULL)
		return (SIGN_BAD);
	return (sign_check_hmac(media.key, media.keylen, "GET", path, expires,
	                        signature, now));
}

const char *
media_url_type_of(const char *key)
{
	const char *dot;

	if (key == NULL || (dot = strrchr(key, '.')) == NULL)
		return (NULL);
	if (strcmp(dot, ".pdf") == 0)
		return ("application/pdf");
	if (strcmp(dot, ".png") == 0)
		return ("image/png");
	if (strcmp(dot, ".jpg") == 0)
		return ("image/jpeg");
	if (strcmp(dot, ".webp") == 0)
		return ("image/webp");
	return (NULL);
}

/* --- GET /media/course/<id>/<kind> ------------------------------------- */

static const struct catalogue_course *
media_course(const struct app_snapshot *s, long long id)
{
	size_t lo = 0, hi = s->ncourses, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (s->courses[mid].id == id)
			return (&s->courses[mid]);
		if (s->courses[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return (NULL);
}

static void
media_course_route(struct http_request *req)
{
	const char *p = http_req_path(req) + strlen("/media/course/");
	const struct catalogue_course *c;
	struct app_snapshot *s;
	const char *key;
	char *end, *url, err[160];
	long long id;

	if (*p < '1' || *p > '9' || (id = strtoll(p, &end, 10)) <= 0 ||
	    *end != '/' || end - p > 16) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	p = end + 1;
	if (strcmp(p, "brochure") != 0 && strcmp(p, "logo") != 0) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	if (!media_url_enabled()) {
		http_respond_error(req, 503,
		                   "media links are not configured "
		                   "(LIFTED_MEDIA_URL_KEY is not set)",
		                   NULL);
		return;
	}
	if ((s = app_cache_get()) == NULL) {
		http_respond_unavailable(req, "loading", 1);
		return;
	}
	if ((c = media_course(s, id)) == NULL) {
		http_respond_field_error(req, 404, "not found", "id",
		                         "no such course");
		return;
	}
	key = strcmp(p, "brochure") == 0 ? c->brochure_key : c->logo_key;
	if (key == NULL) {
		http_respond_field_error(req, 404, "not found", "kind",
		                         "the course has none");
		return;
	}
	if ((url = media_url_sign(key, (long long)time(NULL), NULL, err,
	                          sizeof(err))) == NULL) {
		log_error("media: course %lld %s: %s", id, p, err);
		http_respond_error(req, 500, "cannot sign the media URL", NULL);
		return;
	}
	/* The redirect is personal to this moment: never cached. */
	http_add_header(req, "Location", url);
	http_add_header(req, "Cache-Control", "no-store");
	free(url);
	http_respond_bytes(req, 302, NULL, NULL, 0);
}

static const struct http_route media_course_routes[] = {
    {HTTP_GET, "/media/course/*", media_course_route, HTTP_NO_PARAMS},
};

int
media_url_mount_course_route(struct http_server *http)
{
	return (http_server_add_routes(http, media_course_routes,
	                               sizeof(media_course_routes) /
	                                   sizeof(media_course_routes[0])));
}
