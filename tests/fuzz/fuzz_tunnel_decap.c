/*
 * Fuzz harness for skygate-tunneld's receive path (vpn/tunneld/datapath.c
 * over gre/gre.c and vpn/esp/): what an underlay socket hands the data
 * path, decapsulated for delivery to a TUN device. Also the send side's
 * first step on bytes the TUN device gives us: the virtio-net header, the
 * checksum it asks us to complete and the super-packet it asks us to cut.
 *
 * Input: the first byte picks the socket, the rest is what it read:
 *   0  UDP port 4500 payload (RFC 3948: ESP, IKE marker, NAT keepalive)
 *   1  raw IP protocol 50 (IPv4 header included)
 *   2  raw IP protocol 47 (IPv4 header included)
 *   3  a TUN read: virtio-net header, then the packet
 *   4  raw IPv6 next header 47: the sender's and our address (16 octets
 *      each, what the socket address and IPV6_PKTINFO give), then GRE
 * Each input is run against a fresh receiver (so the replay window never
 * hides the decryption path) configured with a keyed GRE tunnel, an
 * AES-GCM ESP tunnel and a NULL ESP tunnel; the seeds are real packets
 * from a mirrored sender, so mutations start past the ICV check for NULL.
 *
 * Properties besides "no crash, no sanitizer report": a delivered packet
 * lies inside the input buffer, belongs to a tunnel, and is a well-formed
 * IP packet of exactly its length, which coalescing (gro.h) writes out
 * unchanged when it is alone; a keepalive to reflect is an IPv4
 * packet inside the buffer; segments of a super-packet each parse as IP
 * with a length that adds up to the original payload.
 *
 * Built as the other harnesses are (tests/fuzz/README.md): with clang
 * -fsanitize=fuzzer, or with -DFUZZ_STANDALONE (make check runs that).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_packet.h"
#include "ip_util.h"
#include "tunnel_config.h"
#include "tunneld.h"
#include "vnet.h"
#include "fuzz_check.h"

#define KEY_AB "00112233445566778899aabbccddeeff01020304"
#define KEY_BA "ffeeddccbbaa99887766554433221100a0b0c0d0"

/* The receiver (B) and, for seeds, the sender (A). */
static const char CONF_B[] = "tunnel gre g1\n source 192.0.2.2\n destination 192.0.2.1\n"
                             " inside-address 169.254.10.2/30\n tcp-mss 1300\n key 42\n"
                             "tunnel gre g2\n source 192.0.2.2\n destination 192.0.2.4\n"
                             "tunnel ipsec e1\n source 192.0.2.2\n destination 192.0.2.1\n"
                             " sa outbound spi 0x2001 aes-gcm-128 key " KEY_BA "\n"
                             " sa inbound spi 0x1001 aes-gcm-128 key " KEY_AB "\n"
                             "tunnel ipsec n1\n source 192.0.2.2\n destination 192.0.2.3\n encapsulation esp\n"
                             " tcp-mss 1200\n sa outbound spi 0x4001 null\n sa inbound spi 0x3001 null\n"
                             "tunnel gre g6\n source 2001:db8:100::2\n destination 2001:db8:100::1\n";
static const char CONF_A[] = "tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\n key 42\n"
                             "tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n"
                             " sa outbound spi 0x1001 aes-gcm-128 key " KEY_AB "\n"
                             " sa inbound spi 0x2001 aes-gcm-128 key " KEY_BA "\n"
                             "tunnel ipsec n1\n source 192.0.2.3\n destination 192.0.2.2\n encapsulation esp\n"
                             " sa outbound spi 0x3001 null\n sa inbound spi 0x4001 null\n"
                             "tunnel gre g6\n source 2001:db8:100::1\n destination 2001:db8:100::2\n";

enum { MODE_UDP, MODE_RAW_ESP, MODE_RAW_GRE, MODE_TUN, MODE_RAW_GRE6, MODE_COUNT };

static struct tunneld_config *config_b;
static enum dp_rx_verdict last_verdict; /* for the seed check */
static struct esp_crypto_ctx *crypto;

static struct tunneld_config *parse(const char *text)
{
	struct tunneld_config *c = tcfg_load_text("fuzz", text, strlen(text), stderr);

	if (c == NULL)
		abort();
	return c;
}

