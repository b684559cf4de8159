/*
 * fault.c: the blast radius of a thread-mode fault, said out loud.  A
 * worker thread that faults (SEGV, BUS, FPE, ILL, ABRT, a stack overflow)
 * ends supervise and every other worker: before it does, the handler
 * writes one event-log line naming the worker, the fault and the others
 * (faultline.c formats it), then the process dies by that signal, as
 * supervise(1), PLUGIN WORKERS AND THREAD MODE, says.
 *
 * The handler runs on the faulting thread, on that thread's own
 * sigaltstack (a stack overflow leaves no room on the thread's stack), and
 * does only async-signal-safe things: clock_gettime, stores into its own
 * buffer, poll(2), write(2), sigaction, raise.  It takes no lock and allocates
 * nothing.  What it must know has no other way in than static storage:
 * which worker the thread runs (a thread-local pointer, set by the thread
 * itself), and which workers run (a list the loop thread keeps).  This
 * file holds that state, the only global state of the daemon that is
 * read outside the loop thread.
 *
 * The list is changed by the loop thread only, while the handler may walk
 * it on another thread: nodes are linked in (next set, then published) and
 * unlinked with single atomic stores, so a walk sees every node either in
 * or out, never a torn link.  A node is freed only while no handler runs:
 * the handler sets `faulting` before it reads the head, and the loop thread
 * frees an unlinked node only if it then still reads `faulting` as 0
 * (sequentially consistent, so a handler that set it later started its
 * walk after the unlink and cannot reach the node).  Once a fault is being
 * reported nothing is freed: the process is ending.
 *
 * The line goes straight to fd 2, not through the event log's queue (the
 * loop thread's; see sink_std.c): lines still queued for a slow reader die
 * with the process.  fd 2 may be a pipe nobody reads: the handler waits
 * for it at most FAULT_WAIT_MS, so that a stalled reader cannot keep a
 * faulted supervise alive, and writes the line, at most PIPE_BUF bytes,
 * in one write(2).
 *
 * Signals that no fault raised (kill(1) from another process) are not
 * blamed on the thread that happens to receive them: only a kernel fault
 * (si_code > 0) or the thread's own raise(3) or abort(3) (SI_TKILL from
 * this process) is reported.  A fault in a thread that runs no worker
 * (supervise's own, or one a plugin started) is reported as such, never as
 * a worker's.  Two threads faulting at once: the first reports, the second
 * waits for the end the first one's signal brings.
 */
#include <sys/syscall.h>

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "daemon.h"

#define FAULT_ALTSTACK_MIN (64 * 1024)
#define FAULT_LIST_MAX 128	/* names handed to fault_format */
#define FAULT_LINE_MAX 4096	/* PIPE_BUF: one atomic write(2) */
#define FAULT_WAIT_MS 1000

static const int fault_signals[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL,
	SIGABRT };

static struct {
	struct fault_node *_Atomic head;	/* the running worker threads */
	struct fault_node *tail;		/* the loop thread's alone */
	atomic_int faulting;		/* a handler is reporting */
	bool installed;
	pid_t pid;
	size_t altstack_size;
	void *main_altstack;		/* supervise's own thread's */
} fs;

/* The worker the current thread runs, or NULL. */
static _Thread_local struct fault_node *fault_self;

/* Once fd can take it, or not at all; a blocking pipe takes len at once. */
static void
write_line(int fd, const char *p, size_t len)
{
	struct pollfd pfd = { .fd = fd, .events = POLLOUT };
	ssize_t n;

	if (poll(&pfd, 1, FAULT_WAIT_MS) != 1 || (pfd.revents & POLLOUT) == 0)
		return;
	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		p += n;
		len -= (size_t)n;
	}
}

/* A fault of this thread's, or its own raise(3)/abort(3)? */
static bool
by_this_thread(const siginfo_t *si)
{
	return si->si_code > 0 ||
	    (si->si_code == SI_TKILL && si->si_pid == fs.pid);
}

static void
fault_cb(int sig, siginfo_t *si, void *uctx)
{
	struct fault_node *self = fault_self, *n;
	const char *names[FAULT_LIST_MAX];
	char line[FAULT_LINE_MAX];
	struct fault_report r;
	struct sigaction dfl;
	uintptr_t addr;
	int saved = errno;

	(void)uctx;
	if (by_this_thread(si)) {
		if (atomic_exchange(&fs.faulting, 1) != 0)
			for (;;)
				pause();
		memset(&r, 0, sizeof(r));
		clock_gettime(CLOCK_REALTIME, &r.now);
		r.json = log_get_format() == LOG_JSON;
		r.sig = sig;
		r.worker = self != NULL ? self->name : NULL;
		r.own_thread = self == NULL &&
		    (pid_t)syscall(SYS_gettid) == fs.pid;
		addr = (uintptr_t)si->si_addr;
		r.stack_overflow = sig == SIGSEGV && self != NULL &&
		    si->si_code > 0 && addr >= self->guard_lo &&
		    addr < self->guard_hi;
		for (n = atomic_load(&fs.head); n != NULL;
		    n = atomic_load(&n->next)) {
			if (n == self)
				continue;
			if (r.nlisted < FAULT_LIST_MAX)
				names[r.nlisted++] = n->name;
			r.nvictims++;
		}
		r.victims = names;
		write_line(STDERR_FILENO, line, fault_format(line,
		    sizeof(line), &r));
	}
	/*
	 * Die by the signal: the default action, raised now and delivered
	 * when the handler returns; a kernel fault also faults again.
	 */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	(void)sigaction(sig, &dfl, NULL);
	(void)raise(sig);
	errno = saved;
}

