/*
 * GET /media/<key>?expires=E&signature=S: the CMS serves an uploaded
 * object to whoever holds a signed URL (shared/media_url.h; docs/media.md).
 *
 * No session: the App's visitors follow a redirect here.  The signature
 * is the only key, so it is checked before anything else touches the
 * request (403 for missing, malformed, tampered or expired; the storage
 * is not even asked), and the object is read with storage_get on the
 * task pool.  The content type comes from the key's extension, which the
 * CMS chose from the sniffed bytes when it stored the object; the answer
 * may be cached privately until the URL expires.
 *
 * When CloudFront serves media (LIFTED_CLOUDFRONT_*) the App's redirects
 * point there and this route is not used.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/buffer.h>

#include "arena.h"
#include "http.h"
#include "log.h"
#include "media_url.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "storage.h"
#include "task.h"
#include "uploads.h"

/* The largest object served: LIFTED_UPLOAD_MAX_BYTES's ceiling, so a
 * lowered limit never hides a file stored under a higher one. */
#define MEDIA_GET_MAX ((size_t)64 * 1024 * 1024)

struct media_op {
	struct http_request *req;
	const char *key;
	const char *type;
	long long expires;
	void *data;
	size_t len;
	enum storage_result rc;
	char err[200];
};

static void
media_free_cb(const void *data, size_t len, void *arg)
{
	(void)len;
	(void)arg;
	free((void *)(uintptr_t)data);
}

static void
media_work(void *arg)
{
	struct media_op *op = arg;

	op->rc = storage_get(cms_uploads_storage(), op->key, MEDIA_GET_MAX,
	                     &op->data, &op->len, op->err, sizeof(op->err));
}

static void
media_done(void *arg)
{
	struct media_op *op = arg;
	struct arena *a = http_arena(op->req);
	struct evbuffer *buf;
	long long left;
	const char *base;

	if (op->rc == STORAGE_NOT_FOUND) {
		http_respond_error(op->req, 404, "not found", NULL);
		return;
	}
	if (op->rc != STORAGE_OK) {
		log_error("media: reading %s: %s", op->key, op->err);
		http_respond_unavailable(op->req, "storage unavailable", 1);
		return;
	}
	if ((buf = evbuffer_new()) == NULL ||
	    (op->len > 0 && evbuffer_add_reference(buf, op->data, op->len,
	                                           media_free_cb, NULL) != 0)) {
		if (buf != NULL)
			evbuffer_free(buf);
		free(op->data);
		http_respond_unavailable(op->req, "out of memory", 1);
		return;
	}
	if (op->len == 0)
		free(op->data);
	left = op->expires - (long long)time(NULL);
	if (left < 0)
		left = 0;
	http_add_header(op->req, "Cache-Control",
	                arena_printf(a, "private, max-age=%lld", left));
	if (strcmp(op->type, "application/pdf") == 0) {
		base = strrchr(op->key, '/');
		http_add_header(
		    op->req, "Content-Disposition",
		    arena_printf(a, "inline; filename=\"%s\"",
		                 base != NULL ? base + 1 : op->key));
	}
	http_respond_evbuffer(op->req, 200, op->type, buf);
}

static void
media_route(struct http_request *req)
{
	const char *path = http_req_path(req), *expires = NULL, *sig = NULL;
	struct media_op *op;
	enum sign_check sc;

	http_param_str(req, "expires", &expires);
	http_param_str(req, "signature", &sig);
	if (expires == NULL || sig == NULL) {
		http_respond_error(req, 403,
		                   "a signed URL is required (expires, "
		                   "signature)",
		                   NULL);
		return;
	}
	sc = media_url_check(path, expires, sig, (long long)time(NULL));
	if (sc == SIGN_EXPIRED) {
		http_respond_error(req, 403, "the link has expired", NULL);
		return;
	}
	if (sc != SIGN_OK) {
		http_respond_error(req, 403, "bad signature", NULL);
		return;
	}
	if ((op = arena_alloc(http_arena(req), sizeof(*op))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	op->req = req;
	op->key = path + strlen("/media/");
	op->expires = strtoll(expires, NULL, 10);
	if (!storage_key_valid(op->key) ||
	    (op->type = media_url_type_of(op->key)) == NULL ||
	    cms_uploads_storage() == NULL) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	if (task_pool_submit(service_get()->tasks, media_work, media_done,
	                     op) != 0)
		http_respond_unavailable(req, "too busy", 1);
}

static const struct http_param media_params[] = {
    {"expires", PARAM_EXACT, PARAM_STRING, 0, 40, 0, 0},
    {"signature", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
};

/* /media/course/... first: the App mirror's redirects (shared). */
static const struct http_route media_routes[] = {
    {HTTP_GET, "/media/*", media_route, HTTP_PARAMS(media_params)},
};

int
cms_media_mount(struct worker *w)
{
	if (media_url_mount_course_route(w->http) != 0)
		return (-1);
	return (http_server_add_routes(w->http, media_routes,
	                               sizeof(media_routes) /
	                                   sizeof(media_routes[0])));
}
