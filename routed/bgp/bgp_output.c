/*
 * What we send: the routes of the Loc-RIB as each peer should see them
 * (RFC 4271 section 9.2), kept in the peer's Adj-RIB-Out, and UPDATEs for
 * the differences, with prefixes that share attributes packed together.
 *
 * Export rules, as deployed speakers apply them without policy:
 *  - a route is not sent back to the peer it came from;
 *  - routes learned over iBGP are not sent to iBGP peers (no route
 *    reflection, RFC 4271 section 9.2.1);
 *  - to external peers: our AS prepended, the next hop is our address on
 *    the session, LOCAL_PREF removed (section 5.1.5), MED only for routes
 *    we originate (section 5.1.4), ORIGINATOR_ID and CLUSTER_LIST removed;
 *  - to internal peers: LOCAL_PREF present (100 unless set), next hop our
 *    address for routes we originate, unchanged otherwise.
 * Then the neighbor's outbound policy (bgp_policy.c): prefix-list,
 * filter-list, route-map; a deny withdraws the route from that peer.
 * A neighbor with maximum-prefix-out, advertise-summary or
 * advertise-cidrs sends what bgp_advertise.c plans from its Adj-RIB-Out
 * instead of the Adj-RIB-Out itself.
 */
#include "bgp_internal.h"

#include <stdlib.h>
#include <string.h>

#include "bgp_update.h"
#include "log.h"

#define LOG_TAG "bgp"

static enum bgp_afsafi afsafi_of(enum bgp_afi afi)
{
	return afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST;
}

static bool family_negotiated(const struct bgp_peer *peer, enum bgp_afi afi)
{
	return bgp_peer_established(peer) && (peer->conn->neg.afsafi & BGP_AFSAFI_BIT(afsafi_of(afi)));
}

/* Our address on the session as the next hop; for the other family, the
 * session interface's address (bgp_peer.c). IPv6 routes over an IPv4
 * session on an interface without a global IPv6 address get the
 * IPv4-mapped address, as FRR sends (RFC 4291 2.5.5.2).
 * Returns -1 when we have no address of a usable family. */
static int set_self_next_hop(struct bgp_attrs *a, const struct bgp_conn *conn, enum bgp_afi afi)
{
	memset(&a->mp_nexthop, 0, sizeof(a->mp_nexthop));
	if (afi == BGP_AFI_IPV4) {
		if (!conn->has_local4)
			return -1;
		a->present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
		memcpy(a->nexthop, conn->local4, 4);
		return 0;
	}
	a->present &= ~BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	a->mp_nexthop.family = AF_INET6;
	if (conn->has_local6) {
		memcpy(a->mp_nexthop.global, conn->local6, 16);
		return 0;
	}
	if (!conn->has_local4)
		return -1;
	a->mp_nexthop.global[10] = a->mp_nexthop.global[11] = 0xff;
	memcpy(a->mp_nexthop.global + 12, conn->local4, 4);
	return 0;
}

/* Our address on the session, as a host prefix in *buf (for `set ip
 * next-hop peer-address`, which means our address on export); NULL if the
 * session has none of its own family yet. */
static const struct prefix *session_local_address(const struct bgp_conn *conn, int family, struct prefix *buf)
{
	memset(buf, 0, sizeof(*buf));
	if (family == AF_INET && conn->has_local4) {
		*buf = (struct prefix){.family = AF_INET, .len = 32};
		memcpy(buf->addr, conn->local4, 4);
		return buf;
	}
	if (family == AF_INET6 && conn->has_local6) {
		*buf = (struct prefix){.family = AF_INET6, .len = 128};
		memcpy(buf->addr, conn->local6, 16);
		return buf;
	}
	return NULL;
}

/* Memory a rewritten AS_PATH borrows until the set is interned. */
struct aspath_scratch {
	struct bgp_as_segment *segs;
	uint32_t *asns;
};

/* RFC 4271 section 5.1.2 b: prepend our AS, joining the leading
 * AS_SEQUENCE or starting one. */
