/*
 * Request lifecycle on evhttp.
 *
 *   accept -> guard (limits, 408/413/414/431 as synthetic requests)
 *          -> http_dispatch: request id, client address, route lookup,
 *             parameter validation -> handler
 *          -> http_respond_*: security headers, send, access log, free
 *
 * A struct http_request lives from dispatch until its one answer; the
 * server counts them so SIGTERM can wait for in-flight work (drain).
 * evhttp keeps an incoming request alive until we answer it even when the
 * client has gone, so a late answer after a database round trip is safe.
 */
#include <sys/types.h>
#include <sys/random.h>

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include <openssl/ssl.h>

#include "arena.h"
#include "guard.h"
#include "http.h"
#include "log.h"
#include "settings.h"
#include "static.h"
#include "tls.h"
#include "url.h"

#define HTTP_MAX_QUERY_PAIRS 2000
#define HTTP_MAX_TABLES      32
#define HTTP_DEFAULT_ITEMS   100

/* The policy for every answer, JSON or page.  The pages are our own
 * built single-page apps: no inline script, no third-party origin. */
static const char *const security_headers[][2] = {
    {"Content-Security-Policy",
     "default-src 'self'; script-src 'self'; style-src 'self'; "
     "img-src 'self' data:; font-src 'self'; connect-src 'self'; "
     "object-src 'none'; base-uri 'none'; form-action 'self'; "
     "frame-ancestors 'none'"},
    {"X-Content-Type-Options", "nosniff"},
    {"Referrer-Policy", "strict-origin-when-cross-origin"},
    {"X-Frame-Options", "DENY"},
    {"Cross-Origin-Opener-Policy", "same-origin"},
    {"Permissions-Policy", "camera=(), microphone=(), geolocation=()"},
};

struct http_request {
	struct evhttp_request *ev;
	struct http_server *srv;
	struct arena *arena;
	const struct http_route *route;
	enum http_method method;
	const char *path;
	char id[17];
	char client[64];
	int secure;
	struct timespec start;
	struct http_param_value *slots;
	size_t nslots;
	struct http_numeric_pair *numeric;
	size_t nnumeric;
	unsigned char *body;
	size_t body_len;
	void *data;
	void *auth;
	struct http_request *prev, *next; /* in-flight list */
};

struct route_table {
	const struct http_route *routes;
	size_t n;
};

struct http_server {
	struct event_base *base;
	struct evhttp *ev;
	struct evhttp_bound_socket *bound;
	int listen_fd;
	struct guard *guard;
	SSL_CTX *tls; /* in-process TLS, or NULL */
	struct static_root *static_root;
	const struct settings *settings;
	int spa_fallback;
	char csp[1024]; /* security_headers[0] with the media origin */
	struct route_table tables[HTTP_MAX_TABLES];
	size_t ntables;
	struct http_request *inflight;
	size_t ninflight;
	int draining;
	http_gate gate;
	void *gate_arg;
	char reject_prefix[48];
	uint64_t id_prefix;
	uint64_t id_counter;
};

static void http_dispatch(struct evhttp_request *ev, void *arg);

/*
 * The Content-Security-Policy: security_headers[0] with the origin of
 * signed media URLs added to img-src (https://LIFTED_CLOUDFRONT_DOMAIN, or
 * the scheme://host[:port] of LIFTED_MEDIA_BASE_URL), since a course logo
 * is an <img> that redirects there (docs/media.md).
 */
