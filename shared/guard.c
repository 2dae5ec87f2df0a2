/*
 * Request limits in front of evhttp (see guard.h for the contract).
 *
 * Design.  Each accepted connection is a bufferevent_filter over a socket
 * bufferevent.  evhttp_get_request_connection() calls bufferevent_setfd()
 * on the filter, whose BEV_CTRL_SET_FD is forwarded to the socket
 * bufferevent, then enables EV_READ on the filter, which un-suspends
 * reading on the socket one.  The input filter is a small state machine:
 *
 *   HEADER    bytes stay in the source buffer until the first empty line;
 *             then guard_scan_headers() decides, and the whole header block
 *             moves to evhttp's buffer at once.
 *   BODY      exactly Content-Length bytes move through, as they arrive,
 *             then back to HEADER for the next keep-alive request.
 *   REJECTED  one synthetic request has been handed to evhttp; everything
 *             the client sends afterwards is discarded.
 *
 * Our framing must agree byte for byte with evhttp's, or a client could
 * make evhttp parse body bytes as a request we never checked.  Hence the
 * line rule (LF, optional CR), the refusal of bodies on methods evhttp
 * reads none for, of obsolete line folding and of header names with white
 * space (evhttp would not see them as Content-Length).
 *
 * The header deadline is an evtimer started at the first byte of a header
 * block.  When it fires with part of a block in the source buffer, nothing
 * new arrives to run the filter, so the timer callback writes the synthetic
 * request straight into the filter's input buffer (evhttp's side) and calls
 * bufferevent_trigger(EV_READ), which runs evhttp_read_cb as if the filter
 * had produced it.  While evhttp is still busy with an earlier request of
 * the same connection (it disables EV_READ on the filter from the moment it
 * dispatches a request until the reply is sent, so the socket is not read
 * meanwhile) the deadline is pushed back instead: the rest of the header
 * may be sitting unread in the kernel.
 *
 * Output.  bufferevent_filter tells evhttp a reply is written as soon as
 * the filter has moved it to the socket bufferevent's buffer, not when it
 * reached the kernel; on "Connection: close" evhttp then frees the
 * bufferevents and calls shutdown(SHUT_WR) at once, and the reply is lost
 * (seen with strace: no write(2) before the shutdown).  So the output
 * filter writes straight to the socket with evbuffer_write() and leaves in
 * its source what the kernel would not take, waiting on its own EV_WRITE
 * event; evhttp hears "written" only when everything is in the kernel.
 *
 * So the socket bufferevent never writes, and its write side is disabled
 * (bufferevent_filter_new() enabled it).  That is not only tidiness: its
 * write callback, be_filter_writecb() in libevent 2.1.12, runs the output
 * filter without holding a reference on the filter bufferevent, unlike
 * bufferevent_filtered_outbuf_cb() and be_filter_flush().  When our filter
 * reports a reply written from there, evhttp's write callback frees the
 * connection at once (refcount 0: the filter's events are cancelled and
 * its finalizer queued), and be_filter_process_output() then re-adds the
 * filter's ev_write with evhttp's write timeout (its closing
 * BEV_RESET_GENERIC_WRITE_TIMEOUT; event_callback_finalize_many_() marks
 * only ev_read as finalizing, so nothing refuses it).  The finalizer
 * frees the filter with that event still in the base's timer heap: the
 * next event_add read freed memory, and the corrupt heap could spin the
 * loop.
 * With the write side disabled the output filter only runs from
 * guard_outbuf_cb's event via bufferevent_flush(), which holds a reference.
 *
 * Lingering close.  After a rejection the client is usually still sending
 * (a body we refused, more header bytes); closing a socket with unread
 * input makes the kernel send RST, which can destroy the reply before the
 * client reads it.  When a rejected connection is finalized, the guard
 * keeps a dup of its fd open (evhttp has already sent FIN) and discards
 * input for up to GUARD_LINGER_MS or GUARD_LINGER_BYTES before closing.
 *
 * Callbacks that may fire after evhttp has called bufferevent_free() on
 * the filter (the finalizer runs later) must not touch it: a bufferevent
 * being freed has had its callbacks cleared, which is what they check.
 *
 * TLS.  With cfg.tls the guard also runs the TLS record layer, with an SSL
 * object over two memory BIOs, so that the limits above work the same
 * over TLS and so that "written" still means "in the kernel" (a
 * libevent_openssl bufferevent under the filter would hold ciphertext of
 * its own, which evhttp's close would throw away).  Input: ciphertext from
 * the socket bufferevent goes into the read BIO, SSL_read (which also runs
 * the handshake) puts plaintext into c->plain, and the framing above works
 * on c->plain instead of the socket's buffer.  Output: evhttp's bytes are
 * encrypted into c->cipher, which is written to the fd as before; the
 * plaintext stays in the filter's output (counted by enc_pending) until
 * all of its ciphertext is in the kernel, and only then is drained, so
 * evhttp hears "written" at the same moment as without TLS.  Handshake
 * records and alerts go out through c->cipher too.  The header timer runs
 * from accept until the handshake is done: a client that never finishes
 * it is disconnected (there is no way to answer it over HTTP).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "guard.h"
#include "log.h"

struct guard_linger {
	struct guard *g;
	struct event *ev;
	int fd;
	size_t discarded;
	struct guard_linger *next;
	struct guard_linger **prevp;
};

struct guard {
	struct event_base *base;
	struct guard_config cfg;
	int refs;    /* the owner's plus one per open connection */
	int closing; /* the owner freed it: no new lingering closes */
	size_t nconns;
	unsigned long rejected;
	struct guard_linger *lingers;
};

