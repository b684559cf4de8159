/*
 * daemon.h: the supervise daemon itself: struct supervisor, and the
 * modules that give the state machine a host (libev, fork, sockets,
 * threads).  One prototype block per source file; everything not declared
 * here is static.
 */
#ifndef SUPERVISE_DAEMON_H
#define SUPERVISE_DAEMON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>
#include <sys/un.h>

#include "config.h"
#include "engine.h"
#include "linebuf.h"
#include "log.h"

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

struct ev_loop;
struct loop_state;	/* main.c: its watchers */
struct host_state;	/* host.c: the settle pass */
struct notify;		/* notify.c: the socket of whatever runs us */
struct control;		/* control.c */
struct sinks;		/* sink.c: stdout and the files */
struct ready_sock;	/* ready.c: the workers' notify socket */
struct plugin_table;	/* plugin.c: the loaded shared objects */
struct thread_host;	/* thread.c: the threads' wake-up */
struct spawn_state;	/* reap.c: how workers are reaped, their pids */
struct metrics_http;	/* metrics_http.c: the metrics listener */
struct hook_table;	/* hook.c: the hooks that run */
struct readings;	/* readings.c: CPU and RSS readings' refresh */

/*
 * The daemon: one, made in main() and carried to every loop callback as
 * the loop's userdata (ev_userdata in ev(3)); no module keeps it in a global.
 */
struct supervisor {
	struct ev_loop *loop;
	const struct worker_host *host;	/* chosen once by mode (host.c) */
	struct worker_tally tally;	/* the workers by class (worker.c) */
	struct config *cfg;
	const char *config_path;
	const char *socket_override;	/* -s */
	int mode_override;		/* -m, or -1 */
	int verbosity;			/* -1 quiet, 0 normal, 1 verbose */
	pid_t pid;

	struct worker **workers;	/* in start order */
	size_t nworkers;

	struct restart_window window;	/* supervisor-wide restart limit */
	unsigned long last_worker_id;
	bool shutting_down;
	bool kill_now;			/* second TERM/INT */
	bool after_pending;		/* some worker may wait for after= */
	bool removed_pending;		/* some worker removed, not yet freed */
	size_t down_from;		/* shutdown: workers before it are down */
	int exit_status;

	struct {
		int64_t start_ms;	/* Unix milliseconds at start */
		uint64_t reloads, reloads_failed;
		uint64_t requests;	/* on the control socket */
	} stats;

	struct config **retired;	/* reloaded away, still referenced */
	size_t nretired;

	struct loop_state *priv;	/* main.c: watchers */
	struct host_state *host_state;	/* host.c: the settle pass */
	struct notify *notify;		/* notify.c, or NULL */
	struct control *control;	/* control.c state */
	struct sinks *out;		/* sink.c: the sinks */
	struct output_pace *pace;	/* output.c: polling while pipes pour */
	struct ready_sock *ready;	/* ready.c: the workers' notify socket */
	struct plugin_table *plugins;	/* plugin.c: the loaded shared objects */
	struct thread_host *threads;	/* thread.c: the threads' wake-up */
	struct spawn_state *spawn;	/* reap.c: reaping, pid -> worker */
	struct metrics_http *metrics;	/* metrics_http.c, or NULL */
	struct hook_table *hooks;	/* hook.c, or NULL */
	struct readings *readings;	/* readings.c, or NULL */
};

/* ------------------------------------------------------------------ env.c */
/*
 * The worker's environment: supervise's own without NOTIFY_SOCKET,
 * WATCHDOG_* and LISTEN_*; then pre; then env=; then post.  A KEY set
 * twice keeps its later value.  The array is malloc'd, its strings are
 * borrowed.
 */
char **env_build(struct worker *w, char *pre[], size_t npre, char *post[],
    size_t npost);
const char *env_lookup(char **env, const char *key);	/* or NULL */

