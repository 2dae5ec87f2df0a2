/*
 * Course routes (see courses.h; contract in docs/cms-courses.md).
 *
 * Every route is a short chain of asynchronous statements on one
 * request-scoped struct crs_op (in the request's arena):
 *
 *   permission (cms_require) -> the caller's provider scope (CMS) ->
 *   read the row (CMS or App, scoped: another provider's row is absent,
 *   404) -> for a change: the App's level/format/category lists, merge
 *   the body over the row and validate (shared/course_validate.c) ->
 *   write -> answer.
 *
 * JSON crosses callbacks only as text in the arena; cJSON trees live
 * within one function, so no path can leak one.
 *
 * Publishing spans two databases and cannot be one transaction.  The App
 * statement comes first and is idempotent (upsert on source_ref
 * 'cms:<id>', its dates and tags, pg_notify, all one statement), then
 * the CMS statement marks the row from the state the caller saw, with
 * its audit row.  A failure between the two leaves a published App
 * course with an unmarked CMS row: a retry upserts the same course, and
 * reconcile (start-up, on demand) marks it.  Unpublishing (archive, back
 * to review) deletes by source_ref first, for the same reason.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/event.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "course_validate.h"
#include "courses.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "uploads.h"
#include "workflow.h"

#define CRS_MAX_VALUES  12
#define CRS_MAX_ID      9007199254740991LL /* 2^53 - 1: exact in JSON */
#define CRS_COMMENT_MAX 2000

#ifdef LIFTED_TESTING
#include "../tests/server/test_course_hooks.h"

int cms_courses_fail_next_mark;
#endif

/* The course members an edit may set (docs/cms-courses.md). */
static const char *const crs_fields[] = {
    "name",     "provider",     "url",       "cost",       "cost_varies",
    "level_id", "format_id",    "cpd_state", "cpd_points", "is_ongoing",
    "dates",    "category_ids", NULL,
};

enum crs_kind {
	CRS_SCRAPED_LIST,
	CRS_SCRAPED_GET,
	CRS_SCRAPED_UPDATE,
	CRS_TRANSITION,
	CRS_HISTORY,
	CRS_DUPLICATES,
	CRS_RECONCILE,
	CRS_APP_LIST,
	CRS_APP_GET,
	CRS_APP_CREATE,
	CRS_APP_UPDATE,
	CRS_APP_DELETE,
};

struct crs_op {
	struct http_request *req;
	enum crs_kind kind;
	long long id;       /* scraped row or App course */
	int app_target;     /* history: of an App course */
	const char *scope;  /* JSON array text, or NULL: every provider */
	const char *body;   /* the POST body's JSON text */
	const char *row;    /* the row as read (JSON text) */
	const char *state;  /* its workflow state */
	const char *merged; /* the course to write (JSON text) */
	const char *before; /* changed members, old and new */
	const char *after;
	const char *changed; /* their names: a PostgreSQL array literal */
	const char *comment;
	const struct cms_transition *t;
	const char *app_id;  /* App course id after a write */
	const char *version; /* the row version an edit is based on */
};

static void crs_next(struct crs_op *op);

/* --- small helpers -------------------------------------------------------- */

static struct router *
crs_router(void)
{
	return (service_get()->router);
}

/* The deployment's zone: dates without an offset are local to it. */
static const char *
crs_tz(void)
{
	const char *tz = cms_settings()->time_zone;

	return (tz != NULL && *tz != '\0' ? tz : "UTC");
}

static const char *
crs_user(struct crs_op *op)
{
	return (arena_printf(http_arena(op->req), "%lld",
	                     cms_session(op->req)->user_id));
}

/* Runs stmt; on a refusal to queue answers 503 itself. */
static void
crs_query(struct crs_op *op, const char *stmt, int n, const char *const *v,
          db_result_cb cb)
{
	int rc;

	rc = router_query(crs_router(), stmt, n, v, cb, op);
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(op->req, "too busy", 1);
	else if (rc != DB_OK)
		http_respond_unavailable(op->req, "database unavailable", 1);
}

/*
 * A failed statement: 503 when the database could not be reached (the
 * App's named, as publishing must say which one failed), 409 for a
 * concurrent change, else 500.  Returns 1 when res failed (answered).
 */
static int
crs_failed(struct crs_op *op, const struct db_result *res, int app)
{
	const char *st = res->sqlstate;

	if (res->pg != NULL)
		return (0);
	if (st == NULL) {
		http_respond_unavailable(
		    op->req,
		    !app ? "database unavailable"
		    : op->t != NULL && op->t->effect == CMS_WF_PUBLISH
		        ? "the App database is unavailable: nothing was "
		          "published"
		    : op->t != NULL ? "the App database is unavailable: "
		                      "nothing was changed"
		                    : "the App database is unavailable",
		    1);
		return (1);
	}
	if (strcmp(st, "23503") == 0 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0 || strcmp(st, "23505") == 0) {
		http_respond_error(op->req, 409,
		                   "changed concurrently, try again", NULL);
		return (1);
	}
	log_error("courses %s: %s (%s)", http_req_path(op->req),
	          res->error ? res->error : "error", st);
	http_respond_error(op->req, 500, "internal error", NULL);
	return (1);
}

static void
crs_not_found(struct crs_op *op)
{
	http_respond_field_error(
	    op->req, 404, "not found",
	    op->kind == CRS_HISTORY && op->app_target ? "course_id" : "id",
	    "no such course");
}

/* Answers a read statement's single JSON column (404 when no row). */
static void
crs_read_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *v;

	if (crs_failed(op, res, 0))
		return;
	if ((v = db_value(res, 0)) == NULL) {
		crs_not_found(op);
		return;
	}
	http_respond_json_text(op->req, 200, v);
}

static const char *
crs_dup(struct crs_op *op, const char *s)
{
	return (s == NULL ? NULL : arena_strdup(http_arena(op->req), s));
}

