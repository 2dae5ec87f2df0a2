/*
 * Scrape jobs (job.h, docs/scraper-jobs.md, SPEC section 8).
 *
 * lifted-scraper is a command, not an event-loop server, so it talks to
 * the CMS database with blocking libpq, as the scraper role only
 * (LIFTED_SCRAPER_DATABASE_URL), on two connections of its own: the
 * main thread's, which writes items, log lines and the end of the job,
 * and a lease thread's, which pushes lease_until forward every
 * JOB_RENEW_S seconds and reads cancel_requested.  The lease has its own
 * thread and connection because one slow fetch may take longer than the
 * lease; a killed process stops renewing and the job is failed by
 * whoever next looks (this process at start, the CMS when listing).
 *
 * Statements are parameterised text here, not shared/sql.c rows: that
 * table is prepared on the servers' pools, and the scraper has neither.
 *
 * Removal of unseen rows and the job's final state are one transaction
 * guarded by "still running": a job the CMS failed after a lost lease
 * removes nothing, however late the process notices.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>

#include "engine.h"
#include "job.h"
#include "settings.h"

#define JOB_RENEW_S  5
#define JOB_LEASE    "20 seconds"
#define JOB_LOG_MAX  5000 /* the table's CHECK on n */
#define JOB_MSG_MAX  2000
#define JOB_COUNT_MS 1000 /* how often the counts are written */

struct job {
	PGconn *db;
	const char *spider;
	char id[32];
	int nlog;
	/* Counts: ours (what the writes did) and the engine's own. */
	long found, inserted, updated, removed, skipped, errors, proposed;
	long eng_skipped, eng_errors;
	struct timespec counts_at;
	/* Lease thread. */
	pthread_t lease;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int done; /* under mu: the lease thread should end */
	int stop; /* under mu: cancel requested or the job was lost */
	int lost; /* under mu: the job is no longer ours */
	const char *url;
};

static volatile sig_atomic_t job_signalled;

static void
job_on_signal(int sig)
{
	(void)sig;
	job_signalled = 1;
}

static long
job_ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((now.tv_sec - t->tv_sec) * 1000 +
	        (now.tv_nsec - t->tv_nsec) / 1000000);
}

/* Runs sql with params; the caller PQclears.  NULL only on OOM. */
static PGresult *
job_exec(PGconn *db, const char *sql, int n, const char *const *v)
{
	return (PQexecParams(db, sql, n, NULL, v, NULL, NULL, 0));
}

static int
job_ok(const PGresult *r)
{
	return (r != NULL && (PQresultStatus(r) == PGRES_TUPLES_OK ||
	                      PQresultStatus(r) == PGRES_COMMAND_OK));
}

static const char *
job_errmsg(PGconn *db, const PGresult *r)
{
	const char *m = r != NULL ? PQresultErrorMessage(r) : NULL;

	return (m != NULL && *m != '\0' ? m : PQerrorMessage(db));
}

/*
 * A log line into the job (and stderr).  Debug lines go to stderr only:
 * the job's log is bounded and for staff.  At the bound, one last line
 * says the rest was dropped.
 */
static void
job_log(struct job *j, const char *level, const char *fmt, ...)
{
	char msg[JOB_MSG_MAX + 1], n[16];
	const char *v[4];
	PGresult *r;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "lifted-scraper: %s: %s\n", level, msg);
	if (strcmp(level, "debug") == 0 || j->id[0] == '\0' ||
	    j->nlog >= JOB_LOG_MAX)
		return;
	if (++j->nlog == JOB_LOG_MAX) {
		level = "warn";
		snprintf(msg, sizeof(msg),
		         "log limit reached: later lines "
		         "are not kept");
	}
	snprintf(n, sizeof(n), "%d", j->nlog);
	v[0] = j->id;
	v[1] = n;
	v[2] = level;
	v[3] = msg;
	r = job_exec(j->db,
	             "INSERT INTO scraper_job_log (job_id, n, level, message) "
	             "VALUES ($1::bigint, $2::int, $3, $4)",
	             4, v);
	if (!job_ok(r))
		fprintf(stderr, "lifted-scraper: log: %s",
		        job_errmsg(j->db, r));
	PQclear(r);
}

