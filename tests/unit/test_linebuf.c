/* Unit tests of linebuf.c: line assembly from arbitrary chunks. */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "linebuf.h"

#define MAX_LINES 4096

/* What emit received, each line with a newline appended. */
struct collect {
	char *out;
	size_t len, cap;
	size_t lines;
	size_t lens[MAX_LINES];
};

static void
collect_emit(void *ctx, const char *line, size_t len)
{
	struct collect *c = ctx;

	assert_true(len <= LINE_MAX_LEN);
	if (c->len + len + 1 > c->cap) {
		c->cap = (c->len + len + 1) * 2;
		c->out = realloc(c->out, c->cap);
		assert_non_null(c->out);
	}
	memcpy(c->out + c->len, line, len);
	c->out[c->len + len] = '\n';
	c->len += len + 1;
	if (c->lines < MAX_LINES)
		c->lens[c->lines] = len;
	c->lines++;
}

static struct collect *
collect_new(void)
{
	struct collect *c;

	c = calloc(1, sizeof(*c));
	assert_non_null(c);
	return c;
}

static void
collect_free(struct collect *c)
{
	free(c->out);
	free(c);
}

/* Feed data in chunks of `step` bytes (0: all at once), then flush. */
static struct collect *
run(const char *data, size_t n, size_t step)
{
	struct linebuf *lb;
	struct collect *c = collect_new();
	size_t off, k;

	lb = malloc(sizeof(*lb));
	assert_non_null(lb);
	linebuf_init(lb);
	if (step == 0)
		step = n > 0 ? n : 1;
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		linebuf_feed(lb, data + off, k, collect_emit, c);
	}
	linebuf_flush(lb, collect_emit, c);
	free(lb);
	return c;
}

/* The output for every chunk size from 1 to 17, and all at once. */
static void
expect_all_steps(const char *data, size_t n, const char *want, size_t wlen)
{
	struct collect *c;
	size_t step;

	for (step = 0; step <= 17; step++) {
		c = run(data, n, step);
		assert_int_equal(c->len, wlen);
		assert_memory_equal(c->out, want, wlen);
		collect_free(c);
	}
}

#define EXPECT(in, want) \
	expect_all_steps(in, sizeof(in) - 1, want, sizeof(want) - 1)

static void
test_one_line(void **state)
{
	(void)state;
	EXPECT("hello\n", "hello\n");
}

static void
test_empty_lines_kept(void **state)
{
	(void)state;
	EXPECT("\n\na\n\n", "\n\na\n\n");
}

static void
test_no_output_no_line(void **state)
{
	struct collect *c;

	(void)state;
	c = run("", 0, 0);
	assert_int_equal(c->lines, 0);
	collect_free(c);
}

static void
test_many_lines_in_one_chunk(void **state)
{
	char in[8000], *p = in;
	struct collect *c;
	int i;

	(void)state;
	for (i = 1; i <= 1000; i++)
		p += sprintf(p, "%d\n", i);
	c = run(in, (size_t)(p - in), 0);
	assert_int_equal(c->lines, 1000);
	assert_memory_equal(c->out, in, (size_t)(p - in));
	collect_free(c);
}

static void
test_partial_reads_join(void **state)
{
	struct linebuf lb;
	struct collect *c = collect_new();

	(void)state;
	linebuf_init(&lb);
	linebuf_feed(&lb, "hel", 3, collect_emit, c);
	assert_int_equal(c->lines, 0);
	linebuf_feed(&lb, "lo wo", 5, collect_emit, c);
	assert_int_equal(c->lines, 0);
	linebuf_feed(&lb, "rld\nne", 6, collect_emit, c);
	assert_int_equal(c->lines, 1);
	linebuf_feed(&lb, "xt\n", 3, collect_emit, c);
	assert_int_equal(c->lines, 2);
	assert_memory_equal(c->out, "hello world\nnext\n", 17);
	collect_free(c);
}

static void
test_last_line_without_newline_gets_one(void **state)
{
	(void)state;
	EXPECT("a\nlast", "a\nlast\n");
}

