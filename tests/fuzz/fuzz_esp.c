/*
 * Fuzz harness for the ESP receive path (vpn/esp/): what skygate-tunneld
 * does with the payload of a datagram from its NAT-traversal UDP socket or
 * its raw ESP socket: esp_udp_classify() (RFC 3948 section 2), then
 * esp_decap() on an inbound SA (RFC 4303, RFC 4106).
 *
 * Input: the first byte picks the SA (bit 0 ESN, bit 1 AES-256, bits 2-3
 * ICV length 8/12/16, bits 4-5 how the rest is used, bits 6-7 how far the
 * receiver's window has advanced), the rest is
 *  - raw: a datagram payload, classified and, if it is ESP, decapsulated
 *    as it arrived;
 *  - built: an inner packet, which an outbound SA with the same key
 *    encapsulates; the result must decapsulate to exactly the inner
 *    packet, once; the input's last byte then picks a byte of the ESP
 *    packet to change, and no changed packet may be delivered;
 *  - sealed: the whole ESP plaintext, trailer included (RFC 4303 2.4),
 *    encrypted and authenticated here with the SA's key as a peer would,
 *    so that arbitrary padding, pad lengths and next headers arrive
 *    authentic; the result must be what RFC 4303 2.4 and 2.6 say (a model
 *    in this file, written from the RFC, not from esp_packet.c).
 *
 * Random bytes almost never carry a valid ICV, so the raw mode exercises
 * framing, truncation, the replay check and the refusal paths; the built
 * mode delivery with every inner length and content the fuzzer finds; the
 * sealed mode the trailer checks behind the ICV.
 *
 * Properties, besides "no crash, no sanitizer report":
 *  - classification: ESP only with a non-zero 4-byte SPI first, IKE only
 *    after the 4-byte zero marker, keepalive only for the single 0xFF byte;
 *  - every call counts exactly one result on the SA, and returns a result
 *    the receive direction can produce;
 *  - on any result but ESP_OK the buffer window is unchanged; on ESP_OK it
 *    lies inside the original bytes, shorter by at least header, IV,
 *    trailer and ICV, with next header 4 or 41;
 *  - built mode: the round trip is exact, a replay is refused, and a packet
 *    with any byte changed is never ESP_OK;
 *  - sealed mode: the result and the inner packet are the model's, and any
 *    authentic packet, delivered or not, has spent its sequence number.
 *
 * Built two ways (tests/fuzz/README.md): with clang -fsanitize=fuzzer, and
 * with -DFUZZ_STANDALONE for make check.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_crypto.h"
#include "esp_packet.h"
#include "esp_replay.h"
#include "esp_sa.h"
#include "fuzz_check.h"

#define SPI_FUZZ  0x00001001u
#define INNER_MAX 2048

enum {
	FLAG_ESN = 1 << 0,
	FLAG_AES256 = 1 << 1,
	FLAG_ICV_SHIFT = 2,    /* 2 bits: 0, 3 -> 16; 1 -> 8; 2 -> 12 */
	FLAG_MODE_SHIFT = 4,   /* 2 bits: enum mode */
	FLAG_WINDOW_SHIFT = 6, /* 2 bits: where the receiver's window stands */
};

enum mode { MODE_RAW, MODE_BUILT, MODE_SEALED, MODE_RAW2 };

#define FLAGS(mode, window) ((uint8_t)((mode) << FLAG_MODE_SHIFT | (window) << FLAG_WINDOW_SHIFT))

/* Where the receiver's window stands before the input arrives: fresh, at
 * a block edge, one below the last 32-bit number (ESN wraps after it,
 * 32-bit numbers end), past 2^32 (ESN only; 32-bit SAs use the previous
 * one). The sender starts at the same point, so that its first packet is
 * the next one the receiver expects. */
static const uint64_t window_tops[4] = {0, 63, 0xfffffffeu, UINT64_C(0x100000010)};

