/*
 * Statement table.  Add a statement here, give it a family the router
 * knows (router.c), and every pool whose database serves that family
 * prepares it on each new connection.  tests/unit/test_router.c checks
 * that names are unique and every family is routed.
 */
#include <string.h>

#include "sql.h"

const struct sql_stmt sql_stmts[] = {
    /* Health: /readyz round trips. */
    {"app.ping", "app_health", SQL_READ, "SELECT 1"},
    {"cms.ping", "cms_health", SQL_READ, "SELECT 1"},
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
     "FROM course_tech_competencies ct WHERE ct.course_id = c.id)) "
     "ORDER BY c.id), '[]') FROM courses c "
     "LEFT JOIN levels l ON l.id = c.level_id "
     "LEFT JOIN formats f ON f.id = c.format_id))::text"},
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
