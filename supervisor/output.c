/*
 * Worker output capture.  A worker whose stdout or stderr is `prefix` or
 * `file:PATH` writes into a pipe; supervise reads it from the loop, cuts
 * it into lines (linebuf.c) and queues whole lines on a sink: its own
 * stdout ("NAME | line") or an appended file (the line as is).
 *
 * Every sink has a bounded queue written with non-blocking writes, so a
 * slow reader never blocks the loop.  When the sink falls behind, the
 * queue passes QUEUE_HIGH and the pipes feeding it are no longer read:
 * the workers block in write(2) and nothing is lost (backpressure).  But
 * a sink that takes nothing for STALL_SECS while paused has a stalled
 * reader, and workers blocked on it would look hung: then the pipes are
 * read again and their lines dropped and counted until the queue drains.
 *
 * supervise's fd 1 is shared with `inherit` workers and the terminal, so
 * it never gets O_NONBLOCK.  A pipe, FIFO or terminal is opened again
 * through /proc/self/fd/1, which gives a new open file description of our
 * own; a socket is written with send(MSG_DONTWAIT); a regular file never
 * blocks for long and is written directly.
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "supervise.h"

/*
 * The pause leaves most of the queue free for what is read at a worker's
 * exit, so that a crash's last lines fit even when the sink is slow.
 */
#define QUEUE_CAP	(256 * 1024)	/* bytes queued on a sink, at most */
#define QUEUE_HIGH	(64 * 1024)	/* above: stop reading its pipes */
#define QUEUE_LOW	(16 * 1024)	/* below: read them again */
#define READ_MAX	(64 * 1024)	/* per pipe and callback: fairness */
#define DRAIN_MAX	(1024 * 1024)	/* read from a pipe at exit, at most */
#define STALL_SECS	2.0		/* paused without progress: drop */
#define REPORT_SECS	60.0		/* while dropping, report this often */
#define SHUTDOWN_MS	1000		/* flushing at exit, at most */

enum sink_how {
	SINK_WRITE,		/* write(2): our own fd, or a regular file */
	SINK_SEND,		/* send(MSG_DONTWAIT): fd 1 is a socket */
	SINK_POLLED,		/* blocking fd 1: PIPE_BUF once writable */
};

enum sink_state {
	SINK_NORMAL,
	SINK_PAUSED,		/* above QUEUE_HIGH: pipes not read */
	SINK_DROPPING,		/* stalled: pipes read, lines dropped */
};

struct stream;

struct sink {
	LIST_ENTRY(sink) entry;		/* file sinks only */
	struct sinks *ss;
	char *path;			/* NULL: supervise's stdout */
	const char *label;		/* "stdout" or the path */
	int fd;
	bool own_fd;
	enum sink_how how;
	enum sink_state state;
	bool broken;			/* no reader: discard everything */
	bool failed;			/* a write error was reported */
	unsigned refs;
	struct linequeue q;		/* whole lines, written in any pieces */

	ev_io io;			/* writable, while the queue is not empty */
	ev_timer timer;			/* stall, then drop reports */
	TAILQ_HEAD(, stream) streams;	/* the pipes feeding it */
};

/* One pipe from a worker: its fd 1, its fd 2, or both. */
struct stream {
	TAILQ_ENTRY(stream) entry;
	struct worker *w;
	struct sink *sink;
	ev_io io;
	int fd;				/* read end, -1 when closed */
	bool live;			/* the child has the other end */
	size_t plen;			/* "NAME | " on stdout, 0 for a file */
	unsigned long long dropped;	/* lines dropped, not yet reported */
	struct linebuf lb;
};

struct output {
	struct stream *st[2];		/* fd 1 and fd 2; [1] NULL if merged */
};

/* sv->out */
struct sinks {
	struct supervisor *sv;
	struct sink *out;		/* supervise's stdout */
	LIST_HEAD(, sink) files;
	char rbuf[READ_MAX];
};

static void	sink_write_cb(struct ev_loop *, ev_io *, int);
static void	sink_timer_cb(struct ev_loop *, ev_timer *, int);
static void	stream_read_cb(struct ev_loop *, ev_io *, int);

static struct sink *
sink_new(struct sinks *ss, int fd, const char *path)
{
	struct sink *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (path != NULL && (s->path = strdup(path)) == NULL) {
		free(s);
		return NULL;
	}
	s->ss = ss;
	s->label = path != NULL ? s->path : "stdout";
	s->fd = fd;
	s->own_fd = path != NULL;
	s->how = SINK_WRITE;
	TAILQ_INIT(&s->streams);
	ev_io_init(&s->io, sink_write_cb, fd, EV_WRITE);
	ev_init(&s->timer, sink_timer_cb);
	return s;
}

