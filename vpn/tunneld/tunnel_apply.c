/*
 * tunnel_apply.c - the difference between two configurations, and the
 * data plane following it live (tunnel_apply.h).
 */
#include "tunnel_apply.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "log.h"
#include "tun_dev.h"
#include "tunnel_table.h"

#define LOG_TAG "apply"

/* ---- the difference ------------------------------------------------------------- */

static bool sa_same(const struct tcfg_sa *a, const struct tcfg_sa *b)
{
	return a->present == b->present && a->spi == b->spi && a->alg == b->alg && a->keymat_len == b->keymat_len &&
	       memcmp(a->keymat, b->keymat, a->keymat_len) == 0;
}

static bool prefix_eq(const struct prefix *a, const struct prefix *b)
{
	return a->family == b->family && a->len == b->len &&
	       memcmp(a->addr, b->addr, a->family == AF_INET ? 4 : 16) == 0;
}

static bool has_prefix(const struct tcfg_tunnel *t, const struct prefix *p)
{
	for (size_t i = 0; i < t->inside_count; i++)
		if (prefix_eq(&t->inside[i], p))
			return true;
	return false;
}

static bool addrs_same(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b)
{
	if (a->inside_count != b->inside_count)
		return false;
	for (size_t i = 0; i < a->inside_count; i++)
		if (!has_prefix(b, &a->inside[i]))
			return false;
	return true;
}

/* A tunnel that cannot become the other by changes: its identity
 * differs (kind, or what the workers' GRE state is built from). */
static bool needs_rebuild(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b)
{
	if (a->kind != b->kind)
		return true;
	return a->kind == TCFG_GRE && (!tcfg_same_underlay(a, b) || a->has_key != b->has_key || a->key != b->key);
}

static unsigned changes(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b)
{
	unsigned w = 0;

	if (tcfg_mtu(a) != tcfg_mtu(b))
		w |= TDIFF_MTU;
	if (tcfg_tcp_mss(a) != tcfg_tcp_mss(b))
		w |= TDIFF_MSS;
	if (!addrs_same(a, b))
		w |= TDIFF_ADDRS;
	if (a->shutdown != b->shutdown)
		w |= TDIFF_SHUTDOWN;
	if (a->keepalive_interval != b->keepalive_interval || a->keepalive_retries != b->keepalive_retries)
		w |= TDIFF_KEEPALIVE;
	if (a->kind == TCFG_IPSEC) {
		if (!sa_same(&a->sa_out, &b->sa_out))
			w |= TDIFF_SA_OUT;
		if (!sa_same(&a->sa_in, &b->sa_in))
			w |= TDIFF_SA_IN;
		if (!tcfg_same_underlay(a, b))
			w |= TDIFF_PEER;
		if (a->encap != b->encap)
			w |= TDIFF_ENCAP;
	}
	return w;
}

static const struct tcfg_tunnel *find_complete(const struct tunneld_config *cfg, const char *name)
{
	const struct tcfg_tunnel *t = tcfg_find_const(cfg, name);

	return t != NULL && tcfg_complete(t, NULL, 0) ? t : NULL;
}

void tcfg_diff(const struct tunneld_config *old, const struct tunneld_config *new, struct tdiff_list *out)
{
	out->count = 0;
	/* Removals (and the first half of rebuilds). */
	for (size_t i = 0; i < old->count; i++) {
		const struct tcfg_tunnel *a = &old->tunnels[i], *b;
		if (!tcfg_complete(a, NULL, 0))
			continue;
		b = find_complete(new, a->name);
		if (b == NULL || needs_rebuild(a, b))
			out->d[out->count++] = (struct tdiff){.op = TDIFF_REMOVE, .old = a};
	}
	for (size_t i = 0; i < old->count; i++) {
		const struct tcfg_tunnel *a = &old->tunnels[i], *b;
		if (!tcfg_complete(a, NULL, 0) || (b = find_complete(new, a->name)) == NULL || needs_rebuild(a, b))
			continue;
		unsigned w = changes(a, b);
		if (w != 0)
			out->d[out->count++] = (struct tdiff){.op = TDIFF_CHANGE, .old = a, .new = b, .what = w};
	}
	for (size_t i = 0; i < new->count; i++) {
		const struct tcfg_tunnel *b = &new->tunnels[i], *a;
		if (!tcfg_complete(b, NULL, 0))
			continue;
		a = find_complete(old, b->name);
		if (a == NULL || needs_rebuild(a, b))
			out->d[out->count++] = (struct tdiff){.op = TDIFF_ADD, .new = b};
	}
}

/* ---- SA steps, each with its inverse ------------------------------------------- */

