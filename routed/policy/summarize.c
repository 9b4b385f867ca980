/*
 * Advertise-summary (summarize.h has the algorithm and its cost).
 */
#include "summarize.h"

#include "prefix_key.h"
#include "sorted_array.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct snode {
	PKEY_NODE_FIELDS; /* key, len, child[2] */
	bool in_s, in_r;
	bool has_s;   /* an S prefix at or below */
	bool covered; /* the whole range lies inside R's union */
	bool allowed; /* covered, or itself a prefix of S */
	uint32_t f;         /* fewest allowed prefixes covering the S inside */
	double over;        /* own overreach: addresses outside R's union */
	size_t gpos;        /* overreach DP: offset of g[1..cap] in the pool */
	uint32_t cap;       /* min(limit, f) */
	int32_t output;     /* index of the output prefix it became, or -1 */
};

struct strie {
	struct snode *nodes;
	size_t count, cap;
	unsigned width;
	uint8_t family;
	/* overreach DP */
	double *g;
	int32_t *choice; /* 0: the node itself; > 0: k0 of the split; -1: as k - 1 */
	size_t gused, gcap;
};

static int32_t snode_new(void *trie, struct pkey k, unsigned len)
{
	struct strie *t = trie;

	if (sarray_grow((void **)&t->nodes, t->count, &t->cap, sizeof(*t->nodes), 1024) != 0)
		return -1;
	t->nodes[t->count] = (struct snode){.key = pkey_masked(k, len), .len = (uint8_t)len, .child = {-1, -1},
					    .output = -1};
	return (int32_t)t->count++;
}

static struct pkey_node *snode_link(void *trie, int32_t i)
{
	return &((struct strie *)trie)->nodes[i].link;
}

static int32_t sinsert(struct strie *t, struct pkey k, unsigned len)
{
	return pkey_trie_insert(t, snode_link, snode_new, k, len);
}

/* 2^n as a double, for address counts up to 2^128. */
static double pow2(unsigned n)
{
	double v = (double)(1ull << (n < 63 ? n : 63));

	for (unsigned i = 63; i < n; i++)
		v *= 2;
	return v;
}

/* Post-order: has_s, covered, allowed, f and the node's own overreach.
 * Returns how many of its addresses lie inside R's union. r_above: an R
 * prefix contains the node. The depth is at most the key width. */
static double analyse(struct strie *t, int32_t at, bool r_above)
{
	struct snode *n = &t->nodes[at];
	const bool r_full = r_above || n->in_r;
	double inside = 0;
	bool halves_covered = true;
	uint64_t f_sum = 0;

	n->has_s = n->in_s;
	for (int b = 0; b < 2; b++) {
		int32_t c = n->child[b];
		if (c < 0) {
			halves_covered = false;
			continue;
		}
		inside += analyse(t, c, r_full);
		const struct snode *cn = &t->nodes[c];
		n->has_s = n->has_s || cn->has_s;
		f_sum += cn->f;
		/* A half lies inside R only if its child is that very half. */
		if (cn->len != n->len + 1 || !cn->covered)
			halves_covered = false;
	}
	double size = pow2(t->width - n->len);
	n->covered = r_full || halves_covered;
	if (r_full)
		inside = size;
	n->allowed = n->covered || n->in_s;
	n->f = !n->has_s ? 0 : n->allowed ? 1 : (uint32_t)(f_sum > UINT32_MAX ? UINT32_MAX : f_sum);
	n->over = n->allowed ? 0 : size - inside;
	return inside;
}

static int pool_reserve(struct strie *t, size_t n, size_t *pos)
{
	if (t->gcap - t->gused < n) {
		size_t ncap = t->gcap ? t->gcap : 4096;
		while (ncap - t->gused < n)
			ncap *= 2;
		double *g = realloc(t->g, ncap * sizeof(*g));
		if (g == NULL)
			return -1;
		t->g = g;
		int32_t *choice = realloc(t->choice, ncap * sizeof(*choice));
		if (choice == NULL)
			return -1;
		t->choice = choice;
		t->gcap = ncap;
	}
	*pos = t->gused;
	t->gused += n;
	return 0;
}

/* The S-bearing children of a node, in bit order. */
static size_t s_children(const struct strie *t, int32_t at, int32_t out[2])
{
	size_t n = 0;

	for (int b = 0; b < 2; b++) {
		int32_t c = t->nodes[at].child[b];
		if (c >= 0 && t->nodes[c].has_s)
			out[n++] = c;
	}
	return n;
}

