/*
 * BGP UPDATE codec and path attributes: RFC 7606 outcomes from byte
 * vectors, RFC 6793 AS_PATH/AS4_PATH merging, truncation, build/parse
 * round trips, update packing, End-of-RIB, canonical hashing and the text
 * forms.
 *
 * Vectors are written as hex: the withdrawn routes, attributes and NLRI of
 * a case are given separately and the test puts the length fields in, so
 * a vector shows only what it is about. Addresses come from
 * 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15 and
 * 2001:db8::/32, AS numbers from 64512-65534 and 4200000000 up (plus
 * AS_TRANS, 23456).
 */
#include <arpa/inet.h>
#include <check.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_attr.h"
#include "bgp_update.h"
#include "bgp_update_vectors.h"
#include "cursor.h"
#include "prefix.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* --- helpers ---------------------------------------------------------------- */

static size_t hex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; s != NULL && *s != '\0'; s++) {
		int v;
		if (isspace((unsigned char)*s))
			continue;
		ck_assert_msg(isxdigit((unsigned char)*s), "bad hex digit '%c'", *s);
		v = isdigit((unsigned char)*s) ? *s - '0' : tolower((unsigned char)*s) - 'a' + 10;
		if (hi < 0) {
			hi = v;
		} else {
			ck_assert_uint_lt(n, cap);
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	ck_assert_msg(hi < 0, "odd number of hex digits");
	return n;
}

/* An UPDATE body from its three parts, with the two length fields. */
static size_t body_of(const char *withdrawn, const char *attrs, const char *nlri, uint8_t *out,
                      size_t cap)
{
	uint8_t w[4096], a[4096];
	size_t wl = hex(withdrawn, w, sizeof(w));
	size_t al = hex(attrs, a, sizeof(a));

	ck_assert_uint_le(4 + wl + al, cap);
	out[0] = (uint8_t)(wl >> 8);
	out[1] = (uint8_t)wl;
	memcpy(out + 2, w, wl);
	out[2 + wl] = (uint8_t)(al >> 8);
	out[3 + wl] = (uint8_t)al;
	memcpy(out + 4 + wl, a, al);
	return 4 + wl + al + hex(nlri, out + 4 + wl + al, cap - 4 - wl - al);
}

/* A parse arena per test; the sizes used are the ones the header promises. */
static uint8_t *arena_buf;
static struct bgp_arena arena;

static void arena_setup(void)
{
	size_t cap = BGP_UPDATE_ARENA_SIZE(BGP_EXTENDED_MAX_LEN);
	arena_buf = malloc(cap);
	ck_assert_ptr_nonnull(arena_buf);
	bgp_arena_init(&arena, arena_buf, cap);
}

static void arena_teardown(void)
{
	free(arena_buf);
	arena_buf = NULL;
}

static struct bgp_update_ctx make_ctx(enum ctx_kind k)
{
	struct bgp_update_ctx c = {
	    .as4 = k != E2 && k != I2,
	    .ebgp = k != I4 && k != I2,
	    .families = BGP_UPD_AF_IPV4_UNICAST | BGP_UPD_AF_IPV6_UNICAST,
	};

	if (k == E4_V4ONLY)
		c.families = BGP_UPD_AF_IPV4_UNICAST;
	if (k == E4_V6ONLY)
		c.families = BGP_UPD_AF_IPV6_UNICAST;
	if (k == E4_LOCAL) {
		c.has_local4 = true;
		inet_pton(AF_INET, "192.0.2.254", c.local4);
	}
	c.reject_as_sets = k == E4_NOSET;
	return c;
}

const char *path_text(const struct bgp_aspath *p)
{
	static char buf[512];
	bgp_aspath_format(p, buf, sizeof(buf));
	return buf;
}

const char *pfx_text(const struct prefix *p)
{
	static char buf[PREFIX_STRLEN];
	return prefix_format(p, buf, sizeof(buf));
}

/* --- RFC 7606 vectors (bgp_update_vectors.c) ------------------------ */

static void check_error(const struct vec *v, const struct bgp_update *u)
{
	uint8_t want[BGP_ERROR_DATA_MAX];

	ck_assert_msg(u->error.code == v->code && u->error.subcode == v->subcode,
	              "%s: error %u/%u, want %u/%u (%s)", v->name, u->error.code, u->error.subcode,
	              v->code, v->subcode, u->reason);
	if (v->data == NULL)
		return;
	size_t n = hex(v->data, want, sizeof(want));
	ck_assert_msg(u->error.data_len == n, "%s: data length %u, want %zu", v->name,
	              u->error.data_len, n);
	ck_assert_mem_eq(u->error.data, want, n);
}

START_TEST(test_vectors)
{
	const struct vec *v = &bgp_update_vectors[_i];
	struct bgp_update_ctx ctx = make_ctx(v->ctx);
	uint8_t body[8192];
	size_t len = v->raw != NULL ? hex(v->raw, body, sizeof(body))
	                            : body_of(v->withdrawn, v->attrs, v->nlri, body, sizeof(body));
	struct bgp_update u;

	/* An exact-size copy, so that a read past the end is caught. */
	uint8_t *msg = malloc(len);
	ck_assert_ptr_nonnull(msg);
	memcpy(msg, body, len);
	enum bgp_update_outcome o = bgp_update_parse(&ctx, msg, len, &arena, &u);
	ck_assert_msg(o == v->outcome, "%s: %s, want %s (%s)", v->name, bgp_update_outcome_name(o),
	              bgp_update_outcome_name(v->outcome), u.reason);
	ck_assert_int_eq(u.outcome, o);
	if (o != UPD_OK)
		check_error(v, &u);
	else
		ck_assert_uint_eq(u.error.code, 0);
	if (v->discard != 0)
		ck_assert_msg(bgp_update_discarded(&u, v->discard),
		              "%s: attribute %u not discarded", v->name, v->discard);
	if (o == UPD_OK)
		for (unsigned t = 0; t < 256; t++)
			ck_assert(!bgp_update_discarded(&u, (uint8_t)t));
	if (v->check != NULL)
		v->check(&u);
	free(msg);
}
END_TEST

/* --- RFC 6793 section 4.2.3: AS_PATH + AS4_PATH on two-octet sessions ------- */

/* Two-octet hex of ASNs used below: 64512 fc00, 64513 fc01, 64514 fc02,
 * 64515 fc03, AS_TRANS 5ba0; four-octet 4200000001 fa56ea01, 4200000002
 * fa56ea02, 4200000009 fa56ea09. */
#define AS4P_12 "c0110a 0202 fa56ea01 fa56ea02 " /* AS4_PATH 4200000001 4200000002 */
#define AS4P_1  "c01106 0201 fa56ea01 "          /* AS4_PATH 4200000001 */
#define TT      "400206 0202 5ba0 5ba0 "         /* AS_PATH 23456 23456 */

struct merge_case {
	const char *name;
	const char *attrs; /* ORIGIN, NEXT_HOP and LOCAL_PREF are added */
	const char *path;
	uint32_t aggregator; /* 0: no AGGREGATOR expected */
	enum bgp_update_outcome outcome;
	uint8_t discard[2];
	size_t nsegs; /* 0: not checked */
};

static const struct merge_case merge_cases[] = {
    {"AS_PATH longer: leading hop kept",
     "400208 0203 fc01 5ba0 5ba0 " AS4P_12,
     "64513 4200000001 4200000002",
     0,
     OK,
     {0, 0},
     1},
    {"equal lengths: AS4_PATH taken", TT AS4P_12, "4200000001 4200000002", 0, OK, {0, 0}, 1},
    {"AS4_PATH longer: ignored",
     "400204 0201 5ba0 " AS4P_12,
     "23456",
     0,
     DISCARD,
     {BGP_ATTR_AS4_PATH, 0},
     0},
    {"a leading AS_SET counts one and goes whole",
     "40020e 0201 fc01 0102 fc02 fc03 0201 5ba0 " AS4P_1,
     "64513 {64514,64515} 4200000001",
     0,
     OK,
     {0, 0},
     3},
    {"part of a sequence taken",
     "40020a 0204 fc01 fc02 fc03 5ba0 " AS4P_12,
     "64513 64514 4200000001 4200000002",
     0,
     OK,
     {0, 0},
     1},
    {"leading confederation segment kept",
     "400208 0301 fc00 0201 5ba0 " AS4P_1,
     "(64512) 4200000001",
     0,
     OK,
     {0, 0},
     2},
    {"confederation segment next to a prepended one kept",
     "40020c 0201 fc01 0301 fc00 0201 5ba0 " AS4P_1,
     "64513 (64512) 4200000001",
     0,
     OK,
     {0, 0},
     3},
    {"AGGREGATOR not AS_TRANS: AS4_* ignored",
     TT AS4P_12 "c00706 fc01 c0000201 c01208 fa56ea01 c0000201",
     "23456 23456",
     64513,
     DISCARD,
     {BGP_ATTR_AS4_PATH, BGP_ATTR_AS4_AGGREGATOR},
     0},
    {"AGGREGATOR AS_TRANS: AS4_AGGREGATOR taken",
     TT AS4P_12 "c00706 5ba0 c0000201 c01208 fa56ea01 c0000201",
     "4200000001 4200000002",
     4200000001,
     OK,
     {0, 0},
     0},
    {"AGGREGATOR alone does not stop AS4_PATH",
     TT AS4P_12 "c00706 fc01 c0000201",
     "4200000001 4200000002",
     64513,
     OK,
     {0, 0},
     0},
    {"AS4_AGGREGATOR without AGGREGATOR ignored",
     TT AS4P_12 "c01208 fa56ea01 c0000201",
     "4200000001 4200000002",
     0,
     DISCARD,
     {BGP_ATTR_AS4_AGGREGATOR, 0},
     0},
    {"confederation segments dropped from AS4_PATH",
     TT "c01110 0301 fa56ea09 0202 fa56ea01 fa56ea02",
     "4200000001 4200000002",
     0,
     DISCARD,
     {BGP_ATTR_AS4_PATH, 0},
     0},
    {"malformed AS4_PATH discarded",
     TT "c01105 0201 fa56ea",
     "23456 23456",
     0,
     DISCARD,
     {BGP_ATTR_AS4_PATH, 0},
     0},
    {"no AS4_PATH: AS_PATH as it is", "400206 0202 fc01 5ba0", "64513 23456", 0, OK, {0, 0}, 1},
};

START_TEST(test_as4_merge)
{
	const struct merge_case *m = &merge_cases[_i];
	struct bgp_update_ctx ctx = make_ctx(I2); /* internal: confederation segments allowed */
	uint8_t body[1024];
	char attrs[512];
	struct bgp_update u;

	snprintf(attrs, sizeof(attrs), "%s%s%s%s", ORIGIN, NH, LP, m->attrs);
	size_t len = body_of(NULL, attrs, PFX, body, sizeof(body));
	enum bgp_update_outcome o = bgp_update_parse(&ctx, body, len, &arena, &u);
	ck_assert_msg(o == m->outcome, "%s: %s (%s)", m->name, bgp_update_outcome_name(o),
	              u.reason);
	ck_assert_str_eq(path_text(&u.attrs.aspath), m->path);
	if (m->aggregator != 0) {
		ck_assert(u.attrs.present & MASK(BGP_ATTR_AGGREGATOR));
		ck_assert_uint_eq(u.attrs.aggregator_as, m->aggregator);
	}
	for (size_t i = 0; i < 2; i++)
		if (m->discard[i] != 0)
			ck_assert(bgp_update_discarded(&u, m->discard[i]));
	if (m->nsegs != 0)
		ck_assert_uint_eq(u.attrs.aspath.nsegs, m->nsegs);
}
END_TEST

/* The path-level functions on their own. */
START_TEST(test_aspath_count)
{
	uint32_t a[] = {64513, 64514, 64515}, s[] = {64516, 64517}, c[] = {64512};
	struct bgp_as_segment segs[] = {
	    {BGP_AS_CONFED_SEQUENCE, 1, c},
	    {BGP_AS_SEQUENCE, 3, a},
	    {BGP_AS_SET, 2, s},
	    {BGP_AS_CONFED_SET, 1, c},
	};
	struct bgp_aspath p = {4, segs};

	ck_assert_uint_eq(bgp_aspath_count(&p), 4);
	ck_assert(bgp_aspath_has_confed(&p));
	ck_assert_str_eq(path_text(&p), "(64512) 64513 64514 64515 {64516,64517} [64512]");
	ck_assert_uint_eq(bgp_aspath_strip_confed(&p), 2);
	ck_assert_uint_eq(p.nsegs, 2);
	ck_assert(!bgp_aspath_has_confed(&p));
	ck_assert_str_eq(path_text(&p), "64513 64514 64515 {64516,64517}");
}
END_TEST

/* --- truncation ---------------------------------------------------------------- */

/* A rich UPDATE of each kind, from the builder. */
static uint32_t asns_rich[] = {64513, 4200000001, 64514, 4200000002};
static uint32_t set_rich[] = {64515, 4200000003};
static uint32_t comms_rich[] = {0xfde80001, 0xfde80002, BGP_COMMUNITY_NO_EXPORT};
static uint64_t ext_rich[] = {UINT64_C(0x0002fde800000001)};
static struct bgp_large_community large_rich[] = {{65000, 1, 2}};
static uint32_t cluster_rich[] = {0xc0000201, 0xc0000202};
static uint8_t unknown_value[300];

static void rich_attrs(struct bgp_attrs *a, struct bgp_as_segment segs[2],
                       struct bgp_attr_raw *unknown)
{
	memset(a, 0, sizeof(*a));
	segs[0] = (struct bgp_as_segment){BGP_AS_SEQUENCE, 4, asns_rich};
	segs[1] = (struct bgp_as_segment){BGP_AS_SET, 2, set_rich};
	a->present = MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_NEXT_HOP) |
	             MASK(BGP_ATTR_MED) | MASK(BGP_ATTR_LOCAL_PREF) |
	             MASK(BGP_ATTR_ATOMIC_AGGREGATE) | MASK(BGP_ATTR_AGGREGATOR) |
	             MASK(BGP_ATTR_COMMUNITIES) | MASK(BGP_ATTR_ORIGINATOR_ID) |
	             MASK(BGP_ATTR_CLUSTER_LIST) | MASK(BGP_ATTR_EXT_COMMUNITIES) |
	             MASK(BGP_ATTR_LARGE_COMMUNITIES);
	a->origin = BGP_ORIGIN_EGP;
	a->aspath = (struct bgp_aspath){2, segs};
	inet_pton(AF_INET, "192.0.2.1", a->nexthop);
	a->med = 7;
	a->local_pref = 200;
	a->aggregator_as = 4200000004;
	inet_pton(AF_INET, "192.0.2.9", a->aggregator_addr);
	a->communities = comms_rich;
	a->ncommunities = ARRAY_LEN(comms_rich);
	a->ext_communities = ext_rich;
	a->next_communities = 1;
	a->large_communities = large_rich;
	a->nlarge_communities = 1;
	a->originator_id = 0xc0000203;
	a->cluster_list = cluster_rich;
	a->ncluster_list = 2;
	a->mp_nexthop.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", a->mp_nexthop.global);
	a->mp_nexthop.has_link_local = true;
	inet_pton(AF_INET6, "fe80::1", a->mp_nexthop.link_local);
	for (size_t i = 0; i < sizeof(unknown_value); i++)
		unknown_value[i] = (uint8_t)i;
	*unknown = (struct bgp_attr_raw){0xe0, 200, sizeof(unknown_value), unknown_value};
	a->unknown = unknown;
	a->nunknown = 1;
}

