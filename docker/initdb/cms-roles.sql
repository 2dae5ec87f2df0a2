-- docker/initdb/cms-roles.sql — the CMS database's roles (SPEC section 2).
--
-- The one source of truth for the CMS cluster's roles, database and
-- grants: scripts/stack (setup_cms_db) and the PostgreSQL container's
-- first start (docker/initdb/lifted-initdb.sh) both run this file with
-- psql as the cluster's superuser, connected to the database postgres.
-- The passwords arrive as psql variables, set by `\set` lines fed
-- through stdin ahead of this file (never on a command line):
--
--   cms_owner_password  owns the database; `lifted-cms serve` and
--                       `lifted-cms migrate`
--   scraper_password    `lifted-scraper`: only what the migrations grant it
--                       (scraped courses, its job rows); nothing in the
--                       App database, where it has no role at all
--
-- Idempotent, like app-roles.sql.
\set ON_ERROR_STOP 1

\if :{?cms_owner_password}
\else
  \warn 'cms-roles.sql: the psql variable cms_owner_password is not set'
  SELECT 1 / 0 AS missing_cms_owner_password;
\endif
\if :{?scraper_password}
\else
  \warn 'cms-roles.sql: the psql variable scraper_password is not set'
  SELECT 1 / 0 AS missing_scraper_password;
\endif

SELECT 'CREATE ROLE cms_owner' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'cms_owner') \gexec
ALTER ROLE cms_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    NOREPLICATION NOBYPASSRLS PASSWORD :'cms_owner_password';
SELECT 'CREATE ROLE scraper' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'scraper') \gexec
ALTER ROLE scraper WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    NOREPLICATION NOBYPASSRLS PASSWORD :'scraper_password';

SELECT 'CREATE DATABASE lifted_cms OWNER cms_owner' WHERE NOT EXISTS
    (SELECT 1 FROM pg_database WHERE datname = 'lifted_cms') \gexec
REVOKE ALL ON DATABASE lifted_cms FROM PUBLIC;
GRANT CONNECT ON DATABASE lifted_cms TO scraper;

-- No default privileges for the scraper: its grants come from migrations.
\connect lifted_cms
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO scraper;
