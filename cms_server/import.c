/*
 * Framework import through the CMS (see import.h; contract in
 * docs/cms-import.md).
 *
 * Three steps, each a request:
 *
 *   upload  one sheet file as the raw request body (evhttp has no
 *           multipart).  The file is parsed on the thread pool (a zip
 *           and XML parser is no work for the loop), so a file that
 *           cannot be read is refused at once, naming its sheet; a
 *           readable one replaces the user's staged copy of that sheet
 *           in the CMS database (import_uploads).
 *   check   the staged sheets through the shared importer's parse and
 *           validate, and a diff against the live framework, read from
 *           the App database.
 *   apply   the same validation again (the staged set may have changed
 *           since the check), then framework_apply: the whole framework
 *           in one transaction that ends in NOTIFY lifted_framework, so
 *           App workers reload without a restart.  Then the audit row,
 *           then the staged sheets the apply read are cleared.
 *
 * Why a blocking connection on a pool thread.  framework_apply is the
 * same library code `lifted-app import-framework` runs: blocking libpq,
 * thousands of statements in one transaction.  On the event loop it
 * would stop every other request of the worker for the whole import,
 * and the router's asynchronous pools send one statement per round trip
 * with no transaction spanning them.  So check and apply open their own
 * short-lived PGconn inside the thread-pool job and close it there; the
 * loop only ever sees the finished result.  Which database that is
 * still comes from the router table: the "framework_import" family
 * names the App database (router.c), and import_db_url maps it to the
 * URL this binary has for it (cms_publisher's, LIFTED_CMS_APP_DATABASE_URL),
 * so nothing here hard-codes a connection.  The check's connection is
 * read-only (default_transaction_read_only).
 *
 * Nothing is half-applied: framework_apply rolls back on any error, and
 * the staging area is cleared only after the App transaction committed.
 * If the audit insert fails after a committed import the import stands
 * (it cannot be undone from here); the failure is logged and answered.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cjson/cJSON.h>
#include <libpq-fe.h>
#include <libxml/parser.h>

#include "hex.h"
#include "arena.h"
#include "db.h"
#include "diagram.h"
#include "framework.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "sheet.h"
#include "task.h"

#define IMPORT_PERMISSION "framework.import"
#define IMPORT_MAX_ITEMS  2000 /* entries per diff list, to bound answers */

/* --- where the framework lives ---------------------------------------- */

/* The URL of the database the router table gives the framework import. */
static const char *
import_db_url(void)
{
	const struct settings *st = cms_settings();
	enum router_db db;

	if (router_family_db("framework_import", &db) != 0)
		return (NULL);
	return (db == ROUTER_DB_APP ? st->cms_app_database_url
	                            : st->cms_database_url);
}

/* --- small helpers ------------------------------------------------------ */

static const char *
import_sheet_name(const char *s)
{
	size_t i;

	for (i = 0; framework_sheets[i] != NULL; i++) {
		if (strcmp(framework_sheets[i], s) == 0)
			return (framework_sheets[i]);
	}
	return (NULL);
}

static void
import_query_failed(struct http_request *req, int rc)
{
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(req, "too busy", 1);
	else
		http_respond_unavailable(req, "database unavailable", 1);
}

static char *
import_strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	char *p;

	if ((p = malloc(n)) != NULL)
		memcpy(p, s, n);
	return (p);
}

/* --- upload --------------------------------------------------------------- */

struct upload_job {
	struct http_request *req;
	const char *sheet; /* framework_sheets[] entry */
	const char *format;
	unsigned char *data; /* copy of the body */
	size_t len;
	char *hex; /* bytea hex text, made by the job */
	int bad;
	char err[256];
};

static void
upload_work(void *arg)
{
	struct upload_job *j = arg;
	struct sheet sh;

	memset(&sh, 0, sizeof(sh));
	if (sheet_read_mem(j->format, j->data, j->len, &sh, j->err,
	                   sizeof(j->err)) != 0) {
		j->bad = 1;
		return;
	}
	sheet_free(&sh);
	if ((j->hex = malloc(2 * j->len + 3)) == NULL) {
		j->bad = -1;
		return;
	}
	j->hex[0] = '\\';
	j->hex[1] = 'x';
	hex_encode(j->data, j->len, j->hex + 2);
}

