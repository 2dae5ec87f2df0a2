/*
 * Small parsers for outside input that several modules share: listen
 * addresses, CIDR ranges, percent-decoding and query strings.  All are
 * pure functions, covered by tests/unit/test_url.c.
 */
#ifndef LIFTED_URL_H
#define LIFTED_URL_H

#include <netinet/in.h>
#include <stddef.h>

struct arena;

/* "HOST:PORT" or "[V6]:PORT"; HOST must be a numeric address.  Fills
 * host (NUL-terminated) and port; 0 or -1. */
int url_parse_listen(const char *s, char *host, size_t hostlen, int *port);

struct url_cidr {
	int family; /* AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;
};

/* "127.0.0.1", "10.0.0.0/8", "::1", "fd00::/8"; 0 or -1. */
int url_cidr_parse(const char *s, struct url_cidr *out);

/* Parses a comma-separated list into a new array (caller frees *out with
 * free); 0 or -1 (bad entry copied into bad). */
int url_cidr_list_parse(const char *s, struct url_cidr **out, size_t *n,
                        char *bad, size_t badlen);

/* 1 when the numeric address text is inside one of the ranges.  IPv4
 * mapped IPv6 addresses (::ffff:a.b.c.d) match IPv4 ranges. */
int url_cidr_match(const struct url_cidr *list, size_t n, const char *addr);

/* Percent-decodes src[0..len) into dst (at least len + 1 bytes).  plus:
 * 1 turns '+' into a space (query strings).  Returns the decoded length,
 * or -1 on a malformed escape.  The output may contain NUL bytes; callers
 * that need C strings reject them with memchr. */
long url_decode(const char *src, size_t len, char *dst, int plus);

struct url_query_pair {
	const char *key;
	const char *value;
};

/* Splits "a=1&b=2" into decoded pairs allocated in the arena.  A pair
 * without '=' has an empty value; empty pieces are skipped.  Returns 0, or
 * -1 when an escape is malformed, a key or value holds a NUL byte, or
 * there are more than max_pairs pairs. */
int url_query_parse(struct arena *a, const char *query, size_t max_pairs,
                    struct url_query_pair **out, size_t *n);

#endif
