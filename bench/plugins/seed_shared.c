/*
 * seed.so's experiments about shared state (see seed.h).  In thread mode
 * every instance of the plugin is a thread of one process, and shares the
 * plugin's globals below; in process mode each instance is a process with
 * its own copy of them, and what the instances share must be made so on
 * purpose: a MAP_SHARED file, a socket.
 *	global WAIT_MS
 *		instance 0 changes a global; each other instance watches it
 *		for up to WAIT_MS: `seed global seen 0|1`
 *	scribble WAIT_MS N
 *		each of N instances fills its slot of a global table;
 *		instance 0 then overruns its own slot (a length computed for
 *		the whole table); each other instance checks its slot for
 *		WAIT_MS: `seed scribble corrupted|intact`
 *	counter M nolock|lock|atomic PATH N
 *		N instances add 1 to one counter M times each, with no lock,
 *		a mutex or an atomic add; the counter is a global in thread
 *		mode, in the MAP_SHARED file PATH in process mode:
 *		`seed counter KIND NS_PER_ADD FINAL MUTEX_BYTES` (FINAL is
 *		-1 but for the last instance to finish)
 *	deadlock inverted|ordered TIMEOUT_MS PATH
 *		two instances take two mutexes, in opposite orders or the
 *		same order, the second with a TIMEOUT_MS bound:
 *		`seed deadlock ORDER STUCK WAITED_MS`
 *	pingpong COUNT BULK_MIB DIR
 *		instance 1 sends instance 0 COUNT 64-byte messages, each
 *		answered, then BULK_MIB MiB in 64 KiB chunks: through a
 *		queue in the globals in thread mode, a Unix stream socket
 *		DIR/pingpong.sock in process mode:
 *		`seed pingpong MEDIAN_RTT_NS MIB_PER_S` (instance 1)
 * The rendezvous of the instances (the locks ready, all of them there)
 * are waits with a bound: an instance that misses one reports -1.
 */
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "seed.h"

#define RENDEZVOUS_MS	10000
#define SLOTS		64
#define SLOT_BYTES	256
#define CHUNK		65536
#define PING_BYTES	64
#define QUEUE_SLOTS	4

/* What the instances of counter and deadlock share. */
struct region {
	atomic_int ready;		/* instance 0 set the mutexes up */
	atomic_int arrived;		/* a barrier */
	atomic_int finished;
	pthread_mutex_t mu, a, b;
	volatile long counter;
	atomic_long atomic_counter;
};

/*
 * A queue of QUEUE_SLOTS messages, each way, for pingpong in thread mode:
 * a message is copied in and copied out, as a socket does.
 */
struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	unsigned head, count;
	size_t len[QUEUE_SLOTS];
	unsigned char buf[QUEUE_SLOTS][CHUNK];
};

#define QUEUE_INIT { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, \
	0, 0, { 0 }, { { 0 } } }

/* The globals the instances share in thread mode, and only there. */
static volatile long g_value;
static unsigned char g_slots[SLOTS][SLOT_BYTES];
static struct region g_region;
static struct queue g_queue[2] = { QUEUE_INIT, QUEUE_INIT };

static int
is_thread(struct sv_worker *w)
{
	return sv_worker_mode(w) == SV_WORKER_THREAD;
}

static long long
ms_since(long long t0)
{
	return (seed_now_ns() - t0) / 1000000;
}

static void
pause_us(long us)
{
	struct timespec ts = { 0, us * 1000 };

	nanosleep(&ts, NULL);
}

int
seed_global(struct sv_worker *w, int argc, char **argv)
{
	long long t0 = seed_now_ns(), wait_ms = argc > 2 ? atoll(argv[2]) : 500;
	int seen = 0;

	sv_worker_ready(w);
	if (seed_instance(w) == 0) {
		g_value = 42;
		return seed_done(w, "seed global writer");
	}
	while (!seen && ms_since(t0) < wait_ms && !sv_worker_should_stop(w)) {
		seen = g_value == 42;
		if (!seen)
			sv_worker_sleep(w, 1);
	}
	return seed_done(w, "seed global seen %d", seen);
}

