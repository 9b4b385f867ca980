/*
 * Outbound shaping for neighbors that take only so many routes (cloud
 * gateways: AWS VPN 100, TGW Connect 1,000, Azure Route Server 1,000 to
 * 4,000, each dropping the session beyond): `maximum-prefix-out`,
 * `advertise-summary [allow-overreach]`, `advertise-cidrs` (docs/advertise.md).
 *
 * Where it sits:
 *
 *   Loc-RIB -> export rules -> outbound policy -> Adj-RIB-Out (candidates)
 *   -> advertise plan (bgp_advertise_plan.c) -> what is sent
 *
 * For a shaped peer, bgp_output.c keeps writing the Adj-RIB-Out per
 * destination, but sends nothing itself: it tells us a family changed,
 * and a timer (ADVERTISE_DELAY_MS, or four times what the last plan took
 * if more, at most ADVERTISE_DELAY_MAX_MS; not restarted by later
 * changes) runs the plan once for a whole burst, so a table arriving
 * route by route costs one plan per delay, not one per route, and a large
 * table is planned at most a fifth of the time. A plan reads the family's
 * candidates in one RIB scan, computes what to send, and sends the
 * difference from what was sent before (kept here, sorted by prefix, with
 * one reference per attribute set). Peers without these options never
 * reach this file: peer->advertise stays NULL.
 *
 * Summary and CIDR routes carry aggregate attributes (RFC 4271 section
 * 9.2.2.2): ORIGIN the worst of the contributors', the longest leading
 * AS_SEQUENCE they share (then ours, as for any route to an external
 * peer), ATOMIC_AGGREGATE when a contributor's path was longer than that
 * (section 5.1.6), AGGREGATOR us (section 5.1.7), next hop ourselves.
 *
 * The state lives while the session is up: made at the first full sync
 * (from what was sent until then) and freed when the session goes down.
 *
 * Ownership: the peer owns its struct bgp_advertise (peer->advertise).
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp_advertise_plan.h"
#include "log.h"

#define LOG_TAG            "bgp"
#define ADVERTISE_DELAY_MS 200
/* The delay is at least this many times what the last plan took, so that
 * planning a large table takes at most a fifth of the loop's time. */
#define ADVERTISE_DELAY_FACTOR 4
#define ADVERTISE_DELAY_MAX_MS 10000
/* Longest shared AS_SEQUENCE a summary keeps: an AS_PATH segment holds
 * 255 ASes, and two may be ours. */
#define COMMON_MAX 253
/* Most communities a summary or CIDR collects from the routes it covers
 * (a summary of routes tagged alike carries a few). */
#define ADV_COMMUNITIES_MAX 256

struct adv_sent {
	struct prefix prefix;
	struct bgp_attr_set *set; /* one reference */
};

struct adv_family {
	struct adv_sent *sent; /* what the peer has, sorted by prefix_cmp */
	size_t nsent, cap;
	/* The last plan, for `show bgp neighbors X advertise-plan`, with the
	 * candidate prefixes and CIDRs its indices refer to. */
	struct adv_plan plan;
	struct prefix *candidates;
	size_t ncandidates;
	struct prefix cidrs[CONFIG_ADVERTISE_CIDRS_MAX];
	bool active; /* the family has one of the options */
	bool planned;
	bool dirty; /* the Adj-RIB-Out changed since the plan */
	/* Announce everything again at the next plan (ROUTE-REFRESH, RFC
	 * 2918 section 4); what was sent still guides the limit, so the
	 * peer gets the same prefixes and keeps no others beyond it. */
	bool resend;
	/* Logged once per crossing, re-armed when the count drops below. */
	bool warned, limited, summarized;
};

