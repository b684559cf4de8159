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
 * supervise's fd 1 is shared with `inherit` workers and the terminal, so
 * it never gets O_NONBLOCK.  A pipe, FIFO or terminal is opened again
 * through /proc/self/fd/1, which gives a new open file description of our
 * own; a socket is written with send(MSG_DONTWAIT); a regular file never
 * blocks for long and is written directly.
 *
 * A worker must not make supervise (root) write where its own user could
 * not: a file output of a worker with a user is opened with that user's
 * and group's file-system credentials (setfsuid/setfsgid, and the group
 * alone as supplementary group, all three per thread: the raw syscalls
 * touch only the loop's thread, never a worker thread), never through a
 * symbolic link (openat2 RESOLVE_NO_SYMLINKS, else O_NOFOLLOW and a check
 * of the path's parents), and only if it is a regular file (fstat, after
 * an open with O_NONBLOCK, so that a FIFO put in its place cannot block).
 * When a write fails (ENOSPC), the lines are dropped and counted, and the
 * count is reported once writes go through again.
 *
 * The event log takes the same path once the loop runs: log.c hands each
 * line to log_queue(), which queues it on the stderr sink (fd 2 reopened
 * non-blocking like fd 1) and writes what the reader takes.  No pipe
 * feeds it, so there is nothing to pause: a full queue drops the line and
 * counts it, and the count is logged once the queue has drained.  A
 * line logged from inside the stderr sink's own writing is only queued.
 */

#include <sys/fsuid.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

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

#include "clock.h"
#include "daemon.h"

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
#define LOG_QUEUE_CAP	(256 * 1024)	/* event log bytes queued, at most */

enum sink_how {
	SINK_WRITE,		/* write(2): our own fd, or a regular file */
	SINK_SEND,		/* send(MSG_DONTWAIT): fd 1 is a socket */
	SINK_POLLED,		/* blocking fd 1: PIPE_BUF once writable */
};

/* A sink: the part output.c sees, then what only sink.c touches. */
struct sink_io {
	struct sink pub;
	LIST_ENTRY(sink_io) entry;	/* file sinks only */
	struct sinks *ss;
	int fd;
	bool own_fd;
	enum sink_how how;
	bool failed;			/* a write error was reported */
	int fail_errno;			/* what failed */
	unsigned long lost;		/* lines dropped since it failed */
	unsigned refs;
	bool as_user;			/* opened with uid and gid */
	uid_t uid;
	gid_t gid;

	ev_io io;			/* writable, while the queue is not empty */
	ev_timer timer;			/* stall, then drop reports */
	ev_prepare later;		/* sink_flush_later: before the next poll */
};

/* sv->out */
struct sinks {
	struct supervisor *sv;
	const struct sink_listener *listener;	/* output.c */
	struct sink_io *out;		/* supervise's stdout */
	struct sink_io *err;		/* the event log: supervise's stderr */
	unsigned long log_dropped;	/* event log lines the queue refused */
	bool in_log;			/* writing the event log now */
	LIST_HEAD(, sink_io) files;
	char rbuf[OUTPUT_READ_MAX];	/* output.c reads every pipe into it */
};

static void	sink_write_cb(struct ev_loop *, ev_io *, int);
static void	sink_timer_cb(struct ev_loop *, ev_timer *, int);
static void	sink_later_cb(struct ev_loop *, ev_prepare *, int);

static struct sink_io *
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
	s->fd = fd;
	s->own_fd = path != NULL;
	s->how = SINK_WRITE;
	TAILQ_INIT(&s->pub.streams);
	ev_io_init(&s->io, sink_write_cb, fd, EV_WRITE);
	ev_init(&s->timer, sink_timer_cb);
	ev_prepare_init(&s->later, sink_later_cb);
	return s;
}

static void
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

/* One non-blocking write: 1 progress, 0 the sink is full, -1 an error. */
static int
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

/*
 * The queue changed: pause, resume or stop dropping, and keep the stall
 * timer in step.
 */
static void
sink_update(struct sink_io *s)
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

void
sink_put(struct sink *p)
{
	struct sink_io *s = container_of(p, struct sink_io, pub);

	if (--s->refs > 0 || p->path == NULL)
		return;
	/* Last user gone: a file takes the rest at once, or it is lost. */
	while (p->q.len > 0 && sink_write_once(s, p->q.len) > 0)
		;
	LIST_REMOVE(s, entry);
	sink_free(s);
}

