/*
 * jobqueue.so: a consumer of a spool-directory job queue, the maildir way.
 * A producer writes a job as a file into SPOOL/tmp and renames it into
 * SPOOL/new; each consumer claims a job by renaming it into SPOOL/cur
 * (rename(2) is atomic: of several instances exactly one wins), does the
 * work, and renames it into SPOOL/done.  The work here is to count the
 * job's lines and bytes and log them; a real consumer does its own.
 *
 *	[worker:jobs]
 *	plugin = jobqueue.so
 *	args = /var/spool/jobs 200
 *	instances = 2
 *
 * SPOOL is made, with tmp, new, cur and done, if missing; POLL (default
 * 500) is how many milliseconds to wait when new is empty.  A job left in
 * cur by a consumer that died is its to finish: it is taken up again at
 * start by the instance of the same name.  Job names starting with a dot
 * are ignored, and so is anything that is not a regular file.
 *
 * Both modes: no global state, no chdir, every descriptor its own.
 */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <supervise/worker.h>

SUPERVISE_WORKER_DECLARE;

struct queue {
	struct sv_worker *w;
	const char *spool;
	char me[64];		/* the instance name, made safe for a path */
	unsigned long done;
};

/* SPOOL/sub[/name], or -1 if it would not fit. */
static int
path(char *buf, const struct queue *q, const char *sub, const char *name)
{
	int n;

	if (name != NULL)
		n = snprintf(buf, PATH_MAX, "%s/%s/%s", q->spool, sub, name);
	else
		n = snprintf(buf, PATH_MAX, "%s/%s", q->spool, sub);
	return n < 0 || n >= PATH_MAX ? -1 : 0;
}

static int
make_dirs(struct queue *q)
{
	static const char *const subs[] = { "tmp", "new", "cur", "done" };
	char p[PATH_MAX];
	size_t i;

	if (mkdir(q->spool, 0700) == -1 && errno != EEXIST)
		goto fail;
	for (i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (path(p, q, subs[i], NULL) == -1) {
			errno = ENAMETOOLONG;
			goto fail;
		}
		if (mkdir(p, 0700) == -1 && errno != EEXIST)
			goto fail;
	}
	return 0;
fail:
	sv_worker_log(q->w, "jobqueue: %s: %s", q->spool, strerror(errno));
	return -1;
}

/* The work: count lines and bytes, without following a symlink. */
static int
work(struct queue *q, const char *file, const char *job)
{
	char buf[8192];
	unsigned long long bytes = 0, lines = 0;
	ssize_t n, i;
	int fd;

	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK |
	    O_CLOEXEC)) == -1) {
		sv_worker_log(q->w, "jobqueue: %s: %s", job, strerror(errno));
		return -1;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		bytes += (unsigned long long)n;
		for (i = 0; i < n; i++)
			lines += buf[i] == '\n';
	}
	close(fd);
	if (n == -1) {
		sv_worker_log(q->w, "jobqueue: %s: %s", job, strerror(errno));
		return -1;
	}
	sv_worker_log(q->w, "job %s: %llu lines, %llu bytes", job, lines,
	    bytes);
	return 0;
}

/* cur/JOB.ME, claimed: work, then into done/JOB. */
static void
finish(struct queue *q, const char *claimed, size_t joblen)
{
	char cur[PATH_MAX], done[PATH_MAX], job[NAME_MAX + 1];

	memcpy(job, claimed, joblen);
	job[joblen] = '\0';
	if (path(cur, q, "cur", claimed) == -1 ||
	    path(done, q, "done", job) == -1)
		return;
	if (work(q, cur, job) == 0)
		q->done++;
	if (rename(cur, done) == -1)
		sv_worker_log(q->w, "jobqueue: %s: to done: %s", job,
		    strerror(errno));
}

/* Claim and do one job from new; 1 if there was one, 0 if none. */
static int
take_one(struct queue *q)
{
	char from[PATH_MAX], to[PATH_MAX], claimed[NAME_MAX + 1];
	struct dirent *de;
	DIR *d;
	int n, took = 0;

	if (path(from, q, "new", NULL) == -1 || (d = opendir(from)) == NULL)
		return 0;
	while (!took && (de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || (de->d_type != DT_REG &&
		    de->d_type != DT_UNKNOWN))
			continue;
		n = snprintf(claimed, sizeof(claimed), "%s.%s", de->d_name,
		    q->me);
		if (n < 0 || (size_t)n >= sizeof(claimed) ||
		    path(from, q, "new", de->d_name) == -1 ||
		    path(to, q, "cur", claimed) == -1)
			continue;
		/* Another consumer was first: ENOENT, try the next. */
		if (rename(from, to) == -1)
			continue;
		finish(q, claimed, strlen(de->d_name));
		took = 1;
	}
	closedir(d);
	return took;
}

/* Jobs this instance claimed before it died: finish them first. */
static void
resume(struct queue *q)
{
	char dir[PATH_MAX];
	struct dirent *de;
	size_t len, melen = strlen(q->me);
	DIR *d;

	if (path(dir, q, "cur", NULL) == -1 || (d = opendir(dir)) == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (de->d_name[0] == '.' || len <= melen + 1 ||
		    strcmp(de->d_name + len - melen, q->me) != 0 ||
		    de->d_name[len - melen - 1] != '.')
			continue;
		sv_worker_log(q->w, "jobqueue: resuming %s", de->d_name);
		finish(q, de->d_name, len - melen - 1);
	}
	closedir(d);
}

int
supervise_worker_main(struct sv_worker *w, int argc, char **argv)
{
	struct queue q = { .w = w };
	unsigned long poll = 500;
	char *end, *c;

	if (argc < 2 || argc > 3) {
		sv_worker_log(w, "usage: jobqueue SPOOL [POLL-MS]");
		return 64;
	}
	q.spool = argv[1];
	if (argc == 3) {
		poll = strtoul(argv[2], &end, 10);
		if (*argv[2] == '\0' || *end != '\0' || poll == 0 ||
		    poll > 3600000) {
			sv_worker_log(w, "jobqueue: POLL is milliseconds, 1 to "
			    "3600000, not %s", argv[2]);
			return 64;
		}
	}
	snprintf(q.me, sizeof(q.me), "%s", sv_worker_name(w));
	for (c = q.me; *c != '\0'; c++)
		if (*c == '/' || *c == '.')
			*c = '_';
	if (make_dirs(&q) == -1)
		return 1;
	resume(&q);
	sv_worker_ready(w);
	while (!sv_worker_should_stop(w)) {
		sv_worker_heartbeat(w);
		if (!take_one(&q))
			sv_worker_sleep(w, (unsigned)poll);
	}
	sv_worker_log(w, "jobqueue: stopped after %lu jobs", q.done);
	return 0;
}
