/*
 * spawn.c: fork/exec of a worker, everything the child does before exec,
 * and the one place where children are reaped.
 *
 * Reaping: supervise runs its own loop (ev_loop_new), not libev's default
 * loop, whose built-in SIGCHLD watcher reaps with waitpid(-1) before any
 * callback of ours runs.  On SIGCHLD, spawn_reap() asks waitid(WNOWAIT)
 * for a dead child without reaping it: while the worker is an unreaped
 * zombie its pid, and so its process group id, cannot be reused, which
 * makes the KILL to what is left of the group safe.  Only then is the pid
 * reaped.  The invariant, kept here and in host_signal(): w->pid is > 1
 * exactly while that pid is ours and unreaped, so no signal ever goes to a
 * reaped pid or an emptied group.
 */
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "supervise.h"

extern char **environ;

/* What the child reports through the exec-status pipe when it fails. */
enum child_stage { STAGE_EXEC, STAGE_CHDIR, STAGE_RLIMIT, STAGE_GROUPS,
	STAGE_SETGID, STAGE_SETUID, STAGE_FDS, STAGE_PARENT };

struct child_report {
	int err;
	int stage;
};

struct exec_watch {
	ev_io io;		/* the read end of the exec-status pipe */
	struct worker *w;
	struct child_report report;
	bool failed;
	char path[PATH_MAX];	/* what was exec'd, for messages */
};

static struct rlimit nofile_orig;	/* restored in children */
static const int limit_resource[LIMIT_COUNT] = {
	[LIMIT_NOFILE] = RLIMIT_NOFILE, [LIMIT_NPROC] = RLIMIT_NPROC,
	[LIMIT_CORE] = RLIMIT_CORE, [LIMIT_AS] = RLIMIT_AS,
	[LIMIT_CPU] = RLIMIT_CPU,
};

/*
 * Once at start: raise the soft NOFILE limit to the hard one (1,000
 * workers with their pipes pass 1024), become a subreaper so that orphans
 * of workers are ours to reap.
 */
