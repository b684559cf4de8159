/*
 * status.c: how supervisectl shows a status reply: the JSON of `status
 * --json`, and the uptime and last-exit cells of its table.  Part of the
 * protocol module (proto.h), whose prefix its names keep.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "proto.h"

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
static void
json_string(struct pbuf *b, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n;

	pbuf_add(b, "\"", 1);
	for (; *s != '\0'; s += n) {
		/* A run of plain ASCII at once: most names are nothing else. */
		for (n = 0; s[n] >= ' ' && s[n] < 0x80 && s[n] != '"' &&
		    s[n] != '\\'; n++)
			;
		if (n > 0) {
			pbuf_add(b, s, n);
			continue;
		}
		n = 1;
		if (*s == '"' || *s == '\\')
			pbuf_addf(b, "\\%c", *s);
		else if (*s == '\n')
			pbuf_add(b, "\\n", 2);
		else if (*s == '\t')
			pbuf_add(b, "\\t", 2);
		else if (*s == '\r')
			pbuf_add(b, "\\r", 2);
		else if (*s < ' ')
			pbuf_addf(b, "\\u%04x", *s);
		else if ((n = utf8_len(s)) > 0)
			pbuf_add(b, s, n);
		else {
			pbuf_add(b, "\\ufffd", 6);
			n = 1;
		}
	}
	pbuf_add(b, "\"", 1);
}

void
proto_status_json(struct pbuf *b, const char *mode, long pid,
    const struct proto_row *rows, size_t nrows)
{
	proto_status_json_begin(b, mode, pid);
	proto_status_json_rows(b, rows, nrows, true);
	proto_status_json_end(b);
}

void
proto_status_json_begin(struct pbuf *b, const char *mode, long pid)
{
	pbuf_adds(b, "{\"mode\":");
	json_string(b, mode);
	pbuf_adds(b, ",\"pid\":");
	pbuf_add_num(b, pid);
	pbuf_adds(b, ",\"workers\":[");
}

void
proto_status_json_end(struct pbuf *b)
{
	pbuf_adds(b, "]}");
}

void
proto_status_json_rows(struct pbuf *b, const struct proto_row *rows,
    size_t nrows, bool first)
{
	const struct proto_row *r;
	size_t i;

	for (i = 0; i < nrows; i++) {
		r = &rows[i];
		if (i > 0 || !first)
			pbuf_adds(b, ",");
		pbuf_adds(b, "{\"name\":");
		json_string(b, r->name);
		pbuf_adds(b, ",\"state\":");
		json_string(b, r->state);
		pbuf_adds(b, ",\"pid\":");
		if (r->pid > 0)
			pbuf_add_num(b, r->pid);
		else
			pbuf_adds(b, "null");
		pbuf_adds(b, ",\"uptime_ms\":");
		pbuf_add_num(b, r->uptime_ms);
		pbuf_adds(b, ",\"restarts\":");
		pbuf_add_unum(b, r->restarts);
		if (r->usage) {
			pbuf_adds(b, ",\"cpu_ms\":");
			pbuf_add_unum(b, r->cpu_ms);
			pbuf_adds(b, ",\"rss_bytes\":");
			pbuf_add_unum(b, r->rss_bytes);
			pbuf_adds(b, ",\"usage_age_ms\":");
			pbuf_add_num(b, r->usage_age_ms > 0 ?
			    r->usage_age_ms : 0);
		} else
			pbuf_adds(b, ",\"cpu_ms\":null,\"rss_bytes\":null,"
			    "\"usage_age_ms\":null");
		pbuf_adds(b, ",\"last_exit\":");
		if (r->last == LAST_CODE) {
			pbuf_adds(b, "{\"code\":");
			pbuf_add_num(b, r->code);
			pbuf_adds(b, "}");
		} else if (r->last == LAST_SIGNAL) {
			pbuf_adds(b, "{\"signal\":");
			json_string(b, r->signal);
			pbuf_adds(b, "}");
		} else
			pbuf_adds(b, "null");
		pbuf_adds(b, ",\"status_text\":");
		if (r->text != NULL && *r->text != '\0')
			json_string(b, r->text);
		else
			pbuf_adds(b, "null");
		pbuf_adds(b, "}");
	}
}

/* tmp's n bytes into buf, cut to len as snprintf(3) would. */
static size_t
cut(char *buf, size_t len, const char *tmp, size_t n)
{
	if (len == 0)
		return 0;
	if (n >= len)
		n = len - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return n;
}

