/*
 * fib_netlink.c - the FIB backend on the Linux kernel's routing tables:
 * every change is one RTM_NEWROUTE or RTM_DELROUTE request and its
 * acknowledgement (rtnetlink(7)).  Synchronous changes and table dumps go
 * through libnl-route-3; queued changes (fib.h) are built by hand into
 * batches on a second socket, many in flight at once (see "queued
 * changes" below).
 *
 * What it installed is recorded in a memory fib (fib_memory.c), so counting,
 * walking, flushing and sweeping never read the kernel's table back.  The
 * kernel is read only to adopt a previous run's routes (fib_mark_stale), to
 * answer fib_route_get, and to tell our own route from another protocol's
 * when the kernel says a route already exists.  Those reads are dumps the
 * kernel filters by table and protocol itself (NETLINK_GET_STRICT_CHK,
 * Linux 4.20), so they cost the routes of this fib, not the whole table;
 * the results are filtered here too, in case a kernel ignores the filter.
 *
 * The kernel identifies a route by table, prefix, TOS and priority (the
 * metric), not by protocol: net/ipv4/fib_trie.c fib_table_insert() and
 * net/ipv6/ip6_fib.c fib6_add_rt2node() replace whichever route has the
 * same priority, whoever put it there.  So a
 * new route is added with NLM_F_EXCL and only replaces (NLM_F_REPLACE) what
 * is known to be ours; deletions carry our protocol number, which both
 * families match before they delete (fib_table_delete, ip6_route_del).
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <netlink/socket.h>

#include "fib.h"
#include "fib_netlink.h"
#include "log.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270 /* include/linux/socket.h */
#endif

/* A dump interrupted by a concurrent change (NLM_F_DUMP_INTR) is retried;
 * this many tries in all. */
#define FNL_DUMP_TRIES 3

static const struct fib_ops fnl_ops;

bool
fnl_is(const struct fib *f)
{
	return f != NULL && f->ops == &fnl_ops;
}

/* ---- the kernel's error text -------------------------------------------- */

/*
 * The errno of an NLMSG_ERROR (0 for an acknowledgement) and the
 * NLMSGERR_ATTR_MSG string of its extended ACK, if any, into kmsg
 * (include/uapi/linux/netlink.h: with NETLINK_CAP_ACK the request is not
 * echoed, NLM_F_CAPPED says so, and the TLVs follow struct nlmsgerr).
 */
