/*
 * RIB: interned attribute sets, destinations in a prefix hash, the
 * decision process, and locally originated routes.
 */
#include "bgp_rib.h"

#include <arpa/inet.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_internal.h"
#include "pfxhash.h"
#include "slab.h"

#define ATTRSET_BUCKETS_MIN 1024

/* Why a destination's route is not in the kernel (bgp_dest.fib_failed). */
struct fib_failure {
	struct prefix prefix; /* the key */
	char reason[96];
};

struct bgp_rib {
	struct bgp_instance *bgp;
	struct pfxhash dests;            /* both families; handles: destination ids */
	struct slab dest_slab;           /* index mode: a destination's id is its index */
	struct slab path_slab;
	struct pfxhash fib_failures;     /* handles: indexes in failure_slab */
	struct slab failure_slab;        /* struct fib_failure, index mode */
	uint32_t dest_count[BGP_AFI_COUNT];
	struct bgp_attr_set **buckets;
	size_t nbuckets;
	size_t nsets;
	struct bgp_dest *queue_head, *queue_tail;
};

/* ---- interned attribute sets ------------------------------------------------ */

/*
 * An interned set and its arrays are one allocation, the arrays packed
 * after the struct at 8-byte alignment (what uint64_t and pointers need;
 * the parse arena's 16 would cost a quarter of a typical set), so a set
 * costs its struct and the bytes its arrays hold, nothing more.
 */
#define SET_ALIGN 8

static size_t set_round(size_t n)
{
	return (n + SET_ALIGN - 1) & ~(size_t)(SET_ALIGN - 1);
}

/* Bytes the arrays of attrs take when packed after the struct. */
static size_t attrs_extra_size(const struct bgp_attrs *a)
{
	size_t n = set_round(a->aspath.nsegs * sizeof(struct bgp_as_segment));

	for (size_t i = 0; i < a->aspath.nsegs; i++)
		n += set_round(a->aspath.segs[i].count * sizeof(uint32_t));
	n += set_round(a->ncommunities * sizeof(uint32_t)) + set_round(a->next_communities * sizeof(uint64_t)) +
	     set_round(a->nlarge_communities * sizeof(struct bgp_large_community)) +
	     set_round(a->ncluster_list * sizeof(uint32_t)) + set_round(a->nunknown * sizeof(struct bgp_attr_raw));
	for (size_t i = 0; i < a->nunknown; i++)
		n += set_round(a->unknown[i].len);
	return n;
}

/* Hands out the packed space behind a set, in attrs_extra_size() order. */
struct set_space {
	uint8_t *next;
};

static void *copy_array(struct set_space *space, const void *src, size_t bytes)
{
	if (bytes == 0)
		return NULL;
	void *dst = space->next;
	memcpy(dst, src, bytes);
	space->next += set_round(bytes);
	return dst;
}

/* attrs with every array copied into space (sized by attrs_extra_size). */
static void attrs_deep_copy(struct bgp_attrs *dst, const struct bgp_attrs *src, struct set_space *space)
{
	*dst = *src;
	dst->aspath.segs = copy_array(space, src->aspath.segs, src->aspath.nsegs * sizeof(*src->aspath.segs));
	for (size_t i = 0; i < src->aspath.nsegs; i++)
		dst->aspath.segs[i].asns = copy_array(space, src->aspath.segs[i].asns,
						      src->aspath.segs[i].count * sizeof(uint32_t));
	dst->communities = copy_array(space, src->communities, src->ncommunities * sizeof(uint32_t));
	dst->ext_communities = copy_array(space, src->ext_communities, src->next_communities * sizeof(uint64_t));
	dst->large_communities = copy_array(space, src->large_communities,
					    src->nlarge_communities * sizeof(struct bgp_large_community));
	dst->cluster_list = copy_array(space, src->cluster_list, src->ncluster_list * sizeof(uint32_t));
	dst->unknown = copy_array(space, src->unknown, src->nunknown * sizeof(struct bgp_attr_raw));
	for (size_t i = 0; i < src->nunknown; i++)
		dst->unknown[i].value = copy_array(space, src->unknown[i].value, src->unknown[i].len);
}

