/*
 * tunnel_config.c - skygate-tunneld's configuration grammar (one
 * registry, two tunnel nodes) and what it edits: the file, `skysh -f`
 * transactions and the CLI's configuration nodes all run these commands;
 * the checks of a tunnel and between tunnels; printing it back.
 */
#include "tunnel_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

static int fail(struct tcfg_edit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct tcfg_edit *e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *tcfg_kind_name(enum tcfg_kind k)
{
	return k == TCFG_GRE ? "gre" : "ipsec";
}

const char *tcfg_alg_name(enum tcfg_alg a)
{
	switch (a) {
	case TCFG_ALG_NULL:
		return "null";
	case TCFG_ALG_AES_GCM_128:
		return "aes-gcm-128";
	case TCFG_ALG_AES_GCM_256:
		return "aes-gcm-256";
	}
	return "?";
}

const char *tcfg_encap_name(enum tcfg_encap e)
{
	return e == TCFG_ENCAP_UDP ? "udp" : "esp";
}

uint32_t tcfg_mtu(const struct tcfg_tunnel *t)
{
	if (t->mtu != 0)
		return t->mtu;
	if (t->kind == TCFG_GRE)
		return tcfg_underlay_af(t) == AF_INET6 ? TCFG_GRE6_DEFAULT_MTU : TCFG_GRE_DEFAULT_MTU;
	if (t->ike.profile == TCFG_PROFILE_AWS)
		return TCFG_AWS_MTU;
	return TCFG_IPSEC_DEFAULT_MTU;
}

uint16_t tcfg_tcp_mss(const struct tcfg_tunnel *t)
{
	if (t->tcp_mss != 0)
		return t->tcp_mss;
	if (t->kind == TCFG_IPSEC && t->ike.profile == TCFG_PROFILE_AWS)
		return TCFG_AWS_TCP_MSS;
	return 0;
}

int tcfg_underlay_af(const struct tcfg_tunnel *t)
{
	if (t->has_source)
		return t->source_af;
	return t->has_destination ? t->destination_af : AF_INET;
}

size_t tcfg_addr_len(int af)
{
	return af == AF_INET6 ? 16 : 4;
}

bool tcfg_same_underlay(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b)
{
	return a->has_source == b->has_source && a->has_destination == b->has_destination &&
	       a->source_af == b->source_af && a->destination_af == b->destination_af &&
	       memcmp(a->source, b->source, sizeof(a->source)) == 0 &&
	       memcmp(a->destination, b->destination, sizeof(a->destination)) == 0;
}

/* ---- lookups --------------------------------------------------------------- */

struct tcfg_tunnel *tcfg_find(struct tunneld_config *cfg, const char *name)
{
	for (size_t i = 0; i < cfg->count; i++)
		if (strcmp(cfg->tunnels[i].name, name) == 0)
			return &cfg->tunnels[i];
	return NULL;
}

const struct tcfg_tunnel *tcfg_find_const(const struct tunneld_config *cfg, const char *name)
{
	return tcfg_find((struct tunneld_config *)cfg, name);
}

struct tunneld_config *tcfg_clone(const struct tunneld_config *cfg)
{
	struct tunneld_config *c = malloc(sizeof(*c));

	if (c != NULL)
		memcpy(c, cfg, sizeof(*c));
	return c;
}

/* The tunnel of e's node. Another session may have removed it: then the
 * session is back in the config node. */
static struct tcfg_tunnel *cur(struct tcfg_edit *e)
{
	struct tcfg_tunnel *t = tcfg_find(e->cfg, e->tunnel);

	if (t == NULL) {
		e->node = TCFG_NODE_CONFIG;
		fail(e, "tunnel %s was removed; back in configure mode", e->tunnel);
	}
	return t;
}

#define CUR_OR_FAIL(e, t)                  \
	struct tcfg_tunnel *t = cur(e);    \
	if (t == NULL)                     \
		return -1

/* ---- checks ---------------------------------------------------------------- */

bool tcfg_complete(const struct tcfg_tunnel *t, char *why, size_t whylen)
{
	const char *need = NULL;

	if (!t->has_source && !t->has_destination)
		need = "a source and a destination";
	else if (!t->has_source)
		need = "a source";
	else if (!t->has_destination)
		need = "a destination";
	else if (t->kind == TCFG_IPSEC && t->ike.enabled)
		need = NULL; /* IKE negotiates the SAs */
	else if (t->kind == TCFG_IPSEC && !t->sa_out.present && !t->sa_in.present)
		need = "an inbound and an outbound SA";
	else if (t->kind == TCFG_IPSEC && !t->sa_out.present)
		need = "an outbound SA";
	else if (t->kind == TCFG_IPSEC && !t->sa_in.present)
		need = "an inbound SA";
	if (need != NULL && why != NULL)
		snprintf(why, whylen, "needs %s", need);
	return need == NULL;
}

/* With earlier_only, t is compared with the tunnels before it: a whole
 * configuration's conflict is then reported at the later tunnel, the one
 * that was most likely just added. */
static int check_one(const struct tunneld_config *cfg, const struct tcfg_tunnel *t, bool complete,
                     bool earlier_only, char *msg, size_t msglen)
{
	char where[48] = "";

	if (t->line != 0)
		snprintf(where, sizeof(where), " (line %u)", t->line);
	if (complete) {
		/* The file's messages name both parts, as they always did. */
		if (!t->has_source || !t->has_destination) {
			snprintf(msg, msglen, "tunnel %s%s needs a source and a destination", t->name, where);
			return -1;
		}
		if (t->kind == TCFG_IPSEC && !t->ike.enabled && (!t->sa_out.present || !t->sa_in.present)) {
			snprintf(msg, msglen, "tunnel %s%s needs an inbound and an outbound SA", t->name, where);
			return -1;
		}
	}
	if (t->has_source && t->has_destination && t->source_af != t->destination_af) {
		snprintf(msg, msglen, "tunnel %s%s: source and destination must both be IPv4 or both IPv6", t->name,
		         where);
		return -1;
	}
	if (tcfg_ike_check(t, msg, msglen) != 0)
		return -1;
	if (t->has_source && t->has_destination && memcmp(t->source, t->destination, sizeof(t->source)) == 0) {
		snprintf(msg, msglen, "tunnel %s%s: source and destination are the same address", t->name, where);
		return -1;
	}
	if (t->keepalive_interval != 0 && tcfg_underlay_af(t) == AF_INET6) {
		/* The Cisco-style keepalive is an IPv4 GRE packet inside GRE
		 * (gre.h); RFC 7676 defines none for an IPv6 delivery. */
		snprintf(msg, msglen, "tunnel %s%s: keepalives need an IPv4 underlay", t->name, where);
		return -1;
	}
	uint32_t mtu = tcfg_mtu(t);
	uint16_t mss = tcfg_tcp_mss(t);
	if (mss != 0 && mss > mtu - 40) {
		snprintf(msg, msglen, "tunnel %s%s: tcp-mss %u does not fit mtu %u (at most %u)", t->name, where, mss,
		         mtu, mtu - 40);
		return -1;
	}
	for (size_t i = 0; i < cfg->count; i++) {
		const struct tcfg_tunnel *o = &cfg->tunnels[i];
		if (o == t) {
			if (earlier_only)
				break;
			continue;
		}
		if (t->kind == TCFG_IPSEC && o->kind == TCFG_IPSEC && t->sa_in.present && o->sa_in.present &&
		    o->sa_in.spi == t->sa_in.spi) {
			/* RFC 4303 4.1: the SPI alone selects an inbound SA here. */
			snprintf(msg, msglen, "tunnel %s%s: inbound SPI 0x%x is already tunnel %s's", t->name, where,
			         t->sa_in.spi, o->name);
			return -1;
		}
		if (t->kind == TCFG_IPSEC && o->kind == TCFG_IPSEC && t->sa_out.present && o->sa_out.present &&
		    t->sa_out.spi == o->sa_out.spi && t->has_source && t->has_destination &&
		    tcfg_same_underlay(t, o)) {
			/* RFC 4303 2.1: destination and SPI name an SA; two
			 * tunnels cannot send on one. */
			snprintf(msg, msglen, "tunnel %s%s: outbound SPI 0x%x to the same destination is already tunnel %s's",
			         t->name, where, t->sa_out.spi, o->name);
			return -1;
		}
		if (t->kind == TCFG_GRE && o->kind == TCFG_GRE && t->has_source && t->has_destination &&
		    tcfg_same_underlay(t, o)) {
			/* Received GRE is matched to its tunnel by the address
			 * pair alone, so even two keys (RFC 2890) cannot share it. */
			char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
			inet_ntop(t->source_af, t->source, a, sizeof(a));
			inet_ntop(t->destination_af, t->destination, b, sizeof(b));
			snprintf(msg, msglen, "tunnel %s%s: GRE tunnel %s already has source %s and destination %s%s",
			         t->name, where, o->name, a, b,
			         t->has_key == o->has_key && t->key == o->key ? " (and the same key)" : "");
			return -1;
		}
	}
	return 0;
}

int tcfg_check(const struct tunneld_config *cfg, const struct tcfg_tunnel *only, bool complete, char *msg,
               size_t msglen)
{
	if (only != NULL)
		return check_one(cfg, only, complete, false, msg, msglen);
	for (size_t i = 0; i < cfg->count; i++)
		if (check_one(cfg, &cfg->tunnels[i], complete, true, msg, msglen) != 0)
			return -1;
	return 0;
}

int tcfg_leave_block(struct tcfg_edit *e)
{
	if (e->node != TCFG_NODE_GRE && e->node != TCFG_NODE_IPSEC)
		return 0;
	const struct tcfg_tunnel *t = tcfg_find(e->cfg, e->tunnel);
	if (e->strict && t != NULL && check_one(e->cfg, t, true, false, e->msg, sizeof(e->msg)) != 0)
		return -1;
	e->node = TCFG_NODE_CONFIG;
	e->tunnel[0] = '\0';
	return 0;
}

/* ---- commands ---------------------------------------------------------------- */

static bool name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TCFG_NAME_MAX)
		return false;
	/* A netdev name: no '/', no blanks, not "." or ".." (dev_valid_name). */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

