/*
 * libFuzzer target for the date parser, the text normalisers and the
 * robots.txt rules (shared/scrape_text.c): the first byte picks a format
 * set, the rest is the text a site sent.  `make fuzz` runs it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scrape_text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const sets[][3] = {
    {"%d %b %Y", NULL, NULL},
    {"%a %d %b %Y - %I:%M %p", "%a %d %b %Y", NULL},
    {"%d/%m/%Y %H:%M", "%d/%m/%Y", NULL},
    {"%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d", NULL},
    {"%d.%m.%Y %H:%M:%S", "%%%d", "%H:%M"},
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ends[] = {"%d/%m/%Y %H:%M", "%H:%M",
	                                   "%d/%m/%Y"};
	char *s, *f, *n, start[32], end[32];
	const char *const *fm;
	struct tm tm;
	size_t nf = 0;

	if (size < 1)
		return (0);
	fm = sets[data[0] % (sizeof(sets) / sizeof(sets[0]))];
	while (nf < 3 && fm[nf] != NULL)
		nf++;
	if ((s = malloc(size)) == NULL)
		return (0);
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	if (scrape_date_parse(s, fm, nf, &tm) == 0) {
		scrape_iso(&tm, "Asia/Singapore", start, sizeof(start));
		scrape_add_days(&tm, (int)(data[0] % 40));
		scrape_iso(&tm, "Asia/Singapore", start, sizeof(start));
	}
	scrape_range_parse(s, " - ", fm, nf, ends, 3, "Asia/Singapore", start,
	                   end, sizeof(start));
	/* The pattern itself may come from a definition: fuzz it too. */
	memset(&tm, 0, sizeof(tm));
	{
		int has_date = 0;

		scrape_date_match("01 Nov 2017 09:00", s, &tm, &has_date);
	}
	scrape_robots_allowed(s, "liftedscraper", "/events/a?b=1");
	if ((f = scrape_fold(s)) != NULL) {
		scrape_strip_prefix(f, "[Registration Closed]");
		scrape_title_case(f);
		n = scrape_number(f);
		free(n);
		scrape_level(&f);
		free(f);
	}
	free(s);
	return (0);
}
