/*
 * esp_sa.c - ESP SA lifecycle, lifetimes, counters, and the SPI allocator.
 */
/* config.h: whether the test hooks are in (configure --enable-test-hooks);
 * builds outside autotools (scripts/fuzz.sh) go without. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include "esp_sa.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#define SALT_LEN 4 /* RFC 4106 section 8.1 */

static const char *const result_names[ESP_RESULT_COUNT] = {
    [ESP_OK] = "ok",
    [ESP_DUMMY] = "dummy",
    [ESP_REPLAY] = "replay",
    [ESP_AUTH_FAIL] = "auth-fail",
    [ESP_BAD_PAD] = "bad-pad",
    [ESP_BAD_NEXT_HEADER] = "bad-next-header",
    [ESP_TRUNCATED] = "truncated",
    [ESP_SA_EXPIRED] = "sa-expired",
    [ESP_SEQ_EXHAUSTED] = "seq-exhausted",
    [ESP_NO_ROOM] = "no-room",
    [ESP_WRONG_DIR] = "wrong-dir",
    [ESP_CRYPTO_ERROR] = "crypto-error",
};

const char *esp_result_name(enum esp_result r)
{
	if ((unsigned)r >= ESP_RESULT_COUNT)
		return "?";
	return result_names[r];
}

const char *esp_limit_name(enum esp_limit l)
{
	switch (l) {
	case ESP_LIMIT_BYTES:
		return "bytes";
	case ESP_LIMIT_PACKETS:
		return "packets";
	case ESP_LIMIT_SEQ:
		return "sequence";
	}
	return "?";
}

/* ---- lifecycle ------------------------------------------------------------ */

static bool config_ok(const struct esp_sa_config *cfg)
{
	if (cfg->dir != ESP_DIR_IN && cfg->dir != ESP_DIR_OUT)
		return false;
	if (cfg->spi < ESP_SPI_MIN)
		return false;
	if (cfg->cipher == ESP_CIPHER_NULL) {
		if (cfg->keymat_len != 0)
			return false;
	} else if (cfg->cipher != ESP_CIPHER_AES_GCM || cfg->keymat == NULL ||
	           (cfg->keymat_len != 16 + SALT_LEN && cfg->keymat_len != 32 + SALT_LEN)) {
		return false;
	}
	if (cfg->icv_len != 0 && cfg->icv_len != 8 && cfg->icv_len != 12 && cfg->icv_len != 16)
		return false;
	if (cfg->replay_window > ESP_REPLAY_MAX_WINDOW)
		return false;
	/* The first packet must have a sequence number left to use. */
	if (cfg->dir == ESP_DIR_OUT && !cfg->esn && cfg->seq_start >= UINT32_MAX + (uint64_t)1)
		return false;
	return true;
}

struct esp_sa *esp_sa_new(const struct esp_sa_config *cfg)
{
	struct esp_sa *sa;
	size_t key_len;
	int err;

