/*
 * ticker.so: a clock for a supervised system.  Every INTERVAL milliseconds
 * (default 1000) it logs `tick N` and sends a heartbeat, so that with
 * `ready = notify` and `watchdog` set supervise knows it is alive; it is
 * ready at once.  Stop it and it says how many ticks it made.
 *
 *	[worker:ticker]
 *	plugin = ticker.so
 *	args = 500
 *	ready = notify
 *	watchdog = 2s
 *
 * The same in both modes of supervise: all its state is on its stack, so
 * several instances may share one process (see supervise-worker(3)).
 */
#include <stdlib.h>

#include <supervise/worker.h>

SUPERVISE_WORKER_DECLARE;

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	unsigned long every = 1000, n = 0;
	char *end;

	if (argc > 1) {
		every = strtoul(argv[1], &end, 10);
		if (*argv[1] == '\0' || *end != '\0' || every == 0 ||
		    every > 86400000) {
			sv_worker_log(w, "ticker: INTERVAL is milliseconds, "
			    "1 to 86400000, not %s", argv[1]);
			return 64;
		}
	}
	sv_worker_ready(w);
	while (!sv_worker_should_stop(w)) {
		sv_worker_log(w, "tick %lu", ++n);
		sv_worker_heartbeat(w);
		sv_worker_sleep(w, (unsigned)every);
	}
	sv_worker_log(w, "ticker: stopped after %lu ticks", n);
	return 0;
}
