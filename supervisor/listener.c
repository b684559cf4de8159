/*
 * listener.c: accepting connections on a listening socket, for the
 * control socket (control.c) and the metrics listener (metrics_http.c).
 * Each readiness accepts until EAGAIN and hands every connection,
 * non-blocking and close-on-exec, to the owner's accepted().
 *
 * Out of descriptors (EMFILE, ENFILE) or kernel memory (ENOBUFS, ENOMEM),
 * and on any error but a connection lost before it was accepted, the
 * listener pauses: its ev_io is stopped (level-triggered, it would fire
 * again at once and spin the loop) and a one-shot timer tries again in
 * RETRY_DELAY; connections wait in the kernel's backlog meanwhile.  A
 * pause is said once when it begins and once when it ends: the retries
 * that meet the same error again are said only with -v, so that a
 * descriptor limit that stays used up never floods the event log.
 *
 * libev keeps what was left of a stopped timer, and a one-shot timer
 * that fired is left with nothing (ev(3), ev_timer_stop): ev_timer_set()
 * before each start, or every pause after the first would end at once.
 */
#include <sys/socket.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "daemon.h"

#define RETRY_DELAY 1.0		/* seconds between tries while paused */

struct listener {
	struct supervisor *sv;
	const char *name;	/* "control", "metrics": for the log */
	int fd;
	listener_accepted_fn *accepted;
	ev_io io;
	ev_timer retry;		/* runs only while paused */
	int paused_errno;	/* what paused it, or 0 */
	double paused_at;	/* ev_now() when the pause began */
};

/* Out of something the next try may find again: pause, say it once. */
static void
pause_accepting(struct listener *l, int error)
{
	struct ev_loop *loop = l->sv->loop;

	ev_io_stop(loop, &l->io);
	if (l->paused_errno != error) {
		log_warnx("%s: accept: %s; accepting again in %.0fs", l->name,
		    strerror(error), RETRY_DELAY);
		if (l->paused_errno == 0)
			l->paused_at = ev_now(loop);
		l->paused_errno = error;
	} else
		log_debug("%s: accept: %s again; accepting again in %.0fs",
		    l->name, strerror(error), RETRY_DELAY);
	ev_timer_set(&l->retry, RETRY_DELAY, 0.0);
	ev_timer_start(loop, &l->retry);
}

/* Accept until the backlog is empty or the listener has to pause. */
static void
accept_all(struct listener *l)
{
	int fd;

	for (;;) {
		fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			pause_accepting(l, errno);
			return;
		}
		l->accepted(l->sv, fd);
	}
	if (l->paused_errno != 0) {
		log_warnx("%s: accepting again after %.0fs", l->name,
		    ev_now(l->sv->loop) - l->paused_at);
		l->paused_errno = 0;
	}
	ev_io_start(l->sv->loop, &l->io);
}

static void
accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)loop;
	(void)revents;
	accept_all(container_of(io, struct listener, io));
}

static void
retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	accept_all(container_of(t, struct listener, retry));
}

struct listener *
listener_new(struct supervisor *sv, int fd, const char *name,
    listener_accepted_fn *accepted)
{
	struct listener *l;

	if ((l = calloc(1, sizeof(*l))) == NULL)
		return NULL;
	l->sv = sv;
	l->name = name;
	l->fd = fd;
	l->accepted = accepted;
	ev_io_init(&l->io, accept_cb, fd, EV_READ);
	ev_init(&l->retry, retry_cb);
	ev_io_start(sv->loop, &l->io);
	return l;
}

void
listener_free(struct listener *l)
{
	if (l == NULL)
		return;
	ev_io_stop(l->sv->loop, &l->io);
	ev_timer_stop(l->sv->loop, &l->retry);
	free(l);
}
