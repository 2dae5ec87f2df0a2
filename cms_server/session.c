/*
 * The CMS session gate and the session API for handlers (session.h).
 *
 * Every request but the public ones (health, login, the CMS SPA's own
 * files) waits here for one database round trip: auth.session_load
 * refreshes last_seen_at and returns the user and permissions only when
 * the session is fully logged in, neither idle nor too old, and its user
 * is not disabled, so revoking, disabling and expiry take effect on the
 * very next request without any cache to invalidate.
 *
 * Argon2id runs on the worker's thread pool (service_get()->tasks): one
 * hash costs about a hundred milliseconds, which on the loop would stall
 * every other connection of the worker.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <argon2.h>
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
#include "task.h"
#include "token.h"

#define CMS_ARGON2_SALT 16
#define CMS_ARGON2_HASH 32
#define CMS_HASH_MAX    256

static const struct settings *cms_cfg;
/* A hash of a random password at the configured cost: unknown users are
 * checked against it, so they cost what a known user costs. */
static char cms_dummy_hash[CMS_HASH_MAX];

const struct settings *
cms_settings(void)
{
	return (cms_cfg);
}

/* --- cookies and bodies ---------------------------------------------- */

static int
token_chars_ok(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
			return (0);
	return (1);
}

const char *
cms_cookie_token(struct http_request *req)
{
	const char *h = http_req_header(req, "Cookie"), *p, *end, *eq;
	const char *name =
	    http_req_secure(req) ? CMS_COOKIE_SECURE : CMS_COOKIE;
	size_t nlen = strlen(name), vlen;

	if (h == NULL)
		return (NULL);
	for (p = h; *p != '\0'; p = *end == ';' ? end + 1 : end) {
		while (*p == ' ' || *p == '\t')
			p++;
		if ((end = strchr(p, ';')) == NULL)
			end = p + strlen(p);
		if ((eq = memchr(p, '=', (size_t)(end - p))) == NULL)
			continue;
		if ((size_t)(eq - p) != nlen || strncmp(p, name, nlen) != 0)
			continue;
		vlen = (size_t)(end - eq - 1);
		while (vlen > 0 && (eq[vlen] == ' ' || eq[vlen] == '\t'))
			vlen--;
		if (vlen != TOKEN_LEN || !token_chars_ok(eq + 1, vlen))
			return (NULL);
		return (arena_strndup(http_arena(req), eq + 1, vlen));
	}
	return (NULL);
}

void
cms_set_cookie(struct http_request *req, const char *token)
{
	int secure = http_req_secure(req);
	char *v;

	/* No Max-Age: the server decides when a session ends; the cookie
	 * goes with the browser session. */
	v = arena_printf(http_arena(req),
	                 "%s=%s; Path=/; HttpOnly; "
	                 "SameSite=Strict%s%s",
	                 secure ? CMS_COOKIE_SECURE : CMS_COOKIE,
	                 token != NULL ? token : "", secure ? "; Secure" : "",
	                 token != NULL ? "" : "; Max-Age=0");
	if (v != NULL)
		http_add_header(req, "Set-Cookie", v);
}

cJSON *
cms_json_body(struct http_request *req)
{
	const char *ct = http_req_header(req, "Content-Type");
	const unsigned char *body;
	size_t len, n = strlen("application/json");
	cJSON *o;

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0 ||
	    (ct[n] != '\0' && ct[n] != ';' && ct[n] != ' ')) {
		http_respond_error(
		    req, 400, "Content-Type must be application/json", NULL);
		return (NULL);
	}
	body = http_req_body(req, &len);
	if (cms_cfg->json_max_body_bytes > 0 &&
	    len > (size_t)cms_cfg->json_max_body_bytes) {
		http_respond_error(req, 413, "request body too large", NULL);
		return (NULL);
	}
	if (body == NULL ||
	    (o = cJSON_ParseWithLength((const char *)body, len)) == NULL) {
		http_respond_error(req, 400, "body is not valid JSON", NULL);
		return (NULL);
	}
	if (!cJSON_IsObject(o)) {
		cJSON_Delete(o);
		http_respond_error(req, 400, "body must be a JSON object",
		                   NULL);
		return (NULL);
	}
	return (o);
}