static size_t make_prefixes(int family, size_t n, unsigned len, struct prefix *out)
{
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].family = (uint8_t)family;
		out[i].len = (uint8_t)len;
		if (family == AF_INET) {
			/* Inside 198.18.0.0/15: the index in the bits below 15. */
			uint32_t host = 0xc6120000u | (uint32_t)(i << (32 - len));
			out[i].addr[0] = (uint8_t)(host >> 24);
			out[i].addr[1] = (uint8_t)(host >> 16);
			out[i].addr[2] = (uint8_t)(host >> 8);
			out[i].addr[3] = (uint8_t)host;
		} else {
			/* 2001:db8:i::/48 and longer: the index in octets 4-5. */
			uint8_t base[4] = {0x20, 0x01, 0x0d, 0xb8};
			memcpy(out[i].addr, base, 4);
			out[i].addr[4] = (uint8_t)(i >> 8);
			out[i].addr[5] = (uint8_t)i;
			if (len > 48)
				out[i].addr[15] = 1;
		}
		prefix_normalize(&out[i]);
	}
	return n;
}

/* Build one message; returns its body (after the header) in a fresh
 * exact-size buffer. */
static uint8_t *build_one(const struct bgp_update_ctx *ctx, const struct bgp_update_spec *s,
                          size_t max, size_t *len, size_t *nw, size_t *na)
{
	struct builder b;

	builder_init_dynamic(&b, BGP_EXTENDED_MAX_LEN);
	ck_assert_int_eq(bgp_update_build(&b, ctx, s, max, nw, na), 0);
	const uint8_t *m = builder_data(&b);
	size_t mlen = builder_len(&b);
	ck_assert_uint_le(mlen, max);
	for (int i = 0; i < BGP_MARKER_LEN; i++)
		ck_assert_uint_eq(m[i], 0xff);
	ck_assert_uint_eq((size_t)(m[16] << 8 | m[17]), mlen);
	ck_assert_uint_eq(m[18], BGP_MSG_UPDATE);
	uint8_t *body = malloc(mlen - BGP_HEADER_LEN + 1);
	ck_assert_ptr_nonnull(body);
	memcpy(body, m + BGP_HEADER_LEN, mlen - BGP_HEADER_LEN);
	*len = mlen - BGP_HEADER_LEN;
	builder_free(&b);
	return body;
}

