/*
 * Best routes into the forwarding table: after each round of RIB changes,
 * every changed destination's best path learned from a peer is installed
 * with its next hop; a destination that lost its path, or whose best is
 * our own `network` (reachable here already), is removed.
 *
 * The FIB is optional: without one (netlink unavailable) the speaker still
 * runs and shows "not installed" for every route.
 *
 * Changes are queued (fib.h): a round of changes goes to the kernel in a
 * few large batches, and each destination's installed flag and reason are
 * set when the kernel's answer for its prefix is read, from the event
 * loop or while later changes wait for room.
 */
#include "bgp_internal.h"

#include <string.h>

#include <event2/event.h>

#include "fib.h"
#include "log.h"

#define LOG_TAG "fib"

/* The next hop a path's attributes name, as the kernel wants it. */
static inline __attribute__((always_inline)) int path_nexthop(const struct bgp_path *p, const struct prefix *prefix,
								 struct fib_nexthop *nh)
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

/* Inlined into bgp_fib_sync(): with only the default domain its cost is
 * what it was before domains existed. */
static inline __attribute__((always_inline)) size_t
view_nexthops(const struct bgp_instance *bgp, const struct bgp_dest *d, unsigned domain, struct fib_nexthop *nhs)
{
	const struct bgp_path *paths[FIB_NEXTHOP_MAX];
	const struct bgp_path *best = bgp_view_best(bgp, d, domain);
	enum bgp_afi afi = bgp_afi_of(&d->prefix);
	unsigned max_paths = best != NULL && !best->ebgp ? bgp->maximum_paths_ibgp[afi] : bgp->maximum_paths[afi];
	size_t n = 0;

	if (best == NULL || best->peer == NULL)
		return 0;
	max_paths = max_paths ? max_paths : 1;
	size_t np = bgp->domains == NULL ? bgp_dest_multipath(d, max_paths, paths, FIB_NEXTHOP_MAX)
					 : bgp_view_multipath(bgp, d, domain, max_paths, paths, FIB_NEXTHOP_MAX);
	for (size_t i = 0; i < np; i++) {
		if (path_nexthop(paths[i], &d->prefix, &nhs[n]) != 0)
			continue;
		/* Two paths through one next hop are one path. */
		bool dup = false;
		for (size_t k = 0; k < n && !dup; k++)
			dup = fib_nexthop_equal(&nhs[k], &nhs[n]);
		n += !dup;
	}
	return n;
}

size_t bgp_fib_nexthops(const struct bgp_instance *bgp, const struct bgp_dest *d, unsigned domain,
			struct fib_nexthop *nhs)
{
	return view_nexthops(bgp, d, domain, nhs);
}

void bgp_fib_sync(struct bgp_instance *bgp, struct bgp_dest *changed)
{
	char pfx[PREFIX_STRLEN];

	if (bgp->fib == NULL)
		return;
	for (struct bgp_dest *d = changed; d != NULL; d = d->queue_next) {
		struct fib_nexthop nhs[FIB_NEXTHOP_MAX];
		/* The main table is the default domain's. */
		size_t n = view_nexthops(bgp, d, 0, nhs);
		if (n == 0) {
			/* Not installed from here on, whatever the kernel says. */
			d->fib_installed = false;
			bgp_dest_set_fib_error(bgp->rib, d, NULL);
			fib_route_del_queued(bgp->fib, &d->prefix);
			continue;
		}
		if (fib_route_set_queued(bgp->fib, &d->prefix, nhs, n, BGP_FIB_METRIC) != 0) {
			/* Refused before it was sent (a next hop the kernel
			 * would refuse too). */
			d->fib_installed = false;
			bgp_dest_set_fib_error(bgp->rib, d, fib_last_error(bgp->fib));
			log_info(LOG_TAG, "%s not installed: %s", prefix_format(&d->prefix, pfx, sizeof(pfx)),
				 fib_last_error(bgp->fib));
		}
	}
	fib_submit(bgp->fib);
	/* The kernel answers inside the send: read the answers now, so the
	 * routes show as installed without waiting for the next loop turn. */
	fib_process(bgp->fib);
	bgp_domain_fib_sync(bgp, changed);
}

/* The kernel's answer to a queued change. Answers come in the order the
 * changes were queued, so the last one for a prefix is what it has now. */
static void fib_result(const struct prefix *prefix, bool removal, int rc, const char *reason, void *arg)
{
	struct bgp_instance *bgp = arg;
	struct bgp_dest *d = bgp_rib_lookup(bgp->rib, prefix);
	char pfx[PREFIX_STRLEN];

	if (rc != 0)
		log_info(LOG_TAG, "%s not %s: %s", prefix_format(prefix, pfx, sizeof(pfx)),
			 removal ? "removed" : "installed", reason);
	if (d == NULL || removal)
		return;
	d->fib_installed = rc == 0;
	bgp_dest_set_fib_error(bgp->rib, d, rc == 0 ? NULL : reason);
}

static void on_fib_readable(evutil_socket_t fd, short what, void *arg)
{
	struct bgp_instance *bgp = arg;

	(void)fd;
	(void)what;
	fib_process(bgp->fib);
}

static void sweep_stale(void *arg)
{
	struct bgp_instance *bgp = arg;
	size_t removed = 0;

	if (bgp->fib != NULL && fib_sweep(bgp->fib, &removed) == 0 && removed > 0)
		log_notice(LOG_TAG, "removed %zu stale routes of a previous run", removed);
}

static bool fib_enabled = true;

void bgp_fib_enable(bool on)
{
	fib_enabled = on;
}

int bgp_fib_open(struct bgp_instance *bgp, uint32_t table)
{
	char err[FIB_ERR_MAX];

	if (!fib_enabled) {
		log_notice(LOG_TAG, "installing no routes in the kernel (--no-fib)");
		return 0;
	}

	bgp->fib = fib_netlink_new(FIB_PROTO_SKYGATE, table, err, sizeof(err));
	if (bgp->fib == NULL) {
		log_err(LOG_TAG, "no forwarding table: %s; routes will not be installed", err);
		return -1;
	}
	fib_set_result_fn(bgp->fib, fib_result, bgp);
	if (fib_fd(bgp->fib) >= 0) {
		bgp->fib_ev = event_new(bgp->loop->base, fib_fd(bgp->fib), EV_READ | EV_PERSIST, on_fib_readable, bgp);
		if (bgp->fib_ev == NULL || event_add(bgp->fib_ev, NULL) != 0)
			log_warn(LOG_TAG, "cannot watch the forwarding table's socket; answers are read as "
					  "changes are made");
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
	if (bgp->fib_ev != NULL)
		event_free(bgp->fib_ev);
	bgp->fib_ev = NULL;
	if (bgp->fib == NULL)
		return;
	/* Answers still due concern destinations about to go. */
	fib_set_result_fn(bgp->fib, NULL, NULL);
	/* A clean stop takes our routes out: nothing forwards on stale
	 * state of a daemon that is gone. */
	fib_flush(bgp->fib, &removed);
	fib_free(bgp->fib);
	bgp->fib = NULL;
}
