/*
 * slab.c - fixed-size objects from large chunks (see slab.h).
 */
#include "slab.h"

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

/* At most about 64 KiB a chunk: below glibc's mmap threshold, so chunks
 * come from the heap, and large enough that chunks are few (16 per MiB). */
#define SLAB_CHUNK_BYTES (64 * 1024)

#define NO_INDEX UINT32_MAX

void
slab_init(struct slab *s, size_t size)
{
	memset(s, 0, sizeof(*s));
	if (size < sizeof(void *))
		size = sizeof(void *);
	s->size = (size + 7) & ~(size_t)7;
	/* The largest power of two of objects that fits a chunk. */
	s->shift = 0;
	while (((size_t)2 << s->shift) * s->size <= SLAB_CHUNK_BYTES && s->shift < 16)
		s->shift++;
	s->free_idx = NO_INDEX;
}

static size_t
chunk_bytes(const struct slab *s)
{
	return ((size_t)1 << s->shift) * s->size;
}

/* A never-used object from the newest chunk (or a new one), or NULL. */
static void *
carve(struct slab *s, uint32_t *idx)
{
	uint32_t per_chunk = UINT32_C(1) << s->shift;
	void *obj;

	if (s->carved == NO_INDEX)
		return NULL; /* four billion objects */
	if (s->carved == s->nchunks * per_chunk) {
		unsigned char *c;

		if (s->nchunks == s->chunks_cap) {
			uint32_t cap = s->chunks_cap ? s->chunks_cap * 2 : 16;
			unsigned char **v = realloc(s->chunks, cap * sizeof(*v));

			if (v == NULL)
				return NULL;
			s->chunks = v;
			s->chunks_cap = cap;
		}
		c = malloc(chunk_bytes(s));
		if (c == NULL)
			return NULL;
		SLAB_POISON(c, chunk_bytes(s));
		s->chunks[s->nchunks++] = c;
	}
	*idx = s->carved++;
	obj = slab_at(s, *idx);
	SLAB_UNPOISON(obj, s->size);
	return obj;
}

void *
slab_alloc(struct slab *s)
{
	uint32_t idx;
	void *obj;

	if (s->free_ptr != NULL) {
		obj = s->free_ptr;
		SLAB_UNPOISON(obj, s->size);
		memcpy(&s->free_ptr, obj, sizeof(void *));
	} else if ((obj = carve(s, &idx)) == NULL) {
		return NULL;
	}
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
	memcpy(obj, &s->free_ptr, sizeof(void *));
	s->free_ptr = obj;
	/* The link stays readable for slab_alloc; the rest is off limits. */
	if (s->size > sizeof(void *))
		SLAB_POISON((unsigned char *)obj + sizeof(void *), s->size - sizeof(void *));
	s->in_use--;
}

void *
slab_alloc_idx(struct slab *s, uint32_t *idx)
{
	void *obj;

	if (s->free_idx != NO_INDEX) {
		*idx = s->free_idx;
		obj = slab_at(s, *idx);
		SLAB_UNPOISON(obj, s->size);
		memcpy(&s->free_idx, obj, sizeof(s->free_idx));
	} else if ((obj = carve(s, idx)) == NULL) {
		return NULL;
	}
	memset(obj, 0, s->size);
	s->in_use++;
	return obj;
}

void
slab_free_idx(struct slab *s, uint32_t idx)
{
	unsigned char *obj = slab_at(s, idx);

	memcpy(obj, &s->free_idx, sizeof(s->free_idx));
	s->free_idx = idx;
	SLAB_POISON(obj + sizeof(s->free_idx), s->size - sizeof(s->free_idx));
	s->in_use--;
}

void
slab_fini(struct slab *s)
{
	for (uint32_t i = 0; i < s->nchunks; i++) {
		SLAB_UNPOISON(s->chunks[i], chunk_bytes(s));
		free(s->chunks[i]);
	}
	free(s->chunks);
	slab_init(s, s->size);
}

size_t
slab_in_use(const struct slab *s)
{
	return s->in_use;
}

size_t
slab_bytes(const struct slab *s)
{
	return s->nchunks * chunk_bytes(s) + s->chunks_cap * sizeof(*s->chunks);
}
