/*
 * test_usage.c: when a CPU and RSS reading is read again, shown, and
 * which rows a background refresh slice reads (usage.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "usage.h"

#define S 1000000000LL		/* a second in ns */
#define T0 (100 * S)		/* a time after boot */

static void
test_stale(void **state)
{
	struct usage u = { .pid = 42, .valid = true, .taken_ns = T0 };

	(void)state;
	assert_true(usage_stale(NULL, 42, T0));
	assert_false(usage_stale(&u, 42, T0));
	assert_false(usage_stale(&u, 42, T0 + USAGE_FRESH_NS - 1));
	assert_true(usage_stale(&u, 42, T0 + USAGE_FRESH_NS));
	/* Another process of the worker: the reading is not its. */
	assert_true(usage_stale(&u, 43, T0));
	/* A clock that went back: read again rather than trust it. */
	assert_true(usage_stale(&u, 42, T0 - 1));
	/* A failed read is not retried before it is as old. */
	u.valid = false;
	assert_false(usage_stale(&u, 42, T0 + 1));
}

static void
test_showable(void **state)
{
	struct usage u = { .pid = 42, .valid = true, .taken_ns = T0 };

	(void)state;
	assert_false(usage_showable(NULL, 42, T0));
	assert_true(usage_showable(&u, 42, T0));
	/* Stale, but still shown until it is too old to mean anything. */
	assert_true(usage_showable(&u, 42, T0 + 5 * S));
	assert_true(usage_showable(&u, 42, T0 + USAGE_SHOW_NS));
	assert_false(usage_showable(&u, 42, T0 + USAGE_SHOW_NS + 1));
	assert_false(usage_showable(&u, 43, T0));
	assert_false(usage_showable(&u, 0, T0));
	u.valid = false;
	assert_false(usage_showable(&u, 42, T0));
	u.valid = true;
	u.pid = 0;		/* calloc'd, never read */
	assert_false(usage_showable(&u, 0, T0));
}

static void
test_reader(void **state)
{
	(void)state;
	assert_false(usage_reader_active(0, T0));
	assert_true(usage_reader_active(T0, T0));
	assert_true(usage_reader_active(T0, T0 + USAGE_READER_NS - 1));
	assert_false(usage_reader_active(T0, T0 + USAGE_READER_NS));
}

/* A small request reads its stale rows itself, a large one none. */
static void
test_inline_budget(void **state)
{
	(void)state;
	assert_int_equal(usage_inline_budget(0), USAGE_INLINE_READS);
	assert_int_equal(usage_inline_budget(1), USAGE_INLINE_READS);
	assert_int_equal(usage_inline_budget(USAGE_INLINE_READS),
	    USAGE_INLINE_READS);
	assert_int_equal(usage_inline_budget(USAGE_INLINE_READS + 1), 0);
	assert_int_equal(usage_inline_budget(10000), 0);
}

/* Rows as the refresh sees them, and the reads it made. */
struct rows {
	enum usage_row *kind;
	int64_t *due;
	size_t *order;		/* the rows read, in order */
	size_t nread;
	int64_t now;
};

static enum usage_row
look(void *ctx, size_t i, int64_t *due_ns)
{
	struct rows *r = ctx;

	if (r->kind[i] == USAGE_ROW_FRESH)
		*due_ns = r->due[i];
	return r->kind[i];
}

static int64_t
read_row(void *ctx, size_t i)
{
	struct rows *r = ctx;

	assert_int_equal(r->kind[i], USAGE_ROW_STALE);
	r->order[r->nread++] = i;
	r->kind[i] = USAGE_ROW_FRESH;
	r->due[i] = r->now + USAGE_FRESH_NS;
	return r->due[i];
}

static void
rows_init(struct rows *r, size_t n, enum usage_row kind)
{
	size_t i;

	memset(r, 0, sizeof(*r));
	r->kind = calloc(n + 1, sizeof(*r->kind));
	r->due = calloc(n + 1, sizeof(*r->due));
	r->order = calloc(64 * (n + 1), sizeof(*r->order));
	assert_non_null(r->kind);
	assert_non_null(r->due);
	assert_non_null(r->order);
	r->now = T0;
	for (i = 0; i < n; i++) {
		r->kind[i] = kind;
		r->due[i] = T0 + USAGE_FRESH_NS;
	}
}

static void
rows_free(struct rows *r)
{
	free(r->kind);
	free(r->due);
	free(r->order);
}

