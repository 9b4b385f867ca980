/*
 * check_gre.c - unit tests for gre/gre.c.
 *
 * Byte vectors whose expected values were worked out by hand from RFC 2784
 * and RFC 2890, round trips through two mirrored tunnels for every option
 * combination, every receive rule with its counter, every truncation, and
 * the keepalive exchange between two tunnels. Checksums are verified with
 * the test's own summing code, not the library's.
 *
 * With GRE_PCAP_OUT=FILE in the environment, the "pcap" case also writes
 * the packets it builds to FILE as a raw-IP pcap (LINKTYPE_RAW, 101) for
 * tests/unit/gre_tshark.sh to dissect.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "gre.h"
#include "ip_util.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- independent helpers ---- */

/* One's complement sum with the end-around carry taken at every step. */
static uint16_t ref_sum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;

	for (size_t i = 0; i < len; i += 2) {
		uint32_t w = (uint32_t)p[i] << 8;
		if (i + 1 < len)
			w |= p[i + 1];
		s += w;
		if (s > 0xffff)
			s = (s & 0xffff) + 1;
	}
	return (uint16_t)s;
}

/* A region holding a correct checksum sums to 0xffff. */
static int ref_csum_ok(const uint8_t *p, size_t len)
{
	return ref_sum(p, len) == 0xffff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

/* ---- test packets (documentation and link-local addresses only) ---- */

/* UDP 169.254.6.1:12345 -> 169.254.6.2:54321, no payload. */
static const uint8_t inner4[] = {
    0x45, 0x00, 0x00, 0x1c, 0x00, 0x01, 0x00, 0x00, 0x40, 0x11, 0x1a, 0xd1, 0xa9, 0xfe,
    0x06, 0x01, 0xa9, 0xfe, 0x06, 0x02, 0x30, 0x39, 0xd4, 0x31, 0x00, 0x08, 0x00, 0x00,
};

/* ICMPv6 echo request 2001:db8::1 -> 2001:db8::2, id 1, seq 1. */
static const uint8_t inner6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x08, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x80, 0x00, 0x24, 0x46, 0x00, 0x01, 0x00, 0x01,
};

static const uint8_t a4_local[4] = {192, 0, 2, 1};
static const uint8_t a4_remote[4] = {198, 51, 100, 1};
static const uint8_t a6_local[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t a6_remote[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};

/*
 * A BGP SYN 169.254.6.1:40000 -> 169.254.6.2:179 with Linux's options
 * (MSS 1460, SACK permitted, timestamps, NOP, window scale 7), checksums
 * filled in. Returns its length.
 */
static size_t bgp_syn(uint8_t *p)
{
	static const uint8_t tmpl[] = {
	    0x45,
	    0x00,
	    0x00,
	    0x3c,
	    0x12,
	    0x34,
	    0x40,
	    0x00,
	    0x01,
	    0x06,
	    0x00,
	    0x00,
	    0xa9,
	    0xfe,
	    0x06,
	    0x01,
	    0xa9,
	    0xfe,
	    0x06,
	    0x02,
	    /* TCP */
	    0x9c,
	    0x40,
	    0x00,
	    0xb3,
	    0x01,
	    0x02,
	    0x03,
	    0x04,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0xa0,
	    0x02,
	    0xfa,
	    0xf0,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x02,
	    0x04,
	    0x05,
	    0xb4,
	    0x04,
	    0x02,
	    0x08,
	    0x0a,
	    0x00,
	    0x0a,
	    0xbc,
	    0xde,
	    0x00,
	    0x00,
	    0x00,
	    0x00,
	    0x01,
	    0x03,
	    0x03,
	    0x07,
	};
	uint8_t ph[12];

	memcpy(p, tmpl, sizeof(tmpl));
	put16(p + 10, (uint16_t)~ref_sum(p, 20));
	memcpy(ph, p + 12, 8);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, 40);
	uint32_t s = (uint32_t)ref_sum(ph, 12) + ref_sum(p + 20, 40);
	s = (s & 0xffff) + (s >> 16);
	put16(p + 36, (uint16_t)~s);
	return sizeof(tmpl);
}

/* ---- tunnels ---- */

struct opts {
	bool csum, key, seq;
};

/* A tunnel a -> b and its mirror b -> a, both with options o. */
static void tunnel_pair(struct gre_tunnel *a, struct gre_tunnel *b, int version, struct opts o)
{
	struct gre_config ca, cb;

	gre_config_default(&ca);
	ca.version = version;
	if (version == 4) {
		memcpy(ca.local, a4_local, 4);
		memcpy(ca.remote, a4_remote, 4);
	} else {
		memcpy(ca.local, a6_local, 16);
		memcpy(ca.remote, a6_remote, 16);
	}
	ca.tx_csum = ca.rx_csum_required = o.csum;
	ca.tx_key_on = ca.rx_key_on = o.key;
	ca.tx_key = ca.rx_key = 0x01020304;
	ca.tx_seq = ca.rx_in_order = o.seq;
	cb = ca;
	memcpy(cb.local, ca.remote, 16);
	memcpy(cb.remote, ca.local, 16);
	ck_assert_int_eq(gre_tunnel_init(a, &ca), 0);
	ck_assert_int_eq(gre_tunnel_init(b, &cb), 0);
}

static uint64_t drops_total(const struct gre_tunnel *t)
{
	uint64_t n = 0;

	for (int i = 0; i < GRE_DROP_COUNT; i++)
		n += t->stats.rx_drop[i];
	return n;
}

/* ---- round trips ---- */

/* Loop index: bit 0-2 options, bit 3 inner family, bit 4 outer family,
 * bit 5 delivery header included. */
