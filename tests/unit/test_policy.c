/* The restart policy: decisions, backoff, windows and limits. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <string.h>
#include <sys/wait.h>

#include "engine.h"

#define EXIT(n) W_EXITCODE((n), 0)
#define KILLED(sig) W_EXITCODE(0, (sig))

static struct worker_config
config(enum sv_restart restart)
{
	struct worker_config wc;

	memset(&wc, 0, sizeof(wc));
	wc.restart = restart;
	wc.success_exit[0] = 1;		/* exit 0 */
	wc.backoff_max_ms = 30000;
	return wc;
}

static void
restart_decisions(void **state)
{
	static const struct {
		enum sv_restart restart;
		int wstatus;
		int stop_sig_sent;
		bool restart_expected;
	} cases[] = {
		{ RESTART_ALWAYS, EXIT(0), 0, true },
		{ RESTART_ALWAYS, EXIT(1), 0, true },
		{ RESTART_ALWAYS, KILLED(SIGSEGV), 0, true },
		{ RESTART_NEVER, EXIT(1), 0, false },
		{ RESTART_NEVER, KILLED(SIGSEGV), 0, false },
		{ RESTART_ON_FAILURE, EXIT(0), 0, false },
		{ RESTART_ON_FAILURE, EXIT(1), 0, true },
		{ RESTART_ON_FAILURE, EXIT(255), 0, true },
		{ RESTART_ON_FAILURE, KILLED(SIGSEGV), 0, true },
		{ RESTART_ON_FAILURE, KILLED(SIGTERM), 0, true },
		{ RESTART_ON_FAILURE, KILLED(SIGTERM), SIGTERM, false },
		{ RESTART_ON_FAILURE, KILLED(SIGKILL), SIGTERM, true },
		{ RESTART_ON_FAILURE, KILLED(SIGINT), SIGINT, false },
	};
	struct worker_config wc;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		wc = config(cases[i].restart);
		assert_int_equal(policy_should_restart(&wc, cases[i].wstatus,
		    cases[i].stop_sig_sent), cases[i].restart_expected);
	}
}

static void
success_exit_set(void **state)
{
	struct worker_config wc = config(RESTART_ON_FAILURE);

	(void)state;
	memset(wc.success_exit, 0, sizeof(wc.success_exit));
	wc.success_exit[255 / 8] |= 1 << (255 % 8);
	wc.success_exit[3 / 8] |= 1 << 3;
	assert_true(policy_is_success(&wc, EXIT(3)));
	assert_true(policy_is_success(&wc, EXIT(255)));
	assert_false(policy_is_success(&wc, EXIT(0)));
	assert_false(policy_is_success(&wc, KILLED(SIGTERM)));
}

static void
backoff_doubles_from_100ms(void **state)
{
	struct worker_config wc = config(RESTART_ALWAYS);
	int64_t expect[] = { 0, 100, 200, 400, 800, 1600, 3200, 6400, 12800,
	    25600, 30000, 30000 };
	unsigned k;

	(void)state;
	for (k = 0; k < sizeof(expect) / sizeof(expect[0]); k++)
		assert_int_equal(policy_backoff(&wc, k), expect[k]);
	assert_int_equal(policy_backoff(&wc, 200), 30000);
}

static void
backoff_starts_at_restart_delay(void **state)
{
	struct worker_config wc = config(RESTART_ALWAYS);

	(void)state;
	wc.restart_delay_ms = 500;
	wc.backoff_max_ms = 3000;
	assert_int_equal(policy_backoff(&wc, 0), 500);
	assert_int_equal(policy_backoff(&wc, 1), 500);
	assert_int_equal(policy_backoff(&wc, 2), 1000);
	assert_int_equal(policy_backoff(&wc, 3), 2000);
	assert_int_equal(policy_backoff(&wc, 4), 3000);
	wc.restart_delay_ms = 20;	/* below the 100ms floor */
	assert_int_equal(policy_backoff(&wc, 0), 20);
	assert_int_equal(policy_backoff(&wc, 1), 100);
}

static void
backoff_never_overflows(void **state)
{
	struct worker_config wc = config(RESTART_ALWAYS);

	(void)state;
	wc.restart_delay_ms = INT64_MAX / 4;
	wc.backoff_max_ms = INT64_MAX - 1;
	assert_int_equal(policy_backoff(&wc, 2), INT64_MAX / 4 * 2);
	assert_int_equal(policy_backoff(&wc, 3), INT64_MAX / 4 * 4);
	assert_int_equal(policy_backoff(&wc, 4), INT64_MAX - 1);
	assert_int_equal(policy_backoff(&wc, 64), INT64_MAX - 1);
}

static void
backoff_max_below_base(void **state)
{
	struct worker_config wc = config(RESTART_ALWAYS);

	(void)state;
	wc.backoff_max_ms = 50;
	assert_int_equal(policy_backoff(&wc, 1), 50);
}

static void
window_without_limit_admits_all(void **state)
{
	struct restart_window win = { 0 };
	int i;

	(void)state;
	for (i = 0; i < 1000; i++)
		assert_true(window_admit(&win, 0, 60000, i));
	window_free(&win);
}

static void
window_refuses_limit_plus_one(void **state)
{
	struct restart_window win;

	(void)state;
	assert_int_equal(window_init(&win, 3), 0);
	assert_true(window_admit(&win, 3, 60000, 0));
	assert_true(window_admit(&win, 3, 60000, 10));
	assert_true(window_admit(&win, 3, 60000, 20));
	assert_false(window_admit(&win, 3, 60000, 59999));
	/* 60s after the first, one more fits. */
	assert_true(window_admit(&win, 3, 60000, 60000));
	assert_false(window_admit(&win, 3, 60000, 60009));
	assert_true(window_admit(&win, 3, 60000, 60010));
	window_reset(&win);
	assert_true(window_admit(&win, 3, 60000, 60011));
	window_free(&win);
}

static void
window_resizes_with_limit(void **state)
{
	struct restart_window win;

	(void)state;
	assert_int_equal(window_init(&win, 1), 0);
	assert_true(window_admit(&win, 1, 1000, 0));
	assert_false(window_admit(&win, 1, 1000, 1));
	assert_true(window_admit(&win, 2, 1000, 2));
	assert_true(window_admit(&win, 2, 1000, 3));
	assert_false(window_admit(&win, 2, 1000, 4));
	window_free(&win);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(restart_decisions),
		cmocka_unit_test(success_exit_set),
		cmocka_unit_test(backoff_doubles_from_100ms),
		cmocka_unit_test(backoff_starts_at_restart_delay),
		cmocka_unit_test(backoff_max_below_base),
		cmocka_unit_test(backoff_never_overflows),
		cmocka_unit_test(window_without_limit_admits_all),
		cmocka_unit_test(window_refuses_limit_plus_one),
		cmocka_unit_test(window_resizes_with_limit),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
