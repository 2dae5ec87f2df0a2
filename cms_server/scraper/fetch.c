/*
 * The fetcher.  One curl multi handle; requests wait in a FIFO until
 * their host has a free slot, its delay has passed and its robots.txt is
 * known (fetched once per host, before anything else from it).  A
 * retryable failure goes back into the queue with a later not-before
 * time, so back-off never blocks other hosts.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "fetch.h"
#include "scrape_text.h"

enum robots_state { ROBOTS_UNKNOWN, ROBOTS_PENDING, ROBOTS_READY };

struct host {
	struct host *next;
	char *key; /* scheme://host:port */
	int active;
	long long last_start;
	enum robots_state robots;
	char *rules; /* robots.txt text; NULL: everything allowed */
};

struct job {
	struct job *next;
	char *url, *post;
	void *udata;
	struct host *host;
	int robots; /* 1: this is the host's robots.txt */
	int attempts;
	long long not_before;
	CURL *easy;
	char *buf;
	size_t len, cap;
	int too_large; /* 1: over max_body; -1: refused by robots.txt */
	size_t max_body;
	CURLcode result;
};

struct fetcher {
	struct fetch_options opt;
	CURLM *multi;
	struct host *hosts;
	struct job *pending, *running, *done;
};

static long long
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

struct fetcher *
fetch_new(const struct fetch_options *opt)
{
	struct fetcher *f;

	if ((f = calloc(1, sizeof(*f))) == NULL)
		return (NULL);
	f->opt = *opt;
	if (f->opt.max_body == 0)
		f->opt.max_body = FETCH_MAX_BODY;
	if (f->opt.per_host < 1 || f->opt.per_host > 2)
		f->opt.per_host = 1;
	if ((f->multi = curl_multi_init()) == NULL) {
		free(f);
		return (NULL);
	}
	return (f);
}

static void
job_free(struct job *j)
{
	if (j == NULL)
		return;
	free(j->url);
	free(j->post);
	free(j->buf);
	free(j);
}

/* The host key of url, or NULL when it is not an http(s) URL. */
static char *
host_key(const char *url)
{
	char *scheme = NULL, *host = NULL, *port = NULL, *key = NULL;
	CURLU *u;

	if ((u = curl_url()) == NULL)
		return (NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) !=
	        CURLUE_OK)
		goto done;
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)
		goto done;
	if (asprintf(&key, "%s://%s:%s", scheme, host, port) == -1)
		key = NULL;
done:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return (key);
}

static struct host *
host_get(struct fetcher *f, const char *key)
{
	struct host *h;

	for (h = f->hosts; h != NULL; h = h->next)
		if (strcmp(h->key, key) == 0)
			return (h);
	if ((h = calloc(1, sizeof(*h))) == NULL)
		return (NULL);
	if ((h->key = strdup(key)) == NULL) {
		free(h);
		return (NULL);
	}
	h->last_start = -1000000;
	h->next = f->hosts;
	f->hosts = h;
	return (h);
}

static void
push_tail(struct job **list, struct job *j)
{
	j->next = NULL;
	while (*list != NULL)
		list = &(*list)->next;
	*list = j;
}

static void
unlink_job(struct job **list, struct job *j)
{
	for (; *list != NULL; list = &(*list)->next)
		if (*list == j) {
			*list = j->next;
			j->next = NULL;
			return;
		}
}

int
fetch_add(struct fetcher *f, const char *url, const char *post, void *udata)
{
	struct job *j;

	if ((j = calloc(1, sizeof(*j))) == NULL)
		return (-1);
	j->url = strdup(url);
	j->post = post != NULL ? strdup(post) : NULL;
	j->udata = udata;
	if (j->url == NULL || (post != NULL && j->post == NULL)) {
		job_free(j);
		return (-1);
	}
	push_tail(&f->pending, j);
	return (0);
}

