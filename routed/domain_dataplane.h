/*
 * The forwarding side of network domains (docs/domains.md), next to the
 * per-domain routing tables that the BGP speaker fills (bgp_domain.c):
 *
 *  - one `ip rule` per interface of a named domain and address family,
 *    `iif IFNAME lookup TABLE` at priority DOMAIN_RULE_PRIORITY, made over
 *    netlink (libnl-route-3, FRA_* attributes) and marked with our
 *    protocol number (FIB_PROTO_SKYGATE), so that only rules we made are
 *    ever changed or removed;
 *  - the nftables table `inet skygate`, which drops forwarded packets
 *    between interfaces of two domains no domain-policy connects, counting
 *    them per domain the packets came from. It is replaced as a whole, in
 *    one nftables transaction, by `nft -f -` (Debian has no libnftables
 *    headers); no other table is touched.
 *
 * No VRF device: a lookup that finds nothing in a domain's table goes on
 * to the main table (connected routes, the default domain's routes), and
 * the nftables table is what keeps packets from crossing into a domain
 * they may not reach.
 *
 * Concurrency: none; routed's event loop calls these. Each call blocks for
 * a few netlink round trips and, when the ruleset changed, one run of nft.
 */
#ifndef SKYGATE_ROUTED_DOMAIN_DATAPLANE_H
#define SKYGATE_ROUTED_DOMAIN_DATAPLANE_H

#include <stdbool.h>
#include <stddef.h>

#include "domain_config.h"

struct json_object;

/* Before the main table's rule (32766), after the local one (0). */
#define DOMAIN_RULE_PRIORITY 1000
#define DOMAIN_NFT_TABLE "skygate"

/* Off: nothing is programmed (`--no-fib`). On by default. */
void domain_dataplane_enable(bool on);

/* Make the kernel's rules and the nftables table match dc. Returns 0, or
 * -1 with a reason in err (what could be done is done). */
int domain_dataplane_apply(const struct domain_config *dc, char *err, size_t errlen);

/* Remove our rules and our nftables table (clean stop). */
void domain_dataplane_clear(void);

/* Packets and bytes dropped, per domain they came from:
 * {NAME: {"packets": N, "bytes": N}}; NULL when not programmed or
 * unreadable. Caller owns it. */
struct json_object *domain_dataplane_counters(void);
/* {"packets": 0, "bytes": 0}; caller owns it. */
struct json_object *domain_dataplane_zero_counter(void);

/* The nftables ruleset for dc (what domain_dataplane_apply() loads), in a
 * string the caller frees; NULL out of memory. have[0..nhave-1] name the
 * domains whose drop counters the table holds now: the ones dc still has
 * keep their values, the others are deleted. Exposed for tests. */
char *domain_dataplane_ruleset(const struct domain_config *dc, const char *const *have, size_t nhave);

#endif
