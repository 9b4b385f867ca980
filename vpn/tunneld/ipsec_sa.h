/*
 * ipsec_sa.h - the SA database of skygate-tunneld and the interface an IKE
 * daemon drives it through.
 *
 * struct ipsec_sa_ops is shaped after strongSwan's kernel_ipsec_t
 * (get_spi, add_sa, update_sa, query_sa, del_sa): the seam where
 * libcharon's CHILD_SAs plug into this engine instead of the kernel's
 * XFRM. The manual keys of the configuration file go through the same
 * calls, so there is one way in for an SA.
 *
 * SAs are bound to a tunnel by reqid (strongSwan's name for the number
 * that ties an SA to its policies); in this engine the reqid is the
 * tunnel's index, and one tunnel has one outbound SA and any number of
 * inbound ones (old and new overlap during a rekey).
 *
 * Threads and memory:
 *  - The control plane (the main thread) calls the ops; they serialise on
 *    one mutex.
 *  - The packet path reads an immutable snapshot (struct ipsec_sa_snap)
 *    through one atomic pointer: no lock per packet. A change builds a new
 *    snapshot, publishes it, and frees the old one (and any SA it
 *    removed) only after every worker has passed a quiescent point
 *    (ipsec_sadb_quiescent(), called between batches), the
 *    quiescent-state-based reclamation of userspace RCU.
 *  - Lifetime callbacks of the ESP engine run on workers; they are
 *    queued and delivered on the main thread by ipsec_sadb_run_events(),
 *    which the daemon calls when ipsec_sadb_event_fd() is readable.
 *
 * Ownership: the database owns every SA added to it and frees them with
 * their keys wiped; callers own their keymat buffers.
 */
#ifndef SKYGATE_IPSEC_SA_H
#define SKYGATE_IPSEC_SA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "esp_sa.h"

#define IPSEC_MAX_REQID   128 /* tunnels: TCFG_MAX_TUNNELS */
#define IPSEC_MAX_WORKERS 64

/* kernel_ipsec_sa_id_t: which SA (destination, SPI, protocol ESP). */
struct ipsec_sa_id {
	/* The underlay, network order: AF_INET (or 0, which means the same)
	 * in src[0..3]/dst[0..3], AF_INET6 in all 16 octets. */
	int family;
	uint8_t src[16], dst[16];
	uint32_t spi;
};

/* Octets of an address of an SA id's family: 4 or 16. */
size_t ipsec_addr_len(int family);

/* kernel_ipsec_add_sa_t, the parts this engine uses. */
struct ipsec_add_sa {
	uint32_t reqid;       /* the tunnel */
	bool inbound;
	enum esp_cipher cipher;
	const uint8_t *keymat; /* key || salt (RFC 4106 8.1); copied */
	size_t keymat_len;
	uint8_t icv_len;       /* 0: 16 */
	bool esn;
	uint32_t replay_window; /* 0: the engine's default */
	bool encap;             /* UDP encapsulation (RFC 3948) */
	uint16_t encap_sport, encap_dport; /* 0: 4500 */
	struct esp_lifetime life;
	/* Replace an SA with the same id. strongSwan's `update` means "the
	 * SPI came from get_spi"; here it also lets an SA with the same SPI
	 * and destination be replaced, as the configuration does when an
	 * SA's key or algorithm changes. The replacement is a new SA: its
	 * sequence numbers, replay window, counters and lifetimes start
	 * again (RFC 4303 3.3.3 and 3.4.3 apply per SA), as the peer's do
	 * when it takes the same new key. The caller must give a new key:
	 * the GCM nonce is the salt and the sequence number (RFC 4106 3.1),
	 * so sequence numbers restarted under an old key would repeat
	 * nonces. update_sa() is the call that keeps an SA (addresses and
	 * encapsulation only, like strongSwan's). */
	bool update;
};

/* kernel_ipsec_update_sa_t: the peer moved (MOBIKE, NAT mapping change),
 * possibly to the other address family (new_family as ipsec_sa_id's). */
struct ipsec_update_sa {
	int new_family;
	uint8_t new_src[16], new_dst[16];
	bool encap;
	uint16_t encap_sport, encap_dport;
};

/* kernel_ipsec_query_sa_t's answers. */
struct ipsec_sa_usage {
	uint64_t bytes;
	uint64_t packets;
	time_t last_use; /* 0: never */
};

/* What the packet path sees of one SA. */
struct ipsec_sa_entry {
	struct esp_sa *sa;
	struct ipsec_sa_id id;
	uint32_t reqid;
	bool inbound;
	bool encap;
	uint16_t encap_sport, encap_dport;
	_Atomic int64_t last_use; /* CLOCK_REALTIME seconds, updated at most once a second */
	int64_t added;             /* CLOCK_MONOTONIC ns: the newest outbound SA wins */
	/* What the lifetime callbacks are given (database, reqid, SPI,
	 * direction): it lives as long as sa, across update_sa(), which
	 * replaces the entry around the same SA. */
	struct ipsec_sa_cb *cb;
};

