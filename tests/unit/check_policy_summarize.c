/*
 * Advertise-summary: hand-made cases, then property tests over random
 * inputs (fixed seeds, many rounds, both families) against an independent
 * brute-force oracle: the summary covers every advertised prefix, its
 * owner map is right, without overreach it covers nothing outside R and
 * has the fewest prefixes, it fits the limit whenever a solution does and
 * says so when none does; with overreach it always fits, reports its
 * overreach exactly, and more room never costs more overreach. Last, 100k
 * prefixes in well under a second.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "summarize.h"
#include "unit.h"

static struct prefix pfx(const char *text)
{
	struct prefix p;

	ck_assert_msg(prefix_parse(text, &p) == 0, "%s", text);
	prefix_normalize(&p);
	return p;
}

/* ---- the oracle: plain recursion over prefix halves -------------------------------- */

static struct prefix half(const struct prefix *p, unsigned bit)
{
	struct prefix h = *p;

	h.len = (uint8_t)(p->len + 1);
	if (bit)
		h.addr[p->len / 8] |= (uint8_t)(0x80 >> (p->len % 8));
	return h;
}

static bool overlaps(const struct prefix *a, const struct prefix *b)
{
	return prefix_contains(a, b) || prefix_contains(b, a);
}

/* Addresses of p inside the union of R (as a double). */
static double inside(const struct prefix *r, size_t nr, const struct prefix *p)
{
	bool any = false;

	for (size_t i = 0; i < nr; i++) {
		if (prefix_contains(&r[i], p)) {
			double size = 1;
			for (unsigned b = p->len; b < prefix_max_len(p->family); b++)
				size *= 2;
			return size;
		}
		any = any || overlaps(&r[i], p);
	}
	if (!any || p->len == prefix_max_len(p->family))
		return 0;
	struct prefix h0 = half(p, 0), h1 = half(p, 1);
	return inside(r, nr, &h0) + inside(r, nr, &h1);
}

static double size_of(const struct prefix *p)
{
	double size = 1;

	for (unsigned b = p->len; b < prefix_max_len(p->family); b++)
		size *= 2;
	return size;
}

static bool covered(const struct prefix *r, size_t nr, const struct prefix *p)
{
	return inside(r, nr, p) == size_of(p);
}

/* Fewest overreach-free prefixes covering the S prefixes inside p. */
static size_t oracle_min(const struct prefix *s, size_t ns, const struct prefix *r, size_t nr, const struct prefix *p)
{
	bool any = false, is_s = false;

	for (size_t i = 0; i < ns; i++) {
		any = any || prefix_contains(p, &s[i]);
		is_s = is_s || prefix_equal(p, &s[i]);
	}
	if (!any)
		return 0;
	if (is_s || covered(r, nr, p))
		return 1;
	struct prefix h0 = half(p, 0), h1 = half(p, 1);
	return oracle_min(s, ns, r, nr, &h0) + oracle_min(s, ns, r, nr, &h1);
}

/* ---- inputs ---------------------------------------------------------------------- */

static uint64_t rng;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

/* A random prefix inside base, len between base's and base's + depth. */
static struct prefix inside_of(const struct prefix *base, unsigned depth)
{
	struct prefix p = *base;
	unsigned max = prefix_max_len(base->family);
	unsigned len = base->len + rnd() % (depth + 1);

	if (len > max)
		len = max;
	for (unsigned b = base->len; b < len; b++)
		if (rnd() & 1)
			p.addr[b / 8] |= (uint8_t)(0x80 >> (b % 8));
	p.len = (uint8_t)len;
	return p;
}

struct instance {
	struct prefix s[64], r[16];
	size_t ns, nr;
};

/* R: a few prefixes of the test ranges; S: prefixes inside them. */
static void make_instance(struct instance *in, int family)
{
	struct prefix base = family == AF_INET ? pfx("198.18.0.0/15") : pfx("2001:db8::/32");
	unsigned depth = family == AF_INET ? 8 : 12;

	in->nr = 1 + rnd() % 8;
	for (size_t i = 0; i < in->nr; i++)
		in->r[i] = inside_of(&base, depth);
	in->ns = 1 + rnd() % 40;
	for (size_t i = 0; i < in->ns; i++) {
		const struct prefix *owner = &in->r[rnd() % in->nr];
		in->s[i] = inside_of(owner, family == AF_INET ? 32 - owner->len : 20);
	}
}

