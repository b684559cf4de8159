/*
 * ctl_conn.c: supervisectl's connection to supervise: connect, send the
 * request, read the reply lines (the protocol is in proto.h) into a
 * status or a why, and turn the final line into an exit status.
 *
 * It never waits for ever: connecting, sending and every reply line are
 * bounded by a timeout (SUPERVISECTL_TIMEOUT, supervisectl(1)); a request
 * that waits on workers is kept alive by the server's wait lines, each of
 * which promises the next within its interval.  A server that accepts and
 * then says nothing is "nothing answers": exit 69.
 */
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proto.h"
#include "rowpack.h"
#include "supervisectl.h"

#define DEFAULT_TIMEOUT_MS 10000	/* SUPERVISECTL_TIMEOUT's default */
#define MAX_TIMEOUT_S 86400

/* How long the server may stay silent; 0: for ever. */
static int64_t timeout_ms = DEFAULT_TIMEOUT_MS;

/* SUPERVISECTL_TIMEOUT: whole seconds, 0 for no timeout. */
void
read_timeout(void)
{
	const char *s = getenv("SUPERVISECTL_TIMEOUT");
	char *end;
	long v;

	if (s == NULL || *s == '\0')
		return;
	errno = 0;
	v = strtol(s, &end, 10);
	if (*s < '0' || *s > '9' || *end != '\0' || errno != 0 ||
	    v > MAX_TIMEOUT_S)
		die(EXIT_USAGE, "SUPERVISECTL_TIMEOUT: expected seconds from 0 "
		    "to %d, got \"%s\"", MAX_TIMEOUT_S, s);
	timeout_ms = (int64_t)v * 1000;
}
static void __attribute__((noreturn))
timed_out(const char *path, const char *what)
{
	die(EXIT_NOSERVER, "%s: no answer %s within %llds (supervise is not "
	    "serving its socket; SUPERVISECTL_TIMEOUT sets the wait)", path,
	    what, (long long)(timeout_ms / 1000));
}
int
connect_to(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = (time_t)(timeout_ms / 1000) };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path))
		die(EXIT_USAGE, "%s: socket path too long", path);
	memcpy(sun.sun_path, path, strlen(path) + 1);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		die(EXIT_FAILED, "socket: %s", strerror(errno));
	/*
	 * A connect to a full backlog, and a send to a full socket, wait
	 * for the peer: bound them (SO_SNDTIMEO covers both on AF_UNIX).
	 */
	if (timeout_ms > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) == -1)
		die(EXIT_FAILED, "setsockopt: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
		return fd;
	if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINPROGRESS)
		timed_out(path, "to connect");
	if (errno == EACCES || errno == EPERM)
		die(EXIT_NOPERM, "cannot connect to %s: %s", path,
		    strerror(errno));
	die(EXIT_NOSERVER, "cannot connect to %s: %s (is supervise running? "
	    "-s SOCKET names another socket)", path, strerror(errno));
}
/*
 * Send the whole request.  A refused peer may find the connection closed
 * already (EPIPE): its reason is still waiting to be read.
 */
void
send_request(int fd, const struct pbuf *req, const char *path)
{
	size_t off = 0;
	ssize_t n;

	while (off < req->len) {
		n = send(fd, req->data + off, req->len - off, MSG_NOSIGNAL);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && (errno == EPIPE || errno == ECONNRESET))
			return;
		if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
			timed_out(path, "to the request");
		if (n == -1)
			die(EXIT_FAILED, "send: %s", strerror(errno));
		off += (size_t)n;
	}
}
/* A row kept packed, the table's widths grown to its cells (not for JSON). */
static void
status_add(struct status *st, const struct proto_row *row)
{
	rowpack_add(&st->pack, row);
	if (st->pack.b.failed)
		die(EXIT_FAILED, "%s", strerror(ENOMEM));
	st->n = st->pack.n;
	if (!st->json)
		table_widths(st->w, row);
}
/* Grow *buf to hold need bytes. */
static void
grow(char **buf, size_t *cap, size_t need)
{
	size_t n = *cap ? *cap : 256;
	char *p;

	if (need <= *cap)
		return;
	while (n < need)
		n *= 2;
	if ((p = realloc(*buf, n)) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	*buf = p;
	*cap = n;
}
/* The reply as it arrives: bytes read, lines not yet taken. */
struct reader {
	int fd;
	const char *path;
	char *buf;
	size_t off;		/* where the lines not yet taken begin */
	size_t len, cap;
	int64_t deadline;	/* the next line is due by then; 0: no bound */
};
/*
 * The next reply line, NUL-terminated without its newline (in r->buf,
 * valid until the next call), or NULL at the end of the connection.
 * Lines are taken where they lie; what is left is moved to the front of
 * the buffer only before a read, once per read rather than once per
 * line (a status has thousands of lines).
 */
static char *
next_line(struct reader *r, size_t *taken)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char *nl, *p;
	int64_t left;
	ssize_t n;
	int rv;

	r->off += *taken;
	*taken = 0;
	/* memchr on no buffer at all would be undefined, even for 0 bytes. */
	while (r->len == r->off || (nl = memchr(r->buf + r->off, '\n',
	    r->len - r->off)) == NULL) {
		if (r->off > 0) {
			memmove(r->buf, r->buf + r->off, r->len - r->off);
			r->len -= r->off;
			r->off = 0;
		}
		if (r->len >= PROTO_MAX_LINE)
			return NULL;
		/* 16K at a time: a status is read in a few dozen reads. */
		if (r->cap - r->len < 4096)
			grow(&r->buf, &r->cap, r->cap ? r->cap * 2 : 16384);
		left = r->deadline == 0 ? -1 : r->deadline - clock_mono_ms();
		if (r->deadline != 0 && left <= 0)
			timed_out(r->path, "to the request");
		rv = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (rv == -1 && errno == EINTR)
			continue;
		if (rv == -1)
			die(EXIT_FAILED, "poll: %s", strerror(errno));
		if (rv == 0)
			continue;	/* the deadline is checked above */
		n = recv(r->fd, r->buf + r->len, r->cap - r->len, 0);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1 && errno != ECONNRESET)
			die(EXIT_FAILED, "recv: %s", strerror(errno));
		if (n <= 0)
			return NULL;
		r->len += (size_t)n;
	}
	*nl = '\0';
	p = r->buf + r->off;
	*taken = (size_t)(nl - p) + 1;
	return p;
}
/*
 * Read reply lines until the final one; returns the exit status.  Rows
 * and the header are kept in st, messages go to stderr as they come.
 * Each line must come within the timeout; a wait line stretches that to
 * its promise, if longer.
 */
