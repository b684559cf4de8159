/*
 * host.c: the daemon's host of the worker state machine, the one place
 * that gives worker.c its effects.  Two hosts, chosen once by mode in
 * main(): the process host spawns and signals processes (spawn.c); the
 * thread host runs plugin workers as threads (thread.c) and command
 * workers as processes.  Both keep the same clock, timers and change
 * notification.
 *
 * A change of a worker (its state or its STATUS= text) fans out from
 * changed() here, and only here: to the control clients and the requests
 * waiting on workers (control.c), hooks, and to the settle pass, an idle
 * watcher that runs once per loop pass after changes: the after= order
 * (group), the summary told to whatever runs supervise (notify.c, a walk
 * over all workers, so once per pass and never on the way from an exit
 * to its restart, which the settle pass, idle, waits for), workers that
 * reload removed freed once down, retired configs.  Settling from the loop, never from
 * inside the state machine, means no caller up the stack still holds a
 * worker it frees.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "clock.h"
#include "daemon.h"

/* sv->host_state. */
struct host_state {
	ev_idle settle;
	int exit_when;		/* >= 0: exit_when was met, with this status */
};

/* A worker's timers; w->timer.  wd runs only with watchdog= from RUNNING. */
struct worker_timer {
	ev_timer t;
	ev_timer wd;
	struct worker *w;
};

static void
worker_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker_timer *wt = container_of(t, struct worker_timer, t);

	(void)loop;
	(void)revents;
	worker_timer_fired(wt->w);
}

static void
watchdog_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct worker_timer *wt = container_of(t, struct worker_timer, wd);

	(void)loop;
	(void)revents;
	worker_watchdog_fired(wt->w);
}

/*
 * A new worker's timers, allocated before it joins the list: arming one
 * later must not fail, or a worker whose restart timer could not be
 * armed under memory pressure would wait for it for ever.
 */
int
host_adopt(struct worker *w)
{
	struct worker_timer *wt;

	if ((wt = calloc(1, sizeof(*wt))) == NULL)
		return -1;
	wt->w = w;
	ev_init(&wt->t, worker_timer_cb);
	ev_init(&wt->wd, watchdog_timer_cb);
	w->timer = wt;
	return 0;
}

/* Arm (delay >= 0) or stop one of w's timers (host_adopt made them). */
static void
arm(struct worker *w, bool watchdog, int64_t delay_ms)
{
	struct worker_timer *wt = w->timer;
	ev_timer *t;

	if (wt == NULL)
		return;		/* never adopted: a worker being discarded */
	t = watchdog ? &wt->wd : &wt->t;
	ev_timer_stop(w->sv->loop, t);
	if (delay_ms < 0)
		return;
	/* Count from now, not from the loop's cached time (long spawns). */
	ev_now_update(w->sv->loop);
	ev_timer_set(t, (double)delay_ms / 1000.0, 0.0);
	ev_timer_start(w->sv->loop, t);
}

static void
timer(struct worker *w, int64_t delay_ms)
{
	arm(w, false, delay_ms);
}

static void
watchdog(struct worker *w, int64_t delay_ms)
{
	arm(w, true, delay_ms);
}

/* The one fan-out of a worker's change: see the top of this file. */
static void
changed(struct worker *w)
{
	struct supervisor *sv = w->sv;
	struct host_state *hs = sv->host_state;
	int status;

	control_worker_changed(w);
	hook_changed(w);
	/* The first worker's end that meets exit_when decides the status. */
	if (hs != NULL && hs->exit_when < 0 && !sv->shutting_down &&
	    (status = group_exit_when(sv->cfg, sv->workers, sv->nworkers,
	    sv->tally.live, w)) >= 0)
		hs->exit_when = status;
	if (hs != NULL)
		ev_idle_start(sv->loop, &hs->settle);
	/* Up again during a shutdown (it should not be): look from it. */
	if (sv->shutting_down && worker_is_up(w) && w->index < sv->down_from)
		sv->down_from = w->index;
	if (sv->shutting_down && !worker_is_up(w))
		supervisor_check_done(sv);
}

static void
give_up(struct supervisor *sv)
{
	supervisor_shutdown(sv, EXIT_GAVE_UP);
}

/* In thread mode a plugin runs as a thread, a command as a process. */
static int
thread_mode_spawn(struct worker *w, char *why, size_t whylen)
{
	if (w->cfg->plugin != NULL)
		return thread_spawn(w, why, whylen);
	return spawn_process(w, why, whylen);
}

static void
thread_mode_signal(struct worker *w, int sig)
{
	if (w->thread != NULL)
		thread_signal(w, sig);
	else
		spawn_signal(w, sig);
}

static const struct worker_host process_host = {
	.now_ms = clock_mono_ms,
	.spawn = spawn_process,
	.signal = spawn_signal,
	.timer = timer,
	.watchdog = watchdog,
	.changed = changed,
	.give_up = give_up,
};

static const struct worker_host thread_host = {
	.now_ms = clock_mono_ms,
	.spawn = thread_mode_spawn,
	.signal = thread_mode_signal,
	.timer = timer,
	.watchdog = watchdog,
	.changed = changed,
	.give_up = give_up,
};

const struct worker_host *
host_for_mode(enum sv_mode mode)
{
	return mode == MODE_THREAD ? &thread_host : &process_host;
}

/* Free a worker and everything the host modules hold for it. */
void
host_discard(struct worker *w)
{
	control_worker_freed(w);
	output_free(w);
	record_free(w);
	hook_free(w);
	spawn_free(w);
	arm(w, false, -1);
	arm(w, true, -1);
	free(w->timer);
	w->timer = NULL;
	worker_free(w);
}

static void
settle_cb(struct ev_loop *loop, ev_idle *idle, int revents)
{
	struct supervisor *sv = ev_userdata(loop);
	struct worker *w;
	size_t i, j;

	(void)revents;
	ev_idle_stop(loop, idle);
	if (sv->host_state->exit_when >= 0 && !sv->shutting_down) {
		log_warnx("exit_when met: exiting with status %d",
		    sv->host_state->exit_when);
		supervisor_shutdown(sv, sv->host_state->exit_when);
	}
	group_settle(sv);
	notify_changed(sv);
	/* Only after a reload removed workers: no walk on every change. */
	if (!sv->removed_pending) {
		if (sv->nretired > 0)
			supervisor_retire_configs(sv);
		return;
	}
	sv->removed_pending = false;
	for (i = 0, j = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		if (w->removed && w->state == STATE_STOPPED) {
			host_discard(w);
			continue;
		}
		if (w->removed)
			sv->removed_pending = true;
		w->index = j;
		sv->workers[j++] = w;
	}
	if (j < sv->nworkers)
		sv->down_from = 0;	/* indices moved */
	sv->nworkers = j;
	supervisor_retire_configs(sv);
}

int
host_init(struct supervisor *sv)
{
	struct host_state *hs;

	if ((hs = calloc(1, sizeof(*hs))) == NULL)
		return -1;
	ev_idle_init(&hs->settle, settle_cb);
	hs->exit_when = -1;
	sv->host_state = hs;
	return 0;
}

void
host_close(struct supervisor *sv)
{
	if (sv->host_state == NULL)
		return;
	ev_idle_stop(sv->loop, &sv->host_state->settle);
	free(sv->host_state);
	sv->host_state = NULL;
}
