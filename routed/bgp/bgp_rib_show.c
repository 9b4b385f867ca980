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

/* local: originated here, so no next hop of its own yet. */
static void attrs_next_hop_text(const struct bgp_attrs *a, bool local, char *buf, size_t len)
{
	if (local)
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

static void next_hop_text(const struct bgp_path *p, char *buf, size_t len)
{
	attrs_next_hop_text(&p->attrs->attrs, p->peer == NULL, buf, len);
}

struct show_ctx {
	FILE *out;
	const struct prefix *only;
	struct bgp_rib *rib;
	const struct bgp_peer *from;    /* only paths learned from this peer */
	struct json_object *routes;
	unsigned count;
	unsigned prefixes;
};

static void print_line(FILE *out, char status, bool best, const char *pfx, const char *nh, const struct bgp_attrs *a,
		       unsigned weight)
{
	char path[512], med[16] = "", lp[16] = "";

	bgp_aspath_format(&a->aspath, path, sizeof(path));
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_MED))
		snprintf(med, sizeof(med), "%u", a->med);
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))
		snprintf(lp, sizeof(lp), "%u", a->local_pref);
	fprintf(out, "%c%s %-18s %-18s %10s %6s %6u %s%s%c\n", status, best ? ">" : " ", pfx, nh, med, lp, weight,
		path, path[0] ? " " : "", origin_code[a->origin <= 2 ? a->origin : 2]);
}

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

static void print_header(FILE *out)
{
	fputs("Status codes:  * valid, > best, s suppressed, p pending approval, r rejected\nOrigin codes:  i - IGP, e - EGP, ? - incomplete\n\n", out);
	fprintf(out, "   %-18s %-18s %10s %6s %6s Path\n", "Network", "Next Hop", "Metric", "LocPrf", "Weight");
}

static int show_dest_text(struct bgp_dest *dest, void *arg)
{
	struct show_ctx *c = arg;
	char pfx[PREFIX_STRLEN], nh[INET6_ADDRSTRLEN];
	bool first = true;

	if (c->only != NULL && !prefix_equal(c->only, &dest->prefix))
		return 0;
	prefix_format(&dest->prefix, pfx, sizeof(pfx));
	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next) {
		if (c->from != NULL && p->peer != c->from)
			continue;
		next_hop_text(p, nh, sizeof(nh));
		/* A held path awaits approval ('p') or was rejected ('r'):
		 * it is in the Adj-RIB-In but not a candidate. */
		char status = p->held ? bgp_approval_status_code(dest, p) : dest->suppressed ? 's' : '*';
		print_line(c->out, status, p == bgp_dest_best(dest), first ? pfx : "", nh, &p->attrs->attrs,
			   bgp_path_weight(p));
		c->prefixes += first;
		first = false;
		c->count++;
	}
	return 0;
}

void bgp_rib_show(struct bgp_rib *rib, enum bgp_afi afi, const struct prefix *only, FILE *out)
{
	struct show_ctx c = {.rib = rib, .out = out, .only = only};

	print_header(out);
	show_walk(rib, afi, only, show_dest_text, &c);
	fprintf(out, "\nDisplayed %u routes and %u total paths\n", bgp_rib_count(rib, afi), c.count);
}

static void attrs_json(struct json_object *o, const struct bgp_attrs *a, bool local);

static struct json_object *path_json(struct bgp_rib *rib, const struct bgp_dest *dest, const struct bgp_path *p)
{
	const struct bgp_attrs *a = &p->attrs->attrs;
	struct json_object *o = json_object_new_object();
	char buf[512], addr[INET6_ADDRSTRLEN];

	json_object_object_add(o, "valid", json_object_new_boolean(true));
	if (p->stale)
		json_object_object_add(o, "stale", json_object_new_boolean(true));
	if (p->held)
		json_object_object_add(o, bgp_approval_status_code(dest, p) == 'r' ? "rejected" : "pending",
				       json_object_new_boolean(true));
	if (dest->suppressed)
		json_object_object_add(o, "suppressed", json_object_new_boolean(true));
	if (p == bgp_dest_best(dest)) {
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
	json_object_object_add(o, "weight", json_object_new_int64(bgp_path_weight(p)));
	json_object_object_add(o, "peerId", json_object_new_string(p->peer == NULL ? "(unspec)" : p->peer->name));
	attrs_json(o, a, p->peer == NULL);
	return o;
}

/* The attributes' keys, FRR's names. */
static void attrs_json(struct json_object *o, const struct bgp_attrs *a, bool local)
{
	char buf[512], addr[INET6_ADDRSTRLEN];

	if (a->present & BGP_ATTR_MASK(BGP_ATTR_MED))
		json_object_object_add(o, "metric", json_object_new_int64(a->med));
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))
		json_object_object_add(o, "locPrf", json_object_new_int64(a->local_pref));
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
	attrs_next_hop_text(a, local, addr, sizeof(addr));
	json_object_object_add(nh, "ip", json_object_new_string(addr));
	json_object_object_add(nh, "afi", json_object_new_string(strchr(addr, ':') ? "ipv6" : "ipv4"));
	json_object_object_add(nh, "used", json_object_new_boolean(true));
	json_object_array_add(nhs, nh);
	json_object_object_add(o, "nexthops", nhs);
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
		if (c->from == NULL || p->peer == c->from)
			json_object_array_add(paths, path_json(c->rib, dest, p));
	if (json_object_array_length(paths) == 0) {
		json_object_put(paths);
		return 0;
	}
	c->prefixes++;
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

