/*
 * ip_util.c - checksums, header parsing and rewriting, MSS clamping and
 * "too big" ICMP errors for the tunnel data paths.
 */
#include "ip_util.h"

#include <string.h>

/* ---- checksums ---- */

static uint32_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t ip_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0, carries = 0;

	/*
	 * RFC 1071 2(B): the one's complement sum does not depend on byte
	 * order, so the data is summed as memory holds it, 64 bits per
	 * addition, and the result is put into network order once, at the
	 * end. Each carry out of the 64-bit accumulator is worth 2^64, which
	 * is 1 modulo 2^16 - 1: carries are counted and added back when
	 * folding (RFC 1071 4.1's deferred carries).
	 */
	while (len >= 16) {
		uint64_t x, y;
		memcpy(&x, p, 8);
		memcpy(&y, p + 8, 8);
		acc += x;
		carries += acc < x;
		acc += y;
		carries += acc < y;
		p += 16;
		len -= 16;
	}
	while (len >= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
		carries += acc < w;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		carries += acc < w;
		p += 2;
		len -= 2;
	}
	if (len == 1) {
		/* The odd octet is the high half of a word padded with zero:
		 * in memory order, that word is the octet followed by 0. */
		uint8_t pad[2] = {p[0], 0};
		uint16_t w;
		memcpy(&w, pad, 2);
		acc += w;
		carries += acc < w;
	}
	uint32_t folded = fold((acc & 0xffffffffu) + (acc >> 32) + carries);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	folded = (uint32_t)(((folded & 0xff) << 8) | (folded >> 8));
#endif
	return fold((uint64_t)folded + sum);
}

uint16_t ip_csum_finish(uint32_t sum)
{
	return (uint16_t)~fold(sum);
}

uint16_t ip_csum(const void *data, size_t len)
{
	return ip_csum_finish(ip_csum_add(0, data, len));
}

uint16_t ip_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word)
{
	/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') */
	uint32_t sum = (uint16_t)~csum;

	sum += (uint16_t)~old_word;
	sum += new_word;
	return (uint16_t)~fold(sum);
}

uint16_t ip_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val)
{
	csum = ip_csum_update16(csum, (uint16_t)(old_val >> 16), (uint16_t)(new_val >> 16));
	return ip_csum_update16(csum, (uint16_t)old_val, (uint16_t)new_val);
}

uint32_t ip_pseudo_sum(int version, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                       uint32_t l4_len)
{
	size_t alen = version == 4 ? 4 : 16;
	uint32_t sum = ip_csum_add(0, src, alen);

	sum = ip_csum_add(sum, dst, alen);
	/* IPv4 (RFC 9293 3.1): zero, protocol, 16-bit length. IPv6 (RFC 8200
	 * 8.1): 32-bit length, three zero octets, next header. As 16-bit words
	 * both come to: the length's words plus the protocol. */
	sum += (l4_len >> 16) + (l4_len & 0xffff) + proto;
	return fold(sum);
}

/*
 * Replace n octets at pkt[pos] and update the checksum stored at pkt[csum_at],
 * where the checksummed region starts at pkt[base] (an even distance from
 * the pseudo-header, as for TCP and UDP). Whole aligned words around the
 * change are summed before and after, so a field at an odd offset is
 * handled like any other (RFC 1624 generalised to a run of words).
 */
static void csum_replace(uint8_t *pkt, size_t base, size_t end, size_t csum_at, size_t pos,
                         const uint8_t *newval, size_t n)
{
	size_t lo = base + ((pos - base) & ~(size_t)1);
	size_t hi = pos + n;

	if ((hi - base) & 1)
		hi++;
	/* A word straddling the end of the region sums its last octet with a
	 * zero pad, as ip_csum_add() does. */
	size_t real_hi = hi > end ? end : hi;
	uint32_t old_sum = ip_csum_add(0, pkt + lo, real_hi - lo);
	memcpy(pkt + pos, newval, n);
	uint32_t new_sum = ip_csum_add(0, pkt + lo, real_hi - lo);

	uint16_t csum = (uint16_t)(pkt[csum_at] << 8 | pkt[csum_at + 1]);
	uint32_t sum = (uint16_t)~csum;
	sum += (uint16_t)~old_sum;
	sum += new_sum;
	csum = (uint16_t)~fold(sum);
	pkt[csum_at] = (uint8_t)(csum >> 8);
	pkt[csum_at + 1] = (uint8_t)csum;
}

