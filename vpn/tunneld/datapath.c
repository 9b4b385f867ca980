/*
 * datapath.c - skygate-tunneld's per-packet transforms, without I/O: which
 * tunnel an underlay packet belongs to, GRE and ESP decapsulation and
 * encapsulation, MSS clamping, the tunnel MTU and its ICMP errors. Also
 * building the runtime from the configuration.
 */
#include "tunneld.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "cursor.h"
#include "esp_packet.h"
#include "log.h"

#define LOG_TAG "tunneld"

static const char *const tdrop_names[TD_COUNT] = {
    [TD_DOWN] = "down",
    [TD_TX_NOT_IP] = "tx_not_ip",
    [TD_TX_VNET] = "tx_bad_vnet",
    [TD_TX_TOO_BIG] = "tx_too_big",
    [TD_TX_ENCAP] = "tx_encap",
    [TD_TX_SEND] = "tx_send",
    [TD_RX_GRE] = "rx_gre",
    [TD_RX_ESP_AUTH] = "rx_esp_auth",
    [TD_RX_ESP_REPLAY] = "rx_esp_replay",
    [TD_RX_ESP_OTHER] = "rx_esp_other",
    [TD_RX_INNER] = "rx_bad_inner",
    [TD_RX_TUN_WRITE] = "rx_tun_write",
};

static const char *const gdrop_names[GD_COUNT] = {
    [GD_UNKNOWN_SPI] = "unknown_spi",
    [GD_UNKNOWN_PEER] = "unknown_peer",
    [GD_MALFORMED] = "malformed",
    [GD_NOT_ESP] = "not_esp",
};

const char *tunnel_drop_name(enum tunnel_drop d)
{
	return (unsigned)d < TD_COUNT ? tdrop_names[d] : "?";
}

const char *global_drop_name(enum global_drop d)
{
	return (unsigned)d < GD_COUNT ? gdrop_names[d] : "?";
}

/* ---- counters ------------------------------------------------------------------- */

void tunnel_totals(const struct tunneld *td, const struct tunnel *t, struct tunnel_totals *o)
{
	memset(o, 0, sizeof(*o));
	for (unsigned i = 0; i < td->nworkers; i++) {
		const struct tunnel_counters *c = &t->w[i].c;
		o->tx_packets += wc_get(&c->tx_packets);
		o->tx_bytes += wc_get(&c->tx_bytes);
		o->rx_packets += wc_get(&c->rx_packets);
		o->rx_bytes += wc_get(&c->rx_bytes);
		for (unsigned d = 0; d < TD_COUNT; d++)
			o->drops[d] += wc_get(&c->drops[d]);
		for (unsigned d = 0; d < GRE_DROP_COUNT; d++)
			o->gre_drops[d] += wc_get(&c->gre_drops[d]);
		o->mss_clamped += wc_get(&c->mss_clamped);
		o->icmp_too_big += wc_get(&c->icmp_too_big);
		o->gso_super += wc_get(&c->gso_super);
		o->gso_segments += wc_get(&c->gso_segments);
		o->udp_gso_sends += wc_get(&c->udp_gso_sends);
		o->tun_gso_writes += wc_get(&c->tun_gso_writes);
		o->keepalive_tx += wc_get(&c->keepalive_tx);
		o->keepalive_rx += wc_get(&c->keepalive_rx);
		o->keepalive_reflect += wc_get(&c->keepalive_reflect);
	}
}

/* ---- receive ------------------------------------------------------------------- */

static struct tunnel_counters *ctr(struct dp_worker *w, struct tunnel *t)
{
	return &t->w[w->id].c;
}

static enum dp_rx_verdict gdrop(struct dp_worker *w, enum global_drop d)
{
	wc_add(&w->td->gdrops[w->id][d], 1);
	return DP_RX_DROP;
}

static enum dp_rx_verdict tdrop(struct dp_worker *w, struct tunnel *t, enum tunnel_drop d)
{
	wc_add(&ctr(w, t)->drops[d], 1);
	return DP_RX_DROP;
}

