/*
 * BGP show commands, with FRR's syntax and JSON keys.
 */
#include <json-c/json.h>
#include <string.h>

#include "bgp_peer.h"
#include "bgp_rib.h"
#include "cli_internal.h"

#define SHOW_IP_BGP "show [ip] bgp"
#define SHOW_IP_BGP_HELP "Show running system information\nIP information\nBGP information\n"
#define AFI_HELP "Address Family\nAddress Family\nAddress Family modifier\n"
#define JSON_HELP "JavaScript Object Notation\n"

static struct bgp_instance *instance(struct cli_session *s)
{
	if (s->env->bgp == NULL)
		cli_error(s, "No BGP process is configured");
	return s->env->bgp;
}

/* Show commands without a BGP instance: an empty JSON object (scripts keep
 * parsing), or the error in text. Returns the command's result. */
static int no_instance(struct cli_session *s, bool json)
{
	if (!json)
		return cli_error(s, "No BGP process is configured");
	fputs("{}\n", s->out);
	return 0;
}

static void print_json(struct cli_session *s, struct json_object *o)
{
	fprintf(s->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

/* -1 for both families, else the one named by $afi. */
static int afi_arg(const struct cmd_args *args)
{
	const char *afi = cmd_args_get(args, "afi");
	if (afi == NULL)
		return -1;
	return strcmp(afi, "ipv6") == 0 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

static int cmd_show_summary(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	bool json = cmd_args_has(args, "json");

	if (s->env->bgp == NULL)
		return no_instance(s, json);
	if (json)
		print_json(s, bgp_show_summary_json(s->env->bgp, afi_arg(args)));
	else
		bgp_show_summary(s->env->bgp, afi_arg(args), s->out);
	return 0;
}

static int cmd_show_neighbors(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *peer = cmd_args_get(args, "peer");
	struct prefix addr;
	bool json = cmd_args_has(args, "json");

	if (s->env->bgp == NULL)
		return no_instance(s, json);
	if (peer != NULL && prefix_parse(peer, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", peer);
	if (json)
		print_json(s, bgp_show_neighbors_json(s->env->bgp, peer ? &addr : NULL));
	else
		bgp_show_neighbors(s->env->bgp, peer ? &addr : NULL, s->out);
	return 0;
}

static int cmd_show_routes(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *text = cmd_args_get(args, "prefix");
	struct prefix p;
	int afi = afi_arg(args);
	bool json = cmd_args_has(args, "json");

	if (s->env->bgp == NULL)
		return no_instance(s, json);
	if (text != NULL) {
		if (prefix_parse(text, &p) != 0)
			return cli_error(s, "Malformed prefix '%s'", text);
		if (afi < 0)
			afi = bgp_afi_of(&p);
		else if ((int)bgp_afi_of(&p) != afi)
			return cli_error(s, "%s is not in address family %s", text, cmd_args_get(args, "afi"));
	}
	if (afi < 0)
		afi = BGP_AFI_IPV4; /* `show ip bgp` is the IPv4 table, as in FRR */
	struct bgp_rib *rib = bgp_instance_rib(instance(s));
	if (json) {
		struct json_object *o = bgp_rib_show_json(rib, (enum bgp_afi)afi, text ? &p : NULL);
		json_object_object_add(o, "localAS", json_object_new_int64(bgp_instance_asn(s->env->bgp)));
		print_json(s, o);
	} else {
		bgp_rib_show(rib, (enum bgp_afi)afi, text ? &p : NULL, s->out);
	}
	return 0;
}

static int cmd_show_neighbor_routes(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *peer = cmd_args_get(args, "peer"), *which = cmd_args_get(args, "which");
	struct prefix addr;
	int afi = afi_arg(args);
	bool json = cmd_args_has(args, "json");
	enum bgp_neighbor_view view = strcmp(which, "advertised-routes") == 0 ? BGP_VIEW_ADVERTISED
				      : strcmp(which, "received-routes") == 0 ? BGP_VIEW_RECEIVED
				      : BGP_VIEW_ROUTES;

	if (s->env->bgp == NULL)
		return no_instance(s, json);
	if (prefix_parse(peer, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", peer);
	if (afi < 0)
		afi = BGP_AFI_IPV4; /* as `show ip bgp`: the IPv4 table */
	if (json) {
		print_json(s, bgp_show_neighbor_routes_json(s->env->bgp, &addr, (enum bgp_afi)afi, view));
		return 0;
	}
	int rc = bgp_show_neighbor_routes(s->env->bgp, &addr, (enum bgp_afi)afi, view, s->out);
	if (rc == BGP_SHOW_NO_SOFT_IN)
		return cli_error(s, "Inbound soft reconfiguration not enabled");
	if (rc != 0)
		return cli_error(s, "No such neighbor %s", peer);
	return 0;
}

static int cmd_show_advertise_plan(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *peer = cmd_args_get(args, "peer");
	struct prefix addr;
	int afi = afi_arg(args);
	bool json = cmd_args_has(args, "json");

	if (s->env->bgp == NULL)
		return no_instance(s, json);
	if (prefix_parse(peer, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", peer);
	if (afi < 0)
		afi = BGP_AFI_IPV4;
	if (json) {
		print_json(s, bgp_show_advertise_plan_json(s->env->bgp, &addr, (enum bgp_afi)afi));
		return 0;
	}
	if (bgp_show_advertise_plan(s->env->bgp, &addr, (enum bgp_afi)afi, s->out) != 0)
		return cli_error(s, "No such neighbor %s", peer);
	return 0;
}

static int cmd_clear(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *peer = cmd_args_get(args, "peer");
	struct prefix addr;
	enum bgp_clear_kind kind = BGP_CLEAR_HARD;

	if (instance(s) == NULL)
		return -1;
	if (cmd_args_has(args, "soft"))
		kind = cmd_args_has(args, "in") ? BGP_CLEAR_SOFT_IN : BGP_CLEAR_SOFT_OUT;
	bool all = strcmp(peer, "all") == 0;
	if (!all && prefix_parse(peer, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", peer);
	if (bgp_peer_clear(s->env->bgp, all ? NULL : &addr, kind) == 0)
		return cli_error(s, "No such neighbor %s", peer);
	/* A bare `soft` is both directions, as in FRR. */
	if (kind == BGP_CLEAR_SOFT_OUT && !cmd_args_has(args, "out"))
		bgp_peer_clear(s->env->bgp, all ? NULL : &addr, BGP_CLEAR_SOFT_IN);
	return 0;
}

static const struct cmd_def bgp_show_commands[] = {
	{NODE_EXEC, "clear [ip] bgp <all|A.B.C.D|X:X::X:X>$peer [soft [in|out]]",
	 "Reset functions\nIP information\nBGP information\nClear all peers\nBGP neighbor address to clear\n"
	 "BGP IPv6 neighbor to clear\nSoft reconfig inbound and outbound updates\nSend route-refresh unless using "
	 "'soft-reconfiguration inbound'\nResend all outbound updates\n", cmd_clear, 0},
	{NODE_EXEC, SHOW_IP_BGP " [<ipv4|ipv6>$afi [unicast]] summary [json]",
	 SHOW_IP_BGP_HELP AFI_HELP "Summary of BGP neighbor status\n" JSON_HELP, cmd_show_summary, 0},
	{NODE_EXEC, SHOW_IP_BGP " neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
	 SHOW_IP_BGP_HELP "Detailed information on TCP and BGP neighbor connections\nNeighbor to display information about\n"
	 "Neighbor to display information about\n" JSON_HELP, cmd_show_neighbors, 0},
	{NODE_EXEC, SHOW_IP_BGP " [<ipv4|ipv6>$afi [unicast]] neighbors <A.B.C.D|X:X::X:X>$peer "
	 "<routes|received-routes|advertised-routes>$which [json]",
	 SHOW_IP_BGP_HELP AFI_HELP "Detailed information on TCP and BGP neighbor connections\nNeighbor to display "
	 "information about\nNeighbor to display information about\nDisplay routes learned from neighbor\n"
	 "Display the received routes from neighbor\nDisplay the routes advertised to a BGP neighbor\n" JSON_HELP,
	 cmd_show_neighbor_routes, 0},
	{NODE_EXEC, SHOW_IP_BGP " [<ipv4|ipv6>$afi [unicast]] neighbors <A.B.C.D|X:X::X:X>$peer advertise-plan [json]",
	 SHOW_IP_BGP_HELP AFI_HELP "Detailed information on TCP and BGP neighbor connections\nNeighbor to display "
	 "information about\nNeighbor to display information about\nWhat is sent under maximum-prefix-out, "
	 "advertise-summary and advertise-cidrs\n" JSON_HELP, cmd_show_advertise_plan, 0},
	{NODE_EXEC, SHOW_IP_BGP " [<ipv4|ipv6>$afi [unicast]] [<A.B.C.D/M|X:X::X:X/M>$prefix] [json]",
	 SHOW_IP_BGP_HELP AFI_HELP "Network in the BGP routing table to display\nNetwork in the BGP routing table to display\n"
	 JSON_HELP, cmd_show_routes, 0},
};

int cli_register_bgp_show_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, bgp_show_commands, sizeof(bgp_show_commands) / sizeof(bgp_show_commands[0]),
				err, errlen);
}
