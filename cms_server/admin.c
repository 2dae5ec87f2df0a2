/*
 * Staff administration routes (see admin.h; contract in docs/cms-api.md).
 *
 * The shape of a change.  A POST handler checks its permission
 * (cms_require answers 403 itself), then validates the JSON body against
 * the route's declared field table: every bad field is named in one 400
 * before any work is done.  Then one named statement (shared/sql.c,
 * family cms_admin) makes the whole change: its CTEs check the target
 * and the guards, change the rows, revoke sessions where the action
 * calls for it and insert the audit row; its final SELECT reports one
 * row (status, body).  The asynchronous API sends one statement per
 * round trip and a statement is its own transaction, so a change and its
 * audit row are committed together or not at all.  A failed guard turns
 * every CTE into a no-op and comes back as the status ("not_found",
 * "bad_groups", "bad_permissions", "lockout"), which maps to 404, 400 or
 * 409 below.  A duplicate name surfaces as a unique violation and is a
 * 409 on the route's name field.
 *
 * Lock-out: the check that the caller keeps users.manage after a change
 * of their groups or of a group's permissions runs in the statement that
 * makes the change, against the same snapshot, not in an earlier round
 * trip whose answer could be stale by the time the change is sent.  (Two
 * such changes by one administrator in flight at once could still each
 * see the other's group intact; createsuperuser is the way back.)
 *
 * Passwords are hashed on the thread pool (cms_password_hash, session.c)
 * before the statement runs; the plain text never reaches a statement,
 * a log line or the audit log, and our copies are wiped once the hashing
 * task holds its own (a generated one after the answer has shown it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <cjson/cJSON.h>

#include "admin.h"
#include "arena.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"

#define ADMIN_MAX_VALUES 8
#define ADMIN_MAX_ID     9007199254740991LL /* 2^53 - 1: exact in JSON */
#define ADMIN_MAX_ITEMS  200
#define ADMIN_TEMP_LEN   20

/* --- declared body fields --------------------------------------------- */

enum admin_ftype {
	AF_ID,        /* positive integer (JSON number) */
	AF_USERNAME,  /* the users.username rule of 0002_auth.sql */
	AF_PASSWORD,  /* 12-256 bytes, as for a password change */
	AF_NAME,      /* text, trimmed, 1..max characters */
	AF_ID_LIST,   /* array of ids -> PostgreSQL array literal */
	AF_NAME_LIST, /* array of names, each trimmed, 1..max characters
	                 -> JSON array text */
};

struct admin_field {
	const char *name;
	enum admin_ftype type;
	size_t max; /* AF_NAME, AF_NAME_LIST items: characters */
	int required;
};

/* What a field became: the text sent as a statement parameter (NULL
 * when absent: SQL NULL) and, for an id, its value. */
struct admin_value {
	const char *text;
	long long id;
	char *password; /* AF_PASSWORD: plain text, never a parameter */
};

/* --- one change --------------------------------------------------------- */

struct admin_action {
	const char *permission;
	const char *stmt;
	const struct admin_field *fields;
	size_t nfields;
	int ok_status;              /* 200, or 201 for a creation */
	const char *conflict_field; /* unique violation: the duplicate */
	const char *lockout_field;  /* "lockout": the field that caused it */
	const char *self_refusal;   /* not on one's own account: why */
	int temporary_password;     /* a generated password is hashed and
	                               shown once in the answer */
};

struct admin_op {
	struct http_request *req;
	const struct admin_action *act;
	const char *values[ADMIN_MAX_VALUES];
	int nvalues;
	int hash_slot; /* values[] index the hash goes to */
	char temporary[ADMIN_TEMP_LEN + 1];
};

static void admin_run(struct admin_op *op);

/* Counts the UTF-8 characters of s; -1 when s is not UTF-8 or holds a
 * control character (names are shown in lists and logs). */
