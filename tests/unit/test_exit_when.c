/*
 * test_exit_when.c: which worker's end ends supervise, and the status it
 * exits with (exit_when.c).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "engine.h"

#define NW 4

struct fixture {
	struct config cfg;
	struct worker_config wc[2];	/* web (2 instances), db */
	struct worker w[NW];		/* web:0 web:1 db job */
	struct worker *ws[NW];
	char *names[4];
};

static void
setup(struct fixture *f, enum sv_exit_when mode, char *n0, char *n1)
{
	static const char *const names[NW] = { "web:0", "web:1", "db", "job" };
	size_t i;

	memset(f, 0, sizeof(*f));
	snprintf(f->wc[0].name, sizeof(f->wc[0].name), "web");
	f->wc[0].instances = 2;
	snprintf(f->wc[1].name, sizeof(f->wc[1].name), "db");
	f->cfg.exit_when = mode;
	f->names[0] = n0;
	f->names[1] = n1;
	f->cfg.exit_when_names = n0 != NULL ? f->names : NULL;
	for (i = 0; i < NW; i++) {
		f->ws[i] = &f->w[i];
		snprintf(f->w[i].name, sizeof(f->w[i].name), "%s", names[i]);
		f->w[i].cfg = &f->wc[i < 2 ? 0 : 1];
		f->w[i].state = STATE_RUNNING;
	}
	/* job is a section of its own. */
	static struct worker_config job = { .name = "job" };
	f->w[3].cfg = &job;
}

static void
end(struct worker *w, enum worker_state st, int wstatus)
{
	w->state = st;
	w->has_exited = true;
	w->last_status = wstatus;
}

/* What sv->tally.live would be: neither removed nor down. */
static unsigned
live(const struct fixture *f)
{
	unsigned n = 0;
	size_t i;

	for (i = 0; i < NW; i++)
		if (!f->w[i].removed && f->w[i].state != STATE_STOPPED &&
		    f->w[i].state != STATE_EXITED &&
		    f->w[i].state != STATE_FATAL)
			n++;
	return n;
}

static int
met(struct fixture *f, size_t i)
{
	return group_exit_when(&f->cfg, f->ws, NW, live(f), &f->w[i]);
}

static void
test_status(void **state)
{
	struct worker w = { 0 };

	(void)state;
	w.has_exited = true;
	w.last_status = 3 << 8;			/* exit 3 */
	assert_int_equal(group_exit_status(&w), 3);
	w.last_status = 0;
	assert_int_equal(group_exit_status(&w), 0);
	w.last_status = SIGSEGV;		/* killed by SEGV */
	assert_int_equal(group_exit_status(&w), 128 + SIGSEGV);
	w.last_status = SIGKILL | 0x80;		/* and dumped core */
	assert_int_equal(group_exit_status(&w), 128 + SIGKILL);
	w.has_exited = false;			/* never ran */
	assert_int_equal(group_exit_status(&w), 127);
}

static void
test_never(void **state)
{
	struct fixture f;
	size_t i;

	(void)state;
	setup(&f, EXIT_WHEN_NEVER, NULL, NULL);
	for (i = 0; i < NW; i++)
		end(&f.w[i], STATE_EXITED, 0);
	for (i = 0; i < NW; i++)
		assert_int_equal(met(&f, i), -1);
}

static void
test_any(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, EXIT_WHEN_ANY, NULL, NULL);
	assert_int_equal(met(&f, 2), -1);	/* running */
	f.w[2].state = STATE_BACKOFF;
	assert_int_equal(met(&f, 2), -1);	/* will run again */
	f.w[2].state = STATE_STOPPED;
	f.w[2].has_exited = true;
	assert_int_equal(met(&f, 2), -1);	/* stopped by request */
	end(&f.w[2], STATE_FATAL, SIGABRT);
	assert_int_equal(met(&f, 2), 128 + SIGABRT);
	end(&f.w[3], STATE_EXITED, 0);
	assert_int_equal(met(&f, 3), 0);
	f.w[3].removed = true;			/* reload dropped it */
	assert_int_equal(met(&f, 3), -1);
}

static void
test_all(void **state)
{
	struct fixture f;

	(void)state;
	setup(&f, EXIT_WHEN_ALL, NULL, NULL);
	end(&f.w[0], STATE_EXITED, 1 << 8);
	assert_int_equal(met(&f, 0), -1);
	end(&f.w[1], STATE_FATAL, SIGSEGV);
	f.w[2].state = STATE_STOPPED;		/* down, not ended */
	assert_int_equal(met(&f, 1), -1);	/* job still runs */
	f.w[3].state = STATE_STARTING;
	assert_int_equal(met(&f, 1), -1);
	end(&f.w[3], STATE_EXITED, 4 << 8);
	/* The last to end names the status. */
	assert_int_equal(met(&f, 3), 4);
	/* A stopped one ending nothing: it does not trigger. */
	assert_int_equal(met(&f, 2), -1);
	/* One that reload removed and is still up does not hold it back. */
	f.w[2].state = STATE_RUNNING;
	f.w[2].removed = true;
	assert_int_equal(met(&f, 3), 4);
}

static void
test_named(void **state)
{
	struct fixture f;

	(void)state;
	/* web: both instances. */
	setup(&f, EXIT_WHEN_NAMED, "web", NULL);
	end(&f.w[2], STATE_EXITED, 0);
	assert_int_equal(met(&f, 2), -1);	/* db is not named */
	end(&f.w[0], STATE_EXITED, 2 << 8);
	assert_int_equal(met(&f, 0), -1);	/* web:1 runs */
	end(&f.w[1], STATE_EXITED, 5 << 8);
	assert_int_equal(met(&f, 1), 5);
	/* One instance, and a section: web:1 and job. */
	setup(&f, EXIT_WHEN_NAMED, "web:1", "job");
	end(&f.w[1], STATE_EXITED, 0);
	assert_int_equal(met(&f, 1), -1);	/* job runs */
	end(&f.w[3], STATE_FATAL, SIGTERM);
	assert_int_equal(met(&f, 3), 128 + SIGTERM);
	end(&f.w[0], STATE_EXITED, 9 << 8);
	assert_int_equal(met(&f, 0), -1);	/* web:0 not named */
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_never),
		cmocka_unit_test(test_any),
		cmocka_unit_test(test_all),
		cmocka_unit_test(test_named),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
