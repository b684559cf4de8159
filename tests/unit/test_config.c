/*
 * Unit tests of what the configuration's keys mean (config.c, keys.c,
 * users.c): every key's value, the defaults of supervise.ini(5), and the
 * comparison of two sections that tells reload whether a worker changed.  Each table row is a test of its own,
 * named for the behaviour it checks.  The file itself (syntax, include,
 * errors, start order) is test_config_files.c's; the value parsers are
 * test_parse.c's.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <grp.h>
#include <pwd.h>
#include <signal.h>

#include "config.h"
#include "config_fixture.h"

#define MAX_TESTS 100

/* ------------------------------------------------- every key, its value */

enum field_type { F_I64, F_UNSIGNED, F_INT, F_BOOL };

struct key_case {
	const char *name;
	bool supervisor;	/* a [supervisor] key, else a worker key */
	const char *line;
	enum field_type type;
	size_t off;
	int64_t want;
};

static const struct key_case key_cases[] = {
	{ "worker_instances", false, "instances = 3", F_UNSIGNED,
	    offsetof(struct worker_config, instances), 3 },
	{ "worker_autostart", false, "autostart = no", F_BOOL,
	    offsetof(struct worker_config, autostart), 0 },
	{ "worker_restart_on_failure", false, "restart = on-failure", F_INT,
	    offsetof(struct worker_config, restart), RESTART_ON_FAILURE },
	{ "worker_restart_never", false, "restart = never", F_INT,
	    offsetof(struct worker_config, restart), RESTART_NEVER },
	{ "worker_restart_delay", false, "restart_delay = 200ms", F_I64,
	    offsetof(struct worker_config, restart_delay_ms), 200 },
	{ "worker_backoff_max", false, "backoff_max = 2m", F_I64,
	    offsetof(struct worker_config, backoff_max_ms), 120000 },
	{ "worker_min_uptime", false, "min_uptime = 0", F_I64,
	    offsetof(struct worker_config, min_uptime_ms), 0 },
	{ "worker_restart_limit", false, "restart_limit = 5", F_UNSIGNED,
	    offsetof(struct worker_config, restart_limit), 5 },
	{ "worker_restart_window", false, "restart_window = 1h", F_I64,
	    offsetof(struct worker_config, restart_window_ms), 3600000 },
	{ "worker_stop_signal", false, "stop_signal = SIGINT", F_INT,
	    offsetof(struct worker_config, stop_signal), SIGINT },
	{ "worker_stop_signal_number", false, "stop_signal = 3", F_INT,
	    offsetof(struct worker_config, stop_signal), SIGQUIT },
	{ "worker_stop_timeout", false, "stop_timeout = 0", F_I64,
	    offsetof(struct worker_config, stop_timeout_ms), 0 },
	{ "worker_umask", false, "umask = 027", F_INT,
	    offsetof(struct worker_config, umask), 027 },
	{ "worker_ready", false, "ready = notify", F_INT,
	    offsetof(struct worker_config, ready), READY_NOTIFY },
	{ "worker_start_timeout", false, "start_timeout = 90", F_I64,
	    offsetof(struct worker_config, start_timeout_ms), 90000 },
	{ "worker_watchdog", false, "watchdog = 500ms", F_I64,
	    offsetof(struct worker_config, watchdog_ms), 500 },
	{ "supervisor_mode", true, "mode = thread", F_INT,
	    offsetof(struct config, mode), MODE_THREAD },
	{ "supervisor_strategy_one_for_all", true, "strategy = one_for_all",
	    F_INT, offsetof(struct config, strategy), STRATEGY_ONE_FOR_ALL },
	{ "supervisor_strategy_rest_for_one", true, "strategy = rest_for_one",
	    F_INT, offsetof(struct config, strategy), STRATEGY_REST_FOR_ONE },
	{ "supervisor_restart_limit", true, "restart_limit = 10", F_UNSIGNED,
	    offsetof(struct config, restart_limit), 10 },
	{ "supervisor_restart_window", true, "restart_window = 5m", F_I64,
	    offsetof(struct config, restart_window_ms), 300000 },
	{ "supervisor_shutdown_timeout", true, "shutdown_timeout = 0",
	    F_I64, offsetof(struct config, shutdown_timeout_ms), 0 },
	{ "supervisor_log_format", true, "log_format = json", F_INT,
	    offsetof(struct config, log_format), LOG_JSON },
};

