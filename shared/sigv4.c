/*
 * AWS Signature Version 4 (see sigv4.h).
 *
 *   canonical request = METHOD \n path \n query \n headers \n
 *                       signed-headers \n payload-hash
 *   string to sign    = "AWS4-HMAC-SHA256" \n date \n scope \n
 *                       hex(SHA-256(canonical request))
 *   signing key       = HMAC chain "AWS4"+secret, yyyymmdd, region,
 *                       service, "aws4_request"
 *   signature         = hex(HMAC(signing key, string to sign))
 *
 * The vectors in tests/unit/test_sigv4.c (AWS's test suite and the S3
 * documentation's examples) pin each step.  Nothing here logs: the
 * secret and the Authorization value stay in memory the caller owns.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "hex.h"
#include "sigv4.h"

struct sbuf {
	char *p;
	size_t len, cap;
	int failed;
};

static void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		ncap = b->cap > 0 ? b->cap : 256;
		while (ncap < b->len + n + 1)
			ncap *= 2;
		if ((np = realloc(b->p, ncap)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = ncap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void
sbuf_str(struct sbuf *b, const char *s)
{
	sbuf_add(b, s, strlen(s));
}

/* The finished string (owned by the caller), or NULL if any step ran out
 * of memory. */
static char *
sbuf_done(struct sbuf *b)
{
	char *s = b->p;

	if (b->failed) {
		free(s);
		s = NULL;
	} else if (s == NULL)
		s = strdup("");
	b->p = NULL;
	return (s);
}

void
sigv4_sha256_hex(const void *data, size_t len, char out[SIGV4_HEX_LEN + 1])
{
	unsigned char md[32];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != sizeof(md)) {
		out[0] = '\0';
		return;
	}
	hex_encode(md, sizeof(md), out);
}

void
sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(out, SIGV4_DATE_LEN + 1, "%Y%m%dT%H%M%SZ", &tm);
}

static int
uri_unreserved(unsigned char c)
{
	return ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
	        (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
	        c == '~');
}

char *
sigv4_uri_encode(const char *s, size_t len, int keep_slash)
{
	static const char hex[] = "0123456789ABCDEF";
	char *out, *o;
	size_t i;

	if ((out = malloc(3 * len + 1)) == NULL)
		return (NULL);
	for (o = out, i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (uri_unreserved(c) || (keep_slash && c == '/'))
			*o++ = (char)c;
		else {
			*o++ = '%';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		}
	}
	*o = '\0';
	return (out);
}

struct enc_param {
	char *name, *value;
};

static int
enc_param_cmp(const void *a, const void *b)
{
	const struct enc_param *x = a, *y = b;
	int c = strcmp(x->name, y->name);

	return (c != 0 ? c : strcmp(x->value, y->value));
}

/* The canonical query (sorted by encoded name, then value); NULL when
 * out of memory. */
static char *
canonical_query(const struct sigv4_param *params, size_t n)
{
	struct enc_param enc[SIGV4_PARAMS_MAX];
	struct sbuf b = {0};
	size_t i, done = 0;

	for (i = 0; i < n; i++) {
		enc[i].name =
		    sigv4_uri_encode(params[i].name, strlen(params[i].name), 0);
		enc[i].value = sigv4_uri_encode(params[i].value,
		                                strlen(params[i].value), 0);
		done++;
		if (enc[i].name == NULL || enc[i].value == NULL)
			b.failed = 1;
	}
	if (!b.failed)
		qsort(enc, n, sizeof(enc[0]), enc_param_cmp);
	for (i = 0; i < n && !b.failed; i++) {
		if (i > 0)
			sbuf_str(&b, "&");
		sbuf_str(&b, enc[i].name);
		sbuf_str(&b, "=");
		sbuf_str(&b, enc[i].value);
	}
	for (i = 0; i < done; i++) {
		free(enc[i].name);
		free(enc[i].value);
	}
	return (sbuf_done(&b));
}

