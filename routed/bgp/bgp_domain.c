/*
 * One Loc-RIB per network domain (docs/domains.md).
 *
 * The RIB keeps one list of paths per prefix, whatever domain each came
 * from; a domain's view of a prefix is the best of the paths it may see:
 * not held, and learned in a domain it sees (domain_view.h) -- its own or
 * one a domain-policy connects directly. Locally originated routes
 * (`network`, `aggregate-address`, `redistribute`) belong to the default
 * domain, where `router bgp` itself is.
 *
 * With only the default domain configured, bgp->domains is NULL and every
 * view is the RIB's own best (bgp_dest_best()): the decision, the output
 * and the FIB cost what they did before domains existed. With more, each
 * domain other than the default has its own forwarding table (struct fib
 * on the domain's kernel table); the default domain keeps bgp->fib, on the
 * main table. Whether a prefix is installed in a domain's table is what
 * that fib recorded (fib_route_find()), and why the kernel refused one is
 * kept in the domain's table of failures (few prefixes ever have one), so
 * struct bgp_dest stays 40 bytes. The kernel's answers are read when the
 * table's netlink socket is readable, as the main table's are.
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <event2/event.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "domain_view.h"
#include "fib.h"
#include "log.h"
#include "pfxhash.h"
#include "slab.h"

#define LOG_TAG "domain"

/* Why the kernel refused a prefix of a domain's table. */
struct domain_failure {
	struct prefix prefix;             /* the key */
	char reason[96];
};

/* The kernel table of a domain other than the default: owned by the
 * struct bgp_domains that points at it, handed on to the next one when a
 * configuration change keeps the domain and its table. */
struct domain_table {
	struct fib *fib;
	struct event *ev;                 /* fib's answers are readable; NULL: read after each batch */
	char name[DOMAIN_NAME_MAX + 1];
	struct slab failure_slab;         /* struct domain_failure, index mode */
	struct pfxhash failures;          /* prefix -> failure_slab index */
};

struct bgp_domains {
	struct domain_view view;
	char names[DOMAIN_MAX][DOMAIN_NAME_MAX + 1];
	uint32_t tables[DOMAIN_MAX];      /* [0]: the main table */
	struct domain_table *tab[DOMAIN_MAX]; /* [0] unused: the default domain's is bgp->fib */
	struct domain_config *config;     /* owned copy: which domain lists which interface */
};

static unsigned path_domain(const struct bgp_path *p)
{
	return p->peer != NULL ? p->peer->domain : 0;
}

const struct bgp_path *bgp_view_best_of(const struct domain_view *v, const struct bgp_dest *dest, unsigned domain)
{
	const struct bgp_path *head = bgp_dest_best(dest);

	/* The RIB's best is the best of every candidate: when this domain
	 * sees it, it is the domain's best too. */
	if (head == NULL || domain_view_sees(v, domain, path_domain(head)))
		return head;
	const struct bgp_path *best = NULL;
	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next)
		if (!p->held && domain_view_sees(v, domain, path_domain(p)) &&
		    (best == NULL || bgp_path_compare(p, best, NULL) < 0))
			best = p;
	return best;
}

const struct bgp_path *bgp_view_best_if_approved(const struct bgp_instance *bgp, const struct bgp_dest *dest,
						 unsigned domain)
{
	const struct bgp_path *best = NULL;

	/* Held paths count as approved here, so the RIB's best (which
	 * never is a held path) is no shortcut: every visible path is
	 * compared. */
	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next)
		if ((bgp->domains == NULL || domain_view_sees(&bgp->domains->view, domain, path_domain(p))) &&
		    (best == NULL || bgp_path_compare(p, best, NULL) < 0))
			best = p;
	return best;
}

size_t bgp_view_multipath_of(const struct domain_view *v, const struct bgp_dest *dest, unsigned domain,
			     unsigned max_paths, const struct bgp_path **out, size_t max)
{
	const struct bgp_path *best = bgp_view_best_of(v, dest, domain);
	size_t n = 0;

	if (best == NULL || max == 0)
		return 0;
	out[n++] = best;
	for (const struct bgp_path *p = dest->paths; p != NULL && n < max && n < max_paths; p = p->next)
		if (p != best && !p->held && domain_view_sees(v, domain, path_domain(p)) &&
		    bgp_path_multipath_equal(best, p))
			out[n++] = p;
	return n;
}

