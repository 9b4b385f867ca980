/*
 * Routes this speaker originates: `network` statements, `aggregate-address`
 * summaries (RFC 4271 section 9.2.2.2) and `redistribute connected|static`
 * from the kernel's main table.
 *
 * A prefix may be wanted by several of these at once (a network that is
 * also a connected subnet, say). The RIB holds one local path per prefix,
 * so each prefix keeps what every source wants and the RIB gets the first
 * in this order: network, aggregate, static, connected — the explicit
 * statement over the derived one, as an operator expects.
 *
 * Aggregates follow the Loc-RIB: before each round of changes goes out
 * the output side shows us the queue of changed destinations, and an
 * aggregate whose range holds one is computed again from its contributors
 * (the best routes strictly inside it), so the summary and the
 * suppression of its contributors leave in the same round. `summary-only` marks the contributors suppressed,
 * and the output side withdraws them from every peer.
 *
 * Redistribution reads the kernel's main table with one dump, then listens
 * for route changes on a netlink socket; a change of a route that is not
 * ours (protocol 211) schedules a fresh dump 200 ms later, so a burst of
 * changes costs one dump.
 *
 * Ownership: the instance owns its struct bgp_originate (bgp->orig); the
 * origination holds one reference on every attribute set it keeps.
 */
#include "bgp_internal.h"

#include <event2/event.h>
#include <linux/rtnetlink.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <stdlib.h>
#include <string.h>

#include "fib.h"
#include "log.h"

#define LOG_TAG "bgp"
#define RESCAN_DELAY_MS 200
/* Most ASes an aggregate's AS_SET and communities collect; more are
 * dropped (and logged), which keeps one summary's attributes bounded. */
#define AGGREGATE_MAX_ASNS 1024
#define AGGREGATE_MAX_COMMUNITIES 1024

enum local_kind { LOCAL_NETWORK, LOCAL_AGGREGATE, LOCAL_STATIC, LOCAL_CONNECTED, LOCAL_KINDS };

/* What each source wants for one prefix; the RIB has `chosen`. */
struct local_entry {
	struct bgp_attr_set *by_kind[LOCAL_KINDS]; /* one reference each */
	struct bgp_attr_set *chosen;               /* borrowed from by_kind */
};

struct aggregate {
	struct bgp_aggregate_config cfg;
	size_t contributors;
};

struct kernel_route {
	struct prefix prefix;
	uint32_t metric;
	enum local_kind kind;
};

struct bgp_originate {
	struct bgp_instance *bgp;
	struct radix_tree *local[BGP_AFI_COUNT];       /* prefix -> struct local_entry */
	struct radix_tree *suppressed[BGP_AFI_COUNT];  /* prefixes suppressed now */
	/* The destinations with a best path strictly inside an aggregate: the
	 * RIB finds prefixes by hash, so the ranges are kept here, and an
	 * aggregate's contributors are one covered walk away. */
	struct radix_tree *inside[BGP_AFI_COUNT];
	struct aggregate *aggs[BGP_AFI_COUNT];
	size_t naggs[BGP_AFI_COUNT];
	bool redistribute[BGP_AFI_COUNT][LOCAL_KINDS]; /* STATIC and CONNECTED only */
	struct nl_sock *watch;
	struct event *watch_ev;
	struct timer rescan;
};

/* ---- one prefix, several sources ---------------------------------------------- */

static void entry_free(void *value, void *arg)
{
	struct local_entry *e = value;

	for (int k = 0; k < LOCAL_KINDS; k++)
		bgp_attrset_unref(arg, e->by_kind[k]);
	free(e);
}

/* Source kind now wants set for p (NULL: no longer wants it); the RIB gets
 * the winner when it changes. Takes its own reference to set. */
static void set_source(struct bgp_originate *o, const struct prefix *p, enum local_kind kind,
		       struct bgp_attr_set *set)
{
	struct bgp_rib *rib = o->bgp->rib;
	enum bgp_afi afi = bgp_afi_of(p);
	struct local_entry *e = radix_lookup_exact(o->local[afi], p);