static int enter_tunnel(struct tcfg_edit *e, const struct cmd_args *args, enum tcfg_kind kind)
{
	const char *name = cmd_args_get(args, "name");
	struct tcfg_tunnel *t;

	if (!name_valid(name))
		return fail(e, "tunnel name '%s': 1 to %d letters, digits, '-', '_' or '.' (it names the interface)",
		            name, TCFG_NAME_MAX);
	t = tcfg_find(e->cfg, name);
	if (t != NULL && e->strict && t->line != 0)
		return fail(e, "tunnel %s is already defined at line %u", name, t->line);
	if (t != NULL && t->kind != kind)
		return fail(e, "tunnel %s is a %s tunnel (remove it with `no tunnel %s` first)", name,
		            tcfg_kind_name(t->kind), name);
	if (t == NULL) {
		if (e->cfg->count >= TCFG_MAX_TUNNELS)
			return fail(e, "too many tunnels (at most %d)", TCFG_MAX_TUNNELS);
		t = &e->cfg->tunnels[e->cfg->count++];
		memset(t, 0, sizeof(*t));
		snprintf(t->name, sizeof(t->name), "%s", name);
		t->kind = kind;
		t->encap = TCFG_ENCAP_UDP;
	}
	t->line = e->line;
	snprintf(e->tunnel, sizeof(e->tunnel), "%s", name);
	e->node = kind == TCFG_GRE ? TCFG_NODE_GRE : TCFG_NODE_IPSEC;
	return 0;
}

