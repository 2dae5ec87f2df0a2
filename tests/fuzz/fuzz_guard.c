/*
 * libFuzzer target for the request framing in front of evhttp
 * (guard_scan_headers in shared/guard.c): the first two bytes pick the
 * limits, the rest is what a client sent.  Besides "no crash", it checks the
 * verdict against what the bytes are: a header block it accepts ends at
 * the first empty line, within the limit, holds no NUL and no
 * Transfer-Encoding, and framing only that block gives the same answer;
 * "more" only while no empty line has come and the limit is not reached;
 * a rejection has one of the documented statuses.  `make fuzz` runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "guard.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Header limits; the body limit comes from the second byte. */
static const size_t header_limits[] = {64, 1, 256, 8192, 16};

/* Offset just past the first empty line (LF, optionally after CR) of a
 * block with no leading empty line; 0 when there is none. */
static size_t
first_empty_line(const char *b, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (b[i] != '\n')
			continue;
		if (i + 1 < len && b[i + 1] == '\n')
			return (i + 2);
		if (i + 2 < len && b[i + 1] == '\r' && b[i + 2] == '\n')
			return (i + 3);
	}
	return (0);
}

/* 1 when a header line (not the request line) of the block starts
 * "Transfer-Encoding:", in any case. */
static int
has_te(const char *b, size_t len)
{
	static const char te[] = "transfer-encoding:";
	size_t i;

	for (i = 0; i < len; i++)
		if (i > 0 && b[i - 1] == '\n' && len - i >= sizeof(te) - 1 &&
		    strncasecmp(b + i, te, sizeof(te) - 1) == 0)
			return (1);
	return (0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct guard_config cfg;
	enum guard_verdict v, v2;
	size_t hlen, blen, hlen2, blen2, len, end;
	int status, status2;
	char *buf;

	if (size < 2)
		return (0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_header_bytes =
	    header_limits[data[0] %
	                  (sizeof(header_limits) / sizeof(header_limits[0]))];
	cfg.max_body_bytes = data[1] == 0xff ? 0x7fffffff : (size_t)data[1] + 1;
	cfg.header_timeout_ms = 1000;
	cfg.reject_prefix = "/.lifted-reject-fuzz";
	/* An exact copy, so ASan sees any read past the end. */
	len = size - 2;
	if ((buf = malloc(len > 0 ? len : 1)) == NULL)
		return (0);
	memcpy(buf, data + 2, len);

	hlen = blen = (size_t)-1;
	status = -1;
	v = guard_scan_headers(buf, len, &cfg, &hlen, &blen, &status);
	end = first_empty_line(
	    buf, len < cfg.max_header_bytes ? len : cfg.max_header_bytes);
	switch (v) {
	case GUARD_MORE:
		if (len >= cfg.max_header_bytes || end != 0)
			abort();
		break;
	case GUARD_OK:
		if (hlen > len || hlen > cfg.max_header_bytes || hlen != end)
			abort();
		if (hlen < 2 || buf[hlen - 1] != '\n' ||
		    !(buf[hlen - 2] == '\n' ||
		      (hlen >= 3 && buf[hlen - 2] == '\r' &&
		       buf[hlen - 3] == '\n')))
			abort();
		if (blen > cfg.max_body_bytes)
			abort();
		if (memchr(buf, '\0', hlen) != NULL || has_te(buf, hlen))
			abort();
		/* A request line: not empty, with a method before a space. */
		if (buf[0] == ' ' || buf[0] == '\n' ||
		    memchr(buf, ' ', hlen) == NULL)
			abort();
		/* The verdict depends on the header block alone. */
		v2 = guard_scan_headers(buf, hlen, &cfg, &hlen2, &blen2,
		                        &status2);
		if (v2 != GUARD_OK || hlen2 != hlen || blen2 != blen)
			abort();
		break;
	case GUARD_REJECT:
		if (status != 400 && status != 411 && status != 413 &&
		    status != 414 && status != 431)
			abort();
		/* 414/431 exactly when no block ends within the limit; 414
		 * exactly when not even the request line ends there. */
		if ((status == 414 || status == 431) !=
		    (len >= cfg.max_header_bytes && end == 0))
			abort();
		if ((status == 414 || status == 431) &&
		    (status == 414) ==
		        (memchr(buf, '\n', cfg.max_header_bytes) != NULL))
			abort();
		break;
	default:
		abort();
	}
	free(buf);
	return (0);
}