static int64_t
read_field(const void *base, const struct key_case *c)
{
	const char *p = (const char *)base + c->off;
	int64_t i64;
	unsigned u;
	int i;
	bool b;

	switch (c->type) {
	case F_I64:
		memcpy(&i64, p, sizeof(i64));
		return i64;
	case F_UNSIGNED:
		memcpy(&u, p, sizeof(u));
		return u;
	case F_INT:
		memcpy(&i, p, sizeof(i));
		return i;
	case F_BOOL:
		memcpy(&b, p, sizeof(b));
		return b;
	}
	return -1;
}

static void
test_key_case(void **state)
{
	const struct key_case *c = *state;
	struct config cfg;
	char text[512];

	/* A plugin keeps thread mode valid for the mode case. */
	if (c->supervisor)
		snprintf(text, sizeof(text), "[supervisor]\n%s\n"
		    "[worker:w]\nplugin = t.ini\n", c->line);
	else
		snprintf(text, sizeof(text), W "%s\n", c->line);
	load_ok(text, -1, &cfg);
	assert_int_equal(cfg.nworkers, 1);
	if (c->supervisor)
		assert_int_equal(read_field(&cfg, c), c->want);
	else
		assert_int_equal(read_field(&cfg.workers[0], c), c->want);
	config_free(&cfg);
}

static void
test_defaults_are_the_spec(void **state)
{
	const struct worker_config *wc;
	struct config cfg;
	size_t i;

	(void)state;
	load_ok(W, -1, &cfg);
	assert_int_equal(cfg.mode, MODE_PROCESS);
	assert_null(cfg.socket);
	assert_int_equal(cfg.strategy, STRATEGY_ONE_FOR_ONE);
	assert_int_equal(cfg.restart_limit, 0);
	assert_int_equal(cfg.restart_window_ms, 60000);
	assert_int_equal(cfg.shutdown_timeout_ms, 30000);
	assert_int_equal(cfg.log_format, LOG_TEXT);
	assert_string_equal(cfg.path, "t.ini");
	wc = worker(&cfg, "w");
	assert_string_equal(wc->file, "t.ini");
	assert_int_equal(wc->line, 1);
	assert_string_equal(wc->argv[0], "/bin/true");
	assert_null(wc->argv[1]);
	assert_null(wc->plugin);
	assert_null(wc->args);
	assert_int_equal(wc->instances, 1);
	assert_true(wc->autostart);
	assert_int_equal(wc->restart, RESTART_ALWAYS);
	assert_int_equal(wc->success_exit[0], 1);
	for (i = 1; i < sizeof(wc->success_exit); i++)
		assert_int_equal(wc->success_exit[i], 0);
	assert_int_equal(wc->restart_delay_ms, 0);
	assert_int_equal(wc->backoff_max_ms, 30000);
	assert_int_equal(wc->min_uptime_ms, 1000);
	assert_int_equal(wc->restart_limit, 0);
	assert_int_equal(wc->restart_window_ms, 60000);
	assert_int_equal(wc->stop_signal, SIGTERM);
	assert_int_equal(wc->stop_timeout_ms, 10000);
	assert_null(wc->directory);
	assert_null(wc->user);
	assert_null(wc->group);
	assert_int_equal(wc->umask, -1);
	assert_null(wc->env);
	assert_int_equal(wc->nenv, 0);
	assert_int_equal(wc->out.kind, OUTPUT_PREFIX);
	assert_int_equal(wc->err.kind, OUTPUT_PREFIX);
	assert_int_equal(wc->ready, READY_NONE);
	assert_int_equal(wc->start_timeout_ms, 30000);
	assert_int_equal(wc->watchdog_ms, 0);
	assert_null(wc->after);
	assert_int_equal(wc->nafter, 0);
	for (i = 0; i < LIMIT_COUNT; i++)
		assert_false(wc->limits[i].set);
	assert_true(config_worker_same(wc, wc));
	config_free(&cfg);
}

