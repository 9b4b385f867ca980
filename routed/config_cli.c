/*
 * Configuration commands: hostname, router bgp and what lives under it.
 * Syntax and error messages follow FRR where FRR has the same command, so
 * configurations paste across.
 */

#include <arpa/inet.h>
#include <string.h>
#include <stdlib.h>

#include "cli_internal.h"
#include "prefix.h"

#define NEIGHBOR_ADDR "<A.B.C.D|X:X::X:X>$peer"
#define NEIGHBOR_HELP "Specify neighbor router\nNeighbor address\nIPv6 neighbor address\n"
#define NO_HELP "Negate a command or set its defaults\n"

static struct cli_session *session(void *ctx)
{
	return ctx;
}

static int cmd_hostname(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	const char *name = cmd_args_get(args, "name");

	if (!rcfg_hostname_valid(name))
		return cli_error(s, "Invalid hostname '%s': letters, digits and '-' (not first or last), at most %d",
				 name, CONFIG_HOSTNAME_MAX);
	snprintf(cli_config(s)->hostname, sizeof(cli_config(s)->hostname), "%s", name);
	return 0;
}

static int cmd_no_hostname(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);

	(void)args;
	snprintf(cli_config(s)->hostname, sizeof(cli_config(s)->hostname), "%s", CONFIG_DEFAULT_HOSTNAME);
	return 0;
}

static int cmd_router_bgp(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct routed_config *cfg = cli_config(s);
	uint64_t asn;

	cmd_args_get_u64(args, "asn", &asn);
	if (cfg->bgp != NULL && cfg->bgp->asn != asn) {
		s->node = NODE_CONFIG;
		return cli_error(s, "BGP is already running; AS is %u", cfg->bgp->asn);
	}
	if (rcfg_bgp_create(cfg, (uint32_t)asn) == NULL) {
		s->node = NODE_CONFIG;
		return cli_error(s, "out of memory");
	}
	s->node = NODE_BGP;
	return 0;
}

static int cmd_no_router_bgp(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct routed_config *cfg = cli_config(s);
	uint64_t asn;

	if (cfg->bgp == NULL)
		return cli_error(s, "No BGP process is configured");
	if (cmd_args_get_u64(args, "asn", &asn) == 0 && asn != cfg->bgp->asn)
		return cli_error(s, "Can't find BGP instance %llu; AS is %u", (unsigned long long)asn, cfg->bgp->asn);
	rcfg_bgp_delete(cfg);
	return 0;
}

static int cmd_router_id(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_config *bgp = cli_config(s)->bgp;
	struct in_addr id;

	if (inet_pton(AF_INET, cmd_args_get(args, "id"), &id) != 1)
		return cli_error(s, "Malformed router-id '%s'", cmd_args_get(args, "id"));
	/* RFC 6286 section 2.1: a non-zero 4-octet number. */
	if (id.s_addr == 0)
		return cli_error(s, "router-id 0.0.0.0 is not allowed (RFC 6286)");
	memcpy(bgp->router_id, &id, 4);
	bgp->router_id_set = true;
	return 0;
}

static int cmd_no_router_id(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_config *bgp = cli_config(s)->bgp;
	const char *given = cmd_args_get(args, "id");
	struct in_addr id;

	if (given != NULL && bgp->router_id_set && inet_pton(AF_INET, given, &id) == 1 &&
	    memcmp(bgp->router_id, &id, 4) != 0)
		return cli_error(s, "BGP router-id doesn't match");
	bgp->router_id_set = false;
	memset(bgp->router_id, 0, sizeof(bgp->router_id));
	return 0;
}

static int peer_address(struct cli_session *s, const struct cmd_args *args, struct prefix *addr)
{
	const char *text = cmd_args_get(args, "peer");

	if (text == NULL || prefix_parse(text, addr) != 0 || addr->len != prefix_max_len(addr->family))
		return cli_error(s, "Malformed neighbor address '%s'", text ? text : "");
	return 0;
}

/* Options other than remote-as apply to an existing neighbor only, as FRR. */
static struct bgp_neighbor_config *existing_peer(struct cli_session *s, const struct cmd_args *args)
{
	struct prefix addr;

	if (peer_address(s, args, &addr) != 0)
		return NULL;
	struct bgp_neighbor_config *n = rcfg_neighbor_find(cli_config(s)->bgp, &addr);
	if (n == NULL)
		cli_error(s, "Specify remote-as or peer-group commands first");
	return n;
}

static int cmd_neighbor_remote_as(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_config *bgp = cli_config(s)->bgp;
	struct prefix addr;
	uint64_t asn = 0;

	if (peer_address(s, args, &addr) != 0)
		return -1;
	bool internal = cmd_args_has(args, "internal"), external = cmd_args_has(args, "external");
	if (!internal && !external) {
		cmd_args_get_u64(args, "asn", &asn);
	}
	struct bgp_neighbor_config *n = rcfg_neighbor_get(bgp, &addr);
	if (n == NULL)
		return cli_error(s, "out of memory");
	n->remote_as_kind = internal ? REMOTE_AS_INTERNAL : external ? REMOTE_AS_EXTERNAL : REMOTE_AS_NUMBER;
	n->remote_as = (uint32_t)asn;
	return 0;
}

