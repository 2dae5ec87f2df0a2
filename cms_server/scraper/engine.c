/*
 * The engine: a queue of requests, each tagged with the page definition
 * that will read its answer.  A page's "follow" rules add requests (links
 * found by XPath, a form POST, JSON detail calls, the next JSON page), its
 * "items" rule turns nodes or JSON objects into items.  Everything the
 * definition may ask for was checked by spider.c, so the engine only
 * meets bad input from the sites, which it logs and skips.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/uri.h>
#include <libxml/xmlerror.h>
#include <libxml/xpath.h>

#include "engine.h"
#include "fetch.h"
#include "scrape_text.h"
#include "spider.h"

#define MAX_REQUESTS 5000
#define MAX_VALUES   10000

struct req {
	const cJSON *page;
	char *tmpl; /* for paging: the URL template; else NULL */
	long start;
	cJSON *carry; /* the parent's JSON object, or NULL */
	int is_start;
};

struct run {
	const struct spider *sp;
	const struct scrape_options *opt;
	const struct scrape_hooks *h;
	struct fetcher *f;
	char **seen; /* item keys */
	size_t nseen;
	char **visited; /* "URL\nPOST" already requested */
	size_t nvisited;
	long found, skipped, errors, requests;
	char *err;
	size_t errlen;
};

/* What a selector is evaluated against. */
struct ectx {
	xmlDocPtr doc;
	xmlNodePtr node;
	const cJSON *json;
	const cJSON *carry;
	const char *page_url;
};

/* The values of one selector (links, dates, texts); grows as needed. */
struct values {
	char **v;
	size_t n, cap;
};

static void
values_free(struct values *vs)
{
	for (size_t i = 0; i < vs->n; i++)
		free(vs->v[i]);
	free(vs->v);
	vs->v = NULL;
	vs->n = vs->cap = 0;
}

static void
values_add(struct values *vs, char *s)
{
	if (s == NULL)
		return;
	if (vs->n == vs->cap) {
		size_t cap = vs->cap == 0 ? 8 : vs->cap * 2;
		char **nv;

		if (vs->n >= MAX_VALUES ||
		    (nv = realloc(vs->v, cap * sizeof(*nv))) == NULL) {
			free(s);
			return;
		}
		vs->v = nv;
		vs->cap = cap;
	}
	vs->v[vs->n++] = s;
}

static void
logf_(struct run *r, int level, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (r->h != NULL && r->h->on_log != NULL)
		r->h->on_log(level, msg, r->h->arg);
}

