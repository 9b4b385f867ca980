/*
 * fib_memory.c - the in-memory FIB, and what every backend shares.
 *
 * Three parts:
 *   - the public entry points of fib.h: they check and normalise their
 *     arguments once, clear the error, and call the backend through its
 *     struct fib_ops (strongSwan's kernel_interface does the same in front
 *     of its kernel_ipsec backends);
 *   - the checks themselves (fib_route_check) and next-hop helpers;
 *   - the memory backend: a prefix hash of compact records holding each route's
 *     metric, stale mark and next hops.  It stands in for the kernel in unit
 *     tests of the RIB, and the netlink backend keeps one as its record of
 *     what it installed, so both share one implementation of stale marking,
 *     sweeping, flushing and walking.
 */
#include <arpa/inet.h>
#include <stddef.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fib.h"
#include "pfxhash.h"
#include "slab.h"

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

/* fib_sweep() and fib_flush(): the same argument checks, then one backend
 * operation that removes routes and counts them. */
static int
remove_routes(struct fib *f, size_t *removed, int (*op)(struct fib *f, size_t *removed))
{
	size_t dummy;

	if (removed == NULL)
		removed = &dummy;
	*removed = 0;
	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	return op(f, removed);
}

int
fib_sweep(struct fib *f, size_t *removed)
{
	return remove_routes(f, removed, f != NULL ? f->ops->sweep : NULL);
}