int
spawn_init(struct supervisor *sv)
{
	struct rlimit rl;

	(void)sv;
	if (getrlimit(RLIMIT_NOFILE, &nofile_orig) == 0) {
		rl = nofile_orig;
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (getpid() != 1)
		(void)prctl(PR_SET_CHILD_SUBREAPER, 1);
	return 0;
}

/* Find argv[0] in PATH, as execvp would, but in the parent. */
static int
resolve_command(const char *cmd, const char *pathvar, char *out, size_t len)
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

static bool
env_stripped(const char *e)
{
	static const char *const prefixes[] = { "NOTIFY_SOCKET=",
	    "WATCHDOG_", "LISTEN_", "SUPERVISE_NAME=",
	    "SUPERVISE_INSTANCE=" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncmp(e, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

/* Whether KEY= of e is set again later in list[from..]. */
static bool
env_overridden(const char *e, char **list, size_t from, size_t n)
{
	size_t klen = strcspn(e, "=");

	for (; from < n; from++)
		if (list[from] != NULL &&
		    strncmp(list[from], e, klen + 1) == 0)
			return true;
	return false;
}

/*
 * The worker's environment: supervise's own without NOTIFY_SOCKET,
 * WATCHDOG_* and LISTEN_*; then pre (HOME, USER and LOGNAME with user=);
 * then env=; then post (SUPERVISE_NAME, SUPERVISE_INSTANCE).  When a KEY
 * appears twice the later one wins.
 */
static char **
build_env(struct worker *w, char *pre[], size_t npre, char *post[],
    size_t npost)
{
	struct worker_config *wc = w->cfg;
	char **all, **env;
	size_t n = 0, i, j, k = 0;

	for (i = 0; environ[i] != NULL; i++)
		n++;
	all = calloc(n + npre + wc->nenv + npost + 1, sizeof(*all));
	if (all == NULL)
		return NULL;
	for (i = 0; environ[i] != NULL; i++)
		if (!env_stripped(environ[i]))
			all[k++] = environ[i];
	for (j = 0; j < npre; j++)
		all[k++] = pre[j];
	for (j = 0; j < wc->nenv; j++)
		all[k++] = wc->env[j];
	for (j = 0; j < npost; j++)
		all[k++] = post[j];
	if ((env = calloc(k + 1, sizeof(*env))) == NULL) {
		free(all);
		return NULL;
	}
	for (i = 0, j = 0; i < k; i++)
		if (!env_overridden(all[i], all, i + 1, k))
			env[j++] = all[i];
	free(all);
	return env;
}

static const char *
env_lookup(char **env, const char *key)
{
	size_t klen = strlen(key);

	for (; *env != NULL; env++)
		if (strncmp(*env, key, klen) == 0 && (*env)[klen] == '=')
			return *env + klen + 1;
	return NULL;
}

static _Noreturn void
child_fail(int fd, int stage)
{
	struct child_report r = { errno, stage };

	(void)!write(fd, &r, sizeof(r));
	_exit(127);
}

/*
 * In the child, between fork and exec.  Only async-signal-safe calls:
 * supervise is single-threaded in process mode, but a thread-mode host
 * forks too.  Users and groups were resolved in the parent.
 */
static _Noreturn void
child_exec(struct worker *w, const char *path, char **env, int devnull,
    int child_fd[2], int report_fd, gid_t *groups, int ngroups,
    pid_t parent)
{
	struct worker_config *wc = w->cfg;
	struct sigaction sa;
	struct rlimit rl;
	sigset_t none;
	int sig, i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	(void)setpgid(0, 0);

	if (dup2(devnull, STDIN_FILENO) == -1)
		child_fail(report_fd, STAGE_FDS);
	if (child_fd[0] != -1 && dup2(child_fd[0], STDOUT_FILENO) == -1)
		child_fail(report_fd, STAGE_FDS);
	if (child_fd[1] != -1 && dup2(child_fd[1], STDERR_FILENO) == -1)
		child_fail(report_fd, STAGE_FDS);
	/*
	 * Everything else supervise has open (the loop's epoll and signal
	 * fds, other workers' pipes, the control socket) is closed at exec.
	 * CLOSE_RANGE_CLOEXEC, not a plain close_range: the report pipe must
	 * stay open until exec.
	 */
	if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1) {
		for (i = 3; i < 65536; i++)
			if (i != report_fd)
				(void)fcntl(i, F_SETFD, FD_CLOEXEC);
	}

	if (wc->limits[LIMIT_NOFILE].set)
		;
	else if (setrlimit(RLIMIT_NOFILE, &nofile_orig) == -1)
		child_fail(report_fd, STAGE_RLIMIT);
	for (i = 0; i < LIMIT_COUNT; i++) {
		if (!wc->limits[i].set)
			continue;
		rl.rlim_cur = rl.rlim_max = wc->limits[i].value;
		if (setrlimit(limit_resource[i], &rl) == -1)
			child_fail(report_fd, STAGE_RLIMIT);
	}
	if (wc->umask >= 0)
		umask((mode_t)wc->umask);
	if (wc->user != NULL || wc->group != NULL) {
		if (wc->user != NULL &&
		    setgroups((size_t)ngroups, groups) == -1)
			child_fail(report_fd, STAGE_GROUPS);
		if (wc->user == NULL && setgroups(0, NULL) == -1)
			child_fail(report_fd, STAGE_GROUPS);
		if (setgid(wc->gid) == -1)
			child_fail(report_fd, STAGE_SETGID);
		if (wc->user != NULL && setuid(wc->uid) == -1)
			child_fail(report_fd, STAGE_SETUID);
	}
	if (wc->directory != NULL && chdir(wc->directory) == -1)
		child_fail(report_fd, STAGE_CHDIR);
	/* After the credentials: setuid clears the death signal. */
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent) {
		errno = ESRCH;
		child_fail(report_fd, STAGE_PARENT);
	}
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, wc->argv, env);
	child_fail(report_fd, STAGE_EXEC);
}

static void
exec_watch_stop(struct exec_watch *x, struct ev_loop *loop)
{
	if (x->io.fd < 0)
		return;
	ev_io_stop(loop, &x->io);
	close(x->io.fd);
	x->io.fd = -1;
}

/*
 * Read the exec-status pipe: EOF means exec succeeded (the pipe was
 * CLOEXEC); a report means the child failed before exec and will exit.
 */
static void
exec_read(struct exec_watch *x, struct ev_loop *loop)
{
	ssize_t n;

	n = read(x->io.fd, &x->report, sizeof(x->report));
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n == (ssize_t)sizeof(x->report))
		x->failed = true;
	exec_watch_stop(x, loop);
	if (!x->failed)
		worker_exec_ok(x->w);
}

static void
exec_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	(void)revents;
	exec_read(container_of(io, struct exec_watch, io), loop);
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

