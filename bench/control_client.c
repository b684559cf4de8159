/*
 * control_client: the load generator of bench/control_bench.sh.  It sends
 * one request line over and over on one connection to supervise's control
 * socket, and reads each reply to its end (an "ok" or "err" line).
 *
 *	control_client SOCKET rtt COUNT REQUEST
 *		one request at a time; prints each round trip in µs
 *	control_client SOCKET rate COUNT REQUEST
 *		one request at a time; prints "N requests in S s: R/s"
 *	control_client SOCKET pipe COUNT REQUEST
 *		up to 64 requests in flight; prints the same
 *	control_client SOCKET hammer 0 REQUEST
 *		one at a time until TERM; then prints "N requests in S s: R/s"
 *
 * REQUEST is the line without its newline, e.g. "supervise/1 status".
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WINDOW 64

static volatile sig_atomic_t stop;
static char buf[1 << 20];
static size_t len, off;		/* unread reply bytes are buf[off..len) */

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void
fail(const char *what)
{
	fprintf(stderr, "control_client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void
on_term(int sig)
{
	(void)sig;
	stop = 1;
}

static void
send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		if ((w = write(fd, p, n)) == -1) {
			if (errno == EINTR && !stop)
				continue;
			fail("write");
		}
		p += w;
		n -= (size_t)w;
	}
}

/* Read up to the end of one reply; 0 at the end, -1 if interrupted. */
static int
read_reply(int fd)
{
	char *nl;
	ssize_t n;
	size_t line;

	for (;;) {
		while ((nl = memchr(buf + off, '\n', len - off)) != NULL) {
			line = off;
			off = (size_t)(nl - buf) + 1;
			if (strncmp(buf + line, "ok\n", 3) == 0 ||
			    strncmp(buf + line, "err\t", 4) == 0)
				return 0;
		}
		memmove(buf, buf + off, len - off);
		len -= off;
		off = 0;
		if (len == sizeof(buf)) {
			errno = EMSGSIZE;
			fail("reply line");
		}
		if ((n = read(fd, buf + len, sizeof(buf) - len)) == -1) {
			if (errno == EINTR && stop)
				return -1;
			if (errno == EINTR)
				continue;
			fail("read");
		}
		if (n == 0) {
			errno = ECONNRESET;
			fail("read");
		}
		len += (size_t)n;
	}
}

int
main(int argc, char **argv)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct sigaction sa;
	char req[4096];
	const char *mode;
	long count, sent = 0, done = 0;
	double t0, t;
	size_t rlen;
	int fd;

	if (argc != 5) {
		fprintf(stderr, "usage: control_client SOCKET rtt|rate|pipe|"
		    "hammer COUNT REQUEST\n");
		return 64;
	}
	mode = argv[2];
	count = atol(argv[3]);
	rlen = (size_t)snprintf(req, sizeof(req), "%s\n", argv[4]);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) == -1)
		fail("socket");
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1)
		fail(argv[1]);

	t0 = now();
	if (strcmp(mode, "pipe") == 0) {
		while (done < count) {
			while (sent < count && sent - done < WINDOW) {
				send_all(fd, req, rlen);
				sent++;
			}
			read_reply(fd);
			done++;
		}
	} else {
		while (!stop && (count == 0 || done < count)) {
			t = now();
			send_all(fd, req, rlen);
			if (read_reply(fd) == -1)
				break;
			done++;
			if (strcmp(mode, "rtt") == 0)
				printf("%.1f\n", (now() - t) * 1e6);
		}
	}
	t = now() - t0;
	if (strcmp(mode, "rtt") != 0)
		printf("%ld requests in %.3f s: %.0f/s\n", done, t, done / t);
	return 0;
}
