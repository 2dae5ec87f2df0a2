/*
 * Signed URLs (see sign.h).
 *
 * HMAC URLs: the CMS signs "METHOD\nPATH\nEXPIRES" with
 * LIFTED_SECRET_KEY and checks it when the URL comes back.  The check
 * parses strictly (expires: digits only, no leading zero, at most 19;
 * signature: exactly 64 lower-case hex digits), so every URL has exactly
 * one accepted spelling, recomputes the HMAC and compares in constant
 * time; expiry is looked at only after the signature matched, so an
 * attacker learns nothing from "expired" about a forged signature.
 *
 * CloudFront URLs: a canned policy signed with the distribution's key
 * pair, RSA with SHA-1, as CloudFront requires, in CloudFront's base64
 * ('+' '=' '/' become '-' '_' '~').
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "hex.h"
#include "sign.h"

#define SIGN_DOMAIN_MAX 253
#define SIGN_KEYID_MAX  64
#define SIGN_PATH_MAX   2048

int
sign_url_hmac(const unsigned char *key, size_t keylen, const char *method,
              const char *path, long long expires, char out[65])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char *msg;
	size_t msglen;
	int n;

	out[0] = '\0';
	if (key == NULL || method == NULL || path == NULL || expires < 0 ||
	    keylen > INT_MAX)
		return (-1);
	msglen = strlen(method) + strlen(path) + 24;
	if ((msg = malloc(msglen)) == NULL)
		return (-1);
	n = snprintf(msg, msglen, "%s\n%s\n%lld", method, path, expires);
	if (n < 0 || (size_t)n >= msglen ||
	    HMAC(EVP_sha256(), key, (int)keylen, (unsigned char *)msg,
	         (size_t)n, mac, &maclen) == NULL ||
	    maclen * 2 != SIGN_HEX_LEN) {
		free(msg);
		return (-1);
	}
	free(msg);
	hex_encode(mac, maclen, out);
	OPENSSL_cleanse(mac, sizeof(mac));
	return (0);
}

/* Digits only, no sign or leading zero, 1..SIGN_EXPIRES_MAX of them, no
 * overflow; 0 or -1. */
static int
sign_parse_expires(const char *s, long long *out)
{
	long long v = 0;
	size_t i;

	if (s == NULL || s[0] == '\0' || (s[0] == '0' && s[1] != '\0'))
		return (-1);
	for (i = 0; s[i] != '\0'; i++) {
		if (i >= SIGN_EXPIRES_MAX || s[i] < '0' || s[i] > '9')
			return (-1);
		if (v > (LLONG_MAX - (s[i] - '0')) / 10)
			return (-1);
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return (0);
}

enum sign_check
sign_check_hmac(const unsigned char *key, size_t keylen, const char *method,
                const char *path, const char *expires, const char *signature,
                long long now)
{
	char want[SIGN_HEX_LEN + 1];
	long long e;
	size_t i;
	int same;

	if (signature == NULL || sign_parse_expires(expires, &e) == -1)
		return (SIGN_BAD);
	for (i = 0; i < SIGN_HEX_LEN; i++)
		if (!((signature[i] >= '0' && signature[i] <= '9') ||
		      (signature[i] >= 'a' && signature[i] <= 'f')))
			return (SIGN_BAD);
	if (signature[SIGN_HEX_LEN] != '\0')
		return (SIGN_BAD);
	if (sign_url_hmac(key, keylen, method, path, e, want) == -1)
		return (SIGN_BAD);
	same = CRYPTO_memcmp(want, signature, SIGN_HEX_LEN) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	if (!same)
		return (SIGN_BAD);
	return (now >= e ? SIGN_EXPIRED : SIGN_OK);
}

static int
sign_domain_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= SIGN_DOMAIN_MAX || !((s[i] >= 'a' && s[i] <= 'z') ||
		                              (s[i] >= 'A' && s[i] <= 'Z') ||
		                              (s[i] >= '0' && s[i] <= '9') ||
		                              s[i] == '.' || s[i] == '-'))
			return (0);
	return (i > 0);
}

