/*
 * `show bgp summary` and `show bgp neighbors`, as text and as JSON with the
 * key names FRR uses, so scripts written against FRR read ours.
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

static const enum bgp_afi afis[] = {BGP_AFI_IPV4, BGP_AFI_IPV6};

static enum bgp_afsafi afsafi_of(enum bgp_afi afi)
{
	return afi == BGP_AFI_IPV6 ? BGP_AFSAFI_IPV6_UNICAST : BGP_AFSAFI_IPV4_UNICAST;
}

static const char *json_afi_key(enum bgp_afi afi)
{
	return afi == BGP_AFI_IPV6 ? "ipv6Unicast" : "ipv4Unicast";
}

static void router_id_text(const struct bgp_instance *bgp, char *buf, size_t len)
{
	uint32_t id = htonl(bgp->router_id);
	inet_ntop(AF_INET, &id, buf, (socklen_t)len);
}

/* FRR's uptime form: hh:mm:ss below a day, then 1d02h03m, then 1w2d03h. */
static void format_uptime(time_t secs, char *buf, size_t len)
{
	long s = (long)secs;

	if (s < 86400)
		snprintf(buf, len, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
	else if (s < 7 * 86400)
		snprintf(buf, len, "%ldd%02ldh%02ldm", s / 86400, (s / 3600) % 24, (s / 60) % 60);
	else
		snprintf(buf, len, "%ldw%ldd%02ldh", s / (7 * 86400), (s / 86400) % 7, (s / 3600) % 24);
}

static enum bgp_state peer_state(const struct bgp_peer *peer)
{
	return peer->conn != NULL ? peer->conn->fsm.state : BGP_STATE_IDLE;
}

static const char *peer_state_text(const struct bgp_peer *peer)
{
	if (peer->cfg.shutdown)
		return "Idle (Admin)";
	return bgp_state_name(peer_state(peer));
}

static uint64_t msgs_total(const uint64_t counts[6])
{
	uint64_t t = 0;
	for (int i = 1; i < 6; i++)
		t += counts[i];
	return t;
}

static uint32_t remote_as_of(const struct bgp_peer *peer)
{
	if (peer->conn != NULL && peer->conn->open_received)
		return bgp_open_peer_as(&peer->conn->their_open);
	if (peer->cfg.remote_as_kind == REMOTE_AS_INTERNAL)
		return peer->bgp->asn;
	return peer->cfg.remote_as_kind == REMOTE_AS_NUMBER ? peer->cfg.remote_as : 0;
}

/* The AS this peer knows us as: `local-as` when set (RFC 7705 calls it
 * the Local AS of an AS migration), the instance's AS otherwise. */
static uint32_t local_as_of(const struct bgp_peer *peer)
{
	return peer->cfg.local_as ? peer->cfg.local_as : peer->bgp->asn;
}

static time_t peer_uptime(const struct bgp_peer *peer)
{
	if (peer->up_since != 0)
		return bgp_now() - peer->up_since;
	return peer->down_since != 0 ? bgp_now() - peer->down_since : 0;
}

void bgp_show_summary(const struct bgp_instance *bgp, int afi_filter, FILE *out)
{
	char rid[INET_ADDRSTRLEN], up[32];

	router_id_text(bgp, rid, sizeof(rid));
	for (size_t a = 0; a < 2; a++) {
		enum bgp_afi afi = afis[a];
		if (afi_filter >= 0 && (int)afi != afi_filter)
			continue;
		unsigned count = 0;
		for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next)
			count += p->cfg.active[afi];
		if (count == 0)
			continue;
		fprintf(out, "\n%s Summary:\nBGP router identifier %s, local AS number %u\n",
			afi == BGP_AFI_IPV6 ? "IPv6 Unicast" : "IPv4 Unicast", rid, bgp->asn);
		fprintf(out, "RIB entries %u\nPeers %u\n\n", bgp_rib_count(bgp->rib, afi), count);
		if (bgp->gr_restarting)
			fprintf(out, "Graceful restart: route selection deferred until every peer sends End-of-RIB "
				"(%lld s at most)\n\n", (long long)(timer_remaining_ms(&bgp->gr_deferral) / 1000));
		fprintf(out, "%-25s V %10s %9s %9s %8s %-12s %12s %8s Desc\n", "Neighbor", "AS", "MsgRcvd",
			"MsgSent", "OutQ", "Up/Down", "State/PfxRcd", "PfxSnt");
		for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
			if (!p->cfg.active[afi])
				continue;
			format_uptime(peer_uptime(p), up, sizeof(up));
			char state[32];
			if (bgp_peer_established(p))
				snprintf(state, sizeof(state), "%u", p->pfx_rcvd[afsafi_of(afi)]);
			else
				snprintf(state, sizeof(state), "%s", peer_state_text(p));
			fprintf(out, "%-25s 4 %10u %9llu %9llu %8u %-12s %12s %8u %s\n", p->name, remote_as_of(p),
				(unsigned long long)msgs_total(p->stats.msgs_in),
				(unsigned long long)msgs_total(p->stats.msgs_out), 0u, p->up_since || p->down_since ? up : "never",
				state, p->pfx_sent[afsafi_of(afi)], p->cfg.description);
		}
		fprintf(out, "\nTotal number of neighbors %u\n", count);
	}
	if (bgp->peers == NULL)
		fputs("No BGP neighbors found\n", out);
}

