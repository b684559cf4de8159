/*
 * ratelimit.h: counting repeated events per sender in a bounded table, so
 * that a flood is logged as a line per sender and a count, not a line per
 * event.  Pure: the caller owns the clock and ends each window (a timer).
 */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#define RATELIMIT_SLOTS 16	/* senders told apart in one window */

struct ratelimit_slot {
	long key;		/* e.g. a pid */
	unsigned long dropped;	/* events after the first, not logged */
};

struct ratelimit {
	struct ratelimit_slot slot[RATELIMIT_SLOTS];
	size_t n;
	unsigned long others;	/* events of senders not in the table */
};

/*
 * One event from key in the current window: true if it is the sender's
 * first (log it), false if it was counted instead.  Once the table is
 * full, new senders are counted together in others.
 */
bool ratelimit_hit(struct ratelimit *rl, long key);
/* Something is counted that the end of the window must report. */
bool ratelimit_pending(const struct ratelimit *rl);
/*
 * End the window: report(ctx, key, n) for each sender with n events not
 * logged, then report(ctx, -1, n) for those of senders the table had no
 * room for; then start afresh.
 */
typedef void ratelimit_report_fn(void *ctx, long key, unsigned long n);
void ratelimit_flush(struct ratelimit *rl, ratelimit_report_fn *report,
    void *ctx);

#endif
