/*
 * Route approval in the BGP speaker: routes from connections subject to
 * approval that no rule approves are held in the Adj-RIB-In (struct
 * bgp_path.held): they are never best, never installed, never sent.
 *
 * Where it sits (bgp_policy.c has the whole order): after the inbound
 * policy, before the Loc-RIB, so a rule decides about the route as the
 * policy made it, and a route the policy denies is never pending.
 *
 * The pending list is the set of held paths itself, not a copy: a
 * withdrawn pending route leaves the list with its path, and a peer that
 * goes down takes its pending routes with it. Decisions are rules of the
 * store (approval/approval.h); a route whose rule approves it is accepted
 * whenever it is learned again, without a new decision.
 *
 * After every change of the rules (a CLI command, approve-all) the
 * speaker re-evaluates every path of every subject peer: a hash probe per
 * rule-prefix length in use, about 10 ms for 100,000 routes, and only the
 * paths whose held flag changed are queued for the output side.
 */
#include "bgp_internal.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <string.h>

#include "approval.h"
#include "log.h"

#define LOG_TAG "approval"
#define SD_ID "skygate-approval@32473" /* RFC 5612's documentation enterprise number */

void bgp_instance_set_approval(struct bgp_instance *bgp, struct appr_db *db)
{
	bgp->approval = db;
	bgp->approval_sig = 0;
}

enum bgp_approval_mode bgp_approval_mode(const struct bgp_instance *bgp)
{
	return bgp->approval_mode;
}

const struct bgp_approval_stats *bgp_approval_stats(const struct bgp_instance *bgp)
{
	return &bgp->approval_stats;
}

const char *bgp_approval_state_name(enum bgp_approval_state state)
{
	switch (state) {
	case BGP_APPROVAL_APPROVED: return "approved";
	case BGP_APPROVAL_REJECTED: return "rejected";
	default: return "pending";
	}
}

bool bgp_approval_applies(const struct bgp_peer *peer)
{
	const struct bgp_instance *bgp = peer->bgp;

	if (bgp->approval == NULL)
		return false;
	return bgp->approval_mode == APPROVAL_MODE_GATEWAY ||
	       (bgp->approval_mode == APPROVAL_MODE_CONNECTION && peer->cfg.approval);
}

bool bgp_approval_wanted_held(const struct bgp_peer *peer, const struct prefix *p)
{
	return appr_lookup(peer->bgp->approval, &peer->cfg.addr, p, NULL) != APPR_APPROVE;
}

/* One syslog event per route that becomes pending (or is held by a
 * reject), with RFC 5424 structured data a collector can index. */
static void log_held(const struct bgp_peer *peer, const struct prefix *p, bool rejected)
{
	char sd[LOG_SD_MAX], pfx[PREFIX_STRLEN];
	const char *state = rejected ? "rejected" : "pending";
	size_t used = (size_t)snprintf(sd, sizeof(sd), "[%s", SD_ID);

	prefix_format(p, pfx, sizeof(pfx));
	used = log_sd_param(sd, sizeof(sd), used, "prefix", pfx);
	used = log_sd_param(sd, sizeof(sd), used, "neighbor", peer->name);
	used = log_sd_param(sd, sizeof(sd), used, "state", state);
	if (used + 2 > sizeof(sd))
		sd[0] = '\0';
	else
		memcpy(sd + used, "]", 2);
	log_msg_sd(LOG_LVL_NOTICE, LOG_TAG, sd[0] ? sd : NULL, "%s from %s: %s", pfx, peer->name,
		   rejected ? "held, rejected" : "pending approval");
}

static void note_held(struct bgp_peer *peer, const struct prefix *p)
{
	bool rejected = appr_lookup(peer->bgp->approval, &peer->cfg.addr, p, NULL) == APPR_REJECT;

	if (rejected)
		peer->bgp->approval_stats.rejected_learned++;
	else
		peer->bgp->approval_stats.pending_learned++;
	log_held(peer, p, rejected);
}

void bgp_approval_learned(struct bgp_peer *peer, const struct prefix *p, bool held, bool was_held)
{
	if (held && !was_held)
		note_held(peer, p);
	else if (!held && was_held)
		peer->bgp->approval_stats.released++;
}

char bgp_approval_status_code(const struct bgp_dest *dest, const struct bgp_path *path)
{
	const struct bgp_instance *bgp = path->peer != NULL ? path->peer->bgp : NULL;

	if (bgp == NULL || bgp->approval == NULL)
		return 'p';
	return appr_lookup(bgp->approval, &path->peer->cfg.addr, &dest->prefix, NULL) == APPR_REJECT ? 'r' : 'p';
}

/* ---- re-evaluation ------------------------------------------------------------- */

static bool want_held(const struct bgp_dest *dest, const struct bgp_path *path, void *arg)
{
	(void)arg;
	if (path->peer == NULL || !bgp_approval_applies(path->peer))
		return false;
	bool held = bgp_approval_wanted_held(path->peer, &dest->prefix);
	bgp_approval_learned(path->peer, &dest->prefix, held, path->held);
	return held;
}

struct reeval {
	struct bgp_rib *rib;
	size_t changed;
};