const struct bgp_path *bgp_view_best_slow(const struct bgp_instance *bgp, const struct bgp_dest *dest,
					  unsigned domain)
{
	return bgp_view_best_of(&bgp->domains->view, dest, domain);
}

size_t bgp_view_multipath(const struct bgp_instance *bgp, const struct bgp_dest *dest, unsigned domain,
			  unsigned max_paths, const struct bgp_path **out, size_t max)
{
	if (bgp->domains == NULL)
		return bgp_dest_multipath(dest, max_paths, out, max);
	return bgp_view_multipath_of(&bgp->domains->view, dest, domain, max_paths, out, max);
}

const struct bgp_path *bgp_domain_view_best(const struct bgp_instance *bgp, const struct bgp_dest *dest,
					    unsigned domain)
{
	return bgp_view_best(bgp, dest, domain);
}

const struct bgp_path *bgp_default_view_best(const struct bgp_instance *bgp, const struct bgp_dest *dest)
{
	return bgp_view_best(bgp, dest, 0);
}

const char *bgp_domain_name(const struct bgp_instance *bgp, unsigned domain)
{
	return bgp->domains != NULL && domain < bgp->domains->view.count ? bgp->domains->names[domain]
									  : DOMAIN_DEFAULT_NAME;
}

unsigned bgp_domain_count(const struct bgp_instance *bgp)
{
	return bgp->domains != NULL ? bgp->domains->view.count : 1;
}

int bgp_domain_number_of(const struct bgp_instance *bgp, const char *name)
{
	if (name[0] == '\0' || domain_is_default(name))
		return 0;
	for (unsigned i = 1; bgp->domains != NULL && i < bgp->domains->view.count; i++)
		if (strcmp(bgp->domains->names[i], name) == 0)
			return (int)i;
	return -1;
}

/* ---- forwarding tables of the domains other than the default ------------------ */

static const struct prefix *failure_key(const void *ctx, uint32_t h)
{
	return &((const struct domain_failure *)slab_at(ctx, h))->prefix;
}

/* Record (reason not NULL) or forget why p is not in t's table. */
static void set_failure(struct domain_table *t, const struct prefix *p, const char *reason)
{
	uint32_t h = pfxhash_find(&t->failures, p);
	struct domain_failure *f;

	if (reason == NULL) {
		if (h != PFXHASH_NONE) {
			pfxhash_remove(&t->failures, p);
			slab_free_idx(&t->failure_slab, h);
		}
		return;
	}
	if (h == PFXHASH_NONE) {
		f = slab_alloc_idx(&t->failure_slab, &h);
		if (f == NULL)
			return;
		f->prefix = *p;
		if (pfxhash_insert(&t->failures, h) != 0) {
			slab_free_idx(&t->failure_slab, h);
			return;
		}
	}
	f = slab_at(&t->failure_slab, h);
	snprintf(f->reason, sizeof(f->reason), "%s", reason[0] ? reason : "refused");
}

/* The kernel's answer to a queued change of a domain's table; answers come
 * in the order the changes were queued, so the last one stands. */
static void domain_fib_result(const struct prefix *prefix, bool removal, int rc, const char *reason, void *arg)
{
	struct domain_table *t = arg;
	char pfx[PREFIX_STRLEN];

	if (rc != 0)
		log_info(LOG_TAG, "%s: %s not %s: %s", t->name, prefix_format(prefix, pfx, sizeof(pfx)),
			 removal ? "removed" : "installed", reason);
	if (!removal)
		set_failure(t, prefix, rc == 0 ? NULL : reason);
}

static void on_domain_fib_readable(evutil_socket_t fd, short what, void *arg)
{
	struct domain_table *t = arg;

	(void)fd;
	(void)what;
	fib_process(t->fib);
}