enum guard_state {
	GUARD_ST_HEADER,
	GUARD_ST_BODY,
	GUARD_ST_REJECTED,
};

struct guard_conn {
	struct guard *g;
	struct bufferevent *bev; /* the filter, as evhttp sees it */
	struct event *timer;
	struct event *wev; /* socket writable, made on first EAGAIN */
	enum guard_state state;
	size_t body_left;
	size_t searched; /* bytes of the pending header block already scanned */
	int empty_lines; /* skipped before the current request line */
	/* TLS only (see the top): */
	SSL *ssl;
	struct evbuffer *plain;  /* decrypted, not yet framed */
	struct evbuffer *cipher; /* encrypted, not yet in the kernel */
	size_t enc_pending;      /* output bytes whose ciphertext is queued */
	int handshake_done;
};

/* Empty lines tolerated before a request line (RFC 9112 2.2 says "at least
 * one"); more is someone wasting our time. */
#define GUARD_MAX_EMPTY_LINES 4

/* evbuffer_remove_buffer() returns an int: move bodies in slices. */
#define GUARD_MOVE_SLICE ((size_t)1 << 30)

/* Lingering close after a rejection: long enough for a reply to cross a
 * slow link, short and small enough not to be a resource to exhaust. */
#define GUARD_LINGER_MS    2000
#define GUARD_LINGER_BYTES ((size_t)1 << 20)

static void guard_unref(struct guard *);
static void guard_linger_end(struct guard_linger *);
static void guard_wev_cb(evutil_socket_t, short, void *);
static int guard_want_write(struct guard_conn *);
static void guard_timer_arm(struct guard_conn *);
static enum bufferevent_filter_result guard_filter_out_tls(struct guard_conn *,
                                                           struct evbuffer *);

struct guard *
guard_new(struct event_base *base, const struct guard_config *cfg)
{
	struct guard *g;

	if (base == NULL || cfg == NULL || cfg->max_header_bytes == 0 ||
	    cfg->header_timeout_ms <= 0 || cfg->reject_prefix == NULL ||
	    cfg->reject_prefix[0] != '/')
		return (NULL);
	if ((g = calloc(1, sizeof(*g))) == NULL)
		return (NULL);
	g->base = base;
	g->cfg = *cfg;
	g->refs = 1;
	return (g);
}

static void
guard_unref(struct guard *g)
{
	if (--g->refs == 0)
		free(g);
}

void
guard_free(struct guard *g)
{
	if (g == NULL)
		return;
	g->closing = 1;
	while (g->lingers != NULL)
		guard_linger_end(g->lingers);
	guard_unref(g);
}

size_t
guard_open_connections(const struct guard *g)
{
	return (g->nconns);
}

unsigned long
guard_rejected_total(const struct guard *g)
{
	return (g->rejected);
}

