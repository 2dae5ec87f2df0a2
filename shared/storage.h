/*
 * Object storage for uploads (SPEC section 10, LIFTED_STORAGE_URL): one
 * interface, two backends.  "file://DIR" keeps each object as a file
 * under DIR (written to a temporary file, fsync'd and renamed into
 * place, so a reader never sees half an object); "s3://BUCKET/PREFIX"
 * talks to S3 (or any S3-compatible endpoint, LIFTED_S3_ENDPOINT) with
 * Signature Version 4 (shared/sigv4.h).
 *
 * Blocking calls: servers run them on the task pool (shared/task.h), never
 * on the event loop.
 */
#ifndef LIFTED_STORAGE_H
#define LIFTED_STORAGE_H

#include <stddef.h>

struct storage; /* opaque */
struct settings;

enum storage_result {
	STORAGE_OK = 0,
	STORAGE_NOT_FOUND,
	STORAGE_TOO_LARGE,
	STORAGE_ERROR
};

#define STORAGE_KEY_MAX 200

/* From settings->storage_url ("file:///abs/dir" or "file://rel/dir",
 * "s3://BUCKET/PREFIX") and LIFTED_S3_*.  Returns NULL and fills err on a
 * bad URL or an unusable directory.  Caller frees with storage_free.
 * Thread-safe after open. */
struct storage *storage_open(const struct settings *s, char *err,
                             size_t errlen);

void storage_free(struct storage *st);

/* key: 1..200 chars of [a-z0-9._/-], no leading '/', no "..", no "//"
 * (storage_key_valid checks).  1 when valid, else 0. */
int storage_key_valid(const char *key);

/* Stores len bytes of data under key, replacing any object there.
 * content_type may be NULL (application/octet-stream). */
enum storage_result storage_put(struct storage *st, const char *key,
                                const void *data, size_t len,
                                const char *content_type, char *err,
                                size_t errlen);

/* *data is malloc'd, caller frees; fails with STORAGE_TOO_LARGE above max
 * bytes.  On any result but STORAGE_OK, *data is NULL. */
enum storage_result storage_get(struct storage *st, const char *key, size_t max,
                                void **data, size_t *len, char *err,
                                size_t errlen);

/* NOT_FOUND is not an error for callers that clean up. */
enum storage_result storage_delete(struct storage *st, const char *key,
                                   char *err, size_t errlen);

/*
 * The whole content of the regular file open on fd (not closed), named
 * name in messages, into *data (malloc'd, caller frees) and *len.
 * STORAGE_NOT_FOUND when it is not a regular file, STORAGE_TOO_LARGE over
 * max, STORAGE_ERROR when it cannot be read or changed size while being
 * read.  The local backend's get, and operators' files for put.
 */
enum storage_result storage_read_fd(int fd, const char *name, size_t max,
                                    void **data, size_t *len, char *err,
                                    size_t errlen);

/* Writes all len bytes of p to fd (retrying short writes and EINTR); 0, or
 * -1 with errno set.  The local backend's put, and the storage command's
 * output. */
int storage_write_fd(int fd, const void *p, size_t len);

/* Calls fn for each key under prefix (recursive; "" for every key), with
 * the object's last-modified time (unix s); stops when fn returns
 * non-zero (still STORAGE_OK).  prefix is a key prefix, not necessarily a
 * whole folder name. */
enum storage_result storage_list(struct storage *st, const char *prefix,
                                 int (*fn)(const char *key, long long mtime,
                                           void *arg),
                                 void *arg, char *err, size_t errlen);

#endif
