/*
 * tunnel_table.c - the runtime's set-up: versions of a tunnel, the table
 * the workers read, its publication, and the manual SAs of the
 * configuration.
 */
#include "tunnel_table.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

/* RFC 1812 4.3.2.8 and RFC 4443 2.4(f): rate-limit ICMP errors. */
#define ICMP_RATE  100
#define ICMP_BURST 20

static void init_gre(struct gre_tunnel *g, const struct tcfg_tunnel *c)
{
	struct gre_config gc;

	gre_config_default(&gc);
	/* RFC 7676: the same GRE header after an IPv6 delivery header. */
	gc.version = tcfg_underlay_af(c) == AF_INET6 ? 6 : 4;
	memcpy(gc.local, c->source, 16);
	memcpy(gc.remote, c->destination, 16);
	gc.tx_key_on = gc.rx_key_on = c->has_key;
	gc.tx_key = gc.rx_key = c->key;
	gre_tunnel_init(g, &gc);
}

struct tunnel *tunnel_version_new(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t index,
                                  struct tunnel_wstate *share)
{
	struct tunnel *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	if (share != NULL) {
		t->w = share;
	} else {
		t->w = aligned_alloc(64, sizeof(*t->w) * td->nworkers);
		if (t->w == NULL) {
			free(t);
			return NULL;
		}
		memset(t->w, 0, sizeof(*t->w) * td->nworkers);
		for (unsigned i = 0; i < td->nworkers; i++) {
			init_gre(&t->w[i].gre, c);
			ip_tbucket_init(&t->w[i].icmp_limit, ICMP_RATE, ICMP_BURST, 0);
			t->w[i].tun_fd = -1;
		}
	}
	t->cfg = *c;
	explicit_bzero(t->cfg.sa_out.keymat, sizeof(t->cfg.sa_out.keymat));
	explicit_bzero(t->cfg.sa_in.keymat, sizeof(t->cfg.sa_in.keymat));
	explicit_bzero(t->cfg.ike.psk, sizeof(t->cfg.ike.psk));
	t->index = index;
	t->mtu = tcfg_mtu(c);
	t->ifindex = -1;
	for (size_t i = 0; i < c->inside_count; i++) {
		if (c->inside[i].family == AF_INET && !t->has_v4) {
			memcpy(t->inside_v4, c->inside[i].addr, 4);
			t->has_v4 = true;
		} else if (c->inside[i].family == AF_INET6 && !t->has_v6) {
			memcpy(t->inside_v6, c->inside[i].addr, 16);
			t->has_v6 = true;
		}
	}
	uint16_t mss = tcfg_tcp_mss(c);
	if (mss != 0) {
		/* The option is written for IPv4 (MTU - 40); IPv6 headers
		 * are 20 octets longer (RFC 9293 3.7.1). */
		t->mss_v4 = mss;
		t->mss_v6 = mss > 20 ? (uint16_t)(mss - 20) : mss;
	}
	init_gre(&t->ka_gre, c);
	atomic_init(&t->ka_last_rx_ns, 0);
	return t;
}

void tunnel_version_free(struct tunneld *td, struct tunnel *t, bool free_w)
{
	(void)td;
	if (t == NULL)
		return;
	if (free_w)
		free(t->w);
	free(t);
}

struct tunnel_table *tunnel_table_copy(struct tunneld *td)
{
	struct tunnel_table *n = malloc(sizeof(*n));

	if (n != NULL)
		memcpy(n, tunneld_table(td), sizeof(*n));
	return n;
}

void tunnel_table_replace(struct tunnel_table *tab, const struct tunnel *t, struct tunnel *put)
{
	for (size_t i = 0; i < tab->count; i++) {
		if (tab->list[i] != t)
			continue;
		if (put != NULL) {
			tab->list[i] = put;
		} else {
			memmove(&tab->list[i], &tab->list[i + 1], (tab->count - i - 1) * sizeof(tab->list[0]));
			tab->count--;
		}
		break;
	}
	if (t->index < TCFG_MAX_TUNNELS && tab->slot[t->index] == t)
		tab->slot[t->index] = put;
}

void tunnel_table_add(struct tunnel_table *tab, struct tunnel *t)
{
	tab->list[tab->count++] = t;
	tab->slot[t->index] = t;
}

int tunnel_table_free_index(const struct tunnel_table *tab)
{
	for (int i = 0; i < TCFG_MAX_TUNNELS; i++)
		if (tab->slot[i] == NULL)
			return i;
	return -1;
}

bool tunneld_publish(struct tunneld *td, struct tunnel_table *tab)
{
	struct tunnel_table *old = atomic_exchange_explicit(&td->table, tab, memory_order_acq_rel);

	if (!ipsec_sadb_synchronize(td->sadb))
		return false;
	free(old);
	return true;
}

struct tunnel *tunneld_find(struct tunneld *td, const char *name)
{
	struct tunnel_table *tab = tunneld_table(td);

