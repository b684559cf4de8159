/*
 * The fixture of the state machine's tests (test_worker.c, test_group.c):
 * three workers a, b, c in start order, made with the loader's defaults,
 * on a supervisor whose host is the fake one.  Include after cmocka.h.
 */
#ifndef WORKER_FIXTURE_H
#define WORKER_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "fake_host.h"
#include "daemon.h"

#define EXIT(n) W_EXITCODE((n), 0)
#define KILLED(sig) W_EXITCODE(0, (sig))

struct fixture {
	struct supervisor sv;
	struct config cfg;
	struct worker_config wc[3];
	struct worker *w[3];
};

static void
default_config(struct worker_config *wc, const char *name)
{
	static char *argv[] = { "/bin/true", NULL };

	config_worker_defaults(wc);
	strcpy(wc->name, name);
	wc->argv = argv;
}

static int
setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	int i;

	fake_reset();
	log_init(LOG_TEXT, -1);
	f->cfg.restart_window_ms = 60000;
	f->cfg.shutdown_timeout_ms = 30000;
	f->cfg.workers = f->wc;
	f->cfg.nworkers = 3;
	f->sv.cfg = &f->cfg;
	f->sv.host = &fake_worker_host;
	f->sv.workers = f->w;
	f->sv.nworkers = 3;
	for (i = 0; i < 3; i++) {
		default_config(&f->wc[i], i == 0 ? "a" : i == 1 ? "b" : "c");
		f->w[i] = worker_new(&f->sv, &f->wc[i], 0);
		f->w[i]->index = (size_t)i;
	}
	*state = f;
	return 0;
}

/*
 * sv->tally, kept by worker.c at each change, is what counting the
 * workers' classes afresh gives: checked at the end of every test.
 */
static void
assert_tally(const struct fixture *f)
{
	struct worker_tally t;
	const struct worker *w;
	int i;

	memset(&t, 0, sizeof(t));
	for (i = 0; i < 3; i++) {
		w = f->w[i];
		t.n[worker_tally_class(w)]++;
		if (!w->removed && w->state != STATE_STOPPED &&
		    w->state != STATE_EXITED && w->state != STATE_FATAL)
			t.live++;
	}
	for (i = 0; i < TALLY_CLASSES; i++)
		assert_int_equal(f->sv.tally.n[i], t.n[i]);
	assert_int_equal(f->sv.tally.live, t.live);
}

static int
teardown(void **state)
{
	struct fixture *f = *state;
	int i;

	assert_tally(f);
	for (i = 0; i < 3; i++)
		worker_free(f->w[i]);
	for (i = 0; i < TALLY_CLASSES; i++)
		assert_int_equal(f->sv.tally.n[i], 0);
	assert_int_equal(f->sv.tally.live, 0);
	window_free(&f->sv.window);
	free(f);
	return 0;
}

/* Start worker i and let it stay up min_uptime. */
static struct worker *
running(struct fixture *f, int i)
{
	struct worker *w = f->w[i];

	worker_start(w);
	fake_fire(w);
	assert_int_equal(w->state, STATE_RUNNING);
	return w;
}

#endif