static struct json_object *peer_summary_json(const struct bgp_peer *p, enum bgp_afi afi)
{
	struct json_object *o = json_object_new_object();
	char up[32];

	format_uptime(peer_uptime(p), up, sizeof(up));
	json_object_object_add(o, "remoteAs", json_object_new_int64(remote_as_of(p)));
	json_object_object_add(o, "localAs", json_object_new_int64(local_as_of(p)));
	json_object_object_add(o, "version", json_object_new_int(4));
	json_object_object_add(o, "msgRcvd", json_object_new_int64((int64_t)msgs_total(p->stats.msgs_in)));
	json_object_object_add(o, "msgSent", json_object_new_int64((int64_t)msgs_total(p->stats.msgs_out)));
	json_object_object_add(o, "outq", json_object_new_int(0));
	json_object_object_add(o, "inq", json_object_new_int(0));
	json_object_object_add(o, "peerUptime", json_object_new_string(p->up_since || p->down_since ? up : "never"));
	json_object_object_add(o, "peerUptimeMsec", json_object_new_int64((int64_t)peer_uptime(p) * 1000));
	json_object_object_add(o, "pfxRcd", json_object_new_int64(p->pfx_rcvd[afsafi_of(afi)]));
	json_object_object_add(o, "pfxSnt", json_object_new_int64(p->pfx_sent[afsafi_of(afi)]));
	json_object_object_add(o, "state", json_object_new_string(bgp_state_name(peer_state(p))));
	json_object_object_add(o, "peerState", json_object_new_string(p->cfg.shutdown ? "Admin" : "OK"));
	json_object_object_add(o, "connectionsEstablished", json_object_new_int64(p->stats.established));
	json_object_object_add(o, "connectionsDropped", json_object_new_int64(p->stats.dropped));
	if (p->conn != NULL && p->conn->open_received && p->conn->their_open.caps.fqdn)
		json_object_object_add(o, "hostname", json_object_new_string(p->conn->their_open.caps.hostname));
	if (p->cfg.description[0] != '\0')
		json_object_object_add(o, "desc", json_object_new_string(p->cfg.description));
	json_object_object_add(o, "idType", json_object_new_string(p->cfg.addr.family == AF_INET6 ? "ipv6" : "ipv4"));
	return o;
}

struct json_object *bgp_show_summary_json(const struct bgp_instance *bgp, int afi_filter)
{
	struct json_object *root = json_object_new_object();
	char rid[INET_ADDRSTRLEN];

