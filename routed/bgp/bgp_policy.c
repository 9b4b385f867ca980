/*
 * A neighbor's routing policy applied to its routes: `neighbor X
 * prefix-list|filter-list|route-map NAME in|out` (routed/policy/policy.h)
 * and RFC 8212 (`bgp ebgp-requires-policy`).
 *
 * Where it sits in the processing of a route:
 *
 *   Adj-RIB-In -> inbound policy -> approval -> Loc-RIB -> best path
 *   -> outbound policy -> Adj-RIB-Out
 *
 * Approval (bgp_approval.c, docs/approval.md) sees the route as the
 * inbound policy made it: a route the policy denies is never pending, and
 * a rule decides about the prefix the policy let through. An unapproved
 * route stays in the Adj-RIB-In, held: it takes no part in the decision,
 * so it is neither installed nor advertised.
 *
 * Inbound (bgp_input.c) runs after the RFC 4271 section 9.1.2 checks and
 * before the attributes are interned; outbound (bgp_output.c) after the
 * built-in export rules. Each direction evaluates the prefix-list, then the
 * filter-list (AS-path access-list), then the route-map, as FRR does; the
 * first deny ends it.
 *
 * Following changes: the policy a peer uses has a signature per family and
 * direction, which changes exactly when what the policy decides may have
 * changed (route_map_signature() and the lists' signatures, and the names
 * themselves). bgp_policy_follow() compares them after every configuration
 * change: a changed outbound policy recomputes the peer's Adj-RIB-Out, a
 * changed inbound policy asks the peer for its routes again (ROUTE-REFRESH,
 * RFC 2918), so neither resets the session. With `soft-reconfiguration
 * inbound` the routes as received are kept (bgp_adjin.c) and the changed
 * policy is applied to them here, without a word to the peer.
 */
#include "bgp_internal.h"

#include <string.h>

#include "log.h"
#include "policy.h"

#define LOG_TAG "bgp"

bool bgp_policy_wanted(const struct bgp_peer *peer, enum bgp_afi afi, enum bgp_policy_dir dir, bool ebgp)
{
	return rcfg_neighbor_af_has_policy(&peer->cfg.af[afi], dir) || (ebgp && peer->bgp->ebgp_requires_policy);
}

static uint32_t peer_asn(const struct bgp_peer *peer)
{
	if (peer->conn != NULL && peer->conn->open_received)
		return peer->conn->neg.peer_as;
	return peer->cfg.remote_as_kind == REMOTE_AS_INTERNAL ? peer->bgp->asn : peer->cfg.remote_as;
}

static enum policy_result route_map_walk(struct bgp_peer *peer, enum bgp_afi afi,
                                         enum bgp_policy_dir dir, bool ebgp, const struct prefix *p,
                                         const struct bgp_attrs *in,
                                         const struct prefix *local_addr, struct bgp_arena *scratch,
                                         struct bgp_attrs *out, struct policy_memo *memo);

static enum policy_result eval_walk(struct bgp_peer *peer, enum bgp_afi afi,
                                    enum bgp_policy_dir dir, bool ebgp, const struct prefix *p,
                                    const struct bgp_attrs *in, const struct prefix *local_addr,
                                    struct bgp_arena *scratch, struct bgp_attrs *out,
                                    struct policy_memo *memo)
{
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	struct policy_config *pc = peer->bgp->policy;

	*out = *in;
	/* RFC 8212 section 4: no policy, no routes to or from an eBGP peer.
	 * Any of the three counts as a policy, as in FRR. */
	if (!rcfg_neighbor_af_has_policy(f, dir))
		return ebgp && peer->bgp->ebgp_requires_policy ? POLICY_DENY : POLICY_PERMIT;
	if (f->prefix_list[dir][0] != '\0' &&
	    prefix_list_apply_memo(pc, afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET,
	                           f->prefix_list[dir], p, memo) != POLICY_PERMIT)
		return POLICY_DENY;
	if (f->filter_list[dir][0] != '\0' && as_path_list_apply(pc, f->filter_list[dir], &in->aspath) != POLICY_PERMIT)
		return POLICY_DENY;
	return route_map_walk(peer, afi, dir, ebgp, p, in, local_addr, scratch, out, memo);
}

static enum policy_result route_map_walk(struct bgp_peer *peer, enum bgp_afi afi,
                                         enum bgp_policy_dir dir, bool ebgp, const struct prefix *p,
                                         const struct bgp_attrs *in,
                                         const struct prefix *local_addr, struct bgp_arena *scratch,
                                         struct bgp_attrs *out, struct policy_memo *memo)
{
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	struct policy_config *pc = peer->bgp->policy;

	*out = *in;
	if (f->route_map[dir][0] == '\0')
		return POLICY_PERMIT;
	struct policy_peer who = {.addr = peer->cfg.addr, .asn = peer_asn(peer), .ebgp = ebgp};
	struct policy_route route = {
		.prefix = p, .attrs = in, .peer = &who, .local_addr = local_addr, .weight = in->weight};
	uint32_t weight;
	enum policy_result rc = route_map_apply_memo(pc, route_map_find(pc, f->route_map[dir]),
	                                             &route, scratch, out, &weight, memo);
	/* `set weight` is local to this router: it matters only on the way
	 * in, as in FRR (out of the router no weight is ever sent). */
	out->weight = dir == BGP_POLICY_IN ? weight : in->weight;
	if (rc == POLICY_NO_MEMORY) {
		log_warn(LOG_TAG, "%s: route-map %s %s: out of scratch memory, route denied", peer->name,
			 f->route_map[dir], dir == BGP_POLICY_IN ? "in" : "out");
		return POLICY_DENY;
	}
	return rc;
}

