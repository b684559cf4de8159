/*
 * config.c: load the configuration.  inifile.c turns each file into sections
 * of key = value and keys.c gives the keys their meaning; here the files
 * are read (included ones at the point of `include`), worker names are
 * checked, the workers are put in start order by `after`, and every error
 * found anywhere is reported in file and line order.
 */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strmap.h"

/* An error, sorted into file and line order before it is reported. */
struct pending {
	size_t rank;		/* the file: 0 the main one, then as read */
	int line;
	size_t seq;
	char *msg;
};

struct load {
	struct config *cfg;
	int mode_override;
	int nerr;
	bool oom;
	struct pending *errs;
	size_t nerrs, errcap;
	char **include;		/* [supervisor] include, split */
	int include_line;
	size_t *rank;		/* per worker: its file */
	int *after_line;	/* per worker: where its after key is */
	size_t cap;
	size_t nworker_sections;	/* [worker:NAME] seen, good or not */
	struct strmap names;	/* worker name -> index in cfg->workers */
	struct strmap seen_files;	/* real path -> rank */
	int main_lines;		/* lines of the main file; -1 unread */
};

static void
lerror(struct load *ld, size_t rank, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void
lerror(struct load *ld, size_t rank, const char *file, int line,
    const char *fmt, ...)
{
	struct pending *p;
	va_list ap;
	char *msg, *full, buf[512];
	int r;

	ld->nerr++;
	/* One allocation for most: the message on the stack, then in full. */
	va_start(ap, fmt);
	r = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	msg = buf;
	if (r < 0)
		return;
	if ((size_t)r >= sizeof(buf)) {
		va_start(ap, fmt);
		r = vasprintf(&msg, fmt, ap);
		va_end(ap);
		if (r == -1)
			return;
	}
	if (line > 0)
		r = asprintf(&full, "%s:%d: %s", file, line, msg);
	else
		r = asprintf(&full, "%s: %s", file, msg);
	if (msg != buf)
		free(msg);
	if (r == -1)
		return;
	if (ld->nerrs == ld->errcap) {
		p = reallocarray(ld->errs, ld->errcap ? ld->errcap * 2 : 8,
		    sizeof(*p));
		if (p == NULL) {
			free(full);
			return;
		}
		ld->errs = p;
		ld->errcap = ld->errcap ? ld->errcap * 2 : 8;
	}
	p = &ld->errs[ld->nerrs];
	p->rank = rank;
	p->line = line;
	p->seq = ld->nerrs++;
	p->msg = full;
}

static void
oom(struct load *ld)
{
	if (!ld->oom)
		lerror(ld, 0, ld->cfg->path ? ld->cfg->path : "config", 0,
		    "out of memory");
	ld->oom = true;
}

/* Move the errors of parse.c or keys.c over, with their file. */
static void
take_errors(struct load *ld, size_t rank, const char *file,
    struct ini_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->len; i++)
		lerror(ld, rank, file, errs->v[i].line, "%s", errs->v[i].msg);
	if (errs->oom)
		oom(ld);
	inifile_errors_free(errs);
}

static bool
valid_name(const char *name)
{
	size_t len = strlen(name);

	return len >= 1 && len <= NAME_MAX_LEN && strcmp(name, "all") != 0 &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789_.-") == len;
}