	if (e == NULL) {
		if (set == NULL)
			return;
		e = calloc(1, sizeof(*e));
		void *old = NULL;
		if (e == NULL || radix_insert(o->local[afi], p, e, &old) < 0) {
			free(e);
			log_err(LOG_TAG, "out of memory originating a route");
			return;
		}
	}
	if (e->by_kind[kind] == set)
		return;
	bgp_attrset_unref(rib, e->by_kind[kind]);
	e->by_kind[kind] = set != NULL ? bgp_attrset_ref(set) : NULL;
	struct bgp_attr_set *winner = NULL;
	for (int k = 0; k < LOCAL_KINDS && winner == NULL; k++)
		winner = e->by_kind[k];
	if (winner != e->chosen) {
		if (winner != NULL && bgp_rib_update(rib, NULL, false, p, winner) != 0)
			log_err(LOG_TAG, "out of memory originating a route");
		else if (winner == NULL)
			bgp_rib_withdraw(rib, NULL, p);
		e->chosen = winner;
	}
	if (winner == NULL)
		entry_free(radix_delete(o->local[afi], p), rib);
}

/* The prefixes a source has now, collected before changing the tree. */
struct kind_list {
	enum local_kind kind;
	struct prefix *list;
	size_t n, cap;
};

static int push(struct prefix **list, size_t *n, size_t *cap, const struct prefix *p)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 64;
		struct prefix *l = realloc(*list, c * sizeof(*l));
		if (l == NULL)
			return -1;
		*list = l;
		*cap = c;
	}
	(*list)[(*n)++] = *p;
	return 0;
}

static int collect_kind(const struct prefix *p, void *value, void *arg)
{
	struct kind_list *k = arg;
	const struct local_entry *e = value;

	return e->by_kind[k->kind] != NULL ? push(&k->list, &k->n, &k->cap, p) : 0;
}

/* Drop what kind has in afi and keep[] does not name (keep sorted). */
static void drop_others(struct bgp_originate *o, enum bgp_afi afi, enum local_kind kind, const struct prefix *keep,
			size_t nkeep, size_t keep_stride)
{
	struct kind_list k = {.kind = kind};

	radix_walk(o->local[afi], collect_kind, &k);
	for (size_t i = 0; i < k.n; i++) {
		bool wanted = false;
		for (size_t j = 0; j < nkeep && !wanted; j++)
			wanted = prefix_equal(&k.list[i], (const struct prefix *)((const char *)keep + j * keep_stride));
		if (!wanted)
			set_source(o, &k.list[i], kind, NULL);
	}
	free(k.list);
}

/* ---- network statements ----------------------------------------------------------- */

/* RFC 4271 section 5.1.1: ORIGIN IGP for `network` routes, INCOMPLETE for
 * redistributed ones; an empty AS_PATH (section 5.1.2); the next hop is
 * set per peer when sent. med < 0: none. */
static struct bgp_attr_set *plain_set(struct bgp_rib *rib, enum bgp_afi afi, uint8_t origin, int64_t med)
{
	struct bgp_attrs a;

	memset(&a, 0, sizeof(a));
	a.present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
	a.origin = origin;
	if (med >= 0) {
		a.present |= BGP_ATTR_MASK(BGP_ATTR_MED);
		a.med = (uint32_t)med;
	}
	if (afi == BGP_AFI_IPV4)
		a.present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	else
		a.mp_nexthop.family = AF_INET6;
	bgp_attrs_normalize(&a);
	return bgp_attrset_intern(rib, &a);
}

static void apply_networks(struct bgp_originate *o, enum bgp_afi afi, const struct bgp_af_config *af)
{
	struct bgp_attr_set *set = plain_set(o->bgp->rib, afi, BGP_ORIGIN_IGP, -1);

	drop_others(o, afi, LOCAL_NETWORK, af->networks, af->network_count, sizeof(*af->networks));
	if (set == NULL)
		return;
	for (size_t i = 0; i < af->network_count; i++)
		set_source(o, &af->networks[i], LOCAL_NETWORK, set);
	bgp_attrset_unref(o->bgp->rib, set);
}

/* ---- redistribution from the kernel -------------------------------------------------- */

struct scan {
	struct kernel_route *routes;
	size_t n, cap;
};

