/*
 * worker.c: the lifecycle of one worker instance, as a state machine.
 *
 * Every transition happens here, driven by six events: start and stop (by
 * request, autostart or shutdown), kill (a second TERM), exec-ok (the child
 * reached exec), exit (the process was reaped) and timer (the one timer a
 * worker has: min_uptime in STARTING, the delay in BACKOFF, stop_timeout in
 * STOPPING).  It does no I/O and keeps no clock: it asks its host
 * (w->host, a struct worker_host: host.c in the daemon, a fake in the unit
 * tests) to spawn, signal, arm the timers and tell of changes.
 *
 *            start            min_uptime / exec-ok
 *   STOPPED -------> STARTING -------------------> RUNNING
 *      ^               |   \ exit                    | exit
 *      |      stop     |    `---> BACKOFF <----------'   (policy: restart)
 *      |<-- STOPPING <-'            |  timer: spawn again
 *      |   (reaped)                 |  limit hit: FATAL; policy says no: EXITED
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "daemon.h"

#define EVENT(k, w) EVENT_INIT((k), (w)->name)

static const char *const state_names[] = {
	[STATE_STOPPED] = "STOPPED",
	[STATE_STARTING] = "STARTING",
	[STATE_RUNNING] = "RUNNING",
	[STATE_BACKOFF] = "BACKOFF",
	[STATE_STOPPING] = "STOPPING",
	[STATE_EXITED] = "EXITED",
	[STATE_FATAL] = "FATAL",
};

static void worker_spawn(struct worker *);
static void tally(struct worker *);
static void set_start_pending(struct worker *, bool);
static void set_restart_wanted(struct worker *, bool);

const char *
worker_state_name(enum worker_state st)
{
	return state_names[st];
}

struct worker *
worker_new(struct supervisor *sv, struct worker_config *wc, unsigned instance)
{
	struct worker *w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return NULL;
	w->sv = sv;
	w->host = sv->host;
	w->id = ++sv->last_worker_id;
	worker_set_config(w, wc, instance);
	w->state = STATE_STOPPED;
	if (window_init(&w->window, wc->restart_limit) == -1) {
		free(w);
		return NULL;
	}
	w->tally_class = TALLY_OTHER;
	sv->tally.n[TALLY_OTHER]++;
	return w;
}

/* Its section, and so its name: NAME, or NAME:N with instances. */
void
worker_set_config(struct worker *w, struct worker_config *wc,
    unsigned instance)
{
	w->cfg = wc;
	w->instance = instance;
	if (wc->instances > 1)
		snprintf(w->name, sizeof(w->name), "%s:%u", wc->name, instance);
	else
		snprintf(w->name, sizeof(w->name), "%s", wc->name);
}

/* Dropped by reload: the host frees it once it is STOPPED. */
void
worker_mark_removed(struct worker *w)
{
	w->removed = true;
	tally(w);
}

void
worker_free(struct worker *w)
{
	if (w == NULL)
		return;
	w->sv->tally.n[w->tally_class]--;
	if (w->tally_live)
		w->sv->tally.live--;
	window_free(&w->window);
	free(w->reason);
	free(w);
}

bool
worker_is_up(const struct worker *w)
{
	return w->up;
}

/* Whether the worker is meant to be running, for `check` and READY=1. */
bool
worker_should_run(const struct worker *w)
{
	if (w->start_pending)
		return true;	/* waiting for after= */
	switch (w->state) {
	case STATE_STARTING:
	case STATE_RUNNING:
	case STATE_BACKOFF:
	case STATE_FATAL:
		return true;
	case STATE_STOPPING:
		return w->restart_wanted;
	default:
		return false;
	}
}

enum tally_class
worker_tally_class(const struct worker *w)
{
	switch (w->state) {
	case STATE_RUNNING:
		return TALLY_RUNNING;
	case STATE_BACKOFF:
		return TALLY_BACKOFF;
	case STATE_FATAL:
		return TALLY_FATAL;
	default:
		return worker_should_run(w) ? TALLY_STARTING : TALLY_OTHER;
	}
}