static void check_covers(const struct instance *in, const struct summary_result *res)
{
	for (size_t i = 0; i < in->ns; i++) {
		ck_assert(res->owner[i] < res->count);
		ck_assert(prefix_contains(&res->prefixes[res->owner[i]], &in->s[i]));
	}
	for (size_t i = 1; i < res->count; i++)
		ck_assert(prefix_cmp(&res->prefixes[i - 1], &res->prefixes[i]) < 0);
}

START_TEST(test_hand_made)
{
	/* Two halves of a routed /23 become the /23; the third is routed
	 * only as itself and stays. */
	struct prefix s[] = {pfx("198.18.0.0/24"), pfx("198.18.1.0/24"), pfx("198.18.4.0/24"), pfx("198.18.1.128/25")};
	struct prefix r[] = {pfx("198.18.0.0/23"), pfx("198.18.4.0/24")};
	struct summary_input in = {.advertise = s, .nadvertise = 4, .routed = r, .nrouted = 2, .limit = 5};
	struct summary_result res;

	ck_assert_int_eq(summarize(&in, &res), 0);
	ck_assert_int_eq(res.status, SUMMARY_OK);
	ck_assert_uint_eq(res.count, 2);
	char a[PREFIX_STRLEN], b[PREFIX_STRLEN];
	ck_assert_str_eq(prefix_format(&res.prefixes[0], a, sizeof(a)), "198.18.0.0/23");
	ck_assert_str_eq(prefix_format(&res.prefixes[1], b, sizeof(b)), "198.18.4.0/24");
	ck_assert_uint_eq(res.owner[0], 0);
	ck_assert_uint_eq(res.owner[1], 0);
	ck_assert_uint_eq(res.owner[2], 1);
	ck_assert_uint_eq(res.owner[3], 0);
	summary_result_free(&res);

	/* Limit 1: impossible without overreach, said so; with overreach the
	 * /21 covering both, overreaching by the 6 uncovered /24s. */
	in.limit = 1;
	ck_assert_int_eq(summarize(&in, &res), 0);
	ck_assert_int_eq(res.status, SUMMARY_OVER_LIMIT);
	ck_assert_uint_eq(res.count, 2);
	summary_result_free(&res);
	in.allow_overreach = true;
	ck_assert_int_eq(summarize(&in, &res), 0);
	ck_assert_int_eq(res.status, SUMMARY_OK);
	ck_assert_uint_eq(res.count, 1);
	ck_assert_str_eq(prefix_format(&res.prefixes[0], a, sizeof(a)), "198.18.0.0/21");
	ck_assert(res.overreach == 5 * 256.0);
	summary_result_free(&res);

	/* Mixed families and a zero limit with overreach are refused. */
	struct prefix mixed[] = {pfx("198.18.0.0/24"), pfx("2001:db8::/48")};
	in = (struct summary_input){.advertise = mixed, .nadvertise = 2, .routed = r, .nrouted = 2, .limit = 4};
	ck_assert_int_eq(summarize(&in, &res), -1);
	in = (struct summary_input){.advertise = s, .nadvertise = 1, .routed = r, .nrouted = 2, .allow_overreach = true};
	ck_assert_int_eq(summarize(&in, &res), -1);
	/* Nothing to advertise: nothing out. */
	in = (struct summary_input){.routed = r, .nrouted = 2, .limit = 0};
	ck_assert_int_eq(summarize(&in, &res), 0);
	ck_assert_uint_eq(res.count, 0);
	ck_assert_int_eq(res.status, SUMMARY_OK);
	summary_result_free(&res);
}
END_TEST

START_TEST(test_property_no_overreach)
{
	int family = _i == 0 ? AF_INET : AF_INET6;
	struct instance in;

	rng = 0xC0FFEE + (uint64_t)_i;
	for (int round = 0; round < 400; round++) {
		make_instance(&in, family);
		struct prefix root = {.family = (uint8_t)family};
		size_t best = oracle_min(in.s, in.ns, in.r, in.nr, &root);
		struct summary_input q = {.advertise = in.s, .nadvertise = in.ns, .routed = in.r, .nrouted = in.nr,
					  .limit = rnd() % 12};
		struct summary_result res;
		ck_assert_int_eq(summarize(&q, &res), 0);
		check_covers(&in, &res);
		ck_assert_msg(res.count == best, "round %d: %zu prefixes, the fewest is %zu", round, res.count, best);
		ck_assert_int_eq(res.status, best <= q.limit ? SUMMARY_OK : SUMMARY_OVER_LIMIT);
		ck_assert(res.overreach == 0);
		/* Nothing outside R, except prefixes of S themselves. */
		for (size_t i = 0; i < res.count; i++) {
			bool is_s = false;
			for (size_t k = 0; k < in.ns; k++)
				is_s = is_s || prefix_equal(&in.s[k], &res.prefixes[i]);
			ck_assert(is_s || covered(in.r, in.nr, &res.prefixes[i]));
		}
		summary_result_free(&res);
	}
}
END_TEST