static void
test_flush_twice_emits_once(void **state)
{
	struct linebuf lb;
	struct collect *c = collect_new();

	(void)state;
	linebuf_init(&lb);
	linebuf_feed(&lb, "x", 1, collect_emit, c);
	linebuf_flush(&lb, collect_emit, c);
	linebuf_flush(&lb, collect_emit, c);
	assert_int_equal(c->lines, 1);
	linebuf_feed(&lb, "y\n", 2, collect_emit, c);
	assert_int_equal(c->lines, 2);
	assert_memory_equal(c->out, "x\ny\n", 4);
	collect_free(c);
}

/* n bytes of 'a'..'z' then the tail; caller frees. */
static char *
long_line(size_t n, const char *tail, size_t *len)
{
	size_t tl = strlen(tail), i;
	char *s;

	s = malloc(n + tl + 1);
	assert_non_null(s);
	for (i = 0; i < n; i++)
		s[i] = (char)('a' + i % 26);
	memcpy(s + n, tail, tl + 1);
	*len = n + tl;
	return s;
}

/* A line of n bytes plus tail gives these line lengths. */
static void
expect_cut(size_t n, const char *tail, const size_t *lens, size_t nlens)
{
	struct collect *c;
	size_t len, step, i;
	size_t steps[] = { 0, 1, 7, 4095, 4096, 4097 };
	char *s;

	s = long_line(n, tail, &len);
	for (step = 0; step < sizeof(steps) / sizeof(steps[0]); step++) {
		c = run(s, len, steps[step]);
		assert_int_equal(c->lines, nlens);
		for (i = 0; i < nlens; i++)
			assert_int_equal(c->lens[i], lens[i]);
		collect_free(c);
	}
	free(s);
}

static void
test_exactly_4096_is_one_line(void **state)
{
	size_t lens[] = { 4096 };

	(void)state;
	expect_cut(4096, "\n", lens, 1);
	expect_cut(4096, "", lens, 1);
	expect_cut(4096, "\r\n", lens, 1);
}

static void
test_4097_is_cut_in_two(void **state)
{
	size_t lens[] = { 4096, 1 };

	(void)state;
	expect_cut(4097, "\n", lens, 2);
	expect_cut(4097, "", lens, 2);
}

static void
test_long_line_cut_in_pieces(void **state)
{
	size_t lens3[] = { 4096, 4096, 1808 };
	size_t lens2[] = { 4096, 4096 };

	(void)state;
	expect_cut(10000, "\n", lens3, 3);
	expect_cut(8192, "\n", lens2, 2);
	expect_cut(8192, "", lens2, 2);
}

static void
test_cut_keeps_every_byte(void **state)
{
	struct collect *c;
	size_t len;
	char *s;

	(void)state;
	s = long_line(9000, "\nend\n", &len);
	c = run(s, len, 1000);
	assert_int_equal(c->lines, 4);
	/* The pieces with their newlines removed are the input. */
	assert_memory_equal(c->out, s, 4096);
	assert_memory_equal(c->out + 4097, s + 4096, 4096);
	assert_memory_equal(c->out + 8194, s + 8192, 808);
	assert_memory_equal(c->out + 9003, "end\n", 4);
	collect_free(c);
	free(s);
}

static void
test_nul_bytes_pass_through(void **state)
{
	(void)state;
	EXPECT("a\0b\n\0\n", "a\0b\n\0\n");
}

static void
test_crlf_becomes_lf(void **state)
{
	(void)state;
	EXPECT("one\r\ntwo\r\n\r\n", "one\ntwo\n\n");
}

static void
test_cr_elsewhere_is_kept(void **state)
{
	(void)state;
	EXPECT("a\rb\n\r\rc\n", "a\rb\n\r\rc\n");
	EXPECT("x\r\r\n", "x\r\n");
}

static void
test_cr_at_chunk_end(void **state)
{
	struct linebuf lb;
	struct collect *c = collect_new();

	(void)state;
	linebuf_init(&lb);
	linebuf_feed(&lb, "a\r", 2, collect_emit, c);
	linebuf_feed(&lb, "b\r", 2, collect_emit, c);
	linebuf_feed(&lb, "\n", 1, collect_emit, c);
	assert_int_equal(c->lines, 1);
	assert_memory_equal(c->out, "a\rb\n", 4);
	collect_free(c);
}

