/*
 * The pre-policy Adj-RIB-In of a neighbor with `soft-reconfiguration
 * inbound` (FRR's name for it): the routes as the peer sent them, before
 * the inbound policy, so that a changed policy (or `clear bgp X soft in`)
 * is applied again here instead of asking the peer for its routes with a
 * ROUTE-REFRESH (RFC 2918 section 1 names this copy as the alternative).
 *
 * RFC 4271 section 3.2 calls the routes as received the Adj-RIBs-In; the
 * RIB's paths are what the inbound policy made of them. Only peers with
 * the knob keep this second copy: one entry per (peer, prefix) holding a
 * reference to the interned attribute set it came with (sets are shared
 * with the RIB and between routes), indexed by a prefix hash.
 *
 * What is stored is what bgp_input.c would hand to the policy, but
 * without the neighbor's weight (that is configuration, applied again on
 * every replay).
 */
#include "bgp_internal.h"

#include <stdlib.h>

#include "log.h"
#include "pfxhash.h"
#include "slab.h"

#define LOG_TAG "bgp"

struct adj_in_entry {
	struct prefix prefix;        /* normalised: the index's key */
	struct bgp_attr_set *attrs;  /* one reference held */
};

struct bgp_adj_in {
	struct slab entries;         /* index mode: handles of the index */
	struct pfxhash index;
	uint32_t count[BGP_AFI_COUNT];
};

static struct adj_in_entry *entry_at(const struct bgp_adj_in *in, uint32_t h)
{
	return slab_at(&in->entries, h);
}

static const struct prefix *entry_key(const void *ctx, uint32_t h)
{
	return &entry_at(ctx, h)->prefix;
}

