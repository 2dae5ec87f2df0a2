/*
 * Structured logging: one JSON object per line on stderr.
 *
 * Every line has "time" (UTC, ISO 8601 with milliseconds), "level",
 * "proc" (app, cms, scraper) and "worker" (0 for the parent).  Request
 * lines add request id, method, path, status, bytes, latency and client.
 * Nothing here ever prints a Cookie or Authorization header: callers pass
 * only the fields named in struct log_request.
 */
#ifndef LIFTED_LOG_H
#define LIFTED_LOG_H

#include <stddef.h>

enum log_level {
	LOG_LEVEL_DEBUG = 0,
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
};

/* Parses "debug", "info", "warn", "error"; returns 0 or -1. */
int log_level_parse(const char *s, enum log_level *out);

/* Sets the process name and minimum level; call once at start. */
void log_init(const char *proc, enum log_level min);

/* Records the worker id (0 = parent) printed on every line. */
void log_set_worker(int worker);

/* A free-form event: {"msg": formatted text}.  Never put secrets in it. */
void log_msg(enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_LEVEL_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_LEVEL_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_LEVEL_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_LEVEL_ERROR, __VA_ARGS__)

struct log_request {
	const char *request_id;
	const char *method;
	const char *path; /* without the query string */
	const char *client;
	int status;
	size_t bytes;
	double latency_ms;
};

/* One access-log line at level info. */
void log_request(const struct log_request *r);

/* Prints the message and exits(1): for start-up failures and broken
 * invariants only. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
