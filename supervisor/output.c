/*
 * output.c: worker output capture.  A worker whose stdout or stderr is
 * `prefix` or `file:PATH` writes into a pipe; supervise reads it from the
 * loop, cuts it into lines (linebuf.c) and queues whole lines on a sink
 * (sink.c): its own stdout ("NAME | line") or an appended file (the line
 * as is).  Here are the pipes of each worker, made before fork and read
 * until the worker is gone; a sink that falls behind pauses them, or has
 * their lines dropped and counted.
 */

#include <sys/queue.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"

#define DRAIN_MAX	(1024 * 1024)	/* read from a pipe at exit, at most */

/*
 * A pipe that gives OUTPUT_POUR bytes or more in one callback is being
 * written in bulk, a write(2) waking supervise for each few kilobytes:
 * then the loop polls at most every PACE_INTERVAL seconds (libev's I/O
 * collect interval), so that each wake-up reads what many writes brought,
 * until PACE_COOL seconds pass without such a callback.  A pipe into a
 * steady sink grows to POUR_PIPE bytes, room for what the writer writes
 * in the meantime.  See supervise(1), WORKER OUTPUT.
 */
#define OUTPUT_POUR	(8 * 1024)
#define POUR_PIPE	(1024 * 1024)
#define PACE_INTERVAL	0.0001
#define PACE_COOL	0.01

struct output_pace {
	ev_timer cool;		/* armed while paced: back to polling at once */
};

/* One pipe from a worker: its fd 1, its fd 2, or both. */
struct stream {
	TAILQ_ENTRY(stream) entry;	/* on its sink's streams */
	TAILQ_ENTRY(stream) park;	/* on its sink's parked, if parked */
	TAILQ_ENTRY(stream) drop;	/* on its sink's dropping, if dropped */
	bool parked;
	struct worker *w;
	struct sink *sink;
	ev_io io;
	int fd;				/* read end, -1 when closed */
	bool live;			/* the child has the other end */
	bool grown;			/* its pipe was grown to POUR_PIPE */
	size_t plen;			/* "NAME | " on stdout, 0 for a file */
	unsigned long long dropped;	/* lines dropped, not yet reported */
	char prefix[WORKER_NAME_LEN + 3];	/* plen bytes, no NUL */
	struct linebuf lb;
};

struct output {
	struct stream *st[2];		/* fd 1 and fd 2; [1] NULL if merged */
};

static void	stream_read_cb(struct ev_loop *, ev_io *, int);

/* Stop reading st until its sink resumes (sink_watch). */
static void
stream_park(struct stream *st)
{
	ev_io_stop(st->w->sv->loop, &st->io);
	if (!st->parked) {
		st->parked = true;
		TAILQ_INSERT_TAIL(&st->sink->parked, st, park);
	}
}

/*
 * Start or stop reading a pipe, as its state and its sink's allow.
 *
 * A sink's pause costs nothing at once, whatever the number of pipes
 * feeding it: each pipe that turns readable while its sink is paused
 * stops its own watcher and parks on the sink, and the resume starts the
 * parked ones only.  Idle pipes, most of ten thousand, are never touched.
 */
static void
stream_watch(struct stream *st)
{
	if (!st->live)
		ev_io_stop(st->w->sv->loop, &st->io);
	else if (st->sink->state == SINK_PAUSED)
		stream_park(st);
	else
		ev_io_start(st->w->sv->loop, &st->io);
}

static void
stream_unpark(struct stream *st)
{
	if (st->parked) {
		st->parked = false;
		TAILQ_REMOVE(&st->sink->parked, st, park);
	}
}

/* The sink's listener: its state changed; a resume reads what parked. */
static void
sink_watch(struct sink *s)
{
	struct stream *st;

	if (s->state == SINK_PAUSED)
		return;
	while ((st = TAILQ_FIRST(&s->parked)) != NULL) {
		stream_unpark(st);
		stream_watch(st);
	}
}

/* A line of st dropped: counted, and st listed for the next report. */
static void
stream_drop(struct stream *st, unsigned long long n)
{
	if (n == 0)
		return;
	if (st->dropped == 0)
		TAILQ_INSERT_TAIL(&st->sink->dropping, st, drop);
	st->dropped += n;
}

