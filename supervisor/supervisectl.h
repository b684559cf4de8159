/*
 * supervisectl.h: what the commands of supervisectl share: talking to
 * supervise (supervisectl.c) and the live view (top.c).
 */
#ifndef SUPERVISECTL_H
#define SUPERVISECTL_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

/* The exit statuses of the contract (sysexits(3) for the last three). */
#define EXIT_FAILED 1
#define EXIT_USAGE 64
#define EXIT_NOSERVER 69
#define EXIT_NOPERM 77

/* A status reply: the lines own the strings that the rows point to. */
struct status {
	char *header;		/* the header line, which mode points into */
	const char *mode;
	long pid;
	struct proto_row *rows;
	char **lines;
	size_t n, cap;
};

void usage(void) __attribute__((noreturn));
void die(int status, const char *fmt, ...)
    __attribute__((noreturn, format(printf, 2, 3)));
/* -s SOCKET, else the default socket, in buf. */
const char *socket_path(const char *sock, char *buf, size_t len);
int connect_to(const char *path);
void send_request(int fd, const struct pbuf *req, const char *path);
struct why;
/* Read a reply into st (and wy, for why); the exit status it makes. */
int read_reply(int fd, const char *path, enum proto_cmd cmd,
    struct status *st, struct why *wy, int skip);
void status_free(struct status *st);
/* The escape sequence that colours a state, or NULL. */
const char *state_colour(const char *state);

/* top.c: `supervisectl top`, argv[0] being "top". */
int top_main(const char *sock, int argc, char *argv[]);

#endif
