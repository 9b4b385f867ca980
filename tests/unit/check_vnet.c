/*
 * check_vnet.c - virtio-net header handling and TSO/USO segmentation
 * (vpn/tunneld/vnet.c). Every checksum is verified by recomputing it
 * from scratch over the segment, never by comparing with vnet.c's own
 * arithmetic.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gro.h"
#include "ip_util.h"
#include "unit.h"
#include "vnet.h"

#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_CWR 0x80

static const uint8_t SRC4[4] = {169, 254, 10, 1}, DST4[4] = {169, 254, 10, 2};
static const uint8_t SRC6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t DST6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};

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

/* A super-packet as the stack hands it over: IP header(s), a TCP header
 * with 12 octets of options (timestamps), or a UDP header, then payload
 * bytes 0, 1, 2, ...; the L4 checksum holds the pseudo-header sum of the
 * whole (what NEEDS_CSUM means). Returns the length. */
static size_t build(uint8_t *buf, int version, uint8_t proto, size_t payload, uint8_t flags)
{
	size_t ip_len = version == 4 ? 20 : 40, l4 = proto == 6 ? 32 : 8, len = ip_len + l4 + payload;
	uint8_t *t = buf + ip_len;

	memset(buf, 0, ip_len + l4);
	if (version == 4) {
		buf[0] = 0x45;
		put16(buf + 2, (uint16_t)len);
		put16(buf + 4, 0x1234);
		put16(buf + 6, 0x4000);
		buf[8] = 64;
		buf[9] = proto;
		memcpy(buf + 12, SRC4, 4);
		memcpy(buf + 16, DST4, 4);
		put16(buf + 10, ip_csum(buf, 20));
	} else {
		buf[0] = 0x60;
		put16(buf + 4, (uint16_t)(len - 40));
		buf[6] = proto;
		buf[7] = 64;
		memcpy(buf + 8, SRC6, 16);
		memcpy(buf + 24, DST6, 16);
	}
	put16(t, 40000);
	put16(t + 2, 5201);
	if (proto == 6) {
		put32(t + 4, 0xfffff000u); /* wraps within the packet */
		put32(t + 8, 77);
		t[12] = (uint8_t)(8 << 4);
		t[13] = flags;
		put16(t + 14, 512);
		t[20] = 1;
		t[21] = 1;
		t[22] = 8;
		t[23] = 10;
	} else {
		put16(t + 4, (uint16_t)(l4 + payload));
	}
	for (size_t i = 0; i < payload; i++)
		t[l4 + i] = (uint8_t)i;
	const uint8_t *src = version == 4 ? SRC4 : SRC6, *dst = version == 4 ? DST4 : DST6;
	uint16_t partial = (uint16_t)~ip_csum_finish(ip_pseudo_sum(version, src, dst, proto, (uint32_t)(l4 + payload)));
	put16(t + (proto == 6 ? 16 : 6), partial);
	return len;
}

static struct virtio_net_hdr gso_hdr(int version, uint8_t proto, uint16_t gso_size)
{
	struct virtio_net_hdr h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM};

	h.gso_type = proto == 17 ? VIRTIO_NET_HDR_GSO_UDP_L4
	                         : version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
	h.gso_size = gso_size;
	h.csum_start = version == 4 ? 20 : 40;
	h.csum_offset = proto == 6 ? 16 : 6;
	h.hdr_len = (uint16_t)(h.csum_start + (proto == 6 ? 32 : 8));
	return h;
}

/* The L4 checksum of a complete segment verifies: the sum over the
 * pseudo-header and the segment, checksum field included, is all ones. */
static void assert_l4_ok(const uint8_t *seg, size_t len, int version, uint8_t proto)
{
	size_t ip_len = version == 4 ? 20 : 40;
	const uint8_t *src = version == 4 ? seg + 12 : seg + 8, *dst = version == 4 ? seg + 16 : seg + 24;
	uint32_t sum = ip_pseudo_sum(version, src, dst, proto, (uint32_t)(len - ip_len));

	sum = ip_csum_add(sum, seg + ip_len, len - ip_len);
	ck_assert_uint_eq(ip_csum_finish(sum), 0);
	if (proto == 17)
		ck_assert_uint_ne(get16(seg + ip_len + 6), 0);
}

