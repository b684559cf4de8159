/*
 * main.c: flags, the event loop, signals and shutdown.  The supervisor is
 * a local of main(), carried to the loop's callbacks as its userdata.
 */
#include <sys/stat.h>

#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ev.h>

#include "clock.h"
#include "daemon.h"

/* The watchers main.c owns; sv->priv. */
struct loop_state {
	ev_signal sigterm, sigint, sighup, sigusr1, sigchld;
	ev_timer orphans;	/* the deferred SIGCHLD walk */
	double orphan_delay;	/* its delay: ORPHAN_DELAY, or longer */
	ev_timer shutdown_timer;
	bool finished;		/* shutdown complete, maybe before ev_run */
};

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr,
	    "usage: supervise -c FILE [-m process|thread] [-s SOCKET] [-t] "
	    "[-v|-q]\n"
	    "       supervise --import-supervisord FILE\n"
	    "       supervise -h | -V\n");
	exit(EXIT_USAGE);
}

/* --import-supervisord: print FILE as workers.ini; 0, or 78 if unread. */
static int
import_main(const char *path)
{
	struct ini_file f = { 0 };
	struct ini_errors errs = { 0 };
	const char *why;
	char here[4096], *slash;
	size_t i;
	int n;

	/* %(here)s: the file's directory, absolute as supervisord makes it. */
	if (realpath(path, here) == NULL)
		snprintf(here, sizeof(here), "%s", path);
	if ((slash = strrchr(here, '/')) != NULL)
		*slash = slash == here ? '/' : '\0';
	else
		snprintf(here, sizeof(here), ".");
	if (slash == here)
		here[1] = '\0';
	if (inifile_read(path, &f, &errs, &why) == -1) {
		fprintf(stderr, "supervise: %s: %s\n", path, why);
		return EXIT_CONFIG;
	}
	for (i = 0; i < errs.len; i++)
		fprintf(stderr, "supervise: %s:%d: %s\n", path, errs.v[i].line,
		    errs.v[i].msg);
	n = errs.len > 0 ? -1 : import_supervisord(&f, here, stdout);
	inifile_errors_free(&errs);
	inifile_free(&f);
	if (n == 0)
		fprintf(stderr, "supervise: %s: no [program:NAME] section\n",
		    path);
	if (fflush(stdout) == EOF)
		err(EXIT_SOFTWARE, "stdout");
	return n > 0 ? 0 : EXIT_CONFIG;
}

static void
shutdown_finish(struct supervisor *sv)
{
	struct loop_state *ls = sv->priv;
	struct event ev = EVENT_INIT(EV_SHUTDOWN_DONE, NULL);

	if (ls->finished)
		return;
	ls->finished = true;
	ev_timer_stop(sv->loop, &ls->shutdown_timer);
	log_event(&ev);
	ev_break(sv->loop, EVBREAK_ALL);
}

struct worker *
supervisor_find(struct supervisor *sv, const char *name)
{
	size_t i;

	for (i = 0; i < sv->nworkers; i++)
		if (strcmp(sv->workers[i]->name, name) == 0)
			return sv->workers[i];
	return NULL;
}

/*
 * Graceful shutdown: every worker is sent its stop signal, in the order
 * group.c keeps; each has its own stop_timeout, and shutdown_timeout
 * bounds the whole.  Called again (a second TERM), it kills what is left
 * at once.
 */
void
supervisor_shutdown(struct supervisor *sv, int status)
{
	struct loop_state *ls = sv->priv;
	struct event ev = EVENT_INIT(EV_SHUTDOWN, NULL);

	if (status > sv->exit_status)
		sv->exit_status = status;
	if (sv->shutting_down) {
		if (!sv->kill_now) {
			sv->kill_now = true;
			group_kill_all(sv);
		}
		return;
	}
	sv->shutting_down = true;
	log_event(&ev);
	notify_stopping(sv);
	ev_timer_set(&ls->shutdown_timer,
	    (double)sv->cfg->shutdown_timeout_ms / 1000.0, 0.0);
	ev_timer_start(sv->loop, &ls->shutdown_timer);
	group_stop_all(sv);
	if (group_all_down(sv))
		shutdown_finish(sv);
}

void
supervisor_check_done(struct supervisor *sv)
{
	if (sv->shutting_down && group_all_down(sv))
		shutdown_finish(sv);
}

static void
shutdown_timer_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct supervisor *sv = ev_userdata(loop);

	(void)t;
	(void)revents;
	log_warnx("shutdown_timeout passed: killing every worker left");
	sv->kill_now = true;
	group_kill_all(sv);
}