static struct esp_crypto_ctx *ctx(void)
{
	static struct esp_crypto_ctx *c;

	if (c == NULL) {
		c = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
		if (c == NULL)
			abort();
	}
	return c;
}

struct sa_pair {
	struct esp_sa *in, *out;
	uint8_t keymat[36];
	size_t keymat_len, icv;
	bool esn;
	uint64_t top;
};

/* Fresh SAs per input, so that every input runs alone and repeatably. */
static bool sa_pair_new(struct sa_pair *p, uint8_t flags)
{
	static const uint8_t icvs[4] = {16, 8, 12, 16};
	uint8_t *keymat = p->keymat;
	struct esp_sa_config cfg = {
	    .spi = SPI_FUZZ,
	    .keymat = keymat,
	    .keymat_len = (flags & FLAG_AES256) ? 36 : 20,
	    .icv_len = icvs[(flags >> FLAG_ICV_SHIFT) & 3],
	    .esn = (flags & FLAG_ESN) != 0,
	    .replay_window = 64,
	};

	for (size_t i = 0; i < sizeof(p->keymat); i++)
		keymat[i] = (uint8_t)(0xa5 ^ (i * 7));
	p->keymat_len = cfg.keymat_len;
	p->icv = cfg.icv_len;
	p->esn = cfg.esn;
	p->top = window_tops[flags >> FLAG_WINDOW_SHIFT];
	/* Without ESN the numbers end at 2^32 - 1 (RFC 4303 3.3.3). */
	if (!p->esn && p->top > 0xfffffffeu)
		p->top = 0xfffffff0u;
	cfg.dir = ESP_DIR_IN;
	p->in = esp_sa_new(&cfg);
	cfg.dir = ESP_DIR_OUT;
	cfg.seq_start = p->top;
	p->out = esp_sa_new(&cfg);
	if (p->in == NULL || p->out == NULL)
		abort();
	if (p->top != 0 && esp_replay_update(&p->in->replay, p->top) != ESP_REPLAY_OK)
		abort();
	return true;
}

static void sa_pair_free(struct sa_pair *p)
{
	esp_sa_free(p->in);
	esp_sa_free(p->out);
}

static uint64_t results_total(const struct esp_sa *sa)
{
	struct esp_sa_stats st;
	uint64_t n = 0;

	esp_sa_stats(sa, &st);
	for (int r = 0; r < ESP_RESULT_COUNT; r++)
		n += st.results[r];
	return n;
}

/* esp_decap() on a heap copy of exactly len bytes, checking the
 * properties every call must keep. The inner packet, on ESP_OK, is copied
 * to inner (if not NULL). */
static enum esp_result decap_checked(struct sa_pair *p, const uint8_t *pkt, size_t len,
                                     uint8_t *inner, size_t *inner_len)
{
	uint8_t *mem = malloc(len > 0 ? len : 1);
	uint64_t before = results_total(p->in);
	struct esp_buf b, orig;
	enum esp_result r;
	uint8_t nh = 0xee;

	if (mem == NULL)
		abort();
	if (len > 0)
		memcpy(mem, pkt, len);
	FUZZ_CHECK(esp_buf_init(&b, mem, len, 0, len) == 0);
	orig = b;
	r = esp_decap(p->in, ctx(), &b, &nh);
	FUZZ_CHECK(results_total(p->in) == before + 1);
	FUZZ_CHECK(r == ESP_OK || r == ESP_DUMMY || r == ESP_REPLAY || r == ESP_AUTH_FAIL ||
	           r == ESP_BAD_PAD || r == ESP_BAD_NEXT_HEADER || r == ESP_TRUNCATED);
	if (r != ESP_OK) {
		FUZZ_CHECK(b.data == orig.data && b.len == orig.len &&
		           b.headroom == orig.headroom && b.tailroom == orig.tailroom);
	} else {
		FUZZ_CHECK(b.data >= mem + ESP_HEADROOM);
		FUZZ_CHECK(b.len + ESP_HEADROOM + 2 + p->icv <= len);
		FUZZ_CHECK(b.data + b.len <= mem + len);
		FUZZ_CHECK(b.headroom + b.len + b.tailroom == len);
		FUZZ_CHECK(nh == ESP_NH_IPV4 || nh == ESP_NH_IPV6);
		if (inner != NULL) {
			memcpy(inner, b.data, b.len);
			*inner_len = b.len;
		}
	}
	free(mem);
	return r;
}

