/*
 * Unit tests for shared/static.c: confinement to the root, conditional
 * requests, precompressed variants, cache headers and the SPA fallback.
 * Each test runs against a temporary tree with a secret file just outside
 * the root; a lookup must never hand that file out.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "static.h"

static char tstatic_top[] = "/tmp/lifted-static-XXXXXX";
static char tstatic_dir[128];
static struct static_root *tstatic_root;

static void
tstatic_write(const char *rel, const char *content)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tstatic_top, rel);
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fputs(content, f);
	fclose(f);
}

static void
tstatic_mkdir(const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tstatic_top, rel);
	if (mkdir(path, 0755) == -1)
		abort();
}

static void
tstatic_symlink(const char *target, const char *rel)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", tstatic_top, rel);
	if (symlink(target, path) == -1)
		abort();
}

static int
tstatic_setup(void **state)
{
	(void)state;
	if (mkdtemp(tstatic_top) == NULL)
		return (-1);
	snprintf(tstatic_dir, sizeof(tstatic_dir), "%s/root", tstatic_top);
	tstatic_write("secret.txt", "SECRET");
	tstatic_write("index.html", "OUTSIDE");
	tstatic_mkdir("root");
	tstatic_mkdir("root/assets");
	tstatic_mkdir("root/a");
	tstatic_mkdir("root/sub");
	tstatic_mkdir("root/sub/deeper");
	tstatic_write("root/index.html", "INDEX");
	tstatic_write("root/app.js", "PLAIN");
	tstatic_write("root/app.js.br", "BROTLI");
	tstatic_write("root/app.js.gz", "GZIP");
	tstatic_write("root/only.css", "CSS");
	tstatic_write("root/only.css.gz", "CSSGZ");
	tstatic_write("root/assets/main-3f2a.js", "ASSET");
	tstatic_write("root/a/b.txt", "AB");
	tstatic_write("root/sub/index.html", "SUBINDEX");
	tstatic_write("root/sub/index.html.gz", "SUBINDEXGZ");
	tstatic_write("root/sub/deeper/index.html", "DEEPER");
	tstatic_write("root/.env", "HIDDEN");
	tstatic_write("root/%2e%2e", "LITERAL");
	tstatic_symlink("../secret.txt", "root/link-out");
	tstatic_symlink("..", "root/dirlink");
	tstatic_symlink("index.html", "root/link-in.html");
	if ((tstatic_root = static_root_open(tstatic_dir)) == NULL)
		return (-1);
	return (0);
}

static int
tstatic_teardown(void **state)
{
	char cmd[256];

	(void)state;
	static_root_free(tstatic_root);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tstatic_top);
	return (system(cmd) == 0 ? 0 : -1);
}

/* Walk mode off before each test; the walk tests turn it on. */
static int
tstatic_reset(void **state)
{
	(void)state;
	static_set_walk_only(0);
	return (0);
}

/* Looks up path; on 200 reads the body into body (NUL-terminated). */
static int
tstatic_get(const char *path, const char *ae, const char *inm, int spa,
            struct static_response *out, char *body, size_t bodysz)
{
	ssize_t n;

	assert_int_equal(static_lookup(tstatic_root, path, ae, inm, spa, out),
	                 0);
	body[0] = '\0';
	if (out->status == 200) {
		assert_true(out->fd >= 0);
		n = read(out->fd, body, bodysz - 1);
		assert_true(n >= 0);
		body[n] = '\0';
		close(out->fd);
		assert_int_equal((size_t)n, (size_t)out->size);
	} else
		assert_int_equal(out->fd, -1);
	return (out->status);
}

/* A hostile path: 400 or 404, and never the secret. */
static void
tstatic_refused(const char *path)
{
	struct static_response r;
	char body[64];
	int status;

	status = tstatic_get(path, NULL, NULL, 0, &r, body, sizeof(body));
	assert_true(status == 400 || status == 404);
	status = tstatic_get(path, NULL, NULL, 1, &r, body, sizeof(body));
	assert_string_not_equal(body, "SECRET");
}

static void
test_static_root_serves_index(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/", NULL, NULL, 0, &r, body, sizeof(body)), 200);
	assert_string_equal(body, "INDEX");
	assert_string_equal(r.content_type, "text/html; charset=utf-8");
	assert_string_equal(r.cache_control, "no-cache");
	assert_null(r.content_encoding);
}

