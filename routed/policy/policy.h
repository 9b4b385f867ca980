/*
 * Routing policy: prefix-lists, AS-path access-lists, community and
 * large-community lists, and route-maps, with FRR's syntax and semantics
 * (docs/policy.md), and the evaluation of a route-map against one route.
 *
 * The objects live in a struct policy_config, one per struct
 * routed_config (config_model.h): it is cloned with the configuration for
 * a transaction, compared, printed and turned into JSON with it. The
 * configuration commands edit it (policy_cli.c); the RIB reads it.
 *
 * Evaluation. Objects are compiled on first use after a change: a
 * prefix-list into a path-compressed trie (sub-microsecond lookups with
 * first-match-by-sequence semantics, whatever the list's size), regular
 * expressions into regex_t once per entry, route-map references to other
 * objects into pointers. route_map_apply() compiles what is stale, so the
 * first route after an edit pays for it; policy_compile() does it ahead
 * of time. AS-path access-lists cache their verdict per AS_PATH (a
 * direct-mapped cache keyed by the path's content, emptied when the list
 * is recompiled): routes arrive in groups that share one attribute set,
 * and a full table has far fewer distinct paths than prefixes, so most
 * routes skip both formatting the path and running the regexes.
 *
 * What the RIB uses to follow changes: policy_generation() changes with
 * every edit of anything; route_map_signature() changes exactly when the
 * route-map or anything it refers to (prefix-lists, lists, called
 * route-maps, and whether each of them exists) changed, so only the peers
 * whose route-maps changed need their routes evaluated again.
 *
 * Threads: none of this is thread-safe. Evaluation writes caches and hit
 * counters inside the policy_config; the daemon's event loop is the only
 * caller.
 *
 * Ownership: policy_config_new()/policy_config_clone() return an object
 * the caller frees with policy_config_free(). struct route_map pointers
 * from route_map_find() belong to the policy_config and are valid until
 * its next edit (policy_generation() changes): look them up again after a
 * configuration change, never keep them across one. route_map_apply()
 * reads the route and its attributes and never writes through them.
 */
#ifndef SKYGATE_ROUTED_POLICY_H
#define SKYGATE_ROUTED_POLICY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bgp_attr.h"
#include "prefix.h"

struct json_object;
struct policy_config;
struct route_map;

/* Longest name of a list or route-map (FRR takes any WORD; 63 keeps
 * names readable in `show` tables and JSON keys). */
#define POLICY_NAME_MAX 63

struct policy_config *policy_config_new(void);
/* Deep copy of the objects, hit counters included; compiled forms are not
 * copied but rebuilt on first use. NULL when out of memory. */
struct policy_config *policy_config_clone(const struct policy_config *pc);
void policy_config_free(struct policy_config *pc); /* NULL is fine */
/* Same objects with the same entries (generations, counters and compiled
 * state do not count). NULL equals an empty configuration. */
bool policy_config_equal(const struct policy_config *a, const struct policy_config *b);
/* The objects as configuration text, in canonical order (prefix-lists,
 * AS-path lists, community lists, large-community lists, route-maps; by
 * name, then by sequence), each block ending in "!". */
void policy_config_print(const struct policy_config *pc, FILE *out);
/* The same as JSON; the caller owns the object (json_object_put). */
struct json_object *policy_config_to_json(const struct policy_config *pc);

/* Changes whenever anything in pc changes (a process-wide counter, so a
 * clone that is edited never comes back to an old value). */
uint64_t policy_generation(const struct policy_config *pc);

/* Compile whatever changed since the last compilation. 0, or -1 when out
 * of memory (evaluation then retries on the next route). */
int policy_compile(struct policy_config *pc);

/* The route-map called name, or NULL. Valid until the next edit of pc. */
struct route_map *route_map_find(struct policy_config *pc, const char *name);

/*
 * A value that changes exactly when what route-map name decides may have
 * changed: its own entries, or any object it refers to directly or
 * through `call` (including an object appearing or disappearing). An
 * undefined route-map has a signature too (it changes when it is
 * created). Never 0.
 */
uint64_t route_map_signature(struct policy_config *pc, const char *name);

/* The peer a route comes from (import) or goes to (export). */
struct policy_peer {
	struct prefix addr; /* the session's remote address, a host prefix */
	uint32_t asn;       /* its AS number */
	bool ebgp;
};

/* One route to evaluate. Everything is borrowed for the call. */
struct policy_route {
	const struct prefix *prefix;   /* the NLRI */
	const struct bgp_attrs *attrs; /* canonical (bgp_attrs_normalize()), read-only */
	const struct policy_peer *peer;
	/* Export only: our own address on the session, for `set ip next-hop
	 * peer-address` (FRR: on export it means our address). NULL on
	 * import, where peer-address means the peer's address. */
	const struct prefix *local_addr;
	uint32_t weight; /* FRR's local weight, before the route-map */
};

enum policy_result {
	POLICY_DENY = 0,
	POLICY_PERMIT,
	POLICY_NO_MEMORY, /* the scratch arena is full: treat like a deny and log */
};

