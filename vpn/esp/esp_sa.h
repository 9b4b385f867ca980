/*
 * esp_sa.h - ESP Security Associations (RFC 4303, AES-GCM per RFC 4106):
 * keys, sequence numbers, anti-replay window, lifetimes and statistics, and
 * the SPI allocator the IKE daemon asks for inbound SPIs.
 *
 * An SA has one direction. The engine's threading rules:
 *  - Outbound: one SA per worker (each worker its own SPI: strongSwan
 *    negotiates one CHILD_SA per worker, or per-CPU SAs). Exactly one
 *    thread may call esp_encap() on an SA at a time, so the sequence
 *    number and counters are single-writer values with no atomic
 *    read-modify-write on the hot path.
 *  - Inbound: any number of threads may call esp_decap() on the same SA at
 *    once. The replay check runs without a lock; the window update and the
 *    counters of accepted packets share one short per-SA spinlock
 *    (esp_replay.h); drops are counted with relaxed atomic adds.
 *  - esp_sa_stats() and esp_sa_expire() may be called from any thread.
 *  - esp_sa_free() only once no thread can reach the SA any more (the
 *    engine's job, e.g. after a grace period).
 *
 * Keys are expanded once, in esp_sa_new(); every way out of an SA, the
 * failure paths of esp_sa_new() included, goes through esp_sa_free(), which
 * wipes the keys and the salt.
 */
#ifndef SKYGATE_ESP_SA_H
#define SKYGATE_ESP_SA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_crypto.h"
#include "esp_replay.h"

#define ESP_IV_LEN_GCM 8 /* RFC 4106 section 3.1 */

enum esp_dir {
	ESP_DIR_IN,
	ESP_DIR_OUT,
};

/*
 * The outcome of esp_encap()/esp_decap(); every one is counted per SA
 * (struct esp_sa_stats.results).
 */
enum esp_result {
	ESP_OK = 0,
	ESP_DUMMY,           /* authentic dummy packet, next header 59 (RFC 4303 2.6): drop */
	ESP_REPLAY,          /* duplicate or left of the window (RFC 4303 3.4.3) */
	ESP_AUTH_FAIL,       /* ICV mismatch (RFC 4303 3.4.4) */
	ESP_BAD_PAD,         /* pad length past the data, or not 1, 2, 3, ... (RFC 4303 2.4) */
	ESP_BAD_NEXT_HEADER, /* next header not 4 (IPv4), 41 (IPv6) or 59 (RFC 4303 2.6) */
	ESP_TRUNCATED,       /* shorter than header + IV + trailer + ICV */
	ESP_SA_EXPIRED,      /* hard lifetime reached, or esp_sa_expire() */
	ESP_SEQ_EXHAUSTED,   /* out: no sequence number left (RFC 4303 3.3.3): rekey needed */
	ESP_NO_ROOM,         /* out: headroom/tailroom too small, or over 65535 bytes */
	ESP_WRONG_DIR,       /* encap on an inbound SA, decap on an outbound one */
	ESP_CRYPTO_ERROR,    /* the crypto backend failed (OpenSSL allocation) */
	ESP_RESULT_COUNT
};

const char *esp_result_name(enum esp_result r);

/* What a lifetime callback reports as the reason. */
enum esp_limit {
	ESP_LIMIT_BYTES,
	ESP_LIMIT_PACKETS,
	ESP_LIMIT_SEQ, /* outbound sequence numbers used up (hard only) */
};

const char *esp_limit_name(enum esp_limit l);

struct esp_sa;

/*
 * Called on the data-plane thread that processed the packet which crossed
 * the limit, at most once per SA for soft and once for hard, outside any
 * lock. Soft: start a rekey. Hard: the SA refuses every further packet
 * (ESP_SA_EXPIRED). The callback must be quick and must not free the SA:
 * post to the control plane.
 */
typedef void (*esp_sa_limit_fn)(struct esp_sa *sa, enum esp_limit why, void *arg);

/*
 * Byte and packet limits, 0 for none. What counts: every packet that went
 * through the cipher with this SA's key (sent, or received with a valid
 * ICV and accepted by the replay window), dummy packets included; bytes are
 * those of the inner packet (the ESP payload before padding). A packet
 * that reaches a hard limit is still processed; the next one is refused.
 * Time limits are kept by the engine's timers, not per packet.
 */