struct bgp_advertise {
	struct bgp_peer *peer;
	struct adv_family af[BGP_AFI_COUNT];
	struct timer rerun;
	uint32_t last_cost_ms; /* what the last plan took */
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint32_t rerun_delay(const struct bgp_advertise *adv)
{
	uint64_t ms = (uint64_t)adv->last_cost_ms * ADVERTISE_DELAY_FACTOR;

	return ms < ADVERTISE_DELAY_MS       ? ADVERTISE_DELAY_MS
	       : ms > ADVERTISE_DELAY_MAX_MS ? ADVERTISE_DELAY_MAX_MS
	                                     : (uint32_t)ms;
}

static bool negotiated(const struct bgp_peer *peer, enum bgp_afi afi)
{
	enum bgp_afsafi as =
	    afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST;
	return bgp_peer_established(peer) && (peer->conn->neg.afsafi & BGP_AFSAFI_BIT(as));
}

static uint32_t *pfx_sent_of(struct bgp_peer *peer, enum bgp_afi afi)
{
	return &peer->pfx_sent[afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST
	                                           : BGP_AFSAFI_IPV4_UNICAST];
}

/* ---- growing arrays ---------------------------------------------------------------- */

static int grow(void **list, size_t *cap, size_t need, size_t size)
{
	if (need <= *cap)
		return 0;
	size_t ncap = *cap ? *cap : 64;
	while (ncap < need)
		ncap *= 2;
	void *l = realloc(*list, ncap * size);
	if (l == NULL)
		return -1;
	*list = l;
	*cap = ncap;
	return 0;
}

static void sent_clear(struct bgp_rib *rib, struct adv_family *fam)
{
	for (size_t i = 0; i < fam->nsent; i++)
		bgp_attrset_unref(rib, fam->sent[i].set);
	fam->nsent = 0;
}

static void family_free(struct bgp_rib *rib, struct adv_family *fam)
{
	sent_clear(rib, fam);
	free(fam->sent);
	adv_plan_free(&fam->plan);
	free(fam->candidates);
	memset(fam, 0, sizeof(*fam));
}

/* ---- summary and CIDR attributes (RFC 4271 section 9.2.2.2) ------------------------- */

struct adv_agg {
	bool any;
	bool extra; /* a path had more than a leading AS_SEQUENCE */
	size_t longest_lead;
	uint8_t origin;
	uint32_t common[COMMON_MAX];
	size_t ncommon;
	/* Every community of the covered routes, as aggregate-address
	 * as-set collects them (bgp_originate.c), unsorted, unique. */
	uint32_t comms[ADV_COMMUNITIES_MAX];
	size_t ncomms;
	bool truncated; /* more than ADV_COMMUNITIES_MAX: the rest left out */
};

static void agg_add_community(struct adv_agg *g, uint32_t c)
{
	for (size_t i = 0; i < g->ncomms; i++)
		if (g->comms[i] == c)
			return;
	if (g->ncomms == ADV_COMMUNITIES_MAX) {
		g->truncated = true;
		return;
	}
	g->comms[g->ncomms++] = c;
}

static void agg_add(struct adv_agg *g, const struct bgp_attrs *a)
{
	const struct bgp_aspath *path = &a->aspath;
	const struct bgp_as_segment *lead =
	    path->nsegs > 0 && path->segs[0].type == BGP_AS_SEQUENCE ? &path->segs[0] : NULL;
	size_t lead_len = lead != NULL ? lead->count : 0;

	if (path->nsegs > (lead != NULL ? 1u : 0u))
		g->extra = true;
	if (lead_len > g->longest_lead)
		g->longest_lead = lead_len;
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES))
		for (size_t i = 0; i < a->ncommunities; i++)
			agg_add_community(g, a->communities[i]);
	if (!g->any) {
		g->any = true;
		g->origin = a->origin;
		g->ncommon = lead_len < COMMON_MAX ? lead_len : COMMON_MAX;
		if (g->ncommon > 0)
			memcpy(g->common, lead->asns, g->ncommon * sizeof(uint32_t));
		return;
	}
	/* INCOMPLETE over EGP over IGP. */
	if (a->origin > g->origin)
		g->origin = a->origin;
	size_t shared = 0;
	while (shared < g->ncommon && shared < lead_len && lead->asns[shared] == g->common[shared])
		shared++;
	g->ncommon = shared;
}

/* The summary's (or CIDR's) attributes as peer sees them, after the
 * neighbor's outbound route-map (FRR applies outbound policy to
 * aggregates too; the prefix-list and filter-list chose the covered
 * routes, and a CIDR replaces them), interned; NULL when the route-map
 * denies prefix, without an address for the next hop, or out of memory. */
