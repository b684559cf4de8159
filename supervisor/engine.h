/*
 * engine.h: the worker state machine (worker.c), its pure decisions
 * (policy.c), what spans workers (group.c), and the host interface:
 * the effects the state machine asks of whoever runs it.  The daemon
 * supplies the host; the unit tests supply a fake.  See supervise(1),
 * WORKER STATES.
 */
#ifndef SUPERVISE_ENGINE_H
#define SUPERVISE_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

#define WORKER_NAME_LEN 56	/* NAME:N with room for the instance */

enum worker_state {
	STATE_STOPPED,
	STATE_STARTING,
	STATE_RUNNING,
	STATE_BACKOFF,
	STATE_STOPPING,
	STATE_EXITED,
	STATE_FATAL,
};

/*
 * The times of the last restarts, a ring of at most `limit` entries: the
 * restart that would make limit+1 within the window is refused.
 */
struct restart_window {
	int64_t *times;
	unsigned cap, len, head;
};

/* Why supervise stopped a worker that nobody asked to stop. */
enum forced_stop { FORCED_NONE, FORCED_START_TIMEOUT, FORCED_WATCHDOG };

struct supervisor;	/* daemon.h */
struct output;		/* output.c */
struct spawn_info;	/* spawn.c */
struct plugin_thread;	/* thread.c */
struct worker_timer;	/* host.c */
struct record;		/* record.c */
struct usage;		/* usage.h: a CPU and RSS reading */
struct hook_slot;	/* hook.c */

/*
 * Counts of the workers in the supervisor's list by class, kept by
 * worker.c at every change of a worker's state or of a flag that decides
 * its class, so that what needs totals (notify's STATUS=, exit_when = all)
 * costs the same whatever the number of workers (supervise(1),
 * SUPERVISION TREES).
 */
enum tally_class {
	TALLY_OTHER,		/* down, or STOPPING for good */
	TALLY_STARTING,		/* wants to run: STARTING, after=, restarting */
	TALLY_RUNNING,
	TALLY_BACKOFF,
	TALLY_FATAL,
	TALLY_CLASSES
};
struct worker_tally {
	unsigned n[TALLY_CLASSES];
	unsigned live;		/* not removed, and not STOPPED, EXITED, FATAL */
};

struct worker {
	struct supervisor *sv;
	const struct worker_host *host;	/* sv->host when it was made */
	struct worker_config *cfg;	/* swapped on reload */
	char name[WORKER_NAME_LEN];	/* NAME, or NAME:N with instances */
	unsigned long id;		/* unique for supervise's lifetime */
	unsigned instance;
	size_t index;			/* position in start order */

	enum worker_state state;
	bool up;			/* spawned and not yet exited */
	pid_t pid;			/* > 1 while a process exists, else 0 */
	int64_t spawned_ms;		/* when the current process was spawned */
	int64_t running_ms;		/* when it reached RUNNING */
	unsigned restarts;		/* automatic restarts since start */
	unsigned failures;		/* consecutive failed starts */
	int64_t last_delay_ms;		/* of the last restart scheduled */
	bool has_exited;		/* last_status is valid */
	int last_status;		/* wait status of the last exit */
	int stop_sig_sent;		/* the stop signal we sent, or 0 */
	bool stop_wanted;		/* stopped by request: never restart */
	bool restart_wanted;		/* stopped by a strategy: start again */
	bool removed;			/* dropped by reload: free once down */
	bool start_pending;		/* autostart waiting for after= */
	bool stop_pending;		/* shutdown waiting for dependents */
	enum forced_stop forced;	/* start timeout or watchdog */
	char *reason;			/* why FATAL, for status */

	struct restart_window window;

	struct worker_timer *timer;	/* host.c: its timers */
	struct spawn_info *exec;	/* spawn.c: how the last spawn went */
	struct output *output;		/* output.c: capture state, or NULL */
	struct plugin_thread *thread;	/* thread.c: while a thread runs */
	struct record *record;		/* record.c: counters, lines, exits */
	struct usage *usage;		/* readings.c: its last, or NULL */
	struct hook_slot *hooks;	/* hook.c: its running hook */
	char status_text[128];		/* STATUS= from sd_notify */
	enum tally_class tally_class;	/* where sv->tally counts it */
	bool tally_live;		/* counted in sv->tally.live */
};


/* ------------------------------------------------------------- policy.c */
/* Pure decisions: no clock of their own, no side effects beyond the rings. */
bool policy_should_restart(const struct worker_config *wc, int wstatus,
    int stop_sig_sent);