	if (esp_crypto_init() != 0) {
		errno = ENOTSUP;
		return NULL;
	}
	if (cfg == NULL || !config_ok(cfg)) {
		errno = EINVAL;
		return NULL;
	}
	sa = aligned_alloc(64, (sizeof(*sa) + 63) & ~(size_t)63);
	if (sa == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(sa, 0, sizeof(*sa));
	sa->spi = cfg->spi;
	sa->dir = cfg->dir;
	sa->esn = cfg->esn;
	sa->icv_len = cfg->icv_len != 0 ? cfg->icv_len : 16;
	sa->iv_len = ESP_IV_LEN_GCM;
	sa->shared_out = cfg->shared_out;
	if (cfg->cipher == ESP_CIPHER_NULL) {
		sa->icv_len = 0;
		sa->iv_len = 0;
	}
	/* RFC 4303 section 3.3.3: without ESN the counter must not cycle past
	 * 2^32 - 1, with ESN not past 2^64 - 1; a new SA is needed then. */
	sa->seq_limit = cfg->esn ? UINT64_MAX : UINT32_MAX;
	sa->life = cfg->life;
	sa->on_soft = cfg->on_soft;
	sa->on_hard = cfg->on_hard;
	sa->cb_arg = cfg->cb_arg;
	atomic_init(&sa->dead, false);
	atomic_init(&sa->soft_fired, false);
	atomic_init(&sa->hard_fired, false);
	atomic_init(&sa->seq_out, cfg->seq_start);

	if (cfg->cipher == ESP_CIPHER_AES_GCM) {
		key_len = cfg->keymat_len - SALT_LEN;
		memcpy(sa->salt, cfg->keymat + key_len, SALT_LEN);
		sa->key = esp_crypto_key_new(cfg->keymat, key_len);
		if (sa->key == NULL)
			goto fail;
	}
	if (sa->dir == ESP_DIR_IN &&
	    esp_replay_init(&sa->replay, cfg->replay_window, cfg->esn) != 0)
		goto fail;
	return sa;

fail:
	err = errno;
	esp_sa_free(sa);
	errno = err;
	return NULL;
}

/* The one way out of an SA: keys and salt are wiped here and nowhere else. */
void esp_sa_free(struct esp_sa *sa)
{
	if (sa == NULL)
		return;
	esp_crypto_key_free(sa->key);
	esp_replay_fini(&sa->replay);
	explicit_bzero(sa, sizeof(*sa));
	free(sa);
}

uint32_t esp_sa_spi(const struct esp_sa *sa)
{
	return sa->spi;
}

enum esp_dir esp_sa_dir(const struct esp_sa *sa)
{
	return sa->dir;
}

bool esp_sa_esn(const struct esp_sa *sa)
{
	return sa->esn;
}

size_t esp_sa_icv_len(const struct esp_sa *sa)
{
	return sa->icv_len;
}

size_t esp_sa_iv_len(const struct esp_sa *sa)
{
	return sa->iv_len;
}

#ifdef SKYGATE_TEST_HOOKS
size_t esp_sa_export_keymat(const struct esp_sa *sa, uint8_t *out, size_t len)
{
	size_t key_len;

	if (sa->key == NULL)
		return 0; /* ESP_CIPHER_NULL: no key */
	key_len = esp_crypto_key_len(sa->key);
	if (len < key_len + SALT_LEN || esp_crypto_key_export(sa->key, out, len) != key_len)
		return 0;
	/* key || salt, the layout IKEv2 derives (RFC 4106 section 8.1). */
	memcpy(out + key_len, sa->salt, SALT_LEN);
	return key_len + SALT_LEN;
}
#endif

void esp_sa_expire(struct esp_sa *sa)
{
	atomic_store_explicit(&sa->dead, true, memory_order_relaxed);
}

void esp_sa_stats(const struct esp_sa *sa, struct esp_sa_stats *out)
{
	memset(out, 0, sizeof(*out));
	for (unsigned i = 0; i < ESP_RESULT_COUNT; i++)
		out->results[i] = atomic_load_explicit(&sa->results[i], memory_order_relaxed);
	out->packets = out->results[ESP_OK];
	out->bytes = atomic_load_explicit(&sa->bytes, memory_order_relaxed);
	out->life_packets = atomic_load_explicit(&sa->life_packets, memory_order_relaxed);
	out->life_bytes = atomic_load_explicit(&sa->life_bytes, memory_order_relaxed);
	out->seq = sa->dir == ESP_DIR_OUT ? atomic_load_explicit(&sa->seq_out, memory_order_relaxed)
	                                  : esp_replay_top(&sa->replay);
	out->soft_expired = atomic_load_explicit(&sa->soft_fired, memory_order_relaxed);
	out->hard_expired = atomic_load_explicit(&sa->hard_fired, memory_order_relaxed) ||
	                    atomic_load_explicit(&sa->dead, memory_order_relaxed);
}

/* ---- per-packet accounting ---------------------------------------------- */

/*
 * A counter with one writer at a time (the sending thread, or whoever holds
 * the replay lock): a plain load and store, no locked instruction. Atomic
 * only so that esp_sa_stats() may read it from another thread.
 */
static inline void add_1w(_Atomic uint64_t *c, uint64_t v)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + v,
	                      memory_order_relaxed);
}

