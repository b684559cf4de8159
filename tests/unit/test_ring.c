/* Unit tests of ring.c: a worker's last output lines, bounded. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ring.h"

struct seen {
	char text[8192];
	size_t len, n;
};

static void
collect(void *ctx, const char *line, size_t len)
{
	struct seen *s = ctx;

	assert_true(s->len + len + 1 < sizeof(s->text));
	memcpy(s->text + s->len, line, len);
	s->len += len;
	s->text[s->len++] = '|';
	s->text[s->len] = '\0';
	s->n++;
}

static struct seen
walk(const struct ring *r, size_t last)
{
	struct seen s = { .len = 0 };

	ring_walk(r, last, collect, &s);
	return s;
}

static void
test_last_lines(void **state)
{
	struct ring r;
	struct seen s;

	(void)state;
	ring_init(&r, 1024);
	ring_push(&r, "one", 3);
	ring_push(&r, "two", 3);
	ring_push(&r, "", 0);
	ring_push(&r, "four", 4);
	assert_int_equal(ring_lines(&r), 4);
	s = walk(&r, 100);
	assert_string_equal(s.text, "one|two||four|");
	s = walk(&r, 2);
	assert_string_equal(s.text, "|four|");
	s = walk(&r, 0);
	assert_int_equal(s.n, 0);
	ring_free(&r);
}

/* Old lines go so that new ones fit; memory stays within cap. */
static void
test_evicts(void **state)
{
	struct ring r;
	struct seen s;
	char line[32];
	int i;

	(void)state;
	ring_init(&r, 64);
	for (i = 0; i < 1000; i++) {
		snprintf(line, sizeof(line), "line %d", i);
		ring_push(&r, line, strlen(line));
		assert_true(r.used <= 64);
		assert_true(r.alloc <= 64);
	}
	s = walk(&r, 3);
	assert_string_equal(s.text, "line 997|line 998|line 999|");
	/* 64 bytes hold seven of "line 9NN" with their LFs. */
	assert_int_equal(ring_lines(&r), 7);
	ring_free(&r);
}

/* The buffer grows from small to cap, keeping every line in order. */
static void
test_grows(void **state)
{
	struct ring r;
	struct seen s;
	char line[100];
	int i;

	(void)state;
	ring_init(&r, 64 * 1024);
	for (i = 0; i < 2000; i++) {
		snprintf(line, sizeof(line), "%04d %060d", i, 0);
		ring_push(&r, line, strlen(line));
		assert_true(r.alloc <= 64 * 1024);
	}
	assert_int_equal(r.alloc, 64 * 1024);
	s = walk(&r, 1);
	assert_memory_equal(s.text, "1999 ", 5);
	assert_int_equal(ring_lines(&r), 64 * 1024 / 66);
	ring_free(&r);
}

static void
test_off_and_long(void **state)
{
	char big[RING_LINE_MAX + 100];
	struct ring r;
	struct seen s;

	(void)state;
	ring_init(&r, 0);		/* log_buffer = 0 */
	ring_push(&r, "x", 1);
	assert_int_equal(ring_lines(&r), 0);
	assert_null(r.buf);
	ring_free(&r);
	/* A line longer than the ring keeps its start. */
	ring_init(&r, 10);
	ring_push(&r, "abcdefghijklmnop", 16);
	s = walk(&r, 1);
	assert_string_equal(s.text, "abcdefghi|");
	ring_free(&r);
	memset(big, 'b', sizeof(big));
	ring_init(&r, 8192);
	ring_push(&r, big, sizeof(big));
	s = walk(&r, 1);
	assert_int_equal(s.len, RING_LINE_MAX + 1);
	ring_free(&r);
}

/* Lines pushed one by one, for comparison with runs. */
static void
push_each(struct ring *r, const char *run, size_t len)
{
	const char *p = run, *nl;

	while (p < run + len) {
		nl = memchr(p, '\n', (size_t)(run + len - p));
		ring_push(r, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

static void
expect_same(const struct ring *a, const struct ring *b)
{
	struct seen *x = malloc(sizeof(*x)), *y = malloc(sizeof(*y));

	assert_non_null(x);
	assert_non_null(y);
	assert_int_equal(ring_lines(a), ring_lines(b));
	assert_int_equal(a->used, b->used);
	assert_int_equal(a->alloc, b->alloc);
	*x = walk(a, 1000);
	*y = walk(b, 1000);
	assert_int_equal(x->n, y->n);
	assert_memory_equal(x->text, y->text, x->len);
	free(x);
	free(y);
}

/*
 * A run keeps exactly what pushing its lines one by one keeps, across
 * wrap-around, growth, runs longer than the ring and lines longer than it.
 */
static void
test_run_is_lines_one_by_one(void **state)
{
	size_t caps[] = { 1, 10, 64, 100, 4096, 5000 };
	char run[6000];
	struct ring a, b;
	size_t c, i, len, n, k;
	unsigned seed = 1;

	(void)state;
	for (c = 0; c < sizeof(caps) / sizeof(caps[0]); c++) {
		ring_init(&a, caps[c]);
		ring_init(&b, caps[c]);
		for (i = 0; i < 2000; i++) {
			/* Up to 8 lines of 0 to 40 bytes, now and then one long one. */
			len = 0;
			n = 1 + (seed = seed * 1103515245 + 12345) % 8;
			while (n-- > 0) {
				seed = seed * 1103515245 + 12345;
				k = (seed >> 8) % 41;
				if ((seed >> 16) % 97 == 0)
					k = 1000 + (seed >> 4) % 3000;
				if (len + k + 1 > sizeof(run))
					break;
				memset(run + len, 'a' + (int)(i % 26), k);
				if (k > 0)
					run[len] = (char)('0' + k % 10);
				run[len + k] = '\n';
				len += k + 1;
			}
			ring_push_run(&a, run, len);
			push_each(&b, run, len);
			assert_true(a.used <= caps[c]);
			expect_same(&a, &b);
		}
		ring_free(&a);
		ring_free(&b);
	}
}

/* A run longer than the ring keeps its last lines; an empty run nothing. */
static void
test_run_longer_than_ring(void **state)
{
	struct ring r;
	struct seen s;

	(void)state;
	ring_init(&r, 12);
	ring_push_run(&r, "one\ntwo\nthree\nfour\n", 19);
	s = walk(&r, 10);
	assert_string_equal(s.text, "three|four|");
	ring_push_run(&r, "", 0);
	assert_int_equal(ring_lines(&r), 2);
	/* The last line alone is longer: its start is kept. */
	ring_push_run(&r, "a\nabcdefghijklmn\n", 17);
	s = walk(&r, 10);
	assert_string_equal(s.text, "abcdefghijk|");
	ring_free(&r);
	ring_init(&r, 0);
	ring_push_run(&r, "x\n", 2);
	assert_null(r.buf);
	ring_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_last_lines),
		cmocka_unit_test(test_evicts),
		cmocka_unit_test(test_grows),
		cmocka_unit_test(test_off_and_long),
		cmocka_unit_test(test_run_is_lines_one_by_one),
		cmocka_unit_test(test_run_longer_than_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