/* "<a><ua><b><ub>" (b and ub left out if ub is 0), cut to len. */
static size_t
two_units(char *buf, size_t len, int64_t a, char ua, int64_t b, char ub)
{
	char tmp[48];
	size_t n;

	n = proto_num(tmp, a);
	tmp[n++] = ua;
	if (ub != '\0') {
		n += proto_num(tmp + n, b);
		tmp[n++] = ub;
	}
	return cut(buf, len, tmp, n);
}

/*
 * Without printf, here and below: a status table has one of each for
 * each of thousands of rows.
 */
size_t
proto_format_uptime(char *buf, size_t len, int64_t ms)
{
	int64_t s = ms > 0 ? ms / 1000 : 0;

	if (s < 60)
		return two_units(buf, len, s, 's', 0, '\0');
	if (s < 3600)
		return two_units(buf, len, s / 60, 'm', s % 60, 's');
	if (s < 86400)
		return two_units(buf, len, s / 3600, 'h', s % 3600 / 60, 'm');
	return two_units(buf, len, s / 86400, 'd', s % 86400 / 3600, 'h');
}

size_t
proto_format_last(char *buf, size_t len, const struct proto_row *row)
{
	char tmp[32];

	if (row->last == LAST_CODE) {
		memcpy(tmp, "exit ", 5);
		return cut(buf, len, tmp, 5 + proto_num(tmp + 5, row->code));
	}
	if (row->last == LAST_SIGNAL)
		return cut(buf, len, row->signal, strlen(row->signal));
	return cut(buf, len, "-", 1);
}

size_t
proto_format_cpu(char *buf, size_t len, uint64_t ms)
{
	char tmp[32];
	size_t n;

	if (ms < 60000) {
		/* "%llu.%02llus" */
		n = proto_unum(tmp, ms / 1000);
		tmp[n++] = '.';
		tmp[n++] = (char)('0' + ms % 1000 / 100);
		tmp[n++] = (char)('0' + ms % 100 / 10);
		tmp[n++] = 's';
		return cut(buf, len, tmp, n);
	}
	return proto_format_uptime(buf, len, ms > INT64_MAX ? INT64_MAX :
	    (int64_t)ms);
}

size_t
proto_format_bytes(char *buf, size_t len, uint64_t bytes)
{
	static const char units[] = "KMGTPE";
	uint64_t div = 1024;
	char tmp[32];
	size_t n;
	int u = 0;

	if (bytes < 1024) {
		n = proto_unum(tmp, bytes);
		tmp[n++] = 'B';
		return cut(buf, len, tmp, n);
	}
	while (u < 5 && bytes / div >= 1024) {
		div *= 1024;
		u++;
	}
	n = proto_unum(tmp, bytes / div);
	/* One decimal below 10, cut rather than rounded: 9.99K is "9.9K". */
	if (bytes / div < 10) {
		tmp[n++] = '.';
		tmp[n++] = (char)('0' + bytes % div * 10 / div);
	}
	tmp[n++] = units[u];
	return cut(buf, len, tmp, n);
}

void
proto_why_json(struct pbuf *b, const struct proto_why *v, size_t n)
{
	const struct proto_exit *x;
	size_t i, j;

	pbuf_add(b, "{\"exits\":[", 10);
	for (i = 0; i < n; i++) {
		x = &v[i].exit;
		pbuf_addf(b, "%s{\"worker\":", i > 0 ? "," : "");
		json_string(b, x->name);
		pbuf_addf(b, ",\"time_ms\":%" PRId64, x->time_ms);
		if (x->pid > 0)
			pbuf_addf(b, ",\"pid\":%ld", x->pid);
		else
			pbuf_addf(b, ",\"pid\":null");
		pbuf_addf(b, ",\"uptime_ms\":%" PRId64 ",\"exit\":",
		    x->uptime_ms);
		if (x->last == LAST_CODE)
			pbuf_addf(b, "{\"code\":%d}", x->code);
		else if (x->last == LAST_SIGNAL) {
			pbuf_addf(b, "{\"signal\":");
			json_string(b, x->signal);
			pbuf_addf(b, ",\"core_dumped\":%s}", x->core ? "true" :
			    "false");
		} else
			pbuf_addf(b, "null");
		pbuf_addf(b, ",\"decision\":");
		json_string(b, x->decision);
		pbuf_addf(b, ",\"lines\":[");
		for (j = 0; j < v[i].nlines; j++) {
			if (j > 0)
				pbuf_add(b, ",", 1);
			json_string(b, v[i].lines[j]);
		}
		pbuf_add(b, "]}", 2);
	}
	pbuf_add(b, "]}", 2);
}
