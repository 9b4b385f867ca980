/*
 * The policy objects as configuration text (FRR's `show running-config`
 * lines), as JSON, and as `show` output.
 */
#include "policy_print.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

static const char *action_name(bool permit)
{
	return permit ? "permit" : "deny";
}

static const char *origin_name(uint8_t origin)
{
	return origin == BGP_ORIGIN_IGP ? "igp" : origin == BGP_ORIGIN_EGP ? "egp" : "incomplete";
}

/* "198.18.0.0/15 ge 24 le 28", or "any" (FRR's word for /0 le max). */
const char *plist_entry_text(const struct plist_entry *e, char *buf, size_t len)
{
	char pfx[PREFIX_STRLEN];
	size_t n;

	if (e->prefix.len == 0 && e->ge == 0 && e->le == prefix_max_len(e->prefix.family))
		return snprintf(buf, len, "any"), buf;
	n = (size_t)snprintf(buf, len, "%s", prefix_format(&e->prefix, pfx, sizeof(pfx)));
	if (e->ge && n < len)
		n += (size_t)snprintf(buf + n, len - n, " ge %u", e->ge);
	if (e->le && n < len)
		snprintf(buf + n, len - n, " le %u", e->le);
	return buf;
}

static void lcomms_text(const struct bgp_large_community *v, size_t n, char *buf, size_t len)
{
	bgp_large_communities_format(v, n, buf, len);
}

/* The value part of a community-list entry: its values or its regex. */
static void clist_entry_value(const struct community_list *l, const struct clist_entry *e, char *buf, size_t len)
{
	if (e->rx.text != NULL)
		snprintf(buf, len, "%s", e->rx.text);
	else if (l->large)
		lcomms_text(e->lcomms, e->ncomms, buf, len);
	else
		policy_community_format(e->comms, e->ncomms, buf, len);
}

/* ---- route-map clauses ----------------------------------------------------------- */

static void asns_text(const uint32_t *v, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%u", i ? " " : "", v[i]);
}

