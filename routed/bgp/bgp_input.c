/*
 * Received UPDATEs into the RIB: RFC 7606 outcomes, loop detection (RFC
 * 4271 section 9.1.2), the eBGP first-AS check (section 6.3), the
 * neighbor's inbound policy (bgp_policy.c), route approval (held paths,
 * bgp_approval.c), and the per-family attribute sets the RIB interns.
 */
#include "bgp_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bgp_update.h"
#include "log.h"

#define LOG_TAG "bgp"

bool bgp_peer_is_ebgp(const struct bgp_peer *peer)
{
	if (peer->conn != NULL && peer->conn->open_received)
		return peer->conn->neg.peer_as != peer->bgp->asn;
	return peer->cfg.remote_as_kind == REMOTE_AS_EXTERNAL ||
	       (peer->cfg.remote_as_kind == REMOTE_AS_NUMBER && peer->cfg.remote_as != peer->bgp->asn);
}

void bgp_session_update_ctx(const struct bgp_conn *conn, struct bgp_update_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->as4 = conn->neg.as4;
	ctx->ebgp = bgp_peer_is_ebgp(conn->peer);
	ctx->extended_msg = conn->neg.extended_message;
	if (conn->neg.afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST))
		ctx->families |= BGP_UPD_AF_IPV4_UNICAST;
	if (conn->neg.afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST))
		ctx->families |= BGP_UPD_AF_IPV6_UNICAST;
	ctx->has_local4 = conn->has_local4;
	memcpy(ctx->local4, conn->local4, 4);
	ctx->has_local6 = conn->has_local6;
	memcpy(ctx->local6, conn->local6, 16);
}

static unsigned count_as(const struct bgp_aspath *path, uint32_t asn)
{
	unsigned n = 0;

	for (size_t i = 0; i < path->nsegs; i++)
		for (uint32_t k = 0; k < path->segs[i].count; k++)
			n += path->segs[i].asns[k] == asn;
	return n;
}

/* The AS that originated the route: the last of the last AS_SEQUENCE. */
static uint32_t origin_as(const struct bgp_aspath *path)
{
	if (path->nsegs == 0)
		return 0;
	const struct bgp_as_segment *last = &path->segs[path->nsegs - 1];
	return last->type == BGP_AS_SEQUENCE && last->count > 0 ? last->asns[last->count - 1] : 0;
}

/* RFC 4271 section 9.1.2: a route whose AS_PATH holds our own AS is a loop
 * and is not used, unless `allowas-in` accepts it (hub-and-spoke designs
 * where one AS sits on both sides): up to N occurrences, or only as the
 * originating AS. */
static bool is_loop(const struct bgp_peer *peer, enum bgp_afi afi, const struct bgp_aspath *path)
{
	uint32_t asn = peer->bgp->asn;
	unsigned n = count_as(path, asn);
	const struct bgp_neighbor_af_config *af = &peer->cfg.af[afi];

	if (peer->cfg.local_as != 0)
		n += count_as(path, peer->cfg.local_as);
	if (n == 0)
		return false;
	switch (af->allowas_in) {
	case ALLOWAS_IN_COUNT:
		return n > af->allowas_in_count;
	case ALLOWAS_IN_ORIGIN:
		return !(n == 1 && origin_as(path) == asn);
	default:
		return true;
	}
}

/* RFC 4486 section 4: Cease/Maximum Number of Prefixes Reached carries the
 * AFI, SAFI and the limit. Returns -1 when the session must go. */
static int check_max_prefix(struct bgp_conn *conn, enum bgp_afi afi)
{
	struct bgp_peer *peer = conn->peer;
	const struct bgp_neighbor_af_config *af = &peer->cfg.af[afi];
	uint32_t have = peer->pfx_rcvd[afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST];

	if (af->max_prefix == 0)
		return 0;
	uint64_t threshold = (uint64_t)af->max_prefix * (af->max_prefix_threshold ? af->max_prefix_threshold : 75) / 100;
	if (have < threshold) {
		peer->max_prefix_warned[afi] = false;
		return 0;
	}
	if (!peer->max_prefix_warned[afi]) {
		peer->max_prefix_warned[afi] = true;
		log_warn(LOG_TAG, "%s: %u %s prefixes received, limit %u", peer->name, have, bgp_afi_name(afi),
			 af->max_prefix);
	}
	if (have <= af->max_prefix || af->max_prefix_warning_only)
		return 0;
	uint8_t data[7] = {0, afi == BGP_AFI_IPV6 ? BGP_AFI_IPV6_WIRE : BGP_AFI_IPV4_WIRE, BGP_SAFI_UNICAST,
			   (uint8_t)(af->max_prefix >> 24), (uint8_t)(af->max_prefix >> 16), (uint8_t)(af->max_prefix >> 8),
			   (uint8_t)af->max_prefix};
	bgp_error_set(&conn->fsm.pending_error, BGP_ERR_CEASE, BGP_CEASE_MAX_PREFIX, data, sizeof(data));
	log_err(LOG_TAG, "%s: maximum-prefix %u exceeded for %s (%u received): closing the session until "
		"`clear bgp %s`", peer->name, af->max_prefix, bgp_afi_name(afi), have, peer->name);
	peer->held_down = true;
	return -1;
}