static int grow_buckets(struct bgp_rib *rib)
{
	size_t n = rib->nbuckets ? rib->nbuckets * 2 : ATTRSET_BUCKETS_MIN;
	struct bgp_attr_set **b = calloc(n, sizeof(*b));

	if (b == NULL)
		return -1;
	for (size_t i = 0; i < rib->nbuckets; i++) {
		struct bgp_attr_set *s = rib->buckets[i];
		while (s != NULL) {
			struct bgp_attr_set *next = s->next;
			size_t k = s->hash & (n - 1);
			s->next = b[k];
			b[k] = s;
			s = next;
		}
	}
	free(rib->buckets);
	rib->buckets = b;
	rib->nbuckets = n;
	return 0;
}

struct bgp_attr_set *bgp_attrset_intern(struct bgp_rib *rib, const struct bgp_attrs *attrs)
{
	uint64_t h64 = bgp_attrs_hash(attrs);
	uint32_t h = (uint32_t)(h64 ^ (h64 >> 32));

	if (rib->nsets >= rib->nbuckets && grow_buckets(rib) != 0 && rib->nbuckets == 0)
		return NULL;
	size_t k = h & (rib->nbuckets - 1);
	for (struct bgp_attr_set *s = rib->buckets[k]; s != NULL; s = s->next)
		if (s->hash == h && bgp_attrs_equal(&s->attrs, attrs))
			return bgp_attrset_ref(s);
	size_t extra = attrs_extra_size(attrs);
	struct bgp_attr_set *s = malloc(sizeof(*s) + extra);
	if (s == NULL)
		return NULL;
	_Static_assert(sizeof(struct bgp_attr_set) % SET_ALIGN == 0, "arrays after a set stay aligned");
	struct set_space space = {(uint8_t *)(s + 1)};
	attrs_deep_copy(&s->attrs, attrs, &space);
	s->hash = h;
	s->refs = 1;
	s->next = rib->buckets[k];
	rib->buckets[k] = s;
	rib->nsets++;
	return s;
}

struct bgp_attr_set *bgp_attrset_ref(struct bgp_attr_set *set)
{
	set->refs++;
	return set;
}

void bgp_attrset_unref(struct bgp_rib *rib, struct bgp_attr_set *set)
{
	if (set == NULL || --set->refs > 0)
		return;
	size_t k = set->hash & (rib->nbuckets - 1);
	for (struct bgp_attr_set **pp = &rib->buckets[k]; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == set) {
			*pp = set->next;
			break;
		}
	}
	rib->nsets--;
	free(set);
}

size_t bgp_rib_attrset_count(const struct bgp_rib *rib)
{
	return rib->nsets;
}

/* ---- the decision process ------------------------------------------------------ */

static uint32_t local_pref(const struct bgp_path *p)
{
	const struct bgp_attrs *a = &p->attrs->attrs;
	return (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF)) ? a->local_pref : BGP_DEFAULT_LOCAL_PREF;
}

static uint32_t med(const struct bgp_path *p)
{
	const struct bgp_attrs *a = &p->attrs->attrs;
	/* RFC 4271 section 9.1.2.2 c: a missing MED counts as the lowest. */
	return (a->present & BGP_ATTR_MASK(BGP_ATTR_MED)) ? a->med : 0;
}

/* The first AS of the path: the neighbouring AS for MED comparison. */
static uint32_t neighbor_as(const struct bgp_path *p)
{
	const struct bgp_aspath *path = &p->attrs->attrs.aspath;
	for (size_t i = 0; i < path->nsegs; i++)
		if (path->segs[i].type == BGP_AS_SEQUENCE && path->segs[i].count > 0)
			return path->segs[i].asns[0];
	return 0;
}

static uint32_t path_router_id(const struct bgp_path *p)
{
	const struct bgp_attrs *a = &p->attrs->attrs;
	/* RFC 4456 section 9: ORIGINATOR_ID stands in for the router-id. */
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_ORIGINATOR_ID))
		return a->originator_id;
	if (p->peer != NULL && p->peer->conn != NULL && p->peer->conn->open_received)
		return p->peer->conn->their_open.bgp_id;
	return 0;
}

/* One step of the decision: -1 if it prefers a, 1 if b, 0 if it cannot
 * tell (then the next step decides). Names the step in *why. */
static int step(bool a_better, bool b_better, const char *reason, const char **why)
{
	if (!a_better && !b_better)
		return 0;
	if (why != NULL)
		*why = reason;
	return a_better ? -1 : 1;
}

