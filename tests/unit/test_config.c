/*
 * Unit tests of the configuration loader (config.c, keys.c, inifile.c,
 * parse.c).  Each table row, and each case of fixtures/config_errors.txt,
 * is a test of its own, named for the behaviour it checks.  Configs are
 * written to a fresh mkdtemp directory, the working directory while a test
 * runs, so messages read "t.ini:LINE: ...".
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <sys/stat.h>

#include <ftw.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "supervise.h"

#define MAX_TESTS 400
#define THREAD \
	"not available in thread mode (threads share it with supervise)"
#define W "[worker:w]\ncommand = /bin/true\n"	/* lines 1-2 */

static char tmpdir[64];
static char reference[PATH_MAX + 32];

/* Write text to path (relative to the temp dir), making its directory. */
static void
write_file(const char *path, const char *text)
{
	char dir[PATH_MAX], *slash;
	FILE *fp;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) != NULL) {
		*slash = '\0';
		mkdir(dir, 0755);
	}
	assert_non_null(fp = fopen(path, "w"));
	assert_int_equal(fwrite(text, 1, strlen(text), fp), strlen(text));
	assert_int_equal(fclose(fp), 0);
}

/* "%D" in an expected message stands for the temp dir. */
static void
expand(char *buf, size_t len, const char *want)
{
	const char *d = strstr(want, "%D");

	if (d == NULL)
		snprintf(buf, len, "%s", want);
	else
		snprintf(buf, len, "%.*s%s%s", (int)(d - want), want, tmpdir,
		    d + 2);
}

/* Load path and check that exactly the errors in want come, in order. */
static void
check_errors(const char *path, int mode, const char *const *want)
{
	struct errlist errs = { NULL, 0, 0 };
	struct config cfg;
	char buf[2048];
	size_t i, n;
	int r;

	for (n = 0; want[n] != NULL; n++)
		continue;
	r = config_load(path, mode, &cfg, &errs);
	for (i = 0; i < n && i < errs.len; i++) {
		expand(buf, sizeof(buf), want[i]);
		if (strcmp(errs.msg[i], buf) != 0)
			break;
	}
	if (i < n || errs.len != n) {
		for (i = 0; i < errs.len; i++)
			print_message("  got: %s\n", errs.msg[i]);
		for (i = 0; i < n; i++)
			print_message("  want: %s\n", want[i]);
		fail();
	}
	assert_int_equal(r, (int)n);
	if (r == 0)
		config_free(&cfg);
	else
		assert_null(cfg.workers);
	errlist_free(&errs);
}

/* Load text as t.ini; it must load without errors. */
static void
load_ok(const char *text, int mode, struct config *cfg)
{
	struct errlist errs = { NULL, 0, 0 };
	size_t i;

	write_file("t.ini", text);
	if (config_load("t.ini", mode, cfg, &errs) != 0) {
		for (i = 0; i < errs.len; i++)
			print_message("  unexpected: %s\n", errs.msg[i]);
		errlist_free(&errs);
		fail();
	}
	errlist_free(&errs);
}

static const struct worker_config *
worker(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nworkers; i++)
		if (strcmp(cfg->workers[i].name, name) == 0)
			return &cfg->workers[i];
	fail_msg("no worker %s", name);
	return NULL;
}

/* ------------------------------------------------------ errors, by kind */

/* A case of fixtures/config_errors.txt. */
struct error_case {
	char *name;
	int mode;
	char *text;		/* written to t.ini */
	char **want;		/* NULL-terminated */
	size_t nwant;
};

static struct error_case *error_cases;
static size_t nerror_cases;