/* ----------------------------------------------------------------- host.c */
/* The host of the state machine for a mode: process or thread. */
const struct worker_host *host_for_mode(enum sv_mode mode);
int host_init(struct supervisor *sv);		/* the settle pass */
void host_close(struct supervisor *sv);
/* Free a worker and everything the host modules hold for it. */
/* A new worker's host state (its timers); -1 if out of memory. */
int host_adopt(struct worker *w);
void host_discard(struct worker *w);

/* ---------------------------------------------------------------- spawn.c */
int spawn_init(struct supervisor *sv);
/* The process host's spawn (see struct worker_host). */
int spawn_process(struct worker *w, char *why, size_t whylen);
/* Find cmd in pathvar's directories as execvp would: 0, or an errno. */
int spawn_resolve(const char *cmd, const char *pathvar, char *out,
    size_t len);
/* Say so in the event log when the fd limit is too low for cfg. */
void spawn_check_nofile(const struct config *cfg);
void spawn_close(struct supervisor *sv);

/* ----------------------------------------------------------------- reap.c */
/* The process host's signal (see struct worker_host): to the group. */
void spawn_signal(struct worker *w, int sig);
/*
 * On SIGCHLD: reap at most SPAWN_REAP_MAX children; true if more may be
 * waiting (the caller comes back on a later loop pass).
 */
#define SPAWN_REAP_MAX 64
bool spawn_reap(struct supervisor *sv);
/* A SIGCHLD must be walked at once: some child has no pidfd to say so. */
bool spawn_sigchld_urgent(struct supervisor *sv);
void spawn_free(struct worker *w);
/* The worker whose process has this pid (unreaped), or NULL. */
struct worker *spawn_find_pid(struct supervisor *sv, pid_t pid);
/* Signal the worker's own process (not its group): 0, or -1 and errno. */
int spawn_signal_pid(struct worker *w, int sig);

/* --------------------------------------------------------------- output.c */
int output_init(struct supervisor *sv);
/*
 * Before fork: make what the child needs for fd 1 and 2 (pipes, /dev/null,
 * or -1 to inherit).  After fork the parent calls output_started(), which
 * closes the child's ends; on failure output_abort().
 */
int output_prepare(struct worker *w, int child_fd[2], char *why,
    size_t whylen);
void output_started(struct worker *w, int child_fd[2]);
void output_abort(struct worker *w, int child_fd[2]);
/* The worker's process is gone: read what is left, end the last line. */
void output_drain(struct worker *w);
void output_reopen(struct supervisor *sv);	/* USR1 */
void output_free(struct worker *w);
void output_shutdown(struct supervisor *sv);	/* flush what is queued */

#define OUTPUT_READ_MAX	(128 * 1024)	/* per read(2) */
#define OUTPUT_READ_PASS (512 * 1024)	/* per pipe and callback: fairness */

/* -------------------------------------------- sink.c, sink_file.c, sink_std.c */
/*
 * The destinations of captured lines: supervise's stdout and appended
 * files, each with a bounded queue that sink.c writes without blocking.
 * A sink that falls behind is paused (its pipes are not read); one that
 * then takes nothing for a while drops their lines until it catches up.
 */
#define SINK_QUEUE_CAP	(1024 * 1024)	/* bytes queued on a sink, at most */
#define SINK_FLUSH_NOW	(64 * 1024)	/* queued: written before more is read */

enum sink_state {
	SINK_NORMAL,
	SINK_PAUSED,		/* over its high mark: pipes not read */
	SINK_DROPPING,		/* stalled: pipes read, lines dropped */
};

struct stream;		/* output.c: a pipe from a worker */

/* What output.c reads and queues on; sink.c keeps the fd and watchers. */
struct sink {
	char *path;			/* NULL: supervise's stdout */
	const char *label;		/* "stdout" or the path */
	enum sink_state state;
	bool broken;			/* no reader: discard everything */
	bool steady;			/* never waits on a reader: a file */
	struct linequeue q;		/* whole lines, written in any pieces */
	TAILQ_HEAD(, stream) streams;	/* the pipes feeding it */
	TAILQ_HEAD(, stream) parked;	/* found it paused: resumed with it */
	TAILQ_HEAD(, stream) dropping;	/* with drops not yet reported */
};

