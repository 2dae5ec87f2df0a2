/*
 * The HTTP layer of a worker: the route table, declared parameters and
 * their validators, responses, and the request lifecycle on evhttp.
 *
 * A route declares its method(s), path and parameters.  Before the
 * handler runs, the query string is parsed and every declared parameter
 * is checked; undeclared parameters are ignored and a declared one that
 * fails gets a 400 {"error", "fields"} answer (SPEC section 5).  The
 * handler reads only typed values through http_param_*.
 *
 * A handler answers now or later (after a database round trip): the
 * request stays alive until exactly one http_respond_* call.  Every
 * answer carries the security headers, a request id, and is logged.
 */
#ifndef LIFTED_HTTP_H
#define LIFTED_HTTP_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct event_base;
struct arena;
struct settings;
struct http_request;
struct http_server;

enum http_method {
	HTTP_GET = 1 << 0,
	HTTP_HEAD = 1 << 1,
	HTTP_POST = 1 << 2,
	HTTP_PUT = 1 << 3,
	HTTP_PATCH = 1 << 4,
	HTTP_DELETE = 1 << 5,
};

enum http_param_type {
	PARAM_INT,      /* decimal integer within [min, max] */
	PARAM_STRING,   /* UTF-8 text, length (bytes) within [min, max] */
	PARAM_DATE,     /* YYYY-MM-DD, a real calendar date */
	PARAM_INT_LIST, /* "1,2,3": each within [min, max], at most max_items */
};

enum http_param_match {
	PARAM_EXACT,        /* the parameter named name */
	PARAM_NUMERIC_KEYS, /* every parameter whose name is all digits;
	                       name is a label for error messages */
};

struct http_param {
	const char *name;
	enum http_param_match match;
	enum http_param_type type;
	long long min, max;
	int required;
	size_t max_items; /* INT_LIST elements / NUMERIC_KEYS pairs; 0: 100 */
};

struct http_date {
	int year, month, day;
};

/* One parsed parameter.  Exposed for the validators' unit tests. */
struct http_param_value {
	const struct http_param *spec;
	int present;
	long long i;        /* PARAM_INT */
	const char *s;      /* PARAM_STRING */
	struct http_date d; /* PARAM_DATE */
	long long *list;    /* PARAM_INT_LIST, in the arena */
	size_t nlist;
};

/* Checks value against v->spec and fills v; 0 or -1.  Lists are
 * allocated in the arena. */
int http_param_parse(struct arena *a, struct http_param_value *v,
                     const char *value);

typedef void (*http_handler)(struct http_request *req);

struct http_route {
	unsigned methods; /* HTTP_GET | ...; HEAD is implied by GET */
	const char *path; /* exact, or a prefix when it ends in '*' */
	http_handler handler;
	const struct http_param *params;
	size_t nparams;
};

#define HTTP_PARAMS(a) (a), (sizeof(a) / sizeof((a)[0]))
#define HTTP_NO_PARAMS NULL, 0

struct http_server_config {
	const struct settings *settings;
	const char *static_dir; /* NULL: no static files */
	int spa_fallback;       /* unknown extension-less paths serve
	                           index.html */
	int defer_accept;       /* 1: accept nothing until
	                           http_server_accept() */
};

/* Creates the worker's HTTP server on listen_fd (already bound and
 * listening; shared with the other workers).  Caller frees with
 * http_server_free.  NULL on failure (logged). */
struct http_server *http_server_new(struct event_base *base, int listen_fd,
                                    const struct http_server_config *cfg);
void http_server_free(struct http_server *s);

/* Starts accepting connections on the listening socket (after a
 * defer_accept start); does nothing when already accepting or draining.
 * 0, or -1 (logged). */
int http_server_accept(struct http_server *s);

/* Adds a route table (kept by reference: pass static storage).  Routes
 * are matched in the order added. */
int http_server_add_routes(struct http_server *s,
                           const struct http_route *routes, size_t n);

/* Stops accepting; later answers carry Connection: close.  The caller
 * watches http_server_inflight/connections to know when to stop. */
