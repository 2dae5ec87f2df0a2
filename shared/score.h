/*
 * Self-assessment scoring (SPEC section 5, /results and /techdiagresults).
 *
 * Pure functions: no I/O, no allocation beyond what the caller passes, so
 * tests/unit/test_score.c can pin every rule.  Answers are 0 (Yes) or 1
 * (No); a category's score is round(50 + 50 * (yes - no) / answered),
 * rounded half to even as the original (Python's round()) did; categories
 * come out in the order they first appear among the answers.
 */
#ifndef LIFTED_SCORE_H
#define LIFTED_SCORE_H

#include <stddef.h>

struct score_answer {
	long long id;    /* competency id */
	long long value; /* 0 Yes, 1 No */
};

struct score_category {
	const char *name; /* borrowed from the lookup callback */
	int yes, no;
	int score; /* 0..100, set by score_tally */
};

/* Returns the category name of competency id (storage outliving the
 * tally), or NULL when no such competency exists. */
typedef const char *(*score_lookup)(void *ctx, long long id);

enum {
	SCORE_OK = 0,
	SCORE_UNKNOWN = -1,   /* *unknown names the competency */
	SCORE_BAD_VALUE = -2, /* an answer other than 0 or 1 */
	SCORE_TOO_MANY = -3,  /* more categories than out can hold */
};

/*
 * round(50 + 50 * (yes - no) / (yes + no)), half to even, computed in
 * integers so 62.5 is exactly 62.5.  0 answers give 50 (never used: a
 * category exists only once answered).
 */
int score_value(int yes, int no);

/*
 * Tallies n answers (in query order; a duplicate id must already have
 * been collapsed by the caller, the http layer does so keeping the last
 * value at the first position) into out[0..*nout) in order of first
 * appearance of each category name, then scores them.  Category names
 * are compared with strcmp.  Returns SCORE_OK or a negative SCORE_*;
 * on SCORE_UNKNOWN *unknown is the offending id.
 */
int score_tally(const struct score_answer *answers, size_t n,
                score_lookup lookup, void *ctx, struct score_category *out,
                size_t cap, size_t *nout, long long *unknown);

#endif
