/*
 * Login, the TOTP second step, logout, "me" and the account routes
 * (docs/cms-api.md).  Each handler is a small state machine over
 * database round trips and, for passwords, a trip to the thread pool;
 * its state lives in the request's arena, which lives until the answer.
 *
 * Login never says why it failed: unknown user, wrong password and
 * disabled account get the same answer after the same work (a dummy
 * hash for unknown users), and throttling is checked before any hashing
 * so a flood of guesses cannot keep the thread pool busy.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "arena.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "token.h"
#include "totp.h"

#define AUTH_FAILED     "invalid username or password"
#define AUTH_ISSUER     "Lifted CMS"
#define AUTH_SECRET_LEN 20 /* RFC 4226 recommends 160 bits */
#define AUTH_PW_MIN     12
#define AUTH_PW_MAX     256

/* Queues stmt; on failure answers 503 and returns -1. */
static int
auth_query(struct http_request *req, const char *stmt, int n,
           const char *const *vals, db_result_cb cb, void *arg)
{
	int rc = router_query(service_get()->router, stmt, n, vals, cb, arg);

	if (rc == DB_OK)
		return (0);
	http_respond_unavailable(req, "database busy", 1);
	return (-1);
}

/* 1 when the result is usable; otherwise answers 503. */
static int
auth_ok(struct http_request *req, const struct db_result *res)
{
	if (res->pg != NULL)
		return (1);
	log_error("auth: %s", res->error);
	http_respond_unavailable(req, "database unavailable", 1);
	return (0);
}

static void
too_many(struct http_request *req, int wait_s)
{
	char n[16], *msg;

	snprintf(n, sizeof(n), "%d", wait_s);
	msg = arena_printf(http_arena(req),
	                   "too many attempts, try again in %d s", wait_s);
	http_add_header(req, "Retry-After", n);
	http_respond_error(req, 429, msg != NULL ? msg : "too many attempts",
	                   NULL);
}

