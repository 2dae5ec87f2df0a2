/*
 * The framework importer (see framework.h and docs/framework.md).
 *
 * Three stages, kept apart so the CMS can stop after the second:
 *   1. sheets come in (framework_read_dir, or framework_add_sheet from an
 *      upload); a sheet that cannot be read is an error in the report;
 *   2. framework_validate walks the sheets in dependency order (levels
 *      and formats, verticals, competencies, job roles, tech roles and
 *      competencies, needs, courses), assigns the ids of SPEC section 4
 *      and collects errors and warnings with sheet, row and column;
 *   3. framework_apply writes the model in one transaction.
 *
 * The model points into the sheets' cells (the import owns the sheets),
 * and every other allocation comes from one arena, so nothing is freed
 * field by field.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "arena.h"
#include "framework.h"

enum sheet_id {
	SH_VERTICALS = 0,
	SH_COMPETENCIES,
	SH_JOB_ROLES,
	SH_TECH_ROLES,
	SH_TECH_COMPETENCIES,
	SH_NEEDS,
	SH_LEVELS,
	SH_FORMATS,
	SH_COURSES,
	SH_COUNT
};

const char *const framework_sheets[] = {
    "verticals", "competencies", "job_roles", "tech_roles", "tech_competencies",
    "needs",     "levels",       "formats",   "courses",    NULL};

struct vertical {
	int id;
	const char *name, *option_text;
};

struct vcat {
	int id, vertical_id, key, is_specialism;
	const char *title, *option_text;
};

struct ccat {
	int id, vertical_id, vcat_id; /* vcat_id 0: matches none */
	const char *name;
};

struct specialism {
	int id, vertical_id;
	const char *name;
};

struct competency {
	int id, vertical_id, ccat_id, specialism_id;
	const char *title, *description;
};

struct ids {
	int *v;
	size_t n;
};

struct job_role {
	int id, vertical_id, level, specialism_id;
	const char *name, *org_type, *description;
	struct ids comps;
};

struct tech_role {
	int id, level;
	const char *name, *option_text;
	struct ids comps;
	size_t row;
};

struct tech_comp {
	int id, tech_role_id;
	const char *category, *title, *description;
};

struct named {
	int id;
	const char *name, *acronym;
};

struct need {
	int id;
	const char *name, *option_text;
	struct ids formats, levels;
};

enum date_kind { DATE_OFFSET, DATE_MONTHDAY, DATE_QUARTER };

struct course_date {
	enum date_kind kind;
	int a, b; /* offsets; or month*100+day (b 0: none); or quarter */
};

struct course {
	const char *ref, *name, *provider, *url, *cost, *spider;
	const char *cpd_state, *cpd_points;
	int cost_varies, manual, ongoing, level_id, format_id;
	double duration;
	struct ids vcats, tcomps;
	struct course_date *dates;
	size_t ndates;
};

/* A growable array of T: .v, .n, .cap. */
#define VEC(T)                                                                 \
	struct {                                                               \
		T *v;                                                          \
		size_t n, cap;                                                 \
	}

struct framework {
	struct arena *arena;
	struct sheet sheets[SH_COUNT];
	int have[SH_COUNT]; /* 1: given; -1: given but unreadable */
	int validated, oom;

	VEC(struct framework_issue) issues;
	size_t nerrors, nwarnings;

	VEC(struct vertical) verticals;
	VEC(struct vcat) vcats;
	VEC(struct ccat) ccats;
	VEC(struct specialism) specialisms;
	VEC(struct competency) comps;
	VEC(struct job_role) roles;
	VEC(struct tech_role) troles;
	VEC(struct tech_comp) tcomps;
	VEC(struct need) needs;
	VEC(struct named) levels;
	VEC(struct named) formats;
	VEC(struct course) courses;
};

/* Makes room for one more element; 0 or -1 (fw->oom set). */
static int
grow(struct framework *fw, void **v, size_t *cap, size_t n, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return (0);
	ncap = *cap ? *cap * 2 : 16;
	if ((nv = reallocarray(*v, ncap, size)) == NULL) {
		fw->oom = 1;
		return (-1);
	}
	memset((char *)nv + *cap * size, 0, (ncap - *cap) * size);
	*v = nv;
	*cap = ncap;
	return (0);
}

/* Evaluates to a pointer to a new zeroed element of vec, or NULL. */
#define PUSH(fw, vec)                                                          \
	(grow((fw), (void **)&(vec).v, &(vec).cap, (vec).n,                    \
	      sizeof(*(vec).v)) == 0                                           \
	     ? &(vec).v[(vec).n++]                                             \
	     : NULL)

static void add_issue(struct framework *fw, enum framework_severity sev,
                      enum sheet_id sh, size_t row, int col, const char *fmt,
                      ...) __attribute__((format(printf, 6, 7)));

static void
add_issue(struct framework *fw, enum framework_severity sev, enum sheet_id sh,
          size_t row, int col, const char *fmt, ...)
{
	struct framework_issue *is;
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if ((is = PUSH(fw, fw->issues)) == NULL)
		return;
	is->severity = sev;
	is->sheet = framework_sheets[sh];
	is->row = row;
	is->col = col;
	is->message = arena_strdup(fw->arena, buf);
	if (is->message == NULL) {
		fw->oom = 1;
		is->message = "out of memory";
	}
	if (sev == FRAMEWORK_ERROR)
		fw->nerrors++;
	else
		fw->nwarnings++;
}

#define ERR(fw, sh, row, col, ...)                                             \
	add_issue((fw), FRAMEWORK_ERROR, (sh), (row), (col), __VA_ARGS__)
#define WARN(fw, sh, row, col, ...)                                            \
	add_issue((fw), FRAMEWORK_WARNING, (sh), (row), (col), __VA_ARGS__)

struct framework *
framework_new(void)
{
	struct framework *fw;

	if ((fw = calloc(1, sizeof(*fw))) == NULL)
		return (NULL);
	if ((fw->arena = arena_new()) == NULL) {
		free(fw);
		return (NULL);
	}
	return (fw);
}

void
framework_free(struct framework *fw)
{
	size_t i;

	if (fw == NULL)
		return;
	for (i = 0; i < SH_COUNT; i++)
		sheet_free(&fw->sheets[i]);
	free(fw->issues.v);
	free(fw->verticals.v);
	free(fw->vcats.v);
	free(fw->ccats.v);
	free(fw->specialisms.v);
	free(fw->comps.v);
	free(fw->roles.v);
	free(fw->troles.v);
	free(fw->tcomps.v);
	free(fw->needs.v);
	free(fw->levels.v);
	free(fw->formats.v);
	free(fw->courses.v);
	arena_free(fw->arena); /* id lists and dates live here */
	free(fw);
}

static int
sheet_index(const char *name)
{
	int i;

	for (i = 0; framework_sheets[i] != NULL; i++)
		if (strcmp(framework_sheets[i], name) == 0)
			return (i);
	return (-1);
}

int
framework_add_sheet(struct framework *fw, const char *name, struct sheet *sh)
{
	int i;

	if ((i = sheet_index(name)) < 0)
		return (-1);
	if (fw->have[i] != 0) {
		ERR(fw, (enum sheet_id)i, 0, -1, "sheet given twice");
		sheet_free(sh);
		return (-1);
	}
	fw->sheets[i] = *sh;
	memset(sh, 0, sizeof(*sh));
	fw->have[i] = 1;
	return (0);
}

void
framework_sheet_error(struct framework *fw, const char *name,
                      const char *message)
{
	int i;

	if ((i = sheet_index(name)) < 0)
		return;
	fw->have[i] = -1;
	ERR(fw, (enum sheet_id)i, 0, -1, "%s", message);
}

size_t
framework_read_dir(struct framework *fw, const char *dir)
{
	char path[4096], err[512];
	static const char *const exts[] = {".ods", ".csv"};
	struct sheet sh;
	size_t bad = 0, e;
	int i, found;

	for (i = 0; framework_sheets[i] != NULL; i++) {
		found = 0;
		for (e = 0; e < 2 && !found; e++) {
			snprintf(path, sizeof(path), "%s/%s%s", dir,
			         framework_sheets[i], exts[e]);
			if (access(path, F_OK) != 0)
				continue;
			found = 1;
			if (sheet_read_file(path, &sh, err, sizeof(err)) != 0) {
				framework_sheet_error(fw, framework_sheets[i],
				                      err);
				bad++;
			} else
				framework_add_sheet(fw, framework_sheets[i],
				                    &sh);
		}
		if (!found && i != SH_COURSES) {
			framework_sheet_error(
			    fw, framework_sheets[i],
			    "missing (no .ods or .csv file of that name)");
			bad++;
		}
	}
	return (bad);
}

/* --- small parsers ------------------------------------------------------ */

/* A whole decimal integer within [lo, hi]; "5.0" (a spreadsheet's way of
 * writing 5) is accepted. */
static int
parse_int(const char *s, long lo, long hi, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || errno != 0)
		return (-1);
	if (*end == '.') {
		end++;
		while (*end == '0')
			end++;
	}
	if (*end != '\0' || v < lo || v > hi)
		return (-1);
	*out = (int)v;
	return (0);
}

