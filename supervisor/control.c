/*
 * control.c: the control socket, served from supervise's own loop: the
 * connections, request framing and reply queues.  The socket's file and
 * the peer check are control_socket.c's, accepting is listener.c's, what
 * a request does is command.c's.
 *
 * Every client is non-blocking, with an ev_io for each direction, and is
 * served one request at a time: a request that waits on workers (start,
 * stop, restart) holds back the client's next ones, never the loop.  The
 * defences: SO_PEERCRED (our uid or root), a request bounded at
 * PROTO_MAX_REQUEST, an idle timer whenever the connection is the
 * client's to use (from the accept, between requests), a cap on
 * connections that keeps a slot for a fresh one (at the cap, the oldest
 * connection that is the client's to use is closed to make room: idle
 * connections cannot lock out a real client), and replies that are
 * queued rather than written
 * blocking (a client that does not read its replies is not served further
 * once MAX_UNSENT bytes wait for it).
 *
 * A client that follows workers' output (`log -f`) is sent each new line
 * as it is captured, queued and written when the socket takes it; the
 * loop never waits for it.  One that lets more than MAX_UNSENT bytes pile
 * up is dropped: its queue is cut after the record being sent, an err
 * line says why, and it has IDLE_TIMEOUT to read that before it is closed.
 *
 * The kick timer runs what command.c must not run from inside the state
 * machine (the start after a restart's stop, the next request of a
 * client) on the next loop iteration.  The wait timer runs only while a
 * request waits on workers: it sends those clients a wait line every
 * PROTO_WAIT_MS, so that supervisectl can bound its own patience.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "proto.h"

#define MAX_CLIENTS 256
#define IDLE_TIMEOUT 5.0		/* seconds to finish a request */
#define MAX_UNSENT (256 * 1024)		/* unread reply bytes per client */

struct client {
	struct control *ctl;
	TAILQ_ENTRY(client) entry;	/* oldest first */
	int fd;
	ev_io rio, wio;
	ev_timer idle;
	char in[PROTO_MAX_REQUEST];
	size_t inlen;
	struct pbuf out;
	size_t outoff;
	struct command_client cmd;	/* what command.c sees of it */
	bool eof;		/* the peer has sent all it will */
	bool closing;		/* close once the replies are out */
	bool following;		/* sent workers' lines as they come */
	bool dropped;		/* a follower that fell behind: closing */
};

struct control {
	struct supervisor *sv;
	struct control_socket sock;	/* control_socket.c */
	struct listener *listener;	/* listener.c: accepting */
	ev_timer kick;
	ev_timer wait;		/* wait lines, while requests wait */
	TAILQ_HEAD(, client) clients;
	unsigned nclients;
	unsigned nfollowers;
};

void
control_kick(struct supervisor *sv)
{
	struct control *ctl = sv->control;

	if (!ev_is_active(&ctl->kick))
		ev_timer_start(ctl->sv->loop, &ctl->kick);
}

static void
client_free(struct client *c)
{
	struct control *ctl = c->ctl;
	struct ev_loop *loop = ctl->sv->loop;

	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->idle);
	if (c->fd != -1)
		close(c->fd);
	TAILQ_REMOVE(&ctl->clients, c, entry);
	ctl->nclients--;
	if (c->following)
		ctl->nfollowers--;
	free(c->cmd.follow);
	command_wait_free(c->cmd.wait);
	command_status_free(c->cmd.status);
	pbuf_free(&c->out);
	free(c);
}

/* Write what is queued; false if the client is gone. */
static bool
client_flush(struct client *c)
{
	struct ev_loop *loop = c->ctl->sv->loop;
	ssize_t n;

	if (c->out.failed) {
		log_warnx("control: out of memory for a reply; closing the "
		    "connection");
		client_free(c);
		return false;
	}
	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.data + c->outoff, c->out.len - c->outoff,
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n == -1) {
			client_free(c);
			return false;
		}
		c->outoff += (size_t)n;
	}
	if (c->outoff < c->out.len) {
		/* Keep the buffer bounded for a client that never drains it. */
		if (c->outoff >= MAX_UNSENT) {
			memmove(c->out.data, c->out.data + c->outoff,
			    c->out.len - c->outoff);
			c->out.len -= c->outoff;
			c->outoff = 0;
		}
		ev_io_start(loop, &c->wio);
		return true;
	}
	c->outoff = c->out.len = 0;
	ev_io_stop(loop, &c->wio);
	if (c->closing) {
		client_free(c);
		return false;
	}
	return true;
}