static int prepend_as(struct bgp_attrs *a, uint32_t asn, struct aspath_scratch *scratch)
{
	const struct bgp_aspath old = a->aspath;
	bool join = old.nsegs > 0 && old.segs[0].type == BGP_AS_SEQUENCE;
	size_t nsegs = join ? old.nsegs : old.nsegs + 1;
	uint32_t first_count = join ? old.segs[0].count + 1 : 1;

	scratch->segs = malloc(nsegs * sizeof(*scratch->segs));
	scratch->asns = malloc(first_count * sizeof(*scratch->asns));
	if (scratch->segs == NULL || scratch->asns == NULL)
		return -1;
	scratch->asns[0] = asn;
	if (join)
		memcpy(scratch->asns + 1, old.segs[0].asns, old.segs[0].count * sizeof(uint32_t));
	scratch->segs[0] = (struct bgp_as_segment){.type = BGP_AS_SEQUENCE, .count = first_count, .asns = scratch->asns};
	size_t skip = join ? 1 : 0;
	if (old.nsegs > skip)
		memcpy(scratch->segs + 1, old.segs + skip, (old.nsegs - skip) * sizeof(*scratch->segs));
	a->aspath.segs = scratch->segs;
	a->aspath.nsegs = nsegs;
	a->present |= BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
	return 0;
}

/*
 * RFC 1997 well-known communities: NO_ADVERTISE keeps the route from every
 * peer; NO_EXPORT and NO_EXPORT_SUBCONFED from every eBGP peer (there are
 * no confederations here, so both stop at our AS). Communities are kept
 * sorted, and the well-known values are the highest, so only the tail is
 * looked at.
 */
static bool well_known_community_forbids(const struct bgp_attrs *a, bool to_ebgp)
{
	if (!(a->present & BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES)))
		return false;
	for (size_t i = a->ncommunities; i > 0 && a->communities[i - 1] >= BGP_COMMUNITY_NO_EXPORT; i--) {
		uint32_t c = a->communities[i - 1];
		if (c == BGP_COMMUNITY_NO_ADVERTISE)
			return true;
		if (to_ebgp && (c == BGP_COMMUNITY_NO_EXPORT || c == BGP_COMMUNITY_NO_EXPORT_SUBCONFED))
			return true;
	}
	return false;
}

struct bgp_attr_set *bgp_output_export(struct bgp_peer *peer, const struct bgp_dest *dest, const struct bgp_path *best)
{
	enum bgp_afi afi = bgp_afi_of(&dest->prefix);
	bool to_ebgp = bgp_peer_is_ebgp(peer);
	struct aspath_scratch scratch = {0};
	struct bgp_attr_set *set = NULL;

	/* A route inside a summary-only aggregate is not sent (RFC 4271
	 * section 9.2.2.2 leaves the choice to the aggregating speaker). */
	if (best == NULL || best->peer == peer || (best->peer != NULL && !best->ebgp && !to_ebgp) ||
	    dest->suppressed)
		return NULL;
	if (well_known_community_forbids(&best->attrs->attrs, to_ebgp))
		return NULL;
	struct bgp_attrs a = best->attrs->attrs;
	a.weight = 0; /* never sent: routes that differ only in it share an UPDATE */
	if (to_ebgp) {
		a.present &= ~(BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF) | BGP_ATTR_MASK(BGP_ATTR_ORIGINATOR_ID) |
			       BGP_ATTR_MASK(BGP_ATTR_CLUSTER_LIST));
		a.ncluster_list = 0;
		if (best->peer != NULL)
			a.present &= ~BGP_ATTR_MASK(BGP_ATTR_MED);
		/* `local-as X`: the peer knows us as X, so X leads the path;
		 * our real AS follows unless `replace-as`. */
		uint32_t lead = peer->cfg.local_as ? peer->cfg.local_as : peer->bgp->asn;
		bool real_too = peer->cfg.local_as != 0 && !peer->cfg.local_as_replace_as;
		if ((real_too && prepend_as(&a, peer->bgp->asn, &scratch) != 0))
			goto out;
		struct aspath_scratch inner = scratch;
		scratch = (struct aspath_scratch){0};
		int rc = prepend_as(&a, lead, &scratch);
		free(inner.segs);
		free(inner.asns);
		if (rc != 0 || set_self_next_hop(&a, peer->conn, afi) != 0)
			goto out;
	} else {
		if (!(a.present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))) {
			a.present |= BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF);
			a.local_pref = BGP_DEFAULT_LOCAL_PREF;
		}
		/* Routes we originate, and with `next-hop-self` all routes,
		 * carry our address. */
		if ((best->peer == NULL || peer->cfg.af[afi].next_hop_self) &&
		    set_self_next_hop(&a, peer->conn, afi) != 0)
			goto out;
	}
	bgp_attrs_normalize(&a);
	set = bgp_output_intern_allowed(peer, afi, &dest->prefix, &a, false);
