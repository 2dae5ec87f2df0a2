/*
 * The settings table.  One row per setting: its name, how its value is
 * checked, its default and where it lands in struct settings.  Loading
 * walks the environment once (so unknown names are caught), then the
 * table (so defaults apply and every value is validated).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "settings.h"

enum setting_type {
	SET_STRING,
	SET_DBURL,
	SET_LISTEN,
	SET_INT,
	SET_BOOL,
	SET_SECRET,
	SET_TZ,
	SET_CIDRS,
	SET_LEVEL,
	SET_STORAGE,
};

struct setting {
	const char *name;
	enum setting_type type;
	const char *def; /* NULL: unset by default */
	size_t offset;
	long min, max; /* SET_INT bounds */
	const char *help;
};

#define S(f) offsetof(struct settings, f)

static const struct setting setting_table[] = {
    {"LIFTED_APP_DATABASE_URL", SET_DBURL, NULL, S(app_database_url), 0, 0,
     "App database as app_reader (lifted-app serve)"},
    {"LIFTED_APP_REPLICA_URL", SET_DBURL, NULL, S(app_replica_url), 0, 0,
     "a streaming replica of the App database for reads"},
    {"LIFTED_APP_ADMIN_DATABASE_URL", SET_DBURL, NULL,
     S(app_admin_database_url), 0, 0,
     "App database as its owner (lifted-app migrate, import-framework)"},
    {"LIFTED_CMS_DATABASE_URL", SET_DBURL, NULL, S(cms_database_url), 0, 0,
     "CMS database as its owner (lifted-cms)"},
    {"LIFTED_CMS_APP_DATABASE_URL", SET_DBURL, NULL, S(cms_app_database_url), 0,
     0, "App database as cms_publisher (lifted-cms)"},
    {"LIFTED_SCRAPER_DATABASE_URL", SET_DBURL, NULL, S(scraper_database_url), 0,
     0, "CMS database as the scraper role (lifted-scraper)"},
    {"LIFTED_APP_LISTEN", SET_LISTEN, "127.0.0.1:8000", S(app_listen), 0, 0,
     "address the App listens on"},
    {"LIFTED_CMS_LISTEN", SET_LISTEN, "127.0.0.1:9001", S(cms_listen), 0, 0,
     "address the CMS listens on"},
    {"LIFTED_WORKERS", SET_INT, "0", S(workers), 0, 256,
     "worker processes; 0 means one per CPU"},
    {"LIFTED_RUNAS", SET_STRING, NULL, S(runas), 0, 0,
     "user to become after binding, when started as root"},
    {"LIFTED_SECRET_KEY", SET_SECRET, NULL, S(secret_key), 0, 0,
     "key for CSRF tokens and signed URLs, at least 32 bytes (cms)"},
    {"LIFTED_TIME_ZONE", SET_TZ, "Asia/Singapore", S(time_zone), 0, 0,
     "local time for dates and \"today\""},
    {"LIFTED_STATIC_DIR", SET_STRING, NULL, S(static_dir), 0, 0,
     "built single-page app; default: static/app or static/cms next to "
     "the binary"},
    {"LIFTED_TLS_CERT", SET_STRING, NULL, S(tls_cert), 0, 0,
     "certificate chain (PEM) for in-process TLS"},
    {"LIFTED_TLS_KEY", SET_STRING, NULL, S(tls_key), 0, 0,
     "private key (PEM) for in-process TLS"},
    {"LIFTED_TRUSTED_PROXIES", SET_CIDRS, NULL, S(trusted_proxies), 0, 0,
     "addresses/CIDRs whose X-Forwarded-For/-Proto are honoured"},
    {"LIFTED_REQUIRE_TOTP", SET_BOOL, "0", S(require_totp), 0, 1,
     "1: users with user-management permission must use TOTP"},
    {"LIFTED_STORAGE_URL", SET_STORAGE, "file://var/storage", S(storage_url), 0,
     0, "file://DIR or s3://BUCKET/PREFIX"},
    {"LIFTED_S3_ENDPOINT", SET_STRING, NULL, S(s3_endpoint), 0, 0,
     "S3 endpoint URL (AWS default when unset)"},
    {"LIFTED_S3_REGION", SET_STRING, NULL, S(s3_region), 0, 0, "S3 region"},
    {"LIFTED_S3_ACCESS_KEY", SET_STRING, NULL, S(s3_access_key), 0, 0,
     "S3 access key id"},
    {"LIFTED_S3_SECRET_KEY", SET_STRING, NULL, S(s3_secret_key), 0, 0,
     "S3 secret key"},
    {"LIFTED_CLOUDFRONT_DOMAIN", SET_STRING, NULL, S(cloudfront_domain), 0, 0,
     "CloudFront distribution domain for signed URLs"},
    {"LIFTED_CLOUDFRONT_KEY_ID", SET_STRING, NULL, S(cloudfront_key_id), 0, 0,
     "CloudFront public key id"},
    {"LIFTED_CLOUDFRONT_PRIVATE_KEY", SET_STRING, NULL,
     S(cloudfront_private_key), 0, 0, "CloudFront signing key (PEM)"},
    {"LIFTED_UPLOAD_MAX_BYTES", SET_INT, "8388608", S(upload_max_bytes), 1,
     67108864, "largest CMS upload (brochure, logo); larger gets 413 (cms)"},
    {"LIFTED_MEDIA_URL_KEY", SET_SECRET, NULL, S(media_url_key), 0, 0,
     "key for signed media URLs, at least 32 bytes (app, cms; the CMS "
     "falls back to LIFTED_SECRET_KEY)"},
    {"LIFTED_MEDIA_BASE_URL", SET_STRING, NULL, S(media_base_url), 0, 0,
     "where the CMS's /media/ route is reached, e.g. https://cms.example; "
     "empty: same origin (app, cms)"},
    {"LIFTED_MEDIA_URL_TTL_S", SET_INT, "600", S(media_url_ttl_s), 10, 604800,
     "signed media URLs expire this long after they are made (app, cms)"},
    {"LIFTED_SCRAPER_TIMEOUT_S", SET_INT, "30", S(scraper_timeout_s), 1, 3600,
     "scraper fetch time-out"},
    {"LIFTED_SCRAPER_DELAY_MS", SET_INT, "1000", S(scraper_delay_ms), 0, 600000,
     "scraper per-host delay"},
    {"LIFTED_SCRAPER_RETRIES", SET_INT, "3", S(scraper_retries), 0, 20,
     "scraper retries on 5xx and network errors"},
    {"LIFTED_SCRAPER_SPIDERS_DIR", SET_STRING, NULL, S(scraper_spiders_dir), 0,
     0,
     "spider definition folders, separated by ':'; default: "
     "cms_server/scraper/spiders found from the binary"},
    {"LIFTED_LOG_LEVEL", SET_LEVEL, "info", S(log_level), 0, 0,
     "debug, info, warn or error"},
    {"LIFTED_MIGRATIONS_DIR", SET_STRING, "migrations", S(migrations_dir), 0, 0,
     "folder holding app/ and cms/ migration files"},
    {"LIFTED_MAX_HEADER_BYTES", SET_INT, "8192", S(max_header_bytes), 1024,
     1048576,
     "request line and headers larger than this get 431 (414 when the request "
     "line alone is)"},
    {"LIFTED_MAX_BODY_BYTES", SET_INT, "1048576", S(max_body_bytes), 0,
     1073741824, "request bodies larger than this get 413"},
    {"LIFTED_IDLE_TIMEOUT_S", SET_INT, "60", S(idle_timeout_s), 1, 3600,
     "an idle keep-alive connection is closed after this"},
    {"LIFTED_REQUEST_TIMEOUT_S", SET_INT, "30", S(request_timeout_s), 1, 3600,
     "a request's headers must arrive within this (else 408)"},
    {"LIFTED_SHUTDOWN_TIMEOUT_S", SET_INT, "10", S(shutdown_timeout_s), 0, 600,
     "on SIGTERM, in-flight requests get this long to finish"},
    {"LIFTED_DB_POOL_SIZE", SET_INT, "4", S(db_pool_size), 1, 64,
     "database connections per worker and database"},
    {"LIFTED_DB_QUEUE_MAX", SET_INT, "128", S(db_queue_max), 0, 100000,
     "queries waiting for a connection per worker before 503"},
    {"LIFTED_SESSION_IDLE_S", SET_INT, "1800", S(session_idle_s), 1, 86400,
     "a CMS session ends after this long without a request"},
    {"LIFTED_SESSION_MAX_S", SET_INT, "43200", S(session_max_s), 1, 2592000,
     "a CMS session ends this long after its login"},
    {"LIFTED_ARGON2_T_COST", SET_INT, "3", S(argon2_t_cost), 1, 100,
     "Argon2id passes for CMS passwords (about 130 ms with 64 MiB)"},
    {"LIFTED_ARGON2_M_KIB", SET_INT, "65536", S(argon2_m_kib), 8, 4194304,
     "Argon2id memory in KiB for CMS passwords"},
    {"LIFTED_HOUSEKEEPING_TICK_S", SET_INT, "60", S(housekeeping_tick_s), 1,
     86400, "how often each CMS worker looks for due housekeeping tasks"},
};