static char *
lower_dup(struct arena *a, const char *s)
{
	char *d = arena_strdup(a, s), *p;

	if (d != NULL)
		for (p = d; *p != '\0'; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
	return (d);
}

static void
wipe(char *s)
{
	if (s != NULL)
		OPENSSL_cleanse(s, strlen(s));
}

static int
hex_decode(const char *hex, unsigned char *out, size_t outlen)
{
	size_t i, n = strlen(hex) / 2;
	unsigned v;

	if (n > outlen || strlen(hex) % 2 != 0)
		return (-1);
	for (i = 0; i < n; i++) {
		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return (-1);
		out[i] = (unsigned char)v;
	}
	return ((int)n);
}

/*
 * Login CSRF: a form on another site can neither send a JSON body (only
 * urlencoded, multipart or text/plain) nor, without a CORS pre-flight we
 * never approve, a cross-site fetch with one; a browser that sends
 * Origin must name this very host.
 */
static int
origin_ok(struct http_request *req)
{
	const char *origin = http_req_header(req, "Origin");
	const char *host = http_req_header(req, "Host");
	const char *scheme = http_req_secure(req) ? "https://" : "http://";
	size_t sl = strlen(scheme);

	if (origin == NULL)
		return (1);
	if (host == NULL || strncmp(origin, scheme, sl) != 0)
		return (0);
	return (strcmp(origin + sl, host) == 0);
}

/* --- login ----------------------------------------------------------- */

struct login {
	struct http_request *req;
	char *name;     /* as typed, lower-cased: the throttling key */
	char *password; /* wiped once checked */
	long long user_id;
	char *username;
	int usable; /* known and not disabled */
	int totp;
	int success;
	char token[TOKEN_LEN + 1];
};

static void login_recorded(const struct db_result *, void *);
static void login_created(const struct db_result *, void *);
static void login_audited(const struct db_result *, void *);

static void
login_verified(int ok, void *arg)
{
	struct login *l = arg;
	const char *vals[3];

	wipe(l->password);
	l->success = ok && l->usable;
	vals[0] = l->name;
	vals[1] = http_req_client(l->req);
	vals[2] = l->success ? "true" : "false";
	auth_query(l->req, "auth.attempt_insert", 3, vals, login_recorded, l);
}

static void
login_user(const struct db_result *res, void *arg)
{
	struct login *l = arg;
	struct arena *a = http_arena(l->req);
	const char *hash = NULL;

	/* On failure the answer has freed the arena (and wiped it). */
	if (!auth_ok(l->req, res))
		return;
	if (PQntuples(res->pg) == 1) {
		l->user_id = strtoll(PQgetvalue(res->pg, 0, 0), NULL, 10);
		l->username = arena_strdup(a, PQgetvalue(res->pg, 0, 1));
		hash = PQgetvalue(res->pg, 0, 2);
		l->usable = PQgetvalue(res->pg, 0, 3)[0] != 't';
		l->totp = PQgetvalue(res->pg, 0, 4)[0] == 't';
	}
	/* Unknown users are checked against the dummy hash: same cost. */
	if (cms_password_verify(hash, l->password, login_verified, l) != 0) {
		wipe(l->password);
		http_respond_unavailable(l->req, "server busy", 1);
	}
}

static void
login_throttled(const struct db_result *res, void *arg)
{
	struct login *l = arg;
	const char *vals[1];
	int wait_s;

	/* On failure the answer has freed the arena (and wiped it). */
	if (!auth_ok(l->req, res))
		return;
	wait_s = atoi(PQgetvalue(res->pg, 0, 0));
	if (wait_s > 0) {
		wipe(l->password);
		too_many(l->req, wait_s);
		return;
	}
	vals[0] = l->name;
	auth_query(l->req, "auth.user_by_name", 1, vals, login_user, l);
}

static void
login_recorded(const struct db_result *res, void *arg)
{
	struct login *l = arg;
	struct http_request *req = l->req;
	char hash[TOKEN_HEX_LEN + 1], old[TOKEN_HEX_LEN + 1], id[24];
	char csrf[TOKEN_LEN + 1], idle[16], max[16];
	const char *vals[8], *cookie;

	if (!auth_ok(req, res))
		return;
	if (!l->success) {
		http_respond_error(req, 401, AUTH_FAILED, NULL);
		return;
	}
	/* A new token at every login: a token planted before login (session
	 * fixation) is deleted, never promoted. */
	if (token_random(l->token, sizeof(l->token)) != 0 ||
	    token_random(csrf, sizeof(csrf)) != 0) {
		http_respond_error(req, 500, "internal error", NULL);
		return;
	}
	token_sha256_hex(l->token, hash);
	cookie = cms_cookie_token(req);
	if (cookie != NULL)
		token_sha256_hex(cookie, old);
	snprintf(id, sizeof(id), "%lld", l->user_id);
	vals[0] = hash;
	vals[1] = id;
	vals[2] = l->totp ? "totp" : "full";
	vals[3] = csrf;
	vals[4] = http_req_client(req);
	vals[5] = cookie != NULL ? old : NULL;
	snprintf(idle, sizeof(idle), "%d", cms_settings()->session_idle_s);
	snprintf(max, sizeof(max), "%d", cms_settings()->session_max_s);
	vals[6] = idle;
	vals[7] = max;
	auth_query(req, "auth.session_create", 8, vals, login_created, l);
}

static void
login_created(const struct db_result *res, void *arg)
{
	struct login *l = arg;
	char id[24];

	if (!auth_ok(l->req, res))
		return;
	if (l->totp) {
		/* The audit row is written when the second factor passes. */
		login_audited(res, l);
		return;
	}
	snprintf(id, sizeof(id), "%lld", l->user_id);
	if (cms_audit_as(l->req, l->user_id, l->username, "auth.login", "user",
	                 id, NULL, NULL, NULL, login_audited, l) != 0)
		http_respond_unavailable(l->req, "database busy", 1);
}

static void
login_audited(const struct db_result *res, void *arg)
{
	struct login *l = arg;
	cJSON *o;

	if (!auth_ok(l->req, res))
		return;
	cms_set_cookie(l->req, l->token);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "totp_required", l->totp);
	http_respond_json(l->req, 200, o);
}

