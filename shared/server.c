/*
 * Parent supervisor and worker main loop.
 *
 * The parent never touches a request: it waits for signals with
 * sigtimedwait (no handlers, so no async-signal-safety traps) and keeps
 * one slot per worker.  Workers tell the parent they are ready through a
 * pipe, so a rolling SIGHUP restart never leaves the socket without an
 * accepting worker.  The listening socket is inherited by every worker;
 * the kernel hands each connection to one of them.
 */
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <event2/event.h>

#include <openssl/ssl.h>

#include "http.h"
#include "log.h"
#include "server.h"
#include "settings.h"
#include "tls.h"
#include "url.h"

#define WORKERS_MAX      256
#define READY_TIMEOUT_MS 15000
/* A defer_ready worker that has not called server_worker_ready() by then
 * accepts anyway (and answers 503 "loading" until it can serve): well
 * under READY_TIMEOUT_MS, and short, since workers start one by one. */
#define READY_FALLBACK_MS  5000
#define RESPAWN_BACKOFF_MS 5000

struct slot {
	pid_t pid;
	struct timespec started;
	int fast_deaths; /* consecutive deaths within a second of start */
	struct timespec respawn_at;
};

static struct worker *current_worker;
static struct worker_loop *current_loop;

struct worker *
server_worker(void)
{
	return (current_worker);
}

int
server_default_static_dir(const char *proc, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n;
	char *slash;

	if ((n = readlink("/proc/self/exe", exe, sizeof(exe) - 1)) < 0)
		return (-1);
	exe[n] = '\0';
	if ((slash = strrchr(exe, '/')) == NULL)
		return (-1);
	*slash = '\0';
	if ((size_t)snprintf(buf, len, "%s/static/%s", exe, proc) >= len)
		return (-1);
	return (0);
}