/* Read the error cases; 0, or -1 if the fixture is malformed. */
static int
read_error_cases(const char *path)
{
	struct error_case *c = NULL, *cs;
	char *line = NULL, **w, *mode;
	size_t sz = 0, tlen;
	bool in_errors = false;
	ssize_t n;
	FILE *fp;

	if ((fp = fopen(path, "r")) == NULL)
		return -1;
	while ((n = getline(&line, &sz, fp)) != -1) {
		if (strncmp(line, "== ", 3) == 0) {
			cs = realloc(error_cases, (nerror_cases + 1) *
			    sizeof(*cs));
			if (cs == NULL)
				break;
			error_cases = cs;
			c = &error_cases[nerror_cases++];
			memset(c, 0, sizeof(*c));
			line[strcspn(line, "\n")] = '\0';
			mode = line + 3 + strcspn(line + 3, " ");
			c->mode = strcmp(mode, " thread") == 0 ? MODE_THREAD :
			    strcmp(mode, " process") == 0 ? MODE_PROCESS : -1;
			*mode = '\0';
			c->name = strdup(line + 3);
			c->text = strdup("");
			c->want = calloc(1, sizeof(*c->want));
			in_errors = false;
		} else if (c == NULL || c->text == NULL || c->want == NULL)
			continue;
		else if (strcmp(line, "-- errors\n") == 0)
			in_errors = true;
		else if (!in_errors) {
			tlen = strlen(c->text);
			if ((c->text = realloc(c->text, tlen + n + 1)) != NULL)
				memcpy(c->text + tlen, line, n + 1);
		} else if (line[0] != '\n') {
			line[strcspn(line, "\n")] = '\0';
			w = realloc(c->want, (c->nwant + 2) * sizeof(*w));
			if (w == NULL)
				break;
			c->want = w;
			c->want[c->nwant++] = strdup(line);
			c->want[c->nwant] = NULL;
		}
	}
	free(line);
	fclose(fp);
	return nerror_cases > 0 ? 0 : -1;
}

static void
free_error_cases(void)
{
	size_t i, j;

	for (i = 0; i < nerror_cases; i++) {
		free(error_cases[i].name);
		free(error_cases[i].text);
		for (j = 0; j < error_cases[i].nwant; j++)
			free(error_cases[i].want[j]);
		free(error_cases[i].want);
	}
	free(error_cases);
}

static void
test_error_case(void **state)
{
	const struct error_case *c = *state;
	size_t i;

	assert_non_null(c->name);
	assert_non_null(c->text);
	assert_non_null(c->want);
	for (i = 0; i < c->nwant; i++)
		assert_non_null(c->want[i]);
	write_file("t.ini", c->text);
	check_errors("t.ini", c->mode, (const char *const *)c->want);
}

/* A NUL byte cannot live in the text fixture. */
static void
test_nul_byte_is_an_error(void **state)
{
	static const char text[] = W "restart = a\0b\n";
	static const char *const want[] = { "t.ini:3: NUL byte in line",
	    NULL };
	FILE *fp;

	(void)state;
	assert_non_null(fp = fopen("t.ini", "w"));
	assert_int_equal(fwrite(text, 1, sizeof(text) - 1, fp),
	    sizeof(text) - 1);
	assert_int_equal(fclose(fp), 0);
	check_errors("t.ini", -1, want);
}

