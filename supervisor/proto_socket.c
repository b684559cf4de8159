/*
 * proto_socket.c: where the control socket is (see proto.h): the default
 * path, in $XDG_RUNTIME_DIR or a directory of our own under /tmp, and the
 * checks that keep another user from putting a socket of theirs in its
 * place.
 */
#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "proto.h"

int
proto_check_dir(const char *dir, enum proto_dir how, char *why,
    size_t whylen)
{
	struct stat st;

	if (how == PROTO_DIR_CREATE && mkdir(dir, 0700) == -1 &&
	    errno != EEXIST) {
		snprintf(why, whylen, "mkdir %s: %s", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) == -1) {
		if (errno == ENOENT && how == PROTO_DIR_CHECK)
			return 0;	/* connecting will say so */
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(why, whylen, "%s: not a directory", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %lu, not by uid %lu",
		    dir, (unsigned long)st.st_uid, (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(why, whylen, "%s: mode %03o lets others in, "
		    "expected 0700", dir, (unsigned)(st.st_mode & 0777));
		return -1;
	}
	return 0;
}

/*
 * One directory on the way to an explicit socket: owned by root or us,
 * and if others may write to it, the sticky bit keeps them from renaming
 * or removing what is ours.
 */
static int
check_ancestor(const char *dir, char *why, size_t whylen)
{
	struct stat st;

	if (stat(dir, &st) == -1) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		snprintf(why, whylen, "%s: owned by uid %lu, neither root nor "
		    "uid %lu", dir, (unsigned long)st.st_uid,
		    (unsigned long)geteuid());
		return -1;
	}
	if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 &&
	    (st.st_mode & S_ISVTX) == 0) {
		snprintf(why, whylen, "%s: mode %04o lets others replace the "
		    "socket (writable by others, no sticky bit)", dir,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

int
proto_check_socket_path(const char *path, char *why, size_t whylen)
{
	char *copy, *real, *p;
	const char *dir;
	int rv = -1;

	if ((copy = strdup(path)) == NULL) {
		snprintf(why, whylen, "%s", strerror(errno));
		return -1;
	}
	if ((p = strrchr(copy, '/')) == NULL)
		dir = ".";
	else if (p == copy)
		dir = "/";
	else {
		*p = '\0';
		dir = copy;
	}
	if ((real = realpath(dir, NULL)) == NULL) {
		snprintf(why, whylen, "%s: %s", dir, strerror(errno));
		free(copy);
		return -1;
	}
	/* The directory itself, then each of its ancestors up to /. */
	for (;;) {
		if (check_ancestor(real[0] != '\0' ? real : "/", why,
		    whylen) == -1)
			goto out;
		if ((p = strrchr(real, '/')) == NULL || real[0] == '\0')
			break;
		*p = '\0';
	}
	rv = 0;
out:
	free(real);
	free(copy);
	return rv;
}

int
proto_default_socket(char *buf, size_t len, enum proto_dir how, char *why,
    size_t whylen)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	char dir[64];
	int n;

	/* A relative XDG_RUNTIME_DIR is invalid: ignore it, as the spec says. */
	if (xdg != NULL && xdg[0] == '/') {
		n = snprintf(buf, len, "%s/supervise.sock", xdg);
	} else {
		snprintf(dir, sizeof(dir), "/tmp/supervise-%lu",
		    (unsigned long)geteuid());
		if (proto_check_dir(dir, how, why, whylen) == -1)
			return -1;
		n = snprintf(buf, len, "%s/supervise.sock", dir);
	}
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, whylen, "socket path too long");
		return -1;
	}
	return 0;
}
