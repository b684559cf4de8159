/*
 * reload.c: apply a re-read config to the running workers.  An instance
 * whose section is unchanged keeps its process, pid and restart history;
 * a changed one is restarted with its new settings; new ones start, and
 * removed ones are stopped and freed once down.  A config with errors, or
 * one that changes mode, socket or metrics_listen, changes nothing.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "daemon.h"
#include "strmap.h"

static bool
same_string(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/*
 * The key an instance is matched by: its section and its number,
 * "SECTION:N".  Written by hand: snprintf was most of what matching
 * 10,000 instances cost.  len holds a section name (NAME_MAX_LEN) and a
 * colon and the digits of any unsigned.
 */
static void
instance_key(char *buf, size_t len, const char *section, unsigned n)
{
	char digits[16], *d = digits + sizeof(digits);
	size_t slen = strnlen(section, NAME_MAX_LEN);

	*--d = '\0';
	do
		*--d = (char)('0' + n % 10);
	while ((n /= 10) > 0);
	if (slen + 1 + (size_t)(digits + sizeof(digits) - d) > len) {
		buf[0] = '\0';		/* cannot be: see above */
		return;
	}
	memcpy(buf, section, slen);
	buf[slen] = ':';
	memcpy(buf + slen + 1, d, (size_t)(digits + sizeof(digits) - d));
}

/* Index the workers a reload may keep (not removed ones) by their key. */
static int
index_old(struct supervisor *sv, struct strmap *old)
{
	char key[WORKER_NAME_LEN + 16];
	struct worker *w;
	size_t i;

	for (i = 0; i < sv->nworkers; i++) {
		w = sv->workers[i];
		if (w->removed)
			continue;
		instance_key(key, sizeof(key), w->cfg->name, w->instance);
		if (strmap_put(old, key, i, NULL) == -1)
			return -1;
	}
	return 0;
}

/* The old instance that becomes instance n of section wc, if any. */
static struct worker *
match(struct supervisor *sv, const struct strmap *old,
    const struct worker_config *wc, unsigned n, const bool *taken)
{
	char key[WORKER_NAME_LEN + 16];
	size_t i;

	instance_key(key, sizeof(key), wc->name, n);
	if (!strmap_get(old, key, &i) || taken[i])
		return NULL;
	return sv->workers[i];
}

static int
check_compatible(struct supervisor *sv, struct config *nc,
    struct errlist *errs)
{
	int n = 0;

	if (nc->mode != sv->cfg->mode) {
		errlist_add(errs, "%s: mode: cannot change on reload "
		    "(restart supervise instead)", nc->path);
		n++;
	}
	if (sv->socket_override == NULL &&
	    !same_string(nc->socket, sv->cfg->socket)) {
		errlist_add(errs, "%s: socket: cannot change on reload "
		    "(restart supervise instead)", nc->path);
		n++;
	}
	if (!same_string(nc->metrics_listen, sv->cfg->metrics_listen)) {
		errlist_add(errs, "%s: metrics_listen: cannot change on reload "
		    "(restart supervise instead)", nc->path);
		n++;
	}
	return n;
}

static void
retire(struct supervisor *sv, struct config *old)
{
	struct config **r;

	r = realloc(sv->retired, (sv->nretired + 1) * sizeof(*r));
	if (r == NULL) {
		/* Leak it rather than free what a worker still uses. */
		log_warnx("reload: out of memory keeping the old config");
		return;
	}
	sv->retired = r;
	sv->retired[sv->nretired++] = old;
}

void
supervisor_retire_configs(struct supervisor *sv)
{
	struct config *c;
	size_t i, j, k;
	bool used;

	for (i = 0, k = 0; i < sv->nretired; i++) {
		c = sv->retired[i];
		used = false;
		for (j = 0; j < sv->nworkers && !used; j++)
			used = sv->workers[j]->cfg >= c->workers &&
			    sv->workers[j]->cfg < c->workers + c->nworkers;
		if (used) {
			sv->retired[k++] = c;
			continue;
		}
		config_free(c);
		free(c);
	}
	sv->nretired = k;
	if (k == 0) {
		free(sv->retired);
		sv->retired = NULL;
	}
}

/* For the debug line that says where a reload's time went. */
static double
mono_ms(void)
{
	return (double)clock_mono_ns() / 1e6;
}

static int reload(struct supervisor *, struct errlist *);