const char *
cms_json_str(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

void
cms_respond_ok(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddBoolToObject(o, "ok", 1);
	http_respond_json(req, 200, o);
}

/* --- the gate -------------------------------------------------------- */

struct gate_state {
	struct http_request *req;
	const struct http_route *route;
};

static int
gate_public(const struct http_route *route, const char *path)
{
	if (route == NULL)
		/* The CMS SPA's own files: the login screen must load. */
		return (strncmp(path, "/cms/", 5) == 0 &&
		        strncmp(path, "/cms/api/", 9) != 0);
	return (strcmp(route->path, "/healthz") == 0 ||
	        strcmp(route->path, "/readyz") == 0 ||
	        strncmp(route->path, "/media/", 7) == 0 ||
	        strcmp(route->path, "/cms/api/login") == 0 ||
	        strcmp(route->path, "/cms/api/login/totp") == 0);
}

static int
path_safe(const char *p)
{
	for (; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/._-", *p) == NULL)
			return (0);
	return (1);
}

/* No (valid) session: JSON for API routes, the login page for pages. */
static void
gate_deny(struct http_request *req, const struct http_route *route,
          int had_cookie)
{
	const char *path = http_req_path(req);
	char *loc;

	if (had_cookie)
		cms_set_cookie(req, NULL);
	if (route != NULL || strncmp(path, "/cms/api/", 9) == 0) {
		http_respond_error(req, 401, "login required", NULL);
		return;
	}
	loc = path_safe(path) && strcmp(path, "/") != 0
	          ? arena_printf(http_arena(req), "/cms/?next=%s", path)
	          : NULL;
	http_add_header(req, "Location", loc != NULL ? loc : "/cms/");
	http_respond_bytes(req, 303, "text/plain; charset=utf-8",
	                   "login required\n", 15);
}

static int
perm_cmp(const void *a, const void *b)
{
	return (strcmp(*(const char *const *)a, *(const char *const *)b));
}

/* Routes a user may use while the account needs attention. */
static int
gate_allowed(const struct cms_session *s, const struct http_route *route)
{
	static const char *pw[] = {"/cms/api/me", "/cms/api/account/password",
	                           "/cms/api/logout", NULL};
	static const char *totp[] = {"/cms/api/account/totp/start",
	                             "/cms/api/account/totp/confirm", NULL};
	size_t i;
	int in_pw = 0, in_totp = 0;

	if (route == NULL)
		return (1); /* static pages carry no data */
	for (i = 0; pw[i] != NULL; i++)
		if (strcmp(route->path, pw[i]) == 0)
			in_pw = in_totp = 1;
	for (i = 0; totp[i] != NULL; i++)
		if (strcmp(route->path, totp[i]) == 0)
			in_totp = 1;
	if (s->must_change_password && !in_pw)
		return (0);
	if (s->totp_setup_required && !in_totp)
		return (0);
	return (1);
}

static void
gate_loaded(const struct db_result *res, void *arg)
{
	struct gate_state *g = arg;
	struct http_request *req = g->req;
	struct arena *a = http_arena(req);
	struct cms_session *s;
	const char *perms;
	char *p, *save, *tok;
	size_t n;
	unsigned m = http_req_method(req);

	if (res->pg == NULL) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	if (PQntuples(res->pg) != 1) {
		gate_deny(req, g->route, 1);
		return;
	}
	if ((s = arena_alloc(a, sizeof(*s))) == NULL)
		goto oom;
	s->id = strtoll(PQgetvalue(res->pg, 0, 0), NULL, 10);
	s->user_id = strtoll(PQgetvalue(res->pg, 0, 1), NULL, 10);
	s->username = arena_strdup(a, PQgetvalue(res->pg, 0, 2));
	s->csrf = arena_strdup(a, PQgetvalue(res->pg, 0, 3));
	s->must_change_password = PQgetvalue(res->pg, 0, 4)[0] == 't';
	s->totp_enabled = PQgetvalue(res->pg, 0, 5)[0] == 't';
	perms = PQgetvalue(res->pg, 0, 6);
	for (n = 1, p = (char *)perms; *p != '\0'; p++)
		n += *p == ',';
	if (s->username == NULL || s->csrf == NULL ||
	    (s->permissions = arena_alloc(a, n * sizeof(char *))) == NULL ||
	    (p = arena_strdup(a, perms)) == NULL)
		goto oom;
	for (tok = strtok_r(p, ",", &save); tok != NULL;
	     tok = strtok_r(NULL, ",", &save))
		s->permissions[s->npermissions++] = tok;
	qsort(s->permissions, s->npermissions, sizeof(char *), perm_cmp);
	s->totp_setup_required = cms_cfg->require_totp && !s->totp_enabled &&
	                         cms_session_can(s, "users.manage");

	/* CSRF before anything else: a forged request must change nothing,
	 * not even learn which restriction applies. */
	if ((m & (HTTP_POST | HTTP_PUT | HTTP_PATCH | HTTP_DELETE)) != 0 &&
	    !token_equal(http_req_header(req, "X-CSRF-Token"), s->csrf)) {
		http_respond_error(req, 403, "CSRF token missing or wrong",
		                   NULL);
		return;
	}
	if (!gate_allowed(s, g->route)) {
		cJSON *o = cJSON_CreateObject();

		if (s->must_change_password) {
			cJSON_AddStringToObject(o, "error",
			                        "password change required");
			cJSON_AddBoolToObject(o, "must_change_password", 1);
		} else {
			cJSON_AddStringToObject(o, "error",
			                        "TOTP setup required");
			cJSON_AddBoolToObject(o, "totp_setup_required", 1);
		}
		http_respond_json(req, 403, o);
		return;
	}
	http_set_auth(req, s);
	http_resume(req);
	return;
oom:
	http_respond_unavailable(req, "out of memory", 1);
}

static int
cms_gate(struct http_request *req, const struct http_route *route, void *arg)
{
	struct gate_state *g;
	const char *token, *vals[4];
	char hash[TOKEN_HEX_LEN + 1], idle[16], max[16], touch[24];
	int rc;

	(void)arg;
	if (gate_public(route, http_req_path(req)))
		return (HTTP_GATE_PASS);
	if ((token = cms_cookie_token(req)) == NULL) {
		gate_deny(req, route, 0);
		return (HTTP_GATE_HELD);
	}
	if ((g = arena_alloc(http_arena(req), sizeof(*g))) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return (HTTP_GATE_HELD);
	}
	g->req = req;
	g->route = route;
	token_sha256_hex(token, hash);
	snprintf(idle, sizeof(idle), "%d", cms_cfg->session_idle_s);
	snprintf(max, sizeof(max), "%d", cms_cfg->session_max_s);
	snprintf(touch, sizeof(touch), "%.3f",
	         cms_cfg->session_idle_s / 10.0 < 60.0
	             ? cms_cfg->session_idle_s / 10.0
	             : 60.0);
	vals[0] = hash;
	vals[1] = idle;
	vals[2] = max;
	vals[3] = touch;
	rc = router_query(service_get()->router, "auth.session_load", 4, vals,
	                  gate_loaded, g);
	if (rc != DB_OK)
		http_respond_unavailable(req, "database busy", 1);
	return (HTTP_GATE_HELD);
}

/* --- the session API --------------------------------------------------- */

const struct cms_session *
cms_session(struct http_request *req)
{
	return (http_get_auth(req));
}

int
cms_session_can(const struct cms_session *s, const char *permission)
{
	size_t i;

	if (s == NULL)
		return (0);
	for (i = 0; i < s->npermissions; i++)
		if (strcmp(s->permissions[i], permission) == 0)
			return (1);
	return (0);
}

int
cms_require(struct http_request *req, const char *permission)
{
	cJSON *o;

	if (cms_session_can(cms_session(req), permission))
		return (0);
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "error", "permission denied");
	cJSON_AddStringToObject(o, "permission", permission);
	http_respond_json(req, 403, o);
	return (-1);
}

static void
audit_ignore(const struct db_result *res, void *arg)
{
	(void)arg;
	if (res->pg == NULL)
		log_error("audit: insert failed: %s", res->error);
}

int
cms_audit_as(struct http_request *req, long long user_id, const char *username,
             const char *action, const char *target_type, const char *target_id,
             cJSON *before, cJSON *after, const char *comment,
             db_result_cb done, void *arg)
{
	char id[24], *b = NULL, *af = NULL;
	const char *vals[9];
	int rc;

	snprintf(id, sizeof(id), "%lld", user_id);
	if (before != NULL)
		b = cJSON_PrintUnformatted(before);
	if (after != NULL)
		af = cJSON_PrintUnformatted(after);
	vals[0] = user_id > 0 ? id : NULL;
	vals[1] = username;
	vals[2] = action;
	vals[3] = target_type;
	vals[4] = target_id;
	vals[5] = b;
	vals[6] = af;
	vals[7] = req != NULL ? http_req_client(req) : NULL;
	vals[8] = comment;
	rc = router_query(service_get()->router, "auth.audit_insert", 9, vals,
	                  done != NULL ? done : audit_ignore, arg);
	free(b);
	free(af);
	cJSON_Delete(before);
	cJSON_Delete(after);
	if (rc != DB_OK)
		log_error("audit: cannot queue %s (%d)", action, rc);
	return (rc == DB_OK ? 0 : -1);
}

int
cms_audit(struct http_request *req, const char *action, const char *target_type,
          const char *target_id, cJSON *before, cJSON *after,
          const char *comment, db_result_cb done, void *arg)
{
	const struct cms_session *s = cms_session(req);

	if (s == NULL) {
		cJSON_Delete(before);
		cJSON_Delete(after);
		return (-1);
	}
	return (cms_audit_as(req, s->user_id, s->username, action, target_type,
	                     target_id, before, after, comment,
	                     done != NULL ? done : audit_ignore, arg));
}

int
cms_sessions_revoke(long long user_id, db_result_cb done, void *arg)
{
	char id[24];
	const char *vals[1] = {id};

	snprintf(id, sizeof(id), "%lld", user_id);
	return (router_query(service_get()->router, "auth.sessions_revoke", 1,
	                     vals, done != NULL ? done : audit_ignore,
	                     arg) == DB_OK
	            ? 0
	            : -1);
}

/* --- Argon2id -------------------------------------------------------- */

int
cms_password_hash_sync(const struct settings *s, const char *password,
                       char *out, size_t outlen)
{
	unsigned char salt[CMS_ARGON2_SALT];

	if (RAND_bytes(salt, sizeof(salt)) != 1)
		return (-1);
	return (argon2id_hash_encoded((uint32_t)s->argon2_t_cost,
	                              (uint32_t)s->argon2_m_kib, 1, password,
	                              strlen(password), salt, sizeof(salt),
	                              CMS_ARGON2_HASH, out, outlen) == ARGON2_OK
	            ? 0
	            : -1);
}

struct pw_task {
	char *password;
	char encoded[CMS_HASH_MAX];
	int verify;
	int dummy; /* checked against the dummy hash: never a success */
	int ok;
	void (*hash_done)(const char *, void *);
	void (*verify_done)(int, void *);
	void *arg;
};

/* On a pool thread: the only place Argon2id runs in a server. */
static void
pw_work(void *arg)
{
	struct pw_task *t = arg;

	if (t->verify)
		t->ok = argon2id_verify(t->encoded, t->password,
		                        strlen(t->password)) == ARGON2_OK;
	else
		t->ok = cms_password_hash_sync(cms_cfg, t->password, t->encoded,
		                               sizeof(t->encoded)) == 0;
}

static void
pw_done(void *arg)
{
	struct pw_task *t = arg;

	if (t->verify)
		t->verify_done(t->ok && !t->dummy, t->arg);
	else
		t->hash_done(t->ok ? t->encoded : NULL, t->arg);
	OPENSSL_cleanse(t->password, strlen(t->password));
	free(t->password);
	OPENSSL_cleanse(t->encoded, sizeof(t->encoded));
	free(t);
}

static int
pw_submit(struct pw_task *t, const char *password)
{
	if ((t->password = strdup(password)) == NULL ||
	    task_pool_submit(service_get()->tasks, pw_work, pw_done, t) != 0) {
		free(t->password);
		free(t);
		return (-1);
	}
	return (0);
}

int
cms_password_hash(const char *password,
                  void (*done)(const char *encoded, void *arg), void *arg)
{
	struct pw_task *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	t->hash_done = done;
	t->arg = arg;
	return (pw_submit(t, password));
}

int
cms_password_verify(const char *encoded, const char *password,
                    void (*done)(int ok, void *arg), void *arg)
{
	struct pw_task *t;
	int n;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return (-1);
	n = snprintf(t->encoded, sizeof(t->encoded), "%s",
	             encoded != NULL ? encoded : cms_dummy_hash);
	/* A stored hash too long for the buffer cannot verify; it still
	 * costs one hash. */
	t->dummy = encoded == NULL || n < 0 || (size_t)n >= sizeof(t->encoded);
	if (t->dummy)
		snprintf(t->encoded, sizeof(t->encoded), "%s", cms_dummy_hash);
	t->verify = 1;
	t->verify_done = done;
	t->arg = arg;
	return (pw_submit(t, password));
}

/* --- set-up ---------------------------------------------------------- */

int
cms_session_init(struct worker *w, const struct settings *settings)
{
	unsigned char r[32];
	char pw[65];
	size_t i;

	cms_cfg = settings;
	if (RAND_bytes(r, sizeof(r)) != 1)
		return (-1);
	for (i = 0; i < sizeof(r); i++)
		snprintf(pw + 2 * i, 3, "%02x", r[i]);
	if (cms_password_hash_sync(settings, pw, cms_dummy_hash,
	                           sizeof(cms_dummy_hash)) != 0) {
		log_error("cannot compute the dummy password hash");
		return (-1);
	}
	OPENSSL_cleanse(pw, sizeof(pw));
	http_server_set_gate(w->http, cms_gate, NULL);
	return (cms_auth_mount(w));
}
