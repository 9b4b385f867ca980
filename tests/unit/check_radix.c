/*
 * check_radix.c - unit tests for lib/radix.c.
 *
 * Hand-written cases first, then a randomised run per family that drives
 * the tree and a brute-force reference (a sorted array of every prefix the
 * run can use, with a value slot each, scanned linearly) through the same
 * inserts, replaces and deletes, comparing every answer.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "prefix.h"
#include "radix.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/*
 * ck_assert marks a checkpoint in a file on every success, which costs a
 * system call; the randomised run asserts tens of millions of times, so
 * it uses this instead, which only does work on failure.
 */
#define REQUIRE(cond, ...)                          \
	do {                                        \
		if (!(cond))                        \
			ck_abort_msg(__VA_ARGS__);  \
	} while (0)

/* Distinct, never dereferenced value pointers. */
#define VAL(n) ((void *)(uintptr_t)(n))

static struct prefix
pfx(const char *text)
{
	struct prefix p;

	if (prefix_parse(text, &p) != 0)
		ck_abort_msg("bad prefix in test: %s", text);
	return p;
}

static const char *
fmt(const struct prefix *p, char buf[PREFIX_STRLEN])
{
	return prefix_format(p, buf, PREFIX_STRLEN);
}

static void
insert_ok(struct radix_tree *t, const char *text, void *value)
{
	struct prefix p = pfx(text);

	ck_assert_msg(radix_insert(t, &p, value, NULL) == 0, "insert %s", text);
}

static void *
exact(struct radix_tree *t, const char *text)
{
	struct prefix p = pfx(text);

	return radix_lookup_exact(t, &p);
}

static void *
longest(struct radix_tree *t, const char *text, struct prefix *matched)
{
	struct prefix p = pfx(text);

	return radix_lookup_longest(t, &p, matched);
}

static void *
delete(struct radix_tree *t, const char *text)
{
	struct prefix p = pfx(text);

	return radix_delete(t, &p);
}

/* Collects a walk as text, one "prefix=value " per entry. */
struct collect {
	char text[4096];
	size_t calls;
	size_t stop_after; /* 0 = never */
};

static int
collect_cb(const struct prefix *p, void *value, void *arg)
{
	struct collect *c = arg;
	char buf[PREFIX_STRLEN];
	size_t used = strlen(c->text);

	snprintf(c->text + used, sizeof(c->text) - used, "%s=%ju ", fmt(p, buf),
		 (uintmax_t)(uintptr_t)value);
	c->calls++;
	if (c->stop_after != 0 && c->calls == c->stop_after)
		return 42;
	return 0;
}

static void
check_tree(const struct radix_tree *t, size_t count, size_t nodes)
{
	ck_assert_uint_eq(radix_count(t), count);
	ck_assert_uint_eq(radix_node_count(t), nodes);
	ck_assert_int_eq(radix_verify(t), 0);
}

/* ---- hand-written cases ----------------------------------------------- */

START_TEST(test_new_free)
{
	struct radix_tree *t;
	struct collect c = { .text = "" };
	struct prefix p = pfx("192.0.2.1");

	ck_assert_ptr_null(radix_new(AF_UNIX));
	ck_assert_ptr_null(radix_new(0));
	radix_free(NULL, NULL, NULL);

	t = radix_new(AF_INET);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(radix_family(t), AF_INET);
	check_tree(t, 0, 0);
	ck_assert_ptr_null(radix_lookup_exact(t, &p));
	ck_assert_ptr_null(radix_lookup_longest(t, &p, NULL));
	ck_assert_ptr_null(radix_delete(t, &p));
	ck_assert_int_eq(radix_walk(t, collect_cb, &c), 0);
	ck_assert_int_eq(radix_walk_covered(t, &p, collect_cb, &c), 0);
	ck_assert_int_eq(radix_walk_covering(t, &p, collect_cb, &c), 0);
	ck_assert_uint_eq(c.calls, 0);
	radix_free(t, NULL, NULL);

	t = radix_new(AF_INET6);
	ck_assert_ptr_nonnull(t);
	ck_assert_int_eq(radix_family(t), AF_INET6);
	radix_free(t, NULL, NULL);

	/* The figure the header and the memory estimates rely on. */
	if (sizeof(void *) == 8)
		ck_assert_uint_le(radix_node_size(), 48);
}
END_TEST