static void
test_success_exit_list(void **state)
{
	const struct worker_config *wc;
	struct config cfg;
	int code;

	(void)state;
	load_ok(W "success_exit = 1, 2  255,3\n", -1, &cfg);
	wc = worker(&cfg, "w");
	for (code = 0; code < 256; code++)
		assert_int_equal((wc->success_exit[code / 8] >> (code % 8)) & 1,
		    code == 1 || code == 2 || code == 3 || code == 255);
	config_free(&cfg);
}

static void
test_paths_are_relative_to_the_config(void **state)
{
	const struct worker_config *wc;
	struct config cfg;
	struct errlist errs = { NULL, 0, 0 };
	char want[PATH_MAX + 32];

	(void)state;
	write_file("sub/p.so", "");
	write_file("sub/t.ini", "[supervisor]\nsocket = run/s.sock\n"
	    "[worker:w]\nplugin = ./p.so\nstdout = file:log/out.log\n"
	    "stderr = file:/var/log/err.log\n"
	    "[worker:c]\ncommand = bin/x\ndirectory = work\n");
	assert_int_equal(config_load("sub/t.ini", -1, &cfg, &errs), 0);
	snprintf(want, sizeof(want), "%s/sub/run/s.sock", tmpdir);
	assert_string_equal(cfg.socket, want);
	wc = worker(&cfg, "w");
	snprintf(want, sizeof(want), "%s/sub/p.so", tmpdir);
	assert_string_equal(wc->plugin, want);
	assert_int_equal(wc->out.kind, OUTPUT_FILE);
	snprintf(want, sizeof(want), "%s/sub/log/out.log", tmpdir);
	assert_string_equal(wc->out.path, want);
	assert_int_equal(wc->err.kind, OUTPUT_FILE);
	assert_string_equal(wc->err.path, "/var/log/err.log");
	wc = worker(&cfg, "c");
	assert_string_equal(wc->argv[0], "bin/x");	/* spawn searches */
	snprintf(want, sizeof(want), "%s/sub/work", tmpdir);
	assert_string_equal(wc->directory, want);
	config_free(&cfg);
}

static void
test_outputs(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[worker:a]\ncommand = x\nstdout = inherit\nstderr = null\n"
	    "[worker:b]\ncommand = x\nstdout = null\nstderr = stdout\n"
	    "[worker:c]\ncommand = x\nstdout = prefix\nstderr = inherit\n",
	    -1, &cfg);
	assert_int_equal(worker(&cfg, "a")->out.kind, OUTPUT_INHERIT);
	assert_int_equal(worker(&cfg, "a")->err.kind, OUTPUT_NULL);
	assert_int_equal(worker(&cfg, "b")->out.kind, OUTPUT_NULL);
	assert_int_equal(worker(&cfg, "b")->err.kind, OUTPUT_STDOUT);
	assert_int_equal(worker(&cfg, "c")->out.kind, OUTPUT_PREFIX);
	assert_int_equal(worker(&cfg, "c")->err.kind, OUTPUT_INHERIT);
	config_free(&cfg);
}

static void
test_limits(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok(W "limit_nofile = 4096\nlimit_nproc = infinity\n"
	    "limit_core = 512M\nlimit_as = infinity\nlimit_cpu = 2m\n",
	    -1, &cfg);
	wc = worker(&cfg, "w");
	assert_true(wc->limits[LIMIT_NOFILE].set);
	assert_int_equal(wc->limits[LIMIT_NOFILE].value, 4096);
	assert_true(wc->limits[LIMIT_NPROC].set);
	assert_true(wc->limits[LIMIT_NPROC].value == RLIM_INFINITY);
	assert_int_equal(wc->limits[LIMIT_CORE].value, 512 << 20);
	assert_true(wc->limits[LIMIT_AS].value == RLIM_INFINITY);
	assert_int_equal(wc->limits[LIMIT_CPU].value, 120);
	config_free(&cfg);
}

static void
test_env_repeats_in_file_order(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok(W "env = A=1\nenv = B=x=y ; comment\nenv = C=\nenv = A=2\n"
	    "env = D=\"quoted\" it's\n", -1, &cfg);
	wc = worker(&cfg, "w");
	assert_int_equal(wc->nenv, 5);
	assert_string_equal(wc->env[0], "A=1");
	assert_string_equal(wc->env[1], "B=x=y");
	assert_string_equal(wc->env[2], "C=");
	assert_string_equal(wc->env[3], "A=2");
	assert_string_equal(wc->env[4], "D=\"quoted\" it's");
	assert_null(wc->env[5]);
	config_free(&cfg);
}