static void
sink_free(struct sink *s)
{
	struct ev_loop *loop = s->ss->sv->loop;

	ev_io_stop(loop, &s->io);
	ev_timer_stop(loop, &s->timer);
	if (s->own_fd)
		close(s->fd);
	linequeue_free(&s->q);
	free(s->path);
	free(s);
}

/* Start or stop reading a pipe, as its state and its sink's allow. */
static void
stream_watch(struct stream *st)
{
	struct ev_loop *loop = st->w->sv->loop;

	if (st->live && st->sink->state != SINK_PAUSED)
		ev_io_start(loop, &st->io);
	else
		ev_io_stop(loop, &st->io);
}

static void
sink_watch_all(struct sink *s)
{
	struct stream *st;

	TAILQ_FOREACH(st, &s->streams, entry)
		stream_watch(st);
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
}

static void
sink_report_all(struct sink *s)
{
	struct stream *st;

	TAILQ_FOREACH(st, &s->streams, entry)
		stream_report(st);
}

/* A write failed: report it once, and lose what is queued. */
static void
sink_error(struct sink *s, int err)
{
	if (err == EPIPE) {
		if (!s->broken)
			log_warnx("%s: %s: worker output to it is discarded %s",
			    s->label, strerror(err), s->path != NULL ?
			    "until it is reopened" : "from now on");
		s->broken = true;
	} else if (!s->failed) {
		log_warnx("%s: write: %s: worker output is lost", s->label,
		    strerror(err));
		s->failed = true;
	}
	/* Finish a line partly written, unless nothing takes it anyway. */
	if (s->broken)
		s->q.mid_line = false;
	linequeue_discard(&s->q);
}

static void
sink_consumed(struct sink *s, size_t n)
{
	linequeue_consume(&s->q, n);
	s->failed = false;
	if (s->state == SINK_PAUSED)
		ev_timer_again(s->ss->sv->loop, &s->timer);
}

/* One non-blocking write: 1 progress, 0 the sink is full, -1 an error. */
static int
sink_write_once(struct sink *s, size_t max)
{
	size_t n = s->q.len < max ? s->q.len : max;
	ssize_t r;

	if (s->how == SINK_SEND)
		r = send(s->fd, s->q.buf + s->q.start, n,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		r = write(s->fd, s->q.buf + s->q.start, n);
	if (r > 0) {
		sink_consumed(s, (size_t)r);
		return 1;
	}
	if (r == -1 && errno == EINTR)
		return 1;
	if (r == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return 0;
	sink_error(s, r == 0 ? EIO : errno);
	return -1;
}

/*
 * The queue changed: pause, resume or stop dropping, and keep the stall
 * timer in step.
 */
static void
sink_update(struct sink *s)
{
	struct ev_loop *loop = s->ss->sv->loop;

	if (s->broken && s->state != SINK_NORMAL) {
		s->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		sink_report_all(s);
		sink_watch_all(s);
		return;
	}
	switch (s->state) {
	case SINK_NORMAL:
		if (s->q.len < QUEUE_HIGH)
			break;
		s->state = SINK_PAUSED;
		s->timer.repeat = STALL_SECS;
		ev_timer_again(loop, &s->timer);
		sink_watch_all(s);
		break;
	case SINK_PAUSED:
		if (s->q.len > QUEUE_LOW)
			break;
		s->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		sink_watch_all(s);
		break;
	case SINK_DROPPING:
		if (s->q.len > 0)
			break;
		s->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		log_warnx("%s caught up: worker output flows again", s->label);
		sink_report_all(s);
		break;
	}
}

/*
 * Write what the sink takes now; watch for writability if more is left.
 * After an error the rest waits for the next flush: a full disk is not
 * retried in a loop.
 */
static void
sink_flush(struct sink *s)
{
	struct ev_loop *loop = s->ss->sv->loop;
	int r = 0;

	if (s->how != SINK_POLLED)
		while (s->q.len > 0 && (r = sink_write_once(s, s->q.len)) > 0)
			;
	if (s->q.len > 0 && r == 0)
		ev_io_start(loop, &s->io);
	else
		ev_io_stop(loop, &s->io);
	sink_update(s);
}

static void
sink_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct sink *s = container_of(io, struct sink, io);
	int r = 0;

	(void)revents;
	/*
	 * A blocking fd 1 is only written once poll says so, and then no
	 * more than PIPE_BUF, which a pipe with room takes without blocking.
	 */
	if (s->how == SINK_POLLED)
		r = s->q.len > 0 ? sink_write_once(s, PIPE_BUF) : 0;
	else
		while (s->q.len > 0 && (r = sink_write_once(s, s->q.len)) > 0)
			;
	if (s->q.len == 0 || r < 0)
		ev_io_stop(loop, io);
	sink_update(s);
}

static void
sink_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sink *s = container_of(t, struct sink, timer);

	(void)revents;
	if (s->state == SINK_PAUSED) {
		log_warnx("%s is not keeping up (no progress for %gs): "
		    "dropping worker output until it catches up", s->label,
		    STALL_SECS);
		s->state = SINK_DROPPING;
		s->timer.repeat = REPORT_SECS;
		ev_timer_again(loop, t);
		sink_watch_all(s);
	} else if (s->state == SINK_DROPPING)
		sink_report_all(s);
	else
		ev_timer_stop(loop, t);
}