/* Writes the counts to the job row. */
static void
job_counts(struct job *j)
{
	char b[8][24];
	const char *v[8];
	long c[7];
	PGresult *r;
	int i;

	c[0] = j->found;
	c[1] = j->inserted;
	c[2] = j->updated;
	c[3] = j->removed;
	c[4] = j->skipped + j->eng_skipped;
	c[5] = j->errors + j->eng_errors;
	c[6] = j->proposed;
	v[0] = j->id;
	for (i = 0; i < 7; i++) {
		snprintf(b[i], sizeof(b[i]), "%ld", c[i]);
		v[i + 1] = b[i];
	}
	r = job_exec(j->db,
	             "UPDATE scraper_jobs SET found = $2::int, inserted = "
	             "$3::int, updated = $4::int, removed = $5::int, skipped = "
	             "$6::int, errors = $7::int, proposed = $8::int "
	             "WHERE id = $1::bigint",
	             8, v);
	if (!job_ok(r))
		fprintf(stderr, "lifted-scraper: counts: %s",
		        job_errmsg(j->db, r));
	PQclear(r);
	clock_gettime(CLOCK_MONOTONIC, &j->counts_at);
}

/* --- the lease thread ---------------------------------------------------- */

static void *
job_lease_main(void *arg)
{
	struct job *j = arg;
	const char *v[1] = {j->id};
	struct timespec until;
	PGconn *db;
	PGresult *r;
	int stop, lost;

	db = PQconnectdb(j->url);
	pthread_mutex_lock(&j->mu);
	while (!j->done) {
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += JOB_RENEW_S;
		pthread_cond_timedwait(&j->cv, &j->mu, &until);
		if (j->done)
			break;
		pthread_mutex_unlock(&j->mu);
		stop = lost = 0;
		if (PQstatus(db) != CONNECTION_OK)
			PQreset(db);
		r = job_exec(db,
		             "UPDATE scraper_jobs SET lease_until = now() + "
		             "interval '" JOB_LEASE "' WHERE id = $1::bigint "
		             "AND state = 'running' RETURNING cancel_requested",
		             1, v);
		if (job_ok(r) && PQntuples(r) == 0)
			lost = 1;
		else if (job_ok(r))
			stop = PQgetvalue(r, 0, 0)[0] == 't';
		else
			fprintf(stderr, "lifted-scraper: lease: %s",
			        job_errmsg(db, r));
		PQclear(r);
		pthread_mutex_lock(&j->mu);
		j->stop |= stop | lost;
		j->lost |= lost;
	}
	pthread_mutex_unlock(&j->mu);
	PQfinish(db);
	return (NULL);
}

static int
job_stopping(struct job *j, int *lost)
{
	int stop;

	pthread_mutex_lock(&j->mu);
	stop = j->stop || job_signalled;
	if (lost != NULL)
		*lost = j->lost;
	pthread_mutex_unlock(&j->mu);
	return (stop);
}

/* --- the engine's hooks -------------------------------------------------- */

/* A decimal the way the source wrote it, checked before it goes into
 * JSON raw (keeps "1234.50" exact; anything else is left out). */
static int
job_decimal(const char *s)
{
	const char *p = s;

	if (s == NULL || *s == '\0' || strlen(s) > 20)
		return (0);
	while (*p >= '0' && *p <= '9')
		p++;
	if (p == s)
		return (0);
	if (*p == '.') {
		if (!(p[1] >= '0' && p[1] <= '9'))
			return (0);
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	}
	return (*p == '\0');
}

