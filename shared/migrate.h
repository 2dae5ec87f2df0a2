/*
 * Schema migrations: the `migrate` operator command of each binary.
 *
 * A migration is a file dir/NNNN_name.sql applied once, in its own
 * transaction, and recorded with its SHA-256 in schema_migrations.
 * Blocking libpq: this runs from the command line, never on a server's
 * event loop.
 */
#ifndef LIFTED_MIGRATE_H
#define LIFTED_MIGRATE_H

#include <stddef.h>

/*
 * Applies the pending migrations of dir to the database at conninfo.
 * Only names ending in ".sql" are considered; each must match
 * ^[0-9]{4}_[a-z0-9_]+\.sql$.  Files run in lexical order, each inside
 * BEGIN ... COMMIT together with its schema_migrations row.  Fails,
 * applying nothing, if a file name is malformed or an applied file's
 * checksum changed; stops at the first failing file (it rolls back,
 * earlier files stay applied).  A session advisory lock serialises
 * concurrent migrators.  Returns 0, or -1 with a message in err (always
 * terminated when errlen > 0; it names the file and quotes PostgreSQL).
 */
int migrate_run(const char *conninfo, const char *dir, char *err,
                size_t errlen);

/* SHA-256 of data as 64 lowercase hex digits plus NUL into out_hex.
 * Returns 0, or -1 if OpenSSL fails. */
int migrate_checksum(const char *data, size_t len, char out_hex[65]);

#endif