static void
stream_report(struct stream *st)
{
	if (st->dropped == 0)
		return;
	log_warnx("%s: output dropped: %llu line%s (%s is not keeping up)",
	    st->w->name, st->dropped, st->dropped == 1 ? "" : "s",
	    st->sink->label);
	st->dropped = 0;
	TAILQ_REMOVE(&st->sink->dropping, st, drop);
}

/* The sink's listener: say what its pipes dropped (those that did). */
static void
sink_report(struct sink *s)
{
	struct stream *st;

	while ((st = TAILQ_FIRST(&s->dropping)) != NULL)
		stream_report(st);
}

/*
 * linebuf's emit, for the lines stream_feed does not copy itself (a CR,
 * a long line, one held from the last read, a full queue, a sink that
 * drops): queue one whole line, or drop and count it.
 */
static void
stream_emit(void *ctx, const char *line, size_t len)
{
	struct stream *st = ctx;
	struct sink *s = st->sink;
	struct linequeue *q = &s->q;
	size_t need = st->plen + len + 1;
	char *p;

	record_line(st->w, line, len);
	if (s->broken)
		return;
	if (s->state == SINK_DROPPING) {
		stream_drop(st, 1);
		record_dropped(st->w);
		return;
	}
	if ((p = linequeue_reserve(q, need, SINK_QUEUE_CAP)) == NULL) {
		stream_drop(st, 1);
		return;
	}
	memcpy(p, st->prefix, st->plen);
	memcpy(p + st->plen, line, len);
	p[need - 1] = '\n';
	q->len += need;
}

/*
 * Where stream_feed may copy lines for n bytes of input: what the queue
 * has free at its end, or room for the lines n bytes make if they are not
 * very short (a guess: more is reserved when they are), within the cap.
 */
static char *
stream_room(struct stream *st, size_t n, size_t *room)
{
	struct linequeue *q = &st->sink->q;
	size_t want = n + st->plen * (n / 8 + 1);
	size_t tail = q->alloc - q->start - q->len;

	if (want < tail)
		want = tail;
	if (want > SINK_QUEUE_CAP - q->len)
		want = SINK_QUEUE_CAP - q->len;
	*room = want;
	return want > 0 ? linequeue_reserve(q, want, SINK_QUEUE_CAP) : NULL;
}

/*
 * Cut what was read into lines and queue them.  Runs of whole lines go
 * straight to the queue with their prefix (linebuf_copy_lines) and to the
 * worker's record as one run; a line that needs more (see stream_emit)
 * goes through linebuf_feed on its own.  Per line that is a memchr and
 * two copies, which is what lets capture keep up with a worker writing
 * short lines as fast as it can (bench/output_throughput.sh).
 */
static void
stream_feed(struct stream *st, const char *data, size_t n)
{
	struct sink *s = st->sink;
	const char *nl;
	size_t k, lines, room;
	char *out;

	while (n > 0) {
		if (!s->broken && s->state != SINK_DROPPING &&
		    st->lb.len == 0 && !st->lb.cr &&
		    (out = stream_room(st, n, &room)) != NULL &&
		    (k = linebuf_copy_lines(&st->lb, data, n, st->prefix,
		    st->plen, out, room, &lines)) > 0) {
			s->q.len += k + lines * st->plen;
			record_run(st->w, data, k, lines);
			data += k;
			n -= k;
			continue;
		}
		nl = memchr(data, '\n', n);
		k = nl != NULL ? (size_t)(nl - data) + 1 : n;
		linebuf_feed(&st->lb, data, k, stream_emit, st);
		data += k;
		n -= k;
	}
}

/* How much to read now so that the lines it makes surely fit. */
static size_t
stream_budget(const struct stream *st)
{
	const struct sink *s = st->sink;

	if (s->broken || s->state == SINK_DROPPING)
		return OUTPUT_READ_MAX;
	return linebuf_budget(SINK_QUEUE_CAP - s->q.len, st->plen,
	    OUTPUT_READ_MAX);
}