int
fnl_ack_parse(const struct nlmsghdr *h, char *kmsg, size_t kmsglen)
{
	const struct nlmsgerr *e;
	size_t off;

	kmsg[0] = '\0';
	if (h->nlmsg_type != NLMSG_ERROR || h->nlmsg_len < NLMSG_LENGTH(sizeof(*e)))
		return 0;
	e = NLMSG_DATA(h);
	if (e->error == 0 || !(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return -e->error;
	off = NLMSG_ALIGN(NLMSG_LENGTH(sizeof(*e)));
	if (!(h->nlmsg_flags & NLM_F_CAPPED) && e->msg.nlmsg_len > NLMSG_HDRLEN)
		off += NLMSG_ALIGN(e->msg.nlmsg_len - NLMSG_HDRLEN);
	if (off < h->nlmsg_len) {
		struct nlattr *a = nla_find((struct nlattr *)((char *)h + off),
					    (int)(h->nlmsg_len - off), NLMSGERR_ATTR_MSG);

		if (a != NULL && nla_len(a) > 0) {
			size_t len = (size_t)nla_len(a);

			if (len >= kmsglen)
				len = kmsglen - 1;
			memcpy(kmsg, nla_data(a), len);
			kmsg[len] = '\0';
			/* The kernel's texts end without a full stop, mostly;
			 * drop one so the reason reads as one phrase. */
			len = strlen(kmsg);
			if (len > 0 && kmsg[len - 1] == '.')
				kmsg[len - 1] = '\0';
		}
	}
	return -e->error;
}

/* Called by libnl for every message received, before its own handling:
 * keeps the kernel's errno and text of an error, which libnl would turn
 * into its own coarser codes. */
static int
fnl_msg_in(struct nl_msg *msg, void *arg)
{
	struct fnl *nl = arg;
	char kmsg[sizeof(nl->kmsg)];
	int err = fnl_ack_parse(nlmsg_hdr(msg), kmsg, sizeof(kmsg));

	if (err != 0) {
		nl->kerr = err;
		memcpy(nl->kmsg, kmsg, sizeof(kmsg));
	}
	return NL_OK;
}

static void
fnl_clear_kernel_error(struct fnl *nl)
{
	nl->kerr = 0;
	nl->kmsg[0] = '\0';
}

/* Set the fib's reason from what the kernel said, or from libnl's code nlerr
 * when the kernel said nothing (the request never left, say). */
static void
fnl_set_reason(struct fnl *nl, const char *what, int nlerr)
{
	const char *sep = what[0] != '\0' ? ": " : "";

	if (nl->kmsg[0] != '\0')
		fib_set_error(&nl->base, "%s%s%s (%s)", what, sep, nl->kmsg, strerror(nl->kerr));
	else if (nl->kerr != 0)
		fib_set_error(&nl->base, "%s%s%s", what, sep, strerror(nl->kerr));
	else
		fib_set_error(&nl->base, "%s%s%s", what, sep, nl_geterror(nlerr));
}

/* ---- building requests -------------------------------------------------- */

static struct nl_addr *
fnl_addr_of(int family, const uint8_t *addr, unsigned prefixlen)
{
	struct nl_addr *a = nl_addr_build(family, addr, fnl_addr_len(family));

	if (a != NULL)
		nl_addr_set_prefixlen(a, prefixlen);
	return a;
}

/* The route object for p in our table with our protocol, and next hops
 * when n > 0.  NULL out of memory. */
static struct rtnl_route *
fnl_route_new(const struct fnl *nl, const struct prefix *p, const struct fib_nexthop *nhs,
	      size_t n, uint32_t metric)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct nl_addr *dst;
	bool gateway = false;

	if (r == NULL)
		return NULL;
	rtnl_route_set_family(r, p->family);
	rtnl_route_set_table(r, nl->table); /* libnl sends RTA_TABLE too, for tables > 255 */
	rtnl_route_set_protocol(r, nl->protocol);
	rtnl_route_set_type(r, RTN_UNICAST);
	rtnl_route_set_priority(r, metric);
	dst = fnl_addr_of(p->family, p->addr, p->len);
	if (dst == NULL || rtnl_route_set_dst(r, dst) < 0)
		goto fail;
	nl_addr_put(dst);
	dst = NULL;

	for (size_t i = 0; i < n; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nh_alloc();

		if (nh == NULL)
			goto fail;
		if (nhs[i].ifindex != 0)
			rtnl_route_nh_set_ifindex(nh, nhs[i].ifindex);
		if (nhs[i].family != AF_UNSPEC) {
			struct nl_addr *gw = fnl_addr_of(nhs[i].family, nhs[i].addr,
							  (unsigned)fnl_addr_len(nhs[i].family) * 8);

			if (gw == NULL) {
				rtnl_route_nh_free(nh);
				goto fail;
			}
			rtnl_route_nh_set_gateway(nh, gw); /* takes its own reference */
			nl_addr_put(gw);
			gateway = true;
		}
		rtnl_route_add_nexthop(r, nh); /* the route owns nh now */
	}
	/*
	 * rtm_scope is the distance to the destination (rtnetlink(7)): through
	 * a gateway it is anywhere (universe); a route straight onto a device
	 * reaches only that link.  This is what `ip route add` picks, too.
	 */
	if (n > 0)
		rtnl_route_set_scope(r, gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK);
	return r;

fail:
	if (dst != NULL)
		nl_addr_put(dst);
	rtnl_route_put(r);
	return NULL;
}

/* RTM_NEWROUTE with NLM_F_CREATE | flags; 0, or -1 with the reason set. */
static int
fnl_kernel_add(struct fnl *nl, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	       uint32_t metric, int flags)
{
	struct rtnl_route *r = fnl_route_new(nl, p, nhs, n, metric);
	int rc;

	if (r == NULL) {
		fib_set_error(&nl->base, "out of memory");
		return -1;
	}
	fnl_clear_kernel_error(nl);
	rc = rtnl_route_add(nl->sk, r, flags);
	rtnl_route_put(r);
	if (rc < 0) {
		fnl_set_reason(nl, "", rc);
		return -1;
	}
	return 0;
}

/*
 * RTM_DELROUTE for our route to p at metric.  The request names table,
 * prefix, protocol and priority and no next hop, so it matches our route
 * whatever its next hops (ip6_route_del() then removes every sibling of a
 * multipath route).  libnl would fill in a scope guessed from the next hops
 * (none: link), which fib_table_delete() would compare; RT_SCOPE_NOWHERE
 * and RTN_UNSPEC in the header mean "any" there.
 *
 * Returns 0 when the route is gone, ESRCH included (the kernel drops routes
 * itself when their interface goes), or -1 with the reason set.
 */
static int
fnl_kernel_del(struct fnl *nl, const struct prefix *p, uint32_t metric)
{
	struct rtnl_route *r = fnl_route_new(nl, p, NULL, 0, metric);
	struct nl_msg *msg = NULL;
	struct rtmsg *rtm;
	int rc;

	if (r == NULL || rtnl_route_build_del_request(r, 0, &msg) < 0) {
		rtnl_route_put(r);
		fib_set_error(&nl->base, "out of memory");
		return -1;
	}
	rtnl_route_put(r);
	rtm = nlmsg_data(nlmsg_hdr(msg));
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	rtm->rtm_type = RTN_UNSPEC;
	fnl_clear_kernel_error(nl);
	rc = nl_send_sync(nl->sk, msg); /* frees msg */
	if (rc < 0 && nl->kerr != ESRCH) {
		fnl_set_reason(nl, "", rc);
		return -1;
	}
	return 0;
}

/* ---- reading the kernel's table ----------------------------------------- */


struct fnl_dump {
	struct fnl *nl;
	struct prefix want; /* only this prefix, when want_one */
	bool want_one;
	fnl_seen_fn fn;
	void *arg;
	int parse_errors;
};

static void
fnl_seen_from(const struct rtnl_route *cr, struct fnl_seen *s)
{
	/* libnl's getters take non-const pointers but do not write. */
	struct rtnl_route *r = (struct rtnl_route *)cr;
	struct nl_addr *dst = rtnl_route_get_dst(r);
	int family = rtnl_route_get_family(r);
	int count = rtnl_route_get_nnexthops(r);

	memset(s, 0, sizeof(*s));
	s->prefix.family = (uint8_t)family;
	s->prefix.len = (uint8_t)nl_addr_get_prefixlen(dst);
	/* The default route comes without RTA_DST: libnl gives an empty
	 * address, which is all zeros. */
	if (nl_addr_get_len(dst) == fnl_addr_len(family))
		memcpy(s->prefix.addr, nl_addr_get_binary_addr(dst), fnl_addr_len(family));
	s->metric = rtnl_route_get_priority(r);
	s->unicast = rtnl_route_get_type(r) == RTN_UNICAST;
	s->n = count > 0 ? (size_t)count : 0;

	for (int i = 0; i < count && i < FIB_NEXTHOP_MAX; i++) {
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, i);
		struct nl_addr *gw = nh != NULL ? rtnl_route_nh_get_gateway(nh) : NULL;
		struct fib_nexthop *out = &s->nhs[i];

		if (nh == NULL) {
			s->foreign_nh = true;
			continue;
		}
		out->ifindex = rtnl_route_nh_get_ifindex(nh);
		if (gw == NULL) {
			out->family = AF_UNSPEC;
		} else if (nl_addr_get_family(gw) == family &&
			   nl_addr_get_len(gw) == fnl_addr_len(family)) {
			out->family = family;
			memcpy(out->addr, nl_addr_get_binary_addr(gw), fnl_addr_len(family));
		} else {
			s->foreign_nh = true;
		}
	}
}

