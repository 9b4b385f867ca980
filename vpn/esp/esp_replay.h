/*
 * esp_replay.h - ESP anti-replay window (RFC 4303 section 3.4.3), with
 * 64-bit Extended Sequence Numbers (section 2.2.1, Appendix A2).
 *
 * The window is RFC 6479's: a ring of 64-bit blocks indexed by seq >> 6.
 * Advancing the right edge clears the whole blocks it passes, so no packet
 * ever costs a shift of the bitmap, whatever the window size.
 *
 * A window of W packets accepts a sequence number s when it is above the
 * highest accepted one (top), or when top - W < s <= top and s has not been
 * seen. The ring holds 2W/64 blocks, so that the W packets below top are
 * always in it, however top sits within its block.
 *
 * Threads. Inbound SAs may be received by several workers at once:
 *  - esp_replay_check() takes no lock. It reads top and one block word
 *    (atomics) and is a filter before the costly decryption: it can let
 *    through a packet that another thread is accepting at the same moment,
 *    never reject one that the window would accept.
 *  - esp_replay_commit_locked(), between esp_replay_lock() and
 *    esp_replay_unlock(), decides for good: it re-checks against the
 *    current state and marks the packet seen. RFC 4303 section 3.4.3 asks
 *    for this only after the ICV has been verified. The lock is a
 *    spinlock held for a handful of stores; the SA layer also updates its
 *    counters inside it, so an accepted packet costs one lock round trip.
 *
 * Ownership: the window is embedded in its owner (the SA), which calls
 * esp_replay_init() and esp_replay_fini(); the block ring is allocated by
 * init and freed by fini.
 */
#ifndef SKYGATE_ESP_REPLAY_H
#define SKYGATE_ESP_REPLAY_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

/* 4096 packets tolerates the reordering that several workers decrypting
 * one SA in parallel introduce; RFC 4303's 32/64 is far too small. */
#define ESP_REPLAY_DEFAULT_WINDOW 4096u
#define ESP_REPLAY_MIN_WINDOW     64u
#define ESP_REPLAY_MAX_WINDOW     (1u << 20)

enum esp_replay_verdict {
	ESP_REPLAY_OK,        /* new: proceed (check) / accepted (commit) */
	ESP_REPLAY_DUPLICATE, /* seen before */
	ESP_REPLAY_TOO_OLD,   /* left of the window, or sequence number 0 */
};

struct esp_replay {
	/* The only line every receiving thread writes: lock and top. */
	_Alignas(64) atomic_bool lock;
	_Atomic uint64_t top; /* highest accepted sequence number, 0: none yet */
	uint32_t window;      /* W, packets, a power of two */
	uint32_t mask;        /* blocks in the ring - 1 */
	bool esn;
	_Atomic uint64_t *blocks;
};

/*
 * window: packets; 0 means ESP_REPLAY_DEFAULT_WINDOW, anything else is
 * rounded up to a power of two of at least ESP_REPLAY_MIN_WINDOW. 0, or -1
 * with errno EINVAL (over ESP_REPLAY_MAX_WINDOW) or ENOMEM.
 */
int esp_replay_init(struct esp_replay *w, uint32_t window, bool esn);
void esp_replay_fini(struct esp_replay *w);

/*
 * Before decryption: infer the full 64-bit sequence number from the 32 bits
 * on the wire (RFC 4303 Appendix A2.2 with ESN; without ESN it is seq_lo)
 * into *seq, and say whether the window would accept it.
 */
enum esp_replay_verdict esp_replay_check(const struct esp_replay *w, uint32_t seq_lo,
                                         uint64_t *seq);

void esp_replay_lock(struct esp_replay *w);
void esp_replay_unlock(struct esp_replay *w);
/* After ICV verification, under the lock: accept seq (mark it, advance). */
enum esp_replay_verdict esp_replay_commit_locked(struct esp_replay *w, uint64_t seq);
/* Lock, commit, unlock. */
enum esp_replay_verdict esp_replay_update(struct esp_replay *w, uint64_t seq);

uint64_t esp_replay_top(const struct esp_replay *w);
uint32_t esp_replay_window(const struct esp_replay *w);

#endif
