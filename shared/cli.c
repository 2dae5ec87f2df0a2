/*
 * Shared command-line plumbing for lifted-app, lifted-cms and
 * lifted-scraper.
 */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "log.h"
#include "migrate.h"

extern char **environ;

void
cli_settings(struct settings *s, const char *proc)
{
	char err[512];

	log_init(proc, LOG_LEVEL_INFO);
	if (settings_load(s, environ, err, sizeof(err)) != 0) {
		log_error("settings: %s", err);
		fprintf(stderr, "lifted-%s: %s\n", proc, err);
		exit(2);
	}
	log_init(proc, s->log_level);
	/* Every database session (pools, the importer, migrations) then
	 * runs in the deployment's zone, so timestamps PostgreSQL formats
	 * (to_char ... TZH:TZM) carry the local offset: libpq sends PGTZ as
	 * the session's TimeZone at connect. */
	if (setenv("PGTZ", s->time_zone, 1) != 0) {
		log_error("cannot set PGTZ");
		exit(2);
	}
}

void
cli_require(const char *value, const char *name)
{
	char err[256];

	if (settings_require(value, name, err, sizeof(err)) != 0) {
		log_error("settings: %s", err);
		exit(2);
	}
}

int
cli_migrate(const struct settings *s, const char *conninfo, const char *which)
{
	char dir[4096], err[1024];

	snprintf(dir, sizeof(dir), "%s/%s", s->migrations_dir, which);
	if (migrate_run(conninfo, dir, err, sizeof(err)) != 0) {
		log_error("migrate %s: %s", which, err);
		return (1);
	}
	log_info("migrate %s: up to date", which);
	return (0);
}