static void scan_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct scan *s = arg;
	struct nl_addr *dst = rtnl_route_get_dst(route);
	uint8_t proto = rtnl_route_get_protocol(route);
	struct kernel_route r = {.metric = rtnl_route_get_priority(route)};

	if (rtnl_route_get_table(route) != RT_TABLE_MAIN || rtnl_route_get_type(route) != RTN_UNICAST ||
	    dst == NULL || nl_addr_get_prefixlen(dst) == 0 || nl_addr_get_len(dst) > sizeof(r.prefix.addr))
		return;
	if (proto == RTPROT_KERNEL) {
		/* The subnet route the kernel adds for an address: connected.
		 * IPv6 link-local subnets stay on their link. */
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(route, 0);
		if (nh != NULL && rtnl_route_nh_get_gateway(nh) != NULL)
			return;
		r.kind = LOCAL_CONNECTED;
	} else if (proto == RTPROT_STATIC || proto == RTPROT_BOOT) {
		r.kind = LOCAL_STATIC;
	} else {
		return; /* ours, or another routing daemon's */
	}
	r.prefix.family = (uint8_t)nl_addr_get_family(dst);
	r.prefix.len = (uint8_t)nl_addr_get_prefixlen(dst);
	memcpy(r.prefix.addr, nl_addr_get_binary_addr(dst), nl_addr_get_len(dst));
	prefix_normalize(&r.prefix);
	if (r.prefix.family == AF_INET6 && r.prefix.addr[0] == 0xfe && (r.prefix.addr[1] & 0xc0) == 0x80)
		return;
	if (s->n == s->cap) {
		size_t c = s->cap ? s->cap * 2 : 64;
		struct kernel_route *l = realloc(s->routes, c * sizeof(*l));
		if (l == NULL)
			return;
		s->routes = l;
		s->cap = c;
	}
	s->routes[s->n++] = r;
}

static int scan_kernel(struct scan *s)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int rc = -1;

	if (sock != NULL && nl_connect(sock, NETLINK_ROUTE) == 0 &&
	    rtnl_route_alloc_cache(sock, AF_UNSPEC, 0, &cache) == 0) {
		nl_cache_foreach(cache, scan_route, s);
		rc = 0;
	}
	nl_cache_free(cache);
	nl_socket_free(sock);
	return rc;
}

static void apply_redistribution(struct bgp_originate *o)
{
	struct scan s = {0};
	bool any = false;

	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		any |= o->redistribute[afi][LOCAL_STATIC] || o->redistribute[afi][LOCAL_CONNECTED];
	if (any && scan_kernel(&s) != 0) {
		log_err(LOG_TAG, "redistribute: cannot read the kernel's routing table");
		free(s.routes);
		return;
	}
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		for (int kind = LOCAL_STATIC; kind <= LOCAL_CONNECTED; kind++) {
			struct prefix *keep = NULL;
			size_t nkeep = 0, cap = 0;
			for (size_t i = 0; i < s.n && o->redistribute[afi][kind]; i++)
				if (s.routes[i].kind == (enum local_kind)kind &&
				    bgp_afi_of(&s.routes[i].prefix) == (enum bgp_afi)afi)
					push(&keep, &nkeep, &cap, &s.routes[i].prefix);
			drop_others(o, (enum bgp_afi)afi, (enum local_kind)kind, keep, nkeep, sizeof(*keep));
			free(keep);
			for (size_t i = 0; i < s.n && o->redistribute[afi][kind]; i++) {
				const struct kernel_route *r = &s.routes[i];
				if (r->kind != (enum local_kind)kind || bgp_afi_of(&r->prefix) != (enum bgp_afi)afi)
					continue;
				/* FRR's custom: the kernel metric becomes the MED. */
				struct bgp_attr_set *set = plain_set(o->bgp->rib, (enum bgp_afi)afi,
								     BGP_ORIGIN_INCOMPLETE, r->metric);
				if (set == NULL)
					continue;
				set_source(o, &r->prefix, (enum local_kind)kind, set);
				bgp_attrset_unref(o->bgp->rib, set);
			}
		}
	}
	free(s.routes);
}

static void rescan_due(void *arg)
{
	apply_redistribution(arg);
}

