/*
 * Signed URLs: an HMAC URL verifies until its expiry and not at or after
 * it; changing any byte of the method, path, expiry or signature makes it
 * fail; malformed parameters are refused.  CloudFront canned-policy URLs
 * are checked the way CloudFront checks them: the policy rebuilt from the
 * URL and verified with the public half of a key pair made here.
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

#include "sign.h"
#include "token.h"

static const unsigned char KEY[] = "0123456789abcdef0123456789abcdef-key";
#define KEYLEN (sizeof(KEY) - 1)

static enum sign_check
check(const char *method, const char *path, const char *expires,
      const char *sig, long long now)
{
	return (sign_check_hmac(KEY, KEYLEN, method, path, expires, sig, now));
}

static void
test_hmac_format(void **state)
{
	char sig[65], want[TOKEN_HEX_LEN + 1];

	(void)state;
	assert_int_equal(sign_url_hmac(KEY, KEYLEN, "GET", "/media/a.pdf",
	                               1700000000LL, sig),
	                 0);
	assert_int_equal(strlen(sig), 64);
	assert_int_equal(strspn(sig, "0123456789abcdef"), 64);
	/* The message is exactly "METHOD\nPATH\nEXPIRES" (token.c's HMAC is
	 * a separate implementation). */
	token_hmac_hex((const char *)KEY, "GET\n/media/a.pdf\n1700000000",
	               want);
	assert_string_equal(sig, want);
	assert_int_equal(sign_url_hmac(KEY, KEYLEN, "GET", "/m", -1, sig), -1);
	assert_int_equal(sign_url_hmac(NULL, 0, "GET", "/m", 1, sig), -1);
	assert_int_equal(sign_url_hmac(KEY, KEYLEN, NULL, "/m", 1, sig), -1);
}

static void
test_hmac_expiry(void **state)
{
	char sig[65];

	(void)state;
	assert_int_equal(
	    sign_url_hmac(KEY, KEYLEN, "GET", "/media/a.pdf", 1000, sig), 0);
	assert_int_equal(check("GET", "/media/a.pdf", "1000", sig, 0), SIGN_OK);
	assert_int_equal(check("GET", "/media/a.pdf", "1000", sig, 999),
	                 SIGN_OK);
	assert_int_equal(check("GET", "/media/a.pdf", "1000", sig, 1000),
	                 SIGN_EXPIRED);
	assert_int_equal(check("GET", "/media/a.pdf", "1000", sig, 1001),
	                 SIGN_EXPIRED);
	assert_int_equal(check("GET", "/media/a.pdf", "1000", sig, 1LL << 40),
	                 SIGN_EXPIRED);
}

/* Every other value (0..255) at every position of s must fail. */
static void
mutate_all(char *s, int which, const char *method, const char *path,
           const char *expires, const char *sig)
{
	size_t len = strlen(s), i;
	int v;

	for (i = 0; i < len; i++) {
		char orig = s[i];

		for (v = 0; v < 256; v++) {
			if ((char)v == orig)
				continue;
			s[i] = (char)v;
			if (check(which == 0 ? s : method,
			          which == 1 ? s : path,
			          which == 2 ? s : expires,
			          which == 3 ? s : sig, 100) != SIGN_BAD)
				fail_msg("field %d byte %zu -> %d verified",
				         which, i, v);
		}
		s[i] = orig;
	}
}

static void
test_hmac_every_byte(void **state)
{
	char sig[65], method[] = "GET", path[] = "/media/brochures/2026/x.pdf",
	              expires[] = "1700000000", sigcopy[65];

	(void)state;
	assert_int_equal(
	    sign_url_hmac(KEY, KEYLEN, method, path, 1700000000LL, sig), 0);
	assert_int_equal(check(method, path, expires, sig, 100), SIGN_OK);
	memcpy(sigcopy, sig, sizeof(sig));
	mutate_all(method, 0, method, path, expires, sig);
	mutate_all(path, 1, method, path, expires, sig);
	mutate_all(expires, 2, method, path, expires, sig);
	mutate_all(sigcopy, 3, method, path, expires, sig);
	/* Everything restored: still valid. */
	assert_int_equal(check(method, path, expires, sigcopy, 100), SIGN_OK);
	/* A different key never verifies. */
	assert_int_equal(sign_check_hmac((const unsigned char *)"other", 5,
	                                 method, path, expires, sig, 100),
	                 SIGN_BAD);
}