	router_id_text(bgp, rid, sizeof(rid));
	for (size_t a = 0; a < 2; a++) {
		enum bgp_afi afi = afis[a];
		if (afi_filter >= 0 && (int)afi != afi_filter)
			continue;
		struct json_object *af = json_object_new_object(), *peers = json_object_new_object();
		unsigned total = 0, failed = 0;
		for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
			if (!p->cfg.active[afi])
				continue;
			total++;
			failed += !bgp_peer_established(p);
			json_object_object_add(peers, p->name, peer_summary_json(p, afi));
		}
		if (total == 0) {
			json_object_put(af);
			json_object_put(peers);
			continue;
		}
		json_object_object_add(af, "routerId", json_object_new_string(rid));
		json_object_object_add(af, "as", json_object_new_int64(bgp->asn));
		json_object_object_add(af, "vrfName", json_object_new_string("default"));
		json_object_object_add(af, "ribCount", json_object_new_int64(bgp_rib_count(bgp->rib, afi)));
		json_object_object_add(af, "peers", peers);
		json_object_object_add(af, "totalPeers", json_object_new_int(total));
		json_object_object_add(af, "failedPeers", json_object_new_int(failed));
		json_object_object_add(af, "dynamicPeers", json_object_new_int(0));
		if (bgp->gr_restarting) {
			/* RFC 4724 section 4.1: our routes wait for the peers' End-of-RIB. */
			json_object_object_add(af, "gracefulRestartDeferral", json_object_new_boolean(true));
			json_object_object_add(af, "gracefulRestartDeferralRemainingSecs",
					       json_object_new_int64(timer_remaining_ms(&bgp->gr_deferral) / 1000));
		}
		json_object_object_add(root, json_afi_key(afi), af);
	}
	return root;
}

static void caps_text(const struct bgp_caps *c, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s%s%s%s%s%s", (c->mp_afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV4_UNICAST)) ? " ipv4-unicast" : "",
		 (c->mp_afsafi & BGP_AFSAFI_BIT(BGP_AFSAFI_IPV6_UNICAST)) ? " ipv6-unicast" : "",
		 c->as4 ? " 4-octet-as" : "", c->route_refresh ? " route-refresh" : "",
		 c->enhanced_route_refresh ? " enhanced-route-refresh" : "",
		 c->extended_message ? " extended-message" : "", c->gr.present ? " graceful-restart" : "");
}

/* ---- per address family: policy names and counters, as FRR words them --------- */

enum policy_kind { POLICY_KIND_PLIST, POLICY_KIND_FILTER, POLICY_KIND_RMAP, POLICY_KINDS };

static const char *policy_name(const struct bgp_neighbor_af_config *f, enum policy_kind k, int dir)
{
	return k == POLICY_KIND_PLIST ? f->prefix_list[dir] : k == POLICY_KIND_FILTER ? f->filter_list[dir] : f->route_map[dir];
}

/* FRR marks a name with '*' when the object it names is defined. */
static bool policy_defined(const struct bgp_instance *bgp, enum bgp_afi afi, enum policy_kind k, const char *name)
{
	if (k == POLICY_KIND_PLIST)
		return prefix_list_exists(bgp->policy, afi == BGP_AFI_IPV6 ? AF_INET6 : AF_INET, name);
	if (k == POLICY_KIND_FILTER)
		return as_path_list_exists(bgp->policy, name);
	return bgp->policy != NULL && route_map_find(bgp->policy, name) != NULL;
}

/* FRR's order: prefix-list, filter-list, route-map; in before out. */
static const char *const policy_text[POLICY_KINDS][BGP_POLICY_DIR_COUNT] = {
	{"Incoming update prefix filter list is", "Outgoing update prefix filter list is"},
	{"Incoming update AS path filter list is", "Outgoing update AS path filter list is"},
	{"Route map for incoming advertisements is", "Route map for outgoing advertisements is"}};
static const char *const policy_key[POLICY_KINDS][BGP_POLICY_DIR_COUNT] = {
	{"incomingUpdatePrefixFilterList", "outgoingUpdatePrefixFilterList"},
	{"incomingUpdateAsPathFilterList", "outgoingUpdateAsPathFilterList"},
	{"routeMapForIncomingAdvertisements", "routeMapForOutgoingAdvertisements"}};

