/*
 * Unit tests for guard_scan_headers(), the pure framing behind the
 * connection guard: when a header block is complete, how long it and its
 * body are, and which status a request that breaks a limit gets; and for
 * the connection filter's lifetime against an event loop.
 */
#include <sys/socket.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include "guard.h"

static const struct guard_config tguard_cfg = {
    .max_header_bytes = 64,
    .max_body_bytes = 100,
    .header_timeout_ms = 1000,
    .reject_prefix = "/.lifted-reject-test",
};

static enum guard_verdict
tguard_scan(const char *req, size_t *hlen, size_t *blen, int *status)
{
	*hlen = *blen = 0;
	*status = 0;
	return (guard_scan_headers(req, strlen(req), &tguard_cfg, hlen, blen,
	                           status));
}

static void
tguard_expect_reject(const char *req, int want)
{
	size_t hlen, blen;
	int status;

	assert_int_equal(tguard_scan(req, &hlen, &blen, &status), GUARD_REJECT);
	assert_int_equal(status, want);
}

static void
test_guard_incomplete_more(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(
	    tguard_scan("GET / HTTP/1.1\r\nHost: a\r\n", &hlen, &blen, &status),
	    GUARD_MORE);
	assert_int_equal(tguard_scan("GET / HTTP/1.1\r\nHost: a\r\n\r", &hlen,
	                             &blen, &status),
	                 GUARD_MORE);
	assert_int_equal(tguard_scan("", &hlen, &blen, &status), GUARD_MORE);
}

static void
test_guard_complete_crlf(void **state)
{
	const char *req = "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /next";
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(tguard_scan(req, &hlen, &blen, &status), GUARD_OK);
	assert_int_equal(hlen, strlen("GET / HTTP/1.1\r\nHost: a\r\n\r\n"));
	assert_int_equal(blen, 0);
}

static void
test_guard_complete_bare_lf(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(
	    tguard_scan("GET / HTTP/1.1\nHost: a\n\n", &hlen, &blen, &status),
	    GUARD_OK);
	assert_int_equal(hlen, strlen("GET / HTTP/1.1\nHost: a\n\n"));
	/* Mixed endings, as evhttp's line reader accepts them. */
	assert_int_equal(
	    tguard_scan("GET / HTTP/1.1\nHost: a\n\r\n", &hlen, &blen, &status),
	    GUARD_OK);
	assert_int_equal(hlen, strlen("GET / HTTP/1.1\nHost: a\n\r\n"));
}

static void
test_guard_exactly_at_limit_ok(void **state)
{
	char req[128];
	size_t hlen, blen, n;
	int status;

	(void)state;
	/* "GET / HTTP/1.1\r\nX: " + filler + "\r\n\r\n" == 64 bytes. */
	n = 64 - strlen("GET / HTTP/1.1\r\nX: \r\n\r\n");
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX: %.*s\r\n\r\n", (int)n,
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(strlen(req), 64);
	assert_int_equal(tguard_scan(req, &hlen, &blen, &status), GUARD_OK);
	assert_int_equal(hlen, 64);
}

static void
test_guard_one_over_limit_431(void **state)
{
	char req[128];
	size_t n;

	(void)state;
	n = 65 - strlen("GET / HTTP/1.1\r\nX: \r\n\r\n");
	snprintf(req, sizeof(req), "GET / HTTP/1.1\r\nX: %.*s\r\n\r\n", (int)n,
	         "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	assert_int_equal(strlen(req), 65);
	tguard_expect_reject(req, 431);
}

static void
test_guard_incomplete_over_limit_431(void **state)
{
	char req[200];

	(void)state;
	/* No end in sight and already at the limit: no need to wait. */
	memset(req, 'a', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	memcpy(req, "GET / HTTP/1.1\r\nX: ", 19);
	tguard_expect_reject(req, 431);
}

static void
test_guard_long_request_line_414(void **state)
{
	char req[200];

	(void)state;
	/* The request line alone fills the limit: its target is too long. */
	memset(req, 'a', sizeof(req) - 1);
	req[sizeof(req) - 1] = '\0';
	memcpy(req, "GET /", 5);
	tguard_expect_reject(req, 414);
	/* One line end inside the limit: the headers are what is too long. */
	req[63] = '\n';
	tguard_expect_reject(req, 431);
}

static void
test_guard_content_length_body(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(tguard_scan("POST / HTTP/1.1\r\ncontent-length: 5"
	                             "\r\n\r\nhello",
	                             &hlen, &blen, &status),
	                 GUARD_OK);
	assert_int_equal(hlen, strlen("POST / HTTP/1.1\r\ncontent-length: 5"
	                              "\r\n\r\n"));
	assert_int_equal(blen, 5);
}

static void
test_guard_content_length_at_limit_ok(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(tguard_scan("POST / HTTP/1.1\r\nContent-Length: 100"
	                             "\r\n\r\n",
	                             &hlen, &blen, &status),
	                 GUARD_OK);
	assert_int_equal(blen, 100);
}

static void
test_guard_content_length_over_413(void **state)
{
	(void)state;
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n",
	                     413);
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: "
	                     "99999999999999999999999999\r\n\r\n",
	                     413);
}