/*
 * The path's directories hold no symbolic link (where openat2 cannot say
 * so itself): O_NOFOLLOW covers only the last component.
 */
static int
no_symlink_dirs(const char *path)
{
	char buf[PATH_MAX], *p;
	struct stat st;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (lstat(buf, &st) == -1)
			return -1;
		if (S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Open path for appending: no symbolic link anywhere, no blocking. */
static int
open_nofollow(const char *path)
{
	struct open_how how = {
		.flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK | O_NOFOLLOW,
		.mode = 0644,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd != -1 || (errno != ENOSYS && errno != EPERM))
		return fd;
	/* Before Linux 5.6 (or a seccomp filter that refuses openat2). */
	if (no_symlink_dirs(path) == -1)
		return -1;
	return open(path, (int)how.flags, 0644);
}

/*
 * Open s's file as s's user, if it has one (see the top of this file),
 * and check that it is a regular file.  -1 with the reason in why.
 */
static int
open_file(const struct sink_io *s, char *why, size_t whylen)
{
	const char *path = s->pub.path;
	struct stat st;
	gid_t groups[NGROUPS_MAX > 65536 ? 65536 : NGROUPS_MAX];
	int fd, err, ngroups = 0;

	if (s->as_user) {
		if ((ngroups = getgroups((int)(sizeof(groups) /
		    sizeof(groups[0])), groups)) == -1 ||
		    syscall(SYS_setgroups, 1, &s->gid) == -1) {
			snprintf(why, whylen, "dropping the groups: %s",
			    strerror(errno));
			return -1;
		}
		setfsgid(s->gid);
		setfsuid(s->uid);
	}
	fd = open_nofollow(path);
	err = errno;
	if (s->as_user) {
		setfsuid(geteuid());
		setfsgid(getegid());
		/* Our own groups back, or nothing else is safe. */
		if (syscall(SYS_setgroups, ngroups, groups) == -1)
			abort();
	}
	if (fd == -1) {
		snprintf(why, whylen, "%s%s", strerror(err),
		    err == ELOOP ? " (a symbolic link is not followed)" :
		    err == ENXIO ? " (not a regular file)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

struct sink *
sink_get(struct supervisor *sv, const char *path,
    const struct worker_config *wc, char *why, size_t whylen)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;
	bool as_user = wc != NULL && wc->user != NULL;
	char reason[128];
	int fd;

	if (path == NULL) {
		ss->out->refs++;
		return &ss->out->pub;
	}
	/* Shared only under the same credentials, or one user's open
	 * would let another write. */
	LIST_FOREACH(s, &ss->files, entry) {
		if (strcmp(s->pub.path, path) == 0 && s->as_user == as_user &&
		    (!as_user || (s->uid == wc->uid && s->gid == wc->gid))) {
			s->refs++;
			return &s->pub;
		}
	}
	if ((s = sink_new(ss, -1, path)) == NULL) {
		snprintf(why, whylen, "file:%s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	s->as_user = as_user;
	if (as_user) {
		s->uid = wc->uid;
		s->gid = wc->gid;
	}
	if ((fd = open_file(s, reason, sizeof(reason))) == -1) {
		snprintf(why, whylen, "file:%s: %s", path, reason);
		sink_free(s);
		return NULL;
	}
	s->fd = fd;
	ev_io_set(&s->io, fd, EV_WRITE);
	s->refs = 1;
	LIST_INSERT_HEAD(&ss->files, s, entry);
	return &s->pub;
}

char *
sink_read_buffer(struct supervisor *sv)
{
	struct sinks *ss = sv->out;

	return ss->rbuf;
}

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
sink_reopen(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;
	char why[128];
	int fd;

	if (ss == NULL)
		return;
	LIST_FOREACH(s, &ss->files, entry) {
		/* What was written before the rotation ends the old file. */
		while (s->pub.q.len > 0 &&
		    sink_write_once(s, s->pub.q.len) > 0)
			;
		if ((fd = open_file(s, why, sizeof(why))) == -1) {
			log_warnx("file:%s: reopening: %s; still writing to "
			    "the file opened before", s->pub.path, why);
			continue;
		}
		ev_io_stop(sv->loop, &s->io);
		close(s->fd);
		s->fd = fd;
		ev_io_set(&s->io, fd, EV_WRITE);
		s->pub.broken = false;
		s->failed = false;
		sink_flush(&s->pub);
	}
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
	log_set_writer(log_last_resort, NULL);
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