struct seg_case {
	int version;
	uint8_t proto;
	size_t payload;
	uint16_t gso;
	uint8_t flags;
};

static void run_segmentation(const struct seg_case *c)
{
	static uint8_t pkt[70000], out[VNET_MAX_SEGS * 2048];
	size_t seg_len[VNET_MAX_SEGS];
	size_t len = build(pkt, c->version, c->proto, c->payload, c->flags);
	struct virtio_net_hdr h = gso_hdr(c->version, c->proto, c->gso);
	struct vnet_gso g;
	size_t ip_len = c->version == 4 ? 20 : 40, l4 = c->proto == 6 ? 32 : 8;
	size_t stride = 2048;

	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_OK);
	uint32_t want = (uint32_t)((c->payload + c->gso - 1) / c->gso);
	ck_assert_uint_eq(g.nsegs, want);
	ck_assert_uint_eq(g.hdr_len, ip_len + l4);
	ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, stride, seg_len, VNET_MAX_SEGS), VNET_OK);

	size_t seen = 0;
	for (uint32_t i = 0; i < g.nsegs; i++) {
		const uint8_t *s = out + (size_t)i * stride, *t = s + ip_len;
		bool last = i + 1 == g.nsegs;
		size_t pay = last ? c->payload - (size_t)c->gso * i : c->gso;

		ck_assert_uint_eq(seg_len[i], ip_len + l4 + pay);
		ck_assert_uint_eq(vnet_gso_seg_len(&g, i), seg_len[i]);
		struct ip_pkt ip;
		ck_assert_int_eq(ip_parse(s, seg_len[i], &ip), IP_PARSE_OK);
		ck_assert_uint_eq(ip.tot_len, seg_len[i]);
		if (c->version == 4) {
			ck_assert(ip.hdr_csum_ok);
			ck_assert_uint_eq(get16(s + 4), (uint16_t)(0x1234 + i));
			ck_assert(ip.df);
		}
		if (c->proto == 6) {
			uint8_t f = t[13];
			ck_assert_uint_eq(get32(t + 4), 0xfffff000u + (uint32_t)(i * c->gso));
			ck_assert_uint_eq(get32(t + 8), 77);
			/* FIN and PSH on the last segment only, CWR on the first. */
			ck_assert_uint_eq(f & (TCP_FIN | TCP_PSH), last ? c->flags & (TCP_FIN | TCP_PSH) : 0);
			ck_assert_uint_eq(f & TCP_CWR, i == 0 ? c->flags & TCP_CWR : 0);
			ck_assert_uint_eq(f & TCP_ACK, c->flags & TCP_ACK);
			static const uint8_t opts[4] = {1, 1, 8, 10};
			ck_assert_mem_eq(t + 20, opts, 4);
		} else {
			ck_assert_uint_eq(get16(t + 4), l4 + pay);
		}
		assert_l4_ok(s, seg_len[i], c->version, c->proto);
		for (size_t k = 0; k < pay; k++)
			ck_assert_uint_eq(t[l4 + k], (uint8_t)(seen + k));
		seen += pay;
	}
	ck_assert_uint_eq(seen, c->payload);
}

static const struct seg_case seg_cases[] = {
    /* A short last segment, with PSH, FIN and CWR to place. */
    {4, 6, 3 * 1400 + 517, 1400, TCP_ACK | TCP_PSH | TCP_FIN | TCP_CWR},
    /* An exact multiple: the last segment is full. */
    {4, 6, 4 * 1388, 1388, TCP_ACK | TCP_PSH},
    /* A 64 KB super-packet. */
    {4, 6, 65535 - 52, 1448, TCP_ACK},
    /* One segment's worth. */
    {4, 6, 900, 1400, TCP_ACK | TCP_PSH},
    {6, 6, 5 * 1220 + 1, 1220, TCP_ACK | TCP_PSH | TCP_CWR},
    {6, 6, 2 * 1428, 1428, TCP_ACK | TCP_FIN},
    /* USO. */
    {4, 17, 3 * 1200 + 7, 1200, 0},
    {6, 17, 2 * 1000, 1000, 0},
};

