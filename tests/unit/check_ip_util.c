/*
 * check_ip_util.c - unit tests for vpn/pkt/ip_util.c.
 *
 * Checksums against known vectors and against recomputation, the header
 * parser on a table of packets and every truncation of them, MSS clamping
 * on SYNs laid out as Linux sends them (the TCP checksum verified by the
 * test's own summing code over a pseudo-header it builds itself), the
 * "too big" ICMP errors field by field, the cases that must never get
 * one, and the token bucket on a simulated clock.
 *
 * Addresses are documentation ones, except where a case is about the
 * special addresses themselves (loopback, multicast, "this network",
 * class E, the unspecified address).
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
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

static uint16_t ref_add(uint16_t a, uint16_t b)
{
	uint32_t s = (uint32_t)a + b;

	return (uint16_t)(s > 0xffff ? (s & 0xffff) + 1 : s);
}

/* Sum of an upper-layer message with its pseudo-header, built octet by
 * octet as RFC 9293 3.1 and RFC 8200 8.1 draw it. */
static uint16_t ref_l4_sum(int version, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                           const uint8_t *msg, size_t len)
{
	uint8_t ph[40];
	size_t n;

	if (version == 4) {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = proto;
		ph[10] = (uint8_t)(len >> 8);
		ph[11] = (uint8_t)len;
		n = 12;
	} else {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		ph[32] = (uint8_t)(len >> 24);
		ph[33] = (uint8_t)(len >> 16);
		ph[34] = (uint8_t)(len >> 8);
		ph[35] = (uint8_t)len;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = proto;
		n = 40;
	}
	return ref_add(ref_sum(ph, n), ref_sum(msg, len));
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

/* A small deterministic generator, so that failures reproduce. */
static uint32_t rng_state = 0x2545f491;

static uint32_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 17;
	rng_state ^= rng_state << 5;
	return rng_state;
}

/* ---- checksums ---- */

static const struct {
	const char *name;
	uint8_t data[20];
	size_t len;
	uint16_t csum;
} csum_cases[] = {
    /* RFC 1071 3: the words sum to 0xddf2. */
    {"rfc1071", {0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7}, 8, 0x220d},
    {"empty", {0}, 0, 0xffff},
    {"odd length pads low", {0x01}, 1, 0xfeff},
    {"odd length three", {0x12, 0x34, 0x56}, 3, 0x97cb},
    {"all ones is -0", {0xff, 0xff, 0xff, 0xff}, 4, 0x0000},
    {"carry", {0xff, 0xff, 0x00, 0x01}, 4, 0xfffe},
    /* 192.0.2.1 -> 198.51.100.2, UDP, DF, TTL 64, length 0x73. */
    {"ipv4 header",
     {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
      0x00, 0x00, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02},
     20,
     0x4e43},
};

START_TEST(test_csum_vectors)
{
	uint8_t copy[20];

	ck_assert_uint_eq(ip_csum(csum_cases[_i].data, csum_cases[_i].len), csum_cases[_i].csum);
	/* The same, chained in two parts split at an even offset. */
	size_t half = (csum_cases[_i].len / 2) & ~(size_t)1;
	uint32_t s = ip_csum_add(0, csum_cases[_i].data, half);
	s = ip_csum_add(s, csum_cases[_i].data + half, csum_cases[_i].len - half);
	ck_assert_uint_eq(ip_csum_finish(s), csum_cases[_i].csum);
	/* Stored in place, the region then verifies. */
	if (csum_cases[_i].len == 20) {
		memcpy(copy, csum_cases[_i].data, 20);
		put16(copy + 10, csum_cases[_i].csum);
		ck_assert_uint_eq(ip_csum(copy, 20), 0);
		ck_assert_uint_eq(ref_sum(copy, 20), 0xffff);
	}
}
END_TEST

/* The word-at-a-time sum against the RFC 1071 definition: every length
 * up to 600 (all the tails of its 16, 4, 2 and 1-octet steps), unaligned
 * starts, chained parts split at even offsets, sums of all ones. */
START_TEST(test_csum_vs_reference)
{
	static uint8_t buf[608];

	for (size_t len = 0; len <= 600; len++) {
		for (int round = 0; round < 3; round++) {
			size_t off = (size_t)(rng() % 8);
			uint8_t *p = buf + off;
			for (size_t i = 0; i < len; i++)
				p[i] = round == 2 ? 0xff : (uint8_t)rng();
			uint16_t want = (uint16_t)~ref_sum(p, len);
			ck_assert_uint_eq(ip_csum(p, len), want);
			size_t split = len == 0 ? 0 : (size_t)(rng() % (len + 1)) & ~(size_t)1;
			uint32_t s = ip_csum_add(ip_csum_add(0, p, split), p + split, len - split);
			ck_assert_uint_eq(ip_csum_finish(s), want);
		}
	}
}
END_TEST

/* RFC 1624 3: the worked example where equation 2 would give -0. */
START_TEST(test_rfc1624_example)
{
	ck_assert_uint_eq(ip_csum_update16(0xdd2f, 0x5555, 0x3285), 0x0000);
}
END_TEST

/* Incremental updates agree with recomputation on random headers. */
START_TEST(test_update_vs_recompute)
{
	for (int n = 0; n < 20000; n++) {
		uint8_t h[20];
		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)rng();
		/* Now and then a header of mostly zeros or ones, where the
		 * checksum sits next to its -0 and +0 forms. */
		if (n % 7 == 0)
			memset(h, n % 14 == 0 ? 0x00 : 0xff, 18);
		h[0] = 0x45;
		put16(h + 10, 0);
		put16(h + 10, ip_csum(h, 20));

		size_t w = (size_t)(rng() % 10) * 2;
		if (w == 10)
			w = 8;
		if (n & 1) {
			uint16_t nv = (uint16_t)rng();
			uint16_t c = ip_csum_update16(get16(h + 10), get16(h + w), nv);
			put16(h + w, nv);
			put16(h + 10, c);
		} else {
			size_t w4 = w > 14 ? 16 : (w < 12 ? 12 : w); /* the addresses */
			w4 = w4 == 14 ? 12 : w4;
			uint32_t nv = rng();
			uint16_t c = ip_csum_update32(get16(h + 10), get32(h + w4), nv);
			h[w4] = (uint8_t)(nv >> 24);
			h[w4 + 1] = (uint8_t)(nv >> 16);
			h[w4 + 2] = (uint8_t)(nv >> 8);
			h[w4 + 3] = (uint8_t)nv;
			put16(h + 10, c);
		}
		ck_assert_msg(ref_sum(h, 20) == 0xffff, "iteration %d", n);
		uint16_t stored = get16(h + 10);
		put16(h + 10, 0);
		ck_assert_msg(ip_csum(h, 20) == stored, "iteration %d: %04x vs %04x", n,
		              ip_csum(h, 20), stored);
	}
}
END_TEST

