/*
 * The course workflow diagram (SPEC section 7): the DOT text of the
 * workflow table (workflow.h) rendered to SVG by Graphviz `dot`, served
 * as a file for an <img> (the CSP allows no inline styles, so the SVG
 * is never inlined into the page).
 */
#ifndef LIFTED_CMS_DIAGRAM_H
#define LIFTED_CMS_DIAGRAM_H

struct http_request;

/* GET /cms/api/workflow.svg (any logged-in user: the session gate has
 * checked the login).  Mounted from import.c's route table: a server
 * holds only a few route tables (HTTP_MAX_TABLES), so the issue-5 pages
 * share one. */
void cms_diagram_get(struct http_request *req);

#endif
