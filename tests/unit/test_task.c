/*
 * Unit tests for shared/task.c: work() runs on a pool thread, done() on
 * the loop thread, a full queue refuses, and freeing the pool still
 * completes what was accepted.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <event2/event.h>

#include "task.h"

struct ttask_job {
	pthread_t work_thread;
	pthread_t done_thread;
	int worked;
	int done;
	struct event_base *base;
	int *remaining; /* loop stops when it reaches 0 */
};

/* A gate pool threads wait on, so tests can hold a thread busy. */
static pthread_mutex_t ttask_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t ttask_cond = PTHREAD_COND_INITIALIZER;
static int ttask_started;
static int ttask_open;

static void
ttask_work(void *arg)
{
	struct ttask_job *j = arg;

	j->work_thread = pthread_self();
	j->worked = 1;
}

static void
ttask_blocking_work(void *arg)
{
	pthread_mutex_lock(&ttask_lock);
	ttask_started++;
	pthread_cond_broadcast(&ttask_cond);
	while (!ttask_open)
		pthread_cond_wait(&ttask_cond, &ttask_lock);
	pthread_mutex_unlock(&ttask_lock);
	ttask_work(arg);
}

static void
ttask_done(void *arg)
{
	struct ttask_job *j = arg;

	j->done_thread = pthread_self();
	j->done = 1;
	if (j->remaining != NULL && --*j->remaining == 0)
		event_base_loopbreak(j->base);
}

static int
ttask_setup(void **state)
{
	struct event_base *base;

	if ((base = event_base_new()) == NULL)
		return (-1);
	*state = base;
	ttask_started = 0;
	ttask_open = 0;
	return (0);
}

static int
ttask_teardown(void **state)
{
	event_base_free(*state);
	return (0);
}

/* Runs the loop until the jobs' done callbacks have all run. */
static void
ttask_run(struct event_base *base, struct ttask_job *jobs, int n)
{
	int remaining = n, i;

	for (i = 0; i < n; i++) {
		jobs[i].base = base;
		jobs[i].remaining = &remaining;
	}
	assert_int_equal(event_base_dispatch(base), 0);
	assert_int_equal(remaining, 0);
}

static void
test_task_work_off_loop_thread(void **state)
{
	struct event_base *base = *state;
	struct task_pool *p;
	struct ttask_job j;

	memset(&j, 0, sizeof(j));
	assert_non_null(p = task_pool_new(base, 2, 4));
	assert_int_equal(task_pool_submit(p, ttask_work, ttask_done, &j), 0);
	ttask_run(base, &j, 1);
	assert_true(j.worked);
	assert_false(pthread_equal(j.work_thread, pthread_self()));
	task_pool_free(p);
}

static void
test_task_done_on_loop_thread(void **state)
{
	struct event_base *base = *state;
	struct task_pool *p;
	struct ttask_job j[3];
	int i;

	memset(j, 0, sizeof(j));
	assert_non_null(p = task_pool_new(base, 2, 4));
	for (i = 0; i < 3; i++)
		assert_int_equal(
		    task_pool_submit(p, ttask_work, ttask_done, &j[i]), 0);
	/* Never inside submit: the loop has not run yet. */
	for (i = 0; i < 3; i++)
		assert_false(j[i].done);
	ttask_run(base, j, 3);
	for (i = 0; i < 3; i++) {
		assert_true(j[i].done);
		assert_true(pthread_equal(j[i].done_thread, pthread_self()));
	}
	assert_int_equal(task_pool_pending(p), 0);
	task_pool_free(p);
}

static void
test_task_queue_full_refused(void **state)
{
	struct event_base *base = *state;
	struct task_pool *p;
	struct ttask_job j[3];

	memset(j, 0, sizeof(j));
	assert_non_null(p = task_pool_new(base, 1, 1));
	/* Job 0 occupies the only thread, job 1 the only queue slot. */
	assert_int_equal(
	    task_pool_submit(p, ttask_blocking_work, ttask_done, &j[0]), 0);
	pthread_mutex_lock(&ttask_lock);
	while (ttask_started < 1)
		pthread_cond_wait(&ttask_cond, &ttask_lock);
	pthread_mutex_unlock(&ttask_lock);
	assert_int_equal(task_pool_submit(p, ttask_work, ttask_done, &j[1]), 0);
	assert_int_equal(task_pool_submit(p, ttask_work, ttask_done, &j[2]),
	                 -1);

	pthread_mutex_lock(&ttask_lock);
	ttask_open = 1;
	pthread_cond_broadcast(&ttask_cond);
	pthread_mutex_unlock(&ttask_lock);
	ttask_run(base, j, 2);
	assert_false(j[2].worked);
	task_pool_free(p);
}

static void
test_task_free_completes_accepted(void **state)
{
	struct event_base *base = *state;
	struct task_pool *p;
	struct ttask_job j[4];
	int i;

	memset(j, 0, sizeof(j));
	assert_non_null(p = task_pool_new(base, 1, 4));
	for (i = 0; i < 4; i++)
		assert_int_equal(
		    task_pool_submit(p, ttask_work, ttask_done, &j[i]), 0);
	task_pool_free(p);
	for (i = 0; i < 4; i++) {
		assert_true(j[i].worked);
		assert_true(j[i].done);
		assert_true(pthread_equal(j[i].done_thread, pthread_self()));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_task_work_off_loop_thread,
	                                    ttask_setup, ttask_teardown),
	    cmocka_unit_test_setup_teardown(test_task_done_on_loop_thread,
	                                    ttask_setup, ttask_teardown),
	    cmocka_unit_test_setup_teardown(test_task_queue_full_refused,
	                                    ttask_setup, ttask_teardown),
	    cmocka_unit_test_setup_teardown(test_task_free_completes_accepted,
	                                    ttask_setup, ttask_teardown),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
