/*
 * check_tunneld.c - skygate-tunneld without devices or sockets: the
 * configuration grammar (FILE:LINE errors), and the per-packet transforms
 * of datapath.c between two instances, A and B, whose configurations
 * mirror each other.
 */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "esp_packet.h"
#include "ip_util.h"
#include "tunnel_cli.h"
#include "tunnel_config.h"
#include "tunnel_ctl.h"
#include "tunneld.h"
#include "unit.h"

#define KEY_AB "00112233445566778899aabbccddeeff01020304"
#define KEY_BA "ffeeddccbbaa99887766554433221100a0b0c0d0"

static const char CONF_A[] = "tunnel gre g1\n"
                             " source 192.0.2.1\n"
                             " destination 192.0.2.2\n"
                             " inside-address 169.254.10.1/30\n"
                             " inside-address 2001:db8:10::1/64\n"
                             " mtu 1476\n"
                             " tcp-mss 1379\n"
                             " key 42\n"
                             "!\n"
                             "tunnel ipsec e1\n"
                             " source 192.0.2.1\n"
                             " destination 192.0.2.2\n"
                             " inside-address 169.254.20.1/30\n"
                             " sa outbound spi 0x1001 aes-gcm-128 key " KEY_AB "\n"
                             " sa inbound spi 0x2001 aes-gcm-128 key " KEY_BA "\n"
                             "tunnel ipsec n1\n"
                             " source 192.0.2.1\n"
                             " destination 192.0.2.3\n"
                             " encapsulation esp\n"
                             " sa outbound spi 0x3001 null\n"
                             " sa inbound spi 0x4001 null\n";

static const char CONF_B[] = "tunnel gre g1\n"
                             " source 192.0.2.2\n"
                             " destination 192.0.2.1\n"
                             " inside-address 169.254.10.2/30\n"
                             " mtu 1476\n"
                             " key 42\n"
                             "tunnel ipsec e1\n"
                             " source 192.0.2.2\n"
                             " destination 192.0.2.1\n"
                             " inside-address 169.254.20.2/30\n"
                             " sa outbound spi 0x2001 aes-gcm-128 key " KEY_BA "\n"
                             " sa inbound spi 0x1001 aes-gcm-128 key " KEY_AB "\n"
                             "tunnel ipsec n1\n"
                             " source 192.0.2.3\n"
                             " destination 192.0.2.1\n"
                             " encapsulation esp\n"
                             " sa outbound spi 0x4001 null\n"
                             " sa inbound spi 0x3001 null\n";

/* ---- configuration ------------------------------------------------------------- */

static struct tunneld_config *load(const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen(err, errlen, "w");
	struct tunneld_config *cfg = tcfg_load_text("t.conf", text, strlen(text), f);

	fclose(f);
	return cfg;
}

