/*
 * The host seam (host.c) on a real libev loop, with the modules it calls
 * replaced by counters: the host is chosen by mode, a change fans out
 * once to each listener, the settle pass runs once per loop pass, timers
 * reach the state machine, and give_up shuts supervise down.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "daemon.h"

static struct {
	int spawn_process, spawn_signal, thread_spawn, thread_signal;
	int control_changed, hook_changed, notify_changed, check_done, settle;
	int timer_fired, watchdog_fired, freed;
	int shutdown_status;
} calls;

/*
 * Allocation, failing on demand: the test is linked with --wrap for
 * malloc, calloc and realloc (tests/meson.build), which reaches the calls
 * of the project's own code, not libev's or libc's.
 */
static bool alloc_fails;
static int allocs_refused;

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);

void *
__wrap_malloc(size_t n)
{
	if (alloc_fails) {
		allocs_refused++;
		return NULL;
	}
	return __real_malloc(n);
}

void *
__wrap_calloc(size_t n, size_t size)
{
	if (alloc_fails) {
		allocs_refused++;
		return NULL;
	}
	return __real_calloc(n, size);
}

void *
__wrap_realloc(void *p, size_t n)
{
	if (alloc_fails) {
		allocs_refused++;
		return NULL;
	}
	return __real_realloc(p, n);
}

/* ------------------------------------------ what host.c calls, counted */
int
spawn_process(struct worker *w, char *why, size_t whylen)
{
	(void)w; (void)why; (void)whylen;
	calls.spawn_process++;
	return 1;
}

void
spawn_signal(struct worker *w, int sig)
{
	(void)w; (void)sig;
	calls.spawn_signal++;
}

int
thread_spawn(struct worker *w, char *why, size_t whylen)
{
	(void)w; (void)why; (void)whylen;
	calls.thread_spawn++;
	return 1;
}

void
thread_signal(struct worker *w, int sig)
{
	(void)w; (void)sig;
	calls.thread_signal++;
}

void
control_worker_changed(struct worker *w)
{
	(void)w;
	calls.control_changed++;
}

void
hook_changed(struct worker *w)
{
	(void)w;
	calls.hook_changed++;
}

void
notify_changed(struct supervisor *sv)
{
	(void)sv;
	calls.notify_changed++;
}

void
supervisor_check_done(struct supervisor *sv)
{
	(void)sv;
	calls.check_done++;
}

void
supervisor_shutdown(struct supervisor *sv, int status)
{
	(void)sv;
	calls.shutdown_status = status;
}

void
supervisor_retire_configs(struct supervisor *sv)
{
	(void)sv;
}

void
group_settle(struct supervisor *sv)
{
	(void)sv;
	calls.settle++;
}

int
group_exit_when(const struct config *cfg, struct worker *const *ws,
    size_t n, unsigned live, const struct worker *w)
{
	(void)cfg;
	(void)ws;
	(void)n;
	(void)live;
	(void)w;
	return -1;
}

void
output_free(struct worker *w)
{
	(void)w;
}

void
spawn_free(struct worker *w)
{
	(void)w;
}

void
record_free(struct worker *w)
{
	(void)w;
}

void
hook_free(struct worker *w)
{
	(void)w;
}

void
control_worker_freed(struct worker *w)
{
	(void)w;
}

bool
worker_is_up(const struct worker *w)
{
	return w->up;
}

void
worker_timer_fired(struct worker *w)
{
	(void)w;
	calls.timer_fired++;
}

void
worker_watchdog_fired(struct worker *w)
{
	(void)w;
	calls.watchdog_fired++;
}

void
worker_free(struct worker *w)
{
	calls.freed++;
	free(w);
}

/* ------------------------------------------------------------ fixture */
struct fixture {
	struct supervisor sv;
	struct worker_config plugin_wc, command_wc;
	struct worker *plugin, *command;
	struct worker *list[2];
};

static struct worker *
make(struct fixture *f, struct worker_config *wc)
{
	struct worker *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	w->sv = &f->sv;
	w->host = f->sv.host;
	w->cfg = wc;
	/* As main.c and reload.c do: a worker's timers come with it. */
	assert_int_equal(host_adopt(w), 0);
	return w;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	memset(&calls, 0, sizeof(calls));
	log_init(LOG_TEXT, -1);
	f->sv.loop = ev_loop_new(EVFLAG_AUTO);
	assert_non_null(f->sv.loop);
	ev_set_userdata(f->sv.loop, &f->sv);
	assert_int_equal(host_init(&f->sv), 0);
	f->plugin_wc.plugin = "/x.so";
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fixture *f = *state;

	if (f->plugin != NULL)
		host_discard(f->plugin);
	if (f->command != NULL)
		host_discard(f->command);
	host_close(&f->sv);
	ev_loop_destroy(f->sv.loop);
	free(f);
	return 0;
}

static void
use_mode(struct fixture *f, enum sv_mode mode)
{
	f->sv.host = host_for_mode(mode);
	f->plugin = make(f, &f->plugin_wc);
	f->command = make(f, &f->command_wc);
}

/* ------------------------------------------------------------- tests */
static void
process_mode_spawns_everything_as_a_process(void **state)
{
	struct fixture *f = *state;
	char why[64];

	use_mode(f, MODE_PROCESS);
	assert_ptr_equal(f->sv.host, host_for_mode(MODE_PROCESS));
	assert_ptr_not_equal(f->sv.host, host_for_mode(MODE_THREAD));
	f->plugin->host->spawn(f->plugin, why, sizeof(why));
	f->command->host->spawn(f->command, why, sizeof(why));
	f->plugin->host->signal(f->plugin, SIGTERM);
	assert_int_equal(calls.spawn_process, 2);
	assert_int_equal(calls.thread_spawn, 0);
	assert_int_equal(calls.spawn_signal, 1);
	assert_int_equal(calls.thread_signal, 0);
}