START_TEST(test_segmentation)
{
	run_segmentation(&seg_cases[_i]);
}
END_TEST

/*
 * Segment checksums over payloads that carry out of every addition (all
 * ones, 0xfe, and a pseudo-random mix), for segment sizes on both sides of
 * the 32-byte blocks the sum is taken in, odd ones included: each segment
 * must verify against the portable sum of ip_csum_add.
 */
START_TEST(test_segment_csum_carries)
{
	static uint8_t pkt[70000], out[VNET_MAX_SEGS * 2048];
	static const uint16_t gsos[] = {1, 7, 31, 32, 33, 63, 64, 65, 1399, 1400, 1448};
	size_t seg_len[VNET_MAX_SEGS];
	uint32_t lcg = 12345;

	for (int fill = 0; fill < 3; fill++) {
		for (size_t k = 0; k < sizeof(gsos) / sizeof(gsos[0]); k++) {
			int version = k % 2 == 0 ? 4 : 6;
			uint8_t proto = k % 3 == 0 ? 17 : 6;
			size_t ip_len = version == 4 ? 20 : 40, l4 = proto == 6 ? 32 : 8;
			size_t payload = gsos[k] * 5u + 3u;
			size_t len = build(pkt, version, proto, payload, TCP_ACK);
			struct virtio_net_hdr h = gso_hdr(version, proto, gsos[k]);
			struct vnet_gso g;

			for (size_t i = ip_len + l4; i < len; i++) {
				lcg = lcg * 1103515245u + 12345u;
				pkt[i] = fill == 0 ? 0xff : fill == 1 ? 0xfe : (uint8_t)(lcg >> 16);
			}
			ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_OK);
			ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, 2048, seg_len, VNET_MAX_SEGS), VNET_OK);
			for (uint32_t i = 0; i < g.nsegs; i++)
				assert_l4_ok(out + (size_t)i * 2048, seg_len[i], version, proto);
		}
	}
}
END_TEST

START_TEST(test_csum_complete)
{
	static uint8_t pkt[4000];
	for (int version = 4; version <= 6; version += 2) {
		for (uint8_t proto = 6; proto <= 17; proto += 11) {
			/* Odd and even lengths: the odd byte is padded (RFC 1071). */
			for (size_t payload = 0; payload < 40; payload += 13) {
				size_t len = build(pkt, version, proto, payload, TCP_ACK);
				struct virtio_net_hdr h = gso_hdr(version, proto, 0);
				h.gso_type = VIRTIO_NET_HDR_GSO_NONE;
				ck_assert_int_eq(vnet_csum_complete(pkt, len, &h), VNET_OK);
				assert_l4_ok(pkt, len, version, proto);
			}
		}
	}
	/* No NEEDS_CSUM: nothing to do, and nothing touched. */
	size_t len = build(pkt, 4, 6, 10, TCP_ACK);
	uint8_t copy[100];
	memcpy(copy, pkt, len);
	struct virtio_net_hdr none = {0};
	ck_assert_int_eq(vnet_csum_complete(pkt, len, &none), VNET_OK);
	ck_assert_mem_eq(pkt, copy, len);
	/* Offsets outside the packet. */
	struct virtio_net_hdr h = gso_hdr(4, 6, 0);
	h.csum_offset = (uint16_t)(len - 20 - 1);
	ck_assert_int_eq(vnet_csum_complete(pkt, len, &h), VNET_BAD_HDR);
	h.csum_start = (uint16_t)len;
	h.csum_offset = 0;
	ck_assert_int_eq(vnet_csum_complete(pkt, len, &h), VNET_BAD_HDR);
}
END_TEST

