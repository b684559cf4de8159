/*
 * plugin.c: plugin workers.  The shared objects named by `plugin =` are
 * loaded once, when the config is read (and on reload), so that a plugin
 * built for another ABI is a config error rather than a failed start.
 * They stay loaded: a forked child runs the code mapped before fork, a
 * thread the code of the one process.
 *
 * The rest is the process-mode child's side: spawn.c forks (no exec) and,
 * once fds, credentials and environment are set as for a command, calls
 * plugin_child(), which gives the plugin a struct sv_worker whose ready
 * and heartbeat are sd_notify datagrams to $NOTIFY_SOCKET, whose stop is
 * the stop signal caught by a handler, and whose log is a line on stderr.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <dlfcn.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <supervise/worker.h>

#include "clock.h"
#include "daemon.h"

struct plugin_so {
	char *path;
	void *handle;
	plugin_main_fn *main;
};

/* sv->plugins: every shared object loaded so far. */
struct plugin_table {
	struct plugin_so *v;
	size_t len;
};

static struct plugin_so *
find_so(struct plugin_table *pt, const char *path)
{
	size_t i;

	for (i = 0; pt != NULL && i < pt->len; i++)
		if (strcmp(pt->v[i].path, path) == 0)
			return &pt->v[i];
	return NULL;
}