static void truncate_all(enum ctx_kind kind, int family)
{
	struct bgp_update_ctx ctx = make_ctx(kind);
	struct bgp_as_segment segs[2];
	struct bgp_attr_raw unknown;
	struct bgp_attrs a;
	struct prefix pfx[5];
	size_t len, nw, na;
	struct bgp_update u;

	rich_attrs(&a, segs, &unknown);
	make_prefixes(family, 5, family == AF_INET ? 24 : 64, pfx);
	struct bgp_update_spec s = {.family = family, .attrs = &a, .announce = pfx, .nannounce = 5};
	uint8_t *full = build_one(&ctx, &s, 4096, &len, &nw, &na);
	ck_assert_uint_eq(na, 5);
	ck_assert_int_eq(bgp_update_parse(&ctx, full, len, &arena, &u), UPD_OK);

	for (size_t cut = 0; cut < len; cut++) {
		/* The message cut short: every length field now lies. */
		uint8_t *msg = malloc(cut > 0 ? cut : 1);
		memcpy(msg, full, cut);
		bgp_arena_reset(&arena);
		enum bgp_update_outcome o =
		    bgp_update_parse(&ctx, cut > 0 ? msg : NULL, cut, &arena, &u);
		/* Only a cut between two prefixes of the classic NLRI keeps a
		 * consistent message, with fewer prefixes. */
		if (o != UPD_SESSION_RESET) {
			ck_assert_int_eq(family, AF_INET);
			ck_assert_int_eq(o, UPD_OK);
			ck_assert_uint_lt(u.nnlri, 5);
		}
		free(msg);
	}

	/* The attribute list cut short, its length fixed up: RFC 7606
	 * section 4 territory. The attributes start at offset 4. */
	size_t wl = (size_t)(full[0] << 8 | full[1]);
	ck_assert_uint_eq(wl, 0);
	size_t alen = (size_t)(full[2] << 8 | full[3]);
	bool boundary[4096] = {false};
	struct cursor walk;
	cursor_init(&walk, full + 4, alen);
	while (cursor_remaining(&walk) > 0) {
		uint8_t flags = 0, type = 0, l8 = 0;
		uint16_t l16 = 0;
		boundary[cursor_offset(&walk)] = true;
		cursor_get_u8(&walk, &flags);
		cursor_get_u8(&walk, &type);
		if (flags & BGP_ATTR_FLAG_EXTENDED)
			cursor_get_u16(&walk, &l16);
		else
			cursor_get_u8(&walk, &l8);
		ck_assert_int_eq(cursor_skip(&walk, (flags & BGP_ATTR_FLAG_EXTENDED) ? l16 : l8),
		                 0);
	}
	for (size_t cut = 0; cut < alen; cut++) {
		size_t nlen = len - (alen - cut);
		uint8_t *msg = malloc(nlen);
		msg[0] = msg[1] = 0;
		msg[2] = (uint8_t)(cut >> 8);
		msg[3] = (uint8_t)cut;
		memcpy(msg + 4, full + 4, cut);
		memcpy(msg + 4 + cut, full + 4 + alen, len - 4 - alen);
		bgp_arena_reset(&arena);
		enum bgp_update_outcome o = bgp_update_parse(&ctx, msg, nlen, &arena, &u);
		/* Cut inside an attribute: never accepted. At a boundary the
		 * message is only shorter, and may even be complete. */
		if (!boundary[cut])
			ck_assert_msg(o == UPD_TREAT_AS_WITHDRAW || o == UPD_SESSION_RESET,
			              "cut at %zu of %zu: %s (%s)", cut, alen,
			              bgp_update_outcome_name(o), u.reason);
		/* Inside MP_REACH_NLRI (first, for IPv6; header and length
		 * octets read) its NLRI are lost. */
		if (family == AF_INET6 && cut >= 2 && cut < (size_t)(3 + full[6]))
			ck_assert_int_eq(o, UPD_SESSION_RESET);
		free(msg);
	}
	free(full);
}

START_TEST(test_truncation)
{
	static const enum ctx_kind kinds[] = {I4, I2};
	static const int families[] = {AF_INET, AF_INET6};

	truncate_all(kinds[_i / 2], families[_i % 2]);
}
END_TEST

/* --- build -> parse round trips ---------------------------------------------- */

struct rng {
	uint64_t s;
};