static void
load_worker(struct load *ld, size_t rank, const char *file, const char *dir,
    const struct ini_section *sec)
{
	struct config *cfg = ld->cfg;
	struct worker_config wc, *w;
	struct ini_errors errs = { NULL, 0, 0, false };
	const char *name = sec->name + strlen("worker:");
	size_t i, cap;
	size_t *rk;
	int after_line, *al, r = 0;
	bool add = true;

	/* A section that cannot be added still has its keys checked. */
	if (!valid_name(name)) {
		lerror(ld, rank, file, sec->line, "[%s]: a worker name is 1 "
		    "to %d of A-Za-z0-9_.- and not \"all\"", sec->name,
		    NAME_MAX_LEN);
		add = false;
	}
	if (add && (r = strmap_put(&ld->names, name, cfg->nworkers, &i)) == 1) {
		w = &cfg->workers[i];
		lerror(ld, rank, file, sec->line, "[%s]: duplicate worker name "
		    "(first at %s:%d)", sec->name, w->file, w->line);
		add = false;
	} else if (r == -1) {
		oom(ld);
		add = false;
	}
	keys_worker(&wc, cfg->mode, sec, dir, &after_line, &errs);
	take_errors(ld, rank, file, &errs);
	if (!add) {
		keys_worker_free(&wc);
		return;
	}
	memcpy(wc.name, name, strlen(name) + 1);	/* valid_name(): it fits */
	wc.line = sec->line;
	wc.file = cfg->files[rank];
	if (cfg->nworkers == ld->cap) {
		cap = ld->cap ? ld->cap * 2 : 16;
		if ((w = reallocarray(cfg->workers, cap, sizeof(*w))) != NULL)
			cfg->workers = w;
		if ((rk = reallocarray(ld->rank, cap, sizeof(*rk))) != NULL)
			ld->rank = rk;
		if ((al = reallocarray(ld->after_line, cap, sizeof(*al))) !=
		    NULL)
			ld->after_line = al;
		if (w == NULL || rk == NULL || al == NULL)
			goto fail;
		ld->cap = cap;
	}
	ld->rank[cfg->nworkers] = rank;
	ld->after_line[cfg->nworkers] = after_line;
	cfg->workers[cfg->nworkers++] = wc;
	return;

fail:
	keys_worker_free(&wc);
	oom(ld);
}

static void read_file(struct load *, const char *, bool);

/* A pattern without *, ? or [ names one file, which must be there. */
static bool
is_literal(const char *pattern)
{
	return strpbrk(pattern, "*?[") == NULL;
}

/* Read the include globs, each one's matches sorted, in place. */
static void
load_includes(struct load *ld, const char *file, const char *dir)
{
	glob_t g;
	char **pat, *abs;
	size_t i;
	int r;

	for (pat = ld->include; pat != NULL && *pat != NULL; pat++) {
		if ((abs = parse_path(dir, *pat)) == NULL) {
			oom(ld);
			return;
		}
		r = glob(abs, 0, NULL, &g);
		if (r == GLOB_NOSPACE)
			oom(ld);
		else if (r == GLOB_ABORTED)
			lerror(ld, 0, file, ld->include_line, "include: %s: "
			    "cannot read the directory", abs);
		else if (r == GLOB_NOMATCH && is_literal(*pat))
			lerror(ld, 0, file, ld->include_line, "include: %s: %s",
			    abs, strerror(ENOENT));
		for (i = 0; r == 0 && i < g.gl_pathc; i++)
			read_file(ld, g.gl_pathv[i], true);
		if (r == 0)
			globfree(&g);
		free(abs);
	}
}

static void
load_sections(struct load *ld, size_t rank, const char *file,
    const char *dir, const struct ini_file *f)
{
	struct ini_errors errs = { NULL, 0, 0, false };
	const struct ini_section *sec, *sup = NULL;
	size_t i;

	/* [supervisor] first: the mode decides what workers may have. */
	for (i = 0; rank == 0 && i < f->nsections; i++) {
		if (strcmp(f->sections[i].name, "supervisor") == 0) {
			sup = &f->sections[i];
			keys_supervisor(ld->cfg, sup, dir, &ld->include,
			    &ld->include_line, &errs);
			take_errors(ld, rank, file, &errs);
			break;
		}
	}
	if (rank == 0 && (ld->mode_override == MODE_PROCESS ||
	    ld->mode_override == MODE_THREAD))
		ld->cfg->mode = ld->mode_override;
	for (i = 0; i < f->nsections; i++) {
		sec = &f->sections[i];
		if (sec == sup)
			load_includes(ld, file, dir);
		else if (strcmp(sec->name, "supervisor") == 0 && rank == 0)
			lerror(ld, rank, file, sec->line, "[supervisor]: "
			    "repeated section (first at line %d)", sup->line);
		else if (strcmp(sec->name, "supervisor") == 0)
			lerror(ld, rank, file, sec->line, "[supervisor]: not "
			    "allowed in an included file");
		else if (strncmp(sec->name, "worker:", 7) == 0) {
			ld->nworker_sections++;
			load_worker(ld, rank, file, dir, sec);
		}
		else
			lerror(ld, rank, file, sec->line, "[%s]: unknown "
			    "section (expected [supervisor] or "
			    "[worker:NAME])", sec->name);
	}
}

