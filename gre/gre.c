/*
 * gre.c - GRE encapsulation and decapsulation (RFC 2784, RFC 2890) and
 * Cisco-style keepalives.
 */
#include "gre.h"

#include <string.h>

#include "ip_util.h"

/* Cisco keepalives travel with the largest TTL so that any path works. */
#define GRE_KEEPALIVE_TTL 255
#define GRE_DEFAULT_TTL   64

static const char *const drop_names[GRE_DROP_COUNT] = {
    [GRE_DROP_TRUNCATED] = "truncated",
    [GRE_DROP_VERSION] = "version",
    [GRE_DROP_FLAGS] = "flags",
    [GRE_DROP_RESERVED] = "reserved",
    [GRE_DROP_CSUM_MISSING] = "checksum-missing",
    [GRE_DROP_CSUM_BAD] = "checksum-bad",
    [GRE_DROP_KEY_MISSING] = "key-missing",
    [GRE_DROP_KEY_UNEXPECTED] = "key-unexpected",
    [GRE_DROP_KEY_MISMATCH] = "key-mismatch",
    [GRE_DROP_SEQ_ORDER] = "sequence-order",
    [GRE_DROP_PROTO] = "protocol",
    [GRE_DROP_INNER_FAMILY] = "inner-family",
    [GRE_DROP_INNER_MALFORMED] = "inner-malformed",
    [GRE_DROP_TTL] = "ttl",
};

static const char *const tx_drop_names[GRE_TX_DROP_COUNT] = {
    [GRE_TX_DROP_NOT_IP] = "not-ip",
    [GRE_TX_DROP_TOO_BIG] = "too-big",
    [GRE_TX_DROP_NO_ROOM] = "no-room",
};

const char *gre_drop_name(enum gre_drop d)
{
	return (unsigned)d < GRE_DROP_COUNT ? drop_names[d] : "unknown";
}

const char *gre_tx_drop_name(enum gre_tx_drop d)
{
	return (unsigned)d < GRE_TX_DROP_COUNT ? tx_drop_names[d] : "unknown";
}

/* ---- configuration ---- */

void gre_config_default(struct gre_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->version = 4;
	cfg->df = GRE_DF_SET;
	cfg->ttl = GRE_DEFAULT_TTL;
}

void gre_config_tgw_connect(struct gre_config *cfg, int version)
{
	/* A Connect peer is plain RFC 2784 GRE: the transit gateway offers no
	 * key, checksum or sequence number settings, and its outer addresses
	 * are of one family, IPv4 or IPv6 (docs/gre.md). */
	gre_config_default(cfg);
	cfg->version = version;
}

int gre_tunnel_init(struct gre_tunnel *t, const struct gre_config *cfg)
{
	if (cfg->version != 4 && cfg->version != 6)
		return -1;
	if (cfg->ttl == 0)
		return -1;
	/* ECN belongs to the inner packet's flow (RFC 6040); a fixed outer
	 * codepoint could only mislead routers on the path. */
	if ((cfg->tos & 0x03) != 0)
		return -1;
	if (cfg->flowlabel > 0xfffff)
		return -1;
	if (cfg->df != GRE_DF_SET && cfg->df != GRE_DF_CLEAR && cfg->df != GRE_DF_INHERIT)
		return -1;
	memset(t, 0, sizeof(*t));
	t->cfg = *cfg;
	return 0;
}

void gre_rx_seq_reset(struct gre_tunnel *t)
{
	t->rx_seq_valid = false;
	t->rx_seq_last = 0;
}

/* ---- encapsulation ---- */

/* The GRE header for a set of options. */
struct gre_hdr_opts {
	bool csum, key, seq;
	uint32_t key_val, seq_val;
	uint16_t proto;
};

static size_t hdr_len_for(bool csum, bool key, bool seq)
{
	return GRE_HDR_MIN + (csum ? 4 : 0) + (key ? 4 : 0) + (seq ? 4 : 0);
}

size_t gre_header_len(const struct gre_tunnel *t)
{
	return hdr_len_for(t->cfg.tx_csum, t->cfg.tx_key_on, t->cfg.tx_seq);
}

static size_t delivery_len(int version)
{
	return version == 4 ? IP_V4_HDR_LEN : IP_V6_HDR_LEN;
}