static void
stream_close(struct stream *st)
{
	if (st->fd == -1)
		return;
	ev_io_stop(st->w->sv->loop, &st->io);
	stream_unpark(st);
	close(st->fd);
	st->fd = -1;
	st->live = false;
}

/* The pipes have not poured for PACE_COOL: poll at once again. */
static void
pace_cool_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)revents;
	ev_timer_stop(loop, t);
	ev_set_io_collect_interval(loop, 0.0);
}

/* st poured: grow its pipe once, and pace the loop for a while. */
static void
pace_pour(struct stream *st)
{
	struct supervisor *sv = st->w->sv;
	struct output_pace *pc = sv->pace;

	/*
	 * Only towards a sink that never waits on a reader: what is left in
	 * the pipe at the worker's exit is read at once, and a slow reader's
	 * full queue would have to drop what a grown pipe held.  Where the
	 * kernel refuses (its limits), the pipe stays as it is.
	 */
	if (!st->grown && st->sink->steady) {
		st->grown = true;
		(void)fcntl(st->fd, F_SETPIPE_SZ, POUR_PIPE);
	}
	if (!ev_is_active(&pc->cool))
		ev_set_io_collect_interval(sv->loop, PACE_INTERVAL);
	ev_timer_again(sv->loop, &pc->cool);
}

/*
 * The pipe is readable: read it until it is empty, a read at a time as the
 * sink's queue has room for, up to OUTPUT_READ_PASS bytes so that other
 * pipes get their turn.  The queue is written once per loop pass
 * (sink_flush_later), so ten pipes feeding one sink cost one write, not
 * ten; only a queue past SINK_FLUSH_NOW is written at once, which keeps
 * the budget of the next read large.  Whether the sink pauses its pipes
 * is decided once per pass too, so that every pipe ready in it is read.
 */
static void
stream_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct stream *st = container_of(io, struct stream, io);
	struct sink *s = st->sink;
	char *rbuf = sink_read_buffer(st->w->sv);
	size_t budget, total = 0;
	ssize_t n;

	(void)revents;
	(void)loop;
	if (s->state == SINK_PAUSED) {
		stream_park(st);	/* until the resume */
		return;
	}
	while (total < OUTPUT_READ_PASS) {
		if ((budget = stream_budget(st)) == 0) {
			/*
			 * Only near SINK_QUEUE_CAP, which a flush has just
			 * paused: the resume starts it again.
			 */
			if (total == 0)
				stream_park(st);
			break;
		}
		n = read(st->fd, rbuf, budget);
		if (n > 0) {
			stream_feed(st, rbuf, (size_t)n);
			total += (size_t)n;
			/*
			 * A sink that does not take it all now is slow: the
			 * other pipes feeding it get their turn in this pass
			 * before the pass's flush decides on a pause.
			 */
			if (s->q.len >= SINK_FLUSH_NOW && !sink_write(s))
				break;
			/* A short read emptied the pipe: no read for EAGAIN. */
			if ((size_t)n < budget)
				break;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		if (n == 0 || errno != EAGAIN) {
			/* Every writer closed it, the worker is still running. */
			if (n == -1)
				log_warnx("%s: reading output: %s", st->w->name,
				    strerror(errno));
			linebuf_flush(&st->lb, stream_emit, st);
			stream_close(st);
		}
		break;
	}
	sink_flush_later(s);
	if (total >= OUTPUT_POUR && st->w->sv->pace != NULL)
		pace_pour(st);
	if (s->state != SINK_DROPPING)
		stream_report(st);
}

/*
 * The worker is gone: read what is left, but do not wait for EOF, which a
 * grandchild holding the pipe would delay forever.  This ignores the pause:
 * the last lines of a crashing worker are the ones that matter; what does
 * not fit in the queue is dropped and counted.
 */
static void
stream_drain(struct stream *st)
{
	char *rbuf = sink_read_buffer(st->w->sv);
	size_t total = 0;
	ssize_t n;

	if (st->fd == -1)
		return;
	while (total < DRAIN_MAX) {
		n = read(st->fd, rbuf, OUTPUT_READ_MAX);
		if (n > 0) {
			stream_feed(st, rbuf, (size_t)n);
			total += (size_t)n;
		} else if (n == 0 || errno != EINTR)
			break;
	}
	linebuf_flush(&st->lb, stream_emit, st);
	stream_close(st);
	sink_flush(st->sink);
	if (st->sink->state != SINK_DROPPING)
		stream_report(st);
}

