/*
 * Normalisation of scraped text and dates (SPEC section 8).  Sites send
 * shouting titles, no-break spaces, broken UTF-8 and half a dozen date
 * styles; everything here is pure (bar TZ for offsets) so that it is
 * unit-tested and fuzzed on its own.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "scrape_text.h"

/* Length of a valid UTF-8 sequence at p (at most n bytes), or 0. */
static size_t
utf8_len(const unsigned char *p, size_t n)
{
	size_t len, i;
	unsigned int cp;

	if (p[0] < 0x80)
		return (1);
	if ((p[0] & 0xe0) == 0xc0) {
		len = 2;
		cp = p[0] & 0x1f;
	} else if ((p[0] & 0xf0) == 0xe0) {
		len = 3;
		cp = p[0] & 0x0f;
	} else if ((p[0] & 0xf8) == 0xf0) {
		len = 4;
		cp = p[0] & 0x07;
	} else
		return (0);
	if (len > n)
		return (0);
	for (i = 1; i < len; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return (0);
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
	    (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return (0);
	return (len);
}

char *
scrape_fold(const char *s)
{
	const unsigned char *p;
	size_t n, l, o = 0;
	char *out;
	int space = 0;

	if (s == NULL)
		return (NULL);
	n = strlen(s);
	/* Worst case: every byte becomes U+FFFD (3 bytes). */
	if ((out = malloc(n * 3 + 1)) == NULL)
		return (NULL);
	p = (const unsigned char *)s;
	while (n > 0) {
		if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r' ||
		    *p == '\f' || *p == '\v') {
			space = 1;
			p++, n--;
			continue;
		}
		if (n >= 2 && p[0] == 0xc2 && p[1] == 0xa0) {
			space = 1;
			p += 2, n -= 2;
			continue;
		}
		if (space && o > 0)
			out[o++] = ' ';
		space = 0;
		if ((l = utf8_len(p, n)) == 0) {
			memcpy(out + o, "\xef\xbf\xbd", 3);
			o += 3;
			p++, n--;
			continue;
		}
		if (l == 1 && *p < 0x20) {
			p++, n--; /* other control characters: dropped */
			continue;
		}
		memcpy(out + o, p, l);
		o += l;
		p += l, n -= l;
	}
	out[o] = '\0';
	if (o == 0) {
		free(out);
		return (NULL);
	}
	return (out);
}

static const char *const small_words[] = {
    "a",  "an", "and", "as",  "at", "by",   "for", "in",
    "of", "on", "or",  "the", "to", "with", "via", "from",
};

static int
is_small(const char *w, size_t len)
{
	for (size_t i = 0; i < sizeof(small_words) / sizeof(small_words[0]);
	     i++)
		if (strlen(small_words[i]) == len &&
		    strncasecmp(small_words[i], w, len) == 0)
			return (1);
	return (0);
}

void
scrape_title_case(char *s)
{
	int upper = 0, word = 0;
	char *p, *w;

	if (s == NULL)
		return;
	for (p = s; *p != '\0'; p++) {
		if (islower((unsigned char)*p))
			return;
		if (isupper((unsigned char)*p))
			upper = 1;
	}
	if (!upper)
		return;
	for (p = s; *p != '\0';) {
		if (!isalpha((unsigned char)*p) && *p != '\'') {
			p++;
			continue;
		}
		w = p;
		while (isalpha((unsigned char)*p) || *p == '\'')
			p++;
		for (char *q = w + 1; q < p; q++)
			*q = (char)tolower((unsigned char)*q);
		if (word && is_small(w, (size_t)(p - w)) && w > s &&
		    w[-1] == ' ')
			*w = (char)tolower((unsigned char)*w);
		word = 1;
	}
}

int
scrape_strip_prefix(char *s, const char *prefix)
{
	size_t pl, n;
	char *p;

	if (s == NULL || prefix == NULL)
		return (0);
	pl = strlen(prefix);
	if (pl == 0 || strncasecmp(s, prefix, pl) != 0)
		return (0);
	p = s + pl;
	while (*p == ' ')
		p++;
	n = strlen(p);
	memmove(s, p, n + 1);
	return (1);
}

void
scrape_level(char **s)
{
	char *n;

	if (s == NULL || *s == NULL || strcasecmp(*s, "Foundation") != 0)
		return;
	if ((n = strdup("Foundational")) == NULL)
		return;
	free(*s);
	*s = n;
}

char *
scrape_number(const char *s)
{
	const char *p;
	char *out;
	size_t o = 0;
	int dot = 0;

	if (s == NULL)
		return (NULL);
	for (p = s; *p != '\0' && !isdigit((unsigned char)*p); p++)
		;
	if (*p == '\0' || (out = malloc(strlen(p) + 1)) == NULL)
		return (NULL);
	for (; *p != '\0'; p++) {
		if (isdigit((unsigned char)*p))
			out[o++] = *p;
		else if (*p == ',' && !dot && isdigit((unsigned char)p[1]))
			continue;
		else if (*p == '.' && !dot && isdigit((unsigned char)p[1])) {
			out[o++] = '.';
			dot = 1;
		} else
			break;
	}
	out[o] = '\0';
	return (out);
}

static const char *const months[] = {
    "january", "february", "march",     "april",   "may",      "june",
    "july",    "august",   "september", "october", "november", "december",
};

/* Reads up to max digits (at least one) into *v. */
static int
read_num(const char **sp, int max, int *v)
{
	const char *s = *sp;
	int n = 0, i;

	for (i = 0; i < max && isdigit((unsigned char)s[i]); i++)
		n = n * 10 + (s[i] - '0');
	if (i == 0)
		return (-1);
	*v = n;
	*sp = s + i;
	return (0);
}

int
scrape_date_match(const char *s, const char *fmt, struct tm *tm, int *has_date)
{
	int v, hour = -1, pm = -1, day = -1, mon = -1, year = -1, min = -1,
	       sec = -1, h12 = 0;
	size_t len;

	if (s == NULL || fmt == NULL)
		return (-1);
	for (; *fmt != '\0'; fmt++) {
		if (*fmt == ' ') {
			if (*s != ' ')
				return (-1);
			while (*s == ' ')
				s++;
			continue;
		}
		if (*fmt != '%') {
			if (tolower((unsigned char)*s) !=
			    tolower((unsigned char)*fmt))
				return (-1);
			s++;
			continue;
		}
		switch (*++fmt) {
		case 'd':
			if (read_num(&s, 2, &day) == -1)
				return (-1);
			break;
		case 'm':
			if (read_num(&s, 2, &v) == -1)
				return (-1);
			mon = v - 1;
			break;
		case 'Y':
			if (read_num(&s, 4, &year) == -1)
				return (-1);
			break;
		case 'H':
			if (read_num(&s, 2, &hour) == -1)
				return (-1);
			break;
		case 'I':
			if (read_num(&s, 2, &hour) == -1)
				return (-1);
			h12 = 1;
			break;
		case 'M':
			if (read_num(&s, 2, &min) == -1)
				return (-1);
			break;
		case 'S':
			if (read_num(&s, 2, &sec) == -1)
				return (-1);
			break;
		case 'p':
			if (strncasecmp(s, "am", 2) == 0)
				pm = 0;
			else if (strncasecmp(s, "pm", 2) == 0)
				pm = 1;
			else
				return (-1);
			s += 2;
			break;
		case 'a':
			for (len = 0; isalpha((unsigned char)s[len]); len++)
				;
			if (len < 3)
				return (-1);
			s += len;
			break;
		case 'b':
			for (len = 0; isalpha((unsigned char)s[len]); len++)
				;
			mon = -1;
			for (int i = 0; i < 12 && len >= 3; i++)
				if (len <= strlen(months[i]) &&
				    strncasecmp(s, months[i], len) == 0 &&
				    (len == 3 || len == strlen(months[i]) ||
				     (i == 8 && len == 4))) {
					mon = i;
					break;
				}
			if (mon < 0)
				return (-1);
			s += len;
			break;
		case '%':
			if (*s++ != '%')
				return (-1);
			break;
		default:
			return (-1); /* unknown directive or a trailing % */
		}
	}
	if (*s != '\0')
		return (-1);
	if (h12) {
		if (hour < 1 || hour > 12 || pm < 0)
			return (-1);
		hour = hour % 12 + (pm ? 12 : 0);
	}
	if ((day >= 0 && (day < 1 || day > 31)) || (mon >= 0 && mon > 11) ||
	    (year >= 0 && (year < 1900 || year > 9999)) || hour > 23 ||
	    min > 59 || sec > 60)
		return (-1);
	if (day >= 0) {
		tm->tm_mday = day;
		*has_date = 1;
	}
	if (mon >= 0)
		tm->tm_mon = mon;
	if (year >= 0)
		tm->tm_year = year - 1900;
	if (hour >= 0)
		tm->tm_hour = hour;
	if (min >= 0)
		tm->tm_min = min;
	if (sec >= 0)
		tm->tm_sec = sec;
	return (0);
}

static char cur_tz[128];

static void
use_tz(const char *tz)
{
	if (tz == NULL)
		tz = "Asia/Singapore";
	if (strcmp(cur_tz, tz) == 0)
		return;
	snprintf(cur_tz, sizeof(cur_tz), "%s", tz);
	setenv("TZ", tz, 1);
	tzset();
}

int
scrape_iso(const struct tm *tm, const char *tz, char *out, size_t outlen)
{
	struct tm t = *tm, chk;
	long off;

	use_tz(tz);
	t.tm_isdst = -1;
	chk = t;
	mktime(&t);
	/* mktime normalises 31 Feb to 3 Mar: refuse what was not a date. */
	if (t.tm_mday != chk.tm_mday || t.tm_mon != chk.tm_mon ||
	    t.tm_year != chk.tm_year)
		return (-1);
	off = t.tm_gmtoff;
	snprintf(out, outlen, "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	         t.tm_year + 1900, t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min,
	         t.tm_sec, off < 0 ? '-' : '+', labs(off) / 3600,
	         labs(off) % 3600 / 60);
	return (0);
}

void
scrape_add_days(struct tm *tm, int days)
{
	struct tm t = *tm;
	time_t x;

	/* Calendar arithmetic in UTC: no DST steps. */
	t.tm_hour = 12;
	t.tm_isdst = 0;
	x = timegm(&t) + (time_t)days * 86400;
	gmtime_r(&x, &t);
	tm->tm_year = t.tm_year;
	tm->tm_mon = t.tm_mon;
	tm->tm_mday = t.tm_mday;
}

int
scrape_date_parse(const char *s, const char *const *fmts, size_t nfmt,
                  struct tm *tm)
{
	for (size_t i = 0; i < nfmt; i++) {
		int has_date = 0;

		memset(tm, 0, sizeof(*tm));
		tm->tm_mday = 1;
		if (scrape_date_match(s, fmts[i], tm, &has_date) == 0 &&
		    has_date)
			return (0);
	}
	return (-1);
}

int
scrape_range_parse(const char *s, const char *sep, const char *const *fmts,
                   size_t nfmt, const char *const *end_fmts, size_t nend,
                   const char *tz, char *start, char *end, size_t len)
{
	struct tm a, b;
	const char *cut = NULL;
	char *head = NULL;
	int rc = -1;

	end[0] = '\0';
	if (s == NULL)
		return (-1);
	/* Try the whole text as a start first: "- 09:00 AM" may be part of
	 * one date. */
	if (scrape_date_parse(s, fmts, nfmt, &a) == 0) {
		rc = scrape_iso(&a, tz, start, len);
		return (rc);
	}
	if (sep == NULL || sep[0] == '\0' || (cut = strstr(s, sep)) == NULL)
		return (-1);
	if ((head = strndup(s, (size_t)(cut - s))) == NULL)
		return (-1);
	if (scrape_date_parse(head, fmts, nfmt, &a) == -1)
		goto done;
	cut += strlen(sep);
	for (size_t i = 0; i < nend; i++) {
		int has_date = 0;

		b = a;
		if (scrape_date_match(cut, end_fmts[i], &b, &has_date) == 0)
			break;
		if (i + 1 == nend)
			goto done;
	}
	if (nend == 0)
		goto done;
	if (scrape_iso(&a, tz, start, len) == -1 ||
	    scrape_iso(&b, tz, end, len) == -1)
		goto done;
	if (strcmp(start, end) == 0)
		end[0] = '\0';
	rc = 0;
done:
	free(head);
	return (rc);
}

int
scrape_date_value(const char *name, const char *fmt, const char *tz, time_t now,
                  char *out, size_t outlen)
{
	struct tm t;

	use_tz(tz);
	localtime_r(&now, &t);
	if (strcmp(name, "today") == 0)
		;
	else if (strcmp(name, "end_of_next_year") == 0) {
		t.tm_year += 1;
		t.tm_mon = 11;
		t.tm_mday = 31;
	} else
		return (-1);
	if (strftime(out, outlen, fmt, &t) == 0)
		return (-1);
	return (0);
}

/* Matches a robots.txt path pattern ('*' any run, '$' the end) as a
 * prefix of path. */
static int
robots_match(const char *pat, const char *path)
{
	for (; *pat != '\0'; pat++, path++) {
		if (*pat == '*') {
			for (;; path++) {
				if (robots_match(pat + 1, path))
					return (1);
				if (*path == '\0')
					return (0);
			}
		}
		if (*pat == '$' && pat[1] == '\0')
			return (*path == '\0');
		if (*path != *pat)
			return (0);
	}
	return (1);
}

int
scrape_robots_allowed(const char *text, const char *ua, const char *path)
{
	/* pass 0: groups naming ua; pass 1: groups for "*". */
	for (int pass = 0; pass < 2; pass++) {
		const char *p = text;
		int in_group = 0, prev_agent = 0, matched = 0;
		size_t best = 0;
		int allow = 1;

		while (p != NULL && *p != '\0') {
			const char *eol = strchr(p, '\n'), *colon;
			char line[1024], *k, *v, *hash;
			size_t l = eol != NULL ? (size_t)(eol - p) : strlen(p);

			if (l >= sizeof(line))
				l = sizeof(line) - 1;
			memcpy(line, p, l);
			line[l] = '\0';
			p = eol != NULL ? eol + 1 : NULL;
			if ((hash = strchr(line, '#')) != NULL)
				*hash = '\0';
			if ((colon = strchr(line, ':')) == NULL)
				continue;
			k = line;
			v = (char *)colon + 1;
			line[colon - line] = '\0';
			while (isspace((unsigned char)*k))
				k++;
			while (isspace((unsigned char)*v))
				v++;
			for (size_t n = strlen(v);
			     n > 0 && isspace((unsigned char)v[n - 1]);)
				v[--n] = '\0';
			for (size_t n = strlen(k);
			     n > 0 && isspace((unsigned char)k[n - 1]);)
				k[--n] = '\0';
			if (strcasecmp(k, "user-agent") == 0) {
				int me = pass == 0
				             ? strcasestr(v, ua) != NULL &&
				                   ua[0] != '\0'
				             : strcmp(v, "*") == 0;

				if (!prev_agent)
					in_group = 0;
				in_group |= me;
				matched |= me;
				prev_agent = 1;
				continue;
			}
			prev_agent = 0;
			if (!in_group || v[0] == '\0')
				continue;
			if (strcasecmp(k, "disallow") == 0 ||
			    strcasecmp(k, "allow") == 0) {
				int a = strcasecmp(k, "allow") == 0;
				size_t n = strlen(v);

				if (robots_match(v, path) &&
				    (n > best || (n == best && a))) {
					best = n;
					allow = a;
				}
			}
		}
		if (matched)
			return (allow);
	}
	return (1);
}
