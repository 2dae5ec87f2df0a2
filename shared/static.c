/*
 * Static file lookup for the single-page apps (see static.h).
 *
 * Confinement does not rely on string checks alone: after decoding and
 * segment checks, the file is opened relative to the root directory fd
 * with openat2(RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS) and O_NOFOLLOW, so
 * even a symbolic link planted inside the root cannot lead out of it.
 * Kernels without openat2 (or a seccomp filter refusing it) get a walk,
 * one openat(O_NOFOLLOW) per component, which refuses every link.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include "hex.h"
#include "static.h"

struct static_root {
	int dirfd;
};

static int static_walk_only;

#define STATIC_INDEX            "index.html"
#define STATIC_CACHE_ASSETS     "public, max-age=31536000, immutable"
#define STATIC_CACHE_REVALIDATE "no-cache"

struct static_type {
	const char *ext;
	const char *type;
	int compressible; /* precompressed variants may exist */
};

static const struct static_type static_types[] = {
    {"html", "text/html; charset=utf-8", 1},
    {"js", "text/javascript; charset=utf-8", 1},
    {"mjs", "text/javascript; charset=utf-8", 1},
    {"css", "text/css; charset=utf-8", 1},
    {"json", "application/json", 1},
    {"map", "application/json", 1},
    {"svg", "image/svg+xml", 1},
    {"txt", "text/plain; charset=utf-8", 1},
    {"png", "image/png", 0},
    {"jpg", "image/jpeg", 0},
    {"jpeg", "image/jpeg", 0},
    {"webp", "image/webp", 0},
    {"ico", "image/x-icon", 0},
    {"woff2", "font/woff2", 0},
};

static const struct static_type static_default_type = {
    "", "application/octet-stream", 0};

void
static_set_walk_only(int on)
{
	static_walk_only = on;
}

struct static_root *
static_root_open(const char *dir)
{
	struct static_root *r;
	int fd;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (NULL);
	if ((r = malloc(sizeof(*r))) == NULL) {
		close(fd);
		return (NULL);
	}
	r->dirfd = fd;
	return (r);
}

void
static_root_free(struct static_root *r)
{
	if (r == NULL)
		return;
	close(r->dirfd);
	free(r);
}

/*
 * Decodes src once into dst (size dstsz) without the leading '/'.
 * Returns 0, or -1 for anything that is a 400.
 */
static int
static_decode(const char *src, char *dst, size_t dstsz)
{
	size_t n = 0;
	int hi, lo, c;

	if (*src++ != '/')
		return (-1);
	for (; *src != '\0'; src++) {
		c = (unsigned char)*src;
		if (c == '%') {
			if ((hi = hex_digit(src[1])) == -1 ||
			    (lo = hex_digit(src[2])) == -1)
				return (-1);
			c = hi * 16 + lo;
			src += 2;
		}
		if (c == '\0' || c == '\\')
			return (-1);
		if (n + 1 >= dstsz)
			return (-1);
		dst[n++] = (char)c;
	}
	dst[n] = '\0';

	/* A second decoding somewhere else must not be able to produce
	 * traversal either: refuse what would. */
	for (const char *p = dst; (p = strchr(p, '%')) != NULL; p++) {
		if ((hi = hex_digit(p[1])) == -1 ||
		    (lo = hex_digit(p[2])) == -1)
			continue;
		c = hi * 16 + lo;
		if (c == '.' || c == '/' || c == '\\' || c == '\0')
			return (-1);
	}
	return (0);
}

/*
 * Collapses repeated '/' and checks segments in place.  Returns 0, 1 for
 * a hidden name (404), or -1 for "." / ".." (400).  An empty path or one
 * ending in '/' gets "index.html" appended.
 */
static int
static_clean(char *path, size_t size)
{
	char *r, *w;
	size_t len;
	int hidden = 0;

	for (r = w = path; *r != '\0'; r++) {
		if (*r == '/' && (w == path || w[-1] == '/'))
			continue;
		*w++ = *r;
	}
	*w = '\0';

	for (r = path; *r != '\0';) {
		len = strcspn(r, "/");
		if ((len == 1 && r[0] == '.') ||
		    (len == 2 && r[0] == '.' && r[1] == '.'))
			return (-1);
		if (r[0] == '.')
			hidden = 1;
		r += len;
		if (*r == '/')
			r++;
	}

	len = strlen(path);
	if (len == 0 || path[len - 1] == '/') {
		if (len + sizeof(STATIC_INDEX) > size)
			return (-1);
		memcpy(path + len, STATIC_INDEX, sizeof(STATIC_INDEX));
	}
	return (hidden);
}