static void
progress(struct run *r)
{
	if (r->h != NULL && r->h->on_progress != NULL)
		r->h->on_progress(r->found, r->skipped, r->errors, r->h->arg);
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static void
quiet_structured(void *ctx, xmlErrorPtr e)
{
	(void)ctx;
	(void)e;
}

static const char *
jstr(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	return (cJSON_IsString(v) ? v->valuestring : NULL);
}

/* "a.b[0].c" in root; NULL when absent. */
static const cJSON *
json_path(const cJSON *root, const char *path)
{
	const cJSON *cur = root;
	const char *p = path;
	char key[256];

	while (cur != NULL && *p != '\0') {
		size_t l = strcspn(p, ".[");

		if (l > 0) {
			if (l >= sizeof(key))
				return (NULL);
			memcpy(key, p, l);
			key[l] = '\0';
			cur = cJSON_GetObjectItemCaseSensitive(cur, key);
			p += l;
		}
		while (cur != NULL && *p == '[') {
			char *end;
			long i = strtol(p + 1, &end, 10);

			if (*end != ']' || i < 0)
				return (NULL);
			cur = cJSON_GetArrayItem(cur, (int)i);
			p = end + 1;
		}
		if (*p == '.')
			p++;
		else if (*p != '\0' && *p != '[')
			return (NULL);
	}
	return (cur);
}

static const cJSON *
json_lookup(const struct ectx *c, const char *path)
{
	if (path[0] == '^')
		return (c->carry != NULL ? json_path(c->carry, path + 1)
		                         : NULL);
	return (json_path(c->json, path));
}

static char *
json_text(const cJSON *v)
{
	char buf[64];

	if (cJSON_IsString(v))
		return (strdup(v->valuestring));
	if (cJSON_IsNumber(v)) {
		snprintf(buf, sizeof(buf), "%.15g", v->valuedouble);
		return (strdup(buf));
	}
	if (cJSON_IsBool(v))
		return (strdup(cJSON_IsTrue(v) ? "true" : "false"));
	return (NULL);
}

static void
xpath_values(const struct ectx *c, const char *expr, struct values *vs)
{
	xmlXPathContextPtr xc;
	xmlXPathObjectPtr o;

	if (c->doc == NULL || (xc = xmlXPathNewContext(c->doc)) == NULL)
		return;
	xc->node = c->node != NULL ? c->node : xmlDocGetRootElement(c->doc);
	if ((o = xmlXPathEvalExpression((const xmlChar *)expr, xc)) != NULL) {
		if (o->type == XPATH_NODESET) {
			for (int i = 0;
			     o->nodesetval != NULL && i < o->nodesetval->nodeNr;
			     i++) {
				xmlChar *s = xmlXPathCastNodeToString(
				    o->nodesetval->nodeTab[i]);

				values_add(vs, s != NULL ? strdup((char *)s)
				                         : NULL);
				xmlFree(s);
			}
		} else {
			xmlChar *s = xmlXPathCastToString(o);

			values_add(vs, s != NULL ? strdup((char *)s) : NULL);
			xmlFree(s);
		}
		xmlXPathFreeObject(o);
	}
	xmlXPathFreeContext(xc);
}

/* Appends s percent-encoded (when enc) to the growing string *out. */
static int
append(char **out, size_t *len, const char *s, int enc)
{
	size_t add = strlen(s) * (enc ? 3 : 1);
	char *n;

	if ((n = realloc(*out, *len + add + 1)) == NULL)
		return (-1);
	*out = n;
	for (; *s != '\0'; s++) {
		unsigned char ch = (unsigned char)*s;

		if (!enc || isalnum(ch) || strchr("-._~", ch) != NULL)
			n[(*len)++] = (char)ch;
		else
			*len += (size_t)sprintf(n + *len, "%%%02X", ch);
	}
	n[*len] = '\0';
	return (0);
}

/* Expands "{path}" in t from the JSON context ("start" gives start when
 * start >= 0).  Returns a new string, or NULL when a value is missing. */
static char *
expand(const struct ectx *c, const char *t, const char *param, long start)
{
	char *out = NULL, name[256], num[32];
	size_t len = 0;

	if (append(&out, &len, "", 0) == -1)
		return (NULL);
	while (*t != '\0') {
		const char *o = strchr(t, '{'), *e;
		char *lit, *val;
		size_t l;

		if (o == NULL) {
			if (append(&out, &len, t, 0) == -1)
				goto fail;
			break;
		}
		if ((lit = strndup(t, (size_t)(o - t))) == NULL)
			goto fail;
		l = append(&out, &len, lit, 0) == -1;
		free(lit);
		if (l)
			goto fail;
		e = strchr(o, '}');
		l = (size_t)(e - o - 1);
		if (l >= sizeof(name))
			goto fail;
		memcpy(name, o + 1, l);
		name[l] = '\0';
		if (param != NULL && strcmp(name, param) == 0) {
			snprintf(num, sizeof(num), "%ld", start);
			val = strdup(num);
		} else if (c != NULL && (c->json != NULL || c->carry != NULL))
			val = json_text(json_lookup(c, name));
		else
			val = NULL;
		if (val == NULL || val[0] == '\0' ||
		    append(&out, &len, val, 1) == -1) {
			free(val);
			goto fail;
		}
		free(val);
		t = e + 1;
	}
	return (out);
fail:
	free(out);
	return (NULL);
}

/* An absolute http(s) URL for href found on the page at base, rewritten
 * to the override; NULL when it is something else (mailto:, javascript:). */
static char *
resolve(struct run *r, const char *href, const char *base)
{
	xmlChar *abs;
	char *out = NULL, *f, *orig;

	if ((f = scrape_fold(href)) == NULL)
		return (NULL);
	if ((orig = spider_unrewrite(r->sp, base)) == NULL) {
		free(f);
		return (NULL);
	}
	abs = xmlBuildURI((const xmlChar *)f, (const xmlChar *)orig);
	free(f);
	free(orig);
	if (abs == NULL)
		return (NULL);
	if (strncmp((char *)abs, "http://", 7) == 0 ||
	    strncmp((char *)abs, "https://", 8) == 0) {
		char *hash = strchr((char *)abs, '#');

		if (hash != NULL)
			*hash = '\0';
		out = spider_rewrite(r->sp, (char *)abs);
	}
	xmlFree(abs);
	return (out);
}

/* Evaluates a selector into normalised values (at most MAX_VALUES). */
static void
select_values(struct run *r, const cJSON *sel, const struct ectx *c,
              struct values *vs)
{
	const cJSON *v, *e;
	struct values raw = {NULL, 0, 0};
	size_t i;

	(void)r;
	if ((v = cJSON_GetObjectItemCaseSensitive(sel, "xpath")) != NULL)
		xpath_values(c, v->valuestring, &raw);
	else if ((v = cJSON_GetObjectItemCaseSensitive(sel, "json")) != NULL) {
		const cJSON *j = json_lookup(c, v->valuestring);

		if (cJSON_IsArray(j)) {
			cJSON_ArrayForEach(e, j)
			{
				values_add(&raw, json_text(e));
			}
		} else
			values_add(&raw, json_text(j));
	} else if ((v = cJSON_GetObjectItemCaseSensitive(sel, "const")) !=
	           NULL) {
		if (cJSON_IsString(v))
			values_add(&raw, strdup(v->valuestring));
	} else if (cJSON_HasObjectItem(sel, "page_url"))
		values_add(&raw, strdup(c->page_url));
	else if ((v = cJSON_GetObjectItemCaseSensitive(sel, "template")) !=
	         NULL)
		values_add(&raw, expand(c, v->valuestring, NULL, -1));

	for (i = 0; i < raw.n; i++) {
		char *s = scrape_fold(raw.v[i]), *n;
		const char *after = jstr(sel, "after");

		if (s != NULL && (v = cJSON_GetObjectItemCaseSensitive(
		                      sel, "strip_prefix")) != NULL) {
			cJSON_ArrayForEach(e, v)
			{
				scrape_strip_prefix(s, e->valuestring);
			}
		}
		if (s != NULL && after != NULL) {
			char *at = strcasestr(s, after);

			n = at != NULL ? scrape_fold(at + strlen(after)) : NULL;
			free(s);
			s = n;
		}
		if (s != NULL &&
		    (v = cJSON_GetObjectItemCaseSensitive(sel, "map")) !=
		        NULL &&
		    (e = cJSON_GetObjectItemCaseSensitive(v, s)) != NULL) {
			free(s);
			s = cJSON_IsString(e) ? strdup(e->valuestring) : NULL;
		}
		if (s != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		                     sel, "number"))) {
			n = scrape_number(s);
			free(s);
			s = n;
		}
		if (s != NULL && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
		                     sel, "title_case")))
			scrape_title_case(s);
		if (cJSON_IsTrue(
		        cJSON_GetObjectItemCaseSensitive(sel, "level")))
			scrape_level(&s);
		if (s != NULL && s[0] == '\0') {
			free(s);
			s = NULL;
		}
		values_add(vs, s);
	}
	values_free(&raw);
}