enum esp_result esp_sa_count(struct esp_sa *sa, enum esp_result r)
{
	atomic_fetch_add_explicit(&sa->results[r], 1, memory_order_relaxed);
	return r;
}

/* What crossing a limit calls for, decided where the counters are written,
 * acted on after any lock is released. */
struct limit_due {
	bool soft, hard;
	enum esp_limit soft_why, hard_why;
};

static bool over(uint64_t limit, uint64_t value)
{
	return limit != 0 && value >= limit;
}

/* Account one packet and see which limits it reached; the fired flags make
 * each callback happen once, whichever thread gets there first. */
static void account(struct esp_sa *sa, size_t inner_len, struct limit_due *due)
{
	uint64_t packets, bytes;

	if (sa->shared_out) {
		/* Several senders: each adds its own packet atomically. */
		packets = atomic_fetch_add_explicit(&sa->life_packets, 1, memory_order_relaxed) + 1;
		bytes = atomic_fetch_add_explicit(&sa->life_bytes, inner_len, memory_order_relaxed) +
		        inner_len;
	} else {
		packets = atomic_load_explicit(&sa->life_packets, memory_order_relaxed) + 1;
		bytes = atomic_load_explicit(&sa->life_bytes, memory_order_relaxed) + inner_len;
		atomic_store_explicit(&sa->life_packets, packets, memory_order_relaxed);
		atomic_store_explicit(&sa->life_bytes, bytes, memory_order_relaxed);
	}
	if (over(sa->life.soft_packets, packets) || over(sa->life.soft_bytes, bytes)) {
		if (!atomic_exchange_explicit(&sa->soft_fired, true, memory_order_relaxed)) {
			due->soft = true;
			due->soft_why =
			    over(sa->life.soft_bytes, bytes) ? ESP_LIMIT_BYTES : ESP_LIMIT_PACKETS;
		}
	}
	if (over(sa->life.hard_packets, packets) || over(sa->life.hard_bytes, bytes)) {
		atomic_store_explicit(&sa->dead, true, memory_order_relaxed);
		if (!atomic_exchange_explicit(&sa->hard_fired, true, memory_order_relaxed)) {
			due->hard = true;
			due->hard_why =
			    over(sa->life.hard_bytes, bytes) ? ESP_LIMIT_BYTES : ESP_LIMIT_PACKETS;
		}
	}
}

static void fire(struct esp_sa *sa, const struct limit_due *due)
{
	if (due->soft && sa->on_soft != NULL)
		sa->on_soft(sa, due->soft_why, sa->cb_arg);
	if (due->hard && sa->on_hard != NULL)
		sa->on_hard(sa, due->hard_why, sa->cb_arg);
}

enum esp_result esp_sa_out_seq(struct esp_sa *sa, uint64_t *seq)
{
	uint64_t cur;

	if (atomic_load_explicit(&sa->dead, memory_order_relaxed))
		return ESP_SA_EXPIRED;
	if (sa->shared_out) {
		/* One number per packet whichever thread sends it. Numbers
		 * taken past the limit are never sent, so the counter may
		 * overshoot it harmlessly (it stops far below 2^64). */
		cur = atomic_fetch_add_explicit(&sa->seq_out, 1, memory_order_relaxed);
	} else {
		cur = atomic_load_explicit(&sa->seq_out, memory_order_relaxed);
	}
	if (cur >= sa->seq_limit) {
		/* RFC 4303 section 3.3.3: never cycle the counter; the SA is
		 * spent for sending and IKE must replace it. */
		if (!atomic_exchange_explicit(&sa->hard_fired, true, memory_order_relaxed) &&
		    sa->on_hard != NULL)
			sa->on_hard(sa, ESP_LIMIT_SEQ, sa->cb_arg);
		return ESP_SEQ_EXHAUSTED;
	}
	if (!sa->shared_out)
		atomic_store_explicit(&sa->seq_out, cur + 1, memory_order_relaxed);
	*seq = cur + 1;
	return ESP_OK;
}

