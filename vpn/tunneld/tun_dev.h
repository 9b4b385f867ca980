/*
 * tun_dev.h - the TUN netdev behind each tunnel: one queue per worker
 * (IFF_MULTI_QUEUE), packets with a virtio-net header (IFF_VNET_HDR), the
 * offloads that let the stack hand us 64 KB super-packets (TUNSETOFFLOAD),
 * and, through libnl-route-3, the device's addresses, MTU and link state.
 *
 * Ownership: tun_dev_open() fills fds[0..nqueues) with descriptors the
 * caller owns (close them all and the device disappears, since it is not
 * persistent).
 */
#ifndef SKYGATE_TUN_DEV_H
#define SKYGATE_TUN_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

/* The offloads the device accepted (TUN_F_* bits). */
struct tun_offload {
	unsigned flags;
	bool tso;  /* TSO4 and TSO6: TCP super-packets */
	bool uso;  /* USO4 and USO6: UDP super-packets (Linux 6.2+) */
};

/*
 * Create (or attach to) TUN device name with nqueues queues, non-blocking,
 * with the virtio-net header, and ask for checksum, TSO and USO offload
 * (USO only if the kernel knows it). 0, or -1 with a message in err; on
 * failure no descriptor is left open.
 */
int tun_dev_open(const char *name, unsigned nqueues, int *fds, struct tun_offload *off, char *err,
                 size_t errlen);

/*
 * Through rtnetlink: set the MTU, add every address, turn off IPv6
 * address autoconfiguration noise (no link-local address: a TUN has no
 * link layer) and bring the link up. Returns the ifindex, or -1 with a
 * message in err.
 */
int tun_dev_configure(const char *name, uint32_t mtu, const struct prefix *addrs, size_t naddrs,
                      char *err, size_t errlen);

/* Changes to a configured device (live configuration): MTU, link state,
 * one address added or removed. 0, or -1 with a message in err. */
int tun_dev_set_mtu(int ifindex, uint32_t mtu, char *err, size_t errlen);
int tun_dev_set_up(int ifindex, bool up, char *err, size_t errlen);
int tun_dev_address(int ifindex, const struct prefix *p, bool add, char *err, size_t errlen);

#endif
