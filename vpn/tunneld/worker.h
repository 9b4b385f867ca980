/*
 * worker.h - skygate-tunneld's I/O workers: one thread per core, each with
 * its own queue of every TUN device and its own UDP socket on port 4500
 * (SO_REUSEPORT), sharing the raw protocol 47 and 50 sockets. Batching
 * and offloads are described in vpn/tunneld/README.md.
 *
 * Ownership: struct worker_pool owns its threads and their sockets; the
 * TUN queue descriptors live in the tunnels' per-worker state and are
 * closed by worker_pool_free() too. It borrows struct tunneld, which must
 * outlive it.
 */
#ifndef SKYGATE_WORKER_H
#define SKYGATE_WORKER_H

#include <stdbool.h>
#include <stddef.h>

#include "tun_dev.h"
#include "tunneld.h"

struct worker_pool;

/*
 * Open the underlay sockets and the TUN devices (configured and up) of
 * the tunnels in td's table, but start no thread. NULL with a message in
 * err.
 */
struct worker_pool *worker_pool_new(struct tunneld *td, char *err, size_t errlen);
/* Start the threads: 0 or -1 with a message in err. */
int worker_pool_start(struct worker_pool *p, char *err, size_t errlen);
/* Stop and join the threads (idempotent), then close every descriptor. */
void worker_pool_free(struct worker_pool *p);

/*
 * Tunnels added and removed while the workers run (tunnel_apply.c), main
 * thread only:
 *  - attach: open the underlay sockets t's kind needs if they are not
 *    open yet, create t's TUN device (one queue per worker, configured,
 *    up unless t is shut down) and hand the queues to the workers, tagged
 *    with t->index; on failure nothing is left open.
 *  - detach: the workers stop waiting on t's queues (they may still be
 *    using them until the next grace period).
 *  - release: after that grace period, close the queues (the device
 *    goes) and free the receive runs.
 */
int worker_pool_attach(struct worker_pool *p, struct tunnel *t, char *err, size_t errlen);
/* The underlay sockets a tunnel configured as c needs (attach does this
 * too; a changed encapsulation needs it alone). 0 or -1 with err. */
int worker_pool_sockets_for(struct worker_pool *p, const struct tcfg_tunnel *c, char *err, size_t errlen);
void worker_pool_detach(struct worker_pool *p, struct tunnel *t);
void worker_pool_release(struct worker_pool *p, struct tunnel *t);

/* What the TUN devices accepted, for `show tunnel`. */
const struct tun_offload *worker_pool_offload(const struct worker_pool *p);
bool worker_pool_udp_gso(const struct worker_pool *p);

/* Send a GRE keepalive for tunnel t (main thread). 0 or -1. */
int worker_pool_send_keepalive(struct worker_pool *p, struct tunnel *t);

#endif