out:
	free(scratch.segs);
	free(scratch.asns);
	return set;
}

struct bgp_attr_set *bgp_output_intern_allowed(struct bgp_peer *peer, enum bgp_afi afi,
                                               const struct prefix *p, const struct bgp_attrs *a,
                                               bool route_map_only)
{
	bool to_ebgp = bgp_peer_is_ebgp(peer);

	if (route_map_only ? peer->cfg.af[afi].route_map[BGP_POLICY_OUT][0] == '\0'
	                   : !bgp_policy_wanted(peer, afi, BGP_POLICY_OUT, to_ebgp))
		return bgp_attrset_intern(peer->bgp->rib, a);
	/* The outbound policy sees the route as the built-in rules made it;
	 * a deny withdraws it from this peer. */
	uint8_t buf[BGP_POLICY_SCRATCH];
	struct bgp_arena policy_scratch;
	struct bgp_attrs allowed;
	struct prefix local;
	bgp_arena_init(&policy_scratch, buf, sizeof(buf));
	const struct prefix *local_addr =
	    session_local_address(peer->conn, peer->cfg.addr.family, &local);
	enum policy_result rc = route_map_only
	                            ? bgp_policy_route_map(peer, afi, BGP_POLICY_OUT, to_ebgp, p, a,
	                                                   local_addr, &policy_scratch, &allowed)
	                            : bgp_policy_eval(peer, afi, BGP_POLICY_OUT, to_ebgp, p, a,
	                                              local_addr, &policy_scratch, &allowed, NULL);
	if (rc != POLICY_PERMIT)
		return NULL;
	return bgp_attrset_intern(peer->bgp->rib, &allowed);
}

/* The attribute set peer should see for dest's best path, interned (one
 * reference for the caller), or NULL when nothing should be sent. */
static struct bgp_attr_set *export_set(struct bgp_peer *peer, const struct bgp_dest *dest)
{
	/* What the peer's domain sees (docs/domains.md). */
	return bgp_output_export(peer, dest, bgp_view_best(peer->bgp, dest, peer->domain));
}

/* ---- grouping announcements by attribute set --------------------------------- */

struct group {
	struct bgp_attr_set *set;     /* borrowed: the Adj-RIB-Out holds a reference */
	struct prefix *prefixes;
	size_t n, cap;
};

struct batch {
	struct group *groups;
	size_t ngroups, cap;
	struct prefix *withdrawn;
	size_t nwithdrawn, wcap;
	/* MinRouteAdvertisementIntervalTimer running (RFC 4271 section
	 * 9.2.1.1): withdrawals go now, announcements wait for it. */
	bool withdraw_only;
	bool deferred;                 /* an announcement was held back */
};

static int push_prefix(struct prefix **list, size_t *n, size_t *cap, const struct prefix *p)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct prefix *l = realloc(*list, ncap * sizeof(*l));
		if (l == NULL)
			return -1;
		*list = l;
		*cap = ncap;
	}
	(*list)[(*n)++] = *p;
	return 0;
}

/* inline: refresh_dest() calls it for every route to every peer, and it
 * should stay in its body as when it was the only caller. */
