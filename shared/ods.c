/*
 * .ods reader (see ods.h).  content.xml is read out of the zip into
 * memory and walked with the xmlTextReader, keeping only the current
 * row; reading ends at the first empty row of the first table, so the
 * million-row tails that spreadsheet programs write cost nothing.
 *
 * Text: ODF 1.2 section 6.1.2 says runs of white space in character data
 * collapse to one space, but the LIFTED sheets hold literal double spaces
 * that the original App served as written (see the recorded /techdiag
 * answers), so character data is kept as it is, with tabs and line ends
 * turned into spaces; text:s, text:tab and text:line-break add their
 * runs, tabs and line breaks.  Paragraphs of one cell are joined with
 * "\n"; cells are trimmed by the sheet layer.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>
#include <zip.h>

#include "ods.h"

#define NS_TABLE  "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
#define NS_TEXT   "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
#define NS_OFFICE "urn:oasis:names:tc:opendocument:xmlns:office:1.0"

/* content.xml is usually ten times the zip; more than this is abuse. */
#define ODS_MAX_XML (256u * 1024 * 1024)
/* A text:s with a silly count must not allocate gigabytes. */
#define ODS_MAX_SPACES 1024

struct ods_state {
	xmlTextReaderPtr r;
	char *err;
	size_t errlen;
	int failed;

	/* Current cell text. */
	char *text;
	size_t tlen, tcap;
	int in_para;       /* inside a text:p / text:h */
	int paras;         /* paragraphs seen in this cell */
	size_t para_start; /* where the current paragraph's text starts */

	/* Current row. */
	char **cells;
	size_t ncells, ccap;
	size_t pending_empty; /* empty cells that count only if more follow */
	size_t row_line;      /* 1-based number of the current row */
};

static void
ods_fail(struct ods_state *st, const char *fmt, ...)
{
	va_list ap;

	if (st->failed)
		return;
	st->failed = 1;
	va_start(ap, fmt);
	vsnprintf(st->err, st->errlen, fmt, ap);
	va_end(ap);
}

static void
xml_error(void *arg, const char *msg, xmlParserSeverities sev,
          xmlTextReaderLocatorPtr loc)
{
	struct ods_state *st = arg;
	char m[200];
	size_t n;

	if (sev == XML_PARSER_SEVERITY_WARNING ||
	    sev == XML_PARSER_SEVERITY_VALIDITY_WARNING)
		return;
	snprintf(m, sizeof(m), "%s", msg);
	n = strlen(m);
	while (n > 0 && (m[n - 1] == '\n' || m[n - 1] == ' '))
		m[--n] = '\0';
	ods_fail(st, "broken XML in content.xml (line %d): %s",
	         xmlTextReaderLocatorLineNumber(loc), m);
}

static int
text_put(struct ods_state *st, const char *s, size_t n)
{
	char *np;
	size_t ncap;

	if (st->tlen + n + 1 > st->tcap) {
		ncap = st->tcap ? st->tcap : 64;
		while (st->tlen + n + 1 > ncap)
			ncap *= 2;
		if ((np = realloc(st->text, ncap)) == NULL) {
			ods_fail(st, "out of memory");
			return (-1);
		}
		st->text = np;
		st->tcap = ncap;
	}
	memcpy(st->text + st->tlen, s, n);
	st->tlen += n;
	st->text[st->tlen] = '\0';
	return (0);
}

/* Character data inside a paragraph, kept as written (see the top). */
static void
text_chars(struct ods_state *st, const char *s)
{
	const char *p;

	for (p = s; *p != '\0'; p++) {
		int ws = *p == '\t' || *p == '\n' || *p == '\r';

		if (text_put(st, ws ? " " : p, 1) != 0)
			return;
	}
}

/* Literal text from text:s / text:tab / text:line-break. */
static void
text_literal(struct ods_state *st, const char *s, size_t n)
{
	text_put(st, s, n);
}

/* Integer attribute ns:name, or def when absent or not a positive
 * number. */
