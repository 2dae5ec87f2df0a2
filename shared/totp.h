/*
 * One-time passwords (RFC 4226 HOTP, RFC 6238 TOTP) and the base32 text
 * form authenticator apps use for their secrets.  Pure functions: the
 * CMS keeps the secret and the last accepted step in its database.
 */
#ifndef LIFTED_TOTP_H
#define LIFTED_TOTP_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define TOTP_PERIOD_S 30
#define TOTP_DIGITS   6
#define TOTP_WINDOW   1 /* steps accepted either side of now */

enum totp_alg {
	TOTP_SHA1,
	TOTP_SHA256,
	TOTP_SHA512,
};

/* The HOTP value of counter (RFC 4226 dynamic truncation), reduced to
 * digits (1..9) decimal digits. */
uint32_t totp_hotp(enum totp_alg alg, const unsigned char *key, size_t keylen,
                   uint64_t counter, int digits);

/* The RFC 6238 time step of now (T0 = 0, 30 s). */
uint64_t totp_step(time_t now);

/*
 * Checks a 6-digit SHA-1 code typed at time now against steps now-1 ..
 * now+1, refusing any step <= last_step (a code works once).  Returns 1
 * and the matched step in *step, or 0.  Every candidate is compared, in
 * constant time, so timing does not tell which step was close.
 */
int totp_check(const unsigned char *key, size_t keylen, const char *code,
               time_t now, uint64_t last_step, uint64_t *step);

/* RFC 4648 base32 without padding, upper case, into out (NUL-ended).
 * Returns the length, or -1 when out is too small. */
int totp_base32_encode(const unsigned char *in, size_t n, char *out,
                       size_t outlen);

/* Decodes base32 (either case; '=' padding, spaces ignored).  Returns the
 * byte count, or -1 on a bad character or a too small out. */
int totp_base32_decode(const char *in, unsigned char *out, size_t outlen);

/* "otpauth://totp/ISSUER:ACCOUNT?secret=...&issuer=ISSUER&..." with the
 * label and issuer percent-encoded.  0, or -1 when buf is too small. */
int totp_uri(char *buf, size_t len, const char *issuer, const char *account,
             const char *secret_b32);

#endif
