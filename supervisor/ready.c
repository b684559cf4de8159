/*
 * ready.c: the sd_notify socket that workers with ready=notify or a
 * watchdog send READY=1, STATUS=, WATCHDOG=1 and EXTEND_TIMEOUT_USEC= to,
 * so that libsystemd's sd_notify(3) and systemd-notify(1) work unchanged.
 *
 * One datagram socket for all workers, in the abstract namespace: a
 * worker running as another user can reach it (a socket file in
 * supervise's 0700 directory would be out of its reach), and the name is
 * autobound by the kernel, so two supervisors never collide.  What keeps
 * strangers out is the per-datagram check of the sender's credentials
 * (SO_PASSCRED): the worker's pid or a process in its group.
 *
 * Anyone on the machine can send to it, so a stranger must not flood the
 * event log or hold the loop: a rejected sender is logged once per
 * REJECT_WINDOW with a count (ratelimit.h, a table of bounded size), and
 * at most READY_PER_PASS datagrams are read per loop pass.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "sdnotify.h"
#include "ratelimit.h"

#define READY_MSG_MAX 4096
#define READY_FDS_MAX 16
#define READY_PER_PASS 64	/* datagrams per callback: fairness */
#define REJECT_WINDOW 10.0	/* seconds: one line per sender */

struct ready_sock {
	ev_io io;
	ev_timer reject_timer;	/* ends a window of rejections */
	struct ratelimit rejected;
	struct supervisor *sv;
	char env[80];		/* NOTIFY_SOCKET=@NAME */
};

static void
report_rejected(void *ctx, long pid, unsigned long n)
{
	(void)ctx;
	if (pid >= 0)
		log_warnx("notify: %lu more datagrams from pid %ld dropped "
		    "in %.0fs: not from a worker", n, pid, REJECT_WINDOW);
	else
		log_warnx("notify: %lu datagrams from other senders dropped "
		    "in %.0fs: not from a worker", n, REJECT_WINDOW);
}

static void
reject_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct ready_sock *r = container_of(t, struct ready_sock,
	    reject_timer);

	(void)loop;
	(void)revents;
	ratelimit_flush(&r->rejected, report_rejected, NULL);
}

/* A datagram not from a worker: logged once per sender and window. */
static void
reject(struct ready_sock *r, const struct ucred *cred)
{
	long pid = cred != NULL ? (long)cred->pid : -1;

	if (!ratelimit_pending(&r->rejected)) {
		/* The window starts with its first rejection. */
		ev_timer_set(&r->reject_timer, REJECT_WINDOW, 0.0);
		ev_timer_start(r->sv->loop, &r->reject_timer);
	}
	if (ratelimit_hit(&r->rejected, pid))
		log_warnx("notify: datagram from pid %ld dropped: not from a "
		    "worker", pid);
}

static void ready_cb(struct ev_loop *, ev_io *, int);

static int
ready_open(struct supervisor *sv)
{
	struct ready_sock *r;
	struct sockaddr_un addr;
	socklen_t len = sizeof(sa_family_t);
	int fd, one = 1;

	if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0)) == -1)
		return -1;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	/* Only the family: the kernel picks a unique abstract name. */
	if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one)) == -1 ||
	    bind(fd, (struct sockaddr *)&addr, len) == -1)
		goto fail;
	len = sizeof(addr);
	if (getsockname(fd, (struct sockaddr *)&addr, &len) == -1 ||
	    len <= offsetof(struct sockaddr_un, sun_path) + 1)
		goto fail;
	if ((r = calloc(1, sizeof(*r))) == NULL)
		goto fail;
	r->sv = sv;
	snprintf(r->env, sizeof(r->env), "NOTIFY_SOCKET=@%.*s",
	    (int)(len - offsetof(struct sockaddr_un, sun_path) - 1),
	    addr.sun_path + 1);
	ev_io_init(&r->io, ready_cb, fd, EV_READ);
	ev_init(&r->reject_timer, reject_timer_cb);
	ev_io_start(sv->loop, &r->io);
	sv->ready = r;
	return 0;