static void
upload_stored(const struct db_result *res, void *arg)
{
	struct upload_job *j = arg;
	struct http_request *req = j->req;
	cJSON *o;

	if (res->pg == NULL || PQntuples(res->pg) != 1) {
		log_error("import upload: %s",
		          res->error ? res->error : "no row");
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	if (strcmp(PQgetvalue(res->pg, 0, 0), "ok") != 0) {
		http_respond_field_error(
		    req, 413, "upload too large", j->sheet,
		    "the uploaded sheets together would exceed 2 MiB");
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "sheet", j->sheet);
	cJSON_AddStringToObject(o, "format", j->format);
	cJSON_AddNumberToObject(o, "bytes", (double)j->len);
	http_respond_json(req, 200, o);
}

static void
upload_done(void *arg)
{
	struct upload_job *j = arg;
	struct http_request *req = j->req;
	const struct cms_session *s = cms_session(req);
	char user[24], total[24], msg[320];
	const char *values[5];
	int rc;

	free(j->data);
	j->data = NULL;
	if (j->bad != 0) {
		free(j->hex);
		if (j->bad < 0) {
			http_respond_error(req, 500, "out of memory", NULL);
			return;
		}
		snprintf(msg, sizeof(msg), "cannot be read as .%s: %s",
		         j->format, j->err);
		http_respond_field_error(req, 400, "malformed sheet file",
		                         j->sheet, msg);
		return;
	}
	snprintf(user, sizeof(user), "%lld", s->user_id);
	snprintf(total, sizeof(total), "%d", CMS_IMPORT_MAX_TOTAL);
	values[0] = user;
	values[1] = j->sheet;
	values[2] = j->format;
	values[3] = j->hex;
	values[4] = total;
	rc = router_query(service_get()->router, "cms_import.upload", 5, values,
	                  upload_stored, j);
	free(j->hex); /* the router copied it */
	j->hex = NULL;
	if (rc != DB_OK)
		import_query_failed(req, rc);
}

/*
 * POST /cms/api/framework/upload?sheet=NAME&format=ods|csv, the file as
 * the body.  Limits are checked before any work: the body itself was
 * already bounded by LIFTED_MAX_BODY_BYTES.
 */
static void
import_upload(struct http_request *req)
{
	struct upload_job *j;
	const unsigned char *body;
	const char *sheet, *format;
	size_t len;

	if (cms_require(req, IMPORT_PERMISSION) != 0)
		return;
	http_param_str(req, "sheet", &sheet);
	http_param_str(req, "format", &format);
	if ((sheet = import_sheet_name(sheet)) == NULL) {
		http_respond_field_error(req, 400, "invalid parameters",
		                         "sheet", "is not a framework sheet");
		return;
	}
	if (strcmp(format, "ods") != 0 && strcmp(format, "csv") != 0) {
		http_respond_field_error(req, 400, "invalid parameters",
		                         "format", "must be ods or csv");
		return;
	}
	body = http_req_body(req, &len);
	if (body == NULL || len == 0) {
		http_respond_field_error(req, 400, "malformed sheet file",
		                         sheet, "the file is empty");
		return;
	}
	if (len > CMS_IMPORT_MAX_FILE) {
		http_respond_field_error(req, 413, "upload too large", sheet,
		                         "a sheet file may be at most 512 KiB");
		return;
	}
	j = arena_alloc(http_arena(req), sizeof(*j));
	if (j == NULL || (j->data = malloc(len)) == NULL) {
		http_respond_error(req, 500, "out of memory", NULL);
		return;
	}
	memcpy(j->data, body, len);
	j->req = req;
	j->sheet = sheet;
	j->format = format[0] == 'o' ? "ods" : "csv";
	j->len = len;
	j->hex = NULL;
	j->bad = 0;
	if (task_pool_submit(service_get()->tasks, upload_work, upload_done,
	                     j) != 0) {
		free(j->data);
		http_respond_unavailable(req, "too busy", 1);
	}
}

/* --- check and apply ------------------------------------------------------ */

/* One row of the diff: an id and its name. */
struct import_item {
	long long id;
	char *name;
};

struct import_list {
	struct import_item *v;
	size_t n, cap;
};

/* The tables the diff lists by id and name. */
enum {
	IT_VERTICALS,
	IT_CATEGORIES,
	IT_COMPETENCIES,
	IT_JOB_ROLES,
	IT_TECH_ROLES,
	IT_N
};

static const struct {
	const char *key;   /* in the answer */
	const char *sheet; /* where the new names come from */
	const char *query; /* the live ones */
} import_tables[IT_N] = {
    {"verticals", "verticals", "SELECT id, name FROM verticals ORDER BY id"},
    {"vertical_categories", "verticals",
     "SELECT id, title FROM vertical_categories ORDER BY id"},
    {"competencies", "competencies",
     "SELECT id, title FROM competencies ORDER BY id"},
    {"job_roles", "job_roles", "SELECT id, name FROM job_roles ORDER BY id"},
    {"tech_roles", "tech_roles", "SELECT id, name FROM tech_roles ORDER BY id"},
};

/* A staged sheet as the list statement returned it. */
struct import_upload {
	char *id;
	char *sheet;
	char *format;
	char *hex;
};

struct import_job {
	struct http_request *req;
	int apply;
	struct import_upload *up;
	size_t nup;
	char *ids; /* "{1,2}": the staged rows read, cleared after apply */
	/* What the job found, for the loop. */
	int status;
	cJSON *answer;
	cJSON *audit; /* apply: the audit row's "after" */
	struct import_list lists[IT_N];
};

static void
import_list_push(struct import_list *l, long long id, const char *name)
{
	struct import_item *v;

	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 64;
		if ((v = realloc(l->v, l->cap * sizeof(*v))) == NULL) {
			l->cap = l->n;
			return;
		}
		l->v = v;
	}
	if ((l->v[l->n].name = import_strdup(name)) != NULL)
		l->v[l->n++].id = id;
}