static long
admin_chars(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	long n = 0;
	int more;

	while (*p != '\0') {
		if (*p < 0x20 || *p == 0x7f)
			return (-1);
		if (*p < 0x80)
			more = 0;
		else if ((*p & 0xe0) == 0xc0 && *p >= 0xc2)
			more = 1;
		else if ((*p & 0xf0) == 0xe0)
			more = 2;
		else if ((*p & 0xf8) == 0xf0 && *p <= 0xf4)
			more = 3;
		else
			return (-1);
		p++;
		while (more-- > 0) {
			if ((*p & 0xc0) != 0x80)
				return (-1);
			p++;
		}
		n++;
	}
	return (n);
}

/* Trimmed copy of s in the arena (spaces and tabs only: other controls
 * are refused by admin_chars). */
static char *
admin_trim(struct arena *a, const char *s)
{
	size_t len;

	while (*s == ' ' || *s == '\t')
		s++;
	len = strlen(s);
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		len--;
	return (arena_strndup(a, s, len));
}

static int
admin_username_ok(const char *s)
{
	size_t i, len = strlen(s);

	/* ^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$, as the table's CHECK. */
	if (len == 0 || len > 64)
		return (0);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		int alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		            (c >= '0' && c <= '9');

		if (!alnum && (i == 0 || strchr("._@-", c) == NULL))
			return (0);
	}
	return (1);
}

/* A JSON number that is a whole id in [1, 2^53). */
static int
admin_id_of(const cJSON *j, long long *out)
{
	double d;

	if (!cJSON_IsNumber(j))
		return (0);
	d = j->valuedouble;
	if (!(d >= 1 && d <= (double)ADMIN_MAX_ID) || d != (double)(long long)d)
		return (0);
	*out = (long long)d;
	return (1);
}

static const char *
admin_parse_id_list(struct arena *a, const cJSON *j, const char **text)
{
	const cJSON *it;
	char *buf, *p;
	long long id;
	int n;

	if (!cJSON_IsArray(j))
		return ("must be an array of ids");
	n = cJSON_GetArraySize(j);
	if (n > ADMIN_MAX_ITEMS)
		return ("has too many items");
	/* "{" + n * (16 digits + ",") + "}" */
	if ((buf = arena_alloc(a, (size_t)n * 18 + 3)) == NULL)
		return ("could not be processed");
	p = buf;
	*p++ = '{';
	cJSON_ArrayForEach(it, j)
	{
		if (!admin_id_of(it, &id))
			return ("must be an array of ids");
		p += sprintf(p, "%s%lld", p == buf + 1 ? "" : ",", id);
	}
	*p++ = '}';
	*p = '\0';
	*text = buf;
	return (NULL);
}

static const char *
admin_parse_name_list(struct arena *a, const cJSON *j, size_t max,
                      const char **text)
{
	const cJSON *it;
	cJSON *out;
	char *s, *printed;
	long n;

	if (!cJSON_IsArray(j))
		return ("must be an array of names");
	if (cJSON_GetArraySize(j) > ADMIN_MAX_ITEMS)
		return ("has too many items");
	if ((out = cJSON_CreateArray()) == NULL)
		return ("could not be processed");
	cJSON_ArrayForEach(it, j)
	{
		if (!cJSON_IsString(it) ||
		    (s = admin_trim(a, it->valuestring)) == NULL ||
		    (n = admin_chars(s)) < 1 || (size_t)n > max) {
			cJSON_Delete(out);
			return (arena_printf(a,
			                     "must be an array of non-empty "
			                     "names of at most %zu characters",
			                     max));
		}
		cJSON_AddItemToArray(out, cJSON_CreateString(s));
	}
	printed = cJSON_PrintUnformatted(out);
	cJSON_Delete(out);
	if (printed == NULL)
		return ("could not be processed");
	*text = arena_strdup(a, printed);
	free(printed);
	return (*text == NULL ? "could not be processed" : NULL);
}

