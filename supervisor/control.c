/*
 * control.c: the control socket, served from supervise's own loop.
 *
 * Every client is non-blocking, with an ev_io for each direction, and is
 * served one request at a time: a request that waits on workers (start,
 * stop, restart) holds back the client's next ones, never the loop.  The
 * defences: SO_PEERCRED (our uid or root), a request bounded at
 * PROTO_MAX_REQUEST, an idle timer only while a request is half-sent, a
 * cap on connections, and replies that are queued rather than written
 * blocking (a client that does not read its replies is not served further
 * once MAX_UNSENT bytes wait for it).
 *
 * Waiting requests hear of workers in control_worker_changed(), which is
 * called from inside the state machine: there they are only marked, and
 * whatever acts on a worker again (the start after a restart's stop, the
 * next request of the client) runs from the kick timer, on the next loop
 * iteration, with no caller of worker.c up the stack.  Targets are kept by
 * name: a worker that reload removes is freed behind our back.
 */
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "supervise.h"
#include "proto.h"

#define MAX_CLIENTS 256
#define IDLE_TIMEOUT 5.0		/* seconds to finish a request */
#define MAX_UNSENT (256 * 1024)		/* unread reply bytes per client */

enum phase { PH_DONE, PH_STOP, PH_START, PH_NEED_START };

struct target {
	char name[WORKER_NAME_LEN];
	enum phase phase;
};

/* A start, stop or restart waiting on its workers. */
struct pending {
	enum proto_cmd cmd;
	struct target *t;
	size_t n, left;
	size_t failed;
};

struct client {
	struct control *ctl;
	LIST_ENTRY(client) entry;
	int fd;
	ev_io rio, wio;
	ev_timer idle;
	char in[PROTO_MAX_REQUEST];
	size_t inlen;
	struct pbuf out;
	size_t outoff;
	struct pending *req;
	bool eof;		/* the peer has sent all it will */
	bool closing;		/* close once the replies are out */
	bool shutdown_wait;	/* answered by supervise's exit */
};

struct control {
	struct supervisor *sv;
	int fd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	ev_io accept_io;
	ev_timer accept_retry;	/* out of fds: accept again later */
	ev_timer kick;
	LIST_HEAD(, client) clients;
	unsigned nclients;
};

static void client_serve(struct client *);

