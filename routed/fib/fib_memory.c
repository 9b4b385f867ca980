/*
 * fib_memory.c - the in-memory FIB, and what every backend shares.
 *
 * Three parts:
 *   - the public entry points of fib.h: they check and normalise their
 *     arguments once, clear the error, and call the backend through its
 *     struct fib_ops (strongSwan's kernel_interface does the same in front
 *     of its kernel_ipsec backends);
 *   - the checks themselves (fib_route_check) and next-hop helpers;
 *   - the memory backend: a radix tree per family holding each route's
 *     metric, stale mark and next hops.  It stands in for the kernel in unit
 *     tests of the RIB, and the netlink backend keeps one as its record of
 *     what it installed, so both share one implementation of stale marking,
 *     sweeping, flushing and walking.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fib.h"
#include "radix.h"

/* What the kernel stores for an IPv6 route given metric 0
 * (IP6_RT_PRIO_USER, include/uapi/linux/ipv6_route.h). */
#define FIB_IP6_METRIC_DEFAULT 1024

static size_t
addr_len(int family)
{
	return family == AF_INET ? 4 : family == AF_INET6 ? 16 : 0;
}

/* ---- errors ---------------------------------------------------------- */

void
fib_set_error(struct fib *f, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(f->error, sizeof(f->error), fmt, ap);
	va_end(ap);
}

const char *
fib_last_error(const struct fib *f)
{
	return f != NULL ? f->error : "no fib";
}

/* ---- next hops --------------------------------------------------------- */

bool
fib_nexthop_equal(const struct fib_nexthop *a, const struct fib_nexthop *b)
{
	return a->family == b->family && a->ifindex == b->ifindex &&
	       memcmp(a->addr, b->addr, addr_len(a->family)) == 0;
}

const char *
fib_nexthop_format(const struct fib_nexthop *nh, char *buf, size_t buflen)
{
	char addr[INET6_ADDRSTRLEN];
	int len;

	if (buflen == 0)
		return buf;
	buf[0] = '\0';
	if (nh->family == AF_UNSPEC) {
		len = snprintf(buf, buflen, "ifindex %d", nh->ifindex);
	} else if (nh->family == AF_INET || nh->family == AF_INET6) {
		if (inet_ntop(nh->family, nh->addr, addr, sizeof(addr)) == NULL)
			return buf;
		if (nh->ifindex != 0)
			len = snprintf(buf, buflen, "%s ifindex %d", addr, nh->ifindex);
		else
			len = snprintf(buf, buflen, "%s", addr);
	} else {
		return buf;
	}
	if (len < 0 || (size_t)len >= buflen)
		buf[0] = '\0';
	return buf;
}

static bool
all_zero(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (b[i] != 0)
			return false;
	return true;
}

/* Copy with the bytes a family does not use cleared, so that next hops
 * compare and hash by value. */
static void
nexthops_normalise(const struct fib_nexthop *in, size_t n, struct fib_nexthop *out)
{
	for (size_t i = 0; i < n; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].family = in[i].family;
		out[i].ifindex = in[i].ifindex;
		memcpy(out[i].addr, in[i].addr, addr_len(in[i].family));
	}
}

/* Write a reason (if there is room for one) and return -1. */
static int check_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int
check_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return -1;
}

