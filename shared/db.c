/*
 * Asynchronous libpq connection pool on a libevent loop (see db.h).
 *
 * Design.  Each connection is an explicit state machine:
 *
 *   DOWN --timer--> CONNECTING --PQconnectPoll OK--> PREPARING (one
 *   PREPARE in flight, statement prep_next) --all prepared--> IDLE
 *   <--> BUSY (one query in flight)
 *
 *   and for the pool's listener connection, after CONNECTING:
 *   LISTEN_SETUP (LISTEN in flight) --> LISTENING
 *
 * Any failure (connect error, connect timeout, read/write error, bad
 * PQstatus, failed PREPARE or LISTEN) goes through db_conn_reset: the
 * in-flight query is failed, the PGconn closed, and the connection goes
 * back to DOWN with its backoff timer armed (100 ms doubling to 5 s,
 * reset once the connection is ready again).
 *
 * Callbacks are never run from inside db_pool_query: every failure that
 * is decided before a query reaches the server is put on the pool's fail
 * queue, which a zero-delay event drains on the next loop iteration.
 * Answers from the server are delivered from socket events.
 *
 * Socket events are re-created after every PQconnectPoll step because
 * libpq may close the socket and open another one (next host or address)
 * that can even reuse the same descriptor number: epoll forgets a closed
 * descriptor, so a stale registration would never fire.
 */
#include <sys/queue.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <event2/event.h>
#include <libpq-fe.h>

#include "db.h"
#include "log.h"
#include "sql.h"

#define DB_BACKOFF_MIN_MS 100
#define DB_BACKOFF_MAX_MS 5000
/* libpq leaves connect timeouts to the application in async mode. */
#define DB_CONNECT_TIMEOUT_MS 10000

enum db_conn_kind {
	DB_KIND_QUERY,
	DB_KIND_LISTEN,
};

enum db_conn_state {
	DB_CONN_DOWN,         /* no PGconn; backoff timer armed */
	DB_CONN_CONNECTING,   /* PQconnectPoll steps; timer = timeout */
	DB_CONN_PREPARING,    /* PREPARE of stmts[prep_next] in flight */
	DB_CONN_IDLE,         /* ready, nothing in flight */
	DB_CONN_BUSY,         /* c->q in flight */
	DB_CONN_LISTEN_SETUP, /* LISTEN in flight */
	DB_CONN_LISTENING,    /* waiting for notifications */
};

struct db_query {
	TAILQ_ENTRY(db_query) entry;
	const struct sql_stmt *stmt;
	db_result_cb cb;
	void *arg;
	int nparams;
	const char **values; /* same allocation as the struct */
	const char *error;   /* static text, set when failed early */
};

TAILQ_HEAD(db_queryq, db_query);

struct db_conn {
	struct db_pool *pool;
	enum db_conn_kind kind;
	enum db_conn_state state;
	int id; /* for logs; the listener is -1 */
	PGconn *pg;
	int fd;
	struct event *ev_read;  /* persistent while fd is valid */
	struct event *ev_write; /* added only while output is pending */
	struct event *ev_timer; /* backoff or connect timeout */
	int backoff_ms;         /* delay before the next attempt */
	int failures;           /* attempts since the last success */
	size_t prep_next;       /* PREPARING: statement in flight */
	struct db_query *q;     /* BUSY: query in flight */
	PGresult *res;          /* result gathered for the command */
	char errbuf[256];       /* error text handed to callbacks */
};

struct db_pool {
	struct event_base *base;
	char *name;
	char *conninfo;
	const struct sql_stmt **stmts;
	size_t nstmts;
	size_t queue_max;
	struct db_conn *conns;
	int nconns;
	int nready; /* query connections in IDLE or BUSY */
	int closing;

	struct db_queryq waitq; /* waiting for a free connection */
	size_t nwait;
	struct db_queryq failq; /* failed before reaching the server */
	struct event *ev_fail;

