/*
 * fib.h - the forwarding table: BGP best routes installed where packets are
 * forwarded.
 *
 * A struct fib is one routing table of one forwarder.  Two backends sit
 * behind the same calls (struct fib_ops, at the end of this file):
 *
 *   fib_netlink_new()  the Linux kernel, through libnl-route-3 (fib_netlink.c)
 *   fib_memory_new()   a table in memory, for unit tests of the RIB side
 *                      (fib_memory.c)
 *
 * Every fib keeps its own record of the routes it installed (a radix tree per
 * family), so fib_count(), fib_walk(), fib_flush() and fib_sweep() never
 * depend on reading the kernel's table back.  The routes a netlink fib
 * installs carry its protocol number (rtm_protocol, FIB_PROTO_SKYGATE unless
 * told otherwise), so that `ip route show proto 211` lists them and so that
 * the fib never removes or replaces a route another daemon, the
 * administrator or the kernel put there (docs/fib.md).
 *
 * Graceful restart: routes a previous run left in the kernel keep forwarding
 * while the new run relearns them.  At start-up fib_mark_stale() adopts them
 * and marks every route stale; fib_route_set() clears the mark of each route
 * installed again; fib_sweep() removes what is still stale.  A clean exit
 * calls fib_flush(), which removes every route the fib holds.  fib_free()
 * alone leaves the kernel as it is, like a crash would.
 *
 * Errors: calls that can fail return -1 and leave a reason in
 * fib_last_error(), worded for the RIB's "not installed: <reason>" (the
 * kernel's own extended-ACK text when it gave one, e.g. "Nexthop has invalid
 * gateway (Network is unreachable)").  Every call that can fail clears the
 * reason first, so after a success it is "".
 *
 * Ownership: the fib copies every prefix and next hop it is given; callers
 * may reuse their arrays at once.  fib_free() frees the fib and what it
 * owns.  Pointers handed to a walk callback or filled in by fib_route_find()
 * are borrowed: valid until the next call that changes the fib.
 *
 * Concurrency: none.  One thread (routed's event loop) uses a fib; calls
 * block for one netlink round trip at most, or one table dump, or (the
 * queued calls, below) for the answers to what is already in flight.
 */
#ifndef SKYGATE_FIB_H
#define SKYGATE_FIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

/*
 * Our rtm_protocol number.  Linux reserves 0..4 (unspec, redirect, kernel,
 * boot, static) and names a few others in include/uapi/linux/rtnetlink.h
 * (RTPROT_BGP is 186, which FRR's bgpd uses; FRR's rt_protos.d/frr.conf
 * names 186..197 for its daemons); 211 is in none of those lists.  It is
 * only a default: fib_netlink_new() takes any number above 4.
 */
#define FIB_PROTO_SKYGATE 211

/*
 * Most next hops in one route (equal-cost multipath).  RFC 4271 section
 * 9.1.4 leaves BGP multipath to the implementation; deployments use a few
 * dozen paths at most, and 64 IPv6 next hops (28 bytes each in
 * RTA_MULTIPATH) keep one request under a page.
 */
#define FIB_NEXTHOP_MAX 64

/* Longest reason fib_last_error() returns, NUL included. */
#define FIB_ERR_MAX 256

/* Longest text fib_nexthop_format() writes, NUL included. */
#define FIB_NEXTHOP_STRLEN 64

/*
 * One next hop.  family AF_INET or AF_INET6: addr is the gateway, in network
 * byte order (IPv4 in addr[0..3]), of the same family as the route's prefix.
 * family AF_UNSPEC (0): no gateway, the route goes straight out of ifindex
 * (a point-to-point tunnel device, say); addr is ignored.
 *
 * ifindex 0 lets the kernel find the interface by looking the gateway up in
 * its table, as `ip route add ... via GW` does; the gateway must then be
 * reachable through a connected route or the kernel refuses the route.
 */
struct fib_nexthop {
	int family;
	uint8_t addr[16];
	int ifindex;
};

