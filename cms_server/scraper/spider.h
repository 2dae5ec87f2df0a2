/*
 * Spider definitions: one JSON data file per provider (docs/scraper.md
 * describes the format).  The loader checks a definition completely
 * before anything is fetched, so a mistake is reported as "FILE: FIELD:
 * what is wrong" rather than found half-way through a run.
 */
#ifndef LIFTED_SCRAPER_SPIDER_H
#define LIFTED_SCRAPER_SPIDER_H

#include <stddef.h>

#include <cjson/cJSON.h>

struct spider {
	char *file; /* where it was loaded from */
	char *name; /* [a-z0-9_]+ */
	char *description;
	char *base_url;  /* what LIFTED_SPIDER_<NAME>_BASE_URL replaces */
	char *override;  /* that setting's value, or NULL */
	char *time_zone; /* IANA name; default Asia/Singapore */
	cJSON *def;      /* the validated definition */
};

struct spider_set {
	struct spider **v;
	size_t n;
};

/* Parses and validates one definition held in buf (len bytes; need not
 * be NUL-terminated); file names it in errors.  Returns a spider the
 * caller frees with spider_free, or NULL with "file: field: why" in
 * err. */
struct spider *spider_parse(const char *buf, size_t len, const char *file,
                            char *err, size_t errlen);

/* Reads and parses the file at path (at most 1 MiB). */
struct spider *spider_load_file(const char *path, char *err, size_t errlen);

/* Adds every *.json file of dir to set (sorted by file name; a later
 * definition with a name already loaded is an error).  Returns 0 or -1
 * with err set; set stays valid either way (free with spider_set_free). */
int spider_load_dir(struct spider_set *set, const char *dir, char *err,
                    size_t errlen);

/* The spider named name, or NULL. */
const struct spider *spider_find(const struct spider_set *set,
                                 const char *name);

/* Reads LIFTED_SPIDER_<NAME>_BASE_URL from envp into sp->override. */
void spider_apply_env(struct spider *sp, char *const *envp);

/* url with the definition's base URL replaced by the override (when set
 * and url starts with it).  Returns a new string; caller frees. */
char *spider_rewrite(const struct spider *sp, const char *url);

/* The reverse: a fetched URL back under the definition's base URL, so
 * site-relative links resolve as they would on the real site.  Returns a
 * new string; caller frees. */
char *spider_unrewrite(const struct spider *sp, const char *url);

void spider_free(struct spider *sp);
void spider_set_free(struct spider_set *set);

#endif
