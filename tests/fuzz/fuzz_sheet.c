/*
 * libFuzzer target for the spreadsheet readers (shared/csv.c, shared/ods.c
 * through sheet_read_mem), which read the files staff import: the first
 * byte picks CSV or .ods, the rest is the file.  A sheet that parses keeps
 * the rules of sheet.h: within the row and column caps, no empty row,
 * every cell trimmed, no trailing empty cell, row numbers rising; a file
 * that does not parse leaves nothing to free and says why.  `make fuzz`
 * runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sheet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* 1 when s starts or ends with white space as sheet_trim sees it. */
static int
untrimmed(const char *s)
{
	static const char ws[] = " \t\r\n\v\f";
	size_t n = strlen(s);

	if (n == 0)
		return (0);
	if (strchr(ws, s[0]) != NULL || strchr(ws, s[n - 1]) != NULL)
		return (1);
	return (n >= 2 &&
	        (((unsigned char)s[0] == 0xc2 && (unsigned char)s[1] == 0xa0) ||
	         ((unsigned char)s[n - 2] == 0xc2 &&
	          (unsigned char)s[n - 1] == 0xa0)));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sheet sh;
	char err[300];
	size_t r, c, last = 0;
	int rc;

	if (size < 1)
		return (0);
	err[0] = '\0';
	rc = sheet_read_mem(data[0] & 1 ? "ods" : "csv", data + 1, size - 1,
	                    &sh, err, sizeof(err));
	if (rc != 0) {
		if (rc != -1 || sh.nrows != 0 || err[0] == '\0' ||
		    memchr(err, '\0', sizeof(err)) == NULL)
			abort();
		return (0);
	}
	if (sh.nrows > SHEET_MAX_ROWS)
		abort();
	for (r = 0; r < sh.nrows; r++) {
		const struct sheet_row *row = &sh.rows[r];

		if (row->ncells == 0 || row->ncells > SHEET_MAX_COLS ||
		    row->line <= last)
			abort();
		last = row->line;
		for (c = 0; c < row->ncells; c++)
			if (row->cells[c] == NULL || untrimmed(row->cells[c]) ||
			    strcmp(sheet_cell(&sh, r, c), row->cells[c]) != 0)
				abort();
		if (row->cells[row->ncells - 1][0] == '\0' ||
		    sheet_cell(&sh, r, row->ncells)[0] != '\0')
			abort();
	}
	sheet_free(&sh);
	return (0);
}
