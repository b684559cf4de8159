/*
 * <supervise/worker.h>: the ABI of in-process (plugin) workers.
 *
 * A plugin worker is a shared object named by `plugin =` in a [worker:NAME]
 * section of supervise.ini(5).  It exports exactly two symbols:
 *
 *	#include <supervise/worker.h>
 *
 *	SUPERVISE_WORKER_DECLARE;
 *
 *	int
 *	supervise_worker_main(struct sv_worker *w, int argc, char **argv)
 *	{
 *		sv_worker_ready(w);
 *		while (!sv_worker_should_stop(w)) {
 *			sv_worker_log(w, "working");
 *			sv_worker_heartbeat(w);
 *			sv_worker_sleep(w, 1000);
 *		}
 *		return 0;
 *	}
 *
 * and is built against the installed header (supervise-worker(3)) with
 *
 *	cc -shared -fPIC -fvisibility=hidden \
 *	    $(pkg-config --cflags supervise-worker) -o hello.so hello.c
 *
 * SUPERVISE_WORKER_DECLARE defines `supervise_worker_abi`, the ABI version
 * the plugin was built for; supervise refuses (as a config error) a plugin
 * whose version is not its own.  The prototype below marks
 * supervise_worker_main for export even under -fvisibility=hidden.
 *
 * The plugin reaches its host only through w: every sv_worker_* function is
 * an inline call through the table of function pointers in w, so a plugin
 * resolves no symbol from supervise and links against nothing of it.  The
 * same plugin runs unchanged in both of supervise's modes:
 *
 * process mode (the default)
 *	The plugin is loaded into a forked child of supervise, which does not
 *	exec.  The child has its own process group; stdin is /dev/null and
 *	stdout and stderr are the worker's outputs as configured.  The host
 *	catches the stop signal (stop_signal, TERM by default) with a handler
 *	installed without SA_RESTART: sv_worker_should_stop() becomes true,
 *	sv_worker_sleep() returns, and a blocking system call of the plugin
 *	fails with EINTR.  If main does not return within stop_timeout, the
 *	process group is sent KILL.  sv_worker_ready() and
 *	sv_worker_heartbeat() send sd_notify datagrams (READY=1, WATCHDOG=1) to
 *	the supervisor; sv_worker_log() writes one line to stderr.  The plugin
 *	owns the process: it may install signal handlers (other than for the
 *	stop signal), fork, or call exit(3).  The value main returns is the
 *	process's exit status.
 *
 * thread mode ([supervisor] mode = thread)
 *	The plugin runs in a thread of supervise itself.  Several workers, and
 *	several instances of one plugin, run at once in one process: keep no
 *	global mutable state, and do not touch what the process shares (signal
 *	dispositions, the process signal mask, the working directory, the
 *	environment, descriptors you did not open); do not call exit(3) or
 *	fork(2).  sv_worker_ready() and sv_worker_heartbeat() are direct calls
 *	into supervise; sv_worker_log() lines reach supervise's output as
 *	`NAME | line`.  A stop is seen only through sv_worker_should_stop() and
 *	sv_worker_sleep(): a thread cannot be killed, so a worker that does not
 *	return within its stop_timeout makes supervise exit (status 70).  A
 *	fault (SIGSEGV, abort(3) ...) ends supervise and every worker with it,
 *	after supervise has logged which worker faulted and which end with
 *	it: leave the fault signals' handlers and mask alone.  Other signals
 *	are blocked in the thread; `supervisectl signal` sends one to the
 *	thread (pthread_kill), where it stays pending for sigtimedwait(2),
 *	and ends sv_worker_sleep().
 *
 * sv_worker_mode() tells which of the two a plugin runs in.
 *
 * Arguments: argv[0] is the plugin's path (absolute, as resolved from the
 * config), argv[1] ... argv[argc - 1] are the words of `args`, split like a
 * command, and argv[argc] is NULL.  The strings and w stay valid until main
 * returns.  Call the sv_worker_* functions from the thread that runs
 * supervise_worker_main.
 *
 * Return value: 0 is success; any other value is a failure exit status
 * (taken modulo 256, as by exit(3)), judged by restart and success_exit as
 * for a command.
 */
#ifndef SUPERVISE_WORKER_H
#define SUPERVISE_WORKER_H

#include <stdarg.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Bumped on every change to struct sv_worker_ops or to the meaning of its
 * entries: a plugin is loaded only by a host of the same version.
 */
#define SUPERVISE_WORKER_ABI_VERSION 1

