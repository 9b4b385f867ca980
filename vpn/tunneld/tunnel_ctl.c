/*
 * tunnel_ctl.c - the control socket and the show commands of
 * skygate-tunneld.
 */
#include "config.h"

#include "tunnel_ctl.h"

#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "ipc.h"
#include "ipc_server.h"
#include "tunnel_cli.h"

#define LOG_TAG       "ctl"
#define CTL_GROUP     "skygate"
#define CTL_MAX_CONNS 64

struct tunnel_ctl {
	struct tunnel_ctl_env *env;
	struct ipc_server *ipc; /* NULL: commands only (tests) */
};

/* ---- show tunnel ------------------------------------------------------------------- */

static const char *tunnel_state(const struct tunnel *t, uint64_t now_ns)
{
	if (t->cfg.shutdown)
		return "admin-down";
	if (t->cfg.kind == TCFG_GRE && t->cfg.keepalive_interval != 0) {
		int64_t last = atomic_load_explicit(&t->ka_last_rx_ns, memory_order_relaxed);
		uint64_t window = (uint64_t)t->cfg.keepalive_interval * t->cfg.keepalive_retries * 1000000000u;
		/* Down until the first reply, and after `retries` missed ones. */
		if (last == 0 || now_ns - (uint64_t)last > window)
			return "down";
	}
	return "up";
}

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static struct json_object *u64(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

static struct json_object *tunnel_json(const struct tunnel_ctl *ctl, const struct tunnel *t)
{
	const struct tunneld *td = ctl->env->td;
	struct json_object *o = json_object_new_object();
	struct tunnel_totals tot;
	char buf[INET6_ADDRSTRLEN + 8];

	tunnel_totals(td, t, &tot);
	json_object_object_add(o, "name", json_object_new_string(t->cfg.name));
	json_object_object_add(o, "kind", json_object_new_string(tcfg_kind_name(t->cfg.kind)));
	json_object_object_add(o, "state", json_object_new_string(tunnel_state(t, mono_ns())));
	json_object_object_add(o, "ifindex", json_object_new_int(t->ifindex));
	inet_ntop(t->cfg.source_af, t->cfg.source, buf, sizeof(buf));
	json_object_object_add(o, "source", json_object_new_string(buf));
	inet_ntop(t->cfg.destination_af, t->cfg.destination, buf, sizeof(buf));
	json_object_object_add(o, "destination", json_object_new_string(buf));
	json_object_object_add(o, "mtu", json_object_new_int((int)t->mtu));
	if (tcfg_tcp_mss(&t->cfg) != 0)
		json_object_object_add(o, "tcpMss", json_object_new_int(tcfg_tcp_mss(&t->cfg)));
	if (t->cfg.kind == TCFG_GRE && t->cfg.has_key)
		json_object_object_add(o, "key", u64(t->cfg.key));
	if (t->cfg.kind == TCFG_IPSEC)
		json_object_object_add(o, "encapsulation", json_object_new_string(tcfg_encap_name(t->cfg.encap)));
	if (t->cfg.kind == TCFG_IPSEC && t->cfg.ike.enabled) {
		char state[32] = "not-running", error[160] = "";
		struct json_object *ike = json_object_new_object();
		if (ctl->env->ike_state != NULL)
			ctl->env->ike_state(t->cfg.name, state, sizeof(state), error, sizeof(error));
		json_object_object_add(ike, "state", json_object_new_string(state));
		json_object_object_add(ike, "error", json_object_new_string(error));
		json_object_object_add(o, "ike", ike);
	}
	struct json_object *addrs = json_object_new_array();
	for (size_t i = 0; i < t->cfg.inside_count; i++)
		json_object_array_add(addrs, json_object_new_string(prefix_format(&t->cfg.inside[i], buf, sizeof(buf))));
	json_object_object_add(o, "insideAddresses", addrs);

	struct json_object *c = json_object_new_object();
	json_object_object_add(c, "txPackets", u64(tot.tx_packets));
	json_object_object_add(c, "txBytes", u64(tot.tx_bytes));
	json_object_object_add(c, "rxPackets", u64(tot.rx_packets));
	json_object_object_add(c, "rxBytes", u64(tot.rx_bytes));
	json_object_object_add(c, "mssClamped", u64(tot.mss_clamped));
	json_object_object_add(c, "icmpTooBig", u64(tot.icmp_too_big));
	json_object_object_add(c, "gsoSuperPackets", u64(tot.gso_super));
	json_object_object_add(c, "gsoSegments", u64(tot.gso_segments));
	json_object_object_add(c, "udpGsoSends", u64(tot.udp_gso_sends));
	json_object_object_add(c, "tunGsoWrites", u64(tot.tun_gso_writes));
	if (t->cfg.kind == TCFG_GRE) {
		json_object_object_add(c, "keepaliveTx", u64(tot.keepalive_tx));
		json_object_object_add(c, "keepaliveRx", u64(tot.keepalive_rx));
		json_object_object_add(c, "keepaliveReflected", u64(tot.keepalive_reflect));
	}
	json_object_object_add(o, "counters", c);

	struct json_object *d = json_object_new_object();
	for (unsigned i = 0; i < TD_COUNT; i++)
		json_object_object_add(d, tunnel_drop_name(i), u64(tot.drops[i]));
	if (t->cfg.kind == TCFG_GRE) {
		struct json_object *g = json_object_new_object();
		for (unsigned i = 0; i < GRE_DROP_COUNT; i++)
			json_object_object_add(g, gre_drop_name(i), u64(tot.gre_drops[i]));
		json_object_object_add(d, "gre", g);
	}
	json_object_object_add(o, "drops", d);

	struct json_object *ws = json_object_new_array();
	for (unsigned i = 0; i < td->nworkers; i++) {
		struct json_object *w = json_object_new_object();
		json_object_object_add(w, "worker", json_object_new_int((int)i));
		json_object_object_add(w, "txPackets", u64(wc_get(&t->w[i].c.tx_packets)));
		json_object_object_add(w, "rxPackets", u64(wc_get(&t->w[i].c.rx_packets)));
		json_object_array_add(ws, w);
	}
	json_object_object_add(o, "workers", ws);
	return o;
}

static struct json_object *global_json(const struct tunnel_ctl *ctl)
{
	const struct tunneld *td = ctl->env->td;
	struct json_object *o = json_object_new_object();

	for (unsigned d = 0; d < GD_COUNT; d++) {
		uint64_t sum = 0;
		for (unsigned i = 0; i < td->nworkers; i++)
			sum += wc_get(&td->gdrops[i][d]);
		json_object_object_add(o, global_drop_name(d), u64(sum));
	}
	return o;
}

static void print_tunnel_text(FILE *out, struct json_object *t)
{
	struct json_object *c = json_object_object_get(t, "counters");
	struct json_object *d = json_object_object_get(t, "drops");

	fprintf(out, "Tunnel %s (%s) is %s, %s -> %s, mtu %d\n", json_object_get_string(json_object_object_get(t, "name")),
	        json_object_get_string(json_object_object_get(t, "kind")),
	        json_object_get_string(json_object_object_get(t, "state")),
	        json_object_get_string(json_object_object_get(t, "source")),
	        json_object_get_string(json_object_object_get(t, "destination")),
	        json_object_get_int(json_object_object_get(t, "mtu")));
	struct json_object *ike = json_object_object_get(t, "ike");
	if (ike != NULL) {
		const char *err = json_object_get_string(json_object_object_get(ike, "error"));
		fprintf(out, "  IKE %s%s%s\n", json_object_get_string(json_object_object_get(ike, "state")),
		        err[0] != '\0' ? ": " : "", err);
	}
	json_object_object_foreach(c, key, val) fprintf(out, "  %-20s %s\n", key, json_object_get_string(val));
	fprintf(out, "  drops:\n");
	json_object_object_foreach(d, dkey, dval)
	{
		if (json_object_is_type(dval, json_type_int) && json_object_get_int64(dval) != 0)
			fprintf(out, "    %-18s %s\n", dkey, json_object_get_string(dval));
	}
	struct json_object *ws = json_object_object_get(t, "workers");
	for (size_t i = 0; i < json_object_array_length(ws); i++) {
		struct json_object *w = json_object_array_get_idx(ws, i);
		fprintf(out, "  worker %d: tx %s rx %s\n", json_object_get_int(json_object_object_get(w, "worker")),
		        json_object_get_string(json_object_object_get(w, "txPackets")),
		        json_object_get_string(json_object_object_get(w, "rxPackets")));
	}
}

/* A tunnel of the configuration that is not complete: no device yet. */
static struct json_object *incomplete_json(const struct tcfg_tunnel *c)
{
	struct json_object *o = json_object_new_object();
	char why[96];

	tcfg_complete(c, why, sizeof(why));
	json_object_object_add(o, "name", json_object_new_string(c->name));
	json_object_object_add(o, "kind", json_object_new_string(tcfg_kind_name(c->kind)));
	json_object_object_add(o, "state", json_object_new_string("incomplete"));
	json_object_object_add(o, "incomplete", json_object_new_string(why));
	return o;
}

static int cmd_show_tunnel(void *arg, const struct cmd_args *args)
{
	struct tunnel_cli_session *ctx = arg;
	struct tunnel_ctl *ctl = ctx->env->show_arg;
	struct tunneld *td = ctl->env->td;
	const struct tunnel_table *tab = tunneld_table(td);
	const struct tunneld_config *running = ctx->env->running;
	const char *name = cmd_args_get(args, "name");
	bool json = cmd_args_has(args, "json");
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	size_t found = 0;

	/* In configuration order; the table holds the complete ones. */
	for (size_t i = 0; i < running->count; i++) {
		const struct tcfg_tunnel *c = &running->tunnels[i];
		if (name != NULL && strcmp(name, c->name) != 0)
			continue;
		const struct tunnel *t = NULL;
		for (size_t k = 0; k < tab->count && t == NULL; k++)
			if (strcmp(tab->list[k]->cfg.name, c->name) == 0)
				t = tab->list[k];
		json_object_array_add(list, t != NULL ? tunnel_json(ctl, t) : incomplete_json(c));
		found++;
	}
	if (name != NULL && found == 0) {
		json_object_put(root);
		json_object_put(list);
		fprintf(ctx->out, "%% No tunnel %s\n", name);
		return -1;
	}
	json_object_object_add(root, "tunnels", list);
	json_object_object_add(root, "globalDrops", global_json(ctl));
	json_object_object_add(root, "workers", json_object_new_int((int)td->nworkers));
	if (ctl->env->pool != NULL) {
		const struct tun_offload *off = worker_pool_offload(ctl->env->pool);
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "tso", json_object_new_boolean(off->tso));
		json_object_object_add(o, "uso", json_object_new_boolean(off->uso));
		json_object_object_add(o, "udpGso", json_object_new_boolean(worker_pool_udp_gso(ctl->env->pool)));
		json_object_object_add(root, "offload", o);
	}
	if (json) {
		fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	} else {
		for (size_t i = 0; i < json_object_array_length(list); i++) {
			struct json_object *t = json_object_array_get_idx(list, i);
			if (json_object_object_get(t, "incomplete") != NULL)
				fprintf(ctx->out, "Tunnel %s (%s) is incomplete: %s\n",
				        json_object_get_string(json_object_object_get(t, "name")),
				        json_object_get_string(json_object_object_get(t, "kind")),
				        json_object_get_string(json_object_object_get(t, "incomplete")));
			else
				print_tunnel_text(ctx->out, t);
		}
	}
	json_object_put(root);
	return 0;
}

