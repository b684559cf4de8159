/*
 * Unit tests of faultline.c: the event-log line of a thread-mode fault,
 * and the timestamp formatter the signal handler shares with the log.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* 2026-12-04T15:37:00.705Z */
static const struct timespec when = { 1796398620, 705000000 };

static const char *
line_of(char *buf, size_t cap, struct fault_report *r)
{
	size_t n;

	r->now = when;
	n = fault_format(buf, cap, r);
	assert_true(n > 0 && n < cap);
	assert_int_equal(buf[n - 1], '\n');
	buf[n - 1] = '\0';
	return buf;
}

static void
timestamp_matches_gmtime(void **state)
{
	static const time_t secs[] = { 0, 59, 86399, 86400, 951782400,
	    951868799, 951868800, 1709164800, 1796398620, 2147483647,
	    4102444800, 253402300799 };
	struct timespec ts;
	struct tm tm;
	char want[64], got[40];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(secs) / sizeof(secs[0]); i++) {
		ts.tv_sec = secs[i];
		ts.tv_nsec = 123456789;
		gmtime_r(&ts.tv_sec, &tm);
		snprintf(want, sizeof(want),
		    "%04d-%02d-%02dT%02d:%02d:%02d.123Z", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		    tm.tm_sec);
		assert_int_equal(log_format_timestamp(got, sizeof(got), &ts),
		    strlen(want));
		assert_string_equal(got, want);
	}
}

static void
timestamp_never_overruns(void **state)
{
	char buf[8];

	(void)state;
	memset(buf, 'x', sizeof(buf));
	assert_int_equal(log_format_timestamp(buf, 5, &when), 4);
	assert_string_equal(buf, "2026");
	assert_int_equal(buf[5], 'x');
}

static void
text_names_worker_fault_and_victims(void **state)
{
	const char *v[] = { "h1", "h2" };
	struct fault_report r = { .sig = SIGSEGV, .worker = "bomb7",
	    .victims = v, .nlisted = 2, .nvictims = 2 };
	char buf[512];

	(void)state;
	assert_string_equal(line_of(buf, sizeof(buf), &r),
	    "2026-12-04T15:37:00.705Z supervise: bomb7: SEGV in a worker "
	    "thread: supervise and 2 other workers (h1, h2) end with it");
}

static void
text_one_victim_and_none(void **state)
{
	const char *v[] = { "h1" };
	struct fault_report r = { .sig = SIGABRT, .worker = "w",
	    .victims = v, .nlisted = 1, .nvictims = 1 };
	char buf[512];

	(void)state;
	assert_non_null(strstr(line_of(buf, sizeof(buf), &r),
	    " w: ABRT in a worker thread: supervise and 1 other worker (h1) "
	    "end with it"));
	r.nlisted = r.nvictims = 0;
	assert_non_null(strstr(line_of(buf, sizeof(buf), &r),
	    " w: ABRT in a worker thread: supervise ends with it, and no "
	    "other worker"));
}

static void
text_stack_overflow_and_kinds(void **state)
{
	static const struct { int sig; const char *name; } kinds[] = {
	    { SIGSEGV, "SEGV" }, { SIGBUS, "BUS" }, { SIGFPE, "FPE" },
	    { SIGILL, "ILL" }, { SIGABRT, "ABRT" } };
	struct fault_report r = { .sig = SIGSEGV, .worker = "deep",
	    .stack_overflow = true };
	char buf[512], want[64];
	size_t i;

	(void)state;
	assert_non_null(strstr(line_of(buf, sizeof(buf), &r),
	    " deep: SEGV (stack overflow) in a worker thread: "));
	r.stack_overflow = false;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		r.sig = kinds[i].sig;
		snprintf(want, sizeof(want), " deep: %s in a worker thread: ",
		    kinds[i].name);
		assert_non_null(strstr(line_of(buf, sizeof(buf), &r), want));
	}
}

static void
text_not_a_worker_is_not_blamed_on_one(void **state)
{
	const char *v[] = { "a", "b" };
	struct fault_report r = { .sig = SIGSEGV, .own_thread = true,
	    .victims = v, .nlisted = 2, .nvictims = 2 };
	char buf[512];

	(void)state;
	assert_string_equal(line_of(buf, sizeof(buf), &r),
	    "2026-12-04T15:37:00.705Z supervise: SEGV in supervise's own "
	    "thread: supervise and 2 workers (a, b) end with it");
	r.own_thread = false;
	assert_non_null(strstr(line_of(buf, sizeof(buf), &r),
	    "supervise: SEGV in a thread that runs no worker: supervise and "
	    "2 workers (a, b) end with it"));
}

static void
json_is_an_event(void **state)
{
	const char *v[] = { "h1", "h\"2" };
	struct fault_report r = { .json = true, .sig = SIGSEGV,
	    .worker = "bomb7", .victims = v, .nlisted = 2, .nvictims = 2 };
	char buf[512];

	(void)state;
	assert_string_equal(line_of(buf, sizeof(buf), &r),
	    "{\"ts\":\"2026-12-04T15:37:00.705Z\",\"event\":\"thread_fault\","
	    "\"worker\":\"bomb7\",\"fault\":\"SEGV\",\"stack_overflow\":false,"
	    "\"thread\":\"worker\",\"victims\":[\"h1\",\"h\\\"2\"],"
	    "\"nvictims\":2}");
	r.worker = NULL;
	r.nlisted = r.nvictims = 0;
	assert_non_null(strstr(line_of(buf, sizeof(buf), &r),
	    "\"worker\":null,\"fault\":\"SEGV\",\"stack_overflow\":false,"
	    "\"thread\":\"other\",\"victims\":[],\"nvictims\":0}"));
}

/* More names than fit: a whole line all the same, the rest counted. */
static void
many_victims_are_counted(void **state)
{
	static char names[1000][48];
	const char *v[1000];
	struct fault_report r = { .sig = SIGBUS, .worker = "w",
	    .victims = v, .nlisted = 1000, .nvictims = 5000 };
	char buf[2048];
	const char *l;
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++) {
		snprintf(names[i], sizeof(names[i]), "worker-with-a-long-name:%zu",
		    i);
		v[i] = names[i];
	}
	l = line_of(buf, sizeof(buf), &r);
	assert_non_null(strstr(l, "supervise and 5000 other workers "
	    "(worker-with-a-long-name:0, worker-with-a-long-name:1, "));
	assert_non_null(strstr(l, " more) end with it"));
	r.json = true;
	l = line_of(buf, sizeof(buf), &r);
	assert_non_null(strstr(l, "\"],\"nvictims\":5000}"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(timestamp_matches_gmtime),
		cmocka_unit_test(timestamp_never_overruns),
		cmocka_unit_test(text_names_worker_fault_and_victims),
		cmocka_unit_test(text_one_victim_and_none),
		cmocka_unit_test(text_stack_overflow_and_kinds),
		cmocka_unit_test(text_not_a_worker_is_not_blamed_on_one),
		cmocka_unit_test(json_is_an_event),
		cmocka_unit_test(many_victims_are_counted),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
