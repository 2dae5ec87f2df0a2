/*
 * Object storage (see storage.h): the interface and the local backend.
 *
 * Local objects are files under the storage directory, one folder level
 * per '/' in the key.  A put writes a temporary file beside the target
 * (its name holds upper-case letters, which no key may, so a listing can
 * never mistake it for an object), fsyncs it, renames it over the target
 * and fsyncs the folder: a reader sees the old object or the new one,
 * never a part, and a crash leaves at most a stray temporary file.
 *
 * Keys are checked by storage_key_valid before any file system call, and
 * every path is still resolved beneath the directory fd: folders are
 * walked one component at a time with O_NOFOLLOW | O_DIRECTORY, and
 * files are opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS)
 * (a walk where openat2 is missing), so a link planted inside the
 * directory leads nowhere.  Files are 0600, folders 0700.
 *
 * Empty folders left by deletes stay: removing them would race with a put
 * creating a file in them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include "s3.h"
#include "settings.h"
#include "storage.h"

struct storage {
	int dirfd;     /* local: the storage directory; else -1 */
	struct s3 *s3; /* S3: the backend; else NULL */
};

#define STORAGE_BUCKET_MAX 63

static atomic_ulong storage_tmp_seq;

static int
storage_key_char(int c)
{
	return ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
	        c == '_' || c == '-');
}

int
storage_key_valid(const char *key)
{
	size_t len, i;

	if (key == NULL)
		return (0);
	len = strlen(key);
	if (len == 0 || len > STORAGE_KEY_MAX || key[0] == '/' ||
	    key[len - 1] == '/')
		return (0);
	for (i = 0; i < len; i++)
		if (!storage_key_char((unsigned char)key[i]) && key[i] != '/')
			return (0);
	if (strstr(key, "..") != NULL || strstr(key, "//") != NULL)
		return (0);
	/* A "." component names the folder itself. */
	if (strcmp(key, ".") == 0 || strncmp(key, "./", 2) == 0 ||
	    strstr(key, "/./") != NULL ||
	    (len >= 2 && strcmp(key + len - 2, "/.") == 0))
		return (0);
	return (1);
}

/* A listing prefix: "" or up to STORAGE_KEY_MAX key characters. */
static int
storage_prefix_valid(const char *prefix)
{
	size_t i;

	if (prefix == NULL)
		return (0);
	for (i = 0; prefix[i] != '\0'; i++)
		if (i >= STORAGE_KEY_MAX ||
		    (!storage_key_char((unsigned char)prefix[i]) &&
		     prefix[i] != '/'))
			return (0);
	return (1);
}

/* ---- local backend ---------------------------------------------------- */

/* Creates each folder of path (0700) that is missing; 0 or -1. */
static int
local_mkdirs(const char *path)
{
	char buf[PATH_MAX];
	size_t len = strlen(path), i;

	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, path, len + 1);
	for (i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		if (mkdir(buf, 0700) == -1 && errno != EEXIST)
			return (-1);
		buf[i] = path[i];
	}
	return (0);
}

/*
 * Opens the folder holding key (valid) beneath root, one component at a
 * time, refusing links; with create, missing folders are made.  Returns
 * the fd and points *base at the key's last component, or -1 with errno.
 */
