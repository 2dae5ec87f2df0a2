/*
 * lifted-cms storage: an operator command over the storage backend
 * (shared/storage.h), used by scripts/backup and scripts/restore.
 */
#ifndef LIFTED_CMS_STORAGE_CMD_H
#define LIFTED_CMS_STORAGE_CMD_H

struct settings;

/* argv: the arguments after "storage".  Returns the exit status: 0 done,
 * 1 failure, 2 bad usage or settings, 3 not found, 4 too large. */
int storage_cmd_run(const struct settings *s, int argc, char **argv);

#endif