/* A route as a fib holds it (fib_walk(), fib_route_find()). */
struct fib_route {
	struct prefix prefix;           /* normalised */
	uint32_t metric;                /* the kernel's priority; lower wins */
	bool stale;                     /* marked by fib_mark_stale(), not set since */
	size_t n;                       /* next hops, 1..FIB_NEXTHOP_MAX */
	const struct fib_nexthop *nhs;  /* borrowed, see Ownership */
};

/* Return non-zero to stop a walk; fib_walk() then returns that value.  The
 * callback must not change the fib (collect, then change after the walk). */
typedef int (*fib_walk_fn)(const struct fib_route *r, void *arg);

/* Opaque to callers; backends see its definition below. */
struct fib;

/*
 * A fib on the kernel's routing table `table` (0 means RT_TABLE_MAIN, 254),
 * marking its routes with `protocol` (0 means FIB_PROTO_SKYGATE).  Refuses
 * protocol numbers 1..4, which belong to the kernel and the administrator,
 * and tables 252 (compat) and 255 (local).  Opens one NETLINK_ROUTE socket
 * in the caller's network namespace.
 *
 * Returns the fib (caller frees with fib_free()), or NULL with a reason in
 * err (errlen bytes, may be 0).
 */
struct fib *fib_netlink_new(uint8_t protocol, uint32_t table, char *err, size_t errlen);

/* An empty fib in memory, or NULL out of memory.  Caller frees. */
struct fib *fib_memory_new(void);

/*
 * Memory backend only, for tests of the RIB's error path: from now on every
 * fib_route_set() for a prefix equal to or inside `within` fails with
 * `reason` (copied), as the kernel refuses a route whose next hop it cannot
 * reach.  within NULL lifts the rule.  Returns 0, or -1 when f is not a
 * memory fib or within is invalid.
 */
int fib_memory_refuse(struct fib *f, const struct prefix *within, const char *reason);

/*
 * Free the fib and its record of routes.  The kernel keeps the routes (call
 * fib_flush() first on a clean exit).  f may be NULL.
 */
void fib_free(struct fib *f);

/*
 * Install p with next hops nhs[0..n-1] (n > 1: one multipath route,
 * RTA_MULTIPATH, for IPv4 and IPv6 alike) at metric, replacing what this fib
 * had for p.  For IPv6, metric 0 is taken as 1024, which is what the kernel
 * stores for it (IP6_RT_PRIO_USER, include/uapi/linux/ipv6_route.h).
 *
 * A new route never replaces another protocol's route of the same prefix and
 * metric in the table (that fails with a reason).  A metric change installs
 * the new route before it removes the old one, so forwarding never stops.
 *
 * Checked before anything is sent (fib_route_check()): p valid without host
 * bits; 1 <= n <= FIB_NEXTHOP_MAX; no next hop twice; each gateway of p's
 * family and not all-zero; a gatewayless next hop names an interface; an
 * IPv6 link-local gateway names its interface.
 *
 * Returns 0, or -1 with a reason; on -1 what was installed for p before
 * (if anything) is still installed and still recorded.
 */
int fib_route_set(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
		  uint32_t metric);

/*
 * Remove this fib's route for p.  Returns 0 when p is no longer installed
 * (also when it never was, or when the kernel had dropped it already, as it
 * does when an interface goes away), -1 with a reason otherwise (p stays
 * recorded).
 */
int fib_route_del(struct fib *f, const struct prefix *p);

/*
 * What the forwarder holds for exactly p, of this fib's protocol and table:
 * the netlink backend asks the kernel (one dump of this fib's routes,
 * filtered by the kernel), the memory backend reads its table.  Fills
 * nhs[0..min(count, max)-1] and returns the count of next hops (0: no such
 * route), or -1 with a reason.  The kernel reports the interface it chose,
 * so ifindex is filled in even where the route was set with 0.
 */
int fib_route_get(struct fib *f, const struct prefix *p, struct fib_nexthop *nhs, size_t max);

/* What this fib recorded for p (no kernel round trip): true and *out filled
 * (out->nhs borrowed), or false when p is not installed. */
bool fib_route_find(const struct fib *f, const struct prefix *p, struct fib_route *out);

/* Every recorded route, IPv4 before IPv6, each in prefix_cmp() order.
 * Returns 0 or the first non-zero value fn returned. */
int fib_walk(const struct fib *f, fib_walk_fn fn, void *arg);