void esp_sa_out_done(struct esp_sa *sa, enum esp_result r, size_t inner_len)
{
	struct limit_due due = {0};

	if (sa->shared_out) {
		atomic_fetch_add_explicit(&sa->results[r], 1, memory_order_relaxed);
		if (r == ESP_OK)
			atomic_fetch_add_explicit(&sa->bytes, inner_len, memory_order_relaxed);
	} else {
		add_1w(&sa->results[r], 1);
		if (r == ESP_OK)
			add_1w(&sa->bytes, inner_len);
	}
	account(sa, inner_len, &due);
	fire(sa, &due);
}

enum esp_result esp_sa_in_commit(struct esp_sa *sa, uint64_t seq, enum esp_result r,
                                 size_t inner_len)
{
	struct limit_due due = {0};
	enum esp_replay_verdict v;

	esp_replay_lock(&sa->replay);
	/* Re-read under the lock: another worker may have taken the SA past
	 * its hard limit while this packet was being decrypted. */
	if (atomic_load_explicit(&sa->dead, memory_order_relaxed)) {
		esp_replay_unlock(&sa->replay);
		return esp_sa_count(sa, ESP_SA_EXPIRED);
	}
	v = esp_replay_commit_locked(&sa->replay, seq);
	if (v != ESP_REPLAY_OK) {
		esp_replay_unlock(&sa->replay);
		return esp_sa_count(sa, ESP_REPLAY);
	}
	add_1w(&sa->results[r], 1);
	if (r == ESP_OK)
		add_1w(&sa->bytes, inner_len);
	account(sa, inner_len, &due);
	esp_replay_unlock(&sa->replay);
	fire(sa, &due);
	return r;
}

/* ---- SPI allocation ------------------------------------------------------ */

/*
 * An open-addressing set of 32-bit SPIs (0 marks an empty slot: SPI 0 is
 * never stored), linear probing, at most half full, backward-shift
 * deletion so that no tombstones build up over years of rekeying.
 */
struct esp_spi_pool {
	pthread_mutex_t lock;
	uint32_t *slots;
	size_t mask;
	size_t count;
	uint32_t rnd[64]; /* getrandom() output, used from the end */
	size_t nrnd;
};

static size_t spi_hash(uint32_t spi, size_t mask)
{
	/* Fibonacci hashing: SPIs from a peer may be sequential. */
	return (size_t)(((uint64_t)spi * UINT64_C(0x9e3779b97f4a7c15)) >> 32) & mask;
}

static bool spi_find(const struct esp_spi_pool *p, uint32_t spi, size_t *at)
{
	for (size_t i = spi_hash(spi, p->mask);; i = (i + 1) & p->mask) {
		if (p->slots[i] == spi) {
			*at = i;
			return true;
		}
		if (p->slots[i] == 0) {
			*at = i;
			return false;
		}
	}
}

static int spi_grow(struct esp_spi_pool *p)
{
	size_t oldcap = p->mask + 1, cap = oldcap * 2, at;
	uint32_t *old = p->slots;

	p->slots = calloc(cap, sizeof(*p->slots));
	if (p->slots == NULL) {
		p->slots = old;
		return -1;
	}
	p->mask = cap - 1;
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i] != 0) {
			spi_find(p, old[i], &at);
			p->slots[at] = old[i];
		}
	}
	free(old);
	return 0;
}

/* Insert an SPI known to be absent. */
static int spi_insert(struct esp_spi_pool *p, uint32_t spi)
{
	size_t at;

	if ((p->count + 1) * 2 > p->mask + 1 && spi_grow(p) != 0) {
		errno = ENOMEM;
		return -1;
	}
	spi_find(p, spi, &at);
	p->slots[at] = spi;
	p->count++;
	return 0;
}

static uint32_t spi_random(struct esp_spi_pool *p)
{
	if (p->nrnd == 0) {
		size_t got = 0;

		while (got < sizeof(p->rnd)) {
			ssize_t n = getrandom((uint8_t *)p->rnd + got, sizeof(p->rnd) - got, 0);
			if (n > 0)
				got += (size_t)n;
			else if (errno != EINTR)
				abort(); /* no kernel randomness: a broken system */
		}
		p->nrnd = sizeof(p->rnd) / sizeof(p->rnd[0]);
	}
	return p->rnd[--p->nrnd];
}

