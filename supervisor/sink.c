/*
 * sink.c: the destinations of captured output, supervise's stdout and
 * appended files, and their bounded queues.
 *
 * Every sink has a bounded queue written with non-blocking writes, so a
 * slow reader never blocks the loop.  When the sink falls behind, the
 * queue passes QUEUE_HIGH and the pipes feeding it (output.c) are no
 * longer read: the workers block in write(2) and nothing is lost
 * (backpressure).  But a sink that takes nothing for STALL_SECS while
 * paused has a stalled reader, and workers blocked on it would look hung:
 * then the pipes are read again and their lines dropped and counted until
 * the queue drains.
 *
 * The lines of every pipe read in one loop pass are written together,
 * once, before the loop polls again (sink_flush_later): ten busy workers
 * cost one write per pass, not ten.
 *
 * When a write fails (ENOSPC), the lines are dropped and counted, and the
 * count is reported once writes go through again.
 *
 * Opening the files, and who may write where, is sink_file.c's; how
 * supervise's own fd 1 and 2 are written, and the event log on fd 2,
 * sink_std.c's.
 */

#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "daemon.h"
#include "sink_io.h"

/*
 * The pause leaves most of the queue (SINK_QUEUE_CAP) free for what is
 * read at a worker's exit, so that a crash's last lines fit even when the
 * sink is slow.
 */
#define QUEUE_HIGH	(64 * 1024)	/* above: stop reading its pipes */
#define QUEUE_LOW	(16 * 1024)	/* below: read them again */
#define STALL_SECS	2.0		/* paused without progress: drop */
#define REPORT_SECS	60.0		/* while dropping, report this often */
#define SHUTDOWN_MS	1000		/* flushing at exit, at most */

static void	sink_write_cb(struct ev_loop *, ev_io *, int);
static void	sink_timer_cb(struct ev_loop *, ev_timer *, int);
static void	sink_later_cb(struct ev_loop *, ev_prepare *, int);

/*
 * Writes to fd never wait on a reader: a regular file, or the null
 * device.  A pipe, a socket or a terminal may be slow to take them.
 */
static bool
steady_fd(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && (S_ISREG(st.st_mode) ||
	    (S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3)));
}

struct sink_io *
sink_new(struct sinks *ss, int fd, const char *path)
{
	struct sink_io *s;

	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NULL;
	if (path != NULL && (s->pub.path = strdup(path)) == NULL) {
		free(s);
		return NULL;
	}
	s->ss = ss;
	s->pub.label = path != NULL ? s->pub.path : "stdout";
	/* A file sink is a regular file (sink_file.c), stdout anything. */
	s->pub.steady = path != NULL || steady_fd(fd);
	s->fd = fd;
	s->own_fd = path != NULL;
	s->how = SINK_WRITE;
	TAILQ_INIT(&s->pub.streams);
	TAILQ_INIT(&s->pub.parked);
	TAILQ_INIT(&s->pub.dropping);
	ev_io_init(&s->io, sink_write_cb, fd, EV_WRITE);
	ev_init(&s->timer, sink_timer_cb);
	ev_prepare_init(&s->later, sink_later_cb);
	return s;
}

void
sink_free(struct sink_io *s)
{
	struct ev_loop *loop = s->ss->sv->loop;

	ev_io_stop(loop, &s->io);
	ev_timer_stop(loop, &s->timer);
	ev_prepare_stop(loop, &s->later);
	if (s->own_fd && s->fd != -1)
		close(s->fd);
	linequeue_free(&s->pub.q);
	free(s->pub.path);
	free(s);
}