/* A route change the kernel announced: rescan unless it is one of ours. */
static int watch_msg(struct nl_msg *msg, void *arg)
{
	struct bgp_originate *o = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);

	if ((h->nlmsg_type == RTM_NEWROUTE || h->nlmsg_type == RTM_DELROUTE) &&
	    nlmsg_datalen(h) >= (int)sizeof(struct rtmsg)) {
		const struct rtmsg *rtm = nlmsg_data(h);
		if (rtm->rtm_protocol != FIB_PROTO_SKYGATE && !timer_pending(&o->rescan))
			timer_start(&o->rescan, RESCAN_DELAY_MS);
	}
	return NL_OK;
}

static void watch_readable(evutil_socket_t fd, short what, void *arg)
{
	struct bgp_originate *o = arg;

	(void)fd;
	(void)what;
	/* Drain every queued message; lost ones (ENOBUFS) mean a rescan. */
	for (int i = 0; i < 1024; i++) {
		int rc = nl_recvmsgs_default(o->watch);
		if (rc == -NLE_AGAIN)
			break;
		if (rc < 0) {
			if (!timer_pending(&o->rescan))
				timer_start(&o->rescan, RESCAN_DELAY_MS);
			if (rc != -NLE_NOMEM)
				break;
		}
	}
}

static void watch_stop(struct bgp_originate *o)
{
	if (o->watch_ev != NULL)
		event_free(o->watch_ev);
	o->watch_ev = NULL;
	nl_socket_free(o->watch);
	o->watch = NULL;
}

static int watch_start(struct bgp_originate *o)
{
	if (o->watch != NULL)
		return 0;
	o->watch = nl_socket_alloc();
	if (o->watch == NULL)
		return -1;
	nl_socket_disable_seq_check(o->watch);
	nl_socket_modify_cb(o->watch, NL_CB_VALID, NL_CB_CUSTOM, watch_msg, o);
	if (nl_connect(o->watch, NETLINK_ROUTE) != 0 ||
	    nl_socket_add_memberships(o->watch, RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, 0) != 0 ||
	    nl_socket_set_nonblocking(o->watch) != 0) {
		watch_stop(o);
		return -1;
	}
	o->watch_ev = event_new(o->bgp->loop->base, nl_socket_get_fd(o->watch), EV_READ | EV_PERSIST,
				watch_readable, o);
	if (o->watch_ev == NULL || event_add(o->watch_ev, NULL) != 0) {
		watch_stop(o);
		return -1;
	}
	return 0;
}

/* ---- aggregates -------------------------------------------------------------------------- */

struct contributors {
	const struct aggregate *agg;
	const struct bgp_instance *bgp;
	struct bgp_rib *rib;
	size_t n;
	uint8_t origin;
	bool any_path;          /* a contributor had a non-empty AS_PATH */
	/* The leading AS_SEQUENCE every contributor shares (RFC 4271 section
	 * 9.2.2.2), then every other AS, for `as-set`. */
	uint32_t common[AGGREGATE_MAX_ASNS];
	size_t ncommon;
	bool first;
	uint32_t asns[AGGREGATE_MAX_ASNS];
	size_t nasns;
	uint32_t comms[AGGREGATE_MAX_COMMUNITIES];
	size_t ncomms;
	bool truncated;
	struct prefix *suppress;
	size_t nsuppress, cap;
};

static void add_unique(uint32_t *set, size_t *n, size_t max, uint32_t v, bool *truncated)
{
	for (size_t i = 0; i < *n; i++)
		if (set[i] == v)
			return;
	if (*n == max) {
		*truncated = true;
		return;
	}
	set[(*n)++] = v;
}

