/*
 * The App's HTTP interface; see app_api.h and docs/api.md.
 *
 * Handlers are synchronous: they read the current snapshot, answer, and
 * return, so a refresh can never swap the data under a half-built answer.
 * Framework-only answers go through app_cache_rendered (rendered once per
 * snapshot and parameter set, with an ETag); course answers depend on
 * "today" and are built per request from pre-rendered course fragments.
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <event2/buffer.h>

#include "app_api.h"
#include "app_cache.h"
#include "arena.h"
#include "catalogue.h"
#include "http.h"
#include "log.h"
#include "score.h"
#include "server.h"
#include "service.h"
#include "settings.h"

#define ID_MAX         INT_MAX
#define MAX_ANSWERS    1000
#define MAX_CATEGORIES 256

/* --- helpers ---------------------------------------------------------------
 */

static struct app_snapshot *
api_snapshot(struct http_request *req)
{
	struct app_snapshot *s = app_cache_get();

	if (s == NULL)
		http_respond_unavailable(req, "the framework is loading", 1);
	return (s);
}

static void
api_not_found(struct http_request *req, const char *field, const char *what)
{
	http_respond_field_error(req, 404, "not found", field, what);
}

/* If-None-Match against a strong tag (weak comparison, RFC 9110). */
static int
etag_matches(const char *inm, const char *etag)
{
	size_t elen = strlen(etag);
	const char *p = inm, *e;

	if (inm == NULL || elen == 0)
		return (0);
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"' || (e = strchr(p + 1, '"')) == NULL)
			return (0);
		if ((size_t)(e + 1 - p) == elen && memcmp(p, etag, elen) == 0)
			return (1);
		p = e + 1;
	}
	return (0);
}

static void
respond_rendered(struct http_request *req, const struct app_rendered *r)
{
	if (r == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	if (r->etag[0] != '\0') {
		http_add_header(req, "ETag", r->etag);
		/* Cacheable, but revalidated on every use: a refresh may
		 * change the answer at any time. */
		http_add_header(req, "Cache-Control", "no-cache");
		if (etag_matches(http_req_header(req, "If-None-Match"),
		                 r->etag)) {
			http_respond_bytes(req, 304, NULL, NULL, 0);
			return;
		}
	}
	http_respond_bytes(req, 200, "application/json", r->body, r->len);
}

static char *
print_free(cJSON *o)
{
	char *text = o != NULL ? cJSON_PrintUnformatted(o) : NULL;

	cJSON_Delete(o);
	return (text);
}

static void
add_str_or_null(cJSON *o, const char *name, const char *v)
{
	if (v != NULL)
		cJSON_AddStringToObject(o, name, v);
	else
		cJSON_AddNullToObject(o, name);
}

static cJSON *
question(cJSON *root, const char *name, const char *text)
{
	cJSON *q = cJSON_AddObjectToObject(root, name);

	cJSON_AddStringToObject(q, "text", text);
	return (q);
}

static cJSON *
option(cJSON *arr, const char *text)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToArray(arr, o);
	add_str_or_null(o, "text", text);
	return (o);
}

/* --- /qns ------------------------------------------------------------------
 */