static int
fnl_dump_valid(struct nl_msg *msg, void *arg)
{
	struct fnl_dump *d = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct rtnl_route *r = NULL;
	struct fnl_seen s;

	if (h->nlmsg_type != RTM_NEWROUTE)
		return NL_SKIP;
	if (rtnl_route_parse(h, &r) < 0) {
		d->parse_errors++;
		return NL_SKIP;
	}
	/* The kernel filters (strict dump); this covers a kernel that did
	 * not, and leaves out route cache entries. */
	if (rtnl_route_get_protocol(r) == d->nl->protocol &&
	    rtnl_route_get_table(r) == d->nl->table &&
	    !(rtnl_route_get_flags(r) & RTM_F_CLONED)) {
		fnl_seen_from(r, &s);
		if (!d->want_one || prefix_equal(&s.prefix, &d->want))
			d->fn(d->nl, &s, d->arg);
	}
	rtnl_route_put(r);
	return NL_OK;
}

/*
 * Dump our routes of one family, calling fn for each (or for those of
 * prefix want, if not NULL).  fn must not send on the socket: the dump is
 * still coming in.  Returns 0, or -1 with the reason set.
 */
int
fnl_dump(struct fnl *nl, int family, const struct prefix *want, fnl_seen_fn fn, void *arg)
{
	struct fnl_dump d = {.nl = nl, .fn = fn, .arg = arg};
	int rc = 0;

	if (want != NULL) {
		d.want = *want;
		d.want_one = true;
	}
	for (int attempt = 0; attempt < FNL_DUMP_TRIES; attempt++) {
		struct rtmsg rtm = {
			.rtm_family = (unsigned char)family,
			.rtm_table = nl->table < 256 ? (unsigned char)nl->table : RT_TABLE_UNSPEC,
			.rtm_protocol = nl->protocol,
		};
		struct nl_msg *msg = nlmsg_alloc_simple(RTM_GETROUTE, NLM_F_DUMP);
		struct nl_cb *sock_cb, *cb;

		if (msg == NULL || nlmsg_append(msg, &rtm, sizeof(rtm), NLMSG_ALIGNTO) < 0 ||
		    nla_put_u32(msg, RTA_TABLE, nl->table) < 0) {
			nlmsg_free(msg);
			fib_set_error(&nl->base, "out of memory");
			return -1;
		}
		fnl_clear_kernel_error(nl);
		rc = nl_send_auto(nl->sk, msg);
		nlmsg_free(msg);
		if (rc < 0) {
			fnl_set_reason(nl, "reading the routing table", rc);
			return -1;
		}
		/* The socket's callbacks (fnl_msg_in) plus ours for the
		 * routes; nl_socket_get_cb() hands out a reference. */
		sock_cb = nl_socket_get_cb(nl->sk);
		cb = NULL;
		if (sock_cb != NULL) {
			cb = nl_cb_clone(sock_cb);
			nl_cb_put(sock_cb);
		}
		if (cb == NULL) {
			fib_set_error(&nl->base, "out of memory");
			return -1;
		}
		nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, fnl_dump_valid, &d);
		rc = nl_recvmsgs(nl->sk, cb);
		nl_cb_put(cb);
		if (rc != -NLE_DUMP_INTR)
			break;
		log_debug("fib", "route dump interrupted by a change, retrying");
	}
	/* The IPv4 dump of a table that does not exist yet says ENOENT:
	 * nothing of ours is in it. */
	if (rc < 0 && nl->kerr == ENOENT)
		rc = 0;
	if (rc < 0) {
		fnl_set_reason(nl, "reading the routing table", rc);
		return -1;
	}
	if (d.parse_errors > 0)
		log_warn("fib", "%d routes of table %u could not be parsed", d.parse_errors,
			 nl->table);
	return 0;
}