	struct db_conn *listener;
	char *channel;
	db_notify_cb on_notify;
	db_resync_cb on_resync;
	void *listen_arg;
};

static void db_conn_start(struct db_conn *);
static void db_conn_reset(struct db_conn *, const char *);
static void db_conn_io_cb(evutil_socket_t, short, void *);
static void db_pool_dispatch(struct db_pool *);

static const char *
db_state_name(enum db_conn_state s)
{
	switch (s) {
	case DB_CONN_DOWN:
		return ("down");
	case DB_CONN_CONNECTING:
		return ("connecting");
	case DB_CONN_PREPARING:
		return ("preparing");
	case DB_CONN_IDLE:
		return ("idle");
	case DB_CONN_BUSY:
		return ("busy");
	case DB_CONN_LISTEN_SETUP:
		return ("listen-setup");
	case DB_CONN_LISTENING:
		return ("listening");
	}
	return ("?");
}

static int
db_state_ready(enum db_conn_state s)
{
	return (s == DB_CONN_IDLE || s == DB_CONN_BUSY);
}

/* States in which a command is in flight and PQgetResult's NULL ends it. */
static int
db_state_inflight(enum db_conn_state s)
{
	return (s == DB_CONN_PREPARING || s == DB_CONN_BUSY ||
	        s == DB_CONN_LISTEN_SETUP);
}

/*
 * Copies libpq's message into buf, first line only: libpq's messages
 * carry hints on later lines and end in a newline, and neither belongs
 * in a one-line log field.  libpq never puts the password in them.
 */
static void
db_first_line(char *buf, size_t len, const char *msg)
{
	size_t n;

	if (msg == NULL || *msg == '\0')
		msg = "unknown error";
	n = strcspn(msg, "\n");
	if (n >= len)
		n = len - 1;
	memcpy(buf, msg, n);
	buf[n] = '\0';
}

static void
db_conn_set_state(struct db_conn *c, enum db_conn_state s)
{
	struct db_pool *p = c->pool;
	int before;

	if (c->kind == DB_KIND_QUERY) {
		before = p->nready;
		p->nready += db_state_ready(s) - db_state_ready(c->state);
		if (before == 0 && p->nready > 0)
			log_info("db %s: ready", p->name);
		else if (before > 0 && p->nready == 0)
			log_warn("db %s: no connection up", p->name);
	}
	c->state = s;
}

/* Fails q later, from the loop, with a static error text. */
static void
db_pool_fail_later(struct db_pool *p, struct db_query *q, const char *error)
{
	q->error = error;
	TAILQ_INSERT_TAIL(&p->failq, q, entry);
	event_active(p->ev_fail, EV_TIMEOUT, 0);
}

static void
db_pool_fail_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_pool *p = arg;
	struct db_queryq todo;
	struct db_query *q;
	struct db_result res;

	(void)fd;
	(void)what;
	/* Callbacks may fail more queries; those wait for the next round. */
	TAILQ_INIT(&todo);
	TAILQ_CONCAT(&todo, &p->failq, entry);
	while ((q = TAILQ_FIRST(&todo)) != NULL) {
		TAILQ_REMOVE(&todo, q, entry);
		res.pg = NULL;
		res.error = q->error;
		res.sqlstate = NULL;
		q->cb(&res, q->arg);
		free(q);
	}
}

/* Moves every waiting query to the fail queue. */
static void
db_pool_fail_waiting(struct db_pool *p, const char *error)
{
	struct db_query *q;

	while ((q = TAILQ_FIRST(&p->waitq)) != NULL) {
		TAILQ_REMOVE(&p->waitq, q, entry);
		p->nwait--;
		db_pool_fail_later(p, q, error);
	}
}

static void
db_conn_unwatch(struct db_conn *c)
{
	if (c->ev_read != NULL) {
		event_free(c->ev_read);
		c->ev_read = NULL;
	}
	if (c->ev_write != NULL) {
		event_free(c->ev_write);
		c->ev_write = NULL;
	}
	c->fd = -1;
}