static void
job_add_str(cJSON *o, const char *name, const char *s)
{
	if (s != NULL)
		cJSON_AddStringToObject(o, name, s);
	else
		cJSON_AddNullToObject(o, name);
}

/*
 * The item as the JSON the write statements read: the scraped_courses
 * column names, so a staff-edited field is named the same way in
 * edited_fields.  Caller frees with free().
 */
static char *
job_item_json(const struct scrape_item *it)
{
	cJSON *o, *dates, *d;
	char *s;
	size_t i;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	job_add_str(o, "name", it->name);
	job_add_str(o, "provider", it->provider);
	job_add_str(o, "url", it->url);
	if (job_decimal(it->cost))
		cJSON_AddRawToObject(o, "cost", it->cost);
	else
		cJSON_AddNullToObject(o, "cost");
	cJSON_AddBoolToObject(o, "cost_varies", it->cost_varies != 0);
	/* Points, or "not stated" when the source gave none; a zero is
	 * "not applicable" (the table wants points > 0). */
	if (job_decimal(it->public_cpd) && strtod(it->public_cpd, NULL) > 0) {
		cJSON_AddStringToObject(o, "cpd_state", "points");
		cJSON_AddRawToObject(o, "cpd_points", it->public_cpd);
	} else if (job_decimal(it->public_cpd)) {
		cJSON_AddStringToObject(o, "cpd_state", "na");
		cJSON_AddNullToObject(o, "cpd_points");
	} else {
		cJSON_AddNullToObject(o, "cpd_state");
		cJSON_AddNullToObject(o, "cpd_points");
	}
	cJSON_AddBoolToObject(o, "is_ongoing", it->ongoing != 0);
	dates = cJSON_AddArrayToObject(o, "dates");
	for (i = 0; dates != NULL && i < it->ndate_ranges; i++) {
		if ((d = cJSON_CreateObject()) == NULL)
			break;
		job_add_str(d, "start", it->date_ranges[i].start);
		job_add_str(d, "end", it->date_ranges[i].end);
		cJSON_AddItemToArray(dates, d);
	}
	job_add_str(o, "scraped_level", it->level);
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return (s);
}

/*
 * Updates an unpublished row, field by field unless staff edited it; a
 * staff-edited field whose scraped value differs goes to scraped_changes
 * instead.  CPD is one unit (state and points must agree), so an edit of
 * either keeps both.  updated_at moves only when something changed, so a
 * re-scrape that finds the same course does not break an editor's
 * version check.  Returns the row: changed (t/f); none when the row left
 * scraped/in_review meanwhile.
 */
/* Laid out by hand: clang-format cannot lay out SQL built with macros. */
/* clang-format off */
#define JOB_KEEP(f) \
	"CASE WHEN '" f "' = ANY(s0.edited_fields) THEN s0." f " ELSE "
