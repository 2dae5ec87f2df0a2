/*
 * CMS sessions: the gate in front of every CMS route and static file,
 * and what handlers use to know who is asking (docs/cms-api.md).
 *
 * The gate loads the session named by the cookie with one asynchronous
 * query (user, flags and permissions together), enforces idle and
 * absolute expiry and disabled accounts, checks the CSRF token of every
 * state-changing request, and only then lets the handler run.  Handlers
 * check permissions (cms_require), never group names.
 */
#ifndef LIFTED_CMS_SESSION_H
#define LIFTED_CMS_SESSION_H

#include <stddef.h>

#include <cjson/cJSON.h>

#include "db.h"

struct http_request;
struct settings;
struct worker;

#define CMS_COOKIE        "lifted_cms_session"
#define CMS_COOKIE_SECURE "__Host-lifted_cms_session"

/* The logged-in user of a request; lives in the request's arena. */
struct cms_session {
	long long id; /* sessions.id */
	long long user_id;
	const char *username;
	const char *csrf;
	int must_change_password;
	int totp_enabled;
	int totp_setup_required;  /* LIFTED_REQUIRE_TOTP applies and TOTP
	                             is not on yet */
	const char **permissions; /* sorted by the database, no duplicates */
	size_t npermissions;
};

/* Installs the gate on w->http and mounts the login and account routes.
 * settings must outlive the worker.  0 or -1 (logged). */
int cms_session_init(struct worker *w, const struct settings *settings);

/* The request's session (set by the gate), or NULL on a public route. */
const struct cms_session *cms_session(struct http_request *req);

/* 1 when s holds permission, else 0 (also for s NULL). */
int cms_session_can(const struct cms_session *s, const char *permission);

/* 0 when the request's user holds permission; otherwise answers 403
 * {"error": "permission denied", "permission": ...} and returns -1 (the
 * handler must then return without answering). */
int cms_require(struct http_request *req, const char *permission);

/*
 * Writes an audit row for the request's user (actor id and name, client
 * address).  before/after may be NULL; ownership is taken.  target_id and
 * comment may be NULL.  done(res, arg) runs once the row is in (or the
 * insert failed); done may be NULL.  Returns 0 when queued (done will be
 * called), -1 when not (done is never called).
 */
int cms_audit(struct http_request *req, const char *action,
              const char *target_type, const char *target_id, cJSON *before,
              cJSON *after, const char *comment, db_result_cb done, void *arg);

/*
 * Hashes password with Argon2id (LIFTED_ARGON2_* cost) on the worker's
 * thread pool.  done(encoded, arg) runs on the loop: encoded is the PHC
 * string, or NULL on failure; it is valid only during the call.  The
 * password is copied (and wiped after use).  0, or -1 when the pool is
 * full (done never called).
 */
int cms_password_hash(const char *password,
                      void (*done)(const char *encoded, void *arg), void *arg);

/* The same, blocking: for commands (createsuperuser), never on a loop.
 * 0 or -1. */
int cms_password_hash_sync(const struct settings *s, const char *password,
                           char *out, size_t outlen);

/* Ends every session of user_id (disable, password reset).  Result row:
 * the count ended.  Same contract as cms_audit's done. */
int cms_sessions_revoke(long long user_id, db_result_cb done, void *arg);

/*
 * The request body as a JSON object.  Answers 400 and returns NULL when
 * it is not application/json or not an object.  Caller frees with
 * cJSON_Delete.
 */
cJSON *cms_json_body(struct http_request *req);

/* A string member of o, or NULL when absent or not a string. */
const char *cms_json_str(const cJSON *o, const char *name);

/* Answers 200 {"ok": true} (the common reply of a change). */
void cms_respond_ok(struct http_request *req);

/* --- for cms_server/auth.c ------------------------------------------- */

/* The raw session token of the request's cookie, or NULL. */
const char *cms_cookie_token(struct http_request *req);

/* Adds Set-Cookie for token (NULL: clear the cookie). */
void cms_set_cookie(struct http_request *req, const char *token);

/* Verifies password against encoded (NULL: the dummy hash, so unknown
 * users cost the same) on the thread pool; done(ok, arg) on the loop.
 * 0, or -1 when the pool is full. */
int cms_password_verify(const char *encoded, const char *password,
                        void (*done)(int ok, void *arg), void *arg);

/* cms_audit for an explicit actor (login, before the request has a
 * session); done NULL: errors are logged. */
int cms_audit_as(struct http_request *req, long long user_id,
                 const char *username, const char *action,
                 const char *target_type, const char *target_id, cJSON *before,
                 cJSON *after, const char *comment, db_result_cb done,
                 void *arg);

/* The worker's settings (from cms_session_init). */
const struct settings *cms_settings(void);

/* Mounts login, logout, me and account routes (auth.c). */
int cms_auth_mount(struct worker *w);

#endif