START_TEST(test_roundtrip)
{
	struct opts o = {.csum = _i & 1, .key = (_i >> 1) & 1, .seq = (_i >> 2) & 1};
	const uint8_t *in = (_i >> 3) & 1 ? inner6 : inner4;
	size_t in_len = (_i >> 3) & 1 ? sizeof(inner6) : sizeof(inner4);
	int outer_v = (_i >> 4) & 1 ? 6 : 4;
	enum gre_outer outer = (_i >> 5) & 1 ? GRE_OUTER_IP : GRE_OUTER_NONE;
	struct gre_tunnel a, b;
	size_t glen = 4 + 4 * (o.csum + o.key + o.seq);
	size_t dlen = outer == GRE_OUTER_IP ? (outer_v == 4 ? 20 : 40) : 0;

	tunnel_pair(&a, &b, outer_v, o);
	ck_assert_uint_eq(gre_header_len(&a), glen);
	ck_assert_uint_eq(gre_overhead(&a), glen + (outer_v == 4 ? 20 : 40));

	for (uint32_t n = 0; n < 3; n++) {
		uint8_t buf[256];
		struct builder bld;
		builder_init_fixed(&bld, buf, sizeof(buf));
		ck_assert_int_eq(gre_encap(&a, &bld, in, in_len, outer, 0x0102), 0);
		ck_assert_uint_eq(builder_len(&bld), dlen + glen + in_len);

		/* The in-place form writes the same octets. */
		struct gre_tunnel a2 = a;
		a2.tx_seq = n;
		uint8_t room[256];
		memcpy(room + 128, in, in_len);
		size_t pre = gre_encap_prepend(&a2, room + 128, 128, in_len, outer, 0x0102);
		ck_assert_uint_eq(pre, dlen + glen);
		ck_assert_mem_eq(room + 128 - pre, buf, builder_len(&bld));
		/* And so does the form for a packet parsed already. */
		struct gre_tunnel a3 = a;
		a3.tx_seq = n;
		uint8_t room3[256];
		struct ip_pkt parsed;
		memcpy(room3 + 128, in, in_len);
		ck_assert_int_eq(ip_parse(room3 + 128, in_len, &parsed), IP_PARSE_OK);
		ck_assert_uint_eq(
		    gre_encap_prepend_parsed(&a3, room3 + 128, 128, &parsed, outer, 0x0102), pre);
		ck_assert_mem_eq(room3 + 128 - pre, buf, builder_len(&bld));
		ck_assert_uint_eq(a3.stats.tx_bytes, a2.stats.tx_bytes);

		uint8_t *g = buf;
		size_t glen_total = builder_len(&bld);
		if (outer == GRE_OUTER_IP) {
			struct ip_pkt ip;
			ck_assert_int_eq(ip_parse(buf, builder_len(&bld), &ip), IP_PARSE_OK);
			ck_assert_int_eq(ip.version, outer_v);
			ck_assert_uint_eq(ip.proto, 47);
			ck_assert_uint_eq(ip.ttl, 64);
			ck_assert(ip.hdr_csum_ok);
			if (outer_v == 4)
				ck_assert(ref_csum_ok(buf, 20));
			ck_assert_uint_eq(ip.tot_len, builder_len(&bld));
			ck_assert_mem_eq(ip.src, outer_v == 4 ? a4_local : a6_local,
			                 outer_v == 4 ? 4 : 16);
			ck_assert_mem_eq(ip.dst, outer_v == 4 ? a4_remote : a6_remote,
			                 outer_v == 4 ? 4 : 16);
			if (outer_v == 4) {
				ck_assert(ip.df);
				ck_assert_uint_eq(get16(buf + 4), 0x0102);
			}
			g = buf + dlen;
			glen_total -= dlen;
		}
		uint16_t flags = get16(g);
		ck_assert_uint_eq(flags, (o.csum ? 0x8000 : 0) | (o.key ? 0x2000 : 0) |
		                             (o.seq ? 0x1000 : 0));
		ck_assert_uint_eq(get16(g + 2), in == inner4 ? 0x0800 : 0x86dd);
		size_t off = 4;
		if (o.csum) {
			ck_assert(ref_csum_ok(g, glen_total));
			ck_assert_uint_eq(get16(g + 6), 0);
			off += 4;
		}
		if (o.key) {
			ck_assert_uint_eq(get32(g + off), 0x01020304);
			off += 4;
		}
		if (o.seq)
			ck_assert_uint_eq(get32(g + off), n);
		ck_assert_mem_eq(g + glen, in, in_len);

		struct gre_rx rx;
		ck_assert_int_eq(gre_decap(&b, g, glen_total, &rx), GRE_DELIVER);
		ck_assert_uint_eq(rx.inner_len, in_len);
		ck_assert_mem_eq(rx.inner, in, in_len);
		ck_assert_int_eq(rx.inner_version, in == inner4 ? 4 : 6);
		ck_assert_int_eq(rx.csum_present, o.csum);
		ck_assert_int_eq(rx.key_present, o.key);
		ck_assert_int_eq(rx.seq_present, o.seq);
		if (o.seq)
			ck_assert_uint_eq(rx.seq, n);
	}
	ck_assert_uint_eq(a.stats.tx_packets, 3);
	ck_assert_uint_eq(a.stats.tx_bytes, 3 * in_len);
	ck_assert_uint_eq(a.tx_seq, o.seq ? 3 : 0);
	ck_assert_uint_eq(b.stats.rx_packets, 3);
	ck_assert_uint_eq(b.stats.rx_bytes, 3 * in_len);
	ck_assert_uint_eq(drops_total(&b), 0);
}
END_TEST

/* ---- exact header vectors ---- */

static const struct {
	const char *name;
	struct opts o;
	bool v6_inner;
	uint32_t seq;
	uint8_t hdr[16];
	size_t hdr_len;
} vectors[] = {
    {"plain", {0, 0, 0}, false, 0, {0x00, 0x00, 0x08, 0x00}, 4},
    {"plain v6", {0, 0, 0}, true, 0, {0x00, 0x00, 0x86, 0xdd}, 4},
    {"key", {0, 1, 0}, false, 0, {0x20, 0x00, 0x08, 0x00, 0x01, 0x02, 0x03, 0x04}, 8},
    {"seq 7", {0, 0, 1}, true, 7, {0x10, 0x00, 0x86, 0xdd, 0x00, 0x00, 0x00, 0x07}, 8},
    /* Checksums: the one's complement of the sum over header and payload. */
    {"csum v6", {1, 0, 0}, true, 0, {0x80, 0x00, 0x86, 0xdd, 0x5f, 0x1b, 0x00, 0x00}, 8},
    {"csum key seq",
     {1, 1, 1},
     false,
     0,
     {0xb0, 0x00, 0x08, 0x00, 0x3f, 0x86, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00,
      0x00},
     16},
};

START_TEST(test_header_vectors)
{
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;
	const uint8_t *in = vectors[_i].v6_inner ? inner6 : inner4;
	size_t in_len = vectors[_i].v6_inner ? sizeof(inner6) : sizeof(inner4);

	tunnel_pair(&a, &b, 4, vectors[_i].o);
	a.tx_seq = vectors[_i].seq;
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, in, in_len, GRE_OUTER_NONE, 0), 0);
	ck_assert_uint_eq(builder_len(&bld), vectors[_i].hdr_len + in_len);
	ck_assert_mem_eq(buf, vectors[_i].hdr, vectors[_i].hdr_len);
}
END_TEST