static void
test_flush_drops_trailing_cr(void **state)
{
	(void)state;
	EXPECT("last\r", "last\n");
	EXPECT("\r", "\n");
}

/*
 * The behaviour as specified, on the whole input at once: split at LF, drop
 * one CR that ends a line, cut each line into pieces of LINE_MAX_LEN; a
 * last segment without LF is a line if it is not empty.
 */
static void
model(const char *in, size_t n, struct collect *c)
{
	const char *p = in, *end = in + n, *nl;
	size_t len;

	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = (nl != NULL ? nl : end) - p;
		if (len > 0 && p[len - 1] == '\r')
			len--;
		while (len > LINE_MAX_LEN) {
			collect_emit(c, p, LINE_MAX_LEN);
			p += LINE_MAX_LEN;
			len -= LINE_MAX_LEN;
		}
		collect_emit(c, p, len);
		if (nl == NULL)
			break;
		p = nl + 1;
	}
}

static void
test_random_chunks_match_model(void **state)
{
	const char alphabet[] = "ab\r\n\0";
	const int letters[] = { 9995, 9900, 5000 };
	struct collect *want, *got;
	struct linebuf lb;
	size_t n, off, k, i;
	char *in;
	int round;

	(void)state;
	srand(42);
	in = malloc(20000);
	assert_non_null(in);
	for (round = 0; round < 300; round++) {
		n = (size_t)rand() % 20000;
		for (i = 0; i < n; i++) {
			/* Rounds with few line ends give long lines. */
			if (rand() % 10000 < letters[round % 3])
				in[i] = 'a';
			else
				in[i] = alphabet[rand() % 5];
		}
		want = collect_new();
		model(in, n, want);
		got = collect_new();
		linebuf_init(&lb);
		for (off = 0; off < n; off += k) {
			k = (size_t)rand() % 9000 + 1;
			if (k > n - off)
				k = n - off;
			linebuf_feed(&lb, in + off, k, collect_emit, got);
		}
		linebuf_flush(&lb, collect_emit, got);
		assert_int_equal(got->lines, want->lines);
		assert_int_equal(got->len, want->len);
		assert_memory_equal(got->out, want->out, want->len);
		collect_free(want);
		collect_free(got);
	}
	free(in);
}

/* Output bytes of lines with a prefix of plen bytes and a newline. */
struct measure {
	size_t plen, bytes;
};

static void
measure_emit(void *ctx, const char *line, size_t len)
{
	struct measure *m = ctx;

	(void)line;
	m->bytes += m->plen + len + 1;
}

/* Fill lb as the given state, feed the pattern for n bytes, flush. */
static size_t
worst_output(size_t plen, size_t held, bool cr, const char *pat, size_t n)
{
	struct measure m = { plen, 0 };
	struct linebuf *lb;
	char *in;
	size_t i, pl = strlen(pat);

	lb = malloc(sizeof(*lb));
	in = malloc(n + 1);
	assert_non_null(lb);
	assert_non_null(in);
	linebuf_init(lb);
	memset(lb->buf, 'x', held);
	lb->len = held;
	lb->cr = cr;
	for (i = 0; i < n; i++)
		in[i] = pat[i % pl];
	linebuf_feed(lb, in, n, measure_emit, &m);
	linebuf_flush(lb, measure_emit, &m);
	free(in);
	free(lb);
	return m.bytes;
}

/* Every worst-case input of budget bytes fits in room, held bytes or not. */
static void
expect_fits(size_t room, size_t plen)
{
	const char *pats[] = { "\n", "\r\n", "a", "ab\n", "\r", "\r\r\n" };
	size_t helds[] = { 0, 1, 4095, 4096 };
	size_t n, h, k;

	n = linebuf_budget(room, plen, 64 * 1024);
	assert_true(n <= 64 * 1024);
	for (h = 0; h < 4; h++) {
		for (k = 0; k < 6; k++) {
			assert_true(worst_output(plen, helds[h], true, pats[k],
			    n) <= room);
			assert_true(worst_output(plen, helds[h], false, pats[k],
			    n) <= room);
		}
	}
}

static void
test_budget_output_fits_room(void **state)
{
	size_t plens[] = { 0, 6, 59 };
	size_t rooms[] = { 5000, 9000, 70000, 128 * 1024, 256 * 1024 };
	size_t p, r;

	(void)state;
	for (p = 0; p < 3; p++)
		for (r = 0; r < 5; r++)
			expect_fits(rooms[r], plens[p]);
}

