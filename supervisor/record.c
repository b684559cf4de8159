/*
 * record.c: what supervise remembers about each worker beyond its state:
 * counters for the metrics, its last output lines (a ring of log_buffer
 * bytes), and its last exits with the lines written just before each, for
 * `supervisectl why`.  The host calls in here (output.c for each line,
 * reap.c around each reap); command.c and metrics_http.c read it out.
 *
 * Memory is bounded per worker whatever the worker does: the ring by
 * log_buffer, the exits by RECORD_EXITS of at most RECORD_EXIT_BYTES of
 * lines each.  A worker's record is made on first use; out of memory, the
 * worker simply has none (counters stay 0, nothing is kept).
 */
#include <sys/wait.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "metrics.h"
#include "clock.h"
#include "proto.h"
#include "ring.h"
#include "usage.h"

#define RECORD_EXITS 8			/* exits kept for why */
#define RECORD_EXIT_LINES 10		/* lines kept with an exit */
#define RECORD_EXIT_BYTES 2048		/* bytes of them, at most */

struct exit_entry {
	int64_t time_ms;		/* Unix milliseconds */
	int64_t uptime_ms;
	pid_t pid;			/* 0: it never started */
	int status;			/* wait status; see spawn_failed */
	bool spawn_failed;		/* never reached exec */
	enum exit_reason reason;
	char decision[160];
	struct ring lines;		/* what it wrote just before */
};

struct record {
	uint64_t exits[EXIT_REASON_COUNT];
	uint64_t lines, dropped;
	uint64_t lines_at_exit;		/* lines before the last exit's run */
	struct ring ring;
	struct exit_entry hist[RECORD_EXITS];	/* a ring of exits */
	unsigned nhist, next;
};

