/*
 * fib_netlink_queue.c - the netlink backend's queued changes (fib.h,
 * "Queued changes"; docs/fib.md).
 *
 * Queued changes go out on a socket of their own, as raw rtnetlink
 * messages built into one reused buffer, many to a sendmsg(); the kernel
 * handles each message of a batch in turn inside that sendmsg() and queues
 * one acknowledgement per message (NLM_F_ACK) on the socket, in order
 * (net/netlink/af_netlink.c netlink_unicast_kernel(), rtnetlink_rcv()).
 *
 * Every request in flight has a slot in a ring, in sequence-number order,
 * so an acknowledgement is matched to its route by its sequence number,
 * and a prefix index over the ring keeps two requests for one prefix from
 * being in flight together.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netlink/attr.h>

#include "fib.h"
#include "fib_netlink.h"
#include "log.h"
#include "pfxhash.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270 /* include/linux/socket.h */
#endif


/* Room in the batch buffer for one attribute, or the build fails. */
struct fnl_builder {
	uint8_t *p;
	size_t len, cap;
	bool overflow;
};

static struct rtattr *
fnl_attr(struct fnl_builder *b, unsigned short type, const void *data, size_t len)
{
	struct rtattr *a;

	if (b->overflow || b->len + RTA_SPACE(len) > b->cap) {
		b->overflow = true;
		return NULL;
	}
	a = (struct rtattr *)(b->p + b->len);
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len > 0)
		memcpy(RTA_DATA(a), data, len);
	memset((uint8_t *)RTA_DATA(a) + len, 0, RTA_SPACE(len) - RTA_LENGTH(len));
	b->len += RTA_SPACE(len);
	return a;
}

/*
 * One RTM_NEWROUTE (n > 0) or RTM_DELROUTE (n == 0) for p at metric into
 * at[0..room-1], as fnl_route_new() and fnl_kernel_del() describe them:
 * our table and protocol; a single next hop as RTA_GATEWAY and RTA_OIF,
 * several as RTA_MULTIPATH; a deletion with scope "nowhere" and type
 * "unspec", which the kernel takes as "any".  Returns its length, or 0
 * when it does not fit.
 */
static size_t
fnl_build(const struct fnl *nl, uint8_t *at, size_t room, uint16_t flags, uint32_t seq,
	  const struct prefix *p, const struct fib_nexthop *nhs, size_t n, uint32_t metric)
{
	struct fnl_builder b = {.p = at, .cap = room};
	size_t alen = fnl_addr_len(p->family);
	struct nlmsghdr *h = (struct nlmsghdr *)at;
	struct rtmsg *rtm;
	bool gateway = false;

	if (room < NLMSG_SPACE(sizeof(*rtm)))
		return 0;
	memset(at, 0, NLMSG_SPACE(sizeof(*rtm)));
	b.len = NLMSG_SPACE(sizeof(*rtm));
	h->nlmsg_type = n > 0 ? RTM_NEWROUTE : RTM_DELROUTE;
	h->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	h->nlmsg_seq = seq;
	rtm = NLMSG_DATA(h);
	rtm->rtm_family = p->family;
	rtm->rtm_dst_len = p->len;
	rtm->rtm_table = nl->table < 256 ? (unsigned char)nl->table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = nl->protocol;
	rtm->rtm_type = n > 0 ? RTN_UNICAST : RTN_UNSPEC;
	rtm->rtm_scope = RT_SCOPE_NOWHERE;
	fnl_attr(&b, RTA_TABLE, &nl->table, sizeof(nl->table));
	fnl_attr(&b, RTA_DST, p->addr, alen);
	fnl_attr(&b, RTA_PRIORITY, &metric, sizeof(metric));
	if (n == 1) {
		if (nhs[0].family != AF_UNSPEC) {
			fnl_attr(&b, RTA_GATEWAY, nhs[0].addr, alen);
			gateway = true;
		}
		if (nhs[0].ifindex != 0)
			fnl_attr(&b, RTA_OIF, &nhs[0].ifindex, sizeof(nhs[0].ifindex));
	} else if (n > 1) {
		size_t start = b.len;
		struct rtattr *mp = fnl_attr(&b, RTA_MULTIPATH, NULL, 0);

		for (size_t i = 0; i < n && !b.overflow; i++) {
			size_t nh_start = b.len;
			struct rtnexthop *rtnh;

			if (b.len + RTNH_SPACE(0) > b.cap) {
				b.overflow = true;
				break;
			}
			rtnh = (struct rtnexthop *)(b.p + b.len);
			memset(rtnh, 0, sizeof(*rtnh));
			rtnh->rtnh_ifindex = nhs[i].ifindex;
			b.len += RTNH_SPACE(0);
			if (nhs[i].family != AF_UNSPEC) {
				fnl_attr(&b, RTA_GATEWAY, nhs[i].addr, alen);
				gateway = true;
			}
			rtnh->rtnh_len = (unsigned short)(b.len - nh_start);
		}
		if (mp != NULL)
			mp->rta_len = (unsigned short)(b.len - start);
	}
	if (b.overflow)
		return 0;
	/* rtm_scope is the distance to the destination (rtnetlink(7)), as
	 * fnl_route_new() sets it. */
	if (n > 0)
		rtm->rtm_scope = gateway ? RT_SCOPE_UNIVERSE : RT_SCOPE_LINK;
	h->nlmsg_len = (uint32_t)b.len;
	return b.len;
}

