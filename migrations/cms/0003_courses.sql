-- 0003_courses: unpublished (scraped) courses, their workflow state and
-- canonical provider names (SPEC sections 2, 7, 8; docs/cms-courses.md).
--
-- A scraped row carries every course field the App's courses table has,
-- but level, format and category tags are App ids that cannot be foreign
-- keys across databases: the CMS validates them against the App's lists
-- (through the router) before it writes them.  Publishing copies a row to
-- the App database under source_ref 'cms:<id>' (unique there), so a retry
-- finds the course it already made; app_course_id records it here.
--
-- Workflow history is not a table of its own: every transition and edit
-- writes an audit_log row (target_type 'scraped_course' or 'course',
-- before/after hold the changed fields and the state), so one log answers
-- both "what happened to this course" and "what did this user do".

CREATE TABLE scraped_courses (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state         text NOT NULL DEFAULT 'scraped'
        CHECK (state IN ('scraped', 'in_review', 'published', 'archived',
                         'dismissed')),
    name          text NOT NULL CHECK (name ~ '\S'),
    provider      text CHECK (provider ~ '\S'),
    url           text CHECK (url ~ '^https?://'),
    cost          numeric(12, 2) CHECK (cost >= 0),
    cost_varies   boolean NOT NULL DEFAULT false,
    level_id      integer CHECK (level_id > 0),
    format_id     integer CHECK (format_id > 0),
    cpd_state     text CHECK (cpd_state IN ('points', 'tbc', 'private', 'na')),
    cpd_points    numeric(6, 2) CHECK (cpd_points > 0),
    is_ongoing    boolean NOT NULL DEFAULT false,
    -- [{"start": "...", "end": "..."|null}], ISO 8601 timestamps.
    dates         jsonb NOT NULL DEFAULT '[]'
        CHECK (jsonb_typeof(dates) = 'array'),
    -- App vertical_categories ids (1-3 once edited; the scraper may leave
    -- none).
    category_ids  integer[] NOT NULL DEFAULT '{}'
        CHECK (cardinality(category_ids) <= 3),
    spider_name   text CHECK (spider_name ~ '\S'),
    source_url    text CHECK (source_url <> ''),
    -- Fields staff changed: the scraper leaves these alone on a re-scrape
    -- (SPEC section 8, "staff-edited fields kept").
    edited_fields text[] NOT NULL DEFAULT '{}',
    -- The App course made by publishing ('cms:<id>' there); kept after
    -- archiving so back-to-review can find and remove it.
    app_course_id bigint,
    published_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT scraped_courses_cpd_check
        CHECK ((cpd_state IS NOT NULL
                AND (cpd_state = 'points') = (cpd_points IS NOT NULL))
            OR (cpd_state IS NULL AND cpd_points IS NULL)),
    CONSTRAINT scraped_courses_published_check
        CHECK (state <> 'published' OR app_course_id IS NOT NULL),
    -- One row per page a spider found; a re-scrape updates it.
    CONSTRAINT scraped_courses_source_key UNIQUE (spider_name, source_url)
);
CREATE INDEX scraped_courses_state_idx ON scraped_courses (state, id);
CREATE INDEX scraped_courses_provider_idx
    ON scraped_courses (lower(provider));
CREATE INDEX scraped_courses_dupe_idx
    ON scraped_courses (lower(regexp_replace(btrim(name), '\s+', ' ', 'g')));

-- Canonical provider names; editors are offered these (and find them by
-- an alias) so one provider is not spelt three ways.
CREATE TABLE providers (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (name ~ '\S' AND length(name) <= 200),
    aliases    text[] NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX providers_name_key ON providers (lower(name));

-- The scraper writes scraped rows and nothing else (SPEC section 2).
GRANT SELECT, INSERT, UPDATE, DELETE ON scraped_courses TO scraper;