/* ---- parsing ---- */

const char *ip_parse_result_name(enum ip_parse_result r)
{
	switch (r) {
	case IP_PARSE_OK:
		return "ok";
	case IP_PARSE_TRUNCATED:
		return "truncated";
	case IP_PARSE_VERSION:
		return "version";
	case IP_PARSE_HDRLEN:
		return "header-length";
	case IP_PARSE_TOTLEN:
		return "total-length";
	case IP_PARSE_EXTHDR:
		return "extension-header";
	}
	return "unknown";
}

static enum ip_parse_result parse_v4(struct cursor *c, size_t buflen, struct ip_pkt *p)
{
	const uint8_t *hdr = cursor_ptr(c);
	uint8_t vihl, proto;
	uint16_t tot, id, frag, csum;

	cursor_get_u8(c, &vihl);
	cursor_get_u8(c, &p->tos);
	cursor_get_u16(c, &tot);
	cursor_get_u16(c, &id);
	cursor_get_u16(c, &frag);
	cursor_get_u8(c, &p->ttl);
	cursor_get_u8(c, &proto);
	cursor_get_u16(c, &csum);
	cursor_get_bytes(c, p->src, 4);
	cursor_get_bytes(c, p->dst, 4);
	if (!cursor_ok(c))
		return IP_PARSE_TRUNCATED;

	p->version = 4;
	p->proto = proto;
	p->hdr_len = (uint16_t)((vihl & 0x0f) * 4);
	/* RFC 791 3.1: IHL counts 32-bit words and is at least 5. */
	if (p->hdr_len < IP_V4_HDR_LEN)
		return IP_PARSE_HDRLEN;
	if (tot < p->hdr_len)
		return IP_PARSE_TOTLEN;
	if (tot > buflen)
		return IP_PARSE_TRUNCATED;
	if (cursor_skip(c, p->hdr_len - IP_V4_HDR_LEN) != 0)
		return IP_PARSE_TRUNCATED;
	p->tot_len = tot;
	p->df = (frag & 0x4000) != 0;
	p->frag_off = frag & 0x1fff;
	p->fragment = (frag & 0x2000) != 0 || p->frag_off != 0;
	/* The cursor got past the whole header, so summing it in place is
	 * in bounds. */
	p->hdr_csum_ok = ip_csum(hdr, p->hdr_len) == 0;
	if (p->frag_off == 0) {
		p->l4_found = true;
		p->l4_proto = proto;
		p->l4_off = p->hdr_len;
	}
	return IP_PARSE_OK;
}

static bool v6_ext_header(uint8_t nh)
{
	switch (nh) {
	case IP_PROTO_HOPOPTS:
	case IP_PROTO_ROUTING:
	case IP_PROTO_FRAGMENT:
	case IP_PROTO_DSTOPTS:
	case IP_PROTO_MOBILITY:
	case IP_PROTO_HIP:
	case IP_PROTO_SHIM6:
		return true;
	default:
		return false;
	}
}

/* Extension headers walked before giving up on finding the upper layer:
 * far more than any real packet carries (RFC 8200 4.1 recommends an order
 * with each header at most once, twice for Destination Options). */
#define V6_MAX_EXT_HEADERS 12

static enum ip_parse_result parse_v6(struct cursor *c, size_t buflen, struct ip_pkt *p)
{
	const uint8_t *hdr = cursor_ptr(c);
	uint32_t vtf;
	uint16_t plen;
	uint8_t nh;

	cursor_get_u32(c, &vtf);
	cursor_get_u16(c, &plen);
	cursor_get_u8(c, &nh);
	cursor_get_u8(c, &p->ttl);
	cursor_get_bytes(c, p->src, 16);
	cursor_get_bytes(c, p->dst, 16);
	if (!cursor_ok(c))
		return IP_PARSE_TRUNCATED;