static void
test_static_plain_file(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, NULL, 0, &r, body, sizeof(body)),
	    200);
	assert_string_equal(body, "AB");
	assert_string_equal(r.content_type, "text/plain; charset=utf-8");
}

static void
test_static_dotdot_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/../secret.txt", NULL, NULL, 0, &r, body,
	                             sizeof(body)),
	                 400);
	assert_int_equal(tstatic_get("/a/../../secret.txt", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
}

static void
test_static_encoded_dotdot_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/%2e%2e/secret.txt", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
	assert_int_equal(tstatic_get("/%2E%2E/secret.txt", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
	tstatic_refused("/%2e%2e/secret.txt");
}

static void
test_static_double_encoded_refused(void **state)
{
	(void)state;
	tstatic_refused("/%252e%252e/secret.txt");
	tstatic_refused("/%252e%252e%252fsecret.txt");
	/* The literal file named "%2e%2e" is not served either: a second
	 * decoder elsewhere would read it as "..". */
	tstatic_refused("/%252e%252e");
}

static void
test_static_encoded_slash_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/..%2fsecret.txt", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
	tstatic_refused("/a%2f..%2f..%2fsecret.txt");
}

static void
test_static_nul_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/index.html%00.png", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
}

static void
test_static_backslash_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/..\\secret.txt", NULL, NULL, 0, &r, body,
	                             sizeof(body)),
	                 400);
	assert_int_equal(tstatic_get("/%5c..%5csecret.txt", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 400);
}

static void
test_static_bad_percent_refused(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/index%zz.html", NULL, NULL, 0, &r, body,
	                             sizeof(body)),
	                 400);
	assert_int_equal(
	    tstatic_get("/index.html%", NULL, NULL, 0, &r, body, sizeof(body)),
	    400);
	assert_int_equal(
	    tstatic_get("index.html", NULL, NULL, 0, &r, body, sizeof(body)),
	    400);
}

static void
test_static_hidden_not_served(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/.env", NULL, NULL, 0, &r, body, sizeof(body)), 404);
	assert_int_equal(
	    tstatic_get("/.env", NULL, NULL, 1, &r, body, sizeof(body)), 404);
}

static void
test_static_directory_not_served(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/assets", NULL, NULL, 0, &r, body, sizeof(body)), 404);
}

static void
test_static_symlink_out_refused(void **state)
{
	(void)state;
	tstatic_refused("/link-out");
	tstatic_refused("/dirlink/secret.txt");
}

static void
test_static_symlink_out_refused_walk(void **state)
{
	(void)state;
	static_set_walk_only(1);
	tstatic_refused("/link-out");
	tstatic_refused("/dirlink/secret.txt");
}

static void
test_static_walk_serves_nested(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	static_set_walk_only(1);
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, NULL, 0, &r, body, sizeof(body)),
	    200);
	assert_string_equal(body, "AB");
}

static void
test_static_final_symlink_not_followed(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/link-in.html", NULL, NULL, 0, &r, body, sizeof(body)),
	    404);
}

static void
test_static_etag_match_304(void **state)
{
	struct static_response r, r2;
	char body[64], etag[80];

	(void)state;
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, NULL, 0, &r, body, sizeof(body)),
	    200);
	assert_true(r.etag[0] == '"');
	memcpy(etag, r.etag, sizeof(etag));
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, etag, 0, &r2, body, sizeof(body)),
	    304);
	assert_string_equal(r2.etag, etag);
	assert_string_equal(r2.cache_control, "no-cache");
}

static void
test_static_etag_weak_and_list_304(void **state)
{
	struct static_response r;
	char body[64], inm[200];

	(void)state;
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, NULL, 0, &r, body, sizeof(body)),
	    200);
	snprintf(inm, sizeof(inm), "\"other\", W/%s", r.etag);
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, inm, 0, &r, body, sizeof(body)), 304);
	assert_int_equal(
	    tstatic_get("/a/b.txt", NULL, "*", 0, &r, body, sizeof(body)), 304);
}

static void
test_static_etag_mismatch_200(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/a/b.txt", NULL, "\"nope\"", 0, &r, body,
	                             sizeof(body)),
	                 200);
	assert_string_equal(body, "AB");
}

