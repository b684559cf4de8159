/*
 * rowpack.c: a status reply's rows, kept as compactly as they are read
 * back (see rowpack.h).  supervisectl must hold every row of a status
 * before it prints the first (the table's widths, and nothing printed if
 * the reply ends in an error); a struct proto_row and its strings take
 * over 100 bytes, a packed row about 20, and on a machine where each
 * fresh page costs a fault, the pages touched were most of the cost.
 *
 * A row is a flags byte, then its numbers as base-128 varints (signed
 * ones zigzagged), then its strings, each NUL-terminated (a reply's
 * strings hold no NUL: the protocol refuses \x00).  A state or signal the
 * same as the last one kept is not kept again: most rows share them.
 * Every row is written and read by this file alone, so the reader trusts
 * what it reads.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rowpack.h"

/*
 * The pack's first size: enough for some 10,000 rows, so that it is not
 * copied as it grows.  Only the pages written are touched (an allocation
 * this large is mapped, not carved from the heap), and the few a small
 * status writes are all it costs.
 */
#define PACK_FIRST (256 * 1024)

enum {
	PACK_USAGE = 1 << 0,	/* cpu_ms, rss_bytes, usage_age_ms follow */
	PACK_TEXT = 1 << 1,	/* a status text is kept */
	PACK_NEW_STATE = 1 << 2,	/* the state is kept, not the last one */
	PACK_CODE = 1 << 3,	/* LAST_CODE: the code follows */
	PACK_SIGNAL = 1 << 4,	/* LAST_SIGNAL */
	PACK_NEW_SIGNAL = 1 << 5,	/* the signal is kept, not the last one */
};

static uint64_t
zigzag(int64_t v)
{
	return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}

static int64_t
unzigzag(uint64_t v)
{
	return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

/* v as a varint at p (room for 10 bytes): the byte after it. */
static unsigned char *
put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static const unsigned char *
get_varint(const unsigned char *p, uint64_t *v)
{
	uint64_t n = 0;
	unsigned shift = 0;

	while (*p & 0x80) {
		n |= (uint64_t)(*p++ & 0x7f) << shift;
		shift += 7;
	}
	*v = n | (uint64_t)*p++ << shift;
	return p;
}

/* A string with its NUL; its offset in the pack. */
static size_t
put_string(struct pbuf *b, const char *s)
{
	size_t off = b->len;

	pbuf_add(b, s, strlen(s) + 1);
	return off;
}

void
rowpack_add(struct rowpack *p, const struct proto_row *r)
{
	unsigned char head[1 + 7 * 10], *q = head + 1;
	bool new_state, new_signal = false;

	if (p->b.data == NULL && !p->b.failed) {
		if ((p->b.data = malloc(PACK_FIRST)) == NULL) {
			p->b.failed = true;
			return;
		}
		p->b.cap = PACK_FIRST;
		p->b.data[0] = '\0';
	}
	new_state = !p->has_state || p->b.data == NULL ||
	    strcmp(p->b.data + p->state, r->state) != 0;
	head[0] = new_state ? PACK_NEW_STATE : 0;
	if (r->usage)
		head[0] |= PACK_USAGE;
	if (r->text != NULL && r->text[0] != '\0')
		head[0] |= PACK_TEXT;
	if (r->last == LAST_CODE)
		head[0] |= PACK_CODE;
	else if (r->last == LAST_SIGNAL) {
		new_signal = !p->has_signal || p->b.data == NULL ||
		    strcmp(p->b.data + p->signal, r->signal) != 0;
		head[0] |= PACK_SIGNAL | (new_signal ? PACK_NEW_SIGNAL : 0);
	}
	q = put_varint(q, zigzag(r->pid));
	q = put_varint(q, zigzag(r->uptime_ms));
	q = put_varint(q, r->restarts);
	if (r->last == LAST_CODE)
		q = put_varint(q, zigzag(r->code));
	if (r->usage) {
		q = put_varint(q, r->cpu_ms);
		q = put_varint(q, r->rss_bytes);
		q = put_varint(q, zigzag(r->usage_age_ms));
	}
	pbuf_add(&p->b, head, (size_t)(q - head));
	put_string(&p->b, r->name);
	if (new_state) {
		p->state = put_string(&p->b, r->state);
		p->has_state = true;
	}
	if (new_signal) {
		p->signal = put_string(&p->b, r->signal);
		p->has_signal = true;
	}
	if (head[0] & PACK_TEXT)
		put_string(&p->b, r->text);
	if (!p->b.failed)
		p->n++;
}

bool
rowpack_next(const struct rowpack *p, struct rowpack_cursor *c,
    struct proto_row *r)
{
	const unsigned char *q;
	const char *s;
	uint64_t v;
	unsigned flags;

	if (p->b.failed || c->off >= p->b.len)
		return false;
	q = (const unsigned char *)p->b.data + c->off;
	memset(r, 0, sizeof(*r));
	flags = *q++;
	q = get_varint(q, &v);
	r->pid = (long)unzigzag(v);
	q = get_varint(q, &v);
	r->uptime_ms = unzigzag(v);
	q = get_varint(q, &v);
	r->restarts = (unsigned long)v;
	if (flags & PACK_CODE) {
		q = get_varint(q, &v);
		r->last = LAST_CODE;
		r->code = (int)unzigzag(v);
	}
	if (flags & PACK_USAGE) {
		r->usage = true;
		q = get_varint(q, &r->cpu_ms);
		q = get_varint(q, &r->rss_bytes);
		q = get_varint(q, &v);
		r->usage_age_ms = unzigzag(v);
	}
	s = (const char *)q;
	r->name = s;
	s += strlen(s) + 1;
	if (flags & PACK_NEW_STATE) {
		c->state = s;
		s += strlen(s) + 1;
	}
	r->state = c->state;
	if (flags & PACK_SIGNAL) {
		if (flags & PACK_NEW_SIGNAL) {
			c->signal = s;
			s += strlen(s) + 1;
		}
		r->last = LAST_SIGNAL;
		r->signal = c->signal;
	}
	if (flags & PACK_TEXT) {
		r->text = s;
		s += strlen(s) + 1;
	}
	c->off = (size_t)(s - p->b.data);
	return true;
}

void
rowpack_free(struct rowpack *p)
{
	pbuf_free(&p->b);
	memset(p, 0, sizeof(*p));
}