int
fib_flush(struct fib *f, size_t *removed)
{
	return remove_routes(f, removed, f != NULL ? f->ops->flush : NULL);
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

/* ---- queued changes --------------------------------------------------- */

void
fib_set_result_fn(struct fib *f, fib_result_fn fn, void *arg)
{
	if (f == NULL)
		return;
	f->result_fn = fn;
	f->result_arg = arg;
}

void
fib_report(struct fib *f, const struct prefix *p, bool removal, int rc, const char *reason)
{
	if (f->result_fn != NULL)
		f->result_fn(p, removal, rc, reason != NULL ? reason : "", f->result_arg);
}

int
fib_route_set_queued(struct fib *f, const struct prefix *p, const struct fib_nexthop *nhs,
		     size_t n, uint32_t metric)
{
	struct fib_nexthop norm[FIB_NEXTHOP_MAX];
	struct prefix key;
	int rc;

	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	if (fib_route_check(p, nhs, n, f->error, sizeof(f->error)) < 0)
		return -1;
	key = *p;
	prefix_normalize(&key);
	nexthops_normalise(nhs, n, norm);
	if (key.family == AF_INET6 && metric == 0)
		metric = FIB_IP6_METRIC_DEFAULT;
	if (f->ops->route_set_queued != NULL)
		return f->ops->route_set_queued(f, &key, norm, n, metric);
	rc = f->ops->route_set(f, &key, norm, n, metric);
	fib_report(f, &key, false, rc, rc == 0 ? "" : f->error);
	return 0;
}

int
fib_route_del_queued(struct fib *f, const struct prefix *p)
{
	struct prefix key;
	int rc;

	if (f == NULL)
		return -1;
	f->error[0] = '\0';
	if (!lookup_key(f, p, &key))
		return -1;
	if (f->ops->route_del_queued != NULL)
		return f->ops->route_del_queued(f, &key);
	rc = f->ops->route_del(f, &key);
	fib_report(f, &key, true, rc, rc == 0 ? "" : f->error);
	return 0;
}

int
fib_submit(struct fib *f)
{
	if (f == NULL)
		return -1;
	return f->ops->submit != NULL ? f->ops->submit(f) : 0;
}

int
fib_fd(const struct fib *f)
{
	return f != NULL && f->ops->fd != NULL ? f->ops->fd(f) : -1;
}

size_t
fib_process(struct fib *f)
{
	return f != NULL && f->ops->process != NULL ? f->ops->process(f) : 0;
}

void
fib_drain(struct fib *f)
{
	if (f != NULL && f->ops->drain != NULL)
		f->ops->drain(f);
}

size_t
fib_in_flight(const struct fib *f)
{
	return f != NULL && f->ops->in_flight != NULL ? f->ops->in_flight(f) : 0;
}

/* ---- the memory backend ------------------------------------------------ */

/*
 * A full table is a million routes or more, most at one metric through a
 * handful of next hops.  So a route is a 24-byte record from a slab,
 * indexed by a prefix hash of slab indexes, naming by number an interned,
 * reference-counted set of metric and next hops.  Walks sort a snapshot
 * (pfxhash_sorted), which gives fib_walk()'s order.
 */
struct mem_nhset {
	struct mem_nhset *next; /* hash chain */
	uint64_t hash;
	uint32_t refs;
	uint32_t idx;            /* in fib_mem.by_idx */
	uint32_t metric;
	uint32_t n;
	struct fib_nexthop nhs[]; /* n of them, normalised */
};

struct mem_route {
	struct prefix prefix; /* the key: normalised */
	bool stale;
	uint32_t set;         /* index of its set (one reference held) */
};

#if UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(struct mem_route) == 24, "a FIB record grew past 24 bytes");
#endif

struct fib_mem {
	struct fib base; /* first: a struct fib * is a struct fib_mem * */
	struct pfxhash routes;   /* handles: indexes in route_slab */
	struct slab route_slab;  /* struct mem_route, index mode */
	struct mem_nhset **sets; /* interned next-hop sets, chained */
	size_t nsets_cap, nsets;
	struct mem_nhset **by_idx; /* the same by number; NULL: a free number */
	uint32_t nidx, idx_cap, free_idx; /* free_idx: a free number, or nidx */
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

static uint64_t
nhs_hash(const struct fib_nexthop *nhs, size_t n, uint32_t metric)
{
	/* FNV-1a over the normalised bytes: sets are few and hashed once per
	 * route change. */
	const unsigned char *b = (const unsigned char *)nhs;
	uint64_t h = UINT64_C(0xcbf29ce484222325) ^ metric;

	for (size_t i = 0; i < n * sizeof(*nhs); i++) {
		h ^= b[i];
		h *= UINT64_C(0x100000001b3);
	}
	return h ^ n;
}

static struct mem_route *
mem_route_at(const struct fib_mem *m, uint32_t h)
{
	return slab_at(&m->route_slab, h);
}

static const struct prefix *
mem_route_key(const void *ctx, uint32_t h)
{
	return &mem_route_at(ctx, h)->prefix;
}

/* The record for p, or NULL. */
static struct mem_route *
mem_route_lookup(const struct fib_mem *m, const struct prefix *p)
{
	uint32_t h = pfxhash_find(&m->routes, p);

	return h != PFXHASH_NONE ? mem_route_at(m, h) : NULL;
}

static struct mem_nhset *
mem_set_at(const struct fib_mem *m, uint32_t idx)
{
	return m->by_idx[idx];
}

/* A free number for a new set; -1 out of memory. */
static int
mem_idx_take(struct fib_mem *m, uint32_t *idx)
{
	if (m->free_idx < m->nidx) {
		*idx = m->free_idx;
		/* The next free number: scanning is cheap, sets are few. */
		uint32_t next = m->free_idx + 1;
		while (next < m->nidx && m->by_idx[next] != NULL)
			next++;
		m->free_idx = next;
		return 0;
	}
	if (m->nidx == m->idx_cap) {
		uint32_t cap = m->idx_cap ? m->idx_cap * 2 : 16;
		struct mem_nhset **v = realloc(m->by_idx, cap * sizeof(*v));

		if (v == NULL)
			return -1;
		m->by_idx = v;
		m->idx_cap = cap;
	}
	*idx = m->nidx++;
	m->by_idx[*idx] = NULL;
	m->free_idx = m->nidx;
	return 0;
}

static int
mem_sets_grow(struct fib_mem *m)
{
	size_t cap = m->nsets_cap ? m->nsets_cap * 2 : 16;
	struct mem_nhset **sets = calloc(cap, sizeof(*sets));

	if (sets == NULL)
		return -1;
	for (size_t i = 0; i < m->nsets_cap; i++) {
		while (m->sets[i] != NULL) {
			struct mem_nhset *s = m->sets[i];

			m->sets[i] = s->next;
			s->next = sets[s->hash & (cap - 1)];
			sets[s->hash & (cap - 1)] = s;
		}
	}
	free(m->sets);
	m->sets = sets;
	m->nsets_cap = cap;
	return 0;
}

/* The interned set for metric and nhs[0..n-1] (normalised), one
 * reference for the caller; NULL out of memory. */
static struct mem_nhset *
mem_set_get(struct fib_mem *m, const struct fib_nexthop *nhs, size_t n, uint32_t metric)
{
	uint64_t h = nhs_hash(nhs, n, metric);
	struct mem_nhset *s;

	if (m->nsets >= m->nsets_cap && mem_sets_grow(m) != 0 && m->nsets_cap == 0)
		return NULL;
	for (s = m->sets[h & (m->nsets_cap - 1)]; s != NULL; s = s->next) {
		if (s->hash == h && s->n == n && s->metric == metric &&
		    memcmp(s->nhs, nhs, n * sizeof(*nhs)) == 0) {
			s->refs++;
			return s;
		}
	}
	s = malloc(sizeof(*s) + n * sizeof(s->nhs[0]));
	if (s == NULL)
		return NULL;
	if (mem_idx_take(m, &s->idx) < 0) {
		free(s);
		return NULL;
	}
	m->by_idx[s->idx] = s;
	s->metric = metric;
	s->hash = h;
	s->refs = 1;
	s->n = (uint32_t)n;
	memcpy(s->nhs, nhs, n * sizeof(*nhs));
	s->next = m->sets[h & (m->nsets_cap - 1)];
	m->sets[h & (m->nsets_cap - 1)] = s;
	m->nsets++;
	return s;
}

static void
mem_set_put(struct fib_mem *m, struct mem_nhset *set)
{
	if (set == NULL || --set->refs > 0)
		return;
	for (struct mem_nhset **pp = &m->sets[set->hash & (m->nsets_cap - 1)]; *pp != NULL;
	     pp = &(*pp)->next) {
		if (*pp == set) {
			*pp = set->next;
			break;
		}
	}
	m->nsets--;
	m->by_idx[set->idx] = NULL;
	if (set->idx < m->free_idx)
		m->free_idx = set->idx;
	free(set);
}

static void
mem_route_free(struct fib_mem *m, uint32_t h)
{
	mem_set_put(m, mem_set_at(m, mem_route_at(m, h)->set));
	slab_free_idx(&m->route_slab, h);
}

static void
mem_destroy(struct fib *f)
{
	struct fib_mem *m = mem_of(f);
	size_t pos = 0;
	uint32_t h;

	while ((h = pfxhash_next(&m->routes, &pos)) != PFXHASH_NONE)
		mem_set_put(m, mem_set_at(m, mem_route_at(m, h)->set));
	pfxhash_fini(&m->routes);
	slab_fini(&m->route_slab);
	free(m->sets);
	free(m->by_idx);
	free(m);
}

struct fib *
fib_memory_new(void)
{
	struct fib_mem *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->base.ops = &mem_ops;
	pfxhash_init(&m->routes, mem_route_key, m);
	slab_init(&m->route_slab, sizeof(struct mem_route));
	if (mem_sets_grow(m) != 0) {
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
	struct mem_route *r;
	struct mem_nhset *set;

	if (m->refuse && prefix_contains(&m->refuse_within, p)) {
		fib_set_error(f, "%s", m->refuse_reason);
		return -1;
	}
	set = mem_set_get(m, nhs, n, metric);
	if (set == NULL) {
		fib_set_error(f, "out of memory");
		return -1;
	}
	r = mem_route_lookup(m, p);
	if (r != NULL) {
		mem_set_put(m, mem_set_at(m, r->set));
		r->set = set->idx;
		r->stale = false;
		return 0;
	}
	uint32_t h;
	r = slab_alloc_idx(&m->route_slab, &h);
	if (r == NULL) {
		mem_set_put(m, set);
		fib_set_error(f, "out of memory");
		return -1;
	}
	r->prefix = *p;
	r->set = set->idx;
	if (pfxhash_insert(&m->routes, h) < 0) {
		mem_route_free(m, h);
		fib_set_error(f, "out of memory");
		return -1;
	}
	return 0;
}

static int
mem_route_del(struct fib *f, const struct prefix *p)
{
	struct fib_mem *m = mem_of(f);
	uint32_t h = pfxhash_remove(&m->routes, p);

	if (h != PFXHASH_NONE)
		mem_route_free(m, h);
	return 0;
}

static void
mem_route_fill(const struct fib_mem *m, const struct mem_route *r, struct fib_route *out)
{
	const struct mem_nhset *set = mem_set_at(m, r->set);

	out->prefix = r->prefix;
	out->metric = set->metric;
	out->stale = r->stale;
	out->n = set->n;
	out->nhs = set->nhs;
}

static bool
mem_route_find(const struct fib *f, const struct prefix *p, struct fib_route *out)
{
	const struct fib_mem *m = mem_of_const(f);
	const struct mem_route *r = mem_route_lookup(m, p);

	if (r == NULL)
		return false;
	mem_route_fill(m, r, out);
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

static int
mem_walk(const struct fib *f, fib_walk_fn fn, void *arg)
{
	const struct fib_mem *m = mem_of_const(f);
	uint32_t *list;
	long n = pfxhash_sorted(&m->routes, 0, &list);
	int rc = 0;

	if (n < 0)
		return -1;
	for (long i = 0; i < n && rc == 0; i++) {
		struct fib_route r;

		mem_route_fill(m, mem_route_at(m, list[i]), &r);
		rc = fn(&r, arg);
	}
	free(list);
	return rc;
}

static int
mem_mark_stale(struct fib *f)
{
	struct fib_mem *m = mem_of(f);
	size_t pos = 0;
	uint32_t h;

	while ((h = pfxhash_next(&m->routes, &pos)) != PFXHASH_NONE)
		mem_route_at(m, h)->stale = true;
	return 0;
}

static int
mem_remove(struct fib *f, bool only_stale, size_t *removed)
{
	struct fib_mem *m = mem_of(f);
	uint32_t *list, h;
	size_t n = 0, pos = 0;

	/* The table must not change while it is scanned: collect first. */
	if (pfxhash_count(&m->routes) == 0)
		return 0;
	list = malloc(pfxhash_count(&m->routes) * sizeof(*list));
	if (list == NULL) {
		fib_set_error(f, "out of memory");
		return -1;
	}
	while ((h = pfxhash_next(&m->routes, &pos)) != PFXHASH_NONE)
		if (!only_stale || mem_route_at(m, h)->stale)
			list[n++] = h;
	for (size_t i = 0; i < n; i++) {
		pfxhash_remove(&m->routes, &mem_route_at(m, list[i])->prefix);
		mem_route_free(m, list[i]);
	}
	*removed = n;
	free(list);
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
	return pfxhash_count(&mem_of_const(f)->routes);
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