static struct gro_run gro;

static void check_delivered(const uint8_t *buf, size_t size, const struct dp_rx *rx)
{
	struct ip_pkt ip;
	uint8_t *out;

	FUZZ_CHECK(rx->t != NULL);
	FUZZ_CHECK(rx->inner >= buf && rx->inner + rx->inner_len <= buf + size);
	FUZZ_CHECK(ip_parse(rx->inner, rx->inner_len, &ip) == IP_PARSE_OK);
	FUZZ_CHECK(ip.tot_len == rx->inner_len);
	/* The parse handed on for GRO is the packet's own. */
	FUZZ_CHECK(rx->ip.version == ip.version && rx->ip.tot_len == ip.tot_len && rx->ip.fragment == ip.fragment &&
	           rx->ip.l4_found == ip.l4_found && rx->ip.l4_proto == ip.l4_proto && rx->ip.l4_off == ip.l4_off &&
	           memcmp(rx->ip.src, ip.src, 16) == 0 && memcmp(rx->ip.dst, ip.dst, 16) == 0);
	/* What the worker does next: a run of one, written as it came. The
	 * same TCP segment again never continues it (its sequence number
	 * does not follow); the same UDP datagram may, and then makes a USO
	 * write of twice its payload. */
	if (gro_add_parsed(&gro, rx->inner, rx->inner_len, &rx->ip)) {
		uint8_t proto = gro.l4_proto;
		uint32_t hdr = gro.hdr_len;
		bool again = gro_add_parsed(&gro, rx->inner, rx->inner_len, &rx->ip);
		FUZZ_CHECK(!again || proto == IP_PROTO_UDP);
		size_t n = gro_finish(&gro, &out);
		if (!again) {
			FUZZ_CHECK(n == VNET_HDR_LEN + rx->inner_len);
			FUZZ_CHECK(memcmp(out + VNET_HDR_LEN, rx->inner, rx->inner_len) == 0);
		} else {
			struct virtio_net_hdr h;
			memcpy(&h, out, sizeof(h));
			FUZZ_CHECK(n == VNET_HDR_LEN + 2 * rx->inner_len - hdr);
			FUZZ_CHECK(h.gso_type == VIRTIO_NET_HDR_GSO_UDP_L4 && h.gso_size == rx->inner_len - hdr);
		}
	}
}

static void run_tun(struct dp_worker *w, uint8_t *buf, size_t size)
{
	static uint8_t segs[VNET_MAX_SEGS * 1024];
	static size_t seg_len[VNET_MAX_SEGS];
	struct virtio_net_hdr h;
	struct vnet_gso g;

	if (size < VNET_HDR_LEN)
		return;
	memcpy(&h, buf, VNET_HDR_LEN);
	uint8_t *pkt = buf + VNET_HDR_LEN;
	size_t len = size - VNET_HDR_LEN;
	if (h.gso_type == VIRTIO_NET_HDR_GSO_NONE) {
		vnet_csum_complete(pkt, len, &h);
		return;
	}
	if (vnet_gso_parse(&h, pkt, len, &g) != VNET_OK)
		return;
	FUZZ_CHECK(g.nsegs >= 1 && g.hdr_len <= len);
	size_t stride = vnet_gso_seg_len(&g, 0);
	if (stride * g.nsegs > sizeof(segs) || vnet_gso_segment(&g, pkt, segs, stride, seg_len, VNET_MAX_SEGS) != VNET_OK)
		return;
	size_t payload = 0;
	for (uint32_t i = 0; i < g.nsegs; i++) {
		struct ip_pkt ip;
		FUZZ_CHECK(seg_len[i] <= stride);
		FUZZ_CHECK(ip_parse(segs + (size_t)i * stride, seg_len[i], &ip) == IP_PARSE_OK);
		FUZZ_CHECK(ip.tot_len == seg_len[i]);
		payload += seg_len[i] - g.hdr_len;
	}
	FUZZ_CHECK(payload == g.payload);
	(void)w;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tunneld td;
	char err[256];
	struct dp_rx rx = {0};
	enum dp_rx_verdict v = DP_RX_DROP;

	if (size < 1 || size > 70000)
		return 0;
	if (config_b == NULL) {
		config_b = parse(CONF_B);
		crypto = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
		if (gro_run_init(&gro) != 0)
			abort();
		gro.udp = true; /* what a Linux 6.2+ worker runs with */
	}
	if (tunneld_init(&td, config_b, 1, NULL, NULL, err, sizeof(err)) != 0)
		abort();
	struct dp_worker w = {.td = &td, .id = 0, .cc = crypto, .now_s = 1, .now_ns = 1};
	/* The data path writes in place: a private copy of exactly the
	 * input's size, so AddressSanitizer sees any access past it. */
	size_t len = size - 1;
	uint8_t *buf = malloc(len > 0 ? len : 1);
	if (buf == NULL)
		abort();
	memcpy(buf, data + 1, len);
	switch (data[0] % MODE_COUNT) {
	case MODE_UDP:
		v = dp_rx_udp(&w, buf, len, &rx);
		break;
	case MODE_RAW_ESP:
		v = dp_rx_raw_esp(&w, buf, len, &rx);
		break;
	case MODE_RAW_GRE:
		v = dp_rx_gre(&w, buf, len, &rx);
		break;
	case MODE_TUN:
		run_tun(&w, buf, len);
		break;
	case MODE_RAW_GRE6:
		if (len >= 32)
			v = dp_rx_gre6(&w, buf, buf + 16, buf + 32, len - 32, &rx);
		break;
	}
	last_verdict = v;
	if (v == DP_RX_DELIVER)
		check_delivered(buf, len, &rx);
	if (v == DP_RX_REFLECT) {
		struct ip_pkt ip;
		FUZZ_CHECK(rx.inner >= buf && rx.inner + rx.inner_len <= buf + len);
		FUZZ_CHECK(ip_parse(rx.inner, rx.inner_len, &ip) == IP_PARSE_OK && ip.version == 4);
	}
	free(buf);
	tunneld_fini(&td);
	return 0;
}

