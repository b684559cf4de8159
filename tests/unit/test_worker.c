/*
 * The worker state machine, driven through a fake host: every transition,
 * without a fork or a real clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "worker_fixture.h"

static void
start_spawns_and_waits_min_uptime(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(w->pid, 100);
	assert_int_equal(fake.deadline[0], fake.now + 1000);
	worker_exec_ok(w);
	assert_int_equal(w->state, STATE_STARTING);
	fake_fire(w);
	assert_int_equal(w->state, STATE_RUNNING);
}

static void
zero_min_uptime_runs_at_exec(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].min_uptime_ms = 0;
	worker_start(w);
	assert_int_equal(fake.deadline[0], -1);
	worker_exec_ok(w);
	assert_int_equal(w->state, STATE_RUNNING);
}

static void
start_is_noop_when_up(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_start(w);
	assert_int_equal(w->state, STATE_RUNNING);
	assert_int_equal(fake.spawns, 1);
}

static void
exit_after_running_restarts_with_restart_delay(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_exited(w, EXIT(1), 0, NULL);
	/* restart_delay 0: spawned again at once. */
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(w->pid, 101);
	assert_int_equal(w->restarts, 1);
	assert_int_equal(w->failures, 0);

	fake_fire(w);
	f->wc[0].restart_delay_ms = 500;
	worker_exited(w, EXIT(0), 0, NULL);
	assert_int_equal(w->state, STATE_BACKOFF);
	assert_int_equal(fake.deadline[0], fake.now + 500);
	fake_fire(w);
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(w->restarts, 2);
}

static void
failed_starts_back_off_exponentially(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];
	int64_t expect[] = { 100, 200, 400, 800, 1600, 3200 };
	size_t i;

	f->wc[0].backoff_max_ms = 2000;
	worker_start(w);
	for (i = 0; i < 6; i++) {
		worker_exited(w, EXIT(1), 0, NULL);
		assert_int_equal(w->state, STATE_BACKOFF);
		assert_int_equal(fake.deadline[0] - fake.now,
		    expect[i] < 2000 ? expect[i] : 2000);
		fake_fire(w);
		assert_int_equal(w->state, STATE_STARTING);
	}
	/* A good start resets it. */
	fake_fire(w);
	assert_int_equal(w->state, STATE_RUNNING);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->failures, 0);
	assert_int_equal(w->state, STATE_STARTING);
}

