/*
 * command.c: the commands of the control socket, and the requests that
 * wait on workers.
 *
 * A request names workers (NAME: every instance, NAME:N, all); status
 * (whose reply is command_status.c's), check, signal and reload are
 * answered at once.  A start, stop or
 * restart waits on its workers, and holds back the client's next requests
 * until it is done.  Waiting requests hear of workers in
 * command_worker_changed(), which is called from inside the state machine:
 * there they are only marked, and whatever acts on a worker again (the
 * start after a restart's stop, the next request of the client) runs from
 * control.c's kick timer, on the next loop iteration, with no caller of
 * worker.c up the stack.  Targets are kept by name: a worker that reload
 * removes is freed behind our back.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "proto.h"

#define COMMAND_LOG_MAX 1000000		/* log N: lines asked for, at most */

enum phase { PH_DONE, PH_STOP, PH_START, PH_NEED_START };

/*
 * A worker a request waits on, by its id: reload may rename it (NAME
 * becomes NAME:0 when instances grows) or free it.
 */
struct target {
	unsigned long id;
	char name[WORKER_NAME_LEN];
	enum phase phase;
};
/* A start, stop or restart waiting on its workers. */
struct command_wait {
	enum proto_cmd cmd;
	struct target *t;
	size_t n, left;
	size_t failed;
};
static bool
is_down(enum worker_state st)
{
	return st == STATE_STOPPED || st == STATE_EXITED || st == STATE_FATAL;
}
static bool
selects(const struct worker *w, const char *name)
{
	return strcmp(name, "all") == 0 || strcmp(w->name, name) == 0 ||
	    strcmp(w->cfg->name, name) == 0;
}
/*
 * The workers that names select (NAME: every instance, NAME:N, all), in
 * start order, every one if there are no names; or NULL with an error
 * reply queued.  Workers that reload removed are shown and stopped, but
 * not started (live).
 */