size_t gre_overhead(const struct gre_tunnel *t)
{
	return delivery_len(t->cfg.version) + gre_header_len(t);
}

/*
 * Write a GRE header with the options o, followed (in the sum, not in the
 * buffer) by payload, and fill in its checksum if present: RFC 2784 2.5,
 * the one's complement sum over the header with a zero checksum field
 * and the payload. The header is a multiple of 4 octets long, so the
 * payload's words line up whatever its length.
 */
static void put_gre_header(struct builder *b, const struct gre_hdr_opts *o, const uint8_t *payload,
                           size_t plen)
{
	size_t start = builder_len(b);
	size_t csum_at = SIZE_MAX;
	uint16_t flags =
	    (o->csum ? GRE_F_CSUM : 0) | (o->key ? GRE_F_KEY : 0) | (o->seq ? GRE_F_SEQ : 0);

	builder_put_u16(b, flags);
	builder_put_u16(b, o->proto);
	if (o->csum) {
		csum_at = builder_reserve(b, 2);
		builder_put_u16(b, 0); /* Reserved1, RFC 2784 2.6 */
	}
	if (o->key)
		builder_put_u32(b, o->key_val);
	if (o->seq)
		builder_put_u32(b, o->seq_val);
	if (!builder_ok(b) || !o->csum)
		return;
	uint32_t sum = ip_csum_add(0, builder_data(b) + start, builder_len(b) - start);
	sum = ip_csum_add(sum, payload, plen);
	builder_patch_u16(b, csum_at, ip_csum_finish(sum));
}

static bool delivery_df(const struct gre_config *cfg, const struct ip_pkt *inner)
{
	switch (cfg->df) {
	case GRE_DF_CLEAR:
		return false;
	case GRE_DF_INHERIT:
		return inner->version == 6 || inner->df;
	case GRE_DF_SET:
	default:
		return true;
	}
}

/*
 * Write the delivery header (if asked) and the GRE header into hdr, which
 * has exactly the room for them; the payload is elsewhere. Consumes a
 * sequence number. hdr_room was checked by the caller, so this cannot
 * fail short of a bug.
 */
static int write_headers(struct gre_tunnel *t, uint8_t *hdr, size_t hdr_room,
                         const uint8_t *payload, const struct ip_pkt *ip, enum gre_outer outer,
                         uint16_t ip_id)
{
	const struct gre_config *cfg = &t->cfg;
	struct builder b;
	size_t glen = gre_header_len(t);
	struct gre_hdr_opts o = {
	    .csum = cfg->tx_csum,
	    .key = cfg->tx_key_on,
	    .key_val = cfg->tx_key,
	    .seq = cfg->tx_seq,
	    .seq_val = t->tx_seq,
	    .proto = ip->version == 4 ? GRE_PROTO_IPV4 : GRE_PROTO_IPV6,
	};

	builder_init_fixed(&b, hdr, hdr_room);
	if (outer == GRE_OUTER_IP) {
		struct ip_hdr_params h = {
		    .version = cfg->version,
		    .src = cfg->local,
		    .dst = cfg->remote,
		    .proto = IP_PROTO_GRE,
		    .ttl = cfg->ttl,
		    .tos = cfg->tos,
		    .df = delivery_df(cfg, ip),
		    .id = ip_id,
		    .flowlabel = cfg->flowlabel,
		};
		ip_hdr_put(&b, &h, glen + ip->tot_len);
	}
	put_gre_header(&b, &o, payload, ip->tot_len);
	if (!builder_ok(&b) || builder_len(&b) != hdr_room)
		return -1;
	/* RFC 2890 2.2: a free-running counter modulo 2^32, first sent as 0. */
	if (cfg->tx_seq)
		t->tx_seq++;
	return 0;
}

/* Size the encapsulation of a parsed inner packet; counts refusals. */
static int encap_size(struct gre_tunnel *t, enum gre_outer outer, const struct ip_pkt *ip,
                      size_t *hdr_len)
{
	size_t glen = gre_header_len(t);
	size_t dlen = outer == GRE_OUTER_IP ? delivery_len(t->cfg.version) : 0;
	/* The delivery header's length field: IPv4 total length covers its
	 * own header, IPv6 payload length does not (RFC 8200 3; no
	 * jumbograms, RFC 2675, on a tunnel). */
	size_t limited = glen + ip->tot_len + (t->cfg.version == 4 ? IP_V4_HDR_LEN : 0);
	if (limited > 0xffff) {
		t->stats.tx_drop[GRE_TX_DROP_TOO_BIG]++;
		return -1;
	}
	*hdr_len = dlen + glen;
	return 0;
}

