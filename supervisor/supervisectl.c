/*
 * supervisectl: the control client.  It sends one request to supervise
 * over the control socket (the protocol is in proto.h), prints the reply
 * and turns it into an exit status.
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

#include <poll.h>
#include <time.h>

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "proto.h"
#include "supervisectl.h"

#ifndef SUPERVISE_VERSION
#define SUPERVISE_VERSION "0.1.0"
#endif

#define DEFAULT_TIMEOUT_MS 10000	/* SUPERVISECTL_TIMEOUT's default */
#define MAX_TIMEOUT_S 86400

/* How long the server may stay silent; 0: for ever. */
static int64_t timeout_ms = DEFAULT_TIMEOUT_MS;

/* A why reply, for --json: each exit with its lines (owned copies). */
struct why {
	struct proto_why *v;
	size_t n, cap;
	char **own;		/* every string the entries point to */
	size_t nown, capown;
	bool json;
	size_t lines;		/* lines shown under the last exit */
};

#define LOG_DEFAULT_LINES 20

static const char *const usage_text =
    "usage: supervisectl [-s SOCKET] [--json] status [NAME ...]\n"
    "       supervisectl [-s SOCKET] check [NAME ...]\n"
    "       supervisectl [-s SOCKET] start|stop|restart NAME ...\n"
    "       supervisectl [-s SOCKET] signal SIGNAL NAME ...\n"
    "       supervisectl [-s SOCKET] reload | shutdown\n"
    "       supervisectl [-s SOCKET] metrics\n"
    "       supervisectl [-s SOCKET] log [-f] [-n N] NAME ...\n"
    "       supervisectl [-s SOCKET] [--json] why NAME ...\n"
    "       supervisectl [-s SOCKET] top [-d SECONDS] [-n COUNT] [-o KEY]\n"
    "       supervisectl -h | -V\n";

void
usage(void)
{
	fputs(usage_text, stderr);
	exit(EXIT_USAGE);
}

