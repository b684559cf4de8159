/* A fake host for the worker state machine: a clock, spawn and timers. */
#ifndef FAKE_HOST_H
#define FAKE_HOST_H

#include "daemon.h"

struct fake_host {
	int64_t now;
	pid_t next_pid;
	int spawns;
	int spawn_fail;		/* next spawns fail */
	int signals[16];	/* the signals sent, in order */
	int nsignals;
	int64_t deadline[8];	/* per worker index: timer, or -1 */
	int64_t watchdog[8];	/* per worker index: watchdog, or -1 */
	int changes;
	int gave_up;
};

extern struct fake_host fake;
/* The host the tests give struct supervisor (sv.host) before worker_new. */
extern const struct worker_host fake_worker_host;

void fake_reset(void);
/* Advance the clock to w's timer and fire it. */
void fake_fire(struct worker *w);

#endif