static void
test_missing_file_is_an_error(void **state)
{
	static const char *const want[] = {
	    "nowhere.ini: No such file or directory", NULL };

	(void)state;
	check_errors("nowhere.ini", -1, want);
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
	assert_non_null(wc->fingerprint);
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

/* --------------------------------------------------------- value parsers */

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
		{ "9223372036854775807ms", 0, INT64_MAX },
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

/* ------------------------------------------ INI syntax through the reader */

static void
test_continuation_joins_with_one_space(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok("[worker:w]\ncommand = /bin/echo a\n    b   c\n\td ; note\n"
	    "; a comment line does not end it\n  e\n"
	    "directory = /srv\n  x\n", -1, &cfg);
	wc = worker(&cfg, "w");
	assert_string_equal(wc->argv[0], "/bin/echo");
	assert_string_equal(wc->argv[1], "a");
	assert_string_equal(wc->argv[2], "b");
	assert_string_equal(wc->argv[3], "c");
	assert_string_equal(wc->argv[4], "d");
	assert_string_equal(wc->argv[5], "e");
	assert_null(wc->argv[6]);
	assert_string_equal(wc->directory, "/srv x");
	config_free(&cfg);
}

static void
test_continuation_of_a_quoted_word(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok("[worker:w]\ncommand = sh -c 'echo one\n  two'\n", -1, &cfg);
	wc = worker(&cfg, "w");
	assert_string_equal(wc->argv[2], "echo one two");
	config_free(&cfg);
}

static void
test_indented_first_key_is_a_key(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[worker:w]\n  command = x\n", -1, &cfg);
	assert_string_equal(worker(&cfg, "w")->argv[0], "x");
	config_free(&cfg);
}

static void
test_inline_comments(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok("# hash comment\n; semicolon comment\n"
	    "[worker:w] ; header comment\n"
	    "command = echo a;b #c ; the comment\n"
	    "autostart = no ;\n"
	    "  ; indented comment\n", -1, &cfg);
	wc = worker(&cfg, "w");
	assert_string_equal(wc->argv[1], "a;b");
	assert_string_equal(wc->argv[2], "#c");
	assert_null(wc->argv[3]);
	assert_false(wc->autostart);
	config_free(&cfg);
}

/* Only a ';' after a blank starts a comment. */
static void
test_semicolon_without_blank_is_kept(void **state)
{
	static const char *const want[] = { "t.ini:3: restart: expected "
	    "always, on-failure or never, got \"never;\"", NULL };

	(void)state;
	write_file("t.ini", W "restart = never;\n");
	check_errors("t.ini", -1, want);
}

static void
test_colon_separates_key(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok("[worker:w]\ncommand: /bin/x --a=b\nstdout = file:o.log\n"
	    "restart : never\n", -1, &cfg);
	wc = worker(&cfg, "w");
	assert_string_equal(wc->argv[1], "--a=b");
	assert_int_equal(wc->out.kind, OUTPUT_FILE);
	assert_int_equal(wc->restart, RESTART_NEVER);
	config_free(&cfg);
}

static void
test_line_of_199_bytes_is_fine(void **state)
{
	struct config cfg;
	char text[512], line[200];

	(void)state;
	memset(line, 'x', sizeof(line));
	memcpy(line, "env = X=", 8);
	line[199] = '\0';
	snprintf(text, sizeof(text), W "%s\r\n", line);
	load_ok(text, -1, &cfg);
	assert_int_equal(strlen(worker(&cfg, "w")->env[0]), 199 - 6);
	config_free(&cfg);
}

static void
test_long_section_name_is_not_truncated(void **state)
{
	static const char *const want[] = {
	    "t.ini:1: [worker:abcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghij]: a worker name is 1 to 40 of A-Za-z0-9_.- and not \"all\"",
	    NULL };
	struct config cfg;

	(void)state;
	/* inih would cut a name at 49 bytes: "worker:" and 42 more. */
	write_file("t.ini", "[worker:abcdefghijabcdefghijabcdefghijabcdefghij"
	    "abcdefghij]\ncommand = x\n");
	check_errors("t.ini", -1, want);
	load_ok("[worker:abcdefghijabcdefghijabcdefghijabcdefghij]\n"
	    "command = x\n", -1, &cfg);
	assert_string_equal(cfg.workers[0].name,
	    "abcdefghijabcdefghijabcdefghijabcdefghij");
	config_free(&cfg);
}

static void
test_bom_and_crlf(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("\xef\xbb\xbf[worker:w]\r\ncommand = x\r\n  y\r\n", -1, &cfg);
	assert_string_equal(worker(&cfg, "w")->argv[1], "y");
	config_free(&cfg);
}

/* --------------------------------------------------------------- include */

static void
test_include_order_at_the_include_key(void **state)
{
	struct config cfg;
	const char *order[] = { "first", "a1", "a2", "b1", "c1", "last" };
	size_t i;

	(void)state;
	write_file("conf.d/b.ini", "[worker:b1]\ncommand = x\n");
	write_file("conf.d/a.ini", "[worker:a1]\ncommand = x\n"
	    "[worker:a2]\ncommand = x\n");
	write_file("more/c.conf", "[worker:c1]\ncommand = x\n");
	load_ok("[worker:first]\ncommand = x\n"
	    "[supervisor]\ninclude = conf.d/*.ini none/*.ini more/*.conf\n"
	    "[worker:last]\ncommand = x\n", -1, &cfg);
	assert_int_equal(cfg.nworkers, 6);
	for (i = 0; i < 6; i++)
		assert_string_equal(cfg.workers[i].name, order[i]);
	assert_string_equal(cfg.workers[0].file, "t.ini");
	assert_string_equal(strrchr(cfg.workers[1].file, '/'), "/a.ini");
	assert_true(cfg.workers[1].file[0] == '/');
	assert_int_equal(cfg.workers[2].line, 3);
	config_free(&cfg);
}

static void
test_include_matching_nothing_is_fine(void **state)
{
	struct config cfg;

	(void)state;
	load_ok("[supervisor]\ninclude = nothing/*.ini\n" W, -1, &cfg);
	assert_int_equal(cfg.nworkers, 1);
	config_free(&cfg);
}

static void
test_include_does_not_read_a_file_twice(void **state)
{
	struct config cfg;

	(void)state;
	write_file("inc/a.ini", "[worker:a]\ncommand = x\n");
	load_ok("[supervisor]\ninclude = *.ini inc/a.ini inc/*.ini\n" W,
	    -1, &cfg);
	assert_int_equal(cfg.nworkers, 2);
	assert_string_equal(cfg.workers[0].name, "a");
	config_free(&cfg);
}

static void
test_include_errors_name_the_included_file(void **state)
{
	static const char *const want[] = {
	    "t.ini:3: restart: expected always, on-failure or never, got \"x\"",
	    "%D/conf.d/a.ini:2: restart: expected always, on-failure or "
	    "never, got \"y\"",
	    "%D/conf.d/a.ini:4: expected \"key = value\" or \"[section]\"",
	    "%D/conf.d/b.ini:1: [worker:w]: duplicate worker name (first at "
	    "t.ini:1)",
	    NULL };

	(void)state;
	write_file("conf.d/a.ini", "[worker:a]\nrestart = y\ncommand = x\n"
	    "oops\n");
	write_file("conf.d/b.ini", "[worker:w]\ncommand = x\n");
	write_file("t.ini", W "restart = x\n[supervisor]\n"
	    "include = conf.d/*.ini\n");
	check_errors("t.ini", -1, want);
}

static void
test_include_supervisor_section_is_an_error(void **state)
{
	static const char *const want[] = {
	    "%D/conf.d/a.ini:1: [supervisor]: not allowed in an included file",
	    NULL };

	(void)state;
	write_file("conf.d/a.ini", "[supervisor]\ninclude = *.ini\n"
	    "[worker:a]\ncommand = x\n");
	write_file("t.ini", "[supervisor]\ninclude = conf.d/a.ini\n" W);
	check_errors("t.ini", -1, want);
}

static void
test_include_relative_paths_from_the_included_file(void **state)
{
	struct config cfg;
	char want[PATH_MAX + 32];

	(void)state;
	write_file("conf.d/p.so", "");
	write_file("conf.d/a.ini", "[worker:a]\nplugin = p.so\n");
	load_ok("[supervisor]\ninclude = conf.d/a.ini\n", -1, &cfg);
	snprintf(want, sizeof(want), "%s/conf.d/p.so", tmpdir);
	assert_string_equal(cfg.workers[0].plugin, want);
	config_free(&cfg);
}

static void
test_include_thread_mode_applies(void **state)
{
	static const char *const want[] = {
	    "%D/conf.d/a.ini:2: command: " THREAD,
	    "%D/conf.d/a.ini:3: env: " THREAD, NULL };

	(void)state;
	write_file("conf.d/a.ini", "[worker:a]\ncommand = x\nenv = A=1\n"
	    "plugin = a.ini\n");
	write_file("t.ini", "[supervisor]\ninclude = conf.d/a.ini\n");
	check_errors("t.ini", MODE_THREAD, want);
}

/* ------------------------------------------------------------ start order */

struct order_case {
	const char *name;
	const char *text;	/* "NAME:AFTER" per worker, ';' between */
	const char *want;	/* names in start order */
};

static const struct order_case order_cases[] = {
	{ "order_without_after_is_config_order", "a:;b:;c:", "a b c" },
	{ "order_moves_a_worker_after_its_dependency", "a:c;b:;c:",
	    "b c a" },
	{ "order_moves_only_as_far_as_needed", "a:d;b:;c:a;d:", "b d a c" },
	{ "order_dependency_earlier_changes_nothing", "a:;b:a;c:b", "a b c" },
	{ "order_chain_backwards", "a:b;b:c;c:", "c b a" },
	{ "order_several_dependencies", "a:b,c;b:;c:;d:", "b c a d" },
	{ "order_shared_dependency", "a:c;b:c;c:", "c a b" },
};

static void
test_order_case(void **state)
{
	const struct order_case *c = *state;
	struct config cfg;
	char text[1024], spec[256], got[256], *tok, *last, *colon;
	size_t len = 0, i;

	snprintf(spec, sizeof(spec), "%s", c->text);
	for (tok = strtok_r(spec, ";", &last); tok != NULL;
	    tok = strtok_r(NULL, ";", &last)) {
		colon = strchr(tok, ':');
		*colon = '\0';
		len += snprintf(text + len, sizeof(text) - len,
		    "[worker:%s]\ncommand = x\nafter = %s\n", tok, colon + 1);
	}
	load_ok(text, -1, &cfg);
	for (i = 0, len = 0; i < cfg.nworkers; i++)
		len += snprintf(got + len, sizeof(got) - len, "%s%s",
		    i ? " " : "", cfg.workers[i].name);
	assert_string_equal(got, c->want);
	config_free(&cfg);
}

static void
test_after_names_the_section(void **state)
{
	const struct worker_config *wc;
	struct config cfg;

	(void)state;
	load_ok("[worker:web]\ncommand = x\nafter = db, cache db\n"
	    "[worker:db]\ncommand = x\ninstances = 3\n"
	    "[worker:cache]\ncommand = x\n", -1, &cfg);
	wc = worker(&cfg, "web");
	assert_int_equal(wc->nafter, 2);
	assert_string_equal(wc->after[0], "db");
	assert_string_equal(wc->after[1], "cache");
	assert_null(wc->after[2]);
	assert_string_equal(cfg.workers[2].name, "web");
	config_free(&cfg);
}

/* ----------------------------------------------------------- fingerprint */

static char *
fingerprint_of(const char *text)
{
	struct config cfg;
	char *fp;

	load_ok(text, -1, &cfg);
	assert_non_null(fp = strdup(worker(&cfg, "w")->fingerprint));
	config_free(&cfg);
	return fp;
}

static void
test_fingerprint_ignores_order_spacing_comments(void **state)
{
	char *a, *b;

	(void)state;
	a = fingerprint_of("[worker:w]\ncommand = /bin/x  -a 'b c'\n"
	    "restart = never\nenv = A=1\nenv = B=2\ninstances = 2\n");
	b = fingerprint_of("; a comment\n[worker:w]\nenv=A=1\n"
	    "restart   =   never ; why\ninstances = 5\n"
	    "command = /bin/x\n  -a \"b c\"\nenv = B=2\nautostart = yes\n");
	assert_string_equal(a, b);
	free(a);
	free(b);
}

static void
test_fingerprint_changes_with_any_value(void **state)
{
	static const char *const changes[] = {
		"command = /bin/y", "restart = on-failure", "autostart = no",
		"success_exit = 1", "restart_delay = 1s", "backoff_max = 1s",
		"min_uptime = 2s", "restart_limit = 1", "restart_window = 1s",
		"stop_signal = INT", "stop_timeout = 1s", "directory = /tmp",
		"umask = 077", "env = A=2", "stdout = null", "stderr = null",
		"stdout = file:x", "ready = notify", "start_timeout = 1s",
		"watchdog = 1s", "after = v", "limit_nofile = 10",
		"limit_nproc = 10", "limit_core = 10", "limit_as = 10",
		"limit_cpu = 10",
	};
	const char *base = "[worker:v]\ncommand = x\n[worker:w]\n"
	    "command = /bin/x\nenv = A=1\n";
	char text[512], *a, *b;
	size_t i;

	(void)state;
	a = fingerprint_of(base);
	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (strncmp(changes[i], "command", 7) == 0)
			snprintf(text, sizeof(text), "[worker:v]\ncommand = x\n"
			    "[worker:w]\n%s\nenv = A=1\n", changes[i]);
		else
			snprintf(text, sizeof(text), "%s%s\n", base,
			    changes[i]);
		b = fingerprint_of(text);
		if (strcmp(a, b) == 0)
			fail_msg("\"%s\" leaves the fingerprint as it is",
			    changes[i]);
		free(b);
	}
	free(a);
}