static struct worker **
resolve(struct command_client *c, char **names, size_t nnames, bool live,
    size_t *count)
{
	struct supervisor *sv = c->sv;
	struct worker **ws, *w;
	struct pbuf unknown = { 0 };
	size_t i, j, n = 0;
	bool found;

	for (j = 0; j < nnames; j++) {
		found = strcmp(names[j], "all") == 0;
		for (i = 0; i < sv->nworkers && !found; i++)
			found = selects(sv->workers[i], names[j]) &&
			    !(live && sv->workers[i]->removed);
		if (!found)
			pbuf_addf(&unknown, "%s%s", unknown.len ? ", " : "",
			    names[j]);
	}
	if (unknown.len > 0 || unknown.failed) {
		proto_put_error(c->out, PERR_UNKNOWN, "no such worker: %s",
		    unknown.failed ? "?" : unknown.data);
		pbuf_free(&unknown);
		return NULL;
	}
	if ((ws = calloc(sv->nworkers + 1, sizeof(*ws))) == NULL) {
		c->out->failed = true;
		return NULL;
	}
	for (i = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		for (j = 0, found = nnames == 0; j < nnames && !found; j++)
			found = selects(w, names[j]);
		if (found && !(live && w->removed))
			ws[n++] = w;
	}
	*count = n;
	return ws;
}
/* status, check and signal: one pass over the selected workers. */
static void
do_select(struct command_client *c, struct proto_request *req)
{
	struct worker **ws, *w;
	size_t i, n, bad = 0;
	int sig = 0;
	char why[128];

	if (req->cmd == CMD_SIGNAL && parse_signal(req->sig, &sig) == -1) {
		proto_put_error(c->out, PERR_USAGE, "unknown signal: %s",
		    req->sig);
		return;
	}
	if ((ws = resolve(c, req->names, req->nnames, false, &n)) == NULL)
		return;
	if (req->cmd == CMD_STATUS) {
		command_status_start(c, ws, n);
		return;
	}
	for (i = 0; i < n; i++) {
		w = ws[i];
		if (req->cmd == CMD_CHECK && worker_should_run(w) &&
		    w->state != STATE_RUNNING) {
			bad++;
			proto_put_msg(c->out, "%s: %s", w->name,
			    worker_state_name(w->state));
		} else if (req->cmd == CMD_SIGNAL && w->thread != NULL) {
			if (thread_kill(w, sig, why, sizeof(why)) == -1) {
				bad++;
				proto_put_msg(c->out, "%s: %s", w->name, why);
			}
		} else if (req->cmd == CMD_SIGNAL && w->pid <= 1) {
			/* The worker's pid only: never a group, never <= 1. */
			bad++;
			proto_put_msg(c->out, "%s: not running (%s)", w->name,
			    worker_state_name(w->state));
		} else if (req->cmd == CMD_SIGNAL &&
		    spawn_signal_pid(w, sig) == -1) {
			bad++;
			proto_put_msg(c->out, "%s: kill %ld: %s", w->name,
			    (long)w->pid, strerror(errno));
		}
	}
	if (bad == 0)
		proto_put_ok(c->out);
	else if (req->cmd == CMD_CHECK)
		proto_put_error(c->out, PERR_NOTREADY, "%zu of %zu worker(s) "
		    "not running", bad, n);
	else
		proto_put_error(c->out, PERR_FAILED, "%zu of %zu worker(s) "
		    "not signalled", bad, n);
	free(ws);
}
/* metrics: the exposition, a t record per line. */
static void
do_metrics(struct command_client *c)
{
	struct pbuf m = { 0 };
	const char *p, *nl, *end;

	record_metrics(c->sv, &m);
	if (m.failed) {
		proto_put_error(c->out, PERR_INTERNAL, "out of memory");
		pbuf_free(&m);
		return;
	}
	for (p = m.data, end = m.data + m.len; p < end; p = nl + 1) {
		if ((nl = memchr(p, '\n', (size_t)(end - p))) == NULL)
			nl = end;
		proto_put_text(c->out, p, (size_t)(nl - p));
	}
	pbuf_free(&m);
	proto_put_ok(c->out);
}
/* log, follow and why: what record.c kept of the selected workers. */
static void
do_record(struct command_client *c, struct proto_request *req)
{
	struct worker **ws;
	uint64_t lines = 0;
	size_t i, n;

	if (req->cmd != CMD_WHY && (parse_number(req->sig, &lines) == -1 ||
	    lines > COMMAND_LOG_MAX)) {
		proto_put_error(c->out, PERR_USAGE, "expected a number of "
		    "lines from 0 to %d, got %s", COMMAND_LOG_MAX, req->sig);
		return;
	}
	if ((ws = resolve(c, req->names, req->nnames, false, &n)) == NULL)
		return;
	if (req->cmd == CMD_FOLLOW) {
		free(c->follow);
		if ((c->follow = calloc(n + 1, sizeof(*c->follow))) == NULL) {
			free(ws);
			c->out->failed = true;
			return;
		}
		c->nfollow = n;
	}
	for (i = 0; i < n; i++) {
		if (req->cmd == CMD_WHY)
			record_why(ws[i], c->out);
		else
			record_log(ws[i], (size_t)lines, c->out);
		if (req->cmd == CMD_FOLLOW)
			c->follow[i] = ws[i]->id;
	}
	free(ws);
	/* A follow has no final line: it goes on until one side ends it. */
	if (req->cmd != CMD_FOLLOW)
		proto_put_ok(c->out);
}
bool
command_follow_line(struct command_client *c, const struct worker *w,
    const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < c->nfollow; i++) {
		if (c->follow[i] == w->id) {
			proto_put_line(c->out, w->name, line, len);
			return true;
		}
	}
	return false;
}
static void
do_reload(struct command_client *c)
{
	struct errlist errs = { 0 };
	size_t i;

	if (c->sv->shutting_down)
		proto_put_error(c->out, PERR_FAILED, "supervise is shutting "
		    "down");
	else if (supervisor_reload(c->sv, &errs) == 0)
		proto_put_ok(c->out);
	else {
		for (i = 0; i < errs.len; i++)
			proto_put_msg(c->out, "%s", errs.msg[i]);
		proto_put_error(c->out, PERR_FAILED, "config refused with "
		    "%zu error(s); nothing changed", errs.len);
	}
	errlist_free(&errs);
}
/* Where target t of p goes, now that its worker is in state st. */
static void
target_update(struct command_client *c, struct command_wait *p,
    struct target *t, enum worker_state st)
{
	enum phase was = t->phase;
	bool ok = false;

