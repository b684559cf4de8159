/*
 * log.c: the event log on stderr, one line per event, as text or JSON.
 * Each line is formatted whole and written with one write(2), so lines of
 * the event log never interleave with each other.  Once the loop runs, the
 * daemon installs a writer (log_set_writer) that queues lines without
 * blocking: a stderr nobody reads must never stop supervise.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

#define LOG_LINE_MAX 2048

static enum sv_log_format log_format = LOG_TEXT;
static int log_verbosity;
static log_writer_fn *log_writer;
static void *log_writer_ctx;

static const char *const event_names[] = {
	[EV_SPAWNED] = "spawned",
	[EV_RUNNING] = "running",
	[EV_EXITED] = "exited",
	[EV_RESTARTING] = "restarting",
	[EV_FATAL] = "fatal",
	[EV_STOPPING] = "stopping",
	[EV_STOPPED] = "stopped",
	[EV_WATCHDOG] = "watchdog",
	[EV_RELOAD] = "reload",
	[EV_SHUTDOWN] = "shutdown",
	[EV_SHUTDOWN_DONE] = "shutdown",
	[EV_MESSAGE] = "message",
};

/* A bounded string builder: output past the end is dropped, never overrun. */
struct sbuf {
	char *buf;
	size_t len, cap;
};

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
sb_vprintf(struct sbuf *sb, const char *fmt, va_list ap)
{
	int n;

	if (sb->len >= sb->cap)
		return;
	n = vsnprintf(sb->buf + sb->len, sb->cap - sb->len, fmt, ap);
	if (n < 0)
		return;
	sb->len += (size_t)n;
	if (sb->len >= sb->cap)
		sb->len = sb->cap - 1;
}

static void
sb_printf(struct sbuf *sb, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sb_vprintf(sb, fmt, ap);
	va_end(ap);
}

static void
sb_json_string(struct sbuf *sb, const char *s)
{
	const unsigned char *p;

	sb_printf(sb, "\"");
	for (p = (const unsigned char *)s; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\')
			sb_printf(sb, "\\%c", *p);
		else if (*p == '\n')
			sb_printf(sb, "\\n");
		else if (*p == '\t')
			sb_printf(sb, "\\t");
		else if (*p < 0x20)
			sb_printf(sb, "\\u%04x", *p);
		else
			sb_printf(sb, "%c", *p);
	}
	sb_printf(sb, "\"");
}

void
log_init(enum sv_log_format fmt, int verbosity)
{
	log_format = fmt;
	log_verbosity = verbosity;
}

void
format_window(char *buf, size_t len, int64_t ms)
{
	if (ms % 1000 == 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else
		snprintf(buf, len, "%lldms", (long long)ms);
}

void
format_duration(char *buf, size_t len, int64_t ms)
{
	if (ms < 1000 || ms % 1000 != 0)
		snprintf(buf, len, "%lldms", (long long)ms);
	else if (ms < 60000 || ms % 60000 != 0)
		snprintf(buf, len, "%llds", (long long)(ms / 1000));
	else if (ms < 3600000 || ms % 3600000 != 0)
		snprintf(buf, len, "%lldm", (long long)(ms / 60000));
	else
		snprintf(buf, len, "%lldh", (long long)(ms / 3600000));
}

enum sv_log_format
log_get_format(void)
{
	return log_format;
}

/* The same formatter as a thread fault's line (faultline.c). */
static void
timestamp(char *buf, size_t len)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	log_format_timestamp(buf, len, &ts);
}

void
log_set_writer(log_writer_fn *fn, void *ctx)
{
	log_writer = fn;
	log_writer_ctx = ctx;
}

static void
emit(struct sbuf *sb)
{
	const char *p = sb->buf;
	size_t left;
	ssize_t n;
	int saved = errno;

	if (sb->len + 1 < sb->cap)
		sb->buf[sb->len++] = '\n';
	else
		sb->buf[sb->len - 1] = '\n';
	if (log_writer != NULL) {
		log_writer(log_writer_ctx, sb->buf, sb->len);
		errno = saved;
		return;
	}
	left = sb->len;
	while (left > 0) {
		n = write(STDERR_FILENO, p, left);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p += n;
		left -= (size_t)n;
	}
	errno = saved;
}