static inline int batch_announce(struct batch *b, struct bgp_attr_set *set, const struct prefix *p)
{
	/* Most batches hold few distinct sets; search from the newest, which
	 * is where consecutive prefixes of one peer's table land. */
	for (size_t i = b->ngroups; i > 0; i--)
		if (b->groups[i - 1].set == set)
			return push_prefix(&b->groups[i - 1].prefixes, &b->groups[i - 1].n, &b->groups[i - 1].cap, p);
	if (b->ngroups == b->cap) {
		size_t ncap = b->cap ? b->cap * 2 : 8;
		struct group *g = realloc(b->groups, ncap * sizeof(*g));
		if (g == NULL)
			return -1;
		b->groups = g;
		b->cap = ncap;
	}
	b->groups[b->ngroups] = (struct group){.set = set};
	struct group *g = &b->groups[b->ngroups++];
	return push_prefix(&g->prefixes, &g->n, &g->cap, p);
}

static void batch_free(struct batch *b)
{
	for (size_t i = 0; i < b->ngroups; i++)
		free(b->groups[i].prefixes);
	free(b->groups);
	free(b->withdrawn);
	memset(b, 0, sizeof(*b));
}

/* Send spec in as many UPDATEs as it takes. */
static void send_spec(struct bgp_peer *peer, const struct bgp_update_ctx *ctx, struct bgp_update_spec spec)
{
	size_t max_len = bgp_update_max_len(ctx);
	struct builder b;

	while (spec.nwithdraw > 0 || spec.nannounce > 0) {
		size_t nw = 0, na = 0;
		builder_init_dynamic(&b, max_len);
		if (bgp_update_build(&b, ctx, &spec, max_len, &nw, &na) != 0 || (nw == 0 && na == 0)) {
			log_err(LOG_TAG, "%s: cannot encode an UPDATE (%zu withdrawals, %zu announcements left)",
				peer->name, spec.nwithdraw, spec.nannounce);
			builder_free(&b);
			return;
		}
		bgp_conn_send(peer->conn, &b, BGP_MSG_UPDATE);
		builder_free(&b);
		spec.withdraw += nw;
		spec.nwithdraw -= nw;
		spec.announce += na;
		spec.nannounce -= na;
	}
}

static void batch_send(struct bgp_peer *peer, struct batch *b, enum bgp_afi afi)
{
	struct bgp_update_ctx ctx;
	int family = afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;

	bgp_session_update_ctx(peer->conn, &ctx);
	if (b->nwithdrawn > 0)
		send_spec(peer, &ctx, (struct bgp_update_spec){.family = family, .withdraw = b->withdrawn,
							       .nwithdraw = b->nwithdrawn});
	for (size_t i = 0; i < b->ngroups; i++)
		send_spec(peer, &ctx, (struct bgp_update_spec){.family = family, .attrs = &b->groups[i].set->attrs,
							       .announce = b->groups[i].prefixes,
							       .nannounce = b->groups[i].n});
}

struct bgp_attr_set *bgp_output_adj_out(const struct bgp_peer *peer, const struct bgp_dest *dest)
{
	return dest->id < peer->adj_out_cap ? peer->adj_out[dest->id] : NULL;
}

/* Room in the peer's Adj-RIB-Out for every destination id in use; made
 * when something is first announced to it, so a peer that only sends
 * (the source of the table) costs nothing. */
static int ensure_adj_out(struct bgp_peer *peer)
{
	uint32_t need = bgp_rib_dest_id_limit(peer->bgp->rib);

	if (need <= peer->adj_out_cap)
		return 0;
	/* In steps of 64 Ki entries (512 KiB): a table arriving route by
	 * route reallocates a few dozen times, not a million, and the array
	 * ends within a step of the table's size (growing by half would leave
	 * up to a third of it unused, 4 MiB a peer at a million routes). */
	uint32_t step = 65536;
	uint32_t cap = need + (step - need % step) % step;
	struct bgp_attr_set **grown = realloc(peer->adj_out, cap * sizeof(*grown));
	if (grown == NULL)
		return -1;
	memset(grown + peer->adj_out_cap, 0, (cap - peer->adj_out_cap) * sizeof(*grown));
	peer->adj_out = grown;
	peer->adj_out_cap = cap;
	return 0;
}