/* Prints j into the arena (j is not freed). */
static const char *
crs_print(struct crs_op *op, const cJSON *j)
{
	char *p;
	const char *out;

	if ((p = cJSON_PrintUnformatted(j)) == NULL)
		return (NULL);
	out = arena_strdup(http_arena(op->req), p);
	free(p);
	return (out);
}

static int
crs_id_of(const cJSON *j, long long *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return (0);
	d = j->valuedouble;
	if (!(d >= 1 && d <= (double)CRS_MAX_ID) || d != (double)(long long)d)
		return (0);
	*out = (long long)d;
	return (1);
}

/* --- body ---------------------------------------------------------------- */

/*
 * Reads the POST body: keeps its text, the id (when need_id), the
 * comment and the transition.  0, or -1 after answering 400.
 */
static int
crs_body(struct crs_op *op, int need_id)
{
	const cJSON *j;
	cJSON *o, *errs = NULL;
	int rc = -1;

	if ((o = cms_json_body(op->req)) == NULL)
		return (-1);
	if ((errs = cJSON_CreateObject()) == NULL)
		goto cleanup;
	if (need_id &&
	    !crs_id_of(cJSON_GetObjectItemCaseSensitive(o, "id"), &op->id))
		cJSON_AddStringToObject(errs, "id",
		                        "must be a positive integer id");
	j = cJSON_GetObjectItemCaseSensitive(o, "comment");
	if (j != NULL && !cJSON_IsNull(j)) {
		if (!cJSON_IsString(j) ||
		    strlen(j->valuestring) > CRS_COMMENT_MAX)
			cJSON_AddStringToObject(errs, "comment",
			                        "must be text of at most 2000 "
			                        "bytes");
		else if (j->valuestring[0] != '\0')
			op->comment = crs_dup(op, j->valuestring);
	}
	j = cJSON_GetObjectItemCaseSensitive(o, "version");
	if (j != NULL && !cJSON_IsNull(j)) {
		if (!cJSON_IsString(j) || strlen(j->valuestring) > 40)
			cJSON_AddStringToObject(
			    errs, "version",
			    "must be the version the course "
			    "was loaded with");
		else
			op->version = crs_dup(op, j->valuestring);
	}
	if (cJSON_GetArraySize(errs) > 0) {
		http_respond_error(op->req, 400, "invalid input", errs);
		errs = NULL;
		goto cleanup;
	}
	if ((op->body = crs_print(op, o)) == NULL) {
		http_respond_unavailable(op->req, "out of memory", 1);
		goto cleanup;
	}
	rc = 0;
cleanup:
	cJSON_Delete(errs);
	cJSON_Delete(o);
	return (rc);
}

/* --- start: permission, then scope ---------------------------------------- */

static void
crs_scope_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;

	if (crs_failed(op, res, 0))
		return;
	op->scope = crs_dup(op, db_value(res, 0));
	crs_next(op);
}

static struct crs_op *
crs_op_new(struct http_request *req, enum crs_kind kind)
{
	struct crs_op *op;

	if ((op = arena_alloc(http_arena(req), sizeof(*op))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return (NULL);
	}
	op->req = req;
	op->kind = kind;
	return (op);
}

static void
crs_scope(struct crs_op *op)
{
	const char *v[1];

	v[0] = crs_user(op);
	crs_query(op, "cms_courses.scope", 1, v, crs_scope_done);
}

/* The permission, then the body (POST), then the scope. */
static void
crs_start(struct http_request *req, enum crs_kind kind, const char *permission,
          int post, int need_id)
{
	struct crs_op *op;

	if (cms_require(req, permission) != 0)
		return;
	if ((op = crs_op_new(req, kind)) == NULL)
		return;
	if (post && crs_body(op, need_id) != 0)
		return;
	crs_scope(op);
}

/* --- validation ----------------------------------------------------------- */

static int *
crs_ids(struct crs_op *op, const cJSON *arr, size_t *n)
{
	const cJSON *it;
	int *out;
	size_t i = 0;

	*n = 0;
	if ((out = arena_alloc(
	         http_arena(op->req),
	         sizeof(int) * ((size_t)cJSON_GetArraySize(arr) + 1))) == NULL)
		return (NULL);
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsNumber(it))
			out[i++] = (int)it->valuedouble;
	}
	*n = i;
	return (out);
}

/* 1 when provider (any case) is within the caller's scope. */
static int
crs_in_scope(const char *scope, const cJSON *provider)
{
	const cJSON *it;
	cJSON *list;
	int ok = 0;

	if (scope == NULL)
		return (1);
	if (!cJSON_IsString(provider) || (list = cJSON_Parse(scope)) == NULL)
		return (0);
	cJSON_ArrayForEach(it, list)
	{
		if (cJSON_IsString(it) &&
		    strcasecmp(it->valuestring, provider->valuestring) == 0)
			ok = 1;
	}
	cJSON_Delete(list);
	return (ok);
}

/*
 * Merges the body's course members over op->row (NULL: a new course),
 * validates the result against the App's lists (JSON text) and fills
 * op->merged, op->before, op->after and op->changed.  0, or -1 after
 * answering (400 with every bad field).
 */