/* The lines in q, the last one counted even without its newline. */
static unsigned long
count_lines(const struct linequeue *q)
{
	const char *p = q->buf + q->start, *end = p + q->len;
	unsigned long n = 0;

	while (p < end && (p = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		n++;
		p++;
	}
	if (q->len > 0 && q->buf[q->start + q->len - 1] != '\n')
		n++;
	return n;
}

/* A write failed: report it once, and drop (and count) what is queued. */
static void
sink_error(struct sink_io *s, int err)
{
	if (err == EPIPE) {
		if (!s->pub.broken)
			log_warnx("%s: %s: worker output to it is discarded %s",
			    s->pub.label, strerror(err), s->pub.path != NULL ?
			    "until it is reopened" : "from now on");
		s->pub.broken = true;
	} else if (!s->failed) {
		log_warnx("%s: write: %s: worker output is dropped until it "
		    "can be written again", s->pub.label, strerror(err));
		s->failed = true;
		s->fail_errno = err;
	}
	/* Finish a line partly written, unless nothing takes it anyway. */
	if (s->pub.broken)
		s->pub.q.mid_line = false;
	if (s->failed)
		s->lost += count_lines(&s->pub.q);
	linequeue_discard(&s->pub.q);
}

static void
sink_consumed(struct sink_io *s, size_t n)
{
	linequeue_consume(&s->pub.q, n);
	if (s->failed)
		log_warnx("%s: writing again: %lu lines of worker output were "
		    "dropped (%s)", s->pub.label, s->lost,
		    strerror(s->fail_errno));
	s->failed = false;
	s->lost = 0;
	if (s->pub.state == SINK_PAUSED)
		ev_timer_again(s->ss->sv->loop, &s->timer);
}

int
sink_write_once(struct sink_io *s, size_t max)
{
	struct linequeue *q = &s->pub.q;
	size_t n = q->len < max ? q->len : max;
	ssize_t r;

	if (s->how == SINK_SEND)
		r = send(s->fd, q->buf + q->start, n,
		    MSG_DONTWAIT | MSG_NOSIGNAL);
	else
		r = write(s->fd, q->buf + q->start, n);
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

/* The queue changed: pause, resume or stop dropping; the stall timer too. */
static void
sink_state(struct sink_io *s)
{
	struct ev_loop *loop = s->ss->sv->loop;
	struct sink *p = &s->pub;

	if (p->broken && p->state != SINK_NORMAL) {
		p->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		s->ss->listener->report(p);
		s->ss->listener->watch(p);
		return;
	}
	switch (p->state) {
	case SINK_NORMAL:
		if (p->q.len < QUEUE_HIGH)
			break;
		p->state = SINK_PAUSED;
		s->timer.repeat = STALL_SECS;
		ev_timer_again(loop, &s->timer);
		s->ss->listener->watch(p);
		break;
	case SINK_PAUSED:
		if (p->q.len > QUEUE_LOW)
			break;
		p->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		s->ss->listener->watch(p);
		break;
	case SINK_DROPPING:
		if (p->q.len > 0)
			break;
		p->state = SINK_NORMAL;
		ev_timer_stop(loop, &s->timer);
		log_warnx("%s caught up: worker output flows again", p->label);
		s->ss->listener->report(p);
		break;
	}
}

/*
 * After a change of the queue: the state, then any pipe set aside in this
 * loop pass while the sink was not paused (its read found the queue at its
 * cap).  If the sink is not paused now, after the flush, nothing else
 * would take such a pipe up again, so the listener hears of it here.
 */
static void
sink_update(struct sink_io *s)
{
	sink_state(s);
	if (s->pub.state != SINK_PAUSED && !TAILQ_EMPTY(&s->pub.parked))
		s->ss->listener->watch(&s->pub);
}

/*
 * Write what the sink takes now; watch for writability if more is left.
 * After an error the rest waits for the next flush: a full disk is not
 * retried in a loop.
 */
void
sink_flush(struct sink *p)
{
	struct sink_io *s = container_of(p, struct sink_io, pub);
	struct ev_loop *loop = s->ss->sv->loop;
	int r = 0;

	ev_prepare_stop(loop, &s->later);
	if (s->how != SINK_POLLED)
		while (p->q.len > 0 && (r = sink_write_once(s, p->q.len)) > 0)
			;
	if (p->q.len > 0 && r == 0)
		ev_io_start(loop, &s->io);
	else
		ev_io_stop(loop, &s->io);
	sink_update(s);
}

/*
 * Write what the sink takes now, and no more: no pause or resume, no
 * watcher (the flush at the end of the pass does that).  True if the
 * queue is empty now.
 */
bool
sink_write(struct sink *p)
{
	struct sink_io *s = container_of(p, struct sink_io, pub);

	if (s->how != SINK_POLLED)
		while (p->q.len > 0 && sink_write_once(s, p->q.len) > 0)
			;
	return p->q.len == 0;
}

/*
 * Every pipe read in this loop pass queues on its sink first; the sink is
 * written once, from a prepare watcher, before the loop polls again.
 */
void
sink_flush_later(struct sink *p)
{
	struct sink_io *s = container_of(p, struct sink_io, pub);

	if (p->q.len > 0 || p->state != SINK_NORMAL)
		ev_prepare_start(s->ss->sv->loop, &s->later);
}

static void
sink_later_cb(struct ev_loop *loop, ev_prepare *w, int revents)
{
	struct sink_io *s = container_of(w, struct sink_io, later);

	(void)loop;
	(void)revents;
	sink_flush(&s->pub);
}

static void
sink_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct sink_io *s = container_of(io, struct sink_io, io);
	int r = 0;

	(void)revents;
	/*
	 * A blocking fd 1 is only written once poll says so, and then no
	 * more than PIPE_BUF, which a pipe with room takes without blocking.
	 */
	if (s->how == SINK_POLLED)
		r = s->pub.q.len > 0 ? sink_write_once(s, PIPE_BUF) : 0;
	else
		while (s->pub.q.len > 0 &&
		    (r = sink_write_once(s, s->pub.q.len)) > 0)
			;
	if (s->pub.q.len == 0 || r < 0)
		ev_io_stop(loop, io);
	sink_update(s);
}

static void
sink_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct sink_io *s = container_of(t, struct sink_io, timer);

	(void)revents;
	if (s->pub.state == SINK_PAUSED) {
		log_warnx("%s is not keeping up (no progress for %gs): "
		    "dropping worker output until it catches up", s->pub.label,
		    STALL_SECS);
		s->pub.state = SINK_DROPPING;
		s->timer.repeat = REPORT_SECS;
		ev_timer_again(loop, t);
		s->ss->listener->watch(&s->pub);
	} else if (s->pub.state == SINK_DROPPING)
		s->ss->listener->report(&s->pub);
	else
		ev_timer_stop(loop, t);
}

