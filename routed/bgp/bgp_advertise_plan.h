/*
 * The advertise plan of one neighbor and address family: which prefixes
 * leave when the neighbor has `maximum-prefix-out`, `advertise-summary` or
 * `advertise-cidrs` (docs/advertise.md). Plain data in, plain data out, so
 * the rules are tested without a BGP session (tests/unit/check_bgp_advertise.c);
 * bgp_advertise.c feeds it from the Adj-RIB-Out and sends the result.
 *
 * The stages, in order:
 *  1. The wanted set. With advertise-cidrs: each configured CIDR whose
 *     `reachable` flag is set (something inside it is in the Loc-RIB), in
 *     place of the candidates. Otherwise the candidates: what the export
 *     rules and the outbound policy would send.
 *  2. advertise-summary, when a limit is set and the candidates exceed it
 *     (never in CIDR mode): the fewest covering prefixes that contain no
 *     address outside `routed` (summarize.h), or with allow_overreach the
 *     fewest within the limit. A covering prefix equal to the one candidate
 *     it covers stays that candidate.
 *  3. The limit: at most `limit` entries are sent. Which ones is
 *     deterministic given what was sent before: entries already sent stay
 *     (in prefix order, if even they exceed the limit), then new ones are
 *     added in prefix order until the limit; the rest are held back.
 *
 * Ownership: the caller owns the input arrays (only read); the plan owns
 * its arrays, freed with adv_plan_free().
 */
#ifndef SKYGATE_BGP_ADVERTISE_PLAN_H
#define SKYGATE_BGP_ADVERTISE_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct adv_plan_input {
	const struct prefix *candidates; /* sorted by prefix_cmp, unique, one family */
	size_t ncandidates;
	const struct prefix *sent; /* sent before: sorted by prefix_cmp, unique */
	size_t nsent;
	const struct prefix *routed; /* the Loc-RIB's prefixes (summary only) */
	size_t nrouted;
	const struct prefix *cidrs; /* advertise-cidrs; ncidrs > 0 selects CIDR mode */
	const bool *cidr_reachable; /* one per CIDR */
	size_t ncidrs;
	uint32_t limit; /* 0: no limit */
	bool summary;
	bool allow_overreach;
};

enum adv_entry_kind {
	ADV_ROUTE,   /* a candidate as it is: members[first] is its index */
	ADV_SUMMARY, /* covers members[first .. first+count) (candidate indices) */
	ADV_CIDR,    /* a configured CIDR: first is its index in cidrs */
};

struct adv_entry {
	struct prefix prefix;
	enum adv_entry_kind kind;
	size_t first, count;
	bool held; /* over the limit: not sent */
};

struct adv_plan {
	struct adv_entry *entries; /* sorted by prefix_cmp */
	size_t nentries;           /* wanted: sent + held */
	size_t *members;           /* candidate indices, see enum adv_entry_kind */
	size_t nsent, nheld;
	size_t summarized;       /* candidates replaced by a summary */
	bool summary_over_limit; /* no overreach-free cover fits the limit */
};

/* Compute the plan. Returns 0, or -1 out of memory or on inconsistent
 * input (mixed families, a CIDR list without reachability flags); *out is
 * then empty and need not be freed. */
int adv_plan_compute(const struct adv_plan_input *in, struct adv_plan *out);
void adv_plan_free(struct adv_plan *plan);

/* The warning threshold of the limit: 80% of it, at least 1. */
size_t adv_plan_warn_at(uint32_t limit);

#endif
