/*
 * top.c: `supervisectl top`, the live view (see supervisectl(1)).
 *
 * Each refresh is one status request on a new connection, so that
 * supervise's idle-connection limit never applies and a refresh costs it
 * what a status costs.  CPU% is the CPU time a worker's process used
 * between two readings over the time between them (a process seen for
 * the first time: over its uptime); supervise reads a process again only
 * once its reading is a second old (supervisectl(1)), so a refresh that
 * brings the same reading keeps the figure it had.  The previous refresh
 * is kept sorted by name and looked up by binary search, so a refresh of
 * many workers stays O(n log n).
 *
 * On a terminal (standard input and output both) the screen is redrawn
 * in place with plain ANSI sequences (not on the alternate screen, so
 * that the last frame and an error stay when top ends), keys are
 * read in non-canonical mode, and the terminal is restored on every way
 * out: q, the end of COUNT refreshes, a signal that ends us (the handler
 * only sets a flag; poll() returns EINTR), and die(), through atexit().
 * Otherwise each refresh is printed as a plain table, for pipes and logs.
 */
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "supervisectl.h"

enum sort_key {
	SORT_ORDER, SORT_NAME, SORT_STATE, SORT_PID, SORT_CPU, SORT_RSS,
	SORT_RESTARTS, SORT_UPTIME,
};

/* The sort keys: their names for -o, and their keystrokes. */
static const struct {
	const char *name;
	char key;
} sorts[] = {
	[SORT_ORDER] = { "order", 'o' },
	[SORT_NAME] = { "name", 'n' },
	[SORT_STATE] = { "state", 's' },
	[SORT_PID] = { "pid", 'p' },
	[SORT_CPU] = { "cpu", 'c' },
	[SORT_RSS] = { "rss", 'm' },
	[SORT_RESTARTS] = { "restarts", 'r' },
	[SORT_UPTIME] = { "uptime", 'u' },
};
#define NSORTS (sizeof(sorts) / sizeof(sorts[0]))

/* A worker of the previous refresh, for CPU%. */
struct sample {
	char *name;
	long pid;
	uint64_t cpu_ms;
	double taken;		/* monotonic seconds of the reading */
	double cpu_pct;		/* as shown: < 0 unknown */
};

/* Readings taken closer than this are one and the same. */
#define SAME_READING 0.5

/* One row as shown. */
struct line {
	const struct proto_row *row;
	size_t order;		/* in the status reply: start order */
	double cpu_pct;		/* < 0: unknown */
};

struct top {
	const char *sock;
	double interval;	/* seconds */
	long count;		/* refreshes left; < 0: for ever */
	enum sort_key sort;
	bool reverse;
	bool tty, colour;
	struct status st;
	struct line *lines;
	struct sample *prev;
	size_t nprev;
	double now;
};

static volatile sig_atomic_t got_signal, got_winch;
static struct termios saved_tio;
static bool tio_saved;

static void
on_signal(int sig)
{
	if (sig == SIGWINCH)
		got_winch = 1;
	else
		got_signal = sig;
}

static double
monotonic(void)
{
	return (double)clock_mono_ns() / 1e9;
}

/* Show the cursor, below the last frame, and restore the modes. */
static void
restore_terminal(void)
{
	if (!tio_saved)
		return;
	fputs("\033[?25h", stdout);
	fflush(stdout);
	tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved_tio);
	tio_saved = false;
}

static void
setup_terminal(void)
{
	struct termios tio;

	if (tcgetattr(STDIN_FILENO, &saved_tio) == -1)
		die(EXIT_FAILED, "tcgetattr: %s", strerror(errno));
	tio = saved_tio;
	tio.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	tio.c_cc[VMIN] = 0;
	tio.c_cc[VTIME] = 0;
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &tio) == -1)
		die(EXIT_FAILED, "tcsetattr: %s", strerror(errno));
	tio_saved = true;
	atexit(restore_terminal);
	/* Not the alternate screen: the last frame, and why we left, stay. */
	fputs("\033[H\033[2J\033[?25l", stdout);
}

static int
sample_cmp(const void *a, const void *b)
{
	return strcmp(((const struct sample *)a)->name,
	    ((const struct sample *)b)->name);
}

static void
free_samples(struct top *t)
{
	size_t i;

	for (i = 0; i < t->nprev; i++)
		free(t->prev[i].name);
	free(t->prev);
	t->prev = NULL;
	t->nprev = 0;
}