static void check_classify(const uint8_t *d, size_t n)
{
	enum esp_udp_kind k = esp_udp_classify(d, n);
	bool zero4 = n >= 4 && d[0] == 0 && d[1] == 0 && d[2] == 0 && d[3] == 0;

	switch (k) {
	case ESP_UDP_ESP:
		FUZZ_CHECK(n >= 4 && !zero4);
		break;
	case ESP_UDP_IKE:
		FUZZ_CHECK(zero4);
		break;
	case ESP_UDP_KEEPALIVE:
		FUZZ_CHECK(n == 1 && d[0] == 0xff);
		break;
	case ESP_UDP_INVALID:
		break;
	default:
		FUZZ_CHECK(!"unknown classification");
	}
}

static void run_raw(struct sa_pair *p, const uint8_t *d, size_t n)
{
	check_classify(d, n);
	if (esp_udp_classify(d, n) != ESP_UDP_ESP)
		return;
	/* Also the same bytes as if from the raw socket: no marker there,
	 * so whatever is not ESP still reaches the SA lookup and decap. */
	(void)decap_checked(p, d, n, NULL, NULL);
}

static void run_built(struct sa_pair *p, const uint8_t *d, size_t n)
{
	static uint8_t mem[ESP_HEADROOM + INNER_MAX + ESP_TAILROOM_MAX];
	static uint8_t inner[INNER_MAX], back[INNER_MAX + ESP_TAILROOM_MAX];
	size_t len = n > 0 ? n - 1 : 0, back_len = 0, at;
	uint8_t nh, pick = n > 0 ? d[n - 1] : 0;
	struct esp_buf b;
	enum esp_result r;

	if (len > INNER_MAX)
		len = INNER_MAX;
	memcpy(inner, d, len);
	nh = esp_inner_next_header(inner, len);
	if (nh == 0)
		nh = ESP_NH_IPV4; /* the engine carries whatever the TUN gave it */
	FUZZ_CHECK(esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, len) == 0);
	memcpy(b.data, inner, len);
	r = esp_encap(p->out, ctx(), &b, nh);
	FUZZ_CHECK(r == ESP_OK);
	FUZZ_CHECK(b.len == len + esp_encap_overhead(p->out, len));
	check_classify(b.data, b.len);
	FUZZ_CHECK(esp_udp_classify(b.data, b.len) == ESP_UDP_ESP);

	/* A changed byte first: never delivered, and the genuine packet is
	 * still accepted afterwards (a forgery does not spend its number). */
	at = pick % b.len;
	{
		uint8_t *forged = malloc(b.len);

		if (forged == NULL)
			abort();
		memcpy(forged, b.data, b.len);
		forged[at] ^= (uint8_t)(1u << (pick % 8)) | 1u;
		FUZZ_CHECK(decap_checked(p, forged, b.len, NULL, NULL) != ESP_OK);
		free(forged);
	}
	FUZZ_CHECK(decap_checked(p, b.data, b.len, back, &back_len) == ESP_OK);
	FUZZ_CHECK(back_len == len && (len == 0 || memcmp(back, inner, len) == 0));
	FUZZ_CHECK(decap_checked(p, b.data, b.len, NULL, NULL) == ESP_REPLAY);
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/*
 * RFC 4303 as the receiver of a tunnel-mode SA reads an authentic
 * plaintext: the last two bytes are pad length and next header (2.4); the
 * padding before them, if any, must be 1, 2, 3, ... (2.4: the receiver
 * should inspect it); next header 59 marks a dummy packet to drop (2.6);
 * a tunnel carries IPv4 (4) or IPv6 (41) and nothing else. Padding errors
 * come first.
 */