static int
crs_merge_validate(struct crs_op *op, const char *lists_text)
{
	struct arena *a = http_arena(op->req);
	struct course_lists l;
	cJSON *lists = NULL, *body = NULL, *row = NULL, *merged = NULL;
	cJSON *errs = NULL, *before = NULL, *after = NULL, *names = NULL;
	const cJSON *bj, *oj;
	char *arr;
	size_t i, len;
	int rc = -1;

	lists = cJSON_Parse(lists_text);
	body = cJSON_Parse(op->body != NULL ? op->body : "{}");
	row = op->row != NULL ? cJSON_Parse(op->row) : cJSON_CreateObject();
	merged = cJSON_CreateObject();
	before = cJSON_CreateObject();
	after = cJSON_CreateObject();
	names = cJSON_CreateArray();
	if (lists == NULL || body == NULL || row == NULL || merged == NULL ||
	    before == NULL || after == NULL || names == NULL) {
		http_respond_unavailable(op->req, "out of memory", 1);
		goto cleanup;
	}
	for (i = 0; crs_fields[i] != NULL; i++) {
		bj = cJSON_GetObjectItemCaseSensitive(body, crs_fields[i]);
		oj = cJSON_GetObjectItemCaseSensitive(row, crs_fields[i]);
		if (bj != NULL) {
			cJSON_AddItemToObject(merged, crs_fields[i],
			                      cJSON_Duplicate(bj, 1));
			if (oj == NULL || !cJSON_Compare(bj, oj, 1)) {
				cJSON_AddItemToObject(
				    before, crs_fields[i],
				    oj ? cJSON_Duplicate(oj, 1)
				       : cJSON_CreateNull());
				cJSON_AddItemToObject(after, crs_fields[i],
				                      cJSON_Duplicate(bj, 1));
				cJSON_AddItemToArray(
				    names, cJSON_CreateString(crs_fields[i]));
			}
		} else if (oj != NULL)
			cJSON_AddItemToObject(merged, crs_fields[i],
			                      cJSON_Duplicate(oj, 1));
	}
	memset(&l, 0, sizeof(l));
	l.levels = crs_ids(
	    op, cJSON_GetObjectItemCaseSensitive(lists, "levels"), &l.nlevels);
	l.formats =
	    crs_ids(op, cJSON_GetObjectItemCaseSensitive(lists, "formats"),
	            &l.nformats);
	l.categories =
	    crs_ids(op, cJSON_GetObjectItemCaseSensitive(lists, "categories"),
	            &l.ncategories);
	if ((errs = course_validate(merged, &l)) == NULL) {
		http_respond_unavailable(op->req, "out of memory", 1);
		goto cleanup;
	}
	if (cJSON_GetObjectItemCaseSensitive(errs, "provider") == NULL &&
	    !crs_in_scope(op->scope,
	                  cJSON_GetObjectItemCaseSensitive(merged, "provider")))
		cJSON_AddStringToObject(errs, "provider",
		                        "is not one of your providers");
	if (cJSON_GetArraySize(errs) > 0) {
		http_respond_error(op->req, 400, "invalid input", errs);
		errs = NULL;
		goto cleanup;
	}
	op->merged = crs_print(op, merged);
	op->before = crs_print(op, before);
	op->after = crs_print(op, after);
	/* {"a","b"}: names are fixed identifiers, no quoting needed. */
	len = 3;
	for (i = 0; crs_fields[i] != NULL; i++)
		len += strlen(crs_fields[i]) + 1;
	if ((arr = arena_alloc(a, len)) == NULL || op->merged == NULL ||
	    op->before == NULL || op->after == NULL) {
		http_respond_unavailable(op->req, "out of memory", 1);
		goto cleanup;
	}
	strcpy(arr, "{");
	cJSON_ArrayForEach(oj, names)
	{
		if (arr[1] != '\0')
			strcat(arr, ",");
		strcat(arr, oj->valuestring);
	}
	strcat(arr, "}");
	op->changed = arr;
	rc = 0;
cleanup:
	cJSON_Delete(lists);
	cJSON_Delete(body);
	cJSON_Delete(row);
	cJSON_Delete(merged);
	cJSON_Delete(errs);
	cJSON_Delete(before);
	cJSON_Delete(after);
	cJSON_Delete(names);
	return (rc);
}

/* A member of the JSON text row as text in the arena, or NULL. */
static const char *
crs_row_str(struct crs_op *op, const char *member)
{
	const cJSON *j;
	const char *out = NULL;
	cJSON *row;

	if (op->row == NULL || (row = cJSON_Parse(op->row)) == NULL)
		return (NULL);
	j = cJSON_GetObjectItemCaseSensitive(row, member);
	if (cJSON_IsString(j))
		out = crs_dup(op, j->valuestring);
	else if (cJSON_IsNumber(j))
		out = arena_printf(http_arena(op->req), "%.0f", j->valuedouble);
	cJSON_Delete(row);
	return (out);
}

/* The row's "media" member (JSON text in the arena), or NULL. */
static const char *
crs_row_media(struct crs_op *op)
{
	const cJSON *j;
	const char *out = NULL;
	cJSON *row;

	if (op->row == NULL || (row = cJSON_Parse(op->row)) == NULL)
		return (NULL);
	j = cJSON_GetObjectItemCaseSensitive(row, "media");
	if (cJSON_IsObject(j))
		out = crs_print(op, j);
	cJSON_Delete(row);
	return (out);
}

/* --- scraped rows: edit --------------------------------------------------- */

static void
crs_scraped_update_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *status;

	if (crs_failed(op, res, 0))
		return;
	status = db_value(res, 0);
	if (status != NULL && strcmp(status, "ok") == 0)
		http_respond_json_text(op->req, 200, db_value(res, 2));
	else if (status != NULL && strcmp(status, "conflict") == 0)
		http_respond_field_error(op->req, 409,
		                         "changed by someone else: reload and "
		                         "edit again",
		                         "version",
		                         "is not the current version");
	else if (status != NULL && strcmp(status, "wrong_state") == 0)
		http_respond_field_error(op->req, 409,
		                         "only scraped or in-review courses "
		                         "can be edited",
		                         "id", db_value(res, 1));
	else
		crs_not_found(op);
}

static void
crs_lists_then_edit_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *v[9];

	if (crs_failed(op, res, 1))
		return;
	if (crs_merge_validate(op, db_value(res, 0)) != 0)
		return;
	if (op->kind == CRS_SCRAPED_UPDATE) {
		v[0] = arena_printf(http_arena(op->req), "%lld", op->id);
		v[1] = op->merged;
		v[2] = op->before;
		v[3] = op->after;
		v[4] = op->changed;
		v[5] = crs_user(op);
		v[6] = http_req_client(op->req);
		v[7] = op->comment;
		v[8] = op->version;
		crs_query(op, "cms_courses.scraped_update", 9, v,
		          crs_scraped_update_done);
		return;
	}
	crs_next(op); /* App course create / update / publish */
}