/* The lowest-metric route of ours for one prefix, or at one metric. */
struct fnl_find {
	bool any_metric;
	uint32_t metric;
	bool found;
	struct fnl_seen seen;
};

static void
fnl_find_one(struct fnl *nl, const struct fnl_seen *s, void *arg)
{
	struct fnl_find *f = arg;

	(void)nl;
	if (!f->any_metric && s->metric != f->metric)
		return;
	if (!s->unicast || (f->found && f->seen.metric <= s->metric))
		return;
	f->seen = *s;
	f->found = true;
}

void
fnl_errf(char *err, size_t errlen, const char *text, const char *detail)
{
	if (errlen > 0)
		snprintf(err, errlen, "%s%s%s", text, detail[0] ? ": " : "", detail);
}

/* ---- the backend operations --------------------------------------------- */

/* fib_route_set() on the libnl socket, waiting for each answer. */
int
fnl_set_sync(struct fnl *nl, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	     uint32_t metric)
{
	struct fib *f = &nl->base;
	struct fib_route old;
	bool had = fib_route_find(nl->installed, p, &old);
	uint32_t old_metric = had ? old.metric : 0;
	/* The prefix as text only where a message needs it: formatting every
	 * route costs more than the netlink request at a million routes. */
	char pbuf[PREFIX_STRLEN];

	if (had && old_metric == metric) {
		if (fnl_kernel_add(nl, p, nhs, n, metric, NLM_F_REPLACE) < 0)
			return -1;
	} else if (fnl_kernel_add(nl, p, nhs, n, metric, NLM_F_EXCL) < 0) {
		struct fnl_find find = {.metric = metric};

		/*
		 * EEXIST: a route to p at this metric is in the table.  If it
		 * is ours (a previous run's that fib_mark_stale() did not
		 * adopt), take it over; if not, leave it alone.
		 */
		if (nl->kerr != EEXIST)
			return -1;
		if (fnl_dump(nl, p->family, p, fnl_find_one, &find) < 0)
			return -1;
		if (!find.found) {
			fib_set_error(f,
				      "table %u has a route to %s at metric %u from another "
				      "protocol already",
				      nl->table, prefix_format(p, pbuf, sizeof(pbuf)), metric);
			return -1;
		}
		if (fnl_kernel_add(nl, p, nhs, n, metric, NLM_F_REPLACE) < 0)
			return -1;
	}

	/* Make before break: the route at the new metric forwards already. */
	if (had && old_metric != metric && fnl_kernel_del(nl, p, old_metric) < 0)
		log_warn("fib", "%s: moved to metric %u, but metric %u stays: %s",
			 prefix_format(p, pbuf, sizeof(pbuf)), metric, old_metric, fib_last_error(f));

	if (fib_route_set(nl->installed, p, nhs, n, metric) < 0) {
		fib_set_error(f, "%s", fib_last_error(nl->installed));
		log_err("fib", "%s installed but not recorded: %s", prefix_format(p, pbuf, sizeof(pbuf)),
			fib_last_error(f));
		return -1;
	}
	f->error[0] = '\0';
	if (log_enabled("fib", LOG_LVL_DEBUG))
		log_debug("fib", "%s metric %u: %zu next hop%s installed", prefix_format(p, pbuf, sizeof(pbuf)),
			  metric, n, n == 1 ? "" : "s");
	return 0;
}

