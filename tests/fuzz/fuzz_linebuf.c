/*
 * fuzz_linebuf: line assembly and the byte queue (linebuf.c) on a
 * worker's arbitrary output.  The output goes through line assembly once
 * whole and once cut into arbitrary reads (the first byte of each chunk
 * gives its length): the lines must be the same either way, each at most
 * LINE_MAX_LEN bytes and without a newline, and hold no more bytes than
 * went in less the newlines; and the same when runs of whole lines are
 * copied after a prefix (linebuf_copy_lines) into a buffer of arbitrary
 * room, as output.c does.  The same bytes then drive a linequeue
 * bounded by a small cap: reserve, consume and discard in any order
 * (up to 128 of them, from the first bytes).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

/* The lines emitted, each as its length then its bytes. */
struct out {
	char *buf;
	size_t len, cap;
	size_t bytes;
};

static void
emit(void *ctx, const char *line, size_t len)
{
	struct out *o = ctx;
	size_t need = o->len + sizeof(len) + len;

	if (len > LINE_MAX_LEN || memchr(line, '\n', len) != NULL)
		abort();
	if (need > o->cap) {
		o->cap = need * 2;
		if ((o->buf = realloc(o->buf, o->cap)) == NULL)
			abort();
	}
	memcpy(o->buf + o->len, &len, sizeof(len));
	memcpy(o->buf + o->len + sizeof(len), line, len);
	o->len = need;
	o->bytes += len;
}

/* Feed an exact-size copy, so that ASan sees any read past it. */
static void
feed(struct linebuf *lb, const uint8_t *data, size_t n, struct out *o)
{
	char *chunk;

	if ((chunk = malloc(n ? n : 1)) == NULL)
		abort();
	memcpy(chunk, data, n);
	linebuf_feed(lb, chunk, n, emit, o);
	free(chunk);
}

/*
 * Feed as output.c does: runs of whole lines copied after a prefix into
 * exactly `room` bytes (so that ASan sees any write or read past either
 * buffer), then split again and emitted; any other line through
 * linebuf_feed.
 */
static void
feed_copying(struct linebuf *lb, const uint8_t *data, size_t n, size_t room,
    struct out *o)
{
	static const char prefix[] = "w0 | ";
	size_t plen = room % 2 ? sizeof(prefix) - 1 : 0, k, lines, i;
	char *chunk, *dst, *p, *nl, *end;
	const char *lf;

	if ((chunk = malloc(n ? n : 1)) == NULL ||
	    (dst = malloc(room)) == NULL)
		abort();
	memcpy(chunk, data, n);
	for (p = chunk; p < chunk + n; p += k) {
		k = linebuf_copy_lines(lb, p, (size_t)(chunk + n - p), prefix,
		    plen, dst, room, &lines);
		if (k == 0) {
			lf = memchr(p, '\n', (size_t)(chunk + n - p));
			k = lf != NULL ? (size_t)(lf - p) + 1 :
			    (size_t)(chunk + n - p);
			linebuf_feed(lb, p, k, emit, o);
			continue;
		}
		if (k + lines * plen > room || p[k - 1] != '\n')
			abort();
		end = dst + k + lines * plen;
		for (i = 0, nl = dst; i < lines; i++) {
			if (memcmp(nl, prefix, plen) != 0)
				abort();
			nl += plen;
			lf = memchr(nl, '\n', (size_t)(end - nl));
			emit(o, nl, (size_t)(lf - nl));
			nl = (char *)lf + 1;
		}
		if (nl != end)
			abort();
	}
	free(dst);
	free(chunk);
}

static void
queue(const uint8_t *data, size_t size)
{
	struct linequeue q = { 0 };
	size_t i, n, cap = 6000, before;
	char *p;

	for (i = 0; i + 1 < size && i < 256; i += 2) {
		n = data[i] * 13u % 3000;
		before = q.len;
		if (data[i + 1] & 1) {
			if ((p = linequeue_reserve(&q, n, cap)) != NULL) {
				memset(p, data[i + 1] & 4 ? '\n' : 'x', n);
				q.len += n;
			} else if (before + n <= cap)
				abort();	/* there was room */
		} else if (data[i + 1] & 2)
			linequeue_discard(&q);
		else
			linequeue_consume(&q, n < q.len ? n : q.len);
		if (q.len > cap || q.start + q.len > q.alloc || q.alloc > cap)
			abort();
	}
	linequeue_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct linebuf *whole, *cut;
	struct out a = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 };
	size_t i = 0, n, newlines = 0;

	if ((whole = malloc(sizeof(*whole))) == NULL ||
	    (cut = malloc(sizeof(*cut))) == NULL)
		abort();
	linebuf_init(whole);
	linebuf_init(cut);
	feed(whole, data, size, &a);
	linebuf_flush(whole, emit, &a);
	for (i = 0; i < size; i++)
		newlines += data[i] == '\n';
	for (i = 0; i < size; i += n) {
		n = data[i] % 64 * 97 + 1;
		if (n > size - i)
			n = size - i;
		feed(cut, data + i, n, &b);
	}
	linebuf_flush(cut, emit, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.buf, b.buf, a.len) != 0))
		abort();	/* how reads are cut changed the lines */
	/* Again, copying runs of lines as output.c does. */
	b.len = b.bytes = 0;
	linebuf_init(cut);
	for (i = 0; i < size; i += n) {
		n = data[i] % 64 * 97 + 1;
		if (n > size - i)
			n = size - i;
		feed_copying(cut, data + i, n, 1 + data[i] / 2 * 37u, &b);
	}
	linebuf_flush(cut, emit, &b);
	if (a.len != b.len || (a.len > 0 && memcmp(a.buf, b.buf, a.len) != 0))
		abort();	/* copying runs changed the lines */
	if (a.bytes > size - newlines)
		abort();
	free(a.buf);
	free(b.buf);
	free(whole);
	free(cut);
	queue(data, size);
	return 0;
}
