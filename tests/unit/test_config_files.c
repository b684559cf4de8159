/*
 * Unit tests of the configuration as files (config.c, inifile.c): the INI
 * syntax, include, the errors (each case of fixtures/config_errors.txt is
 * a test of its own, named for the behaviour it checks), the start order
 * of after =, and the shipped reference config.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "config.h"
#include "config_fixture.h"

#define MAX_TESTS 400
#define THREAD \
	"not available in thread mode (threads share it with supervise)"

static char reference[PATH_MAX + 32];

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

/* Thousands of continuation lines of every length: each word in place. */
static void
test_long_continuation(void **state)
{
	const struct worker_config *wc;
	struct config cfg;
	char *text, word[160];
	size_t len = 0, cap = 4 * 1024 * 1024, i, n = 5000;

	(void)state;
	assert_non_null(text = malloc(cap));
	len += snprintf(text + len, cap - len, "[worker:w]\ncommand = x\n");
	for (i = 0; i < n; i++) {
		memset(word, 'a' + i % 26, sizeof(word));
		word[1 + i % 150] = '\0';
		len += snprintf(text + len, cap - len, "  %s%zu\n", word, i);
	}
	len += snprintf(text + len, cap - len, "autostart = no\n");
	load_ok(text, -1, &cfg);
	wc = worker(&cfg, "w");
	assert_string_equal(wc->argv[0], "x");
	for (i = 0; i < n; i++) {
		memset(word, 'a' + i % 26, sizeof(word));
		snprintf(word + 1 + i % 150, 16, "%zu", i);
		assert_non_null(wc->argv[i + 1]);
		assert_string_equal(wc->argv[i + 1], word);
	}
	assert_null(wc->argv[n + 1]);
	assert_false(wc->autostart);
	config_free(&cfg);
	free(text);
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

/*
 * after= resolved both ways round, in start order: web (after db and
 * cache) moves behind them; each worker's instances are numbered on from
 * those before it.
 */
static void
test_after_links_in_start_order(void **state)
{
	const struct worker_config *web, *db, *cache, *log;
	struct config cfg;

	(void)state;
	load_ok("[worker:web]\ncommand = x\nafter = db, cache\ninstances = 2\n"
	    "[worker:db]\ncommand = x\ninstances = 3\n"
	    "[worker:cache]\ncommand = x\nafter = db\n"
	    "[worker:log]\ncommand = x\n", -1, &cfg);
	db = &cfg.workers[0];
	cache = &cfg.workers[1];
	web = &cfg.workers[2];
	log = &cfg.workers[3];
	assert_string_equal(db->name, "db");
	assert_string_equal(cache->name, "cache");
	assert_string_equal(web->name, "web");
	assert_string_equal(log->name, "log");
	assert_non_null(cfg.links);
	assert_int_equal(db->first_instance, 0);
	assert_int_equal(cache->first_instance, 3);
	assert_int_equal(web->first_instance, 4);
	assert_int_equal(log->first_instance, 6);
	assert_int_equal(web->after_index[0], 0);	/* db */
	assert_int_equal(web->after_index[1], 1);	/* cache */
	assert_int_equal(cache->after_index[0], 0);
	assert_int_equal(db->ndependents, 2);
	assert_int_equal(db->dependents[0], 1);		/* cache, then web */
	assert_int_equal(db->dependents[1], 2);
	assert_int_equal(cache->ndependents, 1);
	assert_int_equal(cache->dependents[0], 2);
	assert_int_equal(web->ndependents, 0);
	assert_int_equal(log->ndependents, 0);
	assert_int_equal(log->nafter, 0);
	config_free(&cfg);
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
		fprintf(stderr, "test_config_files: cannot read "
		    "fixtures/config_errors.txt in %s\n", cwd);
		return 1;
	}
	for (i = 0; i < nerror_cases && n < MAX_TESTS - 100; i++) {
		tests[n].name = error_cases[i].name;
		tests[n].test_func = test_error_case;
		tests[n].setup_func = setup;
		tests[n].teardown_func = teardown;
		tests[n++].initial_state = &error_cases[i];
	}
	TEST(test_nul_byte_is_an_error);
	TEST(test_missing_file_is_an_error);
	TEST(test_continuation_joins_with_one_space);
	TEST(test_continuation_of_a_quoted_word);
	TEST(test_long_continuation);
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
	TEST(test_after_links_in_start_order);
	TEST(test_reference_config_loads_clean);
	TEST(test_reference_examples_are_valid);
	r = _cmocka_run_group_tests("config_files", tests, n, NULL, NULL);
	free_error_cases();
	return r;
}
