/*
 * Shared plumbing of the sheet readers: the row list, trimming, the
 * "first empty row ends the sheet" rule's helper, and reading a file by
 * its extension.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "csv.h"
#include "ods.h"
#include "sheet.h"

const char *
sheet_cell(const struct sheet *s, size_t row, size_t col)
{
	if (row >= s->nrows || col >= s->rows[row].ncells)
		return ("");
	return (s->rows[row].cells[col]);
}

/* Length of a white-space character at p (ASCII space, tab, CR, LF, or
 * the UTF-8 no-break space U+00A0), 0 when there is none. */
static size_t
ws_len(const char *p)
{
	if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == '\v' ||
	    *p == '\f')
		return (1);
	if ((unsigned char)p[0] == 0xc2 && (unsigned char)p[1] == 0xa0)
		return (2);
	return (0);
}

void
sheet_trim(char *s)
{
	char *start = s, *end;
	size_t n, len;

	while ((n = ws_len(start)) > 0)
		start += n;
	len = strlen(start);
	end = start + len;
	while (end > start) {
		if (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
		    end[-1] == '\n' || end[-1] == '\v' || end[-1] == '\f')
			end--;
		else if (end - start >= 2 && (unsigned char)end[-2] == 0xc2 &&
		         (unsigned char)end[-1] == 0xa0)
			end -= 2;
		else
			break;
	}
	memmove(s, start, (size_t)(end - start));
	s[end - start] = '\0';
}

int
sheet_cells_empty(char *const *cells, size_t ncells)
{
	size_t i;
	const char *p;
	size_t n;

	for (i = 0; i < ncells; i++) {
		for (p = cells[i]; *p != '\0'; p += n) {
			if ((n = ws_len(p)) == 0)
				return (0);
		}
	}
	return (1);
}

static void
free_cells(char **cells, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(cells[i]);
	free(cells);
}

int
sheet_push_row(struct sheet *s, char **cells, size_t ncells, size_t line)
{
	struct sheet_row *nr;
	size_t i, ncap;

	for (i = 0; i < ncells; i++)
		sheet_trim(cells[i]);
	while (ncells > 0 && cells[ncells - 1][0] == '\0')
		free(cells[--ncells]);
	if (s->nrows >= SHEET_MAX_ROWS)
		goto fail;
	if (s->nrows == s->cap) {
		ncap = s->cap ? s->cap * 2 : 64;
		nr = reallocarray(s->rows, ncap, sizeof(*nr));
		if (nr == NULL)
			goto fail;
		s->rows = nr;
		s->cap = ncap;
	}
	s->rows[s->nrows].cells = cells;
	s->rows[s->nrows].ncells = ncells;
	s->rows[s->nrows].line = line;
	s->nrows++;
	return (0);
fail:
	free_cells(cells, ncells);
	return (-1);
}

void
sheet_free(struct sheet *s)
{
	size_t i;

	if (s == NULL)
		return;
	for (i = 0; i < s->nrows; i++)
		free_cells(s->rows[i].cells, s->rows[i].ncells);
	free(s->rows);
	memset(s, 0, sizeof(*s));
}

void
sheet_col_name(size_t col, char *buf, size_t len)
{
	char tmp[16];
	size_t n = 0, i;

	col++;
	while (col > 0 && n < sizeof(tmp)) {
		tmp[n++] = (char)('A' + (col - 1) % 26);
		col = (col - 1) / 26;
	}
	if (len == 0)
		return;
	for (i = 0; i < n && i + 1 < len; i++)
		buf[i] = tmp[n - 1 - i];
	buf[i] = '\0';
}

int
sheet_read_mem(const char *type, const void *buf, size_t len, struct sheet *out,
               char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	if (len > SHEET_MAX_BYTES) {
		snprintf(err, errlen, "file larger than %u bytes",
		         SHEET_MAX_BYTES);
		return (-1);
	}
	if (strcasecmp(type, "ods") == 0)
		return (ods_parse(buf, len, out, err, errlen));
	if (strcasecmp(type, "csv") == 0)
		return (csv_parse(buf, len, out, err, errlen));
	snprintf(err, errlen, "unknown sheet type \"%s\"", type);
	return (-1);
}

int
sheet_read_file(const char *path, struct sheet *out, char *err, size_t errlen)
{
	const char *dot;
	char *buf = NULL;
	struct stat st;
	size_t got = 0;
	ssize_t n;
	int fd, rc = -1;

	memset(out, 0, sizeof(*out));
	dot = strrchr(path, '.');
	if (dot == NULL ||
	    (strcasecmp(dot, ".ods") != 0 && strcasecmp(dot, ".csv") != 0)) {
		snprintf(err, errlen, "not a .ods or .csv file");
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "cannot open: %s", strerror(errno));
		return (-1);
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto cleanup;
	}
	if ((unsigned long long)st.st_size > SHEET_MAX_BYTES) {
		snprintf(err, errlen, "file larger than %u bytes",
		         SHEET_MAX_BYTES);
		goto cleanup;
	}
	/* +1 so that an empty file still gets a buffer. */
	if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	while (got < (size_t)st.st_size) {
		n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "read failed: %s",
			         n == 0 ? "short file" : strerror(errno));
			goto cleanup;
		}
		got += (size_t)n;
	}
	rc = sheet_read_mem(dot + 1, buf, got, out, err, errlen);
cleanup:
	free(buf);
	close(fd);
	return (rc);
}
