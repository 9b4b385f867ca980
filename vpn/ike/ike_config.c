/*
 * ike_config.c - the IKE commands of `tunnel ipsec NAME` (ike_config.h).
 */
#include "ike_config.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <string.h>

#include "cmd.h"
#include "tunnel_config.h"

static int fail(struct tcfg_edit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct tcfg_edit *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* The tunnel of e's node (another session may have removed it). */
static struct tcfg_tunnel *cur(struct tcfg_edit *e)
{
	struct tcfg_tunnel *t = tcfg_find(e->cfg, e->tunnel);

	if (t == NULL) {
		e->node = TCFG_NODE_CONFIG;
		fail(e, "tunnel %s was removed; back in configure mode", e->tunnel);
	}
	return t;
}

static bool is_no(const struct cmd_args *args)
{
	return cmd_args_has(args, "no");
}

static int cmd_address(void *ctx, const struct cmd_args *args, bool local)
{
	struct tcfg_tunnel *t = cur(ctx);
	struct in_addr a = {0};

	if (t == NULL)
		return -1;
	bool set = !is_no(args);
	if (set && inet_pton(AF_INET, cmd_args_get(args, "addr"), &a) != 1)
		return fail(ctx, "not an IPv4 address");
	/* The same fields as `source` and `destination`, which also take
	 * IPv6: IKE here is IPv4 only, so the family is always AF_INET. */
	if (local) {
		t->has_source = set;
		memset(t->source, 0, sizeof(t->source));
		memcpy(t->source, &a, 4);
		t->source_af = set ? AF_INET : 0;
	} else {
		t->has_destination = set;
		memset(t->destination, 0, sizeof(t->destination));
		memcpy(t->destination, &a, 4);
		t->destination_af = set ? AF_INET : 0;
	}
	return 0;
}

static int cmd_local_address(void *ctx, const struct cmd_args *args)
{
	return cmd_address(ctx, args, true);
}

static int cmd_peer_address(void *ctx, const struct cmd_args *args)
{
	return cmd_address(ctx, args, false);
}

static int cmd_ike_version(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	if (is_no(args)) {
		t->ike.version = 0;
		return 0;
	}
	if (strcmp(cmd_args_get(args, "ver"), "2") != 0)
		return fail(ctx, "only IKEv2 (RFC 7296) is supported");
	t->ike.version = 2;
	return 0;
}

static int cmd_psk(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	if (is_no(args)) {
		explicit_bzero(t->ike.psk, sizeof(t->ike.psk));
		t->ike.enabled = false;
		return 0;
	}
	const char *k = cmd_args_get(args, "key");
	size_t n = strlen(k);
	/* RFC 7296 2.15: a key with less entropy than the PRF's is weak; a
	 * floor of 8 catches placeholders, not weak keys. */
	if (n < 8 || n > TCFG_PSK_MAX)
		return fail(ctx, "the pre-shared key must be 8 to %d characters", TCFG_PSK_MAX);
	/* `show running-config` pasted back would otherwise key the tunnel
	 * with its mask. */
	if (strspn(k, "*") == n)
		return fail(ctx, "'%s' is the mask `show running-config` prints, not a key "
		                 "(`show running-config with-secrets` shows it)", k);
	explicit_bzero(t->ike.psk, sizeof(t->ike.psk));
	memcpy(t->ike.psk, k, n);
	t->ike.enabled = true;
	return 0;
}

/* strongSwan's proposal syntax: algorithm names joined by '-', several
 * proposals by ','. charon parses it when the tunnel is loaded. */
static int set_proposal(void *ctx, const struct cmd_args *args, char *dst)
{
	if (is_no(args)) {
		dst[0] = '\0';
		return 0;
	}
	const char *p = cmd_args_get(args, "proposal");
	size_t n = strlen(p);
	if (n > TCFG_PROPOSAL_MAX)
		return fail(ctx, "proposal longer than %d characters", TCFG_PROPOSAL_MAX);
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == ',' || c == '_'))
			return fail(ctx, "bad proposal '%s': lowercase algorithm names joined by '-' (e.g. %s)", p,
			            IKE_DEFAULT_IKE_PROPOSAL);
	}
	memcpy(dst, p, n + 1);
	return 0;
}

static int cmd_ike_proposal(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	return t == NULL ? -1 : set_proposal(ctx, args, t->ike.ike_proposal);
}

static int cmd_esp_proposal(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	return t == NULL ? -1 : set_proposal(ctx, args, t->ike.esp_proposal);
}

static int cmd_initiate(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	t->ike.initiate = !is_no(args);
	return 0;
}

