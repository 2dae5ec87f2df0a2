/*
 * A scrape run as a job (docs/scraper-jobs.md): `lifted-scraper run
 * SPIDER [--job ID]` records the run in the CMS database as the scraper
 * role, keeps its lease, logs to the job, stops when staff cancel it,
 * and writes the items the way SPEC section 8 says.
 */
#ifndef LIFTED_SCRAPER_JOB_H
#define LIFTED_SCRAPER_JOB_H

struct settings;
struct spider;

/*
 * Runs sp as a job.  argv holds the words after "run": argv[0] is the
 * spider's name (the job's spider column), then options; only
 * "--job ID" is read here (take the queued job ID the CMS made instead
 * of inserting one); other words are ignored.  Connects to
 * settings->scraper_database_url only.  Returns the process exit status:
 * 0 when the job succeeded, 1 when it failed or was cancelled, 2 on a
 * usage or connection error before a job existed (reason on stderr).
 */
int scraper_job_run(const struct spider *sp, const struct settings *settings,
                    int argc, char **argv);

#endif
