/*
 * Internal to shared/storage.c: the S3 backend (shared/s3.c).  Not for
 * other modules; they go through shared/storage.h.
 */
#ifndef LIFTED_S3_H
#define LIFTED_S3_H

#include <stddef.h>

#include "storage.h"

struct s3; /* opaque */

/* bucket and prefix as parsed from "s3://BUCKET/PREFIX" (prefix may be
 * ""); the rest from LIFTED_S3_*.  NULL with err filled on a bad
 * setting.  Caller frees with s3_free. */
struct s3 *s3_open(const struct settings *s, const char *bucket,
                   const char *prefix, char *err, size_t errlen);
void s3_free(struct s3 *s3);

/* As storage_put, storage_get, storage_delete and storage_list; keys
 * are already valid. */
enum storage_result s3_put(struct s3 *s3, const char *key, const void *data,
                           size_t len, const char *content_type, char *err,
                           size_t errlen);
enum storage_result s3_get(struct s3 *s3, const char *key, size_t max,
                           void **data, size_t *len, char *err, size_t errlen);
enum storage_result s3_delete(struct s3 *s3, const char *key, char *err,
                              size_t errlen);
enum storage_result s3_list(struct s3 *s3, const char *prefix,
                            int (*fn)(const char *key, long long mtime,
                                      void *arg),
                            void *arg, char *err, size_t errlen);

#endif