/* Lower-cased name into out (at most 128 bytes); -1 for a name that is
 * empty, too long or not a token. */
static int
header_name(const char *in, char *out, size_t outlen)
{
	size_t i;

	for (i = 0; in[i] != '\0'; i++) {
		unsigned char c = (unsigned char)in[i];

		if (i + 1 >= outlen || c <= ' ' || c >= 0x7f || c == ':')
			return (-1);
		out[i] = (char)tolower(c);
	}
	out[i] = '\0';
	return (i > 0 ? 0 : -1);
}

/* value with surrounding spaces trimmed and runs of spaces collapsed
 * (AWS's rule: "a   b" signs as "a b"); -1 for a control byte. */
static int
header_value(struct sbuf *b, const char *v)
{
	const char *p = v, *end;
	int space = 0;

	while (*p == ' ' || *p == '\t')
		p++;
	end = p + strlen(p);
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	for (; p < end; p++) {
		unsigned char c = (unsigned char)*p;

		if (c == ' ' || c == '\t') {
			space = 1;
			continue;
		}
		if (c < ' ' || c == 0x7f)
			return (-1);
		if (space)
			sbuf_add(b, " ", 1);
		space = 0;
		sbuf_add(b, p, 1);
	}
	return (0);
}

static int
amz_date_valid(const char *d)
{
	size_t i;

	if (d == NULL || strlen(d) != SIGV4_DATE_LEN || d[8] != 'T' ||
	    d[15] != 'Z')
		return (0);
	for (i = 0; i < 15; i++)
		if (i != 8 && !isdigit((unsigned char)d[i]))
			return (0);
	return (1);
}

static int
hmac(const void *key, size_t keylen, const char *msg, unsigned char out[32])
{
	unsigned int len = 0;

	return (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)msg,
	             strlen(msg), out, &len) != NULL &&
	                len == 32
	            ? 0
	            : -1);
}

/* The signature of sts into out (hex). */
static int
sign_string(const struct sigv4_request *r, const char *sts,
            char out[SIGV4_HEX_LEN + 1])
{
	unsigned char k[32];
	char date[9], *seed;
	size_t seedlen = strlen(r->secret_key) + 5;
	int rc = -1;

	memcpy(date, r->amz_date, 8);
	date[8] = '\0';
	if ((seed = malloc(seedlen)) == NULL)
		return (-1);
	snprintf(seed, seedlen, "AWS4%s", r->secret_key);
	if (hmac(seed, seedlen - 1, date, k) == 0 &&
	    hmac(k, sizeof(k), r->region, k) == 0 &&
	    hmac(k, sizeof(k), r->service, k) == 0 &&
	    hmac(k, sizeof(k), "aws4_request", k) == 0 &&
	    hmac(k, sizeof(k), sts, k) == 0) {
		hex_encode(k, sizeof(k), out);
		rc = 0;
	}
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(seed, seedlen);
	free(seed);
	return (rc);
}

void
sigv4_result_free(struct sigv4_result *res)
{
	free(res->canonical_path);
	free(res->canonical_query);
	free(res->canonical_request);
	free(res->string_to_sign);
	free(res->authorization);
	memset(res, 0, sizeof(*res));
}