int
seed_scribble(struct sv_worker *w, int argc, char **argv)
{
	long long t0, wait_ms = argc > 2 ? atoll(argv[2]) : 500;
	int n = argc > 3 ? atoi(argv[3]) : 2, me = seed_instance(w), i;
	unsigned char *mine;

	if (me >= SLOTS || n > SLOTS)
		return 64;
	mine = g_slots[me];
	memset(mine, me + 1, SLOT_BYTES);
	sv_worker_ready(w);
	if (me == 0) {
		/* Let the others fill theirs, then the bug. */
		sv_worker_sleep(w, 100);
		memset(mine, 0xee, (size_t)SLOT_BYTES * (size_t)n);
		return seed_done(w, "seed scribble writer");
	}
	t0 = seed_now_ns();
	while (ms_since(t0) < wait_ms && !sv_worker_should_stop(w)) {
		for (i = 0; i < SLOT_BYTES; i++)
			if (mine[i] != me + 1)
				return seed_done(w, "seed scribble corrupted");
		sv_worker_sleep(w, 5);
	}
	return seed_done(w, "seed scribble intact");
}

/* The global region in thread mode, the file PATH mapped in process mode. */
static struct region *
region_open(struct sv_worker *w, const char *path)
{
	struct region *r;
	int fd;

	if (is_thread(w))
		return &g_region;
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1)
		return NULL;
	if (ftruncate(fd, sizeof(*r)) == -1) {
		close(fd);
		return NULL;
	}
	r = mmap(NULL, sizeof(*r), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	return r == MAP_FAILED ? NULL : r;
}

/* Wait until cond's counter reaches n, or the bound: 0 or -1. */
static int
wait_count(atomic_int *c, int n)
{
	long long t0 = seed_now_ns();

	while (atomic_load(c) < n) {
		if (ms_since(t0) > RENDEZVOUS_MS)
			return -1;
		sched_yield();
	}
	return 0;
}

/* Instance 0 sets the mutexes up (shared between processes); all wait. */
static struct region *
region_ready(struct sv_worker *w, const char *path)
{
	struct region *r = region_open(w, path);
	pthread_mutexattr_t ma;

	if (r == NULL)
		return NULL;
	if (seed_instance(w) == 0) {
		pthread_mutexattr_init(&ma);
		pthread_mutexattr_setpshared(&ma, PTHREAD_PROCESS_SHARED);
		pthread_mutex_init(&r->mu, &ma);
		pthread_mutex_init(&r->a, &ma);
		pthread_mutex_init(&r->b, &ma);
		pthread_mutexattr_destroy(&ma);
		atomic_store(&r->ready, 1);
	}
	return wait_count(&r->ready, 1) == 0 ? r : NULL;
}

int
seed_counter(struct sv_worker *w, int argc, char **argv)
{
	struct region *r;
	long m, i, final = -1;
	long long t0, t1;
	const char *kind;
	int n;

	if (argc < 6)
		return 64;
	m = atol(argv[2]);
	kind = argv[3];
	n = atoi(argv[5]);
	sv_worker_ready(w);
	if ((r = region_ready(w, argv[4])) == NULL)
		return seed_done(w, "seed counter %s -1 -1 0", kind);
	atomic_fetch_add(&r->arrived, 1);
	if (wait_count(&r->arrived, n) == -1)
		return seed_done(w, "seed counter %s -1 -1 0", kind);
	t0 = seed_now_ns();
	if (strcmp(kind, "lock") == 0) {
		for (i = 0; i < m; i++) {
			pthread_mutex_lock(&r->mu);
			r->counter++;
			pthread_mutex_unlock(&r->mu);
		}
	} else if (strcmp(kind, "atomic") == 0) {
		for (i = 0; i < m; i++)
			atomic_fetch_add(&r->atomic_counter, 1);
	} else {
		for (i = 0; i < m; i++)
			r->counter++;
	}
	t1 = seed_now_ns();
	if (atomic_fetch_add(&r->finished, 1) == n - 1)
		final = strcmp(kind, "atomic") == 0 ?
		    atomic_load(&r->atomic_counter) : r->counter;
	return seed_done(w, "seed counter %s %.3f %ld %zu", kind,
	    (double)(t1 - t0) / (double)m, final, sizeof(pthread_mutex_t));
}