/* ---- outbound shaping (bgp_advertise.c) --------------------------------------- */

/* A peer with maximum-prefix-out, advertise-summary or advertise-cidrs:
 * its Adj-RIB-Out keeps what the policy allows, and bgp_advertise.c
 * decides, once per burst, what is sent. */
static int shaped_changed(struct bgp_peer *peer, enum bgp_afi afi)
{
	bgp_advertise_changed(peer, afi);
	return 0;
}

/* The NULL test first: plain peers pay nothing more. */
static inline bool shaped(const struct bgp_peer *peer, enum bgp_afi afi)
{
	return peer->advertise != NULL && bgp_advertise_active(peer, afi);
}

int bgp_output_self_next_hop(struct bgp_attrs *a, const struct bgp_conn *conn, enum bgp_afi afi)
{
	return set_self_next_hop(a, conn, afi);
}

/* Bring the peer's Adj-RIB-Out entry for dest up to date, noting the
 * change in the batch. */
static int refresh_dest(struct bgp_peer *peer, const struct bgp_dest *dest, struct batch *b)
{
	enum bgp_afi afi = bgp_afi_of(&dest->prefix);
	struct bgp_attr_set *want = export_set(peer, dest);
	struct bgp_attr_set *have = bgp_output_adj_out(peer, dest);
	struct bgp_rib *rib = peer->bgp->rib;

	if (want == have) {
		bgp_attrset_unref(rib, want);
		return 0;
	}
	if (want != NULL && b->withdraw_only) {
		bgp_attrset_unref(rib, want);
		b->deferred = true;
		return 0;
	}
	if (want == NULL) {
		peer->adj_out[dest->id] = NULL;
		bgp_attrset_unref(rib, have);
		if (shaped(peer, afi))
			return shaped_changed(peer, afi);
		peer->pfx_sent[afsafi_of(afi)]--;
		return push_prefix(&b->withdrawn, &b->nwithdrawn, &b->wcap, &dest->prefix);
	}
	if (ensure_adj_out(peer) != 0) {
		bgp_attrset_unref(rib, want);
		return -1;
	}
	peer->adj_out[dest->id] = want;
	if (have != NULL)
		bgp_attrset_unref(rib, have);
	else if (!shaped(peer, afi))
		peer->pfx_sent[afsafi_of(afi)]++;
	if (shaped(peer, afi))
		return shaped_changed(peer, afi);
	return batch_announce(b, want, &dest->prefix);
}

void bgp_output_dest_gone(struct bgp_instance *bgp, const struct bgp_dest *dest)
{
	if (bgp == NULL)
		return;
	for (struct bgp_peer *peer = bgp->peers; peer != NULL; peer = peer->next) {
		struct bgp_attr_set *have = bgp_output_adj_out(peer, dest);
		if (have == NULL)
			continue;
		peer->adj_out[dest->id] = NULL;
		bgp_attrset_unref(bgp->rib, have);
		if (!shaped(peer, bgp_afi_of(&dest->prefix)))
			peer->pfx_sent[afsafi_of(bgp_afi_of(&dest->prefix))]--;
	}
}

/* ---- MRAI (RFC 4271 section 9.2.1.1) ----------------------------------------- */

static unsigned mrai_seconds(const struct bgp_peer *peer)
{
	return peer->cfg.advertisement_interval_set ? peer->cfg.advertisement_interval : BGP_DEFAULT_MRAI;
}

/* Announcements just went out: the next ones wait an interval, jittered
 * to 75-100% (RFC 4271 section 10). */
static void mrai_after_send(struct bgp_peer *peer, const struct batch *b)
{
	unsigned secs = mrai_seconds(peer);

	if (secs == 0 || b->ngroups == 0 || timer_pending(&peer->mrai))
		return;
	if (peer->mrai.ev == NULL && timer_init(&peer->mrai, peer->bgp->loop, bgp_output_mrai_expired, peer) != 0)
		return;
	timer_start_jitter(&peer->mrai, secs * 1000u, 25);
}

