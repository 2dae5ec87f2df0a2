/*
 * Object storage, local backend: put, get, list and delete round trips;
 * the size cap; atomic writes leaving no temporary file; file and folder
 * modes; key validation; and links planted in the storage folder leading
 * nowhere.  The S3 backend is tested end to end in
 * tests/integration/storage.test.mjs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "settings.h"
#include "storage.h"

struct fixture {
	char dir[64]; /* the storage folder */
	char out[64]; /* a folder outside it */
	char url[80];
	struct settings s;
	struct storage *st;
};

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return (-1);
	snprintf(f->dir, sizeof(f->dir), "/tmp/lifted-storage-XXXXXX");
	snprintf(f->out, sizeof(f->out), "/tmp/lifted-outside-XXXXXX");
	if (mkdtemp(f->dir) == NULL || mkdtemp(f->out) == NULL)
		return (-1);
	snprintf(f->url, sizeof(f->url), "file://%s/store", f->dir);
	f->s.storage_url = f->url;
	if ((f->st = storage_open(&f->s, err, sizeof(err))) == NULL) {
		fprintf(stderr, "storage_open: %s\n", err);
		return (-1);
	}
	*state = f;
	return (0);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[200];

	storage_free(f->st);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' '%s'", f->dir, f->out);
	if (system(cmd) != 0)
		return (-1);
	free(f);
	return (0);
}

static enum storage_result
put(struct fixture *f, const char *key, const void *data, size_t len)
{
	char err[256];

	return (storage_put(f->st, key, data, len, "application/pdf", err,
	                    sizeof(err)));
}