bool dp_rx_inner(struct dp_worker *w, struct tunnel *t, uint8_t *pkt, size_t len, struct ip_pkt *ip)
{
	if (ip_parse(pkt, len, ip) != IP_PARSE_OK || ip->tot_len != len) {
		tdrop(w, t, TD_RX_INNER);
		return false;
	}
	uint16_t mss = ip->version == 4 ? t->mss_v4 : t->mss_v6;
	if (mss != 0 && ip_mss_clamp(pkt, ip, mss, false) == IP_MSS_CLAMPED)
		wc_add(&ctr(w, t)->mss_clamped, 1);
	return true;
}

enum dp_rx_verdict dp_rx_esp(struct dp_worker *w, uint8_t *esp, size_t len, struct dp_rx *out)
{
	const struct ipsec_sa_snap *snap = ipsec_sadb_snap(w->td->sadb);
	struct cursor c;
	uint32_t spi;
	struct esp_buf b;
	uint8_t nh;

	cursor_init(&c, esp, len);
	if (cursor_get_u32(&c, &spi) != 0)
		return gdrop(w, GD_MALFORMED);
	struct ipsec_sa_entry *e = ipsec_snap_lookup_in(snap, spi);
	/* The SA's tunnel may be on its way in or out (tunnel_apply.c). */
	struct tunnel *t = e != NULL && e->reqid < TCFG_MAX_TUNNELS ? tunneld_table(w->td)->slot[e->reqid] : NULL;
	if (t == NULL)
		return gdrop(w, GD_UNKNOWN_SPI);
	b = (struct esp_buf){.data = esp, .len = len};
	enum esp_result r = esp_decap(e->sa, w->cc, &b, &nh);
	switch (r) {
	case ESP_OK:
		break;
	case ESP_DUMMY:
		return DP_RX_CONSUMED; /* RFC 4303 2.6: discard silently */
	case ESP_AUTH_FAIL:
		return tdrop(w, t, TD_RX_ESP_AUTH);
	case ESP_REPLAY:
		return tdrop(w, t, TD_RX_ESP_REPLAY);
	default:
		return tdrop(w, t, TD_RX_ESP_OTHER);
	}
	ipsec_sa_entry_used(e, w->now_s);
	if (t->cfg.shutdown)
		return tdrop(w, t, TD_DOWN);
	if (!dp_rx_inner(w, t, b.data, b.len, &out->ip))
		return DP_RX_DROP;
	out->t = t;
	out->inner = b.data;
	out->inner_len = b.len;
	return DP_RX_DELIVER;
}

enum dp_rx_verdict dp_rx_udp(struct dp_worker *w, uint8_t *payload, size_t len, struct dp_rx *out)
{
	switch (esp_udp_classify(payload, len)) {
	case ESP_UDP_ESP:
		return dp_rx_esp(w, payload, len, out);
	case ESP_UDP_KEEPALIVE:
		return DP_RX_CONSUMED; /* RFC 3948 2.3: only keeps the NAT mapping */
	case ESP_UDP_IKE:
	case ESP_UDP_INVALID:
		break;
	}
	return gdrop(w, GD_NOT_ESP);
}

/* The IPv4 header of a packet from a raw socket: its length, checked. */
static int outer_v4(const uint8_t *pkt, size_t len, uint8_t proto, struct ip_pkt *ip)
{
	if (ip_parse(pkt, len, ip) != IP_PARSE_OK || ip->version != 4 || ip->proto != proto ||
	    ip->fragment || ip->tot_len > len)
		return -1;
	return 0;
}

enum dp_rx_verdict dp_rx_raw_esp(struct dp_worker *w, uint8_t *pkt, size_t len, struct dp_rx *out)
{
	struct ip_pkt ip;

	if (outer_v4(pkt, len, IP_PROTO_ESP, &ip) != 0)
		return gdrop(w, GD_MALFORMED);
	return dp_rx_esp(w, pkt + ip.hdr_len, ip.tot_len - ip.hdr_len, out);
}

