/*
 * Test-only hooks of the course routes (built with LIFTED_TESTING).
 */
#ifndef LIFTED_TEST_COURSE_HOOKS_H
#define LIFTED_TEST_COURSE_HOOKS_H

struct http_request;

/*
 * POST /test/courses/fail-next-mark: the next publish of this worker
 * fails after its App commit.  A row of the course route table
 * (cms_server/courses.c), not a table of its own: a worker's HTTP server
 * holds at most HTTP_MAX_TABLES route tables.
 */
void test_course_fail_next_mark(struct http_request *req);

#endif