static void
test_plugin_and_args(void **state)
{
	const struct worker_config *wc;
	struct config cfg;
	char want[PATH_MAX + 16];

	(void)state;
	write_file("w.so", "");
	load_ok("[worker:w]\nplugin = w.so\nargs = --fault segv 'a b'\n"
	    "[worker:e]\nplugin = w.so\nargs =\n", -1, &cfg);
	wc = worker(&cfg, "w");
	snprintf(want, sizeof(want), "%s/w.so", tmpdir);
	assert_string_equal(wc->plugin, want);
	assert_null(wc->argv);
	assert_string_equal(wc->args[0], "--fault");
	assert_string_equal(wc->args[1], "segv");
	assert_string_equal(wc->args[2], "a b");
	assert_null(wc->args[3]);
	assert_null(worker(&cfg, "e")->args);
	config_free(&cfg);
}

static void
test_user_and_group(void **state)
{
	const struct worker_config *wc;
	struct passwd *pw;
	struct group *gr;
	struct config cfg;
	char text[512], uname[128], gname[128], home[PATH_MAX];
	uid_t uid = geteuid();
	gid_t pgid;

	(void)state;
	assert_non_null(pw = getpwuid(uid));
	snprintf(uname, sizeof(uname), "%s", pw->pw_name);
	snprintf(home, sizeof(home), "%s", pw->pw_dir);
	pgid = pw->pw_gid;
	assert_non_null(gr = getgrgid(getegid()));
	snprintf(gname, sizeof(gname), "%s", gr->gr_name);
	snprintf(text, sizeof(text), "[worker:a]\ncommand = x\nuser = %s\n"
	    "[worker:b]\ncommand = x\nuser = %s\ngroup = %s\n"
	    "[worker:c]\ncommand = x\nuser = %u\n", uname, uname, gname,
	    (unsigned)uid);
	load_ok(text, -1, &cfg);
	wc = worker(&cfg, "a");
	assert_int_equal(wc->uid, uid);
	assert_int_equal(wc->gid, pgid);
	assert_string_equal(wc->home, home);
	wc = worker(&cfg, "b");
	assert_string_equal(wc->group, gname);
	assert_int_equal(wc->gid, getegid());
	assert_int_equal(worker(&cfg, "c")->uid, uid);
	config_free(&cfg);
}

static void
test_user_change_needs_root(void **state)
{
	static const char *const want[] = {
	    "t.ini:3: user: changing user needs root", NULL };

	(void)state;
	if (geteuid() == 0)
		skip();
	write_file("t.ini", W "user = root\n");
	check_errors("t.ini", -1, want);
}

/* ---------------------------------------------------- same settings */

/* Whether worker w has the same settings in text a as in text b. */
static bool
same_in(const char *a, const char *b)
{
	struct config ca, cb;
	bool same;

	load_ok(a, -1, &ca);
	load_ok(b, -1, &cb);
	same = config_worker_same(worker(&ca, "w"), worker(&cb, "w"));
	assert_true(config_worker_same(worker(&cb, "w"), worker(&ca, "w")) ==
	    same);
	config_free(&ca);
	config_free(&cb);
	return same;
}

static void
test_same_ignores_order_spacing_comments(void **state)
{
	(void)state;
	assert_true(same_in("[worker:w]\ncommand = /bin/x  -a 'b c'\n"
	    "restart = never\nenv = A=1\nenv = B=2\ninstances = 2\n",
	    "; a comment\n[worker:w]\nenv=A=1\n"
	    "restart   =   never ; why\ninstances = 5\n"
	    "command = /bin/x\n  -a \"b c\"\nenv = B=2\nautostart = yes\n"));
}

