/*
 * keys.c: what each key of [supervisor] and [worker:NAME] means.  A table
 * names every key with its parser and field; the parsers check a value,
 * store it over the defaults supervise.ini(5) gives, and say what is wrong
 * with it as "key: message" at the key's line.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define MAX_INSTANCES 10000
#define MAX_RESTART_LIMIT 10000
#define LOG_BUFFER_MAX (16 * 1024 * 1024)
#define THREAD_SHARED \
	"not available in thread mode (threads share it with supervise)"

_Static_assert(sizeof(enum sv_restart) == sizeof(int) &&
    sizeof(enum sv_mode) == sizeof(int), "choices are stored as int");

/* Where a key is read: the entry, the struct it fills, where errors go. */
struct sect {
	struct ini_errors *errs;
	const char *dir;	/* for relative paths */
	enum sv_mode mode;
	void *base;		/* struct config or struct worker_config */
	const struct ini_entry *e;
	char ***include;	/* [supervisor] include */
	int *include_line;
};

struct key;
typedef void key_fn(struct sect *, const struct key *, const char *);

struct key {
	const char *name;
	key_fn *fn;
	size_t off;		/* of the field in base */
	unsigned flags;
	unsigned max;		/* p_count; the LIMIT_ index for p_limit */
	const char *const *words;	/* p_choice: index = enum value */
};

#define K_PROCESS 0x1		/* an error in thread mode */
#define K_REPEAT 0x2		/* may repeat */
#define K_EMPTY 0x4		/* may be empty */
#define K_POSITIVE 0x8		/* more than 0 */
#define K_ARGV 0x10		/* split with quotes by its parser */

static void
oom(struct sect *s)
{
	s->errs->oom = true;
}

