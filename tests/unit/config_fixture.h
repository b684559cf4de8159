/*
 * What the config test programs (test_config.c, test_config_files.c)
 * share: each test runs in a fresh mkdtemp directory, its working
 * directory, so messages read "t.ini:LINE: ..."; helpers write files
 * there, load them, and check the errors.  Include after cmocka.h and
 * config.h.
 */
#ifndef CONFIG_FIXTURE_H
#define CONFIG_FIXTURE_H

#include <sys/stat.h>

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define W "[worker:w]\ncommand = /bin/true\n"	/* lines 1-2 */

static char tmpdir[64];

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

static __attribute__((unused)) const struct worker_config *
worker(const struct config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nworkers; i++)
		if (strcmp(cfg->workers[i].name, name) == 0)
			return &cfg->workers[i];
	fail_msg("no worker %s", name);
	return NULL;
}

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

#endif