static int
sign_keyid_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= SIGN_KEYID_MAX || !((s[i] >= 'A' && s[i] <= 'Z') ||
		                             (s[i] >= 'a' && s[i] <= 'z') ||
		                             (s[i] >= '0' && s[i] <= '9') ||
		                             s[i] == '_' || s[i] == '-'))
			return (0);
	return (i > 0);
}

/* An already URL-encoded path: it lands in a URL and in the JSON policy,
 * so no quote, backslash, space, control byte, '?' or '#'. */
static int
sign_path_valid(const char *s)
{
	size_t i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= SIGN_PATH_MAX ||
		    !((s[i] >= 'a' && s[i] <= 'z') ||
		      (s[i] >= 'A' && s[i] <= 'Z') ||
		      (s[i] >= '0' && s[i] <= '9') ||
		      strchr("-._~/!$&'()*+,;=:@%", s[i]) != NULL))
			return (0);
	return (1);
}

char *
sign_cloudfront_url(const char *domain, const char *path, long long expires,
                    const char *key_pair_id, const char *private_key_pem,
                    char *err, size_t errlen)
{
	EVP_PKEY *pkey = NULL;
	EVP_MD_CTX *md = NULL;
	BIO *bio = NULL;
	unsigned char *sig = NULL;
	char *resource = NULL, *policy = NULL, *b64 = NULL, *url = NULL;
	size_t siglen = 0, len, i;
	int n;

	if (domain == NULL || path == NULL || key_pair_id == NULL ||
	    private_key_pem == NULL || !sign_domain_valid(domain) ||
	    !sign_path_valid(path) || !sign_keyid_valid(key_pair_id) ||
	    expires <= 0) {
		snprintf(err, errlen,
		         "cloudfront: bad domain, path, key id or "
		         "expiry");
		return (NULL);
	}
	if (*path == '/')
		path++;
	len = strlen(domain) + strlen(path) + 16;
	if ((resource = malloc(len)) == NULL)
		goto oom;
	snprintf(resource, len, "https://%s/%s", domain, path);
	len = strlen(resource) + 128;
	if ((policy = malloc(len)) == NULL)
		goto oom;
	n = snprintf(policy, len,
	             "{\"Statement\":[{\"Resource\":\"%s\",\"Condition\":"
	             "{\"DateLessThan\":{\"AWS:EpochTime\":%lld}}}]}",
	             resource, expires);
	if (n < 0 || (size_t)n >= len)
		goto oom;

	if ((bio = BIO_new_mem_buf(private_key_pem, -1)) == NULL)
		goto oom;
	if ((pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen,
		         "cloudfront: LIFTED_CLOUDFRONT_PRIVATE_KEY is "
		         "not a PEM private key");
		goto cleanup;
	}
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(md, NULL, EVP_sha1(), NULL, pkey) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (unsigned char *)policy,
	                   (size_t)n) != 1 ||
	    (sig = malloc(siglen)) == NULL ||
	    EVP_DigestSign(md, sig, &siglen, (unsigned char *)policy,
	                   (size_t)n) != 1) {
		snprintf(err, errlen, "cloudfront: signing failed");
		goto cleanup;
	}
	if ((b64 = malloc(4 * ((siglen + 2) / 3) + 1)) == NULL)
		goto oom;
	EVP_EncodeBlock((unsigned char *)b64, sig, (int)siglen);
	for (i = 0; b64[i] != '\0'; i++) {
		if (b64[i] == '+')
			b64[i] = '-';
		else if (b64[i] == '=')
			b64[i] = '_';
		else if (b64[i] == '/')
			b64[i] = '~';
	}
	len = strlen(resource) + strlen(b64) + strlen(key_pair_id) + 64;
	if ((url = malloc(len)) == NULL)
		goto oom;
	snprintf(url, len, "%s?Expires=%lld&Signature=%s&Key-Pair-Id=%s",
	         resource, expires, b64, key_pair_id);
	goto cleanup;
oom:
	snprintf(err, errlen, "cloudfront: out of memory");
cleanup:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pkey);
	BIO_free(bio);
	free(sig);
	free(b64);
	free(policy);
	free(resource);
	return (url);
}