static void
auth_login(struct http_request *req)
{
	struct arena *a = http_arena(req);
	const char *user, *pw, *vals[2];
	struct login *l;
	cJSON *body;

	if (!origin_ok(req)) {
		http_respond_error(req, 403, "cross-site login refused", NULL);
		return;
	}
	if ((body = cms_json_body(req)) == NULL)
		return;
	user = cms_json_str(body, "username");
	pw = cms_json_str(body, "password");
	if (user == NULL || *user == '\0' || strlen(user) > 200 || pw == NULL ||
	    *pw == '\0' || strlen(pw) > 1024) {
		cJSON *f = cJSON_CreateObject();

		if (user == NULL || *user == '\0' || strlen(user) > 200)
			cJSON_AddStringToObject(f, "username",
			                        "required, at most 200 bytes");
		if (pw == NULL || *pw == '\0' || strlen(pw) > 1024)
			cJSON_AddStringToObject(f, "password",
			                        "required, at most 1024 bytes");
		if (pw != NULL)
			wipe((char *)pw);
		cJSON_Delete(body);
		http_respond_error(req, 400, "invalid parameters", f);
		return;
	}
	if ((l = arena_alloc(a, sizeof(*l))) == NULL ||
	    (l->name = lower_dup(a, user)) == NULL ||
	    (l->password = arena_strdup(a, pw)) == NULL) {
		wipe((char *)pw);
		cJSON_Delete(body);
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	wipe((char *)pw);
	cJSON_Delete(body);
	l->req = req;
	vals[0] = l->name;
	vals[1] = http_req_client(req);
	auth_query(req, "auth.throttle", 2, vals, login_throttled, l);
}

/* --- login, second step ---------------------------------------------- */

struct login2 {
	struct http_request *req;
	char *code;     /* TOTP code, or NULL */
	char *recovery; /* canonical recovery code, or NULL */
	long long session_id, user_id;
	char *username;
	char *secret_hex;
	uint64_t last_step, step;
	char *codes; /* "id:hash,..." unused recovery codes */
	long long recovery_id;
	int success;
	char token[TOKEN_LEN + 1];
};

static void login2_recorded(const struct db_result *, void *);

static void
login2_record(struct login2 *l, int success)
{
	const char *vals[3];

	l->success = success;
	vals[0] = lower_dup(http_arena(l->req), l->username);
	vals[1] = http_req_client(l->req);
	vals[2] = success ? "true" : "false";
	auth_query(l->req, "auth.attempt_insert", 3, vals, login2_recorded, l);
}

static void
login2_audited(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	cJSON *o;

	if (!auth_ok(l->req, res))
		return;
	cms_set_cookie(l->req, l->token);
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "totp_required", 0);
	http_respond_json(l->req, 200, o);
}

static void
login2_recovery_audited(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	char id[24];

	if (!auth_ok(l->req, res))
		return;
	snprintf(id, sizeof(id), "%lld", l->user_id);
	if (cms_audit_as(l->req, l->user_id, l->username, "auth.login", "user",
	                 id, NULL, NULL, "with a recovery code", login2_audited,
	                 l) != 0)
		http_respond_unavailable(l->req, "database busy", 1);
}

static void
login2_promoted(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	char id[24];

	if (!auth_ok(l->req, res))
		return;
	if (PQntuples(res->pg) != 1) {
		http_respond_error(l->req, 401, "login required", NULL);
		return;
	}
	snprintf(id, sizeof(id), "%lld", l->user_id);
	if (l->recovery != NULL) {
		char rid[24];
		cJSON *after = cJSON_CreateObject();

		snprintf(rid, sizeof(rid), "%lld", l->recovery_id);
		cJSON_AddStringToObject(after, "recovery_code_id", rid);
		if (cms_audit_as(l->req, l->user_id, l->username,
		                 "auth.recovery_code_used", "user", id, NULL,
		                 after, NULL, login2_recovery_audited, l) != 0)
			http_respond_unavailable(l->req, "database busy", 1);
		return;
	}
	if (cms_audit_as(l->req, l->user_id, l->username, "auth.login", "user",
	                 id, NULL, NULL, NULL, login2_audited, l) != 0)
		http_respond_unavailable(l->req, "database busy", 1);
}

