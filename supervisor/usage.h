/*
 * usage.h: when a worker's CPU and RSS reading is read again, pure
 * (usage.c).  supervise keeps one reading of /proc/PID/stat per worker
 * (readings.c) so that a status of thousands of workers encodes figures
 * it has, instead of reading thousands of files while the loop waits:
 * see supervisectl(1), COMMANDS, status, for what a client sees.
 */
#ifndef SUPERVISE_USAGE_H
#define SUPERVISE_USAGE_H

#include <sys/types.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define USAGE_FRESH_NS	1000000000LL	/* younger: not read again */
#define USAGE_SHOW_NS	60000000000LL	/* older: not shown at all */
#define USAGE_READER_NS	5000000000LL	/* a reader keeps refreshing on */
#define USAGE_INLINE_READS 64		/* a request this small reads its own */
#define USAGE_SLICE_READS 8		/* read per background slice */
#define USAGE_SLICE_GAP_NS 5000000LL	/* between two slices: 1,600 reads/s */
#define USAGE_SLICE_SCAN 2048		/* rows looked at per slice */

/* One reading of one process. */
struct usage {
	pid_t pid;		/* the process read; 0: no reading */
	bool valid;		/* false: the read failed, figures unknown */
	uint64_t cpu_ms;
	uint64_t rss_bytes;
	int64_t taken_ns;	/* CLOCK_MONOTONIC */
};

/* u is a reading of process pid, young enough to show at now. */
bool usage_showable(const struct usage *u, pid_t pid, int64_t now_ns);
/* u (NULL: none yet) needs reading again for process pid at now. */
bool usage_stale(const struct usage *u, pid_t pid, int64_t now_ns);
/* A reader that asked at asked_ns still wants the readings refreshed. */
bool usage_reader_active(int64_t asked_ns, int64_t now_ns);
/*
 * How many stale rows a request of rows rows reads itself: each of a
 * small one's (USAGE_INLINE_READS rows or fewer), none of a larger one's,
 * whose reply would wait tens of microseconds a read for them.
 */
unsigned usage_inline_budget(size_t rows);

/*
 * The background refresh walks the rows round and round from a cursor,
 * a slice at a time: at most USAGE_SLICE_SCAN rows looked at and
 * USAGE_SLICE_READS read.  What it learns of a row, from the caller:
 */
enum usage_row {
	USAGE_ROW_NONE,		/* no process to read (down, or a thread) */
	USAGE_ROW_FRESH,	/* read recently: *due_ns says until when */
	USAGE_ROW_STALE,	/* to be read */
};

struct usage_scan {
	size_t next;		/* the row the next slice begins at */
	size_t seen;		/* rows looked at in this round */
	int64_t due_ns;		/* the earliest a row of the round goes stale */
	bool any;		/* the round saw a process to read */
};

/* What the refresh does after a slice. */
enum usage_next {
	USAGE_MORE,		/* stale rows remain: another slice soon */
	USAGE_WAIT,		/* all fresh: sleep until the scan's due_ns */
	USAGE_IDLE,		/* nothing to read at all: stop */
};

/*
 * One slice over n rows: look(ctx, i, &due) classifies row i; read(ctx, i)
 * reads a stale one and returns the time it stays fresh until (a row that
 * could not be read is not retried before then either).  A round ends
 * once n rows were looked at; then the scan starts over.
 */
enum usage_next usage_slice(struct usage_scan *s, size_t n,
    enum usage_row (*look)(void *ctx, size_t i, int64_t *due_ns),
    int64_t (*read)(void *ctx, size_t i), void *ctx);

#endif