/* A non-negative decimal number with at most `decimals` places. */
static int
parse_decimal(const char *s, int decimals, double *out)
{
	const char *p = s, *dot = NULL;
	char *end;

	if (*p == '\0')
		return (-1);
	for (; *p != '\0'; p++) {
		if (*p == '.' && dot == NULL)
			dot = p;
		else if (!isdigit((unsigned char)*p))
			return (-1);
	}
	if (dot != NULL) {
		if (dot == s || dot[1] == '\0')
			return (-1);
		/* Trailing zeros ("1498.00", "0.500") do not count. */
		p = s + strlen(s);
		while (p > dot + 1 && p[-1] == '0')
			p--;
		if (p - dot - 1 > decimals)
			return (-1);
	}
	*out = strtod(s, &end);
	return (0);
}

int
framework_parse_ids(const char *s, int **ids, size_t *n, char *err,
                    size_t errlen)
{
	const char *p = s;
	int *v = NULL, *nv, a, b, x;
	size_t cnt = 0, cap = 0, i;
	char *end;
	long la, lb;

	*ids = NULL;
	*n = 0;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == ',' ||
		       *p == ';')
			p++;
		if (*p == '\0')
			break;
		if (!isdigit((unsigned char)*p))
			goto bad;
		errno = 0;
		la = strtol(p, &end, 10);
		if (errno != 0 || la <= 0 || la > INT_MAX)
			goto bad;
		p = end;
		while (*p == ' ')
			p++;
		lb = la;
		if (*p == '-' || *p == '\xe2') {
			/* "91-95", also with an en dash (U+2013). */
			if (*p == '\xe2') {
				if (strncmp(p, "\xe2\x80\x93", 3) != 0)
					goto bad;
				p += 3;
			} else
				p++;
			while (*p == ' ')
				p++;
			if (!isdigit((unsigned char)*p))
				goto bad;
			errno = 0;
			lb = strtol(p, &end, 10);
			if (errno != 0 || lb <= 0 || lb > INT_MAX)
				goto bad;
			p = end;
			if (lb < la) {
				snprintf(err, errlen,
				         "range %ld-%ld runs backwards", la,
				         lb);
				free(v);
				return (-1);
			}
			if (lb - la > 100000) {
				snprintf(err, errlen, "range %ld-%ld too long",
				         la, lb);
				free(v);
				return (-1);
			}
		}
		while (*p == ' ')
			p++;
		if (*p != '\0' && *p != ',' && *p != ';' && *p != '\n')
			goto bad;
		a = (int)la;
		b = (int)lb;
		for (x = a;; x++) {
			for (i = 0; i < cnt; i++)
				if (v[i] == x)
					break;
			if (i == cnt) {
				if (cnt == cap) {
					cap = cap ? cap * 2 : 32;
					nv = reallocarray(v, cap, sizeof(*v));
					if (nv == NULL) {
						snprintf(err, errlen,
						         "out of memory");
						free(v);
						return (-1);
					}
					v = nv;
				}
				v[cnt++] = x;
			}
			if (x == b)
				break;
		}
	}
	*ids = v;
	*n = cnt;
	return (0);
bad:
	snprintf(err, errlen,
	         "\"%.40s\" is not a list of ids and ranges "
	         "such as \"91-95, 100-103\"",
	         s);
	free(v);
	return (-1);
}

/* framework_parse_ids into the arena; reports at (sh, row, col). */
static int
ids_cell(struct framework *fw, enum sheet_id sh, size_t row, int col,
         const char *s, struct ids *out)
{
	char err[200];
	int *v;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (framework_parse_ids(s, &v, &n, err, sizeof(err)) != 0) {
		ERR(fw, sh, row, col, "%s", err);
		return (-1);
	}
	if (n > 0) {
		out->v = arena_alloc(fw->arena, n * sizeof(*v));
		if (out->v == NULL) {
			fw->oom = 1;
			free(v);
			return (-1);
		}
		memcpy(out->v, v, n * sizeof(*v));
	}
	out->n = n;
	free(v);
	return (0);
}

/* --- columns ------------------------------------------------------------- */

struct colspec {
	const char *name;
	int required;
};

/* Finds each column of spec in the header row (case-insensitive); col[i]
 * is -1 for an absent optional one.  Returns -1 when the sheet is
 * unusable (missing, empty, a required column absent). */
static int
find_columns(struct framework *fw, enum sheet_id sh, const struct colspec *spec,
             int *col)
{
	const struct sheet *s = &fw->sheets[sh];
	size_t i, c;
	int ok = 0;

	if (fw->have[sh] != 1)
		return (-1);
	if (s->nrows == 0) {
		ERR(fw, sh, 1, -1, "the sheet is empty (no header row)");
		return (-1);
	}
	for (i = 0; spec[i].name != NULL; i++) {
		col[i] = -1;
		for (c = 0; c < s->rows[0].ncells; c++) {
			if (strcasecmp(s->rows[0].cells[c], spec[i].name) ==
			    0) {
				col[i] = (int)c;
				break;
			}
		}
		if (col[i] < 0 && spec[i].required) {
			ERR(fw, sh, s->rows[0].line, -1,
			    "missing required column \"%s\"", spec[i].name);
			ok = -1;
		}
	}
	return (ok);
}

/* The cell of data row r in column col (-1: absent column -> ""). */
static const char *
cell(const struct framework *fw, enum sheet_id sh, size_t r, int col)
{
	if (col < 0)
		return ("");
	return (sheet_cell(&fw->sheets[sh], r, (size_t)col));
}

#define LINE(fw, sh, r) ((fw)->sheets[sh].rows[r].line)

static const char *
or_null(const char *s)
{
	return (s[0] == '\0' ? NULL : s);
}

/* --- lookups -------------------------------------------------------------- */

static const struct vertical *
vertical_by_name(const struct framework *fw, const char *name)
{
	size_t i;

	for (i = 0; i < fw->verticals.n; i++)
		if (strcasecmp(fw->verticals.v[i].name, name) == 0)
			return (&fw->verticals.v[i]);
	return (NULL);
}

static int
specialism_id(struct framework *fw, int vertical_id, const char *name)
{
	struct specialism *sp;
	size_t i;

	if (name[0] == '\0')
		return (0);
	for (i = 0; i < fw->specialisms.n; i++)
		if (fw->specialisms.v[i].vertical_id == vertical_id &&
		    strcasecmp(fw->specialisms.v[i].name, name) == 0)
			return (fw->specialisms.v[i].id);
	if ((sp = PUSH(fw, fw->specialisms)) == NULL)
		return (0);
	sp->id = (int)fw->specialisms.n;
	sp->vertical_id = vertical_id;
	sp->name = name;
	return (sp->id);
}

static const struct competency *
competency_by_id(const struct framework *fw, int id)
{
	size_t i;

	for (i = 0; i < fw->comps.n; i++)
		if (fw->comps.v[i].id == id)
			return (&fw->comps.v[i]);
	return (NULL);
}

static const struct tech_comp *
tech_comp_by_id(const struct framework *fw, int id)
{
	size_t i;

	for (i = 0; i < fw->tcomps.n; i++)
		if (fw->tcomps.v[i].id == id)
			return (&fw->tcomps.v[i]);
	return (NULL);
}

/* A level or format named by acronym or full name. */
static int
named_id(const struct named *v, size_t n, const char *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcasecmp(v[i].acronym, s) == 0 ||
		    strcasecmp(v[i].name, s) == 0)
			return (v[i].id);
	return (0);
}

/* --- the sheets ----------------------------------------------------------- */

static void
check_levels_formats(struct framework *fw, enum sheet_id sh)
{
	const struct colspec spec[] = {
	    {sh == SH_LEVELS ? "Level" : "Format", 1}, {"Acronym", 1}, {0}};
	int col[2];
	size_t r, i, n;
	struct named *v;
	const char *name, *acr;

	if (find_columns(fw, sh, spec, col) != 0)
		return;
	for (r = 1; r < fw->sheets[sh].nrows; r++) {
		name = cell(fw, sh, r, col[0]);
		acr = cell(fw, sh, r, col[1]);
		if (name[0] == '\0' || acr[0] == '\0') {
			ERR(fw, sh, LINE(fw, sh, r), name[0] ? col[1] : col[0],
			    "%s is empty", name[0] ? "Acronym" : spec[0].name);
			continue;
		}
		v = sh == SH_LEVELS ? fw->levels.v : fw->formats.v;
		n = sh == SH_LEVELS ? fw->levels.n : fw->formats.n;
		for (i = 0; i < n; i++) {
			if (strcasecmp(v[i].name, name) == 0)
				ERR(fw, sh, LINE(fw, sh, r), col[0],
				    "duplicate %s \"%s\"", spec[0].name, name);
			else if (strcasecmp(v[i].acronym, acr) == 0)
				ERR(fw, sh, LINE(fw, sh, r), col[1],
				    "duplicate acronym \"%s\"", acr);
		}
		v = sh == SH_LEVELS ? PUSH(fw, fw->levels)
		                    : PUSH(fw, fw->formats);
		if (v == NULL)
			return;
		v->id = (int)(sh == SH_LEVELS ? fw->levels.n : fw->formats.n);
		v->name = name;
		v->acronym = acr;
	}
}

