-- 0002_framework: the competency framework and the published courses
-- (SPEC sections 4 and 5). Loaded and replaced by `lifted-app
-- import-framework` (shared/framework.c); see docs/framework.md.
--
-- Id rules (they must survive a re-import, so links and bookmarks keep
-- working; the importer assigns them, never a sequence):
--   verticals.id            1.. in verticals-sheet order
--   vertical_categories.id  1.. global, in sheet order across all
--                           verticals; "key" is the sheet's Category key,
--                           which restarts per vertical
--   competency_categories   1.. in order of first appearance (vertical,
--                           name) in the competencies sheet
--   specialisms.id          1.. in order of first appearance (vertical,
--                           name): competencies sheet, then job_roles
--   competencies.id         the sheet's ID column
--   job_roles.id            1.. in sheet order
--   tech_roles.id           0.. in sheet order
--   tech_competencies.id    the sheet's ID column
--   needs, levels, formats  1.. in sheet order
-- Courses use a bigserial id; source_ref (unique) is what makes publishing
-- and sample loading idempotent.
--
-- Secondary unique constraints are DEFERRABLE so that a re-import may
-- upsert rows by id in any order (two categories swapping keys) and is
-- checked as a whole at commit.

CREATE TABLE verticals (
    id          integer PRIMARY KEY CHECK (id > 0),
    name        text NOT NULL CHECK (name <> ''),
    option_text text NOT NULL CHECK (option_text <> ''),
    CONSTRAINT verticals_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE vertical_categories (
    id            integer PRIMARY KEY CHECK (id > 0),
    vertical_id   integer NOT NULL REFERENCES verticals (id),
    key           integer NOT NULL CHECK (key > 0),
    title         text NOT NULL CHECK (title <> ''),
    option_text   text NOT NULL CHECK (option_text <> ''),
    -- Title "Specialisms": scored per specialism, not offered in /qns.
    is_specialism boolean NOT NULL DEFAULT false,
    CONSTRAINT vertical_categories_key_key UNIQUE (vertical_id, key)
        DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT vertical_categories_title_key UNIQUE (vertical_id, title)
        DEFERRABLE INITIALLY DEFERRED
);
CREATE INDEX vertical_categories_vertical_idx
    ON vertical_categories (vertical_id);

-- The category names competencies are filed under. Usually one of the
-- vertical's categories (same title); when none matches (a warning at
-- import) vertical_category_id is NULL and those competencies are scored
-- but have no courses.
CREATE TABLE competency_categories (
    id                   integer PRIMARY KEY CHECK (id > 0),
    vertical_id          integer NOT NULL REFERENCES verticals (id),
    name                 text NOT NULL CHECK (name <> ''),
    vertical_category_id integer REFERENCES vertical_categories (id)
        ON DELETE SET NULL,
    CONSTRAINT competency_categories_name_key UNIQUE (vertical_id, name)
        DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE specialisms (
    id          integer PRIMARY KEY CHECK (id > 0),
    vertical_id integer NOT NULL REFERENCES verticals (id),
    name        text NOT NULL CHECK (name <> ''),
    CONSTRAINT specialisms_name_key UNIQUE (vertical_id, name)
        DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE competencies (
    id            integer PRIMARY KEY CHECK (id > 0),
    vertical_id   integer NOT NULL REFERENCES verticals (id),
    category_id   integer NOT NULL REFERENCES competency_categories (id),
    specialism_id integer REFERENCES specialisms (id),
    title         text NOT NULL CHECK (title <> ''), -- "Copyedited title": /diag desc
    description   text CHECK (description <> '')     -- /diag expln (NULL: none)
);
CREATE INDEX competencies_category_idx ON competencies (category_id);

CREATE TABLE job_roles (
    id            integer PRIMARY KEY CHECK (id > 0),
    name          text NOT NULL CHECK (name <> ''),
    vertical_id   integer NOT NULL REFERENCES verticals (id),
    level         integer NOT NULL CHECK (level BETWEEN 1 AND 7),
    -- "In-house or law firm?"; NULL when the sheet leaves it empty.
    org_type      text CHECK (org_type IN ('Law firm', 'In-house')),
    specialism_id integer REFERENCES specialisms (id),
    description   text CHECK (description <> '') -- "Thin Description": /roles desc
);
CREATE INDEX job_roles_vertical_idx ON job_roles (vertical_id, level);

CREATE TABLE job_role_competencies (
    job_role_id   integer NOT NULL REFERENCES job_roles (id) ON DELETE CASCADE,
    competency_id integer NOT NULL REFERENCES competencies (id) ON DELETE CASCADE,
    position      integer NOT NULL CHECK (position >= 0), -- order in the sheet
    PRIMARY KEY (job_role_id, competency_id),
    CONSTRAINT job_role_competencies_position_key
        UNIQUE (job_role_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE tech_roles (
    id          integer PRIMARY KEY CHECK (id >= 0),
    name        text NOT NULL CHECK (name <> ''),
    level       integer NOT NULL CHECK (level BETWEEN 1 AND 7),
    option_text text NOT NULL CHECK (option_text <> ''), -- "Copyedited role"
    CONSTRAINT tech_roles_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE tech_competencies (
    id          integer PRIMARY KEY CHECK (id > 0),
    category    text NOT NULL CHECK (category <> ''),
    tech_role_id integer NOT NULL REFERENCES tech_roles (id),
    title       text NOT NULL CHECK (title <> ''),
    description text CHECK (description <> '')
);

CREATE TABLE tech_role_competencies (
    tech_role_id       integer NOT NULL REFERENCES tech_roles (id) ON DELETE CASCADE,
    tech_competency_id integer NOT NULL REFERENCES tech_competencies (id)
        ON DELETE CASCADE,
    position           integer NOT NULL CHECK (position >= 0),
    PRIMARY KEY (tech_role_id, tech_competency_id),
    CONSTRAINT tech_role_competencies_position_key
        UNIQUE (tech_role_id, position) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE levels (
    id      integer PRIMARY KEY CHECK (id > 0),
    name    text NOT NULL CHECK (name <> ''),
    acronym text NOT NULL CHECK (acronym <> ''),
    CONSTRAINT levels_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT levels_acronym_key UNIQUE (acronym) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE formats (
    id      integer PRIMARY KEY CHECK (id > 0),
    name    text NOT NULL CHECK (name <> ''),
    acronym text NOT NULL CHECK (acronym <> ''),
    CONSTRAINT formats_name_key UNIQUE (name) DEFERRABLE INITIALLY DEFERRED,
    CONSTRAINT formats_acronym_key UNIQUE (acronym) DEFERRABLE INITIALLY DEFERRED
);

CREATE TABLE needs (
    id          integer PRIMARY KEY CHECK (id > 0),
    name        text NOT NULL CHECK (name <> ''),
    option_text text NOT NULL CHECK (option_text <> '')
);

CREATE TABLE need_formats (
    need_id   integer NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    format_id integer NOT NULL REFERENCES formats (id) ON DELETE CASCADE,
    PRIMARY KEY (need_id, format_id)
);

CREATE TABLE need_levels (
    need_id  integer NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    level_id integer NOT NULL REFERENCES levels (id) ON DELETE CASCADE,
    PRIMARY KEY (need_id, level_id)
);

-- Published courses. Rows come from the CMS (publish, manual add) or the
-- sample courses sheet; source_ref is unique so a retried publish or a
-- reloaded sample finds its row instead of creating a second
-- ("cms:<scraped id>", "sample:<ref>").
CREATE TABLE courses (
    id                bigserial PRIMARY KEY,
    source_ref        text UNIQUE CHECK (source_ref <> ''),
    name              text NOT NULL CHECK (name <> ''),
    provider          text CHECK (provider <> ''),
    url               text CHECK (url <> ''),
    cost              numeric(12, 2) CHECK (cost >= 0),
    cost_varies       boolean NOT NULL DEFAULT false,
    level_id          integer REFERENCES levels (id) ON DELETE SET NULL,
    format_id         integer REFERENCES formats (id) ON DELETE SET NULL,
    spider_name       text CHECK (spider_name <> ''),
    is_manually_added boolean NOT NULL DEFAULT false,
    is_ongoing        boolean NOT NULL DEFAULT false,
    -- CPD: exactly one of points / tbc / private / na, or NULL ("not
    -- stated", older courses only; the CMS requires one on edit).
    cpd_state         text CHECK (cpd_state IN ('points', 'tbc', 'private', 'na')),
    cpd_points        numeric(6, 2) CHECK (cpd_points >= 0),
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT courses_cpd_check
        CHECK ((cpd_state IS NOT NULL
                AND (cpd_state = 'points') = (cpd_points IS NOT NULL))
            OR (cpd_state IS NULL AND cpd_points IS NULL))
);

-- One row per run of a course; /course_browse lists one entry per row.
CREATE TABLE course_dates (
    id        bigserial PRIMARY KEY,
    course_id bigint NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    start_at  timestamptz NOT NULL,
    end_at    timestamptz CHECK (end_at >= start_at),
    UNIQUE (course_id, start_at)
);
CREATE INDEX course_dates_start_idx ON course_dates (start_at);

-- Category tags: the global vertical category id names vertical and
-- category at once. Tags of a category removed by a re-import go with it.
CREATE TABLE course_categories (
    course_id            bigint NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    vertical_category_id integer NOT NULL REFERENCES vertical_categories (id)
        ON DELETE CASCADE,
    PRIMARY KEY (course_id, vertical_category_id)
);
CREATE INDEX course_categories_category_idx
    ON course_categories (vertical_category_id);

-- Tech tags: the tech competencies a course develops (/techdiagresults).
CREATE TABLE course_tech_competencies (
    course_id          bigint NOT NULL REFERENCES courses (id) ON DELETE CASCADE,
    tech_competency_id integer NOT NULL REFERENCES tech_competencies (id)
        ON DELETE CASCADE,
    PRIMARY KEY (course_id, tech_competency_id)
);
CREATE INDEX course_tech_competencies_tc_idx
    ON course_tech_competencies (tech_competency_id);

GRANT SELECT ON verticals, vertical_categories, competency_categories,
    specialisms, competencies, job_roles, job_role_competencies, tech_roles,
    tech_competencies, tech_role_competencies, levels, formats, needs,
    need_formats, need_levels, courses, course_dates, course_categories,
    course_tech_competencies TO app_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON verticals, vertical_categories,
    competency_categories, specialisms, competencies, job_roles,
    job_role_competencies, tech_roles, tech_competencies,
    tech_role_competencies, levels, formats, needs, need_formats, need_levels,
    courses, course_dates, course_categories, course_tech_competencies
    TO cms_publisher;
GRANT USAGE, SELECT ON SEQUENCE courses_id_seq, course_dates_id_seq
    TO cms_publisher;
