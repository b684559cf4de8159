/*
 * group.c: what spans workers; worker.c looks at one worker only.
 *
 * Start order (after=): a worker starts only once every instance of each
 * section it names is RUNNING, or has EXITED with a success status; at
 * shutdown a worker is stopped only once every worker that names it is
 * down.  Restarts by policy, and starts by request (supervisectl start),
 * do not wait.  What waits is marked through worker_defer_start() and
 * worker_defer_stop(), and group_settle() acts on it, from the loop after
 * changes (host.c), never from inside worker.c.
 *
 * Strategies: with one_for_all every other worker that is up, with
 * rest_for_one every one after the failed worker in start order, is
 * stopped and started again once reaped (worker_restart()).  They count
 * as restarts of their own, but the decision counts once against the
 * supervisor-wide restart limit (group_admit_restart()).
 *
 * Shutdown order: every worker is stopped in reverse start order, all at
 * once but for what after= holds back; a second TERM, or
 * shutdown_timeout, kills what is left.  See supervise(1) and
 * supervise.ini(5).
 *
 * exit_when (supervise.ini(5)): when the end of workers ends supervise,
 * and with which status, as a container's init does (tini, s6-overlay),
 * so that the orchestrator sees the main job's result.  A worker has
 * ended for good in EXITED or FATAL; a STOPPED one (by request, or never
 * started) has not, but it is down.  The decision is made when a worker
 * changes, from what all the workers are at that moment, and names the
 * status of the worker whose end met it:
 *	any	the first worker to end for good;
 *	all	the worker that ended for good last, once none is up;
 *	NAMES	the last of the named ones to end for good, once all have.
 * Workers that reload removed do not count.  It only decides; host.c
 * acts on it from its settle pass, never from inside worker.c.
 */
#include <sys/wait.h>

#include <string.h>

#include "daemon.h"

static bool
names(const struct worker_config *wc, const char *section)
{
	size_t i;

	for (i = 0; i < wc->nafter; i++)
		if (strcmp(wc->after[i], section) == 0)
			return true;
	return false;
}

static bool
satisfied(const struct worker *dep)
{
	if (dep->state == STATE_RUNNING)
		return true;
	return dep->state == STATE_EXITED && dep->has_exited &&
	    policy_is_success(dep->cfg, dep->last_status);
}

/*
 * after= through the config's links (config.h), so that a reload or a
 * start of n workers does not walk all n for each: the instances of
 * section wc of the current config sit at wc->first_instance onwards in
 * sv->workers (reload and start-up lay them out so; removed workers come
 * after them).  NULL if that does not hold, or wc is not of the current
 * config: the caller then walks the workers.
 */
static const struct worker_config *
current(const struct supervisor *sv, const struct worker *w)
{
	const struct config *cfg = sv->cfg;

	if (cfg == NULL || cfg->links == NULL || w->removed ||
	    w->cfg < cfg->workers || w->cfg >= cfg->workers + cfg->nworkers)
		return NULL;
	return w->cfg;
}

static const struct worker *
instance_of(const struct supervisor *sv, const struct worker_config *wc,
    unsigned n)
{
	size_t i = wc->first_instance + n;
	const struct worker *o;

	if (i >= sv->nworkers)
		return NULL;
	o = sv->workers[i];
	return o->cfg == wc && o->instance == n && !o->removed ? o : NULL;
}

/* 1 ready, 0 not, -1 not known from the links. */
static int
deps_ready_linked(const struct supervisor *sv, const struct worker *w)
{
	const struct worker_config *wc = current(sv, w), *d;
	const struct worker *o;
	size_t k;
	unsigned n;

	if (wc == NULL)
		return -1;
	for (k = 0; k < wc->nafter; k++) {
		d = &sv->cfg->workers[wc->after_index[k]];
		for (n = 0; n < d->instances; n++) {
			if ((o = instance_of(sv, d, n)) == NULL)
				return -1;
			if (o != w && !satisfied(o))
				return 0;
		}
	}
	return 1;
}

/*
 * 1 no dependent up, 0 one is, -1 not known from the links: also while
 * workers a reload removed are still there (their after= is the old
 * config's).
 */
static int
dependents_down_linked(const struct supervisor *sv, const struct worker *w)
{
	const struct worker_config *wc = current(sv, w), *d;
	const struct worker *o;
	size_t k;
	unsigned n;

	if (wc == NULL || sv->removed_pending)
		return -1;
	for (k = 0; k < wc->ndependents; k++) {
		d = &sv->cfg->workers[wc->dependents[k]];
		for (n = 0; n < d->instances; n++) {
			if ((o = instance_of(sv, d, n)) == NULL)
				return -1;
			if (o != w && worker_is_up(o))
				return 0;
		}
	}
	return 1;
}

bool
group_deps_ready(const struct supervisor *sv, const struct worker *w)
{
	const struct worker *o;
	size_t i;
	int r;

	if (w->cfg->nafter == 0)
		return true;
	if ((r = deps_ready_linked(sv, w)) >= 0)
		return r;
	for (i = 0; i < sv->nworkers; i++) {
		o = sv->workers[i];
		if (o != w && !o->removed && names(w->cfg, o->cfg->name) &&
		    !satisfied(o))
			return false;
	}
	return true;
}

bool
group_dependents_down(const struct supervisor *sv, const struct worker *w)
{
	const struct worker *o;
	size_t i;
	int r;

	if ((r = dependents_down_linked(sv, w)) >= 0)
		return r;
	for (i = 0; i < sv->nworkers; i++) {
		o = sv->workers[i];
		if (o != w && worker_is_up(o) && names(o->cfg, w->cfg->name))
			return false;
	}
	return true;
}