static void
check_verticals(struct framework *fw)
{
	enum { C_VERT, C_VOPT, C_KEY, C_TITLE, C_OPT };
	const struct colspec spec[] = {
	    {"Vertical", 1},     {"Vertical option text", 1},
	    {"Category key", 1}, {"Category title", 1},
	    {"Option text", 1},  {0}};
	const enum sheet_id sh = SH_VERTICALS;
	struct vertical *vt = NULL;
	struct vcat *vc;
	int col[5], key;
	size_t r, i, line;
	const char *name, *title;

	if (find_columns(fw, sh, spec, col) != 0)
		return;
	for (r = 1; r < fw->sheets[sh].nrows; r++) {
		line = LINE(fw, sh, r);
		name = cell(fw, sh, r, col[C_VERT]);
		if (name[0] != '\0') {
			if (vertical_by_name(fw, name) != NULL)
				ERR(fw, sh, line, col[C_VERT],
				    "duplicate vertical \"%s\"", name);
			if ((vt = PUSH(fw, fw->verticals)) == NULL)
				return;
			vt->id = (int)fw->verticals.n;
			vt->name = name;
			vt->option_text = cell(fw, sh, r, col[C_VOPT]);
			if (vt->option_text[0] == '\0')
				ERR(fw, sh, line, col[C_VOPT],
				    "Vertical option text is empty");
		} else if (vt == NULL) {
			ERR(fw, sh, line, col[C_VERT],
			    "a category before the first vertical (the "
			    "vertical's name goes on its first category row)");
			continue;
		}
		title = cell(fw, sh, r, col[C_TITLE]);
		if (parse_int(cell(fw, sh, r, col[C_KEY]), 1, 100000, &key) !=
		    0) {
			ERR(fw, sh, line, col[C_KEY],
			    "Category key \"%s\" is not a positive whole "
			    "number",
			    cell(fw, sh, r, col[C_KEY]));
			continue;
		}
		if (title[0] == '\0') {
			ERR(fw, sh, line, col[C_TITLE],
			    "Category title is empty");
			continue;
		}
		if (cell(fw, sh, r, col[C_OPT])[0] == '\0')
			ERR(fw, sh, line, col[C_OPT], "Option text is empty");
		for (i = 0; i < fw->vcats.n; i++) {
			if (fw->vcats.v[i].vertical_id != vt->id)
				continue;
			if (fw->vcats.v[i].key == key)
				ERR(fw, sh, line, col[C_KEY],
				    "duplicate Category key %d in vertical "
				    "\"%s\"",
				    key, vt->name);
			else if (strcasecmp(fw->vcats.v[i].title, title) == 0)
				ERR(fw, sh, line, col[C_TITLE],
				    "duplicate category \"%s\" in vertical "
				    "\"%s\"",
				    title, vt->name);
		}
		if ((vc = PUSH(fw, fw->vcats)) == NULL)
			return;
		vc->id = (int)fw->vcats.n; /* global, in sheet order */
		vc->vertical_id = vt->id;
		vc->key = key;
		vc->title = title;
		vc->option_text = cell(fw, sh, r, col[C_OPT]);
		vc->is_specialism = strcasecmp(title, "Specialisms") == 0;
	}
	if (fw->verticals.n == 0)
		ERR(fw, sh, 0, -1, "no verticals");
}

static void
check_competencies(struct framework *fw)
{
	enum { C_ID, C_VERT, C_SPEC, C_CAT, C_TITLE, C_DESC };
	const struct colspec spec[] = {{"ID", 1},
	                               {"Vertical", 1},
	                               {"Specialism", 1},
	                               {"Competency Category", 1},
	                               {"Copyedited title", 1},
	                               {"Description", 1},
	                               {0}};
	const enum sheet_id sh = SH_COMPETENCIES;
	const struct vertical *vt;
	struct competency *c;
	struct ccat *cc;
	int col[6], id;
	size_t r, i, line;
	const char *catname;

	if (find_columns(fw, sh, spec, col) != 0)
		return;
	for (r = 1; r < fw->sheets[sh].nrows; r++) {
		line = LINE(fw, sh, r);
		if (parse_int(cell(fw, sh, r, col[C_ID]), 1, INT_MAX, &id) !=
		    0) {
			ERR(fw, sh, line, col[C_ID],
			    "ID \"%s\" is not a positive whole number",
			    cell(fw, sh, r, col[C_ID]));
			continue;
		}
		if (competency_by_id(fw, id) != NULL) {
			ERR(fw, sh, line, col[C_ID], "duplicate ID %d", id);
			continue;
		}
		vt = vertical_by_name(fw, cell(fw, sh, r, col[C_VERT]));
		if (vt == NULL) {
			ERR(fw, sh, line, col[C_VERT],
			    "unknown vertical \"%s\"",
			    cell(fw, sh, r, col[C_VERT]));
			continue;
		}
		catname = cell(fw, sh, r, col[C_CAT]);
		if (catname[0] == '\0') {
			ERR(fw, sh, line, col[C_CAT],
			    "Competency Category is empty");
			continue;
		}
		if (cell(fw, sh, r, col[C_TITLE])[0] == '\0') {
			ERR(fw, sh, line, col[C_TITLE],
			    "Copyedited title is empty");
			continue;
		}
		for (i = 0; i < fw->ccats.n; i++)
			if (fw->ccats.v[i].vertical_id == vt->id &&
			    strcasecmp(fw->ccats.v[i].name, catname) == 0)
				break;
		if (i == fw->ccats.n) {
			if ((cc = PUSH(fw, fw->ccats)) == NULL)
				return;
			cc->id = (int)fw->ccats.n;
			cc->vertical_id = vt->id;
			cc->name = catname;
			for (i = 0; i < fw->vcats.n; i++)
				if (fw->vcats.v[i].vertical_id == vt->id &&
				    strcasecmp(fw->vcats.v[i].title, catname) ==
				        0)
					cc->vcat_id = fw->vcats.v[i].id;
			if (cc->vcat_id == 0)
				WARN(fw, sh, line, col[C_CAT],
				     "competency category \"%s\" matches no "
				     "category of vertical \"%s\"; its "
				     "competencies are scored but get no "
				     "courses",
				     catname, vt->name);
			i = fw->ccats.n - 1;
		}
		if ((c = PUSH(fw, fw->comps)) == NULL)
			return;
		c->id = id;
		c->vertical_id = vt->id;
		c->ccat_id = fw->ccats.v[i].id;
		c->specialism_id =
		    specialism_id(fw, vt->id, cell(fw, sh, r, col[C_SPEC]));
		c->title = cell(fw, sh, r, col[C_TITLE]);
		c->description = cell(fw, sh, r, col[C_DESC]);
	}
}

static void
check_job_roles(struct framework *fw)
{
	enum { C_ROLE, C_VERT, C_LEVEL, C_ORG, C_IDS, C_SPEC, C_DESC };
	const struct colspec spec[] = {{"Role", 1},
	                               {"Vertical", 1},
	                               {"Level", 1},
	                               {"In-house or law firm?", 1},
	                               {"Competency Ids", 1},
	                               {"Specialism", 1},
	                               {"Thin Description", 1},
	                               {0}};
	const enum sheet_id sh = SH_JOB_ROLES;
	const struct vertical *vt;
	struct job_role *jr;
	const char *org;
	int col[7], level;
	size_t r, i, line;

	if (find_columns(fw, sh, spec, col) != 0)
		return;
	for (r = 1; r < fw->sheets[sh].nrows; r++) {
		line = LINE(fw, sh, r);
		if ((jr = PUSH(fw, fw->roles)) == NULL)
			return;
		jr->id = (int)fw->roles.n; /* 1.. in sheet order */
		jr->name = cell(fw, sh, r, col[C_ROLE]);
		if (jr->name[0] == '\0')
			ERR(fw, sh, line, col[C_ROLE], "Role is empty");
		vt = vertical_by_name(fw, cell(fw, sh, r, col[C_VERT]));
		if (vt == NULL)
			ERR(fw, sh, line, col[C_VERT],
			    "unknown vertical \"%s\"",
			    cell(fw, sh, r, col[C_VERT]));
		else
			jr->vertical_id = vt->id;
		if (parse_int(cell(fw, sh, r, col[C_LEVEL]), 1, 7, &level) != 0)
			ERR(fw, sh, line, col[C_LEVEL],
			    "Level \"%s\" is not a whole number from 1 to 7",
			    cell(fw, sh, r, col[C_LEVEL]));
		jr->level = level;
		org = cell(fw, sh, r, col[C_ORG]);
		if (strcasecmp(org, "Law firm") == 0)
			jr->org_type = "Law firm";
		else if (strcasecmp(org, "In-house") == 0)
			jr->org_type = "In-house";
		else if (org[0] != '\0')
			ERR(fw, sh, line, col[C_ORG],
			    "\"%s\" is neither \"Law firm\" nor \"In-house\"",
			    org);
		if (ids_cell(fw, sh, line, col[C_IDS],
		             cell(fw, sh, r, col[C_IDS]), &jr->comps) == 0) {
			if (jr->comps.n == 0)
				ERR(fw, sh, line, col[C_IDS],
				    "no competency ids");
			for (i = 0; i < jr->comps.n; i++)
				if (competency_by_id(fw, jr->comps.v[i]) ==
				    NULL)
					ERR(fw, sh, line, col[C_IDS],
					    "competency id %d does not exist",
					    jr->comps.v[i]);
		}
		if (vt != NULL)
			jr->specialism_id = specialism_id(
			    fw, vt->id, cell(fw, sh, r, col[C_SPEC]));
		jr->description = cell(fw, sh, r, col[C_DESC]);
	}
}

