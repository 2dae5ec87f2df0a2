/*
 * libFuzzer target for the check of signed media URLs (sign_check_hmac in
 * shared/sign.c): method, path, expires and signature are what a client
 * sends, split here from the input at '\n'; the first byte picks "now"
 * and whether the signature field is replaced by a real signature (over
 * the expiry as strtoll reads it, and maybe a path one byte short).  The
 * check must accept exactly when the signature is sign_url_hmac of the
 * same fields with expires in its one canonical spelling (1 to 19 digits,
 * no leading zero), and say "expired" exactly when now has reached it.
 * `make fuzz` runs it.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sign.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const unsigned char KEY[] = "fuzz-key-0123456789abcdef0123456789ab";

/* The next '\n'-separated field of data[*off, size) as a new C string
 * (it ends at a NUL inside it, as a C caller would see it). */
static char *
field(const uint8_t *data, size_t size, size_t *off)
{
	const uint8_t *nl;
	size_t n;
	char *s;

	nl = *off < size ? memchr(data + *off, '\n', size - *off) : NULL;
	n = nl != NULL ? (size_t)(nl - (data + *off))
	               : (*off < size ? size - *off : 0);
	if ((s = malloc(n + 1)) == NULL)
		abort();
	if (n > 0)
		memcpy(s, data + *off, n);
	s[n] = '\0';
	*off += n + (nl != NULL);
	return (s);
}

/* The reference parse of expires: 1..19 digits, no leading zero, fits a
 * long long; 0 or -1. */
static int
canonical_expires(const char *s, long long *out)
{
	size_t i, n = strlen(s);
	long long v = 0;

	if (n == 0 || n > SIGN_EXPIRES_MAX || (s[0] == '0' && n > 1))
		return (-1);
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return (-1);
		/* 19 digits overflow only past 9223372036854775807. */
		if (v > (0x7fffffffffffffffLL - (s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const long long nows[] = {
	    0, 1, 1700000000LL, 4102444800LL, 0x7fffffffffffffffLL, -1};
	char *method, *path, *expires, *sig, *fpath, *end;
	char right[65], forged[65];
	enum sign_check r;
	long long e = 0, loose;
	long long now;
	size_t off = 1;
	int canon;

	if (size < 1)
		return (0);
	now = nows[(data[0] & 0x3f) % (sizeof(nows) / sizeof(nows[0]))];
	method = field(data, size, &off);
	path = field(data, size, &off);
	expires = field(data, size, &off);
	sig = field(data, size, &off);

	canon = canonical_expires(expires, &e) == 0;
	right[0] = '\0';
	if (canon &&
	    sign_url_hmac(KEY, sizeof(KEY) - 1, method, path, e, right) != 0)
		abort();
	/*
	 * Forging: the signature field becomes a real signature over the
	 * expiry as strtoll reads it (leading zeros, a sign, blanks and
	 * all), with bit 6 over the path less its last byte; only when
	 * that is exactly the right one may the check accept it.
	 */
	if (data[0] & 0x80) {
		errno = 0;
		loose = strtoll(expires, &end, 10);
		if (end != expires && errno == 0 && loose >= 0) {
			if ((fpath = strdup(path)) == NULL)
				abort();
			if ((data[0] & 0x40) && fpath[0] != '\0')
				fpath[strlen(fpath) - 1] = '\0';
			if (sign_url_hmac(KEY, sizeof(KEY) - 1, method, fpath,
			                  loose, forged) != 0)
				abort();
			free(fpath);
			free(sig);
			if ((sig = strdup(forged)) == NULL)
				abort();
		}
	}
	r = sign_check_hmac(KEY, sizeof(KEY) - 1, method, path, expires, sig,
	                    now);
	if (canon && strcmp(sig, right) == 0) {
		if (r != (now >= e ? SIGN_EXPIRED : SIGN_OK))
			abort();
	} else if (r != SIGN_BAD)
		abort();
	free(sig);
	free(expires);
	free(path);
	free(method);
	return (0);
}
