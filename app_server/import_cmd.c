/*
 * `lifted-app import-framework DIR [--check] [--strict]`: reads the
 * sheet set in DIR, prints the report (one "sheet:row:column: error|
 * warning: message" line each, then counts), and unless --check or an
 * error, replaces the framework in the App database as its owner
 * (LIFTED_APP_ADMIN_DATABASE_URL), in one transaction.  The work is done
 * by shared/framework.c, which the CMS's upload page uses too.
 */
#include <stdio.h>
#include <string.h>

#include <libpq-fe.h>

#include "cli.h"
#include "framework.h"
#include "import_cmd.h"

static int
import_usage(void)
{
	fprintf(
	    stderr,
	    "usage: lifted-app import-framework DIR [--check] [--strict]\n");
	return (2);
}

int
import_cmd(const struct settings *s, int argc, char **argv)
{
	struct framework *fw = NULL;
	PGconn *conn = NULL;
	const char *dir = NULL;
	char err[1024];
	int check = 0, strict = 0, i, rc = 1;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--check") == 0)
			check = 1;
		else if (strcmp(argv[i], "--strict") == 0)
			strict = 1;
		else if (argv[i][0] == '-' || dir != NULL)
			return (import_usage());
		else
			dir = argv[i];
	}
	if (dir == NULL)
		return (import_usage());
	if (!check)
		cli_require(s->app_admin_database_url,
		            "LIFTED_APP_ADMIN_DATABASE_URL");
	if ((fw = framework_new()) == NULL) {
		fprintf(stderr, "import-framework: out of memory\n");
		return (1);
	}
	framework_read_dir(fw, dir);
	framework_validate(fw, strict);
	framework_print_report(fw, stdout);
	fflush(stdout);
	if (framework_nerrors(fw) > 0) {
		fprintf(stderr,
		        "import-framework: refused: %zu error%s; the database "
		        "was not changed\n",
		        framework_nerrors(fw),
		        framework_nerrors(fw) == 1 ? "" : "s");
		goto cleanup;
	}
	if (check) {
		printf("check only: nothing applied\n");
		rc = 0;
		goto cleanup;
	}
	conn = PQconnectdb(s->app_admin_database_url);
	if (PQstatus(conn) != CONNECTION_OK) {
		/* libpq's message never holds the password. */
		fprintf(stderr, "import-framework: cannot connect: %s",
		        PQerrorMessage(conn));
		goto cleanup;
	}
	if (framework_apply(fw, conn, s->time_zone, err, sizeof(err)) != 0) {
		fprintf(stderr,
		        "import-framework: not applied (rolled back): %s\n",
		        err);
		goto cleanup;
	}
	printf("applied\n");
	rc = 0;
cleanup:
	if (conn != NULL)
		PQfinish(conn);
	framework_free(fw);
	return (rc);
}
