/*
 * RFC 4180 CSV reader (see csv.h).  A small state machine over the
 * bytes: a field is either bare (ends at a comma or line end) or quoted
 * (ends at a lone quote; "" is a quote).  Lines are counted so that the
 * importer's report names the line a record starts on.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"

struct buf {
	char *p;
	size_t len, cap;
};

static int
buf_put(struct buf *b, char c)
{
	char *np;
	size_t ncap;

	if (b->len + 1 >= b->cap) {
		ncap = b->cap ? b->cap * 2 : 64;
		if ((np = realloc(b->p, ncap)) == NULL)
			return (-1);
		b->p = np;
		b->cap = ncap;
	}
	b->p[b->len++] = c;
	b->p[b->len] = '\0';
	return (0);
}

struct record {
	char **cells;
	size_t n, cap;
};

static void
record_reset(struct record *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->cells[i]);
	free(r->cells);
	memset(r, 0, sizeof(*r));
}

/* Moves the field buffer into the record as its next cell. */
static int
record_add(struct record *r, struct buf *f)
{
	char **nc, *cell;
	size_t ncap;

	if (r->n >= SHEET_MAX_COLS) {
		f->len = 0;
		return (0); /* extra columns are ignored, not fatal */
	}
	if (r->n == r->cap) {
		ncap = r->cap ? r->cap * 2 : 16;
		if ((nc = reallocarray(r->cells, ncap, sizeof(*nc))) == NULL)
			return (-1);
		r->cells = nc;
		r->cap = ncap;
	}
	cell = strndup(f->p ? f->p : "", f->len);
	if (cell == NULL)
		return (-1);
	r->cells[r->n++] = cell;
	f->len = 0;
	return (0);
}

int
csv_parse(const char *buf, size_t len, struct sheet *out, char *err,
          size_t errlen)
{
	struct buf f = {0};
	struct record r = {0};
	size_t i = 0, line = 1, rec_line = 1, rownum = 0;
	int quoted, rc = -1, done = 0;

	memset(out, 0, sizeof(*out));
	if (len >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && !done) {
		/* One field. */
		quoted = 0;
		if (buf[i] == '"') {
			quoted = 1;
			i++;
			for (;;) {
				if (i >= len) {
					snprintf(
					    err, errlen,
					    "line %zu: unterminated quoted "
					    "field",
					    rec_line);
					goto cleanup;
				}
				if (buf[i] == '"') {
					if (i + 1 < len && buf[i + 1] == '"') {
						if (buf_put(&f, '"') != 0)
							goto nomem;
						i += 2;
						continue;
					}
					i++;
					break;
				}
				if (buf[i] == '\n')
					line++;
				if (buf_put(&f, buf[i]) != 0)
					goto nomem;
				i++;
			}
		}
		while (i < len && buf[i] != ',' && buf[i] != '\n' &&
		       buf[i] != '\r') {
			if (quoted) {
				snprintf(err, errlen,
				         "line %zu: text after a closing quote",
				         line);
				goto cleanup;
			}
			if (buf[i] == '"') {
				snprintf(err, errlen,
				         "line %zu: quote inside an unquoted "
				         "field",
				         line);
				goto cleanup;
			}
			if (buf_put(&f, buf[i]) != 0)
				goto nomem;
			i++;
		}
		if (record_add(&r, &f) != 0)
			goto nomem;
		if (i < len && buf[i] == ',') {
			i++;
			if (i == len && record_add(&r, &f) != 0)
				goto nomem;
			if (i < len)
				continue;
		}
		/* End of record: a line end or the end of the input. */
		if (i < len && buf[i] == '\r')
			i++;
		if (i < len && buf[i] == '\n')
			i++;
		rownum++;
		if (sheet_cells_empty(r.cells, r.n)) {
			done = 1; /* the first empty row ends the sheet */
			break;
		}
		if (sheet_push_row(out, r.cells, r.n, rownum) != 0) {
			memset(&r, 0, sizeof(r));
			snprintf(err, errlen,
			         "line %zu: too many rows or out "
			         "of memory",
			         line);
			goto cleanup;
		}
		memset(&r, 0, sizeof(r));
		line++;
		rec_line = line;
	}
	rc = 0;
	goto cleanup;
nomem:
	snprintf(err, errlen, "out of memory");
cleanup:
	record_reset(&r);
	free(f.p);
	if (rc != 0)
		sheet_free(out);
	return (rc);
}
