/*
 * Parsers for addresses, ranges and query strings.  Everything here reads
 * untrusted text, so each function bounds what it reads and reports
 * failure instead of guessing.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hex.h"
#include "arena.h"
#include "url.h"

int
url_parse_listen(const char *s, char *host, size_t hostlen, int *port)
{
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long p;
	unsigned char buf[16];

	if (s[0] == '[') {
		const char *rb = strchr(s, ']');
		if (rb == NULL || rb[1] != ':')
			return (-1);
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		if ((colon = strrchr(s, ':')) == NULL)
			return (-1);
		hl = (size_t)(colon - s);
	}
	if (hl == 0 || hl >= hostlen)
		return (-1);
	memcpy(host, h, hl);
	host[hl] = '\0';
	if (inet_pton(s[0] == '[' ? AF_INET6 : AF_INET, host, buf) != 1)
		return (-1);
	if (!isdigit((unsigned char)colon[1]))
		return (-1);
	p = strtol(colon + 1, &end, 10);
	if (*end != '\0' || p < 1 || p > 65535)
		return (-1);
	*port = (int)p;
	return (0);
}

int
url_cidr_parse(const char *s, struct url_cidr *out)
{
	char buf[64];
	char *slash, *end;
	long prefix;
	size_t len = strlen(s);

	if (len == 0 || len >= sizeof(buf))
		return (-1);
	memcpy(buf, s, len + 1);
	memset(out, 0, sizeof(*out));
	if ((slash = strchr(buf, '/')) != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, out->addr) == 1) {
		out->family = AF_INET;
		out->prefix = 32;
	} else if (inet_pton(AF_INET6, buf, out->addr) == 1) {
		out->family = AF_INET6;
		out->prefix = 128;
	} else
		return (-1);
	if (slash != NULL) {
		if (!isdigit((unsigned char)slash[1]))
			return (-1);
		prefix = strtol(slash + 1, &end, 10);
		if (*end != '\0' || prefix < 0 || prefix > out->prefix)
			return (-1);
		out->prefix = (int)prefix;
	}
	return (0);
}

int
url_cidr_list_parse(const char *s, struct url_cidr **out, size_t *n, char *bad,
                    size_t badlen)
{
	struct url_cidr *list = NULL, *grown;
	size_t count = 0;
	const char *p = s;

	*out = NULL;
	*n = 0;
	while (*p != '\0') {
		const char *start, *stop;
		char item[64];
		size_t il;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '\0')
			break;
		start = p;
		while (*p != '\0' && *p != ',')
			p++;
		stop = p;
		while (stop > start && stop[-1] == ' ')
			stop--;
		il = (size_t)(stop - start);
		if (il >= sizeof(item))
			il = sizeof(item) - 1;
		memcpy(item, start, il);
		item[il] = '\0';
		if ((grown = realloc(list, (count + 1) * sizeof(*list))) ==
		    NULL)
			goto fail;
		list = grown;
		if (url_cidr_parse(item, &list[count]) != 0) {
			snprintf(bad, badlen, "%s", item);
			goto fail;
		}
		count++;
	}
	*out = list;
	*n = count;
	return (0);
fail:
	free(list);
	return (-1);
}

static int
cidr_contains(const struct url_cidr *c, const unsigned char *addr)
{
	int full = c->prefix / 8, rest = c->prefix % 8;

	if (memcmp(c->addr, addr, (size_t)full) != 0)
		return (0);
	if (rest == 0)
		return (1);
	return (((c->addr[full] ^ addr[full]) & (0xff << (8 - rest))) == 0);
}

int
url_cidr_match(const struct url_cidr *list, size_t n, const char *addr)
{
	unsigned char v4[4], v6[16];
	int is4, is6;
	static const unsigned char mapped[12] = {0, 0, 0, 0, 0,    0,
	                                         0, 0, 0, 0, 0xff, 0xff};

	is4 = inet_pton(AF_INET, addr, v4) == 1;
	is6 = !is4 && inet_pton(AF_INET6, addr, v6) == 1;
	if (is6 && memcmp(v6, mapped, sizeof(mapped)) == 0) {
		memcpy(v4, v6 + 12, 4);
		is4 = 1;
	}
	for (size_t i = 0; i < n; i++) {
		if (list[i].family == AF_INET && is4 &&
		    cidr_contains(&list[i], v4))
			return (1);
		if (list[i].family == AF_INET6 && is6 &&
		    cidr_contains(&list[i], v6))
			return (1);
	}
	return (0);
}

long
url_decode(const char *src, size_t len, char *dst, int plus)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (src[i] == '%') {
			int hi, lo;
			if (i + 2 >= len)
				return (-1);
			hi = hex_digit((unsigned char)src[i + 1]);
			lo = hex_digit((unsigned char)src[i + 2]);
			if (hi < 0 || lo < 0)
				return (-1);
			dst[o++] = (char)(hi * 16 + lo);
			i += 2;
		} else if (plus && src[i] == '+')
			dst[o++] = ' ';
		else
			dst[o++] = src[i];
	}
	dst[o] = '\0';
	return ((long)o);
}

static char *
decode_piece(struct arena *a, const char *s, size_t len)
{
	char *d;
	long n;

	if ((d = arena_alloc(a, len + 1)) == NULL)
		return (NULL);
	if ((n = url_decode(s, len, d, 1)) < 0)
		return (NULL);
	if (memchr(d, '\0', (size_t)n) != NULL)
		return (NULL);
	return (d);
}

int
url_query_parse(struct arena *a, const char *query, size_t max_pairs,
                struct url_query_pair **out, size_t *n)
{
	struct url_query_pair *pairs;
	size_t count = 0, cap = 0;
	const char *p;

	*out = NULL;
	*n = 0;
	if (query == NULL || *query == '\0')
		return (0);
	for (p = query; *p != '\0'; p++)
		if (*p == '&')
			cap++;
	cap++;
	if (cap > max_pairs)
		cap = max_pairs + 1;
	if ((pairs = arena_alloc(a, cap * sizeof(*pairs))) == NULL)
		return (-1);
	p = query;
	while (*p != '\0') {
		const char *amp = strchr(p, '&'), *eq;
		size_t plen = amp ? (size_t)(amp - p) : strlen(p);

		if (plen > 0) {
			if (count == max_pairs)
				return (-1);
			eq = memchr(p, '=', plen);
			pairs[count].key =
			    decode_piece(a, p, eq ? (size_t)(eq - p) : plen);
			pairs[count].value =
			    eq ? decode_piece(a, eq + 1,
			                      plen - (size_t)(eq - p) - 1)
			       : "";
			if (pairs[count].key == NULL ||
			    pairs[count].value == NULL)
				return (-1);
			count++;
		}
		p += plen;
		if (*p == '&')
			p++;
	}
	*out = pairs;
	*n = count;
	return (0);
}
