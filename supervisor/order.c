/*
 * order.c: the start order that after= imposes on a loaded config.  Config
 * order, each worker moved back only as far as its after= requires: a
 * stable topological sort that always places the first worker in config
 * order whose predecessors are all placed (Kahn's algorithm with a
 * min-heap of ready workers), in O((n + e) log n) for n workers and e
 * after= names.  A cycle is reported once, from its first worker in config
 * order, and its members are placed where the cycle was found, so that
 * the rest can still be ordered and checked.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "config.h"
#include "strmap.h"

struct sorter {
	const struct worker_config *w;
	size_t n;
	size_t *dep, *dep_at;	/* worker i waits for dep[dep_at[i]..dep_at[i+1]) */
	size_t *next, *next_at;	/* and is waited for by next[...] likewise */
	size_t *pending;	/* predecessors not yet placed */
	bool *placed;
	size_t *heap, nheap;	/* ready, not placed: a min-heap */
	size_t *order, norder;
	ssize_t *seen;		/* break_cycle: position on the path, or -1 */
	size_t *path;
};

static void
heap_push(struct sorter *s, size_t i)
{
	size_t k = s->nheap++, up;

	while (k > 0 && s->heap[up = (k - 1) / 2] > i) {
		s->heap[k] = s->heap[up];
		k = up;
	}
	s->heap[k] = i;
}

static size_t
heap_pop(struct sorter *s)
{
	size_t top = s->heap[0], last = s->heap[--s->nheap], k = 0, c;

	while ((c = 2 * k + 1) < s->nheap) {
		if (c + 1 < s->nheap && s->heap[c + 1] < s->heap[c])
			c++;
		if (s->heap[c] >= last)
			break;
		s->heap[k] = s->heap[c];
		k = c;
	}
	s->heap[k] = last;
	return top;
}

static void
place(struct sorter *s, size_t i)
{
	size_t k, j;

	s->placed[i] = true;
	s->order[s->norder++] = i;
	for (k = s->next_at[i]; k < s->next_at[i + 1]; k++) {
		j = s->next[k];
		if (--s->pending[j] == 0 && !s->placed[j])
			heap_push(s, j);
	}
}

/* The first worker i waits for, in its after= order, not yet placed. */
static size_t
waiting_for(const struct sorter *s, size_t i)
{
	size_t k;

	for (k = s->dep_at[i]; k < s->dep_at[i + 1]; k++)
		if (!s->placed[s->dep[k]])
			return s->dep[k];
	return s->n;		/* cannot be: i is in a blocked chain */
}

/*
 * Every worker not placed waits for another one not placed: follow the
 * chain from start until it comes round, report that cycle from its first
 * worker in config order, and place its members so the rest can go on.
 */
static void
break_cycle(struct sorter *s, size_t start, order_error_fn *error,
    void *ctx)
{
	size_t len = 0, i, first, m, w;
	char *msg = NULL;
	size_t msglen;
	FILE *fp;

	for (i = start; s->seen[i] < 0; i = waiting_for(s, i)) {
		s->seen[i] = (ssize_t)len;
		s->path[len++] = i;
	}
	first = (size_t)s->seen[i];
	for (m = first, i = first; i < len; i++)
		if (s->path[i] < s->path[m])
			m = i;
	if ((fp = open_memstream(&msg, &msglen)) != NULL) {
		for (i = 0; i <= len - first; i++) {
			w = s->path[first + (m - first + i) % (len - first)];
			fprintf(fp, "%s%s", i ? " -> " : "", s->w[w].name);
		}
		if (fclose(fp) != 0) {
			free(msg);
			msg = NULL;
		}
	}
	error(ctx, s->path[m], "after: cycle: %s", msg ? msg : "?");
	free(msg);
	for (i = 0; i < len; i++)
		s->seen[s->path[i]] = -1;
	for (i = first; i < len; i++)
		if (!s->placed[s->path[i]])
			place(s, s->path[i]);
}

/* Resolve each after= name to its worker, both ways round. */
static void
resolve(struct sorter *s, const struct strmap *names, order_error_fn *error,
    void *ctx)
{
	size_t i, k, j, e = 0;

	for (i = 0; i < s->n; i++) {
		s->dep_at[i] = e;
		for (k = 0; k < s->w[i].nafter; k++) {
			if (!strmap_get(names, s->w[i].after[k], &j))
				error(ctx, i, "after: unknown worker \"%s\"",
				    s->w[i].after[k]);
			else {
				s->dep[e++] = j;
				s->next_at[j + 1]++;
				s->pending[i]++;
			}
		}
	}
	s->dep_at[s->n] = e;
	for (i = 0; i < s->n; i++)
		s->next_at[i + 1] += s->next_at[i];
	for (i = 0; i < s->n; i++)
		s->seen[i] = (ssize_t)s->next_at[i];	/* fill position */
	for (i = 0; i < s->n; i++)
		for (k = s->dep_at[i]; k < s->dep_at[i + 1]; k++)
			s->next[s->seen[s->dep[k]]++] = i;
	for (i = 0; i < s->n; i++)
		s->seen[i] = -1;
}

int
order_workers(const struct worker_config *w, size_t n,
    const struct strmap *names, size_t *order, order_error_fn *error,
    void *ctx)
{
	struct sorter s = { .w = w, .n = n, .order = order };
	size_t i, e = 0, first = 0, cursor = 0;
	int r = -1;

	for (i = 0; i < n; i++)
		e += w[i].nafter;
	s.dep = calloc(e + 1, sizeof(*s.dep));
	s.next = calloc(e + 1, sizeof(*s.next));
	s.dep_at = calloc(n + 1, sizeof(*s.dep_at));
	s.next_at = calloc(n + 1, sizeof(*s.next_at));
	s.pending = calloc(n + 1, sizeof(*s.pending));
	s.placed = calloc(n + 1, sizeof(*s.placed));
	s.heap = calloc(n + 1, sizeof(*s.heap));
	s.seen = calloc(n + 1, sizeof(*s.seen));
	s.path = calloc(n + 1, sizeof(*s.path));
	if (s.dep == NULL || s.next == NULL || s.dep_at == NULL ||
	    s.next_at == NULL || s.pending == NULL || s.placed == NULL ||
	    s.heap == NULL || s.seen == NULL || s.path == NULL)
		goto done;
	resolve(&s, names, error, ctx);
	/*
	 * The next to place is the smaller of: the first worker at or after
	 * the cursor that was ready from the start, and the heap's top (the
	 * workers made ready by a placement).  Without after= the heap stays
	 * empty and this is one pass in config order.
	 */
	while (s.norder < n) {
		while (cursor < n && (s.placed[cursor] || s.pending[cursor] > 0))
			cursor++;
		while (s.nheap > 0 && s.placed[s.heap[0]])
			(void)heap_pop(&s);
		if (s.nheap > 0 && (cursor == n || s.heap[0] < cursor))
			place(&s, heap_pop(&s));
		else if (cursor < n)
			place(&s, cursor);
		else {
			while (s.placed[first])
				first++;
			break_cycle(&s, first, error, ctx);
		}
	}
	r = 0;
done:
	free(s.dep);
	free(s.next);
	free(s.dep_at);
	free(s.next_at);
	free(s.pending);
	free(s.placed);
	free(s.heap);
	free(s.seen);
	free(s.path);
	return r;
}
