/*
 * lifted-scraper: collects CPD courses from provider sites into the CMS
 * database as unpublished courses (SPEC section 8).  The spiders arrive
 * with the scraper issue; until then `list` prints none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "settings.h"

int
main(int argc, char **argv)
{
	struct settings settings;

	if (argc < 2 || (strcmp(argv[1], "list") != 0 &&
	    strcmp(argv[1], "run") != 0)) {
		fprintf(stderr, "usage: lifted-scraper list | run SPIDER "
		    "[--dry-run]\n");
		return (2);
	}
	cli_settings(&settings, "scraper");
	if (strcmp(argv[1], "run") == 0) {
		fprintf(stderr, "lifted-scraper: no spiders are defined yet\n");
		settings_free(&settings);
		return (2);
	}
	settings_free(&settings);
	return (0);
}
