/*
 * check_tunnel_apply.c - live configuration of skygate-tunneld without
 * devices: what differs between two configurations (tcfg_diff), the
 * runtime following a change (tunnel_apply: table, versions, SAs through
 * the SA API, undo on failure), and the CLI sessions and transactions on
 * top of it (tunnel_cli: nodes, no forms, checks, nothing half-applied,
 * write memory).
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ip_util.h"
#include "tunnel_apply.h"
#include "tunnel_cli.h"
#include "tunnel_config.h"
#include "tunneld.h"
#include "unit.h"

#define KEY_1 "00112233445566778899aabbccddeeff01020304"
#define KEY_2 "ffeeddccbbaa99887766554433221100a0b0c0d0"
#define KEY_3 "0f0e0d0c0b0a09080706050403020100a1a2a3a4"

static struct tunneld_config *load(const char *text)
{
	char err[512] = "";
	FILE *f = fmemopen(err, sizeof(err), "w");
	struct tunneld_config *cfg = tcfg_load_text("t.conf", text, strlen(text), f);

	fclose(f);
	ck_assert_msg(cfg != NULL, "%s", err);
	return cfg;
}

#define GRE_G1(extra) "tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.2\n" extra

#define ESP_E1(out_spi, out_key, in_spi, in_key, extra)                                              \
	"tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.2\n inside-address 169.254.20.1/30\n" \
	" sa outbound spi " out_spi " aes-gcm-128 key " out_key "\n sa inbound spi " in_spi           \
	" aes-gcm-128 key " in_key "\n" extra

/* ---- tcfg_diff ---------------------------------------------------------------------- */

static const struct {
	const char *old, *new;
	const char *steps; /* "-name" remove, "+name" add, "~name:BITS" change (hex) */
} diff_cases[] = {
    {"", GRE_G1(""), "+g1"},
    {GRE_G1(""), "", "-g1"},
    {GRE_G1(""), GRE_G1(" mtu 1300\n"), "~g1:1"},
    {GRE_G1(" tcp-mss 1200\n"), GRE_G1(""), "~g1:2"},
    {GRE_G1(""), GRE_G1(" inside-address 169.254.1.1/30\n"), "~g1:4"},
    {GRE_G1(""), GRE_G1(" shutdown\n"), "~g1:8"},
    {GRE_G1(""), GRE_G1(" keepalive 5 3\n"), "~g1:10"},
    /* What the workers' GRE state is built from: removed and added again. */
    {GRE_G1(""), GRE_G1(" key 7\n"), "-g1 +g1"},
    {GRE_G1(""), "tunnel gre g1\n source 192.0.2.1\n destination 192.0.2.9\n", "-g1 +g1"},
    /* Incomplete tunnels are absent from the data plane ('@': the
     * first tunnel loses its destination, as `no destination` does). */
    {"", "@" GRE_G1(""), ""},
    {GRE_G1(""), "@" GRE_G1(""), "-g1"},
    {ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""), ESP_E1("0x1001", KEY_3, "0x2001", KEY_2, ""), "~e1:20"},
    {ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""), ESP_E1("0x1001", KEY_1, "0x2002", KEY_2, ""), "~e1:40"},
    {ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""), ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, " encapsulation esp\n"),
     "~e1:100"},
    {ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""),
     "tunnel ipsec e1\n source 192.0.2.1\n destination 192.0.2.3\n inside-address 169.254.20.1/30\n"
     " sa outbound spi 0x1001 aes-gcm-128 key " KEY_1 "\n sa inbound spi 0x2001 aes-gcm-128 key " KEY_2 "\n",
     "~e1:80"},
    /* A new kind under the same name; removals come before additions. */
    {GRE_G1("") "tunnel gre g2\n source 192.0.2.1\n destination 192.0.2.3\n",
     "tunnel gre g0\n source 192.0.2.1\n destination 192.0.2.4\n"
     "tunnel ipsec g1\n source 192.0.2.1\n destination 192.0.2.2\n sa outbound spi 0x1001 null\n"
     " sa inbound spi 0x2001 null\n",
     "-g1 -g2 +g0 +g1"},
    {GRE_G1(""), GRE_G1(""), ""},
};