/* An error about the value of the key being read. */
static void
bad(struct sect *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
bad(struct sect *s, const char *fmt, ...)
{
	va_list ap;
	char buf[512], *msg = buf;
	int r;

	/* On the stack, unless it is long: one allocation, the error's. */
	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (r >= 0 && (size_t)r >= sizeof(buf)) {
		va_start(ap, fmt);
		if (vasprintf(&msg, fmt, ap) == -1)
			r = -1;
		va_end(ap);
	}
	if (r < 0) {
		oom(s);
		return;
	}
	inifile_error(s->errs, s->e->line, "%s: %s", s->e->key, msg);
	if (msg != buf)
		free(msg);
}

static void
argv_error(struct sect *s, const char *why)
{
	if (s->e->comment)
		bad(s, "%s (\" ;\" starts a comment: the rest of the line "
		    "was cut)", why);
	else
		bad(s, "%s", why);
}

static void *
field(struct sect *s, const struct key *k)
{
	return (char *)s->base + k->off;
}

static void
p_duration(struct sect *s, const struct key *k, const char *v)
{
	int64_t ms;

	if (parse_duration(v, &ms) == -1)
		bad(s, "expected a duration like 500ms, 10s, 5m or 1h, "
		    "got \"%s\"", v);
	else if ((k->flags & K_POSITIVE) && ms == 0)
		bad(s, "must be more than 0");
	else
		*(int64_t *)field(s, k) = ms;
}

static void
p_count(struct sect *s, const struct key *k, const char *v)
{
	unsigned min = k->flags & K_POSITIVE ? 1 : 0;
	uint64_t n;

	if (parse_number(v, &n) == -1 || n < min || n > k->max)
		bad(s, "expected a number from %u to %u, got \"%s\"", min,
		    k->max, v);
	else
		*(unsigned *)field(s, k) = (unsigned)n;
}

static void
p_bool(struct sect *s, const struct key *k, const char *v)
{
	if (parse_bool(v, field(s, k)) == -1)
		bad(s, "expected yes or no (true/false, on/off, 1/0), "
		    "got \"%s\"", v);
}

static void
p_choice(struct sect *s, const struct key *k, const char *v)
{
	char list[128];
	size_t len = 0;
	int i;

	for (i = 0; k->words[i] != NULL; i++) {
		if (strcmp(v, k->words[i]) == 0) {
			*(int *)field(s, k) = i;
			return;
		}
	}
	for (i = 0; k->words[i] != NULL && len < sizeof(list); i++)
		len += snprintf(list + len, sizeof(list) - len, "%s%s",
		    i == 0 ? "" : k->words[i + 1] ? ", " : " or ",
		    k->words[i]);
	bad(s, "expected %s, got \"%s\"", list, v);
}

static void
p_path(struct sect *s, const struct key *k, const char *v)
{
	char **p = field(s, k);

	free(*p);
	if ((*p = parse_path(s->dir, v)) == NULL)
		oom(s);
}

static void
p_socket(struct sect *s, const struct key *k, const char *v)
{
	struct sockaddr_un sa;
	char *path;

	p_path(s, k, v);
	path = *(char **)field(s, k);
	if (path != NULL && strlen(path) >= sizeof(sa.sun_path))
		bad(s, "%s: longer than %zu bytes", path,
		    sizeof(sa.sun_path) - 1);
}

static void
p_listen(struct sect *s, const struct key *k, const char *v)
{
	struct config *cfg = s->base;
	const char *why;

	(void)k;
	if (parse_hostport(v, &cfg->metrics_addr, &cfg->metrics_addrlen,
	    &why) == -1) {
		bad(s, "%s, got \"%s\"", why, v);
		return;
	}
	free(cfg->metrics_listen);
	if ((cfg->metrics_listen = strdup(v)) == NULL)
		oom(s);
}

/* exit_when: never, any, all, or NAME[,NAME...] (checked in config.c). */
static void
p_exit_when(struct sect *s, const struct key *k, const char *v)
{
	struct config *cfg = s->base;
	char *copy, *tok, *last, **a;
	size_t n = 0;

	(void)k;
	cfg->exit_when_line = s->e->line;
	if (strcmp(v, "never") == 0 || strcmp(v, "any") == 0 ||
	    strcmp(v, "all") == 0) {
		cfg->exit_when = v[0] == 'n' ? EXIT_WHEN_NEVER : v[1] == 'n' ?
		    EXIT_WHEN_ANY : EXIT_WHEN_ALL;
		return;
	}
	if ((copy = strdup(v)) == NULL) {
		oom(s);
		return;
	}
	for (tok = strtok_r(copy, " \t,", &last); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &last)) {
		if (strcmp(tok, "never") == 0 || strcmp(tok, "any") == 0 ||
		    strcmp(tok, "all") == 0) {
			bad(s, "%s stands alone, not in a list of workers",
			    tok);
			break;
		}
		if ((a = reallocarray(cfg->exit_when_names, n + 2,
		    sizeof(*a))) == NULL || (a[n] = strdup(tok)) == NULL) {
			if (a != NULL)
				cfg->exit_when_names = a;
			oom(s);
			break;
		}
		cfg->exit_when_names = a;
		a[++n] = NULL;
	}
	free(copy);
	if (n > 0)
		cfg->exit_when = EXIT_WHEN_NAMED;
	else if (cfg->exit_when_names == NULL)
		bad(s, "expected never, any, all or worker names, got \"%s\"",
		    v);
}

/* log_buffer: a size, at most LOG_BUFFER_MAX. */
static void
p_logbuf(struct sect *s, const struct key *k, const char *v)
{
	uint64_t n;

	if (parse_size(v, &n) == -1 || n > LOG_BUFFER_MAX)
		bad(s, "expected a size from 0 to 16M like 64K, got \"%s\"",
		    v);
	else
		*(size_t *)field(s, k) = (size_t)n;
}

static void
p_string(struct sect *s, const struct key *k, const char *v)
{
	char **p = field(s, k);

	free(*p);
	if ((*p = strdup(v)) == NULL)
		oom(s);
}

static void
p_include(struct sect *s, const struct key *k, const char *v)
{
	const char *why;

	(void)k;
	if (split_argv(v, s->include, &why) == -1) {
		argv_error(s, why);
		return;
	}
	*s->include_line = s->e->line;
}

static void
p_command(struct sect *s, const struct key *k, const char *v)
{
	char ***argv = field(s, k);
	const char *why;
	int n;

	if ((n = split_argv(v, argv, &why)) == -1)
		argv_error(s, why);
	else if ((strcmp(k->name, "command") == 0 ||
	    strncmp(k->name, "on_", 3) == 0) &&
	    (n == 0 || (*argv)[0][0] == '\0')) {
		bad(s, "empty command");
		n = 0;
	}
	if (n == 0) {
		free_argv(*argv);
		*argv = NULL;
	}
}

