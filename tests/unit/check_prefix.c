/*
 * check_prefix.c - unit tests for lib/prefix.c.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Prefixes that parse: what they print as, and whether host bits are set. */
static const struct {
	const char *text;
	int family;
	unsigned len;
	const char *printed;
	int host_bits;
} valid_cases[] = {
	{ "0.0.0.0/0", AF_INET, 0, "0.0.0.0/0", 0 },
	{ "0.0.0.1/0", AF_INET, 0, "0.0.0.1/0", 1 },
	{ "198.18.0.0/15", AF_INET, 15, "198.18.0.0/15", 0 },
	{ "198.19.255.255/15", AF_INET, 15, "198.19.255.255/15", 1 },
	{ "192.0.2.0/24", AF_INET, 24, "192.0.2.0/24", 0 },
	{ "192.0.2.1/24", AF_INET, 24, "192.0.2.1/24", 1 },
	{ "192.0.2.128/25", AF_INET, 25, "192.0.2.128/25", 0 },
	{ "192.0.2.1", AF_INET, 32, "192.0.2.1/32", 0 },
	{ "192.0.2.1/32", AF_INET, 32, "192.0.2.1/32", 0 },
	{ "255.255.255.255/32", AF_INET, 32, "255.255.255.255/32", 0 },
	{ "169.254.0.0/16", AF_INET, 16, "169.254.0.0/16", 0 },
	{ "203.0.113.7/1", AF_INET, 1, "203.0.113.7/1", 1 },
	{ "::/0", AF_INET6, 0, "::/0", 0 },
	{ "2001:db8::/0", AF_INET6, 0, "2001:db8::/0", 1 },
	{ "::", AF_INET6, 128, "::/128", 0 },
	{ "::1", AF_INET6, 128, "::1/128", 0 },
	{ "2001:db8::/32", AF_INET6, 32, "2001:db8::/32", 0 },
	{ "2001:DB8::/32", AF_INET6, 32, "2001:db8::/32", 0 },
	{ "2001:db8:8000::/33", AF_INET6, 33, "2001:db8:8000::/33", 0 },
	{ "2001:db8:c000::/33", AF_INET6, 33, "2001:db8:c000::/33", 1 },
	{ "2001:0db8:0000:0000:0000:0000:0000:0001/128", AF_INET6, 128,
	  "2001:db8::1/128", 0 },
	/* RFC 5952 4.2.3: the first of two equal zero runs is shortened. */
	{ "2001:db8:0:0:1:0:0:1", AF_INET6, 128, "2001:db8::1:0:0:1/128", 0 },
	/* RFC 5952 4.2.2: a single zero field is not shortened. */
	{ "2001:db8:0:1:1:1:1:1/64", AF_INET6, 64, "2001:db8:0:1:1:1:1:1/64", 1 },
	{ "2001:db8::1/127", AF_INET6, 127, "2001:db8::1/127", 1 },
	{ "2001:db8::/127", AF_INET6, 127, "2001:db8::/127", 0 },
	{ "fe80::/10", AF_INET6, 10, "fe80::/10", 0 },
	{ "::ffff:192.0.2.1", AF_INET6, 128, "::ffff:192.0.2.1/128", 0 },
	{ "1:2:3:4:5:6:7::/112", AF_INET6, 112, "1:2:3:4:5:6:7:0/112", 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", AF_INET6, 128,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0 },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128", AF_INET6, 128,
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", 0 },
};

static const char *const invalid_cases[] = {
	"",
	"/",
	"/24",
	"1.2.3.4/",
	"1.2.3.4/33",
	"1.2.3.4/99",
	"1.2.3.4/100",
	"1.2.3.4/4294967328", /* 32 + 2^32 */
	"1.2.3.4/-1",
	"1.2.3.4/+8",
	"1.2.3.4/08",
	"1.2.3.4/0x8",
	"1.2.3.4/8/8",
	"1.2.3.4/8 ",
	"1.2.3.4/ 8",
	"1.2.3.4 /8",
	" 1.2.3.4/8",
	"1.2.3.4 ",
	" 1.2.3.4",
	"\t192.0.2.0/24",
	"192.0.2.0/24\n",
	"1.2.3.4/8x",
	"1.2.3.4x",
	"1.2.3",
	"1.2.3/24",
	"1.2.3.4.5/32",
	"1..3.4/32",
	"256.0.0.0/8",
	"01.2.3.4/32",
	"0x01.2.3.4/32",
	"192.0.2.0/24/",
	"abc",
	"abc/8",
	"::/129",
	"::/1280",
	"::/-0",
	"2001:db8::/32 ",
	"2001:db8:::/32",
	"2001:db8::g/32",
	"2001:db8::/3a",
	"1::2::3/128",
	":1::/64",
	"12345::/16",
	"1:2:3:4:5:6:7:8:9/128",
	"fe80::1%eth0",
	"fe80::1%eth0/64",
	"[2001:db8::1]",
	"2001:db8::1]/128",
	/* Longer than any address. */
	"0000:0000:0000:0000:0000:0000:0000:0000:0000/128",
	("00000000000000000000000000000000000000000000000000000000000000000000"
	 "00000000000000000000000000000000000000000000000000000000000000000000"),
	"1.2.3.4/000000000000000000000000000000000000000000000000000000000008",
};

static void
parse_ok(const char *text, struct prefix *p)
{
	ck_assert_msg(prefix_parse(text, p) == 0, "\"%s\" should parse", text);
}

START_TEST(test_parse_valid)
{
	const char *text = valid_cases[_i].text;
	char buf[PREFIX_STRLEN];
	struct prefix p, again, strict;
	unsigned char want[16] = { 0 };

	memset(&p, 0xa5, sizeof(p));
	parse_ok(text, &p);
	ck_assert_int_eq(p.family, valid_cases[_i].family);
	ck_assert_uint_eq(p.len, valid_cases[_i].len);
	ck_assert(prefix_valid(&p));

	/* The address bytes match what inet_pton makes of the printed form. */
	ck_assert_ptr_nonnull(strchr(valid_cases[_i].printed, '/'));
	{
		char addr[PREFIX_STRLEN];
		size_t n = (size_t)(strchr(valid_cases[_i].printed, '/') -
				    valid_cases[_i].printed);

		memcpy(addr, valid_cases[_i].printed, n);
		addr[n] = '\0';
		ck_assert_int_eq(inet_pton(p.family, addr, want), 1);
		ck_assert_mem_eq(p.addr, want, sizeof(want));
	}

	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), valid_cases[_i].printed);
	ck_assert_ptr_eq(prefix_format(&p, buf, sizeof(buf)), buf);

	/* Printed text parses back to the same prefix. */
	parse_ok(buf, &again);
	ck_assert(prefix_equal(&p, &again));
	ck_assert_mem_eq(&p, &again, sizeof(p));

	ck_assert_int_eq(prefix_has_host_bits(&p), valid_cases[_i].host_bits);
	ck_assert_int_eq(prefix_parse_strict(text, &strict),
			 valid_cases[_i].host_bits ? -1 : 0);
	if (!valid_cases[_i].host_bits)
		ck_assert_mem_eq(&strict, &p, sizeof(p));
}
END_TEST

