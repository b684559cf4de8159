/*
 * log.h: the event log on stderr (log.c), text or JSON as supervise(1)
 * describes under EVENT LOG.
 */
#ifndef SUPERVISE_LOG_H
#define SUPERVISE_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

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

void log_init(enum sv_log_format fmt, int verbosity);
void log_event(const struct event *ev);
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "200ms", "2s", "1m30s": how durations appear in the event log. */
void format_duration(char *buf, size_t len, int64_t ms);

#endif