static void
p_plugin(struct sect *s, const struct key *k, const char *v)
{
	char *path;
	struct stat st;

	p_path(s, k, v);
	if ((path = *(char **)field(s, k)) == NULL)
		return;
	if (stat(path, &st) == -1)
		bad(s, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		bad(s, "%s: not a regular file", path);
}

static void
p_exits(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	char *copy, *tok, *last;
	uint64_t n;

	(void)k;
	if ((copy = strdup(v)) == NULL) {
		oom(s);
		return;
	}
	memset(wc->success_exit, 0, sizeof(wc->success_exit));
	tok = strtok_r(copy, " \t,", &last);
	if (tok == NULL)
		bad(s, "expected exit statuses from 0 to 255, got \"%s\"", v);
	for (; tok != NULL; tok = strtok_r(NULL, " \t,", &last)) {
		if (parse_number(tok, &n) == -1 || n > 255) {
			bad(s, "expected exit statuses from 0 to 255, "
			    "got \"%s\"", tok);
			break;
		}
		wc->success_exit[n / 8] |= 1 << (n % 8);
	}
	free(copy);
}

static void
p_after(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	char *copy, *tok, *last, **a;
	size_t i;

	(void)k;
	if ((copy = strdup(v)) == NULL) {
		oom(s);
		return;
	}
	for (tok = strtok_r(copy, " \t,", &last); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &last)) {
		for (i = 0; i < wc->nafter; i++)
			if (strcmp(wc->after[i], tok) == 0)
				break;
		if (i < wc->nafter)
			continue;
		if ((a = reallocarray(wc->after, wc->nafter + 2,
		    sizeof(*a))) == NULL) {
			oom(s);
			break;
		}
		wc->after = a;
		if ((a[wc->nafter] = strdup(tok)) == NULL) {
			oom(s);
			break;
		}
		a[++wc->nafter] = NULL;
	}
	free(copy);
}

static void
p_signal(struct sect *s, const struct key *k, const char *v)
{
	int sig;

	(void)k;
	if (parse_signal(v, &sig) == -1)
		bad(s, "expected a signal name like TERM or a number, "
		    "got \"%s\"", v);
	else if (sig == SIGSTOP)
		bad(s, "STOP pauses a worker, it does not stop it");
	else
		((struct worker_config *)s->base)->stop_signal = sig;
}

static void
p_umask(struct sect *s, const struct key *k, const char *v)
{
	size_t len = strlen(v);
	char *end;
	long m;

	(void)k;
	m = strtol(v, &end, 8);
	if (len > 4 || strspn(v, "01234567") != len || *end != '\0' ||
	    m > 0777)
		bad(s, "expected an octal mask like 022, got \"%s\"", v);
	else
		((struct worker_config *)s->base)->umask = (int)m;
}

static void
p_env(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	const char *eq = strchr(v, '=');
	char **env;
	size_t klen;

	(void)k;
	if (eq == NULL) {
		bad(s, "expected KEY=VALUE, got \"%s\"", v);
		return;
	}
	klen = eq - v;
	if (klen == 0 || isdigit((unsigned char)*v) ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != klen) {
		bad(s, "\"%.*s\" is not a variable name (A-Za-z0-9_, not "
		    "starting with a digit)", (int)klen, v);
		return;
	}
	if ((env = reallocarray(wc->env, wc->nenv + 2, sizeof(*env))) == NULL) {
		oom(s);
		return;
	}
	wc->env = env;
	if ((env[wc->nenv] = strdup(v)) == NULL) {
		oom(s);
		return;
	}
	env[++wc->nenv] = NULL;
}