/* Methods evhttp 2.1.12 reads a body for (evhttp_method_may_have_body);
 * it compares method names case-sensitively, so do we. */
static int
guard_method_has_body(const char *m, size_t len)
{
	static const char *const methods[] = {
	    "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT"};
	size_t i;

	for (i = 0; i < sizeof(methods) / sizeof(methods[0]); i++) {
		if (strlen(methods[i]) == len &&
		    memcmp(methods[i], m, len) == 0)
			return (1);
	}
	return (0);
}

static int
guard_name_is(const char *name, size_t len, const char *want)
{
	return (strlen(want) == len && strncasecmp(name, want, len) == 0);
}

/*
 * Offset just past the empty line ending the header block in buf[0, len),
 * looking for it from offset from; 0 when it is not there.  With no leading
 * empty line, the first empty line is the first "\n\n" or "\n\r\n".
 */
static size_t
guard_find_end(const char *buf, size_t len, size_t from)
{
	const char *p, *end = buf + len;

	for (p = buf + from; p < end;) {
		if ((p = memchr(p, '\n', (size_t)(end - p))) == NULL)
			return (0);
		if (p + 1 < end && p[1] == '\n')
			return ((size_t)(p + 2 - buf));
		if (p + 2 < end && p[1] == '\r' && p[2] == '\n')
			return ((size_t)(p + 3 - buf));
		p++;
	}
	return (0);
}

/* Parses a Content-Length value: digits only, between optional blanks.
 * Values that do not fit become SIZE_MAX (over any limit, so 413). */
static int
guard_parse_length(const char *v, size_t len, size_t *out)
{
	size_t n = 0;

	while (len > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		len--;
	}
	while (len > 0 && (v[len - 1] == ' ' || v[len - 1] == '\t'))
		len--;
	if (len == 0)
		return (-1);
	for (; len > 0; v++, len--) {
		if (*v < '0' || *v > '9')
			return (-1);
		if (n > (SIZE_MAX - 9) / 10)
			n = SIZE_MAX;
		else
			n = n * 10 + (size_t)(*v - '0');
	}
	*out = n;
	return (0);
}

enum guard_verdict
guard_scan_headers(const char *buf, size_t len, const struct guard_config *cfg,
                   size_t *header_len, size_t *body_len, int *reject_status)
{
	const char *line, *nl, *colon, *method;
	size_t end, llen, mlen, cl = 0, v;
	int have_cl = 0, have_te = 0, first = 1;

	end = guard_find_end(
	    buf, len < cfg->max_header_bytes ? len : cfg->max_header_bytes, 0);
	if (end == 0) {
		if (len >= cfg->max_header_bytes) {
			/* No line end at all: the request line (its target,
			 * in practice) is what is too long. */
			*reject_status =
			    memchr(buf, '\n', cfg->max_header_bytes) == NULL
			        ? 414
			        : 431;
			return (GUARD_REJECT);
		}
		return (GUARD_MORE);
	}
	if (memchr(buf, '\0', end) != NULL)
		goto bad;

	method = buf;
	mlen = 0;
	for (line = buf; line < buf + end; line = nl + 1) {
		nl = memchr(line, '\n', (size_t)(buf + end - line));
		llen = (size_t)(nl - line);
		if (llen > 0 && line[llen - 1] == '\r')
			llen--;
		if (llen == 0) {
			if (first)
				goto bad; /* no request line */
			break;
		}
		if (first) {
			const char *sp = memchr(line, ' ', llen);

			if (sp == NULL || sp == line)
				goto bad;
			mlen = (size_t)(sp - line);
			first = 0;
			continue;
		}
		/* Obsolete folding: evhttp would glue it to the previous
		 * header, possibly a Content-Length we already read. */
		if (line[0] == ' ' || line[0] == '\t')
			goto bad;
		if ((colon = memchr(line, ':', llen)) == NULL || colon == line)
			goto bad;
		if (memchr(line, ' ', (size_t)(colon - line)) != NULL ||
		    memchr(line, '\t', (size_t)(colon - line)) != NULL)
			goto bad;
		if (guard_name_is(line, (size_t)(colon - line),
		                  "Transfer-Encoding"))
			have_te = 1;
		else if (guard_name_is(line, (size_t)(colon - line),
		                       "Content-Length")) {
			if (guard_parse_length(
			        colon + 1, llen - (size_t)(colon + 1 - line),
			        &v) == -1)
				goto bad;
			if (have_cl && v != cl)
				goto bad;
			cl = v;
			have_cl = 1;
		}
	}

	if (have_te) {
		*reject_status = 411;
		return (GUARD_REJECT);
	}
	if (cl > cfg->max_body_bytes) {
		*reject_status = 413;
		return (GUARD_REJECT);
	}
	/* evhttp would parse such a body as the next request. */
	if (cl > 0 && !guard_method_has_body(method, mlen))
		goto bad;
	*header_len = end;
	*body_len = cl;
	return (GUARD_OK);

bad:
	*reject_status = 400;
	return (GUARD_REJECT);
}

