/*
 * ring.h: a worker's last output lines in at most cap bytes (ring.c),
 * pure: no I/O, no clock.
 */
#ifndef SUPERVISE_RING_H
#define SUPERVISE_RING_H

#include <stddef.h>

#include "linebuf.h"

#define RING_LINE_MAX LINE_MAX_LEN	/* a line is kept up to this */

struct ring {
	char *buf;
	size_t cap;		/* bytes at most */
	size_t alloc;		/* bytes of buf, grows up to cap */
	size_t head, tail;	/* where the next line goes; the oldest */
	size_t used;		/* bytes kept: lines, each with its LF */
};

typedef void ring_fn(void *ctx, const char *line, size_t len);

void ring_init(struct ring *r, size_t cap);	/* 0: keeps nothing */
void ring_push(struct ring *r, const char *line, size_t len);
/*
 * Push whole lines at once: run holds len bytes of lines of at most
 * RING_LINE_MAX bytes, each ending in an LF.  The same as pushing each.
 */
void ring_push_run(struct ring *r, const char *run, size_t len);
size_t ring_lines(const struct ring *r);
/* Hand the last `last` lines to fn, oldest first. */
void ring_walk(const struct ring *r, size_t last, ring_fn *fn, void *ctx);
void ring_free(struct ring *r);

#endif