static int cmd_tunnel_gre(void *ctx, const struct cmd_args *args)
{
	return enter_tunnel(ctx, args, TCFG_GRE);
}

static int cmd_tunnel_ipsec(void *ctx, const struct cmd_args *args)
{
	return enter_tunnel(ctx, args, TCFG_IPSEC);
}

static int cmd_no_tunnel(void *ctx, const struct cmd_args *args)
{
	struct tcfg_edit *e = ctx;
	const char *name = cmd_args_get(args, "name");
	struct tcfg_tunnel *t = tcfg_find(e->cfg, name);

	if (t == NULL)
		return fail(e, "no tunnel %s", name);
	size_t i = (size_t)(t - e->cfg->tunnels);
	explicit_bzero(t, sizeof(*t));
	memmove(t, t + 1, (e->cfg->count - i - 1) * sizeof(*t));
	e->cfg->count--;
	explicit_bzero(&e->cfg->tunnels[e->cfg->count], sizeof(*t));
	return 0;
}

/* An underlay address, IPv4 or IPv6 (the grammar has checked its form):
 * its family, and the address in out[16], zero-padded. */
static int parse_underlay(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (inet_pton(AF_INET, text, out) == 1)
		return AF_INET;
	if (inet_pton(AF_INET6, text, out) == 1)
		return AF_INET6;
	return 0;
}