/* ---- show ipsec sa -------------------------------------------------------------------- */

struct sa_list {
	struct tunnel_ctl *ctl;
	struct json_object *arr;
};

static void sa_json(void *arg, const struct ipsec_sa_entry *e)
{
	struct sa_list *l = arg;
	struct tunneld *td = l->ctl->env->td;
	const struct tunnel *t = e->reqid < TCFG_MAX_TUNNELS ? tunneld_table(td)->slot[e->reqid] : NULL;
	struct json_object *o = json_object_new_object(), *res = json_object_new_object();
	struct esp_sa_stats st;
	char buf[INET6_ADDRSTRLEN], spi[16];
	int af = e->id.family == AF_INET6 ? AF_INET6 : AF_INET;

	esp_sa_stats(e->sa, &st);
	snprintf(spi, sizeof(spi), "0x%08x", e->id.spi);
	json_object_object_add(o, "spi", json_object_new_string(spi));
	json_object_object_add(o, "direction", json_object_new_string(e->inbound ? "inbound" : "outbound"));
	json_object_object_add(o, "tunnel", json_object_new_string(t != NULL ? t->cfg.name : "?"));
	json_object_object_add(o, "reqid", u64(e->reqid));
	inet_ntop(af, e->id.src, buf, sizeof(buf));
	json_object_object_add(o, "source", json_object_new_string(buf));
	inet_ntop(af, e->id.dst, buf, sizeof(buf));
	json_object_object_add(o, "destination", json_object_new_string(buf));
	json_object_object_add(o, "encapsulation", json_object_new_string(e->encap ? "udp" : "esp"));
	json_object_object_add(o, "algorithm",
	                       json_object_new_string(esp_sa_icv_len(e->sa) == 0 ? "null" : "aes-gcm"));
	json_object_object_add(o, "icvLength", json_object_new_int((int)esp_sa_icv_len(e->sa)));
	json_object_object_add(o, "packets", u64(st.packets));
	json_object_object_add(o, "bytes", u64(st.bytes));
	json_object_object_add(o, "sequence", u64(st.seq));
	json_object_object_add(o, "lastUse", u64((uint64_t)atomic_load(&e->last_use)));
	json_object_object_add(o, "softExpired", json_object_new_boolean(st.soft_expired));
	json_object_object_add(o, "hardExpired", json_object_new_boolean(st.hard_expired));
	for (unsigned i = 0; i < ESP_RESULT_COUNT; i++)
		json_object_object_add(res, esp_result_name(i), u64(st.results[i]));
	json_object_object_add(o, "results", res);
	json_object_array_add(l->arr, o);
}