static void
test_hmac_malformed(void **state)
{
	char sig[65], upper[65], longer[70];
	size_t i;

	(void)state;
	assert_int_equal(sign_url_hmac(KEY, KEYLEN, "GET", "/m", 100, sig), 0);
	assert_int_equal(check("GET", "/m", "100", sig, 1), SIGN_OK);
	/* One spelling per expiry: no sign, space, leading zero, overflow. */
	assert_int_equal(check("GET", "/m", "0100", sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "+100", sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", " 100", sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "100 ", sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "", sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", NULL, sig, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "99999999999999999999", sig, 1),
	                 SIGN_BAD);
	assert_int_equal(check("GET", "/m", "9999999999999999999", sig, 1),
	                 SIGN_BAD); /* > LLONG_MAX */
	/* Signatures: exactly 64 lower-case hex digits. */
	for (i = 0; i < 65; i++)
		upper[i] =
		    (sig[i] >= 'a' && sig[i] <= 'f') ? sig[i] - 32 : sig[i];
	assert_int_equal(check("GET", "/m", "100", upper, 1), SIGN_BAD);
	snprintf(longer, sizeof(longer), "%s0", sig);
	assert_int_equal(check("GET", "/m", "100", longer, 1), SIGN_BAD);
	longer[63] = '\0';
	assert_int_equal(check("GET", "/m", "100", longer, 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "100", "", 1), SIGN_BAD);
	assert_int_equal(check("GET", "/m", "100", NULL, 1), SIGN_BAD);
	/* A bad signature says BAD even when expired. */
	memset(longer, '0', 64);
	longer[64] = '\0';
	assert_int_equal(check("GET", "/m", "100", longer, 200), SIGN_BAD);
}

/* --- CloudFront ---------------------------------------------------------- */

static char *
pem_of(EVP_PKEY *pkey, int private)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p, *out;
	long n;

	assert_non_null(b);
	if (private)
		assert_int_equal(PEM_write_bio_PrivateKey(b, pkey, NULL, NULL,
		                                          0, NULL, NULL),
		                 1);
	else
		assert_int_equal(PEM_write_bio_PUBKEY(b, pkey), 1);
	n = BIO_get_mem_data(b, &p);
	out = strndup(p, (size_t)n);
	BIO_free(b);
	return (out);
}

/* RSA-SHA1 verification of msg with the public key in PEM; 1 valid. */
static int
verify(const char *pub_pem, const char *msg, const unsigned char *sig,
       size_t siglen)
{
	BIO *b = BIO_new_mem_buf(pub_pem, -1);
	EVP_PKEY *pub = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	int ok;

	assert_non_null(pub);
	ok = EVP_DigestVerifyInit(md, NULL, EVP_sha1(), NULL, pub) == 1 &&
	     EVP_DigestVerify(md, sig, siglen, (const unsigned char *)msg,
	                      strlen(msg)) == 1;
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pub);
	BIO_free(b);
	return (ok);
}

