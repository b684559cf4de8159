/*
 * strmap.c: string keys to indices, open addressing with linear probing,
 * kept at most half full so that a probe ends soon.  FNV-1a is enough:
 * the keys come from the config, which only its owner (root, usually)
 * writes, so nobody hostile chooses them to collide.
 */
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

static uint64_t
hash(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s != '\0'; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* The slot of key, or the empty one where it would go. */
static struct strmap_slot *
find(const struct strmap *m, const char *key, uint64_t h)
{
	size_t i = (size_t)h & (m->cap - 1);
	struct strmap_slot *s;

	for (;; i = (i + 1) & (m->cap - 1)) {
		s = &m->slots[i];
		if (s->key == NULL || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

static int
grow(struct strmap *m)
{
	struct strmap old = *m;
	struct strmap_slot *s;
	size_t i;

	m->cap = old.cap ? old.cap * 2 : 16;
	if ((m->slots = calloc(m->cap, sizeof(*m->slots))) == NULL) {
		*m = old;
		return -1;
	}
	for (i = 0; i < old.cap; i++) {
		if (old.slots[i].key == NULL)
			continue;
		s = find(m, old.slots[i].key, old.slots[i].hash);
		*s = old.slots[i];
	}
	free(old.slots);
	return 0;
}

int
strmap_put(struct strmap *m, const char *key, size_t value, size_t *old)
{
	struct strmap_slot *s;
	uint64_t h = hash(key);

	if ((m->len + 1) * 2 > m->cap && grow(m) == -1)
		return -1;
	s = find(m, key, h);
	if (s->key != NULL) {
		if (old != NULL)
			*old = s->value;
		return 1;
	}
	if ((s->key = strdup(key)) == NULL)
		return -1;
	s->hash = h;
	s->value = value;
	m->len++;
	return 0;
}

bool
strmap_get(const struct strmap *m, const char *key, size_t *value)
{
	const struct strmap_slot *s;

	if (m->cap == 0)
		return false;
	s = find(m, key, hash(key));
	if (s->key == NULL)
		return false;
	*value = s->value;
	return true;
}

void
strmap_free(struct strmap *m)
{
	size_t i;

	for (i = 0; i < m->cap; i++)
		free(m->slots[i].key);
	free(m->slots);
	memset(m, 0, sizeof(*m));
}
