/*
 * Test-only hooks of the course routes: POST /test/courses/fail-next-mark
 * arms a failure between the App commit of the next publish and its CMS
 * mark, so tests/integration/cms_courses.test.mjs can show that a retry
 * (or reconcile) leaves exactly one published course.  The flag is per
 * worker process: tests run that CMS with LIFTED_WORKERS=1.  Behind the
 * CMS login like every route.
 */
#include <stddef.h>

#include "../../cms_server/courses.h"
#include "http.h"
#include "test_course_hooks.h"

void
test_course_fail_next_mark(struct http_request *req)
{
	cms_courses_fail_next_mark = 1;
	http_respond_json(req, 200, cJSON_CreateTrue());
}
