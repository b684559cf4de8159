/*
 * faultalloc.so: an LD_PRELOAD allocator that fails at random points, for
 * the fault matrix (tests/scenarios/fault_alloc.sh).  malloc, calloc and
 * realloc return NULL with ENOMEM once in FAULTALLOC_RATE calls (default
 * 50), after the first FAULTALLOC_SKIP calls (default 20000: start-up
 * succeeds), with a fixed seed so that a run can be repeated.  Only the
 * process that first loaded it fails: children after fork, and programs
 * it execs (which inherit FAULTALLOC_PID), allocate normally.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static pid_t armed_pid;
static unsigned long calls, skip = 20000, rate = 50, failed;
static unsigned long long state = 88172645463325252ULL;

__attribute__((constructor)) static void
faultalloc_init(void)
{
	const char *s;
	char buf[32];

	if ((s = getenv("FAULTALLOC_PID")) != NULL) {
		armed_pid = (pid_t)atol(s);	/* someone else's */
		return;
	}
	armed_pid = getpid();
	snprintf(buf, sizeof(buf), "%ld", (long)armed_pid);
	setenv("FAULTALLOC_PID", buf, 1);
	if ((s = getenv("FAULTALLOC_SKIP")) != NULL)
		skip = strtoul(s, NULL, 10);
	if ((s = getenv("FAULTALLOC_RATE")) != NULL && atol(s) > 0)
		rate = strtoul(s, NULL, 10);
}

__attribute__((destructor)) static void
faultalloc_fini(void)
{
	char msg[96];
	int n;

	if (getpid() != armed_pid)
		return;
	n = snprintf(msg, sizeof(msg), "faultalloc: %lu allocations failed "
	    "of %lu\n", failed, calls);
	if (getenv("FAULTALLOC_REPORT") != NULL && n > 0)
		(void)!write(STDERR_FILENO, msg, (size_t)n);
}

/* xorshift64: no allocation, no lock. */
static int
fail_now(void)
{
	if (armed_pid == 0 || getpid() != armed_pid)
		return 0;
	if (++calls <= skip)
		return 0;
	state ^= state << 13;
	state ^= state >> 7;
	state ^= state << 17;
	if (state % rate != 0)
		return 0;
	failed++;
	errno = ENOMEM;
	return 1;
}

void *
malloc(size_t n)
{
	return fail_now() ? NULL : __libc_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	return fail_now() ? NULL : __libc_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __libc_realloc(p, n);
}
