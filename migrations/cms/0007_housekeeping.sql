-- 0007_housekeeping: the schedule of the CMS's own housekeeping (SPEC
-- section 9: expired sessions, old job logs, stale uploads; no cron) and
-- the indexes its bounded deletes need (docs/housekeeping.md).
--
-- One row per task; the task's code lives in cms_server/housekeeping.c,
-- which knows exactly these names.  Every CMS worker looks for due rows
-- on a timer and claims one with a single UPDATE (next_run_at moves
-- forward, running_until is set), so of any number of CMS processes
-- exactly one runs a task at a time.  running_until is a lease: a worker
-- that dies mid-run leaves it to expire, and the task is run again.
-- runs numbers the claims, so a run whose lease expired cannot clear the
-- lease of the run that took over.
--
-- keep_s, per task:
--   sessions        extra time an expired session is kept (expiry itself
--                   is LIFTED_SESSION_IDLE_S / LIFTED_SESSION_MAX_S and
--                   300 s for a login waiting for its second factor)
--   login_attempts  age after which an attempt goes; throttling reads the
--                   last 15 minutes, so at least 900
--   job_logs        age after which a finished job's log line goes
--   uploads         grace after an upload was detached (or, never
--                   linked, created) before its object and row go
--   stray_objects   age (last-modified) after which a stored object
--                   under brochure/ or logo/ with no uploads row at all
--                   goes (a crash between storage_put and the insert);
--                   at least an hour, so an upload in progress is never
--                   taken for one
--
-- Staff read and trigger tasks through /cms/api/housekeeping; the
-- schedule itself is changed here, in SQL, by an operator.

CREATE TABLE housekeeping_tasks (
    name          text PRIMARY KEY
        CHECK (name IN ('sessions', 'login_attempts', 'job_logs',
                        'uploads', 'stray_objects')),
    enabled       boolean NOT NULL DEFAULT true,
    interval_s    integer NOT NULL CHECK (interval_s BETWEEN 1 AND 31536000),
    keep_s        integer NOT NULL CHECK (keep_s BETWEEN 0 AND 315360000),
    next_run_at   timestamptz NOT NULL DEFAULT now(),
    last_run_at   timestamptz,
    running_until timestamptz,
    runs          bigint NOT NULL DEFAULT 0 CHECK (runs >= 0),
    last_result   jsonb CHECK (jsonb_typeof(last_result) = 'object'),
    CHECK (name <> 'login_attempts' OR keep_s >= 900),
    CHECK (name <> 'stray_objects' OR keep_s >= 3600)
);

-- The first run of each comes one interval after the migration (a few
-- minutes apart), never in the first minutes of a new stack, whose tests
-- count audit rows.
INSERT INTO housekeeping_tasks (name, interval_s, keep_s, next_run_at) VALUES
    ('sessions', 3600, 0, now() + interval '1 hour'),
    ('login_attempts', 3600, 86400, now() + interval '62 minutes'),
    ('job_logs', 86400, 7776000, now() + interval '1 day 4 minutes'),
    ('uploads', 3600, 86400, now() + interval '66 minutes'),
    ('stray_objects', 86400, 86400, now() + interval '1 day 8 minutes');

-- Each delete takes at most a batch of rows found through these, so a
-- large backlog is removed in short statements, never one long lock.
CREATE INDEX login_attempts_at_idx ON login_attempts (at);
CREATE INDEX scraper_job_log_at_idx ON scraper_job_log (at);
CREATE INDEX sessions_last_seen_idx ON sessions (last_seen_at);
CREATE INDEX sessions_created_idx ON sessions (created_at);