/*
 * Orphans are reaped within ORPHAN_DELAY seconds of their SIGCHLD, one
 * walk for all the exits of that time; or later when a walk is slow (it
 * visits every child: 2.7 ms for 10,000 here), so that walks take about
 * ORPHAN_SHARE of the loop's time at most, but never past ORPHAN_DELAY_MAX.
 */
#define ORPHAN_DELAY		0.1
#define ORPHAN_DELAY_MAX	1.0
#define ORPHAN_SHARE		0.01

/* The deferred SIGCHLD walk; again at once while more may be waiting. */
static void
orphans_cb(struct ev_loop *loop, ev_timer *t, int revents)
{
	struct supervisor *sv = ev_userdata(loop);
	struct loop_state *ls = container_of(t, struct loop_state, orphans);
	int64_t t0 = clock_mono_ns();
	double walk;
	bool more;

	(void)revents;
	more = spawn_reap(sv);
	walk = (double)(clock_mono_ns() - t0) / 1e9;
	ls->orphan_delay = walk / ORPHAN_SHARE;
	if (ls->orphan_delay < ORPHAN_DELAY)
		ls->orphan_delay = ORPHAN_DELAY;
	if (ls->orphan_delay > ORPHAN_DELAY_MAX)
		ls->orphan_delay = ORPHAN_DELAY_MAX;
	if (more) {
		ev_timer_set(t, 0.0, 0.0);
		ev_timer_start(loop, t);
	}
}

static void
signal_cb(struct ev_loop *loop, ev_signal *s, int revents)
{
	struct supervisor *sv = ev_userdata(loop);
	struct loop_state *ls;
	struct errlist errs = { 0 };
	size_t i;

	(void)revents;
	switch (s->signum) {
	case SIGTERM:
	case SIGINT:
		supervisor_shutdown(sv, 0);
		break;
	case SIGHUP:
		if (sv->shutting_down)
			break;
		if (supervisor_reload(sv, &errs) > 0) {
			for (i = 0; i < errs.len; i++)
				log_warnx("reload refused: %s", errs.msg[i]);
		}
		errlist_free(&errs);
		break;
	case SIGUSR1:
		output_reopen(sv);
		break;
	case SIGCHLD:
		/*
		 * Exec makes every child raise SIGCHLD when it exits, pidfd or
		 * not, and the walk for what raised it visits every child.
		 * While each child supervise waits for has a pidfd, that exit
		 * is seen there, and only orphans are left to the walk: it
		 * waits ORPHAN_DELAY or more, so that a storm of exits costs
		 * one walk and not one each (see supervise(1), PROCESS GROUPS).
		 */
		if (!spawn_sigchld_urgent(sv)) {
			ls = container_of(s, struct loop_state, sigchld);
			if (!ev_is_active(&ls->orphans)) {
				ev_timer_set(&ls->orphans, ls->orphan_delay,
				    0.0);
				ev_timer_start(loop, &ls->orphans);
			}
			break;
		}
		/*
		 * More to reap: come back after the next poll, so that what
		 * else is ready is served in between (feeding the signal goes
		 * through libev's pipe, not the pending queue).
		 */
		if (spawn_reap(sv))
			ev_feed_signal(SIGCHLD);
		break;
	}
}

/* -t: one line per worker instance, NAME<TAB>MODE<TAB>COMMAND-OR-PLUGIN. */
static void
print_config(const struct config *cfg)
{
	const struct worker_config *wc;
	size_t i;
	unsigned n;
	char **a;

	/* fputs, not printf: 100,000 workers print in a fraction of it. */
	for (i = 0; i < cfg->nworkers; i++) {
		wc = &cfg->workers[i];
		for (n = 0; n < wc->instances; n++) {
			fputs(wc->name, stdout);
			if (wc->instances > 1)
				printf(":%u", n);
			fputs(cfg->mode == MODE_THREAD ? "\tthread\t" :
			    "\tprocess\t", stdout);
			if (wc->plugin != NULL)
				fputs(wc->plugin, stdout);
			for (a = wc->argv; a != NULL && *a != NULL; a++) {
				if (a != wc->argv)
					putchar(' ');
				fputs(*a, stdout);
			}
			putchar('\n');
		}
	}
}

/* Point fd 0, 1 and 2 somewhere, so no pipe of ours ever lands there. */
static void
open_std_fds(void)
{
	int fd;

	while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
		;
	if (fd > 2)
		close(fd);
}