void rmap_entry_clauses(const struct rmap_entry *e, rmap_clause_fn fn, void *arg)
{
	char buf[POLICY_TEXT_MAX], val[POLICY_TEXT_MAX - 64];
	unsigned m = e->match, s = e->set;

	/* Matches, then sets, each in alphabetical order of the clause, as
	 * the printed configuration and `show route-map` list them. */
	if (m & RMAP_MATCH_ASPATH)
		snprintf(buf, sizeof(buf), "as-path %s", e->match_aspath), fn(arg, false, buf);
	if (m & RMAP_MATCH_COMMUNITY)
		snprintf(buf, sizeof(buf), "community %s%s", e->match_comm, e->match_comm_exact ? " exact-match" : ""),
			fn(arg, false, buf);
	if (m & RMAP_MATCH_PLIST4)
		snprintf(buf, sizeof(buf), "ip address prefix-list %s", e->match_plist4), fn(arg, false, buf);
	if (m & RMAP_MATCH_PLIST6)
		snprintf(buf, sizeof(buf), "ipv6 address prefix-list %s", e->match_plist6), fn(arg, false, buf);
	if (m & RMAP_MATCH_LCOMMUNITY)
		snprintf(buf, sizeof(buf), "large-community %s%s", e->match_lcomm,
			 e->match_lcomm_exact ? " exact-match" : ""),
			fn(arg, false, buf);
	if (m & RMAP_MATCH_LOCAL_PREF)
		snprintf(buf, sizeof(buf), "local-preference %u", e->match_local_pref), fn(arg, false, buf);
	if (m & RMAP_MATCH_METRIC)
		snprintf(buf, sizeof(buf), "metric %u", e->match_metric), fn(arg, false, buf);
	if (m & RMAP_MATCH_ORIGIN)
		snprintf(buf, sizeof(buf), "origin %s", origin_name(e->match_origin)), fn(arg, false, buf);
	if (m & RMAP_MATCH_PEER) {
		char a[INET6_ADDRSTRLEN];
		inet_ntop(e->match_peer.family, e->match_peer.addr, a, sizeof(a));
		snprintf(buf, sizeof(buf), "peer %s", a), fn(arg, false, buf);
	}

	if (s & RMAP_SET_PREPEND) {
		if (e->nprepend > 0) {
			asns_text(e->prepend, e->nprepend, val, sizeof(val));
			snprintf(buf, sizeof(buf), "as-path prepend %s", val);
		} else {
			snprintf(buf, sizeof(buf), "as-path prepend last-as %u", e->prepend_last_as);
		}
		fn(arg, true, buf);
	}
	if (s & RMAP_SET_COMM_DELETE)
		snprintf(buf, sizeof(buf), "comm-list %s delete", e->set_comm_delete), fn(arg, true, buf);
	if (s & RMAP_SET_COMMUNITY) {
		if (e->set_ncomms == 0) {
			snprintf(buf, sizeof(buf), "community none");
		} else {
			policy_community_format(e->set_comms, e->set_ncomms, val, sizeof(val));
			snprintf(buf, sizeof(buf), "community %s%s", val, e->set_comm_additive ? " additive" : "");
		}
		fn(arg, true, buf);
	}
	if (s & RMAP_SET_NEXTHOP4) {
		char a[INET_ADDRSTRLEN];
		snprintf(buf, sizeof(buf), "ip next-hop %s",
			 e->nexthop4_peer ? "peer-address" : inet_ntop(AF_INET, e->nexthop4, a, sizeof(a)));
		fn(arg, true, buf);
	}
	if (s & RMAP_SET_NEXTHOP6) {
		char a[INET6_ADDRSTRLEN];
		snprintf(buf, sizeof(buf), "ipv6 next-hop global %s", inet_ntop(AF_INET6, e->nexthop6, a, sizeof(a)));
		fn(arg, true, buf);
	}
	if (s & RMAP_SET_LCOMM_DELETE)
		snprintf(buf, sizeof(buf), "large-comm-list %s delete", e->set_lcomm_delete), fn(arg, true, buf);
	if (s & RMAP_SET_LCOMMUNITY) {
		if (e->set_nlcomms == 0) {
			snprintf(buf, sizeof(buf), "large-community none");
		} else {
			lcomms_text(e->set_lcomms, e->set_nlcomms, val, sizeof(val));
			snprintf(buf, sizeof(buf), "large-community %s%s", val, e->set_lcomm_additive ? " additive" : "");
		}
		fn(arg, true, buf);
	}
	if (s & RMAP_SET_LOCAL_PREF)
		snprintf(buf, sizeof(buf), "local-preference %u", e->set_local_pref), fn(arg, true, buf);
	if (s & RMAP_SET_METRIC) {
		const char *sign = e->set_metric_op == RMAP_METRIC_ADD ? "+" : e->set_metric_op == RMAP_METRIC_SUB ? "-" : "";
		snprintf(buf, sizeof(buf), "metric %s%u", sign, e->set_metric), fn(arg, true, buf);
	}
	if (s & RMAP_SET_ORIGIN)
		snprintf(buf, sizeof(buf), "origin %s", origin_name(e->set_origin)), fn(arg, true, buf);
	if (s & RMAP_SET_WEIGHT)
		snprintf(buf, sizeof(buf), "weight %u", e->set_weight), fn(arg, true, buf);
}

/* ---- configuration text ------------------------------------------------------------- */

static void print_clause(void *arg, bool is_set, const char *text)
{
	fprintf(arg, " %s %s\n", is_set ? "set" : "match", text);
}

static void print_plists(const struct policy_set *set, const char *kw, FILE *out)
{
	char text[POLICY_TEXT_MAX];

	for (size_t i = 0; i < set->count; i++) {
		const struct prefix_list *pl = set->items[i];
		if (pl->description[0] != '\0')
			fprintf(out, "%s prefix-list %s description %s\n", kw, pl->head.name, pl->description);
		for (size_t k = 0; k < pl->count; k++)
			fprintf(out, "%s prefix-list %s seq %u %s %s\n", kw, pl->head.name, pl->entries[k].seq,
				action_name(pl->entries[k].permit), plist_entry_text(&pl->entries[k], text, sizeof(text)));
	}
	if (set->count > 0)
		fputs("!\n", out);
}