enum bgp_domain_install bgp_domain_installed(const struct bgp_instance *bgp, unsigned domain,
					     const struct bgp_dest *dest, const char **why)
{
	const struct domain_table *t;
	struct fib_route r;

	*why = "";
	if (domain == 0) {
		if (dest->fib_installed)
			return BGP_DOMAIN_INSTALLED;
		*why = bgp_dest_fib_error(bgp->rib, dest);
		return (*why)[0] ? BGP_DOMAIN_REFUSED : BGP_DOMAIN_PENDING;
	}
	t = bgp->domains != NULL && domain < bgp->domains->view.count ? bgp->domains->tab[domain] : NULL;
	if (t == NULL) {
		*why = "the domain has no kernel table";
		return BGP_DOMAIN_REFUSED;
	}
	uint32_t h = pfxhash_find(&t->failures, &dest->prefix);
	if (h != PFXHASH_NONE) {
		*why = ((const struct domain_failure *)slab_at(&t->failure_slab, h))->reason;
		return BGP_DOMAIN_REFUSED;
	}
	return fib_route_find(t->fib, &dest->prefix, &r) ? BGP_DOMAIN_INSTALLED : BGP_DOMAIN_PENDING;
}

/* The previous run's routes still stale in the domains' tables go now:
 * what the domains relearned was installed again (and unmarked) meanwhile. */
static void domain_sweep(void *arg)
{
	struct bgp_instance *bgp = arg;
	struct bgp_domains *ds = bgp->domains;
	size_t removed = 0;

	for (unsigned i = 1; ds != NULL && i < ds->view.count; i++)
		if (ds->tab[i] != NULL && fib_sweep(ds->tab[i]->fib, &removed) == 0 && removed > 0)
			log_notice(LOG_TAG, "%s: removed %zu stale routes of a previous run", ds->names[i], removed);
}

static void domain_fib_close(struct domain_table *t);

static struct domain_table *domain_fib_open(struct bgp_instance *bgp, const char *name, uint32_t table)
{
	char err[FIB_ERR_MAX];
	struct domain_table *t = calloc(1, sizeof(*t));
	struct fib *f = t != NULL ? fib_netlink_new(FIB_PROTO_SKYGATE, table, err, sizeof(err)) : NULL;

	if (f == NULL) {
		log_err(LOG_TAG, "%s: no forwarding table %u: %s; its routes will not be installed", name, table,
			t != NULL ? err : "out of memory");
		free(t);
		return NULL;
	}
	t->fib = f;
	snprintf(t->name, sizeof(t->name), "%s", name);
	slab_init(&t->failure_slab, sizeof(struct domain_failure));
	pfxhash_init(&t->failures, failure_key, &t->failure_slab);
	fib_set_result_fn(f, domain_fib_result, t);
	if (fib_fd(f) >= 0) {
		t->ev = event_new(bgp->loop->base, fib_fd(f), EV_READ | EV_PERSIST, on_domain_fib_readable, t);
		if (t->ev != NULL && event_add(t->ev, NULL) != 0) {
			event_free(t->ev);
			t->ev = NULL;
		}
		if (t->ev == NULL)
			log_warn(LOG_TAG, "%s: cannot watch the table's socket; answers are read after each batch",
				 name);
	}
	/* As the main table (bgp_fib_open()): a previous run's routes keep
	 * forwarding while the domain relearns them; what is not relearned
	 * within BGP_FIB_STALE_SECONDS goes. */
	if (fib_mark_stale(f) == 0 && fib_stale_count(f) > 0) {
		log_notice(LOG_TAG, "%s: %zu routes of a previous run in table %u kept until relearned", name,
			   fib_stale_count(f), table);
		if (!timer_pending(&bgp->domain_sweep) &&
		    (bgp->domain_sweep.ev != NULL || timer_init(&bgp->domain_sweep, bgp->loop, domain_sweep, bgp) == 0))
			timer_start(&bgp->domain_sweep, BGP_FIB_STALE_SECONDS * 1000u);
	}
	return t;
}

