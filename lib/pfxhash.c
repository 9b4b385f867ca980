/*
 * pfxhash.c - open addressing with linear probing over prefixes (see
 * pfxhash.h).
 *
 * Each slot has a one-byte tag taken from its hash beside it, so a probe
 * that meets another prefix is nearly always rejected without looking up
 * its key (a cache miss); deletion shifts the following entries back (no
 * tombstones), so probe runs stay as short as the load allows.
 */
#include "pfxhash.h"

#include <endian.h>
#include <stdbool.h>
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
key_of(const struct pfxhash *h, uint32_t slot_value)
{
	return h->key(h->ctx, slot_value - 1);
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

/*
 * Each table hashes with a seed of its own.  Walking one table yields its
 * keys in the order of their home slots, that is of their hashes; were the
 * hashes the same everywhere, inserting that sequence into a second, smaller
 * table (a RIB's prefixes into the FIB's queue of requests in flight) would
 * pile every key onto a few neighbouring slots there, and each insertion and
 * removal would walk one ever-growing run.
 */
static inline uint64_t
hash_prefix(const struct pfxhash *h, const struct prefix *p)
{
	uint64_t a, b;

	memcpy(&a, p->addr, 8);
	memcpy(&b, p->addr + 8, 8);
	return mix64(a ^ mix64(b ^ h->seed ^ ((uint64_t)p->len << 8 | p->family)));
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
pfxhash_init(struct pfxhash *h, pfxhash_key_fn key, const void *ctx)
{
	static uint64_t tables;

	memset(h, 0, sizeof(*h));
	h->key = key;
	h->ctx = ctx;
	/* Distinct per table, and the same from run to run. */
	h->seed = mix64(++tables * UINT64_C(0x9e3779b97f4a7c15));
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
		if (h->slots[i] == 0) {
			*found = 0;
			return i;
		}
		if (h->tags[i] == tag && key_equal(key_of(h, h->slots[i]), p)) {
			*found = 1;
			return i;
		}
	}
}

uint32_t
pfxhash_find(const struct pfxhash *h, const struct prefix *p)
{
	int found;
	size_t i;

	if (h->count == 0)
		return PFXHASH_NONE;
	i = probe(h, p, hash_prefix(h, p), &found);
	return found ? h->slots[i] - 1 : PFXHASH_NONE;
}

static int
grow(struct pfxhash *h)
{
	size_t cap = h->cap ? h->cap + h->cap / 2 : PFXHASH_MIN_CAP;
	uint32_t *slots = calloc(cap, sizeof(*slots));
	uint8_t *tags = malloc(cap);

	if (h->cap >= PFXHASH_MAX_CAP / 2 || slots == NULL || tags == NULL) {
		free(slots);
		free(tags);
		return -1;
	}
	for (size_t i = 0; i < h->cap; i++) {
		uint32_t v = h->slots[i];
		uint64_t hash;
		size_t k;

		if (v == 0)
			continue;
		hash = hash_prefix(h, key_of(h, v));
		for (k = home_of(hash, cap); slots[k] != 0; k = next_slot(k, cap))
			;
		slots[k] = v;
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
pfxhash_insert(struct pfxhash *h, uint32_t handle)
{
	const struct prefix *p;
	uint64_t hash;
	int found;
	size_t i;

	if (handle == PFXHASH_NONE)
		return -1;
	p = h->key(h->ctx, handle);
	hash = hash_prefix(h, p);
	if ((h->count + 1) * 5 > h->cap * 4 && grow(h) != 0)
		return -1;
	i = probe(h, p, hash, &found);
	if (found) {
		h->slots[i] = handle + 1;
		return 0;
	}
	h->slots[i] = handle + 1;
	h->tags[i] = tag_of(hash);
	h->count++;
	return 0;
}

uint32_t
pfxhash_find_or_insert(struct pfxhash *h, const struct prefix *p, uint32_t (*make)(void *arg),
		       void *arg, bool *made)
{
	uint64_t hash = hash_prefix(h, p);
	uint32_t handle;
	int found;
	size_t i;

	*made = false;
	/* Room first: growing after the probe would move the slot found. */
	if ((h->count + 1) * 5 > h->cap * 4 && grow(h) != 0)
		return h->count > 0 ? pfxhash_find(h, p) : PFXHASH_NONE;
	i = probe(h, p, hash, &found);
	if (found)
		return h->slots[i] - 1;
	handle = make(arg);
	if (handle == PFXHASH_NONE)
		return PFXHASH_NONE;
	h->slots[i] = handle + 1;
	h->tags[i] = tag_of(hash);
	h->count++;
	*made = true;
	return handle;
}

uint32_t
pfxhash_remove(struct pfxhash *h, const struct prefix *p)
{
	size_t i, j;
	uint32_t v;
	int found;

	if (h->count == 0)
		return PFXHASH_NONE;
	i = probe(h, p, hash_prefix(h, p), &found);
	if (!found)
		return PFXHASH_NONE;
	v = h->slots[i];
	h->slots[i] = 0;
	h->count--;
	/* Backward shift: move later members of the run into the hole when
	 * their home slot does not lie (cyclically) between hole and them. */
	for (j = next_slot(i, h->cap); h->slots[j] != 0; j = next_slot(j, h->cap)) {
		size_t home = home_of(hash_prefix(h, key_of(h, h->slots[j])), h->cap);

		if (distance(home, j, h->cap) >= distance(i, j, h->cap)) {
			h->slots[i] = h->slots[j];
			h->tags[i] = h->tags[j];
			h->slots[j] = 0;
			i = j;
		}
	}
	return v - 1;
}

uint32_t
pfxhash_next(const struct pfxhash *h, size_t *pos)
{
	while (*pos < h->cap) {
		uint32_t v = h->slots[(*pos)++];

		if (v != 0)
			return v - 1;
	}
	return PFXHASH_NONE;
}

/* A key laid out for sorting: comparing these compares prefixes as
 * prefix_cmp() does (family, address bytes, length), without a call per
 * comparison to find each key.  24 bytes a handle while a sort runs. */
struct sort_key {
	uint64_t hi, lo; /* the address as two big-endian words, in host order */
	uint16_t famlen; /* family, then length */
	uint32_t handle;
};

static int
cmp_sort_keys(const void *a, const void *b)
{
	const struct sort_key *x = a, *y = b;

	if (x->famlen >> 8 != y->famlen >> 8)
		return (x->famlen >> 8) < (y->famlen >> 8) ? -1 : 1;
	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return (x->famlen & 0xff) < (y->famlen & 0xff) ? -1 : (x->famlen & 0xff) > (y->famlen & 0xff);
}

long
pfxhash_sorted(const struct pfxhash *h, int family, uint32_t **out)
{
	struct sort_key *keys;
	uint32_t *list;
	size_t n = 0;

	*out = NULL;
	if (h->count == 0)
		return 0;
	keys = malloc(h->count * sizeof(*keys));
	list = malloc(h->count * sizeof(*list));
	if (keys == NULL || list == NULL) {
		free(keys);
		free(list);
		return -1;
	}
	for (size_t i = 0; i < h->cap; i++) {
		uint32_t v = h->slots[i];
		const struct prefix *p;
		uint64_t hi, lo;

		if (v == 0)
			continue;
		p = key_of(h, v);
		if (family != 0 && p->family != family)
			continue;
		memcpy(&hi, p->addr, 8);
		memcpy(&lo, p->addr + 8, 8);
		keys[n].hi = be64toh(hi);
		keys[n].lo = be64toh(lo);
		keys[n].famlen = (uint16_t)(p->family << 8 | p->len);
		keys[n].handle = v - 1;
		n++;
	}
	if (n > 0) {
		qsort(keys, n, sizeof(*keys), cmp_sort_keys);
		for (size_t i = 0; i < n; i++)
			list[i] = keys[i].handle;
		*out = list;
	} else {
		free(list);
	}
	free(keys);
	return (long)n;
}

size_t
pfxhash_max_run(const struct pfxhash *h)
{
	size_t best = 0, run = 0, first = 0;
	bool wrapped_start = true;

	for (size_t i = 0; i < h->cap; i++) {
		if (h->slots[i] != 0) {
			run++;
			continue;
		}
		if (wrapped_start)
			first = run; /* joins the run at the end of the table */
		wrapped_start = false;
		if (run > best)
			best = run;
		run = 0;
	}
	/* A run at the end continues at slot 0. */
	if (run + first > best)
		best = run + first;
	return best;
}

size_t
pfxhash_bytes(const struct pfxhash *h)
{
	return h->cap * (sizeof(*h->slots) + 1);
}
