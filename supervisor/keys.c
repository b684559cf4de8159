/*
 * keys.c: what each key of [supervisor] and [worker:NAME] means.  A table
 * names every key with its parser (keyvals.c) and field; apply_keys reads
 * a section's entries through it, and says what is wrong with an entry
 * itself (unknown, repeated, empty, not for thread mode).
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"

static const char *const mode_words[] = { "process", "thread", NULL };
static const char *const strategy_words[] = { "one_for_one", "one_for_all",
	"rest_for_one", NULL };
static const char *const log_words[] = { "text", "json", NULL };
static const char *const restart_words[] = { "always", "on-failure",
	"never", NULL };
static const char *const ready_words[] = { "none", "notify", NULL };

#define C(f) offsetof(struct config, f)
static const struct key supervisor_keys[] = {
	{ "mode", kv_choice, C(mode), 0, 0, mode_words },
	{ "socket", kv_socket, C(socket), 0, 0, NULL },
	{ "include", kv_include, 0, K_ARGV | K_EMPTY, 0, NULL },
	{ "strategy", kv_choice, C(strategy), 0, 0, strategy_words },
	{ "restart_limit", kv_count, C(restart_limit), 0, MAX_RESTART_LIMIT,
	    NULL },
	{ "restart_window", kv_duration, C(restart_window_ms), K_POSITIVE, 0,
	    NULL },
	{ "shutdown_timeout", kv_duration, C(shutdown_timeout_ms), 0, 0, NULL },
	{ "log_format", kv_choice, C(log_format), 0, 0, log_words },
	{ "metrics_listen", kv_listen, 0, 0, 0, NULL },
	{ "on_exit", kv_command, C(on_exit), K_ARGV, 0, NULL },
	{ "on_fatal", kv_command, C(on_fatal), K_ARGV, 0, NULL },
	{ "hook_timeout", kv_duration, C(hook_timeout_ms), K_POSITIVE, 0,
	    NULL },
	{ "exit_when", kv_exit_when, 0, 0, 0, NULL },
	{ NULL, NULL, 0, 0, 0, NULL }
};

#define W(f) offsetof(struct worker_config, f)
static const struct key worker_keys[] = {
	{ "command", kv_command, W(argv), K_PROCESS | K_ARGV, 0, NULL },
	{ "plugin", kv_plugin, W(plugin), 0, 0, NULL },
	{ "args", kv_command, W(args), K_ARGV | K_EMPTY, 0, NULL },
	{ "instances", kv_count, W(instances), K_POSITIVE, MAX_INSTANCES,
	    NULL },
	{ "autostart", kv_bool, W(autostart), 0, 0, NULL },
	{ "restart", kv_choice, W(restart), 0, 0, restart_words },
	{ "success_exit", kv_exits, 0, 0, 0, NULL },
	{ "restart_delay", kv_duration, W(restart_delay_ms), 0, 0, NULL },
	{ "backoff_max", kv_duration, W(backoff_max_ms), 0, 0, NULL },
	{ "min_uptime", kv_duration, W(min_uptime_ms), 0, 0, NULL },
	{ "restart_limit", kv_count, W(restart_limit), 0, MAX_RESTART_LIMIT,
	    NULL },
	{ "restart_window", kv_duration, W(restart_window_ms), K_POSITIVE, 0,
	    NULL },
	{ "stop_signal", kv_signal, 0, K_PROCESS, 0, NULL },
	{ "stop_timeout", kv_duration, W(stop_timeout_ms), 0, 0, NULL },
	{ "directory", kv_path, W(directory), K_PROCESS, 0, NULL },
	{ "user", kv_string, W(user), K_PROCESS, 0, NULL },
	{ "group", kv_string, W(group), K_PROCESS, 0, NULL },
	{ "umask", kv_umask, 0, K_PROCESS, 0, NULL },
	{ "env", kv_env, 0, K_PROCESS | K_REPEAT, 0, NULL },
	{ "stdout", kv_output, W(out), 0, 0, NULL },
	{ "stderr", kv_output, W(err), 0, 0, NULL },
	{ "ready", kv_choice, W(ready), 0, 0, ready_words },
	{ "start_timeout", kv_duration, W(start_timeout_ms), K_POSITIVE, 0,
	    NULL },
	{ "watchdog", kv_duration, W(watchdog_ms), 0, 0, NULL },
	{ "after", kv_after, 0, K_EMPTY, 0, NULL },
	{ "limit_nofile", kv_limit, 0, K_PROCESS, LIMIT_NOFILE, NULL },
	{ "limit_nproc", kv_limit, 0, K_PROCESS, LIMIT_NPROC, NULL },
	{ "limit_core", kv_limit, 0, K_PROCESS, LIMIT_CORE, NULL },
	{ "limit_as", kv_limit, 0, K_PROCESS, LIMIT_AS, NULL },
	{ "limit_cpu", kv_limit, 0, K_PROCESS, LIMIT_CPU, NULL },
	{ "log_buffer", kv_logbuf, W(log_buffer), 0, 0, NULL },
	{ "on_exit", kv_command, W(on_exit), K_ARGV, 0, NULL },
	{ "on_fatal", kv_command, W(on_fatal), K_ARGV, 0, NULL },
	{ "hook_timeout", kv_duration, W(hook_timeout_ms), K_POSITIVE, 0,
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
			kv_bad(s, "unknown key in [%s]", sec->name);
			continue;
		}
		if (lines[k - keys] != 0 && !(k->flags & K_REPEAT)) {
			kv_bad(s, "repeated key (first at line %d)",
			    lines[k - keys]);
			continue;
		}
		if (lines[k - keys] == 0)
			lines[k - keys] = s->e->line;
		if ((k->flags & K_PROCESS) && s->mode == MODE_THREAD) {
			kv_bad(s, THREAD_SHARED);
			continue;
		}
		if (s->e->value[0] == '\0' && !(k->flags & K_EMPTY)) {
			kv_bad(s, "empty value");
			continue;
		}
		/* A comment may have cut a quoted value short. */
		if (s->e->comment && !(k->flags & K_ARGV)) {
			if (split_argv(s->e->value, &argv, &why) == -1) {
				kv_argv_error(s, why);
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
