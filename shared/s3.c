/*
 * The S3 backend of shared/storage.h: PUT, GET, HEAD + DELETE and
 * ListObjectsV2 over libcurl, signed with Signature Version 4
 * (shared/sigv4.h).
 *
 * Every call makes its own easy handle, so calls from several task-pool
 * threads never share curl state; the struct s3 is read-only after
 * s3_open.  With LIFTED_S3_ENDPOINT (MinIO, s3rver, another provider)
 * requests are path-style, ENDPOINT/BUCKET/KEY; without it they go to
 * AWS virtual-hosted style, https://BUCKET.s3.REGION.amazonaws.com/KEY.
 * Certificates are always verified; redirects are not followed.
 *
 * Bounds: connect and total time-outs plus a minimum transfer speed; GET
 * stops reading past the caller's maximum (and refuses up front when
 * Content-Length says so); error bodies are kept only up to 4 KiB (for
 * S3's <Code>); listing pages are parsed only up to 8 MiB, by libxml2
 * without network access or entity substitution.
 *
 * Nothing here logs, and error messages carry the method, the key, the
 * HTTP status and S3's error code: never the secret key or the
 * Authorization header.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "s3.h"
#include "settings.h"
#include "sigv4.h"

#define S3_CONNECT_TIMEOUT_S 10
#define S3_TIMEOUT_S         300
#define S3_LOW_SPEED_BYTES   1024 /* slower than this ... */
#define S3_LOW_SPEED_S       30   /* ... for this long: give up */
#define S3_ERRBODY_MAX       4096
#define S3_LIST_BODY_MAX     (8 * 1024 * 1024)
#define S3_LIST_PAGES_MAX    100000
#define S3_TOKEN_MAX         1024
#define S3_OBJKEY_MAX        (STORAGE_KEY_MAX + 1 + 100)

struct s3 {
	char *bucket;
	char *prefix; /* "" or "PREFIX" (no trailing '/') */
	char *region;
	char *access_key;
	char *secret_key;
	char *base; /* scheme://authority */
	char *host; /* the Host header (authority) */
	int path_style;
};

struct s3_call {
	/* in */
	const char *method;
	const char *objkey; /* NULL: the bucket itself */
	const struct sigv4_param *params;
	size_t nparams;
	const unsigned char *body;
	size_t bodylen, sent;
	const char *content_type;
	size_t max; /* bytes of a 2xx response body kept */
	/* out */
	CURL *curl;
	long status;
	char *resp;
	size_t resplen, respcap;
	int too_large;
};

static pthread_once_t s3_once = PTHREAD_ONCE_INIT;
static int s3_init_failed;

static void
s3_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		s3_init_failed = 1;
	xmlInitParser();
}

static size_t
s3_write(char *p, size_t size, size_t n, void *arg)
{
	struct s3_call *c = arg;
	size_t len = size * n, cap = c->max, ncap;
	char *np;

	if (c->status == 0)
		curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	if (c->status < 200 || c->status > 299) {
		/* Only S3's error document matters, and only its start. */
		if (c->resplen >= S3_ERRBODY_MAX)
			return (len);
		cap = S3_ERRBODY_MAX;
		if (len > cap - c->resplen)
			len = cap - c->resplen;
	} else if (len > cap - c->resplen) {
		c->too_large = 1;
		return (0); /* aborts the transfer */
	}
	if (c->resplen + len + 1 > c->respcap) {
		ncap = c->respcap > 0 ? c->respcap : 16384;
		while (ncap < c->resplen + len + 1)
			ncap *= 2;
		if ((np = realloc(c->resp, ncap)) == NULL)
			return (0);
		c->resp = np;
		c->respcap = ncap;
	}
	memcpy(c->resp + c->resplen, p, len);
	c->resplen += len;
	c->resp[c->resplen] = '\0';
	return (size * n);
}

static size_t
s3_read(char *p, size_t size, size_t n, void *arg)
{
	struct s3_call *c = arg;
	size_t len = size * n;

	if (len > c->bodylen - c->sent)
		len = c->bodylen - c->sent;
	if (len == 0)
		return (0);
	memcpy(p, c->body + c->sent, len);
	c->sent += len;
	return (len);
}

/* The text of the first element named name (local name) in a small XML
 * document, into out; "" when there is none. */