static void
kick(struct control *ctl)
{
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
	LIST_REMOVE(c, entry);
	ctl->nclients--;
	if (c->req != NULL)
		free(c->req->t);
	free(c->req);
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

static bool
is_down(enum worker_state st)
{
	return st == STATE_STOPPED || st == STATE_EXITED || st == STATE_FATAL;
}

static bool
selects(const struct worker *w, const char *name)
{
	return strcmp(name, "all") == 0 || strcmp(w->name, name) == 0 ||
	    strcmp(w->cfg->name, name) == 0;
}

/*
 * The workers that names select (NAME: every instance, NAME:N, all), in
 * start order, every one if there are no names; or NULL with an error
 * reply queued.  Workers that reload removed are shown and stopped, but
 * not started (live).
 */
static struct worker **
resolve(struct client *c, char **names, size_t nnames, bool live,
    size_t *count)
{
	struct supervisor *sv = c->ctl->sv;
	struct worker **ws, *w;
	struct pbuf unknown = { 0 };
	size_t i, j, n = 0;
	bool found;

	for (j = 0; j < nnames; j++) {
		found = strcmp(names[j], "all") == 0;
		for (i = 0; i < sv->nworkers && !found; i++)
			found = selects(sv->workers[i], names[j]) &&
			    !(live && sv->workers[i]->removed);
		if (!found)
			pbuf_addf(&unknown, "%s%s", unknown.len ? ", " : "",
			    names[j]);
	}
	if (unknown.len > 0 || unknown.failed) {
		proto_put_error(&c->out, PERR_UNKNOWN, "no such worker: %s",
		    unknown.failed ? "?" : unknown.data);
		pbuf_free(&unknown);
		return NULL;
	}
	if ((ws = calloc(sv->nworkers + 1, sizeof(*ws))) == NULL) {
		c->out.failed = true;
		return NULL;
	}
	for (i = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		for (j = 0, found = nnames == 0; j < nnames && !found; j++)
			found = selects(w, names[j]);
		if (found && !(live && w->removed))
			ws[n++] = w;
	}
	*count = n;
	return ws;
}

static const char *
sig_text(int sig, char *buf, size_t len)
{
	const char *s;

	if ((s = signal_name(sig)) != NULL || (s = sigabbrev_np(sig)) != NULL)
		return s;
	snprintf(buf, len, "%d", sig);
	return buf;
}

static void
put_worker(struct pbuf *b, const struct worker *w, int64_t now)
{
	struct proto_row r = { 0 };
	char sig[16];

	r.name = w->name;
	r.state = worker_state_name(w->state);
	r.pid = w->pid > 1 ? w->pid : 0;
	if (r.pid != 0 && now > w->spawned_ms)
		r.uptime_ms = now - w->spawned_ms;
	r.restarts = w->restarts;
	if (w->has_exited && WIFSIGNALED(w->last_status)) {
		r.last = LAST_SIGNAL;
		r.signal = sig_text(WTERMSIG(w->last_status), sig, sizeof(sig));
	} else if (w->has_exited) {
		r.last = LAST_CODE;
		r.code = WEXITSTATUS(w->last_status);
	}
	r.text = w->status_text;
	proto_put_row(b, &r);
}

/* status, check and signal: one pass over the selected workers. */
static void
do_select(struct client *c, struct proto_request *req)
{
	struct supervisor *sv = c->ctl->sv;
	struct worker **ws, *w;
	size_t i, n, bad = 0;
	int64_t now = host_now_ms();
	int sig = 0;

	if (req->cmd == CMD_SIGNAL && parse_signal(req->sig, &sig) == -1) {
		proto_put_error(&c->out, PERR_USAGE, "unknown signal: %s",
		    req->sig);
		return;
	}
	if ((ws = resolve(c, req->names, req->nnames, false, &n)) == NULL)
		return;
	if (req->cmd == CMD_STATUS)
		proto_put_header(&c->out, sv->cfg->mode == MODE_THREAD ?
		    "thread" : "process", (long)sv->pid);
	for (i = 0; i < n; i++) {
		w = ws[i];
		if (req->cmd == CMD_STATUS)
			put_worker(&c->out, w, now);
		else if (req->cmd == CMD_CHECK && worker_should_run(w) &&
		    w->state != STATE_RUNNING) {
			bad++;
			proto_put_msg(&c->out, "%s: %s", w->name,
			    worker_state_name(w->state));
		} else if (req->cmd == CMD_SIGNAL && w->pid <= 1) {
			/* The worker's pid only: never a group, never <= 1. */
			bad++;
			proto_put_msg(&c->out, "%s: not running (%s)", w->name,
			    worker_state_name(w->state));
		} else if (req->cmd == CMD_SIGNAL && kill(w->pid, sig) == -1) {
			bad++;
			proto_put_msg(&c->out, "%s: kill %ld: %s", w->name,
			    (long)w->pid, strerror(errno));
		}
	}
	if (bad == 0)
		proto_put_ok(&c->out);
	else if (req->cmd == CMD_CHECK)
		proto_put_error(&c->out, PERR_NOTREADY, "%zu of %zu worker(s) "
		    "not running", bad, n);
	else
		proto_put_error(&c->out, PERR_FAILED, "%zu of %zu worker(s) "
		    "not signalled", bad, n);
	free(ws);
}

static void
do_reload(struct client *c)
{
	struct errlist errs = { 0 };
	size_t i;

	if (c->ctl->sv->shutting_down)
		proto_put_error(&c->out, PERR_FAILED, "supervise is shutting "
		    "down");
	else if (supervisor_reload(c->ctl->sv, &errs) == 0)
		proto_put_ok(&c->out);
	else {
		for (i = 0; i < errs.len; i++)
			proto_put_msg(&c->out, "%s", errs.msg[i]);
		proto_put_error(&c->out, PERR_FAILED, "config refused with "
		    "%zu error(s); nothing changed", errs.len);
	}
	errlist_free(&errs);
}

/* Where target t of p goes, now that its worker is in state st. */
static void
target_update(struct client *c, struct pending *p, struct target *t,
    enum worker_state st)
{
	enum phase was = t->phase;
	bool ok = false;

	if (t->phase == PH_STOP) {
		if (st == STATE_STOPPING)
			return;
		if (st == STATE_STOPPED && p->cmd != CMD_STOP) {
			t->phase = PH_NEED_START;
			kick(c->ctl);
			return;
		}
		ok = st == STATE_STOPPED;
		/* Started again by someone else (reload, a strategy)? */
		if (p->cmd != CMD_STOP && (st == STATE_STARTING ||
		    st == STATE_RUNNING))
			t->phase = PH_START;
	}
	if (t->phase == PH_START) {
		if (st == STATE_STARTING)
			return;
		ok = st == STATE_RUNNING;
	}
	if (t->phase == PH_DONE || t->phase == PH_NEED_START)
		return;
	t->phase = PH_DONE;
	p->left--;
	if (!ok) {
		p->failed++;
		proto_put_msg(&c->out, "%s: %s %s", t->name,
		    worker_state_name(st), was == PH_STOP ?
		    "while stopping" : "before it was running");
	}
}

static void
pending_finish(struct client *c)
{
	struct pending *p = c->req;

	if (p->failed > 0)
		proto_put_error(&c->out, PERR_FAILED, "%s failed for %zu of %zu "
		    "worker(s)", proto_cmd_name(p->cmd), p->failed, p->n);
	else
		proto_put_ok(&c->out);
	free(p->t);
	free(p);
	c->req = NULL;
	kick(c->ctl);
}

/* Start the target's worker now: the second half of a restart. */
static void
target_start(struct client *c, struct target *t)
{
	struct supervisor *sv = c->ctl->sv;
	struct worker *w = NULL;
	size_t i;

	for (i = 0; i < sv->nworkers && w == NULL; i++)
		if (strcmp(sv->workers[i]->name, t->name) == 0)
			w = sv->workers[i];
	if (w != NULL && !w->removed && !sv->shutting_down)
		worker_start(w);
	t->phase = PH_START;
	target_update(c, c->req, t, w != NULL ? w->state : STATE_STOPPED);
}

static void
do_lifecycle(struct client *c, struct proto_request *req)
{
	struct supervisor *sv = c->ctl->sv;
	struct worker **ws, *w;
	struct pending *p;
	size_t i, n;

	if (sv->shutting_down && req->cmd != CMD_STOP) {
		proto_put_error(&c->out, PERR_FAILED, "supervise is shutting "
		    "down");
		return;
	}
	if ((ws = resolve(c, req->names, req->nnames, req->cmd != CMD_STOP,
	    &n)) == NULL)
		return;
	if ((p = calloc(1, sizeof(*p))) == NULL ||
	    (p->t = calloc(n + 1, sizeof(*p->t))) == NULL) {
		free(p);
		free(ws);
		c->out.failed = true;
		return;
	}
	p->cmd = req->cmd;
	p->n = p->left = n;
	/*
	 * Act on one worker at a time and take its state right after.  The
	 * request is not yet the client's, so control_worker_changed, called
	 * from inside worker_start and worker_stop, does not see it.
	 */
	for (i = 0; i < n; i++) {
		w = ws[i];
		snprintf(p->t[i].name, sizeof(p->t[i].name), "%s", w->name);
		if (req->cmd == CMD_STOP || (req->cmd == CMD_RESTART &&
		    !is_down(w->state))) {
			worker_stop(w);
			p->t[i].phase = PH_STOP;
		} else if (w->state == STATE_STOPPING) {
			/* Starting it now would skip STOPPED: wait for it. */
			p->t[i].phase = PH_STOP;
		} else {
			/* A worker that is down restarts as it starts. */
			worker_start(w);
			p->t[i].phase = PH_START;
		}
		target_update(c, p, &p->t[i], w->state);
	}
	free(ws);
	c->req = p;
	if (p->left == 0)
		pending_finish(c);
}

static void
client_request(struct client *c, const char *line, size_t len)
{
	struct proto_request req;
	enum proto_err err;
	const char *why;

	if (proto_parse_request(line, len, &req, &err, &why) == -1) {
		proto_put_error(&c->out, err, "%s", why);
		return;
	}
	switch (req.cmd) {
	case CMD_STATUS:
	case CMD_CHECK:
	case CMD_SIGNAL:
		do_select(c, &req);
		break;
	case CMD_START:
	case CMD_STOP:
	case CMD_RESTART:
		do_lifecycle(c, &req);
		break;
	case CMD_RELOAD:
		do_reload(c);
		break;
	case CMD_SHUTDOWN:
		/* No reply: the connection closes when supervise exits. */
		c->shutdown_wait = true;
		supervisor_shutdown(c->ctl->sv, 0);
		break;
	}
	proto_request_free(&req);
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

	while (c->req == NULL && !c->closing && !c->shutdown_wait &&
	    c->out.len - c->outoff < MAX_UNSENT) {
		if ((nl = memchr(c->in, '\n', c->inlen)) != NULL)
			len = (size_t)(nl - c->in);
		else if (c->inlen == sizeof(c->in)) {
			proto_put_error(&c->out, PERR_TOOLONG, "request "
			    "longer than %d bytes", PROTO_MAX_REQUEST);
			c->closing = true;
			break;
		} else if (c->eof && c->inlen > 0)
			len = c->inlen;		/* a last line without \n */
		else
			break;
		client_request(c, c->in, len);
		if (len < c->inlen)
			len++;
		memmove(c->in, c->in + len, c->inlen - len);
		c->inlen -= len;
	}
	if (c->eof && c->inlen == 0 && c->req == NULL && !c->shutdown_wait)
		c->closing = true;
	if (c->closing || c->eof || c->inlen == sizeof(c->in))
		ev_io_stop(loop, &c->rio);
	else
		ev_io_start(loop, &c->rio);
	/*
	 * The idle timer runs from the first byte of a half-sent request,
	 * and not while an earlier request of the client waits.
	 */
	if (c->inlen > 0 && c->req == NULL && !c->closing && !c->eof &&
	    memchr(c->in, '\n', c->inlen) == NULL) {
		if (!ev_is_active(&c->idle))
			ev_timer_start(loop, &c->idle);
	} else
		ev_timer_stop(loop, &c->idle);
	client_flush(c);
}

static void
client_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct client *c = container_of(io, struct client, rio);
	ssize_t n;

	(void)loop;
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
	if (n == 0) {
		if (c->shutdown_wait) {
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
	bool was_full = c->out.len - c->outoff >= MAX_UNSENT;

	(void)loop;
	(void)revents;
	if (client_flush(c) && was_full)
		client_serve(c);
}

static void
client_idle_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct client *c = container_of(t, struct client, idle);

	(void)loop;
	(void)revents;
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

static bool
peer_allowed(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return false;
	*uid = cred.uid;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void
accept_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct control *ctl = container_of(io, struct control, accept_io);
	struct client *c;
	uid_t uid = (uid_t)-1;
	int fd;

	(void)revents;
	for (;;) {
		fd = accept4(ctl->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno == EMFILE || errno == ENFILE ||
			    errno == ENOBUFS || errno == ENOMEM) {
				log_warnx("control: accept: %s; accepting again "
				    "in 1s", strerror(errno));
				ev_io_stop(loop, io);
				ev_timer_start(loop, &ctl->accept_retry);
			}
			return;
		}
		if (!peer_allowed(fd, &uid)) {
			log_warnx("control: refused a connection from uid %ld",
			    (long)uid);
			reject(fd, PERR_REFUSED, "permission denied: only uid "
			    "0 and the supervisor's uid may connect");
			continue;
		}
		if (ctl->nclients >= MAX_CLIENTS ||
		    (c = calloc(1, sizeof(*c))) == NULL) {
			reject(fd, PERR_BUSY, "too many connections");
			continue;
		}
		c->ctl = ctl;
		c->fd = fd;
		ev_io_init(&c->rio, client_read_cb, fd, EV_READ);
		ev_io_init(&c->wio, client_write_cb, fd, EV_WRITE);
		ev_timer_init(&c->idle, client_idle_cb, IDLE_TIMEOUT, 0.0);
		LIST_INSERT_HEAD(&ctl->clients, c, entry);
		ctl->nclients++;
		ev_io_start(loop, &c->rio);
	}
}

static void
accept_retry_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct control *ctl = container_of(t, struct control, accept_retry);

	(void)revents;
	ev_io_start(loop, &ctl->accept_io);
}