static void print_clists(const struct policy_set *set, const char *kw, FILE *out)
{
	char text[POLICY_TEXT_MAX];

	for (size_t i = 0; i < set->count; i++) {
		const struct community_list *l = set->items[i];
		for (size_t k = 0; k < l->count; k++) {
			clist_entry_value(l, &l->entries[k], text, sizeof(text));
			fprintf(out, "bgp %s %s %s seq %u %s %s\n", kw, l->expanded ? "expanded" : "standard", l->head.name,
				l->entries[k].seq, action_name(l->entries[k].permit), text);
		}
	}
	if (set->count > 0)
		fputs("!\n", out);
}

void rmap_entry_print_action(const struct rmap_entry *e, FILE *out, const char *indent)
{
	if (e->exit == RMAP_EXIT_NEXT)
		fprintf(out, "%son-match next\n", indent);
	else if (e->exit == RMAP_EXIT_GOTO)
		fprintf(out, "%son-match goto %u\n", indent, e->goto_seq);
}

void policy_config_print(const struct policy_config *pc, FILE *out)
{
	if (pc == NULL)
		return;
	print_plists(&pc->plist4, "ip", out);
	print_plists(&pc->plist6, "ipv6", out);
	for (size_t i = 0; i < pc->aspath.count; i++) {
		const struct aspath_list *l = pc->aspath.items[i];
		for (size_t k = 0; k < l->count; k++)
			fprintf(out, "bgp as-path access-list %s seq %u %s %s\n", l->head.name, l->entries[k].seq,
				action_name(l->entries[k].permit), l->entries[k].rx.text);
	}
	if (pc->aspath.count > 0)
		fputs("!\n", out);
	print_clists(&pc->clist, "community-list", out);
	print_clists(&pc->lclist, "large-community-list", out);
	for (size_t i = 0; i < pc->rmap.count; i++) {
		const struct route_map *m = pc->rmap.items[i];
		for (size_t k = 0; k < m->count; k++) {
			const struct rmap_entry *e = &m->entries[k];
			fprintf(out, "route-map %s %s %u\n", m->head.name, action_name(e->permit), e->seq);
			if (e->description[0] != '\0')
				fprintf(out, " description %s\n", e->description);
			rmap_entry_clauses(e, print_clause, out);
			if (e->call[0] != '\0')
				fprintf(out, " call %s\n", e->call);
			rmap_entry_print_action(e, out, " ");
			fputs("exit\n!\n", out);
		}
	}
}

/* ---- JSON ------------------------------------------------------------------------------- */

struct json_object *plist_json(const struct prefix_list *pl)
{
	struct json_object *o = json_object_new_object(), *entries = json_object_new_array();
	char pfx[PREFIX_STRLEN];

	json_object_object_add(o, "addressFamily", json_object_new_string(pl->family == AF_INET ? "IPv4" : "IPv6"));
	if (pl->description[0] != '\0')
		json_object_object_add(o, "description", json_object_new_string(pl->description));
	for (size_t k = 0; k < pl->count; k++) {
		const struct plist_entry *e = &pl->entries[k];
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "sequenceNumber", json_object_new_int64(e->seq));
		json_object_object_add(j, "type", json_object_new_string(action_name(e->permit)));
		json_object_object_add(j, "prefix", json_object_new_string(prefix_format(&e->prefix, pfx, sizeof(pfx))));
		if (e->ge)
			json_object_object_add(j, "ge", json_object_new_int(e->ge));
		if (e->le)
			json_object_object_add(j, "le", json_object_new_int(e->le));
		json_object_array_add(entries, j);
	}
	json_object_object_add(o, "entries", entries);
	return o;
}

