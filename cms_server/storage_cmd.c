/*
 * lifted-cms storage: the storage backend (LIFTED_STORAGE_URL, LIFTED_S3_*;
 * docs/storage.md) from the command line, for operators and for
 * scripts/backup and scripts/restore.
 *
 *   lifted-cms storage put KEY FILE [CONTENT-TYPE]
 *   lifted-cms storage get [--max BYTES] KEY FILE   FILE "-": stdout
 *   lifted-cms storage list [PREFIX]                "KEY MTIME" lines
 *   lifted-cms storage delete KEY
 *
 * Exit status: 0 done, 1 failure, 2 bad usage or settings, 3 not found,
 * 4 too large.
 *
 * storage_put and storage_get take and give whole buffers, so an object
 * is held in memory once: both directions are capped at
 * STORAGE_CMD_MAX (1 GiB), and `get --max` can only lower that.  A put
 * reads a regular file of known size (checked before anything is read);
 * a get writes a temporary file beside FILE (0600, O_EXCL), fsyncs it and
 * renames it over FILE, so FILE is either absent, the old file or the
 * whole object.  Secrets never reach the output: errors are the storage
 * layer's messages, which name keys and HTTP statuses only.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "settings.h"
#include "storage.h"
#include "storage_cmd.h"

#define STORAGE_CMD_MAX ((size_t)1 << 30)

static int
storage_cmd_usage(void)
{
	fprintf(stderr,
	        "usage: lifted-cms storage put KEY FILE [CONTENT-TYPE]\n"
	        "       lifted-cms storage get [--max BYTES] KEY FILE\n"
	        "       lifted-cms storage list [PREFIX]\n"
	        "       lifted-cms storage delete KEY\n");
	return (2);
}

static int
storage_cmd_status(enum storage_result r, const char *err)
{
	switch (r) {
	case STORAGE_OK:
		return (0);
	case STORAGE_NOT_FOUND:
		fprintf(stderr, "lifted-cms storage: not found: %s\n", err);
		return (3);
	case STORAGE_TOO_LARGE:
		fprintf(stderr, "lifted-cms storage: too large: %s\n", err);
		return (4);
	case STORAGE_ERROR:
		break;
	}
	fprintf(stderr, "lifted-cms storage: %s\n", err);
	return (1);
}

/*
 * The whole regular file at path into *data (malloc'd, caller frees).
 * Returns 0, 1 (cannot read it) or 4 (larger than STORAGE_CMD_MAX).
 */
static int
storage_cmd_read_file(const char *path, unsigned char **data, size_t *len)
{
	char err[512];
	void *buf;
	enum storage_result r;
	int fd;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		fprintf(stderr, "lifted-cms storage: cannot open %s: %s\n",
		        path, strerror(errno));
		return (1);
	}
	r = storage_read_fd(fd, path, STORAGE_CMD_MAX, &buf, len, err,
	                    sizeof(err));
	close(fd);
	if (r != STORAGE_OK) {
		fprintf(stderr, "lifted-cms %s\n", err);
		return (r == STORAGE_TOO_LARGE ? 4 : 1);
	}
	*data = buf;
	return (0);
}

/* Puts len bytes into path via a temporary file and a rename; 0 or 1. */
static int
storage_cmd_write_file(const char *path, const void *data, size_t len)
{
	char tmp[4096];
	int fd, n;

	if (strcmp(path, "-") == 0) {
		if (storage_write_fd(STDOUT_FILENO, data, len) != 0) {
			fprintf(stderr,
			        "lifted-cms storage: cannot write to stdout\n");
			return (1);
		}
		return (0);
	}
	n = snprintf(tmp, sizeof(tmp), "%s.tmp.%ld", path, (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		fprintf(stderr, "lifted-cms storage: file name too long\n");
		return (1);
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW,
	          0600);
	if (fd == -1) {
		fprintf(stderr, "lifted-cms storage: cannot create %s: %s\n",
		        tmp, strerror(errno));
		return (1);
	}
	if (storage_write_fd(fd, data, len) != 0 || fsync(fd) != 0) {
		fprintf(stderr, "lifted-cms storage: cannot write %s: %s\n",
		        tmp, strerror(errno));
		close(fd);
		unlink(tmp);
		return (1);
	}
	if (close(fd) != 0 || rename(tmp, path) != 0) {
		fprintf(stderr, "lifted-cms storage: cannot write %s: %s\n",
		        path, strerror(errno));
		unlink(tmp);
		return (1);
	}
	return (0);
}

static int
storage_cmd_print_key(const char *key, long long mtime, void *arg)
{
	(void)arg;
	printf("%s %lld\n", key, mtime);
	return (0);
}

/* Parses a byte count of 1..STORAGE_CMD_MAX; 0 or -1. */
static int
storage_cmd_parse_max(const char *s, size_t *max)
{
	unsigned long long v;
	char *end;

	if (s[0] < '0' || s[0] > '9')
		return (-1);
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > STORAGE_CMD_MAX)
		return (-1);
	*max = (size_t)v;
	return (0);
}

int
storage_cmd_run(const struct settings *s, int argc, char **argv)
{
	struct storage *st = NULL;
	char err[1024] = "";
	unsigned char *data = NULL;
	void *out = NULL;
	size_t len = 0, max = STORAGE_CMD_MAX;
	enum storage_result r;
	int rc = 2;

	if (argc < 1)
		return (storage_cmd_usage());
	/* Usage first: a typo is told without opening the store. */
	if (strcmp(argv[0], "get") == 0 && argc >= 2 &&
	    strcmp(argv[1], "--max") == 0) {
		if (argc < 3 || storage_cmd_parse_max(argv[2], &max) != 0) {
			fprintf(stderr,
			        "lifted-cms storage: --max needs a byte count "
			        "from 0 to 1073741824\n");
			return (2);
		}
		argv[2] = argv[0];
		argv += 2;
		argc -= 2;
	}
	if (!((strcmp(argv[0], "put") == 0 && (argc == 3 || argc == 4)) ||
	      (strcmp(argv[0], "get") == 0 && argc == 3) ||
	      (strcmp(argv[0], "list") == 0 && (argc == 1 || argc == 2)) ||
	      (strcmp(argv[0], "delete") == 0 && argc == 2)))
		return (storage_cmd_usage());
	if ((st = storage_open(s, err, sizeof(err))) == NULL) {
		fprintf(stderr, "lifted-cms storage: %s\n", err);
		return (2);
	}
	if (strcmp(argv[0], "put") == 0) {
		if ((rc = storage_cmd_read_file(argv[2], &data, &len)) == 0)
			rc = storage_cmd_status(
			    storage_put(st, argv[1], data, len,
			                argc == 4 ? argv[3] : NULL, err,
			                sizeof(err)),
			    err);
	} else if (strcmp(argv[0], "get") == 0) {
		if ((r = storage_get(st, argv[1], max, &out, &len, err,
		                     sizeof(err))) != STORAGE_OK)
			rc = storage_cmd_status(r, err);
		else
			rc = storage_cmd_write_file(argv[2], out, len);
	} else if (strcmp(argv[0], "delete") == 0)
		rc = storage_cmd_status(
		    storage_delete(st, argv[1], err, sizeof(err)), err);
	else {
		rc = storage_cmd_status(
		    storage_list(st, argc == 2 ? argv[1] : "",
		                 storage_cmd_print_key, NULL, err, sizeof(err)),
		    err);
		if (rc == 0 && fflush(stdout) != 0)
			rc = 1;
	}
	free(data);
	free(out);
	storage_free(st);
	return (rc);
}
