/*
 * RFC 4180 CSV reader into a struct sheet (sheet.h): comma separated,
 * fields optionally in double quotes (a quoted field may hold commas,
 * line breaks and "" for a quote), CRLF or LF line ends, an optional
 * UTF-8 byte order mark.
 */
#ifndef LIFTED_CSV_H
#define LIFTED_CSV_H

#include <stddef.h>

#include "sheet.h"

/* Parses len bytes of buf.  Returns 0, or -1 with "line N: what" in err
 * (out then holds nothing).  On success the caller frees with
 * sheet_free. */
int csv_parse(const char *buf, size_t len, struct sheet *out, char *err,
              size_t errlen);

#endif