START_TEST(test_parse_invalid)
{
	const char *text = invalid_cases[_i];
	struct prefix p, before;

	memset(&p, 0x5a, sizeof(p));
	before = p;
	ck_assert_msg(prefix_parse(text, &p) == -1, "\"%s\" should not parse", text);
	ck_assert_msg(prefix_parse_strict(text, &p) == -1,
		      "\"%s\" should not parse strictly", text);
	/* A failed parse leaves the output alone. */
	ck_assert_mem_eq(&p, &before, sizeof(p));
}
END_TEST

START_TEST(test_parse_null)
{
	struct prefix p;

	ck_assert_int_eq(prefix_parse(NULL, &p), -1);
	ck_assert_int_eq(prefix_parse_strict(NULL, &p), -1);
}
END_TEST

START_TEST(test_parse_all_lengths)
{
	char text[PREFIX_STRLEN], buf[PREFIX_STRLEN];
	struct prefix p;
	unsigned len;

	for (len = 0; len <= 129; len++) {
		snprintf(text, sizeof(text), "0.0.0.0/%u", len);
		ck_assert_int_eq(prefix_parse(text, &p), len <= 32 ? 0 : -1);
		if (len <= 32)
			ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), text);
		snprintf(text, sizeof(text), "::/%u", len);
		ck_assert_int_eq(prefix_parse(text, &p), len <= 128 ? 0 : -1);
		if (len <= 128)
			ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), text);
	}
}
END_TEST

