/*
 * test_import.c: supervisord.conf to workers.ini (import.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

/* The conversion of text, as a string to free. */
static char *
convert(const char *text, int *n)
{
	char path[] = "/tmp/test_import.XXXXXX", *buf = NULL;
	struct ini_file f = { 0 };
	struct ini_errors errs = { 0 };
	const char *why;
	size_t len = 0;
	FILE *out;
	int fd;

	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(inifile_read(path, &f, &errs, &why), 0);
	unlink(path);
	assert_int_equal(errs.len, 0);
	out = open_memstream(&buf, &len);
	assert_non_null(out);
	*n = import_supervisord(&f, "/srv/app", out);
	fclose(out);
	inifile_free(&f);
	inifile_errors_free(&errs);
	return buf;
}

static void
test_priority_is_start_order(void **state)
{
	char *s;
	int n;

	(void)state;
	s = convert("[program:c]\ncommand=c\n[program:a]\ncommand=a\n"
	    "priority=5\n[program:b]\ncommand=b\npriority=5\n"
	    "[program:d]\ncommand=d\npriority=1000\n", &n);
	assert_int_equal(n, 4);
	/* 5, 5 (file order), 999 by default, 1000. */
	assert_true(strstr(s, "[worker:a]") < strstr(s, "[worker:b]"));
	assert_true(strstr(s, "[worker:b]") < strstr(s, "[worker:c]"));
	assert_true(strstr(s, "[worker:c]") < strstr(s, "[worker:d]"));
	free(s);
}

static void
test_keys(void **state)
{
	static const char *const want[] = {
		"command = run web --dir /srv/app\n", "instances = 3\n",
		"autostart = no\n", "restart = on-failure\n",
		"success_exit = 0 3\n", "min_uptime = 2s\n",
		"restart_limit = 4\n", "stop_signal = QUIT\n",
		"stop_timeout = 7s\n", "user = www\n", "directory = /srv/app\n",
		"env = A=1\n", "env = B=x, y\n", "stdout = file:/srv/app/web.out\n",
		"stderr = null\n",
		("; not mapped: killasgroup = true (no such "
		    "setting in supervise)\n"),
		"; not mapped: process_name = %(program_name)s_%(process_num)d",
	};
	char *s;
	size_t i;
	int n;

	(void)state;
	s = convert("[program:web]\ncommand=run %(program_name)s --dir "
	    "%(here)s\nnumprocs=3\nautostart=false\nautorestart=unexpected\n"
	    "exitcodes=0,3\nstartsecs=2\nstartretries=4\nstopsignal=QUIT\n"
	    "stopwaitsecs=7\nuser=www\ndirectory=%(here)s\n"
	    "environment=A=1,B=\"x, y\"\n"
	    "stdout_logfile=%(here)s/web.out\nstderr_logfile=NONE\n"
	    "killasgroup=true\n"
	    "process_name=%(program_name)s_%(process_num)d\n", &n);
	assert_int_equal(n, 1);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		if (strstr(s, want[i]) == NULL)
			fail_msg("missing \"%s\" in:\n%s", want[i], s);
	free(s);
}

/* Other sections and odd values stay comments, each on one line. */
static void
test_unmapped_stay_comments(void **state)
{
	char *s, *line, *save;
	int n;

	(void)state;
	s = convert("[supervisord]\nnodaemon=true\n[group:g]\nprograms=a\n"
	    "[program:a]\ncommand=a\nenvironment=broken\n"
	    "stopwaitsecs=soon\nautorestart=true\nredirect_stderr=true\n"
	    "stderr_logfile=/x\n", &n);
	assert_int_equal(n, 1);
	assert_non_null(strstr(s, "; not mapped: [supervisord] (1 setting(s))"
	    "\n;   nodaemon = true\n"));
	assert_non_null(strstr(s, "; not mapped: environment = broken"));
	assert_non_null(strstr(s, "; not mapped: stopwaitsecs = soon"));
	assert_non_null(strstr(s, "restart = always\n"));
	/* redirect_stderr wins over stderr_logfile. */
	assert_non_null(strstr(s, "stderr = stdout\n"));
	assert_null(strstr(s, "stderr = file:"));
	for (line = strtok_r(s, "\n", &save); line != NULL;
	    line = strtok_r(NULL, "\n", &save))
		assert_true(line[0] == ';' || line[0] == '[' ||
		    strstr(line, " = ") != NULL);
	free(s);
}

static void
test_no_program(void **state)
{
	char *s;
	int n;

	(void)state;
	s = convert("[supervisord]\nnodaemon=true\n", &n);
	assert_int_equal(n, 0);
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_priority_is_start_order),
		cmocka_unit_test(test_keys),
		cmocka_unit_test(test_unmapped_stay_comments),
		cmocka_unit_test(test_no_program),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
