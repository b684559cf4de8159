/*
 * proto.c: the control protocol's wire format (see proto.h), shared by
 * supervise and supervisectl: requests, reply records, the JSON of
 * `status --json`, and the default socket path.
 */
#include <sys/stat.h>

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

#define MAX_FIELDS 8

static const char *const cmd_names[] = {
	[CMD_STATUS] = "status", [CMD_CHECK] = "check", [CMD_START] = "start",
	[CMD_STOP] = "stop", [CMD_RESTART] = "restart",
	[CMD_SIGNAL] = "signal", [CMD_RELOAD] = "reload",
	[CMD_SHUTDOWN] = "shutdown",
};

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
	b->data = NULL;
	b->len = b->cap = 0;
}

static int
pbuf_reserve(struct pbuf *b, size_t more)
{
	size_t cap;
	char *p;

	if (b->len + more + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	if ((p = realloc(b->data, cap)) == NULL)
		return -1;
	b->data = p;
	b->cap = cap;
	return 0;
}

/* Append bytes; the buffer is kept NUL-terminated. */
int
pbuf_add(struct pbuf *b, const void *p, size_t len)
{
	if (pbuf_reserve(b, len) == -1)
		return -1;
	memcpy(b->data + b->len, p, len);
	b->len += len;
	b->data[b->len] = '\0';
	return 0;
}

static int
pbuf_vaddf(struct pbuf *b, const char *fmt, va_list ap)
{
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	if (n < 0 || pbuf_reserve(b, (size_t)n) == -1)
		return -1;
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int
pbuf_addf(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = pbuf_vaddf(b, fmt, ap);
	va_end(ap);
	return rv;
}

const char *
proto_cmd_name(enum proto_cmd cmd)
{
	return cmd_names[cmd];
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

	if (pbuf_addf(b, "%s %s", PROTO_MAGIC, cmd_names[cmd]) == -1)
		goto nomem;
	if (cmd == CMD_SIGNAL) {
		if (sig == NULL || !word_ok(sig)) {
			*why = "invalid signal";
			goto fail;
		}
		if (pbuf_addf(b, " %s", sig) == -1)
			goto nomem;
	}
	for (i = 0; i < nnames; i++) {
		if (!word_ok(names[i])) {
			*why = "invalid worker name";
			goto fail;
		}
		if (pbuf_addf(b, " %s", names[i]) == -1)
			goto nomem;
	}
	if (pbuf_add(b, "\n", 1) == -1)
		goto nomem;
	if (b->len - start > PROTO_MAX_REQUEST) {
		*why = "request too long";
		goto fail;
	}
	return 0;
nomem:
	*why = strerror(ENOMEM);
fail:
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

static int
request_fail(struct proto_request *req, enum proto_err *err,
    enum proto_err code, const char **why, const char *msg)
{
	proto_request_free(req);
	*err = code;
	*why = msg;
	return -1;
}

int
proto_parse_request(const char *line, size_t len, struct proto_request *req,
    enum proto_err *err, const char **why)
{
	char **words, *p;
	size_t i, n = 0, first;
	int c;

	memset(req, 0, sizeof(*req));
	if (len > 0 && line[len - 1] == '\r')
		len--;
	if (len >= PROTO_MAX_REQUEST)
		return request_fail(req, err, PERR_TOOLONG, why,
		    "request too long");
	for (i = 0; i < len; i++)
		if (line[i] < ' ' || line[i] > '~')
			return request_fail(req, err, PERR_MALFORMED, why,
			    "request is not printable text");
	if ((req->store = malloc(len + 1)) == NULL ||
	    (words = calloc(len / 2 + 2, sizeof(*words))) == NULL)
		return request_fail(req, err, PERR_INTERNAL, why,
		    strerror(ENOMEM));
	req->names = words;
	memcpy(req->store, line, len);
	req->store[len] = '\0';
	for (p = req->store; *p != '\0';) {
		while (*p == ' ')
			*p++ = '\0';
		if (*p == '\0')
			break;
		words[n++] = p;
		while (*p != '\0' && *p != ' ')
			p++;
	}
	if (n == 0)
		return request_fail(req, err, PERR_MALFORMED, why,
		    "empty request");
	if (strcmp(words[0], PROTO_MAGIC) != 0)
		return request_fail(req, err,
		    strncmp(words[0], "supervise/", 10) == 0 ?
		    PERR_VERSION : PERR_MALFORMED, why,
		    "expected protocol " PROTO_MAGIC);
	if (n < 2)
		return request_fail(req, err, PERR_MALFORMED, why,
		    "no command");
	for (c = 0; c <= CMD_SHUTDOWN; c++)
		if (strcmp(words[1], cmd_names[c]) == 0)
			break;
	if (c > CMD_SHUTDOWN)
		return request_fail(req, err, PERR_MALFORMED, why,
		    "unknown command");
	req->cmd = (enum proto_cmd)c;
	first = 2;
	if (req->cmd == CMD_SIGNAL) {
		if (n < 3)
			return request_fail(req, err, PERR_USAGE, why,
			    "signal needs a signal and names");
		req->sig = words[2];
		first = 3;
	}
	req->nnames = n - first;
	memmove(words, words + first, req->nnames * sizeof(*words));
	words[req->nnames] = NULL;
	switch (req->cmd) {
	case CMD_START:
	case CMD_STOP:
	case CMD_RESTART:
	case CMD_SIGNAL:
		if (req->nnames == 0)
			return request_fail(req, err, PERR_USAGE, why,
			    "no worker named");
		break;
	case CMD_RELOAD:
	case CMD_SHUTDOWN:
		if (req->nnames != 0)
			return request_fail(req, err, PERR_USAGE, why,
			    "too many arguments");
		break;
	default:
		break;
	}
	return 0;
}

/* Append s as one reply field: control bytes and backslash escaped. */
static int
put_field(struct pbuf *b, const char *s)
{
	unsigned char c;
	char esc[5];

	if (pbuf_add(b, "\t", 1) == -1)
		return -1;
	for (; (c = (unsigned char)*s) != '\0'; s++) {
		if (c == '\\')
			snprintf(esc, sizeof(esc), "\\\\");
		else if (c == '\t')
			snprintf(esc, sizeof(esc), "\\t");
		else if (c == '\n')
			snprintf(esc, sizeof(esc), "\\n");
		else if (c == '\r')
			snprintf(esc, sizeof(esc), "\\r");
		else if (c < ' ' || c == 0x7f)
			snprintf(esc, sizeof(esc), "\\x%02x", c);
		else {
			esc[0] = (char)c;
			esc[1] = '\0';
		}
		if (pbuf_add(b, esc, strlen(esc)) == -1)
			return -1;
	}
	return 0;
}

int
proto_put_header(struct pbuf *b, const char *mode, long pid)
{
	if (pbuf_add(b, "sv", 2) == -1 || put_field(b, mode) == -1)
		return -1;
	return pbuf_addf(b, "\t%ld\n", pid);
}

int
proto_put_row(struct pbuf *b, const struct proto_row *r)
{
	char last[48];

	if (r->last == LAST_CODE)
		snprintf(last, sizeof(last), "code:%d", r->code);
	else if (r->last == LAST_SIGNAL)
		snprintf(last, sizeof(last), "signal:%s", r->signal);
	else
		snprintf(last, sizeof(last), "-");
	if (pbuf_add(b, "w", 1) == -1 || put_field(b, r->name) == -1 ||
	    put_field(b, r->state) == -1 ||
	    pbuf_addf(b, "\t%ld\t%" PRId64 "\t%lu", r->pid, r->uptime_ms,
	    r->restarts) == -1 || put_field(b, last) == -1 ||
	    put_field(b, r->text != NULL ? r->text : "") == -1)
		return -1;
	return pbuf_add(b, "\n", 1);
}

static int
put_text(struct pbuf *b, const char *fmt, va_list ap)
{
	struct pbuf tmp = { 0 };
	int rv;

	if (pbuf_vaddf(&tmp, fmt, ap) == -1)
		return -1;
	rv = put_field(b, tmp.data);
	pbuf_free(&tmp);
	if (rv == -1)
		return -1;
	return pbuf_add(b, "\n", 1);
}

int
proto_put_msg(struct pbuf *b, const char *fmt, ...)
{
	va_list ap;
	int rv;

	if (pbuf_add(b, "msg", 3) == -1)
		return -1;
	va_start(ap, fmt);
	rv = put_text(b, fmt, ap);
	va_end(ap);
	return rv;
}

int
proto_put_ok(struct pbuf *b)
{
	return pbuf_add(b, "ok\n", 3);
}

int
proto_put_error(struct pbuf *b, enum proto_err err, const char *fmt, ...)
{
	va_list ap;
	int rv;

	if (pbuf_add(b, "err", 3) == -1 ||
	    put_field(b, proto_err_name(err)) == -1)
		return -1;
	va_start(ap, fmt);
	rv = put_text(b, fmt, ap);
	va_end(ap);
	return rv;
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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

static int
parse_num(const char *s, long long min, long long *v)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || *v < min)
		return -1;
	return 0;
}

static int
parse_row(char **f, size_t n, struct proto_row *r)
{
	long long v;

	if (n != 8)
		return -1;
	r->name = f[1];
	r->state = f[2];
	if (parse_num(f[3], 0, &v) == -1 || v > INT32_MAX)
		return -1;
	r->pid = (long)v;
	if (parse_num(f[4], 0, &v) == -1)
		return -1;
	r->uptime_ms = v;
	if (parse_num(f[5], 0, &v) == -1 || v > UINT32_MAX)
		return -1;
	r->restarts = (unsigned long)v;
	if (strcmp(f[6], "-") == 0)
		r->last = LAST_NONE;
	else if (strncmp(f[6], "code:", 5) == 0 &&
	    parse_num(f[6] + 5, 0, &v) == 0 && v <= 255) {
		r->last = LAST_CODE;
		r->code = (int)v;
	} else if (strncmp(f[6], "signal:", 7) == 0 && f[6][7] != '\0') {
		r->last = LAST_SIGNAL;
		r->signal = f[6] + 7;
	} else
		return -1;
	r->text = f[7][0] != '\0' ? f[7] : NULL;
	return 0;
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
		if (parse_num(f[2], 0, &v) == -1 || v > INT32_MAX)
			return -1;
		rep->pid = (long)v;
	} else if (strcmp(f[0], "w") == 0) {
		rep->kind = REPLY_ROW;
		return parse_row(f, n, &rep->row);
	} else
		return -1;
	return 0;
}

/* The length of a valid UTF-8 sequence at s, or 0. */
static size_t
utf8_len(const unsigned char *s)
{
	uint32_t cp;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
	} else
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* A JSON string; bytes that are not UTF-8 become U+FFFD. */
static int
json_string(struct pbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;
	int rv;

	rv = pbuf_add(b, "\"", 1);
	for (; *s != '\0' && rv == 0; s += n) {
		n = 1;
		switch (*s) {
		case '"':
			rv = pbuf_add(b, "\\\"", 2);
			break;
		case '\\':
			rv = pbuf_add(b, "\\\\", 2);
			break;
		case '\n':
			rv = pbuf_add(b, "\\n", 2);
			break;
		case '\t':
			rv = pbuf_add(b, "\\t", 2);
			break;
		case '\r':
			rv = pbuf_add(b, "\\r", 2);
			break;
		default:
			if (*s < ' ')
				rv = pbuf_addf(b, "\\u%04x", *s);
			else if ((n = utf8_len(s)) == 0) {
				rv = pbuf_add(b, "\\ufffd", 6);
				n = 1;
			} else
				rv = pbuf_add(b, s, n);
		}
	}
	if (rv == 0)
		rv = pbuf_add(b, "\"", 1);
	return rv;
}

int
proto_status_json(struct pbuf *b, const char *mode, long pid,
    const struct proto_row *rows, size_t nrows)
{
	const struct proto_row *r;
	size_t i;
	int rv = 0;

	rv |= pbuf_add(b, "{\"mode\":", 8);
	rv |= json_string(b, mode);
	rv |= pbuf_addf(b, ",\"pid\":%ld,\"workers\":[", pid);
	for (i = 0; i < nrows && rv == 0; i++) {
		r = &rows[i];
		rv |= pbuf_add(b, i ? ",{\"name\":" : "{\"name\":", i ? 9 : 8);
		rv |= json_string(b, r->name);
		rv |= pbuf_add(b, ",\"state\":", 9);
		rv |= json_string(b, r->state);
		if (r->pid > 0)
			rv |= pbuf_addf(b, ",\"pid\":%ld", r->pid);
		else
			rv |= pbuf_addf(b, ",\"pid\":null");
		rv |= pbuf_addf(b, ",\"uptime_ms\":%" PRId64 ",\"restarts\":%lu"
		    ",\"last_exit\":", r->uptime_ms, r->restarts);
		if (r->last == LAST_CODE)
			rv |= pbuf_addf(b, "{\"code\":%d}", r->code);
		else if (r->last == LAST_SIGNAL) {
			rv |= pbuf_add(b, "{\"signal\":", 10);
			rv |= json_string(b, r->signal);
			rv |= pbuf_add(b, "}", 1);
		} else
			rv |= pbuf_add(b, "null", 4);
		rv |= pbuf_add(b, ",\"status_text\":", 15);
		if (r->text != NULL && *r->text != '\0')
			rv |= json_string(b, r->text);
		else
			rv |= pbuf_add(b, "null", 4);
		rv |= pbuf_add(b, "}", 1);
	}
	rv |= pbuf_add(b, "]}", 2);
	return rv != 0 ? -1 : 0;
}

void
proto_format_uptime(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		snprintf(buf, len, "%" PRId64 "s", s);
	else if (s < 3600)
		snprintf(buf, len, "%" PRId64 "m%" PRId64 "s", s / 60, s % 60);
	else if (s < 86400)
		snprintf(buf, len, "%" PRId64 "h%" PRId64 "m", s / 3600,
		    s % 3600 / 60);
	else
		snprintf(buf, len, "%" PRId64 "d%" PRId64 "h", s / 86400,
		    s % 86400 / 3600);
}

void
proto_format_last(char *buf, size_t len, const struct proto_row *row)
{
	if (row->last == LAST_CODE)
		snprintf(buf, len, "exit %d", row->code);
	else if (row->last == LAST_SIGNAL)
		snprintf(buf, len, "%s", row->signal);
	else
		snprintf(buf, len, "-");
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