static size_t
on_body(char *data, size_t size, size_t n, void *arg)
{
	struct job *j = arg;
	size_t add = size * n;

	if (j->len + add > j->max_body) {
		j->too_large = 1;
		return (0); /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	if (j->len + add + 1 > j->cap) {
		size_t cap = j->cap == 0 ? 16384 : j->cap;
		char *nb;

		while (cap < j->len + add + 1)
			cap *= 2;
		if ((nb = realloc(j->buf, cap)) == NULL)
			return (0);
		j->buf = nb;
		j->cap = cap;
	}
	memcpy(j->buf + j->len, data, add);
	j->len += add;
	j->buf[j->len] = '\0';
	return (add);
}

static void
finish_done(struct fetcher *f, struct job *j)
{
	push_tail(&f->done, j);
}

static int
start_job(struct fetcher *f, struct job *j)
{
	CURL *e;
	long tmo = f->opt.timeout_s > 0 ? f->opt.timeout_s : 30;

	if ((e = curl_easy_init()) == NULL)
		return (-1);
	j->easy = e;
	free(j->buf);
	j->buf = NULL;
	j->len = j->cap = 0;
	j->too_large = 0;
	j->max_body = f->opt.max_body;
	curl_easy_setopt(e, CURLOPT_URL, j->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, j);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, j);
	curl_easy_setopt(e, CURLOPT_USERAGENT, FETCH_USER_AGENT);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(e, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, tmo);
	curl_easy_setopt(e, CURLOPT_TIMEOUT, tmo);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 16L);
	curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, tmo);
	curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE,
	                 (curl_off_t)f->opt.max_body);
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
	if (j->post != NULL)
		curl_easy_setopt(e, CURLOPT_POSTFIELDS, j->post);
	if (curl_multi_add_handle(f->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		j->easy = NULL;
		return (-1);
	}
	j->attempts++;
	j->host->active++;
	j->host->last_start = now_ms();
	push_tail(&f->running, j);
	return (0);
}

/* The path and query of url, for robots matching. */
static char *
url_path(const char *url)
{
	char *path = NULL, *q = NULL, *out = NULL;
	CURLU *u;

	if ((u = curl_url()) == NULL)
		return (NULL);
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PATH, &path, 0) == CURLUE_OK) {
		curl_url_get(u, CURLUPART_QUERY, &q, 0);
		if (asprintf(&out, "%s%s%s", path, q != NULL ? "?" : "",
		             q != NULL ? q : "") == -1)
			out = NULL;
	}
	curl_free(path);
	curl_free(q);
	curl_url_cleanup(u);
	return (out);
}

/* Starts what may start; moves refused requests to done. */
static void
schedule(struct fetcher *f)
{
	long long t = now_ms();
	struct job *j, *next;

	for (j = f->pending; j != NULL; j = next) {
		next = j->next;
		if (j->host == NULL) {
			char *key = host_key(j->url);

			if (key == NULL ||
			    (j->host = host_get(f, key)) == NULL) {
				free(key);
				unlink_job(&f->pending, j);
				finish_done(f, j);
				continue;
			}
			free(key);
		}
		if (!j->robots && j->host->robots == ROBOTS_UNKNOWN) {
			struct job *r = calloc(1, sizeof(*r));

			if (r != NULL && asprintf(&r->url, "%s/robots.txt",
			                          j->host->key) != -1) {
				r->robots = 1;
				r->host = j->host;
				r->next = f->pending;
				f->pending = r;
				j->host->robots = ROBOTS_PENDING;
				next = r; /* look at it first */
				continue;
			}
			free(r);
			j->host->robots = ROBOTS_READY;
		}
		if (!j->robots && j->host->robots == ROBOTS_PENDING)
			continue;
		if (!j->robots && j->host->rules != NULL) {
			char *path = url_path(j->url);
			int ok = path != NULL &&
			         scrape_robots_allowed(j->host->rules,
			                               FETCH_UA_TOKEN, path);

			free(path);
			if (!ok) {
				unlink_job(&f->pending, j);
				j->too_large = -1;
				finish_done(f, j);
				continue;
			}
		}
		if (j->host->active >= f->opt.per_host ||
		    t < j->host->last_start + f->opt.delay_ms ||
		    t < j->not_before)
			continue;
		unlink_job(&f->pending, j);
		if (start_job(f, j) == -1)
			finish_done(f, j);
	}
}

static int
retryable(CURLcode cc, long status)
{
	switch (cc) {
	case CURLE_OK:
		return (status >= 500 || status == 429);
	case CURLE_COULDNT_CONNECT:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
		return (1);
	default:
		return (0);
	}
}