	p->version = 6;
	p->tos = (uint8_t)(vtf >> 20);
	p->proto = nh;
	p->hdr_len = IP_V6_HDR_LEN;
	p->tot_len = (uint32_t)IP_V6_HDR_LEN + plen;
	p->hdr_csum_ok = true;
	if (p->tot_len > buflen)
		return IP_PARSE_TRUNCATED;

	/* Walk the chain only within the packet's own payload. */
	struct cursor payload;
	cursor_init(&payload, hdr + IP_V6_HDR_LEN, plen);
	for (int n = 0; v6_ext_header(nh); n++) {
		/* RFC 8200 4.1: Hop-by-Hop Options only right after the
		 * IPv6 header. */
		if (nh == IP_PROTO_HOPOPTS && n > 0)
			return IP_PARSE_EXTHDR;
		if (n == V6_MAX_EXT_HEADERS)
			return IP_PARSE_OK; /* l4_found stays false */
		uint8_t next, hlen;
		if (cursor_get_u8(&payload, &next) != 0 || cursor_get_u8(&payload, &hlen) != 0)
			return IP_PARSE_EXTHDR;
		if (nh == IP_PROTO_FRAGMENT) {
			/* RFC 8200 4.5: fixed 8 octets; offset in the top 13
			 * bits of the third and fourth. */
			uint16_t offm;
			if (cursor_get_u16(&payload, &offm) != 0 || cursor_skip(&payload, 4) != 0)
				return IP_PARSE_EXTHDR;
			p->fragment = true;
			p->frag_off = offm >> 3;
			if (p->frag_off != 0)
				return IP_PARSE_OK; /* no upper layer in here */
		} else {
			/* Hdr Ext Len: 8-octet units beyond the first 8. */
			if (cursor_skip(&payload, (size_t)hlen * 8 + 6) != 0)
				return IP_PARSE_EXTHDR;
		}
		nh = next;
	}
	p->l4_found = true;
	p->l4_proto = nh;
	p->l4_off = (uint32_t)(IP_V6_HDR_LEN + cursor_offset(&payload));
	return IP_PARSE_OK;
}

enum ip_parse_result ip_parse(const void *pkt, size_t len, struct ip_pkt *out)
{
	struct cursor c;
	struct ip_pkt p;
	uint8_t first;
	enum ip_parse_result r;

	memset(&p, 0, sizeof(p));
	cursor_init(&c, pkt, len);
	if (cursor_peek_u8(&c, &first) != 0)
		return IP_PARSE_TRUNCATED;
	switch (first >> 4) {
	case 4:
		r = parse_v4(&c, len, &p);
		break;
	case 6:
		r = parse_v6(&c, len, &p);
		break;
	default:
		return IP_PARSE_VERSION;
	}
	if (r == IP_PARSE_OK)
		*out = p;
	return r;
}

/* ---- writing headers ---- */

void ip_hdr_put(struct builder *b, const struct ip_hdr_params *h, size_t payload_len)
{
	if (h->version == 4) {
		if (payload_len > 0xffff - IP_V4_HDR_LEN) {
			b->failed = true;
			return;
		}
		size_t start = builder_len(b);
		builder_put_u8(b, 0x45);
		builder_put_u8(b, h->tos);
		builder_put_u16(b, (uint16_t)(IP_V4_HDR_LEN + payload_len));
		builder_put_u16(b, h->id);
		builder_put_u16(b, h->df ? 0x4000 : 0);
		builder_put_u8(b, h->ttl);
		builder_put_u8(b, h->proto);
		size_t csum_at = builder_reserve(b, 2);
		builder_put_bytes(b, h->src, 4);
		builder_put_bytes(b, h->dst, 4);
		if (builder_ok(b))
			builder_patch_u16(b, csum_at,
			                  ip_csum(builder_data(b) + start, IP_V4_HDR_LEN));
	} else if (h->version == 6) {
		if (payload_len > 0xffff) {
			b->failed = true;
			return;
		}
		builder_put_u32(b, 6u << 28 | (uint32_t)h->tos << 20 | (h->flowlabel & 0xfffff));
		builder_put_u16(b, (uint16_t)payload_len);
		builder_put_u8(b, h->proto);
		builder_put_u8(b, h->ttl);
		builder_put_bytes(b, h->src, 16);
		builder_put_bytes(b, h->dst, 16);
	} else {
		b->failed = true;
	}
}