void http_server_drain(struct http_server *s);

size_t http_server_inflight(const struct http_server *s);

/* Connections open now (idle keep-alive ones included). */
size_t http_server_connections(const struct http_server *s);

/*
 * A gate runs before every handler (after parameter validation) and
 * before static files (route NULL): the CMS checks the session there.
 * It returns HTTP_GATE_PASS to go on at once, or HTTP_GATE_HELD when it
 * has answered the request or will go on later, after a database round
 * trip, with http_resume (or answer instead).
 */
enum { HTTP_GATE_PASS = 0, HTTP_GATE_HELD = 1 };
typedef int (*http_gate)(struct http_request *req,
                         const struct http_route *route, void *arg);
void http_server_set_gate(struct http_server *s, http_gate gate, void *arg);

/* Runs the handler (or the static file) a gate held back. */
void http_resume(struct http_request *req);

/* What the gate learnt (the CMS session), for the handler to read. */
void http_set_auth(struct http_request *req, void *auth);
void *http_get_auth(const struct http_request *req);

/* --- inside a handler ------------------------------------------------ */

/* The request's arena, freed when the answer has been sent. */
struct arena *http_arena(struct http_request *req);

/* Handler state that must outlive the handler call (async work). */
void http_set_data(struct http_request *req, void *data);
void *http_get_data(struct http_request *req);

enum http_method http_req_method(const struct http_request *req);
const char *http_req_path(const struct http_request *req);
const char *http_req_id(const struct http_request *req);
/* Client address: the connection's peer, or the address a trusted proxy
 * forwarded. */
const char *http_req_client(const struct http_request *req);
/* 1 when the client reached us over https (TLS here, or a trusted proxy
 * that says so). */
int http_req_secure(const struct http_request *req);
/* A request header (NULL when absent).  Never log Cookie/Authorization. */
const char *http_req_header(const struct http_request *req, const char *name);
/* The request body (bounded by LIFTED_MAX_BODY_BYTES). */
const unsigned char *http_req_body(const struct http_request *req, size_t *len);

/* Declared parameters: 1 and the value when present, 0 when absent. */
int http_param_int(const struct http_request *req, const char *name,
                   long long *out);
int http_param_str(const struct http_request *req, const char *name,
                   const char **out);
int http_param_date(const struct http_request *req, const char *name,
                    struct http_date *out);
int http_param_list(const struct http_request *req, const char *name,
                    const long long **out, size_t *n);

struct http_numeric_pair {
	long long key;
	long long value;
};
/* The pairs of the request's PARAM_NUMERIC_KEYS declaration, in query
 * order (later duplicates of a key replace earlier ones). */
size_t http_param_numeric(const struct http_request *req,
                          const struct http_numeric_pair **out);

/* --- answering (exactly once) ---------------------------------------- */

/* Adds a response header before the answer. */
void http_add_header(struct http_request *req, const char *name,
                     const char *value);

/* JSON answer; takes ownership of body (freed here). */
void http_respond_json(struct http_request *req, int status, cJSON *body);

/* Answer with an evbuffer body (ownership taken; may be NULL). */
struct evbuffer;
void http_respond_evbuffer(struct http_request *req, int status,
                           const char *content_type, struct evbuffer *body);

/* Bytes answer with the given content type (copied). */
void http_respond_bytes(struct http_request *req, int status,
                        const char *content_type, const void *data, size_t len);

/* A JSON text made elsewhere (e.g. by PostgreSQL), copied. */
void http_respond_json_text(struct http_request *req, int status,
                            const char *json);

/* {"error": message, "fields": fields} with the given status; fields may
 * be NULL (ownership taken). */
void http_respond_error(struct http_request *req, int status,
                        const char *message, cJSON *fields);

/* The same with one field. */
void http_respond_field_error(struct http_request *req, int status,
                              const char *message, const char *field,
                              const char *what);

/* 503 with Retry-After. */
void http_respond_unavailable(struct http_request *req, const char *message,
                              int retry_after_s);

#endif
