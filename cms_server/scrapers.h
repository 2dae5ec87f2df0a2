/*
 * The CMS Scrapers page's server side (SPEC sections 7 and 8; contract
 * in docs/scraper-jobs.md): the spiders with their last job, starting a
 * job (a queued row, then `lifted-scraper run SPIDER --job ID` as a
 * detached process), a job's progress and log, cancelling, and the
 * refreshes of published courses a re-scrape proposed.
 */
#ifndef LIFTED_CMS_SCRAPERS_H
#define LIFTED_CMS_SCRAPERS_H

struct worker;

/* Adds the routes under /cms/api/scrapers.  The session gate and the
 * worker's service (router, thread pool) must be set up.  0 or -1. */
int cms_scrapers_mount(struct worker *w);

#endif