/* What a sink tells the module feeding it; output.c registers one. */
struct sink_listener {
	void (*watch)(struct sink *s);	/* its state changed: read or not */
	void (*report)(struct sink *s);	/* say what its pipes dropped */
};

/* sv->out, with stdout. */
int sink_init(struct supervisor *sv, const struct sink_listener *l);
/*
 * The sink for the file at path, shared by every pipe that names it with
 * the same credentials, or supervise's stdout for NULL; NULL with why set
 * if the file cannot be opened.  A worker with a user (wc->user) has its
 * file opened, and reopened, as that user and group: never through a
 * symbolic link, and only a regular file (supervise.ini(5), OUTPUT).
 * Each sink_get() is undone by one sink_put().
 */
struct sink *sink_get(struct supervisor *sv, const char *path,
    const struct worker_config *wc, char *why, size_t whylen);
void sink_put(struct sink *s);
/* Write what s takes now, then pause, resume or stop dropping. */
void sink_flush(struct sink *s);
/* The same, once this loop pass has read every pipe that is ready. */
void sink_flush_later(struct sink *s);
/* Only write what s takes now; true if nothing is left queued. */
bool sink_write(struct sink *s);
/* Where pipes are read into, OUTPUT_READ_MAX bytes: one for all. */
char *sink_read_buffer(struct supervisor *sv);
void sink_reopen(struct supervisor *sv);	/* the files, for USR1 */
/* At exit: write what is queued, waiting a while at most for readers. */
void sink_flush_all(struct supervisor *sv);
/* Free every sink; no pipe feeds one any more. */
void sink_close(struct supervisor *sv);

/* --------------------------------------------------------------- record.c */
struct pbuf;
int64_t record_wall_ms(void);			/* CLOCK_REALTIME */
void record_line(struct worker *w, const char *line, size_t len);
/* The same for lines of at most LINE_MAX_LEN bytes, each with its LF. */
void record_run(struct worker *w, const char *run, size_t len, size_t lines);
void record_dropped(struct worker *w);
/* Around worker_exited(): how the process ended, what the policy did. */
void record_exit(struct worker *w, int wstatus, int exec_errno);
void record_decision(struct worker *w);
void record_free(struct worker *w);
/* Replies: the last n lines (l records), the exits (x and o records). */
void record_log(struct worker *w, size_t n, struct pbuf *b);
void record_why(struct worker *w, struct pbuf *b);
/* Every metric, in the exposition format (metrics.h). */
void record_metrics(struct supervisor *sv, struct pbuf *b);

/* ------------------------------------------------------------- readings.c */
struct usage;
/*
 * w's CPU and RSS reading to show at now_ns, or NULL; a stale one is read
 * again first while *budget (reads this request may still make) lasts.
 */
const struct usage *readings_get(struct worker *w, int64_t now_ns,
    unsigned *budget);
/* A reader asked: refresh stale readings in the background a while. */
void readings_asked(struct supervisor *sv);
void readings_free(struct worker *w);		/* from record_free() */
void readings_close(struct supervisor *sv);

/* ----------------------------------------------------------------- hook.c */
/* The worker's process ended (wstatus), after record_exit(). */
void hook_exited(struct worker *w, int wstatus);
/* From host.c's change fan-out: on_fatal when w has become FATAL. */
void hook_changed(struct worker *w);
/* From spawn_reap(), for a child that is no worker: true if a hook. */
bool hook_reaped(struct supervisor *sv, pid_t pid, int wstatus);
/* Some hook is running: its exit is seen on SIGCHLD only. */
bool hook_running(struct supervisor *sv);
void hook_free(struct worker *w);
void hook_close(struct supervisor *sv);		/* at exit: kill them */