#define JOB_KEEP_CPD "(s0.edited_fields && ARRAY['cpd_state', 'cpd_points'])"
static const char job_update_sql[] =
    "WITH n AS (SELECT $2::jsonb AS j), "
    "s0 AS (SELECT * FROM scraped_courses WHERE id = $1::bigint "
    "  AND state IN ('scraped', 'in_review') FOR UPDATE), "
    "v AS (SELECT s0.id, "
    JOB_KEEP("name") "n.j->>'name' END AS name, "
    JOB_KEEP("provider") "n.j->>'provider' END AS provider, "
    JOB_KEEP("url") "n.j->>'url' END AS url, "
    JOB_KEEP("cost") "(n.j->>'cost')::numeric END AS cost, "
    JOB_KEEP("cost_varies") "(n.j->>'cost_varies')::boolean END "
    "  AS cost_varies, "
    "CASE WHEN " JOB_KEEP_CPD " THEN s0.cpd_state "
    "  ELSE n.j->>'cpd_state' END AS cpd_state, "
    "CASE WHEN " JOB_KEEP_CPD " THEN s0.cpd_points "
    "  ELSE (n.j->>'cpd_points')::numeric END AS cpd_points, "
    JOB_KEEP("is_ongoing") "(n.j->>'is_ongoing')::boolean END "
    "  AS is_ongoing, "
    JOB_KEEP("dates") "n.j->'dates' END AS dates, "
    "n.j->>'scraped_level' AS scraped_level, "
    "(SELECT coalesce(jsonb_object_agg(k, n.j->k), '{}') "
    "  FROM unnest(s0.edited_fields) k WHERE n.j ? k "
    "  AND (n.j->k) IS DISTINCT FROM (to_jsonb(s0)->k)) AS changes "
    "FROM s0, n), "
    "w AS (SELECT v.*, (s0.name, s0.provider, s0.url, s0.cost, "
    "  s0.cost_varies, s0.cpd_state, s0.cpd_points, s0.is_ongoing, "
    "  s0.dates, s0.scraped_level, s0.scraped_changes) IS DISTINCT FROM "
    "  (v.name, v.provider, v.url, v.cost, v.cost_varies, v.cpd_state, "
    "  v.cpd_points, v.is_ongoing, v.dates, v.scraped_level, v.changes) "
    "  AS changed FROM v JOIN s0 ON s0.id = v.id) "
    "UPDATE scraped_courses s SET name = w.name, provider = w.provider, "
    "  url = w.url, cost = w.cost, cost_varies = w.cost_varies, "
    "  cpd_state = w.cpd_state, cpd_points = w.cpd_points, "
    "  is_ongoing = w.is_ongoing, dates = w.dates, "
    "  scraped_level = w.scraped_level, scraped_changes = w.changes, "
    "  seen_job_id = $3::bigint, "
    "  updated_at = CASE WHEN w.changed THEN now() ELSE s.updated_at END "
    "FROM w WHERE s.id = w.id RETURNING w.changed";
/* clang-format on */

/* A refresh of a published course, unless it says nothing new.  No
 * RETURNING: that would need SELECT, which the role does not have; the
 * command tag says whether a row went in. */
static const char job_propose_sql[] =
    "WITH n AS (SELECT jsonb_build_object('name', j->'name', "
    "'dates', j->'dates', 'cpd_state', j->'cpd_state', "
    "'cpd_points', j->'cpd_points', 'level', j->'scraped_level') AS p "
    "FROM (SELECT $2::jsonb AS j) x) "
    "INSERT INTO scraper_proposals (job_id, scraped_course_id, "
    "app_course_id, proposed) "
    "SELECT $3::bigint, s.id, s.app_course_id, n.p "
    "FROM scraped_courses s, n WHERE s.id = $1::bigint "
    "AND s.state = 'published' AND s.app_course_id IS NOT NULL "
    "AND jsonb_build_object('name', s.name, 'dates', s.dates, "
    "'cpd_state', s.cpd_state, 'cpd_points', s.cpd_points, "
    "'level', s.scraped_level) IS DISTINCT FROM n.p "
    "ON CONFLICT DO NOTHING";

static const char job_insert_sql[] =
    "WITH n AS (SELECT $3::jsonb AS j) "
    "INSERT INTO scraped_courses (state, name, provider, url, cost, "
    "cost_varies, cpd_state, cpd_points, is_ongoing, dates, "
    "spider_name, source_url, scraped_level, seen_job_id) "
    "SELECT 'scraped', j->>'name', j->>'provider', j->>'url', "
    "(j->>'cost')::numeric, (j->>'cost_varies')::boolean, "
    "j->>'cpd_state', (j->>'cpd_points')::numeric, "
    "(j->>'is_ongoing')::boolean, j->'dates', $1, $2, "
    "j->>'scraped_level', $4::bigint FROM n RETURNING id";

