/*
 * `show ip route` and `show ipv6 route`: the forwarding table as the kernel
 * has it (read back over netlink, so what is shown is what forwards), with
 * the BGP best routes that are not in it and why, in FRR's layout and JSON
 * keys. Routes are read from the table routed installs into (main).
 *
 * Read-only: nothing here changes the kernel. The dump is one netlink round
 * trip per command; the kernel's table is the truth, not our record of it.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <netlink/netlink.h>
#include <netlink/route/route.h>
#include <string.h>

#include "bgp_attr.h"
#include "bgp_peer.h"
#include "bgp_rib.h"
#include "cli_internal.h"
#include "domain_config.h"
#include "fib.h"

#define JSON_HELP "JavaScript Object Notation\n"

/* What the operator filters on, FRR's protocol names. */
enum route_kind { KIND_ANY, KIND_BGP, KIND_CONNECTED, KIND_KERNEL, KIND_STATIC };

struct route_row {
	struct prefix prefix;
	enum route_kind kind;
	const char *protocol; /* FRR's name: "bgp", "connected", "kernel", "static" */
	char code;            /* B, C, K, S */
	uint32_t metric;
	bool installed;
	char reason[128];     /* why a BGP best route is not installed */
	size_t n;
	struct {
		char ip[INET6_ADDRSTRLEN]; /* "" when directly connected */
		char ifname[IF_NAMESIZE];
		int ifindex;
	} nh[FIB_NEXTHOP_MAX];
};

static enum route_kind kind_of(uint8_t protocol, bool has_gateway)
{
	if (protocol == FIB_PROTO_SKYGATE)
		return KIND_BGP;
	if (protocol == RTPROT_STATIC)
		return KIND_STATIC;
	/* The kernel adds a subnet route of protocol "kernel" without a
	 * gateway for each address it is given: that is a connected route. */
	if (protocol == RTPROT_KERNEL && !has_gateway)
		return KIND_CONNECTED;
	return KIND_KERNEL;
}

static void set_kind(struct route_row *r, enum route_kind k)
{
	static const char *const names[] = {"", "bgp", "connected", "kernel", "static"};
	static const char codes[] = {'?', 'B', 'C', 'K', 'S'};
	r->kind = k;
	r->protocol = names[k];
	r->code = codes[k];
}

static int prefix_from_nl(struct nl_addr *a, int family, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	out->family = family;
	if (a != NULL) {
		unsigned len = nl_addr_get_len(a);
		if (len > sizeof(out->addr))
			return -1;
		memcpy(out->addr, nl_addr_get_binary_addr(a), len);
		out->len = (uint8_t)nl_addr_get_prefixlen(a);
	}
	return 0;
}

struct collect {
	struct bgp_instance *bgp; /* NULL: no BGP instance */
	struct bgp_rib *rib; /* NULL: no BGP instance */
	uint32_t table;      /* the kernel table shown: main, or a domain's */
	unsigned domain;     /* the BGP domain whose view that table holds (0: default) */
	bool no_view;        /* the speaker has no such domain: list the kernel's routes only */
	int family;
	enum route_kind only;
	struct route_row *rows;
	size_t n, cap;
};

static struct route_row *new_row(struct collect *c)
{
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		struct route_row *rows = realloc(c->rows, cap * sizeof(*rows));
		if (rows == NULL)
			return NULL;
		c->rows = rows;
		c->cap = cap;
	}
	struct route_row *r = &c->rows[c->n++];
	memset(r, 0, sizeof(*r));
	return r;
}

static void add_nexthop(struct rtnl_nexthop *nh, void *arg)
{
	struct route_row *r = arg;
	struct nl_addr *gw = rtnl_route_nh_get_gateway(nh);

	if (r->n == FIB_NEXTHOP_MAX)
		return;
	r->nh[r->n].ifindex = rtnl_route_nh_get_ifindex(nh);
	if (r->nh[r->n].ifindex > 0 && if_indextoname((unsigned)r->nh[r->n].ifindex, r->nh[r->n].ifname) == NULL)
		snprintf(r->nh[r->n].ifname, sizeof(r->nh[r->n].ifname), "if%d", r->nh[r->n].ifindex);
	if (gw != NULL)
		inet_ntop(nl_addr_get_family(gw), nl_addr_get_binary_addr(gw), r->nh[r->n].ip, sizeof(r->nh[r->n].ip));
	r->n++;
}

