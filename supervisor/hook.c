/*
 * hook.c: on_exit and on_fatal (supervise.ini(5), Hooks): a command run
 * when a worker's process ends, or when the worker becomes FATAL, with
 * SUPERVISE_WORKER, SUPERVISE_EVENT, SUPERVISE_EXIT_CODE or
 * SUPERVISE_SIGNAL and SUPERVISE_RESTARTS in its environment.
 *
 * A hook is a process of its own process group, exec'd without a shell,
 * never a worker: it has no state, no restarts, no place in status.  At
 * most one runs per worker; an event that comes while one runs waits in
 * a single slot, and a later event replaces a waiting one (said in the
 * event log), so a crash loop cannot pile up hooks.  hook_timeout bounds
 * each run: then its group is sent KILL.  Its output is read from the loop
 * like a worker's and reaches supervise's stdout as "NAME[hook] | line";
 * what the stdout queue cannot take is dropped and counted, never waited
 * for.  Nothing here blocks: the fork is the only work done in line.
 *
 * Reaping: a hook is an ordinary child (it raises SIGCHLD), so reap.c's
 * spawn_reap(), the one place that reaps, sees it among the children that
 * are not workers and hands it here with hook_reaped() after reaping it.
 * h->pid is > 1 exactly while the hook is ours and unreaped, so the KILL
 * of a timeout never reaches a reused pid or group.  No hook starts once
 * supervise is shutting down; the ones still running at exit are killed.
 * In thread mode hooks are processes too.
 */
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/wait.h>

#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"

#define HOOK_DRAIN_MAX	(1024 * 1024)	/* read at its exit, at most */

enum hook_event { HOOK_EXIT, HOOK_FATAL };

/* A hook process that runs, or ran for a worker since freed. */
struct hook {
	struct supervisor *sv;
	struct worker *w;		/* NULL once the worker is freed */
	LIST_ENTRY(hook) entry;
	pid_t pid;			/* > 1 while ours and unreaped */
	int fd;				/* its output; -1 once closed */
	ev_io io;
	ev_timer timeout;
	enum hook_event event;
	char name[WORKER_NAME_LEN];	/* the worker's, for messages */
	char prefix[WORKER_NAME_LEN + 16];	/* "NAME[hook] | " */
	int64_t timeout_ms;
	size_t plen;
	unsigned long long dropped;	/* lines the stdout queue refused */
	struct linebuf lb;
};

/* w->hooks: what runs for a worker, and the one event that waits. */
struct hook_slot {
	struct hook *running;
	bool pending;
	enum hook_event pending_event;
	int pending_status;
	unsigned pending_restarts;
	bool fatal_seen;		/* on_fatal ran for this FATAL */
};

/* sv->hooks. */
struct hook_table {
	LIST_HEAD(, hook) running;
	struct sink *out;		/* supervise's stdout, once needed */
};

static const char *const event_names[] = { "exit", "fatal" };
static const char *const key_names[] = { "on_exit", "on_fatal" };

static struct hook_table *
table_of(struct supervisor *sv)
{
	struct hook_table *t = sv->hooks;

	if (t == NULL && (t = calloc(1, sizeof(*t))) != NULL) {
		LIST_INIT(&t->running);
		sv->hooks = t;
	}
	return t;
}

static struct hook_slot *
slot_of(struct worker *w)
{
	if (w->hooks == NULL)
		w->hooks = calloc(1, sizeof(struct hook_slot));
	return w->hooks;
}

/* linebuf's emit: one line on supervise's stdout, or dropped. */
static void
hook_emit(void *ctx, const char *line, size_t len)
{
	struct hook *h = ctx;
	struct sink *s = h->sv->hooks->out;
	size_t need = h->plen + len + 1;
	char *p;

	if (s == NULL || s->broken)
		return;
	if (s->state == SINK_DROPPING ||
	    (p = linequeue_reserve(&s->q, need, SINK_QUEUE_CAP)) == NULL) {
		h->dropped++;
		return;
	}
	memcpy(p, h->prefix, h->plen);
	memcpy(p + h->plen, line, len);
	p[need - 1] = '\n';
	s->q.len += need;
}

