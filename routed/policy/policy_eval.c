/*
 * route_map_apply(): FRR's route-map evaluation (lib/routemap.c
 * route_map_apply_ext and bgpd's match and set rules), over struct
 * bgp_attrs.
 *
 * The route's attributes are copied by value into the caller's *out
 * first; set clauses change that working copy, allocating any array they
 * change from the scratch arena, so the input is never written. As in
 * FRR, later entries (on-match next / goto) and called route-maps see the
 * attributes as the earlier entries left them.
 */
#include "policy_internal.h"

#include <string.h>

/* The default LOCAL_PREF FRR assumes is not used for matching: as FRR
 * (route_match_local_pref, route_match_metric), an absent LOCAL_PREF or
 * MED compares as 0. */
static uint32_t med_of(const struct bgp_attrs *a)
{
	return (a->present & BGP_ATTR_MASK(BGP_ATTR_MED)) ? a->med : 0;
}

static uint32_t local_pref_of(const struct bgp_attrs *a)
{
	return (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF)) ? a->local_pref : 0;
}

/* ---- memos (policy.h) ----------------------------------------------------------- */

void policy_memo_start(struct policy_config *pc, struct policy_memo *memo)
{
	memo->pc = pc;
	memo->generation = pc != NULL ? pc->generation : 0;
	memo->usable = pc != NULL;
	memo->result = POLICY_DENY;
	memo->nsteps = 0;
	memo->ncounters = 0;
}

void policy_memo_finish(struct policy_memo *memo, enum policy_result result)
{
	memo->result = result;
	if (result == POLICY_NO_MEMORY)
		memo->usable = false;
}

/* The prefix-list test of the walk, in the order asked; a walk with more
 * than fit is not remembered. */
static void memo_step(struct policy_memo *memo, const struct prefix_list *list, uint8_t family,
                      bool passed)
{
	if (memo == NULL)
		return;
	if (memo->nsteps == POLICY_MEMO_STEPS) {
		memo->usable = false;
		return;
	}
	memo->steps[memo->nsteps].list = list;
	memo->steps[memo->nsteps].family = family;
	memo->steps[memo->nsteps].passed = passed;
	memo->nsteps++;
}

static void memo_bump(struct policy_memo *memo, uint64_t *counter)
{
	(*counter)++;
	if (memo == NULL)
		return;
	if (memo->ncounters == POLICY_MEMO_COUNTERS) {
		memo->usable = false;
		return;
	}
	memo->counters[memo->ncounters++] = counter;
}

/* The one prefix-dependent test: p is of family and list permits it. An
 * undefined list matches nothing (FRR: RMAP_NOMATCH). */
static bool plist_passes(const struct prefix_list *list, uint8_t family, const struct prefix *p)
{
	return p->family == family && plist_apply(list, p) == POLICY_PERMIT;
}

bool policy_memo_replay(struct policy_config *pc, const struct policy_memo *memo,
                        const struct prefix *p, enum policy_result *result)
{
	if (!memo->usable || memo->pc != pc || pc == NULL || memo->generation != pc->generation)
		return false;
	for (unsigned i = 0; i < memo->nsteps; i++)
		if (plist_passes(memo->steps[i].list, memo->steps[i].family, p) !=
		    memo->steps[i].passed)
			return false;
	for (unsigned i = 0; i < memo->ncounters; i++)
		(*memo->counters[i])++;
	*result = memo->result;
	return true;
}

void policy_memo_prefix_list(struct policy_memo *memo, const struct prefix_list *list,
                             uint8_t family, bool passed)
{
	memo_step(memo, list, family, passed);
}

/* ---- evaluation ------------------------------------------------------------------ */