/* The GRE tunnel whose peer sent from src to our dst (af's addresses). */
static struct tunnel *gre_tunnel_for(struct tunneld *td, int af, const uint8_t *src, const uint8_t *dst)
{
	const struct tunnel_table *tab = tunneld_table(td);
	size_t alen = tcfg_addr_len(af);

	for (size_t i = 0; i < tab->count; i++) {
		struct tunnel *t = tab->list[i];
		if (t->cfg.kind == TCFG_GRE && tcfg_underlay_af(&t->cfg) == af &&
		    memcmp(t->cfg.destination, src, alen) == 0 && memcmp(t->cfg.source, dst, alen) == 0)
			return t;
	}
	return NULL;
}

static enum dp_rx_verdict gre_rx(struct dp_worker *w, struct tunnel *t, uint8_t *gre, size_t len,
                                 struct dp_rx *out)
{
	struct gre_rx rx;

	switch (gre_decap(&t->w[w->id].gre, gre, len, &rx)) {
	case GRE_DELIVER:
		break;
	case GRE_KEEPALIVE_REPLY:
		wc_add(&ctr(w, t)->keepalive_rx, 1);
		atomic_store_explicit(&t->ka_last_rx_ns, (int64_t)w->now_ns, memory_order_relaxed);
		return DP_RX_CONSUMED;
	case GRE_KEEPALIVE_REFLECT:
		/* The reflected packet is an IPv4 GRE packet for an IPv4
		 * delivery; RFC 7676 has no keepalives to answer. */
		if (tcfg_underlay_af(&t->cfg) != AF_INET)
			return DP_RX_CONSUMED;
		wc_add(&ctr(w, t)->keepalive_reflect, 1);
		out->t = t;
		out->inner = rx.inner;
		out->inner_len = rx.inner_len;
		return DP_RX_REFLECT;
	case GRE_DROP:
		wc_add(&ctr(w, t)->gre_drops[rx.drop], 1);
		return tdrop(w, t, TD_RX_GRE);
	}
	if (t->cfg.shutdown)
		return tdrop(w, t, TD_DOWN);
	if (!dp_rx_inner(w, t, rx.inner, rx.inner_len, &out->ip))
		return DP_RX_DROP;
	out->t = t;
	out->inner = rx.inner;
	out->inner_len = rx.inner_len;
	return DP_RX_DELIVER;
}

enum dp_rx_verdict dp_rx_gre(struct dp_worker *w, uint8_t *pkt, size_t len, struct dp_rx *out)
{
	struct ip_pkt ip;

	if (outer_v4(pkt, len, IP_PROTO_GRE, &ip) != 0)
		return gdrop(w, GD_MALFORMED);
	struct tunnel *t = gre_tunnel_for(w->td, AF_INET, ip.src, ip.dst);
	if (t == NULL)
		return gdrop(w, GD_UNKNOWN_PEER);
	return gre_rx(w, t, pkt + ip.hdr_len, ip.tot_len - ip.hdr_len, out);
}

enum dp_rx_verdict dp_rx_gre6(struct dp_worker *w, const uint8_t src[16], const uint8_t dst[16], uint8_t *gre,
                              size_t len, struct dp_rx *out)
{
	struct tunnel *t = gre_tunnel_for(w->td, AF_INET6, src, dst);

	if (t == NULL)
		return gdrop(w, GD_UNKNOWN_PEER);
	return gre_rx(w, t, gre, len, out);
}

/* ---- send ----------------------------------------------------------------------- */

static const struct ipsec_sa_entry *out_sa(struct dp_worker *w, const struct tunnel *t)
{
	const struct ipsec_sa_snap *snap = ipsec_sadb_snap(w->td->sadb);

	return t->index < IPSEC_MAX_REQID ? snap->out[t->index] : NULL;
}

