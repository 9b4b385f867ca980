/*
 * pfxhash.c - open addressing with linear probing over prefixes (see
 * pfxhash.h).
 *
 * Each slot has a one-byte tag taken from its hash beside it, so a probe
 * that meets another prefix is nearly always rejected without touching the
 * object (a cache miss); deletion shifts the following entries back (no
 * tombstones), so probe runs stay as short as the load allows.
 */
#include "pfxhash.h"

#include <stdlib.h>
#include <string.h>

/*
 * At most four fifths full, growing by half: the table is then between 53 %
 * and 80 % full (about 13 bytes an object), where doubling a power-of-two
 * table would leave it between 37 % and 75 % (about 16), and a million
 * routes would sit in 2^21 slots.  Linear probing at 80 % looks at 3 slots
 * for a hit and 13 for a miss, but a miss compares only tags, which are
 * contiguous bytes.  The home slot is the hash scaled to the capacity
 * (Lemire's multiply-shift), so any capacity works.
 */
#define PFXHASH_MIN_CAP 64
#define PFXHASH_MAX_CAP UINT32_MAX

static inline const struct prefix *
key_of(const struct pfxhash *h, const void *obj)
{
	return (const struct prefix *)((const unsigned char *)obj + h->key_offset);
}

static inline uint64_t
mix64(uint64_t x)
{
	/* The finaliser of SplitMix64: every input bit reaches every output
	 * bit, so prefixes differing only in a few bits spread out. */
	x ^= x >> 30;
	x *= UINT64_C(0xbf58476d1ce4e5b9);
	x ^= x >> 27;
	x *= UINT64_C(0x94d049bb133111eb);
	x ^= x >> 31;
	return x;
}

static inline uint64_t
hash_prefix(const struct prefix *p)
{
	uint64_t a, b;

	memcpy(&a, p->addr, 8);
	memcpy(&b, p->addr + 8, 8);
	return mix64(a ^ mix64(b ^ ((uint64_t)p->len << 8 | p->family)));
}

static inline uint8_t
tag_of(uint64_t hash)
{
	return (uint8_t)hash | 1;
}

static inline size_t
home_of(uint64_t hash, size_t cap)
{
	return (size_t)(((hash >> 32) * (uint64_t)cap) >> 32);
}

static inline size_t
next_slot(size_t i, size_t cap)
{
	return i + 1 == cap ? 0 : i + 1;
}

/* Steps from slot a forward to slot b, wrapping around. */
static inline size_t
distance(size_t a, size_t b, size_t cap)
{
	return b >= a ? b - a : b + cap - a;
}

static inline int
key_equal(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

void
pfxhash_init(struct pfxhash *h, size_t key_offset)
{
	memset(h, 0, sizeof(*h));
	h->key_offset = key_offset;
}

void
pfxhash_fini(struct pfxhash *h)
{
	free(h->slots);
	free(h->tags);
	h->slots = NULL;
	h->tags = NULL;
	h->cap = 0;
	h->count = 0;
}

/* The slot holding p, or the empty slot ending its run. */
static size_t
probe(const struct pfxhash *h, const struct prefix *p, uint64_t hash, int *found)
{
	size_t i = home_of(hash, h->cap);
	uint8_t tag = tag_of(hash);

	for (;; i = next_slot(i, h->cap)) {
		if (h->slots[i] == NULL) {
			*found = 0;
			return i;
		}
		if (h->tags[i] == tag && key_equal(key_of(h, h->slots[i]), p)) {
			*found = 1;
			return i;
		}
	}
}

void *
pfxhash_find(const struct pfxhash *h, const struct prefix *p)
{
	int found;
	size_t i;

	if (h->count == 0)
		return NULL;
	i = probe(h, p, hash_prefix(p), &found);
	return found ? h->slots[i] : NULL;
}

static int
grow(struct pfxhash *h)
{
	size_t cap = h->cap ? h->cap + h->cap / 2 : PFXHASH_MIN_CAP;
	void **slots = calloc(cap, sizeof(*slots));
	uint8_t *tags = malloc(cap);

	if (h->cap >= PFXHASH_MAX_CAP / 2 || slots == NULL || tags == NULL) {
		free(slots);
		free(tags);
		return -1;
	}
	for (size_t i = 0; i < h->cap; i++) {
		void *obj = h->slots[i];
		uint64_t hash;
		size_t k;

		if (obj == NULL)
			continue;
		hash = hash_prefix(key_of(h, obj));
		for (k = home_of(hash, cap); slots[k] != NULL; k = next_slot(k, cap))
			;
		slots[k] = obj;
		tags[k] = tag_of(hash);
	}
	free(h->slots);
	free(h->tags);
	h->slots = slots;
	h->tags = tags;
	h->cap = cap;
	return 0;
}

int
pfxhash_insert(struct pfxhash *h, void *obj)
{
	const struct prefix *p = key_of(h, obj);
	uint64_t hash = hash_prefix(p);
	int found;
	size_t i;

	if ((h->count + 1) * 5 > h->cap * 4 && grow(h) != 0)
		return -1;
	i = probe(h, p, hash, &found);
	if (found) {
		h->slots[i] = obj;
		return 0;
	}
	h->slots[i] = obj;
	h->tags[i] = tag_of(hash);
	h->count++;
	return 0;
}

void *
pfxhash_remove(struct pfxhash *h, const struct prefix *p)
{
	size_t i, j;
	void *obj;
	int found;

	if (h->count == 0)
		return NULL;
	i = probe(h, p, hash_prefix(p), &found);
	if (!found)
		return NULL;
	obj = h->slots[i];
	h->slots[i] = NULL;
	h->count--;
	/* Backward shift: move later members of the run into the hole when
	 * their home slot does not lie (cyclically) between hole and them. */
	for (j = next_slot(i, h->cap); h->slots[j] != NULL; j = next_slot(j, h->cap)) {
		size_t home = home_of(hash_prefix(key_of(h, h->slots[j])), h->cap);

		if (distance(home, j, h->cap) >= distance(i, j, h->cap)) {
			h->slots[i] = h->slots[j];
			h->tags[i] = h->tags[j];
			h->slots[j] = NULL;
			i = j;
		}
	}
	return obj;
}

void *
pfxhash_next(const struct pfxhash *h, size_t *pos)
{
	while (*pos < h->cap) {
		void *obj = h->slots[(*pos)++];

		if (obj != NULL)
			return obj;
	}
	return NULL;
}

static int
cmp_keys(const void *a, const void *b, void *arg)
{
	const struct pfxhash *h = arg;

	return prefix_cmp(key_of(h, *(void *const *)a), key_of(h, *(void *const *)b));
}

long
pfxhash_sorted(const struct pfxhash *h, int family, void ***out)
{
	size_t n = 0;
	void **list;

	*out = NULL;
	if (h->count == 0)
		return 0;
	list = malloc(h->count * sizeof(*list));
	if (list == NULL)
		return -1;
	for (size_t i = 0; i < h->cap; i++) {
		void *obj = h->slots[i];

		if (obj != NULL && (family == 0 || key_of(h, obj)->family == family))
			list[n++] = obj;
	}
	if (n == 0) {
		free(list);
		return 0;
	}
	qsort_r(list, n, sizeof(*list), cmp_keys, (void *)h);
	*out = list;
	return (long)n;
}

size_t
pfxhash_bytes(const struct pfxhash *h)
{
	return h->cap * (sizeof(void *) + 1);
}