/* Checks one field; NULL when good (v filled), else what is wrong. */
static const char *
admin_parse_field(struct arena *a, const struct admin_field *f, const cJSON *j,
                  struct admin_value *v)
{
	const char *s;
	long n;

	switch (f->type) {
	case AF_ID:
		if (!admin_id_of(j, &v->id))
			return ("must be a positive integer id");
		v->text = arena_printf(a, "%lld", v->id);
		return (NULL);
	case AF_USERNAME:
		if (!cJSON_IsString(j) || !admin_username_ok(j->valuestring))
			return ("must be 1 to 64 letters, digits or . _ @ - "
			        "and start with a letter or digit");
		v->text = arena_strdup(a, j->valuestring);
		return (NULL);
	case AF_PASSWORD:
		if (!cJSON_IsString(j))
			return ("must be a string");
		n = (long)strlen(j->valuestring);
		if (n < 12)
			return ("must be at least 12 characters long");
		if (n > 256)
			return ("must be at most 256 bytes long");
		if ((v->password = arena_strdup(a, j->valuestring)) == NULL)
			return ("could not be processed");
		return (NULL);
	case AF_NAME:
		if (!cJSON_IsString(j) ||
		    (s = admin_trim(a, j->valuestring)) == NULL)
			return ("must be a string");
		n = admin_chars(s);
		if (n < 0)
			return ("must be UTF-8 text without control "
			        "characters");
		if (n == 0)
			return ("must not be empty");
		if ((size_t)n > f->max)
			return (arena_printf(a,
			                     "must be at most %zu "
			                     "characters long",
			                     f->max));
		v->text = s;
		return (NULL);
	case AF_ID_LIST:
		return (admin_parse_id_list(a, j, &v->text));
	case AF_NAME_LIST:
		return (admin_parse_name_list(a, j, f->max, &v->text));
	}
	return ("is not understood");
}

/*
 * Parses the request's JSON body (cms_json_body: an application/json
 * object) against fields (vals[i] for fields[i]).  0, or -1 after
 * answering 400 with every bad field named.
 */
static int
admin_body_parse(struct http_request *req, const struct admin_field *fields,
                 size_t nfields, struct admin_value *vals)
{
	struct arena *a = http_arena(req);
	cJSON *root, *errs = NULL;
	const cJSON *j;
	const char *what;
	size_t i;

	if ((root = cms_json_body(req)) == NULL)
		return (-1);
	for (i = 0; i < nfields; i++) {
		memset(&vals[i], 0, sizeof(vals[i]));
		j = cJSON_GetObjectItemCaseSensitive(root, fields[i].name);
		if (j == NULL || cJSON_IsNull(j))
			what = fields[i].required ? "is required" : NULL;
		else
			what = admin_parse_field(a, &fields[i], j, &vals[i]);
		if (what == NULL && vals[i].password != NULL) {
			/* The parsed body's copy goes now, ours once hashed. */
			explicit_bzero(j->valuestring, strlen(j->valuestring));
			if (i > 0 && fields[0].type == AF_USERNAME &&
			    vals[0].text != NULL &&
			    strcasecmp(vals[0].text, vals[i].password) == 0)
				what = "must not be the user name";
		}
		if (what == NULL)
			continue;
		if (errs == NULL)
			errs = cJSON_CreateObject();
		cJSON_AddStringToObject(errs, fields[i].name, what);
	}
	cJSON_Delete(root);
	if (errs != NULL) {
		http_respond_error(req, 400, "invalid input", errs);
		return (-1);
	}
	return (0);
}

/* --- answering ------------------------------------------------------------ */

static void
admin_query_failed(struct http_request *req, int rc)
{
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(req, "too busy", 1);
	else
		http_respond_unavailable(req, "database unavailable", 1);
}

