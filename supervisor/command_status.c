/*
 * command_status.c: the status reply (see supervisectl(1), COMMANDS): one
 * row per selected worker, encoded a slice per loop pass so that a
 * status of thousands of workers never holds the loop, each row with
 * the worker's last CPU and RSS reading (readings.c) rather than a read
 * of /proc per row.  Targets are kept by pointer while the reply is
 * under way: a worker that reload frees is taken out first
 * (command_worker_freed).
 */
#include <sys/wait.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "daemon.h"
#include "proto.h"
#include "usage.h"

/*
 * A status reply under way: its workers as the request selected them, a
 * chunk of rows encoded per loop pass.  A worker freed meanwhile (reload
 * removed it) is taken out of ws and left out of the reply.
 */
struct command_status {
	struct worker **ws;
	int64_t now;		/* uptimes as of the request */
	int64_t now_ns;		/* the slice's, for the readings' age */
	unsigned reads;		/* stale readings it may still read itself */
	char sig[16];		/* the row's signal name, if not a known one */
	struct proto_rows rows;
};
/*
 * Rows are encoded STATUS_STEP at a time until STATUS_SLICE_NS have
 * passed: a row of a small request may cost a read of /proc
 * (usage_inline_budget), whose time varies with the machine more than
 * the encoding does.
 */
#define STATUS_STEP	4
#define STATUS_SLICE_NS	30000

/* One loop pass's share of the rows: true once the reply is complete. */
static bool
status_slice(struct command_client *c, struct command_status *st)
{
	int64_t t0 = clock_mono_ns();

	st->now_ns = t0;
	do {
		if (proto_put_rows(c->out, &st->rows, STATUS_STEP))
			return true;
	} while (clock_mono_ns() - t0 < STATUS_SLICE_NS);
	return false;
}
static bool
fill_row(void *ctx, size_t i, struct proto_row *r)
{
	struct command_status *st = ctx;
	struct worker *w = st->ws[i];
	const struct usage *u;

	if (w == NULL)
		return false;
	r->name = w->name;
	r->state = worker_state_name(w->state);
	r->pid = w->pid > 1 ? w->pid : 0;
	if (worker_is_up(w) && st->now > w->spawned_ms)
		r->uptime_ms = st->now - w->spawned_ms;
	r->restarts = w->restarts;
	if (w->has_exited && WIFSIGNALED(w->last_status)) {
		r->last = LAST_SIGNAL;
		r->signal = signal_text(WTERMSIG(w->last_status), st->sig,
		    sizeof(st->sig));
	} else if (w->has_exited) {
		r->last = LAST_CODE;
		r->code = WEXITSTATUS(w->last_status);
	}
	r->text = w->status_text;
	/*
	 * CPU and memory of the worker's own process (not of what it
	 * forked): its last reading, read again first if stale while the
	 * request's budget lasts (readings.c).
	 */
	if ((u = readings_get(w, st->now_ns, &st->reads)) != NULL) {
		r->usage = true;
		r->cpu_ms = u->cpu_ms;
		r->rss_bytes = u->rss_bytes;
		r->usage_age_ms = (st->now_ns - u->taken_ns) / 1000000;
	}
	return true;
}
void
command_status_free(struct command_status *st)
{
	if (st == NULL)
		return;
	free(st->ws);
	free(st);
}
/*
 * status: the header and the first chunk of rows now, the rest from the
 * kick timer, a chunk per loop pass (command_status_more), so that a
 * worker's exit is reaped between chunks, not after the whole reply.
 * ws becomes the reply's.
 */
void
command_status_start(struct command_client *c, struct worker **ws, size_t n)
{
	struct supervisor *sv = c->sv;
	struct command_status *st;

	proto_put_header(c->out, sv->cfg->mode == MODE_THREAD ?
	    "thread" : "process", (long)sv->pid);
	readings_asked(sv);
	if ((st = calloc(1, sizeof(*st))) == NULL) {
		c->out->failed = true;
		free(ws);
		return;
	}
	st->ws = ws;
	st->now = sv->host->now_ms();
	st->reads = usage_inline_budget(n);
	st->rows.n = n;
	st->rows.fill = fill_row;
	st->rows.ctx = st;
	if (status_slice(c, st)) {
		command_status_free(st);
		return;
	}
	c->status = st;
	control_kick(sv);
}
bool
command_status_more(struct command_client *c)
{
	if (c->status == NULL)
		return false;
	if (!status_slice(c, c->status))
		return true;
	command_status_free(c->status);
	c->status = NULL;
	return false;
}
void
command_worker_freed(struct command_client *c, const struct worker *w)
{
	struct command_status *st = c->status;
	size_t i;

	for (i = 0; st != NULL && i < st->rows.n; i++)
		if (st->ws[i] == w)
			st->ws[i] = NULL;
}