static void neighbor_af_text(const struct bgp_instance *bgp, const struct bgp_peer *p, enum bgp_afi afi, FILE *out)
{
	const struct bgp_neighbor_af_config *f = &p->cfg.af[afi];

	fprintf(out, " For address family: %s Unicast\n", afi == BGP_AFI_IPV6 ? "IPv6" : "IPv4");
	if (rcfg_neighbor_af_has_policy(f, BGP_POLICY_IN))
		fputs("  Inbound path policy configured\n", out);
	if (rcfg_neighbor_af_has_policy(f, BGP_POLICY_OUT))
		fputs("  Outbound path policy configured\n", out);
	for (int k = 0; k < POLICY_KINDS; k++)
		for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++) {
			const char *name = policy_name(f, (enum policy_kind)k, d);
			if (name[0] != '\0')
				fprintf(out, "  %s %s%s\n", policy_text[k][d],
					policy_defined(bgp, afi, (enum policy_kind)k, name) ? "*" : "", name);
		}
	fprintf(out, "  %u accepted prefixes\n", p->pfx_rcvd[afsafi_of(afi)]);
	if (f->max_prefix != 0)
		fprintf(out, "  Maximum prefixes allowed %u%s\n", f->max_prefix,
			f->max_prefix_warning_only ? " (warning-only)" : "");
	if (f->max_prefix_out != 0)
		fprintf(out, "  Maximum allowed prefixes sent %u\n", f->max_prefix_out);
	if (f->advertise_summary || f->advertise_cidr_count > 0)
		fprintf(out, "  Outbound set shaped by %s (show bgp neighbors %s advertise-plan)\n",
			f->advertise_cidr_count > 0 ? "advertise-cidrs" : "advertise-summary", p->name);
}

static struct json_object *neighbor_af_json(const struct bgp_peer *p, enum bgp_afi afi)
{
	const struct bgp_neighbor_af_config *f = &p->cfg.af[afi];
	struct json_object *o = json_object_new_object();

	if (rcfg_neighbor_af_has_policy(f, BGP_POLICY_IN))
		json_object_object_add(o, "inboundPathPolicyConfig", json_object_new_boolean(true));
	if (rcfg_neighbor_af_has_policy(f, BGP_POLICY_OUT))
		json_object_object_add(o, "outboundPathPolicyConfig", json_object_new_boolean(true));
	for (int k = 0; k < POLICY_KINDS; k++)
		for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++) {
			const char *name = policy_name(f, (enum policy_kind)k, d);
			if (name[0] != '\0')
				json_object_object_add(o, policy_key[k][d], json_object_new_string(name));
		}
	json_object_object_add(o, "acceptedPrefixCounter", json_object_new_int64(p->pfx_rcvd[afsafi_of(afi)]));
	json_object_object_add(o, "sentPrefixCounter", json_object_new_int64(p->pfx_sent[afsafi_of(afi)]));
	if (f->max_prefix != 0) {
		json_object_object_add(o, "prefixAllowedMax", json_object_new_int64(f->max_prefix));
		json_object_object_add(o, "prefixAllowedMaxWarning", json_object_new_boolean(f->max_prefix_warning_only));
		json_object_object_add(o, "prefixAllowedWarningThresh", json_object_new_int(f->max_prefix_threshold));
	}
	if (f->max_prefix_out != 0)
		json_object_object_add(o, "maximumPrefixOut", json_object_new_int64(f->max_prefix_out));
	return o;
}