static void
http_csp(char *out, size_t len, const struct settings *st)
{
	const char *csp = security_headers[0][1], *img = "img-src 'self' data:";
	const char *cf = st->cloudfront_domain, *b = st->media_base_url, *p;
	char origin[300] = "";
	size_t n;

	if (cf != NULL && *cf != '\0' && strlen(cf) < 250 &&
	    strspn(cf, "abcdefghijklmnopqrstuvwxyz0123456789.-") == strlen(cf))
		snprintf(origin, sizeof(origin), " https://%s", cf);
	else if (b != NULL && (p = strstr(b, "://")) != NULL &&
	         (n = (size_t)(p - b) + 3 + strcspn(p + 3, "/?#")) < 250 &&
	         strspn(b, "abcdefghijklmnopqrstuvwxyz"
	                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.:-/[]") >= n)
		snprintf(origin, sizeof(origin), " %.*s", (int)n, b);
	p = strstr(csp, img);
	if (origin[0] == '\0' || p == NULL) {
		snprintf(out, len, "%s", csp);
		return;
	}
	p += strlen(img);
	snprintf(out, len, "%.*s%s%s", (int)(p - csp), csp, origin, p);
}

struct http_server *
http_server_new(struct event_base *base, int listen_fd,
                const struct http_server_config *cfg)
{
	struct http_server *s;
	struct guard_config gc;
	unsigned char rnd[16];
	const struct settings *st = cfg->settings;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return (NULL);
	s->base = base;
	s->settings = st;
	s->spa_fallback = cfg->spa_fallback;
	http_csp(s->csp, sizeof(s->csp), st);
	if (getrandom(rnd, sizeof(rnd), 0) != (ssize_t)sizeof(rnd)) {
		log_error("getrandom failed: %s", strerror(errno));
		goto fail;
	}
	memcpy(&s->id_prefix, rnd, sizeof(s->id_prefix));
	/* The guard's synthetic requests carry this unguessable path. */
	snprintf(s->reject_prefix, sizeof(s->reject_prefix),
	         "/.lifted-reject-%02x%02x%02x%02x%02x%02x%02x%02x", rnd[8],
	         rnd[9], rnd[10], rnd[11], rnd[12], rnd[13], rnd[14], rnd[15]);

	if (cfg->static_dir != NULL &&
	    (s->static_root = static_root_open(cfg->static_dir)) == NULL)
		log_warn("static folder %s is missing: pages will 404",
		         cfg->static_dir);

	if (st->tls_cert != NULL && st->tls_key != NULL) {
		char err[512];

		s->tls = tls_context_new(st->tls_cert, st->tls_key, err,
		                         sizeof(err));
		if (s->tls == NULL) {
			log_error("%s", err);
			goto fail;
		}
	}

	memset(&gc, 0, sizeof(gc));
	gc.max_header_bytes = (size_t)st->max_header_bytes;
	gc.max_body_bytes = (size_t)st->max_body_bytes;
	gc.header_timeout_ms = st->request_timeout_s * 1000;
	gc.reject_prefix = s->reject_prefix;
	gc.tls = s->tls;
	if ((s->guard = guard_new(base, &gc)) == NULL)
		goto fail;

	if ((s->ev = evhttp_new(base)) == NULL)
		goto fail;
	evhttp_set_bevcb(s->ev, guard_bevcb, s->guard);
	/* Backstops only: the guard enforces the real limits first. */
	evhttp_set_max_headers_size(s->ev,
	                            (ev_ssize_t)st->max_header_bytes + 1024);
	evhttp_set_max_body_size(s->ev, (ev_ssize_t)st->max_body_bytes + 1024);
	evhttp_set_timeout(s->ev, st->idle_timeout_s);
	evhttp_set_default_content_type(s->ev, NULL);
	evhttp_set_allowed_methods(
	    s->ev, EVHTTP_REQ_GET | EVHTTP_REQ_HEAD | EVHTTP_REQ_POST |
	               EVHTTP_REQ_PUT | EVHTTP_REQ_PATCH | EVHTTP_REQ_DELETE |
	               EVHTTP_REQ_OPTIONS);
	evhttp_set_gencb(s->ev, http_dispatch, s);
	s->listen_fd = listen_fd;
	if (!cfg->defer_accept && http_server_accept(s) != 0)
		goto fail;
	return (s);
fail:
	http_server_free(s);
	return (NULL);
}

void
http_server_free(struct http_server *s)
{
	if (s == NULL)
		return;
	if (s->ev != NULL)
		evhttp_free(s->ev);
	if (s->guard != NULL)
		guard_free(s->guard);
	/* Open connections hold their own references to the context. */
	SSL_CTX_free(s->tls);
	if (s->static_root != NULL)
		static_root_free(s->static_root);
	free(s);
}

int
http_server_add_routes(struct http_server *s, const struct http_route *routes,
                       size_t n)
{
	if (s->ntables == HTTP_MAX_TABLES)
		return (-1);
	s->tables[s->ntables].routes = routes;
	s->tables[s->ntables].n = n;
	s->ntables++;
	return (0);
}

int
http_server_accept(struct http_server *s)
{
	if (s->bound != NULL || s->draining)
		return (0);
	if ((s->bound = evhttp_accept_socket_with_handle(
	         s->ev, s->listen_fd)) == NULL) {
		log_error("cannot accept on the listening socket");
		return (-1);
	}
	return (0);
}

void
http_server_drain(struct http_server *s)
{
	if (s->bound != NULL) {
		evhttp_del_accept_socket(s->ev, s->bound);
		s->bound = NULL;
	}
	s->draining = 1;
}

size_t
http_server_inflight(const struct http_server *s)
{
	return (s->ninflight);
}

size_t
http_server_connections(const struct http_server *s)
{
	return (guard_open_connections(s->guard));
}

/* --- small accessors -------------------------------------------------- */

struct arena *
http_arena(struct http_request *req)
{
	return (req->arena);
}

void
http_set_data(struct http_request *req, void *data)
{
	req->data = data;
}

void *
http_get_data(struct http_request *req)
{
	return (req->data);
}

enum http_method
http_req_method(const struct http_request *req)
{
	return (req->method);
}

const char *
http_req_path(const struct http_request *req)
{
	return (req->path);
}

const char *
http_req_id(const struct http_request *req)
{
	return (req->id);
}

const char *
http_req_client(const struct http_request *req)
{
	return (req->client);
}

int
http_req_secure(const struct http_request *req)
{
	return (req->secure);
}

const char *
http_req_header(const struct http_request *req, const char *name)
{
	return (evhttp_find_header(evhttp_request_get_input_headers(req->ev),
	                           name));
}

const unsigned char *
http_req_body(const struct http_request *req, size_t *len)
{
	*len = req->body_len;
	return (req->body);
}

static const struct http_param_value *
slot_find(const struct http_request *req, const char *name)
{
	for (size_t i = 0; i < req->nslots; i++)
		if (req->slots[i].spec->match == PARAM_EXACT &&
		    strcmp(req->slots[i].spec->name, name) == 0)
			return (&req->slots[i]);
	return (NULL);
}

int
http_param_int(const struct http_request *req, const char *name, long long *out)
{
	const struct http_param_value *p = slot_find(req, name);

	if (p == NULL || !p->present || p->spec->type != PARAM_INT)
		return (0);
	*out = p->i;
	return (1);
}

int
http_param_str(const struct http_request *req, const char *name,
               const char **out)
{
	const struct http_param_value *p = slot_find(req, name);

	if (p == NULL || !p->present || p->spec->type != PARAM_STRING)
		return (0);
	*out = p->s;
	return (1);
}

int
http_param_date(const struct http_request *req, const char *name,
                struct http_date *out)
{
	const struct http_param_value *p = slot_find(req, name);

	if (p == NULL || !p->present || p->spec->type != PARAM_DATE)
		return (0);
	*out = p->d;
	return (1);
}

int
http_param_list(const struct http_request *req, const char *name,
                const long long **out, size_t *n)
{
	const struct http_param_value *p = slot_find(req, name);

	if (p == NULL || !p->present || p->spec->type != PARAM_INT_LIST)
		return (0);
	*out = p->list;
	*n = p->nlist;
	return (1);
}

size_t
http_param_numeric(const struct http_request *req,
                   const struct http_numeric_pair **out)
{
	*out = req->numeric;
	return (req->nnumeric);
}

/* --- parameter validation --------------------------------------------- */

static int
parse_ll(const char *v, long long min, long long max, long long *out)
{
	const char *p = v;
	long long n = 0;
	int neg = 0;

	if (*p == '-') {
		neg = 1;
		p++;
	}
	if (!isdigit((unsigned char)*p))
		return (-1);
	for (; *p != '\0'; p++) {
		if (!isdigit((unsigned char)*p))
			return (-1);
		if (n > (LLONG_MAX - (*p - '0')) / 10)
			return (-1);
		n = n * 10 + (*p - '0');
	}
	if (neg)
		n = -n;
	if (n < min || n > max)
		return (-1);
	*out = n;
	return (0);
}

static int
parse_date(const char *v, struct http_date *d)
{
	static const int mdays[] = {31, 28, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};
	int leap, dim;

	if (strlen(v) != 10 || v[4] != '-' || v[7] != '-')
		return (-1);
	for (int i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)v[i]))
			return (-1);
	d->year = atoi(v);
	d->month = atoi(v + 5);
	d->day = atoi(v + 8);
	if (d->year < 1900 || d->year > 9999 || d->month < 1 || d->month > 12 ||
	    d->day < 1)
		return (-1);
	leap = (d->year % 4 == 0 && d->year % 100 != 0) || d->year % 400 == 0;
	dim = mdays[d->month - 1] + (d->month == 2 && leap);
	return (d->day <= dim ? 0 : -1);
}