int64_t
record_wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct record *
record_of(struct worker *w)
{
	struct record *r = w->record;
	unsigned i;

	if (r != NULL) {
		/* log_buffer changed by a reload: start a ring of the new size. */
		if (r->ring.cap != w->cfg->log_buffer) {
			ring_free(&r->ring);
			ring_init(&r->ring, w->cfg->log_buffer);
		}
		return r;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	ring_init(&r->ring, w->cfg->log_buffer);
	for (i = 0; i < RECORD_EXITS; i++)
		ring_init(&r->hist[i].lines, RECORD_EXIT_BYTES);
	w->record = r;
	return r;
}

void
record_free(struct worker *w)
{
	struct record *r = w->record;
	unsigned i;

	readings_free(w);
	if (r == NULL)
		return;
	ring_free(&r->ring);
	for (i = 0; i < RECORD_EXITS; i++)
		ring_free(&r->hist[i].lines);
	free(r);
	w->record = NULL;
}

void
record_line(struct worker *w, const char *line, size_t len)
{
	struct record *r = record_of(w);

	if (r == NULL)
		return;
	r->lines++;
	ring_push(&r->ring, line, len);
	control_follow_line(w, line, len);
}

/* Many lines at once: run holds them, each with its LF. */
void
record_run(struct worker *w, const char *run, size_t len, size_t lines)
{
	struct record *r = record_of(w);

	if (r == NULL)
		return;
	r->lines += lines;
	ring_push_run(&r->ring, run, len);
	control_follow_run(w, run, len);
}

void
record_dropped(struct worker *w)
{
	struct record *r = record_of(w);

	if (r != NULL)
		r->dropped++;
}

/* Why the process ended, from the state it ended in (before the policy). */
static enum exit_reason
classify(const struct worker *w, int wstatus, int exec_errno)
{
	if (exec_errno != 0)
		return EXIT_REASON_SPAWN;
	if (w->state == STATE_STOPPING && !w->stop_wanted &&
	    w->forced == FORCED_START_TIMEOUT)
		return EXIT_REASON_START_TIMEOUT;
	if (w->state == STATE_STOPPING && !w->stop_wanted &&
	    w->forced == FORCED_WATCHDOG)
		return EXIT_REASON_WATCHDOG;
	if (w->state == STATE_STOPPING)
		return EXIT_REASON_STOPPED;
	if (WIFSIGNALED(wstatus))
		return EXIT_REASON_SIGNAL;
	return policy_is_success(w->cfg, wstatus) ? EXIT_REASON_SUCCESS :
	    EXIT_REASON_FAILURE;
}

static void
copy_line(void *ctx, const char *line, size_t len)
{
	ring_push(ctx, line, len);
}

void
record_exit(struct worker *w, int wstatus, int exec_errno)
{
	struct record *r = record_of(w);
	struct exit_entry *e;
	int64_t now = w->host->now_ms();
	uint64_t run;

	if (r == NULL)
		return;
	e = &r->hist[r->next];
	r->next = (r->next + 1) % RECORD_EXITS;
	if (r->nhist < RECORD_EXITS)
		r->nhist++;
	e->time_ms = record_wall_ms();
	e->uptime_ms = now > w->spawned_ms ? now - w->spawned_ms : 0;
	e->pid = exec_errno != 0 ? 0 : w->pid;
	e->status = wstatus;
	e->spawn_failed = exec_errno != 0;
	e->reason = classify(w, wstatus, exec_errno);
	snprintf(e->decision, sizeof(e->decision), "?");
	r->exits[e->reason]++;
	/*
	 * The lines it wrote last (drained already), from this run only:
	 * those captured since the exit before.
	 */
	run = r->lines - r->lines_at_exit;
	r->lines_at_exit = r->lines;
	ring_free(&e->lines);
	ring_init(&e->lines, RECORD_EXIT_BYTES);
	ring_walk(&r->ring, run < RECORD_EXIT_LINES ? (size_t)run :
	    RECORD_EXIT_LINES, copy_line, &e->lines);
}

void
record_decision(struct worker *w)
{
	struct record *r = w->record;
	struct exit_entry *e;
	char delay[32];

	if (r == NULL || r->nhist == 0)
		return;
	e = &r->hist[(r->next + RECORD_EXITS - 1) % RECORD_EXITS];
	switch (w->state) {
	case STATE_BACKOFF:
		format_duration(delay, sizeof(delay), w->last_delay_ms);
		snprintf(e->decision, sizeof(e->decision), "restart in %s "
		    "(restart %u)", delay, w->restarts);
		break;
	case STATE_STARTING:
	case STATE_RUNNING:
		snprintf(e->decision, sizeof(e->decision), "restarted at once "
		    "(restart %u)", w->restarts);
		break;
	case STATE_FATAL:
		snprintf(e->decision, sizeof(e->decision), "FATAL: %s",
		    w->reason != NULL ? w->reason : "gave up");
		break;
	case STATE_EXITED:
		snprintf(e->decision, sizeof(e->decision), "EXITED%s",
		    w->sv->shutting_down ? " (supervise is shutting down)" :
		    " (restart policy)");
		break;
	case STATE_STOPPED:
		snprintf(e->decision, sizeof(e->decision), "STOPPED%s",
		    w->sv->shutting_down ? " (supervise is shutting down)" :
		    " (as asked)");
		break;
	case STATE_STOPPING:
		snprintf(e->decision, sizeof(e->decision), "STOPPING");
		break;
	}
}

/* ------------------------------------------------------------ read out */

struct put_ctx {
	struct pbuf *b;
	const char *name;
};

static void
put_log_line(void *ctx, const char *line, size_t len)
{
	struct put_ctx *p = ctx;

	proto_put_line(p->b, p->name, line, len);
}

void
record_log(struct worker *w, size_t n, struct pbuf *b)
{
	struct put_ctx p = { b, w->name };

	if (w->record != NULL && n > 0)
		ring_walk(&w->record->ring, n, put_log_line, &p);
}

static void
put_exit_line(void *ctx, const char *line, size_t len)
{
	proto_put_exit_line(ctx, line, len);
}

void
record_why(struct worker *w, struct pbuf *b)
{
	struct record *r = w->record;
	struct exit_entry *e;
	struct proto_exit x;
	char sig[16];
	unsigned i;

	for (i = 0; r != NULL && i < r->nhist; i++) {
		e = &r->hist[(r->next + RECORD_EXITS - 1 - i) % RECORD_EXITS];
		memset(&x, 0, sizeof(x));
		x.name = w->name;
		x.time_ms = e->time_ms;
		x.pid = e->pid;
		x.uptime_ms = e->uptime_ms;
		if (e->spawn_failed)
			x.last = LAST_NONE;
		else if (WIFSIGNALED(e->status)) {
			x.last = LAST_SIGNAL;
			x.signal = signal_text(WTERMSIG(e->status), sig,
			    sizeof(sig));
			x.core = WCOREDUMP(e->status);
		} else {
			x.last = LAST_CODE;
			x.code = WEXITSTATUS(e->status);
		}
		x.decision = e->decision;
		proto_put_exit(b, &x);
		ring_walk(&e->lines, RECORD_EXIT_LINES, put_exit_line, b);
	}
}


void
record_metrics(struct supervisor *sv, struct pbuf *b)
{
	const char *states[STATE_FATAL + 1];
	struct metrics_info in = { 0 };
	struct metrics_worker *mw;
	const struct usage *u;
	struct worker *w;
	int64_t now = sv->host->now_ms(), wall = record_wall_ms();
	int64_t now_ns = clock_mono_ns();
	unsigned reads = usage_inline_budget(sv->nworkers);
	size_t i;
	int s;

	for (s = 0; s <= STATE_FATAL; s++)
		states[s] = worker_state_name((enum worker_state)s);
	if ((mw = calloc(sv->nworkers + 1, sizeof(*mw))) == NULL) {
		b->failed = true;
		return;
	}
	in.version = SUPERVISE_VERSION;
	in.mode = sv->cfg->mode == MODE_THREAD ? "thread" : "process";
	in.states = states;
	in.nstates = STATE_FATAL + 1;
	in.start_time = (double)sv->stats.start_ms / 1000.0;
	in.reloads = sv->stats.reloads;
	in.reloads_failed = sv->stats.reloads_failed;
	in.control_requests = sv->stats.requests;
	readings_asked(sv);
	for (i = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		mw[i].name = w->name;
		mw[i].state = (unsigned)w->state;
		mw[i].running = w->state == STATE_RUNNING;
		if (worker_is_up(w) && now >= w->spawned_ms) {
			mw[i].uptime = (double)(now - w->spawned_ms) / 1000.0;
			mw[i].start_time = (double)(wall - (now -
			    w->spawned_ms)) / 1000.0;
		}
		mw[i].restarts = w->restarts;
		if (w->has_exited) {
			mw[i].has_exit = true;
			mw[i].last_signal = WIFSIGNALED(w->last_status) ?
			    WTERMSIG(w->last_status) : 0;
			mw[i].last_code = WIFSIGNALED(w->last_status) ? -1 :
			    WEXITSTATUS(w->last_status);
		}
		/* As status shows them: the readings of readings.c. */
		if ((u = readings_get(w, now_ns, &reads)) != NULL) {
			mw[i].has_proc = true;
			mw[i].cpu_seconds = (double)u->cpu_ms / 1000.0;
			mw[i].rss_bytes = u->rss_bytes;
		}
		if (w->record != NULL) {
			memcpy(mw[i].exits, w->record->exits,
			    sizeof(mw[i].exits));
			mw[i].lines = w->record->lines;
			mw[i].dropped = w->record->dropped;
		}
	}
	metrics_encode(b, &in, mw, sv->nworkers);
	free(mw);
}