static struct bgp_attr_set *agg_set(struct bgp_peer *peer, enum bgp_afi afi,
                                    const struct prefix *prefix, const struct adv_agg *g)
{
	struct bgp_instance *bgp = peer->bgp;
	uint32_t asns[COMMON_MAX + 2];
	size_t n = 0;
	struct bgp_attrs a;
	uint32_t id = htonl(bgp->router_id);

	memset(&a, 0, sizeof(a));
	if (bgp_peer_is_ebgp(peer)) {
		/* As export_set() in bgp_output.c: `local-as X` leads, our
		 * real AS follows unless `replace-as`. */
		asns[n++] = peer->cfg.local_as ? peer->cfg.local_as : bgp->asn;
		if (peer->cfg.local_as != 0 && !peer->cfg.local_as_replace_as)
			asns[n++] = bgp->asn;
	} else {
		a.present |= BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF);
		a.local_pref = BGP_DEFAULT_LOCAL_PREF;
	}
	memcpy(asns + n, g->common, g->ncommon * sizeof(uint32_t));
	n += g->ncommon;
	struct bgp_as_segment seg = {.type = BGP_AS_SEQUENCE, .count = (uint32_t)n, .asns = asns};
	a.present |= BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH) |
	             BGP_ATTR_MASK(BGP_ATTR_AGGREGATOR);
	a.origin = g->origin;
	a.aspath.segs = n > 0 ? &seg : NULL;
	a.aspath.nsegs = n > 0 ? 1 : 0;
	/* Section 5.1.6: path information was lost. */
	if (g->extra || g->longest_lead > g->ncommon)
		a.present |= BGP_ATTR_MASK(BGP_ATTR_ATOMIC_AGGREGATE);
	a.aggregator_as = bgp->asn;
	memcpy(a.aggregator_addr, &id, 4);
	/* A copy: normalising sorts the communities in place. */
	uint32_t comms[ADV_COMMUNITIES_MAX];
	if (g->ncomms > 0) {
		memcpy(comms, g->comms, g->ncomms * sizeof(comms[0]));
		a.communities = comms;
		a.ncommunities = g->ncomms;
		a.present |= BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES);
	}
	if (g->truncated) {
		char text[PREFIX_STRLEN];
		log_warn(LOG_TAG, "%s: summary %s: more communities than %d; the rest are left out",
		         peer->name, prefix_format(prefix, text, sizeof(text)),
		         ADV_COMMUNITIES_MAX);
	}
	if (bgp_output_self_next_hop(&a, peer->conn, afi) != 0)
		return NULL;
	bgp_attrs_normalize(&a);
	return bgp_output_intern_allowed(peer, afi, prefix, &a, true);
}

/* ---- collecting a family ----------------------------------------------------------------- */

struct candidate {
	struct prefix prefix;
	struct bgp_dest *dest;
};

struct collect {
	struct bgp_peer *peer;
	const struct bgp_neighbor_af_config *f;
	bool want_routed;
	struct candidate *cand;
	size_t ncand, ccap;
	struct prefix *routed;
	size_t nrouted, rcap;
	bool reachable[CONFIG_ADVERTISE_CIDRS_MAX];
	struct adv_agg cidr_agg[CONFIG_ADVERTISE_CIDRS_MAX];
	bool failed;
};

static int collect_dest(struct bgp_dest *dest, void *arg)
{
	struct collect *c = arg;
	/* What the peer's domain routes (docs/domains.md). */
	const struct bgp_path *best = bgp_view_best(c->peer->bgp, dest, c->peer->domain);

	if (bgp_output_adj_out(c->peer, dest) != NULL) {
		if (grow((void **)&c->cand, &c->ccap, c->ncand + 1, sizeof(*c->cand)) != 0)
			goto fail;
		c->cand[c->ncand++] = (struct candidate){.prefix = dest->prefix, .dest = dest};
	}
	if (best == NULL)
		return 0;
	if (c->want_routed) {
		if (grow((void **)&c->routed, &c->rcap, c->nrouted + 1, sizeof(*c->routed)) != 0)
			goto fail;
		c->routed[c->nrouted++] = dest->prefix;
	}
	/* A CIDR stands while a route inside it is reachable; not one the
	 * peer itself gave us, which would send its traffic back to it. */
	if (best->peer == c->peer)
		return 0;
	for (size_t i = 0; i < c->f->advertise_cidr_count; i++)
		if (prefix_contains(&c->f->advertise_cidrs[i], &dest->prefix)) {
			c->reachable[i] = true;
			agg_add(&c->cidr_agg[i], &best->attrs->attrs);
		}
	return 0;
fail:
	c->failed = true;
	return -1;
}