START_TEST(test_insert_errors)
{
	struct radix_tree *t = radix_new(AF_INET);
	struct prefix p = pfx("192.0.2.0/24");
	struct prefix v6 = pfx("2001:db8::/32");
	void *old = VAL(99);

	ck_assert_int_eq(radix_insert(t, &p, NULL, &old), -1);
	ck_assert_int_eq(radix_insert(t, &v6, VAL(1), &old), -1);
	p.len = 33;
	ck_assert_int_eq(radix_insert(t, &p, VAL(1), &old), -1);
	ck_assert_ptr_null(radix_lookup_exact(t, &p));
	ck_assert_ptr_null(radix_delete(t, &p));
	p.family = AF_UNIX;
	p.len = 24;
	ck_assert_int_eq(radix_insert(t, &p, VAL(1), &old), -1);
	ck_assert_ptr_eq(old, VAL(99));
	check_tree(t, 0, 0);

	/* Lookups in the wrong family find nothing rather than misreading. */
	insert_ok(t, "0.0.0.0/0", VAL(1));
	ck_assert_ptr_null(radix_lookup_longest(t, &v6, NULL));
	ck_assert_ptr_null(radix_lookup_exact(t, &v6));
	ck_assert_ptr_null(radix_delete(t, &v6));
	radix_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_insert_replace)
{
	struct radix_tree *t = radix_new(AF_INET);
	struct prefix p = pfx("192.0.2.0/24");
	void *old = NULL;

	ck_assert_int_eq(radix_insert(t, &p, VAL(1), &old), 0);
	ck_assert_ptr_null(old);
	ck_assert_int_eq(radix_insert(t, &p, VAL(2), &old), 1);
	ck_assert_ptr_eq(old, VAL(1));
	ck_assert_int_eq(radix_insert(t, &p, VAL(3), NULL), 1);
	check_tree(t, 1, 1);
	ck_assert_ptr_eq(radix_lookup_exact(t, &p), VAL(3));
	/* Host bits in the key are ignored, in lookups as in inserts. */
	ck_assert_ptr_eq(exact(t, "192.0.2.77/24"), VAL(3));
	ck_assert_int_eq(radix_insert(t, &(struct prefix){ 0 }, VAL(4), NULL), -1);
	p = pfx("192.0.2.200/24");
	ck_assert_int_eq(radix_insert(t, &p, VAL(4), &old), 1);
	ck_assert_ptr_eq(old, VAL(3));
	ck_assert_ptr_null(exact(t, "192.0.2.0/25"));
	ck_assert_ptr_null(exact(t, "192.0.2.0/23"));
	ck_assert_ptr_null(exact(t, "192.0.3.0/24"));
	ck_assert_ptr_eq(delete(t, "192.0.2.99/24"), VAL(4));
	check_tree(t, 0, 0);
	radix_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_walk_gives_normalised)
{
	struct radix_tree *t = radix_new(AF_INET);
	struct collect c = { .text = "" };

	insert_ok(t, "192.0.2.1/24", VAL(1));
	insert_ok(t, "198.19.255.255/15", VAL(2));
	ck_assert_int_eq(radix_walk(t, collect_cb, &c), 0);
	ck_assert_str_eq(c.text, "192.0.2.0/24=1 198.18.0.0/15=2 ");
	radix_free(t, NULL, NULL);
}
END_TEST

/* Routes for the longest-match table below, value = index + 1. */
static const char *const lpm_routes[] = {
	"0.0.0.0/0",       "198.18.0.0/15",  "198.18.0.0/16",   "198.18.2.0/24",
	"198.18.2.3/32",   "198.18.2.128/25", "192.0.2.0/24",   "192.0.2.0/25",
	"255.255.255.255/32", "0.0.0.0/32",  "128.0.0.0/1",
};

static const struct {
	const char *addr;
	const char *matched; /* NULL: no match without the default route */
} lpm_cases[] = {
	{ "198.18.2.3", "198.18.2.3/32" },     { "198.18.2.4", "198.18.2.0/24" },
	{ "198.18.2.127", "198.18.2.0/24" },   { "198.18.2.128", "198.18.2.128/25" },
	{ "198.18.2.255", "198.18.2.128/25" }, { "198.18.3.0", "198.18.0.0/16" },
	{ "198.18.255.255", "198.18.0.0/16" }, { "198.19.0.0", "198.18.0.0/15" },
	{ "198.19.255.255", "198.18.0.0/15" }, { "198.20.0.0", "128.0.0.0/1" },
	{ "192.0.2.1", "192.0.2.0/25" },        { "192.0.2.128", "192.0.2.0/24" },
	{ "255.255.255.255", "255.255.255.255/32" },
	{ "255.255.255.254", "128.0.0.0/1" },   { "0.0.0.0", "0.0.0.0/32" },
	{ "0.0.0.1", NULL },                    { "127.255.255.255", NULL },
	/* Non-host keys: the longest route containing the whole key. */
	{ "198.18.2.0/24", "198.18.2.0/24" },  { "198.18.2.0/23", "198.18.0.0/16" },
	{ "198.18.0.0/15", "198.18.0.0/15" },  { "198.0.0.0/8", "128.0.0.0/1" },
	{ "0.0.0.0/0", NULL },
};

