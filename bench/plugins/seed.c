/*
 * seed.so's entry point and its experiments about the CPU (see seed.h):
 *	duty WORK_US WAIT_MS DURATION_MS
 *		compute WORK_US of CPU time, wait WAIT_MS, repeat for
 *		DURATION_MS: `seed duty UNITS CPU_NS WALL_NS`
 *	spin ITERATIONS
 *		a fixed amount of arithmetic (0: until stopped):
 *		`seed spin T0_NS T1_NS ITERATIONS CPU_NS`
 *	hang	ready, then blocks for good, never looking at the stop
 *		request (a thread cannot be made to return; a process can be
 *		killed)
 *	idle	ready, then sleeps until stopped
 * plus those of seed_shared.c and seed_echo.c.
 */
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seed.h"

SUPERVISE_WORKER_DECLARE;

long long
seed_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long
thread_cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
seed_instance(struct sv_worker *w)
{
	const char *colon = strrchr(sv_worker_name(w), ':');

	return colon != NULL ? atoi(colon + 1) : 0;
}

int
seed_done(struct sv_worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	sv_worker_vlog(w, fmt, ap);
	va_end(ap);
	while (!sv_worker_should_stop(w))
		sv_worker_sleep(w, 60000);
	return 0;
}

/* Arithmetic the compiler cannot drop: a xorshift chain. */
static uint64_t
crunch(uint64_t x, long n)
{
	long i;

	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
	}
	return x;
}

static volatile uint64_t sink;

static int
seed_duty(struct sv_worker *w, int argc, char **argv)
{
	long long work_ns, wait_ms, dur_ns, t0, c0, c;
	long units = 0;
	uint64_t x = 88172645463325252ULL;

	if (argc < 5)
		return 64;
	work_ns = atoll(argv[2]) * 1000;
	wait_ms = atoll(argv[3]);
	dur_ns = atoll(argv[4]) * 1000000;
	sv_worker_ready(w);
	t0 = seed_now_ns();
	c0 = thread_cpu_ns();
	while (seed_now_ns() - t0 < dur_ns && !sv_worker_should_stop(w)) {
		c = thread_cpu_ns();
		while (thread_cpu_ns() - c < work_ns)
			x = crunch(x, 2000);
		units++;
		sv_worker_sleep(w, (unsigned)wait_ms);
	}
	sink = x;
	return seed_done(w, "seed duty %ld %lld %lld", units,
	    thread_cpu_ns() - c0, seed_now_ns() - t0);
}

static int
seed_spin(struct sv_worker *w, int argc, char **argv)
{
	long n = argc > 2 ? atol(argv[2]) : 0, done = 0;
	long long t0, c0;
	uint64_t x = 88172645463325252ULL;

	sv_worker_ready(w);
	t0 = seed_now_ns();
	c0 = thread_cpu_ns();
	while ((n == 0 || done < n) && !sv_worker_should_stop(w)) {
		x = crunch(x, 100000);
		done += 100000;
	}
	sink = x;
	return seed_done(w, "seed spin %lld %lld %ld %lld", t0, seed_now_ns(),
	    done, thread_cpu_ns() - c0);
}

static __attribute__((noreturn)) int
seed_hang(struct sv_worker *w)
{
	sv_worker_ready(w);
	/*
	 * In process mode the stop signal's handler interrupts pause();
	 * in thread mode every signal is blocked.  Either way it goes on.
	 */
	for (;;)
		pause();
}

static int
seed_idle(struct sv_worker *w)
{
	sv_worker_ready(w);
	while (!sv_worker_should_stop(w))
		sv_worker_sleep(w, 60000);
	return 0;
}

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	const char *what = argc > 1 ? argv[1] : "";

	if (strcmp(what, "duty") == 0)
		return seed_duty(w, argc, argv);
	if (strcmp(what, "spin") == 0)
		return seed_spin(w, argc, argv);
	if (strcmp(what, "hang") == 0)
		return seed_hang(w);
	if (strcmp(what, "idle") == 0)
		return seed_idle(w);
	if (strcmp(what, "echo") == 0)
		return seed_echo(w, argc, argv);
	if (strcmp(what, "global") == 0)
		return seed_global(w, argc, argv);
	if (strcmp(what, "scribble") == 0)
		return seed_scribble(w, argc, argv);
	if (strcmp(what, "counter") == 0)
		return seed_counter(w, argc, argv);
	if (strcmp(what, "deadlock") == 0)
		return seed_deadlock(w, argc, argv);
	if (strcmp(what, "pingpong") == 0)
		return seed_pingpong(w, argc, argv);
	sv_worker_log(w, "seed: unknown experiment \"%s\"", what);
	return 64;
}