static void
check_tech(struct framework *fw)
{
	const struct colspec rspec[] = {{"Role", 1},
	                                {"Level", 1},
	                                {"Copyedited role", 1},
	                                {"Tech Competency IDs", 1},
	                                {0}};
	const struct colspec cspec[] = {
	    {"ID", 1},          {"Competency category", 1},
	    {"Tech role", 1},   {"Copyedited title", 1},
	    {"Description", 1}, {0}};
	struct tech_role *tr;
	struct tech_comp *tc;
	int rcol[4], ccol[5], rows_ok, id, level;
	size_t r, i, j, line;
	const char *name;

	rows_ok = find_columns(fw, SH_TECH_ROLES, rspec, rcol) == 0;
	for (r = 1; rows_ok && r < fw->sheets[SH_TECH_ROLES].nrows; r++) {
		line = LINE(fw, SH_TECH_ROLES, r);
		if ((tr = PUSH(fw, fw->troles)) == NULL)
			return;
		tr->id = (int)fw->troles.n - 1; /* 0.. in sheet order */
		tr->row = line;
		tr->name = cell(fw, SH_TECH_ROLES, r, rcol[0]);
		tr->option_text = cell(fw, SH_TECH_ROLES, r, rcol[2]);
		if (tr->name[0] == '\0')
			ERR(fw, SH_TECH_ROLES, line, rcol[0], "Role is empty");
		for (i = 0; i + 1 < fw->troles.n; i++)
			if (strcasecmp(fw->troles.v[i].name, tr->name) == 0)
				ERR(fw, SH_TECH_ROLES, line, rcol[0],
				    "duplicate role \"%s\"", tr->name);
		if (tr->option_text[0] == '\0')
			ERR(fw, SH_TECH_ROLES, line, rcol[2],
			    "Copyedited role is empty");
		if (parse_int(cell(fw, SH_TECH_ROLES, r, rcol[1]), 1, 7,
		              &level) != 0)
			ERR(fw, SH_TECH_ROLES, line, rcol[1],
			    "Level \"%s\" is not a whole number from 1 to 7",
			    cell(fw, SH_TECH_ROLES, r, rcol[1]));
		tr->level = level;
		ids_cell(fw, SH_TECH_ROLES, line, rcol[3],
		         cell(fw, SH_TECH_ROLES, r, rcol[3]), &tr->comps);
	}
	if (find_columns(fw, SH_TECH_COMPETENCIES, cspec, ccol) != 0)
		return;
	for (r = 1; r < fw->sheets[SH_TECH_COMPETENCIES].nrows; r++) {
		line = LINE(fw, SH_TECH_COMPETENCIES, r);
		if (parse_int(cell(fw, SH_TECH_COMPETENCIES, r, ccol[0]), 1,
		              INT_MAX, &id) != 0) {
			ERR(fw, SH_TECH_COMPETENCIES, line, ccol[0],
			    "ID \"%s\" is not a positive whole number",
			    cell(fw, SH_TECH_COMPETENCIES, r, ccol[0]));
			continue;
		}
		if (tech_comp_by_id(fw, id) != NULL) {
			ERR(fw, SH_TECH_COMPETENCIES, line, ccol[0],
			    "duplicate ID %d", id);
			continue;
		}
		if ((tc = PUSH(fw, fw->tcomps)) == NULL)
			return;
		tc->id = id;
		tc->category = cell(fw, SH_TECH_COMPETENCIES, r, ccol[1]);
		tc->title = cell(fw, SH_TECH_COMPETENCIES, r, ccol[3]);
		tc->description = cell(fw, SH_TECH_COMPETENCIES, r, ccol[4]);
		if (tc->category[0] == '\0')
			ERR(fw, SH_TECH_COMPETENCIES, line, ccol[1],
			    "Competency category is empty");
		if (tc->title[0] == '\0')
			ERR(fw, SH_TECH_COMPETENCIES, line, ccol[3],
			    "Copyedited title is empty");
		name = cell(fw, SH_TECH_COMPETENCIES, r, ccol[2]);
		tc->tech_role_id = -1;
		for (i = 0; i < fw->troles.n; i++)
			if (strcasecmp(fw->troles.v[i].name, name) == 0)
				tc->tech_role_id = fw->troles.v[i].id;
		if (tc->tech_role_id < 0 && rows_ok)
			ERR(fw, SH_TECH_COMPETENCIES, line, ccol[2],
			    "unknown tech role \"%s\"", name);
	}
	for (i = 0; rows_ok && i < fw->troles.n; i++) {
		tr = &fw->troles.v[i];
		for (j = 0; j < tr->comps.n; j++)
			if (tech_comp_by_id(fw, tr->comps.v[j]) == NULL)
				ERR(fw, SH_TECH_ROLES, tr->row, rcol[3],
				    "tech competency id %d does not exist",
				    tr->comps.v[j]);
	}
}

/* "L / S / R" -> format (or level) ids; reports unknown acronyms. */
static void
acronym_list(struct framework *fw, enum sheet_id sh, size_t line, int col,
             const char *s, const struct named *v, size_t n, struct ids *out)
{
	char *copy, *tok, *save = NULL;
	int id;
	size_t i;

	memset(out, 0, sizeof(*out));
	if ((copy = arena_strdup(fw->arena, s)) == NULL ||
	    (out->v = arena_alloc(fw->arena, (strlen(s) + 1) * sizeof(int))) ==
	        NULL) {
		fw->oom = 1;
		return;
	}
	for (tok = strtok_r(copy, "/,", &save); tok != NULL;
	     tok = strtok_r(NULL, "/,", &save)) {
		sheet_trim(tok);
		if (tok[0] == '\0')
			continue;
		if ((id = named_id(v, n, tok)) == 0) {
			ERR(fw, sh, line, col, "unknown %s \"%s\"",
			    v == fw->levels.v ? "level" : "format", tok);
			continue;
		}
		for (i = 0; i < out->n; i++)
			if (out->v[i] == id)
				break;
		if (i == out->n)
			out->v[out->n++] = id;
	}
}

static void
check_needs(struct framework *fw)
{
	const struct colspec spec[] = {{"Need", 1},
	                               {"Need option text", 1},
	                               {"Formats", 1},
	                               {"Levels", 1},
	                               {0}};
	const enum sheet_id sh = SH_NEEDS;
	struct need *nd;
	int col[4];
	size_t r, line;

	if (find_columns(fw, sh, spec, col) != 0)
		return;
	for (r = 1; r < fw->sheets[sh].nrows; r++) {
		line = LINE(fw, sh, r);
		if ((nd = PUSH(fw, fw->needs)) == NULL)
			return;
		nd->id = (int)fw->needs.n;
		nd->name = cell(fw, sh, r, col[0]);
		nd->option_text = cell(fw, sh, r, col[1]);
		if (nd->name[0] == '\0')
			ERR(fw, sh, line, col[0], "Need is empty");
		if (nd->option_text[0] == '\0')
			ERR(fw, sh, line, col[1], "Need option text is empty");
		acronym_list(fw, sh, line, col[2], cell(fw, sh, r, col[2]),
		             fw->formats.v, fw->formats.n, &nd->formats);
		acronym_list(fw, sh, line, col[3], cell(fw, sh, r, col[3]),
		             fw->levels.v, fw->levels.n, &nd->levels);
	}
}

/* --- courses ----------------------------------------------------------------
 */

static int
parse_bool(const char *s, int *out)
{
	if (s[0] == '\0' || strcasecmp(s, "no") == 0 ||
	    strcasecmp(s, "false") == 0 || strcmp(s, "0") == 0 ||
	    strcasecmp(s, "n") == 0) {
		*out = 0;
		return (0);
	}
	if (strcasecmp(s, "yes") == 0 || strcasecmp(s, "true") == 0 ||
	    strcmp(s, "1") == 0 || strcasecmp(s, "y") == 0) {
		*out = 1;
		return (0);
	}
	return (-1);
}

static int
month_of(const char *s)
{
	static const char *const m[] = {"jan", "feb", "mar", "apr",
	                                "may", "jun", "jul", "aug",
	                                "sep", "oct", "nov", "dec"};
	int i;

	if (strlen(s) < 3)
		return (0);
	for (i = 0; i < 12; i++)
		if (strncasecmp(s, m[i], 3) == 0)
			return (i + 1);
	return (0);
}

/* "10 Mar" -> 310; 0 when it is not a day and a month. */
static int
parse_monthday(const char *s)
{
	char mon[16];
	int d, m, n = 0;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
	                            31, 31, 30, 31, 30, 31};

	if (sscanf(s, "%d %15s %n", &d, mon, &n) != 2 || s[n] != '\0')
		return (0);
	if ((m = month_of(mon)) == 0 || d < 1 || d > mdays[m - 1])
		return (0);
	return (m * 100 + d);
}

/* One item of the Dates column: "10 Mar", "16 Aug - 17 Aug", "Q1". */
static int
parse_real_date(char *s, struct course_date *d)
{
	char *dash;

	memset(d, 0, sizeof(*d));
	if ((s[0] == 'Q' || s[0] == 'q') && s[1] >= '1' && s[1] <= '4' &&
	    s[2] == '\0') {
		d->kind = DATE_QUARTER;
		d->a = s[1] - '0';
		return (0);
	}
	d->kind = DATE_MONTHDAY;
	if ((dash = strchr(s, '-')) != NULL) {
		*dash = '\0';
		sheet_trim(s);
		sheet_trim(dash + 1);
		if ((d->b = parse_monthday(dash + 1)) == 0)
			return (-1);
	}
	return ((d->a = parse_monthday(s)) == 0 ? -1 : 0);
}