static void
test_guard_chunked_411(void **state)
{
	(void)state;
	tguard_expect_reject("POST / HTTP/1.1\r\nTransfer-Encoding: chunked"
	                     "\r\n\r\n",
	                     411);
	tguard_expect_reject("POST / HTTP/1.1\r\ntransfer-encoding: gzip"
	                     "\r\nContent-Length: 3\r\n\r\n",
	                     411);
}

static void
test_guard_bad_content_length_400(void **state)
{
	(void)state;
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n",
	                     400);
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n",
	                     400);
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", 400);
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: 1, 1\r\n\r\n",
	                     400);
}

static void
test_guard_duplicate_content_length(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(tguard_scan("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
	                             "Content-Length: 3\r\n\r\n",
	                             &hlen, &blen, &status),
	                 GUARD_OK);
	assert_int_equal(blen, 3);
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length: 3\r\n"
	                     "Content-Length: 4\r\n\r\n",
	                     400);
}

static void
test_guard_malformed_headers_400(void **state)
{
	(void)state;
	/* Space before the colon: evhttp would not call it Content-Length. */
	tguard_expect_reject("POST / HTTP/1.1\r\nContent-Length : 3\r\n\r\n",
	                     400);
	tguard_expect_reject("GET / HTTP/1.1\r\nX: a\r\n folded\r\n\r\n", 400);
	tguard_expect_reject("GET / HTTP/1.1\r\nno colon\r\n\r\n", 400);
	tguard_expect_reject("GET\r\n\r\n", 400);
}

static void
test_guard_nul_400(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nX: a\0b\r\n\r\n";
	size_t hlen, blen;
	int status;

	(void)state;
	assert_int_equal(guard_scan_headers(req, sizeof(req) - 1, &tguard_cfg,
	                                    &hlen, &blen, &status),
	                 GUARD_REJECT);
	assert_int_equal(status, 400);
}

static void
test_guard_body_on_head_400(void **state)
{
	size_t hlen, blen;
	int status;

	(void)state;
	/* evhttp reads no body for HEAD: the bytes would become a request. */
	tguard_expect_reject("HEAD / HTTP/1.1\r\nContent-Length: 3\r\n\r\n",
	                     400);
	assert_int_equal(tguard_scan("HEAD / HTTP/1.1\r\nContent-Length: 0\r\n"
	                             "\r\n",
	                             &hlen, &blen, &status),
	                 GUARD_OK);
}

static void
test_guard_pipelined_after_body(void **state)
{
	const char *two = "POST /a HTTP/1.1\r\nContent-Length: 4\r\n\r\nbody"
	                  "GET /b HTTP/1.1\r\nHost: x\r\n\r\n";
	const char *second;
	size_t hlen, blen, hlen2, blen2;
	int status;

	(void)state;
	assert_int_equal(tguard_scan(two, &hlen, &blen, &status), GUARD_OK);
	assert_int_equal(blen, 4);
	second = two + hlen + blen;
	assert_memory_equal(second, "GET /b", 6);
	assert_int_equal(tguard_scan(second, &hlen2, &blen2, &status),
	                 GUARD_OK);
	assert_int_equal(hlen2, strlen(second));
	assert_int_equal(blen2, 0);
}

/* What evhttp does with a "Connection: close" request: reply from the
 * read callback, then free the bufferevent from the write callback. */
struct tguard_conn {
	struct bufferevent *bev;
	int replied;
	int freed;
};

static void
tguard_readcb(struct bufferevent *bev, void *arg)
{
	struct tguard_conn *t = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	evbuffer_drain(in, evbuffer_get_length(in));
	if (t->replied++ > 0)
		return;
	bufferevent_disable(bev, EV_READ);
	assert_int_equal(evbuffer_add(bufferevent_get_output(bev), "reply", 5),
	                 0);
	assert_int_equal(bufferevent_enable(bev, EV_WRITE), 0);
}

