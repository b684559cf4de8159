/*
 * What spans workers (group.c), driven through the fake host: after=
 * start and shutdown order, strategies, the supervisor-wide restart limit,
 * and the worker_* calls through which group.c and reload mark workers.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>

#include "worker_fixture.h"

static char *after_a[] = { "a", NULL };

/*
 * The fixture with after= resolved as config.c resolves it (config.h):
 * b names a, so a's dependent is b; each worker has one instance, in
 * sv->workers at its own index.  group.c then finds what after= names
 * through these links, not by walking the workers.
 */
static const size_t b_names[] = { 0 }, a_named_by[] = { 1 };

static int
setup_linked(void **state)
{
	static size_t links[1];
	struct fixture *f;
	size_t i;

	setup(state);
	f = *state;
	f->cfg.links = links;
	for (i = 0; i < 3; i++)
		f->wc[i].first_instance = i;
	f->wc[1].after_index = b_names;
	f->wc[0].dependents = a_named_by;
	f->wc[0].ndependents = 1;
	return 0;
}

static void
supervisor_limit_gives_up(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1);

	f->cfg.restart_limit = 1;
	worker_exited(a, EXIT(1), 0, NULL);
	assert_int_equal(fake.gave_up, 0);
	worker_exited(b, EXIT(1), 0, NULL);
	assert_int_equal(fake.gave_up, 1);
	assert_int_equal(b->state, STATE_STOPPED);
}

static void
one_for_one_leaves_others(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1);

	worker_exited(a, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(b->state, STATE_RUNNING);
	assert_int_equal(fake.nsignals, 0);
}

static void
one_for_all_restarts_every_worker(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1),
	    *c = running(f, 2);
	pid_t cpid = c->pid;

	f->cfg.strategy = STRATEGY_ONE_FOR_ALL;
	worker_exited(b, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(a->state, STATE_STOPPING);
	assert_int_equal(c->state, STATE_STOPPING);
	assert_int_equal(b->state, STATE_STARTING);
	assert_true(worker_should_run(a));
	worker_exited(c, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(c->state, STATE_STARTING);
	assert_int_not_equal(c->pid, cpid);
	assert_int_equal(c->restarts, 1);
}

static void
rest_for_one_restarts_later_workers(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1),
	    *c = running(f, 2);

	f->cfg.strategy = STRATEGY_REST_FOR_ONE;
	worker_exited(b, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(a->state, STATE_RUNNING);
	assert_int_equal(c->state, STATE_STOPPING);
}

static void
after_waits_for_running_or_success(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0], *b = f->w[1];

	f->wc[1].after = after_a;
	f->wc[1].nafter = 1;
	assert_false(group_deps_ready(&f->sv, b));
	worker_start(a);
	assert_false(group_deps_ready(&f->sv, b));
	fake_fire(a);
	assert_true(group_deps_ready(&f->sv, b));
	/* A successful exit counts, a failure does not. */
	f->wc[0].restart = RESTART_NEVER;
	worker_exited(a, EXIT(0), 0, NULL);
	assert_true(group_deps_ready(&f->sv, b));
	worker_start(a);
	fake_fire(a);
	worker_exited(a, EXIT(2), 0, NULL);
	assert_false(group_deps_ready(&f->sv, b));
}

/*
 * The links decide, where they hold: b names "nobody" by name but a by
 * its link.  Once sv->workers no longer matches them, the walk by name
 * decides.
 */
static void
linked_after_is_what_counts(void **state)
{
	static char *after_nobody[] = { "nobody", NULL };
	struct fixture *f = *state;
	struct worker *a = f->w[0], *b = f->w[1];

	f->wc[1].after = after_nobody;
	f->wc[1].nafter = 1;
	assert_false(group_deps_ready(&f->sv, b));	/* a is STOPPED */
	running(f, 0);
	assert_true(group_deps_ready(&f->sv, b));
	running(f, 1);
	assert_false(group_dependents_down(&f->sv, a));
	/* A worker removed by a reload: a's dependents by name now. */
	f->sv.removed_pending = true;
	assert_true(group_dependents_down(&f->sv, a));
	f->sv.removed_pending = false;
	/* Instances not where the links say: by name. */
	f->wc[0].first_instance = 2;
	f->wc[1].first_instance = 2;
	assert_true(group_dependents_down(&f->sv, a));
	worker_stop(a);
	assert_true(group_deps_ready(&f->sv, b));
}

static void
group_settle_starts_pending_and_stops_in_reverse(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0], *b = f->w[1];

	f->wc[1].after = after_a;
	f->wc[1].nafter = 1;
	worker_defer_start(b);
	f->sv.after_pending = true;
	group_settle(&f->sv);
	assert_int_equal(b->state, STATE_STOPPED);
	assert_true(worker_should_run(b));	/* check and READY=1 wait */
	worker_start(a);
	fake_fire(a);
	group_settle(&f->sv);
	assert_int_equal(b->state, STATE_STARTING);
	assert_false(b->start_pending);

	/* a waits for b to be down before it is stopped. */
	assert_false(group_dependents_down(&f->sv, a));
	worker_defer_stop(a);
	f->sv.after_pending = true;
	group_settle(&f->sv);
	assert_int_equal(a->state, STATE_RUNNING);
	worker_stop(b);
	worker_exited(b, KILLED(SIGTERM), 0, NULL);
	group_settle(&f->sv);
	assert_int_equal(a->state, STATE_STOPPING);
	/* Nobody waits any more: the next settles walk no worker. */
	assert_false(f->sv.after_pending);
}

