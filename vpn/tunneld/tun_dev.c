/*
 * tun_dev.c - TUN queues with offloads, and the device's addresses, MTU
 * and link state through libnl-route-3.
 */
#include "tun_dev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/link/inet6.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "vnet.h"

#ifndef TUN_F_USO4
#define TUN_F_USO4 0x20
#define TUN_F_USO6 0x40
#endif

static int set_offload(int fd, struct tun_offload *off)
{
	/* TSO needs the checksum offload too (the stack leaves the TCP
	 * checksum partial in a super-packet). USO is newer: try with it,
	 * fall back without. */
	const unsigned base = TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6;
	const unsigned tries[] = {base | TUN_F_USO4 | TUN_F_USO6, base, TUN_F_CSUM, 0};

	for (size_t i = 0; i < sizeof(tries) / sizeof(tries[0]); i++) {
		if (ioctl(fd, TUNSETOFFLOAD, (unsigned long)tries[i]) == 0) {
			off->flags = tries[i];
			off->tso = (tries[i] & TUN_F_TSO4) != 0;
			off->uso = (tries[i] & TUN_F_USO4) != 0;
			return 0;
		}
	}
	return -1;
}

int tun_dev_open(const char *name, unsigned nqueues, int *fds, struct tun_offload *off, char *err,
                 size_t errlen)
{
	unsigned opened = 0;

	for (; opened < nqueues; opened++) {
		struct ifreq ifr;
		int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
		if (fd < 0) {
			snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
			goto fail;
		}
		memset(&ifr, 0, sizeof(ifr));
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
		ifr.ifr_flags = IFF_TUN | IFF_NO_PI | IFF_VNET_HDR | IFF_MULTI_QUEUE;
		int hdr = (int)VNET_HDR_LEN;
		if (ioctl(fd, TUNSETIFF, &ifr) != 0 || ioctl(fd, TUNSETVNETHDRSZ, &hdr) != 0) {
			snprintf(err, errlen, "cannot create TUN device %s (queue %u): %s", name, opened,
			         strerror(errno));
			close(fd);
			goto fail;
		}
		fds[opened] = fd;
	}
	if (set_offload(fds[0], off) != 0) {
		snprintf(err, errlen, "TUN device %s refuses even no offload: %s", name, strerror(errno));
		goto fail;
	}
	return 0;
fail:
	while (opened > 0)
		close(fds[--opened]);
	return -1;
}

static int add_address(struct nl_sock *sk, int ifindex, const struct prefix *p, char *err, size_t errlen)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);
	int rc = -1;

	if (a == NULL || local == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	nl_addr_set_prefixlen(local, p->len);
	rtnl_addr_set_ifindex(a, ifindex);
	rtnl_addr_set_family(a, p->family);
	rtnl_addr_set_local(a, local);
	rtnl_addr_set_prefixlen(a, p->len);
	if (p->family == AF_INET6) {
		/* No duplicate address detection: the far end of a point-to-
		 * point tunnel is configured by the same operator, and DAD
		 * would hold the address tentative for a second. */
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	}
	int nrc = rtnl_addr_add(sk, a, NLM_F_REPLACE);
	if (nrc < 0) {
		char buf[64];
		snprintf(err, errlen, "cannot add address %s: %s", prefix_format(p, buf, sizeof(buf)),
		         nl_geterror(nrc));
		goto out;
	}
	rc = 0;
out:
	nl_addr_put(local);
	rtnl_addr_put(a);
	return rc;
}