	if (t->phase == PH_STOP) {
		if (st == STATE_STOPPING)
			return;
		if (st == STATE_STOPPED && p->cmd != CMD_STOP) {
			t->phase = PH_NEED_START;
			control_kick(c->sv);
			return;
		}
		ok = st == STATE_STOPPED;
		/* Started again by someone else (reload, a strategy)? */
		if (p->cmd != CMD_STOP && (st == STATE_STARTING ||
		    st == STATE_RUNNING))
			t->phase = PH_START;
	}
	if (t->phase == PH_START) {
		if (st == STATE_STARTING)
			return;
		ok = st == STATE_RUNNING;
	}
	if (t->phase == PH_DONE || t->phase == PH_NEED_START)
		return;
	t->phase = PH_DONE;
	p->left--;
	if (!ok) {
		p->failed++;
		proto_put_msg(c->out, "%s: %s %s", t->name,
		    worker_state_name(st), was == PH_STOP ?
		    "while stopping" : "before it was running");
	}
}
static void
pending_finish(struct command_client *c)
{
	struct command_wait *p = c->wait;

	if (p->failed > 0)
		proto_put_error(c->out, PERR_FAILED, "%s failed for %zu of %zu "
		    "worker(s)", proto_cmd_name(p->cmd), p->failed, p->n);
	else
		proto_put_ok(c->out);
	command_wait_free(p);
	c->wait = NULL;
	control_kick(c->sv);
}
/* Start the target's worker now: the second half of a restart. */
static void
target_start(struct command_client *c, struct target *t)
{
	struct supervisor *sv = c->sv;
	struct worker *w = NULL;
	size_t i;

	for (i = 0; i < sv->nworkers && w == NULL; i++)
		if (sv->workers[i]->id == t->id)
			w = sv->workers[i];
	if (w != NULL && !w->removed && !sv->shutting_down)
		worker_start(w);
	t->phase = PH_START;
	target_update(c, c->wait, t, w != NULL ? w->state : STATE_STOPPED);
}
static void
do_lifecycle(struct command_client *c, struct proto_request *req)
{
	struct supervisor *sv = c->sv;
	struct worker **ws, *w;
	struct command_wait *p;
	size_t i, n;

	if (sv->shutting_down && req->cmd != CMD_STOP) {
		proto_put_error(c->out, PERR_FAILED, "supervise is shutting "
		    "down");
		return;
	}
	if ((ws = resolve(c, req->names, req->nnames, req->cmd != CMD_STOP,
	    &n)) == NULL)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->t = calloc(n + 1, sizeof(*p->t))) == NULL) {
		free(p);
		free(ws);
		c->out->failed = true;
		return;
	}
	p->cmd = req->cmd;
	p->n = p->left = n;
	/*
	 * Act on one worker at a time and take its state right after.  The
	 * request is not yet the client's, so control_worker_changed, called
	 * from inside worker_start and worker_stop, does not see it.
	 */
	for (i = 0; i < n; i++) {
		w = ws[i];
		p->t[i].id = w->id;
		snprintf(p->t[i].name, sizeof(p->t[i].name), "%s", w->name);
		if (req->cmd == CMD_STOP || (req->cmd == CMD_RESTART &&
		    !is_down(w->state))) {
			worker_stop(w);
			p->t[i].phase = PH_STOP;
		} else if (w->state == STATE_STOPPING) {
			/* Starting it now would skip STOPPED: wait for it. */
			p->t[i].phase = PH_STOP;
		} else {
			/* A worker that is down restarts as it starts. */
			worker_start(w);
			p->t[i].phase = PH_START;
		}
		target_update(c, p, &p->t[i], w->state);
	}
	free(ws);
	c->wait = p;
	if (p->left == 0)
		pending_finish(c);
}
void
command_request(struct command_client *c, const char *line, size_t len)
{
	struct proto_request req;
	enum proto_err err;
	const char *why;

	c->sv->stats.requests++;
	if (proto_parse_request(line, len, &req, &err, &why) == -1) {
		proto_put_error(c->out, err, "%s", why);
		return;
	}
	switch (req.cmd) {
	case CMD_METRICS:
		do_metrics(c);
		break;
	case CMD_LOG:
	case CMD_FOLLOW:
	case CMD_WHY:
		do_record(c, &req);
		break;
	case CMD_STATUS:
	case CMD_CHECK:
	case CMD_SIGNAL:
		do_select(c, &req);
		break;
	case CMD_START:
	case CMD_STOP:
	case CMD_RESTART:
		do_lifecycle(c, &req);
		break;
	case CMD_RELOAD:
		do_reload(c);
		break;
	case CMD_PROGRESS:
		c->progress = true;
		proto_put_ok(c->out);
		break;
	case CMD_SHUTDOWN:
		/*
		 * No reply: the connection closes when supervise exits.  A
		 * second request during a shutdown only waits as well: asking
		 * again must not turn into the second TERM (kill at once).
		 */
		c->shutdown_wait = true;
		if (!c->sv->shutting_down)
			supervisor_shutdown(c->sv, 0);
		break;
	}
	proto_request_free(&req);
}
void
command_worker_changed(struct command_client *c, const struct worker *w)
{
	struct command_wait *p;
	size_t i;

	if ((p = c->wait) == NULL)
		return;
	for (i = 0; i < p->n; i++)
		if (p->t[i].phase != PH_DONE && p->t[i].id == w->id) {
			snprintf(p->t[i].name, sizeof(p->t[i].name), "%s",
			    w->name);
			target_update(c, p, &p->t[i], w->state);
		}
	if (p->left == 0)
		pending_finish(c);
}
void
command_kick(struct command_client *c)
{
	size_t i;

	if (c->wait == NULL)
		return;
	for (i = 0; i < c->wait->n; i++)
		if (c->wait->t[i].phase == PH_NEED_START)
			target_start(c, &c->wait->t[i]);
	if (c->wait->left == 0)
		pending_finish(c);
}
void
command_wait_free(struct command_wait *p)
{
	if (p != NULL)
		free(p->t);
	free(p);
}
