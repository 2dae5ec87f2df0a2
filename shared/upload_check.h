/*
 * The pure checks on an uploaded file (cms_server/uploads.c): its type
 * from its first bytes, and the cleaning of the file name the client sent
 * in X-File-Name.  Both take outside input; covered by
 * tests/unit/test_upload_check.c and tests/fuzz/fuzz_upload.c.
 */
#ifndef LIFTED_UPLOAD_CHECK_H
#define LIFTED_UPLOAD_CHECK_H

#include <stddef.h>

#define UPLOAD_NAME_MAX 100 /* bytes in a cleaned file name */

/*
 * The content type the bytes p[0..n) say (PDF, PNG, JPEG or WebP by their
 * magic numbers), with its key extension ("pdf", "png", "jpg", "webp")
 * in *ext; NULL, *ext untouched, when it is none we take.  Both strings
 * are static.  p may be NULL when n is 0.
 */
const char *upload_sniff(const unsigned char *p, size_t n, const char **ext);

/*
 * Cleans a decoded file name (a C string: it ends at its first NUL) into
 * out: the last path component ('/' and '\\' both separate), without
 * leading dots or spaces, cut to UPLOAD_NAME_MAX bytes (and to outlen - 1),
 * without trailing spaces, every byte but ASCII letters, digits and
 * " ._-()+" replaced by '_'.  The result is only ever shown and put in a
 * quoted Content-Disposition, never used as a path.  Returns its length;
 * 0 (out is "") when nothing is left, or outlen is 0 (out untouched).
 * out may be decoded itself (cleaned in place).
 */
size_t upload_clean_name(const char *decoded, char *out, size_t outlen);

#endif
