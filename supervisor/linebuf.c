/*
 * Line assembly for captured worker output: arbitrary chunks in, whole
 * lines out; and the bounded queue the lines wait in until their sink takes
 * them.  No I/O, so both are unit-tested on their own.
 *
 * A line is handed to emit without its newline.  A line longer than
 * LINE_MAX_LEN bytes is cut into pieces of LINE_MAX_LEN bytes; a line of
 * exactly LINE_MAX_LEN bytes stays one line (the cut is decided only once
 * the next byte is known).  A CR immediately before the end of a line (the
 * LF, or the end of the output on flush) is removed, so CRLF text comes
 * out as plain lines; any other CR, and NUL bytes, pass through.
 */

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "linebuf.h"

void
linebuf_init(struct linebuf *lb)
{
	lb->len = 0;
	lb->cr = false;
}

/* Append line content, emitting a full buffer first when more follows. */
static void
linebuf_put(struct linebuf *lb, const char *p, size_t n,
    linebuf_emit_fn *emit, void *ctx)
{
	size_t k;

	while (n > 0) {
		if (lb->len == LINE_MAX_LEN) {
			emit(ctx, lb->buf, lb->len);
			lb->len = 0;
		}
		if (lb->len == 0 && n > LINE_MAX_LEN) {
			/* A whole piece in the input: no copy. */
			emit(ctx, p, LINE_MAX_LEN);
			p += LINE_MAX_LEN;
			n -= LINE_MAX_LEN;
			continue;
		}
		k = LINE_MAX_LEN - lb->len;
		if (k > n)
			k = n;
		memcpy(lb->buf + lb->len, p, k);
		lb->len += k;
		p += k;
		n -= k;
	}
}

/* The line ends after p[0..n): emit what is buffered with it. */
static void
linebuf_end(struct linebuf *lb, const char *p, size_t n,
    linebuf_emit_fn *emit, void *ctx)
{
	if (lb->len == 0) {
		/* The common case, the whole line in this chunk: no copy. */
		while (n > LINE_MAX_LEN) {
			emit(ctx, p, LINE_MAX_LEN);
			p += LINE_MAX_LEN;
			n -= LINE_MAX_LEN;
		}
		emit(ctx, p, n);
		return;
	}
	linebuf_put(lb, p, n, emit, ctx);
	emit(ctx, lb->buf, lb->len);
	lb->len = 0;
}

void
linebuf_feed(struct linebuf *lb, const char *data, size_t n,
    linebuf_emit_fn *emit, void *ctx)
{
	const char *nl;
	size_t seg;

	while (n > 0) {
		nl = memchr(data, '\n', n);
		seg = nl != NULL ? (size_t)(nl - data) : n;
		if (seg > 0) {
			/* A CR held back from the last chunk was content. */
			if (lb->cr) {
				linebuf_put(lb, "\r", 1, emit, ctx);
				lb->cr = false;
			}
			if (data[seg - 1] == '\r') {
				/* Before the LF it goes; at the end, wait. */
				if (nl == NULL) {
					linebuf_put(lb, data, seg - 1, emit, ctx);
					lb->cr = true;
					return;
				}
				linebuf_end(lb, data, seg - 1, emit, ctx);
			} else if (nl == NULL) {
				linebuf_put(lb, data, seg, emit, ctx);
				return;
			} else
				linebuf_end(lb, data, seg, emit, ctx);
		} else {
			/* An LF right away; a held-back CR is dropped. */
			lb->cr = false;
			linebuf_end(lb, data, 0, emit, ctx);
		}
		data += seg + 1;
		n -= seg + 1;
	}
}

void
linebuf_flush(struct linebuf *lb, linebuf_emit_fn *emit, void *ctx)
{
	if (lb->len == 0 && !lb->cr)
		return;
	emit(ctx, lb->buf, lb->len);
	lb->len = 0;
	lb->cr = false;
}

#define SHORT	32	/* a prefix or line up to this: fixed-size copies */
#define LONG	256	/* a line from this on: one memcpy */
#define BLOCK	64	/* bytes searched for LFs at once */

#ifdef __SSE2__
/* Bit i set where p[i] is an LF, for the BLOCK bytes at p. */
static inline uint64_t
lf_mask(const char *p)
{
	const __m128i lf = _mm_set1_epi8('\n');
	uint64_t m = 0;
	int i;

	for (i = 0; i < BLOCK / 16; i++)
		m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(
		    _mm_loadu_si128((const __m128i *)(const void *)(p + 16 * i)),
		    lf)) << (16 * i);
	return m;
}
#else
#define LF_BYTES	(0x0101010101010101ULL * '\n')
#define LOW7		0x7f7f7f7f7f7f7f7fULL

/*
 * The same eight bytes at a time: the top bit of every byte that is an LF
 * (exact, no step carries from one byte into the next), then those eight
 * bits gathered into the low byte by one multiplication.
 */
static inline uint64_t
lf_mask(const char *p)
{
	uint64_t m = 0, w, x;
	int i;

	for (i = 0; i < BLOCK / 8; i++) {
		memcpy(&w, p + 8 * i, sizeof(w));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
		w = __builtin_bswap64(w);
#endif
		x = w ^ LF_BYTES;
		x = ~(((x & LOW7) + LOW7) | x | LOW7) >> 7;
		m |= ((x * 0x0102040810204080ULL) >> 56) << (8 * i);
	}
	return m;
}
#endif