static unsigned long
attr_count(struct ods_state *st, const char *name, const char *ns,
           unsigned long def)
{
	xmlChar *v;
	char *end;
	unsigned long n;

	v = xmlTextReaderGetAttributeNs(st->r, (const xmlChar *)name,
	                                (const xmlChar *)ns);
	if (v == NULL)
		return (def);
	n = strtoul((const char *)v, &end, 10);
	if (end == (const char *)v || *end != '\0' || n == 0)
		n = def;
	xmlFree(v);
	return (n);
}

static int
cell_push(struct ods_state *st, const char *s)
{
	char **nc, *c;
	size_t ncap;

	if (st->ncells >= SHEET_MAX_COLS)
		return (0); /* columns past the cap are dropped */
	if (st->ncells == st->ccap) {
		ncap = st->ccap ? st->ccap * 2 : 16;
		if ((nc = reallocarray(st->cells, ncap, sizeof(*nc))) == NULL)
			goto nomem;
		st->cells = nc;
		st->ccap = ncap;
	}
	if ((c = strdup(s)) == NULL)
		goto nomem;
	st->cells[st->ncells++] = c;
	return (0);
nomem:
	ods_fail(st, "out of memory");
	return (-1);
}

/* Ends a cell repeated rep times. */
static void
cell_end(struct ods_state *st, unsigned long rep)
{
	const char *t = st->text ? st->text : "";
	const char *p;
	unsigned long i;
	int empty = 1;

	for (p = t; *p != '\0'; p++)
		if (*p != ' ' && *p != '\t' && *p != '\n')
			empty = 0;
	if (empty) {
		/* Capped: trailing empties are dropped at the row's end. */
		st->pending_empty += rep;
		if (st->pending_empty > SHEET_MAX_COLS)
			st->pending_empty = SHEET_MAX_COLS;
	} else {
		while (st->pending_empty > 0 && !st->failed) {
			st->pending_empty--;
			cell_push(st, "");
		}
		for (i = 0;
		     i < rep && st->ncells < SHEET_MAX_COLS && !st->failed; i++)
			cell_push(st, t);
	}
	st->tlen = 0;
	if (st->text)
		st->text[0] = '\0';
	st->paras = 0;
}

static void
row_clear(struct ods_state *st)
{
	size_t i;

	for (i = 0; i < st->ncells; i++)
		free(st->cells[i]);
	st->ncells = 0;
	st->pending_empty = 0;
}

/* Ends a row repeated rep times; returns 1 when it was empty (the end of
 * the sheet), 0 otherwise. */
static int
row_end(struct ods_state *st, struct sheet *out, unsigned long rep)
{
	unsigned long i;
	char **copy;
	size_t j;

	if (st->ncells == 0) {
		row_clear(st);
		return (1);
	}
	for (i = 0; i < rep && !st->failed; i++) {
		if (out->nrows >= SHEET_MAX_ROWS) {
			ods_fail(st, "more than %d rows", SHEET_MAX_ROWS);
			break;
		}
		if ((copy = calloc(st->ncells, sizeof(*copy))) == NULL) {
			ods_fail(st, "out of memory");
			break;
		}
		for (j = 0; j < st->ncells; j++) {
			if ((copy[j] = strdup(st->cells[j])) == NULL) {
				while (j-- > 0)
					free(copy[j]);
				free(copy);
				ods_fail(st, "out of memory");
				goto done;
			}
		}
		if (sheet_push_row(out, copy, st->ncells, st->row_line + i) !=
		    0)
			ods_fail(st, "out of memory");
	}
done:
	st->row_line += rep;
	row_clear(st);
	return (0);
}

static int
is(const xmlChar *name, const xmlChar *ns, const char *want_ns,
   const char *want)
{
	return (name != NULL && ns != NULL &&
	        strcmp((const char *)ns, want_ns) == 0 &&
	        strcmp((const char *)name, want) == 0);
}

