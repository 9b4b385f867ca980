/*
 * Network domain commands (docs/domains.md): `domain NAME` and its node
 * (`table N`, `interface IFNAME`), `domain-policy A B`, `neighbor X domain
 * NAME`, and the show commands. Every handler checks the whole line before
 * it changes anything: an unknown domain, a policy of a domain with
 * itself, a domain still referred to, a table another domain uses, an
 * interface another domain lists are refused with the configuration as it
 * was.
 */
#include <json-c/json.h>
#include <string.h>

#include "bgp_peer.h"
#include "cli_internal.h"
#include "domain_config.h"
#include "domain_dataplane.h"
#include "domain_view.h"

_Static_assert(sizeof(((struct cli_session *)0)->domain) == DOMAIN_NAME_MAX + 1,
	       "the session names a domain like the configuration does");

#define NO_HELP "Negate a command or set its defaults\n"
#define SHOW_HELP "Show running system information\n"
#define JSON_HELP "JavaScript Object Notation\n"
#define DOMAIN_HELP "Network domain (segment)\n"

static struct domain_config *domains_of(struct cli_session *s)
{
	return cli_config(s)->domains;
}

bool cli_domain_node_valid(struct cli_session *s)
{
	return domain_find(domains_of(s), s->domain) != NULL;
}

static int check_name(struct cli_session *s, const char *name)
{
	if (!domain_name_valid(name))
		return cli_error(s, "Invalid domain name '%s': a letter, then letters, digits, '-', '_' or '.', "
				 "at most %d", name, DOMAIN_NAME_MAX);
	return 0;
}

/* A name that must be a domain already: the default one or a configured one. */
static int check_exists(struct cli_session *s, const char *name)
{
	if (!domain_exists(domains_of(s), name))
		return cli_error(s, "No such domain %s", name);
	return 0;
}

static int cmd_domain(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *name = cmd_args_get(args, "name");

	if (check_name(s, name) != 0)
		return -1;
	if (domain_is_default(name))
		return cli_error(s, "The default domain always exists, uses the main table and holds every "
				 "interface no other domain lists; it has nothing to configure");
	struct domain_config *dc = domains_of(s);
	if (domain_find(dc, name) == NULL && dc->count + 1 >= DOMAIN_MAX)
		return cli_error(s, "Too many domains: %d at most, the default one included", DOMAIN_MAX);
	if (domain_get(dc, name) == NULL)
		return cli_error(s, "Cannot add domain %s: out of memory or no free table from %u", name,
				 DOMAIN_TABLE_AUTO_FIRST);
	snprintf(s->domain, sizeof(s->domain), "%s", name);
	s->node = NODE_DOMAIN;
	return 0;
}

static int cmd_no_domain(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct routed_config *cfg = cli_config(s);
	const char *name = cmd_args_get(args, "name");

	if (domain_is_default(name))
		return cli_error(s, "The default domain cannot be removed");
	if (domain_find(cfg->domains, name) == NULL)
		return cli_error(s, "No such domain %s", name);
	for (size_t i = 0; cfg->bgp != NULL && i < cfg->bgp->neighbor_count; i++) {
		if (strcmp(cfg->bgp->neighbors[i].domain, name) == 0) {
			char addr[PREFIX_STRLEN];
			return cli_error(s, "Domain %s is in use by neighbor %s; move it to another domain first", name,
					 prefix_format(&cfg->bgp->neighbors[i].addr, addr, sizeof(addr)));
		}
	}
	if (domain_policy_names(cfg->domains, name))
		return cli_error(s, "Domain %s is named by a domain-policy; remove the policy first", name);
	domain_delete(cfg->domains, name);
	return 0;
}

static struct domain_def *node_domain(struct cli_session *s)
{
	struct domain_def *d = domain_find(domains_of(s), s->domain);

	if (d == NULL)
		cli_error(s, "Domain %s no longer exists", s->domain);
	return d;
}

static int cmd_domain_table(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct domain_def *d = node_domain(s);
	uint64_t table;

	if (d == NULL)
		return -1;
	if (cmd_args_has(args, "no")) {
		/* Back to an allocated table: the lowest free one. */
		uint32_t old = d->table;
		d->table = 0;
		uint32_t t = domain_table_allocate(domains_of(s));
		d->table = t != 0 ? t : old;
		return 0;
	}
	cmd_args_get_u64(args, "table", &table);
	if (!domain_table_valid((uint32_t)table))
		return cli_error(s, "Table %llu is reserved by the kernel (0, 252-255 cannot be a domain's)",
				 (unsigned long long)table);
	const struct domain_def *other = domain_by_table(domains_of(s), (uint32_t)table, d);
	if (other != NULL)
		return cli_error(s, "Table %llu is already used by domain %s", (unsigned long long)table, other->name);
	d->table = (uint32_t)table;
	return 0;
}

