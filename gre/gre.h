/*
 * gre.h - GRE encapsulation and decapsulation for skygate-tunneld:
 * RFC 2784 (header, checksum), RFC 2890 (key, sequence number), IPv4 and
 * IPv6 payloads (protocol types 0x0800 and 0x86DD) over an IPv4 or IPv6
 * delivery header (RFC 7676), and Cisco-style keepalives.
 *
 * No sockets here: a tunnel turns inner packets into GRE packets (with or
 * without the outer IP header, for a raw socket with or without
 * IP_HDRINCL) and GRE packets back into inner packets, and counts what it
 * did and every reason it refused.
 *
 * Ownership and threads: a struct gre_tunnel is a plain value the caller
 * owns (no allocation, nothing to free). Its sequence numbers and
 * counters change on every packet, so one tunnel is driven by one thread
 * at a time. Every function borrows its buffers for the call only.
 */
#ifndef SKYGATE_GRE_H
#define SKYGATE_GRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

struct ip_pkt; /* ip_util.h */

/* Flags and version, the first 16 bits of the header (RFC 2784 2, RFC 2890 2). */
#define GRE_F_CSUM 0x8000 /* bit 0: Checksum Present */
#define GRE_F_KEY  0x2000 /* bit 2: Key Present (RFC 2890) */
#define GRE_F_SEQ  0x1000 /* bit 3: Sequence Number Present (RFC 2890) */
/* RFC 2784 2.3: bits 1-5 non-zero means discard, less bits 2 and 3 that
 * RFC 2890 took for K and S: bit 1 (RFC 1701 Routing Present), bit 4
 * (Strict Source Route), bit 5 (first bit of Recursion Control). */
#define GRE_F_DISCARD 0x4c00
/* RFC 2784 2.3: bits 6-12 are sent as zero and ignored on receipt. */
#define GRE_F_RESERVED   0x03f8
#define GRE_VERSION_MASK 0x0007

/* Protocol types (EtherTypes) this data plane carries. */
enum gre_proto {
	GRE_PROTO_KEEPALIVE = 0x0000, /* the inner header of a Cisco keepalive */
	GRE_PROTO_IPV4 = 0x0800,
	GRE_PROTO_IPV6 = 0x86dd,
};

#define GRE_HDR_MIN 4
#define GRE_HDR_MAX 16

/* Why a received packet was dropped. Each has a counter. */
enum gre_drop {
	GRE_DROP_TRUNCATED,       /* shorter than the header its flags announce */
	GRE_DROP_VERSION,         /* version not 0 (RFC 2784 2.3.1; 1 is PPTP) */
	GRE_DROP_FLAGS,           /* bit 1, 4 or 5 set (RFC 2784 2.3) */
	GRE_DROP_RESERVED,        /* bits 6-12 set and rx_strict_reserved */
	GRE_DROP_CSUM_MISSING,    /* tunnel requires checksums, packet has none */
	GRE_DROP_CSUM_BAD,        /* checksum does not verify (RFC 2784 2.5) */
	GRE_DROP_KEY_MISSING,     /* tunnel has an input key, packet has none */
	GRE_DROP_KEY_UNEXPECTED,  /* packet has a key, tunnel has none */
	GRE_DROP_KEY_MISMATCH,    /* both have keys, and they differ */
	GRE_DROP_SEQ_ORDER,       /* out of order or duplicate (RFC 2890 2.2) */
	GRE_DROP_PROTO,           /* type not IPv4, IPv6 or keepalive (RFC 2784 2.4) */
	GRE_DROP_INNER_FAMILY,    /* payload's IP version disagrees with the type */
	GRE_DROP_INNER_MALFORMED, /* payload is not a well-formed IP packet */
	GRE_DROP_TTL,             /* keepalive to reflect has no TTL left */
	GRE_DROP_COUNT
};

/* Why a packet to send was refused. */
enum gre_tx_drop {
	GRE_TX_DROP_NOT_IP,  /* the inner packet is not a well-formed IPv4/IPv6 packet */
	GRE_TX_DROP_TOO_BIG, /* the delivery packet would pass 65535 octets */
	GRE_TX_DROP_NO_ROOM, /* the builder or headroom is too small */
	GRE_TX_DROP_COUNT
};