START_TEST(test_pseudo_sum)
{
	static const uint8_t s4[4] = {198, 51, 100, 10}, d4[4] = {203, 0, 113, 20};
	static const uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10};
	static const uint8_t d6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x20};
	static const uint32_t lens[] = {0, 1, 20, 1460, 65535, 65536, 100000};

	for (size_t k = 0; k < ARRAY_LEN(lens); k++) {
		uint32_t l = lens[k];
		/* The pseudo-headers by hand, for lengths no message here has. */
		uint8_t ph[40];
		memcpy(ph, s4, 4);
		memcpy(ph + 4, d4, 4);
		ph[8] = 0;
		ph[9] = 6;
		put16(ph + 10, (uint16_t)l);
		if (l <= 0xffff)
			ck_assert_uint_eq(ip_pseudo_sum(4, s4, d4, 6, l), ref_sum(ph, 12));
		memcpy(ph, s6, 16);
		memcpy(ph + 16, d6, 16);
		ph[32] = (uint8_t)(l >> 24);
		ph[33] = (uint8_t)(l >> 16);
		ph[34] = (uint8_t)(l >> 8);
		ph[35] = (uint8_t)l;
		ph[36] = ph[37] = ph[38] = 0;
		ph[39] = 58;
		ck_assert_uint_eq(ip_pseudo_sum(6, s6, d6, 58, l), ref_sum(ph, 40));
	}
}
END_TEST

/* ---- packet construction ---- */

static const uint8_t v4_src[4] = {198, 51, 100, 10};
static const uint8_t v4_dst[4] = {203, 0, 113, 20};
static const uint8_t v6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 0x10};
static const uint8_t v6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 0x20};

/* IPv6 extension headers a test packet can carry before its upper layer. */
enum ext {
	EXT_NONE,
	EXT_HBH_DST, /* Hop-by-Hop then Destination Options, 8 octets each */
	EXT_FRAG0,   /* Fragment header, offset 0, more fragments */
	EXT_FRAG1,   /* Fragment header, offset 185 */
	EXT_AH,      /* AH with a 12-octet ICV */
	EXT_ROUTING, /* Routing header type 4 (segment routing), 24 octets */
	EXT_DST_HBH, /* Destination Options then Hop-by-Hop: out of order */
};

struct pkt_spec {
	int version;
	enum ext ext;
	uint8_t proto;     /* upper layer */
	const uint8_t *l4; /* its header and payload, checksum zero */
	size_t l4_len;
	bool df;
	uint16_t frag;            /* IPv4 flags/offset word, overrides df */
	const uint8_t *src, *dst; /* NULL: the defaults */
};

/*
 * Build a packet with correct IPv4 header and TCP/UDP/ICMP checksums
 * (checksum at the usual place of each). Returns its length.
 */
static size_t build(const struct pkt_spec *s, uint8_t *p)
{
	size_t off;
	const uint8_t *src = s->src, *dst = s->dst;

	if (s->version == 4) {
		src = src ? src : v4_src;
		dst = dst ? dst : v4_dst;
		memset(p, 0, 20);
		p[0] = 0x45;
		put16(p + 2, (uint16_t)(20 + s->l4_len));
		put16(p + 4, 0x1234);
		put16(p + 6, s->frag ? s->frag : (s->df ? 0x4000 : 0));
		p[8] = 63;
		p[9] = s->proto;
		memcpy(p + 12, src, 4);
		memcpy(p + 16, dst, 4);
		put16(p + 10, (uint16_t)~ref_sum(p, 20));
		off = 20;
	} else {
		src = src ? src : v6_src;
		dst = dst ? dst : v6_dst;
		memset(p, 0, 40);
		p[0] = 0x60;
		p[7] = 62;
		memcpy(p + 8, src, 16);
		memcpy(p + 24, dst, 16);
		off = 40;
		uint8_t *nh = p + 6;
		switch (s->ext) {
		case EXT_DST_HBH:
		case EXT_HBH_DST:
			*nh = s->ext == EXT_HBH_DST ? 0 : 60;
			memset(p + off, 0, 16);
			p[off] = s->ext == EXT_HBH_DST ? 60 : 0; /* the second one */
			p[off + 2] = 1;                          /* PadN filling the rest */
			p[off + 3] = 4;
			nh = p + off + 8;
			p[off + 10] = 1;
			p[off + 11] = 4;
			off += 16;
			break;
		case EXT_FRAG0:
		case EXT_FRAG1:
			*nh = 44;
			memset(p + off, 0, 8);
			put16(p + off + 2, s->ext == EXT_FRAG0 ? 0x0001 : (uint16_t)(185 << 3));
			p[off + 7] = 0x2a;
			nh = p + off;
			off += 8;
			break;
		case EXT_AH:
			*nh = 51;
			memset(p + off, 0, 24);
			p[off + 1] = 4; /* (4 + 2) * 4 = 24 octets */
			nh = p + off;
			off += 24;
			break;
		case EXT_ROUTING:
			*nh = 43;
			memset(p + off, 0, 24);
			p[off + 1] = 2;
			p[off + 2] = 4;
			nh = p + off;
			off += 24;
			break;
		case EXT_NONE:
			break;
		}
		*nh = s->proto;
		put16(p + 4, (uint16_t)(off - 40 + s->l4_len));
	}
	memcpy(p + off, s->l4, s->l4_len);
	size_t at = s->proto == IP_PROTO_TCP ? 16 : s->proto == IP_PROTO_UDP ? 6 : 2;
	if (s->l4_len >= at + 2 && s->ext != EXT_FRAG1) {
		uint8_t proto = s->proto;
		put16(p + off + at, 0);
		uint16_t sum = s->version == 4 && proto == IP_PROTO_ICMP
		                   ? ref_sum(p + off, s->l4_len)
		                   : ref_l4_sum(s->version, src, dst, proto, p + off, s->l4_len);
		put16(p + off + at, (uint16_t)~sum);
	}
	return off + s->l4_len;
}

/* A TCP header (ports 40000 -> 443) with flags and options, plus payload. */
static size_t tcp_seg(uint8_t *t, uint8_t flags, const uint8_t *opts, size_t optlen, size_t payload)
{
	size_t hl = 20 + optlen;

	memset(t, 0, hl);
	put16(t, 40000);
	put16(t + 2, 443);
	t[4] = 0x11;
	t[5] = 0x22;
	t[6] = 0x33;
	t[7] = 0x44;
	if (flags & 0x10) {
		t[8] = 0x55;
		t[11] = 0x66;
	}
	t[12] = (uint8_t)((hl / 4) << 4);
	t[13] = flags;
	put16(t + 14, 64240);
	if (optlen > 0)
		memcpy(t + 20, opts, optlen);
	for (size_t i = 0; i < payload; i++)
		t[hl + i] = (uint8_t)(0xa5 ^ i);
	return hl + payload;
}

