/*
 * esp_packet.c - ESP encapsulation and decapsulation in place (RFC 4303,
 * tunnel mode; AES-GCM per RFC 4106), and the outer headers of RFC 3948.
 *
 * Reading: every byte that came from the network is read through a
 * struct cursor (lib/cursor.h). Writing: esp_encap() checks the head and
 * tail room once and then stores at fixed offsets inside that room; a
 * builder per packet would check the same bounds again for every field.
 */
#include "esp_packet.h"

#include <string.h>
#include <sys/socket.h>

#include "cursor.h"

static inline void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static inline void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* ---- buffers -------------------------------------------------------------- */

int esp_buf_init(struct esp_buf *b, void *mem, size_t size, size_t headroom, size_t len)
{
	if (mem == NULL || headroom > size || len > size - headroom)
		return -1;
	b->data = (uint8_t *)mem + headroom;
	b->len = len;
	b->headroom = headroom;
	b->tailroom = size - headroom - len;
	return 0;
}

int esp_buf_push(struct esp_buf *b, size_t n)
{
	if (n > b->headroom)
		return -1;
	b->data -= n;
	b->len += n;
	b->headroom -= n;
	return 0;
}

int esp_buf_pull(struct esp_buf *b, size_t n)
{
	if (n > b->len)
		return -1;
	b->data += n;
	b->len -= n;
	b->headroom += n;
	return 0;
}

int esp_buf_put(struct esp_buf *b, size_t n)
{
	if (n > b->tailroom)
		return -1;
	b->len += n;
	b->tailroom -= n;
	return 0;
}

int esp_buf_trim(struct esp_buf *b, size_t n)
{
	if (n > b->len)
		return -1;
	b->len -= n;
	b->tailroom += n;
	return 0;
}

uint8_t esp_inner_next_header(const uint8_t *pkt, size_t len)
{
	if (len == 0)
		return 0;
	switch (pkt[0] >> 4) {
	case 4:
		return ESP_NH_IPV4;
	case 6:
		return ESP_NH_IPV6;
	default:
		return 0;
	}
}

/*
 * RFC 4303 section 2.4: the padding makes payload + padding + the two
 * trailer bytes a multiple of 4 (GCM itself needs no block alignment,
 * RFC 4106 section 3.2); we send the least that does.
 */
static inline size_t pad_len(size_t inner_len)
{
	return (4 - ((inner_len + 2) & 3)) & 3;
}

size_t esp_encap_overhead(const struct esp_sa *sa, size_t inner_len)
{
	return ESP_HDR_LEN + sa->iv_len + pad_len(inner_len) + 2 + sa->icv_len;
}

/*
 * RFC 4106 section 5: the AAD is the SPI and the sequence number, with ESN
 * the full 64 bits of it, high half first, although only the low half is
 * on the wire (RFC 4303 section 2.2.1). Returns its length.
 */
static size_t build_aad(uint8_t aad[ESP_GCM_MAX_AAD], uint32_t spi, uint64_t seq, bool esn)
{
	put_be32(aad, spi);
	if (esn) {
		put_be32(aad + 4, (uint32_t)(seq >> 32));
		put_be32(aad + 8, (uint32_t)seq);
		return 12;
	}
	put_be32(aad + 4, (uint32_t)seq);
	return 8;
}

/* ---- outbound ------------------------------------------------------------- */

enum esp_result esp_encap(struct esp_sa *sa, struct esp_crypto_ctx *cc, struct esp_buf *b,
                          uint8_t next_header)
{
	uint8_t aad[ESP_GCM_MAX_AAD], nonce[ESP_GCM_NONCE_LEN];
	size_t inner = b->len, pad = pad_len(inner), ct_len = inner + pad + 2;
	size_t hdr_len = ESP_HDR_LEN + sa->iv_len;
	uint8_t *hdr, *trailer;
	enum esp_result r;
	uint64_t seq;
	size_t aad_len;

	if (sa->dir != ESP_DIR_OUT)
		return esp_sa_count(sa, ESP_WRONG_DIR);
	if (b->headroom < hdr_len || b->tailroom < pad + 2 + sa->icv_len ||
	    inner > ESP_PACKET_MAX - ESP_HEADROOM - ESP_TAILROOM_MAX)
		return esp_sa_count(sa, ESP_NO_ROOM);
	r = esp_sa_out_seq(sa, &seq);
	if (r != ESP_OK)
		return esp_sa_count(sa, r);

	/* RFC 4303 section 2.4: padding bytes 1, 2, 3, ..., then the pad
	 * length and the next header. */
	trailer = b->data + inner;
	for (size_t i = 0; i < pad; i++)
		trailer[i] = (uint8_t)(i + 1);
	trailer[pad] = (uint8_t)pad;
	trailer[pad + 1] = next_header;

	/* Header: SPI, the low 32 bits of the sequence number (RFC 4303
	 * section 2.2.1), and the IV, which is the whole sequence number
	 * (RFC 4106 section 3.1). */
	hdr = b->data - hdr_len;
	put_be32(hdr, sa->spi);
	put_be32(hdr + 4, (uint32_t)seq);
	if (sa->key != NULL) {
		put_be64(hdr + ESP_HDR_LEN, seq);

		/* RFC 4106 section 4: nonce = salt || IV. */
		memcpy(nonce, sa->salt, 4);
		memcpy(nonce + 4, hdr + ESP_HDR_LEN, ESP_IV_LEN);
		aad_len = build_aad(aad, sa->spi, seq, sa->esn);

		if (esp_crypto_seal(cc, sa->key, nonce, aad, aad_len, b->data, ct_len,
		                    b->data + ct_len, sa->icv_len) != 0)
			return esp_sa_count(sa, ESP_CRYPTO_ERROR);
	}

	b->data = hdr;
	b->len = hdr_len + ct_len + sa->icv_len;
	b->headroom -= hdr_len;
	b->tailroom -= pad + 2 + sa->icv_len;
	r = next_header == ESP_NH_NONE ? ESP_DUMMY : ESP_OK;
	esp_sa_out_done(sa, r, inner);
	return r;
}

