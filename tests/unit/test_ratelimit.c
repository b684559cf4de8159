/* The per-sender counting of rejected events (ratelimit.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "ratelimit.h"

struct seen {
	long key[RATELIMIT_SLOTS + 1];
	unsigned long n[RATELIMIT_SLOTS + 1];
	size_t len;
};

static void
collect(void *ctx, long key, unsigned long n)
{
	struct seen *s = ctx;

	assert_true(s->len < RATELIMIT_SLOTS + 1);
	s->key[s->len] = key;
	s->n[s->len++] = n;
}

static void
first_event_of_a_sender_is_logged_then_counted(void **state)
{
	struct ratelimit rl = { 0 };
	struct seen s = { 0 };
	int i;

	(void)state;
	assert_false(ratelimit_pending(&rl));
	assert_true(ratelimit_hit(&rl, 42));
	for (i = 0; i < 100000; i++)
		assert_false(ratelimit_hit(&rl, 42));
	assert_true(ratelimit_hit(&rl, 43));
	assert_true(ratelimit_pending(&rl));
	ratelimit_flush(&rl, collect, &s);
	/* 43 had only its logged event: nothing to report. */
	assert_int_equal(s.len, 1);
	assert_int_equal(s.key[0], 42);
	assert_int_equal(s.n[0], 100000);
	assert_false(ratelimit_pending(&rl));
}

static void
a_new_window_logs_again(void **state)
{
	struct ratelimit rl = { 0 };
	struct seen s = { 0 };

	(void)state;
	assert_true(ratelimit_hit(&rl, 7));
	ratelimit_flush(&rl, collect, &s);
	assert_int_equal(s.len, 0);
	assert_true(ratelimit_hit(&rl, 7));
}

static void
senders_past_the_table_are_counted_together(void **state)
{
	struct ratelimit rl = { 0 };
	struct seen s = { 0 };
	long k;
	int logged = 0;

	(void)state;
	for (k = 1; k <= 1000; k++)
		logged += ratelimit_hit(&rl, k);
	assert_int_equal(logged, RATELIMIT_SLOTS);
	/* A sender in the table still counts as itself. */
	assert_false(ratelimit_hit(&rl, 1));
	ratelimit_flush(&rl, collect, &s);
	assert_int_equal(s.len, 2);
	assert_int_equal(s.key[0], 1);
	assert_int_equal(s.n[0], 1);
	assert_int_equal(s.key[1], -1);
	assert_int_equal(s.n[1], 1000 - RATELIMIT_SLOTS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(first_event_of_a_sender_is_logged_then_counted),
		cmocka_unit_test(a_new_window_logs_again),
		cmocka_unit_test(senders_past_the_table_are_counted_together),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