/* The second halves of restarts, then the clients' next requests. */
static void
kick_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct control *ctl = container_of(t, struct control, kick);
	struct client *c, *next;
	size_t i;

	(void)loop;
	(void)revents;
	LIST_FOREACH(c, &ctl->clients, entry) {
		if (c->req == NULL)
			continue;
		for (i = 0; i < c->req->n; i++)
			if (c->req->t[i].phase == PH_NEED_START)
				target_start(c, &c->req->t[i]);
		if (c->req->left == 0)
			pending_finish(c);
	}
	for (c = LIST_FIRST(&ctl->clients); c != NULL; c = next) {
		next = LIST_NEXT(c, entry);
		client_serve(c);
	}
}

void
control_worker_changed(struct worker *w)
{
	struct control *ctl = w->sv->control;
	struct client *c;
	struct pending *p;
	size_t i;

	if (ctl == NULL)
		return;
	LIST_FOREACH(c, &ctl->clients, entry) {
		if ((p = c->req) == NULL)
			continue;
		for (i = 0; i < p->n; i++)
			if (p->t[i].phase != PH_DONE &&
			    strcmp(p->t[i].name, w->name) == 0)
				target_update(c, p, &p->t[i], w->state);
		if (p->left == 0)
			pending_finish(c);
	}
}