static int
fnl_route_set(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	      uint32_t metric)
{
	fnl_drain_all(fnl_of(f));
	f->error[0] = '\0';
	return fnl_set_sync(fnl_of(f), p, nhs, n, metric);
}

int
fnl_del_sync(struct fnl *nl, const struct prefix *p)
{
	struct fib_route r;

	if (!fib_route_find(nl->installed, p, &r))
		return 0;
	if (fnl_kernel_del(nl, p, r.metric) < 0)
		return -1;
	return fib_route_del(nl->installed, p);
}

static int
fnl_route_del(struct fib *f, const struct prefix *p)
{
	fnl_drain_all(fnl_of(f));
	f->error[0] = '\0';
	return fnl_del_sync(fnl_of(f), p);
}

static int
fnl_route_get(struct fib *f, const struct prefix *p, struct fib_nexthop *nhs, size_t max)
{
	struct fnl *nl = fnl_of(f);
	struct fnl_find find = {.any_metric = true};
	size_t copy;

	fnl_drain_all(nl);
	f->error[0] = '\0';
	if (fnl_dump(nl, p->family, p, fnl_find_one, &find) < 0)
		return -1;
	if (!find.found)
		return 0;
	copy = find.seen.n < max ? find.seen.n : max;
	if (copy > FIB_NEXTHOP_MAX)
		copy = FIB_NEXTHOP_MAX;
	if (copy > 0) /* nhs may be NULL when max is 0 */
		memcpy(nhs, find.seen.nhs, copy * sizeof(nhs[0]));
	return (int)find.seen.n;
}