/* The first value of the field's selector, or NULL. */
static char *
field(struct run *r, const cJSON *fields, const char *name,
      const struct ectx *c)
{
	const cJSON *sel = cJSON_GetObjectItemCaseSensitive(fields, name);
	struct values vs = {NULL, 0, 0};
	char *out;

	if (sel == NULL)
		return (NULL);
	select_values(r, sel, c, &vs);
	if (vs.n == 0)
		return (NULL);
	out = vs.v[0];
	vs.v[0] = NULL;
	values_free(&vs);
	return (out);
}

static void
formats(const cJSON *a, const char **out, size_t *n)
{
	const cJSON *e;

	*n = 0;
	cJSON_ArrayForEach(e, a)
	{
		if (*n < 16)
			out[(*n)++] = e->valuestring;
	}
}

#define MAX_RANGES 32

/* Fills ranges from the item's dates rule.  Returns 0, or -1 with the
 * text that did not parse in bad. */
static int
dates(struct run *r, const cJSON *d, const struct ectx *c, char (*st)[32],
      char (*en)[32], size_t *n, char *bad, size_t badlen)
{
	const char *fm[16], *efm[16];
	struct values starts = {NULL, 0, 0}, ends = {NULL, 0, 0},
	              durs = {NULL, 0, 0};
	const char *tz = r->sp->time_zone;
	size_t nf, nef, i;
	const cJSON *v;
	int rc = -1;

	*n = 0;
	formats(cJSON_GetObjectItemCaseSensitive(d, "formats"), fm, &nf);
	if ((v = cJSON_GetObjectItemCaseSensitive(d, "range")) != NULL) {
		formats(cJSON_GetObjectItemCaseSensitive(d, "end_formats"), efm,
		        &nef);
		select_values(r, v, c, &starts);
		for (i = 0; i < starts.n && *n < MAX_RANGES; i++) {
			if (scrape_range_parse(
			        starts.v[i], jstr(d, "separator"), fm, nf, efm,
			        nef, tz, st[*n], en[*n], 32) == -1) {
				snprintf(bad, badlen, "%s", starts.v[i]);
				goto done;
			}
			(*n)++;
		}
		rc = 0;
		goto done;
	}
	select_values(r, cJSON_GetObjectItemCaseSensitive(d, "start"), c,
	              &starts);
	if ((v = cJSON_GetObjectItemCaseSensitive(d, "end")) != NULL)
		select_values(r, v, c, &ends);
	if ((v = cJSON_GetObjectItemCaseSensitive(d, "duration_days")) != NULL)
		select_values(r, v, c, &durs);
	for (i = 0; i < starts.n && *n < MAX_RANGES; i++) {
		struct tm a, b;
		const char *et =
		    i < ends.n ? ends.v[i] : (ends.n > 0 ? ends.v[0] : NULL);

		if (scrape_date_parse(starts.v[i], fm, nf, &a) == -1 ||
		    scrape_iso(&a, tz, st[*n], 32) == -1) {
			snprintf(bad, badlen, "%s", starts.v[i]);
			goto done;
		}
		en[*n][0] = '\0';
		if (et != NULL) {
			if (scrape_date_parse(et, fm, nf, &b) == -1 ||
			    scrape_iso(&b, tz, en[*n], 32) == -1) {
				snprintf(bad, badlen, "%s", et);
				goto done;
			}
		} else if (durs.n > 0) {
			long dd = strtol(durs.v[i < durs.n ? i : 0], NULL, 10);

			if (dd > 1 && dd < 3660) {
				b = a;
				scrape_add_days(&b, (int)dd - 1);
				if (scrape_iso(&b, tz, en[*n], 32) == -1)
					goto done;
			}
		}
		if (strcmp(st[*n], en[*n]) == 0)
			en[*n][0] = '\0';
		(*n)++;
	}
	rc = 0;
done:
	values_free(&starts);
	values_free(&ends);
	values_free(&durs);
	return (rc);
}