/*
 * The fast path of capture: most output is short lines that arrive whole.
 * The LFs are found 64 bytes at a time, not with a call per line, and
 * each line costs two copies (of fixed size when it is short).  The rules
 * are linebuf_feed's: a line it would hold, cut or strip a CR from ends
 * the run, and the caller feeds that one to linebuf_feed.
 */
size_t
linebuf_copy_lines(const struct linebuf *lb, const char *data, size_t n,
    const char *prefix, size_t plen, char *out, size_t room, size_t *lines)
{
	const char *p = data, *end = data + n, *next = data, *base = data;
	const char *nl, *lim;
	char *o = out, pre[SHORT];
	uint64_t m = 0;
	size_t len, i, k = 0;

	*lines = 0;
	if (lb->len > 0 || lb->cr)
		return 0;
	memcpy(pre, prefix, plen < SHORT ? plen : SHORT);
	for (;;) {
		if (m != 0) {
			nl = base + __builtin_ctzll(m);
			m &= m - 1;
		} else if ((size_t)(end - next) >= BLOCK &&
		    (m = lf_mask(next)) != 0) {
			/* p up to next holds no LF: the next block does. */
			base = next;
			next += BLOCK;
			continue;
		} else {
			/*
			 * The last bytes, or a line longer than a block: the
			 * rest of it at memchr's pace, as far as it may go.
			 */
			lim = end - p > LINE_MAX_LEN + 1 ? p + LINE_MAX_LEN + 1 :
			    end;
			if (next >= lim ||
			    (nl = memchr(next, '\n', (size_t)(lim - next))) ==
			    NULL)
				break;
			next = nl + 1;
		}
		len = (size_t)(nl - p);
		if (len > LINE_MAX_LEN || (len > 0 && nl[-1] == '\r') ||
		    plen + len + 1 > room)
			break;
		if (plen == 0)
			;
		else if (plen <= SHORT && len < LONG &&
		    (size_t)(end - p) >= len + SHORT &&
		    room >= plen + len + SHORT) {
			/*
			 * Fixed-size copies, which compile to a few moves: the
			 * bytes copied past the line are inside data and out
			 * and are overwritten by the next line or not counted.
			 */
			memcpy(o, pre, SHORT);
			for (i = 0; i <= len; i += SHORT)
				memcpy(o + plen + i, p + i, SHORT);
			o += plen + len + 1;
		} else {
			memcpy(o, prefix, plen);
			memcpy(o + plen, p, len + 1);
			o += plen + len + 1;
		}
		room -= plen + len + 1;
		p = nl + 1;
		k++;
	}
	/* Without a prefix the lines go out as they came, in one copy. */
	if (plen == 0)
		memcpy(out, data, (size_t)(p - data));
	*lines = k;
	return (size_t)(p - data);
}

/*
 * Each input byte makes at most plen + 1 output bytes (an LF alone becomes
 * an empty prefixed line); the bytes held in the buffer, a held CR and the
 * cuts every LINE_MAX_LEN bytes add at most the reserve.
 */
size_t
linebuf_budget(size_t room, size_t plen, size_t max)
{
	size_t per = plen + 1;
	size_t reserve = LINE_MAX_LEN + 1 + per * (max / LINE_MAX_LEN + 2);
	size_t n;

	if (room <= reserve)
		return 0;
	n = (room - reserve) / per;
	return n < max ? n : max;
}

#define LINEQUEUE_MIN	(16 * 1024)	/* the first allocation */

char *
linequeue_reserve(struct linequeue *q, size_t n, size_t cap)
{
	size_t want;
	char *p;

	if (q->len + n > cap)
		return NULL;
	if (q->start + q->len + n > q->alloc && q->start > 0) {
		memmove(q->buf, q->buf + q->start, q->len);
		q->start = 0;
	}
	/* Even for n = 0 a buffer is needed: NULL + 0 is no pointer. */
	if (q->len + n > q->alloc || q->buf == NULL) {
		want = q->alloc > 0 ? q->alloc : LINEQUEUE_MIN;
		while (want < q->len + n)
			want *= 2;
		if (want > cap)
			want = cap;
		if (want == 0)
			want = 1;
		if ((p = realloc(q->buf, want)) == NULL)
			return NULL;
		q->buf = p;
		q->alloc = want;
	}
	return q->buf + q->start + q->len;
}

void
linequeue_consume(struct linequeue *q, size_t n)
{
	if (n == 0)
		return;
	q->mid_line = q->buf[q->start + n - 1] != '\n';
	q->start += n;
	q->len -= n;
	if (q->len == 0)
		q->start = 0;
}

void
linequeue_discard(struct linequeue *q)
{
	const char *nl;
	size_t keep = 0;

	if (q->mid_line && q->len > 0 &&
	    (nl = memchr(q->buf + q->start, '\n', q->len)) != NULL)
		keep = (size_t)(nl - (q->buf + q->start)) + 1;
	q->len = keep;
	if (keep == 0)
		q->start = 0;
}

void
linequeue_free(struct linequeue *q)
{
	free(q->buf);
	memset(q, 0, sizeof(*q));
}
