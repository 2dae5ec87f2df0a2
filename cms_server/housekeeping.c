/*
 * Scheduled housekeeping (housekeeping.h; docs/housekeeping.md).
 *
 * A run is a chain of router statements on one heap-allocated struct
 * hk_run, like a request's, but owned by this module: a scheduled run
 * has no request, a manual one answers its request at the end.
 *
 *   claim      one UPDATE moves next_run_at forward, sets the lease
 *              (running_until) and numbers the run; a task claimed by
 *              another worker, or still running, is not returned, so it
 *              never runs twice at once (FOR UPDATE SKIP LOCKED for the
 *              timer: a worker never waits on another's claim).
 *   batches    one DELETE of at most HK_BATCH rows per round trip, until
 *              a batch comes back short or the run has done
 *              HK_MAX_BATCHES (the rest is left for the next tick:
 *              next_run_at is set to now).  No statement holds its locks
 *              for long, whatever the backlog.
 *   uploads    a batch of orphaned rows (id order, after a cursor); their
 *              stored objects are deleted on the task pool (blocking
 *              calls never run on the loop); the rows whose object is
 *              gone (deleted, or already missing) are deleted, re-checking
 *              that they are still orphaned; a failed storage delete
 *              keeps its row for the next run.
 *   strays     the keys of objects under the upload prefixes older than
 *              keep_s are listed on the task pool (at most HK_STRAY_MAX
 *              per run); those no uploads row names, a thousand per round
 *              trip, are deleted on the task pool.  Only keys of the
 *              uploads' own shape are considered, so nothing else kept in
 *              the same storage (backups) is ever touched.
 *   finish     one statement writes last_result, clears the lease (only
 *              if this run still holds it: runs must match) and inserts
 *              the audit row, actor "system".
 *
 * On shutdown (cms_housekeeping_fini) the timer stops and nothing new is
 * sent; callbacks still to come (the pools fail their queries, the task
 * pool runs its done callbacks) only free their run.  A run abandoned so
 * keeps its lease until it expires.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>

#include "arena.h"
#include "db.h"
#include "housekeeping.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "storage.h"
#include "task.h"

#define HK_PERMISSION         "users.manage"
#define HK_BATCH              1000 /* rows per DELETE */
#define HK_MAX_BATCHES        100  /* per run; the rest next tick */
#define HK_UPLOAD_BATCH       100  /* orphaned uploads per round */
#define HK_UPLOAD_MAX_BATCHES 20
#define HK_STRAY_MAX          200000 /* old keys looked up per run */
#define HK_STRAY_CHUNK        1000   /* keys per look-up */
#define HK_PREFIX             "/cms/api/housekeeping/"
#define HK_NAME_MAX           32
#define HK_ERR_MAX            256

enum hk_kind {
	HK_ROWS,    /* batch deletes only */
	HK_UPLOADS, /* storage objects, then rows */
	HK_STRAYS,  /* storage objects without rows */
};

struct hk_task {
	const char *name; /* housekeeping_tasks.name */
	enum hk_kind kind;
	const char *stmt;   /* HK_ROWS: the batch delete */
	int session_limits; /* stmt also takes the session idle/max limits */
};

static const struct hk_task hk_tasks[] = {
    {"sessions", HK_ROWS, "housekeeping.delete_sessions", 1},
    {"login_attempts", HK_ROWS, "housekeeping.delete_login_attempts", 0},
    {"job_logs", HK_ROWS, "housekeeping.delete_job_logs", 0},
    {"uploads", HK_UPLOADS, NULL, 0},
    {"stray_objects", HK_STRAYS, NULL, 0},
};

/* Where uploads keep their objects (0006_uploads.sql). */
static const char *const hk_upload_prefixes[] = {"brochure/", "logo/"};

#define HK_NTASKS (sizeof(hk_tasks) / sizeof(hk_tasks[0]))