START_TEST(test_format_buffer)
{
	static const char *const texts[] = {
		"192.0.2.1/32",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		"::ffff:255.255.255.255/128",
	};
	char buf[PREFIX_STRLEN + 8];
	struct prefix p;
	size_t i, need;

	for (i = 0; i < ARRAY_LEN(texts); i++) {
		parse_ok(texts[i], &p);
		need = strlen(texts[i]) + 1;
		ck_assert_uint_le(need, PREFIX_STRLEN);
		ck_assert_str_eq(prefix_format(&p, buf, need), texts[i]);
		/* One byte short: nothing rather than a cut-off prefix. */
		memset(buf, 'x', sizeof(buf));
		ck_assert_ptr_eq(prefix_format(&p, buf, need - 1), buf);
		ck_assert_str_eq(buf, "");
		memset(buf, 'x', sizeof(buf));
		ck_assert_str_eq(prefix_format(&p, buf, 1), "");
		/* No room even for the NUL: the buffer is not touched. */
		memset(buf, 'x', sizeof(buf));
		ck_assert_ptr_eq(prefix_format(&p, buf, 0), buf);
		ck_assert_int_eq(buf[0], 'x');
	}
}
END_TEST

START_TEST(test_format_bad_family)
{
	char buf[PREFIX_STRLEN];
	struct prefix p;

	memset(&p, 0, sizeof(p));
	p.family = AF_UNIX;
	memset(buf, 'x', sizeof(buf));
	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), "");
	ck_assert(!prefix_valid(&p));
}
END_TEST

static const struct {
	const char *in;
	const char *out;
} normalize_cases[] = {
	{ "192.0.2.1/24", "192.0.2.0/24" },
	{ "192.0.2.255/25", "192.0.2.128/25" },
	{ "198.19.255.255/15", "198.18.0.0/15" },
	{ "255.255.255.255/0", "0.0.0.0/0" },
	{ "255.255.255.255/1", "128.0.0.0/1" },
	{ "255.255.255.255/31", "255.255.255.254/31" },
	{ "192.0.2.1/32", "192.0.2.1/32" },
	{ "2001:db8:ffff::1/33", "2001:db8:8000::/33" },
	{ "2001:db8::1/64", "2001:db8::/64" },
	{ "2001:db8::ffff/120", "2001:db8::ff00/120" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/0", "::/0" },
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/127",
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127" },
	{ "2001:db8::1/128", "2001:db8::1/128" },
};

START_TEST(test_normalize)
{
	char buf[PREFIX_STRLEN];
	struct prefix p, want;

	parse_ok(normalize_cases[_i].in, &p);
	parse_ok(normalize_cases[_i].out, &want);
	prefix_normalize(&p);
	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), normalize_cases[_i].out);
	ck_assert_mem_eq(&p, &want, sizeof(p));
	ck_assert(!prefix_has_host_bits(&p));
	/* Idempotent. */
	prefix_normalize(&p);
	ck_assert_mem_eq(&p, &want, sizeof(p));
}
END_TEST

START_TEST(test_normalize_ipv4_tail)
{
	struct prefix p, want;

	parse_ok("192.0.2.0/24", &want);
	p = want;
	memset(p.addr + 4, 0xee, 12);
	/* The unused bytes do not take part in comparisons... */
	ck_assert(prefix_equal(&p, &want));
	ck_assert_int_eq(prefix_cmp(&p, &want), 0);
	/* ...and normalising clears them. */
	prefix_normalize(&p);
	ck_assert_mem_eq(&p, &want, sizeof(p));
}
END_TEST

static const struct {
	const char *a;
	const char *b;
	int sign;
} cmp_cases[] = {
	{ "192.0.2.0/24", "192.0.2.0/24", 0 },
	{ "192.0.2.1/24", "192.0.2.0/24", 1 }, /* host bits count */
	{ "10.0.0.0/8", "10.0.0.0/16", -1 },
	{ "10.0.0.0/16", "10.1.0.0/16", -1 },
	{ "10.0.0.0/24", "10.1.0.0/16", -1 },
	{ "11.0.0.0/8", "10.0.0.0/16", 1 },
	{ "0.0.0.0/0", "0.0.0.0/1", -1 },
	{ "0.0.0.0/32", "0.0.0.1/32", -1 },
	{ "128.0.0.0/1", "127.255.255.255/32", 1 },
	{ "255.255.255.255/32", "::/0", -1 }, /* IPv4 before IPv6 */
	{ "::/0", "0.0.0.0/0", 1 },
	{ "::/0", "::/128", -1 },
	{ "2001:db8::/32", "2001:db8::/48", -1 },
	{ "2001:db8:1::/48", "2001:db8::/32", 1 },
	{ "2001:db8::1/128", "2001:db8::/128", 1 },
	{ "2001:db8::/32", "2001:db8::/32", 0 },
};

