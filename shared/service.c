/*
 * Per-worker service state and the health routes shared by both servers.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

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

static void
health_readyz(struct http_request *req)
{
	struct service *svc = service_get();

	if (svc->ready != NULL && !svc->ready()) {
		http_respond_unavailable(req, "loading", 1);
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