static bool ifname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_IFNAME_MAX || strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] == '"' || name[i] == '\\' || name[i] <= ' ')
			return false;
	return true;
}

static int cmd_domain_interface(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct domain_def *d = node_domain(s);
	const char *ifname = cmd_args_get(args, "ifname");

	if (d == NULL)
		return -1;
	if (cmd_args_has(args, "no")) {
		if (domain_interface_delete(d, ifname) != 0)
			return cli_error(s, "Interface %s is not in domain %s", ifname, d->name);
		return 0;
	}
	if (!ifname_valid(ifname))
		return cli_error(s, "Invalid interface name '%s'", ifname);
	const struct domain_def *owner = domain_of_interface(domains_of(s), ifname);
	if (owner != NULL && owner != d)
		return cli_error(s, "Interface %s already belongs to domain %s", ifname, owner->name);
	if (domain_interface_add(d, ifname) < 0)
		return cli_error(s, "Cannot add interface %s: %d per domain at most, or out of memory", ifname,
				 DOMAIN_IFACE_MAX);
	return 0;
}

static int cmd_domain_policy(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *a = cmd_args_get(args, "a"), *b = cmd_args_get(args, "b");
	bool no = cmd_args_has(args, "no");

	if (check_exists(s, a) != 0 || check_exists(s, b) != 0)
		return -1;
	if (strcmp(a, b) == 0)
		return cli_error(s, "A domain-policy connects two different domains; %s always sees itself", a);
	if (no) {
		if (domain_policy_delete(domains_of(s), a, b) != 0)
			return cli_error(s, "No domain-policy between %s and %s", a, b);
		return 0;
	}
	if (domain_policy_add(domains_of(s), a, b) < 0)
		return cli_error(s, "out of memory");
	return 0;
}

static int cmd_neighbor_domain(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct routed_config *cfg = cli_config(s);
	const char *text = cmd_args_get(args, "peer"), *name = cmd_args_get(args, "name");
	struct prefix addr;

	if (text == NULL || prefix_parse(text, &addr) != 0 || addr.len != prefix_max_len(addr.family))
		return cli_error(s, "Malformed neighbor address '%s'", text ? text : "");
	struct bgp_neighbor_config *n = rcfg_neighbor_find(cfg->bgp, &addr);
	if (n == NULL)
		return cli_error(s, "Specify remote-as or peer-group commands first");
	if (cmd_args_has(args, "no")) {
		if (name != NULL && strcmp(name, n->domain[0] ? n->domain : DOMAIN_DEFAULT_NAME) != 0)
			return cli_error(s, "Neighbor %s is not in domain %s", text, name);
		n->domain[0] = '\0';
		return 0;
	}
	if (check_exists(s, name) != 0)
		return -1;
	/* The default domain is written as nothing at all. */
	snprintf(n->domain, sizeof(n->domain), "%s", domain_is_default(name) ? "" : name);
	return 0;
}

/* ---- show ------------------------------------------------------------------------ */

