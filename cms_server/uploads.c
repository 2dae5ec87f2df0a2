/*
 * Course media uploads (see uploads.h; contract in docs/cms-api.md and
 * docs/media.md).
 *
 *   PUT /cms/api/courses/scraped/<id>/<brochure|logo>
 *   PUT /cms/api/courses/app/<id>/<brochure|logo>
 *
 * The body is the file itself (evhttp has no multipart parser), its name
 * in X-File-Name.  CSRF is the session gate's, as for every state change.
 * One upload is a chain on a request-scoped struct upl_op:
 *
 *   check (size 413, type sniffed from the bytes 415, a declared
 *   Content-Type that disagrees 415) -> the caller's provider scope ->
 *   the course, in scope (404) -> SHA-256 and storage_put of a generated
 *   key on the task pool -> the uploads row, linked, detaching the one it
 *   replaces, with its audit row (one statement) -> for an App course
 *   (or a published scraped row) the App row's key -> 201.
 *
 * Nothing is half-written: when the row cannot be written the object is
 * deleted; when the App half fails the row is reverted (the replaced
 * upload is current again) and the object deleted.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "media_url.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "storage.h"
#include "task.h"
#include "upload_check.h"
#include "uploads.h"
#include "url.h"

#define UPL_MAX_ID  9007199254740991LL /* 2^53 - 1: exact in JSON */
#define UPL_HDR_MAX 1024

static struct storage *upl_storage;

struct storage *
cms_uploads_storage(void)
{
	return (upl_storage);
}

struct upl_op {
	struct http_request *req;
	int app;          /* an App course (1) or a scraped row (0) */
	long long id;     /* its id */
	const char *kind; /* "brochure" or "logo" */
	const char *type; /* sniffed content type */
	const char *ext;
	const unsigned char *body;
	size_t len;
	const char *name;  /* sanitised file name, or NULL */
	const char *scope; /* JSON array text, or NULL: every provider */
	int published;     /* a scraped row in the App */
	char key[64];
	char sha[EVP_MAX_MD_SIZE * 2 + 1];
	enum storage_result put;
	char err[200];
	const char *new_id, *old_id;
	const char *json; /* the uploads row as JSON text */
	int gone;         /* the App course went away meanwhile */
	/* What runs once the scope is known (upl_scope), with id and scope. */
	const char *course_stmt;
	db_result_cb course_cb;
};

static struct router *
upl_router(void)
{
	return (service_get()->router);
}

static void
upl_query(struct upl_op *op, const char *stmt, int n, const char *const *v,
          db_result_cb cb)
{
	int rc;

	rc = router_query(upl_router(), stmt, n, v, cb, op);
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(op->req, "too busy", 1);
	else if (rc != DB_OK)
		http_respond_unavailable(op->req, "database unavailable", 1);
}

/* --- fire and forget ----------------------------------------------------- */

struct upl_del {
	char key[64];
	enum storage_result rc;
	char err[200];
};

static void
upl_del_work(void *arg)
{
	struct upl_del *d = arg;

	d->rc = storage_delete(upl_storage, d->key, d->err, sizeof(d->err));
}

static void
upl_del_done(void *arg)
{
	struct upl_del *d = arg;

	if (d->rc != STORAGE_OK && d->rc != STORAGE_NOT_FOUND)
		log_error("uploads: cannot delete %s: %s (housekeeping will)",
		          d->key, d->err);
	free(d);
}

void
cms_uploads_delete_object(const char *key)
{
	struct upl_del *d;

	if (upl_storage == NULL || (d = calloc(1, sizeof(*d))) == NULL)
		return;
	snprintf(d->key, sizeof(d->key), "%s", key);
	if (task_pool_submit(service_get()->tasks, upl_del_work, upl_del_done,
	                     d) != 0) {
		log_error("uploads: cannot queue the deletion of %s "
		          "(housekeeping will)",
		          key);
		free(d);
	}
}