static void
login2_recorded(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	char hash[TOKEN_HEX_LEN + 1], id[24];
	const char *vals[2];

	if (!auth_ok(l->req, res))
		return;
	if (!l->success) {
		http_respond_error(l->req, 401, "invalid code", NULL);
		return;
	}
	if (token_random(l->token, sizeof(l->token)) != 0) {
		http_respond_error(l->req, 500, "internal error", NULL);
		return;
	}
	token_sha256_hex(l->token, hash);
	snprintf(id, sizeof(id), "%lld", l->session_id);
	vals[0] = id;
	vals[1] = hash;
	auth_query(l->req, "auth.session_promote", 2, vals, login2_promoted, l);
}

/* The factor was consumed (or not, when another request won the race). */
static void
login2_used(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;

	if (!auth_ok(l->req, res))
		return;
	login2_record(l, PQntuples(res->pg) == 1);
}

static void
login2_check(struct login2 *l)
{
	unsigned char secret[64];
	char a[24], b[24];
	const char *vals[2];
	int n;

	snprintf(a, sizeof(a), "%lld", l->user_id);
	vals[0] = a;
	vals[1] = b;
	if (l->code != NULL) {
		n = hex_decode(l->secret_hex, secret, sizeof(secret));
		if (n > 0 && totp_check(secret, (size_t)n, l->code, time(NULL),
		                        l->last_step, &l->step)) {
			OPENSSL_cleanse(secret, sizeof(secret));
			snprintf(b, sizeof(b), "%llu",
			         (unsigned long long)l->step);
			auth_query(l->req, "auth.totp_use", 2, vals,
			           login2_used, l);
			return;
		}
		OPENSSL_cleanse(secret, sizeof(secret));
		login2_record(l, 0);
		return;
	}
	{
		struct token_recovery rc[64];
		long long ids[64];
		char hash[TOKEN_HEX_LEN + 1], *p, *save, *tok, *colon;
		size_t nrc = 0;
		int i;

		token_hmac_hex(cms_settings()->secret_key, l->recovery, hash);
		for (tok = strtok_r(l->codes, ",", &save);
		     tok != NULL && nrc < 64;
		     tok = strtok_r(NULL, ",", &save)) {
			if ((colon = strchr(tok, ':')) == NULL)
				continue;
			*colon = '\0';
			ids[nrc] = strtoll(tok, &p, 10);
			rc[nrc].hash_hex = colon + 1;
			rc[nrc].used = 0;
			nrc++;
		}
		if ((i = token_recovery_find(rc, nrc, hash)) < 0) {
			login2_record(l, 0);
			return;
		}
		l->recovery_id = ids[i];
		snprintf(b, sizeof(b), "%lld", ids[i]);
		vals[0] = b;
		vals[1] = a;
		auth_query(l->req, "auth.recovery_use", 2, vals, login2_used,
		           l);
	}
}

static void
login2_throttled(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	int wait_s;

	if (!auth_ok(l->req, res))
		return;
	if ((wait_s = atoi(PQgetvalue(res->pg, 0, 0))) > 0) {
		too_many(l->req, wait_s);
		return;
	}
	login2_check(l);
}

static void
login2_loaded(const struct db_result *res, void *arg)
{
	struct login2 *l = arg;
	struct arena *a = http_arena(l->req);
	const char *vals[2];

	if (!auth_ok(l->req, res))
		return;
	if (PQntuples(res->pg) != 1) {
		cms_set_cookie(l->req, NULL);
		http_respond_error(l->req, 401, "login required", NULL);
		return;
	}
	l->session_id = strtoll(PQgetvalue(res->pg, 0, 0), NULL, 10);
	l->user_id = strtoll(PQgetvalue(res->pg, 0, 1), NULL, 10);
	l->username = arena_strdup(a, PQgetvalue(res->pg, 0, 2));
	l->secret_hex = arena_strdup(a, PQgetvalue(res->pg, 0, 3));
	l->last_step = strtoull(PQgetvalue(res->pg, 0, 4), NULL, 10);
	l->codes = arena_strdup(a, PQgetvalue(res->pg, 0, 5));
	if (l->username == NULL || l->secret_hex == NULL || l->codes == NULL) {
		http_respond_unavailable(l->req, "out of memory", 1);
		return;
	}
	vals[0] = lower_dup(a, l->username);
	vals[1] = http_req_client(l->req);
	auth_query(l->req, "auth.throttle", 2, vals, login2_throttled, l);
}

