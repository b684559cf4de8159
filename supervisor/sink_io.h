/*
 * sink_io.h: what the three files of the sinks share (sink.c: the queues
 * and their writing; sink_file.c: opening files; sink_std.c: supervise's
 * own fd 1 and 2 and the event log).  Nothing else includes it: output.c
 * sees only struct sink (daemon.h).
 */
#ifndef SUPERVISE_SINK_IO_H
#define SUPERVISE_SINK_IO_H

#include <sys/queue.h>
#include <sys/types.h>

#include <stdbool.h>

#include <ev.h>

#include "daemon.h"

enum sink_how {
	SINK_WRITE,		/* write(2): our own fd, or a regular file */
	SINK_SEND,		/* send(MSG_DONTWAIT): fd 1 is a socket */
	SINK_POLLED,		/* blocking fd 1: PIPE_BUF once writable */
};

/* A sink: the part output.c sees, then what only the sinks touch. */
struct sink_io {
	struct sink pub;
	LIST_ENTRY(sink_io) entry;	/* file sinks only */
	struct sinks *ss;
	int fd;
	bool own_fd;
	enum sink_how how;
	bool failed;			/* a write error was reported */
	int fail_errno;			/* what failed */
	unsigned long lost;		/* lines dropped since it failed */
	unsigned refs;
	bool as_user;			/* opened with uid and gid */
	uid_t uid;
	gid_t gid;

	ev_io io;			/* writable, while the queue is not empty */
	ev_timer timer;			/* stall, then drop reports */
	ev_prepare later;		/* sink_flush_later: before the next poll */
};

/* sv->out */
struct sinks {
	struct supervisor *sv;
	const struct sink_listener *listener;	/* output.c */
	struct sink_io *out;		/* supervise's stdout */
	struct sink_io *err;		/* the event log: supervise's stderr */
	unsigned long log_dropped;	/* event log lines the queue refused */
	bool in_log;			/* writing the event log now */
	LIST_HEAD(, sink_io) files;
	char rbuf[OUTPUT_READ_MAX];	/* output.c reads every pipe into it */
};

/* sink.c */
/* A sink writing fd (a file sink if path is set), not yet listed. */
struct sink_io *sink_new(struct sinks *ss, int fd, const char *path);
void sink_free(struct sink_io *s);
/* One non-blocking write: 1 progress, 0 the sink is full, -1 an error. */
int sink_write_once(struct sink_io *s, size_t max);

/* sink_file.c */
/*
 * Open s's file as s's user, if it has one, and check that it is a
 * regular file.  -1 with the reason in why.
 */
int sink_open_file(const struct sink_io *s, char *why, size_t whylen);

/* sink_std.c */
/* At exit, once the stderr sink has been written out: what logs now. */
void sink_log_detach(struct sinks *ss);

#endif