static int
seen_key(struct run *r, const char *key)
{
	char **n;

	for (size_t i = 0; i < r->nseen; i++)
		if (strcmp(r->seen[i], key) == 0)
			return (1);
	if ((n = realloc(r->seen, (r->nseen + 1) * sizeof(*n))) == NULL)
		return (0);
	r->seen = n;
	if ((r->seen[r->nseen] = strdup(key)) != NULL)
		r->nseen++;
	return (0);
}

/* Builds one item; returns -1 only when the caller's on_item asks to
 * stop. */
static int
item(struct run *r, const cJSON *it, const struct ectx *c)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(it, "fields");
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(it, "dates");
	char st[MAX_RANGES][32], en[MAX_RANGES][32], bad[128];
	struct scrape_range ranges[MAX_RANGES];
	struct scrape_item x;
	char *name, *url = NULL, *raw_url, *key;
	size_t n = 0;
	int rc = 0;

	memset(&x, 0, sizeof(x));
	name = field(r, fields, "name", c);
	raw_url = field(r, fields, "url", c);
	if (raw_url != NULL)
		url = resolve(r, raw_url, c->page_url);
	free(raw_url);
	if (name == NULL || url == NULL) {
		r->skipped++;
		logf_(r, SCRAPE_LOG_WARN, "skipped an entry on %s: no %s",
		      c->page_url, name == NULL ? "name" : "link");
		free(name);
		free(url);
		progress(r);
		return (0);
	}
	if ((key = field(r, fields, "key", c)) == NULL)
		key = strdup(url);
	if (key == NULL || seen_key(r, key)) {
		logf_(r, SCRAPE_LOG_DEBUG, "already seen: %s", url);
		goto done;
	}
	if (d != NULL && dates(r, d, c, st, en, &n, bad, sizeof(bad)) == -1) {
		r->skipped++;
		logf_(r, SCRAPE_LOG_WARN,
		      "skipped \"%s\" (%s): date \"%s\" "
		      "does not parse",
		      name, url, bad);
		progress(r);
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		ranges[i].start = st[i];
		ranges[i].end = en[i][0] != '\0' ? en[i] : NULL;
	}
	x.name = name;
	x.url = url;
	x.key = key;
	x.provider = field(r, fields, "provider", c);
	x.cost = field(r, fields, "cost", c);
	x.public_cpd = field(r, fields, "public_cpd", c);
	x.level = field(r, fields, "level", c);
	x.date_ranges = ranges;
	x.ndate_ranges = n;
	x.ongoing = n == 0;
	r->found++;
	if (r->h != NULL && r->h->on_item != NULL &&
	    r->h->on_item(&x, r->h->arg) != 0)
		rc = -1;
	progress(r);
	free((char *)x.provider);
	free((char *)x.cost);
	free((char *)x.public_cpd);
	free((char *)x.level);