static void contribute_path(struct contributors *c, const struct bgp_attrs *a)
{
	const struct bgp_aspath *path = &a->aspath;
	const struct bgp_as_segment *lead = path->nsegs > 0 && path->segs[0].type == BGP_AS_SEQUENCE ? &path->segs[0]
													: NULL;
	size_t shared = 0;

	if (c->first) {
		for (size_t i = 0; lead != NULL && i < lead->count && i < AGGREGATE_MAX_ASNS; i++)
			c->common[i] = lead->asns[i];
		c->ncommon = lead != NULL ? (lead->count < AGGREGATE_MAX_ASNS ? lead->count : AGGREGATE_MAX_ASNS) : 0;
		c->first = false;
	} else {
		while (lead != NULL && shared < c->ncommon && shared < lead->count && lead->asns[shared] == c->common[shared])
			shared++;
		/* What no longer is common goes to the set. */
		for (size_t i = shared; i < c->ncommon; i++)
			add_unique(c->asns, &c->nasns, AGGREGATE_MAX_ASNS, c->common[i], &c->truncated);
		c->ncommon = shared;
	}
	for (size_t s = 0; s < path->nsegs; s++)
		for (size_t i = (s == 0 && lead != NULL) ? c->ncommon : 0; i < path->segs[s].count; i++)
			add_unique(c->asns, &c->nasns, AGGREGATE_MAX_ASNS, path->segs[s].asns[i], &c->truncated);
	c->any_path |= path->nsegs > 0;
	for (size_t i = 0; i < a->ncommunities; i++)
		add_unique(c->comms, &c->ncomms, AGGREGATE_MAX_COMMUNITIES, a->communities[i], &c->truncated);
}

static int contribute(struct bgp_dest *dest, void *arg)
{
	struct contributors *c = arg;
	const struct bgp_attrs *a;

	/* An aggregate is ours, so of the default domain: it covers what
	 * that domain sees (docs/domains.md). */
	const struct bgp_path *best = bgp_view_best(c->bgp, dest, 0);
	if (best == NULL || dest->prefix.len <= c->agg->cfg.prefix.len)
		return 0;
	a = &best->attrs->attrs;
	c->n++;
	/* RFC 4271 section 9.2.2.2: INCOMPLETE over EGP over IGP. */
	if (a->origin > c->origin)
		c->origin = a->origin;
	contribute_path(c, a);
	if (c->agg->cfg.summary_only && push(&c->suppress, &c->nsuppress, &c->cap, &dest->prefix) != 0)
		return -1;
	return 0;
}

static int contribute_prefix(const struct prefix *p, void *value, void *arg)
{
	struct contributors *c = arg;
	struct bgp_dest *dest = bgp_rib_lookup(c->rib, p);

	(void)value;
	return dest != NULL ? contribute(dest, c) : 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* The aggregate's attributes from its contributors, interned. */
static struct bgp_attr_set *aggregate_set(struct bgp_originate *o, enum bgp_afi afi, struct contributors *c)
{
	struct bgp_instance *bgp = o->bgp;
	struct bgp_as_segment segs[2];
	struct bgp_attrs a;
	uint32_t id = htonl(bgp->router_id);

	memset(&a, 0, sizeof(a));
	a.present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH) |
		    BGP_ATTR_MASK(BGP_ATTR_AGGREGATOR);
	a.origin = c->origin;
	/* RFC 4271 section 5.1.7: who aggregated. */
	a.aggregator_as = bgp->asn;
	memcpy(a.aggregator_addr, &id, 4);
	if (c->agg->cfg.as_set) {
		if (c->ncommon > 0)
			segs[a.aspath.nsegs++] = (struct bgp_as_segment){BGP_AS_SEQUENCE, (uint32_t)c->ncommon, c->common};
		if (c->nasns > 0) {
			qsort(c->asns, c->nasns, sizeof(c->asns[0]), cmp_u32);
			segs[a.aspath.nsegs++] = (struct bgp_as_segment){BGP_AS_SET, (uint32_t)c->nasns, c->asns};
		}
		a.aspath.segs = segs;
		a.communities = c->comms;
		a.ncommunities = c->ncomms;
		if (c->ncomms > 0)
			a.present |= BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES);
	} else if (c->any_path) {
		/* RFC 4271 section 9.2.2.2: the contributors' paths are lost,
		 * and ATOMIC_AGGREGATE says so (section 5.1.6). */
		a.present |= BGP_ATTR_MASK(BGP_ATTR_ATOMIC_AGGREGATE);
	}
	if (afi == BGP_AFI_IPV4)
		a.present |= BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	else
		a.mp_nexthop.family = AF_INET6;
	bgp_attrs_normalize(&a);
	return bgp_attrset_intern(bgp->rib, &a);
}

/* Mark dests suppressed (or no longer) and queue those that changed, so the
 * output side withdraws or announces them again. */
static int collect_suppressed(const struct prefix *p, void *value, void *arg)
{
	struct kind_list *k = arg;
	(void)value;
	return push(&k->list, &k->n, &k->cap, p);
}

