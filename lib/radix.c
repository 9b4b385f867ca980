/*
 * radix.c - path-compressed binary trie of prefixes.
 *
 * Every node carries a whole prefix.  A node's children hold only longer
 * prefixes inside its own, split by the first bit past the node's length,
 * so a lookup tests one bit per node and checks the full prefix only
 * where it has to.  Where two prefixes part, an internal ("glue") node
 * without a value marks the first differing bit.  Glue nodes always have
 * two children: deletion splices out any value-less node left with fewer,
 * which bounds nodes at 2 * routes - 1.
 *
 * Lengths strictly grow downwards, so a path holds at most 129 nodes (IPv6
 * /0 to /128).  That bound sizes the on-stack arrays the walks use in place
 * of recursion and parent pointers.
 */
#include "radix.h"
#include "slab.h"

#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Deepest possible path, in nodes: one per length 0..128. */
#define RADIX_MAX_DEPTH (PREFIX_MAXLEN_INET6 + 1)
/* A pre-order walk keeps at most one pending sibling per ancestor, plus the
 * two children of the node being visited. */
#define RADIX_STACK (RADIX_MAX_DEPTH + 1)

/*
 * 48 bytes on LP64 (16 + 8 + 16 + 1, padded), from the tree's slab (one
 * malloc() each would take a 64-byte chunk).  There is no parent pointer: deletion only needs
 * the links to the node and to its parent, which the descent keeps, and
 * walks use a bounded stack.  That saves 8 bytes a node now and keeps the
 * node at 48 should nodes later come from a pool without per-chunk
 * headers.  The key is two host-order 64-bit words rather than the wire
 * bytes, so that a common-prefix length is one XOR and one
 * count-leading-zeros and a bit test is a shift.  An IPv4 key uses the top
 * 32 bits of key[0].
 */
struct radix_node {
	struct radix_node *child[2];
	void *value; /* NULL for a glue node */
	uint64_t key[2];
	uint8_t len;
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct radix_node) <= 48, "radix node grew past 48 bytes");
#endif

struct radix_tree {
	struct radix_node *root;
	struct slab slab; /* the nodes */
	size_t count; /* nodes with a value */
	size_t nodes; /* all nodes */
	uint8_t family;
	uint8_t maxlen;
};

/* The top len bits of a 64-bit word, len 0..64. */
static inline uint64_t
mask64(unsigned len)
{
	return len == 0 ? 0 : ~UINT64_C(0) << (64 - len);
}

static void
key_mask(uint64_t k[2], unsigned len)
{
	k[0] &= mask64(len < 64 ? len : 64);
	k[1] &= mask64(len > 64 ? len - 64 : 0);
}

/* Two big-endian word loads: an IPv4 prefix's unused bytes 4..15 are not
 * trusted to be zero, so its second word and low half are cleared. */
static void
key_from_prefix(const struct prefix *p, uint64_t k[2])
{
	uint64_t hi, lo;

	memcpy(&hi, p->addr, 8);
	memcpy(&lo, p->addr + 8, 8);
	k[0] = be64toh(hi);
	k[1] = be64toh(lo);
	if (p->family == AF_INET) {
		k[0] &= ~UINT64_C(0) << 32;
		k[1] = 0;
	}
	key_mask(k, p->len);
}

static void
prefix_from_key(int family, const uint64_t k[2], unsigned len, struct prefix *p)
{
	unsigned nbytes = family == AF_INET ? 4 : 16;
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)len;
	for (i = 0; i < nbytes; i++)
		p->addr[i] = (uint8_t)(k[i / 8] >> (56 - 8 * (i % 8)));
}

/* Do the first len bits of a and b agree? */
static inline int
key_match(const uint64_t a[2], const uint64_t b[2], unsigned len)
{
	if (len <= 64)
		return ((a[0] ^ b[0]) & mask64(len)) == 0;
	return a[0] == b[0] && ((a[1] ^ b[1]) & mask64(len - 64)) == 0;
}