static int
job_on_item(const struct scrape_item *it, void *arg)
{
	struct job *j = arg;
	const char *v[4];
	const char *state;
	char *json, id[32];
	PGresult *r = NULL;

	j->found++;
	if ((json = job_item_json(it)) == NULL) {
		j->errors++;
		job_log(j, "error", "out of memory for %s", it->url);
		return (0);
	}
	v[0] = j->spider;
	v[1] = it->url;
	r = job_exec(j->db,
	             "SELECT id, state FROM scraped_courses "
	             "WHERE spider_name = $1 AND source_url = $2",
	             2, v);
	if (!job_ok(r))
		goto failed;
	if (PQntuples(r) == 0) {
		PQclear(r);
		v[2] = json;
		v[3] = j->id;
		r = job_exec(j->db, job_insert_sql, 4, v);
		if (!job_ok(r))
			goto failed;
		j->inserted++;
		job_log(j, "info", "new: %s (%s)", it->name, it->url);
		goto done;
	}
	snprintf(id, sizeof(id), "%s", PQgetvalue(r, 0, 0));
	state = PQgetvalue(r, 0, 1);
	v[0] = id;
	v[1] = json;
	v[2] = j->id;
	if (strcmp(state, "scraped") == 0 || strcmp(state, "in_review") == 0) {
		PQclear(r);
		r = job_exec(j->db, job_update_sql, 3, v);
		if (!job_ok(r))
			goto failed;
		if (PQntuples(r) == 0) {
			j->skipped++;
			job_log(j, "info",
			        "skipped (left review meanwhile): "
			        "%s",
			        it->url);
		} else if (PQgetvalue(r, 0, 0)[0] == 't') {
			j->updated++;
			job_log(j, "info", "updated: %s (%s)", it->name,
			        it->url);
		}
	} else if (strcmp(state, "published") == 0) {
		PQclear(r);
		r = job_exec(j->db, job_propose_sql, 3, v);
		if (!job_ok(r))
			goto failed;
		if (strcmp(PQcmdTuples(r), "1") == 0) {
			j->proposed++;
			job_log(j, "info",
			        "refresh proposed for published "
			        "course: %s (%s)",
			        it->name, it->url);
		}
	} else {
		j->skipped++;
		job_log(j, "info", "skipped (%s): %s", state, it->url);
	}
	goto done;
failed:
	j->errors++;
	job_log(j, "error", "cannot write %s: %s", it->url,
	        job_errmsg(j->db, r));
done:
	PQclear(r);
	free(json);
	if (job_ms_since(&j->counts_at) >= JOB_COUNT_MS)
		job_counts(j);
	return (0);
}

static void
job_on_log(int level, const char *msg, void *arg)
{
	static const char *const names[] = {"debug", "info", "warn", "error"};

	if (level < SCRAPE_LOG_DEBUG || level > SCRAPE_LOG_ERROR)
		level = SCRAPE_LOG_ERROR;
	job_log(arg, names[level], "%s", msg);
}

static int
job_should_stop(void *arg)
{
	return (job_stopping(arg, NULL));
}

static void
job_on_progress(long found, long skipped, long errors, void *arg)
{
	struct job *j = arg;

	(void)found; /* ours counts what reached on_item */
	j->eng_skipped = skipped;
	j->eng_errors = errors;
	if (job_ms_since(&j->counts_at) >= JOB_COUNT_MS)
		job_counts(j);
}

/* --- start and end ------------------------------------------------------- */

/* Fails every live job whose lease has passed (its process died). */
static void
job_expire(PGconn *db)
{
	PGresult *r;

	r = job_exec(db,
	             "UPDATE scraper_jobs SET state = 'failed', ended_at = "
	             "now(), error = 'lease expired: the scraper process "
	             "died or never started' WHERE state IN ('queued', "
	             "'running') AND lease_until < now()",
	             0, NULL);
	if (!job_ok(r))
		fprintf(stderr, "lifted-scraper: expire: %s",
		        job_errmsg(db, r));
	PQclear(r);
}