/* Every stale row is read once, USAGE_SLICE_READS a slice, in order. */
static void
test_slice_reads_bounded(void **state)
{
	struct usage_scan s = { 0 };
	struct rows r;
	size_t i, slices = 0, n = 100, before;
	enum usage_next next;

	(void)state;
	rows_init(&r, n, USAGE_ROW_STALE);
	do {
		before = r.nread;
		next = usage_slice(&s, n, look, read_row, &r);
		assert_true(r.nread - before <= USAGE_SLICE_READS);
		slices++;
	} while (next == USAGE_MORE);
	assert_int_equal(next, USAGE_WAIT);
	assert_int_equal(r.nread, n);
	assert_int_equal(slices, (n + USAGE_SLICE_READS - 1) /
	    USAGE_SLICE_READS);
	for (i = 0; i < n; i++)
		assert_int_equal(r.order[i], i);
	assert_int_equal(s.due_ns, T0 + USAGE_FRESH_NS);
	rows_free(&r);
}

/* Fresh rows cost a look each, USAGE_SLICE_SCAN a slice at most. */
static void
test_slice_scan_bounded(void **state)
{
	struct usage_scan s = { 0 };
	struct rows r;
	size_t slices = 0, n = 10000;
	enum usage_next next;

	(void)state;
	rows_init(&r, n, USAGE_ROW_FRESH);
	r.due[7777] = T0 + 3;	/* the first to go stale */
	do {
		next = usage_slice(&s, n, look, read_row, &r);
		slices++;
	} while (next == USAGE_MORE);
	assert_int_equal(next, USAGE_WAIT);
	assert_int_equal(r.nread, 0);
	assert_int_equal(slices, (n + USAGE_SLICE_SCAN - 1) /
	    USAGE_SLICE_SCAN);
	assert_int_equal(s.due_ns, T0 + 3);
	rows_free(&r);
}

/* One stale row among many fresh ones is found, and read alone. */
static void
test_slice_finds_one(void **state)
{
	struct usage_scan s = { 0 };
	struct rows r;
	size_t n = 5000;
	enum usage_next next;

	(void)state;
	rows_init(&r, n, USAGE_ROW_FRESH);
	r.kind[4321] = USAGE_ROW_STALE;
	r.now = T0 + S / 2;
	while ((next = usage_slice(&s, n, look, read_row, &r)) == USAGE_MORE)
		;
	assert_int_equal(next, USAGE_WAIT);
	assert_int_equal(r.nread, 1);
	assert_int_equal(r.order[0], 4321);
	/* The others go stale first. */
	assert_int_equal(s.due_ns, T0 + USAGE_FRESH_NS);
	rows_free(&r);
}

/* No process to read: the refresh stops. */
static void
test_slice_idle(void **state)
{
	struct usage_scan s = { 0 };
	struct rows r;

	(void)state;
	assert_int_equal(usage_slice(&s, 0, look, read_row, NULL), USAGE_IDLE);
	rows_init(&r, 10, USAGE_ROW_NONE);
	assert_int_equal(usage_slice(&s, 10, look, read_row, &r), USAGE_IDLE);
	assert_int_equal(r.nread, 0);
	/* A later round that finds one to read reads it. */
	r.kind[3] = USAGE_ROW_STALE;
	assert_int_equal(usage_slice(&s, 10, look, read_row, &r), USAGE_WAIT);
	assert_int_equal(r.nread, 1);
	rows_free(&r);
}

/*
 * A round picks up where the slice before stopped; the next round looks
 * at every row again, due time and all; a list that shrank is wrapped.
 */
static void
test_slice_rounds(void **state)
{
	struct usage_scan s = { 0 };
	struct rows r;
	size_t n = 2 * USAGE_SLICE_READS + USAGE_SLICE_READS / 2, i;

	(void)state;
	rows_init(&r, n, USAGE_ROW_STALE);
	assert_int_equal(usage_slice(&s, n, look, read_row, &r), USAGE_MORE);
	assert_int_equal(r.nread, USAGE_SLICE_READS);
	assert_int_equal(usage_slice(&s, n, look, read_row, &r), USAGE_MORE);
	assert_int_equal(r.order[USAGE_SLICE_READS], USAGE_SLICE_READS);
	assert_int_equal(usage_slice(&s, n, look, read_row, &r), USAGE_WAIT);
	assert_int_equal(r.nread, n);
	/* A second later, all stale again: read again, from where it was. */
	r.now += S;
	for (i = 0; i < n; i++)
		r.kind[i] = USAGE_ROW_STALE;
	assert_int_equal(usage_slice(&s, n, look, read_row, &r), USAGE_MORE);
	assert_int_equal(r.order[n], 0);
	/* The list shrinks under the cursor: it wraps, and ends the round. */
	while (usage_slice(&s, 3, look, read_row, &r) == USAGE_MORE)
		;
	assert_int_equal(s.due_ns, r.now + USAGE_FRESH_NS);
	for (i = 0; i < 3; i++)
		assert_int_equal(r.kind[i], USAGE_ROW_FRESH);
	rows_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_showable),
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_inline_budget),
		cmocka_unit_test(test_slice_reads_bounded),
		cmocka_unit_test(test_slice_scan_bounded),
		cmocka_unit_test(test_slice_finds_one),
		cmocka_unit_test(test_slice_idle),
		cmocka_unit_test(test_slice_rounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
