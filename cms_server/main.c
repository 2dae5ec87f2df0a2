/*
 * lifted-cms: the staff CMS (SPEC sections 1, 2, 7).
 *
 *   lifted-cms serve            serve the CMS
 *   lifted-cms migrate          migrate the CMS database (never the App's:
 *                               the CMS runs no DDL there)
 *   lifted-cms print-settings   every setting at its default
 *
 * The CMS router holds two pools: its own database (as owner) and the App
 * database as cms_publisher, reached over the restricted port.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http.h"
#include "log.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "settings.h"

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
	return (0);
}

static void
usage(void)
{
	fprintf(stderr, "usage: lifted-cms serve | migrate | "
	    "print-settings\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct server_config sc;
	int rc;

	if (argc != 2)
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
	} else if (strcmp(argv[1], "serve") == 0) {
		cli_require(settings.cms_database_url,
		    "LIFTED_CMS_DATABASE_URL");
		cli_require(settings.cms_app_database_url,
		    "LIFTED_CMS_APP_DATABASE_URL");
		cli_require(settings.secret_key, "LIFTED_SECRET_KEY");
		memset(&sc, 0, sizeof(sc));
		sc.proc = "cms";
		sc.listen = settings.cms_listen;
		sc.settings = &settings;
		sc.worker_init = cms_worker_init;
		sc.worker_fini = service_fini;
		rc = server_run(&sc);
	} else
		usage();
	settings_free(&settings);
	return (rc);
}
