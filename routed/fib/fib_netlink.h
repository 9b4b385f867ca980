/*
 * fib_netlink.h - what fib_netlink.c (synchronous changes, dumps, the
 * backend's operations) and fib_netlink_queue.c (queued changes) share.
 * Private to routed/fib/.
 */
#ifndef SKYGATE_FIB_NETLINK_H
#define SKYGATE_FIB_NETLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fib.h"
#include "pfxhash.h"

struct nl_sock;
struct nlmsghdr;

/* Queued changes (fib_netlink_queue.c): raw requests in batches on a
 * socket of their own; the libnl socket (fib_netlink.c) stays for dumps
 * and synchronous changes. */
#define FNL_BATCH_BYTES (64 * 1024) /* under the default sndbuf (212992) */
#define FNL_RCVBUF      (4 * 1024 * 1024)
#define FNL_MSG_MAX     (1024 + FIB_NEXTHOP_MAX * 40) /* one route, generously */

enum fnl_op { FNL_OP_SET, FNL_OP_DEL };

struct fnl_req {
	struct prefix prefix; /* the key of the in-flight index */
	uint8_t op;           /* enum fnl_op */
	bool excl;            /* a new route: NLM_F_EXCL */
	bool report;          /* to the result callback; else a flush or sweep */
	bool sent;
	uint32_t seq;
	uint32_t metric;
	uint32_t n;
	struct fib_nexthop nh1;  /* the next hop when n == 1 */
	struct fib_nexthop *nhs; /* malloc'd when n > 1 */
};

struct fnl_pipe {
	int fd;
	struct fnl_req *ring;
	size_t cap, head, count; /* ring slots, the oldest, how many used */
	struct pfxhash index;    /* prefix -> its request in flight (ring slot) */
	uint32_t next_seq;
	uint8_t *buf;            /* requests built, not sent yet */
	size_t len;
	uint8_t *rbuf;           /* answers */
	size_t rcap;
	/* Outcomes of the removals a flush or sweep queued. */
	size_t removed, failed;
	char last_failure[FIB_ERR_MAX];
	size_t lost; /* answers the kernel dropped, since the start */
};

struct fnl {
	struct fib base; /* first: a struct fib * is a struct fnl * */
	struct nl_sock *sk;
	struct fib *installed; /* memory fib: what we installed, with metrics */
	uint8_t protocol;
	uint32_t table;
	/* The kernel's answer to the last request that failed: the errno of
	 * its NLMSG_ERROR and the extended-ACK text, if any.  libnl turns
	 * errnos into its own coarser codes, so they are caught on the way
	 * in (NL_CB_MSG_IN). */
	int kerr;
	char kmsg[160];
	struct fnl_pipe pipe; /* queued changes (fnl_queue_*) */
};


/* Is f a netlink fib? */
bool fnl_is(const struct fib *f);

static inline struct fnl *
fnl_of(struct fib *f)
{
	return (struct fnl *)f;
}

static inline const struct fnl *
fnl_of_const(const struct fib *f)
{
	return (const struct fnl *)f;
}

static inline size_t
fnl_addr_len(int family)
{
	return family == AF_INET ? 4 : 16;
}

/* err = "text: detail" (errlen may be 0). */
void fnl_errf(char *err, size_t errlen, const char *text, const char *detail);

/* The errno of an NLMSG_ERROR (0 for an acknowledgement) and the kernel's
 * extended-ACK text into kmsg. */
int fnl_ack_parse(const struct nlmsghdr *h, char *kmsg, size_t kmsglen);

/* A route of ours as the kernel reported it. */
struct fnl_seen {
	struct prefix prefix;
	uint32_t metric;
	bool unicast;
	size_t n;                                /* next hops the kernel gave */
	struct fib_nexthop nhs[FIB_NEXTHOP_MAX]; /* the first FIB_NEXTHOP_MAX */
	bool foreign_nh;                         /* one we would not install */
};

typedef void (*fnl_seen_fn)(struct fnl *nl, const struct fnl_seen *s, void *arg);

/* Dump our routes of one family (or of prefix want), calling fn for each;
 * fn must not send.  0, or -1 with the reason set. */
int fnl_dump(struct fnl *nl, int family, const struct prefix *want, fnl_seen_fn fn, void *arg);

/* fib_route_set() and fib_route_del() on the libnl socket, waiting for
 * each answer; 0, or -1 with the reason set. */
int fnl_set_sync(struct fnl *nl, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
		 uint32_t metric);
int fnl_del_sync(struct fnl *nl, const struct prefix *p);

/* ---- fib_netlink_queue.c ---- */

int fnl_pipe_open(struct fnl *nl, char *err, size_t errlen);
void fnl_pipe_close(struct fnl_pipe *pp);
/* Send what is built and read every answer, until nothing is in flight. */
void fnl_drain_all(struct fnl *nl);
/* Before a request for p: p's previous one answered, a free slot, room. */
void fnl_make_room(struct fnl *nl, const struct prefix *p);
/* Build and add a request (after fnl_make_room); 0, or -1 with a reason.
 * report: hand the outcome to the result callback, else count it in
 * pipe.removed/failed (a flush or sweep). */
int fnl_push(struct fnl *nl, enum fnl_op op, bool report, uint16_t flags, const struct prefix *p,
	     const struct fib_nexthop *nhs, size_t n, uint32_t metric);
/* The queued operations of struct fib_ops. */
int fnl_set_queued(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
		   uint32_t metric);
int fnl_del_queued(struct fib *f, const struct prefix *p);
int fnl_submit(struct fib *f);
int fnl_fd(const struct fib *f);
size_t fnl_process(struct fib *f);
void fnl_drain(struct fib *f);
size_t fnl_in_flight(const struct fib *f);

#endif /* SKYGATE_FIB_NETLINK_H */