static void
auth_login_totp(struct http_request *req)
{
	struct arena *a = http_arena(req);
	char hash[TOKEN_HEX_LEN + 1], canon[TOKEN_RECOVERY_LEN + 1];
	const char *token, *code, *rcode, *vals[1];
	struct login2 *l;
	cJSON *body;

	if (!origin_ok(req)) {
		http_respond_error(req, 403, "cross-site login refused", NULL);
		return;
	}
	if ((body = cms_json_body(req)) == NULL)
		return;
	if ((l = arena_alloc(a, sizeof(*l))) == NULL) {
		cJSON_Delete(body);
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	l->req = req;
	code = cms_json_str(body, "code");
	rcode = cms_json_str(body, "recovery_code");
	if (code != NULL)
		l->code = arena_strdup(a, code);
	else if (rcode != NULL &&
	         token_recovery_normalise(rcode, canon, sizeof(canon)) == 0)
		l->recovery = arena_strdup(a, canon);
	cJSON_Delete(body);
	if (l->code == NULL && l->recovery == NULL) {
		http_respond_field_error(
		    req, 400, "invalid parameters",
		    code == NULL && rcode == NULL ? "code" : "recovery_code",
		    "a 6-digit code or a recovery code is required");
		return;
	}
	if ((token = cms_cookie_token(req)) == NULL) {
		http_respond_error(req, 401, "login required", NULL);
		return;
	}
	token_sha256_hex(token, hash);
	vals[0] = hash;
	auth_query(req, "auth.pending_load", 1, vals, login2_loaded, l);
}

/* --- logout, me ------------------------------------------------------ */

static void
logout_audited(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;

	if (!auth_ok(req, res))
		return;
	cms_set_cookie(req, NULL);
	cms_respond_ok(req);
}

static void
logout_deleted(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	const struct cms_session *s = cms_session(req);
	char id[24];

	if (!auth_ok(req, res))
		return;
	snprintf(id, sizeof(id), "%lld", s->user_id);
	if (cms_audit(req, "auth.logout", "user", id, NULL, NULL, NULL,
	              logout_audited, req) != 0)
		http_respond_unavailable(req, "database busy", 1);
}

static void
auth_logout(struct http_request *req)
{
	const struct cms_session *s = cms_session(req);
	char id[24];
	const char *vals[1] = {id};

	snprintf(id, sizeof(id), "%lld", s->id);
	auth_query(req, "auth.session_delete", 1, vals, logout_deleted, req);
}

static void
auth_me(struct http_request *req)
{
	const struct cms_session *s = cms_session(req);
	cJSON *o = cJSON_CreateObject(),
	      *p = cJSON_AddArrayToObject(o, "permissions");
	size_t i;

	cJSON_AddStringToObject(o, "username", s->username);
	for (i = 0; i < s->npermissions; i++)
		cJSON_AddItemToArray(p, cJSON_CreateString(s->permissions[i]));
	cJSON_AddStringToObject(o, "csrf", s->csrf);
	cJSON_AddBoolToObject(o, "must_change_password",
	                      s->must_change_password);
	cJSON_AddBoolToObject(o, "totp_enabled", s->totp_enabled);
	cJSON_AddBoolToObject(o, "totp_setup_required", s->totp_setup_required);
	http_respond_json(req, 200, o);
}

/* --- password change ------------------------------------------------- */

struct pwchange {
	struct http_request *req;
	char *current;
	char *next;
	long long ended;
};

static void
pw_audited(const struct db_result *res, void *arg)
{
	struct pwchange *c = arg;
	cJSON *o;

	if (!auth_ok(c->req, res))
		return;
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "ok", 1);
	cJSON_AddNumberToObject(o, "sessions_ended", (double)c->ended);
	http_respond_json(c->req, 200, o);
}