/* The decision up to and including step 8; with tiebreak, also the steps
 * that only pick one of equally good paths (9 and 10). */
static int compare_steps(const struct bgp_path *a, const struct bgp_path *b, const char **why, bool tiebreak)
{
	int r;

	/* 1. Weight (local to this router, FRR's first step). */
	uint32_t wa = bgp_path_weight(a), wb = bgp_path_weight(b);
	if ((r = step(wa > wb, wb > wa, "Weight", why)) != 0)
		return r;
	/* 2. Highest LOCAL_PREF (RFC 4271 9.1.1 degree of preference). */
	if ((r = step(local_pref(a) > local_pref(b), local_pref(b) > local_pref(a), "Local Pref", why)) != 0)
		return r;
	/* 3. Locally originated. */
	if ((r = step(a->peer == NULL && b->peer != NULL, b->peer == NULL && a->peer != NULL, "Local Route", why)) != 0)
		return r;
	/* 4. Shortest AS_PATH (9.1.2.2 a; a set counts as one). */
	size_t la = bgp_aspath_count(&a->attrs->attrs.aspath), lb = bgp_aspath_count(&b->attrs->attrs.aspath);
	if ((r = step(la < lb, lb < la, "AS Path", why)) != 0)
		return r;
	/* 5. Lowest ORIGIN (9.1.2.2 b). */
	uint8_t oa = a->attrs->attrs.origin, ob = b->attrs->attrs.origin;
	if ((r = step(oa < ob, ob < oa, "Origin", why)) != 0)
		return r;
	/* 6. Lowest MED among routes from the same neighbouring AS (9.1.2.2 c). */
	if (neighbor_as(a) == neighbor_as(b) && (r = step(med(a) < med(b), med(b) < med(a), "MED", why)) != 0)
		return r;
	/* 7. eBGP over iBGP (9.1.2.2 d). */
	if ((r = step(a->ebgp && !b->ebgp, b->ebgp && !a->ebgp, "eBGP Peer", why)) != 0)
		return r;
	/* 8. IGP cost to the next hop (9.1.2.2 e): no IGP here, all equal. */
	if (!tiebreak) {
		if (why != NULL)
			*why = "Equal";
		return 0;
	}
	/* 9. Lowest BGP Identifier (9.1.2.2 f). */
	uint32_t ra = path_router_id(a), rb = path_router_id(b);
	if ((r = step(ra < rb, rb < ra, "Router ID", why)) != 0)
		return r;
	/* 10. Lowest peer address (9.1.2.2 g). */
	if (a->peer != NULL && b->peer != NULL) {
		int c = prefix_cmp(&a->peer->cfg.addr, &b->peer->cfg.addr);
		if ((r = step(c < 0, c > 0, "Neighbor IP", why)) != 0)
			return r;
	}
	if (why != NULL)
		*why = "Equal";
	return 0;
}


int bgp_path_compare(const struct bgp_path *a, const struct bgp_path *b, const char **why)
{
	return compare_steps(a, b, why, true);
}

/* RFC 4271 section 9.1.4 leaves multipath to implementations: equal
 * through step 8 and learned from the same kind of peer; eBGP paths need an
 * AS_PATH of the same length, what FRR calls `bgp bestpath as-path
 * multipath-relax` (its default asks for the identical AS_PATH, which
 * paths from two different neighbouring ASes never have). */
bool bgp_path_multipath_equal(const struct bgp_path *a, const struct bgp_path *b)
{
	if (a->peer == NULL || b->peer == NULL || a->ebgp != b->ebgp || compare_steps(a, b, NULL, false) != 0)
		return false;
	return !a->ebgp || a->attrs == b->attrs ||
	       bgp_aspath_count(&a->attrs->attrs.aspath) == bgp_aspath_count(&b->attrs->attrs.aspath);
}

size_t bgp_dest_multipath(const struct bgp_dest *dest, unsigned max_paths, const struct bgp_path **out,
			  size_t max)
{
	size_t n = 0;
	const struct bgp_path *best = bgp_dest_best(dest);

	if (best == NULL || max == 0)
		return 0;
	out[n++] = best;
	for (const struct bgp_path *p = dest->paths; p != NULL && n < max && n < max_paths; p = p->next)
		if (p != best && !p->held && bgp_path_multipath_equal(best, p))
			out[n++] = p;
	return n;
}

