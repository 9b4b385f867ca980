/*
 * The BGP RIB of one instance: interned path attributes, the paths each
 * source gave for each prefix (Adj-RIB-In after import, per RFC 4271
 * section 3.2), the best path per prefix (the Loc-RIB) by the decision
 * process of section 9.1, and locally originated `network` routes.
 *
 * Attribute sets are interned: identical sets are stored once and shared
 * by reference count, so a million routes with a few thousand distinct
 * sets cost a few thousand copies.
 *
 * Every change to a destination's paths is queued; the output side
 * (bgp_output.c) drains the queue, turns real differences into UPDATEs for
 * each peer and brings the FIB up to date.
 *
 * Destinations are found by a prefix hash (lib/pfxhash.h), not a tree:
 * a received route needs only exact lookups, and ordered walks, which
 * show commands and a new peer's table want, sort a snapshot.
 *
 * Ownership: the RIB owns its attribute sets, destinations and paths. A
 * struct bgp_attr_set pointer stays valid while the caller holds a
 * reference (bgp_attrset_ref / bgp_attrset_unref).
 */
#ifndef SKYGATE_BGP_RIB_H
#define SKYGATE_BGP_RIB_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "bgp_attr.h"
#include "config_model.h"
#include "prefix.h"

struct bgp_instance;
struct bgp_peer;
struct bgp_rib;
struct json_object;

struct bgp_attr_set {
	struct bgp_attr_set *next;   /* hash chain */
	uint32_t hash;               /* bgp_attrs_hash(), folded */
	uint32_t refs;
	struct bgp_attrs attrs;      /* its arrays live in the same allocation */
};

#define BGP_WEIGHT_LOCAL 32768       /* FRR's weight for locally originated routes */
#define BGP_DEFAULT_LOCAL_PREF 100   /* RFC 4271 leaves it to the operator; FRR's */

struct bgp_path {
	struct bgp_path *next;
	struct bgp_peer *peer;           /* NULL: originated here */
	struct bgp_attr_set *attrs;      /* one reference held */
	uint32_t since;                  /* monotonic seconds (bgp_now()) */
	bool ebgp;
	/* Kept from a session that went down while its peer restarts (RFC
	 * 4724 section 4.2); refreshed or purged once it is back. */
	bool stale;
	/* In the Adj-RIB-In but not a candidate for the decision process
	 * (awaiting approval, for example): never best, never forwarded or
	 * sent. Changed only through bgp_rib_set_held(). */
	bool held;
};

/*
 * One prefix of the RIB: 40 bytes from a slab, since a full table holds a
 * million of them.  The decision keeps the best path first in the list;
 * `has_best` says whether that head is a best path at all (every path may
 * be held), and bgp_dest_best() reads the two together.  The
 * reason a route could not be installed is kept aside
 * (bgp_dest_fib_error), as few destinations ever have one.
 */
struct bgp_dest {
	struct prefix prefix;            /* normalised; the RIB's key */
	bool queued : 1;                 /* on the change queue */
	bool fib_installed : 1;          /* the best path is in the kernel */
	bool fib_failed : 1;             /* and a reason why not is kept */
	bool suppressed : 1;             /* inside a summary-only aggregate: not sent */
	bool has_best : 1;               /* paths is the best path: set by the RIB only */
	uint32_t id;                     /* dense, reused once freed: indexes Adj-RIBs-Out */
	struct bgp_path *paths;          /* the best first; set by the RIB only */
	struct bgp_dest *queue_next;
};

/* The first step of the decision (FRR's): what inbound policy or
 * `neighbor X weight` gave the path, BGP_WEIGHT_LOCAL for routes
 * originated here. */
static inline uint32_t bgp_path_weight(const struct bgp_path *p)
{
	return p->peer == NULL ? BGP_WEIGHT_LOCAL : p->attrs->attrs.weight;
}

/* dest's best path, NULL when no path is a candidate. */
static inline struct bgp_path *bgp_dest_best(const struct bgp_dest *dest)
{
	return dest->has_best ? dest->paths : NULL;
}

struct bgp_rib *bgp_rib_new(struct bgp_instance *bgp);
void bgp_rib_free(struct bgp_rib *rib);

/* Intern a copy of attrs (which may point into an arena); returns a
 * referenced set, or NULL when out of memory. */
struct bgp_attr_set *bgp_attrset_intern(struct bgp_rib *rib, const struct bgp_attrs *attrs);
struct bgp_attr_set *bgp_attrset_ref(struct bgp_attr_set *set);
void bgp_attrset_unref(struct bgp_rib *rib, struct bgp_attr_set *set);
size_t bgp_rib_attrset_count(const struct bgp_rib *rib);

/* A path from peer (NULL: local) for prefix, replacing the peer's previous
 * one. Takes a new reference to set. Returns 0, or -1 out of memory. */
int bgp_rib_update(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *prefix,
		   struct bgp_attr_set *set);
/* The same, the path held (held: it takes no part in the decision) or
 * not; *was_held (may be NULL) says whether the peer's previous path for
 * prefix was held (false for a new path). */
int bgp_rib_update_held(struct bgp_rib *rib, struct bgp_peer *peer, bool ebgp, const struct prefix *prefix,
			struct bgp_attr_set *set, bool held, bool *was_held);
