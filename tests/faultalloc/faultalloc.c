/*
 * faultalloc.so: an LD_PRELOAD allocator that fails at random points, for
 * the fault matrix (tests/scenarios/fault_alloc.sh).  malloc, calloc and
 * realloc return NULL with ENOMEM once in FAULTALLOC_RATE calls (default
 * 50), after the first FAULTALLOC_SKIP calls (default 20000: start-up
 * succeeds), at points drawn from FAULTALLOC_SEED (a fixed default, so
 * that a run can be repeated).  Only the process that first loaded it
 * fails: children after fork, and programs they exec (which inherit
 * FAULTALLOC_PID), allocate normally.  A program the process itself
 * execs (a wrapper that ends in exec) starts counting afresh.
 *
 * What does not fail goes to the next allocator in the search order
 * (dlsym(RTLD_NEXT)): glibc's, or AddressSanitizer's when the program is
 * built with it (run with verify_asan_link_order=0, this library first),
 * so that LeakSanitizer still sees every block and a run proves that no
 * failure leaks; valgrind's memcheck replaces glibc's as well.  The few
 * allocations made while those are looked up come from a static arena,
 * which free() and realloc() recognise.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void *(*next_malloc)(size_t);
static void *(*next_calloc)(size_t, size_t);
static void *(*next_realloc)(void *, size_t);
static void (*next_free)(void *);

static pid_t armed_pid;
static unsigned long calls, skip = 20000, rate = 50, failed;
static unsigned long long state = 88172645463325252ULL;

/* While the next allocator is looked up: a bump arena, never freed. */
static _Alignas(max_align_t) char arena[16384];
static size_t arena_used;
static int resolving;

static int
in_arena(const void *p)
{
	return (const char *)p >= arena && (const char *)p < arena + sizeof(arena);
}

static void *
arena_alloc(size_t n)
{
	size_t a = _Alignof(max_align_t), at;
	void *p;

	at = (arena_used + sizeof(size_t) + a - 1) / a * a;
	if (n > sizeof(arena) || at + n > sizeof(arena)) {
		errno = ENOMEM;
		return NULL;
	}
	p = arena + at;
	memcpy((char *)p - sizeof(size_t), &n, sizeof(n));
	arena_used = at + n;
	return p;
}

static void
resolve(void)
{
	if (next_malloc != NULL || resolving)
		return;
	resolving = 1;
	next_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	next_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	next_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	next_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	resolving = 0;
	if (next_malloc == NULL || next_calloc == NULL ||
	    next_realloc == NULL || next_free == NULL) {
		static const char msg[] = "faultalloc: no allocator to wrap\n";

		(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);
		_exit(127);
	}
}

__attribute__((constructor)) static void
faultalloc_init(void)
{
	const char *s;
	char buf[32];

	resolve();
	/* Set by this very process before an exec (a wrapper's): ours. */
	if ((s = getenv("FAULTALLOC_PID")) != NULL &&
	    (pid_t)atol(s) != getpid()) {
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
	if ((s = getenv("FAULTALLOC_SEED")) != NULL && strtoull(s, NULL,
	    10) != 0)
		state = strtoull(s, NULL, 10);
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
	resolve();
	if (next_malloc == NULL)
		return arena_alloc(n);
	return fail_now() ? NULL : next_malloc(n);
}

void *
calloc(size_t n, size_t m)
{
	resolve();
	if (next_calloc == NULL) {
		if (m != 0 && n > SIZE_MAX / m) {
			errno = ENOMEM;
			return NULL;
		}
		return arena_alloc(n * m);	/* static: zeroed */
	}
	return fail_now() ? NULL : next_calloc(n, m);
}

void *
realloc(void *p, size_t n)
{
	size_t old;
	void *q;

	resolve();
	if (in_arena(p)) {
		memcpy(&old, (char *)p - sizeof(size_t), sizeof(old));
		if ((q = malloc(n)) != NULL)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (next_realloc == NULL)
		return p == NULL ? arena_alloc(n) : NULL;
	return fail_now() ? NULL : next_realloc(p, n);
}

void
free(void *p)
{
	if (p == NULL || in_arena(p))
		return;
	resolve();
	next_free(p);
}
