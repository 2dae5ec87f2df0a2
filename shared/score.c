/*
 * Self-assessment scoring; see score.h for the rules.
 */
#include <string.h>

#include "score.h"

int
score_value(int yes, int no)
{
	long long answered = (long long)yes + no, num, q, r;

	if (answered <= 0)
		return (50);
	/*
	 * 50 + 50 * (yes - no) / answered == 50 * (answered + yes - no) /
	 * answered; the numerator is never negative, so integer division
	 * and the remainder give an exact half-to-even rounding.
	 */
	num = 50 * (answered + yes - no);
	q = num / answered;
	r = num % answered;
	if (2 * r > answered || (2 * r == answered && (q & 1)))
		q++;
	return ((int)q);
}

int
score_tally(const struct score_answer *answers, size_t n, score_lookup lookup,
            void *ctx, struct score_category *out, size_t cap, size_t *nout,
            long long *unknown)
{
	const char *name;
	size_t i, k, count = 0;

	*nout = 0;
	for (i = 0; i < n; i++) {
		if (answers[i].value != 0 && answers[i].value != 1)
			return (SCORE_BAD_VALUE);
		if ((name = lookup(ctx, answers[i].id)) == NULL) {
			if (unknown != NULL)
				*unknown = answers[i].id;
			return (SCORE_UNKNOWN);
		}
		/* A role has a handful of categories: a scan is enough. */
		for (k = 0; k < count; k++)
			if (strcmp(out[k].name, name) == 0)
				break;
		if (k == count) {
			if (count == cap)
				return (SCORE_TOO_MANY);
			out[k].name = name;
			out[k].yes = out[k].no = 0;
			count++;
		}
		if (answers[i].value == 0)
			out[k].yes++;
		else
			out[k].no++;
	}
	for (k = 0; k < count; k++)
		out[k].score = score_value(out[k].yes, out[k].no);
	*nout = count;
	return (SCORE_OK);
}