static void
import_list_free(struct import_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i].name);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static int
import_col(const struct sheet *sh, const char *name)
{
	size_t c;

	if (sh->nrows == 0)
		return (-1);
	for (c = 0; c < sh->rows[0].ncells; c++) {
		if (strcasecmp(sh->rows[0].cells[c], name) == 0)
			return ((int)c);
	}
	return (-1);
}

/*
 * Notes the ids and names a sheet will give its rows, by the id rules
 * of docs/framework.md, before the importer takes the sheet.  Only used
 * when validation finds no error, when every data row is a row of its
 * table and these rules hold.
 */
static void
import_names(struct import_job *j, const char *sheet, const struct sheet *sh)
{
	size_t r;
	long long n = 0, m = 0;
	int a, b;
	char *end;
	long long id;

	if (strcmp(sheet, "verticals") == 0) {
		a = import_col(sh, "Vertical");
		b = import_col(sh, "Category title");
		for (r = 1; r < sh->nrows && a >= 0 && b >= 0; r++) {
			if (sheet_cell(sh, r, (size_t)a)[0] != '\0')
				import_list_push(&j->lists[IT_VERTICALS], ++n,
				                 sheet_cell(sh, r, (size_t)a));
			import_list_push(&j->lists[IT_CATEGORIES], ++m,
			                 sheet_cell(sh, r, (size_t)b));
		}
	} else if (strcmp(sheet, "competencies") == 0) {
		a = import_col(sh, "ID");
		b = import_col(sh, "Copyedited title");
		for (r = 1; r < sh->nrows && a >= 0 && b >= 0; r++) {
			/* "5.0": how a spreadsheet may write 5 */
			id = strtoll(sheet_cell(sh, r, (size_t)a), &end, 10);
			if (end != sheet_cell(sh, r, (size_t)a))
				import_list_push(&j->lists[IT_COMPETENCIES], id,
				                 sheet_cell(sh, r, (size_t)b));
		}
	} else if (strcmp(sheet, "job_roles") == 0 ||
	           strcmp(sheet, "tech_roles") == 0) {
		a = import_col(sh, "Role");
		/* Job role ids start at 1, tech role ids at 0. */
		n = sheet[0] == 'j' ? 1 : 0;
		for (r = 1; r < sh->nrows && a >= 0; r++)
			import_list_push(
			    &j->lists[sheet[0] == 'j' ? IT_JOB_ROLES
			                              : IT_TECH_ROLES],
			    n++, sheet_cell(sh, r, (size_t)a));
	}
}

