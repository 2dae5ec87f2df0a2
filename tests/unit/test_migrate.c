/*
 * Migration checksums: SHA-256 against the FIPS 180-2 test vectors, so
 * a checksum recorded by one build matches every other build.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "migrate.h"

static void
test_checksum_empty(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(migrate_checksum("", 0, hex), 0);
	assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb924"
	                         "27ae41e4649b934ca495991b7852b855");
}

static void
test_checksum_abc(void **state)
{
	char hex[65];

	(void)state;
	assert_int_equal(migrate_checksum("abc", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	                         "b00361a396177a9cb410ff61f20015ad");
}

static void
test_checksum_uses_length(void **state)
{
	char hex[65];

	(void)state;
	/* Only the first three bytes count: "abc", not "abcd". */
	assert_int_equal(migrate_checksum("abcd", 3, hex), 0);
	assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223"
	                         "b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_checksum_empty),
	    cmocka_unit_test(test_checksum_abc),
	    cmocka_unit_test(test_checksum_uses_length),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
