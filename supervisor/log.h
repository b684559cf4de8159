/*
 * log.h: the event log on stderr (log.c), text or JSON as supervise(1)
 * describes under EVENT LOG.
 */
#ifndef SUPERVISE_LOG_H
#define SUPERVISE_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "config.h"

enum event_kind {
	EV_SPAWNED, EV_RUNNING, EV_EXITED, EV_RESTARTING, EV_FATAL,
	EV_STOPPING, EV_STOPPED, EV_WATCHDOG, EV_RELOAD, EV_SHUTDOWN,
	EV_SHUTDOWN_DONE, EV_MESSAGE,
};

struct event {
	enum event_kind kind;
	const char *worker;	/* NULL for supervisor-wide events */
	pid_t pid;		/* 0: absent */
	int code;		/* exit status, -1: absent */
	int signal;		/* 0: absent */
	int64_t uptime_ms;	/* -1: absent */
	int64_t delay_ms;	/* -1: absent */
	int restarts;		/* -1: absent */
	const char *reason;	/* NULL: absent */
	int added, removed, changed;	/* EV_RELOAD */
};

/*
 * An event of kind k about the worker named name (NULL: supervisor-wide),
 * every other field absent; set what applies after.
 */
#define EVENT_INIT(k, name) { .kind = (k), .worker = (name), .pid = 0, \
	.code = -1, .signal = 0, .uptime_ms = -1, .delay_ms = -1, \
	.restarts = -1, .reason = NULL }

void log_init(enum sv_log_format fmt, int verbosity);
/*
 * Where lines go once the loop runs: each complete line, newline
 * included, is handed to fn, which must not block (sink_std.c queues it).
 * NULL: written to stderr directly, as before the loop.
 */
typedef void log_writer_fn(void *ctx, const char *line, size_t len);
void log_set_writer(log_writer_fn *fn, void *ctx);
void log_event(const struct event *ev);
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "200ms", "2s", "1m30s": how durations appear in the event log. */
void format_duration(char *buf, size_t len, int64_t ms);
enum sv_log_format log_get_format(void);
/*
 * ts as the event log writes it, 2026-01-31T12:00:00.000Z, NUL-terminated;
 * returns its length.  Async-signal-safe (faultline.c).
 */
size_t log_format_timestamp(char *buf, size_t cap, const struct timespec *ts);

/* faultline.c: what the event-log line of a thread-mode fault says. */
struct fault_report {
	struct timespec now;
	bool json;			/* log_format = json */
	int sig;			/* SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT */
	bool stack_overflow;		/* SIGSEGV at the thread's stack guard */
	const char *worker;		/* the faulting worker, or NULL */
	bool own_thread;		/* worker NULL: in supervise's thread */
	const char *const *victims;	/* the other workers' names */
	size_t nlisted;			/* entries in victims */
	size_t nvictims;		/* how many others run, listed or not */
};
/*
 * The line, newline-terminated, into buf (at least 192 bytes); returns its
 * length.  Names that do not fit are counted, not listed.  Uses no stdio,
 * lock or allocation: a signal handler may call it.
 */
size_t fault_format(char *buf, size_t cap, const struct fault_report *r);
const char *fault_signal_name(int sig);	/* "SEGV" ... */
/* A restart window as messages show it: "60s", or "500ms". */
void format_window(char *buf, size_t len, int64_t ms);

#endif