static int cmd_show_ipsec_sa(void *arg, const struct cmd_args *args)
{
	struct tunnel_cli_session *ctx = arg;
	struct sa_list l = {.ctl = ctx->env->show_arg, .arr = json_object_new_array()};
	struct json_object *root = json_object_new_object();

	ipsec_sadb_foreach(l.ctl->env->td->sadb, sa_json, &l);
	json_object_object_add(root, "sas", l.arr);
	if (cmd_args_has(args, "json")) {
		fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	} else {
		for (size_t i = 0; i < json_object_array_length(l.arr); i++) {
			struct json_object *o = json_object_array_get_idx(l.arr, i);
			fprintf(ctx->out, "SPI %s %s tunnel %s %s -> %s %s, %s packets, %s bytes\n",
			        json_object_get_string(json_object_object_get(o, "spi")),
			        json_object_get_string(json_object_object_get(o, "direction")),
			        json_object_get_string(json_object_object_get(o, "tunnel")),
			        json_object_get_string(json_object_object_get(o, "source")),
			        json_object_get_string(json_object_object_get(o, "destination")),
			        json_object_get_string(json_object_object_get(o, "algorithm")),
			        json_object_get_string(json_object_object_get(o, "packets")),
			        json_object_get_string(json_object_object_get(o, "bytes")));
		}
	}
	json_object_put(root);
	return 0;
}