static int cmd_no_neighbor(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct prefix addr;

	if (peer_address(s, args, &addr) != 0)
		return -1;
	if (rcfg_neighbor_find(cli_config(s)->bgp, &addr) == NULL)
		return cli_error(s, "No such neighbor %s", cmd_args_get(args, "peer"));
	rcfg_neighbor_delete(cli_config(s)->bgp, &addr);
	return 0;
}

static int cmd_neighbor_description(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	const char *text = cmd_args_get(args, "desc");
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	if (strlen(text) > CONFIG_DESCRIPTION_MAX)
		return cli_error(s, "Description longer than %d characters", CONFIG_DESCRIPTION_MAX);
	snprintf(n->description, sizeof(n->description), "%s", text);
	return 0;
}

static int cmd_no_neighbor_description(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);

	if (n == NULL)
		return -1;
	n->description[0] = '\0';
	return 0;
}

/* `[no] neighbor X shutdown|passive|disable-connected-check`: options that
 * are only on or off. */
static int cmd_neighbor_flag(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);

	if (n == NULL)
		return -1;
	bool on = !cmd_args_has(args, "no");
	if (cmd_args_has(args, "passive"))
		n->passive = on;
	else if (cmd_args_has(args, "disable-connected-check"))
		n->disable_connected_check = on;
	else
		n->shutdown = on;
	return 0;
}

static int cmd_neighbor_timers(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	uint64_t keepalive, holdtime;
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	cmd_args_get_u64(args, "keepalive", &keepalive);
	cmd_args_get_u64(args, "holdtime", &holdtime);
	/* RFC 4271 section 4.2: the Hold Time is zero or at least three seconds. */
	if (holdtime != 0 && holdtime < 3)
		return cli_error(s, "Hold time must be 0 or at least 3 seconds (RFC 4271 section 4.2)");
	n->timers_set = true;
	n->keepalive = (uint16_t)keepalive;
	n->holdtime = (uint16_t)holdtime;
	return 0;
}

static int cmd_no_neighbor_timers(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);

	if (n == NULL)
		return -1;
	n->timers_set = false;
	n->keepalive = n->holdtime = 0;
	return 0;
}

static int cmd_neighbor_local_as(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t asn = 0;

	if (n == NULL)
		return -1;
	cmd_args_get_u64(args, "asn", &asn);
	/* The point of local-as is to claim another AS than ours. */
	if (asn == cli_config(s)->bgp->asn)
		return cli_error(s, "Cannot have local-as same as BGP AS number");
	n->local_as = (uint32_t)asn;
	n->local_as_no_prepend = cmd_args_has(args, "no-prepend");
	n->local_as_replace_as = cmd_args_has(args, "replace-as");
	return 0;
}

static int cmd_neighbor_password(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	const char *key = cmd_args_get(args, "password");
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	/* LINE joins words with single blanks, so a key with blanks could
	 * differ from what was typed; FRR takes one word too. */
	if (strchr(key, ' ') != NULL)
		return cli_error(s, "Password may not contain blanks");
	if (strlen(key) > CONFIG_PASSWORD_MAX)
		return cli_error(s, "Password longer than %d characters (the kernel's TCP-MD5 key limit)",
				 CONFIG_PASSWORD_MAX);
	snprintf(n->password, sizeof(n->password), "%s", key);
	return 0;
}

/* Both change the TTL of the session's packets: ebgp-multihop raises what we
 * send, ttl-security (RFC 5082 section 3) sends 255 and checks what arrives,
 * so they cannot both apply. */
#define TTL_CONFLICT "ebgp-multihop and ttl-security cannot be configured together"

static int cmd_neighbor_ebgp_multihop(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t ttl;

	if (n == NULL)
		return -1;
	if (cmd_args_get_u64(args, "ttl", &ttl) != 0)
		ttl = CONFIG_BGP_MAXTTL;
	if (n->ttl_security_hops != 0)
		return cli_error(s, TTL_CONFLICT);
	/* TTL 1 is what eBGP uses without the option: store it as unset, as
	 * FRR does, so it prints and compares the same. */
	n->ebgp_multihop = ttl == 1 ? 0 : (uint8_t)ttl;
	return 0;
}

static int cmd_neighbor_ttl_security(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t hops = 0;

	if (n == NULL)
		return -1;
	cmd_args_get_u64(args, "hops", &hops);
	if (n->ebgp_multihop != 0)
		return cli_error(s, TTL_CONFLICT);
	n->ttl_security_hops = (uint8_t)hops;
	return 0;
}

/* A Linux interface name: 1 to IFNAMSIZ-1 printable characters, not "." or
 * "..", no '/' or ':' (dev_valid_name() and alias syntax). */
static bool ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_IFNAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] <= ' ' || name[i] > '~' || name[i] == '/' || name[i] == ':')
			return false;
	return true;
}

/* An address our end of a TCP connection can bind to: a unicast address. */
static bool source_address_usable(const struct prefix *p)
{
	static const uint8_t zero[16], broadcast[4] = {255, 255, 255, 255};

	if (p->family == AF_INET)
		return memcmp(p->addr, zero, 4) != 0 && memcmp(p->addr, broadcast, 4) != 0 &&
		       (p->addr[0] < 224 || p->addr[0] > 239);
	return memcmp(p->addr, zero, 16) != 0 && p->addr[0] != 0xff;
}

