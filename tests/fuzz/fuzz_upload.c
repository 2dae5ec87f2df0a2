/*
 * libFuzzer target for the upload checks (shared/upload_check.c): the
 * type sniffed from a file's first bytes, and the cleaning of the
 * X-File-Name a client sends.  The first byte picks the output size and
 * whether the name is percent-decoded first, as cms_server/uploads.c does
 * it (then cleaned in place).  A cleaned name holds only letters, digits
 * and " ._-()+" (so no '/' or '\\'), starts with neither '.' nor ' ', ends
 * without ' ', fits UPLOAD_NAME_MAX and the buffer, and is, byte for byte,
 * the start of the input's last path component after its leading dots and
 * spaces (other bytes shown as '_').  `make fuzz` runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "upload_check.h"
#include "url.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
allowed(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	        (c >= '0' && c <= '9') || (c != '\0' && strchr(" ._-()+", c)));
}

static void
check_sniff(const unsigned char *p, size_t n)
{
	const char *type, *ext = "unset";

	type = upload_sniff(p, n, &ext);
	if (type == NULL) {
		if (strcmp(ext, "unset") != 0)
			abort();
	} else if (strcmp(type, "application/pdf") == 0) {
		if (n < 5 || memcmp(p, "%PDF-", 5) != 0 ||
		    strcmp(ext, "pdf") != 0)
			abort();
	} else if (strcmp(type, "image/png") == 0) {
		if (n < 8 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0 ||
		    strcmp(ext, "png") != 0)
			abort();
	} else if (strcmp(type, "image/jpeg") == 0) {
		if (n < 3 || memcmp(p, "\xff\xd8\xff", 3) != 0 ||
		    strcmp(ext, "jpg") != 0)
			abort();
	} else if (strcmp(type, "image/webp") == 0) {
		if (n < 12 || memcmp(p, "RIFF", 4) != 0 ||
		    memcmp(p + 8, "WEBP", 4) != 0 || strcmp(ext, "webp") != 0)
			abort();
	} else
		abort();
}

/* Checks out (n bytes, from a buffer of outlen) against the name in. */
static void
check_name(const char *in, const char *out, size_t n, size_t outlen)
{
	const char *base = in, *p;
	size_t i, want;

	if (strlen(out) != n || n > UPLOAD_NAME_MAX || n >= outlen)
		abort();
	if (n > 0 && (out[0] == '.' || out[0] == ' ' || out[n - 1] == ' '))
		abort();
	for (p = in; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.' || *base == ' ')
		base++;
	want = strlen(base);
	if (want > UPLOAD_NAME_MAX)
		want = UPLOAD_NAME_MAX;
	if (want > outlen - 1)
		want = outlen - 1;
	while (want > 0 && base[want - 1] == ' ')
		want--;
	if (n != want)
		abort();
	for (i = 0; i < n; i++) {
		if (!allowed((unsigned char)out[i]))
			abort();
		if (out[i] != (allowed((unsigned char)base[i]) ? base[i] : '_'))
			abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t outlens[] = {
	    1, 2, 8, UPLOAD_NAME_MAX, UPLOAD_NAME_MAX + 1, 4096};
	char *in, *out, *dec;
	size_t len, outlen, n, m;

	if (size < 1)
		return (0);
	len = size - 1;
	check_sniff(data + 1, len);

	if ((in = malloc(len + 1)) == NULL)
		abort();
	memcpy(in, data + 1, len);
	in[len] = '\0';
	outlen =
	    outlens[(data[0] >> 1) % (sizeof(outlens) / sizeof(outlens[0]))];
	if ((out = malloc(outlen)) == NULL)
		abort();
	n = upload_clean_name(in, out, outlen);
	check_name(in, out, n, outlen);

	if (data[0] & 1) {
		/* As uploads.c does it: decode (or take the raw text when the
		 * escapes are malformed), then clean in place. */
		if ((dec = malloc(len + 1)) == NULL)
			abort();
		if (url_decode(in, len, dec, 0) < 0)
			memcpy(dec, in, len + 1);
		if ((out = realloc(out, len + 1)) == NULL)
			abort();
		n = upload_clean_name(dec, out, len + 1);
		check_name(dec, out, n, len + 1);
		m = upload_clean_name(dec, dec, len + 1);
		if (m != n || strcmp(dec, out) != 0)
			abort();
		free(dec);
	}
	free(out);
	free(in);
	return (0);
}