static void
s3_xml_text(const char *doc, size_t len, const char *name, char *out,
            size_t outlen)
{
	xmlDocPtr d;
	xmlNodePtr n;
	xmlChar *t;

	out[0] = '\0';
	if (doc == NULL || len == 0 || len > S3_ERRBODY_MAX)
		return;
	d = xmlReadMemory(doc, (int)len, "s3.xml", NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOERROR |
	                      XML_PARSE_NOWARNING);
	if (d == NULL)
		return;
	n = xmlDocGetRootElement(d);
	for (n = n != NULL ? n->children : NULL; n != NULL; n = n->next) {
		if (n->type != XML_ELEMENT_NODE ||
		    strcmp((const char *)n->name, name) != 0)
			continue;
		if ((t = xmlNodeGetContent(n)) != NULL) {
			size_t i;

			snprintf(out, outlen, "%s", (const char *)t);
			xmlFree(t);
			/* It lands in a log line: printable ASCII only. */
			for (i = 0; out[i] != '\0'; i++)
				if (!isprint((unsigned char)out[i]))
					out[i] = '?';
		}
		break;
	}
	xmlFreeDoc(d);
}

/* Performs one signed request; 0 with c->status set, or -1 with err
 * filled (c->too_large when the body outgrew c->max). */
static int
s3_perform(struct s3 *s3, struct s3_call *c, char *err, size_t errlen)
{
	struct sigv4_header h[4];
	struct sigv4_request req;
	struct sigv4_result res;
	struct curl_slist *hl = NULL, *nl;
	char date[SIGV4_DATE_LEN + 1], payload[SIGV4_HEX_LEN + 1];
	char path[S3_OBJKEY_MAX + 80], *url = NULL, *line = NULL;
	size_t nh = 0, urllen;
	CURLcode cc;
	int rc = -1;

	memset(&res, 0, sizeof(res));
	if (s3->path_style)
		snprintf(path, sizeof(path), "/%s%s%s", s3->bucket,
		         c->objkey != NULL ? "/" : "",
		         c->objkey != NULL ? c->objkey : "");
	else
		snprintf(path, sizeof(path), "/%s",
		         c->objkey != NULL ? c->objkey : "");
	sigv4_amz_date(time(NULL), date);
	sigv4_sha256_hex(c->body != NULL ? (const void *)c->body : "",
	                 c->bodylen, payload);
	if (c->content_type != NULL) {
		h[nh].name = "content-type";
		h[nh++].value = c->content_type;
	}
	h[nh].name = "host";
	h[nh++].value = s3->host;
	h[nh].name = "x-amz-content-sha256";
	h[nh++].value = payload;
	h[nh].name = "x-amz-date";
	h[nh++].value = date;
	memset(&req, 0, sizeof(req));
	req.method = c->method;
	req.path = path;
	req.params = c->params;
	req.nparams = c->nparams;
	req.headers = h;
	req.nheaders = nh;
	req.payload_hash = payload;
	req.access_key = s3->access_key;
	req.secret_key = s3->secret_key;
	req.region = s3->region;
	req.service = "s3";
	req.amz_date = date;
	if (sigv4_sign(&req, &res) == -1) {
		snprintf(err, errlen, "s3: cannot sign the request");
		return (-1);
	}

	urllen = strlen(s3->base) + strlen(res.canonical_path) +
	         strlen(res.canonical_query) + 2;
	if ((url = malloc(urllen)) == NULL)
		goto oom;
	snprintf(url, urllen, "%s%s%s%s", s3->base, res.canonical_path,
	         res.canonical_query[0] != '\0' ? "?" : "",
	         res.canonical_query);
	/* Header lines; "Expect:" turns off 100-continue. */
	for (size_t i = 0; i < nh + 2; i++) {
		const char *name = i < nh    ? h[i].name
		                   : i == nh ? "Authorization"
		                             : "Expect";
		const char *value = i < nh    ? h[i].value
		                    : i == nh ? res.authorization
		                              : "";
		size_t len = strlen(name) + strlen(value) + 3;

		if ((line = malloc(len)) == NULL)
			goto oom;
		snprintf(line, len, "%s:%s%s", name, *value ? " " : "", value);
		if ((nl = curl_slist_append(hl, line)) == NULL)
			goto oom;
		hl = nl;
		free(line);
		line = NULL;
	}

	if ((c->curl = curl_easy_init()) == NULL)
		goto oom;
	curl_easy_setopt(c->curl, CURLOPT_URL, url);
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(c->curl, CURLOPT_SSL_VERIFYHOST, 2L);
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT,
	                 (long)S3_CONNECT_TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT, (long)S3_TIMEOUT_S);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_LIMIT,
	                 (long)S3_LOW_SPEED_BYTES);
	curl_easy_setopt(c->curl, CURLOPT_LOW_SPEED_TIME, (long)S3_LOW_SPEED_S);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, hl);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, s3_write);
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, c);
	if (strcmp(c->method, "PUT") == 0) {
		curl_easy_setopt(c->curl, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c->curl, CURLOPT_READFUNCTION, s3_read);
		curl_easy_setopt(c->curl, CURLOPT_READDATA, c);
		curl_easy_setopt(c->curl, CURLOPT_INFILESIZE_LARGE,
		                 (curl_off_t)c->bodylen);
	} else if (strcmp(c->method, "HEAD") == 0)
		curl_easy_setopt(c->curl, CURLOPT_NOBODY, 1L);
	else if (strcmp(c->method, "GET") != 0)
		curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST, c->method);
	if (strcmp(c->method, "GET") == 0)
		curl_easy_setopt(c->curl, CURLOPT_MAXFILESIZE_LARGE,
		                 (curl_off_t)c->max);

	cc = curl_easy_perform(c->curl);
	if (cc == CURLE_FILESIZE_EXCEEDED)
		c->too_large = 1;
	if (c->too_large) {
		snprintf(err, errlen, "s3: %s %s: larger than %zu bytes",
		         c->method, c->objkey != NULL ? c->objkey : "(bucket)",
		         c->max);
		goto cleanup;
	}
	if (cc != CURLE_OK) {
		snprintf(err, errlen, "s3: %s %s: %s", c->method,
		         c->objkey != NULL ? c->objkey : "(bucket)",
		         curl_easy_strerror(cc));
		goto cleanup;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &c->status);
	rc = 0;
	goto cleanup;
