/*
 * sdnotify.c: split an sd_notify(3) datagram into the assignments that
 * supervise acts on.  The datagram comes from any local process that can
 * reach the socket, before its sender is known to be a worker: every byte
 * is untrusted, so nothing here writes, allocates or assumes a NUL.
 */
#include <string.h>

#include "sdnotify.h"

/* EXTEND_TIMEOUT_USEC= above this (31,000 years) counts as this. */
#define USEC_MAX 1000000000000000000ULL

static int
line_is(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len == n && memcmp(line, word, n) == 0;
}

static int
has_prefix(const char *line, size_t len, const char *prefix)
{
	size_t n = strlen(prefix);

	return len >= n && memcmp(line, prefix, n) == 0;
}

/* Decimal microseconds to milliseconds rounded up; -1 unless 1 or more. */
static int64_t
usec_to_ms(const char *s, size_t len)
{
	uint64_t usec = 0;
	size_t i;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		if (usec < USEC_MAX)
			usec = usec * 10 + (s[i] - '0');
	}
	if (usec > USEC_MAX)
		usec = USEC_MAX;
	/* Rounded up: under a millisecond is not "now". */
	return usec > 0 ? (int64_t)((usec + 999) / 1000) : -1;
}

static void
parse_line(const char *line, size_t len, sdnotify_fn *fn, void *ctx)
{
	struct sdnotify_item it = { SDNOTIFY_READY, NULL, 0, 0 };

	if (line_is(line, len, "READY=1"))
		it.kind = SDNOTIFY_READY;
	else if (line_is(line, len, "WATCHDOG=1"))
		it.kind = SDNOTIFY_WATCHDOG;
	else if (line_is(line, len, "WATCHDOG=trigger"))
		it.kind = SDNOTIFY_WATCHDOG_TRIGGER;
	else if (has_prefix(line, len, "STATUS=")) {
		it.kind = SDNOTIFY_STATUS;
		it.text = line + 7;
		it.len = len - 7;
	} else if (has_prefix(line, len, "EXTEND_TIMEOUT_USEC=")) {
		it.kind = SDNOTIFY_EXTEND;
		if ((it.ms = usec_to_ms(line + 20, len - 20)) < 0)
			return;
	} else
		return;
	fn(ctx, &it);
}

void
sdnotify_parse(const char *msg, size_t len, sdnotify_fn *fn, void *ctx)
{
	const char *end, *nl;

	if ((end = memchr(msg, '\0', len)) != NULL)
		len = (size_t)(end - msg);
	while (len > 0) {
		nl = memchr(msg, '\n', len);
		end = nl != NULL ? nl : msg + len;
		parse_line(msg, (size_t)(end - msg), fn, ctx);
		if (nl == NULL)
			break;
		len -= (size_t)(nl + 1 - msg);
		msg = nl + 1;
	}
}