/* Walks content.xml; 0 or -1 (st->err set). */
static int
walk(struct ods_state *st, struct sheet *out)
{
	const xmlChar *name, *ns;
	unsigned long row_rep = 1, cell_rep = 1, n;
	int ret, type, depth, table_depth = -1, skip_depth = -1;
	int in_cell = 0, in_row = 0, seen_table = 0, empty, finished = 0;

	st->row_line = 1;
	while (!finished && (ret = xmlTextReaderRead(st->r)) == 1) {
		if (st->failed)
			return (-1);
		type = xmlTextReaderNodeType(st->r);
		depth = xmlTextReaderDepth(st->r);
		name = xmlTextReaderConstLocalName(st->r);
		ns = xmlTextReaderConstNamespaceUri(st->r);
		empty = xmlTextReaderIsEmptyElement(st->r);

		if (skip_depth >= 0) {
			if (type == XML_READER_TYPE_END_ELEMENT &&
			    depth == skip_depth)
				skip_depth = -1;
			continue;
		}
		if (table_depth < 0) {
			if (type == XML_READER_TYPE_ELEMENT &&
			    is(name, ns, NS_TABLE, "table")) {
				seen_table = 1;
				table_depth = depth;
				if (empty)
					finished = 1;
			}
			continue;
		}
		switch (type) {
		case XML_READER_TYPE_ELEMENT:
			if (is(name, ns, NS_OFFICE, "annotation")) {
				if (!empty)
					skip_depth = depth;
			} else if (is(name, ns, NS_TABLE, "table-row")) {
				row_rep = attr_count(st, "number-rows-repeated",
				                     NS_TABLE, 1);
				row_clear(st);
				in_row = 1;
				if (empty && row_end(st, out, row_rep))
					finished = 1;
				if (empty)
					in_row = 0;
			} else if (in_row &&
			           (is(name, ns, NS_TABLE, "table-cell") ||
			            is(name, ns, NS_TABLE,
			               "covered-table-cell"))) {
				cell_rep = attr_count(
				    st, "number-columns-repeated", NS_TABLE, 1);
				in_cell = 1;
				if (empty) {
					cell_end(st, cell_rep);
					in_cell = 0;
				}
			} else if (in_cell && (is(name, ns, NS_TEXT, "p") ||
			                       is(name, ns, NS_TEXT, "h"))) {
				if (st->paras++ > 0)
					text_literal(st, "\n", 1);
				st->para_start = st->tlen;
				st->in_para = !empty;
			} else if (st->in_para && is(name, ns, NS_TEXT, "s")) {
				n = attr_count(st, "c", NS_TEXT, 1);
				if (n > ODS_MAX_SPACES)
					n = ODS_MAX_SPACES;
				while (n-- > 0)
					text_put(st, " ", 1);
			} else if (st->in_para &&
			           is(name, ns, NS_TEXT, "tab")) {
				text_literal(st, "\t", 1);
			} else if (st->in_para &&
			           is(name, ns, NS_TEXT, "line-break")) {
				text_literal(st, "\n", 1);
			}
			break;
		case XML_READER_TYPE_TEXT:
		case XML_READER_TYPE_CDATA:
		case XML_READER_TYPE_WHITESPACE:
		case XML_READER_TYPE_SIGNIFICANT_WHITESPACE:
			if (st->in_para)
				text_chars(
				    st, (const char *)xmlTextReaderConstValue(
				            st->r));
			break;
		case XML_READER_TYPE_END_ELEMENT:
			if (depth == table_depth) {
				finished = 1; /* only the first table */
			} else if (is(name, ns, NS_TEXT, "p") ||
			           is(name, ns, NS_TEXT, "h")) {
				st->in_para = 0;
			} else if (in_cell &&
			           (is(name, ns, NS_TABLE, "table-cell") ||
			            is(name, ns, NS_TABLE,
			               "covered-table-cell"))) {
				cell_end(st, cell_rep);
				in_cell = 0;
			} else if (in_row &&
			           is(name, ns, NS_TABLE, "table-row")) {
				in_row = 0;
				if (row_end(st, out, row_rep))
					finished = 1;
			}
			break;
		default:
			break;
		}
	}
	if (!finished && ret == -1)
		ods_fail(st, "broken XML in content.xml");
	if (st->failed)
		return (-1);
	if (!seen_table) {
		ods_fail(st, "content.xml holds no table");
		return (-1);
	}
	if (!finished) {
		ods_fail(st, "content.xml ends inside the table");
		return (-1);
	}
	return (0);
}