/* Registers the current PQsocket for the wanted directions. */
static int
db_conn_watch(struct db_conn *c, int want_read, int want_write)
{
	struct event_base *base = c->pool->base;
	int fd;

	if ((fd = PQsocket(c->pg)) < 0)
		return (-1);
	if (fd != c->fd)
		db_conn_unwatch(c);
	if (c->ev_read == NULL) {
		c->ev_read =
		    event_new(base, fd, EV_READ | EV_PERSIST, db_conn_io_cb, c);
		c->ev_write = event_new(base, fd, EV_WRITE | EV_PERSIST,
		                        db_conn_io_cb, c);
		if (c->ev_read == NULL || c->ev_write == NULL) {
			db_conn_unwatch(c);
			return (-1);
		}
		c->fd = fd;
	}
	if (want_read ? event_add(c->ev_read, NULL) : event_del(c->ev_read))
		return (-1);
	if (want_write ? event_add(c->ev_write, NULL) : event_del(c->ev_write))
		return (-1);
	return (0);
}

static void
db_timer_arm(struct db_conn *c, int ms)
{
	struct timeval tv;

	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	evtimer_add(c->ev_timer, &tv);
}

/*
 * Sends what libpq has buffered.  Returns 0, or -1 after resetting the
 * connection.  While output is pending the write event stays added; the
 * read event always is, so a dead server is noticed even while idle.
 */
static int
db_conn_flush(struct db_conn *c)
{
	int r;

	if ((r = PQflush(c->pg)) < 0) {
		db_conn_reset(c, "write failed");
		return (-1);
	}
	if (db_conn_watch(c, 1, r == 1) == -1) {
		db_conn_reset(c, "cannot watch socket");
		return (-1);
	}
	return (0);
}

/*
 * Closes the connection, fails its in-flight query and schedules the
 * next attempt.  Safe in any state; a DOWN connection is left alone.
 */
static void
db_conn_reset(struct db_conn *c, const char *why)
{
	struct db_pool *p = c->pool;
	char detail[256];
	int was_up;

	if (c->state == DB_CONN_DOWN)
		return;
	was_up = c->state != DB_CONN_CONNECTING &&
	         c->state != DB_CONN_PREPARING &&
	         c->state != DB_CONN_LISTEN_SETUP;
	db_first_line(detail, sizeof(detail),
	              c->pg != NULL ? PQerrorMessage(c->pg) : NULL);
	/* One line per outage; retries while it lasts are debug noise. */
	if (was_up || c->failures == 0)
		log_warn("db %s conn %d: %s (%s) in state %s; retrying in "
		         "%d ms",
		         p->name, c->id, why, detail, db_state_name(c->state),
		         c->backoff_ms);
	else
		log_debug("db %s conn %d: %s (%s); retrying in %d ms", p->name,
		          c->id, why, detail, c->backoff_ms);

	if (c->q != NULL) {
		db_pool_fail_later(p, c->q, "connection lost");
		c->q = NULL;
	}
	if (c->res != NULL) {
		PQclear(c->res);
		c->res = NULL;
	}
	db_conn_unwatch(c);
	if (c->pg != NULL) {
		PQfinish(c->pg);
		c->pg = NULL;
	}
	db_conn_set_state(c, DB_CONN_DOWN);
	c->failures++;
	evtimer_del(c->ev_timer);
	db_timer_arm(c, c->backoff_ms);
	c->backoff_ms *= 2;
	if (c->backoff_ms > DB_BACKOFF_MAX_MS)
		c->backoff_ms = DB_BACKOFF_MAX_MS;

	/* Waiting would only hang the callers until the server is back. */
	if (p->nready == 0)
		db_pool_fail_waiting(p, "database unavailable");
}

