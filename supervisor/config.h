/*
 * config.h: the configuration library (config.c, inifile.c, keys.c,
 * parse.c, users.c): what a config file says, read, checked and resolved.
 * Pure: no libev, no fork, no signals; the daemon, the client and the unit
 * tests link it alike.  See supervise.ini(5).
 */
#ifndef SUPERVISE_CONFIG_H
#define SUPERVISE_CONFIG_H

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>

#ifndef SUPERVISE_VERSION
#define SUPERVISE_VERSION "0.1.0"
#endif

/* sysexits(3) values used by supervise(1). */
#define EXIT_GAVE_UP 1
#define EXIT_USAGE 64
#define EXIT_SOFTWARE 70
#define EXIT_CANTCREAT 73
#define EXIT_CONFIG 78

#define NAME_MAX_LEN 40		/* a [worker:NAME] name */

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
	const char *file;	/* where the section starts, for messages;
				   one of struct config's files */
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
	/*
	 * after= resolved, both ways round, once the config is loaded
	 * without errors (NULL until then, and in configs made by hand):
	 * after_index[0..nafter) are the workers this one names, and
	 * dependents[0..ndependents) those that name it, as indices in the
	 * config's workers; first_instance is where instance 0 comes among
	 * all the config's instances in start order.  struct config owns
	 * the arrays.
	 */
	const size_t *after_index;
	const size_t *dependents;
	size_t ndependents;
	size_t first_instance;

	struct limit_spec limits[LIMIT_COUNT];
	size_t log_buffer;		/* bytes of output kept; 0: none */
	char **on_exit, **on_fatal;	/* hooks, or NULL: [supervisor]'s */
	int64_t hook_timeout_ms;	/* -1: [supervisor]'s */
};

/* [supervisor] exit_when (exit_when.c). */
enum sv_exit_when {
	EXIT_WHEN_NEVER, EXIT_WHEN_ANY, EXIT_WHEN_ALL, EXIT_WHEN_NAMED,
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
	char *metrics_listen;		/* HOST:PORT as given, or NULL: off */
	struct sockaddr_storage metrics_addr;	/* metrics_listen, parsed */
	socklen_t metrics_addrlen;
	char **on_exit, **on_fatal;	/* hooks of every worker, or NULL */
	int64_t hook_timeout_ms;
	enum sv_exit_when exit_when;
	char **exit_when_names;		/* EXIT_WHEN_NAMED: NULL-terminated */
	int exit_when_line;		/* where the key is, for its errors */

	struct worker_config *workers;	/* in start order */
	size_t nworkers;
	char **files;			/* as named: the main one, the included */
	size_t nfiles;
	size_t *links;			/* after_index and dependents */
};

/* Every error found, as complete "FILE:LINE: key: message" strings. */
struct errlist {
	char **msg;
	size_t len, cap;
};

/* ------------------------------- config.c, keys.c, inifile.c, parse.c */
/*
 * Read the file at path and the files it includes.  mode_override is -1,
 * or MODE_PROCESS or MODE_THREAD (-m), which replaces [supervisor] mode.
 * Returns the number of errors appended to errs (each "FILE:LINE: key:
 * message", in file and line order); on 0, cfg is complete and must be
 * config_free'd.  On errors cfg is freed already.
 */
int config_load(const char *path, int mode_override, struct config *cfg,
    struct errlist *errs);
void config_free(struct config *cfg);
/*
 * Whether two sections have the same settings, so that a reload leaves
 * the worker's process alone: every effective setting counts, whatever
 * the key order, spacing or comments, except instances (reload handles
 * N -> M on its own, touching only the difference) and what a reload
 * applies to a running worker in place: log_buffer, on_exit, on_fatal
 * and hook_timeout.
 */
bool config_worker_same(const struct worker_config *a,
    const struct worker_config *b);

/*
 * The start order (order.c): order[0..n) becomes the indices of w in the
 * order they start, config order moved only as far as after= requires.
 * names maps each worker's name to its index in w.  An unknown name and
 * a cycle are reported through error, with the index of the worker whose
 * after= is wrong.  0, or -1 out of memory.
 */
struct strmap;
typedef void order_error_fn(void *ctx, size_t worker, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int order_workers(const struct worker_config *w, size_t n,
    const struct strmap *names, size_t *order, order_error_fn *error,
    void *ctx);
void config_worker_defaults(struct worker_config *wc);

/* Value parsers (parse.c): 0 on success, -1 if s is not valid. */
int parse_number(const char *s, uint64_t *n);	/* digits only */
int parse_duration(const char *s, int64_t *ms);
int parse_size(const char *s, uint64_t *bytes);
int parse_bool(const char *s, bool *b);
int parse_signal(const char *s, int *sig);	/* "TERM", "SIGTERM", "15" */
const char *signal_name(int sig);	/* "TERM", or NULL if unknown */
/* "TERM", else the C library's abbreviation, else the number in buf. */
const char *signal_text(int sig, char *buf, size_t len);
/*
 * HOST:PORT with HOST an IPv4 address, [IPv6] or localhost (127.0.0.1),
 * PORT 1-65535; no name lookup.  -1 with *why set if s is not one.
 */
int parse_hostport(const char *s, struct sockaddr_storage *ss,
    socklen_t *len, const char **why);
/* Shell-like words; returns their number, or -1 with *why set. */
int split_argv(const char *s, char ***argv, const char **why);
void free_argv(char **argv);
/* path made absolute relative to dir (malloc'd), or NULL */
char *parse_path(const char *dir, const char *path);
void errlist_add(struct errlist *errs, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Append msg (malloc'd), which errs then owns (or frees, out of memory). */
void errlist_take(struct errlist *errs, char *msg);
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
	int nlines;		/* lines read */
};

/* A config file, and each included one, is a regular file this large at most. */
#define INIFILE_MAX_SIZE (16 * 1024 * 1024)

/*
 * 0, or -1 with *why saying what is wrong: the file could not be opened or
 * read, is not a regular file, or is larger than INIFILE_MAX_SIZE.
 */
int inifile_read(const char *path, struct ini_file *f,
    struct ini_errors *errs, const char **why);
void inifile_free(struct ini_file *f);
void inifile_error(struct ini_errors *errs, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void inifile_errors_free(struct ini_errors *errs);

/*
 * The keys (keys.c): read one section over the defaults; errors as
 * "key: message" at their lines.  The caller frees a worker's strings with
 * keys_worker_free() whatever happened, and sets name, file and line
 * (file is not freed with the worker: struct config owns it).
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

/* import.c: a supervisord.conf as workers.ini; the programs, or -1. */
int import_supervisord(const struct ini_file *f, const char *here,
    FILE *out);

#endif