/* One orphaned upload of the current batch. */
struct hk_upload {
	char *id;  /* uploads.id, as text */
	char *key; /* uploads.storage_key */
	enum storage_result res;
};

struct hk_run {
	const struct hk_task *task;
	struct http_request *req; /* manual run; NULL when scheduled */
	char *comment;            /* audit comment (owned) */
	char *client;             /* audit client (owned), or NULL */
	char runs[24];            /* the claim's number */
	char keep_s[16];
	struct timespec t0;
	long long deleted;
	long long batches;
	long long objects_deleted;
	long long objects_missing;
	long long failed; /* storage deletes that failed */
	int more;         /* stopped at the batch limit */
	char error[HK_ERR_MAX];
	/* HK_UPLOADS, HK_STRAYS: the batch of objects to delete */
	char cursor[24];
	struct hk_upload *ups;
	size_t nups;
	/* HK_STRAYS: old keys listed, the next to look up */
	char **keys;
	size_t nkeys, capkeys, pos;
	long long cutoff; /* unix s: older objects are candidates */
};

static struct {
	const struct settings *settings;
	struct event *tick;
	struct storage *storage;
	int claiming;   /* a claim_due query is out */
	int stopping;   /* fini ran: send nothing more */
	size_t in_pool; /* storage tasks not yet done */
} hk;

static void hk_step(struct hk_run *run);
static void hk_finish(struct hk_run *run);
static int hk_pool_back(struct hk_run *run);
static int hk_submit(struct hk_run *run, void (*work)(void *),
                     void (*done)(void *));

/* --- runs --------------------------------------------------------------- */

static const struct hk_task *
hk_task_find(const char *name)
{
	size_t i;

	for (i = 0; i < HK_NTASKS; i++)
		if (strcmp(hk_tasks[i].name, name) == 0)
			return (&hk_tasks[i]);
	return (NULL);
}

static void
hk_ups_free(struct hk_run *run)
{
	size_t i;

	for (i = 0; i < run->nups; i++) {
		free(run->ups[i].id);
		free(run->ups[i].key);
	}
	free(run->ups);
	run->ups = NULL;
	run->nups = 0;
}

/* Caller frees with hk_run_free.  comment and client are copied. */
static struct hk_run *
hk_run_new(const struct hk_task *task, struct http_request *req,
           const char *comment, const char *client)
{
	struct hk_run *run;

	if ((run = calloc(1, sizeof(*run))) == NULL)
		return (NULL);
	run->task = task;
	run->req = req;
	run->comment = strdup(comment);
	run->client = client != NULL ? strdup(client) : NULL;
	if (run->comment == NULL || (client != NULL && run->client == NULL)) {
		free(run->comment);
		free(run->client);
		free(run);
		return (NULL);
	}
	strcpy(run->cursor, "0");
	clock_gettime(CLOCK_MONOTONIC, &run->t0);
	return (run);
}

static void
hk_run_free(struct hk_run *run)
{
	hk_ups_free(run);
	while (run->nkeys > 0)
		free(run->keys[--run->nkeys]);
	free(run->keys);
	free(run->comment);
	free(run->client);
	free(run);
}

static void
hk_fail(struct hk_run *run, const char *what, const struct db_result *res)
{
	snprintf(run->error, sizeof(run->error), "%s: %s", what,
	         res != NULL && res->error != NULL ? res->error : "failed");
	log_error("housekeeping %s: %s", run->task->name, run->error);
	hk_finish(run);
}

/* Sends a statement of the run; on refusal the run fails at once. */
static void
hk_query(struct hk_run *run, const char *stmt, int n, const char *const *v,
         db_result_cb cb)
{
	int rc;

	rc = router_query(service_get()->router, stmt, n, v, cb, run);
	if (rc == DB_OK)
		return;
	snprintf(run->error, sizeof(run->error), "%s: %s", stmt,
	         rc == DB_QUEUE_FULL ? "database busy"
	                             : "database unavailable");
	log_error("housekeeping %s: %s", run->task->name, run->error);
	/* The finish statement itself was refused: give up. */
	if (strcmp(stmt, "housekeeping.finish") == 0) {
		if (run->req != NULL)
			http_respond_unavailable(run->req, run->error, 1);
		hk_run_free(run);
		return;
	}
	hk_finish(run);
}