static enum esp_result model_trailer(const uint8_t *pt, size_t len, size_t *inner_len)
{
	size_t pad;

	if (len < 2)
		return ESP_TRUNCATED;
	pad = pt[len - 2];
	if (pad > len - 2)
		return ESP_BAD_PAD;
	for (size_t i = 0; i < pad; i++)
		if (pt[len - 2 - pad + i] != (uint8_t)(i + 1))
			return ESP_BAD_PAD;
	*inner_len = len - 2 - pad;
	switch (pt[len - 1]) {
	case 59:
		return ESP_DUMMY;
	case 4:
	case 41:
		return ESP_OK;
	default:
		return ESP_BAD_NEXT_HEADER;
	}
}

static void run_sealed(struct sa_pair *p, const uint8_t *d, size_t n)
{
	static uint8_t pkt[ESP_HEADROOM + INNER_MAX + ESP_GCM_MAX_TAG];
	static uint8_t back[INNER_MAX];
	uint64_t seq = p->top + 1;
	size_t len = n > INNER_MAX ? INNER_MAX : n, key_len = p->keymat_len - 4, back_len = 0;
	size_t want_len = 0, aad_len;
	uint8_t nonce[ESP_GCM_NONCE_LEN], aad[ESP_GCM_MAX_AAD];
	struct esp_crypto_key *k = esp_crypto_key_new(p->keymat, key_len);
	enum esp_result want, got;

	if (k == NULL)
		abort();
	/* The packet a peer would send (RFC 4106 sections 3.1, 4, 5): the IV
	 * is any 8 bytes unique per key; the sequence number serves. */
	put32(pkt, SPI_FUZZ);
	put32(pkt + 4, (uint32_t)seq);
	put32(pkt + 8, (uint32_t)(seq >> 32));
	put32(pkt + 12, (uint32_t)seq);
	memcpy(nonce, p->keymat + key_len, 4);
	memcpy(nonce + 4, pkt + 8, 8);
	put32(aad, SPI_FUZZ);
	if (p->esn) {
		put32(aad + 4, (uint32_t)(seq >> 32));
		put32(aad + 8, (uint32_t)seq);
		aad_len = 12;
	} else {
		put32(aad + 4, (uint32_t)seq);
		aad_len = 8;
	}
	memcpy(pkt + ESP_HEADROOM, d, len);
	FUZZ_CHECK(esp_crypto_seal(ctx(), k, nonce, aad, aad_len, pkt + ESP_HEADROOM, len,
	                           pkt + ESP_HEADROOM + len, p->icv) == 0);
	esp_crypto_key_free(k);

	want = model_trailer(d, len, &want_len);
	got = decap_checked(p, pkt, ESP_HEADROOM + len + p->icv, back, &back_len);
	FUZZ_CHECK(got == want);
	if (got == ESP_OK)
		FUZZ_CHECK(back_len == want_len &&
		           (want_len == 0 || memcmp(back, d, want_len) == 0));
	if (got != ESP_TRUNCATED)
		FUZZ_CHECK(decap_checked(p, pkt, ESP_HEADROOM + len + p->icv, NULL, NULL) ==
		           ESP_REPLAY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sa_pair p;

	if (size == 0)
		return 0;
	sa_pair_new(&p, data[0]);
	switch ((enum mode)((data[0] >> FLAG_MODE_SHIFT) & 3)) {
	case MODE_BUILT:
		run_built(&p, data + 1, size - 1);
		break;
	case MODE_SEALED:
		run_sealed(&p, data + 1, size - 1);
		break;
	case MODE_RAW:
	case MODE_RAW2:
		run_raw(&p, data + 1, size - 1);
		break;
	}
	sa_pair_free(&p);
	return 0;
}

#ifdef FUZZ_STANDALONE

#define FUZZ_SEEDS_MAX 48
#define FUZZ_SEED_MAX  1600
#define FUZZ_INPUT_MAX (1 << 16)

#include "fuzz_mutate.h"

/*
 * Seeds: for a spread of SA settings, a genuine ESP packet as the receiver
 * expects it next (raw mode, so the mutator starts from packets that
 * verify), the non-ESP marker, a keepalive, and inner IPv4/IPv6 packets of
 * a few sizes (built mode).
 */
static size_t make_seeds(struct seed *seeds)
{
	static const uint8_t flag_set[] = {
	    0x00,
	    FLAG_ESN,
	    FLAG_AES256,
	    FLAG_ESN | FLAG_AES256,
	    1 << FLAG_ICV_SHIFT,
	    2 << FLAG_ICV_SHIFT,
	    FLAG_ESN | FLAGS(0, 1),
	    FLAGS(0, 2),
	    FLAG_ESN | FLAGS(0, 2),
	    FLAG_ESN | FLAG_AES256 | FLAGS(0, 3),
	};
	/* Sealed plaintexts: trailers right and wrong (RFC 4303 2.4, 2.6). */
	static const struct {
		uint8_t bytes[12];
		size_t len;
	} trailers[] = {
	    {{0x45, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4}, 12},
	    {{0x60, 1, 2, 3, 3, 41}, 6},
	    {{1, 2, 2, 4}, 4},
	    {{0, 59}, 2},
	    {{1, 2, 4, 3, 4}, 5},
	    {{0x45, 9, 4}, 3},
	    {{0, 17}, 2},
	    {{7}, 1},
	};
	static const size_t sizes[] = {0, 1, 20, 41, 62, 1400};
	static uint8_t mem[ESP_HEADROOM + FUZZ_SEED_MAX + ESP_TAILROOM_MAX];
	uint8_t inner[FUZZ_SEED_MAX];
	size_t n = 0;

	for (size_t f = 0; f < sizeof(flag_set); f++) {
		struct sa_pair p;
		struct esp_buf b;
		size_t len = 20 + 17 * f;

		sa_pair_new(&p, flag_set[f]);
		memset(inner, 0, len);
		inner[0] = f % 2 ? 0x60 : 0x45;
		inner[len - 1] = (uint8_t)f;
		if (esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, len) != 0)
			abort();
		memcpy(b.data, inner, len);
		if (esp_encap(p.out, ctx(), &b, esp_inner_next_header(inner, len)) != ESP_OK)
			abort();
		fuzz_seed_add(seeds, &n, flag_set[f], b.data, b.len);
		sa_pair_free(&p);
	}
	fuzz_seed_add(seeds, &n, 0, (const uint8_t[]){0, 0, 0, 0, 0x11, 0x22}, 6);
	fuzz_seed_add(seeds, &n, 0, (const uint8_t[]){0xff}, 1);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		/* + 1: the last byte picks the byte to change. */
		memset(inner, 0x5a, sizes[s] + 1);
		if (sizes[s] > 0)
			inner[0] = s % 2 ? 0x60 : 0x45;
		fuzz_seed_add(seeds, &n, (uint8_t)(FLAGS(MODE_BUILT, 0) | flag_set[s]), inner,
		              sizes[s] + 1);
	}
	for (size_t t = 0; t < sizeof(trailers) / sizeof(trailers[0]); t++)
		fuzz_seed_add(seeds, &n, (uint8_t)(FLAGS(MODE_SEALED, 0) | flag_set[t]),
		              trailers[t].bytes, trailers[t].len);
	return n;
}

static int run_mutations(unsigned long iterations, uint64_t seed)
{
	static const uint8_t interesting[] = {0, 1, 2, 3, 4, 41, 59, 64, 127, 128, 254, 255};
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