static bool is_no(const struct cmd_args *args)
{
	return cmd_args_has(args, "no");
}

static int cmd_source(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->has_source = !is_no(args);
	memset(t->source, 0, sizeof(t->source));
	t->source_af = 0;
	if (t->has_source)
		t->source_af = parse_underlay(cmd_args_get(args, "addr"), t->source);
	return 0;
}

static int cmd_destination(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->has_destination = !is_no(args);
	memset(t->destination, 0, sizeof(t->destination));
	t->destination_af = 0;
	if (t->has_destination)
		t->destination_af = parse_underlay(cmd_args_get(args, "addr"), t->destination);
	return 0;
}

static int cmd_inside_address(void *ctx, const struct cmd_args *args)
{
	struct tcfg_edit *e = ctx;
	CUR_OR_FAIL(e, t);
	struct prefix pfx;
	const char *text = cmd_args_get(args, "pfx");
	size_t at = t->inside_count;

	if (prefix_parse(text, &pfx) != 0)
		return fail(e, "bad inside address '%s'", text);
	for (size_t i = 0; i < t->inside_count; i++)
		if (t->inside[i].family == pfx.family && t->inside[i].len == pfx.len &&
		    memcmp(t->inside[i].addr, pfx.addr, pfx.family == AF_INET ? 4 : 16) == 0)
			at = i;
	if (is_no(args)) {
		if (at == t->inside_count)
			return fail(e, "tunnel %s has no inside address %s", t->name, text);
		memmove(&t->inside[at], &t->inside[at + 1], (t->inside_count - at - 1) * sizeof(t->inside[0]));
		t->inside_count--;
		return 0;
	}
	if (at < t->inside_count)
		return 0; /* already there */
	if (t->inside_count >= TCFG_MAX_INSIDE)
		return fail(e, "too many inside addresses (at most %d)", TCFG_MAX_INSIDE);
	t->inside[t->inside_count++] = pfx;
	return 0;
}

static uint64_t arg_u64(const struct cmd_args *args, const char *name)
{
	uint64_t v = 0;

	cmd_args_get_u64(args, name, &v);
	return v;
}

static int cmd_mtu(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->mtu = is_no(args) ? 0 : (uint32_t)arg_u64(args, "mtu");
	return 0;
}

static int cmd_tcp_mss(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->tcp_mss = is_no(args) ? 0 : (uint16_t)arg_u64(args, "mss");
	return 0;
}

static int cmd_key(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->has_key = !is_no(args);
	t->key = t->has_key ? (uint32_t)arg_u64(args, "key") : 0;
	return 0;
}

static int cmd_keepalive(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	bool no = is_no(args);
	t->keepalive_interval = no ? 0 : (uint16_t)arg_u64(args, "interval");
	t->keepalive_retries = no ? 0 : (uint8_t)arg_u64(args, "retries");
	return 0;
}

static int cmd_shutdown(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	t->shutdown = !is_no(args);
	return 0;
}