static void
thread_mode_runs_plugins_as_threads(void **state)
{
	struct fixture *f = *state;
	char why[64];

	use_mode(f, MODE_THREAD);
	f->plugin->host->spawn(f->plugin, why, sizeof(why));
	assert_int_equal(calls.thread_spawn, 1);
	/* A command worker stays a process in thread mode. */
	f->command->host->spawn(f->command, why, sizeof(why));
	assert_int_equal(calls.spawn_process, 1);
	f->command->host->signal(f->command, SIGTERM);
	assert_int_equal(calls.spawn_signal, 1);
	f->plugin->thread = (struct plugin_thread *)f;	/* any non-NULL */
	f->plugin->host->signal(f->plugin, SIGTERM);
	f->plugin->thread = NULL;
	assert_int_equal(calls.thread_signal, 1);
}

static void
a_change_fans_out_once(void **state)
{
	struct fixture *f = *state;

	use_mode(f, MODE_PROCESS);
	f->command->host->changed(f->command);
	assert_int_equal(calls.control_changed, 1);
	assert_int_equal(calls.hook_changed, 1);
	assert_int_equal(calls.check_done, 0);
	/* The settle pass and notify's summary, a walk: from the loop. */
	assert_int_equal(calls.settle, 0);
	assert_int_equal(calls.notify_changed, 0);
	f->command->host->changed(f->command);
	f->plugin->host->changed(f->plugin);
	assert_int_equal(calls.control_changed, 3);
	assert_int_equal(calls.hook_changed, 3);
	ev_run(f->sv.loop, EVRUN_NOWAIT);
	assert_int_equal(calls.settle, 1);	/* once for the three */
	assert_int_equal(calls.notify_changed, 1);
	ev_run(f->sv.loop, EVRUN_NOWAIT);
	assert_int_equal(calls.settle, 1);	/* and no more until a change */
	assert_int_equal(calls.notify_changed, 1);
}

static void
a_worker_down_in_shutdown_checks_the_end(void **state)
{
	struct fixture *f = *state;

	use_mode(f, MODE_PROCESS);
	f->sv.shutting_down = true;
	f->command->up = true;
	f->command->host->changed(f->command);
	assert_int_equal(calls.check_done, 0);
	f->command->up = false;
	f->command->host->changed(f->command);
	assert_int_equal(calls.check_done, 1);
}

static void
timers_reach_the_state_machine(void **state)
{
	struct fixture *f = *state;

	use_mode(f, MODE_PROCESS);
	f->command->host->timer(f->command, 1);
	f->command->host->watchdog(f->command, 1);
	while (calls.timer_fired == 0 || calls.watchdog_fired == 0)
		ev_run(f->sv.loop, EVRUN_ONCE);
	assert_int_equal(calls.timer_fired, 1);
	assert_int_equal(calls.watchdog_fired, 1);
	/* Stopped: it never fires. */
	f->command->host->timer(f->command, 0);
	f->command->host->timer(f->command, -1);
	ev_run(f->sv.loop, EVRUN_NOWAIT);
	assert_int_equal(calls.timer_fired, 1);
}

/*
 * A worker's timers come with it (host_adopt): arming one allocates
 * nothing, so a crashed worker's restart is armed even when memory has
 * run out, rather than waiting for ever (supervise(1), WORKER STATES).
 */
static void
timers_arm_when_memory_is_out(void **state)
{
	struct fixture *f = *state;
	int i;

	use_mode(f, MODE_PROCESS);
	alloc_fails = true;
	allocs_refused = 0;
	f->command->host->timer(f->command, 1);
	f->command->host->watchdog(f->command, 1);
	for (i = 0; i < 1000 && (calls.timer_fired == 0 ||
	    calls.watchdog_fired == 0); i++)
		ev_run(f->sv.loop, EVRUN_ONCE);
	alloc_fails = false;
	assert_int_equal(allocs_refused, 0);
	assert_int_equal(calls.timer_fired, 1);
	assert_int_equal(calls.watchdog_fired, 1);
}

static void
settle_frees_removed_workers_once_stopped(void **state)
{
	struct fixture *f = *state;

	use_mode(f, MODE_PROCESS);
	f->list[0] = f->plugin;
	f->list[1] = f->command;
	f->sv.workers = f->list;
	f->sv.nworkers = 2;
	f->plugin->removed = true;
	f->sv.removed_pending = true;
	f->plugin->state = STATE_STOPPED;
	f->command->index = 1;
	f->command->host->changed(f->command);
	ev_run(f->sv.loop, EVRUN_NOWAIT);
	assert_int_equal(calls.freed, 1);
	assert_int_equal(f->sv.nworkers, 1);
	assert_ptr_equal(f->sv.workers[0], f->command);
	assert_int_equal(f->command->index, 0);
	f->plugin = NULL;	/* freed */
}

static void
give_up_shuts_down_with_status_1(void **state)
{
	struct fixture *f = *state;

	use_mode(f, MODE_THREAD);
	f->sv.host->give_up(&f->sv);
	assert_int_equal(calls.shutdown_status, EXIT_GAVE_UP);
}

int
main(void)
{
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(process_mode_spawns_everything_as_a_process),
		T(thread_mode_runs_plugins_as_threads),
		T(a_change_fans_out_once),
		T(a_worker_down_in_shutdown_checks_the_end),
		T(timers_reach_the_state_machine),
		T(timers_arm_when_memory_is_out),
		T(settle_frees_removed_workers_once_stopped),
		T(give_up_shuts_down_with_status_1),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