/* A statement the server refused: a few are the client's doing. */
static void
admin_db_error(struct http_request *req, const struct db_result *res,
               const char *conflict_field)
{
	const char *st = res->sqlstate;

	if (st == NULL) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	if (strcmp(st, "23505") == 0 && conflict_field != NULL) {
		http_respond_field_error(req, 409, "already exists",
		                         conflict_field, "is already taken");
		return;
	}
	/* A row a check saw was changed by a concurrent request (e.g. a
	 * group deleted while being granted): nothing was written. */
	if (strcmp(st, "23503") == 0 || strcmp(st, "40001") == 0 ||
	    strcmp(st, "40P01") == 0) {
		http_respond_error(req, 409, "changed concurrently, try again",
		                   NULL);
		return;
	}
	log_error("admin %s: %s (%s)", http_req_path(req),
	          res->error ? res->error : "error", st);
	http_respond_error(req, 500, "internal error", NULL);
}

/* Answers a read statement's single JSON column as it is. */
static void
admin_read_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	const char *text;

	if (res->pg == NULL) {
		admin_db_error(req, res, NULL);
		return;
	}
	if (PQntuples(res->pg) != 1 || PQgetisnull(res->pg, 0, 0)) {
		http_respond_error(req, 500, "internal error", NULL);
		return;
	}
	text = PQgetvalue(res->pg, 0, 0);
	http_respond_json_text(req, 200, text);
}

static void
admin_read(struct http_request *req, const char *permission, const char *stmt,
           int nvalues, const char *const *values)
{
	int rc;

	if (cms_require(req, permission) != 0)
		return;
	rc = router_query(service_get()->router, stmt, nvalues, values,
	                  admin_read_done, req);
	if (rc != DB_OK)
		admin_query_failed(req, rc);
}

static void
admin_write_done(const struct db_result *res, void *arg)
{
	struct admin_op *op = arg;
	struct http_request *req = op->req;
	const char *status, *what = NULL;
	cJSON *body = NULL, *w;

	if (res->pg == NULL) {
		admin_db_error(req, res, op->act->conflict_field);
		goto done;
	}
	if (PQntuples(res->pg) != 1 || PQnfields(res->pg) != 2) {
		http_respond_error(req, 500, "internal error", NULL);
		goto done;
	}
	status = PQgetvalue(res->pg, 0, 0);
	if (!PQgetisnull(res->pg, 0, 1))
		body = cJSON_Parse(PQgetvalue(res->pg, 0, 1));
	/* A failed guard may explain itself: {"what": "..."}. */
	if ((w = cJSON_GetObjectItemCaseSensitive(body, "what")) != NULL &&
	    cJSON_IsString(w))
		what = w->valuestring;
	if (strcmp(status, "ok") == 0) {
		if (body == NULL)
			body = cJSON_CreateObject();
		if (op->act->temporary_password)
			cJSON_AddStringToObject(body, "temporary_password",
			                        op->temporary);
		http_respond_json(req, op->act->ok_status, body);
		body = NULL;
	} else if (strcmp(status, "not_found") == 0)
		http_respond_field_error(req, 404, "not found", "id",
		                         "no such id");
	else if (strcmp(status, "bad_groups") == 0)
		http_respond_field_error(req, 400, "invalid input", "groups",
		                         what ? what
		                              : "names an unknown group");
	else if (strcmp(status, "bad_permissions") == 0)
		http_respond_field_error(
		    req, 400, "invalid input", "permissions",
		    what ? what : "names an unknown permission");
	else if (strcmp(status, "lockout") == 0)
		http_respond_field_error(
		    req, 409,
		    "you cannot remove your own users.manage permission",
		    op->act->lockout_field ? op->act->lockout_field : "id",
		    "would lock you out of user management");
	else {
		log_error("admin %s: unexpected status %s", http_req_path(req),
		          status);
		http_respond_error(req, 500, "internal error", NULL);
	}
done:
	cJSON_Delete(body);
	explicit_bzero(op->temporary, sizeof(op->temporary));
}

/* A generated password: 20 characters from 56 that cannot be misread
 * (no 0/O/o, 1/l/I), about 116 bits. */