done:
	free(name);
	free(url);
	free(key);
	return (rc);
}

static void
req_free(void *p)
{
	struct req *q = p;

	if (q == NULL)
		return;
	free(q->tmpl);
	cJSON_Delete(q->carry);
	free(q);
}

/* Queues url (+post) for page unless it was requested before.  Takes
 * carry and tmpl. */
static void
enqueue(struct run *r, const cJSON *page, const char *url, const char *post,
        cJSON *carry, char *tmpl, long start, int is_start)
{
	struct req *q;
	char *k, **nv;

	if (asprintf(&k, "%s\n%s", url, post != NULL ? post : "") == -1)
		goto drop;
	for (size_t i = 0; i < r->nvisited; i++)
		if (strcmp(r->visited[i], k) == 0) {
			free(k);
			goto drop;
		}
	if (r->requests >= MAX_REQUESTS) {
		logf_(r, SCRAPE_LOG_WARN,
		      "request limit (%d) reached; not "
		      "fetching %s",
		      MAX_REQUESTS, url);
		free(k);
		goto drop;
	}
	if ((nv = realloc(r->visited, (r->nvisited + 1) * sizeof(*nv))) ==
	    NULL) {
		free(k);
		goto drop;
	}
	r->visited = nv;
	r->visited[r->nvisited++] = k;
	if ((q = calloc(1, sizeof(*q))) == NULL)
		goto drop;
	q->page = page;
	q->carry = carry;
	q->tmpl = tmpl;
	q->start = start;
	q->is_start = is_start;
	if (fetch_add(r->f, url, post, q) == -1) {
		free(q);
		goto drop;
	}
	r->requests++;
	logf_(r, SCRAPE_LOG_DEBUG, "queued %s%s", url, post ? " (POST)" : "");
	return;
drop:
	cJSON_Delete(carry);
	free(tmpl);
}

static const cJSON *
page_def(struct run *r, const char *name)
{
	return (cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(r->sp->def, "pages"), name));
}