/* ---- inbound -------------------------------------------------------------- */

/*
 * The decrypted trailer (RFC 4303 section 2.4): the pad length must leave
 * room inside the data, the padding must be 1, 2, 3, ... (the default the
 * RFC asks the receiver to inspect; strongSwan and Linux send it), and the
 * next header must be one tunnel mode carries, or 59 for a dummy packet
 * (section 2.6). *inner_len is the inner packet's length.
 */
static enum esp_result check_trailer(const uint8_t *pt, size_t pt_len, size_t *inner_len,
                                     uint8_t *nh)
{
	struct cursor c, pad;
	uint8_t pad_len8, v;

	cursor_init(&c, pt, pt_len);
	if (cursor_skip(&c, pt_len - 2) != 0 || cursor_get_u8(&c, &pad_len8) != 0 ||
	    cursor_get_u8(&c, nh) != 0)
		return ESP_TRUNCATED; /* cannot happen: the caller saw 2 bytes */
	if ((size_t)pad_len8 > pt_len - 2)
		return ESP_BAD_PAD;
	*inner_len = pt_len - 2 - pad_len8;
	cursor_init(&pad, pt + *inner_len, pad_len8);
	for (unsigned i = 1; i <= pad_len8; i++) {
		if (cursor_get_u8(&pad, &v) != 0 || v != i)
			return ESP_BAD_PAD;
	}
	switch (*nh) {
	case ESP_NH_IPV4:
	case ESP_NH_IPV6:
		return ESP_OK;
	case ESP_NH_NONE:
		return ESP_DUMMY;
	default:
		return ESP_BAD_NEXT_HEADER;
	}
}

enum esp_result esp_decap(struct esp_sa *sa, struct esp_crypto_ctx *cc, struct esp_buf *b,
                          uint8_t *next_header)
{
	uint8_t aad[ESP_GCM_MAX_AAD], nonce[ESP_GCM_NONCE_LEN];
	size_t icv = sa->icv_len, ct_len, inner = 0, aad_len;
	uint32_t spi, seq_lo;
	struct cursor c;
	enum esp_result r;
	uint64_t seq;
	uint8_t *ct, nh = 0;
	int rc;

	if (sa->dir != ESP_DIR_IN)
		return esp_sa_count(sa, ESP_WRONG_DIR);
	if (atomic_load_explicit(&sa->dead, memory_order_relaxed))
		return esp_sa_count(sa, ESP_SA_EXPIRED);

	cursor_init(&c, b->data, b->len);
	memcpy(nonce, sa->salt, 4);
	if (cursor_get_u32(&c, &spi) != 0 || cursor_get_u32(&c, &seq_lo) != 0 ||
	    cursor_get_bytes(&c, nonce + 4, sa->iv_len) != 0 || cursor_remaining(&c) < 2 + icv)
		return esp_sa_count(sa, ESP_TRUNCATED);
	ct = b->data + cursor_offset(&c);
	ct_len = cursor_remaining(&c) - icv;

	/* RFC 4303 section 3.4.3: the replay check comes before the ICV,
	 * so that replayed packets cost no decryption. With ESN it also
	 * yields the high half of the sequence number (Appendix A2.2). */
	if (esp_replay_check(&sa->replay, seq_lo, &seq) != ESP_REPLAY_OK)
		return esp_sa_count(sa, ESP_REPLAY);

	/* The SPI authenticated is the one on the wire. A packet for another
	 * SA fails here even if the caller picked the wrong SA. */
	aad_len = build_aad(aad, spi, seq, sa->esn);
	/* The NULL transform has nothing to verify (RFC 2410). */
	rc = sa->key == NULL ? (spi == sa->spi ? 0 : 1)
	                     : esp_crypto_open(cc, sa->key, nonce, aad, aad_len, ct, ct_len,
	                                       ct + ct_len, icv);
	if (rc < 0)
		return esp_sa_count(sa, ESP_CRYPTO_ERROR);
	if (rc > 0) {
		/* RFC 4303 section 3.4.4: drop, and do not touch the window
		 * (a forger must not be able to move it). With ESN the RFC's
		 * Appendix A3 resynchronisation is left to rekeying. */
		return esp_sa_count(sa, ESP_AUTH_FAIL);
	}

	/* Authentic from here on: even a packet with a bad trailer consumed
	 * its sequence number and counts against the lifetime. */
	r = check_trailer(ct, ct_len, &inner, &nh);
	if (r != ESP_OK && r != ESP_DUMMY)
		inner = 0;
	r = esp_sa_in_commit(sa, seq, r, inner);
	if (r != ESP_OK)
		return r;
	b->data = ct;
	b->len = inner;
	b->headroom += ESP_HDR_LEN + sa->iv_len;
	b->tailroom += ct_len - inner + icv;
	if (next_header != NULL)
		*next_header = nh;
	return ESP_OK;
}

