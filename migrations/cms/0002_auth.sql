-- 0002_auth: staff accounts, sessions, groups and permissions, TOTP,
-- login throttling and the audit log (SPEC section 7, docs/cms-api.md).
--
-- Run by `lifted-cms migrate` as the CMS database owner, who also serves
-- with it, so no grants are needed; the scraper role gets nothing here:
-- staff credentials are none of its business.
--
-- Secrets are never stored in a form that logs a user in: passwords as
-- Argon2id hashes, session tokens and recovery codes as keyed/unkeyed
-- SHA-256 digests.  The TOTP seed must be readable to check a code.

CREATE TABLE users (
    id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username             text NOT NULL
        CHECK (username ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
    password_hash        text NOT NULL
        CHECK (password_hash LIKE '$argon2id$%'),
    disabled             boolean NOT NULL DEFAULT false,
    must_change_password boolean NOT NULL DEFAULT false,
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CHECK (updated_at >= created_at)
);
-- "Admin" and "admin" are one account: no look-alike names.
CREATE UNIQUE INDEX users_username_key ON users (lower(username));

-- stage 'totp': password checked, second factor pending (short-lived);
-- 'full': logged in.  Only a digest of the cookie's token is kept, so a
-- leaked table cannot be replayed as cookies.
CREATE TABLE sessions (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    token_hash   bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    user_id      bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    stage        text NOT NULL DEFAULT 'full' CHECK (stage IN ('totp', 'full')),
    csrf         text NOT NULL CHECK (length(csrf) >= 32),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    client       text NOT NULL,
    CHECK (last_seen_at >= created_at)
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE groups (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        text NOT NULL CHECK (name ~ '\S' AND length(name) <= 100),
    description text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX groups_name_key ON groups (lower(name));

-- Code checks these names, never group names (SPEC section 7).
CREATE TABLE permissions (
    name        text PRIMARY KEY CHECK (name ~ '^[a-z]+\.[a-z_]+$'),
    description text NOT NULL
);
INSERT INTO permissions (name, description) VALUES
    ('users.manage', 'create, disable and edit staff accounts and groups'),
    ('audit.view', 'read the audit log'),
    ('courses.edit', 'edit published and unpublished courses'),
    ('courses.publish', 'publish, archive and dismiss courses'),
    ('scrapers.run', 'start scraper jobs'),
    ('framework.import', 'import the competency framework');

CREATE TABLE group_permissions (
    group_id   bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    permission text NOT NULL REFERENCES permissions (name),
    PRIMARY KEY (group_id, permission)
);

CREATE TABLE user_groups (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, group_id)
);
CREATE INDEX user_groups_group_idx ON user_groups (group_id);

-- Object-level grants: a group with rows here acts only on courses of
-- these providers; a group without rows is not limited.
CREATE TABLE group_providers (
    group_id bigint NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    provider text NOT NULL CHECK (provider ~ '\S' AND length(provider) <= 200),
    PRIMARY KEY (group_id, provider)
);

-- last_step: the RFC 6238 time step of the last accepted code; a code of
-- that step or earlier is refused, so an observed code cannot be replayed.
CREATE TABLE totp (
    user_id      bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    secret       bytea NOT NULL CHECK (octet_length(secret) BETWEEN 16 AND 64),
    enabled      boolean NOT NULL DEFAULT false,
    last_step    bigint NOT NULL DEFAULT 0 CHECK (last_step >= 0),
    created_at   timestamptz NOT NULL DEFAULT now(),
    confirmed_at timestamptz,
    CHECK (enabled = (confirmed_at IS NOT NULL))
);

-- HMAC-SHA-256 (keyed with LIFTED_SECRET_KEY) of each one-time code.
CREATE TABLE recovery_codes (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    code_hash bytea NOT NULL CHECK (octet_length(code_hash) = 32),
    used_at   timestamptz,
    UNIQUE (user_id, code_hash)
);

-- Every password (and second-factor) check, for throttling per account
-- and per client address.  username is the name as typed (lower-cased),
-- known or not, so unknown names are throttled the same way.
CREATE TABLE login_attempts (
    id       bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at       timestamptz NOT NULL DEFAULT now(),
    username text NOT NULL CHECK (length(username) <= 200),
    client   text NOT NULL,
    success  boolean NOT NULL
);
CREATE INDEX login_attempts_user_idx ON login_attempts (username, at);
CREATE INDEX login_attempts_client_idx ON login_attempts (client, at);

-- Who did what to what.  The actor's name is copied so the row still
-- reads right after the account is renamed or deleted; actor_id is NULL
-- for operator commands (createsuperuser).
CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL DEFAULT now(),
    actor_id       bigint REFERENCES users (id) ON DELETE SET NULL,
    actor_username text NOT NULL CHECK (actor_username <> ''),
    action         text NOT NULL CHECK (action ~ '^[a-z_]+\.[a-z_]+$'),
    target_type    text NOT NULL CHECK (target_type <> ''),
    target_id      text,
    before         jsonb,
    after          jsonb,
    client         text,
    comment        text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, at);
CREATE INDEX audit_log_action_idx ON audit_log (action, at);
CREATE INDEX audit_log_target_idx ON audit_log (target_type, target_id);
