/*
 * ring.c: a worker's last output lines, in at most `cap` bytes (log_buffer
 * in supervise.ini(5)), pure.  Each line is kept as a two-byte length and
 * its bytes, one after another around a circular buffer; pushing a line
 * evicts the oldest until it fits, so memory never grows past cap
 * whatever a worker writes.  The buffer starts small and doubles up to
 * cap, so that a quiet worker costs little; a line longer than the whole
 * buffer keeps its end cut off.
 */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

#define RING_MIN 4096		/* the first allocation */
#define HDR 2			/* the length before each line */

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

static size_t
entry_len(const struct ring *r, size_t off)
{
	unsigned char h[HDR];

	get(r, off, h, HDR);
	return (size_t)h[0] << 8 | h[1];
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
	r->alloc = r->head = r->used = r->lines = 0;
}

/* Drop the oldest line. */
static void
evict(struct ring *r)
{
	size_t n = HDR + entry_len(r, r->tail);

	r->tail = (r->tail + n) % r->alloc;
	r->used -= n;
	r->lines--;
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

void
ring_push(struct ring *r, const char *line, size_t len)
{
	unsigned char h[HDR];

	if (r->cap <= HDR)
		return;
	if (len > RING_LINE_MAX)
		len = RING_LINE_MAX;
	if (len > r->cap - HDR)
		len = r->cap - HDR;
	if (r->alloc - r->used < HDR + len)
		(void)grow(r, HDR + len);
	if (r->alloc < HDR + len) {
		/* Out of memory, or a line longer than what we have. */
		if (r->alloc <= HDR)
			return;
		len = r->alloc - HDR;
	}
	while (r->alloc - r->used < HDR + len)
		evict(r);
	h[0] = (unsigned char)(len >> 8);
	h[1] = (unsigned char)len;
	put(r, r->head, h, HDR);
	put(r, (r->head + HDR) % r->alloc, line, len);
	r->head = (r->head + HDR + len) % r->alloc;
	r->used += HDR + len;
	r->lines++;
}

size_t
ring_lines(const struct ring *r)
{
	return r->lines;
}

void
ring_walk(const struct ring *r, size_t last, ring_fn *fn, void *ctx)
{
	char line[RING_LINE_MAX];
	size_t off = r->tail, n, i, skip;

	skip = r->lines > last ? r->lines - last : 0;
	for (i = 0; i < r->lines; i++) {
		n = entry_len(r, off);
		if (i >= skip) {
			get(r, (off + HDR) % r->alloc, line, n);
			fn(ctx, line, n);
		}
		off = (off + HDR + n) % r->alloc;
	}
}