#define NSETTINGS        (sizeof(setting_table) / sizeof(setting_table[0]))
#define SETTING_FILE_MAX 65536

/* LIFTED_SPIDER_<NAME>_BASE_URL: one per spider, names not known here. */
static int
is_spider_base_url(const char *name, size_t len)
{
	static const char pre[] = "LIFTED_SPIDER_", suf[] = "_BASE_URL";
	size_t pl = sizeof(pre) - 1, sl = sizeof(suf) - 1;

	if (len <= pl + sl || strncmp(name, pre, pl) != 0 ||
	    strncmp(name + len - sl, suf, sl) != 0)
		return (0);
	for (size_t i = pl; i < len - sl; i++)
		if (!isupper((unsigned char)name[i]) &&
		    !isdigit((unsigned char)name[i]) && name[i] != '_')
			return (0);
	return (1);
}

static const struct setting *
setting_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NSETTINGS; i++)
		if (strlen(setting_table[i].name) == len &&
		    strncmp(setting_table[i].name, name, len) == 0)
			return (&setting_table[i]);
	return (NULL);
}

static char *
read_setting_file(const char *name, const char *path, char *err, size_t errlen)
{
	char *buf = NULL;
	ssize_t n;
	size_t len = 0;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s_FILE: cannot open %s: %s", name, path,
		         strerror(errno));
		return (NULL);
	}
	if ((buf = malloc(SETTING_FILE_MAX + 1)) == NULL)
		goto fail;
	while ((n = read(fd, buf + len, SETTING_FILE_MAX + 1 - len)) > 0)
		len += (size_t)n;
	if (n < 0 || len > SETTING_FILE_MAX) {
		snprintf(err, errlen,
		         "%s_FILE: %s is unreadable or larger "
		         "than %d bytes",
		         name, path, SETTING_FILE_MAX);
		goto fail;
	}
	/* Files written by editors and `echo` end in a newline. */
	while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == '\r'))
		len--;
	buf[len] = '\0';
	if (memchr(buf, '\0', len) != NULL) {
		snprintf(err, errlen, "%s_FILE: %s holds a NUL byte", name,
		         path);
		goto fail;
	}
	close(fd);
	return (buf);
