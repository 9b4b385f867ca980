/*
 * Advertise-summary: replace the prefixes we would advertise to a peer by
 * as few covering prefixes as possible, for peers that accept only a
 * limited number of routes (cloud gateways take 100 or 1,000).
 *
 * Input, one address family:
 *   S  the prefixes we would advertise;
 *   R  the prefixes we route (every prefix of S lies inside R's union);
 *   L  the most prefixes the peer takes.
 * Output: prefixes that together cover every prefix of S (each prefix of S
 * lies inside one of them), and for each prefix of S the output prefix
 * that replaced it.
 *   - Without overreach: no output prefix covers an address outside R's
 *     union, and the output is the smallest such set. When even that is
 *     more than L, the result says so (SUMMARY_OVER_LIMIT) and still gives
 *     that smallest set.
 *   - With allow_overreach: at most L prefixes (L >= 1), and among the
 *     sets of at most L, one that covers the fewest addresses outside R.
 *     If the overreach-free minimum fits in L, that is the answer.
 *
 * Algorithm. S and R go into one path-compressed binary trie (every
 * prefix and every branching point is a node). A node is *allowed* when
 * its whole address range lies inside R's union: some R prefix contains
 * it, or both of its halves are allowed (which needs two children exactly
 * one bit longer); a prefix of S counts as allowed too. One post-order
 * pass computes, per node, f = the fewest allowed prefixes inside it
 * covering the S prefixes inside it: 0 without S, 1 when the node is
 * allowed, else the sum over its two children. Taking the highest allowed
 * node on every path is optimal because an allowed node covers everything
 * below it with one prefix, and a node that is not allowed can only be
 * covered through its children. Cost O(n * W) for the trie (n = |S|+|R|,
 * W = 32 or 128, usually far less with path compression) and O(n) for the
 * pass.
 *
 * With overreach, when f(root) > L: a tree knapsack. Per node, g[k] for k
 * = 1 .. min(L, f) is the least overreach (addresses outside R's union)
 * of at most k prefixes covering the node's S prefixes: g[1] is the
 * node's own overreach, g[k] the best of that and every split k0 + k1 = k
 * between the children (min-plus convolution). Work is O(sum over
 * branching nodes of min(L, f0) * min(L, f1)), which is O(n * L) by the
 * usual subtree-size argument, and memory O(sum of min(L, f)) <= O(n * W).
 * Overreach is counted in addresses as a double (IPv6 ranges exceed 64
 * bits); it is exact up to 2^53 addresses and a close estimate beyond.
 *
 * Ownership: the caller owns its input arrays (only read) and frees a
 * result with summary_result_free().
 */
#ifndef SKYGATE_ROUTED_SUMMARIZE_H
#define SKYGATE_ROUTED_SUMMARIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "prefix.h"

struct summary_input {
	const struct prefix *advertise; /* S; host bits are ignored */
	size_t nadvertise;
	const struct prefix *routed; /* R */
	size_t nrouted;
	size_t limit; /* L */
	bool allow_overreach;
};

enum summary_status {
	SUMMARY_OK,         /* count <= limit */
	SUMMARY_OVER_LIMIT, /* no overreach-free cover fits the limit; the smallest is given */
};

struct summary_result {
	enum summary_status status;
	struct prefix *prefixes; /* count prefixes, sorted by prefix_cmp */
	size_t count;
	/* owner[i]: index in prefixes of the one covering advertise[i] */
	size_t *owner;
	double overreach; /* addresses covered outside R's union (0 without allow_overreach) */
};

/*
 * Summarise. Returns 0 with *out filled, or -1 (nothing to free) when out
 * of memory, when the prefixes are not all of one family, or when
 * allow_overreach is asked with a limit of 0 and S is not empty.
 */
int summarize(const struct summary_input *in, struct summary_result *out);
void summary_result_free(struct summary_result *r);

#endif
