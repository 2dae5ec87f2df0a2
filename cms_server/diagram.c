/*
 * GET /cms/api/workflow.svg: the workflow table drawn by Graphviz.
 *
 * `dot` is a separate program, so rendering is a child process: spawned
 * from a thread-pool job (it blocks on pipes for up to DIAGRAM_TIMEOUT_MS
 * and must not hold up the loop), fed the DOT on stdin, its SVG read
 * from stdout up to DIAGRAM_MAX_SVG bytes; past the deadline or the cap
 * the child is killed.  posix_spawn rather than fork: the worker has
 * threads, and after fork only async-signal-safe calls are allowed.
 *
 * The table is compiled in, so the picture never changes while the
 * process lives: the first good render is kept in worker memory and
 * every later request is answered from it.  Requests that arrive while
 * the first render runs each render too; the first to finish fills the
 * cache (a handful of dot runs once per worker costs less than a queue).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diagram.h"
#include "http.h"
#include "log.h"
#include "service.h"
#include "task.h"
#include "workflow.h"

#define DIAGRAM_TIMEOUT_MS 5000
#define DIAGRAM_MAX_SVG    (1024 * 1024)

extern char **environ;

/* The worker's rendered diagram (workers are processes: one each). */
static char *diagram_svg;
static size_t diagram_len;

struct diagram_job {
	struct http_request *req;
	char *dot;
	char *svg; /* set by the job on success */
	size_t len;
};

static long
diagram_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ((long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
}

/*
 * Runs `dot -Tsvg` with in on stdin; returns the malloc'd output (*len
 * bytes, NUL-terminated) or NULL on any failure, timeout or oversize.
 */
static char *
diagram_render(const char *in, size_t *len)
{
	char *const argv[] = {"dot", "-Tsvg", NULL};
	posix_spawn_file_actions_t fa;
	int inp[2] = {-1, -1}, outp[2] = {-1, -1}, status, fa_ok = 0;
	size_t inlen = strlen(in), inoff = 0, n = 0;
	struct pollfd pfd[2];
	char *out = NULL;
	pid_t pid = -1;
	long deadline;
	ssize_t r;
	int ok = 0, np, wait;

	if (pipe2(inp, O_CLOEXEC) != 0 || pipe2(outp, O_CLOEXEC) != 0)
		goto cleanup;
	if ((out = malloc(DIAGRAM_MAX_SVG + 1)) == NULL)
		goto cleanup;
	if (posix_spawn_file_actions_init(&fa) != 0)
		goto cleanup;
	fa_ok = 1;
	/* dup2 clears close-on-exec on the child's 0 and 1 only. */
	if (posix_spawn_file_actions_adddup2(&fa, inp[0], 0) != 0 ||
	    posix_spawn_file_actions_adddup2(&fa, outp[1], 1) != 0 ||
	    posix_spawnp(&pid, "dot", &fa, NULL, argv, environ) != 0) {
		pid = -1;
		goto cleanup;
	}
	close(inp[0]);
	close(outp[1]);
	inp[0] = outp[1] = -1;
	fcntl(inp[1], F_SETFL, O_NONBLOCK);
	deadline = diagram_now_ms() + DIAGRAM_TIMEOUT_MS;
	for (;;) {
		np = 0;
		if (inp[1] >= 0) {
			pfd[np].fd = inp[1];
			pfd[np++].events = POLLOUT;
		}
		pfd[np].fd = outp[0];
		pfd[np++].events = POLLIN;
		wait = (int)(deadline - diagram_now_ms());
		if (wait <= 0)
			goto cleanup; /* too slow */
		if (poll(pfd, (nfds_t)np, wait) < 0) {
			if (errno == EINTR)
				continue;
			goto cleanup;
		}
		if (inp[1] >= 0 && pfd[0].revents != 0) {
			r = write(inp[1], in + inoff, inlen - inoff);
			if (r > 0)
				inoff += (size_t)r;
			if (r < 0 && errno != EAGAIN && errno != EINTR)
				goto cleanup;
			if (inoff == inlen) {
				close(inp[1]);
				inp[1] = -1;
			}
		}
		if (pfd[np - 1].revents == 0)
			continue;
		r = read(outp[0], out + n, DIAGRAM_MAX_SVG + 1 - n);
		if (r < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (r < 0)
			goto cleanup;
		if (r == 0)
			break;
		n += (size_t)r;
		if (n > DIAGRAM_MAX_SVG)
			goto cleanup; /* too big */
	}
	if (waitpid(pid, &status, 0) == pid) {
		pid = -1;
		ok = WIFEXITED(status) && WEXITSTATUS(status) == 0 && n > 0;
	}
cleanup:
	if (pid > 0) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
	}
	if (fa_ok)
		posix_spawn_file_actions_destroy(&fa);
	if (inp[0] >= 0)
		close(inp[0]);
	if (inp[1] >= 0)
		close(inp[1]);
	if (outp[0] >= 0)
		close(outp[0]);
	if (outp[1] >= 0)
		close(outp[1]);
	if (!ok) {
		free(out);
		return (NULL);
	}
	out[n] = '\0';
	*len = n;
	return (out);
}

static void
diagram_work(void *arg)
{
	struct diagram_job *j = arg;

	j->svg = diagram_render(j->dot, &j->len);
}

static void
diagram_respond(struct http_request *req)
{
	http_add_header(req, "Cache-Control", "private, max-age=3600");
	http_respond_bytes(req, 200, "image/svg+xml", diagram_svg, diagram_len);
}

static void
diagram_done(void *arg)
{
	struct diagram_job *j = arg;

	free(j->dot);
	if (j->svg == NULL && diagram_svg == NULL) {
		log_error("workflow diagram: `dot -Tsvg` failed (is graphviz "
		          "installed?)");
		http_respond_unavailable(j->req, "diagram unavailable", 5);
		free(j);
		return;
	}
	if (diagram_svg == NULL) {
		diagram_svg = j->svg;
		diagram_len = j->len;
	} else
		free(j->svg);
	diagram_respond(j->req);
	free(j);
}

void
cms_diagram_get(struct http_request *req)
{
	struct diagram_job *j;
	char probe[1];
	int n;

	if (diagram_svg != NULL) {
		diagram_respond(req);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL)
		goto oom;
	n = cms_workflow_dot(probe, sizeof(probe)); /* the length needed */
	if (n < 0 || (j->dot = malloc((size_t)n + 1)) == NULL)
		goto oom;
	cms_workflow_dot(j->dot, (size_t)n + 1);
	j->req = req;
	if (task_pool_submit(service_get()->tasks, diagram_work, diagram_done,
	                     j) != 0) {
		free(j->dot);
		free(j);
		http_respond_unavailable(req, "too busy", 1);
	}
	return;
oom:
	if (j != NULL)
		free(j->dot);
	free(j);
	http_respond_error(req, 500, "out of memory", NULL);
}
