/*
 * The worker's framework and course cache; see app_cache.h for the
 * design (loading, swapping, NOTIFY channels, midnight roll-over).
 *
 * A snapshot keeps the two parsed JSON documents alive and points into
 * them: strings are the trees' own, arrays live in one arena, so freeing
 * a snapshot is two cJSON_Delete calls and one arena_free.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <event2/event.h>
#include <openssl/evp.h>

#include "app_cache.h"
#include "arena.h"
#include "db.h"
#include "log.h"
#include "media_url.h"
#include "router.h"

#define RENDER_BUCKETS 256
/* How long a worker waits for a replica that has not replayed a notified
 * commit before it loads from the primary instead (bounded staleness). */
#define LAG_MAX_MS 10000

struct render_slot {
	struct render_slot *next;
	char *key;
	int daily; /* the local day it was made on; 0: not daily */
	struct app_rendered r;
};

struct app_snapshot_priv {
	struct arena *arena;
	cJSON *fw, *courses;
	struct render_slot *slots[RENDER_BUCKETS];
};

/* --- reading the documents --------------------------------------------- */

static cJSON *
jat(const cJSON *row, int i)
{
	return (cJSON_GetArrayItem(row, i));
}

static int
jint(const cJSON *row, int i)
{
	const cJSON *v = jat(row, i);

	return (cJSON_IsNumber(v) ? (int)v->valuedouble : 0);
}

static const char *
jstr(const cJSON *row, int i)
{
	const cJSON *v = jat(row, i);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

static int
jbool(const cJSON *row, int i)
{
	return (cJSON_IsTrue(jat(row, i)));
}

/* An array of ints from a JSON array of numbers, in the arena. */
static int
jints(struct arena *a, const cJSON *arr, int **out, size_t *n)
{
	const cJSON *v;
	size_t i = 0;
	int sz = cJSON_GetArraySize(arr);

	*out = NULL;
	*n = 0;
	if (!cJSON_IsArray(arr))
		return (-1);
	if ((*out = arena_alloc(a, ((size_t)sz + 1) * sizeof(int))) == NULL)
		return (-1);
	cJSON_ArrayForEach(v, arr)(*out)[i++] =
	    cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
	*n = i;
	return (0);
}

/* Allocates an array for the rows of doc[name]; -1 when missing. */
static int
jrows(struct arena *a, const cJSON *doc, const char *name, size_t elem,
      void **out, size_t *n, const cJSON **rows)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(doc, name);
	int sz = cJSON_GetArraySize(arr);

	if (!cJSON_IsArray(arr))
		return (-1);
	*rows = arr;
	*n = (size_t)sz;
	*out = arena_alloc(a, ((size_t)sz + 1) * elem);
	return (*out == NULL ? -1 : 0);
}