static void
test_budget_is_useful(void **state)
{
	(void)state;
	assert_int_equal(linebuf_budget(0, 6, 65536), 0);
	assert_int_equal(linebuf_budget(4096, 0, 65536), 0);
	/* A file (no prefix) reads a full 64 KiB with 128 KiB free. */
	assert_int_equal(linebuf_budget(128 * 1024, 0, 65536), 65536);
	/* "web | " still reads more than 16 KiB at a time. */
	assert_true(linebuf_budget(128 * 1024, 6, 65536) > 16 * 1024);
}

static void
test_queue_bounded_by_cap(void **state)
{
	struct linequeue q = { 0 };
	char *p;

	(void)state;
	p = linequeue_reserve(&q, 1000, 1500);
	assert_non_null(p);
	memset(p, 'a', 1000);
	q.len += 1000;
	assert_null(linequeue_reserve(&q, 501, 1500));
	assert_non_null(linequeue_reserve(&q, 500, 1500));
	assert_true(q.alloc <= 16 * 1024);
	linequeue_free(&q);
	assert_null(q.buf);
}

/* Nothing reserved on an empty queue is still a real place to write. */
static void
test_queue_reserve_nothing_on_an_empty_queue(void **state)
{
	struct linequeue q = { 0 };

	(void)state;
	assert_non_null(linequeue_reserve(&q, 0, 1500));
	assert_int_equal(q.len, 0);
	linequeue_free(&q);
}

static void
test_queue_keeps_order_across_consume_and_growth(void **state)
{
	struct linequeue q = { 0 };
	char want[100000], *p;
	size_t in = 0, out = 0, k;

	(void)state;
	for (k = 0; k < sizeof(want); k++)
		want[k] = (char)('a' + k % 23);
	while (out < sizeof(want)) {
		k = sizeof(want) - in < 7777 ? sizeof(want) - in : 7777;
		if (k > 0 && (p = linequeue_reserve(&q, k, 50000)) != NULL) {
			memcpy(p, want + in, k);
			q.len += k;
			in += k;
		}
		k = q.len < 5000 ? q.len : 5000;
		assert_memory_equal(q.buf + q.start, want + out, k);
		linequeue_consume(&q, k);
		out += k;
	}
	assert_int_equal(q.len, 0);
	assert_true(q.alloc <= 50000);
	linequeue_free(&q);
}

static void
test_queue_discard_finishes_a_partial_line(void **state)
{
	struct linequeue q = { 0 };
	char *p;

	(void)state;
	p = linequeue_reserve(&q, 12, 100);
	memcpy(p, "one\ntwo\nthr\n", 12);
	q.len = 12;
	linequeue_consume(&q, 5);		/* "one\nt" went out */
	assert_true(q.mid_line);
	linequeue_discard(&q);
	assert_int_equal(q.len, 3);
	assert_memory_equal(q.buf + q.start, "wo\n", 3);
	linequeue_consume(&q, 3);
	assert_false(q.mid_line);
	p = linequeue_reserve(&q, 4, 100);
	memcpy(p, "abc\n", 4);
	q.len = 4;
	linequeue_discard(&q);
	assert_int_equal(q.len, 0);
	linequeue_free(&q);
}

/* What emit received, each line after a prefix, as output.c queues it. */
struct prefixed {
	const char *prefix;
	char *out;
	size_t len, lines;
};

static void
prefixed_emit(void *ctx, const char *line, size_t len)
{
	struct prefixed *x = ctx;
	size_t plen = strlen(x->prefix);

	memcpy(x->out + x->len, x->prefix, plen);
	memcpy(x->out + x->len + plen, line, len);
	x->out[x->len + plen + len] = '\n';
	x->len += plen + len + 1;
	x->lines++;
}

/*
 * Feed data as output.c does, runs through linebuf_copy_lines into at
 * most `room` bytes at a time and any other line through linebuf_feed.
 */
static void
feed_copying(struct linebuf *lb, const char *data, size_t n, size_t room,
    struct prefixed *x)
{
	size_t plen = strlen(x->prefix), k, lines;
	const char *nl;