/* Reads the staged sheets into fw; a sheet that is not there is an
 * error of the report, as a missing file is for the command. */
static void
import_read(struct import_job *j, struct framework *fw)
{
	unsigned char *data;
	struct sheet sh;
	char err[256];
	size_t i, len;
	int have;

	for (i = 0; i < j->nup; i++) {
		data =
		    PQunescapeBytea((const unsigned char *)j->up[i].hex, &len);
		if (data == NULL) {
			framework_sheet_error(fw, j->up[i].sheet,
			                      "out of memory");
			continue;
		}
		memset(&sh, 0, sizeof(sh));
		if (sheet_read_mem(j->up[i].format, data, len, &sh, err,
		                   sizeof(err)) != 0)
			framework_sheet_error(fw, j->up[i].sheet, err);
		else {
			import_names(j, j->up[i].sheet, &sh);
			framework_add_sheet(fw, j->up[i].sheet, &sh);
			sheet_free(&sh);
		}
		PQfreemem(data);
	}
	for (i = 0; framework_sheets[i] != NULL; i++) {
		if (strcmp(framework_sheets[i], "courses") == 0)
			continue;
		for (have = 0; have < (int)j->nup; have++) {
			if (strcmp(j->up[have].sheet, framework_sheets[i]) == 0)
				break;
		}
		if (have == (int)j->nup)
			framework_sheet_error(fw, framework_sheets[i],
			                      "not uploaded");
	}
}

static cJSON *
import_counts_json(const struct framework_counts *c)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "verticals", (double)c->verticals);
	cJSON_AddNumberToObject(o, "vertical_categories",
	                        (double)c->vertical_categories);
	cJSON_AddNumberToObject(o, "competency_categories",
	                        (double)c->competency_categories);
	cJSON_AddNumberToObject(o, "specialisms", (double)c->specialisms);
	cJSON_AddNumberToObject(o, "competencies", (double)c->competencies);
	cJSON_AddNumberToObject(o, "job_roles", (double)c->job_roles);
	cJSON_AddNumberToObject(o, "tech_roles", (double)c->tech_roles);
	cJSON_AddNumberToObject(o, "tech_competencies",
	                        (double)c->tech_competencies);
	cJSON_AddNumberToObject(o, "needs", (double)c->needs);
	cJSON_AddNumberToObject(o, "levels", (double)c->levels);
	cJSON_AddNumberToObject(o, "formats", (double)c->formats);
	cJSON_AddNumberToObject(o, "courses", (double)c->courses);
	return (o);
}

/* The report: every issue with sheet, row and column (a letter, as a
 * spreadsheet shows it; null when not known). */
static void
import_report(cJSON *o, const struct framework *fw)
{
	const struct framework_issue *is;
	cJSON *arr, *e;
	char col[8];
	size_t i, n;

	is = framework_issues(fw, &n);
	cJSON_AddNumberToObject(o, "errors", (double)framework_nerrors(fw));
	cJSON_AddNumberToObject(o, "warnings", (double)framework_nwarnings(fw));
	arr = cJSON_AddArrayToObject(o, "issues");
	for (i = 0; i < n; i++) {
		e = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    e, "severity",
		    is[i].severity == FRAMEWORK_ERROR ? "error" : "warning");
		cJSON_AddStringToObject(e, "sheet", is[i].sheet);
		if (is[i].row > 0)
			cJSON_AddNumberToObject(e, "row", (double)is[i].row);
		else
			cJSON_AddNullToObject(e, "row");
		if (is[i].col >= 0) {
			sheet_col_name((size_t)is[i].col, col, sizeof(col));
			cJSON_AddStringToObject(e, "column", col);
		} else
			cJSON_AddNullToObject(e, "column");
		cJSON_AddStringToObject(e, "message", is[i].message);
		cJSON_AddItemToArray(arr, e);
	}
}