START_TEST(test_longest_match)
{
	struct radix_tree *t = radix_new(AF_INET);
	char buf[PREFIX_STRLEN];
	struct prefix m;
	size_t i;
	void *v;

	for (i = 0; i < ARRAY_LEN(lpm_routes); i++)
		insert_ok(t, lpm_routes[i], VAL(i + 1));
	ck_assert_int_eq(radix_verify(t), 0);

	for (int pass = 0; pass < 2; pass++) {
		for (i = 0; i < ARRAY_LEN(lpm_cases); i++) {
			const char *want = lpm_cases[i].matched;

			if (want == NULL && pass == 0)
				want = "0.0.0.0/0";
			memset(&m, 0xee, sizeof(m));
			v = longest(t, lpm_cases[i].addr, &m);
			if (want == NULL) {
				ck_assert_msg(v == NULL, "%s matched", lpm_cases[i].addr);
				continue;
			}
			ck_assert_msg(v != NULL, "%s: no match", lpm_cases[i].addr);
			ck_assert_str_eq(fmt(&m, buf), want);
			ck_assert_ptr_eq(v, exact(t, want));
			ck_assert_ptr_eq(longest(t, lpm_cases[i].addr, NULL), v);
		}
		/* Second pass: without the default route. */
		if (pass == 0)
			ck_assert_ptr_eq(delete(t, "0.0.0.0/0"), VAL(1));
		ck_assert_int_eq(radix_verify(t), 0);
	}
	radix_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_glue_nodes)
{
	struct radix_tree *t = radix_new(AF_INET);

	insert_ok(t, "192.0.2.0/25", VAL(1));
	check_tree(t, 1, 1);
	/* Two siblings need a glue node at their common /24. */
	insert_ok(t, "192.0.2.128/25", VAL(2));
	check_tree(t, 2, 3);
	ck_assert_ptr_null(exact(t, "192.0.2.0/24"));
	ck_assert_ptr_null(longest(t, "192.0.2.0/24", NULL));
	/* Storing a value where a glue node sits reuses the node. */
	insert_ok(t, "192.0.2.0/24", VAL(3));
	check_tree(t, 3, 3);
	/* Removing it again turns it back into glue, as it splits two. */
	ck_assert_ptr_eq(delete(t, "192.0.2.0/24"), VAL(3));
	check_tree(t, 2, 3);
	/* Deleting what is only glue is a miss and changes nothing. */
	ck_assert_ptr_null(delete(t, "192.0.2.0/24"));
	check_tree(t, 2, 3);
	/* A leaf goes, and takes the glue above it that no longer splits. */
	ck_assert_ptr_eq(delete(t, "192.0.2.0/25"), VAL(1));
	check_tree(t, 1, 1);
	ck_assert_ptr_eq(longest(t, "192.0.2.200", NULL), VAL(2));
	ck_assert_ptr_null(longest(t, "192.0.2.1", NULL));

	/* A shorter prefix goes above an existing node without glue. */
	insert_ok(t, "192.0.0.0/16", VAL(4));
	check_tree(t, 2, 2);
	/* A node with one child is spliced out on delete. */
	ck_assert_ptr_eq(delete(t, "192.0.0.0/16"), VAL(4));
	check_tree(t, 1, 1);

	/* Value node with a glue child: 192.0.0.0/16 -> glue /23 -> two /24. */
	insert_ok(t, "192.0.0.0/16", VAL(4));
	insert_ok(t, "192.0.3.0/24", VAL(5));
	check_tree(t, 3, 4);
	ck_assert_ptr_eq(delete(t, "192.0.2.128/25"), VAL(2));
	check_tree(t, 2, 2);
	ck_assert_ptr_eq(delete(t, "192.0.3.0/24"), VAL(5));
	check_tree(t, 1, 1);
	ck_assert_ptr_eq(delete(t, "192.0.0.0/16"), VAL(4));
	check_tree(t, 0, 0);
	ck_assert_ptr_null(delete(t, "192.0.0.0/16"));
	radix_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_split_at_every_bit)
{
	/* Two host routes that first differ at bit `bit` need a glue node of
	 * that length; a route of that very length then takes the glue
	 * node's place.  Covers both key words and the word boundary. */
	struct prefix a, b, common, m;
	struct radix_tree *t;
	unsigned bit;

	for (bit = 0; bit < 128; bit++) {
		t = radix_new(AF_INET6);
		memset(&a, 0, sizeof(a));
		a.family = AF_INET6;
		a.len = 128;
		memset(a.addr, 0xa5, sizeof(a.addr));
		b = a;
		b.addr[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
		common = a;
		common.len = (uint8_t)bit;
		prefix_normalize(&common);

		/* Insertion order should not matter; try both. */
		ck_assert_int_eq(radix_insert(t, bit % 2 ? &b : &a, VAL(bit % 2 ? 2 : 1),
					      NULL), 0);
		ck_assert_int_eq(radix_insert(t, bit % 2 ? &a : &b, VAL(bit % 2 ? 1 : 2),
					      NULL), 0);
		check_tree(t, 2, 3);
		ck_assert_ptr_eq(radix_lookup_exact(t, &a), VAL(1));
		ck_assert_ptr_eq(radix_lookup_exact(t, &b), VAL(2));
		ck_assert_ptr_null(radix_lookup_exact(t, &common));
		ck_assert_ptr_null(radix_lookup_longest(t, &common, NULL));
		ck_assert_ptr_eq(radix_lookup_longest(t, &b, &m), VAL(2));
		ck_assert(prefix_equal(&m, &b));

		ck_assert_int_eq(radix_insert(t, &common, VAL(3), NULL), 0);
		check_tree(t, 3, 3);
		ck_assert_ptr_eq(radix_lookup_longest(t, &common, &m), VAL(3));
		ck_assert(prefix_equal(&m, &common));

		ck_assert_ptr_eq(radix_delete(t, bit % 2 ? &a : &b), VAL(bit % 2 ? 1 : 2));
		check_tree(t, 2, 2);
		ck_assert_ptr_eq(radix_delete(t, &common), VAL(3));
		check_tree(t, 1, 1);
		radix_free(t, NULL, NULL);
	}
}
END_TEST

START_TEST(test_ipv6)
{
	struct radix_tree *t = radix_new(AF_INET6);
	char buf[PREFIX_STRLEN];
	struct prefix m;

	insert_ok(t, "::/0", VAL(1));
	insert_ok(t, "2001:db8::/32", VAL(2));
	insert_ok(t, "2001:db8::/64", VAL(3));
	insert_ok(t, "2001:db8:0:0:8000::/65", VAL(4));
	insert_ok(t, "2001:db8::/63", VAL(5));
	insert_ok(t, "2001:db8::1/128", VAL(6));
	insert_ok(t, "2001:db8::/127", VAL(7));
	insert_ok(t, "2001:db8:0:1::/64", VAL(8));
	ck_assert_int_eq(radix_verify(t), 0);
	ck_assert_uint_eq(radix_count(t), 8);

	ck_assert_ptr_eq(longest(t, "2001:db8::1", &m), VAL(6));
	ck_assert_ptr_eq(longest(t, "2001:db8::", &m), VAL(7));
	ck_assert_str_eq(fmt(&m, buf), "2001:db8::/127");
	ck_assert_ptr_eq(longest(t, "2001:db8::2", &m), VAL(3));
	ck_assert_ptr_eq(longest(t, "2001:db8::8000:0:0:1", &m), VAL(4));
	ck_assert_str_eq(fmt(&m, buf), "2001:db8:0:0:8000::/65");
	ck_assert_ptr_eq(longest(t, "2001:db8:0:1::5", &m), VAL(8));
	ck_assert_ptr_eq(longest(t, "2001:db8:0:2::", &m), VAL(2));
	ck_assert_ptr_eq(longest(t, "2001:db9::", &m), VAL(1));
	ck_assert_str_eq(fmt(&m, buf), "::/0");
	ck_assert_ptr_eq(exact(t, "2001:db8::/63"), VAL(5));
	ck_assert_ptr_null(exact(t, "2001:db8::/62"));
	ck_assert_ptr_null(exact(t, "2001:db8::/128"));

	ck_assert_ptr_eq(delete(t, "2001:db8::/127"), VAL(7));
	ck_assert_ptr_eq(longest(t, "2001:db8::", &m), VAL(3));
	ck_assert_ptr_eq(delete(t, "::/0"), VAL(1));
	ck_assert_ptr_null(longest(t, "2001:db9::", &m));
	ck_assert_int_eq(radix_verify(t), 0);
	radix_free(t, NULL, NULL);
}
END_TEST

START_TEST(test_walk_order_and_stop)
{
	static const char *const sorted[] = {
		"0.0.0.0/0",      "0.0.0.0/32",     "192.0.0.0/16",  "192.0.2.0/24",
		"192.0.2.0/25",   "192.0.2.0/32",   "192.0.2.1/32",  "192.0.2.128/25",
		"198.18.0.0/15",  "198.18.0.0/16",  "198.19.0.0/16", "255.255.255.255/32",
	};
	struct radix_tree *t = radix_new(AF_INET);
	struct collect c = { .text = "" };
	char want[4096] = "", buf[PREFIX_STRLEN];
	size_t i, n = ARRAY_LEN(sorted);

	for (i = 0; i < n; i++) {
		size_t j = (i * 5 + 3) % n; /* scrambled insertion order */
		struct prefix p = pfx(sorted[j]);

		ck_assert_int_eq(radix_insert(t, &p, VAL(j + 1), NULL), 0);
	}
	for (i = 0; i < n; i++) {
		struct prefix p = pfx(sorted[i]);

		snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s=%zu ",
			 fmt(&p, buf), i + 1);
	}
	ck_assert_int_eq(radix_walk(t, collect_cb, &c), 0);
	ck_assert_str_eq(c.text, want);
	ck_assert_uint_eq(c.calls, n);

	/* A non-zero return stops the walk and is passed back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 3;
	ck_assert_int_eq(radix_walk(t, collect_cb, &c), 42);
	ck_assert_uint_eq(c.calls, 3);
	radix_free(t, NULL, NULL);
}
END_TEST

static const char *const sub_routes[] = {
	"0.0.0.0/0",      "192.0.0.0/16",  "192.0.2.0/24",   "192.0.2.0/25",
	"192.0.2.64/26",  "192.0.2.1/32",  "192.0.2.128/25", "192.0.3.0/24",
	"198.18.0.0/15",  "198.18.0.0/16",
};

static const struct {
	const char *query;
	const char *covered;  /* walk_covered output */
	const char *covering; /* walk_covering output */
} sub_cases[] = {
	{ "192.0.2.0/24",
	  "192.0.2.0/24=3 192.0.2.0/25=4 192.0.2.1/32=6 192.0.2.64/26=5 "
	  "192.0.2.128/25=7 ",
	  "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 " },
	/* Host bits in the query are ignored. */
	{ "192.0.2.99/24",
	  "192.0.2.0/24=3 192.0.2.0/25=4 192.0.2.1/32=6 192.0.2.64/26=5 "
	  "192.0.2.128/25=7 ",
	  "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 " },
	{ "192.0.2.0/26", "192.0.2.1/32=6 ",
	  "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 192.0.2.0/25=4 " },
	{ "192.0.2.1", "192.0.2.1/32=6 ",
	  "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 192.0.2.0/25=4 "
	  "192.0.2.1/32=6 " },
	{ "192.0.2.2", "", "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 192.0.2.0/25=4 " },
	/* A query that is only a glue node (192.0.2.0/23 splits /24s). */
	{ "192.0.2.0/23",
	  "192.0.2.0/24=3 192.0.2.0/25=4 192.0.2.1/32=6 192.0.2.64/26=5 "
	  "192.0.2.128/25=7 192.0.3.0/24=8 ",
	  "0.0.0.0/0=1 192.0.0.0/16=2 " },
	{ "198.0.0.0/8", "198.18.0.0/15=9 198.18.0.0/16=10 ", "0.0.0.0/0=1 " },
	{ "198.19.0.0/16", "", "0.0.0.0/0=1 198.18.0.0/15=9 " },
	{ "203.0.113.0/24", "", "0.0.0.0/0=1 " },
	{ "0.0.0.0/0",
	  "0.0.0.0/0=1 192.0.0.0/16=2 192.0.2.0/24=3 192.0.2.0/25=4 "
	  "192.0.2.1/32=6 192.0.2.64/26=5 192.0.2.128/25=7 192.0.3.0/24=8 "
	  "198.18.0.0/15=9 198.18.0.0/16=10 ",
	  "0.0.0.0/0=1 " },
	{ "::/0", "", "" }, /* wrong family */
};

