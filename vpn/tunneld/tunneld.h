/*
 * tunneld.h - skygate-tunneld's runtime model: the tunnels as the data
 * path sees them, their per-worker counters, and the per-packet
 * transforms (datapath.c) that the I/O workers (worker.c) and the fuzz
 * target drive.
 *
 * Threads: the main thread builds struct tunneld and is the only one that
 * changes it. The workers see the tunnels through an immutable table
 * (struct tunnel_table) published by one atomic pointer: a change
 * (tunnel_apply.h) builds new struct tunnel versions and a new table,
 * publishes it, waits until every worker has passed a quiescent point
 * (ipsec_sadb_synchronize(): the same grace period as the SA database,
 * quiescent-state-based reclamation as userspace RCU does it), and only
 * then frees what the old table referred to. A worker therefore never
 * sees a half-built tunnel and takes no lock per packet. Each worker owns
 * its struct tunnel_wstate slice of every tunnel (counters, its GRE
 * state, its rate limiter), so the packet path shares no written cache
 * line with another worker; the slices are shared by the versions of a
 * tunnel that keep its identity (kind, addresses, GRE key), so counters
 * carry on across a change of MTU, MSS, SAs or state.
 *
 * Ownership: struct tunneld owns the table, the tunnels, the SA database
 * and every descriptor; each tunnel's configuration is its own copy with
 * the keys wiped (the SA database keeps the expanded keys).
 */
#ifndef SKYGATE_TUNNELD_H
#define SKYGATE_TUNNELD_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "esp_crypto.h"
#include "gre.h"
#include "gro.h"
#include "ip_util.h"
#include "ipsec_sa.h"
#include "tunnel_config.h"

#define TUNNELD_MAX_WORKERS 64

/* Why the data path dropped a packet, per tunnel. */
enum tunnel_drop {
	TD_DOWN,             /* shut down (either way), or no outbound SA */
	TD_TX_NOT_IP,        /* what the TUN gave us is not an IP packet */
	TD_TX_VNET,          /* bad virtio-net header or super-packet */
	TD_TX_TOO_BIG,       /* over the tunnel MTU (an ICMP error went back when allowed) */
	TD_TX_ENCAP,         /* GRE or ESP encapsulation refused it */
	TD_TX_SEND,          /* the underlay socket refused it */
	TD_RX_GRE,           /* GRE decapsulation dropped it (gre_drop says why) */
	TD_RX_ESP_AUTH,      /* bad ICV (RFC 4303 3.4.4) */
	TD_RX_ESP_REPLAY,    /* replay window (RFC 4303 3.4.3) */
	TD_RX_ESP_OTHER,     /* truncated, bad padding, expired SA ... */
	TD_RX_INNER,         /* the decrypted packet is not IP, or not ours */
	TD_RX_TUN_WRITE,     /* the TUN device refused it */
	TD_COUNT
};

/* Drops no tunnel can be blamed for. */
enum global_drop {
	GD_UNKNOWN_SPI,   /* ESP for an SPI we have no inbound SA for */
	GD_UNKNOWN_PEER,  /* GRE from an address pair no tunnel has */
	GD_MALFORMED,     /* outer IP/UDP header broken, or ESP too short for an SPI */
	GD_NOT_ESP,       /* on port 4500: IKE (no IKE daemon here yet) or an unknown payload */
	GD_COUNT
};

const char *tunnel_drop_name(enum tunnel_drop d);
const char *global_drop_name(enum global_drop d);

/* A counter with one writer (its worker): a plain load and store, atomic
 * only so that the main thread may read it. */
typedef _Atomic uint64_t wcounter;

static inline void wc_add(wcounter *c, uint64_t n)
{
	atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed) + n, memory_order_relaxed);
}

static inline uint64_t wc_get(const wcounter *c)
{
	return atomic_load_explicit(c, memory_order_relaxed);
}

struct tunnel_counters {
	wcounter tx_packets, tx_bytes; /* inner packets and octets sent into the tunnel */
	wcounter rx_packets, rx_bytes; /* inner packets and octets delivered from it */
	wcounter drops[TD_COUNT];
	wcounter gre_drops[GRE_DROP_COUNT];
	wcounter mss_clamped;
	wcounter icmp_too_big;
	wcounter gso_super;    /* super-packets read from the TUN */
	wcounter gso_segments; /* segments they made */
	wcounter udp_gso_sends; /* sendmsg calls with UDP_SEGMENT */
	wcounter tun_gso_writes; /* coalesced writes to the TUN device (gro.h) */
	wcounter keepalive_tx, keepalive_rx, keepalive_reflect;
};

