/*
 * procstat.h: what the kernel says a process has used: CPU time and
 * resident memory, read from /proc/PID/stat alone.
 */
#ifndef PROCSTAT_H
#define PROCSTAT_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

struct procstat {
	uint64_t cpu_ms;	/* user + system time, in milliseconds */
	uint64_t rss_bytes;	/* resident set size */
	uint64_t start_ticks;	/* start time, clock ticks after boot */
	long ppid;		/* the parent: tells a reused pid apart */
	char state;		/* 'R', 'S', 'Z', ... */
};

/*
 * Read /proc/PID/stat into out: 0, or -1 with errno set (ESRCH: no such
 * process; EINVAL: a line we do not understand).  One open, one read of
 * at most PROCSTAT_MAX bytes, one close; it never waits on the process.
 */
int procstat_read(pid_t pid, struct procstat *out);

/*
 * Parse the text of a /proc/PID/stat (len bytes, need not be
 * NUL-terminated), given the clock ticks per second and the page size:
 * 0, or -1 if it is not such a line.  Pure, for the tests.
 */
int procstat_parse(const char *text, size_t len, long ticks_per_s,
    long page_size, struct procstat *out);

#define PROCSTAT_MAX 1024	/* bytes of /proc/PID/stat read at most */

#endif