static struct fnl_req *
fnl_ring_at(const struct fnl_pipe *pp, size_t i)
{
	return &pp->ring[(pp->head + i) % pp->cap];
}

static const struct prefix *
fnl_req_key(const void *ctx, uint32_t slot)
{
	return &((const struct fnl_pipe *)ctx)->ring[slot].prefix;
}

/* The reason text for an errno and the kernel's extended-ACK text. */
static void
fnl_reason(char *buf, size_t len, int err, const char *kmsg)
{
	if (kmsg[0] != '\0')
		snprintf(buf, len, "%s (%s)", kmsg, strerror(err));
	else
		snprintf(buf, len, "%s", strerror(err));
}

/* What the kernel holds of ours, read once when answers were dropped. */
struct fnl_snapshot {
	struct fib *routes; /* a memory fib; NULL until read */
	bool failed;
};

static void
fnl_snap_one(struct fnl *nl, const struct fnl_seen *s, void *arg)
{
	(void)nl;
	if (s->unicast && s->n > 0 && s->n <= FIB_NEXTHOP_MAX && !s->foreign_nh)
		fib_route_set(arg, &s->prefix, s->nhs, s->n, s->metric);
}

/* Does the kernel's route r carry exactly our next hops?  The kernel fills
 * in the interface it chose where we gave none. */
static bool
fnl_nhs_match(const struct fib_route *r, const struct fib_nexthop *nhs, size_t n)
{
	if (r->n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t k = 0; k < r->n && !found; k++) {
			const struct fib_nexthop *have = &r->nhs[k];

			found = have->family == nhs[i].family &&
				memcmp(have->addr, nhs[i].addr, fnl_addr_len(nhs[i].family)) == 0 &&
				(nhs[i].ifindex == 0 || have->ifindex == nhs[i].ifindex);
		}
		if (!found)
			return false;
	}
	return true;
}

/*
 * A request whose answer was dropped: the kernel handled it, but how?  One
 * dump of our routes (shared by every lost request of this read) tells for
 * most; a change the dump does not show as made is done again
 * synchronously, which also gives the kernel's reason if it fails.
 * Returns rc; the reason, if any, in nl->base.error.
 */
