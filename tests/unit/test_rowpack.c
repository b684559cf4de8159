/* Unit tests of rowpack.c: rows come back out as they went in. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rowpack.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static void
assert_row_equal(const struct proto_row *got, const struct proto_row *want)
{
	assert_string_equal(got->name, want->name);
	assert_string_equal(got->state, want->state);
	assert_int_equal(got->pid, want->pid);
	assert_int_equal(got->uptime_ms, want->uptime_ms);
	assert_int_equal(got->restarts, want->restarts);
	assert_int_equal(got->last, want->last);
	if (want->last == LAST_CODE)
		assert_int_equal(got->code, want->code);
	if (want->last == LAST_SIGNAL)
		assert_string_equal(got->signal, want->signal);
	else
		assert_null(got->signal);
	if (want->text != NULL && want->text[0] != '\0')
		assert_string_equal(got->text, want->text);
	else
		assert_null(got->text);
	assert_int_equal(got->usage, want->usage);
	if (want->usage) {
		assert_true(got->cpu_ms == want->cpu_ms);
		assert_true(got->rss_bytes == want->rss_bytes);
		assert_int_equal(got->usage_age_ms, want->usage_age_ms);
	}
}

/* Every field, its extremes, states and signals shared or not. */
static void
test_round_trip(void **state)
{
	static const struct proto_row rows[] = {
		{ "web:0", "RUNNING", 1234, 61000, 0, LAST_NONE, 0, NULL,
		    NULL, true, 250, 1 << 20, 7 },
		{ "web:1", "RUNNING", 1235, 61000, 1, LAST_CODE, 3, NULL,
		    "", true, 0, 0, 0 },
		{ "web:2", "BACKOFF", 0, 0, 4294967295UL, LAST_SIGNAL, 0,
		    "SEGV", "listening on :80", false, 0, 0, 0 },
		{ "web:3", "BACKOFF", 0, 0, 2, LAST_SIGNAL, 0, "SEGV", NULL,
		    false, 0, 0, 0 },
		{ "web:4", "FATAL", 0, 0, 2, LAST_SIGNAL, 0, "33", NULL,
		    false, 0, 0, 0 },
		{ "", "RUNNING", 2147483647, INT64_MAX, 5, LAST_CODE, 255,
		    NULL, "\t\n\x7f\xc3\xa9", true, UINT64_MAX, UINT64_MAX,
		    INT64_MAX },
		{ "odd", "EXITED", -1, -5, 0, LAST_CODE, -1, NULL, NULL, true,
		    1, 2, INT64_MIN },
		{ "last", "RUNNING", 1, 1, 1, LAST_SIGNAL, 0, "TERM", "x",
		    false, 0, 0, 0 },
	};
	struct rowpack p = { 0 };
	struct rowpack_cursor c = { 0 };
	struct proto_row got;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(rows); i++)
		rowpack_add(&p, &rows[i]);
	assert_false(p.b.failed);
	assert_int_equal(p.n, NELEM(rows));
	for (i = 0; i < NELEM(rows); i++) {
		assert_true(rowpack_next(&p, &c, &got));
		assert_row_equal(&got, &rows[i]);
	}
	assert_false(rowpack_next(&p, &c, &got));
	assert_false(rowpack_next(&p, &c, &got));
	rowpack_free(&p);
	assert_int_equal(p.n, 0);
}

/* Nothing packed: nothing comes out. */
static void
test_empty(void **state)
{
	struct rowpack p = { 0 };
	struct rowpack_cursor c = { 0 };
	struct proto_row got;

	(void)state;
	assert_false(rowpack_next(&p, &c, &got));
	rowpack_free(&p);
}

/*
 * Many rows of a status take little room: a shared state and no status
 * text cost nothing per row, the numbers only their digits' worth.
 */
static void
test_compact(void **state)
{
	struct rowpack p = { 0 };
	struct rowpack_cursor c = { 0 };
	struct proto_row r = { 0 }, got;
	char name[16];
	size_t i;

	(void)state;
	for (i = 0; i < 10000; i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		r = (struct proto_row){ name, "RUNNING", 20000 + (long)i,
		    600000 + (int64_t)i, 0, LAST_NONE, 0, NULL, NULL, true,
		    10, 1600000, 900 };
		rowpack_add(&p, &r);
	}
	assert_int_equal(p.n, 10000);
	assert_true(p.b.len < 10000 * 24);
	for (i = 0; rowpack_next(&p, &c, &got); i++) {
		snprintf(name, sizeof(name), "s%zu", i);
		assert_string_equal(got.name, name);
		assert_int_equal(got.pid, 20000 + (long)i);
		assert_string_equal(got.state, "RUNNING");
	}
	assert_int_equal(i, 10000);
	rowpack_free(&p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_compact),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
