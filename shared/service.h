/*
 * What every server binary's worker holds, and the routes every server
 * answers: /healthz (the process is up) and /readyz (its database
 * answers a query right now).
 */
#ifndef LIFTED_SERVICE_H
#define LIFTED_SERVICE_H

#include <stddef.h>

#include "http.h"
#include "router.h"

struct worker;
struct task_pool;

struct service {
	struct router *router;
	struct task_pool *tasks;
	const char *ready_stmt; /* what /readyz runs, e.g. "app.ping" */
	/* Optional: 0 while the worker cannot serve yet (the App before its
	 * first cache load), so /readyz does not send traffic too early. */
	int (*ready)(void);
};

/* Creates the worker's router and thread pool and mounts the health
 * routes; stores the service in w->data.  0 or -1 (logged). */
int service_init(struct worker *w, const struct router_config *rc,
                 const char *ready_stmt);
void service_fini(struct worker *w);

/* The calling worker's service. */
struct service *service_get(void);

#endif
