/*
 * proto.c: the control protocol's wire format (see proto.h), shared by
 * supervise and supervisectl: requests, reply records, error codes, and
 * the default socket path.  How a status is shown is status.c's.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define MAX_FIELDS 10

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

void
pbuf_add(struct pbuf *b, const void *p, size_t len)
{
	if (!pbuf_reserve(b, len))
		return;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
}

static void
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

/* Append len bytes of s, control bytes and backslashes escaped. */
static void
put_chunk(struct pbuf *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *run;
	const unsigned char *end = p + len;

	while (p < end) {
		for (run = p; p < end && *p >= ' ' && *p != '\\' &&
		    *p != 0x7f; p++)
			;
		if (p > run)
			pbuf_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		if (*p == '\\')
			pbuf_add(b, "\\\\", 2);
		else if (*p == '\t')
			pbuf_add(b, "\\t", 2);
		else if (*p == '\n')
			pbuf_add(b, "\\n", 2);
		else if (*p == '\r')
			pbuf_add(b, "\\r", 2);
		else
			pbuf_addf(b, "\\x%02x", *p);
		p++;
	}
}

/* The same, for a string. */
static void
put_escaped(struct pbuf *b, const char *s)
{
	put_chunk(b, s, strlen(s));
}

static void
put_field(struct pbuf *b, const char *s)
{
	pbuf_add(b, "\t", 1);
	put_escaped(b, s);
}

/* A number field, without printf: a status has thousands of them. */
static void
put_num(struct pbuf *b, const char *prefix, uint64_t v)
{
	char digits[24], *p = digits + sizeof(digits);

	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0);
	pbuf_add(b, prefix, strlen(prefix));
	pbuf_add(b, p, (size_t)(digits + sizeof(digits) - p));
}

/*
 * A field of len bytes, which may hold NULs: unescape() refuses \x00, so
 * a worker's NUL byte travels as "?".
 */
