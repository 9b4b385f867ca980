/*
 * Prefix-lists compiled into a path-compressed binary trie.
 *
 * FRR's semantics are "the entry with the lowest sequence number whose
 * prefix covers the route and whose length range holds the route's
 * length decides". Every entry that can match a route hangs on a trie
 * node on the route's own path from the root (its prefix covers the
 * route), so a lookup walks that path once, at most one node per bit of
 * the route's length but in practice a handful thanks to path
 * compression, and looks at each node's entries in sequence order. Each
 * node also knows the lowest sequence number below it, so the walk stops
 * as soon as nothing deeper can beat the best entry found so far.
 *
 * Keys are 128 bits as two host-order 64-bit halves, an IPv4 address in
 * the top 32 bits, so one trie serves both families. Nodes and entries
 * live in two arrays (indices, not pointers) for locality: a 1,000-entry
 * list is about 2,000 nodes, 128 KB, that stay in cache.
 */
#include "policy_internal.h"
#include "prefix_key.h"

#include <stdlib.h>
#include <string.h>

struct pt_entry {
	struct plist_entry entry; /* a copy: what lookups return */
	uint8_t min_len, max_len; /* the length range it matches */
};

struct pt_node {
	PKEY_NODE_FIELDS;   /* key, len, child[2] (-1: none) */
	struct pkey mask;
	uint32_t first, n;  /* entries[first .. first+n), by seq */
	uint32_t min_seq;   /* lowest seq in this subtree; UINT32_MAX: none */
};

struct plist_trie {
	struct pt_node *nodes;
	size_t nnodes, capnodes;
	struct pt_entry *entries;
	size_t nentries;
};

static bool covers(const struct pt_node *node, struct pkey k)
{
	return ((k.hi ^ node->key.hi) & node->mask.hi) == 0 && ((k.lo ^ node->key.lo) & node->mask.lo) == 0;
}

static int32_t new_node(void *trie, struct pkey k, unsigned len)
{
	struct plist_trie *t = trie;

	if (sarray_grow((void **)&t->nodes, t->nnodes, &t->capnodes, sizeof(*t->nodes), 64) != 0)
		return -1;
	struct pkey m = pkey_mask(len);
	t->nodes[t->nnodes] = (struct pt_node){
		.key = {k.hi & m.hi, k.lo & m.lo}, .mask = m, .len = (uint8_t)len,
		.child = {-1, -1}, .min_seq = UINT32_MAX,
	};
	return (int32_t)t->nnodes++;
}

static struct pkey_node *node_link(void *trie, int32_t i)
{
	return &((struct plist_trie *)trie)->nodes[i].link;
}

struct node_of {
	int32_t node;
	uint32_t index; /* into pl->entries, which is sorted by seq */
};