/* One item of "Start in days": "14" or "30-31". */
static int
parse_offset_date(const char *s, struct course_date *d)
{
	int n = 0;

	memset(d, 0, sizeof(*d));
	d->kind = DATE_OFFSET;
	d->b = -1;
	if (sscanf(s, "%d - %d%n", &d->a, &d->b, &n) == 2 && s[n] == '\0')
		return (d->a < 0 || d->b < d->a || d->b > 3650 ? -1 : 0);
	d->b = -1;
	n = 0;
	if (sscanf(s, "%d%n", &d->a, &n) == 1 && s[n] == '\0')
		return (d->a < 0 || d->a > 3650 ? -1 : 0);
	return (-1);
}

/* Splits a date cell on line breaks and ';' into course dates. */
static void
course_dates(struct framework *fw, size_t line, int col, const char *s,
             int relative, struct course *c)
{
	char *copy, *tok, *save = NULL;
	struct course_date d;
	size_t max;

	if (s[0] == '\0')
		return;
	max = strlen(s) + 1;
	if ((copy = arena_strdup(fw->arena, s)) == NULL ||
	    (c->dates = arena_alloc(fw->arena, max * sizeof(d))) == NULL) {
		fw->oom = 1;
		return;
	}
	for (tok = strtok_r(copy, "\n;", &save); tok != NULL;
	     tok = strtok_r(NULL, "\n;", &save)) {
		sheet_trim(tok);
		if (tok[0] == '\0')
			continue;
		if ((relative ? parse_offset_date(tok, &d)
		              : parse_real_date(tok, &d)) != 0) {
			ERR(fw, SH_COURSES, line, col,
			    relative ? "\"%s\" is not a day offset such as "
			               "\"14\" or a range such as \"30-31\""
			             : "\"%s\" is not a date such as \"10 "
			               "Mar\", \"16 Aug - 17 Aug\" or \"Q1\"",
			    tok);
			continue;
		}
		c->dates[c->ndates++] = d;
	}
}

static void
check_courses(struct framework *fw)
{
	enum {
		C_REF,
		C_NAME,
		C_PROVIDER,
		C_URL,
		C_COST,
		C_VARIES,
		C_FORMAT,
		C_LEVEL,
		C_SPIDER,
		C_MANUAL,
		C_ONGOING,
		C_DURATION,
		C_DATES,
		C_START,
		C_CPD,
		C_TECH,
		C_N
	};
	const struct colspec spec[] = {{"Ref", 0},
	                               {"Name", 1},
	                               {"Provider", 0},
	                               {"URL", 0},
	                               {"Cost", 0},
	                               {"Cost varies", 0},
	                               {"Format", 0},
	                               {"Training Level", 0},
	                               {"Spider", 0},
	                               {"Manually added", 0},
	                               {"Ongoing", 0},
	                               {"Duration (days)", 0},
	                               {"Dates", 0},
	                               {"Start in days", 0},
	                               {"Est. CPD points", 0},
	                               {"Tech Competencies", 0},
	                               {0}};
	const enum sheet_id sh = SH_COURSES;
	const struct sheet *s = &fw->sheets[sh];
	struct course *c;
	struct ids keys;
	double num;
	int col[C_N], *vcol, key_ok;
	size_t r, v, k, i, j, line;
	const char *x;

	if (fw->have[sh] == 0)
		return; /* optional */
	if (find_columns(fw, sh, spec, col) != 0)
		return;
	/* One column per vertical, named as the vertical, holding category
	 * keys of that vertical. */
	if ((vcol = arena_alloc(fw->arena,
	                        (fw->verticals.n + 1) * sizeof(int))) == NULL) {
		fw->oom = 1;
		return;
	}
	for (v = 0; v < fw->verticals.n; v++) {
		vcol[v] = -1;
		for (k = 0; k < s->rows[0].ncells; k++)
			if (strcasecmp(s->rows[0].cells[k],
			               fw->verticals.v[v].name) == 0)
				vcol[v] = (int)k;
	}
	for (r = 1; r < s->nrows; r++) {
		line = LINE(fw, sh, r);
		if ((c = PUSH(fw, fw->courses)) == NULL)
			return;
		x = cell(fw, sh, r, col[C_REF]);
		c->ref = x[0] ? arena_printf(fw->arena, "sample:%s", x)
		              : arena_printf(fw->arena, "sample:row-%zu", line);
		if (c->ref == NULL) {
			fw->oom = 1;
			return;
		}
		for (i = 0; i + 1 < fw->courses.n; i++)
			if (strcmp(fw->courses.v[i].ref, c->ref) == 0)
				ERR(fw, sh, line, col[C_REF],
				    "duplicate Ref \"%s\"", x);
		c->name = cell(fw, sh, r, col[C_NAME]);
		if (c->name[0] == '\0')
			ERR(fw, sh, line, col[C_NAME], "Name is empty");
		c->provider = cell(fw, sh, r, col[C_PROVIDER]);
		c->url = cell(fw, sh, r, col[C_URL]);
		c->spider = cell(fw, sh, r, col[C_SPIDER]);
		x = cell(fw, sh, r, col[C_COST]);
		c->cost = x;
		if (x[0] != '\0' && parse_decimal(x, 2, &num) != 0)
			ERR(fw, sh, line, col[C_COST],
			    "Cost \"%s\" is not an amount with at most two "
			    "decimals",
			    x);
		if (parse_bool(cell(fw, sh, r, col[C_VARIES]),
		               &c->cost_varies) != 0)
			ERR(fw, sh, line, col[C_VARIES], "not yes or no");
		if (parse_bool(cell(fw, sh, r, col[C_MANUAL]), &c->manual) != 0)
			ERR(fw, sh, line, col[C_MANUAL], "not yes or no");
		if (parse_bool(cell(fw, sh, r, col[C_ONGOING]), &c->ongoing) !=
		    0)
			ERR(fw, sh, line, col[C_ONGOING], "not yes or no");
		x = cell(fw, sh, r, col[C_FORMAT]);
		if (x[0] != '\0' && (c->format_id = named_id(
		                         fw->formats.v, fw->formats.n, x)) == 0)
			ERR(fw, sh, line, col[C_FORMAT],
			    "unknown format \"%s\"", x);
		x = cell(fw, sh, r, col[C_LEVEL]);
		if (x[0] != '\0' && (c->level_id = named_id(
		                         fw->levels.v, fw->levels.n, x)) == 0)
			ERR(fw, sh, line, col[C_LEVEL], "unknown level \"%s\"",
			    x);
		x = cell(fw, sh, r, col[C_DURATION]);
		if (x[0] != '\0' && parse_decimal(x, 3, &c->duration) != 0)
			ERR(fw, sh, line, col[C_DURATION],
			    "Duration \"%s\" is not a number of days", x);
		/* CPD: points, "Pte"/"Private", "TBC", "NA", or not stated. */
		x = cell(fw, sh, r, col[C_CPD]);
		if (x[0] == '\0')
			c->cpd_state = NULL;
		else if (strcasecmp(x, "Pte") == 0 ||
		         strcasecmp(x, "Private") == 0)
			c->cpd_state = "private";
		else if (strcasecmp(x, "TBC") == 0)
			c->cpd_state = "tbc";
		else if (strcasecmp(x, "NA") == 0 ||
		         strcasecmp(x, "N/A") == 0 ||
		         strcasecmp(x, "Not applicable") == 0)
			c->cpd_state = "na";
		else if (parse_decimal(x, 2, &num) == 0) {
			c->cpd_state = "points";
			c->cpd_points = x;
		} else
			ERR(fw, sh, line, col[C_CPD],
			    "CPD \"%s\" is not points, Pte, TBC or NA", x);
		if (col[C_START] >= 0 &&
		    cell(fw, sh, r, col[C_START])[0] != '\0')
			course_dates(fw, line, col[C_START],
			             cell(fw, sh, r, col[C_START]), 1, c);
		else
			course_dates(fw, line, col[C_DATES],
			             cell(fw, sh, r, col[C_DATES]), 0, c);
		/* Category tags: keys of each vertical's column. */
		c->vcats.v =
		    arena_alloc(fw->arena, (fw->vcats.n + 1) * sizeof(int));
		if (c->vcats.v == NULL) {
			fw->oom = 1;
			return;
		}
		for (v = 0; v < fw->verticals.n; v++) {
			if (vcol[v] < 0)
				continue;
			if (ids_cell(fw, sh, line, vcol[v],
			             cell(fw, sh, r, vcol[v]), &keys) != 0)
				continue;
			for (k = 0; k < keys.n; k++) {
				key_ok = 0;
				for (i = 0; i < fw->vcats.n; i++) {
					if (fw->vcats.v[i].vertical_id !=
					        fw->verticals.v[v].id ||
					    fw->vcats.v[i].key != keys.v[k])
						continue;
					key_ok = 1;
					for (j = 0; j < c->vcats.n; j++)
						if (c->vcats.v[j] ==
						    fw->vcats.v[i].id)
							break;
					if (j == c->vcats.n)
						c->vcats.v[c->vcats.n++] =
						    fw->vcats.v[i].id;
				}
				if (!key_ok)
					ERR(fw, sh, line, vcol[v],
					    "vertical \"%s\" has no Category "
					    "key %d",
					    fw->verticals.v[v].name, keys.v[k]);
			}
		}
		if (ids_cell(fw, sh, line, col[C_TECH],
		             cell(fw, sh, r, col[C_TECH]), &c->tcomps) == 0) {
			for (i = 0; i < c->tcomps.n; i++)
				if (tech_comp_by_id(fw, c->tcomps.v[i]) == NULL)
					ERR(fw, sh, line, col[C_TECH],
					    "tech competency id %d does not "
					    "exist",
					    c->tcomps.v[i]);
		}
	}
}

