/*
 * The competency framework importer (SPEC section 4): reads the sheet
 * set (verticals, competencies, job_roles, tech_roles,
 * tech_competencies, needs, levels, formats, and optionally courses),
 * checks it, and replaces the framework in the App database.
 *
 * Reading and validating never touch a database, so the CMS's upload
 * page can show the report before anything changes; framework_apply
 * then writes everything in one transaction on a connection the caller
 * owns (the App owner for `lifted-app import-framework`, cms_publisher
 * for the CMS).  docs/framework.md describes the sheets and id rules.
 */
#ifndef LIFTED_FRAMEWORK_H
#define LIFTED_FRAMEWORK_H

#include <stddef.h>
#include <stdio.h>

#include <libpq-fe.h>

#include "sheet.h"

struct framework; /* opaque */

enum framework_severity {
	FRAMEWORK_ERROR = 0,
	FRAMEWORK_WARNING,
};

/* One line of the report.  row is the 1-based sheet row (0: the sheet as
 * a whole); col is 0-based (-1: no particular column). */
struct framework_issue {
	enum framework_severity severity;
	const char *sheet;
	size_t row;
	int col;
	const char *message;
};

struct framework_counts {
	size_t verticals, vertical_categories, competency_categories;
	size_t specialisms, competencies, job_roles, tech_roles;
	size_t tech_competencies, needs, levels, formats, courses;
};

/* The sheet names, in the order they are read; NULL-terminated.
 * "courses" is the only optional one. */
extern const char *const framework_sheets[];

/* A new, empty import.  NULL on allocation failure.  Caller frees with
 * framework_free. */
struct framework *framework_new(void);

void framework_free(struct framework *fw);

/* Gives the import sheet `name` (one of framework_sheets), taking
 * ownership of *sh (it is emptied).  Returns 0, or -1 for an unknown
 * name or a sheet given twice (also reported as an error). */
int framework_add_sheet(struct framework *fw, const char *name,
                        struct sheet *sh);

/* Reports that sheet `name` could not be read (file missing, truncated
 * zip, broken XML...); message is copied. */
void framework_sheet_error(struct framework *fw, const char *name,
                           const char *message);

/* Reads DIR/<sheet>.ods or DIR/<sheet>.csv for every sheet (.ods
 * first when both exist); problems go to the report.  Returns the
 * number of sheets that could not be read. */
size_t framework_read_dir(struct framework *fw, const char *dir);

/* Checks the sheets and builds the model.  With strict, warnings count
 * as errors.  Returns the number of errors (0: framework_apply may be
 * called).  Call once, after every sheet was added. */
size_t framework_validate(struct framework *fw, int strict);

/* The report (valid until framework_free), errors and warnings in sheet
 * and row order. */
const struct framework_issue *framework_issues(const struct framework *fw,
                                               size_t *n);
size_t framework_nerrors(const struct framework *fw);
size_t framework_nwarnings(const struct framework *fw);

/* What the import holds (after framework_validate). */
void framework_counts(const struct framework *fw, struct framework_counts *c);

/* Prints the report, one "sheet:row:column: error|warning: message" line
 * per issue (row and column left out when not known), then a summary of
 * counts. */
void framework_print_report(const struct framework *fw, FILE *out);

/* Replaces the framework (and the sample courses, when a courses sheet
 * was given) in one transaction on conn, then NOTIFY lifted_framework in
 * the same transaction.  Framework rows are upserted by id and rows no
 * longer in the sheets deleted, so course category tags survive a
 * re-import whose ids are stable.  time_zone (an IANA name) dates the
 * sample courses at local midnight.  Uses blocking libpq: this is an
 * operator command or a CMS thread-pool job, never a request path.
 * Returns 0, or -1 with a message in err after rolling back.  Requires a
 * framework_validate without errors. */
int framework_apply(const struct framework *fw, PGconn *conn,
                    const char *time_zone, char *err, size_t errlen);

/* Parses a list of ids and ranges ("91-95, 100-103"; empty items are
 * skipped) into *ids (caller frees), *n of them, duplicates dropped,
 * order kept.  Returns 0, or -1 with a message in err (a range running
 * backwards, a non-number). */
int framework_parse_ids(const char *s, int **ids, size_t *n, char *err,
                        size_t errlen);

#endif