static void
test_cloudfront(void **state)
{
	static const char prefix[] =
	    "https://d111111abcdef8.cloudfront.net/media/brochures/a.pdf"
	    "?Expires=1700000000&Signature=";
	static const char suffix[] = "&Key-Pair-Id=K2JCJMDEHXQW5F";
	EVP_PKEY *pkey;
	char *priv, *pub, *url, *s64, policy[512], err[256];
	unsigned char sig[512];
	size_t len, i, pad = 0;
	int n;

	(void)state;
	pkey = EVP_RSA_gen(2048);
	assert_non_null(pkey);
	priv = pem_of(pkey, 1);
	pub = pem_of(pkey, 0);
	assert_null(strstr(pub, "PRIVATE"));

	url = sign_cloudfront_url("d111111abcdef8.cloudfront.net",
	                          "/media/brochures/a.pdf", 1700000000LL,
	                          "K2JCJMDEHXQW5F", priv, err, sizeof(err));
	assert_non_null(url);
	assert_int_equal(strncmp(url, prefix, strlen(prefix)), 0);
	len = strlen(url);
	assert_true(len > strlen(prefix) + strlen(suffix));
	assert_string_equal(url + len - strlen(suffix), suffix);
	s64 = strndup(url + strlen(prefix),
	              len - strlen(prefix) - strlen(suffix));
	/* CloudFront's alphabet: no '+', '=' or '/' left in the URL. */
	assert_null(strpbrk(s64, "+=/&?"));
	for (i = 0; s64[i] != '\0'; i++) {
		if (s64[i] == '-')
			s64[i] = '+';
		else if (s64[i] == '_') {
			s64[i] = '=';
			pad++;
		} else if (s64[i] == '~')
			s64[i] = '/';
	}
	n = EVP_DecodeBlock(sig, (unsigned char *)s64, (int)strlen(s64));
	assert_true(n > (int)pad);
	n -= (int)pad;
	assert_int_equal(n, 256); /* RSA-2048 */

	snprintf(policy, sizeof(policy),
	         "{\"Statement\":[{\"Resource\":\"https://d111111abcdef8."
	         "cloudfront.net/media/brochures/a.pdf\",\"Condition\":{"
	         "\"DateLessThan\":{\"AWS:EpochTime\":%lld}}}]}",
	         1700000000LL);
	assert_int_equal(verify(pub, policy, sig, (size_t)n), 1);
	/* A tampered Expires (the policy CloudFront would rebuild) fails. */
	snprintf(policy, sizeof(policy),
	         "{\"Statement\":[{\"Resource\":\"https://d111111abcdef8."
	         "cloudfront.net/media/brochures/a.pdf\",\"Condition\":{"
	         "\"DateLessThan\":{\"AWS:EpochTime\":%lld}}}]}",
	         1700000001LL);
	assert_int_equal(verify(pub, policy, sig, (size_t)n), 0);
	/* So does another resource, and a flipped signature bit. */
	snprintf(policy, sizeof(policy),
	         "{\"Statement\":[{\"Resource\":\"https://d111111abcdef8."
	         "cloudfront.net/media/brochures/b.pdf\",\"Condition\":{"
	         "\"DateLessThan\":{\"AWS:EpochTime\":%lld}}}]}",
	         1700000000LL);
	assert_int_equal(verify(pub, policy, sig, (size_t)n), 0);
	snprintf(policy, sizeof(policy),
	         "{\"Statement\":[{\"Resource\":\"https://d111111abcdef8."
	         "cloudfront.net/media/brochures/a.pdf\",\"Condition\":{"
	         "\"DateLessThan\":{\"AWS:EpochTime\":%lld}}}]}",
	         1700000000LL);
	assert_int_equal(verify(pub, policy, sig, (size_t)n), 1);
	sig[100] ^= 0x01;
	assert_int_equal(verify(pub, policy, sig, (size_t)n), 0);

	free(s64);
	free(url);
	free(pub);

	/* Refusals. */
	assert_null(sign_cloudfront_url("d1.cloudfront.net", "a.pdf", 1, "K1",
	                                "not a key", err, sizeof(err)));
	assert_non_null(strstr(err, "PEM"));
	assert_null(sign_cloudfront_url("d1.cloudfront.net/evil", "a.pdf", 1,
	                                "K1", priv, err, sizeof(err)));
	assert_null(sign_cloudfront_url("d1.cloudfront.net", "a\".pdf", 1, "K1",
	                                priv, err, sizeof(err)));
	assert_null(sign_cloudfront_url("d1.cloudfront.net", "a.pdf?x=1", 1,
	                                "K1", priv, err, sizeof(err)));
	assert_null(sign_cloudfront_url("d1.cloudfront.net", "a.pdf", 0, "K1",
	                                priv, err, sizeof(err)));
	assert_null(sign_cloudfront_url("d1.cloudfront.net", "a.pdf", 1,
	                                "K1&x=y", priv, err, sizeof(err)));
	free(priv);
	EVP_PKEY_free(pkey);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hmac_format),
	    cmocka_unit_test(test_hmac_expiry),
	    cmocka_unit_test(test_hmac_every_byte),
	    cmocka_unit_test(test_hmac_malformed),
	    cmocka_unit_test(test_cloudfront),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
