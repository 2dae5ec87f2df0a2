/*
 * lifted-scraper: collects CPD courses from provider sites (SPEC section
 * 8).  `list` names the spiders; `run SPIDER --dry-run` runs one and
 * prints each item as a JSON line, writing nothing (for spider authors
 * and tests); `run SPIDER` runs it as a job in the CMS database (job.h).
 * Spiders are data files: the built-in folder cms_server/scraper/spiders
 * (found from the binary) or the folders of LIFTED_SCRAPER_SPIDERS_DIR.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <curl/curl.h>

#include "cli.h"
#include "engine.h"
#include "job.h"
#include "settings.h"
#include "spider.h"

extern char **environ;

/* The built-in spiders folder: cms_server/scraper/spiders in the binary's
 * folder or one of its parents (build/, build/NAME/ in the repo). */
static int
builtin_dir(char *buf, size_t len)
{
	char exe[PATH_MAX];
	struct stat st;
	ssize_t n;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return (-1);
	exe[n] = '\0';
	for (int up = 0; up < 5; up++) {
		char *slash = strrchr(exe, '/');

		if (slash == NULL)
			return (-1);
		*slash = '\0';
		if ((size_t)snprintf(buf, len, "%s/spiders", exe) >= len)
			return (-1);
		if (up == 0 && stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return (0);
		if ((size_t)snprintf(buf, len, "%s/cms_server/scraper/spiders",
		                     exe) >= len)
			return (-1);
		if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
			return (0);
	}
	return (-1);
}

static int
load_spiders(const struct settings *s, struct spider_set *set)
{
	char dir[PATH_MAX], err[512], *dirs, *p, *save = NULL;

	if (s->scraper_spiders_dir == NULL) {
		if (builtin_dir(dir, sizeof(dir)) == -1) {
			fprintf(
			    stderr,
			    "lifted-scraper: cannot find the "
			    "spiders folder; set LIFTED_SCRAPER_SPIDERS_DIR\n");
			return (-1);
		}
		if (spider_load_dir(set, dir, err, sizeof(err)) == -1) {
			fprintf(stderr, "lifted-scraper: %s\n", err);
			return (-1);
		}
		return (0);
	}
	if ((dirs = strdup(s->scraper_spiders_dir)) == NULL)
		return (-1);
	for (p = strtok_r(dirs, ":", &save); p != NULL;
	     p = strtok_r(NULL, ":", &save))
		if (spider_load_dir(set, p, err, sizeof(err)) == -1) {
			fprintf(stderr, "lifted-scraper: %s\n", err);
			free(dirs);
			return (-1);
		}
	free(dirs);
	return (0);
}

static const char *const level_names[] = {"debug", "info", "warn", "error"};

static void
dry_log(int level, const char *msg, void *arg)
{
	const struct settings *s = arg;

	if (level < (int)s->log_level)
		return;
	fprintf(stderr, "lifted-scraper: %s: %s\n", level_names[level & 3],
	        msg);
}

static cJSON *
str_or_null(const char *s)
{
	return (s != NULL ? cJSON_CreateString(s) : cJSON_CreateNull());
}

static int
dry_item(const struct scrape_item *it, void *arg)
{
	cJSON *o, *a;
	char *line;

	(void)arg;
	if ((o = cJSON_CreateObject()) == NULL)
		return (-1);
	cJSON_AddItemToObject(o, "name", str_or_null(it->name));
	cJSON_AddItemToObject(o, "url", str_or_null(it->url));
	cJSON_AddItemToObject(o, "provider", str_or_null(it->provider));
	cJSON_AddItemToObject(o, "cost", str_or_null(it->cost));
	cJSON_AddItemToObject(o, "public_cpd", str_or_null(it->public_cpd));
	cJSON_AddItemToObject(o, "level", str_or_null(it->level));
	a = cJSON_AddArrayToObject(o, "date_ranges");
	for (size_t i = 0; a != NULL && i < it->ndate_ranges; i++) {
		cJSON *r = cJSON_CreateObject();

		cJSON_AddItemToObject(r, "start",
		                      str_or_null(it->date_ranges[i].start));
		cJSON_AddItemToObject(r, "end",
		                      str_or_null(it->date_ranges[i].end));
		cJSON_AddItemToArray(a, r);
	}
	if ((line = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return (-1);
	}
	printf("%s\n", line);
	fflush(stdout);
	cJSON_free(line);
	cJSON_Delete(o);
	return (0);
}

static int
dry_run(const struct spider *sp, const struct settings *s)
{
	struct scrape_options opt = {s->scraper_timeout_s, s->scraper_delay_ms,
	                             s->scraper_retries, s->time_zone};
	struct scrape_hooks h = {dry_item, dry_log, NULL, NULL, (void *)s};
	char err[512];

	if (scrape_run(sp, &opt, &h, err, sizeof(err)) == -1) {
		fprintf(stderr, "lifted-scraper: %s: failed: %s\n", sp->name,
		        err);
		return (1);
	}
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: lifted-scraper list | run SPIDER "
	                "[--dry-run]\n");
}

int
main(int argc, char **argv)
{
	struct settings settings;
	struct spider_set set = {NULL, 0};
	struct spider *sp = NULL;
	int rc = 2, dry = 0;

	if (argc < 2 ||
	    (strcmp(argv[1], "list") != 0 && strcmp(argv[1], "run") != 0) ||
	    (strcmp(argv[1], "run") == 0 && argc < 3)) {
		usage();
		return (2);
	}
	for (int i = 3; i < argc; i++)
		if (strcmp(argv[i], "--dry-run") == 0)
			dry = 1;
	cli_settings(&settings, "scraper");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (load_spiders(&settings, &set) == -1)
		goto done;
	if (strcmp(argv[1], "list") == 0) {
		for (size_t i = 0; i < set.n; i++)
			printf("%s\t%s\n", set.v[i]->name,
			       set.v[i]->description);
		rc = 0;
		goto done;
	}
	for (size_t i = 0; i < set.n; i++)
		if (strcmp(set.v[i]->name, argv[2]) == 0)
			sp = set.v[i];
	if (sp == NULL) {
		fprintf(stderr,
		        "lifted-scraper: no spider named \"%s\" "
		        "(see lifted-scraper list)\n",
		        argv[2]);
		goto done;
	}
	spider_apply_env(sp, environ);
	if (dry)
		rc = dry_run(sp, &settings);
	else
		rc = scraper_job_run(sp, &settings, argc - 2, argv + 2);
done:
	spider_set_free(&set);
	curl_global_cleanup();
	settings_free(&settings);
	return (rc);
}
