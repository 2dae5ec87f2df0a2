/*
 * Test-only routes; see test_routes.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/event.h>

#include "arena.h"
#include "db.h"
#include "http.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "test_routes.h"

static const struct http_param echo_params[] = {
    {"n", PARAM_EXACT, PARAM_INT, 1, 100, 1, 0},
    {"s", PARAM_EXACT, PARAM_STRING, 1, 20, 0, 0},
    {"d", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"l", PARAM_EXACT, PARAM_INT_LIST, 1, 9, 0, 3},
    {"answers", PARAM_NUMERIC_KEYS, PARAM_INT, 0, 1, 0, 50},
};

static void
test_echo(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject(), *arr, *ans;
	const struct http_numeric_pair *np;
	const long long *list;
	struct http_date d;
	const char *s;
	long long n;
	size_t count;

	if (http_param_int(req, "n", &n))
		cJSON_AddNumberToObject(o, "n", (double)n);
	if (http_param_str(req, "s", &s))
		cJSON_AddStringToObject(o, "s", s);
	if (http_param_date(req, "d", &d)) {
		char buf[16];
		snprintf(buf, sizeof(buf), "%04d-%02d-%02d", d.year, d.month,
		         d.day);
		cJSON_AddStringToObject(o, "d", buf);
	}
	if (http_param_list(req, "l", &list, &count)) {
		arr = cJSON_AddArrayToObject(o, "l");
		for (size_t i = 0; i < count; i++)
			cJSON_AddItemToArray(
			    arr, cJSON_CreateNumber((double)list[i]));
	}
	ans = cJSON_AddObjectToObject(o, "answers");
	count = http_param_numeric(req, &np);
	for (size_t i = 0; i < count; i++) {
		char key[24];
		snprintf(key, sizeof(key), "%lld", np[i].key);
		cJSON_AddNumberToObject(ans, key, (double)np[i].value);
	}
	http_respond_json(req, 200, o);
}

static const struct http_param sleep_params[] = {
    {"s", PARAM_EXACT, PARAM_INT, 0, 10, 1, 0},
};

static void
sleep_done(const struct db_result *res, void *arg)
{
	struct http_request *req = arg;
	cJSON *o;

	if (res->pg == NULL) {
		http_respond_unavailable(req, "database unavailable", 1);
		return;
	}
	o = cJSON_CreateObject();
	cJSON_AddBoolToObject(o, "slept", 1);
	http_respond_json(req, 200, o);
}

/* pg_sleep(s) on the App database: the loop must stay free meanwhile. */
static void
test_sleep(struct http_request *req)
{
	long long s = 0;
	const char *values[1];
	int rc;

	http_param_int(req, "s", &s);
	values[0] = arena_printf(http_arena(req), "%lld", s);
	rc = router_query(service_get()->router, "test.sleep", 1, values,
	                  sleep_done, req);
	if (rc == DB_QUEUE_FULL)
		http_respond_unavailable(req, "too busy", 1);
	else if (rc != DB_OK)
		http_respond_unavailable(req, "database unavailable", 1);
}

static const struct http_param wait_params[] = {
    {"ms", PARAM_EXACT, PARAM_INT, 0, 60000, 1, 0},
};

struct wait_state {
	struct event *ev;
	struct http_request *req;
};

static void
wait_done(evutil_socket_t fd, short what, void *arg)
{
	struct wait_state *ws = arg;
	struct http_request *req = ws->req;
	cJSON *o = cJSON_CreateObject();

	(void)fd;
	(void)what;
	event_free(ws->ev);
	cJSON_AddBoolToObject(o, "waited", 1);
	http_respond_json(req, 200, o);
}

/* Answers after ms milliseconds without touching the database. */
static void
test_wait(struct http_request *req)
{
	struct wait_state *ws;
	struct timeval tv;
	long long ms = 0;

	http_param_int(req, "ms", &ms);
	ws = arena_alloc(http_arena(req), sizeof(*ws));
	ws->req = req;
	ws->ev = evtimer_new(server_worker()->base, wait_done, ws);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(ws->ev, &tv);
}

static void
test_whoami(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "pid", getpid());
	cJSON_AddNumberToObject(o, "ppid", getppid());
	cJSON_AddNumberToObject(o, "uid", getuid());
	cJSON_AddNumberToObject(o, "euid", geteuid());
	cJSON_AddNumberToObject(o, "worker", server_worker()->id);
	http_respond_json(req, 200, o);
}

static void
test_client(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "client", http_req_client(req));
	cJSON_AddBoolToObject(o, "secure", http_req_secure(req));
	http_respond_json(req, 200, o);
}

static void
test_body(struct http_request *req)
{
	cJSON *o = cJSON_CreateObject();
	size_t len;

	http_req_body(req, &len);
	cJSON_AddNumberToObject(o, "length", (double)len);
	http_respond_json(req, 200, o);
}

static const struct http_route test_routes[] = {
    {HTTP_GET, "/__test/echo", test_echo, HTTP_PARAMS(echo_params)},
    {HTTP_GET, "/__test/sleep", test_sleep, HTTP_PARAMS(sleep_params)},
    {HTTP_GET, "/__test/wait", test_wait, HTTP_PARAMS(wait_params)},
    {HTTP_GET, "/__test/whoami", test_whoami, HTTP_NO_PARAMS},
    {HTTP_GET, "/__test/client", test_client, HTTP_NO_PARAMS},
    {HTTP_POST, "/__test/body", test_body, HTTP_NO_PARAMS},
};

int
test_routes_mount(struct worker *w)
{
	return (http_server_add_routes(w->http, test_routes,
	                               sizeof(test_routes) /
	                                   sizeof(test_routes[0])));
}