/* ------------------------------------------------------ reference config */

static void
test_reference_config_loads_clean(void **state)
{
	struct errlist errs = { NULL, 0, 0 };
	struct config cfg;
	size_t i;
	int r;

	(void)state;
	r = config_load(reference, -1, &cfg, &errs);
	for (i = 0; i < errs.len; i++)
		print_message("  %s\n", errs.msg[i]);
	assert_int_equal(r, 0);
	assert_true(cfg.nworkers > 0);
	config_free(&cfg);
	errlist_free(&errs);
}

/* The commented-out examples are valid too (those that can run here). */
static void
test_reference_examples_are_valid(void **state)
{
	static const char *const skip[] = { ";plugin", ";args", ";after",
	    ";user", ";group", NULL };
	struct config cfg;
	char line[256], *text = NULL;
	size_t len = 0, i;
	FILE *in, *out;

	(void)state;
	assert_non_null(in = fopen(reference, "r"));
	assert_non_null(out = open_memstream(&text, &len));
	while (fgets(line, sizeof(line), in) != NULL) {
		for (i = 0; skip[i] != NULL; i++)
			if (strncmp(line, skip[i], strlen(skip[i])) == 0)
				break;
		if (skip[i] == NULL && line[0] == ';' &&
		    strchr("abcdefghijklmnopqrstuvwxyz", line[1]) != NULL &&
		    strchr(line, '=') != NULL)
			fputs(line + 1, out);
		else
			fputs(line, out);
	}
	fclose(in);
	assert_int_equal(fclose(out), 0);
	load_ok(text, -1, &cfg);
	assert_int_equal(worker(&cfg, "example")->nenv, 2);
	assert_int_equal(worker(&cfg, "example")->umask, 022);
	assert_true(worker(&cfg, "example")->limits[LIMIT_CPU].set);
	assert_non_null(cfg.socket);
	config_free(&cfg);
	free(text);
}