/* The whole delivery packet of the Transit Gateway Connect profile. */
START_TEST(test_tgw_vector)
{
	static const uint8_t want_outer[] = {
	    0x45, 0x00, 0x00, 0x34, 0x01, 0x02, 0x40, 0x00, 0x40, 0x2f,
	    0x4d, 0x63, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x01,
	};
	struct gre_config cfg;
	struct gre_tunnel t;
	uint8_t buf[128];
	struct builder bld;

	gre_config_tgw_connect(&cfg, 4);
	ck_assert(!cfg.tx_key_on && !cfg.rx_key_on && !cfg.tx_csum && !cfg.rx_csum_required);
	ck_assert(!cfg.tx_seq && !cfg.rx_in_order && !cfg.rx_strict_reserved);
	ck_assert_int_eq(cfg.df, GRE_DF_SET);
	memcpy(cfg.local, a4_local, 4);
	memcpy(cfg.remote, a4_remote, 4);
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	ck_assert_uint_eq(gre_overhead(&t), 24);
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&t, &bld, inner4, sizeof(inner4), GRE_OUTER_IP, 0x0102), 0);
	ck_assert_uint_eq(builder_len(&bld), 20 + 4 + sizeof(inner4));
	ck_assert_mem_eq(buf, want_outer, sizeof(want_outer));
	ck_assert_uint_eq(get32(buf + 20), 0x00000800);
	ck_assert_mem_eq(buf + 24, inner4, sizeof(inner4));

	gre_config_tgw_connect(&cfg, 6);
	ck_assert_int_eq(cfg.version, 6);
	memcpy(cfg.local, a6_local, 16);
	memcpy(cfg.remote, a6_remote, 16);
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	ck_assert_uint_eq(gre_overhead(&t), 44);
}
END_TEST

/* ---- receive rules ---- */

/* How a rejection case sets up the receiving tunnel. */
enum rx_setup {
	RX_PLAIN,
	RX_KEYED,  /* input key 0x01020304 */
	RX_CSUM,   /* checksums required */
	RX_STRICT, /* reserved bits 6-12 rejected */
};

/*
 * A GRE packet assembled by the test, field by field, so that it can say
 * things our encapsulator never would.
 */
struct raw_gre {
	const char *name;
	enum rx_setup setup;
	uint16_t flags;
	uint16_t proto;
	int csum; /* with C: 0 correct, 1 wrong */
	uint16_t reserved1;
	uint32_t key;
	int payload; /* 0 inner4, 1 inner6, 2 none, 3 truncated inner4,
	              * 4 inner4 with a bad header checksum */
	size_t cut;  /* keep only cut - 1 octets (0: the whole packet) */
	enum gre_verdict verdict;
	enum gre_drop drop;
};

static const struct raw_gre raw_cases[] = {
    {"baseline", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 0, 0, GRE_DELIVER, 0},
    {"baseline v6", RX_PLAIN, 0x0000, 0x86dd, 0, 0, 0, 1, 0, GRE_DELIVER, 0},
    /* RFC 2784 2.3.1: version must be 0. */
    {"version 1 (PPTP)", RX_PLAIN, 0x0001, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_VERSION},
    {"version 7", RX_PLAIN, 0x0007, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_VERSION},
    /* RFC 2784 2.3: bits 1, 4 and 5 discard. */
    {"bit 1 routing", RX_PLAIN, 0x4000, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_FLAGS},
    {"bit 4 ssr", RX_PLAIN, 0x0800, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_FLAGS},
    {"bit 5 recursion", RX_PLAIN, 0x0400, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_FLAGS},
    {"bits 1-5 with K S", RX_KEYED, 0x7c00, 0x0800, 0, 0, 0x01020304, 0, 0, GRE_DROP,
     GRE_DROP_FLAGS},
    /* RFC 2784 2.3: bits 6-12 are ignored on receipt... */
    {"bit 6 ignored", RX_PLAIN, 0x0200, 0x0800, 0, 0, 0, 0, 0, GRE_DELIVER, 0},
    {"bit 12 ignored", RX_PLAIN, 0x0008, 0x0800, 0, 0, 0, 0, 0, GRE_DELIVER, 0},
    {"bits 6-12 ignored", RX_PLAIN, 0x03f8, 0x0800, 0, 0, 0, 0, 0, GRE_DELIVER, 0},
    /* ...unless the tunnel is told to be strict. */
    {"bit 6 strict", RX_STRICT, 0x0200, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_RESERVED},
    {"bit 12 strict", RX_STRICT, 0x0008, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_RESERVED},
    {"bit 5 strict", RX_STRICT, 0x0400, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_FLAGS},
    /* RFC 2784 2.2, 2.5, 2.6. */
    {"csum good", RX_PLAIN, 0x8000, 0x0800, 0, 0, 0, 0, 0, GRE_DELIVER, 0},
    {"csum good, reserved1 set", RX_PLAIN, 0x8000, 0x0800, 0, 0xabcd, 0, 0, 0, GRE_DELIVER, 0},
    {"csum wrong", RX_PLAIN, 0x8000, 0x0800, 1, 0, 0, 0, 0, GRE_DROP, GRE_DROP_CSUM_BAD},
    {"csum wrong, required", RX_CSUM, 0x8000, 0x0800, 1, 0, 0, 0, 0, GRE_DROP, GRE_DROP_CSUM_BAD},
    {"csum required, present", RX_CSUM, 0x8000, 0x86dd, 0, 0, 0, 1, 0, GRE_DELIVER, 0},
    {"csum required, absent", RX_CSUM, 0x0000, 0x0800, 0, 0, 0, 0, 0, GRE_DROP,
     GRE_DROP_CSUM_MISSING},
    /* RFC 2890 2.1. */
    {"key match", RX_KEYED, 0x2000, 0x0800, 0, 0, 0x01020304, 0, 0, GRE_DELIVER, 0},
    {"key missing", RX_KEYED, 0x0000, 0x0800, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_KEY_MISSING},
    {"key unexpected", RX_PLAIN, 0x2000, 0x0800, 0, 0, 0x01020304, 0, 0, GRE_DROP,
     GRE_DROP_KEY_UNEXPECTED},
    {"key mismatch", RX_KEYED, 0x2000, 0x0800, 0, 0, 0x01020305, 0, 0, GRE_DROP,
     GRE_DROP_KEY_MISMATCH},
    {"key zero vs configured", RX_KEYED, 0x2000, 0x0800, 0, 0, 0, 0, 0, GRE_DROP,
     GRE_DROP_KEY_MISMATCH},
    {"csum wrong before key", RX_KEYED, 0xa000, 0x0800, 1, 0, 0x09090909, 0, 0, GRE_DROP,
     GRE_DROP_CSUM_BAD},
    /* RFC 2784 2.4 and the payload. */
    {"type TEB", RX_PLAIN, 0x0000, 0x6558, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_PROTO},
    {"type MPLS", RX_PLAIN, 0x0000, 0x8847, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_PROTO},
    {"type ARP", RX_PLAIN, 0x0000, 0x0806, 0, 0, 0, 0, 0, GRE_DROP, GRE_DROP_PROTO},
    {"IPv6 type, IPv4 payload", RX_PLAIN, 0x0000, 0x86dd, 0, 0, 0, 0, 0, GRE_DROP,
     GRE_DROP_INNER_FAMILY},
    {"IPv4 type, IPv6 payload", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 1, 0, GRE_DROP,
     GRE_DROP_INNER_FAMILY},
    {"IPv4 type, no payload", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 2, 0, GRE_DROP,
     GRE_DROP_INNER_MALFORMED},
    {"inner shorter than its length", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 3, 0, GRE_DROP,
     GRE_DROP_INNER_MALFORMED},
    {"inner header checksum", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 4, 0, GRE_DROP,
     GRE_DROP_INNER_MALFORMED},
    {"keepalive reply", RX_PLAIN, 0x0000, 0x0000, 0, 0, 0, 2, 0, GRE_KEEPALIVE_REPLY, 0},
    {"keepalive reply, key missing", RX_KEYED, 0x0000, 0x0000, 0, 0, 0, 2, 0, GRE_DROP,
     GRE_DROP_KEY_MISSING},
    /* Lengths. */
    {"empty", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 0, 1, GRE_DROP, GRE_DROP_TRUNCATED},
    {"three octets", RX_PLAIN, 0x0000, 0x0800, 0, 0, 0, 0, 4, GRE_DROP, GRE_DROP_TRUNCATED},
    {"key cut short", RX_KEYED, 0x2000, 0x0800, 0, 0, 0x01020304, 0, 6, GRE_DROP,
     GRE_DROP_TRUNCATED},
    {"csum cut short", RX_PLAIN, 0x8000, 0x0800, 0, 0, 0, 0, 7, GRE_DROP, GRE_DROP_TRUNCATED},
};