static void
p_output(struct sect *s, const struct key *k, const char *v)
{
	struct output_spec *o = field(s, k);
	bool is_err = strcmp(k->name, "stderr") == 0;

	if (strcmp(v, "prefix") == 0)
		o->kind = OUTPUT_PREFIX;
	else if (strcmp(v, "inherit") == 0)
		o->kind = OUTPUT_INHERIT;
	else if (strcmp(v, "null") == 0)
		o->kind = OUTPUT_NULL;
	else if (is_err && strcmp(v, "stdout") == 0)
		o->kind = OUTPUT_STDOUT;
	else if (strncmp(v, "file:", 5) == 0) {
		if (s->mode == MODE_THREAD)
			bad(s, THREAD_SHARED);
		else if (v[5] == '\0')
			bad(s, "file: needs a path");
		else {
			free(o->path);
			if ((o->path = parse_path(s->dir, v + 5)) == NULL)
				oom(s);
			o->kind = OUTPUT_FILE;
		}
	} else
		bad(s, "expected prefix, inherit, null, %sfile:PATH, "
		    "got \"%s\"", is_err ? "stdout or " : "or ", v);
}

/*
 * The most open files the kernel lets any process have (fs.nr_open):
 * setrlimit(2) refuses more, even to root.  0 if it cannot be read.
 */
static uint64_t
kernel_nr_open(void)
{
	uint64_t n = 0;
	char buf[32];
	FILE *fp;

	if ((fp = fopen("/proc/sys/fs/nr_open", "re")) == NULL)
		return 0;
	if (fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		if (parse_number(buf, &n) == -1)
			n = 0;
	}
	fclose(fp);
	return n;
}

static void
p_limit(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	struct limit_spec *l = &wc->limits[k->max];
	uint64_t n, max;
	int64_t ms;

	if (strcmp(v, "infinity") == 0)
		n = RLIM_INFINITY;
	else if (k->max == LIMIT_NOFILE || k->max == LIMIT_NPROC) {
		if (parse_number(v, &n) == -1) {
			bad(s, "expected a number or infinity, got \"%s\"", v);
			return;
		}
	} else if (k->max == LIMIT_CPU) {
		if (parse_duration(v, &ms) == -1 || ms % 1000 != 0) {
			bad(s, "expected whole seconds (like 90s or 2m) or "
			    "infinity, got \"%s\"", v);
			return;
		}
		n = ms / 1000;
	} else if (parse_size(v, &n) == -1) {
		bad(s, "expected a size like 512M or infinity, got \"%s\"", v);
		return;
	}
	if (k->max == LIMIT_NOFILE && (max = kernel_nr_open()) > 0 &&
	    (n == RLIM_INFINITY || n > max)) {
		bad(s, "%s is more than the kernel allows (fs.nr_open = %ju)",
		    v, (uintmax_t)max);
		return;
	}
	l->set = true;
	l->value = n;
}

static const char *const mode_words[] = { "process", "thread", NULL };
static const char *const strategy_words[] = { "one_for_one", "one_for_all",
	"rest_for_one", NULL };
static const char *const log_words[] = { "text", "json", NULL };
static const char *const restart_words[] = { "always", "on-failure",
	"never", NULL };
static const char *const ready_words[] = { "none", "notify", NULL };

