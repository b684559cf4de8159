/*
 * seed.so's server: `echo unix:DIR` listens on DIR/echo-N.sock, `echo
 * tcp:DIR` on 127.0.0.1 at a port of the kernel's choosing, written to
 * DIR/echo-N.port (N the instance), and sends back whatever a client
 * sends, to up to MAX_CLIENTS clients at once, until stopped.  It is
 * ready once it listens.  It waits in poll(2) with a bound, so a stop is
 * seen within POLL_MS in either mode.
 */
#include <sys/socket.h>
#include <sys/un.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "seed.h"

#define MAX_CLIENTS	32
#define POLL_MS		100

/* Write the port to PATH, whole or not at all (a reader polls for it). */
static int
write_port(const char *path, int port)
{
	char tmp[4200], buf[16];
	int fd, n;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= sizeof(tmp))
		return -1;
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0600)) == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "%d\n", port);
	if (write(fd, buf, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	close(fd);
	return rename(tmp, path);
}

static int
listen_on(struct sv_worker *w, const char *addr)
{
	char path[4096];
	int fd, one = 1, n = seed_instance(w);

	if (strncmp(addr, "unix:", 5) == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		snprintf(path, sizeof(path), "%s/echo-%d.sock", addr + 5, n);
		if (strlen(path) >= sizeof(sun.sun_path))
			return -1;
		strcpy(sun.sun_path, path);
		unlink(path);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1 || bind(fd, (struct sockaddr *)&sun,
		    sizeof(sun)) == -1 || listen(fd, 64) == -1)
			goto fail;
		return fd;
	}
	if (strncmp(addr, "tcp:", 4) == 0) {
		struct sockaddr_in sin = { .sin_family = AF_INET };
		socklen_t len = sizeof(sin);

		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd == -1)
			return -1;
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
		    listen(fd, 64) == -1 ||
		    getsockname(fd, (struct sockaddr *)&sin, &len) == -1)
			goto fail;
		snprintf(path, sizeof(path), "%s/echo-%d.port", addr + 4, n);
		if (write_port(path, ntohs(sin.sin_port)) == -1)
			goto fail;
		return fd;
	}
	errno = EINVAL;
	return -1;
fail:
	if (fd != -1)
		close(fd);
	return -1;
}

int
seed_echo(struct sv_worker *w, int argc, char **argv)
{
	struct pollfd pfd[1 + MAX_CLIENTS];
	char buf[65536];
	int lfd, nfd = 1, i, one = 1;
	ssize_t n;

	if (argc < 3 || (lfd = listen_on(w, argv[2])) == -1) {
		sv_worker_log(w, "seed echo: cannot listen on %s: %s",
		    argc < 3 ? "(nothing)" : argv[2], strerror(errno));
		return 1;
	}
	sv_worker_ready(w);
	pfd[0].fd = lfd;
	pfd[0].events = POLLIN;
	while (!sv_worker_should_stop(w)) {
		if (poll(pfd, (nfds_t)nfd, POLL_MS) <= 0)
			continue;
		for (i = nfd - 1; i >= 1; i--) {
			if (pfd[i].revents == 0)
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n > 0 && write(pfd[i].fd, buf, (size_t)n) == n)
				continue;
			close(pfd[i].fd);
			pfd[i] = pfd[--nfd];
		}
		if ((pfd[0].revents & POLLIN) && nfd < 1 + MAX_CLIENTS) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

			if (c != -1) {
				setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one,
				    sizeof(one));
				pfd[nfd].fd = c;
				pfd[nfd].events = POLLIN;
				pfd[nfd++].revents = 0;
			}
		}
	}
	for (i = 0; i < nfd; i++)
		close(pfd[i].fd);
	return 0;
}