static void domain_fib_close(struct domain_table *t)
{
	size_t removed = 0;

	if (t == NULL)
		return;
	if (t->ev != NULL)
		event_free(t->ev);
	fib_set_result_fn(t->fib, NULL, NULL);
	fib_flush(t->fib, &removed);
	fib_free(t->fib);
	pfxhash_fini(&t->failures);
	slab_fini(&t->failure_slab);
	free(t);
}

void bgp_domain_fib_sync(struct bgp_instance *bgp, struct bgp_dest *changed)
{
	struct bgp_domains *ds = bgp->domains;
	struct fib_nexthop nhs[FIB_NEXTHOP_MAX];

	if (ds == NULL)
		return;
	for (unsigned dom = 1; dom < ds->view.count; dom++) {
		struct domain_table *t = ds->tab[dom];
		if (t == NULL)
			continue;
		for (struct bgp_dest *d = changed; d != NULL; d = d->queue_next) {
			size_t n = bgp_fib_nexthops(bgp, d, dom, nhs);
			if (n == 0) {
				/* Not to be installed: no reason to keep. */
				set_failure(t, &d->prefix, NULL);
				fib_route_del_queued(t->fib, &d->prefix);
			} else if (fib_route_set_queued(t->fib, &d->prefix, nhs, n, BGP_FIB_METRIC) != 0) {
				domain_fib_result(&d->prefix, false, -1, fib_last_error(t->fib), t);
			}
		}
		fib_submit(t->fib);
		/* Without a watched socket the answers are read now. */
		if (t->ev == NULL)
			fib_process(t->fib);
	}
}

/* ---- route counts of the views ------------------------------------------------ */

/* `show domain` counts the prefixes each view holds. Scanning the RIB per
 * domain per command costs a decision per prefix per domain; instead the
 * count follows the changes: one bit per destination and domain (by the
 * destination's dense id) says whether the view had a best path when the
 * destination last passed through the change queue. */
struct bgp_domain_counts {
	unsigned domains;                 /* the views counted: bgp_domain_count() when made */
	size_t words;                     /* 64-bit words of each bitmap */
	uint64_t *bits;                   /* domains bitmaps of words words, one after another */
	uint32_t n[DOMAIN_MAX][BGP_AFI_COUNT];
	bool lost;                        /* out of memory once: counted by scanning until the views change */
};

struct view_count {
	const struct bgp_instance *bgp;
	unsigned domain;
	uint32_t n;
};

static int count_one(struct bgp_dest *dest, void *arg)
{
	struct view_count *c = arg;

	c->n += bgp_view_best(c->bgp, dest, c->domain) != NULL;
	return 0;
}

uint32_t bgp_domain_route_count(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi)
{
	const struct bgp_domain_counts *c = bgp->domain_counts;

	if (c != NULL && !c->lost)
		return domain < c->domains ? c->n[domain][afi] : 0;
	/* Not counting (out of memory): the slow way. */
	struct view_count vc = {.bgp = bgp, .domain = domain};
	bgp_rib_scan(bgp->rib, afi, count_one, &vc);
	return vc.n;
}

static void counts_free(struct bgp_instance *bgp)
{
	if (bgp->domain_counts != NULL)
		free(bgp->domain_counts->bits);
	free(bgp->domain_counts);
	bgp->domain_counts = NULL;
}

/* Room for every destination id in use; false out of memory. */
static bool counts_reserve(struct bgp_instance *bgp)
{
	struct bgp_domain_counts *c = bgp->domain_counts;
	size_t want = ((size_t)bgp_rib_dest_id_limit(bgp->rib) + 63) / 64;

	if (c == NULL || c->lost)
		return false;
	if (want <= c->words)
		return true;
	size_t words = c->words ? c->words : 16;
	while (words < want)
		words *= 2;
	uint64_t *bits = calloc(words * c->domains, sizeof(*bits));
	if (bits == NULL) {
		c->lost = true;
		free(c->bits);
		c->bits = NULL;
		return false;
	}
	for (unsigned d = 0; d < c->domains && c->bits != NULL; d++)
		memcpy(bits + d * words, c->bits + d * c->words, c->words * sizeof(*bits));
	free(c->bits);
	c->bits = bits;
	c->words = words;
	return true;
}