/* --- finishing -------------------------------------------------------- */

static cJSON *
hk_result_json(const struct hk_run *run)
{
	struct timespec t1;
	cJSON *o;
	double ms;

	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - run->t0.tv_sec) * 1e3 +
	     (double)(t1.tv_nsec - run->t0.tv_nsec) / 1e6;
	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddNumberToObject(o, "deleted", (double)run->deleted);
	if (run->task->kind == HK_STRAYS)
		cJSON_AddNumberToObject(o, "checked", (double)run->nkeys);
	if (run->task->kind != HK_ROWS) {
		cJSON_AddNumberToObject(o, "objects_deleted",
		                        (double)run->objects_deleted);
		cJSON_AddNumberToObject(o, "objects_missing",
		                        (double)run->objects_missing);
		cJSON_AddNumberToObject(o, "failed", (double)run->failed);
	}
	cJSON_AddNumberToObject(o, "batches", (double)run->batches);
	cJSON_AddBoolToObject(o, "more", run->more);
	cJSON_AddNumberToObject(o, "ms", (double)(long long)(ms * 10) / 10);
	cJSON_AddStringToObject(o, "trigger",
	                        run->req != NULL ? "manual" : "schedule");
	if (run->error[0] != '\0')
		cJSON_AddStringToObject(o, "error", run->error);
	return (o);
}

static void
hk_finish_done(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;
	cJSON *body, *result;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if (res->pg == NULL)
		log_error("housekeeping %s: recording the run: %s",
		          run->task->name, res->error ? res->error : "failed");
	else
		log_info("housekeeping %s: %lld deleted in %lld batches%s%s",
		         run->task->name, run->deleted, run->batches,
		         run->error[0] != '\0' ? ", error: " : "", run->error);
	if (run->req != NULL) {
		if (res->pg == NULL) {
			http_respond_unavailable(run->req,
			                         "could not record the run", 1);
		} else if (run->error[0] != '\0') {
			body = cJSON_CreateObject();
			cJSON_AddStringToObject(body, "error",
			                        "housekeeping run failed");
			cJSON_AddStringToObject(body, "task", run->task->name);
			if ((result = hk_result_json(run)) != NULL)
				cJSON_AddItemToObject(body, "result", result);
			http_add_header(run->req, "Retry-After", "1");
			http_respond_json(run->req, 503, body);
		} else {
			body = cJSON_CreateObject();
			cJSON_AddStringToObject(body, "task", run->task->name);
			if ((result = hk_result_json(run)) != NULL)
				cJSON_AddItemToObject(body, "result", result);
			http_respond_json(run->req, 200, body);
		}
	}
	hk_run_free(run);
}

static void
hk_finish(struct hk_run *run)
{
	const char *v[6];
	cJSON *o;
	char *text;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	o = hk_result_json(run);
	text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (text == NULL) {
		log_error("housekeeping %s: out of memory", run->task->name);
		if (run->req != NULL)
			http_respond_unavailable(run->req, "out of memory", 1);
		hk_run_free(run);
		return;
	}
	v[0] = run->task->name;
	v[1] = text;
	v[2] = run->client;
	v[3] = run->comment;
	/* Strays list from the start each run: going again at once would
	 * find the same keys, so they wait for their interval. */
	v[4] = run->more && run->task->kind != HK_STRAYS ? "true" : "false";
	v[5] = run->runs;
	hk_query(run, "housekeeping.finish", 6, v, hk_finish_done);
	free(text);
}