/* 1 when issue a belongs after b (sheet order, then row). */
static int
issue_after(const struct framework_issue *a, const struct framework_issue *b)
{
	int sa = sheet_index(a->sheet), sb = sheet_index(b->sheet);

	if (sa != sb)
		return (sa > sb);
	return (a->row > b->row);
}

/* Insertion sort: stable, so issues of one row keep the order the
 * checks found them in; reports are short. */
static void
sort_issues(struct framework *fw)
{
	struct framework_issue t;
	size_t i, j;

	for (i = 1; i < fw->issues.n; i++) {
		t = fw->issues.v[i];
		for (j = i; j > 0 && issue_after(&fw->issues.v[j - 1], &t); j--)
			fw->issues.v[j] = fw->issues.v[j - 1];
		fw->issues.v[j] = t;
	}
}

size_t
framework_validate(struct framework *fw, int strict)
{
	size_t i;

	if (fw->validated)
		return (fw->nerrors);
	fw->validated = 1;
	check_levels_formats(fw, SH_LEVELS);
	check_levels_formats(fw, SH_FORMATS);
	check_verticals(fw);
	check_competencies(fw);
	check_job_roles(fw);
	check_tech(fw);
	check_needs(fw);
	check_courses(fw);
	if (fw->oom)
		ERR(fw, SH_VERTICALS, 0, -1, "out of memory");
	if (strict) {
		for (i = 0; i < fw->issues.n; i++) {
			if (fw->issues.v[i].severity != FRAMEWORK_WARNING)
				continue;
			fw->issues.v[i].severity = FRAMEWORK_ERROR;
			fw->nwarnings--;
			fw->nerrors++;
		}
	}
	sort_issues(fw);
	return (fw->nerrors);
}

const struct framework_issue *
framework_issues(const struct framework *fw, size_t *n)
{
	*n = fw->issues.n;
	return (fw->issues.v);
}

size_t
framework_nerrors(const struct framework *fw)
{
	return (fw->nerrors);
}

size_t
framework_nwarnings(const struct framework *fw)
{
	return (fw->nwarnings);
}

void
framework_counts(const struct framework *fw, struct framework_counts *c)
{
	memset(c, 0, sizeof(*c));
	c->verticals = fw->verticals.n;
	c->vertical_categories = fw->vcats.n;
	c->competency_categories = fw->ccats.n;
	c->specialisms = fw->specialisms.n;
	c->competencies = fw->comps.n;
	c->job_roles = fw->roles.n;
	c->tech_roles = fw->troles.n;
	c->tech_competencies = fw->tcomps.n;
	c->needs = fw->needs.n;
	c->levels = fw->levels.n;
	c->formats = fw->formats.n;
	c->courses = fw->courses.n;
}

void
framework_print_report(const struct framework *fw, FILE *out)
{
	const struct framework_issue *is;
	struct framework_counts c;
	char colname[16];
	size_t i;

	for (i = 0; i < fw->issues.n; i++) {
		is = &fw->issues.v[i];
		fprintf(out, "%s:", is->sheet);
		if (is->row > 0)
			fprintf(out, "%zu:", is->row);
		if (is->col >= 0) {
			sheet_col_name((size_t)is->col, colname,
			               sizeof(colname));
			fprintf(out, "%s:", colname);
		}
		fprintf(out, " %s: %s\n",
		        is->severity == FRAMEWORK_ERROR ? "error" : "warning",
		        is->message);
	}
	framework_counts(fw, &c);
	fprintf(out,
	        "%zu verticals, %zu vertical categories, %zu competency "
	        "categories, %zu specialisms, %zu competencies, %zu job roles, "
	        "%zu tech roles, %zu tech competencies, %zu needs, %zu levels, "
	        "%zu formats, %zu courses\n",
	        c.verticals, c.vertical_categories, c.competency_categories,
	        c.specialisms, c.competencies, c.job_roles, c.tech_roles,
	        c.tech_competencies, c.needs, c.levels, c.formats, c.courses);
	fprintf(out, "%zu error%s, %zu warning%s\n", fw->nerrors,
	        fw->nerrors == 1 ? "" : "s", fw->nwarnings,
	        fw->nwarnings == 1 ? "" : "s");
}

/* --- apply -----------------------------------------------------------------
 */

/*
 * Blocking libpq on a connection the caller owns: the importer is an
 * operator command (or a CMS thread-pool job), never on a request path,
 * so the statements live here rather than in sql.c's per-connection
 * prepared set.  All of them are parameterised.
 */

struct apply {
	PGconn *conn;
	struct arena *arena;
	char *err;
	size_t errlen;
};

static int
run(struct apply *ap, const char *what, const char *sql, int n,
    const char *const *vals, char **out1)
{
	PGresult *res;
	ExecStatusType st;
	int rc = 0;

	res = PQexecParams(ap->conn, sql, n, NULL, vals, NULL, NULL, 0);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
		snprintf(ap->err, ap->errlen, "%s: %s", what,
		         PQresultErrorMessage(res));
		rc = -1;
	} else if (out1 != NULL) {
		*out1 = NULL;
		if (PQntuples(res) > 0 &&
		    (*out1 = arena_strdup(ap->arena, PQgetvalue(res, 0, 0))) ==
		        NULL) {
			snprintf(ap->err, ap->errlen, "out of memory");
			rc = -1;
		}
	}
	PQclear(res);
	return (rc);
}

static const char *
num(struct apply *ap, int v)
{
	return (arena_printf(ap->arena, "%d", v));
}

static const char *
num_or_null(struct apply *ap, int v)
{
	return (v == 0 ? NULL : num(ap, v));
}

/* "{1,2,3}" for an int[] parameter. */
static const char *
int_array(struct apply *ap, const int *v, size_t n)
{
	char *s, *p;
	size_t i;

	if ((s = arena_alloc(ap->arena, n * 12 + 3)) == NULL)
		return (NULL);
	p = s;
	*p++ = '{';
	for (i = 0; i < n; i++)
		p += sprintf(p, "%s%d", i ? "," : "", v[i]);
	*p++ = '}';
	*p = '\0';
	return (s);
}

/* A text[] literal: every element quoted, " and \ escaped. */
static const char *
text_array(struct apply *ap, const char *const *v, size_t n)
{
	size_t i, len = 3;
	const char *q;
	char *s, *p;

	for (i = 0; i < n; i++)
		len += 2 * strlen(v[i]) + 3;
	if ((s = arena_alloc(ap->arena, len)) == NULL)
		return (NULL);
	p = s;
	*p++ = '{';
	for (i = 0; i < n; i++) {
		if (i)
			*p++ = ',';
		*p++ = '"';
		for (q = v[i]; *q; q++) {
			if (*q == '"' || *q == '\\')
				*p++ = '\\';
			*p++ = *q;
		}
		*p++ = '"';
	}
	*p++ = '}';
	*p = '\0';
	return (s);
}

/* Deletes rows of table whose id is not in the import. */
static int
delete_stale(struct apply *ap, const char *table, const int *ids, size_t n)
{
	char sql[128];
	const char *vals[1];

	snprintf(sql, sizeof(sql), "DELETE FROM %s WHERE id <> ALL($1::int[])",
	         table);
	if ((vals[0] = int_array(ap, ids, n)) == NULL)
		return (-1);
	return (run(ap, table, sql, 1, vals, NULL));
}

/* Collects the ids of a VEC whose elements have an int id first. */
#define IDS_OF(ap, vec, out)                                                   \
	do {                                                                   \
		size_t i_;                                                     \
		(out) = arena_alloc((ap)->arena, ((vec).n + 1) * sizeof(int)); \
		for (i_ = 0; (out) != NULL && i_ < (vec).n; i_++)              \
			(out)[i_] = (vec).v[i_].id;                            \
	} while (0)

/* Days since 1970-01-01 of a civil date, and back (H. Hinnant's
 * algorithms), for the sample courses' relative dates. */
static long
days_from_civil(int y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468);
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yoe + era * 400 + (*m <= 2));
}

static int
is_leap(int y)
{
	return ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0);
}

/* The next month*100+day on or after today (29 Feb: the next leap year). */
static long
next_monthday(long today, int md)
{
	int y, m, d;
	long t;

	civil_from_days(today, &y, &m, &d);
	for (;; y++) {
		if (md == 229 && !is_leap(y))
			continue;
		t = days_from_civil(y, md / 100, md % 100);
		if (t >= today)
			return (t);
	}
}

static const char *
day_str(struct apply *ap, long days)
{
	int y, m, d;

	civil_from_days(days, &y, &m, &d);
	return (arena_printf(ap->arena, "%04d-%02d-%02d", y, m, d));
}

