/*
 * Loading plugins (plugin.c): the ABI check and the entry point, with the
 * errors at the plugin key's line, each plugin loaded once.  The paths of
 * the test plugins come from the environment (tests/meson.build).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"

static struct worker_config wcs[3];
static struct config cfg;

/* One config of n plugin workers, the k-th at line 10 + k. */
static void
setup_config(const char *const *paths, size_t n)
{
	size_t k;

	memset(wcs, 0, sizeof(wcs));
	memset(&cfg, 0, sizeof(cfg));
	for (k = 0; k < n; k++) {
		snprintf(wcs[k].name, sizeof(wcs[k].name), "w%zu", k);
		wcs[k].file = "t.ini";
		wcs[k].line = 9 + (int)k;
		wcs[k].plugin = (char *)paths[k];
		wcs[k].plugin_line = 10 + (int)k;
	}
	cfg.path = "t.ini";
	cfg.workers = wcs;
	cfg.nworkers = n;
}

static const char *
env_path(const char *name)
{
	const char *p = getenv(name);

	if (p == NULL)
		fail_msg("%s is not set", name);
	return p;
}

static void
good_plugin_loads_once(void **state)
{
	struct supervisor sv = { 0 };
	struct errlist errs = { 0 };
	const char *crashy = env_path("CRASHY_PLUGIN");
	const char *paths[] = { crashy, crashy };

	(void)state;
	setup_config(paths, 2);
	assert_int_equal(plugin_load(&sv, &cfg, &errs), 0);
	assert_int_equal(errs.len, 0);
	assert_non_null(plugin_entry(&sv, crashy));
	/* Again, as a reload does: nothing new, the same entry point. */
	assert_int_equal(plugin_load(&sv, &cfg, &errs), 0);
	assert_null(plugin_entry(&sv, "/nonexistent.so"));
	plugin_unload(&sv);
	assert_null(sv.plugins);
}

static void
other_abi_is_an_error_at_its_line(void **state)
{
	struct supervisor sv = { 0 };
	struct errlist errs = { 0 };
	const char *paths[] = { env_path("CRASHY_PLUGIN"),
	    env_path("BAD_ABI_PLUGIN") };

	(void)state;
	setup_config(paths, 2);
	assert_int_equal(plugin_load(&sv, &cfg, &errs), 1);
	assert_int_equal(errs.len, 1);
	assert_string_equal(errs.msg[0],
	    "t.ini:11: plugin: built for ABI 999, this supervise speaks 1");
	assert_null(plugin_entry(&sv, paths[1]));
	assert_non_null(plugin_entry(&sv, paths[0]));
	errlist_free(&errs);
	plugin_unload(&sv);
}

static void
missing_entry_point_is_an_error(void **state)
{
	struct supervisor sv = { 0 };
	struct errlist errs = { 0 };
	const char *paths[] = { env_path("NO_MAIN_PLUGIN") };

	(void)state;
	setup_config(paths, 1);
	assert_int_equal(plugin_load(&sv, &cfg, &errs), 1);
	assert_non_null(strstr(errs.msg[0], "t.ini:10: plugin: "));
	assert_non_null(strstr(errs.msg[0], "no supervise_worker_main"));
	errlist_free(&errs);
	plugin_unload(&sv);
}

static void
not_a_shared_object_is_an_error(void **state)
{
	struct supervisor sv = { 0 };
	struct errlist errs = { 0 };
	const char *paths[] = { "/dev/null", env_path("CRASHY_PLUGIN") };

	(void)state;
	setup_config(paths, 2);
	/* Counted once per plugin; the good one still loads. */
	assert_int_equal(plugin_load(&sv, &cfg, &errs), 1);
	assert_non_null(strstr(errs.msg[0], "t.ini:10: plugin: "));
	assert_non_null(plugin_entry(&sv, paths[1]));
	errlist_free(&errs);
	plugin_unload(&sv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(good_plugin_loads_once),
		cmocka_unit_test(other_abi_is_an_error_at_its_line),
		cmocka_unit_test(missing_entry_point_is_an_error),
		cmocka_unit_test(not_a_shared_object_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
