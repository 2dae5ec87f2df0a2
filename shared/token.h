/*
 * Secret tokens of the CMS: session tokens, CSRF tokens and recovery
 * codes.  Every comparison of a secret goes through token_equal
 * (constant time); random values come from OpenSSL's CSPRNG; what the
 * database keeps is a digest, never the token.
 */
#ifndef LIFTED_TOKEN_H
#define LIFTED_TOKEN_H

#include <stddef.h>

#define TOKEN_LEN            43 /* 32 random bytes, base64url, no padding */
#define TOKEN_HEX_LEN        64 /* SHA-256 / HMAC-SHA-256 in hex */
#define TOKEN_RECOVERY_LEN   11 /* "xxxxx-xxxxx" */
#define TOKEN_RECOVERY_COUNT 10

/* 1 when a and b are equal strings, else 0 (also when either is NULL).
 * Time depends only on the lengths, never on where they differ. */
int token_equal(const char *a, const char *b);

/* A fresh random token into out (at least TOKEN_LEN + 1 bytes).  0 or
 * -1 (CSPRNG failure). */
int token_random(char *out, size_t outlen);

/* SHA-256 of s as lower-case hex into out (TOKEN_HEX_LEN + 1 bytes). */
void token_sha256_hex(const char *s, char *out);

/* HMAC-SHA-256 of s keyed with key, hex, into out (TOKEN_HEX_LEN + 1). */
void token_hmac_hex(const char *key, const char *s, char *out);

/* A fresh recovery code "xxxxx-xxxxx" (50 random bits, lower-case
 * base32) into out (TOKEN_RECOVERY_LEN + 1 bytes).  0 or -1. */
int token_recovery_new(char *out, size_t outlen);

/* The canonical form of a typed recovery code (case and '-'/' '
 * ignored) into out (TOKEN_RECOVERY_LEN + 1): 0, or -1 when it is not
 * one. */
int token_recovery_normalise(const char *in, char *out, size_t outlen);

struct token_recovery {
	const char *hash_hex; /* token_hmac_hex of the canonical code */
	int used;
};

/* The index of the unused code whose hash is hash_hex, or -1.  Used
 * codes never match (single use); every entry is compared. */
int token_recovery_find(const struct token_recovery *codes, size_t n,
                        const char *hash_hex);

#endif
