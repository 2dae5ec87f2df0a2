/*
 * One spreadsheet sheet as rows of trimmed text cells: what the .ods and
 * .csv readers (ods.c, csv.c) produce and the framework importer reads.
 *
 * Both readers follow the same rules (SPEC section 4): the first sheet
 * only, reading stops at the first empty row, every cell is trimmed, and
 * trailing empty cells of a row are dropped.  Row 0 is the header.
 */
#ifndef LIFTED_SHEET_H
#define LIFTED_SHEET_H

#include <stddef.h>

/* Limits that keep a hostile or bloated upload from costing memory:
 * repeated empty cells and rows (a LibreOffice sheet often ends in a
 * row repeated a million times) are never materialised past these. */
#define SHEET_MAX_COLS  256
#define SHEET_MAX_ROWS  100000
#define SHEET_MAX_BYTES (64u * 1024 * 1024)

struct sheet_row {
	char **cells; /* ncells strings, never NULL ("" when empty) */
	size_t ncells;
	size_t line; /* 1-based row number as the user sees it */
};

struct sheet {
	struct sheet_row *rows;
	size_t nrows;
	size_t cap;
};

/* The cell at (row, col), or "" past the end of the row. */
const char *sheet_cell(const struct sheet *s, size_t row, size_t col);

/* Appends a row taking ownership of cells (trimmed here, trailing empty
 * ones freed); returns 0 or -1 on allocation failure or SHEET_MAX_ROWS
 * (cells are freed either way). */
int sheet_push_row(struct sheet *s, char **cells, size_t ncells, size_t line);

/* 1 when every cell of cells is empty or white space. */
int sheet_cells_empty(char *const *cells, size_t ncells);

/* Trims ASCII white space (and no-break spaces) in place. */
void sheet_trim(char *s);

/* Reads path (a .ods or .csv by its extension; at most SHEET_MAX_BYTES).
 * Returns 0, or -1 with a message in err (the sheet then holds nothing
 * to free).  On success the caller frees with sheet_free. */
int sheet_read_file(const char *path, struct sheet *out, char *err,
                    size_t errlen);

/* Parses buf as "ods" or "csv" (type); as sheet_read_file. */
int sheet_read_mem(const char *type, const void *buf, size_t len,
                   struct sheet *out, char *err, size_t errlen);

/* Frees the rows; s itself is the caller's. */
void sheet_free(struct sheet *s);

/* Column letters for reports: 0 -> "A", 27 -> "AB".  buf >= 8 bytes. */
void sheet_col_name(size_t col, char *buf, size_t len);

#endif
