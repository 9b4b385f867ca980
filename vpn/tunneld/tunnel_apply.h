/*
 * tunnel_apply.h - live configuration of skygate-tunneld: what differs
 * between two configurations (tcfg_diff(), pure, for tests) and making
 * the running data plane follow a new one (tunnel_apply()) without
 * disturbing the tunnels that did not change.
 *
 * Per tunnel:
 *  - added: a new version at a free index, its TUN device created,
 *    addressed and up (down when shut down), its SAs added through
 *    ipsec_sa_ops.add_sa, then the table that lists it is published;
 *  - removed: its SAs deleted (del_sa), the workers stop polling its
 *    queues, the table without it is published, and after the grace
 *    period its queues are closed, which removes the device;
 *  - changed: the device follows over rtnetlink (MTU, addresses, link
 *    state); SAs go through the SA API (a new key with the same SPI
 *    replaces the SA with add_sa's update, a new SPI is added before the
 *    old is deleted, new IPsec addresses or encapsulation are update_sa);
 *    then a new version of the tunnel (MTU, MSS, state, keepalives) that
 *    shares the old one's per-worker slices is published in its place;
 *  - a new kind, or a GRE tunnel's new source, destination or key (the
 *    workers' GRE state is built from them): removed and added again.
 *
 * A tunnel that is not complete (tcfg_complete()) is treated as absent.
 * Each tunnel's change is all or nothing; when one fails, the tunnels
 * already changed are changed back, so the data plane is left as the old
 * configuration describes it.
 *
 * Threads: main thread only; the workers keep running (tunneld.h).
 */
#ifndef SKYGATE_TUNNEL_APPLY_H
#define SKYGATE_TUNNEL_APPLY_H

#include <stddef.h>

#include "tunnel_config.h"
#include "tunneld.h"
#include "worker.h"

enum tdiff_op {
	TDIFF_REMOVE,
	TDIFF_CHANGE,
	TDIFF_ADD,
};

/* What changed in a TDIFF_CHANGE (bits). */
enum tdiff_what {
	TDIFF_MTU = 1u << 0,
	TDIFF_MSS = 1u << 1,
	TDIFF_ADDRS = 1u << 2,     /* inside addresses */
	TDIFF_SHUTDOWN = 1u << 3,
	TDIFF_KEEPALIVE = 1u << 4,
	TDIFF_SA_OUT = 1u << 5,    /* SPI, algorithm or key */
	TDIFF_SA_IN = 1u << 6,
	TDIFF_PEER = 1u << 7,      /* IPsec source or destination */
	TDIFF_ENCAP = 1u << 8,     /* IPsec encapsulation */
};

struct tdiff {
	enum tdiff_op op;
	const struct tcfg_tunnel *old, *new; /* borrowed; NULL for ADD / REMOVE */
	unsigned what;                       /* TDIFF_CHANGE: enum tdiff_what bits */
};

struct tdiff_list {
	size_t count;
	struct tdiff d[2 * TCFG_MAX_TUNNELS];
};

/* The steps from old to new: removals first, then changes, then
 * additions (so a name or an SPI that is freed can be taken again). */
void tcfg_diff(const struct tunneld_config *old, const struct tunneld_config *new, struct tdiff_list *out);

/*
 * Make td (and its devices, when pool is non-NULL) follow new, given that
 * it follows old now. 0, or -1 with a message in err and td following
 * old again.
 */
int tunnel_apply(struct tunneld *td, struct worker_pool *pool, const struct tunneld_config *old,
                 const struct tunneld_config *new, char *err, size_t errlen);

#endif