/* ---- outer headers -------------------------------------------------------- */

/* The Internet checksum's running sum (RFC 1071): 16-bit big-endian words,
 * an odd last byte padded with zero. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (i < len)
		sum += (uint32_t)(p[i] << 8);
	return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

int esp_outer_push(struct esp_buf *b, const struct esp_outer *o)
{
	size_t ip_len = o->family == AF_INET ? 20 : o->family == AF_INET6 ? 40 : 0;
	size_t udp_len = o->udp ? 8 : 0;
	size_t body = b->len + udp_len; /* what follows the IP header */
	uint8_t proto = o->udp ? 17 : 50, ttl = o->ttl != 0 ? o->ttl : 64;
	uint8_t *ip, *udp;

	if (ip_len == 0 || b->headroom < ip_len + udp_len)
		return -1;
	if ((o->family == AF_INET && body + ip_len > ESP_PACKET_MAX) ||
	    (o->family == AF_INET6 && body > ESP_PACKET_MAX))
		return -1;
	esp_buf_push(b, ip_len + udp_len);
	ip = b->data;
	udp = ip + ip_len;
	if (o->udp) {
		/* RFC 3948 section 2.1: source and destination port 4500
		 * unless NAT moved them. */
		put_be16(udp, o->sport != 0 ? o->sport : ESP_NATT_PORT);
		put_be16(udp + 2, o->dport != 0 ? o->dport : ESP_NATT_PORT);
		put_be16(udp + 4, (uint16_t)body);
		put_be16(udp + 6, 0);
	}
	if (o->family == AF_INET) {
		ip[0] = 0x45;
		ip[1] = o->tos;
		put_be16(ip + 2, (uint16_t)(ip_len + body));
		put_be16(ip + 4, o->ip_id);
		put_be16(ip + 6, o->df ? 0x4000 : 0);
		ip[8] = ttl;
		ip[9] = proto;
		put_be16(ip + 10, 0);
		memcpy(ip + 12, o->src, 4);
		memcpy(ip + 16, o->dst, 4);
		put_be16(ip + 10, csum_fold(csum_add(0, ip, 20)));
		/* UDP checksum stays 0 (RFC 3948 section 2.1: the ESP ICV
		 * protects the payload, and NAT would break the sum). */
	} else {
		put_be32(ip,
		         UINT32_C(6) << 28 | (uint32_t)o->tos << 20 | (o->flow_label & 0xfffff));
		put_be16(ip + 4, (uint16_t)body);
		ip[6] = proto;
		ip[7] = ttl;
		memcpy(ip + 8, o->src, 16);
		memcpy(ip + 24, o->dst, 16);
		if (o->udp) {
			/* RFC 8200 section 8.1: pseudo-header of source,
			 * destination, upper-layer length and next header. */
			uint32_t sum = csum_add(0, ip + 8, 32);
			uint16_t ck;

			sum += (uint32_t)(body >> 16) + (uint32_t)(body & 0xffff) + 17;
			sum = csum_add(sum, udp, body);
			ck = csum_fold(sum);
			put_be16(udp + 6, ck != 0 ? ck : 0xffff); /* 0 means "none" */
		}
	}
	return 0;
}

enum esp_udp_kind esp_udp_classify(const uint8_t *payload, size_t len)
{
	struct cursor c;
	uint32_t first;
	uint8_t byte;

	cursor_init(&c, payload, len);
	if (len == 1)
		return cursor_get_u8(&c, &byte) == 0 && byte == 0xff ? ESP_UDP_KEEPALIVE
		                                                     : ESP_UDP_INVALID;
	if (cursor_get_u32(&c, &first) != 0)
		return ESP_UDP_INVALID;
	if (first == 0)
		return ESP_UDP_IKE;
	/* An ESP packet has at least its sequence number after the SPI. */
	return cursor_remaining(&c) >= 4 ? ESP_UDP_ESP : ESP_UDP_INVALID;
}