static bool
fnl_route_find(const struct fib *f, const struct prefix *p, struct fib_route *out)
{
	return fib_route_find(fnl_of_const(f)->installed, p, out);
}

static int
fnl_walk(const struct fib *f, fib_walk_fn fn, void *arg)
{
	return fib_walk(fnl_of_const(f)->installed, fn, arg);
}

static size_t
fnl_count(const struct fib *f)
{
	return fib_count(fnl_of_const(f)->installed);
}

/* Routes to remove by prefix and metric, collected while a dump or a walk
 * is in progress and removed after it. */
struct fnl_doomed {
	struct fnl_doomed_route {
		struct prefix prefix;
		uint32_t metric;
	} *list;
	size_t n, cap;
	bool nomem;
};

static void
fnl_doom(struct fnl_doomed *d, const struct prefix *p, uint32_t metric)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 64;
		struct fnl_doomed_route *list = realloc(d->list, cap * sizeof(*list));

		if (list == NULL) {
			d->nomem = true;
			return;
		}
		d->list = list;
		d->cap = cap;
	}
	d->list[d->n].prefix = *p;
	d->list[d->n].metric = metric;
	d->n++;
}

struct fnl_adopt {
	struct fnl_doomed doomed;
	size_t adopted;
};

static void
fnl_adopt_one(struct fnl *nl, const struct fnl_seen *s, void *arg)
{
	struct fnl_adopt *a = arg;
	struct fib_route have;
	char pbuf[PREFIX_STRLEN];

	if (fib_route_find(nl->installed, &s->prefix, &have)) {
		/* Ours from this run; the kernel's second copy at another
		 * metric is a leftover of an interrupted metric change. */
		if (have.metric != s->metric)
			fnl_doom(&a->doomed, &s->prefix, s->metric);
		return;
	}
	if (!s->unicast || s->n == 0 || s->n > FIB_NEXTHOP_MAX || s->foreign_nh ||
	    fib_route_set(nl->installed, &s->prefix, s->nhs, s->n, s->metric) < 0) {
		log_notice("fib", "%s metric %u of a previous run is not one we install: removing",
			   prefix_format(&s->prefix, pbuf, sizeof(pbuf)), s->metric);
		fnl_doom(&a->doomed, &s->prefix, s->metric);
		return;
	}
	a->adopted++;
}

