/*
 * bench_stamp: the tiny worker of the restart latency benchmark.  It appends
 * "start T" when main() begins and "exit T" just before _exit(), T being
 * CLOCK_MONOTONIC in nanoseconds, to the file named by its argument, then
 * exits at once.  The gap between an "exit" line and the next "start" line is
 * the time from one run's end to the next one's exec, whoever restarts it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static void
stamp(int fd, const char *what)
{
	struct timespec ts;
	char line[64];
	int n;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	n = snprintf(line, sizeof(line), "%s %lld\n", what,
	    (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec);
	/* One write(2) on an O_APPEND fd: the line lands whole. */
	if (write(fd, line, (size_t)n) != n)
		_exit(1);
}

int
main(int argc, char **argv)
{
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: bench_stamp FILE\n");
		return 64;
	}
	fd = open(argv[1], O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		_exit(1);
	stamp(fd, "start");
	stamp(fd, "exit");
	_exit(0);
}