/*
 * What only this program can check, after config.c: each plugin loads and
 * speaks our ABI (plugin.c keeps it loaded), and in thread mode a stop
 * can be waited for (a thread cannot be killed at once).
 */
int
supervisor_check_supported(struct supervisor *sv, const struct config *cfg,
    struct errlist *errs)
{
	const struct worker_config *wc;
	size_t i;
	int bad = 0;

	for (i = 0; i < cfg->nworkers && cfg->mode == MODE_THREAD; i++) {
		wc = &cfg->workers[i];
		if (wc->stop_timeout_ms == 0) {
			errlist_add(errs, "%s:%d: stop_timeout: 0 is not "
			    "possible in thread mode (a thread cannot be "
			    "killed)", wc->file, wc->line);
			bad++;
		}
	}
	return bad + plugin_load(sv, cfg, errs);
}

int
supervisor_add_workers(struct supervisor *sv, struct config *cfg)
{
	struct worker **all, *w;
	size_t i, total = 0;
	unsigned n;

	for (i = 0; i < cfg->nworkers; i++)
		total += cfg->workers[i].instances;
	if ((all = calloc(total + 1, sizeof(*all))) == NULL)
		return -1;
	sv->workers = all;
	for (i = 0; i < cfg->nworkers; i++) {
		for (n = 0; n < cfg->workers[i].instances; n++) {
			if ((w = worker_new(sv, &cfg->workers[i], n)) == NULL)
				return -1;
			if (host_adopt(w) == -1) {
				host_discard(w);
				return -1;
			}
			w->index = sv->nworkers;
			all[sv->nworkers++] = w;
		}
	}
	return 0;
}

/*
 * libev's allocator.  libev aborts when an allocation fails: a watcher
 * array that cannot grow would kill supervise, and every worker with it.
 * A failure under memory pressure is usually brief, so try again for up
 * to a second (at most 100 times, 10ms apart) before libev gives up.
 */
static void *
loop_realloc(void *ptr, long size)
{
	struct timespec pause = { 0, 10 * 1000 * 1000 };
	void *p;
	int i;

	if (size == 0) {
		free(ptr);
		return NULL;
	}
	for (i = 0; i < 100; i++) {
		if ((p = realloc(ptr, (size_t)size)) != NULL)
			return p;
		nanosleep(&pause, NULL);
	}
	return NULL;
}

/*
 * Refused before anything started (the control socket is held, say):
 * write out what is queued and go.  The config and the loop go with the
 * process; _exit, so that a leak check at exit reports only what a clean
 * shutdown leaves behind.
 */
static void __attribute__((noreturn))
exit_before_start(struct supervisor *sv, int status)
{
	output_shutdown(sv);
	fflush(NULL);
	_exit(status);
}