	for (size_t i = 0; i < tab->count; i++)
		if (strcmp(tab->list[i]->cfg.name, name) == 0)
			return tab->list[i];
	return NULL;
}

/* ---- manual SAs ---------------------------------------------------------------- */

static void sa_id(const struct tcfg_tunnel *c, uint32_t spi, bool inbound, struct ipsec_sa_id *id)
{
	/* The SA id names the packet's addresses: inbound SAs are sent by
	 * the peer to us. */
	*id = (struct ipsec_sa_id){.spi = spi, .family = tcfg_underlay_af(c)};
	memcpy(id->src, inbound ? c->destination : c->source, 16);
	memcpy(id->dst, inbound ? c->source : c->destination, 16);
}

int tunnel_sa_add(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t reqid, const struct tcfg_sa *s,
                  bool inbound, bool update, char *err, size_t errlen)
{
	struct ipsec_sa_id id;
	struct ipsec_add_sa add = {
	    .reqid = reqid,
	    .inbound = inbound,
	    .cipher = s->alg == TCFG_ALG_NULL ? ESP_CIPHER_NULL : ESP_CIPHER_AES_GCM,
	    .keymat = s->alg == TCFG_ALG_NULL ? NULL : s->keymat,
	    .keymat_len = s->keymat_len,
	    .encap = c->encap == TCFG_ENCAP_UDP,
	    .update = update,
	};

	if (!s->present)
		return 0; /* IKE keys this tunnel (vpn/ike) */
	sa_id(c, s->spi, inbound, &id);
	if (td->sa_ops->add_sa(td->sadb, &id, &add) != 0) {
		snprintf(err, errlen, "tunnel %s: cannot add the %s SA 0x%x: %s", c->name,
		         inbound ? "inbound" : "outbound", s->spi, strerror(errno));
		return -1;
	}
	return 0;
}

int tunnel_sa_del(struct tunneld *td, const struct tcfg_tunnel *c, uint32_t spi, bool inbound)
{
	struct ipsec_sa_id id;

	sa_id(c, spi, inbound, &id);
	return td->sa_ops->del_sa(td->sadb, &id);
}

/* ---- the whole runtime ------------------------------------------------------------ */

int tunneld_init(struct tunneld *td, const struct tunneld_config *cfg, unsigned nworkers,
                 ipsec_expire_fn on_expire, void *expire_arg, char *err, size_t errlen)
{
	struct tunnel_table *tab;

	memset(td, 0, sizeof(*td));
	td->raw_gre_fd = td->raw_esp_fd = td->raw_gre6_fd = td->raw_esp6_fd = -1;
	td->icmp4_fd = td->icmp6_fd = -1;
	td->nworkers = nworkers;
	td->sa_ops = &ipsec_sa_engine_ops;
	if (nworkers == 0 || nworkers > TUNNELD_MAX_WORKERS) {
		snprintf(err, errlen, "workers must be 1 to %d", TUNNELD_MAX_WORKERS);
		return -1;
	}
	td->sadb = ipsec_sadb_new(on_expire, expire_arg);
	tab = calloc(1, sizeof(*tab));
	atomic_init(&td->table, tab);
	td->gdrops = aligned_alloc(64, ((sizeof(*td->gdrops) * nworkers) + 63) & ~(size_t)63);
	if (td->sadb == NULL || tab == NULL || td->gdrops == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	memset(td->gdrops, 0, sizeof(*td->gdrops) * nworkers);
	/* No worker runs yet: the table is edited in place. */
	for (size_t i = 0; cfg != NULL && i < cfg->count; i++) {
		const struct tcfg_tunnel *c = &cfg->tunnels[i];
		if (!tcfg_complete(c, NULL, 0))
			continue;
		struct tunnel *t = tunnel_version_new(td, c, (uint32_t)tab->count, NULL);
		if (t == NULL) {
			snprintf(err, errlen, "out of memory");
			goto fail;
		}
		tunnel_table_add(tab, t);
		if (c->kind == TCFG_IPSEC) {
			if (tunnel_sa_add(td, c, t->index, &c->sa_out, false, false, err, errlen) != 0 ||
			    tunnel_sa_add(td, c, t->index, &c->sa_in, true, false, err, errlen) != 0)
				goto fail;
			if (c->encap == TCFG_ENCAP_UDP)
				td->need_udp = true;
		}
	}
	return 0;
fail:
	tunneld_fini(td);
	return -1;
}

void tunneld_fini(struct tunneld *td)
{
	struct tunnel_table *tab = atomic_load(&td->table);

	for (size_t i = 0; tab != NULL && i < tab->count; i++)
		tunnel_version_free(td, tab->list[i], true);
	free(tab);
	atomic_store(&td->table, NULL);
	free(td->gdrops);
	ipsec_sadb_free(td->sadb);
	td->gdrops = NULL;
	td->sadb = NULL;
}