enum sa_step_kind { SA_ADD, SA_REPLACE, SA_DEL, SA_UPDATE };

struct sa_step {
	enum sa_step_kind kind;
	bool inbound;
	const struct tcfg_tunnel *from, *to; /* configurations (with keys) before and after */
};

static int sa_step_run(struct tunneld *td, uint32_t reqid, const struct sa_step *s, bool undo, char *err,
                       size_t errlen)
{
	const struct tcfg_tunnel *from = undo ? s->to : s->from, *to = undo ? s->from : s->to;
	const struct tcfg_sa *sa_to = s->inbound ? &to->sa_in : &to->sa_out;
	const struct tcfg_sa *sa_from = s->inbound ? &from->sa_in : &from->sa_out;

	switch (s->kind) {
	case SA_ADD:
		if (undo) /* the inverse of an add is a delete of what was added */
			return tunnel_sa_del(td, from, sa_from->spi, s->inbound);
		return tunnel_sa_add(td, to, reqid, sa_to, s->inbound, false, err, errlen);
	case SA_DEL:
		if (undo)
			return tunnel_sa_add(td, to, reqid, sa_to, s->inbound, false, err, errlen);
		if (tunnel_sa_del(td, from, sa_from->spi, s->inbound) != 0) {
			snprintf(err, errlen, "tunnel %s: cannot delete the %s SA 0x%x: %s", from->name,
			         s->inbound ? "inbound" : "outbound", sa_from->spi, strerror(errno));
			return -1;
		}
		return 0;
	case SA_REPLACE:
		/* Same SPI and addresses, new algorithm or key: one atomic swap
		 * to a new SA, whose sequence numbers, replay window and
		 * counters start again (ipsec_sa.h, `update`). */
		return tunnel_sa_add(td, to, reqid, sa_to, s->inbound, true, err, errlen);
	case SA_UPDATE: {
		struct ipsec_sa_id id = {.spi = sa_from->spi, .family = tcfg_underlay_af(from)};
		struct ipsec_update_sa up = {.encap = to->encap == TCFG_ENCAP_UDP, .new_family = tcfg_underlay_af(to)};
		memcpy(id.src, s->inbound ? from->destination : from->source, 16);
		memcpy(id.dst, s->inbound ? from->source : from->destination, 16);
		memcpy(up.new_src, s->inbound ? to->destination : to->source, 16);
		memcpy(up.new_dst, s->inbound ? to->source : to->destination, 16);
		if (td->sa_ops->update_sa(td->sadb, &id, &up) != 0) {
			snprintf(err, errlen, "tunnel %s: cannot move the %s SA 0x%x: %s", from->name,
			         s->inbound ? "inbound" : "outbound", sa_from->spi, strerror(errno));
			return -1;
		}
		return 0;
	}
	}
	return -1;
}

/* The SA steps of one direction from a to b. */
static size_t sa_plan(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b, unsigned what, bool inbound,
                      struct sa_step *out)
{
	const struct tcfg_sa *x = inbound ? &a->sa_in : &a->sa_out, *y = inbound ? &b->sa_in : &b->sa_out;
	bool moved = (what & (TDIFF_PEER | TDIFF_ENCAP)) != 0;
	bool changed = (what & (inbound ? TDIFF_SA_IN : TDIFF_SA_OUT)) != 0;
	size_t n = 0;

	if (!changed) {
		if (moved && x->present) /* MOBIKE-like: the SA carries on at new addresses */
			out[n++] = (struct sa_step){SA_UPDATE, inbound, a, b};
		return n;
	}
	if (x->spi == y->spi && !moved) {
		out[n++] = (struct sa_step){SA_REPLACE, inbound, a, b};
	} else if (x->spi == y->spi) {
		/* An inbound SPI is reserved once: the old SA goes first. */
		out[n++] = (struct sa_step){SA_DEL, inbound, a, b};
		out[n++] = (struct sa_step){SA_ADD, inbound, a, b};
	} else {
		/* The new one first: the newest outbound SA carries the
		 * traffic at once, and the old inbound SA still takes what
		 * the peer sent before it switched. */
		out[n++] = (struct sa_step){SA_ADD, inbound, a, b};
		out[n++] = (struct sa_step){SA_DEL, inbound, a, b};
	}
	return n;
}

/* ---- device steps ------------------------------------------------------------------- */

enum dev_step_kind { DEV_MTU, DEV_ADDR_ADD, DEV_ADDR_DEL, DEV_LINK };

struct dev_step {
	enum dev_step_kind kind;
	uint32_t mtu_from, mtu_to;
	struct prefix pfx;
	bool up;
};