oom:
	snprintf(err, errlen, "s3: out of memory");
cleanup:
	if (c->curl != NULL)
		curl_easy_cleanup(c->curl);
	c->curl = NULL;
	curl_slist_free_all(hl);
	free(line);
	free(url);
	sigv4_result_free(&res);
	return (rc);
}

/* "PREFIX/key" or "key" into out. */
static void
s3_objkey(const struct s3 *s3, const char *key, char *out, size_t outlen)
{
	snprintf(out, outlen, "%s%s%s", s3->prefix, s3->prefix[0] ? "/" : "",
	         key);
}

/* The message for a response that was neither 2xx nor 404. */
static void
s3_status_error(const struct s3_call *c, const char *key, char *err,
                size_t errlen)
{
	char code[64];

	s3_xml_text(c->resp, c->resplen, "Code", code, sizeof(code));
	snprintf(err, errlen, "s3: %s %s: HTTP %ld%s%s%s", c->method, key,
	         c->status, code[0] ? " (" : "", code, code[0] ? ")" : "");
}

enum storage_result
s3_put(struct s3 *s3, const char *key, const void *data, size_t len,
       const char *content_type, char *err, size_t errlen)
{
	char objkey[S3_OBJKEY_MAX + 1];
	struct s3_call c;
	enum storage_result rc = STORAGE_ERROR;

	s3_objkey(s3, key, objkey, sizeof(objkey));
	memset(&c, 0, sizeof(c));
	c.method = "PUT";
	c.objkey = objkey;
	c.body = data;
	c.bodylen = len;
	c.content_type = content_type;
	c.max = S3_ERRBODY_MAX;
	if (s3_perform(s3, &c, err, errlen) == 0) {
		if (c.status >= 200 && c.status <= 299)
			rc = STORAGE_OK;
		else
			s3_status_error(&c, key, err, errlen);
	}
	free(c.resp);
	return (rc);
}