static int cmd_neighbor_update_source(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	const char *text = cmd_args_get(args, "source");
	struct bgp_neighbor_config *n = existing_peer(s, args);
	struct prefix p;

	if (n == NULL)
		return -1;
	if (prefix_parse(text, &p) == 0 && p.len == prefix_max_len(p.family)) {
		/* Both ends of one TCP connection are of one family. */
		if (p.family != n->addr.family)
			return cli_error(s, "update-source %s is not an %s address, as neighbor %s is", text,
					 n->addr.family == AF_INET6 ? "IPv6" : "IPv4", cmd_args_get(args, "peer"));
		if (!source_address_usable(&p))
			return cli_error(s, "Invalid update-source address %s: not a unicast address", text);
		n->update_source = UPDATE_SOURCE_ADDRESS;
		n->update_source_addr = p;
		memset(n->update_source_ifname, 0, sizeof(n->update_source_ifname));
		return 0;
	}
	/* Anything made of digits and dots was meant as an IPv4 address. */
	if (strspn(text, "0123456789.") == strlen(text) || strchr(text, ':') != NULL)
		return cli_error(s, "Malformed update-source address '%s'", text);
	if (!ifname_valid(text))
		return cli_error(s, "Invalid interface name '%s': at most %d characters, no '/'", text,
				 CONFIG_IFNAME_MAX);
	n->update_source = UPDATE_SOURCE_INTERFACE;
	memset(&n->update_source_addr, 0, sizeof(n->update_source_addr));
	snprintf(n->update_source_ifname, sizeof(n->update_source_ifname), "%s", text);
	return 0;
}

/* `neighbor X advertisement-interval N` and `neighbor X timers connect N`. */
static int cmd_neighbor_interval(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);
	uint64_t seconds = 0;

	if (n == NULL)
		return -1;
	cmd_args_get_u64(args, "seconds", &seconds);
	if (cmd_args_has(args, "connect")) {
		n->connect_retry = (uint16_t)seconds;
	} else {
		n->advertisement_interval_set = true;
		n->advertisement_interval = (uint16_t)seconds;
	}
	return 0;
}

/* `no neighbor X OPTION [...]`: the option back to its default. Like FRR,
 * a value given after the option is not checked against the one set. */
static int cmd_no_neighbor_option(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);

	if (n == NULL)
		return -1;
	if (cmd_args_has(args, "local-as")) {
		n->local_as = 0;
		n->local_as_no_prepend = n->local_as_replace_as = false;
	} else if (cmd_args_has(args, "password")) {
		memset(n->password, 0, sizeof(n->password));
	} else if (cmd_args_has(args, "ebgp-multihop")) {
		n->ebgp_multihop = 0;
	} else if (cmd_args_has(args, "ttl-security")) {
		n->ttl_security_hops = 0;
	} else if (cmd_args_has(args, "update-source")) {
		n->update_source = UPDATE_SOURCE_NONE;
		memset(&n->update_source_addr, 0, sizeof(n->update_source_addr));
		memset(n->update_source_ifname, 0, sizeof(n->update_source_ifname));
	} else if (cmd_args_has(args, "advertisement-interval")) {
		n->advertisement_interval_set = false;
		n->advertisement_interval = 0;
	} else if (cmd_args_has(args, "connect")) {
		n->connect_retry = 0;
	}
	return 0;
}

/* `[no] bgp log-neighbor-changes|ebgp-requires-policy|graceful-restart`. */
static int cmd_bgp_flag(void *ctx, const struct cmd_args *args)
{
	struct bgp_config *bgp = cli_config(session(ctx))->bgp;
	bool on = !cmd_args_has(args, "no");

	if (cmd_args_has(args, "log-neighbor-changes"))
		bgp->log_neighbor_changes = on;
	else if (cmd_args_has(args, "ebgp-requires-policy"))
		bgp->ebgp_requires_policy = on;
	else
		bgp->graceful_restart = on;
	return 0;
}

/* `[no] bgp graceful-restart restart-time|stalepath-time [N]`. */
static int cmd_bgp_graceful_restart_time(void *ctx, const struct cmd_args *args)
{
	struct bgp_config *bgp = cli_config(session(ctx))->bgp;
	bool restart = cmd_args_has(args, "restart-time");
	uint64_t seconds = restart ? CONFIG_BGP_DEFAULT_RESTART_TIME : CONFIG_BGP_DEFAULT_STALEPATH_TIME;

	if (!cmd_args_has(args, "no"))
		cmd_args_get_u64(args, "seconds", &seconds);
	if (restart)
		bgp->restart_time = (uint16_t)seconds;
	else
		bgp->stalepath_time = (uint16_t)seconds;
	return 0;
}

static int cmd_timers_bgp(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_config *bgp = cli_config(s)->bgp;
	uint64_t keepalive = CONFIG_BGP_DEFAULT_KEEPALIVE, holdtime = CONFIG_BGP_DEFAULT_HOLDTIME;

	if (!cmd_args_has(args, "no")) {
		cmd_args_get_u64(args, "keepalive", &keepalive);
		cmd_args_get_u64(args, "holdtime", &holdtime);
	}
	/* RFC 4271 section 4.2, as for a neighbor's own timers. */
	if (holdtime != 0 && holdtime < 3)
		return cli_error(s, "Hold time must be 0 or at least 3 seconds (RFC 4271 section 4.2)");
	bgp->keepalive = (uint16_t)keepalive;
	bgp->holdtime = (uint16_t)holdtime;
	return 0;
}