static int
build_framework(struct app_snapshot *s, struct arena *a, const cJSON *fw)
{
	const cJSON *rows, *r;
	size_t i;

	if (jrows(a, fw, "verticals", sizeof(*s->verticals),
	          (void **)&s->verticals, &s->nverticals, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		s->verticals[i].id = jint(r, 0);
		s->verticals[i].name = jstr(r, 1);
		s->verticals[i++].option_text = jstr(r, 2);
	}
	if (jrows(a, fw, "categories", sizeof(*s->categories),
	          (void **)&s->categories, &s->ncategories, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_category *c = &s->categories[i++];

		c->id = jint(r, 0);
		c->vertical_id = jint(r, 1);
		c->key = jint(r, 2);
		c->title = jstr(r, 3);
		c->option_text = jstr(r, 4);
		c->is_specialism = jbool(r, 5);
	}
	if (jrows(a, fw, "competencies", sizeof(*s->competencies),
	          (void **)&s->competencies, &s->ncompetencies, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_competency *c = &s->competencies[i++];

		c->id = jint(r, 0);
		c->vertical_id = jint(r, 1);
		c->category = jstr(r, 2);
		c->title = jstr(r, 3);
		c->description = jstr(r, 4);
		if (c->category == NULL || c->title == NULL)
			return (-1);
	}
	if (jrows(a, fw, "roles", sizeof(*s->roles), (void **)&s->roles,
	          &s->nroles, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_role *ro = &s->roles[i++];

		ro->id = jint(r, 0);
		ro->name = jstr(r, 1);
		ro->vertical_id = jint(r, 2);
		ro->level = jint(r, 3);
		ro->org_type = jstr(r, 4);
		ro->specialism = jstr(r, 5);
		ro->description = jstr(r, 6);
		if (jints(a, jat(r, 7), &ro->comps, &ro->ncomps) != 0)
			return (-1);
	}
	if (jrows(a, fw, "tech_roles", sizeof(*s->tech_roles),
	          (void **)&s->tech_roles, &s->ntech_roles, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_tech_role *t = &s->tech_roles[i++];

		t->id = jint(r, 0);
		t->name = jstr(r, 1);
		t->level = jint(r, 2);
		t->option_text = jstr(r, 3);
		if (jints(a, jat(r, 4), &t->comps, &t->ncomps) != 0)
			return (-1);
	}
	if (jrows(a, fw, "tech_competencies", sizeof(*s->tech_comps),
	          (void **)&s->tech_comps, &s->ntech_comps, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_tech_comp *t = &s->tech_comps[i++];

		t->id = jint(r, 0);
		t->category = jstr(r, 1);
		t->tech_role_id = jint(r, 2);
		t->title = jstr(r, 3);
		t->description = jstr(r, 4);
		if (t->category == NULL || t->title == NULL)
			return (-1);
	}
	if (jrows(a, fw, "needs", sizeof(*s->needs), (void **)&s->needs,
	          &s->nneeds, &rows) != 0)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct app_need *n = &s->needs[i++];
		int *v;

		n->id = jint(r, 0);
		n->name = jstr(r, 1);
		n->option_text = jstr(r, 2);
		if (jints(a, jat(r, 3), &v, &n->match.nlevels) != 0)
			return (-1);
		n->match.levels = v;
		if (jints(a, jat(r, 4), &v, &n->match.nformats) != 0)
			return (-1);
		n->match.formats = v;
	}
	return (0);
}

/* The entry's JSON object in the original's key order, without index. */
static int
render_entry(struct arena *a, struct catalogue_entry *e)
{
	const struct catalogue_course *c = e->course;
	cJSON *o, *x;
	char buf[40], mpath[64], *text;
	int rc = -1;

	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	cJSON_AddStringToObject(o, "name", c->name);
	if (c->provider != NULL)
		cJSON_AddStringToObject(o, "provider", c->provider);
	else
		cJSON_AddNullToObject(o, "provider");
	x = cJSON_AddObjectToObject(o, "cost");
	if (c->has_cost)
		cJSON_AddNumberToObject(x, "cost", c->cost);
	else
		cJSON_AddNullToObject(x, "cost");
	cJSON_AddBoolToObject(x, "isVarying", c->cost_varies);
	/* The original sent "" for a course without a link: keep a string. */
	cJSON_AddStringToObject(o, "url", c->url != NULL ? c->url : "");
	if (c->level != NULL)
		cJSON_AddStringToObject(o, "level", c->level);
	else
		cJSON_AddNullToObject(o, "level");
	if (c->format != NULL)
		cJSON_AddStringToObject(o, "format", c->format);
	else
		cJSON_AddNullToObject(o, "format");
	if (c->spider_name != NULL)
		cJSON_AddStringToObject(o, "spider_name", c->spider_name);
	else
		cJSON_AddNullToObject(o, "spider_name");
	cJSON_AddBoolToObject(o, "is_manually_added", c->is_manually_added);
	cJSON_AddBoolToObject(o, "is_ongoing", c->is_ongoing);
	x = cJSON_AddObjectToObject(o, "date_range");
	if (e->date_index >= 0 &&
	    catalogue_iso8601((time_t)e->start, buf, sizeof(buf)) == 0)
		cJSON_AddStringToObject(x, "start", buf);
	else
		cJSON_AddNullToObject(x, "start");
	if (e->date_index >= 0 && e->has_end &&
	    catalogue_iso8601((time_t)e->end, buf, sizeof(buf)) == 0)
		cJSON_AddStringToObject(x, "end", buf);
	else
		cJSON_AddNullToObject(x, "end");
	x = cJSON_AddObjectToObject(o, "cpd");
	if (c->cpd == CATALOGUE_CPD_POINTS)
		cJSON_AddNumberToObject(x, "points", c->cpd_points);
	else
		cJSON_AddNullToObject(x, "points");
	cJSON_AddBoolToObject(x, "is_private", c->cpd == CATALOGUE_CPD_PRIVATE);
	cJSON_AddBoolToObject(x, "is_tbc", c->cpd == CATALOGUE_CPD_TBC);
	cJSON_AddBoolToObject(x, "is_na", c->cpd == CATALOGUE_CPD_NA);
	/* Stable App paths, only when present (docs/api.md, docs/media.md). */
	if (media_url_enabled() && c->brochure_key != NULL &&
	    snprintf(mpath, sizeof(mpath), "/media/course/%lld/brochure",
	             c->id) < (int)sizeof(mpath))
		cJSON_AddStringToObject(o, "brochure", mpath);
	if (media_url_enabled() && c->logo_key != NULL &&
	    snprintf(mpath, sizeof(mpath), "/media/course/%lld/logo", c->id) <
	        (int)sizeof(mpath))
		cJSON_AddStringToObject(o, "logo", mpath);
	if ((text = cJSON_PrintUnformatted(o)) != NULL) {
		e->json_len = strlen(text);
		e->json = arena_strndup(a, text, e->json_len);
		rc = e->json != NULL ? 0 : -1;
		free(text);
	}
	cJSON_Delete(o);
	return (rc);
}

static enum catalogue_cpd
parse_cpd(const char *s)
{
	if (s == NULL)
		return (CATALOGUE_CPD_NONE);
	if (strcmp(s, "points") == 0)
		return (CATALOGUE_CPD_POINTS);
	if (strcmp(s, "tbc") == 0)
		return (CATALOGUE_CPD_TBC);
	if (strcmp(s, "private") == 0)
		return (CATALOGUE_CPD_PRIVATE);
	if (strcmp(s, "na") == 0)
		return (CATALOGUE_CPD_NA);
	return (CATALOGUE_CPD_NONE);
}

static int
build_courses(struct app_snapshot *s, struct arena *a, const cJSON *doc)
{
	const cJSON *rows, *r, *dates, *d;
	const struct catalogue_entry **order;
	struct catalogue_entry *tmp;
	size_t i, k, n = 0, cap = 0;
	int *v;

	if (jrows(a, doc, "courses", sizeof(*s->courses), (void **)&s->courses,
	          &s->ncourses, &rows) != 0)
		return (-1);
	cJSON_ArrayForEach(r, rows) cap +=
	    (size_t)cJSON_GetArraySize(jat(r, 15)) + 1;
	if ((tmp = arena_alloc(a, (cap + 1) * sizeof(*tmp))) == NULL ||
	    (order = arena_alloc(a, (cap + 1) * sizeof(*order))) == NULL ||
	    (s->entries = arena_alloc(a, (cap + 1) * sizeof(*tmp))) == NULL)
		return (-1);
	i = 0;
	cJSON_ArrayForEach(r, rows)
	{
		struct catalogue_course *c = &s->courses[i++];
		const cJSON *cost = jat(r, 4), *pts = jat(r, 14);

		c->id = (long long)cJSON_GetNumberValue(jat(r, 0));
		c->name = jstr(r, 1);
		c->provider = jstr(r, 2);
		c->url = jstr(r, 3);
		c->has_cost = cJSON_IsNumber(cost);
		c->cost = c->has_cost ? cost->valuedouble : 0;
		c->cost_varies = jbool(r, 5);
		c->level_id = jint(r, 6);
		c->level = jstr(r, 7);
		c->format_id = jint(r, 8);
		c->format = jstr(r, 9);
		c->spider_name = jstr(r, 10);
		c->is_manually_added = jbool(r, 11);
		c->is_ongoing = jbool(r, 12);
		c->cpd = parse_cpd(jstr(r, 13));
		c->cpd_points = cJSON_IsNumber(pts) ? pts->valuedouble : 0;
		c->brochure_key = jstr(r, 18);
		c->brochure_type = jstr(r, 19);
		c->logo_key = jstr(r, 20);
		c->logo_type = jstr(r, 21);
		if (c->name == NULL)
			return (-1);
		if (jints(a, jat(r, 16), &v, &c->ncategories) != 0)
			return (-1);
		c->categories = v;
		if (jints(a, jat(r, 17), &v, &c->ntech) != 0)
			return (-1);
		c->tech_competencies = v;
		dates = jat(r, 15);
		k = 0;
		cJSON_ArrayForEach(d, dates)
		{
			struct catalogue_entry *e = &tmp[n++];
			const cJSON *end = jat(d, 1);

			e->course = c;
			e->date_index = (int)k++;
			e->start = (long long)cJSON_GetNumberValue(jat(d, 0));
			e->has_end = cJSON_IsNumber(end);
			e->end = e->has_end ? (long long)end->valuedouble : 0;
			e->start_day = catalogue_local_day((time_t)e->start);
		}
		if (k == 0 && c->is_ongoing) {
			tmp[n].course = c;
			tmp[n++].date_index = -1;
		}
	}
	for (i = 0; i < n; i++)
		order[i] = &tmp[i];
	catalogue_sort_date(order, n);
	for (i = 0; i < n; i++) {
		s->entries[i] = *order[i];
		if (render_entry(a, &s->entries[i]) != 0)
			return (-1);
	}
	s->nentries = n;
	return (0);
}

struct app_snapshot *
app_snapshot_build(cJSON *framework, cJSON *courses)
{
	static uint64_t generation;
	struct app_snapshot *s = NULL;
	struct arena *a = NULL;

	if ((a = arena_new()) == NULL ||
	    (s = arena_alloc(a, sizeof(*s))) == NULL ||
	    (s->priv = arena_alloc(a, sizeof(*s->priv))) == NULL)
		goto fail;
	s->priv->arena = a;
	s->priv->fw = framework;
	s->priv->courses = courses;
	s->refs = 1;
	s->generation = ++generation;
	if (!cJSON_IsObject(framework) || !cJSON_IsObject(courses) ||
	    build_framework(s, a, framework) != 0 ||
	    build_courses(s, a, courses) != 0) {
		s->refs = 0;
		app_snapshot_unref(s);
		return (NULL);
	}
	return (s);

fail:
	arena_free(a);
	cJSON_Delete(framework);
	cJSON_Delete(courses);
	return (NULL);
}

void
app_snapshot_ref(struct app_snapshot *s)
{
	s->refs++;
}

void
app_snapshot_unref(struct app_snapshot *s)
{
	struct render_slot *rs, *next;
	size_t b;

	if (s == NULL || --s->refs > 0)
		return;
	for (b = 0; b < RENDER_BUCKETS; b++) {
		for (rs = s->priv->slots[b]; rs != NULL; rs = next) {
			next = rs->next;
			free(rs->key);
			free(rs->r.body);
			free(rs);
		}
	}
	cJSON_Delete(s->priv->fw);
	cJSON_Delete(s->priv->courses);
	arena_free(s->priv->arena); /* s itself lives in it */
}

/* --- lookups (arrays are sorted by id: the statements ORDER BY id) ----- */

#define LOOKUP(fn, type, arr, n)                                               \
	const type *fn(const struct app_snapshot *s, int id)                   \
	{                                                                      \
		size_t lo = 0, hi = s->n;                                      \
		while (lo < hi) {                                              \
			size_t mid = lo + (hi - lo) / 2;                       \
			if (s->arr[mid].id == id)                              \
				return (&s->arr[mid]);                         \
			if (s->arr[mid].id < id)                               \
				lo = mid + 1;                                  \
			else                                                   \
				hi = mid;                                      \
		}                                                              \
		return (NULL);                                                 \
	}

LOOKUP(app_snapshot_vertical, struct app_vertical, verticals, nverticals)
LOOKUP(app_snapshot_category, struct app_category, categories, ncategories)
LOOKUP(app_snapshot_competency, struct app_competency, competencies,
       ncompetencies)
LOOKUP(app_snapshot_role, struct app_role, roles, nroles)
LOOKUP(app_snapshot_tech_role, struct app_tech_role, tech_roles, ntech_roles)
LOOKUP(app_snapshot_tech_comp, struct app_tech_comp, tech_comps, ntech_comps)
LOOKUP(app_snapshot_need, struct app_need, needs, nneeds)

/* --- rendered answers ---------------------------------------------------- */

static uint32_t
hash_key(const char *s)
{
	uint32_t h = 2166136261u; /* FNV-1a: short keys, no adversary
	                             benefit (keys are validated ids) */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return (h);
}

static int
make_etag(const char *body, size_t len, char out[40])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(body, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen < 16)
		return (-1);
	/* A content hash: equal bytes from any worker or restart get the
	 * same tag, so a client revalidates against any instance. */
	out[0] = '"';
	for (i = 0; i < 16; i++)
		snprintf(out + 1 + 2 * i, 3, "%02x", md[i]);
	out[33] = '"';
	out[34] = '\0';
	return (0);
}

const struct app_rendered *
app_cache_rendered(struct app_snapshot *s, const char *key, int daily,
                   char *(*render)(struct app_snapshot *, void *), void *arg)
{
	struct render_slot **head, *rs;
	int today = daily ? app_cache_today() : 0;
	char *body;

	head = &s->priv->slots[hash_key(key) % RENDER_BUCKETS];
	for (rs = *head; rs != NULL; rs = rs->next)
		if (strcmp(rs->key, key) == 0)
			break;
	if (rs != NULL && rs->daily == today)
		return (&rs->r);
	if ((body = render(s, arg)) == NULL)
		return (NULL);
	if (rs == NULL) {
		if ((rs = calloc(1, sizeof(*rs))) == NULL ||
		    (rs->key = strdup(key)) == NULL) {
			free(rs);
			free(body);
			return (NULL);
		}
		rs->next = *head;
		*head = rs;
	} else
		free(rs->r.body); /* yesterday's answer */
	rs->daily = today;
	rs->r.body = body;
	rs->r.len = strlen(body);
	if (make_etag(body, rs->r.len, rs->r.etag) != 0)
		rs->r.etag[0] = '\0';
	return (&rs->r);
}

/* --- the worker's cache: loading ---------------------------------------- */

static struct {
	struct event_base *base;
	struct router *router;
	struct db_pool *companion;
	struct app_snapshot *cur;
	cJSON *fw; /* first half of a load in progress */
	int loading, again, closing;
	int backoff_ms;
	void (*on_load)(void);
	uint64_t want_lsn;
	/* Replica behind want_lsn: retry delay, since when (ms, 0: not
	 * behind), and whether loads go to the primary meanwhile. */
	int lag_ms;
	long long lag_since;
	int from_primary;
	struct event *ev_retry, *ev_midnight;
	int today;
	time_t next_midnight;
	uint64_t loads;
} cache;

static void load_start(void);

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/* A load statement: on the replica when there is one (and it is up),
 * on the primary while the replica is too far behind. */
static int
load_query(const char *stmt, db_result_cb cb)
{
	if (cache.from_primary)
		return (router_query_primary(cache.router, stmt, 0, NULL, cb,
		                             NULL));
	return (router_query(cache.router, stmt, 0, NULL, cb, NULL));
}

uint64_t
app_cache_parse_lsn(const char *s)
{
	unsigned long long hi, lo;
	int used = 0;

	if (s == NULL || sscanf(s, "%llx/%llx%n", &hi, &lo, &used) != 2 ||
	    s[used] != '\0' || hi > 0xffffffffULL || lo > 0xffffffffULL)
		return (0);
	return (((uint64_t)hi << 32) | lo);
}

static void
load_retry(int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (cache.ev_retry != NULL)
		evtimer_add(cache.ev_retry, &tv);
}

static void
load_failed(const char *why)
{
	cJSON_Delete(cache.fw);
	cache.fw = NULL;
	cache.loading = 0;
	cache.from_primary = 0;
	if (cache.closing)
		return;
	/* The pool is usually still connecting at start: say so only when
	 * failures persist past a few quick retries. */
	if (cache.backoff_ms >= 1600 || cache.cur != NULL)
		log_warn("app cache: load failed (%s); retrying in %d ms", why,
		         cache.backoff_ms);
	else
		log_debug("app cache: load failed (%s); retrying in %d ms", why,
		          cache.backoff_ms);
	load_retry(cache.backoff_ms);
	/* Quick at start (the pool may just be connecting), patient
	 * later: a missing table will not appear within the second. */
	cache.backoff_ms =
	    cache.backoff_ms * 2 > 10000 ? 10000 : cache.backoff_ms * 2;
}

/*
 * Parses the statement's one JSON cell.  Returns NULL after arranging
 * a retry: on failure, or when the document came from a standby that
 * has not yet replayed the newest notified commit.
 */
static cJSON *
load_doc(const struct db_result *res, const char *what)
{
	const char *lsn;
	cJSON *doc;

	if (res->pg == NULL) {
		load_failed(res->error != NULL ? res->error : what);
		return (NULL);
	}
	if (PQntuples(res->pg) != 1 || PQnfields(res->pg) != 1 ||
	    (doc = cJSON_Parse(PQgetvalue(res->pg, 0, 0))) == NULL) {
		load_failed(what);
		return (NULL);
	}
	lsn =
	    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(doc, "lsn"));
	if (lsn != NULL && app_cache_parse_lsn(lsn) < cache.want_lsn) {
		/* Before the delete: lsn points into doc. */
		log_debug("app cache: replica at %s, behind the notified "
		          "commit; retrying",
		          lsn);
		cJSON_Delete(doc);
		cJSON_Delete(cache.fw);
		cache.fw = NULL;
		cache.loading = 0;
		if (cache.lag_since == 0)
			cache.lag_since = now_ms();
		else if (now_ms() - cache.lag_since >= LAG_MAX_MS &&
		         !cache.from_primary) {
			log_warn("app cache: the replica has not replayed the "
			         "notified commit for %d s; loading from the "
			         "primary",
			         LAG_MAX_MS / 1000);
			cache.from_primary = 1;
		}
		load_retry(cache.lag_ms);
		cache.lag_ms =
		    cache.lag_ms * 2 > 1000 ? 1000 : cache.lag_ms * 2;
		return (NULL);
	}
	return (doc);
}

static void
courses_done(const struct db_result *res, void *arg)
{
	struct app_snapshot *s;
	cJSON *doc;

	(void)arg;
	if (cache.closing)
		return;
	if ((doc = load_doc(res, "bad course document")) == NULL)
		return;
	s = app_snapshot_build(cache.fw, doc); /* takes both trees */
	cache.fw = NULL;
	if (s == NULL) {
		load_failed("cannot build the snapshot");
		return;
	}
	/* Requests answer synchronously, so none is between the old
	 * snapshot and its answer now; a holder of a reference keeps it. */
	app_snapshot_unref(cache.cur);
	cache.cur = s;
	cache.loading = 0;
	cache.backoff_ms = 200;
	cache.lag_ms = 50;
	cache.lag_since = 0;
	cache.from_primary = 0;
	cache.loads++;
	if (cache.on_load != NULL)
		cache.on_load();
	log_info("app cache: loaded %zu verticals, %zu competencies, %zu "
	         "roles, %zu courses (%zu entries)",
	         s->nverticals, s->ncompetencies, s->nroles, s->ncourses,
	         s->nentries);
	if (cache.again)
		load_start();
}

static void
framework_done(const struct db_result *res, void *arg)
{
	int rc;

	(void)arg;
	if (cache.closing)
		return;
	if ((cache.fw = load_doc(res, "bad framework document")) == NULL)
		return;
	rc = load_query("app.course_snapshot", courses_done);
	if (rc != DB_OK)
		load_failed("cannot query the courses");
}

static void
load_start(void)
{
	int rc;

	if (cache.closing || cache.router == NULL)
		return;
	if (cache.loading) {
		/* The running load may have read before the change. */
		cache.again = 1;
		return;
	}
	cache.loading = 1;
	cache.again = 0;
	rc = load_query("app.framework_snapshot", framework_done);
	if (rc != DB_OK)
		load_failed(rc == DB_QUEUE_FULL ? "database busy"
		                                : "cannot query the framework");
}

static void
retry_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	load_start();
}

void
app_cache_refresh(const char *why)
{
	log_debug("app cache: refresh (%s)", why);
	load_start();
}

/*
 * With a replica, a payload's WAL position is not enough: the CMS takes
 * it inside the writing statement, before its commit record, and the
 * framework import sends none.  A notification arrives only after the
 * commit, so the primary's WAL position asked now lies past it: the
 * load waits until the replica has replayed that far.  One fence per
 * notification; a failed one (primary gone) loads with what is known.
 */
static void
fence_done(const struct db_result *res, void *arg)
{
	uint64_t lsn;

	(void)arg;
	if (cache.closing)
		return;
	if (res->pg != NULL && PQntuples(res->pg) == 1 &&
	    (lsn = app_cache_parse_lsn(PQgetvalue(res->pg, 0, 0))) >
	        cache.want_lsn)
		cache.want_lsn = lsn;
	load_start();
}

static void
fence_refresh(const char *why)
{
	log_debug("app cache: refresh (%s)", why);
	if (cache.router == NULL || router_replica_pool(cache.router) == NULL ||
	    router_query(cache.router, "app.primary_lsn", 0, NULL, fence_done,
	                 NULL) != DB_OK)
		load_start();
}

static void
on_notify(const char *channel, const char *payload, void *arg)
{
	uint64_t lsn = app_cache_parse_lsn(payload);

	(void)arg;
	if (lsn > cache.want_lsn)
		cache.want_lsn = lsn;
	fence_refresh(channel);
}

static void
on_resync(void *arg)
{
	(void)arg;
	/* Anything may have changed while the listener was away. */
	fence_refresh("listener connected");
}

/* --- today --------------------------------------------------------------- */

static void
midnight_arm(void)
{
	struct timeval now, tv;
	long long ms;

	gettimeofday(&now, NULL);
	cache.today = catalogue_local_day(now.tv_sec);
	cache.next_midnight = catalogue_next_midnight(now.tv_sec);
	ms = ((long long)cache.next_midnight - now.tv_sec) * 1000 -
	     now.tv_usec / 1000;
	if (ms < 0)
		ms = 0;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	if (cache.ev_midnight != NULL)
		evtimer_add(cache.ev_midnight, &tv);
}

static void
midnight_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	(void)arg;
	/* Daily renders compare their day with today: nothing to flush. */
	midnight_arm();
	log_info("app cache: local day is now %d", cache.today);
}

int
app_cache_today(void)
{
	/* A timer can fire late (a busy loop): never serve yesterday. */
	if (time(NULL) >= cache.next_midnight) {
		cache.today = catalogue_local_day(time(NULL));
		cache.next_midnight = catalogue_next_midnight(time(NULL));
	}
	return (cache.today);
}

/* --- set-up -------------------------------------------------------------- */

int
app_cache_init(struct event_base *base, struct router *router,
               const char *time_zone, const char *listen_url)
{
	struct db_pool_config pc;
	struct db_pool *primary;

	memset(&cache, 0, sizeof(cache));
	cache.base = base;
	cache.router = router;
	cache.backoff_ms = 200;
	cache.lag_ms = 50;
	if (time_zone != NULL && *time_zone != '\0') {
		/* Once per worker, before any localtime_r. */
		setenv("TZ", time_zone, 1);
		tzset();
	}
	if ((cache.ev_retry = evtimer_new(base, retry_cb, NULL)) == NULL ||
	    (cache.ev_midnight = evtimer_new(base, midnight_cb, NULL)) ==
	        NULL) {
		log_error("app cache: out of memory");
		return (-1);
	}
	midnight_arm();
	if ((primary = router_pool(router, ROUTER_DB_APP)) == NULL) {
		log_error("app cache: the App database is not configured");
		return (-1);
	}
	if (db_pool_listen(primary, APP_CACHE_CHANNEL_FRAMEWORK, on_notify,
	                   on_resync, NULL) != 0)
		log_warn("app cache: cannot listen on %s",
		         APP_CACHE_CHANNEL_FRAMEWORK);
	if (listen_url != NULL) {
		memset(&pc, 0, sizeof(pc));
		pc.name = "app-listen";
		pc.conninfo = listen_url;
		pc.size = 1;
		pc.queue_max = 0;
		if ((cache.companion = db_pool_new(base, &pc)) == NULL ||
		    db_pool_listen(cache.companion, APP_CACHE_CHANNEL_COURSES,
		                   on_notify, on_resync, NULL) != 0)
			log_warn("app cache: cannot listen on %s",
			         APP_CACHE_CHANNEL_COURSES);
	}
	/* Do not wait for the listener: the query pool may be up first. */
	load_start();
	return (0);
}

void
app_cache_fini(void)
{
	cache.closing = 1;
	if (cache.ev_retry != NULL)
		event_free(cache.ev_retry);
	if (cache.ev_midnight != NULL)
		event_free(cache.ev_midnight);
	cache.ev_retry = cache.ev_midnight = NULL;
	db_pool_free(cache.companion);
	cache.companion = NULL;
	cJSON_Delete(cache.fw);
	cache.fw = NULL;
	app_snapshot_unref(cache.cur);
	cache.cur = NULL;
}

struct app_snapshot *
app_cache_get(void)
{
	return (cache.cur);
}

void
app_cache_on_load(void (*fn)(void))
{
	cache.on_load = fn;
}

uint64_t
app_cache_generation(void)
{
	return (cache.loads);
}