/* ---- draining the RIB's change queue ---------------------------------------- */

static void flush(void *arg)
{
	struct bgp_instance *bgp = arg;

	bgp_originate_before_flush(bgp, bgp_rib_queue_peek(bgp->rib));
	struct bgp_dest *changed = bgp_rib_queue_take(bgp->rib);

	/* While route selection is deferred after our restart (RFC 4724
	 * section 4.1) peers get nothing; the FIB is still brought up to date
	 * (relearned routes replace the kept ones in place). */
	for (struct bgp_peer *peer = bgp->gr_restarting ? NULL : bgp->peers; peer != NULL; peer = peer->next) {
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
			if (!family_negotiated(peer, (enum bgp_afi)afi))
				continue;
			struct batch b = {.withdraw_only = timer_pending(&peer->mrai)};
			for (struct bgp_dest *d = changed; d != NULL; d = d->queue_next)
				if (bgp_afi_of(&d->prefix) == (enum bgp_afi)afi)
					refresh_dest(peer, d, &b);
			peer->mrai_deferred |= b.deferred;
			mrai_after_send(peer, &b);
			batch_send(peer, &b, (enum bgp_afi)afi);
			batch_free(&b);
			if (shaped(peer, (enum bgp_afi)afi))
				bgp_advertise_rib_changed(peer, (enum bgp_afi)afi, changed);
		}
	}
	bgp_domain_count_sync(bgp, changed);
	bgp_fib_sync(bgp, changed);
	bgp_rib_queue_done(bgp->rib, changed);
}

void bgp_output_schedule(struct bgp_instance *bgp)
{
	if (bgp->flush.ev == NULL && timer_init(&bgp->flush, bgp->loop, flush, bgp) != 0)
		return;
	/* Zero delay: after the current event, so one UPDATE burst from a
	 * peer becomes one round of UPDATEs to the others. */
	if (!timer_pending(&bgp->flush))
		timer_start(&bgp->flush, 0);
}

void bgp_output_networks_changed(struct bgp_instance *bgp)
{
	bgp_output_schedule(bgp);
}

struct dump {
	struct bgp_peer *peer;
	struct batch batch;
};

static int dump_one(struct bgp_dest *dest, void *arg)
{
	struct dump *d = arg;
	return refresh_dest(d->peer, dest, &d->batch);
}

static void send_end_of_rib(struct bgp_peer *peer, enum bgp_afi afi)
{
	uint8_t buf[64];
	struct builder b;

	builder_init_fixed(&b, buf, sizeof(buf));
	bgp_update_build_eor(&b, afi == BGP_AFI_IPV6 ? BGP_AFI_IPV6_WIRE : BGP_AFI_IPV4_WIRE, BGP_SAFI_UNICAST);
	bgp_conn_send(peer->conn, &b, BGP_MSG_UPDATE);
}

/* Bring the peer's Adj-RIB-Out of one family up to date from the Loc-RIB. */
static void sync_family(struct bgp_peer *peer, enum bgp_afi afi)
{
	struct dump d = {.peer = peer};

	bgp_advertise_configure(peer);
	/* Order does not matter on the wire (UPDATEs group by attribute
	 * set): no sort of the whole table. */
	bgp_rib_scan(peer->bgp->rib, afi, dump_one, &d);
	mrai_after_send(peer, &d.batch);
	batch_send(peer, &d.batch, afi);
	batch_free(&d.batch);
	bgp_advertise_run(peer, afi);
}

/* Bring the peer's whole Adj-RIB-Out up to date from the Loc-RIB, each
 * negotiated family in turn; with end_of_rib, follow each family with an
 * End-of-RIB marker (RFC 4724 section 2). */
static void sync_table(struct bgp_peer *peer, bool end_of_rib)
{
	if (peer->bgp->gr_restarting)
		return;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (!family_negotiated(peer, (enum bgp_afi)afi))
			continue;
		sync_family(peer, (enum bgp_afi)afi);
		if (end_of_rib)
			send_end_of_rib(peer, (enum bgp_afi)afi);
	}
}

