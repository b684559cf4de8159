/*
 * test_clock.c: deadlines on the monotonic clock (clock.c), as the sleeps
 * of plugin workers use them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "clock.h"

static int64_t
ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

/* A deadline is normalized, and as far ahead as asked. */
static void
after_is_ahead_and_normalized(void **state)
{
	static const unsigned ms[] = { 0, 1, 999, 1000, 1500, 86400000 };
	struct timespec end;
	int64_t before, after;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		before = clock_mono_ns();
		clock_mono_after(&end, ms[i]);
		after = clock_mono_ns();
		assert_true(end.tv_nsec >= 0 && end.tv_nsec < 1000000000);
		assert_true(ns_of(&end) >= before + (int64_t)ms[i] * 1000000);
		assert_true(ns_of(&end) <= after + (int64_t)ms[i] * 1000000);
	}
}

/* What is left: normalized, at most what was asked; none once passed. */
static void
left_counts_down_then_stops(void **state)
{
	struct timespec end, left;
	int64_t asked = 10000 * (int64_t)1000000;

	(void)state;
	clock_mono_after(&end, 10000);
	assert_true(clock_mono_left(&end, &left));
	assert_true(left.tv_nsec >= 0 && left.tv_nsec < 1000000000);
	assert_true(ns_of(&left) <= asked);
	assert_true(ns_of(&left) > asked - 5000 * (int64_t)1000000);
	/* A deadline a second ago, its nanoseconds above now's or below. */
	clock_mono_after(&end, 0);
	end.tv_sec -= 1;
	assert_false(clock_mono_left(&end, &left));
	end.tv_nsec = 999999999;
	assert_false(clock_mono_left(&end, &left));
	end.tv_nsec = 0;
	assert_false(clock_mono_left(&end, &left));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(after_is_ahead_and_normalized),
		cmocka_unit_test(left_counts_down_then_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