static void
upl_detach_done(const struct db_result *res, void *arg)
{
	(void)arg;
	if (res->pg == NULL)
		log_error("uploads: detach failed: %s",
		          res->error ? res->error : "error");
}

void
cms_uploads_detach(const char *target_type, const char *target_id)
{
	const char *v[2];

	if (target_id == NULL)
		return;
	v[0] = target_type;
	v[1] = target_id;
	if (router_query(upl_router(), "cms_uploads.detach", 2, v,
	                 upl_detach_done, NULL) != DB_OK)
		log_error("uploads: detach of %s %s not queued", target_type,
		          target_id);
}

/* --- checks ----------------------------------------------------------------
 */

/* The declared media type, lower-cased, without parameters; NULL when
 * none was declared (absent, empty or application/octet-stream). */
static const char *
upl_declared(struct http_request *req)
{
	const char *ct = http_req_header(req, "Content-Type");
	char *out;
	size_t i, n;

	if (ct == NULL)
		return (NULL);
	while (*ct == ' ' || *ct == '\t')
		ct++;
	n = strcspn(ct, "; \t");
	if (n == 0 || n > 100)
		return (n == 0 ? NULL : "(too long)");
	if ((out = arena_strndup(http_arena(req), ct, n)) == NULL)
		return (NULL);
	for (i = 0; i < n; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	if (strcmp(out, "application/octet-stream") == 0)
		return (NULL);
	if (strcmp(out, "image/jpg") == 0 || strcmp(out, "image/pjpeg") == 0)
		return ("image/jpeg");
	return (out);
}

/*
 * X-File-Name (percent-encoded UTF-8, as encodeURIComponent makes it),
 * decoded and cleaned by upload_clean_name (shared/upload_check.c).  NULL
 * when nothing is left; NULL and *bad set (400) when over UPL_HDR_MAX.
 */
static const char *
upl_file_name(struct http_request *req, int *bad)
{
	const char *h = http_req_header(req, "X-File-Name");
	char *out;
	size_t len;

	*bad = 0;
	if (h == NULL)
		return (NULL);
	if ((len = strlen(h)) > UPL_HDR_MAX) {
		*bad = 1;
		return (NULL);
	}
	if ((out = arena_alloc(http_arena(req), len + 1)) == NULL)
		return (NULL);
	/* A name that is not valid percent-encoding is taken as it is. */
	if (url_decode(h, len, out, 0) < 0)
		memcpy(out, h, len + 1);
	return (upload_clean_name(out, out, len + 1) > 0 ? out : NULL);
}

/* /cms/api/courses/<scraped|app>/<id>/<kind>: 0, or -1 after 404. */
static int
upl_parse_path(struct upl_op *op)
{
	const char *p = http_req_path(op->req) + strlen("/cms/api/courses/");
	char *end;

	if (strncmp(p, "scraped/", 8) == 0) {
		op->app = 0;
		p += 8;
	} else if (strncmp(p, "app/", 4) == 0) {
		op->app = 1;
		p += 4;
	} else
		goto bad;
	if (*p < '1' || *p > '9')
		goto bad;
	op->id = strtoll(p, &end, 10);
	if (*end != '/' || end - p > 16 || op->id < 1 || op->id > UPL_MAX_ID)
		goto bad;
	p = end + 1;
	if (strcmp(p, "brochure") == 0)
		op->kind = "brochure";
	else if (strcmp(p, "logo") == 0)
		op->kind = "logo";
	else
		goto bad;
	return (0);
bad:
	http_respond_field_error(op->req, 404, "not found", "path",
	                         "want /cms/api/courses/scraped|app/<id>/"
	                         "brochure|logo");
	return (-1);
}

/* Checks the body; 0, or -1 after answering 400, 413 or 415. */
static int
upl_check_body(struct upl_op *op)
{
	const struct settings *st = cms_settings();
	const char *declared, *what;
	cJSON *f;
	int bad;

	op->body = http_req_body(op->req, &op->len);
	if (op->body == NULL || op->len == 0) {
		http_respond_field_error(op->req, 400, "invalid input", "body",
		                         "send the file as the request body");
		return (-1);
	}
	if (op->len > (size_t)st->upload_max_bytes) {
		f = cJSON_CreateObject();
		cJSON_AddNumberToObject(f, "max_bytes", st->upload_max_bytes);
		http_respond_error(op->req, 413, "the file is too large", f);
		return (-1);
	}
	op->type = upload_sniff(op->body, op->len, &op->ext);
	if (op->type == NULL ||
	    (strcmp(op->kind, "brochure") == 0) !=
	        (strcmp(op->type, "application/pdf") == 0)) {
		what = strcmp(op->kind, "brochure") == 0
		           ? "a brochure must be a PDF"
		           : "a logo must be a PNG, JPEG or WebP image";
		http_respond_field_error(
		    op->req, 415,
		    arena_printf(http_arena(op->req),
		                 "unsupported file type: %s", what),
		    "body", what);
		return (-1);
	}
	declared = upl_declared(op->req);
	if (declared != NULL && strcmp(declared, op->type) != 0) {
		f = cJSON_CreateObject();
		cJSON_AddStringToObject(f, "declared", declared);
		cJSON_AddStringToObject(f, "detected", op->type);
		http_respond_error(
		    op->req, 415,
		    arena_printf(http_arena(op->req),
		                 "the declared Content-Type %s is not what the "
		                 "file is (%s)",
		                 declared, op->type),
		    f);
		return (-1);
	}
	op->name = upl_file_name(op->req, &bad);
	if (bad) {
		http_respond_field_error(op->req, 400, "invalid input",
		                         "X-File-Name", "is too long");
		return (-1);
	}
	return (0);
}

/* --- the chain -------------------------------------------------------------
 */

static void
upl_failed(struct upl_op *op, const struct db_result *res)
{
	if (res->sqlstate == NULL)
		http_respond_unavailable(op->req, "database unavailable", 1);
	else if (strcmp(res->sqlstate, "23505") == 0 ||
	         strcmp(res->sqlstate, "40001") == 0 ||
	         strcmp(res->sqlstate, "40P01") == 0)
		http_respond_error(op->req, 409,
		                   "changed concurrently, try again", NULL);
	else {
		log_error("uploads %s: %s (%s)", http_req_path(op->req),
		          res->error ? res->error : "error", res->sqlstate);
		http_respond_error(op->req, 500, "internal error", NULL);
	}
}

static void
upl_answer(struct upl_op *op)
{
	cJSON *o;
	char *url, err[160];

	if ((o = cJSON_Parse(op->json)) == NULL) {
		http_respond_error(op->req, 500, "internal error", NULL);
		return;
	}
	cJSON_AddStringToObject(o, "course_type", op->app ? "app" : "scraped");
	if ((url = media_url_sign(op->key, (long long)time(NULL), NULL, err,
	                          sizeof(err))) != NULL) {
		cJSON_AddStringToObject(o, "url", url);
		free(url);
	}
	http_respond_json(op->req, 201, o);
}

static void
upl_reverted(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;

	if (res->pg == NULL) {
		/* Linked here, not in the App: a retry replaces it. */
		log_error("uploads: revert of upload %s failed: %s", op->new_id,
		          res->error ? res->error : "error");
		http_respond_unavailable(op->req,
		                         "the App database is unavailable: "
		                         "upload the file again",
		                         1);
		return;
	}
	cms_uploads_delete_object(op->key);
	if (op->gone)
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such course");
	else
		http_respond_unavailable(op->req,
		                         "the App database is unavailable: "
		                         "nothing was changed",
		                         1);
}

static void
upl_revert_args(struct upl_op *op, const char **v)
{
	v[0] = op->new_id;
	v[1] = op->old_id;
	v[2] = arena_printf(http_arena(op->req), "%lld",
	                    cms_session(op->req)->user_id);
	v[3] = http_req_client(op->req);
}

static void
upl_app_done(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	const char *v[4];

	if (res->pg != NULL && (db_value(res, 0) != NULL || !op->app)) {
		/* A published scraped row whose App course is gone (archived
		 * meanwhile) is fine: publishing copies the link. */
		upl_answer(op);
		return;
	}
	if (res->pg != NULL) {
		/* The App course went away since it was read. */
		op->gone = 1;
		upl_revert_args(op, v);
		if (router_query(upl_router(), "cms_uploads.revert", 4, v,
		                 upl_reverted, op) != DB_OK)
			http_respond_unavailable(op->req,
			                         "database unavailable", 1);
		return;
	}
	log_error("uploads: App half of upload %s failed: %s", op->new_id,
	          res->error ? res->error : "error");
	upl_revert_args(op, v);
	if (router_query(upl_router(), "cms_uploads.revert", 4, v, upl_reverted,
	                 op) != DB_OK)
		http_respond_unavailable(op->req, "database unavailable", 1);
}

static void
upl_linked(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	struct arena *a = http_arena(op->req);
	const char *v[6];

	if (res->pg == NULL || (op->json = db_value(res, 2)) == NULL) {
		cms_uploads_delete_object(op->key);
		if (res->pg == NULL)
			upl_failed(op, res);
		else
			http_respond_error(op->req, 500, "internal error",
			                   NULL);
		return;
	}
	op->json = arena_strdup(a, op->json);
	op->new_id = arena_strdup(a, db_value(res, 0));
	op->old_id =
	    db_value(res, 1) != NULL ? arena_strdup(a, db_value(res, 1)) : NULL;
	if (!op->app && !op->published) {
		upl_answer(op);
		return;
	}
	v[0] = op->app ? arena_printf(a, "%lld", op->id) : NULL;
	v[1] = op->app ? NULL : arena_printf(a, "cms:%lld", op->id);
	v[2] = op->kind;
	v[3] = op->key;
	v[4] = op->type;
	v[5] = op->scope;
	if (router_query(upl_router(), "cms_app_courses.set_media", 6, v,
	                 upl_app_done, op) != DB_OK) {
		struct db_result r = {NULL, "not queued", NULL};

		upl_app_done(&r, op);
	}
}

static void
upl_put_work(void *arg)
{
	struct upl_op *op = arg;
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(op->body, op->len, md, &mdlen, EVP_sha256(), NULL) !=
	    1) {
		op->put = STORAGE_ERROR;
		snprintf(op->err, sizeof(op->err), "SHA-256 failed");
		return;
	}
	for (i = 0; i < mdlen; i++)
		snprintf(op->sha + 2 * i, 3, "%02x", md[i]);
	op->put = storage_put(upl_storage, op->key, op->body, op->len, op->type,
	                      op->err, sizeof(op->err));
}

