/*
 * Scraper routes (scrapers.h; contract in docs/scraper-jobs.md).
 *
 * The CMS never scrapes: it records a queued job and starts the
 * lifted-scraper binary found next to its own, which claims the job,
 * keeps its lease and writes its results as the scraper role.  Anything
 * that waits on a process (listing the spiders, starting the scraper)
 * runs on the worker's thread pool; the database work is the usual
 * chain of router statements on one request-scoped struct.
 *
 * The scraper is started detached (fork, setsid, fork, exec): the
 * grandchild is re-parented away from the worker, so the worker never
 * reaps scrapers and a CMS restart does not end a running job.  Its
 * environment is the CMS's minus the credentials the scraper must not
 * hold (the CMS owner's and cms_publisher's URLs, the secret key; the
 * same for `list`): it connects with LIFTED_SCRAPER_DATABASE_URL only.
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "scrapers.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "task.h"

#define SCR_MAX_ID     9007199254740991LL /* 2^53 - 1: exact in JSON */
#define SCR_LIST_MAX   8192               /* `list` output kept */
#define SCR_PERMISSION "scrapers.run"

extern char **environ;

/* Settings the scraper is not given (it has its own role's URL). */
static const char *const scr_env_drop[] = {
    "LIFTED_CMS_DATABASE_URL=",
    "LIFTED_CMS_DATABASE_URL_FILE=",
    "LIFTED_CMS_APP_DATABASE_URL=",
    "LIFTED_CMS_APP_DATABASE_URL_FILE=",
    "LIFTED_APP_DATABASE_URL=",
    "LIFTED_APP_DATABASE_URL_FILE=",
    "LIFTED_APP_ADMIN_DATABASE_URL=",
    "LIFTED_APP_ADMIN_DATABASE_URL_FILE=",
    "LIFTED_APP_REPLICA_URL=",
    "LIFTED_APP_REPLICA_URL_FILE=",
    "LIFTED_SECRET_KEY=",
    "LIFTED_SECRET_KEY_FILE=",
    "LIFTED_MEDIA_URL_KEY=",
    "LIFTED_MEDIA_URL_KEY_FILE=",
    "LIFTED_S3_ACCESS_KEY=",
    "LIFTED_S3_ACCESS_KEY_FILE=",
    "LIFTED_S3_SECRET_KEY=",
    "LIFTED_S3_SECRET_KEY_FILE=",
    "LIFTED_CLOUDFRONT_PRIVATE_KEY=",
    "LIFTED_CLOUDFRONT_PRIVATE_KEY_FILE=",
    "PGPASSWORD=",
    NULL,
};

enum scr_kind {
	SCR_LIST,
	SCR_START,
	SCR_APPLY,
	SCR_DISMISS,
};

struct scr_op {
	struct http_request *req;
	enum scr_kind kind;
	/* Pool work: the scraper's output (list) or the spawn's result. */
	char *out;
	int failed;
	char why[256];
	/* start */
	const char *spider;
	const char *job_id;
	const char *job_json;
	/* proposals */
	const char *id;
	const char *app_id;
	const char *proposed;
};

/* --- helpers -------------------------------------------------------------- */

static int
scr_query(struct scr_op *op, const char *stmt, int n, const char *const *v,
          db_result_cb cb)
{
	int rc;

	rc = router_query(service_get()->router, stmt, n, v, cb, op);
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(op->req, "too busy", 1);
	else if (rc != DB_OK)
		http_respond_unavailable(op->req, "database unavailable", 1);
	return (rc == DB_OK ? 0 : -1);
}

/* Answers a failed statement (503 unreachable, else 500); 1 when res
 * failed. */
static int
scr_failed(struct scr_op *op, const struct db_result *res)
{
	if (res->pg != NULL)
		return (0);
	if (res->sqlstate == NULL) {
		http_respond_unavailable(op->req, "database unavailable", 1);
		return (1);
	}
	log_error("scrapers %s: %s (%s)", http_req_path(op->req),
	          res->error ? res->error : "error", res->sqlstate);
	http_respond_error(op->req, 500, "internal error", NULL);
	return (1);
}