START_TEST(test_diff)
{
	const char *new = diff_cases[_i].new;
	struct tunneld_config *a = load(diff_cases[_i].old), *b = load(new[0] == '@' ? new + 1 : new);
	struct tdiff_list dl;
	char got[256] = "";

	if (new[0] == '@')
		b->tunnels[0].has_destination = false;
	tcfg_diff(a, b, &dl);
	for (size_t i = 0; i < dl.count; i++) {
		const struct tdiff *d = &dl.d[i];
		size_t n = strlen(got);
		if (d->op == TDIFF_CHANGE)
			snprintf(got + n, sizeof(got) - n, "%s~%s:%x", n ? " " : "", d->new->name, d->what);
		else
			snprintf(got + n, sizeof(got) - n, "%s%c%s", n ? " " : "", d->op == TDIFF_ADD ? '+' : '-',
			         d->op == TDIFF_ADD ? d->new->name : d->old->name);
	}
	ck_assert_str_eq(got, diff_cases[_i].steps);
	tcfg_free(a);
	tcfg_free(b);
}
END_TEST

/* ---- tunnel_apply: the runtime without devices ------------------------------------------- */

struct sa_seen {
	size_t count;
	uint32_t spi[16];
	bool inbound[16];
	uint32_t reqid[16];
};

static void collect_sa(void *arg, const struct ipsec_sa_entry *e)
{
	struct sa_seen *s = arg;

	if (s->count < 16) {
		s->spi[s->count] = e->id.spi;
		s->inbound[s->count] = e->inbound;
		s->reqid[s->count] = e->reqid;
		s->count++;
	}
}

static bool has_sa(struct tunneld *td, uint32_t spi, bool inbound)
{
	struct sa_seen s = {0};

	ipsec_sadb_foreach(td->sadb, collect_sa, &s);
	for (size_t i = 0; i < s.count; i++)
		if (s.spi[i] == spi && s.inbound[i] == inbound)
			return true;
	return false;
}

static size_t sa_count(struct tunneld *td)
{
	struct sa_seen s = {0};

	ipsec_sadb_foreach(td->sadb, collect_sa, &s);
	return s.count;
}

/* An ESP packet from a's tunnel e1 to b's: does b take it? */
static enum dp_rx_verdict esp_a_to_b(struct tunneld *a, struct tunneld *b)
{
	uint8_t buf[512], icmp[256], *out;
	uint8_t *pkt = buf + DP_HEADROOM;
	size_t out_len, len = 84;
	struct dp_worker wa = {.td = a, .cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO), .now_s = 1700000000};
	struct dp_worker wb = {.td = b, .cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO), .now_s = 1700000000};
	struct dp_rx rx;

	memset(pkt, 0, len);
	pkt[0] = 0x45;
	pkt[3] = (uint8_t)len;
	pkt[8] = 64;
	pkt[9] = IP_PROTO_ICMP;
	inet_pton(AF_INET, "169.254.20.1", pkt + 12);
	inet_pton(AF_INET, "169.254.20.2", pkt + 16);
	uint16_t ck = ip_csum(pkt, 20);
	pkt[10] = (uint8_t)(ck >> 8);
	pkt[11] = (uint8_t)ck;
	ck_assert_int_eq(dp_tx(&wa, tunneld_find(a, "e1"), pkt, len, &out, &out_len, icmp, sizeof(icmp)), DP_TX_SEND);
	enum dp_rx_verdict v = dp_rx_udp(&wb, out, out_len, &rx);
	esp_crypto_ctx_free(wa.cc);
	esp_crypto_ctx_free(wb.cc);
	return v;
}

static void apply_ok(struct tunneld *td, struct tunneld_config **running, const char *text)
{
	struct tunneld_config *n = load(text);
	char err[256] = "";

	ck_assert_msg(tunnel_apply(td, NULL, *running, n, err, sizeof(err)) == 0, "%s", err);
	tcfg_free(*running);
	*running = n;
}

