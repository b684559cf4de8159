/*
 * seed.so: the plugin behind bench/seed_table.sh, one experiment per
 * claim of the threads-against-processes table, chosen by args' first
 * word.  The same plugin runs under `supervise -m thread` and `-m
 * process`; where a claim is about sharing, the thread-mode code path
 * uses the plugin's globals (which every instance in supervise's process
 * shares) and the process-mode path what a process has to use instead
 * (a MAP_SHARED file, a Unix socket).
 *
 * Every experiment reports one line through sv_worker_log():
 *	seed EXPERIMENT FIGURES...
 * then waits for its stop (so that supervise neither restarts it nor
 * exits under the script), except hang, which never looks at it again.
 * Every wait of its own is bounded.
 */
#ifndef SEED_H
#define SEED_H

#include <supervise/worker.h>

/* CLOCK_MONOTONIC, the same clock in every process of the machine. */
long long seed_now_ns(void);
/* The instance number: N of `NAME:N`, 0 for a single instance. */
int seed_instance(struct sv_worker *w);
/* Report, then wait for the stop. */
int seed_done(struct sv_worker *w, const char *fmt, ...)
    SV_WORKER_PRINTF(2, 3);

/* seed_shared.c: the experiments about shared state. */
int seed_global(struct sv_worker *w, int argc, char **argv);
int seed_scribble(struct sv_worker *w, int argc, char **argv);
int seed_counter(struct sv_worker *w, int argc, char **argv);
int seed_deadlock(struct sv_worker *w, int argc, char **argv);
int seed_pingpong(struct sv_worker *w, int argc, char **argv);

/* seed_echo.c: a request/reply server on a Unix or TCP socket. */
int seed_echo(struct sv_worker *w, int argc, char **argv);

#endif