static void
crs_lists(struct crs_op *op)
{
	crs_query(op, "cms_app_courses.lists", 0, NULL,
	          crs_lists_then_edit_done);
}

/* --- transitions ---------------------------------------------------------- */

static void
crs_mark_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *status;

	if (crs_failed(op, res, 0))
		return;
	status = db_value(res, 0);
	if (status == NULL || strcmp(status, "ok") != 0) {
		http_respond_error(op->req, 409,
		                   "changed concurrently, try again", NULL);
		return;
	}
	http_respond_json_text(op->req, 200, db_value(res, 1));
}

/* The CMS half: the state change and its audit row, from op->state. */
static void
crs_mark(struct crs_op *op)
{
	const char *v[8];

#ifdef LIFTED_TESTING
	if (cms_courses_fail_next_mark) {
		cms_courses_fail_next_mark = 0;
		http_respond_error(op->req, 500,
		                   "simulated failure after the App commit",
		                   NULL);
		return;
	}
#endif
	v[0] = arena_printf(http_arena(op->req), "%lld", op->id);
	v[1] = op->state;
	v[2] = op->t->target;
	v[3] = op->app_id;
	v[4] = arena_printf(http_arena(op->req), "course.%s", op->t->name);
	v[5] = crs_user(op);
	v[6] = http_req_client(op->req);
	v[7] = op->comment;
	crs_query(op, "cms_courses.transition", 8, v, crs_mark_done);
}

static void
crs_app_write_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;

	if (crs_failed(op, res, 1))
		return;
	if (op->t->effect == CMS_WF_PUBLISH) {
		if ((op->app_id = crs_dup(op, db_value(res, 0))) == NULL) {
			http_respond_error(op->req, 500, "internal error",
			                   NULL);
			return;
		}
	} else {
		/* Unpublished: uploads made to the App course itself go. */
		cms_uploads_detach("course", crs_row_str(op, "app_course_id"));
		op->app_id = NULL;
	}
	crs_mark(op);
}

static void
crs_transition_run(struct crs_op *op)
{
	struct arena *a = http_arena(op->req);
	const char *v[4];

	switch (op->t->effect) {
	case CMS_WF_NONE:
		op->app_id = crs_row_str(op, "app_course_id");
		crs_mark(op);
		return;
	case CMS_WF_UNPUBLISH:
		v[0] = arena_printf(a, "cms:%lld", op->id);
		crs_query(op, "cms_app_courses.unpublish", 1, v,
		          crs_app_write_done);
		return;
	case CMS_WF_PUBLISH:
		/* The row must pass the rules: validate it as it is. */
		op->body = NULL;
		crs_lists(op);
		return;
	}
}

/* After validation: the App half of publishing. */
static void
crs_publish(struct crs_op *op)
{
	const char *v[6];

	v[0] = arena_printf(http_arena(op->req), "cms:%lld", op->id);
	v[1] = op->merged;
	v[2] = crs_row_str(op, "spider_name");
	v[3] = "false";
	v[4] = crs_tz();
	v[5] = crs_row_media(op); /* the row's uploads (docs/media.md) */
	crs_query(op, "cms_app_courses.publish", 6, v, crs_app_write_done);
}

/* --- history ---------------------------------------------------------------
 */

static void
crs_history(struct crs_op *op)
{
	const char *v[2];

	v[0] = op->app_target ? "course" : "scraped_course";
	v[1] = arena_printf(http_arena(op->req), "%lld", op->id);
	crs_query(op, "cms_courses.history", 2, v, crs_read_done);
}

/* --- published courses: writes --------------------------------------------
 */

static void
crs_audit_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;

	/* The App change is committed: say so even if the log failed. */
	if (res->pg == NULL)
		log_error("courses: audit row for course %s failed: %s",
		          op->app_id, res->error ? res->error : "error");
	if (op->kind == CRS_APP_DELETE)
		http_respond_bytes(op->req, 200, "application/json", op->merged,
		                   strlen(op->merged));
	else
		http_respond_json_text(
		    op->req, op->kind == CRS_APP_CREATE ? 201 : 200, op->row);
}

static void
crs_app_audit(struct crs_op *op, const char *action, const char *before,
              const char *after)
{
	cJSON *b = before ? cJSON_Parse(before) : NULL;
	cJSON *a = after ? cJSON_Parse(after) : NULL;

	if (cms_audit(op->req, action, "course", op->app_id, b, a, op->comment,
	              crs_audit_done, op) != 0) {
		log_error("courses: audit row for course %s not queued",
		          op->app_id);
		crs_audit_done(&(struct db_result){NULL, "not queued", NULL},
		               op);
	}
}

static void
crs_app_reread_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *v;

	if (res->pg == NULL || (v = db_value(res, 0)) == NULL) {
		/* Written but not re-read: answer what we know. */
		v = arena_printf(http_arena(op->req), "{\"id\": %s}",
		                 op->app_id);
	}
	op->row = crs_dup(op, v);
	if (op->kind == CRS_APP_CREATE)
		crs_app_audit(op, "course.create", NULL, op->row);
	else
		crs_app_audit(op, "course.update", op->before, op->after);
}

static void
crs_app_changed_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *v[2];

	if (crs_failed(op, res, 1))
		return;
	if ((op->app_id = crs_dup(op, db_value(res, 0))) == NULL) {
		/* It was read in scope a moment ago: changed or deleted
		 * since (or the editor's version is old). */
		if (op->kind == CRS_APP_UPDATE)
			http_respond_field_error(
			    op->req, 409,
			    "changed by someone else: reload and edit again",
			    "version", "is not the current version");
		else
			crs_not_found(op);
		return;
	}
	if (op->kind == CRS_APP_DELETE) {
		cms_uploads_detach("course", op->app_id);
		op->merged =
		    arena_printf(http_arena(op->req),
		                 "{\"id\": %s, \"deleted\": true}", op->app_id);
		crs_app_audit(op, "course.delete", op->row, NULL);
		return;
	}
	v[0] = op->app_id;
	v[1] = NULL;
	crs_query(op, "cms_app_courses.get", 2, v, crs_app_reread_done);
}