void bgp_domain_count_sync(struct bgp_instance *bgp, const struct bgp_dest *changed)
{
	if (changed == NULL || bgp->domain_counts == NULL || bgp->domain_counts->lost)
		return;
	if (!counts_reserve(bgp)) {
		/* Counts that missed a change would be wrong from now on:
		 * `show domain` scans the RIB instead until the next
		 * configuration change starts them afresh. */
		log_err(LOG_TAG, "out of memory counting the domains' routes; counting by scanning");
		return;
	}
	struct bgp_domain_counts *c = bgp->domain_counts;
	for (const struct bgp_dest *d = changed; d != NULL; d = d->queue_next) {
		enum bgp_afi afi = bgp_afi_of(&d->prefix);
		uint64_t mask = (uint64_t)1 << (d->id % 64);
		for (unsigned dom = 0; dom < c->domains; dom++) {
			uint64_t *w = &c->bits[dom * c->words + d->id / 64];
			bool had = (*w & mask) != 0, has = bgp_view_best(bgp, d, dom) != NULL;
			if (had == has)
				continue;
			*w ^= mask;
			if (has)
				c->n[dom][afi]++;
			else
				c->n[dom][afi]--;
		}
	}
}

/* ---- sessions over another domain's interface ---------------------------------- */

/*
 * A neighbor's domain is configured (`neighbor X domain NAME`), and so is
 * each interface's: the two can disagree, say a session to a red peer
 * over an interface listed in blue. Such a session is kept and warned
 * about, not refused: the neighbor's routes stay in its configured
 * domain, and the forwarding filter still drops whatever would cross
 * between unconnected domains, so the disagreement can black-hole
 * traffic but never leak it. A transit gateway treats an attachment's
 * association the same way -- a route table choice, not a reason to drop
 * the attachment -- and refusing would turn a mislabelled interface into
 * an outage of every session over it.
 */