int
fib_route_check(const struct prefix *p, const struct fib_nexthop *nhs, size_t n, char *err,
		size_t errlen)
{
	char pbuf[PREFIX_STRLEN], nbuf[FIB_NEXTHOP_STRLEN];

	if (p == NULL || !prefix_valid(p))
		return check_fail(err, errlen, "invalid prefix");
	if (prefix_has_host_bits(p))
		return check_fail(err, errlen, "prefix %s has host bits set",
				  prefix_format(p, pbuf, sizeof(pbuf)));
	if (n == 0 || nhs == NULL)
		return check_fail(err, errlen, "no next hop");
	if (n > FIB_NEXTHOP_MAX)
		return check_fail(err, errlen, "too many next hops (%zu, at most %d)", n,
				  FIB_NEXTHOP_MAX);

	for (size_t i = 0; i < n; i++) {
		const struct fib_nexthop *nh = &nhs[i];

		/* nbuf is filled only on the way to an error: formatting every
		 * next hop would dominate installing a large table. */
		if (nh->ifindex < 0)
			return check_fail(err, errlen, "next hop with interface index %d",
					  nh->ifindex);
		if (nh->family == AF_UNSPEC) {
			/* No gateway: the kernel needs the device to send on. */
			if (nh->ifindex == 0)
				return check_fail(err, errlen,
						  "next hop has neither gateway nor interface");
		} else if (nh->family != AF_INET && nh->family != AF_INET6) {
			return check_fail(err, errlen, "next hop of unknown address family %d",
					  nh->family);
		} else if (nh->family != p->family) {
			/* An IPv4 route over an IPv6 next hop (RFC 8950) needs
			 * RTA_VIA; not built yet. */
			return check_fail(err, errlen,
					  "next hop %s is not of the route's address family",
					  fib_nexthop_format(nh, nbuf, sizeof(nbuf)));
		} else if (all_zero(nh->addr, addr_len(nh->family))) {
			return check_fail(err, errlen, "next hop gateway is all zeros");
		} else if (nh->family == AF_INET6 && nh->addr[0] == 0xfe &&
			   (nh->addr[1] & 0xc0) == 0x80 && nh->ifindex == 0) {
			/* RFC 4291 section 2.5.6: a link-local address means
			 * something only on one link, so it needs one. */
			return check_fail(err, errlen, "link-local next hop %s needs an interface",
					  fib_nexthop_format(nh, nbuf, sizeof(nbuf)));
		}
		for (size_t j = 0; j < i; j++) {
			struct fib_nexthop a, b;

			nexthops_normalise(&nhs[i], 1, &a);
			nexthops_normalise(&nhs[j], 1, &b);
			if (fib_nexthop_equal(&a, &b))
				return check_fail(err, errlen, "next hop %s given twice",
						  fib_nexthop_format(nh, nbuf, sizeof(nbuf)));
		}
	}
	if (errlen > 0)
		err[0] = '\0';
	return 0;
}

/* ---- public entry points ---------------------------------------------- */

/* A normalised copy of p for lookups (host bits ignored); false, with the
 * error set, when p is not a prefix at all. */
static bool
lookup_key(struct fib *f, const struct prefix *p, struct prefix *key)
{
	if (p == NULL || !prefix_valid(p)) {
		if (f != NULL)
			fib_set_error(f, "invalid prefix");
		return false;
	}
	*key = *p;
	prefix_normalize(key);
	return true;
}

void
fib_free(struct fib *f)
{
	if (f != NULL)
		f->ops->destroy(f);
}

int
fib_route_set(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	      uint32_t metric)
{
	struct fib_nexthop norm[FIB_NEXTHOP_MAX];
	struct prefix key;

	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	if (fib_route_check(p, nhs, n, f->error, sizeof(f->error)) < 0)
		return -1;
	key = *p;
	prefix_normalize(&key); /* clears IPv4's unused bytes */
	nexthops_normalise(nhs, n, norm);
	if (key.family == AF_INET6 && metric == 0)
		metric = FIB_IP6_METRIC_DEFAULT;
	return f->ops->route_set(f, &key, norm, n, metric);
}

int
fib_route_del(struct fib *f, const struct prefix *p)
{
	struct prefix key;

	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	if (!lookup_key(f, p, &key))
		return -1;
	return f->ops->route_del(f, &key);
}

int
fib_route_get(struct fib *f, const struct prefix *p, struct fib_nexthop *nhs, size_t max)
{
	struct prefix key;

	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	if (!lookup_key(f, p, &key))
		return -1;
	if (nhs == NULL)
		max = 0;
	return f->ops->route_get(f, &key, nhs, max);
}

bool
fib_route_find(const struct fib *f, const struct prefix *p, struct fib_route *out)
{
	struct prefix key;

	if (f == NULL || out == NULL || !lookup_key(NULL, p, &key))
		return false;
	return f->ops->route_find(f, &key, out);
}

int
fib_walk(const struct fib *f, fib_walk_fn fn, void *arg)
{
	if (f == NULL || fn == NULL)
		return 0;
	return f->ops->walk(f, fn, arg);
}

