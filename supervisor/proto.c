/*
 * proto.c: the control protocol's requests (see proto.h), shared by
 * supervise and supervisectl: the growable buffer replies are built in,
 * the commands and error codes by name, and a request line both ways.
 * The reply records are proto_reply.c's, the socket's path
 * proto_socket.c's, how a status is shown status.c's.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

/* The commands, with the arguments each takes. */
static const struct {
	const char *name;
	bool sig;		/* a signal comes first */
	int names;		/* 0: none, 1: one or more, -1: any number */
} cmds[] = {
	[CMD_STATUS] = { "status", false, -1 },
	[CMD_CHECK] = { "check", false, -1 },
	[CMD_START] = { "start", false, 1 },
	[CMD_STOP] = { "stop", false, 1 },
	[CMD_RESTART] = { "restart", false, 1 },
	[CMD_SIGNAL] = { "signal", true, 1 },
	[CMD_RELOAD] = { "reload", false, 0 },
	[CMD_SHUTDOWN] = { "shutdown", false, 0 },
	[CMD_METRICS] = { "metrics", false, 0 },
	[CMD_LOG] = { "log", true, 1 },
	[CMD_FOLLOW] = { "follow", true, 1 },
	[CMD_WHY] = { "why", false, 1 },
	[CMD_PROGRESS] = { "progress", false, 0 },
};
#define NCMDS (sizeof(cmds) / sizeof(cmds[0]))

static const struct {
	const char *name;
	int exit_status;
} errs[] = {
	[PERR_NONE] = { "none", 0 },
	[PERR_UNKNOWN] = { "unknown", 1 },
	[PERR_FAILED] = { "failed", 1 },
	[PERR_NOTREADY] = { "notready", 3 },
	[PERR_USAGE] = { "usage", 64 },
	[PERR_REFUSED] = { "refused", 77 },
	[PERR_BUSY] = { "busy", 69 },
	[PERR_MALFORMED] = { "malformed", 1 },
	[PERR_TOOLONG] = { "toolong", 1 },
	[PERR_VERSION] = { "version", 1 },
	[PERR_TIMEOUT] = { "timeout", 1 },
	[PERR_INTERNAL] = { "internal", 1 },
};
#define NERRS (sizeof(errs) / sizeof(errs[0]))

void
pbuf_free(struct pbuf *b)
{
	free(b->data);
	memset(b, 0, sizeof(*b));
}

static bool
pbuf_reserve(struct pbuf *b, size_t more)
{
	size_t cap = b->cap ? b->cap : 256;
	char *p;

	if (b->failed)
		return false;
	if (b->len + more < b->cap)
		return true;
	while (cap <= b->len + more)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL) {
		b->failed = true;
		return false;
	}
	b->data = p;
	b->cap = cap;
	return true;
}

char *
pbuf_room(struct pbuf *b, size_t more)
{
	if (more >= SIZE_MAX / 2 - b->len) {
		b->failed = true;
		return NULL;
	}
	return pbuf_reserve(b, more) ? b->data + b->len : NULL;
}

void
pbuf_commit(struct pbuf *b, char *end)
{
	b->len = (size_t)(end - b->data);
	b->data[b->len] = '\0';
}

void
pbuf_add_grow(struct pbuf *b, const void *p, size_t len)
{
	if (!pbuf_reserve(b, len))
		return;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/*
 * Without printf, two digits at a time from a table: a status of 10,000
 * workers has some 60,000 numbers to print.
 */
size_t
proto_unum(char *buf, uint64_t n)
{
	static const char pairs[] =
	    "00010203040506070809101112131415161718192021222324"
	    "25262728293031323334353637383940414243444546474849"
	    "50515253545556575859606162636465666768697071727374"
	    "75767778798081828384858687888990919293949596979899";
	uint64_t t;
	size_t len = 1;
	char *p;

	for (t = n; t >= 100; t /= 100)
		len += 2;
	if (t >= 10)
		len++;
	p = buf + len;
	*p = '\0';
	while (n >= 100) {
		p -= 2;
		memcpy(p, pairs + n % 100 * 2, 2);
		n /= 100;
	}
	if (n >= 10) {
		p -= 2;
		memcpy(p, pairs + n * 2, 2);
	} else
		*--p = (char)('0' + n);
	return len;
}

size_t
proto_num(char *buf, int64_t n)
{
	if (n >= 0)
		return proto_unum(buf, (uint64_t)n);
	buf[0] = '-';
	return 1 + proto_unum(buf + 1, -(uint64_t)n);
}

void
pbuf_add_num(struct pbuf *b, int64_t n)
{
	char buf[24];

	pbuf_add(b, buf, proto_num(buf, n));
}

void
pbuf_add_unum(struct pbuf *b, uint64_t n)
{
	char buf[24];

	pbuf_add(b, buf, proto_unum(buf, n));
}

void
pbuf_vaddf(struct pbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	/* Most fit in the room left: format once. */
	va_copy(ap2, ap);
	n = b->failed || b->data == NULL ? -1 : vsnprintf(b->data + b->len,
	    b->cap - b->len, fmt, ap2);
	va_end(ap2);
	if (n >= 0 && (size_t)n < b->cap - b->len) {
		b->len += (size_t)n;
		return;
	}
	if (b->data != NULL)
		b->data[b->len] = '\0';
	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0)
		b->failed = true;
	if (n < 0 || !pbuf_reserve(b, (size_t)n))
		return;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
}