void bgp_show_neighbors(const struct bgp_instance *bgp, const struct prefix *only, FILE *out)
{
	char rid[INET_ADDRSTRLEN], up[32], caps[160], err[BGP_ERROR_NAME_MAX];
	bool any = false;

	for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		if (only != NULL && !prefix_equal(only, &p->cfg.addr))
			continue;
		any = true;
		const struct bgp_conn *c = p->conn;
		fprintf(out, "BGP neighbor is %s, remote AS %u, local AS %u, %s link\n", p->name, remote_as_of(p),
			local_as_of(p), remote_as_of(p) == bgp->asn ? "internal" : "external");
		if (p->cfg.description[0] != '\0')
			fprintf(out, " Description: %s\n", p->cfg.description);
		if (c != NULL && c->open_received) {
			uint32_t id = htonl(c->their_open.bgp_id);
			inet_ntop(AF_INET, &id, rid, sizeof(rid));
			fprintf(out, "  BGP version 4, remote router ID %s\n", rid);
		}
		format_uptime(peer_uptime(p), up, sizeof(up));
		fprintf(out, "  BGP state = %s%s%s\n", peer_state_text(p), p->up_since ? ", up for " : "",
			p->up_since ? up : "");
		if (c != NULL && c->open_received) {
			fprintf(out, "  Hold time is %u, keepalive interval is %u seconds\n", c->neg.hold_time,
				c->neg.keepalive_time);
			caps_text(&c->their_open.caps, caps, sizeof(caps));
			fprintf(out, "  Neighbor capabilities:%s\n", caps);
		}
		fprintf(out, "  Messages: %llu received, %llu sent; %llu updates received\n",
			(unsigned long long)msgs_total(p->stats.msgs_in), (unsigned long long)msgs_total(p->stats.msgs_out),
			(unsigned long long)p->stats.updates_in);
		for (size_t i = 0; i < sizeof(afis) / sizeof(afis[0]); i++)
			if (p->cfg.active[afis[i]])
				neighbor_af_text(bgp, p, afis[i], out);
		fprintf(out, "  Domain %s\n", bgp_domain_name(bgp, p->domain));
		const char *other = bgp_domain_session_mismatch(p);
		if (other != NULL)
			fprintf(out, "  Warning: the session runs over %s, an interface of domain %s\n", c->ifname, other);
		fprintf(out, "  Connections established %u; dropped %u\n", p->stats.established, p->stats.dropped);
		if (p->last_reset[0] != '\0')
			fprintf(out, "  Last reset %s ago, due to %s\n", up, p->last_reset);
		if (p->has_received_notification)
			fprintf(out, "  Last notification received: %s\n",
				bgp_error_format(&p->last_notification_received, err, sizeof(err)));
		if (p->has_sent_notification)
			fprintf(out, "  Last notification sent: %s\n",
				bgp_error_format(&p->last_notification_sent, err, sizeof(err)));
		fputc('\n', out);
	}
	if (!any)
		fputs(only != NULL ? "% No such neighbor\n" : "No BGP neighbors found\n", out);
}

/* FRR's words for a capability: who sent it. Nothing when neither did. */
static void add_cap_state(struct json_object *caps, const char *key, bool ours, bool theirs)
{
	const char *state = ours && theirs ? "advertisedAndReceived" : ours ? "advertised" : "received";

	if (ours || theirs)
		json_object_object_add(caps, key, json_object_new_string(state));
}

struct json_object *bgp_show_neighbors_json(const struct bgp_instance *bgp, const struct prefix *only)
{
	struct json_object *root = json_object_new_object();
	char rid[INET_ADDRSTRLEN], up[32], err[BGP_ERROR_NAME_MAX];

