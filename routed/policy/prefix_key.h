/*
 * 128-bit keys for the prefix tries of routed/policy/ (prefix-lists in
 * policy_prefix.c, advertise-summary in summarize.c): an address as two
 * host-order 64-bit halves, an IPv4 address in the top 32 bits, so that
 * one trie serves both families. Values only; nothing here allocates.
 */
#ifndef SKYGATE_ROUTED_POLICY_PREFIX_KEY_H
#define SKYGATE_ROUTED_POLICY_PREFIX_KEY_H

#include <stdint.h>

#include "prefix.h"

struct pkey {
	uint64_t hi, lo;
};

static inline struct pkey pkey_of(const struct prefix *p)
{
	struct pkey k = {0, 0};

	if (p->family == AF_INET) {
		k.hi = (uint64_t)p->addr[0] << 56 | (uint64_t)p->addr[1] << 48 | (uint64_t)p->addr[2] << 40 |
		       (uint64_t)p->addr[3] << 32;
		return k;
	}
	for (int i = 0; i < 8; i++) {
		k.hi = k.hi << 8 | p->addr[i];
		k.lo = k.lo << 8 | p->addr[8 + i];
	}
	return k;
}

/* The first len bits set. */
static inline struct pkey pkey_mask(unsigned len)
{
	struct pkey m;

	m.hi = len == 0 ? 0 : len >= 64 ? ~0ull : ~0ull << (64 - len);
	m.lo = len <= 64 ? 0 : len >= 128 ? ~0ull : ~0ull << (128 - len);
	return m;
}

/* k with the bits past len cleared. */
static inline struct pkey pkey_masked(struct pkey k, unsigned len)
{
	struct pkey m = pkey_mask(len);

	return (struct pkey){k.hi & m.hi, k.lo & m.lo};
}

/* Bit i (0: the most significant). */
static inline unsigned pkey_bit(struct pkey k, unsigned i)
{
	return i < 64 ? (unsigned)(k.hi >> (63 - i)) & 1 : (unsigned)(k.lo >> (127 - i)) & 1;
}

/* Number of leading bits a and b share, at most limit. */
static inline unsigned pkey_common(struct pkey a, struct pkey b, unsigned limit)
{
	uint64_t x = a.hi ^ b.hi;
	unsigned n;

	if (x != 0)
		n = (unsigned)__builtin_clzll(x);
	else if ((x = a.lo ^ b.lo) != 0)
		n = 64 + (unsigned)__builtin_clzll(x);
	else
		n = 128;
	return n < limit ? n : limit;
}

#endif
