/*
 * Unit tests of the value parsers (parse.c): durations, sizes, booleans,
 * signals, shell-like words, and the error list.  Pure functions: no
 * files, no temp dir.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static void
test_parse_duration(void **state)
{
	static const struct {
		const char *s;
		int ok;
		int64_t ms;
	} t[] = {
		{ "0", 0, 0 }, { "10", 0, 10000 }, { "10s", 0, 10000 },
		{ "250ms", 0, 250 }, { "5m", 0, 300000 }, { "2h", 0, 7200000 },
		{ "0ms", 0, 0 }, { "", -1, 0 }, { "s", -1, 0 },
		{ "1.5s", -1, 0 }, { "-1", -1, 0 }, { "+1", -1, 0 },
		{ " 1", -1, 0 }, { "1 ", -1, 0 }, { "1d", -1, 0 },
		{ "1S", -1, 0 }, { "1sec", -1, 0 }, { "1m30s", -1, 0 },
		{ "99999999999999999999", -1, 0 },
		{ "9223372036854775807h", -1, 0 },
		{ "9223372036854775807ms", -1, 0 },
		/* A hundred years fits; more does not (it must fit in µs). */
		{ "876000h", 0, 876000LL * 3600000 },
		{ "3162240000s", 0, 3162240000000LL },
		{ "3162240001s", -1, 0 },
	};
	size_t i;
	int64_t ms;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ms = -42;
		if (parse_duration(t[i].s, &ms) != t[i].ok ||
		    (t[i].ok == 0 && ms != t[i].ms))
			fail_msg("duration \"%s\": got %" PRId64, t[i].s, ms);
	}
}

static void
test_parse_size(void **state)
{
	static const struct {
		const char *s;
		int ok;
		uint64_t bytes;
	} t[] = {
		{ "0", 0, 0 }, { "512", 0, 512 }, { "1K", 0, 1024 },
		{ "3M", 0, 3 << 20 }, { "2G", 0, 2ULL << 30 },
		{ "1k", -1, 0 }, { "1KB", -1, 0 }, { "1T", -1, 0 },
		{ "", -1, 0 }, { "K", -1, 0 }, { "-1", -1, 0 },
		{ "1.5G", -1, 0 }, { "17179869184G", -1, 0 },
	};
	size_t i;
	uint64_t n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = 42;
		if (parse_size(t[i].s, &n) != t[i].ok ||
		    (t[i].ok == 0 && n != t[i].bytes))
			fail_msg("size \"%s\": got %" PRIu64, t[i].s, n);
	}
}

static void
test_parse_bool(void **state)
{
	static const struct {
		const char *s;
		int ok;
		bool b;
	} t[] = {
		{ "yes", 0, true }, { "no", 0, false }, { "true", 0, true },
		{ "false", 0, false }, { "on", 0, true }, { "off", 0, false },
		{ "1", 0, true }, { "0", 0, false }, { "YES", 0, true },
		{ "False", 0, false }, { "", -1, false }, { "y", -1, false },
		{ "2", -1, false }, { "yes ", -1, false },
	};
	size_t i;
	bool b;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		b = !t[i].b;
		if (parse_bool(t[i].s, &b) != t[i].ok ||
		    (t[i].ok == 0 && b != t[i].b))
			fail_msg("bool \"%s\": got %d", t[i].s, b);
	}
}

static void
test_parse_signal(void **state)
{
	static const struct {
		const char *s;
		int ok;
		int sig;
	} t[] = {
		{ "TERM", 0, SIGTERM }, { "SIGTERM", 0, SIGTERM },
		{ "INT", 0, SIGINT }, { "QUIT", 0, SIGQUIT },
		{ "HUP", 0, SIGHUP }, { "USR1", 0, SIGUSR1 },
		{ "SIGUSR2", 0, SIGUSR2 }, { "KILL", 0, SIGKILL },
		{ "term", 0, SIGTERM }, { "sigkill", 0, SIGKILL },
		{ "SEGV", 0, SIGSEGV }, { "15", 0, 15 }, { "9", 0, 9 },
		{ "64", 0, 64 }, { "0", -1, 0 }, { "65", -1, 0 },
		{ "", -1, 0 }, { "SIG", -1, 0 }, { "TERMX", -1, 0 },
		{ "-15", -1, 0 }, { "15x", -1, 0 },
	};
	size_t i;
	int sig;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		sig = -1;
		if (parse_signal(t[i].s, &sig) != t[i].ok ||
		    (t[i].ok == 0 && sig != t[i].sig))
			fail_msg("signal \"%s\": got %d", t[i].s, sig);
	}
}