static int dev_step_run(int ifindex, const struct dev_step *s, bool undo, char *err, size_t errlen)
{
	switch (s->kind) {
	case DEV_MTU:
		return tun_dev_set_mtu(ifindex, undo ? s->mtu_from : s->mtu_to, err, errlen);
	case DEV_ADDR_ADD:
	case DEV_ADDR_DEL:
		return tun_dev_address(ifindex, &s->pfx, (s->kind == DEV_ADDR_ADD) != undo, err, errlen);
	case DEV_LINK:
		return tun_dev_set_up(ifindex, s->up != undo, err, errlen);
	}
	return -1;
}

static size_t dev_plan(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b, unsigned what, struct dev_step *out)
{
	size_t n = 0;

	if (what & TDIFF_MTU)
		out[n++] = (struct dev_step){.kind = DEV_MTU, .mtu_from = tcfg_mtu(a), .mtu_to = tcfg_mtu(b)};
	if (what & TDIFF_ADDRS) {
		for (size_t i = 0; i < a->inside_count; i++)
			if (!has_prefix(b, &a->inside[i]))
				out[n++] = (struct dev_step){.kind = DEV_ADDR_DEL, .pfx = a->inside[i]};
		for (size_t i = 0; i < b->inside_count; i++)
			if (!has_prefix(a, &b->inside[i]))
				out[n++] = (struct dev_step){.kind = DEV_ADDR_ADD, .pfx = b->inside[i]};
	}
	if (what & TDIFF_SHUTDOWN)
		out[n++] = (struct dev_step){.kind = DEV_LINK, .up = !b->shutdown};
	return n;
}

/* ---- one tunnel --------------------------------------------------------------------- */

static int add_tunnel(struct tunneld *td, struct worker_pool *pool, const struct tcfg_tunnel *c, char *err,
                      size_t errlen)
{
	struct tunnel_table *tab = tunnel_table_copy(td);
	struct tunnel *t = NULL;
	bool attached = false, out_added = false;
	int idx;

	if (tab == NULL)
		goto nomem;
	if ((idx = tunnel_table_free_index(tab)) < 0) {
		snprintf(err, errlen, "too many tunnels (at most %d)", TCFG_MAX_TUNNELS);
		goto fail;
	}
	if ((t = tunnel_version_new(td, c, (uint32_t)idx, NULL)) == NULL)
		goto nomem;
	if (pool != NULL) {
		if (worker_pool_attach(pool, t, err, errlen) != 0)
			goto fail;
		attached = true;
	}
	if (c->kind == TCFG_IPSEC) {
		if (tunnel_sa_add(td, c, t->index, &c->sa_out, false, false, err, errlen) != 0)
			goto fail;
		out_added = true;
		if (tunnel_sa_add(td, c, t->index, &c->sa_in, true, false, err, errlen) != 0)
			goto fail;
	}
	tunnel_table_add(tab, t);
	if (!tunneld_publish(td, tab))
		log_err(LOG_TAG, "a worker is stuck: the previous tunnel table is not freed");
	log_info(LOG_TAG, "tunnel %s added (%s, index %u)", c->name, tcfg_kind_name(c->kind), t->index);
	return 0;
nomem:
	snprintf(err, errlen, "out of memory");
fail:
	if (out_added)
		tunnel_sa_del(td, c, c->sa_out.spi, false);
	if (attached) {
		/* The workers polled the queues but found no tunnel at their
		 * index: nothing of t was used. */
		worker_pool_detach(pool, t);
		if (ipsec_sadb_synchronize(td->sadb))
			worker_pool_release(pool, t);
	}
	tunnel_version_free(td, t, true);
	free(tab);
	return -1;
}

