/*
 * faultline.c: the event-log line of a thread-mode fault, and the event
 * log's timestamp, formatted without stdio, locale, locks or allocation,
 * so that a signal handler may call them (see fault.c): only stores into
 * the caller's buffer, which is never overrun.  Names that do not fit are
 * counted, not listed, and the line still ends as it should.
 *
 * The line, as supervise(1), PLUGIN WORKERS AND THREAD MODE, shows it:
 *	TS supervise: bomb7: SEGV in a worker thread: supervise and 2 other
 *	workers (h1, h2) end with it
 *	{"ts":"TS","event":"thread_fault","worker":"bomb7","fault":"SEGV",
 *	"victims":["h1","h2"]}
 */
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include "log.h"

/* A bounded builder: a store past cap - 1 is dropped. */
struct sb {
	char *buf;
	size_t len, cap;
};

static void
put(struct sb *b, const char *s)
{
	while (*s != '\0' && b->len + 1 < b->cap)
		b->buf[b->len++] = *s++;
}

static void
put_uint(struct sb *b, uint64_t n, int width)
{
	char d[24];
	int i = 0;

	do {
		d[i++] = (char)('0' + n % 10);
		n /= 10;
	} while (n != 0 && i < (int)sizeof(d));
	while (i < width && i < (int)sizeof(d))
		d[i++] = '0';
	while (i > 0 && b->len + 1 < b->cap)
		b->buf[b->len++] = d[--i];
}

static void
put_char(struct sb *b, char c)
{
	if (b->len + 1 < b->cap)
		b->buf[b->len++] = c;
}

/* A JSON string: names are printable, but nothing is trusted. */
static void
put_json(struct sb *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	put_char(b, '"');
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			put_char(b, '\\');
			put_char(b, (char)*p);
		} else if (*p < 0x20 || *p == 0x7f) {
			put(b, "\\u00");
			put_char(b, hex[*p >> 4]);
			put_char(b, hex[*p & 0xf]);
		} else
			put_char(b, (char)*p);
	}
	put_char(b, '"');
}

/*
 * Room for one more name and whatever must follow it: the rest of the
 * line is at most FAULT_LINE_TAIL bytes, a name escaped at most 6 times
 * its length.
 */
#define FAULT_LINE_TAIL 96

static bool
fits(const struct sb *b, const char *name)
{
	return b->len + strlen(name) * 6 + 8 + FAULT_LINE_TAIL < b->cap;
}

/*
 * Days since 1970-01-01 to a civil date (proleptic Gregorian): the
 * algorithm of H. Hinnant's "chrono-compatible low-level date
 * algorithms", in integers only, where gmtime_r(3) would take a lock.
 */
static void
civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	yoe = z - era * 146097;
	yoe = (yoe - yoe / 1460 + yoe / 36524 - yoe / 146096) / 365;
	doy = (z - era * 146097) - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

size_t
log_format_timestamp(char *buf, size_t cap, const struct timespec *ts)
{
	struct sb b = { buf, 0, cap };
	int64_t secs = ts->tv_sec, days, rem, y;
	unsigned m, d;

	if (cap == 0)
		return 0;
	days = secs / 86400;
	rem = secs % 86400;
	if (rem < 0) {
		rem += 86400;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	put_uint(&b, (uint64_t)(y < 0 ? 0 : y % 10000), 4);
	put(&b, "-");
	put_uint(&b, m, 2);
	put(&b, "-");
	put_uint(&b, d, 2);
	put(&b, "T");
	put_uint(&b, (uint64_t)(rem / 3600), 2);
	put(&b, ":");
	put_uint(&b, (uint64_t)(rem / 60 % 60), 2);
	put(&b, ":");
	put_uint(&b, (uint64_t)(rem % 60), 2);
	put(&b, ".");
	put_uint(&b, (uint64_t)(ts->tv_nsec / 1000000 % 1000), 3);
	put(&b, "Z");
	buf[b.len] = '\0';
	return b.len;
}

const char *
fault_signal_name(int sig)
{
	switch (sig) {
	case SIGSEGV:
		return "SEGV";
	case SIGBUS:
		return "BUS";
	case SIGFPE:
		return "FPE";
	case SIGILL:
		return "ILL";
	case SIGABRT:
		return "ABRT";
	}
	return "signal";
}

/* The names that fit, then "... and N more" for the others. */
static void
text_victims(struct sb *b, const struct fault_report *r)
{
	size_t i;

	put(b, " (");
	for (i = 0; i < r->nlisted && fits(b, r->victims[i]); i++) {
		if (i > 0)
			put(b, ", ");
		put(b, r->victims[i]);
	}
	if (r->nvictims > i) {
		put(b, i > 0 ? ", ... and " : "... ");
		put_uint(b, r->nvictims - i, 0);
		put(b, " more");
	}
	put(b, ")");
}

static void
text_line(struct sb *b, const struct fault_report *r)
{
	put(b, " supervise: ");
	if (r->worker != NULL) {
		put(b, r->worker);
		put(b, ": ");
	}
	put(b, fault_signal_name(r->sig));
	if (r->stack_overflow)
		put(b, " (stack overflow)");
	if (r->worker != NULL)
		put(b, " in a worker thread: ");
	else if (r->own_thread)
		put(b, " in supervise's own thread: ");
	else
		put(b, " in a thread that runs no worker: ");
	if (r->nvictims == 0) {
		put(b, r->worker != NULL ? "supervise ends with it, and no "
		    "other worker" : "supervise ends with it, and no worker");
		return;
	}
	put(b, "supervise and ");
	put_uint(b, r->nvictims, 0);
	if (r->worker != NULL)
		put(b, r->nvictims == 1 ? " other worker" : " other workers");
	else
		put(b, r->nvictims == 1 ? " worker" : " workers");
	text_victims(b, r);
	put(b, " end with it");
}

static void
json_line(struct sb *b, const struct fault_report *r)
{
	size_t i;

	put(b, "\",\"event\":\"thread_fault\",\"worker\":");
	if (r->worker != NULL)
		put_json(b, r->worker);
	else
		put(b, "null");
	put(b, ",\"fault\":\"");
	put(b, fault_signal_name(r->sig));
	put(b, "\",\"stack_overflow\":");
	put(b, r->stack_overflow ? "true" : "false");
	put(b, ",\"thread\":\"");
	put(b, r->worker != NULL ? "worker" : r->own_thread ? "supervise" :
	    "other");
	put(b, "\",\"victims\":[");
	for (i = 0; i < r->nlisted && fits(b, r->victims[i]); i++) {
		if (i > 0)
			put(b, ",");
		put_json(b, r->victims[i]);
	}
	/* nvictims counts them all, listed or not. */
	put(b, "],\"nvictims\":");
	put_uint(b, r->nvictims, 0);
	put(b, "}");
}

size_t
fault_format(char *buf, size_t cap, const struct fault_report *r)
{
	struct sb b = { buf, 0, cap };
	char ts[40];

	if (cap < 2 * FAULT_LINE_TAIL)
		return 0;
	log_format_timestamp(ts, sizeof(ts), &r->now);
	if (r->json) {
		put(&b, "{\"ts\":\"");
		put(&b, ts);
		json_line(&b, r);
	} else {
		put(&b, ts);
		text_line(&b, r);
	}
	b.buf[b.len++] = '\n';
	return b.len;
}
