/*
 * ip_util.h - IP packet helpers shared by the GRE and ESP data paths of
 * skygate-tunneld: Internet checksums, a minimal IPv4/IPv6 header parser,
 * outer header writers, TCP MSS clamping, the ICMP errors a tunnel owes a
 * sender whose packet does not fit (IPv4 "fragmentation needed", ICMPv6
 * "Packet Too Big"), and a token bucket to rate-limit them.
 *
 * Nothing here allocates or keeps a pointer past the call. Every byte of a
 * packet is read through struct cursor (lib/cursor.h); functions that
 * rewrite a packet do so only at offsets the parser has already proved to
 * be inside it. Addresses and multi-byte fields stay in network order in
 * the caller's buffers; checksums are handled as host integers whose value
 * is the big-endian 16-bit word on the wire.
 *
 * Not thread-safe in the sense that a struct ip_tbucket belongs to one
 * thread; every other function is pure or touches only its arguments.
 */
#ifndef SKYGATE_IP_UTIL_H
#define SKYGATE_IP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cursor.h"

/* IANA protocol numbers, and the IPv6 extension headers among them. */
enum ip_proto {
	IP_PROTO_HOPOPTS = 0, /* IPv6 Hop-by-Hop Options (RFC 8200 4.3) */
	IP_PROTO_ICMP = 1,
	IP_PROTO_TCP = 6,
	IP_PROTO_UDP = 17,
	IP_PROTO_ROUTING = 43,  /* RFC 8200 4.4 */
	IP_PROTO_FRAGMENT = 44, /* RFC 8200 4.5 */
	IP_PROTO_GRE = 47,
	IP_PROTO_ESP = 50,
	IP_PROTO_AH = 51,
	IP_PROTO_ICMPV6 = 58,
	IP_PROTO_NONE = 59,    /* IPv6 No Next Header */
	IP_PROTO_DSTOPTS = 60, /* RFC 8200 4.6 */
	IP_PROTO_MOBILITY = 135,
	IP_PROTO_HIP = 139,
	IP_PROTO_SHIM6 = 140,
};

#define IP_V4_HDR_LEN 20
#define IP_V6_HDR_LEN 40
#define IP_V4_MIN_MTU 68   /* RFC 791: every module forwards 68 octets whole */
#define IP_V6_MIN_MTU 1280 /* RFC 8200 section 5 */

/* ---- Internet checksum (RFC 1071) and its incremental update (RFC 1624) ---- */

/*
 * Add data to a running one's complement sum and return the new sum,
 * folded to 16 bits but not complemented. Start with sum 0. Chained calls
 * must pass even lengths except for the last, because an odd byte is
 * summed as the high half of a word padded with zero (RFC 1071 4.1, as
 * RFC 9293 3.1 pads a TCP segment).
 */
uint32_t ip_csum_add(uint32_t sum, const void *data, size_t len);

/* The checksum field value for a folded sum: its one's complement. */
uint16_t ip_csum_finish(uint32_t sum);

/* ip_csum_finish(ip_csum_add(0, data, len)): the checksum to store. A
 * region that already holds a correct checksum gives 0. */
uint16_t ip_csum(const void *data, size_t len);

/*
 * RFC 1624 section 3, equation 3: the new checksum after one 16-bit word of
 * the covered data changed from old_word to new_word. Equation 3 (rather
 * than 2) never turns a correct checksum into the -0 a receiver would
 * compute differently.
 */
uint16_t ip_csum_update16(uint16_t csum, uint16_t old_word, uint16_t new_word);
uint16_t ip_csum_update32(uint16_t csum, uint32_t old_val, uint32_t new_val);

/*
 * The folded pseudo-header sum for an upper-layer checksum: RFC 9293 3.1
 * (TCP over IPv4: source, destination, zero, protocol, TCP length) or
 * RFC 8200 8.1 (source, destination, 32-bit upper-layer length, zeros,
 * next header). src and dst are 4 or 16 octets, by version.
 */
uint32_t ip_pseudo_sum(int version, const uint8_t *src, const uint8_t *dst, uint8_t proto,
                       uint32_t l4_len);

/* ---- parsing ---- */

enum ip_parse_result {
	IP_PARSE_OK = 0,
	IP_PARSE_TRUNCATED, /* shorter than a fixed header, or than its own length */
	IP_PARSE_VERSION,   /* neither 4 nor 6 */
	IP_PARSE_HDRLEN,    /* IPv4 IHL below 5 */
	IP_PARSE_TOTLEN,    /* IPv4 total length shorter than its header */
	IP_PARSE_EXTHDR,    /* IPv6 extension header chain broken or out of order */
};