/* One worker's slice of a tunnel. */
struct tunnel_wstate {
	_Alignas(64) struct tunnel_counters c;
	struct gre_tunnel gre;  /* GRE tunnels: this worker's encap/decap state */
	struct ip_tbucket icmp_limit;
	struct gro_run gro;     /* received TCP segments waiting to be written */
	int tun_fd;             /* this worker's TUN queue, -1 when none */
};

struct tunnel {
	struct tcfg_tunnel cfg; /* keys wiped; never changed once published */
	uint32_t index;         /* slot: the SA database's reqid, the workers' epoll tag */
	uint32_t mtu;
	uint16_t mss_v4, mss_v6; /* clamp values per family, 0: off */
	bool has_v4, has_v6;
	uint8_t inside_v4[4], inside_v6[16]; /* sources of our ICMP errors */
	int ifindex;
	struct tunnel_wstate *w; /* [nworkers], shared by the versions of one tunnel */
	/* GRE keepalives (main thread): state and the last reply's time. */
	struct gre_tunnel ka_gre;
	_Atomic int64_t ka_last_rx_ns;
	int64_t ka_started_ns;
};

/* The tunnels as the workers see them: immutable once published. */
struct tunnel_table {
	size_t count;
	struct tunnel *list[TCFG_MAX_TUNNELS];  /* in configuration order */
	struct tunnel *slot[TCFG_MAX_TUNNELS];  /* by index; NULL: free */
};

struct tunneld {
	_Atomic(struct tunnel_table *) table; /* never NULL after tunneld_init() */
	unsigned nworkers;
	struct ipsec_sadb *sadb;
	const struct ipsec_sa_ops *sa_ops;
	wcounter (*gdrops)[GD_COUNT]; /* [nworkers] */
	/* Underlay sockets shared by the workers (raw protocol 47 and 50);
	 * -1 until a tunnel needs them (worker.c opens them before the
	 * tunnel is published). Per-worker UDP sockets are theirs. */
	int raw_gre_fd, raw_esp_fd;
	int raw_gre6_fd, raw_esp6_fd; /* the same over an IPv6 underlay */
	/* IPPROTO_RAW sockets that send our ICMP errors from the host stack:
	 * written into a TUN device, a packet whose source is one of the
	 * host's own addresses would be dropped as a martian. */
	int icmp4_fd, icmp6_fd;
	bool need_udp;
};

/* ---- set-up (tunnel_table.c) ------------------------------------------------------ */

/*
 * Build the runtime from cfg for nworkers: tunnels, counters, GRE state,
 * the SA database with the configured manual SAs added through the SA
 * ops. Tunnels that are not complete (tcfg_complete()) are left out. No
 * descriptors are opened here (worker.c and tun_dev.c do that). Returns
 * 0, or -1 with a message in err.
 */
int tunneld_init(struct tunneld *td, const struct tunneld_config *cfg, unsigned nworkers,
                 ipsec_expire_fn on_expire, void *expire_arg, char *err, size_t errlen);
void tunneld_fini(struct tunneld *td);

/* The current table. Workers: valid until their next quiescent point.
 * The main thread (the only writer) may keep it until it changes it. */
static inline struct tunnel_table *tunneld_table(struct tunneld *td)
{
	return atomic_load_explicit(&td->table, memory_order_acquire);
}

/* The tunnel called name in the current table, or NULL (main thread). */
struct tunnel *tunneld_find(struct tunneld *td, const char *name);

/* Sum of one tunnel's counters over the workers, into out (plain values). */
struct tunnel_totals {
	uint64_t tx_packets, tx_bytes, rx_packets, rx_bytes;
	uint64_t drops[TD_COUNT];
	uint64_t gre_drops[GRE_DROP_COUNT];
	uint64_t mss_clamped, icmp_too_big, gso_super, gso_segments, udp_gso_sends, tun_gso_writes;
	uint64_t keepalive_tx, keepalive_rx, keepalive_reflect;
};
void tunnel_totals(const struct tunneld *td, const struct tunnel *t, struct tunnel_totals *out);

