/*
 * Per-connection request limits in front of evhttp.
 *
 * evhttp 2.1.12 answers an oversize header block with a bare HTML 400, an
 * oversize body with an HTML 413, and has no deadline for receiving the
 * header block, so a client trickling bytes holds a connection forever.
 * The guard wraps every accepted connection in a bufferevent filter that
 * frames requests itself (header block, then exactly Content-Length body
 * bytes) before evhttp sees them.  A request that breaks a limit is never
 * shown to evhttp: the connection's input is discarded and evhttp is handed
 * one synthetic request instead,
 *
 *	GET <reject_prefix>/<status> HTTP/1.1
 *	Host: guard
 *	Connection: close
 *
 * so the normal request handler answers it (JSON error, security headers,
 * access log) and evhttp closes the connection afterwards.  Statuses:
 * 400 (malformed framing), 408 (header block not complete within
 * header_timeout_ms of its first byte), 411 (any Transfer-Encoding: chunked
 * request bodies are refused), 413 (Content-Length over max_body_bytes),
 * 414 (request line alone over max_header_bytes), 431 (header block over
 * max_header_bytes).
 *
 * Single-threaded: a guard and its connections belong to one event loop.
 */
#ifndef LIFTED_GUARD_H
#define LIFTED_GUARD_H

#include <stddef.h>

struct event_base;
struct bufferevent;
typedef struct ssl_ctx_st SSL_CTX;

struct guard_config {
	size_t max_header_bytes;   /* request line + headers, with line ends */
	size_t max_body_bytes;     /* largest Content-Length accepted */
	int header_timeout_ms;     /* from first byte to end of header block */
	const char *reject_prefix; /* e.g. "/.lifted-reject-<hex>"; borrowed,
	                              must outlive the guard */
	SSL_CTX *tls;              /* NULL: plain HTTP; else TLS on every
	                              connection (borrowed, must outlive the
	                              guard); the handshake must finish
	                              within header_timeout_ms */
};

struct guard;

/*
 * Makes a guard for connections on base.  cfg is copied (reject_prefix is
 * borrowed).  Returns NULL on allocation failure or a config with a zero
 * limit or no reject_prefix.  The caller frees it with guard_free; freeing
 * it before the evhttp is allowed (connections keep it alive until they
 * close), but the usual order is evhttp_free, guard_free, event_base_free.
 */
struct guard *guard_new(struct event_base *base,
                        const struct guard_config *cfg);

/* Drops the caller's reference; NULL is ignored. */
void guard_free(struct guard *g);

/*
 * For evhttp_set_bevcb(http, guard_bevcb, guard).  Returns a filter
 * bufferevent over a fd-less socket bufferevent (both BEV_OPT_CLOSE_ON_FREE);
 * evhttp then sets the fd, enables it and owns it.  With cfg.tls the filter
 * also runs the TLS record layer (see guard.c).  Returns NULL on allocation
 * failure (logged), in which case evhttp falls back to an unguarded socket
 * bufferevent: its own backstop limits still apply, and on a TLS port it
 * can only answer the client's handshake bytes with a 400.
 */
struct bufferevent *guard_bevcb(struct event_base *base, void *guard);

/* Connections currently open through this guard. */
size_t guard_open_connections(const struct guard *g);

/* Requests rejected so far, by any status. */
unsigned long guard_rejected_total(const struct guard *g);

enum guard_verdict {
	GUARD_MORE,   /* header block not complete yet, and under the limit */
	GUARD_OK,     /* *header_len and *body_len are set */
	GUARD_REJECT, /* *reject_status is set */
};

/*
 * Pure framing of one request at the start of buf (no leading empty lines:
 * the filter drops those first, as RFC 9112 2.2 allows).  The header block
 * ends at the first empty line, with evhttp's line rule (LF, optionally
 * preceded by CR).  On GUARD_OK, *header_len is the length of the block
 * including the empty line and *body_len the Content-Length (0 if absent).
 * Rejects: 414 request line alone over the limit (no line end within it);
 * 431 header block over the limit; 400 NUL byte, obsolete line
 * folding, a header without ':' or with white space in its name, a
 * malformed Content-Length or two that differ, or a body on a method evhttp
 * reads no body for (HEAD, TRACE, unknown); 411 any Transfer-Encoding;
 * 413 Content-Length over max_body_bytes.  Pointers must not be NULL.
 */
enum guard_verdict guard_scan_headers(const char *buf, size_t len,
                                      const struct guard_config *cfg,
                                      size_t *header_len, size_t *body_len,
                                      int *reject_status);

#endif