/* linebuf's emit: queue one whole line, or drop and count it. */
static void
stream_emit(void *ctx, const char *line, size_t len)
{
	struct stream *st = ctx;
	struct sink *s = st->sink;
	size_t need = st->plen + len + 1;
	char *p;

	if (s->broken)
		return;
	if (s->state == SINK_DROPPING ||
	    (p = linequeue_reserve(&s->q, need, QUEUE_CAP)) == NULL) {
		st->dropped++;
		return;
	}
	if (st->plen > 0) {
		memcpy(p, st->w->name, st->plen - 3);
		memcpy(p + st->plen - 3, " | ", 3);
	}
	memcpy(p + st->plen, line, len);
	p[need - 1] = '\n';
	s->q.len += need;
}

/* How much to read now so that the lines it makes surely fit. */
static size_t
stream_budget(const struct stream *st)
{
	const struct sink *s = st->sink;

	if (s->broken || s->state == SINK_DROPPING)
		return READ_MAX;
	return linebuf_budget(QUEUE_CAP - s->q.len, st->plen, READ_MAX);
}

static void
stream_close(struct stream *st)
{
	if (st->fd == -1)
		return;
	ev_io_stop(st->w->sv->loop, &st->io);
	close(st->fd);
	st->fd = -1;
	st->live = false;
}

