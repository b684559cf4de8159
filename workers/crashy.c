/*
 * crashy: the crash-injection worker, as an executable.
 *
 *	crashy [--after DURATION] [--fault KIND] [--ready]
 *	    [--heartbeat DURATION] [--output N]
 *
 * At start it says on stderr what it will do (`crashy[PID]: fault segv
 * after 3s`), prints the --output lines on stdout, sends READY=1 with
 * --ready, and from then on WATCHDOG=1 every --heartbeat, the first at
 * once.  The fault comes after --after (default 0: at once), or earlier on
 * SIGUSR1; `--fault none` (the default) never faults and runs until
 * stopped.  TERM or INT makes crashy exit 0, before the fault and after a
 * lasting one alike, except with ignore-term and hang (crashy(1)).  The
 * faults are in faults.c; this file supplies the waits, sd_notify and the
 * output.
 *
 * No polling: SIGUSR1 stays blocked and is waited for with sigtimedwait(2),
 * whose timeout is the next heartbeat or the fault, whichever is first.
 * TERM and INT are caught by a handler that calls _exit(0), so they also
 * end a busy loop (spin, flood).
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"

/*
 * Under AddressSanitizer (the tests' sanitizer build), crashy's leaks are
 * its job (leak:SIZE/s) or cut short by its faults: not reported.  The
 * leak check stays on for supervise itself.
 */
#if defined(__SANITIZE_ADDRESS__)
#define CRASHY_LSAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CRASHY_LSAN 1
#endif
#endif
#ifdef CRASHY_LSAN
#include <sanitizer/lsan_interface.h>
#endif

/* The executable's side of struct crashy_host. */
struct exec_ctx {
	sigset_t usr1;
	int notify_fd;			/* -1 until the first message */
	struct sockaddr_un notify_addr;
	socklen_t notify_len;		/* 0: no NOTIFY_SOCKET */
	int notify_warned;
};

static void
exec_out(void *ctx, const char *fmt, va_list ap)
{
	(void)ctx;
	crashy_write_line(STDOUT_FILENO, fmt, ap);
}

static void
exec_err(void *ctx, const char *fmt, va_list ap)
{
	(void)ctx;
	crashy_write_line(STDERR_FILENO, fmt, ap);
}

/*
 * NOTIFY_SOCKET as systemd reads it: a path, or `@name` for an abstract
 * socket, whose address is a NUL byte and then exactly the name's bytes
 * (the length, not a terminating NUL, ends it).
 */
static void
notify_setup(struct exec_ctx *x)
{
	const char *path = getenv("NOTIFY_SOCKET");
	size_t len;

	x->notify_fd = -1;
	x->notify_len = 0;
	if (path == NULL || *path == '\0')
		return;
	len = strlen(path);
	if (len >= sizeof(x->notify_addr.sun_path)) {
		fprintf(stderr, "crashy: NOTIFY_SOCKET too long, not "
		    "notifying\n");
		return;
	}
	memset(&x->notify_addr, 0, sizeof(x->notify_addr));
	x->notify_addr.sun_family = AF_UNIX;
	memcpy(x->notify_addr.sun_path, path, len);
	if (path[0] == '@') {
		x->notify_addr.sun_path[0] = '\0';
		x->notify_len = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len);
	} else
		x->notify_len = (socklen_t)(offsetof(struct sockaddr_un,
		    sun_path) + len + 1);
}

/* Send one sd_notify datagram; a no-op without NOTIFY_SOCKET. */
static void
notify(struct exec_ctx *x, const char *msg)
{
	if (x->notify_len == 0)
		return;
	if (x->notify_fd == -1)
		x->notify_fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (x->notify_fd != -1 && sendto(x->notify_fd, msg, strlen(msg),
	    MSG_NOSIGNAL, (struct sockaddr *)&x->notify_addr,
	    x->notify_len) != -1)
		return;
	/* Say it once, not at every heartbeat. */
	if (!x->notify_warned)
		fprintf(stderr, "crashy: notify %s: %s\n",
		    getenv("NOTIFY_SOCKET"), strerror(errno));
	x->notify_warned = 1;
}

static void
exec_ready(void *ctx)
{
	notify(ctx, "READY=1");
}

static void
exec_heartbeat(void *ctx)
{
	notify(ctx, "WATCHDOG=1");
}

/* Wait for SIGUSR1 until the time is up; TERM and INT never get here. */
static enum crashy_wake
exec_wait(void *ctx, int64_t ms)
{
	struct exec_ctx *x = ctx;
	struct timespec ts;
	int sig;

	if (ms < 0)
		sig = sigwaitinfo(&x->usr1, NULL);
	else {
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000;
		sig = sigtimedwait(&x->usr1, NULL, &ts);
	}
	/* EAGAIN: the time is up; EINTR: the caller looks at the clock. */
	return sig == SIGUSR1 ? WAKE_TRIGGER : WAKE_TIMEOUT;
}

/* A stop ends the process in stop_cb(): nothing is left to ask. */
static int
exec_should_stop(void *ctx)
{
	(void)ctx;
	return 0;
}

static void
stop_cb(int sig)
{
	(void)sig;
	_exit(0);
}

static void
exec_ignore_stop(void *ctx)
{
	(void)ctx;
	signal(SIGTERM, SIG_IGN);
	signal(SIGINT, SIG_IGN);
}

/* TERM and INT: exit 0.  SIGUSR1: blocked, to be waited for. */
static void
signals_setup(struct exec_ctx *x)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = stop_cb;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigemptyset(&x->usr1);
	sigaddset(&x->usr1, SIGUSR1);
	sigprocmask(SIG_SETMASK, &x->usr1, NULL);
}

int
main(int argc, char **argv)
{
	struct crashy_opts o;
	struct exec_ctx x;
	struct crashy_host h = {
		.ctx = &x,
		.process = true,
		.wait = exec_wait,
		.should_stop = exec_should_stop,
		.ready = exec_ready,
		.heartbeat = exec_heartbeat,
		.ignore_stop = exec_ignore_stop,
		.out = exec_out,
		.err = exec_err,
	};
	char why[256];
	int status;

#ifdef CRASHY_LSAN
	__lsan_disable();
#endif
	memset(&x, 0, sizeof(x));
	status = crashy_parse(argc, argv, &o, why, sizeof(why));
	if (status == -1) {
		printf("%s\nKIND: %s\n", CRASHY_USAGE, CRASHY_KINDS);
		return 0;
	}
	if (status != 0) {
		fprintf(stderr, "crashy: %s\n%s\n", why, CRASHY_USAGE);
		return status;
	}
	signals_setup(&x);
	notify_setup(&x);
	return crashy_run(&o, &h);
}