/* The connection reached its working state: forget past failures. */
static void
db_conn_succeeded(struct db_conn *c)
{
	if (c->failures > 0)
		log_info("db %s conn %d: reconnected", c->pool->name, c->id);
	c->failures = 0;
	c->backoff_ms = DB_BACKOFF_MIN_MS;
}

static void
db_conn_prepare_next(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	const struct sql_stmt *s;

	if (c->prep_next == p->nstmts) {
		db_conn_set_state(c, DB_CONN_IDLE);
		db_conn_succeeded(c);
		db_pool_dispatch(p);
		return;
	}
	s = p->stmts[c->prep_next];
	db_conn_set_state(c, DB_CONN_PREPARING);
	if (!PQsendPrepare(c->pg, s->name, s->sql, 0, NULL)) {
		db_conn_reset(c, "cannot send PREPARE");
		return;
	}
	db_conn_flush(c);
}

static void
db_conn_send_listen(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	char *ident, *cmd;
	size_t len;
	int ok;

	ident = PQescapeIdentifier(c->pg, p->channel, strlen(p->channel));
	if (ident == NULL) {
		db_conn_reset(c, "cannot quote channel");
		return;
	}
	len = strlen(ident) + sizeof("LISTEN ");
	if ((cmd = malloc(len)) == NULL) {
		PQfreemem(ident);
		db_conn_reset(c, "out of memory");
		return;
	}
	snprintf(cmd, len, "LISTEN %s", ident);
	PQfreemem(ident);
	db_conn_set_state(c, DB_CONN_LISTEN_SETUP);
	ok = PQsendQuery(c->pg, cmd);
	free(cmd);
	if (!ok) {
		db_conn_reset(c, "cannot send LISTEN");
		return;
	}
	db_conn_flush(c);
}

static void
db_conn_connected(struct db_conn *c)
{
	evtimer_del(c->ev_timer);
	if (PQsetnonblocking(c->pg, 1) == -1) {
		db_conn_reset(c, "cannot set non-blocking");
		return;
	}
	db_conn_unwatch(c);
	if (db_conn_watch(c, 1, 0) == -1) {
		db_conn_reset(c, "cannot watch socket");
		return;
	}
	if (c->kind == DB_KIND_LISTEN) {
		db_conn_send_listen(c);
	} else {
		c->prep_next = 0;
		db_conn_prepare_next(c);
	}
}

/* One PQconnectPoll step, then wait for what libpq asked for. */
static void
db_conn_poll(struct db_conn *c)
{
	PostgresPollingStatusType st;
	int rd = 0, wr = 0;

	st = PQconnectPoll(c->pg);
	switch (st) {
	case PGRES_POLLING_OK:
		db_conn_connected(c);
		return;
	case PGRES_POLLING_READING:
		rd = 1;
		break;
	case PGRES_POLLING_WRITING:
		wr = 1;
		break;
	default: /* PGRES_POLLING_FAILED */
		db_conn_reset(c, "connect failed");
		return;
	}
	db_conn_unwatch(c); /* the socket may be a new one: see the top */
	if (db_conn_watch(c, rd, wr) == -1)
		db_conn_reset(c, "cannot watch socket");
}

static void
db_conn_start(struct db_conn *c)
{
	c->pg = PQconnectStart(c->pool->conninfo);
	/* Counts as a step out of DOWN so reset does its work. */
	db_conn_set_state(c, DB_CONN_CONNECTING);
	if (c->pg == NULL || PQstatus(c->pg) == CONNECTION_BAD) {
		db_conn_reset(c, "connect failed");
		return;
	}
	db_timer_arm(c, DB_CONNECT_TIMEOUT_MS);
	/* libpq: begin as if PQconnectPoll had asked for writing. */
	db_conn_unwatch(c);
	if (db_conn_watch(c, 0, 1) == -1)
		db_conn_reset(c, "cannot watch socket");
}

