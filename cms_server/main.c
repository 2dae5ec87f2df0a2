/*
 * lifted-cms: the staff CMS (SPEC sections 1, 2, 7).
 *
 *   lifted-cms serve            serve the CMS
 *   lifted-cms migrate          migrate the CMS database (never the App's:
 *                               the CMS runs no DDL there)
 *   lifted-cms print-settings   every setting at its default
 *   lifted-cms createsuperuser --username NAME [--password-file F]
 *                               a staff account with every permission
 *   lifted-cms storage put|get|list|delete ...
 *                               the storage backend from the command line
 *                               (storage_cmd.c)
 *
 * Everything the CMS serves is behind its login (cms_server/session.c):
 * its own API under /cms/api/, and the App's routes and pages (the
 * mirror, SPEC section 7), answered from the App database through the
 * cms_publisher pool.
 * The CMS router holds two pools: its own database (as owner) and the App
 * database as cms_publisher, reached over the restricted port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "app_api.h"
#include "cli.h"
#include "courses.h"
#include "housekeeping.h"
#include "http.h"
#include "import.h"
#include "log.h"
#include "router.h"
#include "scrapers.h"
#include "server.h"
#include "service.h"
#include "session.h"
#include "settings.h"
#include "storage_cmd.h"
#include "uploads.h"
#include "users_cmd.h"

#ifdef LIFTED_TESTING
#include "../tests/server/test_routes.h"
#endif

static struct settings settings;

static int
cms_worker_init(struct worker *w)
{
	struct router_config rc;

	memset(&rc, 0, sizeof(rc));
	rc.app_url = settings.cms_app_database_url;
	rc.cms_url = settings.cms_database_url;
	rc.pool_size = settings.db_pool_size;
	rc.queue_max = settings.db_queue_max;
	if (service_init(w, &rc, "cms.ping") != 0)
		return (-1);
#ifdef LIFTED_TESTING
	if (test_routes_mount(w) != 0)
		return (-1);
#endif
	if (cms_session_init(w, &settings) != 0)
		return (-1);
	if (cms_admin_mount(w) != 0)
		return (-1);
	if (cms_courses_mount(w) != 0)
		return (-1);
	/* Uploads, and /media/ (signed URLs, outside the session). */
	if (cms_uploads_mount(w) != 0)
		return (-1);
	if (cms_import_mount(w) != 0)
		return (-1);
	if (cms_scrapers_mount(w) != 0)
		return (-1);
	if (cms_housekeeping_init(w) != 0)
		return (-1);
	/* The App mirror: its routes, its cache, read as cms_publisher. */
	if (app_api_mount_with(w, settings.cms_app_database_url) != 0)
		return (-1);
	return (0);
}

static void
cms_worker_fini(struct worker *w)
{
	cms_courses_fini(w);
	cms_housekeeping_fini(w);
	app_api_fini(w);
	service_fini(w);
	cms_uploads_fini(w); /* after the task pool: no upload is running */
}

static void
usage(void)
{
	fprintf(stderr,
	        "usage: lifted-cms serve | migrate | "
	        "print-settings |\n"
	        "       createsuperuser --username NAME [--password-file F] |\n"
	        "       storage put KEY FILE [CONTENT-TYPE] |\n"
	        "       storage get [--max BYTES] KEY FILE | storage list "
	        "[PREFIX] |\n"
	        "       storage delete KEY\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct server_config sc;
	int rc;

	if (argc < 2 || (argc != 2 && strcmp(argv[1], "createsuperuser") != 0 &&
	                 strcmp(argv[1], "storage") != 0))
		usage();
	if (strcmp(argv[1], "print-settings") == 0) {
		settings_print_defaults(stdout);
		return (0);
	}
	cli_settings(&settings, "cms");
	if (strcmp(argv[1], "migrate") == 0) {
		cli_require(settings.cms_database_url,
		            "LIFTED_CMS_DATABASE_URL");
		rc = cli_migrate(&settings, settings.cms_database_url, "cms");
	} else if (strcmp(argv[1], "createsuperuser") == 0) {
		cli_require(settings.cms_database_url,
		            "LIFTED_CMS_DATABASE_URL");
		rc = users_cmd_createsuperuser(&settings, argc - 2, argv + 2);
	} else if (strcmp(argv[1], "storage") == 0) {
		rc = storage_cmd_run(&settings, argc - 2, argv + 2);
	} else if (strcmp(argv[1], "serve") == 0) {
		cli_require(settings.cms_database_url,
		            "LIFTED_CMS_DATABASE_URL");
		cli_require(settings.cms_app_database_url,
		            "LIFTED_CMS_APP_DATABASE_URL");
		cli_require(settings.secret_key, "LIFTED_SECRET_KEY");
		/* Uploads are raw bodies up to LIFTED_UPLOAD_MAX_BYTES: the
		 * connection guard lets them in; JSON bodies keep their own
		 * limit (cms_json_body). */
		settings.json_max_body_bytes = settings.max_body_bytes;
		if (settings.upload_max_bytes > settings.max_body_bytes)
			settings.max_body_bytes = settings.upload_max_bytes;
		memset(&sc, 0, sizeof(sc));
		sc.proc = "cms";
		sc.listen = settings.cms_listen;
		sc.settings = &settings;
		sc.worker_init = cms_worker_init;
		sc.worker_fini = cms_worker_fini;
		rc = server_run(&sc);
	} else
		usage();
	settings_free(&settings);
	return (rc);
}