/*
 * What the data path needs from an IP header. Offsets are from the start
 * of the packet. The buffer may be longer than the packet (tot_len): link
 * padding is not part of it and everything here ignores it.
 */
struct ip_pkt {
	uint8_t version;   /* 4 or 6 */
	uint8_t tos;       /* IPv4 TOS octet, or the IPv6 Traffic Class */
	uint8_t ttl;       /* IPv4 TTL or IPv6 Hop Limit */
	uint8_t proto;     /* IPv4 Protocol, or the IPv6 header's Next Header */
	bool df;           /* IPv4 Don't Fragment; false for IPv6 */
	bool fragment;     /* IPv4 MF or offset set; IPv6 Fragment header seen */
	uint16_t frag_off; /* fragment offset in 8-octet units (0: first or whole) */
	bool hdr_csum_ok;  /* IPv4 header checksum verifies; true for IPv6 */
	uint16_t hdr_len;  /* IPv4 IHL * 4; 40 for IPv6 */
	uint32_t tot_len;  /* the packet's length by its own header(s) */
	/*
	 * The upper-layer header: for IPv6 the first header after the
	 * extension headers walked (Hop-by-Hop, Routing, Fragment,
	 * Destination Options, Mobility, HIP, Shim6). AH and ESP end the walk
	 * and are reported as the upper layer, because what follows them is
	 * either protected (AH, RFC 4302: rewriting it would break the ICV)
	 * or encrypted. l4_found is false for a non-first fragment or an
	 * unusually long chain; l4_off is then 0.
	 */
	bool l4_found;
	uint8_t l4_proto;
	uint32_t l4_off;
	uint8_t src[16]; /* network order; IPv4 in src[0..3], rest zero */
	uint8_t dst[16];
};

/* Parse the IP header(s) at the start of pkt. *out is filled only on
 * IP_PARSE_OK. */
enum ip_parse_result ip_parse(const void *pkt, size_t len, struct ip_pkt *out);

const char *ip_parse_result_name(enum ip_parse_result r);

/* ---- writing headers ---- */

/* An outer IPv4 or IPv6 header for a payload the caller appends next. */
struct ip_hdr_params {
	int version;        /* 4 or 6 */
	const uint8_t *src; /* 4 or 16 octets */
	const uint8_t *dst;
	uint8_t proto;      /* Protocol / Next Header */
	uint8_t ttl;        /* TTL / Hop Limit */
	uint8_t tos;        /* TOS / Traffic Class */
	bool df;            /* IPv4 only */
	uint16_t id;        /* IPv4 Identification; see RFC 6864 */
	uint32_t flowlabel; /* IPv6 only, 20 bits */
};

/*
 * Append an IPv4 header (20 octets, no options, checksum filled in) or an
 * IPv6 header (40 octets) for payload_len octets of payload. Fails the
 * builder if the total would not fit the length field (65535 for IPv4's
 * total length, 65535 for IPv6's payload length: no jumbograms).
 */
void ip_hdr_put(struct builder *b, const struct ip_hdr_params *h, size_t payload_len);

/* ---- TCP MSS clamping ---- */

enum ip_mss_result {
	IP_MSS_CLAMPED,   /* at least one MSS option was lowered */
	IP_MSS_UNCHANGED, /* a SYN whose MSS already fits, or that has none */
	IP_MSS_NOT_SYN,   /* not TCP, not a SYN, or no TCP header to see */
	IP_MSS_MALFORMED, /* TCP header or option list broken: left alone */
};

/*
 * The largest MSS that fits a path MTU: MTU less the IP and TCP headers
 * without options (RFC 9293 3.7.1: 40 for IPv4, 60 for IPv6). 0 if the
 * MTU is too small to say.
 */
uint16_t ip_mss_for_mtu(int version, uint32_t mtu);

/*
 * Lower the MSS option of a TCP SYN or SYN-ACK to at most mss, so that the
 * two ends never send segments the tunnel would have to fragment or drop.
 * pkt is the packet ip_parse() described in *ip. The option list is walked
 * per RFC 9293 3.1 (EOL ends it, NOP is one octet, every other option has
 * a length of at least 2); a malformed list, or an MSS option whose length
 * is not 4, leaves the packet untouched. The TCP checksum is updated
 * incrementally (RFC 1624), also when the option sits at an odd offset.
 *
 * csum_partial: the checksum field holds only the pseudo-header sum, to be
 * completed by offload (virtio-net VIRTIO_NET_HDR_F_NEEDS_CSUM); it must
 * then not be updated.
 *
 * A SYN without an MSS option is left alone: its sender assumes 536 (IPv4)
 * or 1220 (IPv6), RFC 9293 3.7.1, which fits any tunnel.
 */