START_TEST(test_cmp)
{
	struct prefix a, b;
	int r;

	parse_ok(cmp_cases[_i].a, &a);
	parse_ok(cmp_cases[_i].b, &b);
	r = prefix_cmp(&a, &b);
	ck_assert_msg((r > 0) - (r < 0) == cmp_cases[_i].sign,
		      "cmp(%s, %s) = %d, want sign %d", cmp_cases[_i].a,
		      cmp_cases[_i].b, r, cmp_cases[_i].sign);
	r = prefix_cmp(&b, &a);
	ck_assert_int_eq((r > 0) - (r < 0), -cmp_cases[_i].sign);
	ck_assert_int_eq(prefix_equal(&a, &b), cmp_cases[_i].sign == 0);
}
END_TEST

static int
cmp_qsort(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

START_TEST(test_cmp_sorts_like_a_table)
{
	/* The order "show ip route" lists them in. */
	static const char *const sorted[] = {
		"0.0.0.0/0",     "10.0.0.0/8",    "10.0.0.0/16",  "10.0.0.0/24",
		"10.0.1.0/24",   "10.1.0.0/16",   "10.128.0.0/9", "192.0.2.0/24",
		"192.0.2.0/25",  "192.0.2.128/25", "::/0",        "::1/128",
		"2001:db8::/32", "2001:db8::/48", "2001:db8:0:1::/64",
		"2001:db8:1::/48", "fe80::/10",
	};
	struct prefix p[ARRAY_LEN(sorted)];
	char buf[PREFIX_STRLEN];
	size_t i, n = ARRAY_LEN(sorted);

	/* Parse in a scrambled order, then sort. */
	for (i = 0; i < n; i++)
		parse_ok(sorted[(i * 7) % n], &p[i]);
	qsort(p, n, sizeof(p[0]), cmp_qsort);
	for (i = 0; i < n; i++)
		ck_assert_str_eq(prefix_format(&p[i], buf, sizeof(buf)), sorted[i]);
}
END_TEST

static const struct {
	const char *outer;
	const char *inner;
	int contains;
} contains_cases[] = {
	{ "0.0.0.0/0", "0.0.0.0/0", 1 },
	{ "0.0.0.0/0", "192.0.2.1", 1 },
	{ "0.0.0.0/0", "255.255.255.255/32", 1 },
	{ "198.18.0.0/15", "198.19.0.0/16", 1 },
	{ "198.18.0.0/15", "198.18.0.0/15", 1 },
	{ "198.18.0.0/15", "198.20.0.0/16", 0 },
	{ "198.18.0.0/15", "198.16.0.0/14", 0 }, /* less specific */
	{ "198.18.0.0/16", "198.18.0.0/15", 0 },
	{ "192.0.2.0/24", "192.0.2.255", 1 },
	{ "192.0.2.0/24", "192.0.3.0", 0 },
	{ "192.0.2.0/25", "192.0.2.128/25", 0 },
	{ "192.0.2.1/24", "192.0.2.200/32", 1 }, /* host bits ignored */
	{ "192.0.2.1/32", "192.0.2.1/32", 1 },
	{ "192.0.2.1/32", "192.0.2.0/32", 0 },
	{ "128.0.0.0/1", "127.255.255.255", 0 },
	{ "::/0", "0.0.0.0/0", 0 }, /* across families */
	{ "0.0.0.0/0", "::/0", 0 },
	{ "::/0", "2001:db8::1", 1 },
	{ "2001:db8::/32", "2001:db8:ffff::/48", 1 },
	{ "2001:db8::/32", "2001:db9::/48", 0 },
	{ "2001:db8::/33", "2001:db8:8000::/48", 0 },
	{ "2001:db8::/127", "2001:db8::1", 1 },
	{ "2001:db8::/127", "2001:db8::2", 0 },
	{ "2001:db8::1/128", "2001:db8::1", 1 },
	{ "::ffff:192.0.2.0/120", "192.0.2.1", 0 },
};

START_TEST(test_contains)
{
	struct prefix outer, inner;

	parse_ok(contains_cases[_i].outer, &outer);
	parse_ok(contains_cases[_i].inner, &inner);
	ck_assert_msg(prefix_contains(&outer, &inner) == contains_cases[_i].contains,
		      "contains(%s, %s) should be %d", contains_cases[_i].outer,
		      contains_cases[_i].inner, contains_cases[_i].contains);
}
END_TEST

START_TEST(test_bit)
{
	struct prefix p;
	unsigned i;

	parse_ok("128.0.0.1", &p);
	ck_assert(prefix_bit(&p, 0));
	for (i = 1; i < 31; i++)
		ck_assert(!prefix_bit(&p, i));
	ck_assert(prefix_bit(&p, 31));
	ck_assert(!prefix_bit(&p, 32)); /* past an IPv4 address */
	ck_assert(!prefix_bit(&p, 1000));

	parse_ok("8000::1", &p);
	ck_assert(prefix_bit(&p, 0));
	ck_assert(!prefix_bit(&p, 1));
	ck_assert(!prefix_bit(&p, 126));
	ck_assert(prefix_bit(&p, 127));
	ck_assert(!prefix_bit(&p, 128));

	/* Bit order is wire order: bit 8 is the top bit of the second byte. */
	parse_ok("0.128.0.0/9", &p);
	ck_assert(!prefix_bit(&p, 7));
	ck_assert(prefix_bit(&p, 8));
}
END_TEST

START_TEST(test_from_addr)
{
	static const unsigned char v4[4] = { 192, 0, 2, 33 };
	static const unsigned char v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 0x01 };
	char buf[PREFIX_STRLEN];
	struct prefix p;

	ck_assert_int_eq(prefix_from_addr(AF_INET, v4, &p), 0);
	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), "192.0.2.33/32");
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_uint_eq(p.len, 32);
	ck_assert_int_eq(prefix_from_addr(AF_INET6, v6, &p), 0);
	ck_assert_str_eq(prefix_format(&p, buf, sizeof(buf)), "2001:db8::1/128");
	ck_assert_int_eq(prefix_from_addr(AF_UNIX, v6, &p), -1);
	ck_assert_int_eq(prefix_from_addr(0, v6, &p), -1);
}
END_TEST