/*
 * Start of graceful restart.  The netlink backend first adopts the routes of
 * its protocol and table that the kernel holds and it has no record of (a
 * previous run's); one it could not have installed itself (no next hop,
 * not unicast, more than FIB_NEXTHOP_MAX next hops), or a second one for a
 * prefix at another metric, is removed at once.  Then every recorded route
 * is marked stale.  Returns 0, or -1 with a reason (the kernel could not be
 * read; nothing was marked).
 */
int fib_mark_stale(struct fib *f);

/*
 * Remove every route still stale.  *removed (may be NULL) counts the routes
 * removed.  Returns 0, or -1 with the last reason when some could not be
 * removed (they stay recorded and stale, for a later sweep).
 */
int fib_sweep(struct fib *f, size_t *removed);

/* Remove every recorded route (clean exit).  *removed and the result as for
 * fib_sweep(). */
int fib_flush(struct fib *f, size_t *removed);

/* Routes recorded, stale ones included; and the stale ones alone. */
size_t fib_count(const struct fib *f);
size_t fib_stale_count(const struct fib *f);

/* Why the last call that failed failed; "" after a success.  Valid until the
 * next call on f. */
const char *fib_last_error(const struct fib *f);

/*
 * The checks fib_route_set() makes, for callers that want to know before
 * they try.  Returns 0, or -1 with a reason in err (errlen bytes, may be 0).
 */
int fib_route_check(const struct prefix *p, const struct fib_nexthop *nhs, size_t n, char *err,
		    size_t errlen);

/* Same family, same gateway (the bytes the family uses), same ifindex. */
bool fib_nexthop_equal(const struct fib_nexthop *a, const struct fib_nexthop *b);

/* "192.0.2.2", "2001:db8::2 ifindex 3", "ifindex 3" into buf (FIB_NEXTHOP_STRLEN
 * always fits); "" for a family it does not know.  Returns buf. */
const char *fib_nexthop_format(const struct fib_nexthop *nh, char *buf, size_t buflen);

/*
 * ---- Queued changes ----
 *
 * fib_route_set() and fib_route_del() wait for the kernel's answer to each
 * request: one round trip per route, which for a full table is most of the
 * time it takes to install it.  The queued forms put many requests in
 * flight on one socket, sent in batches, and report each outcome later,
 * through the result callback, in the order they were queued:
 *
 *   fib_set_result_fn(f, fn, arg);          once
 *   fib_route_set_queued(f, p, ...);        for each change
 *   fib_submit(f);                          after a round of changes
 *   fib_process(f);                         whenever fib_fd(f) is readable
 *   fib_drain(f);                           to wait for every outcome
 *
 * An outcome means what the synchronous call's result means: rc 0, the
 * change is made and recorded; rc -1, it is not, reason says why (the
 * kernel's text, as fib_last_error() would give), and what was installed
 * for the prefix before is still installed and recorded.  Requests for one
 * prefix never overtake each other: queuing a change for a prefix whose
 * previous change is still in flight first waits for that one's outcome.
 *
 * The synchronous changes, fib_mark_stale() and fib_route_get() first wait
 * for every queued change.  fib_route_find(), fib_walk() and the counts
 * give what is recorded: the changes whose outcome has been reported.
 * fib_sweep() and fib_flush() queue their removals themselves and wait.
 * The result callback must not call the fib.
 *
 * The memory backend makes a queued change at once and reports it before
 * the call returns; fib_fd() is -1 for it.
 */

/* prefix: the route's (borrowed for the call).  removal: the outcome of a
 * fib_route_del_queued().  rc 0 or -1; reason "" on success. */
typedef void (*fib_result_fn)(const struct prefix *prefix, bool removal, int rc,
			      const char *reason, void *arg);

/* Where outcomes go (fn NULL: nowhere). */
void fib_set_result_fn(struct fib *f, fib_result_fn fn, void *arg);

/*
 * Queue fib_route_set(f, p, nhs, n, metric).  Returns 0 when queued (its
 * outcome will be reported), -1 when refused at once with a reason in
 * fib_last_error() (invalid arguments; nothing is reported then).  May
 * read outcomes, and so call the result callback, before it returns: when
 * the prefix has a change in flight or too many changes are in flight.
 */