static void
stream_free(struct stream *st)
{
	if (st == NULL)
		return;
	stream_close(st);
	stream_report(st);
	TAILQ_REMOVE(&st->sink->streams, st, entry);
	sink_put(st->sink);
	free(st);
}

/* Free the worker's capture state; its pipes are closed already. */
static void
output_release(struct worker *w)
{
	if (w->output == NULL)
		return;
	stream_free(w->output->st[0]);
	stream_free(w->output->st[1]);
	free(w->output);
	w->output = NULL;
}

static struct stream *
stream_new(struct worker *w, struct sink *s, int fd)
{
	struct stream *st;

	if ((st = malloc(sizeof(*st))) == NULL)
		return NULL;
	memset(st, 0, offsetof(struct stream, lb));
	st->w = w;
	st->sink = s;
	st->fd = fd;
	if (s->path == NULL) {
		st->plen = strlen(w->name) + 3;
		memcpy(st->prefix, w->name, st->plen - 3);
		memcpy(st->prefix + st->plen - 3, " | ", 3);
	}
	linebuf_init(&st->lb);
	ev_io_init(&st->io, stream_read_cb, fd, EV_READ);
	return st;
}

static bool
same_target(const struct output_spec *a, const struct output_spec *b)
{
	if (b->kind == OUTPUT_STDOUT)
		return true;
	if (a->kind != b->kind)
		return false;
	return a->kind != OUTPUT_FILE || strcmp(a->path, b->path) == 0;
}