static size_t raw_build(const struct raw_gre *rc, uint8_t *p)
{
	size_t n = 4;

	put16(p, rc->flags);
	put16(p + 2, rc->proto);
	if (rc->flags & 0x8000) {
		put16(p + 4, 0);
		put16(p + 6, rc->reserved1);
		n += 4;
	}
	if (rc->flags & 0x2000) {
		put32(p + n, rc->key);
		n += 4;
	}
	if (rc->flags & 0x1000) {
		put32(p + n, 0);
		n += 4;
	}
	switch (rc->payload) {
	case 0:
		memcpy(p + n, inner4, sizeof(inner4));
		n += sizeof(inner4);
		break;
	case 1:
		memcpy(p + n, inner6, sizeof(inner6));
		n += sizeof(inner6);
		break;
	case 3:
		memcpy(p + n, inner4, sizeof(inner4) - 1);
		n += sizeof(inner4) - 1;
		break;
	case 4:
		memcpy(p + n, inner4, sizeof(inner4));
		p[n + 11] ^= 0x01;
		n += sizeof(inner4);
		break;
	default:
		break;
	}
	if (rc->flags & 0x8000) {
		put16(p + 4, (uint16_t)~ref_sum(p, n));
		if (rc->csum == 1)
			p[5] ^= 0x40;
	}
	if (rc->cut != 0)
		n = rc->cut - 1; /* cut = length + 1, so that 0 means "whole" */
	return n;
}

static void setup_rx(struct gre_tunnel *t, enum rx_setup s)
{
	struct gre_config cfg;

	gre_config_default(&cfg);
	memcpy(cfg.local, a4_local, 4);
	memcpy(cfg.remote, a4_remote, 4);
	cfg.rx_key_on = s == RX_KEYED;
	cfg.rx_key = 0x01020304;
	cfg.rx_csum_required = s == RX_CSUM;
	cfg.rx_strict_reserved = s == RX_STRICT;
	ck_assert_int_eq(gre_tunnel_init(t, &cfg), 0);
}

START_TEST(test_rx_rules)
{
	const struct raw_gre *rc = &raw_cases[_i];
	uint8_t buf[128];
	struct gre_tunnel t;
	struct gre_rx rx;

	setup_rx(&t, rc->setup);
	size_t n = raw_build(rc, buf);
	/* An exact-size heap copy, so that any read past the end is caught. */
	uint8_t *copy = malloc(n > 0 ? n : 1);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, n);
	enum gre_verdict v = gre_decap(&t, copy, n, &rx);
	ck_assert_msg(v == rc->verdict, "%s: verdict %d, want %d (drop %s)", rc->name, v,
	              rc->verdict, v == GRE_DROP ? gre_drop_name(rx.drop) : "-");
	ck_assert_int_eq(rx.verdict, v);
	if (v == GRE_DROP) {
		ck_assert_msg(rx.drop == rc->drop, "%s: drop %s, want %s", rc->name,
		              gre_drop_name(rx.drop), gre_drop_name(rc->drop));
		ck_assert_ptr_null(rx.inner);
		/* Counted once, under its own reason only. */
		for (int i = 0; i < GRE_DROP_COUNT; i++)
			ck_assert_uint_eq(t.stats.rx_drop[i], i == (int)rc->drop ? 1 : 0);
		ck_assert_uint_eq(t.stats.rx_packets, 0);
	} else {
		ck_assert_uint_eq(drops_total(&t), 0);
	}
	if (v == GRE_DELIVER) {
		ck_assert_uint_eq(t.stats.rx_packets, 1);
		size_t want = rc->payload == 1 ? sizeof(inner6) : sizeof(inner4);
		ck_assert_uint_eq(rx.inner_len, want);
		ck_assert_mem_eq(rx.inner, rc->payload == 1 ? inner6 : inner4, want);
	}
	if (v == GRE_KEEPALIVE_REPLY)
		ck_assert_uint_eq(t.stats.keepalive_rx, 1);
	free(copy);
}
END_TEST

/* Bytes past the inner packet (link padding) are not delivered. */
START_TEST(test_rx_padding)
{
	uint8_t buf[64] = {0x00, 0x00, 0x08, 0x00};
	struct gre_tunnel t;
	struct gre_rx rx;

	setup_rx(&t, RX_PLAIN);
	memcpy(buf + 4, inner4, sizeof(inner4));
	ck_assert_int_eq(gre_decap(&t, buf, 4 + sizeof(inner4) + 6, &rx), GRE_DELIVER);
	ck_assert_uint_eq(rx.inner_len, sizeof(inner4));
	ck_assert_uint_eq(t.stats.rx_bytes, sizeof(inner4));
}
END_TEST