START_TEST(test_apply_keys_live)
{
	struct tunneld a, b;
	struct tunneld_config *ca = load(""), *cb = load("");
	char err[256];

	ck_assert(tunneld_init(&a, ca, 1, NULL, NULL, err, sizeof(err)) == 0);
	ck_assert(tunneld_init(&b, cb, 1, NULL, NULL, err, sizeof(err)) == 0);
	ck_assert_uint_eq(tunneld_table(&a)->count, 0);

	/* Added live: the tunnel and both SAs, bound to its index. */
	apply_ok(&a, &ca, ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""));
	apply_ok(&b, &cb,
	         "tunnel ipsec e1\n source 192.0.2.2\n destination 192.0.2.1\n inside-address 169.254.20.2/30\n"
	         " sa outbound spi 0x2001 aes-gcm-128 key " KEY_2 "\n sa inbound spi 0x1001 aes-gcm-128 key " KEY_1 "\n");
	ck_assert_uint_eq(tunneld_table(&a)->count, 1);
	ck_assert(has_sa(&a, 0x1001, false) && has_sa(&a, 0x2001, true));
	ck_assert_int_eq(esp_a_to_b(&a, &b), DP_RX_DELIVER);

	/* A new key on one side only: the other refuses it (bad ICV). */
	struct tunnel *before = tunneld_find(&a, "e1");
	struct tunnel_wstate *slices = before->w;
	apply_ok(&a, &ca, ESP_E1("0x1001", KEY_3, "0x2001", KEY_2, " mtu 1300\n"));
	struct tunnel *after = tunneld_find(&a, "e1");
	ck_assert_uint_eq(after->mtu, 1300);
	/* A new version of the tunnel, with the counters carried over. */
	ck_assert_ptr_eq(after->w, slices);
	ck_assert_uint_eq(after->index, 0);
	ck_assert_int_eq(esp_a_to_b(&a, &b), DP_RX_DROP);
	/* ... and on both: traffic flows again. */
	apply_ok(&b, &cb,
	         "tunnel ipsec e1\n source 192.0.2.2\n destination 192.0.2.1\n inside-address 169.254.20.2/30\n"
	         " sa outbound spi 0x2001 aes-gcm-128 key " KEY_2 "\n sa inbound spi 0x1001 aes-gcm-128 key " KEY_3 "\n");
	ck_assert_int_eq(esp_a_to_b(&a, &b), DP_RX_DELIVER);
	ck_assert_uint_eq(sa_count(&a), 2);

	/* A new SPI: the old SA goes, the new one is bound to the tunnel. */
	apply_ok(&a, &ca, ESP_E1("0x1002", KEY_3, "0x2001", KEY_2, ""));
	ck_assert(has_sa(&a, 0x1002, false) && !has_sa(&a, 0x1001, false));
	ck_assert_uint_eq(sa_count(&a), 2);

	/* Removed: its SAs go with it. */
	apply_ok(&a, &ca, GRE_G1(""));
	ck_assert_uint_eq(sa_count(&a), 0);
	ck_assert_uint_eq(tunneld_table(&a)->count, 1);
	ck_assert_ptr_null(tunneld_find(&a, "e1"));
	ck_assert_ptr_nonnull(tunneld_find(&a, "g1"));
	tunneld_fini(&a);
	tunneld_fini(&b);
	tcfg_free(ca);
	tcfg_free(cb);
}
END_TEST

START_TEST(test_apply_failure_undoes_everything)
{
	struct tunneld td;
	struct tunneld_config *run = load(""), *bad;
	char err[256] = "";

	ck_assert(tunneld_init(&td, run, 1, NULL, NULL, err, sizeof(err)) == 0);
	apply_ok(&td, &run, ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, ""));
	/* e1 changes its MTU and key, then e2 cannot get its outbound SA:
	 * it has e1's addresses and SPI (an SA id the database refuses
	 * twice). Both must be as before. */
	bad = load(ESP_E1("0x1001", KEY_3, "0x2001", KEY_2, " mtu 1300\n")
	           "tunnel ipsec e2\n source 192.0.2.1\n destination 192.0.2.2\n"
	           " sa outbound spi 0x1009 null\n sa inbound spi 0x2002 null\n");
	/* (The file and the CLI refuse this before it gets here: made by hand.) */
	bad->tunnels[1].sa_out.spi = 0x1001;
	ck_assert_int_eq(tcfg_check(bad, NULL, false, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "outbound SPI 0x1001 to the same destination is already tunnel e1's") != NULL, "%s",
	              err);
	ck_assert_int_eq(tunnel_apply(&td, NULL, run, bad, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, "cannot add the outbound SA 0x1001") != NULL, "%s", err);
	ck_assert_uint_eq(tunneld_table(&td)->count, 1);
	ck_assert_uint_eq(tunneld_find(&td, "e1")->mtu, TCFG_IPSEC_DEFAULT_MTU);
	ck_assert_uint_eq(sa_count(&td), 2);
	ck_assert(!has_sa(&td, 0x2002, true));
	tcfg_free(bad);
	tcfg_free(run);
	tunneld_fini(&td);
}
END_TEST

