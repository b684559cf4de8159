/*
 * test_procstat.c: parsing /proc/PID/stat, and reading our own.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "procstat.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A real line of proc(5), with the fields after rss trimmed or not. */
#define TAIL_AFTER_RSS " 18446744073709551615 94 2000 0 0 0 0 0 0 0 0 0 " \
	"0 0 0 17 1 0 0 0 0 0\n"

static int
parse(const char *line, struct procstat *ps)
{
	return procstat_parse(line, strlen(line), 100, 4096, ps);
}

static void
test_parse_plain(void **state)
{
	struct procstat ps;

	(void)state;
	assert_int_equal(parse("4121 (crashy) S 4120 4121 4120 0 -1 4194560 "
	    "120 0 0 0 250 130 0 0 20 0 1 0 98765 5000000 300"
	    TAIL_AFTER_RSS, &ps), 0);
	assert_int_equal(ps.state, 'S');
	assert_int_equal(ps.ppid, 4120);
	assert_int_equal(ps.cpu_ms, 3800);	/* (250 + 130) ticks at 100 Hz */
	assert_int_equal(ps.start_ticks, 98765);
	assert_int_equal(ps.rss_bytes, 300 * 4096);
}

/* The command name may hold spaces and parentheses: the last ')' counts. */
static void
test_parse_hostile_name(void **state)
{
	static const char *const names[] = {
		"a b", ") S 1 2 3", "((", "x) R 99 (", ")", "", "12345678901234)",
	};
	char line[512];
	struct procstat ps;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(names); i++) {
		snprintf(line, sizeof(line), "77 (%s) R 1 77 77 0 -1 0 0 0 0 0 "
		    "7 3 0 0 20 0 1 0 5 100 2" TAIL_AFTER_RSS, names[i]);
		assert_int_equal(parse(line, &ps), 0);
		assert_int_equal(ps.state, 'R');
		assert_int_equal(ps.ppid, 1);
		assert_int_equal(ps.cpu_ms, 100);
		assert_int_equal(ps.rss_bytes, 2 * 4096);
	}
}

/* A zombie has no memory left; the line may end right after rss. */
static void
test_parse_zombie_and_short(void **state)
{
	struct procstat ps;

	(void)state;
	assert_int_equal(parse("9 (z) Z 1 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 "
	    "5 0 0\n", &ps), 0);
	assert_int_equal(ps.state, 'Z');
	assert_int_equal(ps.rss_bytes, 0);
	assert_int_equal(ps.cpu_ms, 20);
	assert_int_equal(parse("9 (z) Z 1 9 9 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 "
	    "5 0 -3", &ps), 0);
	assert_int_equal(ps.rss_bytes, 0);
}

static void
test_parse_rejects(void **state)
{
	static const char *const bad[] = {
		"",
		"1 (x",
		"1 x) S 1",
		"no parens at all S 1 2 3",
		"1 (x) S 1 2 3",				/* cut short */
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 a 1 0 0 20 0 1 0 5 0 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 -1 1 0 0 20 0 1 0 5 0 1",
		"1 (x) S -2 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 1",
		"1 (x) S 1  1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 1",
		"1 (x)  S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 99999999999999999999999 1 0 0 "
		    "20 0 1 0 5 0 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 9223372036854775807 1 0 0 "
		    "20 0 1 0 5 0 1",
		"1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 20 0 1 0 5 0 ",
	};
	struct procstat ps;
	size_t i;

	(void)state;
	for (i = 0; i < NELEM(bad); i++)
		if (parse(bad[i], &ps) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
	assert_int_equal(procstat_parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 "
	    "20 0 1 0 5 0 1", 43, 0, 4096, &ps), -1);
	assert_int_equal(procstat_parse("1 (x) S 1 1 1 0 -1 0 0 0 0 0 1 1 0 0 "
	    "20 0 1 0 5 0 1", 43, 100, 0, &ps), -1);
}

/* Only len bytes are read: no NUL needed, nothing read past it. */
static void
test_parse_len_bound(void **state)
{
	static const char line[] = "5 (w) S 1 5 5 0 -1 0 0 0 0 0 1 2 0 0 20 0 "
	    "1 0 5 0 7 trailing";
	struct procstat ps;
	char *copy;

	(void)state;
	copy = malloc(strlen(line));
	assert_non_null(copy);
	memcpy(copy, line, strlen(line));	/* no NUL */
	assert_int_equal(procstat_parse(copy, strlen(line), 100, 4096, &ps),
	    0);
	assert_int_equal(ps.rss_bytes, 7 * 4096);
	/* Cut inside the rss field: 7 is never seen. */
	assert_int_equal(procstat_parse(copy, strlen(line) - 10, 100, 4096,
	    &ps), -1);
	free(copy);
}

/*
 * Our own child: its parent is us; once reaped it is gone.  RSS comes
 * from the kernel's per-cpu counters, which a process just forked may not
 * have folded yet: it is checked on ourselves, who have run a while.
 */
static void
test_read_child(void **state)
{
	struct procstat ps, self;
	pid_t pid;
	int st, rc, self_rc;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		pause();
		_exit(0);
	}
	rc = procstat_read(pid, &ps);
	kill(pid, SIGKILL);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(rc, 0);
	assert_int_equal(ps.ppid, getpid());
	self_rc = procstat_read(getpid(), &self);
	assert_int_equal(self_rc, 0);
	assert_true(self.rss_bytes > 0);
	errno = 0;
	assert_int_equal(procstat_read(pid, &ps), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procstat_read(0, &ps), -1);
	assert_int_equal(errno, ESRCH);
	assert_int_equal(procstat_read(-1, &ps), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_plain),
		cmocka_unit_test(test_parse_hostile_name),
		cmocka_unit_test(test_parse_zombie_and_short),
		cmocka_unit_test(test_parse_rejects),
		cmocka_unit_test(test_parse_len_bound),
		cmocka_unit_test(test_read_child),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