/* Every proper prefix of a valid packet is dropped cleanly, for every
 * option combination and both payload families. */
START_TEST(test_truncations)
{
	struct opts o = {.csum = _i & 1, .key = (_i >> 1) & 1, .seq = (_i >> 2) & 1};
	bool v6 = (_i >> 3) & 1;
	const uint8_t *in = v6 ? inner6 : inner4;
	size_t in_len = v6 ? sizeof(inner6) : sizeof(inner4);
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;
	size_t glen = 4 + 4 * (o.csum + o.key + o.seq);

	tunnel_pair(&a, &b, 4, o);
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, in, in_len, GRE_OUTER_NONE, 0), 0);
	size_t len = builder_len(&bld);

	for (size_t cut = 0; cut < len; cut++) {
		uint8_t *copy = malloc(cut > 0 ? cut : 1);
		struct gre_rx rx;
		ck_assert_ptr_nonnull(copy);
		memcpy(copy, buf, cut);
		b.rx_seq_valid = false;
		ck_assert_int_eq(gre_decap(&b, copy, cut, &rx), GRE_DROP);
		if (cut < glen)
			ck_assert_int_eq(rx.drop, GRE_DROP_TRUNCATED);
		else if (o.csum)
			ck_assert_msg(rx.drop == GRE_DROP_CSUM_BAD ||
			                  rx.drop == GRE_DROP_INNER_MALFORMED,
			              "cut %zu: %s", cut, gre_drop_name(rx.drop));
		else
			ck_assert_msg(rx.drop == GRE_DROP_INNER_MALFORMED, "cut %zu: %s", cut,
			              gre_drop_name(rx.drop));
		free(copy);
	}
	ck_assert_uint_eq(drops_total(&b), len);
	ck_assert_uint_eq(b.stats.rx_packets, 0);
	ck_assert_uint_eq(b.stats.rx_drop[GRE_DROP_TRUNCATED], glen);
}
END_TEST

/* ---- sequence numbers (RFC 2890 2.2) ---- */

#define NOSEQ UINT64_MAX

static const struct {
	const char *name;
	bool in_order;
	uint64_t seq[10]; /* NOSEQ: a packet without S */
	int accept[10];   /* 1 accepted, 0 dropped; -1 ends the list */
} seq_cases[] = {
    {"in order", true, {0, 1, 2, 3}, {1, 1, 1, 1, -1}},
    {"duplicate and late", true, {0, 1, 1, 0, 5, 3, 6}, {1, 1, 0, 0, 1, 0, 1, -1}},
    {"unnumbered interleaved", true, {4, NOSEQ, 5, NOSEQ, 5}, {1, 1, 1, 1, 0, -1}},
    {"first number taken as is", true, {0x12345678, 0x12345677, 0x12345679}, {1, 0, 1, -1}},
    {"wraparound", true, {0xfffffffe, 0xffffffff, 0, 1, 0xffffffff, 0}, {1, 1, 1, 1, 0, 0, -1}},
    {"2^31 ahead is in order", true, {0, 0x80000000}, {1, 1, -1}},
    {"2^31 + 1 ahead is behind", true, {0, 0x80000001}, {1, 0, -1}},
    {"2^31 - 1 behind is behind", true, {0x80000000, 1}, {1, 0, -1}},
    {"2^31 behind is ahead", true, {0x80000000, 0}, {1, 1, -1}},
    {"not enforced", false, {5, 5, 4, 0, 0xffffffff}, {1, 1, 1, 1, 1, -1}},
};

START_TEST(test_seq_rx)
{
	struct gre_tunnel t;
	struct gre_config cfg;
	unsigned drops = 0;

	gre_config_default(&cfg);
	cfg.rx_in_order = seq_cases[_i].in_order;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	for (int k = 0; seq_cases[_i].accept[k] >= 0; k++) {
		uint8_t buf[64];
		size_t n = 4;
		struct gre_rx rx;
		uint64_t s = seq_cases[_i].seq[k];

		put16(buf, s == NOSEQ ? 0x0000 : 0x1000);
		put16(buf + 2, 0x0800);
		if (s != NOSEQ) {
			put32(buf + 4, (uint32_t)s);
			n += 4;
		}
		memcpy(buf + n, inner4, sizeof(inner4));
		n += sizeof(inner4);
		enum gre_verdict v = gre_decap(&t, buf, n, &rx);
		int want = seq_cases[_i].accept[k];
		ck_assert_msg((v == GRE_DELIVER) == (want == 1), "%s: packet %d verdict %d",
		              seq_cases[_i].name, k, v);
		if (v == GRE_DROP) {
			ck_assert_int_eq(rx.drop, GRE_DROP_SEQ_ORDER);
			drops++;
		}
	}
	ck_assert_uint_eq(t.stats.rx_drop[GRE_DROP_SEQ_ORDER], drops);
}
END_TEST

START_TEST(test_seq_reset)
{
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;
	struct gre_rx rx;

	tunnel_pair(&a, &b, 4, (struct opts){.seq = true});
	a.tx_seq = 1000;
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_NONE, 0), 0);
	ck_assert_int_eq(gre_decap(&b, buf, builder_len(&bld), &rx), GRE_DELIVER);

	/* The peer restarts from 0: late until we are told to forget. */
	a.tx_seq = 0;
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_NONE, 0), 0);
	ck_assert_int_eq(gre_decap(&b, buf, builder_len(&bld), &rx), GRE_DROP);
	gre_rx_seq_reset(&b);
	ck_assert_int_eq(gre_decap(&b, buf, builder_len(&bld), &rx), GRE_DELIVER);
	ck_assert_uint_eq(rx.seq, 0);
}
END_TEST

START_TEST(test_seq_tx_wraps)
{
	struct gre_tunnel a, b;
	static const uint32_t want[] = {0xfffffffe, 0xffffffff, 0, 1};

	tunnel_pair(&a, &b, 4, (struct opts){.seq = true});
	ck_assert_uint_eq(a.tx_seq, 0);
	a.tx_seq = 0xfffffffe;
	for (size_t k = 0; k < ARRAY_LEN(want); k++) {
		uint8_t buf[128];
		struct builder bld;
		struct gre_rx rx;
		builder_init_fixed(&bld, buf, sizeof(buf));
		ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_NONE, 0), 0);
		ck_assert_uint_eq(get32(buf + 4), want[k]);
		/* The receiver follows across the wrap. */
		ck_assert_int_eq(gre_decap(&b, buf, builder_len(&bld), &rx), GRE_DELIVER);
	}
	/* A failed encapsulation does not use up a number. */
	uint8_t small[8];
	struct builder bld;
	builder_init_fixed(&bld, small, sizeof(small));
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_NONE, 0), -1);
	ck_assert_uint_eq(a.tx_seq, 2);
}
END_TEST