static int
fnl_mark_stale(struct fib *f)
{
	struct fnl *nl = fnl_of(f);
	struct fnl_adopt a = {0};
	size_t removed = 0;
	int rc = 0;

	fnl_drain_all(nl);
	f->error[0] = '\0';
	if (fnl_dump(nl, AF_INET, NULL, fnl_adopt_one, &a) < 0 ||
	    fnl_dump(nl, AF_INET6, NULL, fnl_adopt_one, &a) < 0) {
		rc = -1;
		goto out;
	}
	if (a.doomed.nomem) {
		fib_set_error(f, "out of memory");
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < a.doomed.n; i++) {
		const struct fnl_doomed_route *d = &a.doomed.list[i];
		char pbuf[PREFIX_STRLEN];

		if (fnl_kernel_del(nl, &d->prefix, d->metric) == 0)
			removed++;
		else
			log_warn("fib", "could not remove %s metric %u: %s",
				 prefix_format(&d->prefix, pbuf, sizeof(pbuf)), d->metric,
				 fib_last_error(f));
	}
	f->error[0] = '\0';
	fib_mark_stale(nl->installed);
	log_info("fib", "table %u: %zu routes of a previous run adopted, %zu removed, %zu stale",
		 nl->table, a.adopted, removed, fib_count(nl->installed));
out:
	free(a.doomed.list);
	return rc;
}

struct fnl_collect {
	bool only_stale;
	struct fnl_doomed doomed;
};

static int
fnl_collect_one(const struct fib_route *r, void *arg)
{
	struct fnl_collect *c = arg;

	if (!c->only_stale || r->stale)
		fnl_doom(&c->doomed, &r->prefix, r->metric);
	return c->doomed.nomem ? 1 : 0;
}

/* Remove recorded routes (all, or the stale ones) from the kernel, then
 * from the record; one that the kernel keeps stays recorded.  The removals
 * are queued, so a full table goes in a few hundred batches. */
static int
fnl_remove(struct fib *f, bool only_stale, size_t *removed)
{
	struct fnl *nl = fnl_of(f);
	struct fnl_pipe *pp = &nl->pipe;
	struct fnl_collect c = {.only_stale = only_stale};

	fnl_drain_all(nl);
	/* In prefix order: the kernel removes IPv6 routes in order about
	 * twice as fast as in hash order (neighbours in its tree), which pays
	 * for the sort many times over. */
	fib_walk(nl->installed, fnl_collect_one, &c);
	if (c.doomed.nomem) {
		free(c.doomed.list);
		fib_set_error(f, "out of memory");
		return -1;
	}
	pp->removed = pp->failed = 0;
	pp->last_failure[0] = '\0';
	for (size_t i = 0; i < c.doomed.n; i++) {
		const struct fnl_doomed_route *d = &c.doomed.list[i];

		fnl_make_room(nl, &d->prefix);
		if (fnl_push(nl, FNL_OP_DEL, false, 0, &d->prefix, NULL, 0, d->metric) < 0) {
			pp->failed++;
			snprintf(pp->last_failure, sizeof(pp->last_failure), "%s", f->error);
		}
	}
	fnl_drain_all(nl);
	free(c.doomed.list);
	*removed = pp->removed;
	log_info("fib", "table %u: %s removed %zu routes, %zu failed", nl->table,
		 only_stale ? "sweep" : "flush", pp->removed, pp->failed);
	if (pp->failed > 0) {
		fib_set_error(f, "%zu routes not removed; last: %s", pp->failed, pp->last_failure);
		return -1;
	}
	f->error[0] = '\0';
	return 0;
}

static int
fnl_sweep(struct fib *f, size_t *removed)
{
	return fnl_remove(f, true, removed);
}

static int
fnl_flush(struct fib *f, size_t *removed)
{
	return fnl_remove(f, false, removed);
}