int
output_prepare(struct worker *w, int child_fd[2], char *why, size_t whylen)
{
	const struct output_spec *spec[2] = { &w->cfg->out, &w->cfg->err };
	struct sink *sink[2] = { NULL, NULL };
	struct stream *st[2] = { NULL, NULL };
	unsigned long long carried[2] = { 0, 0 };
	struct output *o = NULL;
	int rd[2] = { -1, -1 }, pfd[2];
	int i, n;
	bool merged;

	child_fd[0] = child_fd[1] = -1;
	n = same_target(spec[0], spec[1]) ? 1 : 2;
	for (i = 0; i < n; i++) {
		switch (spec[i]->kind) {
		case OUTPUT_PREFIX:
			sink[i] = sink_get(w->sv, NULL, NULL, why, whylen);
			break;
		case OUTPUT_FILE:
			sink[i] = sink_get(w->sv, spec[i]->path, w->cfg, why,
			    whylen);
			if (sink[i] == NULL)
				goto fail;
			break;
		case OUTPUT_NULL:
			child_fd[i] = open("/dev/null", O_WRONLY | O_CLOEXEC);
			if (child_fd[i] == -1)
				goto fail_errno;
			break;
		case OUTPUT_INHERIT:
		case OUTPUT_STDOUT:
			break;
		}
		if (sink[i] == NULL)
			continue;
		if (pipe2(pfd, O_CLOEXEC) == -1)
			goto fail_errno;
		/* Only supervise's end: the worker's stays blocking. */
		(void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
		rd[i] = pfd[0];
		child_fd[i] = pfd[1];
	}
	if (n == 1 && spec[1]->kind == OUTPUT_STDOUT &&
	    spec[0]->kind == OUTPUT_INHERIT) {
		/* stderr = stdout with stdout inherited: fd 2 is our fd 1. */
		child_fd[1] = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
		if (child_fd[1] == -1)
			goto fail_errno;
	} else if (n == 1)
		child_fd[1] = child_fd[0];

	if (sink[0] != NULL || sink[1] != NULL) {
		if ((o = calloc(1, sizeof(*o))) == NULL)
			goto fail_errno;
		for (i = 0; i < 2; i++) {
			if (sink[i] == NULL)
				continue;
			if ((st[i] = stream_new(w, sink[i], rd[i])) == NULL)
				goto fail_errno;
		}
	}

	/* Nothing can fail now: replace the streams of the last run. */
	for (i = 0; w->output != NULL && i < 2; i++) {
		/* While its sink drops, the count goes on to the next run. */
		if (st[i] != NULL && w->output->st[i] != NULL &&
		    w->output->st[i]->sink == sink[i] &&
		    sink[i]->state == SINK_DROPPING &&
		    w->output->st[i]->dropped > 0) {
			carried[i] = w->output->st[i]->dropped;
			w->output->st[i]->dropped = 0;
			TAILQ_REMOVE(&sink[i]->dropping, w->output->st[i],
			    drop);
		}
	}
	output_release(w);
	for (i = 0; i < 2; i++) {
		if (st[i] == NULL)
			continue;
		TAILQ_INSERT_TAIL(&sink[i]->streams, st[i], entry);
		stream_drop(st[i], carried[i]);
		o->st[i] = st[i];
	}
	w->output = o;
	return 0;

fail_errno:
	snprintf(why, whylen, "output: %s", strerror(errno));
fail:
	merged = child_fd[1] == child_fd[0];
	for (i = 0; i < 2; i++) {
		free(st[i]);
		if (rd[i] != -1)
			close(rd[i]);
		if (child_fd[i] != -1 && (i == 0 || !merged))
			close(child_fd[i]);
		if (sink[i] != NULL)
			sink_put(sink[i]);
	}
	child_fd[0] = child_fd[1] = -1;
	free(o);
	return -1;
}

static void
close_child_fds(int child_fd[2])
{
	if (child_fd[0] != -1)
		close(child_fd[0]);
	if (child_fd[1] != -1 && child_fd[1] != child_fd[0])
		close(child_fd[1]);
	child_fd[0] = child_fd[1] = -1;
}

void
output_started(struct worker *w, int child_fd[2])
{
	struct stream *st;
	int i;

	close_child_fds(child_fd);
	if (w->output == NULL)
		return;
	for (i = 0; i < 2; i++) {
		if ((st = w->output->st[i]) == NULL || st->fd == -1)
			continue;
		st->live = true;
		stream_watch(st);
	}
}

void
output_abort(struct worker *w, int child_fd[2])
{
	int i;

	close_child_fds(child_fd);
	if (w->output == NULL)
		return;
	for (i = 0; i < 2; i++)
		if (w->output->st[i] != NULL)
			stream_close(w->output->st[i]);
}

void
output_drain(struct worker *w)
{
	int i;

	if (w->output == NULL || w->sv->out == NULL)
		return;
	for (i = 0; i < 2; i++)
		if (w->output->st[i] != NULL)
			stream_drain(w->output->st[i]);
}

static const struct sink_listener listener = {
	.watch = sink_watch,
	.report = sink_report,
};

int
output_init(struct supervisor *sv)
{
	if ((sv->pace = calloc(1, sizeof(*sv->pace))) == NULL)
		return -1;
	ev_init(&sv->pace->cool, pace_cool_cb);
	sv->pace->cool.repeat = PACE_COOL;
	if (sink_init(sv, &listener) == -1) {
		free(sv->pace);
		sv->pace = NULL;
		return -1;
	}
	return 0;
}

void
output_reopen(struct supervisor *sv)
{
	sink_reopen(sv);
}

void
output_free(struct worker *w)
{
	if (w->sv->out == NULL)
		return;
	output_release(w);
}

/*
 * At exit, in this order: read every pipe still open (the workers are
 * reaped by now), write what the sinks hold for a while at most, release
 * the pipes, then the sinks.
 */
void
output_shutdown(struct supervisor *sv)
{
	size_t i;

	if (sv->out == NULL)
		return;
	for (i = 0; i < sv->nworkers; i++)
		output_drain(sv->workers[i]);
	sink_flush_all(sv);
	for (i = 0; i < sv->nworkers; i++)
		output_free(sv->workers[i]);
	sink_close(sv);
	if (sv->pace != NULL) {
		ev_timer_stop(sv->loop, &sv->pace->cool);
		free(sv->pace);
		sv->pace = NULL;
	}
}
