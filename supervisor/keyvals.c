/*
 * keyvals.c: the parsers of the values of keys (the table that names
 * them is keys.c).  Each checks a value, stores it over the defaults
 * supervise.ini(5) gives, and says what is wrong with it as
 * "key: message" at the key's line.
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

#include "keys.h"

void
kv_oom(struct sect *s)
{
	s->errs->oom = true;
}

/* An error about the value of the key being read. */
void
kv_bad(struct sect *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

void
kv_bad(struct sect *s, const char *fmt, ...)
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
		kv_oom(s);
		return;
	}
	inifile_error(s->errs, s->e->line, "%s: %s", s->e->key, msg);
	if (msg != buf)
		free(msg);
}

void
kv_argv_error(struct sect *s, const char *why)
{
	if (s->e->comment)
		kv_bad(s, "%s (\" ;\" starts a comment: the rest of the line "
		    "was cut)", why);
	else
		kv_bad(s, "%s", why);
}

static void *
field(struct sect *s, const struct key *k)
{
	return (char *)s->base + k->off;
}

void
kv_duration(struct sect *s, const struct key *k, const char *v)
{
	int64_t ms;

	if (parse_duration(v, &ms) == -1)
		kv_bad(s, "expected a duration like 500ms, 10s, 5m or 1h, "
		    "got \"%s\"", v);
	else if ((k->flags & K_POSITIVE) && ms == 0)
		kv_bad(s, "must be more than 0");
	else
		*(int64_t *)field(s, k) = ms;
}

void
kv_count(struct sect *s, const struct key *k, const char *v)
{
	unsigned min = k->flags & K_POSITIVE ? 1 : 0;
	uint64_t n;

	if (parse_number(v, &n) == -1 || n < min || n > k->max)
		kv_bad(s, "expected a number from %u to %u, got \"%s\"", min,
		    k->max, v);
	else
		*(unsigned *)field(s, k) = (unsigned)n;
}

void
kv_bool(struct sect *s, const struct key *k, const char *v)
{
	if (parse_bool(v, field(s, k)) == -1)
		kv_bad(s, "expected yes or no (true/false, on/off, 1/0), "
		    "got \"%s\"", v);
}

void
kv_choice(struct sect *s, const struct key *k, const char *v)
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
	kv_bad(s, "expected %s, got \"%s\"", list, v);
}

void
kv_path(struct sect *s, const struct key *k, const char *v)
{
	char **p = field(s, k);

	free(*p);
	if ((*p = parse_path(s->dir, v)) == NULL)
		kv_oom(s);
}

void
kv_socket(struct sect *s, const struct key *k, const char *v)
{
	struct sockaddr_un sa;
	char *path;

	kv_path(s, k, v);
	path = *(char **)field(s, k);
	if (path != NULL && strlen(path) >= sizeof(sa.sun_path))
		kv_bad(s, "%s: longer than %zu bytes", path,
		    sizeof(sa.sun_path) - 1);
}

void
kv_listen(struct sect *s, const struct key *k, const char *v)
{
	struct config *cfg = s->base;
	const char *why;

	(void)k;
	if (parse_hostport(v, &cfg->metrics_addr, &cfg->metrics_addrlen,
	    &why) == -1) {
		kv_bad(s, "%s, got \"%s\"", why, v);
		return;
	}
	free(cfg->metrics_listen);
	if ((cfg->metrics_listen = strdup(v)) == NULL)
		kv_oom(s);
}

/* exit_when: never, any, all, or NAME[,NAME...] (checked in config.c). */
void
kv_exit_when(struct sect *s, const struct key *k, const char *v)
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
		kv_oom(s);
		return;
	}
	for (tok = strtok_r(copy, " \t,", &last); tok != NULL;
	    tok = strtok_r(NULL, " \t,", &last)) {
		if (strcmp(tok, "never") == 0 || strcmp(tok, "any") == 0 ||
		    strcmp(tok, "all") == 0) {
			kv_bad(s, "%s stands alone, not in a list of workers",
			    tok);
			break;
		}
		if ((a = reallocarray(cfg->exit_when_names, n + 2,
		    sizeof(*a))) == NULL || (a[n] = strdup(tok)) == NULL) {
			if (a != NULL)
				cfg->exit_when_names = a;
			kv_oom(s);
			break;
		}
		cfg->exit_when_names = a;
		a[++n] = NULL;
	}
	free(copy);
	if (n > 0)
		cfg->exit_when = EXIT_WHEN_NAMED;
	else if (cfg->exit_when_names == NULL)
		kv_bad(s, "expected never, any, all or worker names, got \"%s\"",
		    v);
}

/* log_buffer: a size, at most LOG_BUFFER_MAX. */
void
kv_logbuf(struct sect *s, const struct key *k, const char *v)
{
	uint64_t n;

	if (parse_size(v, &n) == -1 || n > LOG_BUFFER_MAX)
		kv_bad(s, "expected a size from 0 to 16M like 64K, got \"%s\"",
		    v);
	else
		*(size_t *)field(s, k) = (size_t)n;
}

void
kv_string(struct sect *s, const struct key *k, const char *v)
{
	char **p = field(s, k);

	free(*p);
	if ((*p = strdup(v)) == NULL)
		kv_oom(s);
}

void
kv_include(struct sect *s, const struct key *k, const char *v)
{
	const char *why;

	(void)k;
	if (split_argv(v, s->include, &why) == -1) {
		kv_argv_error(s, why);
		return;
	}
	*s->include_line = s->e->line;
}