void
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("supervisectl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* SUPERVISECTL_TIMEOUT: whole seconds, 0 for no timeout. */
static void
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

static void *
xreallocarray(void *p, size_t n, size_t size)
{
	if ((p = reallocarray(p, n, size)) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	return p;
}

static const char *
why_keep(struct why *wy, const char *s)
{
	char *copy;

	if ((copy = strdup(s)) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	if (wy->nown == wy->capown) {
		wy->capown = wy->capown ? wy->capown * 2 : 64;
		wy->own = xreallocarray(wy->own, wy->capown, sizeof(*wy->own));
	}
	wy->own[wy->nown++] = copy;
	return copy;
}

/* "2026-12-04T15:30:01.123Z" from Unix milliseconds. */
static void
format_time(char *buf, size_t len, int64_t ms)
{
	time_t t = (time_t)(ms / 1000);
	struct tm tm;
	char s[32];

	gmtime_r(&t, &tm);
	strftime(s, sizeof(s), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
}

/* "exit 1", "killed by SEGV (core dumped)", "did not start". */
static void
format_how(char *buf, size_t len, const struct proto_exit *x)
{
	if (x->last == LAST_CODE)
		snprintf(buf, len, "exited with status %d", x->code);
	else if (x->last == LAST_SIGNAL)
		snprintf(buf, len, "killed by signal %s%s", x->signal,
		    x->core ? " (core dumped)" : "");
	else
		snprintf(buf, len, "did not start");
}

/* An uptime to the millisecond when short: "330ms", "4.2s", "3m5s". */
static void
format_uptime(char *buf, size_t len, int64_t ms)
{
	if (ms < 1000)
		snprintf(buf, len, "%dms", (int)ms);
	else if (ms < 60000)
		snprintf(buf, len, "%d.%ds", (int)(ms / 1000),
		    (int)(ms % 1000 / 100));
	else
		proto_format_uptime(buf, len, ms);
}

/* The end of the lines of the exit shown last. */
static void
why_end_exit(struct why *wy)
{
	if (!wy->json && wy->n > 0 && wy->lines == 0)
		printf("    (no output captured before this exit)\n");
	wy->lines = 0;
}

static void
why_exit(struct why *wy, const struct proto_exit *x)
{
	struct proto_exit *e;
	char when[40], how[64], up[32];

	why_end_exit(wy);
	if (wy->n == wy->cap) {
		wy->cap = wy->cap ? wy->cap * 2 : 16;
		wy->v = xreallocarray(wy->v, wy->cap, sizeof(*wy->v));
	}
	e = &wy->v[wy->n].exit;
	*e = *x;
	e->name = why_keep(wy, x->name);
	e->decision = why_keep(wy, x->decision);
	if (x->signal != NULL)
		e->signal = why_keep(wy, x->signal);
	wy->v[wy->n].lines = NULL;
	wy->v[wy->n].nlines = 0;
	wy->n++;
	if (wy->json)
		return;
	format_time(when, sizeof(when), x->time_ms);
	format_how(how, sizeof(how), x);
	format_uptime(up, sizeof(up), x->uptime_ms);
	if (x->pid > 0)
		printf("%s: %s pid %ld %s after %s; %s\n", x->name, when,
		    x->pid, how, up, x->decision);
	else
		printf("%s: %s %s; %s\n", x->name, when, how, x->decision);
}

static void
why_line(struct why *wy, const char *text)
{
	struct proto_why *v;

	if (wy->n == 0)
		die(EXIT_FAILED, "unexpected reply from supervise: a line "
		    "before its exit");
	wy->lines++;
	if (!wy->json) {
		printf("    %s | %s\n", wy->v[wy->n - 1].exit.name, text);
		return;
	}
	v = &wy->v[wy->n - 1];
	v->lines = xreallocarray(v->lines, v->nlines + 1, sizeof(*v->lines));
	v->lines[v->nlines++] = why_keep(wy, text);
}

static void
why_free(struct why *wy)
{
	size_t i;

	for (i = 0; i < wy->n; i++)
		free(wy->v[i].lines);
	for (i = 0; i < wy->nown; i++)
		free(wy->own[i]);
	free(wy->v);
	free(wy->own);
}

static void
status_add(struct status *st, char *line, const struct proto_row *row)
{
	void *p;

	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 64;
		if ((p = realloc(st->rows, st->cap * sizeof(*st->rows))) ==
		    NULL)
			die(EXIT_FAILED, "%s", strerror(errno));
		st->rows = p;
		if ((p = realloc(st->lines, st->cap * sizeof(*st->lines))) ==
		    NULL)
			die(EXIT_FAILED, "%s", strerror(errno));
		st->lines = p;
	}
	st->rows[st->n] = *row;
	st->lines[st->n++] = line;
}

/* The reply as it arrives: bytes read, lines not yet taken. */
struct reader {
	int fd;
	const char *path;
	char *buf;
	size_t len, cap;
	int64_t deadline;	/* the next line is due by then; 0: no bound */
};

/*
 * The next reply line, NUL-terminated without its newline (in r->buf,
 * valid until the next call), or NULL at the end of the connection.
 */
static char *
next_line(struct reader *r, size_t *taken)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
	char *nl, *p;
	int64_t left;
	ssize_t n;
	int rv;

	if (*taken > 0) {
		memmove(r->buf, r->buf + *taken, r->len - *taken);
		r->len -= *taken;
		*taken = 0;
	}
	/* memchr on no buffer at all would be undefined, even for 0 bytes. */
	while (r->len == 0 || (nl = memchr(r->buf, '\n', r->len)) == NULL) {
		if (r->len >= PROTO_MAX_LINE)
			return NULL;
		if (r->cap - r->len < 4096) {
			r->cap = r->cap ? r->cap * 2 : 8192;
			if ((p = realloc(r->buf, r->cap)) == NULL)
				die(EXIT_FAILED, "%s", strerror(errno));
			r->buf = p;
		}
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
	*taken = (size_t)(nl - r->buf) + 1;
	return r->buf;
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
	char *line, *copy;
	size_t taken = 0;
	int64_t patience = timeout_ms;
	int status = -1;

	for (;;) {
		r.deadline = patience > 0 ? clock_mono_ms() + patience : 0;
		if (status != -1 || (line = next_line(&r, &taken)) == NULL)
			break;
		/* Once follow has begun, lines come when workers write. */
		patience = cmd == CMD_FOLLOW ? 0 : timeout_ms;
		if ((copy = strdup(line)) == NULL)
			die(EXIT_FAILED, "%s", strerror(errno));
		if (proto_parse_reply(copy, &rep) == -1)
			die(EXIT_FAILED, "unexpected reply from supervise: %s",
			    line);
		/* The answer to progress (an older supervise refuses it). */
		if (skip > 0 && (rep.kind == REPLY_OK ||
		    (rep.kind == REPLY_ERROR && rep.err == PERR_MALFORMED))) {
			skip--;
			free(copy);
			continue;
		}
		switch (rep.kind) {
		case REPLY_HEADER:
			free(st->header);
			st->header = copy;
			st->mode = rep.mode;
			st->pid = rep.pid;
			continue;
		case REPLY_ROW:
			status_add(st, copy, &rep.row);
			continue;
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
		free(copy);
	}
	free(r.buf);
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

const char *
state_colour(const char *state)
{
	if (strcmp(state, "FATAL") == 0)
		return "\033[31m";
	if (strcmp(state, "BACKOFF") == 0)
		return "\033[33m";
	if (strcmp(state, "RUNNING") == 0)
		return "\033[32m";
	return NULL;
}

static int
width(int w, const char *s)
{
	int n = (int)strlen(s);

	return n > w ? n : w;
}

/* NAME STATE PID UPTIME RESTARTS CPU RSS LAST-EXIT, aligned, "-" if empty. */
static void
print_table(const struct status *st)
{
	char (*cell)[6][32];
	const struct proto_row *r;
	const char *on;
	int w[7] = { 4, 5, 3, 6, 8, 3, 3 };	/* the headings */
	bool colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	size_t i;
	int c;

	if ((cell = calloc(st->n + 1, sizeof(*cell))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	for (i = 0; i < st->n; i++) {
		r = &st->rows[i];
		if (r->pid > 0)
			snprintf(cell[i][0], sizeof(cell[i][0]), "%ld", r->pid);
		else
			strcpy(cell[i][0], "-");
		/* A thread-mode worker is up without a pid. */
		if (r->pid > 0 || r->uptime_ms > 0)
			proto_format_uptime(cell[i][1], sizeof(cell[i][1]),
			    r->uptime_ms);
		else
			strcpy(cell[i][1], "-");
		snprintf(cell[i][2], sizeof(cell[i][2]), "%lu", r->restarts);
		if (r->usage) {
			proto_format_cpu(cell[i][3], sizeof(cell[i][3]),
			    r->cpu_ms);
			proto_format_bytes(cell[i][4], sizeof(cell[i][4]),
			    r->rss_bytes);
		} else {
			strcpy(cell[i][3], "-");
			strcpy(cell[i][4], "-");
		}
		proto_format_last(cell[i][5], sizeof(cell[i][5]), r);
		w[0] = width(w[0], r->name);
		w[1] = width(w[1], r->state);
		for (c = 0; c < 5; c++)
			w[c + 2] = width(w[c + 2], cell[i][c]);
	}
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "NAME",
	    w[1], "STATE", w[2], "PID", w[3], "UPTIME", w[4], "RESTARTS",
	    w[5], "CPU", w[6], "RSS", "LAST-EXIT");
	for (i = 0; i < st->n; i++) {
		r = &st->rows[i];
		on = colour ? state_colour(r->state) : NULL;
		/* Pad outside the escape sequences, which take no room. */
		printf("%-*s  %s%s%s%*s", w[0], r->name, on != NULL ? on : "",
		    r->state, on != NULL ? "\033[0m" : "",
		    w[1] - (int)strlen(r->state), "");
		for (c = 0; c < 5; c++)
			printf("  %-*s", w[c + 2], cell[i][c]);
		printf("  %s\n", cell[i][5]);
	}
	free(cell);
}

static void
print_json(const struct status *st)
{
	struct pbuf b = { 0 };

	proto_status_json(&b, st->mode != NULL ? st->mode : "process",
	    st->pid, st->rows, st->n);
	pbuf_add(&b, "\n", 1);
	if (b.failed)
		die(EXIT_FAILED, "%s", strerror(ENOMEM));
	fwrite(b.data, 1, b.len, stdout);
	pbuf_free(&b);
}

static void
print_why_json(const struct why *wy)
{
	struct pbuf b = { 0 };

	proto_why_json(&b, wy->v, wy->n);
	pbuf_add(&b, "\n", 1);
	if (b.failed)
		die(EXIT_FAILED, "%s", strerror(ENOMEM));
	fwrite(b.data, 1, b.len, stdout);
	pbuf_free(&b);
}

/*
 * log's own options, after the command: -f, -n N.  Sets *lines (as the
 * request's word) and turns cmd into CMD_FOLLOW for -f.
 */
static int
log_options(int argc, char **argv, enum proto_cmd *cmd, const char **lines)
{
	int i;

	for (i = 0; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--") == 0)
			return i + 1;
		if (strcmp(argv[i], "-f") == 0)
			*cmd = CMD_FOLLOW;
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			*lines = argv[++i];
		else if (strncmp(argv[i], "-n", 2) == 0 && argv[i][2] != '\0')
			*lines = argv[i] + 2;
		else
			usage();
	}
	if ((*lines)[0] < '0' || (*lines)[0] > '9' ||
	    strspn(*lines, "0123456789") != strlen(*lines))
		die(EXIT_USAGE, "-n: expected a number of lines, got %s",
		    *lines);
	return i;
}

void
status_free(struct status *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->lines[i]);
	free(st->lines);
	free(st->rows);
	free(st->header);
	memset(st, 0, sizeof(*st));
}

const char *
socket_path(const char *sock, char *buf, size_t len)
{
	char msg[256];

	if (sock != NULL)
		return sock;
	if (proto_default_socket(buf, len, PROTO_DIR_CHECK, msg,
	    sizeof(msg)) == -1)
		die(EXIT_NOSERVER, "%s", msg);
	return buf;
}

static bool
find_command(const char *name, enum proto_cmd *cmd)
{
	int c;

	/* follow is log -f. */
	for (c = CMD_STATUS; c <= CMD_WHY; c++) {
		if (c == CMD_FOLLOW)
			continue;
		if (strcmp(name, proto_cmd_name((enum proto_cmd)c)) == 0) {
			*cmd = (enum proto_cmd)c;
			return true;
		}
	}
	return false;
}

int
main(int argc, char *argv[])
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct proto_request check;
	struct status st = { 0 };
	struct why wy = { 0 };
	char nlines[24];
	struct pbuf req = { 0 }, pre = { 0 };
	enum proto_cmd cmd;
	enum proto_err err;
	const char *sock = NULL, *sig = NULL, *why;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], msg[256];
	bool json = false, waits;
	size_t i;
	int ch, fd, status;

	while ((ch = getopt_long(argc, argv, "+s:hV", longopts, NULL)) != -1) {
		switch (ch) {
		case 's':
			sock = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			fputs(usage_text, stdout);
			return 0;
		case 'V':
			printf("supervisectl %s\n", SUPERVISE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	if (strcmp(argv[0], "top") == 0 && !json)
		return top_main(sock, argc, argv);
	if (!find_command(argv[0], &cmd)) {
		fprintf(stderr, "supervisectl: unknown command: %s\n", argv[0]);
		usage();
	}
	if (json && cmd != CMD_STATUS && cmd != CMD_WHY)
		usage();
	wy.json = json;
	argc--;
	argv++;
	if (cmd == CMD_LOG) {
		snprintf(nlines, sizeof(nlines), "%d", LOG_DEFAULT_LINES);
		sig = nlines;
		i = (size_t)log_options(argc, argv, &cmd, &sig);
		argc -= (int)i;
		argv += i;
	}
	if (cmd == CMD_SIGNAL && argc > 0) {
		sig = argv[0];
		argc--;
		argv++;
	}
	if (proto_encode_request(&req, cmd, sig, argv, (size_t)argc,
	    &why) == -1) {
		if (strcmp(why, "invalid worker name") == 0)
			die(EXIT_FAILED, "no such worker: a name has no spaces "
			    "or control characters");
		die(EXIT_USAGE, "%s", why);
	}
	/* The daemon's own parser decides what is well-formed. */
	if (proto_parse_request(req.data, req.len - 1, &check, &err,
	    &why) == -1)
		usage();
	proto_request_free(&check);

	read_timeout();
	if (sock == NULL) {
		if (proto_default_socket(path, sizeof(path), PROTO_DIR_CHECK,
		    msg, sizeof(msg)) == -1)
			die(EXIT_NOSERVER, "%s", msg);
		sock = path;
	}
	/*
	 * A request that waits on workers asks for wait lines first, so
	 * that its timeout can tell a slow operation from a dead server.
	 */
	waits = cmd == CMD_START || cmd == CMD_STOP || cmd == CMD_RESTART ||
	    cmd == CMD_SHUTDOWN;
	if (waits) {
		if (proto_encode_request(&pre, CMD_PROGRESS, NULL, NULL, 0,
		    &why) == -1)
			die(EXIT_FAILED, "%s", why);
		pbuf_add(&pre, req.data, req.len);
		if (pre.failed)
			die(EXIT_FAILED, "%s", strerror(ENOMEM));
	}
	fd = connect_to(sock);
	send_request(fd, waits ? &pre : &req, sock);
	pbuf_free(&req);
	pbuf_free(&pre);
	status = read_reply(fd, sock, cmd, &st, &wy, waits ? 1 : 0);
	if (cmd == CMD_STATUS && status == 0) {
		if (json)
			print_json(&st);
		else
			print_table(&st);
	}
	if (cmd == CMD_WHY && status == 0 && json)
		print_why_json(&wy);
	else if (cmd == CMD_WHY && status == 0 && wy.n == 0)
		fprintf(stderr, "supervisectl: no exits recorded\n");
	why_free(&wy);
	status_free(&st);
	if (fflush(stdout) == EOF || ferror(stdout))
		die(EXIT_FAILED, "stdout: %s", strerror(errno));
	return status;
}
