/*
 * gro.h - coalescing decapsulated TCP segments into one TSO super-packet
 * per write to a TUN device: the receive-side twin of vnet.h's
 * segmentation. The kernel takes a packet written with a virtio-net
 * header of type VIRTIO_NET_HDR_GSO_TCPV4/TCPV6 as one large segment, so
 * one write and one pass through the stack replace up to 45.
 *
 * A run collects consecutive segments of one TCP flow, in order, under
 * the rules Linux's own GRO applies (tcp_gro_receive), so that nothing
 * the receiver would see differs but the number of packets:
 *  - same addresses, ports, TOS/traffic class, TTL/hop limit, DF, flow
 *    label; no IPv4 options, no IPv6 extension headers, no fragments;
 *  - same acknowledgment number, window and TCP options (timestamps
 *    included);
 *  - each segment carries payload and only ACK, or ACK|PSH; a PSH ends
 *    the run, as does a segment shorter than the first (the receiver's
 *    MSS); sequence numbers follow on exactly;
 *  - every segment's TCP checksum verifies before it joins: the written
 *    packet is marked NEEDS_CSUM, which the stack takes as checked.
 *
 * UDP datagrams of one flow merge the same way into a USO write
 * (VIRTIO_NET_HDR_GSO_UDP_L4, Linux 6.2+, when the run allows it: see
 * gro_run.udp), under the rules of Linux's UDP GRO
 * (udp_gro_receive_segment): same addresses, ports and IP header fields
 * as above; each datagram's UDP length is its IP payload's; all have the
 * first one's size but the last, which may be shorter and ends the run;
 * every checksum is present and verifies. The kernel hands a local
 * socket the datagrams one by one again (or a UDP_GRO socket the train).
 *
 * The merged packet keeps the first segment's headers, with the IP length
 * (and IPv4 header checksum) fixed, for UDP the UDP length of the whole,
 * and the TCP or UDP checksum field holding the pseudo-header sum over the
 * whole length, as a partial checksum must.
 *
 * Ownership: a struct gro_run owns its buffer (gro_run_init/fini); the
 * functions borrow the packets they are given.
 */
#ifndef SKYGATE_GRO_H
#define SKYGATE_GRO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip_util.h"
#include "vnet.h"

#define GRO_MAX_SEGS 64

struct gro_run {
	uint8_t *buf;     /* VNET_HDR_LEN + VNET_MAX_PKT octets */
	size_t len;       /* packet octets after the virtio-net header */
	uint32_t nsegs;   /* 0: empty */
	size_t inner_bytes; /* the segments' own lengths, summed (for counters) */
	uint8_t version, l4_proto;
	uint32_t l4_off, hdr_len;
	uint32_t gso_size;
	uint32_t next_seq;
	bool closed; /* PSH or a short segment: nothing more may join */
	/* Set by the owner: UDP datagrams may be merged too (the kernel
	 * takes GSO_UDP_L4 writes; TUN_F_USO4 accepted says so). */
	bool udp;
};

/* An empty run, TCP only (set udp after). 0, or -1 out of memory. */
int gro_run_init(struct gro_run *r);
void gro_run_fini(struct gro_run *r);

/*
 * Add the IP packet pkt[0..len) to the run: true when it joined (the run
 * was empty and it may start one, or it continues the run). false when it
 * may not: the caller then writes out the run (if any) and the packet
 * as it is, in that order, or starts a new run with it.
 */
bool gro_add(struct gro_run *r, const uint8_t *pkt, size_t len);
/* The same, for a packet the caller has parsed already (ip_parse() of
 * pkt[0..len), which must have succeeded): saves the second parse. */
bool gro_add_parsed(struct gro_run *r, const uint8_t *pkt, size_t len, const struct ip_pkt *ip);

/*
 * Finish the run: *out points at the virtio-net header followed by the
 * packet, ready for write(); returns the total length. A run of one
 * segment is written as it came, with an empty header. The run is empty
 * afterwards (the buffer stays valid until the next gro_add()).
 */
size_t gro_finish(struct gro_run *r, uint8_t **out);

#endif