struct esp_spi_pool *esp_spi_pool_new(void)
{
	struct esp_spi_pool *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->mask = 63;
	p->slots = calloc(p->mask + 1, sizeof(*p->slots));
	if (p->slots == NULL) {
		free(p);
		return NULL;
	}
	pthread_mutex_init(&p->lock, NULL);
	return p;
}

void esp_spi_pool_free(struct esp_spi_pool *p)
{
	if (p == NULL)
		return;
	pthread_mutex_destroy(&p->lock);
	free(p->slots);
	explicit_bzero(p, sizeof(*p)); /* unused random SPIs are not for anyone */
	free(p);
}

int esp_spi_alloc(struct esp_spi_pool *p, uint32_t min, uint32_t max, uint32_t *spi)
{
	uint64_t span, limit;
	size_t at;
	uint32_t cand;
	int rc = -1;

	if (min < ESP_SPI_MIN)
		min = ESP_SPI_MIN;
	if (min > max) {
		errno = EINVAL;
		return -1;
	}
	span = (uint64_t)max - min + 1;
	/* Rejection sampling: no value of the range is likelier than another,
	 * so the next SPI is no easier to guess. */
	limit = (UINT64_C(1) << 32) - (UINT64_C(1) << 32) % span;
	pthread_mutex_lock(&p->lock);
	for (unsigned tries = 0; tries < 128; tries++) {
		uint32_t r = spi_random(p);

		if (r >= limit)
			continue;
		cand = (uint32_t)(min + r % span);
		if (!spi_find(p, cand, &at)) {
			rc = spi_insert(p, cand);
			goto out;
		}
	}
	/* A crowded range: walk it from a random point (bounded, so that a
	 * full 2^32 range cannot stall the control plane). */
	cand = (uint32_t)(min + spi_random(p) % span);
	for (uint64_t i = 0; i < span && i < (UINT64_C(1) << 24); i++) {
		if (!spi_find(p, cand, &at)) {
			rc = spi_insert(p, cand);
			goto out;
		}
		cand = cand == max ? min : cand + 1;
	}
	errno = EAGAIN;
out:
	if (rc == 0)
		*spi = cand;
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int esp_spi_reserve(struct esp_spi_pool *p, uint32_t spi)
{
	size_t at;
	int rc;

	if (spi < ESP_SPI_MIN) {
		errno = EINVAL;
		return -1;
	}
	pthread_mutex_lock(&p->lock);
	if (spi_find(p, spi, &at)) {
		errno = EEXIST;
		rc = -1;
	} else {
		rc = spi_insert(p, spi);
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

int esp_spi_release(struct esp_spi_pool *p, uint32_t spi)
{
	size_t hole, j, home;
	int rc = 0;

	pthread_mutex_lock(&p->lock);
	if (spi == 0 || !spi_find(p, spi, &hole)) {
		errno = ENOENT;
		rc = -1;
		goto out;
	}
	/* Pull later members of the probe run back over the hole unless
	 * that would move one before its home slot. */
	for (j = (hole + 1) & p->mask; p->slots[j] != 0; j = (j + 1) & p->mask) {
		home = spi_hash(p->slots[j], p->mask);
		if (((j - home) & p->mask) >= ((j - hole) & p->mask)) {
			p->slots[hole] = p->slots[j];
			hole = j;
		}
	}
	p->slots[hole] = 0;
	p->count--;
out:
	pthread_mutex_unlock(&p->lock);
	return rc;
}

bool esp_spi_in_use(struct esp_spi_pool *p, uint32_t spi)
{
	size_t at;
	bool found;

	if (spi == 0)
		return false;
	pthread_mutex_lock(&p->lock);
	found = spi_find(p, spi, &at);
	pthread_mutex_unlock(&p->lock);
	return found;
}

size_t esp_spi_count(struct esp_spi_pool *p)
{
	size_t n;

	pthread_mutex_lock(&p->lock);
	n = p->count;
	pthread_mutex_unlock(&p->lock);
	return n;
}
