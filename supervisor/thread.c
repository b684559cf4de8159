/*
 * thread.c: thread mode.  Each worker instance is a thread of supervise
 * running the plugin's supervise_worker_main; the state machine
 * (worker.c) is the same as for processes, with the thread standing in
 * for the process: the thread host (host.c) starts it with thread_spawn,
 * its return is the exit status, a stop sets a flag.
 *
 * Worker threads never touch libev or a struct worker.  What they tell the
 * loop (ready, heartbeat, returned) are bits in their plugin_thread,
 * posted with one eventfd that the loop watches; the loop reads the bits
 * and calls the state machine.  A thread whose bits were all clear also
 * pushes itself on a lock-free list (h->posted), which the loop takes
 * whole: a wake-up visits the threads that posted, not every worker.
 * Bits already set cost no system call and no push: the thread is on the
 * list, or being read by the loop, which clears its bits after it has
 * taken the list and read the thread's link.
 * Their log lines go to the worker's stderr as configured (output.c's
 * pipe for prefix, read by the loop like a process's output).
 *
 * Worker threads start with every signal blocked, so that TERM, HUP and
 * CHLD reach the loop thread, except the fault signals: a fault (SIGSEGV,
 * abort) ends supervise and every worker with it, as it must, after
 * fault.c has logged who did it and who goes down with it.  Each thread
 * is in fault.c's list from before it starts until it is joined.  Nor can
 * a thread be killed: one that does not return within stop_timeout makes
 * supervise exit with 70.
 */
#include <sys/eventfd.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include <supervise/worker.h>

#include "clock.h"
#include "daemon.h"

#define POST_READY	0x1u
#define POST_HEARTBEAT	0x2u
#define POST_DONE	0x4u	/* main returned: status is valid */

/* sv->threads: the loop's side. */
struct thread_host {
	ev_io io;
	int efd;		/* eventfd the threads post to */
	struct supervisor *sv;
	_Atomic(struct plugin_thread *) posted;	/* threads with bits set */
};

struct plugin_thread {
	struct sv_worker sw;		/* the plugin's handle: sw.host = this */
	struct thread_host *host;
	pthread_t tid;
	plugin_main_fn *main;
	char **argv;			/* plugin path, then args */
	int argc;
	char name[WORKER_NAME_LEN];	/* reload may rename the worker */
	int log_fd;			/* the worker's stderr */
	atomic_bool stop;
	bool kicked;			/* with mu: a signal was sent, end a sleep */
	atomic_uint posted;		/* POST_* not yet seen by the loop */
	struct plugin_thread *next_posted;	/* on h->posted */
	struct worker *w;		/* the loop's: whose thread this is */
	int status;			/* main's return, with POST_DONE */
	pthread_mutex_t mu;		/* with cv: sleep, woken by a stop */
	pthread_cond_t cv;
	struct fault_node node;		/* fault.c: name, altstack */
};

static struct plugin_thread *
self(struct sv_worker *sw)
{
	return sw->host;
}

static void
post(struct plugin_thread *t, unsigned bit)
{
	struct thread_host *h = t->host;
	struct plugin_thread *head;
	uint64_t one = 1;

	/* The loop clears the bits after reading the eventfd: no wake lost. */
	if (atomic_fetch_or(&t->posted, bit) != 0)
		return;
	head = atomic_load(&h->posted);
	do
		t->next_posted = head;
	while (!atomic_compare_exchange_weak(&h->posted, &head, t));
	while (write(h->efd, &one, sizeof(one)) == -1 && errno == EINTR)
		;
}

static const char *
t_name(struct sv_worker *sw)
{
	return self(sw)->name;
}

static int
t_should_stop(struct sv_worker *sw)
{
	return atomic_load(&self(sw)->stop);
}

static int
t_sleep(struct sv_worker *sw, unsigned ms)
{
	struct plugin_thread *t = self(sw);
	struct timespec end;
	int r = 0;

	clock_mono_after(&end, ms);
	pthread_mutex_lock(&t->mu);
	while (!atomic_load(&t->stop) && !t->kicked && r != ETIMEDOUT)
		r = pthread_cond_timedwait(&t->cv, &t->mu, &end);
	if (t->kicked) {
		t->kicked = false;
		r = -1;
	}
	pthread_mutex_unlock(&t->mu);
	return atomic_load(&t->stop) || r == -1 ? -1 : 0;
}

static void
t_ready(struct sv_worker *sw)
{
	post(self(sw), POST_READY);
}

static void
t_heartbeat(struct sv_worker *sw)
{
	post(self(sw), POST_HEARTBEAT);
}

/* One line in one write(2), as a process's stderr would carry it. */
static void
t_vlog(struct sv_worker *sw, const char *fmt, va_list ap)
{
	struct plugin_thread *t = self(sw);

	if (t->log_fd != -1)
		plugin_log_line(t->log_fd, fmt, ap);
}

