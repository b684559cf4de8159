/*
 * crashy's faults: the wait for the fault (with heartbeats), and the faults
 * themselves.  Shared by the executable and the
 * plugin, so it keeps no global mutable state: in thread mode several
 * instances run here at once.
 *
 * The faults are real: the kernel delivers the signal because the code
 * really does the wrong thing, as a bug would.  That is why the code below
 * looks wrong to a compiler and reaches its targets through volatile
 * objects: without them gcc -O2 turns a NULL store into ud2 (SIGILL) and
 * drops a division whose result is unused.
 */
#include <sys/mman.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faults.h"

#if defined(__clang__) || (defined(__GNUC__) && __GNUC__ >= 8)
#define NO_UBSAN __attribute__((no_sanitize("undefined")))
#else
#define NO_UBSAN
#endif

/* One run of crashy: the options, the front end, the heartbeat clock. */
struct run {
	const struct crashy_opts *o;
	const struct crashy_host *h;
	bool beating;		/* heartbeats are being sent */
	int64_t next_beat;	/* when the next one is due */
};

static void say(const struct crashy_host *, const char *, ...)
    __attribute__((format(printf, 2, 3)));
static void print(const struct crashy_host *, const char *, ...)
    __attribute__((format(printf, 2, 3)));

/* A diagnostic line (stderr). */
static void
say(const struct crashy_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h->err(h->ctx, fmt, ap);
	va_end(ap);
}

/* A line of output (stdout). */
static void
print(const struct crashy_host *h, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	h->out(h->ctx, fmt, ap);
	va_end(ap);
}

/* Write all of buf to fd; lines are short, so one write(2) in practice. */
static void
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) == -1) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

