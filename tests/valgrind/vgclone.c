/*
 * vgclone.so: preloaded into supervise under valgrind (supervise.sh).
 * supervise starts workers with clone(CLONE_VM | CLONE_VFORK |
 * CLONE_FILES ...), which memcheck cannot run: it knows only the clone
 * calls of threads, fork and vfork, and stops the program at any other.
 * This clone() drops CLONE_VM, CLONE_VFORK and CLONE_FILES from such a
 * call, which makes it a fork that memcheck runs (it runs vfork as a fork
 * too).  What changes: the child works on a copy of supervise's memory
 * and fd table, not on them, so a child that fails before exec reports
 * it by its exit status (127) rather than through the memory it shared;
 * what is checked, supervise's own side, runs as it does outside.
 * Threads are created by glibc without this symbol and are untouched.
 */
#include <dlfcn.h>
#include <sched.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/types.h>

typedef int clone_fn(int (*)(void *), void *, int, void *, ...);

int
clone(int (*fn)(void *), void *stack, int flags, void *arg, ...)
{
	static clone_fn *next;
	va_list ap;
	pid_t *ptid, *ctid;
	void *tls;

	va_start(ap, arg);
	ptid = va_arg(ap, pid_t *);
	tls = va_arg(ap, void *);
	ctid = va_arg(ap, pid_t *);
	va_end(ap);
	if (next == NULL)
		next = (clone_fn *)dlsym(RTLD_NEXT, "clone");
	if ((flags & (CLONE_VM | CLONE_VFORK)) == (CLONE_VM | CLONE_VFORK))
		flags &= ~(CLONE_VM | CLONE_VFORK | CLONE_FILES);
	return next(fn, stack, flags, arg, ptid, tls, ctid);
}