static struct scr_op *
scr_op_new(struct http_request *req, enum scr_kind kind)
{
	struct scr_op *op;

	if ((op = arena_alloc(http_arena(req), sizeof(*op))) == NULL) {
		http_respond_error(req, 500, "out of memory", NULL);
		return (NULL);
	}
	op->req = req;
	op->kind = kind;
	return (op);
}

/* A positive integer member id of the body, as text in the arena. */
static const char *
scr_body_id(struct http_request *req)
{
	const cJSON *id;
	cJSON *o;
	const char *out = NULL;

	if ((o = cms_json_body(req)) == NULL)
		return (NULL);
	id = cJSON_GetObjectItemCaseSensitive(o, "id");
	if (cJSON_IsNumber(id) && id->valuedouble >= 1 &&
	    id->valuedouble <= (double)SCR_MAX_ID &&
	    id->valuedouble == (double)(long long)id->valuedouble)
		out = arena_printf(http_arena(req), "%lld",
		                   (long long)id->valuedouble);
	else
		http_respond_field_error(req, 400, "invalid request", "id",
		                         "must be a positive integer");
	cJSON_Delete(o);
	return (out);
}

/* Spider names are what the scraper accepts: [a-z0-9_]{1,64}. */
static int
scr_name_ok(const char *s)
{
	size_t n = strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_");

	return (n > 0 && n <= 64 && s[n] == '\0');
}

/* dirname(/proc/self/exe)/lifted-scraper into buf; 0 or -1. */
static int
scr_binary(char *buf, size_t len)
{
	char exe[4096], *slash;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) <= 0)
		return (-1);
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return (-1);
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/lifted-scraper", exe) >= len)
		return (-1);
	return (0);
}

/* --- pool work: running the scraper binary -------------------------------- */

/*
 * The CMS's environment without the credentials the scraper must not
 * hold (scr_env_drop).  The strings stay environ's; the caller frees the
 * array with free().  NULL when out of memory.
 */
static char **
scr_env_new(void)
{
	char **env;
	size_t i, k, n = 0;

	for (i = 0; environ[i] != NULL; i++)
		;
	if ((env = calloc(i + 1, sizeof(*env))) == NULL)
		return (NULL);
	for (i = 0; environ[i] != NULL; i++) {
		for (k = 0; scr_env_drop[k] != NULL; k++)
			if (strncmp(environ[i], scr_env_drop[k],
			            strlen(scr_env_drop[k])) == 0)
				break;
		if (scr_env_drop[k] == NULL)
			env[n++] = environ[i];
	}
	return (env);
}

/* `lifted-scraper list`: the spider names, one per line (first word). */
static void
scr_list_work(void *arg)
{
	struct scr_op *op = arg;
	posix_spawn_file_actions_t fa;
	char bin[4200], sink[512], **env = NULL;
	char *argv[3];
	int fds[2] = {-1, -1}, status, fa_ok = 0;
	size_t len = 0;
	pid_t pid, w;
	ssize_t r;

	op->failed = 1;
	if (scr_binary(bin, sizeof(bin)) != 0 ||
	    (op->out = malloc(SCR_LIST_MAX + 1)) == NULL ||
	    (env = scr_env_new()) == NULL || pipe2(fds, O_CLOEXEC) != 0)
		goto cleanup;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto cleanup;
	fa_ok = 1;
	argv[0] = bin;
	argv[1] = (char *)"list";
	argv[2] = NULL;
	if (posix_spawn_file_actions_adddup2(&fa, fds[1], 1) != 0 ||
	    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY,
	                                     0) != 0 ||
	    posix_spawn(&pid, bin, &fa, NULL, argv, env) != 0)
		goto cleanup;
	close(fds[1]);
	fds[1] = -1;
	/* Read to the end (past SCR_LIST_MAX too, discarded) so the child
	 * never blocks on a full pipe. */
	for (;;) {
		if (len < SCR_LIST_MAX)
			r = read(fds[0], op->out + len, SCR_LIST_MAX - len);
		else
			r = read(fds[0], sink, sizeof(sink));
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		if (len < SCR_LIST_MAX)
			len += (size_t)r;
	}
	op->out[len] = '\0';
	close(fds[0]);
	fds[0] = -1;
	while ((w = waitpid(pid, &status, 0)) == -1 && errno == EINTR)
		;
	if (w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0)
		op->failed = 0;