size_t dp_tx_prepend(struct dp_worker *w, struct tunnel *t)
{
	if (t->cfg.kind == TCFG_GRE)
		return gre_header_len(&t->w[w->id].gre);
	const struct ipsec_sa_entry *e = out_sa(w, t);
	return ESP_HDR_LEN + (e != NULL ? esp_sa_iv_len(e->sa) : ESP_IV_LEN);
}

size_t dp_tx_overhead(struct dp_worker *w, struct tunnel *t, size_t len)
{
	if (t->cfg.kind == TCFG_GRE)
		return gre_header_len(&t->w[w->id].gre);
	const struct ipsec_sa_entry *e = out_sa(w, t);
	return e != NULL ? esp_encap_overhead(e->sa, len) : ESP_HEADROOM + ESP_TAILROOM_MAX;
}

enum dp_tx_verdict dp_tx(struct dp_worker *w, struct tunnel *t, uint8_t *pkt, size_t len,
                         uint8_t **out, size_t *out_len, uint8_t *icmp, size_t icmp_cap)
{
	struct tunnel_counters *c = ctr(w, t);
	struct ip_pkt ip;

	if (t->cfg.shutdown) {
		wc_add(&c->drops[TD_DOWN], 1);
		return DP_TX_DROP;
	}
	if (ip_parse(pkt, len, &ip) != IP_PARSE_OK || ip.tot_len > len) {
		wc_add(&c->drops[TD_TX_NOT_IP], 1);
		return DP_TX_DROP;
	}
	len = ip.tot_len;
	if (len > t->mtu) {
		/* RFC 1191 / RFC 8201: tell the sender the tunnel's MTU.
		 * The TUN device has the tunnel MTU, so this happens when
		 * someone raised the device's MTU, or for a super-packet
		 * whose segments would not fit. */
		wc_add(&c->drops[TD_TX_TOO_BIG], 1);
		struct builder b;
		struct ip_icmp_origin from = {.src = ip.version == 4 ? t->inside_v4 : t->inside_v6};
		if ((ip.version == 4 && !t->has_v4) || (ip.version == 6 && !t->has_v6) ||
		    !ip_tbucket_take(&t->w[w->id].icmp_limit, w->now_ns))
			return DP_TX_DROP;
		builder_init_fixed(&b, icmp, icmp_cap);
		if (ip_icmp_too_big(&b, pkt, &ip, t->mtu, &from) != IP_ICMP_BUILT)
			return DP_TX_DROP;
		wc_add(&c->icmp_too_big, 1);
		*out = icmp;
		*out_len = builder_len(&b);
		return DP_TX_ICMP;
	}
	uint16_t mss = ip.version == 4 ? t->mss_v4 : t->mss_v6;
	if (mss != 0 && ip_mss_clamp(pkt, &ip, mss, false) == IP_MSS_CLAMPED)
		wc_add(&c->mss_clamped, 1);

	if (t->cfg.kind == TCFG_GRE) {
		/* ip describes pkt still: the MSS clamp changed only TCP. */
		size_t n = gre_encap_prepend_parsed(&t->w[w->id].gre, pkt, DP_HEADROOM, &ip, GRE_OUTER_NONE, 0);
		if (n == 0) {
			wc_add(&c->drops[TD_TX_ENCAP], 1);
			return DP_TX_DROP;
		}
		*out = pkt - n;
		*out_len = len + n;
	} else {
		const struct ipsec_sa_entry *e = out_sa(w, t);
		struct esp_buf b = {.data = pkt, .len = len, .headroom = DP_HEADROOM, .tailroom = DP_TAILROOM};
		if (e == NULL) {
			wc_add(&c->drops[TD_DOWN], 1);
			return DP_TX_DROP;
		}
		if (esp_encap(e->sa, w->cc, &b, esp_inner_next_header(pkt, len)) != ESP_OK) {
			wc_add(&c->drops[TD_TX_ENCAP], 1);
			return DP_TX_DROP;
		}
		*out = b.data;
		*out_len = b.len;
	}
	wc_add(&c->tx_packets, 1);
	wc_add(&c->tx_bytes, len);
	return DP_TX_SEND;
}