static int
utf8_valid(const unsigned char *s)
{
	while (*s != '\0') {
		int n;

		if (*s < 0x80)
			n = 0;
		else if ((*s & 0xe0) == 0xc0 && *s >= 0xc2)
			n = 1;
		else if ((*s & 0xf0) == 0xe0)
			n = 2;
		else if ((*s & 0xf8) == 0xf0 && *s <= 0xf4)
			n = 3;
		else
			return (0);
		s++;
		for (int i = 0; i < n; i++, s++)
			if ((*s & 0xc0) != 0x80)
				return (0);
	}
	return (1);
}

static const char *
describe_bounds(struct arena *a, const struct http_param *p)
{
	switch (p->type) {
	case PARAM_INT:
		return (arena_printf(a,
		                     "must be a whole number from %lld "
		                     "to %lld",
		                     p->min, p->max));
	case PARAM_STRING:
		return (arena_printf(a, "must be text of %lld to %lld bytes",
		                     p->min, p->max));
	case PARAM_DATE:
		return ("must be a date as YYYY-MM-DD");
	case PARAM_INT_LIST:
		return (arena_printf(
		    a,
		    "must be a comma-separated list of "
		    "at most %zu whole numbers from %lld to %lld",
		    p->max_items ? p->max_items : HTTP_DEFAULT_ITEMS, p->min,
		    p->max));
	}
	return ("is invalid");
}