static void
db_conn_timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	(void)what;
	if (c->state == DB_CONN_DOWN)
		db_conn_start(c);
	else if (c->state == DB_CONN_CONNECTING)
		db_conn_reset(c, "connect timed out");
}

/* Keeps the result that tells the command's outcome; an error wins. */
static void
db_conn_keep(struct db_conn *c, PGresult *r)
{
	ExecStatusType st = PQresultStatus(r);

	if (c->res == NULL) {
		c->res = r;
	} else if (st == PGRES_FATAL_ERROR || st == PGRES_NONFATAL_ERROR) {
		PQclear(c->res);
		c->res = r;
	} else {
		PQclear(r);
	}
}

static int
db_result_ok(const PGresult *r)
{
	ExecStatusType st;

	if (r == NULL)
		return (0);
	st = PQresultStatus(r);
	return (st == PGRES_TUPLES_OK || st == PGRES_COMMAND_OK);
}

static void
db_conn_complete_prepare(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	const struct sql_stmt *s = p->stmts[c->prep_next];

	if (!db_result_ok(c->res)) {
		/*
		 * A statement that does not prepare means the schema or the
		 * grants do not match this build (migrations not run?).
		 * Serving without it would fail requests one by one; staying
		 * not-ready and retrying lets /readyz say so and recovers by
		 * itself once the schema is right.
		 */
		db_first_line(c->errbuf, sizeof(c->errbuf),
		              c->res != NULL ? PQresultErrorMessage(c->res)
		                             : NULL);
		if (c->failures == 0)
			log_error("db %s conn %d: PREPARE %s failed: %s "
			          "(schema not migrated, or a grant missing?)",
			          p->name, c->id, s->name, c->errbuf);
		db_conn_reset(c, "statement does not prepare");
		return;
	}
	PQclear(c->res);
	c->res = NULL;
	c->prep_next++;
	db_conn_prepare_next(c);
}

static void
db_conn_complete_listen(struct db_conn *c)
{
	struct db_pool *p = c->pool;

	if (!db_result_ok(c->res)) {
		db_first_line(c->errbuf, sizeof(c->errbuf),
		              c->res != NULL ? PQresultErrorMessage(c->res)
		                             : NULL);
		log_error("db %s: LISTEN %s failed: %s", p->name, p->channel,
		          c->errbuf);
		db_conn_reset(c, "LISTEN failed");
		return;
	}
	PQclear(c->res);
	c->res = NULL;
	db_conn_set_state(c, DB_CONN_LISTENING);
	db_conn_succeeded(c);
	log_info("db %s: listening on %s", p->name, p->channel);
	if (p->on_resync != NULL)
		p->on_resync(p->listen_arg);
}

static void
db_conn_complete_query(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	struct db_query *q = c->q;
	PGresult *r = c->res;
	struct db_result res;
	const char *msg = NULL;

	c->q = NULL;
	c->res = NULL;
	if (PQstatus(c->pg) == CONNECTION_BAD) {
		/* Reset first, so nothing the callback sends lands on c. */
		db_conn_reset(c, "connection lost");
	} else {
		/*
		 * Give c to the oldest waiting query before the callback
		 * runs: that keeps FIFO order and frees a queue slot, so a
		 * follow-up query the callback sends is not refused as
		 * DB_QUEUE_FULL while a connection is in fact free.
		 */
		db_conn_set_state(c, DB_CONN_IDLE);
		db_pool_dispatch(p);
	}
	if (db_result_ok(r)) {
		res.pg = r;
		res.error = NULL;
		res.sqlstate = NULL;
	} else {
		if (r != NULL) {
			msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);
			if (msg == NULL || *msg == '\0')
				msg = PQresultErrorMessage(r);
		}
		if (msg == NULL || *msg == '\0')
			msg = "query failed";
		db_first_line(c->errbuf, sizeof(c->errbuf), msg);
		res.pg = NULL;
		res.error = c->errbuf;
		res.sqlstate =
		    r != NULL ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
	}
	q->cb(&res, q->arg);
	PQclear(r);
	free(q);
	db_pool_dispatch(p);
}

