/*
 * The CMS framework-import page's server side (SPEC sections 4 and 7,
 * issue 5; contract in docs/cms-import.md): staff holding
 * framework.import upload the framework sheets one file per request into
 * a per-user staging area in the CMS database, check them (the shared
 * importer's report and a diff against the live framework) and apply
 * them to the App database in one transaction that notifies the App.
 */
#ifndef LIFTED_CMS_IMPORT_H
#define LIFTED_CMS_IMPORT_H

struct worker;

/* Largest sheet file accepted, and largest set of one user's sheets. */
#define CMS_IMPORT_MAX_FILE  (512 * 1024)
#define CMS_IMPORT_MAX_TOTAL (2 * 1024 * 1024)

/* Adds the routes under /cms/api/framework/ and the workflow diagram's
 * (diagram.h).  The session gate (session.c) and the worker's service
 * (router, thread pool) must be set up.  0 or -1. */
int cms_import_mount(struct worker *w);

#endif
