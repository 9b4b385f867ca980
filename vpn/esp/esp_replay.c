/*
 * esp_replay.c - RFC 6479 style anti-replay window for ESP (RFC 4303
 * section 3.4.3), with ESN inference (RFC 4303 Appendix A2.2).
 */
#include "esp_replay.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK_BITS  64u
#define BLOCK_SHIFT 6u

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

static uint32_t round_pow2(uint32_t v)
{
	uint32_t p = ESP_REPLAY_MIN_WINDOW;

	while (p < v)
		p <<= 1;
	return p;
}

int esp_replay_init(struct esp_replay *w, uint32_t window, bool esn)
{
	size_t nblocks;

	if (window == 0)
		window = ESP_REPLAY_DEFAULT_WINDOW;
	if (window > ESP_REPLAY_MAX_WINDOW) {
		errno = EINVAL;
		return -1;
	}
	window = round_pow2(window);
	/* Twice the window: the W packets below top span W/64 + 1 blocks
	 * unless top is the last bit of its block, and the ring size must be
	 * a power of two so that a mask finds a block. */
	nblocks = 2 * (size_t)window / BLOCK_BITS;
	memset(w, 0, sizeof(*w));
	w->blocks = calloc(nblocks, sizeof(*w->blocks));
	if (w->blocks == NULL) {
		errno = ENOMEM;
		return -1;
	}
	atomic_init(&w->lock, false);
	atomic_init(&w->top, 0);
	w->window = window;
	w->mask = (uint32_t)(nblocks - 1);
	w->esn = esn;
	return 0;
}

void esp_replay_fini(struct esp_replay *w)
{
	free(w->blocks);
	w->blocks = NULL;
}

/*
 * RFC 4303 Appendix A2.2: only the low 32 bits travel; the receiver
 * places them in whichever 2^32 "subspace" keeps them nearest the window.
 * Tl, Th: low and high halves of top; W: the window.
 *  Case A, the window lies in one subspace (Tl >= W - 1): a Seql at or
 *  above the bottom of the window (Tl - W + 1) is in subspace Th, one
 *  below it has wrapped into Th + 1.
 *  Case B, the window straddles a subspace boundary (Tl < W - 1): a Seql
 *  at or above Tl - W + 1 (mod 2^32) is in the upper end of the window, in
 *  subspace Th - 1; any other is in Th.
 * Returns false when the answer is outside 1..2^64-1 (Th - 1 below 0 or
 * Th + 1 above 2^32 - 1): no sender could have sent such a number, and it
 * is treated as too old.
 */
static bool infer_seq(uint64_t top, uint32_t seq_lo, uint32_t window, uint64_t *seq)
{
	uint32_t tl = (uint32_t)top, th = (uint32_t)(top >> 32);
	uint32_t bottom = tl - window + 1; /* wraps in case B, as A2.2 means */

	if (tl >= window - 1) {
		if (seq_lo >= bottom) {
			*seq = ((uint64_t)th << 32) | seq_lo;
		} else {
			if (th == UINT32_MAX)
				return false;
			*seq = ((uint64_t)(th + 1) << 32) | seq_lo;
		}
	} else {
		if (seq_lo >= bottom) {
			if (th == 0)
				return false;
			*seq = ((uint64_t)(th - 1) << 32) | seq_lo;
		} else {
			*seq = ((uint64_t)th << 32) | seq_lo;
		}
	}
	return true;
}

static inline uint64_t bit_of(uint64_t seq)
{
	return UINT64_C(1) << (seq & (BLOCK_BITS - 1));
}

static inline _Atomic uint64_t *block_of(const struct esp_replay *w, uint64_t seq)
{
	return &w->blocks[(seq >> BLOCK_SHIFT) & w->mask];
}

enum esp_replay_verdict esp_replay_check(const struct esp_replay *w, uint32_t seq_lo, uint64_t *seq)
{
	/* acquire pairs with the release in commit: blocks cleared for a new
	 * top are seen cleared by whoever sees that top. */
	uint64_t top = atomic_load_explicit(&w->top, memory_order_acquire);
	uint64_t s = seq_lo;

	if (w->esn && !infer_seq(top, seq_lo, w->window, &s)) {
		*seq = 0;
		return ESP_REPLAY_TOO_OLD;
	}
	*seq = s;
	/* RFC 4303 section 3.3.3: the first packet carries 1; 0 is never sent. */
	if (s == 0)
		return ESP_REPLAY_TOO_OLD;
	if (s > top)
		return ESP_REPLAY_OK;
	if (top - s >= w->window)
		return ESP_REPLAY_TOO_OLD;
	if (atomic_load_explicit(block_of(w, s), memory_order_relaxed) & bit_of(s))
		return ESP_REPLAY_DUPLICATE;
	return ESP_REPLAY_OK;
}

void esp_replay_lock(struct esp_replay *w)
{
	/* Test and test-and-set: waiters spin on a shared read, not on
	 * writes that would bounce the line between cores. */
	while (atomic_exchange_explicit(&w->lock, true, memory_order_acquire)) {
		while (atomic_load_explicit(&w->lock, memory_order_relaxed))
			cpu_relax();
	}
}

void esp_replay_unlock(struct esp_replay *w)
{
	atomic_store_explicit(&w->lock, false, memory_order_release);
}

enum esp_replay_verdict esp_replay_commit_locked(struct esp_replay *w, uint64_t seq)
{
	uint64_t top = atomic_load_explicit(&w->top, memory_order_relaxed);
	_Atomic uint64_t *blk;
	uint64_t word;

	if (seq == 0)
		return ESP_REPLAY_TOO_OLD;
	if (seq > top) {
		/* Advance: clear every block between the old top's and the
		 * new one's (all of them after a jump past the ring), so the
		 * bits of a previous lap round the ring are gone. */
		uint64_t from = top >> BLOCK_SHIFT, to = seq >> BLOCK_SHIFT;
		uint64_t n = to - from;

		if (n > (uint64_t)w->mask + 1)
			n = (uint64_t)w->mask + 1;
		for (uint64_t i = 1; i <= n; i++)
			atomic_store_explicit(&w->blocks[(from + i) & w->mask], 0,
			                      memory_order_relaxed);
		blk = block_of(w, seq);
		word = atomic_load_explicit(blk, memory_order_relaxed);
		atomic_store_explicit(blk, word | bit_of(seq), memory_order_relaxed);
		atomic_store_explicit(&w->top, seq, memory_order_release);
		return ESP_REPLAY_OK;
	}
	if (top - seq >= w->window)
		return ESP_REPLAY_TOO_OLD;
	blk = block_of(w, seq);
	word = atomic_load_explicit(blk, memory_order_relaxed);
	if (word & bit_of(seq))
		return ESP_REPLAY_DUPLICATE;
	atomic_store_explicit(blk, word | bit_of(seq), memory_order_relaxed);
	return ESP_REPLAY_OK;
}

enum esp_replay_verdict esp_replay_update(struct esp_replay *w, uint64_t seq)
{
	enum esp_replay_verdict v;

	esp_replay_lock(w);
	v = esp_replay_commit_locked(w, seq);
	esp_replay_unlock(w);
	return v;
}

uint64_t esp_replay_top(const struct esp_replay *w)
{
	return atomic_load_explicit(&w->top, memory_order_acquire);
}

uint32_t esp_replay_window(const struct esp_replay *w)
{
	return w->window;
}
