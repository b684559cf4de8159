/*
 * reap.c: the one place where worker processes are reaped, and where
 * they are signalled; see spawn.c for how they are started.
 *
 * supervise runs its own loop (ev_loop_new), not libev's default
 * loop, whose built-in SIGCHLD watcher reaps with waitpid(-1) before any
 * callback of ours runs.  Each worker process is tracked by a pidfd, made
 * by the clone that spawns it (CLONE_PIDFD), and watched by an ev_io: it
 * becomes readable when that process exits, so an exit names its worker
 * directly and costs the same whatever the number of workers.  It is
 * waited for with waitid(P_PIDFD, __WALL), which touches that child only.
 * waitid(P_ALL) and waitpid(-1) walk every child of the caller: with
 * 10,000 workers, each reap would cost as much as a restart.
 *
 * Exec gives every child SIGCHLD as its exit signal, whatever clone
 * asked for, so each exit raises SIGCHLD all the same.  It matters for
 * orphans adopted as PID 1 or as subreaper, hooks, and workers without a
 * pidfd (fork()ed plugin children whose pidfd_open failed, the fd limit
 * reached, or kernels without pidfds: before 5.4, or SUPERVISE_NO_PIDFD
 * set, see supervise(1)).  spawn_reap() then asks waitid(P_ALL, WNOWAIT)
 * for each dead child and finds its worker, if any, by pid in a hash.
 * That walk is done at once only while a hook or a worker without a
 * pidfd is running (spawn_sigchld_urgent); otherwise main.c defers it,
 * so that a storm of exits seen on pidfds costs one walk, not one each.
 *
 * Either way a worker is reaped in reap_worker() only, and in two steps:
 * first seen dead without being reaped (WNOWAIT); while it is an unreaped
 * zombie its pid, and so its process group id, cannot be reused, which
 * makes the KILL to what is left of the group safe.  Only then is it
 * reaped, its watcher stopped and its pidfd closed (a reaped process's
 * pidfd stays readable for ever).  The invariant, kept here and in
 * spawn_signal(): w->pid is > 1 exactly while that pid is ours and
 * unreaped, so no signal ever goes to a reaped pid or an emptied group.
 */
#include <sys/pidfd.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "daemon.h"
#include "spawn.h"

static size_t
pid_slot(const struct spawn_state *ss, pid_t pid)
{
	return ((uint32_t)pid * 2654435761u) & (ss->nbuckets - 1);
}

/* Twice the buckets, when there are more entries than buckets. */
static void
pid_grow(struct spawn_state *ss)
{
	struct spawn_info **old = ss->bucket, *x, *next;
	size_t n = ss->nbuckets, i, k;

	if ((ss->bucket = calloc(n * 2, sizeof(*ss->bucket))) == NULL) {
		ss->bucket = old;	/* longer chains, still correct */
		return;
	}
	ss->nbuckets = n * 2;
	for (i = 0; i < n; i++) {
		for (x = old[i]; x != NULL; x = next) {
			next = x->hnext;
			k = pid_slot(ss, x->hpid);
			x->hnext = ss->bucket[k];
			ss->bucket[k] = x;
		}
	}
	free(old);
}

static void
pid_insert(struct spawn_state *ss, struct spawn_info *x, pid_t pid)
{
	size_t k;

	if (ss->count >= ss->nbuckets)
		pid_grow(ss);
	k = pid_slot(ss, pid);
	x->hpid = pid;
	x->hnext = ss->bucket[k];
	ss->bucket[k] = x;
	ss->count++;
}

static void
pid_remove(struct spawn_state *ss, struct spawn_info *x)
{
	struct spawn_info **pp;

	if (x->hpid == 0)
		return;
	for (pp = &ss->bucket[pid_slot(ss, x->hpid)]; *pp != NULL;
	    pp = &(*pp)->hnext) {
		if (*pp == x) {
			*pp = x->hnext;
			ss->count--;
			break;
		}
	}
	x->hpid = 0;
	x->hnext = NULL;
}

struct worker *
spawn_find_pid(struct supervisor *sv, pid_t pid)
{
	struct spawn_state *ss = sv->spawn;
	struct spawn_info *x;

	if (pid <= 1 || ss == NULL)
		return NULL;
	for (x = ss->bucket[pid_slot(ss, pid)]; x != NULL; x = x->hnext)
		if (x->hpid == pid)
			return x->w;
	return NULL;
}

static void	pidfd_cb(struct ev_loop *, ev_io *, int);

void
reap_track(struct worker *w, pid_t pid, int pidfd)
{
	struct spawn_info *x = w->exec;
	int fd;

	/* Never on fd 0-2 (main() keeps them open; this is the guard). */
	if (pidfd >= 0 && pidfd <= 2) {
		fd = fcntl(pidfd, F_DUPFD_CLOEXEC, 3);
		close(pidfd);
		pidfd = fd;
	}
	x->w = w;
	x->pidfd = pidfd;
	pid_insert(w->sv->spawn, x, pid);
	if (pidfd < 0)
		w->sv->spawn->nopidfd++;
	if (pidfd >= 0) {
		ev_io_init(&x->io, pidfd_cb, pidfd, EV_READ);
		/* Restart latency before status replies and output. */
		ev_set_priority(&x->io, EV_MAXPRI);
		ev_io_start(w->sv->loop, &x->io);
	}
}