void
pbuf_addf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

const char *
proto_cmd_name(enum proto_cmd cmd)
{
	return cmds[cmd].name;
}

const char *
proto_err_name(enum proto_err err)
{
	return (size_t)err < NERRS ? errs[err].name : "internal";
}

int
proto_err_exit(enum proto_err err)
{
	return (size_t)err < NERRS ? errs[err].exit_status : 1;
}

/* A request word: printable ASCII without spaces. */
static bool
word_ok(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s <= ' ' || *s > '~')
			return false;
	return true;
}

int
proto_encode_request(struct pbuf *b, enum proto_cmd cmd, const char *sig,
    char *const *names, size_t nnames, const char **why)
{
	size_t start = b->len, i;

	*why = NULL;
	pbuf_addf(b, "%s %s", PROTO_MAGIC, cmds[cmd].name);
	if (cmds[cmd].sig && (sig == NULL || !word_ok(sig)))
		*why = cmd == CMD_SIGNAL ? "invalid signal" : "invalid argument";
	else if (cmds[cmd].sig)
		pbuf_addf(b, " %s", sig);
	for (i = 0; i < nnames && *why == NULL; i++) {
		if (!word_ok(names[i]))
			*why = "invalid worker name";
		pbuf_addf(b, " %s", names[i]);
	}
	pbuf_add(b, "\n", 1);
	if (*why == NULL && b->failed)
		*why = strerror(ENOMEM);
	else if (*why == NULL && b->len - start > PROTO_MAX_REQUEST)
		*why = "request too long";
	if (*why == NULL)
		return 0;
	b->len = start;
	if (b->data != NULL)
		b->data[start] = '\0';
	return -1;
}

void
proto_request_free(struct proto_request *req)
{
	free(req->names);
	free(req->store);
	memset(req, 0, sizeof(*req));
}

int
proto_parse_request(const char *line, size_t len, struct proto_request *req,
    enum proto_err *err, const char **why)
{
	char **w, *p, *save;
	size_t i, n = 0;
	unsigned c;

	memset(req, 0, sizeof(*req));
	*err = PERR_MALFORMED;
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= PROTO_MAX_REQUEST) {
		*err = PERR_TOOLONG;
		*why = "request too long";
		return -1;
	}
	*why = "request is not printable text";
	for (i = 0; i < len; i++)
		if (line[i] < ' ' || line[i] > '~')
			return -1;
	if ((req->store = strndup(line, len)) == NULL ||
	    (req->names = w = calloc(len / 2 + 2, sizeof(*w))) == NULL) {
		*err = PERR_INTERNAL;
		*why = strerror(ENOMEM);
		goto fail;
	}
	for (p = strtok_r(req->store, " ", &save); p != NULL;
	    p = strtok_r(NULL, " ", &save))
		w[n++] = p;
	*why = "expected protocol " PROTO_MAGIC;
	if (n == 0 || strcmp(w[0], PROTO_MAGIC) != 0) {
		if (n > 0 && strncmp(w[0], "supervise/", 10) == 0)
			*err = PERR_VERSION;
		goto fail;
	}
	*why = "unknown command";
	for (c = 0; n > 1 && c < NCMDS && strcmp(w[1], cmds[c].name) != 0; c++)
		;
	if (n < 2 || c == NCMDS)
		goto fail;
	req->cmd = (enum proto_cmd)c;
	i = cmds[c].sig ? 3 : 2;	/* the first name */
	*err = PERR_USAGE;
	*why = "wrong number of arguments";
	if (n < i || (cmds[c].names == 0 && n > i) ||
	    (cmds[c].names == 1 && n == i))
		goto fail;
	req->sig = cmds[c].sig ? w[2] : NULL;
	req->nnames = n - i;
	memmove(w, w + i, req->nnames * sizeof(*w));
	w[req->nnames] = NULL;
	return 0;
fail:
	proto_request_free(req);
	return -1;
}
