/*
 * lifted-cms createsuperuser --username NAME [--password-file F]
 *
 * Blocking libpq is right here: this is a command, not a server loop.
 * The password comes from a file (first line) or is asked twice on the
 * terminal without echo; it is never an argument, so it never shows up
 * in ps or shell history.  Everything happens in one transaction: the
 * user, the "administrators" group holding every permission (code checks
 * permissions, so this is a group like any other), the membership and
 * the audit row.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include <libpq-fe.h>
#include <openssl/crypto.h>

#include "session.h"
#include "settings.h"
#include "sql.h"
#include "users_cmd.h"

#define ADMIN_GROUP "administrators"
#define PW_MIN      12
#define PW_MAX      256

static int
read_line(FILE *f, char *buf, size_t len)
{
	size_t n;

	if (fgets(buf, (int)len, f) == NULL)
		return (-1);
	n = strcspn(buf, "\r\n");
	if (buf[n] == '\0' && n == len - 1)
		return (-1); /* longer than the buffer */
	buf[n] = '\0';
	return (0);
}

static int
prompt(const char *what, char *buf, size_t len)
{
	struct termios old, quiet;
	FILE *tty;
	int rc;

	if ((tty = fopen("/dev/tty", "r+")) == NULL) {
		fprintf(stderr, "createsuperuser: no terminal; use "
		                "--password-file\n");
		return (-1);
	}
	fprintf(tty, "%s: ", what);
	fflush(tty);
	tcgetattr(fileno(tty), &old);
	quiet = old;
	quiet.c_lflag &= ~(tcflag_t)ECHO;
	tcsetattr(fileno(tty), TCSAFLUSH, &quiet);
	rc = read_line(tty, buf, len);
	tcsetattr(fileno(tty), TCSAFLUSH, &old);
	fprintf(tty, "\n");
	fclose(tty);
	return (rc);
}

/* Runs a statement of sql_stmts[] (by name) and checks its status. */
static PGresult *
run(PGconn *c, const char *name, int n, const char *const *vals)
{
	const struct sql_stmt *st = sql_find(name);
	PGresult *r;
	ExecStatusType t;

	if (st == NULL)
		return (NULL);
	r = PQexecParams(c, st->sql, n, NULL, vals, NULL, NULL, 0);
	t = PQresultStatus(r);
	if (t != PGRES_TUPLES_OK && t != PGRES_COMMAND_OK) {
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);

		if (state != NULL && strcmp(state, "23505") == 0)
			fprintf(stderr, "createsuperuser: that user exists\n");
		else if (state != NULL && strcmp(state, "23514") == 0)
			fprintf(stderr,
			        "createsuperuser: invalid username "
			        "(letters, digits, ._@-; at most 64)\n");
		else
			fprintf(stderr, "createsuperuser: %s",
			        PQerrorMessage(c));
		PQclear(r);
		return (NULL);
	}
	return (r);
}

int
users_cmd_createsuperuser(const struct settings *s, int argc, char **argv)
{
	char pw[PW_MAX + 2], again[PW_MAX + 2], hash[256];
	const char *user = NULL, *file = NULL, *vals[9];
	char uid[24], gid[24], *after = NULL;
	PGconn *c = NULL;
	PGresult *r = NULL;
	FILE *f;
	int i, rc = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--username") == 0 && i + 1 < argc)
			user = argv[++i];
		else if (strcmp(argv[i], "--password-file") == 0 &&
		         i + 1 < argc)
			file = argv[++i];
		else {
			fprintf(stderr,
			        "usage: lifted-cms createsuperuser "
			        "--username NAME [--password-file F]\n");
			return (2);
		}
	}
	if (user == NULL) {
		fprintf(stderr, "createsuperuser: --username is required\n");
		return (2);
	}
	if (file != NULL) {
		if ((f = fopen(file, "r")) == NULL) {
			fprintf(stderr, "createsuperuser: %s: %s\n", file,
			        strerror(errno));
			return (1);
		}
		i = read_line(f, pw, sizeof(pw));
		fclose(f);
		if (i != 0) {
			fprintf(stderr,
			        "createsuperuser: cannot read a "
			        "password from %s\n",
			        file);
			return (1);
		}
	} else {
		if (prompt("Password", pw, sizeof(pw)) != 0 ||
		    prompt("Password (again)", again, sizeof(again)) != 0)
			goto cleanup;
		if (strcmp(pw, again) != 0) {
			fprintf(stderr, "createsuperuser: the passwords "
			                "differ\n");
			goto cleanup;
		}
	}
	if (strlen(pw) < PW_MIN || strlen(pw) > PW_MAX) {
		fprintf(stderr,
		        "createsuperuser: the password must have "
		        "%d to %d bytes\n",
		        PW_MIN, PW_MAX);
		goto cleanup;
	}
	if (cms_password_hash_sync(s, pw, hash, sizeof(hash)) != 0) {
		fprintf(stderr, "createsuperuser: hashing failed\n");
		goto cleanup;
	}
	c = PQconnectdb(s->cms_database_url);
	if (PQstatus(c) != CONNECTION_OK) {
		fprintf(stderr, "createsuperuser: %s", PQerrorMessage(c));
		goto cleanup;
	}
	PQclear(PQexec(c, "BEGIN"));
	vals[0] = user;
	vals[1] = hash;
	if ((r = run(c, "auth.cli_user_create", 2, vals)) == NULL)
		goto cleanup;
	snprintf(uid, sizeof(uid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	vals[0] = ADMIN_GROUP;
	if ((r = run(c, "auth.cli_admin_group", 1, vals)) == NULL)
		goto cleanup;
	snprintf(gid, sizeof(gid), "%s", PQgetvalue(r, 0, 0));
	PQclear(r);
	vals[0] = gid;
	if ((r = run(c, "auth.cli_group_grant_all", 1, vals)) == NULL)
		goto cleanup;
	PQclear(r);
	vals[0] = uid;
	vals[1] = gid;
	if ((r = run(c, "auth.cli_user_group", 2, vals)) == NULL)
		goto cleanup;
	PQclear(r);
	{
		cJSON *o = cJSON_CreateObject(), *g;

		cJSON_AddStringToObject(o, "username", user);
		g = cJSON_AddArrayToObject(o, "groups");
		cJSON_AddItemToArray(g, cJSON_CreateString(ADMIN_GROUP));
		after = cJSON_PrintUnformatted(o);
		cJSON_Delete(o);
	}
	vals[0] = NULL;
	vals[1] = "(cli)";
	vals[2] = "user.create";
	vals[3] = "user";
	vals[4] = uid;
	vals[5] = NULL;
	vals[6] = after;
	vals[7] = NULL;
	vals[8] = "lifted-cms createsuperuser";
	if ((r = run(c, "auth.audit_insert", 9, vals)) == NULL)
		goto cleanup;
	PQclear(r);
	r = PQexec(c, "COMMIT");
	if (PQresultStatus(r) != PGRES_COMMAND_OK) {
		fprintf(stderr, "createsuperuser: %s", PQerrorMessage(c));
		goto cleanup;
	}
	printf("created user %s (id %s) in group %s\n", user, uid, ADMIN_GROUP);
	rc = 0;
cleanup:
	if (r != NULL)
		PQclear(r);
	free(after);
	if (c != NULL)
		PQfinish(c);
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(again, sizeof(again));
	return (rc);
}
