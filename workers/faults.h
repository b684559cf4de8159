/*
 * crashy's faults, shared by its two front ends: the executable (crashy.c)
 * and the plugin (crashy_plugin.c).  The front end supplies the waits, the
 * sd_notify messages and the output; faults.c decides what happens when,
 * crashy_opts.c reads the command line.
 */
#ifndef CRASHY_FAULTS_H
#define CRASHY_FAULTS_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRASHY_USAGE "usage: crashy [--after DURATION] [--fault KIND] " \
	"[--ready] [--heartbeat DURATION] [--output N]"
#define CRASHY_KINDS "none segv abort fpe bus ill stack-overflow exit:N " \
	"hang stall spin leak:SIZE/s fd-leak fork-bomb:N ignore-term orphan flood"

#define CRASHY_EXIT_USAGE 64	/* EX_USAGE */
#define CRASHY_EXIT_OSERR 71	/* EX_OSERR: a fault could not be set up */

/* How long forked children (fork-bomb, orphan) sleep, in seconds. */
#define CRASHY_LINGER 3600

enum fault_kind {
	FAULT_NONE,
	FAULT_SEGV,
	FAULT_ABORT,
	FAULT_FPE,
	FAULT_BUS,
	FAULT_ILL,
	FAULT_STACK_OVERFLOW,
	FAULT_EXIT,
	FAULT_HANG,
	FAULT_STALL,
	FAULT_SPIN,
	FAULT_LEAK,
	FAULT_FD_LEAK,
	FAULT_FORK_BOMB,
	FAULT_IGNORE_TERM,
	FAULT_ORPHAN,
	FAULT_FLOOD,
};

struct crashy_opts {
	enum fault_kind fault;
	const char *fault_name;	/* as given, for messages */
	int64_t after_ms;
	int64_t heartbeat_ms;	/* 0: no heartbeats */
	bool ready;
	long output;		/* lines to print at start */
	int exit_status;	/* exit:N */
	long children;		/* fork-bomb:N */
	uint64_t leak_bytes;	/* leak:SIZE/s, per second */
};

/* What crashy_host.wait() saw. */
enum crashy_wake {
	WAKE_TIMEOUT,		/* the time passed */
	WAKE_TRIGGER,		/* SIGUSR1: fault now */
	WAKE_STOP,		/* a stop was asked: return 0 */
};

/* The services of a front end.  ctx is passed back to every call. */
struct crashy_host {
	void *ctx;
	bool process;		/* may fork; false in a thread of supervise */
	/* Wait ms milliseconds, or until woken; ms < 0 waits for ever. */
	enum crashy_wake (*wait)(void *ctx, int64_t ms);
	/* Nonzero once a stop was asked (checked by spin and flood). */
	int (*should_stop)(void *ctx);
	void (*ready)(void *ctx);
	void (*heartbeat)(void *ctx);
	/* From now on TERM and INT (the stop request) are ignored. */
	void (*ignore_stop)(void *ctx);
	/* One line of output (stdout), and one line of diagnostics (stderr). */
	void (*out)(void *ctx, const char *fmt, va_list ap);
	void (*err)(void *ctx, const char *fmt, va_list ap);
};

/*
 * Parse argv[1..argc-1] into o.  Returns 0, or CRASHY_EXIT_USAGE after
 * writing what is wrong to why (the caller adds the usage line); returns
 * -1 for --help.
 */
int crashy_parse(int argc, char **argv, struct crashy_opts *o, char *why,
    size_t whylen);

/* "250ms", "3s", "2m", "1h": a duration as the user would write it. */
void crashy_format_duration(char *buf, size_t len, int64_t ms);

/*
 * Run crashy: describe, print the --output lines, wait for the fault with
 * heartbeats, then fault.  Returns the exit status, unless the fault ends
 * the process first.
 */
int crashy_run(const struct crashy_opts *o, const struct crashy_host *h);

/*
 * One line (a newline added) to fd in one write(2), so that a signal never
 * leaves half a line in a pipe.  Lines are cut at 4094 bytes.
 */
void crashy_write_line(int fd, const char *fmt, va_list ap);

#endif