	while (n > 0) {
		k = linebuf_copy_lines(lb, data, n, x->prefix, plen,
		    x->out + x->len, room, &lines);
		assert_true(k + lines * plen <= room);
		if (k > 0) {
			/* Whole lines: what was taken ends with an LF. */
			assert_int_equal(data[k - 1], '\n');
			x->len += k + lines * plen;
			x->lines += lines;
		} else {
			nl = memchr(data, '\n', n);
			k = nl != NULL ? (size_t)(nl - data) + 1 : n;
			linebuf_feed(lb, data, k, prefixed_emit, x);
		}
		data += k;
		n -= k;
	}
}

/* Feed in through both paths, in chunks of step bytes; the same out. */
static void
assert_copy_is_feed(const char *in, size_t n, const char *prefix,
    size_t step, size_t room)
{
	struct prefixed a = { prefix, NULL, 0, 0 }, b = { prefix, NULL, 0, 0 };
	struct linebuf *la, *lb;
	size_t off, k;

	la = malloc(sizeof(*la));
	lb = malloc(sizeof(*lb));
	a.out = malloc(8 * n + 64);
	b.out = malloc(8 * n + 64);
	assert_true(la && lb && a.out && b.out);
	linebuf_init(la);
	linebuf_init(lb);
	for (off = 0; off < n; off += k) {
		k = n - off < step ? n - off : step;
		linebuf_feed(la, in + off, k, prefixed_emit, &a);
		feed_copying(lb, in + off, k, room, &b);
	}
	linebuf_flush(la, prefixed_emit, &a);
	linebuf_flush(lb, prefixed_emit, &b);
	assert_int_equal(a.lines, b.lines);
	assert_int_equal(a.len, b.len);
	assert_memory_equal(a.out, b.out, a.len);
	free(la);
	free(lb);
	free(a.out);
	free(b.out);
}

/*
 * Copying runs of lines gives what linebuf_feed gives, byte for byte and
 * line for line, whatever the input (CRs, long lines, empty lines), the
 * chunks it comes in and the room there is to copy to.
 */
static void
test_copy_lines_is_feed(void **state)
{
	const char *prefixes[] = { "", "w0 | " };
	size_t rooms[] = { 1, 7, 100, 5000, 1 << 20 };
	size_t n = 60000, i, p, r, k, step;
	unsigned seed = 7;
	char *in;

	(void)state;
	in = malloc(n);
	assert_non_null(in);
	for (i = 0; i < n; i++) {
		seed = seed * 1103515245 + 12345;
		k = (seed >> 16) % 40;
		in[i] = k == 0 ? '\r' : k < 4 ? '\n' :
		    (char)('a' + (seed >> 8) % 26);
		/* Now and then a line longer than LINE_MAX_LEN. */
		if (i % 20000 == 100)
			for (k = 0; k < 5000 && i < n - 1; k++)
				in[i++] = 'L';
	}
	for (p = 0; p < 2; p++)
		for (r = 0; r < sizeof(rooms) / sizeof(rooms[0]); r++)
			for (step = 1; step < n; step = step * 3 + 1)
				assert_copy_is_feed(in, n, prefixes[p], step,
				    rooms[r]);
	free(in);
}


/*
 * The LFs are found a block at a time: an LF, a CR before it, a line's
 * start and the end of the data at every offset within a block, lines
 * shorter and longer than a block or than the fixed-size copies, at every
 * alignment of the data, give what linebuf_feed gives.
 */
static void
test_copy_lines_every_offset(void **state)
{
	const char *prefixes[] = { "", "w0 | ",
	    "a-prefix-longer-than-thirty-two-bytes | " };
	char *buf, *in;
	size_t len, cr, align, p, n, i, step;

	(void)state;
	buf = malloc(16384);
	assert_non_null(buf);
	for (align = 0; align < 8; align++)
		for (len = 0; len < 280; len = len == 19 ? 50 :
		    len == 70 ? 240 : len + 1)
			for (cr = 0; cr < 3; cr++) {
				/* Lines of len, len + 1, ... bytes. */
				in = buf + align;
				for (n = 0, i = 0; i < 24; i++) {
					memset(in + n, 'a' + (int)i, len + i);
					n += len + i;
					if (cr == 1 || (cr == 2 && i % 3 == 0))
						in[n++] = '\r';
					in[n++] = '\n';
				}
				in[n++] = 'z';	/* and a last partial line */
				for (p = 0; p < 3; p++)
					for (step = 1; step <= n; step *= 5)
						assert_copy_is_feed(in, n,
						    prefixes[p], step, 1 << 20);
				assert_copy_is_feed(in, n, prefixes[1], n, 97);
			}
	free(buf);
}