static bool entry_matches(const struct rmap_entry *e, const struct policy_route *r,
                          const struct bgp_attrs *a, struct policy_memo *memo)
{
	static const struct bgp_aspath empty_path;
	unsigned m = e->match;

	if (m == 0)
		return true;
	/* Cheap scalar tests first, lists and regexes last. */
	if ((m & RMAP_MATCH_ORIGIN) && a->origin != e->match_origin)
		return false;
	if ((m & RMAP_MATCH_METRIC) && med_of(a) != e->match_metric)
		return false;
	if ((m & RMAP_MATCH_LOCAL_PREF) && local_pref_of(a) != e->match_local_pref)
		return false;
	if ((m & RMAP_MATCH_PEER) && (r->peer == NULL || !prefix_equal(&e->match_peer, &r->peer->addr)))
		return false;
	/* The only tests of the prefix: what a memo records. */
	if (m & RMAP_MATCH_PLIST4) {
		bool passed = plist_passes(e->r_plist4, AF_INET, r->prefix);
		memo_step(memo, e->r_plist4, AF_INET, passed);
		if (!passed)
			return false;
	}
	if (m & RMAP_MATCH_PLIST6) {
		bool passed = plist_passes(e->r_plist6, AF_INET6, r->prefix);
		memo_step(memo, e->r_plist6, AF_INET6, passed);
		if (!passed)
			return false;
	}
	if ((m & RMAP_MATCH_COMMUNITY) && (e->r_comm == NULL || !clist_match(e->r_comm, a, e->match_comm_exact)))
		return false;
	if ((m & RMAP_MATCH_LCOMMUNITY) &&
	    (e->r_lcomm == NULL || !clist_match(e->r_lcomm, a, e->match_lcomm_exact)))
		return false;
	if (m & RMAP_MATCH_ASPATH) {
		const struct bgp_aspath *path =
			(a->present & BGP_ATTR_MASK(BGP_ATTR_AS_PATH)) ? &a->aspath : &empty_path;
		if (e->r_aspath == NULL || !aspath_list_permits(e->r_aspath, path))
			return false;
	}
	return true;
}

static int set_communities(const struct rmap_entry *e, struct bgp_attrs *a, struct bgp_arena *scratch)
{
	const uint64_t bit = BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES);
	size_t have = (a->present & bit) ? a->ncommunities : 0;

	if (e->set & RMAP_SET_COMMUNITY) {
		if (e->set_ncomms == 0) { /* `set community none` */
			a->present &= ~bit;
			a->ncommunities = 0;
			a->communities = NULL;
			have = 0;
		} else {
			size_t keep = e->set_comm_additive ? have : 0;
			uint32_t *v = bgp_arena_alloc(scratch, (keep + e->set_ncomms) * sizeof(*v));
			if (v == NULL)
				return -1;
			if (keep > 0)
				memcpy(v, a->communities, keep * sizeof(*v));
			memcpy(v + keep, e->set_comms, e->set_ncomms * sizeof(*v));
			a->ncommunities = policy_comms_sort(v, keep + e->set_ncomms);
			a->communities = v;
			a->present |= bit;
			have = a->ncommunities;
		}
	}
	/* An undefined list deletes nothing. */
	if ((e->set & RMAP_SET_COMM_DELETE) && e->r_comm_delete != NULL && have > 0) {
		uint32_t *v = bgp_arena_alloc(scratch, have * sizeof(*v));
		if (v == NULL)
			return -1;
		a->ncommunities = clist_delete_comms(e->r_comm_delete, a->communities, have, v);
		a->communities = v;
		if (a->ncommunities == 0) {
			a->present &= ~bit;
			a->communities = NULL;
		}
	}
	return 0;
}

static int set_large_communities(const struct rmap_entry *e, struct bgp_attrs *a, struct bgp_arena *scratch)
{
	const uint64_t bit = BGP_ATTR_MASK(BGP_ATTR_LARGE_COMMUNITIES);
	size_t have = (a->present & bit) ? a->nlarge_communities : 0;

	if (e->set & RMAP_SET_LCOMMUNITY) {
		if (e->set_nlcomms == 0) {
			a->present &= ~bit;
			a->nlarge_communities = 0;
			a->large_communities = NULL;
			have = 0;
		} else {
			size_t keep = e->set_lcomm_additive ? have : 0;
			struct bgp_large_community *v = bgp_arena_alloc(scratch, (keep + e->set_nlcomms) * sizeof(*v));
			if (v == NULL)
				return -1;
			if (keep > 0)
				memcpy(v, a->large_communities, keep * sizeof(*v));
			memcpy(v + keep, e->set_lcomms, e->set_nlcomms * sizeof(*v));
			a->nlarge_communities = policy_lcomms_sort(v, keep + e->set_nlcomms);
			a->large_communities = v;
			a->present |= bit;
			have = a->nlarge_communities;
		}
	}
	if ((e->set & RMAP_SET_LCOMM_DELETE) && e->r_lcomm_delete != NULL && have > 0) {
		struct bgp_large_community *v = bgp_arena_alloc(scratch, have * sizeof(*v));
		if (v == NULL)
			return -1;
		a->nlarge_communities = clist_delete_lcomms(e->r_lcomm_delete, a->large_communities, have, v);
		a->large_communities = v;
		if (a->nlarge_communities == 0) {
			a->present &= ~bit;
			a->large_communities = NULL;
		}
	}
	return 0;
}