static int cmd_respond(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	(void)args;
	if (t == NULL)
		return -1;
	t->ike.initiate = false;
	return 0;
}

static uint32_t arg_u32(const struct cmd_args *args, const char *name)
{
	uint64_t v = 0;

	cmd_args_get_u64(args, name, &v);
	return (uint32_t)v;
}

/* `lifetime ike|esp SECONDS`: the hard lifetime, as providers publish
 * it; charon rekeys before it (ike_backend.c). */
static int cmd_lifetime(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	uint32_t v = is_no(args) ? 0 : arg_u32(args, "seconds");
	if (strcmp(cmd_args_get(args, "which"), "ike") == 0)
		t->ike.ike_lifetime = v;
	else
		t->ike.esp_lifetime = v;
	return 0;
}

static int cmd_dpd(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	if (is_no(args)) {
		t->ike.has_dpd = false;
		t->ike.dpd_interval = 0;
		t->ike.dpd_timeout = 0;
		t->ike.dpd_action = TCFG_DPD_DEFAULT;
		return 0;
	}
	uint32_t interval = arg_u32(args, "interval"), timeout = arg_u32(args, "timeout");
	/* One probe must be able to fail before the peer is declared dead. */
	if (timeout <= interval)
		return fail(ctx, "dpd timeout %u must be longer than the interval %u", timeout, interval);
	const char *a = cmd_args_get(args, "action");
	t->ike.has_dpd = true;
	t->ike.dpd_interval = (uint16_t)interval;
	t->ike.dpd_timeout = (uint16_t)timeout;
	t->ike.dpd_action = strcmp(a, "restart") == 0 ? TCFG_DPD_RESTART
	                    : strcmp(a, "clear") == 0 ? TCFG_DPD_CLEAR
	                                              : TCFG_DPD_NONE;
	return 0;
}

static int cmd_nat_traversal(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	t->ike.natt_force = !is_no(args) && strcmp(cmd_args_get(args, "mode"), "force") == 0;
	return 0;
}

static int cmd_profile(void *ctx, const struct cmd_args *args)
{
	struct tcfg_tunnel *t = cur(ctx);

	if (t == NULL)
		return -1;
	if (is_no(args))
		t->ike.profile = TCFG_PROFILE_NONE;
	else
		t->ike.profile = strcmp(cmd_args_get(args, "name"), "aws-vpn") == 0 ? TCFG_PROFILE_AWS : TCFG_PROFILE_AZURE;
	return 0;
}

const char *tcfg_ike_profile_name(enum tcfg_ike_profile p)
{
	switch (p) {
	case TCFG_PROFILE_AWS:
		return "aws-vpn";
	case TCFG_PROFILE_AZURE:
		return "azure-vpngw";
	case TCFG_PROFILE_NONE:
		break;
	}
	return "none";
}

const char *tcfg_dpd_action_name(enum tcfg_dpd_action a)
{
	switch (a) {
	case TCFG_DPD_RESTART:
		return "restart";
	case TCFG_DPD_CLEAR:
		return "clear";
	case TCFG_DPD_NONE:
		return "none";
	case TCFG_DPD_DEFAULT:
		break;
	}
	return "default";
}

#define NO_HELP "Negate a command or set its defaults\n"