START_TEST(test_config_good)
{
	char err[512] = "";
	struct tunneld_config *cfg = load(CONF_A, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_uint_eq(cfg->count, 3);
	const struct tcfg_tunnel *g = &cfg->tunnels[0], *e = &cfg->tunnels[1], *n = &cfg->tunnels[2];
	ck_assert_str_eq(g->name, "g1");
	ck_assert_int_eq(g->kind, TCFG_GRE);
	ck_assert_uint_eq(g->inside_count, 2);
	ck_assert_uint_eq(g->mtu, 1476);
	ck_assert_uint_eq(g->tcp_mss, 1379);
	ck_assert(g->has_key && g->key == 42);
	ck_assert_int_eq(e->kind, TCFG_IPSEC);
	ck_assert_int_eq(e->encap, TCFG_ENCAP_UDP);
	ck_assert_uint_eq(tcfg_mtu(e), TCFG_IPSEC_DEFAULT_MTU);
	ck_assert_uint_eq(e->sa_out.spi, 0x1001);
	ck_assert_int_eq(e->sa_out.alg, TCFG_ALG_AES_GCM_128);
	ck_assert_uint_eq(e->sa_out.keymat_len, 20);
	ck_assert_uint_eq(e->sa_out.keymat[0], 0x00);
	ck_assert_uint_eq(e->sa_out.keymat[19], 0x04);
	ck_assert_int_eq(n->encap, TCFG_ENCAP_ESP);
	ck_assert_int_eq(n->sa_in.alg, TCFG_ALG_NULL);
	ck_assert_uint_eq(n->sa_in.keymat_len, 0);
	tcfg_free(cfg);
}
END_TEST

static const struct {
	const char *text;
	const char *where; /* "t.conf:LINE: " */
	const char *message;
} bad_configs[] = {
    {"tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\n mtu 575\n", "t.conf:4: ", "Invalid value"},
    {"tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\n encapsulation udp\n", "t.conf:4: ",
     "Unknown command"},
    {"tunnel gre 0123456789abcdef\n", "t.conf:1: ", "tunnel name"},
    {"tunnel gre g/1\n", "t.conf:1: ", "tunnel name"},
    {"tunnel gre g1\n source 192.0.2.1\n", "t.conf:3: ", "needs a source and a destination"},
    {"tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.1\n", "t.conf:4: ", "the same address"},
    {"tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\n mtu 1000\n tcp-mss 990\n", "t.conf:6: ",
     "does not fit"},
    {"tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\ntunnel gre g1\n", "t.conf:4: ",
     "already defined"},
    {"tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n sa outbound spi 0x1001 null\n", "t.conf:5: ",
     "needs an inbound and an outbound SA"},
    {"tunnel ipsec e1\n sa outbound spi 255 null\n", "t.conf:2: ", "bad SPI"},
    {"tunnel ipsec e1\n sa outbound spi 0x100000000 null\n", "t.conf:2: ", "bad SPI"},
    {"tunnel ipsec e1\n sa outbound spi 0x1001 aes-gcm-256 key " KEY_AB "\n", "t.conf:2: ",
     "needs a key of 72 hex digits"},
    {"tunnel ipsec e1\n sa outbound spi 0x1001 aes-gcm-128 key 0g112233445566778899aabbccddeeff01020304\n",
     "t.conf:2: ", "not hexadecimal"},
    {"tunnel ipsec e1\n sa outbound spi 0x1001 null\n sa outbound spi 0x1002 null\n", "t.conf:3: ",
     "already configured at line 2"},
    {"tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n sa outbound spi 0x1001 null\n"
     " sa inbound spi 0x2001 null\n"
     "tunnel ipsec e2\n source 192.0.2.1\n destination 192.0.2.3\n sa outbound spi 0x1002 null\n"
     " sa inbound spi 0x2001 null\n",
     "t.conf:11: ", "already tunnel e1's"},
    {"tunnel gre g1\n source 192.0.2.1\n destination 2001:db8::2\n", "t.conf:4: ",
     "must both be IPv4 or both IPv6"},
    {"tunnel gre g1\n source 2001:db8::1\n destination 2001:db8::2\n keepalive 1 3\n", "t.conf:5: ",
     "keepalives need an IPv4 underlay"},
    {"tunnel gre g1\n source 2001:db8::1\n destination 2001:db8::1\n", "t.conf:4: ", "the same address"},
    {"tunnel gre g1\n source 2001:db8::1\n destination 2001:db8::2\n"
     "tunnel gre g2\n source 2001:db8::1\n destination 2001:db8::2\n",
     "t.conf:7: ", "already has source 2001:db8::1 and destination 2001:db8::2"},
};

START_TEST(test_config_bad)
{
	char err[512] = "";
	struct tunneld_config *cfg = load(bad_configs[_i].text, err, sizeof(err));

	ck_assert_ptr_null(cfg);
	ck_assert_msg(strncmp(err, bad_configs[_i].where, strlen(bad_configs[_i].where)) == 0, "%s", err);
	ck_assert_msg(strstr(err, bad_configs[_i].message) != NULL, "%s", err);
	/* A message never repeats the key. */
	ck_assert_ptr_null(strstr(err, KEY_AB));
}
END_TEST

/* ---- the data path ---------------------------------------------------------------- */

struct side {
	struct tunneld td;
	struct dp_worker w;
};

static void side_init(struct side *s, const char *text)
{
	char err[512] = "";
	struct tunneld_config *cfg = load(text, err, sizeof(err));

	ck_assert_msg(cfg != NULL, "%s", err);
	ck_assert_msg(tunneld_init(&s->td, cfg, 2, NULL, NULL, err, sizeof(err)) == 0, "%s", err);
	tcfg_free(cfg);
	s->w = (struct dp_worker){.td = &s->td, .id = 1, .cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO),
	                          .now_s = 1700000000, .now_ns = 1000000000};
}