fail:
	close(fd);
	return -1;
}

/* The worker a datagram's sender belongs to: its pid or its group. */
static struct worker *
sender(struct supervisor *sv, pid_t pid)
{
	struct worker *w;

	if (pid <= 1)
		return NULL;
	if ((w = spawn_find_pid(sv, pid)) != NULL)
		return w;
	return spawn_find_pid(sv, getpgid(pid));
}

/* One assignment of a worker's datagram (sdnotify.c splits them). */
static void
ready_item(void *ctx, const struct sdnotify_item *it)
{
	struct worker *w = ctx;
	char text[sizeof(w->status_text)];

	switch (it->kind) {
	case SDNOTIFY_READY:
		worker_notify_ready(w);
		break;
	case SDNOTIFY_WATCHDOG:
		worker_notify_watchdog(w, false);
		break;
	case SDNOTIFY_WATCHDOG_TRIGGER:
		worker_notify_watchdog(w, true);
		break;
	case SDNOTIFY_STATUS:
		snprintf(text, sizeof(text), "%.*s", (int)it->len, it->text);
		worker_set_status_text(w, text);
		break;
	case SDNOTIFY_EXTEND:
		worker_notify_extend(w, it->ms);
		break;
	}
}

static void
ready_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct ready_sock *r = container_of(io, struct ready_sock, io);
	char buf[READY_MSG_MAX + 1];
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct ucred)) +
		    CMSG_SPACE(READY_FDS_MAX * sizeof(int))];
	} control;
	struct iovec iov = { buf, READY_MSG_MAX };
	struct msghdr mh;
	struct cmsghdr *c;
	struct ucred *cred;
	struct worker *w;
	ssize_t n;
	size_t i, nfds;
	int *fds, count;

	(void)loop;
	(void)revents;
	/* The rest, if any, on the next pass (the fd stays readable). */
	for (count = 0; count < READY_PER_PASS; count++) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = control.buf;
		mh.msg_controllen = sizeof(control.buf);
		n = recvmsg(io->fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		if (n == -1) {
			if (errno == EINTR)
				continue;
			return;		/* EAGAIN: all read */
		}
		cred = NULL;
		for (c = CMSG_FIRSTHDR(&mh); c != NULL;
		    c = CMSG_NXTHDR(&mh, c)) {
			if (c->cmsg_level != SOL_SOCKET)
				continue;
			if (c->cmsg_type == SCM_CREDENTIALS)
				cred = (struct ucred *)(void *)CMSG_DATA(c);
			else if (c->cmsg_type == SCM_RIGHTS) {
				/* systemd-notify's BARRIER=1 waits for these. */
				fds = (int *)(void *)CMSG_DATA(c);
				nfds = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
				for (i = 0; i < nfds; i++)
					close(fds[i]);
			}
		}
		buf[n] = '\0';
		if (cred == NULL || (w = sender(r->sv, cred->pid)) == NULL) {
			reject(r, cred);
			continue;
		}
		sdnotify_parse(buf, (size_t)n, ready_item, w);
	}
}

/*
 * The environment entry for a worker that talks sd_notify; the socket is
 * made the first time one is needed.  NULL if it cannot be.
 */
const char *
ready_env(struct supervisor *sv)
{
	struct ready_sock *r;

	if (sv->ready == NULL && ready_open(sv) == -1) {
		log_warnx("notify socket: %s", strerror(errno));
		return NULL;
	}
	r = sv->ready;
	return r->env;
}

void
ready_close(struct supervisor *sv)
{
	struct ready_sock *r = sv->ready;

	if (r == NULL)
		return;
	ev_io_stop(sv->loop, &r->io);
	ev_timer_stop(sv->loop, &r->reject_timer);
	ratelimit_flush(&r->rejected, report_rejected, NULL);
	close(r->io.fd);
	free(r);
	sv->ready = NULL;
}