#define C(f) offsetof(struct config, f)
static const struct key supervisor_keys[] = {
	{ "mode", p_choice, C(mode), 0, 0, mode_words },
	{ "socket", p_socket, C(socket), 0, 0, NULL },
	{ "include", p_include, 0, K_ARGV | K_EMPTY, 0, NULL },
	{ "strategy", p_choice, C(strategy), 0, 0, strategy_words },
	{ "restart_limit", p_count, C(restart_limit), 0, MAX_RESTART_LIMIT,
	    NULL },
	{ "restart_window", p_duration, C(restart_window_ms), K_POSITIVE, 0,
	    NULL },
	{ "shutdown_timeout", p_duration, C(shutdown_timeout_ms), 0, 0, NULL },
	{ "log_format", p_choice, C(log_format), 0, 0, log_words },
	{ "metrics_listen", p_listen, 0, 0, 0, NULL },
	{ "on_exit", p_command, C(on_exit), K_ARGV, 0, NULL },
	{ "on_fatal", p_command, C(on_fatal), K_ARGV, 0, NULL },
	{ "hook_timeout", p_duration, C(hook_timeout_ms), K_POSITIVE, 0,
	    NULL },
	{ "exit_when", p_exit_when, 0, 0, 0, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

#define W(f) offsetof(struct worker_config, f)
static const struct key worker_keys[] = {
	{ "command", p_command, W(argv), K_PROCESS | K_ARGV, 0, NULL },
	{ "plugin", p_plugin, W(plugin), 0, 0, NULL },
	{ "args", p_command, W(args), K_ARGV | K_EMPTY, 0, NULL },
	{ "instances", p_count, W(instances), K_POSITIVE, MAX_INSTANCES,
	    NULL },
	{ "autostart", p_bool, W(autostart), 0, 0, NULL },
	{ "restart", p_choice, W(restart), 0, 0, restart_words },
	{ "success_exit", p_exits, 0, 0, 0, NULL },
	{ "restart_delay", p_duration, W(restart_delay_ms), 0, 0, NULL },
	{ "backoff_max", p_duration, W(backoff_max_ms), 0, 0, NULL },
	{ "min_uptime", p_duration, W(min_uptime_ms), 0, 0, NULL },
	{ "restart_limit", p_count, W(restart_limit), 0, MAX_RESTART_LIMIT,
	    NULL },
	{ "restart_window", p_duration, W(restart_window_ms), K_POSITIVE, 0,
	    NULL },
	{ "stop_signal", p_signal, 0, K_PROCESS, 0, NULL },
	{ "stop_timeout", p_duration, W(stop_timeout_ms), 0, 0, NULL },
	{ "directory", p_path, W(directory), K_PROCESS, 0, NULL },
	{ "user", p_string, W(user), K_PROCESS, 0, NULL },
	{ "group", p_string, W(group), K_PROCESS, 0, NULL },
	{ "umask", p_umask, 0, K_PROCESS, 0, NULL },
	{ "env", p_env, 0, K_PROCESS | K_REPEAT, 0, NULL },
	{ "stdout", p_output, W(out), 0, 0, NULL },
	{ "stderr", p_output, W(err), 0, 0, NULL },
	{ "ready", p_choice, W(ready), 0, 0, ready_words },
	{ "start_timeout", p_duration, W(start_timeout_ms), K_POSITIVE, 0,
	    NULL },
	{ "watchdog", p_duration, W(watchdog_ms), 0, 0, NULL },
	{ "after", p_after, 0, K_EMPTY, 0, NULL },
	{ "limit_nofile", p_limit, 0, K_PROCESS, LIMIT_NOFILE, NULL },
	{ "limit_nproc", p_limit, 0, K_PROCESS, LIMIT_NPROC, NULL },
	{ "limit_core", p_limit, 0, K_PROCESS, LIMIT_CORE, NULL },
	{ "limit_as", p_limit, 0, K_PROCESS, LIMIT_AS, NULL },
	{ "limit_cpu", p_limit, 0, K_PROCESS, LIMIT_CPU, NULL },
	{ "log_buffer", p_logbuf, W(log_buffer), 0, 0, NULL },
	{ "on_exit", p_command, W(on_exit), K_ARGV, 0, NULL },
	{ "on_fatal", p_command, W(on_fatal), K_ARGV, 0, NULL },
	{ "hook_timeout", p_duration, W(hook_timeout_ms), K_POSITIVE, 0,
	    NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};
#define NKEYS (sizeof(worker_keys) / sizeof(worker_keys[0]))

/* The key named name, or the table's end; the first byte sorts out most. */
static const struct key *
find_key(const struct key *keys, const char *name)
{
	const struct key *k;

	for (k = keys; k->name != NULL; k++)
		if (k->name[0] == name[0] && strcmp(k->name, name) == 0)
			break;
	return k;
}

/* Read every entry of sec through keys; lines[i]: where key i was first. */
static void
apply_keys(struct sect *s, const struct key *keys,
    const struct ini_section *sec, int *lines)
{
	const struct key *k;
	const char *why;
	char **argv;
	size_t i;

	for (i = 0; i < sec->nentries; i++) {
		s->e = &sec->entries[i];
		k = find_key(keys, s->e->key);
		if (k->name == NULL) {
			bad(s, "unknown key in [%s]", sec->name);
			continue;
		}
		if (lines[k - keys] != 0 && !(k->flags & K_REPEAT)) {
			bad(s, "repeated key (first at line %d)",
			    lines[k - keys]);
			continue;
		}
		if (lines[k - keys] == 0)
			lines[k - keys] = s->e->line;
		if ((k->flags & K_PROCESS) && s->mode == MODE_THREAD) {
			bad(s, THREAD_SHARED);
			continue;
		}
		if (s->e->value[0] == '\0' && !(k->flags & K_EMPTY)) {
			bad(s, "empty value");
			continue;
		}
		/* A comment may have cut a quoted value short. */
		if (s->e->comment && !(k->flags & K_ARGV)) {
			if (split_argv(s->e->value, &argv, &why) == -1) {
				argv_error(s, why);
				continue;
			}
			free_argv(argv);
		}
		k->fn(s, k, s->e->value);
	}
}

static int
key_line(const int *lines, const char *name)
{
	return lines[find_key(worker_keys, name) - worker_keys];
}

/* A [worker:NAME] section's defaults, as supervise.ini(5) states them. */
void
config_worker_defaults(struct worker_config *wc)
{
	memset(wc, 0, sizeof(*wc));
	wc->instances = 1;
	wc->autostart = true;
	wc->restart = RESTART_ALWAYS;
	wc->success_exit[0] = 1;
	wc->backoff_max_ms = 30000;
	wc->min_uptime_ms = 1000;
	wc->restart_window_ms = 60000;
	wc->stop_signal = SIGTERM;
	wc->stop_timeout_ms = 10000;
	wc->uid = (uid_t)-1;
	wc->gid = (gid_t)-1;
	wc->umask = -1;
	wc->out.kind = wc->err.kind = OUTPUT_PREFIX;
	wc->ready = READY_NONE;
	wc->start_timeout_ms = 30000;
	wc->log_buffer = 64 * 1024;
	wc->hook_timeout_ms = -1;
}

void
keys_supervisor(struct config *cfg, const struct ini_section *sec,
    const char *dir, char ***include, int *include_line,
    struct ini_errors *errs)
{
	struct sect s = { errs, dir, MODE_PROCESS, cfg, NULL, include,
	    include_line };
	int lines[NKEYS] = { 0 };

	apply_keys(&s, supervisor_keys, sec, lines);
}

void
keys_worker(struct worker_config *wc, enum sv_mode mode,
    const struct ini_section *sec, const char *dir, int *after_line,
    struct ini_errors *errs)
{
	struct sect s = { errs, dir, mode, wc, NULL, NULL, NULL };
	int lines[NKEYS] = { 0 }, cmd, plugin, args;
	bool thread = mode == MODE_THREAD;

	config_worker_defaults(wc);
	apply_keys(&s, worker_keys, sec, lines);
	cmd = key_line(lines, "command");
	plugin = key_line(lines, "plugin");
	args = key_line(lines, "args");
	wc->plugin_line = plugin;
	if (cmd != 0 && plugin != 0 && !thread)
		inifile_error(errs, cmd > plugin ? cmd : plugin, "%s: a worker "
		    "has command or plugin, not both",
		    cmd > plugin ? "command" : "plugin");
	else if (cmd == 0 && plugin == 0)
		inifile_error(errs, sec->line, "[%s]: %s", sec->name, thread ?
		    "needs plugin (thread mode runs plugins only)" :
		    "needs command or plugin");
	if (args != 0 && cmd != 0 && plugin == 0 && !thread)
		inifile_error(errs, args, "args: only for a plugin (a command "
		    "takes its arguments in command)");
	if (!thread)
		users_resolve(wc, key_line(lines, "user"),
		    key_line(lines, "group"), errs);
	*after_line = key_line(lines, "after");
}

void
keys_worker_free(struct worker_config *wc)
{
	free_argv(wc->argv);
	free(wc->plugin);
	free_argv(wc->args);
	free(wc->directory);
	free(wc->user);
	free(wc->group);
	free(wc->home);
	free_argv(wc->env);
	free(wc->out.path);
	free(wc->err.path);
	free_argv(wc->after);
	free_argv(wc->on_exit);
	free_argv(wc->on_fatal);
	memset(wc, 0, sizeof(*wc));
}