int
supervisor_reload(struct supervisor *sv, struct errlist *errs)
{
	int n;

	notify_reloading(sv, true);
	n = reload(sv, errs);
	notify_reloading(sv, false);
	if (n == 0)
		sv->stats.reloads++;
	else
		sv->stats.reloads_failed++;
	return n;
}

static int
reload(struct supervisor *sv, struct errlist *errs)
{
	struct event ev = EVENT_INIT(EV_RELOAD, NULL);
	struct config *nc, *old = sv->cfg;
	struct worker **list = NULL, **fresh = NULL, *w;
	struct worker_config *wc;
	struct strmap index = { 0 };
	bool *taken = NULL, *changed = NULL;
	size_t total = 0, i, k = 0, nfresh = 0, nold = sv->nworkers;
	unsigned n;
	int nerr;
	double t0 = mono_ms(), t1;

	if ((nc = calloc(1, sizeof(*nc))) == NULL) {
		errlist_add(errs, "reload: out of memory");
		return 1;
	}
	if ((nerr = config_load(sv->config_path, sv->mode_override, nc,
	    errs)) > 0) {
		free(nc);
		return nerr;
	}
	t1 = mono_ms();
	nerr = supervisor_check_supported(sv, nc, errs);
	nerr += check_compatible(sv, nc, errs);
	if (nerr > 0)
		goto fail;
	for (i = 0; i < nc->nworkers; i++)
		total += nc->workers[i].instances;
	list = calloc(total + nold + 1, sizeof(*list));
	fresh = calloc(total + 1, sizeof(*fresh));
	taken = calloc(nold + 1, sizeof(*taken));
	changed = calloc(total + 1, sizeof(*changed));
	if (list == NULL || fresh == NULL || taken == NULL || changed == NULL ||
	    index_old(sv, &index) == -1) {
		errlist_add(errs, "reload: out of memory");
		nerr = 1;
		goto fail;
	}

	/* Build the new start order, matching instances by section and N. */
	for (i = 0; i < nc->nworkers; i++) {
		wc = &nc->workers[i];
		for (n = 0; n < wc->instances; n++, k++) {
			w = match(sv, &index, wc, n, taken);
			if (w != NULL) {
				taken[w->index] = true;
				changed[k] = !config_worker_same(w->cfg, wc);
				list[k] = w;
				continue;
			}
			if ((w = worker_new(sv, wc, n)) != NULL &&
			    host_adopt(w) == -1) {
				host_discard(w);
				w = NULL;
			}
			if (w == NULL) {
				errlist_add(errs, "reload: out of memory");
				nerr = 1;
				goto fail_fresh;
			}
			fresh[nfresh++] = w;
			list[k] = w;
		}
	}

	/* From here on nothing fails: commit. */
	k = 0;
	for (i = 0; i < nc->nworkers; i++) {
		wc = &nc->workers[i];
		for (n = 0; n < wc->instances; n++, k++)
			worker_set_config(list[k], wc, n);
	}
	for (i = 0; i < nold; i++) {
		if (taken[i] || sv->workers[i]->removed) {
			if (!taken[i])
				list[k++] = sv->workers[i];
			continue;
		}
		worker_mark_removed(sv->workers[i]);
		sv->removed_pending = true;
		list[k++] = sv->workers[i];
		ev.removed++;
	}
	for (i = 0; i < k; i++)
		list[i]->index = i;
	free(sv->workers);
	sv->workers = list;
	sv->nworkers = k;
	sv->cfg = nc;
	retire(sv, old);
	log_init(nc->log_format, sv->verbosity);

	for (i = 0; i < total; i++) {
		w = list[i];
		if (changed[i]) {
			ev.changed++;
			worker_restart(w, false);	/* new settings */
		}
	}
	for (i = 0; i < nfresh; i++) {
		ev.added++;
		if (fresh[i]->cfg->autostart)
			group_start(fresh[i]);
	}
	for (i = total; i < k; i++)
		if (list[i]->removed)
			worker_stop(list[i]);
	log_event(&ev);
	spawn_check_nofile(nc);
	free(fresh);
	free(taken);
	free(changed);
	strmap_free(&index);
	supervisor_retire_configs(sv);
	log_debug("reload: config read in %.1fms, applied in %.1fms (%zu "
	    "workers)", t1 - t0, mono_ms() - t1, total);
	return 0;

fail_fresh:
	for (i = 0; i < nfresh; i++)
		host_discard(fresh[i]);	/* never started: only its timers */
fail:
	free(list);
	free(fresh);
	free(taken);
	free(changed);
	strmap_free(&index);
	config_free(nc);
	free(nc);
	return nerr;
}