static int
fnl_resolve_lost(struct fnl *nl, const struct fnl_req *req, struct fnl_snapshot *snap)
{
	const struct fib_nexthop *nhs = req->n > 1 ? req->nhs : &req->nh1;
	struct fib_route r;
	bool has;

	if (snap->routes == NULL && !snap->failed) {
		snap->routes = fib_memory_new();
		if (snap->routes == NULL || fnl_dump(nl, AF_INET, NULL, fnl_snap_one, snap->routes) < 0 ||
		    fnl_dump(nl, AF_INET6, NULL, fnl_snap_one, snap->routes) < 0) {
			fib_free(snap->routes);
			snap->routes = NULL;
			snap->failed = true;
		}
	}
	nl->base.error[0] = '\0';
	if (snap->routes != NULL) {
		has = fib_route_find(snap->routes, &req->prefix, &r) && r.metric == req->metric;
		if (req->op == FNL_OP_SET && has && fnl_nhs_match(&r, nhs, req->n))
			return fib_route_set(nl->installed, &req->prefix, nhs, req->n, req->metric);
		if (req->op == FNL_OP_DEL && !has)
			return fib_route_del(nl->installed, &req->prefix);
	}
	return req->op == FNL_OP_SET ? fnl_set_sync(nl, &req->prefix, nhs, req->n, req->metric)
				     : fnl_del_sync(nl, &req->prefix);
}

/*
 * The oldest request has its answer: err 0 (done) or the kernel's errno,
 * or lost (the answer was dropped; snap helps find out what happened).
 * Bring the record up to date and report.
 */
static void
fnl_complete(struct fnl *nl, int err, const char *kmsg, bool lost, struct fnl_snapshot *snap)
{
	struct fnl_pipe *pp = &nl->pipe;
	struct fnl_req req = *fnl_ring_at(pp, 0);
	const struct fib_nexthop *nhs = req.n > 1 ? req.nhs : &req.nh1;
	char reason[FIB_ERR_MAX] = "", pbuf[PREFIX_STRLEN];
	int rc = 0;

	/* Off the ring first: what follows may report, and the callback sees
	 * a consistent fib. */
	pfxhash_remove(&pp->index, &req.prefix);
	pp->head = (pp->head + 1) % pp->cap;
	pp->count--;
	if (lost)
		pp->lost++;

	if (lost) {
		rc = fnl_resolve_lost(nl, &req, snap);
		if (rc < 0)
			snprintf(reason, sizeof(reason), "%s", nl->base.error);
	} else if (req.op == FNL_OP_SET && err == EEXIST && req.excl) {
		/* EEXIST for a new route: a route to p at this metric is in
		 * the table; the synchronous path tells ours (a previous run's
		 * that fib_mark_stale() did not adopt) from another
		 * protocol's. */
		rc = req.op == FNL_OP_SET ? fnl_set_sync(nl, &req.prefix, nhs, req.n, req.metric)
					  : fnl_del_sync(nl, &req.prefix);
		if (rc < 0)
			snprintf(reason, sizeof(reason), "%s", nl->base.error);
	} else if (req.op == FNL_OP_SET) {
		if (err != 0) {
			fnl_reason(reason, sizeof(reason), err, kmsg);
			rc = -1;
		} else if (fib_route_set(nl->installed, &req.prefix, nhs, req.n, req.metric) < 0) {
			snprintf(reason, sizeof(reason), "%s", fib_last_error(nl->installed));
			log_err("fib", "%s installed but not recorded: %s",
				prefix_format(&req.prefix, pbuf, sizeof(pbuf)), reason);
			rc = -1;
		}
	} else {
		/* ESRCH: gone already (the kernel drops routes itself when their
		 * interface goes). */
		if (err != 0 && err != ESRCH) {
			fnl_reason(reason, sizeof(reason), err, kmsg);
			rc = -1;
		} else {
			fib_route_del(nl->installed, &req.prefix);
		}
	}
	if (req.report) {
		fib_report(&nl->base, &req.prefix, req.op == FNL_OP_DEL, rc, reason);
	} else if (rc == 0) {
		pp->removed++;
	} else {
		pp->failed++;
		snprintf(pp->last_failure, sizeof(pp->last_failure), "%s: %s",
			 prefix_format(&req.prefix, pbuf, sizeof(pbuf)), reason);
		log_warn("fib", "could not remove %s", pp->last_failure);
	}
	if (req.n > 1)
		free(req.nhs);
}