/* ------------------------------------------------------------- listener.c */
/*
 * Accepting on a listening socket: every connection, non-blocking and
 * close-on-exec, goes to accepted(), which owns its fd.  Out of fds (or
 * on another error) the listener pauses 1s and tries again, saying so in
 * the event log when the pause begins and when it ends.  The fd stays
 * the caller's to close, after listener_free().
 */
struct listener;
typedef void listener_accepted_fn(struct supervisor *sv, int fd);
struct listener *listener_new(struct supervisor *sv, int fd,
    const char *name, listener_accepted_fn *accepted);	/* NULL: ENOMEM */
void listener_free(struct listener *l);

/* --------------------------------------------------------- metrics_http.c */
/* [supervisor] metrics_listen: GET /metrics from the loop.  0 or -1. */
int metrics_http_init(struct supervisor *sv);
void metrics_http_close(struct supervisor *sv);

/* ------------------------------------------------------- control_socket.c */
/* The control socket's file, made by control_socket_open(). */
struct control_socket {
	int fd;				/* listening, or -1 */
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;			/* the file bound: removed at exit */
	ino_t ino;			/* only while it is still this one */
};
/* Make, bind and listen (supervise(1), CONTROL SOCKET); -1: said why. */
int control_socket_open(struct supervisor *sv, struct control_socket *cs);
/* Root or supervise's own uid at the other end of fd; *uid is set. */
bool control_socket_peer_allowed(int fd, uid_t *uid);
/* Close it, and remove the file if it is still the one bound. */
void control_socket_close(struct control_socket *cs);

/* -------------------------------------------------------------- control.c */
int control_init(struct supervisor *sv);	/* 0, or an exit status */
/* A worker's output line, for the clients that follow it. */
void control_follow_line(struct worker *w, const char *line, size_t len);
/* The same for whole lines, each with its LF. */
void control_follow_run(struct worker *w, const char *run, size_t len);
void control_worker_changed(struct worker *w);
void control_worker_freed(struct worker *w);
void control_close(struct supervisor *sv);
/* Run command_kick() and serve the clients on the next loop iteration. */
void control_kick(struct supervisor *sv);

/* -------------------------------------------------------------- command.c */
struct pbuf;			/* proto.h */
struct command_wait;		/* a start, stop or restart under way */
struct command_status;		/* a status reply under way */

/* A control client as the commands see it; control.c keeps one in each. */
struct command_client {
	struct supervisor *sv;
	struct pbuf *out;		/* the client's queued replies */
	struct command_wait *wait;	/* or NULL */
	struct command_status *status;	/* or NULL: rows still to encode */
	bool shutdown_wait;		/* answered by supervise's exit */
	unsigned long *follow;		/* follow: the workers' ids */
	size_t nfollow;			/* > 0 while following */
	bool progress;			/* wants wait lines (proto.h) */
};

/* Carry out one request line (without its newline). */
void command_request(struct command_client *c, const char *line,
    size_t len);
/* From control_worker_changed(): only marks; acting waits for the kick. */
void command_worker_changed(struct command_client *c,
    const struct worker *w);
/* From the kick timer: the second halves of restarts, and what is done. */
void command_kick(struct command_client *c);
void command_wait_free(struct command_wait *p);
/* Queue w's output line if c follows w; true if it did. */
bool command_follow_line(struct command_client *c, const struct worker *w,
    const char *line, size_t len);
/* command_status.c: a status of ws (n workers, ws becomes the reply's). */
void command_status_start(struct command_client *c, struct worker **ws,
    size_t n);
/*
 * From the kick timer, once per loop pass while c->status is set: the
 * next chunk of a status reply; true while more is left.
 */
bool command_status_more(struct command_client *c);
/* w is about to be freed: leave it out of status replies under way. */
void command_worker_freed(struct command_client *c, const struct worker *w);
void command_status_free(struct command_status *st);

/* ----------------------------------------------------------------- main.c */
struct worker *supervisor_find(struct supervisor *sv, const char *name);
void supervisor_shutdown(struct supervisor *sv, int status);
/* During a shutdown, once a worker is down: end the loop if all are. */
void supervisor_check_done(struct supervisor *sv);
int supervisor_add_workers(struct supervisor *sv, struct config *cfg);
/* Refuse what the config format knows but this build cannot do yet. */
int supervisor_check_supported(struct supervisor *sv,
    const struct config *cfg, struct errlist *errs);