/* --- row tasks ------------------------------------------------------------ */

/* The count of a "SELECT count(*) FROM d" statement, or -1. */
static long long
hk_count(const struct db_result *res)
{
	if (res->pg == NULL || PQntuples(res->pg) != 1 ||
	    PQgetisnull(res->pg, 0, 0))
		return (-1);
	return (strtoll(PQgetvalue(res->pg, 0, 0), NULL, 10));
}

static void
hk_rows_done(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;
	long long n;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if ((n = hk_count(res)) < 0) {
		hk_fail(run, "delete", res);
		return;
	}
	run->deleted += n;
	run->batches++;
	if (n < HK_BATCH) {
		hk_finish(run);
		return;
	}
	hk_step(run);
}

static void
hk_rows_step(struct hk_run *run)
{
	char batch[16], idle[16], max[16];
	const char *v[4];

	snprintf(batch, sizeof(batch), "%d", HK_BATCH);
	snprintf(idle, sizeof(idle), "%d", hk.settings->session_idle_s);
	snprintf(max, sizeof(max), "%d", hk.settings->session_max_s);
	v[0] = run->keep_s;
	v[1] = batch;
	v[2] = idle;
	v[3] = max;
	hk_query(run, run->task->stmt, run->task->session_limits ? 4 : 2, v,
	         hk_rows_done);
}

/* --- uploads -------------------------------------------------------------- */

/* Pool thread: touches only the run's batch and the storage (thread-safe
 * after open). */
static void
hk_storage_work(void *arg)
{
	struct hk_run *run = arg;
	char err[256];
	size_t i;

	for (i = 0; i < run->nups; i++) {
		run->ups[i].res = storage_delete(hk.storage, run->ups[i].key,
		                                 err, sizeof(err));
		if (run->ups[i].res != STORAGE_OK &&
		    run->ups[i].res != STORAGE_NOT_FOUND)
			log_warn("housekeeping uploads: deleting %s: %s",
			         run->ups[i].key, err);
	}
}

static void
hk_uploads_deleted(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;
	size_t full;
	long long n;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if ((n = hk_count(res)) < 0) {
		hk_fail(run, "delete uploads", res);
		return;
	}
	run->deleted += n;
	full = run->nups;
	hk_ups_free(run);
	run->batches++;
	if (full < HK_UPLOAD_BATCH) {
		hk_finish(run);
		return;
	}
	hk_step(run);
}

/* Loop thread, after hk_storage_work: deletes the rows whose object is
 * gone. */
static void
hk_storage_done(void *arg)
{
	struct hk_run *run = arg;
	const char *v[2];
	size_t i, len = 3, ngone = 0;
	char *ids, *p;

	if (hk_pool_back(run))
		return;
	for (i = 0; i < run->nups; i++) {
		len += strlen(run->ups[i].id) + 1;
		if (run->ups[i].res == STORAGE_OK)
			run->objects_deleted++;
		else if (run->ups[i].res == STORAGE_NOT_FOUND)
			run->objects_missing++;
		else
			run->failed++;
	}
	if ((ids = malloc(len)) == NULL) {
		snprintf(run->error, sizeof(run->error), "out of memory");
		hk_finish(run);
		return;
	}
	p = ids;
	*p++ = '{';
	for (i = 0; i < run->nups; i++) {
		if (run->ups[i].res != STORAGE_OK &&
		    run->ups[i].res != STORAGE_NOT_FOUND)
			continue;
		p += sprintf(p, "%s%s", ngone ? "," : "", run->ups[i].id);
		ngone++;
	}
	*p++ = '}';
	*p = '\0';
	v[0] = ids;
	v[1] = run->keep_s;
	hk_query(run, "housekeeping.uploads_delete", 2, v, hk_uploads_deleted);
	free(ids);
}