static void
test_static_etag_differs_per_encoding(void **state)
{
	struct static_response r;
	char body[64], plain[80];

	(void)state;
	tstatic_get("/app.js", NULL, NULL, 0, &r, body, sizeof(body));
	memcpy(plain, r.etag, sizeof(plain));
	tstatic_get("/app.js", "br", NULL, 0, &r, body, sizeof(body));
	assert_string_not_equal(plain, r.etag);
	/* The identity ETag must not validate the brotli variant. */
	assert_int_equal(
	    tstatic_get("/app.js", "br", plain, 0, &r, body, sizeof(body)),
	    200);
}

static void
test_static_br_preferred(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/app.js", "gzip, deflate, br", NULL, 0,
	                             &r, body, sizeof(body)),
	                 200);
	assert_string_equal(body, "BROTLI");
	assert_string_equal(r.content_encoding, "br");
	assert_string_equal(r.content_type, "text/javascript; charset=utf-8");
	assert_true(r.vary_accept_encoding);
}

static void
test_static_gzip_only(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/app.js", "gzip", NULL, 0, &r, body, sizeof(body)),
	    200);
	assert_string_equal(body, "GZIP");
	assert_string_equal(r.content_encoding, "gzip");
}

static void
test_static_q0_refuses(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/app.js", "br;q=0, gzip", NULL, 0, &r,
	                             body, sizeof(body)),
	                 200);
	assert_string_equal(body, "GZIP");
	assert_int_equal(tstatic_get("/app.js", "br;q=0, gzip; q=0.000", NULL,
	                             0, &r, body, sizeof(body)),
	                 200);
	assert_string_equal(body, "PLAIN");
	assert_null(r.content_encoding);
	assert_true(r.vary_accept_encoding);
}

static void
test_static_q_order(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/app.js", "br;q=0.5, gzip;q=1", NULL, 0,
	                             &r, body, sizeof(body)),
	                 200);
	assert_string_equal(body, "GZIP");
}

static void
test_static_star_accepts(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/app.js", "*", NULL, 0, &r, body, sizeof(body)), 200);
	assert_string_equal(body, "BROTLI");
	assert_int_equal(tstatic_get("/app.js", "*;q=0, gzip", NULL, 0, &r,
	                             body, sizeof(body)),
	                 200);
	assert_string_equal(body, "GZIP");
}

static void
test_static_no_accept_identity(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(
	    tstatic_get("/app.js", NULL, NULL, 0, &r, body, sizeof(body)), 200);
	assert_string_equal(body, "PLAIN");
	assert_int_equal(
	    tstatic_get("/app.js", "identity", NULL, 0, &r, body, sizeof(body)),
	    200);
	assert_string_equal(body, "PLAIN");
}

static void
test_static_missing_variant_falls_back(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/only.css", "br, gzip", NULL, 0, &r, body,
	                             sizeof(body)),
	                 200);
	assert_string_equal(body, "CSSGZ");
	assert_string_equal(r.content_type, "text/css; charset=utf-8");
}

static void
test_static_assets_immutable(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/assets/main-3f2a.js", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 200);
	assert_string_equal(r.cache_control,
	                    "public, max-age=31536000, immutable");
}

static void
test_static_spa_fallback_route(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/settings/profile", NULL, NULL, 1, &r,
	                             body, sizeof(body)),
	                 200);
	assert_string_equal(body, "INDEX");
	assert_string_equal(r.cache_control, "no-cache");
	assert_int_equal(tstatic_get("/settings/profile", NULL, NULL, 0, &r,
	                             body, sizeof(body)),
	                 404);
}

/* A route under a directory with its own index.html gets that page (the
 * CMS's app under /cms/); other routes get the root's. */