/* ------------------------------------------------------------------ main */

static int
remove_entry(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Each test starts in an empty temp dir. */
static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_config.XXXXXX");
	if (mkdtemp(tmpdir) == NULL || chdir(tmpdir) == -1)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	if (chdir("/") == -1)
		return -1;
	return nftw(tmpdir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

#define TABLE(t, fn) do { \
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) { \
		tests[n].name = t[i].name; \
		tests[n].test_func = fn; \
		tests[n].setup_func = setup; \
		tests[n].teardown_func = teardown; \
		tests[n++].initial_state = (void *)&t[i]; \
	} \
} while (0)

#define TEST(fn) do { \
	tests[n].name = #fn; \
	tests[n].test_func = fn; \
	tests[n].setup_func = setup; \
	tests[n].teardown_func = teardown; \
	tests[n++].initial_state = NULL; \
} while (0)

int
main(void)
{
	static struct CMUnitTest tests[MAX_TESTS];
	char cwd[PATH_MAX];
	size_t i, n = 0;
	int r;

	/* The unit test's workdir is tests/unit. */
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return 1;
	snprintf(reference, sizeof(reference), "%s/../../conf/reference.ini",
	    cwd);
	if (read_error_cases("fixtures/config_errors.txt") == -1) {
		fprintf(stderr, "test_config: cannot read "
		    "fixtures/config_errors.txt in %s\n", cwd);
		return 1;
	}
	TEST(test_defaults_are_the_spec);
	TABLE(key_cases, test_key_case);
	TEST(test_success_exit_list);
	TEST(test_paths_are_relative_to_the_config);
	TEST(test_outputs);
	TEST(test_limits);
	TEST(test_env_repeats_in_file_order);
	TEST(test_plugin_and_args);
	TEST(test_user_and_group);
	for (i = 0; i < nerror_cases && n < MAX_TESTS - 100; i++) {
		tests[n].name = error_cases[i].name;
		tests[n].test_func = test_error_case;
		tests[n].setup_func = setup;
		tests[n].teardown_func = teardown;
		tests[n++].initial_state = &error_cases[i];
	}
	TEST(test_nul_byte_is_an_error);
	TEST(test_missing_file_is_an_error);
	TEST(test_user_change_needs_root);
	TEST(test_parse_duration);
	TEST(test_parse_size);
	TEST(test_parse_bool);
	TEST(test_parse_signal);
	TEST(test_signal_name);
	TEST(test_split_argv);
	TEST(test_errlist_keeps_every_message);
	TEST(test_continuation_joins_with_one_space);
	TEST(test_continuation_of_a_quoted_word);
	TEST(test_indented_first_key_is_a_key);
	TEST(test_inline_comments);
	TEST(test_semicolon_without_blank_is_kept);
	TEST(test_colon_separates_key);
	TEST(test_line_of_199_bytes_is_fine);
	TEST(test_long_section_name_is_not_truncated);
	TEST(test_bom_and_crlf);
	TEST(test_include_order_at_the_include_key);
	TEST(test_include_matching_nothing_is_fine);
	TEST(test_include_does_not_read_a_file_twice);
	TEST(test_include_errors_name_the_included_file);
	TEST(test_include_supervisor_section_is_an_error);
	TEST(test_include_relative_paths_from_the_included_file);
	TEST(test_include_thread_mode_applies);
	TABLE(order_cases, test_order_case);
	TEST(test_after_names_the_section);
	TEST(test_fingerprint_ignores_order_spacing_comments);
	TEST(test_fingerprint_changes_with_any_value);
	TEST(test_reference_config_loads_clean);
	TEST(test_reference_examples_are_valid);
	r = _cmocka_run_group_tests("config", tests, n, NULL, NULL);
	free_error_cases();
	return r;
}
