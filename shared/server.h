/*
 * The Kore-style process model (SPEC section 3).
 *
 * The parent binds the listening socket, drops root to LIFTED_RUNAS,
 * forks one worker per configured CPU and supervises them: a worker that
 * dies is replaced; SIGHUP replaces workers one by one (each new worker
 * re-reads files such as static assets before the old one drains);
 * SIGTERM or SIGINT drain every worker and exit.  Each worker runs one
 * libevent loop that owns all of its connections and database sessions.
 */
#ifndef LIFTED_SERVER_H
#define LIFTED_SERVER_H

#include <stddef.h>

struct event_base;
struct http_server;
struct settings;

struct worker {
	int id; /* 1.. */
	struct event_base *base;
	struct http_server *http;
	const struct settings *settings;
	void *data; /* the binary's own per-worker state */
};

struct server_config {
	const char *proc;   /* "app" or "cms": names logs and static/<proc> */
	const char *listen; /* HOST:PORT, already validated */
	const struct settings *settings;
	/* Builds the worker's state (database router, routes) after the
	 * HTTP server exists; 0 or -1.  Runs in the worker process. */
	int (*worker_init)(struct worker *w);
	void (*worker_fini)(struct worker *w);
	/* 1: a new worker neither accepts connections nor counts as ready
	 * (for SIGHUP's rolling replacement) until it calls
	 * server_worker_ready(), e.g. once its caches have loaded; at the
	 * latest after a few seconds, so that /healthz still answers while a
	 * database is down.  0: ready as soon as worker_init returns. */
	int defer_ready;
};

/* Runs the server until SIGTERM/SIGINT; returns the process exit
 * status. */
int server_run(const struct server_config *cfg);

/* The calling worker process's state (NULL in the parent). */
struct worker *server_worker(void);

/* In a worker started with defer_ready: start accepting connections and
 * tell the parent this worker is ready.  Idempotent; a no-op in the
 * parent. */
void server_worker_ready(void);

/* Default static folder: static/<proc> next to the running binary.
 * Writes into buf; 0 or -1. */
int server_default_static_dir(const char *proc, char *buf, size_t len);

#endif