static int remove_tunnel(struct tunneld *td, struct worker_pool *pool, const struct tcfg_tunnel *c, char *err,
                         size_t errlen)
{
	struct tunnel *t = tunneld_find(td, c->name);
	struct tunnel_table *tab;

	if (t == NULL)
		return 0;
	if ((tab = tunnel_table_copy(td)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (c->kind == TCFG_IPSEC) {
		/* Absent already is fine: removal is what was asked. */
		tunnel_sa_del(td, c, c->sa_out.spi, false);
		tunnel_sa_del(td, c, c->sa_in.spi, true);
	}
	if (pool != NULL)
		worker_pool_detach(pool, t);
	tunnel_table_replace(tab, t, NULL);
	if (!tunneld_publish(td, tab)) {
		log_err(LOG_TAG, "a worker is stuck: tunnel %s's memory and device are kept", c->name);
		return 0;
	}
	if (pool != NULL)
		worker_pool_release(pool, t);
	tunnel_version_free(td, t, true);
	log_info(LOG_TAG, "tunnel %s removed", c->name);
	return 0;
}

static int change_tunnel(struct tunneld *td, struct worker_pool *pool, const struct tdiff *d, char *err,
                         size_t errlen)
{
	struct tunnel *t = tunneld_find(td, d->old->name);
	struct dev_step dev[2 + 2 * TCFG_MAX_INSIDE];
	struct sa_step sa[4];
	size_t ndev = 0, nsa = 0, dev_done = 0, sa_done = 0;
	struct tunnel_table *tab = NULL;
	struct tunnel *nt = NULL;

	if (t == NULL) {
		snprintf(err, errlen, "tunnel %s is not running", d->old->name);
		return -1;
	}
	tab = tunnel_table_copy(td);
	nt = tunnel_version_new(td, d->new, t->index, t->w);
	if (tab == NULL || nt == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	nt->ifindex = t->ifindex;
	nt->ka_gre = t->ka_gre;
	atomic_store(&nt->ka_last_rx_ns, atomic_load(&t->ka_last_rx_ns));
	nt->ka_started_ns = t->ka_started_ns;

	/* ESP moved from UDP to IP protocol 50, or to an IPv6 peer, needs
	 * the sockets for it. */
	if (pool != NULL && (d->what & (TDIFF_ENCAP | TDIFF_PEER)) &&
	    worker_pool_sockets_for(pool, d->new, err, errlen) != 0)
		goto fail;
	if (pool != NULL && t->ifindex >= 0) {
		ndev = dev_plan(d->old, d->new, d->what, dev);
		for (; dev_done < ndev; dev_done++)
			if (dev_step_run(t->ifindex, &dev[dev_done], false, err, errlen) != 0)
				goto fail;
	}
	if (d->old->kind == TCFG_IPSEC) {
		nsa = sa_plan(d->old, d->new, d->what, false, sa);
		nsa += sa_plan(d->old, d->new, d->what, true, sa + nsa);
		for (; sa_done < nsa; sa_done++)
			if (sa_step_run(td, t->index, &sa[sa_done], false, err, errlen) != 0)
				goto fail;
	}
	tunnel_table_replace(tab, t, nt);
	if (!tunneld_publish(td, tab)) {
		log_err(LOG_TAG, "a worker is stuck: tunnel %s's old version is kept", d->old->name);
		return 0;
	}
	tunnel_version_free(td, t, false);
	log_info(LOG_TAG, "tunnel %s changed", d->new->name);
	return 0;
fail : {
	char ignored[128];
	while (sa_done > 0)
		if (sa_step_run(td, t->index, &sa[--sa_done], true, ignored, sizeof(ignored)) != 0)
			log_err(LOG_TAG, "tunnel %s: an SA could not be restored: %s", d->old->name, ignored);
	while (dev_done > 0)
		if (dev_step_run(t->ifindex, &dev[--dev_done], true, ignored, sizeof(ignored)) != 0)
			log_err(LOG_TAG, "tunnel %s: the device could not be restored: %s", d->old->name, ignored);
}
	tunnel_version_free(td, nt, false);
	free(tab);
	return -1;
}

static int run(struct tunneld *td, struct worker_pool *pool, const struct tdiff *d, bool undo, char *err,
               size_t errlen)
{
	switch (d->op) {
	case TDIFF_ADD:
		return undo ? remove_tunnel(td, pool, d->new, err, errlen) : add_tunnel(td, pool, d->new, err, errlen);
	case TDIFF_REMOVE:
		return undo ? add_tunnel(td, pool, d->old, err, errlen) : remove_tunnel(td, pool, d->old, err, errlen);
	case TDIFF_CHANGE: {
		struct tdiff back = {.op = TDIFF_CHANGE, .old = d->new, .new = d->old, .what = d->what};
		return change_tunnel(td, pool, undo ? &back : d, err, errlen);
	}
	}
	return -1;
}

int tunnel_apply(struct tunneld *td, struct worker_pool *pool, const struct tunneld_config *old,
                 const struct tunneld_config *new, char *err, size_t errlen)
{
	struct tdiff_list *dl = malloc(sizeof(*dl));
	size_t done = 0;

	if (dl == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	tcfg_diff(old, new, dl);
	for (; done < dl->count; done++)
		if (run(td, pool, &dl->d[done], false, err, errlen) != 0)
			break;
	if (done < dl->count) {
		/* Back to what old describes, newest change first. */
		while (done > 0) {
			char why[256];
			if (run(td, pool, &dl->d[--done], true, why, sizeof(why)) != 0)
				log_err(LOG_TAG, "cannot undo a change: %s", why);
		}
		free(dl);
		return -1;
	}
	free(dl);
	return 0;
}
