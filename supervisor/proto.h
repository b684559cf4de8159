/*
 * proto.h: the control protocol between supervise and supervisectl.
 *
 * A connection carries any number of requests, one after another.  A
 * request is one line of printable ASCII, at most PROTO_MAX_REQUEST bytes
 * with its newline, made of words separated by spaces; the first word
 * names the protocol version:
 *
 *	supervise/1 status [NAME...]
 *	supervise/1 check [NAME...]
 *	supervise/1 start|stop|restart NAME...
 *	supervise/1 signal SIGNAL NAME...
 *	supervise/1 reload
 *	supervise/1 shutdown
 *	supervise/1 metrics
 *	supervise/1 log N NAME...	the last N lines kept of each worker
 *	supervise/1 follow N NAME...	the same, then every new line
 *	supervise/1 why NAME...		the last exits, newest first
 *	supervise/1 progress		wait lines on this connection
 *
 * The reply is zero or more record lines, then one final line.  Fields are
 * separated by tabs; a field escapes backslash, tab, newline and other
 * control bytes (\\ \t \n \r \xHH), so a line is always one record:
 *
 *	sv	MODE	PID			status: who answers
 *	w	NAME	STATE	PID	UPTIME_MS	RESTARTS	LAST	CPU_MS	RSS	AGE_MS	TEXT
 *					a worker; PID 0 when down; LAST is
 *					"-", "code:N" or "signal:NAME";
 *					CPU_MS and RSS (bytes) of its process
 *					as read AGE_MS ago, all three "-"
 *					when unknown; TEXT (sd_notify
 *					STATUS=) may be empty
 *	t	TEXT			metrics: a line of the exposition
 *	l	NAME	TEXT		log, follow: an output line of NAME
 *	x	NAME	TIME_MS	PID	UPTIME_MS	LAST	CORE	DECISION
 *					why: one exit of NAME; TIME_MS in
 *					Unix milliseconds; LAST as above;
 *					CORE 1 if a core was dumped; DECISION
 *					what the policy did ("restart in 2s",
 *					"FATAL: ...", "EXITED", "STOPPED")
 *	o	TEXT			why: a line NAME wrote before the exit
 *					above, oldest first
 *	msg	TEXT			a message for the user's stderr
 *	wait	MS			the request waits on workers; the
 *					next line comes within MS ms
 *	ok				the request is done
 *	err	CODE	TEXT		the request failed (CODE below)
 *
 * The reply to `shutdown` has no final line: the connection closes when
 * supervise exits.  Nor has `follow`'s while it follows: supervise ends it
 * with an err line when the client falls behind, or closes it at exit.
 *
 * Compatibility: commands and record kinds are only ever added, each new
 * record kind only in replies to a new command, so a client and a daemon
 * of different versions agree on everything both know; a command the
 * daemon does not know is answered "err malformed unknown command".
 *
 * A request that waits (start, stop, restart, shutdown) is sent a wait
 * line as soon as it begins to wait, then every PROTO_WAIT_MS while it
 * does, once the client has asked for them with `supervise/1 progress`
 * (answered ok) on the connection: a client can tell a slow operation
 * from a server that does not answer, and a client that never asks never
 * sees the record.  A peer whose uid is refused, or one over the
 * connection limit, gets an err line as soon as it connects, and is closed.
 */
#ifndef PROTO_H
#define PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define PROTO_VERSION 1
#define PROTO_MAGIC "supervise/1"
#define PROTO_MAX_REQUEST 4096	/* bytes, the newline included */
#define PROTO_MAX_LINE (1024 * 1024)	/* a reply line, for the client */
#define PROTO_WAIT_MS 2000	/* between wait lines of a waiting request */

enum proto_cmd {
	CMD_STATUS, CMD_CHECK, CMD_START, CMD_STOP, CMD_RESTART, CMD_SIGNAL,
	CMD_RELOAD, CMD_SHUTDOWN, CMD_METRICS, CMD_LOG, CMD_FOLLOW, CMD_WHY,
	CMD_PROGRESS,		/* not a user's command: asks for wait lines */
};

/* Error codes of an err line, each with the client's exit status. */
enum proto_err {
	PERR_NONE,
	PERR_UNKNOWN,		/* no such worker: nothing was done */
	PERR_FAILED,		/* an action failed */
	PERR_NOTREADY,		/* check: not every worker is RUNNING */
	PERR_USAGE,		/* a bad argument, e.g. a signal name */
	PERR_REFUSED,		/* the peer's uid is not allowed */
	PERR_BUSY,		/* too many connections */
	PERR_MALFORMED,		/* not a request */
	PERR_TOOLONG,		/* over PROTO_MAX_REQUEST */
	PERR_VERSION,		/* another protocol version */
	PERR_TIMEOUT,		/* the request was not completed in time */
	PERR_INTERNAL,		/* out of memory and the like */
};

