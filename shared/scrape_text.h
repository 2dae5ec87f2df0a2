/*
 * Text and date normalisation for scraped pages (SPEC section 8): pure
 * functions, so the unit tests and the fuzzers link them from libshared.a
 * without curl or a network.
 */
#ifndef LIFTED_SCRAPE_TEXT_H
#define LIFTED_SCRAPE_TEXT_H

#include <stddef.h>
#include <time.h>

/* Folds runs of white space (ASCII and U+00A0 no-break spaces) to one
 * space, trims, and replaces invalid UTF-8 with U+FFFD.  Returns a new
 * string (caller frees), or NULL when the result is empty or s is NULL. */
char *scrape_fold(const char *s);

/* In place: an all-capital text (letters present, none lower-case)
 * becomes Title Case, with short words (of, and, the, ...) in lower case
 * except the first; anything else is left alone. */
void scrape_title_case(char *s);

/* In place: removes prefix (compared without case) from the start of s,
 * then leading white space.  Returns 1 when it was removed. */
int scrape_strip_prefix(char *s, const char *prefix);

/* In place: "Foundation" (any case) becomes "Foundational". */
void scrape_level(char **s);

/* The first decimal number in s, thousands commas dropped ("$1,200.50"
 * -> "1200.50"), as a new string (caller frees), or NULL when none. */
char *scrape_number(const char *s);

/*
 * Parses s against one format: %d day, %m month number, %b month name
 * (abbreviated or full, any case), %a week-day name (skipped), %Y year,
 * %H hour (0-23), %I hour (1-12), %p AM/PM, %M minutes, %S seconds; a
 * space matches one or more spaces; other characters match themselves
 * (case-insensitively).  The whole of s must match.  Fields the format
 * lacks keep their value in *tm (so an "%H:%M" end takes its date from
 * the start); has_date is set to 1 when the format names a day.
 * Returns 0, or -1 when s does not match or a value is out of range.
 */
int scrape_date_match(const char *s, const char *fmt, struct tm *tm,
                      int *has_date);

/* Formats a local time in zone tz (an IANA name) as ISO 8601 with its
 * offset ("2017-11-01T09:00:00+08:00") into out (at least 26 bytes).
 * Returns 0, or -1 when the time is invalid.  Uses TZ/tzset: not
 * thread-safe (the scraper is single-threaded). */
int scrape_iso(const struct tm *tm, const char *tz, char *out, size_t outlen);

/* Adds days to a date (normalising month/year). */
void scrape_add_days(struct tm *tm, int days);

/* Parses one date text with the first matching of nfmt formats into tm
 * (zeroed first, midnight by default).  Returns 0 or -1. */
int scrape_date_parse(const char *s, const char *const *fmts, size_t nfmt,
                      struct tm *tm);

/*
 * A range text "START SEP END" (or only "START"): START with fmts, END
 * with end_fmts (a time-only END takes START's date).  Writes ISO strings
 * into start/end (each at least 32 bytes); end is "" when there is none
 * or it equals the start.  Returns 0 or -1.
 */
int scrape_range_parse(const char *s, const char *sep, const char *const *fmts,
                       size_t nfmt, const char *const *end_fmts, size_t nend,
                       const char *tz, char *start, char *end, size_t len);

/* "today" or "end_of_next_year" in zone tz, formatted with strftime fmt
 * (C locale).  Returns 0, or -1 for an unknown name. */
int scrape_date_value(const char *name, const char *fmt, const char *tz,
                      time_t now, char *out, size_t outlen);

/* robots.txt: 1 when path ("/a/b?c") may be fetched by the agent token
 * ua (lower case) under the rules in text: the groups naming ua, else
 * those for "*"; Allow/Disallow by longest match ('*' and '$' understood);
 * no rules allow everything. */
int scrape_robots_allowed(const char *text, const char *ua, const char *path);

#endif
