/*
 * The pure checks on an uploaded file (see upload_check.h).  Kept apart
 * from cms_server/uploads.c, which holds the request, so they can be unit
 * tested and fuzzed without a server.
 *
 * The name is cleaned front to back, reading at or ahead of where it
 * writes, so out may be the decoded buffer itself.  The cleaning is
 * byte-wise and ASCII-only on purpose: a UTF-8 name
 * keeps its length and shape with each non-ASCII byte shown as '_', and no
 * locale can widen the set of bytes let through.
 */
#include <string.h>

#include "upload_check.h"

const char *
upload_sniff(const unsigned char *p, size_t n, const char **ext)
{
	static const unsigned char png[8] = {0x89, 'P',  'N',  'G',
	                                     0x0d, 0x0a, 0x1a, 0x0a};

	if (n >= 5 && memcmp(p, "%PDF-", 5) == 0) {
		*ext = "pdf";
		return ("application/pdf");
	}
	if (n >= 8 && memcmp(p, png, 8) == 0) {
		*ext = "png";
		return ("image/png");
	}
	if (n >= 3 && p[0] == 0xff && p[1] == 0xd8 && p[2] == 0xff) {
		*ext = "jpg";
		return ("image/jpeg");
	}
	if (n >= 12 && memcmp(p, "RIFF", 4) == 0 &&
	    memcmp(p + 8, "WEBP", 4) == 0) {
		*ext = "webp";
		return ("image/webp");
	}
	return (NULL);
}

static int
upload_name_char(unsigned char c)
{
	return ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	        (c >= '0' && c <= '9') || c == ' ' || c == '.' || c == '_' ||
	        c == '-' || c == '(' || c == ')' || c == '+');
}

size_t
upload_clean_name(const char *decoded, char *out, size_t outlen)
{
	const char *p, *base = decoded;
	size_t i, n, max = UPLOAD_NAME_MAX;

	if (outlen == 0)
		return (0);
	if (outlen - 1 < max)
		max = outlen - 1;
	for (p = decoded; *p != '\0'; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	while (*base == '.' || *base == ' ')
		base++;
	n = strlen(base);
	if (n > max)
		n = max;
	while (n > 0 && base[n - 1] == ' ')
		n--;
	for (i = 0; i < n; i++)
		out[i] =
		    upload_name_char((unsigned char)base[i]) ? base[i] : '_';
	out[n] = '\0';
	return (n);
}