/* Bit i (0 = most significant) of a key; i < 128. */
static inline unsigned
key_bit(const uint64_t k[2], unsigned i)
{
	if (i < 64)
		return (unsigned)(k[0] >> (63 - i)) & 1;
	return (unsigned)(k[1] >> (127 - i)) & 1;
}

/* Number of leading bits a and b share, 0..128. */
static inline unsigned
key_common(const uint64_t a[2], const uint64_t b[2])
{
	uint64_t x = a[0] ^ b[0];

	if (x != 0)
		return (unsigned)__builtin_clzll(x);
	x = a[1] ^ b[1];
	if (x != 0)
		return 64 + (unsigned)__builtin_clzll(x);
	return 128;
}

static struct radix_node *
node_new(struct radix_tree *t, const uint64_t k[2], unsigned len, void *value)
{
	struct radix_node *n = slab_alloc(&t->slab);

	if (n == NULL)
		return NULL;
	n->child[0] = NULL;
	n->child[1] = NULL;
	n->value = value;
	n->key[0] = k[0];
	n->key[1] = k[1];
	key_mask(n->key, len);
	n->len = (uint8_t)len;
	t->nodes++;
	return n;
}

static void
node_free(struct radix_tree *t, struct radix_node *n)
{
	slab_free(&t->slab, n);
	t->nodes--;
}

/* Wrong family or impossible length: such a prefix is never stored. */
static int
prefix_fits(const struct radix_tree *t, const struct prefix *p)
{
	return p != NULL && p->family == t->family && p->len <= t->maxlen;
}

struct radix_tree *
radix_new(int family)
{
	struct radix_tree *t;

	if (family != AF_INET && family != AF_INET6)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->family = (uint8_t)family;
	t->maxlen = (uint8_t)prefix_max_len(family);
	slab_init(&t->slab, sizeof(struct radix_node));
	return t;
}

void
radix_free(struct radix_tree *t, void (*free_value)(void *value, void *arg), void *arg)
{
	struct radix_node *stack[RADIX_STACK];
	size_t sp = 0;

	if (t == NULL)
		return;
	/* The nodes go with the slab; the walk only hands out the values. */
	if (t->root != NULL && free_value != NULL)
		stack[sp++] = t->root;
	while (sp > 0) {
		struct radix_node *n = stack[--sp];

		if (n->child[1] != NULL)
			stack[sp++] = n->child[1];
		if (n->child[0] != NULL)
			stack[sp++] = n->child[0];
		if (n->value != NULL)
			free_value(n->value, arg);
	}
	slab_fini(&t->slab);
	free(t);
}

int
radix_family(const struct radix_tree *t)
{
	return t->family;
}

int
radix_insert(struct radix_tree *t, const struct prefix *p, void *value, void **old_value)
{
	struct radix_node **link, *n, *leaf, *glue;
	uint64_t k[2];
	unsigned len, d;

	if (value == NULL || !prefix_fits(t, p))
		return -1;
	len = p->len;
	key_from_prefix(p, k);

	/* Go down while the node is a proper prefix of p. */
	link = &t->root;
	while ((n = *link) != NULL) {
		if (n->len > len || !key_match(n->key, k, n->len))
			break;
		if (n->len == len) {
			if (n->value == NULL) {
				/* A glue node already marks this prefix. */
				n->value = value;
				t->count++;
				return 0;
			}
			if (old_value != NULL)
				*old_value = n->value;
			n->value = value;
			return 1;
		}
		link = &n->child[key_bit(k, n->len)];
	}

	leaf = node_new(t, k, len, value);
	if (leaf == NULL)
		return -1;
	if (n == NULL) {
		*link = leaf;
		t->count++;
		return 0;
	}

	/* n sits where p belongs but is not a prefix of p.  Either p is a
	 * prefix of n, and goes above it, or they part at bit d, which is
	 * then short of both lengths, and need a glue node there. */
	d = key_common(n->key, k);
	if (d > len)
		d = len;
	if (d == len) {
		leaf->child[key_bit(n->key, len)] = n;
		*link = leaf;
		t->count++;
		return 0;
	}
	glue = node_new(t, k, d, NULL);
	if (glue == NULL) {
		node_free(t, leaf);
		return -1;
	}
	glue->child[key_bit(k, d)] = leaf;
	glue->child[key_bit(n->key, d)] = n;
	*link = glue;
	t->count++;
	return 0;
}