/* Validate an inner packet and size its encapsulation; counts refusals. */
static int encap_prepare(struct gre_tunnel *t, const uint8_t *inner, size_t len,
                         enum gre_outer outer, struct ip_pkt *ip, size_t *hdr_len)
{
	if (ip_parse(inner, len, ip) != IP_PARSE_OK) {
		t->stats.tx_drop[GRE_TX_DROP_NOT_IP]++;
		return -1;
	}
	return encap_size(t, outer, ip, hdr_len);
}

static int encap_builder(struct gre_tunnel *t, struct builder *b, const uint8_t *inner, size_t len,
                         enum gre_outer outer, uint16_t ip_id, struct ip_pkt *ipp)
{
	struct ip_pkt ip;
	size_t hlen;

	if (encap_prepare(t, inner, len, outer, &ip, &hlen) != 0)
		return -1;
	*ipp = ip;
	size_t at = builder_reserve(b, hlen);
	builder_put_bytes(b, inner, ip.tot_len);
	if (!builder_ok(b)) {
		t->stats.tx_drop[GRE_TX_DROP_NO_ROOM]++;
		return -1;
	}
	/* The builder is done growing: its data pointer is stable now. */
	return write_headers(t, b->data + at, hlen, b->data + at + hlen, &ip, outer, ip_id);
}

int gre_encap(struct gre_tunnel *t, struct builder *b, const uint8_t *inner, size_t len,
              enum gre_outer outer, uint16_t ip_id)
{
	struct ip_pkt ip;

	if (encap_builder(t, b, inner, len, outer, ip_id, &ip) != 0)
		return -1;
	t->stats.tx_packets++;
	t->stats.tx_bytes += ip.tot_len;
	return 0;
}

size_t gre_encap_prepend(struct gre_tunnel *t, uint8_t *inner, size_t headroom, size_t len,
                         enum gre_outer outer, uint16_t ip_id)
{
	struct ip_pkt ip;

	if (ip_parse(inner, len, &ip) != IP_PARSE_OK) {
		t->stats.tx_drop[GRE_TX_DROP_NOT_IP]++;
		return 0;
	}
	return gre_encap_prepend_parsed(t, inner, headroom, &ip, outer, ip_id);
}

size_t gre_encap_prepend_parsed(struct gre_tunnel *t, uint8_t *inner, size_t headroom,
                                const struct ip_pkt *ip, enum gre_outer outer, uint16_t ip_id)
{
	size_t hlen;

	if (encap_size(t, outer, ip, &hlen) != 0)
		return 0;
	if (headroom < hlen) {
		t->stats.tx_drop[GRE_TX_DROP_NO_ROOM]++;
		return 0;
	}
	if (write_headers(t, inner - hlen, hlen, inner, ip, outer, ip_id) != 0)
		return 0;
	t->stats.tx_packets++;
	t->stats.tx_bytes += ip->tot_len;
	return hlen;
}

/* ---- decapsulation ---- */

static enum gre_verdict drop(struct gre_tunnel *t, struct gre_rx *rx, enum gre_drop why)
{
	t->stats.rx_drop[why]++;
	rx->verdict = GRE_DROP;
	rx->drop = why;
	rx->inner = NULL;
	rx->inner_len = 0;
	return GRE_DROP;
}

/*
 * RFC 2890 2.2: a packet is out of order if its number is the last one
 * accepted or among the 2^31 - 1 before it, modulo 2^32; so it is in
 * order when it is 1 to 2^31 ahead.
 */
static bool seq_in_order(uint32_t last, uint32_t seq)
{
	uint32_t ahead = seq - last;

	return ahead != 0 && ahead <= 0x80000000u;
}

/*
 * Is this inner IPv4 packet the peer's keepalive, to be sent back to it?
 * It comes from our delivery address, goes to the peer's, and carries a
 * GRE header of type 0: exactly what the peer's own keepalive builder put
 * inside, and nothing we would ever need to deliver to the TUN device
 * (whose kernel would drop a packet from one of its own addresses).
 */
