/*
 * OpenDocument spreadsheet (.ods) reader into a struct sheet (sheet.h):
 * the zip is opened with libzip, content.xml is streamed through the
 * libxml2 xmlTextReader (never a whole DOM), and the first table is
 * read.  Handles table:number-rows-repeated and
 * table:number-columns-repeated (capped, see sheet.h), several text:p in
 * one cell (joined with "\n"), text:s (text:c spaces), text:tab and
 * text:line-break; annotations (comments) are skipped.
 */
#ifndef LIFTED_ODS_H
#define LIFTED_ODS_H

#include <stddef.h>

#include "sheet.h"

/* Parses the .ods held in len bytes of buf.  Returns 0, or -1 with a
 * message in err (a truncated or non-zip file, no content.xml, broken
 * XML, no table); out then holds nothing.  On success the caller frees
 * with sheet_free. */
int ods_parse(const void *buf, size_t len, struct sheet *out, char *err,
              size_t errlen);

#endif