static enum bgp_afi prefix_afi(const struct prefix *p)
{
	return p->family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

static struct bgp_adj_in *adj_in_get(struct bgp_peer *peer)
{
	if (peer->adj_in == NULL) {
		struct bgp_adj_in *in = calloc(1, sizeof(*in));
		if (in == NULL)
			return NULL;
		slab_init(&in->entries, sizeof(struct adj_in_entry));
		pfxhash_init(&in->index, entry_key, in);
		peer->adj_in = in;
	}
	return peer->adj_in;
}

int bgp_adj_in_set(struct bgp_peer *peer, const struct prefix *p, struct bgp_attr_set *set)
{
	struct bgp_adj_in *in = adj_in_get(peer);

	if (in == NULL)
		return -1;
	uint32_t h = pfxhash_find(&in->index, p);
	if (h != PFXHASH_NONE) {
		struct adj_in_entry *e = entry_at(in, h);
		struct bgp_attr_set *old = e->attrs;
		e->attrs = bgp_attrset_ref(set);
		bgp_attrset_unref(peer->bgp->rib, old);
		return 0;
	}
	struct adj_in_entry *e = slab_alloc_idx(&in->entries, &h);
	if (e == NULL)
		return -1;
	e->prefix = *p;
	if (pfxhash_insert(&in->index, h) != 0) {
		slab_free_idx(&in->entries, h);
		return -1;
	}
	e->attrs = bgp_attrset_ref(set);
	in->count[prefix_afi(p)]++;
	return 0;
}

void bgp_adj_in_remove(struct bgp_peer *peer, const struct prefix *p)
{
	struct bgp_adj_in *in = peer->adj_in;

	if (in == NULL)
		return;
	uint32_t h = pfxhash_remove(&in->index, p);
	if (h == PFXHASH_NONE)
		return;
	bgp_attrset_unref(peer->bgp->rib, entry_at(in, h)->attrs);
	slab_free_idx(&in->entries, h);
	in->count[prefix_afi(p)]--;
}

/* The handles of one family (or all, afi < 0), in no order; malloc'd. */
static long family_handles(const struct bgp_adj_in *in, int afi, uint32_t **out)
{
	size_t n = pfxhash_count(&in->index), k = 0, pos = 0;
	uint32_t *v = malloc((n ? n : 1) * sizeof(*v));

	if (v == NULL)
		return -1;
	for (uint32_t h; (h = pfxhash_next(&in->index, &pos)) != PFXHASH_NONE;)
		if (afi < 0 || prefix_afi(&entry_at(in, h)->prefix) == (enum bgp_afi)afi)
			v[k++] = h;
	*out = v;
	return (long)k;
}

static void adj_in_free(struct bgp_peer *peer)
{
	struct bgp_adj_in *in = peer->adj_in;
	size_t pos = 0;

	for (uint32_t h; (h = pfxhash_next(&in->index, &pos)) != PFXHASH_NONE;)
		bgp_attrset_unref(peer->bgp->rib, entry_at(in, h)->attrs);
	pfxhash_fini(&in->index);
	slab_fini(&in->entries);
	free(in);
	peer->adj_in = NULL;
}

void bgp_adj_in_drop(struct bgp_peer *peer, int afi)
{
	struct bgp_adj_in *in = peer->adj_in;
	uint32_t *v;

	if (in == NULL)
		return;
	long n = afi < 0 ? 0 : family_handles(in, afi, &v);
	if (n < 0) {
		/* No memory even for the list: drop both families, and let
		 * the copies be made again from the peer (bgp_policy.c). */
		log_err(LOG_TAG, "%s: out of memory: routes kept as received dropped", peer->name);
		peer->adj_in_afis = 0;
		afi = -1;
	}
	if (afi < 0) {
		adj_in_free(peer);
		return;
	}
	for (long i = 0; i < n; i++) {
		struct prefix p = entry_at(in, v[i])->prefix;
		bgp_adj_in_remove(peer, &p);
	}
	free(v);
	if (pfxhash_count(&in->index) == 0)
		adj_in_free(peer);
}

void bgp_adj_in_session_down(struct bgp_peer *peer)
{
	bgp_adj_in_drop(peer, -1);
	peer->adj_in_afis = 0;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		if (peer->cfg.af[afi].soft_reconfig_in)
			peer->adj_in_afis |= 1u << afi;
}

uint32_t bgp_adj_in_count(const struct bgp_peer *peer, enum bgp_afi afi)
{
	return peer->adj_in != NULL ? peer->adj_in->count[afi] : 0;
}

int bgp_adj_in_replay(struct bgp_peer *peer, enum bgp_afi afi)
{
	struct bgp_adj_in *in = peer->adj_in;
	struct bgp_rib *rib = peer->bgp->rib;
	bool ebgp = bgp_peer_is_ebgp(peer);
	bool wanted = bgp_policy_wanted(peer, afi, BGP_POLICY_IN, ebgp);
	uint8_t buf[BGP_POLICY_SCRATCH];
	struct bgp_arena scratch;
	struct bgp_attrs out;
	uint32_t *v;
	int rc = 0;
	bool approval = bgp_approval_applies(peer);

	if (in == NULL)
		return 0;
	long n = family_handles(in, afi, &v);
	if (n < 0)
		return -1;
	log_info(LOG_TAG, "%s: inbound policy applied again to %ld %s routes kept as received", peer->name, n,
		 afi == BGP_AFI_IPV6 ? "IPv6" : "IPv4");
	/* Nothing below adds to or removes from this copy. */
	for (long i = 0; i < n && rc == 0; i++) {
		const struct adj_in_entry *e = entry_at(in, v[i]);
		struct bgp_attrs a = e->attrs->attrs;
		a.weight = peer->cfg.af[afi].weight;
		if (wanted) {
			bgp_arena_init(&scratch, buf, sizeof(buf));
			if (bgp_policy_eval(peer, afi, BGP_POLICY_IN, ebgp, &e->prefix, &a, NULL,
			                    &scratch, &out, NULL) != POLICY_PERMIT) {
				bgp_rib_withdraw(rib, peer, &e->prefix);
				continue;
			}
			a = out;
		}
		struct bgp_attr_set *set = bgp_attrset_intern(rib, &a);
		if (set == NULL) {
			rc = -1;
			break;
		}
		/* The replayed route passes the approval stage as a received
		 * one does (docs/approval.md: approval follows inbound policy). */
		rc = bgp_input_rib_add(rib, peer, ebgp, &e->prefix, set, approval);
		bgp_attrset_unref(rib, set);
	}
	free(v);
	if (rc != 0)
		log_err(LOG_TAG, "%s: out of memory applying the inbound policy again", peer->name);
	return rc;
}

int bgp_adj_in_walk(struct bgp_peer *peer, enum bgp_afi afi, bgp_adj_out_fn fn, void *arg)
{
	struct bgp_adj_in *in = peer->adj_in;
	uint32_t *v;
	int rc = 0;

	if (in == NULL)
		return 0;
	long n = pfxhash_sorted(&in->index, afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, &v);
	for (long i = 0; i < n && rc == 0; i++) {
		const struct adj_in_entry *e = entry_at(in, v[i]);
		rc = fn(&e->prefix, e->attrs, arg);
	}
	free(v);
	return n < 0 ? -1 : rc;
}

size_t bgp_adj_in_bytes(const struct bgp_peer *peer)
{
	const struct bgp_adj_in *in = peer->adj_in;

	if (in == NULL)
		return 0;
	return sizeof(*in) + slab_bytes(&in->entries) + in->index.cap * (sizeof(*in->index.slots) + 1);
}