START_TEST(test_walk_covered_covering)
{
	struct radix_tree *t = radix_new(AF_INET);
	struct collect c;
	struct prefix q;
	size_t i;

	for (i = 0; i < ARRAY_LEN(sub_routes); i++)
		insert_ok(t, sub_routes[i], VAL(i + 1));

	q = pfx(sub_cases[_i].query);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(radix_walk_covered(t, &q, collect_cb, &c), 0);
	ck_assert_str_eq(c.text, sub_cases[_i].covered);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(radix_walk_covering(t, &q, collect_cb, &c), 0);
	ck_assert_str_eq(c.text, sub_cases[_i].covering);

	/* Both stop on request and pass the value back. */
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	ck_assert_int_eq(radix_walk_covered(t, &q, collect_cb, &c),
			 sub_cases[_i].covered[0] != '\0' ? 42 : 0);
	memset(&c, 0, sizeof(c));
	c.stop_after = 1;
	ck_assert_int_eq(radix_walk_covering(t, &q, collect_cb, &c),
			 sub_cases[_i].covering[0] != '\0' ? 42 : 0);
	radix_free(t, NULL, NULL);
}
END_TEST

struct free_count {
	size_t calls;
	uintptr_t sum;
};

static void
free_value_cb(void *value, void *arg)
{
	struct free_count *fc = arg;

	fc->calls++;
	fc->sum += (uintptr_t)value;
}

