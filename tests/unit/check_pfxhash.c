/*
 * check_pfxhash.c - unit tests for lib/pfxhash.c.
 *
 * A few hand-written cases, then a randomised run that drives the table and
 * a reference (a presence flag per prefix of a small universe) through the
 * same inserts and removals, so that probe runs wrap around the end of the
 * table and backward-shift deletion is exercised at every load.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfxhash.h"
#include "prefix.h"
#include "unit.h"

#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

/* Objects named by their index in an array. */
struct item {
	uint32_t n;
	struct prefix key;
};

static const struct prefix *
item_key(const void *ctx, uint32_t h)
{
	return &((const struct item *)ctx)[h].key;
}

static struct prefix
pfx(const char *text)
{
	struct prefix p;

	if (prefix_parse_strict(text, &p) != 0)
		ck_abort_msg("bad prefix in test: %s", text);
	return p;
}

static void
table_init(struct pfxhash *h, const struct item *items)
{
	pfxhash_init(h, item_key, items);
}

static uint32_t
make_none(void *arg)
{
	(void)arg;
	return PFXHASH_NONE;
}

static uint32_t
make_fixed(void *arg)
{
	return *(uint32_t *)arg;
}

START_TEST(basics)
{
	struct pfxhash h;
	/* a, b, c, d: handles 0 to 3 */
	struct item items[4] = {{1, pfx("198.18.0.0/15")}, {2, pfx("198.18.0.0/16")},
				{3, pfx("2001:db8::/32")}, {4, pfx("0.0.0.0/0")}};
	struct prefix q = pfx("198.18.0.0/15");

	table_init(&h, items);
	ck_assert_uint_eq(pfxhash_find(&h, &q), PFXHASH_NONE);
	ck_assert_uint_eq(pfxhash_remove(&h, &q), PFXHASH_NONE);
	ck_assert_int_eq(pfxhash_insert(&h, PFXHASH_NONE), -1);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(pfxhash_insert(&h, i), 0);
	ck_assert_uint_eq(pfxhash_count(&h), 4);
	/* Same address, other length: another key. */
	ck_assert_uint_eq(pfxhash_find(&h, &q), 0);
	q.len = 16;
	ck_assert_uint_eq(pfxhash_find(&h, &q), 1);
	q.len = 17;
	ck_assert_uint_eq(pfxhash_find(&h, &q), PFXHASH_NONE);

	/* Sorted snapshots: prefix_cmp() order, by family or all. */
	uint32_t *list;
	ck_assert_int_eq(pfxhash_sorted(&h, AF_INET, &list), 3);
	ck_assert_uint_eq(list[0], 3);
	ck_assert_uint_eq(list[1], 0);
	ck_assert_uint_eq(list[2], 1);
	free(list);
	ck_assert_int_eq(pfxhash_sorted(&h, 0, &list), 4);
	ck_assert_uint_eq(list[3], 2);
	free(list);
	ck_assert_int_eq(pfxhash_sorted(&h, AF_INET6, &list), 1);
	free(list);

	/* Find-or-insert: found, then made. */
	bool made = true;
	ck_assert_uint_eq(pfxhash_find_or_insert(&h, &items[1].key, make_none, NULL, &made), 1);
	ck_assert(!made);
	struct item e[5];
	memcpy(e, items, sizeof(items));
	e[4] = (struct item){5, pfx("198.19.0.0/16")};
	pfxhash_fini(&h);
	table_init(&h, e);
	for (uint32_t i = 0; i < 4; i++)
		ck_assert_int_eq(pfxhash_insert(&h, i), 0);
	ck_assert_uint_eq(pfxhash_find_or_insert(&h, &e[4].key, make_none, NULL, &made), PFXHASH_NONE);
	ck_assert(!made);
	ck_assert_uint_eq(pfxhash_count(&h), 4);
	uint32_t four = 4;
	ck_assert_uint_eq(pfxhash_find_or_insert(&h, &e[4].key, make_fixed, &four, &made), 4);
	ck_assert(made);
	ck_assert_uint_eq(pfxhash_count(&h), 5);
	ck_assert_uint_eq(pfxhash_find(&h, &e[4].key), 4);

	ck_assert_uint_eq(pfxhash_remove(&h, &items[0].key), 0);
	ck_assert_uint_eq(pfxhash_find(&h, &items[0].key), PFXHASH_NONE);
	ck_assert_uint_eq(pfxhash_find(&h, &items[1].key), 1);
	ck_assert_uint_eq(pfxhash_count(&h), 4);
	ck_assert_uint_gt(pfxhash_bytes(&h), 0);
	pfxhash_fini(&h);
	ck_assert_int_eq(pfxhash_sorted(&h, 0, &list), 0);
	ck_assert_ptr_null(list);
}
END_TEST

/* The universe of the randomised run, U distinct prefixes: IPv4 /27 to
 * /31 of 198.18.0.0/15 (the address's low five bits are zero, so each is
 * normalised), and /64s of 2001:db8::/48. */
#define U 6000

