/*
 * spawn.h: what spawn.c, which starts worker processes, and reap.c, which
 * reaps and signals them, share: the record a spawn leaves for the exit,
 * and the table that finds a worker by pid.  No other file includes it.
 */
#ifndef SUPERVISE_SPAWN_H
#define SUPERVISE_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <ev.h>

struct supervisor;
struct worker;
struct worker_config;

/* Where the child failed, when it never reached exec. */
enum child_stage { STAGE_EXEC, STAGE_CHDIR, STAGE_RLIMIT, STAGE_GROUPS,
	STAGE_SETGID, STAGE_SETUID, STAGE_FDS, STAGE_PARENT };

struct child_report {
	int err;
	int stage;
};

/* What the last spawn of a worker left to know at its exit. */
struct spawn_info {
	struct child_report report;
	bool failed;		/* the child never reached exec */
	char *path;		/* what was exec'd, for messages */
	struct worker *w;
	pid_t hpid;		/* the pid it is hashed under, or 0 */
	struct spawn_info *hnext;
	int pidfd;		/* -1: none (SIGCHLD reaps it) */
	ev_io io;		/* the pidfd: readable once the process exits */
};

/* sv->spawn: how workers are reaped, and their pids. */
struct spawn_state {
	bool pidfds;			/* track workers by pidfds */
	struct spawn_info **bucket;	/* pid -> spawn_info, chained */
	size_t nbuckets;		/* a power of 2 */
	size_t count;
	size_t nopidfd;			/* of those, tracked without a pidfd */
};

#define PID_BUCKETS_MIN	64

/* reap.c: find w's new process by pid, and watch its pidfd (or -1). */
void	reap_track(struct worker *w, pid_t pid, int pidfd);
/* reap.c: reaped, or never started: nothing to find or watch. */
void	reap_untrack(struct worker *w);
/* spawn.c: what the child was doing when it failed, for messages. */
const char *spawn_stage_what(const struct spawn_info *x,
	    const struct worker_config *wc, char *buf, size_t len);

#endif
