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
 *	bare_loop -s COUNT PROGRAM [ARG...]
 * the same with posix_spawn(3), which glibc does with clone(CLONE_VM |
 * CLONE_VFORK) and which returns once the child has exec'd: the fairer
 * floor of a supervisor that spawns the same way.
 *	bare_loop -i IDLE COUNT PROGRAM [ARG...]
 * first starts IDLE children that only wait to be killed (sleep(1), as
 * the idle workers of scale.sh are, each a process image of its own),
 * then runs PROGRAM COUNT times as the first form does but reaps with
 * waitpid(-1), which walks every child of the caller: the naive floor of
 * restart latency with many idle workers beside the one that restarts.
 *	bare_loop -I IDLE COUNT PROGRAM [ARG...]
 * the same, but reaps the one child it waits for by its pid, which the
 * kernel finds without a walk (Linux 5.14 and later), as waiting on a
 * pidfd does: the fair floor of a supervisor that tracks workers by pidfd.
 *	bare_loop -P IDLE COUNT PROGRAM [ARG...]
 * the same, holding a pidfd for each child as such a supervisor does: one
 * for every idle child, and for the one that restarts a new one each run
 * (pidfd_open), polled for its exit and reaped with waitid(P_PIDFD).
 * What the kernel's pidfds cost beside IDLE others is in this floor too.
 */
#include <sys/pidfd.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
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

extern char **environ;

/* PROGRAM, forked and exec'd. */
static pid_t
start(char **argv)
{
	pid_t pid = fork();

	if (pid == -1)
		err(71, "fork");
	if (pid == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return pid;
}

/*
 * PROGRAM count times, one after another, each waited for with
 * waitpid(-1) (any), by its pid, or on a pidfd of its own (pidfd).
 */
static void
sequential(long count, char **argv, bool any, bool pidfd)
{
	struct pollfd pfd = { .events = POLLIN };
	siginfo_t si;
	long i;
	pid_t pid;
	int status;

	for (i = 0; i < count; i++) {
		pid = start(argv);
		if (pidfd) {
			if ((pfd.fd = pidfd_open(pid, 0)) == -1)
				err(71, "pidfd_open");
			while (poll(&pfd, 1, -1) == -1)
				if (errno != EINTR)
					err(71, "poll");
			memset(&si, 0, sizeof(si));
			if (waitid(P_PIDFD, (id_t)pfd.fd, &si, WEXITED) == -1)
				err(71, "waitid");
			close(pfd.fd);
			status = si.si_code == CLD_EXITED ? si.si_status << 8 :
			    si.si_status;
		} else if (waitpid(any ? -1 : pid, &status, 0) != pid)
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

/* Every child's fd is kept at once: as many as the hard limit allows. */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
}

static void
kill_all(pid_t *pids, long count)
{
	long i;

	for (i = 0; i < count; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGKILL);
	for (i = 0; i < count; i++)
		if (pids[i] > 0)
			waitpid(pids[i], NULL, 0);
}

static void
parallel(long count, char **argv)
{
	pid_t *pids;
	int *fds;
	double t0;
	long i;
	int p[2];
	char c;

	raise_nofile();
	if ((fds = calloc((size_t)count, sizeof(*fds))) == NULL ||
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
		fds[i] = p[0];
	}
	/* EOF on a pipe: that child's exec succeeded.  All must; in order. */
	for (i = 0; i < count; i++) {
		if (read(fds[i], &c, 1) != 0)
			errx(1, "%s: exec failed", argv[0]);
		close(fds[i]);
	}
	printf("%.1f\n", now_ms() - t0);
	fflush(stdout);
	kill_all(pids, count);
	free(fds);
	free(pids);
}

static void
spawned(long count, char **argv)
{
	pid_t *pids;
	double t0;
	long i;
	int e;

	if ((pids = calloc((size_t)count, sizeof(*pids))) == NULL)
		err(71, "calloc");
	t0 = now_ms();
	for (i = 0; i < count; i++) {
		/* Returns once the child has exec'd, or with its error. */
		if ((e = posix_spawn(&pids[i], argv[0], NULL, NULL, argv,
		    environ)) != 0) {
			errno = e;
			err(1, "posix_spawn %s", argv[0]);
		}
	}
	printf("%.1f\n", now_ms() - t0);
	fflush(stdout);
	kill_all(pids, count);
	free(pids);
}

/* how: 'i' waitpid(-1), 'I' waitpid(pid), 'P' pidfds (see the top). */
static void
with_idle(long idle, long count, char **argv, char how)
{
	pid_t *pids;
	int *fds = NULL;
	long i;

	if ((pids = calloc((size_t)idle + 1, sizeof(*pids))) == NULL ||
	    (how == 'P' && (fds = calloc((size_t)idle + 1,
	    sizeof(*fds))) == NULL))
		err(71, "calloc");
	if (how == 'P')
		raise_nofile();
	for (i = 0; i < idle; i++) {
		if ((pids[i] = fork()) == -1)
			err(71, "fork");
		if (pids[i] == 0) {
			execlp("sleep", "sleep", "100000", (char *)NULL);
			for (;;)
				pause();	/* no sleep(1) to run */
		}
		if (how == 'P' && (fds[i] = pidfd_open(pids[i], 0)) == -1)
			err(71, "pidfd_open");
	}
	sequential(count, argv, how == 'i', how == 'P');
	kill_all(pids, idle);
	for (i = 0; how == 'P' && i < idle; i++)
		close(fds[i]);
	free(fds);
	free(pids);
}

int
main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "-p") == 0)
		parallel(parse_count(argv[2]), argv + 3);
	else if (argc >= 4 && strcmp(argv[1], "-s") == 0)
		spawned(parse_count(argv[2]), argv + 3);
	else if (argc >= 5 && (strcmp(argv[1], "-i") == 0 ||
	    strcmp(argv[1], "-I") == 0 || strcmp(argv[1], "-P") == 0))
		with_idle(strcmp(argv[2], "0") == 0 ? 0 : parse_count(argv[2]),
		    parse_count(argv[3]), argv + 4, argv[1][1]);
	else if (argc >= 3 && argv[1][0] != '-')
		sequential(parse_count(argv[1]), argv + 2, false, false);
	else
		errx(64, "usage: bare_loop [-p | -s] COUNT PROGRAM [ARG...]\n"
		    "       bare_loop -i | -I | -P IDLE COUNT PROGRAM [ARG...]");
	return 0;
}
