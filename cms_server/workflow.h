/*
 * The course workflow (SPEC section 7, docs/cms-courses.md): one table
 * of transitions, each with its source states, target state and the
 * permission it needs.  The server enforces it (cms_server/courses.c)
 * and the diagram is drawn from it (cms_workflow_dot), so the picture
 * cannot drift from the rules.
 */
#ifndef LIFTED_CMS_WORKFLOW_H
#define LIFTED_CMS_WORKFLOW_H

#include <stddef.h>

#define CMS_WF_MAX_SOURCES 3

/* What a transition does in the App database besides the state change. */
enum cms_wf_effect {
	CMS_WF_NONE,      /* CMS row only */
	CMS_WF_PUBLISH,   /* create or update the App course */
	CMS_WF_UNPUBLISH, /* delete the App course (if any) */
};

struct cms_transition {
	const char *name; /* "publish": what the API takes */
	const char *label;
	const char *sources[CMS_WF_MAX_SOURCES + 1]; /* NULL-terminated */
	const char *target;
	const char *permission;
	enum cms_wf_effect effect;
};

/* The table and its length; static storage. */
extern const struct cms_transition cms_workflow[];
extern const size_t cms_workflow_len;

/* The workflow's states in display order, NULL-terminated. */
extern const char *const cms_workflow_states[];

/* The transition called name, or NULL. */
const struct cms_transition *cms_workflow_find(const char *name);

/* 1 when t may start from state, else 0. */
int cms_workflow_from(const struct cms_transition *t, const char *state);

/*
 * Writes the Graphviz DOT of the table into buf (NUL-terminated, as
 * snprintf).  Returns the length the whole text needs (excluding the
 * NUL): when that is >= len the text was cut, so call again with more.
 */
int cms_workflow_dot(char *buf, size_t len);

#endif
