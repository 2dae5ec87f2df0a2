/*
 * Migration runner (see migrate.h).
 *
 * Every file is read and checked before the first one is applied, so a
 * malformed name or an edited, already-applied file stops the run with
 * nothing changed.  Each pending file then runs in its own transaction
 * together with its schema_migrations row: either both are committed or
 * neither, so a crash never leaves a file half-recorded.
 */
#include <sys/stat.h>

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/evp.h>

#include "hex.h"
#include "log.h"
#include "migrate.h"

/*
 * Session advisory lock key ("LIFT"): one migrator at a time per
 * database; a second one waits, then finds the files applied.
 */
#define MIGRATE_LOCK_SQL "SELECT pg_advisory_lock(1279870548)"

#define MIGRATE_TABLE_SQL                                                      \
	"CREATE TABLE IF NOT EXISTS schema_migrations ("                       \
	"filename text PRIMARY KEY, "                                          \
	"checksum text NOT NULL, "                                             \
	"applied_at timestamptz NOT NULL DEFAULT now())"

struct migrate_file {
	char *name;
	char *body; /* NUL-terminated for PQexec */
	size_t len;
	char sum[65];
	int applied;
};

int
migrate_checksum(const char *data, size_t len, char out_hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;

	if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 ||
	    mdlen != 32)
		return (-1);
	hex_encode(md, mdlen, out_hex);
	return (0);
}

/* ^[0-9]{4}_[a-z0-9_]+\.sql$ */
static int
migrate_name_ok(const char *name)
{
	size_t len = strlen(name), i;

	if (len < sizeof("0000_x.sql") - 1 ||
	    strcmp(name + len - 4, ".sql") != 0)
		return (0);
	for (i = 0; i < 4; i++) {
		if (!isdigit((unsigned char)name[i]))
			return (0);
	}
	if (name[4] != '_')
		return (0);
	for (i = 5; i < len - 4; i++) {
		if (!(islower((unsigned char)name[i]) ||
		      isdigit((unsigned char)name[i]) || name[i] == '_'))
			return (0);
	}
	return (1);
}

static int
migrate_cmp(const void *a, const void *b)
{
	const struct migrate_file *fa = a, *fb = b;

	return (strcmp(fa->name, fb->name));
}

static void
migrate_files_free(struct migrate_file *files, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(files[i].name);
		free(files[i].body);
	}
	free(files);
}

/* Reads dir/f->name whole and checksums it. */
static int
migrate_read(const char *dir, struct migrate_file *f, char *err, size_t errlen)
{
	char path[4096];
	struct stat st;
	ssize_t r;
	size_t got = 0;
	int fd = -1, rc = -1;

	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, f->name) >=
	    sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", f->name);
		return (-1);
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1 ||
	    fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto cleanup;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto cleanup;
	}
	f->len = (size_t)st.st_size;
	if ((f->body = malloc(f->len + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto cleanup;
	}
	while (got < f->len) {
		r = read(fd, f->body + got, f->len - got);
		if (r == -1 && errno == EINTR)
			continue;
		if (r <= 0) {
			snprintf(err, errlen, "%s: %s", path,
			         r == 0 ? "changed while read"
			                : strerror(errno));
			goto cleanup;
		}
		got += (size_t)r;
	}
	f->body[f->len] = '\0';
	/* PQexec would silently stop at a NUL byte. */
	if (memchr(f->body, '\0', f->len) != NULL) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		goto cleanup;
	}
	if (migrate_checksum(f->body, f->len, f->sum) == -1) {
		snprintf(err, errlen, "%s: cannot compute checksum", path);
		goto cleanup;
	}
	rc = 0;

cleanup:
	if (fd != -1)
		close(fd);
	return (rc);
}

/* Lists, sorts, reads and checksums dir's *.sql files. */
static int
migrate_load(const char *dir, struct migrate_file **out, size_t *nout,
             char *err, size_t errlen)
{
	struct migrate_file *files = NULL, *nf;
	struct dirent *de;
	size_t n = 0, cap = 0, i, len;
	DIR *d;
	int rc = -1;

	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return (-1);
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		/* Other files (README, .gitkeep) may live beside them. */
		if (len < 4 || strcmp(de->d_name + len - 4, ".sql") != 0)
			continue;
		if (!migrate_name_ok(de->d_name)) {
			snprintf(err, errlen,
			         "%s: migration names must match "
			         "NNNN_lowercase_name.sql",
			         de->d_name);
			goto cleanup;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 16;
			if ((nf = realloc(files, cap * sizeof(*files))) ==
			    NULL) {
				snprintf(err, errlen, "out of memory");
				goto cleanup;
			}
			files = nf;
		}
		memset(&files[n], 0, sizeof(files[n]));
		if ((files[n].name = strdup(de->d_name)) == NULL) {
			snprintf(err, errlen, "out of memory");
			goto cleanup;
		}
		n++;
	}
	if (n > 0)
		qsort(files, n, sizeof(*files), migrate_cmp);
	for (i = 0; i < n; i++) {
		if (migrate_read(dir, &files[i], err, errlen) == -1)
			goto cleanup;
	}
	*out = files;
	*nout = n;
	files = NULL;
	n = 0;
	rc = 0;

cleanup:
	closedir(d);
	migrate_files_free(files, n);
	return (rc);
}

/* PostgreSQL's message on one line: "ERROR:  x\nLINE 3: ..." joined. */
static void
migrate_pg_error(char *err, size_t errlen, const char *what, const char *msg)
{
	char *p;
	size_t len;

	snprintf(err, errlen, "%s: %s", what,
	         msg != NULL && *msg != '\0' ? msg : "unknown error");
	for (p = err; *p != '\0'; p++) {
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	}
	len = strlen(err);
	while (len > 0 && err[len - 1] == ' ')
		err[--len] = '\0';
}