static size_t
unsent(const struct client *c)
{
	return c->out.len - c->outoff;
}

/* A request of c waits on workers (or on supervise's exit). */
static bool
waiting(const struct client *c)
{
	return c->cmd.wait != NULL || c->cmd.shutdown_wait;
}

/* Every PROTO_WAIT_MS: a wait line to each client whose request waits. */
static void
wait_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct control *ctl = container_of(t, struct control, wait);
	struct client *c, *next;
	bool any = false;

	(void)revents;
	for (c = TAILQ_FIRST(&ctl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		if (!waiting(c))
			continue;
		any = true;
		if (unsent(c) > 0)
			continue;	/* it has a line to read already */
		proto_put_wait(&c->out, PROTO_WAIT_MS);
		(void)client_flush(c);
	}
	if (!any)
		ev_timer_stop(loop, t);
}

/*
 * At the cap: close the oldest connection that is the client's to use (its
 * idle timer runs: no request of it waits, no reply is unsent), to keep a
 * slot for the fresh one.  False if every connection is busy.
 */
static bool
make_room(struct control *ctl)
{
	struct client *c;

	TAILQ_FOREACH(c, &ctl->clients, entry) {
		if (ev_is_active(&c->idle)) {
			client_free(c);
			return true;
		}
	}
	return false;
}

/*
 * Take the complete requests out of the input, one at a time, while no
 * request waits and the client reads its replies; then set the watchers.
 */
static void
client_serve(struct client *c)
{
	struct ev_loop *loop = c->ctl->sv->loop;
	char *nl;
	size_t len;
	bool served = false, blocked;

	do {
		while (c->cmd.wait == NULL && c->cmd.status == NULL &&
		    !c->closing && !c->cmd.shutdown_wait && !c->following &&
		    unsent(c) < MAX_UNSENT) {
			if ((nl = memchr(c->in, '\n', c->inlen)) != NULL)
				len = (size_t)(nl - c->in);
			else if (c->inlen == sizeof(c->in)) {
				proto_put_error(&c->out, PERR_TOOLONG, "request "
				    "longer than %d bytes", PROTO_MAX_REQUEST);
				c->closing = true;
				break;
			} else if (c->eof && c->inlen > 0)
				len = c->inlen;	/* a last line without \n */
			else
				break;
			command_request(&c->cmd, c->in, len);
			served = true;
			if (c->cmd.nfollow > 0 && !c->following) {
				c->following = true;
				c->ctl->nfollowers++;
			}
			if (waiting(c) && c->cmd.progress) {
				proto_put_wait(&c->out, PROTO_WAIT_MS);
				if (!ev_is_active(&c->ctl->wait))
					ev_timer_again(loop, &c->ctl->wait);
			}
			if (len < c->inlen)
				len++;
			memmove(c->in, c->in + len, c->inlen - len);
			c->inlen -= len;
		}
		if (c->eof && c->inlen == 0 && c->cmd.wait == NULL &&
		    c->cmd.status == NULL && !c->cmd.shutdown_wait &&
		    !c->following)
			c->closing = true;
		blocked = unsent(c) >= MAX_UNSENT;
		if (!client_flush(c))
			return;
		/* The flush made room: serve what the limit held back. */
	} while (blocked && unsent(c) < MAX_UNSENT && c->inlen > 0);
	/* Read no more while the client does not read its replies. */
	if (c->closing || c->eof || c->inlen == sizeof(c->in) ||
	    unsent(c) >= MAX_UNSENT)
		ev_io_stop(loop, &c->rio);
	else
		ev_io_start(loop, &c->rio);
	/*
	 * The idle timer runs while the connection is the client's to use:
	 * no request waits, no reply is unsent; it runs from the accept,
	 * from the first byte of a half-sent request, and again from each
	 * request served.  A dropped follower keeps the timer it was given.
	 */
	/* A status reply under way goes on once the client reads it. */
	if (c->cmd.status != NULL && unsent(c) < MAX_UNSENT)
		control_kick(c->ctl->sv);
	if (c->dropped)
		return;
	if (c->cmd.wait == NULL && c->cmd.status == NULL &&
	    !c->cmd.shutdown_wait && !c->closing && !c->following &&
	    !c->eof && unsent(c) == 0) {
		if (served)
			ev_timer_stop(loop, &c->idle);
		if (!ev_is_active(&c->idle)) {
			/* A stopped ev_timer keeps what was left: reset it. */
			ev_timer_set(&c->idle, IDLE_TIMEOUT, 0.0);
			ev_timer_start(loop, &c->idle);
		}
	} else
		ev_timer_stop(loop, &c->idle);
}