static void
pw_stored(const struct db_result *res, void *arg)
{
	struct pwchange *c = arg;
	const struct cms_session *s = cms_session(c->req);
	cJSON *after;
	char id[24];

	if (!auth_ok(c->req, res))
		return;
	c->ended = strtoll(PQgetvalue(res->pg, 0, 1), NULL, 10);
	snprintf(id, sizeof(id), "%lld", s->user_id);
	after = cJSON_CreateObject();
	cJSON_AddNumberToObject(after, "sessions_ended", (double)c->ended);
	if (cms_audit(c->req, "account.password_change", "user", id, NULL,
	              after, NULL, pw_audited, c) != 0)
		http_respond_unavailable(c->req, "database busy", 1);
}

static void
pw_hashed(const char *encoded, void *arg)
{
	struct pwchange *c = arg;
	const struct cms_session *s = cms_session(c->req);
	char uid[24], sid[24];
	const char *vals[3];

	if (encoded == NULL) {
		http_respond_error(c->req, 500, "internal error", NULL);
		return;
	}
	snprintf(uid, sizeof(uid), "%lld", s->user_id);
	snprintf(sid, sizeof(sid), "%lld", s->id);
	vals[0] = uid;
	vals[1] = encoded;
	vals[2] = sid;
	auth_query(c->req, "auth.password_set", 3, vals, pw_stored, c);
}

static void
pw_failed_recorded(const struct db_result *res, void *arg)
{
	struct pwchange *c = arg;

	if (!auth_ok(c->req, res))
		return;
	http_respond_error(c->req, 403, "current password is wrong", NULL);
}

static void
pw_verified(int ok, void *arg)
{
	struct pwchange *c = arg;
	const struct cms_session *s = cms_session(c->req);
	const char *vals[3];
	int rc;

	wipe(c->current);
	if (!ok) {
		wipe(c->next);
		vals[0] = lower_dup(http_arena(c->req), s->username);
		vals[1] = http_req_client(c->req);
		vals[2] = "false";
		auth_query(c->req, "auth.attempt_insert", 3, vals,
		           pw_failed_recorded, c);
		return;
	}
	/* The hashing task keeps its own copy. */
	rc = cms_password_hash(c->next, pw_hashed, c);
	wipe(c->next);
	if (rc != 0)
		http_respond_unavailable(c->req, "server busy", 1);
}

static void
pw_loaded(const struct db_result *res, void *arg)
{
	struct pwchange *c = arg;

	if (res->pg == NULL || PQntuples(res->pg) != 1) {
		/* Wiped before answering: the answer frees c's arena. */
		wipe(c->current);
		wipe(c->next);
		if (auth_ok(c->req, res))
			http_respond_error(c->req, 401, "login required", NULL);
		return;
	}
	if (cms_password_verify(PQgetvalue(res->pg, 0, 0), c->current,
	                        pw_verified, c) != 0) {
		wipe(c->current);
		wipe(c->next);
		http_respond_unavailable(c->req, "server busy", 1);
	}
}