int
http_param_parse(struct arena *a, struct http_param_value *slot, const char *v)
{
	const struct http_param *p = slot->spec;
	size_t len, max_items, n;
	const char *c;

	switch (p->type) {
	case PARAM_INT:
		return (parse_ll(v, p->min, p->max, &slot->i));
	case PARAM_STRING:
		len = strlen(v);
		if ((long long)len < p->min || (long long)len > p->max ||
		    !utf8_valid((const unsigned char *)v))
			return (-1);
		slot->s = v;
		return (0);
	case PARAM_DATE:
		return (parse_date(v, &slot->d));
	case PARAM_INT_LIST:
		max_items = p->max_items ? p->max_items : HTTP_DEFAULT_ITEMS;
		for (n = 1, c = v; *c != '\0'; c++)
			n += *c == ',';
		if (n > max_items || *v == '\0')
			return (-1);
		if ((slot->list = arena_alloc(a, n * sizeof(long long))) ==
		    NULL)
			return (-1);
		slot->nlist = 0;
		for (c = v;;) {
			const char *comma = strchr(c, ',');
			size_t il = comma ? (size_t)(comma - c) : strlen(c);
			char item[24];

			while (il > 0 && *c == ' ') {
				c++;
				il--;
			}
			if (il == 0 || il >= sizeof(item))
				return (-1);
			memcpy(item, c, il);
			item[il] = '\0';
			if (parse_ll(item, p->min, p->max,
			             &slot->list[slot->nlist]) != 0)
				return (-1);
			slot->nlist++;
			if (comma == NULL)
				break;
			c = comma + 1;
		}
		return (0);
	}
	return (-1);
}

static int
all_digits(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++, n++)
		if (!isdigit((unsigned char)*s))
			return (0);
	return (n > 0 && n <= 18);
}

/* Fills the request's slots from its query.  Returns NULL when all is
 * well, or a "fields" object naming each bad parameter. */
