/*
 * seed_probe: the client side of seed_table.sh's socket experiments,
 * against seed.so's echo servers.  ADDR is unix:PATH, or tcp:FILE with
 * the port on 127.0.0.1 in FILE (as `echo tcp:DIR` writes it).
 *
 *	seed_probe rtt ADDR COUNT [INTERVAL_US]
 *		COUNT 64-byte round trips, INTERVAL_US apart (default 0),
 *		after waiting up to 10 s for the server:
 *		`rtt MEDIAN_NS P90_NS COUNT`
 *	seed_probe load DURATION_MS SPLIT_MS ADDR...
 *		64-byte requests round-robin over the servers, one at a
 *		time, each given REPLY_MS to answer, for DURATION_MS; a
 *		server that fails is dropped and reconnected every RETRY_MS:
 *		`load ANSWERED FAILED LAST_ANSWER_MS BEFORE_SPLIT AFTER_SPLIT`
 * Every wait is bounded; exits 1 if a server never answered.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define MSG		64
#define REPLY_MS	200
#define RETRY_MS	50
#define MAX_SERVERS	16

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void
pause_us(long us)
{
	struct timespec ts = { us / 1000000, (us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

/* One attempt to connect to ADDR: the fd, or -1. */
static int
dial(const char *addr)
{
	int fd, one = 1;

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (strlen(addr + 5) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, addr + 5);
		if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0)
			return fd;
	} else if (strncmp(addr, "tcp:", 4) == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		FILE *f = fopen(addr + 4, "r");
		int port = 0;

		if (f == NULL)
			return -1;
		if (fscanf(f, "%d", &port) != 1)
			port = 0;
		fclose(f);
		if (port <= 0 || port > 65535)
			return -1;
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sin.sin_port = htons((unsigned short)port);
		if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
			return -1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0)
			return fd;
	} else
		return -1;
	close(fd);
	return -1;
}

/* One request and its reply within REPLY_MS: 0 or -1. */
static int
round_trip(int fd)
{
	char buf[MSG];
	size_t got = 0;
	ssize_t n;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	long long deadline = now_ns() + REPLY_MS * 1000000LL;
	int left;

	memset(buf, 'q', sizeof(buf));
	if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
		return -1;
	while (got < sizeof(buf)) {
		left = (int)((deadline - now_ns()) / 1000000);
		if (left < 0 || poll(&pfd, 1, left) != 1)
			return -1;
		if ((n = read(fd, buf + got, sizeof(buf) - got)) <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

static int
cmd_rtt(int argc, char **argv)
{
	long count, interval, i;
	long long t0, *v;
	int fd = -1;

	if (argc < 4)
		return 64;
	count = atol(argv[3]);
	interval = argc > 4 ? atol(argv[4]) : 0;
	if (count <= 0 || (v = calloc((size_t)count, sizeof(*v))) == NULL)
		return 64;
	t0 = now_ns();
	while ((fd = dial(argv[2])) == -1) {
		if (now_ns() - t0 > 10000000000LL) {
			fprintf(stderr, "seed_probe: %s: no server\n", argv[2]);
			goto fail;
		}
		pause_us(10000);
	}
	for (i = 0; i < count; i++) {
		if (interval > 0)
			pause_us(interval);
		t0 = now_ns();
		if (round_trip(fd) == -1) {
			fprintf(stderr, "seed_probe: %s: no answer\n", argv[2]);
			goto fail;
		}
		v[i] = now_ns() - t0;
	}
	qsort(v, (size_t)count, sizeof(*v), cmp_ll);
	printf("rtt %lld %lld %ld\n", v[count / 2], v[(count * 9) / 10],
	    count);
	close(fd);
	free(v);
	return 0;
fail:
	if (fd != -1)
		close(fd);
	free(v);
	return 1;
}

static int
cmd_load(int argc, char **argv)
{
	long long t0, t, dur, split, last_ok = -1;
	long long retry_at[MAX_SERVERS] = { 0 };
	long answered = 0, failed = 0, before = 0, after = 0;
	int fd[MAX_SERVERS], n, i, k = 0, up;

	if (argc < 5 || argc - 4 > MAX_SERVERS)
		return 64;
	dur = atoll(argv[2]) * 1000000LL;
	split = atoll(argv[3]) * 1000000LL;
	n = argc - 4;
	for (i = 0; i < n; i++)
		fd[i] = dial(argv[4 + i]);
	t0 = now_ns();
	while ((t = now_ns() - t0) < dur) {
		up = 0;
		for (i = 0; i < n; i++) {
			if (fd[i] == -1 && t >= retry_at[i]) {
				fd[i] = dial(argv[4 + i]);
				retry_at[i] = t + RETRY_MS * 1000000LL;
			}
			up += fd[i] != -1;
		}
		if (up == 0) {
			pause_us(RETRY_MS * 1000 / 5);
			continue;
		}
		while (fd[k % n] == -1)
			k++;
		i = k++ % n;
		if (round_trip(fd[i]) == 0) {
			answered++;
			t = now_ns() - t0;
			last_ok = t / 1000000;
			if (t < split)
				before++;
			else
				after++;
		} else {
			failed++;
			close(fd[i]);
			fd[i] = -1;
			retry_at[i] = now_ns() - t0 + RETRY_MS * 1000000LL;
		}
	}
	for (i = 0; i < n; i++)
		if (fd[i] != -1)
			close(fd[i]);
	printf("load %ld %ld %lld %ld %ld\n", answered, failed, last_ok,
	    before, after);
	return answered > 0 ? 0 : 1;
}

int
main(int argc, char **argv)
{
	signal(SIGPIPE, SIG_IGN);
	if (argc > 1 && strcmp(argv[1], "rtt") == 0)
		return cmd_rtt(argc, argv);
	if (argc > 1 && strcmp(argv[1], "load") == 0)
		return cmd_load(argc, argv);
	fprintf(stderr, "usage: seed_probe rtt ADDR COUNT [INTERVAL_US]\n"
	    "       seed_probe load DURATION_MS SPLIT_MS ADDR...\n");
	return 64;
}