static int
admin_temporary_password(char *out, size_t len)
{
	static const char alphabet[] = "abcdefghijkmnpqrstuvwxyz"
	                               "ABCDEFGHJKLMNPQRSTUVWXYZ"
	                               "23456789";
	const size_t n = sizeof(alphabet) - 1;
	unsigned char r;
	size_t i = 0;

	while (i + 1 < len) {
		if (getrandom(&r, 1, 0) != 1)
			return (-1);
		/* Rejection sampling keeps every character equally likely. */
		if (r >= 256 - 256 % n)
			continue;
		out[i++] = alphabet[r % n];
	}
	out[i] = '\0';
	return (0);
}

static void
admin_hash_done(const char *hash, void *arg)
{
	struct admin_op *op = arg;

	if (hash == NULL) {
		explicit_bzero(op->temporary, sizeof(op->temporary));
		http_respond_unavailable(op->req, "could not hash the password",
		                         1);
		return;
	}
	if ((op->values[op->hash_slot] =
	         arena_strdup(http_arena(op->req), hash)) == NULL) {
		explicit_bzero(op->temporary, sizeof(op->temporary));
		http_respond_unavailable(op->req, "out of memory", 1);
		return;
	}
	admin_run(op);
}

static void
admin_run(struct admin_op *op)
{
	int rc;

	rc = router_query(service_get()->router, op->act->stmt, op->nvalues,
	                  op->values, admin_write_done, op);
	if (rc != DB_OK) {
		explicit_bzero(op->temporary, sizeof(op->temporary));
		admin_query_failed(op->req, rc);
	}
}

/*
 * The common path of every change: permission, body, guards that need
 * no database, password hashing, then the one statement.  Statement
 * parameters are the fields in declared order (a password field's slot
 * holds its hash), then the generated password's hash if any, then the
 * actor's user id and the client address.
 */
static void
admin_change(struct http_request *req, const struct admin_action *act)
{
	struct arena *a = http_arena(req);
	struct admin_value vals[ADMIN_MAX_VALUES];
	const struct cms_session *s;
	struct admin_op *op;
	char *password = NULL;
	size_t i;
	int rc;

	if (cms_require(req, act->permission) != 0)
		return;
	s = cms_session(req);
	if (admin_body_parse(req, act->fields, act->nfields, vals) != 0)
		return;
	/* Only the "id" field names a user, and it comes first. */
	if (act->self_refusal != NULL && act->fields[0].type == AF_ID &&
	    vals[0].id == s->user_id) {
		http_respond_field_error(req, 409, act->self_refusal, "id",
		                         "is your own account");
		return;
	}
	if ((op = arena_alloc(a, sizeof(*op))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	op->req = req;
	op->act = act;
	op->hash_slot = -1;
	for (i = 0; i < act->nfields; i++) {
		if (act->fields[i].type == AF_PASSWORD) {
			password = vals[i].password;
			op->hash_slot = op->nvalues;
		} else
			op->values[op->nvalues] = vals[i].text;
		op->nvalues++;
	}
	if (act->temporary_password) {
		if (admin_temporary_password(op->temporary,
		                             sizeof(op->temporary)) != 0) {
			http_respond_unavailable(req, "no randomness", 1);
			return;
		}
		password = op->temporary;
		op->hash_slot = op->nvalues++;
	}
	op->values[op->nvalues++] = arena_printf(a, "%lld", s->user_id);
	op->values[op->nvalues++] = http_req_client(req);
	if (password == NULL) {
		admin_run(op);
		return;
	}
	/* cms_password_hash keeps its own copy: the body's can go now; a
	 * temporary password stays in op until the answer shows it. */
	rc = cms_password_hash(password, admin_hash_done, op);
	if (password != op->temporary)
		explicit_bzero(password, strlen(password));
	if (rc != 0) {
		explicit_bzero(op->temporary, sizeof(op->temporary));
		http_respond_unavailable(req, "too busy", 1);
	}
}

/* --- users -------------------------------------------------------------- */

static const struct admin_field f_id[] = {
    {"id", AF_ID, 0, 1},
};

static const struct admin_field f_user_create[] = {
    {"username", AF_USERNAME, 0, 1},
    {"password", AF_PASSWORD, 0, 1},
    {"groups", AF_ID_LIST, 0, 0},
};

static const struct admin_field f_user_groups[] = {
    {"id", AF_ID, 0, 1},
    {"groups", AF_ID_LIST, 0, 1},
};

#define FIELDS(a) .fields = (a), .nfields = (sizeof(a) / sizeof((a)[0]))

static const struct admin_action act_user_create = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_create",
    FIELDS(f_user_create),
    .ok_status = 201,
    .conflict_field = "username",
};
static const struct admin_action act_user_disable = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_disable",
    FIELDS(f_id),
    .ok_status = 200,
    .self_refusal = "you cannot disable your own account",
};
static const struct admin_action act_user_enable = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_enable",
    FIELDS(f_id),
    .ok_status = 200,
};
/* Resetting one's own password would end one's own session: the
 * account page changes it without that. */