struct esp_lifetime {
	uint64_t soft_bytes;
	uint64_t hard_bytes;
	uint64_t soft_packets;
	uint64_t hard_packets;
};

/*
 * The transform. AES-GCM is what the engine is for. ESP_CIPHER_NULL is
 * RFC 2410 NULL encryption with no integrity check and no IV: the same
 * header, trailer and I/O path with no cryptography, which RFC 4303
 * section 3.2 forbids on a real network; it exists to measure what the
 * data path costs without the cipher.
 */
enum esp_cipher {
	ESP_CIPHER_AES_GCM = 0,
	ESP_CIPHER_NULL,
};

struct esp_sa_config {
	enum esp_dir dir;
	enum esp_cipher cipher;
	uint32_t spi; /* host order; >= 256 (RFC 4303 section 2.1) */
	/*
	 * Keying material as IKEv2 derives it for AES-GCM (RFC 4106 section
	 * 8.1): the AES key followed by the 4-byte salt, 20 bytes for
	 * AES-128, 36 for AES-256. Copied; the caller wipes its own copy.
	 * ESP_CIPHER_NULL: none (NULL, 0).
	 */
	const uint8_t *keymat;
	size_t keymat_len;
	uint8_t icv_len;        /* 16 (0 means 16), 12 or 8 (RFC 4106 section 6);
	                         * ESP_CIPHER_NULL: ignored, always 0 */
	bool esn;               /* 64-bit sequence numbers (RFC 4303 section 2.2.1) */
	uint32_t replay_window; /* inbound, packets; 0: ESP_REPLAY_DEFAULT_WINDOW */
	/*
	 * Outbound: the sequence number already used; the next packet
	 * carries seq_start + 1. 0 for a new SA, whose first packet carries 1
	 * (RFC 4303 section 3.3.3).
	 */
	uint64_t seq_start;
	/*
	 * Outbound: several threads may call esp_encap() on this SA at once.
	 * The sequence number is then taken with an atomic fetch-and-add, so
	 * every packet still carries a unique number (RFC 4303 section 3.3.3
	 * allows no per-thread sequence spaces within one SA), and the
	 * counters are updated atomically. Packets may leave slightly out
	 * of order; the receiver's window absorbs that.
	 */
	bool shared_out;
	struct esp_lifetime life;
	esp_sa_limit_fn on_soft;
	esp_sa_limit_fn on_hard;
	void *cb_arg;
};

struct esp_sa_stats {
	uint64_t packets; /* delivered (in) or sent (out): results[ESP_OK] */
	uint64_t bytes;   /* inner bytes of those */
	uint64_t results[ESP_RESULT_COUNT];
	uint64_t life_packets; /* what the lifetime limits count */
	uint64_t life_bytes;
	uint64_t seq; /* out: last sequence number sent; in: highest accepted */
	bool soft_expired;
	bool hard_expired; /* hard limit, sequence numbers used up, or esp_sa_expire() */
};

/*
 * Validate cfg, copy and expand the key. NULL with errno EINVAL (bad
 * config), ENOMEM or ENOTSUP (no crypto backend). Free with esp_sa_free().
 */
struct esp_sa *esp_sa_new(const struct esp_sa_config *cfg);
/* Wipe the keys and free; NULL is fine. */
void esp_sa_free(struct esp_sa *sa);

uint32_t esp_sa_spi(const struct esp_sa *sa);
enum esp_dir esp_sa_dir(const struct esp_sa *sa);
bool esp_sa_esn(const struct esp_sa *sa);
size_t esp_sa_icv_len(const struct esp_sa *sa);
size_t esp_sa_iv_len(const struct esp_sa *sa);
#ifdef SKYGATE_TEST_HOOKS
/* Test builds only (configure --enable-test-hooks), so that a capture can
 * be decrypted: copy the keying material, key || salt (RFC 4106 section
 * 8.1), into out. Its length (20 or 36), or 0 for a NULL-cipher SA or when
 * len is too small. The caller wipes out. */
size_t esp_sa_export_keymat(const struct esp_sa *sa, uint8_t *out, size_t len);
#endif
/* Make the SA refuse every further packet (ESP_SA_EXPIRED), e.g. while the
 * control plane deletes it. Fires no callback. */