fail:
	close(fd);
	free(buf);
	if (err[0] == '\0')
		snprintf(err, errlen, "%s_FILE: out of memory", name);
	return (NULL);
}

static int
parse_int(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]) && v[0] != '-')
		return (-1);
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return (-1);
	*out = n;
	return (0);
}

static int
check_dburl(const char *v)
{
	PQconninfoOption *opts;
	char *perr = NULL;

	if (strncmp(v, "postgresql://", 13) != 0 &&
	    strncmp(v, "postgres://", 11) != 0)
		return (-1);
	if ((opts = PQconninfoParse(v, &perr)) == NULL) {
		PQfreemem(perr);
		return (-1);
	}
	PQconninfoFree(opts);
	return (0);
}

static int
check_tz(const char *v)
{
	char path[PATH_MAX];
	struct stat st;

	/* A zone name is a relative path under the zoneinfo tree. */
	if (v[0] == '\0' || v[0] == '/' || strstr(v, "..") != NULL)
		return (-1);
	for (const char *p = v; *p != '\0'; p++)
		if (!isalnum((unsigned char)*p) && strchr("/_+-", *p) == NULL)
			return (-1);
	snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", v);
	if (stat(path, &st) != 0 || !S_ISREG(st.st_mode))
		return (-1);
	return (0);
}

