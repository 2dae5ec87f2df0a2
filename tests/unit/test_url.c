/*
 * Listen addresses, CIDR ranges, percent-decoding, query strings.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "arena.h"
#include "url.h"

static void
test_listen(void **state)
{
	char host[64];
	int port;

	(void)state;
	assert_int_equal(
	    url_parse_listen("127.0.0.1:8000", host, sizeof(host), &port), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8000);
	assert_int_equal(
	    url_parse_listen("[::1]:9001", host, sizeof(host), &port), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9001);
	assert_int_equal(
	    url_parse_listen("127.0.0.1", host, sizeof(host), &port), -1);
	assert_int_equal(
	    url_parse_listen("127.0.0.1:0", host, sizeof(host), &port), -1);
	assert_int_equal(
	    url_parse_listen("127.0.0.1:80x", host, sizeof(host), &port), -1);
	assert_int_equal(
	    url_parse_listen("example.org:80", host, sizeof(host), &port), -1);
	assert_int_equal(url_parse_listen("::1:80", host, sizeof(host), &port),
	                 -1);
}

static void
test_cidr(void **state)
{
	struct url_cidr *list;
	size_t n;
	char bad[64];

	(void)state;
	assert_int_equal(url_cidr_list_parse("10.0.0.0/8, 127.0.0.1,fd00::/8",
	                                     &list, &n, bad, sizeof(bad)),
	                 0);
	assert_int_equal(n, 3);
	assert_true(url_cidr_match(list, n, "10.1.2.3"));
	assert_true(url_cidr_match(list, n, "127.0.0.1"));
	assert_false(url_cidr_match(list, n, "127.0.0.2"));
	assert_false(url_cidr_match(list, n, "11.0.0.1"));
	assert_true(url_cidr_match(list, n, "fd12::1"));
	assert_false(url_cidr_match(list, n, "fe80::1"));
	assert_true(url_cidr_match(list, n, "::ffff:10.9.9.9"));
	assert_false(url_cidr_match(list, n, "not-an-address"));
	free(list);

	assert_int_equal(
	    url_cidr_list_parse("192.168.1.0/23", &list, &n, bad, sizeof(bad)),
	    0);
	assert_true(url_cidr_match(list, n, "192.168.0.255"));
	assert_false(url_cidr_match(list, n, "192.168.2.0"));
	free(list);

	assert_int_equal(
	    url_cidr_list_parse("10.0.0.1,bogus", &list, &n, bad, sizeof(bad)),
	    -1);
	assert_string_equal(bad, "bogus");
}

static void
test_decode(void **state)
{
	char out[32];

	(void)state;
	assert_int_equal(url_decode("a%20b+c", 7, out, 1), 5);
	assert_string_equal(out, "a b c");
	assert_int_equal(url_decode("a+b", 3, out, 0), 3);
	assert_string_equal(out, "a+b");
	assert_int_equal(url_decode("%2e%2E", 6, out, 0), 2);
	assert_string_equal(out, "..");
	assert_int_equal(url_decode("%zz", 3, out, 0), -1);
	assert_int_equal(url_decode("%2", 2, out, 0), -1);
	assert_int_equal(url_decode("abc%", 4, out, 0), -1);
	assert_int_equal(url_decode("%00", 3, out, 0), 1);
}

static void
test_query(void **state)
{
	struct arena *a = arena_new();
	struct url_query_pair *p;
	size_t n;

	(void)state;
	assert_int_equal(
	    url_query_parse(a, "v=1&o=Law+firm&&x&q=a%26b", 10, &p, &n), 0);
	assert_int_equal(n, 4);
	assert_string_equal(p[0].key, "v");
	assert_string_equal(p[0].value, "1");
	assert_string_equal(p[1].value, "Law firm");
	assert_string_equal(p[2].key, "x");
	assert_string_equal(p[2].value, "");
	assert_string_equal(p[3].value, "a&b");
	assert_int_equal(url_query_parse(a, "a=%00", 10, &p, &n), -1);
	assert_int_equal(url_query_parse(a, "a=%G1", 10, &p, &n), -1);
	assert_int_equal(url_query_parse(a, "a=1&b=2&c=3", 2, &p, &n), -1);
	assert_int_equal(url_query_parse(a, NULL, 2, &p, &n), 0);
	assert_int_equal(n, 0);
	arena_free(a);
}

static void
test_arena(void **state)
{
	struct arena *a = arena_new();
	char *big, *s;

	(void)state;
	s = arena_printf(a, "%s-%d", "x", 42);
	assert_string_equal(s, "x-42");
	big = arena_alloc(a, 100000); /* larger than a block */
	assert_non_null(big);
	big[99999] = 1;
	assert_true(arena_used(a) >= 100000);
	assert_null(arena_alloc(a, SIZE_MAX - 8));
	assert_string_equal(arena_strndup(a, "abcdef", 3), "abc");
	assert_string_equal(s, "x-42"); /* earlier allocations untouched */
	arena_free(a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_listen), cmocka_unit_test(test_cidr),
	    cmocka_unit_test(test_decode), cmocka_unit_test(test_query),
	    cmocka_unit_test(test_arena),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