/* RFC 4271 section 6.3: from an external peer the leftmost AS must be the
 * peer's (FRR's enforce-first-as, on by default). */
static bool first_as_ok(const struct bgp_aspath *path, uint32_t peer_as)
{
	return path->nsegs > 0 && path->segs[0].type == BGP_AS_SEQUENCE && path->segs[0].count > 0 &&
	       path->segs[0].asns[0] == peer_as;
}

/* `neighbor X local-as L` (without no-prepend): routes from X carry L
 * first, so the rest of the world sees the path through the AS X knows us
 * by, as if the old AS still stood between (FRR's and Cisco's AS migration
 * behaviour). The new path lives in the UPDATE's arena. */
static int prepend_local_as(struct bgp_aspath *path, uint32_t local_as, struct bgp_arena *arena)
{
	bool join = path->nsegs > 0 && path->segs[0].type == BGP_AS_SEQUENCE;
	size_t nsegs = join ? path->nsegs : path->nsegs + 1;
	uint32_t first_count = join ? path->segs[0].count + 1 : 1;
	struct bgp_as_segment *segs = bgp_arena_alloc(arena, nsegs * sizeof(*segs));
	uint32_t *asns = bgp_arena_alloc(arena, first_count * sizeof(*asns));

	if (segs == NULL || asns == NULL)
		return -1;
	asns[0] = local_as;
	if (join)
		memcpy(asns + 1, path->segs[0].asns, path->segs[0].count * sizeof(*asns));
	segs[0] = (struct bgp_as_segment){BGP_AS_SEQUENCE, first_count, asns};
	for (size_t i = join ? 1 : 0; i < path->nsegs; i++)
		segs[join ? i : i + 1] = path->segs[i];
	path->segs = segs;
	path->nsegs = nsegs;
	return 0;
}

static void withdraw_all(struct bgp_rib *rib, struct bgp_peer *peer, const struct prefix *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		bgp_rib_withdraw(rib, peer, &list[i]);
		if (peer->adj_in != NULL)
			bgp_adj_in_remove(peer, &list[i]);
	}
}

/* The attributes for one family: IPv4 NLRI carry NEXT_HOP, IPv6 NLRI the
 * MP_REACH next hop; the other is cleared so equal routes share one set. */
static void family_attrs(const struct bgp_attrs *attrs, bool ipv6, struct bgp_attrs *a)
{
	*a = *attrs;
	if (ipv6) {
		a->present &= ~BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
		memset(a->nexthop, 0, sizeof(a->nexthop));
	} else {
		/* IPv4 NLRI carried in MP_REACH_NLRI (RFC 4760) have their
		 * next hop there: keep it, in the classic field. */
		if (!(a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP)) && a->mp_nexthop.family == AF_INET) {
			a->present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
			memcpy(a->nexthop, a->mp_nexthop.global, 4);
		}
		memset(&a->mp_nexthop, 0, sizeof(a->mp_nexthop));
	}
}

/* One route into the RIB after inbound policy: held when the peer is
 * subject to approval and no rule approves it (bgp_approval.c). */
int bgp_input_rib_add(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *p,
		      struct bgp_attr_set *set, bool approval)
{
	if (!approval)
		return bgp_rib_update(rib, peer, ebgp, p, set);
	bool held = bgp_approval_wanted_held(peer, p), was_held;
	int rc = bgp_rib_update_held(rib, peer, ebgp, p, set, held, &was_held);
	if (rc == 0)
		bgp_approval_learned(peer, p, held, was_held);
	return rc;
}