struct json_object *aspath_list_json(const struct aspath_list *l)
{
	struct json_object *entries = json_object_new_array();

	for (size_t k = 0; k < l->count; k++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "sequenceNumber", json_object_new_int64(l->entries[k].seq));
		json_object_object_add(j, "type", json_object_new_string(action_name(l->entries[k].permit)));
		json_object_object_add(j, "regex", json_object_new_string(l->entries[k].rx.text));
		json_object_array_add(entries, j);
	}
	struct json_object *o = json_object_new_object();
	json_object_object_add(o, "entries", entries);
	return o;
}

struct json_object *clist_json(const struct community_list *l)
{
	struct json_object *o = json_object_new_object(), *entries = json_object_new_array();
	char text[POLICY_TEXT_MAX];

	json_object_object_add(o, "type", json_object_new_string(l->expanded ? "expanded" : "standard"));
	for (size_t k = 0; k < l->count; k++) {
		struct json_object *j = json_object_new_object();
		json_object_object_add(j, "sequenceNumber", json_object_new_int64(l->entries[k].seq));
		json_object_object_add(j, "type", json_object_new_string(action_name(l->entries[k].permit)));
		clist_entry_value(l, &l->entries[k], text, sizeof(text));
		json_object_object_add(j, l->expanded ? "regex" : l->large ? "largeCommunities" : "communities",
				       json_object_new_string(text));
		json_object_array_add(entries, j);
	}
	json_object_object_add(o, "entries", entries);
	return o;
}

struct clause_json {
	struct json_object *match, *set;
};

static void json_clause(void *arg, bool is_set, const char *text)
{
	struct clause_json *c = arg;

	json_object_array_add(is_set ? c->set : c->match, json_object_new_string(text));
}

struct json_object *rmap_json(const struct route_map *m, bool counters)
{
	struct json_object *o = json_object_new_object(), *rules = json_object_new_array();

	if (counters)
		json_object_object_add(o, "invoked", json_object_new_int64((int64_t)m->invoked));
	for (size_t k = 0; k < m->count; k++) {
		const struct rmap_entry *e = &m->entries[k];
		struct json_object *j = json_object_new_object();
		struct clause_json c = {json_object_new_array(), json_object_new_array()};
		json_object_object_add(j, "sequenceNumber", json_object_new_int64(e->seq));
		json_object_object_add(j, "type", json_object_new_string(action_name(e->permit)));
		if (counters)
			json_object_object_add(j, "invoked", json_object_new_int64((int64_t)e->hits));
		if (e->description[0] != '\0')
			json_object_object_add(j, "description", json_object_new_string(e->description));
		rmap_entry_clauses(e, json_clause, &c);
		json_object_object_add(j, "matchClauses", c.match);
		json_object_object_add(j, "setClauses", c.set);
		if (e->call[0] != '\0')
			json_object_object_add(j, "callClause", json_object_new_string(e->call));
		json_object_object_add(j, "action", json_object_new_string(e->exit == RMAP_EXIT_NEXT   ? "next"
									   : e->exit == RMAP_EXIT_GOTO ? "goto"
												       : "exit"));
		if (e->exit == RMAP_EXIT_GOTO)
			json_object_object_add(j, "gotoSequence", json_object_new_int64(e->goto_seq));
		json_object_array_add(rules, j);
	}
	json_object_object_add(o, "rules", rules);
	return o;
}

static struct json_object *set_json(const struct policy_set *set, struct json_object *(*fn)(const void *))
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < set->count; i++)
		json_object_object_add(o, ((const struct policy_head *)set->items[i])->name, fn(set->items[i]));
	return o;
}

static struct json_object *plist_json_v(const void *p)
{
	return plist_json(p);
}

static struct json_object *aspath_json_v(const void *p)
{
	return aspath_list_json(p);
}

static struct json_object *clist_json_v(const void *p)
{
	return clist_json(p);
}

static struct json_object *rmap_json_v(const void *p)
{
	return rmap_json(p, false);
}

