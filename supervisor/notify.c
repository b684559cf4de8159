/*
 * notify.c: supervise as a worker of whatever runs it (systemd with
 * Type=notify, or another supervise with ready=notify).  READY=1 once
 * every worker that should run is RUNNING, STATUS= when the summary
 * changes, RELOADING=1 around a reload, STOPPING=1 at shutdown, and
 * WATCHDOG=1 at half of WATCHDOG_USEC.  Without NOTIFY_SOCKET all of it
 * is off and costs nothing.
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

struct notify {
	int fd;
	struct sockaddr_un addr;
	socklen_t addrlen;
	bool ready_sent;
	char status[160];	/* the last STATUS= sent */
	ev_timer watchdog;
};

static struct notify notifier = { .fd = -1 };

static void
notify_send(const char *msg)
{
	if (notifier.fd < 0)
		return;
	if (sendto(notifier.fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&notifier.addr, notifier.addrlen) == -1)
		log_debug("notify: %s: %s", msg, strerror(errno));
}

static void
watchdog_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	(void)loop;
	(void)t;
	(void)revents;
	notify_send("WATCHDOG=1");
}

void
notify_init(struct supervisor *sv)
{
	const char *path = getenv("NOTIFY_SOCKET"), *usec, *wpid;
	size_t len;
	double period;

	if (path == NULL || (path[0] != '/' && path[0] != '@'))
		return;
	len = strlen(path);
	if (len >= sizeof(notifier.addr.sun_path))
		return;
	notifier.addr.sun_family = AF_UNIX;
	memcpy(notifier.addr.sun_path, path, len);
	if (path[0] == '@')
		notifier.addr.sun_path[0] = '\0';	/* abstract */
	/* An abstract name's length counts exactly its bytes. */
	notifier.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len + (path[0] == '/' ? 1 : 0));
	notifier.fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (notifier.fd < 0)
		return;

	usec = getenv("WATCHDOG_USEC");
	wpid = getenv("WATCHDOG_PID");
	if (usec == NULL || (wpid != NULL && atol(wpid) != (long)sv->pid))
		return;
	period = strtod(usec, NULL) / 1e6 / 2;
	if (period <= 0)
		return;
	ev_timer_init(&notifier.watchdog, watchdog_cb, 0.0, period);
	ev_timer_again(sv->loop, &notifier.watchdog);
	notify_send("WATCHDOG=1");
}

/* After any state change: READY=1 the first time all are up, STATUS=. */
void
notify_changed(struct supervisor *sv)
{
	unsigned running = 0, starting = 0, backoff = 0, fatal = 0;
	char msg[160];
	size_t i;
	struct worker *w;

	if (notifier.fd < 0)
		return;
	for (i = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		if (w->state == STATE_RUNNING)
			running++;
		else if (w->state == STATE_BACKOFF)
			backoff++;
		else if (w->state == STATE_FATAL)
			fatal++;
		else if (worker_should_run(w))
			starting++;
	}
	snprintf(msg, sizeof(msg), "STATUS=%u running, %u starting, "
	    "%u backoff, %u fatal", running, starting, backoff, fatal);
	if (strcmp(msg, notifier.status) != 0) {
		snprintf(notifier.status, sizeof(notifier.status), "%s", msg);
		notify_send(msg);
	}
	if (!notifier.ready_sent && starting == 0 && backoff == 0 &&
	    fatal == 0 && !sv->shutting_down) {
		notifier.ready_sent = true;
		notify_send("READY=1");
	}
}

/* Around a reload; READY=1 again only if it had been sent before. */
void
notify_reloading(bool begin)
{
	if (begin)
		notify_send("RELOADING=1");
	else if (notifier.ready_sent)
		notify_send("READY=1");
}

void
notify_stopping(struct supervisor *sv)
{
	/* The watchdog keeps going: the shutdown may take shutdown_timeout. */
	(void)sv;
	notify_send("STOPPING=1");
}

void
notify_close(void)
{
	if (notifier.fd >= 0)
		close(notifier.fd);
	notifier.fd = -1;
}