const char *gre_drop_name(enum gre_drop d);
const char *gre_tx_drop_name(enum gre_tx_drop d);

/* How the outer IPv4 header's DF bit is chosen. */
enum gre_df {
	GRE_DF_SET,     /* always (the default: PMTUD works for the tunnel) */
	GRE_DF_CLEAR,   /* never: routers may fragment the delivery packet */
	GRE_DF_INHERIT, /* copy an IPv4 payload's DF; set it for IPv6 payloads,
	                 * which routers never fragment (RFC 8200 section 5) */
};

struct gre_config {
	int version;        /* delivery header: 4 or 6 */
	uint8_t local[16];  /* our outer address (IPv4 in local[0..3]) */
	uint8_t remote[16]; /* the peer's outer address */

	bool tx_key_on; /* send the Key field (RFC 2890 2.1) */
	uint32_t tx_key;
	bool rx_key_on; /* accept only packets with this key; with it off,
	                 * accept only packets without a key */
	uint32_t rx_key;
	bool tx_csum;            /* send the Checksum field (RFC 2784 2.5) */
	bool rx_csum_required;   /* drop packets without one; a checksum that is
	                          * present is always verified (RFC 2784 2.2) */
	bool tx_seq;             /* send sequence numbers from 0 (RFC 2890 2.2) */
	bool rx_in_order;        /* drop out-of-order packets (RFC 2890 2.2) */
	bool rx_strict_reserved; /* drop packets with bits 6-12 set, which
	                          * RFC 2784 2.3 says to ignore */

	enum gre_df df;     /* IPv4 delivery header only */
	uint8_t ttl;        /* delivery TTL / Hop Limit, 1-255 */
	uint8_t tos;        /* delivery DSCP, as a TOS octet; ECN bits must be 0 */
	uint32_t flowlabel; /* IPv6 delivery header, 20 bits */
};

struct gre_counters {
	uint64_t tx_packets;        /* data packets encapsulated */
	uint64_t tx_bytes;          /* their inner octets */
	uint64_t rx_packets;        /* data packets decapsulated for delivery */
	uint64_t rx_bytes;          /* their inner octets */
	uint64_t keepalive_tx;      /* keepalives built */
	uint64_t keepalive_rx;      /* our keepalives come back */
	uint64_t keepalive_reflect; /* the peer's keepalives to send back */
	uint64_t rx_drop[GRE_DROP_COUNT];
	uint64_t tx_drop[GRE_TX_DROP_COUNT];
};

struct gre_tunnel {
	struct gre_config cfg;
	uint32_t tx_seq;      /* next sequence number to send */
	uint32_t rx_seq_last; /* last in-order sequence number received */
	bool rx_seq_valid;    /* rx_seq_last holds a received number */
	struct gre_counters stats;
};

/* Plain GRE over IPv4: no key, checksum or sequence numbers, DF set, TTL 64. */
void gre_config_default(struct gre_config *cfg);

/*
 * The AWS Transit Gateway Connect profile (docs/gre.md): the default
 * with the given delivery family, which is all a Connect peer speaks.
 */
void gre_config_tgw_connect(struct gre_config *cfg, int version);

/* Start a tunnel with a copy of cfg: counters zero, sequence numbers from
 * 0. -1 if cfg is invalid (version, TTL 0, ECN bits, flow label). */
int gre_tunnel_init(struct gre_tunnel *t, const struct gre_config *cfg);

/* Forget the peer's sequence numbers (it restarted, or the operator said
 * so): the next number received is accepted whatever it is. */
void gre_rx_seq_reset(struct gre_tunnel *t);

/* Octets of GRE header this tunnel sends: 4, plus 4 for each of checksum,
 * key and sequence number. */
size_t gre_header_len(const struct gre_tunnel *t);
/* The same plus the delivery header: what the tunnel MTU loses. */
size_t gre_overhead(const struct gre_tunnel *t);

enum gre_outer {
	GRE_OUTER_NONE, /* GRE header and payload: for a raw socket that writes
	                 * the IP header itself */
	GRE_OUTER_IP,   /* delivery header too: for IP_HDRINCL and captures */
};