/* ---- one neighbor's routes ---------------------------------------------------- */

static struct bgp_peer *find_peer(struct bgp_instance *bgp, const struct prefix *addr)
{
	for (struct bgp_peer *p = bgp->peers; p != NULL; p = p->next)
		if (prefix_equal(&p->cfg.addr, addr))
			return p;
	return NULL;
}

static int advertised_text(const struct prefix *p, const struct bgp_attr_set *set, void *arg)
{
	struct show_ctx *c = arg;
	char pfx[PREFIX_STRLEN], nh[INET6_ADDRSTRLEN];

	attrs_next_hop_text(&set->attrs, false, nh, sizeof(nh));
	print_line(c->out, '*', true, prefix_format(p, pfx, sizeof(pfx)), nh, &set->attrs, set->attrs.weight);
	c->prefixes++;
	return 0;
}

/* One route of a neighbor's Adj-RIB-In or -Out, as FRR keys it: an
 * object per prefix (a peer has one path per prefix). */
static int neighbor_route_json(const struct prefix *p, const struct bgp_attr_set *set, void *arg)
{
	struct show_ctx *c = arg;
	struct json_object *o = json_object_new_object();
	char pfx[PREFIX_STRLEN], addr[INET6_ADDRSTRLEN];

	inet_ntop(p->family, p->addr, addr, sizeof(addr));
	json_object_object_add(o, "addrPrefix", json_object_new_string(addr));
	json_object_object_add(o, "prefixLen", json_object_new_int(p->len));
	json_object_object_add(o, "network", json_object_new_string(prefix_format(p, pfx, sizeof(pfx))));
	attrs_next_hop_text(&set->attrs, false, addr, sizeof(addr));
	json_object_object_add(o, "nextHop", json_object_new_string(addr));
	json_object_object_add(o, "weight", json_object_new_int64(set->attrs.weight));
	attrs_json(o, &set->attrs, false);
	json_object_object_add(c->routes, pfx, o);
	c->prefixes++;
	return 0;
}

int bgp_show_neighbor_routes(struct bgp_instance *bgp, const struct prefix *addr, enum bgp_afi afi,
			     enum bgp_neighbor_view view, FILE *out)
{
	struct bgp_peer *peer = find_peer(bgp, addr);
	struct show_ctx c = {.out = out, .from = peer};

	if (peer == NULL)
		return -1;
	/* As FRR: without the knob there is no copy of the routes as
	 * received to show (the routes view shows what the policy let in). */
	if (view == BGP_VIEW_RECEIVED && !peer->cfg.af[afi].soft_reconfig_in)
		return BGP_SHOW_NO_SOFT_IN;
	print_header(out);
	if (view == BGP_VIEW_ADVERTISED)
		bgp_output_walk(peer, afi, advertised_text, &c);
	else if (view == BGP_VIEW_RECEIVED)
		bgp_adj_in_walk(peer, afi, advertised_text, &c);
	else
		bgp_rib_walk(bgp->rib, afi, show_dest_text, &c);
	fprintf(out, "\nTotal number of prefixes %u\n", c.prefixes);
	return 0;
}

struct json_object *bgp_show_neighbor_routes_json(struct bgp_instance *bgp, const struct prefix *addr,
						  enum bgp_afi afi, enum bgp_neighbor_view view)
{
	struct bgp_peer *peer = find_peer(bgp, addr);
	struct show_ctx c = {.from = peer, .routes = json_object_new_object()};
	struct json_object *root = json_object_new_object();
	static const char *const keys[] = {"routes", "receivedRoutes", "advertisedRoutes"};
	char rid[INET_ADDRSTRLEN];
	uint32_t id = htonl(bgp->router_id);

	if (peer == NULL) {
		json_object_put(c.routes);
		json_object_object_add(root, "warning", json_object_new_string("No such neighbor"));
		return root;
	}
	if (view == BGP_VIEW_RECEIVED && !peer->cfg.af[afi].soft_reconfig_in) {
		json_object_put(c.routes);
		json_object_object_add(root, "warning",
				       json_object_new_string("Inbound soft reconfiguration not enabled"));
		return root;
	}
	if (view == BGP_VIEW_ADVERTISED)
		bgp_output_walk(peer, afi, neighbor_route_json, &c);
	else if (view == BGP_VIEW_RECEIVED)
		bgp_adj_in_walk(peer, afi, neighbor_route_json, &c);
	else
		bgp_rib_walk(bgp->rib, afi, show_dest_json, &c);
	inet_ntop(AF_INET, &id, rid, sizeof(rid));
	json_object_object_add(root, "bgpLocalRouterId", json_object_new_string(rid));
	json_object_object_add(root, "defaultLocPrf", json_object_new_int(BGP_DEFAULT_LOCAL_PREF));
	json_object_object_add(root, "localAS", json_object_new_int64(bgp->asn));
	json_object_object_add(root, keys[view], c.routes);
	json_object_object_add(root, "totalPrefixCounter", json_object_new_int64(c.prefixes));
	return root;
}