static void
hook_close_output(struct hook *h)
{
	if (h->fd == -1)
		return;
	ev_io_stop(h->sv->loop, &h->io);
	close(h->fd);
	h->fd = -1;
}

/* Read what the pipe has now (at most max bytes); false at its end. */
static bool
hook_read(struct hook *h, size_t max)
{
	char *buf = sink_read_buffer(h->sv);
	size_t total = 0;
	ssize_t n;
	bool open = true;

	while (total < max) {
		n = read(h->fd, buf, OUTPUT_READ_MAX);
		if (n > 0) {
			linebuf_feed(&h->lb, buf, (size_t)n, hook_emit, h);
			total += (size_t)n;
			continue;
		}
		if (n == -1 && errno == EINTR)
			continue;
		open = n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK);
		break;
	}
	if (h->sv->hooks->out != NULL)
		sink_flush(h->sv->hooks->out);
	return open;
}

static void
hook_read_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct hook *h = container_of(io, struct hook, io);

	(void)loop;
	(void)revents;
	/* A bounded read per callback, as for workers: fairness. */
	if (!hook_read(h, OUTPUT_READ_MAX)) {
		linebuf_flush(&h->lb, hook_emit, h);
		if (h->sv->hooks->out != NULL)
			sink_flush(h->sv->hooks->out);
		hook_close_output(h);
	}
}

static void
hook_timeout_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct hook *h = container_of(t, struct hook, timeout);
	char d[32];

	(void)loop;
	(void)revents;
	format_duration(d, sizeof(d), h->timeout_ms);
	log_warnx("%s: hook %s still running after %s (hook_timeout); "
	    "killing it", h->name, key_names[h->event], d);
	if (h->pid > 1)
		(void)kill(-h->pid, SIGKILL);
}

/* The hook's command for event, the worker's own or [supervisor]'s. */
static char **
hook_argv(const struct worker *w, enum hook_event ev)
{
	const struct worker_config *wc = w->cfg;
	const struct config *cfg = w->sv->cfg;

	if (ev == HOOK_EXIT)
		return wc->on_exit != NULL ? wc->on_exit : cfg->on_exit;
	return wc->on_fatal != NULL ? wc->on_fatal : cfg->on_fatal;
}

static int64_t
hook_timeout_ms(const struct worker *w)
{
	return w->cfg->hook_timeout_ms >= 0 ? w->cfg->hook_timeout_ms :
	    w->sv->cfg->hook_timeout_ms;
}

/*
 * The child, between fork and exec: only async-signal-safe calls (the
 * daemon may have threads).  All signals are blocked on entry.
 */
