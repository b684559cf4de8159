/*
 * sink_file.c: the file sinks' opening and sharing (file:PATH in
 * supervise.ini(5)); their queues are sink.c's like every sink's.
 *
 * A worker must not make supervise (root) write where its own user could
 * not: a file output of a worker with a user is opened with that user's
 * and group's file-system credentials (setfsuid/setfsgid, and the group
 * alone as supplementary group, all three per thread: the raw syscalls
 * touch only the loop's thread, never a worker thread), never through a
 * symbolic link (openat2 RESOLVE_NO_SYMLINKS, else O_NOFOLLOW and a check
 * of the path's parents), and only if it is a regular file (fstat, after
 * an open with O_NONBLOCK, so that a FIFO put in its place cannot block).
 * Two workers share a file's sink only under the same credentials, and
 * SIGUSR1 reopens every file the same way (log rotation).
 */

#include <sys/fsuid.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include <linux/openat2.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "daemon.h"
#include "sink_io.h"

void
sink_put(struct sink *p)
{
	struct sink_io *s = container_of(p, struct sink_io, pub);

	if (--s->refs > 0 || p->path == NULL)
		return;
	/* Last user gone: a file takes the rest at once, or it is lost. */
	while (p->q.len > 0 && sink_write_once(s, p->q.len) > 0)
		;
	LIST_REMOVE(s, entry);
	sink_free(s);
}

/*
 * The path's directories hold no symbolic link (where openat2 cannot say
 * so itself): O_NOFOLLOW covers only the last component.
 */
static int
no_symlink_dirs(const char *path)
{
	char buf[PATH_MAX], *p;
	struct stat st;

	if (strlen(path) >= sizeof(buf)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(buf, path);
	for (p = buf + 1; (p = strchr(p, '/')) != NULL; p++) {
		*p = '\0';
		if (lstat(buf, &st) == -1)
			return -1;
		if (S_ISLNK(st.st_mode)) {
			errno = ELOOP;
			return -1;
		}
		*p = '/';
	}
	return 0;
}

/* Open path for appending: no symbolic link anywhere, no blocking. */
static int
open_nofollow(const char *path)
{
	struct open_how how = {
		.flags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY |
		    O_NONBLOCK | O_NOFOLLOW,
		.mode = 0644,
		.resolve = RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	int fd;

	fd = (int)syscall(SYS_openat2, AT_FDCWD, path, &how, sizeof(how));
	if (fd != -1 || (errno != ENOSYS && errno != EPERM))
		return fd;
	/* Before Linux 5.6 (or a seccomp filter that refuses openat2). */
	if (no_symlink_dirs(path) == -1)
		return -1;
	return open(path, (int)how.flags, 0644);
}

/* See the top of this file. */
int
sink_open_file(const struct sink_io *s, char *why, size_t whylen)
{
	const char *path = s->pub.path;
	struct stat st;
	gid_t groups[NGROUPS_MAX > 65536 ? 65536 : NGROUPS_MAX];
	int fd, err, ngroups = 0;

	if (s->as_user) {
		if ((ngroups = getgroups((int)(sizeof(groups) /
		    sizeof(groups[0])), groups)) == -1 ||
		    syscall(SYS_setgroups, 1, &s->gid) == -1) {
			snprintf(why, whylen, "dropping the groups: %s",
			    strerror(errno));
			return -1;
		}
		setfsgid(s->gid);
		setfsuid(s->uid);
	}
	fd = open_nofollow(path);
	err = errno;
	if (s->as_user) {
		setfsuid(geteuid());
		setfsgid(getegid());
		/* Our own groups back, or nothing else is safe. */
		if (syscall(SYS_setgroups, ngroups, groups) == -1)
			abort();
	}
	if (fd == -1) {
		snprintf(why, whylen, "%s%s", strerror(err),
		    err == ELOOP ? " (a symbolic link is not followed)" :
		    err == ENXIO ? " (not a regular file)" : "");
		return -1;
	}
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		snprintf(why, whylen, "not a regular file");
		close(fd);
		return -1;
	}
	return fd;
}

struct sink *
sink_get(struct supervisor *sv, const char *path,
    const struct worker_config *wc, char *why, size_t whylen)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;
	bool as_user = wc != NULL && wc->user != NULL;
	char reason[128];
	int fd;

	if (path == NULL) {
		ss->out->refs++;
		return &ss->out->pub;
	}
	/* Shared only under the same credentials, or one user's open
	 * would let another write. */
	LIST_FOREACH(s, &ss->files, entry) {
		if (strcmp(s->pub.path, path) == 0 && s->as_user == as_user &&
		    (!as_user || (s->uid == wc->uid && s->gid == wc->gid))) {
			s->refs++;
			return &s->pub;
		}
	}
	if ((s = sink_new(ss, -1, path)) == NULL) {
		snprintf(why, whylen, "file:%s: %s", path, strerror(ENOMEM));
		return NULL;
	}
	s->as_user = as_user;
	if (as_user) {
		s->uid = wc->uid;
		s->gid = wc->gid;
	}
	if ((fd = sink_open_file(s, reason, sizeof(reason))) == -1) {
		snprintf(why, whylen, "file:%s: %s", path, reason);
		sink_free(s);
		return NULL;
	}
	s->fd = fd;
	ev_io_set(&s->io, fd, EV_WRITE);
	s->refs = 1;
	LIST_INSERT_HEAD(&ss->files, s, entry);
	return &s->pub;
}

void
sink_reopen(struct supervisor *sv)
{
	struct sinks *ss = sv->out;
	struct sink_io *s;
	char why[128];
	int fd;

	if (ss == NULL)
		return;
	LIST_FOREACH(s, &ss->files, entry) {
		/* What was written before the rotation ends the old file. */
		while (s->pub.q.len > 0 &&
		    sink_write_once(s, s->pub.q.len) > 0)
			;
		if ((fd = sink_open_file(s, why, sizeof(why))) == -1) {
			log_warnx("file:%s: reopening: %s; still writing to "
			    "the file opened before", s->pub.path, why);
			continue;
		}
		ev_io_stop(sv->loop, &s->io);
		close(s->fd);
		s->fd = fd;
		ev_io_set(&s->io, fd, EV_WRITE);
		s->pub.broken = false;
		s->failed = false;
		sink_flush(&s->pub);
	}
}