static int
local_open_parent(int root, const char *key, int create, const char **base)
{
	char comp[STORAGE_KEY_MAX + 1];
	const char *p = key, *slash;
	int fd, nfd, saved;

	if ((fd = openat(root, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return (-1);
	while ((slash = strchr(p, '/')) != NULL) {
		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		nfd = openat(fd, comp,
		             O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd == -1 && errno == ENOENT && create) {
			if (mkdirat(fd, comp, 0700) == -1 && errno != EEXIST)
				goto fail;
			nfd = openat(fd, comp,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                 O_CLOEXEC);
		}
		if (nfd == -1)
			goto fail;
		close(fd);
		fd = nfd;
		p = slash + 1;
	}
	*base = p;
	return (fd);
fail:
	saved = errno;
	close(fd);
	errno = saved;
	return (-1);
}

/* Opens the object file key (valid) read-only beneath root; -1, errno. */
static int
local_open_file(int root, const char *key)
{
	struct open_how how;
	const char *base;
	int fd, dfd, saved;

	memset(&how, 0, sizeof(how));
	how.flags = O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY;
	how.resolve =
	    RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS;
	fd = (int)syscall(SYS_openat2, root, key, &how, sizeof(how));
	if (fd != -1 || (errno != ENOSYS && errno != EPERM))
		return (fd);
	if ((dfd = local_open_parent(root, key, 0, &base)) == -1)
		return (-1);
	fd = openat(dfd, base,
	            O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	saved = errno;
	close(dfd);
	errno = saved;
	return (fd);
}

int
storage_write_fd(int fd, const void *data, size_t len)
{
	const unsigned char *p = data;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1)
			return (-1);
		if (n == 0) {
			errno = EIO;
			return (-1);
		}
		p += n;
		len -= (size_t)n;
	}
	return (0);
}

static enum storage_result
local_put(struct storage *st, const char *key, const void *data, size_t len,
          char *err, size_t errlen)
{
	char tmp[64];
	const char *base;
	int dfd, fd = -1, created = 0;
	enum storage_result rc = STORAGE_ERROR;

	if ((dfd = local_open_parent(st->dirfd, key, 1, &base)) == -1) {
		snprintf(err, errlen,
		         "storage: cannot make the folder of %s: %s", key,
		         strerror(errno));
		return (STORAGE_ERROR);
	}
	snprintf(tmp, sizeof(tmp), ".TMP-%ld-%lu", (long)getpid(),
	         atomic_fetch_add(&storage_tmp_seq, 1));
	fd = openat(dfd, tmp,
	            O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd == -1) {
		snprintf(err, errlen,
		         "storage: cannot create a file for %s: %s", key,
		         strerror(errno));
		goto cleanup;
	}
	created = 1;
	if (storage_write_fd(fd, data, len) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "storage: cannot write %s: %s", key,
		         strerror(errno));
		goto cleanup;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "storage: cannot write %s: %s", key,
		         strerror(errno));
		goto cleanup;
	}
	fd = -1;
	if (renameat(dfd, tmp, dfd, base) == -1) {
		snprintf(err, errlen, "storage: cannot rename into %s: %s", key,
		         strerror(errno));
		goto cleanup;
	}
	created = 0;
	/* The rename itself must survive a crash. */
	if (fsync(dfd) == -1) {
		snprintf(err, errlen,
		         "storage: cannot sync the folder of %s: %s", key,
		         strerror(errno));
		goto cleanup;
	}
	rc = STORAGE_OK;
cleanup:
	if (fd != -1)
		close(fd);
	if (created)
		(void)unlinkat(dfd, tmp, 0);
	close(dfd);
	return (rc);
}