/* --- the chains ----------------------------------------------------------- */

static void
crs_row_done(const struct db_result *res, void *arg)
{
	struct crs_op *op = arg;
	const char *v;

	if (crs_failed(op, res, op->kind >= CRS_APP_LIST || op->app_target))
		return;
	if ((v = db_value(res, 0)) == NULL) {
		crs_not_found(op);
		return;
	}
	op->row = crs_dup(op, v);
	op->state = crs_row_str(op, "state");
	/* An editor sends the version it loaded; else the one just read. */
	if (op->version == NULL)
		op->version = crs_row_str(op, "version");
	crs_next(op);
}

/* Reads the scraped row or App course op->id within scope. */
static void
crs_read_row(struct crs_op *op, int app)
{
	const char *v[2];

	v[0] = arena_printf(http_arena(op->req), "%lld", op->id);
	v[1] = op->scope;
	crs_query(op, app ? "cms_app_courses.get" : "cms_courses.scraped_get",
	          2, v, crs_row_done);
}

/*
 * The next step of op's chain, from what it holds so far: the scope is
 * known once we get here; the row, merged course and App id follow.
 */
static void
crs_next(struct crs_op *op)
{
	struct arena *a = http_arena(op->req);
	const char *v[13];
	long long pg = 1, ps = 50, n;
	struct http_date d;

	switch (op->kind) {
	case CRS_SCRAPED_LIST:
		v[0] = http_param_str(op->req, "state", &v[0]) && *v[0] ? v[0]
		                                                        : NULL;
		v[1] = http_param_str(op->req, "provider", &v[1]) && *v[1]
		           ? v[1]
		           : NULL;
		v[2] = http_param_str(op->req, "spider", &v[2]) && *v[2] ? v[2]
		                                                         : NULL;
		v[3] =
		    http_param_str(op->req, "q", &v[3]) && *v[3] ? v[3] : NULL;
		http_param_int(op->req, "pg", &pg);
		http_param_int(op->req, "ps", &ps);
		v[4] = arena_printf(a, "%lld", pg);
		v[5] = arena_printf(a, "%lld", ps);
		v[6] = op->scope;
		crs_query(op, "cms_courses.scraped_list", 7, v, crs_read_done);
		return;
	case CRS_SCRAPED_GET:
		v[0] = arena_printf(a, "%lld", op->id);
		v[1] = op->scope;
		crs_query(op, "cms_courses.scraped_get", 2, v, crs_read_done);
		return;
	case CRS_DUPLICATES:
		v[0] = op->scope;
		crs_query(op, "cms_courses.duplicates", 1, v, crs_read_done);
		return;
	case CRS_HISTORY:
		/* A deleted App course keeps its history; only an unlimited
		 * user can read it (its provider is gone with the row). */
		if (op->row == NULL && !(op->app_target && op->scope == NULL))
			crs_read_row(op, op->app_target);
		else
			crs_history(op);
		return;
	case CRS_SCRAPED_UPDATE:
		if (op->row == NULL)
			crs_read_row(op, 0);
		else if (strcmp(op->state, "scraped") != 0 &&
		         strcmp(op->state, "in_review") != 0)
			http_respond_field_error(op->req, 409,
			                         "only scraped or in-review "
			                         "courses can be edited",
			                         "id", op->state);
		else
			crs_lists(op);
		return;
	case CRS_TRANSITION:
		if (op->row == NULL)
			crs_read_row(op, 0);
		else if (op->merged != NULL)
			crs_publish(op);
		else if (!cms_workflow_from(op->t, op->state)) {
			cJSON *f = cJSON_CreateObject();

			cJSON_AddStringToObject(
			    f, "transition",
			    arena_printf(a, "cannot %s a course that is %s",
			                 op->t->name, op->state));
			http_respond_error(op->req, 409,
			                   "not allowed from this state", f);
		} else
			crs_transition_run(op);
		return;
	case CRS_RECONCILE:
		return; /* its own chain: crs_reconcile */
	case CRS_APP_LIST:
		v[0] = http_param_str(op->req, "sort", &v[0]) ? v[0] : "name";
		v[1] = http_param_str(op->req, "order", &v[1]) ? v[1] : "asc";
		v[2] = http_param_str(op->req, "provider", &v[2]) && *v[2]
		           ? v[2]
		           : NULL;
		v[3] = http_param_int(op->req, "level", &n)
		           ? arena_printf(a, "%lld", n)
		           : NULL;
		v[4] = http_param_int(op->req, "format", &n)
		           ? arena_printf(a, "%lld", n)
		           : NULL;
		v[5] = http_param_int(op->req, "category", &n)
		           ? arena_printf(a, "%lld", n)
		           : NULL;
		v[6] = http_param_date(op->req, "from", &d)
		           ? arena_printf(a, "%04d-%02d-%02d", d.year, d.month,
		                          d.day)
		           : NULL;
		v[7] = http_param_date(op->req, "to", &d)
		           ? arena_printf(a, "%04d-%02d-%02d", d.year, d.month,
		                          d.day)
		           : NULL;
		v[8] =
		    http_param_str(op->req, "q", &v[8]) && *v[8] ? v[8] : NULL;
		http_param_int(op->req, "pg", &pg);
		http_param_int(op->req, "ps", &ps);
		v[9] = arena_printf(a, "%lld", pg);
		v[10] = arena_printf(a, "%lld", ps);
		v[11] = op->scope;
		v[12] = crs_tz();
		crs_query(op, "cms_app_courses.list", 13, v, crs_read_done);
		return;
	case CRS_APP_GET:
		v[0] = arena_printf(a, "%lld", op->id);
		v[1] = op->scope;
		crs_query(op, "cms_app_courses.get", 2, v, crs_read_done);
		return;
	case CRS_APP_CREATE:
		if (op->merged == NULL) {
			crs_lists(op);
			return;
		}
		v[0] = NULL;
		v[1] = op->merged;
		v[2] = NULL;
		v[3] = "true";
		v[4] = crs_tz();
		v[5] = NULL; /* no media yet */
		crs_query(op, "cms_app_courses.publish", 6, v,
		          crs_app_changed_done);
		return;
	case CRS_APP_UPDATE:
		if (op->row == NULL)
			crs_read_row(op, 1);
		else if (op->merged == NULL)
			crs_lists(op);
		else {
			v[0] = arena_printf(a, "%lld", op->id);
			v[1] = op->merged;
			v[2] = op->scope;
			v[3] = crs_tz();
			v[4] = op->version;
			crs_query(op, "cms_app_courses.update", 5, v,
			          crs_app_changed_done);
		}
		return;
	case CRS_APP_DELETE:
		if (op->row == NULL)
			crs_read_row(op, 1);
		else {
			v[0] = arena_printf(a, "%lld", op->id);
			v[1] = op->scope;
			crs_query(op, "cms_app_courses.delete", 2, v,
			          crs_app_changed_done);
		}
		return;
	}
}