static int candidate_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct candidate *)a)->prefix,
	                  &((const struct candidate *)b)->prefix);
}

/* ---- running a plan ----------------------------------------------------------------------- */

/* The attribute set an entry of the plan goes with: one new reference. */
static struct bgp_attr_set *entry_set(struct bgp_peer *peer, enum bgp_afi afi,
                                      const struct adv_plan *plan, const struct adv_entry *e,
                                      const struct collect *c)
{
	if (e->kind == ADV_ROUTE)
		return bgp_attrset_ref(
		    bgp_output_adj_out(peer, c->cand[plan->members[e->first]].dest));
	if (e->kind == ADV_CIDR)
		return agg_set(peer, afi, &e->prefix, &c->cidr_agg[e->first]);
	struct adv_agg g = {0};
	for (size_t k = 0; k < e->count; k++) {
		const struct bgp_path *best =
		    bgp_view_best(peer->bgp, c->cand[plan->members[e->first + k]].dest, peer->domain);
		if (best != NULL)
			agg_add(&g, &best->attrs->attrs);
	}
	return agg_set(peer, afi, &e->prefix, &g);
}

/* Log the crossings of the warning threshold and of the limit, once each
 * way. */
static void log_crossings(struct bgp_peer *peer, enum bgp_afi afi, struct adv_family *fam)
{
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	const struct adv_plan *p = &fam->plan;
	size_t warn_at = f->max_prefix_out ? adv_plan_warn_at(f->max_prefix_out) : 0;
	bool over_warn = f->max_prefix_out != 0 && p->nentries >= warn_at;

	if (over_warn && !fam->warned)
		log_warn(LOG_TAG,
		         "%s: maximum-prefix-out %u in %s: %zu prefixes to send, warning threshold "
		         "%zu (80%%) "
		         "reached",
		         peer->name, f->max_prefix_out, bgp_afi_name(afi), p->nentries, warn_at);
	fam->warned = over_warn;
	if (p->nheld > 0 && !fam->limited)
		log_warn(LOG_TAG, "%s: maximum-prefix-out %u in %s reached: %zu prefixes held back",
		         peer->name, f->max_prefix_out, bgp_afi_name(afi), p->nheld);
	else if (p->nheld == 0 && fam->limited)
		log_notice(LOG_TAG, "%s: maximum-prefix-out in %s: nothing held back any more",
		           peer->name, bgp_afi_name(afi));
	fam->limited = p->nheld > 0;
	if (p->summarized > 0 && !fam->summarized)
		log_notice(LOG_TAG, "%s: advertise-summary in %s: %zu prefixes sent as summaries",
		           peer->name, bgp_afi_name(afi), p->summarized);
	fam->summarized = p->summarized > 0;
}

/* Send the difference between what the peer has and target (sorted, one
 * reference each, taken over on success). -1 when out of memory: nothing
 * was sent or recorded, and target is still the caller's. */
static int send_difference(struct bgp_peer *peer, enum bgp_afi afi, struct adv_family *fam,
                           struct adv_sent *target, size_t ntarget)
{
	struct bgp_rib *rib = peer->bgp->rib;
	struct prefix *withdrawn = malloc((fam->nsent + 1) * sizeof(*withdrawn));
	struct prefix *announced = malloc((ntarget + 1) * sizeof(*announced));
	struct bgp_attr_set **sets = malloc((ntarget + 1) * sizeof(*sets));
	size_t nw = 0, na = 0, i = 0, j = 0;

	if (withdrawn == NULL || announced == NULL || sets == NULL) {
		free(withdrawn);
		free(announced);
		free(sets);
		return -1;
	}
	while (i < fam->nsent || j < ntarget) {
		int c = i == fam->nsent ? 1
		        : j == ntarget  ? -1
		                        : prefix_cmp(&fam->sent[i].prefix, &target[j].prefix);
		if (c < 0) {
			withdrawn[nw++] = fam->sent[i++].prefix;
		} else if (c > 0) {
			announced[na] = target[j].prefix;
			sets[na++] = target[j++].set;
		} else {
			if (fam->sent[i].set != target[j].set || fam->resend) {
				announced[na] = target[j].prefix;
				sets[na++] = target[j].set;
			}
			i++;
			j++;
		}
	}
	int rc = bgp_output_send(peer, afi, withdrawn, nw, announced, sets, na);
	free(withdrawn);
	free(announced);
	free(sets);
	/* Out of memory, nothing went out: what the peer has stays recorded
	 * as it is, and the caller plans again later. */
	if (rc != 0)
		return -1;
	fam->resend = false;
	sent_clear(rib, fam);
	free(fam->sent);
	fam->sent = target;
	fam->nsent = fam->cap = ntarget;
	*pfx_sent_of(peer, afi) = (uint32_t)ntarget;
	return 0;
}