static uint64_t rnd(struct rng *r)
{
	/* splitmix64 */
	uint64_t z = (r->s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static uint32_t rnd_below(struct rng *r, uint32_t n)
{
	return (uint32_t)(rnd(r) % n);
}

static uint32_t rnd_asn(struct rng *r, bool two_octet)
{
	if (two_octet || rnd(r) & 1)
		return 64512 + rnd_below(r, 1023);
	return 4200000000u + rnd_below(r, 94967295u);
}

/* Generated attribute sets live here, apart from the parse arena, which
 * every parse resets. */
static uint8_t gen_buf[1 << 20];
static struct bgp_arena gen;

static void *talloc(size_t n)
{
	void *p = bgp_arena_alloc(&gen, n);
	ck_assert_ptr_nonnull(p);
	return p;
}

static const uint32_t well_known[] = {BGP_COMMUNITY_NO_EXPORT, BGP_COMMUNITY_NO_ADVERTISE,
                                      BGP_COMMUNITY_BLACKHOLE, BGP_COMMUNITY_GRACEFUL_SHUTDOWN};

/*
 * A random canonical attribute set that a session of this kind can carry:
 * confederation segments only towards internal peers and only leading
 * (RFC 5065), LOCAL_PREF always towards internal peers.
 */
static void random_attrs(struct rng *r, bool ebgp, struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->present = MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_NEXT_HOP);
	a->origin = (uint8_t)rnd_below(r, 3);

	size_t nsegs = rnd_below(r, 5);
	bool long_done = false;
	bool confed = !ebgp && rnd_below(r, 3) == 0;
	struct bgp_as_segment *segs = talloc((nsegs + 1) * sizeof(*segs));
	size_t k = 0;
	if (confed) {
		uint32_t n = 1 + rnd_below(r, 3);
		segs[k] = (struct bgp_as_segment){BGP_AS_CONFED_SEQUENCE, n, talloc(n * 4)};
		for (uint32_t i = 0; i < n; i++)
			segs[k].asns[i] = rnd_asn(r, true);
		k++;
	}
	for (size_t i = 0; i < nsegs; i++) {
		/* Adjacent sequences would be one in the canonical form. */
		bool set = rnd_below(r, 4) == 0 || (k > 0 && segs[k - 1].type == BGP_AS_SEQUENCE);
		/* Now and then (once a path at most, so that it fits a 4096
		 * octet message) a sequence longer than one wire segment. */
		bool longer = !set && !long_done && rnd_below(r, 6) == 0;
		uint32_t n = longer ? 250 + rnd_below(r, 60) : 1 + rnd_below(r, 6);
		uint8_t type = set ? BGP_AS_SET : BGP_AS_SEQUENCE;
		long_done |= longer;
		segs[k] = (struct bgp_as_segment){type, n, talloc(n * 4)};
		for (uint32_t j = 0; j < n; j++)
			segs[k].asns[j] = rnd_asn(r, false);
		k++;
	}
	a->aspath = (struct bgp_aspath){k, k > 0 ? segs : NULL};

	uint8_t nets[3][3] = {{192, 0, 2}, {198, 51, 100}, {203, 0, 113}};
	memcpy(a->nexthop, nets[rnd_below(r, 3)], 3);
	a->nexthop[3] = (uint8_t)(1 + rnd_below(r, 253));

	if (rnd(r) & 1) {
		a->present |= MASK(BGP_ATTR_MED);
		a->med = (uint32_t)rnd(r);
	}
	if (!ebgp || rnd_below(r, 4) == 0) {
		a->present |= MASK(BGP_ATTR_LOCAL_PREF);
		a->local_pref = (uint32_t)rnd(r);
	}
	if (rnd_below(r, 4) == 0)
		a->present |= MASK(BGP_ATTR_ATOMIC_AGGREGATE);
	if (rnd_below(r, 3) == 0) {
		a->present |= MASK(BGP_ATTR_AGGREGATOR);
		a->aggregator_as = rnd_below(r, 5) == 0 ? BGP_AS_TRANS : rnd_asn(r, false);
		memcpy(a->aggregator_addr, nets[rnd_below(r, 3)], 3);
		a->aggregator_addr[3] = (uint8_t)rnd(r);
	}
	if (rnd(r) & 1) {
		size_t n = 1 + rnd_below(r, 8);
		a->present |= MASK(BGP_ATTR_COMMUNITIES);
		a->communities = talloc(n * 4);
		for (size_t i = 0; i < n; i++)
			a->communities[i] = rnd_below(r, 4) == 0 ? well_known[rnd_below(r, 4)]
			                                         : (65000u << 16) | rnd_below(r, 5);
		a->ncommunities = n;
	}
	if (rnd_below(r, 3) == 0) {
		size_t n = 1 + rnd_below(r, 4);
		a->present |= MASK(BGP_ATTR_EXT_COMMUNITIES);
		a->ext_communities = talloc(n * 8);
		for (size_t i = 0; i < n; i++)
			a->ext_communities[i] = UINT64_C(0x0002fde800000000) | rnd_below(r, 4);
		a->next_communities = n;
	}
	if (rnd_below(r, 3) == 0) {
		size_t n = 1 + rnd_below(r, 4);
		a->present |= MASK(BGP_ATTR_LARGE_COMMUNITIES);
		a->large_communities = talloc(n * sizeof(*a->large_communities));
		for (size_t i = 0; i < n; i++)
			a->large_communities[i] = (struct bgp_large_community){
			    4200000000u + rnd_below(r, 3), rnd_below(r, 3), rnd_below(r, 3)};
		a->nlarge_communities = n;
	}
	if (rnd_below(r, 3) == 0) {
		a->present |= MASK(BGP_ATTR_ORIGINATOR_ID) | MASK(BGP_ATTR_CLUSTER_LIST);
		a->originator_id = 0xc0000200u | rnd_below(r, 256);
		size_t n = 1 + rnd_below(r, 3);
		a->cluster_list = talloc(n * 4);
		for (size_t i = 0; i < n; i++)
			a->cluster_list[i] = 0xc6336400u | rnd_below(r, 256);
		a->ncluster_list = n;
	}
	a->mp_nexthop.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::", a->mp_nexthop.global);
	a->mp_nexthop.global[15] = (uint8_t)(1 + rnd_below(r, 250));
	if (rnd(r) & 1) {
		a->mp_nexthop.has_link_local = true;
		inet_pton(AF_INET6, "fe80::", a->mp_nexthop.link_local);
		a->mp_nexthop.link_local[15] = (uint8_t)(1 + rnd_below(r, 250));
	}
	size_t nu = rnd_below(r, 3);
	if (nu > 0) {
		a->unknown = talloc(nu * sizeof(*a->unknown));
		for (size_t i = 0; i < nu; i++) {
			uint16_t len = (uint16_t)(rnd_below(r, 3) == 0 ? 256 + rnd_below(r, 100)
			                                               : rnd_below(r, 20));
			uint8_t *v = len > 0 ? talloc(len) : NULL;
			for (uint16_t j = 0; j < len; j++)
				v[j] = (uint8_t)rnd(r);
			a->unknown[i] = (struct bgp_attr_raw){0xe0, (uint8_t)(100 + i), len, v};
		}
		a->nunknown = nu;
	}
	bgp_attrs_normalize(a);
}

/* What the peer will see of a set: RFC 4271 5.1.5 and RFC 4456 strip some
 * attributes towards external peers; the next hop goes in NEXT_HOP for
 * IPv4 and in MP_REACH_NLRI for IPv6. */
static struct bgp_attrs as_sent(const struct bgp_attrs *a, bool ebgp, int family)
{
	struct bgp_attrs e = *a;

	if (ebgp)
		e.present &= ~(MASK(BGP_ATTR_LOCAL_PREF) | MASK(BGP_ATTR_ORIGINATOR_ID) |
		               MASK(BGP_ATTR_CLUSTER_LIST));
	if (family == AF_INET)
		memset(&e.mp_nexthop, 0, sizeof(e.mp_nexthop));
	else
		e.present &= ~MASK(BGP_ATTR_NEXT_HOP);
	return e;
}

static void random_prefixes(struct rng *r, int family, size_t n, struct prefix *out)
{
	for (size_t i = 0; i < n; i++) {
		struct prefix *p = &out[i];
		memset(p, 0, sizeof(*p));
		p->family = (uint8_t)family;
		if (family == AF_INET) {
			p->len = (uint8_t)(15 + rnd_below(r, 18));
			uint32_t v = 0xc6120000u | (uint32_t)(rnd(r) & 0x1ffff);
			for (int j = 0; j < 4; j++)
				p->addr[j] = (uint8_t)(v >> (24 - 8 * j));
		} else {
			p->len = (uint8_t)(32 + rnd_below(r, 97));
			uint8_t base[4] = {0x20, 0x01, 0x0d, 0xb8};
			memcpy(p->addr, base, 4);
			for (int j = 4; j < 16; j++)
				p->addr[j] = (uint8_t)rnd(r);
		}
		prefix_normalize(p);
	}
}

/* Send withdrawals and announcements in as many messages as it takes, parse
 * each, and check the peer gets exactly what was sent. Returns the number
 * of messages. */
static size_t send_and_receive(const struct bgp_update_ctx *ctx, const struct bgp_update_spec *s,
                               size_t max)
{
	struct prefix *got_w = malloc((s->nwithdraw + 1) * sizeof(*got_w));
	struct prefix *got_a = malloc((s->nannounce + 1) * sizeof(*got_a));
	size_t w = 0, a = 0, msgs = 0;
	struct bgp_attrs want;
	struct bgp_update u;

	if (s->attrs != NULL)
		want = as_sent(s->attrs, ctx->ebgp, s->family);
	while (w < s->nwithdraw || a < s->nannounce) {
		struct bgp_update_spec part = *s;
		size_t len, nw, na;

		part.withdraw += w;
		part.nwithdraw -= w;
		part.announce += a;
		part.nannounce -= a;
		uint8_t *body = build_one(ctx, &part, max, &len, &nw, &na);
		ck_assert_uint_gt(nw + na, 0);
		/* RFC 7606 section 5.1: one kind per message. */
		ck_assert(nw == 0 || na == 0);
		bgp_arena_reset(&arena);
		enum bgp_update_outcome o = bgp_update_parse(ctx, body, len, &arena, &u);
		ck_assert_msg(o == UPD_OK, "%s: %s", bgp_update_outcome_name(o), u.reason);
		if (s->family == AF_INET) {
			ck_assert_uint_eq(u.nwithdrawn, nw);
			ck_assert_uint_eq(u.nnlri, na);
			if (nw > 0)
				memcpy(got_w + w, u.withdrawn, nw * sizeof(*got_w));
			if (na > 0)
				memcpy(got_a + a, u.nlri, na * sizeof(*got_a));
		} else {
			ck_assert_uint_eq(u.mp_unreach.count, nw);
			ck_assert_uint_eq(u.mp_reach.count, na);
			if (nw > 0)
				memcpy(got_w + w, u.mp_unreach.prefixes, nw * sizeof(*got_w));
			if (na > 0)
				memcpy(got_a + a, u.mp_reach.prefixes, na * sizeof(*got_a));
		}
		if (na > 0) {
			ck_assert_msg(bgp_attrs_equal(&u.attrs, &want),
			              "attributes changed: %s vs %s", path_text(&u.attrs.aspath),
			              path_text(&want.aspath));
			ck_assert(bgp_attrs_hash(&u.attrs) == bgp_attrs_hash(&want));
		}
		w += nw;
		a += na;
		msgs++;
		free(body);
	}
	for (size_t i = 0; i < s->nwithdraw; i++)
		ck_assert_msg(prefix_equal(&got_w[i], &s->withdraw[i]), "withdrawal %zu", i);
	for (size_t i = 0; i < s->nannounce; i++)
		ck_assert_msg(prefix_equal(&got_a[i], &s->announce[i]), "announcement %zu", i);
	free(got_w);
	free(got_a);
	return msgs;
}

START_TEST(test_round_trip)
{
	/* _i picks the session: bit 0 four-octet AS, bit 1 external, bit 2
	 * IPv6, bit 3 extended messages. */
	struct bgp_update_ctx ctx = make_ctx(E4);
	struct rng r = {UINT64_C(0x5eed0000) + (uint64_t)_i};
	ctx.as4 = _i & 1;
	ctx.ebgp = (_i >> 1) & 1;
	ctx.extended_msg = (_i >> 3) & 1;
	int family = (_i >> 2) & 1 ? AF_INET6 : AF_INET;

	for (int iter = 0; iter < 40; iter++) {
		struct bgp_attrs a;
		size_t nw = rnd_below(&r, 200), na = 1 + rnd_below(&r, 1000);
		struct prefix *w = malloc(nw * sizeof(*w) + 1), *an = malloc(na * sizeof(*an));

		bgp_arena_init(&gen, gen_buf, sizeof(gen_buf));
		random_attrs(&r, ctx.ebgp, &a);
		random_prefixes(&r, family, nw, w);
		random_prefixes(&r, family, na, an);
		struct bgp_update_spec s = {.family = family,
		                            .attrs = &a,
		                            .withdraw = w,
		                            .nwithdraw = nw,
		                            .announce = an,
		                            .nannounce = na};
		send_and_receive(&ctx, &s, bgp_update_max_len(&ctx));
		free(w);
		free(an);
	}
}
END_TEST

/* --- packing --------------------------------------------------------------------- */

static size_t ceil_div(size_t a, size_t b)
{
	return (a + b - 1) / b;
}

/* Prefixes of psize octets that fit an MP attribute whose value starts
 * with fixed octets, beside other attribute octets, in max: the header is
 * 4 octets once the value passes 255 (Extended Length). */
static size_t mp_fit(size_t max, size_t other, size_t fixed, size_t psize)
{
	for (size_t k = 0;; k++) {
		size_t v = fixed + psize * (k + 1);
		if (BGP_UPDATE_MIN_LEN + other + (v > 255 ? 4 : 3) + v > max)
			return k;
	}
}

static void basic_attrs(struct bgp_attrs *a, struct bgp_as_segment *seg, uint32_t *asn)
{
	memset(a, 0, sizeof(*a));
	*asn = 64513;
	*seg = (struct bgp_as_segment){BGP_AS_SEQUENCE, 1, asn};
	a->present = MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_NEXT_HOP);
	a->aspath = (struct bgp_aspath){1, seg};
	inet_pton(AF_INET, "192.0.2.1", a->nexthop);
	a->mp_nexthop.family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", a->mp_nexthop.global);
}