static cJSON *
http_validate(struct http_request *req, const char *query)
{
	const struct http_route *r = req->route;
	struct url_query_pair *pairs;
	const struct http_param *numeric = NULL;
	size_t npairs, i, j, max_numeric = 0;
	cJSON *fields = NULL;

	if (url_query_parse(req->arena, query, HTTP_MAX_QUERY_PAIRS, &pairs,
	                    &npairs) != 0) {
		fields = cJSON_CreateObject();
		cJSON_AddStringToObject(
		    fields, "query",
		    "is malformed "
		    "(bad %-escape, NUL byte or too many parameters)");
		return (fields);
	}
	req->nslots = r->nparams;
	req->slots = arena_alloc(req->arena, (r->nparams ? r->nparams : 1) *
	                                         sizeof(*req->slots));
	if (req->slots == NULL)
		goto oom;
	for (i = 0; i < r->nparams; i++) {
		req->slots[i].spec = &r->params[i];
		if (r->params[i].match == PARAM_NUMERIC_KEYS) {
			numeric = &r->params[i];
			max_numeric = numeric->max_items ? numeric->max_items
			                                 : HTTP_DEFAULT_ITEMS;
		}
	}
	if (numeric != NULL &&
	    (req->numeric = arena_alloc(
	         req->arena, (max_numeric + 1) * sizeof(*req->numeric))) ==
	        NULL)
		goto oom;

	for (j = 0; j < npairs; j++) {
		const char *key = pairs[j].key, *val = pairs[j].value;

		if (numeric != NULL && all_digits(key)) {
			struct http_numeric_pair np;
			struct http_param_value tmp = {.spec = numeric};
			size_t k;

			np.key = atoll(key);
			if (numeric->type != PARAM_INT ||
			    http_param_parse(req->arena, &tmp, val) != 0) {
				if (fields == NULL)
					fields = cJSON_CreateObject();
				if (!cJSON_HasObjectItem(fields, key))
					cJSON_AddStringToObject(
					    fields, key,
					    describe_bounds(req->arena,
					                    numeric));
				continue;
			}
			np.value = tmp.i;
			for (k = 0; k < req->nnumeric; k++)
				if (req->numeric[k].key == np.key)
					break;
			if (k == req->nnumeric) {
				if (req->nnumeric == max_numeric) {
					if (fields == NULL)
						fields = cJSON_CreateObject();
					cJSON_AddStringToObject(
					    fields, numeric->name,
					    arena_printf(req->arena,
					                 "at most %zu answers",
					                 max_numeric));
					return (fields);
				}
				req->nnumeric++;
			}
			req->numeric[k] = np;
			continue;
		}
		for (i = 0; i < r->nparams; i++) {
			struct http_param_value *slot = &req->slots[i];

			if (slot->spec->match != PARAM_EXACT ||
			    strcmp(slot->spec->name, key) != 0)
				continue;
			/* The last occurrence wins, as in the original. */
			slot->present = 0;
			if (http_param_parse(req->arena, slot, val) != 0) {
				if (fields == NULL)
					fields = cJSON_CreateObject();
				cJSON_DeleteItemFromObject(fields, key);
				cJSON_AddStringToObject(
				    fields, key,
				    describe_bounds(req->arena, slot->spec));
			} else {
				slot->present = 1;
				if (fields != NULL)
					cJSON_DeleteItemFromObject(fields, key);
			}
		}
	}
	for (i = 0; i < r->nparams; i++) {
		const struct http_param *p = &r->params[i];

		if (!p->required)
			continue;
		if (p->match == PARAM_EXACT ? req->slots[i].present
		                            : req->nnumeric > 0)
			continue;
		if (fields == NULL)
			fields = cJSON_CreateObject();
		if (!cJSON_HasObjectItem(fields, p->name))
			cJSON_AddStringToObject(fields, p->name, "is required");
	}
	if (fields != NULL && cJSON_GetArraySize(fields) == 0) {
		cJSON_Delete(fields);
		fields = NULL;
	}
	return (fields);
oom:
	fields = cJSON_CreateObject();
	cJSON_AddStringToObject(fields, "query", "could not be processed");
	return (fields);
}

/* --- dispatch ---------------------------------------------------------- */

static enum http_method
method_of(enum evhttp_cmd_type t)
{
	switch (t) {
	case EVHTTP_REQ_GET:
		return (HTTP_GET);
	case EVHTTP_REQ_HEAD:
		return (HTTP_HEAD);
	case EVHTTP_REQ_POST:
		return (HTTP_POST);
	case EVHTTP_REQ_PUT:
		return (HTTP_PUT);
	case EVHTTP_REQ_PATCH:
		return (HTTP_PATCH);
	case EVHTTP_REQ_DELETE:
		return (HTTP_DELETE);
	default:
		return (0);
	}
}

static const char *
method_name(enum http_method m)
{
	switch (m) {
	case HTTP_GET:
		return ("GET");
	case HTTP_HEAD:
		return ("HEAD");
	case HTTP_POST:
		return ("POST");
	case HTTP_PUT:
		return ("PUT");
	case HTTP_PATCH:
		return ("PATCH");
	case HTTP_DELETE:
		return ("DELETE");
	}
	return ("OTHER");
}

/* The client is the peer, unless the peer is a trusted proxy: then the
 * right-most X-Forwarded-For entry that is not itself a trusted proxy. */