/* --------------------------------------------------------------- plugin.c */
struct sv_worker;
typedef int plugin_main_fn(struct sv_worker *, int, char **);
/* A plugin's log line, one write(2) to fd (both hosts use it). */
void plugin_log_line(int fd, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/*
 * dlopen (RTLD_NOW | RTLD_LOCAL) every plugin of cfg not loaded yet, and
 * check its ABI version and entry point.  Returns the number of errors
 * added ("FILE:LINE: plugin: ...").  Plugins stay loaded until
 * plugin_unload(): threads and forked children run their code.
 */
int plugin_load(struct supervisor *sv, const struct config *cfg,
    struct errlist *errs);
plugin_main_fn *plugin_entry(struct supervisor *sv, const char *path);
void plugin_unload(struct supervisor *sv);
/*
 * In the forked child of a process-mode plugin worker, once its fds,
 * credentials and environment are set: run the plugin, exit with its
 * return value.  All signals are blocked on entry.
 */
_Noreturn void plugin_child(struct worker *w, plugin_main_fn *fn);

/* ---------------------------------------------------------------- fault.c */
/* The node of a worker thread in the list the fault handler reads. */
struct fault_node {
	struct fault_node *_Atomic next;
	struct fault_node *prev;	/* the loop thread's alone */
	const char *name;		/* constant while the thread runs */
	uintptr_t guard_lo, guard_hi;	/* its stack's guard area */
	void *altstack;			/* its sigaltstack */
};
/*
 * In thread mode, before the first thread starts: catch SEGV, BUS, FPE,
 * ILL and ABRT on every thread's sigaltstack, to log the line of
 * fault_format() (log.h) before the signal ends supervise.
 */
int fault_init(struct supervisor *sv);
void fault_close(struct supervisor *sv);
/* The loop thread, before the worker thread starts and after its join. */
int fault_node_init(struct fault_node *n, const char *name);
void fault_node_add(struct fault_node *n);
/* Unlinked; false if a handler may still read it: then leak, never free. */
bool fault_node_remove(struct fault_node *n);
void fault_node_free(struct fault_node *n);
/* In the worker thread: first thing, and last before it returns. */
void fault_thread_enter(struct fault_node *n);
void fault_thread_leave(struct fault_node *n);

/* --------------------------------------------------------------- thread.c */
int thread_init(struct supervisor *sv);
/* The thread host's spawn of a plugin: 1 with the thread started, or -1. */
int thread_spawn(struct worker *w, char *why, size_t whylen);
/* Its signal to a thread: asks it to stop; KILL cannot, so exits 70. */
void thread_signal(struct worker *w, int sig);
/* supervisectl signal: 0, or -1 with why (KILL, STOP, faults refused). */
int thread_kill(struct worker *w, int sig, char *why, size_t whylen);
void thread_close(struct supervisor *sv);

/* ---------------------------------------------------------------- ready.c */
/* "NOTIFY_SOCKET=@NAME" for a worker's environment, or NULL. */
const char *ready_env(struct supervisor *sv);
void ready_close(struct supervisor *sv);

/* --------------------------------------------------------------- notify.c */
void notify_init(struct supervisor *sv);	/* if NOTIFY_SOCKET is set */
void notify_changed(struct supervisor *sv);
void notify_reloading(struct supervisor *sv, bool begin);
void notify_stopping(struct supervisor *sv);
void notify_close(struct supervisor *sv);

/* --------------------------------------------------------------- reload.c */
/* 0 when applied; else the number of errors in errs, and nothing changed. */
int supervisor_reload(struct supervisor *sv, struct errlist *errs);
/* Free the configs of earlier reloads that no worker refers to any more. */
void supervisor_retire_configs(struct supervisor *sv);

#endif
