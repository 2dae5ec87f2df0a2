/*
 * Scheduled housekeeping inside the CMS (SPEC section 9; no cron):
 * expired sessions, old login attempts, old scraper job log lines,
 * orphaned uploads (their stored object, then their row) and stored
 * objects no upload row names are removed on a schedule kept in the CMS
 * database (housekeeping_tasks, migration 0007); each run writes one
 * audit row and the task's last_result.
 *
 * Every worker looks for due tasks every LIFTED_HOUSEKEEPING_TICK_S; a
 * task is claimed by one UPDATE, so whatever the number of workers and
 * CMS processes, one of them runs it.  Deletes go in bounded batches on
 * the worker's asynchronous pool; storage deletes run on its task pool.
 * Contract and routes: docs/housekeeping.md.
 */
#ifndef LIFTED_CMS_HOUSEKEEPING_H
#define LIFTED_CMS_HOUSEKEEPING_H

struct worker;

/* Mounts GET /cms/api/housekeeping and POST
 * /cms/api/housekeeping/<task>/run (behind the session gate, which must
 * be installed on the same server) and starts the worker's timer.  Opens
 * the worker's storage for the uploads task (a storage that cannot be
 * opened is logged; that task then fails each run, the others go on).
 * 0 or -1 (logged). */
int cms_housekeeping_init(struct worker *w);

/* Stops the timer; runs still in flight are abandoned (their leases
 * expire) and freed as their callbacks come back.  Call before
 * service_fini. */
void cms_housekeeping_fini(struct worker *w);

#endif