static bool is_peer_keepalive(const struct gre_config *cfg, const uint8_t *inner,
                              const struct ip_pkt *ip)
{
	struct cursor c;
	uint16_t flags, proto;

	if (cfg->version != 4 || ip->version != 4 || ip->proto != IP_PROTO_GRE || !ip->l4_found)
		return false;
	if (memcmp(ip->src, cfg->local, 4) != 0 || memcmp(ip->dst, cfg->remote, 4) != 0)
		return false;
	cursor_init(&c, inner + ip->l4_off, ip->tot_len - ip->l4_off);
	if (cursor_get_u16(&c, &flags) != 0 || cursor_get_u16(&c, &proto) != 0)
		return false;
	return (flags & GRE_VERSION_MASK) == 0 && proto == GRE_PROTO_KEEPALIVE;
}

enum gre_verdict gre_decap(struct gre_tunnel *t, uint8_t *pkt, size_t len, struct gre_rx *rx)
{
	const struct gre_config *cfg = &t->cfg;
	struct cursor c;
	uint16_t flags, proto, csum, reserved1;

	memset(rx, 0, sizeof(*rx));
	cursor_init(&c, pkt, len);
	if (cursor_get_u16(&c, &flags) != 0 || cursor_get_u16(&c, &proto) != 0)
		return drop(t, rx, GRE_DROP_TRUNCATED);
	rx->proto = proto;
	/* RFC 2784 2.3.1: version 0 only. */
	if ((flags & GRE_VERSION_MASK) != 0)
		return drop(t, rx, GRE_DROP_VERSION);
	/* RFC 2784 2.3: discard if bits 1-5 (less RFC 2890's K and S) are set. */
	if ((flags & GRE_F_DISCARD) != 0)
		return drop(t, rx, GRE_DROP_FLAGS);
	if ((flags & GRE_F_RESERVED) != 0 && cfg->rx_strict_reserved)
		return drop(t, rx, GRE_DROP_RESERVED);

	rx->csum_present = (flags & GRE_F_CSUM) != 0;
	rx->key_present = (flags & GRE_F_KEY) != 0;
	rx->seq_present = (flags & GRE_F_SEQ) != 0;
	if (rx->csum_present) {
		/* Reserved1 is ignored on receipt (RFC 2784 2.6). */
		cursor_get_u16(&c, &csum);
		cursor_get_u16(&c, &reserved1);
	}
	if (rx->key_present)
		cursor_get_u32(&c, &rx->key);
	if (rx->seq_present)
		cursor_get_u32(&c, &rx->seq);
	if (!cursor_ok(&c))
		return drop(t, rx, GRE_DROP_TRUNCATED);

	/* RFC 2784 2.2: a checksum that is present must be processed. The sum
	 * over header and payload, checksum included, is then 0xffff. */
	if (rx->csum_present) {
		if (ip_csum(pkt, len) != 0)
			return drop(t, rx, GRE_DROP_CSUM_BAD);
	} else if (cfg->rx_csum_required) {
		return drop(t, rx, GRE_DROP_CSUM_MISSING);
	}

	/* RFC 2890 2.1: the key names the flow; a tunnel without a key is a
	 * different flow from every keyed one. */
	if (rx->key_present && !cfg->rx_key_on)
		return drop(t, rx, GRE_DROP_KEY_UNEXPECTED);
	if (!rx->key_present && cfg->rx_key_on)
		return drop(t, rx, GRE_DROP_KEY_MISSING);
	if (rx->key_present && rx->key != cfg->rx_key)
		return drop(t, rx, GRE_DROP_KEY_MISMATCH);

	uint8_t *payload = pkt + cursor_offset(&c);
	size_t plen = cursor_remaining(&c);
	struct ip_pkt ip;
	int want;
	switch (proto) {
	case GRE_PROTO_KEEPALIVE:
		want = 0;
		break;
	case GRE_PROTO_IPV4:
		want = 4;
		break;
	case GRE_PROTO_IPV6:
		want = 6;
		break;
	default:
		/* RFC 2784 2.4: a type we do not carry SHOULD be discarded. */
		return drop(t, rx, GRE_DROP_PROTO);
	}
	if (want != 0) {
		uint8_t first;
		if (plen == 0)
			return drop(t, rx, GRE_DROP_INNER_MALFORMED);
		cursor_peek_u8(&c, &first);
		if ((first >> 4) != want)
			return drop(t, rx, GRE_DROP_INNER_FAMILY);
		if (ip_parse(payload, plen, &ip) != IP_PARSE_OK || !ip.hdr_csum_ok)
			return drop(t, rx, GRE_DROP_INNER_MALFORMED);
	}

