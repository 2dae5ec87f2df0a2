/*
 * Per-worker service state and the health routes shared by both servers.
 *
 * /readyz with a read replica (the App with LIFTED_APP_REPLICA_URL) asks
 * the primary for its WAL position, then the replica how far it has
 * replayed, and reports both ("primary", "replica": "ok" or
 * "unavailable", "replica_lag_bytes").  It answers 200 while either
 * answers: with the replica down, reads fall back to the primary (fresh
 * anyway); with the primary down, the cache keeps serving and loads from
 * the replica (nothing can change without the primary).  A load balancer
 * that took every instance out because the one shared replica stopped
 * would take the whole App down although it can serve.  503 only when
 * neither database answers (or before the first load).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "log.h"
#include "server.h"
#include "service.h"
#include "settings.h"
#include "task.h"

#define SERVICE_TASK_THREADS 2
#define SERVICE_TASK_QUEUE   256

static void
health_healthz(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "status", "ok");
	http_respond_json(req, 200, o);
}

static void
readyz_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	cJSON *o;

	if (res->pg == NULL) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ready");
	http_respond_json(req, 200, o);
}

/* /readyz with a replica: what the primary said, kept for the second
 * step (in the request's arena). */
struct readyz_state {
	struct http_request *req;
	int primary_ok;
	char primary_lsn[32];
};

static void
readyz_replica_done(const struct db_result *res, void *arg)
{
	struct readyz_state *st = arg;
	const char *state = "unavailable";
	int answered = 0, replica_ok = 0;
	cJSON *o;

	if (res->pg != NULL && PQntuples(res->pg) == 1 &&
	    PQnfields(res->pg) == 3) {
		answered = 1;
		/* A promoted copy no longer follows the primary. */
		if (strcmp(PQgetvalue(res->pg, 0, 0), "t") == 0) {
			replica_ok = 1;
			state = "ok";
		} else
			state = "not a standby";
	}
	if (!st->primary_ok && !replica_ok) {
		http_respond_unavailable(st->req, "database unavailable", 1);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "status", "ready");
	cJSON_AddStringToObject(o, "primary",
	                        st->primary_ok ? "ok" : "unavailable");
	cJSON_AddStringToObject(o, "replica", state);
	/* Reads go to the replica while it answers (router_query). */
	cJSON_AddStringToObject(o, "reads", answered ? "replica" : "primary");
	if (replica_ok) {
		cJSON_AddStringToObject(o, "replica_replay_lsn",
		                        PQgetvalue(res->pg, 0, 1));
		if (st->primary_ok && !PQgetisnull(res->pg, 0, 2))
			cJSON_AddNumberToObject(
			    o, "replica_lag_bytes",
			    strtod(PQgetvalue(res->pg, 0, 2), NULL));
	}
	if (st->primary_ok)
		cJSON_AddStringToObject(o, "primary_lsn", st->primary_lsn);
	http_respond_json(st->req, 200, o);
}

static void
readyz_primary_done(const struct db_result *res, void *arg)
{
	struct readyz_state *st = arg;
	struct service *svc = service_get();
	const char *v[1] = {NULL};

	if (res->pg != NULL && PQntuples(res->pg) == 1 &&
	    PQnfields(res->pg) == 1 &&
	    strlen(PQgetvalue(res->pg, 0, 0)) < sizeof(st->primary_lsn)) {
		st->primary_ok = 1;
		strcpy(st->primary_lsn, PQgetvalue(res->pg, 0, 0));
		v[0] = st->primary_lsn;
	}
	if (router_query_replica(svc->router, "app.replica_status", 1, v,
	                         readyz_replica_done, st) != DB_OK) {
		struct db_result none = {NULL, "database busy", NULL};

		readyz_replica_done(&none, st);
	}
}

static void
health_readyz(struct http_request *req)
{
	struct service *svc = service_get();
	struct readyz_state *st;

	if (svc->ready != NULL && !svc->ready()) {
		http_respond_unavailable(req, "loading", 1);
		return;
	}
	if (router_replica_pool(svc->router) != NULL) {
		if ((st = arena_alloc(http_arena(req), sizeof(*st))) == NULL) {
			http_respond_unavailable(req, "out of memory", 1);
			return;
		}
		st->req = req;
		if (router_query(svc->router, "app.primary_lsn", 0, NULL,
		                 readyz_primary_done, st) != DB_OK) {
			struct db_result none = {NULL, "database busy", NULL};

			readyz_primary_done(&none, st);
		}
		return;
	}
	if (router_query(svc->router, svc->ready_stmt, 0, NULL, readyz_done,
	                 req) != DB_OK)
		http_respond_unavailable(req, "database unavailable", 1);
}

static const struct http_route health_routes[] = {
    {HTTP_GET, "/healthz", health_healthz, HTTP_NO_PARAMS},
    {HTTP_GET, "/readyz", health_readyz, HTTP_NO_PARAMS},
};

int
service_init(struct worker *w, const struct router_config *rc,
             const char *ready_stmt)
{
	struct service *svc;

	if ((svc = calloc(1, sizeof(*svc))) == NULL)
		return (-1);
	svc->ready_stmt = ready_stmt;
	if ((svc->router = router_new(w->base, rc)) == NULL) {
		log_error("cannot create the database router");
		goto fail;
	}
	if ((svc->tasks = task_pool_new(w->base, SERVICE_TASK_THREADS,
	                                SERVICE_TASK_QUEUE)) == NULL) {
		log_error("cannot create the task pool");
		goto fail;
	}
	w->data = svc;
	if (http_server_add_routes(w->http, health_routes,
	                           sizeof(health_routes) /
	                               sizeof(health_routes[0])) != 0)
		goto fail;
	return (0);
fail:
	w->data = NULL;
	if (svc->router != NULL)
		router_free(svc->router);
	if (svc->tasks != NULL)
		task_pool_free(svc->tasks);
	free(svc);
	return (-1);
}

void
service_fini(struct worker *w)
{
	struct service *svc = w->data;

	if (svc == NULL)
		return;
	task_pool_free(svc->tasks);
	router_free(svc->router);
	free(svc);
	w->data = NULL;
}

struct service *
service_get(void)
{
	struct worker *w = server_worker();

	return (w ? w->data : NULL);
}