/* now: even while the MRAI timer runs (the options are being turned off
 * and the state goes away). */
static void run_family(struct bgp_peer *peer, enum bgp_afi afi, bool now)
{
	struct adv_family *fam = &peer->advertise->af[afi];
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	struct collect c = {
	    .peer = peer, .f = f, .want_routed = f->advertise_summary && f->max_prefix_out != 0};
	struct prefix *sent = NULL, *cand = NULL;
	struct adv_sent *target = NULL;
	struct adv_plan plan;

	fam->dirty = false;
	if (!negotiated(peer, afi) || peer->bgp->gr_restarting)
		return;
	/* RFC 4271 section 9.2.1.1: the interval runs; its expiry syncs the
	 * family again, which brings us back. */
	if (!now && timer_pending(&peer->mrai)) {
		peer->mrai_deferred = true;
		return;
	}
	uint64_t started = now_ms();
	bgp_rib_scan(peer->bgp->rib, afi, collect_dest, &c);
	if (c.failed)
		goto oom;
	if (c.ncand > 1)
		qsort(c.cand, c.ncand, sizeof(*c.cand), candidate_cmp);
	sent = malloc((fam->nsent + 1) * sizeof(*sent));
	cand = malloc((c.ncand + 1) * sizeof(*cand));
	if (sent == NULL || cand == NULL)
		goto oom;
	for (size_t i = 0; i < fam->nsent; i++)
		sent[i] = fam->sent[i].prefix;
	for (size_t i = 0; i < c.ncand; i++)
		cand[i] = c.cand[i].prefix;
	struct adv_plan_input in = {.candidates = cand,
	                            .ncandidates = c.ncand,
	                            .sent = sent,
	                            .nsent = fam->nsent,
	                            .routed = c.routed,
	                            .nrouted = c.nrouted,
	                            .cidrs = f->advertise_cidrs,
	                            .cidr_reachable = c.reachable,
	                            .ncidrs = f->advertise_cidr_count,
	                            .limit = f->max_prefix_out,
	                            .summary = f->advertise_summary,
	                            .allow_overreach = f->advertise_summary_overreach};
	if (adv_plan_compute(&in, &plan) != 0)
		goto oom;
	target = malloc((plan.nsent + 1) * sizeof(*target));
	if (target == NULL) {
		adv_plan_free(&plan);
		goto oom;
	}
	size_t ntarget = 0;
	for (size_t k = 0; k < plan.nentries; k++) {
		const struct adv_entry *e = &plan.entries[k];
		if (e->held)
			continue;
		struct bgp_attr_set *set = entry_set(peer, afi, &plan, e, &c);
		if (set != NULL)
			target[ntarget++] = (struct adv_sent){.prefix = e->prefix, .set = set};
	}
	if (send_difference(peer, afi, fam, target, ntarget) != 0) {
		for (size_t k = 0; k < ntarget; k++)
			bgp_attrset_unref(peer->bgp->rib, target[k].set);
		free(target);
		adv_plan_free(&plan);
		goto oom;
	}
	adv_plan_free(&fam->plan);
	free(fam->candidates);
	fam->plan = plan;
	fam->candidates = cand;
	fam->ncandidates = c.ncand;
	memcpy(fam->cidrs, f->advertise_cidrs, sizeof(fam->cidrs));
	fam->planned = true;
	cand = NULL;
	log_crossings(peer, afi, fam);
	uint64_t cost = now_ms() - started;
	peer->advertise->last_cost_ms = cost > UINT32_MAX ? UINT32_MAX : (uint32_t)cost;
	goto out;
oom:
	log_err(LOG_TAG, "%s: out of memory planning what to send in %s; will try again",
	        peer->name, bgp_afi_name(afi));
	fam->dirty = true;
	timer_start(&peer->advertise->rerun, rerun_delay(peer->advertise));
out:
	free(sent);
	free(cand);
	free(c.cand);
	free(c.routed);
}