void *
radix_delete(struct radix_tree *t, const struct prefix *p)
{
	struct radix_node **link, **plink = NULL, *n, *child, *parent;
	uint64_t k[2];
	void *value;

	if (!prefix_fits(t, p))
		return NULL;
	key_from_prefix(p, k);

	link = &t->root;
	while ((n = *link) != NULL && n->len < p->len) {
		plink = link;
		link = &n->child[key_bit(k, n->len)];
	}
	if (n == NULL || n->len != p->len || !key_match(n->key, k, n->len) ||
	    n->value == NULL)
		return NULL;

	value = n->value;
	n->value = NULL;
	t->count--;
	if (n->child[0] != NULL && n->child[1] != NULL)
		return value; /* still needed as glue */

	child = n->child[0] != NULL ? n->child[0] : n->child[1];
	*link = child;
	node_free(t, n);

	/* Removing a leaf costs its parent a child; a glue parent left with
	 * one child marks no split any more and goes too.  Its own parent
	 * keeps the same number of children, so nothing further up changes. */
	if (child == NULL && plink != NULL) {
		parent = *plink;
		if (parent->value == NULL) {
			*plink = parent->child[0] != NULL ? parent->child[0]
							  : parent->child[1];
			node_free(t, parent);
		}
	}
	return value;
}

void *
radix_lookup_exact(const struct radix_tree *t, const struct prefix *p)
{
	const struct radix_node *n;
	uint64_t k[2];

	if (!prefix_fits(t, p))
		return NULL;
	key_from_prefix(p, k);

	/* Steer by bits alone: if the node found is not p, nothing is. */
	n = t->root;
	while (n != NULL && n->len < p->len)
		n = n->child[key_bit(k, n->len)];
	if (n == NULL || n->len != p->len || !key_match(n->key, k, n->len))
		return NULL;
	return n->value;
}

void *
radix_lookup_longest(const struct radix_tree *t, const struct prefix *p,
		     struct prefix *matched)
{
	const struct radix_node *n, *best = NULL;
	uint64_t k[2];

	if (!prefix_fits(t, p))
		return NULL;
	key_from_prefix(p, k);

	/* Every prefix containing p lies on the path p's bits select, in
	 * order of length; the last one with a value wins.  A node that
	 * does not match ends the search: nothing below it can. */
	for (n = t->root; n != NULL && n->len <= p->len;
	     n = n->len < p->len ? n->child[key_bit(k, n->len)] : NULL) {
		if (!key_match(n->key, k, n->len))
			break;
		if (n->value != NULL)
			best = n;
	}
	if (best == NULL)
		return NULL;
	if (matched != NULL)
		prefix_from_key(t->family, best->key, best->len, matched);
	return best->value;
}

/* Pre-order is prefix_cmp() order: a node's address is the smallest in its
 * subtree and, on a tie, its length the shortest; child 0 holds the smaller
 * addresses. */
