/*
 * The deterministic mutator of the standalone (-DFUZZ_STANDALONE) builds,
 * and the loop that runs a harness's seeds and their mutations. Included
 * inside a harness's FUZZ_STANDALONE part, after fuzz_check.h and after
 * the harness defines:
 *   FUZZ_SEED_MAX      bytes in one built-in seed
 *   FUZZ_SEEDS_MAX     how many seeds make_seeds() may write
 *   FUZZ_INPUT_MAX     the longest input: a file to replay, or a seed mutated
 * and before its make_seeds() (declared here), which may use
 * fuzz_seed_add(). fuzz_standalone.h, included last, calls the harness's
 * run_mutations(); most are one call of fuzz_run_mutations() with the
 * harness's struct fuzz_mutator.
 *
 * A run is a fixed sequence for a given seed (xorshift64), so a failure
 * the mutator finds can be repeated with --mutate N SEED. It is no
 * substitute for coverage-guided fuzzing, but needs only a C11 compiler.
 */
#ifndef SKYGATE_FUZZ_MUTATE_H
#define SKYGATE_FUZZ_MUTATE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

struct seed {
	uint8_t bytes[FUZZ_SEED_MAX];
	size_t len;
};

/* Writes at most FUZZ_SEEDS_MAX seeds; returns how many. */
static size_t make_seeds(struct seed *seeds);

/* Appends a seed: the first byte (the harness's settings or mode), then
 * the body. Aborts when the list or the seed is full: seeds are built in,
 * so that is a bug of the harness. */
static inline void fuzz_seed_add(struct seed *seeds, size_t *n, uint8_t first, const uint8_t *body,
                                 size_t len)
{
	if (*n >= FUZZ_SEEDS_MAX || len + 1 > sizeof(seeds[*n].bytes))
		abort();
	seeds[*n].bytes[0] = first;
	memcpy(seeds[*n].bytes + 1, body, len);
	seeds[*n].len = len + 1;
	(*n)++;
}

/* How a harness wants its inputs changed. */
struct fuzz_mutator {
	const uint8_t *interesting; /* values worth setting a byte to */
	size_t interesting_len;
	unsigned max_ops;   /* each input gets 1 to max_ops edits */
	bool repeat_chunks; /* also repeat up to 16 bytes in place */
	size_t keep; /* 1: edits spare the first byte (the mode) while longer inputs remain */
	size_t cap;  /* how long an edited input may grow; at most FUZZ_INPUT_MAX */
	bool glue;   /* now and then append another seed, less its first byte */
	/* If not NULL, called after each seed runs unchanged, for a check
	 * of the harness's own (say, that every seed gets through). */
	void (*seed_ran)(const struct seed *s);
};

/* xorshift64: a fixed sequence, so a failing run can be repeated. */
static inline uint64_t fuzz_rng(uint64_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 7;
	*state ^= *state << 17;
	return *state;
}

/* Bit flips, byte sets, boundary values, insertions, deletions,
 * truncation and (if asked) repeats: returns the new length. */
static inline size_t fuzz_mutate(const struct fuzz_mutator *m, uint64_t *rs, uint8_t *buf,
                                 size_t len, size_t cap)
{
	size_t keep = m->keep;
	int ops = 1 + (int)(fuzz_rng(rs) % m->max_ops);

	for (int i = 0; i < ops; i++) {
		size_t at = len > keep ? keep + fuzz_rng(rs) % (len - keep) : 0;

		switch (fuzz_rng(rs) % (m->repeat_chunks ? 7 : 6)) {
		case 0:
			if (len > 0)
				buf[at] ^= (uint8_t)(1u << (fuzz_rng(rs) % 8));
			break;
		case 1:
			if (len > 0)
				buf[at] = (uint8_t)fuzz_rng(rs);
			break;
		case 2:
			if (len > 0)
				buf[at] = m->interesting[fuzz_rng(rs) % m->interesting_len];
			break;
		case 3:
			if (len < cap && len >= keep) {
				memmove(buf + at + 1, buf + at, len - at);
				buf[at] = (uint8_t)fuzz_rng(rs);
				len++;
			}
			break;
		case 4:
			if (len > keep) {
				memmove(buf + at, buf + at + 1, len - at - 1);
				len--;
			}
			break;
		case 5:
			len = at;
			break;
		case 6: {
			size_t chunk = 1 + fuzz_rng(rs) % 16;
			if (at + chunk <= len && len + chunk <= cap) {
				memmove(buf + at + chunk, buf + at, len - at);
				len += chunk;
			}
			break;
		}
		}
	}
	return len;
}

/* One input in a heap buffer of exactly its size, so AddressSanitizer
 * sees any read past its end. */
static inline void fuzz_run_exact(const uint8_t *d, size_t len)
{
	uint8_t *copy = fuzz_exact_copy(d, len);

	LLVMFuzzerTestOneInput(copy, len);
	free(copy);
}

/* The seeds as they are, then iterations mutations of them, from seed
 * (0: a fixed default). */
static inline int fuzz_run_mutations(const struct fuzz_mutator *m, unsigned long iterations,
                                     uint64_t seed)
{
	static struct seed seeds[FUZZ_SEEDS_MAX];
	static uint8_t buf[FUZZ_INPUT_MAX];
	uint64_t rs = seed != 0 ? seed : 0x9e3779b97f4a7c15ull;
	size_t n = make_seeds(seeds);

	if (m->cap > sizeof(buf) || n == 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		fuzz_run_exact(seeds[i].bytes, seeds[i].len);
		if (m->seed_ran != NULL)
			m->seed_ran(&seeds[i]);
	}
	for (unsigned long it = 0; it < iterations; it++) {
		const struct seed *s = &seeds[fuzz_rng(&rs) % n];
		size_t len = s->len;

		memcpy(buf, s->bytes, len);
		/* Messages in a row, for harnesses whose input is a stream. */
		if (m->glue && fuzz_rng(&rs) % 4 == 0) {
			const struct seed *t = &seeds[fuzz_rng(&rs) % n];
			if (len + t->len - 1 <= m->cap) {
				memcpy(buf + len, t->bytes + 1, t->len - 1);
				len += t->len - 1;
			}
		}
		fuzz_run_exact(buf, fuzz_mutate(m, &rs, buf, len, m->cap));
	}
	printf("%zu seeds and %lu mutations: no property violated\n", n, iterations);
	return 0;
}

#endif