static int
control_bind(struct control *ctl)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	int probe, rv, tries;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", ctl->path);
	for (tries = 0; tries < 2; tries++) {
		/* Created 0600: there is no moment when others may connect. */
		mask = umask(0177);
		rv = bind(ctl->fd, (struct sockaddr *)&sun, sizeof(sun));
		umask(mask);
		if (rv == 0 || errno != EADDRINUSE)
			break;
		if (lstat(ctl->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			warnx("%s: exists and is not a socket", ctl->path);
			return -1;
		}
		/* Connect to it: refused means a supervise died and left it. */
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			break;
		rv = connect(probe, (struct sockaddr *)&sun, sizeof(sun));
		close(probe);
		if (rv == 0) {
			warnx("%s: another supervise is serving this socket",
			    ctl->path);
			return -1;
		}
		if (errno != ECONNREFUSED ||
		    (unlink(ctl->path) == -1 && errno != ENOENT))
			break;
	}
	if (rv == -1 || stat(ctl->path, &st) == -1 ||
	    listen(ctl->fd, SOMAXCONN) == -1) {
		warn("%s", ctl->path);
		return -1;
	}
	ctl->dev = st.st_dev;
	ctl->ino = st.st_ino;
	return 0;
}

int
control_init(struct supervisor *sv)
{
	struct control *ctl;
	const char *path;
	char why[256];

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		warn("control");
		return EXIT_SOFTWARE;
	}
	ctl->sv = sv;
	ctl->fd = -1;
	LIST_INIT(&ctl->clients);
	path = sv->socket_override != NULL ? sv->socket_override :
	    sv->cfg->socket;
	if (path == NULL && proto_default_socket(ctl->path, sizeof(ctl->path),
	    PROTO_DIR_CREATE, why, sizeof(why)) == -1) {
		warnx("%s", why);
		goto fail;
	}
	if (path != NULL && (size_t)snprintf(ctl->path, sizeof(ctl->path),
	    "%s", path) >= sizeof(ctl->path)) {
		warnx("%s: socket path too long (at most %zu bytes)", path,
		    sizeof(ctl->path) - 1);
		goto fail;
	}
	if ((ctl->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		warn("socket");
		goto fail;
	}
	if (control_bind(ctl) == -1)
		goto fail;
	ev_io_init(&ctl->accept_io, accept_cb, ctl->fd, EV_READ);
	ev_timer_init(&ctl->accept_retry, accept_retry_cb, 1.0, 0.0);
	ev_timer_init(&ctl->kick, kick_cb, 0.0, 0.0);
	ev_io_start(sv->loop, &ctl->accept_io);
	sv->control = ctl;
	return 0;
fail:
	if (ctl->fd != -1)
		close(ctl->fd);
	free(ctl);
	return EXIT_CANTCREAT;
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
	struct stat st;

	if (ctl == NULL)
		return;
	while ((c = LIST_FIRST(&ctl->clients)) != NULL) {
		if (c->shutdown_wait)
			c->fd = -1;	/* left to the kernel */
		client_free(c);
	}
	ev_io_stop(sv->loop, &ctl->accept_io);
	ev_timer_stop(sv->loop, &ctl->accept_retry);
	ev_timer_stop(sv->loop, &ctl->kick);
	close(ctl->fd);
	if (stat(ctl->path, &st) == 0 && st.st_dev == ctl->dev &&
	    st.st_ino == ctl->ino)
		(void)unlink(ctl->path);
	free(ctl);
	sv->control = NULL;
}