/* ---- the CLI ---------------------------------------------------------------------------- */

struct cli_fixture {
	struct tunneld td;
	struct tunnel_cli_env env;
	struct tunnel_cli_session s;
	char *out;
	size_t outlen;
	FILE *f;
};

static int apply_cb(void *arg, const struct tunneld_config *old, const struct tunneld_config *new, char *err,
                    size_t errlen)
{
	return tunnel_apply(arg, NULL, old, new, err, errlen);
}

static void cli_init(struct cli_fixture *x)
{
	char err[256];

	memset(x, 0, sizeof(*x));
	ck_assert(tunneld_init(&x->td, NULL, 1, NULL, NULL, err, sizeof(err)) == 0);
	ck_assert_msg(tunnel_cli_env_init(&x->env, err, sizeof(err)) == 0, "%s", err);
	x->env.apply = apply_cb;
	x->env.apply_arg = &x->td;
	x->f = open_memstream(&x->out, &x->outlen);
	tunnel_cli_session_init(&x->s, &x->env, x->f);
}

static void cli_fini(struct cli_fixture *x)
{
	fclose(x->f);
	free(x->out);
	tunnel_cli_env_fini(&x->env);
	tunneld_fini(&x->td);
}

/* Run line; its output (fresh for every line). */
static const char *run(struct cli_fixture *x, const char *line, int want_rc)
{
	fflush(x->f);
	rewind(x->f);
	memset(x->out, 0, x->outlen);
	int rc = tunnel_cli_execute(&x->s, line);
	fflush(x->f);
	ck_assert_msg(rc == want_rc, "'%s' returned %d: %s", line, rc, x->out);
	return x->out != NULL ? x->out : "";
}

static const char *prompt(struct cli_fixture *x)
{
	static char buf[64];

	tunnel_cli_prompt(&x->s, buf, sizeof(buf));
	return buf;
}

