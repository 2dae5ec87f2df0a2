/*
 * Staff administration in the CMS (SPEC section 7, issue 4): the staff
 * lifecycle (create, disable, re-enable, password and TOTP resets,
 * group membership), groups with their permissions and object-level
 * provider grants, and the audit log viewer.
 *
 * Every route checks its permission on the server (users.manage for
 * users and groups, audit.view for the log); every change is one SQL
 * statement that also writes its audit row, so a change and its record
 * are committed together or not at all.  The JSON contract is in
 * docs/cms-api.md ("Administration").
 */
#ifndef LIFTED_CMS_ADMIN_H
#define LIFTED_CMS_ADMIN_H

struct worker;

/* Adds the /cms/api/users*, /cms/api/groups*, /cms/api/permissions and
 * /cms/api/audit routes to the worker's HTTP server.  The session gate
 * (session.c) must be installed on the same server: the handlers read
 * the session it found.  0 or -1. */
int cms_admin_mount(struct worker *w);

#endif