/* The overreach knapsack (summarize.h): g[k-1] of each S-bearing node for
 * k = 1 .. cap, with the choice that reaches it. */
static int knapsack(struct strie *t, int32_t at, uint32_t limit)
{
	int32_t cs[2];
	size_t ncs = s_children(t, at, cs);

	if (!t->nodes[at].has_s)
		return 0;
	for (size_t i = 0; i < ncs; i++)
		if (knapsack(t, cs[i], limit) != 0)
			return -1;
	struct snode *n = &t->nodes[at];
	uint32_t cap = n->f < limit ? n->f : limit;
	size_t pos;
	if (pool_reserve(t, cap, &pos) != 0)
		return -1;
	n = &t->nodes[at];
	n->cap = cap;
	n->gpos = pos;
	double *g = &t->g[pos];
	int32_t *choice = &t->choice[pos];
	for (uint32_t k = 1; k <= cap; k++) {
		double best = n->over; /* the node itself: one prefix */
		int32_t how = 0;
		if (!n->allowed && ncs == 1) {
			const struct snode *c = &t->nodes[cs[0]];
			uint32_t kk = k < c->cap ? k : c->cap;
			if (t->g[c->gpos + kk - 1] < best) {
				best = t->g[c->gpos + kk - 1];
				how = (int32_t)kk;
			}
		} else if (!n->allowed && ncs == 2) {
			const struct snode *c0 = &t->nodes[cs[0]], *c1 = &t->nodes[cs[1]];
			uint32_t lo = k > c1->cap ? k - c1->cap : 1;
			uint32_t hi = k - 1 < c0->cap ? k - 1 : c0->cap;
			for (uint32_t k0 = lo; k0 <= hi; k0++) {
				double v = t->g[c0->gpos + k0 - 1] + t->g[c1->gpos + (k - k0) - 1];
				if (v < best) {
					best = v;
					how = (int32_t)k0;
				}
			}
		}
		/* "At most k": never worse than with k - 1. */
		if (k > 1 && g[k - 2] <= best) {
			best = g[k - 2];
			how = -1;
		}
		g[k - 1] = best;
		choice[k - 1] = how;
	}
	return 0;
}

struct outputs {
	int32_t *nodes;
	size_t count, cap;
	double overreach;
};

static int emit(struct strie *t, struct outputs *o, int32_t at)
{
	if (o->count == o->cap) {
		size_t ncap = o->cap ? o->cap * 2 : 64;
		int32_t *grown = realloc(o->nodes, ncap * sizeof(*grown));
		if (grown == NULL)
			return -1;
		o->nodes = grown;
		o->cap = ncap;
	}
	o->nodes[o->count++] = at;
	o->overreach += t->nodes[at].over;
	return 0;
}

/* Overreach-free: the highest allowed node on every path to S. */
static int select_allowed(struct strie *t, struct outputs *o, int32_t at)
{
	const struct snode *n = &t->nodes[at];

	if (!n->has_s)
		return 0;
	if (n->allowed)
		return emit(t, o, at);
	for (int b = 0; b < 2; b++)
		if (n->child[b] >= 0 && select_allowed(t, o, n->child[b]) != 0)
			return -1;
	return 0;
}

static int select_knapsack(struct strie *t, struct outputs *o, int32_t at, uint32_t k)
{
	const struct snode *n = &t->nodes[at];
	int32_t cs[2];
	size_t ncs = s_children(t, at, cs);

	if (k > n->cap)
		k = n->cap;
	while (k > 1 && t->choice[n->gpos + k - 1] < 0)
		k--;
	int32_t how = t->choice[n->gpos + k - 1];
	if (how <= 0)
		return emit(t, o, at);
	if (select_knapsack(t, o, cs[0], (uint32_t)how) != 0)
		return -1;
	return ncs == 2 ? select_knapsack(t, o, cs[1], k - (uint32_t)how) : 0;
}

static const struct strie *sort_trie;

static int by_prefix(const void *a, const void *b)
{
	const struct snode *x = &sort_trie->nodes[*(const int32_t *)a], *y = &sort_trie->nodes[*(const int32_t *)b];

	if (x->key.hi != y->key.hi)
		return x->key.hi < y->key.hi ? -1 : 1;
	if (x->key.lo != y->key.lo)
		return x->key.lo < y->key.lo ? -1 : 1;
	return (int)x->len - (int)y->len;
}