/*
 * Append the encapsulation of one inner IPv4 or IPv6 packet to b (only
 * its own length is taken: link padding past it is dropped). ip_id is the
 * delivery header's IPv4 Identification (ignored for IPv6 and for
 * GRE_OUTER_NONE): with DF set any value is fine (RFC 6864 4.1); without
 * it, the caller keeps IDs unique per address pair. 0 on success; -1 with
 * the reason counted, and b failed only for GRE_TX_DROP_NO_ROOM.
 */
int gre_encap(struct gre_tunnel *t, struct builder *b, const uint8_t *inner, size_t len,
              enum gre_outer outer, uint16_t ip_id);

/*
 * The same in place: the inner packet is at inner[0..len) with headroom
 * writable octets before it; the headers are written just in front of it.
 * Returns how many octets were prepended (the packet now starts at
 * inner - n), or 0 with the reason counted.
 */
size_t gre_encap_prepend(struct gre_tunnel *t, uint8_t *inner, size_t headroom, size_t len,
                         enum gre_outer outer, uint16_t ip_id);

/*
 * The same for an inner packet the caller has parsed already: ip is
 * ip_parse()'s result for inner[0..ip->tot_len), which the caller may
 * have changed since only where ip_parse() records nothing (an MSS
 * option, a TCP checksum). The data path parses each packet once; a
 * second parse here was an eighth of the GRE sender's user-space
 * instructions (bench/README-tunnel.md).
 */
size_t gre_encap_prepend_parsed(struct gre_tunnel *t, uint8_t *inner, size_t headroom,
                                const struct ip_pkt *ip, enum gre_outer outer, uint16_t ip_id);

enum gre_verdict {
	GRE_DELIVER,           /* an inner packet for the tunnel's TUN device */
	GRE_KEEPALIVE_REPLY,   /* one of our keepalives came back: the peer is up */
	GRE_KEEPALIVE_REFLECT, /* the peer's keepalive: send rx->inner, a complete
	                        * IPv4 packet to the peer, out as it is */
	GRE_DROP,              /* rx->drop says why; counted */
};

struct gre_rx {
	enum gre_verdict verdict;
	enum gre_drop drop; /* when verdict is GRE_DROP */
	uint16_t proto;     /* protocol type */
	bool csum_present, key_present, seq_present;
	uint32_t key, seq;
	uint8_t *inner; /* points into the caller's packet */
	size_t inner_len;
	int inner_version; /* 4 or 6, for GRE_DELIVER and the keepalives */
};

/*
 * Decapsulate one GRE packet: pkt starts at the GRE header (after the
 * delivery header: an IPv4 raw socket reads the IP header too, an IPv6 one
 * does not). The caller has matched the delivery addresses to this tunnel.
 * Checks, in order: version and flag bits (RFC 2784 2.3), length, the
 * checksum if present (RFC 2784 2.5) or required, the key (RFC 2890 2.1),
 * the protocol type and that the payload is an IP packet of that family,
 * then the sequence number (RFC 2890 2.2) if rx_in_order. A returned
 * keepalive (type 0) is recognised once the header checks pass, and a
 * peer's keepalive by its inner IPv4 packet. The buffer is written only
 * to decrement the TTL of a keepalive to reflect (as a router forwarding
 * it would), with its header checksum updated per RFC 1624.
 */
enum gre_verdict gre_decap(struct gre_tunnel *t, uint8_t *pkt, size_t len, struct gre_rx *rx);

/*
 * Append a Cisco-style keepalive for an IPv4 tunnel: a delivery header to
 * the peer, our GRE header with protocol type IPv4, and an inner IPv4
 * packet from the peer's address to ours carrying a GRE header of type 0.
 * The peer decapsulates it and routes the inner packet, which comes back
 * to us as plain GRE of type 0: gre_decap() says GRE_KEEPALIVE_REPLY. The
 * inner GRE header carries what our receive side requires (the input key,
 * a checksum if required) so that the returned packet passes its checks.
 * 0, or -1 (IPv6 tunnel, no room).
 */
int gre_keepalive_build(struct gre_tunnel *t, struct builder *b, uint16_t outer_id,
                        uint16_t inner_id);

#endif