static const struct admin_action act_user_reset_password = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_reset_password",
    FIELDS(f_id),
    .ok_status = 200,
    .self_refusal = "change your own password on the account page",
    .temporary_password = 1,
};
static const struct admin_action act_user_reset_totp = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_reset_totp",
    FIELDS(f_id),
    .ok_status = 200,
};
static const struct admin_action act_user_groups = {
    .permission = "users.manage",
    .stmt = "cms_admin.user_groups",
    FIELDS(f_user_groups),
    .ok_status = 200,
    .lockout_field = "groups",
};

static void
admin_users_list(struct http_request *req)
{
	admin_read(req, "users.manage", "cms_admin.users_list", 0, NULL);
}

static void
admin_user_create(struct http_request *req)
{
	admin_change(req, &act_user_create);
}

static void
admin_user_disable(struct http_request *req)
{
	admin_change(req, &act_user_disable);
}

static void
admin_user_enable(struct http_request *req)
{
	admin_change(req, &act_user_enable);
}

static void
admin_user_reset_password(struct http_request *req)
{
	admin_change(req, &act_user_reset_password);
}

static void
admin_user_reset_totp(struct http_request *req)
{
	admin_change(req, &act_user_reset_totp);
}

static void
admin_user_groups(struct http_request *req)
{
	admin_change(req, &act_user_groups);
}

/* --- groups ------------------------------------------------------------- */

static const struct admin_field f_group_create[] = {
    {"name", AF_NAME, 100, 1},
    {"permissions", AF_NAME_LIST, 100, 0},
};

/* name and permissions each optional: absent means unchanged. */
static const struct admin_field f_group_update[] = {
    {"id", AF_ID, 0, 1},
    {"name", AF_NAME, 100, 0},
    {"permissions", AF_NAME_LIST, 100, 0},
};

static const struct admin_field f_group_providers[] = {
    {"id", AF_ID, 0, 1},
    {"providers", AF_NAME_LIST, 200, 1},
};

static const struct admin_action act_group_create = {
    .permission = "users.manage",
    .stmt = "cms_admin.group_create",
    FIELDS(f_group_create),
    .ok_status = 201,
    .conflict_field = "name",
};
static const struct admin_action act_group_update = {
    .permission = "users.manage",
    .stmt = "cms_admin.group_update",
    FIELDS(f_group_update),
    .ok_status = 200,
    .conflict_field = "name",
    .lockout_field = "permissions",
};
static const struct admin_action act_group_delete = {
    .permission = "users.manage",
    .stmt = "cms_admin.group_delete",
    FIELDS(f_id),
    .ok_status = 200,
    .lockout_field = "id",
};
static const struct admin_action act_group_providers = {
    .permission = "users.manage",
    .stmt = "cms_admin.group_providers",
    FIELDS(f_group_providers),
    .ok_status = 200,
};

