/*
 * spawn.c: starting a worker's process (clone/exec) and everything the
 * child does before exec.  A plugin worker in process mode is forked
 * instead and does not exec: the same steps, then plugin_child()
 * (plugin.c).  host.c makes spawn_process() and
 * spawn_signal() (reap.c) the process host's spawn and signal; which
 * workers run as threads instead is host.c's choice, never this file's.
 *
 * The child is watched and reaped by reap.c; what the two share is
 * spawn.h.
 */
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "spawn.h"

extern char **environ;	/* a plugin child's is set to the worker's */


/*
 * Everything a child needs, on the parent's side: with CLONE_VM the child
 * reads it and writes its report back here before the parent resumes.
 */
struct child_args {
	struct worker *w;
	const char *path;
	char **env;
	int child_fd[2];
	gid_t *groups;
	int ngroups;
	pid_t parent;
	char *watchdog_pid;	/* "WATCHDOG_PID=" + room: the child fills it */
	plugin_main_fn *fn;	/* a plugin: forked, runs fn instead of exec */
	struct child_report report;
};


/*
 * Set once by spawn_init, read-only after: the fd of /dev/null for every
 * child's stdin, the stack children run on before exec, and the signals
 * that were ignored when supervise started (an ignored signal survives
 * exec, so children reset them).
 *
 * The slots are two fds taken as low as they come at start, below
 * fd_floor with devnull_fd: between spawns they hold /dev/null, during one
 * the worker's stdout and stderr pipes.  A child keeps only the fds below
 * fd_floor (see child_main), so it needs what it keeps to be there.
 */
static int devnull_fd = -1;
static int slot_out = -1, slot_err = -1;
static unsigned int fd_floor = 3;
#define CHILD_STACK_SIZE (64 * 1024)
static char *child_stack;
static sigset_t ignored_at_start;
static struct rlimit nofile_orig;	/* restored in children */
static const int limit_resource[LIMIT_COUNT] = {
	[LIMIT_NOFILE] = RLIMIT_NOFILE, [LIMIT_NPROC] = RLIMIT_NPROC,
	[LIMIT_CORE] = RLIMIT_CORE, [LIMIT_AS] = RLIMIT_AS,
	[LIMIT_CPU] = RLIMIT_CPU,
};

/*
 * Whether this kernel has what pidfd tracking needs: pidfd_open (5.3),
 * and waitid(P_PIDFD) (5.4), which on our own pid, not our child, fails
 * with ECHILD where it is known and EINVAL where it is not.
 */
static bool
pidfds_work(void)
{
	siginfo_t si;
	bool ok;
	int fd;

	if ((fd = pidfd_open(getpid(), 0)) == -1)
		return false;
	ok = waitid(P_PIDFD, (id_t)fd, &si, WEXITED | WNOHANG) == -1 &&
	    errno == ECHILD;
	close(fd);
	return ok;
}

/*
 * The fds this config may need at once: a pidfd and two pipes per worker
 * process, a file per output file key, the control socket's clients and
 * supervise's own.
 */
static rlim_t
fds_needed(const struct config *cfg)
{
	const struct worker_config *wc;
	rlim_t n = 300;
	size_t i;

	for (i = 0; cfg != NULL && i < cfg->nworkers; i++) {
		wc = &cfg->workers[i];
		n += (rlim_t)wc->instances * 3 +
		    (wc->out.kind == OUTPUT_FILE) + (wc->err.kind == OUTPUT_FILE);
	}
	return n;
}

void
spawn_check_nofile(const struct config *cfg)
{
	struct rlimit rl;
	rlim_t need = fds_needed(cfg);

	if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_cur == RLIM_INFINITY)
		return;
	if (rl.rlim_cur < need)
		log_warnx("open file limit %llu is below the %llu this "
		    "configuration may need (a pidfd and up to two pipes per "
		    "worker): workers may fail to start; raise the hard limit "
		    "(RLIMIT_NOFILE)", (unsigned long long)rl.rlim_cur,
		    (unsigned long long)need);
}

/*
 * Once at start: raise the soft NOFILE limit to the hard one (each worker
 * holds a pidfd and up to two pipes) and say so when even that is too
 * low, choose pidfds or SIGCHLD, become a subreaper so that orphans of
 * workers are ours to reap.
 */