START_TEST(test_max_len)
{
	struct prefix p;

	ck_assert_uint_eq(prefix_max_len(AF_INET), 32);
	ck_assert_uint_eq(prefix_max_len(AF_INET6), 128);
	ck_assert_uint_eq(prefix_max_len(AF_UNIX), 0);
	ck_assert_uint_eq(prefix_max_len(0), 0);

	memset(&p, 0, sizeof(p));
	p.family = AF_INET;
	p.len = 33;
	ck_assert(!prefix_valid(&p));
	p.len = 32;
	ck_assert(prefix_valid(&p));
	p.family = AF_INET6;
	p.len = 129;
	ck_assert(!prefix_valid(&p));
	p.len = 128;
	ck_assert(prefix_valid(&p));
}
END_TEST

static Suite *
prefix_suite(void)
{
	Suite *s = suite_create("prefix");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_valid, 0, (int)ARRAY_LEN(valid_cases));
	tcase_add_loop_test(tc, test_parse_invalid, 0, (int)ARRAY_LEN(invalid_cases));
	tcase_add_test(tc, test_parse_null);
	tcase_add_test(tc, test_parse_all_lengths);
	suite_add_tcase(s, tc);

	tc = tcase_create("format");
	tcase_add_test(tc, test_format_buffer);
	tcase_add_test(tc, test_format_bad_family);
	suite_add_tcase(s, tc);

	tc = tcase_create("normalize");
	tcase_add_loop_test(tc, test_normalize, 0, (int)ARRAY_LEN(normalize_cases));
	tcase_add_test(tc, test_normalize_ipv4_tail);
	suite_add_tcase(s, tc);

	tc = tcase_create("compare");
	tcase_add_loop_test(tc, test_cmp, 0, (int)ARRAY_LEN(cmp_cases));
	tcase_add_test(tc, test_cmp_sorts_like_a_table);
	tcase_add_loop_test(tc, test_contains, 0, (int)ARRAY_LEN(contains_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("misc");
	tcase_add_test(tc, test_bit);
	tcase_add_test(tc, test_from_addr);
	tcase_add_test(tc, test_max_len);
	suite_add_tcase(s, tc);

	return s;
}

int
main(void)
{
	return unit_run(prefix_suite());
}
