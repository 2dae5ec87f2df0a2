/*
 * Statement table.  Add a statement here, give it a family the router
 * knows (router.c), and every pool whose database serves that family
 * prepares it on each new connection.  tests/unit/test_router.c checks
 * that names are unique and every family is routed.
 */
#include <string.h>

#include "sql.h"

/*
 * Pieces of the course statements (cms_courses.*, cms_app_courses.*):
 * a provider scope test (S a JSON array of lower-cased names or NULL),
 * the normalised name duplicates compare, the JSON of a scraped row and
 * of an App course, and the children of an App course write.
 */
#define CMS_SCOPE(col, S)                                                      \
	"(" S "::jsonb IS NULL OR lower(" col ") IN (SELECT "                  \
	"jsonb_array_elements_text(" S "::jsonb)))"
#define CMS_NORM(col) "lower(regexp_replace(btrim(" col "), '\\s+', ' ', 'g'))"
#define CMS_ISO(col)  "to_char(" col ", 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')"
/* Housekeeping: a session expired keep_s ($1) ago, and an orphaned upload
 * (see housekeeping.* below). */
#define HK_SESSION_GONE(t)                                                     \
	"(" t ".last_seen_at < now() - make_interval(secs => $3::int + "       \
	"$1::int) OR " t ".created_at < now() - make_interval(secs => "        \
	"$4::int + $1::int) OR (" t ".stage = 'totp' AND " t ".created_at "    \
	"< now() - make_interval(secs => 300 + $1::int)))"
#define HK_UPLOAD_ORPHAN(t, K)                                                 \
	"(" t ".detached_at IS NOT NULL OR " t ".target_id IS NULL) AND "      \
	"coalesce(" t ".detached_at, " t ".created_at) < now() - "             \
	"make_interval(secs => " K "::int)"
/* An edit's version: updated_at to the microsecond, compared as text. */
#define CMS_VERSION(col) "to_char(" col ", 'YYYYMMDDHH24MISSUS')"
#define CMS_SCRAPED_JSON(t)                                                    \
	"jsonb_build_object('id', " t ".id, 'state', " t ".state, "            \
	"'name', " t ".name, 'provider', " t ".provider, 'url', " t ".url, "   \
	"'cost', " t ".cost, 'cost_varies', " t ".cost_varies, "               \
	"'level_id', " t ".level_id, 'format_id', " t ".format_id, "           \
	"'cpd_state', " t ".cpd_state, 'cpd_points', " t ".cpd_points, "       \
	"'is_ongoing', " t ".is_ongoing, 'dates', " t ".dates, "               \
	"'category_ids', to_jsonb(" t ".category_ids), "                       \
	"'spider_name', " t ".spider_name, 'source_url', " t ".source_url, "   \
	"'edited_fields', to_jsonb(" t ".edited_fields), "                     \
	"'app_course_id', " t ".app_course_id, "                               \
	"'source_ref', 'cms:' || " t ".id, "                                   \
	"'media', (SELECT jsonb_object_agg(m.kind, jsonb_build_object("        \
	"'key', m.storage_key, 'content_type', m.content_type, "               \
	"'name', m.original_name, 'size', m.byte_size)) FROM uploads m "       \
	"WHERE m.target_type = 'scraped_course' AND m.target_id = " t ".id "   \
	"AND m.detached_at IS NULL), "                                         \
	"'created_at', " CMS_ISO(                                              \
	    t ".created_at") ", "                                              \
	                     "'updated_at', " CMS_ISO(                         \
	                         t ".updated_at") ", "                         \
	                                          "'version', " CMS_VERSION(   \
	                                              t ".updated_at") ")"
#define CMS_DUPES(t)                                                           \
	"(SELECT coalesce(jsonb_agg(d.id ORDER BY d.id), '[]') "               \
	"FROM scraped_courses d WHERE d.id <> " t ".id "                       \
	"AND d.state <> 'dismissed' "                                          \
	"AND " CMS_NORM("d.name") " = " CMS_NORM(                              \
	    t ".name") " "                                                     \
	               "AND left(d.dates->0->>'start', 10) IS NOT DISTINCT "   \
	               "FROM "                                                 \
	               "left(" t ".dates->0->>'start', 10) "                   \
	               "AND (lower(coalesce(d.provider, '')) <> "              \
	               "lower(coalesce(" t ".provider, '')) "                  \
	               "OR d.spider_name IS DISTINCT FROM " t ".spider_name))"
#define CMS_APP_JSON(t)                                                        \
	"json_build_object('id', " t ".id, 'source_ref', " t ".source_ref, "   \
	"'name', " t ".name, 'provider', " t ".provider, 'url', " t ".url, "   \
	"'cost', " t ".cost, 'cost_varies', " t ".cost_varies, "               \
	"'level_id', " t ".level_id, 'format_id', " t ".format_id, "           \
	"'cpd_state', " t ".cpd_state, 'cpd_points', " t ".cpd_points, "       \
	"'is_ongoing', " t ".is_ongoing, 'spider_name', " t ".spider_name, "   \
	"'is_manually_added', " t ".is_manually_added, "                       \
	"'dates', (SELECT coalesce(json_agg(json_build_object("                \
	"'start', " CMS_ISO("d.start_at") ", 'end', " CMS_ISO(                 \
	    "d.end_at") ") ORDER BY d.start_at), '[]') FROM course_dates d "   \
	                "WHERE d.course_id = " t ".id), "                      \
	                "'category_ids', (SELECT "                             \
	                "coalesce(json_agg(cc.vertical_category_id "           \
	                "ORDER BY cc.vertical_category_id), '[]') FROM "       \
	                "course_categories cc "                                \
	                "WHERE cc.course_id = " t ".id), "                     \
	                "'created_at', " CMS_ISO(                              \
	                    t                                                  \
	                    ".created_at") ", "                                \
	                                   "'updated_at', " CMS_ISO(           \
	                                       t                               \
	                                       ".updated_at") ", "             \
	                                                      "'version',"     \
	                                                      " " CMS_VERSION( \
	                                                          t ".updated" \
	                                                            "_at") ")"
/* After "source_ref, ": the insert's values from n.j; $3 spider, $4
 * manual. */
#define CMS_APP_VALUES                                                         \
	"n.j->>'name', n.j->>'provider', n.j->>'url', "                        \
	"(n.j->>'cost')::numeric, "                                            \
	"coalesce((n.j->>'cost_varies')::boolean, false), "                    \
	"(n.j->>'level_id')::int, (n.j->>'format_id')::int, $3::text, "        \
	"$4::boolean, coalesce((n.j->>'is_ongoing')::boolean, false), "        \
	"n.j->>'cpd_state', (n.j->>'cpd_points')::numeric"
/* A date from the editor: with an offset it is that instant, without
 * one it is wall time in the deployment's zone (n.tz). */
#define CMS_TS(v)                                                              \
	"CASE WHEN (" v ") ~ '(Z|[+-][0-9][0-9]:[0-9][0-9])$' "                \
	"THEN (" v ")::timestamptz ELSE (" v                                   \
	")::timestamp AT TIME ZONE n.tz END"
/* Dates and tags of the course in CTE c, from n.j. */
#define CMS_APP_CHILDREN                                                       \
	"nd AS (SELECT DISTINCT ON (s) s, e FROM (SELECT " CMS_TS(             \
	    "x->>'start'") " AS s, " CMS_TS("x->>'end'") " AS e "              \
	                                                 "FROM n, "            \
	                                                 "jsonb_array_"        \
	                                                 "elements(n.j->'"     \
	                                                 "dates') x) y ORDER " \
	                                                 "BY s), "             \
	                                                 "dd AS (DELETE FROM " \
	                                                 "course_dates d "     \
	                                                 "USING c WHERE "      \
	                                                 "d.course_id = c.id " \
	                                                 "AND d.start_at NOT " \
	                                                 "IN (SELECT s FROM "  \
	                                                 "nd)), "              \
	                                                 "di AS (INSERT INTO " \
	                                                 "course_dates "       \
	                                                 "(course_id, "        \
	                                                 "start_at, end_at) "  \
	                                                 "SELECT c.id, nd.s, " \
	                                                 "nd.e FROM c, nd ON " \
	                                                 "CONFLICT "           \
	                                                 "(course_id, "        \
	                                                 "start_at) "          \
	                                                 "DO UPDATE SET "      \
	                                                 "end_at = "           \
	                                                 "EXCLUDED.end_at), "  \
	                                                 "nc AS (SELECT "      \
	                                                 "DISTINCT "           \
	                                                 "jsonb_array_"        \
	                                                 "elements_text(n.j->" \
	                                                 "'category_ids')"     \
	                                                 "::int AS v FROM "    \
	                                                 "n), "                \
	                                                 "cd AS (DELETE FROM " \
	                                                 "course_categories "  \
	                                                 "x USING c "          \
	                                                 "WHERE x.course_id "  \
	                                                 "= c.id AND "         \
	                                                 "x.vertical_"         \
	                                                 "category_id NOT IN " \
	                                                 "(SELECT v FROM "     \
	                                                 "nc)), "              \
	                                                 "ci AS (INSERT INTO " \
	                                                 "course_categories "  \
	                                                 "(course_id, "        \
	                                                 "vertical_category_"  \
	                                                 "id) SELECT c.id, "   \
	                                                 "nc.v FROM c, nc "    \
	                                                 "ON CONFLICT DO "     \
	                                                 "NOTHING) "

/* A scraper job as the Scrapers page shows it (docs/scraper-jobs.md). */
#define SCR_JOB_JSON(t)                                                        \
	"json_build_object('id', " t ".id, 'spider', " t ".spider, "           \
	"'state', " t ".state, 'found', " t ".found, 'new', " t ".inserted, "  \
	"'updated', " t ".updated, 'removed', " t ".removed, "                 \
	"'skipped', " t ".skipped, 'errors', " t ".errors, "                   \
	"'proposed', " t ".proposed, "                                         \
	"'created_at', " CMS_ISO(                                              \
	    t                                                                  \
	    ".created_at") ", "                                                \
	                   "'started_at', " CMS_ISO(                           \
	                       t                                               \
	                       ".started_at") ", "                             \
	                                      "'ended_at', " CMS_ISO(          \
	                                          t                            \
	                                          ".ended_at") ", "            \
	                                                       "'cancel_"      \
	                                                       "requested',"   \
	                                                       " " t           \
	                                                       ".cancel_"      \
	                                                       "requested, "   \
	                                                       "'error', " t   \
	                                                       ".error, "      \
	                                                       "'pid', " t     \
	                                                       ".pid, "        \
	                                                       "'created_by'," \
	                                                       " (SELECT "     \
	                                                       "u.username "   \
	                                                       "FROM users u " \
	                                                       "WHERE u.id "   \
	                                                       "= " t          \
	                                                       ".created_by))"

