/*
 * The advertise plan (routed/bgp/bgp_advertise_plan.h): the limit keeps
 * what was sent and adds new prefixes in prefix order, withdrawals make
 * room, advertise-summary covers without overreach (or within the limit
 * with allow-overreach) and says what each summary replaced, and
 * advertise-cidrs sends only the reachable CIDRs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bgp_advertise_plan.h"
#include "unit.h"

static struct prefix pfx(const char *text)
{
	struct prefix p;

	ck_assert_msg(prefix_parse(text, &p) == 0, "%s", text);
	prefix_normalize(&p);
	return p;
}

/* n /24s from 198.18.first.0 on, every step-th. */
static struct prefix *slash24s(size_t n, unsigned first, unsigned step)
{
	struct prefix *list = calloc(n, sizeof(*list));
	char text[32];

	ck_assert_ptr_nonnull(list);
	for (size_t i = 0; i < n; i++) {
		snprintf(text, sizeof(text), "198.18.%u.0/24", first + (unsigned)i * step);
		list[i] = pfx(text);
	}
	return list;
}

static const char *fmt(const struct prefix *p)
{
	static char buf[4][PREFIX_STRLEN];
	static int next;

	next = (next + 1) % 4;
	return prefix_format(p, buf[next], sizeof(buf[next]));
}

static size_t count_held(const struct adv_plan *plan)
{
	size_t n = 0;

	for (size_t i = 0; i < plan->nentries; i++)
		n += plan->entries[i].held;
	return n;
}

START_TEST(test_no_options_sends_everything)
{
	struct prefix *c = slash24s(15, 0, 1);
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c, .ncandidates = 15};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 15);
	ck_assert_uint_eq(plan.nsent, 15);
	ck_assert_uint_eq(plan.nheld, 0);
	for (size_t i = 0; i < 15; i++) {
		ck_assert_int_eq(plan.entries[i].kind, ADV_ROUTE);
		ck_assert(
		    prefix_equal(&plan.entries[i].prefix, &c[plan.members[plan.entries[i].first]]));
		ck_assert(!plan.entries[i].held);
	}
	adv_plan_free(&plan);
	free(c);
}
END_TEST

START_TEST(test_limit_new_in_prefix_order)
{
	struct prefix *c = slash24s(15, 0, 1);
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c, .ncandidates = 15, .limit = 10};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 15);
	ck_assert_uint_eq(plan.nsent, 10);
	ck_assert_uint_eq(plan.nheld, 5);
	ck_assert_uint_eq(count_held(&plan), 5);
	for (size_t i = 0; i < 15; i++)
		ck_assert_msg(plan.entries[i].held == (i >= 10), "%s",
		              fmt(&plan.entries[i].prefix));
	adv_plan_free(&plan);
	free(c);
}
END_TEST

START_TEST(test_limit_keeps_what_was_sent)
{
	struct prefix *c = slash24s(15, 0, 1);
	struct adv_plan plan;
	/* The last ten went out first (they arrived first). */
	struct adv_plan_input in = {
	    .candidates = c, .ncandidates = 15, .sent = c + 5, .nsent = 10, .limit = 10};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nsent, 10);
	for (size_t i = 0; i < 15; i++)
		ck_assert_msg(plan.entries[i].held == (i < 5), "%s", fmt(&plan.entries[i].prefix));
	adv_plan_free(&plan);

	/* A lower limit than what was sent: the first of the sent ones in
	 * prefix order stay. */
	in.limit = 3;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nsent, 3);
	for (size_t i = 0; i < 15; i++)
		ck_assert_msg(plan.entries[i].held == !(i >= 5 && i < 8), "%s",
		              fmt(&plan.entries[i].prefix));
	adv_plan_free(&plan);
	free(c);
}
END_TEST

START_TEST(test_withdrawals_make_room)
{
	struct prefix *all = slash24s(15, 0, 1);
	struct adv_plan plan;
	/* Sent: the first ten; five of them are withdrawn. What is left is
	 * the other five sent ones and the five held back. */
	struct prefix left[10];
	memcpy(left, all + 5, 10 * sizeof(left[0]));
	struct adv_plan_input in = {
	    .candidates = left, .ncandidates = 10, .sent = all, .nsent = 10, .limit = 10};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nsent, 10);
	ck_assert_uint_eq(plan.nheld, 0);
	adv_plan_free(&plan);

	/* With a limit of 7, the five still sent stay and two new ones join,
	 * the lowest first. */
	in.limit = 7;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nsent, 7);
	for (size_t i = 0; i < 10; i++)
		ck_assert_msg(plan.entries[i].held == (i >= 7), "%s", fmt(&plan.entries[i].prefix));
	adv_plan_free(&plan);
	free(all);
}
END_TEST