/* Takes the queued job (queued_id) or inserts one.  0, or -1 (said). */
static int
job_claim(struct job *j, const char *queued_id)
{
	char pid[16];
	const char *v[3];
	const char *code;
	PGresult *r;
	int rc = -1;

	snprintf(pid, sizeof(pid), "%ld", (long)getpid());
	if (queued_id != NULL) {
		v[0] = queued_id;
		v[1] = j->spider;
		v[2] = pid;
		r = job_exec(j->db,
		             "UPDATE scraper_jobs SET state = 'running', "
		             "started_at = now(), pid = $3::int, lease_until = "
		             "now() + interval '" JOB_LEASE "' WHERE id = "
		             "$1::bigint AND spider = $2 AND state = 'queued' "
		             "RETURNING id",
		             3, v);
	} else {
		v[0] = j->spider;
		v[1] = pid;
		r = job_exec(j->db,
		             "INSERT INTO scraper_jobs (spider, state, "
		             "started_at, lease_until, pid) VALUES ($1, "
		             "'running', now(), now() + interval '" JOB_LEASE
		             "', $2::int) RETURNING id",
		             2, v);
	}
	if (!job_ok(r)) {
		code = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		if (code != NULL && strcmp(code, "23505") == 0)
			fprintf(stderr,
			        "lifted-scraper: a job of %s is "
			        "already running\n",
			        j->spider);
		else
			fprintf(stderr,
			        "lifted-scraper: cannot start the "
			        "job: %s",
			        job_errmsg(j->db, r));
	} else if (PQntuples(r) == 0)
		fprintf(stderr,
		        "lifted-scraper: job %s is not a queued "
		        "job of %s\n",
		        queued_id, j->spider);
	else {
		snprintf(j->id, sizeof(j->id), "%s", PQgetvalue(r, 0, 0));
		rc = 0;
	}
	PQclear(r);
	return (rc);
}

/*
 * Ends the job.  On success, in the same transaction as the final
 * state (and only while the job is still ours), removes the spider's
 * untouched rows the run did not see.  Returns the state written.
 */
static const char *
job_finish(struct job *j, const char *state, const char *error)
{
	const char *v[3];
	PGresult *r;
	int ours = 0;

	r = job_exec(j->db, "BEGIN", 0, NULL);
	PQclear(r);
	v[0] = j->id;
	v[1] = state;
	v[2] = error;
	r = job_exec(j->db,
	             "UPDATE scraper_jobs SET state = $2, ended_at = now(), "
	             "error = left($3, 2000) WHERE id = $1::bigint AND "
	             "state = 'running' RETURNING id",
	             3, v);
	ours = job_ok(r) && PQntuples(r) == 1;
	if (!job_ok(r))
		fprintf(stderr, "lifted-scraper: finish: %s",
		        job_errmsg(j->db, r));
	PQclear(r);
	if (ours && strcmp(state, "succeeded") == 0) {
		v[0] = j->spider;
		v[1] = j->id;
		r = job_exec(
		    j->db,
		    "DELETE FROM scraped_courses WHERE spider_name = "
		    "$1 AND state = 'scraped' AND edited_fields = '{}' "
		    "AND seen_job_id IS DISTINCT FROM $2::bigint "
		    "RETURNING id, source_url",
		    2, v);
		if (job_ok(r)) {
			j->removed = PQntuples(r);
		} else {
			fprintf(stderr, "lifted-scraper: remove: %s",
			        job_errmsg(j->db, r));
			ours = 0;
		}
		PQclear(r);
	}
	r = job_exec(j->db, ours ? "COMMIT" : "ROLLBACK", 0, NULL);
	if (!job_ok(r))
		ours = 0;
	PQclear(r);
	if (!ours) {
		j->removed = 0;
		job_log(j, "error",
		        "the job was no longer this process's "
		        "(lease lost); nothing removed");
		return ("failed");
	}
	if (j->removed > 0)
		job_log(j, "info",
		        "removed %ld course(s) not seen in this "
		        "run",
		        j->removed);
	job_counts(j);
	job_log(j, state[0] == 's' ? "info" : "error", "job %s%s%s", state,
	        error != NULL ? ": " : "", error != NULL ? error : "");
	return (state);
}