/*
 * Move w to the class its state and flags give it now: after every change
 * of w->state, w->removed, w->start_pending or w->restart_wanted, which
 * are written in this file only.
 */
static void
tally(struct worker *w)
{
	struct worker_tally *t = &w->sv->tally;
	enum tally_class c = worker_tally_class(w);
	bool live = !w->removed && w->state != STATE_STOPPED &&
	    w->state != STATE_EXITED && w->state != STATE_FATAL;

	if (c != w->tally_class) {
		t->n[w->tally_class]--;
		t->n[c]++;
		w->tally_class = c;
	}
	if (live != w->tally_live) {
		if (live)
			t->live++;
		else
			t->live--;
		w->tally_live = live;
	}
}

static void
set_start_pending(struct worker *w, bool on)
{
	w->start_pending = on;
	tally(w);
}

static void
set_restart_wanted(struct worker *w, bool on)
{
	w->restart_wanted = on;
	tally(w);
}

static void
set_state(struct worker *w, enum worker_state st)
{
	w->state = st;
	tally(w);
	w->host->changed(w);
}

static void
set_reason(struct worker *w, const char *reason)
{
	free(w->reason);
	w->reason = reason != NULL ? strdup(reason) : NULL;
}

static void
become_running(struct worker *w)
{
	struct event ev = EVENT(EV_RUNNING, w);

	w->host->timer(w, -1);
	w->running_ms = w->host->now_ms();
	ev.pid = w->pid;
	log_event(&ev);
	set_state(w, STATE_RUNNING);
	if (w->cfg->watchdog_ms > 0)
		w->host->watchdog(w, w->cfg->watchdog_ms);
}

static void
become_fatal(struct worker *w, const char *reason)
{
	struct event ev = EVENT(EV_FATAL, w);

	w->host->timer(w, -1);
	set_reason(w, reason);
	ev.reason = reason;
	log_event(&ev);
	set_state(w, STATE_FATAL);
}

/*
 * A start failed or a running worker died and the policy wants it back:
 * count it against the worker's limit, then the supervisor's, then wait
 * the backoff (or restart_delay) in BACKOFF, or spawn at once.
 */
static void
schedule_restart(struct worker *w, bool was_running)
{
	struct event ev = EVENT(EV_RESTARTING, w);
	char reason[96], win[32];
	int64_t now = w->host->now_ms(), delay;

	if (was_running)
		w->failures = 0;
	else
		w->failures++;
	if (!window_admit(&w->window, w->cfg->restart_limit,
	    w->cfg->restart_window_ms, now)) {
		format_window(win, sizeof(win), w->cfg->restart_window_ms);
		snprintf(reason, sizeof(reason), "%u restarts within %s",
		    w->cfg->restart_limit, win);
		become_fatal(w, reason);
		return;
	}
	if (!group_admit_restart(w, now)) {
		set_state(w, STATE_STOPPED);
		w->host->give_up(w->sv);
		return;
	}
	delay = policy_backoff(w->cfg, w->failures);
	w->last_delay_ms = delay;
	w->restarts++;
	ev.delay_ms = delay;
	ev.restarts = (int)w->restarts;
	log_event(&ev);
	/*
	 * Spawn at once only after an exit: a start that failed without a
	 * process would otherwise recurse here through worker_spawn.
	 */
	if (delay <= 0 && was_running) {
		worker_spawn(w);
		return;
	}
	set_state(w, STATE_BACKOFF);
	w->host->timer(w, delay > 0 ? delay : 0);
}