static void
guard_timer_arm(struct guard_conn *c)
{
	struct timeval tv;

	tv.tv_sec = c->g->cfg.header_timeout_ms / 1000;
	tv.tv_usec = (c->g->cfg.header_timeout_ms % 1000) * 1000;
	evtimer_add(c->timer, &tv);
}

/* Switches to REJECTED and queues the synthetic request for evhttp. */
static void
guard_reject(struct guard_conn *c, struct evbuffer *src, struct evbuffer *dst,
             int status)
{
	c->state = GUARD_ST_REJECTED;
	evtimer_del(c->timer);
	evbuffer_drain(src, evbuffer_get_length(src));
	c->g->rejected++;
	log_debug("guard: rejecting request with %d", status);
	if (evbuffer_add_printf(dst,
	                        "GET %s/%d HTTP/1.1\r\nHost: "
	                        "guard\r\nConnection: close\r\n\r\n",
	                        c->g->cfg.reject_prefix, status) < 0)
		log_error("guard: cannot queue the %d reply", status);
}

/* Moves what the SSL object wrote (records, alerts) into c->cipher. */
static int
guard_tls_collect(struct guard_conn *c)
{
	BIO *wbio = SSL_get_wbio(c->ssl);
	char buf[16384];
	int n;

	while ((n = BIO_read(wbio, buf, sizeof(buf))) > 0)
		if (evbuffer_add(c->cipher, buf, (size_t)n) == -1)
			return (-1);
	return (0);
}

/*
 * Writes c->cipher to the socket.  0: all of it is in the kernel; 1: the
 * rest waits for EV_WRITE (armed); -1: the peer is gone or out of memory.
 */
static int
guard_tls_flush(struct guard_conn *c)
{
	evutil_socket_t fd;
	int n;

	if ((fd = bufferevent_getfd(c->bev)) < 0)
		return (-1);
	while (evbuffer_get_length(c->cipher) > 0) {
		if ((n = evbuffer_write(c->cipher, fd)) > 0)
			continue;
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return (guard_want_write(c) == -1 ? -1 : 1);
		return (-1);
	}
	return (0);
}

static void
guard_tls_fail(struct guard_conn *c, const char *what)
{
	unsigned long e = ERR_peek_last_error();

	log_debug("guard: TLS %s failed: %s", what,
	          e ? ERR_reason_error_string(e) : "connection error");
	ERR_clear_error();
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR | BEV_EVENT_READING,
	                          BEV_TRIG_DEFER_CALLBACKS);
}

/*
 * Feeds the ciphertext in src to the SSL object and appends the plaintext
 * to c->plain; sends whatever the handshake has to say.  -1 when the
 * connection is finished (a failed handshake: its alert has been sent as
 * far as the kernel would take it).
 */