void
kv_command(struct sect *s, const struct key *k, const char *v)
{
	char ***argv = field(s, k);
	const char *why;
	int n;

	if ((n = split_argv(v, argv, &why)) == -1)
		kv_argv_error(s, why);
	else if ((strcmp(k->name, "command") == 0 ||
	    strncmp(k->name, "on_", 3) == 0) &&
	    (n == 0 || (*argv)[0][0] == '\0')) {
		kv_bad(s, "empty command");
		n = 0;
	}
	if (n == 0) {
		free_argv(*argv);
		*argv = NULL;
	}
}

void
kv_plugin(struct sect *s, const struct key *k, const char *v)
{
	char *path;
	struct stat st;

	kv_path(s, k, v);
	if ((path = *(char **)field(s, k)) == NULL)
		return;
	if (stat(path, &st) == -1)
		kv_bad(s, "%s: %s", path, strerror(errno));
	else if (!S_ISREG(st.st_mode))
		kv_bad(s, "%s: not a regular file", path);
}

void
kv_exits(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	char *copy, *tok, *last;
	uint64_t n;

	(void)k;
	if ((copy = strdup(v)) == NULL) {
		kv_oom(s);
		return;
	}
	memset(wc->success_exit, 0, sizeof(wc->success_exit));
	tok = strtok_r(copy, " \t,", &last);
	if (tok == NULL)
		kv_bad(s, "expected exit statuses from 0 to 255, got \"%s\"", v);
	for (; tok != NULL; tok = strtok_r(NULL, " \t,", &last)) {
		if (parse_number(tok, &n) == -1 || n > 255) {
			kv_bad(s, "expected exit statuses from 0 to 255, "
			    "got \"%s\"", tok);
			break;
		}
		wc->success_exit[n / 8] |= 1 << (n % 8);
	}
	free(copy);
}

void
kv_after(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	char *copy, *tok, *last, **a;
	size_t i;

	(void)k;
	if ((copy = strdup(v)) == NULL) {
		kv_oom(s);
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
			kv_oom(s);
			break;
		}
		wc->after = a;
		if ((a[wc->nafter] = strdup(tok)) == NULL) {
			kv_oom(s);
			break;
		}
		a[++wc->nafter] = NULL;
	}
	free(copy);
}

void
kv_signal(struct sect *s, const struct key *k, const char *v)
{
	int sig;

	(void)k;
	if (parse_signal(v, &sig) == -1)
		kv_bad(s, "expected a signal name like TERM or a number, "
		    "got \"%s\"", v);
	else if (sig == SIGSTOP)
		kv_bad(s, "STOP pauses a worker, it does not stop it");
	else
		((struct worker_config *)s->base)->stop_signal = sig;
}

void
kv_umask(struct sect *s, const struct key *k, const char *v)
{
	size_t len = strlen(v);
	char *end;
	long m;

	(void)k;
	m = strtol(v, &end, 8);
	if (len > 4 || strspn(v, "01234567") != len || *end != '\0' ||
	    m > 0777)
		kv_bad(s, "expected an octal mask like 022, got \"%s\"", v);
	else
		((struct worker_config *)s->base)->umask = (int)m;
}

void
kv_env(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	const char *eq = strchr(v, '=');
	char **env;
	size_t klen;

	(void)k;
	if (eq == NULL) {
		kv_bad(s, "expected KEY=VALUE, got \"%s\"", v);
		return;
	}
	klen = eq - v;
	if (klen == 0 || isdigit((unsigned char)*v) ||
	    strspn(v, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_") != klen) {
		kv_bad(s, "\"%.*s\" is not a variable name (A-Za-z0-9_, not "
		    "starting with a digit)", (int)klen, v);
		return;
	}
	if ((env = reallocarray(wc->env, wc->nenv + 2, sizeof(*env))) == NULL) {
		kv_oom(s);
		return;
	}
	wc->env = env;
	if ((env[wc->nenv] = strdup(v)) == NULL) {
		kv_oom(s);
		return;
	}
	env[++wc->nenv] = NULL;
}

void
kv_output(struct sect *s, const struct key *k, const char *v)
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
			kv_bad(s, THREAD_SHARED);
		else if (v[5] == '\0')
			kv_bad(s, "file: needs a path");
		else {
			free(o->path);
			if ((o->path = parse_path(s->dir, v + 5)) == NULL)
				kv_oom(s);
			o->kind = OUTPUT_FILE;
		}
	} else
		kv_bad(s, "expected prefix, inherit, null, %sfile:PATH, "
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

void
kv_limit(struct sect *s, const struct key *k, const char *v)
{
	struct worker_config *wc = s->base;
	struct limit_spec *l = &wc->limits[k->max];
	uint64_t n, max;
	int64_t ms;

	if (strcmp(v, "infinity") == 0)
		n = RLIM_INFINITY;
	else if (k->max == LIMIT_NOFILE || k->max == LIMIT_NPROC) {
		if (parse_number(v, &n) == -1) {
			kv_bad(s, "expected a number or infinity, got \"%s\"", v);
			return;
		}
	} else if (k->max == LIMIT_CPU) {
		if (parse_duration(v, &ms) == -1 || ms % 1000 != 0) {
			kv_bad(s, "expected whole seconds (like 90s or 2m) or "
			    "infinity, got \"%s\"", v);
			return;
		}
		n = ms / 1000;
	} else if (parse_size(v, &n) == -1) {
		kv_bad(s, "expected a size like 512M or infinity, got \"%s\"", v);
		return;
	}
	if (k->max == LIMIT_NOFILE && (max = kernel_nr_open()) > 0 &&
	    (n == RLIM_INFINITY || n > max)) {
		kv_bad(s, "%s is more than the kernel allows (fs.nr_open = %ju)",
		    v, (uintmax_t)max);
		return;
	}
	l->set = true;
	l->value = n;
}