/*
 * `set as-path prepend`: the ASes go in front of the path, joining its
 * first segment when that is an AS_SEQUENCE (RFC 4271 section 5.1.2:
 * prepending is adding to the leftmost AS_SEQUENCE). `last-as N` repeats
 * the leftmost AS of the path N times, or the peer's AS when the path has
 * none (FRR).
 */
static int prepend_path(const struct rmap_entry *e, const struct policy_route *r, struct bgp_attrs *a,
			struct bgp_arena *scratch)
{
	const bool had = (a->present & BGP_ATTR_MASK(BGP_ATTR_AS_PATH)) != 0;
	const struct bgp_aspath *old = &a->aspath;
	const size_t nsegs = had ? old->nsegs : 0;
	const bool join = nsegs > 0 && old->segs[0].type == BGP_AS_SEQUENCE;
	size_t k = e->nprepend > 0 ? e->nprepend : e->prepend_last_as;
	uint32_t last_as = 0;

	if (k == 0)
		return 0;
	if (e->nprepend == 0) {
		if (join && old->segs[0].count > 0)
			last_as = old->segs[0].asns[0];
		else if (r->peer != NULL)
			last_as = r->peer->asn;
		if (last_as == 0)
			return 0;
	}
	size_t first_count = k + (join ? old->segs[0].count : 0);
	size_t new_nsegs = join ? nsegs : nsegs + 1;
	struct bgp_as_segment *segs = bgp_arena_alloc(scratch, new_nsegs * sizeof(*segs));
	uint32_t *asns = bgp_arena_alloc(scratch, first_count * sizeof(*asns));
	if (segs == NULL || asns == NULL)
		return -1;
	for (size_t i = 0; i < k; i++)
		asns[i] = e->nprepend > 0 ? e->prepend[i] : last_as;
	if (join)
		memcpy(asns + k, old->segs[0].asns, old->segs[0].count * sizeof(*asns));
	segs[0] = (struct bgp_as_segment){.type = BGP_AS_SEQUENCE, .count = (uint32_t)first_count, .asns = asns};
	/* The other segments are shared with the input: they do not change. */
	for (size_t s = join ? 1 : 0; s < nsegs; s++)
		segs[join ? s : s + 1] = old->segs[s];
	a->aspath.segs = segs;
	a->aspath.nsegs = new_nsegs;
	a->present |= BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
	return 0;
}