static void
restart_never_exits(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart = RESTART_NEVER;
	w = running(f, 0);
	worker_exited(w, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(w->state, STATE_EXITED);
	assert_int_equal(w->pid, 0);
	assert_true(w->has_exited);
	assert_int_equal(w->restarts, 0);
	assert_false(worker_should_run(w));
}

static void
on_failure_restarts_failures_only(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart = RESTART_ON_FAILURE;
	w = running(f, 0);
	worker_exited(w, EXIT(3), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
	fake_fire(w);
	worker_exited(w, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
	fake_fire(w);
	worker_exited(w, EXIT(0), 0, NULL);
	assert_int_equal(w->state, STATE_EXITED);
}

static void
success_exit_replaces_zero(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart = RESTART_ON_FAILURE;
	f->wc[0].success_exit[0] = 0;
	f->wc[0].success_exit[1] = 1 << 2;	/* 10 */
	w = running(f, 0);
	worker_exited(w, EXIT(10), 0, NULL);
	assert_int_equal(w->state, STATE_EXITED);
	worker_start(w);
	fake_fire(w);
	worker_exited(w, EXIT(0), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
}

static void
restart_limit_makes_fatal(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart_limit = 2;
	window_free(&f->w[0]->window);
	w = running(f, 0);
	worker_exited(w, EXIT(1), 0, NULL);
	fake_fire(w);
	worker_exited(w, EXIT(1), 0, NULL);
	fake_fire(w);
	assert_int_equal(w->restarts, 2);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_FATAL);
	assert_string_equal(w->reason, "2 restarts within 60s");
	assert_true(worker_should_run(w));

	/* start revives it with its limits reset. */
	worker_start(w);
	assert_int_equal(w->state, STATE_STARTING);
	assert_null(w->reason);
	fake_fire(w);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
}

static void
restart_window_slides(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart_limit = 1;
	f->wc[0].restart_window_ms = 5000;
	w = running(f, 0);
	worker_exited(w, EXIT(1), 0, NULL);
	fake_fire(w);
	fake.now += 6000;
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
	fake_fire(w);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_FATAL);
}

static void
stop_signals_then_kills_after_timeout(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_stop(w);
	assert_int_equal(w->state, STATE_STOPPING);
	assert_int_equal(fake.nsignals, 2);
	assert_int_equal(fake.signals[0], SIGTERM);
	assert_int_equal(fake.signals[1], SIGCONT);
	assert_int_equal(fake.deadline[0], fake.now + 10000);
	fake_fire(w);
	assert_int_equal(fake.signals[2], SIGKILL);
	assert_int_equal(w->state, STATE_STOPPING);
	worker_exited(w, KILLED(SIGKILL), 0, NULL);
	assert_int_equal(w->state, STATE_STOPPED);
	assert_int_equal(w->restarts, 0);
	assert_false(worker_should_run(w));
}

static void
stop_timeout_zero_kills_at_once(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].stop_timeout_ms = 0;
	w = running(f, 0);
	worker_stop(w);
	assert_int_equal(fake.nsignals, 1);
	assert_int_equal(fake.signals[0], SIGKILL);
	assert_int_equal(fake.deadline[0], -1);
}

static void
stopped_worker_is_never_restarted(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_stop(w);
	/* It crashes while stopping: still stopped, not restarted. */
	worker_exited(w, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(w->state, STATE_STOPPED);
	assert_int_equal(fake.spawns, 1);
}

static void
stop_during_backoff_cancels_restart(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_BACKOFF);
	worker_stop(w);
	assert_int_equal(w->state, STATE_STOPPED);
	assert_int_equal(fake.deadline[0], -1);
	assert_int_equal(fake.nsignals, 0);
}

static void
start_during_backoff_spawns_now(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	worker_exited(w, EXIT(1), 0, NULL);
	worker_start(w);
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(fake.spawns, 2);
}

static void
start_during_stopping_starts_after_exit(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_stop(w);
	worker_start(w);
	assert_int_equal(w->state, STATE_STOPPING);
	worker_exited(w, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(fake.spawns, 2);
}

static void
permanent_exec_error_is_fatal(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	worker_exited(w, EXIT(127), ENOENT, "exec /no/such");
	assert_int_equal(w->state, STATE_FATAL);
	assert_string_equal(w->reason,
	    "exec /no/such: No such file or directory");
}

static void
transient_exec_error_backs_off(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	worker_exited(w, EXIT(127), EAGAIN, "exec /bin/true");
	assert_int_equal(w->state, STATE_BACKOFF);
	assert_int_equal(w->failures, 1);
}

static void
spawn_failure_backs_off(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	fake.spawn_fail = 1;
	worker_start(w);
	assert_int_equal(w->state, STATE_BACKOFF);
	assert_int_equal(w->pid, 0);
	fake_fire(w);
	assert_int_equal(w->state, STATE_STARTING);
}

static void
failed_spawn_with_zero_backoff_goes_through_the_loop(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].backoff_max_ms = 0;
	fake.spawn_fail = 1000;
	worker_start(w);
	/* One attempt, then BACKOFF with a 0 ms timer: no recursion. */
	assert_int_equal(fake.spawns, 1);
	assert_int_equal(w->state, STATE_BACKOFF);
	assert_int_equal(fake.deadline[0], fake.now);
	fake_fire(w);
	assert_int_equal(fake.spawns, 2);
}

static void
backoff_timer_during_shutdown_stops(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	worker_start(w);
	worker_exited(w, EXIT(1), 0, NULL);
	assert_int_equal(w->state, STATE_BACKOFF);
	f->sv.shutting_down = true;
	fake_fire(w);
	assert_int_equal(w->state, STATE_STOPPED);
	assert_int_equal(fake.spawns, 1);
}

/* Nothing starts once shutdown has begun, whoever asks. */
static void
no_start_during_shutdown(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0], *b = f->w[1];

	f->sv.shutting_down = true;
	worker_start(a);
	assert_int_equal(fake.spawns, 0);
	assert_int_equal(a->state, STATE_STOPPED);
	b->state = STATE_FATAL;
	worker_start(b);
	assert_int_equal(fake.spawns, 0);
	assert_int_equal(b->state, STATE_FATAL);
}