static char *
render_qns(struct app_snapshot *s, void *arg)
{
	cJSON *root = cJSON_CreateObject(), *opts, *per, *arr, *o;
	char key[16];
	size_t i, j;

	(void)arg;
	opts = cJSON_AddArrayToObject(question(root, "vertical", "I am ..."),
	                              "options");
	for (i = 0; i < s->nverticals; i++)
		cJSON_AddNumberToObject(
		    option(opts, s->verticals[i].option_text), "id",
		    s->verticals[i].id);
	/* Categories per vertical id, in id order, without Specialisms. */
	per = cJSON_AddObjectToObject(
	    question(root, "comp_category", "I want to develop my ..."),
	    "options");
	for (i = 0; i < s->nverticals; i++) {
		arr = NULL;
		for (j = 0; j < s->ncategories; j++) {
			const struct app_category *c = &s->categories[j];

			if (c->vertical_id != s->verticals[i].id ||
			    c->is_specialism)
				continue;
			if (arr == NULL) {
				snprintf(key, sizeof(key), "%d",
				         s->verticals[i].id);
				arr = cJSON_AddArrayToObject(per, key);
			}
			cJSON_AddNumberToObject(option(arr, c->title), "id",
			                        c->id);
		}
	}
	opts = cJSON_AddArrayToObject(
	    question(root, "need", "I want to focus on ..."), "options");
	for (i = 0; i < s->nneeds; i++)
		cJSON_AddNumberToObject(option(opts, s->needs[i].option_text),
		                        "id", s->needs[i].id);
	opts = cJSON_AddArrayToObject(question(root, "where", "I work at ..."),
	                              "options");
	cJSON_AddStringToObject(option(opts, "A law firm."), "id", "Law firm");
	cJSON_AddStringToObject(option(opts, "A corporation or organisation."),
	                        "id", "In-house");
	opts = cJSON_AddArrayToObject(question(root, "goal", "I want to ..."),
	                              "options");
	cJSON_AddNumberToObject(
	    option(opts, "Prepare for my next job or role."), "id", 0);
	cJSON_AddNumberToObject(option(opts, "Get better at my current job."),
	                        "id", 1);
	opts = cJSON_AddArrayToObject(question(root, "tech_role", "I am a ..."),
	                              "options");
	for (i = 0; i < s->ntech_roles; i++) {
		o = option(opts, s->tech_roles[i].option_text);
		add_str_or_null(o, "name", s->tech_roles[i].name);
		cJSON_AddNumberToObject(o, "id", s->tech_roles[i].id);
	}
	return (print_free(root));
}

static void
api_qns(struct http_request *req)
{
	struct app_snapshot *s;

	if ((s = api_snapshot(req)) == NULL)
		return;
	respond_rendered(req,
	                 app_cache_rendered(s, "qns", 0, render_qns, NULL));
}

/* --- /roles ----------------------------------------------------------------
 */

struct roles_args {
	int v;
	const char *org;            /* NULL: any */
	const struct app_role *cur; /* next-role mode */
};

static int
cmp_role(const void *pa, const void *pb)
{
	const struct app_role *a = *(const struct app_role *const *)pa;
	const struct app_role *b = *(const struct app_role *const *)pb;

	if (a->level != b->level)
		return (a->level < b->level ? -1 : 1);
	return ((a->id > b->id) - (a->id < b->id));
}

static char *
render_roles(struct app_snapshot *s, void *arg)
{
	const struct roles_args *ra = arg;
	const struct app_role **v;
	cJSON *arr = cJSON_CreateArray(), *o;
	size_t i, n = 0;

	if ((v = calloc(s->nroles + 1, sizeof(*v))) == NULL) {
		cJSON_Delete(arr);
		return (NULL);
	}
	for (i = 0; i < s->nroles; i++) {
		const struct app_role *r = &s->roles[i];

		if (r->vertical_id != ra->v)
			continue;
		if (ra->org != NULL &&
		    (r->org_type == NULL || strcmp(r->org_type, ra->org) != 0))
			continue;
		if (ra->cur != NULL &&
		    (r->id == ra->cur->id || r->level < ra->cur->level ||
		     r->level > ra->cur->level + 1))
			continue;
		v[n++] = r;
	}
	qsort(v, n, sizeof(*v), cmp_role);
	for (i = 0; i < n; i++) {
		o = cJSON_CreateObject();
		cJSON_AddItemToArray(arr, o);
		add_str_or_null(o, "name", v[i]->name);
		add_str_or_null(o, "desc", v[i]->description);
		cJSON_AddNumberToObject(o, "level", v[i]->level);
		cJSON_AddNumberToObject(o, "id", v[i]->id);
		if (v[i]->specialism != NULL)
			cJSON_AddStringToObject(o, "specialism",
			                        v[i]->specialism);
	}
	free(v);
	return (print_free(arr));
}