#ifdef FUZZ_STANDALONE

#define FUZZ_SEED_MAX 4096
#define FUZZ_SEEDS_MAX 24
#define FUZZ_INPUT_MAX (1 << 20)

#include "fuzz_mutate.h"

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An IPv4 header for len octets of payload in front of p. */
static uint8_t *outer(uint8_t *p, size_t len, uint8_t proto, uint8_t src_last, uint8_t dst_last)
{
	uint8_t *ip = p - 20;

	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint16_t)(len + 20));
	ip[8] = 64;
	ip[9] = proto;
	ip[12] = 192, ip[13] = 0, ip[14] = 2, ip[15] = src_last;
	ip[16] = 192, ip[17] = 0, ip[18] = 2, ip[19] = dst_last;
	put16(ip + 10, ip_csum(ip, 20));
	return ip;
}

/* An ICMP echo (kind 0), a TCP SYN with an MSS option (1, for the
 * clamp) or a TCP data segment (2, for coalescing). */
static size_t inner_v4(uint8_t *p, size_t len, int kind)
{
	bool syn = kind != 0;

	memset(p, 0, len);
	p[0] = 0x45;
	put16(p + 2, (uint16_t)len);
	p[8] = 64;
	p[9] = syn ? 6 : 1;
	p[12] = 169, p[13] = 254, p[14] = 10, p[15] = 1;
	p[16] = 169, p[17] = 254, p[18] = 10, p[19] = 2;
	put16(p + 10, ip_csum(p, 20));
	if (kind == 2) {
		p[32] = 5 << 4;
		p[33] = 0x10;
		for (size_t i = 40; i < len; i++)
			p[i] = (uint8_t)i;
		put16(p + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, p + 12, p + 16, 6, (uint32_t)len - 20), p + 20,
		                                         len - 20)));
	} else if (syn) {
		p[32] = 6 << 4;
		p[33] = 0x02;
		p[40] = 2, p[41] = 4, p[42] = 0x05, p[43] = 0xb4;
		put16(p + 36, ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, p + 12, p + 16, 6, (uint32_t)len - 20), p + 20,
		                                         len - 20)));
	} else {
		p[20] = 8;
		put16(p + 22, ip_csum(p + 20, len - 20));
	}
	return len;
}