enum storage_result
s3_get(struct s3 *s3, const char *key, size_t max, void **data, size_t *len,
       char *err, size_t errlen)
{
	char objkey[S3_OBJKEY_MAX + 1];
	struct s3_call c;
	enum storage_result rc = STORAGE_ERROR;

	*data = NULL;
	*len = 0;
	s3_objkey(s3, key, objkey, sizeof(objkey));
	memset(&c, 0, sizeof(c));
	c.method = "GET";
	c.objkey = objkey;
	c.max = max;
	if (s3_perform(s3, &c, err, errlen) == -1) {
		if (c.too_large)
			rc = STORAGE_TOO_LARGE;
	} else if (c.status == 404) {
		snprintf(err, errlen, "s3: %s not found", key);
		rc = STORAGE_NOT_FOUND;
	} else if (c.status >= 200 && c.status <= 299) {
		if (c.resp == NULL && (c.resp = malloc(1)) == NULL)
			snprintf(err, errlen, "s3: out of memory");
		else {
			*data = c.resp;
			*len = c.resplen;
			c.resp = NULL;
			rc = STORAGE_OK;
		}
	} else
		s3_status_error(&c, key, err, errlen);
	free(c.resp);
	return (rc);
}

/* S3 answers DELETE with 204 whether or not the object was there; a HEAD
 * first gives callers the local backend's NOT_FOUND. */
enum storage_result
s3_delete(struct s3 *s3, const char *key, char *err, size_t errlen)
{
	char objkey[S3_OBJKEY_MAX + 1];
	struct s3_call c;
	enum storage_result rc = STORAGE_ERROR;

	s3_objkey(s3, key, objkey, sizeof(objkey));
	memset(&c, 0, sizeof(c));
	c.method = "HEAD";
	c.objkey = objkey;
	c.max = S3_ERRBODY_MAX;
	if (s3_perform(s3, &c, err, errlen) == -1)
		goto cleanup;
	if (c.status == 404) {
		snprintf(err, errlen, "s3: %s not found", key);
		rc = STORAGE_NOT_FOUND;
		goto cleanup;
	}
	if (c.status < 200 || c.status > 299) {
		s3_status_error(&c, key, err, errlen);
		goto cleanup;
	}
	free(c.resp);
	memset(&c, 0, sizeof(c));
	c.method = "DELETE";
	c.objkey = objkey;
	c.max = S3_ERRBODY_MAX;
	if (s3_perform(s3, &c, err, errlen) == -1)
		goto cleanup;
	if (c.status == 404) {
		snprintf(err, errlen, "s3: %s not found", key);
		rc = STORAGE_NOT_FOUND;
	} else if (c.status >= 200 && c.status <= 299)
		rc = STORAGE_OK;
	else
		s3_status_error(&c, key, err, errlen);
cleanup:
	free(c.resp);
	return (rc);
}

/* "2009-10-12T17:50:30.000Z" as unix seconds; 0 when unreadable. */
static long long
s3_parse_time(const char *s)
{
	struct tm tm;
	int y, mo, d, h, mi, se;

	if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &se) !=
	    6)
		return (0);
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	return ((long long)timegm(&tm));
}

static xmlNodePtr
s3_child(xmlNodePtr n, const char *name)
{
	for (n = n->children; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE &&
		    strcmp((const char *)n->name, name) == 0)
			return (n);
	return (NULL);
}

struct s3_page {
	int truncated;
	char token[S3_TOKEN_MAX + 1];
	int stopped;
};