/* ---- destinations and paths ------------------------------------------------------- */

static struct bgp_dest *dest_at(const struct bgp_rib *rib, uint32_t id)
{
	return slab_at(&rib->dest_slab, id);
}

static const struct prefix *dest_key(const void *ctx, uint32_t id)
{
	return &dest_at(ctx, id)->prefix;
}

static const struct prefix *failure_key(const void *ctx, uint32_t h)
{
	return &((struct fib_failure *)slab_at(&((const struct bgp_rib *)ctx)->failure_slab, h))->prefix;
}

/* The destination of exactly key (normalised), or NULL. */
static struct bgp_dest *dest_find(const struct bgp_rib *rib, const struct prefix *key)
{
	uint32_t id = pfxhash_find(&rib->dests, key);
	return id != PFXHASH_NONE ? dest_at(rib, id) : NULL;
}

struct bgp_rib *bgp_rib_new(struct bgp_instance *bgp)
{
	struct bgp_rib *rib = calloc(1, sizeof(*rib));

	if (rib == NULL)
		return NULL;
	rib->bgp = bgp;
	pfxhash_init(&rib->dests, dest_key, rib);
	pfxhash_init(&rib->fib_failures, failure_key, rib);
	slab_init(&rib->dest_slab, sizeof(struct bgp_dest));
	slab_init(&rib->path_slab, sizeof(struct bgp_path));
	slab_init(&rib->failure_slab, sizeof(struct fib_failure));
	if (grow_buckets(rib) != 0) {
		bgp_rib_free(rib);
		return NULL;
	}
	return rib;
}

static void free_path(struct bgp_rib *rib, struct bgp_path *p)
{
	bgp_attrset_unref(rib, p->attrs);
	slab_free(&rib->path_slab, p);
}

/* Every path and the destination itself; the caller has taken it out of
 * the hash. Its id goes back for reuse, with any Adj-RIB-Out entries still
 * under it (normally none: its withdrawal was sent first). */
static void free_dest(struct bgp_rib *rib, struct bgp_dest *dest)
{
	while (dest->paths != NULL) {
		struct bgp_path *p = dest->paths;
		dest->paths = p->next;
		free_path(rib, p);
	}
	bgp_dest_set_fib_error(rib, dest, NULL);
	bgp_output_dest_gone(rib->bgp, dest);
	slab_free_idx(&rib->dest_slab, dest->id);
}

void bgp_rib_free(struct bgp_rib *rib)
{
	if (rib == NULL)
		return;
	size_t pos = 0;
	uint32_t id;
	while ((id = pfxhash_next(&rib->dests, &pos)) != PFXHASH_NONE)
		for (struct bgp_path *p = dest_at(rib, id)->paths; p != NULL; p = p->next)
			bgp_attrset_unref(rib, p->attrs);
	pfxhash_fini(&rib->fib_failures);
	pfxhash_fini(&rib->dests);
	slab_fini(&rib->dest_slab);
	slab_fini(&rib->path_slab);
	slab_fini(&rib->failure_slab);
	/* Anything still interned belongs to an Adj-RIB-Out being torn down. */
	for (size_t i = 0; i < rib->nbuckets; i++) {
		while (rib->buckets[i] != NULL) {
			struct bgp_attr_set *s = rib->buckets[i];
			rib->buckets[i] = s->next;
			free(s);
		}
	}
	free(rib->buckets);
	free(rib);
}

const char *bgp_dest_fib_error(const struct bgp_rib *rib, const struct bgp_dest *dest)
{
	uint32_t h = dest->fib_failed ? pfxhash_find(&rib->fib_failures, &dest->prefix) : PFXHASH_NONE;

	if (h == PFXHASH_NONE)
		return "";
	return ((const struct fib_failure *)slab_at(&rib->failure_slab, h))->reason;
}