void
crashy_write_line(int fd, const char *fmt, va_list ap)
{
	char buf[4096];
	int n;

	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = sizeof(buf) - 2;
	buf[n++] = '\n';
	write_all(fd, buf, (size_t)n);
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The one line that says what this crashy will do. */
static void
describe(const struct crashy_opts *o, const struct crashy_host *h)
{
	char when[64], beat[64], after[32], every[32];

	crashy_format_duration(after, sizeof(after), o->after_ms);
	if (o->fault == FAULT_NONE)
		snprintf(when, sizeof(when), ", runs until stopped");
	else if (o->after_ms == 0)
		snprintf(when, sizeof(when), " at once");
	else
		snprintf(when, sizeof(when), " after %s", after);
	beat[0] = '\0';
	if (o->heartbeat_ms > 0) {
		crashy_format_duration(every, sizeof(every), o->heartbeat_ms);
		snprintf(beat, sizeof(beat), ", heartbeat every %s", every);
	}
	say(h, "crashy[%ld]: fault %s%s%s%s", (long)getpid(), o->fault_name,
	    when, beat, o->ready ? ", ready" : "");
}

/*
 * Wait until deadline (< 0: for ever), sending the heartbeats that fall
 * due on the way.  Returns WAKE_TIMEOUT at the deadline, else what woke it.
 */
static enum crashy_wake
run_wait(struct run *r, int64_t deadline)
{
	enum crashy_wake wake;
	int64_t now, until;

	for (;;) {
		now = now_ms();
		if (deadline >= 0 && now >= deadline)
			return WAKE_TIMEOUT;
		until = deadline;
		if (r->beating) {
			if (r->next_beat <= now) {
				r->h->heartbeat(r->h->ctx);
				r->next_beat += r->o->heartbeat_ms;
				/* Fell behind (suspended): start again. */
				if (r->next_beat <= now)
					r->next_beat = now + r->o->heartbeat_ms;
			}
			if (until < 0 || r->next_beat < until)
				until = r->next_beat;
		}
		wake = r->h->wait(r->h->ctx, until < 0 ? -1 : until - now);
		if (wake != WAKE_TIMEOUT)
			return wake;
	}
}

/* Keep running, heartbeats and all, until stopped: the fault has fired. */
static int
run_idle(struct run *r)
{
	while (run_wait(r, -1) != WAKE_STOP)
		continue;		/* SIGUSR1 again: the fault was made */
	return 0;
}

/* SIGSEGV: a store through a NULL pointer the compiler cannot see. */
static NO_UBSAN void
fault_segv(void)
{
	int *volatile nowhere = NULL;

	*(volatile int *)nowhere = 1;
}

/* SIGFPE: an integer division by zero (x86 traps it; others may not). */
static NO_UBSAN void
fault_fpe(void)
{
	volatile int zero = 0, one = 1;
	volatile int quotient;

	quotient = one / zero;
	(void)quotient;
}

/*
 * SIGBUS: x86 does not fault on a misaligned access, but a read past the
 * end of a mapped file does.  Map a page of a file, truncate the file, read.
 */
static int
fault_bus(const struct crashy_host *h)
{
	volatile char *page;
	long size;
	int fd;

	size = sysconf(_SC_PAGESIZE);
	if ((fd = memfd_create("crashy-bus", MFD_CLOEXEC)) == -1) {
		say(h, "crashy: bus: memfd_create: %s", strerror(errno));
		return CRASHY_EXIT_OSERR;
	}
	if (ftruncate(fd, size) == -1) {
		say(h, "crashy: bus: ftruncate: %s", strerror(errno));
		goto fail;
	}
	page = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (page == MAP_FAILED) {
		say(h, "crashy: bus: mmap: %s", strerror(errno));
		goto fail;
	}
	if (ftruncate(fd, 0) == -1) {
		say(h, "crashy: bus: ftruncate: %s", strerror(errno));
		munmap((void *)page, (size_t)size);
		goto fail;
	}
	(void)page[0];
	say(h, "crashy: bus: the read past the end did not fault");
	munmap((void *)page, (size_t)size);
fail:
	close(fd);
	return CRASHY_EXIT_OSERR;
}

/* SIGILL: an undefined instruction, on purpose. */
static void
fault_ill(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile ("ud2");
#elif defined(__aarch64__)
	__asm__ volatile (".inst 0x00000000");	/* udf #0 */
#else
	__builtin_trap();
#endif
}

/*
 * SIGSEGV by stack overflow.  Each frame holds a volatile array whose
 * address goes to the next call and which is read after it returns, so
 * the recursion can be neither a loop nor a tail call; the end condition
 * (a depth read through a volatile pointer) is never met, but it keeps
 * -Winfinite-recursion quiet.
 */
static __attribute__((noinline)) unsigned
recurse(volatile char *up, unsigned depth, const volatile unsigned *limit)
{
	volatile char frame[1024];

	frame[0] = (char)(up[0] + 1);
	frame[sizeof(frame) - 1] = (char)depth;
	if (depth == *limit)
		return frame[0];
	return recurse(frame, depth + 1, limit) + frame[sizeof(frame) - 1];
}

static void
fault_stack_overflow(void)
{
	volatile char base[1] = { 0 };
	volatile unsigned limit = UINT_MAX;
	volatile unsigned result;

	result = recurse(base, 0, &limit);
	(void)result;
}

/*
 * A real hang: wait for ever on a condition nobody signals, with every
 * signal this thread may block blocked, never looking at the stop request
 * again.  Alone in its process (h->process), it first gives the stop
 * signals back their default action, which ends it, as KILL would;
 * SIGABRT (the watchdog's) keeps its default too.  In a thread of
 * supervise nothing ends it but supervise's own end.
 */
static void __attribute__((noreturn))
fault_hang(const struct crashy_host *h)
{
	static const int stops[] = { SIGTERM, SIGINT, SIGHUP, SIGQUIT,
		SIGABRT };
	pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
	pthread_cond_t never = PTHREAD_COND_INITIALIZER;
	struct sigaction sa;
	sigset_t block;
	size_t i;

	sigfillset(&block);
	if (h->process) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = SIG_DFL;
		sigemptyset(&sa.sa_mask);
		for (i = 0; i < sizeof(stops) / sizeof(stops[0]); i++) {
			(void)sigaction(stops[i], &sa, NULL);
			sigdelset(&block, stops[i]);
		}
	}
	pthread_sigmask(SIG_SETMASK, &block, NULL);
	pthread_mutex_lock(&mu);
	for (;;)
		pthread_cond_wait(&never, &mu);
}

