/*
 * bench_ping.so: a plugin worker that sends READY=1, then COUNT heartbeats
 * as fast as the host takes them, and logs how long they took:
 *	ping: COUNT messages in NS ns
 * then returns 0.  args = COUNT (default 100000).
 */
#include <stdlib.h>
#include <time.h>

#include <supervise/worker.h>

SUPERVISE_WORKER_DECLARE;

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 100000;
	long long t0;
	long i;

	sv_worker_ready(w);
	t0 = now_ns();
	for (i = 0; i < count && !sv_worker_should_stop(w); i++)
		sv_worker_heartbeat(w);
	sv_worker_log(w, "ping: %ld messages in %lld ns", i, now_ns() - t0);
	/* Wait to be stopped: the bench reads the log, then stops it. */
	while (!sv_worker_should_stop(w))
		sv_worker_sleep(w, 60000);
	return 0;
}
