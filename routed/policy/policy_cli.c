/*
 * Policy commands: prefix-lists, AS-path access-lists, community and
 * large-community lists in the config node, route-maps in their own node
 * (config-route-map), and their `show` commands. Syntax, sequence
 * numbering and error messages follow FRR so its configurations paste in
 * (docs/policy.md). Every handler validates first and changes the
 * configuration only when the whole line is good.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "cli_internal.h"
#include "policy_print.h"

_Static_assert(sizeof(((struct cli_session *)0)->route_map) == POLICY_NAME_MAX + 1,
	       "the session names a route-map like the policy does");

#define NO_HELP "Negate a command or set its defaults\n"
#define SHOW_HELP "Show running system information\n"
#define JSON_HELP "JavaScript Object Notation\n"
#define SEQ_HELP "sequence number of an entry\nSequence number\n"
#define ACTION_HELP "Specify packets to forward\nSpecify packets to reject\n"
#define RMAP_SEQ_MAX 65535u
#define PREPEND_MAX 64 /* ASes one `set as-path prepend` may add */

static struct policy_config *policy_of(struct cli_session *s)
{
	struct routed_config *cfg = cli_config(s);

	if (cfg->policy == NULL)
		cfg->policy = policy_config_new();
	return cfg->policy;
}

static int check_name(struct cli_session *s, const char *what, const char *name)
{
	if (strlen(name) > POLICY_NAME_MAX)
		return cli_error(s, "%s name '%s' is longer than %d characters", what, name, POLICY_NAME_MAX);
	return 0;
}

static bool is_permit(const struct cmd_args *args)
{
	const char *a = cmd_args_get(args, "action");

	return a != NULL && strcmp(a, "permit") == 0;
}

static int seq_cmp(const void *entry_seq, const void *seq)
{
	uint32_t a = *(const uint32_t *)entry_seq, b = *(const uint32_t *)seq;

	return a < b ? -1 : a > b;
}

/* Index of seq in an array of entries that each begin with their
 * uint32_t sequence number, or where it would go. */
static size_t seq_search(const void *entries, size_t count, size_t size, uint32_t seq, bool *found)
{
	return sarray_search(entries, count, size, 0, &seq, seq_cmp, found);
}

static uint32_t last_seq(const void *entries, size_t count, size_t size)
{
	return count == 0 ? 0 : *(const uint32_t *)((const char *)entries + (count - 1) * size);
}

/* The sequence number for a new entry: given, or FRR's next multiple of 5. */
static int entry_seq(struct cli_session *s, const struct cmd_args *args, const void *entries, size_t count,
		     size_t size, uint32_t *seq)
{
	uint64_t v;

	if (cmd_args_get_u64(args, "seq", &v) == 0) {
		*seq = (uint32_t)v;
		return 0;
	}
	uint32_t highest = last_seq(entries, count, size);
	if (highest == UINT32_MAX)
		return cli_error(s, "No sequence number left after %u: give one with seq", highest);
	*seq = policy_next_seq(highest, UINT32_MAX);
	return 0;
}

/* ---- prefix-lists ------------------------------------------------------------------ */

static int plist_parse(struct cli_session *s, const struct cmd_args *args, int family, struct plist_entry *e)
{
	const unsigned max = prefix_max_len(family);
	const char *text = cmd_args_get(args, "prefix");
	uint64_t ge = 0, le = 0;
	bool has_ge = cmd_args_get_u64(args, "ge", &ge) == 0, has_le = cmd_args_get_u64(args, "le", &le) == 0;

	*e = (struct plist_entry){.permit = is_permit(args)};
	if (text == NULL) { /* `any`: FRR's 0.0.0.0/0 le 32 (::/0 le 128) */
		if (has_ge || has_le)
			return cli_error(s, "'any' takes no ge or le");
		e->prefix = (struct prefix){.family = (uint8_t)family, .len = 0};
		e->le = (uint8_t)max;
		return 0;
	}
	if (prefix_parse(text, &e->prefix) != 0 || e->prefix.family != family)
		return cli_error(s, "Malformed prefix '%s'", text);
	/* FRR masks host bits away: 198.18.1.0/15 is 198.18.0.0/15. */
	prefix_normalize(&e->prefix);
	/* FRR's rule: len < ge <= le, and le may equal len. */
	if ((has_ge && ge <= e->prefix.len) || (has_le && le < e->prefix.len) || (has_ge && has_le && ge > le))
		return cli_error(s, "Invalid prefix range for %s, make sure: len < ge <= le", text);
	if (has_ge && has_le && le == max)
		le = 0; /* "ge N le 32" is "ge N", and FRR prints it so */
	e->ge = (uint8_t)ge;
	e->le = (uint8_t)le;
	return 0;
}

static bool plist_entry_same(const struct plist_entry *a, const struct plist_entry *b)
{
	return a->permit == b->permit && prefix_equal(&a->prefix, &b->prefix) && a->ge == b->ge && a->le == b->le;
}

static int family_of(const struct cmd_args *args)
{
	return cmd_args_has(args, "ipv6") ? AF_INET6 : AF_INET;
}

static int cmd_plist(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	int family = family_of(args);
	struct plist_entry e;
	bool found;

	if (pc == NULL)
		return cli_error(s, "out of memory");
	if (check_name(s, "prefix-list", name) != 0 || plist_parse(s, args, family, &e) != 0)
		return -1;
	struct prefix_list *pl = policy_set_find(policy_plist_set(pc, family), name);
	if (pl != NULL) {
		/* FRR: an entry that is already there is not added again. */
		for (size_t i = 0; i < pl->count && !cmd_args_has(args, "seq"); i++)
			if (plist_entry_same(&pl->entries[i], &e))
				return 0;
	}
	if (entry_seq(s, args, pl ? pl->entries : NULL, pl ? pl->count : 0, sizeof(e), &e.seq) != 0)
		return -1;
	pl = policy_plist_get(pc, family, name);
	if (pl == NULL)
		return cli_error(s, "out of memory");
	size_t i = seq_search(pl->entries, pl->count, sizeof(e), e.seq, &found);
	if (found) {
		/* FRR: the same sequence number replaces the entry. */
		if (plist_entry_same(&pl->entries[i], &e))
			return 0;
	} else if (sarray_insert((void **)&pl->entries, &pl->count, &pl->cap, sizeof(e), i) != 0) {
		return cli_error(s, "out of memory");
	}
	pl->entries[i] = e;
	policy_touch(pc, &pl->head);
	return 0;
}

/* FRR drops a list once it has neither entries nor a description. */
static void plist_drop_if_empty(struct policy_config *pc, struct prefix_list *pl)
{
	if (pl->count == 0 && pl->description[0] == '\0')
		policy_set_delete(pc, policy_plist_set(pc, pl->family), pl->head.name);
}

