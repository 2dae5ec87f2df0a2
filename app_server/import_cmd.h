/*
 * `lifted-app import-framework DIR [--check] [--strict]` (SPEC 4, 11).
 */
#ifndef LIFTED_IMPORT_CMD_H
#define LIFTED_IMPORT_CMD_H

#include "settings.h"

/* Runs the command with argv after "import-framework"; returns the exit
 * status: 0 done (or --check passed), 1 the report has errors or the
 * database refused, 2 usage. */
int import_cmd(const struct settings *s, int argc, char **argv);

#endif