/* Inbound policy, route by route: a deny is a withdraw of the peer's path
 * (the peer may have sent an accepted one before); what the route-map
 * made is interned per route (equal results still share a set). The
 * routes of one UPDATE share their attributes: a memo of the last full
 * evaluation (policy.h) decides a route whose prefix answers its
 * prefix-list tests alike with those tests alone, and the route takes the
 * set that evaluation made. Otherwise the previous route's set is tried
 * first: an equality test instead of hashing the whole set. */
static int announce_with_policy(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct bgp_attrs *attrs,
				const struct prefix *list, size_t n, enum bgp_afi afi)
{
	uint8_t buf[BGP_POLICY_SCRATCH];
	struct bgp_arena scratch;
	struct bgp_attrs out;
	bool approval = bgp_approval_applies(peer);
	struct bgp_attr_set *last = NULL; /* one reference held */
	struct policy_memo memo = {.usable = false};
	int rc = 0;

	for (size_t i = 0; i < n && rc == 0; i++) {
		enum policy_result verdict;
		/* After a permitting walk, last is the set that walk made. */
		if (i > 0 && policy_memo_replay(peer->bgp->policy, &memo, &list[i], &verdict)) {
			if (verdict != POLICY_PERMIT)
				bgp_rib_withdraw(rib, peer, &list[i]);
			else
				rc = bgp_input_rib_add(rib, peer, ebgp, &list[i], last, approval);
			continue;
		}
		bgp_arena_init(&scratch, buf, sizeof(buf));
		if (bgp_policy_eval(peer, afi, BGP_POLICY_IN, ebgp, &list[i], attrs, NULL, &scratch,
		                    &out, &memo) != POLICY_PERMIT) {
			bgp_rib_withdraw(rib, peer, &list[i]);
			continue;
		}
		if (last == NULL || !bgp_attrs_equal(&last->attrs, &out)) {
			bgp_attrset_unref(rib, last);
			last = bgp_attrset_intern(rib, &out);
			if (last == NULL)
				return -1;
		}
		rc = bgp_input_rib_add(rib, peer, ebgp, &list[i], last, approval);
	}
	bgp_attrset_unref(rib, last);
	return rc;
}

/* `soft-reconfiguration inbound`: the routes as received, before the
 * policy (and the neighbor's weight), go to the peer's copy first. */
static int keep_as_received(struct bgp_peer *peer, const struct bgp_attrs *a, const struct prefix *list, size_t n)
{
	struct bgp_attr_set *set = bgp_attrset_intern(peer->bgp->rib, a);
	int rc = set == NULL ? -1 : 0;

	for (size_t i = 0; i < n && rc == 0; i++)
		rc = bgp_adj_in_set(peer, &list[i], set);
	bgp_attrset_unref(peer->bgp->rib, set);
	return rc;
}

static int announce(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct bgp_attrs *attrs,
		    const struct prefix *list, size_t n, bool ipv6)
{
	enum bgp_afi afi = ipv6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	struct bgp_attrs a;

	if (n == 0)
		return 0;
	family_attrs(attrs, ipv6, &a);
	if (peer->cfg.af[afi].soft_reconfig_in && keep_as_received(peer, &a, list, n) != 0)
		return -1;
	a.weight = peer->cfg.af[afi].weight;
	if (bgp_policy_wanted(peer, afi, BGP_POLICY_IN, ebgp))
		return announce_with_policy(rib, peer, ebgp, &a, list, n, afi);
	struct bgp_attr_set *set = bgp_attrset_intern(rib, &a);
	if (set == NULL)
		return -1;
	int rc = 0;
	bool approval = bgp_approval_applies(peer);
	for (size_t i = 0; i < n && rc == 0; i++)
		rc = bgp_input_rib_add(rib, peer, ebgp, &list[i], set, approval);
	bgp_attrset_unref(rib, set);
	return rc;
}