static void
universe(struct item *items)
{
	for (uint32_t i = 0; i < U; i++) {
		struct prefix *p = &items[i].key;

		memset(p, 0, sizeof(*p));
		items[i].n = i;
		if (i % 3 == 2) {
			p->family = AF_INET6;
			p->len = 64;
			memcpy(p->addr, "\x20\x01\x0d\xb8\x00\x00", 6);
			p->addr[6] = (uint8_t)(i >> 8);
			p->addr[7] = (uint8_t)i;
		} else {
			uint32_t a = (UINT32_C(198) << 24 | UINT32_C(18) << 16) + (i << 5);

			p->family = AF_INET;
			p->len = (uint8_t)(27 + i % 5);
			p->addr[0] = (uint8_t)(a >> 24);
			p->addr[1] = (uint8_t)(a >> 16);
			p->addr[2] = (uint8_t)(a >> 8);
			p->addr[3] = (uint8_t)a;
		}
	}
}

START_TEST(randomised)
{
	static struct item items[U];
	static bool present[U];
	struct pfxhash h;
	size_t count = 0;
	uint64_t rnd = 0x9e3779b97f4a7c15u;

	universe(items);
	memset(present, 0, sizeof(present));
	table_init(&h, items);
	for (int round = 0; round < 400000; round++) {
		rnd ^= rnd << 13;
		rnd ^= rnd >> 7;
		rnd ^= rnd << 17;
		uint32_t i = (uint32_t)(rnd % U);
		/* Phases: mostly inserting, then mostly removing, so the load
		 * sweeps up and down through every growth step. */
		bool add = ((round / 50000) % 2 == 0) ? (rnd >> 40) % 4 != 0 : (rnd >> 40) % 4 == 0;

		if (add && !present[i]) {
			REQUIRE(pfxhash_find(&h, &items[i].key) == PFXHASH_NONE, "round %d: %u found early",
				round, i);
			REQUIRE(pfxhash_insert(&h, i) == 0, "insert");
			present[i] = true;
			count++;
		} else if (!add) {
			uint32_t got = pfxhash_remove(&h, &items[i].key);
			REQUIRE(got == (present[i] ? i : PFXHASH_NONE), "round %d: remove %u", round, i);
			if (present[i])
				count--;
			present[i] = false;
		}
		REQUIRE(pfxhash_count(&h) == count, "count");
		if (round % 20000 == 0) {
			for (uint32_t k = 0; k < U; k++)
				REQUIRE(pfxhash_find(&h, &items[k].key) == (present[k] ? k : PFXHASH_NONE),
					"round %d: lookup %u", round, k);
			size_t pos = 0, seen = 0;
			while (pfxhash_next(&h, &pos) != PFXHASH_NONE)
				seen++;
			REQUIRE(seen == count, "iteration saw %zu of %zu", seen, count);
			uint32_t *list;
			long n = pfxhash_sorted(&h, 0, &list);
			REQUIRE(n == (long)count, "sorted %ld of %zu", n, count);
			for (long k = 1; k < n; k++)
				REQUIRE(prefix_cmp(&items[list[k - 1]].key, &items[list[k]].key) < 0,
					"sorted order at %ld", k);
			free(list);
		}
	}
	pfxhash_fini(&h);
}
END_TEST

/*
 * One table's keys, taken in its slot order (which is the order of their
 * hashes), fed through a second, small table as a window of the last 4096:
 * what a FIB does with a RIB's prefixes when a peer goes down.  Were both
 * tables to hash alike, the keys would crowd a few neighbouring slots of
 * the second and every operation walk one run thousands long.
 */
START_TEST(independent_tables)
{
	enum { N = 60000, WINDOW = 4096 };
	static struct item items[N];
	struct pfxhash big, small;
	uint32_t *order;
	size_t pos = 0, n = 0, worst = 0;
	uint32_t h;

	for (uint32_t i = 0; i < N; i++) {
		struct prefix *p = &items[i].key;

		memset(p, 0, sizeof(*p));
		p->family = AF_INET6;
		p->len = (uint8_t)(48 + i % 9);
		memcpy(p->addr, "\x20\x01\x0d\xb8", 4);
		p->addr[4] = (uint8_t)(0x80 | (i >> 16));
		p->addr[5] = (uint8_t)(i >> 8);
		p->addr[6] = (uint8_t)i;
	}
	table_init(&big, items);
	table_init(&small, items);
	for (uint32_t i = 0; i < N; i++)
		ck_assert_int_eq(pfxhash_insert(&big, i), 0);
	order = malloc(N * sizeof(*order));
	ck_assert_ptr_nonnull(order);
	while ((h = pfxhash_next(&big, &pos)) != PFXHASH_NONE)
		order[n++] = h;
	ck_assert_uint_eq(n, N);
	for (size_t i = 0; i < N; i++) {
		if (i >= WINDOW)
			ck_assert_uint_eq(pfxhash_remove(&small, &items[order[i - WINDOW]].key),
					  order[i - WINDOW]);
		ck_assert_int_eq(pfxhash_insert(&small, order[i]), 0);
		if (i % 1000 == 999) {
			size_t run = pfxhash_max_run(&small);
			worst = run > worst ? run : worst;
		}
	}
	/* At most 80 % full, a random table's longest run is a few dozen
	 * slots; the crowded one's was the whole window. */
	ck_assert_msg(worst < 200, "longest run %zu slots", worst);
	free(order);
	pfxhash_fini(&big);
	pfxhash_fini(&small);
}
END_TEST

static Suite *
pfxhash_suite(void)
{
	Suite *s = suite_create("pfxhash");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, basics);
	tcase_add_test(tc, randomised);
	tcase_add_test(tc, independent_tables);
	tcase_set_timeout(tc, 120);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(pfxhash_suite());
}