static cJSON *
import_item_json(long long id, const char *name)
{
	cJSON *e = cJSON_CreateObject();

	cJSON_AddNumberToObject(e, "id", (double)id);
	cJSON_AddStringToObject(e, "name", name);
	return (e);
}

static int
import_item_cmp(const void *a, const void *b)
{
	const struct import_item *x = a, *y = b;

	return (x->id < y->id ? -1 : x->id > y->id);
}

/* One table's diff into o: both lists sorted by id, merged. */
static void
import_diff_table(cJSON *o, struct import_list *nw, const PGresult *live)
{
	cJSON *add, *rem, *chg, *e;
	size_t i = 0, k = 0, nlive = (size_t)PQntuples(live), nadd = 0;
	size_t nrem = 0, nchg = 0;
	long long lid;
	const char *lname;

	if (o == NULL)
		return;
	if (nw->n > 1)
		qsort(nw->v, nw->n, sizeof(*nw->v), import_item_cmp);
	add = cJSON_AddArrayToObject(o, "added");
	rem = cJSON_AddArrayToObject(o, "removed");
	chg = cJSON_AddArrayToObject(o, "changed");
	while (i < nw->n || k < nlive) {
		lid = k < nlive ? strtoll(PQgetvalue(live, (int)k, 0), NULL, 10)
		                : 0;
		lname = k < nlive ? PQgetvalue(live, (int)k, 1) : NULL;
		if (k >= nlive || (i < nw->n && nw->v[i].id < lid)) {
			if (nadd++ < IMPORT_MAX_ITEMS)
				cJSON_AddItemToArray(
				    add, import_item_json(nw->v[i].id,
				                          nw->v[i].name));
			i++;
		} else if (i >= nw->n || lid < nw->v[i].id) {
			if (nrem++ < IMPORT_MAX_ITEMS)
				cJSON_AddItemToArray(
				    rem, import_item_json(lid, lname));
			k++;
		} else {
			if (strcmp(nw->v[i].name, lname) != 0 &&
			    nchg++ < IMPORT_MAX_ITEMS) {
				e = import_item_json(lid, nw->v[i].name);
				cJSON_AddStringToObject(e, "was", lname);
				cJSON_AddItemToArray(chg, e);
			}
			i++;
			k++;
		}
	}
}

/* Counts of the live tables, in framework_counts order. */
static const char import_live_counts[] =
    "SELECT (SELECT count(*) FROM verticals), "
    "(SELECT count(*) FROM vertical_categories), "
    "(SELECT count(*) FROM competency_categories), "
    "(SELECT count(*) FROM specialisms), "
    "(SELECT count(*) FROM competencies), "
    "(SELECT count(*) FROM job_roles), "
    "(SELECT count(*) FROM tech_roles), "
    "(SELECT count(*) FROM tech_competencies), "
    "(SELECT count(*) FROM needs), "
    "(SELECT count(*) FROM levels), "
    "(SELECT count(*) FROM formats), "
    "(SELECT count(*) FROM courses WHERE source_ref LIKE 'sample:%')";

static const char *const import_count_keys[] = {
    "verticals",
    "vertical_categories",
    "competency_categories",
    "specialisms",
    "competencies",
    "job_roles",
    "tech_roles",
    "tech_competencies",
    "needs",
    "levels",
    "formats",
    "courses",
};

/*
 * The diff against the live framework, read on a read-only blocking
 * connection in one snapshot (REPEATABLE READ): per table the live and
 * new row counts and, for the tables people name things by, the ids
 * added, removed and renamed.  NULL with *why set when the App database
 * cannot be read.
 */