static char *
form_body(struct run *r, const cJSON *form, const struct ectx *c)
{
	const cJSON *e;
	char *out = NULL, val[128], expr[512];
	size_t len = 0;
	int first = 1;

	if (append(&out, &len, "", 0) == -1)
		return (NULL);
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(form, "hidden"))
	{
		xmlChar *s;
		xmlXPathContextPtr xc;
		xmlXPathObjectPtr o;

		if (strchr(e->valuestring, '\'') != NULL)
			continue;
		snprintf(expr, sizeof(expr),
		         "string((//input[@name='%s'])[1]"
		         "/@value)",
		         e->valuestring);
		if ((xc = xmlXPathNewContext(c->doc)) == NULL)
			goto fail;
		o = xmlXPathEvalExpression((const xmlChar *)expr, xc);
		s = o != NULL ? xmlXPathCastToString(o) : NULL;
		if (o != NULL)
			xmlXPathFreeObject(o);
		xmlXPathFreeContext(xc);
		if ((!first && append(&out, &len, "&", 0) == -1) ||
		    append(&out, &len, e->valuestring, 1) == -1 ||
		    append(&out, &len, "=", 0) == -1 ||
		    append(&out, &len, s != NULL ? (char *)s : "", 1) == -1) {
			xmlFree(s);
			goto fail;
		}
		xmlFree(s);
		first = 0;
	}
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(form, "fields"))
	{
		const char *v = e->valuestring;

		if (cJSON_IsObject(e)) {
			if (scrape_date_value(
			        jstr(e, "date"), jstr(e, "format"),
			        r->opt->time_zone != NULL ? r->opt->time_zone
			                                  : r->sp->time_zone,
			        time(NULL), val, sizeof(val)) == -1)
				goto fail;
			v = val;
		}
		if ((!first && append(&out, &len, "&", 0) == -1) ||
		    append(&out, &len, e->string, 1) == -1 ||
		    append(&out, &len, "=", 0) == -1 ||
		    append(&out, &len, v, 1) == -1)
			goto fail;
		first = 0;
	}
	return (out);
fail:
	free(out);
	return (NULL);
}

static void
follow(struct run *r, const cJSON *fl, const struct ectx *c)
{
	const cJSON *page = page_def(r, jstr(fl, "page")), *v, *e;
	const cJSON *lim = cJSON_GetObjectItemCaseSensitive(fl, "limit");
	size_t limit = lim != NULL ? (size_t)lim->valuedouble : (size_t)-1;

	if ((v = cJSON_GetObjectItemCaseSensitive(fl, "xpath")) != NULL) {
		struct values vs = {NULL, 0, 0};

		xpath_values(c, v->valuestring, &vs);
		for (size_t i = 0; i < vs.n && i < limit; i++) {
			char *u = resolve(r, vs.v[i], c->page_url);

			if (u != NULL)
				enqueue(r, page, u, NULL, NULL, NULL, -1, 0);
			free(u);
		}
		values_free(&vs);
	} else if ((v = cJSON_GetObjectItemCaseSensitive(fl, "form")) != NULL) {
		const char *fu = jstr(v, "url");
		char *u = fu != NULL ? spider_rewrite(r->sp, fu)
		                     : strdup(c->page_url);
		char *body = form_body(r, v, c);

		if (u != NULL && body != NULL)
			enqueue(r, page, u, body, NULL, NULL, -1, 0);
		else
			logf_(r, SCRAPE_LOG_ERROR,
			      "could not build the form "
			      "on %s",
			      c->page_url);
		free(u);
		free(body);
	} else {
		const char *each = jstr(fl, "each"), *carry = jstr(fl, "carry");
		const cJSON *list =
		    each != NULL ? json_path(c->json, each) : c->json;
		size_t i = 0;

		if (list == NULL)
			return;
		for (e = cJSON_IsArray(list) ? list->child : list;
		     e != NULL && i < limit;
		     e = cJSON_IsArray(list) ? e->next : NULL, i++) {
			struct ectx ec = {NULL, NULL, e, c->carry, c->page_url};
			char *t = expand(&ec, jstr(fl, "url"), NULL, -1), *u;
			const cJSON *cv =
			    carry != NULL ? json_path(e, carry) : e;

			if (t == NULL) {
				r->skipped++;
				logf_(r, SCRAPE_LOG_WARN,
				      "skipped an entry on "
				      "%s: no value for its detail URL",
				      c->page_url);
				continue;
			}
			u = spider_rewrite(r->sp, t);
			free(t);
			if (u != NULL)
				enqueue(r, page, u, NULL,
				        cv != NULL ? cJSON_Duplicate(cv, 1)
				                   : NULL,
				        NULL, -1, 0);
			free(u);
		}
	}
}