/* A start command for a worker in BACKOFF during shutdown: stopped. */
static void
no_restart_after_give_up(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0];

	worker_start(a);
	worker_exited(a, EXIT(1), 0, NULL);
	assert_int_equal(a->state, STATE_BACKOFF);
	f->sv.shutting_down = true;
	worker_start(a);
	assert_int_equal(fake.spawns, 1);
	assert_int_equal(a->state, STATE_STOPPED);
	assert_int_equal(fake.deadline[0], -1);
}

static void
shutdown_exit_is_not_restarted(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	f->sv.shutting_down = true;
	worker_exited(w, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(w->state, STATE_EXITED);
}

static void
kill_sends_kill_to_up_worker(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_stop(w);
	worker_kill(w);
	assert_int_equal(fake.signals[fake.nsignals - 1], SIGKILL);
	assert_int_equal(fake.deadline[0], -1);
}

static void
kill_of_running_worker_sends_only_kill(void **state)
{
	struct fixture *f = *state;
	struct worker *w = running(f, 0);

	worker_kill(w);
	assert_int_equal(w->state, STATE_STOPPING);
	assert_int_equal(fake.nsignals, 1);
	assert_int_equal(fake.signals[0], SIGKILL);
	assert_int_equal(w->stop_sig_sent, SIGKILL);
	worker_exited(w, KILLED(SIGKILL), 0, NULL);
	assert_int_equal(w->state, STATE_STOPPED);
}

static void
stop_of_exited_or_fatal_makes_stopped(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].restart = RESTART_NEVER;
	w = running(f, 0);
	worker_exited(w, EXIT(0), 0, NULL);
	worker_stop(w);
	assert_int_equal(w->state, STATE_STOPPED);
}

static void
instance_names(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	(void)state;
	f->wc[0].instances = 3;
	w = worker_new(&f->sv, &f->wc[0], 2);
	assert_string_equal(w->name, "a:2");
	worker_free(w);
	assert_string_equal(f->w[1]->name, "b");
}

static void
ready_notify_waits_for_ready(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].ready = READY_NOTIFY;
	f->wc[0].start_timeout_ms = 5000;
	worker_start(w);
	/* min_uptime does not apply; the start timeout does. */
	assert_int_equal(fake.deadline[0], fake.now + 5000);
	worker_exec_ok(w);
	assert_int_equal(w->state, STATE_STARTING);
	worker_notify_ready(w);
	assert_int_equal(w->state, STATE_RUNNING);
	assert_int_equal(fake.deadline[0], -1);
	worker_notify_ready(w);
	assert_int_equal(w->state, STATE_RUNNING);
}

static void
start_timeout_is_a_failed_start(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].ready = READY_NOTIFY;
	f->wc[0].start_timeout_ms = 5000;
	worker_start(w);
	fake_fire(w);
	assert_int_equal(w->state, STATE_STOPPING);
	assert_int_equal(fake.signals[0], SIGTERM);
	worker_exited(w, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(w->state, STATE_BACKOFF);
	assert_int_equal(w->failures, 1);
	assert_int_equal(w->restarts, 1);
}

static void
exit_0_after_start_timeout_is_still_a_failure(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].ready = READY_NOTIFY;
	f->wc[0].restart = RESTART_ON_FAILURE;
	worker_start(w);
	fake_fire(w);
	worker_exited(w, EXIT(0), 0, NULL);
	assert_int_equal(w->state, STATE_BACKOFF);
}

static void
extend_timeout_moves_the_deadline(void **state)
{
	struct fixture *f = *state;
	struct worker *w = f->w[0];

	f->wc[0].ready = READY_NOTIFY;
	f->wc[0].start_timeout_ms = 500;
	worker_start(w);
	worker_notify_extend(w, 3000);
	assert_int_equal(fake.deadline[0], fake.now + 3000);
}

static void
watchdog_armed_from_running_and_fed(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].watchdog_ms = 2000;
	w = f->w[0];
	worker_start(w);
	assert_int_equal(fake.watchdog[0], -1);
	fake_fire(w);
	assert_int_equal(fake.watchdog[0], fake.now + 2000);
	fake.now += 1500;
	worker_notify_watchdog(w, false);
	assert_int_equal(fake.watchdog[0], fake.now + 2000);
}