/* The command in flight has returned its last result. */
static void
db_conn_complete(struct db_conn *c)
{
	switch (c->state) {
	case DB_CONN_PREPARING:
		db_conn_complete_prepare(c);
		break;
	case DB_CONN_LISTEN_SETUP:
		db_conn_complete_listen(c);
		break;
	case DB_CONN_BUSY:
		db_conn_complete_query(c);
		break;
	default:
		break;
	}
}

static void
db_conn_notifies(struct db_conn *c)
{
	struct db_pool *p = c->pool;
	PGnotify *n;

	while (c->pg != NULL && (n = PQnotifies(c->pg)) != NULL) {
		/* Query connections never LISTEN; drop strays. */
		if (c->kind == DB_KIND_LISTEN && p->on_notify != NULL)
			p->on_notify(n->relname, n->extra, p->listen_arg);
		PQfreemem(n);
	}
}

static void
db_conn_read(struct db_conn *c)
{
	PGresult *r;

	if (!PQconsumeInput(c->pg)) {
		db_conn_reset(c, "read failed");
		return;
	}
	db_conn_notifies(c);
	/* A completion may start the next command on c, or reset it. */
	while (c->pg != NULL && db_state_inflight(c->state) &&
	       !PQisBusy(c->pg)) {
		if ((r = PQgetResult(c->pg)) == NULL)
			db_conn_complete(c);
		else
			db_conn_keep(c, r);
	}
	db_conn_notifies(c);
	if (c->pg != NULL && PQstatus(c->pg) == CONNECTION_BAD)
		db_conn_reset(c, "connection lost");
}

static void
db_conn_io_cb(evutil_socket_t fd, short what, void *arg)
{
	struct db_conn *c = arg;

	(void)fd;
	if (c->state == DB_CONN_CONNECTING) {
		db_conn_poll(c);
		return;
	}
	if (c->pg == NULL)
		return;
	if ((what & EV_WRITE) && db_conn_flush(c) == -1)
		return;
	if (what & EV_READ) {
		db_conn_read(c);
		/* libpq: after reading, retry output that was pending. */
		if (c->pg != NULL && c->ev_write != NULL &&
		    event_pending(c->ev_write, EV_WRITE, NULL))
			db_conn_flush(c);
	}
}

/* Sends q on the idle connection c; failures never call back here. */
static void
db_conn_send_query(struct db_conn *c, struct db_query *q)
{
	db_conn_set_state(c, DB_CONN_BUSY);
	c->q = q;
	if (!PQsendQueryPrepared(c->pg, q->stmt->name, q->nparams, q->values,
	                         NULL, NULL, 0)) {
		db_conn_reset(c, "cannot send query");
		return;
	}
	db_conn_flush(c);
}

static struct db_conn *
db_pool_idle(struct db_pool *p)
{
	int i;

	for (i = 0; i < p->nconns; i++) {
		if (p->conns[i].state == DB_CONN_IDLE)
			return (&p->conns[i]);
	}
	return (NULL);
}

static void
db_pool_dispatch(struct db_pool *p)
{
	struct db_query *q;
	struct db_conn *c;

	while ((q = TAILQ_FIRST(&p->waitq)) != NULL &&
	       (c = db_pool_idle(p)) != NULL) {
		TAILQ_REMOVE(&p->waitq, q, entry);
		p->nwait--;
		db_conn_send_query(c, q);
	}
}

static void
db_conn_init(struct db_pool *p, struct db_conn *c, enum db_conn_kind kind,
             int id)
{
	c->pool = p;
	c->kind = kind;
	c->state = DB_CONN_DOWN;
	c->id = id;
	c->fd = -1;
	c->backoff_ms = DB_BACKOFF_MIN_MS;
}