static void rerun_due(void *arg)
{
	struct bgp_peer *peer = arg;

	for (int afi = 0; afi < BGP_AFI_COUNT && peer->advertise != NULL; afi++)
		if (peer->advertise->af[afi].dirty)
			run_family(peer, (enum bgp_afi)afi, false);
}

/* ---- the hooks bgp_output.c calls ----------------------------------------------------- */

static int seed_one(struct bgp_dest *dest, void *arg)
{
	struct bgp_peer *peer = arg;
	struct bgp_attr_set *set = bgp_output_adj_out(peer, dest);
	struct adv_family *fam = &peer->advertise->af[bgp_afi_of(&dest->prefix)];

	if (set == NULL)
		return 0;
	if (grow((void **)&fam->sent, &fam->cap, fam->nsent + 1, sizeof(*fam->sent)) != 0)
		return -1;
	fam->sent[fam->nsent++] =
	    (struct adv_sent){.prefix = dest->prefix, .set = bgp_attrset_ref(set)};
	return 0;
}

static int sent_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct adv_sent *)a)->prefix,
	                  &((const struct adv_sent *)b)->prefix);
}

static int start_family(struct bgp_peer *peer, enum bgp_afi afi)
{
	struct adv_family *fam = &peer->advertise->af[afi];

	/* Until now the Adj-RIB-Out was what the peer has. */
	if (bgp_rib_scan(peer->bgp->rib, afi, seed_one, peer) != 0) {
		family_free(peer->bgp->rib, fam);
		return -1;
	}
	if (fam->nsent > 1)
		qsort(fam->sent, fam->nsent, sizeof(*fam->sent), sent_cmp);
	fam->active = true;
	return 0;
}

void bgp_advertise_configure(struct bgp_peer *peer)
{
	bool want[BGP_AFI_COUNT];

	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		want[afi] = rcfg_neighbor_af_shapes_output(&peer->cfg.af[afi]);
	if ((peer->advertise == NULL && !want[BGP_AFI_IPV4] && !want[BGP_AFI_IPV6]) ||
	    !bgp_peer_established(peer))
		return;
	if (peer->advertise == NULL) {
		struct bgp_advertise *adv = calloc(1, sizeof(*adv));
		if (adv == NULL || timer_init(&adv->rerun, peer->bgp->loop, rerun_due, peer) != 0) {
			free(adv);
			log_err(LOG_TAG,
			        "%s: out of memory: maximum-prefix-out and advertise options not "
			        "applied",
			        peer->name);
			return;
		}
		adv->peer = peer;
		peer->advertise = adv;
	}
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		struct adv_family *fam = &peer->advertise->af[afi];
		if (want[afi] && !fam->active && start_family(peer, (enum bgp_afi)afi) != 0)
			log_err(LOG_TAG,
			        "%s: out of memory: maximum-prefix-out and advertise options not "
			        "applied in %s",
			        peer->name, bgp_afi_name((enum bgp_afi)afi));
		if (!want[afi] && fam->active) {
			/* The options are gone: a last plan without them makes
			 * the peer's routes the Adj-RIB-Out again, then plain
			 * output takes over. */
			run_family(peer, (enum bgp_afi)afi, true);
			family_free(peer->bgp->rib, fam);
		}
	}
	if (!peer->advertise->af[BGP_AFI_IPV4].active && !peer->advertise->af[BGP_AFI_IPV6].active)
		bgp_advertise_peer_down(peer);
}

bool bgp_advertise_active(const struct bgp_peer *peer, enum bgp_afi afi)
{
	return peer->advertise != NULL && peer->advertise->af[afi].active;
}

void bgp_advertise_changed(struct bgp_peer *peer, enum bgp_afi afi)
{
	struct bgp_advertise *adv = peer->advertise;

	adv->af[afi].dirty = true;
	if (!timer_pending(&adv->rerun))
		timer_start(&adv->rerun, rerun_delay(adv));
}