static int
guard_tls_read(struct guard_conn *c, struct evbuffer *src)
{
	BIO *rbio = SSL_get_rbio(c->ssl);
	unsigned char buf[16384];
	size_t chunk;
	int n, e;

	while ((chunk = evbuffer_get_contiguous_space(src)) > 0) {
		if (chunk > INT_MAX)
			chunk = INT_MAX;
		n = BIO_write(rbio, evbuffer_pullup(src, (ev_ssize_t)chunk),
		              (int)chunk);
		if (n <= 0)
			return (-1);
		evbuffer_drain(src, (size_t)n);
	}
	for (;;) {
		if ((n = SSL_read(c->ssl, buf, sizeof(buf))) > 0) {
			if (evbuffer_add(c->plain, buf, (size_t)n) == -1)
				return (-1);
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		/* A close_notify needs no answer: the FIN that follows it
		 * reaches evhttp through the socket bufferevent. */
		if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_ZERO_RETURN)
			break;
		if (guard_tls_collect(c) == 0)
			(void)guard_tls_flush(c);
		guard_tls_fail(c, c->handshake_done ? "read" : "handshake");
		return (-1);
	}
	if (!c->handshake_done && SSL_is_init_finished(c->ssl)) {
		/* From here on the timer is the header deadline again,
		 * started by the first byte of a request. */
		c->handshake_done = 1;
		evtimer_del(c->timer);
	}
	if (guard_tls_collect(c) == -1)
		return (-1);
	/* Handshake records go out now; a reply in progress sends them
	 * with its own bytes (guard_filter_out). */
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0 &&
	    guard_tls_flush(c) == -1) {
		guard_tls_fail(c, "write");
		return (-1);
	}
	return (0);
}

/*
 * The input filter.  Moves every complete header block and the body bytes
 * available, so that nothing complete is left behind in the source when
 * evhttp disables reading (bufferevent_filter does not re-run the filter
 * on data already buffered when reading is enabled again).  Returns BEV_OK
 * only when something moved: the filter loop calls again while it gets
 * BEV_OK and the source is not empty.
 */
static enum bufferevent_filter_result
guard_filter_in(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
                enum bufferevent_flush_mode mode, void *arg)
{
	struct guard_conn *c = arg;
	const struct guard_config *cfg = &c->g->cfg;
	enum guard_verdict verdict;
	size_t len, scan, n, hlen, blen;
	unsigned char *p;
	int moved = 0, status;

	/* No read watermark is set on evhttp's side, so lim is -1; the body
	 * slices below would ignore it anyway, as evhttp wants the bytes. */
	(void)lim;
	(void)mode;

	if (c->ssl != NULL) {
		if (guard_tls_read(c, src) == -1)
			return (BEV_ERROR);
		src = c->plain;
	}
	for (;;) {
		len = evbuffer_get_length(src);
		if (c->state == GUARD_ST_REJECTED) {
			evbuffer_drain(src, len);
			break;
		}
		if (len == 0)
			break;
		if (c->state == GUARD_ST_BODY) {
			n = c->body_left < len ? c->body_left : len;
			if (n > GUARD_MOVE_SLICE)
				n = GUARD_MOVE_SLICE;
			if (evbuffer_remove_buffer(src, dst, n) != (int)n)
				return (BEV_ERROR);
			moved = 1;
			if ((c->body_left -= n) == 0) {
				c->state = GUARD_ST_HEADER;
				c->searched = 0;
				c->empty_lines = 0;
			}
			continue;
		}

		if ((p = evbuffer_pullup(src, len < 2 ? (ev_ssize_t)len : 2)) ==
		    NULL)
			return (BEV_ERROR);
		if (p[0] == '\n' ||
		    (p[0] == '\r' && len >= 2 && p[1] == '\n')) {
			if (++c->empty_lines > GUARD_MAX_EMPTY_LINES) {
				guard_reject(c, src, dst, 400);
				moved = 1;
				continue;
			}
			evbuffer_drain(src, p[0] == '\n' ? 1 : 2);
			continue;
		}
		if (!evtimer_pending(c->timer, NULL))
			guard_timer_arm(c);

		scan = len;
		if (scan > cfg->max_header_bytes + 1)
			scan = cfg->max_header_bytes + 1;
		if ((p = evbuffer_pullup(src, (ev_ssize_t)scan)) == NULL)
			return (BEV_ERROR);
		if (guard_find_end((const char *)p, scan,
		                   c->searched >= 2 ? c->searched - 2 : 0) ==
		    0) {
			c->searched = scan;
			if (len < cfg->max_header_bytes)
				break;
		}
		verdict = guard_scan_headers((const char *)p, scan, cfg, &hlen,
		                             &blen, &status);
		if (verdict == GUARD_MORE)
			break;
		if (verdict == GUARD_REJECT) {
			guard_reject(c, src, dst, status);
			moved = 1;
			continue;
		}
		if (evbuffer_remove_buffer(src, dst, hlen) != (int)hlen)
			return (BEV_ERROR);
		moved = 1;
		evtimer_del(c->timer);
		c->searched = 0;
		c->empty_lines = 0;
		if (blen > 0) {
			c->state = GUARD_ST_BODY;
			c->body_left = blen;
		}
	}
	return (moved ? BEV_OK : BEV_NEED_MORE);
}

