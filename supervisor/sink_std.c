/*
 * sink_std.c: supervise's own fd 1 and 2 as sinks, and the event log
 * written through the second.
 *
 * supervise's fd 1 is shared with `inherit` workers and the terminal, so
 * it never gets O_NONBLOCK.  A pipe, FIFO or terminal is opened again
 * through /proc/self/fd/1, which gives a new open file description of our
 * own; a socket is written with send(MSG_DONTWAIT); a regular file never
 * blocks for long and is written directly.  The same for fd 2.
 *
 * The event log takes the same path once the loop runs: log.c hands each
 * line to log_queue(), which queues it on the stderr sink (fd 2 reopened
 * non-blocking like fd 1) and writes what the reader takes.  No pipe
 * feeds it, so there is nothing to pause: a full queue drops the line and
 * counts it, and the count is logged once the queue has drained.  A
 * line logged from inside the stderr sink's own writing is only queued.
 */

#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "sink_io.h"

#define LOG_QUEUE_CAP	(256 * 1024)	/* event log bytes queued, at most */

/*
 * How to write supervise's own fd 1 or 2 without blocking (see the top of
 * this file); the label names it in messages.
 */
static void
std_sink_setup(struct sink_io *s, int stdfd, const char *label)
{
	char proc[32];
	struct stat sb;
	int fd;

	if (fstat(stdfd, &sb) == -1) {
		log_warnx("%s: %s: what goes there is discarded", label,
		    strerror(errno));
		s->pub.broken = true;
	} else if (S_ISSOCK(sb.st_mode))
		s->how = SINK_SEND;
	else if (S_ISFIFO(sb.st_mode) || S_ISCHR(sb.st_mode)) {
		snprintf(proc, sizeof(proc), "/proc/self/fd/%d", stdfd);
		fd = open(proc, O_WRONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
		if (fd != -1) {
			s->fd = fd;
			s->own_fd = true;
			ev_io_set(&s->io, fd, EV_WRITE);
		} else if (errno == ENXIO && S_ISFIFO(sb.st_mode)) {
			/* A pipe nobody reads any more. */
			s->pub.broken = true;
		} else {
			log_debug("%s: reopening %s: %s; writing when it is "
			    "writable", label, proc, strerror(errno));
			s->how = SINK_POLLED;
		}
	}
}

/* The stderr sink: write what it takes; report drops once it is empty. */
static void
log_flush(struct sinks *ss, bool writable)
{
	struct sink_io *s = ss->err;
	struct ev_loop *loop = ss->sv->loop;
	unsigned long n;
	int r = 0;

	if (ss->in_log)
		return;
	ss->in_log = true;
	/* A blocking fd 2 is written only when poll says so, PIPE_BUF. */
	if (s->how == SINK_POLLED)
		r = writable && s->pub.q.len > 0 ?
		    sink_write_once(s, PIPE_BUF) : 0;
	else
		while (s->pub.q.len > 0 &&
		    (r = sink_write_once(s, s->pub.q.len)) > 0)
			;
	if (s->pub.q.len > 0 && r >= 0 && !s->pub.broken)
		ev_io_start(loop, &s->io);
	else
		ev_io_stop(loop, &s->io);
	ss->in_log = false;
	if (s->pub.q.len == 0 && ss->log_dropped > 0 && !s->pub.broken) {
		n = ss->log_dropped;
		ss->log_dropped = 0;
		log_warnx("event log: %lu line%s dropped: stderr was not "
		    "keeping up", n, n == 1 ? "" : "s");
	}
}

static void
log_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct sink_io *s = container_of(io, struct sink_io, io);

	(void)loop;
	(void)revents;
	log_flush(s->ss, true);
}

/* log.c's writer: queue the line, or count it; write what fd 2 takes. */
static void
log_queue(void *ctx, const char *line, size_t len)
{
	struct sinks *ss = ctx;
	struct sink_io *s = ss->err;
	char *p;

	if (s->pub.broken)
		return;		/* nobody to tell, ever */
	if ((p = linequeue_reserve(&s->pub.q, len, LOG_QUEUE_CAP)) == NULL) {
		ss->log_dropped++;
		return;
	}
	memcpy(p, line, len);
	s->pub.q.len += len;
	if (s->how != SINK_POLLED)
		log_flush(ss, false);
	else if (!ev_is_active(&s->io))
		ev_io_start(ss->sv->loop, &s->io);
}

/*
 * After the stderr sink is gone (at exit): a line is written only if fd 2
 * takes it at once.
 */
static void
log_last_resort(void *ctx, const char *line, size_t len)
{
	struct pollfd pfd = { .fd = STDERR_FILENO, .events = POLLOUT };

	(void)ctx;
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLOUT) != 0 &&
	    len <= PIPE_BUF)
		(void)write(STDERR_FILENO, line, len);
}

int
sink_init(struct supervisor *sv, const struct sink_listener *l)
{
	struct sinks *ss;
	struct sink_io *s;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return -1;
	ss->sv = sv;
	ss->listener = l;
	LIST_INIT(&ss->files);
	if ((s = sink_new(ss, STDOUT_FILENO, NULL)) == NULL) {
		free(ss);
		return -1;
	}
	ss->out = s;
	if ((ss->err = sink_new(ss, STDERR_FILENO, NULL)) == NULL) {
		sink_free(s);
		free(ss);
		return -1;
	}
	ss->err->pub.label = "stderr";
	ev_set_cb(&ss->err->io, log_write_cb);
	sv->out = ss;
	std_sink_setup(s, STDOUT_FILENO, "stdout");
	if (s->pub.broken)
		log_warnx("stdout: worker output is discarded");
	std_sink_setup(ss->err, STDERR_FILENO, "stderr");
	log_set_writer(log_queue, ss);
	return 0;
}

void
sink_log_detach(struct sinks *ss)
{
	(void)ss;
	log_set_writer(log_last_resort, NULL);
}