static int
lock_within(pthread_mutex_t *mu, long long ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	return pthread_mutex_timedlock(mu, &ts);
}

int
seed_deadlock(struct sv_worker *w, int argc, char **argv)
{
	pthread_mutex_t *first, *second;
	struct region *r;
	long long t0, bound;
	int inverted, stuck = 0;

	if (argc < 5)
		return 64;
	inverted = strcmp(argv[2], "inverted") == 0;
	bound = atoll(argv[3]);
	sv_worker_ready(w);
	if ((r = region_ready(w, argv[4])) == NULL)
		return seed_done(w, "seed deadlock %s -1 -1", argv[2]);
	first = &r->a;
	second = &r->b;
	if (inverted && seed_instance(w) == 1) {
		first = &r->b;
		second = &r->a;
	}
	/* Inverted: both hold their first lock before either asks for more. */
	if (inverted)
		pthread_mutex_lock(first);
	atomic_fetch_add(&r->arrived, 1);
	if (wait_count(&r->arrived, 2) == -1) {
		if (inverted)
			pthread_mutex_unlock(first);
		return seed_done(w, "seed deadlock %s -1 -1", argv[2]);
	}
	t0 = seed_now_ns();
	if (!inverted && lock_within(first, bound) != 0)
		stuck = 1;
	else if (lock_within(second, bound) != 0) {
		stuck = 1;
		pthread_mutex_unlock(first);
	} else {
		pthread_mutex_unlock(second);
		pthread_mutex_unlock(first);
	}
	return seed_done(w, "seed deadlock %s %d %lld", argv[2], stuck,
	    ms_since(t0));
}

/* pingpong's channel: the queues, or a connected socket. */
struct chan {
	struct sv_worker *w;
	int fd;				/* -1: queues */
	struct queue *in, *out;
};

/* With q->mu held: wait until q has a message (want 1) or room (0). */
static int
queue_wait(struct chan *c, struct queue *q, int want_message)
{
	struct timespec ts;

	while (want_message ? q->count == 0 : q->count == QUEUE_SLOTS) {
		if (sv_worker_should_stop(c->w))
			return -1;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100000000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&q->cv, &q->mu, &ts);
	}
	return 0;
}

static int
chan_send(struct chan *c, const void *p, size_t len)
{
	const char *s = p;
	ssize_t n;
	int rc;

	if (c->fd == -1) {
		struct queue *q = c->out;
		unsigned slot;

		pthread_mutex_lock(&q->mu);
		if ((rc = queue_wait(c, q, 0)) == 0) {
			slot = (q->head + q->count) % QUEUE_SLOTS;
			memcpy(q->buf[slot], p, len);
			q->len[slot] = len;
			q->count++;
			pthread_cond_broadcast(&q->cv);
		}
		pthread_mutex_unlock(&q->mu);
		return rc;
	}
	while (len > 0) {
		if ((n = write(c->fd, s, len)) <= 0) {
			if (n == -1 && errno == EINTR &&
			    !sv_worker_should_stop(c->w))
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

static int
chan_recv(struct chan *c, void *p, size_t len)
{
	char *s = p;
	ssize_t n;
	int rc;

	if (c->fd == -1) {
		struct queue *q = c->in;

		pthread_mutex_lock(&q->mu);
		if ((rc = queue_wait(c, q, 1)) == 0) {
			memcpy(p, q->buf[q->head], len < q->len[q->head] ?
			    len : q->len[q->head]);
			q->head = (q->head + 1) % QUEUE_SLOTS;
			q->count--;
			pthread_cond_broadcast(&q->cv);
		}
		pthread_mutex_unlock(&q->mu);
		return rc;
	}
	while (len > 0) {
		if ((n = read(c->fd, s, len)) <= 0) {
			if (n == -1 && errno == EINTR &&
			    !sv_worker_should_stop(c->w))
				continue;
			return -1;
		}
		s += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Process mode: instance 0 listens at DIR/pingpong.sock, 1 connects. */
static int
chan_connect(struct chan *c, const char *dir, int server)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	long long t0 = seed_now_ns();
	struct pollfd pfd;
	int fd;

	if ((size_t)snprintf(sun.sun_path, sizeof(sun.sun_path),
	    "%s/pingpong.sock", dir) >= sizeof(sun.sun_path))
		return -1;
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1)
		return -1;
	if (server) {
		unlink(sun.sun_path);
		if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1 ||
		    listen(fd, 1) == -1)
			goto fail;
		pfd.fd = fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, RENDEZVOUS_MS) != 1)
			goto fail;
		c->fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		close(fd);
		return c->fd == -1 ? -1 : 0;
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		if (ms_since(t0) > RENDEZVOUS_MS || sv_worker_should_stop(c->w))
			goto fail;
		pause_us(1000);
	}
	c->fd = fd;
	return 0;
fail:
	close(fd);
	return -1;
}