static void update_suppression(struct bgp_originate *o, enum bgp_afi afi, struct prefix *now, size_t n)
{
	struct bgp_rib *rib = o->bgp->rib;
	struct radix_tree *want = radix_new(afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET);
	struct kind_list old = {0};

	if (want == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		void *prev = NULL;
		radix_insert(want, &now[i], o, &prev);
	}
	radix_walk(o->suppressed[afi], collect_suppressed, &old);
	for (size_t i = 0; i < old.n; i++) {
		if (radix_lookup_exact(want, &old.list[i]) != NULL)
			continue;
		radix_delete(o->suppressed[afi], &old.list[i]);
		struct bgp_dest *d = bgp_rib_lookup(rib, &old.list[i]);
		if (d != NULL && d->suppressed) {
			d->suppressed = false;
			bgp_rib_requeue(rib, d);
		}
	}
	free(old.list);
	radix_free(want, NULL, NULL);
	for (size_t i = 0; i < n; i++) {
		struct bgp_dest *d = bgp_rib_lookup(rib, &now[i]);
		void *prev = NULL;
		/* The tree only names the prefixes; its values are never read. */
		if (d == NULL || radix_insert(o->suppressed[afi], &now[i], o, &prev) < 0 || d->suppressed)
			continue;
		d->suppressed = true;
		bgp_rib_requeue(rib, d);
	}
}

static void compute_aggregates(struct bgp_originate *o, enum bgp_afi afi)
{
	struct prefix *suppress = NULL;
	size_t nsuppress = 0, cap = 0;

	for (size_t i = 0; i < o->naggs[afi]; i++) {
		struct aggregate *agg = &o->aggs[afi][i];
		struct contributors *c = calloc(1, sizeof(*c));
		if (c == NULL)
			break;
		c->agg = agg;
		c->first = true;
		c->rib = o->bgp->rib;
		c->bgp = o->bgp;
		radix_walk_covered(o->inside[afi], &agg->cfg.prefix, contribute_prefix, c);
		if (c->truncated)
			log_warn(LOG_TAG, "aggregate: more ASes or communities than %d; the rest are left out",
				 AGGREGATE_MAX_ASNS);
		agg->contributors = c->n;
		struct bgp_attr_set *set = c->n > 0 ? aggregate_set(o, afi, c) : NULL;
		set_source(o, &agg->cfg.prefix, LOCAL_AGGREGATE, set);
		bgp_attrset_unref(o->bgp->rib, set);
		for (size_t k = 0; k < c->nsuppress; k++)
			push(&suppress, &nsuppress, &cap, &c->suppress[k]);
		free(c->suppress);
		free(c);
	}
	update_suppression(o, afi, suppress, nsuppress);
	free(suppress);
}

static bool inside_an_aggregate(const struct bgp_originate *o, const struct prefix *p)
{
	enum bgp_afi afi = bgp_afi_of(p);

	for (size_t i = 0; i < o->naggs[afi]; i++)
		if (p->len > o->aggs[afi][i].cfg.prefix.len && prefix_contains(&o->aggs[afi][i].cfg.prefix, p))
			return true;
	return false;
}

/* Keep o->inside up to date for dest; true when dest lies inside an
 * aggregate (so that aggregate must be computed again). */
static bool track_inside(struct bgp_originate *o, const struct bgp_dest *d)
{
	enum bgp_afi afi = bgp_afi_of(&d->prefix);
	void *prev = NULL;

	if (!inside_an_aggregate(o, &d->prefix))
		return false;
	if (bgp_view_best(o->bgp, d, 0) != NULL)
		radix_insert(o->inside[afi], &d->prefix, o, &prev);
	else
		radix_delete(o->inside[afi], &d->prefix);
	return true;
}

static int track_one(struct bgp_dest *dest, void *arg)
{
	track_inside(arg, dest);
	return 0;
}

/* Most rounds of nested aggregates followed in one flush. */
#define AGGREGATE_ROUNDS 32