void bgp_output_established(struct bgp_peer *peer)
{
	sync_table(peer, true);
}

void bgp_output_refresh(struct bgp_peer *peer)
{
	sync_table(peer, false);
}

void bgp_output_peer_down(struct bgp_peer *peer)
{
	timer_stop(&peer->mrai);
	peer->mrai_deferred = false;
	bgp_advertise_peer_down(peer);
	for (uint32_t id = 0; id < peer->adj_out_cap; id++)
		bgp_attrset_unref(peer->bgp->rib, peer->adj_out[id]);
	free(peer->adj_out);
	peer->adj_out = NULL;
	peer->adj_out_cap = 0;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		peer->pfx_sent[afsafi_of((enum bgp_afi)afi)] = 0;
}

struct forget {
	struct bgp_peer *peer;
};

static int forget_one(struct bgp_dest *dest, void *arg)
{
	struct bgp_peer *peer = ((struct forget *)arg)->peer;
	struct bgp_attr_set *have = bgp_output_adj_out(peer, dest);

	if (have != NULL) {
		peer->adj_out[dest->id] = NULL;
		bgp_attrset_unref(peer->bgp->rib, have);
	}
	return 0;
}

void bgp_output_resend(struct bgp_peer *peer, enum bgp_afi afi)
{
	struct forget f = {peer};

	if (!family_negotiated(peer, afi) || peer->bgp->gr_restarting)
		return;
	/* Forget what was sent, so the scan sends every route again. */
	bgp_rib_scan(peer->bgp->rib, afi, forget_one, &f);
	bgp_advertise_resend(peer, afi);
	peer->pfx_sent[afsafi_of(afi)] = 0;
	sync_family(peer, afi);
}

struct adj_out_walk {
	const struct bgp_peer *peer;
	bgp_adj_out_fn fn;
	void *arg;
};

static int adj_out_visit(struct bgp_dest *dest, void *arg)
{
	struct adj_out_walk *w = arg;
	const struct bgp_attr_set *set = bgp_output_adj_out(w->peer, dest);

	return set != NULL ? w->fn(&dest->prefix, set, w->arg) : 0;
}

int bgp_output_walk(const struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg)
{
	struct adj_out_walk w = {.peer = peer, .fn = fn, .arg = arg};

	if (shaped(peer, afi))
		return bgp_advertise_walk(peer, afi, fn, arg);
	return bgp_rib_walk(peer->bgp->rib, afi, adj_out_visit, &w);
}

void bgp_output_mrai_expired(void *arg)
{
	struct bgp_peer *peer = arg;

	/* What was held back goes now: the whole table compared with the
	 * Adj-RIB-Out, so only real differences leave, in one round. */
	if (!peer->mrai_deferred || !bgp_peer_established(peer) || peer->bgp->gr_restarting)
		return;
	peer->mrai_deferred = false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		if (family_negotiated(peer, (enum bgp_afi)afi))
			sync_family(peer, (enum bgp_afi)afi);
}

int bgp_output_send(struct bgp_peer *peer, enum bgp_afi afi, const struct prefix *withdrawn,
                    size_t nwithdrawn, const struct prefix *announced,
                    struct bgp_attr_set *const *sets, size_t nannounced)
{
	struct batch b = {0};

	for (size_t i = 0; i < nwithdrawn; i++)
		if (push_prefix(&b.withdrawn, &b.nwithdrawn, &b.wcap, &withdrawn[i]) != 0)
			goto out;
	for (size_t i = 0; i < nannounced; i++)
		if (batch_announce(&b, sets[i], &announced[i]) != 0)
			goto out;
	mrai_after_send(peer, &b);
	batch_send(peer, &b, afi);
	batch_free(&b);
	return 0;
out:
	/* Nothing was sent: the caller keeps what the peer has and tries
	 * again. */
	log_err(LOG_TAG, "%s: out of memory sending %zu withdrawals and %zu announcements",
	        peer->name, nwithdrawn, nannounced);
	batch_free(&b);
	return -1;
}