void bgp_dest_set_fib_error(struct bgp_rib *rib, struct bgp_dest *dest, const char *reason)
{
	uint32_t h = dest->fib_failed ? pfxhash_find(&rib->fib_failures, &dest->prefix) : PFXHASH_NONE;
	struct fib_failure *ff;

	if (reason == NULL || reason[0] == '\0') {
		if (h != PFXHASH_NONE) {
			pfxhash_remove(&rib->fib_failures, &dest->prefix);
			slab_free_idx(&rib->failure_slab, h);
		}
		dest->fib_failed = false;
		return;
	}
	if (h == PFXHASH_NONE) {
		ff = slab_alloc_idx(&rib->failure_slab, &h);
		if (ff == NULL)
			return;
		ff->prefix = dest->prefix;
		if (pfxhash_insert(&rib->fib_failures, h) != 0) {
			slab_free_idx(&rib->failure_slab, h);
			return;
		}
	}
	ff = slab_at(&rib->failure_slab, h);
	snprintf(ff->reason, sizeof(ff->reason), "%s", reason);
	dest->fib_failed = true;
}

uint32_t bgp_rib_dest_id_limit(const struct bgp_rib *rib)
{
	return slab_index_limit(&rib->dest_slab);
}

static void enqueue(struct bgp_rib *rib, struct bgp_dest *dest)
{
	if (dest->queued)
		return;
	dest->queued = true;
	dest->queue_next = NULL;
	if (rib->queue_tail != NULL)
		rib->queue_tail->queue_next = dest;
	else
		rib->queue_head = dest;
	rib->queue_tail = dest;
	bgp_output_schedule(rib->bgp);
}

/* Re-run the decision for dest and queue it for the output side. */
static void decide(struct bgp_rib *rib, struct bgp_dest *dest)
{
	struct bgp_path *best = NULL;

	for (struct bgp_path *p = dest->paths; p != NULL; p = p->next)
		if (!p->held && (best == NULL || bgp_path_compare(p, best, NULL) < 0))
			best = p;
	dest->has_best = best != NULL;
	/* The best goes first: bgp_dest_best() names the head of the list. */
	if (best != NULL && best != dest->paths) {
		struct bgp_path **pp = &dest->paths;
		while (*pp != best)
			pp = &(*pp)->next;
		*pp = best->next;
		best->next = dest->paths;
		dest->paths = best;
	}
	/* Queued even when the best stays: with multipath, a path as good as
	 * the best changes what is forwarded; the output side sends only
	 * real differences. */
	enqueue(rib, dest);
}

void bgp_rib_requeue_all(struct bgp_rib *rib)
{
	size_t pos = 0;
	uint32_t id;

	while ((id = pfxhash_next(&rib->dests, &pos)) != PFXHASH_NONE)
		enqueue(rib, dest_at(rib, id));
}

struct new_dest {
	struct bgp_rib *rib;
	const struct prefix *key;
};

/* A destination for key, for pfxhash_find_or_insert(). */
static uint32_t make_dest(void *arg)
{
	struct new_dest *nd = arg;
	uint32_t id;
	struct bgp_dest *dest = slab_alloc_idx(&nd->rib->dest_slab, &id);

	if (dest == NULL)
		return PFXHASH_NONE;
	dest->prefix = *nd->key;
	dest->id = id;
	return id;
}

/* The destination of prefix, made if new: one hash probe for both. */
static struct bgp_dest *dest_get(struct bgp_rib *rib, const struct prefix *prefix)
{
	struct prefix key = *prefix;

	prefix_normalize(&key);
	struct new_dest nd = {rib, &key};
	bool made;
	uint32_t id = pfxhash_find_or_insert(&rib->dests, &key, make_dest, &nd, &made);
	if (id == PFXHASH_NONE)
		return NULL;
	if (made)
		rib->dest_count[bgp_afi_of(&key)]++;
	return dest_at(rib, id);
}

/* A destination left without paths stays until its withdrawal has been
 * sent (bgp_rib_queue_done frees it). */
static void dest_maybe_release(struct bgp_rib *rib, struct bgp_dest *dest)
{
	if (dest->paths != NULL || dest->queued)
		return;
	pfxhash_remove(&rib->dests, &dest->prefix);
	rib->dest_count[bgp_afi_of(&dest->prefix)]--;
	free_dest(rib, dest);
}

int bgp_rib_update_held(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *prefix,
			struct bgp_attr_set *set, bool held, bool *was_held)
{
	struct bgp_dest *dest = dest_get(rib, prefix);

