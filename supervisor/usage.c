/*
 * usage.c: the freshness rules of the workers' CPU and RSS readings, and
 * the choice of the rows a background refresh slice reads (usage.h),
 * pure: the caller passes the time and reads /proc itself.
 *
 * A slice is bounded twice, by the rows it reads (each one an open, a
 * read and a close of /proc/PID/stat) and by the rows it looks at, so
 * that no loop pass holds the loop long whatever the number of workers.
 */
#include "usage.h"

bool
usage_showable(const struct usage *u, pid_t pid, int64_t now_ns)
{
	return u != NULL && pid > 0 && u->pid == pid && u->valid &&
	    now_ns - u->taken_ns <= USAGE_SHOW_NS;
}

bool
usage_stale(const struct usage *u, pid_t pid, int64_t now_ns)
{
	return u == NULL || u->pid != pid || now_ns - u->taken_ns >=
	    USAGE_FRESH_NS || now_ns < u->taken_ns;
}

bool
usage_reader_active(int64_t asked_ns, int64_t now_ns)
{
	return asked_ns != 0 && now_ns - asked_ns < USAGE_READER_NS;
}

unsigned
usage_inline_budget(size_t rows)
{
	return rows <= USAGE_INLINE_READS ? USAGE_INLINE_READS : 0;
}

/* The round is over: say what follows, and begin the next. */
static enum usage_next
round_end(struct usage_scan *s)
{
	enum usage_next next = s->any ? USAGE_WAIT : USAGE_IDLE;

	s->seen = 0;
	s->any = false;
	return next;
}

enum usage_next
usage_slice(struct usage_scan *s, size_t n,
    enum usage_row (*look)(void *ctx, size_t i, int64_t *due_ns),
    int64_t (*read)(void *ctx, size_t i), void *ctx)
{
	size_t looked = 0, reads = 0, i;
	int64_t due;

	if (n == 0) {
		s->next = 0;
		return round_end(s);
	}
	if (s->seen == 0)
		s->due_ns = INT64_MAX;
	while (looked < USAGE_SLICE_SCAN && reads < USAGE_SLICE_READS) {
		if (s->seen >= n)
			return round_end(s);
		if (s->next >= n)	/* the list shrank, or wrapped */
			s->next = 0;
		i = s->next++;
		s->seen++;
		looked++;
		due = INT64_MAX;
		switch (look(ctx, i, &due)) {
		case USAGE_ROW_NONE:
			continue;
		case USAGE_ROW_STALE:
			due = read(ctx, i);
			reads++;
			break;
		case USAGE_ROW_FRESH:
			break;
		}
		s->any = true;
		if (due < s->due_ns)
			s->due_ns = due;
	}
	if (s->seen >= n)
		return round_end(s);
	return USAGE_MORE;
}