/*
 * Apply route-map map to route (FRR's route_map_apply):
 *   - entries in sequence order; an entry matches when all its match
 *     clauses do (an entry without any matches everything);
 *   - the first matching deny entry denies the route;
 *   - a matching permit entry applies its set clauses, then its `call`
 *     (if the called route-map denies, the route is denied; an undefined
 *     called route-map is skipped, as FRR does), then its exit policy:
 *     stop and permit (the default), `on-match next` (go on with the next
 *     entry), `on-match goto N` / `continue N` (go on at the first entry
 *     numbered N or more; none left: permit);
 *   - if no entry matched at all, the route is denied (implicit deny);
 *   - a chain of more than POLICY_CALL_DEPTH_MAX nested calls denies.
 * map NULL (an undefined route-map) denies, as FRR does for a neighbor
 * whose route-map does not exist.
 *
 * On POLICY_PERMIT, *out is the route's attributes after the set clauses
 * and *weight_out its weight. out may share arrays with route->attrs
 * (those that were not changed) and with scratch (those that were); the
 * result stays valid as long as both do, and is canonical. On
 * POLICY_DENY and POLICY_NO_MEMORY *out and *weight_out are unspecified.
 * scratch is the caller's; apply only allocates from it (a few hundred
 * bytes for a typical route: reset it per route or per UPDATE).
 */
#define POLICY_CALL_DEPTH_MAX 10
enum policy_result route_map_apply(struct policy_config *pc, struct route_map *map,
				   const struct policy_route *route, struct bgp_arena *scratch,
				   struct bgp_attrs *out, uint32_t *weight_out);

/*
 * Evaluating the routes of one UPDATE once, not once per route.
 *
 * The routes of an UPDATE share everything a policy looks at but their
 * prefix, and the prefix only enters through prefix-list tests
 * (`neighbor X prefix-list` and `match ip|ipv6 address prefix-list`).
 * Evaluation is deterministic, so a second route whose prefix gives every
 * one of those tests the answer the first route's did takes exactly the
 * first route's walk: the same verdict, the same attributes out, the same
 * counters. A memo records that walk, the tests' answers in the order they
 * were asked and the counters it bumped; policy_memo_replay() asks only
 * the tests again. A test that answers differently leaves the walk
 * unknown and the caller evaluates in full (recording a new memo).
 *
 * The memo borrows the policy objects: it is valid only for the same
 * input attributes, peer, route-map and policy_config, and only as long as
 * the configuration is not edited; replay checks the configuration's
 * generation and refuses a memo recorded before an edit.
 */
#define POLICY_MEMO_STEPS    8
#define POLICY_MEMO_COUNTERS 16

struct prefix_list;

struct policy_memo {
	const struct policy_config *pc; /* NULL: nothing recorded */
	uint64_t generation;            /* pc's when recorded */
	bool usable;                    /* the whole walk fit and ended in a verdict */
	enum policy_result result;
	unsigned nsteps, ncounters;
	struct {
		const struct prefix_list *list; /* borrowed; NULL: undefined list */
		uint8_t family;                 /* the family the test requires */
		bool passed;
	} steps[POLICY_MEMO_STEPS];
	uint64_t *counters[POLICY_MEMO_COUNTERS]; /* bumped once per replay */
};

/* Start recording into memo (evaluations with it add to it). */
void policy_memo_start(struct policy_config *pc, struct policy_memo *memo);
/* Mark memo's walk finished with result (POLICY_NO_MEMORY: unusable). */
void policy_memo_finish(struct policy_memo *memo, enum policy_result result);
/* True when p takes memo's walk: *result is its verdict and memo's
 * counters have been bumped as the walk would have. False: evaluate p in
 * full. */
bool policy_memo_replay(struct policy_config *pc, const struct policy_memo *memo,
                        const struct prefix *p, enum policy_result *result);
/* route_map_apply() recording into memo (NULL: not recording). */
enum policy_result route_map_apply_memo(struct policy_config *pc, struct route_map *map,
                                        const struct policy_route *route, struct bgp_arena *scratch,
                                        struct bgp_attrs *out, uint32_t *weight_out,
                                        struct policy_memo *memo);
/* prefix_list_apply() recording into memo (NULL: not recording). */
enum policy_result prefix_list_apply_memo(struct policy_config *pc, int family, const char *name,
                                          const struct prefix *p, struct policy_memo *memo);

/*
 * A prefix-list by itself (for `match`-like uses outside route-maps):
 * POLICY_PERMIT or POLICY_DENY as FRR's prefix_list_apply: the first
 * entry (by sequence) that matches decides; none: deny; a list that
 * exists but has no entries permits everything; an undefined list denies.
 * family selects `ip` (AF_INET) or `ipv6` (AF_INET6) lists; a prefix of
 * the other family is denied.
 */
enum policy_result prefix_list_apply(struct policy_config *pc, int family, const char *name,
				     const struct prefix *p);

/*
 * An AS-path access-list by itself (`neighbor X filter-list NAME`), as
 * FRR's as_list_apply: the first entry whose regular expression matches
 * the path decides; none: deny. An undefined list denies, as FRR does for
 * a filter-list that names no list.
 */
enum policy_result as_path_list_apply(struct policy_config *pc, const char *name, const struct bgp_aspath *path);

/* Like route_map_signature(), for a prefix-list of a family (AF_INET,
 * AF_INET6) and for an AS-path access-list: a value that changes exactly
 * when the list's entries change or the list appears or disappears. Never
 * 0. */
uint64_t prefix_list_signature(struct policy_config *pc, int family, const char *name);
uint64_t as_path_list_signature(struct policy_config *pc, const char *name);

/* Whether a prefix-list of the family (AF_INET, AF_INET6), or an AS-path
 * access-list, of that name is defined (show commands mark those that
 * are, as FRR does). */
bool prefix_list_exists(struct policy_config *pc, int family, const char *name);
bool as_path_list_exists(struct policy_config *pc, const char *name);

#endif