int
spawn_init(struct supervisor *sv)
{
	struct spawn_state *ss;
	struct rlimit rl;
	struct sigaction sa;
	const char *no;
	int sig;

	if ((ss = calloc(1, sizeof(*ss))) == NULL)
		return -1;
	ss->nbuckets = PID_BUCKETS_MIN;
	if ((ss->bucket = calloc(ss->nbuckets, sizeof(*ss->bucket))) == NULL) {
		free(ss);
		return -1;
	}
	no = getenv("SUPERVISE_NO_PIDFD");
	ss->pidfds = (no == NULL || *no == '\0') && pidfds_work();
	sv->spawn = ss;
	log_debug("workers are reaped %s", ss->pidfds ?
	    "through pidfds" : "on SIGCHLD");
	sigemptyset(&ignored_at_start);
	for (sig = 1; sig < NSIG; sig++)
		if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
			sigaddset(&ignored_at_start, sig);
	if ((devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    (slot_out = fcntl(devnull_fd, F_DUPFD_CLOEXEC, 3)) == -1 ||
	    (slot_err = fcntl(devnull_fd, F_DUPFD_CLOEXEC, 3)) == -1)
		return -1;
	fd_floor = (unsigned int)(devnull_fd > slot_out ?
	    (devnull_fd > slot_err ? devnull_fd : slot_err) :
	    (slot_out > slot_err ? slot_out : slot_err)) + 1;
	if ((child_stack = malloc(CHILD_STACK_SIZE)) == NULL)
		return -1;
	if (getrlimit(RLIMIT_NOFILE, &nofile_orig) == 0) {
		rl = nofile_orig;
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	spawn_check_nofile(sv->cfg);
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

/* Find argv[0] in PATH, as execvp would, but in the parent. */
int
spawn_resolve(const char *cmd, const char *pathvar, char *out, size_t len)
{
	const char *p, *end;
	size_t n;

	if (strchr(cmd, '/') != NULL) {
		if ((size_t)snprintf(out, len, "%s", cmd) >= len)
			return ENAMETOOLONG;
		return 0;
	}
	if (pathvar == NULL)
		pathvar = "/usr/local/bin:/usr/bin:/bin";
	for (p = pathvar; ; p = end + 1) {
		end = strchr(p, ':');
		if (end == NULL)
			end = p + strlen(p);
		n = (size_t)(end - p);
		if (n == 0)
			snprintf(out, len, "./%s", cmd);
		else
			snprintf(out, len, "%.*s/%s", (int)n, p, cmd);
		if (access(out, X_OK) == 0)
			return 0;
		if (*end == '\0')
			break;
	}
	snprintf(out, len, "%s", cmd);
	return ENOENT;
}

static _Noreturn void
child_fail(struct child_args *a, int stage)
{
	char what[PATH_MAX + 32];

	a->report.err = errno != 0 ? errno : EIO;
	a->report.stage = stage;
	/* A forked plugin child's report never reaches the parent: say it. */
	if (a->fn != NULL)
		dprintf(STDERR_FILENO, "supervise: %s: %s: %s\n", a->w->name,
		    spawn_stage_what(a->w->exec, a->w->cfg, what, sizeof(what)),
		    strerror(a->report.err));
	_exit(127);
}

/* Decimal digits of pid into buf (room for 11), without stdio. */
static void
format_pid(char *buf, pid_t pid)
{
	char digits[12];
	int n = 0;

	do {
		digits[n++] = (char)('0' + pid % 10);
		pid /= 10;
	} while (pid > 0 && n < 11);
	while (n > 0)
		*buf++ = digits[--n];
	*buf = '\0';
}

/* Signals supervise handles itself: reset to default in every child. */
static const int handled_signals[] = { SIGTERM, SIGINT, SIGHUP, SIGUSR1,
	SIGUSR2, SIGCHLD, SIGPIPE, SIGQUIT, SIGALRM };

/*
 * The child, between clone and exec.  It shares supervise's memory
 * (CLONE_VM) and runs on its own stack while supervise waits
 * (CLONE_VFORK): it may write only to its args and its own stack, make
 * plain system calls, and must end in execve or _exit.  That is why the
 * credentials are changed with raw system calls (glibc's setuid would
 * coordinate with threads in shared memory) and users and groups were
 * resolved in the parent.  All signals stay blocked until just before
 * execve, and every disposition that could run a handler of supervise's
 * here is reset first.
 */
static int
child_main(void *arg)
{
	struct child_args *a = arg;
	struct worker_config *wc = a->w->cfg;
	struct sigaction sa;
	struct rlimit rl;
	sigset_t none;
	size_t k;
	int sig, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (k = 0; k < sizeof(handled_signals) / sizeof(handled_signals[0]);
	    k++)
		(void)sigaction(handled_signals[k], &sa, NULL);
	/* No exec to reset them for a plugin: every one, then. */
	for (sig = 1; sig < NSIG; sig++)
		if (a->fn != NULL || sigismember(&ignored_at_start, sig) == 1)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)setpgid(0, 0);
	if (a->watchdog_pid != NULL)
		format_pid(a->watchdog_pid + strlen("WATCHDOG_PID="), getpid());

	if (a->report.err != 0) {
		errno = a->report.err;
		child_fail(a, STAGE_EXEC);
	}
	/*
	 * The child was cloned sharing supervise's fd table (CLONE_FILES):
	 * copying it, as fork and vfork do, and closing the copy at exec
	 * costs a little for every fd supervise holds, three per worker, so
	 * that one spawn beside 10,000 workers cost twice one beside none.
	 * CLOSE_RANGE_UNSHARE (Linux 5.9) makes the child's own table from
	 * the fds below fd_floor only: the std fds, /dev/null and the two
	 * slots.  Before 5.9, a whole copy, closed below.
	 */
	if (close_range(fd_floor, ~0U, CLOSE_RANGE_UNSHARE) == -1 &&
	    unshare(CLONE_FILES) == -1)
		child_fail(a, STAGE_FDS);
	if (dup2(devnull_fd, STDIN_FILENO) == -1)
		child_fail(a, STAGE_FDS);
	if (a->child_fd[0] != -1 && dup2(slot_out, STDOUT_FILENO) == -1)
		child_fail(a, STAGE_FDS);
	if (a->child_fd[1] != -1 && dup2(slot_err, STDERR_FILENO) == -1)
		child_fail(a, STAGE_FDS);
	/*
	 * Everything else supervise has open (the loop's epoll and signal
	 * fds, other workers' pipes, the control socket) is closed at exec,
	 * or now for a plugin, which never execs.
	 */
	if (a->fn != NULL) {
		if (close_range(3, ~0U, 0) == -1)
			for (i = 3; i < 65536; i++)
				(void)close(i);
	} else if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		for (i = 3; i < 65536; i++)
			(void)fcntl(i, F_SETFD, FD_CLOEXEC);
	}

	if (!wc->limits[LIMIT_NOFILE].set &&
	    setrlimit(RLIMIT_NOFILE, &nofile_orig) == -1)
		child_fail(a, STAGE_RLIMIT);
	for (i = 0; i < LIMIT_COUNT; i++) {
		if (!wc->limits[i].set)
			continue;
		rl.rlim_cur = rl.rlim_max = wc->limits[i].value;
		if (setrlimit(limit_resource[i], &rl) == -1)
			child_fail(a, STAGE_RLIMIT);
	}
	if (wc->umask >= 0)
		umask((mode_t)wc->umask);
	if (wc->user != NULL || wc->group != NULL) {
		if (syscall(SYS_setgroups, wc->user != NULL ? a->ngroups : 0,
		    a->groups) == -1)
			child_fail(a, STAGE_GROUPS);
		if (syscall(SYS_setgid, wc->gid) == -1)
			child_fail(a, STAGE_SETGID);
		if (wc->user != NULL && syscall(SYS_setuid, wc->uid) == -1)
			child_fail(a, STAGE_SETUID);
	}
	if (wc->directory != NULL && chdir(wc->directory) == -1)
		child_fail(a, STAGE_CHDIR);
	/* After the credentials: setuid clears the death signal. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != a->parent) {
		errno = ESRCH;
		child_fail(a, STAGE_PARENT);
	}
	if (a->fn != NULL) {
		environ = a->env;
		plugin_child(a->w, a->fn);
	}
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(a->path, wc->argv, a->env);
	child_fail(a, STAGE_EXEC);
}

/* Back to /dev/null, so that no pipe end stays open here. */
static void
slots_clear(void)
{
	(void)dup3(devnull_fd, slot_out, O_CLOEXEC);
	(void)dup3(devnull_fd, slot_err, O_CLOEXEC);
}

/*
 * clone(CLONE_VM | CLONE_VFORK), as posix_spawn does: no page tables to
 * copy and no copy-on-write faults afterwards, which is most of what a
 * restart costs.  Under AddressSanitizer, which does not know a child on a
 * stack of our own, vfork(), which it does know.
 */
static pid_t
start_child(struct child_args *a, bool pidfds, int *pidfd)
{
	pid_t pid;

	*pidfd = -1;
	/* A plugin's child runs on in a copy of supervise: fork. */
	if (a->fn != NULL) {
		fflush(NULL);	/* no buffered output twice */
		if ((pid = fork()) == 0)
			child_main(a);
	} else {
#if defined(__SANITIZE_ADDRESS__)
		if ((pid = vfork()) == 0)
			child_main(a);
#else
		/*
		 * With a pidfd and no exit signal, which exec turns into
		 * SIGCHLD all the same (see the top of reap.c); without a
		 * pidfd if no fd is left for one, so that SIGCHLD reaps it.
		 */
		if (pidfds) {
			pid = clone(child_main, child_stack + CHILD_STACK_SIZE,
			    CLONE_VM | CLONE_VFORK | CLONE_FILES | CLONE_PIDFD,
			    a, pidfd);
			if (pid != -1 || (errno != EMFILE && errno != ENFILE))
				return pid;
			*pidfd = -1;
		}
		return clone(child_main, child_stack + CHILD_STACK_SIZE,
		    CLONE_VM | CLONE_VFORK | CLONE_FILES | SIGCHLD, a);
#endif
	}
	/* fork and vfork raise SIGCHLD too: whichever comes first reaps. */
	if (pid > 0 && pidfds)
		*pidfd = pidfd_open(pid, 0);
	return pid;
}


static int
resolve_groups(struct worker_config *wc, gid_t **groups, int *ngroups)
{
	int n = 32;
	gid_t *g;

	*groups = NULL;
	*ngroups = 0;
	if (wc->user == NULL)
		return 0;
	for (;;) {
		if ((g = calloc((size_t)n, sizeof(*g))) == NULL)
			return -1;
		if (getgrouplist(wc->user, wc->gid, g, &n) != -1)
			break;
		free(g);
	}
	*groups = g;
	*ngroups = n;
	return 0;
}

/*
 * Fork and exec w.  Returns -1 with why set when no process was made,
 * 0 when the child exists but failed before exec (it has exited; the
 * reaper reports it), 1 when it has reached exec.  Known at once: the
 * parent waits for the child's exec or exit.
 */
int
spawn_process(struct worker *w, char *why, size_t whylen)
{
	struct worker_config *wc = w->cfg;
	struct spawn_info *x = w->exec;
	struct child_args a;
	char name[WORKER_NAME_LEN + 16], inst[40], home[PATH_MAX + 8];
	char user[128], logname[128], path[PATH_MAX];
	char wdusec[48], wdpid[32] = "WATCHDOG_PID=";
	char *pre[3], *post[5] = { name, inst };
	size_t npre = 0, npost = 2;
	const char *notify;
	char **env = NULL;
	int err, ret = -1, pidfd;
	sigset_t all, old;
	pid_t pid;

	if (x == NULL) {
		if ((x = calloc(1, sizeof(*x))) == NULL) {
			snprintf(why, whylen, "%s", strerror(errno));
			return -1;
		}
		x->pidfd = -1;
		w->exec = x;
	}
	x->failed = false;
	memset(&a, 0, sizeof(a));
	a.w = w;
	a.child_fd[0] = a.child_fd[1] = -1;
	a.parent = getpid();

	snprintf(name, sizeof(name), "SUPERVISE_NAME=%s", w->name);
	snprintf(inst, sizeof(inst), "SUPERVISE_INSTANCE=%u", w->instance);
	if (wc->user != NULL) {
		snprintf(home, sizeof(home), "HOME=%s",
		    wc->home != NULL ? wc->home : "/");
		snprintf(user, sizeof(user), "USER=%s", wc->user);
		snprintf(logname, sizeof(logname), "LOGNAME=%s", wc->user);
		pre[npre++] = home;
		pre[npre++] = user;
		pre[npre++] = logname;
	}
	if (wc->ready == READY_NOTIFY || wc->watchdog_ms > 0) {
		if ((notify = ready_env(w->sv)) == NULL) {
			snprintf(why, whylen, "no notify socket");
			return -1;
		}
		post[npost++] = (char *)notify;
	}
	if (wc->watchdog_ms > 0) {
		snprintf(wdusec, sizeof(wdusec), "WATCHDOG_USEC=%lld",
		    (long long)wc->watchdog_ms * 1000);
		post[npost++] = wdusec;
		post[npost++] = wdpid;
		a.watchdog_pid = wdpid;
	}
	if ((env = env_build(w, pre, npre, post, npost)) == NULL)
		goto fail_errno;
	a.env = env;

	/* Not found: reported like an exec failure, same message and policy. */
	if (wc->plugin != NULL) {
		snprintf(path, sizeof(path), "%s", wc->plugin);
		if ((a.fn = plugin_entry(w->sv, wc->plugin)) == NULL) {
			snprintf(why, whylen, "plugin %s is not loaded",
			    wc->plugin);
			goto out;
		}
	} else
		a.report.err = spawn_resolve(wc->argv[0],
		    env_lookup(env, "PATH"), path, sizeof(path));
	a.path = path;
	free(x->path);
	if ((x->path = strdup(path)) == NULL)
		goto fail_errno;
	if (resolve_groups(wc, &a.groups, &a.ngroups) == -1)
		goto fail_errno;
	if (output_prepare(w, a.child_fd, why, whylen) == -1)
		goto out;

	/* The child finds its pipes in the slots (see child_main). */
	if ((a.child_fd[0] != -1 &&
	    dup3(a.child_fd[0], slot_out, O_CLOEXEC) == -1) ||
	    (a.child_fd[1] != -1 &&
	    dup3(a.child_fd[1], slot_err, O_CLOEXEC) == -1)) {
		err = errno;
		slots_clear();
		output_abort(w, a.child_fd);
		errno = err;
		goto fail_errno;
	}
	/* No handler of ours may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = start_child(&a, w->sv->spawn->pidfds, &pidfd);
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	slots_clear();
	if (pid == -1) {
		output_abort(w, a.child_fd);
		errno = err;
		goto fail_errno;
	}
	/* The child did this too; whichever ran first made the group. */
	(void)setpgid(pid, pid);
	w->pid = pid;
	reap_track(w, pid, pidfd);
	output_started(w, a.child_fd);
	x->failed = a.report.err != 0;
	x->report = a.report;
	ret = x->failed ? 0 : 1;
	goto out;

fail_errno:
	snprintf(why, whylen, "%s", strerror(errno));
out:
	free(a.groups);
	free(env);
	return ret;
}

const char *
spawn_stage_what(const struct spawn_info *x, const struct worker_config *wc,
    char *buf, size_t len)
{
	switch (x->report.stage) {
	case STAGE_CHDIR:
		snprintf(buf, len, "chdir %s", wc->directory);
		break;
	case STAGE_RLIMIT:
		snprintf(buf, len, "setrlimit");
		break;
	case STAGE_GROUPS:
		snprintf(buf, len, "setgroups");
		break;
	case STAGE_SETGID:
		snprintf(buf, len, "setgid %s",
		    wc->group != NULL ? wc->group : wc->user);
		break;
	case STAGE_SETUID:
		snprintf(buf, len, "setuid %s", wc->user);
		break;
	case STAGE_FDS:
		snprintf(buf, len, "dup2");
		break;
	case STAGE_PARENT:
		snprintf(buf, len, "supervise died before exec");
		break;
	default:
		snprintf(buf, len, "exec %s", x->path);
		break;
	}
	return buf;
}


void
spawn_close(struct supervisor *sv)
{
	/* What spawn_init made, so that a clean exit leaves nothing behind. */
	free(child_stack);
	child_stack = NULL;
	if (devnull_fd != -1) {
		close(devnull_fd);
		close(slot_out);
		close(slot_err);
		devnull_fd = slot_out = slot_err = -1;
	}
	if (sv->spawn == NULL)
		return;
	free(sv->spawn->bucket);
	free(sv->spawn);
	sv->spawn = NULL;
}