static int
walk_subtree(const struct radix_tree *t, const struct radix_node *root,
	     radix_walk_fn fn, void *arg)
{
	const struct radix_node *stack[RADIX_STACK];
	struct prefix p;
	size_t sp = 0;
	int r;

	if (root != NULL)
		stack[sp++] = root;
	while (sp > 0) {
		const struct radix_node *n = stack[--sp];

		if (n->child[1] != NULL)
			stack[sp++] = n->child[1];
		if (n->child[0] != NULL)
			stack[sp++] = n->child[0];
		if (n->value != NULL) {
			prefix_from_key(t->family, n->key, n->len, &p);
			r = fn(&p, n->value, arg);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

int
radix_walk(const struct radix_tree *t, radix_walk_fn fn, void *arg)
{
	return walk_subtree(t, t->root, fn, arg);
}

int
radix_walk_covered(const struct radix_tree *t, const struct prefix *p,
		   radix_walk_fn fn, void *arg)
{
	const struct radix_node *n;
	uint64_t k[2];

	if (!prefix_fits(t, p))
		return 0;
	key_from_prefix(p, k);

	/* The entries inside p form one subtree: the one under the first
	 * node on p's path that is at least as long as p, if p contains it. */
	n = t->root;
	while (n != NULL && n->len < p->len) {
		if (!key_match(n->key, k, n->len))
			return 0;
		n = n->child[key_bit(k, n->len)];
	}
	if (n == NULL || !key_match(n->key, k, p->len))
		return 0;
	return walk_subtree(t, n, fn, arg);
}

int
radix_walk_covering(const struct radix_tree *t, const struct prefix *p,
		    radix_walk_fn fn, void *arg)
{
	const struct radix_node *n;
	struct prefix q;
	uint64_t k[2];
	int r;

	if (!prefix_fits(t, p))
		return 0;
	key_from_prefix(p, k);

	for (n = t->root; n != NULL && n->len <= p->len;
	     n = n->len < p->len ? n->child[key_bit(k, n->len)] : NULL) {
		if (!key_match(n->key, k, n->len))
			break;
		if (n->value != NULL) {
			prefix_from_key(t->family, n->key, n->len, &q);
			r = fn(&q, n->value, arg);
			if (r != 0)
				return r;
		}
	}
	return 0;
}

size_t
radix_count(const struct radix_tree *t)
{
	return t->count;
}

size_t
radix_node_count(const struct radix_tree *t)
{
	return t->nodes;
}

size_t
radix_node_size(void)
{
	return sizeof(struct radix_node);
}

int
radix_verify(const struct radix_tree *t)
{
	struct {
		const struct radix_node *n;
		unsigned depth;
	} stack[RADIX_STACK];
	size_t sp = 0, values = 0, nodes = 0;
	uint64_t masked[2];
	unsigned i;

	if (t->root != NULL) {
		stack[sp].n = t->root;
		stack[sp++].depth = 1;
	}
	while (sp > 0) {
		const struct radix_node *n = stack[--sp].n;
		unsigned depth = stack[sp].depth;

		nodes++;
		if (n->value != NULL)
			values++;
		else if (n->child[0] == NULL || n->child[1] == NULL)
			return -1; /* useless glue */
		if (n->len > t->maxlen || depth > RADIX_MAX_DEPTH)
			return -1;
		masked[0] = n->key[0];
		masked[1] = n->key[1];
		key_mask(masked, n->len);
		if (masked[0] != n->key[0] || masked[1] != n->key[1])
			return -1; /* bits past len */
		if (t->family == AF_INET && (n->key[0] & UINT64_C(0xffffffff)) != 0)
			return -1;
		for (i = 2; i-- > 0;) {
			const struct radix_node *c = n->child[i];

			if (c == NULL)
				continue;
			if (c->len <= n->len || !key_match(c->key, n->key, n->len) ||
			    key_bit(c->key, n->len) != i)
				return -1;
			if (sp >= RADIX_STACK)
				return -1;
			stack[sp].n = c;
			stack[sp++].depth = depth + 1;
		}
	}
	if (values != t->count || nodes != t->nodes)
		return -1;
	if (t->count > 0 ? t->nodes > 2 * t->count - 1 : t->nodes != 0)
		return -1;
	return 0;
}