/* --- handlers ------------------------------------------------------------- */

static int
crs_query_id(struct http_request *req, const char *name, long long *id)
{
	return (http_param_int(req, name, id));
}

static void
crs_scraped_list(struct http_request *req)
{
	crs_start(req, CRS_SCRAPED_LIST, "courses.edit", 0, 0);
}

static void
crs_duplicates(struct http_request *req)
{
	crs_start(req, CRS_DUPLICATES, "courses.edit", 0, 0);
}

static void
crs_get_common(struct http_request *req, enum crs_kind kind)
{
	struct crs_op *op;

	if (cms_require(req, "courses.edit") != 0)
		return;
	if ((op = crs_op_new(req, kind)) == NULL)
		return;
	crs_query_id(req, "id", &op->id);
	crs_scope(op);
}

static void
crs_scraped_get(struct http_request *req)
{
	crs_get_common(req, CRS_SCRAPED_GET);
}

static void
crs_app_get(struct http_request *req)
{
	crs_get_common(req, CRS_APP_GET);
}

static void
crs_history_route(struct http_request *req)
{
	struct crs_op *op;
	long long id;

	if (cms_require(req, "courses.edit") != 0)
		return;
	if ((op = crs_op_new(req, CRS_HISTORY)) == NULL)
		return;
	if (crs_query_id(req, "course_id", &id)) {
		op->id = id;
		op->app_target = 1;
	} else if (crs_query_id(req, "id", &id))
		op->id = id;
	else {
		http_respond_field_error(req, 400, "invalid parameters", "id",
		                         "id or course_id is required");
		return;
	}
	crs_scope(op);
}

static void
crs_scraped_update(struct http_request *req)
{
	crs_start(req, CRS_SCRAPED_UPDATE, "courses.edit", 1, 1);
}

static void
crs_app_list(struct http_request *req)
{
	const char *s;

	if (http_param_str(req, "sort", &s) && strcmp(s, "name") != 0 &&
	    strcmp(s, "provider") != 0 && strcmp(s, "start") != 0 &&
	    strcmp(s, "cost") != 0 && strcmp(s, "cpd") != 0) {
		http_respond_field_error(
		    req, 400, "invalid parameters", "sort",
		    "must be name, provider, start, cost or cpd");
		return;
	}
	if (http_param_str(req, "order", &s) && strcmp(s, "asc") != 0 &&
	    strcmp(s, "desc") != 0) {
		http_respond_field_error(req, 400, "invalid parameters",
		                         "order", "must be asc or desc");
		return;
	}
	crs_start(req, CRS_APP_LIST, "courses.edit", 0, 0);
}

static void
crs_app_create(struct http_request *req)
{
	crs_start(req, CRS_APP_CREATE, "courses.edit", 1, 0);
}

static void
crs_app_update(struct http_request *req)
{
	crs_start(req, CRS_APP_UPDATE, "courses.edit", 1, 1);
}

static void
crs_app_delete(struct http_request *req)
{
	crs_start(req, CRS_APP_DELETE, "courses.edit", 1, 1);
}

/*
 * POST /cms/api/courses/transition: the transition's permission is
 * checked before any row is read, so a refused user learns nothing.
 */
static void
crs_transition(struct http_request *req)
{
	const struct cms_transition *t;
	struct crs_op *op;
	cJSON *o;

	if ((o = cms_json_body(req)) == NULL)
		return;
	t = cms_workflow_find(cms_json_str(o, "transition"));
	cJSON_Delete(o);
	if (t == NULL) {
		http_respond_field_error(req, 400, "invalid input",
		                         "transition",
		                         "must be submit, publish, archive, "
		                         "dismiss or review");
		return;
	}
	if (cms_require(req, t->permission) != 0)
		return;
	if ((op = crs_op_new(req, CRS_TRANSITION)) == NULL)
		return;
	op->t = t;
	if (crs_body(op, 1) != 0)
		return;
	crs_scope(op);
}

/* --- reconcile ------------------------------------------------------------ */

struct crs_reconcile {
	struct http_request *req; /* NULL at start-up */
	long long actor;
};

static void
crs_reconcile_marked(const struct db_result *res, void *arg)
{
	struct crs_reconcile *rc = arg;
	const char *v;

	if (rc->req == NULL) {
		if (res->pg == NULL)
			log_error("courses: start-up reconcile failed: %s",
			          res->error ? res->error : "error");
		else
			/* Always said: tests wait for it. */
			log_info("courses: start-up reconcile done: %s",
			         (v = db_value(res, 0)) != NULL ? v : "?");
		free(rc);
		return;
	}
	if (res->pg == NULL || (v = db_value(res, 0)) == NULL) {
		http_respond_unavailable(rc->req, "database unavailable", 1);
		return;
	}
	http_respond_json_text(rc->req, 200, v);
}