/* Walks path one component at a time, refusing every symbolic link. */
static int
static_open_walk(int dirfd, const char *path)
{
	char comp[NAME_MAX + 1];
	const char *p = path;
	size_t len;
	int fd = dirfd, nfd;

	for (;;) {
		len = strcspn(p, "/");
		if (len > NAME_MAX) {
			nfd = -1;
			errno = ENAMETOOLONG;
			break;
		}
		memcpy(comp, p, len);
		comp[len] = '\0';
		if (p[len] == '\0') {
			nfd = openat(fd, comp,
			             O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
			                 O_NONBLOCK | O_NOCTTY);
			break;
		}
		nfd = openat(fd, comp,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd != dirfd)
			close(fd);
		if (nfd == -1)
			return (-1);
		fd = nfd;
		p += len + 1;
	}
	if (fd != dirfd) {
		int saved = errno;

		close(fd);
		errno = saved;
	}
	return (nfd);
}

/* Opens path beneath dirfd; -1 with errno as openat would set it. */
static int
static_open_beneath(int dirfd, const char *path)
{
	struct open_how how;
	int fd;

	if (!static_walk_only) {
		memset(&how, 0, sizeof(how));
		/* O_NONBLOCK: opening a FIFO must not hang the loop. */
		how.flags =
		    O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
		how.resolve = RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS;
		fd = (int)syscall(SYS_openat2, dirfd, path, &how, sizeof(how));
		if (fd != -1 || (errno != ENOSYS && errno != EPERM))
			return (fd);
	}
	return (static_open_walk(dirfd, path));
}

/*
 * Opens a regular file beneath the root.  Returns the fd, -2 for "not
 * there" (missing, not a regular file, a link, outside the root), or -1
 * for a server-side failure.
 */
static int
static_open_regular(int dirfd, const char *path, struct stat *st)
{
	int fd;

	if ((fd = static_open_beneath(dirfd, path)) == -1) {
		if (errno == EMFILE || errno == ENFILE || errno == ENOMEM ||
		    errno == EIO)
			return (-1);
		return (-2);
	}
	if (fstat(fd, st) == -1 || !S_ISREG(st->st_mode)) {
		close(fd);
		return (-2);
	}
	/* Reads go through sendfile/read, which O_NONBLOCK does not affect
	 * on regular files, but clear it for whoever reads it next. */
	(void)fcntl(fd, F_SETFL, 0);
	return (fd);
}

static const struct static_type *
static_type_of(const char *path)
{
	const char *slash, *dot;
	size_t i;

	slash = strrchr(path, '/');
	dot = strrchr(slash != NULL ? slash : path, '.');
	if (dot == NULL)
		return (&static_default_type);
	for (i = 0; i < sizeof(static_types) / sizeof(static_types[0]); i++) {
		if (strcasecmp(dot + 1, static_types[i].ext) == 0)
			return (&static_types[i]);
	}
	return (&static_default_type);
}

/* Last segment has no extension: a client-side route of the app. */
static int
static_is_route(const char *path)
{
	const char *slash = strrchr(path, '/');

	return (strchr(slash != NULL ? slash + 1 : path, '.') == NULL);
}

/*
 * Parses a q-value (RFC 9110 12.4.2): "0" ["." 0-3 digits] or "1" ["."
 * 0-3 zeros], as thousandths.  Anything else is -1.
 */
static int
static_parse_q(const char *s, size_t len)
{
	int q, i, scale = 100;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return (-1);
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return (q);
	if (s[1] != '.' || len > 5)
		return (-1);
	for (i = 2; (size_t)i < len; i++, scale /= 10) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		q += (s[i] - '0') * scale;
	}
	return (q > 1000 ? -1 : q);
}

/*
 * Weights (0-1000) the client gives br and gzip in Accept-Encoding.  A
 * coding not listed gets the weight of "*", else 0; a bad q-value counts
 * as 0 so a garbled header gets the plain file.
 */
static void
static_accept(const char *ae, int *q_br, int *q_gz)
{
	const char *p = ae, *e, *param;
	size_t len, tlen;
	int q, star = -1, br = -1, gz = -1;

	while (p != NULL && *p != '\0') {
		len = strcspn(p, ",");
		e = p + len;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		tlen = strcspn(p, ";, \t");
		if (tlen > (size_t)(e - p))
			tlen = (size_t)(e - p);
		q = 1000;
		if ((param = memchr(p, ';', (size_t)(e - p))) != NULL) {
			param++;
			while (param < e && (*param == ' ' || *param == '\t'))
				param++;
			if (e - param >= 2 &&
			    (param[0] == 'q' || param[0] == 'Q') &&
			    param[1] == '=') {
				const char *v = param + 2, *ve = e;

				while (ve > v &&
				       (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				if ((q = static_parse_q(v, (size_t)(ve - v))) ==
				    -1)
					q = 0;
			}
		}
		if (tlen == 2 && strncasecmp(p, "br", 2) == 0)
			br = q;
		else if ((tlen == 4 && strncasecmp(p, "gzip", 4) == 0) ||
		         (tlen == 6 && strncasecmp(p, "x-gzip", 6) == 0))
			gz = q;
		else if (tlen == 1 && *p == '*')
			star = q;
		p = *e == ',' ? e + 1 : e;
	}
	if (star < 0)
		star = 0;
	*q_br = br >= 0 ? br : star;
	*q_gz = gz >= 0 ? gz : star;
}

/* If-None-Match with weak comparison (RFC 9110 13.1.2). */
static int
static_etag_matches(const char *inm, const char *etag)
{
	const char *p = inm, *e;
	size_t len, elen = strlen(etag);

	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		if (*p == '*')
			return (1);
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p != '"')
			return (0); /* malformed: no match, send the file */
		if ((e = strchr(p + 1, '"')) == NULL)
			return (0);
		len = (size_t)(e + 1 - p);
		if (len == elen && memcmp(p, etag, len) == 0)
			return (1);
		p = e + 1;
	}
	return (0);
}