/* ---- keepalives ---- */

START_TEST(test_keepalive_vector)
{
	static const uint8_t want[] = {
	    0x45, 0x00, 0x00, 0x30, 0x00, 0x01, 0x40, 0x00, 0x40, 0x2f, 0x4e, 0x68,
	    0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x01, 0x00, 0x00, 0x08, 0x00,
	    0x45, 0x00, 0x00, 0x18, 0x00, 0x02, 0x00, 0x00, 0xff, 0x2f, 0xcf, 0x7e,
	    0xc6, 0x33, 0x64, 0x01, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x00, 0x00, 0x00,
	};
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;

	tunnel_pair(&a, &b, 4, (struct opts){0});
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_keepalive_build(&a, &bld, 1, 2), 0);
	ck_assert_uint_eq(builder_len(&bld), sizeof(want));
	ck_assert_mem_eq(buf, want, sizeof(want));
	ck_assert_uint_eq(a.stats.keepalive_tx, 1);
	ck_assert_uint_eq(a.stats.tx_packets, 0);
}
END_TEST

/*
 * The exchange, for every option combination: A builds a keepalive, B
 * decapsulates it and is told to reflect the inner packet, which reaches A
 * as plain GRE and is recognised as the reply.
 */
START_TEST(test_keepalive_exchange)
{
	struct opts o = {.csum = _i & 1, .key = (_i >> 1) & 1, .seq = (_i >> 2) & 1};
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;
	struct gre_rx rx;
	struct ip_pkt outer, refl;

	tunnel_pair(&a, &b, 4, o);
	for (int round = 0; round < 2; round++) {
		builder_init_fixed(&bld, buf, sizeof(buf));
		ck_assert_int_eq(gre_keepalive_build(&a, &bld, 7, 8), 0);
		ck_assert_int_eq(ip_parse(buf, builder_len(&bld), &outer), IP_PARSE_OK);
		ck_assert_uint_eq(outer.proto, 47);
		ck_assert_mem_eq(outer.dst, a4_remote, 4);

		/* B: the peer, decapsulating and reflecting. */
		uint8_t *g = buf + outer.hdr_len;
		size_t glen = outer.tot_len - outer.hdr_len;
		ck_assert_int_eq(gre_decap(&b, g, glen, &rx), GRE_KEEPALIVE_REFLECT);
		ck_assert_uint_eq(b.stats.keepalive_reflect, (uint64_t)round + 1);
		ck_assert_uint_eq(b.stats.rx_packets, 0);
		ck_assert_int_eq(ip_parse(rx.inner, rx.inner_len, &refl), IP_PARSE_OK);
		/* From B's delivery address to A's: B forwards it to A. */
		ck_assert_mem_eq(refl.src, a4_remote, 4);
		ck_assert_mem_eq(refl.dst, a4_local, 4);
		ck_assert_uint_eq(refl.proto, 47);
		ck_assert_uint_eq(refl.ttl, 254);
		ck_assert(ref_csum_ok(rx.inner, 20));
		ck_assert_uint_eq(get16(rx.inner + 4), 8);

		/* A: the reflected packet arrives as plain GRE. */
		struct gre_rx back;
		ck_assert_int_eq(gre_decap(&a, rx.inner + 20, rx.inner_len - 20, &back),
		                 GRE_KEEPALIVE_REPLY);
		ck_assert_uint_eq(a.stats.keepalive_rx, (uint64_t)round + 1);
		ck_assert_int_eq(back.key_present, o.key);
		ck_assert_int_eq(back.csum_present, o.csum);
		ck_assert(!back.seq_present);
	}
	ck_assert_uint_eq(drops_total(&a) + drops_total(&b), 0);
	ck_assert_uint_eq(a.stats.keepalive_tx, 2);
}
END_TEST

START_TEST(test_keepalive_edges)
{
	struct gre_tunnel a, b, a6, b6;
	uint8_t buf[128];
	struct builder bld;
	struct gre_rx rx;

	/* Keepalives are an IPv4 affair. */
	tunnel_pair(&a6, &b6, 6, (struct opts){0});
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_keepalive_build(&a6, &bld, 1, 2), -1);
	ck_assert_uint_eq(a6.stats.keepalive_tx, 0);

	/* No TTL left to forward with. */
	tunnel_pair(&a, &b, 4, (struct opts){0});
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_keepalive_build(&a, &bld, 1, 2), 0);
	uint8_t *inner = buf + 24;
	uint16_t hc = get16(inner + 10);
	put16(inner + 10, ip_csum_update16(hc, get16(inner + 8), 0x012f));
	inner[8] = 1;
	ck_assert(ref_csum_ok(inner, 20));
	ck_assert_int_eq(gre_decap(&b, buf + 20, builder_len(&bld) - 20, &rx), GRE_DROP);
	ck_assert_int_eq(rx.drop, GRE_DROP_TTL);

	/* Inner GRE that is not to the peer, or not of type 0, is data. */
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_keepalive_build(&a, &bld, 1, 2), 0);
	put16(buf + 24 + 20 + 2, 0x0800);
	ck_assert_int_eq(gre_decap(&b, buf + 20, builder_len(&bld) - 20, &rx), GRE_DELIVER);
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_keepalive_build(&a, &bld, 1, 2), 0);
	/* Destination 203.0.113.9 instead of B's own address. */
	static const uint8_t other[4] = {203, 0, 113, 9};
	uint8_t *ip = buf + 24;
	put16(ip + 10, ip_csum_update32(get16(ip + 10), get32(ip + 12), get32(other)));
	memcpy(ip + 12, other, 4);
	ck_assert(ref_csum_ok(ip, 20));
	ck_assert_int_eq(gre_decap(&b, buf + 20, builder_len(&bld) - 20, &rx), GRE_DELIVER);
	ck_assert_uint_eq(b.stats.keepalive_reflect, 0);
	ck_assert_uint_eq(b.stats.rx_packets, 2);

	/* No room. */
	builder_init_fixed(&bld, buf, 40);
	ck_assert_int_eq(gre_keepalive_build(&a, &bld, 1, 2), -1);
}
END_TEST

/* ---- sending: DF, refusals, configuration ---- */