/* No pidfd to watch once reaped: it would stay readable for ever. */
void
reap_untrack(struct worker *w)
{
	struct spawn_info *x = w->exec;

	if (x == NULL)
		return;
	if (x->hpid != 0 && x->pidfd < 0)
		w->sv->spawn->nopidfd--;
	pid_remove(w->sv->spawn, x);
	if (x->pidfd >= 0) {
		ev_io_stop(w->sv->loop, &x->io);
		close(x->pidfd);
		x->pidfd = -1;
	}
}

/* The wait status of a child from waitid's report of it. */
static int
wstatus_of(const siginfo_t *si)
{
	switch (si->si_code) {
	case CLD_EXITED:
		return (si->si_status & 0xff) << 8;
	case CLD_DUMPED:
		return (si->si_status & 0x7f) | 0x80;
	default:
		return si->si_status & 0x7f;
	}
}

/*
 * w's process is dead and not yet reaped: kill what is left of its group
 * while the leader is still an unreaped zombie, reap it, stop tracking
 * it, drain its output, then let the state machine decide.
 */
static void
reap_worker(struct worker *w)
{
	struct spawn_info *x = w->exec;
	char what[PATH_MAX + 32];
	siginfo_t si;
	int status = 0, err = 0;
	pid_t pid = w->pid;

	if (pid > 1)
		(void)kill(-pid, SIGKILL);
	if (x->pidfd >= 0) {
		memset(&si, 0, sizeof(si));
		while (waitid(P_PIDFD, (id_t)x->pidfd, &si, WEXITED | __WALL) ==
		    -1 && errno == EINTR)
			;
		status = wstatus_of(&si);
	} else
		while (waitpid(pid, &status, __WALL) == -1 && errno == EINTR)
			;
	reap_untrack(w);
	if (x->failed)
		err = x->report.err;
	output_drain(w);
	record_exit(w, status, err);
	hook_exited(w, status);
	worker_exited(w, status, err,
	    err != 0 ? spawn_stage_what(x, w->cfg, what, sizeof(what)) : NULL);
	record_decision(w);
}

/* A worker's pidfd is readable: its process has exited. */
static void
pidfd_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct spawn_info *x = container_of(io, struct spawn_info, io);
	siginfo_t si;

	(void)loop;
	(void)revents;
	memset(&si, 0, sizeof(si));
	if (waitid(P_PIDFD, (id_t)x->pidfd, &si,
	    WEXITED | WNOHANG | WNOWAIT | __WALL) == -1) {
		if (errno == EINTR)
			return;		/* still readable: called again */
		/* Not ours to wait for any more: nothing will come of it. */
		log_warnx("%s: waitid: %s; taking it as exited", x->w->name,
		    strerror(errno));
		reap_untrack(x->w);
		worker_exited(x->w, 0, 0, NULL);
		return;
	}
	if (si.si_pid != 0)
		reap_worker(x->w);
}

/*
 * Whether a SIGCHLD may be the exit of a child that only SIGCHLD reports:
 * a worker without a pidfd, or a hook.  Otherwise it is a worker's, seen
 * on its pidfd too, or an orphan's, which can wait for a later walk.
 */
bool
spawn_sigchld_urgent(struct supervisor *sv)
{
	struct spawn_state *ss = sv->spawn;

	return ss == NULL || !ss->pidfds || ss->nopidfd > 0 ||
	    hook_running(sv);
}

/*
 * On SIGCHLD: reap each dead child that raised it.  A worker (one without
 * a pidfd, or one whose exit the walk finds before its pidfd's turn: exec
 * gives every child SIGCHLD) is found by pid and reaped as on its pidfd;
 * anything else is an orphan adopted as PID 1 or as subreaper, and just
 * reaped.
 *
 * At most SPAWN_REAP_MAX per call: each reap may spawn a restart, and
 * workers that crash faster than a round of restarts takes would keep
 * this loop going for ever, with the control socket, output and signals
 * (TERM included) never served.
 */
bool
spawn_reap(struct supervisor *sv)
{
	struct worker *w;
	siginfo_t si;
	int status, n;
	pid_t pid;

	for (n = 0; ; n++) {
		if (n == SPAWN_REAP_MAX)
			return true;
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: none left */
		}
		if (si.si_pid == 0)
			break;
		pid = si.si_pid;
		if ((w = spawn_find_pid(sv, pid)) != NULL) {
			reap_worker(w);
			continue;
		}
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		/* A hook (hook.c), now reaped; or an orphan, and nothing more. */
		(void)hook_reaped(sv, pid, status);
	}
	return false;
}

/*
 * Signal a worker's process group.  w->pid > 1 only while the pid is ours
 * and unreaped (see the top of this file), so the group's id cannot have
 * been reused.  The worker's own process is reached through its pidfd if
 * it left the group (or the group is gone): never a recycled pid.
 */
void
spawn_signal(struct worker *w, int sig)
{
	if (w->pid <= 1)
		return;
	if (kill(-w->pid, sig) == -1 || getpgid(w->pid) != w->pid)
		(void)spawn_signal_pid(w, sig);
}

/* Signal the worker's own process, by its pidfd when it has one. */
int
spawn_signal_pid(struct worker *w, int sig)
{
	struct spawn_info *x = w->exec;

	if (w->pid <= 1) {
		errno = ESRCH;
		return -1;
	}
	if (x != NULL && x->pidfd >= 0)
		return pidfd_send_signal(x->pidfd, sig, NULL, 0);
	return kill(w->pid, sig);
}

void
spawn_free(struct worker *w)
{
	if (w->exec == NULL)
		return;
	reap_untrack(w);
	free(w->exec->path);
	free(w->exec);
	w->exec = NULL;
}