static void
complete(struct fetcher *f, CURL *e, CURLcode cc)
{
	struct job *j = NULL;
	long status = 0;

	curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&j);
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
	curl_multi_remove_handle(f->multi, e);
	unlink_job(&f->running, j);
	j->host->active--;
	if (j->robots) {
		if (cc == CURLE_OK && status == 200 && j->buf != NULL) {
			j->host->rules = j->buf;
			j->buf = NULL;
		}
		j->host->robots = ROBOTS_READY;
		curl_easy_cleanup(e);
		job_free(j);
		return;
	}
	if (!j->too_large && retryable(cc, status) &&
	    j->attempts <= f->opt.retries) {
		long long back = f->opt.delay_ms > 200 ? f->opt.delay_ms : 200;

		for (int i = 1; i < j->attempts && back < 30000; i++)
			back *= 2;
		curl_easy_cleanup(e);
		j->easy = NULL;
		j->not_before = now_ms() + back;
		push_tail(&f->pending, j);
		return;
	}
	j->easy = e; /* kept for fetch_wait to read the result */
	j->result = cc;
	push_tail(&f->done, j);
}

static struct fetch_result *
make_result(struct job *j)
{
	struct fetch_result *r;
	CURLcode cc = j->result;
	char *eff = NULL;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return (NULL);
	r->udata = j->udata;
	r->url = j->url;
	j->url = NULL;
	r->attempts = j->attempts;
	if (j->easy == NULL) {
		if (j->too_large == -1)
			snprintf(r->error, sizeof(r->error),
			         "disallowed by robots.txt");
		else
			snprintf(r->error, sizeof(r->error),
			         "not an http(s) URL or out of memory");
		r->final_url = strdup(r->url);
		return (r);
	}
	curl_easy_getinfo(j->easy, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(j->easy, CURLINFO_EFFECTIVE_URL, &eff);
	r->final_url = strdup(eff != NULL ? eff : r->url);
	if (j->too_large || cc == CURLE_FILESIZE_EXCEEDED)
		snprintf(r->error, sizeof(r->error),
		         "body larger than %zu bytes", j->max_body);
	else if (cc != CURLE_OK)
		snprintf(r->error, sizeof(r->error), "%s",
		         curl_easy_strerror(cc));
	else if (r->status < 200 || r->status > 299)
		snprintf(r->error, sizeof(r->error), "HTTP status %ld",
		         r->status);
	else
		r->ok = 1;
	if (r->attempts > 1 && !r->ok) {
		size_t l = strlen(r->error);

		snprintf(r->error + l, sizeof(r->error) - l,
		         " (after %d attempts)", r->attempts);
	}
	r->body = j->buf;
	r->len = j->len;
	j->buf = NULL;
	if (r->body == NULL && (r->body = strdup("")) == NULL)
		r->ok = 0;
	curl_easy_cleanup(j->easy);
	j->easy = NULL;
	return (r);
}

int
fetch_wait(struct fetcher *f, struct fetch_result **out, int (*stop)(void *),
           void *arg)
{
	int still, nmsg;
	CURLMsg *m;

	*out = NULL;
	for (;;) {
		if (f->done != NULL) {
			struct job *j = f->done;

			f->done = j->next;
			*out = make_result(j);
			job_free(j);
			return (*out != NULL ? 1 : -1);
		}
		if (stop != NULL && stop(arg))
			return (-1);
		schedule(f);
		if (f->done != NULL)
			continue;
		if (f->pending == NULL && f->running == NULL)
			return (0);
		curl_multi_perform(f->multi, &still);
		while ((m = curl_multi_info_read(f->multi, &nmsg)) != NULL)
			if (m->msg == CURLMSG_DONE)
				complete(f, m->easy_handle, m->data.result);
		if (f->done == NULL)
			curl_multi_poll(f->multi, NULL, 0, 50, NULL);
	}
}

void
fetch_result_free(struct fetch_result *r)
{
	if (r == NULL)
		return;
	free(r->url);
	free(r->final_url);
	free(r->body);
	free(r);
}

static void
free_list(struct fetcher *f, struct job *j, void (*free_udata)(void *))
{
	struct job *next;

	for (; j != NULL; j = next) {
		next = j->next;
		if (j->easy != NULL) {
			curl_multi_remove_handle(f->multi, j->easy);
			curl_easy_cleanup(j->easy);
		}
		if (free_udata != NULL && !j->robots && j->udata != NULL)
			free_udata(j->udata);
		job_free(j);
	}
}

void
fetch_free(struct fetcher *f, void (*free_udata)(void *))
{
	struct host *h, *hn;

	if (f == NULL)
		return;
	free_list(f, f->pending, free_udata);
	free_list(f, f->running, free_udata);
	free_list(f, f->done, free_udata);
	for (h = f->hosts; h != NULL; h = hn) {
		hn = h->next;
		free(h->key);
		free(h->rules);
		free(h);
	}
	curl_multi_cleanup(f->multi);
	free(f);
}