/* Resolves a course date against today: *start, *end (-1: none). */
static void
resolve_date(const struct course *c, const struct course_date *cd, long today,
             long *start, long *end)
{
	static const int qstart[] = {0, 101, 401, 701, 1001};
	int y, m, d;
	long days;

	*start = today;
	*end = -1;
	switch (cd->kind) {
	case DATE_OFFSET:
		*start = today + cd->a;
		if (cd->b >= 0 && cd->b != cd->a)
			*end = today + cd->b;
		break;
	case DATE_QUARTER:
		*start = next_monthday(today, qstart[cd->a]);
		break;
	case DATE_MONTHDAY:
		*start = next_monthday(today, cd->a);
		if (cd->b != 0) {
			civil_from_days(*start, &y, &m, &d);
			if (cd->b == 229 && !is_leap(y))
				break;
			*end = days_from_civil(y, cd->b / 100, cd->b % 100);
			if (*end < *start) /* "30 Dec - 2 Jan" */
				*end = days_from_civil(y + 1, cd->b / 100,
				                       cd->b % 100);
		}
		break;
	}
	/* A course of several days without an explicit end ends on its
	 * last day (as the scraper reads SkillsFuture durations). */
	if (*end < 0 && c->duration > 1) {
		days = (long)c->duration; /* rounded up, without libm */
		if ((double)days < c->duration)
			days++;
		*end = *start + days - 1;
	}
}

static int
apply_courses(struct apply *ap, const struct framework *fw,
              const char *time_zone)
{
	const char *vals[16], **refs;
	const struct course *c;
	char *today_s, *course_id;
	long today, start, end;
	int y, m, d;
	size_t i, j;

	vals[0] = time_zone;
	if (run(ap, "today",
	        "SELECT to_char((now() AT TIME ZONE $1)::date, 'YYYY-MM-DD')",
	        1, vals, &today_s) != 0)
		return (-1);
	if (today_s == NULL || sscanf(today_s, "%d-%d-%d", &y, &m, &d) != 3) {
		snprintf(ap->err, ap->errlen, "cannot read today's date");
		return (-1);
	}
	today = days_from_civil(y, m, d);
	if ((refs = arena_alloc(ap->arena,
	                        (fw->courses.n + 1) * sizeof(*refs))) == NULL)
		goto nomem;
	for (i = 0; i < fw->courses.n; i++) {
		c = &fw->courses.v[i];
		refs[i] = c->ref;
		vals[0] = c->ref;
		vals[1] = c->name;
		vals[2] = or_null(c->provider);
		vals[3] = or_null(c->url);
		vals[4] = or_null(c->cost);
		vals[5] = c->cost_varies ? "t" : "f";
		vals[6] = num_or_null(ap, c->level_id);
		vals[7] = num_or_null(ap, c->format_id);
		vals[8] = or_null(c->spider);
		vals[9] = c->manual ? "t" : "f";
		vals[10] = c->ongoing ? "t" : "f";
		vals[11] = c->cpd_state;
		vals[12] = c->cpd_points;
		if (run(ap, "course",
		        "INSERT INTO courses (source_ref, name, provider, url,"
		        " cost, cost_varies, level_id, format_id, spider_name,"
		        " is_manually_added, is_ongoing, cpd_state, cpd_points)"
		        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11,"
		        " $12, $13) ON CONFLICT (source_ref) DO UPDATE SET"
		        " name = EXCLUDED.name, provider = EXCLUDED.provider,"
		        " url = EXCLUDED.url, cost = EXCLUDED.cost,"
		        " cost_varies = EXCLUDED.cost_varies,"
		        " level_id = EXCLUDED.level_id,"
		        " format_id = EXCLUDED.format_id,"
		        " spider_name = EXCLUDED.spider_name,"
		        " is_manually_added = EXCLUDED.is_manually_added,"
		        " is_ongoing = EXCLUDED.is_ongoing,"
		        " cpd_state = EXCLUDED.cpd_state,"
		        " cpd_points = EXCLUDED.cpd_points, updated_at = now()"
		        " RETURNING id",
		        13, vals, &course_id) != 0)
			return (-1);
		vals[0] = course_id;
		if (run(ap, "course dates",
		        "DELETE FROM course_dates WHERE course_id = $1", 1,
		        vals, NULL) != 0)
			return (-1);
		for (j = 0; j < c->ndates; j++) {
			resolve_date(c, &c->dates[j], today, &start, &end);
			vals[1] = day_str(ap, start);
			vals[2] = end >= 0 ? day_str(ap, end) : NULL;
			vals[3] = time_zone;
			if (vals[1] == NULL || (end >= 0 && vals[2] == NULL))
				goto nomem;
			/* Midnight local time in the deployment's zone. */
			if (run(ap, "course date",
			        "INSERT INTO course_dates (course_id, start_at,"
			        " end_at) VALUES ($1, $2::date::timestamp AT"
			        " TIME ZONE $4, $3::date::timestamp AT TIME"
			        " ZONE $4) ON CONFLICT DO NOTHING",
			        4, vals, NULL) != 0)
				return (-1);
		}
		if ((vals[1] = int_array(ap, c->vcats.v, c->vcats.n)) == NULL ||
		    (vals[2] = int_array(ap, c->tcomps.v, c->tcomps.n)) == NULL)
			goto nomem;
		if (run(ap, "course categories",
		        "DELETE FROM course_categories WHERE course_id = $1", 1,
		        vals, NULL) != 0 ||
		    run(ap, "course categories",
		        "INSERT INTO course_categories (course_id,"
		        " vertical_category_id) SELECT $1, unnest($2::int[])",
		        2, vals, NULL) != 0 ||
		    run(ap, "course tech tags",
		        "DELETE FROM course_tech_competencies WHERE"
		        " course_id = $1",
		        1, vals, NULL) != 0)
			return (-1);
		vals[1] = vals[2];
		if (run(ap, "course tech tags",
		        "INSERT INTO course_tech_competencies (course_id,"
		        " tech_competency_id) SELECT $1, unnest($2::int[])",
		        2, vals, NULL) != 0)
			return (-1);
	}
	/* Sample courses no longer in the sheet go; courses from the CMS
	 * (other source_ref prefixes, or none) are never touched. */
	if ((vals[0] = text_array(ap, refs, fw->courses.n)) == NULL)
		goto nomem;
	return (run(ap, "stale sample courses",
	            "DELETE FROM courses WHERE source_ref LIKE 'sample:%'"
	            " AND source_ref <> ALL($1::text[])",
	            1, vals, NULL));
nomem:
	snprintf(ap->err, ap->errlen, "out of memory");
	return (-1);
}