static void side_fini(struct side *s)
{
	esp_crypto_ctx_free(s->w.cc);
	tunneld_fini(&s->td);
}

/* An IPv4 packet of len octets from src to dst: ICMP echo, or a TCP SYN
 * carrying an MSS option of mss. */
static size_t make_v4(uint8_t *p, size_t len, const char *src, const char *dst, bool syn, uint16_t mss, bool df)
{
	struct in_addr s, d;

	memset(p, 0, len);
	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	p[0] = 0x45;
	p[2] = (uint8_t)(len >> 8);
	p[3] = (uint8_t)len;
	p[6] = df ? 0x40 : 0;
	p[8] = 64;
	p[9] = syn ? IP_PROTO_TCP : IP_PROTO_ICMP;
	memcpy(p + 12, &s, 4);
	memcpy(p + 16, &d, 4);
	uint16_t ck = ip_csum(p, 20);
	p[10] = (uint8_t)(ck >> 8);
	p[11] = (uint8_t)ck;
	uint8_t *l4 = p + 20;
	if (syn) {
		l4[12] = 6 << 4; /* 24 octets: the MSS option */
		l4[13] = 0x02;
		l4[20] = 2;
		l4[21] = 4;
		l4[22] = (uint8_t)(mss >> 8);
		l4[23] = (uint8_t)mss;
		uint16_t c = ip_csum_finish(ip_csum_add(ip_pseudo_sum(4, p + 12, p + 16, 6, (uint32_t)(len - 20)), l4,
		                                        len - 20));
		l4[16] = (uint8_t)(c >> 8);
		l4[17] = (uint8_t)c;
	} else {
		l4[0] = 8;
		for (size_t i = 8; i < len - 20; i++)
			l4[i] = (uint8_t)i;
		uint16_t c = ip_csum(l4, len - 20);
		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
	return len;
}

static struct tunnel *tunnel_named(struct side *s, const char *name)
{
	struct tunnel *t = tunneld_find(&s->td, name);
	if (t != NULL)
		return t;
	ck_abort_msg("no tunnel %s", name);
	return NULL;
}

/* Put an outer IPv4 header in front of what dp_tx() made, as the raw
 * socket would deliver it. Returns the start. */
static uint8_t *outer_v4(uint8_t *payload, size_t len, uint8_t proto, const char *src, const char *dst)
{
	uint8_t *ip = payload - 20;
	struct in_addr s, d;

	inet_pton(AF_INET, src, &s);
	inet_pton(AF_INET, dst, &d);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	ip[2] = (uint8_t)((len + 20) >> 8);
	ip[3] = (uint8_t)(len + 20);
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, &s, 4);
	memcpy(ip + 16, &d, 4);
	uint16_t ck = ip_csum(ip, 20);
	ip[10] = (uint8_t)(ck >> 8);
	ip[11] = (uint8_t)ck;
	return ip;
}

