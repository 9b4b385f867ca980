/*
 * vnet.c - checksum completion and TSO/USO segmentation for packets read
 * from a TUN device with a virtio-net header.
 */
#include "vnet.h"

#include <string.h>

#include "cursor.h"
#include "ip_util.h"

#define TCP_FIN 0x01
#define TCP_PSH 0x08
#define TCP_CWR 0x80

static const char *const result_names[VNET_RESULT_COUNT] = {
    [VNET_OK] = "ok",
    [VNET_BAD_HDR] = "bad-vnet-header",
    [VNET_BAD_PACKET] = "bad-gso-packet",
    [VNET_TOO_MANY_SEGS] = "too-many-segments",
};

const char *vnet_result_name(enum vnet_result r)
{
	return (unsigned)r < VNET_RESULT_COUNT ? result_names[r] : "?";
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

enum vnet_result vnet_csum_complete(uint8_t *pkt, size_t len, const struct virtio_net_hdr *h)
{
	if (!(h->flags & VIRTIO_NET_HDR_F_NEEDS_CSUM))
		return VNET_OK;
	size_t start = h->csum_start, at = (size_t)h->csum_start + h->csum_offset;
	if (start >= len || at + 2 > len)
		return VNET_BAD_HDR;
	/* The field holds the pseudo-header sum (not complemented): summing
	 * the region with it in place gives the checksum (RFC 1071). */
	put16(pkt + at, ip_csum(pkt + start, len - start));
	return VNET_OK;
}

enum vnet_result vnet_gso_parse(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len,
                                struct vnet_gso *g)
{
	struct ip_pkt ip;
	struct cursor c;
	uint8_t type = h->gso_type & (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	uint32_t l4_hdr;

	memset(g, 0, sizeof(*g));
	/* ECN: the stack wants CWR on the first segment only, which we do
	 * for every TCP super-packet anyway. */
	if (type != VIRTIO_NET_HDR_GSO_TCPV4 && type != VIRTIO_NET_HDR_GSO_TCPV6 &&
	    type != VIRTIO_NET_HDR_GSO_UDP_L4)
		return VNET_BAD_HDR;
	if (h->gso_size == 0 || len > VNET_MAX_PKT)
		return VNET_BAD_HDR;
	if (ip_parse(pkt, len, &ip) != IP_PARSE_OK || ip.tot_len > len || !ip.l4_found || ip.fragment)
		return VNET_BAD_PACKET;
	/* The stack sets the IPv4 total length of a super-packet to the
	 * whole; a length shorter than the buffer would be link padding,
	 * which a super-packet never has. */
	len = ip.tot_len;
	if ((type == VIRTIO_NET_HDR_GSO_TCPV4 && ip.version != 4) ||
	    (type == VIRTIO_NET_HDR_GSO_TCPV6 && ip.version != 6))
		return VNET_BAD_PACKET;
	g->gso_type = type;
	g->version = ip.version;
	g->l4_proto = ip.l4_proto;
	g->l4_off = ip.l4_off;
	cursor_init(&c, pkt + ip.l4_off, len - ip.l4_off);
	if (type == VIRTIO_NET_HDR_GSO_UDP_L4) {
		if (ip.l4_proto != IP_PROTO_UDP || cursor_remaining(&c) < 8)
			return VNET_BAD_PACKET;
		l4_hdr = 8;
	} else {
		uint8_t off;
		if (ip.l4_proto != IP_PROTO_TCP || cursor_skip(&c, 12) != 0 ||
		    cursor_get_u8(&c, &off) != 0)
			return VNET_BAD_PACKET;
		l4_hdr = (uint32_t)(off >> 4) * 4;
		if (l4_hdr < 20 || ip.l4_off + l4_hdr > len)
			return VNET_BAD_PACKET;
	}
	g->hdr_len = ip.l4_off + l4_hdr;
	g->gso_size = h->gso_size;
	g->payload = (uint32_t)len - g->hdr_len;
	g->nsegs = g->payload == 0 ? 1 : (g->payload + g->gso_size - 1) / g->gso_size;
	return VNET_OK;
}

size_t vnet_gso_seg_len(const struct vnet_gso *g, uint32_t i)
{
	if (i + 1 < g->nsegs)
		return (size_t)g->hdr_len + g->gso_size;
	return (size_t)g->hdr_len + (g->payload - (size_t)g->gso_size * (g->nsegs - 1));
}

#if defined(__x86_64__) && defined(__GNUC__)
/*
 * The 64-bit sum, with end-around carry, of n > 0 blocks of 32 bytes, as
 * memory holds them. Each addition takes the previous one's carry (the
 * "add with carry" of RFC 1071 section 4.1), and the loop counter is
 * stepped with dec, which leaves the carry flag alone, so the chain runs
 * unbroken through the whole buffer: seven instructions per 32 bytes.
 */
static uint64_t sum_blocks32(const uint8_t *p, size_t n)
{
	uint64_t acc = 0;

	__asm__("clc\n"
	        "1:\n\t"
	        "adcq 0(%[p]), %[acc]\n\t"
	        "adcq 8(%[p]), %[acc]\n\t"
	        "adcq 16(%[p]), %[acc]\n\t"
	        "adcq 24(%[p]), %[acc]\n\t"
	        "leaq 32(%[p]), %[p]\n\t"
	        "decq %[n]\n\t"
	        "jnz 1b\n\t"
	        /* The last carry, and the one adding it can make (2^64 is 1
	         * modulo 2^16 - 1, so each carry is worth one). */
	        "adcq $0, %[acc]\n\t"
	        "adcq $0, %[acc]"
	        : [acc] "+r"(acc), [p] "+r"(p), [n] "+r"(n)
	        :
	        : "cc", "memory");
	return acc;
}
#endif

/*
 * The data path's hottest loop: a segment going into ESP or GRE cannot
 * leave its checksum to the kernel, so every byte of every segment cut
 * from a super-packet is summed here, and every byte of every TCP or UDP
 * segment that GRO merges is checked here on the way out. On x86-64 the
 * whole 32-byte blocks go through sum_blocks32, about a third of the
 * instructions of ip_csum_add's portable loop; the tail, and every other
 * machine, go through ip_csum_add.
 */
uint32_t vnet_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
#if defined(__x86_64__) && defined(__GNUC__)
	size_t bulk = len & ~(size_t)31;

	if (bulk != 0) {
		uint64_t acc = sum_blocks32(p, bulk / 32);

		acc = (acc & 0xffffffffu) + (acc >> 32);
		acc = (acc & 0xffffu) + (acc >> 16);
		acc = (acc & 0xffffu) + (acc >> 16);
		acc = (acc & 0xffffu) + (acc >> 16);
		/* Summed as memory holds it (little-endian): one swap puts
		 * the folded sum into network order (RFC 1071 2(B)). bulk is
		 * a multiple of 32, so the tail starts on a word boundary. */
		sum += (uint32_t)(((acc & 0xff) << 8) | (acc >> 8));
		p += bulk;
		len -= bulk;
	}
#endif
	return ip_csum_add(sum, p, len);
}

/* The full upper-layer checksum of one segment, over its pseudo-header. */
static void l4_checksum(const struct vnet_gso *g, uint8_t *seg, size_t len, size_t csum_at)
{
	const uint8_t *src = g->version == 4 ? seg + 12 : seg + 8;
	const uint8_t *dst = g->version == 4 ? seg + 16 : seg + 24;
	uint32_t l4_len = (uint32_t)(len - g->l4_off);
	uint32_t sum;
	uint16_t ck;

	put16(seg + g->l4_off + csum_at, 0);
	sum = ip_pseudo_sum(g->version, src, dst, g->l4_proto, l4_len);
	sum = vnet_csum_add(sum, seg + g->l4_off, l4_len);
	ck = ip_csum_finish(sum);
	/* RFC 768: a UDP checksum that computes to 0 is sent as all ones. */
	if (g->l4_proto == IP_PROTO_UDP && ck == 0)
		ck = 0xffff;
	put16(seg + g->l4_off + csum_at, ck);
}

enum vnet_result vnet_gso_segment(const struct vnet_gso *g, const uint8_t *pkt, uint8_t *out,
                                  size_t stride, size_t *seg_len, size_t max_segs)
{
	uint32_t seq = 0;
	uint16_t id = 0;
	uint8_t flags = 0;

	if (g->nsegs > max_segs || g->nsegs > VNET_MAX_SEGS)
		return VNET_TOO_MANY_SEGS;
	if (g->version == 4)
		id = (uint16_t)(pkt[4] << 8 | pkt[5]);
	if (g->l4_proto == IP_PROTO_TCP) {
		const uint8_t *t = pkt + g->l4_off;
		seq = (uint32_t)t[4] << 24 | (uint32_t)t[5] << 16 | (uint32_t)t[6] << 8 | t[7];
		flags = t[13];
	}
	for (uint32_t i = 0; i < g->nsegs; i++) {
		uint8_t *seg = out + (size_t)i * stride;
		size_t len = vnet_gso_seg_len(g, i);
		size_t pay = len - g->hdr_len;
		bool first = i == 0, last = i + 1 == g->nsegs;

		memcpy(seg, pkt, g->hdr_len);
		memcpy(seg + g->hdr_len, pkt + g->hdr_len + (size_t)i * g->gso_size, pay);
		seg_len[i] = len;
		if (g->version == 4) {
			put16(seg + 2, (uint16_t)len);
			put16(seg + 4, (uint16_t)(id + i));
			put16(seg + 10, 0);
			put16(seg + 10, ip_csum(seg, (size_t)(seg[0] & 0x0f) * 4));
		} else {
			put16(seg + 4, (uint16_t)(len - IP_V6_HDR_LEN));
		}
		uint8_t *l4 = seg + g->l4_off;
		if (g->l4_proto == IP_PROTO_TCP) {
			uint8_t f = flags;
			put32(l4 + 4, seq + i * g->gso_size);
			if (!last)
				f &= (uint8_t)~(TCP_FIN | TCP_PSH);
			if (!first)
				f &= (uint8_t)~TCP_CWR;
			l4[13] = f;
			l4_checksum(g, seg, len, 16);
		} else {
			put16(l4 + 4, (uint16_t)(len - g->l4_off));
			l4_checksum(g, seg, len, 6);
		}
	}
	return VNET_OK;
}