static struct prefix prefix_of(const struct strie *t, const struct snode *n)
{
	struct prefix p = {.family = t->family, .len = n->len};

	for (unsigned i = 0; i < 8; i++) {
		p.addr[i] = (uint8_t)(n->key.hi >> (56 - 8 * i));
		p.addr[8 + i] = (uint8_t)(n->key.lo >> (56 - 8 * i));
	}
	if (t->family == AF_INET)
		memset(p.addr + 4, 0, 12);
	return p;
}

static void strie_free(struct strie *t)
{
	free(t->nodes);
	free(t->g);
	free(t->choice);
}

int summarize(const struct summary_input *in, struct summary_result *out)
{
	struct strie t = {0};
	struct outputs o = {0};
	int32_t *s_node = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	if (in->nadvertise > 0 && in->allow_overreach && in->limit == 0)
		return -1;
	t.family = in->nadvertise > 0 ? in->advertise[0].family : in->nrouted > 0 ? in->routed[0].family : AF_INET;
	t.width = prefix_max_len(t.family);
	if (t.width == 0)
		return -1;
	for (size_t i = 0; i < in->nadvertise; i++)
		if (in->advertise[i].family != t.family || in->advertise[i].len > t.width)
			return -1;
	for (size_t i = 0; i < in->nrouted; i++)
		if (in->routed[i].family != t.family || in->routed[i].len > t.width)
			return -1;
	if (snode_new(&t, (struct pkey){0, 0}, 0) < 0)
		goto done;
	if (in->nadvertise > 0 && (s_node = malloc(in->nadvertise * sizeof(*s_node))) == NULL)
		goto done;
	for (size_t i = 0; i < in->nrouted; i++) {
		int32_t at = sinsert(&t, pkey_of(&in->routed[i]), in->routed[i].len);
		if (at < 0)
			goto done;
		t.nodes[at].in_r = true;
	}
	for (size_t i = 0; i < in->nadvertise; i++) {
		s_node[i] = sinsert(&t, pkey_of(&in->advertise[i]), in->advertise[i].len);
		if (s_node[i] < 0)
			goto done;
		t.nodes[s_node[i]].in_s = true;
	}
	analyse(&t, 0, false);

	uint32_t limit = in->limit > UINT32_MAX ? UINT32_MAX : (uint32_t)in->limit;
	bool fits = t.nodes[0].f <= limit;
	if (fits || !in->allow_overreach) {
		out->status = fits ? SUMMARY_OK : SUMMARY_OVER_LIMIT;
		if (select_allowed(&t, &o, 0) != 0)
			goto done;
	} else {
		out->status = SUMMARY_OK;
		if (knapsack(&t, 0, limit) != 0 || select_knapsack(&t, &o, 0, limit) != 0)
			goto done;
	}

	sort_trie = &t;
	if (o.count > 0)
		qsort(o.nodes, o.count, sizeof(*o.nodes), by_prefix);
	out->prefixes = calloc(o.count ? o.count : 1, sizeof(*out->prefixes));
	out->owner = calloc(in->nadvertise ? in->nadvertise : 1, sizeof(*out->owner));
	if (out->prefixes == NULL || out->owner == NULL)
		goto done;
	for (size_t i = 0; i < o.count; i++) {
		t.nodes[o.nodes[i]].output = (int32_t)i;
		out->prefixes[i] = prefix_of(&t, &t.nodes[o.nodes[i]]);
	}
	out->count = o.count;
	out->overreach = o.overreach;
	/* The output covering an S prefix is on the path from the root to
	 * its node. */
	for (size_t i = 0; i < in->nadvertise; i++) {
		int32_t at = 0;
		struct pkey k = pkey_of(&in->advertise[i]);
		while (at >= 0 && t.nodes[at].output < 0 && at != s_node[i])
			at = t.nodes[at].child[pkey_bit(k, t.nodes[at].len)];
		if (at < 0 || t.nodes[at].output < 0)
			goto done; /* cannot happen: every S node is covered */
		out->owner[i] = (size_t)t.nodes[at].output;
	}
	rc = 0;
done:
	if (rc != 0)
		summary_result_free(out);
	free(o.nodes);
	free(s_node);
	strie_free(&t);
	return rc;
}

void summary_result_free(struct summary_result *r)
{
	free(r->prefixes);
	free(r->owner);
	memset(r, 0, sizeof(*r));
}
