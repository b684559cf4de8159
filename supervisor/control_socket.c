/*
 * control_socket.c: the control socket's file and who may connect to it.
 * What connects is served by control.c.
 *
 * The path is -s, else `[supervisor] socket`, else the default under
 * $XDG_RUNTIME_DIR or /run (proto_default_socket()).  A path given by
 * hand is refused where another user could swap the socket
 * (proto_check_socket_path()): clients there could be fooled.  The
 * socket is created 0600 (under umask 0177), so there is no moment when
 * others may connect; a stale socket of a supervise that died is
 * replaced only once a connect to it is refused, never a live one, and
 * never a file that is not a socket.  At exit the file is removed only
 * if it is still the one bound (same device and inode): a second
 * supervise that took the path over keeps it.
 *
 * The mode is one guard, SO_PEERCRED the other: only root and
 * supervise's own uid are served (supervise(1), CONTROL SOCKET).
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

#include "daemon.h"
#include "proto.h"

static int
bind_socket(struct control_socket *cs)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	mode_t mask;
	int probe, rv, tries;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", cs->path);
	for (tries = 0; tries < 2; tries++) {
		/* Created 0600: there is no moment when others may connect. */
		mask = umask(0177);
		rv = bind(cs->fd, (struct sockaddr *)&sun, sizeof(sun));
		umask(mask);
		if (rv == 0 || errno != EADDRINUSE)
			break;
		if (lstat(cs->path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
			warnx("%s: exists and is not a socket", cs->path);
			return -1;
		}
		/* Connect to it: refused means a supervise died and left it. */
		if ((probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) ==
		    -1)
			break;
		rv = connect(probe, (struct sockaddr *)&sun, sizeof(sun));
		close(probe);
		if (rv == 0) {
			warnx("%s: another supervise is serving this socket",
			    cs->path);
			return -1;
		}
		if (errno != ECONNREFUSED ||
		    (unlink(cs->path) == -1 && errno != ENOENT))
			break;
	}
	if (rv == -1 || stat(cs->path, &st) == -1 ||
	    listen(cs->fd, SOMAXCONN) == -1) {
		warn("%s", cs->path);
		return -1;
	}
	cs->dev = st.st_dev;
	cs->ino = st.st_ino;
	return 0;
}

int
control_socket_open(struct supervisor *sv, struct control_socket *cs)
{
	const char *path;
	char why[256];

	cs->fd = -1;
	path = sv->socket_override != NULL ? sv->socket_override :
	    sv->cfg->socket;
	if (path == NULL && proto_default_socket(cs->path, sizeof(cs->path),
	    PROTO_DIR_CREATE, why, sizeof(why)) == -1) {
		warnx("%s", why);
		return -1;
	}
	if (path != NULL && (size_t)snprintf(cs->path, sizeof(cs->path),
	    "%s", path) >= sizeof(cs->path)) {
		warnx("%s: socket path too long (at most %zu bytes)", path,
		    sizeof(cs->path) - 1);
		return -1;
	}
	/* Where others could swap the socket, clients could be fooled. */
	if (path != NULL && proto_check_socket_path(path, why,
	    sizeof(why)) == -1) {
		warnx("%s: refused: %s", path, why);
		return -1;
	}
	if ((cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0)) == -1) {
		warn("socket");
		return -1;
	}
	if (bind_socket(cs) == -1) {
		close(cs->fd);
		cs->fd = -1;
		return -1;
	}
	return 0;
}

bool
control_socket_peer_allowed(int fd, uid_t *uid)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == -1)
		return false;
	*uid = cred.uid;
	return cred.uid == 0 || cred.uid == geteuid();
}

void
control_socket_close(struct control_socket *cs)
{
	struct stat st;

	if (cs->fd == -1)
		return;
	close(cs->fd);
	cs->fd = -1;
	if (stat(cs->path, &st) == 0 && st.st_dev == cs->dev &&
	    st.st_ino == cs->ino)
		(void)unlink(cs->path);
}
