/*
 * supervise: the one internal header.  Shared structs first, then one
 * prototype block per source file.  Everything not declared here is static.
 */
#ifndef SUPERVISE_H
#define SUPERVISE_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/resource.h>
#include <sys/types.h>

#ifndef SUPERVISE_VERSION
#define SUPERVISE_VERSION "0.1.0"
#endif

/* sysexits(3) values used by the contract. */
#define EXIT_GAVE_UP 1
#define EXIT_USAGE 64
#define EXIT_SOFTWARE 70
#define EXIT_CANTCREAT 73
#define EXIT_CONFIG 78

#define NAME_MAX_LEN 40		/* a [worker:NAME] name */
#define WORKER_NAME_LEN 56	/* NAME:N with room for the instance */
#define LINE_MAX_LEN 4096	/* a captured output line is cut here */

#define container_of(ptr, type, member) \
	((type *)(void *)((char *)(ptr) - offsetof(type, member)))

/* ---------------------------------------------------------------- config */

enum sv_mode { MODE_PROCESS, MODE_THREAD };
enum sv_strategy { STRATEGY_ONE_FOR_ONE, STRATEGY_ONE_FOR_ALL,
	STRATEGY_REST_FOR_ONE };
enum sv_restart { RESTART_ALWAYS, RESTART_ON_FAILURE, RESTART_NEVER };
enum sv_log_format { LOG_TEXT, LOG_JSON };
enum sv_ready { READY_NONE, READY_NOTIFY };

enum output_kind {
	OUTPUT_PREFIX,		/* "NAME | line" on supervise's stdout */
	OUTPUT_INHERIT,		/* supervise's own fd */
	OUTPUT_NULL,		/* /dev/null */
	OUTPUT_FILE,		/* appended by supervise to path */
	OUTPUT_STDOUT,		/* stderr only: merged into stdout */
};

struct output_spec {
	enum output_kind kind;
	char *path;		/* OUTPUT_FILE: absolute path */
};

enum { LIMIT_NOFILE, LIMIT_NPROC, LIMIT_CORE, LIMIT_AS, LIMIT_CPU,
	LIMIT_COUNT };

struct limit_spec {
	bool set;
	rlim_t value;		/* RLIM_INFINITY for "infinity" */
};

/* One [worker:NAME] section, shared by all of its instances. */
struct worker_config {
	char name[NAME_MAX_LEN + 1];
	char *file;		/* where the section starts, for messages */
	int line;

	char **argv;		/* command, NULL-terminated; NULL with plugin */
	char *plugin;		/* absolute path; NULL with command */
	int plugin_line;	/* where plugin = is, for messages */
	char **args;		/* plugin arguments, NULL-terminated, or NULL */
	unsigned instances;
	bool autostart;

	enum sv_restart restart;
	uint8_t success_exit[32];	/* bitmap of exit statuses 0-255 */
	int64_t restart_delay_ms;
	int64_t backoff_max_ms;
	int64_t min_uptime_ms;
	unsigned restart_limit;		/* 0: no limit */
	int64_t restart_window_ms;

	int stop_signal;
	int64_t stop_timeout_ms;

	char *directory;	/* absolute, or NULL to inherit */
	char *user;		/* NULL to inherit */
	char *group;
	uid_t uid;		/* resolved from user, valid if user != NULL */
	gid_t gid;		/* from group, else user's primary group */
	char *home;		/* user's home directory */
	int umask;		/* -1: inherit */

	char **env;		/* KEY=VALUE, NULL-terminated, in file order */
	size_t nenv;

	struct output_spec out, err;

	enum sv_ready ready;
	int64_t start_timeout_ms;
	int64_t watchdog_ms;		/* 0: off */
	char **after;			/* worker names, NULL-terminated */
	size_t nafter;

	struct limit_spec limits[LIMIT_COUNT];

	/* Canonical text of the section: equal text means unchanged on reload. */
	char *fingerprint;
};

struct config {
	char *path;
	enum sv_mode mode;
	char *socket;			/* NULL: the default path */
	enum sv_strategy strategy;
	unsigned restart_limit;		/* supervisor-wide, 0: no limit */
	int64_t restart_window_ms;
	int64_t shutdown_timeout_ms;
	enum sv_log_format log_format;