static void
worker_spawn(struct worker *w)
{
	struct event ev = EVENT(EV_SPAWNED, w);
	char why[256];
	int r;

	/*
	 * The one door to a new process or thread: once shutdown has begun
	 * nothing starts, whoever asks (a reload adding workers after the
	 * supervisor-wide limit tripped on the first of them, a start
	 * command, after= settling, a strategy, a backoff timer).
	 */
	if (w->sv->shutting_down) {
		set_start_pending(w, false);
		set_restart_wanted(w, false);
		w->host->timer(w, -1);
		if (w->state != STATE_EXITED && w->state != STATE_FATAL)
			set_state(w, STATE_STOPPED);
		return;
	}
	w->stop_sig_sent = 0;
	w->stop_wanted = false;
	set_restart_wanted(w, false);
	w->forced = FORCED_NONE;
	w->status_text[0] = '\0';
	why[0] = '\0';
	if ((r = w->host->spawn(w, why, sizeof(why))) == -1) {
		/* No process: a failed start, retried with backoff. */
		w->pid = 0;
		log_warnx("%s: cannot start: %s", w->name, why);
		set_state(w, STATE_STARTING);
		schedule_restart(w, false);
		return;
	}
	w->up = true;
	w->spawned_ms = w->host->now_ms();
	ev.pid = w->pid;
	log_event(&ev);
	set_state(w, STATE_STARTING);
	if (w->cfg->ready == READY_NOTIFY)
		w->host->timer(w, w->cfg->start_timeout_ms);
	else if (w->cfg->min_uptime_ms > 0)
		w->host->timer(w, w->cfg->min_uptime_ms);
	if (r == 1)
		worker_exec_ok(w);
}

void
worker_start(struct worker *w)
{
	set_start_pending(w, false);
	switch (w->state) {
	case STATE_FATAL:
		/* A revived worker starts with a clean slate. */
		window_reset(&w->window);
		set_reason(w, NULL);
		/* FALLTHROUGH */
	case STATE_STOPPED:
	case STATE_EXITED:
		w->failures = 0;
		worker_spawn(w);
		break;
	case STATE_BACKOFF:
		w->host->timer(w, -1);
		worker_spawn(w);
		break;
	case STATE_STOPPING:
		/* Start again as soon as it is reaped. */
		w->stop_wanted = false;
		set_restart_wanted(w, true);
		break;
	case STATE_STARTING:
	case STATE_RUNNING:
		break;
	}
}

/* Stop w with sig (its stop signal, or KILL), or mark it stopped. */
static void
stop_with(struct worker *w, int sig)
{
	struct event ev = EVENT(EV_STOPPING, w);

	set_start_pending(w, false);
	w->stop_pending = false;
	w->host->watchdog(w, -1);
	switch (w->state) {
	case STATE_STARTING:
	case STATE_RUNNING:
		w->stop_wanted = true;
		set_restart_wanted(w, false);
		w->stop_sig_sent = sig;
		ev.pid = w->pid;
		ev.signal = sig;
		log_event(&ev);
		w->host->signal(w, sig);
		if (sig != SIGKILL && sig != SIGCONT)
			w->host->signal(w, SIGCONT);	/* a stopped worker */
		set_state(w, STATE_STOPPING);
		w->host->timer(w, sig != SIGKILL ? w->cfg->stop_timeout_ms : -1);
		break;
	case STATE_STOPPING:
		w->stop_wanted = true;
		set_restart_wanted(w, false);
		if (sig == SIGKILL && w->stop_sig_sent != SIGKILL) {
			w->stop_sig_sent = SIGKILL;
			w->host->signal(w, SIGKILL);
			w->host->timer(w, -1);
		}
		break;
	case STATE_BACKOFF:
		w->host->timer(w, -1);
		/* FALLTHROUGH */
	case STATE_EXITED:
	case STATE_FATAL:
		w->stop_wanted = true;
		set_state(w, STATE_STOPPED);
		break;
	case STATE_STOPPED:
		w->stop_wanted = true;
		w->host->changed(w);
		break;
	}
}