enum storage_result
storage_read_fd(int fd, const char *name, size_t max, void **data, size_t *len,
                char *err, size_t errlen)
{
	struct stat sb;
	unsigned char *buf = NULL, extra;
	size_t size, got = 0;
	ssize_t n;

	*data = NULL;
	*len = 0;
	if (fstat(fd, &sb) == -1) {
		snprintf(err, errlen, "storage: cannot stat %s: %s", name,
		         strerror(errno));
		return (STORAGE_ERROR);
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(err, errlen, "storage: %s is not a regular file",
		         name);
		return (STORAGE_NOT_FOUND);
	}
	if ((unsigned long long)sb.st_size > (unsigned long long)max) {
		snprintf(err, errlen,
		         "storage: %s is too large (over %zu bytes)", name,
		         max);
		return (STORAGE_TOO_LARGE);
	}
	size = (size_t)sb.st_size;
	if ((buf = malloc(size > 0 ? size : 1)) == NULL) {
		snprintf(err, errlen, "storage: out of memory");
		return (STORAGE_ERROR);
	}
	while (got < size) {
		n = read(fd, buf + got, size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	/* Objects are replaced by rename, never rewritten in place: a size
	 * that moved means someone wrote the file meanwhile. */
	if (got != size || read(fd, &extra, 1) != 0) {
		snprintf(err, errlen, "storage: %s changed while being read",
		         name);
		free(buf);
		return (STORAGE_ERROR);
	}
	*data = buf;
	*len = size;
	return (STORAGE_OK);
}

static enum storage_result
local_get(struct storage *st, const char *key, size_t max, void **data,
          size_t *len, char *err, size_t errlen)
{
	enum storage_result rc;
	int fd;

	if ((fd = local_open_file(st->dirfd, key)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP ||
		    errno == EXDEV) {
			snprintf(err, errlen, "storage: %s not found", key);
			return (STORAGE_NOT_FOUND);
		}
		snprintf(err, errlen, "storage: cannot open %s: %s", key,
		         strerror(errno));
		return (STORAGE_ERROR);
	}
	rc = storage_read_fd(fd, key, max, data, len, err, errlen);
	close(fd);
	return (rc);
}

static enum storage_result
local_delete(struct storage *st, const char *key, char *err, size_t errlen)
{
	const char *base;
	int dfd;

	if ((dfd = local_open_parent(st->dirfd, key, 0, &base)) == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP) {
			snprintf(err, errlen, "storage: %s not found", key);
			return (STORAGE_NOT_FOUND);
		}
		snprintf(err, errlen,
		         "storage: cannot open the folder of %s: %s", key,
		         strerror(errno));
		return (STORAGE_ERROR);
	}
	if (unlinkat(dfd, base, 0) == -1) {
		int saved = errno;

		close(dfd);
		/* A folder is not an object. */
		if (saved == ENOENT || saved == EISDIR) {
			snprintf(err, errlen, "storage: %s not found", key);
			return (STORAGE_NOT_FOUND);
		}
		snprintf(err, errlen, "storage: cannot delete %s: %s", key,
		         strerror(saved));
		return (STORAGE_ERROR);
	}
	close(dfd);
	return (STORAGE_OK);
}

struct local_walk {
	const char *prefix;
	size_t prefixlen;
	int (*fn)(const char *, long long, void *);
	void *arg;
	char key[STORAGE_KEY_MAX + 2];
	char *err;
	size_t errlen;
};

/*
 * Lists folder fd (owned: closed here) whose keys start with w->key[0..len).
 * 0 to go on, 1 when fn asked to stop, -1 on error.  Depth is bounded by
 * the key length: each level adds at least two characters.
 */
static int
local_walk_dir(struct local_walk *w, int fd, size_t len)
{
	struct dirent *de;
	struct stat sb;
	size_t nlen, cmp;
	DIR *d;
	int rc = 0, cfd, i;

	if ((d = fdopendir(fd)) == NULL) {
		close(fd);
		snprintf(w->err, w->errlen, "storage: cannot list: %s",
		         strerror(errno));
		return (-1);
	}
	while (rc == 0 && (errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		nlen = strlen(de->d_name);
		/* Temporary files and anything else no key can name. */
		for (i = 0; de->d_name[i] != '\0'; i++)
			if (!storage_key_char((unsigned char)de->d_name[i]))
				break;
		if (de->d_name[i] != '\0' || len + nlen > STORAGE_KEY_MAX)
			continue;
		memcpy(w->key + len, de->d_name, nlen + 1);
		if (fstatat(dirfd(d), de->d_name, &sb, AT_SYMLINK_NOFOLLOW) ==
		    -1)
			continue; /* deleted meanwhile */
		if (S_ISDIR(sb.st_mode)) {
			w->key[len + nlen] = '/';
			w->key[len + nlen + 1] = '\0';
			cmp = len + nlen + 1 < w->prefixlen ? len + nlen + 1
			                                    : w->prefixlen;
			if (strncmp(w->key, w->prefix, cmp) != 0)
				continue;
			cfd = openat(dirfd(d), de->d_name,
			             O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
			                 O_CLOEXEC);
			if (cfd == -1)
				continue;
			rc = local_walk_dir(w, cfd, len + nlen + 1);
		} else if (S_ISREG(sb.st_mode)) {
			if (strncmp(w->key, w->prefix, w->prefixlen) != 0 ||
			    !storage_key_valid(w->key))
				continue;
			if (w->fn(w->key, (long long)sb.st_mtime, w->arg) != 0)
				rc = 1;
		}
	}
	if (rc == 0 && errno != 0) {
		snprintf(w->err, w->errlen, "storage: cannot list: %s",
		         strerror(errno));
		rc = -1;
	}
	closedir(d);
	return (rc);
}

static enum storage_result
local_list(struct storage *st, const char *prefix,
           int (*fn)(const char *, long long, void *), void *arg, char *err,
           size_t errlen)
{
	struct local_walk w;
	const char *slash, *base;
	size_t dirlen = 0;
	int fd;

	memset(&w, 0, sizeof(w));
	w.prefix = prefix;
	w.prefixlen = strlen(prefix);
	w.fn = fn;
	w.arg = arg;
	w.err = err;
	w.errlen = errlen;
	/* Start in the deepest folder the prefix names. */
	if ((slash = strrchr(prefix, '/')) != NULL) {
		dirlen = (size_t)(slash - prefix) + 1;
		memcpy(w.key, prefix, dirlen);
		w.key[dirlen] = 'x'; /* a last component for the walk */
		w.key[dirlen + 1] = '\0';
		if (!storage_key_valid(w.key))
			return (STORAGE_OK); /* no key can start so */
		fd = local_open_parent(st->dirfd, w.key, 0, &base);
		w.key[dirlen] = '\0';
	} else
		fd = openat(st->dirfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd == -1) {
		if (errno == ENOENT || errno == ENOTDIR || errno == ELOOP)
			return (STORAGE_OK);
		snprintf(err, errlen, "storage: cannot list: %s",
		         strerror(errno));
		return (STORAGE_ERROR);
	}
	return (local_walk_dir(&w, fd, dirlen) == -1 ? STORAGE_ERROR
	                                             : STORAGE_OK);
}

static struct storage *
local_open(const char *path, char *err, size_t errlen)
{
	struct storage *st;
	int fd;

	if (*path == '\0') {
		snprintf(err, errlen,
		         "LIFTED_STORAGE_URL: file:// needs a "
		         "folder");
		return (NULL);
	}
	if (local_mkdirs(path) == -1 ||
	    (fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "LIFTED_STORAGE_URL: cannot use %s: %s",
		         path, strerror(errno));
		return (NULL);
	}
	if (faccessat(fd, ".", R_OK | W_OK | X_OK, AT_EACCESS) == -1) {
		snprintf(err, errlen,
		         "LIFTED_STORAGE_URL: %s is not writable: %s", path,
		         strerror(errno));
		close(fd);
		return (NULL);
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "storage: out of memory");
		close(fd);
		return (NULL);
	}
	st->dirfd = fd;
	return (st);
}

/* ---- interface -------------------------------------------------------- */

static struct storage *
storage_open_s3(const struct settings *s, const char *rest, char *err,
                size_t errlen)
{
	char bucket[STORAGE_BUCKET_MAX + 1], prefix[STORAGE_KEY_MAX + 1];
	const char *slash = strchr(rest, '/');
	struct storage *st;
	size_t blen = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
	size_t plen, i;

	if (blen < 3 || blen > STORAGE_BUCKET_MAX)
		goto bad;
	for (i = 0; i < blen; i++)
		if (!((rest[i] >= 'a' && rest[i] <= 'z') ||
		      (rest[i] >= '0' && rest[i] <= '9') || rest[i] == '-' ||
		      rest[i] == '.'))
			goto bad;
	memcpy(bucket, rest, blen);
	bucket[blen] = '\0';
	prefix[0] = '\0';
	if (slash != NULL) {
		plen = strlen(slash + 1);
		while (plen > 0 && slash[plen] == '/')
			plen--; /* "s3://b/p/" means prefix "p" */
		if (plen > 100)
			goto bad;
		memcpy(prefix, slash + 1, plen);
		prefix[plen] = '\0';
		if (plen > 0 && !storage_key_valid(prefix))
			goto bad;
	}
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		snprintf(err, errlen, "storage: out of memory");
		return (NULL);
	}
	st->dirfd = -1;
	if ((st->s3 = s3_open(s, bucket, prefix, err, errlen)) == NULL) {
		free(st);
		return (NULL);
	}
	return (st);
bad:
	snprintf(err, errlen,
	         "LIFTED_STORAGE_URL: s3://BUCKET/PREFIX needs a bucket name "
	         "(3-63 of a-z 0-9 . -) and a prefix of up to 100 key "
	         "characters (a-z 0-9 . _ - /)");
	return (NULL);
}

