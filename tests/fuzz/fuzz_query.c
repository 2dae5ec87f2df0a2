/*
 * libFuzzer target for percent-decoding and query strings (url_decode and
 * url_query_parse in shared/url.c), which read what any client puts in a
 * URL.  The first byte picks '+' handling and the pair limit, the rest is
 * the text.  Each result is compared with a plain reference decoder
 * written here: the same bytes or the same refusal; a decoded string is
 * never longer than its input; and a percent-encoding of the bytes
 * (mixed-case hex, some bytes left bare) always decodes back to them.
 * `make fuzz` runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "arena.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
ref_hex(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return (c - '0');
	if (c >= 'a' && c <= 'f')
		return (c - 'a' + 10);
	if (c >= 'A' && c <= 'F')
		return (c - 'A' + 10);
	return (-1);
}

/* The reference: -1 on a '%' without two hex digits after it. */
static long
ref_decode(const unsigned char *s, size_t len, unsigned char *out, int plus)
{
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '%') {
			if (len - i < 3 || ref_hex(s[i + 1]) < 0 ||
			    ref_hex(s[i + 2]) < 0)
				return (-1);
			out[o++] = (unsigned char)(ref_hex(s[i + 1]) * 16 +
			                           ref_hex(s[i + 2]));
			i += 2;
		} else
			out[o++] = plus && s[i] == '+' ? ' ' : s[i];
	}
	return ((long)o);
}

static void
check_decode(const unsigned char *s, size_t len, int plus)
{
	unsigned char *ref;
	char *dst;
	long n, rn;

	if ((dst = malloc(len + 1)) == NULL || (ref = malloc(len + 1)) == NULL)
		abort();
	n = url_decode((const char *)s, len, dst, plus);
	rn = ref_decode(s, len, ref, plus);
	if (n != rn || n > (long)len)
		abort();
	if (n >= 0 && (dst[n] != '\0' || memcmp(dst, ref, (size_t)n) != 0))
		abort();
	free(ref);
	free(dst);
}

static void
check_round_trip(const unsigned char *s, size_t len, int upper)
{
	static const char lo[] = "0123456789abcdef", up[] = "0123456789ABCDEF";
	const char *hex = upper ? up : lo;
	char *enc, *dst;
	size_t i, e = 0;
	int plus;

	if ((enc = malloc(3 * len + 1)) == NULL ||
	    (dst = malloc(3 * len + 1)) == NULL)
		abort();
	for (i = 0; i < len; i++) {
		if ((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '-' ||
		    s[i] == '.' || s[i] == '_' || s[i] == '~')
			enc[e++] = (char)s[i];
		else {
			enc[e++] = '%';
			enc[e++] = hex[s[i] >> 4];
			enc[e++] = hex[s[i] & 15];
			hex = hex == up ? lo : up;
		}
	}
	for (plus = 0; plus <= 1; plus++)
		if (url_decode(enc, e, dst, plus) != (long)len ||
		    memcmp(dst, s, len) != 0)
			abort();
	free(dst);
	free(enc);
}

/* Checks the parsed pairs against the reference, piece by piece. */
static void
check_query(const char *q, size_t max_pairs)
{
	struct url_query_pair *pairs;
	struct arena *a;
	unsigned char *k, *v;
	const char *p, *amp, *eq;
	size_t n, npieces = 0, i = 0, plen, qlen = strlen(q);
	long kn, vn;
	int r, ref_bad = 0;

	if ((a = arena_new()) == NULL || (k = malloc(qlen + 1)) == NULL ||
	    (v = malloc(qlen + 1)) == NULL)
		abort();
	r = url_query_parse(a, q, max_pairs, &pairs, &n);
	for (p = q; *p != '\0'; p += plen + (p[plen] == '&')) {
		amp = strchr(p, '&');
		plen = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (plen == 0)
			continue;
		npieces++;
		eq = memchr(p, '=', plen);
		kn = ref_decode((const unsigned char *)p,
		                eq != NULL ? (size_t)(eq - p) : plen, k, 1);
		vn = eq != NULL ? ref_decode((const unsigned char *)eq + 1,
		                             plen - (size_t)(eq - p) - 1, v, 1)
		                : 0;
		if (kn < 0 || vn < 0 || memchr(k, '\0', (size_t)kn) != NULL ||
		    memchr(v, '\0', (size_t)vn) != NULL) {
			ref_bad = 1;
			continue;
		}
		if (r != 0 || ref_bad || i >= n)
			continue;
		if (strlen(pairs[i].key) != (size_t)kn ||
		    memcmp(pairs[i].key, k, (size_t)kn) != 0 ||
		    strlen(pairs[i].value) != (size_t)vn ||
		    memcmp(pairs[i].value, v, (size_t)vn) != 0 ||
		    (size_t)(kn + vn) > plen)
			abort();
		i++;
	}
	if (r == 0) {
		if (ref_bad || npieces > max_pairs || n != npieces || i != n)
			abort();
	} else if (r != -1 || (!ref_bad && npieces <= max_pairs))
		abort();
	free(v);
	free(k);
	arena_free(a);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t maxes[] = {0, 1, 2, 3, 5, 8, 64, 1000};
	const unsigned char *s;
	size_t len;
	char *q;

	if (size < 1)
		return (0);
	s = data + 1;
	len = size - 1;
	check_decode(s, len, data[0] & 1);
	check_round_trip(s, len, data[0] & 2);
	/* A query string is a C string: up to the first NUL. */
	if ((q = malloc(len + 1)) == NULL)
		abort();
	memcpy(q, s, len);
	q[len] = '\0';
	check_query(q,
	            maxes[(data[0] >> 2) % (sizeof(maxes) / sizeof(maxes[0]))]);
	free(q);
	return (0);
}