static void
client_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct client *c = container_of(io, struct client, rio);
	ssize_t n;

	(void)revents;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n == -1) {
		client_free(c);
		return;
	}
	if (n > 0 && c->inlen == 0)
		ev_timer_stop(loop, &c->idle);	/* a request begins: 5s */
	if (n == 0) {
		if (c->cmd.shutdown_wait || c->following) {
			client_free(c);
			return;
		}
		c->eof = true;
	}
	c->inlen += (size_t)n;
	client_serve(c);
}

static void
client_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct client *c = container_of(io, struct client, wio);

	(void)loop;
	(void)revents;
	if (client_flush(c))
		client_serve(c);
}

static void
client_idle_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct client *c = container_of(t, struct client, idle);

	(void)loop;
	(void)revents;
	if (c->inlen == 0) {
		client_free(c);		/* idle: no request in sight */
		return;
	}
	proto_put_error(&c->out, PERR_TIMEOUT, "request not completed "
	    "within %.0fs", IDLE_TIMEOUT);
	c->closing = true;
	client_serve(c);
}

/* Refuse a connection with one error line, best effort, and close it. */
static void
reject(int fd, enum proto_err err, const char *msg)
{
	struct pbuf b = { 0 };

	proto_put_error(&b, err, "%s", msg);
	if (!b.failed)
		(void)send(fd, b.data, b.len, MSG_NOSIGNAL | MSG_DONTWAIT);
	pbuf_free(&b);
	close(fd);
}

/* A new connection: refused, or served from now on. */
static void
accepted(struct supervisor *sv, int fd)
{
	struct control *ctl = sv->control;
	struct client *c;
	uid_t uid = (uid_t)-1;

	if (!control_socket_peer_allowed(fd, &uid)) {
		log_warnx("control: refused a connection from uid %ld",
		    (long)uid);
		reject(fd, PERR_REFUSED, "permission denied: only uid 0 and "
		    "the supervisor's uid may connect");
		return;
	}
	if ((ctl->nclients >= MAX_CLIENTS && !make_room(ctl)) ||
	    (c = calloc(1, sizeof(*c))) == NULL) {
		reject(fd, PERR_BUSY, "too many connections");
		return;
	}
	c->ctl = ctl;
	c->fd = fd;
	c->cmd.sv = sv;
	c->cmd.out = &c->out;
	ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->idle, client_idle_cb, IDLE_TIMEOUT, 0.0);
	TAILQ_INSERT_TAIL(&ctl->clients, c, entry);
	ctl->nclients++;
	ev_io_start(sv->loop, &c->rio);
	ev_timer_start(sv->loop, &c->idle);
}

/* The second halves of restarts, then the clients' next requests. */
static void
kick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct control *ctl = container_of(t, struct control, kick);
	struct client *c, *next;

	(void)loop;
	(void)revents;
	TAILQ_FOREACH(c, &ctl->clients, entry) {
		command_kick(&c->cmd);
		/* One chunk per pass, and none for a client not reading. */
		if (c->cmd.status != NULL && unsent(c) < MAX_UNSENT)
			(void)command_status_more(&c->cmd);
	}
	for (c = TAILQ_FIRST(&ctl->clients); c != NULL; c = next) {
		next = TAILQ_NEXT(c, entry);
		client_serve(c);
	}
}