static cJSON *
import_diff(struct import_job *j, const cJSON *counts, const char **why)
{
	const char *url = import_db_url();
	PGconn *conn = NULL;
	PGresult *res = NULL;
	cJSON *diff = NULL, *e;
	const cJSON *nc;
	const char *kw[3], *vals[3];
	size_t t;

	*why = "the App database is not available";
	if (url == NULL)
		return (NULL);
	kw[0] = "dbname";
	vals[0] = url;
	kw[1] = "options";
	vals[1] = "-c default_transaction_read_only=on";
	kw[2] = NULL;
	vals[2] = NULL;
	conn = PQconnectdbParams(kw, vals, 1);
	if (PQstatus(conn) != CONNECTION_OK)
		goto cleanup;
	res = PQexec(conn, "BEGIN ISOLATION LEVEL REPEATABLE READ");
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
		goto cleanup;
	PQclear(res);
	res = PQexec(conn, import_live_counts);
	if (PQresultStatus(res) != PGRES_TUPLES_OK || PQntuples(res) != 1)
		goto cleanup;
	diff = cJSON_CreateObject();
	for (t = 0; t < sizeof(import_count_keys) / sizeof(*import_count_keys);
	     t++) {
		e = cJSON_CreateObject();
		cJSON_AddNumberToObject(e, "live",
		                        atof(PQgetvalue(res, 0, (int)t)));
		nc = cJSON_GetObjectItemCaseSensitive(counts,
		                                      import_count_keys[t]);
		cJSON_AddNumberToObject(e, "new", nc ? nc->valuedouble : 0);
		cJSON_AddItemToObject(diff, import_count_keys[t], e);
	}
	PQclear(res);
	res = NULL;
	for (t = 0; t < IT_N; t++) {
		res = PQexec(conn, import_tables[t].query);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			cJSON_Delete(diff);
			diff = NULL;
			goto cleanup;
		}
		import_diff_table(cJSON_GetObjectItemCaseSensitive(
		                      diff, import_tables[t].key),
		                  &j->lists[t], res);
		PQclear(res);
		res = NULL;
	}
	*why = NULL;
cleanup:
	if (diff == NULL && conn != NULL)
		log_error("import diff: %s", PQerrorMessage(conn));
	PQclear(res);
	PQfinish(conn);
	return (diff);
}

/* Runs framework_apply on a blocking cms_publisher connection. */
static int
import_apply(const struct framework *fw, char *err, size_t errlen)
{
	const char *url = import_db_url();
	PGconn *conn;
	int rc = -1;

	if (url == NULL) {
		snprintf(err, errlen, "the App database is not configured");
		return (-1);
	}
	conn = PQconnectdb(url);
	if (PQstatus(conn) != CONNECTION_OK) {
		log_error("import apply: %s", PQerrorMessage(conn));
		snprintf(err, errlen, "the App database is not available");
	} else
		rc = framework_apply(fw, conn, cms_settings()->time_zone, err,
		                     errlen);
	PQfinish(conn);
	return (rc);
}

static void
import_work(void *arg)
{
	struct import_job *j = arg;
	struct framework_counts fc;
	struct framework *fw;
	const char *why;
	cJSON *counts, *diff;
	char err[512];

	if ((fw = framework_new()) == NULL) {
		j->status = 500;
		return;
	}
	import_read(j, fw);
	framework_validate(fw, 0);
	framework_counts(fw, &fc);
	j->answer = cJSON_CreateObject();
	cJSON_AddBoolToObject(j->answer, "ok", framework_nerrors(fw) == 0);
	import_report(j->answer, fw);
	counts = import_counts_json(&fc);
	cJSON_AddItemToObject(j->answer, "counts", counts);
	j->status = 200;
	if (!j->apply) {
		/* With errors the new ids are not well defined: no diff. */
		if (framework_nerrors(fw) != 0)
			cJSON_AddNullToObject(j->answer, "diff");
		else if ((diff = import_diff(j, counts, &why)) != NULL)
			cJSON_AddItemToObject(j->answer, "diff", diff);
		else {
			cJSON_AddNullToObject(j->answer, "diff");
			cJSON_AddStringToObject(j->answer, "diff_error", why);
		}
		goto cleanup;
	}
	if (framework_nerrors(fw) != 0) {
		cJSON_AddStringToObject(j->answer, "error",
		                        "the sheets have errors; nothing was "
		                        "applied");
		cJSON_AddBoolToObject(j->answer, "applied", 0);
		j->status = 422;
		goto cleanup;
	}
	if (import_apply(fw, err, sizeof(err)) != 0) {
		cJSON_AddStringToObject(j->answer, "error", err);
		cJSON_AddBoolToObject(j->answer, "applied", 0);
		j->status = 503;
		goto cleanup;
	}
	cJSON_AddBoolToObject(j->answer, "applied", 1);
	j->audit = cJSON_CreateObject();
	cJSON_AddItemToObject(j->audit, "counts", import_counts_json(&fc));
	cJSON_AddNumberToObject(j->audit, "warnings",
	                        (double)framework_nwarnings(fw));
cleanup:
	framework_free(fw);
}