static size_t make_seeds(struct seed *seeds)
{
	struct tunneld a;
	char err[256];
	struct tunneld_config *ca = parse(CONF_A);
	size_t n = 0;
	static uint8_t buf[FUZZ_SEED_MAX + 256];
	uint8_t icmp[1400], *out;
	size_t out_len;

	if (tunneld_init(&a, ca, 1, NULL, NULL, err, sizeof(err)) != 0)
		abort();
	tcfg_free(ca);
	struct dp_worker w = {.td = &a, .cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO)};
	const struct tunnel_table *tab = tunneld_table(&a);
	for (size_t t = 0; t < tab->count; t++) {
		for (int kind = 0; kind <= 2; kind++) {
			uint8_t *pkt = buf + 128;
			size_t len = inner_v4(pkt, kind == 1 ? 44 : 120, kind);
			if (dp_tx(&w, tab->list[t], pkt, len, &out, &out_len, icmp, sizeof(icmp)) != DP_TX_SEND)
				abort();
			const struct tcfg_tunnel *c = &tab->list[t]->cfg;
			if (c->kind == TCFG_GRE && c->source_af == AF_INET6) {
				/* What the raw IPv6 socket gives: addresses, then GRE. */
				uint8_t *at = out - 32;
				memmove(at, c->source, 16);
				memmove(at + 16, c->destination, 16);
				fuzz_seed_add(seeds, &n, MODE_RAW_GRE6, at, out_len + 32);
			} else if (c->kind == TCFG_GRE) {
				fuzz_seed_add(seeds, &n, MODE_RAW_GRE, outer(out, out_len, 47, 1, 2), out_len + 20);
			} else if (c->encap == TCFG_ENCAP_UDP) {
				fuzz_seed_add(seeds, &n, MODE_UDP, out, out_len);
			} else {
				fuzz_seed_add(seeds, &n, MODE_RAW_ESP, outer(out, out_len, 50, 3, 2), out_len + 20);
			}
		}
	}
	/* A NAT keepalive, and a Cisco keepalive from the peer to reflect. */
	uint8_t ka = 0xff;
	fuzz_seed_add(seeds, &n, MODE_UDP, &ka, 1);
	struct builder b;
	builder_init_fixed(&b, buf, sizeof(buf));
	if (gre_keepalive_build(&tab->list[0]->ka_gre, &b, 1, 2) != 0)
		abort();
	fuzz_seed_add(seeds, &n, MODE_RAW_GRE, buf, builder_len(&b));

	/* A TSO super-packet from the TUN device: 3.5 segments of TCP. */
	struct virtio_net_hdr h = {.flags = VIRTIO_NET_HDR_F_NEEDS_CSUM,
	                           .gso_type = VIRTIO_NET_HDR_GSO_TCPV4,
	                           .hdr_len = 40,
	                           .gso_size = 500,
	                           .csum_start = 20,
	                           .csum_offset = 16};
	memcpy(buf, &h, sizeof(h));
	uint8_t *p = buf + sizeof(h);
	inner_v4(p, 40 + 1750, 1);
	p[32] = 5 << 4;
	p[33] = 0x18;
	fuzz_seed_add(seeds, &n, MODE_TUN, buf, sizeof(h) + 40 + 1750);
	esp_crypto_ctx_free(w.cc);
	tunneld_fini(&a);
	return n;
}

/* Every seed gets through: otherwise the mutations would only ever
 * exercise the first checks. */
static void seed_got_through(const struct seed *s)
{
	if (s->bytes[0] != MODE_TUN)
		FUZZ_CHECK(last_verdict != DP_RX_DROP);
}

static int run_mutations(unsigned long iterations, uint64_t seed)
{
	static const uint8_t interesting[] = {0,  1,  2,  3,  4,  5,   6,   17,  41,
	                                      47, 50, 59, 64, 69, 127, 128, 254, 255};
	static const struct fuzz_mutator m = {
	    .interesting = interesting,
	    .interesting_len = sizeof(interesting),
	    .max_ops = 6,
	    .keep = 1, /* byte 0 is the mode: keep it most of the time */
	    .cap = FUZZ_SEED_MAX * 2,
	    .seed_ran = seed_got_through,
	};
	int r = fuzz_run_mutations(&m, iterations, seed);

	tcfg_free(config_b);
	config_b = NULL;
	esp_crypto_ctx_free(crypto);
	crypto = NULL;
	gro_run_fini(&gro);
	return r;
}

#include "fuzz_standalone.h"

#endif