/*
 * A growing byte buffer, kept NUL-terminated.  Running out of memory is
 * sticky, as with a stdio stream's error flag: later appends do nothing,
 * and `failed` is checked once, after the last.
 */
struct pbuf {
	char *data;
	size_t len, cap;
	bool failed;
};

struct proto_request {
	enum proto_cmd cmd;
	char *sig;		/* the word before the names: CMD_SIGNAL's
				   signal, CMD_LOG's and CMD_FOLLOW's N */
	char **names;		/* worker names, "all" included as given */
	size_t nnames;
	char *store;		/* owns the words */
};

enum proto_last { LAST_NONE, LAST_CODE, LAST_SIGNAL };

/* One worker instance in a status reply. */
struct proto_row {
	const char *name;
	const char *state;
	long pid;		/* 0: no process */
	int64_t uptime_ms;	/* 0 when down */
	unsigned long restarts;
	enum proto_last last;
	int code;		/* LAST_CODE */
	const char *signal;	/* LAST_SIGNAL: "SEGV", or a number */
	const char *text;	/* status text; NULL or "" for none */
	bool usage;		/* cpu_ms and rss_bytes are known */
	uint64_t cpu_ms;	/* the process's user + system time */
	uint64_t rss_bytes;	/* its resident memory */
	int64_t usage_age_ms;	/* how old that reading is */
};

/* One exit in a why reply. */
struct proto_exit {
	const char *name;
	int64_t time_ms;	/* Unix milliseconds */
	long pid;		/* 0: no process (it never started) */
	int64_t uptime_ms;
	enum proto_last last;
	int code;		/* LAST_CODE */
	const char *signal;	/* LAST_SIGNAL */
	bool core;		/* a core was dumped */
	const char *decision;
};

enum proto_kind {
	REPLY_HEADER, REPLY_ROW, REPLY_MSG, REPLY_OK, REPLY_ERROR,
	REPLY_TEXT, REPLY_LINE, REPLY_EXIT, REPLY_EXIT_LINE,
	REPLY_WAIT,
};

/* A decoded reply line; the strings point into the line. */
struct proto_reply {
	enum proto_kind kind;
	const char *mode;	/* REPLY_HEADER */
	long pid;		/* REPLY_HEADER */
	struct proto_row row;	/* REPLY_ROW */
	enum proto_err err;	/* REPLY_ERROR */
	const char *text;	/* REPLY_MSG, REPLY_ERROR, REPLY_TEXT,
				   REPLY_LINE, REPLY_EXIT_LINE */
	const char *name;	/* REPLY_LINE */
	struct proto_exit exit;	/* REPLY_EXIT */
	long wait_ms;		/* REPLY_WAIT */
};

/* How the default socket's directory is treated. */
enum proto_dir { PROTO_DIR_CHECK, PROTO_DIR_CREATE };

void pbuf_free(struct pbuf *b);
/* pbuf_add's way when there is no room (or a failure) yet. */
void pbuf_add_grow(struct pbuf *b, const void *p, size_t len);
/*
 * Append len bytes.  Inline where they fit, as they mostly do: a status
 * of thousands of rows is made of a dozen appends a row.
 */
static inline void
pbuf_add(struct pbuf *b, const void *p, size_t len)
{
	if (!b->failed && b->cap - b->len > len) {
		memcpy(b->data + b->len, p, len);
		b->len += len;
		b->data[b->len] = '\0';
	} else
		pbuf_add_grow(b, p, len);
}
/* A constant string, without its length spelt out. */
#define pbuf_adds(b, s) pbuf_add((b), (s), sizeof(s) - 1)
/*
 * Room for more bytes written in place: where they go (NULL once failed);
 * pbuf_commit(b, end) then takes what was written up to end.
 */
