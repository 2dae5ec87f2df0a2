/*
 * A small thread pool for work that must block (Argon2id hashing, file
 * compression), in the manner of Kore's tasks: work() runs on a pool
 * thread, then done() runs on the event loop's thread, woken through an
 * eventfd the loop watches.  libevent needs no threading support for
 * this: pool threads touch only the pool's own mutex-protected queues.
 *
 * The pool belongs to one event loop and is used from that loop's thread
 * (task_pool_submit is not meant to be called from pool threads).
 */
#ifndef LIFTED_TASK_H
#define LIFTED_TASK_H

#include <stddef.h>

struct event_base;
struct task_pool;

/*
 * Starts nthreads threads (at least 1) and accepts at most queue_max tasks
 * waiting for a thread (0 means 1).  Returns NULL on failure (logged).
 * The caller frees it with task_pool_free before freeing base.
 */
struct task_pool *task_pool_new(struct event_base *base, int nthreads,
                                size_t queue_max);

/*
 * Queues work(arg) for a pool thread; done(arg) then runs on the loop
 * thread during a later loop iteration (never inside this call).  done may
 * be NULL.  arg stays the caller's: the pool never frees it, and the caller
 * must keep it alive until done runs.  Returns 0, or -1 when queue_max tasks
 * are already waiting or the pool is shutting down.
 */
int task_pool_submit(struct task_pool *p, void (*work)(void *arg),
                     void (*done)(void *arg), void *arg);

/* Tasks queued or running, not yet completed on the loop thread. */
size_t task_pool_pending(const struct task_pool *p);

/*
 * Lets the threads work through every task already queued, joins them,
 * then calls done for each completed task whose done has not run yet, on
 * the calling (loop) thread, and frees the pool: every accepted task gets
 * work and done exactly once, so callers may free their arguments in done.
 * Call it from the loop thread, not from inside a done.  NULL is ignored.
 */
void task_pool_free(struct task_pool *p);

#endif