static int
t_mode(struct sv_worker *sw)
{
	(void)sw;
	return SV_WORKER_THREAD;
}

static const struct sv_worker_ops thread_ops = {
	.abi_version = SUPERVISE_WORKER_ABI_VERSION,
	.size = sizeof(struct sv_worker_ops),
	.name = t_name,
	.should_stop = t_should_stop,
	.sleep = t_sleep,
	.ready = t_ready,
	.heartbeat = t_heartbeat,
	.vlog = t_vlog,
	.mode = t_mode,
};

static void *
thread_main(void *arg)
{
	struct plugin_thread *t = arg;

	fault_thread_enter(&t->node);
	t->status = t->main(&t->sw, t->argc, t->argv);
	fault_thread_leave(&t->node);
	/* Closed before the loop hears of it: its reader sees EOF. */
	if (t->log_fd > STDERR_FILENO)
		close(t->log_fd);
	t->log_fd = -1;
	post(t, POST_DONE);
	return NULL;
}

static void
thread_release(struct plugin_thread *t)
{
	if (t->log_fd > STDERR_FILENO)
		close(t->log_fd);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	fault_node_free(&t->node);
	free_argv(t->argv);
	free(t);
}

/* The loop side of POST_DONE: join, then it is an exit like any other. */
static void
thread_done(struct worker *w, struct plugin_thread *t)
{
	int status = t->status & 0xff;

	pthread_join(t->tid, NULL);
	w->thread = NULL;
	/* A fault being reported may still read it: the process is ending. */
	if (fault_node_remove(&t->node))
		thread_release(t);
	output_drain(w);
	record_exit(w, W_EXITCODE(status, 0), 0);
	hook_exited(w, W_EXITCODE(status, 0));
	worker_exited(w, W_EXITCODE(status, 0), 0, NULL);
	record_decision(w);
}

static void
wake_cb(struct ev_loop *loop, ev_io *io, int revents)
{
	struct thread_host *h = container_of(io, struct thread_host, io);
	struct plugin_thread *t, *next, *fifo = NULL;
	struct worker *w;
	uint64_t n;
	unsigned bits;

	(void)loop;
	(void)revents;
	if (read(h->efd, &n, sizeof(n)) == -1 && errno != EAGAIN)
		log_warnx("threads: reading the eventfd: %s", strerror(errno));
	/* Pushed last first: turned round, in the order they posted. */
	for (t = atomic_exchange(&h->posted, NULL); t != NULL; t = next) {
		next = t->next_posted;
		t->next_posted = fifo;
		fifo = t;
	}
	for (t = fifo; t != NULL; t = next) {
		/* Its link first: once its bits are clear it may push again. */
		next = t->next_posted;
		w = t->w;
		bits = atomic_exchange(&t->posted, 0);
		if (bits & POST_READY)
			worker_notify_ready(w);
		if (bits & POST_HEARTBEAT)
			worker_notify_watchdog(w, false);
		/* The calls above may have asked it to stop, not more. */
		if ((bits & POST_DONE) && w->thread == t)
			thread_done(w, t);
	}
}

int
thread_init(struct supervisor *sv)
{
	struct thread_host *h;

	if ((h = calloc(1, sizeof(*h))) == NULL)
		return -1;
	if ((h->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) == -1) {
		free(h);
		return -1;
	}
	if (fault_init(sv) == -1) {
		close(h->efd);
		free(h);
		return -1;
	}
	h->sv = sv;
	ev_io_init(&h->io, wake_cb, h->efd, EV_READ);
	ev_io_start(sv->loop, &h->io);
	sv->threads = h;
	return 0;
}

void
thread_close(struct supervisor *sv)
{
	struct thread_host *h = sv->threads;

	if (h == NULL)
		return;
	ev_io_stop(sv->loop, &h->io);
	fault_close(sv);
	close(h->efd);
	free(h);
	sv->threads = NULL;
}

/* The fd the thread logs to: its own copy of the worker's stderr. */
static int
log_fd_of(int child_fd[2])
{
	if (child_fd[1] == -1)
		return STDERR_FILENO;		/* inherit */
	return fcntl(child_fd[1], F_DUPFD_CLOEXEC, 3);
}

