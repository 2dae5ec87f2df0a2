/*
 * Signed URLs for uploaded media (SPEC section 9).  Two kinds: our own
 * HMAC-SHA256 URLs, checked by the CMS when it serves /media/<key>, and
 * CloudFront canned-policy URLs (RSA-SHA1), checked by CloudFront when
 * LIFTED_CLOUDFRONT_* are set.
 */
#ifndef LIFTED_SIGN_H
#define LIFTED_SIGN_H

#include <stddef.h>

#define SIGN_HEX_LEN     64
#define SIGN_EXPIRES_MAX 19 /* digits in an "expires" parameter */

/* HMAC-SHA256 over "METHOD\nPATH\nEXPIRES" with key; the signature is
 * lowercase hex (64 chars) into out.  0, or -1 on a bad argument (NULL,
 * negative expires) or an OpenSSL failure. */
int sign_url_hmac(const unsigned char *key, size_t keylen, const char *method,
                  const char *path, long long expires, char out[65]);

enum sign_check { SIGN_OK = 0, SIGN_EXPIRED, SIGN_BAD };

/* Constant-time comparison (CRYPTO_memcmp); SIGN_EXPIRED when now >=
 * expires (checked only after the signature matched); SIGN_BAD for a
 * malformed or wrong signature.  expires must be 1..19 ASCII digits;
 * signature exactly 64 lowercase hex digits. */
enum sign_check sign_check_hmac(const unsigned char *key, size_t keylen,
                                const char *method, const char *path,
                                const char *expires, const char *signature,
                                long long now);

/* CloudFront canned policy: returns a malloc'd URL
 * "https://DOMAIN/PATH?Expires=E&Signature=S&Key-Pair-Id=K" (RSA-SHA1 over
 * the policy
 * {"Statement":[{"Resource":"<url>","Condition":{"DateLessThan":
 * {"AWS:EpochTime":E}}}]}, base64 with '+'->'-', '='->'_', '/'->'~').
 * private_key_pem is the PEM text.  NULL on error (message in err).
 * Caller frees. */
char *sign_cloudfront_url(const char *domain, const char *path,
                          long long expires, const char *key_pair_id,
                          const char *private_key_pem, char *err,
                          size_t errlen);

#endif