START_TEST(test_summary_without_overreach)
{
	/* 40 /24s, 198.18.0.0 to 198.18.39.0, all routed: a /19 and a /21. */
	struct prefix *c = slash24s(40, 0, 1);
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c,
	                            .ncandidates = 40,
	                            .routed = c,
	                            .nrouted = 40,
	                            .limit = 5,
	                            .summary = true};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 2);
	ck_assert_uint_eq(plan.nsent, 2);
	ck_assert_uint_eq(plan.summarized, 40);
	ck_assert(!plan.summary_over_limit);
	struct prefix want[2] = {pfx("198.18.0.0/19"), pfx("198.18.32.0/21")};
	size_t members[2] = {32, 8};
	for (size_t k = 0; k < 2; k++) {
		const struct adv_entry *e = &plan.entries[k];
		ck_assert_msg(prefix_equal(&e->prefix, &want[k]), "%s", fmt(&e->prefix));
		ck_assert_int_eq(e->kind, ADV_SUMMARY);
		ck_assert_uint_eq(e->count, members[k]);
		for (size_t m = 0; m < e->count; m++)
			ck_assert(prefix_contains(&e->prefix, &c[plan.members[e->first + m]]));
	}
	adv_plan_free(&plan);

	/* Within the limit, nothing is summarised. */
	in.limit = 40;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 40);
	ck_assert_uint_eq(plan.summarized, 0);
	adv_plan_free(&plan);
	free(c);
}
END_TEST

START_TEST(test_summary_keeps_lone_routes)
{
	/* 198.18.0.0/24 alone, then 198.18.2.0/24 and 198.18.3.0/24: the
	 * pair becomes a /23, the lone one stays a route. */
	struct prefix c[3] = {pfx("198.18.0.0/24"), pfx("198.18.2.0/24"), pfx("198.18.3.0/24")};
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c,
	                            .ncandidates = 3,
	                            .routed = c,
	                            .nrouted = 3,
	                            .limit = 2,
	                            .summary = true};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 2);
	ck_assert_int_eq(plan.entries[0].kind, ADV_ROUTE);
	ck_assert(prefix_equal(&plan.entries[0].prefix, &c[0]));
	ck_assert_int_eq(plan.entries[1].kind, ADV_SUMMARY);
	struct prefix p23 = pfx("198.18.2.0/23");
	ck_assert(prefix_equal(&plan.entries[1].prefix, &p23));
	ck_assert_uint_eq(plan.summarized, 2);
	adv_plan_free(&plan);
}
END_TEST

START_TEST(test_summary_overreach)
{
	/* Every other /24 of 198.18.0.0/21: no cover without overreach is
	 * smaller than the four themselves. */
	struct prefix *c = slash24s(4, 0, 2);
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c,
	                            .ncandidates = 4,
	                            .routed = c,
	                            .nrouted = 4,
	                            .limit = 1,
	                            .summary = true};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert(plan.summary_over_limit);
	ck_assert_uint_eq(plan.nentries, 4);
	ck_assert_uint_eq(plan.nsent, 1);
	ck_assert_uint_eq(plan.nheld, 3);
	ck_assert_uint_eq(plan.summarized, 0);
	adv_plan_free(&plan);

	in.allow_overreach = true;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert(!plan.summary_over_limit);
	ck_assert_uint_eq(plan.nentries, 1);
	ck_assert_uint_eq(plan.nsent, 1);
	struct prefix p21 = pfx("198.18.0.0/21");
	ck_assert_msg(prefix_equal(&plan.entries[0].prefix, &p21), "%s",
	              fmt(&plan.entries[0].prefix));
	ck_assert_uint_eq(plan.entries[0].count, 4);
	ck_assert_uint_eq(plan.summarized, 4);
	adv_plan_free(&plan);
	free(c);
}
END_TEST

START_TEST(test_cidrs)
{
	struct prefix c[2] = {pfx("198.18.1.0/24"), pfx("198.18.2.0/24")};
	struct prefix cidrs[3] = {pfx("198.18.0.0/16"), pfx("198.19.0.0/17"),
	                          pfx("198.19.128.0/17")};
	bool reachable[3] = {true, false, true};
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c,
	                            .ncandidates = 2,
	                            .cidrs = cidrs,
	                            .cidr_reachable = reachable,
	                            .ncidrs = 3};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nentries, 2);
	ck_assert_int_eq(plan.entries[0].kind, ADV_CIDR);
	ck_assert_uint_eq(plan.entries[0].first, 0);
	ck_assert_int_eq(plan.entries[1].kind, ADV_CIDR);
	ck_assert_uint_eq(plan.entries[1].first, 2);
	adv_plan_free(&plan);

	/* The limit applies to the CIDRs too. */
	in.limit = 1;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
	ck_assert_uint_eq(plan.nsent, 1);
	ck_assert(!plan.entries[0].held);
	ck_assert(plan.entries[1].held);
	adv_plan_free(&plan);

	in.cidr_reachable = NULL;
	ck_assert_int_eq(adv_plan_compute(&in, &plan), -1);
}
END_TEST

