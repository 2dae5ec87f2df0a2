-- 0005_scraper_jobs: scraper jobs, their log lines, and refreshes of
-- published courses proposed by a re-scrape (SPEC sections 7, 8;
-- docs/scraper-jobs.md).
--
-- A job is started by staff (the CMS inserts it 'queued' and spawns
-- `lifted-scraper run SPIDER --job ID`) or by an operator running the
-- scraper by hand (it inserts its own row).  The scraper connects as the
-- `scraper` role and may only read and update job rows, add log lines
-- and proposals, and write scraped_courses: it never sees staff tables.
--
-- Liveness is a lease, not a pid: the running scraper pushes lease_until
-- forward every few seconds; a queued or running job whose lease has
-- passed belongs to a process that died (or was never started) and is
-- marked failed by the next scraper start and by the CMS when it lists
-- jobs, so a crash never blocks its spider for long.

CREATE TABLE scraper_jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    spider           text NOT NULL CHECK (spider ~ '^[a-z0-9_]{1,64}$'),
    state            text NOT NULL DEFAULT 'queued'
        CHECK (state IN ('queued', 'running', 'succeeded', 'failed',
                         'cancelled')),
    found            integer NOT NULL DEFAULT 0 CHECK (found >= 0),
    inserted         integer NOT NULL DEFAULT 0 CHECK (inserted >= 0),
    updated          integer NOT NULL DEFAULT 0 CHECK (updated >= 0),
    removed          integer NOT NULL DEFAULT 0 CHECK (removed >= 0),
    skipped          integer NOT NULL DEFAULT 0 CHECK (skipped >= 0),
    errors           integer NOT NULL DEFAULT 0 CHECK (errors >= 0),
    proposed         integer NOT NULL DEFAULT 0 CHECK (proposed >= 0),
    -- NULL: started from the command line.
    created_by       bigint REFERENCES users (id) ON DELETE SET NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    ended_at         timestamptz,
    lease_until      timestamptz NOT NULL DEFAULT now() + interval '30 s',
    cancel_requested boolean NOT NULL DEFAULT false,
    pid              integer,
    error            text CHECK (length(error) <= 2000),
    CHECK ((state IN ('queued', 'running')) = (ended_at IS NULL)),
    CHECK (state IN ('queued', 'failed', 'cancelled')
           OR started_at IS NOT NULL)
);
-- One live job per spider, whoever starts it: a second start fails on
-- this index (the CMS answers 409).
CREATE UNIQUE INDEX scraper_jobs_live_key ON scraper_jobs (spider)
    WHERE state IN ('queued', 'running');
CREATE INDEX scraper_jobs_spider_idx ON scraper_jobs (spider, id);

-- n numbers a job's lines from 1; the CHECK bounds a job's log, so a
-- runaway spider cannot fill the database (the scraper stops logging at
-- the bound and says so in the last line).
CREATE TABLE scraper_job_log (
    job_id  bigint NOT NULL REFERENCES scraper_jobs (id) ON DELETE CASCADE,
    n       integer NOT NULL CHECK (n BETWEEN 1 AND 5000),
    at      timestamptz NOT NULL DEFAULT now(),
    level   text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
    message text NOT NULL CHECK (length(message) <= 2000),
    PRIMARY KEY (job_id, n)
);

-- What a re-scrape found for a course that is already published: the
-- CMS applies it to the App (as cms_publisher, audited, with NOTIFY) or
-- staff dismiss it.  proposed holds name, dates, cpd_state, cpd_points
-- and level (a level name; the App's id is looked up when applied).  The
-- same proposal twice is one row (ON CONFLICT DO NOTHING needs only
-- INSERT, so the scraper needs no SELECT here).
CREATE TABLE scraper_proposals (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id            bigint REFERENCES scraper_jobs (id) ON DELETE SET NULL,
    scraped_course_id bigint NOT NULL
        REFERENCES scraped_courses (id) ON DELETE CASCADE,
    app_course_id     bigint NOT NULL,
    proposed          jsonb NOT NULL CHECK (jsonb_typeof(proposed) = 'object'),
    state             text NOT NULL DEFAULT 'proposed'
        CHECK (state IN ('proposed', 'applied', 'dismissed')),
    created_at        timestamptz NOT NULL DEFAULT now(),
    decided_at        timestamptz,
    decided_by        bigint REFERENCES users (id) ON DELETE SET NULL,
    CHECK ((state = 'proposed') = (decided_at IS NULL))
);
CREATE UNIQUE INDEX scraper_proposals_open_key
    ON scraper_proposals (scraped_course_id, md5(proposed::text))
    WHERE state = 'proposed';

-- On scraped rows: the job that last saw the row (a successful run
-- removes the spider's untouched rows it did not see), the level as the
-- source named it (the App's level id is staff's choice), and, per
-- staff-edited field, the different value the scraper found (kept for
-- review instead of overwriting the edit).
ALTER TABLE scraped_courses
    ADD COLUMN seen_job_id bigint,
    ADD COLUMN scraped_level text,
    ADD COLUMN scraped_changes jsonb NOT NULL DEFAULT '{}'
        CHECK (jsonb_typeof(scraped_changes) = 'object');

-- The scraper's rights, and nothing else (SPEC section 2).  INSERT on
-- jobs only for the columns a command-line run sets on its own row.
GRANT SELECT, UPDATE ON scraper_jobs TO scraper;
GRANT INSERT (spider, state, started_at, lease_until, pid)
    ON scraper_jobs TO scraper;
GRANT INSERT ON scraper_job_log TO scraper;
GRANT INSERT ON scraper_proposals TO scraper;