/* One ListObjectsV2 page: fn for each key; 0 or -1 (err filled). */
static int
s3_list_page(struct s3 *s3, const char *body, size_t len, const char *prefix,
             struct s3_page *pg, int (*fn)(const char *, long long, void *),
             void *arg, char *err, size_t errlen)
{
	size_t skip = strlen(s3->prefix) + (s3->prefix[0] ? 1 : 0);
	xmlDocPtr d;
	xmlNodePtr root, n, k, m;
	xmlChar *key, *mod, *t;
	long long mtime;

	pg->truncated = 0;
	pg->token[0] = '\0';
	d = xmlReadMemory(body, (int)len, "list.xml", NULL,
	                  XML_PARSE_NONET | XML_PARSE_NOERROR |
	                      XML_PARSE_NOWARNING);
	if (d == NULL || (root = xmlDocGetRootElement(d)) == NULL ||
	    strcmp((const char *)root->name, "ListBucketResult") != 0) {
		snprintf(err, errlen, "s3: list: not a ListBucketResult");
		if (d != NULL)
			xmlFreeDoc(d);
		return (-1);
	}
	for (n = root->children; n != NULL && !pg->stopped; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (strcmp((const char *)n->name, "IsTruncated") == 0) {
			t = xmlNodeGetContent(n);
			pg->truncated =
			    t != NULL && strcmp((const char *)t, "true") == 0;
			xmlFree(t);
		} else if (strcmp((const char *)n->name,
		                  "NextContinuationToken") == 0) {
			t = xmlNodeGetContent(n);
			if (t != NULL &&
			    strlen((const char *)t) <= S3_TOKEN_MAX)
				snprintf(pg->token, sizeof(pg->token), "%s",
				         (const char *)t);
			xmlFree(t);
		} else if (strcmp((const char *)n->name, "Contents") == 0) {
			if ((k = s3_child(n, "Key")) == NULL)
				continue;
			key = xmlNodeGetContent(k);
			m = s3_child(n, "LastModified");
			mod = m != NULL ? xmlNodeGetContent(m) : NULL;
			mtime =
			    mod != NULL ? s3_parse_time((const char *)mod) : 0;
			/* Only our keys: under our prefix, valid, and under
			 * the prefix asked for. */
			if (key != NULL && strlen((const char *)key) > skip &&
			    strncmp((const char *)key, s3->prefix,
			            skip > 0 ? skip - 1 : 0) == 0 &&
			    (skip == 0 || key[skip - 1] == '/') &&
			    storage_key_valid((const char *)key + skip) &&
			    strncmp((const char *)key + skip, prefix,
			            strlen(prefix)) == 0 &&
			    fn((const char *)key + skip, mtime, arg) != 0)
				pg->stopped = 1;
			xmlFree(key);
			xmlFree(mod);
		}
	}
	xmlFreeDoc(d);
	return (0);
}

enum storage_result
s3_list(struct s3 *s3, const char *prefix,
        int (*fn)(const char *key, long long mtime, void *arg), void *arg,
        char *err, size_t errlen)
{
	char full[S3_OBJKEY_MAX + 1];
	struct sigv4_param p[4];
	struct s3_page pg;
	struct s3_call c;
	size_t np, pages;

	snprintf(full, sizeof(full), "%s%s%s", s3->prefix,
	         s3->prefix[0] ? "/" : "", prefix);
	memset(&pg, 0, sizeof(pg));
	for (pages = 0; pages < S3_LIST_PAGES_MAX; pages++) {
		np = 0;
		p[np].name = "list-type";
		p[np++].value = "2";
		p[np].name = "max-keys";
		p[np++].value = "1000";
		p[np].name = "prefix";
		p[np++].value = full;
		if (pages > 0) {
			p[np].name = "continuation-token";
			p[np++].value = pg.token;
		}
		memset(&c, 0, sizeof(c));
		c.method = "GET";
		c.params = p;
		c.nparams = np;
		c.max = S3_LIST_BODY_MAX;
		if (s3_perform(s3, &c, err, errlen) == -1) {
			free(c.resp);
			return (STORAGE_ERROR);
		}
		if (c.status < 200 || c.status > 299) {
			s3_status_error(&c, "(list)", err, errlen);
			free(c.resp);
			return (STORAGE_ERROR);
		}
		if (c.resp == NULL ||
		    s3_list_page(s3, c.resp, c.resplen, prefix, &pg, fn, arg,
		                 err, errlen) == -1) {
			if (c.resp == NULL)
				snprintf(err, errlen, "s3: list: empty answer");
			free(c.resp);
			return (STORAGE_ERROR);
		}
		free(c.resp);
		if (pg.stopped || !pg.truncated)
			return (STORAGE_OK);
		if (pg.token[0] == '\0') {
			snprintf(err, errlen,
			         "s3: list: truncated without a token");
			return (STORAGE_ERROR);
		}
	}
	snprintf(err, errlen, "s3: list: more than %d pages",
	         S3_LIST_PAGES_MAX);
	return (STORAGE_ERROR);
}

static int
s3_token_valid(const char *s, size_t max, const char *extra)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !(isalnum((unsigned char)s[i]) ||
		                  strchr(extra, s[i]) != NULL))
			return (0);
	return (i > 0);
}

