/*
 * Configuration commands: hostname, router bgp and what lives under it.
 * Syntax and error messages follow FRR where FRR has the same command, so
 * configurations paste across.
 */

#include <arpa/inet.h>
#include <string.h>

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

static int cmd_neighbor_shutdown(void *ctx, const struct cmd_args *args)
{
	struct bgp_neighbor_config *n = existing_peer(session(ctx), args);

	if (n == NULL)
		return -1;
	n->shutdown = !cmd_args_has(args, "no");
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

static int cmd_neighbor_activate(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = session(ctx);
	struct bgp_neighbor_config *n = existing_peer(s, args);

	if (n == NULL)
		return -1;
	n->active[session_afi(s)] = !cmd_args_has(args, "no");
	return 0;
}

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
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " remote-as <(1-4294967295)$asn|internal|external>",
	 NEIGHBOR_HELP "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	 cmd_neighbor_remote_as, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " [remote-as <(1-4294967295)|internal|external>]",
	 NO_HELP NEIGHBOR_HELP "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	 cmd_no_neighbor, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " description LINE$desc",
	 NEIGHBOR_HELP "Neighbor specific description\nUp to 80 characters describing this neighbor\n",
	 cmd_neighbor_description, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " description [LINE]",
	 NO_HELP NEIGHBOR_HELP "Neighbor specific description\nUp to 80 characters describing this neighbor\n",
	 cmd_no_neighbor_description, 0},
	{NODE_BGP, "[no] neighbor " NEIGHBOR_ADDR " shutdown",
	 NO_HELP NEIGHBOR_HELP "Administratively shut down this neighbor\n", cmd_neighbor_shutdown, 0},
	{NODE_BGP, "neighbor " NEIGHBOR_ADDR " timers (0-65535)$keepalive (0-65535)$holdtime",
	 NEIGHBOR_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n", cmd_neighbor_timers, 0},
	{NODE_BGP, "no neighbor " NEIGHBOR_ADDR " timers [(0-65535) (0-65535)]",
	 NO_HELP NEIGHBOR_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n", cmd_no_neighbor_timers, 0},
	{NODE_BGP, "address-family <ipv4|ipv6>$afi [unicast]",
	 "Enter Address Family command mode\nAddress Family\nAddress Family\nAddress Family modifier\n",
	 cmd_address_family, 0},

	{NODE_BGP_AF_IPV4, "[no] network A.B.C.D/M$prefix", NO_HELP "Specify a network to announce via BGP\nIPv4 prefix\n",
	 cmd_network, 0},
	{NODE_BGP_AF_IPV4, "[no] neighbor " NEIGHBOR_ADDR " activate",
	 NO_HELP NEIGHBOR_HELP "Enable the Address Family for this Neighbor\n", cmd_neighbor_activate, 0},
	{NODE_BGP_AF_IPV4, "exit-address-family", "Exit from Address Family configuration mode\n", cmd_exit_address_family, 0},
	{NODE_BGP_AF_IPV6, "[no] network X:X::X:X/M$prefix", NO_HELP "Specify a network to announce via BGP\nIPv6 prefix\n",
	 cmd_network, 0},
	{NODE_BGP_AF_IPV6, "[no] neighbor " NEIGHBOR_ADDR " activate",
	 NO_HELP NEIGHBOR_HELP "Enable the Address Family for this Neighbor\n", cmd_neighbor_activate, 0},
	{NODE_BGP_AF_IPV6, "exit-address-family", "Exit from Address Family configuration mode\n", cmd_exit_address_family, 0},
};

int cli_register_config_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, config_commands, sizeof(config_commands) / sizeof(config_commands[0]), err, errlen);
}
