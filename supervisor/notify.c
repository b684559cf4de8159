/*
 * notify.c: supervise as a worker of whatever runs it (systemd with
 * Type=notify, or another supervise with ready=notify).  READY=1 once
 * every worker that should run is RUNNING, STATUS= when the summary
 * changes, RELOADING=1 around a reload, STOPPING=1 at shutdown, and
 * WATCHDOG=1 at half of WATCHDOG_USEC.  Without NOTIFY_SOCKET all of it
 * is off and costs nothing (sv->notify stays NULL).
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

/* sv->notify */
struct notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	bool ready_sent;
	char status[160];	/* the last STATUS= sent */
	ev_timer watchdog;
};

static void
notify_send(struct notify *n, const char *msg)
{
	if (n == NULL)
		return;
	if (sendto(n->fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&n->addr, n->addrlen) == -1)
		log_debug("notify: %s: %s", msg, strerror(errno));
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)revents;
	notify_send(container_of(t, struct notify, watchdog), "WATCHDOG=1");
}

void
notify_init(struct supervisor *sv)
{
	const char *path = getenv("NOTIFY_SOCKET"), *usec, *wpid;
	struct notify *n;
	size_t len;
	double period;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if ((n = calloc(1, sizeof(*n))) == NULL)
		return;
	if (len >= sizeof(n->addr.sun_path)) {
		free(n);
		return;
	}
	n->addr.sun_family = AF_UNIX;
	memcpy(n->addr.sun_path, path, len);
	if (path[0] == '@')
		n->addr.sun_path[0] = '\0';	/* abstract */
	/* An abstract name's length counts exactly its bytes. */
	n->addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '/' ? 1 : 0));
	if ((n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0) {
		free(n);
		return;
	}
	sv->notify = n;

	usec = getenv("WATCHDOG_USEC");
	wpid = getenv("WATCHDOG_PID");
	if (usec == NULL || (wpid != NULL && atol(wpid) != (long)sv->pid))
		return;
	period = strtod(usec, NULL) / 1e6 / 2;
	if (period <= 0)
		return;
	ev_timer_init(&n->watchdog, watchdog_cb, 0.0, period);
	ev_timer_again(sv->loop, &n->watchdog);
	notify_send(n, "WATCHDOG=1");
}

/*
 * From the settle pass (host.c), once per loop pass after changes: READY=1
 * the first time all are up, STATUS= when the counts changed.
 */
void
notify_changed(struct supervisor *sv)
{
	struct notify *n = sv->notify;
	const unsigned *t = sv->tally.n;	/* kept by worker.c */
	unsigned running = t[TALLY_RUNNING], starting = t[TALLY_STARTING];
	unsigned backoff = t[TALLY_BACKOFF], fatal = t[TALLY_FATAL];
	char msg[160];

	if (n == NULL)
		return;
	snprintf(msg, sizeof(msg), "STATUS=%u running, %u starting, "
	    "%u backoff, %u fatal", running, starting, backoff, fatal);
	if (strcmp(msg, n->status) != 0) {
		snprintf(n->status, sizeof(n->status), "%s", msg);
		notify_send(n, msg);
	}
	if (!n->ready_sent && starting == 0 && backoff == 0 &&
	    fatal == 0 && !sv->shutting_down) {
		n->ready_sent = true;
		notify_send(n, "READY=1");
	}
}

/* Around a reload; READY=1 again only if it had been sent before. */
void
notify_reloading(struct supervisor *sv, bool begin)
{
	if (begin)
		notify_send(sv->notify, "RELOADING=1");
	else if (sv->notify != NULL && sv->notify->ready_sent)
		notify_send(sv->notify, "READY=1");
}

void
notify_stopping(struct supervisor *sv)
{
	/* The watchdog keeps going: the shutdown may take shutdown_timeout. */
	notify_send(sv->notify, "STOPPING=1");
}

void
notify_close(struct supervisor *sv)
{
	struct notify *n = sv->notify;

	if (n == NULL)
		return;
	ev_timer_stop(sv->loop, &n->watchdog);
	close(n->fd);
	free(n);
	sv->notify = NULL;
}