static void
test_same_changes_with_any_value(void **state)
{
	static const char *const changes[] = {
		"command = /bin/y", "command = /bin/x -a", "command = /bin/x y",
		"restart = on-failure", "autostart = no",
		"success_exit = 1", "success_exit = 0 255", "restart_delay = 1s",
		"backoff_max = 1s",
		"min_uptime = 2s", "restart_limit = 1", "restart_window = 1s",
		"stop_signal = INT", "stop_timeout = 1s", "directory = /tmp",
		"umask = 077", "umask = 0", "env = A=2", "env = A=1\nenv = B=1",
		"stdout = null", "stderr = null", "stdout = file:x",
		"stderr = stdout", "stdout = inherit", "ready = notify",
		"start_timeout = 1s", "watchdog = 1s", "after = v",
		"limit_nofile = 10", "limit_nproc = 10", "limit_core = 10",
		"limit_as = 10", "limit_cpu = 10",
	};
	const char *base = "[worker:v]\ncommand = x\n[worker:w]\n"
	    "command = /bin/x\n";
	char text[1024], with_a[512];
	size_t i;

	(void)state;
	snprintf(with_a, sizeof(with_a), "%senv = A=1\n", base);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (strncmp(changes[i], "command", 7) == 0)
			snprintf(text, sizeof(text), "[worker:v]\ncommand = x\n"
			    "[worker:w]\n%s\nenv = A=1\n", changes[i]);
		else if (strncmp(changes[i], "env", 3) == 0)
			snprintf(text, sizeof(text), "%s%s\n", base,
			    changes[i]);
		else
			snprintf(text, sizeof(text), "%s%s\n", with_a,
			    changes[i]);
		if (same_in(with_a, text))
			fail_msg("\"%s\" leaves the worker as it is",
			    changes[i]);
	}
}

/* Two values of a key both set: a limit, a path, a list. */
static void
test_same_compares_values_not_presence(void **state)
{
	static const char *const pairs[][2] = {
		{ "limit_nofile = 10", "limit_nofile = 11" },
		{ "limit_as = infinity", "limit_as = 1G" },
		{ "stdout = file:x", "stdout = file:y" },
		{ "stderr = file:x", "stderr = file:y" },
		{ "directory = /tmp", "directory = /" },
		{ "after = v", "after = v u" },
		{ "after = u v", "after = v u" },
	};
	const char *base = "[worker:v]\ncommand = x\n[worker:u]\n"
	    "command = x\n[worker:w]\ncommand = /bin/x\n";
	char a[512], b[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		snprintf(a, sizeof(a), "%s%s\n", base, pairs[i][0]);
		snprintf(b, sizeof(b), "%s%s\n", base, pairs[i][1]);
		if (same_in(a, b))
			fail_msg("\"%s\" and \"%s\" count as the same",
			    pairs[i][0], pairs[i][1]);
		assert_true(same_in(a, a));
	}
}

/* What reload applies to a running worker does not restart it. */
static void
test_same_leaves_out_what_applies_in_place(void **state)
{
	static const char *const in_place[] = {
		"instances = 3", "log_buffer = 1K", "on_exit = /bin/true",
		"on_fatal = /bin/true", "hook_timeout = 5s",
	};
	const char *base = "[worker:w]\ncommand = /bin/x\n";
	char text[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(in_place) / sizeof(in_place[0]); i++) {
		snprintf(text, sizeof(text), "%s%s\n", base, in_place[i]);
		if (!same_in(base, text))
			fail_msg("\"%s\" counts as a change", in_place[i]);
	}
}

/* ------------------------------------------------------------------ main */

int
main(void)
{
	static struct CMUnitTest tests[MAX_TESTS];
	size_t i, n = 0;

	TEST(test_defaults_are_the_spec);
	TABLE(key_cases, test_key_case);
	TEST(test_success_exit_list);
	TEST(test_paths_are_relative_to_the_config);
	TEST(test_outputs);
	TEST(test_limits);
	TEST(test_env_repeats_in_file_order);
	TEST(test_plugin_and_args);
	TEST(test_user_and_group);
	TEST(test_user_change_needs_root);
	TEST(test_same_ignores_order_spacing_comments);
	TEST(test_same_changes_with_any_value);
	TEST(test_same_compares_values_not_presence);
	TEST(test_same_leaves_out_what_applies_in_place);
	return _cmocka_run_group_tests("config", tests, n, NULL, NULL);
}
