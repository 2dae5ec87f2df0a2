/*
 * Loading and checking spider definitions.  The engine trusts what passes
 * here (it never meets a missing field or a bad XPath), so every rule the
 * engine relies on is checked once, with the file and the field named.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xpath.h>
#include <libxml/xmlerror.h>

#include "spider.h"

#define SPIDER_FILE_MAX (1024 * 1024)

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	const cJSON *pages;
};

static int
fail(struct ctx *c, const char *field, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(c->err, c->errlen, "%s: %s: %s", c->file, field, msg);
	return (-1);
}

static void
quiet(void *ctx, const char *msg, ...)
{
	(void)ctx;
	(void)msg;
}

static int
check_keys(struct ctx *c, const cJSON *o, const char *field,
           const char *const *allowed)
{
	const cJSON *k;

	cJSON_ArrayForEach(k, o)
	{
		size_t i;

		for (i = 0; allowed[i] != NULL; i++)
			if (strcmp(allowed[i], k->string) == 0)
				break;
		if (allowed[i] == NULL)
			return (
			    fail(c, field, "unknown key \"%s\"", k->string));
	}
	return (0);
}

static int
check_string(struct ctx *c, const cJSON *o, const char *key, const char *field,
             int required)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);

	if (v == NULL)
		return (required ? fail(c, field, "\"%s\" is required", key)
		                 : 0);
	if (!cJSON_IsString(v) || v->valuestring[0] == '\0')
		return (
		    fail(c, field, "\"%s\" must be a non-empty string", key));
	return (0);
}

static int
check_xpath(struct ctx *c, const char *expr, const char *field)
{
	xmlXPathCompExprPtr comp;

	xmlSetGenericErrorFunc(NULL, quiet);
	xmlSetStructuredErrorFunc(NULL, NULL);
	if ((comp = xmlXPathCompile((const xmlChar *)expr)) == NULL)
		return (fail(c, field, "invalid XPath \"%.80s\"", expr));
	xmlXPathFreeCompExpr(comp);
	return (0);
}

static int
check_strings(struct ctx *c, const cJSON *a, const char *field, int nonempty)
{
	const cJSON *e;

	if (!cJSON_IsArray(a) || (nonempty && cJSON_GetArraySize(a) == 0))
		return (fail(c, field, "must be a%s array of strings",
		             nonempty ? " non-empty" : "n"));
	cJSON_ArrayForEach(e, a)
	{
		if (!cJSON_IsString(e))
			return (fail(c, field, "must hold only strings"));
	}
	return (0);
}

static int
check_template(struct ctx *c, const char *t, const char *field)
{
	const char *p = t;

	while ((p = strchr(p, '{')) != NULL) {
		const char *q = strchr(p, '}');

		if (q == NULL || q == p + 1)
			return (fail(c, field, "unbalanced { } in template"));
		p = q + 1;
	}
	return (0);
}

static int
check_selector(struct ctx *c, const cJSON *s, const char *type,
               const char *field)
{
	static const char *const keys[] = {
	    "xpath",      "json",         "const", "page_url",
	    "template",   "strip_prefix", "after", "number",
	    "title_case", "level",        "map",   NULL};
	const cJSON *v;
	int sources = 0;

	if (!cJSON_IsObject(s))
		return (fail(c, field, "must be an object"));
	if (check_keys(c, s, field, keys) == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "xpath")) != NULL) {
		sources++;
		if (strcmp(type, "json") == 0)
			return (fail(c, field, "xpath on a json page"));
		if (check_string(c, s, "xpath", field, 1) == -1 ||
		    check_xpath(c, v->valuestring, field) == -1)
			return (-1);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "json")) != NULL) {
		sources++;
		if (strcmp(type, "json") != 0)
			return (fail(c, field, "json path on a %s page", type));
		if (!cJSON_IsString(v))
			return (fail(c, field, "\"json\" must be a string"));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "const")) != NULL) {
		sources++;
		if (!cJSON_IsString(v) && !cJSON_IsNull(v))
			return (fail(c, field,
			             "\"const\" must be a string or null"));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "page_url")) != NULL) {
		sources++;
		if (!cJSON_IsTrue(v))
			return (fail(c, field, "\"page_url\" must be true"));
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "template")) != NULL) {
		sources++;
		if (check_string(c, s, "template", field, 1) == -1 ||
		    check_template(c, v->valuestring, field) == -1)
			return (-1);
	}
	if (sources != 1)
		return (fail(c, field,
		             "needs exactly one of xpath, json, "
		             "const, page_url, template"));
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "strip_prefix")) != NULL &&
	    check_strings(c, v, field, 1) == -1)
		return (-1);
	if (check_string(c, s, "after", field, 0) == -1)
		return (-1);
	for (const char *const *b =
	         (const char *const[]){"number", "title_case", "level", NULL};
	     *b != NULL; b++)
		if ((v = cJSON_GetObjectItemCaseSensitive(s, *b)) != NULL &&
		    !cJSON_IsBool(v))
			return (
			    fail(c, field, "\"%s\" must be true or false", *b));
	if ((v = cJSON_GetObjectItemCaseSensitive(s, "map")) != NULL) {
		const cJSON *e;

		if (!cJSON_IsObject(v))
			return (fail(c, field, "\"map\" must be an object"));
		cJSON_ArrayForEach(e, v)
		{
			if (!cJSON_IsString(e) && !cJSON_IsNull(e))
				return (fail(c, field,
				             "\"map\" values must be "
				             "strings or null"));
		}
	}
	return (0);
}

static int
check_dates(struct ctx *c, const cJSON *d, const char *type)
{
	static const char *const keys[] = {
	    "start",         "end",     "range",       "separator",
	    "duration_days", "formats", "end_formats", NULL};
	const cJSON *v;
	int has_start, has_range;

	if (!cJSON_IsObject(d))
		return (fail(c, "items.dates", "must be an object"));
	if (check_keys(c, d, "items.dates", keys) == -1 ||
	    check_strings(c, cJSON_GetObjectItemCaseSensitive(d, "formats"),
	                  "items.dates.formats", 1) == -1)
		return (-1);
	has_start = cJSON_HasObjectItem(d, "start");
	has_range = cJSON_HasObjectItem(d, "range");
	if (has_start == has_range)
		return (fail(c, "items.dates", "needs either start or range"));
	if (has_range) {
		if (check_selector(c,
		                   cJSON_GetObjectItemCaseSensitive(d, "range"),
		                   type, "items.dates.range") == -1 ||
		    check_string(c, d, "separator", "items.dates", 1) == -1 ||
		    check_strings(
		        c, cJSON_GetObjectItemCaseSensitive(d, "end_formats"),
		        "items.dates.end_formats", 1) == -1)
			return (-1);
		if (cJSON_HasObjectItem(d, "end") ||
		    cJSON_HasObjectItem(d, "duration_days"))
			return (fail(c, "items.dates",
			             "range excludes end and duration_days"));
		return (0);
	}
	if (check_selector(c, cJSON_GetObjectItemCaseSensitive(d, "start"),
	                   type, "items.dates.start") == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(d, "end")) != NULL &&
	    check_selector(c, v, type, "items.dates.end") == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(d, "duration_days")) !=
	        NULL &&
	    check_selector(c, v, type, "items.dates.duration_days") == -1)
		return (-1);
	if (cJSON_HasObjectItem(d, "end") &&
	    cJSON_HasObjectItem(d, "duration_days"))
		return (fail(c, "items.dates", "end excludes duration_days"));
	return (0);
}

static int
check_form(struct ctx *c, const cJSON *f, const char *field)
{
	static const char *const keys[] = {"url", "hidden", "fields", NULL};
	const cJSON *v, *e;

	if (!cJSON_IsObject(f) || check_keys(c, f, field, keys) == -1)
		return (fail(c, field,
		             "must be an object (url, hidden, "
		             "fields)"));
	if (check_string(c, f, "url", field, 0) == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(f, "hidden")) != NULL &&
	    check_strings(c, v, field, 0) == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(f, "fields")) == NULL)
		return (0);
	if (!cJSON_IsObject(v))
		return (fail(c, field, "\"fields\" must be an object"));
	cJSON_ArrayForEach(e, v)
	{
		if (cJSON_IsString(e))
			continue;
		if (!cJSON_IsObject(e) ||
		    !cJSON_IsString(
		        cJSON_GetObjectItemCaseSensitive(e, "date")) ||
		    !cJSON_IsString(
		        cJSON_GetObjectItemCaseSensitive(e, "format")))
			return (fail(c, field,
			             "field \"%s\" must be a string "
			             "or {\"date\", \"format\"}",
			             e->string));
		{
			const char *n =
			    cJSON_GetObjectItemCaseSensitive(e, "date")
			        ->valuestring;

			if (strcmp(n, "today") != 0 &&
			    strcmp(n, "end_of_next_year") != 0)
				return (fail(c, field,
				             "field \"%s\": date must "
				             "be today or end_of_next_year",
				             e->string));
		}
	}
	return (0);
}

static int
check_page_ref(struct ctx *c, const cJSON *o, const char *field)
{
	const cJSON *p = cJSON_GetObjectItemCaseSensitive(o, "page");

	if (!cJSON_IsString(p))
		return (fail(c, field, "\"page\" is required"));
	if (!cJSON_HasObjectItem(c->pages, p->valuestring))
		return (
		    fail(c, field, "no page \"%s\" in pages", p->valuestring));
	return (0);
}

static int
check_follow(struct ctx *c, const cJSON *f, const char *type, const char *field)
{
	static const char *const keys[] = {"page", "xpath", "form",  "each",
	                                   "url",  "carry", "limit", NULL};
	const cJSON *v;
	int kinds = 0;

	if (!cJSON_IsObject(f))
		return (fail(c, field, "must be an object"));
	if (check_keys(c, f, field, keys) == -1 ||
	    check_page_ref(c, f, field) == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(f, "xpath")) != NULL) {
		kinds++;
		if (strcmp(type, "json") == 0)
			return (fail(c, field, "xpath on a json page"));
		if (check_string(c, f, "xpath", field, 1) == -1 ||
		    check_xpath(c, v->valuestring, field) == -1)
			return (-1);
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(f, "form")) != NULL) {
		kinds++;
		if (strcmp(type, "html") != 0)
			return (fail(c, field, "a form needs an html page"));
		if (check_form(c, v, field) == -1)
			return (-1);
	}
	if (cJSON_HasObjectItem(f, "url")) {
		kinds++;
		if (strcmp(type, "json") != 0)
			return (fail(c, field,
			             "url templates need a json "
			             "page"));
		if (check_string(c, f, "url", field, 1) == -1 ||
		    check_template(
		        c,
		        cJSON_GetObjectItemCaseSensitive(f, "url")->valuestring,
		        field) == -1 ||
		    check_string(c, f, "each", field, 0) == -1 ||
		    check_string(c, f, "carry", field, 0) == -1)
			return (-1);
	} else if (cJSON_HasObjectItem(f, "each") ||
	           cJSON_HasObjectItem(f, "carry"))
		return (fail(c, field, "each and carry go with url"));
	if (kinds != 1)
		return (fail(c, field,
		             "needs exactly one of xpath, form, "
		             "url"));
	if ((v = cJSON_GetObjectItemCaseSensitive(f, "limit")) != NULL &&
	    (!cJSON_IsNumber(v) || v->valuedouble < 1 ||
	     v->valuedouble > 100000))
		return (fail(c, field, "\"limit\" must be a positive number"));
	return (0);
}

static int
check_items(struct ctx *c, const cJSON *it, const char *type)
{
	static const char *const keys[] = {"each", "fields", "dates", NULL};
	static const char *const fkeys[] = {"name", "url",        "provider",
	                                    "cost", "public_cpd", "level",
	                                    "key",  NULL};
	const cJSON *fields, *f;
	char field[96];

	if (!cJSON_IsObject(it))
		return (fail(c, "items", "must be an object"));
	if (check_keys(c, it, "items", keys) == -1 ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "each")))
		return (fail(c, "items", "\"each\" (a string) is required"));
	if (strcmp(type, "json") != 0 &&
	    check_xpath(
	        c, cJSON_GetObjectItemCaseSensitive(it, "each")->valuestring,
	        "items.each") == -1)
		return (-1);
	fields = cJSON_GetObjectItemCaseSensitive(it, "fields");
	if (!cJSON_IsObject(fields))
		return (fail(c, "items.fields", "must be an object"));
	if (check_keys(c, fields, "items.fields", fkeys) == -1)
		return (-1);
	if (!cJSON_HasObjectItem(fields, "name") ||
	    !cJSON_HasObjectItem(fields, "url"))
		return (fail(c, "items.fields", "name and url are required"));
	cJSON_ArrayForEach(f, fields)
	{
		snprintf(field, sizeof(field), "items.fields.%s", f->string);
		if (check_selector(c, f, type, field) == -1)
			return (-1);
	}
	if ((f = cJSON_GetObjectItemCaseSensitive(it, "dates")) != NULL &&
	    check_dates(c, f, type) == -1)
		return (-1);
	return (0);
}

static int
check_page(struct ctx *c, const cJSON *p)
{
	static const char *const keys[] = {"type", "follow", "items", "paging",
	                                   NULL};
	char field[160];
	const cJSON *v, *e;
	const char *type;
	int i = 0;

	snprintf(field, sizeof(field), "pages.%s", p->string);
	if (!cJSON_IsObject(p))
		return (fail(c, field, "must be an object"));
	if (check_keys(c, p, field, keys) == -1)
		return (-1);
	v = cJSON_GetObjectItemCaseSensitive(p, "type");
	if (!cJSON_IsString(v) || (strcmp(v->valuestring, "html") != 0 &&
	                           strcmp(v->valuestring, "xml") != 0 &&
	                           strcmp(v->valuestring, "json") != 0))
		return (fail(c, field, "\"type\" must be html, xml or json"));
	type = v->valuestring;
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "follow")) != NULL) {
		if (!cJSON_IsArray(v))
			return (fail(c, field, "\"follow\" must be an array"));
		cJSON_ArrayForEach(e, v)
		{
			snprintf(field, sizeof(field), "pages.%s.follow[%d]",
			         p->string, i++);
			if (check_follow(c, e, type, field) == -1)
				return (-1);
		}
	}
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "items")) != NULL &&
	    check_items(c, v, type) == -1)
		return (-1);
	if ((v = cJSON_GetObjectItemCaseSensitive(p, "paging")) != NULL) {
		const cJSON *rows = cJSON_GetObjectItemCaseSensitive(v, "rows");

		snprintf(field, sizeof(field), "pages.%s.paging", p->string);
		if (strcmp(type, "json") != 0)
			return (fail(c, field, "paging needs a json page"));
		if (!cJSON_IsObject(v) ||
		    check_string(c, v, "param", field, 1) == -1 ||
		    check_string(c, v, "total", field, 1) == -1)
			return (-1);
		if (!cJSON_IsNumber(rows) || rows->valuedouble < 1 ||
		    rows->valuedouble > 10000)
			return (fail(c, field, "\"rows\" must be 1 to 10000"));
	}
	return (0);
}

static int
check_def(struct ctx *c, const cJSON *d)
{
	static const char *const keys[] = {
	    "name",  "description", "base_url", "time_zone",
	    "start", "pages",       NULL};
	const cJSON *v, *e;
	char field[64];
	int i = 0;

	if (!cJSON_IsObject(d))
		return (fail(c, "(top)", "must be a JSON object"));
	if (check_keys(c, d, "(top)", keys) == -1 ||
	    check_string(c, d, "name", "name", 1) == -1 ||
	    check_string(c, d, "description", "description", 0) == -1 ||
	    check_string(c, d, "base_url", "base_url", 1) == -1 ||
	    check_string(c, d, "time_zone", "time_zone", 0) == -1)
		return (-1);
	for (const char *p =
	         cJSON_GetObjectItemCaseSensitive(d, "name")->valuestring;
	     *p != '\0'; p++)
		if (!islower((unsigned char)*p) &&
		    !isdigit((unsigned char)*p) && *p != '_')
			return (fail(c, "name", "only a-z, 0-9 and _"));
	v = cJSON_GetObjectItemCaseSensitive(d, "base_url");
	if (strncmp(v->valuestring, "http://", 7) != 0 &&
	    strncmp(v->valuestring, "https://", 8) != 0)
		return (fail(c, "base_url", "must be an http(s) URL"));
	c->pages = cJSON_GetObjectItemCaseSensitive(d, "pages");
	if (!cJSON_IsObject(c->pages) || c->pages->child == NULL)
		return (fail(c, "pages", "must be a non-empty object"));
	v = cJSON_GetObjectItemCaseSensitive(d, "start");
	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return (fail(c, "start", "must be a non-empty array"));
	cJSON_ArrayForEach(e, v)
	{
		snprintf(field, sizeof(field), "start[%d]", i++);
		if (!cJSON_IsObject(e) || check_page_ref(c, e, field) == -1 ||
		    check_string(c, e, "url", field, 1) == -1)
			return (c->err[0]
			            ? -1
			            : fail(c, field, "must be an object"));
		if (check_template(
		        c,
		        cJSON_GetObjectItemCaseSensitive(e, "url")->valuestring,
		        field) == -1)
			return (-1);
	}
	cJSON_ArrayForEach(e, c->pages)
	{
		if (check_page(c, e) == -1)
			return (-1);
	}
	return (0);
}

struct spider *
spider_parse(const char *buf, size_t len, const char *file, char *err,
             size_t errlen)
{
	struct ctx c = {file, err, errlen, NULL};
	struct spider *sp = NULL;
	const cJSON *v;
	cJSON *d;

	err[0] = '\0';
	if ((d = cJSON_ParseWithLength(buf, len)) == NULL) {
		fail(&c, "(top)", "not valid JSON");
		return (NULL);
	}
	if (check_def(&c, d) == -1)
		goto fail;
	if ((sp = calloc(1, sizeof(*sp))) == NULL)
		goto fail;
	sp->def = d;
	sp->file = strdup(file);
	sp->name = strdup(cJSON_GetObjectItem(d, "name")->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(d, "description");
	sp->description = strdup(v != NULL ? v->valuestring : "");
	sp->base_url = strdup(cJSON_GetObjectItem(d, "base_url")->valuestring);
	v = cJSON_GetObjectItemCaseSensitive(d, "time_zone");
	sp->time_zone = strdup(v != NULL ? v->valuestring : "Asia/Singapore");
	if (sp->file == NULL || sp->name == NULL || sp->description == NULL ||
	    sp->base_url == NULL || sp->time_zone == NULL) {
		spider_free(sp);
		snprintf(err, errlen, "%s: out of memory", file);
		return (NULL);
	}
	/* A trailing slash on the base URL would double on rewriting. */
	while (strlen(sp->base_url) > 8 &&
	       sp->base_url[strlen(sp->base_url) - 1] == '/')
		sp->base_url[strlen(sp->base_url) - 1] = '\0';
	return (sp);