/* Set the held flag of every path of dest to want(dest, path, arg), then
 * decide once; for walks (bgp_rib_scan callbacks may call it: it adds and
 * removes nothing). Returns how many paths changed. */
typedef bool (*bgp_hold_fn)(const struct bgp_dest *dest, const struct bgp_path *path, void *arg);
size_t bgp_rib_dest_hold(struct bgp_rib *rib, struct bgp_dest *dest, bgp_hold_fn want, void *arg);
/* Hold (or release) the peer's path for prefix: a held path stays in the
 * Adj-RIB-In but takes no part in the decision. Returns false when the
 * peer has no path for prefix. */
bool bgp_rib_set_held(struct bgp_rib *rib, struct bgp_peer *peer, const struct prefix *prefix, bool held);
/* The peer's path for prefix is gone (no-op if it had none). */
void bgp_rib_withdraw(struct bgp_rib *rib, struct bgp_peer *peer, const struct prefix *prefix);
/* Every path of peer is gone (session down). */
void bgp_rib_peer_down(struct bgp_rib *rib, struct bgp_peer *peer);
/* RFC 4724 section 4.2: keep the peer's paths of the families in
 * keep_afis (bit per enum bgp_afi) as stale, drop its others. */
void bgp_rib_peer_mark_stale(struct bgp_rib *rib, struct bgp_peer *peer, unsigned keep_afis);
/* RFC 7313 section 4: mark the peer's paths of the families in afis stale
 * (a BoRR arrived); nothing else changes. */
void bgp_rib_peer_mark_stale_afis(struct bgp_rib *rib, struct bgp_peer *peer, unsigned afis);
/* Drop the peer's paths still stale in the families of afis. Returns how
 * many went. */
size_t bgp_rib_peer_purge_stale(struct bgp_rib *rib, struct bgp_peer *peer, unsigned afis);

/* Paths from this peer in the family of afi. */
uint32_t bgp_rib_peer_count(const struct bgp_rib *rib, const struct bgp_peer *peer, enum bgp_afi afi);


/* Why dest's best path is not in the kernel ("" when it is, or nothing
 * was tried); valid until the next change to dest. */
const char *bgp_dest_fib_error(const struct bgp_rib *rib, const struct bgp_dest *dest);
/* Keep (reason not NULL) or forget (NULL) why dest is not installed. */
void bgp_dest_set_fib_error(struct bgp_rib *rib, struct bgp_dest *dest, const char *reason);

/* One more than the highest destination id in use: the size an array
 * indexed by bgp_dest.id needs. */
uint32_t bgp_rib_dest_id_limit(const struct bgp_rib *rib);

/* Destinations with at least one path. */
uint32_t bgp_rib_count(const struct bgp_rib *rib, enum bgp_afi afi);

/* Visit every destination of a family in prefix order; return non-zero
 * from fn to stop.  fn must not add or remove destinations or paths
 * (collect, then change after the walk); the order costs a sort of the
 * family's destinations. */
typedef int (*bgp_dest_fn)(struct bgp_dest *dest, void *arg);
int bgp_rib_walk(struct bgp_rib *rib, enum bgp_afi afi, bgp_dest_fn fn, void *arg);
/* The same in no particular order, without the sort. */
int bgp_rib_scan(struct bgp_rib *rib, enum bgp_afi afi, bgp_dest_fn fn, void *arg);
struct bgp_dest *bgp_rib_lookup(struct bgp_rib *rib, const struct prefix *prefix);

/* Queue one destination for the output side (what is sent for it changed
 * without its paths changing). */
void bgp_rib_requeue(struct bgp_rib *rib, struct bgp_dest *dest);
/* The queue as it stands, without taking it (NULL: empty). */
const struct bgp_dest *bgp_rib_queue_peek(const struct bgp_rib *rib);

/* Queue every destination (a setting that changes what is forwarded or
 * sent for all of them, such as maximum-paths). */
void bgp_rib_requeue_all(struct bgp_rib *rib);

/* Take the queue of destinations whose best path changed (or that lost
 * every path), in the order they changed. Each is removed from the queue;
 * destinations without paths are freed by bgp_rib_queue_done(). */
struct bgp_dest *bgp_rib_queue_take(struct bgp_rib *rib);
void bgp_rib_queue_done(struct bgp_rib *rib, struct bgp_dest *list);

/* RFC 4271 section 9.1.2.2 and the steps deployed speakers add; < 0 when a
 * is better. why (may be NULL) names the deciding step, as FRR shows it. */
int bgp_path_compare(const struct bgp_path *a, const struct bgp_path *b, const char **why);

/* The paths to forward over when `maximum-paths` allows several: the best
 * first, then paths as good up to the tie-breaking steps (at most
 * max_paths, and max). Returns how many were written to out. */
size_t bgp_dest_multipath(const struct bgp_dest *dest, unsigned max_paths, const struct bgp_path **out,
			  size_t max);

/* Whether b may share forwarding with the best path a (the steps of the
 * decision up to the tie-breakers, same kind of peer). */
bool bgp_path_multipath_equal(const struct bgp_path *a, const struct bgp_path *b);

/* `show bgp [ipv4|ipv6] unicast [PREFIX] [json]` */
void bgp_rib_show(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only, FILE *out);
struct json_object *bgp_rib_show_json(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only);

#endif