static int apply_sets(const struct rmap_entry *e, const struct policy_route *r, struct bgp_attrs *a,
		      uint32_t *weight, struct bgp_arena *scratch)
{
	unsigned s = e->set;

	if (s == 0)
		return 0;
	if (s & RMAP_SET_LOCAL_PREF) {
		a->local_pref = e->set_local_pref;
		a->present |= BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF);
	}
	if (s & RMAP_SET_METRIC) {
		uint64_t med = med_of(a);
		/* FRR: +N saturates at the largest MED, -N stops at 0. */
		if (e->set_metric_op == RMAP_METRIC_ADD)
			med = med + e->set_metric > UINT32_MAX ? UINT32_MAX : med + e->set_metric;
		else if (e->set_metric_op == RMAP_METRIC_SUB)
			med = med > e->set_metric ? med - e->set_metric : 0;
		else
			med = e->set_metric;
		a->med = (uint32_t)med;
		a->present |= BGP_ATTR_MASK(BGP_ATTR_MED);
	}
	if (s & RMAP_SET_WEIGHT)
		*weight = e->set_weight;
	if ((s & (RMAP_SET_COMMUNITY | RMAP_SET_COMM_DELETE)) && set_communities(e, a, scratch) != 0)
		return -1;
	if ((s & (RMAP_SET_LCOMMUNITY | RMAP_SET_LCOMM_DELETE)) && set_large_communities(e, a, scratch) != 0)
		return -1;
	if ((s & RMAP_SET_PREPEND) && prepend_path(e, r, a, scratch) != 0)
		return -1;
	if (s & RMAP_SET_NEXTHOP4) {
		const struct prefix *nh = NULL;
		if (e->nexthop4_peer)
			nh = r->local_addr != NULL ? r->local_addr : r->peer != NULL ? &r->peer->addr : NULL;
		if (!e->nexthop4_peer) {
			memcpy(a->nexthop, e->nexthop4, 4);
			a->present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
		} else if (nh != NULL && nh->family == AF_INET) {
			memcpy(a->nexthop, nh->addr, 4);
			a->present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
		}
	}
	if (s & RMAP_SET_NEXTHOP6) {
		/* RFC 2545 section 3: the global address; a link-local one
		 * that came with it stays. */
		if (a->mp_nexthop.family != AF_INET6)
			a->mp_nexthop = (struct bgp_mp_nexthop){.family = AF_INET6};
		memcpy(a->mp_nexthop.global, e->nexthop6, 16);
	}
	if (s & RMAP_SET_ORIGIN) {
		a->origin = e->set_origin;
		a->present |= BGP_ATTR_MASK(BGP_ATTR_ORIGIN);
	}
	return 0;
}

static enum policy_result apply_map(struct route_map *map, const struct policy_route *r,
                                    struct bgp_attrs *a, uint32_t *weight,
                                    struct bgp_arena *scratch, unsigned depth,
                                    struct policy_memo *memo)
{
	bool permitted = false;
	size_t i = 0;

	memo_bump(memo, &map->invoked);
	/* FRR's RMAP_RECURSION_LIMIT: a loop of calls denies. */
	if (depth > POLICY_CALL_DEPTH_MAX)
		return POLICY_DENY;
	while (i < map->count) {
		struct rmap_entry *e = &map->entries[i];
		if (!entry_matches(e, r, a, memo)) {
			i++;
			continue;
		}
		memo_bump(memo, &e->hits);
		if (!e->permit)
			return POLICY_DENY;
		permitted = true;
		if (apply_sets(e, r, a, weight, scratch) != 0)
			return POLICY_NO_MEMORY;
		if (e->r_call != NULL) {
			enum policy_result res =
			    apply_map(e->r_call, r, a, weight, scratch, depth + 1, memo);
			if (res != POLICY_PERMIT)
				return res;
		}
		if (e->exit == RMAP_EXIT_STOP)
			return POLICY_PERMIT;
		size_t next = i + 1;
		if (e->exit == RMAP_EXIT_GOTO)
			while (next < map->count && map->entries[next].seq < e->goto_seq)
				next++;
		i = next;
	}
	/* Nothing matched: the implicit deny. After a permit that said
	 * "go on", running off the end keeps the permit (FRR). */
	return permitted ? POLICY_PERMIT : POLICY_DENY;
}

enum policy_result route_map_apply_memo(struct policy_config *pc, struct route_map *map,
                                        const struct policy_route *route, struct bgp_arena *scratch,
                                        struct bgp_attrs *out, uint32_t *weight_out,
                                        struct policy_memo *memo)
{
	enum policy_result rc;

	if (map == NULL) {
		rc = POLICY_DENY;
	} else if (policy_compile(pc) != 0) {
		rc = POLICY_NO_MEMORY;
	} else {
		*out = *route->attrs;
		*weight_out = route->weight;
		struct policy_route working = *route;
		working.attrs = out;
		rc = apply_map(map, &working, out, weight_out, scratch, 0, memo);
	}
	if (memo != NULL)
		policy_memo_finish(memo, rc);
	return rc;
}

enum policy_result route_map_apply(struct policy_config *pc, struct route_map *map,
				   const struct policy_route *route, struct bgp_arena *scratch,
				   struct bgp_attrs *out, uint32_t *weight_out)
{
	return route_map_apply_memo(pc, map, route, scratch, out, weight_out, NULL);
}