static void
auth_password(struct http_request *req)
{
	const struct cms_session *s = cms_session(req);
	struct arena *a = http_arena(req);
	const char *cur, *next, *vals[1];
	struct pwchange *c;
	char id[24];
	cJSON *body;
	size_t nl;

	if ((body = cms_json_body(req)) == NULL)
		return;
	cur = cms_json_str(body, "current_password");
	next = cms_json_str(body, "new_password");
	nl = next != NULL ? strlen(next) : 0;
	if (cur == NULL || next == NULL || nl < AUTH_PW_MIN ||
	    nl > AUTH_PW_MAX || strcasecmp(next, s->username) == 0) {
		cJSON *f = cJSON_CreateObject();

		if (cur == NULL)
			cJSON_AddStringToObject(f, "current_password",
			                        "required");
		if (next == NULL || nl < AUTH_PW_MIN || nl > AUTH_PW_MAX)
			cJSON_AddStringToObject(f, "new_password",
			                        "12 to 256 bytes");
		else if (strcasecmp(next, s->username) == 0)
			cJSON_AddStringToObject(f, "new_password",
			                        "must not be the username");
		if (cur != NULL)
			wipe((char *)cur);
		if (next != NULL)
			wipe((char *)next);
		cJSON_Delete(body);
		http_respond_error(req, 400, "invalid parameters", f);
		return;
	}
	if ((c = arena_alloc(a, sizeof(*c))) == NULL ||
	    (c->current = arena_strdup(a, cur)) == NULL ||
	    (c->next = arena_strdup(a, next)) == NULL) {
		wipe((char *)cur);
		wipe((char *)next);
		cJSON_Delete(body);
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	wipe((char *)cur);
	wipe((char *)next);
	cJSON_Delete(body);
	c->req = req;
	snprintf(id, sizeof(id), "%lld", s->user_id);
	vals[0] = id;
	auth_query(req, "auth.user_hash", 1, vals, pw_loaded, c);
}

/* --- TOTP enrolment -------------------------------------------------- */

struct enrol {
	struct http_request *req;
	char secret_b32[128];
	char *code;
	char codes[TOKEN_RECOVERY_COUNT][TOKEN_RECOVERY_LEN + 1];
};

static void
totp_started(const struct db_result *res, void *arg)
{
	struct enrol *e = arg;
	const struct cms_session *s = cms_session(e->req);
	char uri[512];
	cJSON *o;

	if (!auth_ok(e->req, res))
		return;
	if (PQntuples(res->pg) != 1) {
		http_respond_error(e->req, 409, "TOTP is already on", NULL);
		return;
	}
	if (totp_uri(uri, sizeof(uri), AUTH_ISSUER, s->username,
	             e->secret_b32) != 0) {
		http_respond_error(e->req, 500, "internal error", NULL);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "secret", e->secret_b32);
	cJSON_AddStringToObject(o, "uri", uri);
	http_respond_json(e->req, 200, o);
}

static void
auth_totp_start(struct http_request *req)
{
	const struct cms_session *s = cms_session(req);
	unsigned char secret[AUTH_SECRET_LEN];
	char hex[2 * AUTH_SECRET_LEN + 1], id[24];
	const char *vals[2];
	struct enrol *e;
	size_t i;

	if ((e = arena_alloc(http_arena(req), sizeof(*e))) == NULL ||
	    RAND_bytes(secret, sizeof(secret)) != 1) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	e->req = req;
	for (i = 0; i < sizeof(secret); i++)
		snprintf(hex + 2 * i, 3, "%02x", secret[i]);
	totp_base32_encode(secret, sizeof(secret), e->secret_b32,
	                   sizeof(e->secret_b32));
	OPENSSL_cleanse(secret, sizeof(secret));
	snprintf(id, sizeof(id), "%lld", s->user_id);
	vals[0] = id;
	vals[1] = hex;
	auth_query(req, "auth.totp_start", 2, vals, totp_started, e);
}

static void
totp_enable_audited(const struct db_result *res, void *arg)
{
	struct enrol *e = arg;
	cJSON *o, *list;
	size_t i;

	if (!auth_ok(e->req, res))
		return;
	o = cJSON_CreateObject();
	list = cJSON_AddArrayToObject(o, "recovery_codes");
	for (i = 0; i < TOKEN_RECOVERY_COUNT; i++)
		cJSON_AddItemToArray(list, cJSON_CreateString(e->codes[i]));
	http_respond_json(e->req, 200, o);
}

static void
totp_enabled(const struct db_result *res, void *arg)
{
	struct enrol *e = arg;
	const struct cms_session *s = cms_session(e->req);
	char id[24];

	if (!auth_ok(e->req, res))
		return;
	if (atoi(PQgetvalue(res->pg, 0, 0)) != TOKEN_RECOVERY_COUNT) {
		http_respond_error(e->req, 409,
		                   "TOTP enrolment not started or already on",
		                   NULL);
		return;
	}
	snprintf(id, sizeof(id), "%lld", s->user_id);
	if (cms_audit(e->req, "account.totp_enable", "user", id, NULL, NULL,
	              NULL, totp_enable_audited, e) != 0)
		http_respond_unavailable(e->req, "database busy", 1);
}

static void
totp_pending(const struct db_result *res, void *arg)
{
	struct enrol *e = arg;
	const struct cms_session *s = cms_session(e->req);
	unsigned char secret[64];
	char uid[24], step[24], hash[TOKEN_HEX_LEN + 1], *arr, *p;
	uint64_t st;
	const char *vals[3];
	size_t i;
	int n;

	if (!auth_ok(e->req, res))
		return;
	if (PQntuples(res->pg) != 1) {
		http_respond_error(e->req, 409,
		                   "TOTP enrolment not started or already on",
		                   NULL);
		return;
	}
	n = hex_decode(PQgetvalue(res->pg, 0, 0), secret, sizeof(secret));
	if (n <= 0 ||
	    !totp_check(secret, (size_t)n, e->code, time(NULL),
	                strtoull(PQgetvalue(res->pg, 0, 1), NULL, 10), &st)) {
		OPENSSL_cleanse(secret, sizeof(secret));
		http_respond_error(e->req, 400, "invalid code", NULL);
		return;
	}
	OPENSSL_cleanse(secret, sizeof(secret));
	arr = arena_alloc(http_arena(e->req),
	                  TOKEN_RECOVERY_COUNT * (TOKEN_HEX_LEN + 1) + 3);
	if (arr == NULL) {
		http_respond_unavailable(e->req, "out of memory", 1);
		return;
	}
	p = arr;
	*p++ = '{';
	for (i = 0; i < TOKEN_RECOVERY_COUNT; i++) {
		if (token_recovery_new(e->codes[i], sizeof(e->codes[i])) != 0) {
			http_respond_error(e->req, 500, "internal error", NULL);
			return;
		}
		token_hmac_hex(cms_settings()->secret_key, e->codes[i], hash);
		p += sprintf(p, "%s%s", i > 0 ? "," : "", hash);
	}
	*p++ = '}';
	*p = '\0';
	snprintf(uid, sizeof(uid), "%lld", s->user_id);
	snprintf(step, sizeof(step), "%llu", (unsigned long long)st);
	vals[0] = uid;
	vals[1] = step;
	vals[2] = arr;
	auth_query(e->req, "auth.totp_enable", 3, vals, totp_enabled, e);
}

static void
auth_totp_confirm(struct http_request *req)
{
	const struct cms_session *s = cms_session(req);
	const char *code, *vals[1];
	struct enrol *e;
	cJSON *body;
	char id[24];

	if ((body = cms_json_body(req)) == NULL)
		return;
	code = cms_json_str(body, "code");
	if (code == NULL) {
		cJSON_Delete(body);
		http_respond_field_error(req, 400, "invalid parameters", "code",
		                         "required");
		return;
	}
	if ((e = arena_alloc(http_arena(req), sizeof(*e))) == NULL ||
	    (e->code = arena_strdup(http_arena(req), code)) == NULL) {
		cJSON_Delete(body);
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	cJSON_Delete(body);
	e->req = req;
	snprintf(id, sizeof(id), "%lld", s->user_id);
	vals[0] = id;
	auth_query(req, "auth.totp_pending", 1, vals, totp_pending, e);
}

static const struct http_route auth_routes[] = {
    {HTTP_POST, "/cms/api/login", auth_login, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/login/totp", auth_login_totp, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/logout", auth_logout, HTTP_NO_PARAMS},
    {HTTP_GET, "/cms/api/me", auth_me, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/account/password", auth_password, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/account/totp/start", auth_totp_start, HTTP_NO_PARAMS},
    {HTTP_POST, "/cms/api/account/totp/confirm", auth_totp_confirm,
     HTTP_NO_PARAMS},
};

int
cms_auth_mount(struct worker *w)
{
	return (http_server_add_routes(w->http, auth_routes,
	                               sizeof(auth_routes) /
	                                   sizeof(auth_routes[0])));
}