static void
put_bytes(struct pbuf *b, const char *s, size_t len)
{
	const char *nul;

	pbuf_add(b, "\t", 1);
	while ((nul = memchr(s, '\0', len)) != NULL) {
		put_chunk(b, s, (size_t)(nul - s));
		pbuf_add(b, "?", 1);
		len -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	put_chunk(b, s, len);
}

static void
put_last(struct pbuf *b, enum proto_last last, int code, const char *sig)
{
	if (last == LAST_CODE)
		put_num(b, "\tcode:", (uint64_t)(code & 0xff));
	else if (last == LAST_SIGNAL) {
		pbuf_add(b, "\tsignal:", 8);
		put_escaped(b, sig);
	} else
		pbuf_add(b, "\t-", 2);
}

void
proto_put_text(struct pbuf *b, const char *text, size_t len)
{
	pbuf_add(b, "t", 1);
	put_bytes(b, text, len);
	pbuf_add(b, "\n", 1);
}

void
proto_put_line(struct pbuf *b, const char *name, const char *text,
    size_t len)
{
	pbuf_add(b, "l", 1);
	put_field(b, name);
	put_bytes(b, text, len);
	pbuf_add(b, "\n", 1);
}

void
proto_put_exit(struct pbuf *b, const struct proto_exit *x)
{
	pbuf_add(b, "x", 1);
	put_field(b, x->name);
	put_num(b, "\t", x->time_ms > 0 ? (uint64_t)x->time_ms : 0);
	put_num(b, "\t", x->pid > 0 ? (uint64_t)x->pid : 0);
	put_num(b, "\t", x->uptime_ms > 0 ? (uint64_t)x->uptime_ms : 0);
	put_last(b, x->last, x->code, x->signal);
	pbuf_add(b, x->core ? "\t1" : "\t0", 2);
	put_field(b, x->decision);
	pbuf_add(b, "\n", 1);
}

void
proto_put_exit_line(struct pbuf *b, const char *text, size_t len)
{
	pbuf_add(b, "o", 1);
	put_bytes(b, text, len);
	pbuf_add(b, "\n", 1);
}

void
proto_put_header(struct pbuf *b, const char *mode, long pid)
{
	pbuf_add(b, "sv", 2);
	put_field(b, mode);
	put_num(b, "\t", pid > 0 ? (uint64_t)pid : 0);
	pbuf_add(b, "\n", 1);
}

void
proto_put_row(struct pbuf *b, const struct proto_row *r)
{
	pbuf_add(b, "w", 1);
	put_field(b, r->name);
	put_field(b, r->state);
	put_num(b, "\t", r->pid > 0 ? (uint64_t)r->pid : 0);
	put_num(b, "\t", r->uptime_ms > 0 ? (uint64_t)r->uptime_ms : 0);
	put_num(b, "\t", r->restarts);
	put_last(b, r->last, r->code, r->signal);
	if (r->usage) {
		put_num(b, "\t", r->cpu_ms);
		put_num(b, "\t", r->rss_bytes);
	} else
		pbuf_add(b, "\t-\t-", 4);
	put_field(b, r->text != NULL ? r->text : "");
	pbuf_add(b, "\n", 1);
}

bool
proto_put_rows(struct pbuf *b, struct proto_rows *r, size_t max)
{
	struct proto_row row;
	size_t done = 0;

	while (r->next < r->n && done < max) {
		memset(&row, 0, sizeof(row));
		if (r->fill(r->ctx, r->next++, &row)) {
			proto_put_row(b, &row);
			done++;
		}
	}
	if (r->next < r->n)
		return false;
	proto_put_ok(b);
	return true;
}

/* A formatted text field and the end of the line. */
static void
put_text(struct pbuf *b, const char *fmt, va_list ap)
{
	struct pbuf tmp = { 0 };

	pbuf_vaddf(&tmp, fmt, ap);
	if (tmp.failed)
		b->failed = true;
	else
		put_field(b, tmp.data);
	pbuf_free(&tmp);
	pbuf_add(b, "\n", 1);
}

void
proto_put_msg(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;

	pbuf_add(b, "msg", 3);
	va_start(ap, fmt);
	put_text(b, fmt, ap);
	va_end(ap);
}

void
proto_put_ok(struct pbuf *b)
{
	pbuf_add(b, "ok\n", 3);
}

void
proto_put_wait(struct pbuf *b, long ms)
{
	pbuf_addf(b, "wait\t%ld\n", ms);
}

void
proto_put_error(struct pbuf *b, enum proto_err err, const char *fmt, ...)
{
	va_list ap;

	pbuf_add(b, "err", 3);
	put_field(b, proto_err_name(err));
	va_start(ap, fmt);
	put_text(b, fmt, ap);
	va_end(ap);
}

static int
hexval(char c)
{
	static const char digits[] = "0123456789abcdef";
	const char *p;

	return c != '\0' && (p = strchr(digits, c)) != NULL ?
	    (int)(p - digits) : -1;
}

/* Undo put_field's escapes in place. */
static int
unescape(char *s)
{
	char *w = s;
	int hi, lo;

	for (; *s != '\0'; s++) {
		if (*s != '\\') {
			*w++ = *s;
			continue;
		}
		switch (*++s) {
		case '\\': *w++ = '\\'; break;
		case 't': *w++ = '\t'; break;
		case 'n': *w++ = '\n'; break;
		case 'r': *w++ = '\r'; break;
		case 'x':
			if ((hi = hexval(s[1])) == -1 ||
			    (lo = hexval(s[2])) == -1 || (hi == 0 && lo == 0))
				return -1;
			*w++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		default:
			return -1;
		}
	}
	*w = '\0';
	return 0;
}

/* A decimal number from 0 to max. */
static int
parse_num(const char *s, long long max, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return *s >= '0' && *s <= '9' && errno == 0 && *end == '\0' &&
	    *v <= max ? 0 : -1;
}

/* LAST: "-", "code:N" or "signal:NAME". */
static int
parse_last(const char *f, enum proto_last *last, int *code,
    const char **sig)
{
	long long v;

	if (strcmp(f, "-") == 0)
		*last = LAST_NONE;
	else if (strncmp(f, "code:", 5) == 0 && parse_num(f + 5, 255, &v) == 0) {
		*last = LAST_CODE;
		*code = (int)v;
	} else if (strncmp(f, "signal:", 7) == 0 && f[7] != '\0') {
		*last = LAST_SIGNAL;
		*sig = f + 7;
	} else
		return -1;
	return 0;
}

static int
parse_exit(char **f, size_t n, struct proto_exit *x)
{
	long long t, pid, up;

	if (n != 8 || parse_num(f[2], INT64_MAX, &t) == -1 ||
	    parse_num(f[3], INT32_MAX, &pid) == -1 ||
	    parse_num(f[4], INT64_MAX, &up) == -1 ||
	    parse_last(f[5], &x->last, &x->code, &x->signal) == -1 ||
	    (strcmp(f[6], "0") != 0 && strcmp(f[6], "1") != 0))
		return -1;
	x->name = f[1];
	x->time_ms = t;
	x->pid = (long)pid;
	x->uptime_ms = up;
	x->core = f[6][0] == '1';
	x->decision = f[7];
	return 0;
}

static int
parse_row(char **f, size_t n, struct proto_row *r)
{
	long long pid, up, restarts, cpu, rss;

	if (n != 10 || parse_num(f[3], INT32_MAX, &pid) == -1 ||
	    parse_num(f[4], INT64_MAX, &up) == -1 ||
	    parse_num(f[5], UINT32_MAX, &restarts) == -1)
		return -1;
	r->name = f[1];
	r->state = f[2];
	r->pid = (long)pid;
	r->uptime_ms = up;
	r->restarts = (unsigned long)restarts;
	r->text = f[9][0] != '\0' ? f[9] : NULL;
	if (strcmp(f[7], "-") == 0 && strcmp(f[8], "-") == 0)
		r->usage = false;
	else if (parse_num(f[7], INT64_MAX, &cpu) == 0 &&
	    parse_num(f[8], INT64_MAX, &rss) == 0) {
		r->usage = true;
		r->cpu_ms = (uint64_t)cpu;
		r->rss_bytes = (uint64_t)rss;
	} else
		return -1;
	return parse_last(f[6], &r->last, &r->code, &r->signal);
}

int
proto_parse_reply(char *line, struct proto_reply *rep)
{
	char *f[MAX_FIELDS + 1], *p;
	long long v;
	size_t n = 0, i;

	memset(rep, 0, sizeof(*rep));
	for (p = line; n <= MAX_FIELDS; ) {
		f[n++] = p;
		if ((p = strchr(p, '\t')) == NULL)
			break;
		*p++ = '\0';
	}
	if (p != NULL)
		return -1;
	for (i = 0; i < n; i++)
		if (unescape(f[i]) == -1)
			return -1;
	if (strcmp(f[0], "ok") == 0 && n == 1) {
		rep->kind = REPLY_OK;
	} else if (strcmp(f[0], "msg") == 0 && n == 2) {
		rep->kind = REPLY_MSG;
		rep->text = f[1];
	} else if (strcmp(f[0], "err") == 0 && n == 3) {
		rep->kind = REPLY_ERROR;
		rep->err = PERR_INTERNAL;
		for (i = 1; i < NERRS; i++)
			if (strcmp(f[1], errs[i].name) == 0)
				rep->err = (enum proto_err)i;
		rep->text = f[2];
	} else if (strcmp(f[0], "sv") == 0 && n == 3) {
		rep->kind = REPLY_HEADER;
		rep->mode = f[1];
		if (parse_num(f[2], INT32_MAX, &v) == -1)
			return -1;
		rep->pid = (long)v;
	} else if (strcmp(f[0], "wait") == 0 && n == 2) {
		rep->kind = REPLY_WAIT;
		if (parse_num(f[1], INT32_MAX, &v) == -1)
			return -1;
		rep->wait_ms = (long)v;
	} else if (strcmp(f[0], "w") == 0) {
		rep->kind = REPLY_ROW;
		return parse_row(f, n, &rep->row);
	} else if (strcmp(f[0], "t") == 0 && n == 2) {
		rep->kind = REPLY_TEXT;
		rep->text = f[1];
	} else if (strcmp(f[0], "l") == 0 && n == 3) {
		rep->kind = REPLY_LINE;
		rep->name = f[1];
		rep->text = f[2];
	} else if (strcmp(f[0], "x") == 0) {
		rep->kind = REPLY_EXIT;
		return parse_exit(f, n, &rep->exit);
	} else if (strcmp(f[0], "o") == 0 && n == 2) {
		rep->kind = REPLY_EXIT_LINE;
		rep->text = f[1];
	} else
		return -1;
	return 0;
}

int
proto_check_dir(const char *dir, enum proto_dir how, char *why,
    size_t whylen)
{
	struct stat st;

	if (how == PROTO_DIR_CREATE && mkdir(dir, 0700) == -1 &&
	    errno != EEXIST) {
		snprintf(why, whylen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT && how == PROTO_DIR_CHECK)
			return 0;	/* connecting will say so */
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %lu, not by uid %lu",
		    dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(why, whylen, "%s: mode %03o lets others in, "
		    "expected 0700", dir, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

/*
 * One directory on the way to an explicit socket: owned by root or us,
 * and if others may write to it, the sticky bit keeps them from renaming
 * or removing what is ours.
 */
static int
check_ancestor(const char *dir, char *why, size_t whylen)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %lu, neither root nor "
		    "uid %lu", dir, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		snprintf(why, whylen, "%s: mode %04o lets others replace the "
		    "socket (writable by others, no sticky bit)", dir,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
proto_check_socket_path(const char *path, char *why, size_t whylen)
{
	char *copy, *real, *p;
	const char *dir;
	int rv = -1;

	if ((copy = strdup(path)) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if ((p = strrchr(copy, '/')) == NULL)
		dir = ".";
	else if (p == copy)
		dir = "/";
	else {
		*p = '\0';
		dir = copy;
	}
	if ((real = realpath(dir, NULL)) == NULL) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		free(copy);
		return -1;
	}
	/* The directory itself, then each of its ancestors up to /. */
	for (;;) {
		if (check_ancestor(real[0] != '\0' ? real : "/", why,
		    whylen) == -1)
			goto out;
		if ((p = strrchr(real, '/')) == NULL || real[0] == '\0')
			break;
		*p = '\0';
	}
	rv = 0;
out:
	free(real);
	free(copy);
	return rv;
}

int
proto_default_socket(char *buf, size_t len, enum proto_dir how, char *why,
    size_t whylen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[64];
	int n;

	/* A relative XDG_RUNTIME_DIR is invalid: ignore it, as the spec says. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/supervise.sock", xdg);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/supervise-%lu",
		    (unsigned long)geteuid());
		if (proto_check_dir(dir, how, why, whylen) == -1)
			return -1;
		n = snprintf(buf, len, "%s/supervise.sock", dir);
	}
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, whylen, "socket path too long");
		return -1;
	}
	return 0;
}