/* ---- the per-packet transforms (datapath.c) --------------------------------------- */

/* A worker's context for the transforms. */
struct dp_worker {
	struct tunneld *td;
	unsigned id;
	struct esp_crypto_ctx *cc;
	int64_t now_s; /* CLOCK_REALTIME seconds, refreshed per batch */
	uint64_t now_ns; /* CLOCK_MONOTONIC */
};

/* The outcome of a received underlay packet. */
enum dp_rx_verdict {
	DP_RX_DELIVER,   /* inner packet for tunnel `t` at inner[0..inner_len) */
	DP_RX_REFLECT,   /* GRE keepalive to send back to the peer as is (inner is
	                  * the IPv4 packet, for a raw socket without IP header) */
	DP_RX_CONSUMED,  /* handled (our keepalive came back, NAT-T keepalive) */
	DP_RX_DROP,      /* counted */
};

struct dp_rx {
	struct tunnel *t;
	uint8_t *inner;
	size_t inner_len;
	/* DP_RX_DELIVER: inner's parse, from dp_rx_inner(), so that GRO
	 * need not parse the packet again. */
	struct ip_pkt ip;
};

/* ESP, from the SPI on (UDP payload or after the IP header). */
enum dp_rx_verdict dp_rx_esp(struct dp_worker *w, uint8_t *esp, size_t len, struct dp_rx *out);
/* A UDP 4500 payload (RFC 3948 2: ESP, IKE, or a NAT keepalive). */
enum dp_rx_verdict dp_rx_udp(struct dp_worker *w, uint8_t *payload, size_t len, struct dp_rx *out);
/* An IPv4 packet from the raw GRE socket (IP header included). */
enum dp_rx_verdict dp_rx_gre(struct dp_worker *w, uint8_t *pkt, size_t len, struct dp_rx *out);
/* An IPv4 packet from the raw ESP socket (IP header included). */
enum dp_rx_verdict dp_rx_raw_esp(struct dp_worker *w, uint8_t *pkt, size_t len, struct dp_rx *out);
/*
 * GRE over IPv6 (RFC 7676) from the raw IPv6 socket, which hands over
 * what follows the IPv6 header chain: gre[0..len) starts at the GRE
 * header, and src and dst are the delivery addresses (the sender's, and
 * ours from IPV6_PKTINFO). Raw ESP over IPv6 is dp_rx_esp() as it is.
 */
enum dp_rx_verdict dp_rx_gre6(struct dp_worker *w, const uint8_t src[16], const uint8_t dst[16], uint8_t *gre,
                              size_t len, struct dp_rx *out);

/*
 * After decapsulation: check the inner packet and clamp a SYN's MSS; *ip
 * is its parse (still right after the clamp, which moves nothing).
 * false: drop (counted).
 */
bool dp_rx_inner(struct dp_worker *w, struct tunnel *t, uint8_t *pkt, size_t len, struct ip_pkt *ip);

/* Room the transforms need around an inner packet for encapsulation. */
#define DP_HEADROOM 64
#define DP_TAILROOM 32

enum dp_tx_verdict {
	DP_TX_SEND,      /* out[0..out_len) is the underlay payload to send */
	DP_TX_ICMP,      /* too big: out[0..out_len) is an ICMP error (a whole IP
	                  * packet) to send back to the sender */
	DP_TX_DROP,      /* counted */
};

/*
 * One inner packet (not a super-packet) read from tunnel t's TUN, at
 * pkt[0..len) with DP_HEADROOM before and DP_TAILROOM after it writable.
 * On DP_TX_SEND, *out points at the encapsulated packet (GRE header or ESP
 * from the SPI: what the raw or UDP socket sends). On DP_TX_ICMP, the
 * error is built into icmp (icmp_cap octets).
 */
enum dp_tx_verdict dp_tx(struct dp_worker *w, struct tunnel *t, uint8_t *pkt, size_t len,
                         uint8_t **out, size_t *out_len, uint8_t *icmp, size_t icmp_cap);

/* Bytes dp_tx() adds to an inner packet of len (for laying out GSO). */
size_t dp_tx_overhead(struct dp_worker *w, struct tunnel *t, size_t len);
/* Bytes dp_tx() prepends. */
size_t dp_tx_prepend(struct dp_worker *w, struct tunnel *t);

#endif