static _Noreturn void
hook_child(const char *path, char **argv, char **env, int out, int devnull,
    pid_t parent)
{
	struct sigaction sa;
	sigset_t none;
	int sig;

	(void)setpgid(0, 0);
	if (dup2(devnull, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
		_exit(127);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	execve(path, argv, env);
	_exit(127);
}

/* Start w's hook for ev; false if there is none or it cannot start. */
static bool
hook_start(struct worker *w, enum hook_event ev, int wstatus,
    unsigned restarts)
{
	struct supervisor *sv = w->sv;
	struct hook_table *t = table_of(sv);
	struct hook_slot *slot = slot_of(w);
	struct hook *h = NULL;
	char **argv = hook_argv(w, ev), **env = NULL;
	char path[PATH_MAX], vars[4][96], why[256];
	char *post[4];
	const char *pathvar;
	sigset_t all, old;
	int pfd[2] = { -1, -1 }, devnull = -1, err;
	pid_t pid;

	if (argv == NULL || t == NULL || slot == NULL || sv->shutting_down)
		return false;
	snprintf(vars[0], sizeof(vars[0]), "SUPERVISE_WORKER=%s", w->name);
	snprintf(vars[1], sizeof(vars[1]), "SUPERVISE_EVENT=%s",
	    event_names[ev]);
	if (wstatus == -1)
		snprintf(vars[2], sizeof(vars[2]), "SUPERVISE_EXIT_CODE=");
	else if (WIFSIGNALED(wstatus))
		snprintf(vars[2], sizeof(vars[2]), "SUPERVISE_SIGNAL=%s",
		    signal_name(WTERMSIG(wstatus)) != NULL ?
		    signal_name(WTERMSIG(wstatus)) : "?");
	else
		snprintf(vars[2], sizeof(vars[2]), "SUPERVISE_EXIT_CODE=%d",
		    WEXITSTATUS(wstatus));
	snprintf(vars[3], sizeof(vars[3]), "SUPERVISE_RESTARTS=%u", restarts);
	post[0] = vars[0];
	post[1] = vars[1];
	post[2] = vars[2];
	post[3] = vars[3];
	if ((env = env_build(w, NULL, 0, post, 4)) == NULL) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	pathvar = env_lookup(env, "PATH");
	/* Said here, in the event log: a child could only exit 127. */
	if ((err = spawn_resolve(argv[0], pathvar, path, sizeof(path))) != 0 ||
	    (access(path, X_OK) == -1 && (err = errno) != 0)) {
		snprintf(why, sizeof(why), "exec %s: %s", argv[0],
		    strerror(err));
		goto fail;
	}
	if (t->out == NULL &&
	    (t->out = sink_get(sv, NULL, NULL, why, sizeof(why))) == NULL)
		goto fail;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    (devnull = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1 ||
	    pipe2(pfd, O_CLOEXEC) == -1) {
		snprintf(why, sizeof(why), "%s", strerror(errno));
		goto fail;
	}
	(void)fcntl(pfd[0], F_SETFL, O_NONBLOCK);
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid = fork();
	if (pid == 0)
		hook_child(path, argv, env, pfd[1], devnull, sv->pid);
	err = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (pid == -1) {
		snprintf(why, sizeof(why), "fork: %s", strerror(err));
		goto fail;
	}
	(void)setpgid(pid, pid);	/* whichever runs first wins */
	close(pfd[1]);
	close(devnull);
	free(env);
	h->sv = sv;
	h->w = w;
	h->pid = pid;
	h->fd = pfd[0];
	h->event = ev;
	h->timeout_ms = hook_timeout_ms(w);
	snprintf(h->name, sizeof(h->name), "%s", w->name);
	h->plen = (size_t)snprintf(h->prefix, sizeof(h->prefix),
	    "%s[hook] | ", w->name);
	linebuf_init(&h->lb);
	ev_io_init(&h->io, hook_read_cb, h->fd, EV_READ);
	ev_io_start(sv->loop, &h->io);
	ev_timer_init(&h->timeout, hook_timeout_cb,
	    (double)h->timeout_ms / 1000.0, 0.0);
	ev_timer_start(sv->loop, &h->timeout);
	LIST_INSERT_HEAD(&t->running, h, entry);
	slot->running = h;
	log_debug("%s: hook %s started, pid %ld", w->name, key_names[ev],
	    (long)pid);
	return true;
fail:
	log_warnx("%s: hook %s: %s; not run", w->name, key_names[ev], why);
	if (pfd[0] != -1) {
		close(pfd[0]);
		close(pfd[1]);
	}
	if (devnull != -1)
		close(devnull);
	free(h);
	free(env);
	return false;
}

/* An event of w: run its hook now, or keep it for when the running ends. */
static void
hook_event(struct worker *w, enum hook_event ev, int wstatus)
{
	struct hook_slot *slot;

	if (hook_argv(w, ev) == NULL || w->sv->shutting_down ||
	    (slot = slot_of(w)) == NULL)
		return;
	if (slot->running == NULL) {
		(void)hook_start(w, ev, wstatus, w->restarts);
		return;
	}
	if (slot->pending)
		log_warnx("%s: hook %s skipped: a hook is running, and only "
		    "the latest event waits", w->name,
		    key_names[slot->pending_event]);
	slot->pending = true;
	slot->pending_event = ev;
	slot->pending_status = wstatus;
	slot->pending_restarts = w->restarts;
}

void
hook_exited(struct worker *w, int wstatus)
{
	hook_event(w, HOOK_EXIT, wstatus);
}

void
hook_changed(struct worker *w)
{
	struct hook_slot *slot = w->hooks;

	if (w->state != STATE_FATAL) {
		if (slot != NULL)
			slot->fatal_seen = false;
		return;
	}
	if (slot != NULL && slot->fatal_seen)
		return;
	if (hook_argv(w, HOOK_FATAL) != NULL && (slot = slot_of(w)) != NULL) {
		slot->fatal_seen = true;
		hook_event(w, HOOK_FATAL, w->has_exited ? w->last_status : -1);
	}
}

static void
hook_free_one(struct hook *h)
{
	hook_close_output(h);
	ev_timer_stop(h->sv->loop, &h->timeout);
	LIST_REMOVE(h, entry);
	free(h);
}

bool
hook_running(struct supervisor *sv)
{
	struct hook_table *t = sv->hooks;

	return t != NULL && !LIST_EMPTY(&t->running);
}

bool
hook_reaped(struct supervisor *sv, pid_t pid, int wstatus)
{
	struct hook_table *t = sv->hooks;
	struct hook_slot *slot;
	struct worker *w;
	struct hook *h;
	const char *name;

	if (t == NULL)
		return false;
	LIST_FOREACH(h, &t->running, entry)
		if (h->pid == pid)
			break;
	if (h == NULL)
		return false;
	h->pid = 0;
	/* Its output: what is left now, without waiting for an end. */
	if (h->fd != -1) {
		(void)hook_read(h, HOOK_DRAIN_MAX);
		linebuf_flush(&h->lb, hook_emit, h);
		if (t->out != NULL)
			sink_flush(t->out);
	}
	name = key_names[h->event];
	if (WIFSIGNALED(wstatus))
		log_warnx("%s: hook %s killed by signal %s", h->name, name,
		    signal_name(WTERMSIG(wstatus)) != NULL ?
		    signal_name(WTERMSIG(wstatus)) : "?");
	else if (WEXITSTATUS(wstatus) != 0)
		log_warnx("%s: hook %s exited with status %d", h->name, name,
		    WEXITSTATUS(wstatus));
	if (h->dropped > 0)
		log_warnx("%s: hook %s output dropped: %llu line%s", h->name,
		    name, h->dropped,
		    h->dropped == 1 ? "" : "s");
	w = h->w;
	hook_free_one(h);
	if (w == NULL || (slot = w->hooks) == NULL)
		return true;
	slot->running = NULL;
	if (slot->pending) {
		slot->pending = false;
		(void)hook_start(w, slot->pending_event, slot->pending_status,
		    slot->pending_restarts);
	}
	return true;
}

void
hook_free(struct worker *w)
{
	struct hook_slot *slot = w->hooks;

	if (slot == NULL)
		return;
	/* A hook outlives its worker until it is reaped. */
	if (slot->running != NULL)
		slot->running->w = NULL;
	free(slot);
	w->hooks = NULL;
}

void
hook_close(struct supervisor *sv)
{
	struct hook_table *t = sv->hooks;
	struct hook *h;

	if (t == NULL)
		return;
	while ((h = LIST_FIRST(&t->running)) != NULL) {
		if (h->pid > 1)
			(void)kill(-h->pid, SIGKILL);
		if (h->w != NULL && h->w->hooks != NULL)
			h->w->hooks->running = NULL;
		hook_free_one(h);
	}
	if (t->out != NULL)
		sink_put(t->out);
	free(t);
	sv->hooks = NULL;
}
