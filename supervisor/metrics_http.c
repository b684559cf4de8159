/*
 * metrics_http.c: `[supervisor] metrics_listen`, a TCP listener that
 * serves GET /metrics (and HEAD) from supervise's own loop, and nothing
 * else: any other path is 404, any other method 405, anything that is not
 * a plain HTTP/1.x request head (http.c) 400 or 431.
 *
 * Whoever can reach the address can connect: no credentials are checked
 * (supervise.ini(5) recommends loopback).  So everything is bounded: at
 * most MAX_CONNS connections (one more is closed at once), a request head
 * of HTTP_MAX_REQUEST bytes, DEADLINE seconds per connection from accept
 * to the last byte of the response, one request per connection
 * ("Connection: close").  Nothing blocks: the sockets are non-blocking,
 * the response is made whole when the request is complete and written as
 * the peer takes it; a peer that does not read it is closed at the
 * deadline.  Errors of one connection close that connection only.
 * Accepting, and pausing when out of descriptors, is listener.c's.
 */
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "http.h"
#include "metrics.h"
#include "proto.h"

#define MAX_CONNS 8
#define DEADLINE 10.0		/* seconds per connection, all included */

struct conn {
	struct metrics_http *m;
	LIST_ENTRY(conn) entry;
	int fd;
	ev_io rio, wio;
	ev_timer deadline;
	char in[HTTP_MAX_REQUEST];
	size_t inlen;
	struct pbuf out;
	size_t outoff;
};

struct metrics_http {
	struct supervisor *sv;
	int fd;
	struct listener *listener;	/* listener.c: accepting */
	LIST_HEAD(, conn) conns;
	unsigned nconns;
};

static void
conn_free(struct conn *c)
{
	struct ev_loop *loop = c->m->sv->loop;

	ev_io_stop(loop, &c->rio);
	ev_io_stop(loop, &c->wio);
	ev_timer_stop(loop, &c->deadline);
	close(c->fd);
	LIST_REMOVE(c, entry);
	c->m->nconns--;
	pbuf_free(&c->out);
	free(c);
}

static void
conn_write(struct conn *c)
{
	ssize_t n;

	while (c->outoff < c->out.len) {
		n = send(c->fd, c->out.data + c->outoff,
		    c->out.len - c->outoff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			ev_io_start(c->m->sv->loop, &c->wio);
			return;
		}
		if (n == -1)
			break;
		c->outoff += (size_t)n;
	}
	conn_free(c);
}

/* The response to a complete head, or to a refused one (req NULL). */
static void
respond(struct conn *c, int status, const struct http_request *req)
{
	struct pbuf body = { 0 };

	ev_io_stop(c->m->sv->loop, &c->rio);
	if (status == 200) {
		record_metrics(c->m->sv, &body);
		if (body.failed) {
			pbuf_free(&body);
			status = 503;
		}
	}
	if (status == 200) {
		http_put_head(&c->out, 200, METRICS_CONTENT_TYPE, body.len);
		if (req->method == HTTP_GET)
			pbuf_add(&c->out, body.data, body.len);
	} else {
		pbuf_addf(&body, "%d %s\n", status, http_reason(status));
		http_put_head(&c->out, status, "text/plain; charset=utf-8",
		    body.len);
		if (req == NULL || req->method != HTTP_HEAD)
			pbuf_add(&c->out, body.data, body.len);
	}
	pbuf_free(&body);
	if (c->out.failed) {
		conn_free(c);
		return;
	}
	conn_write(c);
}

static void
conn_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct conn *c = container_of(io, struct conn, rio);
	struct http_request req;
	ssize_t n;

	(void)loop;
	(void)revents;
	n = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
	    MSG_DONTWAIT);
	if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK ||
	    errno == EINTR))
		return;
	if (n <= 0) {
		conn_free(c);	/* gone before asking anything */
		return;
	}
	c->inlen += (size_t)n;
	switch (http_parse_request(c->in, c->inlen, &req)) {
	case HTTP_INCOMPLETE:
		return;
	case HTTP_BAD:
		respond(c, 400, NULL);
		return;
	case HTTP_TOOLARGE:
		respond(c, 431, NULL);
		return;
	case HTTP_DONE:
		break;
	}
	if (req.method == HTTP_OTHER)
		respond(c, 405, &req);
	else if (strcmp(req.path, "/metrics") != 0)
		respond(c, 404, &req);
	else
		respond(c, 200, &req);
}

static void
conn_write_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct conn *c = container_of(io, struct conn, wio);

	(void)loop;
	(void)revents;
	conn_write(c);
}

static void
conn_deadline_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct conn *c = container_of(t, struct conn, deadline);

	(void)loop;
	(void)revents;
	conn_free(c);
}

/* A new connection: served, or closed at once when MAX_CONNS are. */
static void
accepted(struct supervisor *sv, int fd)
{
	struct metrics_http *m = sv->metrics;
	struct conn *c;

	if (m->nconns >= MAX_CONNS || (c = calloc(1, sizeof(*c))) == NULL) {
		close(fd);
		return;
	}
	c->m = m;
	c->fd = fd;
	ev_io_init(&c->rio, conn_read_cb, fd, EV_READ);
	ev_io_init(&c->wio, conn_write_cb, fd, EV_WRITE);
	ev_timer_init(&c->deadline, conn_deadline_cb, DEADLINE, 0.0);
	LIST_INSERT_HEAD(&m->conns, c, entry);
	m->nconns++;
	ev_io_start(sv->loop, &c->rio);
	ev_timer_start(sv->loop, &c->deadline);
}

int
metrics_http_init(struct supervisor *sv)
{
	const struct config *cfg = sv->cfg;
	struct metrics_http *m;
	int one = 1;

	if (cfg->metrics_listen == NULL)
		return 0;
	if ((m = calloc(1, sizeof(*m))) == NULL) {
		warnx("metrics_listen: %s", strerror(errno));
		return -1;
	}
	m->sv = sv;
	LIST_INIT(&m->conns);
	if ((m->fd = socket(cfg->metrics_addr.ss_family, SOCK_STREAM |
	    SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) == -1 ||
	    setsockopt(m->fd, SOL_SOCKET, SO_REUSEADDR, &one,
	    sizeof(one)) == -1 ||
	    bind(m->fd, (const struct sockaddr *)&cfg->metrics_addr,
	    cfg->metrics_addrlen) == -1 ||
	    listen(m->fd, 16) == -1 ||
	    (m->listener = listener_new(sv, m->fd, "metrics",
	    accepted)) == NULL) {
		warnx("metrics_listen %s: %s", cfg->metrics_listen,
		    strerror(errno));
		if (m->fd != -1)
			close(m->fd);
		free(m);
		return -1;
	}
	sv->metrics = m;
	return 0;
}

void
metrics_http_close(struct supervisor *sv)
{
	struct metrics_http *m = sv->metrics;
	struct conn *c;

	if (m == NULL)
		return;
	while ((c = LIST_FIRST(&m->conns)) != NULL)
		conn_free(c);
	listener_free(m->listener);
	close(m->fd);
	free(m);
	sv->metrics = NULL;
}
