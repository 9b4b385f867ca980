/*
 * slab.h - a pool of fixed-size objects, carved from large chunks.
 *
 * A full BGP table is millions of small objects of a few sizes (RIB
 * destinations, paths, FIB records).  One malloc() each costs glibc's
 * per-chunk header and rounding (a 48-byte object takes 64 bytes of heap)
 * and a call into the allocator per route; a slab hands out exactly
 * `size` bytes (rounded up to 8) from chunks of about 64 KiB and keeps
 * freed objects on a list for reuse.
 *
 * Every object also has a number, its index: chunks hold a power of two of
 * objects each, so slab_at() finds an object from its index with a shift
 * and a multiply.  A 32-bit index stands in for an 8-byte pointer where
 * millions are stored (lib/pfxhash.h), and indexes are dense, so arrays
 * can be indexed by them.  A slab is used either by pointer (slab_alloc,
 * slab_free) or by index (slab_alloc_idx, slab_free_idx), not both: the
 * free list is kept in the form that mode needs.
 *
 * Memory goes back to the system only in slab_fini(): a table that shrank
 * keeps its chunks for the next one, as malloc's arenas would too.
 *
 * Ownership: the slab owns its chunks; an object belongs to the slab it
 * came from and is returned to it (or all at once by slab_fini()).  Under
 * AddressSanitizer free objects are poisoned, so a use after free is still
 * reported.
 *
 * Concurrency: none; one thread per slab.
 */
#ifndef SKYGATE_SLAB_H
#define SKYGATE_SLAB_H

#include <stddef.h>
#include <stdint.h>

struct slab {
	size_t size;          /* object size, a multiple of 8 */
	unsigned shift;       /* objects per chunk: 1 << shift */
	unsigned char **chunks;
	uint32_t nchunks, chunks_cap;
	uint32_t carved;      /* objects ever handed out: the next new index */
	void *free_ptr;       /* pointer mode: freed objects, linked */
	uint32_t free_idx;    /* index mode: the first freed object, or UINT32_MAX */
	size_t in_use;
};

/* Prepare a slab of objects of `size` bytes (at least 1).  Allocates
 * nothing yet. */
void slab_init(struct slab *s, size_t size);

/* Pointer mode: one object of s->size bytes, uninitialised (slab_zalloc:
 * zeroed); NULL out of memory. */
void *slab_alloc(struct slab *s);
void *slab_zalloc(struct slab *s);

/* Pointer mode: give back an object that came from s.  obj may be NULL. */
void slab_free(struct slab *s, void *obj);

/* Index mode: a zeroed object, its index in *idx; NULL out of memory. */
void *slab_alloc_idx(struct slab *s, uint32_t *idx);

/* Index mode: give back object idx. */
void slab_free_idx(struct slab *s, uint32_t idx);

/* The object with index idx (< slab_index_limit()). */
static inline void *
slab_at(const struct slab *s, uint32_t idx)
{
	return s->chunks[idx >> s->shift] + (size_t)(idx & ((UINT32_C(1) << s->shift) - 1)) * s->size;
}

/* One more than the highest index ever handed out. */
static inline uint32_t
slab_index_limit(const struct slab *s)
{
	return s->carved;
}

/* Free every chunk, and with them every object still in use. */
void slab_fini(struct slab *s);

/* Objects handed out and not freed. */
size_t slab_in_use(const struct slab *s);

/* Bytes of chunks held, for memory figures. */
size_t slab_bytes(const struct slab *s);

#endif /* SKYGATE_SLAB_H */