	/* RFC 2890 2.2: packets without a sequence number may be interleaved
	 * with numbered ones and are not out of order. The first number seen
	 * is accepted whatever it is, rather than only those ahead of
	 * 2^32 - 1: a peer that has been up longer than we have would
	 * otherwise lose up to 2^31 packets. */
	if (rx->seq_present && cfg->rx_in_order) {
		if (t->rx_seq_valid && !seq_in_order(t->rx_seq_last, rx->seq))
			return drop(t, rx, GRE_DROP_SEQ_ORDER);
	}

	if (want == 0) {
		/* One of ours, reflected by the peer. Its payload (normally
		 * none) means nothing. */
		if (rx->seq_present && cfg->rx_in_order) {
			t->rx_seq_last = rx->seq;
			t->rx_seq_valid = true;
		}
		t->stats.keepalive_rx++;
		rx->verdict = GRE_KEEPALIVE_REPLY;
		return rx->verdict;
	}

	rx->inner = payload;
	rx->inner_len = ip.tot_len;
	rx->inner_version = want;
	if (is_peer_keepalive(cfg, payload, &ip)) {
		if (ip.ttl <= 1)
			return drop(t, rx, GRE_DROP_TTL);
		/* Forward it as a router would: TTL less one, header checksum
		 * updated incrementally (RFC 1624) over the TTL/protocol word. */
		uint16_t old_word = (uint16_t)(ip.ttl << 8 | ip.proto);
		uint16_t new_word = (uint16_t)((ip.ttl - 1) << 8 | ip.proto);
		uint16_t hc = (uint16_t)(payload[10] << 8 | payload[11]);
		hc = ip_csum_update16(hc, old_word, new_word);
		payload[8] = (uint8_t)(ip.ttl - 1);
		payload[10] = (uint8_t)(hc >> 8);
		payload[11] = (uint8_t)hc;
		rx->verdict = GRE_KEEPALIVE_REFLECT;
		t->stats.keepalive_reflect++;
	} else {
		rx->verdict = GRE_DELIVER;
		t->stats.rx_packets++;
		t->stats.rx_bytes += ip.tot_len;
	}
	if (rx->seq_present && cfg->rx_in_order) {
		t->rx_seq_last = rx->seq;
		t->rx_seq_valid = true;
	}
	return rx->verdict;
}

/* ---- keepalives ---- */

int gre_keepalive_build(struct gre_tunnel *t, struct builder *b, uint16_t outer_id,
                        uint16_t inner_id)
{
	const struct gre_config *cfg = &t->cfg;
	uint8_t inner[IP_V4_HDR_LEN + GRE_HDR_MAX];
	struct builder ib;

	if (cfg->version != 4)
		return -1;
	/* The inner GRE header is what comes back to us: give it what our
	 * receive side checks for, and no sequence number, since our own
	 * keepalive is not part of the peer's numbered flow. */
	struct gre_hdr_opts o = {
	    .csum = cfg->rx_csum_required,
	    .key = cfg->rx_key_on,
	    .key_val = cfg->rx_key,
	    .proto = GRE_PROTO_KEEPALIVE,
	};
	size_t glen = hdr_len_for(o.csum, o.key, false);
	struct ip_hdr_params h = {
	    .version = 4,
	    .src = cfg->remote,
	    .dst = cfg->local,
	    .proto = IP_PROTO_GRE,
	    .ttl = GRE_KEEPALIVE_TTL,
	    .tos = cfg->tos,
	    .id = inner_id,
	};

	builder_init_fixed(&ib, inner, sizeof(inner));
	ip_hdr_put(&ib, &h, glen);
	put_gre_header(&ib, &o, NULL, 0);
	if (!builder_ok(&ib))
		return -1;
	struct ip_pkt ip;
	if (encap_builder(t, b, builder_data(&ib), builder_len(&ib), GRE_OUTER_IP, outer_id, &ip) !=
	    0)
		return -1;
	t->stats.keepalive_tx++;
	return 0;
}
