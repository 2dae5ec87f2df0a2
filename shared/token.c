/*
 * Secret tokens (see token.h).  The one place that compares secrets, so
 * a test can hold the whole project to constant-time comparison.
 */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "hex.h"
#include "token.h"

static const char b64url[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
static const char rc_alphabet[] = "abcdefghijklmnopqrstuvwxyz234567";

int
token_equal(const char *a, const char *b)
{
	size_t la, lb;

	if (a == NULL || b == NULL)
		return (0);
	la = strlen(a);
	lb = strlen(b);
	if (la != lb || la == 0)
		return (0);
	return (CRYPTO_memcmp(a, b, la) == 0);
}

int
token_random(char *out, size_t outlen)
{
	unsigned char r[33];
	size_t i, o = 0;
	unsigned v;

	if (outlen < TOKEN_LEN + 1 || RAND_bytes(r, 32) != 1)
		return (-1);
	r[32] = 0;
	/* 32 bytes = 10 groups of 3 plus 2 bytes: 40 + 3 characters. */
	for (i = 0; i < 32; i += 3) {
		v = (unsigned)r[i] << 16 | (unsigned)r[i + 1] << 8 |
		    (i + 2 < 32 ? r[i + 2] : 0);
		out[o++] = b64url[(v >> 18) & 63];
		out[o++] = b64url[(v >> 12) & 63];
		out[o++] = b64url[(v >> 6) & 63];
		if (i + 2 < 32)
			out[o++] = b64url[v & 63];
	}
	out[o] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return (o == TOKEN_LEN ? 0 : -1);
}

void
token_sha256_hex(const char *s, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	EVP_Digest(s, strlen(s), d, &n, EVP_sha256(), NULL);
	hex_encode(d, n, out);
}

void
token_hmac_hex(const char *key, const char *s, char *out)
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)s,
	     strlen(s), d, &n);
	hex_encode(d, n, out);
}

int
token_recovery_new(char *out, size_t outlen)
{
	unsigned char r[10];
	size_t i, o = 0;

	if (outlen < TOKEN_RECOVERY_LEN + 1 || RAND_bytes(r, sizeof(r)) != 1)
		return (-1);
	for (i = 0; i < 10; i++) {
		if (i == 5)
			out[o++] = '-';
		/* 256 is a multiple of 32: no modulo bias. */
		out[o++] = rc_alphabet[r[i] & 31];
	}
	out[o] = '\0';
	OPENSSL_cleanse(r, sizeof(r));
	return (0);
}

int
token_recovery_normalise(const char *in, char *out, size_t outlen)
{
	size_t n = 0;
	char c;

	if (in == NULL || outlen < TOKEN_RECOVERY_LEN + 1)
		return (-1);
	for (; *in != '\0'; in++) {
		c = *in;
		if (c == '-' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (strchr(rc_alphabet, c) == NULL || c == '\0' || n >= 10)
			return (-1);
		if (n == 5)
			out[n + 0] = '-';
		out[n + (n >= 5)] = c;
		n++;
	}
	if (n != 10)
		return (-1);
	out[TOKEN_RECOVERY_LEN] = '\0';
	return (0);
}

int
token_recovery_find(const struct token_recovery *codes, size_t n,
                    const char *hash_hex)
{
	size_t i;
	int found = -1;

	for (i = 0; i < n; i++) {
		int eq = token_equal(codes[i].hash_hex, hash_hex);

		if (eq && !codes[i].used && found == -1)
			found = (int)i;
	}
	return (found);
}