static void
admin_groups_list(struct http_request *req)
{
	admin_read(req, "users.manage", "cms_admin.groups_list", 0, NULL);
}

static void
admin_permissions_list(struct http_request *req)
{
	admin_read(req, "users.manage", "cms_admin.permissions_list", 0, NULL);
}

static void
admin_group_create(struct http_request *req)
{
	admin_change(req, &act_group_create);
}

static void
admin_group_update(struct http_request *req)
{
	admin_change(req, &act_group_update);
}

static void
admin_group_delete(struct http_request *req)
{
	admin_change(req, &act_group_delete);
}

static void
admin_group_providers(struct http_request *req)
{
	admin_change(req, &act_group_providers);
}

/* --- audit log ------------------------------------------------------------ */

static const struct http_param audit_params[] = {
    {"who", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"what", PARAM_EXACT, PARAM_STRING, 0, 100, 0, 0},
    {"from", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"to", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"pg", PARAM_EXACT, PARAM_INT, 1, 1000000, 0, 0},
    {"ps", PARAM_EXACT, PARAM_INT, 1, 200, 0, 0},
};

static const char *
admin_date_text(struct arena *a, const struct http_request *req,
                const char *name)
{
	struct http_date d;

	if (!http_param_date(req, name, &d))
		return (NULL);
	return (arena_printf(a, "%04d-%02d-%02d", d.year, d.month, d.day));
}

/*
 * GET /cms/api/audit: newest first.  who is an actor's user name (any
 * case), what an action ("user.disable") or its kind ("user"); from and
 * to are days in the server's time zone, both included.
 */
static void
admin_audit(struct http_request *req)
{
	struct arena *a = http_arena(req);
	const char *values[6];
	long long pg = 1, ps = 50;
	struct http_date from, to;

	if (http_param_date(req, "from", &from) &&
	    http_param_date(req, "to", &to) &&
	    (to.year * 10000 + to.month * 100 + to.day) <
	        (from.year * 10000 + from.month * 100 + from.day)) {
		if (cms_require(req, "audit.view") != 0)
			return;
		http_respond_field_error(req, 400, "invalid parameters", "to",
		                         "must not be before from");
		return;
	}
	/* An empty filter (a cleared form field) filters nothing. */
	if (!http_param_str(req, "who", &values[0]) || *values[0] == '\0')
		values[0] = NULL;
	if (!http_param_str(req, "what", &values[1]) || *values[1] == '\0')
		values[1] = NULL;
	values[2] = admin_date_text(a, req, "from");
	values[3] = admin_date_text(a, req, "to");
	http_param_int(req, "pg", &pg);
	http_param_int(req, "ps", &ps);
	values[4] = arena_printf(a, "%lld", pg);
	values[5] = arena_printf(a, "%lld", ps);
	admin_read(req, "audit.view", "cms_admin.audit_list", 6, values);
}

/* --- routes ----------------------------------------------------------------
 */

static const struct http_route admin_routes[] = {
    {HTTP_GET, "/cms/api/users", admin_users_list, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/create", admin_user_create, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/disable", admin_user_disable, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/enable", admin_user_enable, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/reset-password", admin_user_reset_password,
     HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/reset-totp", admin_user_reset_totp,
     HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/users/groups", admin_user_groups, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/groups", admin_groups_list, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/permissions", admin_permissions_list, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/groups/create", admin_group_create, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/groups/update", admin_group_update, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/groups/delete", admin_group_delete, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/groups/providers", admin_group_providers,
     HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/audit", admin_audit, HTTP_PARAMS(audit_params)},
};

int
cms_admin_mount(struct worker *w)
{
	return (http_server_add_routes(w->http, admin_routes,
	                               sizeof(admin_routes) /
	                                   sizeof(admin_routes[0])));
}
