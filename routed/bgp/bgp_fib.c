/*
 * Best routes into the forwarding table: after each round of RIB changes,
 * every changed destination's best path learned from a peer is installed
 * with its next hop; a destination that lost its path, or whose best is
 * our own `network` (reachable here already), is removed.
 *
 * The FIB is optional: without one (netlink unavailable) the speaker still
 * runs and shows "not installed" for every route.
 */
#include "bgp_internal.h"

#include <string.h>

#include "fib.h"
#include "log.h"

#define LOG_TAG "fib"
/* Kernel route metric for BGP routes, as FRR's zebra uses for eBGP (its
 * administrative distance 20). */
#define BGP_FIB_METRIC 20

/* The next hop a path's attributes name, as the kernel wants it. */
static int path_nexthop(const struct bgp_path *p, const struct prefix *prefix, struct fib_nexthop *nh)
{
	const struct bgp_attrs *a = &p->attrs->attrs;

	memset(nh, 0, sizeof(*nh));
	if (prefix->family == AF_INET && (a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP))) {
		nh->family = AF_INET;
		memcpy(nh->addr, a->nexthop, 4);
		return 0;
	}
	if (prefix->family == AF_INET6 && a->mp_nexthop.family == AF_INET6) {
		nh->family = AF_INET6;
		memcpy(nh->addr, a->mp_nexthop.global, 16);
		return 0;
	}
	return -1;
}

void bgp_fib_sync(struct bgp_instance *bgp, struct bgp_dest *changed)
{
	char pfx[PREFIX_STRLEN];

	if (bgp->fib == NULL)
		return;
	for (struct bgp_dest *d = changed; d != NULL; d = d->queue_next) {
		struct fib_nexthop nhs[FIB_NEXTHOP_MAX];
		const struct bgp_path *paths[FIB_NEXTHOP_MAX];
		const struct bgp_path *best = d->best;
		enum bgp_afi afi = bgp_afi_of(&d->prefix);
		unsigned max_paths = best != NULL && !best->ebgp ? bgp->maximum_paths_ibgp[afi] : bgp->maximum_paths[afi];
		size_t n = 0;
		if (best != NULL && best->peer != NULL) {
			size_t np = bgp_dest_multipath(d, max_paths ? max_paths : 1, paths, FIB_NEXTHOP_MAX);
			for (size_t i = 0; i < np; i++) {
				if (path_nexthop(paths[i], &d->prefix, &nhs[n]) != 0)
					continue;
				/* Two paths through one next hop are one path. */
				bool dup = false;
				for (size_t k = 0; k < n && !dup; k++)
					dup = fib_nexthop_equal(&nhs[k], &nhs[n]);
				n += !dup;
			}
		}
		if (n == 0) {
			fib_route_del(bgp->fib, &d->prefix);
			d->fib_installed = false;
			d->fib_error[0] = '\0';
			continue;
		}
		if (fib_route_set(bgp->fib, &d->prefix, nhs, n, BGP_FIB_METRIC) != 0) {
			d->fib_installed = false;
			snprintf(d->fib_error, sizeof(d->fib_error), "%s", fib_last_error(bgp->fib));
			log_info(LOG_TAG, "%s not installed: %s", prefix_format(&d->prefix, pfx, sizeof(pfx)),
				 d->fib_error);
			continue;
		}
		d->fib_installed = true;
		d->fib_error[0] = '\0';
	}
}

static void sweep_stale(void *arg)
{
	struct bgp_instance *bgp = arg;
	size_t removed = 0;

	if (bgp->fib != NULL && fib_sweep(bgp->fib, &removed) == 0 && removed > 0)
		log_notice(LOG_TAG, "removed %zu stale routes of a previous run", removed);
}

int bgp_fib_open(struct bgp_instance *bgp, uint32_t table)
{
	char err[FIB_ERR_MAX];

	bgp->fib = fib_netlink_new(FIB_PROTO_SKYGATE, table, err, sizeof(err));
	if (bgp->fib == NULL) {
		log_err(LOG_TAG, "no forwarding table: %s; routes will not be installed", err);
		return -1;
	}
	/* Routes a previous run left keep forwarding until relearned; what
	 * is not relearned within the restart time goes (RFC 4724 section
	 * 4.1's spirit, for our own restart). */
	if (fib_mark_stale(bgp->fib) == 0 && fib_stale_count(bgp->fib) > 0) {
		log_notice(LOG_TAG, "%zu routes of a previous run kept until relearned", fib_stale_count(bgp->fib));
		if (timer_init(&bgp->fib_sweep, bgp->loop, sweep_stale, bgp) == 0)
			timer_start(&bgp->fib_sweep, BGP_FIB_STALE_SECONDS * 1000u);
	}
	return 0;
}

void bgp_fib_close(struct bgp_instance *bgp)
{
	size_t removed = 0;

	timer_fini(&bgp->fib_sweep);
	if (bgp->fib == NULL)
		return;
	/* A clean stop takes our routes out: nothing forwards on stale
	 * state of a daemon that is gone. */
	fib_flush(bgp->fib, &removed);
	fib_free(bgp->fib);
	bgp->fib = NULL;
}
