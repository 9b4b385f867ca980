/*
 * The in-memory index of approval rules: a hash from each rule prefix to
 * the group of rules on it, and per family the lengths in use.
 *
 * A lookup for P/L probes the lengths in use from L down to 0 (one hash
 * probe each, usually a handful), and stops at the first length with a
 * matching rule: precedence step 1 (approval.h) makes the longest rule
 * prefix the winner, so shorter ones need not be seen. That keeps the
 * cost per received route flat whether there are ten rules or a hundred
 * thousand exact decisions.
 */
#include "approval_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int fam_index(int family)
{
	return family == AF_INET6 ? 1 : 0;
}

static const struct prefix *group_key(const void *ctx, uint32_t h)
{
	const struct appr_index *ix = ctx;
	return &ix->groups[h].prefix;
}

void appr_index_init(struct appr_index *ix)
{
	memset(ix, 0, sizeof(*ix));
	ix->free_head = UINT32_MAX;
	pfxhash_init(&ix->by_prefix, group_key, ix);
}

void appr_rule_free(struct appr_rule *rule)
{
	if (rule == NULL)
		return;
	free(rule->who);
	free(rule->reason);
	free(rule);
}

void appr_index_fini(struct appr_index *ix)
{
	for (uint32_t g = 0; g < ix->ngroups; g++) {
		for (uint32_t i = 0; i < ix->groups[g].n; i++)
			appr_rule_free(ix->groups[g].rules[i]);
		free(ix->groups[g].rules);
	}
	free(ix->groups);
	pfxhash_fini(&ix->by_prefix);
	memset(ix, 0, sizeof(*ix));
}

static struct appr_group *group_find(const struct appr_index *ix, const struct prefix *p)
{
	uint32_t h = pfxhash_find(&ix->by_prefix, p);
	return h == PFXHASH_NONE ? NULL : &ix->groups[h];
}

static bool same_scope(const struct prefix *a, const struct prefix *b)
{
	if (a->family == 0 || b->family == 0)
		return a->family == b->family;
	return prefix_equal(a, b);
}

struct appr_rule *appr_index_find(const struct appr_index *ix, const struct prefix *prefix, uint8_t ge, uint8_t le,
				  const struct prefix *neighbor)
{
	const struct appr_group *g = group_find(ix, prefix);

	if (g == NULL)
		return NULL;
	for (uint32_t i = 0; i < g->n; i++) {
		struct appr_rule *r = g->rules[i];
		if (r->ge == ge && r->le == le && same_scope(&r->neighbor, neighbor))
			return r;
	}
	return NULL;
}

/* A group for prefix: an existing one, or a new one from the free list. */
static struct appr_group *group_get(struct appr_index *ix, const struct prefix *p)
{
	struct appr_group *g = group_find(ix, p);
	uint32_t h;

	if (g != NULL)
		return g;
	if (ix->free_head != UINT32_MAX) {
		h = ix->free_head;
		ix->free_head = ix->groups[h].next_free;
	} else {
		if (ix->ngroups == ix->cap) {
			uint32_t ncap = ix->cap ? ix->cap * 2 : 64;
			struct appr_group *grown = realloc(ix->groups, ncap * sizeof(*grown));
			if (grown == NULL)
				return NULL;
			ix->groups = grown;
			ix->cap = ncap;
		}
		h = ix->ngroups++;
	}
	g = &ix->groups[h];
	*g = (struct appr_group){.prefix = *p, .next_free = UINT32_MAX};
	if (pfxhash_insert(&ix->by_prefix, h) != 0) {
		g->prefix.family = 0;
		g->next_free = ix->free_head;
		ix->free_head = h;
		return NULL;
	}
	ix->len_groups[fam_index(p->family)][p->len]++;
	return g;
}

static void group_release(struct appr_index *ix, struct appr_group *g)
{
	uint32_t h = (uint32_t)(g - ix->groups);

	if (g->n > 0)
		return;
	pfxhash_remove(&ix->by_prefix, &g->prefix);
	ix->len_groups[fam_index(g->prefix.family)][g->prefix.len]--;
	free(g->rules);
	*g = (struct appr_group){.next_free = ix->free_head};
	ix->free_head = h;
}

int appr_index_insert(struct appr_index *ix, struct appr_rule *rule)
{
	struct appr_group *g = group_get(ix, &rule->prefix);

	if (g == NULL)
		return -1;
	if (g->n == g->cap) {
		uint32_t ncap = g->cap ? g->cap * 2 : 2;
		struct appr_rule **grown = realloc(g->rules, ncap * sizeof(*grown));
		if (grown == NULL) {
			group_release(ix, g);
			return -1;
		}
		g->rules = grown;
		g->cap = ncap;
	}
	g->rules[g->n++] = rule;
	ix->nrules++;
	return 0;
}

void appr_index_remove(struct appr_index *ix, struct appr_rule *rule)
{
	struct appr_group *g = group_find(ix, &rule->prefix);

	if (g == NULL)
		return;
	for (uint32_t i = 0; i < g->n; i++) {
		if (g->rules[i] != rule)
			continue;
		g->rules[i] = g->rules[--g->n];
		ix->nrules--;
		appr_rule_free(rule);
		group_release(ix, g);
		return;
	}
}

/* < 0 when a takes precedence over b (approval.h, steps 2 to 4; both
 * rules have the same prefix length here). */
