/*
 * ratelimit.c: see ratelimit.h.  The table is a fixed array searched
 * linearly: RATELIMIT_SLOTS is small, and its memory does not grow with
 * the number of senders, however many there are.
 */
#include <string.h>

#include "ratelimit.h"

bool
ratelimit_hit(struct ratelimit *rl, long key)
{
	size_t i;

	for (i = 0; i < rl->n; i++) {
		if (rl->slot[i].key == key) {
			rl->slot[i].dropped++;
			return false;
		}
	}
	if (rl->n == RATELIMIT_SLOTS) {
		/* A new sender in a full table: a count among others. */
		rl->others++;
		return false;
	}
	rl->slot[rl->n].key = key;
	rl->slot[rl->n].dropped = 0;
	rl->n++;
	return true;
}

bool
ratelimit_pending(const struct ratelimit *rl)
{
	return rl->n > 0;
}

void
ratelimit_flush(struct ratelimit *rl, ratelimit_report_fn *report, void *ctx)
{
	size_t i;

	for (i = 0; i < rl->n; i++)
		if (rl->slot[i].dropped > 0)
			report(ctx, rl->slot[i].key, rl->slot[i].dropped);
	if (rl->others > 0)
		report(ctx, -1, rl->others);
	memset(rl, 0, sizeof(*rl));
}