fail:
	cJSON_Delete(d);
	if (err[0] == '\0')
		snprintf(err, errlen, "%s: out of memory", file);
	return (NULL);
}

struct spider *
spider_load_file(const char *path, char *err, size_t errlen)
{
	struct spider *sp = NULL;
	char *buf;
	size_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return (NULL);
	}
	if ((buf = malloc(SPIDER_FILE_MAX + 1)) == NULL) {
		fclose(f);
		snprintf(err, errlen, "%s: out of memory", path);
		return (NULL);
	}
	n = fread(buf, 1, SPIDER_FILE_MAX + 1, f);
	if (ferror(f) || n > SPIDER_FILE_MAX)
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB",
		         path);
	else
		sp = spider_parse(buf, n, path, err, errlen);
	fclose(f);
	free(buf);
	return (sp);
}

static int
by_name(const void *a, const void *b)
{
	return (strcmp(*(char *const *)a, *(char *const *)b));
}

int
spider_load_dir(struct spider_set *set, const char *dir, char *err,
                size_t errlen)
{
	char **names = NULL, path[4096];
	struct dirent *de;
	size_t n = 0, i;
	int rc = -1;
	DIR *d;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		size_t l = strlen(de->d_name);
		char **nn;

		if (l < 6 || de->d_name[0] == '.' ||
		    strcmp(de->d_name + l - 5, ".json") != 0)
			continue;
		if ((nn = realloc(names, (n + 1) * sizeof(*names))) == NULL)
			goto done;
		names = nn;
		if ((names[n] = strdup(de->d_name)) == NULL)
			goto done;
		n++;
	}
	qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n; i++) {
		struct spider *sp, **nv;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sp = spider_load_file(path, err, errlen)) == NULL)
			goto done;
		if (spider_find(set, sp->name) != NULL) {
			snprintf(err, errlen,
			         "%s: name: spider \"%s\" is "
			         "defined twice",
			         path, sp->name);
			spider_free(sp);
			goto done;
		}
		if ((nv = realloc(set->v, (set->n + 1) * sizeof(*nv))) ==
		    NULL) {
			spider_free(sp);
			goto done;
		}
		set->v = nv;
		set->v[set->n++] = sp;
	}
	rc = 0;