/* ---- TCP MSS clamping ---- */

#define TCP_HDR_LEN     20
#define TCP_FLAG_SYN    0x02
#define TCP_OPT_EOL     0
#define TCP_OPT_NOP     1
#define TCP_OPT_MSS     2
#define TCP_OPT_MSS_LEN 4
/* Options fit in 40 octets, so at most 10 MSS options could appear. */
#define TCP_MAX_MSS_OPTS 10

uint16_t ip_mss_for_mtu(int version, uint32_t mtu)
{
	uint32_t overhead =
	    version == 4 ? IP_V4_HDR_LEN + TCP_HDR_LEN : IP_V6_HDR_LEN + TCP_HDR_LEN;

	if ((version != 4 && version != 6) || mtu <= overhead)
		return 0;
	mtu -= overhead;
	return mtu > 0xffff ? 0xffff : (uint16_t)mtu;
}

enum ip_mss_result ip_mss_clamp(uint8_t *pkt, const struct ip_pkt *ip, uint16_t mss,
                                bool csum_partial)
{
	if (!ip->l4_found || ip->l4_proto != IP_PROTO_TCP)
		return IP_MSS_NOT_SYN;

	struct cursor c, opts;
	uint8_t doff_byte, flags;
	size_t tcp_len = ip->tot_len - ip->l4_off;

	cursor_init(&c, pkt + ip->l4_off, tcp_len);
	cursor_skip(&c, 12); /* ports, sequence, acknowledgment */
	cursor_get_u8(&c, &doff_byte);
	cursor_get_u8(&c, &flags);
	if (!cursor_ok(&c))
		return IP_MSS_MALFORMED;
	if (!(flags & TCP_FLAG_SYN))
		return IP_MSS_NOT_SYN;
	size_t doff = (size_t)(doff_byte >> 4) * 4;
	if (doff < TCP_HDR_LEN || doff > tcp_len)
		return IP_MSS_MALFORMED;

	/* First the whole list, so that a broken one is never half-rewritten. */
	size_t found[TCP_MAX_MSS_OPTS];
	uint16_t value[TCP_MAX_MSS_OPTS];
	size_t nfound = 0;
	cursor_init(&c, pkt + ip->l4_off, doff);
	cursor_skip(&c, TCP_HDR_LEN);
	while (cursor_remaining(&c) > 0) {
		size_t at = cursor_offset(&c);
		uint8_t kind, olen;
		cursor_get_u8(&c, &kind);
		if (kind == TCP_OPT_EOL)
			break;
		if (kind == TCP_OPT_NOP)
			continue;
		if (cursor_get_u8(&c, &olen) != 0 || olen < 2 ||
		    cursor_sub(&c, (size_t)olen - 2, &opts) != 0)
			return IP_MSS_MALFORMED;
		if (kind == TCP_OPT_MSS) {
			if (olen != TCP_OPT_MSS_LEN || nfound == TCP_MAX_MSS_OPTS)
				return IP_MSS_MALFORMED;
			cursor_get_u16(&opts, &value[nfound]);
			found[nfound++] = at + 2;
		}
	}

	enum ip_mss_result r = IP_MSS_UNCHANGED;
	size_t csum_at = ip->l4_off + 16;
	for (size_t i = 0; i < nfound; i++) {
		size_t pos = ip->l4_off + found[i];
		if (value[i] <= mss)
			continue;
		uint8_t val[2] = {(uint8_t)(mss >> 8), (uint8_t)mss};
		if (csum_partial)
			memcpy(pkt + pos, val, 2);
		else
			csum_replace(pkt, ip->l4_off, ip->tot_len, csum_at, pos, val, 2);
		r = IP_MSS_CLAMPED;
	}
	return r;
}

/* ---- "too big" ICMP errors ---- */

#define ICMP_HDR_LEN          8
#define ICMP_DEST_UNREACH     3
#define ICMP_FRAG_NEEDED      4
#define ICMPV6_PACKET_TOO_BIG 2
/* RFC 1812 4.3.2.3: an ICMP error stays within 576 octets of IP datagram. */
#define ICMP_V4_ERROR_MAX 576
/* RFC 4443 2.4(c): within the IPv6 minimum MTU. */
#define ICMP_V6_ERROR_MAX IP_V6_MIN_MTU
/* RFC 1812 4.3.2.5: errors other than Source Quench get precedence 6. */
#define ICMP_V4_ERROR_TOS 0xc0
#define ICMP_DEFAULT_TTL  64

