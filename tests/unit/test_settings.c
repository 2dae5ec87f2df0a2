/*
 * Settings: defaults, NAME_FILE, unknown names, malformed values.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "settings.h"

static int
load(struct settings *s, char *err, size_t errlen, ...)
{
	char *env[32];
	va_list ap;
	size_t n = 0;

	va_start(ap, errlen);
	while ((env[n] = va_arg(ap, char *)) != NULL && n < 31)
		n++;
	va_end(ap);
	env[n] = NULL;
	return (settings_load(s, env, err, errlen));
}

static void
test_defaults(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(load(&s, err, sizeof(err), "PATH=/bin", NULL), 0);
	assert_string_equal(s.app_listen, "127.0.0.1:8000");
	assert_string_equal(s.cms_listen, "127.0.0.1:9001");
	assert_string_equal(s.time_zone, "Asia/Singapore");
	assert_string_equal(s.storage_url, "file://var/storage");
	assert_int_equal(s.scraper_timeout_s, 30);
	assert_int_equal(s.scraper_delay_ms, 1000);
	assert_int_equal(s.scraper_retries, 3);
	assert_int_equal(s.require_totp, 0);
	assert_int_equal(s.log_level, LOG_LEVEL_INFO);
	assert_true(s.workers >= 1); /* 0 means one per CPU */
	assert_null(s.app_database_url);
	assert_null(s.runas);
	settings_free(&s);
}

static void
test_values_parsed(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(
	    load(&s, err, sizeof(err),
	         "LIFTED_APP_DATABASE_URL=postgresql://u:p@127.0.0.1:5544/db",
	         "LIFTED_WORKERS=3", "LIFTED_LOG_LEVEL=debug",
	         "LIFTED_TRUSTED_PROXIES=127.0.0.1, 10.0.0.0/8,::1",
	         "LIFTED_APP_LISTEN=[::1]:8080", NULL),
	    0);
	assert_string_equal(s.app_database_url,
	                    "postgresql://u:p@127.0.0.1:5544/db");
	assert_int_equal(s.workers, 3);
	assert_int_equal(s.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(s.ntrusted, 3);
	assert_string_equal(s.app_listen, "[::1]:8080");
	settings_free(&s);
}

static void
test_unknown_name_refused(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(load(&s, err, sizeof(err), "LIFTED_WORKRES=2", NULL),
	                 -1);
	assert_non_null(strstr(err, "LIFTED_WORKRES"));
	/* Other prefixes are not ours to judge. */
	assert_int_equal(
	    load(&s, err, sizeof(err), "LIFTEDX=1", "HOME=/", NULL), 0);
	settings_free(&s);
}

static void
test_malformed_values_named(void **state)
{
	static const char *const bad[][2] = {
	    {"LIFTED_WORKERS=two", "LIFTED_WORKERS"},
	    {"LIFTED_WORKERS=-1", "LIFTED_WORKERS"},
	    {"LIFTED_APP_DATABASE_URL=mysql://x", "LIFTED_APP_DATABASE_URL"},
	    {"LIFTED_APP_LISTEN=localhost:80", "LIFTED_APP_LISTEN"},
	    {"LIFTED_APP_LISTEN=127.0.0.1:99999", "LIFTED_APP_LISTEN"},
	    {"LIFTED_SECRET_KEY=short", "LIFTED_SECRET_KEY"},
	    {"LIFTED_TIME_ZONE=Mars/Olympus", "LIFTED_TIME_ZONE"},
	    {"LIFTED_TIME_ZONE=../../etc/passwd", "LIFTED_TIME_ZONE"},
	    {"LIFTED_TRUSTED_PROXIES=10.0.0.0/33", "LIFTED_TRUSTED_PROXIES"},
	    {"LIFTED_LOG_LEVEL=loud", "LIFTED_LOG_LEVEL"},
	    {"LIFTED_REQUIRE_TOTP=2", "LIFTED_REQUIRE_TOTP"},
	    {"LIFTED_STORAGE_URL=ftp://x", "LIFTED_STORAGE_URL"},
	};
	struct settings s;
	char err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(load(&s, err, sizeof(err), bad[i][0], NULL),
		                 -1);
		assert_non_null(strstr(err, bad[i][1]));
	}
}

static void
test_secret_not_echoed(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(load(&s, err, sizeof(err),
	                      "LIFTED_SECRET_KEY=hunter2-is-too-short", NULL),
	                 -1);
	assert_null(strstr(err, "hunter2"));
}

static void
test_name_file(void **state)
{
	struct settings s;
	char err[256], path[] = "/tmp/lifted-test-secretXXXXXX", env[128];
	const char *key = "0123456789abcdef0123456789abcdef";
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, key, strlen(key)), (ssize_t)strlen(key));
	assert_int_equal(write(fd, "\n", 1), 1);
	close(fd);
	snprintf(env, sizeof(env), "LIFTED_SECRET_KEY_FILE=%s", path);
	assert_int_equal(load(&s, err, sizeof(err), env, NULL), 0);
	assert_string_equal(s.secret_key, key); /* newline stripped */
	settings_free(&s);

	/* Both forms at once is ambiguous. */
	assert_int_equal(
	    load(&s, err, sizeof(err), env,
	         "LIFTED_SECRET_KEY=0123456789abcdef0123456789abcdefXX", NULL),
	    -1);
	assert_non_null(strstr(err, "LIFTED_SECRET_KEY"));
	unlink(path);

	assert_int_equal(load(&s, err, sizeof(err),
	                      "LIFTED_SECRET_KEY_FILE=/nonexistent/secret",
	                      NULL),
	                 -1);
	assert_non_null(strstr(err, "LIFTED_SECRET_KEY_FILE"));
}

static void
test_spider_base_urls_accepted(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(
	    load(&s, err, sizeof(err),
	         "LIFTED_SPIDER_SAL_BASE_URL=http://127.0.0.1:8123/sal", NULL),
	    0);
	settings_free(&s);
	assert_int_equal(
	    load(&s, err, sizeof(err), "LIFTED_SPIDER_sal_BASE_URL=x", NULL),
	    -1);
}

static void
test_tls_pair(void **state)
{
	struct settings s;
	char err[256];

	(void)state;
	assert_int_equal(
	    load(&s, err, sizeof(err), "LIFTED_TLS_CERT=/etc/cert.pem", NULL),
	    -1);
	assert_non_null(strstr(err, "LIFTED_TLS_KEY"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_values_parsed),
	    cmocka_unit_test(test_unknown_name_refused),
	    cmocka_unit_test(test_malformed_values_named),
	    cmocka_unit_test(test_secret_not_echoed),
	    cmocka_unit_test(test_name_file),
	    cmocka_unit_test(test_spider_base_urls_accepted),
	    cmocka_unit_test(test_tls_pair),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