/* The names a host looks up with dlsym(3). */
#define SUPERVISE_WORKER_MAIN_SYMBOL "supervise_worker_main"
#define SUPERVISE_WORKER_ABI_SYMBOL "supervise_worker_abi"

#if defined(__GNUC__) || defined(__clang__)
#define SV_WORKER_EXPORT __attribute__((visibility("default")))
#define SV_WORKER_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SV_WORKER_EXPORT
#define SV_WORKER_PRINTF(f, a)
#endif

/* What sv_worker_mode() returns. */
#define SV_WORKER_PROCESS 1	/* a forked child of supervise */
#define SV_WORKER_THREAD 2	/* a thread inside supervise */

struct sv_worker;

/*
 * The host's side of the ABI, filled in by supervise.  Plugins call the
 * sv_worker_* wrappers below, never these entries directly.
 */
struct sv_worker_ops {
	unsigned abi_version;	/* SUPERVISE_WORKER_ABI_VERSION of the host */
	size_t size;		/* sizeof(struct sv_worker_ops) of the host */

	const char *(*name)(struct sv_worker *w);
	int (*should_stop)(struct sv_worker *w);
	int (*sleep)(struct sv_worker *w, unsigned ms);
	void (*ready)(struct sv_worker *w);
	void (*heartbeat)(struct sv_worker *w);
	void (*vlog)(struct sv_worker *w, const char *fmt, va_list ap);
	int (*mode)(struct sv_worker *w);
};

/* One running worker instance, owned by the host. */
struct sv_worker {
	const struct sv_worker_ops *ops;
	void *host;		/* the host's own state: do not touch */
};

/*
 * The worker's entry point, exported by the plugin.  See the top of this
 * file for its arguments and return value.
 */
SV_WORKER_EXPORT int supervise_worker_main(struct sv_worker *w, int argc,
    char **argv);

/*
 * Defines the ABI version symbol: write it once, at file scope, in one
 * source file of the plugin.
 */
#define SUPERVISE_WORKER_DECLARE \
	SV_WORKER_EXPORT extern const unsigned supervise_worker_abi; \
	const unsigned supervise_worker_abi = SUPERVISE_WORKER_ABI_VERSION

/*
 * The instance's name, as in the event log and in SUPERVISE_NAME: `NAME`,
 * or `NAME:N` when the section has several instances.
 */
static inline const char *
sv_worker_name(struct sv_worker *w)
{
	return w->ops->name(w);
}

/* Nonzero once a stop was asked: clean up and return from main. */
static inline int
sv_worker_should_stop(struct sv_worker *w)
{
	return w->ops->should_stop(w);
}

/*
 * Wait ms milliseconds.  Returns 0 when they have passed, or -1 earlier:
 * at once when a stop was asked (before or during the wait); in process
 * mode also when a signal caught by a handler interrupts the wait, and in
 * thread mode when `supervisectl signal` sends the thread a signal.
 * In process mode the wait is made with every signal unblocked (as ppoll(2)
 * with an empty mask does), so a plugin may keep the signal it handles
 * blocked, check the flag its handler sets, then sleep, without missing a
 * signal that arrives in between.
 */
static inline int
sv_worker_sleep(struct sv_worker *w, unsigned ms)
{
	return w->ops->sleep(w, ms);
}

/*
 * Tell the supervisor the worker is ready (READY=1): with ready = notify
 * the worker is STARTING until then.  Harmless otherwise.
 */
static inline void
sv_worker_ready(struct sv_worker *w)
{
	w->ops->ready(w);
}

/*
 * Tell the supervisor the worker is alive (WATCHDOG=1): with a watchdog
 * period set, a worker that misses one is restarted.  Harmless otherwise.
 */
static inline void
sv_worker_heartbeat(struct sv_worker *w)
{
	w->ops->heartbeat(w);
}

/*
 * Write one line of output, printf-style: it reaches supervise's output as
 * `NAME | line` (with the default stdout = prefix).  A trailing newline is
 * not needed; lines longer than 4096 bytes are cut into several.
 */
static inline void SV_WORKER_PRINTF(2, 3)
sv_worker_log(struct sv_worker *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	w->ops->vlog(w, fmt, ap);
	va_end(ap);
}

/* sv_worker_log() with a va_list, for a plugin's own printf-like wrappers. */
static inline void
sv_worker_vlog(struct sv_worker *w, const char *fmt, va_list ap)
{
	w->ops->vlog(w, fmt, ap);
}

/* SV_WORKER_PROCESS or SV_WORKER_THREAD: see the top of this file. */
static inline int
sv_worker_mode(struct sv_worker *w)
{
	return w->ops->mode(w);
}

#ifdef __cplusplus
}
#endif

#endif