int tun_dev_configure(const char *name, uint32_t mtu, const struct prefix *addrs, size_t naddrs,
                      char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();
	struct rtnl_link *link = NULL, *change = NULL;
	int ifindex = -1, rc;

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) < 0) {
		snprintf(err, errlen, "cannot open rtnetlink");
		goto out;
	}
	rc = rtnl_link_get_kernel(sk, 0, name, &link);
	if (rc < 0) {
		snprintf(err, errlen, "cannot find device %s: %s", name, nl_geterror(rc));
		goto out;
	}
	int idx = rtnl_link_get_ifindex(link);
	change = rtnl_link_alloc();
	if (change == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rtnl_link_set_mtu(change, mtu);
	/* Set the mode before the link comes up so that no link-local
	 * address (and no router solicitation) is ever made. */
	rtnl_link_inet6_set_addr_gen_mode(change, rtnl_link_inet6_str2addrgenmode("none"));
	rc = rtnl_link_change(sk, link, change, 0);
	if (rc < 0) {
		/* Kernels without IPv6 refuse the inet6 part: retry without. */
		rtnl_link_put(change);
		change = rtnl_link_alloc();
		if (change == NULL) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		rtnl_link_set_mtu(change, mtu);
		rc = rtnl_link_change(sk, link, change, 0);
	}
	if (rc < 0) {
		snprintf(err, errlen, "cannot set MTU %u on %s: %s", mtu, name, nl_geterror(rc));
		goto out;
	}
	for (size_t i = 0; i < naddrs; i++) {
		if (add_address(sk, idx, &addrs[i], err, errlen) != 0)
			goto out;
	}
	rtnl_link_put(change);
	change = rtnl_link_alloc();
	if (change == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	rtnl_link_set_flags(change, IFF_UP);
	rc = rtnl_link_change(sk, link, change, 0);
	if (rc < 0) {
		snprintf(err, errlen, "cannot bring %s up: %s", name, nl_geterror(rc));
		goto out;
	}
	ifindex = idx;
out:
	if (change != NULL)
		rtnl_link_put(change);
	if (link != NULL)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return ifindex;
}

/* ---- changes to a running device (tunnel_apply.c) ------------------------------- */

/* One rtnetlink socket per change: changes come from an operator, not
 * per packet. */
static struct nl_sock *nl_open(char *err, size_t errlen)
{
	struct nl_sock *sk = nl_socket_alloc();

	if (sk == NULL || nl_connect(sk, NETLINK_ROUTE) < 0) {
		snprintf(err, errlen, "cannot open rtnetlink");
		nl_socket_free(sk);
		return NULL;
	}
	return sk;
}

static int link_change(int ifindex, uint32_t mtu, int up, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_open(err, errlen);
	struct rtnl_link *link = NULL, *change = NULL;
	int rc = -1, nrc;

	if (sk == NULL)
		return -1;
	nrc = rtnl_link_get_kernel(sk, ifindex, NULL, &link);
	change = rtnl_link_alloc();
	if (nrc < 0 || change == NULL) {
		snprintf(err, errlen, "cannot find device %d: %s", ifindex, nrc < 0 ? nl_geterror(nrc) : "out of memory");
		goto out;
	}
	if (mtu != 0)
		rtnl_link_set_mtu(change, mtu);
	if (up > 0)
		rtnl_link_set_flags(change, IFF_UP);
	else if (up == 0)
		rtnl_link_unset_flags(change, IFF_UP);
	nrc = rtnl_link_change(sk, link, change, 0);
	if (nrc < 0) {
		snprintf(err, errlen, "cannot change device %s: %s", rtnl_link_get_name(link), nl_geterror(nrc));
		goto out;
	}
	rc = 0;
out:
	if (change != NULL)
		rtnl_link_put(change);
	if (link != NULL)
		rtnl_link_put(link);
	nl_socket_free(sk);
	return rc;
}

int tun_dev_set_mtu(int ifindex, uint32_t mtu, char *err, size_t errlen)
{
	return link_change(ifindex, mtu, -1, err, errlen);
}

int tun_dev_set_up(int ifindex, bool up, char *err, size_t errlen)
{
	return link_change(ifindex, 0, up ? 1 : 0, err, errlen);
}

int tun_dev_address(int ifindex, const struct prefix *p, bool add, char *err, size_t errlen)
{
	struct nl_sock *sk = nl_open(err, errlen);
	int rc;

	if (sk == NULL)
		return -1;
	if (add) {
		rc = add_address(sk, ifindex, p, err, errlen);
	} else {
		struct rtnl_addr *a = rtnl_addr_alloc();
		struct nl_addr *local = nl_addr_build(p->family, p->addr, p->family == AF_INET ? 4 : 16);
		rc = -1;
		if (a == NULL || local == NULL) {
			snprintf(err, errlen, "out of memory");
		} else {
			nl_addr_set_prefixlen(local, p->len);
			rtnl_addr_set_ifindex(a, ifindex);
			rtnl_addr_set_family(a, p->family);
			rtnl_addr_set_local(a, local);
			rtnl_addr_set_prefixlen(a, p->len);
			int nrc = rtnl_addr_delete(sk, a, 0);
			if (nrc < 0) {
				char buf[64];
				snprintf(err, errlen, "cannot remove address %s: %s", prefix_format(p, buf, sizeof(buf)),
				         nl_geterror(nrc));
			} else {
				rc = 0;
			}
		}
		nl_addr_put(local);
		rtnl_addr_put(a);
	}
	nl_socket_free(sk);
	return rc;
}