/* Relative paths are relative to the directory the file is in. */
static char *
dir_of(const char *path)
{
	char *copy, *dir;

	if ((copy = strdup(path)) == NULL)
		return NULL;
	dir = realpath(dirname(copy), NULL);
	free(copy);
	return dir;
}

/*
 * A file that cannot be read is an error at the include key that named
 * it, or, for the main file, about the file itself.
 */
static void
file_error(struct load *ld, const char *path, bool included, const char *why)
{
	if (included)
		lerror(ld, 0, ld->cfg->path, ld->include_line,
		    "include: %s: %s", path, why);
	else
		lerror(ld, 0, path, 0, "%s", why);
}

static void
read_file(struct load *ld, const char *path, bool included)
{
	struct ini_errors errs = { NULL, 0, 0, false };
	struct ini_file f;
	const char *why;
	struct config *cfg = ld->cfg;
	char *real, *dir, **files;
	size_t rank = cfg->nfiles;
	int r;

	if ((real = realpath(path, NULL)) == NULL) {
		file_error(ld, path, included, strerror(errno));
		return;
	}
	if ((r = strmap_put(&ld->seen_files, real, rank, NULL)) != 0 &&
	    included) {
		free(real);
		if (r == -1)
			oom(ld);
		return;		/* read already */
	}
	free(real);
	if ((files = reallocarray(cfg->files, rank + 1, sizeof(*files))) ==
	    NULL) {
		oom(ld);
		return;
	}
	cfg->files = files;
	if ((files[rank] = strdup(path)) == NULL) {
		oom(ld);
		return;
	}
	cfg->nfiles++;
	r = inifile_read(path, &f, &errs, &why);
	if (r == -1)
		file_error(ld, path, included, why);
	take_errors(ld, rank, path, &errs);
	if (r == -1)
		return;
	if (!included)
		ld->main_lines = f.nlines;
	if ((dir = dir_of(path)) == NULL)
		lerror(ld, rank, path, 0, "%s", strerror(errno));
	else
		load_sections(ld, rank, path, dir, &f);
	free(dir);
	inifile_free(&f);
}

/* An error of order.c, at the after key of worker i. */
static void
order_error(void *ctx, size_t i, const char *fmt, ...)
{
	struct load *ld = ctx;
	struct worker_config *wc = &ld->cfg->workers[i];
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r == -1) {
		oom(ld);
		return;
	}
	lerror(ld, ld->rank[i], wc->file, ld->after_line[i], "%s", msg);
	free(msg);
}

/*
 * Resolve after= both ways round, in the sorted workers: pos[j] is where
 * the worker that was j (the index in ld->names) is now.  One array holds
 * every worker's after_index, then every worker's dependents.
 */