char *
sink_read_buffer(struct supervisor *sv)
{
	struct sinks *ss = sv->out;

	return ss->rbuf;
}

/* Write the queue out, waiting for the sink until the deadline. */
static void
sink_flush_until(struct sink_io *s, int64_t deadline)
{
	struct pollfd pfd;
	int64_t left;

	while (s->pub.q.len > 0 && !s->pub.broken) {
		if ((left = deadline - clock_mono_ms()) <= 0)
			break;
		pfd.fd = s->fd;
		pfd.events = POLLOUT;
		if (poll(&pfd, 1, (int)left) == 0)
			break;
		if (sink_write_once(s, s->how == SINK_POLLED ?
		    PIPE_BUF : s->pub.q.len) < 0)
			break;
	}
	if (s->pub.q.len > 0 && !s->pub.broken && s != s->ss->err)
		log_warnx("%s: %zu bytes of worker output not written at exit",
		    s->pub.label, s->pub.q.len);
}

void
sink_flush_all(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;
	int64_t deadline = clock_mono_ms() + SHUTDOWN_MS;

	if (ss == NULL)
		return;
	sink_flush_until(ss->out, deadline);
	LIST_FOREACH(s, &ss->files, entry)
		sink_flush_until(s, deadline);
	/* The event log last: it may have said something above. */
	ss->in_log = true;
	sink_flush_until(ss->err, deadline);
	sink_log_detach(ss);
}

void
sink_close(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;

	if (ss == NULL)
		return;
	while ((s = LIST_FIRST(&ss->files)) != NULL) {
		LIST_REMOVE(s, entry);
		sink_free(s);
	}
	sink_free(ss->out);
	sink_free(ss->err);
	free(ss);
	sv->out = NULL;
}
