/*
 * esp_crypto.c - AES-GCM (RFC 4106) on intel-ipsec-mb, or on OpenSSL EVP.
 *
 * intel-ipsec-mb is used through its direct GCM API (IMB_AES128_GCM_ENC and
 * friends, reached through the manager's function pointers): one call per
 * packet over a key whose round keys and GHASH powers were computed once by
 * IMB_AES*_GCM_PRE when the SA was made. The job API would let the library
 * interleave several packets, but it needs a batch of packets to gain
 * anything, and the engine hands us one packet at a time for now.
 *
 * OpenSSL EVP contexts cannot be shared between threads, and keying one
 * costs an AES key expansion and a GHASH key setup, so each key carries one
 * keyed EVP context per thread slot, made on that slot's first use; per
 * packet only the nonce is set.
 */
/* config.h: whether the test hooks are in (configure --enable-test-hooks);
 * builds outside autotools (scripts/fuzz.sh) go without. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "esp_crypto.h"

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>

struct esp_crypto_key {
	/* intel-ipsec-mb's expanded key: its SIMD code wants it aligned, and
	 * the header only asks for that when LINUX is defined. */
	_Alignas(64) struct gcm_key_data imb;
	bool has_imb;
	size_t key_len;
	/* Kept to key the OpenSSL contexts made later; no more secret than
	 * the expanded key above, of which it is the first round key. */
	uint8_t raw[32];
	EVP_CIPHER_CTX *evp[ESP_CRYPTO_MAX_THREADS];
};

struct esp_crypto_ctx {
	enum esp_crypto_backend backend;
	IMB_MGR *mgr;  /* ESP_CRYPTO_IPSECMB: this thread's manager */
	unsigned slot; /* ESP_CRYPTO_OPENSSL: index into esp_crypto_key.evp */
};

static struct {
	int status; /* 0 or -1, the result of esp_crypto_init() */
	bool imb_ok;
	bool ossl_ok;
	IMB_ARCH arch;
	/* Used only for key expansion, which reads nothing but the
	 * manager's function pointers, so threads may share it. */
	IMB_MGR *keymgr;
	EVP_CIPHER *aes128;
	EVP_CIPHER *aes256;
} G;

static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static _Atomic uint64_t slots_in_use;

/*
 * Known answers for the start-up self-test: test cases 2 and 14 of McGrew
 * and Viega, "The Galois/Counter Mode of Operation (GCM)": a zero key, a
 * zero 96-bit IV, one zero block of plaintext and no AAD. The unit tests run
 * the full set; this is only the guard that keeps a broken library build
 * from ever encrypting traffic.
 */
static const uint8_t kat_ct128[16] = {0x03, 0x88, 0xda, 0xce, 0x60, 0xb6, 0xa3, 0x92,
                                      0xf3, 0x28, 0xc2, 0xb9, 0x71, 0xb2, 0xfe, 0x78};
static const uint8_t kat_tag128[16] = {0xab, 0x6e, 0x47, 0xd4, 0x2c, 0xec, 0x13, 0xbd,
                                       0xf5, 0x3a, 0x67, 0xb2, 0x12, 0x57, 0xbd, 0xdf};
static const uint8_t kat_ct256[16] = {0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
                                      0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18};
static const uint8_t kat_tag256[16] = {0xd0, 0xd1, 0xc8, 0xa7, 0x99, 0x99, 0x6b, 0xf0,
                                       0x26, 0x5b, 0x98, 0xb5, 0xd4, 0x8a, 0xb9, 0x19};

static const char *arch_name(IMB_ARCH a)
{
	switch (a) {
	case IMB_ARCH_NOAESNI:
		return "no-aesni";
	case IMB_ARCH_SSE:
		return "sse";
	case IMB_ARCH_AVX:
		return "avx";
	case IMB_ARCH_AVX2:
		return "avx2";
	case IMB_ARCH_AVX512:
		return "avx512";
	default:
		return "none";
	}
}

static void imb_pre(IMB_MGR *mgr, const uint8_t *key, size_t key_len, struct gcm_key_data *out)
{
	if (key_len == 16)
		IMB_AES128_GCM_PRE(mgr, key, out);
	else
		IMB_AES256_GCM_PRE(mgr, key, out);
}

static bool imb_kat(IMB_MGR *mgr, size_t key_len, const uint8_t *want_ct, const uint8_t *want_tag)
{
	static const uint8_t zero[32];
	struct gcm_key_data *kd = aligned_alloc(64, (sizeof(*kd) + 63) & ~(size_t)63);
	struct gcm_context_data gctx;
	uint8_t buf[16] = {0}, tag[16];
	bool ok;

	if (kd == NULL)
		return false;
	imb_pre(mgr, zero, key_len, kd);
	if (key_len == 16)
		IMB_AES128_GCM_ENC(mgr, kd, &gctx, buf, buf, sizeof(buf), zero, NULL, 0, tag, 16);
	else
		IMB_AES256_GCM_ENC(mgr, kd, &gctx, buf, buf, sizeof(buf), zero, NULL, 0, tag, 16);
	ok = memcmp(buf, want_ct, 16) == 0 && memcmp(tag, want_tag, 16) == 0;
	free(kd);
	return ok;
}