static void print_json(struct cli_session *s, struct json_object *o)
{
	fprintf(s->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

/* The connections of domain n: interfaces and BGP neighbors. */
static struct json_object *domain_json(struct cli_session *s, const struct domain_view *v, unsigned n,
				       struct json_object *drops)
{
	const struct routed_config *cfg = cli_config(s);
	const struct domain_config *dc = cfg->domains;
	const char *name = domain_view_name(dc, n);
	struct json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	struct json_object *nbrs = json_object_new_array(), *conn = json_object_new_array();
	char addr[PREFIX_STRLEN];

	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "table", json_object_new_int64(n == 0 ? DOMAIN_TABLE_MAIN : dc->domains[n - 1].table));
	if (n > 0)
		for (size_t i = 0; i < dc->domains[n - 1].ifname_count; i++)
			json_object_array_add(ifs, json_object_new_string(dc->domains[n - 1].ifnames[i]));
	json_object_object_add(o, "interfaces", ifs);
	/* Interfaces no domain lists are the default domain's. */
	json_object_object_add(o, "otherInterfaces", json_object_new_boolean(n == 0));
	for (size_t i = 0; cfg->bgp != NULL && i < cfg->bgp->neighbor_count; i++) {
		const struct bgp_neighbor_config *nb = &cfg->bgp->neighbors[i];
		if (domain_view_number(dc, nb->domain) == (int)n) {
			prefix_format(&nb->addr, addr, sizeof(addr));
			*strchr(addr, '/') = '\0';
			json_object_array_add(nbrs, json_object_new_string(addr));
		}
	}
	json_object_object_add(o, "neighbors", nbrs);
	for (unsigned k = 0; k < v->count; k++)
		if (domain_view_connected(v, n, k))
			json_object_array_add(conn, json_object_new_string(domain_view_name(dc, k)));
	json_object_object_add(o, "connectedDomains", conn);
	struct json_object *routes = json_object_new_object();
	struct bgp_instance *bgp = s->env->bgp;
	int bn = bgp != NULL ? bgp_domain_number_of(bgp, name) : -1;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		json_object_object_add(routes, bgp_afi_name((enum bgp_afi)afi),
				       json_object_new_int64(bn >= 0 ? bgp_domain_route_count(bgp, (unsigned)bn,
											 (enum bgp_afi)afi)
								     : 0));
	json_object_object_add(o, "bgpRoutes", routes);
	struct json_object *dropped = NULL;
	if (drops != NULL && json_object_object_get_ex(drops, name, &dropped))
		json_object_object_add(o, "dropped", json_object_get(dropped));
	else
		json_object_object_add(o, "dropped", domain_dataplane_zero_counter());
	return o;
}

static void print_domain_text(struct cli_session *s, struct json_object *o)
{
	struct json_object *v;

	json_object_object_get_ex(o, "name", &v);
	fprintf(s->out, "Domain %s, table %lld\n", json_object_get_string(v),
		(long long)json_object_get_int64(json_object_object_get(o, "table")));
	static const char *const lists[][2] = {{"interfaces", "Interfaces"},
					       {"neighbors", "BGP neighbors"},
					       {"connectedDomains", "Connected domains"}};
	for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct json_object *arr = json_object_object_get(o, lists[i][0]);
		fprintf(s->out, "  %s:", lists[i][1]);
		for (size_t k = 0; k < json_object_array_length(arr); k++)
			fprintf(s->out, " %s", json_object_get_string(json_object_array_get_idx(arr, k)));
		if (i == 0 && json_object_get_boolean(json_object_object_get(o, "otherInterfaces")))
			fputs(" (every interface no other domain lists)", s->out);
		else if (json_object_array_length(arr) == 0)
			fputs(" none", s->out);
		fputc('\n', s->out);
	}
	struct json_object *r = json_object_object_get(o, "bgpRoutes"), *d = json_object_object_get(o, "dropped");
	fprintf(s->out, "  BGP routes: %lld IPv4, %lld IPv6\n",
		(long long)json_object_get_int64(json_object_object_get(r, "ipv4")),
		(long long)json_object_get_int64(json_object_object_get(r, "ipv6")));
	fprintf(s->out, "  Dropped toward unconnected domains: %lld packets, %lld bytes\n",
		(long long)json_object_get_int64(json_object_object_get(d, "packets")),
		(long long)json_object_get_int64(json_object_object_get(d, "bytes")));
}

static int cmd_show_domain(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const struct domain_config *dc = domains_of(s);
	const char *only = cmd_args_get(args, "name");
	struct domain_view v;

	if (only != NULL && check_exists(s, only) != 0)
		return -1;
	if (domain_view_build(&v, dc) != 0)
		return cli_error(s, "The domain policies name a domain that does not exist");
	struct json_object *drops = domain_dataplane_counters();
	struct json_object *root = json_object_new_object();
	for (unsigned n = 0; n < v.count; n++) {
		const char *name = domain_view_name(dc, n);
		if (only == NULL || strcmp(only, name) == 0)
			json_object_object_add(root, name, domain_json(s, &v, n, drops));
	}
	json_object_put(drops);
	if (cmd_args_has(args, "json")) {
		print_json(s, root);
		return 0;
	}
	json_object_object_foreach(root, key, val) {
		(void)key;
		print_domain_text(s, val);
	}
	json_object_put(root);
	return 0;
}