	struct worker_config *workers;	/* in start order */
	size_t nworkers;
};

/* Every error found, as complete "FILE:LINE: key: message" strings. */
struct errlist {
	char **msg;
	size_t len, cap;
};

/* ----------------------------------------------------------- worker state */

enum worker_state {
	STATE_STOPPED,
	STATE_STARTING,
	STATE_RUNNING,
	STATE_BACKOFF,
	STATE_STOPPING,
	STATE_EXITED,
	STATE_FATAL,
};

/*
 * The times of the last restarts, a ring of at most `limit` entries: the
 * restart that would make limit+1 within the window is refused.
 */
struct restart_window {
	int64_t *times;
	unsigned cap, len, head;
};

/* Why supervise stopped a worker that nobody asked to stop. */
enum forced_stop { FORCED_NONE, FORCED_START_TIMEOUT, FORCED_WATCHDOG };

struct ev_loop;
struct output;		/* output.c */
struct spawn_info;	/* spawn.c */
struct plugin_thread;	/* thread.c */

struct worker {
	struct supervisor *sv;
	struct worker_config *cfg;	/* swapped on reload */
	char name[WORKER_NAME_LEN];	/* NAME, or NAME:N with instances */
	unsigned long id;		/* unique for supervise's lifetime */
	unsigned instance;
	size_t index;			/* position in start order */

	enum worker_state state;
	pid_t pid;			/* > 1 while a process exists, else 0 */
	int64_t spawned_ms;		/* when the current process was spawned */
	int64_t running_ms;		/* when it reached RUNNING */
	unsigned restarts;		/* automatic restarts since start */
	unsigned failures;		/* consecutive failed starts */
	bool has_exited;		/* last_status is valid */
	int last_status;		/* wait status of the last exit */
	int stop_sig_sent;		/* the stop signal we sent, or 0 */
	bool stop_wanted;		/* stopped by request: never restart */
	bool restart_wanted;		/* stopped by a strategy: start again */
	bool removed;			/* dropped by reload: free once down */
	bool start_pending;		/* autostart waiting for after= */
	bool stop_pending;		/* shutdown waiting for dependents */
	enum forced_stop forced;	/* start timeout or watchdog */
	char *reason;			/* why FATAL, for status */

	struct restart_window window;

	void *timer;			/* struct ev_timer, owned by main.c */
	struct spawn_info *exec;	/* spawn.c: how the last spawn went */
	struct output *output;		/* output.c: capture state, or NULL */
	struct plugin_thread *thread;	/* thread.c: while a thread runs */
	char status_text[128];		/* STATUS= from sd_notify */
};

struct supervisor {
	struct ev_loop *loop;
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
	int exit_status;

	struct config **retired;	/* reloaded away, still referenced */
	size_t nretired;

	void *priv;			/* main.c: watchers */
	void *control;			/* control.c state */
	void *out;			/* output.c: the stdout sink */
	void *ready;			/* ready.c: the workers' notify socket */
	void *plugins;			/* plugin.c: the loaded shared objects */
	void *threads;			/* thread.c: the threads' wake-up */
};

/* ------------------------------- config.c, keys.c, inifile.c, parse.c */
/*
 * Read the file at path and the files it includes.  mode_override is -1,
 * or MODE_PROCESS or MODE_THREAD (-m), which replaces [supervisor] mode.
 * Returns the number of errors appended to errs (each "FILE:LINE: key:
 * message", in file and line order); on 0, cfg is complete and must be
 * config_free'd.  On errors cfg is freed already.
 *
 * A worker's fingerprint covers every effective setting of its section
 * except instances, which reload compares on its own (N -> M touches only
 * the difference).
 */
int config_load(const char *path, int mode_override, struct config *cfg,
    struct errlist *errs);
void config_free(struct config *cfg);
void config_worker_defaults(struct worker_config *wc);

