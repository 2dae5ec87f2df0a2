/*
 * Secret tokens: the constant-time compare's semantics (the one helper
 * every token check uses; the CMS's cms_token_equal is this function),
 * token and recovery-code formats, and recovery codes working once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "token.h"

static void
test_equal(void **state)
{
	(void)state;
	assert_int_equal(token_equal("abc", "abc"), 1);
	assert_int_equal(token_equal("abc", "abd"), 0);
	assert_int_equal(token_equal("abc", "abcd"), 0);
	assert_int_equal(token_equal("abcd", "abc"), 0);
	/* A prefix, an empty token and a missing one never match. */
	assert_int_equal(token_equal("", ""), 0);
	assert_int_equal(token_equal(NULL, "abc"), 0);
	assert_int_equal(token_equal("abc", NULL), 0);
	assert_int_equal(token_equal(NULL, NULL), 0);
}

static void
test_random(void **state)
{
	char a[TOKEN_LEN + 1], b[TOKEN_LEN + 1];
	size_t i;

	(void)state;
	assert_int_equal(token_random(a, sizeof(a)), 0);
	assert_int_equal(token_random(b, sizeof(b)), 0);
	assert_int_equal(strlen(a), TOKEN_LEN);
	assert_int_equal(token_equal(a, b), 0);
	for (i = 0; i < TOKEN_LEN; i++)
		assert_non_null(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijkl"
		                       "mnopqrstuvwxyz0123456789-_",
		                       a[i]));
	assert_int_equal(token_random(a, TOKEN_LEN), -1);
}

static void
test_digests(void **state)
{
	char h[TOKEN_HEX_LEN + 1];

	(void)state;
	token_sha256_hex("abc", h);
	assert_string_equal(h, "ba7816bf8f01cfea414140de5dae2223b00361a396"
	                       "177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2. */
	token_hmac_hex("Jefe", "what do ya want for nothing?", h);
	assert_string_equal(h, "5bdcc146bf60754e6a042426089575c75a003f089d"
	                       "2739839dec58b964ec3843");
}

static void
test_recovery_format(void **state)
{
	char c[TOKEN_RECOVERY_LEN + 1], n[TOKEN_RECOVERY_LEN + 1];

	(void)state;
	assert_int_equal(token_recovery_new(c, sizeof(c)), 0);
	assert_int_equal(strlen(c), TOKEN_RECOVERY_LEN);
	assert_int_equal(c[5], '-');
	assert_int_equal(token_recovery_normalise(c, n, sizeof(n)), 0);
	assert_string_equal(c, n);
	assert_int_equal(token_recovery_normalise("ABCDE FGHIJ", n, sizeof(n)),
	                 0);
	assert_string_equal(n, "abcde-fghij");
	assert_int_equal(token_recovery_normalise("abcdefghij", n, sizeof(n)),
	                 0);
	assert_string_equal(n, "abcde-fghij");
	assert_int_equal(token_recovery_normalise("abcde-fghi", n, sizeof(n)),
	                 -1);
	assert_int_equal(token_recovery_normalise("abcde-fghijk", n, sizeof(n)),
	                 -1);
	assert_int_equal(token_recovery_normalise("abcde-fgh1j", n, sizeof(n)),
	                 -1);
}

static void
test_recovery_single_use(void **state)
{
	char code[TOKEN_RECOVERY_LEN + 1], hs[3][TOKEN_HEX_LEN + 1];
	char typed[TOKEN_HEX_LEN + 1];
	struct token_recovery rc[3];
	int i, first;

	(void)state;
	for (i = 0; i < 3; i++) {
		assert_int_equal(token_recovery_new(code, sizeof(code)), 0);
		token_hmac_hex("key", code, hs[i]);
		rc[i].hash_hex = hs[i];
		rc[i].used = 0;
	}
	typed[0] = '\0';
	strcpy(typed, hs[1]);
	first = token_recovery_find(rc, 3, typed);
	assert_int_equal(first, 1);
	rc[first].used = 1; /* what the CMS records (used_at) */
	assert_int_equal(token_recovery_find(rc, 3, typed), -1);
	/* The others still work, each once. */
	assert_int_equal(token_recovery_find(rc, 3, hs[0]), 0);
	assert_int_equal(token_recovery_find(rc, 3, "00"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_equal),
	    cmocka_unit_test(test_random),
	    cmocka_unit_test(test_digests),
	    cmocka_unit_test(test_recovery_format),
	    cmocka_unit_test(test_recovery_single_use),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