char *pbuf_room(struct pbuf *b, size_t more);
void pbuf_commit(struct pbuf *b, char *end);
/* A decimal number, without printf: a status has tens of thousands. */
void pbuf_add_num(struct pbuf *b, int64_t n);
void pbuf_add_unum(struct pbuf *b, uint64_t n);
/* n's decimal digits into buf (room for 21): their count. */
size_t proto_num(char *buf, int64_t n);
size_t proto_unum(char *buf, uint64_t n);
void pbuf_addf(struct pbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void pbuf_vaddf(struct pbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

const char *proto_cmd_name(enum proto_cmd cmd);
const char *proto_err_name(enum proto_err err);
int proto_err_exit(enum proto_err err);

/* Client side: append a request line; -1 if it is invalid or too long. */
int proto_encode_request(struct pbuf *b, enum proto_cmd cmd, const char *sig,
    char *const *names, size_t nnames, const char **why);
/* Daemon side: parse one line (without its newline). */
int proto_parse_request(const char *line, size_t len,
    struct proto_request *req, enum proto_err *err, const char **why);
void proto_request_free(struct proto_request *req);

/* Daemon side: reply records. */
void proto_put_header(struct pbuf *b, const char *mode, long pid);
void proto_put_row(struct pbuf *b, const struct proto_row *row);
void proto_put_msg(struct pbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void proto_put_ok(struct pbuf *b);
void proto_put_text(struct pbuf *b, const char *text, size_t len);
void proto_put_line(struct pbuf *b, const char *name, const char *text,
    size_t len);
void proto_put_exit(struct pbuf *b, const struct proto_exit *x);
void proto_put_exit_line(struct pbuf *b, const char *text, size_t len);
void proto_put_wait(struct pbuf *b, long ms);
void proto_put_error(struct pbuf *b, enum proto_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * A status reply's rows and its ok line, encoded a few rows at a time:
 * supervise spreads a large reply over loop passes, so that nothing waits
 * long behind it.  fill() gives row `i` (its strings must last until the
 * next call), or false to leave it out.  The bytes are the same however
 * the rows are split.
 */
typedef bool proto_fill_fn(void *ctx, size_t i, struct proto_row *row);
struct proto_rows {
	size_t next, n;
	proto_fill_fn *fill;
	void *ctx;
};
/* Up to max more rows, then the ok line after the last: true once done. */
bool proto_put_rows(struct pbuf *b, struct proto_rows *r, size_t max);
/* Client side: decode one reply line (without its newline), in place. */
int proto_parse_reply(char *line, struct proto_reply *rep);

/*
 * The default socket: $XDG_RUNTIME_DIR/supervise.sock, else
 * /tmp/supervise-UID/supervise.sock.  The /tmp directory must be a real
 * directory owned by us and closed to others; PROTO_DIR_CREATE makes it
 * (0700) when missing.  Returns 0, or -1 with a message in why.
 */
int proto_default_socket(char *buf, size_t len, enum proto_dir how,
    char *why, size_t whylen);
/* The directory check alone (a missing one is fine for PROTO_DIR_CHECK). */
int proto_check_dir(const char *dir, enum proto_dir how, char *why,
    size_t whylen);

/*
 * An explicit socket path (-s, socket =): its directory and every
 * ancestor must be owned by root or us, and not writable by others
 * unless sticky.  Returns 0, or -1 with a message in why.
 */
int proto_check_socket_path(const char *path, char *why, size_t whylen);

/* status.c: how supervisectl shows a status reply. */
/* `status --json`: the one place that JSON is made. */
void proto_status_json(struct pbuf *b, const char *mode, long pid,
    const struct proto_row *rows, size_t nrows);
/* The same in parts, so that a client can write it out as it goes. */
void proto_status_json_begin(struct pbuf *b, const char *mode, long pid);
void proto_status_json_rows(struct pbuf *b, const struct proto_row *rows,
    size_t nrows, bool first);
void proto_status_json_end(struct pbuf *b);
/*
 * Cells of a status table, cut to len as snprintf(3) would; each returns
 * the length it wrote (a table of thousands of rows need not strlen
 * them again).
 */
/* "45s", "2m5s", "3h2m", "4d7h". */
size_t proto_format_uptime(char *buf, size_t len, int64_t ms);
/* "exit 1", "SEGV", or "-". */
size_t proto_format_last(char *buf, size_t len, const struct proto_row *row);
/* CPU time: "0.25s", "59.99s", then as an uptime: "2m5s". */
size_t proto_format_cpu(char *buf, size_t len, uint64_t ms);
/* Memory: "512B", "12K", "3.4M", "1.2G" (powers of 1024). */
size_t proto_format_bytes(char *buf, size_t len, uint64_t bytes);
/* `why --json`: the exits with their lines, newest first. */
struct proto_why {
	struct proto_exit exit;
	const char **lines;
	size_t nlines;
};
void proto_why_json(struct pbuf *b, const struct proto_why *v, size_t n);

#endif