int
fib_mark_stale(struct fib *f)
{
	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	return f->ops->mark_stale(f);
}

int
fib_sweep(struct fib *f, size_t *removed)
{
	size_t dummy;

	if (removed == NULL)
		removed = &dummy;
	*removed = 0;
	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	return f->ops->sweep(f, removed);
}

int
fib_flush(struct fib *f, size_t *removed)
{
	size_t dummy;

	if (removed == NULL)
		removed = &dummy;
	*removed = 0;
	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	return f->ops->flush(f, removed);
}

size_t
fib_count(const struct fib *f)
{
	return f != NULL ? f->ops->count(f) : 0;
}

static int
count_stale(const struct fib_route *r, void *arg)
{
	if (r->stale)
		(*(size_t *)arg)++;
	return 0;
}

size_t
fib_stale_count(const struct fib *f)
{
	size_t n = 0;

	fib_walk(f, count_stale, &n);
	return n;
}

/* ---- the memory backend ------------------------------------------------ */

struct mem_route {
	uint32_t metric;
	bool stale;
	size_t n;
	struct fib_nexthop nhs[]; /* n of them */
};

struct fib_mem {
	struct fib base; /* first: a struct fib * is a struct fib_mem * */
	struct radix_tree *v4;
	struct radix_tree *v6;
	bool refuse;
	struct prefix refuse_within;
	char refuse_reason[FIB_ERR_MAX];
};

static const struct fib_ops mem_ops;

static struct fib_mem *
mem_of(struct fib *f)
{
	return (struct fib_mem *)f;
}

static const struct fib_mem *
mem_of_const(const struct fib *f)
{
	return (const struct fib_mem *)f;
}

static struct radix_tree *
mem_tree(const struct fib_mem *m, int family)
{
	return family == AF_INET ? m->v4 : m->v6;
}

static void
mem_free_value(void *value, void *arg)
{
	(void)arg;
	free(value);
}

static void
mem_destroy(struct fib *f)
{
	struct fib_mem *m = mem_of(f);

	radix_free(m->v4, mem_free_value, NULL);
	radix_free(m->v6, mem_free_value, NULL);
	free(m);
}

struct fib *
fib_memory_new(void)
{
	struct fib_mem *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->base.ops = &mem_ops;
	m->v4 = radix_new(AF_INET);
	m->v6 = radix_new(AF_INET6);
	if (m->v4 == NULL || m->v6 == NULL) {
		mem_destroy(&m->base);
		return NULL;
	}
	return &m->base;
}

int
fib_memory_refuse(struct fib *f, const struct prefix *within, const char *reason)
{
	struct fib_mem *m;

	if (f == NULL || f->ops != &mem_ops)
		return -1;
	m = mem_of(f);
	if (within == NULL) {
		m->refuse = false;
		return 0;
	}
	if (!prefix_valid(within))
		return -1;
	m->refuse = true;
	m->refuse_within = *within;
	snprintf(m->refuse_reason, sizeof(m->refuse_reason), "%s",
		 reason != NULL ? reason : "refused");
	return 0;
}

static int
mem_route_set(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs, size_t n,
	      uint32_t metric)
{
	struct fib_mem *m = mem_of(f);
	struct mem_route *r, *old = NULL;

	if (m->refuse && prefix_contains(&m->refuse_within, p)) {
		fib_set_error(f, "%s", m->refuse_reason);
		return -1;
	}
	r = malloc(sizeof(*r) + n * sizeof(r->nhs[0]));
	if (r == NULL) {
		fib_set_error(f, "out of memory");
		return -1;
	}
	r->metric = metric;
	r->stale = false;
	r->n = n;
	memcpy(r->nhs, nhs, n * sizeof(nhs[0]));
	if (radix_insert(mem_tree(m, p->family), p, r, (void **)&old) < 0) {
		free(r);
		fib_set_error(f, "out of memory");
		return -1;
	}
	free(old);
	return 0;
}

static int
mem_route_del(struct fib *f, const struct prefix *p)
{
	struct fib_mem *m = mem_of(f);

	free(radix_delete(mem_tree(m, p->family), p));
	return 0;
}