/* A follower fell behind: what it gets is an err line, then the end. */
static void
follow_drop(struct client *c)
{
	struct ev_loop *loop = c->ctl->sv->loop;
	char *nl;

	/* Keep the record being sent whole, drop the rest. */
	nl = memchr(c->out.data + c->outoff, '\n', c->out.len - c->outoff);
	c->out.len = nl != NULL ? (size_t)(nl - c->out.data) + 1 : c->outoff;
	c->out.data[c->out.len] = '\0';
	proto_put_error(&c->out, PERR_FAILED, "not reading fast enough: "
	    "no longer followed (%d KiB behind)", MAX_UNSENT / 1024);
	c->following = false;
	c->ctl->nfollowers--;
	c->cmd.nfollow = 0;
	c->closing = true;
	c->dropped = true;
	c->inlen = 0;
	ev_timer_stop(loop, &c->idle);
	ev_timer_set(&c->idle, IDLE_TIMEOUT, 0.0);
	ev_timer_start(loop, &c->idle);
	ev_io_start(loop, &c->wio);
}

void
control_follow_line(struct worker *w, const char *line, size_t len)
{
	struct control *ctl = w->sv->control;
	struct client *c;

	if (ctl == NULL || ctl->nfollowers == 0)
		return;
	TAILQ_FOREACH(c, &ctl->clients, entry) {
		if (!c->following ||
		    !command_follow_line(&c->cmd, w, line, len))
			continue;
		if (unsent(c) > MAX_UNSENT)
			follow_drop(c);
		else
			ev_io_start(ctl->sv->loop, &c->wio);
	}
}

void
control_follow_run(struct worker *w, const char *run, size_t len)
{
	struct control *ctl = w->sv->control;
	const char *p = run, *end = run + len, *nl;

	if (ctl == NULL || ctl->nfollowers == 0)
		return;
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		control_follow_line(w, p, (size_t)(nl - p));
		p = nl + 1;
	}
}

void
control_worker_changed(struct worker *w)
{
	struct control *ctl = w->sv->control;
	struct client *c;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->clients, entry)
		command_worker_changed(&c->cmd, w);
}

void
control_worker_freed(struct worker *w)
{
	struct control *ctl = w->sv->control;
	struct client *c;

	if (ctl == NULL)
		return;
	TAILQ_FOREACH(c, &ctl->clients, entry)
		command_worker_freed(&c->cmd, w);
}

int
control_init(struct supervisor *sv)
{
	struct control *ctl;

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		warn("control");
		return EXIT_SOFTWARE;
	}
	ctl->sv = sv;
	TAILQ_INIT(&ctl->clients);
	if (control_socket_open(sv, &ctl->sock) == -1) {
		free(ctl);
		return EXIT_CANTCREAT;
	}
	if ((ctl->listener = listener_new(sv, ctl->sock.fd, "control",
	    accepted)) == NULL) {
		warn("control");
		control_socket_close(&ctl->sock);
		free(ctl);
		return EXIT_SOFTWARE;
	}
	ev_timer_init(&ctl->kick, kick_cb, 0.0, 0.0);
	ev_init(&ctl->wait, wait_cb);
	ctl->wait.repeat = PROTO_WAIT_MS / 1000.0;
	sv->control = ctl;
	return 0;
}

/*
 * At exit: close every connection and remove the socket, if still ours.
 * The connections that asked for the shutdown are left open: the kernel
 * closes them as the process exits, and that is their answer.
 */
void
control_close(struct supervisor *sv)
{
	struct control *ctl = sv->control;
	struct client *c;
	ssize_t n;

	if (ctl == NULL)
		return;
	/*
	 * Finish the requests that still wait (a start that has to wait
	 * fails, as supervise is shutting down), then give every client
	 * what is queued for it, once and without blocking.
	 */
	TAILQ_FOREACH(c, &ctl->clients, entry) {
		command_kick(&c->cmd);
		while (command_status_more(&c->cmd))
			;
	}
	while ((c = TAILQ_FIRST(&ctl->clients)) != NULL) {
		while (!c->out.failed && c->outoff < c->out.len) {
			n = send(c->fd, c->out.data + c->outoff,
			    c->out.len - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
			if (n == -1 && errno == EINTR)
				continue;
			if (n <= 0)
				break;
			c->outoff += (size_t)n;
		}
		if (c->cmd.shutdown_wait)
			c->fd = -1;	/* left to the kernel */
		client_free(c);
	}
	listener_free(ctl->listener);
	ev_timer_stop(sv->loop, &ctl->kick);
	ev_timer_stop(sv->loop, &ctl->wait);
	control_socket_close(&ctl->sock);
	free(ctl);
	sv->control = NULL;
}