int
host_spawn(struct worker *w, char *why, size_t whylen)
{
	struct supervisor *sv = w->sv;
	struct worker_config *wc = w->cfg;
	struct exec_watch *x = w->exec;
	char name[WORKER_NAME_LEN + 16], inst[40], home[PATH_MAX + 8];
	char user[128], logname[128];
	char *pre[3], *post[2] = { name, inst };
	size_t npre = 0;
	char **env = NULL;
	int child_fd[2] = { -1, -1 }, report[2] = { -1, -1 }, devnull = -1;
	int ngroups = 0, err, ret = -1;
	gid_t *groups = NULL;
	sigset_t all, old;
	pid_t pid, parent = getpid();

	if (x == NULL) {
		if ((x = calloc(1, sizeof(*x))) == NULL) {
			snprintf(why, whylen, "%s", strerror(errno));
			return -1;
		}
		x->w = w;
		x->io.fd = -1;
		w->exec = x;
	}
	exec_watch_stop(x, sv->loop);
	x->failed = false;

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
	if ((env = build_env(w, pre, npre, post, 2)) == NULL)
		goto fail_errno;

	err = resolve_command(wc->argv[0], env_lookup(env, "PATH"),
	    x->path, sizeof(x->path));
	if (err != 0) {
		/* Reported like an exec failure: the same message and policy. */
		x->failed = true;
		x->report.err = err;
		x->report.stage = STAGE_EXEC;
	}
	if (resolve_groups(wc, &groups, &ngroups) == -1)
		goto fail_errno;
	if ((devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1)
		goto fail_errno;
	if (output_prepare(w, child_fd, why, whylen) == -1)
		goto out;
	if (pipe2(report, O_CLOEXEC) == -1) {
		output_abort(w, child_fd);
		goto fail_errno;
	}

	/* No signal handler may run in the child before it resets them. */
	sigfillset(&all);
	sigprocmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0) {
		close(report[0]);
		if (x->failed) {
			errno = x->report.err;
			child_fail(report[1], STAGE_EXEC);
		}
		child_exec(w, x->path, env, devnull, child_fd, report[1],
		    groups, ngroups, parent);
	}
	err = errno;
	sigprocmask(SIG_SETMASK, &old, NULL);
	close(report[1]);
	if (pid == -1) {
		close(report[0]);
		output_abort(w, child_fd);
		errno = err;
		goto fail_errno;
	}
	/* Whichever of parent and child runs first makes the group. */
	(void)setpgid(pid, pid);
	w->pid = pid;
	output_started(w, child_fd);
	(void)fcntl(report[0], F_SETFL, O_NONBLOCK);
	ev_io_init(&x->io, exec_cb, report[0], EV_READ);
	ev_io_start(sv->loop, &x->io);
	ret = 0;
	goto out;

fail_errno:
	snprintf(why, whylen, "%s", strerror(errno));
out:
	if (devnull != -1)
		close(devnull);
	free(groups);
	free(env);
	return ret;
}

static const char *
stage_what(struct exec_watch *x, char *buf, size_t len)
{
	struct worker_config *wc = x->w->cfg;

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

static struct worker *
find_pid(struct supervisor *sv, pid_t pid)
{
	size_t i;

	for (i = 0; i < sv->nworkers; i++)
		if (sv->workers[i]->pid == pid)
			return sv->workers[i];
	return NULL;
}

/*
 * On SIGCHLD: for each dead child, kill what is left of a worker's group
 * while the leader is still an unreaped zombie, reap it, drain its output,
 * then let the state machine decide.  Other children (orphans adopted as
 * PID 1 or as subreaper) are just reaped.
 */
void
spawn_reap(struct supervisor *sv)
{
	struct worker *w;
	struct exec_watch *x;
	siginfo_t si;
	char what[PATH_MAX + 32];
	int status, err;
	pid_t pid;

	for (;;) {
		memset(&si, 0, sizeof(si));
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == -1) {
			if (errno == EINTR)
				continue;
			break;		/* ECHILD: none left */
		}
		if (si.si_pid == 0)
			break;
		pid = si.si_pid;
		w = find_pid(sv, pid);
		if (w != NULL && pid > 1)
			(void)kill(-pid, SIGKILL);
		while (waitpid(pid, &status, 0) == -1 && errno == EINTR)
			;
		if (w == NULL)
			continue;
		err = 0;
		x = w->exec;
		if (x != NULL) {
			if (x->io.fd >= 0)
				exec_read(x, sv->loop);
			if (x->failed)
				err = x->report.err != 0 ? x->report.err : EIO;
		}
		output_drain(w);
		worker_exited(w, status, err,
		    err != 0 ? stage_what(x, what, sizeof(what)) : NULL);
	}
}

/*
 * Signal a worker's process group.  w->pid > 1 only while the pid is ours
 * and unreaped (see the top of this file).  A worker that moved itself
 * into another group is signalled by pid.
 */
void
host_signal(struct worker *w, int sig)
{
	if (w->pid <= 1)
		return;
	if (kill(-w->pid, sig) == -1 && errno == ESRCH)
		(void)kill(w->pid, sig);
}

void
spawn_free(struct worker *w)
{
	if (w->exec == NULL)
		return;
	exec_watch_stop(w->exec, w->sv->loop);
	free(w->exec);
	w->exec = NULL;
}