static bool
mem_route_find(const struct fib *f, const struct prefix *p, struct fib_route *out)
{
	const struct fib_mem *m = mem_of_const(f);
	const struct mem_route *r = radix_lookup_exact(mem_tree(m, p->family), p);

	if (r == NULL)
		return false;
	out->prefix = *p;
	out->metric = r->metric;
	out->stale = r->stale;
	out->n = r->n;
	out->nhs = r->nhs;
	return true;
}

static int
mem_route_get(struct fib *f, const struct prefix *p, struct fib_nexthop *nhs, size_t max)
{
	struct fib_route r;

	if (!mem_route_find(f, p, &r))
		return 0;
	if (max > 0) /* nhs may be NULL when max is 0 */
		memcpy(nhs, r.nhs, (r.n < max ? r.n : max) * sizeof(nhs[0]));
	return (int)r.n;
}

struct mem_walk {
	fib_walk_fn fn;
	void *arg;
};

static int
mem_walk_one(const struct prefix *p, void *value, void *arg)
{
	const struct mem_route *mr = value;
	const struct mem_walk *w = arg;
	struct fib_route r = {
		.prefix = *p,
		.metric = mr->metric,
		.stale = mr->stale,
		.n = mr->n,
		.nhs = mr->nhs,
	};

	return w->fn(&r, w->arg);
}

static int
mem_walk(const struct fib *f, fib_walk_fn fn, void *arg)
{
	const struct fib_mem *m = mem_of_const(f);
	struct mem_walk w = {.fn = fn, .arg = arg};
	int rc = radix_walk(m->v4, mem_walk_one, &w);

	return rc != 0 ? rc : radix_walk(m->v6, mem_walk_one, &w);
}

static int
mem_mark_one(const struct prefix *p, void *value, void *arg)
{
	(void)p;
	(void)arg;
	((struct mem_route *)value)->stale = true;
	return 0;
}

static int
mem_mark_stale(struct fib *f)
{
	struct fib_mem *m = mem_of(f);

	radix_walk(m->v4, mem_mark_one, NULL);
	radix_walk(m->v6, mem_mark_one, NULL);
	return 0;
}

/* The tree must not change during a walk (radix.h), so removals collect
 * their prefixes first. */
struct mem_collect {
	bool only_stale;
	struct prefix *list;
	size_t n, cap;
	bool nomem;
};

static int
mem_collect_one(const struct prefix *p, void *value, void *arg)
{
	struct mem_collect *c = arg;

	if (c->only_stale && !((struct mem_route *)value)->stale)
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct prefix *list = realloc(c->list, cap * sizeof(*list));

		if (list == NULL) {
			c->nomem = true;
			return 1;
		}
		c->list = list;
		c->cap = cap;
	}
	c->list[c->n++] = *p;
	return 0;
}

static int
mem_remove(struct fib *f, bool only_stale, size_t *removed)
{
	struct fib_mem *m = mem_of(f);
	struct mem_collect c = {.only_stale = only_stale};

	if (radix_walk(m->v4, mem_collect_one, &c) == 0)
		radix_walk(m->v6, mem_collect_one, &c);
	if (c.nomem) {
		free(c.list);
		fib_set_error(f, "out of memory");
		return -1;
	}
	for (size_t i = 0; i < c.n; i++)
		free(radix_delete(mem_tree(m, c.list[i].family), &c.list[i]));
	*removed = c.n;
	free(c.list);
	return 0;
}

static int
mem_sweep(struct fib *f, size_t *removed)
{
	return mem_remove(f, true, removed);
}

static int
mem_flush(struct fib *f, size_t *removed)
{
	return mem_remove(f, false, removed);
}

static size_t
mem_count(const struct fib *f)
{
	const struct fib_mem *m = mem_of_const(f);

	return radix_count(m->v4) + radix_count(m->v6);
}

static const struct fib_ops mem_ops = {
	.name = "memory",
	.route_set = mem_route_set,
	.route_del = mem_route_del,
	.route_get = mem_route_get,
	.route_find = mem_route_find,
	.walk = mem_walk,
	.mark_stale = mem_mark_stale,
	.sweep = mem_sweep,
	.flush = mem_flush,
	.count = mem_count,
	.destroy = mem_destroy,
};
