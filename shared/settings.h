/*
 * Settings from the environment (SPEC section 10).  Any setting NAME may
 * be given as NAME_FILE instead (Docker secrets).  Every binary accepts
 * every name in the table and ignores the ones it does not use; an
 * unknown LIFTED_* name or a malformed value stops start-up naming it.
 * docs/settings.example lists each setting at its default.
 */
#ifndef LIFTED_SETTINGS_H
#define LIFTED_SETTINGS_H

#include <stddef.h>
#include <stdio.h>

#include "log.h"
#include "url.h"

struct settings {
	/* Databases (libpq URLs); NULL when unset. */
	char *app_database_url;
	char *app_replica_url;
	char *app_admin_database_url;
	char *cms_database_url;
	char *cms_app_database_url;
	char *scraper_database_url;

	char *app_listen;
	char *cms_listen;
	int workers;
	char *runas;
	char *secret_key;
	char *time_zone;
	char *static_dir; /* NULL: next to the binary, static/<proc> */
	char *tls_cert;
	char *tls_key;
	char *trusted_proxies;
	struct url_cidr *trusted; /* parsed trusted_proxies */
	size_t ntrusted;
	int require_totp;
	char *storage_url;
	char *s3_endpoint;
	char *s3_region;
	char *s3_access_key;
	char *s3_secret_key;
	char *cloudfront_domain;
	char *cloudfront_key_id;
	char *cloudfront_private_key;
	int upload_max_bytes;
	char *media_url_key;
	char *media_base_url;
	int media_url_ttl_s;
	/* Not a setting: lifted-cms keeps LIFTED_MAX_BODY_BYTES here for
	 * JSON bodies before it raises max_body_bytes for uploads; 0: use
	 * max_body_bytes. */
	int json_max_body_bytes;
	int scraper_timeout_s;
	int scraper_delay_ms;
	int scraper_retries;
	char *scraper_spiders_dir; /* NULL: the built-in spiders folder */
	enum log_level log_level;

	/* Added by the project (SPEC: "more settings may be added"). */
	char *migrations_dir;
	int max_header_bytes;
	int max_body_bytes;
	int idle_timeout_s;
	int request_timeout_s;
	int shutdown_timeout_s;
	int db_pool_size;
	int db_queue_max;
	int session_idle_s;
	int session_max_s;
	int argon2_t_cost;
	int argon2_m_kib;
	int housekeeping_tick_s;
};

/* Fills s from envp (a NULL-terminated "NAME=value" array, as environ).
 * Returns 0, or -1 with a message naming the setting in err.  On success
 * the caller frees with settings_free; on failure nothing is left to
 * free. */
int settings_load(struct settings *s, char *const *envp, char *err,
                  size_t errlen);

void settings_free(struct settings *s);

/* 0 when value (a setting's current value) is set; otherwise -1 and
 * "NAME is required" in err. */
int settings_require(const char *value, const char *name, char *err,
                     size_t errlen);

/* Writes every setting at its default, one "# comment\nNAME=value" block
 * each, to the stream (the source of docs/settings.example). */
void settings_print_defaults(FILE *out);

#endif
