/*
 * proto_reply.c: the control protocol's reply records (see proto.h and
 * supervisectl(1), PROTOCOL), written by supervise and read back
 * by supervisectl: one record a line, tab-separated fields, every
 * control byte, tab and backslash of a field escaped, so that nothing a
 * worker names or writes can end a record or forge another.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "proto.h"

#define MAX_FIELDS 11

/* At most this many bytes a byte once escaped ("\xNN"). */
#define ESCAPED	4

/*
 * The len bytes of s into p, control bytes and backslashes escaped (p has
 * room for ESCAPED * len): where they end.
 */
static char *
escape_to(char *p, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *q = (const unsigned char *)s, *run;
	const unsigned char *end = q + len;

	while (q < end) {
		for (run = q; q < end && *q >= ' ' && *q != '\\' &&
		    *q != 0x7f; q++)
			;
		memcpy(p, run, (size_t)(q - run));
		p += q - run;
		if (q == end)
			break;
		*p++ = '\\';
		switch (*q) {
		case '\\': *p++ = '\\'; break;
		case '\t': *p++ = 't'; break;
		case '\n': *p++ = 'n'; break;
		case '\r': *p++ = 'r'; break;
		default:
			*p++ = 'x';
			*p++ = hex[*q >> 4];
			*p++ = hex[*q & 0xf];
		}
		q++;
	}
	return p;
}