static int
cmp_ll(const void *a, const void *b)
{
	long long x = *(const long long *)a, y = *(const long long *)b;

	return (x > y) - (x < y);
}

int
seed_pingpong(struct sv_worker *w, int argc, char **argv)
{
	struct chan c = { .w = w, .fd = -1 };
	static char chunk[2][CHUNK];	/* per mode: only one writer each */
	char msg[PING_BYTES] = "ping", ack = 0;
	long count, i, total;
	long long t0, *rtt, median = -1;
	double mibps = -1;
	int server = seed_instance(w) == 0;
	char *buf;

	if (argc < 5)
		return 64;
	count = atol(argv[2]);
	total = atol(argv[3]) * 1024 * 1024;
	buf = chunk[server];
	sv_worker_ready(w);
	if (is_thread(w)) {
		c.in = &g_queue[server ? 0 : 1];
		c.out = &g_queue[server ? 1 : 0];
	} else if (chan_connect(&c, argv[4], server) == -1)
		return seed_done(w, "seed pingpong -1 -1");
	if (server) {
		for (i = 0; i < count; i++)
			if (chan_recv(&c, msg, sizeof(msg)) == -1 ||
			    chan_send(&c, msg, sizeof(msg)) == -1)
				break;
		for (i = 0; i < total; i += CHUNK)
			if (chan_recv(&c, buf, CHUNK) == -1)
				break;
		chan_send(&c, &ack, 1);
		if (c.fd != -1)
			close(c.fd);
		return seed_done(w, "seed pingpong server");
	}
	if ((rtt = calloc((size_t)count + 1, sizeof(*rtt))) == NULL)
		return 1;
	for (i = 0; i < count; i++) {
		t0 = seed_now_ns();
		if (chan_send(&c, msg, sizeof(msg)) == -1 ||
		    chan_recv(&c, msg, sizeof(msg)) == -1)
			break;
		rtt[i] = seed_now_ns() - t0;
	}
	if (i == count && count > 0) {
		qsort(rtt, (size_t)count, sizeof(*rtt), cmp_ll);
		median = rtt[count / 2];
	}
	free(rtt);
	memset(buf, 'x', CHUNK);
	t0 = seed_now_ns();
	for (i = 0; i < total; i += CHUNK)
		if (chan_send(&c, buf, CHUNK) == -1)
			break;
	if (i >= total && chan_recv(&c, &ack, 1) == 0)
		mibps = (double)total / 1048576.0 /
		    ((double)(seed_now_ns() - t0) / 1e9);
	if (c.fd != -1)
		close(c.fd);
	return seed_done(w, "seed pingpong %lld %.1f", median, mibps);
}