#ifdef SKYGATE_TEST_HOOKS
/* ---- debug ipsec sa keys (test builds only) -------------------------------------------- */

/*
 * Every SA with its keying material in clear, so that a test can hand a
 * capture's keys to a decoder (tshark's esp_sa table) and prove the
 * packets on the wire are what IKE negotiated. Compiled in only by
 * configure --enable-test-hooks; a release build has no such command.
 * The keys go to the asking client alone, never to the log.
 */
static void sa_keys_json(void *arg, const struct ipsec_sa_entry *e)
{
	struct sa_list *l = arg;
	struct json_object *o = json_object_new_object();
	uint8_t keymat[64];
	char hex[2 * sizeof(keymat) + 1], buf[INET6_ADDRSTRLEN], spi[16];
	size_t n = esp_sa_export_keymat(e->sa, keymat, sizeof(keymat));
	int af = e->id.family == AF_INET6 ? AF_INET6 : AF_INET;

	snprintf(spi, sizeof(spi), "0x%08x", e->id.spi);
	json_object_object_add(o, "spi", json_object_new_string(spi));
	json_object_object_add(o, "direction", json_object_new_string(e->inbound ? "inbound" : "outbound"));
	json_object_object_add(o, "family", json_object_new_string(af == AF_INET6 ? "ipv6" : "ipv4"));
	inet_ntop(af, e->id.src, buf, sizeof(buf));
	json_object_object_add(o, "source", json_object_new_string(buf));
	inet_ntop(af, e->id.dst, buf, sizeof(buf));
	json_object_object_add(o, "destination", json_object_new_string(buf));
	json_object_object_add(o, "encapsulation", json_object_new_string(e->encap ? "udp" : "esp"));
	if (e->encap) {
		json_object_object_add(o, "encapSourcePort", json_object_new_int(e->encap_sport ? e->encap_sport : 4500));
		json_object_object_add(o, "encapDestinationPort",
		                       json_object_new_int(e->encap_dport ? e->encap_dport : 4500));
	}
	json_object_object_add(o, "algorithm", json_object_new_string(n == 0 ? "null" : "aes-gcm"));
	json_object_object_add(o, "icvLength", json_object_new_int((int)esp_sa_icv_len(e->sa)));
	if (n > 4) {
		/* key || salt (RFC 4106 section 8.1): the salt is the last 4 octets. */
		for (size_t i = 0; i < n - 4; i++)
			snprintf(hex + 2 * i, 3, "%02x", keymat[i]);
		json_object_object_add(o, "key", json_object_new_string(hex));
		for (size_t i = 0; i < 4; i++)
			snprintf(hex + 2 * i, 3, "%02x", keymat[n - 4 + i]);
		json_object_object_add(o, "salt", json_object_new_string(hex));
	}
	explicit_bzero(keymat, sizeof(keymat));
	explicit_bzero(hex, sizeof(hex));
	json_object_array_add(l->arr, o);
}