static void add_kernel_route(struct nl_object *obj, void *arg)
{
	struct rtnl_route *route = (struct rtnl_route *)obj;
	struct collect *c = arg;

	if (rtnl_route_get_table(route) != c->table || rtnl_route_get_type(route) != RTN_UNICAST)
		return;
	struct rtnl_nexthop *first = rtnl_route_nexthop_n(route, 0);
	bool has_gateway = first != NULL && rtnl_route_nh_get_gateway(first) != NULL;
	enum route_kind k = kind_of(rtnl_route_get_protocol(route), has_gateway);
	if (c->only != KIND_ANY && k != c->only)
		return;
	struct route_row *r = new_row(c);
	if (r == NULL)
		return;
	if (prefix_from_nl(rtnl_route_get_dst(route), c->family, &r->prefix) != 0) {
		c->n--;
		return;
	}
	set_kind(r, k);
	r->metric = rtnl_route_get_priority(route);
	r->installed = true;
	rtnl_route_foreach_nexthop(route, add_nexthop, r);
}

/* BGP best routes the kernel does not have: shown with the reason. */
static int add_uninstalled(struct bgp_dest *dest, void *arg)
{
	struct collect *c = arg;
	/* Each table holds its domain's view (docs/domains.md). */
	const struct bgp_path *best = bgp_domain_view_best(c->bgp, dest, c->domain);
	const char *why;

	if (best == NULL || best->peer == NULL ||
	    bgp_domain_installed(c->bgp, c->domain, dest, &why) == BGP_DOMAIN_INSTALLED)
		return 0;
	struct route_row *r = new_row(c);
	if (r == NULL)
		return -1;
	r->prefix = dest->prefix;
	set_kind(r, KIND_BGP);
	snprintf(r->reason, sizeof(r->reason), "%s", why[0] ? why : "not installed yet");
	const struct bgp_attrs *a = &best->attrs->attrs;
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP) && dest->prefix.family == AF_INET)
		inet_ntop(AF_INET, a->nexthop, r->nh[0].ip, sizeof(r->nh[0].ip));
	else if (a->mp_nexthop.family == AF_INET6)
		inet_ntop(AF_INET6, a->mp_nexthop.global, r->nh[0].ip, sizeof(r->nh[0].ip));
	r->n = 1;
	return 0;
}

static int row_cmp(const void *a, const void *b)
{
	const struct route_row *x = a, *y = b;
	int c = prefix_cmp(&x->prefix, &y->prefix);
	return c != 0 ? c : (int)x->installed - (int)y->installed;
}

/* Fill c with the kernel's routes of the family and BGP's missing ones. */
static int collect_routes(struct cli_session *s, struct collect *c)
{
	struct nl_sock *sock = nl_socket_alloc();
	struct nl_cache *cache = NULL;
	int rc = -1;

	if (sock == NULL || nl_connect(sock, NETLINK_ROUTE) < 0) {
		cli_error(s, "cannot read the routing table: netlink unavailable");
		goto out;
	}
	int err = rtnl_route_alloc_cache(sock, c->family, 0, &cache);
	if (err < 0) {
		cli_error(s, "cannot read the routing table: %s", nl_geterror(err));
		goto out;
	}
	nl_cache_foreach(cache, add_kernel_route, c);
	if (s->env->bgp != NULL && !c->no_view && (c->only == KIND_ANY || c->only == KIND_BGP)) {
		c->bgp = s->env->bgp;
		c->rib = bgp_instance_rib(s->env->bgp);
		bgp_rib_scan(c->rib, c->family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4, add_uninstalled, c);
	}
	if (c->n > 1)
		qsort(c->rows, c->n, sizeof(*c->rows), row_cmp);
	rc = 0;
out:
	nl_cache_free(cache);
	nl_socket_free(sock);
	return rc;
}

static void print_text(FILE *out, const struct collect *c)
{
	char pfx[PREFIX_STRLEN];

	fputs("Codes: K - kernel route, C - connected, S - static, B - BGP\n"
	      "       > - selected route, * - FIB route, r - rejected by the kernel\n\n", out);
	for (size_t i = 0; i < c->n; i++) {
		const struct route_row *r = &c->rows[i];
		prefix_format(&r->prefix, pfx, sizeof(pfx));
		for (size_t k = 0; k < (r->n ? r->n : 1); k++) {
			const char *ip = r->n ? r->nh[k].ip : "", *ifn = r->n ? r->nh[k].ifname : "";
			if (k == 0)
				fprintf(out, "%c>%c %s", r->code, r->installed ? '*' : 'r', pfx);
			else
				fprintf(out, "  %c %*s", r->installed ? '*' : 'r', (int)strlen(pfx), "");
			if (ip[0] != '\0')
				fprintf(out, " via %s%s%s", ip, ifn[0] ? ", " : "", ifn);
			else
				fprintf(out, " is directly connected, %s", ifn);
			if (k == 0 && r->installed && r->kind != KIND_CONNECTED)
				fprintf(out, ", metric %u", r->metric);
			if (k == 0 && !r->installed)
				fprintf(out, " (not installed: %s)", r->reason);
			fputc('\n', out);
		}
	}
}