/* Reads content.xml out of the zip into *xml (caller frees). */
static int
read_content(const void *buf, size_t len, char **xml, size_t *xlen, char *err,
             size_t errlen)
{
	zip_error_t zerr;
	zip_source_t *src = NULL;
	zip_t *za = NULL;
	zip_file_t *zf = NULL;
	zip_stat_t zs;
	char *data = NULL;
	zip_int64_t n;
	size_t got = 0;
	int rc = -1;

	zip_error_init(&zerr);
	if ((src = zip_source_buffer_create(buf, len, 0, &zerr)) == NULL) {
		snprintf(err, errlen, "cannot read the zip: %s",
		         zip_error_strerror(&zerr));
		goto cleanup;
	}
	if ((za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS,
	                               &zerr)) == NULL) {
		snprintf(
		    err, errlen,
		    "not a readable .ods (zip archive broken or truncated: "
		    "%s)",
		    zip_error_strerror(&zerr));
		goto cleanup;
	}
	src = NULL; /* owned by za now */
	if (zip_stat(za, "content.xml", 0, &zs) != 0 ||
	    !(zs.valid & ZIP_STAT_SIZE)) {
		snprintf(err, errlen, "not an .ods: no content.xml in the zip");
		goto cleanup;
	}
	if (zs.size > ODS_MAX_XML) {
		snprintf(err, errlen, "content.xml larger than %u bytes",
		         ODS_MAX_XML);
		goto cleanup;
	}
	if ((zf = zip_fopen(za, "content.xml", 0)) == NULL) {
		snprintf(err, errlen, "cannot open content.xml: %s",
		         zip_strerror(za));
		goto cleanup;
	}
	if ((data = malloc((size_t)zs.size + 1)) == NULL) {
		snprintf(err, errlen, "out of memory");
		goto cleanup;
	}
	while (got < (size_t)zs.size) {
		n = zip_fread(zf, data + got, (zip_uint64_t)(zs.size - got));
		if (n <= 0) {
			snprintf(err, errlen,
			         "cannot read content.xml (damaged zip): %s",
			         n < 0 ? zip_file_strerror(zf) : "short data");
			goto cleanup;
		}
		got += (size_t)n;
	}
	data[got] = '\0';
	*xml = data;
	*xlen = got;
	data = NULL;
	rc = 0;
cleanup:
	free(data);
	if (zf != NULL)
		zip_fclose(zf);
	if (za != NULL)
		zip_discard(za);
	if (src != NULL)
		zip_source_free(src);
	zip_error_fini(&zerr);
	return (rc);
}

int
ods_parse(const void *buf, size_t len, struct sheet *out, char *err,
          size_t errlen)
{
	struct ods_state st;
	char *xml = NULL;
	size_t xlen = 0;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&st, 0, sizeof(st));
	st.err = err;
	st.errlen = errlen;
	if (read_content(buf, len, &xml, &xlen, err, errlen) != 0)
		return (-1);
	if (xlen > (size_t)INT32_MAX) {
		snprintf(err, errlen, "content.xml too large");
		goto cleanup;
	}
	/* No network, no entity expansion: the file is untrusted. */
	st.r = xmlReaderForMemory(xml, (int)xlen, "content.xml", NULL,
	                          XML_PARSE_NONET | XML_PARSE_NOERROR |
	                              XML_PARSE_NOWARNING);
	if (st.r == NULL) {
		snprintf(err, errlen, "cannot parse content.xml");
		goto cleanup;
	}
	xmlTextReaderSetErrorHandler(st.r, xml_error, &st);
	rc = walk(&st, out);
cleanup:
	if (st.r != NULL)
		xmlFreeTextReader(st.r);
	row_clear(&st);
	free(st.cells);
	free(st.text);
	free(xml);
	if (rc != 0)
		sheet_free(out);
	return (rc);
}