/* Checks and stores one value; the message says what is wrong without
 * echoing values that may be secret. */
static int
setting_apply(struct settings *s, const struct setting *t, const char *v,
              char *err, size_t errlen)
{
	char host[64], bad[64];
	char **sp = (char **)((char *)s + t->offset);
	int *ip = (int *)((char *)s + t->offset);
	long n;
	int port;
	enum log_level lvl;

	switch (t->type) {
	case SET_INT:
	case SET_BOOL:
		if (parse_int(v, t->min, t->max, &n) != 0) {
			snprintf(err, errlen, "%s must be %s from %ld to %ld",
			         t->name, "a whole number", t->min, t->max);
			return (-1);
		}
		*ip = (int)n;
		return (0);
	case SET_LEVEL:
		if (log_level_parse(v, &lvl) != 0) {
			snprintf(err, errlen,
			         "%s must be debug, info, warn "
			         "or error",
			         t->name);
			return (-1);
		}
		*ip = (int)lvl;
		return (0);
	case SET_DBURL:
		if (check_dburl(v) != 0) {
			snprintf(err, errlen,
			         "%s must be a libpq URL "
			         "(postgresql://...)",
			         t->name);
			return (-1);
		}
		break;
	case SET_LISTEN:
		if (url_parse_listen(v, host, sizeof(host), &port) != 0) {
			snprintf(err, errlen,
			         "%s must be HOST:PORT with a "
			         "numeric address ([::1]:PORT for IPv6)",
			         t->name);
			return (-1);
		}
		break;
	case SET_SECRET:
		if (strlen(v) < 32) {
			snprintf(err, errlen, "%s must be at least 32 bytes",
			         t->name);
			return (-1);
		}
		break;
	case SET_TZ:
		if (check_tz(v) != 0) {
			snprintf(err, errlen,
			         "%s: unknown time zone (want an "
			         "IANA name such as Asia/Singapore)",
			         t->name);
			return (-1);
		}
		break;
	case SET_CIDRS:
		free(s->trusted);
		s->trusted = NULL;
		if (url_cidr_list_parse(v, &s->trusted, &s->ntrusted, bad,
		                        sizeof(bad)) != 0) {
			snprintf(err, errlen,
			         "%s: \"%s\" is not an address "
			         "or CIDR range",
			         t->name, bad);
			return (-1);
		}
		break;
	case SET_STORAGE:
		if (strncmp(v, "file://", 7) != 0 &&
		    strncmp(v, "s3://", 5) != 0) {
			snprintf(err, errlen,
			         "%s must be file://DIR or "
			         "s3://BUCKET/PREFIX",
			         t->name);
			return (-1);
		}
		break;
	case SET_STRING:
		break;
	}
	free(*sp);
	if ((*sp = strdup(v)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", t->name);
		return (-1);
	}
	return (0);
}

int
settings_load(struct settings *s, char *const *envp, char *err, size_t errlen)
{
	const char *given[NSETTINGS];
	char *owned[NSETTINGS];
	size_t i;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	memset(given, 0, sizeof(given));
	memset(owned, 0, sizeof(owned));
	err[0] = '\0';

	for (char *const *e = envp; *e != NULL; e++) {
		const char *eq = strchr(*e, '='), *name = *e;
		const struct setting *t;
		size_t len;
		int file = 0;

		if (strncmp(name, "LIFTED_", 7) != 0 || eq == NULL)
			continue;
		len = (size_t)(eq - name);
		if (len > 5 && strncmp(eq - 5, "_FILE", 5) == 0) {
			file = 1;
			len -= 5;
		}
		if (is_spider_base_url(name, len))
			continue; /* read by the scraper itself */
		if ((t = setting_find(name, len)) == NULL) {
			snprintf(err, errlen,
			         "unknown setting %.*s (see "
			         "docs/settings.example)",
			         (int)(eq - name), name);
			goto done;
		}
		i = (size_t)(t - setting_table);
		if (given[i] != NULL) {
			snprintf(err, errlen,
			         "%s is given both directly and "
			         "as %s_FILE",
			         t->name, t->name);
			goto done;
		}
		if (file) {
			if ((owned[i] = read_setting_file(t->name, eq + 1, err,
			                                  errlen)) == NULL)
				goto done;
			given[i] = owned[i];
		} else
			given[i] = eq + 1;
	}

	for (i = 0; i < NSETTINGS; i++) {
		const char *v = given[i] ? given[i] : setting_table[i].def;

		if (v == NULL)
			continue;
		if (given[i] != NULL && v[0] == '\0' &&
		    setting_table[i].def == NULL)
			continue; /* NAME= means unset */
		if (setting_apply(s, &setting_table[i], v, err, errlen) != 0)
			goto done;
	}
	if (s->workers == 0) {
		long cpus = sysconf(_SC_NPROCESSORS_ONLN);
		s->workers = cpus > 0 ? (int)cpus : 1;
	}
	if ((s->tls_cert == NULL) != (s->tls_key == NULL)) {
		snprintf(err, errlen,
		         "LIFTED_TLS_CERT and LIFTED_TLS_KEY must "
		         "be set together");
		goto done;
	}
	rc = 0;
done:
	for (i = 0; i < NSETTINGS; i++)
		free(owned[i]);
	if (rc != 0)
		settings_free(s);
	return (rc);
}

void
settings_free(struct settings *s)
{
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *t = &setting_table[i];
		char **sp = (char **)((char *)s + t->offset);

		switch (t->type) {
		case SET_INT:
		case SET_BOOL:
		case SET_LEVEL:
			break;
		default:
			free(*sp);
			*sp = NULL;
		}
	}
	free(s->trusted);
	s->trusted = NULL;
	s->ntrusted = 0;
}

int
settings_require(const char *value, const char *name, char *err, size_t errlen)
{
	if (value != NULL && value[0] != '\0')
		return (0);
	snprintf(err, errlen, "%s is required", name);
	return (-1);
}

void
settings_print_defaults(FILE *out)
{
	fprintf(out,
	        "# Lifted settings, each at its default.  Any NAME may "
	        "be given as NAME_FILE\n# (a file holding the value, as Docker "
	        "secrets do).  Unknown LIFTED_* names\n# and malformed values "
	        "stop start-up.\n");
	for (size_t i = 0; i < NSETTINGS; i++) {
		const struct setting *t = &setting_table[i];

		fprintf(out, "\n# %s\n%s%s=%s\n", t->help, t->def ? "" : "#",
		        t->name, t->def ? t->def : "");
	}
	fprintf(out, "\n# where spider NAME fetches its pages "
	             "(scraper)\n#LIFTED_SPIDER_<NAME>_BASE_URL=\n");
}