cleanup:
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	free(env);
}

/*
 * Starts `lifted-scraper run SPIDER --job ID` detached.  Everything the
 * children need is built before fork: between fork and exec only
 * async-signal-safe calls are made (the worker has threads).  The
 * middle child reports an exec failure of the grandchild through a
 * close-on-exec pipe.
 */
static void
scr_spawn_work(void *arg)
{
	struct scr_op *op = arg;
	char bin[4200], **env = NULL;
	char *argv[6];
	int fds[2] = {-1, -1}, status, err = 0, devnull;
	pid_t pid;
	ssize_t r;

	if (scr_binary(bin, sizeof(bin)) != 0) {
		snprintf(op->why, sizeof(op->why), "cannot find the scraper");
		goto fail;
	}
	if ((env = scr_env_new()) == NULL)
		goto fail;
	argv[0] = bin;
	argv[1] = (char *)"run";
	argv[2] = (char *)op->spider;
	argv[3] = (char *)"--job";
	argv[4] = (char *)op->job_id;
	argv[5] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		goto fail;
	if ((pid = fork()) == -1)
		goto fail;
	if (pid == 0) {
		close(fds[0]);
		setsid();
		if ((pid = fork()) == -1) {
			err = errno;
			(void)!write(fds[1], &err, sizeof(err));
			_exit(1);
		}
		if (pid == 0) {
			if ((devnull = open("/dev/null", O_RDWR)) != -1) {
				dup2(devnull, 0);
				if (devnull > 2)
					close(devnull);
			}
			execve(bin, argv, env);
			err = errno;
			(void)!write(fds[1], &err, sizeof(err));
			_exit(127);
		}
		_exit(0);
	}
	close(fds[1]);
	fds[1] = -1;
	while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
		;
	/* EOF when exec succeeded (close-on-exec), an errno otherwise. */
	while ((r = read(fds[0], &err, sizeof(err))) == -1 && errno == EINTR)
		;
	close(fds[0]);
	if (r == (ssize_t)sizeof(err)) {
		snprintf(op->why, sizeof(op->why),
		         "cannot start the scraper: %s", strerror(err));
		goto fail;
	}
	free(env);
	return;
fail:
	if (op->why[0] == '\0')
		snprintf(op->why, sizeof(op->why),
		         "cannot start the scraper: %s", strerror(errno));
	if (fds[0] != -1)
		close(fds[0]);
	if (fds[1] != -1)
		close(fds[1]);
	free(env);
	op->failed = 1;
}

/* The names `list` printed, as a JSON array text in the arena; NULL
 * when it failed (answered 503). */
static const char *
scr_names(struct scr_op *op)
{
	cJSON *arr;
	char *line, *save = NULL, *p;
	const char *out = NULL;

	if (op->failed || op->out == NULL) {
		http_respond_unavailable(op->req, "cannot list the spiders", 1);
		return (NULL);
	}
	if ((arr = cJSON_CreateArray()) == NULL)
		goto done;
	for (line = strtok_r(op->out, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save)) {
		line[strcspn(line, " \t")] = '\0';
		if (scr_name_ok(line))
			cJSON_AddItemToArray(arr, cJSON_CreateString(line));
	}
	if ((p = cJSON_PrintUnformatted(arr)) != NULL) {
		out = arena_strdup(http_arena(op->req), p);
		free(p);
	}
	cJSON_Delete(arr);
done:
	if (out == NULL)
		http_respond_error(op->req, 500, "out of memory", NULL);
	return (out);
}

/* --- GET /cms/api/scrapers ------------------------------------------------ */

static void
scr_read_done(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	const char *v;

	if (scr_failed(op, res))
		return;
	if ((v = db_value(res, 0)) == NULL) {
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such job");
		return;
	}
	http_respond_json_text(op->req, 200, v);
}