static void
hk_orphans_done(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;
	size_t i, n;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if (res->pg == NULL || PQnfields(res->pg) != 2) {
		hk_fail(run, "orphaned uploads", res);
		return;
	}
	n = (size_t)PQntuples(res->pg);
	if (n == 0) {
		hk_finish(run);
		return;
	}
	if ((run->ups = calloc(n, sizeof(*run->ups))) == NULL) {
		snprintf(run->error, sizeof(run->error), "out of memory");
		hk_finish(run);
		return;
	}
	for (i = 0; i < n; i++) {
		run->ups[i].id = strdup(PQgetvalue(res->pg, (int)i, 0));
		run->ups[i].key = strdup(PQgetvalue(res->pg, (int)i, 1));
		run->nups++;
		if (run->ups[i].id == NULL || run->ups[i].key == NULL) {
			snprintf(run->error, sizeof(run->error),
			         "out of memory");
			hk_ups_free(run);
			hk_finish(run);
			return;
		}
	}
	/* Ids come in order: the next batch starts after the last. */
	snprintf(run->cursor, sizeof(run->cursor), "%s", run->ups[n - 1].id);
	if (hk_submit(run, hk_storage_work, hk_storage_done) != 0) {
		hk_ups_free(run);
		hk_finish(run);
	}
}

static void
hk_uploads_step(struct hk_run *run)
{
	char batch[16];
	const char *v[3];

	if (hk.storage == NULL) {
		snprintf(run->error, sizeof(run->error), "storage unavailable");
		hk_finish(run);
		return;
	}
	snprintf(batch, sizeof(batch), "%d", HK_UPLOAD_BATCH);
	v[0] = run->keep_s;
	v[1] = batch;
	v[2] = run->cursor;
	hk_query(run, "housekeeping.uploads_orphans", 3, v, hk_orphans_done);
}

/* --- stray objects ------------------------------------------------------- */

