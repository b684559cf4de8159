/*
 * procstat.c: a process's CPU time and resident memory, for status and
 * the live view (see supervisectl(1)).
 *
 * Only /proc/PID/stat is read: the kernel fills it from counters without
 * taking the process's memory map lock, which smaps_rollup takes and a
 * worker stuck in a page fault can hold for ever; a status must never
 * wait on a worker.  statm would say the same RSS for a second read.
 * The line is bounded (the command name, field 2, is at most 15 bytes
 * but may hold spaces and parentheses: the fields resume after the last
 * ')'), read with one read() into a fixed buffer.  The pid is the
 * caller's child, unreaped, so it cannot name another process; ppid is
 * there for callers that want to make sure.
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "procstat.h"

/* Field numbers of proc(5), counted from 1 as there. */
#define F_STATE 3
#define F_PPID 4
#define F_UTIME 14
#define F_STIME 15
#define F_STARTTIME 22
#define F_RSS 24

/* An unsigned decimal field; *p is left after it. */
static int
field_num(const char **p, const char *end, int64_t *v)
{
	const char *s = *p;
	bool neg = false;
	uint64_t n = 0;

	if (s < end && *s == '-') {
		neg = true;
		s++;
	}
	if (s == end || *s < '0' || *s > '9')
		return -1;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		if (n > (uint64_t)INT64_MAX / 10)
			return -1;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (n > (uint64_t)INT64_MAX)
		return -1;
	*v = neg ? -(int64_t)n : (int64_t)n;
	*p = s;
	return 0;
}

int
procstat_parse(const char *text, size_t len, long ticks_per_s,
    long page_size, struct procstat *out)
{
	const char *p, *end = text + len;
	int64_t v, utime = 0, stime = 0, start = 0, rss = 0, ppid = 0;
	int f;

	if (ticks_per_s <= 0 || page_size <= 0)
		return -1;
	/* The command name ends at the last ')' of the line. */
	for (p = end; p > text && p[-1] != ')'; p--)
		;
	if (p == text || memchr(text, '(', (size_t)(p - text)) == NULL)
		return -1;
	memset(out, 0, sizeof(*out));
	/* p is after field 2; each field is one space, then the value. */
	for (f = F_STATE; f <= F_RSS; f++) {
		if (p >= end || *p++ != ' ' || p >= end)
			return -1;
		if (f == F_STATE) {
			out->state = *p++;
			continue;
		}
		if (field_num(&p, end, &v) == -1)
			return -1;
		switch (f) {
		case F_PPID: ppid = v; break;
		case F_UTIME: utime = v; break;
		case F_STIME: stime = v; break;
		case F_STARTTIME: start = v; break;
		case F_RSS: rss = v; break;
		}
	}
	if (utime < 0 || stime < 0 || start < 0 || ppid < 0 ||
	    utime > INT64_MAX / 2 / 1000 || stime > INT64_MAX / 2 / 1000)
		return -1;
	out->ppid = (long)ppid;
	out->start_ticks = (uint64_t)start;
	out->cpu_ms = (uint64_t)(utime + stime) * 1000 / (uint64_t)ticks_per_s;
	/* A zombie, or a kernel thread, has no mm: RSS 0, never negative. */
	out->rss_bytes = rss > 0 && (uint64_t)rss <= UINT64_MAX /
	    (uint64_t)page_size ? (uint64_t)rss * (uint64_t)page_size : 0;
	return 0;
}

int
procstat_read(pid_t pid, struct procstat *out)
{
	char path[32], buf[PROCSTAT_MAX];
	ssize_t n;
	int fd, saved;

	if (pid <= 0) {
		errno = ESRCH;
		return -1;
	}
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		if (errno == ENOENT)
			errno = ESRCH;
		return -1;
	}
	do
		n = read(fd, buf, sizeof(buf));
	while (n == -1 && errno == EINTR);
	saved = errno;
	close(fd);
	if (n == -1) {
		errno = saved == ESRCH || saved == ENOENT ? ESRCH : saved;
		return -1;
	}
	if (procstat_parse(buf, (size_t)n, sysconf(_SC_CLK_TCK),
	    sysconf(_SC_PAGESIZE), out) == -1) {
		errno = EINVAL;
		return -1;
	}
	return 0;
}