void esp_sa_expire(struct esp_sa *sa);
/* A consistent-enough snapshot: each counter is read atomically. */
void esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *out);

/* ---- SPI allocation ------------------------------------------------------ */

/*
 * The set of inbound SPIs in use in the engine, so that each is unique
 * (RFC 4303 section 2.1: the SPI with the destination selects the SA; 0 is
 * reserved and 1-255 are reserved to IANA). strongSwan's kernel_ipsec_t
 * get_spi() allocates here, del_sa() releases. Thread-safe (one mutex: the
 * control plane calls it, never the packet path).
 */
struct esp_spi_pool;

#define ESP_SPI_MIN 256u

struct esp_spi_pool *esp_spi_pool_new(void);
void esp_spi_pool_free(struct esp_spi_pool *p);
/*
 * A random unused SPI in [min, max] (min raised to ESP_SPI_MIN), now in
 * use. 0, or -1 with errno EINVAL (empty range), EAGAIN (range full) or
 * ENOMEM.
 */
int esp_spi_alloc(struct esp_spi_pool *p, uint32_t min, uint32_t max, uint32_t *spi);
/* Mark a given SPI in use: -1 with errno EINVAL (< 256), EEXIST or ENOMEM. */
int esp_spi_reserve(struct esp_spi_pool *p, uint32_t spi);
/* -1 with errno ENOENT when spi was not in use. */
int esp_spi_release(struct esp_spi_pool *p, uint32_t spi);
bool esp_spi_in_use(struct esp_spi_pool *p, uint32_t spi);
size_t esp_spi_count(struct esp_spi_pool *p);

/* ---- private to vpn/esp/ ------------------------------------------------- */

/*
 * The SA itself is visible only so that esp_packet.c reaches its fields
 * without a call per field; nothing outside vpn/esp/ touches them.
 */
struct esp_sa {
	/* Set at creation, read-only afterwards. */
	uint32_t spi;
	enum esp_dir dir;
	bool esn;
	uint8_t icv_len;
	uint8_t iv_len; /* 8 for AES-GCM (RFC 4106 3.1), 0 for NULL */
	bool shared_out;
	uint8_t salt[4];
	uint64_t seq_limit; /* out: the last sequence number that may be sent */
	struct esp_crypto_key *key; /* NULL for ESP_CIPHER_NULL */
	struct esp_lifetime life;
	esp_sa_limit_fn on_soft;
	esp_sa_limit_fn on_hard;
	void *cb_arg;

	atomic_bool dead; /* refuses packets: hard limit or esp_sa_expire() */
	atomic_bool soft_fired;
	atomic_bool hard_fired;

	/* Out: written by the one sending thread. In: written under the
	 * replay lock (ESP_OK, ESP_DUMMY, ESP_BAD_PAD, ESP_BAD_NEXT_HEADER
	 * results, bytes, life_*) or by atomic add (every other result). */
	_Alignas(64) _Atomic uint64_t seq_out;
	_Atomic uint64_t bytes;
	_Atomic uint64_t life_packets;
	_Atomic uint64_t life_bytes;
	_Atomic uint64_t results[ESP_RESULT_COUNT];

	struct esp_replay replay; /* inbound only */
};

/* Outbound, before encryption: the next sequence number, or why not. */
enum esp_result esp_sa_out_seq(struct esp_sa *sa, uint64_t *seq);
/* Outbound, after encryption: r is ESP_OK or ESP_DUMMY. */
void esp_sa_out_done(struct esp_sa *sa, enum esp_result r, size_t inner_len);
/*
 * Inbound, after ICV verification: commit seq to the replay window and, if
 * accepted, count r (ESP_OK, ESP_DUMMY, ESP_BAD_PAD or ESP_BAD_NEXT_HEADER)
 * and the lifetime. Returns r, or ESP_REPLAY / ESP_SA_EXPIRED.
 */
enum esp_result esp_sa_in_commit(struct esp_sa *sa, uint64_t seq, enum esp_result r,
                                 size_t inner_len);
/* Count a result decided outside the lock (a drop). Returns r. */
enum esp_result esp_sa_count(struct esp_sa *sa, enum esp_result r);

#endif
