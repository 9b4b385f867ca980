/*
 * Route approval commands (docs/approval.md).
 *
 * Configuration, under `router bgp`: `approval mode gateway|connection`,
 * `no approval`, `neighbor X approval`. Decisions are state, not
 * configuration, as FRR's `clear` commands are: they are made in exec
 * mode, kept in the approval store (approval/approval.h), and never
 * printed by `show running-config`.
 *
 * A decision is committed (one SQLite transaction) before the command
 * returns OK; only then are the held paths released or held to match.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "bgp_peer.h"
#include "cli_internal.h"
#include "log.h"

#define LOG_TAG "approval"
#define SD_ID "skygate-approval@32473"

#define ADDR_ARG "<A.B.C.D|X:X::X:X>$nbr"
#define ADDR_HELP "Neighbor address\nIPv6 neighbor address\n"
#define PREFIX_ARG "<A.B.C.D/M|X:X::X:X/M>$prefix"
#define PREFIX_HELP "IPv4 prefix\nIPv6 prefix\n"
#define RANGE_ARGS "[ge (1-128)$ge] [le (1-128)$le] [neighbor " ADDR_ARG "] [reason LINE$reason]"
#define RANGE_HELP                                                                                                     \
	"Minimum prefix length to match\nMinimum prefix length\nMaximum prefix length to match\nMaximum prefix "      \
	"length\nOnly routes from this neighbor\n" ADDR_HELP "Why (kept in the audit trail)\nFree text\n"
#define SHOW_HELP "Show running system information\nIP information\nBGP information\nRoute approval\n"
#define JSON_HELP "JavaScript Object Notation\n"

static void print_json(struct cli_session *s, struct json_object *o)
{
	fprintf(s->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(o);
}

/* ---- configuration ---------------------------------------------------------- */

static int cmd_approval_mode(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct bgp_config *bgp = cli_config(s)->bgp;
	const char *mode = cmd_args_get(args, "mode");

	if (cmd_args_has(args, "no"))
		bgp->approval_mode = APPROVAL_MODE_NONE;
	else
		bgp->approval_mode = strcmp(mode, "gateway") == 0 ? APPROVAL_MODE_GATEWAY : APPROVAL_MODE_CONNECTION;
	return 0;
}