struct storage *
storage_open(const struct settings *s, char *err, size_t errlen)
{
	const char *url = s->storage_url;

	if (url == NULL) {
		snprintf(err, errlen, "LIFTED_STORAGE_URL is required");
		return (NULL);
	}
	if (strncmp(url, "file://", 7) == 0)
		return (local_open(url + 7, err, errlen));
	if (strncmp(url, "s3://", 5) == 0)
		return (storage_open_s3(s, url + 5, err, errlen));
	snprintf(err, errlen,
	         "LIFTED_STORAGE_URL must be file://DIR or s3://BUCKET/PREFIX");
	return (NULL);
}

void
storage_free(struct storage *st)
{
	if (st == NULL)
		return;
	if (st->dirfd != -1)
		close(st->dirfd);
	s3_free(st->s3);
	free(st);
}

enum storage_result
storage_put(struct storage *st, const char *key, const void *data, size_t len,
            const char *content_type, char *err, size_t errlen)
{
	if (!storage_key_valid(key) || (data == NULL && len > 0)) {
		snprintf(err, errlen, "storage: invalid key");
		return (STORAGE_ERROR);
	}
	if (content_type == NULL)
		content_type = "application/octet-stream";
	if (st->s3 != NULL)
		return (
		    s3_put(st->s3, key, data, len, content_type, err, errlen));
	return (local_put(st, key, data, len, err, errlen));
}