bool policy_is_success(const struct worker_config *wc, int wstatus);
int64_t policy_backoff(const struct worker_config *wc, unsigned failures);
int window_init(struct restart_window *win, unsigned limit);
void window_free(struct restart_window *win);
/* Record a restart at now; false if it would exceed limit within window. */
bool window_admit(struct restart_window *win, unsigned limit,
    int64_t window_ms, int64_t now);
void window_reset(struct restart_window *win);

/* ------------------------------------------------------------- worker.c */
struct worker *worker_new(struct supervisor *sv, struct worker_config *wc,
    unsigned instance);
void worker_free(struct worker *w);
/* Its section (reload swaps it), which names it NAME or NAME:N. */
void worker_set_config(struct worker *w, struct worker_config *wc,
    unsigned instance);
void worker_mark_removed(struct worker *w);	/* by reload */
const char *worker_state_name(enum worker_state st);
/* Spawned (a process or a thread) and its exit not yet handled. */
bool worker_is_up(const struct worker *w);
bool worker_should_run(const struct worker *w);
enum tally_class worker_tally_class(const struct worker *w);
void worker_start(struct worker *w);		/* by request or autostart */
void worker_stop(struct worker *w);		/* by request or shutdown */
void worker_kill(struct worker *w);		/* second TERM: KILL now */
/* Stop, then start again once down; counted: as a restart of its own. */
void worker_restart(struct worker *w, bool counted);
void worker_defer_start(struct worker *w);	/* until after= is met */
void worker_defer_stop(struct worker *w);	/* until dependents are down */
void worker_exec_ok(struct worker *w);		/* exec succeeded */
void worker_exited(struct worker *w, int wstatus, int exec_errno,
    const char *exec_what);
void worker_timer_fired(struct worker *w);
void worker_watchdog_fired(struct worker *w);
void worker_notify_ready(struct worker *w);		/* READY=1 */
void worker_notify_watchdog(struct worker *w, bool trigger);
void worker_notify_extend(struct worker *w, int64_t ms);
/* STATUS= from the worker: the text status shows. */
void worker_set_status_text(struct worker *w, const char *text);

/*
 * The host: the effects the state machine asks for, and its clock.  The
 * daemon supplies one per mode (host.c: process or thread), chosen once at
 * start; the unit tests supply a fake.  Each worker keeps the host it was
 * made with (w->host).
 */
struct worker_host {
	int64_t (*now_ms)(void);		/* a monotonic clock */
	/* -1: no process (why says why); 0: a process; 1: it reached exec. */
	int (*spawn)(struct worker *w, char *why, size_t whylen);
	void (*signal)(struct worker *w, int sig);	/* to what runs it */
	void (*timer)(struct worker *w, int64_t delay_ms);	/* < 0: stop */
	void (*watchdog)(struct worker *w, int64_t delay_ms);	/* < 0: stop */
	void (*changed)(struct worker *w);	/* state or status changed */
	void (*give_up)(struct supervisor *sv);	/* supervisor-wide limit */
};

/* ---------------------------------------------------------------- group.c */
/* after=: w's dependencies are met; no worker naming w is up. */
bool group_deps_ready(const struct supervisor *sv, const struct worker *w);
bool group_dependents_down(const struct supervisor *sv,
    const struct worker *w);
void group_start(struct worker *w);	/* autostart: now or once after= */
/* From the loop after changes: act on what after= held back. */
void group_settle(struct supervisor *sv);
/* w failed and restarts: stop and restart others as the strategy says. */
void group_strategy(struct worker *w);
/* Count a restart against the supervisor-wide limit; false if hit. */
bool group_admit_restart(struct worker *w, int64_t now);
/* During a shutdown: every worker is down. */
bool group_all_down(struct supervisor *sv);
void group_stop_all(struct supervisor *sv);	/* shutdown, in order */
void group_kill_all(struct supervisor *sv);	/* KILL what is left */

/* group.c: exit_when. */
/* What supervise exits with for w: its code, 128 + signal, 127 never ran. */
int group_exit_status(const struct worker *w);
/*
 * Has w's change met cfg's exit_when?  -1 if not, else the exit status.
 * live: how many of ws are neither removed nor down (sv->tally.live).
 */
int group_exit_when(const struct config *cfg, struct worker *const *ws,
    size_t n, unsigned live, const struct worker *w);

#endif