START_TEST(test_df_modes)
{
	static const struct {
		enum gre_df mode;
		bool inner_df;
		bool v6;
		bool want;
	} cases[] = {
	    {GRE_DF_SET, false, false, true},    {GRE_DF_CLEAR, true, false, false},
	    {GRE_DF_INHERIT, true, false, true}, {GRE_DF_INHERIT, false, false, false},
	    {GRE_DF_INHERIT, false, true, true},
	};

	for (size_t k = 0; k < ARRAY_LEN(cases); k++) {
		struct gre_config cfg;
		struct gre_tunnel t;
		uint8_t in[64], buf[128];
		struct builder bld;
		struct ip_pkt ip;
		size_t in_len;

		gre_config_default(&cfg);
		cfg.df = cases[k].mode;
		ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
		if (cases[k].v6) {
			memcpy(in, inner6, sizeof(inner6));
			in_len = sizeof(inner6);
		} else {
			memcpy(in, inner4, sizeof(inner4));
			in_len = sizeof(inner4);
			if (cases[k].inner_df) {
				put16(in + 10, ip_csum_update16(get16(in + 10), 0, 0x4000));
				put16(in + 6, 0x4000);
			}
		}
		builder_init_fixed(&bld, buf, sizeof(buf));
		ck_assert_int_eq(gre_encap(&t, &bld, in, in_len, GRE_OUTER_IP, 9), 0);
		ck_assert_int_eq(ip_parse(buf, builder_len(&bld), &ip), IP_PARSE_OK);
		ck_assert_msg(ip.df == cases[k].want, "case %zu", k);
		ck_assert(ip.hdr_csum_ok);
	}
}
END_TEST

START_TEST(test_tx_refusals)
{
	struct gre_tunnel a, b;
	uint8_t buf[128];
	struct builder bld;
	static const uint8_t garbage[] = {0x50, 0, 0,   20, 0, 0, 0,   0, 64, 17,
	                                  0,    0, 192, 0,  2, 1, 192, 0, 2,  2};

	tunnel_pair(&a, &b, 4, (struct opts){.csum = true});
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, garbage, sizeof(garbage), GRE_OUTER_IP, 0), -1);
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, 10, GRE_OUTER_IP, 0), -1);
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, 0, GRE_OUTER_IP, 0), -1);
	ck_assert_uint_eq(a.stats.tx_drop[GRE_TX_DROP_NOT_IP], 3);
	ck_assert(builder_ok(&bld));
	ck_assert_uint_eq(builder_len(&bld), 0);

	/* 65535 octets of inner IPv4 cannot get a delivery header. */
	uint8_t *big = calloc(1, 0xffff);
	ck_assert_ptr_nonnull(big);
	memcpy(big, inner4, 20);
	put16(big + 2, 0xffff);
	struct builder dyn;
	builder_init_dynamic(&dyn, 0x20000);
	ck_assert_int_eq(gre_encap(&a, &dyn, big, 0xffff, GRE_OUTER_IP, 0), -1);
	ck_assert_uint_eq(a.stats.tx_drop[GRE_TX_DROP_TOO_BIG], 1);
	/* Without the delivery header it still would not fit one later. */
	ck_assert_int_eq(gre_encap(&a, &dyn, big, 0xffff, GRE_OUTER_NONE, 0), -1);
	ck_assert_uint_eq(a.stats.tx_drop[GRE_TX_DROP_TOO_BIG], 2);
	/* The largest that fits: 65535 - 20 - 8. */
	put16(big + 2, 0xffff - 28);
	ck_assert_int_eq(gre_encap(&a, &dyn, big, 0xffff, GRE_OUTER_IP, 0), 0);
	ck_assert_uint_eq(builder_len(&dyn), 0xffff);
	ck_assert(ref_csum_ok(builder_data(&dyn) + 20, 0xffff - 20));
	builder_free(&dyn);
	free(big);

	/* No room in the builder or in front of the packet. */
	builder_init_fixed(&bld, buf, 40);
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_IP, 0), -1);
	ck_assert(!builder_ok(&bld));
	uint8_t room[128];
	memcpy(room + 20, inner4, sizeof(inner4));
	ck_assert_uint_eq(gre_encap_prepend(&a, room + 20, 20, sizeof(inner4), GRE_OUTER_IP, 0), 0);
	ck_assert_uint_eq(gre_encap_prepend(&a, room + 20, 20, sizeof(inner4), GRE_OUTER_NONE, 0),
	                  8);
	ck_assert_uint_eq(a.stats.tx_drop[GRE_TX_DROP_NO_ROOM], 2);
	ck_assert_uint_eq(a.stats.tx_packets, 2);
}
END_TEST

START_TEST(test_config_checks)
{
	struct gre_config cfg;
	struct gre_tunnel t;

	gre_config_default(&cfg);
	ck_assert_int_eq(cfg.version, 4);
	ck_assert_uint_eq(cfg.ttl, 64);
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	ck_assert_uint_eq(gre_overhead(&t), 24);

	cfg.ttl = 0;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), -1);
	gre_config_default(&cfg);
	cfg.version = 5;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), -1);
	gre_config_default(&cfg);
	cfg.tos = 0xb9; /* EF with ECT(1) */
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), -1);
	cfg.tos = 0xb8;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	cfg.flowlabel = 0x100000;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), -1);

	gre_config_default(&cfg);
	cfg.version = 6;
	cfg.tx_csum = cfg.tx_key_on = cfg.tx_seq = true;
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	ck_assert_uint_eq(gre_header_len(&t), 16);
	ck_assert_uint_eq(gre_overhead(&t), 56);
}
END_TEST

START_TEST(test_v6_delivery_header)
{
	struct gre_tunnel a, b;
	struct gre_config cfg;
	uint8_t buf[128];
	struct builder bld;

	tunnel_pair(&a, &b, 6, (struct opts){.key = true});
	cfg = a.cfg;
	cfg.tos = 0xb8;
	cfg.flowlabel = 0xabcde;
	cfg.ttl = 200;
	ck_assert_int_eq(gre_tunnel_init(&a, &cfg), 0);
	builder_init_fixed(&bld, buf, sizeof(buf));
	ck_assert_int_eq(gre_encap(&a, &bld, inner4, sizeof(inner4), GRE_OUTER_IP, 0), 0);
	/* Version 6, traffic class 0xb8, flow label 0xabcde. */
	ck_assert_uint_eq(get32(buf), 0x6b8abcde);
	ck_assert_uint_eq(get16(buf + 4), 8 + sizeof(inner4));
	ck_assert_uint_eq(buf[6], 47);
	ck_assert_uint_eq(buf[7], 200);
	ck_assert_mem_eq(buf + 8, a6_local, 16);
	ck_assert_mem_eq(buf + 24, a6_remote, 16);
}
END_TEST