START_TEST(test_free_values)
{
	struct radix_tree *t = radix_new(AF_INET6);
	struct free_count fc = { 0, 0 };
	int *heap = malloc(sizeof(*heap));

	insert_ok(t, "2001:db8::/32", VAL(1));
	insert_ok(t, "2001:db8::/48", VAL(2));
	insert_ok(t, "2001:db8:1::/48", VAL(4));
	insert_ok(t, "2001:db8:1::/64", VAL(8));
	ck_assert_ptr_eq(delete(t, "2001:db8::/48"), VAL(2));
	radix_free(t, free_value_cb, &fc);
	ck_assert_uint_eq(fc.calls, 3);
	ck_assert_uint_eq(fc.sum, 1 + 4 + 8);

	/* Values the caller allocated are the caller's to free; a tree freed
	 * without a callback leaves them alone (ASan would report a leak or a
	 * double free either way). */
	t = radix_new(AF_INET);
	insert_ok(t, "192.0.2.0/24", heap);
	radix_free(t, NULL, NULL);
	*heap = 1;
	free(heap);
}
END_TEST

/* ---- randomised comparison with a brute-force reference ----------------- */

/* xorshift64*: tiny, fixed seed, same sequence on every run and platform. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

static uint64_t
rng_below(uint64_t *s, uint64_t n)
{
	return rng_next(s) % n;
}

#define POOL_SIZE 100000

struct ref {
	int family;
	unsigned maxlen;
	struct prefix *pool; /* distinct, normalised, sorted by prefix_cmp */
	void **val;          /* val[i]: value stored for pool[i], or NULL */
	uint64_t (*words)[2]; /* pool[i]'s address as two big-endian words */
	size_t n;
	size_t present;
	uint64_t rng;
	uintptr_t next_val;
	size_t lpm_hits, lpm_misses;
};

/*
 * Clustered like real tables: short prefixes (and most long ones) fall in
 * a few regions so that they nest and share paths; the rest are scattered
 * long prefixes.  No /0 (tested above), so that addresses outside the
 * regions can match nothing.
 */
static const uint8_t region4[] = { 192, 198, 203, 169 };
static const uint16_t region6[] = { 0x2001, 0x2a00, 0x2400, 0x2620 };

static void
random_prefix(struct ref *r, struct prefix *p)
{
	unsigned i, roll = (unsigned)rng_below(&r->rng, 100);
	uint64_t x;

	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)r->family;
	for (i = 0; i < 16; i += 8) {
		x = rng_next(&r->rng);
		memcpy(p->addr + i, &x, 8);
	}
	if (r->family == AF_INET) {
		if (roll < 10)
			p->len = (uint8_t)(1 + rng_below(&r->rng, 32));
		else if (roll < 70)
			p->len = (uint8_t)(16 + rng_below(&r->rng, 9));
		else if (roll < 90)
			p->len = 24;
		else
			p->len = (uint8_t)(25 + rng_below(&r->rng, 8));
		if (p->len < 12 || rng_below(&r->rng, 4) != 0)
			p->addr[0] = region4[rng_below(&r->rng, ARRAY_LEN(region4))];
	} else {
		if (roll < 10)
			p->len = (uint8_t)(1 + rng_below(&r->rng, 128));
		else if (roll < 60)
			p->len = (uint8_t)(32 + rng_below(&r->rng, 33));
		else if (roll < 80)
			p->len = 48;
		else if (roll < 90)
			p->len = (uint8_t)(64 + rng_below(&r->rng, 65));
		else
			p->len = 128;
		if (p->len < 24 || rng_below(&r->rng, 4) != 0) {
			uint16_t top = region6[rng_below(&r->rng, ARRAY_LEN(region6))];

			p->addr[0] = (uint8_t)(top >> 8);
			p->addr[1] = (uint8_t)top;
			if (rng_below(&r->rng, 2) == 0)
				p->addr[2] = p->addr[3] = 0; /* denser still */
		}
	}
	prefix_normalize(p);
}