enum storage_result
storage_get(struct storage *st, const char *key, size_t max, void **data,
            size_t *len, char *err, size_t errlen)
{
	*data = NULL;
	*len = 0;
	if (!storage_key_valid(key)) {
		snprintf(err, errlen, "storage: invalid key");
		return (STORAGE_ERROR);
	}
	if (st->s3 != NULL)
		return (s3_get(st->s3, key, max, data, len, err, errlen));
	return (local_get(st, key, max, data, len, err, errlen));
}

enum storage_result
storage_delete(struct storage *st, const char *key, char *err, size_t errlen)
{
	if (!storage_key_valid(key)) {
		snprintf(err, errlen, "storage: invalid key");
		return (STORAGE_ERROR);
	}
	if (st->s3 != NULL)
		return (s3_delete(st->s3, key, err, errlen));
	return (local_delete(st, key, err, errlen));
}

enum storage_result
storage_list(struct storage *st, const char *prefix,
             int (*fn)(const char *key, long long mtime, void *arg), void *arg,
             char *err, size_t errlen)
{
	if (!storage_prefix_valid(prefix) || fn == NULL) {
		snprintf(err, errlen, "storage: invalid prefix");
		return (STORAGE_ERROR);
	}
	if (st->s3 != NULL)
		return (s3_list(st->s3, prefix, fn, arg, err, errlen));
	return (local_list(st, prefix, fn, arg, err, errlen));
}
