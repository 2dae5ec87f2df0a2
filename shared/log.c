/*
 * JSON-lines logger.  Lines are built in a stack buffer and written with
 * one write(2) so lines from several workers sharing stderr never
 * interleave (writes of up to PIPE_BUF bytes are atomic on a pipe).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "log.h"

static const char *log_proc = "lifted";
static enum log_level log_min = LOG_LEVEL_INFO;
static int log_worker;

static const char *const level_names[] = {"debug", "info", "warn", "error"};

int
log_level_parse(const char *s, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]);
	     i++) {
		if (strcmp(s, level_names[i]) == 0) {
			*out = (enum log_level)i;
			return (0);
		}
	}
	return (-1);
}

void
log_init(const char *proc, enum log_level min)
{
	log_proc = proc;
	log_min = min;
}

void
log_set_worker(int worker)
{
	log_worker = worker;
}

static cJSON *
log_start(enum log_level level)
{
	struct timespec ts;
	struct tm tm;
	char when[96];
	cJSON *o;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	snprintf(when, sizeof(when), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ",
	         tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
	         tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000);
	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddStringToObject(o, "time", when);
	cJSON_AddStringToObject(o, "level", level_names[level]);
	cJSON_AddStringToObject(o, "proc", log_proc);
	cJSON_AddNumberToObject(o, "worker", log_worker);
	return (o);
}

static void
log_emit(cJSON *o)
{
	char *s;
	size_t len;

	if (o == NULL)
		return;
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s == NULL)
		return;
	len = strlen(s);
	s[len] = '\n'; /* replaces the terminator; the length is known */
	if (write(STDERR_FILENO, s, len + 1) < 0) {
		/* Nowhere left to report it. */
	}
	free(s);
}

static void
log_vmsg(enum log_level level, const char *fmt, va_list ap)
{
	char msg[1024];
	cJSON *o;

	if (level < log_min)
		return;
	vsnprintf(msg, sizeof(msg), fmt, ap);
	if ((o = log_start(level)) == NULL)
		return;
	cJSON_AddStringToObject(o, "msg", msg);
	log_emit(o);
}

void
log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void
log_request(const struct log_request *r)
{
	cJSON *o;

	if (LOG_LEVEL_INFO < log_min)
		return;
	if ((o = log_start(LOG_LEVEL_INFO)) == NULL)
		return;
	cJSON_AddStringToObject(o, "request_id", r->request_id);
	cJSON_AddStringToObject(o, "method", r->method);
	cJSON_AddStringToObject(o, "path", r->path);
	cJSON_AddNumberToObject(o, "status", r->status);
	cJSON_AddNumberToObject(o, "bytes", (double)r->bytes);
	cJSON_AddNumberToObject(
	    o, "latency_ms", (double)(long long)(r->latency_ms * 1000) / 1000);
	if (r->client != NULL)
		cJSON_AddStringToObject(o, "client", r->client);
	log_emit(o);
}

void
fatal(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(LOG_LEVEL_ERROR, fmt, ap);
	va_end(ap);
	exit(1);
}
