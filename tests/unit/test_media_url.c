/*
 * Signed media URLs (shared/media_url.c): the App signs only with
 * LIFTED_MEDIA_URL_KEY, the CMS falls back to LIFTED_SECRET_KEY; a URL the
 * App makes verifies on a CMS with the same media key and on nothing else;
 * LIFTED_MEDIA_BASE_URL prefixes it (trailing '/' dropped); content types
 * come from the generated keys' extensions; with the three CloudFront
 * settings the URLs are CloudFront's, for the key as the path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "media_url.h"
#include "settings.h"

#define MEDIA_KEY  "media-key-0123456789abcdef0123456789"
#define SECRET_KEY "secret-key-0123456789abcdef012345678"
#define KEY        "logo/0123456789abcdef0123456789abcdef.png"
#define NOW        1800000000LL

static void
config(struct settings *s, char *media_key, char *secret, char *base)
{
	memset(s, 0, sizeof(*s));
	s->media_url_key = media_key;
	s->secret_key = secret;
	s->media_base_url = base;
	s->media_url_ttl_s = 600;
}

/* Splits url ("...PATH?expires=E&signature=S") into its parts. */
static void
parts(const char *url, const char *base, char *path, char *e, char *sig)
{
	const char *p = url + strlen(base), *q = strchr(p, '?');

	assert_non_null(q);
	memcpy(path, p, (size_t)(q - p));
	path[q - p] = '\0';
	assert_int_equal(
	    sscanf(q, "?expires=%19[0-9]&signature=%64[0-9a-f]", e, sig), 2);
}

static void
test_app_needs_media_key(void **state)
{
	struct settings s;
	char err[200];

	(void)state;
	config(&s, NULL, SECRET_KEY, NULL);
	assert_int_equal(media_url_init(&s, 0), 0);
	assert_false(media_url_enabled());
	assert_null(media_url_sign(KEY, NOW, NULL, err, sizeof(err)));
	assert_non_null(strstr(err, "LIFTED_MEDIA_URL_KEY"));
	media_url_fini();
}

static void
test_round_trip(void **state)
{
	struct settings s;
	char err[200], path[256], e[32], sig[80];
	const char *base = "https://cms.example.org";
	long long expires;
	char *url;

	(void)state;
	/* The App signs with the media key... */
	config(&s, MEDIA_KEY, NULL, "https://cms.example.org/");
	assert_int_equal(media_url_init(&s, 0), 0);
	assert_true(media_url_enabled());
	url = media_url_sign(KEY, NOW, &expires, err, sizeof(err));
	assert_non_null(url);
	assert_int_equal(expires, NOW + 600);
	assert_true(strncmp(url, "https://cms.example.org/media/" KEY "?",
	                    strlen(base) + strlen("/media/" KEY "?")) == 0);
	parts(url, base, path, e, sig);
	free(url);
	media_url_fini();

	/* ...the CMS with the same media key accepts it until it expires. */
	config(&s, MEDIA_KEY, SECRET_KEY, NULL);
	assert_int_equal(media_url_init(&s, 1), 0);
	assert_int_equal(media_url_check(path, e, sig, NOW), SIGN_OK);
	assert_int_equal(media_url_check(path, e, sig, NOW + 599), SIGN_OK);
	assert_int_equal(media_url_check(path, e, sig, NOW + 600),
	                 SIGN_EXPIRED);
	assert_int_equal(
	    media_url_check("/media/logo/0123456789abcdef0123456789abcdee.png",
	                    e, sig, NOW),
	    SIGN_BAD);
	assert_int_equal(media_url_check(path, NULL, sig, NOW), SIGN_BAD);
	assert_int_equal(media_url_check(path, e, NULL, NOW), SIGN_BAD);
	media_url_fini();

	/* A CMS keyed only by its secret key does not. */
	config(&s, NULL, SECRET_KEY, NULL);
	assert_int_equal(media_url_init(&s, 1), 0);
	assert_true(media_url_enabled());
	assert_int_equal(media_url_check(path, e, sig, NOW), SIGN_BAD);
	media_url_fini();
}

static void
test_same_origin(void **state)
{
	struct settings s;
	char err[200], path[256], e[32], sig[80];
	char *url;

	(void)state;
	config(&s, NULL, SECRET_KEY, NULL);
	assert_int_equal(media_url_init(&s, 1), 0);
	url = media_url_sign(KEY, NOW, NULL, err, sizeof(err));
	assert_non_null(url);
	assert_true(
	    strncmp(url, "/media/" KEY "?", strlen("/media/" KEY "?")) == 0);
	parts(url, "", path, e, sig);
	assert_int_equal(media_url_check(path, e, sig, NOW), SIGN_OK);
	free(url);
	assert_int_equal(media_url_ttl(), 600);
	media_url_fini();
}

static void
test_cloudfront(void **state)
{
	struct settings s;
	EVP_PKEY *pkey;
	BIO *b;
	char *pem, *url, err[200];
	const char *want = "https://d111.cloudfront.net/" KEY "?Expires=";
	long n;

	(void)state;
	pkey = EVP_RSA_gen(2048);
	assert_non_null(pkey);
	b = BIO_new(BIO_s_mem());
	assert_int_equal(
	    PEM_write_bio_PrivateKey(b, pkey, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_pending(b);
	pem = calloc(1, (size_t)n + 1);
	assert_int_equal(BIO_read(b, pem, (int)n), (int)n);
	BIO_free(b);
	EVP_PKEY_free(pkey);

	/* No HMAC key at all: CloudFront alone enables media. */
	config(&s, NULL, NULL, NULL);
	s.cloudfront_domain = "d111.cloudfront.net";
	s.cloudfront_key_id = "K2JCJMDEHXQW5F";
	s.cloudfront_private_key = pem;
	assert_int_equal(media_url_init(&s, 0), 0);
	assert_true(media_url_enabled());
	url = media_url_sign(KEY, NOW, NULL, err, sizeof(err));
	assert_non_null(url);
	assert_true(strncmp(url, want, strlen(want)) == 0);
	assert_non_null(strstr(url, "?Expires=1800000600&Signature="));
	assert_non_null(strstr(url, "&Key-Pair-Id=K2JCJMDEHXQW5F"));
	free(url);
	/* Its own route does not take HMAC URLs then. */
	assert_int_equal(
	    media_url_check("/media/" KEY, "1800000600",
	                    "0000000000000000000000000000000000000000"
	                    "000000000000000000000000",
	                    NOW),
	    SIGN_BAD);
	media_url_fini();
	free(pem);
}

static void
test_types(void **state)
{
	(void)state;
	assert_string_equal(media_url_type_of("brochure/ab.pdf"),
	                    "application/pdf");
	assert_string_equal(media_url_type_of("logo/ab.png"), "image/png");
	assert_string_equal(media_url_type_of("logo/ab.jpg"), "image/jpeg");
	assert_string_equal(media_url_type_of("logo/ab.webp"), "image/webp");
	assert_null(media_url_type_of("logo/ab.html"));
	assert_null(media_url_type_of("logo/ab"));
	assert_null(media_url_type_of(NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_app_needs_media_key),
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_same_origin),
	    cmocka_unit_test(test_cloudfront),
	    cmocka_unit_test(test_types),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