enum ip_mss_result ip_mss_clamp(uint8_t *pkt, const struct ip_pkt *ip, uint16_t mss,
                                bool csum_partial);

/* ---- "too big" ICMP errors ---- */

enum ip_icmp_result {
	IP_ICMP_BUILT = 0,        /* the error is in the builder */
	IP_ICMP_FITS,             /* the packet fits the MTU: nothing to say */
	IP_ICMP_FRAGMENT,         /* IPv4 without DF: fragment it instead */
	IP_ICMP_BAD_MTU,          /* MTU below 68 (IPv4) or 1280 (IPv6): see below */
	IP_ICMP_NOT_FOR_ERROR,    /* the packet is an ICMP error or ICMPv6 Redirect */
	IP_ICMP_NOT_FOR_FRAGMENT, /* a non-first IPv4 fragment */
	IP_ICMP_NOT_FOR_SOURCE,   /* source cannot take an answer (0/8, 127/8,
	                           * multicast, class E, ::, ::1, ff00::/8) */
	IP_ICMP_NOT_FOR_DEST,     /* IPv4 multicast or limited broadcast */
	IP_ICMP_NOT_FOR_BAD_HDR,  /* IPv4 header checksum fails */
	IP_ICMP_NO_ROOM,          /* the builder is too small */
	IP_ICMP_RESULT_COUNT
};

const char *ip_icmp_result_name(enum ip_icmp_result r);

/* Who the error comes from. */
struct ip_icmp_origin {
	const uint8_t *src; /* our address, 4 or 16 octets to match the packet */
	uint8_t ttl;        /* TTL / Hop Limit of the error; 0 means 64 */
	uint16_t id;        /* IPv4 Identification of the error */
};

/*
 * If the packet pkt (described by *ip) does not fit mtu, append to b the
 * complete IP packet that tells its sender so, addressed back to it:
 *
 * - IPv4 with DF: ICMP Destination Unreachable, code 4 "fragmentation
 *   needed and DF set" (RFC 792) with the Next-Hop MTU (RFC 1191 section
 *   4), quoting as much of the packet as keeps the error within 576 octets
 *   (RFC 1812 4.3.2.3; at least the header and 64 bits, RFC 792), sent
 *   with precedence 6 (RFC 1812 4.3.2.5).
 * - IPv6: ICMPv6 Packet Too Big (RFC 4443 3.2), quoting as much as keeps
 *   the error within 1280 octets, checksummed over the pseudo-header
 *   (RFC 4443 2.3).
 *
 * Never for what RFC 1812 4.3.2.7 and RFC 4443 2.4(e) exclude: ICMP errors
 * and ICMPv6 Redirects, non-first IPv4 fragments, IPv4 packets to multicast
 * or limited broadcast, sources that do not name one node, IPv4 headers
 * that fail their checksum. An IPv6 packet to a multicast address does get
 * one (RFC 4443 2.4(e.3)). A directed broadcast is not recognised here:
 * only the routing table knows one. On IP_ICMP_NO_ROOM the builder is
 * failed, as after any put that did not fit. from->src must be set.
 *
 * An MTU below the minimum of the inner family means the tunnel must carry
 * such packets anyway, by fragmenting the outer packet (RFC 8200 section
 * 5, RFC 4459): IP_ICMP_BAD_MTU tells the caller so. Rate limiting (RFC
 * 1812 4.3.2.8, RFC 4443 2.4(f)) is the caller's: see ip_tbucket.
 */
enum ip_icmp_result ip_icmp_too_big(struct builder *b, const uint8_t *pkt, const struct ip_pkt *ip,
                                    uint32_t mtu, const struct ip_icmp_origin *from);

/* ---- token bucket ---- */

/*
 * rate tokens a second, at most burst banked; the caller supplies a
 * monotonic clock in nanoseconds, so tests need no sleeping. Starts full.
 */
struct ip_tbucket {
	uint64_t rate;  /* tokens per second */
	uint64_t cap;   /* burst, in nanotokens */
	uint64_t level; /* nanotokens banked */
	uint64_t last_ns;
};

void ip_tbucket_init(struct ip_tbucket *tb, uint32_t rate, uint32_t burst, uint64_t now_ns);
/* Take one token if there is one. */
bool ip_tbucket_take(struct ip_tbucket *tb, uint64_t now_ns);

#endif
