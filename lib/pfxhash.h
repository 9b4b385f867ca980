/*
 * pfxhash.h - objects indexed by the prefix they carry, for exact lookups.
 *
 * A routing table mostly asks "what do we hold for exactly this prefix":
 * every received route, every withdrawal, every FIB change.  A radix tree
 * answers that in one dependent memory access per level and costs about
 * two 48-byte nodes a route; this open-addressing table answers in one or
 * two probes and costs about 13 bytes a route (an 8-byte slot and a 1-byte
 * tag, between 53 % and 80 % full).  What a trie does and a hash cannot,
 * ordered and longest-match walks, is done here by sorting a snapshot
 * (pfxhash_sorted), which suits the rare callers (show commands, a new
 * peer's full table, shutdown).
 *
 * Each stored object holds its own key: a normalised struct prefix
 * (prefix_normalize) at byte offset key_offset, which must not change while
 * the object is stored.  Keys are compared as bytes, so they must be
 * normalised, and so must every prefix handed to a lookup.
 *
 * Ownership: the table stores pointers and never frees what they point to.
 * Concurrency: none.
 */
#ifndef SKYGATE_PFXHASH_H
#define SKYGATE_PFXHASH_H

#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct pfxhash {
	void **slots;      /* NULL: empty */
	uint8_t *tags;     /* a byte of each slot's hash, never 0 when used */
	size_t cap;        /* slots, or 0 */
	size_t count;
	size_t key_offset; /* where the struct prefix sits in each object */
};

/* An empty table for objects whose key lies at key_offset. */
void pfxhash_init(struct pfxhash *h, size_t key_offset);

/* Free the table (not the objects). */
void pfxhash_fini(struct pfxhash *h);

/* The object stored under p (normalised), or NULL. */
void *pfxhash_find(const struct pfxhash *h, const struct prefix *p);

/* Store obj, whose key must not be stored yet.  Returns 0, or -1 out of
 * memory (the table is then unchanged). */
int pfxhash_insert(struct pfxhash *h, void *obj);

/* Remove and return the object stored under p (normalised), or NULL. */
void *pfxhash_remove(struct pfxhash *h, const struct prefix *p);

static inline size_t
pfxhash_count(const struct pfxhash *h)
{
	return h->count;
}

/*
 * Every stored object, in no particular order: start with *pos = 0 and
 * call until it returns NULL.  The table must not change meanwhile.
 */
void *pfxhash_next(const struct pfxhash *h, size_t *pos);

/*
 * A snapshot of the objects whose key is of `family` (0: every family),
 * sorted in prefix_cmp() order, in a malloc'd array the caller frees.
 * Returns the count (and *out NULL when 0), or -1 out of memory.
 */
long pfxhash_sorted(const struct pfxhash *h, int family, void ***out);

/* Bytes the table itself holds, for memory figures. */
size_t pfxhash_bytes(const struct pfxhash *h);

#endif /* SKYGATE_PFXHASH_H */