/*
 * N equal-size prefixes go in exactly ceil(N / k) messages, k being how
 * many fit in one: for IPv4 (max - 23 - attributes) / size; for IPv6 the
 * MP attribute's own header and fixed fields come off too.
 */
START_TEST(test_packing)
{
	static const size_t maxes[] = {BGP_MAX_LEN, BGP_EXTENDED_MAX_LEN, 300};
	struct bgp_update_ctx ctx = make_ctx(E4);
	struct bgp_as_segment seg;
	struct bgp_attrs a;
	uint32_t asn;
	const size_t n = 30000;
	struct prefix *p = malloc(n * sizeof(*p));
	size_t max = maxes[_i % 3];
	int family = _i / 3 ? AF_INET6 : AF_INET;

	ctx.extended_msg = max > BGP_MAX_LEN;
	basic_attrs(&a, &seg, &asn);
	/* attribute octets: ORIGIN 4, AS_PATH 3 + 6, NEXT_HOP 7 (IPv4 only) */
	size_t alen = family == AF_INET ? 20 : 13;
	size_t psize = family == AF_INET ? 5 : 7; /* /32 and /48 */
	make_prefixes(family, n, family == AF_INET ? 32 : 48, p);

	struct bgp_update_spec ann = {.family = family, .attrs = &a, .announce = p, .nannounce = n};
	struct bgp_update_spec wd = {.family = family, .withdraw = p, .nwithdraw = n};
	size_t k_ann, k_wd;
	if (family == AF_INET) {
		k_ann = (max - 23 - alen) / psize;
		k_wd = (max - 23) / psize;
	} else {
		/* MP_REACH_NLRI: AFI, SAFI, next hop length, next hop (16),
		 * reserved; MP_UNREACH_NLRI: AFI, SAFI. */
		k_ann = mp_fit(max, alen, 21, psize);
		k_wd = mp_fit(max, 0, 3, psize);
	}
	ck_assert_uint_eq(send_and_receive(&ctx, &ann, max), ceil_div(n, k_ann));
	ck_assert_uint_eq(send_and_receive(&ctx, &wd, max), ceil_div(n, k_wd));

	/* Both at once: withdrawals first, never in the same message. */
	struct bgp_update_spec both = ann;
	both.withdraw = p;
	both.nwithdraw = n;
	ck_assert_uint_eq(send_and_receive(&ctx, &both, max),
	                  ceil_div(n, k_ann) + ceil_div(n, k_wd));
	free(p);
}
END_TEST