static int precedence(const struct appr_rule *a, const struct appr_rule *b)
{
	bool a_nbr = a->neighbor.family != 0, b_nbr = b->neighbor.family != 0;

	if (a_nbr != b_nbr)
		return a_nbr ? -1 : 1;
	if (a->action != b->action)
		return a->action == APPR_REJECT ? -1 : 1;
	if (a->le - a->ge != b->le - b->ge)
		return (a->le - a->ge) < (b->le - b->ge) ? -1 : 1;
	return a->id < b->id ? -1 : a->id > b->id;
}

enum appr_action appr_lookup(const struct appr_db *db, const struct prefix *neighbor, const struct prefix *prefix,
			     const struct appr_rule **rule)
{
	const struct appr_index *ix = &db->index;
	const struct appr_rule *best = NULL;
	int f = fam_index(prefix->family);

	if (rule != NULL)
		*rule = NULL;
	if (ix->nrules == 0 || prefix->len > prefix_max_len(prefix->family))
		return APPR_NONE;
	for (int q = prefix->len; q >= 0 && best == NULL; q--) {
		if (ix->len_groups[f][q] == 0)
			continue;
		struct prefix key = *prefix;
		key.len = (uint8_t)q;
		prefix_normalize(&key);
		const struct appr_group *g = group_find(ix, &key);
		if (g == NULL)
			continue;
		for (uint32_t i = 0; i < g->n; i++) {
			const struct appr_rule *r = g->rules[i];
			if (prefix->len < r->ge || prefix->len > r->le)
				continue;
			if (r->neighbor.family != 0 && (neighbor == NULL || !prefix_equal(&r->neighbor, neighbor)))
				continue;
			if (best == NULL || precedence(r, best) < 0)
				best = r;
		}
	}
	if (rule != NULL)
		*rule = best;
	return best != NULL ? best->action : APPR_NONE;
}

int appr_range(const struct appr_rule_spec *spec, uint8_t *ge, uint8_t *le, char *err, size_t errlen)
{
	unsigned max = prefix_max_len(spec->prefix.family);
	unsigned len = spec->prefix.len;
	unsigned g = spec->ge, l = spec->le;

	if (max == 0 || len > max) {
		snprintf(err, errlen, "not an IPv4 or IPv6 prefix");
		return -1;
	}
	/* As a prefix-list entry: "ge" alone runs to the family's maximum,
	 * "le" alone starts at the prefix's own length, neither is exact. */
	if (g == 0 && l == 0)
		g = l = len;
	else if (g == 0)
		g = len;
	else if (l == 0)
		l = max;
	if (!(len <= g && g <= l && l <= max)) {
		snprintf(err, errlen, "invalid range: need %u <= ge <= le <= %u", len, max);
		return -1;
	}
	*ge = (uint8_t)g;
	*le = (uint8_t)l;
	return 0;
}

size_t appr_rule_count(const struct appr_db *db)
{
	return db->index.nrules;
}

static int rule_order(const void *x, const void *y)
{
	const struct appr_rule *a = *(const struct appr_rule *const *)x, *b = *(const struct appr_rule *const *)y;
	int c = prefix_cmp(&a->prefix, &b->prefix);

	if (c != 0)
		return c;
	if (a->neighbor.family != b->neighbor.family)
		return a->neighbor.family < b->neighbor.family ? -1 : 1;
	if (a->neighbor.family != 0 && (c = prefix_cmp(&a->neighbor, &b->neighbor)) != 0)
		return c;
	if (a->ge != b->ge)
		return a->ge < b->ge ? -1 : 1;
	if (a->le != b->le)
		return a->le < b->le ? -1 : 1;
	return (int)a->action - (int)b->action;
}

int appr_rule_walk(const struct appr_db *db, appr_rule_fn fn, void *arg)
{
	const struct appr_index *ix = &db->index;
	size_t n = 0;
	int rc = 0;

	if (ix->nrules == 0)
		return 0;
	const struct appr_rule **all = malloc(ix->nrules * sizeof(*all));
	if (all == NULL)
		return -1;
	for (uint32_t g = 0; g < ix->ngroups; g++)
		for (uint32_t i = 0; i < ix->groups[g].n; i++)
			all[n++] = ix->groups[g].rules[i];
	qsort(all, n, sizeof(*all), rule_order);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = fn(all[i], arg);
	free(all);
	return rc;
}

const char *appr_action_name(enum appr_action action)
{
	switch (action) {
	case APPR_APPROVE: return "approve";
	case APPR_REJECT: return "reject";
	default: return "none";
	}
}

const char *appr_rule_range_text(const struct appr_rule *rule, char *buf, size_t len)
{
	char pfx[PREFIX_STRLEN];
	unsigned max = prefix_max_len(rule->prefix.family);
	int n = snprintf(buf, len, "%s", prefix_format(&rule->prefix, pfx, sizeof(pfx)));

	/* Written back the way it is typed: the shortest form that parses to
	 * the same range. */
	if (n < 0 || (size_t)n >= len)
		return buf;
	if (rule->ge == rule->prefix.len && rule->le == rule->prefix.len)
		return buf;
	if (rule->ge == rule->prefix.len)
		snprintf(buf + n, len - (size_t)n, " le %u", rule->le);
	else if (rule->le == max)
		snprintf(buf + n, len - (size_t)n, " ge %u", rule->ge);
	else
		snprintf(buf + n, len - (size_t)n, " ge %u le %u", rule->ge, rule->le);
	return buf;
}
