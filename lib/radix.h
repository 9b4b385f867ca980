/*
 * radix.h - path-compressed binary trie of prefixes (one address family).
 *
 * Built to hold a full BGP table (a million routes and more) per RIB: a
 * node is 48 bytes on LP64, from a slab of the tree's (lib/slab.h), lookups visit at most 129 nodes and allocate nothing, and
 * deleting a route never leaves a useless internal node, so nodes <=
 * 2 * routes - 1 at all times (about 1.8 nodes a route for a full IPv4
 * table).  Lookups cost one dependent memory access per level, roughly
 * log2(routes) levels for a large table; see bench/README-radix.md.
 *
 * Ownership: the tree owns its nodes, and copies each prefix it is given
 * (callers may reuse their struct prefix at once).  The caller owns the
 * values: the tree stores the pointers and never dereferences them; a
 * value removed by radix_delete() or replaced by radix_insert() is handed
 * back, and radix_free() gives each remaining value to free_value.
 *
 * Concurrency: none.  A tree is not thread-safe; callers that share one
 * between threads hold their own lock around every call, reads included.
 *
 * Walks: the tree must not be modified (no insert, delete or free) from
 * inside a walk callback, not even to delete the entry being visited.
 * Collect what to delete, then delete after the walk returns.  Changing
 * what a value points to is fine.
 */
#ifndef SKYGATE_RADIX_H
#define SKYGATE_RADIX_H

#include <stddef.h>

#include "prefix.h"

/* Opaque; create with radix_new(), destroy with radix_free(). */
struct radix_tree;

/*
 * Return non-zero to stop the walk; the walk then returns that value.
 * p points to a normalised copy that is valid only during the call.
 */
typedef int (*radix_walk_fn)(const struct prefix *p, void *value, void *arg);

/* A tree for AF_INET or AF_INET6; NULL on ENOMEM or any other family. */
struct radix_tree *radix_new(int family);

/*
 * Free the tree and all its nodes.  If free_value is not NULL it is called
 * once for every value still stored, with arg, in no particular order.
 * t may be NULL.
 */
void radix_free(struct radix_tree *t, void (*free_value)(void *value, void *arg),
		void *arg);

/* The family given to radix_new(). */
int radix_family(const struct radix_tree *t);

/*
 * Store value under p (host bits of p are ignored: the tree keeps the
 * normalised prefix).  Returns 0 when p was new, 1 when it replaced a value
 * (the old one is put in *old_value if old_value is not NULL; the caller
 * owns it again), and -1 when p is of the wrong family or invalid, value is
 * NULL (NULL means "absent" in every lookup), or memory ran out; on -1 the
 * tree is unchanged.
 */
int radix_insert(struct radix_tree *t, const struct prefix *p, void *value,
		 void **old_value);

/*
 * Remove p (host bits ignored).  Returns its value, which the caller owns
 * again, or NULL when p was not stored.
 */
void *radix_delete(struct radix_tree *t, const struct prefix *p);

/* The value stored under exactly p (host bits ignored), or NULL. */
void *radix_lookup_exact(const struct radix_tree *t, const struct prefix *p);

/*
 * The value of the longest stored prefix that contains p (p is usually a
 * host prefix made with prefix_from_addr()), or NULL.  When found and
 * matched is not NULL, *matched is set to that (normalised) prefix.
 */
void *radix_lookup_longest(const struct radix_tree *t, const struct prefix *p,
			   struct prefix *matched);

/*
 * Call fn for every entry in prefix_cmp() order.  Returns 0 or the first
 * non-zero value fn returned.
 */
int radix_walk(const struct radix_tree *t, radix_walk_fn fn, void *arg);

/*
 * Call fn, in prefix_cmp() order, for every entry equal to or inside p
 * (host bits of p ignored).  Returns as radix_walk(); 0 when p is of the
 * wrong family.
 */
int radix_walk_covered(const struct radix_tree *t, const struct prefix *p,
		       radix_walk_fn fn, void *arg);

/*
 * Call fn for every entry that contains p (less specific or equal),
 * shortest first.  Returns as radix_walk(); 0 when p is of the wrong
 * family.
 */
int radix_walk_covering(const struct radix_tree *t, const struct prefix *p,
			radix_walk_fn fn, void *arg);

/* Number of stored values. */
size_t radix_count(const struct radix_tree *t);

/* Number of nodes allocated, internal nodes included, for memory figures. */
size_t radix_node_count(const struct radix_tree *t);

/* sizeof one node (48 on LP64); multiply by radix_node_count(). */
size_t radix_node_size(void);

/*
 * Check the tree's invariants (ordering, no internal node with fewer than
 * two children, counts).  Returns 0 when they hold, -1 otherwise.  Costs a
 * full walk; meant for tests and debugging.
 */
int radix_verify(const struct radix_tree *t);

#endif /* SKYGATE_RADIX_H */