static void
link_workers(struct load *ld, const size_t *pos)
{
	struct config *cfg = ld->cfg;
	struct worker_config *wc;
	size_t n = cfg->nworkers, e = 0, i, k, j, at, instances = 0;
	size_t *links, *fill;

	for (i = 0; i < n; i++)
		e += cfg->workers[i].nafter;
	links = calloc(2 * e + 1, sizeof(*links));
	fill = calloc(n + 1, sizeof(*fill));
	if (links == NULL || fill == NULL) {
		free(links);
		free(fill);
		oom(ld);
		return;
	}
	for (i = 0, at = 0; i < n; i++) {
		wc = &cfg->workers[i];
		wc->first_instance = instances;
		instances += wc->instances;
		wc->after_index = links + at;
		for (k = 0; k < wc->nafter; k++) {
			/* Every name is known: the config has no errors. */
			if (!strmap_get(&ld->names, wc->after[k], &j))
				j = 0;
			links[at++] = pos[j];
			cfg->workers[pos[j]].ndependents++;
		}
	}
	for (i = 0; i < n; i++) {	/* where each one's dependents go */
		cfg->workers[i].dependents = links + at;
		fill[i] = at;
		at += cfg->workers[i].ndependents;
	}
	for (i = 0; i < n; i++)
		for (k = 0; k < cfg->workers[i].nafter; k++)
			links[fill[cfg->workers[i].after_index[k]]++] = i;
	cfg->links = links;
	free(fill);
}

/* Put the workers in start order (order.c), then link them. */
static void
sort_workers(struct load *ld)
{
	struct config *cfg = ld->cfg;
	struct worker_config *sorted;
	size_t n = cfg->nworkers, i;
	size_t *order = calloc(n + 1, sizeof(*order));
	size_t *pos = calloc(n + 1, sizeof(*pos));

	sorted = NULL;
	if (order == NULL || pos == NULL || order_workers(cfg->workers, n,
	    &ld->names, order, order_error, ld) == -1) {
		oom(ld);
		goto done;
	}
	for (i = 0; i < n; i++)
		pos[order[i]] = i;
	for (i = 0; i < n && order[i] == i; i++)
		continue;
	if (i < n) {
		if ((sorted = calloc(n + 1, sizeof(*sorted))) == NULL) {
			oom(ld);
			goto done;
		}
		for (i = 0; i < n; i++)
			sorted[i] = cfg->workers[order[i]];
		free(cfg->workers);
		cfg->workers = sorted;
		sorted = NULL;
	}	/* else already in start order: no copy */
	if (ld->nerr == 0)
		link_workers(ld, pos);
done:
	free(sorted);
	free(order);
	free(pos);
}

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

static bool
same_list(char *const *a, char *const *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	for (; *a != NULL && *b != NULL; a++, b++)
		if (strcmp(*a, *b) != 0)
			return false;
	return *a == *b;
}

static bool
same_output(const struct output_spec *a, const struct output_spec *b)
{
	return a->kind == b->kind && same_string(a->path, b->path);
}

/*
 * Every setting is compared, field by field, in the struct's order, so
 * that key order, spacing and comments do not count, and nothing is
 * allocated: a reload of 100,000 workers makes no copy of their settings.
 */
bool
config_worker_same(const struct worker_config *a,
    const struct worker_config *b)
{
	size_t i;

	if (!same_list(a->argv, b->argv) || !same_string(a->plugin,
	    b->plugin) || !same_list(a->args, b->args) ||
	    a->autostart != b->autostart || a->restart != b->restart ||
	    memcmp(a->success_exit, b->success_exit,
	    sizeof(a->success_exit)) != 0 ||
	    a->restart_delay_ms != b->restart_delay_ms ||
	    a->backoff_max_ms != b->backoff_max_ms ||
	    a->min_uptime_ms != b->min_uptime_ms ||
	    a->restart_limit != b->restart_limit ||
	    a->restart_window_ms != b->restart_window_ms ||
	    a->stop_signal != b->stop_signal ||
	    a->stop_timeout_ms != b->stop_timeout_ms)
		return false;
	if (!same_string(a->directory, b->directory) ||
	    !same_string(a->user, b->user) ||
	    !same_string(a->group, b->group) || a->uid != b->uid ||
	    a->gid != b->gid || a->umask != b->umask ||
	    !same_list(a->env, b->env) || !same_output(&a->out, &b->out) ||
	    !same_output(&a->err, &b->err) || a->ready != b->ready ||
	    a->start_timeout_ms != b->start_timeout_ms ||
	    a->watchdog_ms != b->watchdog_ms || !same_list(a->after, b->after))
		return false;
	for (i = 0; i < LIMIT_COUNT; i++)
		if (a->limits[i].set != b->limits[i].set || (a->limits[i].set &&
		    a->limits[i].value != b->limits[i].value))
			return false;
	return true;
}

