/*
 * AWS Signature Version 4 (header form), as S3 needs it.  The caller
 * names every header to sign (host and x-amz-date included) and the
 * payload hash; this builds the canonical request, the string to sign,
 * the signing key and the Authorization header value.
 *
 * Paths are encoded once, S3's way: every byte outside A-Z a-z 0-9 - . _ ~
 * and '/' becomes %XX, with no double encoding and no dot-segment
 * normalisation (other services want both; nothing here talks to them).
 */
#ifndef LIFTED_SIGV4_H
#define LIFTED_SIGV4_H

#include <stddef.h>
#include <time.h>

#define SIGV4_HEX_LEN     64
#define SIGV4_DATE_LEN    16 /* "YYYYMMDDTHHMMSSZ" */
#define SIGV4_HEADERS_MAX 32
#define SIGV4_PARAMS_MAX  32

struct sigv4_header {
	const char *name;  /* any case; lower-cased when signed */
	const char *value; /* trimmed, runs of spaces collapsed when signed */
};

struct sigv4_param {
	const char *name;  /* raw (not yet URI-encoded) */
	const char *value; /* raw; "" for a parameter without a value */
};

struct sigv4_request {
	const char *method;
	const char *path; /* raw, starting with '/' */
	const struct sigv4_param *params;
	size_t nparams;
	const struct sigv4_header
	    *headers; /* repeated names: joined with ',' */
	size_t nheaders;
	const char *payload_hash; /* hex SHA-256 of the body, or
	                             "UNSIGNED-PAYLOAD" */
	const char *access_key;
	const char *secret_key;
	const char *region;
	const char *service;
	const char *amz_date; /* "YYYYMMDDTHHMMSSZ", also sent as x-amz-date */
};

/* Everything sigv4_sign produces; strings are malloc'd, freed together
 * by sigv4_result_free. */
struct sigv4_result {
	char *canonical_path;  /* the encoded path, for the URL too */
	char *canonical_query; /* sorted and encoded, for the URL too */
	char *canonical_request;
	char *string_to_sign;
	char *authorization; /* the Authorization header's value */
	char signature[SIGV4_HEX_LEN + 1];
};

/* 0, or -1 on a bad request (missing field, malformed amz_date, too many
 * headers or parameters, a header name or value with a control byte) or
 * out of memory; on -1 nothing is left to free. */
int sigv4_sign(const struct sigv4_request *req, struct sigv4_result *out);

void sigv4_result_free(struct sigv4_result *res);

/* len bytes of s URI-encoded (unreserved set A-Z a-z 0-9 - . _ ~; '/'
 * kept when keep_slash).  malloc'd, caller frees; NULL when out of
 * memory. */
char *sigv4_uri_encode(const char *s, size_t len, int keep_slash);

/* SHA-256 of len bytes at data, lower-case hex, into out. */
void sigv4_sha256_hex(const void *data, size_t len,
                      char out[SIGV4_HEX_LEN + 1]);

/* t as "YYYYMMDDTHHMMSSZ" (UTC) into out. */
void sigv4_amz_date(time_t t, char out[SIGV4_DATE_LEN + 1]);

#endif