/* Allocate and touch leak_bytes every second, until stopped or refused. */
static int
fault_leak(struct run *r)
{
	struct chunk {
		struct chunk *next;
	} *head = NULL, *c;
	size_t size, off, page = (size_t)sysconf(_SC_PAGESIZE);
	uint64_t total = 0;
	int64_t next;
	int status = 0;

	size = (size_t)r->o->leak_bytes;
	if (size < sizeof(*c))
		size = sizeof(*c);
	for (next = now_ms();; next += 1000) {
		if ((c = malloc(size)) == NULL) {
			say(r->h, "crashy: leak: out of memory after %" PRIu64
			    " bytes", total);
			status = 1;
			break;
		}
		/* A write to every page makes it resident. */
		for (off = 0; off < size; off += page)
			((volatile char *)c)[off] = 1;
		c->next = head;
		head = c;
		total += size;
		if (run_wait(r, next + 1000) == WAKE_STOP)
			break;
	}
	while ((c = head) != NULL) {
		head = c->next;
		free(c);
	}
	return status;
}

/* Open descriptors until refused; say how many; close them; fail. */
static int
fault_fd_leak(const struct crashy_host *h)
{
	int *fds = NULL, *more, fd, e;
	size_t n = 0, cap = 0;

	for (;;) {
		if ((fd = open("/dev/null", O_RDONLY | O_CLOEXEC)) == -1) {
			e = errno;
			break;
		}
		if (n == cap) {
			cap = cap != 0 ? cap * 2 : 256;
			if ((more = realloc(fds, cap * sizeof(*fds))) == NULL) {
				e = errno;
				close(fd);
				break;
			}
			fds = more;
		}
		fds[n++] = fd;
	}
	say(h, "crashy: fd-leak: opened %zu descriptors, then: %s", n,
	    strerror(e));
	while (n > 0)
		close(fds[--n]);
	free(fds);
	return 1;
}

/*
 * In a forked child: default signal dispositions, nothing blocked, then
 * sleep CRASHY_LINGER seconds and exit.  It stays in crashy's process
 * group, where the supervisor's group kill finds it.
 */
static void __attribute__((noreturn))
linger(void)
{
	struct sigaction sa;
	struct timespec until;
	sigset_t none;
	int sig;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (sig = 1; sig < NSIG; sig++)
		if (sig != SIGKILL && sig != SIGSTOP)
			(void)sigaction(sig, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += CRASHY_LINGER;
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until,
	    NULL) == EINTR)
		continue;
	_exit(0);
}

/* Fork children that linger; keep those that fork gave; keep running. */
static int
fault_fork_bomb(struct run *r)
{
	long got;
	pid_t pid;
	int e = 0;

	for (got = 0; got < r->o->children; got++) {
		if ((pid = fork()) == -1) {
			e = errno;
			break;
		}
		if (pid == 0)
			linger();
	}
	if (got < r->o->children)
		say(r->h, "crashy: fork-bomb: forked %ld of %ld children, "
		    "then fork: %s", got, r->o->children, strerror(e));
	else
		say(r->h, "crashy: fork-bomb: forked %ld children", got);
	return run_idle(r);
}

/*
 * Leave a child behind, holding stdout, and exit 0.  Wait until the child
 * has written its line, so that line is in the pipe before crashy exits.
 */
