/*
 * Per-request arena: many small allocations, one free when the request
 * ends, so handlers never free field by field.
 */
#ifndef LIFTED_ARENA_H
#define LIFTED_ARENA_H

#include <stdarg.h>
#include <stddef.h>

struct arena; /* opaque */

/* A new empty arena, or NULL on allocation failure.  Caller frees with
 * arena_free. */
struct arena *arena_new(void);

/* Zeroes and frees the arena and everything allocated from it (requests
 * carry passwords and tokens).  NULL is a no-op. */
void arena_free(struct arena *a);

/* Zeroed memory aligned for any type, owned by the arena; NULL on
 * allocation failure or overflow. */
void *arena_alloc(struct arena *a, size_t size);

/* Copies of strings, owned by the arena; NULL on failure. */
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t n);
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for limits and tests). */
size_t arena_used(const struct arena *a);

#endif