static void
scr_list_expired(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	const char *v[1];

	if (scr_failed(op, res))
		return;
	v[0] = op->spider; /* the names */
	scr_query(op, "scrapers.list", 1, v, scr_read_done);
}

static void
scr_list_done(void *arg)
{
	struct scr_op *op = arg;

	op->spider = scr_names(op);
	free(op->out);
	op->out = NULL;
	if (op->spider == NULL)
		return;
	scr_query(op, "scrapers.expire", 0, NULL, scr_list_expired);
}

static void
scr_list(struct http_request *req)
{
	struct scr_op *op;

	if (cms_require(req, SCR_PERMISSION) != 0)
		return;
	if ((op = scr_op_new(req, SCR_LIST)) == NULL)
		return;
	if (task_pool_submit(service_get()->tasks, scr_list_work, scr_list_done,
	                     op) != 0)
		http_respond_unavailable(req, "too busy", 1);
}

/* --- POST /cms/api/scrapers/start ----------------------------------------- */

static void
scr_start_answered(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	if (res->pg == NULL)
		log_error("scrapers: audit of job %s failed", op->job_id);
	http_respond_json_text(
	    op->req, 201,
	    arena_printf(http_arena(op->req), "{\"job\":%s}", op->job_json));
}

static void
scr_spawn_failed_done(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	(void)res;
	http_respond_error(op->req, 500, op->why, NULL);
}

static void
scr_spawn_done(void *arg)
{
	struct scr_op *op = arg;
	const char *v[2];
	cJSON *after;

	if (op->failed) {
		log_error("scrapers: job %s: %s", op->job_id, op->why);
		v[0] = op->job_id;
		v[1] = op->why;
		scr_query(op, "scrapers.spawn_failed", 2, v,
		          scr_spawn_failed_done);
		return;
	}
	after = cJSON_CreateObject();
	cJSON_AddStringToObject(after, "spider", op->spider);
	if (cms_audit(op->req, "scraper.start", "scraper_job", op->job_id, NULL,
	              after, NULL, scr_start_answered, op) != 0)
		scr_start_answered(&(struct db_result){0}, op);
}

static void
scr_started(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	if (res->pg == NULL && res->sqlstate != NULL &&
	    strcmp(res->sqlstate, "23505") == 0) {
		http_respond_field_error(op->req, 409,
		                         "a job of this spider is already "
		                         "running",
		                         "spider", "has a running job");
		return;
	}
	if (scr_failed(op, res))
		return;
	op->job_id = arena_strdup(http_arena(op->req), db_value(res, 0));
	op->job_json = arena_strdup(http_arena(op->req), db_value(res, 1));
	if (op->job_id == NULL || op->job_json == NULL) {
		http_respond_error(op->req, 500, "out of memory", NULL);
		return;
	}
	if (task_pool_submit(service_get()->tasks, scr_spawn_work,
	                     scr_spawn_done, op) != 0) {
		op->failed = 1;
		snprintf(op->why, sizeof(op->why), "too busy");
		scr_spawn_done(op);
	}
}

/* The spider is known (the list); the queued row then the process. */
static void
scr_start_listed(void *arg)
{
	struct scr_op *op = arg;
	const char *names, *v[2];
	cJSON *arr, *it;
	int found = 0;

	names = scr_names(op);
	free(op->out);
	op->out = NULL;
	if (names == NULL)
		return;
	arr = cJSON_Parse(names);
	cJSON_ArrayForEach(it, arr)
	{
		if (cJSON_IsString(it) &&
		    strcmp(it->valuestring, op->spider) == 0)
			found = 1;
	}
	cJSON_Delete(arr);
	if (!found) {
		http_respond_field_error(op->req, 404, "not found", "spider",
		                         "no such spider");
		return;
	}
	v[0] = op->spider;
	v[1] = arena_printf(http_arena(op->req), "%lld",
	                    cms_session(op->req)->user_id);
	scr_query(op, "scrapers.start", 2, v, scr_started);
}

