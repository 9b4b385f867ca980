/*
 * Fuzz harness for GRE receive (gre/gre.c): what skygate-tunneld does with
 * the payload of a packet from its raw GRE socket, gre_decap() on the
 * tunnel the delivery addresses matched (RFC 2784, RFC 2890, keepalives).
 *
 * Input: the first byte configures the tunnel (bit 0 keys on, bit 1 send
 * checksums, bit 2 require (and send) checksums, bit 3 send sequence numbers, bit 4
 * drop out-of-order packets, bit 5 drop reserved bits, bit 6 IPv6
 * delivery, bit 7 the mode), the rest is either
 *  - raw (bit 7 clear): GRE packets, back to back, each preceded by one
 *    length byte, decapsulated in turn on one tunnel (so that sequence
 *    numbers and keepalive state carry from one to the next); or
 *  - built (bit 7 set): the payload of an inner packet, which the harness
 *    wraps in a well-formed IPv4 or IPv6 header (by its first byte's low
 *    bit) and a sending tunnel with the same settings encapsulates; the
 *    receiving tunnel must deliver exactly that packet, with the key and
 *    sequence number sent, and then drop its duplicate when it keeps
 *    order; a copy with one byte changed (picked by the input's last
 *    byte) must be dropped whenever a checksum covers that byte.
 *
 * Properties, besides "no crash, no sanitizer report":
 *  - every packet counts exactly one outcome, and a drop counts the very
 *    reason rx.drop names;
 *  - a delivered or reflected inner packet lies inside the input, parses
 *    as IP of the family its protocol type names, with a correct IPv4
 *    header checksum, and carries the key the tunnel requires;
 *  - the input is never written, except the TTL and header checksum of a
 *    keepalive to reflect, which must still verify after the change.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gre.h"
#include "ip_util.h"
#include "fuzz_check.h"

#define GRE_KEY_FUZZ 42u
#define PAYLOAD_MAX  1500

enum {
	CFG_KEY = 1 << 0,
	CFG_TX_CSUM = 1 << 1,
	CFG_RX_CSUM = 1 << 2,
	CFG_TX_SEQ = 1 << 3,
	CFG_RX_ORDER = 1 << 4,
	CFG_STRICT = 1 << 5,
	CFG_V6 = 1 << 6,
	CFG_BUILT = 1 << 7,
};

/* Delivery addresses from the documentation ranges: 192.0.2.1 -> .2 and
 * 2001:db8::1 -> ::2. */