/* LIFTED_S3_ENDPOINT: http(s)://HOST[:PORT][/]; fills base and host. */
static int
s3_endpoint(struct s3 *s3, const char *ep, char *err, size_t errlen)
{
	const char *auth, *end;
	size_t alen;

	if (strncmp(ep, "https://", 8) == 0)
		auth = ep + 8;
	else if (strncmp(ep, "http://", 7) == 0)
		auth = ep + 7;
	else
		goto bad;
	end = strchr(auth, '/');
	alen = end != NULL ? (size_t)(end - auth) : strlen(auth);
	if (alen == 0 || alen > 255 || (end != NULL && strcmp(end, "/") != 0))
		goto bad;
	for (size_t i = 0; i < alen; i++)
		if (!isalnum((unsigned char)auth[i]) &&
		    strchr(".-:[]", auth[i]) == NULL)
			goto bad;
	if ((s3->host = strndup(auth, alen)) == NULL ||
	    (s3->base = strndup(ep, (size_t)(auth - ep) + alen)) == NULL) {
		snprintf(err, errlen, "s3: out of memory");
		return (-1);
	}
	s3->path_style = 1;
	return (0);
bad:
	snprintf(err, errlen,
	         "LIFTED_S3_ENDPOINT must be http(s)://HOST[:PORT] without a "
	         "path");
	return (-1);
}

struct s3 *
s3_open(const struct settings *s, const char *bucket, const char *prefix,
        char *err, size_t errlen)
{
	struct s3 *s3;
	size_t len;

	pthread_once(&s3_once, s3_init);
	if (s3_init_failed) {
		snprintf(err, errlen, "s3: libcurl failed to initialise");
		return (NULL);
	}
	if (s->s3_access_key == NULL || s->s3_secret_key == NULL) {
		snprintf(err, errlen,
		         "LIFTED_S3_ACCESS_KEY and LIFTED_S3_SECRET_KEY are "
		         "required for s3:// storage");
		return (NULL);
	}
	/* Both land in the Authorization header (the secret only through
	 * HMAC): no separators, no control bytes. */
	if (!s3_token_valid(s->s3_access_key, 128, "_-.")) {
		snprintf(err, errlen,
		         "LIFTED_S3_ACCESS_KEY: 1-128 of "
		         "A-Z a-z 0-9 _ - .");
		return (NULL);
	}
	len = strlen(s->s3_secret_key);
	if (len == 0 || len > 256) {
		snprintf(err, errlen, "LIFTED_S3_SECRET_KEY: 1-256 bytes");
		return (NULL);
	}
	if (s->s3_region != NULL && !s3_token_valid(s->s3_region, 32, "-")) {
		snprintf(err, errlen, "LIFTED_S3_REGION: 1-32 of a-z 0-9 -");
		return (NULL);
	}
	if ((s3 = calloc(1, sizeof(*s3))) == NULL)
		goto oom;
	if ((s3->bucket = strdup(bucket)) == NULL ||
	    (s3->prefix = strdup(prefix)) == NULL ||
	    (s3->region = strdup(s->s3_region != NULL ? s->s3_region
	                                              : "us-east-1")) == NULL ||
	    (s3->access_key = strdup(s->s3_access_key)) == NULL ||
	    (s3->secret_key = strdup(s->s3_secret_key)) == NULL)
		goto oom;
	if (s->s3_endpoint != NULL && s->s3_endpoint[0] != '\0') {
		if (s3_endpoint(s3, s->s3_endpoint, err, errlen) == -1) {
			s3_free(s3);
			return (NULL);
		}
	} else {
		len = strlen(bucket) + strlen(s3->region) + 32;
		if ((s3->host = malloc(len)) == NULL ||
		    (s3->base = malloc(len + 8)) == NULL)
			goto oom;
		snprintf(s3->host, len, "%s.s3.%s.amazonaws.com", bucket,
		         s3->region);
		snprintf(s3->base, len + 8, "https://%s", s3->host);
	}
	return (s3);
oom:
	snprintf(err, errlen, "s3: out of memory");
	s3_free(s3);
	return (NULL);
}

void
s3_free(struct s3 *s3)
{
	if (s3 == NULL)
		return;
	free(s3->bucket);
	free(s3->prefix);
	free(s3->region);
	free(s3->access_key);
	if (s3->secret_key != NULL) {
		explicit_bzero(s3->secret_key, strlen(s3->secret_key));
		free(s3->secret_key);
	}
	free(s3->base);
	free(s3->host);
	free(s3);
}