static bool address_matches(const struct sockaddr *sa, const struct bgp_conn *conn)
{
	if (sa->sa_family == AF_INET && conn->has_local4)
		return memcmp(&((const struct sockaddr_in *)(const void *)sa)->sin_addr, conn->local4, 4) == 0;
	if (sa->sa_family == AF_INET6 && conn->has_local6)
		return memcmp(&((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, conn->local6, 16) == 0;
	return false;
}

void bgp_domain_session_check(struct bgp_peer *peer)
{
	struct bgp_conn *conn = peer->conn;
	struct ifaddrs *ifs = NULL;

	if (conn == NULL)
		return;
	conn->ifname[0] = '\0';
	if (getifaddrs(&ifs) != 0)
		return;
	/* A loopback address (multihop sessions) names no attachment. */
	for (const struct ifaddrs *i = ifs; i != NULL && conn->ifname[0] == '\0'; i = i->ifa_next)
		if (i->ifa_addr != NULL && !(i->ifa_flags & IFF_LOOPBACK) && address_matches(i->ifa_addr, conn))
			snprintf(conn->ifname, sizeof(conn->ifname), "%s", i->ifa_name);
	freeifaddrs(ifs);
	const char *other = bgp_domain_session_mismatch(peer);
	if (other != NULL)
		log_warn(LOG_TAG, "%s: the session runs over %s, an interface of domain %s, but the neighbor is in "
			 "domain %s; its routes stay in %s", peer->name, conn->ifname, other,
			 bgp_domain_name(peer->bgp, peer->domain), bgp_domain_name(peer->bgp, peer->domain));
}

const char *bgp_domain_session_mismatch(const struct bgp_peer *peer)
{
	const struct bgp_domains *ds = peer->bgp->domains;

	if (ds == NULL || ds->config == NULL || peer->conn == NULL || peer->conn->ifname[0] == '\0')
		return NULL;
	const struct domain_def *d = domain_of_interface(ds->config, peer->conn->ifname);
	const char *name = d != NULL ? d->name : DOMAIN_DEFAULT_NAME;
	return strcmp(name, bgp_domain_name(peer->bgp, peer->domain)) == 0 ? NULL : name;
}

/* ---- following the configuration ------------------------------------------- */

static bool same_domains(const struct bgp_domains *a, const struct bgp_domains *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	if (a->view.count != b->view.count || memcmp(a->view.sees, b->view.sees, sizeof(a->view.sees)) != 0)
		return false;
	for (unsigned i = 0; i < a->view.count; i++)
		if (strcmp(a->names[i], b->names[i]) != 0 || a->tables[i] != b->tables[i])
			return false;
	return true;
}

void bgp_domain_apply(struct bgp_instance *bgp, const struct routed_config *cfg)
{
	const struct domain_config *dc = cfg->domains;
	struct bgp_domains *old = bgp->domains, *next = NULL;
	bool changed = false;

	if (dc != NULL && dc->count > 0) {
		next = calloc(1, sizeof(*next));
		if (next == NULL || domain_view_build(&next->view, dc) != 0) {
			log_err(LOG_TAG, "cannot build the domains' views (out of memory); keeping the previous ones");
			free(next);
			return;
		}
		snprintf(next->names[0], sizeof(next->names[0]), "%s", DOMAIN_DEFAULT_NAME);
		/* Without it no session is checked against its interface. */
		next->config = domain_config_clone(dc);
		next->tables[0] = DOMAIN_TABLE_MAIN;
		for (size_t i = 0; i < dc->count; i++) {
			snprintf(next->names[i + 1], sizeof(next->names[i + 1]), "%s", dc->domains[i].name);
			next->tables[i + 1] = dc->domains[i].table;
		}
	}
	changed = !same_domains(old, next);
	/* Keep the table of a domain whose name and table stay; open the
	 * others; flush and close what is left over. */
	for (unsigned i = 1; next != NULL && i < next->view.count; i++) {
		for (unsigned k = 1; old != NULL && k < old->view.count && next->tab[i] == NULL; k++) {
			if (old->tab[k] != NULL && old->tables[k] == next->tables[i] &&
			    strcmp(old->names[k], next->names[i]) == 0) {
				next->tab[i] = old->tab[k];
				old->tab[k] = NULL;
			}
		}
		if (next->tab[i] == NULL && bgp->fib != NULL)
			next->tab[i] = domain_fib_open(bgp, next->names[i], next->tables[i]);
	}
	for (unsigned k = 1; old != NULL && k < old->view.count; k++)
		domain_fib_close(old->tab[k]);
	if (old != NULL)
		domain_config_free(old->config);
	free(old);
	bgp->domains = next;

	for (struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		int n = dc != NULL ? domain_view_number(dc, p->cfg.domain) : 0;
		/* The configuration refuses a neighbor in an unknown domain. */
		unsigned dom = n < 0 ? 0 : (unsigned)n;
		changed |= p->domain != dom;
		p->domain = (uint8_t)dom;
	}
	/* Every view may differ now: the output side compares each peer's
	 * Adj-RIB-Out and each table with the new views and sends only the
	 * differences (leaked routes withdrawn, new ones announced). */
	/* Domain numbers may mean other domains now (or counting stopped
	 * for want of memory): count afresh as every destination passes
	 * the queue again. */
	bool recount = changed || bgp->domain_counts == NULL || bgp->domain_counts->lost;
	if (recount) {
		counts_free(bgp);
		bgp->domain_counts = calloc(1, sizeof(*bgp->domain_counts));
		if (bgp->domain_counts != NULL)
			bgp->domain_counts->domains = bgp_domain_count(bgp);
	}
	if (changed || (recount && bgp->domain_counts != NULL))
		bgp_rib_requeue_all(bgp->rib);
}

void bgp_domain_free(struct bgp_instance *bgp)
{
	struct bgp_domains *ds = bgp->domains;

	timer_fini(&bgp->domain_sweep);
	counts_free(bgp);
	if (ds == NULL)
		return;
	for (unsigned k = 1; k < ds->view.count; k++)
		domain_fib_close(ds->tab[k]);
	domain_config_free(ds->config);
	free(ds);
	bgp->domains = NULL;
}

/* ---- show -------------------------------------------------------------------- */


struct view_rows {
	const struct bgp_instance *bgp;
	unsigned domain;
	FILE *out;                     /* text, or */
	struct json_object *routes;    /* JSON */
};

static void path_nexthop_text(const struct bgp_path *p, const struct prefix *prefix, char *buf, size_t len)
{
	const struct bgp_attrs *a = &p->attrs->attrs;

	snprintf(buf, len, "0.0.0.0");
	if (prefix->family == AF_INET && (a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP)))
		inet_ntop(AF_INET, a->nexthop, buf, (socklen_t)len);
	else if (prefix->family == AF_INET6 && a->mp_nexthop.family == AF_INET6)
		inet_ntop(AF_INET6, a->mp_nexthop.global, buf, (socklen_t)len);
	else if (prefix->family == AF_INET6)
		snprintf(buf, len, "::");
}

static const char *path_domain_name(const struct bgp_instance *bgp, const struct bgp_path *p)
{
	return bgp->domains != NULL ? bgp->domains->names[path_domain(p)] : DOMAIN_DEFAULT_NAME;
}

static int show_one(struct bgp_dest *dest, void *arg)
{
	struct view_rows *r = arg;
	const struct bgp_path *best = bgp_view_best(r->bgp, dest, r->domain);
	char pfx[PREFIX_STRLEN], nh[INET6_ADDRSTRLEN];

	if (best == NULL)
		return 0;
	prefix_format(&dest->prefix, pfx, sizeof(pfx));
	path_nexthop_text(best, &dest->prefix, nh, sizeof(nh));
	const char *from = best->peer != NULL ? best->peer->name : "local";
	/* Locally originated routes are not installed by us (docs/fib.md). */
	const char *why = "";
	enum bgp_domain_install st = best->peer != NULL ? bgp_domain_installed(r->bgp, r->domain, dest, &why)
							: BGP_DOMAIN_INSTALLED;
	if (r->out != NULL) {
		fprintf(r->out, "*> %-24s %-24s %-24s %s", pfx, nh, from, path_domain_name(r->bgp, best));
		if (st != BGP_DOMAIN_INSTALLED)
			fprintf(r->out, " (not installed: %s)", st == BGP_DOMAIN_REFUSED ? why : "not installed yet");
		fputc('\n', r->out);
		return 0;
	}
	struct json_object *o = json_object_new_object();
	if (best->peer != NULL)
		json_object_object_add(o, "installed", json_object_new_boolean(st == BGP_DOMAIN_INSTALLED));
	if (st == BGP_DOMAIN_REFUSED)
		json_object_object_add(o, "notInstalledReason", json_object_new_string(why));
	json_object_object_add(o, "nexthop", json_object_new_string(nh));
	json_object_object_add(o, "peer", json_object_new_string(from));
	json_object_object_add(o, "learnedInDomain", json_object_new_string(path_domain_name(r->bgp, best)));
	json_object_object_add(o, "ebgp", json_object_new_boolean(best->ebgp));
	json_object_object_add(r->routes, pfx, o);
	return 0;
}

void bgp_domain_show(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi, FILE *out)
{
	struct view_rows r = {.bgp = bgp, .domain = domain, .out = out};

	fprintf(out, "Domain %s, %s unicast\n", bgp->domains != NULL ? bgp->domains->names[domain] : DOMAIN_DEFAULT_NAME,
		bgp_afi_name(afi));
	fprintf(out, "   %-24s %-24s %-24s %s\n", "Network", "Next Hop", "From", "Learned in");
	bgp_rib_walk(bgp->rib, afi, show_one, &r);
}

struct json_object *bgp_domain_show_json(struct bgp_instance *bgp, unsigned domain, enum bgp_afi afi)
{
	struct json_object *root = json_object_new_object();
	struct view_rows r = {.bgp = bgp, .domain = domain, .routes = json_object_new_object()};

	bgp_rib_walk(bgp->rib, afi, show_one, &r);
	json_object_object_add(root, "domain", json_object_new_string(
		bgp->domains != NULL ? bgp->domains->names[domain] : DOMAIN_DEFAULT_NAME));
	json_object_object_add(root, "afi", json_object_new_string(bgp_afi_name(afi)));
	json_object_object_add(root, "routes", r.routes);
	return root;
}
