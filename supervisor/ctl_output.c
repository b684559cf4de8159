/*
 * ctl_output.c: what supervisectl prints of a reply: the status table or
 * its JSON, and the exits of why, as they come or as JSON (see
 * supervisectl(1)).  Every string shown comes from the reply; nothing
 * here talks to supervise.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "proto.h"
#include "supervisectl.h"

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
void
why_end_exit(struct why *wy)
{
	if (!wy->json && wy->n > 0 && wy->lines == 0)
		printf("    (no output captured before this exit)\n");
	wy->lines = 0;
}
void
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
void
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
void
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
/* The n bytes of s, then spaces up to width w. */
static char *
put_cell(char *p, const char *s, size_t n, size_t w)
{
	memcpy(p, s, n);
	if (n < w) {
		memset(p + n, ' ', w - n);
		n = w;
	}
	return p + n;
}

/*
 * The cells of r after NAME and STATE, "-" where there is nothing, and
 * their lengths.
 */
static void
row_cells(const struct proto_row *r, char cell[6][32], size_t len[6])
{
	if (r->pid > 0)
		len[0] = proto_num(cell[0], r->pid);
	else
		len[0] = (size_t)(stpcpy(cell[0], "-") - cell[0]);
	/* A thread-mode worker is up without a pid. */
	if (r->pid > 0 || r->uptime_ms > 0)
		len[1] = proto_format_uptime(cell[1], sizeof(cell[1]),
		    r->uptime_ms);
	else
		len[1] = (size_t)(stpcpy(cell[1], "-") - cell[1]);
	len[2] = proto_unum(cell[2], r->restarts);
	if (r->usage) {
		len[3] = proto_format_cpu(cell[3], sizeof(cell[3]), r->cpu_ms);
		len[4] = proto_format_bytes(cell[4], sizeof(cell[4]),
		    r->rss_bytes);
	} else {
		len[3] = (size_t)(stpcpy(cell[3], "-") - cell[3]);
		len[4] = (size_t)(stpcpy(cell[4], "-") - cell[4]);
	}
	len[5] = proto_format_last(cell[5], sizeof(cell[5]), r);
}

/* Output goes to stdout this much at a time, from one buffer. */
#define OUT_CHUNK (32 * 1024)
/* Rows made into JSON at a time. */
#define JSON_ROWS 64

void
table_widths(int w[7], const struct proto_row *r)
{
	char cell[6][32];
	size_t len[6];
	int c;

	row_cells(r, cell, len);
	w[0] = width(w[0], r->name);
	w[1] = width(w[1], r->state);
	for (c = 0; c < 5; c++)
		if ((int)len[c] > w[c + 2])
			w[c + 2] = (int)len[c];
}
/*
 * NAME STATE PID UPTIME RESTARTS CPU RSS LAST-EXIT, aligned, "-" if empty.
 * The widths grew as the rows were read (table_widths); each row's cells
 * are made again here rather than kept, which would take ten times the
 * memory of the packed rows.  The lines are put together by hand in one
 * buffer, written out a chunk at a time: printf's parsing of its format
 * for every cell made this most of what a status of 10,000 workers cost.
 */
void
print_table(const struct status *st)
{
	static const int head[7] = { 4, 5, 3, 6, 8, 3, 3 };	/* headings */
	struct rowpack_cursor cur = { 0 };
	char cell[6][32], *out, *p;
	size_t len[6], name_len, state_len;
	struct proto_row row;
	const char *on;
	int w[7];
	bool colour = isatty(STDOUT_FILENO) && getenv("NO_COLOR") == NULL;
	size_t line;
	int c;

	for (c = 0; c < 7; c++)
		w[c] = st->w[c] > head[c] ? st->w[c] : head[c];
	printf("%-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %-*s  %s\n", w[0], "NAME",
	    w[1], "STATE", w[2], "PID", w[3], "UPTIME", w[4], "RESTARTS",
	    w[5], "CPU", w[6], "RSS", "LAST-EXIT");
	/* The widest line: the cells, their gaps, colour, LAST-EXIT. */
	for (line = 64 + sizeof(cell[5]), c = 0; c < 7; c++)
		line += (size_t)w[c] + 2;
	if ((out = malloc(OUT_CHUNK + line)) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	p = out;
	while (rowpack_next(&st->pack, &cur, &row)) {
		row_cells(&row, cell, len);
		name_len = strlen(row.name);
		state_len = strlen(row.state);
		on = colour ? state_colour(row.state) : NULL;
		p = put_cell(p, row.name, name_len, (size_t)w[0]);
		p = put_cell(p, "  ", 2, 2);
		/* Pad outside the escape sequences, which take no room. */
		if (on != NULL)
			p = put_cell(p, on, strlen(on), 0);
		p = put_cell(p, row.state, state_len, 0);
		if (on != NULL)
			p = put_cell(p, "\033[0m", 4, 0);
		p = put_cell(p, "", 0, (size_t)w[1] - state_len);
		for (c = 0; c < 5; c++) {
			p = put_cell(p, "  ", 2, 2);
			p = put_cell(p, cell[c], len[c], (size_t)w[c + 2]);
		}
		p = put_cell(p, "  ", 2, 2);
		p = put_cell(p, cell[5], len[5], 0);
		*p++ = '\n';
		if ((size_t)(p - out) >= OUT_CHUNK) {
			fwrite(out, 1, (size_t)(p - out), stdout);
			p = out;
		}
	}
	fwrite(out, 1, (size_t)(p - out), stdout);
	free(out);
}
void
print_json(const struct status *st)
{
	struct rowpack_cursor cur = { 0 };
	struct proto_row rows[JSON_ROWS];
	struct pbuf b = { 0 };
	size_t n;
	bool first = true;

	/* Out a few rows at a time: the whole would be 2 MB for 10,000. */
	proto_status_json_begin(&b, st->mode != NULL ? st->mode : "process",
	    st->pid);
	for (;;) {
		for (n = 0; n < JSON_ROWS &&
		    rowpack_next(&st->pack, &cur, &rows[n]); n++)
			;
		proto_status_json_rows(&b, rows, n, first);
		first = false;
		if (n < JSON_ROWS)
			break;
		if (b.failed)
			die(EXIT_FAILED, "%s", strerror(ENOMEM));
		fwrite(b.data, 1, b.len, stdout);
		b.len = 0;
	}
	proto_status_json_end(&b);
	pbuf_add(&b, "\n", 1);
	if (b.failed)
		die(EXIT_FAILED, "%s", strerror(ENOMEM));
	fwrite(b.data, 1, b.len, stdout);
	pbuf_free(&b);
}
void
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