static int cmd_debug_ipsec_sa_keys(void *arg, const struct cmd_args *args)
{
	struct tunnel_cli_session *ctx = arg;
	struct sa_list l = {.ctl = ctx->env->show_arg, .arr = json_object_new_array()};
	struct json_object *root = json_object_new_object();

	(void)args;
	/* As `show running-config with-secrets`: keys only to root. */
	if (!ctx->may_see_secrets) {
		json_object_put(l.arr);
		json_object_put(root);
		fprintf(ctx->out, "%% debug ipsec sa keys: only root sees the keys\n");
		return -1;
	}
	ipsec_sadb_foreach(l.ctl->env->td->sadb, sa_keys_json, &l);
	json_object_object_add(root, "sas", l.arr);
	fprintf(ctx->out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
	json_object_put(root);
	return 0;
}
#endif

static const struct cmd_def ctl_commands[] = {
    {TCFG_NODE_EXEC, "show tunnel [WORD$name] [json$json]",
     "Show running system information\nTunnels\nTunnel name\nJSON output\n", cmd_show_tunnel, 0},
    {TCFG_NODE_EXEC, "show ipsec sa [json$json]",
     "Show running system information\nIPsec\nSecurity associations\nJSON output\n", cmd_show_ipsec_sa, 0},
#ifdef SKYGATE_TEST_HOOKS
    {TCFG_NODE_EXEC, "debug ipsec sa keys json",
     "Debugging (test build)\nIPsec\nSecurity associations\nThe keys in clear, to decrypt a capture\nJSON output\n",
     cmd_debug_ipsec_sa_keys, 0},
#endif
};

int tunnel_ctl_execute(struct tunnel_ctl *ctl, const char *line, FILE *out)
{
	struct tunnel_cli_session s;

	tunnel_cli_session_init(&s, ctl->env->cli, out);
	return tunnel_cli_execute(&s, line);
}

/* ---- the socket: one CLI session per connection (lib/ipc_server.h) ------------------- */

static void *session_open(void *arg, const struct ipc_peer *peer)
{
	struct tunnel_ctl *ctl = arg;
	struct tunnel_cli_session *s = malloc(sizeof(*s));

	if (s != NULL) {
		tunnel_cli_session_init(s, ctl->env->cli, NULL);
		s->may_see_secrets = peer != NULL && peer->uid == 0;
	}
	return s;
}

static void session_close(void *arg, void *session)
{
	(void)arg;
	free(session);
}

static int session_execute(void *arg, void *session, const char *line, FILE *out)
{
	struct tunnel_cli_session *s = session;

	(void)arg;
	s->out = out;
	return tunnel_cli_execute(s, line);
}

static int session_complete(void *arg, void *session, const char *line, FILE *out)
{
	struct tunnel_cli_session *s = session;

	(void)arg;
	s->out = out;
	return tunnel_cli_complete(s, line, out);
}

static int config_load(void *arg, const char *name, const char *text, size_t len, FILE *out)
{
	struct tunnel_ctl *ctl = arg;

	return tunnel_cli_load(ctl->env->cli, name, text, len, out);
}

static void session_prompt(void *arg, void *session, char *buf, size_t len)
{
	(void)arg;
	tunnel_cli_prompt(session, buf, len);
}

static bool session_closing(void *arg, void *session)
{
	(void)arg;
	return ((struct tunnel_cli_session *)session)->closing;
}

static const struct ipc_server_ops ctl_ops = {
    .open = session_open,
    .close = session_close,
    .execute = session_execute,
    .complete = session_complete,
    .load = config_load,
    .prompt = session_prompt,
    .closing = session_closing,
    .log_tag = LOG_TAG,
};

struct tunnel_ctl *tunnel_ctl_new(struct loop *loop, struct tunnel_ctl_env *env, const char *rundir,
                                  char *err, size_t errlen)
{
	struct tunnel_ctl *ctl = calloc(1, sizeof(*ctl));

	if (ctl == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	ctl->env = env;
	env->cli->show_arg = ctl;
	/* The show commands join the CLI's exec node; a registry that has
	 * them already (a second server on one environment) keeps them. */
	for (size_t i = 0; i < sizeof(ctl_commands) / sizeof(ctl_commands[0]); i++) {
		if (cmd_register(env->cli->reg, &ctl_commands[i], err, errlen) != 0 && strstr(err, "already") == NULL) {
			free(ctl);
			return NULL;
		}
	}
	if (rundir == NULL)
		return ctl; /* commands only, no socket (tests) */
	ctl->ipc = ipc_server_new(loop, rundir, TUNNEL_CTL_SOCKET, CTL_GROUP, CTL_MAX_CONNS, &ctl_ops, ctl, err, errlen);
	if (ctl->ipc == NULL) {
		free(ctl);
		return NULL;
	}
	return ctl;
}

void tunnel_ctl_free(struct tunnel_ctl *ctl)
{
	if (ctl == NULL)
		return;
	ipc_server_free(ctl->ipc);
	free(ctl);
}