static int cmd_no_plist(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	int family = family_of(args);
	struct prefix_list *pl = pc ? policy_set_find(policy_plist_set(pc, family), name) : NULL;
	uint64_t seq;
	bool by_seq = cmd_args_get_u64(args, "seq", &seq) == 0;
	bool with_entry = cmd_args_has(args, "action");
	struct plist_entry e;
	size_t i = 0;
	bool found = false;

	if (pl == NULL)
		return cli_error(s, "Can't find specified prefix-list %s", name);
	if (!by_seq && !with_entry)
		return policy_set_delete(pc, policy_plist_set(pc, family), name), 0;
	if (with_entry && plist_parse(s, args, family, &e) != 0)
		return -1;
	if (by_seq) {
		i = seq_search(pl->entries, pl->count, sizeof(e), (uint32_t)seq, &found);
		if (found && with_entry && !plist_entry_same(&pl->entries[i], &e))
			found = false;
	} else {
		for (i = 0; i < pl->count && !found; i++)
			found = plist_entry_same(&pl->entries[i], &e);
		i--;
	}
	if (!found)
		return cli_error(s, "Can't find specified prefix-list entry in %s", name);
	sarray_remove(pl->entries, &pl->count, sizeof(e), i);
	policy_touch(pc, &pl->head);
	plist_drop_if_empty(pc, pl);
	return 0;
}

static int cmd_plist_description(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	const char *desc = cmd_args_get(args, "desc");
	int family = family_of(args);

	if (pc == NULL)
		return cli_error(s, "out of memory");
	if (check_name(s, "prefix-list", name) != 0)
		return -1;
	if (cmd_args_has(args, "no")) {
		struct prefix_list *pl = policy_set_find(policy_plist_set(pc, family), name);
		if (pl == NULL)
			return cli_error(s, "Can't find specified prefix-list %s", name);
		pl->description[0] = '\0';
		policy_touch(pc, &pl->head);
		plist_drop_if_empty(pc, pl);
		return 0;
	}
	if (strlen(desc) > POLICY_DESCRIPTION_MAX)
		return cli_error(s, "Description longer than %d characters", POLICY_DESCRIPTION_MAX);
	struct prefix_list *pl = policy_plist_get(pc, family, name);
	if (pl == NULL)
		return cli_error(s, "out of memory");
	snprintf(pl->description, sizeof(pl->description), "%s", desc);
	policy_touch(pc, &pl->head);
	return 0;
}

/* ---- AS-path access-lists -------------------------------------------------------------- */

static int check_regex(struct cli_session *s, const char *text)
{
	struct policy_regex rx = {0};
	char err[256];

	if (policy_regex_compile(&rx, text, err, sizeof(err)) != 0)
		return cli_error(s, "Invalid regular expression '%s': %s", text, err);
	policy_regex_free(&rx);
	return 0;
}

static int cmd_aspath(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	const char *regex = cmd_args_get(args, "regex");
	bool permit = is_permit(args), found;
	uint32_t seq;

	if (pc == NULL)
		return cli_error(s, "out of memory");
	if (check_name(s, "as-path access-list", name) != 0 || check_regex(s, regex) != 0)
		return -1;
	struct aspath_list *l = policy_set_find(&pc->aspath, name);
	for (size_t i = 0; l != NULL && i < l->count && !cmd_args_has(args, "seq"); i++)
		if (l->entries[i].permit == permit && strcmp(l->entries[i].rx.text, regex) == 0)
			return 0;
	if (entry_seq(s, args, l ? l->entries : NULL, l ? l->count : 0, sizeof(struct aspath_entry), &seq) != 0)
		return -1;
	char *text = strdup(regex);
	l = text != NULL ? policy_aspath_get(pc, name) : NULL;
	if (l == NULL) {
		free(text);
		return cli_error(s, "out of memory");
	}
	size_t i = seq_search(l->entries, l->count, sizeof(struct aspath_entry), seq, &found);
	if (found) {
		policy_regex_free(&l->entries[i].rx);
	} else if (sarray_insert((void **)&l->entries, &l->count, &l->cap, sizeof(struct aspath_entry), i) != 0) {
		free(text);
		return cli_error(s, "out of memory");
	}
	l->entries[i] = (struct aspath_entry){.seq = seq, .permit = permit, .rx = {.text = text}};
	policy_touch(pc, &l->head);
	return 0;
}

static int cmd_no_aspath(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	const char *regex = cmd_args_get(args, "regex");
	struct aspath_list *l = pc ? policy_set_find(&pc->aspath, name) : NULL;
	uint64_t seq;
	bool by_seq = cmd_args_get_u64(args, "seq", &seq) == 0, found = false;
	size_t i = 0;

	if (l == NULL)
		return cli_error(s, "Can't find as-path access-list %s", name);
	if (!by_seq && regex == NULL)
		return policy_set_delete(pc, &pc->aspath, name), 0;
	if (by_seq) {
		i = seq_search(l->entries, l->count, sizeof(struct aspath_entry), (uint32_t)seq, &found);
	} else {
		for (; i < l->count && !found; i++)
			found = l->entries[i].permit == is_permit(args) && strcmp(l->entries[i].rx.text, regex) == 0;
		i--;
	}
	if (!found)
		return cli_error(s, "Can't find the entry in as-path access-list %s", name);
	policy_regex_free(&l->entries[i].rx);
	sarray_remove(l->entries, &l->count, sizeof(struct aspath_entry), i);
	policy_touch(pc, &l->head);
	if (l->count == 0)
		policy_set_delete(pc, &pc->aspath, name);
	return 0;
}

/* ---- community lists ------------------------------------------------------------------ */