/* True once evhttp has called bufferevent_free() on the filter. */
static int
guard_conn_freed(const struct guard_conn *c)
{
	bufferevent_event_cb errorcb;

	bufferevent_getcb(c->bev, NULL, NULL, &errorcb, NULL);
	return (errorcb == NULL);
}

/* Runs the output filter when the socket is next writable. */
static int
guard_want_write(struct guard_conn *c)
{
	evutil_socket_t fd;

	if (c->wev == NULL) {
		if ((fd = bufferevent_getfd(c->bev)) < 0)
			return (-1);
		c->wev = event_new(c->g->base, fd, EV_WRITE, guard_wev_cb, c);
		if (c->wev == NULL)
			return (-1);
	}
	return (event_add(c->wev, NULL));
}

/*
 * evhttp queues a reply while EV_WRITE is disabled and only then enables
 * it, and the filter bufferevent's enable does not run the output filter:
 * so every addition schedules a run for the next loop iteration.
 */
static void
guard_outbuf_cb(struct evbuffer *buf, const struct evbuffer_cb_info *info,
                void *arg)
{
	struct guard_conn *c = arg;

	(void)buf;
	if (info->n_added > 0 && c->bev != NULL &&
	    (c->wev == NULL || !event_pending(c->wev, EV_WRITE, NULL)) &&
	    guard_want_write(c) == -1)
		log_warn("guard: cannot watch a socket for writing");
}

/*
 * The output filter: to the kernel directly (see the top).  Returns BEV_OK
 * when something was written, which makes the filter call evhttp's write
 * callback once the source is empty.
 */
static enum bufferevent_filter_result
guard_filter_out(struct evbuffer *src, struct evbuffer *dst, ev_ssize_t lim,
                 enum bufferevent_flush_mode mode, void *arg)
{
	struct guard_conn *c = arg;
	evutil_socket_t fd;
	int n, wrote = 0;

	/* dst, the socket bufferevent's output, is never used: its write
	 * side is disabled (see the top). */
	(void)dst;
	(void)lim;
	(void)mode;
	if (c->ssl != NULL)
		return (guard_filter_out_tls(c, src));
	if ((fd = bufferevent_getfd(c->bev)) < 0)
		return (BEV_NEED_MORE);
	while (evbuffer_get_length(src) > 0) {
		if ((n = evbuffer_write(src, fd)) > 0) {
			wrote = 1;
			continue;
		}
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
		                errno == EINTR)) {
			if (errno == EINTR)
				continue;
			if (guard_want_write(c) == -1)
				return (BEV_ERROR);
			break;
		}
		/* Peer gone: tell evhttp, from the loop. */
		evbuffer_drain(src, evbuffer_get_length(src));
		bufferevent_trigger_event(c->bev,
		                          BEV_EVENT_ERROR | BEV_EVENT_WRITING,
		                          BEV_TRIG_DEFER_CALLBACKS);
		return (BEV_ERROR);
	}
	return (wrote ? BEV_OK : BEV_NEED_MORE);
}

/*
 * The output filter with TLS (see the top): the first enc_pending bytes of
 * src are already encrypted into c->cipher; they leave src only when
 * c->cipher is empty, i.e. in the kernel.
 */