enum policy_result bgp_policy_route_map(struct bgp_peer *peer, enum bgp_afi afi,
                                        enum bgp_policy_dir dir, bool ebgp, const struct prefix *p,
                                        const struct bgp_attrs *in, const struct prefix *local_addr,
                                        struct bgp_arena *scratch, struct bgp_attrs *out)
{
	return route_map_walk(peer, afi, dir, ebgp, p, in, local_addr, scratch, out, NULL);
}

enum policy_result bgp_policy_eval(struct bgp_peer *peer, enum bgp_afi afi, enum bgp_policy_dir dir,
                                   bool ebgp, const struct prefix *p, const struct bgp_attrs *in,
                                   const struct prefix *local_addr, struct bgp_arena *scratch,
                                   struct bgp_attrs *out, struct policy_memo *memo)
{
	if (memo != NULL)
		policy_memo_start(peer->bgp->policy, memo);
	enum policy_result rc =
	    eval_walk(peer, afi, dir, ebgp, p, in, local_addr, scratch, out, memo);
	/* The walk's verdict as told to the caller. A route-map that ran out
	 * of scratch memory left the memo unusable: the next route tries in
	 * full. */
	if (memo != NULL)
		memo->result = rc;
	return rc;
}

/* FNV-1a over a name, so that a rename between two missing objects still
 * counts as a change. */
static uint64_t name_hash(uint64_t h, const char *name)
{
	for (const unsigned char *c = (const unsigned char *)name; *c != '\0'; c++)
		h = (h ^ *c) * 0x100000001b3ull;
	return (h ^ 0xff) * 0x100000001b3ull;
}

static uint64_t signature(const struct bgp_peer *peer, enum bgp_afi afi, enum bgp_policy_dir dir)
{
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	struct policy_config *pc = peer->bgp->policy;
	uint64_t h = 0xcbf29ce484222325ull ^ (uint64_t)peer->bgp->ebgp_requires_policy;

	h = name_hash(h, f->prefix_list[dir]);
	h = name_hash(h, f->filter_list[dir]);
	h = name_hash(h, f->route_map[dir]);
	if (f->prefix_list[dir][0] != '\0')
		h = h * 31 + prefix_list_signature(pc, afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, f->prefix_list[dir]);
	if (f->filter_list[dir][0] != '\0')
		h = h * 31 + as_path_list_signature(pc, f->filter_list[dir]);
	if (f->route_map[dir][0] != '\0')
		h = h * 31 + route_map_signature(pc, f->route_map[dir]);
	/* The neighbor's weight is where inbound policy starts. */
	if (dir == BGP_POLICY_IN)
		h = h * 31 + f->weight;
	return h;
}

void bgp_policy_soft_in(struct bgp_peer *peer, enum bgp_afi afi)
{
	if (!bgp_peer_established(peer))
		return;
	if (peer->cfg.af[afi].soft_reconfig_in && (peer->adj_in_afis & (1u << afi)))
		bgp_adj_in_replay(peer, afi);
	else
		bgp_peer_request_refresh(peer, afi);
}

/* `soft-reconfiguration inbound` turned on or off. A copy made from now on
 * lacks what the peer sent before: on a live session the peer is asked
 * once for everything, which fills the copy (and applies the policy). */
static void follow_soft_in(struct bgp_peer *peer, enum bgp_afi afi)
{
	unsigned bit = 1u << afi;

	if (!peer->cfg.af[afi].soft_reconfig_in) {
		bgp_adj_in_drop(peer, afi);
		peer->adj_in_afis &= ~bit;
	} else if (!(peer->adj_in_afis & bit)) {
		bgp_adj_in_drop(peer, afi);
		peer->adj_in_afis |= bit;
		if (bgp_peer_established(peer))
			bgp_peer_request_refresh(peer, afi);
	}
}

void bgp_policy_follow(struct bgp_instance *bgp)
{
	for (struct bgp_peer *peer = bgp->peers; peer != NULL; peer = peer->next) {
		bool out_changed = false;
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
			uint64_t in = signature(peer, (enum bgp_afi)afi, BGP_POLICY_IN);
			uint64_t out = signature(peer, (enum bgp_afi)afi, BGP_POLICY_OUT);
			bool in_changed = in != peer->policy_sig[afi][BGP_POLICY_IN];
			out_changed |= out != peer->policy_sig[afi][BGP_POLICY_OUT];
			peer->policy_sig[afi][BGP_POLICY_IN] = in;
			peer->policy_sig[afi][BGP_POLICY_OUT] = out;
			bool had_copy = peer->adj_in_afis & (1u << afi);
			follow_soft_in(peer, (enum bgp_afi)afi);
			/* Applied again from the copy of what the peer sent when
			 * there is a complete one, else the peer sends it again. A
			 * copy just started asked for everything already. */
			if (in_changed && (had_copy || !(peer->adj_in_afis & (1u << afi))))
				bgp_policy_soft_in(peer, (enum bgp_afi)afi);
		}
		if (out_changed && bgp_peer_established(peer))
			bgp_output_refresh(peer);
	}
}