	if (was_held != NULL)
		*was_held = false;
	if (dest == NULL)
		return -1;
	struct bgp_path *p;
	for (p = dest->paths; p != NULL; p = p->next)
		if (p->peer == peer)
			break;
	if (p != NULL) {
		p->stale = false;
		if (was_held != NULL)
			*was_held = p->held;
		if (p->attrs == set && p->held == held)
			return 0; /* nothing new: an implicit refresh */
		if (p->attrs != set) {
			bgp_attrset_unref(rib, p->attrs);
			p->attrs = bgp_attrset_ref(set);
			p->since = (uint32_t)bgp_now();
		}
		p->held = held;
		/* The best path's attributes changed even if it stays best. */
		decide(rib, dest);
		return 0;
	}
	p = slab_zalloc(&rib->path_slab);
	if (p == NULL) {
		dest_maybe_release(rib, dest);
		return -1;
	}
	p->peer = peer;
	p->ebgp = ebgp;
	p->held = held;
	p->attrs = bgp_attrset_ref(set);
	p->since = (uint32_t)bgp_now();
	p->next = dest->paths;
	dest->paths = p;
	if (peer != NULL)
		peer->pfx_rcvd[bgp_afi_of(prefix) == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST]++;
	decide(rib, dest);
	return 0;
}

int bgp_rib_update(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *prefix,
		   struct bgp_attr_set *set)
{
	return bgp_rib_update_held(rib, peer, ebgp, prefix, set, false, NULL);
}

size_t bgp_rib_dest_hold(struct bgp_rib *rib, struct bgp_dest *dest, bgp_hold_fn want, void *arg)
{
	size_t changed = 0;

	/* Flags first, one decision after: the decision reorders the list. */
	for (struct bgp_path *p = dest->paths; p != NULL; p = p->next) {
		bool held = want(dest, p, arg);
		if (held != p->held) {
			p->held = held;
			changed++;
		}
	}
	if (changed > 0)
		decide(rib, dest);
	return changed;
}

bool bgp_rib_set_held(struct bgp_rib *rib, struct bgp_peer *peer, const struct prefix *prefix, bool held)
{
	struct prefix key = *prefix;

	prefix_normalize(&key);
	struct bgp_dest *dest = dest_find(rib, &key);
	if (dest == NULL)
		return false;
	for (struct bgp_path *p = dest->paths; p != NULL; p = p->next) {
		if (p->peer != peer)
			continue;
		if (p->held != held) {
			p->held = held;
			decide(rib, dest);
		}
		return true;
	}
	return false;
}

static void remove_path(struct bgp_rib *rib, struct bgp_dest *dest, struct bgp_path **pp)
{
	struct bgp_path *p = *pp;

	*pp = p->next;
	if (p->peer != NULL)
		p->peer->pfx_rcvd[bgp_afi_of(&dest->prefix) == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST
									  : BGP_AFSAFI_IPV4_UNICAST]--;
	free_path(rib, p);
	decide(rib, dest);
	dest_maybe_release(rib, dest);
}

void bgp_rib_withdraw(struct bgp_rib *rib, struct bgp_peer *peer, const struct prefix *prefix)
{
	struct prefix key = *prefix;

	prefix_normalize(&key);
	struct bgp_dest *dest = dest_find(rib, &key);
	if (dest == NULL)
		return;
	for (struct bgp_path **pp = &dest->paths; *pp != NULL; pp = &(*pp)->next) {
		if ((*pp)->peer == peer) {
			remove_path(rib, dest, pp);
			return;
		}
	}
}

struct collect {
	struct bgp_dest **dests;
	size_t n, cap;
	const struct bgp_peer *peer;
	bool stale_only;              /* only destinations where its path is stale */
	bool mark;                    /* mark its paths stale while collecting none */
};

static int collect_peer_dests(struct bgp_dest *dest, void *arg)
{
	struct collect *c = arg;

	for (struct bgp_path *path = dest->paths; path != NULL; path = path->next) {
		if (path->peer != c->peer)
			continue;
		if (c->mark) {
			path->stale = true;
			break;
		}
		if (c->stale_only && !path->stale)
			break;
		if (c->n == c->cap) {
			size_t cap = c->cap ? c->cap * 2 : 256;
			struct bgp_dest **d = realloc(c->dests, cap * sizeof(*d));
			if (d == NULL)
				return -1;
			c->dests = d;
			c->cap = cap;
		}
		c->dests[c->n++] = dest;
		break;
	}
	return 0;
}