/* Parse the values of a standard entry into e (comms or lcomms). */
static int clist_parse_values(struct cli_session *s, bool large, const char *line, struct clist_entry *e)
{
	size_t cap = 1;

	for (const char *p = line; *p; p++)
		cap += *p == ' ';
	if (large)
		e->lcomms = calloc(cap, sizeof(*e->lcomms));
	else
		e->comms = calloc(cap, sizeof(*e->comms));
	if (large ? e->lcomms == NULL : e->comms == NULL)
		return cli_error(s, "out of memory");
	char *copy = strdup(line), *save = NULL;
	if (copy == NULL)
		return cli_error(s, "out of memory");
	size_t n = 0;
	for (char *tok = strtok_r(copy, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		int bad = large ? policy_lcommunity_parse(tok, &e->lcomms[n]) : policy_community_parse(tok, &e->comms[n]);
		if (bad) {
			if (large)
				cli_error(s, "Malformed large community '%s': GLOBAL:LOCAL1:LOCAL2, each 0-4294967295", tok);
			else
				cli_error(s, "Malformed community '%s': AA:NN (each 0-65535), internet, no-export, "
					     "no-advertise, local-AS, blackhole, graceful-shutdown, accept-own, "
					     "llgr-stale, no-llgr or no-peer", tok);
			free(copy);
			return -1;
		}
		n++;
	}
	free(copy);
	e->ncomms = large ? policy_lcomms_sort(e->lcomms, n) : policy_comms_sort(e->comms, n);
	return 0;
}

static bool clist_entry_same(bool large, const struct clist_entry *a, const struct clist_entry *b)
{
	if (a->permit != b->permit || (a->rx.text == NULL) != (b->rx.text == NULL))
		return false;
	if (a->rx.text != NULL)
		return strcmp(a->rx.text, b->rx.text) == 0;
	if (a->ncomms != b->ncomms)
		return false;
	return large ? memcmp(a->lcomms, b->lcomms, a->ncomms * sizeof(*a->lcomms)) == 0
		     : memcmp(a->comms, b->comms, a->ncomms * sizeof(*a->comms)) == 0;
}

/* The entry a command line describes (kind, action, values or regex). */
static int clist_entry_from_args(struct cli_session *s, const struct cmd_args *args, bool large, bool expanded,
				 struct clist_entry *e)
{
	const char *value = cmd_args_get(args, "value");

	*e = (struct clist_entry){.permit = is_permit(args)};
	if (expanded) {
		if (check_regex(s, value) != 0)
			return -1;
		e->rx.text = strdup(value);
		return e->rx.text != NULL ? 0 : cli_error(s, "out of memory");
	}
	if (clist_parse_values(s, large, value, e) != 0) {
		clist_entry_free(e);
		return -1;
	}
	return 0;
}

static const char *clist_kind(bool large)
{
	return large ? "large-community-list" : "community-list";
}

static int cmd_clist(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	bool large = cmd_args_has(args, "large-community-list");
	bool expanded = strcmp(cmd_args_get(args, "kind"), "expanded") == 0, found;
	struct clist_entry e;

	if (pc == NULL)
		return cli_error(s, "out of memory");
	if (check_name(s, clist_kind(large), name) != 0)
		return -1;
	struct community_list *l = policy_set_find(large ? &pc->lclist : &pc->clist, name);
	if (l != NULL && l->expanded != expanded)
		return cli_error(s, "%s %s is %s: it cannot take %s entries", clist_kind(large), name,
				 l->expanded ? "expanded" : "standard", expanded ? "expanded" : "standard");
	if (clist_entry_from_args(s, args, large, expanded, &e) != 0)
		return -1;
	for (size_t i = 0; l != NULL && i < l->count && !cmd_args_has(args, "seq"); i++) {
		if (clist_entry_same(large, &l->entries[i], &e)) {
			clist_entry_free(&e);
			return 0;
		}
	}
	if (entry_seq(s, args, l ? l->entries : NULL, l ? l->count : 0, sizeof(e), &e.seq) != 0) {
		clist_entry_free(&e);
		return -1;
	}
	l = policy_clist_get(pc, large, name, expanded);
	if (l == NULL) {
		clist_entry_free(&e);
		return cli_error(s, "out of memory");
	}
	size_t i = seq_search(l->entries, l->count, sizeof(e), e.seq, &found);
	if (found) {
		clist_entry_free(&l->entries[i]);
	} else if (sarray_insert((void **)&l->entries, &l->count, &l->cap, sizeof(e), i) != 0) {
		clist_entry_free(&e);
		return cli_error(s, "out of memory");
	}
	l->entries[i] = e;
	policy_touch(pc, &l->head);
	return 0;
}

static int cmd_no_clist(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	bool large = cmd_args_has(args, "large-community-list");
	bool expanded = strcmp(cmd_args_get(args, "kind"), "expanded") == 0;
	struct policy_set *set = pc ? (large ? &pc->lclist : &pc->clist) : NULL;
	struct community_list *l = set ? policy_set_find(set, name) : NULL;
	uint64_t seq;
	bool by_seq = cmd_args_get_u64(args, "seq", &seq) == 0, found = false;
	struct clist_entry e = {0};
	size_t i = 0;

	if (l == NULL || l->expanded != expanded)
		return cli_error(s, "Can't find %s %s %s", expanded ? "expanded" : "standard", clist_kind(large), name);
	if (!by_seq && !cmd_args_has(args, "value"))
		return policy_set_delete(pc, set, name), 0;
	if (cmd_args_has(args, "value") && clist_entry_from_args(s, args, large, expanded, &e) != 0)
		return -1;
	if (by_seq) {
		i = seq_search(l->entries, l->count, sizeof(e), (uint32_t)seq, &found);
		if (found && cmd_args_has(args, "value") && !clist_entry_same(large, &l->entries[i], &e))
			found = false;
	} else {
		for (; i < l->count && !found; i++)
			found = clist_entry_same(large, &l->entries[i], &e);
		i--;
	}
	clist_entry_free(&e);
	if (!found)
		return cli_error(s, "Can't find the entry in %s %s", clist_kind(large), name);
	clist_entry_free(&l->entries[i]);
	sarray_remove(l->entries, &l->count, sizeof(e), i);
	policy_touch(pc, &l->head);
	if (l->count == 0)
		policy_set_delete(pc, set, name);
	return 0;
}

/* ---- route-maps ------------------------------------------------------------------------- */

bool cli_route_map_node_valid(struct cli_session *s)
{
	struct route_map *m = route_map_find(cli_config(s)->policy, s->route_map);
	bool found = false;

	if (m != NULL)
		seq_search(m->entries, m->count, sizeof(struct rmap_entry), s->route_map_seq, &found);
	return found;
}

static int cmd_route_map(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	bool permit = is_permit(args), found;
	uint64_t seq;

	cmd_args_get_u64(args, "seq", &seq);
	if (pc == NULL)
		return cli_error(s, "out of memory");
	if (check_name(s, "route-map", name) != 0)
		return -1;
	struct route_map *m = policy_rmap_get(pc, name);
	if (m == NULL)
		return cli_error(s, "out of memory");
	size_t i = seq_search(m->entries, m->count, sizeof(struct rmap_entry), (uint32_t)seq, &found);
	if (!found) {
		if (sarray_insert((void **)&m->entries, &m->count, &m->cap, sizeof(struct rmap_entry), i) != 0) {
			if (m->count == 0)
				policy_set_delete(pc, &pc->rmap, name);
			return cli_error(s, "out of memory");
		}
		m->entries[i].seq = (uint32_t)seq;
		m->entries[i].permit = permit;
		policy_touch(pc, &m->head);
	} else if (m->entries[i].permit != permit) {
		/* As FRR's YANG model: the action is a property of the
		 * entry; changing it keeps the clauses. */
		m->entries[i].permit = permit;
		policy_touch(pc, &m->head);
	}
	snprintf(s->route_map, sizeof(s->route_map), "%s", name);
	s->route_map_seq = (uint32_t)seq;
	s->node = NODE_ROUTE_MAP;
	return 0;
}

static int cmd_no_route_map(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	struct route_map *m = route_map_find(pc, name);
	uint64_t seq;
	bool found;

	if (m == NULL)
		return cli_error(s, "Can't find route-map %s", name);
	if (cmd_args_get_u64(args, "seq", &seq) != 0)
		return policy_set_delete(pc, &pc->rmap, name), 0;
	size_t i = seq_search(m->entries, m->count, sizeof(struct rmap_entry), (uint32_t)seq, &found);
	if (!found)
		return cli_error(s, "Can't find route-map %s entry %llu", name, (unsigned long long)seq);
	rmap_entry_free(&m->entries[i]);
	sarray_remove(m->entries, &m->count, sizeof(struct rmap_entry), i);
	policy_touch(pc, &m->head);
	if (m->count == 0)
		policy_set_delete(pc, &pc->rmap, name);
	return 0;
}

/*
 * A route-map clause command (`[no] match ...`, `[no] set ...`, on-match,
 * call, description) edits the entry the session's node stands in. Each
 * is an rmap_edit_fn run by rmap_edit(), which finds that entry (it may
 * have been removed since the node was entered) and stamps the map when
 * the edit succeeds, so the compiled form is rebuilt.
 */
typedef int rmap_edit_fn(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no);

static int rmap_edit(void *ctx, const struct cmd_args *args, rmap_edit_fn *edit)
{
	struct cli_session *s = ctx;
	struct route_map *m = route_map_find(policy_of(s), s->route_map);
	bool found = false;
	size_t i = 0;

	if (m != NULL)
		i = seq_search(m->entries, m->count, sizeof(struct rmap_entry), s->route_map_seq, &found);
	if (!found)
		return cli_error(s, "route-map %s %u was removed", s->route_map, s->route_map_seq);
	if (edit(s, &m->entries[i], args, cmd_args_has(args, "no")) != 0)
		return -1;
	policy_touch(policy_of(s), &m->head);
	return 0;
}

/* A clause's bit in e->match or e->set: on, or off for its `no` form. */
static void clause_bit(unsigned *bits, unsigned bit, bool no)
{
	if (no)
		*bits &= ~bit;
	else
		*bits |= bit;
}

/* A clause that names a list: dst, or "" for its `no` form. */
static int clause_list(struct cli_session *s, unsigned *bits, unsigned bit, char *dst, const char *what,
		       const char *list, bool no)
{
	if (!no && check_name(s, what, list) != 0)
		return -1;
	snprintf(dst, POLICY_NAME_MAX + 1, "%s", no ? "" : list);
	clause_bit(bits, bit, no);
	return 0;
}

/* `[no] match ... WORD`: the clauses that name a list. */
static int edit_match_list(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	unsigned bit;
	char *dst;

	if (cmd_args_has(args, "large-community")) {
		bit = RMAP_MATCH_LCOMMUNITY, dst = e->match_lcomm;
		e->match_lcomm_exact = !no && cmd_args_has(args, "exact-match");
	} else if (cmd_args_has(args, "community")) {
		bit = RMAP_MATCH_COMMUNITY, dst = e->match_comm;
		e->match_comm_exact = !no && cmd_args_has(args, "exact-match");
	} else if (cmd_args_has(args, "as-path")) {
		bit = RMAP_MATCH_ASPATH, dst = e->match_aspath;
	} else if (cmd_args_has(args, "ipv6")) {
		bit = RMAP_MATCH_PLIST6, dst = e->match_plist6;
	} else {
		bit = RMAP_MATCH_PLIST4, dst = e->match_plist4;
	}
	return clause_list(s, &e->match, bit, dst, "list", cmd_args_get(args, "list"), no);
}

static uint8_t origin_value(const char *text)
{
	return strcmp(text, "igp") == 0 ? BGP_ORIGIN_IGP : strcmp(text, "egp") == 0 ? BGP_ORIGIN_EGP
										  : BGP_ORIGIN_INCOMPLETE;
}

/* `[no] match peer|origin|metric|local-preference`. */
static int edit_match_value(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	uint64_t v = 0;
	unsigned bit;

	cmd_args_get_u64(args, "value", &v);
	if (cmd_args_has(args, "peer")) {
		bit = RMAP_MATCH_PEER;
		if (!no && prefix_parse(cmd_args_get(args, "addr"), &e->match_peer) != 0)
			return cli_error(s, "Malformed peer address '%s'", cmd_args_get(args, "addr"));
	} else if (cmd_args_has(args, "origin")) {
		bit = RMAP_MATCH_ORIGIN;
		if (!no)
			e->match_origin = origin_value(cmd_args_get(args, "origin"));
	} else if (cmd_args_has(args, "metric")) {
		bit = RMAP_MATCH_METRIC;
		e->match_metric = no ? 0 : (uint32_t)v;
	} else {
		bit = RMAP_MATCH_LOCAL_PREF;
		e->match_local_pref = no ? 0 : (uint32_t)v;
	}
	clause_bit(&e->match, bit, no);
	return 0;
}

/* `[no] set local-preference|weight|metric|origin`. */
static int edit_set_value(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	uint64_t v = 0;
	unsigned bit;

	cmd_args_get_u64(args, "value", &v);
	if (cmd_args_has(args, "local-preference")) {
		bit = RMAP_SET_LOCAL_PREF;
		e->set_local_pref = (uint32_t)v;
	} else if (cmd_args_has(args, "weight")) {
		bit = RMAP_SET_WEIGHT;
		e->set_weight = (uint32_t)v;
	} else if (cmd_args_has(args, "origin")) {
		bit = RMAP_SET_ORIGIN;
		if (!no)
			e->set_origin = origin_value(cmd_args_get(args, "origin"));
	} else {
		bit = RMAP_SET_METRIC;
		const char *change = cmd_args_get(args, "change");
		e->set_metric_op = RMAP_METRIC_SET;
		e->set_metric = (uint32_t)v;
		if (!no && change != NULL) {
			/* "+N" / "-N": add to or subtract from the MED. */
			const char *digits = change + 1;
			size_t nd = strlen(digits);
			if ((change[0] != '+' && change[0] != '-') || nd == 0 || nd > 10 ||
			    strspn(digits, "0123456789") != nd || (nd > 1 && digits[0] == '0') ||
			    strtoull(digits, NULL, 10) > UINT32_MAX)
				return cli_error(s, "Malformed metric '%s': N, +N or -N with N 0-4294967295", change);
			e->set_metric = (uint32_t)strtoull(change + 1, NULL, 10);
			e->set_metric_op = change[0] == '+' ? RMAP_METRIC_ADD : RMAP_METRIC_SUB;
		}
	}
	clause_bit(&e->set, bit, no);
	return 0;
}

/* Replaces what `set [large-]community` sets; takes ownership of values. */
static void set_communities(struct rmap_entry *e, bool large, void *values, size_t n, bool additive)
{
	if (large) {
		free(e->set_lcomms);
		e->set_lcomms = values, e->set_nlcomms = n, e->set_lcomm_additive = additive;
	} else {
		free(e->set_comms);
		e->set_comms = values, e->set_ncomms = n, e->set_comm_additive = additive;
	}
}

/* `set community|large-community VALUES [additive]` or `... none`. */
static int edit_set_community(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	bool large = cmd_args_has(args, "large-community");
	unsigned bit = large ? RMAP_SET_LCOMMUNITY : RMAP_SET_COMMUNITY;

	if (no) {
		set_communities(e, large, NULL, 0, false);
		clause_bit(&e->set, bit, no);
		return 0;
	}
	struct clist_entry parsed = {0};
	bool additive = false;
	char *line = strdup(cmd_args_get(args, "value"));
	if (line == NULL)
		return cli_error(s, "out of memory");
	size_t len = strlen(line);
	if (strcmp(line, "none") != 0) {
		if (len >= 9 && strcmp(line + len - 9, " additive") == 0) {
			additive = true;
			line[len - 9] = '\0';
		}
		if (clist_parse_values(s, large, line, &parsed) != 0) {
			free(line);
			clist_entry_free(&parsed);
			return -1;
		}
	}
	free(line);
	set_communities(e, large, large ? (void *)parsed.lcomms : (void *)parsed.comms, parsed.ncomms, additive);
	free(large ? (void *)parsed.comms : (void *)parsed.lcomms);
	clause_bit(&e->set, bit, no);
	return 0;
}

/* `[no] set comm-list|large-comm-list L delete`. */
static int edit_set_list_delete(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	bool large = cmd_args_has(args, "large-comm-list");

	return clause_list(s, &e->set, large ? RMAP_SET_LCOMM_DELETE : RMAP_SET_COMM_DELETE,
			   large ? e->set_lcomm_delete : e->set_comm_delete, clist_kind(large),
			   cmd_args_get(args, "list"), no);
}

/* Replaces what `set as-path prepend` sets; takes ownership of asns. */
static void set_prepend(struct rmap_entry *e, uint32_t *asns, size_t n, uint8_t last_as, bool no)
{
	free(e->prepend);
	e->prepend = asns, e->nprepend = n, e->prepend_last_as = last_as;
	clause_bit(&e->set, RMAP_SET_PREPEND, no);
}

static int edit_set_prepend(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	uint64_t count;

	if (no) {
		set_prepend(e, NULL, 0, 0, no);
		return 0;
	}
	if (cmd_args_get_u64(args, "count", &count) == 0) {
		set_prepend(e, NULL, 0, (uint8_t)count, no);
		return 0;
	}
	uint32_t asns[PREPEND_MAX];
	size_t n = 0;
	/* `last-as 11` fails the (1-10) token and lands here as AS numbers. */
	if (strncmp(cmd_args_get(args, "asns"), "last-as", 7) == 0)
		return cli_error(s, "Invalid prepend '%s': last-as takes a count of 1-10", cmd_args_get(args, "asns"));
	char *line = strdup(cmd_args_get(args, "asns")), *save = NULL;
	if (line == NULL)
		return cli_error(s, "out of memory");
	for (char *tok = strtok_r(line, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
		char *end;
		unsigned long long v = strtoull(tok, &end, 10);
		if (n == PREPEND_MAX) {
			free(line);
			return cli_error(s, "At most %d AS numbers may be prepended", PREPEND_MAX);
		}
		if (*end != '\0' || tok[0] < '1' || tok[0] > '9' || v > UINT32_MAX) {
			cli_error(s, "Malformed AS number '%s': 1-4294967295", tok);
			free(line);
			return -1;
		}
		asns[n++] = (uint32_t)v;
	}
	free(line);
	uint32_t *copy = malloc(n * sizeof(*copy));
	if (copy == NULL)
		return cli_error(s, "out of memory");
	memcpy(copy, asns, n * sizeof(*copy));
	set_prepend(e, copy, n, 0, no);
	return 0;
}

static int edit_set_nexthop(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	bool v6 = cmd_args_has(args, "ipv6");
	const char *addr = cmd_args_get(args, "addr");
	unsigned bit = v6 ? RMAP_SET_NEXTHOP6 : RMAP_SET_NEXTHOP4;

	if (no) {
		clause_bit(&e->set, bit, no);
		return 0;
	}
	if (!v6 && cmd_args_has(args, "peer-address")) {
		e->nexthop4_peer = true;
		memset(e->nexthop4, 0, 4);
	} else {
		uint8_t buf[16];
		if (inet_pton(v6 ? AF_INET6 : AF_INET, addr, buf) != 1)
			return cli_error(s, "Malformed next hop '%s'", addr);
		/* RFC 4271 section 5.1.3 / RFC 2545 section 3: a next hop must
		 * be a usable unicast address. */
		if (v6 ? (buf[0] == 0xff || memcmp(buf, (uint8_t[16]){0}, 16) == 0)
		       : (buf[0] == 0 || buf[0] >= 224))
			return cli_error(s, "Invalid next hop '%s': not a unicast address", addr);
		if (v6) {
			memcpy(e->nexthop6, buf, 16);
		} else {
			e->nexthop4_peer = false;
			memcpy(e->nexthop4, buf, 4);
		}
	}
	clause_bit(&e->set, bit, no);
	return 0;
}

static int edit_on_match(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	uint64_t target;

	if (no || cmd_args_get_u64(args, "target", &target) != 0) {
		e->exit = no ? RMAP_EXIT_STOP : RMAP_EXIT_NEXT;
		e->goto_seq = 0;
		return 0;
	}
	/* FRR: a route-map only runs forward, so loops are impossible. */
	if (target <= e->seq)
		return cli_error(s, "Cannot go to %llu from entry %u: the target must come after this entry",
				 (unsigned long long)target, e->seq);
	e->exit = RMAP_EXIT_GOTO;
	e->goto_seq = (uint32_t)target;
	return 0;
}

static int edit_call(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	const char *name = cmd_args_get(args, "target");

	if (!no && check_name(s, "route-map", name) != 0)
		return -1;
	snprintf(e->call, sizeof(e->call), "%s", no ? "" : name);
	return 0;
}

static int edit_rmap_description(struct cli_session *s, struct rmap_entry *e, const struct cmd_args *args, bool no)
{
	const char *desc = cmd_args_get(args, "desc");

	if (!no && strlen(desc) > POLICY_DESCRIPTION_MAX)
		return cli_error(s, "Description longer than %d characters", POLICY_DESCRIPTION_MAX);
	snprintf(e->description, sizeof(e->description), "%s", no ? "" : desc);
	return 0;
}

/* The handlers the command table names: cmd_X runs edit_X. */
#define RMAP_EDIT_COMMAND(x)                                                                             \
	static int cmd_##x(void *ctx, const struct cmd_args *args)                                       \
	{                                                                                                \
		return rmap_edit(ctx, args, edit_##x);                                                   \
	}
RMAP_EDIT_COMMAND(match_list)
RMAP_EDIT_COMMAND(match_value)
RMAP_EDIT_COMMAND(set_value)
RMAP_EDIT_COMMAND(set_community)
RMAP_EDIT_COMMAND(set_list_delete)
RMAP_EDIT_COMMAND(set_prepend)
RMAP_EDIT_COMMAND(set_nexthop)
RMAP_EDIT_COMMAND(on_match)
RMAP_EDIT_COMMAND(call)
RMAP_EDIT_COMMAND(rmap_description)

/* ---- show ---------------------------------------------------------------------------- */

static void print_json(struct cli_session *s, struct json_object *obj)
{
	fprintf(s->out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(obj);
}

enum show_kind { SHOW_PLIST4, SHOW_PLIST6, SHOW_ASPATH, SHOW_CLIST, SHOW_LCLIST, SHOW_RMAP };

static int show_objects(struct cli_session *s, const struct cmd_args *args, enum show_kind kind)
{
	struct policy_config *pc = policy_of(s);
	const char *name = cmd_args_get(args, "name");
	bool json = cmd_args_has(args, "json");

	if (pc == NULL)
		return cli_error(s, "out of memory");
	struct policy_set *set = kind == SHOW_PLIST4 ? &pc->plist4 : kind == SHOW_PLIST6 ? &pc->plist6
				: kind == SHOW_ASPATH ? &pc->aspath : kind == SHOW_CLIST ? &pc->clist
				: kind == SHOW_LCLIST ? &pc->lclist : &pc->rmap;
	struct json_object *root = json ? json_object_new_object() : NULL;
	bool any = false;
	for (size_t i = 0; i < set->count; i++) {
		const struct policy_head *h = set->items[i];
		if (name != NULL && strcmp(name, h->name) != 0)
			continue;
		any = true;
		if (json) {
			struct json_object *o = kind <= SHOW_PLIST6 ? plist_json(set->items[i])
					       : kind == SHOW_ASPATH ? aspath_list_json(set->items[i])
					       : kind == SHOW_RMAP   ? rmap_json(set->items[i], true)
								     : clist_json(set->items[i]);
			json_object_object_add(root, h->name, o);
		} else if (kind <= SHOW_PLIST6) {
			plist_show(set->items[i], s->out);
		} else if (kind == SHOW_ASPATH) {
			aspath_list_show(set->items[i], s->out);
		} else if (kind == SHOW_RMAP) {
			rmap_show(set->items[i], s->out);
		} else {
			clist_show(set->items[i], s->out);
		}
	}
	if (json) {
		print_json(s, root);
		return 0;
	}
	if (name != NULL && !any)
		return cli_error(s, "Can't find %s", name);
	return 0;
}

static int cmd_show_plist(void *ctx, const struct cmd_args *args)
{
	return show_objects(ctx, args, cmd_args_has(args, "ipv6") ? SHOW_PLIST6 : SHOW_PLIST4);
}

static int cmd_show_aspath(void *ctx, const struct cmd_args *args)
{
	return show_objects(ctx, args, SHOW_ASPATH);
}

static int cmd_show_clist(void *ctx, const struct cmd_args *args)
{
	return show_objects(ctx, args, cmd_args_has(args, "large-community-list") ? SHOW_LCLIST : SHOW_CLIST);
}

static int cmd_show_rmap(void *ctx, const struct cmd_args *args)
{
	return show_objects(ctx, args, SHOW_RMAP);
}

/* ---- the command table --------------------------------------------------------------------- */

#define PLIST_HELP(ip) ip " information\nBuild a prefix list\nName of a prefix list\n"
#define PLIST4_ENTRY "<A.B.C.D/M$prefix|any> [ge (0-32)$ge] [le (0-32)$le]"
#define PLIST6_ENTRY "<X:X::X:X/M$prefix|any> [ge (0-128)$ge] [le (0-128)$le]"
#define PLIST_ENTRY_HELP(example, any)                                                                   \
	"IP prefix <network>/<length>, e.g., " example "\nAny prefix match. Same as \"" any "\"\n"           \
	"Minimum prefix length to be matched\nMinimum prefix length\n"                                      \
	"Maximum prefix length to be matched\nMaximum prefix length\n"
#define PLIST4_ENTRY_HELP PLIST_ENTRY_HELP("198.18.0.0/15", "0.0.0.0/0 le 32")
#define PLIST6_ENTRY_HELP PLIST_ENTRY_HELP("2001:db8::/32", "::/0 le 128")
#define DESC_HELP "Prefix-list specific description\nUp to 80 characters describing this prefix-list\n"

#define PLIST_COMMANDS(ip, ipname, entry, entry_help)                                                    \
	{NODE_CONFIG, ip " prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action " entry,    \
	 PLIST_HELP(ipname) SEQ_HELP ACTION_HELP entry_help, cmd_plist, 0},                                 \
	{NODE_CONFIG, "no " ip " prefix-list WORD$name", NO_HELP PLIST_HELP(ipname), cmd_no_plist, 0},     \
	{NODE_CONFIG, "no " ip " prefix-list WORD$name seq (1-4294967295)$seq [<permit|deny>$action " entry "]", \
	 NO_HELP PLIST_HELP(ipname) SEQ_HELP ACTION_HELP entry_help, cmd_no_plist, 0},                      \
	{NODE_CONFIG, "no " ip " prefix-list WORD$name <permit|deny>$action " entry,                       \
	 NO_HELP PLIST_HELP(ipname) ACTION_HELP entry_help, cmd_no_plist, 0},                               \
	{NODE_CONFIG, ip " prefix-list WORD$name description LINE$desc", PLIST_HELP(ipname) DESC_HELP,     \
	 cmd_plist_description, 0},                                                                         \
	{NODE_CONFIG, "no " ip " prefix-list WORD$name description [LINE]", NO_HELP PLIST_HELP(ipname) DESC_HELP, \
	 cmd_plist_description, 0}

#define ASPATH_HELP "BGP specific commands\nAutonomous System path\nBGP access list\nAS path access list name\n"
#define REGEX_HELP "A regular-expression (1234567890_^|[,{}() ]$*+.?-\\) to match the BGP AS paths\n"
#define CLIST_HELP(what)                                                                                 \
	"BGP specific commands\nAdd a " what " list entry\nAdd a normal " what " list entry\n"             \
	"Add an expanded " what " list entry\n" what " list name\n"
#define CLIST_VALUE_HELP "Communities (AA:NN or a well-known name), or a regular expression when expanded\n"
#define LCLIST_VALUE_HELP "Large communities (GLOBAL:LOCAL1:LOCAL2), or a regular expression when expanded\n"

#define CLIST_COMMANDS(kw, what, value_help)                                                             \
	{NODE_CONFIG, "bgp " kw " <standard|expanded>$kind WORD$name [seq (1-4294967295)$seq] "            \
		      "<permit|deny>$action LINE$value",                                                   \
	 CLIST_HELP(what) SEQ_HELP ACTION_HELP value_help, cmd_clist, 0},                                   \
	{NODE_CONFIG, "no bgp " kw " <standard|expanded>$kind WORD$name", NO_HELP CLIST_HELP(what),        \
	 cmd_no_clist, 0},                                                                                  \
	{NODE_CONFIG, "no bgp " kw " <standard|expanded>$kind WORD$name seq (1-4294967295)$seq "           \
		      "[<permit|deny>$action LINE$value]",                                                 \
	 NO_HELP CLIST_HELP(what) SEQ_HELP ACTION_HELP value_help, cmd_no_clist, 0},                        \
	{NODE_CONFIG, "no bgp " kw " <standard|expanded>$kind WORD$name <permit|deny>$action LINE$value",  \
	 NO_HELP CLIST_HELP(what) ACTION_HELP value_help, cmd_no_clist, 0}

#define RMAP_HELP "Create route-map or enter route-map command mode\nRoute map tag\n"
#define RMAP_ACTION_HELP "Route map permits set operations\nRoute map denies set operations\n"
#define ORIGIN_HELP "local IGP\nremote EGP\nunknown heritage\n"
#define MATCH_HELP "Match values from routing table\n"
#define SET_HELP "Set values in destination routing protocol\n"
#define MATCH_PLIST_HELP(ip) MATCH_HELP ip "\nMatch address of route\nMatch entries of prefix-lists\nIP prefix-list name\n"
#define MATCH_COMM_HELP(what) MATCH_HELP "Match BGP " what " list\n" what "-list name\nDo exact matching of communities\n"

/* A route-map clause and its `no` form, whose help is the same after
 * the `no` token's. */
#define RMAP_CLAUSE(syntax, no_syntax, help, handler)                                                     \
	{NODE_ROUTE_MAP, syntax, help, handler, 0}, {NODE_ROUTE_MAP, no_syntax, NO_HELP help, handler, 0}

static const struct cmd_def policy_commands[] = {
	PLIST_COMMANDS("ip", "IP", PLIST4_ENTRY, PLIST4_ENTRY_HELP),
	PLIST_COMMANDS("ipv6", "IPv6", PLIST6_ENTRY, PLIST6_ENTRY_HELP),

	{NODE_CONFIG, "bgp as-path access-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action LINE$regex",
	 ASPATH_HELP SEQ_HELP ACTION_HELP REGEX_HELP, cmd_aspath, 0},
	{NODE_CONFIG, "no bgp as-path access-list WORD$name", NO_HELP ASPATH_HELP, cmd_no_aspath, 0},
	{NODE_CONFIG, "no bgp as-path access-list WORD$name seq (1-4294967295)$seq [<permit|deny>$action LINE$regex]",
	 NO_HELP ASPATH_HELP SEQ_HELP ACTION_HELP REGEX_HELP, cmd_no_aspath, 0},
	{NODE_CONFIG, "no bgp as-path access-list WORD$name <permit|deny>$action LINE$regex",
	 NO_HELP ASPATH_HELP ACTION_HELP REGEX_HELP, cmd_no_aspath, 0},
	CLIST_COMMANDS("community-list", "community", CLIST_VALUE_HELP),
	CLIST_COMMANDS("large-community-list", "large-community", LCLIST_VALUE_HELP),

	{NODE_CONFIG, "route-map WORD$name <permit|deny>$action (1-65535)$seq",
	 RMAP_HELP RMAP_ACTION_HELP "Sequence to insert to/delete from existing route-map entry\n", cmd_route_map, 0},
	{NODE_CONFIG, "no route-map WORD$name [<permit|deny>$action (1-65535)$seq]",
	 NO_HELP RMAP_HELP RMAP_ACTION_HELP "Sequence to insert to/delete from existing route-map entry\n",
	 cmd_no_route_map, 0},

	{NODE_ROUTE_MAP, "[no] match ip address prefix-list WORD$list",
	 NO_HELP MATCH_PLIST_HELP("IP information"), cmd_match_list, 0},
	{NODE_ROUTE_MAP, "no match ip address prefix-list", NO_HELP MATCH_HELP "IP information\n"
	 "Match address of route\nMatch entries of prefix-lists\n", cmd_match_list, 0},
	{NODE_ROUTE_MAP, "[no] match ipv6 address prefix-list WORD$list",
	 NO_HELP MATCH_PLIST_HELP("IPv6 information"), cmd_match_list, 0},
	{NODE_ROUTE_MAP, "no match ipv6 address prefix-list", NO_HELP MATCH_HELP "IPv6 information\n"
	 "Match address of route\nMatch entries of prefix-lists\n", cmd_match_list, 0},
	RMAP_CLAUSE("match as-path WORD$list", "no match as-path [WORD]",
		    MATCH_HELP "Match BGP AS path list\nAS path access-list name\n", cmd_match_list),
	RMAP_CLAUSE("match community WORD$list [exact-match]", "no match community [WORD [exact-match]]",
		    MATCH_COMM_HELP("community"), cmd_match_list),
	RMAP_CLAUSE("match large-community WORD$list [exact-match]", "no match large-community [WORD [exact-match]]",
		    MATCH_COMM_HELP("large-community"), cmd_match_list),
	RMAP_CLAUSE("match peer <A.B.C.D|X:X::X:X>$addr", "no match peer [<A.B.C.D|X:X::X:X>]",
		    MATCH_HELP "Match peer address\nIP address of peer\nIPv6 address of peer\n", cmd_match_value),
	RMAP_CLAUSE("match origin <igp|egp|incomplete>$origin", "no match origin [<igp|egp|incomplete>]",
		    MATCH_HELP "BGP origin code\n" ORIGIN_HELP, cmd_match_value),
	RMAP_CLAUSE("match metric (0-4294967295)$value", "no match metric [(0-4294967295)]",
		    MATCH_HELP "Match metric of route\nMetric value\n", cmd_match_value),
	RMAP_CLAUSE("match local-preference (0-4294967295)$value", "no match local-preference [(0-4294967295)]",
		    MATCH_HELP "Match local-preference of route\nMetric value\n", cmd_match_value),

	RMAP_CLAUSE("set local-preference (0-4294967295)$value", "no set local-preference [(0-4294967295)]",
		    SET_HELP "BGP local preference path attribute\nPreference value\n", cmd_set_value),
	RMAP_CLAUSE("set metric <(0-4294967295)$value|WORD$change>", "no set metric [<(0-4294967295)|WORD>]",
		    SET_HELP "Metric value for destination routing protocol\nMetric value\n"
			     "Add (+N) to or subtract (-N) from the metric\n",
		    cmd_set_value),
	RMAP_CLAUSE("set weight (0-4294967295)$value", "no set weight [(0-4294967295)]",
		    SET_HELP "BGP weight for routing table\nWeight value\n", cmd_set_value),
	RMAP_CLAUSE("set origin <igp|egp|incomplete>$origin", "no set origin [<igp|egp|incomplete>]",
		    SET_HELP "BGP origin code\n" ORIGIN_HELP, cmd_set_value),
	{NODE_ROUTE_MAP, "set community LINE$value", SET_HELP "BGP community attribute\n"
	 "Communities (AA:NN or well-known names) [additive], or none\n", cmd_set_community, 0},
	{NODE_ROUTE_MAP, "no set community [LINE]", NO_HELP SET_HELP "BGP community attribute\nCommunity values\n",
	 cmd_set_community, 0},
	{NODE_ROUTE_MAP, "set large-community LINE$value", SET_HELP "BGP large community attribute\n"
	 "Large communities (GLOBAL:LOCAL1:LOCAL2) [additive], or none\n", cmd_set_community, 0},
	{NODE_ROUTE_MAP, "no set large-community [LINE]", NO_HELP SET_HELP "BGP large community attribute\n"
	 "Large community values\n", cmd_set_community, 0},
	RMAP_CLAUSE("set comm-list WORD$list delete", "no set comm-list [WORD delete]",
		    SET_HELP "set BGP community list (for deletion)\nCommunity-list name\nDelete matching communities\n",
		    cmd_set_list_delete),
	RMAP_CLAUSE("set large-comm-list WORD$list delete", "no set large-comm-list [WORD delete]",
		    SET_HELP "set BGP large community list (for deletion)\nLarge-community-list name\n"
			     "Delete matching large communities\n",
		    cmd_set_list_delete),
	{NODE_ROUTE_MAP, "set as-path prepend <last-as (1-10)$count|LINE$asns>", SET_HELP "Transform BGP AS-path "
	 "attribute\nPrepend to the as-path\nUse the last AS-number in the as-path\nNumber of times to insert\n"
	 "AS numbers to prepend\n", cmd_set_prepend, 0},
	{NODE_ROUTE_MAP, "no set as-path prepend [LINE]", NO_HELP SET_HELP "Transform BGP AS-path attribute\n"
	 "Prepend to the as-path\nAS numbers to prepend\n", cmd_set_prepend, 0},
	RMAP_CLAUSE("set ip next-hop <A.B.C.D$addr|peer-address>", "no set ip next-hop [<A.B.C.D|peer-address>]",
		    SET_HELP "IP information\nNext hop address\nIP address of next hop\nUse peer address (for BGP only)\n",
		    cmd_set_nexthop),
	RMAP_CLAUSE("set ipv6 next-hop global X:X::X:X$addr", "no set ipv6 next-hop global [X:X::X:X]",
		    SET_HELP "IPv6 information\nIPv6 next-hop address\nIPv6 global address\nIPv6 address of next hop\n",
		    cmd_set_nexthop),

	{NODE_ROUTE_MAP, "on-match next", "Exit policy on matches\nNext clause\n", cmd_on_match, 0},
	{NODE_ROUTE_MAP, "on-match goto (1-65535)$target", "Exit policy on matches\nGoto Clause number\nNumber\n",
	 cmd_on_match, 0},
	{NODE_ROUTE_MAP, "no on-match next", NO_HELP "Exit policy on matches\nNext clause\n", cmd_on_match, 0},
	{NODE_ROUTE_MAP, "no on-match goto [(1-65535)]", NO_HELP "Exit policy on matches\nGoto Clause number\nNumber\n",
	 cmd_on_match, 0},
	RMAP_CLAUSE("continue [(1-65535)$target]", "no continue [(1-65535)]",
		    "Continue on a different entry within the route-map\nRoute-map entry sequence number\n", cmd_on_match),
	RMAP_CLAUSE("call WORD$target", "no call [WORD]",
		    "Jump to another Route-Map after match+set\nTarget route-map name\n", cmd_call),
	RMAP_CLAUSE("description LINE$desc", "no description [LINE]",
		    "Route-map comment\nComment describing this route-map rule\n", cmd_rmap_description),

	{NODE_EXEC, "show ip prefix-list [WORD$name] [json]", SHOW_HELP "IP information\nBuild a prefix list\n"
	 "Name of a prefix list\n" JSON_HELP, cmd_show_plist, 0},
	{NODE_EXEC, "show ipv6 prefix-list [WORD$name] [json]", SHOW_HELP "IPv6 information\nBuild a prefix list\n"
	 "Name of a prefix list\n" JSON_HELP, cmd_show_plist, 0},
	{NODE_EXEC, "show bgp as-path-access-list [WORD$name] [json]", SHOW_HELP "BGP specific commands\n"
	 "List AS path access lists\nAS path access list name\n" JSON_HELP, cmd_show_aspath, 0},
	{NODE_EXEC, "show bgp community-list [WORD$name] [json]", SHOW_HELP "BGP specific commands\n"
	 "List community-list\nCommunity-list name\n" JSON_HELP, cmd_show_clist, 0},
	{NODE_EXEC, "show bgp large-community-list [WORD$name] [json]", SHOW_HELP "BGP specific commands\n"
	 "List large-community list\nLarge-community-list name\n" JSON_HELP, cmd_show_clist, 0},
	{NODE_EXEC, "show route-map [WORD$name] [json]", SHOW_HELP "route-map information\nroute-map name\n" JSON_HELP,
	 cmd_show_rmap, 0},
};

int cli_register_policy_commands(struct cmd_registry *reg, char *err, size_t errlen)
{
	return cli_register_all(reg, policy_commands, sizeof(policy_commands) / sizeof(policy_commands[0]), err,
				errlen);
}
