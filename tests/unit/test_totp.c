/*
 * TOTP: the RFC 6238 appendix B test vectors (SHA-1, SHA-256, SHA-512),
 * the ±1 step window, replay refusal, base32 and the otpauth:// URI.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

static const unsigned char key1[] = "12345678901234567890";
static const unsigned char key256[] = "12345678901234567890123456789012";
static const unsigned char key512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

static const struct {
	long long t;
	uint32_t sha1, sha256, sha512;
} vectors[] = {
    {59, 94287082, 46119246, 90693936},
    {1111111109, 7081804, 68084774, 25091201},
    {1111111111, 14050471, 67062674, 99943326},
    {1234567890, 89005924, 91819424, 93441116},
    {2000000000, 69279037, 90698825, 38618901},
    {20000000000LL, 65353130, 77737706, 47863826},
};

static void
test_rfc6238_vectors(void **state)
{
	size_t i;
	uint64_t step;

	(void)state;
	for (i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		step = totp_step((time_t)vectors[i].t);
		assert_int_equal(totp_hotp(TOTP_SHA1, key1, 20, step, 8),
		                 vectors[i].sha1);
		assert_int_equal(totp_hotp(TOTP_SHA256, key256, 32, step, 8),
		                 vectors[i].sha256);
		assert_int_equal(totp_hotp(TOTP_SHA512, key512, 64, step, 8),
		                 vectors[i].sha512);
	}
}

/* RFC 4226 appendix D: the HOTP values behind TOTP. */
static void
test_rfc4226_vectors(void **state)
{
	static const uint32_t want[] = {755224, 287082, 359152, 969429, 338314,
	                                254676, 287922, 162583, 399871, 520489};
	uint64_t c;

	(void)state;
	for (c = 0; c < 10; c++)
		assert_int_equal(totp_hotp(TOTP_SHA1, key1, 20, c, 6), want[c]);
}

static void
code_at(time_t t, char *buf)
{
	snprintf(buf, 8, "%06u",
	         (unsigned)totp_hotp(TOTP_SHA1, key1, 20, totp_step(t), 6));
}

static void
test_window_and_replay(void **state)
{
	time_t now = 1234567890;
	uint64_t step = 0;
	char code[8];

	(void)state;
	code_at(now, code);
	assert_int_equal(totp_check(key1, 20, code, now, 0, &step), 1);
	assert_int_equal(step, totp_step(now));
	/* The same code again: its step is not after the last one. */
	assert_int_equal(totp_check(key1, 20, code, now, step, NULL), 0);
	/* One step either side is accepted, two are not. */
	code_at(now - 30, code);
	assert_int_equal(totp_check(key1, 20, code, now, 0, NULL), 1);
	code_at(now + 30, code);
	assert_int_equal(totp_check(key1, 20, code, now, 0, NULL), 1);
	code_at(now - 60, code);
	assert_int_equal(totp_check(key1, 20, code, now, 0, NULL), 0);
	code_at(now + 60, code);
	assert_int_equal(totp_check(key1, 20, code, now, 0, NULL), 0);
	/* Malformed input. */
	assert_int_equal(totp_check(key1, 20, "12345", now, 0, NULL), 0);
	assert_int_equal(totp_check(key1, 20, "12345a", now, 0, NULL), 0);
	assert_int_equal(totp_check(key1, 20, "1234567", now, 0, NULL), 0);
	assert_int_equal(totp_check(key1, 20, NULL, now, 0, NULL), 0);
}

static void
test_base32(void **state)
{
	unsigned char out[64];
	char b32[128];

	(void)state;
	/* RFC 4648 section 10, without padding. */
	assert_int_equal(totp_base32_encode((const unsigned char *)"foobar", 6,
	                                    b32, sizeof(b32)),
	                 10);
	assert_string_equal(b32, "MZXW6YTBOI");
	assert_int_equal(
	    totp_base32_encode((const unsigned char *)"f", 1, b32, sizeof(b32)),
	    2);
	assert_string_equal(b32, "MY");
	assert_int_equal(totp_base32_encode(key1, 20, b32, sizeof(b32)), 32);
	assert_string_equal(b32, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	assert_int_equal(totp_base32_decode("gezdgnbvgy3tqojqgezdgnbvgy3tqojq",
	                                    out, sizeof(out)),
	                 20);
	assert_memory_equal(out, key1, 20);
	assert_int_equal(
	    totp_base32_decode("MZXW6YTBOI======", out, sizeof(out)), 6);
	assert_memory_equal(out, "foobar", 6);
	assert_int_equal(totp_base32_decode("MZ1", out, sizeof(out)), -1);
	assert_int_equal(totp_base32_encode(key1, 20, b32, 32), -1);
}

static void
test_uri(void **state)
{
	char buf[256];

	(void)state;
	assert_int_equal(
	    totp_uri(buf, sizeof(buf), "Lifted CMS", "a&b", "MZXW6YTBOI"), 0);
	assert_string_equal(
	    buf, "otpauth://totp/Lifted%20CMS%3Aa%26b?"
	         "secret=MZXW6YTBOI&issuer=Lifted%20CMS&algorithm=SHA1&digits=6"
	         "&period=30");
	assert_int_equal(totp_uri(buf, 20, "Lifted CMS", "a", "MZ"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6238_vectors),
	    cmocka_unit_test(test_rfc4226_vectors),
	    cmocka_unit_test(test_window_and_replay),
	    cmocka_unit_test(test_base32),
	    cmocka_unit_test(test_uri),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