int
sigv4_sign(const struct sigv4_request *r, struct sigv4_result *out)
{
	char names[SIGV4_HEADERS_MAX][128], hash[SIGV4_HEX_LEN + 1];
	size_t order[SIGV4_HEADERS_MAX], i, j, t;
	struct sbuf creq = {0}, signed_h = {0}, sts = {0}, auth = {0};
	char *sh = NULL;

	memset(out, 0, sizeof(*out));
	if (r->method == NULL || r->path == NULL || r->path[0] != '/' ||
	    r->payload_hash == NULL || r->access_key == NULL ||
	    r->secret_key == NULL || r->region == NULL || r->service == NULL ||
	    !amz_date_valid(r->amz_date) || r->nheaders == 0 ||
	    r->nheaders > SIGV4_HEADERS_MAX || r->nparams > SIGV4_PARAMS_MAX ||
	    (r->nparams > 0 && r->params == NULL))
		return (-1);
	for (i = 0; i < r->nparams; i++)
		if (r->params[i].name == NULL || r->params[i].value == NULL)
			return (-1);
	for (i = 0; i < r->nheaders; i++) {
		if (r->headers[i].name == NULL || r->headers[i].value == NULL ||
		    header_name(r->headers[i].name, names[i],
		                sizeof(names[i])) == -1)
			return (-1);
		order[i] = i;
	}
	/* Insertion sort: stable, so repeated names keep their order. */
	for (i = 1; i < r->nheaders; i++)
		for (j = i;
		     j > 0 && strcmp(names[order[j - 1]], names[order[j]]) > 0;
		     j--) {
			t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}

	if ((out->canonical_path =
	         sigv4_uri_encode(r->path, strlen(r->path), 1)) == NULL ||
	    (out->canonical_query = canonical_query(r->params, r->nparams)) ==
	        NULL)
		goto fail;

	sbuf_str(&creq, r->method);
	sbuf_str(&creq, "\n");
	sbuf_str(&creq, out->canonical_path);
	sbuf_str(&creq, "\n");
	sbuf_str(&creq, out->canonical_query);
	sbuf_str(&creq, "\n");
	for (i = 0; i < r->nheaders; i++) {
		const char *name = names[order[i]];

		if (i > 0 && strcmp(name, names[order[i - 1]]) == 0) {
			sbuf_str(&creq, ",");
		} else {
			if (i > 0) {
				sbuf_str(&creq, "\n");
				sbuf_str(&signed_h, ";");
			}
			sbuf_str(&creq, name);
			sbuf_str(&creq, ":");
			sbuf_str(&signed_h, name);
		}
		if (header_value(&creq, r->headers[order[i]].value) == -1)
			goto fail;
	}
	sbuf_str(&creq, "\n\n");
	if ((sh = sbuf_done(&signed_h)) == NULL)
		goto fail;
	sbuf_str(&creq, sh);
	sbuf_str(&creq, "\n");
	sbuf_str(&creq, r->payload_hash);
	if ((out->canonical_request = sbuf_done(&creq)) == NULL)
		goto fail;

	sigv4_sha256_hex(out->canonical_request, strlen(out->canonical_request),
	                 hash);
	sbuf_str(&sts, "AWS4-HMAC-SHA256\n");
	sbuf_str(&sts, r->amz_date);
	sbuf_str(&sts, "\n");
	sbuf_add(&sts, r->amz_date, 8);
	sbuf_str(&sts, "/");
	sbuf_str(&sts, r->region);
	sbuf_str(&sts, "/");
	sbuf_str(&sts, r->service);
	sbuf_str(&sts, "/aws4_request\n");
	sbuf_str(&sts, hash);
	if ((out->string_to_sign = sbuf_done(&sts)) == NULL)
		goto fail;
	if (sign_string(r, out->string_to_sign, out->signature) == -1)
		goto fail;

	sbuf_str(&auth, "AWS4-HMAC-SHA256 Credential=");
	sbuf_str(&auth, r->access_key);
	sbuf_str(&auth, "/");
	sbuf_add(&auth, r->amz_date, 8);
	sbuf_str(&auth, "/");
	sbuf_str(&auth, r->region);
	sbuf_str(&auth, "/");
	sbuf_str(&auth, r->service);
	sbuf_str(&auth, "/aws4_request, SignedHeaders=");
	sbuf_str(&auth, sh);
	sbuf_str(&auth, ", Signature=");
	sbuf_str(&auth, out->signature);
	if ((out->authorization = sbuf_done(&auth)) == NULL)
		goto fail;
	free(sh);
	return (0);
fail:
	free(creq.p);
	free(signed_h.p);
	free(sts.p);
	free(auth.p);
	free(sh);
	sigv4_result_free(out);
	return (-1);
}
