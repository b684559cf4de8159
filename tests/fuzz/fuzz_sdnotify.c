/*
 * fuzz_sdnotify: sd_notify datagrams (sdnotify.c) as any local process
 * may send them.  Every item must lie inside the datagram, before its
 * first NUL, and an EXTEND_TIMEOUT_USEC= time must be positive.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sdnotify.h"

struct bounds {
	const char *start;
	size_t len;
};

static void
check_item(void *ctx, const struct sdnotify_item *it)
{
	const struct bounds *b = ctx;

	switch (it->kind) {
	case SDNOTIFY_STATUS:
		if (it->text < b->start || it->text + it->len >
		    b->start + b->len ||
		    memchr(it->text, '\n', it->len) != NULL)
			abort();
		break;
	case SDNOTIFY_EXTEND:
		if (it->ms <= 0)
			abort();
		break;
	case SDNOTIFY_READY:
	case SDNOTIFY_WATCHDOG:
	case SDNOTIFY_WATCHDOG_TRIGGER:
		break;
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bounds b = { (const char *)data, size };
	const uint8_t *nul;
	char *copy;

	if ((nul = memchr(data, '\0', size)) != NULL)
		b.len = (size_t)(nul - data);
	/* An exact-size copy, so that ASan sees any read past the end. */
	if ((copy = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(copy, data, size);
	b.start = copy;
	sdnotify_parse(copy, size, check_item, &b);
	free(copy);
	return 0;
}