static void
resolve_client(struct http_request *req)
{
	const struct settings *st = req->srv->settings;
	struct evkeyvalq *h = evhttp_request_get_input_headers(req->ev);
	char *peer = NULL;
	ev_uint16_t port = 0;
	const char *xff, *proto;

	evhttp_connection_get_peer(evhttp_request_get_connection(req->ev),
	                           &peer, &port);
	snprintf(req->client, sizeof(req->client), "%s", peer ? peer : "");
	req->secure = req->srv->tls != NULL;
	if (st->ntrusted == 0 || peer == NULL ||
	    !url_cidr_match(st->trusted, st->ntrusted, peer))
		return;
	if (req->srv->tls == NULL &&
	    (proto = evhttp_find_header(h, "X-Forwarded-Proto")) != NULL)
		req->secure = strcasecmp(proto, "https") == 0;
	if ((xff = evhttp_find_header(h, "X-Forwarded-For")) != NULL) {
		char buf[512], *save = NULL, *tok;
		char *entries[32];
		size_t n = 0;

		snprintf(buf, sizeof(buf), "%s", xff);
		for (tok = strtok_r(buf, ",", &save); tok != NULL && n < 32;
		     tok = strtok_r(NULL, ",", &save)) {
			while (*tok == ' ')
				tok++;
			size_t l = strlen(tok);
			while (l > 0 && tok[l - 1] == ' ')
				tok[--l] = '\0';
			if (l > 0)
				entries[n++] = tok;
		}
		while (n > 0) {
			n--;
			if (n == 0 || !url_cidr_match(st->trusted, st->ntrusted,
			                              entries[n])) {
				snprintf(req->client, sizeof(req->client), "%s",
				         entries[n]);
				break;
			}
		}
	}
}

static const struct http_route *
route_find(const struct http_server *s, const char *path, unsigned method,
           unsigned *allowed)
{
	*allowed = 0;
	for (size_t t = 0; t < s->ntables; t++) {
		for (size_t i = 0; i < s->tables[t].n; i++) {
			const struct http_route *r = &s->tables[t].routes[i];
			size_t pl = strlen(r->path);
			unsigned m = r->methods;
			int hit;

			if (pl > 0 && r->path[pl - 1] == '*')
				hit = strncmp(path, r->path, pl - 1) == 0;
			else
				hit = strcmp(path, r->path) == 0;
			if (!hit)
				continue;
			if (m & HTTP_GET)
				m |= HTTP_HEAD;
			*allowed |= m;
			if (m & method)
				return (r);
		}
	}
	return (NULL);
}

static void
inflight_remove(struct http_request *req)
{
	struct http_server *s = req->srv;

	if (req->prev != NULL)
		req->prev->next = req->next;
	else
		s->inflight = req->next;
	if (req->next != NULL)
		req->next->prev = req->prev;
	s->ninflight--;
}

static void
serve_static(struct http_request *req)
{
	struct static_response sr;
	struct evbuffer *buf;
	const char *ae = http_req_header(req, "Accept-Encoding");
	const char *inm = http_req_header(req, "If-None-Match");

	if (req->srv->static_root == NULL) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	if (static_lookup(req->srv->static_root, req->path, ae, inm,
	                  req->srv->spa_fallback, &sr) != 0) {
		http_respond_unavailable(req, "cannot read the file now", 1);
		return;
	}
	if (sr.status == 400) {
		http_respond_error(req, 400, "bad path", NULL);
		return;
	}
	if (sr.status == 404) {
		http_respond_error(req, 404, "not found", NULL);
		return;
	}
	http_add_header(req, "ETag", sr.etag);
	if (sr.vary_accept_encoding)
		http_add_header(req, "Vary", "Accept-Encoding");
	if (sr.cache_control != NULL)
		http_add_header(req, "Cache-Control", sr.cache_control);
	if (sr.status == 304) {
		http_respond_bytes(req, 304, NULL, NULL, 0);
		return;
	}
	if (sr.content_encoding != NULL)
		http_add_header(req, "Content-Encoding", sr.content_encoding);
	if ((buf = evbuffer_new()) == NULL ||
	    evbuffer_add_file(buf, sr.fd, 0, sr.size) != 0) {
		if (buf != NULL)
			evbuffer_free(buf);
		else
			close(sr.fd);
		http_respond_error(req, 500, "internal error", NULL);
		return;
	}
	http_respond_evbuffer(req, sr.status, sr.content_type, buf);
}

