/*
 * The advertise plan: wanted set, summary, limit (bgp_advertise_plan.h).
 */
#include "bgp_advertise_plan.h"

#include <stdlib.h>
#include <string.h>

#include "summarize.h"

size_t adv_plan_warn_at(uint32_t limit)
{
	/* 80%, rounded up, so a limit of 1 warns at 1. */
	return (size_t)(((uint64_t)limit * 4 + 4) / 5);
}

static int entry_cmp(const void *a, const void *b)
{
	return prefix_cmp(&((const struct adv_entry *)a)->prefix,
	                  &((const struct adv_entry *)b)->prefix);
}

static bool was_sent(const struct adv_plan_input *in, const struct prefix *p)
{
	size_t lo = 0, hi = in->nsent;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = prefix_cmp(&in->sent[mid], p);
		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

static void wanted_cidrs(const struct adv_plan_input *in, struct adv_plan *out)
{
	for (size_t i = 0; i < in->ncidrs; i++) {
		if (!in->cidr_reachable[i])
			continue;
		struct adv_entry *e = &out->entries[out->nentries++];
		*e = (struct adv_entry){
		    .prefix = in->cidrs[i], .kind = ADV_CIDR, .first = i, .count = 1};
		prefix_normalize(&e->prefix);
	}
	qsort(out->entries, out->nentries, sizeof(*out->entries), entry_cmp);
}

static void wanted_candidates(const struct adv_plan_input *in, struct adv_plan *out)
{
	for (size_t i = 0; i < in->ncandidates; i++) {
		out->members[i] = i;
		out->entries[out->nentries++] = (struct adv_entry){
		    .prefix = in->candidates[i], .kind = ADV_ROUTE, .first = i, .count = 1};
	}
}

/* Stage 2: the candidates as summarize() covers them. Each output prefix
 * owns a run of members (its candidates, in prefix order). */
static int wanted_summary(const struct adv_plan_input *in, struct adv_plan *out)
{
	struct summary_input si = {.advertise = in->candidates,
	                           .nadvertise = in->ncandidates,
	                           .routed = in->routed,
	                           .nrouted = in->nrouted,
	                           .limit = in->limit,
	                           .allow_overreach = in->allow_overreach};
	struct summary_result r;

	if (summarize(&si, &r) != 0)
		return -1;
	size_t *start = calloc(r.count + 1, sizeof(*start));
	if (start == NULL) {
		summary_result_free(&r);
		return -1;
	}
	out->summary_over_limit = r.status == SUMMARY_OVER_LIMIT;
	/* A counting sort by owner keeps each run in candidate order. */
	for (size_t i = 0; i < in->ncandidates; i++)
		start[r.owner[i] + 1]++;
	for (size_t j = 0; j < r.count; j++)
		start[j + 1] += start[j];
	for (size_t j = 0; j < r.count; j++)
		out->entries[j] = (struct adv_entry){.prefix = r.prefixes[j], .first = start[j]};
	for (size_t i = 0; i < in->ncandidates; i++) {
		struct adv_entry *e = &out->entries[r.owner[i]];
		out->members[e->first + e->count++] = i;
	}
	for (size_t j = 0; j < r.count; j++) {
		struct adv_entry *e = &out->entries[j];
		bool same = e->count == 1 &&
		            prefix_equal(&e->prefix, &in->candidates[out->members[e->first]]);
		e->kind = same ? ADV_ROUTE : ADV_SUMMARY;
		if (!same)
			out->summarized += e->count;
	}
	out->nentries = r.count;
	free(start);
	summary_result_free(&r);
	return 0;
}

/* Stage 3: what was sent stays, then new entries in prefix order. */
static int apply_limit(const struct adv_plan_input *in, struct adv_plan *out)
{
	if (in->limit == 0 || out->nentries <= in->limit) {
		out->nsent = out->nentries;
		return 0;
	}
	bool *before = malloc(out->nentries * sizeof(*before));
	if (before == NULL)
		return -1;
	size_t taken = 0;
	for (size_t i = 0; i < out->nentries; i++) {
		before[i] = was_sent(in, &out->entries[i].prefix);
		out->entries[i].held = true;
	}
	for (int pass = 0; pass < 2; pass++)
		for (size_t i = 0; i < out->nentries && taken < in->limit; i++)
			if (before[i] == (pass == 0)) {
				out->entries[i].held = false;
				taken++;
			}
	free(before);
	out->nsent = taken;
	out->nheld = out->nentries - taken;
	return 0;
}

int adv_plan_compute(const struct adv_plan_input *in, struct adv_plan *out)
{
	memset(out, 0, sizeof(*out));
	if (in->ncidrs > 0 && (in->cidrs == NULL || in->cidr_reachable == NULL))
		return -1;
	for (size_t i = 1; i < in->ncandidates; i++)
		if (in->candidates[i].family != in->candidates[0].family)
			return -1;
	size_t room = in->ncidrs > 0 ? in->ncidrs : in->ncandidates;
	out->entries = calloc(room ? room : 1, sizeof(*out->entries));
	out->members = calloc(in->ncandidates ? in->ncandidates : 1, sizeof(*out->members));
	if (out->entries == NULL || out->members == NULL)
		goto fail;
	if (in->ncidrs > 0)
		wanted_cidrs(in, out);
	else if (in->summary && in->limit > 0 && in->ncandidates > in->limit) {
		if (wanted_summary(in, out) != 0)
			goto fail;
	} else
		wanted_candidates(in, out);
	if (apply_limit(in, out) != 0)
		goto fail;
	return 0;
fail:
	adv_plan_free(out);
	return -1;
}

void adv_plan_free(struct adv_plan *plan)
{
	free(plan->entries);
	free(plan->members);
	memset(plan, 0, sizeof(*plan));
}