START_TEST(test_bad_super_packets)
{
	static uint8_t pkt[70000], out[VNET_MAX_SEGS * 2048];
	size_t seg_len[VNET_MAX_SEGS];
	struct vnet_gso g;
	size_t len = build(pkt, 4, 6, 5000, TCP_ACK);
	struct virtio_net_hdr h = gso_hdr(4, 6, 1000);

	h.gso_size = 0;
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_BAD_HDR);
	h = gso_hdr(4, 6, 1000);
	h.gso_type = 2; /* VIRTIO_NET_HDR_GSO_UDP (UFO): fragments, not for us */
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_BAD_HDR);
	/* TCPV6 for an IPv4 packet; TCP type for a UDP packet. */
	h = gso_hdr(6, 6, 1000);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_BAD_PACKET);
	size_t ulen = build(pkt, 4, 17, 3000, 0);
	h = gso_hdr(4, 6, 1000);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, ulen, &g), VNET_BAD_PACKET);
	/* Truncated: IP says more than there is; TCP header cut short. */
	len = build(pkt, 4, 6, 5000, TCP_ACK);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len - 1, &g), VNET_BAD_PACKET);
	len = build(pkt, 4, 6, 0, TCP_ACK);
	put16(pkt + 2, 20 + 12);
	put16(pkt + 10, 0);
	put16(pkt + 10, ip_csum(pkt, 20));
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, 32, &g), VNET_BAD_PACKET);
	/* A data offset below 5 words. */
	len = build(pkt, 4, 6, 100, TCP_ACK);
	pkt[20 + 12] = 4 << 4;
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_BAD_PACKET);
	/* More segments than the caller has room for. */
	len = build(pkt, 4, 6, 5000, TCP_ACK);
	h = gso_hdr(4, 6, 100);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_OK);
	ck_assert_uint_eq(g.nsegs, 50);
	ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, 2048, seg_len, 49), VNET_TOO_MANY_SEGS);
	ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, 2048, seg_len, 50), VNET_OK);
}
END_TEST

/* ---- coalescing (gro.h) ------------------------------------------------------- */

/* Cut a super-packet with vnet_gso_segment(), merge the segments back
 * with gro_add(): the same packet comes out, with a partial checksum and
 * the header that makes the kernel cut it again the same way. */
static void run_roundtrip(int version, size_t payload, uint16_t gso, uint8_t flags)
{
	static uint8_t pkt[70000], out[VNET_MAX_SEGS * 2048];
	size_t seg_len[VNET_MAX_SEGS];
	size_t len = build(pkt, version, 6, payload, flags);
	struct virtio_net_hdr h = gso_hdr(version, 6, gso);
	struct vnet_gso g;
	struct gro_run run;

	ck_assert_int_eq(gro_run_init(&run), 0);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_OK);
	ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, 2048, seg_len, VNET_MAX_SEGS), VNET_OK);
	for (uint32_t i = 0; i < g.nsegs; i++)
		ck_assert(gro_add(&run, out + (size_t)i * 2048, seg_len[i]));
	size_t total = 0;
	for (uint32_t i = 0; i < g.nsegs; i++)
		total += seg_len[i];
	ck_assert_uint_eq(run.inner_bytes, total);
	uint8_t *w;
	size_t n = gro_finish(&run, &w);
	ck_assert_uint_eq(n, VNET_HDR_LEN + len);
	struct virtio_net_hdr oh;
	memcpy(&oh, w, sizeof(oh));
	const uint8_t *m = w + VNET_HDR_LEN;
	size_t ip_len = version == 4 ? 20 : 40;
	if (g.nsegs > 1) {
		ck_assert_uint_eq(oh.gso_type, version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6);
		ck_assert_uint_eq(oh.gso_size, gso);
		ck_assert_uint_eq(oh.hdr_len, ip_len + 32);
		ck_assert_uint_eq(oh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
		ck_assert_uint_eq(oh.csum_start, ip_len);
		ck_assert_uint_eq(oh.csum_offset, 16);
		/* Completing the partial checksum gives a valid packet. */
		static uint8_t done[70000];
		memcpy(done, m, len);
		ck_assert_int_eq(vnet_csum_complete(done, len, &oh), VNET_OK);
		assert_l4_ok(done, len, version, 6);
	} else {
		ck_assert_uint_eq(oh.gso_type, VIRTIO_NET_HDR_GSO_NONE);
		ck_assert_uint_eq(oh.flags, 0);
		assert_l4_ok(m, len, version, 6);
	}
	struct ip_pkt ip;
	ck_assert_int_eq(ip_parse(m, len, &ip), IP_PARSE_OK);
	ck_assert_uint_eq(ip.tot_len, len);
	if (version == 4)
		ck_assert(ip.hdr_csum_ok);
	/* Sequence number of the first, flags of the last (PSH), payload. */
	ck_assert_uint_eq(get32(m + ip_len + 4), 0xfffff000u);
	ck_assert_uint_eq(m[ip_len + 13], flags);
	ck_assert_mem_eq(m + ip_len + 32, pkt + ip_len + 32, payload);
	gro_run_fini(&run);
}