START_TEST(test_names)
{
	for (int i = 0; i < GRE_DROP_COUNT; i++) {
		ck_assert_ptr_nonnull(gre_drop_name(i));
		for (int j = 0; j < i; j++)
			ck_assert_str_ne(gre_drop_name(i), gre_drop_name(j));
	}
	for (int i = 0; i < GRE_TX_DROP_COUNT; i++)
		ck_assert_ptr_nonnull(gre_tx_drop_name(i));
	ck_assert_str_eq(gre_drop_name(GRE_DROP_COUNT), "unknown");
	ck_assert_str_eq(gre_tx_drop_name(GRE_TX_DROP_COUNT), "unknown");
}
END_TEST

/* ---- a capture for tshark ---- */

static void pcap_u32(FILE *f, uint32_t v)
{
	/* pcap headers are in the writer's byte order; write little-endian
	 * with the magic to match, whatever the host. */
	uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
	fwrite(b, 1, 4, f);
}

static void pcap_u16(FILE *f, uint16_t v)
{
	uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
	fwrite(b, 1, 2, f);
}

static void pcap_record(FILE *f, uint32_t sec, const uint8_t *p, size_t len)
{
	pcap_u32(f, sec);
	pcap_u32(f, 0);
	pcap_u32(f, (uint32_t)len);
	pcap_u32(f, (uint32_t)len);
	fwrite(p, 1, len, f);
}

/*
 * Packets for tests/unit/gre_tshark.sh, which expects them in this order:
 * 1 TGW profile, BGP SYN inside; 2 key 0x01020304 + checksum + sequence 0,
 * IPv6 inside; 3 IPv6 delivery, key 0x0a0b0c0d, IPv4 inside; 4 a
 * keepalive; 5 key + sequence 1, IPv4 inside.
 */
START_TEST(test_pcap)
{
	const char *path = getenv("GRE_PCAP_OUT");
	uint8_t pkts[5][256];
	size_t lens[5];
	struct gre_config cfg;
	struct gre_tunnel t, u, ux, v6t, v6u, w, wx;
	struct builder bld;
	uint8_t syn[64];
	size_t syn_len = bgp_syn(syn);

	gre_config_tgw_connect(&cfg, 4);
	memcpy(cfg.local, a4_local, 4);
	memcpy(cfg.remote, a4_remote, 4);
	ck_assert_int_eq(gre_tunnel_init(&t, &cfg), 0);
	builder_init_fixed(&bld, pkts[0], sizeof(pkts[0]));
	ck_assert_int_eq(gre_encap(&t, &bld, syn, syn_len, GRE_OUTER_IP, 0x0101), 0);
	lens[0] = builder_len(&bld);

	tunnel_pair(&u, &ux, 4, (struct opts){1, 1, 1});
	builder_init_fixed(&bld, pkts[1], sizeof(pkts[1]));
	ck_assert_int_eq(gre_encap(&u, &bld, inner6, sizeof(inner6), GRE_OUTER_IP, 0x0102), 0);
	lens[1] = builder_len(&bld);

	tunnel_pair(&v6t, &v6u, 6, (struct opts){.key = true});
	v6t.cfg.tx_key = 0x0a0b0c0d;
	builder_init_fixed(&bld, pkts[2], sizeof(pkts[2]));
	ck_assert_int_eq(gre_encap(&v6t, &bld, inner4, sizeof(inner4), GRE_OUTER_IP, 0), 0);
	lens[2] = builder_len(&bld);

	builder_init_fixed(&bld, pkts[3], sizeof(pkts[3]));
	ck_assert_int_eq(gre_keepalive_build(&t, &bld, 0x0103, 0x0104), 0);
	lens[3] = builder_len(&bld);

	tunnel_pair(&w, &wx, 4, (struct opts){.key = true, .seq = true});
	w.tx_seq = 1;
	builder_init_fixed(&bld, pkts[4], sizeof(pkts[4]));
	ck_assert_int_eq(gre_encap(&w, &bld, inner4, sizeof(inner4), GRE_OUTER_IP, 0x0105), 0);
	lens[4] = builder_len(&bld);

	if (path == NULL)
		return;
	FILE *f = fopen(path, "wb");
	ck_assert_msg(f != NULL, "cannot write %s", path);
	pcap_u32(f, 0xa1b2c3d4); /* microsecond pcap */
	pcap_u16(f, 2);
	pcap_u16(f, 4);
	pcap_u32(f, 0);
	pcap_u32(f, 0);
	pcap_u32(f, 65535);
	pcap_u32(f, 101); /* LINKTYPE_RAW: packets start with the IP header */
	for (size_t k = 0; k < ARRAY_LEN(lens); k++)
		pcap_record(f, (uint32_t)k + 1, pkts[k], lens[k]);
	ck_assert_int_eq(fclose(f), 0);
}
END_TEST

static Suite *gre_suite(void)
{
	Suite *s = suite_create("gre");
	TCase *tc;

	tc = tcase_create("encap");
	tcase_add_loop_test(tc, test_roundtrip, 0, 64);
	tcase_add_loop_test(tc, test_header_vectors, 0, (int)ARRAY_LEN(vectors));
	tcase_add_test(tc, test_tgw_vector);
	tcase_add_test(tc, test_df_modes);
	tcase_add_test(tc, test_tx_refusals);
	tcase_add_test(tc, test_config_checks);
	tcase_add_test(tc, test_v6_delivery_header);
	suite_add_tcase(s, tc);

	tc = tcase_create("decap");
	tcase_add_loop_test(tc, test_rx_rules, 0, (int)ARRAY_LEN(raw_cases));
	tcase_add_test(tc, test_rx_padding);
	tcase_add_loop_test(tc, test_truncations, 0, 16);
	tcase_add_test(tc, test_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("sequence");
	tcase_add_loop_test(tc, test_seq_rx, 0, (int)ARRAY_LEN(seq_cases));
	tcase_add_test(tc, test_seq_reset);
	tcase_add_test(tc, test_seq_tx_wraps);
	suite_add_tcase(s, tc);

	tc = tcase_create("keepalive");
	tcase_add_test(tc, test_keepalive_vector);
	tcase_add_loop_test(tc, test_keepalive_exchange, 0, 8);
	tcase_add_test(tc, test_keepalive_edges);
	suite_add_tcase(s, tc);

	tc = tcase_create("pcap");
	tcase_add_test(tc, test_pcap);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(gre_suite());
}
