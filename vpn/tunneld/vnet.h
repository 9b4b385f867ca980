/*
 * vnet.h - the virtio-net header that a TUN device with IFF_VNET_HDR puts
 * in front of every packet, and what the data path must do about it:
 * complete a checksum the stack left partial (VIRTIO_NET_HDR_F_NEEDS_CSUM),
 * and cut a TSO/USO super-packet (up to 64 KB, one TCP or UDP header) into
 * the wire-sized segments it stands for, as a NIC would.
 *
 * Segmentation rules (what a NIC's TSO does, and Linux's tcp_gso_segment):
 *  - every segment carries gso_size octets of payload except the last,
 *    which carries the rest;
 *  - IPv4: Total Length per segment, Identification incremented per
 *    segment (RFC 6864 5.1 leaves atomic datagrams' IDs free, and Linux
 *    increments), header checksum recomputed; IPv6: Payload Length;
 *  - TCP: the sequence number advances by the payload before the segment;
 *    FIN and PSH stay only on the last segment, CWR only on the first
 *    (RFC 3168 6.1.2: CWR marks the first segment after the reduction);
 *    the checksum is computed in full over the RFC 9293 3.1 / RFC 8200
 *    8.1 pseudo-header;
 *  - UDP (USO): a UDP header per segment with its own length and checksum.
 *
 * Nothing here allocates or does I/O; every packet buffer is borrowed for
 * the call. The header fields are in the CPU's byte order: the device is
 * used without TUNSETVNETBE/LE, which on x86 means little-endian, as the
 * virtio 1.0 layout expects.
 */
#ifndef SKYGATE_VNET_H
#define SKYGATE_VNET_H

#include <linux/virtio_net.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Linux 5.18's uapi value, for older headers. */
#ifndef VIRTIO_NET_HDR_GSO_UDP_L4
#define VIRTIO_NET_HDR_GSO_UDP_L4 5
#endif

#define VNET_HDR_LEN   sizeof(struct virtio_net_hdr) /* 10: TUNSETVNETHDRSZ's default */
#define VNET_MAX_SEGS  128                            /* 64 KB in segments of >= 512 */
#define VNET_MAX_PKT   65535

enum vnet_result {
	VNET_OK = 0,
	VNET_BAD_HDR,       /* unknown GSO type, ECN flag, offsets outside the packet */
	VNET_BAD_PACKET,    /* the IP/TCP/UDP headers do not parse or disagree with it */
	VNET_TOO_MANY_SEGS, /* more than the caller's room (or VNET_MAX_SEGS) */
	VNET_RESULT_COUNT
};

const char *vnet_result_name(enum vnet_result r);

/*
 * ip_csum_add() (RFC 1071 sum of data, network order, added to sum), with
 * the same result, for the long runs of payload the data path sums per
 * packet: faster where the machine has an add-with-carry to chain.
 */
uint32_t vnet_csum_add(uint32_t sum, const void *data, size_t len);

/*
 * Complete the checksum the header asks for (NEEDS_CSUM): the one's
 * complement sum of pkt[csum_start..len) stored at csum_start +
 * csum_offset. The field holds the pseudo-header sum on entry, which the
 * stack put there. VNET_OK also when nothing was asked.
 */
enum vnet_result vnet_csum_complete(uint8_t *pkt, size_t len, const struct virtio_net_hdr *h);

/* What vnet_gso_parse() learnt about a super-packet. */
struct vnet_gso {
	uint8_t gso_type;    /* VIRTIO_NET_HDR_GSO_TCPV4, _TCPV6 or _UDP_L4 */
	uint8_t version;     /* IP version: 4 or 6 */
	uint8_t l4_proto;    /* 6 or 17 */
	uint32_t l4_off;     /* offset of the TCP/UDP header */
	uint32_t hdr_len;    /* IP + TCP/UDP headers, copied into every segment */
	uint32_t gso_size;   /* payload per segment */
	uint32_t payload;    /* total payload after hdr_len */
	uint32_t nsegs;      /* segments it makes */
};

/*
 * Check a super-packet (h->gso_type not NONE) and describe it. pkt is the
 * packet after the virtio-net header.
 */
enum vnet_result vnet_gso_parse(const struct virtio_net_hdr *h, const uint8_t *pkt, size_t len,
                                struct vnet_gso *g);

/* Length of segment i (0-based) of g: headers plus its payload. */
size_t vnet_gso_seg_len(const struct vnet_gso *g, uint32_t i);

/*
 * Write the segments of the super-packet pkt (described by g) into out:
 * segment i at out + i * stride, seg_len[i] octets long; stride must be at
 * least vnet_gso_seg_len(g, 0) and the caller's buffer at least
 * g->nsegs * stride. Each segment is a complete, checksummed IP packet.
 * Returns VNET_OK or VNET_TOO_MANY_SEGS (g->nsegs > max_segs).
 */
enum vnet_result vnet_gso_segment(const struct vnet_gso *g, const uint8_t *pkt, uint8_t *out,
                                  size_t stride, size_t *seg_len, size_t max_segs);

#endif
