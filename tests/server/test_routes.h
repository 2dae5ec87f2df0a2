/*
 * Routes that exist only in test builds (make TESTING=1): a slow database
 * query, a timer-delayed answer, an echo of validated parameters and a
 * few probes of the worker.  Never compiled into release binaries.
 */
#ifndef LIFTED_TEST_ROUTES_H
#define LIFTED_TEST_ROUTES_H

struct worker;

int test_routes_mount(struct worker *w);

#endif