static void tunnel_init(struct gre_tunnel *t, uint8_t flags, bool sender)
{
	struct gre_config cfg;
	int version = (flags & CFG_V6) ? 6 : 4;
	uint8_t a[16] = {0}, b[16] = {0};

	gre_config_default(&cfg);
	cfg.version = version;
	if (version == 4) {
		memcpy(a, (const uint8_t[]){192, 0, 2, 1}, 4);
		memcpy(b, (const uint8_t[]){192, 0, 2, 2}, 4);
	} else {
		memcpy(a, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
		memcpy(b, a, 4);
		a[15] = 1;
		b[15] = 2;
	}
	memcpy(cfg.local, sender ? a : b, 16);
	memcpy(cfg.remote, sender ? b : a, 16);
	cfg.tx_key_on = cfg.rx_key_on = (flags & CFG_KEY) != 0;
	cfg.tx_key = cfg.rx_key = GRE_KEY_FUZZ;
	/* A tunnel that requires checksums sends them too, so that two ends
	 * with the same settings always agree. */
	cfg.tx_csum = (flags & (CFG_TX_CSUM | CFG_RX_CSUM)) != 0;
	cfg.rx_csum_required = (flags & CFG_RX_CSUM) != 0;
	cfg.tx_seq = (flags & CFG_TX_SEQ) != 0;
	cfg.rx_in_order = (flags & CFG_RX_ORDER) != 0;
	cfg.rx_strict_reserved = (flags & CFG_STRICT) != 0;
	if (gre_tunnel_init(t, &cfg) != 0)
		abort();
}

static uint64_t outcomes(const struct gre_tunnel *t)
{
	uint64_t n = t->stats.rx_packets + t->stats.keepalive_rx + t->stats.keepalive_reflect;

	for (int d = 0; d < GRE_DROP_COUNT; d++)
		n += t->stats.rx_drop[d];
	return n;
}

/* gre_decap() on a heap copy of exactly len bytes, with the properties
 * every call keeps. Copies a delivered inner packet to inner. */
static enum gre_verdict decap_checked(struct gre_tunnel *t, const uint8_t *pkt, size_t len,
                                      struct gre_rx *out, uint8_t *inner, size_t *inner_len)
{
	uint8_t *mem = malloc(len > 0 ? len : 1);
	struct gre_counters before = t->stats;
	struct gre_rx rx;
	struct ip_pkt ip;
	enum gre_verdict v;

	if (mem == NULL)
		abort();
	if (len > 0)
		memcpy(mem, pkt, len);
	memset(&rx, 0, sizeof(rx));
	v = gre_decap(t, mem, len, &rx);
	FUZZ_CHECK(v == rx.verdict);
	FUZZ_CHECK(outcomes(t) == outcomes(&(struct gre_tunnel){.stats = before}) + 1);
	switch (v) {
	case GRE_DROP:
		FUZZ_CHECK(rx.drop < GRE_DROP_COUNT);
		FUZZ_CHECK(t->stats.rx_drop[rx.drop] == before.rx_drop[rx.drop] + 1);
		FUZZ_CHECK(len == 0 || memcmp(mem, pkt, len) == 0);
		break;
	case GRE_KEEPALIVE_REPLY:
		FUZZ_CHECK(t->stats.keepalive_rx == before.keepalive_rx + 1);
		FUZZ_CHECK(rx.proto == GRE_PROTO_KEEPALIVE);
		FUZZ_CHECK(memcmp(mem, pkt, len) == 0);
		break;
	case GRE_DELIVER:
	case GRE_KEEPALIVE_REFLECT:
		FUZZ_CHECK(rx.inner >= mem && rx.inner + rx.inner_len <= mem + len);
		FUZZ_CHECK(rx.inner_len > 0);
		FUZZ_CHECK(ip_parse(rx.inner, rx.inner_len, &ip) == IP_PARSE_OK);
		FUZZ_CHECK(ip.tot_len == rx.inner_len && ip.version == rx.inner_version);
		FUZZ_CHECK(ip.hdr_csum_ok);
		FUZZ_CHECK(rx.proto == (ip.version == 4 ? GRE_PROTO_IPV4 : GRE_PROTO_IPV6));
		FUZZ_CHECK(t->cfg.rx_key_on ? rx.key_present && rx.key == t->cfg.rx_key
		                            : !rx.key_present);
		FUZZ_CHECK(!t->cfg.rx_csum_required || rx.csum_present);
		if (v == GRE_DELIVER) {
			FUZZ_CHECK(t->stats.rx_packets == before.rx_packets + 1);
			FUZZ_CHECK(t->stats.rx_bytes == before.rx_bytes + rx.inner_len);
			FUZZ_CHECK(memcmp(mem, pkt, len) == 0);
		} else {
			/* Only the TTL (offset 8) and header checksum (10-11) of
			 * the inner IPv4 packet may have changed. */
			size_t off = (size_t)(rx.inner - mem);

			FUZZ_CHECK(ip.version == 4);
			FUZZ_CHECK(t->stats.keepalive_reflect == before.keepalive_reflect + 1);
			for (size_t i = 0; i < len; i++)
				if (i != off + 8 && i != off + 10 && i != off + 11)
					FUZZ_CHECK(mem[i] == pkt[i]);
			FUZZ_CHECK(mem[off + 8] == (uint8_t)(pkt[off + 8] - 1));
		}
		if (inner != NULL && v == GRE_DELIVER) {
			memcpy(inner, rx.inner, rx.inner_len);
			*inner_len = rx.inner_len;
		}
		break;
	default:
		FUZZ_CHECK(!"unknown verdict");
	}
	if (out != NULL)
		*out = rx;
	free(mem);
	return v;
}

static void run_raw(struct gre_tunnel *t, const uint8_t *d, size_t n)
{
	/* Length-prefixed packets on one tunnel; what is left over is one
	 * last packet. */
	while (n > 0) {
		size_t len = d[0];

		d++;
		n--;
		if (len > n)
			len = n;
		(void)decap_checked(t, d, len, NULL, NULL, NULL);
		d += len;
		n -= len;
	}
}

/* A well-formed inner packet around payload: IPv4 (with its header
 * checksum) or IPv6 with next header 59 (no next header, RFC 8200 4.7). */
static size_t make_inner(uint8_t *out, const uint8_t *payload, size_t plen, bool v6)
{
	if (!v6) {
		const uint8_t hdr[20] = {0x45,
		                         0,
		                         (uint8_t)((20 + plen) >> 8),
		                         (uint8_t)(20 + plen),
		                         0,
		                         1,
		                         0x40,
		                         0,
		                         64,
		                         17,
		                         0,
		                         0,
		                         198,
		                         18,
		                         0,
		                         1,
		                         198,
		                         19,
		                         0,
		                         1};
		uint16_t csum;

		memcpy(out, hdr, 20);
		csum = ip_csum(out, 20);
		out[10] = (uint8_t)(csum >> 8);
		out[11] = (uint8_t)csum;
		memcpy(out + 20, payload, plen);
		return 20 + plen;
	}
	memset(out, 0, 40);
	out[0] = 0x60;
	out[4] = (uint8_t)(plen >> 8);
	out[5] = (uint8_t)plen;
	out[6] = 59;
	out[7] = 64;
	memcpy(out + 8, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	memcpy(out + 24, (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8}, 4);
	out[23] = 1;
	out[39] = 2;
	memcpy(out + 40, payload, plen);
	return 40 + plen;
}

static void run_built(uint8_t flags, const uint8_t *d, size_t n)
{
	static uint8_t mem[GRE_HDR_MAX + 40 + PAYLOAD_MAX];
	static uint8_t inner[40 + PAYLOAD_MAX], back[40 + PAYLOAD_MAX];
	struct gre_tunnel tx, rx_t;
	size_t plen = n > 1 ? n - 1 : 0, inner_len, hdr, back_len = 0, at;
	uint8_t pick = n > 0 ? d[n - 1] : 0, *pkt;
	bool v6 = n > 0 && (d[0] & 1);
	struct gre_rx rx;

	if (plen > PAYLOAD_MAX)
		plen = PAYLOAD_MAX;
	tunnel_init(&tx, flags, true);
	tunnel_init(&rx_t, flags, false);
	inner_len = make_inner(inner, d, plen, v6);
	memcpy(mem + GRE_HDR_MAX, inner, inner_len);
	hdr = gre_encap_prepend(&tx, mem + GRE_HDR_MAX, GRE_HDR_MAX, inner_len, GRE_OUTER_NONE, 0);
	FUZZ_CHECK(hdr == gre_header_len(&tx));
	pkt = mem + GRE_HDR_MAX - hdr;

	FUZZ_CHECK(decap_checked(&rx_t, pkt, hdr + inner_len, &rx, back, &back_len) == GRE_DELIVER);
	FUZZ_CHECK(back_len == inner_len && memcmp(back, inner, inner_len) == 0);
	FUZZ_CHECK(rx.seq_present == tx.cfg.tx_seq && (!rx.seq_present || rx.seq == 0));
	FUZZ_CHECK(rx.csum_present == tx.cfg.tx_csum);
	if (tx.cfg.tx_seq && rx_t.cfg.rx_in_order) {
		FUZZ_CHECK(decap_checked(&rx_t, pkt, hdr + inner_len, &rx, NULL, NULL) == GRE_DROP);
		FUZZ_CHECK(rx.drop == GRE_DROP_SEQ_ORDER);
	}

	/* One byte changed, on a fresh receiver: the RFC 2784 checksum covers
	 * the GRE header and payload, and a one's complement sum sees every
	 * change of a single byte, so a packet that still carries the
	 * checksum is never delivered (one whose C bit the change cleared is
	 * then just a packet without one). */
	tunnel_init(&rx_t, flags, false);
	at = pick % (hdr + inner_len);
	pkt[at] ^= (uint8_t)((1u << (pick % 8)) | 1u);
	if (decap_checked(&rx_t, pkt, hdr + inner_len, &rx, back, &back_len) == GRE_DELIVER)
		FUZZ_CHECK(!tx.cfg.tx_csum || !rx.csum_present);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gre_tunnel t;

	if (size == 0)
		return 0;
	if (data[0] & CFG_BUILT) {
		run_built(data[0], data + 1, size - 1);
	} else {
		tunnel_init(&t, data[0], false);
		run_raw(&t, data + 1, size - 1);
	}
	return 0;
}

#ifdef FUZZ_STANDALONE

#define FUZZ_SEEDS_MAX 40
#define FUZZ_SEED_MAX  1700
#define FUZZ_INPUT_MAX (1 << 16)

#include "fuzz_mutate.h"

/*
 * Seeds: for a spread of tunnel settings, three packets the peer with the
 * same settings would send (raw mode, length-prefixed, so that sequence
 * numbers advance), a keepalive the peer reflects, and inner payloads of a
 * few sizes (built mode).
 */
static size_t make_seeds(struct seed *seeds)
{
	static const uint8_t cfgs[] = {
	    0,
	    CFG_KEY,
	    CFG_TX_CSUM | CFG_RX_CSUM,
	    CFG_TX_SEQ | CFG_RX_ORDER,
	    CFG_KEY | CFG_TX_CSUM | CFG_TX_SEQ | CFG_RX_ORDER | CFG_STRICT,
	    CFG_V6,
	    CFG_V6 | CFG_KEY | CFG_TX_SEQ | CFG_RX_ORDER,
	    CFG_TX_CSUM | CFG_STRICT,
	};
	static const size_t sizes[] = {0, 1, 8, 64, 200};
	uint8_t payload[256], mem[GRE_HDR_MAX + 40 + 256];
	size_t n = 0;

	for (size_t c = 0; c < sizeof(cfgs); c++) {
		struct gre_tunnel tx;
		struct seed *s = &seeds[n++];

		tunnel_init(&tx, cfgs[c], true);
		s->bytes[0] = cfgs[c];
		s->len = 1;
		for (size_t k = 0; k < 3; k++) {
			size_t plen = 10 + 30 * k, inner_len, hdr;

			memset(payload, (int)(c * 16 + k), plen);
			inner_len =
			    make_inner(mem + GRE_HDR_MAX, payload, plen, (cfgs[c] & CFG_V6) != 0);
			hdr = gre_encap_prepend(&tx, mem + GRE_HDR_MAX, GRE_HDR_MAX, inner_len,
			                        GRE_OUTER_NONE, 0);
			if (hdr == 0 || hdr + inner_len > 255 ||
			    s->len + 1 + hdr + inner_len > FUZZ_SEED_MAX)
				abort();
			s->bytes[s->len++] = (uint8_t)(hdr + inner_len);
			memcpy(s->bytes + s->len, mem + GRE_HDR_MAX - hdr, hdr + inner_len);
			s->len += hdr + inner_len;
		}
		if (!(cfgs[c] & CFG_V6)) {
			/* A keepalive as it comes back from the peer: our own
			 * build, less its delivery header. */
			uint8_t ka[128];
			struct builder b;
			size_t ka_off = 20;

			builder_init_fixed(&b, ka, sizeof(ka));
			if (gre_keepalive_build(&tx, &b, 1, 2) != 0 || !builder_ok(&b))
				abort();
			s->bytes[s->len++] = (uint8_t)(builder_len(&b) - ka_off);
			memcpy(s->bytes + s->len, ka + ka_off, builder_len(&b) - ka_off);
			s->len += builder_len(&b) - ka_off;
		}
	}
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct seed *s = &seeds[n++];

		s->bytes[0] = (uint8_t)(CFG_BUILT | cfgs[i]);
		memset(s->bytes + 1, 0x33, sizes[i]);
		s->bytes[1] = (uint8_t)i;      /* low bit: IPv4 or IPv6 inside */
		s->bytes[1 + sizes[i]] = 0x5a; /* which byte to change */
		s->len = sizes[i] + 2;
	}
	return n;
}

static int run_mutations(unsigned long iterations, uint64_t seed)
{
	static const uint8_t interesting[] = {0,    1,    4,    6,    8,    0x20, 0x40,
	                                      0x80, 0x86, 0xdd, 0x45, 0x60, 0xff};
	static const struct fuzz_mutator m = {
	    .interesting = interesting,
	    .interesting_len = sizeof(interesting),
	    .max_ops = 4,
	    .cap = FUZZ_SEED_MAX + 64,
	};

	return fuzz_run_mutations(&m, iterations, seed);
}

#include "fuzz_standalone.h"

#endif
