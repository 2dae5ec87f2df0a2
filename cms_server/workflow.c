/*
 * The course workflow table and its diagram (see workflow.h).
 *
 * Archiving and back-to-review both take the course out of the App: an
 * archived course is no longer offered, and a course under review again
 * must not be served while staff change it.  Unpublishing is idempotent
 * (delete by source_ref), so an archived course going back to review
 * costs one no-op delete.
 */
#include <stdio.h>
#include <string.h>

#include "workflow.h"

const char *const cms_workflow_states[] = {
    "scraped", "in_review", "published", "archived", "dismissed", NULL,
};

const struct cms_transition cms_workflow[] = {
    {"submit",
     "submit for review",
     {"scraped", NULL},
     "in_review",
     "courses.edit",
     CMS_WF_NONE},
    {"publish",
     "publish",
     {"in_review", NULL},
     "published",
     "courses.publish",
     CMS_WF_PUBLISH},
    {"archive",
     "archive",
     {"published", NULL},
     "archived",
     "courses.publish",
     CMS_WF_UNPUBLISH},
    {"dismiss",
     "dismiss",
     {"scraped", "in_review", NULL},
     "dismissed",
     "courses.edit",
     CMS_WF_NONE},
    {"review",
     "back to review",
     {"dismissed", "archived", "published", NULL},
     "in_review",
     "courses.edit",
     CMS_WF_UNPUBLISH},
};

const size_t cms_workflow_len = sizeof(cms_workflow) / sizeof(cms_workflow[0]);

const struct cms_transition *
cms_workflow_find(const char *name)
{
	size_t i;

	if (name == NULL)
		return (NULL);
	for (i = 0; i < cms_workflow_len; i++) {
		if (strcmp(cms_workflow[i].name, name) == 0)
			return (&cms_workflow[i]);
	}
	return (NULL);
}

int
cms_workflow_from(const struct cms_transition *t, const char *state)
{
	size_t i;

	if (state == NULL)
		return (0);
	for (i = 0; t->sources[i] != NULL; i++) {
		if (strcmp(t->sources[i], state) == 0)
			return (1);
	}
	return (0);
}

/* snprintf that keeps counting after the buffer is full. */
static size_t
wf_put(char *buf, size_t len, size_t off, const char *fmt, const char *a,
       const char *b, const char *c, const char *d)
{
	int n;

	n = snprintf(off < len ? buf + off : NULL, off < len ? len - off : 0,
	             fmt, a, b, c, d);
	return (n < 0 ? off : off + (size_t)n);
}

int
cms_workflow_dot(char *buf, size_t len)
{
	const struct cms_transition *t;
	size_t i, j, off = 0;

	if (len > 0)
		buf[0] = '\0';
	off = wf_put(buf, len, off,
	             "digraph workflow {\n\trankdir=LR;\n"
	             "\tnode [shape=box, style=rounded, fontname=\"sans\"];\n"
	             "\tedge [fontname=\"sans\", fontsize=10];\n%s%s%s%s",
	             "", "", "", "");
	for (i = 0; cms_workflow_states[i] != NULL; i++)
		off = wf_put(buf, len, off, "\t\"%s\";\n%s%s%s",
		             cms_workflow_states[i], "", "", "");
	for (i = 0; i < cms_workflow_len; i++) {
		t = &cms_workflow[i];
		for (j = 0; t->sources[j] != NULL; j++)
			off = wf_put(
			    buf, len, off,
			    "\t\"%s\" -> \"%s\" [label=\"%s\\n(%s)\"];\n",
			    t->sources[j], t->target, t->label, t->permission);
	}
	off = wf_put(buf, len, off, "}\n%s%s%s%s", "", "", "", "");
	return ((int)off);
}