/* Closes c without callbacks; its in-flight query moves to out. */
static void
db_conn_close(struct db_conn *c, struct db_queryq *out)
{
	if (c->q != NULL) {
		c->q->error = "database pool closed";
		TAILQ_INSERT_TAIL(out, c->q, entry);
		c->q = NULL;
	}
	if (c->res != NULL)
		PQclear(c->res);
	c->res = NULL;
	db_conn_unwatch(c);
	if (c->ev_timer != NULL)
		event_free(c->ev_timer);
	c->ev_timer = NULL;
	if (c->pg != NULL)
		PQfinish(c->pg);
	c->pg = NULL;
}

struct db_pool *
db_pool_new(struct event_base *base, const struct db_pool_config *cfg)
{
	struct db_pool *p;
	size_t i;
	int n;

	if (cfg->size < 1 || cfg->queue_max < 0 || cfg->conninfo == NULL ||
	    (cfg->nstmts > 0 && cfg->stmts == NULL))
		return (NULL);
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return (NULL);
	p->base = base;
	TAILQ_INIT(&p->waitq);
	TAILQ_INIT(&p->failq);
	p->queue_max = (size_t)cfg->queue_max;
	p->name = strdup(cfg->name != NULL ? cfg->name : "db");
	p->conninfo = strdup(cfg->conninfo);
	p->stmts = calloc(cfg->nstmts + 1, sizeof(*p->stmts));
	p->conns = calloc((size_t)cfg->size, sizeof(*p->conns));
	p->ev_fail = event_new(base, -1, 0, db_pool_fail_cb, p);
	if (p->name == NULL || p->conninfo == NULL || p->stmts == NULL ||
	    p->conns == NULL || p->ev_fail == NULL)
		goto fail;
	for (i = 0; i < cfg->nstmts; i++)
		p->stmts[i] = cfg->stmts[i];
	p->nstmts = cfg->nstmts;
	p->nconns = cfg->size;
	for (n = 0; n < p->nconns; n++) {
		db_conn_init(p, &p->conns[n], DB_KIND_QUERY, n);
		p->conns[n].ev_timer =
		    evtimer_new(base, db_conn_timer_cb, &p->conns[n]);
		if (p->conns[n].ev_timer == NULL)
			goto fail;
	}
	/* Connecting only after everything exists keeps failure simple. */
	for (n = 0; n < p->nconns; n++)
		db_conn_start(&p->conns[n]);
	return (p);

fail:
	db_pool_free(p);
	return (NULL);
}

void
db_pool_free(struct db_pool *p)
{
	struct db_queryq out;
	struct db_query *q;
	struct db_result res;
	int i;

	if (p == NULL)
		return;
	p->closing = 1;
	TAILQ_INIT(&out);
	if (p->conns != NULL) {
		for (i = 0; i < p->nconns; i++)
			db_conn_close(&p->conns[i], &out);
	}
	if (p->listener != NULL) {
		db_conn_close(p->listener, &out);
		free(p->listener);
	}
	while ((q = TAILQ_FIRST(&p->waitq)) != NULL) {
		TAILQ_REMOVE(&p->waitq, q, entry);
		q->error = "database pool closed";
		TAILQ_INSERT_TAIL(&out, q, entry);
	}
	TAILQ_CONCAT(&out, &p->failq, entry);
	/* Owners release what they hold for their requests. */
	while ((q = TAILQ_FIRST(&out)) != NULL) {
		TAILQ_REMOVE(&out, q, entry);
		res.pg = NULL;
		res.error = q->error;
		res.sqlstate = NULL;
		q->cb(&res, q->arg);
		free(q);
	}
	if (p->ev_fail != NULL)
		event_free(p->ev_fail);
	free(p->conns);
	free(p->stmts);
	free(p->conninfo);
	free(p->name);
	free(p->channel);
	free(p);
}