/* Lines around LINE_MAX_LEN, at every alignment, are cut as feed cuts. */
static void
test_copy_lines_long_lines(void **state)
{
	size_t lens[] = { LINE_MAX_LEN - 1, LINE_MAX_LEN, LINE_MAX_LEN + 1,
	    LINE_MAX_LEN + 7, LINE_MAX_LEN + 8, 2 * LINE_MAX_LEN };
	size_t align, l, n;
	char *buf, *in;

	(void)state;
	buf = malloc(4 * LINE_MAX_LEN + 64);
	assert_non_null(buf);
	for (align = 0; align < 8; align++)
		for (l = 0; l < sizeof(lens) / sizeof(lens[0]); l++) {
			in = buf + align;
			memcpy(in, "ab\n", 3);
			memset(in + 3, 'x', lens[l]);
			n = 3 + lens[l];
			memcpy(in + n, "\ncd\n", 4);
			n += 4;
			assert_copy_is_feed(in, n, "w0 | ", n, 1 << 20);
			assert_copy_is_feed(in, n, "", n, 1 << 20);
		}
	free(buf);
}

/* Nothing is copied while a line is held from the last chunk. */
static void
test_copy_lines_waits_for_held_line(void **state)
{
	struct linebuf lb;
	char out[64];
	size_t lines;

	(void)state;
	linebuf_init(&lb);
	assert_int_equal(linebuf_copy_lines(&lb, "a\nb\nc", 5, "", 0, out,
	    sizeof(out), &lines), 4);
	assert_int_equal(lines, 2);
	assert_memory_equal(out, "a\nb\n", 4);
	lb.len = 1;
	assert_int_equal(linebuf_copy_lines(&lb, "a\n", 2, "", 0, out,
	    sizeof(out), &lines), 0);
	lb.len = 0;
	lb.cr = true;
	assert_int_equal(linebuf_copy_lines(&lb, "a\n", 2, "", 0, out,
	    sizeof(out), &lines), 0);
	assert_int_equal(lines, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_one_line),
		cmocka_unit_test(test_empty_lines_kept),
		cmocka_unit_test(test_no_output_no_line),
		cmocka_unit_test(test_many_lines_in_one_chunk),
		cmocka_unit_test(test_partial_reads_join),
		cmocka_unit_test(test_last_line_without_newline_gets_one),
		cmocka_unit_test(test_flush_twice_emits_once),
		cmocka_unit_test(test_exactly_4096_is_one_line),
		cmocka_unit_test(test_4097_is_cut_in_two),
		cmocka_unit_test(test_long_line_cut_in_pieces),
		cmocka_unit_test(test_cut_keeps_every_byte),
		cmocka_unit_test(test_nul_bytes_pass_through),
		cmocka_unit_test(test_crlf_becomes_lf),
		cmocka_unit_test(test_cr_elsewhere_is_kept),
		cmocka_unit_test(test_cr_at_chunk_end),
		cmocka_unit_test(test_flush_drops_trailing_cr),
		cmocka_unit_test(test_random_chunks_match_model),
		cmocka_unit_test(test_budget_output_fits_room),
		cmocka_unit_test(test_budget_is_useful),
		cmocka_unit_test(test_queue_bounded_by_cap),
		cmocka_unit_test(test_queue_reserve_nothing_on_an_empty_queue),
		cmocka_unit_test(test_queue_keeps_order_across_consume_and_growth),
		cmocka_unit_test(test_queue_discard_finishes_a_partial_line),
		cmocka_unit_test(test_copy_lines_is_feed),
		cmocka_unit_test(test_copy_lines_every_offset),
		cmocka_unit_test(test_copy_lines_long_lines),
		cmocka_unit_test(test_copy_lines_waits_for_held_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