static int
apply_framework(struct apply *ap, const struct framework *fw)
{
	const char *v[8];
	size_t i;
	int *ids;

	/* Link tables are rebuilt whole: nothing outside refers to them. */
	if (run(ap, "links", "DELETE FROM job_role_competencies", 0, NULL,
	        NULL) != 0 ||
	    run(ap, "links", "DELETE FROM tech_role_competencies", 0, NULL,
	        NULL) != 0 ||
	    run(ap, "links", "DELETE FROM need_formats", 0, NULL, NULL) != 0 ||
	    run(ap, "links", "DELETE FROM need_levels", 0, NULL, NULL) != 0)
		return (-1);
	/* Upserts by id, parents first, so that rows courses refer to
	 * (vertical categories, tech competencies, levels, formats) keep
	 * their identity. Secondary unique constraints are deferred. */
	for (i = 0; i < fw->verticals.n; i++) {
		v[0] = num(ap, fw->verticals.v[i].id);
		v[1] = fw->verticals.v[i].name;
		v[2] = fw->verticals.v[i].option_text;
		if (run(ap, "verticals",
		        "INSERT INTO verticals (id, name, option_text) VALUES"
		        " ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET"
		        " name = EXCLUDED.name,"
		        " option_text = EXCLUDED.option_text",
		        3, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->vcats.n; i++) {
		v[0] = num(ap, fw->vcats.v[i].id);
		v[1] = num(ap, fw->vcats.v[i].vertical_id);
		v[2] = num(ap, fw->vcats.v[i].key);
		v[3] = fw->vcats.v[i].title;
		v[4] = fw->vcats.v[i].option_text;
		v[5] = fw->vcats.v[i].is_specialism ? "t" : "f";
		if (run(ap, "vertical_categories",
		        "INSERT INTO vertical_categories (id, vertical_id, key,"
		        " title, option_text, is_specialism) VALUES ($1, $2,"
		        " $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET"
		        " vertical_id = EXCLUDED.vertical_id,"
		        " key = EXCLUDED.key, title = EXCLUDED.title,"
		        " option_text = EXCLUDED.option_text,"
		        " is_specialism = EXCLUDED.is_specialism",
		        6, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->ccats.n; i++) {
		v[0] = num(ap, fw->ccats.v[i].id);
		v[1] = num(ap, fw->ccats.v[i].vertical_id);
		v[2] = fw->ccats.v[i].name;
		v[3] = num_or_null(ap, fw->ccats.v[i].vcat_id);
		if (run(ap, "competency_categories",
		        "INSERT INTO competency_categories (id, vertical_id,"
		        " name, vertical_category_id) VALUES ($1, $2, $3, $4)"
		        " ON CONFLICT (id) DO UPDATE SET"
		        " vertical_id = EXCLUDED.vertical_id,"
		        " name = EXCLUDED.name,"
		        " vertical_category_id ="
		        " EXCLUDED.vertical_category_id",
		        4, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->specialisms.n; i++) {
		v[0] = num(ap, fw->specialisms.v[i].id);
		v[1] = num(ap, fw->specialisms.v[i].vertical_id);
		v[2] = fw->specialisms.v[i].name;
		if (run(ap, "specialisms",
		        "INSERT INTO specialisms (id, vertical_id, name) VALUES"
		        " ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET"
		        " vertical_id = EXCLUDED.vertical_id,"
		        " name = EXCLUDED.name",
		        3, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->comps.n; i++) {
		v[0] = num(ap, fw->comps.v[i].id);
		v[1] = num(ap, fw->comps.v[i].vertical_id);
		v[2] = num(ap, fw->comps.v[i].ccat_id);
		v[3] = num_or_null(ap, fw->comps.v[i].specialism_id);
		v[4] = fw->comps.v[i].title;
		v[5] = or_null(fw->comps.v[i].description);
		if (run(ap, "competencies",
		        "INSERT INTO competencies (id, vertical_id,"
		        " category_id, specialism_id, title, description)"
		        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO"
		        " UPDATE SET vertical_id = EXCLUDED.vertical_id,"
		        " category_id = EXCLUDED.category_id,"
		        " specialism_id = EXCLUDED.specialism_id,"
		        " title = EXCLUDED.title,"
		        " description = EXCLUDED.description",
		        6, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->roles.n; i++) {
		v[0] = num(ap, fw->roles.v[i].id);
		v[1] = fw->roles.v[i].name;
		v[2] = num(ap, fw->roles.v[i].vertical_id);
		v[3] = num(ap, fw->roles.v[i].level);
		v[4] = fw->roles.v[i].org_type;
		v[5] = num_or_null(ap, fw->roles.v[i].specialism_id);
		v[6] = or_null(fw->roles.v[i].description);
		v[7] = int_array(ap, fw->roles.v[i].comps.v,
		                 fw->roles.v[i].comps.n);
		if (run(ap, "job_roles",
		        "INSERT INTO job_roles (id, name, vertical_id, level,"
		        " org_type, specialism_id, description) VALUES ($1,"
		        " $2, $3, $4, $5, $6, $7) ON CONFLICT (id) DO UPDATE"
		        " SET name = EXCLUDED.name,"
		        " vertical_id = EXCLUDED.vertical_id,"
		        " level = EXCLUDED.level,"
		        " org_type = EXCLUDED.org_type,"
		        " specialism_id = EXCLUDED.specialism_id,"
		        " description = EXCLUDED.description",
		        7, v, NULL) != 0)
			return (-1);
		v[1] = v[7];
		if (run(ap, "job_role_competencies",
		        "INSERT INTO job_role_competencies (job_role_id,"
		        " competency_id, position) SELECT $1, c, o - 1 FROM"
		        " unnest($2::int[]) WITH ORDINALITY AS t (c, o)",
		        2, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->troles.n; i++) {
		v[0] = num(ap, fw->troles.v[i].id);
		v[1] = fw->troles.v[i].name;
		v[2] = num(ap, fw->troles.v[i].level);
		v[3] = fw->troles.v[i].option_text;
		if (run(ap, "tech_roles",
		        "INSERT INTO tech_roles (id, name, level, option_text)"
		        " VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO UPDATE"
		        " SET name = EXCLUDED.name, level = EXCLUDED.level,"
		        " option_text = EXCLUDED.option_text",
		        4, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->tcomps.n; i++) {
		v[0] = num(ap, fw->tcomps.v[i].id);
		v[1] = fw->tcomps.v[i].category;
		v[2] = num(ap, fw->tcomps.v[i].tech_role_id);
		v[3] = fw->tcomps.v[i].title;
		v[4] = or_null(fw->tcomps.v[i].description);
		if (run(ap, "tech_competencies",
		        "INSERT INTO tech_competencies (id, category,"
		        " tech_role_id, title, description) VALUES ($1, $2, $3,"
		        " $4, $5) ON CONFLICT (id) DO UPDATE SET"
		        " category = EXCLUDED.category,"
		        " tech_role_id = EXCLUDED.tech_role_id,"
		        " title = EXCLUDED.title,"
		        " description = EXCLUDED.description",
		        5, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->troles.n; i++) {
		v[0] = num(ap, fw->troles.v[i].id);
		v[1] = int_array(ap, fw->troles.v[i].comps.v,
		                 fw->troles.v[i].comps.n);
		if (run(ap, "tech_role_competencies",
		        "INSERT INTO tech_role_competencies (tech_role_id,"
		        " tech_competency_id, position) SELECT $1, c, o - 1"
		        " FROM unnest($2::int[]) WITH ORDINALITY AS t (c, o)",
		        2, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->levels.n + fw->formats.n; i++) {
		const struct named *nm = i < fw->levels.n
		                             ? &fw->levels.v[i]
		                             : &fw->formats.v[i - fw->levels.n];
		v[0] = num(ap, nm->id);
		v[1] = nm->name;
		v[2] = nm->acronym;
		if (run(ap, "levels and formats",
		        i < fw->levels.n
		            ? "INSERT INTO levels (id, name, acronym) VALUES"
		              " ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET"
		              " name = EXCLUDED.name,"
		              " acronym = EXCLUDED.acronym"
		            : "INSERT INTO formats (id, name, acronym) VALUES"
		              " ($1, $2, $3) ON CONFLICT (id) DO UPDATE SET"
		              " name = EXCLUDED.name,"
		              " acronym = EXCLUDED.acronym",
		        3, v, NULL) != 0)
			return (-1);
	}
	for (i = 0; i < fw->needs.n; i++) {
		v[0] = num(ap, fw->needs.v[i].id);
		v[1] = fw->needs.v[i].name;
		v[2] = fw->needs.v[i].option_text;
		v[3] = int_array(ap, fw->needs.v[i].formats.v,
		                 fw->needs.v[i].formats.n);
		v[4] = int_array(ap, fw->needs.v[i].levels.v,
		                 fw->needs.v[i].levels.n);
		if (run(ap, "needs",
		        "INSERT INTO needs (id, name, option_text) VALUES ($1,"
		        " $2, $3) ON CONFLICT (id) DO UPDATE SET"
		        " name = EXCLUDED.name,"
		        " option_text = EXCLUDED.option_text",
		        3, v, NULL) != 0)
			return (-1);
		v[1] = v[3];
		v[2] = v[4];
		if (run(ap, "need formats and levels",
		        "INSERT INTO need_formats (need_id, format_id) SELECT"
		        " $1, unnest($2::int[])",
		        2, v, NULL) != 0)
			return (-1);
		v[1] = v[4];
		if (run(ap, "need formats and levels",
		        "INSERT INTO need_levels (need_id, level_id) SELECT"
		        " $1, unnest($2::int[])",
		        2, v, NULL) != 0)
			return (-1);
	}
	/* Rows no longer in the sheets, children before parents. */
#define STALE(vec, table)                                                      \
	do {                                                                   \
		IDS_OF(ap, vec, ids);                                          \
		if (ids == NULL || delete_stale(ap, table, ids, (vec).n) != 0) \
			return (-1);                                           \
	} while (0)
	STALE(fw->comps, "competencies");
	STALE(fw->roles, "job_roles");
	STALE(fw->ccats, "competency_categories");
	STALE(fw->specialisms, "specialisms");
	STALE(fw->vcats, "vertical_categories");
	STALE(fw->verticals, "verticals");
	STALE(fw->tcomps, "tech_competencies");
	STALE(fw->troles, "tech_roles");
	STALE(fw->needs, "needs");
	STALE(fw->levels, "levels");
	STALE(fw->formats, "formats");
#undef STALE
	return (0);
}

int
framework_apply(const struct framework *fw, PGconn *conn, const char *time_zone,
                char *err, size_t errlen)
{
	struct apply ap;
	PGresult *res;
	int rc = -1;

	if (!fw->validated || fw->nerrors > 0) {
		snprintf(err, errlen, "the import has errors; nothing applied");
		return (-1);
	}
	memset(&ap, 0, sizeof(ap));
	ap.conn = conn;
	ap.err = err;
	ap.errlen = errlen;
	if ((ap.arena = arena_new()) == NULL) {
		snprintf(err, errlen, "out of memory");
		return (-1);
	}
	if (run(&ap, "begin", "BEGIN", 0, NULL, NULL) != 0)
		goto cleanup;
	if (run(&ap, "deferring", "SET CONSTRAINTS ALL DEFERRED", 0, NULL,
	        NULL) != 0 ||
	    apply_framework(&ap, fw) != 0 ||
	    (fw->have[SH_COURSES] == 1 &&
	     apply_courses(&ap, fw, time_zone ? time_zone : "UTC") != 0) ||
	    run(&ap, "app_meta",
	        "INSERT INTO app_meta (key, value) VALUES"
	        " ('framework_imported_at', now()::text) ON CONFLICT (key) DO"
	        " UPDATE SET value = EXCLUDED.value",
	        0, NULL, NULL) != 0 ||
	    /* Workers refresh their caches; delivered only on commit. */
	    run(&ap, "notify", "SELECT pg_notify('lifted_framework', 'import')",
	        0, NULL, NULL) != 0 ||
	    run(&ap, "commit", "COMMIT", 0, NULL, NULL) != 0) {
		res = PQexec(conn, "ROLLBACK");
		PQclear(res);
		goto cleanup;
	}
	rc = 0;
cleanup:
	arena_free(ap.arena);
	return (rc);
}
