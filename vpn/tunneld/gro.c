/*
 * gro.c - TCP segments of one flow merged into a TSO super-packet for the
 * TUN device (see gro.h for the rules).
 */
#include "gro.h"

#include <stdlib.h>
#include <string.h>

#include "ip_util.h"

#define TCP_ACK 0x10
#define TCP_PSH 0x08

static inline uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

int gro_run_init(struct gro_run *r)
{
	memset(r, 0, sizeof(*r));
	r->buf = malloc(VNET_HDR_LEN + VNET_MAX_PKT);
	return r->buf != NULL ? 0 : -1;
}

void gro_run_fini(struct gro_run *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* A UDP datagram that may join a run: a checksum present (RFC 768; the
 * merged packet's is recomputed for every datagram the kernel cuts from
 * it, so one sent without must not get one) and correct, a UDP length
 * that is the IP payload's, some payload. */
static bool udp_eligible(const uint8_t *pkt, size_t len, const struct ip_pkt *ip, uint32_t *thlen)
{
	const uint8_t *u = pkt + ip->l4_off;

	if (len <= ip->l4_off + 8 || get16(u + 4) != len - ip->l4_off || get16(u + 6) == 0)
		return false;
	*thlen = 8;
	uint32_t sum = ip_pseudo_sum(ip->version, ip->src, ip->dst, IP_PROTO_UDP, (uint32_t)(len - ip->l4_off));
	return ip_csum_finish(vnet_csum_add(sum, u, len - ip->l4_off)) == 0;
}

/* What a segment, parsed into *ip, must be to take part at all. */
static bool eligible(const struct gro_run *r, const uint8_t *pkt, size_t len, const struct ip_pkt *ip,
                     uint32_t *thlen)
{
	if (ip->tot_len != len || ip->fragment || !ip->l4_found ||
	    (ip->l4_proto != IP_PROTO_TCP && (ip->l4_proto != IP_PROTO_UDP || !r->udp)))
		return false;
	/* No IPv4 options and no IPv6 extension headers: the headers are
	 * copied from the first segment and must be the same in all. */
	if (ip->l4_off != (ip->version == 4 ? IP_V4_HDR_LEN : IP_V6_HDR_LEN))
		return false;
	if (ip->l4_proto == IP_PROTO_UDP)
		return udp_eligible(pkt, len, ip, thlen);
	if (len < ip->l4_off + 20)
		return false;
	const uint8_t *t = pkt + ip->l4_off;
	*thlen = (uint32_t)(t[12] >> 4) * 4;
	if (*thlen < 20 || ip->l4_off + *thlen >= len) /* no payload: nothing to merge */
		return false;
	uint8_t flags = t[13];
	if ((flags & ~TCP_PSH) != TCP_ACK || (t[12] & 0x0f) != 0)
		return false;
	/* The checksum must verify now: the merged packet is not checked. */
	uint32_t sum = ip_pseudo_sum(ip->version, ip->src, ip->dst, IP_PROTO_TCP, (uint32_t)(len - ip->l4_off));
	return ip_csum_finish(vnet_csum_add(sum, t, len - ip->l4_off)) == 0;
}

/* Same flow and same headers but for what changes per segment: IPv4
 * total length, ID and checksum; IPv6 payload length; TCP sequence
 * number and checksum; PSH. */
static bool same_headers(const struct gro_run *r, const uint8_t *pkt)
{
	const uint8_t *first = r->buf + VNET_HDR_LEN;

	if (r->version == 4) {
		/* Version/IHL, TOS; flags (DF); TTL, protocol; addresses. */
		if (first[0] != pkt[0] || first[1] != pkt[1] || first[6] != pkt[6] || first[7] != pkt[7] ||
		    first[8] != pkt[8] || first[9] != pkt[9] || memcmp(first + 12, pkt + 12, 8) != 0)
			return false;
	} else {
		/* Version, traffic class, flow label; next header, hop limit;
		 * addresses. */
		if (memcmp(first, pkt, 4) != 0 || memcmp(first + 6, pkt + 6, 34) != 0)
			return false;
	}
	const uint8_t *a = first + r->l4_off, *b = pkt + r->l4_off;
	if (r->l4_proto == IP_PROTO_UDP)
		return memcmp(a, b, 4) == 0; /* ports: length and checksum were checked */
	/* Ports; acknowledgment number; data offset, flags but PSH; window;
	 * urgent pointer; options. */
	return memcmp(a, b, 4) == 0 && memcmp(a + 8, b + 8, 5) == 0 && (a[13] & ~TCP_PSH) == (b[13] & ~TCP_PSH) &&
	       memcmp(a + 14, b + 14, 2) == 0 && memcmp(a + 18, b + 18, r->hdr_len - r->l4_off - 18) == 0;
}

bool gro_add(struct gro_run *r, const uint8_t *pkt, size_t len)
{
	struct ip_pkt ip;

	return ip_parse(pkt, len, &ip) == IP_PARSE_OK && gro_add_parsed(r, pkt, len, &ip);
}

bool gro_add_parsed(struct gro_run *r, const uint8_t *pkt, size_t len, const struct ip_pkt *parsed)
{
	const struct ip_pkt ip = *parsed;
	uint32_t thlen;

	if (!eligible(r, pkt, len, &ip, &thlen))
		return false;
	const uint8_t *t = pkt + ip.l4_off;
	uint32_t payload = (uint32_t)(len - ip.l4_off - thlen);
	bool tcp = ip.l4_proto == IP_PROTO_TCP;
	bool psh = tcp && (t[13] & TCP_PSH) != 0;
	uint32_t seq = tcp ? get32(t + 4) : 0;

	if (r->nsegs == 0) {
		memcpy(r->buf + VNET_HDR_LEN, pkt, len);
		r->len = len;
		r->nsegs = 1;
		r->inner_bytes = len;
		r->version = ip.version;
		r->l4_proto = ip.l4_proto;
		r->l4_off = ip.l4_off;
		r->hdr_len = ip.l4_off + thlen;
		r->gso_size = payload;
		r->next_seq = seq + payload;
		r->closed = psh;
		return true;
	}
	if (r->closed || ip.version != r->version || ip.l4_proto != r->l4_proto || ip.l4_off + thlen != r->hdr_len ||
	    payload > r->gso_size || seq != (tcp ? r->next_seq : 0) || r->nsegs >= GRO_MAX_SEGS || r->len + payload > VNET_MAX_PKT ||
	    !same_headers(r, pkt))
		return false;
	memcpy(r->buf + VNET_HDR_LEN + r->len, pkt + r->hdr_len, payload);
	r->len += payload;
	r->nsegs++;
	r->inner_bytes += len;
	r->next_seq += payload;
	if (psh) {
		/* The last segment's PSH is the merged packet's. */
		r->buf[VNET_HDR_LEN + r->l4_off + 13] |= TCP_PSH;
		r->closed = true;
	}
	if (payload < r->gso_size)
		r->closed = true;
	return true;
}

size_t gro_finish(struct gro_run *r, uint8_t **out)
{
	struct virtio_net_hdr h = {0};
	uint8_t *pkt = r->buf + VNET_HDR_LEN;
	size_t len = r->len;

	if (r->nsegs > 1) {
		if (r->version == 4) {
			put16(pkt + 2, (uint16_t)len);
			put16(pkt + 10, 0);
			put16(pkt + 10, ip_csum(pkt, IP_V4_HDR_LEN));
		} else {
			put16(pkt + 4, (uint16_t)(len - IP_V6_HDR_LEN));
		}
		/* A partial checksum: the pseudo-header sum over the whole
		 * length, not complemented (what the stack's own TSO and USO
		 * leave). The kernel's UDP segmentation takes the UDP length
		 * of the whole out of it and puts each datagram's in. */
		bool tcp = r->l4_proto == IP_PROTO_TCP;
		const uint8_t *src = r->version == 4 ? pkt + 12 : pkt + 8;
		const uint8_t *dst = r->version == 4 ? pkt + 16 : pkt + 24;
		uint32_t sum = ip_pseudo_sum(r->version, src, dst, r->l4_proto, (uint32_t)(len - r->l4_off));
		if (!tcp)
			put16(pkt + r->l4_off + 4, (uint16_t)(len - r->l4_off));
		put16(pkt + r->l4_off + (tcp ? 16 : 6), (uint16_t)sum);
		h.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM;
		h.gso_type = !tcp ? VIRTIO_NET_HDR_GSO_UDP_L4
		             : r->version == 4 ? VIRTIO_NET_HDR_GSO_TCPV4 : VIRTIO_NET_HDR_GSO_TCPV6;
		h.hdr_len = (uint16_t)r->hdr_len;
		h.gso_size = (uint16_t)r->gso_size;
		h.csum_start = (uint16_t)r->l4_off;
		h.csum_offset = tcp ? 16 : 6;
	}
	memcpy(r->buf, &h, sizeof(h));
	*out = r->buf;
	r->nsegs = 0;
	r->len = 0;
	return VNET_HDR_LEN + len;
}