static const struct cmd_def ike_commands[] = {
    {TCFG_NODE_IPSEC, "local-address A.B.C.D$addr", "Local IKE and ESP address (the source)\nIPv4 address\n",
     cmd_local_address, 0},
    {TCFG_NODE_IPSEC, "no local-address", NO_HELP "Local IKE and ESP address (the source)\n", cmd_local_address,
     0},
    {TCFG_NODE_IPSEC, "peer-address A.B.C.D$addr", "The IKE peer (the destination)\nIPv4 address\n",
     cmd_peer_address, 0},
    {TCFG_NODE_IPSEC, "no peer-address", NO_HELP "The IKE peer (the destination)\n", cmd_peer_address, 0},
    {TCFG_NODE_IPSEC, "ike-version (1-2)$ver", "IKE version\nVersion (2: RFC 7296)\n", cmd_ike_version, 0},
    {TCFG_NODE_IPSEC, "no ike-version", NO_HELP "IKE version\n", cmd_ike_version, 0},
    {TCFG_NODE_IPSEC, "authentication pre-shared-key WORD$key",
     "IKE authentication\nPre-shared key (RFC 7296 2.15); keys the tunnel with IKE\nThe key\n", cmd_psk, 0},
    {TCFG_NODE_IPSEC, "no authentication", NO_HELP "IKE authentication\n", cmd_psk, 0},
    {TCFG_NODE_IPSEC, "ike-proposal WORD$proposal",
     "IKE SA algorithms\nstrongSwan proposal (default " IKE_DEFAULT_IKE_PROPOSAL ")\n", cmd_ike_proposal, 0},
    {TCFG_NODE_IPSEC, "no ike-proposal", NO_HELP "IKE SA algorithms\n", cmd_ike_proposal, 0},
    {TCFG_NODE_IPSEC, "esp-proposal WORD$proposal",
     "CHILD SA algorithms\nstrongSwan proposal (default " IKE_DEFAULT_ESP_PROPOSAL ")\n", cmd_esp_proposal, 0},
    {TCFG_NODE_IPSEC, "no esp-proposal", NO_HELP "CHILD SA algorithms\n", cmd_esp_proposal, 0},
    {TCFG_NODE_IPSEC, "initiate", "Start the IKE exchange (and restart it when it fails)\n", cmd_initiate, 0},
    {TCFG_NODE_IPSEC, "no initiate", NO_HELP "Start the IKE exchange\n", cmd_initiate, 0},
    {TCFG_NODE_IPSEC, "respond", "Wait for the peer to start the IKE exchange (the default)\n", cmd_respond, 0},
    {TCFG_NODE_IPSEC, "lifetime <ike|esp>$which (300-172800)$seconds",
     "Lifetime of the negotiated SAs\nThe IKE SA (rekeyed before it ends)\nThe CHILD SAs (rekeyed before they end)\n"
     "Seconds\n",
     cmd_lifetime, 0},
    {TCFG_NODE_IPSEC, "no lifetime <ike|esp>$which", NO_HELP "Lifetime of the negotiated SAs\nThe IKE SA\nThe CHILD SAs\n",
     cmd_lifetime, 0},
    {TCFG_NODE_IPSEC, "dpd interval (1-3600)$interval timeout (2-7200)$timeout action <restart|clear|none>$action",
     "Dead peer detection (RFC 7296 2.4)\nProbe a peer quiet for this long\nSeconds\n"
     "Declare the peer dead when a probe is unanswered this long\nSeconds\nWhat to do then\n"
     "Close the SAs and initiate again\nClose the SAs\nSend no probes at all\n",
     cmd_dpd, 0},
    {TCFG_NODE_IPSEC, "no dpd", NO_HELP "Dead peer detection (back to the default)\n", cmd_dpd, 0},
    {TCFG_NODE_IPSEC, "nat-traversal <auto|force>$mode",
     "UDP encapsulation of ESP (RFC 3948)\nWhen IKE detects a NAT (RFC 7296 2.23)\nAlways, NAT or not\n",
     cmd_nat_traversal, 0},
    {TCFG_NODE_IPSEC, "no nat-traversal", NO_HELP "UDP encapsulation of ESP (back to auto)\n", cmd_nat_traversal,
     0},
    {TCFG_NODE_IPSEC, "profile <aws-vpn|azure-vpngw>$name",
     "Defaults of a cloud VPN gateway (explicit settings override them)\nAWS Site-to-Site VPN\nAzure VPN Gateway\n",
     cmd_profile, 0},
    {TCFG_NODE_IPSEC, "no profile", NO_HELP "Defaults of a cloud VPN gateway\n", cmd_profile, 0},
};

int tcfg_ike_register(struct cmd_registry *reg, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(ike_commands) / sizeof(ike_commands[0]); i++) {
		char why[200];
		if (cmd_register(reg, &ike_commands[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "command '%s': %s", ike_commands[i].syntax, why);
			return -1;
		}
	}
	return 0;
}

void tcfg_ike_print(const struct tcfg_tunnel *t, FILE *out, bool with_keys)
{
	const struct tcfg_ike *k = &t->ike;

	if (k->profile != TCFG_PROFILE_NONE)
		fprintf(out, " profile %s\n", tcfg_ike_profile_name(k->profile));
	if (k->version != 0)
		fprintf(out, " ike-version %u\n", k->version);
	if (k->enabled)
		fprintf(out, " authentication pre-shared-key %s\n", with_keys ? k->psk : "********");
	if (k->ike_proposal[0] != '\0')
		fprintf(out, " ike-proposal %s\n", k->ike_proposal);
	if (k->esp_proposal[0] != '\0')
		fprintf(out, " esp-proposal %s\n", k->esp_proposal);
	if (k->initiate)
		fputs(" initiate\n", out);
	if (k->ike_lifetime != 0)
		fprintf(out, " lifetime ike %u\n", k->ike_lifetime);
	if (k->esp_lifetime != 0)
		fprintf(out, " lifetime esp %u\n", k->esp_lifetime);
	if (k->has_dpd)
		fprintf(out, " dpd interval %u timeout %u action %s\n", k->dpd_interval, k->dpd_timeout,
		        tcfg_dpd_action_name(k->dpd_action));
	if (k->natt_force)
		fputs(" nat-traversal force\n", out);
}