static void
test_round_trip(void **state)
{
	struct fixture *f = *state;
	unsigned char data[70000];
	void *got;
	size_t len, i;
	char err[256];

	for (i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 7 + (i >> 8));
	assert_int_equal(put(f, "brochures/2026/a.pdf", data, sizeof(data)),
	                 STORAGE_OK);
	assert_int_equal(storage_get(f->st, "brochures/2026/a.pdf",
	                             sizeof(data), &got, &len, err,
	                             sizeof(err)),
	                 STORAGE_OK);
	assert_int_equal(len, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	free(got);

	/* One byte over the cap is refused, and nothing is handed out. */
	got = (void *)1;
	assert_int_equal(storage_get(f->st, "brochures/2026/a.pdf",
	                             sizeof(data) - 1, &got, &len, err,
	                             sizeof(err)),
	                 STORAGE_TOO_LARGE);
	assert_null(got);

	/* A put replaces; an empty object is an object. */
	assert_int_equal(put(f, "brochures/2026/a.pdf", "new", 3), STORAGE_OK);
	assert_int_equal(storage_get(f->st, "brochures/2026/a.pdf", 100, &got,
	                             &len, err, sizeof(err)),
	                 STORAGE_OK);
	assert_int_equal(len, 3);
	assert_memory_equal(got, "new", 3);
	free(got);
	assert_int_equal(
	    storage_put(f->st, "empty", NULL, 0, NULL, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(
	    storage_get(f->st, "empty", 0, &got, &len, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(len, 0);
	free(got);

	assert_int_equal(storage_get(f->st, "brochures/2026/missing.pdf", 100,
	                             &got, &len, err, sizeof(err)),
	                 STORAGE_NOT_FOUND);
	assert_int_equal(
	    storage_get(f->st, "nofolder/x", 100, &got, &len, err, sizeof(err)),
	    STORAGE_NOT_FOUND);
	/* A folder is not an object. */
	assert_int_equal(storage_get(f->st, "brochures/2026", 100, &got, &len,
	                             err, sizeof(err)),
	                 STORAGE_NOT_FOUND);
}

struct seen {
	char keys[16][STORAGE_KEY_MAX + 1];
	long long mtime[16];
	int n, stop_after;
};

static int
collect(const char *key, long long mtime, void *arg)
{
	struct seen *s = arg;

	if (s->n < 16) {
		snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
		s->mtime[s->n] = mtime;
	}
	s->n++;
	return (s->stop_after > 0 && s->n >= s->stop_after);
}

static int
has(const struct seen *s, const char *key)
{
	for (int i = 0; i < s->n && i < 16; i++)
		if (strcmp(s->keys[i], key) == 0)
			return (1);
	return (0);
}

static void
test_list_delete(void **state)
{
	struct fixture *f = *state;
	struct seen s;
	char err[256];
	void *got;
	size_t len;
	long long now = (long long)time(NULL);

	assert_int_equal(put(f, "a/b/c.pdf", "1", 1), STORAGE_OK);
	assert_int_equal(put(f, "a/d.png", "2", 1), STORAGE_OK);
	assert_int_equal(put(f, "ab.txt", "3", 1), STORAGE_OK);
	assert_int_equal(put(f, "e.txt", "4", 1), STORAGE_OK);

	memset(&s, 0, sizeof(s));
	assert_int_equal(storage_list(f->st, "", collect, &s, err, sizeof(err)),
	                 STORAGE_OK);
	assert_int_equal(s.n, 4);
	assert_true(has(&s, "a/b/c.pdf") && has(&s, "a/d.png") &&
	            has(&s, "ab.txt") && has(&s, "e.txt"));
	for (int i = 0; i < s.n; i++)
		assert_true(s.mtime[i] >= now - 5 && s.mtime[i] <= now + 5);

	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    storage_list(f->st, "a/", collect, &s, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(s.n, 2);
	assert_true(has(&s, "a/b/c.pdf") && has(&s, "a/d.png"));

	/* A prefix need not end at a folder. */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    storage_list(f->st, "a", collect, &s, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(s.n, 3);
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    storage_list(f->st, "a/b/c", collect, &s, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(s.n, 1);
	assert_true(has(&s, "a/b/c.pdf"));
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    storage_list(f->st, "zz/", collect, &s, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(s.n, 0);

	/* The callback stops the walk. */
	memset(&s, 0, sizeof(s));
	s.stop_after = 1;
	assert_int_equal(storage_list(f->st, "", collect, &s, err, sizeof(err)),
	                 STORAGE_OK);
	assert_int_equal(s.n, 1);

	assert_int_equal(
	    storage_list(f->st, "../", collect, &s, err, sizeof(err)),
	    STORAGE_OK); /* no key starts so: nothing */
	assert_int_equal(
	    storage_list(f->st, "A", collect, &s, err, sizeof(err)),
	    STORAGE_ERROR);

	assert_int_equal(storage_delete(f->st, "a/d.png", err, sizeof(err)),
	                 STORAGE_OK);
	assert_int_equal(
	    storage_get(f->st, "a/d.png", 10, &got, &len, err, sizeof(err)),
	    STORAGE_NOT_FOUND);
	assert_int_equal(storage_delete(f->st, "a/d.png", err, sizeof(err)),
	                 STORAGE_NOT_FOUND);
	assert_int_equal(storage_delete(f->st, "x/y/z", err, sizeof(err)),
	                 STORAGE_NOT_FOUND);
	assert_int_equal(storage_delete(f->st, "a/b", err, sizeof(err)),
	                 STORAGE_NOT_FOUND); /* a folder */
	memset(&s, 0, sizeof(s));
	assert_int_equal(
	    storage_list(f->st, "a/", collect, &s, err, sizeof(err)),
	    STORAGE_OK);
	assert_int_equal(s.n, 1);
}

/* Walks path: every file 0600 and no temporary file, every folder
 * 0700; counts files. */
static void
check_tree(const char *path, int *files)
{
	DIR *d = opendir(path);
	struct dirent *de;
	struct stat sb;
	char sub[1024];

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		assert_int_equal(lstat(sub, &sb), 0);
		if (strstr(de->d_name, "TMP") != NULL)
			fail_msg("temporary file left: %s", sub);
		if (S_ISDIR(sb.st_mode)) {
			assert_int_equal(sb.st_mode & 07777, 0700);
			check_tree(sub, files);
		} else {
			assert_true(S_ISREG(sb.st_mode));
			assert_int_equal(sb.st_mode & 07777, 0600);
			(*files)++;
		}
	}
	closedir(d);
}

static void
test_atomic_modes(void **state)
{
	struct fixture *f = *state;
	char root[128], err[256];
	int files = 0, i;

	for (i = 0; i < 20; i++) {
		char key[32];

		snprintf(key, sizeof(key), "m/%d/obj-%d.bin", i % 3, i);
		assert_int_equal(put(f, key, key, strlen(key)), STORAGE_OK);
	}
	/* A put that cannot rename (a folder is in the way) fails and
	 * leaves no temporary file either. */
	assert_int_equal(put(f, "m/0", "x", 1), STORAGE_ERROR);
	/* Nor can a key go below a file. */
	assert_int_equal(put(f, "m/0/obj-0.bin/x", "x", 1), STORAGE_ERROR);
	snprintf(root, sizeof(root), "%s/store", f->dir);
	check_tree(root, &files);
	assert_int_equal(files, 20);
	(void)err;
}

static void
test_key_valid(void **state)
{
	static const char *bad[] = {
	    "",      "../x",  "/abs",     "a//b", "Upper", "a/../b", "..",
	    ".",     "a/./b", "./a",      "a/.",  "a/",    "a b",    "a\\b",
	    "a%2fb", "a\nb",  "\xc3\xa9", "a:b",  "a?b",   "a..b",
	};
	static const char *good[] = {
	    "a", "a/b.c", "brochures/2026/0f1e2d.pdf", "a-b_c.d/e", ".hidden",
	};
	struct fixture *f = *state;
	char longkey[STORAGE_KEY_MAX + 2], err[256];
	void *got;
	size_t len, i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (storage_key_valid(bad[i]))
			fail_msg("accepted \"%s\"", bad[i]);
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++)
		if (!storage_key_valid(good[i]))
			fail_msg("refused \"%s\"", good[i]);
	assert_false(storage_key_valid(NULL));
	memset(longkey, 'x', STORAGE_KEY_MAX);
	longkey[STORAGE_KEY_MAX] = '\0';
	assert_true(storage_key_valid(longkey));
	longkey[STORAGE_KEY_MAX] = 'x';
	longkey[STORAGE_KEY_MAX + 1] = '\0';
	assert_false(storage_key_valid(longkey));

	/* Every operation checks. */
	assert_int_equal(put(f, "../x", "x", 1), STORAGE_ERROR);
	assert_int_equal(
	    storage_get(f->st, "/etc/passwd", 10, &got, &len, err, sizeof(err)),
	    STORAGE_ERROR);
	assert_int_equal(storage_delete(f->st, "a//b", err, sizeof(err)),
	                 STORAGE_ERROR);
}

static void
test_links_lead_nowhere(void **state)
{
	struct fixture *f = *state;
	char path[256], target[256], err[256];
	struct stat sb;
	void *got;
	size_t len;
	FILE *fp;

	snprintf(target, sizeof(target), "%s/secret", f->out);
	fp = fopen(target, "w");
	assert_non_null(fp);
	fputs("secret", fp);
	fclose(fp);
	/* A file link and a folder link inside the storage folder. */
	snprintf(path, sizeof(path), "%s/store/link.pdf", f->dir);
	assert_int_equal(symlink(target, path), 0);
	snprintf(path, sizeof(path), "%s/store/ld", f->dir);
	assert_int_equal(symlink(f->out, path), 0);

	got = NULL;
	assert_int_equal(
	    storage_get(f->st, "link.pdf", 100, &got, &len, err, sizeof(err)),
	    STORAGE_NOT_FOUND);
	assert_null(got);
	assert_int_equal(
	    storage_get(f->st, "ld/secret", 100, &got, &len, err, sizeof(err)),
	    STORAGE_NOT_FOUND);
	assert_null(got);
	assert_int_equal(put(f, "ld/new", "x", 1), STORAGE_ERROR);
	snprintf(path, sizeof(path), "%s/new", f->out);
	assert_int_equal(stat(path, &sb), -1);
	assert_int_equal(storage_delete(f->st, "ld/secret", err, sizeof(err)),
	                 STORAGE_NOT_FOUND);
	assert_int_equal(stat(target, &sb), 0);
	/* A put over a link replaces the link, never writes through it. */
	assert_int_equal(put(f, "link.pdf", "mine", 4), STORAGE_OK);
	fp = fopen(target, "r");
	assert_non_null(fp);
	assert_non_null(fgets(path, sizeof(path), fp));
	fclose(fp);
	assert_string_equal(path, "secret");
}

static void
test_open_refusals(void **state)
{
	struct settings s;
	struct storage *st;
	char err[256];

	(void)state;
	memset(&s, 0, sizeof(s));
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "ftp://x";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "file://";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "file:///dev/null/x";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "s3://B!/p";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "s3://bucket/Upper";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.storage_url = "s3://bucket/p"; /* no keys */
	assert_null(storage_open(&s, err, sizeof(err)));
	assert_non_null(strstr(err, "LIFTED_S3_ACCESS_KEY"));
	s.s3_access_key = "AKID";
	s.s3_secret_key = "secret";
	s.s3_endpoint = "http://127.0.0.1:1/path";
	assert_null(storage_open(&s, err, sizeof(err)));
	s.s3_endpoint = NULL;
	s.s3_region = "us east";
	assert_null(storage_open(&s, err, sizeof(err)));
	/* Opening makes no request: a valid S3 configuration opens. */
	s.s3_region = NULL;
	st = storage_open(&s, err, sizeof(err));
	assert_non_null(st);
	storage_free(st);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_list_delete, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_atomic_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_key_valid, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_links_lead_nowhere, setup,
	                                    teardown),
	    cmocka_unit_test(test_open_refusals),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