static void
test_static_spa_fallback_first_segment(void **state)
{
	static const struct {
		const char *path;
		const char *body;
	} cases[] = {
	    {"/sub/users", "SUBINDEX"},
	    {"/sub/users/ann", "SUBINDEX"},
	    {"/sub//groups", "SUBINDEX"},
	    {"/%73ub/users", "SUBINDEX"},
	    {"/sub/deeper/route", "SUBINDEX"}, /* first segment only */
	    {"/sub", "INDEX"},                 /* one segment: the root's */
	    {"/a/route", "INDEX"},             /* a/ has no index.html */
	    {"/nosuch/route", "INDEX"},
	    {"/app.js/route", "INDEX"},  /* a file, not a directory */
	    {"/dirlink/route", "INDEX"}, /* a link out of the root */
	    {"/link-out/route", "INDEX"},
	};
	struct static_response r;
	char body[64];
	size_t i;
	int walk;

	(void)state;
	for (walk = 0; walk < 2; walk++) {
		static_set_walk_only(walk);
		for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
			assert_int_equal(tstatic_get(cases[i].path, NULL, NULL,
			                             1, &r, body, sizeof(body)),
			                 200);
			assert_string_equal(body, cases[i].body);
			assert_string_equal(r.cache_control, "no-cache");
			assert_string_equal(r.content_type,
			                    "text/html; charset=utf-8");
		}
	}
	/* Its precompressed variant, as for any file. */
	assert_int_equal(
	    tstatic_get("/sub/users", "gzip", NULL, 1, &r, body, sizeof(body)),
	    200);
	assert_string_equal(body, "SUBINDEXGZ");
	assert_string_equal(r.content_encoding, "gzip");
	/* Without the fallback a route stays a 404; a missing file under
	 * the directory too. */
	assert_int_equal(
	    tstatic_get("/sub/users", NULL, NULL, 0, &r, body, sizeof(body)),
	    404);
	assert_int_equal(tstatic_get("/sub/assets/missing.js", NULL, NULL, 1,
	                             &r, body, sizeof(body)),
	                 404);
}

static void
test_static_spa_fallback_not_for_files(void **state)
{
	struct static_response r;
	char body[64];

	(void)state;
	assert_int_equal(tstatic_get("/assets/missing.js", NULL, NULL, 1, &r,
	                             body, sizeof(body)),
	                 404);
}

static void
test_static_content_types(void **state)
{
	static const struct {
		const char *name;
		const char *type;
	} cases[] = {
	    {"x.html", "text/html; charset=utf-8"},
	    {"x.MJS", "text/javascript; charset=utf-8"},
	    {"x.json", "application/json"},
	    {"x.svg", "image/svg+xml"},
	    {"x.png", "image/png"},
	    {"x.jpg", "image/jpeg"},
	    {"x.webp", "image/webp"},
	    {"x.ico", "image/x-icon"},
	    {"x.woff2", "font/woff2"},
	    {"x.map", "application/json"},
	    {"x.bin", "application/octet-stream"},
	    {"noext", "application/octet-stream"},
	};
	struct static_response r;
	char body[64], rel[64], url[64];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(rel, sizeof(rel), "root/a/%s", cases[i].name);
		tstatic_write(rel, "x");
		snprintf(url, sizeof(url), "/a/%s", cases[i].name);
		assert_int_equal(
		    tstatic_get(url, NULL, NULL, 0, &r, body, sizeof(body)),
		    200);
		assert_string_equal(r.content_type, cases[i].type);
	}
}

static void
test_static_missing_root(void **state)
{
	(void)state;
	assert_null(static_root_open("/nonexistent/lifted/static"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup(f, tstatic_reset)
	    T(test_static_root_serves_index),
	    T(test_static_plain_file),
	    T(test_static_dotdot_refused),
	    T(test_static_encoded_dotdot_refused),
	    T(test_static_double_encoded_refused),
	    T(test_static_encoded_slash_refused),
	    T(test_static_nul_refused),
	    T(test_static_backslash_refused),
	    T(test_static_bad_percent_refused),
	    T(test_static_hidden_not_served),
	    T(test_static_directory_not_served),
	    T(test_static_symlink_out_refused),
	    T(test_static_symlink_out_refused_walk),
	    T(test_static_walk_serves_nested),
	    T(test_static_final_symlink_not_followed),
	    T(test_static_etag_match_304),
	    T(test_static_etag_weak_and_list_304),
	    T(test_static_etag_mismatch_200),
	    T(test_static_etag_differs_per_encoding),
	    T(test_static_br_preferred),
	    T(test_static_gzip_only),
	    T(test_static_q0_refuses),
	    T(test_static_q_order),
	    T(test_static_star_accepts),
	    T(test_static_no_accept_identity),
	    T(test_static_missing_variant_falls_back),
	    T(test_static_assets_immutable),
	    T(test_static_spa_fallback_route),
	    T(test_static_spa_fallback_first_segment),
	    T(test_static_spa_fallback_not_for_files),
	    T(test_static_content_types),
	    T(test_static_missing_root),
#undef T
	};

	return (cmocka_run_group_tests(tests, tstatic_setup, tstatic_teardown));
}
