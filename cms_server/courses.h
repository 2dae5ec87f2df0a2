/*
 * Course routes of the CMS (docs/cms-courses.md): published courses in
 * the App database, scraped courses and their workflow in the CMS
 * database, publishing across the two, reconcile, duplicates and
 * canonical provider names.
 */
#ifndef LIFTED_CMS_COURSES_H
#define LIFTED_CMS_COURSES_H

struct worker;

/* Mounts the /cms/api/courses... and /cms/api/providers routes; on
 * worker 1 also schedules one reconcile once both databases answer.
 * 0 or -1. */
int cms_courses_mount(struct worker *w);

/* Cancels the start-up reconcile timer (worker exit). */
void cms_courses_fini(struct worker *w);

#ifdef LIFTED_TESTING
/* Set by a test route: the next publish fails after the App commit and
 * before the CMS mark (tests/server/test_course_hooks.c). */
extern int cms_courses_fail_next_mark;
#endif

#endif