const char *ip_icmp_result_name(enum ip_icmp_result r)
{
	static const char *const names[IP_ICMP_RESULT_COUNT] = {
	    [IP_ICMP_BUILT] = "built",
	    [IP_ICMP_FITS] = "fits",
	    [IP_ICMP_FRAGMENT] = "fragment",
	    [IP_ICMP_BAD_MTU] = "bad-mtu",
	    [IP_ICMP_NOT_FOR_ERROR] = "not-for-icmp-error",
	    [IP_ICMP_NOT_FOR_FRAGMENT] = "not-for-fragment",
	    [IP_ICMP_NOT_FOR_SOURCE] = "not-for-source",
	    [IP_ICMP_NOT_FOR_DEST] = "not-for-destination",
	    [IP_ICMP_NOT_FOR_BAD_HDR] = "not-for-bad-header",
	    [IP_ICMP_NO_ROOM] = "no-room",
	};

	if ((unsigned)r >= IP_ICMP_RESULT_COUNT)
		return "unknown";
	return names[r];
}

/* ICMP types that are errors (RFC 792, RFC 1812 4.3.2.7). Types past the
 * last one defined by RFC 792 and RFC 950 (18) count as errors too, so
 * that nothing unknown is ever answered. */
static bool icmp4_is_error(uint8_t type)
{
	switch (type) {
	case 3:  /* destination unreachable */
	case 4:  /* source quench */
	case 5:  /* redirect */
	case 11: /* time exceeded */
	case 12: /* parameter problem */
		return true;
	default:
		return type > 18;
	}
}

/* RFC 1812 5.3.7: sources a router must not answer. */
static bool v4_src_invalid(const uint8_t *a)
{
	return a[0] == 0       /* "this network" (network prefix zero) */
	       || a[0] == 127  /* loopback */
	       || a[0] >= 224; /* multicast, class E, limited broadcast */
}

static bool v4_dst_no_errors(const uint8_t *a)
{
	static const uint8_t bcast[4] = {255, 255, 255, 255};

	return (a[0] & 0xf0) == 224 || memcmp(a, bcast, 4) == 0;
}

/* RFC 4443 2.4(e.6) and RFC 4291 2.5.2/2.5.3/2.7: sources that do not name
 * a single node. */
static bool v6_src_invalid(const uint8_t *a)
{
	static const uint8_t zero[16];
	uint8_t loop[16] = {0};

	loop[15] = 1;
	return a[0] == 0xff || memcmp(a, zero, 16) == 0 || memcmp(a, loop, 16) == 0;
}

/* Is the packet an ICMP(v6) message that must not be answered, by the type
 * octet of its upper layer? A packet whose type octet cannot be seen is
 * treated as one: never answer what might be an error. */
static bool is_icmp_error(const uint8_t *pkt, const struct ip_pkt *ip)
{
	uint8_t icmp = ip->version == 4 ? IP_PROTO_ICMP : IP_PROTO_ICMPV6;
	struct cursor c;
	uint8_t type;

	if (!ip->l4_found || ip->l4_proto != icmp)
		return false;
	cursor_init(&c, pkt + ip->l4_off, ip->tot_len - ip->l4_off);
	if (cursor_get_u8(&c, &type) != 0)
		return true;
	if (ip->version == 4)
		return icmp4_is_error(type);
	/* RFC 4443 2.1: error types are 0-127; 2.4(e.2): nor for a Redirect
	 * (RFC 4861 4.5). */
	return type < 128 || type == 137;
}