/* One allocation holding the query, its value pointers and strings. */
static struct db_query *
db_query_new(const struct sql_stmt *s, int nparams, const char *const *values,
             db_result_cb cb, void *arg)
{
	struct db_query *q;
	size_t size, i, len;
	char *w;

	size = sizeof(*q) + (size_t)nparams * sizeof(char *);
	for (i = 0; i < (size_t)nparams; i++) {
		if (values[i] != NULL)
			size += strlen(values[i]) + 1;
	}
	if ((q = calloc(1, size)) == NULL)
		return (NULL);
	q->stmt = s;
	q->cb = cb;
	q->arg = arg;
	q->nparams = nparams;
	q->values = (const char **)(q + 1);
	w = (char *)(q->values + nparams);
	for (i = 0; i < (size_t)nparams; i++) {
		if (values[i] == NULL) {
			q->values[i] = NULL;
			continue;
		}
		len = strlen(values[i]) + 1;
		memcpy(w, values[i], len);
		q->values[i] = w;
		w += len;
	}
	return (q);
}

int
db_pool_query(struct db_pool *p, const char *stmt_name, int nparams,
              const char *const *values, db_result_cb cb, void *arg)
{
	const struct sql_stmt *s = NULL;
	struct db_query *q;
	struct db_conn *c;
	size_t i;

	for (i = 0; i < p->nstmts; i++) {
		if (strcmp(p->stmts[i]->name, stmt_name) == 0) {
			s = p->stmts[i];
			break;
		}
	}
	if (s == NULL || nparams < 0 || (nparams > 0 && values == NULL) ||
	    cb == NULL)
		return (DB_NO_STMT);
	if (p->closing)
		return (DB_QUEUE_FULL);
	c = TAILQ_EMPTY(&p->waitq) ? db_pool_idle(p) : NULL;
	if (p->nready > 0 && c == NULL && p->nwait >= p->queue_max)
		return (DB_QUEUE_FULL);
	/* Out of memory is overload too: the caller answers 503. */
	if ((q = db_query_new(s, nparams, values, cb, arg)) == NULL)
		return (DB_QUEUE_FULL);
	if (p->nready == 0) {
		db_pool_fail_later(p, q, "database unavailable");
	} else if (c != NULL) {
		db_conn_send_query(c, q);
	} else {
		TAILQ_INSERT_TAIL(&p->waitq, q, entry);
		p->nwait++;
	}
	return (DB_OK);
}

int
db_pool_ready(const struct db_pool *p)
{
	return (p != NULL && p->nready > 0);
}

size_t
db_pool_queued(const struct db_pool *p)
{
	return (p->nwait);
}

const char *
db_pool_name(const struct db_pool *p)
{
	return (p->name);
}

int
db_pool_listen(struct db_pool *p, const char *channel, db_notify_cb on_notify,
               db_resync_cb on_resync, void *arg)
{
	struct db_conn *c;

	if (p->listener != NULL || channel == NULL)
		return (-1);
	if ((p->channel = strdup(channel)) == NULL)
		return (-1);
	if ((c = calloc(1, sizeof(*c))) == NULL)
		goto fail;
	db_conn_init(p, c, DB_KIND_LISTEN, -1);
	if ((c->ev_timer = evtimer_new(p->base, db_conn_timer_cb, c)) == NULL)
		goto fail;
	p->on_notify = on_notify;
	p->on_resync = on_resync;
	p->listen_arg = arg;
	p->listener = c;
	db_conn_start(c);
	return (0);

fail:
	free(c);
	free(p->channel);
	p->channel = NULL;
	return (-1);
}

const char *
db_value(const struct db_result *res, int col)
{
	if (res->pg == NULL || PQntuples(res->pg) < 1 ||
	    PQnfields(res->pg) <= col || PQgetisnull(res->pg, 0, col))
		return (NULL);
	return (PQgetvalue(res->pg, 0, col));
}
