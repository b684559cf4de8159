/*
 * ring.c: a worker's last output lines, in at most `cap` bytes (log_buffer
 * in supervise.ini(5)), pure.  The lines are kept as they are captured,
 * each followed by its LF, one after another around a circular buffer
 * (a line never holds an LF of its own: linebuf.c cuts there).  Pushing
 * evicts the oldest lines until the new ones fit, so memory never grows
 * past cap whatever a worker writes.  The buffer starts small and doubles
 * up to cap, so that a quiet worker costs little; a line longer than the
 * whole buffer keeps its end cut off.
 *
 * Output is captured in runs of many lines (output.c), so a run is pushed
 * with one copy and one search for where the evicted lines end, never a
 * step per line: a worker writing short lines as fast as it can costs the
 * ring a few bytes' copy per line.  Counting and walking lines, which
 * only `supervisectl log` and `why` and an exit do, scans for the LFs.
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define RING_MIN 4096		/* the first allocation */

/* Copy n bytes into the ring at offset off, wrapping around. */
static void
put(struct ring *r, size_t off, const void *p, size_t n)
{
	size_t first = r->alloc - off < n ? r->alloc - off : n;

	memcpy(r->buf + off, p, first);
	memcpy(r->buf, (const char *)p + first, n - first);
}

static void
get(const struct ring *r, size_t off, void *p, size_t n)
{
	size_t first = r->alloc - off < n ? r->alloc - off : n;

	memcpy(p, r->buf + off, first);
	memcpy((char *)p + first, r->buf, n - first);
}

/* off + n, around the ring. */
static size_t
wrap(const struct ring *r, size_t off, size_t n)
{
	off += n;
	return off >= r->alloc ? off - r->alloc : off;
}

/*
 * How far the LF at or after offset off lies from it (off lies within the
 * kept bytes, which end with an LF).
 */
static size_t
to_lf(const struct ring *r, size_t off)
{
	size_t end = r->tail + r->used;	/* past alloc: it wraps */
	size_t n1, n2 = 0;
	const char *p;

	if (off >= r->tail) {
		n1 = (end < r->alloc ? end : r->alloc) - off;
		if (end > r->alloc)
			n2 = end - r->alloc;
	} else
		n1 = end - r->alloc - off;
	if ((p = memchr(r->buf + off, '\n', n1)) != NULL)
		return (size_t)(p - (r->buf + off));
	if (n2 > 0 && (p = memchr(r->buf, '\n', n2)) != NULL)
		return n1 + (size_t)(p - r->buf);
	return n1 + n2 - 1;	/* no LF: the last kept byte ends it */
}

void
ring_init(struct ring *r, size_t cap)
{
	memset(r, 0, sizeof(*r));
	r->cap = cap;
}

void
ring_free(struct ring *r)
{
	free(r->buf);
	r->buf = NULL;
	r->alloc = r->head = r->tail = r->used = 0;
}

/* Drop the oldest lines until n more bytes fit (n <= alloc). */
static void
evict(struct ring *r, size_t n)
{
	size_t gone;

	if (r->alloc - r->used >= n)
		return;
	/* The line holding the last byte that must go goes with it. */
	gone = r->used + n - r->alloc;
	gone += to_lf(r, wrap(r, r->tail, gone - 1));
	r->tail = wrap(r, r->tail, gone);
	r->used -= gone;
	if (r->used == 0)
		r->tail = r->head = 0;
}

/* Grow to hold need more bytes, up to cap; false if it cannot grow. */
static bool
grow(struct ring *r, size_t need)
{
	size_t size = r->alloc ? r->alloc : RING_MIN;
	char *nb;

	if (r->alloc >= r->cap)
		return false;
	while (size < r->used + need && size < r->cap)
		size *= 2;
	if (size > r->cap)
		size = r->cap;
	if ((nb = malloc(size)) == NULL)
		return false;
	/* Lay the lines out from 0 in the new buffer. */
	if (r->used > 0)
		get(r, r->tail, nb, r->used);
	free(r->buf);
	r->buf = nb;
	r->alloc = size;
	r->tail = 0;
	r->head = r->used;
	return true;
}

/* Room for n more bytes, growing or evicting; false if n cannot fit. */
static bool
make_room(struct ring *r, size_t n)
{
	if (r->alloc - r->used < n)
		(void)grow(r, n);
	if (r->alloc < n)
		return false;
	evict(r, n);
	return true;
}

void
ring_push(struct ring *r, const char *line, size_t len)
{
	if (r->cap == 0)
		return;
	if (len > RING_LINE_MAX)
		len = RING_LINE_MAX;
	if (len > r->cap - 1)
		len = r->cap - 1;
	if (!make_room(r, len + 1)) {
		/* Out of memory, or a line longer than what we have. */
		if (r->alloc == 0)
			return;
		len = r->alloc - 1;
		evict(r, len + 1);
	}
	put(r, r->head, line, len);
	put(r, wrap(r, r->head, len), "\n", 1);
	r->head = wrap(r, r->head, len + 1);
	r->used += len + 1;
}

void
ring_push_run(struct ring *r, const char *run, size_t len)
{
	const char *p, *last;
	size_t room;

	if (r->cap == 0 || len == 0)
		return;
	/* Only the lines that would not be evicted by the later ones. */
	room = r->cap;
	if (len > room && r->alloc < room)
		(void)grow(r, room);
	if (r->alloc > 0 && r->alloc < room)
		room = r->alloc;
	if (len > room) {
		/* The first line start with at most room bytes from it on. */
		p = memchr(run + (len - room) - 1, '\n', room + 1);
		if (p == NULL || p == run + len - 1) {
			/* The last line alone is longer: keep its start. */
			last = run;
			for (p = run + len - 1; p > run; p--)
				if (p[-1] == '\n') {
					last = p;
					break;
				}
			ring_push(r, last, (size_t)(run + len - 1 - last));
			return;
		}
		len -= (size_t)(p + 1 - run);
		run = p + 1;
		/* What the run's first lines would have evicted. */
		r->used = r->head = r->tail = 0;
	}
	if (!make_room(r, len)) {
		/* Out of memory: keep what the buffer we have takes. */
		if (r->alloc > 0)
			ring_push_run(r, run, len);
		return;
	}
	put(r, r->head, run, len);
	r->head = wrap(r, r->head, len);
	r->used += len;
}

size_t
ring_lines(const struct ring *r)
{
	size_t off = r->tail, left = r->used, n = 0, k;

	while (left > 0) {
		k = to_lf(r, off) + 1;
		off = wrap(r, off, k);
		left -= k;
		n++;
	}
	return n;
}

void
ring_walk(const struct ring *r, size_t last, ring_fn *fn, void *ctx)
{
	char line[RING_LINE_MAX];
	size_t off = r->tail, left = r->used, lines, i, k, skip;

	lines = ring_lines(r);
	skip = lines > last ? lines - last : 0;
	for (i = 0; i < lines; i++) {
		k = to_lf(r, off);
		if (i >= skip) {
			get(r, off, line, k < sizeof(line) ? k : sizeof(line));
			fn(ctx, line, k < sizeof(line) ? k : sizeof(line));
		}
		off = wrap(r, off, k + 1);
		left -= k + 1;
	}
	(void)left;
}