static void
stream_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct stream *st = container_of(io, struct stream, io);
	struct sink *s = st->sink;
	char *rbuf = s->ss->rbuf;
	size_t budget;
	ssize_t n;

	(void)revents;
	if ((budget = stream_budget(st)) == 0) {
		/* Only near QUEUE_CAP, so paused: the resume starts it again. */
		ev_io_stop(loop, io);
		return;
	}
	n = read(st->fd, rbuf, budget);
	if (n > 0)
		linebuf_feed(&st->lb, rbuf, (size_t)n, stream_emit, st);
	else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
		/* Every writer closed it, the worker is still running. */
		if (n == -1)
			log_warnx("%s: reading output: %s", st->w->name,
			    strerror(errno));
		linebuf_flush(&st->lb, stream_emit, st);
		stream_close(st);
	}
	sink_flush(s);
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
	char *rbuf = st->sink->ss->rbuf;
	size_t total = 0;
	ssize_t n;

	if (st->fd == -1)
		return;
	while (total < DRAIN_MAX) {
		n = read(st->fd, rbuf, READ_MAX);
		if (n > 0) {
			linebuf_feed(&st->lb, rbuf, (size_t)n, stream_emit, st);
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
sink_put(struct sink *s)
{
	if (--s->refs > 0 || s->path == NULL)
		return;
	/* Last user gone: a file takes the rest at once, or it is lost. */
	while (s->q.len > 0 && sink_write_once(s, s->q.len) > 0)
		;
	LIST_REMOVE(s, entry);
	sink_free(s);
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

static int
open_file(const char *path)
{
	/* O_NONBLOCK: a FIFO must not block open(2) or the loop. */
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NOCTTY | O_NONBLOCK, 0644);
}

/* The sink for a file: shared by every stream that names the path. */
static struct sink *
sink_get_file(struct sinks *ss, const char *path, char *why, size_t whylen)
{
	struct sink *s;
	int fd;

	LIST_FOREACH(s, &ss->files, entry) {
		if (strcmp(s->path, path) == 0) {
			s->refs++;
			return s;
		}
	}
	if ((fd = open_file(path)) == -1) {
		snprintf(why, whylen, "file:%s: %s", path, strerror(errno));
		return NULL;
	}
	if ((s = sink_new(ss, fd, path)) == NULL) {
		close(fd);
		snprintf(why, whylen, "file:%s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	s->refs = 1;
	LIST_INSERT_HEAD(&ss->files, s, entry);
	return s;
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
	st->plen = s->path == NULL ? strlen(w->name) + 3 : 0;
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
	struct sinks *ss = w->sv->out;
	const struct output_spec *spec[2] = { &w->cfg->out, &w->cfg->err };
	struct sink *sink[2] = { NULL, NULL };
	struct stream *st[2] = { NULL, NULL };
	struct output *o = NULL;
	int rd[2] = { -1, -1 }, pfd[2];
	int i, n;
	bool merged;

	child_fd[0] = child_fd[1] = -1;
	n = same_target(spec[0], spec[1]) ? 1 : 2;
	for (i = 0; i < n; i++) {
		switch (spec[i]->kind) {
		case OUTPUT_PREFIX:
			sink[i] = ss->out;
			sink[i]->refs++;
			break;
		case OUTPUT_FILE:
			sink[i] = sink_get_file(ss, spec[i]->path, why, whylen);
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
		    sink[i]->state == SINK_DROPPING) {
			st[i]->dropped = w->output->st[i]->dropped;
			w->output->st[i]->dropped = 0;
		}
	}
	output_release(w);
	for (i = 0; i < 2; i++) {
		if (st[i] == NULL)
			continue;
		TAILQ_INSERT_TAIL(&sink[i]->streams, st[i], entry);
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

int
output_init(struct supervisor *sv)
{
	struct sinks *ss;
	struct sink *s;
	struct stat sb;
	int fd;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return -1;
	ss->sv = sv;
	LIST_INIT(&ss->files);
	if ((s = sink_new(ss, STDOUT_FILENO, NULL)) == NULL) {
		free(ss);
		return -1;
	}
	ss->out = s;
	sv->out = ss;

	if (fstat(STDOUT_FILENO, &sb) == -1) {
		log_warnx("stdout: %s: worker output is discarded",
		    strerror(errno));
		s->broken = true;
	} else if (S_ISSOCK(sb.st_mode))
		s->how = SINK_SEND;
	else if (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode)) {
		fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK |
		    O_CLOEXEC | O_NOCTTY);
		if (fd != -1) {
			s->fd = fd;
			s->own_fd = true;
			ev_io_set(&s->io, fd, EV_WRITE);
		} else if (errno == ENXIO && S_ISFIFO(sb.st_mode)) {
			/* A pipe nobody reads any more. */
			sink_error(s, EPIPE);
		} else {
			log_debug("stdout: reopening /proc/self/fd/1: %s; "
			    "writing when it is writable", strerror(errno));
			s->how = SINK_POLLED;
		}
	}
	return 0;
}

void
output_reopen(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink *s;
	int fd;

	if (ss == NULL)
		return;
	LIST_FOREACH(s, &ss->files, entry) {
		/* What was written before the rotation ends the old file. */
		while (s->q.len > 0 && sink_write_once(s, s->q.len) > 0)
			;
		if ((fd = open_file(s->path)) == -1) {
			log_warnx("file:%s: reopening: %s; still writing to "
			    "the file opened before", s->path, strerror(errno));
			continue;
		}
		ev_io_stop(sv->loop, &s->io);
		close(s->fd);
		s->fd = fd;
		ev_io_set(&s->io, fd, EV_WRITE);
		s->broken = false;
		s->failed = false;
		sink_flush(s);
	}
}

void
output_free(struct worker *w)
{
	if (w->sv->out == NULL)
		return;
	output_release(w);
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Write the queue out, waiting for the sink until the deadline. */
static void
sink_flush_until(struct sink *s, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;

	while (s->q.len > 0 && !s->broken) {
		if ((left = deadline - mono_ms()) <= 0)
			break;
		pfd.fd = s->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)left) == 0)
			break;
		if (sink_write_once(s, s->how == SINK_POLLED ?
		    PIPE_BUF : s->q.len) < 0)
			break;
	}
	if (s->q.len > 0 && !s->broken)
		log_warnx("%s: %zu bytes of worker output not written at exit",
		    s->label, s->q.len);
}

void
output_shutdown(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink *s;
	int64_t deadline = mono_ms() + SHUTDOWN_MS;
	size_t i;
	int j;

	if (ss == NULL)
		return;
	/* Workers are reaped by now; any pipe still open is read out. */
	for (i = 0; i < sv->nworkers; i++)
		for (j = 0; sv->workers[i]->output != NULL && j < 2; j++)
			if (sv->workers[i]->output->st[j] != NULL)
				stream_drain(sv->workers[i]->output->st[j]);
	sink_flush_until(ss->out, deadline);
	LIST_FOREACH(s, &ss->files, entry)
		sink_flush_until(s, deadline);
	for (i = 0; i < sv->nworkers; i++)
		output_release(sv->workers[i]);
	while ((s = LIST_FIRST(&ss->files)) != NULL) {
		LIST_REMOVE(s, entry);
		sink_free(s);
	}
	sink_free(ss->out);
	free(ss);
	sv->out = NULL;
}
