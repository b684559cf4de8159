/*
 * Unit tests of the string map (strmap.c) and of the start order over it
 * (order.c) at sizes where a linear lookup would show: a reverse after=
 * chain of 4,000 workers must come out reversed, and a cycle among many
 * must be reported once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strmap.h"

static void
test_put_get_and_duplicates(void **state)
{
	struct strmap m = { 0 };
	size_t v, old = 99;
	char key[32];
	int i;

	(void)state;
	assert_false(strmap_get(&m, "x", &v));
	for (i = 0; i < 100000; i++) {
		snprintf(key, sizeof(key), "w%d", i);
		assert_int_equal(strmap_put(&m, key, (size_t)i, NULL), 0);
	}
	assert_int_equal(m.len, 100000);
	assert_true(m.len * 2 <= m.cap);
	for (i = 0; i < 100000; i += 777) {
		snprintf(key, sizeof(key), "w%d", i);
		assert_true(strmap_get(&m, key, &v));
		assert_int_equal(v, (size_t)i);
	}
	assert_int_equal(strmap_put(&m, "w5", 7, &old), 1);
	assert_int_equal(old, 5);
	assert_true(strmap_get(&m, "w5", &v));
	assert_int_equal(v, 5);		/* the first value stays */
	assert_false(strmap_get(&m, "w100000", &v));
	assert_false(strmap_get(&m, "", &v));
	assert_int_equal(strmap_put(&m, "", 1, NULL), 0);
	assert_true(strmap_get(&m, "", &v));
	strmap_free(&m);
	assert_null(m.slots);
}

/* n workers named w0..w(n-1); worker i has after = w(i+1) if chain. */
static struct worker_config *
workers(size_t n, bool chain, struct strmap *names)
{
	struct worker_config *w = calloc(n, sizeof(*w));
	size_t i;

	assert_non_null(w);
	for (i = 0; i < n; i++) {
		snprintf(w[i].name, sizeof(w[i].name), "w%zu", i);
		assert_int_equal(strmap_put(names, w[i].name, i, NULL), 0);
		if (chain && i + 1 < n) {
			assert_non_null(w[i].after = calloc(2,
			    sizeof(*w[i].after)));
			assert_non_null(w[i].after[0] = malloc(32));
			snprintf(w[i].after[0], 32, "w%zu", i + 1);
			w[i].nafter = 1;
		}
	}
	return w;
}

static void
free_workers(struct worker_config *w, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free_argv(w[i].after);
	free(w);
}

static int nerrors;
static char last_error[256];

static void
record_error(void *ctx, size_t worker, const char *fmt, ...)
{
	va_list ap;

	(void)ctx;
	(void)worker;
	nerrors++;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
}

static void
test_reverse_chain_of_4000_is_reversed(void **state)
{
	struct strmap names = { 0 };
	size_t n = 4000, i, *order = calloc(n, sizeof(*order));
	struct worker_config *w = workers(n, true, &names);

	(void)state;
	nerrors = 0;
	assert_int_equal(order_workers(w, n, &names, order, record_error,
	    NULL), 0);
	assert_int_equal(nerrors, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(order[i], n - 1 - i);
	free(order);
	free_workers(w, n);
	strmap_free(&names);
}

static void
test_no_after_keeps_config_order(void **state)
{
	struct strmap names = { 0 };
	size_t n = 100000, i, *order = calloc(n, sizeof(*order));
	struct worker_config *w = workers(n, false, &names);

	(void)state;
	nerrors = 0;
	assert_int_equal(order_workers(w, n, &names, order, record_error,
	    NULL), 0);
	assert_int_equal(nerrors, 0);
	for (i = 0; i < n; i++)
		assert_int_equal(order[i], i);
	free(order);
	free_workers(w, n);
	strmap_free(&names);
}

static void
test_long_cycle_reported_once(void **state)
{
	struct strmap names = { 0 };
	size_t n = 3000, i, *order = calloc(n, sizeof(*order));
	struct worker_config *w = workers(n, true, &names);

	(void)state;
	/* The last one waits for w1: w1 -> w2 -> ... -> w2999 -> w1. */
	assert_non_null(w[n - 1].after = calloc(2, sizeof(*w[n - 1].after)));
	assert_non_null(w[n - 1].after[0] = strdup("w1"));
	w[n - 1].nafter = 1;
	nerrors = 0;
	assert_int_equal(order_workers(w, n, &names, order, record_error,
	    NULL), 0);
	assert_int_equal(nerrors, 1);
	assert_int_equal(strncmp(last_error, "after: cycle: w1 -> w2 -> ",
	    26), 0);
	/* Every worker placed once; w0 (after w1) after the cycle. */
	for (i = 0; i < n; i++)
		assert_true(order[i] < n);
	assert_int_equal(order[n - 1], 0);
	free(order);
	free_workers(w, n);
	strmap_free(&names);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_put_get_and_duplicates),
		cmocka_unit_test(test_reverse_chain_of_4000_is_reversed),
		cmocka_unit_test(test_no_after_keeps_config_order),
		cmocka_unit_test(test_long_cycle_reported_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