/* 169.254.0.0/16 (RFC 3927), as a host-order number. */
#define LINK_LOCAL_NET  0xa9fe0000u
#define LINK_LOCAL_MASK 0xffff0000u
/* Azure's APIPA range for BGP over VPN: 169.254.21.0 - 169.254.22.255. */
#define AZURE_APIPA_FIRST 0xa9fe1500u
#define AZURE_APIPA_LAST  0xa9fe16ffu

/* The inside addresses a profile's gateway accepts (IPv6 ones are the
 * operator's business). 0, or -1 with a message. */
static int check_profile_inside(const struct tcfg_tunnel *t, char *msg, size_t msglen)
{
	for (size_t i = 0; i < t->inside_count; i++) {
		const struct prefix *p = &t->inside[i];
		if (p->family != AF_INET)
			continue;
		uint32_t a = (uint32_t)p->addr[0] << 24 | (uint32_t)p->addr[1] << 16 | (uint32_t)p->addr[2] << 8 | p->addr[3];
		char text[INET_ADDRSTRLEN];
		inet_ntop(AF_INET, p->addr, text, sizeof(text));
		if (t->ike.profile == TCFG_PROFILE_AWS && ((a & LINK_LOCAL_MASK) != LINK_LOCAL_NET || p->len != 30)) {
			snprintf(msg, msglen, "tunnel %s: profile aws-vpn: inside address %s/%u is not a /30 in 169.254.0.0/16",
			         t->name, text, p->len);
			return -1;
		}
		if (t->ike.profile == TCFG_PROFILE_AZURE && (a < AZURE_APIPA_FIRST || a > AZURE_APIPA_LAST)) {
			snprintf(msg, msglen,
			         "tunnel %s: profile azure-vpngw: inside address %s is not in Azure's APIPA range "
			         "169.254.21.0-169.254.22.255",
			         t->name, text);
			return -1;
		}
	}
	return 0;
}

int tcfg_ike_check(const struct tcfg_tunnel *t, char *msg, size_t msglen)
{
	if (t->kind == TCFG_IPSEC && check_profile_inside(t, msg, msglen) != 0)
		return -1;
	if (t->kind == TCFG_IPSEC && t->ike.enabled && (t->sa_in.present || t->sa_out.present)) {
		snprintf(msg, msglen, "tunnel %s: manual SAs and IKE (a pre-shared key) exclude each other", t->name);
		return -1;
	}
	/* The kernel-ipsec side (ike_kernel.c) carries IPv4 SAs only. */
	if (t->kind == TCFG_IPSEC && t->ike.enabled &&
	    ((t->has_source && t->source_af != AF_INET) || (t->has_destination && t->destination_af != AF_INET))) {
		snprintf(msg, msglen, "tunnel %s: IKE runs over an IPv4 underlay only; source and destination must be IPv4",
		         t->name);
		return -1;
	}
	return 0;
}

struct json_object *tcfg_ike_json(const struct tcfg_ike *k)
{
	struct json_object *o = json_object_new_object();

	/* The key never: only that there is one. */
	json_object_object_add(o, "version", json_object_new_int(2));
	json_object_object_add(o, "authentication", json_object_new_string("pre-shared-key"));
	json_object_object_add(o, "ikeProposal", json_object_new_string(tcfg_ike_proposal(k)));
	json_object_object_add(o, "espProposal", json_object_new_string(tcfg_esp_proposal(k)));
	json_object_object_add(o, "mode", json_object_new_string(k->initiate ? "initiate" : "respond"));
	json_object_object_add(o, "ikeLifetime", json_object_new_int64(tcfg_ike_lifetime(k)));
	json_object_object_add(o, "espLifetime", json_object_new_int64(tcfg_esp_lifetime(k)));
	struct tcfg_dpd d = tcfg_ike_dpd(k);
	struct json_object *dpd = json_object_new_object();
	json_object_object_add(dpd, "interval", json_object_new_int(d.interval));
	json_object_object_add(dpd, "timeout", json_object_new_int(d.timeout));
	json_object_object_add(dpd, "action", json_object_new_string(tcfg_dpd_action_name(d.action)));
	json_object_object_add(o, "dpd", dpd);
	json_object_object_add(o, "natTraversal", json_object_new_string(k->natt_force ? "force" : "auto"));
	json_object_object_add(o, "profile", json_object_new_string(tcfg_ike_profile_name(k->profile)));
	return o;
}
