/*
 * strmap.h: a map from strings to indices (strmap.c), for the lookups by
 * name that must not be linear: worker names and included files while a
 * config loads, instances while a reload matches old workers to new.
 * Pure: no I/O.
 */
#ifndef SUPERVISE_STRMAP_H
#define SUPERVISE_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap_slot {
	char *key;		/* owned; NULL: empty */
	uint64_t hash;
	size_t value;
};

/* Zeroed is empty.  Keys are copied; nothing is ever removed. */
struct strmap {
	struct strmap_slot *slots;
	size_t cap, len;	/* cap: 0 or a power of two */
};

/*
 * Add key -> value unless key is there: 0 added, 1 there already (*old
 * set to its value if old is not NULL, the value kept), -1 out of memory.
 */
int strmap_put(struct strmap *m, const char *key, size_t value,
    size_t *old);
/* true with *value set if key is there. */
bool strmap_get(const struct strmap *m, const char *key, size_t *value);
void strmap_free(struct strmap *m);

#endif