static void
scr_start(struct http_request *req)
{
	struct scr_op *op;
	const char *spider;
	cJSON *o;

	if (cms_require(req, SCR_PERMISSION) != 0)
		return;
	if ((o = cms_json_body(req)) == NULL)
		return;
	spider = cms_json_str(o, "spider");
	if (spider == NULL || !scr_name_ok(spider)) {
		cJSON_Delete(o);
		http_respond_field_error(req, 400, "invalid request", "spider",
		                         "must be a spider name");
		return;
	}
	if ((op = scr_op_new(req, SCR_START)) == NULL) {
		cJSON_Delete(o);
		return;
	}
	op->spider = arena_strdup(http_arena(req), spider);
	cJSON_Delete(o);
	if (task_pool_submit(service_get()->tasks, scr_list_work,
	                     scr_start_listed, op) != 0)
		http_respond_unavailable(req, "too busy", 1);
}

/* --- GET /cms/api/scrapers/job, POST .../cancel --------------------------- */

static void
scr_job_expired(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	const char *v[2];
	long long since = 0;

	if (scr_failed(op, res))
		return;
	http_param_int(op->req, "since", &since);
	v[0] = op->id;
	v[1] = arena_printf(http_arena(op->req), "%lld", since);
	scr_query(op, "scrapers.job", 2, v, scr_read_done);
}

static void
scr_job(struct http_request *req)
{
	struct scr_op *op;
	long long id;

	if (cms_require(req, SCR_PERMISSION) != 0)
		return;
	if ((op = scr_op_new(req, SCR_LIST)) == NULL)
		return;
	http_param_int(req, "id", &id);
	op->id = arena_printf(http_arena(req), "%lld", id);
	scr_query(op, "scrapers.expire", 0, NULL, scr_job_expired);
}

static void
scr_audited(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	if (res->pg == NULL)
		log_error("scrapers: audit of %s %s failed",
		          http_req_path(op->req), op->id);
	if (op->app_id != NULL)
		http_respond_json_text(
		    op->req, 200,
		    arena_printf(http_arena(op->req),
		                 "{\"ok\":true,\"course_id\":%s}", op->app_id));
	else
		cms_respond_ok(op->req);
}

static void
scr_cancel_state(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	if (scr_failed(op, res))
		return;
	if (PQntuples(res->pg) == 0)
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no such job");
	else
		http_respond_field_error(op->req, 409, "the job has ended",
		                         "id", "is not running");
}

static void
scr_cancelled(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	const char *v[1];

	if (scr_failed(op, res))
		return;
	if (PQntuples(res->pg) == 0) {
		v[0] = op->id;
		scr_query(op, "scrapers.job_exists", 1, v, scr_cancel_state);
		return;
	}
	if (cms_audit(op->req, "scraper.cancel", "scraper_job", op->id, NULL,
	              NULL, NULL, scr_audited, op) != 0)
		scr_audited(&(struct db_result){0}, op);
}

static void
scr_cancel(struct http_request *req)
{
	struct scr_op *op;
	const char *v[1];

	if (cms_require(req, SCR_PERMISSION) != 0)
		return;
	if ((v[0] = scr_body_id(req)) == NULL)
		return;
	if ((op = scr_op_new(req, SCR_LIST)) == NULL)
		return;
	op->id = v[0];
	scr_query(op, "scrapers.cancel", 1, v, scr_cancelled);
}

/* --- proposals ------------------------------------------------------------ */

static void
scr_proposals(struct http_request *req)
{
	struct scr_op *op;

	if (cms_require(req, SCR_PERMISSION) != 0)
		return;
	if ((op = scr_op_new(req, SCR_LIST)) == NULL)
		return;
	scr_query(op, "scrapers.proposals", 0, NULL, scr_read_done);
}