int
fault_init(struct supervisor *sv)
{
	struct sigaction sa;
	stack_t ss;
	size_t k;
	long min = 0;

	(void)sv;
#ifdef _SC_SIGSTKSZ
	min = sysconf(_SC_SIGSTKSZ);
#endif
	fs.altstack_size = FAULT_ALTSTACK_MIN;
	if (min > 0 && (size_t)min * 4 > fs.altstack_size)
		fs.altstack_size = (size_t)min * 4;
	fs.pid = getpid();
	atomic_init(&fs.head, NULL);
	fs.tail = NULL;
	atomic_init(&fs.faulting, 0);
	if ((fs.main_altstack = malloc(fs.altstack_size)) == NULL)
		return -1;
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = fs.main_altstack;
	ss.ss_size = fs.altstack_size;
	if (sigaltstack(&ss, NULL) == -1)
		goto fail_free;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = fault_cb;
	sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
	sigfillset(&sa.sa_mask);
	for (k = 0; k < sizeof(fault_signals) / sizeof(fault_signals[0]); k++)
		if (sigaction(fault_signals[k], &sa, NULL) == -1)
			goto fail_handlers;
	fs.installed = true;
	return 0;
fail_handlers:
	sa.sa_handler = SIG_DFL;
	sa.sa_flags = 0;
	while (k-- > 0)
		(void)sigaction(fault_signals[k], &sa, NULL);
	ss.ss_flags = SS_DISABLE;
	(void)sigaltstack(&ss, NULL);
fail_free:
	free(fs.main_altstack);
	fs.main_altstack = NULL;
	return -1;
}

/* Once no worker thread runs. */
void
fault_close(struct supervisor *sv)
{
	struct sigaction sa;
	stack_t ss;
	size_t k;

	(void)sv;
	if (!fs.installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	for (k = 0; k < sizeof(fault_signals) / sizeof(fault_signals[0]); k++)
		(void)sigaction(fault_signals[k], &sa, NULL);
	memset(&ss, 0, sizeof(ss));
	ss.ss_flags = SS_DISABLE;
	(void)sigaltstack(&ss, NULL);
	free(fs.main_altstack);
	fs.main_altstack = NULL;
	fs.installed = false;
}

int
fault_node_init(struct fault_node *n, const char *name)
{
	memset(n, 0, sizeof(*n));
	atomic_init(&n->next, NULL);
	n->name = name;
	if ((n->altstack = malloc(fs.altstack_size)) == NULL)
		return -1;
	return 0;
}

void
fault_node_free(struct fault_node *n)
{
	free(n->altstack);
	n->altstack = NULL;
}

/* At the end, in start order: set up first, then published by one store. */
void
fault_node_add(struct fault_node *n)
{
	n->prev = fs.tail;
	atomic_store(&n->next, NULL);
	if (fs.tail != NULL)
		atomic_store(&fs.tail->next, n);
	else
		atomic_store(&fs.head, n);
	fs.tail = n;
}

bool
fault_node_remove(struct fault_node *n)
{
	struct fault_node *next = atomic_load(&n->next);

	if (n->prev != NULL)
		atomic_store(&n->prev->next, next);
	else
		atomic_store(&fs.head, next);
	if (next != NULL)
		next->prev = n->prev;
	else
		fs.tail = n->prev;
	n->prev = NULL;
	return atomic_load(&fs.faulting) == 0;
}

void
fault_thread_enter(struct fault_node *n)
{
	pthread_attr_t attr;
	sigset_t faults;
	stack_t ss;
	void *addr;
	size_t size, guard, page = (size_t)sysconf(_SC_PAGESIZE), k;

	fault_self = n;
	/*
	 * The guard pages below the stack: a SEGV there is an overflow.  A
	 * page above counts too, for a frame that faults at its first store.
	 */
	if (pthread_getattr_np(pthread_self(), &attr) == 0) {
		if (pthread_attr_getstack(&attr, &addr, &size) == 0 &&
		    pthread_attr_getguardsize(&attr, &guard) == 0) {
			if (guard < page)
				guard = page;
			n->guard_lo = (uintptr_t)addr - guard;
			n->guard_hi = (uintptr_t)addr + page;
		}
		pthread_attr_destroy(&attr);
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_sp = n->altstack;
	ss.ss_size = fs.altstack_size;
	(void)sigaltstack(&ss, NULL);
	/*
	 * Worker threads start with every signal blocked; a blocked fault
	 * signal would bypass the handler (the kernel forces the default).
	 */
	sigemptyset(&faults);
	for (k = 0; k < sizeof(fault_signals) / sizeof(fault_signals[0]); k++)
		sigaddset(&faults, fault_signals[k]);
	pthread_sigmask(SIG_UNBLOCK, &faults, NULL);
}

/* The altstack goes with the node: stop using it. */
void
fault_thread_leave(struct fault_node *n)
{
	stack_t ss;

	(void)n;
	fault_self = NULL;
	memset(&ss, 0, sizeof(ss));
	ss.ss_flags = SS_DISABLE;
	(void)sigaltstack(&ss, NULL);
}