/* Value parsers (parse.c): 0 on success, -1 if s is not valid. */
int parse_number(const char *s, uint64_t *n);	/* digits only */
int parse_duration(const char *s, int64_t *ms);
int parse_size(const char *s, uint64_t *bytes);
int parse_bool(const char *s, bool *b);
int parse_signal(const char *s, int *sig);	/* "TERM", "SIGTERM", "15" */
const char *signal_name(int sig);	/* "TERM", or NULL if unknown */
/* Shell-like words; returns their number, or -1 with *why set. */
int split_argv(const char *s, char ***argv, const char **why);
void free_argv(char **argv);
/* path made absolute relative to dir (malloc'd), or NULL */
char *parse_path(const char *dir, const char *path);
void errlist_add(struct errlist *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void errlist_free(struct errlist *errs);

/*
 * The INI syntax (inifile.c): a file as inih splits it, with continuation
 * lines joined and every syntax error kept with its line.
 */
struct ini_error {
	int line;		/* 0: about the whole file */
	char *msg;
};

struct ini_errors {
	struct ini_error *v;
	size_t len, cap;
	bool oom;		/* out of memory: something is missing */
};

struct ini_entry {
	char *key;
	char *value;
	int line;
	bool comment;		/* a " ;" comment was cut from the value */
};

struct ini_section {
	char *name;		/* between the brackets, never truncated */
	int line;
	struct ini_entry *entries;
	size_t nentries, cap;
};

struct ini_file {
	struct ini_section *sections;
	size_t nsections, cap;
};

/* 0, or -1 with errno set if the file could not be opened or read. */
int inifile_read(const char *path, struct ini_file *f,
    struct ini_errors *errs);
void inifile_free(struct ini_file *f);
void inifile_error(struct ini_errors *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void inifile_errors_free(struct ini_errors *errs);

/*
 * The keys (keys.c): read one section over the defaults; errors as
 * "key: message" at their lines.  The caller frees a worker's strings with
 * keys_worker_free() whatever happened, and sets name, file and line.
 */
void keys_supervisor(struct config *cfg, const struct ini_section *sec,
    const char *dir, char ***include, int *include_line,
    struct ini_errors *errs);
void keys_worker(struct worker_config *wc, enum sv_mode mode,
    const struct ini_section *sec, const char *dir, int *after_line,
    struct ini_errors *errs);
void keys_worker_free(struct worker_config *wc);
/*
 * A worker's user and group (users.c): ids, and the user's home, from
 * the names or numbers; errors at the keys' lines.
 */
void users_resolve(struct worker_config *wc, int user_line, int group_line,
    struct ini_errors *errs);

/* ------------------------------------------------------------- policy.c */
/* Pure decisions: no clock of their own, no side effects beyond the rings. */
bool policy_should_restart(const struct worker_config *wc, int wstatus,
    int stop_sig_sent);
bool policy_is_success(const struct worker_config *wc, int wstatus);
int64_t policy_backoff(const struct worker_config *wc, unsigned failures);
int window_init(struct restart_window *win, unsigned limit);
void window_free(struct restart_window *win);
/* Record a restart at now; false if it would exceed limit within window. */
bool window_admit(struct restart_window *win, unsigned limit,
    int64_t window_ms, int64_t now);
void window_reset(struct restart_window *win);

/* ------------------------------------------------------------- worker.c */
struct worker *worker_new(struct supervisor *sv, struct worker_config *wc,
    unsigned instance);
void worker_free(struct worker *w);
const char *worker_state_name(enum worker_state st);
/* A process exists, or a worker thread has not been joined. */
bool worker_is_up(const struct worker *w);
bool worker_should_run(const struct worker *w);
void worker_start(struct worker *w);		/* by request or autostart */
void worker_stop(struct worker *w);		/* by request or shutdown */
void worker_kill(struct worker *w);		/* second TERM: KILL now */
void worker_exec_ok(struct worker *w);		/* exec succeeded */
void worker_exited(struct worker *w, int wstatus, int exec_errno,
    const char *exec_what);
void worker_timer_fired(struct worker *w);
void worker_watchdog_fired(struct worker *w);
void worker_notify_ready(struct worker *w);		/* READY=1 */
void worker_notify_watchdog(struct worker *w, bool trigger);
void worker_notify_extend(struct worker *w, int64_t ms);

/*
 * The effects the state machine asks for.  The daemon supplies them
 * (spawn.c, main.c); the unit tests supply fakes.
 */
int64_t host_now_ms(void);
/* -1: no process (why says why); 0: a process; 1: it reached exec too. */
int host_spawn(struct worker *w, char *why, size_t whylen);
void host_signal(struct worker *w, int sig);	/* to the process group */
void host_timer(struct worker *w, int64_t delay_ms);	/* < 0 stops it */
void host_watchdog(struct worker *w, int64_t delay_ms);	/* < 0 stops it */
void host_changed(struct worker *w);		/* state changed */
void host_give_up(struct supervisor *sv);	/* supervisor-wide limit hit */

/* ---------------------------------------------------------------- log.c */
enum event_kind {
	EV_SPAWNED, EV_RUNNING, EV_EXITED, EV_RESTARTING, EV_FATAL,
	EV_STOPPING, EV_STOPPED, EV_WATCHDOG, EV_RELOAD, EV_SHUTDOWN,
	EV_SHUTDOWN_DONE, EV_MESSAGE,
};

struct event {
	enum event_kind kind;
	const char *worker;	/* NULL for supervisor-wide events */
	pid_t pid;		/* 0: absent */
	int code;		/* exit status, -1: absent */
	int signal;		/* 0: absent */
	int64_t uptime_ms;	/* -1: absent */
	int64_t delay_ms;	/* -1: absent */
	int restarts;		/* -1: absent */
	const char *reason;	/* NULL: absent */
	int added, removed, changed;	/* EV_RELOAD */
};

void log_init(enum sv_log_format fmt, int verbosity);
void log_event(const struct event *ev);
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* "200ms", "2s", "1m30s": how durations appear in the event log. */
void format_duration(char *buf, size_t len, int64_t ms);

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

/* ---------------------------------------------------------------- spawn.c */
int spawn_init(struct supervisor *sv);
void spawn_reap(struct supervisor *sv);		/* on SIGCHLD */
void spawn_free(struct worker *w);

/* -------------------------------------------------------------- linebuf.c */
/*
 * Line assembly for captured output, pure (no I/O).  Lines are handed to
 * emit without their newline; a line longer than LINE_MAX_LEN is cut into
 * pieces of LINE_MAX_LEN bytes; a CR right before the end of a line is
 * removed; NUL bytes pass through.
 */
typedef void linebuf_emit_fn(void *ctx, const char *line, size_t len);

struct linebuf {
	size_t len;		/* bytes in buf */
	bool cr;		/* a CR was seen last, not yet in buf */
	char buf[LINE_MAX_LEN];
};

void linebuf_init(struct linebuf *lb);
void linebuf_feed(struct linebuf *lb, const char *data, size_t n,
    linebuf_emit_fn *emit, void *ctx);
/* End a last line that has no newline (nothing if there is none). */
void linebuf_flush(struct linebuf *lb, linebuf_emit_fn *emit, void *ctx);
/*
 * How many bytes may be fed now so that the lines they make, each with a
 * prefix of plen bytes and a newline, surely fit in room bytes (at most max).
 */
size_t linebuf_budget(size_t room, size_t plen, size_t max);

/* A queue of output bytes, bounded by the caller's cap. */
struct linequeue {
	char *buf;		/* queued bytes: buf[start, start + len) */
	size_t start, len, alloc;
	bool mid_line;		/* what was consumed ended inside a line */
};

/* Room for n more bytes at the end, or NULL if len + n > cap (or ENOMEM). */
char *linequeue_reserve(struct linequeue *q, size_t n, size_t cap);
void linequeue_consume(struct linequeue *q, size_t n);
/* Empty it, but keep the rest of a line already partly consumed. */
void linequeue_discard(struct linequeue *q);
void linequeue_free(struct linequeue *q);

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

#define OUTPUT_READ_MAX	(64 * 1024)	/* per pipe and callback: fairness */
struct sink;
/* A sink's state changed (sink.c): read its pipes or not, as it allows. */
void output_sink_watch(struct sink *s);
/* Report the lines dropped from the pipes feeding s. */
void output_sink_report(struct sink *s);

/* ----------------------------------------------------------------- sink.c */
/*
 * The destinations of captured lines: supervise's stdout and appended
 * files, each with a bounded queue that sink.c writes without blocking.
 * A sink that falls behind is paused (its pipes are not read); one that
 * then takes nothing for a while drops their lines until it catches up.
 */
#define SINK_QUEUE_CAP	(256 * 1024)	/* bytes queued on a sink, at most */

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
	struct linequeue q;		/* whole lines, written in any pieces */
	TAILQ_HEAD(, stream) streams;	/* the pipes feeding it */
};

int sink_init(struct supervisor *sv);		/* sv->out, with stdout */
/*
 * The sink for the file at path, shared by every pipe that names it, or
 * supervise's stdout for NULL; NULL with why set if the file cannot be
 * opened.  Each sink_get() is undone by one sink_put().
 */
struct sink *sink_get(struct supervisor *sv, const char *path, char *why,
    size_t whylen);
void sink_put(struct sink *s);
/* Write what s takes now, then pause, resume or stop dropping. */
void sink_flush(struct sink *s);
/* Where pipes are read into, OUTPUT_READ_MAX bytes: one for all. */
char *sink_read_buffer(struct supervisor *sv);
void sink_reopen(struct supervisor *sv);	/* the files, for USR1 */
/* Read every pipe out, write what is queued for a while, free it all. */
void sink_shutdown(struct supervisor *sv);

/* -------------------------------------------------------------- control.c */
int control_init(struct supervisor *sv);	/* 0, or an exit status */
void control_worker_changed(struct worker *w);
void control_close(struct supervisor *sv);
/* Run command_kick() and serve the clients on the next loop iteration. */
void control_kick(struct supervisor *sv);

/* -------------------------------------------------------------- command.c */
struct pbuf;			/* proto.h */
struct command_wait;		/* a start, stop or restart under way */

/* A control client as the commands see it; control.c keeps one in each. */
struct command_client {
	struct supervisor *sv;
	struct pbuf *out;		/* the client's queued replies */
	struct command_wait *wait;	/* or NULL */
	bool shutdown_wait;		/* answered by supervise's exit */
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

/* ----------------------------------------------------------------- main.c */
struct worker *supervisor_find(struct supervisor *sv, const char *name);
void supervisor_shutdown(struct supervisor *sv, int status);
int supervisor_add_workers(struct supervisor *sv, struct config *cfg);
/* Refuse what the config format knows but this build cannot do yet. */
int supervisor_check_supported(const struct config *cfg,
    struct errlist *errs);

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

/* --------------------------------------------------------------- thread.c */
int thread_init(struct supervisor *sv);
/* host_spawn in thread mode: 1 with the thread started, or -1 (why). */
int thread_spawn(struct worker *w, char *why, size_t whylen);
/* host_signal for a thread: asks it to stop; KILL cannot, so exits 70. */
void thread_signal(struct worker *w, int sig);
void thread_close(struct supervisor *sv);

/* ---------------------------------------------------------------- after.c */
bool after_deps_ready(const struct supervisor *sv, const struct worker *w);
bool after_dependents_down(const struct supervisor *sv,
    const struct worker *w);
void after_settle(struct supervisor *sv);

/* ---------------------------------------------------------------- ready.c */
/* "NOTIFY_SOCKET=@NAME" for a worker's environment, or NULL. */
const char *ready_env(struct supervisor *sv);
void ready_close(struct supervisor *sv);

/* --------------------------------------------------------------- notify.c */
void notify_init(struct supervisor *sv);	/* if NOTIFY_SOCKET is set */
void notify_changed(struct supervisor *sv);
void notify_reloading(bool begin);
void notify_stopping(struct supervisor *sv);
void notify_close(void);

/* --------------------------------------------------------------- reload.c */
/* 0 when applied; else the number of errors in errs, and nothing changed. */
int supervisor_reload(struct supervisor *sv, struct errlist *errs);
/* Free the configs of earlier reloads that no worker refers to any more. */
void supervisor_retire_configs(struct supervisor *sv);

#endif