static int reevaluate_dest(struct bgp_dest *dest, void *arg)
{
	struct reeval *r = arg;

	r->changed += bgp_rib_dest_hold(r->rib, dest, want_held, NULL);
	return 0;
}

size_t bgp_approval_reevaluate(struct bgp_instance *bgp)
{
	struct reeval r = {bgp->rib, 0};

	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		bgp_rib_scan(bgp->rib, (enum bgp_afi)afi, reevaluate_dest, &r);
	if (r.changed > 0)
		log_info(LOG_TAG, "%zu paths changed their approval state", r.changed);
	return r.changed;
}

/* What decides which paths are subject: the mode, the store, and the
 * neighbors that have `approval` (FNV-1a over their addresses). */
static uint64_t config_signature(const struct bgp_instance *bgp)
{
	uint64_t h = 0xcbf29ce484222325ull;

	h = (h ^ (uint64_t)bgp->approval_mode) * 0x100000001b3ull;
	h = (h ^ (uint64_t)(bgp->approval != NULL)) * 0x100000001b3ull;
	for (const struct bgp_peer *p = bgp->peers; p != NULL; p = p->next) {
		if (!p->cfg.approval)
			continue;
		for (size_t i = 0; i < sizeof(p->cfg.addr.addr); i++)
			h = (h ^ p->cfg.addr.addr[i]) * 0x100000001b3ull;
		h = (h ^ p->cfg.addr.family) * 0x100000001b3ull;
	}
	return h;
}

void bgp_approval_follow(struct bgp_instance *bgp)
{
	uint64_t sig = config_signature(bgp);

	if (sig == bgp->approval_sig)
		return;
	bgp->approval_sig = sig;
	bgp_approval_reevaluate(bgp);
}

/* ---- listing ------------------------------------------------------------------- */

struct list_ctx {
	struct bgp_instance *bgp;
	const struct prefix *neighbor;
	bgp_approval_route_fn fn;
	void *arg;
	uint32_t now;
};

static int list_dest(struct bgp_dest *dest, void *arg)
{
	struct list_ctx *c = arg;

	for (const struct bgp_path *p = dest->paths; p != NULL; p = p->next) {
		if (p->peer == NULL || !bgp_approval_applies(p->peer) ||
		    (c->neighbor != NULL && !prefix_equal(c->neighbor, &p->peer->cfg.addr)))
			continue;
		struct bgp_approval_route r = {.prefix = dest->prefix, .neighbor = p->peer->cfg.addr};
		enum appr_action a = appr_lookup(c->bgp->approval, &p->peer->cfg.addr, &dest->prefix, &r.rule);
		/* The path's own flag is the truth of what is used; the rule
		 * says why. */
		r.state = !p->held ? BGP_APPROVAL_APPROVED : a == APPR_REJECT ? BGP_APPROVAL_REJECTED
									      : BGP_APPROVAL_PENDING;
		if (r.state == BGP_APPROVAL_PENDING)
			r.rule = NULL;
		r.age = c->now >= p->since ? c->now - p->since : 0;
		int rc = c->fn(&r, c->arg);
		if (rc != 0)
			return rc;
	}
	return 0;
}

int bgp_approval_routes(struct bgp_instance *bgp, const struct prefix *neighbor, bool ordered,
			bgp_approval_route_fn fn, void *arg)
{
	struct list_ctx c = {bgp, neighbor, fn, arg, (uint32_t)bgp_now()};
	int rc = 0;

	if (bgp->approval == NULL)
		return 0;
	/* A neighbor's routes may be of either family (an IPv4 session
	 * carries IPv6 routes too), so both tables are walked. */
	for (int afi = 0; afi < BGP_AFI_COUNT && rc == 0; afi++)
		rc = (ordered ? bgp_rib_walk : bgp_rib_scan)(bgp->rib, (enum bgp_afi)afi, list_dest, &c);
	return rc;
}

/* ---- preview ------------------------------------------------------------------- */

/* What approving P would change is decided per peer: a peer is sent its
 * own domain's view (docs/domains.md), so each peer's row is the best
 * path its domain would see with every held path of P approved. The
 * headline best is the one over every domain, as `show bgp` marks it. */
static void next_hop_text(const struct bgp_attrs *a, char *buf, size_t len)
{
	if (a->present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP))
		inet_ntop(AF_INET, a->nexthop, buf, (socklen_t)len);
	else if (a->mp_nexthop.family == AF_INET6)
		inet_ntop(AF_INET6, a->mp_nexthop.global, buf, (socklen_t)len);
	else
		snprintf(buf, len, "-");
}

struct preview_peer {
	const struct bgp_peer *peer;
	const struct bgp_path *best; /* in the peer's domain, held paths approved; NULL: none */
	struct bgp_attr_set *set;    /* one reference, or NULL: not sent */
	bool sent_now;
};

/* Fill out[] (one per established peer, at most max); returns the count,
 * or -1 when P has no path. The caller unrefs each set. */
