/*
 * Static files for the single-page apps, as a pure lookup: given a
 * request path and the relevant request headers, decide the status and
 * open the file; the http layer sends it (evbuffer_add_file) with the
 * headers named here.
 *
 * The rules, all of which exist to keep requests inside the root:
 * the path is percent-decoded exactly once; a decoded NUL, backslash, "."
 * or ".." segment, or a '%' that would decode (a second time) to '.', '/',
 * '\\' or NUL, is a 400; files are opened relative to the root's directory
 * fd with openat2(RESOLVE_BENEATH) when the kernel has it, else by walking
 * components with O_NOFOLLOW; the final component is never followed if it
 * is a symbolic link; only regular files are served; names starting with
 * '.' are never served (404).
 */
#ifndef LIFTED_STATIC_H
#define LIFTED_STATIC_H

#include <sys/types.h>

struct static_root;

/*
 * Opens dir once.  Returns NULL (errno set) if it is missing or not a
 * directory.  The caller frees it with static_root_free; to pick up a new
 * build (SIGHUP) make a new root and free the old one.
 */
struct static_root *static_root_open(const char *dir);

/* Closes the directory; NULL is ignored.  Files already handed out in
 * static_response.fd stay open (they belong to the caller). */
void static_root_free(struct static_root *r);

struct static_response {
	int status; /* 200, 304, 404 or 400 */
	int fd;     /* 200 only: open, read-only; the caller closes it or
	               hands it to evbuffer_add_file.  -1 otherwise */
	off_t size; /* 200: bytes to send (of the encoded variant) */
	const char *content_type;     /* static string; NULL for 400/404 */
	const char *content_encoding; /* NULL, "gzip" or "br" (static) */
	int vary_accept_encoding;  /* 200/304: send "Vary: Accept-Encoding" */
	char etag[80];             /* 200/304: strong, quoted; else "" */
	const char *cache_control; /* static string; NULL for 400/404 */
};

/*
 * Looks up raw_path (as on the request line: still percent-encoded,
 * starting with '/', query removed) under r.  accept_encoding and
 * if_none_match are the request's header values or NULL.  With
 * spa_fallback, a missing path whose last segment has no '.' (a
 * client-side route of the app) gets the index.html of the directory
 * named by its first segment when the path has more than one segment and
 * that file exists ("/cms/users": cms/index.html), else the root's
 * index.html.  "/" and any path ending in '/' mean that directory's
 * index.html.
 *
 * Returns 0 with *out filled (including 404 and 400), or -1 on a server
 * side failure such as running out of file descriptors (errno set; answer
 * 500).  On 0 with status 200 the caller owns out->fd.
 */
int static_lookup(const struct static_root *r, const char *raw_path,
                  const char *accept_encoding, const char *if_none_match,
                  int spa_fallback, struct static_response *out);

/*
 * Testing only: 1 makes lookups skip openat2 and use the component walk,
 * so both paths can be tested on a kernel that has openat2.
 */
void static_set_walk_only(int on);

#endif