static void
group_start_defers_until_deps_run(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0], *b = f->w[1];

	f->wc[1].after = after_a;
	f->wc[1].nafter = 1;
	group_start(b);
	assert_int_equal(b->state, STATE_STOPPED);
	assert_true(b->start_pending);
	assert_true(f->sv.after_pending);
	assert_int_equal(fake.spawns, 0);
	group_start(a);
	assert_int_equal(a->state, STATE_STARTING);
	group_settle(&f->sv);
	assert_int_equal(b->state, STATE_STOPPED);	/* a not RUNNING yet */
	fake_fire(a);
	group_settle(&f->sv);
	assert_int_equal(b->state, STATE_STARTING);
	assert_false(b->start_pending);
}

static void
settle_starts_nothing_during_shutdown(void **state)
{
	struct fixture *f = *state;
	struct worker *b = f->w[1];

	worker_defer_start(b);
	f->sv.after_pending = true;
	f->sv.shutting_down = true;
	group_settle(&f->sv);
	assert_int_equal(b->state, STATE_STOPPED);
	assert_int_equal(fake.spawns, 0);
}

static void
strategy_decision_counts_once(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1),
	    *c = running(f, 2);

	f->cfg.strategy = STRATEGY_ONE_FOR_ALL;
	f->cfg.restart_limit = 1;
	window_free(&f->sv.window);
	assert_int_equal(window_init(&f->sv.window, 1), 0);
	worker_exited(b, KILLED(SIGSEGV), 0, NULL);
	worker_exited(a, KILLED(SIGTERM), 0, NULL);
	worker_exited(c, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(fake.gave_up, 0);
	assert_int_equal(a->state, STATE_STARTING);
	assert_int_equal(c->state, STATE_STARTING);
	assert_int_equal(a->restarts, 1);
	/* A second decision within the window is one too many. */
	fake_fire(a);
	fake_fire(b);
	fake_fire(c);
	worker_exited(b, KILLED(SIGSEGV), 0, NULL);
	assert_int_equal(fake.gave_up, 1);
}

static void
stop_all_keeps_after_order(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = running(f, 1),
	    *c = running(f, 2);

	f->wc[1].after = after_a;
	f->wc[1].nafter = 1;
	f->sv.shutting_down = true;
	group_stop_all(&f->sv);
	assert_int_equal(c->state, STATE_STOPPING);
	assert_int_equal(b->state, STATE_STOPPING);
	assert_int_equal(a->state, STATE_RUNNING);	/* b names it */
	assert_true(a->stop_pending);
	assert_false(group_all_down(&f->sv));
	worker_exited(b, KILLED(SIGTERM), 0, NULL);
	group_settle(&f->sv);
	assert_int_equal(a->state, STATE_STOPPING);
	assert_false(a->stop_pending);
	worker_exited(a, KILLED(SIGTERM), 0, NULL);
	worker_exited(c, KILLED(SIGTERM), 0, NULL);
	assert_true(group_all_down(&f->sv));
}

static void
stop_all_stops_what_is_not_up_at_once(void **state)
{
	struct fixture *f = *state;
	struct worker *a = f->w[0];

	worker_start(a);
	worker_exited(a, EXIT(1), 0, NULL);
	assert_int_equal(a->state, STATE_BACKOFF);
	f->sv.shutting_down = true;
	group_stop_all(&f->sv);
	assert_int_equal(a->state, STATE_STOPPED);
	assert_int_equal(fake.deadline[0], -1);
	assert_true(group_all_down(&f->sv));
}

static void
kill_all_kills_every_worker_up(void **state)
{
	struct fixture *f = *state;
	int i;

	running(f, 0);
	running(f, 1);
	group_kill_all(&f->sv);
	assert_int_equal(fake.nsignals, 2);
	for (i = 0; i < fake.nsignals; i++)
		assert_int_equal(fake.signals[i], SIGKILL);
	assert_int_equal(f->w[2]->state, STATE_STOPPED);
}

static void
restart_for_new_settings(void **state)
{
	struct fixture *f = *state;
	struct worker *a = running(f, 0), *b = f->w[1];
	pid_t old = a->pid;

	worker_restart(a, false);
	assert_int_equal(a->state, STATE_STOPPING);
	assert_true(worker_should_run(a));
	worker_exited(a, KILLED(SIGTERM), 0, NULL);
	assert_int_equal(a->state, STATE_STARTING);
	assert_int_not_equal(a->pid, old);
	assert_int_equal(a->restarts, 0);
	/* One that is not up starts at once, its failures forgotten. */
	worker_start(b);
	worker_exited(b, EXIT(1), 0, NULL);
	assert_int_equal(b->state, STATE_BACKOFF);
	worker_restart(b, false);
	assert_int_equal(b->state, STATE_STARTING);
	assert_int_equal(b->failures, 0);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
#define L(fn) cmocka_unit_test_setup_teardown(fn, setup_linked, teardown)
	const struct CMUnitTest tests[] = {
		T(supervisor_limit_gives_up),
		T(one_for_one_leaves_others),
		T(one_for_all_restarts_every_worker),
		T(rest_for_one_restarts_later_workers),
		T(after_waits_for_running_or_success),
		T(group_settle_starts_pending_and_stops_in_reverse),
		T(group_start_defers_until_deps_run),
		T(settle_starts_nothing_during_shutdown),
		T(strategy_decision_counts_once),
		T(stop_all_keeps_after_order),
		T(stop_all_stops_what_is_not_up_at_once),
		T(kill_all_kills_every_worker_up),
		T(restart_for_new_settings),
		/* The same after= cases, with after= resolved by config.c. */
		L(after_waits_for_running_or_success),
		L(group_settle_starts_pending_and_stops_in_reverse),
		L(group_start_defers_until_deps_run),
		L(stop_all_keeps_after_order),
		L(linked_after_is_what_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