/* CPU% of each row from the previous refresh, then keep this one. */
static void
compute_cpu(struct top *t)
{
	struct sample key, *s, *next;
	const struct proto_row *r;
	double dt, *taken;
	size_t i, n = 0;

	if ((taken = calloc(t->st.n + 1, sizeof(*taken))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	for (i = 0; i < t->st.n; i++) {
		r = &t->st.rows[i];
		t->lines[i].row = r;
		t->lines[i].order = i;
		t->lines[i].cpu_pct = -1;
		if (!r->usage)
			continue;
		taken[i] = t->now - (double)r->usage_age_ms / 1000.0;
		key.name = (char *)r->name;
		s = t->nprev > 0 ? bsearch(&key, t->prev, t->nprev,
		    sizeof(*s), sample_cmp) : NULL;
		dt = s != NULL ? taken[i] - s->taken : 0;
		if (s != NULL && s->pid == r->pid && r->cpu_ms >= s->cpu_ms &&
		    dt >= SAME_READING)
			t->lines[i].cpu_pct = (double)(r->cpu_ms - s->cpu_ms) /
			    10.0 / dt;
		else if (s != NULL && s->pid == r->pid && s->cpu_pct >= 0 &&
		    r->cpu_ms == s->cpu_ms && dt < SAME_READING) {
			t->lines[i].cpu_pct = s->cpu_pct;
			taken[i] = s->taken;	/* the same reading, still */
		} else if (r->uptime_ms > 0)
			t->lines[i].cpu_pct = (double)r->cpu_ms * 100.0 /
			    (double)r->uptime_ms;
	}
	if ((next = calloc(t->st.n + 1, sizeof(*next))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	for (i = 0; i < t->st.n; i++) {
		r = &t->st.rows[i];
		if (!r->usage)
			continue;
		if ((next[n].name = strdup(r->name)) == NULL)
			die(EXIT_FAILED, "%s", strerror(errno));
		next[n].pid = r->pid;
		next[n].taken = taken[i];
		next[n].cpu_pct = t->lines[i].cpu_pct;
		next[n++].cpu_ms = r->cpu_ms;
	}
	free(taken);
	qsort(next, n, sizeof(*next), sample_cmp);
	free_samples(t);
	t->prev = next;
	t->nprev = n;
}

static int
num_cmp(double a, double b)
{
	return a < b ? -1 : a > b;
}

static int
line_cmp(const void *pa, const void *pb, void *arg)
{
	const struct top *t = arg;
	const struct line *a = pa, *b = pb;
	const struct proto_row *x = a->row, *y = b->row;
	int c = 0;

	switch (t->sort) {
	case SORT_ORDER:
		break;
	case SORT_NAME:
		c = strcmp(x->name, y->name);
		break;
	case SORT_STATE:
		c = strcmp(x->state, y->state);
		break;
	case SORT_PID:
		c = num_cmp((double)x->pid, (double)y->pid);
		break;
	case SORT_CPU:	/* the busiest first */
		c = -num_cmp(a->cpu_pct, b->cpu_pct);
		break;
	case SORT_RSS:
		c = -num_cmp(x->usage ? (double)x->rss_bytes : -1,
		    y->usage ? (double)y->rss_bytes : -1);
		break;
	case SORT_RESTARTS:
		c = -num_cmp((double)x->restarts, (double)y->restarts);
		break;
	case SORT_UPTIME:
		c = -num_cmp((double)x->uptime_ms, (double)y->uptime_ms);
		break;
	}
	if (t->reverse)
		c = -c;
	/* Ties, and SORT_ORDER, in start order, whatever the direction. */
	return c != 0 ? c : num_cmp((double)a->order, (double)b->order);
}

/* Fetch a status; its lines and rows replace the previous ones. */
static void
refresh(struct top *t)
{
	struct pbuf req = { 0 };
	const char *why;
	int fd, rc;

	status_free(&t->st);
	if (proto_encode_request(&req, CMD_STATUS, NULL, NULL, 0, &why) == -1)
		die(EXIT_FAILED, "%s", why);
	fd = connect_to(t->sock);
	send_request(fd, &req, t->sock);
	pbuf_free(&req);
	if ((rc = read_reply(fd, t->sock, CMD_STATUS, &t->st, NULL, 0)) != 0)
		exit(rc);
	status_rows(&t->st);
	t->now = monotonic();
	free(t->lines);
	if ((t->lines = calloc(t->st.n + 1, sizeof(*t->lines))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	compute_cpu(t);
}

/* The terminal's size, or the classic 80x24. */
static void
term_size(struct top *t, int *cols, int *rows)
{
	struct winsize ws;

	*cols = 80;
	*rows = 24;
	if (t->tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 &&
	    ws.ws_col > 0 && ws.ws_row > 0) {
		*cols = ws.ws_col;
		*rows = ws.ws_row;
	}
}

/* The cells of a line, "-" where empty. */
static void
cells(const struct line *l, char c[6][32])
{
	const struct proto_row *r = l->row;

	if (r->pid > 0)
		snprintf(c[0], sizeof(c[0]), "%ld", r->pid);
	else
		strcpy(c[0], "-");
	if (l->cpu_pct >= 0)
		snprintf(c[1], sizeof(c[1]), "%.1f", l->cpu_pct);
	else
		strcpy(c[1], "-");
	if (r->usage)
		proto_format_bytes(c[2], sizeof(c[2]), r->rss_bytes);
	else
		strcpy(c[2], "-");
	snprintf(c[3], sizeof(c[3]), "%lu", r->restarts);
	if (r->pid > 0 || r->uptime_ms > 0)
		proto_format_uptime(c[4], sizeof(c[4]), r->uptime_ms);
	else
		strcpy(c[4], "-");
	proto_format_last(c[5], sizeof(c[5]), r);
}

/*
 * Print s, cut to the columns left on a terminal line; *left counts them
 * down.  Names and cells are printable ASCII: one byte, one column.
 */
static void
put_cut(const char *s, int *left)
{
	int n = (int)strlen(s);

	if (*left <= 0)
		return;
	if (n > *left)
		n = *left;
	fwrite(s, 1, (size_t)n, stdout);
	*left -= n;
}

static void
draw(struct top *t)
{
	static const char *const heads[] = {
		"PID", "CPU%", "RSS", "RESTARTS", "UPTIME", "LAST-EXIT",
	};
	char (*c)[6][32], buf[256], pad[64];
	const struct proto_row *r;
	const char *on;
	size_t i, shown, count[4] = { 0 };
	int w[8] = { 4, 5, 3, 4, 3, 8, 6, 9 }, cols, rows, left, k;

	term_size(t, &cols, &rows);
	qsort_r(t->lines, t->st.n, sizeof(*t->lines), line_cmp, t);
	if ((c = calloc(t->st.n + 1, sizeof(*c))) == NULL)
		die(EXIT_FAILED, "%s", strerror(errno));
	for (i = 0; i < t->st.n; i++) {
		r = t->lines[i].row;
		cells(&t->lines[i], c[i]);
		if ((int)strlen(r->name) > w[0])
			w[0] = (int)strlen(r->name);
		if ((int)strlen(r->state) > w[1])
			w[1] = (int)strlen(r->state);
		for (k = 0; k < 6; k++)
			if ((int)strlen(c[i][k]) > w[k + 2])
				w[k + 2] = (int)strlen(c[i][k]);
		count[strcmp(r->state, "RUNNING") == 0 ? 0 :
		    strcmp(r->state, "BACKOFF") == 0 ? 1 :
		    strcmp(r->state, "FATAL") == 0 ? 2 : 3]++;
	}
	if (t->tty)
		fputs("\033[H", stdout);
	snprintf(buf, sizeof(buf), "supervise %ld (%s): %zu workers, %zu "
	    "running, %zu backoff, %zu fatal; sort: %s%s", t->st.pid,
	    t->st.mode != NULL ? t->st.mode : "process", t->st.n, count[0],
	    count[1], count[2], sorts[t->sort].name,
	    t->reverse ? " (reversed)" : "");
	left = t->tty ? cols : INT32_MAX;
	put_cut(buf, &left);
	fputs(t->tty ? "\033[K\n" : "\n", stdout);
	if (t->tty) {
		left = cols;
		put_cut("keys: c m n o p r s u sort, R reverse, q quit",
		    &left);
		fputs("\033[K\n", stdout);
	}
	/* The headings: NAME and STATE left-aligned, numbers right. */
	left = t->tty ? cols : INT32_MAX;
	snprintf(buf, sizeof(buf), "%-*s  %-*s", w[0], "NAME", w[1], "STATE");
	put_cut(buf, &left);
	for (k = 0; k < 6; k++) {
		snprintf(buf, sizeof(buf), "  %*s", k < 5 ? w[k + 2] : 0,
		    heads[k]);
		put_cut(buf, &left);
	}
	fputs(t->tty ? "\033[K\n" : "\n", stdout);
	shown = t->tty ? (rows > 4 ? (size_t)rows - 4 : 0) : t->st.n;
	for (i = 0; i < t->st.n && i < shown; i++) {
		r = t->lines[i].row;
		left = t->tty ? cols : INT32_MAX;
		snprintf(buf, sizeof(buf), "%-*s  ", w[0], r->name);
		put_cut(buf, &left);
		on = t->colour ? state_colour(r->state) : NULL;
		/* Colour only a state that fits whole; pad outside it. */
		if (on != NULL && left >= (int)strlen(r->state)) {
			printf("%s%s\033[0m", on, r->state);
			left -= (int)strlen(r->state);
		} else
			put_cut(r->state, &left);
		snprintf(pad, sizeof(pad), "%*s", w[1] - (int)strlen(r->state),
		    "");
		put_cut(pad, &left);
		for (k = 0; k < 6; k++) {
			snprintf(buf, sizeof(buf), "  %*s", k < 5 ? w[k + 2] :
			    0, c[i][k]);
			put_cut(buf, &left);
		}
		fputs(t->tty ? "\033[K\n" : "\n", stdout);
	}
	if (t->tty)
		fputs("\033[J", stdout);
	else
		fputs("\n", stdout);
	free(c);
	if (fflush(stdout) == EOF)
		die(EXIT_FAILED, "stdout: %s", strerror(errno));
}

/* A key: a new sort, or q; true when it changed what is shown. */
static bool
key(struct top *t, char ch)
{
	size_t i;

	if (ch == 'q') {
		t->count = 0;
		return false;
	}
	if (ch == 'R') {
		t->reverse = !t->reverse;
		return true;
	}
	for (i = 0; i < NSORTS; i++) {
		if (sorts[i].key == ch) {
			t->sort = (enum sort_key)i;
			return true;
		}
	}
	return false;
}

/*
 * Wait until the next refresh is due, serving keys meanwhile; false when
 * it is time to leave.
 */
static bool
wait_next(struct top *t)
{
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	double due = t->now + t->interval, left;
	char buf[64];
	ssize_t n, i;
	bool redraw;

	for (;;) {
		if (got_signal || t->count == 0)
			return false;
		if (got_winch) {
			got_winch = 0;
			draw(t);
		}
		if ((left = due - monotonic()) <= 0)
			return true;
		if (poll(&pfd, t->tty ? 1 : 0, (int)ceil(left * 1000)) <= 0)
			continue;	/* timeout, or a signal */
		if ((n = read(STDIN_FILENO, buf, sizeof(buf))) <= 0) {
			/* The terminal is gone: nobody to show it to. */
			if (n == 0 || (errno != EINTR && errno != EAGAIN))
				return false;
			continue;
		}
		for (redraw = false, i = 0; i < n; i++)
			redraw |= key(t, buf[i]);
		if (redraw && t->count != 0)
			draw(t);
	}
}

static void __attribute__((noreturn))
top_usage(const char *fmt, const char *arg)
{
	fputs("supervisectl: top: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	usage();
}

int
top_main(const char *sock, int argc, char *argv[])
{
	struct top t = { .interval = 1, .count = -1, .sort = SORT_ORDER };
	/* SA_RESTART: a status read is not cut short; poll() still is. */
	struct sigaction sa = { .sa_handler = on_signal,
	    .sa_flags = SA_RESTART };
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], *end;
	size_t i;
	int ch;

	optind = 1;
	while ((ch = getopt(argc, argv, "+d:n:o:")) != -1) {
		switch (ch) {
		case 'd':
			errno = 0;
			t.interval = strtod(optarg, &end);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    !(t.interval >= 0.1 && t.interval <= 3600))
				top_usage("-d %s: expected seconds from 0.1 to "
				    "3600", optarg);
			break;
		case 'n':
			errno = 0;
			t.count = strtol(optarg, &end, 10);
			if (errno != 0 || end == optarg || *end != '\0' ||
			    t.count < 1)
				top_usage("-n %s: expected a count of 1 or "
				    "more", optarg);
			break;
		case 'o':
			for (i = 0; i < NSORTS &&
			    strcmp(optarg, sorts[i].name) != 0; i++)
				;
			if (i == NSORTS)
				top_usage("-o %s: expected order, name, state, "
				    "pid, cpu, rss, restarts or uptime", optarg);
			t.sort = (enum sort_key)i;
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();
	t.sock = socket_path(sock, path, sizeof(path));
	t.tty = isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	t.colour = t.tty && getenv("NO_COLOR") == NULL;

	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGWINCH, &sa, NULL);
	/* The first status before the screen changes: errors stay readable. */
	refresh(&t);
	if (t.tty)
		setup_terminal();
	for (;;) {
		draw(&t);
		if (t.count > 0)
			t.count--;
		if (!wait_next(&t))
			break;
		refresh(&t);
	}
	restore_terminal();
	status_free(&t.st);
	free(t.lines);
	free_samples(&t);
	return 0;
}