int
main(int argc, char *argv[])
{
	struct supervisor the_supervisor = { 0 }, *sv = &the_supervisor;
	struct loop_state ls;
	struct config *cfg;
	struct errlist errs = { 0 };
	bool test_only = false;
	size_t i;
	int ch, status;

	sv->mode_override = -1;
	if (argc >= 2 && strcmp(argv[1], "--import-supervisord") == 0) {
		if (argc != 3)
			usage();
		return import_main(argv[2]);
	}
	while ((ch = getopt(argc, argv, "c:m:s:tvqhV")) != -1) {
		switch (ch) {
		case 'c':
			sv->config_path = optarg;
			break;
		case 'm':
			if (strcmp(optarg, "process") == 0)
				sv->mode_override = MODE_PROCESS;
			else if (strcmp(optarg, "thread") == 0)
				sv->mode_override = MODE_THREAD;
			else
				usage();
			break;
		case 's':
			sv->socket_override = optarg;
			break;
		case 't':
			test_only = true;
			break;
		case 'v':
			sv->verbosity = 1;
			break;
		case 'q':
			sv->verbosity = -1;
			break;
		case 'h':
			printf("usage: supervise -c FILE [-m process|thread] "
			    "[-s SOCKET] [-t] [-v|-q]\n"
			    "       supervise --import-supervisord FILE\n"
			    "       supervise -h | -V\n");
			return 0;
		case 'V':
			printf("supervise %s\n", SUPERVISE_VERSION);
			return 0;
		default:
			usage();
		}
	}
	if (optind != argc || sv->config_path == NULL)
		usage();

	open_std_fds();
	if ((cfg = calloc(1, sizeof(*cfg))) == NULL)
		err(EXIT_SOFTWARE, "calloc");
	if (config_load(sv->config_path, sv->mode_override, cfg, &errs) > 0) {
		for (i = 0; i < errs.len; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errlist_free(&errs);
		free(cfg);
		return EXIT_CONFIG;
	}
	if (supervisor_check_supported(sv, cfg, &errs) > 0) {
		for (i = 0; i < errs.len; i++)
			fprintf(stderr, "%s\n", errs.msg[i]);
		errlist_free(&errs);
		config_free(cfg);
		free(cfg);
		plugin_unload(sv);
		return EXIT_CONFIG;
	}
	if (test_only) {
		print_config(cfg);
		config_free(cfg);
		free(cfg);
		plugin_unload(sv);
		return 0;
	}
	sv->cfg = cfg;
	sv->host = host_for_mode(cfg->mode);
	sv->pid = getpid();
	sv->stats.start_ms = record_wall_ms();
	log_init(cfg->log_format, sv->verbosity);

	signal(SIGPIPE, SIG_IGN);
	memset(&ls, 0, sizeof(ls));
	sv->priv = &ls;
	ev_set_allocator(loop_realloc);
	if ((sv->loop = ev_loop_new(EVFLAG_AUTO)) == NULL)
		errx(EXIT_SOFTWARE, "cannot create the event loop");
	ev_set_userdata(sv->loop, sv);
	if (host_init(sv) == -1)
		err(EXIT_SOFTWARE, "cannot set up the worker host");
	if (spawn_init(sv) == -1)
		err(EXIT_SOFTWARE, "cannot prepare for spawning workers");
	if (cfg->mode == MODE_THREAD && thread_init(sv) == -1)
		err(EXIT_SOFTWARE, "cannot set up worker threads");
	notify_init(sv);
	if (window_init(&sv->window, cfg->restart_limit) == -1)
		err(EXIT_SOFTWARE, "calloc");
	if (output_init(sv) == -1)
		errx(EXIT_SOFTWARE, "cannot set up worker output");
	if ((status = control_init(sv)) != 0)
		exit_before_start(sv, status);
	if (metrics_http_init(sv) == -1) {
		control_close(sv);
		exit_before_start(sv, EXIT_CANTCREAT);
	}

	ev_signal_init(&ls.sigterm, signal_cb, SIGTERM);
	ev_signal_init(&ls.sigint, signal_cb, SIGINT);
	ev_signal_init(&ls.sighup, signal_cb, SIGHUP);
	ev_signal_init(&ls.sigusr1, signal_cb, SIGUSR1);
	ev_signal_init(&ls.sigchld, signal_cb, SIGCHLD);
	ev_init(&ls.orphans, orphans_cb);
	ls.orphan_delay = ORPHAN_DELAY;
	/*
	 * A dead worker comes before anything else pending in the same loop
	 * pass (a client's status request, output to copy): restart latency
	 * should not depend on how busy the control socket is.
	 */
	ev_set_priority(&ls.sigchld, EV_MAXPRI);
	ev_signal_start(sv->loop, &ls.sigterm);
	ev_signal_start(sv->loop, &ls.sigint);
	ev_signal_start(sv->loop, &ls.sighup);
	ev_signal_start(sv->loop, &ls.sigusr1);
	ev_signal_start(sv->loop, &ls.sigchld);
	ev_init(&ls.shutdown_timer, shutdown_timer_cb);

	if (supervisor_add_workers(sv, cfg) == -1)
		err(EXIT_SOFTWARE, "cannot allocate workers");
	for (i = 0; i < sv->nworkers && !sv->shutting_down; i++) {
		if (sv->workers[i]->cfg->autostart)
			group_start(sv->workers[i]);
	}
	/* Spawning many workers takes a while: timers count from now. */
	ev_now_update(sv->loop);
	notify_changed(sv);	/* READY=1 at once if nothing is to start */

	if (!ls.finished)
		ev_run(sv->loop, 0);

	metrics_http_close(sv);
	hook_close(sv);
	control_close(sv);
	readings_close(sv);
	thread_close(sv);
	ready_close(sv);
	notify_close(sv);
	output_shutdown(sv);
	for (i = 0; i < sv->nworkers; i++)
		host_discard(sv->workers[i]);
	host_close(sv);
	free(sv->workers);
	spawn_close(sv);
	window_free(&sv->window);
	supervisor_retire_configs(sv);
	config_free(sv->cfg);
	free(sv->cfg);
	plugin_unload(sv);
	ev_loop_destroy(sv->loop);
	return sv->exit_status;
}