START_TEST(test_cli_session)
{
	struct cli_fixture x;

	cli_init(&x);
	ck_assert_str_eq(prompt(&x), "tunneld# ");
	run(&x, "conf t", 0);
	ck_assert_str_eq(prompt(&x), "tunneld(config)# ");
	run(&x, "tunnel gre g1", 0);
	ck_assert_str_eq(prompt(&x), "tunneld(config-tunnel)# ");
	run(&x, "source 192.0.2.1", 0);
	/* Incomplete: in the configuration, not in the data plane. */
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 0);
	run(&x, "destination 192.0.2.2", 0);
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 1);
	run(&x, "mtu 1300", 0);
	ck_assert_uint_eq(tunneld_find(&x.td, "g1")->mtu, 1300);
	run(&x, "no mtu", 0);
	ck_assert_uint_eq(tunneld_find(&x.td, "g1")->mtu, TCFG_GRE_DEFAULT_MTU);
	run(&x, "inside-address 169.254.1.1/30", 0);
	run(&x, "shutdown", 0);
	ck_assert(tunneld_find(&x.td, "g1")->cfg.shutdown);
	run(&x, "no shutdown", 0);

	/* Bad input: a clear message, nothing changed. */
	static const struct {
		const char *line, *message;
	} bad[] = {
	    {"tcp-mss 1500", "% tunnel g1: tcp-mss 1500 does not fit mtu 1476 (at most 1436)"},
	    {"no inside-address 169.254.9.9/30", "% tunnel g1 has no inside address 169.254.9.9/30"},
	    {"mtu 9000", "% Invalid value '9000' for (576-8500)"},
	    {"tunnel gre interface-name-16", "% tunnel name 'interface-name-16': 1 to 15 letters"},
	    {"tunnel ipsec g1", "% tunnel g1 is a gre tunnel"},
	    {"no tunnel nosuch", "% no tunnel nosuch"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct tunneld_config *before = tcfg_clone(x.env.running);
		const char *out = run(&x, bad[i].line, -1);
		ck_assert_msg(strncmp(out, bad[i].message, strlen(bad[i].message)) == 0, "%s: %s", bad[i].line, out);
		ck_assert_msg(memcmp(before, x.env.running, sizeof(*before)) == 0, "%s changed the configuration",
		              bad[i].line);
		ck_assert_str_eq(prompt(&x), "tunneld(config-tunnel)# ");
		tcfg_free(before);
	}
	/* A second GRE tunnel on the same addresses cannot be told apart. */
	run(&x, "tunnel gre g2", 0);
	run(&x, "source 192.0.2.1", 0);
	const char *out = run(&x, "destination 192.0.2.2", -1);
	ck_assert_msg(strstr(out, "GRE tunnel g1 already has source 192.0.2.1 and destination 192.0.2.2") != NULL, "%s",
	              out);
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 1);
	/* Leaving an incomplete tunnel says so. */
	out = run(&x, "exit", 0);
	ck_assert_msg(strstr(out, "tunnel g2 needs a destination") != NULL, "%s", out);
	ck_assert_str_eq(prompt(&x), "tunneld(config)# ");
	run(&x, "no tunnel g2", 0);

	/* IPsec: keys of the wrong length, duplicate inbound SPIs. */
	run(&x, "tunnel ipsec e1", 0);
	run(&x, "source 192.0.2.1", 0);
	run(&x, "destination 192.0.2.3", 0);
	out = run(&x, "sa outbound spi 0x1001 aes-gcm-128 key 0011", -1);
	ck_assert_msg(strstr(out, "aes-gcm-128 needs a key of 40 hex digits") != NULL, "%s", out);
	run(&x, "sa outbound spi 0x1001 aes-gcm-128 key " KEY_1, 0);
	run(&x, "sa inbound spi 0x2001 aes-gcm-128 key " KEY_2, 0);
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 2);
	/* A new key for the same SPI replaces the SA in place. */
	run(&x, "sa outbound spi 0x1001 aes-gcm-128 key " KEY_3, 0);
	ck_assert(has_sa(&x.td, 0x1001, false));
	ck_assert_uint_eq(sa_count(&x.td), 2);
	/* Keys are never shown. */
	out = run(&x, "do show running-config", 0);
	ck_assert_ptr_null(strstr(out, KEY_3));
	ck_assert_msg(strstr(out, " sa outbound spi 0x1001 aes-gcm-128 key ****") != NULL, "%s", out);
	ck_assert_str_eq(prompt(&x), "tunneld(config-tunnel)# ");
	run(&x, "end", 0);
	ck_assert_str_eq(prompt(&x), "tunneld# ");
	out = run(&x, "show running-config json", 0);
	ck_assert_msg(strstr(out, "\"saOutbound\"") != NULL && strstr(out, KEY_3) == NULL, "%s", out);
	/* Asked for by name, root sees them; the socket's group does not. */
	out = run(&x, "show running-config with-secrets", 0);
	ck_assert_msg(strstr(out, KEY_3) != NULL, "%s", out);
	x.s.may_see_secrets = false;
	out = run(&x, "show running-config with-secrets", -1);
	ck_assert_msg(strstr(out, "only root") != NULL && strstr(out, KEY_3) == NULL, "%s", out);
	x.s.may_see_secrets = true;
	run(&x, "configure terminal", 0);
	run(&x, "no tunnel e1", 0);
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 1);
	ck_assert_uint_eq(sa_count(&x.td), 0);
	cli_fini(&x);
}
END_TEST

