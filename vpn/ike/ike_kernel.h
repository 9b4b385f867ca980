/*
 * ike_kernel.h - tunneld's ESP engine as strongSwan's `kernel-ipsec`
 * feature: every CHILD_SA the embedded charon negotiates is installed
 * through struct ipsec_sa_ops (vpn/tunneld/ipsec_sa.h) instead of the
 * kernel's XFRM.
 *
 * Binding to a tunnel: a route-based tunnel is one TUN netdev, like an
 * XFRM interface, so negotiated SAs carry the tunnel as their interface
 * ID (child_cfg if_id_in/if_id_out, kernel_ipsec_sa_id_t.if_id): if_id
 * N is the tunnel with index N - 1, the SA database's reqid. An SA
 * without an if_id cannot be bound and is refused. Policies are
 * accepted and recorded nowhere: the TUN device decides what enters the
 * tunnel, not a selector (the traffic selectors are 0.0.0.0/0 and ::/0).
 *
 * SPIs: strongSwan passes SPIs in network byte order, the SA database
 * keeps host order; this file converts at the seam.
 *
 * Expiry: the engine reports byte and packet limits on the main thread
 * (ipsec_sadb_run_events()); ike_kernel_expire() hands them to charon
 * (kernel_interface_t.expire), which rekeys (soft) or deletes (hard).
 * Time limits are charon's own timers.
 *
 * Threads: charon calls the interface from its worker threads; the SA
 * database serialises them. The record of which SAs came from IKE has
 * its own lock.
 *
 * Ownership: ike_kernel_bind() borrows the database, which must outlive
 * charon. The kernel_ipsec_t that ike_kernel_ipsec_create() returns is
 * charon's, destroyed by it; destroying it deletes every SA it added.
 *
 * Needs strongSwan's headers (-std=gnu11, docs/strongswan-headers.md).
 */
#ifndef SKYGATE_IKE_KERNEL_H
#define SKYGATE_IKE_KERNEL_H

#include <kernel/kernel_ipsec.h>

#include <stdbool.h>
#include <stdint.h>

#include "ipsec_sa.h"

/* The database the next ike_kernel_ipsec_create() drives (charon's
 * constructor takes no argument). */
void ike_kernel_bind(struct ipsec_sadb *db, const struct ipsec_sa_ops *ops);

/* kernel_ipsec_constructor_t for PLUGIN_CALLBACK(kernel_ipsec_register, ...).
 * NULL when nothing is bound. */
kernel_ipsec_t *ike_kernel_ipsec_create(void);

/* Whether an instance exists (charon chose this kernel-ipsec). */
bool ike_kernel_active(void);

/* An engine expiry notice for SA spi (host order). true when the SA came
 * from IKE (then charon, when running, was told); false: a manual SA. */
bool ike_kernel_expire(uint32_t spi, bool inbound, bool hard);

/* The tunnel index an interface ID stands for, or -1. */
static inline int ike_kernel_if_id_to_index(uint32_t if_id)
{
	return if_id >= 1 && if_id <= IPSEC_MAX_REQID ? (int)if_id - 1 : -1;
}

static inline uint32_t ike_kernel_index_to_if_id(uint32_t index)
{
	return index + 1;
}

#endif
