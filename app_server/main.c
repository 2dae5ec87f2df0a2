/*
 * lifted-app: the public App (SPEC sections 1, 5, 6).
 *
 *   lifted-app serve            serve the App (read-only, as app_reader)
 *   lifted-app migrate          migrate the App database (as its owner)
 *   lifted-app import-framework DIR [--check] [--strict]
 *                               replace the framework (as the owner)
 *   lifted-app print-settings   every setting at its default
 *
 * The App has no CMS credentials at all: its router knows only the App
 * database (and optionally a replica).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app_api.h"
#include "app_cache.h"
#include "cli.h"
#include "http.h"
#include "import_cmd.h"
#include "log.h"
#include "media_url.h"
#include "router.h"
#include "server.h"
#include "service.h"
#include "settings.h"

#ifdef LIFTED_TESTING
#include "../tests/server/test_routes.h"
#endif

static struct settings settings;

/* Ready once the framework and courses are in this worker's memory. */
static int
app_worker_loaded(void)
{
	return (app_cache_get() != NULL);
}

static int
app_worker_init(struct worker *w)
{
	struct router_config rc;

	memset(&rc, 0, sizeof(rc));
	rc.app_url = settings.app_database_url;
	rc.app_replica_url = settings.app_replica_url;
	rc.pool_size = settings.db_pool_size;
	rc.queue_max = settings.db_queue_max;
	if (service_init(w, &rc, "app.ping") != 0)
		return (-1);
#ifdef LIFTED_TESTING
	if (test_routes_mount(w) != 0)
		return (-1);
#endif
	/* Media links (before the cache renders courses) and their
	 * redirects. */
	if (media_url_init(&settings, 0) != 0 ||
	    media_url_mount_course_route(w->http) != 0)
		return (-1);
	/* The framework and course API, answered from the worker's cache. */
	if (app_api_mount(w) != 0)
		return (-1);
	service_get()->ready = app_worker_loaded;
	/* Accept connections (and let SIGHUP retire the old worker) only
	 * once this worker can answer from its cache (server.h). */
	app_cache_on_load(server_worker_ready);
	return (0);
}

static void
app_worker_fini(struct worker *w)
{
	app_api_fini(w);
	service_fini(w);
	media_url_fini();
}

static void
usage(void)
{
	fprintf(stderr, "usage: lifted-app serve | migrate | "
	                "print-settings |\n"
	                "       import-framework DIR [--check] [--strict]\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	struct server_config sc;
	int rc;

	if (argc < 2 || (argc != 2 && strcmp(argv[1], "import-framework") != 0))
		usage();
	if (strcmp(argv[1], "print-settings") == 0) {
		settings_print_defaults(stdout);
		return (0);
	}
	cli_settings(&settings, "app");
	if (strcmp(argv[1], "migrate") == 0) {
		cli_require(settings.app_admin_database_url,
		            "LIFTED_APP_ADMIN_DATABASE_URL");
		rc = cli_migrate(&settings, settings.app_admin_database_url,
		                 "app");
	} else if (strcmp(argv[1], "import-framework") == 0) {
		rc = import_cmd(&settings, argc - 2, argv + 2);
	} else if (strcmp(argv[1], "serve") == 0) {
		cli_require(settings.app_database_url,
		            "LIFTED_APP_DATABASE_URL");
		memset(&sc, 0, sizeof(sc));
		sc.proc = "app";
		sc.listen = settings.app_listen;
		sc.settings = &settings;
		sc.worker_init = app_worker_init;
		sc.worker_fini = app_worker_fini;
		sc.defer_ready = 1;
		rc = server_run(&sc);
	} else
		usage();
	settings_free(&settings);
	return (rc);
}
