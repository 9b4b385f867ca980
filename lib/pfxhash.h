/*
 * pfxhash.h - objects indexed by the prefix they carry, for exact lookups.
 *
 * A routing table mostly asks "what do we hold for exactly this prefix":
 * every received route, every withdrawal, every FIB change.  A radix tree
 * answers that in one dependent memory access per level and costs about
 * two 48-byte nodes a route; this open-addressing table answers in one or
 * two probes and costs about 7.5 bytes a route (a 4-byte slot and a 1-byte
 * tag, between 53 % and 80 % full).  What a trie does and a hash cannot,
 * ordered and longest-match walks, is done here by sorting a snapshot
 * (pfxhash_sorted), which suits the rare callers (show commands, a new
 * peer's full table, shutdown).
 *
 * The table stores 32-bit handles, not pointers: an object's number in a
 * slab (lib/slab.h, index mode) or in an array.  The owner's key function
 * gives the prefix of a handle: a normalised struct prefix
 * (prefix_normalize) that must not change while the handle is stored.
 * Keys are compared as bytes, so every prefix handed to a lookup must be
 * normalised too.
 *
 * Ownership: the table stores handles and never frees what they name.
 * Concurrency: none.
 */
#ifndef SKYGATE_PFXHASH_H
#define SKYGATE_PFXHASH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

/* No handle: a lookup that found nothing, the end of an iteration. */
#define PFXHASH_NONE UINT32_MAX

/* The key of handle h; ctx is what pfxhash_init() was given. */
typedef const struct prefix *(*pfxhash_key_fn)(const void *ctx, uint32_t h);

struct pfxhash {
	uint32_t *slots;   /* handle + 1; 0: empty */
	uint8_t *tags;     /* a byte of each slot's hash, never 0 when used */
	size_t cap;        /* slots, or 0 */
	size_t count;
	pfxhash_key_fn key;
	const void *ctx;
	uint64_t seed;     /* this table's own hash function (see pfxhash.c) */
};

/* An empty table whose handles' keys key(ctx, handle) gives. */
void pfxhash_init(struct pfxhash *h, pfxhash_key_fn key, const void *ctx);

/* Free the table (not what the handles name). */
void pfxhash_fini(struct pfxhash *h);

/* The handle stored under p (normalised), or PFXHASH_NONE. */
uint32_t pfxhash_find(const struct pfxhash *h, const struct prefix *p);

/* Store handle (< PFXHASH_NONE), whose key must not be stored yet.
 * Returns 0, or -1 out of memory (the table is then unchanged). */
int pfxhash_insert(struct pfxhash *h, uint32_t handle);

/*
 * The handle stored under p (normalised); when there is none, the handle
 * make(arg) returns is stored there and returned, *made set, with one
 * probe for the lookup and the insertion.  make's handle must have key p.
 * PFXHASH_NONE when make fails (it returns PFXHASH_NONE) or memory runs
 * out; nothing is stored then.
 */
uint32_t pfxhash_find_or_insert(struct pfxhash *h, const struct prefix *p,
				uint32_t (*make)(void *arg), void *arg, bool *made);

/* Remove and return the handle stored under p (normalised), or
 * PFXHASH_NONE. */
uint32_t pfxhash_remove(struct pfxhash *h, const struct prefix *p);

static inline size_t
pfxhash_count(const struct pfxhash *h)
{
	return h->count;
}

/*
 * Every stored handle, in no particular order: start with *pos = 0 and
 * call until it returns PFXHASH_NONE.  The table must not change meanwhile.
 */
uint32_t pfxhash_next(const struct pfxhash *h, size_t *pos);

/*
 * A snapshot of the handles whose key is of `family` (0: every family),
 * sorted in prefix_cmp() order of their keys, in a malloc'd array the
 * caller frees.  Returns the count (and *out NULL when 0), or -1 out of
 * memory.
 */
long pfxhash_sorted(const struct pfxhash *h, int family, uint32_t **out);

/* The longest run of occupied slots: what a miss may have to look at.
 * Costs a pass over the table; for tests and diagnosis. */
size_t pfxhash_max_run(const struct pfxhash *h);

/* Bytes the table itself holds, for memory figures. */
size_t pfxhash_bytes(const struct pfxhash *h);

#endif /* SKYGATE_PFXHASH_H */