/* Runs one command; 0 if it succeeded, else -1 with err set. */
static int
migrate_exec(PGconn *conn, const char *sql, const char *what, char *err,
             size_t errlen)
{
	PGresult *res;
	ExecStatusType st;
	int rc = 0;

	res = PQexec(conn, sql);
	st = PQresultStatus(res);
	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK &&
	    st != PGRES_EMPTY_QUERY) {
		migrate_pg_error(err, errlen, what,
		                 res != NULL ? PQresultErrorMessage(res)
		                             : PQerrorMessage(conn));
		rc = -1;
	}
	PQclear(res);
	return (rc);
}

static void
migrate_notice(void *arg, const char *msg)
{
	(void)arg;
	/* "relation already exists, skipping" and the like. */
	log_debug("migrate: %.*s", (int)strcspn(msg, "\n"), msg);
}

/* Marks applied files; fails on any whose checksum changed. */
static int
migrate_check_applied(PGconn *conn, struct migrate_file *files, size_t n,
                      char *err, size_t errlen)
{
	PGresult *res;
	const char *name, *sum;
	size_t i;
	int row, rows, rc = -1, found;

	res = PQexec(conn, "SELECT filename, checksum FROM schema_migrations");
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		migrate_pg_error(err, errlen, "schema_migrations",
		                 PQresultErrorMessage(res));
		goto cleanup;
	}
	rows = PQntuples(res);
	for (row = 0; row < rows; row++) {
		name = PQgetvalue(res, row, 0);
		sum = PQgetvalue(res, row, 1);
		found = 0;
		for (i = 0; i < n; i++) {
			if (strcmp(files[i].name, name) != 0)
				continue;
			found = 1;
			if (strcmp(files[i].sum, sum) != 0) {
				snprintf(
				    err, errlen,
				    "%s: changed after it was applied "
				    "(recorded checksum %.12s, file %.12s); "
				    "add a new migration instead",
				    name, sum, files[i].sum);
				goto cleanup;
			}
			files[i].applied = 1;
		}
		if (!found)
			log_warn("migrate: %s is applied but no longer in the "
			         "directory",
			         name);
	}
	rc = 0;

cleanup:
	PQclear(res);
	return (rc);
}

/* BEGIN; body; record; COMMIT.  Rolls back on any failure. */
static int
migrate_apply(PGconn *conn, const struct migrate_file *f, char *err,
              size_t errlen)
{
	const char *params[2];
	PGresult *res = NULL;
	int rc = -1;

	if (migrate_exec(conn, "BEGIN", f->name, err, errlen) == -1)
		return (-1);
	if (migrate_exec(conn, f->body, f->name, err, errlen) == -1)
		goto cleanup;
	/* A COMMIT inside the file would record it outside our atomicity. */
	if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
		snprintf(err, errlen,
		         "%s: must not end the transaction itself "
		         "(no BEGIN/COMMIT in migrations)",
		         f->name);
		goto cleanup;
	}
	params[0] = f->name;
	params[1] = f->sum;
	res = PQexecParams(conn,
	                   "INSERT INTO schema_migrations (filename, checksum) "
	                   "VALUES ($1, $2)",
	                   2, NULL, params, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		migrate_pg_error(err, errlen, f->name,
		                 PQresultErrorMessage(res));
		goto cleanup;
	}
	if (migrate_exec(conn, "COMMIT", f->name, err, errlen) == -1)
		goto cleanup;
	rc = 0;

cleanup:
	PQclear(res);
	if (rc == -1 && PQtransactionStatus(conn) != PQTRANS_IDLE) {
		/* err already holds the cause; a failed ROLLBACK adds none. */
		PQclear(PQexec(conn, "ROLLBACK"));
	}
	return (rc);
}

int
migrate_run(const char *conninfo, const char *dir, char *err, size_t errlen)
{
	struct migrate_file *files = NULL;
	PGconn *conn = NULL;
	size_t n = 0, i, applied = 0;
	int rc = -1;

	if (errlen > 0)
		err[0] = '\0';
	if (migrate_load(dir, &files, &n, err, errlen) == -1)
		goto cleanup;
	conn = PQconnectdb(conninfo);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		migrate_pg_error(err, errlen, "cannot connect",
		                 conn != NULL ? PQerrorMessage(conn)
		                              : "out of memory");
		goto cleanup;
	}
	PQsetNoticeProcessor(conn, migrate_notice, NULL);
	if (migrate_exec(conn, MIGRATE_LOCK_SQL, "advisory lock", err,
	                 errlen) == -1)
		goto cleanup;
	if (migrate_exec(conn, MIGRATE_TABLE_SQL, "schema_migrations", err,
	                 errlen) == -1)
		goto cleanup;
	if (migrate_check_applied(conn, files, n, err, errlen) == -1)
		goto cleanup;
	for (i = 0; i < n; i++) {
		if (files[i].applied)
			continue;
		if (migrate_apply(conn, &files[i], err, errlen) == -1)
			goto cleanup;
		log_info("migrate: applied %s", files[i].name);
		applied++;
	}
	log_info("migrate: %zu applied, %zu already up to date", applied,
	         n - applied);
	rc = 0;

cleanup:
	/* Closing the session releases the advisory lock. */
	if (conn != NULL)
		PQfinish(conn);
	migrate_files_free(files, n);
	return (rc);
}
