/*
 * readings.c: each worker's last CPU and RSS reading (usage.h), kept so
 * that status, top and the metrics encode figures supervise has instead of
 * reading /proc/PID/stat for every row while the loop waits (a read costs
 * microseconds: ten thousand of them would hold the loop for a tenth of a
 * second).  See supervisectl(1),
 * COMMANDS, status, for what a client sees.
 *
 * A request of at most USAGE_INLINE_READS rows reads its stale rows
 * itself, so that a small supervise, or a status of a few workers, always
 * answers with fresh figures; a larger one reads none, so that its reply
 * does not wait a read per row for the few it could afford.  The rest are
 * read by a background refresh, a bounded slice at a time from an idle watcher of
 * the lowest priority (it runs only when nothing else is pending), and
 * only while a reader asked within USAGE_READER_NS: an idle supervise has
 * no watcher of ours armed and makes no system call for it.  Slices are
 * USAGE_SLICE_GAP_NS apart, a timer between them, so that the refresh
 * of ten thousand rows takes a few per cent of a CPU, not all of one
 * the restarts need too.  Once every row is fresh the refresh sleeps on
 * the same timer until the first goes stale.
 *
 * A reading is only ever of the worker's own, unreaped child, and kept
 * with its pid: a /proc entry naming another parent is not the worker's
 * (the reading says so, valid = false), and a reading of an earlier
 * process of the worker is never shown for the new one.
 */
#include <ev.h>
#include <stdlib.h>

#include "clock.h"
#include "daemon.h"
#include "procstat.h"
#include "usage.h"

struct readings {
	struct supervisor *sv;
	ev_idle idle;		/* a refresh slice when the loop is idle */
	ev_timer timer;		/* until the next slice, or a row goes stale */
	struct usage_scan scan;
	int64_t asked_ns;	/* a reader's last request */
	int64_t now_ns;		/* the slice's */
};

/* The worker's own process, if it has one to read. */
static bool
has_process(const struct worker *w)
{
	return w->thread == NULL && w->pid > 1;
}

/* Read w's process now into its reading; false if out of memory. */
static bool
take(struct worker *w, int64_t now_ns)
{
	struct procstat ps;
	struct usage *u = w->usage;

	if (u == NULL && (u = w->usage = calloc(1, sizeof(*u))) == NULL)
		return false;
	u->pid = w->pid;
	u->taken_ns = now_ns;
	u->valid = procstat_read(w->pid, &ps) == 0 &&
	    ps.ppid == (long)w->sv->pid;
	u->cpu_ms = u->valid ? ps.cpu_ms : 0;
	u->rss_bytes = u->valid ? ps.rss_bytes : 0;
	return true;
}

const struct usage *
readings_get(struct worker *w, int64_t now_ns, unsigned *budget)
{
	if (!has_process(w))
		return NULL;
	if (*budget > 0 && usage_stale(w->usage, w->pid, now_ns)) {
		(*budget)--;
		if (!take(w, now_ns))
			return NULL;
	}
	return usage_showable(w->usage, w->pid, now_ns) ? w->usage : NULL;
}

static enum usage_row
look(void *ctx, size_t i, int64_t *due_ns)
{
	struct readings *rd = ctx;
	const struct worker *w = rd->sv->workers[i];

	if (!has_process(w))
		return USAGE_ROW_NONE;
	if (usage_stale(w->usage, w->pid, rd->now_ns))
		return USAGE_ROW_STALE;
	*due_ns = w->usage->taken_ns + USAGE_FRESH_NS;
	return USAGE_ROW_FRESH;
}

static int64_t
read_row(void *ctx, size_t i)
{
	struct readings *rd = ctx;

	/* Out of memory, try again in a while like a failed read. */
	(void)take(rd->sv->workers[i], rd->now_ns);
	return rd->now_ns + USAGE_FRESH_NS;
}

static void
idle_cb(struct ev_loop *loop, ev_idle *idle, int revents)
{
	struct readings *rd = container_of(idle, struct readings, idle);
	int64_t due;

	(void)revents;
	rd->now_ns = clock_mono_ns();
	if (!usage_reader_active(rd->asked_ns, rd->now_ns)) {
		ev_idle_stop(loop, idle);
		return;
	}
	switch (usage_slice(&rd->scan, rd->sv->nworkers, look, read_row,
	    rd)) {
	case USAGE_MORE:
		ev_idle_stop(loop, idle);
		ev_timer_set(&rd->timer, (double)USAGE_SLICE_GAP_NS / 1e9, 0.0);
		ev_timer_start(loop, &rd->timer);
		return;
	case USAGE_WAIT:
		ev_idle_stop(loop, idle);
		due = rd->scan.due_ns;
		/* Nobody will be asking by then: let the readings age. */
		if (!usage_reader_active(rd->asked_ns, due))
			return;
		ev_timer_set(&rd->timer, due > rd->now_ns ?
		    (double)(due - rd->now_ns) / 1e9 : 0.0, 0.0);
		ev_timer_start(loop, &rd->timer);
		return;
	case USAGE_IDLE:
		ev_idle_stop(loop, idle);
		return;
	}
}

static void
timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct readings *rd = container_of(t, struct readings, timer);

	(void)revents;
	ev_idle_start(loop, &rd->idle);
}

void
readings_asked(struct supervisor *sv)
{
	struct readings *rd = sv->readings;

	if (rd == NULL) {
		/* Out of memory: requests still read their budget inline. */
		if ((rd = calloc(1, sizeof(*rd))) == NULL)
			return;
		rd->sv = sv;
		ev_idle_init(&rd->idle, idle_cb);
		ev_set_priority(&rd->idle, EV_MINPRI);
		ev_init(&rd->timer, timer_cb);
		sv->readings = rd;
	}
	rd->asked_ns = clock_mono_ns();
	if (!ev_is_active(&rd->idle) && !ev_is_active(&rd->timer))
		ev_idle_start(sv->loop, &rd->idle);
}

void
readings_free(struct worker *w)
{
	free(w->usage);
	w->usage = NULL;
}

void
readings_close(struct supervisor *sv)
{
	struct readings *rd = sv->readings;

	if (rd == NULL)
		return;
	ev_idle_stop(sv->loop, &rd->idle);
	ev_timer_stop(sv->loop, &rd->timer);
	free(rd);
	sv->readings = NULL;
}