static int cmd_address_family(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);

	s->node = strcmp(cmd_args_get(args, "afi"), "ipv6") == 0 ? NODE_BGP_AF_IPV6 : NODE_BGP_AF_IPV4;
	return 0;
}

static int cmd_exit_address_family(void *ctx, const struct cmd_args *args)
{
	(void)args;
	session(ctx)->node = NODE_BGP;
	return 0;
}

static enum bgp_afi session_afi(const struct cli_session *s)
{
	return s->node == NODE_BGP_AF_IPV6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

static int cmd_network(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	enum bgp_afi afi = session_afi(s);
	const char *text = cmd_args_get(args, "prefix");
	struct prefix p;

	if (prefix_parse(text, &p) != 0)
		return cli_error(s, "Malformed prefix '%s'", text);
	if (bgp_afi_of(&p) != afi)
		return cli_error(s, "%s is not an %s prefix (address-family %s unicast)", text,
				 afi == BGP_AFI_IPV6 ? "IPv6" : "IPv4", bgp_afi_name(afi));
	if (prefix_has_host_bits(&p))
		return cli_error(s, "Inconsistent address and mask: %s has host bits set", text);
	if (cmd_args_has(args, "no")) {
		if (rcfg_network_delete(cli_config(s)->bgp, afi, &p) != 0)
			return cli_error(s, "Can't find network %s", text);
		return 0;
	}
	return rcfg_network_add(cli_config(s)->bgp, afi, &p) < 0 ? cli_error(s, "out of memory") : 0;
}

static int cmd_aggregate(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	enum bgp_afi afi = session_afi(s);
	const char *text = cmd_args_get(args, "prefix");
	struct bgp_aggregate_config agg = {.as_set = cmd_args_has(args, "as-set"),
					   .summary_only = cmd_args_has(args, "summary-only")};

	if (prefix_parse(text, &agg.prefix) != 0)
		return cli_error(s, "Malformed prefix '%s'", text);
	if (bgp_afi_of(&agg.prefix) != afi)
		return cli_error(s, "%s is not an %s prefix (address-family %s unicast)", text,
				 afi == BGP_AFI_IPV6 ? "IPv6" : "IPv4", bgp_afi_name(afi));
	if (prefix_has_host_bits(&agg.prefix))
		return cli_error(s, "Inconsistent address and mask: %s has host bits set", text);
	if (agg.prefix.len == 0)
		return cli_error(s, "An aggregate of the default route %s aggregates nothing", text);
	if (cmd_args_has(args, "no")) {
		if (rcfg_aggregate_delete(cli_config(s)->bgp, afi, &agg.prefix) != 0)
			return cli_error(s, "There is no aggregate-address configuration for %s", text);
		return 0;
	}
	return rcfg_aggregate_set(cli_config(s)->bgp, afi, &agg) < 0 ? cli_error(s, "out of memory") : 0;
}

static int cmd_redistribute(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_af_config *af = &cli_config(s)->bgp->af[session_afi(s)];
	bool on = !cmd_args_has(args, "no");

	if (strcmp(cmd_args_get(args, "what"), "connected") == 0)
		af->redistribute_connected = on;
	else
		af->redistribute_static = on;
	return 0;
}

static int cmd_neighbor_activate(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	n->active[session_afi(s)] = !cmd_args_has(args, "no");
	return 0;
}

static int cmd_neighbor_next_hop_self(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	n->af[session_afi(s)].next_hop_self = !cmd_args_has(args, "no");
	return 0;
}

static int cmd_neighbor_maximum_prefix(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t max = 0, threshold;

	if (n == NULL)
		return -1;
	cmd_args_get_u64(args, "max", &max);
	if (cmd_args_get_u64(args, "threshold", &threshold) != 0)
		threshold = CONFIG_BGP_MAXPREFIX_THRESHOLD_DEFAULT;
	struct bgp_neighbor_af_config *f = &n->af[session_afi(s)];
	f->max_prefix = (uint32_t)max;
	f->max_prefix_threshold = (uint8_t)threshold;
	f->max_prefix_warning_only = cmd_args_has(args, "warning-only");
	return 0;
}

static int cmd_neighbor_allowas_in(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t count;

	if (n == NULL)
		return -1;
	if (cmd_args_get_u64(args, "count", &count) != 0)
		count = CONFIG_BGP_ALLOWAS_IN_DEFAULT;
	struct bgp_neighbor_af_config *f = &n->af[session_afi(s)];
	bool origin = cmd_args_has(args, "origin");
	f->allowas_in = origin ? ALLOWAS_IN_ORIGIN : ALLOWAS_IN_COUNT;
	f->allowas_in_count = origin ? 0 : (uint8_t)count;
	return 0;
}

/* `[no] neighbor X soft-reconfiguration inbound`. */
static int cmd_neighbor_soft_reconfig(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	n->af[session_afi(s)].soft_reconfig_in = !cmd_args_has(args, "no");
	return 0;
}

/* `[no] neighbor X weight N`: the `no` form clears whatever N it gives,
 * as FRR does. */
static int cmd_neighbor_weight(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t weight = 0;

	if (n == NULL)
		return -1;
	if (!cmd_args_has(args, "no"))
		cmd_args_get_u64(args, "weight", &weight);
	n->af[session_afi(s)].weight = (uint32_t)weight;
	return 0;
}

/* `no neighbor X maximum-prefix|allowas-in [...]` in an address family. */
static int cmd_no_neighbor_af_option(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	struct bgp_neighbor_af_config *f = &n->af[session_afi(s)];
	if (cmd_args_has(args, "maximum-prefix")) {
		f->max_prefix = 0;
		f->max_prefix_threshold = 0;
		f->max_prefix_warning_only = false;
	} else {
		f->allowas_in = ALLOWAS_IN_OFF;
		f->allowas_in_count = 0;
	}
	return 0;
}

/* `[no] neighbor X prefix-list|filter-list|route-map NAME in|out`. The
 * `no` form clears the direction whatever name it gives, as FRR does. */
static int cmd_neighbor_policy(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	const char *name = cmd_args_get(args, "name");
	const char *kind = cmd_args_get(args, "kind");
	const char *dir_text = cmd_args_get(args, "dir");

	if (name == NULL || kind == NULL || dir_text == NULL)
		return cli_error(s, "Incomplete command");
	if (strlen(name) > CONFIG_POLICY_NAME_MAX)
		return cli_error(s, "%s name '%s' is longer than %d characters", kind, name, CONFIG_POLICY_NAME_MAX);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	if (n == NULL)
		return -1;
	struct bgp_neighbor_af_config *f = &n->af[session_afi(s)];
	enum bgp_policy_dir dir = strcmp(dir_text, "out") == 0 ? BGP_POLICY_OUT : BGP_POLICY_IN;
	char *dst = strcmp(kind, "route-map") == 0     ? f->route_map[dir]
		    : strcmp(kind, "prefix-list") == 0 ? f->prefix_list[dir]
						       : f->filter_list[dir];
	if (cmd_args_has(args, "no"))
		name = "";
	snprintf(dst, CONFIG_POLICY_NAME_MAX + 1, "%s", name);
	return 0;
}

/* `neighbor X maximum-prefix-out N` and its `no` form. */
static int cmd_neighbor_maximum_prefix_out(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	uint64_t max = 0;

	if (n == NULL)
		return -1;
	if (!cmd_args_has(args, "no"))
		cmd_args_get_u64(args, "max", &max);
	n->af[session_afi(s)].max_prefix_out = (uint32_t)max;
	return 0;
}

/* `[no] neighbor X advertise-summary [allow-overreach]`; `no` turns off
 * both. */
static int cmd_neighbor_advertise_summary(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	struct bgp_neighbor_af_config *f = &n->af[session_afi(s)];
	f->advertise_summary = !cmd_args_has(args, "no");
	f->advertise_summary_overreach = f->advertise_summary && cmd_args_has(args, "allow-overreach");
	return 0;
}

static int prefix_sort_cmp(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

/* `neighbor X advertise-cidrs P P ...` replaces the list; `no neighbor X
 * advertise-cidrs [...]` empties it. Every prefix is checked before any
 * is kept. */
static int cmd_neighbor_advertise_cidrs(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);
	struct prefix list[CONFIG_ADVERTISE_CIDRS_MAX];
	size_t count = 0;

	if (n == NULL)
		return -1;
	enum bgp_afi afi = session_afi(s);
	const char *text = cmd_args_has(args, "no") ? NULL : cmd_args_get(args, "cidrs");
	char buf[4096];
	snprintf(buf, sizeof(buf), "%s", text != NULL ? text : "");
	for (char *save = NULL, *word = strtok_r(buf, " ", &save); word != NULL; word = strtok_r(NULL, " ", &save)) {
		struct prefix p;
		if (prefix_parse(word, &p) != 0 || prefix_has_host_bits(&p))
			return cli_error(s, "Malformed prefix '%s' (a network, such as 198.18.0.0/16)", word);
		if (bgp_afi_of(&p) != afi)
			return cli_error(s, "%s is not an %s prefix", word, bgp_afi_name(afi));
		bool dup = false;
		for (size_t i = 0; i < count && !dup; i++)
			dup = prefix_equal(&list[i], &p);
		if (dup)
			continue;
		if (count == CONFIG_ADVERTISE_CIDRS_MAX)
			return cli_error(s, "At most %d prefixes", CONFIG_ADVERTISE_CIDRS_MAX);
		list[count++] = p;
	}
	qsort(list, count, sizeof(list[0]), prefix_sort_cmp);
	struct bgp_neighbor_af_config *f = &n->af[afi];
	memset(f->advertise_cidrs, 0, sizeof(f->advertise_cidrs));
	memcpy(f->advertise_cidrs, list, count * sizeof(list[0]));
	f->advertise_cidr_count = (uint8_t)count;
	return 0;
}

/* `[no] maximum-paths [ibgp] N`. */
static int cmd_maximum_paths(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_af_config *af = &cli_config(s)->bgp->af[session_afi(s)];
	uint64_t paths = CONFIG_BGP_DEFAULT_MAXIMUM_PATHS;

	if (!cmd_args_has(args, "no"))
		cmd_args_get_u64(args, "paths", &paths);
	if (cmd_args_has(args, "ibgp"))
		af->maximum_paths_ibgp = (uint8_t)paths;
	else
		af->maximum_paths = (uint8_t)paths;
	return 0;
}

#define AGGREGATE_HELP "Configure BGP aggregate entries\n"
#define AGGREGATE_OPTS_HELP "Generate AS set path information\nFilter more specific routes from updates\n"
/* Both orders of the two options, as FRR accepts them. */
#define AGGREGATE_COMMANDS(node, pfx, pfx_help) \
	{node, "[no] aggregate-address " pfx "$prefix [as-set] [summary-only]", \
	 NO_HELP AGGREGATE_HELP pfx_help AGGREGATE_OPTS_HELP, cmd_aggregate, 0}, \
	{node, "[no] aggregate-address " pfx "$prefix summary-only as-set", \
	 NO_HELP AGGREGATE_HELP pfx_help "Filter more specific routes from updates\nGenerate AS set path information\n", \
	 cmd_aggregate, 0}, \
	{node, "[no] redistribute <connected|static>$what", \
	 NO_HELP "Redistribute information from another routing protocol\nConnected routes (directly attached subnet " \
	 "or host)\nStatically configured routes (the kernel's protocol static and boot routes)\n", cmd_redistribute, 0}

/* Commands of an address-family node; their handlers take the family from
 * the node. */
#define AF_COMMANDS(node) \
	{node, "[no] neighbor " NEIGHBOR_ADDR " activate", \
	 NO_HELP NEIGHBOR_HELP "Enable the Address Family for this Neighbor\n", cmd_neighbor_activate, 0}, \
	{node, "[no] neighbor " NEIGHBOR_ADDR " next-hop-self", \
	 NO_HELP NEIGHBOR_HELP "Disable the next hop calculation for this neighbor\n", \
	 cmd_neighbor_next_hop_self, 0}, \
	{node, "neighbor " NEIGHBOR_ADDR \
	       " maximum-prefix (1-4294967295)$max [(1-100)$threshold] [warning-only]", \
	 NEIGHBOR_HELP MAXPREFIX_HELP, cmd_neighbor_maximum_prefix, 0}, \
	{node, "no neighbor " NEIGHBOR_ADDR " maximum-prefix [(1-4294967295) [(1-100)] [warning-only]]", \
	 NO_HELP NEIGHBOR_HELP MAXPREFIX_HELP, cmd_no_neighbor_af_option, 0}, \
	{node, "neighbor " NEIGHBOR_ADDR " allowas-in [<(1-10)$count|origin>]", \
	 NEIGHBOR_HELP ALLOWAS_HELP, cmd_neighbor_allowas_in, 0}, \
	{node, "no neighbor " NEIGHBOR_ADDR " allowas-in [<(1-10)|origin>]", \
	 NO_HELP NEIGHBOR_HELP ALLOWAS_HELP, cmd_no_neighbor_af_option, 0}, \
	{node, "[no] neighbor " NEIGHBOR_ADDR " soft-reconfiguration inbound", \
	 NO_HELP NEIGHBOR_HELP "Per neighbor soft reconfiguration\nAllow inbound soft reconfiguration for this " \
	 "neighbor\n", cmd_neighbor_soft_reconfig, 0}, \
	{node, "neighbor " NEIGHBOR_ADDR " weight (0-65535)$weight", \
	 NEIGHBOR_HELP "Set default weight for routes from this neighbor\ndefault weight\n", cmd_neighbor_weight, 0}, \
	{node, "no neighbor " NEIGHBOR_ADDR " weight [(0-65535)]", \
	 NO_HELP NEIGHBOR_HELP "Set default weight for routes from this neighbor\ndefault weight\n", \
	 cmd_neighbor_weight, 0}, \
	{node, "[no] neighbor " NEIGHBOR_ADDR " <prefix-list|filter-list|route-map>$kind WORD$name <in|out>$dir", \
	 NO_HELP NEIGHBOR_HELP NEIGHBOR_POLICY_HELP, cmd_neighbor_policy, 0}, \
	{node, "neighbor " NEIGHBOR_ADDR " maximum-prefix-out (1-4294967295)$max", \
	 NEIGHBOR_HELP MAXPREFIX_OUT_HELP, cmd_neighbor_maximum_prefix_out, 0}, \
	{node, "no neighbor " NEIGHBOR_ADDR " maximum-prefix-out [(1-4294967295)]", \
	 NO_HELP NEIGHBOR_HELP MAXPREFIX_OUT_HELP, cmd_neighbor_maximum_prefix_out, 0}, \
	{node, "[no] neighbor " NEIGHBOR_ADDR " advertise-summary [allow-overreach]", \
	 NO_HELP NEIGHBOR_HELP ADVERTISE_SUMMARY_HELP, cmd_neighbor_advertise_summary, 0}, \
	{node, "neighbor " NEIGHBOR_ADDR " advertise-cidrs LINE$cidrs", \
	 NEIGHBOR_HELP ADVERTISE_CIDRS_HELP, cmd_neighbor_advertise_cidrs, 0}, \
	{node, "no neighbor " NEIGHBOR_ADDR " advertise-cidrs [LINE]", \
	 NO_HELP NEIGHBOR_HELP ADVERTISE_CIDRS_HELP, cmd_neighbor_advertise_cidrs, 0}, \
	{node, "maximum-paths [ibgp] (1-64)$paths", MAXPATHS_HELP, cmd_maximum_paths, 0}, \
	{node, "no maximum-paths [ibgp] [(1-64)]", NO_HELP MAXPATHS_HELP, cmd_maximum_paths, 0}, \
	{node, "exit-address-family", "Exit from Address Family configuration mode\n", \
	 cmd_exit_address_family, 0}

#define MAXPREFIX_HELP \
	"Maximum number of prefix accept from this peer\nmaximum no. of prefix limit\n" \
	"Threshold value (%) at which to generate a warning msg\n" \
	"Only give warning message when limit is exceeded\n"
#define MAXPREFIX_OUT_HELP \
	"Maximum number of prefixes to be sent to this peer\nMaximum no. of prefix limit\n"
#define ADVERTISE_SUMMARY_HELP \
	"Over maximum-prefix-out, send covering prefixes that hold no unrouted address\n" \
	"Cover within the limit even if the covering prefixes hold unrouted addresses\n"
#define ADVERTISE_CIDRS_HELP \
	"Send exactly these prefixes, each while a route inside it is reachable\n" \
	"Prefixes, separated by blanks\n"
#define NEIGHBOR_POLICY_HELP \
	"Filter updates to/from this neighbor\nEstablish BGP filters\nApply route map to neighbor\n" \
	"Name of the prefix-list, AS path access-list or route map\nFilter incoming updates\n" \
	"Filter outgoing updates\n"
#define ALLOWAS_HELP \
	"Accept as-path with my AS present in it\nNumber of occurrences of AS number\n" \
	"Only accept my AS in the as-path if the route was originated in my AS\n"
/* CONFIG_BGP_MAXIMUM_PATHS_MAX is the 64 of the syntax. */
#define MAXPATHS_HELP \
	"Forward packets over multiple paths\niBGP-multipath\n" \
	"Number of paths (default 1: one best path, no ECMP)\n"
#define LOCAL_AS_HELP \
	"Specify a local-as number\nAS number used as local AS\n" \
	"Do not prepend local-as to updates from ebgp peers\n" \
	"Do not prepend local-as to updates from ibgp peers\n"
#define MULTIHOP_HELP "Allow EBGP neighbors not on directly connected networks\nmaximum hop count\n"
#define TTL_SECURITY_HELP \
	"BGP ttl-security parameters\nSpecify the maximum number of hops to the BGP peer\n" \
	"Number of hops to BGP peer\n"
#define UPDATE_SOURCE_HELP "Source of routing updates\nIPv4 address\nIPv6 address\nInterface name\n"
#define ADV_INTERVAL_HELP "Minimum interval between sending BGP routing updates\ntime in seconds\n"
#define CONNECT_HELP "BGP per neighbor timers\nBGP connect timer\nConnect timer\n"
#define GR_HELP "BGP information\nGraceful restart capability parameters\n"
#define RESTART_TIME_HELP \
	GR_HELP "Set the time to wait to delete stale routes before a BGP open message is received\n" \
		"Delay value (seconds)\n"
#define STALEPATH_HELP \
	GR_HELP "Set the max time to hold onto restarting peer's stale paths\nDelay value (seconds)\n"
#define TIMERS_BGP_HELP "Adjust routing timers\nBGP timers\nKeepalive interval\nHoldtime\n"

static const struct cmd_def config_commands[] = {
	{NODE_CONFIG, "hostname WORD$name", "Set system's network name\nThis system's network name\n", cmd_hostname, 0},
	{NODE_CONFIG, "no hostname [WORD]", NO_HELP "Reset system's network name\nHost name of this router\n",
	 cmd_no_hostname, 0},
	{NODE_CONFIG, "router bgp (1-4294967295)$asn", "Enable a routing process\nBGP information\nAutonomous system number\n",
	 cmd_router_bgp, 0},
	{NODE_CONFIG, "no router bgp [(1-4294967295)$asn]",
	 NO_HELP "Enable a routing process\nBGP information\nAutonomous system number\n", cmd_no_router_bgp, 0},

	{NODE_BGP, "bgp router-id A.B.C.D$id", "BGP information\nOverride configured router identifier\nManually configured router identifier\n",
	 cmd_router_id, 0},
	{NODE_BGP, "no bgp router-id [A.B.C.D$id]",
	 NO_HELP "BGP information\nOverride configured router identifier\nManually configured router identifier\n",
	 cmd_no_router_id, 0},
	{NODE_BGP, "[no] bgp log-neighbor-changes", NO_HELP "BGP information\nLog neighbor up/down and reset reason\n",
	 cmd_bgp_flag, 0},
	/* FRR's default is on; ours is off (struct bgp_config says why). */
	{NODE_BGP, "[no] bgp ebgp-requires-policy",
	 NO_HELP "BGP information\n"
		 "Require in and out policy for eBGP peers (RFC 8212; off by default until skygate has route-maps)\n",
	 cmd_bgp_flag, 0},
	{NODE_BGP, "[no] bgp graceful-restart", NO_HELP GR_HELP, cmd_bgp_flag, 0},
	{NODE_BGP, "bgp graceful-restart restart-time (0-4095)$seconds", RESTART_TIME_HELP,
	 cmd_bgp_graceful_restart_time, 0},
	{NODE_BGP, "no bgp graceful-restart restart-time [(0-4095)]", NO_HELP RESTART_TIME_HELP,
	 cmd_bgp_graceful_restart_time, 0},
	{NODE_BGP, "bgp graceful-restart stalepath-time (1-4095)$seconds", STALEPATH_HELP,
	 cmd_bgp_graceful_restart_time, 0},
	{NODE_BGP, "no bgp graceful-restart stalepath-time [(1-4095)]", NO_HELP STALEPATH_HELP,
	 cmd_bgp_graceful_restart_time, 0},
	{NODE_BGP, "timers bgp (0-65535)$keepalive (0-65535)$holdtime", TIMERS_BGP_HELP, cmd_timers_bgp, 0},
	{NODE_BGP, "no timers bgp [(0-65535) (0-65535)]", NO_HELP TIMERS_BGP_HELP, cmd_timers_bgp, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " remote-as <(1-4294967295)$asn|internal|external>",
	 NEIGHBOR_HELP "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	 cmd_neighbor_remote_as, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " [remote-as <(1-4294967295)|internal|external>]",
	 NO_HELP NEIGHBOR_HELP "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	 cmd_no_neighbor, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " local-as (1-4294967295)$asn [no-prepend [replace-as]]",
	 NEIGHBOR_HELP LOCAL_AS_HELP, cmd_neighbor_local_as, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " local-as [(1-4294967295) [no-prepend [replace-as]]]",
	 NO_HELP NEIGHBOR_HELP LOCAL_AS_HELP, cmd_no_neighbor_option, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " description LINE$desc",
	 NEIGHBOR_HELP "Neighbor specific description\nUp to 80 characters describing this neighbor\n",
	 cmd_neighbor_description, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " description [LINE]",
	 NO_HELP NEIGHBOR_HELP "Neighbor specific description\nUp to 80 characters describing this neighbor\n",
	 cmd_no_neighbor_description, 0},
	{NODE_BGP, "[no] neighbor " NEIGHBOR_ADDR " shutdown",
	 NO_HELP NEIGHBOR_HELP "Administratively shut down this neighbor\n", cmd_neighbor_flag, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " password LINE$password",
	 NEIGHBOR_HELP "Set a password (TCP-MD5, RFC 2385)\nThe password\n", cmd_neighbor_password, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " password [LINE]",
	 NO_HELP NEIGHBOR_HELP "Set a password (TCP-MD5, RFC 2385)\nThe password\n", cmd_no_neighbor_option, 0},
	{NODE_BGP, "[no] neighbor " NEIGHBOR_ADDR " passive",
	 NO_HELP NEIGHBOR_HELP "Don't send open messages to this neighbor\n", cmd_neighbor_flag, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " ebgp-multihop [(1-255)$ttl]", NEIGHBOR_HELP MULTIHOP_HELP,
	 cmd_neighbor_ebgp_multihop, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " ebgp-multihop [(1-255)]", NO_HELP NEIGHBOR_HELP MULTIHOP_HELP,
	 cmd_no_neighbor_option, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " ttl-security hops (1-254)$hops", NEIGHBOR_HELP TTL_SECURITY_HELP,
	 cmd_neighbor_ttl_security, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " ttl-security [hops (1-254)]",
	 NO_HELP NEIGHBOR_HELP TTL_SECURITY_HELP, cmd_no_neighbor_option, 0},
	{NODE_BGP, "[no] neighbor " NEIGHBOR_ADDR " disable-connected-check",
	 NO_HELP NEIGHBOR_HELP "one-hop away EBGP peer using loopback address\n", cmd_neighbor_flag, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " update-source <A.B.C.D|X:X::X:X|WORD>$source",
	 NEIGHBOR_HELP UPDATE_SOURCE_HELP, cmd_neighbor_update_source, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " update-source [<A.B.C.D|X:X::X:X|WORD>]",
	 NO_HELP NEIGHBOR_HELP UPDATE_SOURCE_HELP, cmd_no_neighbor_option, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " advertisement-interval (0-600)$seconds",
	 NEIGHBOR_HELP ADV_INTERVAL_HELP, cmd_neighbor_interval, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " advertisement-interval [(0-600)]",
	 NO_HELP NEIGHBOR_HELP ADV_INTERVAL_HELP, cmd_no_neighbor_option, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " timers (0-65535)$keepalive (0-65535)$holdtime",
	 NEIGHBOR_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n", cmd_neighbor_timers, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " timers [(0-65535) (0-65535)]",
	 NO_HELP NEIGHBOR_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n", cmd_no_neighbor_timers, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " timers connect (1-65535)$seconds", NEIGHBOR_HELP CONNECT_HELP,
	 cmd_neighbor_interval, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " timers connect [(1-65535)]",
	 NO_HELP NEIGHBOR_HELP CONNECT_HELP, cmd_no_neighbor_option, 0},
	{NODE_BGP, "address-family <ipv4|ipv6>$afi [unicast]",
	 "Enter Address Family command mode\nAddress Family\nAddress Family\nAddress Family modifier\n",
	 cmd_address_family, 0},

	{NODE_BGP_AF_IPV4, "[no] network A.B.C.D/M$prefix", NO_HELP "Specify a network to announce via BGP\nIPv4 prefix\n",
	 cmd_network, 0},
	AGGREGATE_COMMANDS(NODE_BGP_AF_IPV4, "A.B.C.D/M", "Aggregate prefix\n"),
	AF_COMMANDS(NODE_BGP_AF_IPV4),
	{NODE_BGP_AF_IPV6, "[no] network X:X::X:X/M$prefix", NO_HELP "Specify a network to announce via BGP\nIPv6 prefix\n",
	 cmd_network, 0},
	AGGREGATE_COMMANDS(NODE_BGP_AF_IPV6, "X:X::X:X/M", "Aggregate prefix\n"),
	AF_COMMANDS(NODE_BGP_AF_IPV6),
};

int cli_register_config_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, config_commands, sizeof(config_commands) / sizeof(config_commands[0]), err, errlen);
}