/* Append len bytes of s, control bytes and backslashes escaped. */
static void
put_chunk(struct pbuf *b, const char *s, size_t len)
{
	char *p;

	if (len <= SIZE_MAX / ESCAPED && (p = pbuf_room(b, ESCAPED * len)) !=
	    NULL)
		pbuf_commit(b, escape_to(p, s, len));
	else
		b->failed = true;
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
	pbuf_add(b, prefix, strlen(prefix));
	pbuf_add_unum(b, v);
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

/*
 * A row is written in place, in room reserved once: a status has
 * thousands, and a dozen appends a row were most of its cost.  Beside its
 * four strings, escaped, a row is at most "w", eleven tabs, six numbers of
 * 20 digits (and the NUL proto_unum writes after each), "signal:" and a
 * newline.
 */
#define ROW_FIXED 160

/* A tab and a number. */
static char *
num_field(char *p, uint64_t v)
{
	*p++ = '\t';
	return p + proto_unum(p, v);
}

/* A tab and a string, escaped. */
static char *
str_field(char *p, const char *s, size_t len)
{
	*p++ = '\t';
	return escape_to(p, s, len);
}

void
proto_put_row(struct pbuf *b, const struct proto_row *r)
{
	const char *text = r->text != NULL ? r->text : "";
	const char *sig = r->last == LAST_SIGNAL ? r->signal : "";
	size_t nlen = strlen(r->name), slen = strlen(r->state);
	size_t tlen = strlen(text), glen = strlen(sig);
	char *p;

	if ((p = pbuf_room(b, ESCAPED * (nlen + slen + tlen + glen) +
	    ROW_FIXED)) == NULL)
		return;
	*p++ = 'w';
	p = str_field(p, r->name, nlen);
	p = str_field(p, r->state, slen);
	p = num_field(p, r->pid > 0 ? (uint64_t)r->pid : 0);
	p = num_field(p, r->uptime_ms > 0 ? (uint64_t)r->uptime_ms : 0);
	p = num_field(p, r->restarts);
	if (r->last == LAST_CODE) {
		memcpy(p, "\tcode:", 6);
		p += 6 + proto_unum(p + 6, (uint64_t)(r->code & 0xff));
	} else if (r->last == LAST_SIGNAL) {
		memcpy(p, "\tsignal:", 8);
		p = escape_to(p + 8, sig, glen);
	} else {
		memcpy(p, "\t-", 2);
		p += 2;
	}
	if (r->usage) {
		p = num_field(p, r->cpu_ms);
		p = num_field(p, r->rss_bytes);
		p = num_field(p, r->usage_age_ms > 0 ?
		    (uint64_t)r->usage_age_ms : 0);
	} else {
		memcpy(p, "\t-\t-\t-", 6);
		p += 6;
	}
	p = str_field(p, text, tlen);
	*p++ = '\n';
	pbuf_commit(b, p);
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
	char *w;
	int hi, lo;

	/* Most fields have no escape at all: nothing to move. */
	if ((s = strchr(s, '\\')) == NULL)
		return 0;
	for (w = s; *s != '\0'; s++) {
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

/*
 * A decimal number from 0 to max: digits only, leading zeros allowed, as
 * strtoll(3) would take it but without its locale and sign handling (a
 * status has tens of thousands of numbers).
 */
static int
parse_num(const char *s, long long max, long long *v)
{
	const char *p = s;
	unsigned long long n = 0, d;

	if (*s == '\0')
		return -1;
	/* Eighteen digits cannot pass 2^63: no check until then. */
	for (; p - s < 18 && (d = (unsigned char)*p - (unsigned char)'0') <= 9;
	    p++)
		n = n * 10 + d;
	for (; *p != '\0'; p++) {
		d = (unsigned char)*p - (unsigned char)'0';
		if (d > 9 || n > ((unsigned long long)max - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n > (unsigned long long)max)
		return -1;
	*v = (long long)n;
	return 0;
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
	long long pid, up, restarts, cpu, rss, age;

	if (n != 11 || parse_num(f[3], INT32_MAX, &pid) == -1 ||
	    parse_num(f[4], INT64_MAX, &up) == -1 ||
	    parse_num(f[5], UINT32_MAX, &restarts) == -1)
		return -1;
	r->name = f[1];
	r->state = f[2];
	r->pid = (long)pid;
	r->uptime_ms = up;
	r->restarts = (unsigned long)restarts;
	r->text = f[10][0] != '\0' ? f[10] : NULL;
	if (strcmp(f[7], "-") == 0 && strcmp(f[8], "-") == 0 &&
	    strcmp(f[9], "-") == 0)
		r->usage = false;
	else if (parse_num(f[7], INT64_MAX, &cpu) == 0 &&
	    parse_num(f[8], INT64_MAX, &rss) == 0 &&
	    parse_num(f[9], INT64_MAX, &age) == 0) {
		r->usage = true;
		r->cpu_ms = (uint64_t)cpu;
		r->rss_bytes = (uint64_t)rss;
		r->usage_age_ms = age;
	} else
		return -1;
	return parse_last(f[6], &r->last, &r->code, &r->signal);
}

/*
 * Split line at its tabs into f: the number of fields, 0 if over
 * MAX_FIELDS.  *escaped: whether any field holds a backslash.  One pass,
 * sixteen bytes at a time where there is SSE2 (a status has some ten
 * fields a row and thousands of rows), a byte at a time for the rest.
 */
static size_t
split_fields(char *line, char **f, bool *escaped)
{
	char *p = line;
	size_t n = 1;
#ifdef __SSE2__
	const __m128i tab = _mm_set1_epi8('\t'), bs = _mm_set1_epi8('\\');
	char *end = line + strlen(line);
	__m128i v;
	unsigned m;

	for (; end - p >= 16; p += 16) {
		v = _mm_loadu_si128((const __m128i *)(const void *)p);
		if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, bs)) != 0)
			*escaped = true;
		m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(v, tab));
		for (; m != 0; m &= m - 1) {
			if (n == MAX_FIELDS)
				return 0;
			p[__builtin_ctz(m)] = '\0';
			f[n++] = p + __builtin_ctz(m) + 1;
		}
	}
#endif
	f[0] = line;
	for (; *p != '\0'; p++) {
		if (*p == '\\')
			*escaped = true;
		else if (*p == '\t') {
			if (n == MAX_FIELDS)
				return 0;
			*p = '\0';
			f[n++] = p + 1;
		}
	}
	return n;
}

int
proto_parse_reply(char *line, struct proto_reply *rep)
{
	char *f[MAX_FIELDS];
	long long v;
	size_t n, i;
	bool escaped = false;

	memset(rep, 0, sizeof(*rep));
	if ((n = split_fields(line, f, &escaped)) == 0)
		return -1;
	for (i = 0; escaped && i < n; i++)
		if (unescape(f[i]) == -1)
			return -1;
	/* Rows first: a status has thousands of them. */
	if (strcmp(f[0], "w") == 0) {
		rep->kind = REPLY_ROW;
		return parse_row(f, n, &rep->row);
	} else if (strcmp(f[0], "ok") == 0 && n == 1) {
		rep->kind = REPLY_OK;
	} else if (strcmp(f[0], "msg") == 0 && n == 2) {
		rep->kind = REPLY_MSG;
		rep->text = f[1];
	} else if (strcmp(f[0], "err") == 0 && n == 3) {
		rep->kind = REPLY_ERROR;
		rep->err = PERR_INTERNAL;
		for (i = 1; i <= PERR_INTERNAL; i++)
			if (strcmp(f[1], proto_err_name((enum proto_err)i)) == 0)
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