static void
text_event(struct sbuf *sb, const struct event *ev)
{
	char d[32];
	const char *sig;

	if (ev->worker != NULL)
		sb_printf(sb, "%s: ", ev->worker);
	switch (ev->kind) {
	case EV_SPAWNED:
		if (ev->pid > 0)
			sb_printf(sb, "spawned pid %d", (int)ev->pid);
		else
			sb_printf(sb, "spawned thread");
		break;
	case EV_RUNNING:
		sb_printf(sb, "running");
		break;
	case EV_EXITED:
		if (ev->signal != 0) {
			sig = signal_name(ev->signal);
			if (sig != NULL)
				sb_printf(sb, "killed by signal %s", sig);
			else
				sb_printf(sb, "killed by signal %d",
				    ev->signal);
		} else
			sb_printf(sb, "exited with status %d", ev->code);
		sb_printf(sb, " after %lld.%03llds",
		    (long long)(ev->uptime_ms / 1000),
		    (long long)(ev->uptime_ms % 1000));
		break;
	case EV_RESTARTING:
		format_duration(d, sizeof(d), ev->delay_ms);
		sb_printf(sb, "restarting in %s (restart %d)", d, ev->restarts);
		break;
	case EV_FATAL:
		sb_printf(sb, "fatal: %s", ev->reason);
		break;
	case EV_STOPPING:
		sig = signal_name(ev->signal);
		if (sig != NULL)
			sb_printf(sb, "stopping (%s)", sig);
		else
			sb_printf(sb, "stopping (%d)", ev->signal);
		break;
	case EV_STOPPED:
		sb_printf(sb, "stopped");
		break;
	case EV_WATCHDOG:
		sb_printf(sb, "watchdog timeout");
		break;
	case EV_RELOAD:
		sb_printf(sb, "reloaded: +%d -%d ~%d", ev->added, ev->removed,
		    ev->changed);
		break;
	case EV_SHUTDOWN:
		sb_printf(sb, "shutting down");
		break;
	case EV_SHUTDOWN_DONE:
		sb_printf(sb, "shutdown complete");
		break;
	case EV_MESSAGE:
		sb_printf(sb, "%s", ev->reason);
		break;
	}
}

static void
json_event(struct sbuf *sb, const struct event *ev)
{
	const char *sig;

	sb_printf(sb, ",\"event\":\"%s\"", event_names[ev->kind]);
	if (ev->worker != NULL) {
		sb_printf(sb, ",\"worker\":");
		sb_json_string(sb, ev->worker);
	} else
		sb_printf(sb, ",\"worker\":null");
	if (ev->pid > 0)
		sb_printf(sb, ",\"pid\":%d", (int)ev->pid);
	if (ev->code >= 0)
		sb_printf(sb, ",\"code\":%d", ev->code);
	if (ev->signal != 0) {
		sig = signal_name(ev->signal);
		if (sig != NULL)
			sb_printf(sb, ",\"signal\":\"%s\"", sig);
		else
			sb_printf(sb, ",\"signal\":\"%d\"", ev->signal);
	}
	if (ev->uptime_ms >= 0)
		sb_printf(sb, ",\"uptime_ms\":%lld", (long long)ev->uptime_ms);
	if (ev->delay_ms >= 0)
		sb_printf(sb, ",\"delay_ms\":%lld", (long long)ev->delay_ms);
	if (ev->restarts >= 0)
		sb_printf(sb, ",\"restarts\":%d", ev->restarts);
	if (ev->kind == EV_RELOAD)
		sb_printf(sb, ",\"added\":%d,\"removed\":%d,\"changed\":%d",
		    ev->added, ev->removed, ev->changed);
	if (ev->kind == EV_SHUTDOWN)
		sb_printf(sb, ",\"reason\":\"begin\"");
	else if (ev->kind == EV_SHUTDOWN_DONE)
		sb_printf(sb, ",\"reason\":\"complete\"");
	else if (ev->reason != NULL) {
		sb_printf(sb, ",\"reason\":");
		sb_json_string(sb, ev->reason);
	}
}

void
log_event(const struct event *ev)
{
	char buf[LOG_LINE_MAX], ts[40];
	struct sbuf sb = { buf, 0, sizeof(buf) };

	if (log_verbosity < 0 &&
	    (ev->kind == EV_SPAWNED || ev->kind == EV_RUNNING))
		return;
	timestamp(ts, sizeof(ts));
	if (log_format == LOG_JSON) {
		sb_printf(&sb, "{\"ts\":\"%s\"", ts);
		json_event(&sb, ev);
		sb_printf(&sb, "}");
	} else {
		sb_printf(&sb, "%s supervise: ", ts);
		text_event(&sb, ev);
	}
	emit(&sb);
}

static void
log_vmessage(const char *fmt, va_list ap)
{
	char msg[LOG_LINE_MAX - 128];
	struct event ev = EVENT_INIT(EV_MESSAGE, NULL);

	vsnprintf(msg, sizeof(msg), fmt, ap);
	ev.reason = msg;
	log_event(&ev);
}

void
log_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmessage(fmt, ap);
	va_end(ap);
}

void
log_debug(const char *fmt, ...)
{
	va_list ap;

	if (log_verbosity <= 0)
		return;
	va_start(ap, fmt);
	log_vmessage(fmt, ap);
	va_end(ap);
}