done:
	if (rc == -1 && err[0] == '\0')
		snprintf(err, errlen, "%s: out of memory", dir);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	closedir(d);
	return (rc);
}

const struct spider *
spider_find(const struct spider_set *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->v[i]->name, name) == 0)
			return (set->v[i]);
	return (NULL);
}

void
spider_apply_env(struct spider *sp, char *const *envp)
{
	char want[256];
	size_t wl;

	wl = (size_t)snprintf(want, sizeof(want),
	                      "LIFTED_SPIDER_%s_BASE_URL=", sp->name);
	for (char *p = want; *p != '\0'; p++)
		*p = (char)toupper((unsigned char)*p);
	for (; envp != NULL && *envp != NULL; envp++)
		if (strncmp(*envp, want, wl) == 0 && (*envp)[wl] != '\0') {
			free(sp->override);
			sp->override = strdup(*envp + wl);
			while (sp->override != NULL &&
			       strlen(sp->override) > 8 &&
			       sp->override[strlen(sp->override) - 1] == '/')
				sp->override[strlen(sp->override) - 1] = '\0';
		}
}

char *
spider_rewrite(const struct spider *sp, const char *url)
{
	size_t bl = strlen(sp->base_url);
	char *out;

	if (sp->override == NULL || strncmp(url, sp->base_url, bl) != 0 ||
	    (url[bl] != '\0' && url[bl] != '/' && url[bl] != '?'))
		return (strdup(url));
	if (asprintf(&out, "%s%s", sp->override, url + bl) == -1)
		return (NULL);
	return (out);
}

char *
spider_unrewrite(const struct spider *sp, const char *url)
{
	size_t ol;
	char *out;

	if (sp->override == NULL)
		return (strdup(url));
	ol = strlen(sp->override);
	if (strncmp(url, sp->override, ol) != 0 ||
	    (url[ol] != '\0' && url[ol] != '/' && url[ol] != '?'))
		return (strdup(url));
	if (asprintf(&out, "%s%s", sp->base_url, url + ol) == -1)
		return (NULL);
	return (out);
}

void
spider_free(struct spider *sp)
{
	if (sp == NULL)
		return;
	free(sp->file);
	free(sp->name);
	free(sp->description);
	free(sp->base_url);
	free(sp->override);
	free(sp->time_zone);
	cJSON_Delete(sp->def);
	free(sp);
}

void
spider_set_free(struct spider_set *set)
{
	for (size_t i = 0; i < set->n; i++)
		spider_free(set->v[i]);
	free(set->v);
	set->v = NULL;
	set->n = 0;
}