/*
 * Make and initialise a manager; NULL unless it is one we will trust with
 * traffic. IMB_ARCH_NOAESNI is refused on purpose: it is intel-ipsec-mb's
 * software AES, slower than OpenSSL's constant-time fallback code.
 */
static IMB_MGR *imb_open(uint64_t flags, IMB_ARCH *arch_out)
{
	const uint64_t need = IMB_FEATURE_AESNI | IMB_FEATURE_PCLMULQDQ;
	IMB_MGR *mgr = alloc_mb_mgr(flags);
	IMB_ARCH arch = IMB_ARCH_NONE;

	if (mgr == NULL)
		return NULL;
	init_mb_mgr_auto(mgr, &arch);
	if (imb_get_errno(mgr) != 0 || arch == IMB_ARCH_NONE || arch == IMB_ARCH_NOAESNI ||
	    (mgr->features & need) != need || mgr->gcm128_pre == NULL || mgr->gcm256_pre == NULL ||
	    !imb_kat(mgr, 16, kat_ct128, kat_tag128) || !imb_kat(mgr, 32, kat_ct256, kat_tag256)) {
		free_mb_mgr(mgr);
		return NULL;
	}
	if (arch_out != NULL)
		*arch_out = arch;
	return mgr;
}

bool esp_crypto_probe_ipsecmb(bool aesni_off)
{
	IMB_MGR *mgr = imb_open(aesni_off ? IMB_FLAG_AESNI_OFF : 0, NULL);

	free_mb_mgr(mgr);
	return mgr != NULL;
}

static EVP_CIPHER_CTX *ossl_keyed(const EVP_CIPHER *cipher, const uint8_t *key)
{
	EVP_CIPHER_CTX *e = EVP_CIPHER_CTX_new();

	if (e == NULL)
		return NULL;
	/* The default GCM IV length is 12, which is what RFC 4106 uses. */
	if (EVP_EncryptInit_ex2(e, cipher, key, NULL, NULL) != 1) {
		EVP_CIPHER_CTX_free(e);
		return NULL;
	}
	return e;
}

static bool ossl_kat(const EVP_CIPHER *cipher, const uint8_t *want_ct, const uint8_t *want_tag)
{
	static const uint8_t zero[32];
	EVP_CIPHER_CTX *e = ossl_keyed(cipher, zero);
	uint8_t buf[16] = {0}, tag[16];
	int outl;
	bool ok;

	if (e == NULL)
		return false;
	ok = EVP_EncryptInit_ex(e, NULL, NULL, NULL, zero) == 1 &&
	     EVP_EncryptUpdate(e, buf, &outl, buf, sizeof(buf)) == 1 &&
	     EVP_EncryptFinal_ex(e, tag, &outl) == 1 &&
	     EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, 16, tag) == 1 &&
	     memcmp(buf, want_ct, 16) == 0 && memcmp(tag, want_tag, 16) == 0;
	EVP_CIPHER_CTX_free(e);
	return ok;
}

static void init_once_fn(void)
{
	/* Fetched once: an implicit fetch per context would look the
	 * algorithm up in the provider store every time. */
	G.aes128 = EVP_CIPHER_fetch(NULL, "AES-128-GCM", NULL);
	G.aes256 = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
	G.ossl_ok = G.aes128 != NULL && G.aes256 != NULL &&
	            ossl_kat(G.aes128, kat_ct128, kat_tag128) &&
	            ossl_kat(G.aes256, kat_ct256, kat_tag256);
	G.keymgr = imb_open(0, &G.arch);
	G.imb_ok = G.keymgr != NULL;
	G.status = G.imb_ok || G.ossl_ok ? 0 : -1;
}

int esp_crypto_init(void)
{
	pthread_once(&init_once, init_once_fn);
	return G.status;
}

bool esp_crypto_available(enum esp_crypto_backend b)
{
	esp_crypto_init();
	switch (b) {
	case ESP_CRYPTO_AUTO:
		return G.status == 0;
	case ESP_CRYPTO_IPSECMB:
		return G.imb_ok;
	case ESP_CRYPTO_OPENSSL:
		return G.ossl_ok;
	}
	return false;
}

enum esp_crypto_backend esp_crypto_best(void)
{
	esp_crypto_init();
	if (G.imb_ok)
		return ESP_CRYPTO_IPSECMB;
	if (G.ossl_ok)
		return ESP_CRYPTO_OPENSSL;
	return ESP_CRYPTO_AUTO;
}