/* The shape of an upload's key: (brochure|logo)/<32 hex>.(pdf|png|jpg|webp). */
static int
hk_upload_key(const char *key)
{
	static const char *const exts[] = {".pdf", ".png", ".jpg", ".webp"};
	const char *p;
	size_t i;

	if (strncmp(key, "brochure/", 9) == 0)
		p = key + 9;
	else if (strncmp(key, "logo/", 5) == 0)
		p = key + 5;
	else
		return (0);
	for (i = 0; i < 32; i++, p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return (0);
	for (i = 0; i < sizeof(exts) / sizeof(exts[0]); i++)
		if (strcmp(p, exts[i]) == 0)
			return (1);
	return (0);
}

/* storage_list callback (pool thread): keeps old keys of upload shape. */
static int
hk_stray_seen(const char *key, long long mtime, void *arg)
{
	struct hk_run *run = arg;
	char **nk;
	size_t cap;

	if (mtime >= run->cutoff || !hk_upload_key(key))
		return (0);
	if (run->nkeys == HK_STRAY_MAX) {
		run->more = 1;
		return (1);
	}
	if (run->nkeys == run->capkeys) {
		cap = run->capkeys ? run->capkeys * 2 : 256;
		if ((nk = realloc(run->keys, cap * sizeof(*nk))) == NULL)
			return (1);
		run->keys = nk;
		run->capkeys = cap;
	}
	if ((run->keys[run->nkeys] = strdup(key)) == NULL)
		return (1);
	run->nkeys++;
	return (0);
}

/* Pool thread: lists the upload prefixes. */
static void
hk_strays_list(void *arg)
{
	struct hk_run *run = arg;
	char err[HK_ERR_MAX - 32];
	size_t i;

	for (i = 0;
	     i < sizeof(hk_upload_prefixes) / sizeof(*hk_upload_prefixes);
	     i++) {
		if (storage_list(hk.storage, hk_upload_prefixes[i],
		                 hk_stray_seen, run, err,
		                 sizeof(err)) != STORAGE_OK) {
			snprintf(run->error, sizeof(run->error),
			         "listing storage: %s", err);
			return;
		}
		if (run->more)
			return;
	}
}

/* A storage task came back on the loop: 1 when the worker is stopping
 * (the run is freed and must not be used). */
static int
hk_pool_back(struct hk_run *run)
{
	hk.in_pool--;
	if (!hk.stopping)
		return (0);
	hk_run_free(run);
	if (hk.in_pool == 0 && hk.storage != NULL) {
		storage_free(hk.storage);
		hk.storage = NULL;
	}
	return (1);
}

static int
hk_submit(struct hk_run *run, void (*work)(void *), void (*done)(void *))
{
	if (task_pool_submit(service_get()->tasks, work, done, run) != 0) {
		snprintf(run->error, sizeof(run->error), "task pool busy");
		return (-1);
	}
	hk.in_pool++;
	return (0);
}

static void hk_strays_next(struct hk_run *run);

/* Loop thread, after hk_storage_work on the strays of one chunk. */
static void
hk_strays_deleted(void *arg)
{
	struct hk_run *run = arg;
	size_t i;

	if (hk_pool_back(run))
		return;
	for (i = 0; i < run->nups; i++) {
		if (run->ups[i].res == STORAGE_OK) {
			run->objects_deleted++;
			run->deleted++;
		} else if (run->ups[i].res == STORAGE_NOT_FOUND)
			run->objects_missing++;
		else
			run->failed++;
	}
	hk_ups_free(run);
	hk_strays_next(run);
}

static void
hk_strays_checked(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;
	size_t i, n;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if (res->pg == NULL || PQnfields(res->pg) != 1) {
		hk_fail(run, "looking up stored objects", res);
		return;
	}
	run->batches++;
	if ((n = (size_t)PQntuples(res->pg)) == 0) {
		hk_strays_next(run);
		return;
	}
	if ((run->ups = calloc(n, sizeof(*run->ups))) == NULL) {
		snprintf(run->error, sizeof(run->error), "out of memory");
		hk_finish(run);
		return;
	}
	for (i = 0; i < n; i++) {
		if ((run->ups[i].key =
		         strdup(PQgetvalue(res->pg, (int)i, 0))) == NULL) {
			hk_ups_free(run);
			snprintf(run->error, sizeof(run->error),
			         "out of memory");
			hk_finish(run);
			return;
		}
		run->nups++;
	}
	if (hk_submit(run, hk_storage_work, hk_strays_deleted) != 0) {
		hk_ups_free(run);
		hk_finish(run);
	}
}

/* Looks up the next chunk of listed keys, or finishes. */
static void
hk_strays_next(struct hk_run *run)
{
	size_t i, end, len = 3;
	const char *v[1];
	char *arr, *p;

	if (run->pos >= run->nkeys) {
		hk_finish(run);
		return;
	}
	end = run->pos + HK_STRAY_CHUNK;
	if (end > run->nkeys)
		end = run->nkeys;
	for (i = run->pos; i < end; i++)
		len += strlen(run->keys[i]) + 3;
	if ((arr = malloc(len)) == NULL) {
		snprintf(run->error, sizeof(run->error), "out of memory");
		hk_finish(run);
		return;
	}
	/* Keys are [a-z0-9./] (hk_upload_key): no quoting needed inside
	 * the double quotes of the array literal. */
	p = arr;
	*p++ = '{';
	for (i = run->pos; i < end; i++)
		p += sprintf(p, "%s\"%s\"", i > run->pos ? "," : "",
		             run->keys[i]);
	*p++ = '}';
	*p = '\0';
	run->pos = end;
	v[0] = arr;
	hk_query(run, "housekeeping.strays_check", 1, v, hk_strays_checked);
	free(arr);
}

static void
hk_strays_listed(void *arg)
{
	struct hk_run *run = arg;

	if (hk_pool_back(run))
		return;
	if (run->error[0] != '\0') {
		log_error("housekeeping %s: %s", run->task->name, run->error);
		hk_finish(run);
		return;
	}
	hk_strays_next(run);
}

static void
hk_strays_step(struct hk_run *run)
{
	if (hk.storage == NULL) {
		snprintf(run->error, sizeof(run->error), "storage unavailable");
		hk_finish(run);
		return;
	}
	run->cutoff = (long long)time(NULL) - strtoll(run->keep_s, NULL, 10);
	if (hk_submit(run, hk_strays_list, hk_strays_listed) != 0)
		hk_finish(run);
}

/* The next round of a claimed run. */
static void
hk_step(struct hk_run *run)
{
	long long max = run->task->kind == HK_UPLOADS ? HK_UPLOAD_MAX_BATCHES
	                                              : HK_MAX_BATCHES;

	if (run->task->kind == HK_STRAYS) {
		hk_strays_step(run);
		return;
	}
	if (run->batches >= max) {
		run->more = 1;
		hk_finish(run);
		return;
	}
	if (run->task->kind == HK_UPLOADS)
		hk_uploads_step(run);
	else
		hk_rows_step(run);
}

/* A claim's row (name, keep_s, runs) into run. */
static void
hk_claimed(struct hk_run *run, const PGresult *pg, int row)
{
	snprintf(run->keep_s, sizeof(run->keep_s), "%s",
	         PQgetvalue(pg, row, 1));
	snprintf(run->runs, sizeof(run->runs), "%s", PQgetvalue(pg, row, 2));
}

/* --- the timer -------------------------------------------------------- */

static void
hk_claim_due_done(const struct db_result *res, void *arg)
{
	const struct hk_task *task;
	struct hk_run *run;
	int i, n;

	(void)arg;
	hk.claiming = 0;
	if (hk.stopping)
		return;
	if (res->pg == NULL || PQnfields(res->pg) != 3) {
		log_warn("housekeeping: looking for due tasks: %s",
		         res->error ? res->error : "failed");
		return;
	}
	n = PQntuples(res->pg);
	for (i = 0; i < n; i++) {
		if ((task = hk_task_find(PQgetvalue(res->pg, i, 0))) == NULL)
			continue;
		/* Out of memory: the claim's lease expires, the task runs
		 * again later. */
		if ((run = hk_run_new(task, NULL, "scheduled", NULL)) == NULL)
			continue;
		hk_claimed(run, res->pg, i);
		hk_step(run);
	}
}

static void
hk_tick(evutil_socket_t fd, short what, void *arg)
{
	struct router *r = service_get()->router;

	(void)fd;
	(void)what;
	(void)arg;
	if (hk.stopping || hk.claiming || !router_ready(r, ROUTER_DB_CMS))
		return;
	if (router_query(r, "housekeeping.claim_due", 0, NULL,
	                 hk_claim_due_done, NULL) == DB_OK)
		hk.claiming = 1;
}

/* --- routes ----------------------------------------------------------- */

static void
hk_list_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	const char *text;

	if (res->pg == NULL) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	if (PQntuples(res->pg) != 1 || PQgetisnull(res->pg, 0, 0)) {
		http_respond_error(req, 500, "internal error", NULL);
		return;
	}
	text = PQgetvalue(res->pg, 0, 0);
	http_respond_json_text(req, 200, text);
}