static int
items(struct run *r, const cJSON *it, const struct ectx *c)
{
	const char *each = jstr(it, "each");

	if (c->doc != NULL) {
		xmlXPathContextPtr xc = xmlXPathNewContext(c->doc);
		xmlXPathObjectPtr o = NULL;
		int rc = 0;

		if (xc == NULL)
			return (0);
		o = xmlXPathEvalExpression((const xmlChar *)each, xc);
		for (int i = 0; o != NULL && o->type == XPATH_NODESET &&
		                o->nodesetval != NULL &&
		                i < o->nodesetval->nodeNr && rc == 0;
		     i++) {
			struct ectx ec = *c;

			ec.node = o->nodesetval->nodeTab[i];
			rc = item(r, it, &ec);
		}
		if (o != NULL)
			xmlXPathFreeObject(o);
		xmlXPathFreeContext(xc);
		return (rc);
	} else {
		const cJSON *list = each[0] != '\0' ? json_path(c->json, each)
		                                    : c->json,
		            *e;

		if (list == NULL)
			return (0);
		for (e = cJSON_IsArray(list) ? list->child : list; e != NULL;
		     e = cJSON_IsArray(list) ? e->next : NULL) {
			struct ectx ec = *c;

			ec.json = e;
			if (item(r, it, &ec) == -1)
				return (-1);
		}
	}
	return (0);
}

/* Reads one answer.  Returns 0, or -1 (fatal, err set). */
static int
handle(struct run *r, struct fetch_result *res)
{
	struct req *q = res->udata;
	const char *type = jstr(q->page, "type");
	const cJSON *v, *e;
	struct ectx c = {NULL, NULL, NULL, q->carry, res->final_url};
	cJSON *json = NULL;
	int rc = 0;

	if (!res->ok) {
		if (q->is_start) {
			snprintf(r->err, r->errlen, "%s: %s", res->url,
			         res->error);
			return (-1);
		}
		r->errors++;
		logf_(r, SCRAPE_LOG_WARN, "%s: %s", res->url, res->error);
		progress(r);
		return (0);
	}
	logf_(r, SCRAPE_LOG_INFO, "fetched %s (%zu bytes)", res->final_url,
	      res->len);
	if (strcmp(type, "json") == 0) {
		if ((json = cJSON_ParseWithLength(res->body, res->len)) ==
		    NULL) {
			if (q->is_start) {
				snprintf(r->err, r->errlen, "%s: not JSON",
				         res->url);
				return (-1);
			}
			r->errors++;
			logf_(r, SCRAPE_LOG_WARN, "%s: not JSON", res->url);
			progress(r);
			return (0);
		}
		c.json = json;
	} else {
		int len = res->len > 0x7fffffff ? 0x7fffffff : (int)res->len;

		if (strcmp(type, "html") == 0)
			c.doc = htmlReadMemory(
			    res->body, len, res->final_url, NULL,
			    HTML_PARSE_RECOVER | HTML_PARSE_NOERROR |
			        HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
		else
			c.doc = xmlReadMemory(
			    res->body, len, res->final_url, NULL,
			    XML_PARSE_RECOVER | XML_PARSE_NOERROR |
			        XML_PARSE_NOWARNING | XML_PARSE_NONET);
		if (c.doc == NULL || xmlDocGetRootElement(c.doc) == NULL) {
			if (c.doc != NULL)
				xmlFreeDoc(c.doc);
			if (q->is_start) {
				snprintf(
				    r->err, r->errlen, "%s: not %s", res->url,
				    strcmp(type, "html") == 0 ? "HTML" : "XML");
				return (-1);
			}
			r->errors++;
			logf_(r, SCRAPE_LOG_WARN, "%s: not %s", res->url, type);
			progress(r);
			return (0);
		}
	}
	cJSON_ArrayForEach(e,
	                   cJSON_GetObjectItemCaseSensitive(q->page, "follow"))
	{
		follow(r, e, &c);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(q->page, "paging")) != NULL &&
	    q->tmpl != NULL) {
		const cJSON *tot = json_path(json, jstr(v, "total"));
		long rows = (long)cJSON_GetObjectItemCaseSensitive(v, "rows")
		                ->valuedouble;
		long next = q->start + rows;

		if (cJSON_IsNumber(tot) && next < tot->valuedouble &&
		    next < 100000) {
			char *t = expand(NULL, q->tmpl, jstr(v, "param"), next);
			char *u = t != NULL ? spider_rewrite(r->sp, t) : NULL;

			if (u != NULL)
				enqueue(r, q->page, u, NULL, NULL,
				        strdup(q->tmpl), next, 0);
			free(t);
			free(u);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(q->page, "items")) != NULL &&
	    items(r, v, &c) == -1) {
		snprintf(r->err, r->errlen, "stopped by the caller");
		rc = -1;
	}
	if (c.doc != NULL)
		xmlFreeDoc(c.doc);
	cJSON_Delete(json);
	return (rc);
}

