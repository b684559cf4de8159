/*
 * crashy as a plugin worker (crashy.so): the same options through `args`,
 * the same faults (faults.c), with the waits, READY=1 and heartbeats going
 * through the host (<supervise/worker.h>).
 *
 * In process mode it behaves as the executable does: SIGUSR1 injects the
 * fault, --output and flood lines go to stdout, ignore-term ignores TERM
 * and INT.  In thread mode it shares supervise's process: no disposition
 * is touched (SIGUSR1 is supervise's); a SIGUSR1 that `supervisectl
 * signal` sends to the worker's thread stays pending there (worker threads
 * block every signal), ends sv_worker_sleep(), and is taken with
 * sigtimedwait(2) to inject the fault.  Every line goes through
 * sv_worker_log(), ignore-term ignores the stop request, and fork-bomb and
 * orphan are refused (status 64), since their children would be copies of
 * supervise.  A fault such as segv ends supervise itself, as it should.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"
#include <supervise/worker.h>

SUPERVISE_WORKER_DECLARE;

/* The plugin's side of struct crashy_host. */
struct plugin_ctx {
	struct sv_worker *w;
	bool process;		/* sv_worker_mode() is SV_WORKER_PROCESS */
	bool ignoring;		/* ignore-term has fired */
};

/*
 * Set by SIGUSR1, in process mode only, where this plugin is alone in its
 * process: the one piece of global state, never touched in thread mode.
 */
static volatile sig_atomic_t usr1_seen;

static void
usr1_cb(int sig)
{
	(void)sig;
	usr1_seen = 1;
}

/*
 * SIGUSR1 stays blocked, except inside sv_worker_sleep(), which waits with
 * every signal unblocked: checking usr1_seen and then sleeping loses none.
 */
static void
usr1_setup(void)
{
	struct sigaction sa;
	sigset_t set;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = usr1_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGUSR1, &sa, NULL);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigprocmask(SIG_BLOCK, &set, NULL);
}

/* Sleep ms (< 0: for ever) whatever a stop says: for ignore-term. */
static void
sleep_through_stop(int64_t ms)
{
	struct timespec until;

	clock_gettime(CLOCK_MONOTONIC, &until);
	if (ms < 0)
		ms = (int64_t)CRASHY_LINGER * 1000;
	until.tv_sec += ms / 1000;
	until.tv_nsec += (long)(ms % 1000) * 1000000;
	if (until.tv_nsec >= 1000000000) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000;
	}
	clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL);
}

/* In thread mode: a SIGUSR1 pending for this thread, taken. */
static bool
thread_usr1(void)
{
	struct timespec zero = { 0, 0 };
	sigset_t pending, usr1;

	if (sigpending(&pending) == -1 || sigismember(&pending, SIGUSR1) != 1)
		return false;
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	return sigtimedwait(&usr1, NULL, &zero) == SIGUSR1;
}

static enum crashy_wake
plugin_wake(struct plugin_ctx *p)
{
	if (p->process && usr1_seen) {
		usr1_seen = 0;
		return WAKE_TRIGGER;
	}
	if (!p->process && thread_usr1())
		return WAKE_TRIGGER;
	if (sv_worker_should_stop(p->w))
		return WAKE_STOP;
	return WAKE_TIMEOUT;
}

static enum crashy_wake
plugin_wait(void *ctx, int64_t ms)
{
	struct plugin_ctx *p = ctx;
	enum crashy_wake wake;

	if (p->ignoring) {
		/* A stop would end sv_worker_sleep() at once, each time. */
		sleep_through_stop(ms);
		return WAKE_TIMEOUT;
	}
	if ((wake = plugin_wake(p)) != WAKE_TIMEOUT)
		return wake;
	/* For ever is an hour at a time: the caller waits again. */
	if (ms < 0 || ms > (int64_t)CRASHY_LINGER * 1000)
		ms = (int64_t)CRASHY_LINGER * 1000;
	sv_worker_sleep(p->w, (unsigned)ms);
	return plugin_wake(p);
}

static int
plugin_should_stop(void *ctx)
{
	struct plugin_ctx *p = ctx;

	return !p->ignoring && sv_worker_should_stop(p->w);
}

static void
plugin_ready(void *ctx)
{
	struct plugin_ctx *p = ctx;

	sv_worker_ready(p->w);
}

static void
plugin_heartbeat(void *ctx)
{
	struct plugin_ctx *p = ctx;

	sv_worker_heartbeat(p->w);
}

static void
plugin_ignore_stop(void *ctx)
{
	struct plugin_ctx *p = ctx;

	p->ignoring = true;
	if (p->process) {
		signal(SIGTERM, SIG_IGN);
		signal(SIGINT, SIG_IGN);
	}
}

static void
plugin_out(void *ctx, const char *fmt, va_list ap)
{
	struct plugin_ctx *p = ctx;

	if (p->process)
		crashy_write_line(STDOUT_FILENO, fmt, ap);
	else
		sv_worker_vlog(p->w, fmt, ap);
}

static void
plugin_err(void *ctx, const char *fmt, va_list ap)
{
	struct plugin_ctx *p = ctx;

	sv_worker_vlog(p->w, fmt, ap);
}

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	struct crashy_opts o;
	struct plugin_ctx p = { .w = w };
	struct crashy_host h = {
		.ctx = &p,
		.wait = plugin_wait,
		.should_stop = plugin_should_stop,
		.ready = plugin_ready,
		.heartbeat = plugin_heartbeat,
		.ignore_stop = plugin_ignore_stop,
		.out = plugin_out,
		.err = plugin_err,
	};
	char why[256];
	int status;

	p.process = sv_worker_mode(w) == SV_WORKER_PROCESS;
	h.process = p.process;
	status = crashy_parse(argc, argv, &o, why, sizeof(why));
	if (status == -1) {
		sv_worker_log(w, "%s", CRASHY_USAGE);
		sv_worker_log(w, "KIND: %s", CRASHY_KINDS);
		return 0;
	}
	if (status != 0) {
		sv_worker_log(w, "crashy: %s", why);
		sv_worker_log(w, "%s", CRASHY_USAGE);
		return status;
	}
	if (p.process)
		usr1_setup();
	return crashy_run(&o, &h);
}