static void
test_signal_name(void **state)
{
	(void)state;
	assert_string_equal(signal_name(SIGTERM), "TERM");
	assert_string_equal(signal_name(SIGSEGV), "SEGV");
	assert_string_equal(signal_name(SIGABRT), "ABRT");
	assert_string_equal(signal_name(SIGKILL), "KILL");
	assert_null(signal_name(0));
	assert_null(signal_name(SIGRTMIN));
}

static void
test_split_argv(void **state)
{
	static const struct {
		const char *s;
		int n;
		const char *words[5];
		const char *why;
	} t[] = {
		{ "a b  c", 3, { "a", "b", "c" }, NULL },
		{ "  lead trail  ", 2, { "lead", "trail" }, NULL },
		{ "", 0, { NULL }, NULL },
		{ "'a b' \"c d\"", 2, { "a b", "c d" }, NULL },
		{ "a'b c'd", 1, { "ab cd" }, NULL },
		{ "'' \"\"", 2, { "", "" }, NULL },
		{ "a\\ b", 1, { "a b" }, NULL },
		{ "\\'x", 1, { "'x" }, NULL },
		{ "'a\\b'", 1, { "a\\b" }, NULL },
		{ "\"a\\\"b\\\\c\\d\"", 1, { "a\"b\\c\\d" }, NULL },
		{ "\"it's\" 'say \"hi\"'", 2, { "it's", "say \"hi\"" }, NULL },
		{ "$HOME ~ *", 3, { "$HOME", "~", "*" }, NULL },
		{ "a;b", 1, { "a;b" }, NULL },
		{ "'open", -1, { NULL }, "unbalanced single quote" },
		{ "\"open", -1, { NULL }, "unbalanced double quote" },
		{ "x \"a\\\"", -1, { NULL }, "unbalanced double quote" },
		{ "end\\", -1, { NULL }, "backslash at the end" },
	};
	const char *why;
	char **argv;
	size_t i;
	int j, n;

	(void)state;
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = split_argv(t[i].s, &argv, &why);
		if (n != t[i].n)
			fail_msg("split [%s]: %d words", t[i].s, n);
		if (n < 0) {
			if (argv != NULL || strcmp(why, t[i].why) != 0)
				fail_msg("split [%s]: %s", t[i].s, why);
			continue;
		}
		for (j = 0; j < n; j++)
			if (strcmp(argv[j], t[i].words[j]) != 0)
				fail_msg("split [%s]: word %d is [%s]",
				    t[i].s, j, argv[j]);
		assert_null(argv[n]);
		free_argv(argv);
	}
}

static void
test_errlist_keeps_every_message(void **state)
{
	struct errlist errs = { NULL, 0, 0 };
	int i;

	(void)state;
	for (i = 0; i < 100; i++)
		errlist_add(&errs, "error %d", i);
	assert_int_equal(errs.len, 100);
	assert_string_equal(errs.msg[0], "error 0");
	assert_string_equal(errs.msg[99], "error 99");
	errlist_free(&errs);
	assert_int_equal(errs.len, 0);
	assert_null(errs.msg);
	errlist_add(NULL, "ignored");
}

int
main(void)
{
	static const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_duration),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_bool),
		cmocka_unit_test(test_parse_signal),
		cmocka_unit_test(test_signal_name),
		cmocka_unit_test(test_split_argv),
		cmocka_unit_test(test_errlist_keeps_every_message),
	};

	return cmocka_run_group_tests_name("parse", tests, NULL, NULL);
}