/* GET /cms/api/housekeeping: every task's schedule and last result. */
static void
hk_list(struct http_request *req)
{
	int rc;

	if (cms_require(req, HK_PERMISSION) != 0)
		return;
	rc = router_query(service_get()->router, "housekeeping.list", 0, NULL,
	                  hk_list_done, req);
	if (rc != DB_OK)
		http_respond_unavailable(
		    req,
		    rc == DB_QUEUE_FULL ? "too busy" : "database unavailable",
		    1);
}

static void
hk_claim_done(const struct db_result *res, void *arg)
{
	struct hk_run *run = arg;

	if (hk.stopping) {
		hk_run_free(run);
		return;
	}
	if (res->pg == NULL || PQnfields(res->pg) != 3) {
		http_respond_unavailable(run->req, "database unavailable", 1);
		hk_run_free(run);
		return;
	}
	if (PQntuples(res->pg) != 1) {
		http_respond_field_error(run->req, 409, "already running",
		                         "task", "is being run right now");
		hk_run_free(run);
		return;
	}
	hk_claimed(run, res->pg, 0);
	hk_step(run);
}

/*
 * POST /cms/api/housekeeping/<task>/run: claims the task now (whatever
 * its schedule, and even when its schedule is disabled) and answers with
 * the run's result; 409 when it is running already.
 */
