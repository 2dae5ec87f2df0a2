-- 0004_import: the framework-import page's staging area (SPEC section 7,
-- docs/cms-import.md).  Each staff user uploads the framework sheets one
-- file per request; a sheet stays here until the user uploads it again
-- (replaced), applies the import or discards the set (cleared), or the
-- row is older than a day (cleared at another user's next upload, so
-- abandoned uploads do not pile up).  The files are small (the real
-- LIFTED .ods files are under 50 KiB each); the server caps each at
-- 512 KiB and a user's set at 2 MiB (cms_server/import.c); the CHECK
-- below is the last line.
--
-- Owned and used by the CMS database owner (lifted-cms serves as it);
-- the scraper role gets nothing here.

CREATE TABLE import_uploads (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    owner_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    sheet      text NOT NULL CHECK (sheet IN ('verticals', 'competencies',
        'job_roles', 'tech_roles', 'tech_competencies', 'needs', 'levels',
        'formats', 'courses')),
    format     text NOT NULL CHECK (format IN ('ods', 'csv')),
    data       bytea NOT NULL CHECK (octet_length(data) <= 524288),
    created_at timestamptz NOT NULL DEFAULT now(),
    UNIQUE (owner_id, sheet)
);