static int cmd_show_domain_policy(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const struct domain_config *dc = domains_of(s);

	if (cmd_args_has(args, "json")) {
		struct json_object *root = json_object_new_object(), *list = json_object_new_array();
		for (size_t i = 0; i < dc->policy_count; i++) {
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "domainA", json_object_new_string(dc->policies[i].a));
			json_object_object_add(o, "domainB", json_object_new_string(dc->policies[i].b));
			json_object_object_add(o, "bidirectional", json_object_new_boolean(true));
			json_object_array_add(list, o);
		}
		json_object_object_add(root, "policies", list);
		json_object_object_add(root, "transitive", json_object_new_boolean(false));
		print_json(s, root);
		return 0;
	}
	if (dc->policy_count == 0)
		fputs("No domain policies: every domain sees only its own routes\n", s->out);
	for (size_t i = 0; i < dc->policy_count; i++)
		fprintf(s->out, "%s <-> %s\n", dc->policies[i].a, dc->policies[i].b);
	return 0;
}

static int cmd_show_bgp_domain(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *name = cmd_args_get(args, "name"), *fam = cmd_args_get(args, "afi");
	enum bgp_afi afi = fam != NULL && strcmp(fam, "ipv6") == 0 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;

	if (check_exists(s, name) != 0)
		return -1;
	if (s->env->bgp == NULL)
		return cli_error(s, "No BGP process is configured");
	int n = bgp_domain_number_of(s->env->bgp, name);
	if (n < 0)
		return cli_error(s, "Domain %s is not in effect yet", name);
	if (cmd_args_has(args, "json"))
		print_json(s, bgp_domain_show_json(s->env->bgp, (unsigned)n, afi));
	else
		bgp_domain_show(s->env->bgp, (unsigned)n, afi, s->out);
	return 0;
}

static const struct cmd_def domain_commands[] = {
	{NODE_CONFIG, "domain WORD$name", DOMAIN_HELP "Create or edit the network domain of this name\n", cmd_domain, 0},
	{NODE_CONFIG, "no domain WORD$name", NO_HELP DOMAIN_HELP "Remove the network domain of this name\n",
	 cmd_no_domain, 0},
	{NODE_DOMAIN, "table (1-4294967295)$table",
	 "Kernel routing table of the domain\nUse this table for the domain's routes (not 0 or 252-255)\n",
	 cmd_domain_table, 0},
	{NODE_DOMAIN, "no table [(1-4294967295)]",
	 NO_HELP "Use the lowest free table from 1000 for the domain's routes\nTable number\n", cmd_domain_table, 0},
	{NODE_DOMAIN, "[no] interface IFNAME$ifname",
	 NO_HELP "An interface of the domain\nInterface whose traffic belongs to the domain\n",
	 cmd_domain_interface, 0},
	{NODE_CONFIG, "[no] domain-policy WORD$a WORD$b",
	 NO_HELP "Connect two domains, both ways\nA domain\nThe domain whose routes and traffic it may exchange with "
	 "the first\n", cmd_domain_policy, 0},
	{NODE_BGP, "neighbor <A.B.C.D|X:X::X:X>$peer domain WORD$name",
	 "Specify neighbor router\nNeighbor address\nIPv6 neighbor address\nThe network domain of the session\n"
	 "Put the session in this domain\n", cmd_neighbor_domain, 0},
	{NODE_BGP, "no neighbor <A.B.C.D|X:X::X:X>$peer domain [WORD$name]",
	 NO_HELP "Specify neighbor router\nNeighbor address\nIPv6 neighbor address\n"
	 "Put the session back in the default domain\nDomain name\n", cmd_neighbor_domain, 0},
	{NODE_EXEC, "show domain [WORD$name] [json]",
	 SHOW_HELP "Network domains: members, connected domains, table, routes, drops\nDomain name\n" JSON_HELP,
	 cmd_show_domain, 0},
	{NODE_EXEC, "show domain-policy [json]", SHOW_HELP "Policies connecting network domains\n" JSON_HELP,
	 cmd_show_domain_policy, 0},
	{NODE_EXEC, "show bgp domain WORD$name [<ipv4|ipv6>$afi] [json]",
	 SHOW_HELP "BGP information\nOne network domain's view of the BGP routes\n"
	 "The domain whose view of the BGP routes to show\nIPv4 routes\n"
	 "IPv6 routes\n" JSON_HELP, cmd_show_bgp_domain, 0},
};

int cli_register_domain_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, domain_commands, sizeof(domain_commands) / sizeof(domain_commands[0]), err,
				errlen);
}