struct ipsec_sa_snap {
	size_t nin;
	struct ipsec_sa_entry **in; /* sorted by SPI */
	struct ipsec_sa_entry *out[IPSEC_MAX_REQID];
};

struct ipsec_sadb;
struct ipsec_sa_cb;

/* Expiry notices (kernel_listener_t's expire): soft asks for a rekey,
 * hard means the SA refuses traffic. Called on the main thread. */
typedef void (*ipsec_expire_fn)(void *arg, uint32_t reqid, uint32_t spi, bool inbound, bool hard);

struct ipsec_sa_ops {
	/* Allocate an unused inbound SPI (kernel_ipsec_t.get_spi). */
	int (*get_spi)(struct ipsec_sadb *db, const uint8_t src[4], const uint8_t dst[4],
	               uint32_t *spi);
	int (*add_sa)(struct ipsec_sadb *db, const struct ipsec_sa_id *id, const struct ipsec_add_sa *data);
	int (*update_sa)(struct ipsec_sadb *db, const struct ipsec_sa_id *id,
	                 const struct ipsec_update_sa *data);
	int (*query_sa)(struct ipsec_sadb *db, const struct ipsec_sa_id *id, struct ipsec_sa_usage *out);
	int (*del_sa)(struct ipsec_sadb *db, const struct ipsec_sa_id *id);
};

/* The engine's implementation of the ops. Every op returns 0, or -1 with
 * errno: EINVAL, EEXIST (add of a present id without update), ENOENT,
 * ENOMEM, ENOSPC (too many SAs), ENOTSUP (no crypto backend). */
extern const struct ipsec_sa_ops ipsec_sa_engine_ops;

/* NULL on ENOMEM (or when the event fd cannot be made). */
struct ipsec_sadb *ipsec_sadb_new(ipsec_expire_fn on_expire, void *arg);
/* Frees every SA; no worker may be running. */
void ipsec_sadb_free(struct ipsec_sadb *db);

/* Workers: how many will call ipsec_sadb_quiescent() (0 before they start
 * and after they stop: changes then free at once). */
void ipsec_sadb_set_workers(struct ipsec_sadb *db, unsigned n);
/* Worker i has no snapshot pointer in hand (between batches). */
void ipsec_sadb_quiescent(struct ipsec_sadb *db, unsigned worker);

/* Called (main thread) when a grace period starts, to wake idle workers
 * so it ends sooner than their poll timeout; NULL: none. */
void ipsec_sadb_set_kick(struct ipsec_sadb *db, void (*kick)(void *arg), void *arg);

/* Wait for a grace period: every running worker has passed a quiescent
 * point since the call began, so it holds nothing published before it.
 * The tunnel table (tunneld.h) is reclaimed with the same grace periods.
 * Main thread; false when a worker did not come by within seconds. */
bool ipsec_sadb_synchronize(struct ipsec_sadb *db);

/* The packet path's view; valid until the caller's next quiescent point. */
static inline const struct ipsec_sa_snap *ipsec_sadb_snap(struct ipsec_sadb *db);
/* Inbound SA for spi, or NULL. */
struct ipsec_sa_entry *ipsec_snap_lookup_in(const struct ipsec_sa_snap *s, uint32_t spi);
/* Note a use of e (for query_sa's last_use), cheaply. */
void ipsec_sa_entry_used(struct ipsec_sa_entry *e, int64_t now_s);

/* Expiry notices: a descriptor that becomes readable when some are
 * waiting, and the call that delivers them. */
int ipsec_sadb_event_fd(const struct ipsec_sadb *db);
void ipsec_sadb_run_events(struct ipsec_sadb *db);

/* Every SA, for `show ipsec sa` (never the keys): fn is called under the
 * database lock, so it must not call the ops. */
void ipsec_sadb_foreach(struct ipsec_sadb *db, void (*fn)(void *arg, const struct ipsec_sa_entry *e),
                        void *arg);

/* ---- inline ---------------------------------------------------------------- */

struct ipsec_sadb_head {
	_Atomic(struct ipsec_sa_snap *) snap;
};

static inline const struct ipsec_sa_snap *ipsec_sadb_snap(struct ipsec_sadb *db)
{
	/* The database starts with this head (ipsec_sa.c). */
	return atomic_load_explicit(&((struct ipsec_sadb_head *)(void *)db)->snap, memory_order_acquire);
}

#endif
