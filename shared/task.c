/*
 * Blocking work off the event loop (see task.h for the contract).
 *
 * Submitted tasks wait on a queue guarded by one mutex; pool threads take
 * them, run work(), put them on a completed list under the same mutex and
 * bump an eventfd.  The loop watches the eventfd and, on wake-up, takes the
 * whole completed list at once and runs each done() outside the lock, so a
 * done() may submit new tasks.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>

#include <event2/event.h>

#include "log.h"
#include "task.h"

struct task {
	void (*work)(void *);
	void (*done)(void *);
	void *arg;
	struct task *next;
};

struct task_list {
	struct task *head;
	struct task *tail;
};

struct task_pool {
	pthread_mutex_t lock;
	pthread_cond_t wake; /* signalled when a task is queued or on stop */
	struct task_list queue;
	struct task_list completed;
	size_t queued; /* on queue, waiting for a thread */
	size_t queue_max;
	size_t outstanding; /* accepted, done() not run yet (loop thread) */
	int stopping;
	int efd;
	struct event *ev;
	pthread_t *threads;
	int nthreads; /* started successfully */
};

static void
task_list_push(struct task_list *l, struct task *t)
{
	t->next = NULL;
	if (l->tail != NULL)
		l->tail->next = t;
	else
		l->head = t;
	l->tail = t;
}

static struct task *
task_list_pop(struct task_list *l)
{
	struct task *t;

	if ((t = l->head) != NULL) {
		l->head = t->next;
		if (l->head == NULL)
			l->tail = NULL;
	}
	return (t);
}

static void *
task_thread(void *arg)
{
	struct task_pool *p = arg;
	struct task *t;
	uint64_t one = 1;

	for (;;) {
		pthread_mutex_lock(&p->lock);
		while (p->queue.head == NULL && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		/* On stop, the queue is drained before threads leave. */
		if ((t = task_list_pop(&p->queue)) == NULL) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		p->queued--;
		pthread_mutex_unlock(&p->lock);

		t->work(t->arg);

		pthread_mutex_lock(&p->lock);
		task_list_push(&p->completed, t);
		pthread_mutex_unlock(&p->lock);
		/* Cannot fail short of EAGAIN at a counter near 2^64. */
		while (write(p->efd, &one, sizeof(one)) == -1 && errno == EINTR)
			;
	}
	return (NULL);
}

/* Runs done() for everything completed so far; loop thread only. */
static void
task_run_completed(struct task_pool *p)
{
	struct task_list l;
	struct task *t;

	pthread_mutex_lock(&p->lock);
	l = p->completed;
	p->completed.head = p->completed.tail = NULL;
	pthread_mutex_unlock(&p->lock);

	while ((t = task_list_pop(&l)) != NULL) {
		p->outstanding--;
		if (t->done != NULL)
			t->done(t->arg);
		free(t);
	}
}

static void
task_wakeup_cb(evutil_socket_t fd, short what, void *arg)
{
	uint64_t n;

	(void)what;
	/* Resets the counter; a short or failed read only means a spurious
	 * wake-up, and the list is checked regardless. */
	if (read(fd, &n, sizeof(n)) == -1 && errno != EAGAIN && errno != EINTR)
		log_warn("task: eventfd read: %s", strerror(errno));
	task_run_completed(arg);
}

struct task_pool *
task_pool_new(struct event_base *base, int nthreads, size_t queue_max)
{
	struct task_pool *p;
	sigset_t all, old;
	int i, err;

	if (base == NULL)
		return (NULL);
	if (nthreads < 1)
		nthreads = 1;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->efd = -1;
	p->queue_max = queue_max > 0 ? queue_max : 1;
	if (pthread_mutex_init(&p->lock, NULL) != 0) {
		free(p);
		return (NULL);
	}
	if (pthread_cond_init(&p->wake, NULL) != 0) {
		pthread_mutex_destroy(&p->lock);
		free(p);
		return (NULL);
	}
	if ((p->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) == -1) {
		log_error("task: eventfd: %s", strerror(errno));
		goto fail;
	}
	p->ev =
	    event_new(base, p->efd, EV_READ | EV_PERSIST, task_wakeup_cb, p);
	if (p->ev == NULL || event_add(p->ev, NULL) == -1) {
		log_error("task: cannot watch the eventfd");
		goto fail;
	}
	if ((p->threads = calloc((size_t)nthreads, sizeof(*p->threads))) ==
	    NULL)
		goto fail;

	/* Signals stay with the loop thread: the threads inherit this mask. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	for (i = 0; i < nthreads; i++) {
		err = pthread_create(&p->threads[i], NULL, task_thread, p);
		if (err != 0) {
			log_error("task: pthread_create: %s", strerror(err));
			break;
		}
		p->nthreads++;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (p->nthreads != nthreads)
		goto fail;
	return (p);

fail:
	task_pool_free(p);
	return (NULL);
}

int
task_pool_submit(struct task_pool *p, void (*work)(void *),
                 void (*done)(void *), void *arg)
{
	struct task *t;

	if (work == NULL || (t = malloc(sizeof(*t))) == NULL)
		return (-1);
	t->work = work;
	t->done = done;
	t->arg = arg;

	pthread_mutex_lock(&p->lock);
	if (p->stopping || p->queued >= p->queue_max) {
		pthread_mutex_unlock(&p->lock);
		free(t);
		return (-1);
	}
	task_list_push(&p->queue, t);
	p->queued++;
	p->outstanding++;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	return (0);
}

size_t
task_pool_pending(const struct task_pool *p)
{
	return (p->outstanding);
}

void
task_pool_free(struct task_pool *p)
{
	int i;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->lock);
	p->stopping = 1;
	pthread_cond_broadcast(&p->wake);
	pthread_mutex_unlock(&p->lock);
	for (i = 0; i < p->nthreads; i++)
		pthread_join(p->threads[i], NULL);

	/* Threads are gone: the queue is empty and nothing else locks. */
	task_run_completed(p);

	if (p->ev != NULL)
		event_free(p->ev);
	if (p->efd != -1)
		close(p->efd);
	free(p->threads);
	pthread_cond_destroy(&p->wake);
	pthread_mutex_destroy(&p->lock);
	free(p);
}
