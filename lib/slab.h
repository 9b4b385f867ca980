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
 * Memory goes back to the system only in slab_fini(): a table that shrank
 * keeps its chunks for the next one, as malloc's arenas would too.
 *
 * Ownership: the slab owns its chunks; an object belongs to the slab it
 * came from and is returned with slab_free() (or all at once by
 * slab_fini()).  Under AddressSanitizer free objects are poisoned, so a
 * use after slab_free() is still reported.
 *
 * Concurrency: none; one thread per slab.
 */
#ifndef SKYGATE_SLAB_H
#define SKYGATE_SLAB_H

#include <stddef.h>

struct slab_chunk;

struct slab {
	size_t size;              /* object size, a multiple of 8 */
	size_t per_chunk;         /* objects in one chunk */
	void *free_list;          /* freed objects, linked through their first word */
	struct slab_chunk *chunks;
	size_t carved;            /* objects handed out of the newest chunk */
	size_t in_use;
	size_t nchunks;
};

/* Prepare a slab of objects of `size` bytes (at least 1).  Allocates
 * nothing yet. */
void slab_init(struct slab *s, size_t size);

/* One object of s->size bytes, uninitialised; NULL out of memory. */
void *slab_alloc(struct slab *s);

/* Same, zeroed. */
void *slab_zalloc(struct slab *s);

/* Give back an object that came from s.  obj may be NULL. */
void slab_free(struct slab *s, void *obj);

/* Free every chunk, and with them every object still in use. */
void slab_fini(struct slab *s);

/* Objects handed out and not freed. */
size_t slab_in_use(const struct slab *s);

/* Bytes of chunks held, for memory figures. */
size_t slab_bytes(const struct slab *s);

#endif /* SKYGATE_SLAB_H */