START_TEST(test_gro_roundtrip)
{
	run_roundtrip(4, 3 * 1400 + 517, 1400, TCP_ACK | TCP_PSH);
	run_roundtrip(4, 45 * 1448, 1448, TCP_ACK);
	run_roundtrip(6, 5 * 1220 + 1, 1220, TCP_ACK);
	run_roundtrip(4, 700, 1400, TCP_ACK);
}
END_TEST

/* What must not join a run, and what ends one. */
START_TEST(test_gro_refusals)
{
	static uint8_t a[2000], b[2000];
	struct gro_run run;
	uint8_t *w;

	ck_assert_int_eq(gro_run_init(&run), 0);
	/* Not TCP; no payload; SYN; FIN; bad checksum: never in a run. */
	size_t n = build(a, 4, 17, 100, 0);
	struct virtio_net_hdr h = gso_hdr(4, 17, 0);
	vnet_csum_complete(a, n, &h);
	ck_assert(!gro_add(&run, a, n));
	struct virtio_net_hdr th = gso_hdr(4, 6, 0);
	n = build(a, 4, 6, 0, TCP_ACK);
	vnet_csum_complete(a, n, &th);
	ck_assert(!gro_add(&run, a, n));
	const uint8_t bad_flags[] = {TCP_SYN | TCP_ACK, TCP_FIN | TCP_ACK, TCP_ACK | TCP_CWR};
	for (size_t i = 0; i < sizeof(bad_flags); i++) {
		n = build(a, 4, 6, 100, bad_flags[i]);
		vnet_csum_complete(a, n, &th);
		ck_assert(!gro_add(&run, a, n));
	}
	n = build(a, 4, 6, 100, TCP_ACK);
	vnet_csum_complete(a, n, &th);
	a[n - 1] ^= 1;
	ck_assert(!gro_add(&run, a, n));
	ck_assert_uint_eq(run.nsegs, 0);

	/* A run of one 100-octet segment, then candidates. */
	n = build(a, 4, 6, 200, TCP_ACK);
	vnet_csum_complete(a, n, &th);
	/* b: the second half of a as its own segment. */
	memcpy(b, a, 52);
	memcpy(b + 52, a + 52 + 100, 100);
	put16(a + 2, 152);
	put16(b + 2, 152);
	put32(b + 24, 0xfffff000u + 100);
	for (uint8_t *p = a; p != NULL; p = p == a ? b : NULL) {
		put16(p + 10, 0);
		put16(p + 10, ip_csum(p, 20));
		put16(p + 36, 0);
		put16(p + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, p + 12, p + 16, 6, 132), p + 20, 132)));
	}
	ck_assert(gro_add(&run, a, 152));
	/* A gap in the sequence numbers; another port; another ACK. */
	static uint8_t c[2000];
	memcpy(c, b, 152);
	put32(c + 24, 0xfffff000u + 101);
	put16(c + 36, 0);
	put16(c + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, c + 12, c + 16, 6, 132), c + 20, 132)));
	ck_assert(!gro_add(&run, c, 152));
	memcpy(c, b, 152);
	put16(c + 22, 5202);
	put16(c + 36, 0);
	put16(c + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, c + 12, c + 16, 6, 132), c + 20, 132)));
	ck_assert(!gro_add(&run, c, 152));
	memcpy(c, b, 152);
	put32(c + 28, 78);
	put16(c + 36, 0);
	put16(c + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, c + 12, c + 16, 6, 132), c + 20, 132)));
	ck_assert(!gro_add(&run, c, 152));
	/* The right one joins. */
	ck_assert(gro_add(&run, b, 152));
	ck_assert_uint_eq(run.nsegs, 2);
	n = gro_finish(&run, &w);
	ck_assert_uint_eq(n, VNET_HDR_LEN + 252);
	ck_assert_uint_eq(run.nsegs, 0);

	/* A short segment closes the run: nothing joins after it. */
	n = build(a, 4, 6, 100, TCP_ACK);
	vnet_csum_complete(a, n, &th);
	ck_assert(gro_add(&run, a, n));
	memcpy(b, a, n);
	put32(b + 24, 0xfffff000u + 100);
	put16(b + 2, (uint16_t)(n - 50));
	put16(b + 10, 0);
	put16(b + 10, ip_csum(b, 20));
	put16(b + 36, 0);
	put16(b + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, b + 12, b + 16, 6, (uint32_t)(n - 70)), b + 20,
	                                         n - 70)));
	ck_assert(gro_add(&run, b, n - 50));
	memcpy(c, b, n - 50);
	put32(c + 24, 0xfffff000u + 150);
	put16(c + 36, 0);
	put16(c + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, c + 12, c + 16, 6, (uint32_t)(n - 70)), c + 20,
	                                         n - 70)));
	ck_assert(!gro_add(&run, c, n - 50));
	gro_finish(&run, &w);
	gro_run_fini(&run);
}
END_TEST