int bgp_rib_scan(struct bgp_rib *rib, enum bgp_afi afi, bgp_dest_fn fn, void *arg)
{
	size_t pos = 0;
	uint32_t id;
	int rc;

	while ((id = pfxhash_next(&rib->dests, &pos)) != PFXHASH_NONE) {
		struct bgp_dest *dest = dest_at(rib, id);
		if (bgp_afi_of(&dest->prefix) == afi && (rc = fn(dest, arg)) != 0)
			return rc;
	}
	return 0;
}

/* The walks below that withdraw many paths go in prefix order: the FIB
 * removes the routes in that order, which the kernel does about twice as
 * fast as in hash order. */
void bgp_rib_peer_down(struct bgp_rib *rib, struct bgp_peer *peer)
{
	/* Collect first: the table must not change during a walk. */
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		struct collect c = {.peer = peer};
		bgp_rib_walk(rib, (enum bgp_afi)afi, collect_peer_dests, &c);
		for (size_t i = 0; i < c.n; i++)
			bgp_rib_withdraw(rib, peer, &c.dests[i]->prefix);
		free(c.dests);
	}
}

void bgp_rib_peer_mark_stale(struct bgp_rib *rib, struct bgp_peer *peer, unsigned keep_afis)
{
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		struct collect c = {.peer = peer, .mark = (keep_afis & (1u << afi)) != 0};
		bgp_rib_walk(rib, (enum bgp_afi)afi, collect_peer_dests, &c);
		for (size_t i = 0; i < c.n; i++)
			bgp_rib_withdraw(rib, peer, &c.dests[i]->prefix);
		free(c.dests);
	}
}

void bgp_rib_peer_mark_stale_afis(struct bgp_rib *rib, struct bgp_peer *peer, unsigned afis)
{
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (!(afis & (1u << afi)))
			continue;
		struct collect c = {.peer = peer, .mark = true};
		bgp_rib_scan(rib, (enum bgp_afi)afi, collect_peer_dests, &c);
		free(c.dests);
	}
}

size_t bgp_rib_peer_purge_stale(struct bgp_rib *rib, struct bgp_peer *peer, unsigned afis)
{
	size_t purged = 0;

	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (!(afis & (1u << afi)))
			continue;
		struct collect c = {.peer = peer, .stale_only = true};
		bgp_rib_walk(rib, (enum bgp_afi)afi, collect_peer_dests, &c);
		for (size_t i = 0; i < c.n; i++)
			bgp_rib_withdraw(rib, peer, &c.dests[i]->prefix);
		purged += c.n;
		free(c.dests);
	}
	return purged;
}

uint32_t bgp_rib_peer_count(const struct bgp_rib *rib, const struct bgp_peer *peer, enum bgp_afi afi)
{
	(void)rib;
	return peer->pfx_rcvd[afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST];
}

uint32_t bgp_rib_count(const struct bgp_rib *rib, enum bgp_afi afi)
{
	return rib->dest_count[afi];
}

int bgp_rib_walk(struct bgp_rib *rib, enum bgp_afi afi, bgp_dest_fn fn, void *arg)
{
	uint32_t *list;
	long n = pfxhash_sorted(&rib->dests, afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, &list);
	int rc = 0;

	if (n < 0)
		return -1;
	for (long i = 0; i < n && rc == 0; i++)
		rc = fn(dest_at(rib, list[i]), arg);
	free(list);
	return rc;
}

void bgp_rib_requeue(struct bgp_rib *rib, struct bgp_dest *dest)
{
	enqueue(rib, dest);
}

const struct bgp_dest *bgp_rib_queue_peek(const struct bgp_rib *rib)
{
	return rib->queue_head;
}

struct bgp_dest *bgp_rib_lookup(struct bgp_rib *rib, const struct prefix *prefix)
{
	struct prefix key = *prefix;

	prefix_normalize(&key);
	return dest_find(rib, &key);
}

struct bgp_dest *bgp_rib_queue_take(struct bgp_rib *rib)
{
	struct bgp_dest *list = rib->queue_head;

	rib->queue_head = rib->queue_tail = NULL;
	return list;
}

void bgp_rib_queue_done(struct bgp_rib *rib, struct bgp_dest *list)
{
	while (list != NULL) {
		struct bgp_dest *next = list->queue_next;
		list->queued = false;
		list->queue_next = NULL;
		dest_maybe_release(rib, list);
		list = next;
	}
}