static struct plugin_thread *
thread_new(struct worker *w, char *why, size_t whylen)
{
	struct worker_config *wc = w->cfg;
	struct plugin_thread *t;
	pthread_condattr_t ca;
	size_t n = 0, i;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		goto fail;
	while (wc->args != NULL && wc->args[n] != NULL)
		n++;
	/*
	 * Copies: a reload may retire this config while the thread still
	 * runs, and the plugin may keep pointers into its argv.
	 */
	if ((t->argv = calloc(n + 2, sizeof(*t->argv))) == NULL) {
		free(t);
		goto fail;
	}
	for (i = 0; i <= n; i++) {
		t->argv[i] = strdup(i == 0 ? wc->plugin : wc->args[i - 1]);
		if (t->argv[i] == NULL) {
			free_argv(t->argv);
			free(t);
			goto fail;
		}
	}
	t->argc = (int)n + 1;
	t->sw.ops = &thread_ops;
	t->sw.host = t;
	t->host = w->sv->threads;
	t->w = w;
	t->log_fd = -1;
	snprintf(t->name, sizeof(t->name), "%s", w->name);
	atomic_init(&t->stop, false);
	atomic_init(&t->posted, 0);
	if (fault_node_init(&t->node, t->name) == -1) {
		fault_node_free(&t->node);
		free_argv(t->argv);
		free(t);
		goto fail;
	}
	pthread_mutex_init(&t->mu, NULL);
	/* t_sleep's deadline is on the monotonic clock. */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&t->cv, &ca);
	pthread_condattr_destroy(&ca);
	return t;
fail:
	snprintf(why, whylen, "%s", strerror(errno));
	return NULL;
}

/* Start w's thread. */
int
thread_spawn(struct worker *w, char *why, size_t whylen)
{
	struct plugin_thread *t;
	int child_fd[2], err;
	sigset_t all, old;

	if (w->sv->threads == NULL) {
		snprintf(why, whylen, "no thread host");
		return -1;
	}
	if ((t = thread_new(w, why, whylen)) == NULL)
		return -1;
	if ((t->main = plugin_entry(w->sv, w->cfg->plugin)) == NULL) {
		snprintf(why, whylen, "plugin %s is not loaded", w->cfg->plugin);
		thread_release(t);
		return -1;
	}
	if (output_prepare(w, child_fd, why, whylen) == -1) {
		thread_release(t);
		return -1;
	}
	if ((t->log_fd = log_fd_of(child_fd)) == -1) {
		snprintf(why, whylen, "output: %s", strerror(errno));
		output_abort(w, child_fd);
		thread_release(t);
		return -1;
	}
	/* The thread inherits this mask: signals are the loop's. */
	sigfillset(&all);
	fault_node_add(&t->node);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&t->tid, NULL, thread_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err != 0) {
		snprintf(why, whylen, "pthread_create: %s", strerror(err));
		output_abort(w, child_fd);
		if (fault_node_remove(&t->node))
			thread_release(t);
		return -1;
	}
	w->thread = t;
	output_started(w, child_fd);
	return 1;
}

/*
 * `supervisectl signal` to a thread: pthread_kill(3).  The thread blocks
 * every signal but the faults, so the signal stays pending for it until
 * the plugin takes it (sigtimedwait(2)); its sleep ends now.  Refused:
 * what would stop or kill all of supervise (KILL, STOP), and the fault
 * signals, which would end it as a fault of that worker's.
 */
int
thread_kill(struct worker *w, int sig, char *why, size_t whylen)
{
	struct plugin_thread *t = w->thread;
	const char *name = signal_name(sig);
	int err;

	if (sig == SIGKILL || sig == SIGSTOP || sig == SIGSEGV ||
	    sig == SIGBUS || sig == SIGFPE || sig == SIGILL || sig == SIGABRT) {
		snprintf(why, whylen, "%s would end supervise, not a thread",
		    name != NULL ? name : "that signal");
		return -1;
	}
	if (atomic_load(&t->posted) & POST_DONE) {
		snprintf(why, whylen, "its thread has returned");
		return -1;
	}
	/* Not joined yet: the id is still this thread's. */
	if ((err = pthread_kill(t->tid, sig)) != 0) {
		snprintf(why, whylen, "pthread_kill: %s", strerror(err));
		return -1;
	}
	pthread_mutex_lock(&t->mu);
	t->kicked = true;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	return 0;
}

/*
 * A stop: set the flag and end a sleep.  KILL, after stop_timeout or at a
 * second TERM, cannot be done to a thread: supervise exits 70, its own
 * end taking the thread with it.
 */
void
thread_signal(struct worker *w, int sig)
{
	struct plugin_thread *t = w->thread;
	char d[32];

	if (sig == SIGCONT)
		return;
	pthread_mutex_lock(&t->mu);
	atomic_store(&t->stop, true);
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	if (sig != SIGKILL || (atomic_load(&t->posted) & POST_DONE))
		return;
	if (w->sv->kill_now)
		log_warnx("%s: thread did not stop; exiting %d", w->name,
		    EXIT_SOFTWARE);
	else {
		format_duration(d, sizeof(d), w->cfg->stop_timeout_ms);
		log_warnx("%s: thread did not stop within %s; exiting %d",
		    w->name, d, EXIT_SOFTWARE);
	}
	/* What the workers wrote so far still goes out. */
	output_shutdown(w->sv);
	_exit(EXIT_SOFTWARE);
}