static void
upl_put_done(void *arg)
{
	struct upl_op *op = arg;
	struct arena *a = http_arena(op->req);
	const char *v[10];

	if (op->put != STORAGE_OK) {
		log_error("uploads: storing %s failed: %s", op->key, op->err);
		http_respond_unavailable(op->req, "storage unavailable", 1);
		return;
	}
	v[0] = op->key;
	v[1] = op->kind;
	v[2] = op->type;
	v[3] = arena_printf(a, "%zu", op->len);
	v[4] = op->sha;
	v[5] = op->name;
	v[6] = arena_printf(a, "%lld", cms_session(op->req)->user_id);
	v[7] = op->app ? "course" : "scraped_course";
	v[8] = arena_printf(a, "%lld", op->id);
	v[9] = http_req_client(op->req);
	if (router_query(upl_router(), "cms_uploads.link", 10, v, upl_linked,
	                 op) != DB_OK) {
		cms_uploads_delete_object(op->key);
		http_respond_unavailable(op->req, "database unavailable", 1);
	}
}

static int
upl_new_key(struct upl_op *op)
{
	unsigned char rnd[16];
	size_t i, n;

	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return (-1);
	n = (size_t)snprintf(op->key, sizeof(op->key), "%s/", op->kind);
	for (i = 0; i < sizeof(rnd); i++)
		n += (size_t)snprintf(op->key + n, sizeof(op->key) - n, "%02x",
		                      rnd[i]);
	snprintf(op->key + n, sizeof(op->key) - n, ".%s", op->ext);
	return (storage_key_valid(op->key) ? 0 : -1);
}