static int
stop_cb(void *arg)
{
	const struct scrape_hooks *h = arg;

	return (h != NULL && h->should_stop != NULL && h->should_stop(h->arg));
}

int
scrape_run(const struct spider *sp, const struct scrape_options *opt,
           const struct scrape_hooks *h, char *err, size_t errlen)
{
	struct fetch_options fo = {opt->timeout_s, opt->delay_ms, opt->retries,
	                           1, 0};
	struct run r;
	struct fetch_result *res;
	const cJSON *e;
	int rc = -1, w;

	memset(&r, 0, sizeof(r));
	r.sp = sp;
	r.opt = opt;
	r.h = h;
	r.err = err;
	r.errlen = errlen;
	err[0] = '\0';
	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, quiet_structured);
	if ((r.f = fetch_new(&fo)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	cJSON_ArrayForEach(e,
	                   cJSON_GetObjectItemCaseSensitive(sp->def, "start"))
	{
		const cJSON *page = page_def(&r, jstr(e, "page"));
		const cJSON *pg =
		    cJSON_GetObjectItemCaseSensitive(page, "paging");
		const char *param = pg != NULL ? jstr(pg, "param") : NULL;
		char *t = expand(NULL, jstr(e, "url"), param, 0);
		char *u = t != NULL ? spider_rewrite(sp, t) : NULL;

		if (u == NULL) {
			snprintf(err, errlen,
			         "%s: start URL \"%s\" has an "
			         "unknown {name}",
			         sp->file, jstr(e, "url"));
			free(t);
			goto done;
		}
		enqueue(&r, page, u, NULL, NULL,
		        param != NULL ? strdup(jstr(e, "url")) : NULL, 0, 1);
		free(t);
		free(u);
	}
	while ((w = fetch_wait(r.f, &res, stop_cb, (void *)h)) == 1) {
		int hr = handle(&r, res);

		req_free(res->udata);
		fetch_result_free(res);
		if (hr == -1)
			goto done;
	}
	if (w == -1) {
		snprintf(err, errlen, "cancelled");
		goto done;
	}
	logf_(&r, SCRAPE_LOG_INFO, "%ld found, %ld skipped, %ld errors",
	      r.found, r.skipped, r.errors);
	if (r.found == 0) {
		snprintf(err, errlen, "no items found");
		goto done;
	}
	rc = 0;
done:
	fetch_free(r.f, req_free);
	for (size_t i = 0; i < r.nseen; i++)
		free(r.seen[i]);
	free(r.seen);
	for (size_t i = 0; i < r.nvisited; i++)
		free(r.visited[i]);
	free(r.visited);
	return (rc);
}