const char *esp_crypto_backend_name(enum esp_crypto_backend b)
{
	switch (b) {
	case ESP_CRYPTO_AUTO:
		return "auto";
	case ESP_CRYPTO_IPSECMB:
		return "intel-ipsec-mb";
	case ESP_CRYPTO_OPENSSL:
		return "openssl";
	}
	return "?";
}

const char *esp_crypto_ipsecmb_arch(void)
{
	esp_crypto_init();
	return G.imb_ok ? arch_name(G.arch) : "none";
}

/* ---- keys ---------------------------------------------------------------- */

struct esp_crypto_key *esp_crypto_key_new(const uint8_t *key, size_t key_len)
{
	struct esp_crypto_key *k;

	if (esp_crypto_init() != 0) {
		errno = ENOTSUP;
		return NULL;
	}
	if (key == NULL || (key_len != 16 && key_len != 32)) {
		errno = EINVAL;
		return NULL;
	}
	/* aligned_alloc wants a size that is a multiple of the alignment. */
	k = aligned_alloc(64, (sizeof(*k) + 63) & ~(size_t)63);
	if (k == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(k, 0, sizeof(*k));
	k->key_len = key_len;
	memcpy(k->raw, key, key_len);
	if (G.imb_ok) {
		imb_pre(G.keymgr, key, key_len, &k->imb);
		k->has_imb = true;
	}
	return k;
}

void esp_crypto_key_free(struct esp_crypto_key *k)
{
	if (k == NULL)
		return;
	/* EVP_CIPHER_CTX_free clears the provider's copy of the key
	 * schedule before it frees it. */
	for (unsigned i = 0; i < ESP_CRYPTO_MAX_THREADS; i++)
		EVP_CIPHER_CTX_free(k->evp[i]);
	explicit_bzero(k, sizeof(*k));
	free(k);
}

size_t esp_crypto_key_len(const struct esp_crypto_key *k)
{
	return k->key_len;
}

#ifdef SKYGATE_TEST_HOOKS
size_t esp_crypto_key_export(const struct esp_crypto_key *k, uint8_t *out, size_t len)
{
	if (len < k->key_len)
		return 0;
	memcpy(out, k->raw, k->key_len);
	return k->key_len;
}
#endif

/* ---- per-thread contexts ---------------------------------------------- */

static int slot_take(unsigned *slot)
{
	uint64_t cur = atomic_load_explicit(&slots_in_use, memory_order_relaxed);

	for (;;) {
		if (cur == UINT64_MAX)
			return -1;
		unsigned bit = (unsigned)__builtin_ctzll(~cur);
		/* acquire: the previous holder's lazily made EVP contexts in
		 * every key are ours now, and must be seen complete. */
		if (atomic_compare_exchange_weak_explicit(
		        &slots_in_use, &cur, cur | (UINT64_C(1) << bit), memory_order_acquire,
		        memory_order_relaxed)) {
			*slot = bit;
			return 0;
		}
	}
}

static void slot_give(unsigned slot)
{
	atomic_fetch_and_explicit(&slots_in_use, ~(UINT64_C(1) << slot), memory_order_release);
}

struct esp_crypto_ctx *esp_crypto_ctx_new(enum esp_crypto_backend b)
{
	struct esp_crypto_ctx *c;

