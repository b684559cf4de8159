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
/* NAME STATE PID UPTIME RESTARTS CPU RSS LAST-EXIT, aligned, "-" if empty. */
void
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
void
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