static struct json_object *row_json(const struct route_row *r, const char *pfx, uint32_t table)
{
	struct json_object *o = json_object_new_object(), *nhs = json_object_new_array();

	json_object_object_add(o, "prefix", json_object_new_string(pfx));
	json_object_object_add(o, "protocol", json_object_new_string(r->protocol));
	json_object_object_add(o, "selected", json_object_new_boolean(true));
	json_object_object_add(o, "installed", json_object_new_boolean(r->installed));
	if (!r->installed) {
		json_object_object_add(o, "failed", json_object_new_boolean(true));
		json_object_object_add(o, "notInstalledReason", json_object_new_string(r->reason));
	}
	json_object_object_add(o, "metric", json_object_new_int64(r->metric));
	json_object_object_add(o, "table", json_object_new_int64(table));
	for (size_t k = 0; k < r->n; k++) {
		struct json_object *nh = json_object_new_object();
		json_object_object_add(nh, "fib", json_object_new_boolean(r->installed));
		if (r->nh[k].ip[0] != '\0') {
			json_object_object_add(nh, "ip", json_object_new_string(r->nh[k].ip));
			json_object_object_add(nh, "afi", json_object_new_string(strchr(r->nh[k].ip, ':') ? "ipv6" : "ipv4"));
		} else {
			json_object_object_add(nh, "directlyConnected", json_object_new_boolean(true));
		}
		if (r->nh[k].ifindex > 0) {
			json_object_object_add(nh, "interfaceIndex", json_object_new_int(r->nh[k].ifindex));
			json_object_object_add(nh, "interfaceName", json_object_new_string(r->nh[k].ifname));
		}
		json_object_object_add(nh, "active", json_object_new_boolean(r->installed));
		json_object_array_add(nhs, nh);
	}
	json_object_object_add(o, "nexthops", nhs);
	return o;
}

static void print_json(FILE *out, const struct collect *c)
{
	struct json_object *root = json_object_new_object();
	char pfx[PREFIX_STRLEN];

	for (size_t i = 0; i < c->n; i++) {
		prefix_format(&c->rows[i].prefix, pfx, sizeof(pfx));
		struct json_object *list = NULL;
		if (!json_object_object_get_ex(root, pfx, &list)) {
			list = json_object_new_array();
			json_object_object_add(root, pfx, list);
		}
		json_object_array_add(list, row_json(&c->rows[i], pfx, c->table));
	}
	fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(root);
}

static int cmd_show_route(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *fam = cmd_args_get(args, "family"), *proto = cmd_args_get(args, "proto");
	const char *domain = cmd_args_get(args, "domain");
	struct collect c = {.family = strcmp(fam, "ipv6") == 0 ? AF_INET6 : AF_INET, .only = KIND_ANY,
			    .table = RT_TABLE_MAIN};

	if (domain != NULL && !domain_is_default(domain)) {
		const struct domain_def *d = domain_find(cli_config(s)->domains, domain);
		if (d == NULL)
			return cli_error(s, "No such domain %s", domain);
		c.table = d->table;
		/* The BGP speaker may not have the domain in effect yet:
		 * then there is no view to compare the table with. */
		int n = s->env->bgp != NULL ? bgp_domain_number_of(s->env->bgp, domain) : -1;
		c.no_view = n < 0;
		c.domain = n < 0 ? 0 : (unsigned)n;
	}

	if (proto != NULL)
		c.only = strcmp(proto, "bgp") == 0 ? KIND_BGP
			 : strcmp(proto, "connected") == 0 ? KIND_CONNECTED
			 : strcmp(proto, "static") == 0 ? KIND_STATIC : KIND_KERNEL;
	if (collect_routes(s, &c) != 0) {
		free(c.rows);
		return -1;
	}
	if (cmd_args_has(args, "json"))
		print_json(s->out, &c);
	else
		print_text(s->out, &c);
	free(c.rows);
	return 0;
}

static const struct cmd_def route_show_commands[] = {
	{NODE_EXEC, "show <ip|ipv6>$family route [<bgp|connected|kernel|static>$proto] [json]",
	 "Show running system information\nIP information\nIPv6 information\nIP routing table\n"
	 "Border Gateway Protocol (BGP)\nConnected routes (directly attached subnet or host)\n"
	 "Kernel routes (not installed via the zebra RIB)\nStatically configured routes\n" JSON_HELP,
	 cmd_show_route, 0},
	{NODE_EXEC, "show <ip|ipv6>$family route domain WORD$domain [json]",
	 "Show running system information\nIP information\nIPv6 information\nIP routing table\n"
	 "The routing table of one network domain\nThe domain whose kernel table to show\n" JSON_HELP,
	 cmd_show_route, 0},
};

int cli_register_route_show_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, route_show_commands, sizeof(route_show_commands) / sizeof(route_show_commands[0]),
				err, errlen);
}
