/*
 * `show bgp [ipv4|ipv6] unicast [PREFIX]`: the BGP table as FRR prints it,
 * and as JSON with FRR's key names.
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

static const char *origin_name(uint8_t origin)
{
	switch (origin) {
	case BGP_ORIGIN_IGP: return "IGP";
	case BGP_ORIGIN_EGP: return "EGP";
	default: return "incomplete";
	}
}

static const char origin_code[] = {'i', 'e', '?'};

static void next_hop_text(const struct bgp_path *p, char *buf, size_t len)
{
	const struct bgp_attrs *a = &p->attrs->attrs;

	if (p->peer == NULL)
		snprintf(buf, len, "%s", a->mp_nexthop.family == AF_INET6 ? "::" : "0.0.0.0");
	else if (a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP))
		inet_ntop(AF_INET, a->nexthop, buf, (socklen_t)len);
	else if (a->mp_nexthop.family == AF_INET6)
		inet_ntop(AF_INET6, a->mp_nexthop.global, buf, (socklen_t)len);
	else if (a->mp_nexthop.family == AF_INET)
		inet_ntop(AF_INET, a->mp_nexthop.global, buf, (socklen_t)len);
	else
		snprintf(buf, len, "?");
}

struct show_ctx {
	struct bgp_rib *rib;
	FILE *out;
	const struct prefix *only;
	struct json_object *routes;
	unsigned count;
};

/* One prefix is one lookup; the whole table a walk in prefix order. */
static void show_walk(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only, bgp_dest_fn fn,
		      struct show_ctx *c)
{
	if (only == NULL) {
		bgp_rib_walk(rib, afi, fn, c);
		return;
	}
	struct bgp_dest *dest = bgp_rib_lookup(rib, only);
	if (dest != NULL && bgp_afi_of(&dest->prefix) == afi)
		fn(dest, c);
}

static int show_dest_text(struct bgp_dest *dest, void *arg)
{
	struct show_ctx *c = arg;
	char pfx[PREFIX_STRLEN], nh[INET6_ADDRSTRLEN], path[512];

	if (c->only != NULL && !prefix_equal(c->only, &dest->prefix))
		return 0;
	prefix_format(&dest->prefix, pfx, sizeof(pfx));
	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next) {
		const struct bgp_attrs *a = &p->attrs->attrs;
		next_hop_text(p, nh, sizeof(nh));
		bgp_aspath_format(&a->aspath, path, sizeof(path));
		char med[16] = "", lp[16] = "";
		if (a->present & BGP_ATTR_MASK(BGP_ATTR_MED))
			snprintf(med, sizeof(med), "%u", a->med);
		if (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))
			snprintf(lp, sizeof(lp), "%u", a->local_pref);
		fprintf(c->out, "%s%s %-18s %-18s %10s %6s %6u %s%s%c\n", "*", p == dest->best ? ">" : " ",
			p == dest->paths ? pfx : "", nh, med, lp, p->peer == NULL ? BGP_WEIGHT_LOCAL : 0, path,
			path[0] ? " " : "", origin_code[a->origin <= 2 ? a->origin : 2]);
		c->count++;
	}
	return 0;
}

void bgp_rib_show(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only, FILE *out)
{
	struct show_ctx c = {.rib = rib, .out = out, .only = only};

	fputs("Status codes:  * valid, > best\nOrigin codes:  i - IGP, e - EGP, ? - incomplete\n\n", out);
	fprintf(out, "   %-18s %-18s %10s %6s %6s Path\n", "Network", "Next Hop", "Metric", "LocPrf", "Weight");
	show_walk(rib, afi, only, show_dest_text, &c);
	fprintf(out, "\nDisplayed %u routes and %u total paths\n", bgp_rib_count(rib, afi), c.count);
}

static struct json_object *path_json(struct bgp_rib *rib, const struct bgp_dest *dest, const struct bgp_path *p)
{
	const struct bgp_attrs *a = &p->attrs->attrs;
	struct json_object *o = json_object_new_object();
	char buf[512], addr[INET6_ADDRSTRLEN];

	json_object_object_add(o, "valid", json_object_new_boolean(true));
	if (p->stale)
		json_object_object_add(o, "stale", json_object_new_boolean(true));
	if (p == dest->best) {
		json_object_object_add(o, "bestpath", json_object_new_boolean(true));
		if (p->peer != NULL) {
			json_object_object_add(o, "installed", json_object_new_boolean(dest->fib_installed));
			const char *why = bgp_dest_fib_error(rib, dest);
			if (why[0] != '\0')
				json_object_object_add(o, "notInstalledReason", json_object_new_string(why));
		}
	}
	json_object_object_add(o, "pathFrom", json_object_new_string(p->peer == NULL ? "local"
								     : p->ebgp ? "external" : "internal"));
	inet_ntop(dest->prefix.family, dest->prefix.addr, addr, sizeof(addr));
	json_object_object_add(o, "prefix", json_object_new_string(addr));
	json_object_object_add(o, "prefixLen", json_object_new_int(dest->prefix.len));
	json_object_object_add(o, "network", json_object_new_string(prefix_format(&dest->prefix, buf, sizeof(buf))));
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_MED))
		json_object_object_add(o, "metric", json_object_new_int64(a->med));
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))
		json_object_object_add(o, "locPrf", json_object_new_int64(a->local_pref));
	json_object_object_add(o, "weight", json_object_new_int(p->peer == NULL ? BGP_WEIGHT_LOCAL : 0));
	json_object_object_add(o, "peerId", json_object_new_string(p->peer == NULL ? "(unspec)" : p->peer->name));
	bgp_aspath_format(&a->aspath, buf, sizeof(buf));
	json_object_object_add(o, "path", json_object_new_string(buf));
	json_object_object_add(o, "origin", json_object_new_string(origin_name(a->origin)));
	if (a->ncommunities > 0) {
		bgp_communities_format(a->communities, a->ncommunities, buf, sizeof(buf));
		json_object_object_add(o, "community", json_object_new_string(buf));
	}
	if (a->nlarge_communities > 0) {
		bgp_large_communities_format(a->large_communities, a->nlarge_communities, buf, sizeof(buf));
		json_object_object_add(o, "largeCommunity", json_object_new_string(buf));
	}
	struct json_object *nhs = json_object_new_array(), *nh = json_object_new_object();
	next_hop_text(p, addr, sizeof(addr));
	json_object_object_add(nh, "ip", json_object_new_string(addr));
	json_object_object_add(nh, "afi", json_object_new_string(strchr(addr, ':') ? "ipv6" : "ipv4"));
	json_object_object_add(nh, "used", json_object_new_boolean(true));
	json_object_array_add(nhs, nh);
	json_object_object_add(o, "nexthops", nhs);
	return o;
}

static int show_dest_json(struct bgp_dest *dest, void *arg)
{
	struct show_ctx *c = arg;
	char pfx[PREFIX_STRLEN];

	if (c->only != NULL && !prefix_equal(c->only, &dest->prefix))
		return 0;
	if (dest->paths == NULL)
		return 0;
	struct json_object *paths = json_object_new_array();
	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next)
		json_object_array_add(paths, path_json(c->rib, dest, p));
	json_object_object_add(c->routes, prefix_format(&dest->prefix, pfx, sizeof(pfx)), paths);
	return 0;
}

struct json_object *bgp_rib_show_json(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only)
{
	struct json_object *root = json_object_new_object();
	struct show_ctx c = {.rib = rib, .only = only, .routes = json_object_new_object()};

	show_walk(rib, afi, only, show_dest_json, &c);
	json_object_object_add(root, "routes", c.routes);
	return root;
}