static void
import_job_free(struct import_job *j)
{
	size_t i;

	for (i = 0; i < j->nup; i++) {
		free(j->up[i].id);
		free(j->up[i].sheet);
		free(j->up[i].format);
		free(j->up[i].hex);
	}
	free(j->up);
	free(j->ids);
	for (i = 0; i < IT_N; i++)
		import_list_free(&j->lists[i]);
	cJSON_Delete(j->audit);
	free(j);
}

static void
import_cleared(const struct db_result *res, void *arg)
{
	struct import_job *j = arg;

	/* The import is in; a stale staging area only costs a re-check. */
	if (res->pg == NULL)
		log_error("import: clearing the staged sheets: %s",
		          res->error ? res->error : "error");
	http_respond_json(j->req, 200, j->answer);
	j->answer = NULL;
	import_job_free(j);
}

static void
import_audited(const struct db_result *res, void *arg)
{
	struct import_job *j = arg;
	const struct cms_session *s = cms_session(j->req);
	char user[24];
	const char *values[2];

	if (res->pg == NULL)
		log_error("import: the App framework was replaced but the "
		          "audit row failed: %s",
		          res->error ? res->error : "error");
	snprintf(user, sizeof(user), "%lld", s->user_id);
	values[0] = user;
	values[1] = j->ids;
	if (router_query(service_get()->router, "cms_import.clear", 2, values,
	                 import_cleared, j) != DB_OK) {
		http_respond_json(j->req, 200, j->answer);
		j->answer = NULL;
		import_job_free(j);
	}
}

static void
import_done(void *arg)
{
	struct import_job *j = arg;
	struct http_request *req = j->req;
	cJSON *after;

	if (j->answer == NULL) {
		http_respond_error(req, 500, "internal error", NULL);
		import_job_free(j);
		return;
	}
	if (j->status != 200 || !j->apply) {
		http_respond_json(req, j->status, j->answer);
		j->answer = NULL;
		import_job_free(j);
		return;
	}
	after = j->audit;
	j->audit = NULL;
	if (cms_audit(req, "framework.import", "framework", NULL, NULL, after,
	              NULL, import_audited, j) != 0) {
		log_error("import: the App framework was replaced but the "
		          "audit row could not be queued");
		http_respond_json(req, 200, j->answer);
		j->answer = NULL;
		import_job_free(j);
	}
}

/* The staged sheets are in: copy them off the result and start the job. */
static void
import_listed(const struct db_result *res, void *arg)
{
	struct import_job *j = arg;
	struct http_request *req = j->req;
	size_t i, n, idlen = 3;
	char *p;

	if (res->pg == NULL) {
		log_error("import: %s", res->error ? res->error : "error");
		http_respond_unavailable(req, "database unavailable", 1);
		import_job_free(j);
		return;
	}
	n = (size_t)PQntuples(res->pg);
	if (n == 0) {
		http_respond_error(req, 400, "no sheets uploaded", NULL);
		import_job_free(j);
		return;
	}
	if ((j->up = calloc(n, sizeof(*j->up))) == NULL)
		goto oom;
	for (i = 0; i < n; i++, j->nup++) {
		j->up[i].id = import_strdup(PQgetvalue(res->pg, (int)i, 0));
		j->up[i].sheet = import_strdup(PQgetvalue(res->pg, (int)i, 1));
		j->up[i].format = import_strdup(PQgetvalue(res->pg, (int)i, 2));
		j->up[i].hex = import_strdup(PQgetvalue(res->pg, (int)i, 3));
		if (j->up[i].id == NULL || j->up[i].sheet == NULL ||
		    j->up[i].format == NULL || j->up[i].hex == NULL) {
			j->nup++;
			goto oom;
		}
		idlen += strlen(j->up[i].id) + 1;
	}
	if ((j->ids = malloc(idlen)) == NULL)
		goto oom;
	p = j->ids;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%s", i ? "," : "", j->up[i].id);
	*p++ = '}';
	*p = '\0';
	if (task_pool_submit(service_get()->tasks, import_work, import_done,
	                     j) != 0) {
		http_respond_unavailable(req, "too busy", 1);
		import_job_free(j);
	}
	return;
oom:
	http_respond_error(req, 500, "out of memory", NULL);
	import_job_free(j);
}