static int
compare_pending(const void *a, const void *b)
{
	const struct pending *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The section named name, or -1 (before the workers are sorted). */
static ssize_t
section_index(const struct load *ld, const char *name)
{
	size_t i;

	return strmap_get(&ld->names, name, &i) ? (ssize_t)i : -1;
}

/* exit_when's names: each a worker, NAME, or one of its instances, NAME:N. */
static void
check_exit_when(struct load *ld)
{
	struct config *cfg = ld->cfg;
	char *const *n, *colon, *end, base[256];
	unsigned long inst;
	ssize_t j;

	for (n = cfg->exit_when_names; n != NULL && *n != NULL; n++) {
		if (section_index(ld, *n) >= 0)
			continue;
		j = -1;
		if ((colon = strrchr(*n, ':')) != NULL &&
		    (size_t)(colon - *n) < sizeof(base) && colon[1] >= '0' &&
		    colon[1] <= '9') {
			memcpy(base, *n, (size_t)(colon - *n));
			base[colon - *n] = '\0';
			inst = strtoul(colon + 1, &end, 10);
			j = section_index(ld, base);
			if (*end != '\0' || (j >= 0 &&
			    (cfg->workers[j].instances < 2 ||
			    inst >= cfg->workers[j].instances)))
				j = -1;
		}
		if (j < 0)
			lerror(ld, 0, cfg->path, cfg->exit_when_line,
			    "exit_when: unknown worker \"%s\"", *n);
	}
}

int
config_load(const char *path, int mode_override, struct config *cfg,
    struct errlist *errs)
{
	struct load ld;
	size_t i;

	memset(cfg, 0, sizeof(*cfg));
	memset(&ld, 0, sizeof(ld));
	ld.cfg = cfg;
	ld.mode_override = mode_override;
	ld.main_lines = -1;
	cfg->mode = MODE_PROCESS;
	cfg->strategy = STRATEGY_ONE_FOR_ONE;
	cfg->restart_window_ms = 60000;
	cfg->shutdown_timeout_ms = 30000;
	cfg->log_format = LOG_TEXT;
	cfg->hook_timeout_ms = 30000;
	if ((cfg->path = strdup(path)) == NULL)
		oom(&ld);
	else
		read_file(&ld, path, false);
	/* Reported at the end of the main file, where one would go. */
	if (ld.main_lines >= 0 && ld.nworker_sections == 0)
		lerror(&ld, 0, path, ld.main_lines > 0 ? ld.main_lines : 1,
		    "no [worker:NAME] section (one or more are needed)");
	if (!ld.oom)
		check_exit_when(&ld);
	if (!ld.oom)
		sort_workers(&ld);

	if (ld.nerrs > 0)
		qsort(ld.errs, ld.nerrs, sizeof(*ld.errs), compare_pending);
	for (i = 0; i < ld.nerrs; i++)
		errlist_take(errs, ld.errs[i].msg);
	free(ld.errs);
	free_argv(ld.include);
	free(ld.rank);
	free(ld.after_line);
	strmap_free(&ld.names);
	strmap_free(&ld.seen_files);
	if (ld.nerr > 0)
		config_free(cfg);
	return ld.nerr;
}

void
config_free(struct config *cfg)
{
	size_t i;

	for (i = 0; i < cfg->nworkers; i++)
		keys_worker_free(&cfg->workers[i]);
	free(cfg->workers);
	for (i = 0; i < cfg->nfiles; i++)
		free(cfg->files[i]);
	free(cfg->files);
	free(cfg->links);
	free(cfg->path);
	free(cfg->socket);
	free(cfg->metrics_listen);
	free_argv(cfg->on_exit);
	free_argv(cfg->on_fatal);
	free_argv(cfg->exit_when_names);
	memset(cfg, 0, sizeof(*cfg));
}