/* An address to look up: inside a pool prefix, inside a region, or anywhere. */
static void
random_host(struct ref *r, struct prefix *p)
{
	unsigned roll = (unsigned)rng_below(&r->rng, 10);
	struct prefix h;
	uint64_t x;
	unsigned i;

	memset(&h, 0, sizeof(h));
	h.family = (uint8_t)r->family;
	h.len = (uint8_t)r->maxlen;
	for (i = 0; i < 16; i += 8) {
		x = rng_next(&r->rng);
		memcpy(h.addr + i, &x, 8);
	}
	if (roll < 4) {
		const struct prefix *in = &r->pool[rng_below(&r->rng, r->n)];

		for (i = 0; i < in->len; i++) {
			uint8_t bit = (uint8_t)(0x80 >> (i % 8));

			h.addr[i / 8] = (uint8_t)((h.addr[i / 8] & ~bit) |
						  (in->addr[i / 8] & bit));
		}
	} else if (roll < 7) {
		if (r->family == AF_INET) {
			h.addr[0] = region4[rng_below(&r->rng, ARRAY_LEN(region4))];
		} else {
			uint16_t top = region6[rng_below(&r->rng, ARRAY_LEN(region6))];

			h.addr[0] = (uint8_t)(top >> 8);
			h.addr[1] = (uint8_t)top;
		}
	}
	prefix_normalize(&h);
	*p = h;
}

/*
 * The scans below run over the whole pool for every query, so the
 * reference keeps each pool prefix also as two 64-bit words and tests
 * containment with a mask.  It is written apart from prefix_contains()
 * and from the tree, so that they check each other.
 */
static void
to_words(const struct prefix *p, uint64_t w[2])
{
	unsigned i;

	w[0] = w[1] = 0;
	for (i = 0; i < 16; i++)
		w[i / 8] = w[i / 8] << 8 | p->addr[i];
}

static uint64_t
top_bits(unsigned n)
{
	return n == 0 ? 0 : n >= 64 ? ~UINT64_C(0) : ~UINT64_C(0) << (64 - n);
}

