/*
 * The .ods reader on small archives built here with libzip: repeated
 * rows and cells (and their caps), multi-paragraph cells, text:s /
 * text:tab / text:line-break, annotations, only the first table; and a
 * truncated zip, a zip without content.xml, broken XML.  With the real
 * LIFTED sheets present (../shared/lifted-framework), reads them too.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <zip.h>

#include "ods.h"

#define HEAD                                                                   \
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>"                           \
	"<office:document-content "                                            \
	"xmlns:office=\"urn:oasis:names:tc:opendocument:xmlns:office:1.0\" "   \
	"xmlns:table=\"urn:oasis:names:tc:opendocument:xmlns:table:1.0\" "     \
	"xmlns:text=\"urn:oasis:names:tc:opendocument:xmlns:text:1.0\">"       \
	"<office:body><office:spreadsheet>"
#define TAIL "</office:spreadsheet></office:body></office:document-content>"

/* A .ods in a temporary file holding content.xml = xml (NULL: none). */
static char *
make_ods(const char *xml)
{
	static char path[64];
	zip_source_t *src;
	zip_t *za;
	int fd, zerr;

	snprintf(path, sizeof(path), "/tmp/lifted-test-ods-XXXXXX.ods");
	fd = mkstemps(path, 4);
	assert_true(fd >= 0);
	close(fd);
	za = zip_open(path, ZIP_CREATE | ZIP_TRUNCATE, &zerr);
	assert_non_null(za);
	src = zip_source_buffer(za, "x", 1, 0);
	zip_file_add(za, "mimetype", src, 0);
	if (xml != NULL) {
		src = zip_source_buffer(za, xml, strlen(xml), 0);
		assert_true(zip_file_add(za, "content.xml", src, 0) >= 0);
	}
	assert_int_equal(zip_close(za), 0);
	return (path);
}

static int
read_ods(const char *xml, struct sheet *sh, char *err)
{
	char *path = make_ods(xml);
	int rc;

	rc = sheet_read_file(path, sh, err, 300);
	unlink(path);
	return (rc);
}

static void
test_cells(void **state)
{
	struct sheet sh;
	char err[300];

	(void)state;
	assert_int_equal(
	    read_ods(
	        HEAD
	        "<table:table table:name=\"S\">"
	        "<table:table-row><table:table-cell><text:p>ID</text:p>"
	        "</table:table-cell><table:table-cell "
	        "table:number-columns-repeated=\"3\"/>"
	        "<table:table-cell><text:p>Last</text:p></table:table-cell>"
	        "<table:table-cell table:number-columns-repeated=\"16000\"/>"
	        "</table:table-row>"
	        "<table:table-row table:number-rows-repeated=\"2\">"
	        "<table:table-cell><text:p>a<text:s text:c=\"3\"/>b"
	        "<text:tab/>c<text:line-break/>d</text:p>"
	        "<text:p>  second\n   para </text:p>"
	        "<office:annotation><text:p>a comment</text:p>"
	        "</office:annotation></table:table-cell>"
	        "<table:table-cell table:number-columns-repeated=\"2\">"
	        "<text:p><text:span>x</text:span>y</text:p>"
	        "</table:table-cell></table:table-row>"
	        "<table:table-row table:number-rows-repeated=\"1048000\">"
	        "<table:table-cell table:number-columns-repeated=\"1024\"/>"
	        "</table:table-row>"
	        "<table:table-row><table:table-cell><text:p>after</text:p>"
	        "</table:table-cell></table:table-row>"
	        "</table:table><table:table table:name=\"T\"/>" TAIL,
	        &sh, err),
	    0);
	assert_int_equal(sh.nrows, 3);
	assert_int_equal(sh.rows[0].ncells, 5);
	assert_string_equal(sheet_cell(&sh, 0, 3), "");
	assert_string_equal(sheet_cell(&sh, 0, 4), "Last");
	/* Character data is kept as written (line ends become spaces), as
	 * the original App did; only the cell's ends are trimmed. */
	assert_string_equal(sheet_cell(&sh, 1, 0),
	                    "a   b\tc\nd\n  second    para");
	assert_string_equal(sheet_cell(&sh, 1, 1), "xy");
	assert_string_equal(sheet_cell(&sh, 1, 2), "xy");
	assert_string_equal(sheet_cell(&sh, 2, 0), sheet_cell(&sh, 1, 0));
	assert_int_equal(sh.rows[2].line, 3);
	sheet_free(&sh);
}

static void
test_broken(void **state)
{
	struct sheet sh;
	char err[300], *path;
	FILE *f;
	long len;
	char *buf;

	(void)state;
	assert_int_equal(read_ods(NULL, &sh, err), -1);
	assert_non_null(strstr(err, "no content.xml"));
	assert_int_equal(read_ods(HEAD "<table:table><table:table-row>"
	                               "<table:table-cell><text:p>x</text:p>"
	                               "</table:table-row>" TAIL,
	                          &sh, err),
	                 -1);
	assert_non_null(strstr(err, "broken XML"));
	assert_int_equal(read_ods(HEAD TAIL, &sh, err), -1);
	assert_non_null(strstr(err, "no table"));

	/* Truncated: the zip's central directory is gone. */
	path = make_ods(HEAD "<table:table/>" TAIL);
	f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = malloc((size_t)len);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	unlink(path);
	assert_int_equal(ods_parse(buf, (size_t)len / 2, &sh, err, 300), -1);
	assert_non_null(strstr(err, "broken or truncated"));
	assert_int_equal(ods_parse("not a zip", 9, &sh, err, 300), -1);
	assert_int_equal(sh.nrows, 0);
	free(buf);
}

static void
test_real(void **state)
{
	const char *path = "../shared/lifted-framework/competencies.ods";
	struct sheet sh;
	char err[300];

	(void)state;
	if (access(path, R_OK) != 0) {
		printf("SKIP: the real LIFTED sheets are not in "
		       "../shared/lifted-framework\n");
		skip();
	}
	assert_int_equal(sheet_read_file(path, &sh, err, sizeof(err)), 0);
	assert_int_equal(sh.nrows, 504); /* header + 503 */
	assert_string_equal(sheet_cell(&sh, 0, 4), "Copyedited title");
	sheet_free(&sh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cells),
	    cmocka_unit_test(test_broken),
	    cmocka_unit_test(test_real),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