int bgp_input_update(struct bgp_conn *conn)
{
	struct bgp_peer *peer = conn->peer;
	struct bgp_instance *bgp = peer->bgp;
	struct bgp_update_ctx ctx;
	struct bgp_update u;
	struct bgp_arena arena;

	if (conn->msg_len < BGP_HEADER_LEN)
		return 0;
	size_t body_len = conn->msg_len - BGP_HEADER_LEN;
	size_t need = BGP_UPDATE_ARENA_SIZE(body_len);
	if (need > bgp->arena_cap) {
		uint8_t *grown = realloc(bgp->arena_buf, need);
		if (grown == NULL) {
			bgp_error_set(&conn->fsm.pending_error, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0);
			return -1;
		}
		bgp->arena_buf = grown;
		bgp->arena_cap = need;
	}
	bgp_arena_init(&arena, bgp->arena_buf, bgp->arena_cap);
	bgp_session_update_ctx(conn, &ctx);
	enum bgp_update_outcome outcome = bgp_update_parse(&ctx, conn->msg + BGP_HEADER_LEN, body_len, &arena, &u);

	if (outcome == UPD_SESSION_RESET) {
		conn->fsm.pending_error = u.error;
		log_warn(LOG_TAG, "%s: malformed UPDATE, resetting the session: %s", peer->name, u.reason);
		return -1;
	}
	withdraw_all(bgp->rib, peer, u.withdrawn, u.nwithdrawn);
	if (u.mp_unreach.present)
		withdraw_all(bgp->rib, peer, u.mp_unreach.prefixes, u.mp_unreach.count);
	if (u.flags & BGP_UPD_F_EOR) {
		log_info(LOG_TAG, "%s: End-of-RIB for AFI %u SAFI %u", peer->name, u.eor_afi, u.eor_safi);
		/* RFC 4724 section 4.2: what is still stale now is gone. */
		unsigned eor_afis = 1u << (u.eor_afi == BGP_AFI_IPV6_WIRE ? BGP_AFI_IPV6 : BGP_AFI_IPV4);
		bgp_peer_gr_done(peer, eor_afis);
		bgp_peer_eor_received(peer, eor_afis);
	}

	bool ebgp = ctx.ebgp;
	bool usable = outcome != UPD_TREAT_AS_WITHDRAW;
	const char *why = u.reason;
	if (outcome == UPD_ATTR_DISCARD)
		log_info(LOG_TAG, "%s: UPDATE attribute discarded (RFC 7606): %s", peer->name, u.reason);
	enum bgp_afi reach_afi = u.mp_reach.present && u.mp_reach.afi == BGP_AFI_IPV6_WIRE ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
	if (usable && (u.nnlri > 0 || u.mp_reach.count > 0)) {
		if (is_loop(peer, u.nnlri > 0 ? BGP_AFI_IPV4 : reach_afi, &u.attrs.aspath)) {
			usable = false;
			why = "AS_PATH contains our own AS (loop)";
		} else if (ebgp && !first_as_ok(&u.attrs.aspath, conn->neg.peer_as)) {
			usable = false;
			why = "first AS of the AS_PATH is not the peer's (enforce-first-as)";
		}
	}
	if (usable && ebgp && peer->cfg.local_as != 0 && !peer->cfg.local_as_no_prepend &&
	    (u.nnlri > 0 || u.mp_reach.count > 0) && prepend_local_as(&u.attrs.aspath, peer->cfg.local_as, &arena) != 0) {
		bgp_error_set(&conn->fsm.pending_error, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0);
		return -1;
	}
	if (!usable) {
		/* RFC 7606 section 2: treat-as-withdraw; the session stays. */
		if (u.nnlri > 0 || u.mp_reach.count > 0)
			log_info(LOG_TAG, "%s: UPDATE treated as withdraw: %s", peer->name, why);
		withdraw_all(bgp->rib, peer, u.nlri, u.nnlri);
		withdraw_all(bgp->rib, peer, u.mp_reach.prefixes, u.mp_reach.count);
		return 0;
	}
	if (announce(bgp->rib, peer, ebgp, &u.attrs, u.nlri, u.nnlri, false) != 0 ||
	    (u.mp_reach.present &&
	     announce(bgp->rib, peer, ebgp, &u.attrs, u.mp_reach.prefixes, u.mp_reach.count, reach_afi == BGP_AFI_IPV6) != 0)) {
		bgp_error_set(&conn->fsm.pending_error, BGP_ERR_CEASE, BGP_CEASE_OUT_OF_RESOURCES, NULL, 0);
		return -1;
	}
	if ((u.nnlri > 0 && check_max_prefix(conn, BGP_AFI_IPV4) != 0) ||
	    (u.mp_reach.count > 0 && check_max_prefix(conn, reach_afi) != 0))
		return -1;
	return 0;
}

void bgp_input_peer_down(struct bgp_peer *peer)
{
	bgp_adj_in_session_down(peer);
	bgp_rib_peer_down(peer->bgp->rib, peer);
	bgp_output_peer_down(peer);
}