static enum bufferevent_filter_result
guard_filter_out_tls(struct guard_conn *c, struct evbuffer *src)
{
	struct evbuffer_iovec v[8];
	int i, n, r, wrote = 0;

	for (;;) {
		if ((r = guard_tls_flush(c)) == 1)
			break;
		if (r == -1)
			goto gone;
		if (c->enc_pending > 0) {
			evbuffer_drain(src, c->enc_pending);
			c->enc_pending = 0;
			wrote = 1;
		}
		if (evbuffer_get_length(src) == 0 || !c->handshake_done)
			break;
		n = evbuffer_peek(src, -1, NULL, v, 8);
		if (n > 8)
			n = 8;
		for (i = 0; i < n; i++) {
			if (v[i].iov_len > INT_MAX ||
			    SSL_write(c->ssl, v[i].iov_base,
			              (int)v[i].iov_len) != (int)v[i].iov_len)
				goto gone;
			c->enc_pending += v[i].iov_len;
		}
		if (guard_tls_collect(c) == -1)
			goto gone;
	}
	return (wrote ? BEV_OK : BEV_NEED_MORE);
gone:
	ERR_clear_error();
	c->enc_pending = 0;
	evbuffer_drain(src, evbuffer_get_length(src));
	bufferevent_trigger_event(c->bev, BEV_EVENT_ERROR | BEV_EVENT_WRITING,
	                          BEV_TRIG_DEFER_CALLBACKS);
	return (BEV_ERROR);
}

static void
guard_wev_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard_conn *c = arg;

	(void)fd;
	(void)what;
	if (guard_conn_freed(c))
		return;
	if (evbuffer_get_length(bufferevent_get_output(c->bev)) == 0) {
		/* Handshake records with no reply to carry them. */
		if (c->ssl != NULL && guard_tls_flush(c) == -1)
			guard_tls_fail(c, "write");
		return;
	}
	/* Runs guard_filter_out, then evhttp's write callback if done. */
	bufferevent_flush(c->bev, EV_WRITE, BEV_NORMAL);
}

static void
guard_linger_end(struct guard_linger *l)
{
	if ((*l->prevp = l->next) != NULL)
		l->next->prevp = l->prevp;
	event_free(l->ev);
	close(l->fd);
	guard_unref(l->g);
	free(l);
}

static void
guard_linger_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard_linger *l = arg;
	char buf[16384];
	ssize_t n;

	if (what & EV_TIMEOUT) {
		guard_linger_end(l);
		return;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		if ((l->discarded += (size_t)n) > GUARD_LINGER_BYTES) {
			guard_linger_end(l);
			return;
		}
	}
	if (n == 0 ||
	    (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
		guard_linger_end(l);
}

/* Keeps a rejected connection's socket open a little (see the top). */
static void
guard_linger_start(struct guard *g, evutil_socket_t fd)
{
	struct guard_linger *l;
	struct timeval tv = {GUARD_LINGER_MS / 1000,
	                     (GUARD_LINGER_MS % 1000) * 1000};

	if (g->closing || fd < 0 || (l = calloc(1, sizeof(*l))) == NULL)
		return;
	if ((l->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) == -1) {
		free(l);
		return;
	}
	l->ev =
	    event_new(g->base, l->fd, EV_READ | EV_PERSIST, guard_linger_cb, l);
	if (l->ev == NULL || event_add(l->ev, &tv) == -1) {
		if (l->ev != NULL)
			event_free(l->ev);
		close(l->fd);
		free(l);
		return;
	}
	l->g = g;
	g->refs++;
	if ((l->next = g->lingers) != NULL)
		l->next->prevp = &l->next;
	g->lingers = l;
	l->prevp = &g->lingers;
}

static void
guard_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct guard_conn *c = arg;
	struct bufferevent *under;
	struct evbuffer *in;

	(void)fd;
	(void)what;
	if (c->state != GUARD_ST_HEADER || guard_conn_freed(c))
		return;
	if (c->ssl != NULL && !c->handshake_done) {
		log_info("guard: TLS handshake deadline passed (%d ms)",
		         c->g->cfg.header_timeout_ms);
		bufferevent_trigger_event(c->bev,
		                          BEV_EVENT_ERROR | BEV_EVENT_READING,
		                          BEV_TRIG_DEFER_CALLBACKS);
		return;
	}
	in = bufferevent_get_input(c->bev);
	if (!(bufferevent_get_enabled(c->bev) & EV_READ) ||
	    evbuffer_get_length(in) > 0) {
		/* evhttp is still on an earlier request: see the top. */
		guard_timer_arm(c);
		return;
	}
	under = bufferevent_get_underlying(c->bev);
	log_info("guard: header deadline passed (%d ms)",
	         c->g->cfg.header_timeout_ms);
	guard_reject(c,
	             c->ssl != NULL ? c->plain : bufferevent_get_input(under),
	             in, 408);
	/* Deferred, so evhttp runs from the loop and not under this timer. */
	bufferevent_trigger(c->bev, EV_READ, BEV_TRIG_DEFER_CALLBACKS);
}