START_TEST(test_mixed_families_refused)
{
	struct prefix c[2] = {pfx("198.18.1.0/24"), pfx("2001:db8::/32")};
	struct adv_plan plan;
	struct adv_plan_input in = {.candidates = c, .ncandidates = 2};

	ck_assert_int_eq(adv_plan_compute(&in, &plan), -1);
}
END_TEST

START_TEST(test_warn_threshold)
{
	static const struct {
		uint32_t limit;
		size_t at;
	} cases[] = {{1, 1},    {4, 4},      {5, 4},       {10, 8},
	             {100, 80}, {1000, 800}, {4000, 3200}, {4294967295u, 3435973836u}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_uint_eq(adv_plan_warn_at(cases[i].limit), cases[i].at);
}
END_TEST

/* A cloud peer behind a large table: 100,000 candidates, limit 1,000.
 * Prints the time; the bound is generous (sanitizers, a busy machine). */
START_TEST(test_100k_candidates)
{
	size_t n = 100000;
	struct prefix *c = calloc(n, sizeof(*c));
	struct prefix *sent = calloc(1000, sizeof(*sent));

	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(sent);
	/* /64s of 2001:db8::/32 in prefix order: 256 in a row (one /56), then
	 * every other one, which no prefix covers without overreach. */
	for (size_t i = 0; i < n; i++) {
		uint32_t k = (uint32_t)(i < 256 ? i : 2 * i);
		struct prefix *p = &c[i];
		p->family = AF_INET6;
		p->len = 64;
		p->addr[0] = 0x20;
		p->addr[1] = 0x01;
		p->addr[2] = 0x0d;
		p->addr[3] = 0xb8;
		p->addr[4] = (uint8_t)(k >> 24);
		p->addr[5] = (uint8_t)(k >> 16);
		p->addr[6] = (uint8_t)(k >> 8);
		p->addr[7] = (uint8_t)k;
	}
	for (size_t i = 1; i < n; i++)
		ck_assert_int_lt(prefix_cmp(&c[i - 1], &c[i]), 0);
	for (size_t i = 0; i < 1000; i++)
		sent[i] = c[i * 7];
	for (int overreach = 0; overreach < 2; overreach++) {
		struct adv_plan plan;
		struct adv_plan_input in = {.candidates = c, .ncandidates = n, .sent = sent, .nsent = 1000,
					    .routed = c, .nrouted = n, .limit = 1000, .summary = true,
					    .allow_overreach = overreach == 1};
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ck_assert_int_eq(adv_plan_compute(&in, &plan), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("advertise plan, 100,000 IPv6 candidates, limit 1,000%s: %.3f s, %zu wanted, %zu sent\n",
		       overreach ? ", allow-overreach" : "", seconds, plan.nentries, plan.nsent);
		ck_assert_uint_eq(plan.nsent, 1000);
		/* Without overreach: the /56 and every lone /64; what was sent
		 * stays. With it: 1,000 covering prefixes, nothing held. */
		ck_assert_uint_eq(plan.nentries, overreach ? 1000 : 1 + (n - 256));
		ck_assert_uint_eq(plan.nheld, plan.nentries - 1000);
		if (!overreach) {
			/* The 963 sent /64s outside the /56 stay; the /56 and
			 * the 36 lowest new /64s fill the rest. */
			size_t kept = 0;
			for (size_t k = 0; k < plan.nentries; k++) {
				const struct adv_entry *e = &plan.entries[k];
				size_t idx = plan.members[e->first];
				if (!e->held && e->kind == ADV_ROUTE && idx % 7 == 0 && idx < 7000)
					kept++;
			}
			ck_assert_uint_eq(kept, 963);
			ck_assert_int_eq(plan.entries[0].kind, ADV_SUMMARY);
			ck_assert(!plan.entries[0].held);
			ck_assert_uint_eq(plan.entries[0].prefix.len, 56);
		}
		ck_assert_msg(seconds < 10, "%.3f s", seconds);
		adv_plan_free(&plan);
	}
	free(c);
	free(sent);
}
END_TEST

static Suite *advertise_suite(void)
{
	Suite *suite = suite_create("bgp_advertise");
	TCase *tc = tcase_create("plan");

	tcase_add_test(tc, test_no_options_sends_everything);
	tcase_add_test(tc, test_limit_new_in_prefix_order);
	tcase_add_test(tc, test_limit_keeps_what_was_sent);
	tcase_add_test(tc, test_withdrawals_make_room);
	tcase_add_test(tc, test_summary_without_overreach);
	tcase_add_test(tc, test_summary_keeps_lone_routes);
	tcase_add_test(tc, test_summary_overreach);
	tcase_add_test(tc, test_cidrs);
	tcase_add_test(tc, test_mixed_families_refused);
	tcase_add_test(tc, test_warn_threshold);
	tcase_add_test(tc, test_100k_candidates);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	return unit_run(advertise_suite());
}
