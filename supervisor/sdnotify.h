/*
 * sdnotify.h: the sd_notify(3) datagram, as workers send it to
 * supervise (sdnotify.c).  Pure: no I/O, no state.
 */
#ifndef SUPERVISE_SDNOTIFY_H
#define SUPERVISE_SDNOTIFY_H

#include <stddef.h>
#include <stdint.h>

enum sdnotify_kind {
	SDNOTIFY_READY,			/* READY=1 */
	SDNOTIFY_WATCHDOG,		/* WATCHDOG=1 */
	SDNOTIFY_WATCHDOG_TRIGGER,	/* WATCHDOG=trigger */
	SDNOTIFY_STATUS,		/* STATUS=text */
	SDNOTIFY_EXTEND,		/* EXTEND_TIMEOUT_USEC=N, N > 0 */
};

/* One assignment that supervise acts on. */
struct sdnotify_item {
	enum sdnotify_kind kind;
	const char *text;	/* SDNOTIFY_STATUS: not NUL-terminated */
	size_t len;		/* of text */
	int64_t ms;		/* SDNOTIFY_EXTEND: the time, rounded up, > 0 */
};

typedef void sdnotify_fn(void *ctx, const struct sdnotify_item *item);

/*
 * Call fn for each assignment of the datagram msg[0, len) that supervise
 * acts on, in order.  Assignments are separated by newlines; a NUL byte
 * ends the datagram; anything else (STOPPING=1, BARRIER=1, a malformed
 * line, EXTEND_TIMEOUT_USEC= without a positive decimal number) is
 * ignored.
 */
void sdnotify_parse(const char *msg, size_t len, sdnotify_fn *fn, void *ctx);

#endif
