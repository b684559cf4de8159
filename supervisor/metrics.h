/*
 * metrics.h: supervise's metrics in the Prometheus text exposition format
 * (version 0.0.4), made from plain numbers: the encoder is pure, and the
 * daemon fills these structs from its workers (metrics_http.c).  The
 * families and their meaning are in supervise(1), METRICS.
 */
#ifndef METRICS_H
#define METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

#define METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* Why a worker's process ended, for supervise_worker_exits_total. */
enum exit_reason {
	EXIT_REASON_SUCCESS,	/* a status in success_exit */
	EXIT_REASON_FAILURE,	/* another exit status */
	EXIT_REASON_SIGNAL,	/* killed by a signal supervise did not send */
	EXIT_REASON_STOPPED,	/* ended after supervise asked it to stop */
	EXIT_REASON_START_TIMEOUT,	/* not ready within start_timeout */
	EXIT_REASON_WATCHDOG,	/* missed its watchdog */
	EXIT_REASON_SPAWN,	/* never reached exec */
	EXIT_REASON_COUNT
};

/* "success", "failure" ...: the reason label's values. */
const char *metrics_exit_reason(enum exit_reason r);

struct metrics_worker {
	const char *name;
	unsigned state;			/* index into metrics_info.states */
	bool running;			/* RUNNING */
	double start_time;		/* Unix seconds of the spawn; 0: down */
	double uptime;			/* seconds, 0 when down */
	uint64_t restarts;
	uint64_t exits[EXIT_REASON_COUNT];
	bool has_exit;			/* the last exit is known */
	int last_code;			/* -1: killed by a signal */
	int last_signal;		/* 0: exited */
	bool has_proc;			/* cpu and rss are known */
	double cpu_seconds;		/* user + system */
	uint64_t rss_bytes;
	uint64_t lines;			/* output lines captured */
	uint64_t dropped;		/* output lines dropped */
};

struct metrics_info {
	const char *version;
	const char *mode;		/* "process" or "thread" */
	const char *const *states;	/* every state's name */
	size_t nstates;
	double start_time;		/* Unix seconds supervise started */
	uint64_t reloads;		/* applied */
	uint64_t reloads_failed;	/* refused */
	uint64_t control_requests;
};

/* Append every family, HELP and TYPE first, a series per worker. */
void metrics_encode(struct pbuf *b, const struct metrics_info *info,
    const struct metrics_worker *w, size_t n);

#endif