/* ---- parsing ---- */

struct parse_case {
	const char *name;
	struct pkt_spec spec;
	int mutate; /* see parse_mutate() */
	enum ip_parse_result want;
	bool l4_found;
	uint8_t l4_proto;
	uint32_t l4_off;
	bool fragment;
	bool csum_ok;
};

static const uint8_t udp8[8] = {0x30, 0x39, 0x00, 0x35, 0x00, 0x08, 0x00, 0x00};

enum {
	MUT_NONE,
	MUT_V4_OPTIONS,   /* IHL 6 with a NOP option word */
	MUT_IHL4,         /* IHL 4 */
	MUT_TOTLEN_SHORT, /* total length below IHL */
	MUT_TOTLEN_LONG,  /* total length past the buffer */
	MUT_VERSION5,
	MUT_BAD_CSUM,
	MUT_V6_PLEN_LONG,
	MUT_V6_EXT_PAST_END, /* extension header longer than the payload */
	MUT_PADDING,         /* 6 octets of link padding after the packet */
};

static const struct parse_case parse_cases[] = {
    {"v4 udp",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, true, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     20,
     false,
     true},
    {"v4 options",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_V4_OPTIONS,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     24,
     false,
     true},
    {"v4 padding",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_PADDING,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     20,
     false,
     true},
    {"v4 first fragment",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0x2000, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     20,
     true,
     true},
    {"v4 later fragment",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0x00b9, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     false,
     0,
     0,
     true,
     true},
    {"v4 bad header checksum",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_BAD_CSUM,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     20,
     false,
     false},
    {"v4 ihl 4",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_IHL4,
     IP_PARSE_HDRLEN,
     0,
     0,
     0,
     0,
     0},
    {"v4 total < ihl",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_TOTLEN_SHORT,
     IP_PARSE_TOTLEN,
     0,
     0,
     0,
     0,
     0},
    {"v4 total > buffer",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_TOTLEN_LONG,
     IP_PARSE_TRUNCATED,
     0,
     0,
     0,
     0,
     0},
    {"version 5",
     {4, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_VERSION5,
     IP_PARSE_VERSION,
     0,
     0,
     0,
     0,
     0},
    {"v6 udp",
     {6, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     40,
     false,
     true},
    {"v6 hbh dst udp",
     {6, EXT_HBH_DST, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     56,
     false,
     true},
    {"v6 routing udp",
     {6, EXT_ROUTING, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     64,
     false,
     true},
    {"v6 first fragment",
     {6, EXT_FRAG0, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     48,
     true,
     true},
    {"v6 later fragment",
     {6, EXT_FRAG1, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     false,
     0,
     0,
     true,
     true},
    {"v6 ah ends the walk",
     {6, EXT_AH, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_OK,
     true,
     IP_PROTO_AH,
     40,
     false,
     true},
    {"v6 padding",
     {6, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_PADDING,
     IP_PARSE_OK,
     true,
     IP_PROTO_UDP,
     40,
     false,
     true},
    {"v6 payload > buffer",
     {6, EXT_NONE, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_V6_PLEN_LONG,
     IP_PARSE_TRUNCATED,
     0,
     0,
     0,
     0,
     0},
    {"v6 hbh not first",
     {6, EXT_DST_HBH, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_NONE,
     IP_PARSE_EXTHDR,
     0,
     0,
     0,
     0,
     0},
    {"v6 ext past end",
     {6, EXT_HBH_DST, IP_PROTO_UDP, udp8, 8, false, 0, NULL, NULL},
     MUT_V6_EXT_PAST_END,
     IP_PARSE_EXTHDR,
     0,
     0,
     0,
     0,
     0},
};

static size_t parse_mutate(int m, uint8_t *p, size_t len)
{
	switch (m) {
	case MUT_V4_OPTIONS:
		memmove(p + 24, p + 20, len - 20);
		memset(p + 20, 1, 4); /* four NOPs */
		p[0] = 0x46;
		put16(p + 2, (uint16_t)(len + 4));
		put16(p + 10, 0);
		put16(p + 10, (uint16_t)~ref_sum(p, 24));
		return len + 4;
	case MUT_IHL4:
		p[0] = 0x44;
		return len;
	case MUT_TOTLEN_SHORT:
		put16(p + 2, 19);
		return len;
	case MUT_TOTLEN_LONG:
		put16(p + 2, (uint16_t)(len + 1));
		return len;
	case MUT_VERSION5:
		p[0] = 0x55;
		return len;
	case MUT_BAD_CSUM:
		p[10] ^= 0x10;
		return len;
	case MUT_V6_PLEN_LONG:
		put16(p + 4, (uint16_t)(len - 40 + 1));
		return len;
	case MUT_V6_EXT_PAST_END:
		p[40 + 8 + 1] = 3; /* Destination Options of 32 octets */
		return len;
	case MUT_PADDING:
		memset(p + len, 0xee, 6);
		return len + 6;
	default:
		return len;
	}
}

START_TEST(test_parse_table)
{
	const struct parse_case *pc = &parse_cases[_i];
	uint8_t buf[256];
	struct ip_pkt ip;

	size_t len = parse_mutate(pc->mutate, buf, build(&pc->spec, buf));
	uint8_t *copy = malloc(len);
	ck_assert_ptr_nonnull(copy);
	memcpy(copy, buf, len);
	memset(&ip, 0xcc, sizeof(ip));
	enum ip_parse_result r = ip_parse(copy, len, &ip);
	ck_assert_msg(r == pc->want, "%s: %s, want %s", pc->name, ip_parse_result_name(r),
	              ip_parse_result_name(pc->want));
	if (r == IP_PARSE_OK) {
		ck_assert_int_eq(ip.version, pc->spec.version);
		ck_assert_msg(ip.l4_found == pc->l4_found, "%s: l4_found", pc->name);
		ck_assert_uint_eq(ip.l4_proto, pc->l4_proto);
		ck_assert_uint_eq(ip.l4_off, pc->l4_off);
		ck_assert_int_eq(ip.fragment, pc->fragment);
		ck_assert_int_eq(ip.hdr_csum_ok, pc->csum_ok);
		ck_assert_uint_eq(ip.tot_len, pc->mutate == MUT_PADDING ? len - 6 : len);
		ck_assert_mem_eq(ip.src, pc->spec.version == 4 ? v4_src : v6_src,
		                 pc->spec.version == 4 ? 4 : 16);
		ck_assert_mem_eq(ip.dst, pc->spec.version == 4 ? v4_dst : v6_dst,
		                 pc->spec.version == 4 ? 4 : 16);
		if (pc->spec.version == 4) {
			ck_assert_uint_eq(ip.ttl, 63);
			ck_assert_int_eq(ip.df, pc->spec.df);
			ck_assert_uint_eq(ip.frag_off, pc->spec.frag & 0x1fff);
			ck_assert_uint_eq(ip.proto, IP_PROTO_UDP);
		} else {
			ck_assert_uint_eq(ip.ttl, 62);
			ck_assert(!ip.df);
		}

		/* Every proper prefix is refused without reading past it. */
		for (size_t cut = 0; cut < ip.tot_len; cut++) {
			struct ip_pkt out;
			uint8_t *part = malloc(cut > 0 ? cut : 1);
			ck_assert_ptr_nonnull(part);
			memcpy(part, buf, cut);
			ck_assert_msg(ip_parse(part, cut, &out) != IP_PARSE_OK, "%s: cut %zu",
			              pc->name, cut);
			free(part);
		}
	}
	free(copy);
}
END_TEST

START_TEST(test_parse_names)
{
	for (int r = IP_PARSE_OK; r <= IP_PARSE_EXTHDR; r++)
		ck_assert_str_ne(ip_parse_result_name(r), "unknown");
	ck_assert_str_eq(ip_parse_result_name(99), "unknown");
	for (int r = 0; r < IP_ICMP_RESULT_COUNT; r++)
		ck_assert_str_ne(ip_icmp_result_name(r), "unknown");
	ck_assert_str_eq(ip_icmp_result_name(IP_ICMP_RESULT_COUNT), "unknown");
}
END_TEST

/* ---- header writers ---- */

START_TEST(test_hdr_put)
{
	static const uint8_t want4[] = {
	    0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	    0x4e, 0x43, 0xc0, 0x00, 0x02, 0x01, 0xc6, 0x33, 0x64, 0x02,
	};
	static const uint8_t s4[4] = {192, 0, 2, 1}, d4[4] = {198, 51, 100, 2};
	uint8_t buf[64];
	struct builder b;
	struct ip_hdr_params h = {
	    .version = 4,
	    .src = s4,
	    .dst = d4,
	    .proto = 17,
	    .ttl = 64,
	    .df = true,
	};

	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 0x73 - 20);
	ck_assert(builder_ok(&b));
	ck_assert_mem_eq(buf, want4, sizeof(want4));

	h.version = 6;
	h.src = v6_src;
	h.dst = v6_dst;
	h.tos = 0x2e << 2;
	h.flowlabel = 0x12345;
	h.proto = 47;
	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 1000);
	ck_assert(builder_ok(&b));
	ck_assert_uint_eq(builder_len(&b), 40);
	ck_assert_uint_eq(get32(buf), 0x6b812345);
	ck_assert_uint_eq(get16(buf + 4), 1000);
	ck_assert_uint_eq(buf[6], 47);
	ck_assert_uint_eq(buf[7], 64);

	/* Lengths the fields cannot say, and an unknown version. */
	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 0x10000);
	ck_assert(!builder_ok(&b));
	h.version = 4;
	h.src = s4;
	h.dst = d4;
	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 0xffff - 19);
	ck_assert(!builder_ok(&b));
	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 0xffff - 20);
	ck_assert(builder_ok(&b));
	h.version = 5;
	builder_init_fixed(&b, buf, sizeof(buf));
	ip_hdr_put(&b, &h, 0);
	ck_assert(!builder_ok(&b));
}
END_TEST

/* ---- MSS clamping ---- */

/* Linux SYN: MSS 1460, SACK permitted, timestamps, NOP, window scale 7. */
static const uint8_t opt_linux[] = {0x02, 0x04, 0x05, 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x7e, 0x1d,
                                    0x3c, 0x2b, 0x00, 0x00, 0x00, 0x00, 0x01, 0x03, 0x03, 0x07};
/* Linux SYN-ACK answering it over IPv6: MSS 1440 and a nonzero TSecr. */
static const uint8_t opt_linux_synack6[] = {0x02, 0x04, 0x05, 0xa0, 0x04, 0x02, 0x08,
                                            0x0a, 0x10, 0x20, 0x30, 0x40, 0x7e, 0x1d,
                                            0x3c, 0x2b, 0x01, 0x03, 0x03, 0x07};
/* Linux without timestamps: MSS, NOP, NOP, SACK permitted, NOP, WS. */
static const uint8_t opt_linux_nots[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01,
                                         0x04, 0x02, 0x01, 0x03, 0x03, 0x07};
/* The MSS at an odd offset: NOP, MSS, window scale. */
static const uint8_t opt_odd[] = {0x01, 0x02, 0x04, 0x23, 0x28, 0x03, 0x03, 0x07};
/* Two MSS options (odd, but both must fit). */
static const uint8_t opt_two[] = {0x02, 0x04, 0x05, 0xb4, 0x02, 0x04, 0x05, 0xdc};
static const uint8_t opt_small[] = {0x02, 0x04, 0x04, 0xb0, 0x01, 0x03, 0x03, 0x07};
static const uint8_t opt_equal[] = {0x02, 0x04, 0x05, 0x50};
static const uint8_t opt_none[] = {0x01, 0x03, 0x03, 0x07};
static const uint8_t opt_after_eol[] = {0x00, 0x00, 0x00, 0x00, 0x02, 0x04, 0x05, 0xb4};
static const uint8_t opt_mss_len3[] = {0x02, 0x03, 0x05, 0xb4};
static const uint8_t opt_mss_len6[] = {0x02, 0x06, 0x05, 0xb4, 0x00, 0x00, 0x01, 0x01};
static const uint8_t opt_len0[] = {0x04, 0x00, 0x02, 0x04, 0x05, 0xb4, 0x01, 0x01};
static const uint8_t opt_len1[] = {0x02, 0x04, 0x05, 0xb4, 0x08, 0x01, 0x01, 0x01};
static const uint8_t opt_overrun[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x08, 0x0a};
static const uint8_t opt_kind_last[] = {0x02, 0x04, 0x05, 0xb4, 0x01, 0x01, 0x01, 0x05};

#define SYN    0x02
#define SYNACK 0x12
#define ACK    0x10

struct mss_case {
	const char *name;
	int version;
	enum ext ext;
	uint8_t flags;
	const uint8_t *opts;
	size_t optlen;
	size_t payload;
	uint16_t clamp;
	bool csum_partial;
	int mutate; /* 1: data offset 4; 2: data offset past the packet; 3: UDP */
	enum ip_mss_result want;
};

static const struct mss_case mss_cases[] = {
    {"v4 linux syn", 4, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1360, false, 0,
     IP_MSS_CLAMPED},
    {"v4 linux syn-ack", 4, EXT_NONE, SYNACK, opt_linux, sizeof(opt_linux), 0, 1360, false, 0,
     IP_MSS_CLAMPED},
    {"v4 no timestamps", 4, EXT_NONE, SYN, opt_linux_nots, sizeof(opt_linux_nots), 0, 1436, false,
     0, IP_MSS_CLAMPED},
    {"v4 odd offset", 4, EXT_NONE, SYN, opt_odd, sizeof(opt_odd), 0, 1400, false, 0,
     IP_MSS_CLAMPED},
    {"v4 odd offset, odd payload", 4, EXT_NONE, SYN, opt_odd, sizeof(opt_odd), 5, 1400, false, 0,
     IP_MSS_CLAMPED},
    {"v4 two mss", 4, EXT_NONE, SYN, opt_two, sizeof(opt_two), 0, 1360, false, 0, IP_MSS_CLAMPED},
    {"v4 already smaller", 4, EXT_NONE, SYN, opt_small, sizeof(opt_small), 0, 1360, false, 0,
     IP_MSS_UNCHANGED},
    {"v4 equal", 4, EXT_NONE, SYN, opt_equal, sizeof(opt_equal), 0, 1360, false, 0,
     IP_MSS_UNCHANGED},
    {"v4 no mss option", 4, EXT_NONE, SYN, opt_none, sizeof(opt_none), 0, 1360, false, 0,
     IP_MSS_UNCHANGED},
    {"v4 no options", 4, EXT_NONE, SYN, NULL, 0, 0, 1360, false, 0, IP_MSS_UNCHANGED},
    {"v4 mss after eol", 4, EXT_NONE, SYN, opt_after_eol, sizeof(opt_after_eol), 0, 1360, false, 0,
     IP_MSS_UNCHANGED},
    {"v4 ack", 4, EXT_NONE, ACK, opt_linux, sizeof(opt_linux), 10, 1360, false, 0, IP_MSS_NOT_SYN},
    {"v4 udp", 4, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1360, false, 3, IP_MSS_NOT_SYN},
    {"v4 mss length 3", 4, EXT_NONE, SYN, opt_mss_len3, sizeof(opt_mss_len3), 0, 1360, false, 0,
     IP_MSS_MALFORMED},
    {"v4 mss length 6", 4, EXT_NONE, SYN, opt_mss_len6, sizeof(opt_mss_len6), 0, 1360, false, 0,
     IP_MSS_MALFORMED},
    {"v4 option length 0", 4, EXT_NONE, SYN, opt_len0, sizeof(opt_len0), 0, 1360, false, 0,
     IP_MSS_MALFORMED},
    {"v4 option length 1", 4, EXT_NONE, SYN, opt_len1, sizeof(opt_len1), 0, 1360, false, 0,
     IP_MSS_MALFORMED},
    {"v4 option past header", 4, EXT_NONE, SYN, opt_overrun, sizeof(opt_overrun), 8, 1360, false, 0,
     IP_MSS_MALFORMED},
    {"v4 kind without length", 4, EXT_NONE, SYN, opt_kind_last, sizeof(opt_kind_last), 0, 1360,
     false, 0, IP_MSS_MALFORMED},
    {"v4 data offset 4", 4, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1360, false, 1,
     IP_MSS_MALFORMED},
    {"v4 data offset past end", 4, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1360, false, 2,
     IP_MSS_MALFORMED},
    {"v4 partial checksum", 4, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1360, true, 0,
     IP_MSS_CLAMPED},
    {"v6 linux syn", 6, EXT_NONE, SYN, opt_linux, sizeof(opt_linux), 0, 1340, false, 0,
     IP_MSS_CLAMPED},
    {"v6 linux syn-ack", 6, EXT_NONE, SYNACK, opt_linux_synack6, sizeof(opt_linux_synack6), 0, 1340,
     false, 0, IP_MSS_CLAMPED},
    {"v6 odd offset", 6, EXT_NONE, SYNACK, opt_odd, sizeof(opt_odd), 3, 1220, false, 0,
     IP_MSS_CLAMPED},
    {"v6 behind hbh and dst", 6, EXT_HBH_DST, SYN, opt_linux, sizeof(opt_linux), 0, 1340, false, 0,
     IP_MSS_CLAMPED},
    {"v6 behind routing", 6, EXT_ROUTING, SYN, opt_linux_nots, sizeof(opt_linux_nots), 0, 1340,
     false, 0, IP_MSS_CLAMPED},
    {"v6 first fragment", 6, EXT_FRAG0, SYN, opt_linux, sizeof(opt_linux), 0, 1340, false, 0,
     IP_MSS_CLAMPED},
    {"v6 already smaller", 6, EXT_NONE, SYN, opt_small, sizeof(opt_small), 0, 1340, false, 0,
     IP_MSS_UNCHANGED},
    {"v6 ack", 6, EXT_NONE, ACK, opt_linux, sizeof(opt_linux), 0, 1340, false, 0, IP_MSS_NOT_SYN},
    {"v6 ah protects it", 6, EXT_AH, SYN, opt_linux, sizeof(opt_linux), 0, 1340, false, 0,
     IP_MSS_NOT_SYN},
    {"v6 later fragment", 6, EXT_FRAG1, SYN, opt_linux, sizeof(opt_linux), 0, 1340, false, 0,
     IP_MSS_NOT_SYN},
};

START_TEST(test_mss_clamp)
{
	const struct mss_case *mc = &mss_cases[_i];
	uint8_t seg[128], pkt[256], before[256];
	struct ip_pkt ip;

	size_t seg_len = tcp_seg(seg, mc->flags, mc->opts, mc->optlen, mc->payload);
	if (mc->mutate == 1)
		seg[12] = 0x40;
	struct pkt_spec spec = {
	    .version = mc->version,
	    .ext = mc->ext,
	    .proto = mc->mutate == 3 ? IP_PROTO_UDP : IP_PROTO_TCP,
	    .l4 = seg,
	    .l4_len = seg_len,
	    .df = true,
	};
	size_t len = build(&spec, pkt);
	if (mc->mutate == 2) {
		/* Claim 60 octets of header in a shorter segment (data offset
		 * counted after the checksum, which no longer matters). */
		size_t l4 = len - seg_len;
		pkt[l4 + 12] = 0xf0;
	}
	memcpy(before, pkt, len);
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);

	enum ip_mss_result r = ip_mss_clamp(pkt, &ip, mc->clamp, mc->csum_partial);
	ck_assert_msg(r == mc->want, "%s: result %d, want %d", mc->name, r, mc->want);
	if (r != IP_MSS_CLAMPED) {
		ck_assert_mem_eq(pkt, before, len);
		return;
	}

	/* Every MSS option now says clamp; nothing else moved but the
	 * option values and the checksum. */
	size_t l4 = ip.l4_off;
	size_t hl = 20 + mc->optlen;
	int found = 0;
	for (size_t i = 20; i < hl;) {
		uint8_t kind = pkt[l4 + i];
		if (kind == 0)
			break;
		if (kind == 1) {
			i++;
			continue;
		}
		if (kind == 2) {
			uint16_t was = get16(before + l4 + i + 2);
			uint16_t now = get16(pkt + l4 + i + 2);
			ck_assert_uint_eq(now, was > mc->clamp ? mc->clamp : was);
			before[l4 + i + 2] = pkt[l4 + i + 2];
			before[l4 + i + 3] = pkt[l4 + i + 3];
			found++;
		}
		i += pkt[l4 + i + 1];
	}
	ck_assert_int_gt(found, 0);
	if (mc->csum_partial) {
		ck_assert_mem_eq(pkt, before, len);
		return;
	}
	ck_assert_uint_ne(get16(pkt + l4 + 16), get16(before + l4 + 16));
	before[l4 + 16] = pkt[l4 + 16];
	before[l4 + 17] = pkt[l4 + 17];
	ck_assert_mem_eq(pkt, before, len);

	/* The TCP checksum, recomputed from scratch, verifies. */
	uint16_t sum = ref_l4_sum(mc->version, ip.src, ip.dst, IP_PROTO_TCP, pkt + l4, len - l4);
	ck_assert_msg(sum == 0xffff, "%s: checksum sums to %04x", mc->name, sum);
}
END_TEST

START_TEST(test_mss_for_mtu)
{
	ck_assert_uint_eq(ip_mss_for_mtu(4, 1500), 1460);
	ck_assert_uint_eq(ip_mss_for_mtu(6, 1500), 1440);
	ck_assert_uint_eq(ip_mss_for_mtu(4, 1476), 1436); /* GRE over 1500 */
	ck_assert_uint_eq(ip_mss_for_mtu(4, 8476), 8436); /* GRE over 8500 */
	ck_assert_uint_eq(ip_mss_for_mtu(6, 1280), 1220);
	ck_assert_uint_eq(ip_mss_for_mtu(4, 40), 0);
	ck_assert_uint_eq(ip_mss_for_mtu(6, 60), 0);
	ck_assert_uint_eq(ip_mss_for_mtu(4, 100000), 0xffff);
	ck_assert_uint_eq(ip_mss_for_mtu(5, 1500), 0);
}
END_TEST

/* ---- "too big" ICMP errors ---- */

static const uint8_t me4[4] = {192, 0, 2, 1};
static const uint8_t me6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x01};

/* A TCP packet of total length len with DF. */
static size_t big_packet(int version, size_t len, uint8_t *p, enum ext ext)
{
	static uint8_t seg[1600];
	size_t hdr = version == 4 ? 20 : 40;

	if (ext == EXT_FRAG0 || ext == EXT_FRAG1)
		hdr += 8;
	size_t sl = tcp_seg(seg, ACK, NULL, 0, len - hdr - 20);
	struct pkt_spec spec = {.version = version,
	                        .ext = ext,
	                        .proto = IP_PROTO_TCP,
	                        .l4 = seg,
	                        .l4_len = sl,
	                        .df = true};
	return build(&spec, p);
}

START_TEST(test_frag_needed)
{
	static uint8_t pkt[1600], out[1600];
	struct ip_pkt ip, e;
	struct builder b;
	struct ip_icmp_origin from = {.src = me4, .ttl = 0, .id = 0xbeef};

	size_t len = big_packet(4, 1500, pkt, EXT_NONE);
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);
	builder_init_fixed(&b, out, sizeof(out));
	ck_assert_int_eq(ip_icmp_too_big(&b, pkt, &ip, 1400, &from), IP_ICMP_BUILT);
	ck_assert_uint_eq(builder_len(&b), 576); /* RFC 1812 4.3.2.3 */

	ck_assert_int_eq(ip_parse(out, builder_len(&b), &e), IP_PARSE_OK);
	ck_assert_uint_eq(out[0], 0x45);
	ck_assert_uint_eq(out[1], 0xc0); /* precedence 6 */
	ck_assert_uint_eq(get16(out + 2), 576);
	ck_assert_uint_eq(get16(out + 4), 0xbeef);
	ck_assert_uint_eq(out[8], 64);
	ck_assert_uint_eq(out[9], IP_PROTO_ICMP);
	ck_assert_uint_eq(ref_sum(out, 20), 0xffff);
	ck_assert_mem_eq(out + 12, me4, 4);
	ck_assert_mem_eq(out + 16, v4_src, 4);
	/* ICMP: type 3 code 4, unused zero, next-hop MTU (RFC 1191 4). */
	ck_assert_uint_eq(out[20], 3);
	ck_assert_uint_eq(out[21], 4);
	ck_assert_uint_eq(get16(out + 24), 0);
	ck_assert_uint_eq(get16(out + 26), 1400);
	ck_assert_uint_eq(ref_sum(out + 20, 556), 0xffff);
	/* The quote: the original from its first octet, 548 of them. */
	ck_assert_mem_eq(out + 28, pkt, 548);

	/* A packet smaller than the quote limit is quoted whole. */
	len = big_packet(4, 200, pkt, EXT_NONE);
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);
	from.ttl = 255;
	builder_init_fixed(&b, out, sizeof(out));
	ck_assert_int_eq(ip_icmp_too_big(&b, pkt, &ip, 68, &from), IP_ICMP_BUILT);
	ck_assert_uint_eq(builder_len(&b), 20 + 8 + 200);
	ck_assert_uint_eq(out[8], 255);
	ck_assert_uint_eq(get16(out + 26), 68);
	ck_assert_uint_eq(ref_sum(out + 20, 208), 0xffff);
	ck_assert_mem_eq(out + 28, pkt, 200);

	/* No room: the builder says so, and the result too. */
	builder_init_fixed(&b, out, 100);
	ck_assert_int_eq(ip_icmp_too_big(&b, pkt, &ip, 68, &from), IP_ICMP_NO_ROOM);
	ck_assert(!builder_ok(&b));
}
END_TEST

START_TEST(test_packet_too_big)
{
	static uint8_t pkt[1600], out[1600];
	struct ip_pkt ip;
	struct builder b;
	struct ip_icmp_origin from = {.src = me6, .ttl = 0};

	size_t len = big_packet(6, 1500, pkt, EXT_NONE);
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);
	builder_init_fixed(&b, out, sizeof(out));
	ck_assert_int_eq(ip_icmp_too_big(&b, pkt, &ip, 1400, &from), IP_ICMP_BUILT);
	ck_assert_uint_eq(builder_len(&b), 1280); /* RFC 4443 3.2 */
	ck_assert_uint_eq(get32(out), 0x60000000);
	ck_assert_uint_eq(get16(out + 4), 1240);
	ck_assert_uint_eq(out[6], IP_PROTO_ICMPV6);
	ck_assert_uint_eq(out[7], 64);
	ck_assert_mem_eq(out + 8, me6, 16);
	ck_assert_mem_eq(out + 24, v6_src, 16);
	ck_assert_uint_eq(out[40], 2);
	ck_assert_uint_eq(out[41], 0);
	ck_assert_uint_eq(get32(out + 44), 1400);
	/* RFC 4443 2.3: checksum over the pseudo-header and the message. */
	ck_assert_uint_eq(ref_l4_sum(6, me6, v6_src, 58, out + 40, 1240), 0xffff);
	ck_assert_mem_eq(out + 48, pkt, 1232);

	/* A non-first fragment is answered (only IPv4 spares those). */
	len = big_packet(6, 1400, pkt, EXT_FRAG1);
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);
	ck_assert(!ip.l4_found);
	builder_init_fixed(&b, out, sizeof(out));
	ck_assert_int_eq(ip_icmp_too_big(&b, pkt, &ip, 1280, &from), IP_ICMP_BUILT);
	ck_assert_uint_eq(get32(out + 44), 1280);
	ck_assert_uint_eq(ref_l4_sum(6, me6, v6_src, 58, out + 40, 1240), 0xffff);
}
END_TEST