int
read_reply(int fd, const char *path, enum proto_cmd cmd, struct status *st,
    struct why *wy, int skip)
{
	struct reader r = { .fd = fd, .path = path };
	struct proto_reply rep;
	char *line, *copy = NULL;
	size_t taken = 0, copycap = 0;
	int64_t patience = timeout_ms;
	int status = -1;

	for (;;) {
		r.deadline = patience > 0 ? clock_mono_ms() + patience : 0;
		if (status != -1 || (line = next_line(&r, &taken)) == NULL)
			break;
		/* Once follow has begun, lines come when workers write. */
		patience = cmd == CMD_FOLLOW ? 0 : timeout_ms;
		/* Parsed in a copy, which the line's strings point into. */
		grow(&copy, &copycap, taken);
		memcpy(copy, line, taken);
		if (proto_parse_reply(copy, &rep) == -1)
			die(EXIT_FAILED, "unexpected reply from supervise: %s",
			    line);
		/* The answer to progress (an older supervise refuses it). */
		if (skip > 0 && (rep.kind == REPLY_OK ||
		    (rep.kind == REPLY_ERROR && rep.err == PERR_MALFORMED))) {
			skip--;
			continue;
		}
		switch (rep.kind) {
		case REPLY_HEADER:
			free(st->header);
			if ((st->header = strdup(rep.mode)) == NULL)
				die(EXIT_FAILED, "%s", strerror(errno));
			st->mode = st->header;
			st->pid = rep.pid;
			break;
		case REPLY_ROW:
			status_add(st, &rep.row);
			break;
		case REPLY_TEXT:
			printf("%s\n", rep.text);
			break;
		case REPLY_LINE:
			printf("%s | %s\n", rep.name, rep.text);
			/* Following: show each line as it comes. */
			if (cmd == CMD_FOLLOW)
				fflush(stdout);
			break;
		case REPLY_EXIT:
			why_exit(wy, &rep.exit);
			break;
		case REPLY_EXIT_LINE:
			why_line(wy, rep.text);
			break;
		case REPLY_WAIT:
			/* Late by twice its interval: no longer serving. */
			if (timeout_ms > 0 && 2 * (int64_t)rep.wait_ms + 1000 >
			    patience)
				patience = 2 * (int64_t)rep.wait_ms + 1000;
			break;
		case REPLY_MSG:
			fprintf(stderr, "supervisectl: %s\n", rep.text);
			break;
		case REPLY_OK:
			if (cmd == CMD_WHY)
				why_end_exit(wy);
			status = 0;
			break;
		case REPLY_ERROR:
			fprintf(stderr, "supervisectl: %s\n", rep.text);
			status = proto_err_exit(rep.err);
			break;
		}
	}
	free(r.buf);
	free(copy);
	close(fd);
	/* shutdown is answered by the end of the connection: supervise exited. */
	if (status == -1 && cmd == CMD_SHUTDOWN)
		return 0;
	if (status == -1 && cmd == CMD_FOLLOW)
		die(EXIT_FAILED, "supervise closed the connection (it exited)");
	if (status == -1)
		die(EXIT_FAILED, "supervise closed the connection without an "
		    "answer");
	return status;
}
void
status_free(struct status *st)
{
	rowpack_free(&st->pack);
	free(st->rows);
	free(st->header);
	memset(st, 0, sizeof(*st));
}
void
status_rows(struct status *st)
{
	struct rowpack_cursor c = { 0 };
	size_t i;

	free(st->rows);
	if ((st->rows = calloc(st->n + 1, sizeof(*st->rows))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	for (i = 0; i < st->n && rowpack_next(&st->pack, &c, &st->rows[i]);
	    i++)
		;
}