static void
upl_row_done(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	const char *row;
	cJSON *o;
	const cJSON *st;

	if (res->pg == NULL) {
		upl_failed(op, res);
		return;
	}
	if ((row = db_value(res, 0)) == NULL) {
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such course");
		return;
	}
	if (!op->app && (o = cJSON_Parse(row)) != NULL) {
		st = cJSON_GetObjectItemCaseSensitive(o, "state");
		op->published = cJSON_IsString(st) &&
		                strcmp(st->valuestring, "published") == 0;
		cJSON_Delete(o);
	}
	if (upl_storage == NULL || upl_new_key(op) != 0) {
		http_respond_unavailable(op->req, "storage unavailable", 1);
		return;
	}
	if (task_pool_submit(service_get()->tasks, upl_put_work, upl_put_done,
	                     op) != 0)
		http_respond_unavailable(op->req, "too busy", 1);
}

/* A zeroed op for a member of staff who may edit courses; NULL when the
 * request has been answered (403, or 503 out of memory). */
static struct upl_op *
upl_op_new(struct http_request *req)
{
	struct upl_op *op;

	if (cms_require(req, "courses.edit") != 0)
		return (NULL);
	if ((op = arena_alloc(http_arena(req), sizeof(*op))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return (NULL);
	}
	op->req = req;
	return (op);
}

static struct upl_op *
upl_start(struct http_request *req)
{
	struct upl_op *op;

	if ((op = upl_op_new(req)) == NULL || upl_parse_path(op) != 0)
		return (NULL);
	return (op);
}

static void
upl_scope_done(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	const char *v[2];

	if (res->pg == NULL) {
		upl_failed(op, res);
		return;
	}
	op->scope = db_value(res, 0) != NULL
	                ? arena_strdup(http_arena(op->req), db_value(res, 0))
	                : NULL;
	v[0] = arena_printf(http_arena(op->req), "%lld", op->id);
	v[1] = op->scope;
	upl_query(op, op->course_stmt, 2, v, op->course_cb);
}

/* Looks up the staff member's provider scope, then runs stmt with the
 * course id and that scope, answering to cb. */
static void
upl_scope(struct upl_op *op, const char *stmt, db_result_cb cb)
{
	const char *v[1];

	op->course_stmt = stmt;
	op->course_cb = cb;
	v[0] = arena_printf(http_arena(op->req), "%lld",
	                    cms_session(op->req)->user_id);
	upl_query(op, "cms_courses.scope", 1, v, upl_scope_done);
}

static void
upl_put_route(struct http_request *req)
{
	struct upl_op *op;

	if ((op = upl_start(req)) == NULL)
		return;
	if (upl_check_body(op) != 0)
		return;
	upl_scope(op,
	          op->app ? "cms_app_courses.get" : "cms_courses.scraped_get",
	          upl_row_done);
}

/* --- GET /cms/api/courses/media?type=scraped|app&id=N ---------------------
 */

/* Adds a fresh signed "url" to each kind present in the JSON text. */
static void
upl_media_answer(struct upl_op *op, const char *text)
{
	static const char *const kinds[] = {"brochure", "logo"};
	cJSON *o, *k, *out;
	const cJSON *key;
	char *url, err[160];
	size_t i;

	if ((o = cJSON_Parse(text)) == NULL ||
	    (out = cJSON_CreateObject()) == NULL) {
		cJSON_Delete(o);
		http_respond_error(op->req, 500, "internal error", NULL);
		return;
	}
	for (i = 0; i < 2; i++) {
		k = cJSON_DetachItemFromObjectCaseSensitive(o, kinds[i]);
		if (k == NULL || !cJSON_IsObject(k)) {
			cJSON_Delete(k);
			cJSON_AddNullToObject(out, kinds[i]);
			continue;
		}
		key = cJSON_GetObjectItemCaseSensitive(k, "key");
		if (cJSON_IsString(key) &&
		    (url =
		         media_url_sign(key->valuestring, (long long)time(NULL),
		                        NULL, err, sizeof(err))) != NULL) {
			cJSON_AddStringToObject(k, "url", url);
			free(url);
		}
		cJSON_AddItemToObject(out, kinds[i], k);
	}
	cJSON_Delete(o);
	http_respond_json(op->req, 200, out);
}

static void
upl_media_done(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	const char *v;

	if (res->pg == NULL) {
		upl_failed(op, res);
		return;
	}
	if ((v = db_value(res, 0)) == NULL) {
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such course");
		return;
	}
	upl_media_answer(op, v);
}

static void
upl_media_row_done(const struct db_result *res, void *arg)
{
	struct upl_op *op = arg;
	const char *v[2];

	if (res->pg == NULL) {
		upl_failed(op, res);
		return;
	}
	if (db_value(res, 0) == NULL) {
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such course");
		return;
	}
	v[0] = "scraped_course";
	v[1] = arena_printf(http_arena(op->req), "%lld", op->id);
	upl_query(op, "cms_uploads.current", 2, v, upl_media_done);
}

static void
upl_media_route(struct http_request *req)
{
	struct upl_op *op;
	const char *type;

	if ((op = upl_op_new(req)) == NULL)
		return;
	http_param_int(req, "id", &op->id);
	if (!http_param_str(req, "type", &type) ||
	    (strcmp(type, "scraped") != 0 && strcmp(type, "app") != 0)) {
		http_respond_field_error(req, 400, "invalid parameters", "type",
		                         "must be scraped or app");
		return;
	}
	op->app = strcmp(type, "app") == 0;
	if (op->app)
		upl_scope(op, "cms_app_courses.media_get", upl_media_done);
	else
		upl_scope(op, "cms_courses.scraped_get", upl_media_row_done);
}

/* --- routes ----------------------------------------------------------------
 */

static const struct http_param media_params[] = {
    {"id", PARAM_EXACT, PARAM_INT, 1, UPL_MAX_ID, 1, 0},
    {"type", PARAM_EXACT, PARAM_STRING, 1, 10, 1, 0},
};

static const struct http_route upl_routes[] = {
    {HTTP_PUT, "/cms/api/courses/scraped/*", upl_put_route, HTTP_NO_PARAMS},
    {HTTP_PUT, "/cms/api/courses/app/*", upl_put_route, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/courses/media", upl_media_route,
     HTTP_PARAMS(media_params)},
};

int
cms_uploads_mount(struct worker *w)
{
	char err[256];

	if (media_url_init(w->settings, 1) != 0) {
		log_error("uploads: out of memory");
		return (-1);
	}
	if (upl_storage == NULL &&
	    (upl_storage = storage_open(w->settings, err, sizeof(err))) ==
	        NULL) {
		log_error("uploads: storage: %s", err);
		return (-1);
	}
	if (http_server_add_routes(w->http, upl_routes,
	                           sizeof(upl_routes) /
	                               sizeof(upl_routes[0])) != 0)
		return (-1);
	return (cms_media_mount(w));
}

void
cms_uploads_fini(struct worker *w)
{
	(void)w;
	storage_free(upl_storage);
	upl_storage = NULL;
	media_url_fini();
}
