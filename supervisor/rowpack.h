/*
 * rowpack.h: a status reply's rows kept compact (rowpack.c), for a client
 * that holds thousands of them before it can print the first.
 */
#ifndef ROWPACK_H
#define ROWPACK_H

#include <stdbool.h>
#include <stddef.h>

#include "proto.h"

struct rowpack {
	struct pbuf b;
	size_t n;		/* rows */
	size_t state, signal;	/* the last state and signal kept: offsets */
	bool has_state, has_signal;
};

/* Where rowpack_next is: a row's state and signal may be the last ones. */
struct rowpack_cursor {
	size_t off;
	const char *state, *signal;
};

/* Keep a copy of r; p->b.failed if out of memory. */
void rowpack_add(struct rowpack *p, const struct proto_row *r);
/*
 * The next row into r, its strings pointing into p (valid until the next
 * rowpack_add or rowpack_free); false after the last.  Start with a
 * zeroed cursor.
 */
bool rowpack_next(const struct rowpack *p, struct rowpack_cursor *c,
    struct proto_row *r);
void rowpack_free(struct rowpack *p);

#endif