static int cmd_encapsulation(void *ctx, const struct cmd_args *args)
{
	CUR_OR_FAIL(ctx, t);
	const char *v = cmd_args_get(args, "encap");
	t->encap = is_no(args) || strcmp(v, "udp") == 0 ? TCFG_ENCAP_UDP : TCFG_ENCAP_ESP;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* An SPI as 0x-prefixed hex or decimal, in [256, 2^32 - 1] (RFC 4303 2.1). */
static int parse_spi(const char *text, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		v = strtoull(text + 2, &end, 16);
	else
		v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || text[0] == '-' || v < 256 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int cmd_sa(void *ctx, const struct cmd_args *args)
{
	struct tcfg_edit *e = ctx;
	CUR_OR_FAIL(e, t);
	bool out = strcmp(cmd_args_get(args, "dir"), "outbound") == 0;
	struct tcfg_sa *sa = out ? &t->sa_out : &t->sa_in;
	const char *alg = cmd_args_get(args, "alg");
	const char *key = cmd_args_get(args, "keyhex");
	struct tcfg_sa tmp = {.present = true, .line = e->line};
	size_t want;

	if (is_no(args)) {
		if (!sa->present)
			return fail(e, "tunnel %s has no %s SA", t->name, out ? "outbound" : "inbound");
		explicit_bzero(sa, sizeof(*sa));
		return 0;
	}
	/* Twice in one file is a mistake; in a session or a transaction on
	 * the running configuration, the new SA replaces the old one. */
	if (sa->present && e->strict && sa->line != 0)
		return fail(e, "the %s SA is already configured at line %u", out ? "outbound" : "inbound",
		            sa->line);
	if (parse_spi(cmd_args_get(args, "spi"), &tmp.spi) != 0)
		return fail(e, "bad SPI '%s': 256 to 0xffffffff, decimal or 0x-hex (RFC 4303 2.1)",
		            cmd_args_get(args, "spi"));
	if (strcmp(alg, "null") == 0) {
		tmp.alg = TCFG_ALG_NULL;
		want = 0;
	} else {
		tmp.alg = strcmp(alg, "aes-gcm-128") == 0 ? TCFG_ALG_AES_GCM_128 : TCFG_ALG_AES_GCM_256;
		/* RFC 4106 section 8.1: key then 4-byte salt. */
		want = tmp.alg == TCFG_ALG_AES_GCM_128 ? 20 : 36;
		if (key == NULL || strlen(key) != want * 2)
			return fail(e, "%s needs a key of %zu hex digits (%zu-byte key and 4-byte salt, RFC 4106 8.1)",
			            alg, want * 2, want - 4);
		for (size_t i = 0; i < want; i++) {
			int hi = hex_digit(key[2 * i]), lo = hex_digit(key[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				explicit_bzero(&tmp, sizeof(tmp));
				return fail(e, "the key is not hexadecimal");
			}
			tmp.keymat[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	tmp.keymat_len = want;
	*sa = tmp;
	explicit_bzero(&tmp, sizeof(tmp));
	return 0;
}

static int cmd_exit_block(void *ctx, const struct cmd_args *args)
{
	(void)args;
	return tcfg_leave_block(ctx);
}

#define NO_HELP "Negate a command or set its defaults\n"

#define TUNNEL_COMMON(node)                                                                          \
	{node, "source <A.B.C.D|X:X::X:X>$addr", "Underlay source address\nIPv4 address\nIPv6 address\n", \
	 cmd_source, 0},                                                                               \
	    {node, "no source", NO_HELP "Underlay source address\n", cmd_source, 0},                    \
	    {node, "destination <A.B.C.D|X:X::X:X>$addr",                                              \
	     "Underlay destination address\nIPv4 address\nIPv6 address\n", cmd_destination, 0},        \
	    {node, "no destination", NO_HELP "Underlay destination address\n", cmd_destination, 0},     \
	    {node, "inside-address <A.B.C.D/M|X:X::X:X/M>$pfx",                                        \
	     "Address of the tunnel interface\nIPv4 address and length\nIPv6 address and length\n",      \
	     cmd_inside_address, 0},                                                                   \
	    {node, "no inside-address <A.B.C.D/M|X:X::X:X/M>$pfx",                                     \
	     NO_HELP "Address of the tunnel interface\nIPv4 address and length\nIPv6 address and length\n", \
	     cmd_inside_address, 0},                                                                   \
	    {node, "mtu (576-8500)$mtu", "Tunnel MTU\nOctets\n", cmd_mtu, 0},                            \
	    {node, "no mtu", NO_HELP "Tunnel MTU (back to the default)\n", cmd_mtu, 0},                  \
	    {node, "tcp-mss (500-8460)$mss", "Clamp the MSS of TCP SYNs\nOctets\n", cmd_tcp_mss, 0},      \
	    {node, "no tcp-mss", NO_HELP "Clamp the MSS of TCP SYNs\n", cmd_tcp_mss, 0},                 \
	    {node, "shutdown", "Keep the tunnel down\n", cmd_shutdown, 0},                               \
	    {node, "no shutdown", NO_HELP "Keep the tunnel down\n", cmd_shutdown, 0},                    \
	    {node, "exit", "Exit current mode and down to previous mode\n", cmd_exit_block, 0}

static const struct cmd_def tcfg_commands[] = {
    {TCFG_NODE_CONFIG, "tunnel gre WORD$name", "Tunnel\nGRE (RFC 2784)\nTunnel and interface name\n",
     cmd_tunnel_gre, 0},
    {TCFG_NODE_CONFIG, "tunnel ipsec WORD$name", "Tunnel\nIPsec ESP (RFC 4303)\nTunnel and interface name\n",
     cmd_tunnel_ipsec, 0},
    {TCFG_NODE_CONFIG, "no tunnel WORD$name", NO_HELP "Tunnel\nTunnel name\n", cmd_no_tunnel, 0},
    TUNNEL_COMMON(TCFG_NODE_GRE),
    {TCFG_NODE_GRE, "key (0-4294967295)$key", "GRE key (RFC 2890)\nKey\n", cmd_key, 0},
    {TCFG_NODE_GRE, "no key", NO_HELP "GRE key (RFC 2890)\n", cmd_key, 0},
    {TCFG_NODE_GRE, "keepalive (1-32767)$interval (1-255)$retries",
     "Send keepalives\nSeconds between them\nMissed ones before the tunnel is down\n", cmd_keepalive, 0},
    {TCFG_NODE_GRE, "no keepalive", NO_HELP "Send keepalives\n", cmd_keepalive, 0},
    TUNNEL_COMMON(TCFG_NODE_IPSEC),
    {TCFG_NODE_IPSEC, "encapsulation <udp|esp>$encap",
     "How ESP is carried\nIn UDP port 4500 (RFC 3948)\nAs IP protocol 50\n", cmd_encapsulation, 0},
    {TCFG_NODE_IPSEC, "no encapsulation", NO_HELP "How ESP is carried (back to udp)\n", cmd_encapsulation, 0},
    {TCFG_NODE_IPSEC, "sa <inbound|outbound>$dir spi WORD$spi <aes-gcm-128|aes-gcm-256>$alg key WORD$keyhex",
     "Manually keyed SA\nFrom the peer\nTo the peer\nSecurity Parameters Index\nSPI (0x-hex or decimal)\n"
     "AES-GCM, 128-bit key\nAES-GCM, 256-bit key\nKeying material\nKey and salt in hex\n",
     cmd_sa, 0},
    {TCFG_NODE_IPSEC, "sa <inbound|outbound>$dir spi WORD$spi null$alg",
     "Manually keyed SA\nFrom the peer\nTo the peer\nSecurity Parameters Index\nSPI (0x-hex or decimal)\n"
     "No cipher and no ICV (measurement only)\n",
     cmd_sa, 0},
    {TCFG_NODE_IPSEC, "no sa <inbound|outbound>$dir", NO_HELP "Manually keyed SA\nFrom the peer\nTo the peer\n",
     cmd_sa, 0},
};

int tcfg_register(struct cmd_registry *reg, char *err, size_t errlen)
{
	for (size_t i = 0; i < sizeof(tcfg_commands) / sizeof(tcfg_commands[0]); i++) {
		char why[200];
		if (cmd_register(reg, &tcfg_commands[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "command '%s': %s", tcfg_commands[i].syntax, why);
			return -1;
		}
	}
	return tcfg_ike_register(reg, err, errlen);
}

/* ---- running a line ------------------------------------------------------------ */

int tcfg_run_line(const struct cmd_registry *reg, struct tcfg_edit *e, void *ctx, const char *line)
{
	struct cmd_match m;
	int rc = 0;

	if (cmd_match_line(reg, e->node, line, &m) != 0) {
		cmd_match_free(&m);
		return fail(e, "out of memory");
	}
	/* A line that is not a command of a tunnel node may be one of the
	 * config node: it ends the block (vtysh and FRR's files do the same). */
	if ((e->node == TCFG_NODE_GRE || e->node == TCFG_NODE_IPSEC) &&
	    (m.status == CMD_UNKNOWN || m.status == CMD_INCOMPLETE)) {
		struct cmd_match up;
		if (cmd_match_line(reg, TCFG_NODE_CONFIG, line, &up) == 0 && up.status == CMD_OK) {
			cmd_match_free(&m);
			m = up;
			if (tcfg_leave_block(e) != 0) {
				cmd_match_free(&m);
				return -1;
			}
		} else {
			cmd_match_free(&up);
		}
	}
	switch (m.status) {
	case CMD_EMPTY:
		break;
	case CMD_OK:
		e->msg[0] = '\0';
		rc = m.def->handler != NULL ? m.def->handler(ctx, m.args) : 0;
		break;
	default:
		/* The engine's message starts with "% "; callers add their own. */
		rc = fail(e, "%s", m.error[0] == '%' && m.error[1] == ' ' ? m.error + 2 : m.error);
		break;
	}
	cmd_match_free(&m);
	return rc;
}

/* ---- printing ---------------------------------------------------------------------- */

static void print_sa(FILE *out, const char *dir, const struct tcfg_sa *sa, bool with_keys)
{
	fprintf(out, " sa %s spi 0x%x %s", dir, sa->spi, tcfg_alg_name(sa->alg));
	if (sa->alg != TCFG_ALG_NULL) {
		fputs(" key ", out);
		for (size_t i = 0; i < sa->keymat_len; i++) {
			if (with_keys)
				fprintf(out, "%02x", sa->keymat[i]);
			else
				fputs("**", out);
		}
	}
	fputc('\n', out);
}

void tcfg_print(const struct tunneld_config *cfg, FILE *out, bool with_keys)
{
	char buf[INET6_ADDRSTRLEN + 8];

	for (size_t i = 0; i < cfg->count; i++) {
		const struct tcfg_tunnel *t = &cfg->tunnels[i];
		fprintf(out, "tunnel %s %s\n", tcfg_kind_name(t->kind), t->name);
		if (t->has_source)
			fprintf(out, " source %s\n", inet_ntop(t->source_af, t->source, buf, sizeof(buf)));
		if (t->has_destination)
			fprintf(out, " destination %s\n", inet_ntop(t->destination_af, t->destination, buf, sizeof(buf)));
		if (t->kind == TCFG_IPSEC)
			fprintf(out, " encapsulation %s\n", tcfg_encap_name(t->encap));
		for (size_t a = 0; a < t->inside_count; a++)
			fprintf(out, " inside-address %s\n", prefix_format(&t->inside[a], buf, sizeof(buf)));
		if (t->mtu != 0)
			fprintf(out, " mtu %u\n", t->mtu);
		if (t->tcp_mss != 0)
			fprintf(out, " tcp-mss %u\n", t->tcp_mss);
		if (t->has_key)
			fprintf(out, " key %u\n", t->key);
		if (t->keepalive_interval != 0)
			fprintf(out, " keepalive %u %u\n", t->keepalive_interval, t->keepalive_retries);
		if (t->sa_out.present)
			print_sa(out, "outbound", &t->sa_out, with_keys);
		if (t->sa_in.present)
			print_sa(out, "inbound", &t->sa_in, with_keys);
		if (t->kind == TCFG_IPSEC)
			tcfg_ike_print(t, out, with_keys);
		if (t->shutdown)
			fputs(" shutdown\n", out);
		fputs("!\n", out);
	}
}

/* ---- the file ------------------------------------------------------------ */

/* Cut a trailing "! comment" (a '!' after a blank); keys and names never
 * contain '!'. */
static void strip_comment(char *line)
{
	for (char *s = line; *s != '\0'; s++) {
		if (*s == '!' && (s == line || *(s - 1) == ' ' || *(s - 1) == '\t')) {
			*s = '\0';
			break;
		}
	}
}

static int load_lines(struct tunneld_config *cfg, const char *name, const char *text, size_t len, FILE *err)
{
	struct tcfg_edit e = {.cfg = cfg, .node = TCFG_NODE_CONFIG, .strict = true};
	char errbuf[256];
	char line[4096];
	struct cmd_registry *reg = cmd_registry_new();
	int rc = 0;

	if (reg == NULL || tcfg_register(reg, errbuf, sizeof(errbuf)) != 0) {
		fprintf(err, "%s: %s\n", name, reg == NULL ? "out of memory" : errbuf);
		cmd_registry_free(reg);
		return -1;
	}
	for (size_t pos = 0; pos < len && rc == 0;) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		e.line++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n >= sizeof(line) || memchr(start, '\0', n) != NULL) {
			rc = fail(&e, "line too long or not text");
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		strip_comment(line);
		/* `configure terminal` at the top of a pasted file is harmless. */
		if (e.node == TCFG_NODE_CONFIG && strcmp(line, "configure terminal") == 0)
			continue;
		rc = tcfg_run_line(reg, &e, &e, line);
	}
	explicit_bzero(line, sizeof(line));
	if (rc == 0 && e.node != TCFG_NODE_CONFIG) {
		e.line++; /* the end of the text closes the last block */
		rc = tcfg_leave_block(&e);
	}
	cmd_registry_free(reg);
	if (rc != 0)
		fprintf(err, "%s:%u: %s\n", name, e.line, e.msg);
	return rc;
}

int tcfg_load_onto(struct tunneld_config *cfg, const char *name, const char *text, size_t len, FILE *err)
{
	/* Lines count from this text: what the running configuration
	 * already has was defined nowhere in it. */
	for (size_t i = 0; i < cfg->count; i++) {
		cfg->tunnels[i].line = 0;
		cfg->tunnels[i].sa_out.line = 0;
		cfg->tunnels[i].sa_in.line = 0;
	}
	return load_lines(cfg, name, text, len, err);
}

struct tunneld_config *tcfg_load_text(const char *name, const char *text, size_t len, FILE *err)
{
	struct tunneld_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL) {
		fprintf(err, "%s: out of memory\n", name);
		return NULL;
	}
	if (load_lines(cfg, name, text, len, err) != 0) {
		tcfg_free(cfg);
		return NULL;
	}
	return cfg;
}

struct tunneld_config *tcfg_load_file(const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0;

	if (f == NULL) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap == 0 ? 8192 : cap * 2;
			char *n = ncap <= (1u << 24) ? realloc(text, ncap) : NULL;
			if (n == NULL) {
				fprintf(err, "%s: too large or out of memory\n", path);
				free(text);
				fclose(f);
				return NULL;
			}
			text = n;
			cap = ncap;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f) != 0;
	fclose(f);
	struct tunneld_config *cfg = NULL;
	if (bad)
		fprintf(err, "%s: read error\n", path);
	else
		cfg = tcfg_load_text(path, text, len, err);
	explicit_bzero(text, cap);
	free(text);
	return cfg;
}

void tcfg_free(struct tunneld_config *cfg)
{
	if (cfg == NULL)
		return;
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
}