void
worker_stop(struct worker *w)
{
	stop_with(w, w->cfg->stop_timeout_ms > 0 ? w->cfg->stop_signal :
	    SIGKILL);
}

/* A second TERM, or shutdown_timeout: KILL now, whatever the state. */
void
worker_kill(struct worker *w)
{
	stop_with(w, SIGKILL);
}

/*
 * Stop w and start it again once it is down: for a strategy, or for new
 * settings on reload.  One not up (BACKOFF, FATAL, EXITED) starts at once
 * with a clean failure count.  counted: it counts as a restart of its own.
 */
void
worker_restart(struct worker *w, bool counted)
{
	switch (w->state) {
	case STATE_STARTING:
	case STATE_RUNNING:
		worker_stop(w);
		w->stop_wanted = false;
		set_restart_wanted(w, true);
		if (counted)
			w->restarts++;
		break;
	case STATE_BACKOFF:
	case STATE_FATAL:
	case STATE_EXITED:
		w->failures = 0;
		worker_start(w);
		break;
	case STATE_STOPPING:
	case STATE_STOPPED:
		break;
	}
}

/* An autostart held back by after=: group_settle() starts it. */
void
worker_defer_start(struct worker *w)
{
	set_start_pending(w, true);
}

/* A shutdown stop held back by after=: group_settle() stops it. */
void
worker_defer_stop(struct worker *w)
{
	set_start_pending(w, false);
	w->stop_pending = true;
}

void
worker_exec_ok(struct worker *w)
{
	if (w->state == STATE_STARTING && w->cfg->ready == READY_NONE &&
	    w->cfg->min_uptime_ms <= 0)
		become_running(w);
}

static bool
permanent_exec_error(int err)
{
	switch (err) {
	case ENOENT: case EACCES: case ENOEXEC: case ENOTDIR: case ELOOP:
	case EISDIR: case ENAMETOOLONG: case EPERM: case EINVAL:
		return true;
	default:
		return false;
	}
}

static void
log_exit(struct worker *w, int wstatus, int64_t uptime)
{
	struct event ev = EVENT(EV_EXITED, w);

	ev.pid = w->pid;
	ev.uptime_ms = uptime;
	if (WIFSIGNALED(wstatus))
		ev.signal = WTERMSIG(wstatus);
	else
		ev.code = WEXITSTATUS(wstatus);
	log_event(&ev);
}

/*
 * The process was reaped (its group killed and its output drained first).
 * exec_errno is non-zero when the child never reached exec; exec_what
 * then says what failed ("exec /usr/bin/x", "chdir /srv").
 */
void
worker_exited(struct worker *w, int wstatus, int exec_errno,
    const char *exec_what)
{
	struct event ev = EVENT(EV_STOPPED, w);
	enum worker_state was = w->state;
	bool forced = false;
	char reason[512];
	int64_t uptime = w->host->now_ms() - w->spawned_ms;

	w->host->timer(w, -1);
	w->host->watchdog(w, -1);
	w->has_exited = true;
	w->last_status = wstatus;
	if (exec_errno == 0)
		log_exit(w, wstatus, uptime);
	w->pid = 0;
	w->up = false;

	switch (was) {
	case STATE_STOPPING:
		/*
		 * Killed for a start timeout or a watchdog, and no stop asked
		 * since: a failed start, or a failure of a running worker.
		 */
		if (w->forced != FORCED_NONE && !w->stop_wanted &&
		    !w->sv->shutting_down) {
			was = w->forced == FORCED_WATCHDOG ? STATE_RUNNING :
			    STATE_STARTING;
			w->forced = FORCED_NONE;
			forced = true;
			break;
		}
		/* The race of a stop and a crash: a stop was asked, so it is stopped. */
		if (w->restart_wanted && !w->sv->shutting_down) {
			worker_spawn(w);
			return;
		}
		log_event(&ev);
		set_restart_wanted(w, false);
		set_state(w, STATE_STOPPED);
		return;
	case STATE_STARTING:
	case STATE_RUNNING:
		break;
	default:
		/* No process was expected: nothing to decide. */
		w->host->changed(w);
		return;
	}

	if (exec_errno != 0) {
		snprintf(reason, sizeof(reason), "%s: %s",
		    exec_what != NULL ? exec_what : "exec",
		    strerror(exec_errno));
		if (permanent_exec_error(exec_errno) ||
		    w->cfg->restart == RESTART_NEVER) {
			become_fatal(w, reason);
			return;
		}
		log_warnx("%s: %s", w->name, reason);
		schedule_restart(w, false);
		return;
	}
	/* After a start timeout or a watchdog, even exit 0 is a failure. */
	if (w->sv->shutting_down || (forced ? w->cfg->restart == RESTART_NEVER :
	    !policy_should_restart(w->cfg, wstatus, 0))) {
		set_state(w, STATE_EXITED);
		return;
	}
	group_strategy(w);
	schedule_restart(w, was == STATE_RUNNING);
}