START_TEST(test_cli_completion)
{
	struct cli_fixture x;
	char *list = NULL;
	size_t len = 0;

	cli_init(&x);
	run(&x, "configure terminal", 0);
	run(&x, "tunnel ipsec e1", 0);
	FILE *f = open_memstream(&list, &len);
	ck_assert_int_eq(tunnel_cli_complete(&x.s, "sa inbound spi 0x1 ", f), 0);
	fclose(f);
	ck_assert_msg(strstr(list, "k\taes-gcm-128\t") != NULL && strstr(list, "k\tnull\t") != NULL, "%s", list);
	free(list);
	f = open_memstream(&list, &len);
	ck_assert_int_eq(tunnel_cli_complete(&x.s, "encap", f), 0);
	fclose(f);
	ck_assert_str_eq(list, "k\tencapsulation\tHow ESP is carried\n");
	free(list);
	cli_fini(&x);
}
END_TEST

START_TEST(test_transaction_and_write)
{
	struct cli_fixture x;
	char err[512] = "", dir[] = "/tmp/check_tunnel_apply.XXXXXX", path[128];
	const char *good = GRE_G1(" inside-address 169.254.1.1/30\n") ESP_E1("0x1001", KEY_1, "0x2001", KEY_2, "");
	const char *bad = "tunnel gre g9\n source 192.0.2.1\n destination 192.0.2.9\n"
	                  "tunnel ipsec e1\n mtu 9000\n";

	cli_init(&x);
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/tunneld.conf", dir);
	x.env.config_path = path;
	FILE *ef = fmemopen(err, sizeof(err), "w");
	ck_assert_int_eq(tunnel_cli_load(&x.env, "good.conf", good, strlen(good), ef), 0);
	/* A bad line: FILE:LINE, and nothing of the text applied. */
	ck_assert_int_eq(tunnel_cli_load(&x.env, "bad.conf", bad, strlen(bad), ef), -1);
	fclose(ef);
	ck_assert_msg(strncmp(err, "bad.conf:5: Invalid value '9000'", 32) == 0, "%s", err);
	ck_assert_ptr_null(tcfg_find(x.env.running, "g9"));
	ck_assert_ptr_null(tunneld_find(&x.td, "g9"));
	ck_assert_uint_eq(tunneld_table(&x.td)->count, 2);

	/* write memory: the file, keys included, loads back to the same. */
	const char *out = run(&x, "write memory", 0);
	ck_assert_msg(strstr(out, "Configuration saved to") != NULL, "%s", out);
	FILE *df = fopen("/dev/null", "w");
	struct tunneld_config *back = tcfg_load_file(path, df);
	fclose(df);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(back->count, 2);
	ck_assert_mem_eq(back->tunnels[1].sa_out.keymat, x.env.running->tunnels[1].sa_out.keymat, 20);
	ck_assert_int_eq(back->tunnels[0].inside[0].len, 30);
	tcfg_free(back);
	/* An incomplete tunnel would not load: not saved. */
	run(&x, "configure terminal", 0);
	run(&x, "tunnel gre half", 0);
	run(&x, "end", 0);
	out = run(&x, "write memory", -1);
	ck_assert_msg(strstr(out, "tunnel half needs a source and a destination: not saved") != NULL, "%s", out);
	unlink(path);
	char bak[160];
	snprintf(bak, sizeof(bak), "%s.bak", path);
	unlink(bak);
	rmdir(dir);
	cli_fini(&x);
}
END_TEST

static Suite *apply_suite(void)
{
	Suite *s = suite_create("tunnel_apply");
	TCase *tc = tcase_create("diff");

	tcase_add_loop_test(tc, test_diff, 0, (int)(sizeof(diff_cases) / sizeof(diff_cases[0])));
	suite_add_tcase(s, tc);
	tc = tcase_create("apply");
	tcase_add_test(tc, test_apply_keys_live);
	tcase_add_test(tc, test_apply_failure_undoes_everything);
	suite_add_tcase(s, tc);
	tc = tcase_create("cli");
	tcase_add_test(tc, test_cli_session);
	tcase_add_test(tc, test_cli_completion);
	tcase_add_test(tc, test_transaction_and_write);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(apply_suite());
}
