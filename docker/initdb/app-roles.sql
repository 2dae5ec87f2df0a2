-- docker/initdb/app-roles.sql — the App database's roles (SPEC section 2).
--
-- The one source of truth for the App cluster's roles, database and
-- grants: scripts/stack (setup_app_db) and the PostgreSQL container's
-- first start (docker/initdb/lifted-initdb.sh) both run this file with
-- psql as the cluster's superuser, connected to the database postgres.
-- The passwords arrive as psql variables, set by `\set` lines fed
-- through stdin ahead of this file (never on a command line, where ps
-- would show them):
--
--   app_owner_password      owns the database and its schema; used only by
--                           `lifted-app migrate` and `import-framework`
--   app_reader_password     SELECT only; what `lifted-app serve` uses
--   cms_publisher_password  the CMS's role on the App database: SELECT,
--                           and the writes each migration grants it; no DDL
--
-- Idempotent: roles and the database are created only when missing; each
-- run (re)sets the roles' attributes and passwords and re-applies the
-- grants. Table grants are not here: each migration grants its own tables.
\set ON_ERROR_STOP 1

\if :{?app_owner_password}
\else
  \warn 'app-roles.sql: the psql variable app_owner_password is not set'
  SELECT 1 / 0 AS missing_app_owner_password;
\endif
\if :{?app_reader_password}
\else
  \warn 'app-roles.sql: the psql variable app_reader_password is not set'
  SELECT 1 / 0 AS missing_app_reader_password;
\endif
\if :{?cms_publisher_password}
\else
  \warn 'app-roles.sql: the psql variable cms_publisher_password is not set'
  SELECT 1 / 0 AS missing_cms_publisher_password;
\endif

SELECT 'CREATE ROLE app_owner' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'app_owner') \gexec
ALTER ROLE app_owner WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    NOREPLICATION NOBYPASSRLS PASSWORD :'app_owner_password';
SELECT 'CREATE ROLE app_reader' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'app_reader') \gexec
ALTER ROLE app_reader WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    NOREPLICATION NOBYPASSRLS PASSWORD :'app_reader_password';
SELECT 'CREATE ROLE cms_publisher' WHERE NOT EXISTS
    (SELECT 1 FROM pg_roles WHERE rolname = 'cms_publisher') \gexec
ALTER ROLE cms_publisher WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE
    NOREPLICATION NOBYPASSRLS PASSWORD :'cms_publisher_password';

SELECT 'CREATE DATABASE lifted_app OWNER app_owner' WHERE NOT EXISTS
    (SELECT 1 FROM pg_database WHERE datname = 'lifted_app') \gexec
REVOKE ALL ON DATABASE lifted_app FROM PUBLIC;
GRANT CONNECT ON DATABASE lifted_app TO app_reader, cms_publisher;

-- Inside the database: only the owner creates objects; the other roles
-- see the schema and get SELECT on the owner's new tables by default
-- (everything beyond that is granted by each migration).
\connect lifted_app
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO app_reader, cms_publisher;
ALTER DEFAULT PRIVILEGES FOR ROLE app_owner IN SCHEMA public
    GRANT SELECT ON TABLES TO app_reader, cms_publisher;