static void
scr_decided(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	cJSON *after;

	if (scr_failed(op, res))
		return;
	if (PQntuples(res->pg) == 0) {
		/* Decided by someone else between our read and now. */
		http_respond_field_error(op->req, 409, "already decided", "id",
		                         "is no longer proposed");
		return;
	}
	after = op->proposed != NULL ? cJSON_Parse(op->proposed) : NULL;
	if (op->kind == SCR_APPLY) {
		if (cms_audit(op->req, "scraper_proposal.apply", "course",
		              op->app_id, NULL, after, NULL, scr_audited,
		              op) != 0)
			scr_audited(&(struct db_result){0}, op);
	} else if (cms_audit(op->req, "scraper_proposal.dismiss",
	                     "scraper_proposal", op->id, NULL, after, NULL,
	                     scr_audited, op) != 0)
		scr_audited(&(struct db_result){0}, op);
}

static void
scr_decide(struct scr_op *op)
{
	const char *v[3];

	v[0] = op->id;
	v[1] = op->kind == SCR_APPLY ? "applied" : "dismissed";
	v[2] = arena_printf(http_arena(op->req), "%lld",
	                    cms_session(op->req)->user_id);
	scr_query(op, "scrapers.proposal_decide", 3, v, scr_decided);
}

static void
scr_refreshed(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;

	if (res->pg == NULL && res->sqlstate == NULL) {
		http_respond_unavailable(op->req,
		                         "the App database is unavailable: "
		                         "nothing was changed",
		                         1);
		return;
	}
	if (scr_failed(op, res))
		return;
	if (PQntuples(res->pg) == 0) {
		http_respond_field_error(op->req, 409,
		                         "the published course no longer "
		                         "exists",
		                         "id", "cannot be applied");
		return;
	}
	scr_decide(op);
}

static void
scr_proposal_got(const struct db_result *res, void *arg)
{
	struct scr_op *op = arg;
	const struct settings *s = cms_settings();
	const char *v[3];

	if (scr_failed(op, res))
		return;
	if (PQntuples(res->pg) == 0) {
		http_respond_field_error(op->req, 404, "not found", "id",
		                         "no open proposal");
		return;
	}
	op->app_id = arena_strdup(http_arena(op->req), db_value(res, 0));
	op->proposed = arena_strdup(http_arena(op->req), db_value(res, 1));
	if (op->kind == SCR_DISMISS) {
		op->app_id = NULL;
		scr_decide(op);
		return;
	}
	v[0] = op->app_id;
	v[1] = op->proposed;
	v[2] = s->time_zone != NULL && *s->time_zone != '\0' ? s->time_zone
	                                                     : "UTC";
	scr_query(op, "scrapers_app.refresh", 3, v, scr_refreshed);
}

static void
scr_proposal_route(struct http_request *req, enum scr_kind kind)
{
	struct scr_op *op;
	const char *v[1];

	/* Changing a published course is publishing's permission. */
	if (cms_require(req, "courses.publish") != 0)
		return;
	if ((v[0] = scr_body_id(req)) == NULL)
		return;
	if ((op = scr_op_new(req, kind)) == NULL)
		return;
	op->id = v[0];
	scr_query(op, "scrapers.proposal_get", 1, v, scr_proposal_got);
}

static void
scr_apply(struct http_request *req)
{
	scr_proposal_route(req, SCR_APPLY);
}

static void
scr_dismiss(struct http_request *req)
{
	scr_proposal_route(req, SCR_DISMISS);
}

/* --- routes --------------------------------------------------------------- */

static const struct http_param job_params[] = {
    {"id", PARAM_EXACT, PARAM_INT, 1, SCR_MAX_ID, 1, 0},
    {"since", PARAM_EXACT, PARAM_INT, 0, 1000000, 0, 0},
};

static const struct http_route scr_routes[] = {
    {HTTP_GET, "/cms/api/scrapers", scr_list, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/scrapers/start", scr_start, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/scrapers/job", scr_job, HTTP_PARAMS(job_params)},
    {HTTP_POST, "/cms/api/scrapers/cancel", scr_cancel, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/scrapers/proposals", scr_proposals, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/scrapers/proposals/apply", scr_apply, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/scrapers/proposals/dismiss", scr_dismiss,
     HTTP_NO_PARAMS},
};

int
cms_scrapers_mount(struct worker *w)
{
	return (http_server_add_routes(
	    w->http, scr_routes, sizeof(scr_routes) / sizeof(scr_routes[0])));
}