static int
cmp_prefix_qsort(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void
ref_init(struct ref *r, int family, uint64_t seed)
{
	size_t have = 0, i, out;

	memset(r, 0, sizeof(*r));
	r->family = family;
	r->maxlen = prefix_max_len(family);
	r->rng = seed;
	r->next_val = 1;
	r->pool = malloc(POOL_SIZE * sizeof(*r->pool));
	r->val = calloc(POOL_SIZE, sizeof(*r->val));
	ck_assert_ptr_nonnull(r->pool);
	ck_assert_ptr_nonnull(r->val);
	/* Draw, sort, drop duplicates, and draw again until full. */
	while (have < POOL_SIZE) {
		for (i = have; i < POOL_SIZE; i++)
			random_prefix(r, &r->pool[i]);
		qsort(r->pool, POOL_SIZE, sizeof(*r->pool), cmp_prefix_qsort);
		for (i = 1, out = 1; i < POOL_SIZE; i++) {
			if (!prefix_equal(&r->pool[i], &r->pool[out - 1]))
				r->pool[out++] = r->pool[i];
		}
		have = out;
	}
	r->n = POOL_SIZE;
	r->words = malloc(POOL_SIZE * sizeof(*r->words));
	ck_assert_ptr_nonnull(r->words);
	for (i = 0; i < r->n; i++)
		to_words(&r->pool[i], r->words[i]);
}

static void
ref_free(struct ref *r)
{
	free(r->pool);
	free(r->val);
	free(r->words);
}

static ssize_t
ref_find(const struct ref *r, const struct prefix *p)
{
	const struct prefix *hit = bsearch(p, r->pool, r->n, sizeof(*p), cmp_prefix_qsort);

	return hit != NULL ? hit - r->pool : -1;
}

/* Keep a prefix's network bits and scramble its host bits. */
static struct prefix
with_host_bits(struct ref *r, const struct prefix *p)
{
	struct prefix q = *p;
	unsigned i, nbytes = r->maxlen / 8;
	uint64_t x = 0;

	for (i = p->len / 8; i < nbytes; i++) {
		unsigned keep = i == p->len / 8 ? p->len % 8 : 0;

		if (i % 8 == 0 || i == p->len / 8)
			x = rng_next(&r->rng);
		q.addr[i] |= (uint8_t)(x >> (8 * (i % 8))) & (uint8_t)(0xffu >> keep);
	}
	return q;
}

static void
check_counts(const struct radix_tree *t, const struct ref *r)
{
	size_t count = radix_count(t), nodes = radix_node_count(t);

	REQUIRE(count == r->present, "count %zu, reference %zu", count, r->present);
	if (count == 0)
		REQUIRE(nodes == 0, "%zu nodes in an empty tree", nodes);
	else
		REQUIRE(nodes <= 2 * count - 1, "%zu nodes for %zu values", nodes, count);
}

/* One random change, checked against the reference. */
static void
random_op(struct radix_tree *t, struct ref *r, size_t i, int may_delete)
{
	char buf[PREFIX_STRLEN];
	struct prefix key = with_host_bits(r, &r->pool[i]);
	void *old = NULL, *v;
	int rc;

	if (r->val[i] != NULL && may_delete && rng_below(&r->rng, 2) == 0) {
		v = radix_delete(t, &key);
		REQUIRE(v == r->val[i], "delete %s", fmt(&r->pool[i], buf));
		r->val[i] = NULL;
		r->present--;
	} else if (r->val[i] == NULL && may_delete && rng_below(&r->rng, 8) == 0) {
		v = radix_delete(t, &key);
		REQUIRE(v == NULL, "delete of absent %s", fmt(&r->pool[i], buf));
	} else {
		v = VAL(r->next_val++);
		rc = radix_insert(t, &key, v, &old);
		if (r->val[i] != NULL) {
			REQUIRE(rc == 1 && old == r->val[i], "replace %s: rc %d",
				fmt(&r->pool[i], buf), rc);
		} else {
			REQUIRE(rc == 0, "insert %s: rc %d", fmt(&r->pool[i], buf), rc);
			r->present++;
		}
		r->val[i] = v;
	}
	check_counts(t, r);
}

/* ---- reference queries: linear scans of the pool ---- */

/* Does pool entry i contain the prefix q (in words qw)? */
static int
pool_covers(const struct ref *r, size_t i, const struct prefix *q, const uint64_t qw[2])
{
	unsigned len = r->pool[i].len;

	if (len > q->len)
		return 0;
	return ((r->words[i][0] ^ qw[0]) & top_bits(len)) == 0 &&
	       ((r->words[i][1] ^ qw[1]) & top_bits(len > 64 ? len - 64 : 0)) == 0;
}

/* Does the prefix q (in words qw) contain pool entry i? */
static int
pool_inside(const struct ref *r, size_t i, const struct prefix *q, const uint64_t qw[2])
{
	unsigned len = q->len;

	if (r->pool[i].len < len)
		return 0;
	return ((r->words[i][0] ^ qw[0]) & top_bits(len)) == 0 &&
	       ((r->words[i][1] ^ qw[1]) & top_bits(len > 64 ? len - 64 : 0)) == 0;
}

static ssize_t
ref_longest(const struct ref *r, const struct prefix *q)
{
	ssize_t best = -1;
	uint64_t qw[2];
	size_t i;

	to_words(q, qw);
	for (i = 0; i < r->n; i++) {
		if (r->val[i] != NULL && pool_covers(r, i, q, qw) &&
		    (best < 0 || r->pool[i].len > r->pool[best].len))
			best = (ssize_t)i;
	}
	return best;
}

/* Walk checker: each entry must be the next one the reference expects. */
struct walk_check {
	const struct ref *r;
	const struct prefix *q; /* covered: inside q; covering: contains q */
	uint64_t qw[2];
	int covering;
	size_t next; /* pool index to resume the reference scan at */
	size_t seen;
	int last_len;
};

static int
want_in_walk(const struct walk_check *w, size_t i)
{
	const struct ref *r = w->r;

	if (r->val[i] == NULL)
		return 0;
	if (w->q == NULL)
		return 1;
	return w->covering ? pool_covers(r, i, w->q, w->qw) : pool_inside(r, i, w->q, w->qw);
}

static int
walk_check_cb(const struct prefix *p, void *value, void *arg)
{
	struct walk_check *w = arg;
	const struct ref *r = w->r;
	char got[PREFIX_STRLEN], want[PREFIX_STRLEN];

	while (w->next < r->n && !want_in_walk(w, w->next))
		w->next++;
	REQUIRE(w->next < r->n, "walk gave %s past the reference's end", fmt(p, got));
	REQUIRE(prefix_equal(p, &r->pool[w->next]) && value == r->val[w->next],
		"walk gave %s, reference %s", fmt(p, got), fmt(&r->pool[w->next], want));
	/* Sorted order of nested prefixes is shortest first; say so anyway. */
	REQUIRE(!w->covering || (int)p->len > w->last_len, "covering walk out of order");
	w->last_len = p->len;
	w->next++;
	w->seen++;
	return 0;
}

static void
check_walk(const struct radix_tree *t, const struct ref *r, const struct prefix *q,
	   int covering)
{
	struct walk_check w = { .r = r, .q = q, .covering = covering, .last_len = -1 };
	char buf[PREFIX_STRLEN];
	int rc;

	if (q != NULL)
		to_words(q, w.qw);
	if (q == NULL)
		rc = radix_walk(t, walk_check_cb, &w);
	else if (covering)
		rc = radix_walk_covering(t, q, walk_check_cb, &w);
	else
		rc = radix_walk_covered(t, q, walk_check_cb, &w);
	REQUIRE(rc == 0, "walk returned %d", rc);
	while (w.next < r->n && !want_in_walk(&w, w.next))
		w.next++;
	REQUIRE(w.next == r->n, "walk %s missed %s", q ? fmt(q, buf) : "all",
		fmt(&r->pool[w.next], buf));
	if (q == NULL)
		REQUIRE(w.seen == r->present, "walk saw %zu of %zu", w.seen, r->present);
}

static void
check_longest(const struct radix_tree *t, struct ref *r, const struct prefix *q)
{
	char buf[PREFIX_STRLEN], want[PREFIX_STRLEN];
	ssize_t best = ref_longest(r, q);
	struct prefix m;
	void *v = radix_lookup_longest(t, q, &m);

	if (best < 0) {
		REQUIRE(v == NULL, "%s matched %s, reference nothing", fmt(q, buf),
			fmt(&m, want));
		r->lpm_misses++;
		return;
	}
	REQUIRE(v == r->val[best] && prefix_equal(&m, &r->pool[best]),
		"%s: longest match %s, reference %s", fmt(q, buf),
		v ? fmt(&m, want) : "none", fmt(&r->pool[best], want));
	r->lpm_hits++;
}

/*
 * Compare everything: counts and invariants, every exact lookup, the full
 * walk, and a sample of longest-match lookups and covered/covering walks
 * (each a linear scan of the reference, hence a sample).
 */
static void
full_check(const struct radix_tree *t, struct ref *r, size_t nlookups)
{
	char buf[PREFIX_STRLEN];
	struct prefix q;
	size_t i, k;
	ssize_t at;

	check_counts(t, r);
	REQUIRE(radix_verify(t) == 0, "tree invariants broken");

	for (i = 0; i < r->n; i++) {
		q = with_host_bits(r, &r->pool[i]);
		REQUIRE(radix_lookup_exact(t, &q) == r->val[i], "exact %s",
			fmt(&r->pool[i], buf));
	}
	/* Exact lookups of prefixes mostly not in the pool. */
	for (i = 0; i < r->n / 10; i++) {
		random_prefix(r, &q);
		at = ref_find(r, &q);
		REQUIRE(radix_lookup_exact(t, &q) == (at < 0 ? NULL : r->val[at]),
			"exact %s", fmt(&q, buf));
	}

	check_walk(t, r, NULL, 0);

	for (k = 0; k < nlookups; k++) {
		random_host(r, &q);
		check_longest(t, r, &q);
		/* A walk_covering query: a host or a pool prefix. */
		if (k % 4 == 0)
			check_walk(t, r, &q, 1);
		if (k % 4 == 1) {
			q = r->pool[rng_below(&r->rng, r->n)];
			check_longest(t, r, &q);
			check_walk(t, r, &q, 1);
		}
		/* A walk_covered query: a pool prefix cut shorter, or any. */
		if (k % 4 == 2) {
			q = r->pool[rng_below(&r->rng, r->n)];
			q.len = (uint8_t)(q.len - rng_below(&r->rng, 9) % (q.len + 1u));
			prefix_normalize(&q);
			check_walk(t, r, &q, 0);
		}
		if (k % 4 == 3) {
			random_prefix(r, &q);
			q = with_host_bits(r, &q);
			check_walk(t, r, &q, 0);
		}
	}
}

static void
shuffle(struct ref *r, size_t *order)
{
	size_t i, j, tmp;

	for (i = r->n; i > 1; i--) {
		j = rng_below(&r->rng, i);
		tmp = order[i - 1];
		order[i - 1] = order[j];
		order[j] = tmp;
	}
}

static void
random_run(int family, uint64_t seed)
{
	struct radix_tree *t = radix_new(family);
	struct ref r;
	size_t *order, i, step;
	const size_t churn = POOL_SIZE, checkpoint = POOL_SIZE / 4;

	ck_assert_ptr_nonnull(t);
	ref_init(&r, family, seed);
	order = malloc(r.n * sizeof(*order));
	ck_assert_ptr_nonnull(order);
	for (i = 0; i < r.n; i++)
		order[i] = i;

	/* Fill in random order, with a random change after every fourth
	 * insert so that the tree also shrinks while it grows. */
	shuffle(&r, order);
	for (i = 0; i < r.n; i++) {
		random_op(t, &r, order[i], 0);
		if (i % 4 == 3)
			random_op(t, &r, rng_below(&r.rng, r.n), 1);
		if (i % checkpoint == checkpoint - 1)
			full_check(t, &r, 40);
	}
	for (i = 0; i < r.n; i++) {
		if (r.val[i] == NULL)
			random_op(t, &r, i, 0);
	}
	ck_assert_uint_eq(radix_count(t), POOL_SIZE);
	full_check(t, &r, 200);

	/* Churn: inserts, replaces and deletes at random. */
	for (step = 0; step < churn; step++) {
		random_op(t, &r, rng_below(&r.rng, r.n), 1);
		if (step % checkpoint == checkpoint - 1)
			full_check(t, &r, 40);
	}

	/* Empty it in another random order. */
	shuffle(&r, order);
	for (i = 0; i < r.n; i++) {
		size_t idx = order[i];
		struct prefix key = with_host_bits(&r, &r.pool[idx]);
		void *v = radix_delete(t, &key);

		REQUIRE(v == r.val[idx], "final delete");
		if (v != NULL)
			r.present--;
		r.val[idx] = NULL;
		check_counts(t, &r);
		if (i == r.n / 2)
			full_check(t, &r, 40);
	}
	ck_assert_uint_eq(radix_count(t), 0);
	ck_assert_uint_eq(radix_node_count(t), 0);
	full_check(t, &r, 10);

	/* The run must have tried both outcomes of a longest match. */
	ck_assert_uint_gt(r.lpm_hits, 50);
	ck_assert_uint_gt(r.lpm_misses, 50);

	free(order);
	ref_free(&r);
	radix_free(t, NULL, NULL);
}

START_TEST(test_random_ipv4)
{
	random_run(AF_INET, UINT64_C(0x5eed0004a11ce5ed));
}
END_TEST

START_TEST(test_random_ipv6)
{
	random_run(AF_INET6, UINT64_C(0x5eed0006b0b5eed1));
}
END_TEST

static Suite *
radix_suite(void)
{
	Suite *s = suite_create("radix");
	TCase *tc;

	tc = tcase_create("basic");
	tcase_add_test(tc, test_new_free);
	tcase_add_test(tc, test_insert_errors);
	tcase_add_test(tc, test_insert_replace);
	tcase_add_test(tc, test_walk_gives_normalised);
	tcase_add_test(tc, test_longest_match);
	tcase_add_test(tc, test_glue_nodes);
	tcase_add_test(tc, test_split_at_every_bit);
	tcase_add_test(tc, test_ipv6);
	tcase_add_test(tc, test_walk_order_and_stop);
	tcase_add_loop_test(tc, test_walk_covered_covering, 0, (int)ARRAY_LEN(sub_cases));
	tcase_add_test(tc, test_free_values);
	suite_add_tcase(s, tc);

	tc = tcase_create("random");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_random_ipv4);
	tcase_add_test(tc, test_random_ipv6);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return unit_run(radix_suite());
}