START_TEST(test_build_refusals)
{
	struct bgp_update_ctx ctx = make_ctx(I4);
	struct bgp_as_segment seg;
	struct bgp_attrs a;
	uint32_t asn;
	struct prefix p4[1], p6[1];
	struct builder b;
	size_t nw = 9, na = 9;

	basic_attrs(&a, &seg, &asn);
	make_prefixes(AF_INET, 1, 24, p4);
	make_prefixes(AF_INET6, 1, 48, p6);
	builder_init_dynamic(&b, BGP_EXTENDED_MAX_LEN);

	/* Internal peer, no LOCAL_PREF (RFC 4271 section 5.1.5). */
	struct bgp_update_spec s = {.family = AF_INET, .attrs = &a, .announce = p4, .nannounce = 1};
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), -1);
	ck_assert_uint_eq(nw + na, 0);
	a.present |= MASK(BGP_ATTR_LOCAL_PREF);
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), 0);
	ck_assert_uint_eq(na, 1);
	size_t first = builder_len(&b);

	/* A second message appended to the same builder. */
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), 0);
	ck_assert_uint_eq(builder_len(&b), 2 * first);

	/* Wrong family, nothing to send, no room for one prefix. */
	s.announce = p6;
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), -1);
	s.nannounce = 0;
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), -1);
	s.announce = p4;
	s.nannounce = 1;
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 23 + 24, &nw, &na), -1);
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 22, &nw, &na), -1);
	ck_assert_uint_eq(builder_len(&b), 2 * first);

	/* IPv6 without an IPv6 next hop. */
	s.family = AF_INET6;
	s.announce = p6;
	a.mp_nexthop.family = 0;
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), -1);

	/* An AS_SET too big for one segment cannot be sent. */
	uint32_t many[300];
	for (size_t i = 0; i < 300; i++)
		many[i] = 64512 + (uint32_t)i;
	struct bgp_as_segment big = {BGP_AS_SET, 300, many};
	a.aspath = (struct bgp_aspath){1, &big};
	a.mp_nexthop.family = AF_INET6;
	ck_assert_int_eq(bgp_update_build(&b, &ctx, &s, 4096, &nw, &na), -1);
	builder_free(&b);
}
END_TEST

/* RFC 6793 section 4.2.2 on the wire, byte for byte. */
START_TEST(test_build_two_octet)
{
	struct bgp_update_ctx ctx = make_ctx(E2);
	uint32_t asns[] = {64513, 4200000001};
	struct bgp_as_segment seg = {BGP_AS_SEQUENCE, 2, asns};
	struct bgp_attrs a;
	struct prefix p[1];
	size_t len, nw, na;
	uint8_t want[256];

	memset(&a, 0, sizeof(a));
	a.present = MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_NEXT_HOP) |
	            MASK(BGP_ATTR_AGGREGATOR) | MASK(BGP_ATTR_LOCAL_PREF);
	a.aspath = (struct bgp_aspath){1, &seg};
	inet_pton(AF_INET, "192.0.2.1", a.nexthop);
	a.aggregator_as = 4200000002;
	inet_pton(AF_INET, "192.0.2.9", a.aggregator_addr);
	a.local_pref = 100; /* not sent to an external peer */
	make_prefixes(AF_INET, 1, 24, p);
	struct bgp_update_spec s = {.family = AF_INET, .attrs = &a, .announce = p, .nannounce = 1};
	uint8_t *body = build_one(&ctx, &s, 4096, &len, &nw, &na);
	size_t n = hex("0000 0035"
	               "40010100"
	               "400206 0202 fc01 5ba0" /* AS_TRANS for 4200000001 */
	               "400304 c0000201"
	               "c00706 5ba0 c0000209"          /* AGGREGATOR AS_TRANS */
	               "c0110a 0202 0000fc01 fa56ea01" /* AS4_PATH */
	               "c01208 fa56ea02 c0000209"      /* AS4_AGGREGATOR */
	               "18 c61200",
	               want, sizeof(want));
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(body, want, n);
	free(body);

	/* All two-octet: no AS4_PATH, no AS4_AGGREGATOR. */
	asns[1] = 64514;
	a.aggregator_as = 64515;
	body = build_one(&ctx, &s, 4096, &len, &nw, &na);
	n = hex("0000 001d 40010100 400206 0202 fc01 fc02 400304 c0000201 c00706 fc03 c0000209"
	        "18 c61200",
	        want, sizeof(want));
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(body, want, n);
	free(body);
}
END_TEST

/* Canonical order, the Extended Length bit only past 255, MP_REACH_NLRI
 * first, the Partial bit on passed-on attributes. */