static int by_node_then_seq(const void *a, const void *b)
{
	const struct node_of *x = a, *y = b;

	if (x->node != y->node)
		return x->node < y->node ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static uint32_t fill_min_seq(struct plist_trie *t, int32_t at, unsigned depth)
{
	struct pt_node *n = &t->nodes[at];
	uint32_t m = n->n > 0 ? t->entries[n->first].entry.seq : UINT32_MAX;

	/* The depth is bounded by the key width (each level is longer). */
	for (int b = 0; b < 2 && depth < 130; b++) {
		if (t->nodes[at].child[b] >= 0) {
			uint32_t c = fill_min_seq(t, t->nodes[at].child[b], depth + 1);
			if (c < m)
				m = c;
		}
	}
	t->nodes[at].min_seq = m;
	return m;
}

struct plist_trie *plist_trie_build(const struct prefix_list *pl)
{
	struct plist_trie *t = calloc(1, sizeof(*t));
	struct node_of *order = NULL;
	unsigned max = prefix_max_len(pl->family);

	if (t == NULL)
		return NULL;
	if (new_node(t, (struct pkey){0, 0}, 0) < 0)
		goto fail;
	if (pl->count > 0) {
		order = malloc(pl->count * sizeof(*order));
		t->entries = malloc(pl->count * sizeof(*t->entries));
		if (order == NULL || t->entries == NULL)
			goto fail;
	}
	for (size_t i = 0; i < pl->count; i++) {
		const struct prefix *p = &pl->entries[i].prefix;
		order[i].node = pkey_trie_insert(t, node_link, new_node, pkey_of(p), p->len);
		order[i].index = (uint32_t)i;
		if (order[i].node < 0)
			goto fail;
	}
	if (pl->count > 0)
		qsort(order, pl->count, sizeof(*order), by_node_then_seq);
	for (size_t i = 0; i < pl->count; i++) {
		const struct plist_entry *e = &pl->entries[order[i].index];
		struct pt_entry *pe = &t->entries[i];
		struct pt_node *n = &t->nodes[order[i].node];
		pe->entry = *e;
		pe->min_len = e->ge ? e->ge : e->prefix.len;
		pe->max_len = e->le ? e->le : e->ge ? (uint8_t)max : e->prefix.len;
		if (n->n == 0)
			n->first = (uint32_t)i;
		n->n++;
	}
	t->nentries = pl->count;
	fill_min_seq(t, 0, 0);
	free(order);
	return t;
fail:
	free(order);
	plist_trie_free(t);
	return NULL;
}

void plist_trie_free(struct plist_trie *t)
{
	if (t == NULL)
		return;
	free(t->nodes);
	free(t->entries);
	free(t);
}

const struct plist_entry *plist_trie_lookup(const struct plist_trie *t, const struct prefix *p)
{
	struct pkey k = pkey_of(p);
	const struct pt_entry *best = NULL;
	uint32_t best_seq = UINT32_MAX;
	int32_t at = 0;
	unsigned len = p->len;

	while (at >= 0) {
		const struct pt_node *n = &t->nodes[at];
		if (n->len > len || !covers(n, k))
			break;
		/* Nothing at or below this node comes before what we have. */
		if (best != NULL && n->min_seq >= best_seq)
			break;
		for (uint32_t i = 0; i < n->n; i++) {
			const struct pt_entry *e = &t->entries[n->first + i];
			if (best != NULL && e->entry.seq >= best_seq)
				break;
			if (len >= e->min_len && len <= e->max_len) {
				best = e;
				best_seq = e->entry.seq;
				break;
			}
		}
		if (n->len == len)
			break;
		at = n->child[pkey_bit(k, n->len)];
	}
	return best != NULL ? &best->entry : NULL;
}

bool plist_entry_matches(const struct plist_entry *e, const struct prefix *p)
{
	unsigned max = prefix_max_len(e->prefix.family);
	unsigned lo = e->ge ? e->ge : e->prefix.len;
	unsigned hi = e->le ? e->le : e->ge ? max : e->prefix.len;

	return p->family == e->prefix.family && p->len >= lo && p->len <= hi && prefix_contains(&e->prefix, p);
}

enum policy_result plist_apply(const struct prefix_list *pl, const struct prefix *p)
{
	/* FRR (prefix_list_apply): undefined denies, empty permits. */
	if (pl == NULL || p->family != pl->family)
		return POLICY_DENY;
	if (pl->count == 0)
		return POLICY_PERMIT;
	const struct plist_entry *e = pl->trie != NULL ? plist_trie_lookup(pl->trie, p) : NULL;
	return e != NULL && e->permit ? POLICY_PERMIT : POLICY_DENY;
}

enum policy_result prefix_list_apply_memo(struct policy_config *pc, int family, const char *name,
                                          const struct prefix *p, struct policy_memo *memo)
{
	if (pc == NULL || name == NULL || policy_compile(pc) != 0) {
		if (memo != NULL)
			memo->usable = false;
		return POLICY_DENY;
	}
	const struct prefix_list *pl =
	    policy_set_find(family == AF_INET6 ? &pc->plist6 : &pc->plist4, name);
	enum policy_result rc = plist_apply(pl, p);
	/* plist_apply() is the test a memo replays: it denies a prefix of the
	 * other family itself, so the list's family is the one required. */
	if (memo != NULL)
		policy_memo_prefix_list(memo, pl, pl != NULL ? pl->family : (uint8_t)family,
		                        rc == POLICY_PERMIT);
	return rc;
}

enum policy_result prefix_list_apply(struct policy_config *pc, int family, const char *name,
				     const struct prefix *p)
{
	return prefix_list_apply_memo(pc, family, name, p, NULL);
}

enum policy_result as_path_list_apply(struct policy_config *pc, const char *name, const struct bgp_aspath *path)
{
	if (pc == NULL || name == NULL || policy_compile(pc) != 0)
		return POLICY_DENY;
	struct aspath_list *l = policy_set_find(&pc->aspath, name);
	return l != NULL && aspath_list_permits(l, path) ? POLICY_PERMIT : POLICY_DENY;
}