static const struct http_param roles_params[] = {
    {"v", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    {"o", PARAM_EXACT, PARAM_STRING, 1, 16, 0, 0},
    {"r", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 0, 0},
};

static void
api_roles(struct http_request *req)
{
	struct app_snapshot *s;
	struct roles_args ra;
	const char *o = NULL;
	long long v, r;
	char *key;

	if ((s = api_snapshot(req)) == NULL)
		return;
	memset(&ra, 0, sizeof(ra));
	http_param_int(req, "v", &v);
	ra.v = (int)v;
	if (http_param_str(req, "o", &o) && strcmp(o, "any") != 0) {
		if (strcmp(o, "Law firm") != 0 && strcmp(o, "In-house") != 0) {
			http_respond_field_error(
			    req, 400, "invalid parameters", "o",
			    "must be \"Law firm\", \"In-house\" or "
			    "\"any\"");
			return;
		}
		ra.org = o;
	}
	if (app_snapshot_vertical(s, ra.v) == NULL) {
		api_not_found(req, "v", "no such vertical");
		return;
	}
	if (http_param_int(req, "r", &r) &&
	    (ra.cur = app_snapshot_role(s, (int)r)) == NULL) {
		api_not_found(req, "r", "no such job role");
		return;
	}
	key = arena_printf(http_arena(req), "roles?v=%d&o=%s&r=%d", ra.v,
	                   ra.org != NULL ? ra.org : "any",
	                   ra.cur != NULL ? ra.cur->id : -1);
	if (key == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	respond_rendered(req, app_cache_rendered(s, key, 0, render_roles, &ra));
}

/* --- /diag, /techdiag ------------------------------------------------------
 */

static void
add_question(cJSON *arr, int id, const char *title, const char *desc)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddItemToArray(arr, o);
	cJSON_AddNumberToObject(o, "id", id);
	add_str_or_null(o, "expln", desc);
	add_str_or_null(o, "desc", title);
}

static char *
render_diag(struct app_snapshot *s, void *arg)
{
	const struct app_role *r = arg;
	const struct app_competency *c;
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	/* In the order of the role's "Competency Ids" cell. */
	for (i = 0; i < r->ncomps; i++)
		if ((c = app_snapshot_competency(s, r->comps[i])) != NULL)
			add_question(arr, c->id, c->title, c->description);
	return (print_free(arr));
}

static char *
render_techdiag(struct app_snapshot *s, void *arg)
{
	const struct app_tech_role *r = arg;
	const struct app_tech_comp *c;
	cJSON *arr = cJSON_CreateArray();
	size_t i;

	for (i = 0; i < r->ncomps; i++)
		if ((c = app_snapshot_tech_comp(s, r->comps[i])) != NULL)
			add_question(arr, c->id, c->title, c->description);
	return (print_free(arr));
}

static const struct http_param diag_params[] = {
    {"r", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
};

static void
api_diag(struct http_request *req)
{
	const struct app_role *r;
	struct app_snapshot *s;
	long long id;
	char key[32];

	if ((s = api_snapshot(req)) == NULL)
		return;
	http_param_int(req, "r", &id);
	if ((r = app_snapshot_role(s, (int)id)) == NULL) {
		api_not_found(req, "r", "no such job role");
		return;
	}
	snprintf(key, sizeof(key), "diag?r=%d", r->id);
	respond_rendered(req, app_cache_rendered(s, key, 0, render_diag,
	                                         (void *)(uintptr_t)r));
}

static void
api_techdiag(struct http_request *req)
{
	const struct app_tech_role *r;
	struct app_snapshot *s;
	long long id;
	char key[32];

	if ((s = api_snapshot(req)) == NULL)
		return;
	http_param_int(req, "r", &id);
	if ((r = app_snapshot_tech_role(s, (int)id)) == NULL) {
		api_not_found(req, "r", "no such tech role");
		return;
	}
	snprintf(key, sizeof(key), "techdiag?r=%d", r->id);
	respond_rendered(req, app_cache_rendered(s, key, 0, render_techdiag,
	                                         (void *)(uintptr_t)r));
}

/* --- /results, /techdiagresults ---------------------------------------------
 */

static const char *
lookup_competency(void *ctx, long long id)
{
	const struct app_competency *c;

	if (id < 0 || id > ID_MAX)
		return (NULL);
	c = app_snapshot_competency(ctx, (int)id);
	return (c != NULL ? c->category : NULL);
}

static const char *
lookup_tech(void *ctx, long long id)
{
	const struct app_tech_comp *c;

	if (id < 0 || id > ID_MAX)
		return (NULL);
	c = app_snapshot_tech_comp(ctx, (int)id);
	return (c != NULL ? c->category : NULL);
}

/* Which courses a category of the answer recommends. */
struct match_ctx {
	const struct app_snapshot *s;
	int vcat;         /* /results: vertical category id, 0: none */
	const char *tech; /* /techdiagresults: tech category name */
};

static int
course_matches(const struct match_ctx *m, const struct catalogue_course *c)
{
	const struct app_tech_comp *t;
	size_t i;

	if (m->tech == NULL)
		return (m->vcat != 0 && catalogue_has_category(c, m->vcat));
	for (i = 0; i < c->ntech; i++) {
		t = app_snapshot_tech_comp(m->s, c->tech_competencies[i]);
		if (t != NULL && strcmp(t->category, m->tech) == 0)
			return (1);
	}
	return (0);
}

/* Stable course key: course id and the date's index ("12-0"), or the
 * course id alone for an ongoing course without dates. */
static void
entry_key(const struct catalogue_entry *e, char *buf, size_t len)
{
	if (e->date_index < 0)
		snprintf(buf, len, "%lld", e->course->id);
	else
		snprintf(buf, len, "%lld-%d", e->course->id, e->date_index);
}

static int
vertical_category_named(const struct app_snapshot *s, int v, const char *t)
{
	size_t i;

	for (i = 0; i < s->ncategories; i++)
		if (s->categories[i].vertical_id == v &&
		    strcmp(s->categories[i].title, t) == 0)
			return (s->categories[i].id);
	return (0);
}

static void
answer_results(struct http_request *req, struct app_snapshot *s, int v,
               int tech)
{
	const struct http_numeric_pair *np;
	struct score_category cats[MAX_CATEGORIES];
	struct score_answer *ans;
	struct match_ctx m;
	cJSON *root, *comp, *courses, *map, *all, *o, *list;
	long long unknown = 0;
	size_t n, ncat, i, j;
	int today = app_cache_today(), rc;
	char key[48];

	n = http_param_numeric(req, &np);
	if ((ans = arena_alloc(http_arena(req), (n + 1) * sizeof(*ans))) ==
	    NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	for (i = 0; i < n; i++) {
		ans[i].id = np[i].key;
		ans[i].value = np[i].value;
	}
	rc = score_tally(ans, n, tech ? lookup_tech : lookup_competency, s,
	                 cats, MAX_CATEGORIES, &ncat, &unknown);
	if (rc == SCORE_UNKNOWN) {
		snprintf(key, sizeof(key), "%lld", unknown);
		api_not_found(req, key,
		              tech ? "no such tech competency"
		                   : "no such competency");
		return;
	}
	if (rc != SCORE_OK) {
		http_respond_field_error(
		    req, 400, "invalid parameters", "answers",
		    rc == SCORE_TOO_MANY ? "too many categories"
		                         : "must be 0 (yes) or 1 (no)");
		return;
	}
	root = cJSON_CreateObject();
	comp = cJSON_AddObjectToObject(root, "competencies");
	courses = cJSON_AddObjectToObject(root, "courses");
	map = cJSON_AddObjectToObject(courses, "map");
	all = cJSON_AddObjectToObject(courses, "courses");
	memset(&m, 0, sizeof(m));
	m.s = s;
	for (i = 0; i < ncat; i++) {
		o = cJSON_AddObjectToObject(comp, cats[i].name);
		cJSON_AddNumberToObject(o, "score", cats[i].score);
		/* Specialism scoring is off, as in the original. */
		cJSON_AddFalseToObject(o, "special");
		list = cJSON_AddArrayToObject(map, cats[i].name);
		if (tech)
			m.tech = cats[i].name;
		else
			m.vcat = vertical_category_named(s, v, cats[i].name);
		for (j = 0; j < s->nentries; j++) {
			const struct catalogue_entry *e = &s->entries[j];

			if (!catalogue_upcoming(e, today) ||
			    !course_matches(&m, e->course))
				continue;
			entry_key(e, key, sizeof(key));
			cJSON_AddItemToArray(list, cJSON_CreateString(key));
			if (!cJSON_HasObjectItem(all, key))
				cJSON_AddItemToObject(all, key,
				                      cJSON_CreateRaw(e->json));
		}
	}
	http_respond_json(req, 200, root);
}

static const struct http_param results_params[] = {
    {"v", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    {"r", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    {"answers", PARAM_NUMERIC_KEYS, PARAM_INT, 0, 1, 0, MAX_ANSWERS},
};

static void
api_results(struct http_request *req)
{
	struct app_snapshot *s;
	long long v, r;

	if ((s = api_snapshot(req)) == NULL)
		return;
	http_param_int(req, "v", &v);
	http_param_int(req, "r", &r);
	if (app_snapshot_vertical(s, (int)v) == NULL) {
		api_not_found(req, "v", "no such vertical");
		return;
	}
	if (app_snapshot_role(s, (int)r) == NULL) {
		api_not_found(req, "r", "no such job role");
		return;
	}
	answer_results(req, s, (int)v, 0);
}

static const struct http_param techresults_params[] = {
    {"r", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    {"answers", PARAM_NUMERIC_KEYS, PARAM_INT, 0, 1, 0, MAX_ANSWERS},
};

static void
api_techresults(struct http_request *req)
{
	struct app_snapshot *s;
	long long r;

	if ((s = api_snapshot(req)) == NULL)
		return;
	http_param_int(req, "r", &r);
	if (app_snapshot_tech_role(s, (int)r) == NULL) {
		api_not_found(req, "r", "no such tech role");
		return;
	}
	answer_results(req, s, 0, 1);
}

/* --- /course_recs ----------------------------------------------------------
 */

struct recs_args {
	int c;
	struct catalogue_need needs[16];
	size_t nneeds;
};

static char *
render_recs(struct app_snapshot *s, void *arg)
{
	const struct recs_args *ra = arg;
	struct evbuffer *b = evbuffer_new();
	int today = app_cache_today(), first = 1;
	char *out = NULL;
	size_t i, len;

	if (b == NULL)
		return (NULL);
	evbuffer_add(b, "[", 1);
	for (i = 0; i < s->nentries; i++) {
		const struct catalogue_entry *e = &s->entries[i];

		if (!catalogue_upcoming(e, today) ||
		    !catalogue_has_category(e->course, ra->c) ||
		    !catalogue_need_match(e->course, ra->needs, ra->nneeds))
			continue;
		if (!first)
			evbuffer_add(b, ",", 1);
		first = 0;
		evbuffer_add(b, e->json, e->json_len);
	}
	evbuffer_add(b, "]", 1);
	len = evbuffer_get_length(b);
	if ((out = malloc(len + 1)) != NULL) {
		evbuffer_remove(b, out, len);
		out[len] = '\0';
	}
	evbuffer_free(b);
	return (out);
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return ((x > y) - (x < y));
}

static const struct http_param recs_params[] = {
    {"v", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    {"c", PARAM_EXACT, PARAM_INT, 0, ID_MAX, 1, 0},
    /* Text, not PARAM_INT_LIST: the original took "n=" as "no filter"
     * and clients send it so; parsed below. */
    {"n", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
};

static void
api_course_recs(struct http_request *req)
{
	const struct app_category *cat;
	const struct app_need *need;
	struct app_snapshot *s;
	struct recs_args ra;
	long long v, c, ids[16];
	const char *n = NULL, *p;
	char *end, *key;
	size_t nids = 0, i;

	if ((s = api_snapshot(req)) == NULL)
		return;
	memset(&ra, 0, sizeof(ra));
	http_param_int(req, "v", &v);
	http_param_int(req, "c", &c);
	if (http_param_str(req, "n", &n)) {
		for (p = n; *p == ' '; p++)
			;
		while (*p != '\0') {
			long long x = strtoll(p, &end, 10);

			if (end == p || x < 0 || x > ID_MAX || nids == 16 ||
			    (*end != ',' && *end != '\0')) {
				http_respond_field_error(
				    req, 400, "invalid parameters", "n",
				    "must be a list "
				    "of at most 16 need ids, such as 1,2");
				return;
			}
			ids[nids++] = x;
			p = *end == ',' ? end + 1 : end;
		}
	}
	if (app_snapshot_vertical(s, (int)v) == NULL) {
		api_not_found(req, "v", "no such vertical");
		return;
	}
	if ((cat = app_snapshot_category(s, (int)c)) == NULL ||
	    cat->vertical_id != (int)v) {
		api_not_found(req, "c", "no such category in this vertical");
		return;
	}
	ra.c = cat->id;
	/* The same needs in any order or repeated are one answer. */
	qsort(ids, nids, sizeof(ids[0]), cmp_ll);
	key = arena_printf(http_arena(req), "recs?v=%lld&c=%lld&n=", v, c);
	for (i = 0; i < nids && key != NULL; i++) {
		if (i > 0 && ids[i] == ids[i - 1])
			continue;
		if ((need = app_snapshot_need(s, (int)ids[i])) == NULL) {
			api_not_found(req, "n", "no such need");
			return;
		}
		ra.needs[ra.nneeds++] = need->match;
		key = arena_printf(http_arena(req), "%s%lld,", key, ids[i]);
	}
	if (key == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	respond_rendered(req, app_cache_rendered(s, key, 1, render_recs, &ra));
}

/* --- /course_browse --------------------------------------------------------
 */

static const struct http_param browse_params[] = {
    {"s", PARAM_EXACT, PARAM_INT, 0, 2, 0, 0},
    {"o", PARAM_EXACT, PARAM_INT, 0, 1, 0, 0},
    {"c", PARAM_EXACT, PARAM_INT, 0, 2, 0, 0},
    {"sd", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"ed", PARAM_EXACT, PARAM_DATE, 0, 0, 0, 0},
    {"q", PARAM_EXACT, PARAM_STRING, 0, 200, 0, 0},
    {"og", PARAM_EXACT, PARAM_INT, 0, 1, 0, 0},
    {"pg", PARAM_EXACT, PARAM_INT, 1, 1000000, 0, 0},
    {"ps", PARAM_EXACT, PARAM_INT, 1, 200, 0, 0},
};

static int
day_of(const struct http_date *d)
{
	return (d->year * 10000 + d->month * 100 + d->day);
}

static void
add_entry(struct evbuffer *b, const struct catalogue_entry *e, size_t index)
{
	/* The fragment ends in '}': splice "index" in as the last key. */
	evbuffer_add(b, e->json, e->json_len - 1);
	evbuffer_add_printf(b, ",\"index\":%zu}", index);
}

static void
api_course_browse(struct http_request *req)
{
	const struct catalogue_entry **out;
	struct catalogue_browse b;
	struct app_snapshot *s;
	struct http_date d;
	struct evbuffer *buf;
	long long x, pg = 0, ps = 50;
	const char *q = NULL;
	size_t n, i, from, to;
	char *qt;

	if ((s = api_snapshot(req)) == NULL)
		return;
	memset(&b, 0, sizeof(b));
	b.sort = CATALOGUE_SORT_DATE;
	b.cpd = CATALOGUE_BOTH;
	b.ongoing = 1;
	if (http_param_int(req, "s", &x))
		b.sort = (enum catalogue_sort)x;
	if (http_param_int(req, "o", &x))
		b.desc = (int)x;
	if (http_param_int(req, "c", &x))
		b.cpd = (enum catalogue_cpd_filter)x;
	if (http_param_int(req, "og", &x))
		b.ongoing = (int)x;
	b.sd = http_param_date(req, "sd", &d) ? day_of(&d) : app_cache_today();
	if (http_param_date(req, "ed", &d))
		b.ed = day_of(&d);
	if (b.ed != 0 && b.ed < b.sd) {
		http_respond_field_error(req, 400, "invalid parameters", "ed",
		                         "is before the start date");
		return;
	}
	if (http_param_str(req, "q", &q)) {
		/* Surrounding blanks are not part of a search (original). */
		while (*q == ' ')
			q++;
		qt = arena_strdup(http_arena(req), q);
		for (i = qt != NULL ? strlen(qt) : 0; i > 0 && qt[i - 1] == ' ';
		     i--)
			qt[i - 1] = '\0';
		b.q = qt;
	}
	http_param_int(req, "pg", &pg);
	http_param_int(req, "ps", &ps);
	out = arena_alloc(http_arena(req), (s->nentries + 1) * sizeof(*out));
	if (out == NULL || (buf = evbuffer_new()) == NULL) {
		http_respond_unavailable(req, "out of memory", 1);
		return;
	}
	n = catalogue_browse(s->entries, s->nentries, &b, out);
	from = 0;
	to = n;
	if (pg > 0) {
		/* Past the last page: an empty page, not an error. */
		from = (size_t)(pg - 1) * (size_t)ps;
		from = from > n ? n : from;
		to = from + (size_t)ps > n ? n : from + (size_t)ps;
		evbuffer_add_printf(buf,
		                    "{\"total\":%zu,\"page\":%lld,"
		                    "\"page_size\":%lld,\"results\":",
		                    n, pg, ps);
	}
	evbuffer_add(buf, "[", 1);
	for (i = from; i < to; i++) {
		if (i > from)
			evbuffer_add(buf, ",", 1);
		add_entry(buf, out[i], i);
	}
	evbuffer_add(buf, pg > 0 ? "]}" : "]", pg > 0 ? 2 : 1);
	http_respond_evbuffer(req, 200, "application/json", buf);
}

/* --- mounting --------------------------------------------------------------
 */

static const struct http_route api_routes[] = {
    {HTTP_GET, "/qns", api_qns, HTTP_NO_PARAMS},
    {HTTP_GET, "/roles", api_roles, HTTP_PARAMS(roles_params)},
    {HTTP_GET, "/diag", api_diag, HTTP_PARAMS(diag_params)},
    {HTTP_GET, "/techdiag", api_techdiag, HTTP_PARAMS(diag_params)},
    {HTTP_GET, "/results", api_results, HTTP_PARAMS(results_params)},
    {HTTP_GET, "/techdiagresults", api_techresults,
     HTTP_PARAMS(techresults_params)},
    {HTTP_GET, "/course_recs", api_course_recs, HTTP_PARAMS(recs_params)},
    {HTTP_GET, "/course_browse", api_course_browse, HTTP_PARAMS(browse_params)},
};

int
app_api_mount_with(struct worker *w, const char *listen_url)
{
	struct service *svc = service_get();

	if (svc == NULL || svc->router == NULL) {
		log_error("app api: the worker has no database router");
		return (-1);
	}
	if (app_cache_init(w->base, svc->router, w->settings->time_zone,
	                   listen_url) != 0)
		return (-1);
	return (http_server_add_routes(
	    w->http, api_routes, sizeof(api_routes) / sizeof(api_routes[0])));
}

int
app_api_mount(struct worker *w)
{
	const struct settings *st = w->settings;

	return (app_api_mount_with(w, st->app_database_url != NULL
	                                  ? st->app_database_url
	                                  : st->cms_app_database_url));
}

void
app_api_fini(struct worker *w)
{
	(void)w;
	app_cache_fini();
}