static int
fault_orphan(const struct crashy_host *h)
{
	char c;
	pid_t pid;
	int sync[2];

	if (pipe2(sync, O_CLOEXEC) == -1) {
		say(h, "crashy: orphan: pipe: %s", strerror(errno));
		return CRASHY_EXIT_OSERR;
	}
	if ((pid = fork()) == -1) {
		say(h, "crashy: orphan: fork: %s", strerror(errno));
		close(sync[0]);
		close(sync[1]);
		return CRASHY_EXIT_OSERR;
	}
	if (pid == 0) {
		close(sync[0]);
		dprintf(STDOUT_FILENO, "crashy: orphan pid %ld\n",
		    (long)getpid());
		close(sync[1]);
		linger();
	}
	close(sync[1]);
	while (read(sync[0], &c, 1) == -1 && errno == EINTR)
		continue;
	close(sync[0]);
	return 0;
}

/* Make the fault.  Returns the exit status when the fault allows one. */
static int
fault(struct run *r)
{
	const struct crashy_host *h = r->h;
	unsigned long n;

	switch (r->o->fault) {
	case FAULT_NONE:
		return run_idle(r);
	case FAULT_SEGV:
		fault_segv();
		break;
	case FAULT_ABORT:
		abort();
	case FAULT_FPE:
		fault_fpe();
		break;
	case FAULT_BUS:
		return fault_bus(h);
	case FAULT_ILL:
		fault_ill();
		break;
	case FAULT_STACK_OVERFLOW:
		fault_stack_overflow();
		break;
	case FAULT_EXIT:
		return r->o->exit_status;
	case FAULT_HANG:
		fault_hang(h);
	case FAULT_STALL:
		/* No heartbeat, no output; a stop still ends it. */
		while (h->wait(h->ctx, -1) != WAKE_STOP)
			continue;
		return 0;
	case FAULT_SPIN:
		while (!h->should_stop(h->ctx))
			continue;
		return 0;
	case FAULT_LEAK:
		return fault_leak(r);
	case FAULT_FD_LEAK:
		return fault_fd_leak(h);
	case FAULT_FORK_BOMB:
		return fault_fork_bomb(r);
	case FAULT_IGNORE_TERM:
		h->ignore_stop(h->ctx);
		say(h, "crashy: ignoring TERM and INT");
		return run_idle(r);
	case FAULT_ORPHAN:
		return fault_orphan(h);
	case FAULT_FLOOD:
		for (n = 1; !h->should_stop(h->ctx); n++)
			print(h, "crashy: flood %lu", n);
		return 0;
	}
	say(h, "crashy: fault %s did not end the process", r->o->fault_name);
	return CRASHY_EXIT_OSERR;
}

int
crashy_run(const struct crashy_opts *o, const struct crashy_host *h)
{
	struct run r = { .o = o, .h = h };
	int64_t start;
	long i;

	if (!h->process && (o->fault == FAULT_FORK_BOMB ||
	    o->fault == FAULT_ORPHAN)) {
		say(h, "crashy: fault %s needs a process of its own (mode "
		    "process)", o->fault_name);
		return CRASHY_EXIT_USAGE;
	}
	start = now_ms();
	describe(o, h);
	for (i = 1; i <= o->output; i++)
		print(h, "crashy: line %ld", i);
	if (o->ready)
		h->ready(h->ctx);
	if (o->heartbeat_ms > 0) {
		r.beating = true;
		r.next_beat = start;	/* the first one at once */
	}
	if (o->fault != FAULT_NONE &&
	    run_wait(&r, start + o->after_ms) == WAKE_STOP)
		return 0;
	/* Nothing but heartbeats from here on, and only for some faults. */
	if (o->fault == FAULT_HANG || o->fault == FAULT_STALL ||
	    o->fault == FAULT_SPIN || o->fault == FAULT_FLOOD)
		r.beating = false;
	return fault(&r);
}