static void
fnl_destroy(struct fib *f)
{
	struct fnl *nl = fnl_of(f);

	fnl_pipe_close(&nl->pipe);
	if (nl->sk != NULL)
		nl_socket_free(nl->sk); /* closes it too */
	fib_free(nl->installed);
	free(nl);
}

struct fib *
fib_netlink_new(uint8_t protocol, uint32_t table, char *err, size_t errlen)
{
	struct fnl *nl;
	int one = 1, rc;

	if (protocol == 0)
		protocol = FIB_PROTO_SKYGATE;
	if (table == 0)
		table = RT_TABLE_MAIN;
	/* Up to RTPROT_STATIC the routes are the kernel's and the
	 * administrator's (include/uapi/linux/rtnetlink.h); flushing "ours"
	 * would take theirs. */
	if (protocol <= RTPROT_STATIC) {
		fnl_errf(err, errlen, "protocols 1 to 4 are the kernel's and the administrator's", "");
		return NULL;
	}
	if (table == RT_TABLE_COMPAT || table == RT_TABLE_LOCAL) {
		fnl_errf(err, errlen, "tables 252 (compat) and 255 (local) are the kernel's", "");
		return NULL;
	}
	nl = calloc(1, sizeof(*nl));
	if (nl == NULL) {
		fnl_errf(err, errlen, "out of memory", "");
		return NULL;
	}
	nl->base.ops = &fnl_ops;
	nl->pipe.fd = -1;
	nl->protocol = protocol;
	nl->table = table;
	nl->installed = fib_memory_new();
	nl->sk = nl_socket_alloc();
	if (nl->installed == NULL || nl->sk == NULL) {
		fnl_errf(err, errlen, "out of memory", "");
		goto fail;
	}
	rc = nl_connect(nl->sk, NETLINK_ROUTE);
	if (rc < 0) {
		fnl_errf(err, errlen, "netlink socket", nl_geterror(rc));
		goto fail;
	}
	/*
	 * Extended ACKs carry the kernel's reason for refusing a route (Linux
	 * 4.12); capped ACKs leave the request out of them.  Strict checking
	 * (Linux 4.20) makes the kernel filter our dumps by table and
	 * protocol.  An older kernel refuses the options and works without.
	 */
	if (setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one,
		       sizeof(one)) < 0 ||
	    setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
		       sizeof(one)) < 0)
		log_notice("fib", "netlink socket options: %s (older kernel?)", strerror(errno));
	/* Dump replies come in buffers as large as the kernel likes. */
	nl_socket_enable_msg_peek(nl->sk);
	rc = nl_socket_modify_cb(nl->sk, NL_CB_MSG_IN, NL_CB_CUSTOM, fnl_msg_in, nl);
	if (rc < 0) {
		fnl_errf(err, errlen, "netlink socket", nl_geterror(rc));
		goto fail;
	}
	if (fnl_pipe_open(nl, err, errlen) < 0)
		goto fail;
	if (errlen > 0)
		err[0] = '\0';
	log_debug("fib", "netlink fib on table %u, protocol %u", table, protocol);
	return &nl->base;

fail:
	fnl_destroy(&nl->base);
	return NULL;
}

static const struct fib_ops fnl_ops = {
	.name = "netlink",
	.route_set = fnl_route_set,
	.route_del = fnl_route_del,
	.route_get = fnl_route_get,
	.route_find = fnl_route_find,
	.walk = fnl_walk,
	.mark_stale = fnl_mark_stale,
	.sweep = fnl_sweep,
	.flush = fnl_flush,
	.count = fnl_count,
	.destroy = fnl_destroy,
	.route_set_queued = fnl_set_queued,
	.route_del_queued = fnl_del_queued,
	.submit = fnl_submit,
	.fd = fnl_fd,
	.process = fnl_process,
	.drain = fnl_drain,
	.in_flight = fnl_in_flight,
};