START_TEST(test_property_overreach)
{
	int family = _i == 0 ? AF_INET : AF_INET6;
	struct instance in;

	rng = 0xBEEF + (uint64_t)_i;
	for (int round = 0; round < 300; round++) {
		make_instance(&in, family);
		struct prefix root = {.family = (uint8_t)family};
		size_t best = oracle_min(in.s, in.ns, in.r, in.nr, &root);
		double previous = -1;
		for (size_t limit = 1; limit <= best + 1; limit++) {
			struct summary_input q = {.advertise = in.s, .nadvertise = in.ns, .routed = in.r,
						  .nrouted = in.nr, .limit = limit, .allow_overreach = true};
			struct summary_result res;
			ck_assert_int_eq(summarize(&q, &res), 0);
			check_covers(&in, &res);
			ck_assert_int_eq(res.status, SUMMARY_OK);
			ck_assert_msg(res.count <= limit, "round %d: %zu > limit %zu", round, res.count, limit);
			/* The reported overreach is what the prefixes cover outside R. */
			double outside = 0;
			for (size_t i = 0; i < res.count; i++) {
				bool is_s = false;
				for (size_t k = 0; k < in.ns; k++)
					is_s = is_s || prefix_equal(&in.s[k], &res.prefixes[i]);
				if (!is_s)
					outside += size_of(&res.prefixes[i]) - inside(in.r, in.nr, &res.prefixes[i]);
			}
			ck_assert_msg(outside == res.overreach, "round %d limit %zu", round, limit);
			if (limit >= best)
				ck_assert(res.overreach == 0);
			/* More room never costs more overreach. */
			if (previous >= 0)
				ck_assert(res.overreach <= previous);
			previous = res.overreach;
			summary_result_free(&res);
		}
	}
}
END_TEST

START_TEST(test_100k_prefixes)
{
	size_t n = 100000, nr = 4000;
	struct prefix *s = calloc(n, sizeof(*s)), *r = calloc(nr, sizeof(*r));
	struct prefix base = pfx("2001:db8::/32");

	/* 4,000 routed /48s, thousands of summaries without overreach: over
	 * the limit of 1,000, so the overreach run does the knapsack. */
	rng = 42;
	for (size_t i = 0; i < nr; i++) {
		r[i] = inside_of(&base, 16);
		r[i].len = 48;
		prefix_normalize(&r[i]);
	}
	for (size_t i = 0; i < n; i++)
		s[i] = inside_of(&r[rnd() % nr], 16);
	for (int overreach = 0; overreach < 2; overreach++) {
		struct summary_input q = {.advertise = s, .nadvertise = n, .routed = r, .nrouted = nr, .limit = 1000,
					  .allow_overreach = overreach};
		struct summary_result res;
		struct timespec t0, t1;
		clock_gettime(CLOCK_MONOTONIC, &t0);
		ck_assert_int_eq(summarize(&q, &res), 0);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		double seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		printf("summarize 100k prefixes, limit 1000%s: %zu out, %.3f s\n", overreach ? ", overreach" : "",
		       res.count, seconds);
		ck_assert_int_eq(res.status, overreach ? SUMMARY_OK : SUMMARY_OVER_LIMIT);
		ck_assert(overreach ? res.count <= 1000 : res.count > 1000);
		for (size_t i = 0; i < n; i += 97)
			ck_assert(prefix_contains(&res.prefixes[res.owner[i]], &s[i]));
		/* Generous: sanitizers and a busy machine; typically ~0.1 s. */
		ck_assert_msg(seconds < 10, "%.3f s", seconds);
		summary_result_free(&res);
	}
	free(s);
	free(r);
}
END_TEST

static Suite *summarize_suite(void)
{
	Suite *suite = suite_create("summarize");
	TCase *tc = tcase_create("summarize");

	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_hand_made);
	tcase_add_loop_test(tc, test_property_no_overreach, 0, 2);
	tcase_add_loop_test(tc, test_property_overreach, 0, 2);
	tcase_add_test(tc, test_100k_prefixes);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	return unit_run(summarize_suite());
}