void bgp_originate_before_flush(struct bgp_instance *bgp, const struct bgp_dest *queue)
{
	struct bgp_originate *o = bgp->orig;
	const struct bgp_dest *from = queue, *last = NULL;

	if (o == NULL || (o->naggs[BGP_AFI_IPV4] == 0 && o->naggs[BGP_AFI_IPV6] == 0))
		return;
	/* An aggregate computed again joins the queue; an aggregate holding
	 * it is then looked at in the next round. */
	for (int round = 0; round < AGGREGATE_ROUNDS && from != NULL; round++) {
		bool dirty[BGP_AFI_COUNT] = {false, false};
		for (const struct bgp_dest *d = from; d != NULL; d = d->queue_next) {
			enum bgp_afi afi = bgp_afi_of(&d->prefix);
			if (track_inside(o, d))
				dirty[afi] = true;
			last = d;
		}
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
			if (dirty[afi])
				compute_aggregates(o, (enum bgp_afi)afi);
		from = last->queue_next;
	}
}

/* ---- configuration ---------------------------------------------------------------------- */

static struct bgp_originate *originate_new(struct bgp_instance *bgp)
{
	struct bgp_originate *o = calloc(1, sizeof(*o));

	if (o == NULL)
		return NULL;
	o->bgp = bgp;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		int family = afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET;
		o->local[afi] = radix_new(family);
		o->suppressed[afi] = radix_new(family);
		o->inside[afi] = radix_new(family);
		if (o->local[afi] == NULL || o->suppressed[afi] == NULL || o->inside[afi] == NULL) {
			bgp->orig = o;
			bgp_originate_free(bgp);
			return NULL;
		}
	}
	if (timer_init(&o->rescan, bgp->loop, rescan_due, o) != 0) {
		bgp->orig = o;
		bgp_originate_free(bgp);
		return NULL;
	}
	return o;
}

void bgp_originate_apply(struct bgp_instance *bgp, const struct bgp_config *cfg)
{
	if (bgp->orig == NULL && (bgp->orig = originate_new(bgp)) == NULL) {
		log_err(LOG_TAG, "out of memory: no locally originated routes");
		return;
	}
	struct bgp_originate *o = bgp->orig;
	bool redistribute = false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		const struct bgp_af_config *af = &cfg->af[afi];
		apply_networks(o, (enum bgp_afi)afi, af);
		o->redistribute[afi][LOCAL_STATIC] = af->redistribute_static;
		o->redistribute[afi][LOCAL_CONNECTED] = af->redistribute_connected;
		redistribute |= af->redistribute_static || af->redistribute_connected;
		struct aggregate *aggs = af->aggregate_count ? calloc(af->aggregate_count, sizeof(*aggs)) : NULL;
		size_t n = aggs != NULL ? af->aggregate_count : 0;
		for (size_t i = 0; i < n; i++)
			aggs[i].cfg = af->aggregates[i];
		free(o->aggs[afi]);
		o->aggs[afi] = aggs;
		o->naggs[afi] = n;
		/* The ranges may have changed: index the table again (one scan,
		 * on a configuration change only). */
		radix_free(o->inside[afi], NULL, NULL);
		o->inside[afi] = radix_new(afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET);
		if (o->inside[afi] != NULL && n > 0)
			bgp_rib_scan(bgp->rib, (enum bgp_afi)afi, track_one, o);
		drop_others(o, (enum bgp_afi)afi, LOCAL_AGGREGATE, n ? &aggs[0].cfg.prefix : NULL, n, sizeof(*aggs));
		compute_aggregates(o, (enum bgp_afi)afi);
	}
	if (redistribute && watch_start(o) != 0)
		log_err(LOG_TAG, "redistribute: cannot watch the kernel's routing table; changes will be missed");
	if (!redistribute)
		watch_stop(o);
	apply_redistribution(o);
}

void bgp_originate_free(struct bgp_instance *bgp)
{
	struct bgp_originate *o = bgp->orig;

	if (o == NULL)
		return;
	watch_stop(o);
	timer_fini(&o->rescan);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (o->local[afi] != NULL)
			radix_free(o->local[afi], entry_free, bgp->rib);
		if (o->suppressed[afi] != NULL)
			radix_free(o->suppressed[afi], NULL, NULL);
		if (o->inside[afi] != NULL)
			radix_free(o->inside[afi], NULL, NULL);
		free(o->aggs[afi]);
	}
	free(o);
	bgp->orig = NULL;
}