/* Answers per recvmmsg(), and room for each (an acknowledgement is 36
 * bytes, an error with the kernel's text a few hundred). */
#define FNL_RECV_BATCH 64
#define FNL_RECV_SLOT  1024

/* One answer: complete every older request as lost (its answer was
 * dropped), then the one it answers. */
static size_t
fnl_answer(struct fnl *nl, const struct nlmsghdr *h, struct fnl_snapshot *snap)
{
	struct fnl_pipe *pp = &nl->pipe;
	char kmsg[sizeof(nl->kmsg)];
	size_t done = 0;
	int err;

	if (h->nlmsg_type != NLMSG_ERROR)
		return 0;
	err = fnl_ack_parse(h, kmsg, sizeof(kmsg));
	while (pp->count > 0 && fnl_ring_at(pp, 0)->sent &&
	       (int32_t)(h->nlmsg_seq - fnl_ring_at(pp, 0)->seq) > 0) {
		fnl_complete(nl, 0, "", true, snap);
		done++;
	}
	if (pp->count > 0 && fnl_ring_at(pp, 0)->sent && fnl_ring_at(pp, 0)->seq == h->nlmsg_seq) {
		fnl_complete(nl, err, kmsg, false, snap);
		done++;
	}
	return done;
}

/*
 * Read every answer waiting.  The kernel handles a request inside the
 * sendmsg() that carries it and queues its answer before that returns, so
 * once the socket is empty every request sent has been answered; one whose
 * answer is missing had it dropped (a full receive buffer: ENOBUFS) and is
 * completed as lost.  Never blocks.
 */
static size_t
fnl_read(struct fnl *nl)
{
	struct fnl_pipe *pp = &nl->pipe;
	struct mmsghdr msgs[FNL_RECV_BATCH];
	struct iovec iov[FNL_RECV_BATCH];
	struct fnl_snapshot snap = {0};
	bool overrun = false;
	size_t done = 0;

	for (;;) {
		int got;

		for (int i = 0; i < FNL_RECV_BATCH; i++) {
			iov[i].iov_base = pp->rbuf + (size_t)i * FNL_RECV_SLOT;
			iov[i].iov_len = FNL_RECV_SLOT;
			memset(&msgs[i].msg_hdr, 0, sizeof(msgs[i].msg_hdr));
			msgs[i].msg_hdr.msg_iov = &iov[i];
			msgs[i].msg_hdr.msg_iovlen = 1;
		}
		got = recvmmsg(pp->fd, msgs, FNL_RECV_BATCH, MSG_DONTWAIT, NULL);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			if (errno == ENOBUFS) {
				overrun = true;
				continue;
			}
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("fib", "reading netlink answers: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < got; i++) {
			size_t len = msgs[i].msg_len;
			const struct nlmsghdr *h = iov[i].iov_base;

			for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len))
				done += fnl_answer(nl, h, &snap);
		}
		if (got < FNL_RECV_BATCH)
			break;
	}
	if (overrun)
		log_notice("fib", "netlink answers dropped (receive buffer full); checking the "
				  "changes concerned one by one");
	while (pp->count > 0 && fnl_ring_at(pp, 0)->sent) {
		fnl_complete(nl, 0, "", true, &snap);
		done++;
	}
	fib_free(snap.routes);
	return done;
}

/* Send the batch built so far.  A batch the kernel refuses whole leaves
 * its requests unanswered, and fnl_read() then redoes them one by one. */
static void
fnl_send(struct fnl *nl)
{
	struct fnl_pipe *pp = &nl->pipe;
	ssize_t rc;

	if (pp->len == 0)
		return;
	do
		rc = send(pp->fd, pp->buf, pp->len, 0);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		log_warn("fib", "sending %zu bytes of route changes: %s", pp->len, strerror(errno));
	for (size_t i = pp->count; i > 0 && !fnl_ring_at(pp, i - 1)->sent; i--)
		fnl_ring_at(pp, i - 1)->sent = true;
	pp->len = 0;
}

