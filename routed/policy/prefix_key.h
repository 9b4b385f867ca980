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

/*
 * A path-compressed binary trie over these keys, its nodes in an array
 * its user owns, of the user's own node type: each starts with a union of
 * a struct pkey_node and the user's anonymous view of the same fields, so
 * that the user reads n->key while pkey_trie_insert() sees &n->link.
 * Nodes refer to each other by index; node 0 is the root (length 0).
 */
struct pkey_node {
	struct pkey key; /* bits past len are zero */
	uint8_t len;
	int32_t child[2]; /* by the bit after len; -1: none */
};

#define PKEY_NODE_FIELDS                                                                           \
	union {                                                                                    \
		struct pkey_node link;                                                             \
		struct {                                                                           \
			struct pkey key;                                                           \
			uint8_t len;                                                               \
			int32_t child[2];                                                          \
		};                                                                                 \
	}

/* Node i of trie (valid until the next new node); a new node of (k, len)
 * with its key masked and no children, or -1 when out of memory. */
typedef struct pkey_node *pkey_node_fn(void *trie, int32_t i);
typedef int32_t pkey_new_node_fn(void *trie, struct pkey k, unsigned len);

/* The node of exactly (k, len), made if needed, with a node at the bit
 * where it parts from an existing path; -1 when out of memory. */
static inline int32_t pkey_trie_insert(void *trie, pkey_node_fn *node, pkey_new_node_fn *new_node, struct pkey k,
                                       unsigned len)
{
	int32_t at = 0;

	for (;;) {
		if (node(trie, at)->len == len)
			return at;
		unsigned bit = pkey_bit(k, node(trie, at)->len);
		int32_t c = node(trie, at)->child[bit];
		if (c < 0) {
			int32_t leaf = new_node(trie, k, len);
			if (leaf >= 0)
				node(trie, at)->child[bit] = leaf;
			return leaf;
		}
		unsigned clen = node(trie, c)->len;
		unsigned common = pkey_common(node(trie, c)->key, k, clen < len ? clen : len);
		if (common == clen) {
			at = c;
			continue;
		}
		/* k parts from c's path after common bits (or ends there): a
		 * node there between at and c. */
		int32_t mid = new_node(trie, k, common);
		if (mid < 0)
			return -1;
		node(trie, mid)->child[pkey_bit(node(trie, c)->key, common)] = c;
		node(trie, at)->child[bit] = mid;
		if (common == len)
			return mid;
		int32_t leaf = new_node(trie, k, len);
		if (leaf < 0)
			return -1;
		node(trie, mid)->child[pkey_bit(k, common)] = leaf;
		return leaf;
	}
}

#endif