/* evhttp always sets one; the guard takes a NULL one to mean "freed". */
static void
tguard_eventcb(struct bufferevent *bev, short what, void *arg)
{
	(void)bev;
	(void)arg;
	fail_msg("unexpected bufferevent event 0x%x", (unsigned)what);
}

static void
tguard_writecb(struct bufferevent *bev, void *arg)
{
	struct tguard_conn *t = arg;

	if (evbuffer_get_length(bufferevent_get_output(bev)) > 0)
		return;
	bufferevent_free(bev);
	t->bev = NULL;
	t->freed = 1;
}

/*
 * Regression: the request arrives with the connection, so the socket's
 * read and write readiness are reported in the same loop pass.  The reply
 * used to be sent from the underlying bufferevent's write callback, where
 * libevent holds no reference on the filter: freeing it there and then
 * re-arming its write timeout left a freed event in the timer heap (a
 * use-after-free at the next event_add, or at event_base_free).  Once the
 * connection is finalized, nothing of it may remain added to the base.
 */
static void
test_guard_conn_close_leaves_no_event(void **state)
{
	static const char req[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct timeval tv = {30, 0};
	struct event_base *base;
	struct guard *g;
	struct tguard_conn t = {0};
	char buf[64];
	ssize_t n;
	int sv[2], i;

	(void)state;
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	assert_int_not_equal(fcntl(sv[0], F_SETFL, O_NONBLOCK), -1);
	assert_non_null(base = event_base_new());
	assert_non_null(g = guard_new(base, &tguard_cfg));
	assert_non_null(t.bev = guard_bevcb(base, g));
	assert_int_equal(guard_open_connections(g), 1);

	/* evhttp_get_request_connection(), then evhttp_start_read_(). */
	assert_int_equal(bufferevent_setfd(t.bev, sv[0]), 0);
	bufferevent_setcb(t.bev, tguard_readcb, tguard_writecb, tguard_eventcb,
	                  &t);
	assert_int_equal(bufferevent_set_timeouts(t.bev, &tv, &tv), 0);
	assert_int_equal(bufferevent_disable(t.bev, EV_WRITE), 0);
	assert_int_equal(bufferevent_enable(t.bev, EV_READ), 0);
	assert_int_equal(write(sv[1], req, sizeof(req) - 1),
	                 (ssize_t)(sizeof(req) - 1));

	for (i = 0; i < 20 && guard_open_connections(g) > 0; i++)
		assert_int_not_equal(event_base_loop(base, EVLOOP_NONBLOCK),
		                     -1);
	assert_int_equal(t.freed, 1);
	assert_int_equal(guard_open_connections(g), 0);
	assert_int_equal(
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ADDED), 0);
	assert_int_equal(
	    event_base_get_num_events(base, EVENT_BASE_COUNT_ACTIVE), 0);

	n = read(sv[1], buf, sizeof(buf));
	assert_int_equal(n, 5);
	assert_memory_equal(buf, "reply", 5);
	/* BEV_OPT_CLOSE_ON_FREE: the peer sees end of file. */
	assert_int_equal(read(sv[1], buf, sizeof(buf)), 0);

	guard_free(g);
	event_base_free(base);
	close(sv[1]);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_guard_incomplete_more),
	    cmocka_unit_test(test_guard_complete_crlf),
	    cmocka_unit_test(test_guard_complete_bare_lf),
	    cmocka_unit_test(test_guard_exactly_at_limit_ok),
	    cmocka_unit_test(test_guard_one_over_limit_431),
	    cmocka_unit_test(test_guard_incomplete_over_limit_431),
	    cmocka_unit_test(test_guard_long_request_line_414),
	    cmocka_unit_test(test_guard_content_length_body),
	    cmocka_unit_test(test_guard_content_length_at_limit_ok),
	    cmocka_unit_test(test_guard_content_length_over_413),
	    cmocka_unit_test(test_guard_chunked_411),
	    cmocka_unit_test(test_guard_bad_content_length_400),
	    cmocka_unit_test(test_guard_duplicate_content_length),
	    cmocka_unit_test(test_guard_malformed_headers_400),
	    cmocka_unit_test(test_guard_nul_400),
	    cmocka_unit_test(test_guard_body_on_head_400),
	    cmocka_unit_test(test_guard_pipelined_after_body),
	    cmocka_unit_test(test_guard_conn_close_leaves_no_event),
	};

	return (cmocka_run_group_tests(tests, NULL, NULL));
}
