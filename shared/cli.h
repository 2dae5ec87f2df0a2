/*
 * What the three binaries' main() functions share: loading settings (a
 * bad one stops start-up naming it), starting the logger, and the
 * `migrate` command.
 */
#ifndef LIFTED_CLI_H
#define LIFTED_CLI_H

#include "settings.h"

/* Loads settings from the environment and starts logging as proc; exits
 * with status 2 and a message naming the setting on error. */
void cli_settings(struct settings *s, const char *proc);

/* Exits with status 2 unless the named setting is set. */
void cli_require(const char *value, const char *name);

/* Runs migrations/<which> against conninfo; returns the exit status. */
int cli_migrate(const struct settings *s, const char *conninfo,
                const char *which);

#endif