/* An autostart: now, or once after= is met. */
void
group_start(struct worker *w)
{
	if (group_deps_ready(w->sv, w))
		worker_start(w);
	else {
		worker_defer_start(w);
		w->sv->after_pending = true;
	}
}

/*
 * Run after state changes, from the loop (never from inside worker.c):
 * start what waited for its dependencies, stop what waited for its
 * dependents.  Only while some worker waits (sv->after_pending, set here
 * wherever one is made to wait): a restart among 10,000 workers that
 * wait for nothing walks none of them.
 */
void
group_settle(struct supervisor *sv)
{
	struct worker *w;
	bool waiting = false;
	size_t i;

	if (!sv->after_pending)
		return;
	for (i = sv->nworkers; i-- > 0; ) {
		w = sv->workers[i];
		if (w->stop_pending && group_dependents_down(sv, w))
			worker_stop(w);
	}
	for (i = 0; i < sv->nworkers && !sv->shutting_down; i++) {
		w = sv->workers[i];
		if (w->start_pending && group_deps_ready(sv, w))
			worker_start(w);
	}
	for (i = 0; i < sv->nworkers && !waiting; i++)
		waiting = sv->workers[i]->start_pending ||
		    sv->workers[i]->stop_pending;
	sv->after_pending = waiting;
}

/* The strategy's part of a restart of w (see the top of this file). */
void
group_strategy(struct worker *w)
{
	struct supervisor *sv = w->sv;
	struct worker *o;
	size_t i;

	if (sv->cfg == NULL || sv->cfg->strategy == STRATEGY_ONE_FOR_ONE)
		return;
	for (i = 0; i < sv->nworkers; i++) {
		o = sv->workers[i];
		if (o == w || !worker_is_up(o) || o->state == STATE_STOPPING)
			continue;
		if (sv->cfg->strategy == STRATEGY_REST_FOR_ONE &&
		    o->index < w->index)
			continue;
		worker_restart(o, true);
	}
}

/* The supervisor-wide restart limit: false (and said) if it is hit. */
bool
group_admit_restart(struct worker *w, int64_t now)
{
	struct supervisor *sv = w->sv;
	char win[32];

	if (sv->cfg == NULL || window_admit(&sv->window,
	    sv->cfg->restart_limit, sv->cfg->restart_window_ms, now))
		return true;
	format_window(win, sizeof(win), sv->cfg->restart_window_ms);
	log_warnx("supervisor restart limit hit: %u restarts within "
	    "%s; stopping everything", sv->cfg->restart_limit, win);
	return false;
}

/*
 * Whether every worker is down, during a shutdown (nothing starts again
 * then): the workers before sv->down_from are known down, so a shutdown
 * of n workers walks them once in all, not once per exit.
 */
bool
group_all_down(struct supervisor *sv)
{
	while (sv->down_from < sv->nworkers &&
	    !worker_is_up(sv->workers[sv->down_from]))
		sv->down_from++;
	return sv->down_from == sv->nworkers;
}

/* Shutdown: stop every worker in reverse start order, after= permitting. */
void
group_stop_all(struct supervisor *sv)
{
	struct worker *w;
	size_t i;

	for (i = sv->nworkers; i-- > 0; ) {
		w = sv->workers[i];
		/* Not up (BACKOFF, say): stopped now, its timer cleared. */
		if (!worker_is_up(w) || group_dependents_down(sv, w))
			worker_stop(w);
		else {
			worker_defer_stop(w);
			sv->after_pending = true;
		}
	}
}

/* A second TERM, or shutdown_timeout: KILL what is left, in reverse. */
void
group_kill_all(struct supervisor *sv)
{
	size_t i;

	for (i = sv->nworkers; i-- > 0; )
		worker_kill(sv->workers[i]);
}

static bool
ended_for_good(const struct worker *w)
{
	return w->state == STATE_EXITED || w->state == STATE_FATAL;
}

static bool
named(const struct config *cfg, const struct worker *w)
{
	char *const *n;

	for (n = cfg->exit_when_names; n != NULL && *n != NULL; n++)
		if (strcmp(*n, w->name) == 0 || strcmp(*n, w->cfg->name) == 0)
			return true;
	return false;
}

int
group_exit_status(const struct worker *w)
{
	if (!w->has_exited)
		return 127;	/* it never ran: it could not be started */
	if (WIFSIGNALED(w->last_status))
		return 128 + WTERMSIG(w->last_status);
	return WEXITSTATUS(w->last_status);
}

/*
 * all: the count, not a walk, so that a mass exit does not cost a walk per
 * worker.  A list walks only when one of its own ends for good.
 */
int
group_exit_when(const struct config *cfg, struct worker *const *ws, size_t n,
    unsigned live, const struct worker *w)
{
	size_t i;

	if (cfg->exit_when == EXIT_WHEN_NEVER || w->removed ||
	    !ended_for_good(w))
		return -1;
	if (cfg->exit_when == EXIT_WHEN_ALL && live > 0)
		return -1;
	if (cfg->exit_when == EXIT_WHEN_NAMED && !named(cfg, w))
		return -1;
	for (i = 0; cfg->exit_when == EXIT_WHEN_NAMED && i < n; i++) {
		if (!ws[i]->removed && named(cfg, ws[i]) &&
		    !ended_for_good(ws[i]))
			return -1;
	}
	return group_exit_status(w);
}
