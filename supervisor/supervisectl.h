/*
 * supervisectl.h: what the parts of supervisectl share: the command line
 * (supervisectl.c), talking to supervise (ctl_conn.c), printing a reply
 * (ctl_output.c) and the live view (top.c).
 */
#ifndef SUPERVISECTL_H
#define SUPERVISECTL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"
#include "rowpack.h"

/* The exit statuses of the contract (sysexits(3) for the last three). */
#define EXIT_FAILED 1
#define EXIT_USAGE 64
#define EXIT_NOSERVER 69
#define EXIT_NOPERM 77

/*
 * A status reply: its rows packed (rowpack.h), as read; the table's
 * widths as they grow with each row.
 */
struct status {
	char *header;		/* the mode, which mode points to */
	const char *mode;
	long pid;
	size_t n;		/* rows */
	struct rowpack pack;
	bool json;		/* for --json: no table, no widths */
	int w[7];		/* table_widths() */
	struct proto_row *rows;	/* status_rows(): the rows unpacked */
};

/* A why reply, for --json: each exit with its lines (owned copies). */
struct why {
	struct proto_why *v;
	size_t n, cap;
	char **own;		/* every string the entries point to */
	size_t nown, capown;
	bool json;
	size_t lines;		/* lines shown under the last exit */
};

/* supervisectl.c */
void usage(void) __attribute__((noreturn));
void die(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* -s SOCKET, else the default socket, in buf. */
const char *socket_path(const char *sock, char *buf, size_t len);

/* ctl_conn.c */
void read_timeout(void);	/* SUPERVISECTL_TIMEOUT */
int connect_to(const char *path);
void send_request(int fd, const struct pbuf *req, const char *path);
/* Read a reply into st (and wy, for why); the exit status it makes. */
int read_reply(int fd, const char *path, enum proto_cmd cmd,
    struct status *st, struct why *wy, int skip);
void status_free(struct status *st);
/* st->rows, for whoever wants the rows all at once. */
void status_rows(struct status *st);

/* ctl_output.c */
/* A why reply's exit and its lines: printed, or kept for --json. */
void why_exit(struct why *wy, const struct proto_exit *x);
void why_line(struct why *wy, const char *text);
void why_end_exit(struct why *wy);
void why_free(struct why *wy);
/* Widen w (from zeroes, the headings' widths) to r's cells. */
void table_widths(int w[7], const struct proto_row *r);
void print_table(const struct status *st);
void print_json(const struct status *st);
void print_why_json(const struct why *wy);
/* The escape sequence that colours a state, or NULL. */
const char *state_colour(const char *state);

/* top.c: `supervisectl top`, argv[0] being "top". */
int top_main(const char *sock, int argc, char *argv[]);

#endif
