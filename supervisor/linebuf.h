/*
 * linebuf.h: line assembly and byte queues for captured output
 * (linebuf.c).  Pure: no I/O.
 */
#ifndef SUPERVISE_LINEBUF_H
#define SUPERVISE_LINEBUF_H

#include <stdbool.h>
#include <stddef.h>

#define LINE_MAX_LEN 4096	/* a captured output line is cut here */

/*
 * Line assembly for captured output, pure (no I/O).  Lines are handed to
 * emit without their newline; a line longer than LINE_MAX_LEN is cut into
 * pieces of LINE_MAX_LEN bytes; a CR right before the end of a line is
 * removed; NUL bytes pass through.
 */
typedef void linebuf_emit_fn(void *ctx, const char *line, size_t len);

struct linebuf {
	size_t len;		/* bytes in buf */
	bool cr;		/* a CR was seen last, not yet in buf */
	char buf[LINE_MAX_LEN];
};

void linebuf_init(struct linebuf *lb);
void linebuf_feed(struct linebuf *lb, const char *data, size_t n,
    linebuf_emit_fn *emit, void *ctx);
/* End a last line that has no newline (nothing if there is none). */
void linebuf_flush(struct linebuf *lb, linebuf_emit_fn *emit, void *ctx);
/*
 * With nothing held in lb, copy the whole lines at the start of data that
 * linebuf_feed would emit unchanged (at most LINE_MAX_LEN bytes, no CR
 * before the LF) to out, each after the plen bytes of prefix and with its
 * LF, as long as they fit in room bytes.  Returns the bytes of data taken
 * (0 if lb holds anything), and their lines in *lines: out holds that
 * many bytes plus *lines * plen.  linebuf_feed takes the rest.
 */
size_t linebuf_copy_lines(const struct linebuf *lb, const char *data,
    size_t n, const char *prefix, size_t plen, char *out, size_t room,
    size_t *lines);
/*
 * How many bytes may be fed now so that the lines they make, each with a
 * prefix of plen bytes and a newline, surely fit in room bytes (at most max).
 */
size_t linebuf_budget(size_t room, size_t plen, size_t max);

/* A queue of output bytes, bounded by the caller's cap. */
struct linequeue {
	char *buf;		/* queued bytes: buf[start, start + len) */
	size_t start, len, alloc;
	bool mid_line;		/* what was consumed ended inside a line */
};

/* Room for n more bytes at the end, or NULL if len + n > cap (or ENOMEM). */
char *linequeue_reserve(struct linequeue *q, size_t n, size_t cap);
void linequeue_consume(struct linequeue *q, size_t n);
/* Empty it, but keep the rest of a line already partly consumed. */
void linequeue_discard(struct linequeue *q);
void linequeue_free(struct linequeue *q);

#endif
