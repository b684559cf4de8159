/*
 * after.c: the order that after= imposes at run time.  A worker starts
 * only once every instance of each section it names is RUNNING, or has
 * EXITED with a success status; at shutdown a worker is stopped only once
 * every worker that names it is down.  Restarts by policy, and starts by
 * request (supervisectl start), do not wait.
 */
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

bool
after_deps_ready(const struct supervisor *sv, const struct worker *w)
{
	const struct worker *o;
	size_t i;

	if (w->cfg->nafter == 0)
		return true;
	for (i = 0; i < sv->nworkers; i++) {
		o = sv->workers[i];
		if (o != w && !o->removed && names(w->cfg, o->cfg->name) &&
		    !satisfied(o))
			return false;
	}
	return true;
}

bool
after_dependents_down(const struct supervisor *sv, const struct worker *w)
{
	const struct worker *o;
	size_t i;

	for (i = 0; i < sv->nworkers; i++) {
		o = sv->workers[i];
		if (o != w && worker_is_up(o) && names(o->cfg, w->cfg->name))
			return false;
	}
	return true;
}

/*
 * Run after state changes, from the loop (never from inside worker.c):
 * start what waited for its dependencies, stop what waited for its
 * dependents.  Only while some worker waits (sv->after_pending, set by
 * whoever makes one wait): a restart among 10,000 workers that wait for
 * nothing walks none of them.
 */
void
after_settle(struct supervisor *sv)
{
	struct worker *w;
	bool waiting = false;
	size_t i;

	if (!sv->after_pending)
		return;
	for (i = sv->nworkers; i-- > 0; ) {
		w = sv->workers[i];
		if (w->stop_pending && after_dependents_down(sv, w)) {
			w->stop_pending = false;
			worker_stop(w);
		}
	}
	for (i = 0; i < sv->nworkers && !sv->shutting_down; i++) {
		w = sv->workers[i];
		if (w->start_pending && after_deps_ready(sv, w)) {
			w->start_pending = false;
			worker_start(w);
		}
	}
	for (i = 0; i < sv->nworkers && !waiting; i++)
		waiting = sv->workers[i]->start_pending ||
		    sv->workers[i]->stop_pending;
	sv->after_pending = waiting;
}
