/*
 * storage-tool: a test-only command line over shared/storage.h, for
 * tests/integration/storage.test.mjs (against s3rver) and for trying a
 * storage configuration by hand.  Settings come from the environment
 * through the normal loader (LIFTED_STORAGE_URL, LIFTED_S3_*).
 *
 *   storage-tool put KEY FILE [CONTENT-TYPE]
 *   storage-tool get KEY MAX          object bytes on stdout
 *   storage-tool delete KEY
 *   storage-tool list [PREFIX]        "KEY MTIME" lines
 *
 * Exit status: 0 done, 3 not found, 4 too large, 1 other failure, 2 bad
 * usage or settings.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "settings.h"
#include "storage.h"

#define TOOL_FILE_MAX (256 * 1024 * 1024)

static int
usage(void)
{
	fprintf(stderr, "usage: storage-tool put KEY FILE [CONTENT-TYPE]\n"
	                "       storage-tool get KEY MAX\n"
	                "       storage-tool delete KEY\n"
	                "       storage-tool list [PREFIX]\n");
	return (2);
}

static int
exit_code(enum storage_result r, const char *err)
{
	switch (r) {
	case STORAGE_OK:
		return (0);
	case STORAGE_NOT_FOUND:
		fprintf(stderr, "storage-tool: not found: %s\n", err);
		return (3);
	case STORAGE_TOO_LARGE:
		fprintf(stderr, "storage-tool: too large: %s\n", err);
		return (4);
	case STORAGE_ERROR:
		break;
	}
	fprintf(stderr, "storage-tool: %s\n", err);
	return (1);
}

/* The whole file at path, malloc'd; NULL on error. */
static unsigned char *
read_file(const char *path, size_t *len)
{
	unsigned char *buf = NULL, *nb;
	size_t cap = 0, n;
	FILE *f;

	*len = 0;
	if ((f = fopen(path, "rb")) == NULL)
		return (NULL);
	for (;;) {
		if (*len == cap) {
			cap = cap > 0 ? cap * 2 : 65536;
			if (cap > TOOL_FILE_MAX ||
			    (nb = realloc(buf, cap)) == NULL)
				goto fail;
			buf = nb;
		}
		n = fread(buf + *len, 1, cap - *len, f);
		*len += n;
		if (n == 0)
			break;
	}
	if (ferror(f))
		goto fail;
	fclose(f);
	if (buf == NULL)
		buf = malloc(1);
	return (buf);
fail:
	fclose(f);
	free(buf);
	return (NULL);
}

static int
print_key(const char *key, long long mtime, void *arg)
{
	(void)arg;
	printf("%s %lld\n", key, mtime);
	return (0);
}

int
main(int argc, char **argv)
{
	struct settings s;
	struct storage *st;
	char err[1024] = "";
	unsigned char *data = NULL;
	void *out = NULL;
	size_t len = 0;
	enum storage_result r;
	char *end;
	unsigned long long max;
	int rc = 2;

	if (argc < 2)
		return (usage());
	cli_settings(&s, "storage-tool");
	if ((st = storage_open(&s, err, sizeof(err))) == NULL) {
		fprintf(stderr, "storage-tool: %s\n", err);
		settings_free(&s);
		return (2);
	}
	if (strcmp(argv[1], "put") == 0 && (argc == 4 || argc == 5)) {
		if ((data = read_file(argv[3], &len)) == NULL) {
			fprintf(stderr, "storage-tool: cannot read %s\n",
			        argv[3]);
			rc = 1;
		} else
			rc = exit_code(storage_put(st, argv[2], data, len,
			                           argc == 5 ? argv[4] : NULL,
			                           err, sizeof(err)),
			               err);
	} else if (strcmp(argv[1], "get") == 0 && argc == 4) {
		errno = 0;
		max = strtoull(argv[3], &end, 10);
		if (errno != 0 || *end != '\0' || end == argv[3])
			rc = usage();
		else if ((r = storage_get(st, argv[2], (size_t)max, &out, &len,
		                          err, sizeof(err))) != STORAGE_OK)
			rc = exit_code(r, err);
		else
			rc = fwrite(out, 1, len, stdout) == len &&
			             fflush(stdout) == 0
			         ? 0
			         : 1;
	} else if (strcmp(argv[1], "delete") == 0 && argc == 3)
		rc = exit_code(storage_delete(st, argv[2], err, sizeof(err)),
		               err);
	else if (strcmp(argv[1], "list") == 0 && (argc == 2 || argc == 3))
		rc = exit_code(storage_list(st, argc == 3 ? argv[2] : "",
		                            print_key, NULL, err, sizeof(err)),
		               err);
	else
		rc = usage();
	free(data);
	free(out);
	storage_free(st);
	settings_free(&s);
	return (rc);
}