static void
import_start(struct http_request *req, int apply)
{
	const struct cms_session *s;
	struct import_job *j;
	char user[24];
	const char *values[1] = {user};
	int rc;

	if (cms_require(req, IMPORT_PERMISSION) != 0)
		return;
	s = cms_session(req);
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		http_respond_error(req, 500, "out of memory", NULL);
		return;
	}
	j->req = req;
	j->apply = apply;
	snprintf(user, sizeof(user), "%lld", s->user_id);
	rc = router_query(service_get()->router, "cms_import.list", 1, values,
	                  import_listed, j);
	if (rc != DB_OK) {
		import_query_failed(req, rc);
		import_job_free(j);
	}
}

/* POST /cms/api/framework/check: the report and the diff. */
static void
import_check(struct http_request *req)
{
	import_start(req, 0);
}

/* POST /cms/api/framework/apply */
static void
import_apply_route(struct http_request *req)
{
	import_start(req, 1);
}

/* --- the staging area ------------------------------------------------------
 */

static void
import_status_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	const char *text;

	if (res->pg == NULL || PQntuples(res->pg) != 1) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	text = PQgetvalue(res->pg, 0, 0);
	http_respond_json_text(req, 200, text);
}

/* GET /cms/api/framework/uploads: the user's staged sheets. */
static void
import_status(struct http_request *req)
{
	char user[24];
	const char *values[1] = {user};
	int rc;

	if (cms_require(req, IMPORT_PERMISSION) != 0)
		return;
	snprintf(user, sizeof(user), "%lld", cms_session(req)->user_id);
	rc = router_query(service_get()->router, "cms_import.status", 1, values,
	                  import_status_done, req);
	if (rc != DB_OK)
		import_query_failed(req, rc);
}

static void
import_discard_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;

	if (res->pg == NULL)
		http_respond_unavailable(req, "database unavailable", 1);
	else
		cms_respond_ok(req);
}

/* POST /cms/api/framework/discard: empties the user's staging area. */
static void
import_discard(struct http_request *req)
{
	char user[24];
	const char *values[2] = {user, NULL};
	int rc;

	if (cms_require(req, IMPORT_PERMISSION) != 0)
		return;
	snprintf(user, sizeof(user), "%lld", cms_session(req)->user_id);
	rc = router_query(service_get()->router, "cms_import.clear", 2, values,
	                  import_discard_done, req);
	if (rc != DB_OK)
		import_query_failed(req, rc);
}

/* --- routes -----------------------------------------------------------------
 */

static const struct http_param upload_params[] = {
    {"sheet", PARAM_EXACT, PARAM_STRING, 1, 40, 1, 0},
    {"format", PARAM_EXACT, PARAM_STRING, 3, 3, 1, 0},
};

/* The workflow diagram (diagram.c) shares this table: a server holds at
 * most HTTP_MAX_TABLES route tables. */
static const struct http_route import_routes[] = {
    {HTTP_POST, "/cms/api/framework/upload", import_upload,
     HTTP_PARAMS(upload_params)},
    {HTTP_GET, "/cms/api/framework/uploads", import_status, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/framework/discard", import_discard, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/framework/check", import_check, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/framework/apply", import_apply_route, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/workflow.svg", cms_diagram_get, HTTP_NO_PARAMS},
};

int
cms_import_mount(struct worker *w)
{
	/* libxml2 sets itself up lazily, which is not safe when two pool
	 * threads parse their first .ods at once: do it here, once. */
	xmlInitParser();
	return (http_server_add_routes(w->http, import_routes,
	                               sizeof(import_routes) /
	                                   sizeof(import_routes[0])));
}
