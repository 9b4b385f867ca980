/*
 * esp_crypto.h - AES-GCM for ESP (RFC 4106), behind one interface with two
 * backends: intel-ipsec-mb (primary) and OpenSSL EVP (fallback).
 *
 * Both backends compute the same function, bit for bit: AES-GCM with a
 * 12-byte nonce (RFC 4106 section 4: salt || IV), AAD (ESP uses 8 or 12
 * bytes, section 5) and an 8, 12 or 16-byte tag (section 6). Which one runs is a
 * property of the per-thread context, not of the key, so a worker that was
 * started on OpenSSL (no AES-NI, or intel-ipsec-mb failed its self-test)
 * and one on intel-ipsec-mb can share an SA.
 *
 * Objects and their owners:
 *  - esp_crypto_init(): process-wide, once. Probes intel-ipsec-mb (AES-NI
 *    and PCLMULQDQ present, manager initialises, and its output matches
 *    OpenSSL's on a self-test) and fetches the OpenSSL ciphers. Idempotent
 *    and thread-safe; every constructor below calls it.
 *  - struct esp_crypto_key: one per SA, made once when the SA is created.
 *    The intel-ipsec-mb expanded key and GHASH tables are computed there;
 *    OpenSSL contexts keyed with it are made lazily, one per thread slot,
 *    the first time a thread on the OpenSSL backend uses the key.
 *    esp_crypto_key_free() wipes every copy of the key (caller owns the key;
 *    it must not be in use by any thread when freed).
 *  - struct esp_crypto_ctx: one per worker thread, never shared. Holds the
 *    thread's intel-ipsec-mb manager (alloc_mb_mgr + init_mb_mgr_auto) and
 *    its thread slot. At most ESP_CRYPTO_MAX_THREADS exist at once.
 *
 * A key may be used by several threads at once (an inbound SA received by
 * several workers), each through its own ctx.
 */
#ifndef SKYGATE_ESP_CRYPTO_H
#define SKYGATE_ESP_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Thread slots for the OpenSSL backend's per-key contexts. */
#define ESP_CRYPTO_MAX_THREADS 64

#define ESP_GCM_NONCE_LEN 12 /* RFC 4106 section 4: 4-byte salt || 8-byte IV */
#define ESP_GCM_MAX_AAD   12 /* RFC 4106 section 5: SPI || 64-bit ESN */
#define ESP_GCM_MAX_TAG   16

enum esp_crypto_backend {
	ESP_CRYPTO_AUTO = 0, /* the best available: intel-ipsec-mb, else OpenSSL */
	ESP_CRYPTO_IPSECMB,
	ESP_CRYPTO_OPENSSL,
};

struct esp_crypto_key;
struct esp_crypto_ctx;

/* 0 when at least one backend works, -1 when none does. */
int esp_crypto_init(void);
bool esp_crypto_available(enum esp_crypto_backend b);
/* What ESP_CRYPTO_AUTO resolves to (ESP_CRYPTO_AUTO itself if none works). */
enum esp_crypto_backend esp_crypto_best(void);
const char *esp_crypto_backend_name(enum esp_crypto_backend b);
/* The intel-ipsec-mb code path in use ("avx2", "avx512", ...), or "none". */
const char *esp_crypto_ipsecmb_arch(void);

/*
 * Would intel-ipsec-mb pass our start-up checks if it were initialised
 * with AES-NI disabled (aesni_off) or as it is? A probe that leaves the
 * process-wide choice alone; tests use it to prove the fallback decision.
 */
bool esp_crypto_probe_ipsecmb(bool aesni_off);

/*
 * Expand an AES key of 16 or 32 bytes (the salt is not part of it). NULL
 * with errno EINVAL (bad length), ENOMEM, or ENOTSUP (no backend).
 */
struct esp_crypto_key *esp_crypto_key_new(const uint8_t *key, size_t key_len);
/* Wipe and free; NULL is fine. */
void esp_crypto_key_free(struct esp_crypto_key *k);
size_t esp_crypto_key_len(const struct esp_crypto_key *k);
#ifdef SKYGATE_TEST_HOOKS
/* Test builds only (configure --enable-test-hooks): copy the AES key into
 * out; its length, or 0 when len is too small. */
size_t esp_crypto_key_export(const struct esp_crypto_key *k, uint8_t *out, size_t len);
#endif

/*
 * A context for the calling thread on backend b (AUTO: the best). NULL with
 * errno ENOTSUP (backend unavailable), EBUSY (all thread slots taken) or
 * ENOMEM.
 */
struct esp_crypto_ctx *esp_crypto_ctx_new(enum esp_crypto_backend b);
void esp_crypto_ctx_free(struct esp_crypto_ctx *c);
enum esp_crypto_backend esp_crypto_ctx_backend(const struct esp_crypto_ctx *c);

/*
 * Encrypt data[0..len) in place and write tag_len bytes of tag (8, 12 or
 * 16: the leftmost bytes of the full tag). 0, or -1 on a bad tag length or
 * a backend failure (only the OpenSSL backend can fail: allocation of its
 * per-key context on first use).
 */
int esp_crypto_seal(struct esp_crypto_ctx *c, struct esp_crypto_key *k,
                    const uint8_t nonce[ESP_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                    uint8_t *data, size_t len, uint8_t *tag, size_t tag_len);

/*
 * Decrypt data[0..len) in place and verify tag. 0 when the tag matches; 1
 * when it does not (the bytes in data are then unspecified and must be
 * dropped); -1 on a backend failure.
 */
int esp_crypto_open(struct esp_crypto_ctx *c, struct esp_crypto_key *k,
                    const uint8_t nonce[ESP_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                    uint8_t *data, size_t len, const uint8_t *tag, size_t tag_len);

#endif