static void
crs_reconcile_refs(const struct db_result *res, void *arg)
{
	struct crs_reconcile *rc = arg;
	const char *v[3], *refs;
	char actor[32];
	int r;

	if (res->pg == NULL || (refs = db_value(res, 0)) == NULL) {
		if (rc->req != NULL)
			http_respond_unavailable(
			    rc->req, "the App database is unavailable", 1);
		else {
			log_error("courses: start-up reconcile: %s",
			          res->error ? res->error : "no answer");
			free(rc);
		}
		return;
	}
	snprintf(actor, sizeof(actor), "%lld", rc->actor);
	v[0] = refs;
	v[1] = rc->req != NULL ? actor : NULL;
	v[2] = rc->req != NULL ? http_req_client(rc->req) : NULL;
	r = router_query(crs_router(), "cms_courses.reconcile", 3, v,
	                 crs_reconcile_marked, rc);
	if (r != DB_OK) {
		if (rc->req != NULL)
			http_respond_unavailable(rc->req,
			                         "database unavailable", 1);
		else
			free(rc);
	}
}

/* Starts a reconcile; rc is the request's (arena) or malloc'd (start). */
static int
crs_reconcile_run(struct crs_reconcile *rc)
{
	return (router_query(crs_router(), "cms_app_courses.refs", 0, NULL,
	                     crs_reconcile_refs, rc));
}