void
fnl_drain_all(struct fnl *nl)
{
	while (nl->pipe.count > 0) {
		fnl_send(nl);
		fnl_read(nl);
	}
}

/* Before a request for p: p's previous one answered, a free slot, room in
 * the batch. */
void
fnl_make_room(struct fnl *nl, const struct prefix *p)
{
	struct fnl_pipe *pp = &nl->pipe;

	if (pp->count == pp->cap || pfxhash_find(&pp->index, p) != PFXHASH_NONE) {
		fnl_send(nl);
		fnl_read(nl);
	}
	if (FNL_BATCH_BYTES - pp->len < FNL_MSG_MAX)
		fnl_send(nl);
}

/* Build and add a request (after fnl_make_room).  0, or -1 with a reason. */
int
fnl_push(struct fnl *nl, enum fnl_op op, bool report, uint16_t flags, const struct prefix *p,
	 const struct fib_nexthop *nhs, size_t n, uint32_t metric)
{
	struct fnl_pipe *pp = &nl->pipe;
	struct fnl_req *r = fnl_ring_at(pp, pp->count);
	uint32_t seq = pp->next_seq;
	size_t len = fnl_build(nl, pp->buf + pp->len, FNL_BATCH_BYTES - pp->len, flags, seq, p,
			       nhs, op == FNL_OP_SET ? n : 0, metric);

	if (len == 0) {
		fib_set_error(&nl->base, "route request too large");
		return -1;
	}
	memset(r, 0, sizeof(*r));
	if (op == FNL_OP_SET && n > 1) {
		r->nhs = malloc(n * sizeof(*nhs));
		if (r->nhs == NULL) {
			fib_set_error(&nl->base, "out of memory");
			return -1;
		}
		memcpy(r->nhs, nhs, n * sizeof(*nhs));
	} else if (op == FNL_OP_SET) {
		r->nh1 = nhs[0];
	}
	r->prefix = *p;
	r->op = (uint8_t)op;
	r->excl = (flags & NLM_F_EXCL) != 0;
	r->report = report;
	r->seq = seq;
	r->metric = metric;
	r->n = op == FNL_OP_SET ? (uint32_t)n : 0;
	if (pfxhash_insert(&pp->index, (uint32_t)((pp->head + pp->count) % pp->cap)) < 0) {
		free(r->nhs);
		fib_set_error(&nl->base, "out of memory");
		return -1;
	}
	pp->next_seq++;
	pp->count++;
	pp->len += len;
	return 0;
}

int
fnl_set_queued(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	       uint32_t metric)
{
	struct fnl *nl = fnl_of(f);
	struct fib_route old;
	bool had;
	int rc;

	fnl_make_room(nl, p);
	had = fib_route_find(nl->installed, p, &old);
	if (had && old.metric != metric) {
		/* A metric change is two steps, make before break: rare
		 * enough to do synchronously. */
		rc = fnl_set_sync(nl, p, nhs, n, metric);
		fib_report(f, p, false, rc, rc == 0 ? "" : f->error);
		f->error[0] = '\0';
		return 0;
	}
	return fnl_push(nl, FNL_OP_SET, true, NLM_F_CREATE | (had ? NLM_F_REPLACE : NLM_F_EXCL), p,
			nhs, n, metric);
}

int
fnl_del_queued(struct fib *f, const struct prefix *p)
{
	struct fnl *nl = fnl_of(f);
	struct fib_route old;

	fnl_make_room(nl, p);
	if (!fib_route_find(nl->installed, p, &old)) {
		fib_report(f, p, true, 0, "");
		return 0;
	}
	return fnl_push(nl, FNL_OP_DEL, true, 0, p, NULL, 0, old.metric);
}

int
fnl_submit(struct fib *f)
{
	fnl_send(fnl_of(f));
	return 0;
}

int
fnl_fd(const struct fib *f)
{
	return fnl_of_const(f)->pipe.fd;
}

size_t
fnl_process(struct fib *f)
{
	return fnl_read(fnl_of(f));
}