void bgp_advertise_rib_changed(struct bgp_peer *peer, enum bgp_afi afi,
                               const struct bgp_dest *changed)
{
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];

	if (peer->advertise->af[afi].dirty ||
	    (f->advertise_cidr_count == 0 && !f->advertise_summary))
		return;
	for (const struct bgp_dest *d = changed; d != NULL; d = d->queue_next)
		if (bgp_afi_of(&d->prefix) == afi) {
			bgp_advertise_changed(peer, afi);
			return;
		}
}

void bgp_advertise_run(struct bgp_peer *peer, enum bgp_afi afi)
{
	if (bgp_advertise_active(peer, afi))
		run_family(peer, afi, false);
}

void bgp_advertise_resend(struct bgp_peer *peer, enum bgp_afi afi)
{
	if (bgp_advertise_active(peer, afi))
		peer->advertise->af[afi].resend = true;
}

void bgp_advertise_peer_down(struct bgp_peer *peer)
{
	struct bgp_advertise *adv = peer->advertise;

	if (adv == NULL)
		return;
	timer_fini(&adv->rerun);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		family_free(peer->bgp->rib, &adv->af[afi]);
	free(adv);
	peer->advertise = NULL;
}

int bgp_advertise_walk(const struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg)
{
	const struct adv_family *fam = &peer->advertise->af[afi];

	for (size_t i = 0; i < fam->nsent; i++) {
		int rc = fn(&fam->sent[i].prefix, fam->sent[i].set, arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

/* ---- show bgp neighbors X advertise-plan -------------------------------------------------- */

static const char *const kind_name[] = {
    [ADV_ROUTE] = "route", [ADV_SUMMARY] = "summary", [ADV_CIDR] = "cidr"};

static const char *mode_name(const struct bgp_neighbor_af_config *f)
{
	return f->advertise_cidr_count > 0 ? "cidrs" : f->advertise_summary ? "summary" : "routes";
}

static struct json_object *entry_json(const struct adv_family *fam, const struct adv_entry *e)
{
	struct json_object *o = json_object_new_object();
	char buf[PREFIX_STRLEN];

	json_object_object_add(o, "prefix",
	                       json_object_new_string(prefix_format(&e->prefix, buf, sizeof(buf))));
	json_object_object_add(o, "kind", json_object_new_string(kind_name[e->kind]));
	if (e->kind == ADV_SUMMARY) {
		struct json_object *list = json_object_new_array();
		for (size_t k = 0; k < e->count; k++)
			json_object_array_add(list,
			                      json_object_new_string(prefix_format(
			                          &fam->candidates[fam->plan.members[e->first + k]],
			                          buf, sizeof(buf))));
		json_object_object_add(o, "replaces", list);
	}
	return o;
}

static const struct bgp_peer *find_peer(const struct bgp_instance *bgp, const struct prefix *addr)
{
	for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next)
		if (prefix_equal(&p->cfg.addr, addr))
			return p;
	return NULL;
}

struct json_object *bgp_show_advertise_plan_json(const struct bgp_instance *bgp,
                                                 const struct prefix *addr, enum bgp_afi afi)
{
	const struct bgp_peer *peer = find_peer(bgp, addr);
	struct json_object *o = json_object_new_object();

	if (peer == NULL) {
		json_object_object_add(o, "warning", json_object_new_string("No such neighbor"));
		return o;
	}
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	const struct adv_family *fam = peer->advertise != NULL ? &peer->advertise->af[afi] : NULL;
	json_object_object_add(o, "neighbor", json_object_new_string(peer->name));
	json_object_object_add(
	    o, "addressFamily",
	    json_object_new_string(afi == BGP_AFI_IPV6 ? "ipv6Unicast" : "ipv4Unicast"));
	json_object_object_add(o, "mode", json_object_new_string(mode_name(f)));
	json_object_object_add(o, "maximumPrefixOut", json_object_new_int64(f->max_prefix_out));
	if (f->max_prefix_out != 0)
		json_object_object_add(
		    o, "warningThreshold",
		    json_object_new_int64((int64_t)adv_plan_warn_at(f->max_prefix_out)));
	json_object_object_add(o, "advertiseSummary",
	                       json_object_new_boolean(f->advertise_summary));
	json_object_object_add(o, "allowOverreach",
	                       json_object_new_boolean(f->advertise_summary_overreach));
	json_object_object_add(o, "planned", json_object_new_boolean(fam != NULL && fam->planned));
	if (fam == NULL || !fam->planned)
		return o;
	const struct adv_plan *p = &fam->plan;
	json_object_object_add(o, "candidateCount",
	                       json_object_new_int64((int64_t)fam->ncandidates));
	json_object_object_add(o, "wantedCount", json_object_new_int64((int64_t)p->nentries));
	json_object_object_add(o, "sentCount", json_object_new_int64((int64_t)p->nsent));
	json_object_object_add(o, "heldCount", json_object_new_int64((int64_t)p->nheld));
	json_object_object_add(o, "summarizedCount", json_object_new_int64((int64_t)p->summarized));
	json_object_object_add(o, "summaryOverLimit",
	                       json_object_new_boolean(p->summary_over_limit));
	json_object_object_add(o, "pending", json_object_new_boolean(fam->dirty));
	struct json_object *sent = json_object_new_array(), *held = json_object_new_array();
	struct json_object *summaries = json_object_new_object();
	char buf[PREFIX_STRLEN];
	for (size_t k = 0; k < p->nentries; k++) {
		const struct adv_entry *e = &p->entries[k];
		json_object_array_add(e->held ? held : sent, entry_json(fam, e));
		if (e->kind != ADV_SUMMARY)
			continue;
		struct json_object *list = json_object_new_array();
		for (size_t m = 0; m < e->count; m++)
			json_object_array_add(list, json_object_new_string(prefix_format(
			                                &fam->candidates[p->members[e->first + m]],
			                                buf, sizeof(buf))));
		json_object_object_add(summaries, prefix_format(&e->prefix, buf, sizeof(buf)),
		                       list);
	}
	json_object_object_add(o, "advertised", sent);
	json_object_object_add(o, "heldBack", held);
	json_object_object_add(o, "summaries", summaries);
	return o;
}

int bgp_show_advertise_plan(const struct bgp_instance *bgp, const struct prefix *addr,
                            enum bgp_afi afi, FILE *out)
{
	const struct bgp_peer *peer = find_peer(bgp, addr);
	char buf[PREFIX_STRLEN];

	if (peer == NULL)
		return -1;
	const struct bgp_neighbor_af_config *f = &peer->cfg.af[afi];
	const struct adv_family *fam = peer->advertise != NULL ? &peer->advertise->af[afi] : NULL;
	fprintf(out, "Advertise plan for %s, %s unicast: %s\n", peer->name, bgp_afi_name(afi),
	        f->advertise_cidr_count > 0 ? "advertise-cidrs"
	        : f->advertise_summary
	            ? (f->advertise_summary_overreach ? "advertise-summary allow-overreach"
	                                              : "advertise-summary")
	            : "learned routes");
	if (f->max_prefix_out != 0)
		fprintf(out, "  maximum-prefix-out %u, warning at %zu\n", f->max_prefix_out,
		        adv_plan_warn_at(f->max_prefix_out));
	else
		fputs("  no maximum-prefix-out\n", out);
	if (fam == NULL || !fam->planned) {
		fputs("  no plan: the session is down or the neighbor has no outbound options\n",
		      out);
		return 0;
	}
	const struct adv_plan *p = &fam->plan;
	fprintf(out, "  %zu candidates, %zu wanted, %zu sent, %zu held back, %zu summarised%s%s\n",
	        fam->ncandidates, p->nentries, p->nsent, p->nheld, p->summarized,
	        p->summary_over_limit ? "; no summary without overreach fits the limit" : "",
	        fam->dirty ? "; changes pending" : "");
	for (int held = 0; held < 2; held++) {
		bool first = true;
		for (size_t k = 0; k < p->nentries; k++) {
			const struct adv_entry *e = &p->entries[k];
			if (e->held != (held == 1))
				continue;
			if (first)
				fputs(held ? "Held back by the limit:\n" : "Sent:\n", out);
			first = false;
			fprintf(out, "  %-20s %s", prefix_format(&e->prefix, buf, sizeof(buf)),
			        kind_name[e->kind]);
			if (e->kind == ADV_SUMMARY) {
				fprintf(out, " of %zu:", e->count);
				for (size_t m = 0; m < e->count; m++)
					fprintf(out, " %s",
					        prefix_format(
					            &fam->candidates[p->members[e->first + m]], buf,
					            sizeof(buf)));
			}
			fputc('\n', out);
		}
	}
	return 0;
}