static void
hk_run_now(struct http_request *req)
{
	const char *path = http_req_path(req) + strlen(HK_PREFIX);
	const struct cms_session *s;
	const struct hk_task *task;
	char name[HK_NAME_MAX + 1], *comment;
	const char *slash, *v[1];
	struct hk_run *run;
	size_t len;
	int rc;

	if (cms_require(req, HK_PERMISSION) != 0)
		return;
	s = cms_session(req);
	slash = strchr(path, '/');
	if (slash == NULL || strcmp(slash, "/run") != 0) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	len = (size_t)(slash - path);
	if (len == 0 || len > HK_NAME_MAX) {
		http_respond_field_error(req, 404, "not found", "task",
		                         "no such task");
		return;
	}
	memcpy(name, path, len);
	name[len] = '\0';
	if ((task = hk_task_find(name)) == NULL) {
		http_respond_field_error(req, 404, "not found", "task",
		                         "no such task");
		return;
	}
	comment = arena_printf(http_arena(req), "run now by %s", s->username);
	if (comment == NULL ||
	    (run = hk_run_new(task, req, comment, http_req_client(req))) ==
	        NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	v[0] = task->name;
	rc = router_query(service_get()->router, "housekeeping.claim", 1, v,
	                  hk_claim_done, run);
	if (rc != DB_OK) {
		http_respond_unavailable(
		    req,
		    rc == DB_QUEUE_FULL ? "too busy" : "database unavailable",
		    1);
		hk_run_free(run);
	}
}

static const struct http_route hk_routes[] = {
    {HTTP_GET, "/cms/api/housekeeping", hk_list, HTTP_NO_PARAMS},
    {HTTP_POST, HK_PREFIX "*", hk_run_now, HTTP_NO_PARAMS},
};

int
cms_housekeeping_init(struct worker *w)
{
	struct timeval tv;
	char err[256];

	memset(&hk, 0, sizeof(hk));
	hk.settings = w->settings;
	if (http_server_add_routes(w->http, hk_routes,
	                           sizeof(hk_routes) / sizeof(hk_routes[0])) !=
	    0)
		return (-1);
	if ((hk.storage = storage_open(w->settings, err, sizeof(err))) == NULL)
		log_error("housekeeping: no storage, uploads are not cleaned: "
		          "%s",
		          err);
	if ((hk.tick = event_new(w->base, -1, EV_PERSIST, hk_tick, NULL)) ==
	    NULL) {
		log_error("housekeeping: cannot create the timer");
		return (-1);
	}
	tv.tv_sec = w->settings->housekeeping_tick_s;
	tv.tv_usec = 0;
	event_add(hk.tick, &tv);
	return (0);
}

void
cms_housekeeping_fini(struct worker *w)
{
	(void)w;
	hk.stopping = 1;
	if (hk.tick != NULL) {
		event_free(hk.tick);
		hk.tick = NULL;
	}
	/* A storage task still on the pool frees the storage when its done
	 * callback runs (task_pool_free calls it). */
	if (hk.in_pool == 0 && hk.storage != NULL) {
		storage_free(hk.storage);
		hk.storage = NULL;
	}
}