void
fnl_drain(struct fib *f)
{
	fnl_drain_all(fnl_of(f));
}

size_t
fnl_in_flight(const struct fib *f)
{
	return fnl_of_const(f)->pipe.count;
}

static int
fnl_set_rcvbuf(int fd, int bytes)
{
	/* SO_RCVBUFFORCE may pass net.core.rmem_max (CAP_NET_ADMIN, which
	 * changing routes takes anyway); SO_RCVBUF is capped by it. */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) == 0)
		return 0;
	return setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

static int
fnl_ring_resize(struct fnl_pipe *pp, size_t cap)
{
	struct fnl_req *ring = calloc(cap, sizeof(*ring));

	if (ring == NULL)
		return -1;
	free(pp->ring);
	pp->ring = ring;
	pp->cap = cap;
	pp->head = 0;
	return 0;
}

int
fib_netlink_tune(struct fib *f, size_t max_in_flight, int rcvbuf)
{
	struct fnl *nl;

	if (f == NULL || !fnl_is(f))
		return -1;
	nl = fnl_of(f);
	fnl_drain_all(nl);
	if (max_in_flight > 0 && fnl_ring_resize(&nl->pipe, max_in_flight) < 0)
		return -1;
	if (rcvbuf > 0 && fnl_set_rcvbuf(nl->pipe.fd, rcvbuf) < 0)
		return -1;
	return 0;
}

size_t
fib_netlink_answers_lost(const struct fib *f)
{
	return f != NULL && fnl_is(f) ? fnl_of_const(f)->pipe.lost : 0;
}

int
fnl_pipe_open(struct fnl *nl, char *err, size_t errlen)
{
	struct fnl_pipe *pp = &nl->pipe;
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int one = 1, rcvbuf = 0;
	socklen_t optlen = sizeof(rcvbuf);
	size_t cap = FIB_IN_FLIGHT_DEFAULT;

	pfxhash_init(&pp->index, fnl_req_key, pp);
	pp->next_seq = 1;
	pp->fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE);
	if (pp->fd < 0 || bind(pp->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fnl_errf(err, errlen, "netlink socket", strerror(errno));
		return -1;
	}
	/* As on the libnl socket: the kernel's reasons, capped answers. */
	(void)setsockopt(pp->fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	(void)setsockopt(pp->fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	/* Room for the answers to everything in flight: an answer takes
	 * about 1 KiB of buffer accounting (its sk_buff), so keep the number
	 * in flight within what the buffer got. */
	(void)fnl_set_rcvbuf(pp->fd, FNL_RCVBUF);
	/* A batch is one message to the kernel: the send buffer must hold it
	 * (netlink_sendmsg() refuses anything larger, EMSGSIZE). */
	{
		int sndbuf = 2 * FNL_BATCH_BYTES;

		(void)setsockopt(pp->fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	}
	if (getsockopt(pp->fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, &optlen) == 0 && rcvbuf > 0 &&
	    (size_t)rcvbuf / 1024 < cap)
		cap = (size_t)rcvbuf / 1024 > 16 ? (size_t)rcvbuf / 1024 : 16;
	pp->buf = malloc(FNL_BATCH_BYTES);
	pp->rbuf = malloc((size_t)FNL_RECV_BATCH * FNL_RECV_SLOT);
	if (pp->buf == NULL || pp->rbuf == NULL || fnl_ring_resize(pp, cap) < 0) {
		fnl_errf(err, errlen, "out of memory", "");
		return -1;
	}
	return 0;
}

void
fnl_pipe_close(struct fnl_pipe *pp)
{
	/* Changes still in flight are left as the kernel made them, as
	 * fib_free() leaves the table. */
	for (size_t i = 0; i < pp->count; i++)
		if (fnl_ring_at(pp, i)->n > 1)
			free(fnl_ring_at(pp, i)->nhs);
	if (pp->fd >= 0)
		close(pp->fd);
	pp->fd = -1;
	pfxhash_fini(&pp->index);
	free(pp->ring);
	free(pp->buf);
	free(pp->rbuf);
}