static int cmd_neighbor_approval(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct bgp_config *bgp = cli_config(s)->bgp;
	const char *text = cmd_args_get(args, "peer");
	struct prefix addr;

	if (prefix_parse(text, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", text);
	struct bgp_neighbor_config *n = rcfg_neighbor_find(bgp, &addr);
	if (n == NULL)
		return cli_error(s, "Specify remote-as or peer-group commands first");
	n->approval = !cmd_args_has(args, "no");
	return 0;
}

/* ---- decisions -------------------------------------------------------------- */

static struct appr_db *store(struct cli_session *s)
{
	if (s->env->approval == NULL)
		cli_error(s, "The approval store is not open");
	return s->env->approval;
}

/* spec from the command's arguments; -1 after printing the error. */
static int parse_spec(struct cli_session *s, const struct cmd_args *args, struct appr_rule_spec *spec)
{
	const char *text = cmd_args_get(args, "prefix"), *nbr = cmd_args_get(args, "nbr");
	uint64_t v;

	memset(spec, 0, sizeof(*spec));
	if (text != NULL && prefix_parse_strict(text, &spec->prefix) != 0)
		return cli_error(s, "Inconsistent address and mask: %s", text);
	if (nbr != NULL && (prefix_parse(nbr, &spec->neighbor) != 0 || spec->neighbor.len != prefix_max_len(spec->neighbor.family)))
		return cli_error(s, "Malformed address '%s'", nbr);
	if (cmd_args_get_u64(args, "ge", &v) == 0)
		spec->ge = (uint8_t)v;
	if (cmd_args_get_u64(args, "le", &v) == 0)
		spec->le = (uint8_t)v;
	const char *action = cmd_args_get(args, "action");
	spec->action = action != NULL && strcmp(action, "reject") == 0 ? APPR_REJECT : APPR_APPROVE;
	spec->who = s->user;
	spec->reason = cmd_args_get(args, "reason");
	if (spec->reason != NULL && strlen(spec->reason) > APPR_REASON_MAX)
		return cli_error(s, "The reason is longer than %d characters", APPR_REASON_MAX);
	return 0;
}

/* One event per decision, with the same structured data as a pending
 * route's (prefix, neighbor, state), so a collector sees a prefix's whole
 * story; range says what the rule covers ("198.18.0.0/15 le 24"), and an
 * approve-all names no single prefix. */
static void log_decision(const char *state, const char *range, const struct prefix *nbr, const char *who,
			 const char *reason)
{
	char sd[LOG_SD_MAX], n[PREFIX_STRLEN] = "", pfx[PREFIX_STRLEN];
	size_t used = (size_t)snprintf(sd, sizeof(sd), "[%s", SD_ID);

	if (nbr != NULL && nbr->family != 0) {
		prefix_format(nbr, n, sizeof(n));
		*strchr(n, '/') = '\0';
	}
	snprintf(pfx, sizeof(pfx), "%s", range);
	pfx[strcspn(pfx, " ")] = '\0';
	if (strchr(pfx, '/') != NULL)
		used = log_sd_param(sd, sizeof(sd), used, "prefix", pfx);
	used = log_sd_param(sd, sizeof(sd), used, "range", range);
	if (n[0] != '\0')
		used = log_sd_param(sd, sizeof(sd), used, "neighbor", n);
	used = log_sd_param(sd, sizeof(sd), used, "state", state);
	used = log_sd_param(sd, sizeof(sd), used, "who", who);
	used = log_sd_param(sd, sizeof(sd), used, "reason", reason != NULL ? reason : "");
	if (used + 2 > sizeof(sd))
		sd[0] = '\0';
	else
		memcpy(sd + used, "]", 2);
	log_msg_sd(LOG_LVL_NOTICE, LOG_TAG, sd[0] ? sd : NULL, "%s %s by %s", range, state, who);
}

static void follow(struct cli_session *s)
{
	if (s->env->bgp != NULL)
		bgp_approval_reevaluate(s->env->bgp);
}

static int cmd_decide(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct appr_db *db = store(s);
	struct appr_rule_spec spec;
	const struct appr_rule *rule;
	char err[256], range[96];

	if (db == NULL || parse_spec(s, args, &spec) != 0)
		return -1;
	if (cmd_args_has(args, "no")) {
		int rc = appr_rule_remove(db, &spec, err, sizeof(err));
		if (rc < 0)
			return cli_error(s, "Cannot remove the rule: %s", err);
		if (rc > 0)
			return cli_error(s, "No such %s rule", appr_action_name(spec.action));
		struct appr_rule shown = {.prefix = spec.prefix, .neighbor = spec.neighbor};
		appr_range(&spec, &shown.ge, &shown.le, err, sizeof(err));
		log_decision("removed", appr_rule_range_text(&shown, range, sizeof(range)), &spec.neighbor, spec.who,
			     spec.reason);
		follow(s);
		return 0;
	}
	if (appr_rule_add(db, &spec, &rule, err, sizeof(err)) != 0)
		return cli_error(s, "Cannot %s: %s", appr_action_name(spec.action), err);
	log_decision(spec.action == APPR_REJECT ? "rejected" : "approved",
		     appr_rule_range_text(rule, range, sizeof(range)), &rule->neighbor, spec.who, spec.reason);
	follow(s);
	return 0;
}

struct pending_list {
	struct appr_item *items;
	size_t n, cap;
	bool oom;
};

static int collect_pending(const struct bgp_approval_route *r, void *arg)
{
	struct pending_list *l = arg;

	if (r->state != BGP_APPROVAL_PENDING)
		return 0;
	if (l->n == l->cap) {
		size_t ncap = l->cap ? l->cap * 2 : 1024;
		struct appr_item *grown = realloc(l->items, ncap * sizeof(*grown));
		if (grown == NULL) {
			l->oom = true;
			return 1;
		}
		l->items = grown;
		l->cap = ncap;
	}
	l->items[l->n++] = (struct appr_item){.prefix = r->prefix};
	return 0;
}

/* `bgp approval approve all-pending [neighbor X]`: one exact rule for
 * every pending prefix, all in one transaction. Rules are scoped like a
 * single approval: to X when given, else to every connection. */
static int cmd_approve_all(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct appr_db *db = store(s);
	struct appr_rule_spec spec;
	struct pending_list l = {0};
	char err[256];

	if (db == NULL || parse_spec(s, args, &spec) != 0)
		return -1;
	if (s->env->bgp == NULL)
		return cli_error(s, "No BGP process is configured");
	bgp_approval_routes(s->env->bgp, spec.neighbor.family ? &spec.neighbor : NULL, false, collect_pending, &l);
	if (l.oom) {
		free(l.items);
		return cli_error(s, "Out of memory");
	}
	/* The routes of one prefix come together: a prefix pending from two
	 * neighbors comes twice in a row and needs one rule. */
	size_t k = 0;
	for (size_t i = 0; i < l.n; i++) {
		if (k > 0 && prefix_equal(&l.items[k - 1].prefix, &l.items[i].prefix))
			continue;
		l.items[k] = l.items[i];
		l.items[k++].neighbor = spec.neighbor;
	}
	int rc = appr_approve_many(db, l.items, k, spec.who, spec.reason, err, sizeof(err));
	free(l.items);
	if (rc != 0)
		return cli_error(s, "Cannot approve: %s", err);
	char what[64];
	snprintf(what, sizeof(what), "all-pending (%zu prefixes)", k);
	log_decision("approved", what, &spec.neighbor, spec.who, spec.reason);
	follow(s);
	fprintf(s->out, "Approved %zu pending prefixes\n", k);
	return 0;
}

/* ---- show ------------------------------------------------------------------- */

static void age_text(uint32_t age, char *buf, size_t len)
{
	if (age < 86400)
		snprintf(buf, len, "%02u:%02u:%02u", age / 3600, age / 60 % 60, age % 60);
	else
		snprintf(buf, len, "%ud%02uh%02um", age / 86400, age / 3600 % 24, age / 60 % 60);
}

static void when_text(time_t t, char *buf, size_t len)
{
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static const char *addr_text(const struct prefix *p, char *buf, size_t len)
{
	prefix_format(p, buf, len);
	char *slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	return buf;
}

/* show_ctx.only: list no route, count them only. */
#define SHOW_NO_ROUTES (-2)

struct show_ctx {
	struct cli_session *s;
	int only;                    /* -1: every state, SHOW_NO_ROUTES, else enum bgp_approval_state */
	bool json;
	bool listed;                 /* a route was written (JSON: a comma before the next) */
	size_t count[3];
};

/* s as a JSON string (RFC 8259 section 7): quote, backslash and control
 * characters escaped; other bytes as they are (the CLI's text is UTF-8). */
static void print_json_string(FILE *out, const char *s)
{
	fputc('"', out);
	for (const unsigned char *c = (const unsigned char *)s; *c != '\0'; c++) {
		if (*c == '"' || *c == '\\')
			fprintf(out, "\\%c", *c);
		else if (*c < 0x20)
			fprintf(out, "\\u%04x", *c);
		else
			fputc(*c, out);
	}
	fputc('"', out);
}

/* A rule as compact JSON, written directly: a list of 100,000 approved
 * routes carries one per route. */
static void print_rule_json(FILE *out, const struct appr_rule *r)
{
	char pfx[PREFIX_STRLEN], range[96], nbr[PREFIX_STRLEN], when[32];

	prefix_format(&r->prefix, pfx, sizeof(pfx));
	appr_rule_range_text(r, range, sizeof(range));
	when_text(r->created, when, sizeof(when));
	fprintf(out, "{\"id\": %lld, \"action\": \"%s\", \"prefix\": \"%s\", \"ge\": %u, \"le\": %u, \"range\": \"%s\"",
		(long long)r->id, appr_action_name(r->action), pfx, r->ge, r->le, range);
	if (r->neighbor.family != 0)
		fprintf(out, ", \"neighbor\": \"%s\"", addr_text(&r->neighbor, nbr, sizeof(nbr)));
	fputs(", \"who\": ", out);
	print_json_string(out, r->who);
	fprintf(out, ", \"when\": \"%s\", \"reason\": ", when);
	print_json_string(out, r->reason);
	fputc('}', out);
}

/* JSON routes are written as they are walked, not built as json-c
 * objects first: 100,000 pending routes list in a fraction of the time
 * (bench/README-approval.md). Prefixes, addresses and state names need
 * no escaping; the rule's free text goes through json-c. */
static int show_route(const struct bgp_approval_route *r, void *arg)
{
	struct show_ctx *c = arg;
	char pfx[PREFIX_STRLEN], nbr[PREFIX_STRLEN], age[32], range[96] = "";
	FILE *out = c->s->out;

	c->count[r->state]++;
	if (c->only != -1 && (int)r->state != c->only)
		return 0;
	prefix_format(&r->prefix, pfx, sizeof(pfx));
	addr_text(&r->neighbor, nbr, sizeof(nbr));
	if (c->json) {
		fprintf(out, "%s\n    {\"prefix\": \"%s\", \"neighbor\": \"%s\", \"state\": \"%s\", \"age\": %u",
			c->listed ? "," : "", pfx, nbr, bgp_approval_state_name(r->state), r->age);
		/* The deciding rule by reference: its who, when and why come
		 * once, in "rules", not once per route it covers. */
		if (r->rule != NULL) {
			appr_rule_range_text(r->rule, range, sizeof(range));
			fprintf(out, ", \"rule\": {\"id\": %lld, \"action\": \"%s\", \"range\": \"%s\"}",
				(long long)r->rule->id, appr_action_name(r->rule->action), range);
		}
		fputc('}', out);
		c->listed = true;
		return 0;
	}
	age_text(r->age, age, sizeof(age));
	if (r->rule != NULL)
		appr_rule_range_text(r->rule, range, sizeof(range));
	fprintf(out, "%-9s %-24s %-18s %-10s %s%s%s%s\n", bgp_approval_state_name(r->state), pfx, nbr, age, range,
		r->rule ? " (" : "", r->rule ? r->rule->who : "", r->rule ? ")" : "");
	return 0;
}

struct rules_ctx {
	struct cli_session *s;
	enum appr_action only;       /* APPR_NONE: every rule */
	struct json_object *array;   /* the audit trail's JSON */
	bool json;                   /* rules: written as JSON text */
	bool listed;
};

static int show_rule(const struct appr_rule *r, void *arg)
{
	struct rules_ctx *c = arg;
	char range[96], nbr[PREFIX_STRLEN] = "*", when[32];

	if (c->only != APPR_NONE && r->action != c->only)
		return 0;
	if (c->json) {
		fputs(c->listed ? ",\n    " : "\n    ", c->s->out);
		print_rule_json(c->s->out, r);
		c->listed = true;
		return 0;
	}
	if (r->neighbor.family != 0)
		addr_text(&r->neighbor, nbr, sizeof(nbr));
	when_text(r->created, when, sizeof(when));
	fprintf(c->s->out, "%-8s %-28s %-18s %-16s %-21s %s\n", appr_action_name(r->action),
		appr_rule_range_text(r, range, sizeof(range)), nbr, r->who, when, r->reason);
	return 0;
}

static int cmd_show(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	bool summary = cmd_args_has(args, "summary");
	struct appr_db *db = s->env->approval;
	const char *state = cmd_args_get(args, "state"), *nbr = cmd_args_get(args, "nbr");
	bool json = cmd_args_has(args, "json");
	struct prefix addr;
	struct show_ctx c = {.s = s, .only = -1, .json = json};

	if (db == NULL)
		return store(s) == NULL ? -1 : 0;
	if (nbr != NULL && prefix_parse(nbr, &addr) != 0)
		return cli_error(s, "Malformed address '%s'", nbr);
	if (summary)
		c.only = SHOW_NO_ROUTES;
	else if (state != NULL)
		c.only = strcmp(state, "pending") == 0    ? BGP_APPROVAL_PENDING
			 : strcmp(state, "approved") == 0 ? BGP_APPROVAL_APPROVED
							  : BGP_APPROVAL_REJECTED;
	struct bgp_instance *bgp = s->env->bgp;
	enum bgp_approval_mode mode = bgp != NULL ? bgp_approval_mode(bgp) : APPROVAL_MODE_NONE;
	struct rules_ctx rc = {.s = s,
			       .only = c.only == BGP_APPROVAL_APPROVED   ? APPR_APPROVE
				       : c.only == BGP_APPROVAL_REJECTED ? APPR_REJECT
									 : APPR_NONE};
	if (json) {
		FILE *out = s->out;
		fprintf(out, "{\n  \"mode\": \"%s\",\n", rcfg_approval_mode_name(mode));
		if (!summary)
			fputs("  \"routes\": [", out);
		if (bgp != NULL)
			bgp_approval_routes(bgp, nbr ? &addr : NULL, !summary, show_route, &c);
		if (!summary)
			fputs(c.listed ? "\n  ],\n" : "],\n", out);
		fprintf(out, "  \"counters\": {\"pending\": %zu, \"approved\": %zu, \"rejected\": %zu, \"rules\": %zu",
			c.count[BGP_APPROVAL_PENDING], c.count[BGP_APPROVAL_APPROVED], c.count[BGP_APPROVAL_REJECTED],
			appr_rule_count(db));
		if (bgp != NULL) {
			const struct bgp_approval_stats *st = bgp_approval_stats(bgp);
			fprintf(out, ", \"pendingLearned\": %llu, \"rejectedLearned\": %llu, \"released\": %llu",
				(unsigned long long)st->pending_learned, (unsigned long long)st->rejected_learned,
				(unsigned long long)st->released);
		}
		fputc('}', out);
		if (!summary && c.only != BGP_APPROVAL_PENDING) {
			rc.json = true;
			fputs(",\n  \"rules\": [", out);
			appr_rule_walk(db, show_rule, &rc);
			fputs(rc.listed ? "\n  ]" : "]", out);
		}
		fputs("\n}\n", out);
		return 0;
	}
	fprintf(s->out, "Route approval mode: %s\n\n", rcfg_approval_mode_name(mode));
	if (!summary)
		fprintf(s->out, "%-9s %-24s %-18s %-10s %s\n", "State", "Network", "Neighbor", "Age", "Rule");
	if (bgp != NULL)
		bgp_approval_routes(bgp, nbr ? &addr : NULL, !summary, show_route, &c);
	fprintf(s->out, "\nRoutes: %zu pending, %zu approved, %zu rejected\n", c.count[BGP_APPROVAL_PENDING],
		c.count[BGP_APPROVAL_APPROVED], c.count[BGP_APPROVAL_REJECTED]);
	if (bgp != NULL) {
		const struct bgp_approval_stats *st = bgp_approval_stats(bgp);
		fprintf(s->out, "Since start: %llu became pending, %llu held by a reject, %llu released\n",
			(unsigned long long)st->pending_learned, (unsigned long long)st->rejected_learned,
			(unsigned long long)st->released);
	}
	if (summary) {
		fprintf(s->out, "Rules: %zu\n", appr_rule_count(db));
		return 0;
	}
	if (c.only == BGP_APPROVAL_PENDING)
		return 0;
	fprintf(s->out, "\nRules (%zu):\n%-8s %-28s %-18s %-16s %-21s %s\n", appr_rule_count(db), "Action", "Range",
		"Neighbor", "Who", "When", "Reason");
	appr_rule_walk(db, show_rule, &rc);
	return 0;
}

static int audit_row(const struct appr_audit *a, void *arg)
{
	struct rules_ctx *c = arg;
	char when[32], pfx[PREFIX_STRLEN], nbr[PREFIX_STRLEN] = "*", range[96];
	struct appr_rule r = {.prefix = a->prefix, .ge = a->ge, .le = a->le};

	when_text(a->at, when, sizeof(when));
	prefix_format(&a->prefix, pfx, sizeof(pfx));
	if (a->neighbor.family != 0)
		addr_text(&a->neighbor, nbr, sizeof(nbr));
	appr_rule_range_text(&r, range, sizeof(range));
	if (c->array != NULL) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_int64(a->id));
		json_object_object_add(o, "when", json_object_new_string(when));
		json_object_object_add(o, "who", json_object_new_string(a->who ? a->who : ""));
		json_object_object_add(o, "event", json_object_new_string(a->event ? a->event : ""));
		json_object_object_add(o, "range", json_object_new_string(range));
		if (a->neighbor.family != 0)
			json_object_object_add(o, "neighbor", json_object_new_string(nbr));
		json_object_object_add(o, "reason", json_object_new_string(a->reason ? a->reason : ""));
		json_object_array_add(c->array, o);
		return 0;
	}
	fprintf(c->s->out, "%-21s %-16s %-15s %-28s %-18s %s\n", when, a->who ? a->who : "", a->event ? a->event : "",
		range, nbr, a->reason ? a->reason : "");
	return 0;
}

#define AUDIT_SHOWN 1000

static int cmd_show_audit(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct appr_db *db = store(s);
	struct rules_ctx c = {.s = s};

	if (db == NULL)
		return -1;
	if (cmd_args_has(args, "json")) {
		struct json_object *o = json_object_new_object();
		c.array = json_object_new_array();
		appr_audit_walk(db, AUDIT_SHOWN, audit_row, &c);
		json_object_object_add(o, "audit", c.array);
		print_json(s, o);
		return 0;
	}
	fprintf(s->out, "%-21s %-16s %-15s %-28s %-18s %s\n", "When", "Who", "Event", "Range", "Neighbor", "Reason");
	if (appr_audit_walk(db, AUDIT_SHOWN, audit_row, &c) != 0)
		return cli_error(s, "Cannot read the audit trail");
	return 0;
}

static int cmd_show_preview(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	const char *text = cmd_args_get(args, "prefix");
	struct prefix p;

	if (prefix_parse_strict(text, &p) != 0)
		return cli_error(s, "Inconsistent address and mask: %s", text);
	if (s->env->bgp == NULL) {
		if (!cmd_args_has(args, "json"))
			return cli_error(s, "No BGP process is configured");
		fputs("{}\n", s->out);
		return 0;
	}
	if (cmd_args_has(args, "json")) {
		print_json(s, bgp_approval_preview_json(s->env->bgp, &p));
		return 0;
	}
	if (bgp_approval_preview(s->env->bgp, &p, s->out) != 0)
		return cli_error(s, "%s is not in the BGP table", text);
	return 0;
}

static const struct cmd_def approval_commands[] = {
	{NODE_BGP, "approval mode <gateway|connection>$mode",
	 "Route approval\nWhich connections' routes wait for approval\nEvery BGP connection\n"
	 "Only neighbors configured with 'neighbor X approval'\n", cmd_approval_mode, 0},
	{NODE_BGP, "no approval [mode [<gateway|connection>$mode]]",
	 "Negate a command or set its defaults\nRoute approval\nWhich connections' routes wait for approval\n"
	 "Every BGP connection\nOnly neighbors configured with 'neighbor X approval'\n", cmd_approval_mode, 0},
	{NODE_BGP, "[no] neighbor <A.B.C.D|X:X::X:X>$peer approval",
	 "Negate a command or set its defaults\nSpecify neighbor router\nNeighbor address\nIPv6 neighbor address\n"
	 "Routes from this neighbor wait for approval (approval mode connection)\n", cmd_neighbor_approval, 0},
	{NODE_EXEC, "bgp approval <approve|reject>$action " PREFIX_ARG " " RANGE_ARGS,
	 "BGP information\nRoute approval\nApprove routes: they are installed and advertised\n"
	 "Reject routes: they stay held\n" PREFIX_HELP RANGE_HELP, cmd_decide, 0},
	{NODE_EXEC, "no bgp approval <approve|reject>$action " PREFIX_ARG " " RANGE_ARGS,
	 "Negate a command or set its defaults\nBGP information\nRoute approval\nRemove an approve rule\n"
	 "Remove a reject rule\n" PREFIX_HELP RANGE_HELP, cmd_decide, 0},
	{NODE_EXEC, "bgp approval approve all-pending [neighbor " ADDR_ARG "] [reason LINE$reason]",
	 "BGP information\nRoute approval\nApprove routes: they are installed and advertised\n"
	 "Every prefix pending now, in one transaction\nOnly routes from this neighbor\n" ADDR_HELP
	 "Why (kept in the audit trail)\nFree text\n", cmd_approve_all, 0},
	{NODE_EXEC, "show [ip] bgp approval [<pending|approved|rejected>$state] [neighbor " ADDR_ARG "] [json]",
	 SHOW_HELP "Routes waiting for approval\nApproved routes and approve rules\nRejected routes and reject rules\n"
	 "Only routes from this neighbor\n" ADDR_HELP JSON_HELP, cmd_show, 0},
	{NODE_EXEC, "show [ip] bgp approval summary [json]",
	 SHOW_HELP "The mode and counters only\n" JSON_HELP, cmd_show, 0},
	{NODE_EXEC, "show [ip] bgp approval audit [json]",
	 SHOW_HELP "Who decided what, when and why (the last 1000 changes)\n" JSON_HELP, cmd_show_audit, 0},
	{NODE_EXEC, "show [ip] bgp approval preview " PREFIX_ARG " [json]",
	 SHOW_HELP "What each established peer would be sent if the prefix were approved\n" PREFIX_HELP JSON_HELP,
	 cmd_show_preview, 0},
};

int cli_register_approval_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, approval_commands, sizeof(approval_commands) / sizeof(approval_commands[0]), err,
				errlen);
}