const struct sql_stmt sql_stmts[] = {
    /* Health: /readyz round trips. */
    {"app.ping", "app_health", SQL_READ, "SELECT 1"},
    {"cms.ping", "cms_health", SQL_READ, "SELECT 1"},
    /*
     * Read scale-out (docs/operation.md): the App primary's WAL write
     * position, asked after a notification (so past the notified commit)
     * and by /readyz.  Not a write, but SQL_WRITE keeps it on the
     * primary, which is the only one that can answer it.  The standby's
     * side: whether it is one, how far it has replayed, and how many
     * bytes that is behind $1, the primary's position (NULL: unknown).
     */
    {"app.primary_lsn", "app_health", SQL_WRITE,
     "SELECT pg_current_wal_lsn()::text"},
    {"app.replica_status", "app_health", SQL_READ,
     "SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn()::text, "
     "greatest(pg_wal_lsn_diff($1::text::pg_lsn, "
     "pg_last_wal_replay_lsn()), 0)::float8"},
    /* Lets tests hold a connection busy for a known time. */
    {"test.sleep", "app_health", SQL_READ, "SELECT pg_sleep($1::float8)"},

    {"app.meta_get", "app_meta", SQL_READ,
     "SELECT value FROM app_meta WHERE key = $1"},
    /*
     * The App's cache (shared/app_cache.c): each load is one statement
     * returning one JSON document, so it reads one consistent snapshot
     * and costs one round trip.  Rows are positional arrays (the order
     * app_cache.c reads them in); every list is ORDER BY id.  "lsn" is
     * set on a standby so the cache can tell a lagging replica.
     */
    {"app.framework_snapshot", "framework_read", SQL_READ,
     "SELECT json_build_object("
     "'lsn', CASE WHEN pg_is_in_recovery() "
     "THEN pg_last_wal_replay_lsn()::text END, "
     "'verticals', (SELECT coalesce(json_agg(json_build_array("
     "id, name, option_text) ORDER BY id), '[]') FROM verticals), "
     "'categories', (SELECT coalesce(json_agg(json_build_array("
     "id, vertical_id, key, title, option_text, is_specialism) "
     "ORDER BY id), '[]') FROM vertical_categories), "
     "'competencies', (SELECT coalesce(json_agg(json_build_array("
     "c.id, c.vertical_id, cc.name, c.title, c.description) "
     "ORDER BY c.id), '[]') FROM competencies c "
     "JOIN competency_categories cc ON cc.id = c.category_id), "
     "'roles', (SELECT coalesce(json_agg(json_build_array("
     "r.id, r.name, r.vertical_id, r.level, r.org_type, s.name, "
     "r.description, (SELECT coalesce(json_agg(jc.competency_id "
     "ORDER BY jc.position), '[]') FROM job_role_competencies jc "
     "WHERE jc.job_role_id = r.id)) ORDER BY r.id), '[]') "
     "FROM job_roles r LEFT JOIN specialisms s ON s.id = r.specialism_id), "
     "'tech_roles', (SELECT coalesce(json_agg(json_build_array("
     "t.id, t.name, t.level, t.option_text, "
     "(SELECT coalesce(json_agg(tc.tech_competency_id "
     "ORDER BY tc.position), '[]') FROM tech_role_competencies tc "
     "WHERE tc.tech_role_id = t.id)) ORDER BY t.id), '[]') "
     "FROM tech_roles t), "
     "'tech_competencies', (SELECT coalesce(json_agg(json_build_array("
     "id, category, tech_role_id, title, description) ORDER BY id), "
     "'[]') FROM tech_competencies), "
     "'needs', (SELECT coalesce(json_agg(json_build_array("
     "n.id, n.name, n.option_text, "
     "(SELECT coalesce(json_agg(level_id ORDER BY level_id), '[]') "
     "FROM need_levels WHERE need_id = n.id), "
     "(SELECT coalesce(json_agg(format_id ORDER BY format_id), '[]') "
     "FROM need_formats WHERE need_id = n.id)) ORDER BY n.id), '[]') "
     "FROM needs n))::text"},
    {"app.course_snapshot", "course_read", SQL_READ,
     "SELECT json_build_object("
     "'lsn', CASE WHEN pg_is_in_recovery() "
     "THEN pg_last_wal_replay_lsn()::text END, "
     "'courses', (SELECT coalesce(json_agg(json_build_array("
     "c.id, c.name, c.provider, c.url, c.cost::float8, c.cost_varies, "
     "c.level_id, l.name, c.format_id, f.name, c.spider_name, "
     "c.is_manually_added, c.is_ongoing, c.cpd_state, "
     "c.cpd_points::float8, "
     "(SELECT coalesce(json_agg(json_build_array("
     "extract(epoch FROM d.start_at)::float8, "
     "extract(epoch FROM d.end_at)::float8) "
     "ORDER BY d.start_at, d.id), '[]') FROM course_dates d "
     "WHERE d.course_id = c.id), "
     "(SELECT coalesce(json_agg(cc.vertical_category_id "
     "ORDER BY cc.vertical_category_id), '[]') FROM course_categories cc "
     "WHERE cc.course_id = c.id), "
     "(SELECT coalesce(json_agg(ct.tech_competency_id "
     "ORDER BY ct.tech_competency_id), '[]') "
     "FROM course_tech_competencies ct WHERE ct.course_id = c.id), "
     /* 18..21: media (migrations/app/0003_course_media.sql). */
     "c.brochure_key, c.brochure_type, c.logo_key, c.logo_type) "
     "ORDER BY c.id), '[]') FROM courses c "
     "LEFT JOIN levels l ON l.id = c.level_id "
     "LEFT JOIN formats f ON f.id = c.format_id))::text"},

    /*
     * CMS accounts and sessions (cms_server/session.c, auth.c; schema in
     * migrations/cms/0002_auth.sql).  Tokens travel as hex digests, never
     * as the token itself.
     *
     * The session check of every CMS request: one round trip that returns
     * the user with its permissions, or no row when the session is
     * unknown, pending a second factor, idle ($2 s) or too old ($3 s), or
     * its user is disabled.  last_seen_at is written only when older than
     * $4 s (a tenth of the idle limit, at most a minute): a write per
     * request would serialise a user's parallel requests on the row lock
     * and cost a WAL flush each.
     */
    {"auth.session_load", "cms_auth", SQL_WRITE,
     "WITH s AS (SELECT s.id, s.user_id, s.csrf, s.last_seen_at "
     "FROM sessions s JOIN users u ON u.id = s.user_id AND NOT u.disabled "
     "WHERE s.token_hash = decode($1, 'hex') AND s.stage = 'full' "
     "AND s.last_seen_at > now() - make_interval(secs => $2::int) "
     "AND s.created_at > now() - make_interval(secs => $3::int)), "
     "t AS (UPDATE sessions SET last_seen_at = now() FROM s "
     "WHERE sessions.id = s.id "
     "AND s.last_seen_at < now() - make_interval(secs => $4::float8)) "
     "SELECT s.id, u.id, u.username, s.csrf, u.must_change_password, "
     "coalesce(t.enabled, false), "
     "coalesce((SELECT string_agg(DISTINCT gp.permission, ',') "
     "FROM user_groups ug JOIN group_permissions gp "
     "ON gp.group_id = ug.group_id WHERE ug.user_id = u.id), '') "
     "FROM s JOIN users u ON u.id = s.user_id "
     "LEFT JOIN totp t ON t.user_id = u.id"},
    /*
     * Seconds a login must still wait ($1 name as typed, lower-cased;
     * $2 client).  Failures in the last 15 minutes (for the account:
     * since its last success) beyond a free allowance (5 per account,
     * 20 per address) each double the wait after the latest failure,
     * up to 900 s.
     */
    {"auth.throttle", "cms_auth", SQL_READ,
     "WITH a AS (SELECT count(*) AS n, max(at) AS last FROM login_attempts "
     "WHERE username = $1 AND NOT success "
     "AND at > now() - interval '15 minutes' AND at > coalesce((SELECT "
     "max(at) FROM login_attempts WHERE username = $1 AND success), "
     "'-infinity')), "
     "c AS (SELECT count(*) AS n, max(at) AS last FROM login_attempts "
     "WHERE client = $2 AND NOT success "
     "AND at > now() - interval '15 minutes') "
     "SELECT greatest(0, "
     "CASE WHEN a.n >= 5 THEN ceil(extract(epoch FROM a.last - now()) + "
     "least(900, power(2, a.n - 4))) ELSE 0 END, "
     "CASE WHEN c.n >= 20 THEN ceil(extract(epoch FROM c.last - now()) + "
     "least(900, power(2, c.n - 19))) ELSE 0 END)::int FROM a, c"},
    {"auth.attempt_insert", "cms_auth", SQL_WRITE,
     "INSERT INTO login_attempts (username, client, success) "
     "VALUES ($1, $2, $3::boolean)"},
    {"auth.user_by_name", "cms_auth", SQL_READ,
     "SELECT u.id, u.username, u.password_hash, u.disabled, "
     "coalesce(t.enabled, false) FROM users u "
     "LEFT JOIN totp t ON t.user_id = u.id "
     "WHERE lower(u.username) = lower($1)"},
    /* A new session; the one the browser held before (if any) ends, so
     * a planted cookie never becomes a logged-in session, and the user's
     * expired sessions ($7 idle, $8 absolute limit, 300 s pending) go. */
    {"auth.session_create", "cms_auth", SQL_WRITE,
     "WITH d AS (DELETE FROM sessions WHERE $6::text IS NOT NULL "
     "AND token_hash = decode($6, 'hex')), "
     "x AS (DELETE FROM sessions WHERE user_id = $2::bigint "
     "AND (last_seen_at < now() - make_interval(secs => $7::int) "
     "OR created_at < now() - make_interval(secs => $8::int) "
     "OR (stage = 'totp' AND created_at < now() - interval '300 seconds'))) "
     "INSERT INTO sessions (token_hash, user_id, stage, csrf, client) "
     "VALUES (decode($1, 'hex'), $2::bigint, $3, $4, $5) RETURNING id"},
    {"auth.session_delete", "cms_auth", SQL_WRITE,
     "DELETE FROM sessions WHERE id = $1::bigint"},
    /* A session waiting for its second factor (300 s at most). */
    {"auth.pending_load", "cms_auth", SQL_READ,
     "SELECT s.id, u.id, u.username, encode(t.secret, 'hex'), t.last_step, "
     "coalesce((SELECT string_agg(r.id || ':' || encode(r.code_hash, "
     "'hex'), ',') FROM recovery_codes r WHERE r.user_id = u.id "
     "AND r.used_at IS NULL), '') "
     "FROM sessions s JOIN users u ON u.id = s.user_id "
     "JOIN totp t ON t.user_id = u.id AND t.enabled "
     "WHERE s.token_hash = decode($1, 'hex') AND s.stage = 'totp' "
     "AND s.created_at > now() - interval '300 seconds' "
     "AND NOT u.disabled"},
    /* The step check is repeated here so two requests racing with one
     * code cannot both win. */
    {"auth.totp_use", "cms_auth", SQL_WRITE,
     "UPDATE totp SET last_step = $2::bigint WHERE user_id = $1::bigint "
     "AND enabled AND last_step < $2::bigint RETURNING user_id"},
    {"auth.recovery_use", "cms_auth", SQL_WRITE,
     "UPDATE recovery_codes SET used_at = now() WHERE id = $1::bigint "
     "AND user_id = $2::bigint AND used_at IS NULL RETURNING id"},
    /* Second factor passed: a new token for the same row. */
    {"auth.session_promote", "cms_auth", SQL_WRITE,
     "UPDATE sessions SET stage = 'full', token_hash = decode($2, 'hex'), "
     "created_at = now(), last_seen_at = now() "
     "WHERE id = $1::bigint AND stage = 'totp' RETURNING id"},
    {"auth.user_hash", "cms_auth", SQL_READ,
     "SELECT password_hash FROM users WHERE id = $1::bigint"},
    /* New password; every other session of the user ends. */
    {"auth.password_set", "cms_auth", SQL_WRITE,
     "WITH u AS (UPDATE users SET password_hash = $2, "
     "must_change_password = false, updated_at = now() "
     "WHERE id = $1::bigint RETURNING id), "
     "d AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u) "
     "AND id <> $3::bigint RETURNING 1) "
     "SELECT (SELECT count(*) FROM u), (SELECT count(*) FROM d)"},
    {"auth.sessions_revoke", "cms_auth", SQL_WRITE,
     "WITH d AS (DELETE FROM sessions WHERE user_id = $1::bigint "
     "RETURNING 1) SELECT count(*) FROM d"},
    /* Enrolment: a new secret unless TOTP is already on. */
    {"auth.totp_start", "cms_auth", SQL_WRITE,
     "INSERT INTO totp (user_id, secret) VALUES ($1::bigint, "
     "decode($2, 'hex')) ON CONFLICT (user_id) DO UPDATE "
     "SET secret = EXCLUDED.secret, last_step = 0, created_at = now() "
     "WHERE NOT totp.enabled RETURNING user_id"},
    {"auth.totp_pending", "cms_auth", SQL_READ,
     "SELECT encode(secret, 'hex'), last_step FROM totp "
     "WHERE user_id = $1::bigint AND NOT enabled"},
    /* Confirmed: TOTP on, and the ten recovery codes replace any old. */
    {"auth.totp_enable", "cms_auth", SQL_WRITE,
     "WITH t AS (UPDATE totp SET enabled = true, confirmed_at = now(), "
     "last_step = $2::bigint WHERE user_id = $1::bigint AND NOT enabled "
     "RETURNING user_id), "
     "d AS (DELETE FROM recovery_codes WHERE user_id IN "
     "(SELECT user_id FROM t)), "
     "i AS (INSERT INTO recovery_codes (user_id, code_hash) "
     "SELECT t.user_id, decode(h, 'hex') FROM t, unnest($3::text[]) h "
     "RETURNING 1) SELECT count(*) FROM i"},
    {"auth.audit_insert", "cms_auth", SQL_WRITE,
     "INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client, comment) "
     "VALUES ($1::bigint, $2, $3, $4, $5, $6::jsonb, $7::jsonb, $8, $9) "
     "RETURNING id"},

    /*
     * CMS administration (cms_server/admin.c): users, groups, grants and
     * the audit log.  Each change is one statement whose CTEs check the
     * target and the lock-out guard, change the rows, revoke sessions
     * where the action calls for it and write the audit row, so it is
     * all-or-nothing.  Changes return one row (status, body JSON); the
     * last two parameters are the actor's user id and client address.
     */
    {"cms_admin.users_list", "cms_admin", SQL_READ,
     "SELECT json_build_object('users', coalesce(json_agg( "
     "json_build_object('id', u.id, 'username', u.username, "
     "'disabled', u.disabled, "
     "'must_change_password', u.must_change_password, "
     "'totp_enabled', coalesce(t.enabled, false), "
     "'groups', (SELECT coalesce(json_agg(json_build_object( "
     "'id', g.id, 'name', g.name) ORDER BY lower(g.name), g.id), '[]') "
     "FROM user_groups ug JOIN groups g ON g.id = ug.group_id "
     "WHERE ug.user_id = u.id), "
     "'last_login', (SELECT to_char(max(la.at), "
     "'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM') FROM login_attempts la "
     "WHERE la.username = lower(u.username) AND la.success), "
     "'created_at', to_char(u.created_at, "
     "'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM')) "
     "ORDER BY lower(u.username), u.id), '[]'))::text "
     "FROM users u LEFT JOIN totp t ON t.user_id = u.id"},
    {"cms_admin.user_create", "cms_admin", SQL_WRITE,
     "WITH want AS (SELECT DISTINCT unnest($3::bigint[]) AS g), "
     "chk AS (SELECT (SELECT count(*) FROM groups "
     "WHERE id IN (SELECT g FROM want)) = "
     "(SELECT count(*) FROM want) AS groups_ok), "
     "ins AS (INSERT INTO users "
     "(username, password_hash, must_change_password) "
     "SELECT $1::text, $2::text, true FROM chk WHERE groups_ok "
     "RETURNING id, username), "
     "ug AS (INSERT INTO user_groups (user_id, group_id) "
     "SELECT ins.id, want.g FROM ins, want), "
     "res AS (SELECT ins.id, json_build_object('id', ins.id, "
     "'username', ins.username, 'disabled', false, "
     "'must_change_password', true, "
     "'groups', (SELECT coalesce(json_agg(json_build_object( "
     "'id', g.id, 'name', g.name) ORDER BY g.id), '[]') "
     "FROM groups g WHERE g.id IN (SELECT g FROM want))) AS j "
     "FROM ins), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, after, client) "
     "SELECT $4::bigint, "
     "(SELECT username FROM users WHERE id = $4::bigint), "
     "'user.create', 'user', res.id::text, res.j::jsonb, $5::text "
     "FROM res) "
     "SELECT CASE WHEN groups_ok THEN 'ok' ELSE 'bad_groups' END, "
     "(SELECT j FROM res)::text FROM chk"},
    {"cms_admin.user_disable", "cms_admin", SQL_WRITE,
     "WITH u AS (SELECT id, username, disabled FROM users "
     "WHERE id = $1::bigint FOR UPDATE), "
     "upd AS (UPDATE users SET disabled = true, updated_at = now() "
     "WHERE id IN (SELECT id FROM u)), "
     "del AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u) "
     "RETURNING id), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $2::bigint, "
     "(SELECT username FROM users WHERE id = $2::bigint), "
     "'user.disable', 'user', u.id::text, "
     "jsonb_build_object('disabled', u.disabled), "
     "jsonb_build_object('disabled', true, "
     "'sessions_revoked', (SELECT count(*) FROM del)), $3::text "
     "FROM u) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'ok' "
     "ELSE 'not_found' END, "
     "(SELECT json_build_object('id', u.id, 'username', u.username, "
     "'disabled', true, 'sessions_revoked', (SELECT count(*) FROM del)) "
     "FROM u)::text"},
    {"cms_admin.user_enable", "cms_admin", SQL_WRITE,
     "WITH u AS (SELECT id, username, disabled FROM users "
     "WHERE id = $1::bigint FOR UPDATE), "
     "upd AS (UPDATE users SET disabled = false, updated_at = now() "
     "WHERE id IN (SELECT id FROM u)), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $2::bigint, "
     "(SELECT username FROM users WHERE id = $2::bigint), "
     "'user.enable', 'user', u.id::text, "
     "jsonb_build_object('disabled', u.disabled), "
     "jsonb_build_object('disabled', false), $3::text FROM u) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'ok' "
     "ELSE 'not_found' END, "
     "(SELECT json_build_object('id', u.id, 'username', u.username, "
     "'disabled', false) FROM u)::text"},
    {"cms_admin.user_reset_password", "cms_admin", SQL_WRITE,
     "WITH u AS (SELECT id, username, must_change_password FROM users "
     "WHERE id = $1::bigint FOR UPDATE), "
     "upd AS (UPDATE users SET password_hash = $2::text, "
     "must_change_password = true, updated_at = now() "
     "WHERE id IN (SELECT id FROM u)), "
     "del AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u) "
     "RETURNING id), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $3::bigint, "
     "(SELECT username FROM users WHERE id = $3::bigint), "
     "'user.reset_password', 'user', u.id::text, "
     "jsonb_build_object('must_change_password', "
     "u.must_change_password), "
     "jsonb_build_object('must_change_password', true, "
     "'sessions_revoked', (SELECT count(*) FROM del)), $4::text "
     "FROM u) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'ok' "
     "ELSE 'not_found' END, "
     "(SELECT json_build_object('id', u.id, 'username', u.username, "
     "'must_change_password', true, "
     "'sessions_revoked', (SELECT count(*) FROM del)) FROM u)::text"},
    {"cms_admin.user_reset_totp", "cms_admin", SQL_WRITE,
     "WITH u AS (SELECT id, username FROM users "
     "WHERE id = $1::bigint FOR UPDATE), "
     "t AS (DELETE FROM totp WHERE user_id IN (SELECT id FROM u) "
     "RETURNING enabled), "
     "rc AS (DELETE FROM recovery_codes "
     "WHERE user_id IN (SELECT id FROM u) RETURNING used_at), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $2::bigint, "
     "(SELECT username FROM users WHERE id = $2::bigint), "
     "'user.reset_totp', 'user', u.id::text, "
     "jsonb_build_object('totp_enabled', "
     "coalesce((SELECT bool_or(enabled) FROM t), false), "
     "'recovery_codes_left', "
     "(SELECT count(*) FROM rc WHERE used_at IS NULL)), "
     "jsonb_build_object('totp_enabled', false, "
     "'recovery_codes_left', 0), $3::text FROM u) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'ok' "
     "ELSE 'not_found' END, "
     "(SELECT json_build_object('id', u.id, 'username', u.username, "
     "'totp_enabled', false) FROM u)::text"},
    {"cms_admin.user_groups", "cms_admin", SQL_WRITE,
     "WITH u AS (SELECT id, username FROM users "
     "WHERE id = $1::bigint FOR UPDATE), "
     "want AS (SELECT DISTINCT unnest($2::bigint[]) AS g), "
     "chk AS (SELECT EXISTS (SELECT 1 FROM u) AS found, "
     "(SELECT count(*) FROM groups "
     "WHERE id IN (SELECT g FROM want)) = "
     "(SELECT count(*) FROM want) AS groups_ok, "
     "($1::bigint <> $3::bigint OR EXISTS (SELECT 1 "
     "FROM group_permissions WHERE group_id IN (SELECT g FROM want) "
     "AND permission = 'users.manage')) AS keeps_manage), "
     "ok AS (SELECT 1 FROM chk WHERE found AND groups_ok AND keeps_manage), "
     "old AS (SELECT coalesce(json_agg(json_build_object( "
     "'id', g.id, 'name', g.name) ORDER BY g.id), '[]') AS j "
     "FROM user_groups ug JOIN groups g ON g.id = ug.group_id "
     "WHERE ug.user_id = $1::bigint), "
     "new AS (SELECT coalesce(json_agg(json_build_object( "
     "'id', g.id, 'name', g.name) ORDER BY g.id), '[]') AS j "
     "FROM groups g WHERE g.id IN (SELECT g FROM want)), "
     "del AS (DELETE FROM user_groups WHERE user_id = $1::bigint "
     "AND group_id NOT IN (SELECT g FROM want) "
     "AND EXISTS (SELECT 1 FROM ok)), "
     "ins AS (INSERT INTO user_groups (user_id, group_id) "
     "SELECT $1::bigint, g FROM want WHERE EXISTS (SELECT 1 FROM ok) "
     "ON CONFLICT DO NOTHING), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $3::bigint, "
     "(SELECT username FROM users WHERE id = $3::bigint), "
     "'user.groups', 'user', $1::bigint::text, "
     "jsonb_build_object('groups', old.j), "
     "jsonb_build_object('groups', new.j), $4::text "
     "FROM old, new, ok) "
     "SELECT CASE WHEN NOT found THEN 'not_found' "
     "WHEN NOT groups_ok THEN 'bad_groups' "
     "WHEN NOT keeps_manage THEN 'lockout' ELSE 'ok' END, "
     "json_build_object('id', $1::bigint, "
     "'username', (SELECT username FROM u), "
     "'groups', (SELECT j FROM new))::text FROM chk"},
    {"cms_admin.groups_list", "cms_admin", SQL_READ,
     "SELECT json_build_object('groups', coalesce(json_agg( "
     "json_build_object('id', g.id, 'name', g.name, "
     "'description', g.description, "
     "'permissions', (SELECT coalesce(json_agg(gp.permission "
     "ORDER BY gp.permission), '[]') FROM group_permissions gp "
     "WHERE gp.group_id = g.id), "
     "'providers', (SELECT coalesce(json_agg(p.provider "
     "ORDER BY p.provider), '[]') FROM group_providers p "
     "WHERE p.group_id = g.id), "
     "'members', (SELECT count(*) FROM user_groups ug "
     "WHERE ug.group_id = g.id)) "
     "ORDER BY lower(g.name), g.id), '[]'))::text FROM groups g"},
    {"cms_admin.permissions_list", "cms_admin", SQL_READ,
     "SELECT json_build_object('permissions', coalesce(json_agg( "
     "json_build_object('name', name, 'description', description) "
     "ORDER BY name), '[]'))::text FROM permissions"},
    {"cms_admin.group_create", "cms_admin", SQL_WRITE,
     "WITH want AS (SELECT DISTINCT value AS p "
     "FROM json_array_elements_text(coalesce($2::json, '[]'))), "
     "bad AS (SELECT string_agg(p, ', ' ORDER BY p) AS list FROM want "
     "WHERE p NOT IN (SELECT name FROM permissions)), "
     "ins AS (INSERT INTO groups (name) SELECT $1::text FROM bad "
     "WHERE list IS NULL RETURNING id, name), "
     "gp AS (INSERT INTO group_permissions (group_id, permission) "
     "SELECT ins.id, want.p FROM ins, want), "
     "res AS (SELECT ins.id, json_build_object('id', ins.id, "
     "'name', ins.name, 'permissions', (SELECT coalesce( "
     "json_agg(p ORDER BY p), '[]') FROM want), "
     "'providers', '[]'::json, 'members', 0) AS j FROM ins), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, after, client) "
     "SELECT $3::bigint, "
     "(SELECT username FROM users WHERE id = $3::bigint), "
     "'group.create', 'group', res.id::text, res.j::jsonb, $4::text "
     "FROM res) "
     "SELECT CASE WHEN list IS NULL THEN 'ok' ELSE 'bad_permissions' END, "
     "CASE WHEN list IS NULL THEN (SELECT j FROM res) "
     "ELSE json_build_object('what', 'unknown permission: ' || list) "
     "END::text FROM bad"},
    {"cms_admin.group_update", "cms_admin", SQL_WRITE,
     "WITH g AS (SELECT id, name FROM groups "
     "WHERE id = $1::bigint FOR UPDATE), "
     "oldp AS (SELECT permission AS p FROM group_permissions "
     "WHERE group_id = $1::bigint), "
     "want AS (SELECT DISTINCT value AS p "
     "FROM json_array_elements_text($3::json)), "
     "newp AS (SELECT p FROM want UNION ALL "
     "SELECT p FROM oldp WHERE $3::json IS NULL), "
     "bad AS (SELECT string_agg(p, ', ' ORDER BY p) AS list FROM want "
     "WHERE p NOT IN (SELECT name FROM permissions)), "
     "chk AS (SELECT EXISTS (SELECT 1 FROM g) AS found, "
     "(SELECT list FROM bad) IS NULL AS perms_ok, "
     "EXISTS (SELECT 1 FROM user_groups ug "
     "WHERE ug.user_id = $4::bigint AND CASE "
     "WHEN ug.group_id = $1::bigint "
     "THEN 'users.manage' IN (SELECT p FROM newp) "
     "ELSE EXISTS (SELECT 1 FROM group_permissions gp "
     "WHERE gp.group_id = ug.group_id "
     "AND gp.permission = 'users.manage') END) AS keeps_manage), "
     "ok AS (SELECT 1 FROM chk WHERE found AND perms_ok AND keeps_manage), "
     "upd AS (UPDATE groups SET name = coalesce($2::text, name) "
     "WHERE id = $1::bigint AND EXISTS (SELECT 1 FROM ok)), "
     "del AS (DELETE FROM group_permissions "
     "WHERE group_id = $1::bigint AND $3::json IS NOT NULL "
     "AND permission NOT IN (SELECT p FROM want) "
     "AND EXISTS (SELECT 1 FROM ok)), "
     "ins AS (INSERT INTO group_permissions (group_id, permission) "
     "SELECT $1::bigint, p FROM want WHERE EXISTS (SELECT 1 FROM ok) "
     "ON CONFLICT DO NOTHING), "
     "res AS (SELECT g.id, json_build_object('name', g.name, "
     "'permissions', (SELECT coalesce(json_agg(p ORDER BY p), '[]') "
     "FROM oldp)) AS was, "
     "json_build_object('name', coalesce($2::text, g.name), "
     "'permissions', (SELECT coalesce(json_agg(p ORDER BY p), '[]') "
     "FROM newp)) AS now FROM g), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $4::bigint, "
     "(SELECT username FROM users WHERE id = $4::bigint), "
     "'group.update', 'group', res.id::text, res.was::jsonb, "
     "res.now::jsonb, $5::text FROM res, ok) "
     "SELECT CASE WHEN NOT found THEN 'not_found' "
     "WHEN NOT perms_ok THEN 'bad_permissions' "
     "WHEN NOT keeps_manage THEN 'lockout' ELSE 'ok' END, "
     "CASE WHEN NOT perms_ok THEN json_build_object('what', "
     "'unknown permission: ' || (SELECT list FROM bad)) "
     "ELSE (SELECT json_build_object('id', res.id, "
     "'name', res.now->'name', 'permissions', res.now->'permissions') "
     "FROM res) END::text FROM chk"},
    {"cms_admin.group_delete", "cms_admin", SQL_WRITE,
     "WITH g AS (SELECT id, name FROM groups "
     "WHERE id = $1::bigint FOR UPDATE), "
     "chk AS (SELECT EXISTS (SELECT 1 FROM g) AS found, "
     "EXISTS (SELECT 1 FROM user_groups ug JOIN group_permissions gp "
     "ON gp.group_id = ug.group_id WHERE ug.user_id = $2::bigint "
     "AND ug.group_id <> $1::bigint "
     "AND gp.permission = 'users.manage') AS keeps_manage), "
     "ok AS (SELECT 1 FROM chk WHERE found AND keeps_manage), "
     "res AS (SELECT g.id, json_build_object('name', g.name, "
     "'permissions', (SELECT coalesce(json_agg(permission "
     "ORDER BY permission), '[]') FROM group_permissions "
     "WHERE group_id = g.id), "
     "'providers', (SELECT coalesce(json_agg(provider "
     "ORDER BY provider), '[]') FROM group_providers "
     "WHERE group_id = g.id), "
     "'members', (SELECT coalesce(json_agg(u.username "
     "ORDER BY lower(u.username)), '[]') "
     "FROM user_groups ug JOIN users u ON u.id = ug.user_id "
     "WHERE ug.group_id = g.id)) AS was FROM g), "
     "del AS (DELETE FROM groups WHERE id = $1::bigint "
     "AND EXISTS (SELECT 1 FROM ok)), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, client) "
     "SELECT $2::bigint, "
     "(SELECT username FROM users WHERE id = $2::bigint), "
     "'group.delete', 'group', res.id::text, res.was::jsonb, $3::text "
     "FROM res, ok) "
     "SELECT CASE WHEN NOT found THEN 'not_found' "
     "WHEN NOT keeps_manage THEN 'lockout' ELSE 'ok' END, "
     "json_build_object('id', $1::bigint, "
     "'deleted', found AND keeps_manage)::text FROM chk"},
    {"cms_admin.group_providers", "cms_admin", SQL_WRITE,
     "WITH g AS (SELECT id FROM groups WHERE id = $1::bigint FOR UPDATE), "
     "want AS (SELECT DISTINCT value AS p "
     "FROM json_array_elements_text($2::json)), "
     "oldp AS (SELECT provider AS p FROM group_providers "
     "WHERE group_id = $1::bigint), "
     "del AS (DELETE FROM group_providers "
     "WHERE group_id IN (SELECT id FROM g) "
     "AND provider NOT IN (SELECT p FROM want)), "
     "ins AS (INSERT INTO group_providers (group_id, provider) "
     "SELECT g.id, want.p FROM g, want ON CONFLICT DO NOTHING), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $3::bigint, "
     "(SELECT username FROM users WHERE id = $3::bigint), "
     "'group.providers', 'group', g.id::text, "
     "jsonb_build_object('providers', (SELECT coalesce( "
     "jsonb_agg(p ORDER BY p), '[]') FROM oldp)), "
     "jsonb_build_object('providers', (SELECT coalesce( "
     "jsonb_agg(p ORDER BY p), '[]') FROM want)), $4::text FROM g) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM g) THEN 'ok' "
     "ELSE 'not_found' END, "
     "json_build_object('id', $1::bigint, 'providers', (SELECT coalesce( "
     "json_agg(p ORDER BY p), '[]') FROM want))::text"},
    {"cms_admin.audit_list", "cms_admin", SQL_READ,
     "WITH f AS (SELECT * FROM audit_log a WHERE ($1::text IS NULL "
     "OR lower(a.actor_username) = lower($1::text)) "
     "AND ($2::text IS NULL OR a.action = $2::text "
     "OR starts_with(a.action, $2::text || '.')) "
     "AND ($3::date IS NULL OR a.at >= $3::date) "
     "AND ($4::date IS NULL OR a.at < $4::date + 1)) "
     "SELECT json_build_object('total', (SELECT count(*) FROM f), "
     "'page', $5::int, 'page_size', $6::int, "
     "'results', (SELECT coalesce(json_agg(json_build_object( "
     "'id', r.id, "
     "'at', to_char(r.at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), "
     "'actor', r.actor_username, 'actor_id', r.actor_id, "
     "'action', r.action, 'target_type', r.target_type, "
     "'target_id', r.target_id, 'before', r.before, "
     "'after', r.after, 'comment', r.comment, 'client', r.client) "
     "ORDER BY r.at DESC, r.id DESC), '[]') "
     "FROM (SELECT * FROM f ORDER BY at DESC, id DESC "
     "LIMIT $6::int OFFSET ($5::int - 1) * $6::int) r))::text"},
    /* lifted-cms createsuperuser (cms_server/users_cmd.c), one
     * transaction: the user, the group holding every permission, the
     * membership and the audit row (auth.audit_insert). */
    {"auth.cli_user_create", "cms_auth", SQL_WRITE,
     "INSERT INTO users (username, password_hash) VALUES ($1, $2) "
     "RETURNING id"},
    {"auth.cli_admin_group", "cms_auth", SQL_WRITE,
     "WITH i AS (INSERT INTO groups (name, description) "
     "VALUES ($1, 'every permission') "
     "ON CONFLICT ((lower(name))) DO NOTHING RETURNING id) "
     "SELECT id FROM i UNION ALL "
     "SELECT id FROM groups WHERE lower(name) = lower($1)"},
    {"auth.cli_group_grant_all", "cms_auth", SQL_WRITE,
     "INSERT INTO group_permissions (group_id, permission) "
     "SELECT $1::bigint, name FROM permissions ON CONFLICT DO NOTHING"},
    {"auth.cli_user_group", "cms_auth", SQL_WRITE,
     "INSERT INTO user_groups (user_id, group_id) "
     "VALUES ($1::bigint, $2::bigint) ON CONFLICT DO NOTHING"},
    /*
     * The framework-import staging area (cms_server/import.c,
     * migrations/cms/0004_import.sql).  upload replaces the user's sheet
     * only when the user's other sheets plus this one stay within $5
     * bytes; other users' uploads older than a day go on the way.  data
     * is sent and read as bytea hex text.
     */
    {"cms_import.upload", "cms_import", SQL_WRITE,
     "WITH gc AS (DELETE FROM import_uploads WHERE owner_id <> $1::bigint "
     "AND created_at < now() - interval '1 day'), "
     "other AS (SELECT coalesce(sum(octet_length(data)), 0) AS n "
     "FROM import_uploads WHERE owner_id = $1::bigint AND sheet <> $2), "
     "up AS (INSERT INTO import_uploads (owner_id, sheet, format, data) "
     "SELECT $1::bigint, $2, $3, $4::bytea FROM other "
     "WHERE other.n + octet_length($4::bytea) <= $5::bigint "
     "ON CONFLICT (owner_id, sheet) DO UPDATE SET format = "
     "EXCLUDED.format, data = EXCLUDED.data, created_at = now() "
     "RETURNING 1) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM up) THEN 'ok' "
     "ELSE 'too_large' END, (SELECT n FROM other)"},
    {"cms_import.list", "cms_import", SQL_READ,
     "SELECT id, sheet, format, data FROM import_uploads "
     "WHERE owner_id = $1::bigint ORDER BY sheet"},
    {"cms_import.status", "cms_import", SQL_READ,
     "SELECT json_build_object('uploads', coalesce(json_agg("
     "json_build_object('sheet', sheet, 'format', format, 'bytes', "
     "octet_length(data), 'uploaded_at', created_at) ORDER BY sheet), "
     "'[]'::json)) FROM import_uploads WHERE owner_id = $1::bigint"},
    /* $2 NULL: every sheet of the user; else the ids an apply read. */
    {"cms_import.clear", "cms_import", SQL_WRITE,
     "DELETE FROM import_uploads WHERE owner_id = $1::bigint "
     "AND ($2::bigint[] IS NULL OR id = ANY ($2::bigint[]))"},
    /*
     * Courses in the CMS (cms_server/courses.c, docs/cms-courses.md).
     * cms_courses.* run on the CMS database, cms_app_courses.* on the
     * App database as cms_publisher.  A scope parameter is the caller's
     * provider grants as a JSON array of lower-cased names, or NULL for
     * "every provider"; a row outside it reads as absent.  Every App
     * write notifies lifted_courses in its own statement (the
     * notification is sent at commit) with the WAL position, so App
     * workers on a replica wait for it.
     */
    {"cms_courses.scope", "cms_courses", SQL_READ,
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM user_groups ug "
     "WHERE ug.user_id = $1::bigint AND NOT EXISTS (SELECT 1 "
     "FROM group_providers gp WHERE gp.group_id = ug.group_id)) "
     "THEN NULL ELSE (SELECT coalesce(json_agg(DISTINCT "
     "lower(gp.provider)), '[]') FROM user_groups ug JOIN group_providers "
     "gp ON gp.group_id = ug.group_id WHERE ug.user_id = $1::bigint)::text "
     "END"},
    {"cms_courses.scraped_list", "cms_courses", SQL_READ,
     "WITH f AS (SELECT c.* FROM scraped_courses c "
     "WHERE ($1::text IS NULL OR c.state = $1::text) "
     "AND ($2::text IS NULL OR lower(c.provider) = lower($2::text)) "
     "AND ($3::text IS NULL OR c.spider_name = $3::text) "
     "AND ($4::text IS NULL OR strpos(lower(c.name), lower($4::text)) > 0) "
     "AND " CMS_SCOPE("c.provider",
                      "$7") "), "
                            "p AS (SELECT * FROM f ORDER BY id "
                            "LIMIT $6::int OFFSET ($5::int - 1) * $6::int) "
                            "SELECT json_build_object('total', (SELECT "
                            "count(*) FROM f), "
                            "'page', $5::int, 'page_size', $6::int, "
                            "'results', (SELECT "
                            "coalesce(json_agg(" CMS_SCRAPED_JSON(
                                "p") " || "
                                     "jsonb_build_object('duplicates',"
                                     " " CMS_DUPES("p") ") ORDER BY p.id), "
                                                        "'[]') FROM p))::text"},
    {"cms_courses.scraped_get", "cms_courses", SQL_READ,
     "SELECT (" CMS_SCRAPED_JSON(
         "c") " || jsonb_build_object("
              "'duplicates', " CMS_DUPES(
                  "c") "))::text "
                       "FROM scraped_courses c WHERE c.id = $1::bigint "
                       "AND " CMS_SCOPE("c.provider", "$2")},
    /* $2 the merged course (validated), $3 changed members (old), $4
     * the same (new), $5 their names, $9 the version the edit is based
     * on (a concurrent edit makes it 'conflict'). */
    {"cms_courses.scraped_update", "cms_courses", SQL_WRITE,
     "WITH old AS (SELECT * FROM scraped_courses "
     "WHERE id = $1::bigint FOR UPDATE), n AS (SELECT $2::jsonb AS j), "
     "u AS (UPDATE scraped_courses c SET name = n.j->>'name', "
     "provider = n.j->>'provider', url = n.j->>'url', "
     "cost = (n.j->>'cost')::numeric, "
     "cost_varies = coalesce((n.j->>'cost_varies')::boolean, false), "
     "level_id = (n.j->>'level_id')::int, "
     "format_id = (n.j->>'format_id')::int, "
     "cpd_state = n.j->>'cpd_state', "
     "cpd_points = (n.j->>'cpd_points')::numeric, "
     "is_ongoing = coalesce((n.j->>'is_ongoing')::boolean, false), "
     "dates = coalesce(n.j->'dates', '[]'), "
     "category_ids = ARRAY(SELECT jsonb_array_elements_text("
     "n.j->'category_ids')::int), "
     "edited_fields = ARRAY(SELECT DISTINCT x FROM unnest("
     "c.edited_fields || $5::text[]) x ORDER BY x), updated_at = now() "
     "FROM n, old WHERE c.id = old.id "
     "AND old.state IN ('scraped', 'in_review') "
     "AND " CMS_VERSION("old.updated_at") " = $9::text RETURNING c.*), "
                                          "a AS (INSERT INTO audit_log "
                                          "(actor_id, actor_username, action, "
                                          "target_type, target_id, before, "
                                          "after, client, comment) "
                                          "SELECT $6::bigint, (SELECT username "
                                          "FROM users WHERE id = $6::bigint), "
                                          "'course.edit', 'scraped_course', "
                                          "u.id::text, $3::jsonb, $4::jsonb, "
                                          "$7::text, $8::text FROM u) "
                                          "SELECT CASE WHEN NOT EXISTS (SELECT "
                                          "1 FROM old) THEN 'not_found' "
                                          "WHEN NOT EXISTS (SELECT 1 FROM u) "
                                          "AND EXISTS (SELECT 1 FROM old "
                                          "WHERE state IN ('scraped', "
                                          "'in_review')) THEN 'conflict' "
                                          "WHEN NOT EXISTS (SELECT 1 FROM u) "
                                          "THEN 'wrong_state' ELSE 'ok' END, "
                                          "(SELECT state FROM old), "
                                          "(SELECT (" CMS_SCRAPED_JSON(
                                              "u") ")::text FROM u)"},
    /* A workflow step: only from the state the caller saw ($2), so a
     * concurrent step makes this one a no-op ('conflict'). */
    {"cms_courses.transition", "cms_courses", SQL_WRITE,
     "WITH u AS (UPDATE scraped_courses SET state = $3::text, "
     "app_course_id = $4::bigint, published_at = CASE WHEN "
     "$3::text = 'published' THEN now() ELSE published_at END, "
     "updated_at = now() WHERE id = $1::bigint AND state = $2::text "
     "RETURNING *), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client, comment) "
     "SELECT $6::bigint, (SELECT username FROM users WHERE id = $6::bigint), "
     "$5::text, 'scraped_course', u.id::text, "
     "jsonb_build_object('state', $2::text), "
     "jsonb_build_object('state', $3::text, 'app_course_id', "
     "u.app_course_id), $7::text, $8::text FROM u) "
     "SELECT CASE WHEN EXISTS (SELECT 1 FROM u) THEN 'ok' "
     "ELSE 'conflict' END, (SELECT (" CMS_SCRAPED_JSON("u") ")::text "
                                                            "FROM u)"},
    /* $1 [[scraped id, App course id], ...] from cms_app_courses.refs;
     * $2 the actor (NULL at start-up). */
    {"cms_courses.reconcile", "cms_courses", SQL_WRITE,
     "WITH m AS (SELECT (e->>0)::bigint AS sid, (e->>1)::bigint AS aid "
     "FROM jsonb_array_elements($1::jsonb) e), "
     "o AS (SELECT c.id, c.state, m.aid FROM scraped_courses c "
     "JOIN m ON m.sid = c.id WHERE c.state IN ('scraped', 'in_review') "
     "FOR UPDATE OF c), "
     "u AS (UPDATE scraped_courses c SET state = 'published', "
     "app_course_id = o.aid, published_at = now(), updated_at = now() "
     "FROM o WHERE c.id = o.id RETURNING c.id, o.state AS old_state, "
     "c.app_course_id), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client, comment) "
     "SELECT $2::bigint, coalesce((SELECT username FROM users "
     "WHERE id = $2::bigint), '(reconcile)'), 'course.reconcile', "
     "'scraped_course', u.id::text, "
     "jsonb_build_object('state', u.old_state), "
     "jsonb_build_object('state', 'published', 'app_course_id', "
     "u.app_course_id), $3::text, "
     "'found published in the App database' FROM u) "
     "SELECT json_build_object('marked', (SELECT coalesce(json_agg(id "
     "ORDER BY id), '[]') FROM u))::text"},
    {"cms_courses.history", "cms_courses", SQL_READ,
     "SELECT json_build_object('results', coalesce(json_agg("
     "json_build_object('id', a.id, "
     "'at', to_char(a.at, 'YYYY-MM-DD\"T\"HH24:MI:SSTZH:TZM'), "
     "'actor', a.actor_username, 'action', a.action, "
     "'before', a.before, 'after', a.after, 'comment', a.comment) "
     "ORDER BY a.at, a.id), '[]'))::text FROM audit_log a "
     "WHERE a.target_type = $1::text AND a.target_id = $2::text"},
    {"cms_courses.duplicates", "cms_courses", SQL_READ,
     "WITH f AS (SELECT c.id, " CMS_NORM(
         "c.name") " AS k, "
                   "left(c.dates->0->>'start', 10) AS s, lower(c.provider) AS "
                   "p, "
                   "c.spider_name AS sp, c.name FROM scraped_courses c "
                   "WHERE c.state <> 'dismissed' AND " CMS_SCOPE(
                       "c.provider",
                       "$1") "), "
                             "g AS (SELECT k, s, min(name) AS name, "
                             "json_agg(id ORDER BY id) AS ids "
                             "FROM f GROUP BY k, s HAVING count(DISTINCT "
                             "(coalesce(p, ''), "
                             "coalesce(sp, ''))) > 1) "
                             "SELECT json_build_object('groups', "
                             "coalesce(json_agg("
                             "json_build_object('name', name, 'start', s, "
                             "'ids', ids) "
                             "ORDER BY k, s), '[]'))::text FROM g"},
    /* Best first: exact name or alias, name prefix, substring. */
    {"cms_courses.providers_find", "cms_courses", SQL_READ,
     "WITH q AS (SELECT lower(btrim(coalesce($1::text, ''))) AS q), "
     "m AS (SELECT p.*, CASE WHEN lower(p.name) = q.q THEN 0 "
     "WHEN EXISTS (SELECT 1 FROM unnest(p.aliases) al "
     "WHERE lower(al) = q.q) THEN 1 "
     "WHEN starts_with(lower(p.name), q.q) THEN 2 "
     "WHEN strpos(lower(p.name), q.q) > 0 OR EXISTS (SELECT 1 "
     "FROM unnest(p.aliases) al WHERE strpos(lower(al), q.q) > 0) THEN 3 "
     "END AS rank FROM providers p, q) "
     "SELECT json_build_object('results', coalesce(json_agg("
     "json_build_object('id', id, 'name', name, 'aliases', aliases, "
     "'match', (ARRAY['exact', 'alias', 'prefix', 'substring'])[rank + 1]) "
     "ORDER BY rank, lower(name)), '[]'))::text "
     "FROM (SELECT * FROM m WHERE rank IS NOT NULL "
     "ORDER BY rank, lower(name) LIMIT 20) r"},
    {"cms_courses.provider_create", "cms_courses", SQL_WRITE,
     "WITH i AS (INSERT INTO providers (name, aliases) VALUES ($1::text, "
     "ARRAY(SELECT jsonb_array_elements_text($2::jsonb))) RETURNING *), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $3::bigint, (SELECT username FROM users WHERE id = $3::bigint), "
     "'provider.create', 'provider', i.id::text, NULL, "
     "jsonb_build_object('name', i.name, 'aliases', i.aliases), $4::text "
     "FROM i) "
     "SELECT json_build_object('id', id, 'name', name, 'aliases', "
     "aliases)::text FROM i"},

    /* The App's lists a course picks from (validation). */
    {"cms_app_courses.lists", "cms_app_courses", SQL_READ,
     "SELECT json_build_object("
     "'levels', (SELECT coalesce(json_agg(id ORDER BY id), '[]') "
     "FROM levels), "
     "'formats', (SELECT coalesce(json_agg(id ORDER BY id), '[]') "
     "FROM formats), "
     "'categories', (SELECT coalesce(json_agg(id ORDER BY id), '[]') "
     "FROM vertical_categories))::text"},
    /* The editor's choices (GET /cms/api/courses/lists). */
    {"cms_app_courses.editor_lists", "cms_app_courses", SQL_READ,
     "SELECT json_build_object("
     "'levels', (SELECT coalesce(json_agg(json_build_object('id', id, "
     "'name', name, 'acronym', acronym) ORDER BY id), '[]') FROM levels), "
     "'formats', (SELECT coalesce(json_agg(json_build_object('id', id, "
     "'name', name, 'acronym', acronym) ORDER BY id), '[]') FROM formats), "
     "'verticals', (SELECT coalesce(json_agg(json_build_object('id', v.id, "
     "'name', v.name, 'categories', (SELECT coalesce(json_agg("
     "json_build_object('id', c.id, 'name', c.title, 'is_specialism', "
     "c.is_specialism) ORDER BY c.key), '[]') FROM vertical_categories c "
     "WHERE c.vertical_id = v.id)) ORDER BY v.id), '[]') "
     "FROM verticals v))::text"},
    {"cms_app_courses.get", "cms_app_courses", SQL_READ,
     "SELECT " CMS_APP_JSON("c") "::text FROM courses c "
                                 "WHERE c.id = $1::bigint AND " CMS_SCOPE(
                                     "c.provider", "$2")},
    {"cms_app_courses.list", "cms_app_courses", SQL_READ,
     "WITH f AS (SELECT c.*, CASE $1::text WHEN 'name' THEN lower(c.name) "
     "WHEN 'provider' THEN lower(c.provider) END AS sk_t, "
     "CASE $1::text WHEN 'cost' THEN c.cost WHEN 'cpd' THEN c.cpd_points "
     "END AS sk_n, CASE WHEN $1::text = 'start' THEN (SELECT "
     "min(d.start_at) FROM course_dates d WHERE d.course_id = c.id) END "
     "AS sk_d FROM courses c "
     "WHERE ($3::text IS NULL OR lower(c.provider) = lower($3::text)) "
     "AND ($4::int IS NULL OR c.level_id = $4::int) "
     "AND ($5::int IS NULL OR c.format_id = $5::int) "
     "AND ($6::int IS NULL OR EXISTS (SELECT 1 FROM course_categories cc "
     "WHERE cc.course_id = c.id AND cc.vertical_category_id = $6::int)) "
     "AND (($7::date IS NULL AND $8::date IS NULL) OR EXISTS (SELECT 1 "
     "FROM course_dates d WHERE d.course_id = c.id "
     "AND ($7::date IS NULL "
     "OR d.start_at >= $7::date::timestamp AT TIME ZONE $13::text) "
     "AND ($8::date IS NULL "
     "OR d.start_at < ($8::date + 1)::timestamp AT TIME ZONE $13::text))) "
     "AND ($9::text IS NULL OR strpos(lower(c.name), lower($9::text)) > 0) "
     "AND " CMS_SCOPE(
         "c.provider",
         "$12") "), "
                /* A top-N sort of the page, not a numbering of every row: 6 ms
                 * instead of 10 with 5,000 courses. */
                "p AS (SELECT o.*, row_number() OVER () AS ord FROM (SELECT * "
                "FROM f ORDER BY "
                "CASE WHEN $2::text = 'asc' THEN sk_t END ASC NULLS LAST, "
                "CASE WHEN $2::text = 'desc' THEN sk_t END DESC NULLS LAST, "
                "CASE WHEN $2::text = 'asc' THEN sk_n END ASC NULLS LAST, "
                "CASE WHEN $2::text = 'desc' THEN sk_n END DESC NULLS LAST, "
                "CASE WHEN $2::text = 'asc' THEN sk_d END ASC NULLS LAST, "
                "CASE WHEN $2::text = 'desc' THEN sk_d END DESC NULLS LAST, id "
                "LIMIT $11::int OFFSET ($10::int - 1) * $11::int) o) "
                "SELECT json_build_object('total', (SELECT count(*) FROM f), "
                "'page', $10::int, 'page_size', $11::int, "
                "'results', (SELECT coalesce(json_agg(" CMS_APP_JSON(
                    "p") " ORDER BY p.ord), '[]') FROM p))::text"},
    /*
     * Publish or create: one transaction making the course, its dates
     * and tags.  Keyed by source_ref, so a retried publish updates the
     * course it made instead of adding a second.  Dates and tags not in
     * the new set are deleted and the rest upserted (a delete and an
     * insert of the same key in one statement could run in either
     * order).  $1 source_ref (NULL: a manual course gets a fresh one).
     */
    {"cms_app_courses.publish", "cms_app_courses", SQL_WRITE,
     "WITH n AS (SELECT $2::jsonb AS j, $5::text AS tz), "
     "c AS (INSERT INTO courses (source_ref, name, provider, url, cost, "
     "cost_varies, level_id, format_id, spider_name, is_manually_added, "
     "is_ongoing, cpd_state, cpd_points, brochure_key, brochure_type, "
     "logo_key, logo_type) "
     "SELECT coalesce($1::text, 'manual:' || "
     "gen_random_uuid()), " CMS_APP_VALUES ", "
     "$6::jsonb->'brochure'->>'key', "
     "$6::jsonb->'brochure'->>'content_type', "
     "$6::jsonb->'logo'->>'key', $6::jsonb->'logo'->>'content_type' FROM n "
     /* Media the scraped row has replace the App's; without, media
      * uploaded to the App course itself stay. */
     "ON CONFLICT (source_ref) DO UPDATE SET "
     "brochure_key = coalesce(EXCLUDED.brochure_key, "
     "courses.brochure_key), "
     "brochure_type = CASE WHEN EXCLUDED.brochure_key IS NULL "
     "THEN courses.brochure_type ELSE EXCLUDED.brochure_type END, "
     "logo_key = coalesce(EXCLUDED.logo_key, courses.logo_key), "
     "logo_type = CASE WHEN EXCLUDED.logo_key IS NULL "
     "THEN courses.logo_type ELSE EXCLUDED.logo_type END, "
     "name = EXCLUDED.name, "
     "provider = EXCLUDED.provider, url = EXCLUDED.url, "
     "cost = EXCLUDED.cost, cost_varies = EXCLUDED.cost_varies, "
     "level_id = EXCLUDED.level_id, format_id = EXCLUDED.format_id, "
     "spider_name = EXCLUDED.spider_name, "
     "is_ongoing = EXCLUDED.is_ongoing, cpd_state = EXCLUDED.cpd_state, "
     "cpd_points = EXCLUDED.cpd_points, updated_at = now() "
     "RETURNING id), " CMS_APP_CHILDREN
     "SELECT c.id, pg_notify('lifted_courses', "
     "pg_current_wal_lsn()::text) FROM c"},
    {"cms_app_courses.update", "cms_app_courses", SQL_WRITE,
     "WITH n AS (SELECT $2::jsonb AS j, $4::text AS tz), "
     "c AS (UPDATE courses c SET name = n.j->>'name', "
     "provider = n.j->>'provider', url = n.j->>'url', "
     "cost = (n.j->>'cost')::numeric, "
     "cost_varies = coalesce((n.j->>'cost_varies')::boolean, false), "
     "level_id = (n.j->>'level_id')::int, "
     "format_id = (n.j->>'format_id')::int, "
     "is_ongoing = coalesce((n.j->>'is_ongoing')::boolean, false), "
     "cpd_state = n.j->>'cpd_state', "
     "cpd_points = (n.j->>'cpd_points')::numeric, updated_at = now() "
     "FROM n WHERE c.id = $1::bigint AND " CMS_SCOPE(
         "c.provider",
         "$3") " AND " CMS_VERSION("c.updated_at") " = $5::text"
                                                   " RETURNING "
                                                   "c.id), " CMS_APP_CHILDREN
                                                   "SELECT c.id, "
                                                   "pg_notify('lifted_courses',"
                                                   " "
                                                   "pg_current_wal_lsn()::text)"
                                                   " FROM c"},
    {"cms_app_courses.delete", "cms_app_courses", SQL_WRITE,
     "WITH d AS (DELETE FROM courses c WHERE c.id = $1::bigint AND " CMS_SCOPE(
         "c.provider", "$2") " RETURNING c.id) "
                             "SELECT d.id, pg_notify('lifted_courses', "
                             "pg_current_wal_lsn()::text) FROM d"},
    /* Unpublish (archive, back to review): idempotent by source_ref. */
    {"cms_app_courses.unpublish", "cms_app_courses", SQL_WRITE,
     "WITH d AS (DELETE FROM courses WHERE source_ref = $1::text "
     "RETURNING id) SELECT (SELECT count(*) FROM d), "
     "pg_notify('lifted_courses', pg_current_wal_lsn()::text)"},
    /* Reconcile: every course the CMS published, by scraped id. */
    {"cms_app_courses.refs", "cms_app_courses", SQL_READ,
     "SELECT coalesce(json_agg(json_build_array(substr(source_ref, 5)"
     "::bigint, id) ORDER BY id), '[]')::text FROM courses "
     "WHERE source_ref ~ '^cms:[0-9]{1,18}$'"},
    /*
     * Media of App courses (cms_server/uploads.c, docs/media.md).  An
     * upload sets one kind of a course found by id ($1, in scope $6) or
     * by source_ref ($2, a published scraped row); updated_at stays, so
     * an editor's open form is not made stale by an upload.
     */
    {"cms_app_courses.set_media", "cms_app_courses", SQL_WRITE,
     "WITH c AS (UPDATE courses SET "
     "brochure_key = CASE WHEN $3::text = 'brochure' THEN $4::text "
     "ELSE brochure_key END, "
     "brochure_type = CASE WHEN $3::text = 'brochure' THEN $5::text "
     "ELSE brochure_type END, "
     "logo_key = CASE WHEN $3::text = 'logo' THEN $4::text "
     "ELSE logo_key END, "
     "logo_type = CASE WHEN $3::text = 'logo' THEN $5::text "
     "ELSE logo_type END "
     "WHERE (id = $1::bigint OR source_ref = $2::text) AND " CMS_SCOPE(
         "provider", "$6") " RETURNING id) "
                           "SELECT c.id, pg_notify('lifted_courses', "
                           "pg_current_wal_lsn()::text) FROM c"},
    {"cms_app_courses.media_get", "cms_app_courses", SQL_READ,
     "SELECT json_build_object('brochure', CASE WHEN brochure_key IS NOT "
     "NULL THEN json_build_object('key', brochure_key, 'content_type', "
     "brochure_type) END, 'logo', CASE WHEN logo_key IS NOT NULL THEN "
     "json_build_object('key', logo_key, 'content_type', logo_type) "
     "END)::text FROM courses WHERE id = $1::bigint AND " CMS_SCOPE("provider",
                                                                    "$2")},
    /*
     * Upload records (migrations/cms/0006_uploads.sql).  link: the new
     * row, linked to its target, detaching the one it replaces (read
     * through "old" first, so the unique index of current uploads sees
     * the old row detached), and its audit row.  $1 key, $2 kind, $3
     * content type, $4 size, $5 sha256, $6 name, $7 user, $8 target
     * type, $9 target id, $10 client.  Returns the new id, the replaced
     * id and the upload as JSON.
     */
    {"cms_uploads.link", "cms_uploads", SQL_WRITE,
     "WITH old AS (UPDATE uploads SET detached_at = now() "
     "WHERE target_type = $8::text AND target_id = $9::bigint "
     "AND kind = $2::text AND detached_at IS NULL "
     "RETURNING id, storage_key), "
     "i AS (INSERT INTO uploads (storage_key, kind, content_type, "
     "byte_size, sha256, original_name, uploaded_by, target_type, "
     "target_id) SELECT $1::text, $2::text, $3::text, $4::bigint, "
     "$5::text, $6::text, $7::bigint, $8::text, $9::bigint "
     "FROM (SELECT count(*) FROM old) o RETURNING *), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client) "
     "SELECT $7::bigint, (SELECT username FROM users "
     "WHERE id = $7::bigint), CASE WHEN EXISTS (SELECT 1 FROM old) "
     "THEN 'course.media_replace' ELSE 'course.media_upload' END, "
     "$8::text, $9::text, (SELECT jsonb_build_object($2::text, "
     "storage_key) FROM old LIMIT 1), jsonb_build_object($2::text, "
     "i.storage_key, 'content_type', i.content_type, 'size', "
     "i.byte_size, 'sha256', i.sha256, 'name', i.original_name), "
     "$10::text FROM i) "
     "SELECT i.id, (SELECT id FROM old LIMIT 1), json_build_object("
     "'id', i.id, 'kind', i.kind, 'key', i.storage_key, "
     "'content_type', i.content_type, 'size', i.byte_size, "
     "'sha256', i.sha256, 'name', i.original_name, "
     "'target_type', i.target_type, 'target_id', i.target_id, "
     "'replaced', (SELECT storage_key FROM old LIMIT 1), "
     "'created_at', " CMS_ISO("i.created_at") ")::text FROM i"},
    /* Undoes link when the App half failed: the new row goes, the one
     * it replaced is current again, and the audit log says so.  $1 new
     * id, $2 replaced id, $3 user, $4 client. */
    {"cms_uploads.revert", "cms_uploads", SQL_WRITE,
     "WITH d AS (DELETE FROM uploads WHERE id = $1::bigint "
     "RETURNING id, kind, storage_key, target_type, target_id), "
     "r AS (UPDATE uploads SET detached_at = NULL WHERE id = $2::bigint "
     "AND (SELECT count(*) FROM d) > 0 RETURNING id), "
     "a AS (INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, before, after, client, comment) "
     "SELECT $3::bigint, (SELECT username FROM users "
     "WHERE id = $3::bigint), 'course.media_undo', d.target_type, "
     "d.target_id::text, jsonb_build_object(d.kind, d.storage_key), "
     "NULL, $4::text, 'the App half failed: upload undone' FROM d) "
     "SELECT (SELECT count(*) FROM d), (SELECT count(*) FROM r)"},
    /* A course is gone: its uploads are detached (housekeeping deletes
     * them after the grace period).  $1 target type, $2 target id. */
    {"cms_uploads.detach", "cms_uploads", SQL_WRITE,
     "WITH u AS (UPDATE uploads SET detached_at = now() "
     "WHERE target_type = $1::text AND target_id = $2::bigint "
     "AND detached_at IS NULL RETURNING id) SELECT count(*) FROM u"},
    /* The current uploads of a target, by kind. */
    {"cms_uploads.current", "cms_uploads", SQL_READ,
     "SELECT coalesce(json_object_agg(kind, json_build_object('id', id, "
     "'key', storage_key, 'content_type', content_type, 'size', "
     "byte_size, 'sha256', sha256, 'name', original_name, 'created_at', "
     "" CMS_ISO("created_at") ")), '{}')::text FROM uploads "
                              "WHERE target_type = $1::text AND target_id = "
                              "$2::bigint "
                              "AND detached_at IS NULL"},
    /*
     * Scraper jobs (cms_server/scrapers.c, docs/scraper-jobs.md).  A
     * live job whose lease passed belongs to a dead process: failed
     * before every listing, so a crash never blocks its spider.
     */
    {"scrapers.expire", "cms_scrapers", SQL_WRITE,
     "UPDATE scraper_jobs SET state = 'failed', ended_at = now(), "
     "error = 'lease expired: the scraper process died or never started' "
     "WHERE state IN ('queued', 'running') AND lease_until < now()"},
    /* $1 a JSON array of spider names, in the order to list them. */
    {"scrapers.list", "cms_scrapers", SQL_READ,
     "SELECT json_build_object('spiders', coalesce(json_agg("
     "json_build_object('name', x.s, 'last_job', (SELECT " SCR_JOB_JSON(
         "j") " FROM scraper_jobs j WHERE j.spider = x.s ORDER BY j.id DESC "
              "LIMIT 1)) ORDER BY x.o), '[]'))::text "
              "FROM jsonb_array_elements_text($1::jsonb) WITH ORDINALITY x(s, "
              "o)"},
    /* A queued job; the scraper it spawns must claim it within 30 s. */
    {"scrapers.start", "cms_scrapers", SQL_WRITE,
     "WITH j AS (INSERT INTO scraper_jobs (spider, created_by, "
     "lease_until) VALUES ($1, $2::bigint, now() + interval '30 s') "
     "RETURNING *) SELECT j.id, " SCR_JOB_JSON("j") "::text FROM j"},
    {"scrapers.spawn_failed", "cms_scrapers", SQL_WRITE,
     "UPDATE scraper_jobs SET state = 'failed', ended_at = now(), "
     "error = left($2, 2000) WHERE id = $1::bigint AND state = 'queued'"},
    /* $2: only log lines after this number (live polling). */
    {"scrapers.job", "cms_scrapers", SQL_READ,
     "SELECT json_build_object('job', " SCR_JOB_JSON(
         "j") ", "
              "'log', (SELECT coalesce(json_agg(json_build_object('n', l.n, "
              "'at', " CMS_ISO("l.at") ", 'level', l.level, "
                                       "'message', l.message) ORDER BY l.n), "
                                       "'[]') FROM (SELECT * FROM "
                                       "scraper_job_log WHERE job_id = j.id "
                                       "AND n > $2::int ORDER BY n "
                                       "LIMIT 200) l))::text FROM scraper_jobs "
                                       "j WHERE j.id = $1::bigint"},
    /* A queued job is cancelled at once (its scraper then finds nothing
     * to claim); a running one is asked to stop. */
    {"scrapers.cancel", "cms_scrapers", SQL_WRITE,
     "UPDATE scraper_jobs SET cancel_requested = true, "
     "state = CASE WHEN state = 'queued' THEN 'cancelled' ELSE state END, "
     "ended_at = CASE WHEN state = 'queued' THEN now() END "
     "WHERE id = $1::bigint AND state IN ('queued', 'running') "
     "RETURNING spider"},
    {"scrapers.job_exists", "cms_scrapers", SQL_READ,
     "SELECT state FROM scraper_jobs WHERE id = $1::bigint"},
    {"scrapers.proposals", "cms_scrapers", SQL_READ,
     "SELECT json_build_object('proposals', coalesce(json_agg("
     "json_build_object('id', p.id, 'job_id', p.job_id, "
     "'scraped_course_id', p.scraped_course_id, "
     "'app_course_id', p.app_course_id, 'spider', s.spider_name, "
     "'url', s.source_url, 'current', json_build_object('name', s.name, "
     "'dates', s.dates, 'cpd_state', s.cpd_state, "
     "'cpd_points', s.cpd_points, 'level', s.scraped_level), "
     "'proposed', p.proposed, 'created_at', " CMS_ISO(
         "p.created_at") ") ORDER BY p.id DESC), '[]'))::text "
                         "FROM scraper_proposals p JOIN scraped_courses s "
                         "ON s.id = p.scraped_course_id WHERE p.state = "
                         "'proposed'"},
    {"scrapers.proposal_get", "cms_scrapers", SQL_READ,
     "SELECT p.app_course_id, p.proposed::text, p.scraped_course_id "
     "FROM scraper_proposals p WHERE p.id = $1::bigint "
     "AND p.state = 'proposed'"},
    /* $2 'applied' or 'dismissed'.  Applying copies the values to the
     * scraped row (the next run compares with them) and closes older
     * open proposals of the same course. */
    {"scrapers.proposal_decide", "cms_scrapers", SQL_WRITE,
     "WITH p AS (UPDATE scraper_proposals SET state = $2, "
     "decided_at = now(), decided_by = $3::bigint WHERE id = $1::bigint "
     "AND state = 'proposed' RETURNING *), "
     "o AS (UPDATE scraper_proposals q SET state = 'dismissed', "
     "decided_at = now(), decided_by = $3::bigint FROM p "
     "WHERE $2 = 'applied' AND q.scraped_course_id = p.scraped_course_id "
     "AND q.state = 'proposed' AND q.id <> p.id), "
     "s AS (UPDATE scraped_courses s SET "
     "name = coalesce(p.proposed->>'name', s.name), "
     "dates = coalesce(p.proposed->'dates', s.dates), "
     "cpd_state = p.proposed->>'cpd_state', "
     "cpd_points = (p.proposed->>'cpd_points')::numeric, "
     "scraped_level = p.proposed->>'level', updated_at = now() FROM p "
     "WHERE $2 = 'applied' AND s.id = p.scraped_course_id) "
     "SELECT p.id FROM p"},
    /*
     * A proposed refresh applied to the published course (as
     * cms_publisher): name, CPD, level (by name; kept when the App has
     * no such level) and dates, with the NOTIFY the App's workers
     * refresh on.  Category tags and the rest are untouched.  $3 tz.
     */
    {"scrapers_app.refresh", "cms_app_courses", SQL_WRITE,
     "WITH n AS (SELECT $2::jsonb AS j, $3::text AS tz), "
     "c AS (UPDATE courses c SET name = coalesce(n.j->>'name', c.name), "
     "cpd_state = n.j->>'cpd_state', "
     "cpd_points = (n.j->>'cpd_points')::numeric, "
     "level_id = coalesce((SELECT l.id FROM levels l "
     "WHERE lower(l.name) = lower(n.j->>'level')), c.level_id), "
     "updated_at = now() FROM n WHERE c.id = $1::bigint RETURNING c.id), "
     "nd AS (SELECT DISTINCT ON (s) s, e FROM (SELECT " CMS_TS(
         "x->>'start'") " AS s, " CMS_TS("x->>'end'") " AS e "
                                                      "FROM n, "
                                                      "jsonb_array_elements(n."
                                                      "j->'dates') x) y ORDER "
                                                      "BY s), "
                                                      "dd AS (DELETE FROM "
                                                      "course_dates d USING c "
                                                      "WHERE d.course_id = "
                                                      "c.id "
                                                      "AND d.start_at NOT IN "
                                                      "(SELECT s FROM nd)), "
                                                      "di AS (INSERT INTO "
                                                      "course_dates "
                                                      "(course_id, start_at, "
                                                      "end_at) "
                                                      "SELECT c.id, nd.s, nd.e "
                                                      "FROM c, nd ON CONFLICT "
                                                      "(course_id, start_at) "
                                                      "DO UPDATE SET end_at = "
                                                      "EXCLUDED.end_at) "
                                                      "SELECT c.id, "
                                                      "pg_notify('lifted_"
                                                      "courses', "
                                                      "pg_current_wal_lsn()::"
                                                      "text) FROM c"},
    /*
     * Housekeeping (cms_server/housekeeping.c, docs/housekeeping.md;
     * schema in migrations/cms/0007_housekeeping.sql).  A claim moves
     * next_run_at on, takes the lease (running_until) and numbers the
     * run; the timer's claim skips rows another worker is claiming.
     * Deletes take at most $2 rows each and re-check their condition on
     * the row they delete; $1 is the task's keep_s.
     */
    {"housekeeping.list", "cms_housekeeping", SQL_READ,
     "SELECT json_build_object('tasks', coalesce(json_agg("
     "json_build_object('name', name, 'enabled', enabled, "
     "'interval_s', interval_s, 'keep_s', keep_s, "
     "'next_run_at', " CMS_ISO(
         "next_run_at") ", "
                        "'last_run_at', " CMS_ISO(
                            "last_run_at") ", "
                                           "'running', coalesce(running_until "
                                           "> now(), false), 'runs', runs, "
                                           "'last_result', last_result) ORDER "
                                           "BY name), '[]'))::text "
                                           "FROM housekeeping_tasks"},
    {"housekeeping.claim_due", "cms_housekeeping", SQL_WRITE,
     "UPDATE housekeeping_tasks t SET "
     "next_run_at = now() + make_interval(secs => t.interval_s), "
     "last_run_at = now(), running_until = now() + interval '15 minutes', "
     "runs = t.runs + 1 FROM (SELECT name FROM housekeeping_tasks "
     "WHERE enabled AND next_run_at <= now() AND (running_until IS NULL "
     "OR running_until < now()) ORDER BY name FOR UPDATE SKIP LOCKED) d "
     "WHERE t.name = d.name RETURNING t.name, t.keep_s, t.runs"},
    /* Run now ($1 the task): whatever the schedule, unless running. */
    {"housekeeping.claim", "cms_housekeeping", SQL_WRITE,
     "UPDATE housekeeping_tasks SET "
     "next_run_at = now() + make_interval(secs => interval_s), "
     "last_run_at = now(), running_until = now() + interval '15 minutes', "
     "runs = runs + 1 WHERE name = $1 AND (running_until IS NULL "
     "OR running_until < now()) RETURNING name, keep_s, runs"},
    /* $1 task, $2 result, $3 client, $4 comment, $5 more left (run again
     * at the next tick), $6 the run's number: a run whose lease was
     * taken over still writes its audit row but leaves the task alone. */
    {"housekeeping.finish", "cms_housekeeping", SQL_WRITE,
     "WITH t AS (UPDATE housekeeping_tasks SET last_result = $2::jsonb, "
     "running_until = NULL, next_run_at = CASE WHEN $5::boolean "
     "THEN least(next_run_at, now()) ELSE next_run_at END "
     "WHERE name = $1 AND runs = $6::bigint RETURNING name) "
     "INSERT INTO audit_log (actor_id, actor_username, action, "
     "target_type, target_id, after, client, comment) "
     "VALUES (NULL, 'system', 'housekeeping.' || $1, 'housekeeping_task', "
     "$1, $2::jsonb, $3, $4) RETURNING id"},
    /* Expired ($3 idle, $4 absolute limit, 300 s pending a second
     * factor, as auth.session_load and auth.session_create) for longer
     * than keep_s. */
    {"housekeeping.delete_sessions", "cms_housekeeping", SQL_WRITE,
     "WITH d AS (DELETE FROM sessions s WHERE s.id IN (SELECT x.id "
     "FROM sessions x WHERE " HK_SESSION_GONE(
         "x") " LIMIT $2::int) "
              "AND " HK_SESSION_GONE(
                  "s") " RETURNING 1) SELECT count(*) FROM d"},
    {"housekeeping.delete_login_attempts", "cms_housekeeping", SQL_WRITE,
     "WITH d AS (DELETE FROM login_attempts WHERE id IN (SELECT id "
     "FROM login_attempts WHERE at < now() - make_interval(secs => "
     "$1::int) LIMIT $2::int) RETURNING 1) SELECT count(*) FROM d"},
    /* Lines of jobs that ended (a live job's lines are never taken). */
    {"housekeeping.delete_job_logs", "cms_housekeeping", SQL_WRITE,
     "WITH d AS (DELETE FROM scraper_job_log l WHERE (l.job_id, l.n) IN "
     "(SELECT x.job_id, x.n FROM scraper_job_log x "
     "WHERE x.at < now() - make_interval(secs => $1::int) "
     "AND NOT EXISTS (SELECT 1 FROM scraper_jobs j WHERE j.id = x.job_id "
     "AND j.state IN ('queued', 'running')) LIMIT $2::int) "
     "RETURNING 1) SELECT count(*) FROM d"},
    /* Orphaned uploads (0006_uploads.sql: detached, or never linked, for
     * longer than keep_s) after id $3, in id order. */
    {"housekeeping.uploads_orphans", "cms_housekeeping", SQL_READ,
     "SELECT u.id, u.storage_key FROM uploads u WHERE u.id > $3::bigint "
     "AND " HK_UPLOAD_ORPHAN("u", "$1") " ORDER BY u.id LIMIT $2::int"},
    /* $1 the ids whose object is gone; still orphaned ($2 keep_s). */
    {"housekeeping.uploads_delete", "cms_housekeeping", SQL_WRITE,
     "WITH d AS (DELETE FROM uploads u WHERE u.id = ANY($1::bigint[]) "
     "AND " HK_UPLOAD_ORPHAN("u", "$2") " RETURNING 1) "
                                        "SELECT count(*) FROM d"},
    /* Of the stored objects' keys $1, those no uploads row names. */
    {"housekeeping.strays_check", "cms_housekeeping", SQL_READ,
     "SELECT k FROM unnest($1::text[]) k WHERE NOT EXISTS "
     "(SELECT 1 FROM uploads u WHERE u.storage_key = k)"},
};

const size_t sql_nstmts = sizeof(sql_stmts) / sizeof(sql_stmts[0]);

const struct sql_stmt *
sql_find(const char *name)
{
	size_t i;

	/* A few dozen rows: a linear scan costs less than a query. */
	for (i = 0; i < sql_nstmts; i++) {
		if (strcmp(sql_stmts[i].name, name) == 0)
			return (&sql_stmts[i]);
	}
	return (NULL);
}