int
scraper_job_run(const struct spider *sp, const struct settings *settings,
                int argc, char **argv)
{
	struct scrape_options opt;
	struct scrape_hooks hooks;
	struct sigaction sa;
	const char *queued = NULL, *state, *error = NULL;
	char err[512];
	struct job j;
	int i, rc, lost = 0, thread = 0;

	if (argc < 1 || argv[0][0] == '-') {
		fprintf(stderr, "lifted-scraper: run: no spider named\n");
		return (2);
	}
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--job") == 0 && i + 1 < argc)
			queued = argv[++i];
	}
	if (settings->scraper_database_url == NULL) {
		fprintf(stderr, "lifted-scraper: LIFTED_SCRAPER_DATABASE_URL "
		                "is not set\n");
		return (2);
	}
	memset(&j, 0, sizeof(j));
	j.spider = argv[0];
	j.url = settings->scraper_database_url;
	pthread_mutex_init(&j.mu, NULL);
	pthread_cond_init(&j.cv, NULL);
	clock_gettime(CLOCK_MONOTONIC, &j.counts_at);
	j.db = PQconnectdb(j.url);
	if (PQstatus(j.db) != CONNECTION_OK) {
		fprintf(stderr, "lifted-scraper: cannot connect: %s",
		        PQerrorMessage(j.db));
		rc = 2;
		goto cleanup;
	}
	job_expire(j.db);
	if (job_claim(&j, queued) != 0) {
		rc = 2;
		goto cleanup;
	}
	/* SIGTERM/SIGINT end the job as cancelled, never half-written. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = job_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (pthread_create(&j.lease, NULL, job_lease_main, &j) != 0) {
		job_finish(&j, "failed", "cannot start the lease thread");
		rc = 1;
		goto cleanup;
	}
	thread = 1;
	job_log(&j, "info", "job %s: spider %s started (pid %ld)", j.id,
	        j.spider, (long)getpid());

	memset(&opt, 0, sizeof(opt));
	opt.timeout_s = settings->scraper_timeout_s;
	opt.delay_ms = settings->scraper_delay_ms;
	opt.retries = settings->scraper_retries;
	opt.time_zone = settings->time_zone; /* as --dry-run does */
	memset(&hooks, 0, sizeof(hooks));
	hooks.on_item = job_on_item;
	hooks.on_log = job_on_log;
	hooks.should_stop = job_should_stop;
	hooks.on_progress = job_on_progress;
	hooks.arg = &j;
	err[0] = '\0';
	i = scrape_run(sp, &opt, &hooks, err, sizeof(err));
	job_counts(&j);

	if (job_stopping(&j, &lost) && !lost) {
		state = "cancelled";
		error = "cancelled";
	} else if (i != 0) {
		state = "failed";
		error = err[0] != '\0' ? err : "the scrape failed";
	} else if (j.found == 0) {
		state = "failed";
		error = "no items found";
	} else
		state = "succeeded";
	state = job_finish(&j, state, error);
	rc = strcmp(state, "succeeded") == 0 ? 0 : 1;
cleanup:
	if (thread) {
		pthread_mutex_lock(&j.mu);
		j.done = 1;
		pthread_cond_signal(&j.cv);
		pthread_mutex_unlock(&j.mu);
		pthread_join(j.lease, NULL);
	}
	PQfinish(j.db);
	pthread_cond_destroy(&j.cv);
	pthread_mutex_destroy(&j.mu);
	return (rc);
}