START_TEST(test_gre_round_trip_and_mss)
{
	struct side a, b;
	static uint8_t buf[4096], icmp[1400], orig[2000];
	uint8_t *pkt = buf + DP_HEADROOM + 64, *out;
	size_t out_len, len;
	struct dp_rx rx;

	side_init(&a, CONF_A);
	side_init(&b, CONF_B);
	struct tunnel *ga = tunnel_named(&a, "g1"), *gb = tunnel_named(&b, "g1");

	len = make_v4(pkt, 300, "169.254.10.1", "169.254.10.2", false, 0, true);
	memcpy(orig, pkt, len);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	ck_assert_uint_eq(out_len, len + 8); /* GRE with key (RFC 2890) */
	ck_assert_uint_eq(out[4], 0);
	ck_assert_uint_eq(out[7], 42);
	uint8_t *wire = outer_v4(out, out_len, IP_PROTO_GRE, "192.0.2.1", "192.0.2.2");
	ck_assert_int_eq(dp_rx_gre(&b.w, wire, out_len + 20, &rx), DP_RX_DELIVER);
	ck_assert_ptr_eq(rx.t, gb);
	ck_assert_uint_eq(rx.inner_len, len);
	ck_assert_mem_eq(rx.inner, orig, len);

	/* A SYN through A's tunnel (tcp-mss 1379) comes out clamped. */
	len = make_v4(pkt, 44, "169.254.10.1", "169.254.10.2", true, 1460, true);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	ck_assert_uint_eq(out[8 + 20 + 22] << 8 | out[8 + 20 + 23], 1379);
	struct tunnel_totals tot;
	tunnel_totals(&a.td, ga, &tot);
	ck_assert_uint_eq(tot.mss_clamped, 1);
	ck_assert_uint_eq(tot.tx_packets, 2);
	ck_assert_uint_eq(wc_get(&ga->w[1].c.tx_packets), 2);
	ck_assert_uint_eq(wc_get(&ga->w[0].c.tx_packets), 0);

	/* GRE from an address pair no tunnel has; a wrong key. */
	len = make_v4(pkt, 100, "169.254.10.1", "169.254.10.2", false, 0, true);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	wire = outer_v4(out, out_len, IP_PROTO_GRE, "192.0.2.9", "192.0.2.2");
	ck_assert_int_eq(dp_rx_gre(&b.w, wire, out_len + 20, &rx), DP_RX_DROP);
	ck_assert_uint_eq(wc_get(&b.td.gdrops[1][GD_UNKNOWN_PEER]), 1);
	out[7] = 43;
	wire = outer_v4(out, out_len, IP_PROTO_GRE, "192.0.2.1", "192.0.2.2");
	ck_assert_int_eq(dp_rx_gre(&b.w, wire, out_len + 20, &rx), DP_RX_DROP);
	tunnel_totals(&b.td, gb, &tot);
	ck_assert_uint_eq(tot.drops[TD_RX_GRE], 1);
	ck_assert_uint_eq(tot.gre_drops[GRE_DROP_KEY_MISMATCH], 1);

	side_fini(&a);
	side_fini(&b);
}
END_TEST

/* GRE over IPv6 (RFC 7676) next to GRE over IPv4 between the same
 * sides: each is found by its own family's address pair. */
static const char CONF6_A[] = "tunnel gre g4\n source 192.0.2.1\n destination 192.0.2.2\n"
                              " inside-address 169.254.10.1/30\n"
                              "tunnel gre g6\n source 2001:db8:100::1\n destination 2001:db8:100::2\n"
                              " inside-address 169.254.11.1/30\n inside-address 2001:db8:11::1/64\n";
static const char CONF6_B[] = "tunnel gre g4\n source 192.0.2.2\n destination 192.0.2.1\n"
                              " inside-address 169.254.10.2/30\n"
                              "tunnel gre g6\n source 2001:db8:100::2\n destination 2001:db8:100::1\n"
                              " inside-address 169.254.11.2/30\n inside-address 2001:db8:11::2/64\n";