static long preview_collect(struct bgp_instance *bgp, const struct prefix *p, struct preview_peer *out, size_t max,
			    const struct bgp_path **best)
{
	struct prefix key = *p;
	size_t n = 0;

	prefix_normalize(&key);
	struct bgp_dest *dest = bgp_rib_lookup(bgp->rib, &key);
	if (dest == NULL || dest->paths == NULL)
		return -1;
	*best = NULL;
	for (const struct bgp_path *q = dest->paths; q != NULL; q = q->next)
		if (*best == NULL || bgp_path_compare(q, *best, NULL) < 0)
			*best = q;
	for (struct bgp_peer *peer = bgp->peers; peer != NULL && n < max; peer = peer->next) {
		if (!bgp_peer_established(peer))
			continue;
		out[n].peer = peer;
		out[n].best = bgp_view_best_if_approved(bgp, dest, peer->domain);
		out[n].set = bgp_output_export(peer, dest, out[n].best);
		out[n].sent_now = bgp_output_adj_out(peer, dest) != NULL;
		n++;
	}
	return (long)n;
}

#define PREVIEW_MAX 1024

static struct preview_peer preview_buf[PREVIEW_MAX];

int bgp_approval_preview(struct bgp_instance *bgp, const struct prefix *p, FILE *out)
{
	const struct bgp_path *best;
	char pfx[PREFIX_STRLEN], path[512], nh[INET6_ADDRSTRLEN];
	long n = preview_collect(bgp, p, preview_buf, PREVIEW_MAX, &best);

	if (n < 0)
		return -1;
	prefix_format(p, pfx, sizeof(pfx));
	fprintf(out,
		"If %s were approved, its best path over every domain would be from %s (%s);\n"
		"each neighbor is sent its own domain's best:\n\n", pfx,
		best->peer != NULL ? best->peer->name : "this router", best->held ? "held now" : "already in use");
	fprintf(out, "%-20s %-9s %-18s %-10s %-20s %s\n", "Neighbor", "Advertise", "Next Hop", "Now sent", "Best from",
		"AS path");
	for (long i = 0; i < n; i++) {
		const struct preview_peer *pp = &preview_buf[i];
		const char *from = pp->best == NULL ? "-" : pp->best->peer != NULL ? pp->best->peer->name : "this router";
		if (pp->set != NULL) {
			bgp_aspath_format(&pp->set->attrs.aspath, path, sizeof(path));
			next_hop_text(&pp->set->attrs, nh, sizeof(nh));
		} else {
			snprintf(path, sizeof(path), "-");
			snprintf(nh, sizeof(nh), "-");
		}
		fprintf(out, "%-20s %-9s %-18s %-10s %-20s %s\n", pp->peer->name, pp->set ? "yes" : "no", nh,
			pp->sent_now ? "yes" : "no", from, path);
		bgp_attrset_unref(bgp->rib, pp->set);
	}
	if (n == 0)
		fputs("(no established peers)\n", out);
	return 0;
}

struct json_object *bgp_approval_preview_json(struct bgp_instance *bgp, const struct prefix *p)
{
	const struct bgp_path *best;
	char pfx[PREFIX_STRLEN], path[512], nh[INET6_ADDRSTRLEN];
	long n = preview_collect(bgp, p, preview_buf, PREVIEW_MAX, &best);
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "prefix", json_object_new_string(prefix_format(p, pfx, sizeof(pfx))));
	json_object_object_add(o, "learned", json_object_new_boolean(n >= 0));
	if (n < 0)
		return o;
	json_object_object_add(o, "bestFrom",
			       json_object_new_string(best->peer != NULL ? best->peer->name : "local"));
	json_object_object_add(o, "bestHeld", json_object_new_boolean(best->held));
	struct json_object *peers = json_object_new_object();
	for (long i = 0; i < n; i++) {
		const struct preview_peer *pp = &preview_buf[i];
		struct json_object *e = json_object_new_object();
		json_object_object_add(e, "advertise", json_object_new_boolean(pp->set != NULL));
		json_object_object_add(e, "advertisedNow", json_object_new_boolean(pp->sent_now));
		/* The best of the peer's own domain view, which may differ
		 * from the headline best over every domain. */
		if (pp->best != NULL) {
			json_object_object_add(e, "bestFrom", json_object_new_string(
				pp->best->peer != NULL ? pp->best->peer->name : "local"));
			json_object_object_add(e, "bestHeld", json_object_new_boolean(pp->best->held));
		}
		if (pp->set != NULL) {
			const struct bgp_attrs *a = &pp->set->attrs;
			bgp_aspath_format(&a->aspath, path, sizeof(path));
			next_hop_text(a, nh, sizeof(nh));
			json_object_object_add(e, "asPath", json_object_new_string(path));
			json_object_object_add(e, "nextHop", json_object_new_string(nh));
			if (a->present & BGP_ATTR_MASK(BGP_ATTR_MED))
				json_object_object_add(e, "med", json_object_new_int64(a->med));
			if (a->present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF))
				json_object_object_add(e, "localPref", json_object_new_int64(a->local_pref));
		}
		json_object_object_add(peers, pp->peer->name, e);
		bgp_attrset_unref(bgp->rib, pp->set);
	}
	json_object_object_add(o, "peers", peers);
	return o;
}