	if (b == ESP_CRYPTO_AUTO)
		b = esp_crypto_best();
	if (!esp_crypto_available(b) || b == ESP_CRYPTO_AUTO) {
		errno = ENOTSUP;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	c->backend = b;
	if (b == ESP_CRYPTO_IPSECMB) {
		/* The manager is per thread: intel-ipsec-mb keeps its job
		 * queues in it, so a batching (job API) path needs one per
		 * worker anyway. */
		c->mgr = imb_open(0, NULL);
		if (c->mgr == NULL) {
			free(c);
			errno = ENOMEM;
			return NULL;
		}
	} else if (slot_take(&c->slot) != 0) {
		free(c);
		errno = EBUSY;
		return NULL;
	}
	return c;
}

void esp_crypto_ctx_free(struct esp_crypto_ctx *c)
{
	if (c == NULL)
		return;
	if (c->backend == ESP_CRYPTO_IPSECMB)
		free_mb_mgr(c->mgr);
	else
		slot_give(c->slot);
	free(c);
}

enum esp_crypto_backend esp_crypto_ctx_backend(const struct esp_crypto_ctx *c)
{
	return c->backend;
}

/* ---- seal and open ------------------------------------------------------ */

/* Only the thread holding the slot reads or writes k->evp[slot]. */
static EVP_CIPHER_CTX *ossl_for(const struct esp_crypto_ctx *c, struct esp_crypto_key *k)
{
	EVP_CIPHER_CTX *e = k->evp[c->slot];

	if (e == NULL) {
		e = ossl_keyed(k->key_len == 16 ? G.aes128 : G.aes256, k->raw);
		k->evp[c->slot] = e;
	}
	return e;
}

static int ossl_seal(const struct esp_crypto_ctx *c, struct esp_crypto_key *k, const uint8_t *nonce,
                     const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len, uint8_t *tag,
                     size_t tag_len)
{
	EVP_CIPHER_CTX *e = ossl_for(c, k);
	uint8_t fin[16];
	int outl;

	if (e == NULL || len > INT_MAX || aad_len > INT_MAX)
		return -1;
	if (EVP_EncryptInit_ex(e, NULL, NULL, NULL, nonce) != 1 ||
	    (aad_len != 0 && EVP_EncryptUpdate(e, NULL, &outl, aad, (int)aad_len) != 1) ||
	    (len != 0 && EVP_EncryptUpdate(e, data, &outl, data, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(e, fin, &outl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_GET_TAG, (int)tag_len, tag) != 1)
		return -1;
	return 0;
}

static int ossl_open(const struct esp_crypto_ctx *c, struct esp_crypto_key *k, const uint8_t *nonce,
                     const uint8_t *aad, size_t aad_len, uint8_t *data, size_t len,
                     const uint8_t *tag, size_t tag_len)
{
	EVP_CIPHER_CTX *e = ossl_for(c, k);
	uint8_t want[ESP_GCM_MAX_TAG], fin[16];
	int outl;

	if (e == NULL || len > INT_MAX || aad_len > INT_MAX)
		return -1;
	memcpy(want, tag, tag_len); /* SET_TAG takes a non-const pointer */
	if (EVP_DecryptInit_ex(e, NULL, NULL, NULL, nonce) != 1 ||
	    EVP_CIPHER_CTX_ctrl(e, EVP_CTRL_AEAD_SET_TAG, (int)tag_len, want) != 1 ||
	    (aad_len != 0 && EVP_DecryptUpdate(e, NULL, &outl, aad, (int)aad_len) != 1) ||
	    (len != 0 && EVP_DecryptUpdate(e, data, &outl, data, (int)len) != 1))
		return -1;
	/* Final is where OpenSSL compares the tag (in constant time). */
	return EVP_DecryptFinal_ex(e, fin, &outl) == 1 ? 0 : 1;
}

static bool tag_len_ok(size_t tag_len)
{
	return tag_len == 8 || tag_len == 12 || tag_len == 16;
}

int esp_crypto_seal(struct esp_crypto_ctx *c, struct esp_crypto_key *k,
                    const uint8_t nonce[ESP_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                    uint8_t *data, size_t len, uint8_t *tag, size_t tag_len)
{
	struct gcm_context_data gctx;

	if (!tag_len_ok(tag_len))
		return -1;
	if (c->backend == ESP_CRYPTO_OPENSSL)
		return ossl_seal(c, k, nonce, aad, aad_len, data, len, tag, tag_len);
	if (!k->has_imb)
		return -1;
	if (k->key_len == 16)
		IMB_AES128_GCM_ENC(c->mgr, &k->imb, &gctx, data, data, len, nonce, aad, aad_len,
		                   tag, tag_len);
	else
		IMB_AES256_GCM_ENC(c->mgr, &k->imb, &gctx, data, data, len, nonce, aad, aad_len,
		                   tag, tag_len);
	return 0;
}

int esp_crypto_open(struct esp_crypto_ctx *c, struct esp_crypto_key *k,
                    const uint8_t nonce[ESP_GCM_NONCE_LEN], const uint8_t *aad, size_t aad_len,
                    uint8_t *data, size_t len, const uint8_t *tag, size_t tag_len)
{
	struct gcm_context_data gctx;
	uint8_t calc[ESP_GCM_MAX_TAG];

	if (!tag_len_ok(tag_len))
		return -1;
	if (c->backend == ESP_CRYPTO_OPENSSL)
		return ossl_open(c, k, nonce, aad, aad_len, data, len, tag, tag_len);
	if (!k->has_imb)
		return -1;
	/* intel-ipsec-mb decrypts and hands back the tag it computed; the
	 * comparison is ours, and must not leak how many bytes matched. */
	if (k->key_len == 16)
		IMB_AES128_GCM_DEC(c->mgr, &k->imb, &gctx, data, data, len, nonce, aad, aad_len,
		                   calc, tag_len);
	else
		IMB_AES256_GCM_DEC(c->mgr, &k->imb, &gctx, data, data, len, nonce, aad, aad_len,
		                   calc, tag_len);
	return CRYPTO_memcmp(calc, tag, tag_len) == 0 ? 0 : 1;
}
