-- 0001_app_meta: a key/value table describing the App database itself
-- (schema name, later the framework version). Run by `lifted-app migrate`
-- as the App database owner; grants its own table (SPEC 2).
CREATE TABLE app_meta (
    key   text PRIMARY KEY CHECK (key <> ''),
    value text NOT NULL
);

GRANT SELECT ON app_meta TO app_reader;
GRANT SELECT, INSERT, UPDATE, DELETE ON app_meta TO cms_publisher;

INSERT INTO app_meta (key, value) VALUES ('schema', 'lifted-app');