static void
http_dispatch(struct evhttp_request *ev, void *arg)
{
	struct http_server *s = arg;
	struct http_request *req;
	const struct evhttp_uri *uri;
	const char *path, *query;
	size_t rpl = strlen(s->reject_prefix);
	unsigned allowed;
	cJSON *fields;

	if ((req = calloc(1, sizeof(*req))) == NULL ||
	    (req->arena = arena_new()) == NULL) {
		free(req);
		evhttp_send_error(ev, 503, "Out of memory");
		return;
	}
	clock_gettime(CLOCK_MONOTONIC, &req->start);
	req->ev = ev;
	req->srv = s;
	req->next = s->inflight;
	if (s->inflight != NULL)
		s->inflight->prev = req;
	s->inflight = req;
	s->ninflight++;
	snprintf(req->id, sizeof(req->id), "%08x%08x",
	         (unsigned)(s->id_prefix & 0xffffffffu),
	         (unsigned)(++s->id_counter & 0xffffffffu));
	req->method = method_of(evhttp_request_get_command(ev));
	uri = evhttp_request_get_evhttp_uri(ev);
	path = uri ? evhttp_uri_get_path(uri) : NULL;
	query = uri ? evhttp_uri_get_query(uri) : NULL;
	req->path = arena_strdup(req->arena, path && *path ? path : "/");
	if (req->path == NULL)
		req->path = "/";
	resolve_client(req);

	/* Limits the guard enforced arrive as a synthetic request. */
	if (strncmp(req->path, s->reject_prefix, rpl) == 0 &&
	    req->path[rpl] == '/') {
		int status = atoi(req->path + rpl + 1);
		const char *msg = status == 431   ? "request headers too large"
		                  : status == 414 ? "request target too long"
		                  : status == 413 ? "request body too large"
		                  : status == 408 ? "request timed out"
		                  : status == 411
		                      ? "a Content-Length is required"
		                      : "bad request";
		req->path = "-";
		http_add_header(req, "Connection", "close");
		http_respond_error(req,
		                   status >= 400 && status < 500 ? status : 400,
		                   msg, NULL);
		return;
	}
	if (req->method == 0) {
		http_add_header(req, "Allow",
		                "GET, HEAD, POST, PUT, PATCH, "
		                "DELETE");
		http_respond_error(req, 405, "method not allowed", NULL);
		return;
	}

	req->route = route_find(s, req->path, req->method, &allowed);
	if (req->route == NULL) {
		if (allowed != 0) {
			char list[64] = "";
			for (unsigned m = HTTP_GET; m <= HTTP_DELETE; m <<= 1)
				if (allowed & m)
					snprintf(
					    list + strlen(list),
					    sizeof(list) - strlen(list), "%s%s",
					    list[0] ? ", " : "",
					    method_name((enum http_method)m));
			http_add_header(req, "Allow", list);
			http_respond_error(req, 405, "method not allowed",
			                   NULL);
			return;
		}
		if (req->method != HTTP_GET && req->method != HTTP_HEAD) {
			http_respond_error(req, 404, "not found", NULL);
			return;
		}
		if (s->gate == NULL ||
		    s->gate(req, NULL, s->gate_arg) == HTTP_GATE_PASS)
			serve_static(req);
		return;
	}
	if ((fields = http_validate(req, query)) != NULL) {
		http_respond_error(req, 400, "invalid parameters", fields);
		return;
	}
	{
		struct evbuffer *in = evhttp_request_get_input_buffer(ev);
		size_t len = evbuffer_get_length(in);

		if (len > 0) {
			if ((req->body = arena_alloc(req->arena, len + 1)) ==
			    NULL) {
				http_respond_unavailable(req, "out of memory",
				                         1);
				return;
			}
			evbuffer_copyout(in, req->body, len);
			req->body_len = len;
		}
	}
	if (s->gate == NULL ||
	    s->gate(req, req->route, s->gate_arg) == HTTP_GATE_PASS)
		req->route->handler(req);
}

void
http_resume(struct http_request *req)
{
	if (req->route != NULL)
		req->route->handler(req);
	else
		serve_static(req);
}

void
http_server_set_gate(struct http_server *s, http_gate gate, void *arg)
{
	s->gate = gate;
	s->gate_arg = arg;
}

void
http_set_auth(struct http_request *req, void *auth)
{
	req->auth = auth;
}

void *
http_get_auth(const struct http_request *req)
{
	return (req->auth);
}

/* --- answering ---------------------------------------------------------- */

void
http_add_header(struct http_request *req, const char *name, const char *value)
{
	evhttp_add_header(evhttp_request_get_output_headers(req->ev), name,
	                  value);
}