START_TEST(test_gre6_round_trip)
{
	struct side a, b;
	static uint8_t buf[4096], icmp[1400], orig[2000];
	uint8_t *pkt = buf + DP_HEADROOM + 64, *out;
	uint8_t a6[16], b6[16], other6[16];
	size_t out_len, len;
	struct dp_rx rx;

	side_init(&a, CONF6_A);
	side_init(&b, CONF6_B);
	inet_pton(AF_INET6, "2001:db8:100::1", a6);
	inet_pton(AF_INET6, "2001:db8:100::2", b6);
	inet_pton(AF_INET6, "2001:db8:100::9", other6);
	struct tunnel *ga = tunnel_named(&a, "g6"), *gb = tunnel_named(&b, "g6");
	ck_assert_uint_eq(ga->mtu, TCFG_GRE6_DEFAULT_MTU);
	ck_assert_int_eq(ga->w[0].gre.cfg.version, 6);

	len = make_v4(pkt, 300, "169.254.11.1", "169.254.11.2", false, 0, true);
	memcpy(orig, pkt, len);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	/* The raw IPv6 socket sends the GRE header and what follows. */
	ck_assert_uint_eq(out_len, len + 4);
	ck_assert_uint_eq(out[2] << 8 | out[3], 0x0800);
	ck_assert_int_eq(dp_rx_gre6(&b.w, a6, b6, out, out_len, &rx), DP_RX_DELIVER);
	ck_assert_ptr_eq(rx.t, gb);
	ck_assert_uint_eq(rx.inner_len, len);
	ck_assert_mem_eq(rx.inner, orig, len);

	/* From an address no tunnel has, or to one that is not ours. */
	len = make_v4(pkt, 100, "169.254.11.1", "169.254.11.2", false, 0, true);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	ck_assert_int_eq(dp_rx_gre6(&b.w, other6, b6, out, out_len, &rx), DP_RX_DROP);
	ck_assert_int_eq(dp_rx_gre6(&b.w, a6, other6, out, out_len, &rx), DP_RX_DROP);
	ck_assert_uint_eq(wc_get(&b.td.gdrops[1][GD_UNKNOWN_PEER]), 2);

	/* The IPv4 tunnel beside it still gets its own packets. */
	struct tunnel *g4a = tunnel_named(&a, "g4"), *g4b = tunnel_named(&b, "g4");
	ck_assert_uint_eq(g4a->mtu, TCFG_GRE_DEFAULT_MTU);
	len = make_v4(pkt, 100, "169.254.10.1", "169.254.10.2", false, 0, true);
	ck_assert_int_eq(dp_tx(&a.w, g4a, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	uint8_t *wire = outer_v4(out, out_len, IP_PROTO_GRE, "192.0.2.1", "192.0.2.2");
	ck_assert_int_eq(dp_rx_gre(&b.w, wire, out_len + 20, &rx), DP_RX_DELIVER);
	ck_assert_ptr_eq(rx.t, g4b);

	/* The configuration prints back as it was written. */
	char text[2048];
	FILE *f = fmemopen(text, sizeof(text), "w");
	char err[512] = "";
	struct tunneld_config *cfg = load(CONF6_A, err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	tcfg_print(cfg, f, true);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, " source 2001:db8:100::1\n destination 2001:db8:100::2\n"));
	tcfg_free(cfg);

	side_fini(&a);
	side_fini(&b);
}
END_TEST

START_TEST(test_too_big_gets_icmp)
{
	struct side a;
	static uint8_t buf[4096], icmp[1400];
	uint8_t *pkt = buf + DP_HEADROOM + 64, *out;
	size_t out_len, len;

	side_init(&a, CONF_A);
	struct tunnel *ga = tunnel_named(&a, "g1");
	len = make_v4(pkt, 1500, "198.18.1.2", "169.254.10.2", false, 0, true);
	ck_assert_int_eq(dp_tx(&a.w, ga, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_ICMP);
	/* RFC 792 type 3 code 4 from our inside address, Next-Hop MTU 1476
	 * (RFC 1191 4), back to the sender. */
	struct ip_pkt ip;
	ck_assert_int_eq(ip_parse(out, out_len, &ip), IP_PARSE_OK);
	ck_assert_uint_eq(ip.proto, IP_PROTO_ICMP);
	static const uint8_t inside[4] = {169, 254, 10, 1}, sender[4] = {198, 18, 1, 2};
	ck_assert_mem_eq(ip.src, inside, 4);
	ck_assert_mem_eq(ip.dst, sender, 4);
	ck_assert_uint_eq(out[20], 3);
	ck_assert_uint_eq(out[21], 4);
	ck_assert_uint_eq(out[26] << 8 | out[27], 1476);
	ck_assert_uint_eq(ip_csum(out + 20, out_len - 20), 0);
	struct tunnel_totals tot;
	tunnel_totals(&a.td, ga, &tot);
	ck_assert_uint_eq(tot.icmp_too_big, 1);
	ck_assert_uint_eq(tot.drops[TD_TX_TOO_BIG], 1);
	ck_assert_uint_eq(tot.tx_packets, 0);
	side_fini(&a);
}
END_TEST

START_TEST(test_esp_round_trip_and_drops)
{
	struct side a, b;
	static uint8_t buf[4096], icmp[1400], orig[2000], copy[4096];
	uint8_t *pkt = buf + DP_HEADROOM + 64, *out;
	size_t out_len, len;
	struct dp_rx rx;

	side_init(&a, CONF_A);
	side_init(&b, CONF_B);
	struct tunnel *ea = tunnel_named(&a, "e1"), *eb = tunnel_named(&b, "e1");

	len = make_v4(pkt, 333, "169.254.20.1", "169.254.20.2", false, 0, true);
	memcpy(orig, pkt, len);
	ck_assert_int_eq(dp_tx(&a.w, ea, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	ck_assert_uint_eq(out_len, len + dp_tx_overhead(&a.w, ea, len));
	ck_assert_uint_eq(out[0] << 24 | out[1] << 16 | out[2] << 8 | out[3], 0x1001);
	memcpy(copy, out, out_len);
	ck_assert_int_eq(dp_rx_udp(&b.w, out, out_len, &rx), DP_RX_DELIVER);
	ck_assert_ptr_eq(rx.t, eb);
	ck_assert_uint_eq(rx.inner_len, len);
	ck_assert_mem_eq(rx.inner, orig, len);

	/* The same packet again: the replay window (RFC 4303 3.4.3). */
	memcpy(out, copy, out_len);
	ck_assert_int_eq(dp_rx_udp(&b.w, out, out_len, &rx), DP_RX_DROP);
	/* A flipped bit: the ICV (RFC 4303 3.4.4). */
	len = make_v4(pkt, 100, "169.254.20.1", "169.254.20.2", false, 0, true);
	ck_assert_int_eq(dp_tx(&a.w, ea, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	out[30] ^= 1;
	ck_assert_int_eq(dp_rx_udp(&b.w, out, out_len, &rx), DP_RX_DROP);
	/* An SPI nobody has; a NAT keepalive; IKE (non-ESP marker). */
	out[0] = 0xde;
	ck_assert_int_eq(dp_rx_udp(&b.w, out, out_len, &rx), DP_RX_DROP);
	uint8_t ka = 0xff, ike[12] = {0};
	ck_assert_int_eq(dp_rx_udp(&b.w, &ka, 1, &rx), DP_RX_CONSUMED);
	ck_assert_int_eq(dp_rx_udp(&b.w, ike, sizeof(ike), &rx), DP_RX_DROP);

	struct tunnel_totals tot;
	tunnel_totals(&b.td, eb, &tot);
	ck_assert_uint_eq(tot.drops[TD_RX_ESP_REPLAY], 1);
	ck_assert_uint_eq(tot.drops[TD_RX_ESP_AUTH], 1);
	ck_assert_uint_eq(wc_get(&b.td.gdrops[1][GD_UNKNOWN_SPI]), 1);
	ck_assert_uint_eq(wc_get(&b.td.gdrops[1][GD_NOT_ESP]), 1);

	/* NULL over raw IP 50: SPI and sequence number, the inner packet in
	 * clear, the trailer, no ICV. */
	struct tunnel *na = tunnel_named(&a, "n1");
	len = make_v4(pkt, 64, "169.254.30.1", "169.254.30.2", false, 0, true);
	memcpy(orig, pkt, len);
	ck_assert_int_eq(dp_tx(&a.w, na, pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	ck_assert_uint_eq(out_len, 8 + len + 2 + 2);
	ck_assert_mem_eq(out + 8, orig, len);
	uint8_t *wire = outer_v4(out, out_len, IP_PROTO_ESP, "192.0.2.1", "192.0.2.3");
	ck_assert_int_eq(dp_rx_raw_esp(&b.w, wire, out_len + 20, &rx), DP_RX_DELIVER);
	ck_assert_ptr_eq(rx.t, tunnel_named(&b, "n1"));
	ck_assert_mem_eq(rx.inner, orig, len);
	side_fini(&a);
	side_fini(&b);
}
END_TEST

/* ---- the test hook: debug ipsec sa keys json ------------------------------------ */

/* Run line in a session of a control environment over side a's data plane
 * (no socket); the output in out, the command's result returned. */
static int ctl_run(struct side *a, bool root, const char *line, char *out, size_t outlen)
{
	struct tunnel_cli_env cli;
	struct tunnel_ctl_env env = {.cli = &cli, .td = &a->td};
	struct tunnel_cli_session s;
	char err[256] = "";
	int rc;

	ck_assert_msg(tunnel_cli_env_init(&cli, err, sizeof(err)) == 0, "%s", err);
	struct tunnel_ctl *ctl = tunnel_ctl_new(NULL, &env, NULL, err, sizeof(err));
	ck_assert_msg(ctl != NULL, "%s", err);
	FILE *f = fmemopen(out, outlen, "w");
	ck_assert_ptr_nonnull(f);
	tunnel_cli_session_init(&s, &cli, f);
	s.may_see_secrets = root;
	rc = tunnel_cli_execute(&s, line);
	fclose(f);
	tunnel_ctl_free(ctl);
	tunnel_cli_env_fini(&cli);
	return rc;
}

START_TEST(test_debug_sa_keys_only_in_test_builds)
{
	struct side a;
	static char out[16384];

	side_init(&a, CONF_A);
	memset(out, 0, sizeof(out));
	int rc = ctl_run(&a, true, "debug ipsec sa keys json", out, sizeof(out) - 1);
#ifdef SKYGATE_TEST_HOOKS
	/* Key and salt of KEY_AB (RFC 4106 8.1: the last 4 octets are the
	 * salt), for the SA that has them, and never the NULL SAs' nothing. */
	ck_assert_msg(rc == 0, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "\"spi\":\"0x00001001\""));
	ck_assert_ptr_nonnull(strstr(out, "\"key\":\"00112233445566778899aabbccddeeff\""));
	ck_assert_ptr_nonnull(strstr(out, "\"salt\":\"01020304\""));
	ck_assert_ptr_nonnull(strstr(out, "\"key\":\"ffeeddccbbaa99887766554433221100\""));
	ck_assert_ptr_nonnull(strstr(out, "\"salt\":\"a0b0c0d0\""));
	ck_assert_ptr_nonnull(strstr(out, "\"encapsulation\":\"udp\""));
	ck_assert_ptr_nonnull(strstr(out, "\"source\":\"192.0.2.1\""));
	/* Not to a client that is not root. */
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(ctl_run(&a, false, "debug ipsec sa keys json", out, sizeof(out) - 1), -1);
	ck_assert_ptr_null(strstr(out, "00112233"));
#else
	/* A release build has no such command: the registry refuses it. */
	ck_assert_int_eq(rc, -1);
	ck_assert_ptr_null(strstr(out, "00112233"));
#endif
	/* `show ipsec sa` never shows keys, in any build. */
	memset(out, 0, sizeof(out));
	ck_assert_int_eq(ctl_run(&a, true, "show ipsec sa json", out, sizeof(out) - 1), 0);
	ck_assert_ptr_nonnull(strstr(out, "0x00001001"));
	ck_assert_ptr_null(strstr(out, "00112233"));
	side_fini(&a);
}
END_TEST

static Suite *tunneld_suite(void)
{
	Suite *s = suite_create("tunneld");
	TCase *tc = tcase_create("config");

	tcase_add_test(tc, test_config_good);
	tcase_add_loop_test(tc, test_config_bad, 0, (int)(sizeof(bad_configs) / sizeof(bad_configs[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("datapath");
	tcase_add_test(tc, test_gre_round_trip_and_mss);
	tcase_add_test(tc, test_gre6_round_trip);
	tcase_add_test(tc, test_too_big_gets_icmp);
	tcase_add_test(tc, test_esp_round_trip_and_drops);
	suite_add_tcase(s, tc);
	tc = tcase_create("ctl");
	tcase_add_test(tc, test_debug_sa_keys_only_in_test_builds);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(tunneld_suite());
}