static int
listen_socket(const char *listen_addr)
{
	char host[64];
	int port, fd, on = 1;
	struct sockaddr_storage ss;
	socklen_t sl;

	if (url_parse_listen(listen_addr, host, sizeof(host), &port) != 0)
		fatal("bad listen address %s", listen_addr);
	memset(&ss, 0, sizeof(ss));
	if (strchr(host, ':') != NULL) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		inet_pton(AF_INET6, host, &s6->sin6_addr);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		inet_pton(AF_INET, host, &s4->sin_addr);
		sl = sizeof(*s4);
	}
	if ((fd = socket(ss.ss_family,
	                 SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0)
		fatal("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0)
		fatal("cannot listen on %s: %s", listen_addr, strerror(errno));
	if (listen(fd, 1024) != 0)
		fatal("listen on %s: %s", listen_addr, strerror(errno));
	return (fd);
}

static void
drop_privileges(const char *runas)
{
	struct passwd *pw;

	if (geteuid() != 0) {
		if (runas != NULL)
			log_info("not root: LIFTED_RUNAS=%s has no effect",
			         runas);
		return;
	}
	if (runas == NULL) {
		log_warn("running as root: set LIFTED_RUNAS to a user without "
		         "privileges");
		return;
	}
	if ((pw = getpwnam(runas)) == NULL)
		fatal("LIFTED_RUNAS: no user named %s", runas);
	if (setgroups(1, &pw->pw_gid) != 0 || setgid(pw->pw_gid) != 0 ||
	    setuid(pw->pw_uid) != 0)
		fatal("cannot become %s: %s", runas, strerror(errno));
	if (setuid(0) == 0)
		fatal("could regain root after dropping to %s", runas);
	log_info("running as %s (uid %d)", runas, (int)pw->pw_uid);
}

/* --- worker ------------------------------------------------------------ */

struct worker_loop {
	struct worker w;
	struct event *ev_term;
	struct event *ev_drain;
	struct event *ev_ready;  /* the READY_FALLBACK_MS timer */
	int ready_fd;            /* to the parent, until ready; then -1 */
	struct timespec stop_at; /* SIGTERM arrived */
	struct timespec busy_at; /* a request was last in flight */
	int stopping;
};

static double ms_since(const struct timespec *t);

/*
 * Draining, checked every DRAIN_TICK_MS after SIGTERM.  The worker exits
 * once no request is in flight and every connection has closed (answers
 * during a drain carry Connection: close, and a connection closes only
 * after its answer reached the kernel), or once DRAIN_IDLE_MS have passed
 * with nothing in flight (idle keep-alive connections), or at
 * LIFTED_SHUTDOWN_TIMEOUT_S.  Exiting as soon as the last answer was
 * queued would lose it: it is written on a later loop pass.
 */
#define DRAIN_TICK_MS 20
#define DRAIN_IDLE_MS 1000

static void
worker_drain_tick(evutil_socket_t fd, short what, void *arg)
{
	struct worker_loop *wl = arg;
	size_t inflight = http_server_inflight(wl->w.http);

	(void)fd;
	(void)what;
	if (inflight > 0)
		clock_gettime(CLOCK_MONOTONIC, &wl->busy_at);
	if (ms_since(&wl->stop_at) >
	    wl->w.settings->shutdown_timeout_s * 1000.0) {
		if (inflight > 0)
			log_warn("shutdown time-out: %zu requests still in "
			         "flight",
			         inflight);
		event_base_loopexit(wl->w.base, NULL);
	} else if (inflight == 0 && (http_server_connections(wl->w.http) == 0 ||
	                             ms_since(&wl->busy_at) > DRAIN_IDLE_MS))
		event_base_loopexit(wl->w.base, NULL);
}

static void
worker_sigterm(evutil_socket_t fd, short what, void *arg)
{
	struct worker_loop *wl = arg;
	struct timeval tick = {0, DRAIN_TICK_MS * 1000};

	(void)fd;
	(void)what;
	if (wl->stopping)
		return;
	wl->stopping = 1;
	log_info("draining %zu in-flight requests",
	         http_server_inflight(wl->w.http));
	clock_gettime(CLOCK_MONOTONIC, &wl->stop_at);
	wl->busy_at = wl->stop_at;
	http_server_drain(wl->w.http);
	wl->ev_drain =
	    event_new(wl->w.base, -1, EV_PERSIST, worker_drain_tick, wl);
	if (wl->ev_drain == NULL || event_add(wl->ev_drain, &tick) != 0)
		event_base_loopexit(wl->w.base, NULL);
}

void
server_worker_ready(void)
{
	struct worker_loop *wl = current_loop;

	if (wl == NULL || wl->ready_fd < 0)
		return;
	if (http_server_accept(wl->w.http) != 0)
		fatal("cannot accept connections");
	if (write(wl->ready_fd, "r", 1) != 1)
		log_warn("cannot signal readiness: %s", strerror(errno));
	close(wl->ready_fd);
	wl->ready_fd = -1;
	if (wl->ev_ready != NULL)
		evtimer_del(wl->ev_ready);
	log_info("worker %d ready", wl->w.id);
}

static void
worker_ready_fallback(evutil_socket_t fd, short what, void *arg)
{
	struct worker_loop *wl = arg;

	(void)fd;
	(void)what;
	log_warn("worker %d not ready after %d ms; accepting connections "
	         "anyway",
	         wl->w.id, READY_FALLBACK_MS);
	server_worker_ready();
}

static void __attribute__((noreturn))
worker_main(const struct server_config *cfg, int id, int listen_fd,
            int ready_fd)
{
	struct worker_loop wl;
	struct http_server_config hc;
	char static_dir[PATH_MAX];
	sigset_t none;
	int rc = 1;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, SIG_IGN); /* Ctrl-C reaches the parent, which drains */
	signal(SIGHUP, SIG_IGN);
	/* A worker never outlives its supervisor. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() == 1)
		_exit(1);
	log_set_worker(id);

	memset(&wl, 0, sizeof(wl));
	wl.w.id = id;
	wl.w.settings = cfg->settings;
	wl.ready_fd = ready_fd;
	current_worker = &wl.w;
	current_loop = &wl;
	if ((wl.w.base = event_base_new()) == NULL)
		fatal("event_base_new failed");

	memset(&hc, 0, sizeof(hc));
	hc.settings = cfg->settings;
	hc.spa_fallback = 1;
	hc.defer_accept = cfg->defer_ready;
	if (cfg->settings->static_dir != NULL)
		hc.static_dir = cfg->settings->static_dir;
	else if (server_default_static_dir(cfg->proc, static_dir,
	                                   sizeof(static_dir)) == 0)
		hc.static_dir = static_dir;
	if ((wl.w.http = http_server_new(wl.w.base, listen_fd, &hc)) == NULL)
		fatal("cannot start the HTTP server");
	if (cfg->worker_init != NULL && cfg->worker_init(&wl.w) != 0)
		fatal("worker initialisation failed");

	wl.ev_term = evsignal_new(wl.w.base, SIGTERM, worker_sigterm, &wl);
	if (wl.ev_term == NULL || evsignal_add(wl.ev_term, NULL) != 0)
		fatal("cannot watch SIGTERM");

	if (cfg->defer_ready) {
		struct timeval tv = {READY_FALLBACK_MS / 1000,
		                     (READY_FALLBACK_MS % 1000) * 1000};

		wl.ev_ready =
		    evtimer_new(wl.w.base, worker_ready_fallback, &wl);
		if (wl.ev_ready == NULL || evtimer_add(wl.ev_ready, &tv) != 0)
			server_worker_ready();
	} else
		server_worker_ready();

	if (event_base_dispatch(wl.w.base) == 0)
		rc = 0;

	if (cfg->worker_fini != NULL)
		cfg->worker_fini(&wl.w);
	http_server_free(wl.w.http);
	if (wl.ev_ready != NULL)
		event_free(wl.ev_ready);
	if (wl.ready_fd >= 0)
		close(wl.ready_fd);
	if (wl.ev_drain != NULL)
		event_free(wl.ev_drain);
	event_free(wl.ev_term);
	event_base_free(wl.w.base);
	log_info("worker %d stopped", id);
	exit(rc);
}

/* --- parent ------------------------------------------------------------- */

static double
ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return ((double)(now.tv_sec - t->tv_sec) * 1e3 +
	        (double)(now.tv_nsec - t->tv_nsec) / 1e6);
}

/* Forks a worker and waits until it says it is ready (or dies).  Returns
 * the pid or -1. */
static pid_t
spawn(const struct server_config *cfg, int id, int listen_fd)
{
	int p[2];
	pid_t pid;
	char c;
	struct pollfd pfd;

	if (pipe2(p, O_CLOEXEC) != 0) {
		log_error("pipe: %s", strerror(errno));
		return (-1);
	}
	if ((pid = fork()) < 0) {
		log_error("fork: %s", strerror(errno));
		close(p[0]);
		close(p[1]);
		return (-1);
	}
	if (pid == 0) {
		close(p[0]);
		worker_main(cfg, id, listen_fd, p[1]);
	}
	close(p[1]);
	pfd.fd = p[0];
	pfd.events = POLLIN;
	if (poll(&pfd, 1, READY_TIMEOUT_MS) != 1 || read(p[0], &c, 1) != 1)
		log_warn("worker %d (pid %d) did not report ready", id,
		         (int)pid);
	close(p[0]);
	return (pid);
}

static int
wait_all(pid_t *pids, int n, int timeout_ms)
{
	struct timespec start;
	int left;

	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		pid_t pid;
		int status;

		while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
			for (int i = 0; i < n; i++)
				if (pids[i] == pid)
					pids[i] = 0;
		left = 0;
		for (int i = 0; i < n; i++)
			left += pids[i] > 0;
		if (left == 0 || ms_since(&start) > timeout_ms)
			return (left);
		usleep(20000);
	}
}