static void
static_etag(const struct stat *st, char *buf, size_t size)
{
	uint64_t ns = (uint64_t)st->st_mtim.tv_sec * 1000000000u +
	              (uint64_t)st->st_mtim.tv_nsec;

	snprintf(buf, size, "\"%jx-%jx-%jx\"", (uintmax_t)st->st_size,
	         (uintmax_t)ns, (uintmax_t)st->st_ino);
}

/*
 * Opens path or, when acceptable and present, its .br / .gz sibling.
 * Returns as static_open_regular; *encoding says which was opened.
 */
static int
static_open_variant(int dirfd, const char *path, const char *accept_encoding,
                    struct stat *st, const char **encoding)
{
	static const struct {
		const char *suffix;
		const char *coding;
	} variants[] = {{".br", "br"}, {".gz", "gzip"}};
	char vpath[PATH_MAX];
	int q[2], order[2] = {0, 1}, i, fd;

	*encoding = NULL;
	if (accept_encoding != NULL && static_type_of(path)->compressible) {
		static_accept(accept_encoding, &q[0], &q[1]);
		if (q[1] > q[0]) {
			order[0] = 1;
			order[1] = 0;
		}
		for (i = 0; i < 2; i++) {
			int v = order[i];

			if (q[v] <= 0)
				continue;
			if ((size_t)snprintf(vpath, sizeof(vpath), "%s%s", path,
			                     variants[v].suffix) >=
			    sizeof(vpath))
				continue;
			fd = static_open_regular(dirfd, vpath, st);
			if (fd == -1)
				return (-1);
			if (fd >= 0) {
				*encoding = variants[v].coding;
				return (fd);
			}
		}
	}
	return (static_open_regular(dirfd, path, st));
}

/*
 * The page for a client-side route: the index.html of the directory
 * named by the route's first segment when there is one ("cms/users" gets
 * "cms/index.html", the CMS's own app), else the root's.  Rewrites path
 * to the file opened; returns as static_open_variant.
 */
static int
static_open_fallback(int dirfd, char *path, size_t size,
                     const char *accept_encoding, struct stat *st,
                     const char **encoding)
{
	size_t len = strcspn(path, "/");
	int fd;

	if (path[len] == '/' && len + 1 + sizeof(STATIC_INDEX) <= size) {
		memcpy(path + len + 1, STATIC_INDEX, sizeof(STATIC_INDEX));
		fd = static_open_variant(dirfd, path, accept_encoding, st,
		                         encoding);
		if (fd != -2)
			return (fd);
	}
	strcpy(path, STATIC_INDEX);
	fd = static_open_variant(dirfd, path, accept_encoding, st, encoding);
	return (fd);
}

int
static_lookup(const struct static_root *r, const char *raw_path,
              const char *accept_encoding, const char *if_none_match,
              int spa_fallback, struct static_response *out)
{
	char path[PATH_MAX];
	const struct static_type *type;
	const char *encoding;
	struct stat st;
	int fd, rc;

	memset(out, 0, sizeof(*out));
	out->fd = -1;

	if (raw_path == NULL ||
	    static_decode(raw_path, path, sizeof(path)) == -1 ||
	    (rc = static_clean(path, sizeof(path))) == -1) {
		out->status = 400;
		return (0);
	}
	fd = rc == 1 ? -2
	             : static_open_variant(r->dirfd, path, accept_encoding, &st,
	                                   &encoding);
	if (fd == -2 && spa_fallback && rc == 0 && static_is_route(path))
		fd = static_open_fallback(r->dirfd, path, sizeof(path),
		                          accept_encoding, &st, &encoding);
	if (fd == -1)
		return (-1);
	if (fd == -2) {
		out->status = 404;
		return (0);
	}

	type = static_type_of(path);
	out->content_type = type->type;
	out->content_encoding = encoding;
	out->vary_accept_encoding = type->compressible;
	out->cache_control = strncmp(path, "assets/", 7) == 0
	                         ? STATIC_CACHE_ASSETS
	                         : STATIC_CACHE_REVALIDATE;
	static_etag(&st, out->etag, sizeof(out->etag));
	if (if_none_match != NULL &&
	    static_etag_matches(if_none_match, out->etag)) {
		close(fd);
		out->status = 304;
		return (0);
	}
	out->status = 200;
	out->fd = fd;
	out->size = st.st_size;
	return (0);
}