static void
crs_reconcile(struct http_request *req)
{
	struct crs_reconcile *rc;

	if (cms_require(req, "courses.publish") != 0)
		return;
	if ((rc = arena_alloc(http_arena(req), sizeof(*rc))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	rc->req = req;
	rc->actor = cms_session(req)->user_id;
	if (crs_reconcile_run(rc) != DB_OK)
		http_respond_unavailable(req, "database unavailable", 1);
}

/* Start-up: worker 1 waits (up to a minute) for both databases. */
static struct event *crs_start_ev;
static int crs_start_tries;

static void
crs_start_tick(evutil_socket_t fd, short what, void *arg)
{
	struct crs_reconcile *rc;
	struct timeval tv = {0, 500000};

	(void)fd;
	(void)what;
	(void)arg;
	if (!router_ready(crs_router(), ROUTER_DB_APP) ||
	    !router_ready(crs_router(), ROUTER_DB_CMS)) {
		if (++crs_start_tries < 120)
			evtimer_add(crs_start_ev, &tv);
		else
			log_error("courses: no start-up reconcile: a "
			          "database is not up");
		return;
	}
	if ((rc = calloc(1, sizeof(*rc))) == NULL)
		return;
	if (crs_reconcile_run(rc) != DB_OK)
		free(rc);
}

/* --- providers ------------------------------------------------------------ */

static void
crs_providers(struct http_request *req)
{
	struct crs_op *op;
	const char *v[1];

	if (cms_require(req, "courses.edit") != 0)
		return;
	if (!http_param_str(req, "q", &v[0]))
		v[0] = NULL;
	if ((op = crs_op_new(req, CRS_SCRAPED_LIST)) == NULL)
		return;
	crs_query(op, "cms_courses.providers_find", 1, v, crs_read_done);
}

static void
crs_provider_created(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;

	if (res->pg == NULL) {
		if (res->sqlstate != NULL &&
		    strcmp(res->sqlstate, "23505") == 0)
			http_respond_field_error(req, 409, "already exists",
			                         "name", "is already taken");
		else
			http_respond_unavailable(req, "database unavailable",
			                         1);
		return;
	}
	http_respond_json_text(req, 201, db_value(res, 0));
}

static void
crs_provider_create(struct http_request *req)
{
	struct arena *a = http_arena(req);
	const cJSON *name, *aliases, *it;
	cJSON *o, *errs;
	const char *v[4];
	char *p;

	if (cms_require(req, "courses.edit") != 0)
		return;
	if ((o = cms_json_body(req)) == NULL)
		return;
	errs = cJSON_CreateObject();
	name = cJSON_GetObjectItemCaseSensitive(o, "name");
	aliases = cJSON_GetObjectItemCaseSensitive(o, "aliases");
	if (!cJSON_IsString(name) ||
	    strspn(name->valuestring, " \t") == strlen(name->valuestring) ||
	    strlen(name->valuestring) > 200)
		cJSON_AddStringToObject(errs, "name",
		                        "must be 1 to 200 characters");
	if (aliases != NULL && !cJSON_IsNull(aliases)) {
		if (!cJSON_IsArray(aliases) || cJSON_GetArraySize(aliases) > 50)
			cJSON_AddStringToObject(errs, "aliases",
			                        "must be a list of names");
		else
			cJSON_ArrayForEach(it, aliases)
			{
				if (!cJSON_IsString(it) ||
				    it->valuestring[0] == '\0' ||
				    strlen(it->valuestring) > 200) {
					cJSON_AddStringToObject(
					    errs, "aliases",
					    "must be a list of names");
					break;
				}
			}
	}
	if (cJSON_GetArraySize(errs) > 0) {
		cJSON_Delete(o);
		http_respond_error(req, 400, "invalid input", errs);
		return;
	}
	cJSON_Delete(errs);
	v[0] = arena_strdup(a, name->valuestring);
	p = cJSON_IsArray(aliases) ? cJSON_PrintUnformatted(aliases) : NULL;
	v[1] = p != NULL ? arena_strdup(a, p) : "[]";
	free(p);
	cJSON_Delete(o);
	v[2] = arena_printf(a, "%lld", cms_session(req)->user_id);
	v[3] = http_req_client(req);
	if (router_query(crs_router(), "cms_courses.provider_create", 4, v,
	                 crs_provider_created, req) != DB_OK)
		http_respond_unavailable(req, "database unavailable", 1);
}

/* GET /cms/api/courses/lists: levels, formats and category tags. */
static void
crs_editor_lists(struct http_request *req)
{
	struct crs_op *op;

	if (cms_require(req, "courses.edit") != 0)
		return;
	if ((op = crs_op_new(req, CRS_APP_LIST)) == NULL)
		return;
	crs_query(op, "cms_app_courses.editor_lists", 0, NULL, crs_read_done);
}

/* --- workflow --------------------------------------------------------------
 */

static void
crs_workflow(struct http_request *req)
{
	const struct cms_transition *t;
	cJSON *o, *arr, *tr, *from;
	char *dot;
	size_t i, j;
	int n;

	o = cJSON_CreateObject();
	arr = cJSON_AddArrayToObject(o, "states");
	for (i = 0; cms_workflow_states[i] != NULL; i++)
		cJSON_AddItemToArray(
		    arr, cJSON_CreateString(cms_workflow_states[i]));
	arr = cJSON_AddArrayToObject(o, "transitions");
	for (i = 0; i < cms_workflow_len; i++) {
		t = &cms_workflow[i];
		tr = cJSON_CreateObject();
		cJSON_AddStringToObject(tr, "name", t->name);
		cJSON_AddStringToObject(tr, "label", t->label);
		from = cJSON_AddArrayToObject(tr, "from");
		for (j = 0; t->sources[j] != NULL; j++)
			cJSON_AddItemToArray(from,
			                     cJSON_CreateString(t->sources[j]));
		cJSON_AddStringToObject(tr, "to", t->target);
		cJSON_AddStringToObject(tr, "permission", t->permission);
		cJSON_AddItemToArray(arr, tr);
	}
	n = cms_workflow_dot(NULL, 0);
	if ((dot = arena_alloc(http_arena(req), (size_t)n + 1)) != NULL) {
		cms_workflow_dot(dot, (size_t)n + 1);
		cJSON_AddStringToObject(o, "dot", dot);
	}
	http_respond_json(req, 200, o);
}

/* --- routes ----------------------------------------------------------------
 */

static const struct http_param id_params[] = {
    {"id", PARAM_EXACT, PARAM_INT, 1, CRS_MAX_ID, 1, 0},
};

static const struct http_param history_params[] = {
    {"id", PARAM_EXACT, PARAM_INT, 1, CRS_MAX_ID, 0, 0},
    {"course_id", PARAM_EXACT, PARAM_INT, 1, CRS_MAX_ID, 0, 0},
};

static const struct http_param scraped_list_params[] = {
    {"state", PARAM_EXACT, PARAM_STRING, 0, 20, 0, 0},
    {"provider", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"spider", PARAM_EXACT, PARAM_STRING, 0, 100, 0, 0},
    {"q", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"pg", PARAM_EXACT, PARAM_INT, 1, 1000000, 0, 0},
    {"ps", PARAM_EXACT, PARAM_INT, 1, 200, 0, 0},
};

static const struct http_param app_list_params[] = {
    {"sort", PARAM_EXACT, PARAM_STRING, 1, 20, 0, 0},
    {"order", PARAM_EXACT, PARAM_STRING, 1, 4, 0, 0},
    {"provider", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"level", PARAM_EXACT, PARAM_INT, 1, 2147483647, 0, 0},
    {"format", PARAM_EXACT, PARAM_INT, 1, 2147483647, 0, 0},
    {"category", PARAM_EXACT, PARAM_INT, 1, 2147483647, 0, 0},
    {"from", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"to", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"q", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"pg", PARAM_EXACT, PARAM_INT, 1, 1000000, 0, 0},
    {"ps", PARAM_EXACT, PARAM_INT, 1, 200, 0, 0},
};

static const struct http_param providers_params[] = {
    {"q", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
};

static const struct http_route crs_routes[] = {
    {HTTP_GET, "/cms/api/courses", crs_app_list, HTTP_PARAMS(app_list_params)},
    {HTTP_GET, "/cms/api/courses/get", crs_app_get, HTTP_PARAMS(id_params)},
    {HTTP_POST, "/cms/api/courses/create", crs_app_create, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/courses/update", crs_app_update, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/courses/delete", crs_app_delete, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/courses/scraped", crs_scraped_list,
     HTTP_PARAMS(scraped_list_params)},
    {HTTP_GET, "/cms/api/courses/scraped/get", crs_scraped_get,
     HTTP_PARAMS(id_params)},
    {HTTP_POST, "/cms/api/courses/scraped/update", crs_scraped_update,
     HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/courses/transition", crs_transition, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/courses/history", crs_history_route,
     HTTP_PARAMS(history_params)},
    {HTTP_GET, "/cms/api/courses/duplicates", crs_duplicates, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/courses/reconcile", crs_reconcile, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/courses/workflow", crs_workflow, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/courses/lists", crs_editor_lists, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/providers", crs_providers,
     HTTP_PARAMS(providers_params)},
    {HTTP_POST, "/cms/api/providers/create", crs_provider_create,
     HTTP_NO_PARAMS},
#ifdef LIFTED_TESTING
    {HTTP_POST, "/test/courses/fail-next-mark", test_course_fail_next_mark,
     HTTP_NO_PARAMS},
#endif
};

int
cms_courses_mount(struct worker *w)
{
	struct timeval tv = {0, 200000};

	if (http_server_add_routes(w->http, crs_routes,
	                           sizeof(crs_routes) /
	                               sizeof(crs_routes[0])) != 0)
		return (-1);
	/* One reconcile per deployment start is enough: worker 1's. */
	if (w->id == 1) {
		crs_start_ev = evtimer_new(w->base, crs_start_tick, NULL);
		if (crs_start_ev == NULL)
			return (-1);
		evtimer_add(crs_start_ev, &tv);
	}
	return (0);
}

void
cms_courses_fini(struct worker *w)
{
	(void)w;
	if (crs_start_ev != NULL) {
		event_free(crs_start_ev);
		crs_start_ev = NULL;
	}
}