static void
guard_conn_tls_free(struct guard_conn *c)
{
	SSL_free(c->ssl); /* and its two BIOs */
	if (c->plain != NULL)
		evbuffer_free(c->plain);
	if (c->cipher != NULL)
		evbuffer_free(c->cipher);
}

/* Gives c an SSL object in accept state over two memory BIOs. */
static int
guard_conn_tls_new(struct guard_conn *c, SSL_CTX *ctx)
{
	BIO *rbio = NULL, *wbio = NULL;

	if ((c->plain = evbuffer_new()) == NULL ||
	    (c->cipher = evbuffer_new()) == NULL ||
	    (c->ssl = SSL_new(ctx)) == NULL ||
	    (rbio = BIO_new(BIO_s_mem())) == NULL ||
	    (wbio = BIO_new(BIO_s_mem())) == NULL) {
		BIO_free(rbio);
		ERR_clear_error();
		return (-1);
	}
	/* An empty read BIO means "wait for more", not end of file. */
	BIO_set_mem_eof_return(rbio, -1);
	SSL_set_bio(c->ssl, rbio, wbio);
	SSL_set_accept_state(c->ssl);
	return (0);
}

/* free_context of the filter: runs when the filter is finalized. */
static void
guard_conn_free(void *arg)
{
	struct guard_conn *c = arg;

	/* The socket bufferevent, and so the fd, outlives this call. */
	if (c->state == GUARD_ST_REJECTED && c->bev != NULL)
		guard_linger_start(c->g, bufferevent_getfd(c->bev));
	if (c->timer != NULL)
		event_free(c->timer);
	if (c->wev != NULL)
		event_free(c->wev);
	guard_conn_tls_free(c);
	c->g->nconns--;
	guard_unref(c->g);
	free(c);
}

/* Wraps underlying, taking ownership of it even on failure. */
static struct bufferevent *
guard_wrap(struct guard *g, struct bufferevent *underlying)
{
	struct guard_conn *c;
	struct bufferevent *bev;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	if ((c->timer = evtimer_new(g->base, guard_timer_cb, c)) == NULL)
		goto fail;
	c->g = g;
	c->state = GUARD_ST_HEADER;
	if (g->cfg.tls != NULL && guard_conn_tls_new(c, g->cfg.tls) == -1)
		goto fail;
	bev = bufferevent_filter_new(underlying, guard_filter_in,
	                             guard_filter_out, BEV_OPT_CLOSE_ON_FREE,
	                             guard_conn_free, c);
	if (bev == NULL)
		goto fail;
	/* From here on the filter owns c and underlying (guard_conn_free
	 * undoes the counts); the callback entry goes with the buffer. */
	c->bev = bev;
	g->refs++;
	g->nconns++;
	/* We write to the socket ourselves; see the top for why its write
	 * callback must never run. */
	if (bufferevent_disable(underlying, EV_WRITE) == -1) {
		log_warn("guard: cannot wrap a connection");
		bufferevent_free(bev);
		return (NULL);
	}
	if (evbuffer_add_cb(bufferevent_get_output(bev), guard_outbuf_cb, c) ==
	    NULL) {
		log_warn("guard: cannot wrap a connection (out of memory)");
		bufferevent_free(bev);
		return (NULL);
	}
	/* The handshake deadline (see the top). */
	if (c->ssl != NULL)
		guard_timer_arm(c);
	return (bev);

fail:
	log_warn("guard: cannot wrap a connection (out of memory)");
	if (c != NULL && c->timer != NULL)
		event_free(c->timer);
	if (c != NULL)
		guard_conn_tls_free(c);
	free(c);
	bufferevent_free(underlying);
	return (NULL);
}

struct bufferevent *
guard_bevcb(struct event_base *base, void *arg)
{
	struct guard *g = arg;
	struct bufferevent *under;

	/* evhttp sets the fd later through the filter (BEV_CTRL_SET_FD). */
	if ((under = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE)) ==
	    NULL) {
		log_warn("guard: cannot make a bufferevent (out of memory)");
		return (NULL);
	}
	return (guard_wrap(g, under));
}
