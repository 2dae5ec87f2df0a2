/*
 * HOTP/TOTP (RFC 4226, RFC 6238) on OpenSSL's HMAC, base32 (RFC 4648)
 * and otpauth:// URIs (the Key Uri Format authenticator apps read).
 */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "totp.h"

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

uint32_t
totp_hotp(enum totp_alg alg, const unsigned char *key, size_t keylen,
          uint64_t counter, int digits)
{
	unsigned char msg[8], mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0, off;
	const EVP_MD *md;
	uint32_t bin, mod = 1;
	int i;

	md = alg == TOTP_SHA256   ? EVP_sha256()
	     : alg == TOTP_SHA512 ? EVP_sha512()
	                          : EVP_sha1();
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(counter & 0xff);
		counter >>= 8;
	}
	if (HMAC(md, key, (int)keylen, msg, sizeof(msg), mac, &maclen) ==
	        NULL ||
	    maclen < 20)
		return (0);
	off = mac[maclen - 1] & 0x0f;
	bin = ((uint32_t)(mac[off] & 0x7f) << 24) |
	      ((uint32_t)mac[off + 1] << 16) | ((uint32_t)mac[off + 2] << 8) |
	      (uint32_t)mac[off + 3];
	if (digits < 1 || digits > 9)
		digits = TOTP_DIGITS;
	for (i = 0; i < digits; i++)
		mod *= 10;
	return (bin % mod);
}

uint64_t
totp_step(time_t now)
{
	return (now < 0 ? 0 : (uint64_t)now / TOTP_PERIOD_S);
}

int
totp_check(const unsigned char *key, size_t keylen, const char *code,
           time_t now, uint64_t last_step, uint64_t *step)
{
	char want[16];
	uint64_t s, base = totp_step(now), found = 0;
	int ok = 0, i;

	if (code == NULL || strlen(code) != TOTP_DIGITS)
		return (0);
	for (i = 0; i < TOTP_DIGITS; i++)
		if (code[i] < '0' || code[i] > '9')
			return (0);
	for (s = base > TOTP_WINDOW ? base - TOTP_WINDOW : 0;
	     s <= base + TOTP_WINDOW; s++) {
		snprintf(want, sizeof(want), "%0*u", TOTP_DIGITS,
		         (unsigned)totp_hotp(TOTP_SHA1, key, keylen, s,
		                             TOTP_DIGITS));
		/* No early exit: every step costs the same. */
		if (CRYPTO_memcmp(want, code, TOTP_DIGITS) == 0 &&
		    s > last_step && !ok) {
			ok = 1;
			found = s;
		}
	}
	if (ok && step != NULL)
		*step = found;
	return (ok);
}

int
totp_base32_encode(const unsigned char *in, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;
	unsigned buf = 0;
	int bits = 0;

	for (i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			if (o + 1 >= outlen)
				return (-1);
			out[o++] = b32_alphabet[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0) {
		if (o + 1 >= outlen)
			return (-1);
		out[o++] = b32_alphabet[(buf << (5 - bits)) & 31];
	}
	if (o >= outlen)
		return (-1);
	out[o] = '\0';
	return ((int)o);
}

int
totp_base32_decode(const char *in, unsigned char *out, size_t outlen)
{
	const char *p;
	unsigned buf = 0, v;
	size_t o = 0;
	int bits = 0;
	char c;

	for (p = in; *p != '\0'; p++) {
		c = *p;
		if (c == '=' || c == ' ')
			continue;
		if (c >= 'a' && c <= 'z')
			c = (char)(c - 'a' + 'A');
		if (c >= 'A' && c <= 'Z')
			v = (unsigned)(c - 'A');
		else if (c >= '2' && c <= '7')
			v = (unsigned)(c - '2' + 26);
		else
			return (-1);
		buf = (buf << 5) | v;
		bits += 5;
		if (bits >= 8) {
			if (o >= outlen)
				return (-1);
			out[o++] = (unsigned char)((buf >> (bits - 8)) & 0xff);
			bits -= 8;
		}
	}
	return ((int)o);
}

/* Percent-encodes s (all but unreserved characters) onto buf at *o. */
static int
uri_put(char *buf, size_t len, size_t *o, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	const unsigned char *p;

	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		int plain = (*p >= 'A' && *p <= 'Z') ||
		            (*p >= 'a' && *p <= 'z') ||
		            (*p >= '0' && *p <= '9') || *p == '-' ||
		            *p == '.' || *p == '_' || *p == '~';

		if (*o + (plain ? 1 : 3) >= len)
			return (-1);
		if (plain)
			buf[(*o)++] = (char)*p;
		else {
			buf[(*o)++] = '%';
			buf[(*o)++] = hex[*p >> 4];
			buf[(*o)++] = hex[*p & 15];
		}
	}
	buf[*o] = '\0';
	return (0);
}

int
totp_uri(char *buf, size_t len, const char *issuer, const char *account,
         const char *secret_b32)
{
	size_t o = 0;
	int n;

	n = snprintf(buf, len, "otpauth://totp/");
	if (n < 0 || (size_t)n >= len)
		return (-1);
	o = (size_t)n;
	if (uri_put(buf, len, &o, issuer) != 0 ||
	    uri_put(buf, len, &o, ":") != 0 ||
	    uri_put(buf, len, &o, account) != 0)
		return (-1);
	n = snprintf(buf + o, len - o, "?secret=%s&issuer=", secret_b32);
	if (n < 0 || (size_t)n >= len - o)
		return (-1);
	o += (size_t)n;
	if (uri_put(buf, len, &o, issuer) != 0)
		return (-1);
	n = snprintf(buf + o, len - o, "&algorithm=SHA1&digits=%d&period=%d",
	             TOTP_DIGITS, TOTP_PERIOD_S);
	if (n < 0 || (size_t)n >= len - o)
		return (-1);
	return (0);
}