	for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		if (only != NULL && !prefix_equal(only, &p->cfg.addr))
			continue;
		const struct bgp_conn *c = p->conn;
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "remoteAs", json_object_new_int64(remote_as_of(p)));
		json_object_object_add(o, "localAs", json_object_new_int64(local_as_of(p)));
		json_object_object_add(o, "nbrInternalLink", json_object_new_boolean(remote_as_of(p) == bgp->asn));
		if (p->cfg.description[0] != '\0')
			json_object_object_add(o, "nbrDesc", json_object_new_string(p->cfg.description));
		json_object_object_add(o, "bgpState", json_object_new_string(bgp_state_name(peer_state(p))));
		json_object_object_add(o, "adminShutDown", json_object_new_boolean(p->cfg.shutdown));
		format_uptime(peer_uptime(p), up, sizeof(up));
		json_object_object_add(o, "bgpTimerUpString", json_object_new_string(up));
		json_object_object_add(o, "bgpTimerUpMsec", json_object_new_int64((int64_t)peer_uptime(p) * 1000));
		if (c != NULL && c->open_received) {
			uint32_t id = htonl(c->their_open.bgp_id);
			inet_ntop(AF_INET, &id, rid, sizeof(rid));
			json_object_object_add(o, "remoteRouterId", json_object_new_string(rid));
			json_object_object_add(o, "bgpTimerHoldTimeMsecs", json_object_new_int64(c->neg.hold_time * 1000));
			json_object_object_add(o, "bgpTimerKeepAliveIntervalMsecs",
					       json_object_new_int64(c->neg.keepalive_time * 1000));
			struct json_object *caps = json_object_new_object();
			json_object_object_add(caps, "4byteAs", json_object_new_string(c->neg.as4 ? "advertisedAndReceived" : "advertised"));
			json_object_object_add(caps, "routeRefresh", json_object_new_boolean(c->neg.route_refresh));
			const struct bgp_caps *ours = &p->our_open.caps, *theirs = &c->their_open.caps;
			add_cap_state(caps, "enhancedRouteRefresh", ours->enhanced_route_refresh,
				      theirs->enhanced_route_refresh);
			add_cap_state(caps, "extendedMessage", ours->extended_message, theirs->extended_message);
			add_cap_state(caps, "gracefulRestart", ours->gr.present, theirs->gr.present);
			if (c->their_open.caps.fqdn)
				json_object_object_add(caps, "hostName", json_object_new_string(c->their_open.caps.hostname));
			json_object_object_add(o, "neighborCapabilities", caps);
		}
		struct json_object *stats = json_object_new_object();
		static const char *const names[6] = {NULL, "opens", "updates", "notifications", "keepalives", "routeRefresh"};
		for (int t = 1; t < 6; t++) {
			char key[32];
			snprintf(key, sizeof(key), "%sSent", names[t]);
			json_object_object_add(stats, key, json_object_new_int64((int64_t)p->stats.msgs_out[t]));
			snprintf(key, sizeof(key), "%sRecv", names[t]);
			json_object_object_add(stats, key, json_object_new_int64((int64_t)p->stats.msgs_in[t]));
		}
		json_object_object_add(stats, "totalSent", json_object_new_int64((int64_t)msgs_total(p->stats.msgs_out)));
		json_object_object_add(stats, "totalRecv", json_object_new_int64((int64_t)msgs_total(p->stats.msgs_in)));
		json_object_object_add(o, "messageStats", stats);
		struct json_object *afs = json_object_new_object();
		for (size_t i = 0; i < sizeof(afis) / sizeof(afis[0]); i++)
			if (p->cfg.active[afis[i]])
				json_object_object_add(afs, json_afi_key(afis[i]), neighbor_af_json(p, afis[i]));
		json_object_object_add(o, "addressFamilyInfo", afs);
		json_object_object_add(o, "domain", json_object_new_string(bgp_domain_name(bgp, p->domain)));
		if (c != NULL && c->ifname[0] != '\0')
			json_object_object_add(o, "sessionInterface", json_object_new_string(c->ifname));
		const char *other = bgp_domain_session_mismatch(p);
		if (other != NULL)
			json_object_object_add(o, "sessionInterfaceDomain", json_object_new_string(other));
		json_object_object_add(o, "connectionsEstablished", json_object_new_int64(p->stats.established));
		json_object_object_add(o, "connectionsDropped", json_object_new_int64(p->stats.dropped));
		if (p->last_reset[0] != '\0')
			json_object_object_add(o, "lastResetDueTo", json_object_new_string(p->last_reset));
		if (p->has_received_notification)
			json_object_object_add(o, "lastNotificationReceived", json_object_new_string(
				bgp_error_format(&p->last_notification_received, err, sizeof(err))));
		if (p->has_sent_notification)
			json_object_object_add(o, "lastNotificationSent", json_object_new_string(
				bgp_error_format(&p->last_notification_sent, err, sizeof(err))));
		json_object_object_add(root, p->name, o);
	}
	return root;
}
