/*
 * esp_packet.h - ESP tunnel-mode packet transforms (RFC 4303 with AES-GCM
 * per RFC 4106), in place, no I/O.
 *
 * On the wire, after the outer IP (and, with NAT traversal, UDP) header:
 *
 *   SPI (4) | Sequence Number, low 32 bits (4) | IV (8)
 *   | encrypted: inner packet | padding 1, 2, 3, ... | pad length (1) | next header (1)
 *   | ICV (8, 12 or 16)
 *
 * The IV is the packet's 64-bit sequence number (RFC 4106 section 3.1
 * allows a counter: it only has to be unique per key, which the sequence
 * number is, as it never cycles within an SA). The nonce is the SA's salt
 * followed by the IV (section 4); the AAD is SPI || sequence number,
 * 8 bytes, or with ESN SPI || high 32 bits || low 32 bits, 12 bytes
 * (section 5), so the high half that is never sent is still authenticated
 * (RFC 4303 section 2.2.1).
 *
 * Buffers: struct esp_buf describes a window onto the caller's memory; the
 * transforms grow and shrink it in place and never allocate. The caller
 * owns the memory.
 */
#ifndef SKYGATE_ESP_PACKET_H
#define SKYGATE_ESP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_crypto.h"
#include "esp_sa.h"

/*
 * Bytes [data - headroom, data + len + tailroom) are the caller's; data
 * .. data + len is the packet.
 */
struct esp_buf {
	uint8_t *data;
	size_t len;
	size_t headroom;
	size_t tailroom;
};

#define ESP_HDR_LEN      8                          /* SPI + sequence number */
#define ESP_IV_LEN       8                          /* RFC 4106 section 3.1 */
#define ESP_HEADROOM     (ESP_HDR_LEN + ESP_IV_LEN) /* the most esp_encap() prepends
                                                     * (the NULL transform: 8) */
#define ESP_TAILROOM_MAX (3 + 2 + ESP_GCM_MAX_TAG)  /* padding, trailer, ICV */
#define ESP_OUTER_MAX    (40 + 8)                   /* IPv6 + UDP */
#define ESP_PACKET_MAX   65535                      /* outer IP total length */

/* Next header values in the ESP trailer (RFC 4303 sections 2.6, 3.1.2). */
enum {
	ESP_NH_IPV4 = 4,
	ESP_NH_IPV6 = 41,
	ESP_NH_NONE = 59, /* dummy packet */
};

/* Point b at mem[headroom .. headroom + len) of a size-byte buffer.
 * -1 if that does not fit. */
int esp_buf_init(struct esp_buf *b, void *mem, size_t size, size_t headroom, size_t len);
/* Grow (push, put) or shrink (pull, trim) the packet at its head or tail;
 * -1 and no change when the room is not there. */
int esp_buf_push(struct esp_buf *b, size_t n);
int esp_buf_pull(struct esp_buf *b, size_t n);
int esp_buf_put(struct esp_buf *b, size_t n);
int esp_buf_trim(struct esp_buf *b, size_t n);

/* ESP_NH_IPV4 or ESP_NH_IPV6 from the version nibble, 0 for neither. */
uint8_t esp_inner_next_header(const uint8_t *pkt, size_t len);
/* Bytes esp_encap() adds to an inner packet of inner_len (outer headers not
 * included): for MTU arithmetic. */
size_t esp_encap_overhead(const struct esp_sa *sa, size_t inner_len);

/*
 * Encapsulate the inner packet b->data[0..b->len) for outbound sa, in
 * place: prepends ESP_HDR_LEN + esp_sa_iv_len() bytes (at most ESP_HEADROOM), appends padding, trailer and ICV
 * (at most ESP_TAILROOM_MAX). next_header is ESP_NH_IPV4/ESP_NH_IPV6 for
 * tunnel mode (esp_inner_next_header()), or ESP_NH_NONE for a dummy packet
 * (RFC 4303 section 2.6), whose payload may be empty. Other values are
 * sent as given (the receiver will refuse them). On ESP_OK and ESP_DUMMY b
 * is the ESP packet; on anything else b is unchanged, and so are the
 * packet's bytes unless the result is ESP_CRYPTO_ERROR. Results:
 * ESP_OK, ESP_DUMMY (a dummy was sent), ESP_NO_ROOM, ESP_SA_EXPIRED,
 * ESP_SEQ_EXHAUSTED, ESP_WRONG_DIR, ESP_CRYPTO_ERROR.
 */
enum esp_result esp_encap(struct esp_sa *sa, struct esp_crypto_ctx *cc, struct esp_buf *b,
                          uint8_t next_header);

/*
 * Decapsulate the ESP packet b->data[0..b->len) (starting at the SPI) for
 * inbound sa, in place. On ESP_OK b is the inner packet and *next_header
 * (may be NULL) says which IP version it is. On any other result the packet
 * must be dropped; its bytes may have been decrypted. Safe to call from
 * several threads on one SA.
 */
enum esp_result esp_decap(struct esp_sa *sa, struct esp_crypto_ctx *cc, struct esp_buf *b,
                          uint8_t *next_header);

/* ---- outer headers, for the I/O layer, tests and benchmarks -------------- */

struct esp_outer {
	int family;      /* AF_INET or AF_INET6 */
	uint8_t src[16]; /* network order; IPv4 in the first 4 bytes */
	uint8_t dst[16];
	bool udp;       /* UDP encapsulation (RFC 3948) */
	uint16_t sport; /* 0: 4500 */
	uint16_t dport; /* 0: 4500 */
	uint8_t ttl;    /* hop limit; 0: 64 */
	uint8_t tos;    /* DSCP and ECN / traffic class (RFC 4301 5.1.2.1 says copy the inner's) */
	bool df;        /* IPv4 don't-fragment */
	uint16_t ip_id; /* IPv4 identification */
	uint32_t flow_label; /* IPv6, 20 bits */
};

#define ESP_NATT_PORT 4500 /* RFC 3948 section 2 */

/*
 * Prepend the outer IPv4 or IPv6 header (and UDP header when o->udp) to the
 * ESP packet in b. The IPv4 header checksum is computed; the UDP checksum
 * is 0 over IPv4 (RFC 3948 section 2.1) and computed over IPv6, where a
 * zero checksum is not allowed for this use (RFC 8200 section 8.1).
 * -1 when headroom is short, the family unknown or the result over 65535
 * bytes.
 */
int esp_outer_push(struct esp_buf *b, const struct esp_outer *o);

/* What arrived on a NAT-traversal UDP socket (RFC 3948 section 2). */
enum esp_udp_kind {
	ESP_UDP_ESP,       /* an ESP packet: a non-zero SPI first */
	ESP_UDP_IKE,       /* the 4-byte non-ESP marker, then IKE (section 2.2) */
	ESP_UDP_KEEPALIVE, /* one 0xFF byte (section 2.3) */
	ESP_UDP_INVALID,
};

enum esp_udp_kind esp_udp_classify(const uint8_t *payload, size_t len);

#endif