/*
 * Stop a worker that missed its start timeout or its watchdog; its exit
 * then goes through the restart policy like any failure.
 */
static void
force_stop(struct worker *w, enum forced_stop why)
{
	struct event ev = EVENT(EV_WATCHDOG, w);
	char d[32];

	if (why == FORCED_WATCHDOG) {
		ev.pid = w->pid;
		log_event(&ev);
		stop_with(w, SIGABRT);
	} else {
		format_duration(d, sizeof(d), w->cfg->start_timeout_ms);
		log_warnx("%s: not ready within %s; stopping it", w->name, d);
		worker_stop(w);
	}
	w->stop_wanted = false;
	w->forced = why;
}

/* READY=1 from the worker (ready=notify). */
void
worker_notify_ready(struct worker *w)
{
	if (w->state == STATE_STARTING && w->cfg->ready == READY_NOTIFY)
		become_running(w);
}

/* WATCHDOG=1: the worker is alive; WATCHDOG=trigger: act as if not. */
void
worker_notify_watchdog(struct worker *w, bool trigger)
{
	if (w->state != STATE_RUNNING || w->cfg->watchdog_ms <= 0)
		return;
	if (trigger)
		force_stop(w, FORCED_WATCHDOG);
	else
		w->host->watchdog(w, w->cfg->watchdog_ms);
}

/* STATUS=: kept for status, cut to what fits. */
void
worker_set_status_text(struct worker *w, const char *text)
{
	snprintf(w->status_text, sizeof(w->status_text), "%s", text);
	w->host->changed(w);
}

/* EXTEND_TIMEOUT_USEC: the start deadline becomes now + usec. */
void
worker_notify_extend(struct worker *w, int64_t ms)
{
	if (w->state == STATE_STARTING && w->cfg->ready == READY_NOTIFY)
		w->host->timer(w, ms);
}

void
worker_watchdog_fired(struct worker *w)
{
	if (w->state == STATE_RUNNING)
		force_stop(w, FORCED_WATCHDOG);
}

void
worker_timer_fired(struct worker *w)
{
	switch (w->state) {
	case STATE_STARTING:
		if (w->cfg->ready == READY_NOTIFY)
			force_stop(w, FORCED_START_TIMEOUT);
		else
			become_running(w);	/* it stayed up min_uptime */
		break;
	case STATE_BACKOFF:
		if (w->sv->shutting_down)
			worker_stop(w);		/* never restarted by a shutdown */
		else
			worker_spawn(w);
		break;
	case STATE_STOPPING:
		/* stop_timeout passed: KILL the group; the exit follows. */
		if (worker_is_up(w)) {
			w->stop_sig_sent = SIGKILL;
			w->host->signal(w, SIGKILL);
		}
		break;
	default:
		break;
	}
}
