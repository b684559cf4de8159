/*
 * bare_loop: the baselines of the benchmarks, the least any supervisor has
 * to do.
 *	bare_loop COUNT PROGRAM [ARG...]
 * runs PROGRAM COUNT times, one after another, with nothing but fork, execv
 * and waitpid (restart latency).
 *	bare_loop -p COUNT PROGRAM [ARG...]
 * starts COUNT copies of PROGRAM at once, each with a close-on-exec pipe to
 * learn that its exec succeeded, prints the milliseconds until all have,
 * then kills and reaps them (startup).
 */
#include <sys/wait.h>

#include <err.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long
parse_count(const char *s)
{
	char *end;
	long n;

	n = strtol(s, &end, 10);
	if (*s == '\0' || *end != '\0' || n <= 0)
		errx(64, "bad count: %s", s);
	return n;
}

static void
sequential(long count, char **argv)
{
	long i;
	pid_t pid;
	int status;

	for (i = 0; i < count; i++) {
		pid = fork();
		if (pid == -1)
			err(71, "fork");
		if (pid == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) == -1)
			err(71, "waitpid");
		if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			errx(1, "%s: run %ld failed (status 0x%x)", argv[0],
			    i, status);
	}
}

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static void
parallel(long count, char **argv)
{
	struct pollfd *pfd;
	pid_t *pids;
	double t0;
	long i, left;
	int p[2];
	char c;

	if ((pfd = calloc((size_t)count, sizeof(*pfd))) == NULL ||
	    (pids = calloc((size_t)count, sizeof(*pids))) == NULL)
		err(71, "calloc");
	t0 = now_ms();
	for (i = 0; i < count; i++) {
		if (pipe2(p, O_CLOEXEC) == -1)
			err(71, "pipe2");
		pids[i] = fork();
		if (pids[i] == -1)
			err(71, "fork");
		if (pids[i] == 0) {
			execv(argv[0], argv);
			_exit(127);
		}
		close(p[1]);
		pfd[i].fd = p[0];
		pfd[i].events = POLLIN;
	}
	/* EOF on a pipe: that child's exec succeeded. */
	for (left = count; left > 0; ) {
		if (poll(pfd, (nfds_t)count, -1) == -1)
			err(71, "poll");
		for (i = 0; i < count; i++) {
			if (pfd[i].fd < 0 || pfd[i].revents == 0)
				continue;
			if (read(pfd[i].fd, &c, 1) != 0)
				errx(1, "%s: exec failed", argv[0]);
			close(pfd[i].fd);
			pfd[i].fd = -1;
			left--;
		}
	}
	printf("%.1f\n", now_ms() - t0);
	fflush(stdout);
	for (i = 0; i < count; i++)
		kill(pids[i], SIGKILL);
	for (i = 0; i < count; i++)
		waitpid(pids[i], NULL, 0);
	free(pfd);
	free(pids);
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "-p") == 0)
		parallel(parse_count(argv[2]), argv + 3);
	else if (argc >= 3 && argv[1][0] != '-')
		sequential(parse_count(argv[1]), argv + 2);
	else
		errx(64, "usage: bare_loop [-p] COUNT PROGRAM [ARG...]");
	return 0;
}