enum ip_icmp_result ip_icmp_too_big(struct builder *b, const uint8_t *pkt, const struct ip_pkt *ip,
                                    uint32_t mtu, const struct ip_icmp_origin *from)
{
	if (ip->tot_len <= mtu)
		return IP_ICMP_FITS;

	bool v4 = ip->version == 4;
	if (v4) {
		if (!ip->df)
			return IP_ICMP_FRAGMENT;
		if (mtu < IP_V4_MIN_MTU)
			return IP_ICMP_BAD_MTU;
		if (!ip->hdr_csum_ok)
			return IP_ICMP_NOT_FOR_BAD_HDR;
		if (ip->frag_off != 0)
			return IP_ICMP_NOT_FOR_FRAGMENT;
		if (v4_src_invalid(ip->src))
			return IP_ICMP_NOT_FOR_SOURCE;
		if (v4_dst_no_errors(ip->dst))
			return IP_ICMP_NOT_FOR_DEST;
	} else {
		if (mtu < IP_V6_MIN_MTU)
			return IP_ICMP_BAD_MTU;
		if (v6_src_invalid(ip->src))
			return IP_ICMP_NOT_FOR_SOURCE;
	}
	if (is_icmp_error(pkt, ip))
		return IP_ICMP_NOT_FOR_ERROR;

	size_t ip_hdr = v4 ? IP_V4_HDR_LEN : IP_V6_HDR_LEN;
	size_t max = (v4 ? ICMP_V4_ERROR_MAX : ICMP_V6_ERROR_MAX) - ip_hdr - ICMP_HDR_LEN;
	size_t quote = ip->tot_len < max ? ip->tot_len : max;
	size_t icmp_len = ICMP_HDR_LEN + quote;
	uint8_t proto = v4 ? IP_PROTO_ICMP : IP_PROTO_ICMPV6;
	struct ip_hdr_params h = {
	    .version = ip->version,
	    .src = from->src,
	    .dst = ip->src,
	    .proto = proto,
	    .ttl = from->ttl != 0 ? from->ttl : ICMP_DEFAULT_TTL,
	    .tos = v4 ? ICMP_V4_ERROR_TOS : 0,
	    .id = from->id,
	};

	ip_hdr_put(b, &h, icmp_len);
	size_t icmp_at = builder_len(b);
	if (v4) {
		/* RFC 1191 4: unused (16 bits), then the Next-Hop MTU. */
		builder_put_u8(b, ICMP_DEST_UNREACH);
		builder_put_u8(b, ICMP_FRAG_NEEDED);
		builder_reserve(b, 2);
		builder_put_u16(b, 0);
		builder_put_u16(b, (uint16_t)(mtu > 0xffff ? 0xffff : mtu));
	} else {
		builder_put_u8(b, ICMPV6_PACKET_TOO_BIG);
		builder_put_u8(b, 0);
		builder_reserve(b, 2);
		builder_put_u32(b, mtu);
	}
	builder_put_bytes(b, pkt, quote);
	if (!builder_ok(b))
		return IP_ICMP_NO_ROOM;

	uint32_t sum = 0;
	if (!v4)
		sum = ip_pseudo_sum(6, from->src, ip->src, IP_PROTO_ICMPV6, (uint32_t)icmp_len);
	sum = ip_csum_add(sum, builder_data(b) + icmp_at, icmp_len);
	builder_patch_u16(b, icmp_at + 2, ip_csum_finish(sum));
	return IP_ICMP_BUILT;
}

/* ---- token bucket ---- */

#define NANO 1000000000ull

void ip_tbucket_init(struct ip_tbucket *tb, uint32_t rate, uint32_t burst, uint64_t now_ns)
{
	tb->rate = rate;
	tb->cap = (uint64_t)burst * NANO;
	tb->level = tb->cap;
	tb->last_ns = now_ns;
}

bool ip_tbucket_take(struct ip_tbucket *tb, uint64_t now_ns)
{
	if (now_ns > tb->last_ns && tb->rate > 0) {
		uint64_t elapsed = now_ns - tb->last_ns;
		/* Enough time to refill from empty is as good as any more, and
		 * capping it first keeps elapsed * rate from overflowing. */
		uint64_t full = tb->cap / tb->rate + 1;
		if (elapsed > full)
			elapsed = full;
		tb->level += elapsed * tb->rate;
		if (tb->level > tb->cap)
			tb->level = tb->cap;
	}
	/* A clock that steps back just restarts the interval. */
	tb->last_ns = now_ns;
	if (tb->level < NANO)
		return false;
	tb->level -= NANO;
	return true;
}