/* evhttp knows the reason phrases of HTTP/1.0 only. */
static const char *
reason_phrase(int status)
{
	switch (status) {
	case 408:
		return ("Request Timeout");
	case 409:
		return ("Conflict");
	case 411:
		return ("Length Required");
	case 413:
		return ("Content Too Large");
	case 414:
		return ("URI Too Long");
	case 422:
		return ("Unprocessable Content");
	case 429:
		return ("Too Many Requests");
	case 431:
		return ("Request Header Fields Too Large");
	default:
		return (NULL); /* evhttp's own */
	}
}

static void
http_finish(struct http_request *req, int status, struct evbuffer *body)
{
	struct http_server *s = req->srv;
	struct evkeyvalq *out = evhttp_request_get_output_headers(req->ev);
	struct log_request lr;
	struct timespec now;
	size_t bytes = body ? evbuffer_get_length(body) : 0;

	for (size_t i = 0;
	     i < sizeof(security_headers) / sizeof(security_headers[0]); i++)
		evhttp_add_header(out, security_headers[i][0],
		                  i == 0 ? s->csp : security_headers[i][1]);
	if (req->secure)
		evhttp_add_header(out, "Strict-Transport-Security",
		                  "max-age=31536000; includeSubDomains");
	if (evhttp_find_header(out, "Cache-Control") == NULL)
		evhttp_add_header(out, "Cache-Control", "no-store");
	evhttp_add_header(out, "X-Request-Id", req->id);
	if (s->draining && evhttp_find_header(out, "Connection") == NULL)
		evhttp_add_header(out, "Connection", "close");

	evhttp_send_reply(req->ev, status, reason_phrase(status), body);

	clock_gettime(CLOCK_MONOTONIC, &now);
	memset(&lr, 0, sizeof(lr));
	lr.request_id = req->id;
	lr.method = method_name(req->method);
	lr.path = req->path;
	lr.client = req->client;
	lr.status = status;
	lr.bytes = bytes;
	lr.latency_ms = (double)(now.tv_sec - req->start.tv_sec) * 1e3 +
	                (double)(now.tv_nsec - req->start.tv_nsec) / 1e6;
	log_request(&lr);

	if (body != NULL)
		evbuffer_free(body);
	inflight_remove(req);
	arena_free(req->arena);
	free(req);
}

void
http_respond_evbuffer(struct http_request *req, int status,
                      const char *content_type, struct evbuffer *body)
{
	if (content_type != NULL)
		http_add_header(req, "Content-Type", content_type);
	http_finish(req, status, body);
}

void
http_respond_json_text(struct http_request *req, int status, const char *json)
{
	http_respond_bytes(req, status, "application/json", json, strlen(json));
}

void
http_respond_bytes(struct http_request *req, int status,
                   const char *content_type, const void *data, size_t len)
{
	struct evbuffer *buf = NULL;

	if (len > 0) {
		if ((buf = evbuffer_new()) == NULL ||
		    evbuffer_add(buf, data, len) != 0) {
			if (buf != NULL)
				evbuffer_free(buf);
			buf = NULL;
			status = 503;
		}
	}
	http_respond_evbuffer(req, status, content_type, buf);
}

void
http_respond_json(struct http_request *req, int status, cJSON *body)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;

	cJSON_Delete(body);
	if (text == NULL) {
		http_respond_bytes(req, 503, "application/json",
		                   "{\"error\":\"out of memory\"}", 25);
		return;
	}
	http_respond_bytes(req, status, "application/json", text, strlen(text));
	free(text);
}

void
http_respond_error(struct http_request *req, int status, const char *message,
                   cJSON *fields)
{
	cJSON *o = cJSON_CreateObject();

	if (o == NULL) {
		cJSON_Delete(fields);
		http_respond_json(req, status, NULL);
		return;
	}
	cJSON_AddStringToObject(o, "error", message);
	if (fields == NULL)
		fields = cJSON_CreateObject();
	cJSON_AddItemToObject(o, "fields", fields);
	http_respond_json(req, status, o);
}

void
http_respond_field_error(struct http_request *req, int status,
                         const char *message, const char *field,
                         const char *what)
{
	cJSON *fields = cJSON_CreateObject();

	if (fields != NULL)
		cJSON_AddStringToObject(fields, field, what);
	http_respond_error(req, status, message, fields);
}

void
http_respond_unavailable(struct http_request *req, const char *message,
                         int retry_after_s)
{
	char v[16];

	snprintf(v, sizeof(v), "%d", retry_after_s);
	http_add_header(req, "Retry-After", v);
	http_respond_error(req, 503, message, NULL);
}
