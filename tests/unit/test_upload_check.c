/*
 * The pure upload checks (shared/upload_check.c): the type comes from the
 * magic bytes alone (PDF, PNG, JPEG, WebP; anything else, or too short,
 * is refused), and a client's file name is cut to its last path
 * component with no leading dots or spaces, no trailing spaces, only
 * letters, digits and " ._-()+", at most UPLOAD_NAME_MAX bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "upload_check.h"

static const char *
sniff(const void *p, size_t n, const char **ext)
{
	*ext = "unset";
	return (upload_sniff(p, n, ext));
}

static void
test_sniff_types(void **state)
{
	static const unsigned char png[] = {0x89, 'P',  'N',  'G', 0x0d,
	                                    0x0a, 0x1a, 0x0a, 0,   0};
	static const unsigned char jpg[] = {0xff, 0xd8, 0xff, 0xe0};
	const char *ext;

	(void)state;
	assert_string_equal(sniff("%PDF-1.7\n", 9, &ext), "application/pdf");
	assert_string_equal(ext, "pdf");
	assert_string_equal(sniff(png, sizeof(png), &ext), "image/png");
	assert_string_equal(ext, "png");
	assert_string_equal(sniff(jpg, sizeof(jpg), &ext), "image/jpeg");
	assert_string_equal(ext, "jpg");
	assert_string_equal(sniff("RIFF\x10\0\0\0WEBPVP8 ", 16, &ext),
	                    "image/webp");
	assert_string_equal(ext, "webp");
}

static void
test_sniff_refused(void **state)
{
	static const unsigned char png7[] = {0x89, 'P',  'N', 'G',
	                                     0x0d, 0x0a, 0x1a};
	const char *ext;

	(void)state;
	/* Too short for the magic number: refused, *ext untouched. */
	assert_null(sniff("%PDF", 4, &ext));
	assert_string_equal(ext, "unset");
	assert_null(sniff(png7, sizeof(png7), &ext));
	assert_null(sniff("\xff\xd8", 2, &ext));
	assert_null(sniff("RIFF\0\0\0\0WEB", 11, &ext));
	assert_null(sniff(NULL, 0, &ext));
	/* Other types, or the magic not at the start. */
	assert_null(sniff("GIF89a", 6, &ext));
	assert_null(sniff("RIFF\0\0\0\0WAVE", 12, &ext));
	assert_null(sniff(" %PDF-1.7", 9, &ext));
	assert_null(sniff("%pdf-1.7", 8, &ext));
	assert_null(sniff("<html>", 6, &ext));
	assert_string_equal(ext, "unset");
}

static const char *
clean(const char *in, char *out, size_t outlen)
{
	size_t n = upload_clean_name(in, out, outlen);

	assert_int_equal(n, strlen(out));
	return (out);
}

static void
test_name_plain(void **state)
{
	char out[UPLOAD_NAME_MAX + 1];

	(void)state;
	assert_string_equal(clean("Brochure 2026 (v2).pdf", out, sizeof(out)),
	                    "Brochure 2026 (v2).pdf");
	assert_string_equal(clean("a+b_c-d.png", out, sizeof(out)),
	                    "a+b_c-d.png");
}

static void
test_name_path(void **state)
{
	char out[UPLOAD_NAME_MAX + 1];

	(void)state;
	assert_string_equal(clean("../../etc/passwd", out, sizeof(out)),
	                    "passwd");
	assert_string_equal(clean("C:\\Users\\me\\logo.png", out, sizeof(out)),
	                    "logo.png");
	assert_string_equal(clean("dir/", out, sizeof(out)), "");
	assert_int_equal(upload_clean_name("a/..", out, sizeof(out)), 0);
}

static void
test_name_edges(void **state)
{
	char out[UPLOAD_NAME_MAX + 1];

	(void)state;
	assert_string_equal(clean(". .hidden.pdf", out, sizeof(out)),
	                    "hidden.pdf");
	assert_string_equal(clean("name.pdf   ", out, sizeof(out)), "name.pdf");
	assert_int_equal(upload_clean_name("... ", out, sizeof(out)), 0);
	assert_string_equal(out, "");
	assert_int_equal(upload_clean_name("", out, sizeof(out)), 0);
	/* Everything else, UTF-8 bytes and controls included, is '_'. */
	assert_string_equal(clean("caf\xc3\xa9 <x>;\"\t.pdf", out, sizeof(out)),
	                    "caf__ _x____.pdf");
	/* The name ends at a NUL a percent-escape put there. */
	assert_string_equal(clean("a.pdf\0.exe", out, sizeof(out)), "a.pdf");
}

static void
test_name_length(void **state)
{
	char in[300], out[300], small[8];

	(void)state;
	memset(in, 'x', sizeof(in) - 1);
	in[sizeof(in) - 1] = '\0';
	assert_int_equal(upload_clean_name(in, out, sizeof(out)),
	                 UPLOAD_NAME_MAX);
	assert_int_equal(strlen(out), UPLOAD_NAME_MAX);
	/* A space at the cut is trimmed too. */
	in[UPLOAD_NAME_MAX - 1] = ' ';
	assert_int_equal(upload_clean_name(in, out, sizeof(out)),
	                 UPLOAD_NAME_MAX - 1);
	/* The output buffer limits it as well. */
	assert_int_equal(
	    upload_clean_name("abcdefghijkl", small, sizeof(small)), 7);
	assert_string_equal(small, "abcdefg");
	small[0] = 'q';
	assert_int_equal(upload_clean_name("abc", small, 0), 0);
	assert_int_equal(small[0], 'q');
	assert_int_equal(upload_clean_name("abc", small, 1), 0);
	assert_string_equal(small, "");
}

static void
test_name_in_place(void **state)
{
	char buf[] = "/tmp/../ .My File?.pdf ";

	(void)state;
	assert_int_equal(upload_clean_name(buf, buf, sizeof(buf)), 12);
	assert_string_equal(buf, "My File_.pdf");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sniff_types),
	    cmocka_unit_test(test_sniff_refused),
	    cmocka_unit_test(test_name_plain),
	    cmocka_unit_test(test_name_path),
	    cmocka_unit_test(test_name_edges),
	    cmocka_unit_test(test_name_length),
	    cmocka_unit_test(test_name_in_place),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