static void
watchdog_timeout_aborts_and_restarts(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].watchdog_ms = 2000;
	w = running(f, 0);
	worker_watchdog_fired(w);
	assert_int_equal(w->state, STATE_STOPPING);
	assert_int_equal(fake.signals[0], SIGABRT);
	assert_int_equal(fake.watchdog[0], -1);
	assert_int_equal(fake.deadline[0], fake.now + 10000);
	worker_exited(w, KILLED(SIGABRT), 0, NULL);
	/* A failure of a running worker: restart_delay, not backoff. */
	assert_int_equal(w->state, STATE_STARTING);
	assert_int_equal(w->restarts, 1);
	assert_int_equal(w->failures, 0);
}

static void
watchdog_trigger_acts_at_once(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].watchdog_ms = 2000;
	f->wc[0].restart = RESTART_NEVER;
	w = running(f, 0);
	worker_notify_watchdog(w, true);
	assert_int_equal(fake.signals[0], SIGABRT);
	worker_exited(w, KILLED(SIGABRT), 0, NULL);
	assert_int_equal(w->state, STATE_EXITED);
}

static void
stop_during_watchdog_kill_stays_stopped(void **state)
{
	struct fixture *f = *state;
	struct worker *w;

	f->wc[0].watchdog_ms = 2000;
	w = running(f, 0);
	worker_watchdog_fired(w);
	worker_stop(w);
	worker_exited(w, KILLED(SIGABRT), 0, NULL);
	assert_int_equal(w->state, STATE_STOPPED);
}

/*
 * The tally follows each step, flags included: a worker stopping for a
 * restart wants to run (STARTING class) though its state is STOPPING.
 */
static void
tally_follows_each_step(void **state)
{
	struct fixture *f = *state;
	const struct worker_tally *t = &f->sv.tally;
	struct worker *w;

	assert_int_equal(t->n[TALLY_OTHER], 3);
	assert_int_equal(t->live, 0);
	w = running(f, 0);
	assert_int_equal(t->n[TALLY_RUNNING], 1);
	assert_int_equal(t->live, 1);
	worker_restart(w, true);
	assert_int_equal(w->state, STATE_STOPPING);
	assert_int_equal(t->n[TALLY_STARTING], 1);
	assert_int_equal(t->n[TALLY_RUNNING], 0);
	worker_stop(w);
	assert_int_equal(t->n[TALLY_STARTING], 0);
	assert_int_equal(t->n[TALLY_OTHER], 3);
	assert_int_equal(t->live, 1);		/* STOPPING is not down */
	worker_exited(w, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(t->live, 0);
	worker_defer_start(f->w[1]);
	assert_int_equal(t->n[TALLY_STARTING], 1);
	assert_int_equal(t->live, 0);		/* STOPPED, waiting */
	worker_mark_removed(f->w[2]);
	assert_int_equal(t->n[TALLY_OTHER], 2);
	assert_tally(f);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(start_spawns_and_waits_min_uptime),
		T(zero_min_uptime_runs_at_exec),
		T(start_is_noop_when_up),
		T(exit_after_running_restarts_with_restart_delay),
		T(failed_starts_back_off_exponentially),
		T(restart_never_exits),
		T(on_failure_restarts_failures_only),
		T(success_exit_replaces_zero),
		T(restart_limit_makes_fatal),
		T(restart_window_slides),
		T(stop_signals_then_kills_after_timeout),
		T(stop_timeout_zero_kills_at_once),
		T(stopped_worker_is_never_restarted),
		T(stop_during_backoff_cancels_restart),
		T(start_during_backoff_spawns_now),
		T(start_during_stopping_starts_after_exit),
		T(permanent_exec_error_is_fatal),
		T(transient_exec_error_backs_off),
		T(spawn_failure_backs_off),
		T(failed_spawn_with_zero_backoff_goes_through_the_loop),
		T(backoff_timer_during_shutdown_stops),
		T(no_start_during_shutdown),
		T(no_restart_after_give_up),
		T(shutdown_exit_is_not_restarted),
		T(kill_sends_kill_to_up_worker),
		T(kill_of_running_worker_sends_only_kill),
		T(stop_of_exited_or_fatal_makes_stopped),
		T(instance_names),
		T(ready_notify_waits_for_ready),
		T(start_timeout_is_a_failed_start),
		T(exit_0_after_start_timeout_is_still_a_failure),
		T(extend_timeout_moves_the_deadline),
		T(watchdog_armed_from_running_and_fed),
		T(watchdog_timeout_aborts_and_restarts),
		T(watchdog_trigger_acts_at_once),
		T(stop_during_watchdog_kill_stays_stopped),
		T(tally_follows_each_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
