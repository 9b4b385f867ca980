/*
 * slab.c - fixed-size objects from large chunks (see slab.h).
 */
#include "slab.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define SLAB_POISON(p, n)   ASAN_POISON_MEMORY_REGION((p), (n))
#define SLAB_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define SLAB_POISON(p, n)   ((void)(p), (void)(n))
#define SLAB_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

/* About 64 KiB a chunk: below glibc's mmap threshold, so chunks come from
 * the heap, and large enough that the chunk list is short (16 chunks per
 * MiB). */
#define SLAB_CHUNK_BYTES (64 * 1024)

struct slab_chunk {
	struct slab_chunk *next;
	uint64_t pad; /* keeps the objects 16-byte aligned */
	unsigned char objs[];
};

void
slab_init(struct slab *s, size_t size)
{
	memset(s, 0, sizeof(*s));
	if (size < sizeof(void *))
		size = sizeof(void *);
	s->size = (size + 7) & ~(size_t)7;
	s->per_chunk = (SLAB_CHUNK_BYTES - sizeof(struct slab_chunk)) / s->size;
	if (s->per_chunk == 0)
		s->per_chunk = 1;
	s->carved = s->per_chunk; /* no chunk yet: the first alloc makes one */
}

void *
slab_alloc(struct slab *s)
{
	void *obj;

	if (s->free_list != NULL) {
		obj = s->free_list;
		SLAB_UNPOISON(obj, s->size);
		memcpy(&s->free_list, obj, sizeof(void *));
		s->in_use++;
		return obj;
	}
	if (s->carved == s->per_chunk) {
		struct slab_chunk *c = malloc(sizeof(*c) + s->per_chunk * s->size);

		if (c == NULL)
			return NULL;
		c->next = s->chunks;
		s->chunks = c;
		s->carved = 0;
		s->nchunks++;
		SLAB_POISON(c->objs, s->per_chunk * s->size);
	}
	obj = s->chunks->objs + s->carved * s->size;
	s->carved++;
	SLAB_UNPOISON(obj, s->size);
	s->in_use++;
	return obj;
}

void *
slab_zalloc(struct slab *s)
{
	void *obj = slab_alloc(s);

	if (obj != NULL)
		memset(obj, 0, s->size);
	return obj;
}

void
slab_free(struct slab *s, void *obj)
{
	if (obj == NULL)
		return;
	memcpy(obj, &s->free_list, sizeof(void *));
	s->free_list = obj;
	/* The link stays readable for slab_alloc; the rest is off limits. */
	if (s->size > sizeof(void *))
		SLAB_POISON((unsigned char *)obj + sizeof(void *), s->size - sizeof(void *));
	s->in_use--;
}

void
slab_fini(struct slab *s)
{
	while (s->chunks != NULL) {
		struct slab_chunk *c = s->chunks;

		s->chunks = c->next;
		SLAB_UNPOISON(c->objs, s->per_chunk * s->size);
		free(c);
	}
	s->free_list = NULL;
	s->in_use = 0;
	s->nchunks = 0;
	s->carved = s->per_chunk;
}

size_t
slab_in_use(const struct slab *s)
{
	return s->in_use;
}

size_t
slab_bytes(const struct slab *s)
{
	return s->nchunks * (sizeof(struct slab_chunk) + s->per_chunk * s->size);
}