START_TEST(test_build_layout)
{
	struct bgp_update_ctx ctx = make_ctx(I4);
	struct bgp_as_segment segs[2];
	struct bgp_attr_raw unknown;
	struct bgp_attrs a;
	struct prefix p[1];
	size_t len, nw, na;
	uint8_t types[32];
	size_t ntypes = 0;

	rich_attrs(&a, segs, &unknown);
	unknown.flags = 0xc0; /* as received: complete */
	make_prefixes(AF_INET6, 1, 48, p);
	struct bgp_update_spec s = {.family = AF_INET6, .attrs = &a, .announce = p, .nannounce = 1};
	uint8_t *body = build_one(&ctx, &s, 4096, &len, &nw, &na);
	struct cursor c, attrs;
	uint16_t wl, al;
	cursor_init(&c, body, len);
	ck_assert_int_eq(cursor_get_u16(&c, &wl), 0);
	ck_assert_uint_eq(wl, 0);
	cursor_get_u16(&c, &al);
	ck_assert_int_eq(cursor_sub(&c, al, &attrs), 0);
	ck_assert_uint_eq(cursor_remaining(&c), 0); /* IPv6: no classic NLRI */
	while (cursor_remaining(&attrs) > 0) {
		uint8_t flags, type, l8;
		uint16_t l16;
		size_t l;
		cursor_get_u8(&attrs, &flags);
		cursor_get_u8(&attrs, &type);
		if (flags & BGP_ATTR_FLAG_EXTENDED) {
			cursor_get_u16(&attrs, &l16);
			l = l16;
			ck_assert_uint_gt(l, 255);
		} else {
			cursor_get_u8(&attrs, &l8);
			l = l8;
		}
		ck_assert_uint_eq(flags & 0x0f, 0);
		if (type == 200)
			ck_assert_uint_eq(flags, 0xe0 | BGP_ATTR_FLAG_EXTENDED);
		ck_assert_int_eq(cursor_skip(&attrs, l), 0);
		types[ntypes++] = type;
	}
	ck_assert_uint_eq(types[0], BGP_ATTR_MP_REACH_NLRI);
	ck_assert_uint_ge(ntypes, 3);
	for (size_t i = 2; i < ntypes; i++)
		ck_assert_uint_gt(types[i], types[i - 1]);
	/* No NEXT_HOP with IPv6 only (RFC 4760 section 3). */
	for (size_t i = 0; i < ntypes; i++)
		ck_assert_uint_ne(types[i], BGP_ATTR_NEXT_HOP);
	free(body);
}
END_TEST

/* --- End-of-RIB --------------------------------------------------------------- */

START_TEST(test_eor)
{
	static const struct {
		uint16_t afi;
		uint8_t safi;
		const char *wire;
	} cases[] = {
	    {1, 1, "ffffffffffffffffffffffffffffffff 0017 02 0000 0000"},
	    {2, 1, "ffffffffffffffffffffffffffffffff 001d 02 0000 0006 800f03 000201"},
	};
	struct bgp_update_ctx ctx = make_ctx(E4);
	struct builder b;
	uint8_t want[64];
	struct bgp_update u;

	for (size_t i = 0; i < ARRAY_LEN(cases); i++) {
		builder_init_dynamic(&b, 4096);
		ck_assert_int_eq(bgp_update_build_eor(&b, cases[i].afi, cases[i].safi), 0);
		size_t n = hex(cases[i].wire, want, sizeof(want));
		ck_assert_uint_eq(builder_len(&b), n);
		ck_assert_mem_eq(builder_data(&b), want, n);
		ck_assert_int_eq(bgp_update_parse(&ctx, builder_data(&b) + 19, n - 19, &arena, &u),
		                 UPD_OK);
		ck_assert(u.flags & BGP_UPD_F_EOR);
		ck_assert_uint_eq(u.eor_afi, cases[i].afi);
		ck_assert_uint_eq(u.eor_safi, cases[i].safi);
		builder_free(&b);
	}
}
END_TEST

/* --- canonical form ------------------------------------------------------------- */

START_TEST(test_hash_equal)
{
	uint32_t whole[] = {64513, 64514, 64515, 64516};
	uint32_t set[] = {64517, 64518};
	struct bgp_as_segment one[] = {{BGP_AS_SEQUENCE, 4, whole}, {BGP_AS_SET, 2, set}};
	struct bgp_as_segment split[] = {
	    {BGP_AS_SEQUENCE, 1, whole}, {BGP_AS_SEQUENCE, 3, whole + 1}, {BGP_AS_SET, 2, set}};
	struct bgp_as_segment sets[] = {
	    {BGP_AS_SEQUENCE, 4, whole}, {BGP_AS_SET, 1, set}, {BGP_AS_SET, 1, set + 1}};
	uint32_t c1[] = {3, 1, 2, 1}, c2[] = {1, 2, 3};
	uint8_t v1[] = {1, 2}, v2[] = {1, 3};
	struct bgp_attr_raw u1[] = {{0xe0, 120, 2, v1}, {0xd0, 110, 2, v2}, {0xe0, 110, 2, v1}};
	struct bgp_attr_raw u2[] = {{0xc0, 110, 2, v2}, {0xe0, 120, 2, v1}};
	struct bgp_attrs a, b;

	memset(&a, 0, sizeof(a));
	a.present = MASK(BGP_ATTR_ORIGIN) | MASK(BGP_ATTR_AS_PATH) | MASK(BGP_ATTR_COMMUNITIES);
	a.aspath = (struct bgp_aspath){2, one};
	a.communities = c1;
	a.ncommunities = 4;
	a.unknown = u1;
	a.nunknown = 3;
	b = a;
	b.aspath = (struct bgp_aspath){3, split};
	b.communities = c2;
	b.ncommunities = 3;
	b.unknown = u2;
	b.nunknown = 2;
	bgp_attrs_normalize(&a);
	bgp_attrs_normalize(&b);
	ck_assert_uint_eq(a.ncommunities, 3);
	ck_assert_uint_eq(a.nunknown, 2);
	ck_assert_uint_eq(a.unknown[0].type, 110);
	ck_assert_uint_eq(a.unknown[0].flags, 0xc0); /* the first of the type, no Extended bit */
	ck_assert(bgp_attrs_equal(&a, &b));
	ck_assert(bgp_attrs_hash(&a) == bgp_attrs_hash(&b));

	/* Two one-AS sets are two hops; one set of two is one. */
	b.aspath = (struct bgp_aspath){3, sets};
	ck_assert(!bgp_attrs_equal(&a, &b));
	b.aspath = a.aspath;

	/* Fields whose bit is clear do not count; those set do. */
	b.med = 99;
	ck_assert(bgp_attrs_equal(&a, &b));
	b.present |= MASK(BGP_ATTR_MED);
	ck_assert(!bgp_attrs_equal(&a, &b));
	a.present |= MASK(BGP_ATTR_MED);
	a.med = 99;
	ck_assert(bgp_attrs_equal(&a, &b));
	b.origin = 2;
	ck_assert(!bgp_attrs_equal(&a, &b));
	ck_assert(bgp_attrs_hash(&a) != bgp_attrs_hash(&b));
	b.origin = a.origin;
	b.mp_nexthop.family = AF_INET6;
	ck_assert(!bgp_attrs_equal(&a, &b));
	b.mp_nexthop.family = 0;
	b.unknown[1].flags = 0xc0; /* Partial differs */
	ck_assert(!bgp_attrs_equal(&a, &b));
	b.unknown[1].flags = a.unknown[1].flags;
	ck_assert(bgp_attrs_equal(&a, &b));

	/* The local weight keeps sets apart, but never reaches the wire. */
	b.weight = 200;
	ck_assert(!bgp_attrs_equal(&a, &b));
	ck_assert(bgp_attrs_hash(&a) != bgp_attrs_hash(&b));
	struct bgp_attr_encode_opts opts = {.as4 = true, .ebgp = true};
	struct builder wa, wb;
	builder_init_dynamic(&wa, 4096);
	builder_init_dynamic(&wb, 4096);
	ck_assert_int_eq(bgp_attrs_encode(&wa, &a, &opts), 0);
	ck_assert_int_eq(bgp_attrs_encode(&wb, &b, &opts), 0);
	ck_assert_uint_eq(builder_len(&wa), builder_len(&wb));
	ck_assert_mem_eq(builder_data(&wa), builder_data(&wb), builder_len(&wa));
	builder_free(&wa);
	builder_free(&wb);
}
END_TEST

/* --- text ---------------------------------------------------------------------------- */

