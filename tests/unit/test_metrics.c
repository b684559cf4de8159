/* Unit tests of metrics.c: the exposition format's text. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "metrics.h"

static const char *const states[] = { "STOPPED", "RUNNING", "FATAL" };

static const struct metrics_info info = {
	.version = "1.2.3", .mode = "process", .states = states,
	.nstates = 3, .start_time = 1700000000.5, .reloads = 2,
	.reloads_failed = 1, .control_requests = 7,
};

static char *
encode(const struct metrics_worker *w, size_t n)
{
	static struct pbuf b;

	pbuf_free(&b);
	metrics_encode(&b, &info, w, n);
	assert_false(b.failed);
	return b.data;
}

static void
test_supervisor(void **state)
{
	const char *t;

	(void)state;
	t = encode(NULL, 0);
	assert_non_null(strstr(t, "# TYPE supervise_build_info gauge\n"
	    "supervise_build_info{version=\"1.2.3\",mode=\"process\"} 1\n"));
	assert_non_null(strstr(t, "\nsupervise_start_time_seconds "
	    "1700000000.500\n"));
	assert_non_null(strstr(t, "\nsupervise_reloads_total{result="
	    "\"success\"} 2\nsupervise_reloads_total{result=\"failure\"} 1\n"));
	assert_non_null(strstr(t, "\nsupervise_control_requests_total 7\n"));
	/* Every family is declared even without workers. */
	assert_non_null(strstr(t, "# TYPE supervise_worker_up gauge\n"));
	assert_non_null(strstr(t, "# TYPE supervise_worker_exits_total "
	    "counter\n"));
}

static void
test_worker(void **state)
{
	struct metrics_worker w[2] = {
		{ .name = "web:0", .state = 1, .running = true,
		    .start_time = 1700000100.25, .uptime = 12.5,
		    .restarts = 3, .has_exit = true, .last_code = 0,
		    .last_signal = 11, .has_proc = true, .cpu_seconds = 1.5,
		    .rss_bytes = 4096, .lines = 10, .dropped = 2 },
		{ .name = "db", .state = 2, .has_exit = true,
		    .last_code = 3 },
	};
	const char *t;

	(void)state;
	w[0].exits[EXIT_REASON_SIGNAL] = 3;
	t = encode(w, 2);
	assert_non_null(strstr(t, "\nsupervise_worker_up{worker=\"web:0\"} 1\n"
	    "supervise_worker_up{worker=\"db\"} 0\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_state{worker=\"web:0\","
	    "state=\"STOPPED\"} 0\nsupervise_worker_state{worker=\"web:0\","
	    "state=\"RUNNING\"} 1\nsupervise_worker_state{worker=\"web:0\","
	    "state=\"FATAL\"} 0\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_restarts_total{worker="
	    "\"web:0\"} 3\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_exits_total{worker="
	    "\"web:0\",reason=\"signal\"} 3\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_exits_total{worker="
	    "\"db\",reason=\"spawn\"} 0\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_start_time_seconds{"
	    "worker=\"web:0\"} 1700000100.250\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_uptime_seconds{worker="
	    "\"web:0\"} 12.500\n"));
	/* A signal, or an exit code: one of the two families, not both. */
	assert_non_null(strstr(t, "\nsupervise_worker_last_exit_signal{"
	    "worker=\"web:0\"} 11\n"));
	assert_null(strstr(t, "supervise_worker_last_exit_code{worker="
	    "\"web:0\"}"));
	assert_non_null(strstr(t, "\nsupervise_worker_last_exit_code{worker="
	    "\"db\"} 3\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_cpu_seconds_total{"
	    "worker=\"web:0\"} 1.500\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_resident_memory_bytes{"
	    "worker=\"web:0\"} 4096\n"));
	/* No process, no usage series. */
	assert_null(strstr(t, "supervise_worker_cpu_seconds_total{worker="
	    "\"db\"}"));
	assert_non_null(strstr(t, "\nsupervise_worker_output_lines_total{"
	    "worker=\"web:0\"} 10\n"));
	assert_non_null(strstr(t, "\nsupervise_worker_output_dropped_lines_"
	    "total{worker=\"web:0\"} 2\n"));
}

/* A label value cannot end its quotes or its line. */
static void
test_escape(void **state)
{
	struct metrics_worker w = { .name = "a\"b\\c\nd" };
	const char *t;

	(void)state;
	t = encode(&w, 1);
	assert_non_null(strstr(t, "\nsupervise_worker_up{worker="
	    "\"a\\\"b\\\\c\\nd\"} 0\n"));
}

/* HELP and TYPE come once per family, before its series. */
static void
test_families_once(void **state)
{
	struct metrics_worker w[3] = { { .name = "a" }, { .name = "b" },
		{ .name = "c" } };
	const char *t, *p;
	int n = 0;

	(void)state;
	t = encode(w, 3);
	for (p = t; (p = strstr(p, "# TYPE supervise_worker_up ")) != NULL;
	    p++)
		n++;
	assert_int_equal(n, 1);
	assert_true(strstr(t, "# TYPE supervise_worker_up ") <
	    strstr(t, "supervise_worker_up{"));
	assert_string_equal(metrics_exit_reason(EXIT_REASON_WATCHDOG),
	    "watchdog");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_supervisor),
		cmocka_unit_test(test_worker),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_families_once),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