struct json_object *policy_config_to_json(const struct policy_config *pc)
{
	static const struct policy_config empty;
	struct json_object *o = json_object_new_object(), *plists = json_object_new_object();

	if (pc == NULL)
		pc = &empty;
	json_object_object_add(plists, "ipv4", set_json(&pc->plist4, plist_json_v));
	json_object_object_add(plists, "ipv6", set_json(&pc->plist6, plist_json_v));
	json_object_object_add(o, "prefixLists", plists);
	json_object_object_add(o, "asPathAccessLists", set_json(&pc->aspath, aspath_json_v));
	json_object_object_add(o, "communityLists", set_json(&pc->clist, clist_json_v));
	json_object_object_add(o, "largeCommunityLists", set_json(&pc->lclist, clist_json_v));
	json_object_object_add(o, "routeMaps", set_json(&pc->rmap, rmap_json_v));
	return o;
}

/* ---- show ------------------------------------------------------------------------------ */

void plist_show(const struct prefix_list *pl, FILE *out)
{
	char text[POLICY_TEXT_MAX];

	fprintf(out, "%s prefix-list %s: %zu entries\n", pl->family == AF_INET ? "ip" : "ipv6", pl->head.name,
		pl->count);
	if (pl->description[0] != '\0')
		fprintf(out, "   Description: %s\n", pl->description);
	for (size_t k = 0; k < pl->count; k++)
		fprintf(out, "   seq %u %s %s\n", pl->entries[k].seq, action_name(pl->entries[k].permit),
			plist_entry_text(&pl->entries[k], text, sizeof(text)));
}

void aspath_list_show(const struct aspath_list *l, FILE *out)
{
	fprintf(out, "AS path access list %s\n", l->head.name);
	for (size_t k = 0; k < l->count; k++)
		fprintf(out, "    seq %u %s %s\n", l->entries[k].seq, action_name(l->entries[k].permit),
			l->entries[k].rx.text);
}

void clist_show(const struct community_list *l, FILE *out)
{
	char text[POLICY_TEXT_MAX];

	fprintf(out, "%s %s list %s\n", l->large ? "Large community" : "Community",
		l->expanded ? "expanded" : "standard", l->head.name);
	for (size_t k = 0; k < l->count; k++) {
		clist_entry_value(l, &l->entries[k], text, sizeof(text));
		fprintf(out, "    seq %u %s %s\n", l->entries[k].seq, action_name(l->entries[k].permit), text);
	}
}

struct show_clauses {
	FILE *out;
	bool want_set;
};

static void show_clause(void *arg, bool is_set, const char *text)
{
	struct show_clauses *c = arg;

	if (is_set == c->want_set)
		fprintf(c->out, "    %s\n", text);
}

void rmap_show(const struct route_map *m, FILE *out)
{
	fprintf(out, "route-map: %s Invoked: %llu\n", m->head.name, (unsigned long long)m->invoked);
	for (size_t k = 0; k < m->count; k++) {
		const struct rmap_entry *e = &m->entries[k];
		fprintf(out, " %s, sequence %u Invoked %llu\n", action_name(e->permit), e->seq,
			(unsigned long long)e->hits);
		if (e->description[0] != '\0')
			fprintf(out, "  Description:\n    %s\n", e->description);
		struct show_clauses c = {out, false};
		fputs("  Match clauses:\n", out);
		rmap_entry_clauses(e, show_clause, &c);
		fputs("  Set clauses:\n", out);
		c.want_set = true;
		rmap_entry_clauses(e, show_clause, &c);
		fputs("  Call clause:\n", out);
		if (e->call[0] != '\0')
			fprintf(out, "    call %s\n", e->call);
		fputs("  Action:\n", out);
		if (e->exit == RMAP_EXIT_NEXT)
			fputs("    Continue to next entry\n", out);
		else if (e->exit == RMAP_EXIT_GOTO)
			fprintf(out, "    Goto %u\n", e->goto_seq);
		else
			fputs("    Exit routemap\n", out);
	}
}