START_TEST(test_format)
{
	uint32_t seq[] = {64513, 64514}, set[] = {64515, 64516}, conf[] = {64512, 64511};
	struct bgp_as_segment segs[] = {{BGP_AS_CONFED_SEQUENCE, 2, conf},
	                                {BGP_AS_SEQUENCE, 2, seq},
	                                {BGP_AS_SET, 2, set},
	                                {BGP_AS_CONFED_SET, 2, conf}};
	struct bgp_aspath p = {3, segs + 1};
	uint32_t comms[] = {(65000u << 16) | 1,
	                    BGP_COMMUNITY_NO_EXPORT,
	                    BGP_COMMUNITY_NO_ADVERTISE,
	                    BGP_COMMUNITY_NO_EXPORT_SUBCONFED,
	                    BGP_COMMUNITY_NOPEER,
	                    BGP_COMMUNITY_BLACKHOLE,
	                    BGP_COMMUNITY_GRACEFUL_SHUTDOWN,
	                    BGP_COMMUNITY_ACCEPT_OWN,
	                    BGP_COMMUNITY_LLGR_STALE,
	                    BGP_COMMUNITY_NO_LLGR,
	                    0};
	struct bgp_large_community large[] = {{65000, 1, 2}, {4200000000u, 4294967295u, 0}};
	char buf[256], small[8];

	p.nsegs = 2;
	ck_assert_str_eq(path_text(&p), "64513 64514 {64515,64516}");
	p = (struct bgp_aspath){4, segs};
	ck_assert_str_eq(path_text(&p), "(64512 64511) 64513 64514 {64515,64516} [64512,64511]");
	p.nsegs = 0;
	ck_assert_str_eq(path_text(&p), "");

	ck_assert_uint_eq(bgp_communities_format(comms, 2, buf, sizeof(buf)), 17);
	ck_assert_str_eq(buf, "65000:1 no-export");
	bgp_communities_format(comms, ARRAY_LEN(comms), buf, sizeof(buf));
	ck_assert_str_eq(buf, "65000:1 no-export no-advertise local-AS no-peer blackhole "
	                      "graceful-shutdown accept-own llgr-stale no-llgr 0:0");
	bgp_large_communities_format(large, 2, buf, sizeof(buf));
	ck_assert_str_eq(buf, "65000:1:2 4200000000:4294967295:0");

	/* Cut to fit, NUL-terminated, the full length returned. */
	ck_assert_uint_eq(bgp_large_communities_format(large, 1, small, sizeof(small)), 9);
	ck_assert_str_eq(small, "65000:1");
	ck_assert_uint_eq(bgp_communities_format(comms, 1, NULL, 0), 7);
}
END_TEST

/* --- arena bounds ----------------------------------------------------------------- */

/* The worst cases for the arena fit BGP_UPDATE_ARENA_SIZE exactly sized;
 * an arena too small ends in Cease / Out of Resources, never in a crash. */
START_TEST(test_arena_bound)
{
	struct bgp_update_ctx ctx = make_ctx(E2);
	size_t max = BGP_EXTENDED_MAX_LEN - BGP_HEADER_LEN;
	uint8_t *body = malloc(max);
	struct bgp_update u;

	ctx.extended_msg = true;
	for (int kind = 0; kind < 3; kind++) {
		size_t len = 0;
		if (kind == 0) {
			/* Withdrawn Routes all /0: one prefix per octet. */
			size_t wl = max - 4;
			body[0] = (uint8_t)(wl >> 8);
			body[1] = (uint8_t)wl;
			memset(body + 2, 0, wl + 2);
			len = max;
		} else {
			/* An AS_PATH (and AS4_PATH) of one-AS segments, merged. */
			struct builder b;
			builder_init_fixed(&b, body, max);
			builder_put_u16(&b, 0);
			size_t alen_off = builder_reserve(&b, 2);
			size_t room = max - 4 - 8 - 1;
			size_t as4 = kind == 2 ? room / 3 : 0;
			size_t as2 = room - as4 - 8;
			size_t n2 = as2 / 4, n4 = (as4 - (as4 ? 4 : 0)) / 6;
			if (n4 > n2)
				n4 = n2;
			bgp_attr_put_header(&b, 0x40, BGP_ATTR_ORIGIN, 1);
			builder_put_u8(&b, 0);
			bgp_attr_put_header(&b, 0x40, BGP_ATTR_AS_PATH, n2 * 4);
			for (size_t i = 0; i < n2; i++) {
				builder_put_u16(&b, 0x0201);
				builder_put_u16(&b, (uint16_t)(64512 + i % 1000));
			}
			if (n4 > 0) {
				bgp_attr_put_header(&b, 0xc0, BGP_ATTR_AS4_PATH, n4 * 6);
				for (size_t i = 0; i < n4; i++) {
					builder_put_u16(&b, 0x0201);
					builder_put_u32(&b, 4200000000u + (uint32_t)i);
				}
			}
			bgp_attr_put_header(&b, 0x40, BGP_ATTR_NEXT_HOP, 4);
			builder_put_u32(&b, 0xc0000201);
			builder_patch_u16(&b, alen_off, (uint16_t)(builder_len(&b) - 4));
			builder_put_u8(&b, 0); /* NLRI 0.0.0.0/0 */
			ck_assert(builder_ok(&b));
			len = builder_len(&b);
		}
		size_t cap = BGP_UPDATE_ARENA_SIZE(len);
		uint8_t *buf = malloc(cap);
		struct bgp_arena exact;
		bgp_arena_init(&exact, buf, cap);
		enum bgp_update_outcome o = bgp_update_parse(&ctx, body, len, &exact, &u);
		ck_assert_msg(o == UPD_OK, "kind %d: %s (%s)", kind, bgp_update_outcome_name(o),
		              u.reason);
		if (kind == 0)
			ck_assert_uint_eq(u.nwithdrawn, max - 4);

		/* A tenth of that is not enough. */
		bgp_arena_init(&exact, buf, cap / 10);
		o = bgp_update_parse(&ctx, body, len, &exact, &u);
		ck_assert_int_eq(o, UPD_SESSION_RESET);
		ck_assert_uint_eq(u.error.code, BGP_ERR_CEASE);
		ck_assert_uint_eq(u.error.subcode, BGP_CEASE_OUT_OF_RESOURCES);
		free(buf);
	}
	free(body);
}
END_TEST

/* --- suite ------------------------------------------------------------------------- */

static Suite *bgp_update_suite(void)
{
	Suite *s = suite_create("bgp_update");
	TCase *tc;

	tc = tcase_create("rfc7606");
	tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
	tcase_add_loop_test(tc, test_vectors, 0, (int)bgp_update_nvectors);
	suite_add_tcase(s, tc);

	tc = tcase_create("as4");
	tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
	tcase_add_loop_test(tc, test_as4_merge, 0, (int)ARRAY_LEN(merge_cases));
	tcase_add_test(tc, test_aspath_count);
	suite_add_tcase(s, tc);

	tc = tcase_create("truncation");
	tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
	tcase_add_loop_test(tc, test_truncation, 0, 4);
	suite_add_tcase(s, tc);

	tc = tcase_create("build");
	tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
	tcase_add_loop_test(tc, test_round_trip, 0, 16);
	tcase_add_loop_test(tc, test_packing, 0, 6);
	tcase_add_test(tc, test_build_refusals);
	tcase_add_test(tc, test_build_two_octet);
	tcase_add_test(tc, test_build_layout);
	tcase_add_test(tc, test_eor);
	suite_add_tcase(s, tc);

	tc = tcase_create("attrs");
	tcase_add_checked_fixture(tc, arena_setup, arena_teardown);
	tcase_add_test(tc, test_hash_equal);
	tcase_add_test(tc, test_format);
	tcase_add_test(tc, test_arena_bound);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_run(bgp_update_suite());
}