/* UDP: cut a USO super-packet, merge the datagrams back: the same packet,
 * a partial checksum, a GSO_UDP_L4 header, the UDP length of the whole. */
static void run_udp_roundtrip(int version, size_t payload, uint16_t gso)
{
	static uint8_t pkt[70000], out[VNET_MAX_SEGS * 2048], done[70000];
	size_t seg_len[VNET_MAX_SEGS];
	size_t len = build(pkt, version, 17, payload, 0);
	struct virtio_net_hdr h = gso_hdr(version, 17, gso);
	size_t ip_len = version == 4 ? 20 : 40;
	struct vnet_gso g;
	struct gro_run run;

	ck_assert_int_eq(gro_run_init(&run), 0);
	ck_assert_int_eq(vnet_gso_parse(&h, pkt, len, &g), VNET_OK);
	ck_assert_int_eq(vnet_gso_segment(&g, pkt, out, 2048, seg_len, VNET_MAX_SEGS), VNET_OK);
	ck_assert_uint_gt(g.nsegs, 1);
	/* Not without the owner's leave. */
	ck_assert(!gro_add(&run, out, seg_len[0]));
	run.udp = true;
	for (uint32_t i = 0; i < g.nsegs; i++)
		ck_assert(gro_add(&run, out + (size_t)i * 2048, seg_len[i]));
	uint8_t *w;
	size_t n = gro_finish(&run, &w);
	ck_assert_uint_eq(n, VNET_HDR_LEN + len);
	struct virtio_net_hdr oh;
	memcpy(&oh, w, sizeof(oh));
	const uint8_t *m = w + VNET_HDR_LEN;
	ck_assert_uint_eq(oh.gso_type, VIRTIO_NET_HDR_GSO_UDP_L4);
	ck_assert_uint_eq(oh.gso_size, gso);
	ck_assert_uint_eq(oh.hdr_len, ip_len + 8);
	ck_assert_uint_eq(oh.flags, VIRTIO_NET_HDR_F_NEEDS_CSUM);
	ck_assert_uint_eq(oh.csum_start, ip_len);
	ck_assert_uint_eq(oh.csum_offset, 6);
	ck_assert_uint_eq(get16(m + ip_len + 4), len - ip_len);
	memcpy(done, m, len);
	ck_assert_int_eq(vnet_csum_complete(done, len, &oh), VNET_OK);
	assert_l4_ok(done, len, version, 17);
	/* What the kernel will cut from it is what was merged. */
	struct vnet_gso g2;
	static uint8_t again[VNET_MAX_SEGS * 2048];
	size_t again_len[VNET_MAX_SEGS];
	ck_assert_int_eq(vnet_gso_parse(&oh, m, len, &g2), VNET_OK);
	ck_assert_int_eq(vnet_gso_segment(&g2, m, again, 2048, again_len, VNET_MAX_SEGS), VNET_OK);
	ck_assert_uint_eq(g2.nsegs, g.nsegs);
	for (uint32_t i = 0; i < g.nsegs; i++) {
		ck_assert_uint_eq(again_len[i], seg_len[i]);
		ck_assert_mem_eq(again + (size_t)i * 2048 + ip_len, out + (size_t)i * 2048 + ip_len,
		                 seg_len[i] - ip_len);
	}
	ck_assert_mem_eq(m + ip_len + 8, pkt + ip_len + 8, payload);
	gro_run_fini(&run);
}