/* Load and check one plugin; NULL with why set if it cannot be used. */
static void *
open_so(const char *path, plugin_main_fn **fn, char *why, size_t whylen)
{
	const unsigned *abi;
	const char *e;
	void *h, *sym;

	dlerror();
	if ((h = dlopen(path, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		e = dlerror();
		snprintf(why, whylen, "%s", e != NULL ? e : path);
		return NULL;
	}
	abi = dlsym(h, SUPERVISE_WORKER_ABI_SYMBOL);
	if (abi == NULL) {
		snprintf(why, whylen, "%s: no %s symbol (not a supervise "
		    "plugin?)", path, SUPERVISE_WORKER_ABI_SYMBOL);
		goto fail;
	}
	if (*abi != SUPERVISE_WORKER_ABI_VERSION) {
		snprintf(why, whylen, "built for ABI %u, this supervise speaks "
		    "%u", *abi, SUPERVISE_WORKER_ABI_VERSION);
		goto fail;
	}
	if ((sym = dlsym(h, SUPERVISE_WORKER_MAIN_SYMBOL)) == NULL) {
		snprintf(why, whylen, "%s: no %s symbol", path,
		    SUPERVISE_WORKER_MAIN_SYMBOL);
		goto fail;
	}
	/* POSIX makes a function from dlsym's object pointer this way. */
	memcpy(fn, &sym, sizeof(*fn));
	return h;
fail:
	dlclose(h);
	return NULL;
}

int
plugin_load(struct supervisor *sv, const struct config *cfg,
    struct errlist *errs)
{
	struct plugin_table *pt = sv->plugins;
	const struct worker_config *wc;
	struct plugin_so *v;
	plugin_main_fn *fn;
	char why[512];
	size_t i;
	void *h;
	int bad = 0;

	if (pt == NULL) {
		if ((pt = calloc(1, sizeof(*pt))) == NULL) {
			errlist_add(errs, "%s: out of memory", cfg->path);
			return 1;
		}
		sv->plugins = pt;
	}
	for (i = 0; i < cfg->nworkers; i++) {
		wc = &cfg->workers[i];
		if (wc->plugin == NULL || find_so(pt, wc->plugin) != NULL)
			continue;
		if ((h = open_so(wc->plugin, &fn, why, sizeof(why))) == NULL) {
			errlist_add(errs, "%s:%d: plugin: %s", wc->file,
			    wc->plugin_line > 0 ? wc->plugin_line : wc->line,
			    why);
			bad++;
			continue;
		}
		v = realloc(pt->v, (pt->len + 1) * sizeof(*v));
		if (v == NULL || (v[pt->len].path = strdup(wc->plugin)) == NULL) {
			if (v != NULL)
				pt->v = v;
			dlclose(h);
			errlist_add(errs, "%s:%d: plugin: out of memory",
			    wc->file, wc->line);
			bad++;
			continue;
		}
		pt->v = v;
		v[pt->len].handle = h;
		v[pt->len].main = fn;
		pt->len++;
	}
	return bad;
}

plugin_main_fn *
plugin_entry(struct supervisor *sv, const char *path)
{
	struct plugin_so *so = find_so(sv->plugins, path);

	return so != NULL ? so->main : NULL;
}

/* Only once no thread runs: their code goes with the handle. */
void
plugin_unload(struct supervisor *sv)
{
	struct plugin_table *pt = sv->plugins;
	size_t i;

	if (pt == NULL)
		return;
	for (i = 0; i < pt->len; i++) {
		dlclose(pt->v[i].handle);
		free(pt->v[i].path);
	}
	free(pt->v);
	free(pt);
	sv->plugins = NULL;
}

/* ------------------------------------------------- the forked child */

/*
 * The child is alone in its process: its state is one static struct,
 * and the flag the stop signal's handler sets.
 */
static volatile sig_atomic_t child_stop;

static struct {
	struct worker *w;
	int notify_fd;			/* -1: not opened yet */
	struct sockaddr_un addr;
	socklen_t addrlen;		/* 0: no NOTIFY_SOCKET */
} child;

static void
stop_cb(int sig)
{
	(void)sig;
	child_stop = 1;
}

static const char *
c_name(struct sv_worker *sw)
{
	(void)sw;
	return child.w->name;
}

static int
c_should_stop(struct sv_worker *sw)
{
	(void)sw;
	return child_stop != 0;
}

/*
 * Wait with every signal unblocked (ppoll's empty mask), so a signal the
 * plugin keeps blocked between its checks is caught here: -1 on a stop or
 * any caught signal, 0 once ms have passed.
 */
static int
c_sleep(struct sv_worker *sw, unsigned ms)
{
	struct timespec end, left;
	sigset_t none;

	(void)sw;
	sigemptyset(&none);
	clock_mono_after(&end, ms);
	for (;;) {
		if (child_stop)
			return -1;
		if (!clock_mono_left(&end, &left))
			return 0;
		if (ppoll(NULL, 0, &left, &none) == -1 && errno == EINTR)
			return -1;
	}
}

/* One sd_notify datagram, as libsystemd sends it; nothing if unset. */
static void
c_notify(const char *msg)
{
	if (child.addrlen == 0)
		return;
	if (child.notify_fd == -1)
		child.notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (child.notify_fd == -1)
		return;
	(void)sendto(child.notify_fd, msg, strlen(msg), MSG_NOSIGNAL,
	    (struct sockaddr *)&child.addr, child.addrlen);
}

static void
c_ready(struct sv_worker *sw)
{
	(void)sw;
	c_notify("READY=1");
}

static void
c_heartbeat(struct sv_worker *sw)
{
	(void)sw;
	c_notify("WATCHDOG=1");
}

/*
 * A plugin's sv_worker_log line, newline-terminated, in one write(2) to
 * fd: neither a signal nor another writer splits it.  Both hosts use it.
 */
void
plugin_log_line(int fd, const char *fmt, va_list ap)
{
	char buf[LINE_MAX_LEN + 1];
	int n;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	while (write(fd, buf, (size_t)n) == -1 && errno == EINTR)
		;
}

static void
c_vlog(struct sv_worker *sw, const char *fmt, va_list ap)
{
	(void)sw;
	plugin_log_line(STDERR_FILENO, fmt, ap);
}

static int
c_mode(struct sv_worker *sw)
{
	(void)sw;
	return SV_WORKER_PROCESS;
}

static const struct sv_worker_ops child_ops = {
	.abi_version = SUPERVISE_WORKER_ABI_VERSION,
	.size = sizeof(struct sv_worker_ops),
	.name = c_name,
	.should_stop = c_should_stop,
	.sleep = c_sleep,
	.ready = c_ready,
	.heartbeat = c_heartbeat,
	.vlog = c_vlog,
	.mode = c_mode,
};

/* $NOTIFY_SOCKET into child.addr: "@name" abstract, or a path. */
static void
notify_address(void)
{
	const char *s = getenv("NOTIFY_SOCKET");
	size_t len;

	child.notify_fd = -1;
	if (s == NULL || (*s != '@' && *s != '/'))
		return;
	len = strlen(s);
	if (len >= sizeof(child.addr.sun_path))
		return;
	memset(&child.addr, 0, sizeof(child.addr));
	child.addr.sun_family = AF_UNIX;
	memcpy(child.addr.sun_path, s, len);
	if (*s == '@')
		child.addr.sun_path[0] = '\0';
	child.addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
	    len);
}

_Noreturn void
plugin_child(struct worker *w, plugin_main_fn *fn)
{
	struct worker_config *wc = w->cfg;
	struct sv_worker sw = { &child_ops, NULL };
	struct sigaction sa;
	sigset_t none;
	char **argv;
	size_t n = 0, i;
	int status;

	child.w = w;
	notify_address();
	while (wc->args != NULL && wc->args[n] != NULL)
		n++;
	if ((argv = calloc(n + 2, sizeof(*argv))) == NULL)
		_exit(EXIT_SOFTWARE);
	argv[0] = wc->plugin;
	for (i = 0; i < n; i++)
		argv[i + 1] = wc->args[i];
	/* Without SA_RESTART: a blocking call of the plugin sees EINTR. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_cb;
	sigemptyset(&sa.sa_mask);
	if (wc->stop_signal != SIGKILL)
		(void)sigaction(wc->stop_signal, &sa, NULL);
	sigemptyset(&none);
	(void)sigprocmask(SIG_SETMASK, &none, NULL);
	status = fn(&sw, (int)(n + 1), argv);
	fflush(NULL);
	_exit(status & 0xff);
}
