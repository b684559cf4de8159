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
	/* 64 bytes hold seven of "line 9NN" with their two-byte lengths. */
	assert_int_equal(ring_lines(&r), 6);
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
	assert_int_equal(ring_lines(&r), 64 * 1024 / 67);
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
	assert_string_equal(s.text, "abcdefgh|");
	ring_free(&r);
	memset(big, 'b', sizeof(big));
	ring_init(&r, 8192);
	ring_push(&r, big, sizeof(big));
	s = walk(&r, 1);
	assert_int_equal(s.len, RING_LINE_MAX + 1);
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