int
server_run(const struct server_config *cfg)
{
	const struct settings *st = cfg->settings;
	struct slot slots[WORKERS_MAX];
	pid_t retiring[WORKERS_MAX * 2];
	int nretiring = 0, n = st->workers, listen_fd;
	sigset_t set;
	struct timespec tick = {0, 200 * 1000 * 1000};

	if (n > WORKERS_MAX)
		n = WORKERS_MAX;
	listen_fd = listen_socket(cfg->listen);
	drop_privileges(st->runas);
	/* Workers read the certificate and key themselves (and again after
	 * SIGHUP); trying once here, as the user they run as, turns a bad
	 * path or a key they cannot read into one clear start-up error. */
	if (st->tls_cert != NULL) {
		char err[512];
		SSL_CTX *ctx = tls_context_new(st->tls_cert, st->tls_key, err,
		                               sizeof(err));

		if (ctx == NULL)
			fatal("%s", err);
		SSL_CTX_free(ctx);
	}

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	log_info("listening on %s (%s) with %d workers", cfg->listen,
	         st->tls_cert != NULL ? "https" : "http", n);
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < n; i++) {
		if ((slots[i].pid = spawn(cfg, i + 1, listen_fd)) < 0)
			slots[i].pid = 0;
		clock_gettime(CLOCK_MONOTONIC, &slots[i].started);
		slots[i].respawn_at = slots[i].started;
	}

	for (;;) {
		int sig = sigtimedwait(&set, NULL, &tick);
		pid_t pid;
		int status;

		if (sig == SIGTERM || sig == SIGINT) {
			pid_t all[WORKERS_MAX * 3];
			int na = 0;

			log_info("stopping: draining workers");
			for (int i = 0; i < n; i++)
				if (slots[i].pid > 0)
					all[na++] = slots[i].pid;
			for (int i = 0; i < nretiring; i++)
				all[na++] = retiring[i];
			for (int i = 0; i < na; i++)
				kill(all[i], SIGTERM);
			if (wait_all(all, na,
			             st->shutdown_timeout_s * 1000 + 2000) >
			    0) {
				for (int i = 0; i < na; i++)
					if (all[i] > 0)
						kill(all[i], SIGKILL);
				wait_all(all, na, 2000);
			}
			close(listen_fd);
			log_info("stopped");
			return (0);
		}
		if (sig == SIGHUP) {
			log_info("SIGHUP: replacing workers one by one");
			for (int i = 0; i < n; i++) {
				pid_t old = slots[i].pid, fresh;

				if ((fresh = spawn(cfg, i + 1, listen_fd)) < 0)
					continue;
				slots[i].pid = fresh;
				clock_gettime(CLOCK_MONOTONIC,
				              &slots[i].started);
				if (old > 0) {
					kill(old, SIGTERM);
					if (nretiring < WORKERS_MAX * 2)
						retiring[nretiring++] = old;
				}
			}
		}
		/* Reap on every wake-up: a SIGCHLD may have been merged. */
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			int i, found = 0;

			for (i = 0; i < nretiring; i++)
				if (retiring[i] == pid) {
					retiring[i] = retiring[--nretiring];
					found = 1;
					break;
				}
			if (found)
				continue;
			for (i = 0; i < n; i++)
				if (slots[i].pid == pid)
					break;
			if (i == n)
				continue;
			if (WIFSIGNALED(status))
				log_error("worker %d (pid %d) killed by signal "
				          "%d; replacing it",
				          i + 1, (int)pid, WTERMSIG(status));
			else
				log_error("worker %d (pid %d) exited with %d; "
				          "replacing it",
				          i + 1, (int)pid, WEXITSTATUS(status));
			slots[i].pid = 0;
			/* A worker that keeps dying at start must not turn
			 * into a fork loop. */
			if (ms_since(&slots[i].started) < 1000)
				slots[i].fast_deaths++;
			else
				slots[i].fast_deaths = 0;
			clock_gettime(CLOCK_MONOTONIC, &slots[i].respawn_at);
			if (slots[i].fast_deaths > 0) {
				long ms = 100L << (slots[i].fast_deaths > 6
				                       ? 6
				                       : slots[i].fast_deaths);
				if (ms > RESPAWN_BACKOFF_MS)
					ms = RESPAWN_BACKOFF_MS;
				slots[i].respawn_at.tv_sec += ms / 1000;
				slots[i].respawn_at.tv_nsec +=
				    (ms % 1000) * 1000000;
			}
		}
		for (int i = 0; i < n; i++) {
			if (slots[i].pid != 0 ||
			    ms_since(&slots[i].respawn_at) < 0)
				continue;
			if ((slots[i].pid = spawn(cfg, i + 1, listen_fd)) < 0)
				slots[i].pid = 0;
			clock_gettime(CLOCK_MONOTONIC, &slots[i].started);
			slots[i].respawn_at = slots[i].started;
		}
	}
}