int fib_route_set_queued(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs,
			 size_t n, uint32_t metric);

/* Queue fib_route_del(f, p); as fib_route_set_queued().  Removing a prefix
 * that is not installed is reported as done (rc 0) at once. */
int fib_route_del_queued(struct fib *f, const struct prefix *p);

/* Send what is queued without waiting.  Returns 0, or -1 with a reason
 * (the affected changes are reported as failed). */
int fib_submit(struct fib *f);

/* A descriptor that is readable when outcomes wait to be read, for the
 * event loop; -1 when the backend has none. */
int fib_fd(const struct fib *f);

/* Read and report the outcomes that have arrived; never blocks.  Returns
 * how many were reported. */
size_t fib_process(struct fib *f);

/* Send what is queued and wait until every outcome is reported. */
void fib_drain(struct fib *f);

/* Changes queued or in flight whose outcome is not reported yet. */
size_t fib_in_flight(const struct fib *f);

/*
 * Netlink backend only, for tests and tuning: at most max_in_flight
 * changes in flight at once (0 keeps the current limit; the default is
 * FIB_IN_FLIGHT_DEFAULT), and the socket's receive buffer for the kernel's
 * answers set to rcvbuf bytes (0 keeps it).  A buffer too small for the
 * answers in flight makes the kernel drop some (ENOBUFS); the fib then
 * finds out what became of each change it has no answer for.  Returns 0,
 * or -1 when f is not a netlink fib or the buffer cannot be set.
 */
#define FIB_IN_FLIGHT_DEFAULT 4096
int fib_netlink_tune(struct fib *f, size_t max_in_flight, int rcvbuf);

/* Netlink backend: answers the kernel dropped so far (each such change was
 * then checked by doing it again); 0 for any other fib. */
size_t fib_netlink_answers_lost(const struct fib *f);

/*
 * ---- Backend interface: for fib_memory.c and fib_netlink.c only. ----
 *
 * A backend's object starts with a struct fib whose ops point to the
 * backend's table of functions.  The public functions above check their
 * arguments, clear the error, normalise (host bits, IPv6 metric 0, unused
 * address bytes) and then call the backend, so backends receive only valid,
 * normalised input and a non-NULL removed pointer.  A backend that fails
 * writes its reason with fib_set_error().
 */
struct fib_ops {
	const char *name; /* "netlink", "memory" */
	int (*route_set)(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs,
			 size_t n, uint32_t metric);
	int (*route_del)(struct fib *f, const struct prefix *p);
	int (*route_get)(struct fib *f, const struct prefix *p, struct fib_nexthop *nhs,
			 size_t max);
	bool (*route_find)(const struct fib *f, const struct prefix *p, struct fib_route *out);
	int (*walk)(const struct fib *f, fib_walk_fn fn, void *arg);
	int (*mark_stale)(struct fib *f);
	int (*sweep)(struct fib *f, size_t *removed);
	int (*flush)(struct fib *f, size_t *removed);
	size_t (*count)(const struct fib *f);
	void (*destroy)(struct fib *f);
	/* Queued changes; NULL in a backend without them (the front end then
	 * makes each change at once and reports it). */
	int (*route_set_queued)(struct fib *f, const struct prefix *p,
				const struct fib_nexthop *nhs, size_t n, uint32_t metric);
	int (*route_del_queued)(struct fib *f, const struct prefix *p);
	int (*submit)(struct fib *f);
	int (*fd)(const struct fib *f);
	size_t (*process)(struct fib *f);
	void (*drain)(struct fib *f);
	size_t (*in_flight)(const struct fib *f);
};

struct fib {
	const struct fib_ops *ops;
	char error[FIB_ERR_MAX];
	fib_result_fn result_fn; /* fib_set_result_fn() */
	void *result_arg;
};

/* Report an outcome to the fib's result callback, if any. */
void fib_report(struct fib *f, const struct prefix *p, bool removal, int rc, const char *reason);

/* Record why the current call fails (printf-style, cut to FIB_ERR_MAX). */
void fib_set_error(struct fib *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SKYGATE_FIB_H */