/* What to do to the packet before asking. */
enum icmp_mut {
	IM_NONE,
	IM_NO_DF,
	IM_BAD_HDR_CSUM,
	IM_LATER_FRAGMENT, /* IPv4 offset 185 */
	IM_SRC,            /* replace the source with .addr */
	IM_DST,            /* replace the destination with .addr */
	IM_ICMP,           /* make it ICMP(v6) of type .type */
};

struct icmp_case {
	const char *name;
	int version;
	enum icmp_mut mut;
	uint8_t addr[16];
	uint8_t type;
	uint32_t len, mtu;
	enum ip_icmp_result want;
};

static const struct icmp_case icmp_cases[] = {
    {"v4 fits", 4, IM_NONE, {0}, 0, 1400, 1400, IP_ICMP_FITS},
    {"v4 one too many", 4, IM_NONE, {0}, 0, 1401, 1400, IP_ICMP_BUILT},
    {"v4 without DF", 4, IM_NO_DF, {0}, 0, 1500, 1400, IP_ICMP_FRAGMENT},
    {"v4 mtu 67", 4, IM_NONE, {0}, 0, 1500, 67, IP_ICMP_BAD_MTU},
    {"v4 mtu 68", 4, IM_NONE, {0}, 0, 1500, 68, IP_ICMP_BUILT},
    {"v4 bad header", 4, IM_BAD_HDR_CSUM, {0}, 0, 1500, 1400, IP_ICMP_NOT_FOR_BAD_HDR},
    {"v4 later fragment", 4, IM_LATER_FRAGMENT, {0}, 0, 1500, 1400, IP_ICMP_NOT_FOR_FRAGMENT},
    {"v4 src this network", 4, IM_SRC, {0, 1, 2, 3}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src 0.0.0.0", 4, IM_SRC, {0, 0, 0, 0}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src loopback", 4, IM_SRC, {127, 0, 0, 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src multicast", 4, IM_SRC, {233, 252, 0, 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src class E", 4, IM_SRC, {240, 0, 0, 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src broadcast", 4, IM_SRC, {255, 255, 255, 255}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v4 src link-local", 4, IM_SRC, {169, 254, 6, 1}, 0, 1500, 1400, IP_ICMP_BUILT},
    {"v4 dst multicast", 4, IM_DST, {233, 252, 0, 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_DEST},
    {"v4 dst all-hosts", 4, IM_DST, {224, 0, 0, 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_DEST},
    {"v4 dst broadcast", 4, IM_DST, {255, 255, 255, 255}, 0, 1500, 1400, IP_ICMP_NOT_FOR_DEST},
    {"v4 icmp unreachable", 4, IM_ICMP, {0}, 3, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp source quench", 4, IM_ICMP, {0}, 4, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp redirect", 4, IM_ICMP, {0}, 5, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp time exceeded", 4, IM_ICMP, {0}, 11, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp parameter problem", 4, IM_ICMP, {0}, 12, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp unknown type", 4, IM_ICMP, {0}, 42, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v4 icmp echo", 4, IM_ICMP, {0}, 8, 1500, 1400, IP_ICMP_BUILT},
    {"v4 icmp echo reply", 4, IM_ICMP, {0}, 0, 1500, 1400, IP_ICMP_BUILT},
    {"v6 fits", 6, IM_NONE, {0}, 0, 1400, 1400, IP_ICMP_FITS},
    {"v6 mtu 1279", 6, IM_NONE, {0}, 0, 1500, 1279, IP_ICMP_BAD_MTU},
    {"v6 mtu 1280", 6, IM_NONE, {0}, 0, 1500, 1280, IP_ICMP_BUILT},
    {"v6 src unspecified", 6, IM_SRC, {0}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v6 src loopback", 6, IM_SRC, {[15] = 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    {"v6 src multicast", 6, IM_SRC, {0xff, 0x02, [15] = 1}, 0, 1500, 1400, IP_ICMP_NOT_FOR_SOURCE},
    /* RFC 4443 2.4(e.3): Packet Too Big is the exception for multicast. */
    {"v6 dst multicast",
     6,
     IM_DST,
     {0xff, 0x3e, 0, 0x30, 0x20, 0x01, 0x0d, 0xb8, [15] = 1},
     0,
     1500,
     1400,
     IP_ICMP_BUILT},
    {"v6 icmp unreachable", 6, IM_ICMP, {0}, 1, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v6 icmp too big", 6, IM_ICMP, {0}, 2, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v6 icmp type 127", 6, IM_ICMP, {0}, 127, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
    {"v6 icmp echo", 6, IM_ICMP, {0}, 128, 1500, 1400, IP_ICMP_BUILT},
    {"v6 icmp redirect", 6, IM_ICMP, {0}, 137, 1500, 1400, IP_ICMP_NOT_FOR_ERROR},
};

START_TEST(test_icmp_rules)
{
	const struct icmp_case ic = icmp_cases[_i];
	static uint8_t pkt[1600], out[1600];
	static uint8_t l4[1600];
	struct ip_pkt ip;
	struct builder b;
	size_t hdr = ic.version == 4 ? 20 : 40;
	size_t alen = ic.version == 4 ? 4 : 16;
	struct pkt_spec spec = {.version = ic.version, .proto = IP_PROTO_TCP, .df = true};

	memset(l4, 0, sizeof(l4));
	spec.l4_len = tcp_seg(l4, ACK, NULL, 0, ic.len - hdr - 20);
	spec.l4 = l4;
	if (ic.mut == IM_ICMP) {
		memset(l4, 0, 8);
		l4[0] = ic.type;
		spec.proto = ic.version == 4 ? IP_PROTO_ICMP : IP_PROTO_ICMPV6;
	}
	if (ic.mut == IM_NO_DF)
		spec.df = false;
	if (ic.mut == IM_LATER_FRAGMENT)
		spec.frag = 0x4000 | 185;
	if (ic.mut == IM_SRC)
		spec.src = ic.addr;
	if (ic.mut == IM_DST)
		spec.dst = ic.addr;
	size_t len = build(&spec, pkt);
	ck_assert_uint_eq(len, ic.len);
	if (ic.mut == IM_BAD_HDR_CSUM)
		pkt[11] ^= 0x01;
	ck_assert_int_eq(ip_parse(pkt, len, &ip), IP_PARSE_OK);

	builder_init_fixed(&b, out, sizeof(out));
	struct ip_icmp_origin from = {.src = ic.version == 4 ? me4 : me6};
	enum ip_icmp_result r = ip_icmp_too_big(&b, pkt, &ip, ic.mtu, &from);
	ck_assert_msg(r == ic.want, "%s: %s, want %s", ic.name, ip_icmp_result_name(r),
	              ip_icmp_result_name(ic.want));
	if (r != IP_ICMP_BUILT) {
		ck_assert_uint_eq(builder_len(&b), 0);
		return;
	}
	/* Whatever was built goes back to the sender, checksummed. */
	size_t n = builder_len(&b);
	ck_assert_mem_eq(out + hdr - alen, ip.src, alen);
	if (ic.version == 4) {
		ck_assert_uint_eq(ref_sum(out, 20), 0xffff);
		ck_assert_uint_eq(ref_sum(out + 20, n - 20), 0xffff);
	} else {
		ck_assert_uint_eq(ref_l4_sum(6, me6, ip.src, 58, out + 40, n - 40), 0xffff);
	}
}
END_TEST

/* ---- token bucket ---- */

#define MS  1000000ull
#define SEC 1000000000ull

START_TEST(test_tbucket)
{
	struct ip_tbucket tb;
	uint64_t t = 5 * SEC;

	ip_tbucket_init(&tb, 10, 3, t);
	/* Full at the start: the burst, then nothing. */
	ck_assert(ip_tbucket_take(&tb, t));
	ck_assert(ip_tbucket_take(&tb, t));
	ck_assert(ip_tbucket_take(&tb, t));
	ck_assert(!ip_tbucket_take(&tb, t));
	/* 10 a second: one every 100 ms, none at 99 ms. */
	ck_assert(!ip_tbucket_take(&tb, t + 99 * MS));
	ck_assert(ip_tbucket_take(&tb, t + 100 * MS));
	ck_assert(!ip_tbucket_take(&tb, t + 100 * MS));
	ck_assert(!ip_tbucket_take(&tb, t + 150 * MS));
	ck_assert(ip_tbucket_take(&tb, t + 200 * MS));
	/* Small steps add up exactly: ten of 10 ms make one token. */
	for (int k = 1; k < 10; k++)
		ck_assert(!ip_tbucket_take(&tb, t + 200 * MS + (uint64_t)k * 10 * MS));
	ck_assert(ip_tbucket_take(&tb, t + 300 * MS));
	/* A long quiet spell banks no more than the burst. */
	t += 3600 * SEC;
	int got = 0;
	while (ip_tbucket_take(&tb, t))
		got++;
	ck_assert_int_eq(got, 3);
	/* A clock stepping back refills nothing and breaks nothing. */
	ck_assert(!ip_tbucket_take(&tb, t - SEC));
	ck_assert(!ip_tbucket_take(&tb, t - SEC + 99 * MS));
	ck_assert(ip_tbucket_take(&tb, t - SEC + 100 * MS));
	/* The far end of the clock. */
	ck_assert(ip_tbucket_take(&tb, UINT64_MAX));

	/* Rate 0: the burst and never again; burst 0: never. */
	ip_tbucket_init(&tb, 0, 2, 0);
	ck_assert(ip_tbucket_take(&tb, 0));
	ck_assert(ip_tbucket_take(&tb, SEC));
	ck_assert(!ip_tbucket_take(&tb, 1000 * SEC));
	ip_tbucket_init(&tb, 1000, 0, 0);
	ck_assert(!ip_tbucket_take(&tb, 1000 * SEC));

	/* Largest settings: no overflow. */
	ip_tbucket_init(&tb, UINT32_MAX, UINT32_MAX, 0);
	ck_assert(ip_tbucket_take(&tb, UINT64_MAX / 2));
	ck_assert_uint_le(tb.level, tb.cap);
	/* An interval whose product with the rate wraps to 1 nanotoken
	 * modulo 2^64: only capping the interval first refills the bucket. */
	ip_tbucket_init(&tb, UINT32_MAX, 1, 0);
	ck_assert(ip_tbucket_take(&tb, 0));
	ck_assert(!ip_tbucket_take(&tb, 0));
	ck_assert(ip_tbucket_take(&tb, 0xfffffffeffffffffull));
}
END_TEST

static Suite *ip_util_suite(void)
{
	Suite *s = suite_create("ip_util");
	TCase *tc;

	tc = tcase_create("csum");
	tcase_add_loop_test(tc, test_csum_vectors, 0, (int)ARRAY_LEN(csum_cases));
	tcase_add_test(tc, test_rfc1624_example);
	tcase_add_test(tc, test_csum_vs_reference);
	tcase_add_test(tc, test_update_vs_recompute);
	tcase_add_test(tc, test_pseudo_sum);
	suite_add_tcase(s, tc);

	tc = tcase_create("parse");
	tcase_add_loop_test(tc, test_parse_table, 0, (int)ARRAY_LEN(parse_cases));
	tcase_add_test(tc, test_parse_names);
	tcase_add_test(tc, test_hdr_put);
	suite_add_tcase(s, tc);

	tc = tcase_create("mss");
	tcase_add_loop_test(tc, test_mss_clamp, 0, (int)ARRAY_LEN(mss_cases));
	tcase_add_test(tc, test_mss_for_mtu);
	suite_add_tcase(s, tc);

	tc = tcase_create("icmp");
	tcase_add_test(tc, test_frag_needed);
	tcase_add_test(tc, test_packet_too_big);
	tcase_add_loop_test(tc, test_icmp_rules, 0, (int)ARRAY_LEN(icmp_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("tbucket");
	tcase_add_test(tc, test_tbucket);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ip_util_suite());
}