START_TEST(test_gro_udp_roundtrip)
{
	run_udp_roundtrip(4, 3 * 1372 + 100, 1372);
	run_udp_roundtrip(4, 40 * 1000, 1000);
	run_udp_roundtrip(6, 2 * 1200, 1200);
}
END_TEST

/* UDP datagrams that must not join, and what ends a UDP run. */
START_TEST(test_gro_udp_refusals)
{
	static uint8_t a[2048], b[2048], c[2048];
	struct gro_run run;
	uint8_t *w;

	ck_assert_int_eq(gro_run_init(&run), 0);
	run.udp = true;
	size_t n = build(a, 4, 17, 500, 0);
	struct virtio_net_hdr none = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 6};
	ck_assert_int_eq(vnet_csum_complete(a, n, &none), VNET_OK);
	memcpy(b, a, n);
	/* No checksum (RFC 768 allows it over IPv4): never merged. */
	memcpy(c, a, n);
	put16(c + 26, 0);
	ck_assert(!gro_add(&run, c, n));
	/* A wrong checksum. */
	memcpy(c, a, n);
	c[40] ^= 1;
	ck_assert(!gro_add(&run, c, n));
	/* A UDP length that is not the IP payload's. */
	memcpy(c, a, n);
	put16(c + 24, (uint16_t)(n - 20 - 1));
	ck_assert(!gro_add(&run, c, n));

	ck_assert(gro_add(&run, a, n));
	/* Another port. */
	memcpy(c, a, n);
	put16(c + 20, 40001);
	put16(c + 26, 0);
	ck_assert_int_eq(vnet_csum_complete(c, n, &none), VNET_OK);
	ck_assert(!gro_add(&run, c, n));
	/* A longer datagram. */
	size_t longer = build(c, 4, 17, 501, 0);
	ck_assert_int_eq(vnet_csum_complete(c, longer, &none), VNET_OK);
	ck_assert(!gro_add(&run, c, longer));
	/* The same size joins (UDP has no sequence to follow); a shorter one
	 * joins and ends the run. */
	ck_assert(gro_add(&run, b, n));
	size_t shorter = build(c, 4, 17, 100, 0);
	ck_assert_int_eq(vnet_csum_complete(c, shorter, &none), VNET_OK);
	ck_assert(gro_add(&run, c, shorter));
	ck_assert(!gro_add(&run, b, n));
	ck_assert_uint_eq(run.nsegs, 3);
	ck_assert_uint_eq(gro_finish(&run, &w), VNET_HDR_LEN + 20 + 8 + 500 + 500 + 100);
	/* TCP after UDP: a new run. */
	size_t t = build(c, 4, 6, 300, TCP_ACK);
	struct virtio_net_hdr tcp_csum = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM, .csum_start = 20, .csum_offset = 16};
	ck_assert_int_eq(vnet_csum_complete(c, t, &tcp_csum), VNET_OK);
	ck_assert(gro_add(&run, c, t)); /* on its own it may start a run */
	gro_finish(&run, &w);
	ck_assert(gro_add(&run, a, n));
	ck_assert(!gro_add(&run, c, t));
	gro_finish(&run, &w);
	gro_run_fini(&run);
}
END_TEST

static Suite *vnet_suite(void)
{
	Suite *s = suite_create("vnet");
	TCase *tc = tcase_create("vnet");

	tcase_add_loop_test(tc, test_segmentation, 0, (int)(sizeof(seg_cases) / sizeof(seg_cases[0])));
	tcase_add_test(tc, test_csum_complete);
	tcase_add_test(tc, test_segment_csum_carries);
	tcase_add_test(tc, test_bad_super_packets);
	tcase_add_test(tc, test_gro_roundtrip);
	tcase_add_test(tc, test_gro_refusals);
	tcase_add_test(tc, test_gro_udp_roundtrip);
	tcase_add_test(tc, test_gro_udp_refusals);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(vnet_suite());
}
