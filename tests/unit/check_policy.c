/*
 * Policy evaluation: prefix-lists (ge/le edges, the trie against a linear
 * reference), AS-path regexes with FRR's `_`, community parsing and
 * community lists, every route-map match and set clause, on-match / call /
 * continue control flow, hit counters, and the change signatures.
 * Objects are configured through the CLI, as an operator would.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"
#include "policy_internal.h"
#include "unit.h"

static struct routed_config *cfg;

static void setup(void)
{
	cli_harness_setup();
	cfg = NULL;
}

static void teardown(void)
{
	rcfg_free(cfg);
	cli_harness_teardown();
}

/* Configure text (replacing what the test configured before). */
static struct policy_config *configure(const char *text)
{
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	rcfg_free(cfg);
	cfg = NULL;
	int rc = cli_load_text(&env, "t", text, strlen(text), err, &cfg);
	fclose(err);
	ck_assert_msg(rc == 0, "%s", errbuf);
	return cfg->policy;
}

static struct prefix pfx(const char *text)
{
	struct prefix p;

	ck_assert_msg(prefix_parse(text, &p) == 0, "%s", text);
	return p;
}

/* ---- a route to evaluate --------------------------------------------------------------- */

struct route {
	struct prefix prefix;
	struct bgp_attrs attrs;
	struct bgp_as_segment segs[4];
	uint32_t asns[4][16];
	uint32_t comms[16];
	struct bgp_large_community lcomms[8];
	struct policy_peer peer;
	struct policy_route r;
};

/* path: "64512 64513 {64514,64515}"; comms: "64512:1 no-export"; lcomms: "1:2:3". */
static void route_init(struct route *rt, const char *prefix, const char *path, const char *comms, const char *lcomms)
{
	memset(rt, 0, sizeof(*rt));
	rt->prefix = pfx(prefix);
	rt->attrs.present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
	rt->attrs.origin = BGP_ORIGIN_IGP;
	rt->attrs.aspath.segs = rt->segs;
	char buf[256];
	snprintf(buf, sizeof(buf), "%s", path);
	size_t nseg = 0;
	for (char *p = buf; *p != '\0';) {
		bool set = *p == '{';
		if (set)
			p++;
		struct bgp_as_segment *seg = &rt->segs[nseg];
		seg->type = set ? BGP_AS_SET : BGP_AS_SEQUENCE;
		seg->asns = rt->asns[nseg];
		while (*p != '\0' && *p != '{' && *p != '}') {
			char *end;
			unsigned long v = strtoul(p, &end, 10);
			if (end == p) {
				p++;
				continue;
			}
			seg->asns[seg->count++] = (uint32_t)v;
			p = end;
		}
		if (*p == '}')
			p++;
		while (*p == ' ')
			p++;
		if (seg->count > 0)
			nseg++;
	}
	rt->attrs.aspath.nsegs = nseg;
	if (comms != NULL) {
		snprintf(buf, sizeof(buf), "%s", comms);
		char *save = NULL;
		for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			ck_assert(policy_community_parse(tok, &rt->comms[rt->attrs.ncommunities++]) == 0);
		rt->attrs.communities = rt->comms;
		rt->attrs.present |= BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES);
	}
	if (lcomms != NULL) {
		snprintf(buf, sizeof(buf), "%s", lcomms);
		char *save = NULL;
		for (char *tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
			ck_assert(policy_lcommunity_parse(tok, &rt->lcomms[rt->attrs.nlarge_communities++]) == 0);
		rt->attrs.large_communities = rt->lcomms;
		rt->attrs.present |= BGP_ATTR_MASK(BGP_ATTR_LARGE_COMMUNITIES);
	}
	bgp_attrs_normalize(&rt->attrs);
	rt->peer = (struct policy_peer){.addr = pfx("192.0.2.2"), .asn = 64512, .ebgp = true};
	rt->r = (struct policy_route){.prefix = &rt->prefix, .attrs = &rt->attrs, .peer = &rt->peer, .weight = 0};
}

static uint8_t arena_buf[65536];
static struct bgp_arena arena;
static struct bgp_attrs result;
static uint32_t weight;

/* Apply route-map name to rt; the input must come out untouched. */
static enum policy_result apply(struct policy_config *pc, const char *name, struct route *rt)
{
	struct bgp_attrs before = rt->attrs;
	uint64_t hash = bgp_attrs_hash(&rt->attrs);

	bgp_arena_init(&arena, arena_buf, sizeof(arena_buf));
	enum policy_result res = route_map_apply(pc, route_map_find(pc, name), &rt->r, &arena, &result, &weight);
	ck_assert(memcmp(&before, &rt->attrs, sizeof(before)) == 0);
	ck_assert(bgp_attrs_hash(&rt->attrs) == hash);
	return res;
}

static const char *comms_of(const struct bgp_attrs *a)
{
	static char buf[512];

	if (!(a->present & BGP_ATTR_MASK(BGP_ATTR_COMMUNITIES)))
		return "(none)";
	policy_community_format(a->communities, a->ncommunities, buf, sizeof(buf));
	return buf;
}

static const char *lcomms_of(const struct bgp_attrs *a)
{
	static char buf[512];

	if (!(a->present & BGP_ATTR_MASK(BGP_ATTR_LARGE_COMMUNITIES)))
		return "(none)";
	bgp_large_communities_format(a->large_communities, a->nlarge_communities, buf, sizeof(buf));
	return buf;
}

static const char *path_of(const struct bgp_attrs *a)
{
	static char buf[512];

	bgp_aspath_format(&a->aspath, buf, sizeof(buf));
	return buf;
}

/* ---- prefix-lists ---------------------------------------------------------------------- */

struct plist_case {
	const char *entry; /* after "ip prefix-list L seq 5 " or "ipv6 ..." */
	const char *route;
	bool permit;
};

static const struct plist_case plist_cases[] = {
	{"permit 0.0.0.0/0", "0.0.0.0/0", true},
	{"permit 0.0.0.0/0", "198.18.0.0/15", false}, /* exact length without ge/le */
	{"permit 0.0.0.0/0 le 32", "198.18.1.1/32", true},
	{"permit any", "198.18.1.1/32", true},
	{"permit any", "0.0.0.0/0", true},
	{"permit 0.0.0.0/0 ge 32", "203.0.113.9/32", true},
	{"permit 0.0.0.0/0 ge 32", "203.0.113.0/31", false},
	{"permit 198.18.0.0/15 ge 24 le 24", "198.18.7.0/24", true},
	{"permit 198.18.0.0/15 ge 24 le 24", "198.18.7.0/25", false},
	{"permit 198.18.0.0/15 ge 24 le 24", "198.18.0.0/23", false},
	{"permit 198.18.0.0/15 le 16", "198.18.0.0/15", true},
	{"permit 198.18.0.0/15 le 16", "198.19.0.0/16", true},
	{"permit 198.18.0.0/15 le 16", "198.19.0.0/17", false},
	{"permit 198.18.0.0/15 le 15", "198.18.0.0/15", true}, /* le == len is exact */
	{"permit 198.18.0.0/15 ge 16", "198.19.255.255/32", true},
	{"permit 198.18.0.0/15 ge 16", "198.20.0.0/16", false}, /* outside the prefix */
	{"permit 203.0.113.7/32", "203.0.113.7/32", true},
	{"permit 203.0.113.7/32", "203.0.113.6/32", false},
	{"deny 198.18.0.0/15 le 32", "198.18.0.0/24", false},
	{"permit ::/0", "::/0", true},
	{"permit ::/0 le 128", "2001:db8::1/128", true},
	{"permit 2001:db8::/32 ge 48 le 48", "2001:db8:5::/48", true},
	{"permit 2001:db8::/32 ge 48 le 48", "2001:db8:5::/47", false},
	{"permit 2001:db8::1/128", "2001:db8::1/128", true},
	{"permit 2001:db8::1/128", "2001:db8::2/128", false},
	{"permit 2001:db8::/32 ge 128", "2001:db8::7/128", true},
	{"permit 2001:db8::/32 le 64", "2001:db9::/64", false},
};

START_TEST(test_prefix_list_edges)
{
	const struct plist_case *c = &plist_cases[_i];
	struct prefix route = pfx(c->route);
	char text[256];

	snprintf(text, sizeof(text), "%s prefix-list L seq 5 %s\n", route.family == AF_INET ? "ip" : "ipv6", c->entry);
	struct policy_config *pc = configure(text);
	ck_assert_msg(prefix_list_apply(pc, route.family, "L", &route) == (c->permit ? POLICY_PERMIT : POLICY_DENY),
		      "%s against %s", c->entry, c->route);
	/* The other family's list of the same name does not exist: deny. */
	ck_assert(prefix_list_apply(pc, route.family == AF_INET ? AF_INET6 : AF_INET, "L", &route) == POLICY_DENY);
}
END_TEST

START_TEST(test_prefix_list_empty_and_undefined)
{
	struct prefix p = pfx("198.18.0.0/24");
	struct policy_config *pc = configure("ip prefix-list EMPTY description nothing in it\n");

	/* FRR: a list without entries permits, an undefined one denies. */
	ck_assert(prefix_list_apply(pc, AF_INET, "EMPTY", &p) == POLICY_PERMIT);
	ck_assert(prefix_list_apply(pc, AF_INET, "NOPE", &p) == POLICY_DENY);
	/* First match by sequence, wherever the entries sit in the trie. */
	pc = configure("ip prefix-list L seq 20 permit 198.18.0.0/24\n"
		       "ip prefix-list L seq 10 deny 198.18.0.0/16 le 24\n"
		       "ip prefix-list L seq 30 permit 0.0.0.0/0 le 32\n");
	ck_assert(prefix_list_apply(pc, AF_INET, "L", &p) == POLICY_DENY);
	struct prefix q = pfx("198.18.0.0/25");
	ck_assert(prefix_list_apply(pc, AF_INET, "L", &q) == POLICY_PERMIT);
	struct prefix r = pfx("203.0.113.0/24");
	ck_assert(prefix_list_apply(pc, AF_INET, "L", &r) == POLICY_PERMIT);
}
END_TEST

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static struct prefix random_prefix(int family, unsigned maxlen_cap)
{
	struct prefix p = {.family = (uint8_t)family};
	unsigned max = prefix_max_len(family);

	/* Few distinct top bits, so entries and routes overlap a lot. */
	for (unsigned i = 0; i < max / 8; i++)
		p.addr[i] = (uint8_t)rnd();
	p.addr[0] = (uint8_t)(family == AF_INET ? 198 : 0x20);
	p.addr[1] = (uint8_t)(p.addr[1] & 0x3);
	p.len = (uint8_t)(rnd() % (maxlen_cap + 1));
	prefix_normalize(&p);
	return p;
}

/* The compiled trie agrees with the definition (first entry by sequence
 * that matches) on random lists and routes, both families. */
START_TEST(test_prefix_trie_matches_reference)
{
	int family = _i == 0 ? AF_INET : AF_INET6;
	unsigned max = prefix_max_len(family);
	struct prefix_list pl = {.family = (uint8_t)family};

	rng_state = 12345 + (uint64_t)_i;
	for (int round = 0; round < 20; round++) {
		pl.count = 0;
		size_t n = 1 + rnd() % 300;
		struct plist_entry *entries = calloc(n, sizeof(*entries));
		for (size_t i = 0; i < n; i++) {
			struct plist_entry *e = &entries[i];
			e->seq = (uint32_t)(i + 1) * 5;
			e->permit = rnd() & 1;
			e->prefix = random_prefix(family, family == AF_INET ? 28 : 64);
			unsigned kind = rnd() % 4, len = e->prefix.len;
			if (kind == 1 && len < max)
				e->ge = (uint8_t)(len + 1 + rnd() % (max - len));
			if (kind == 2)
				e->le = (uint8_t)(len + rnd() % (max - len + 1));
			if (kind == 3 && len < max) {
				e->ge = (uint8_t)(len + 1 + rnd() % (max - len));
				e->le = (uint8_t)(e->ge + rnd() % (max - e->ge + 1));
			}
		}
		pl.entries = entries;
		pl.count = n;
		struct plist_trie *t = plist_trie_build(&pl);
		ck_assert_ptr_nonnull(t);
		for (int q = 0; q < 5000; q++) {
			struct prefix p = random_prefix(family, family == AF_INET ? 32 : 80);
			const struct plist_entry *want = NULL;
			for (size_t i = 0; i < n && want == NULL; i++)
				if (plist_entry_matches(&entries[i], &p))
					want = &entries[i];
			const struct plist_entry *got = plist_trie_lookup(t, &p);
			ck_assert_msg((want == NULL) == (got == NULL), "round %d query %d", round, q);
			if (want != NULL)
				ck_assert_uint_eq(want->seq, got->seq);
		}
		plist_trie_free(t);
		free(entries);
	}
}
END_TEST

/* ---- regexes and communities ------------------------------------------------------------ */

struct regex_case {
	const char *regex;
	const char *path;
	bool match;
};

static const struct regex_case regex_cases[] = {
    {"_64512_", "64511 64512 64513", true},
    {"_64512_", "64512", true},
    {"_64512_", "645120 64513", false},
    {"_64512_", "164512", false},
    {"_64514_", "64512 {64514,64515}", true}, /* after a brace */
    {"_64515_", "64512 {64514,64515}", true}, /* before a brace, after a comma */
    {"^64512_", "64512 64513", true},
    {"^64512_", "64511 64512", false},
    {"_64513$", "64512 64513", true},
    {"^$", "", true}, /* an empty path (iBGP, local) */
    {"^$", "64512", false},
    {".*", "", true},
    {"^64512 64513$", "64512 64513", true},
    {"^(64512_)+64513$", "64512 64512 64512 64513", true},
    {"_6451[0-9]_", "65000 64515 65001", true},
    /* `^N_` is decided on the AS numbers when the path starts with a
     * sequence; the rest go to the regular expression. */
    {"^64512_", "64512", true},
    {"^6451_", "64512 64513", false},
    {"^64512_", "{64512,64513}", false},
    {"^64512_", "{64512} 64512", false},
    {"^64512_", "", false},
    {"^064512_", "64512", false},
    {"^4294967295_", "4294967295 64512", true},
};

START_TEST(test_aspath_regex_underscore)
{
	const struct regex_case *c = &regex_cases[_i];
	char text[512];
	struct route rt;

	snprintf(text, sizeof(text), "bgp as-path access-list A permit %s\n"
				     "route-map M permit 10\n match as-path A\n", c->regex);
	struct policy_config *pc = configure(text);
	route_init(&rt, "198.18.0.0/24", c->path, NULL, NULL);
	ck_assert_msg(apply(pc, "M", &rt) == (c->match ? POLICY_PERMIT : POLICY_DENY), "%s on '%s'", c->regex, c->path);
	/* Again: this time the verdict comes from the cache. */
	ck_assert(apply(pc, "M", &rt) == (c->match ? POLICY_PERMIT : POLICY_DENY));
}
END_TEST

START_TEST(test_aspath_confed_and_deny_entries)
{
	struct route rt;
	struct policy_config *pc = configure("bgp as-path access-list A seq 5 deny _64999_\n"
					     "bgp as-path access-list A seq 10 permit .*\n"
					     "route-map M permit 10\n match as-path A\n");

	route_init(&rt, "198.18.0.0/24", "64512 64999", NULL, NULL);
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	route_init(&rt, "198.18.0.0/24", "64512 64998", NULL, NULL);
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
	/* A confederation sequence prints in parentheses: `_` stops there. */
	rt.segs[0].type = BGP_AS_CONFED_SEQUENCE;
	rt.segs[0].asns[1] = 64999;
	ck_assert_str_eq(path_of(&rt.attrs), "(64512 64999)");
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
}
END_TEST

/* The verdict cache tries the last path first: it must follow the path's
 * content, not the memory it sits in (an UPDATE's arena is reused). */
START_TEST(test_aspath_cache_follows_content)
{
	struct route rt;
	struct policy_config *pc = configure("bgp as-path access-list A seq 5 permit ^64512_\n"
					     "route-map M permit 10\n match as-path A\n");

	route_init(&rt, "198.18.0.0/24", "64512 64520", NULL, NULL);
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
	rt.segs[0].asns[0] = 64513; /* same memory, another path */
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	rt.segs[0].asns[0] = 64512;
	rt.segs[0].count = 1; /* "64512": a prefix of the words kept */
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
	rt.segs[0].asns[0] = 64513;
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	rt.attrs.aspath.nsegs = 0; /* the empty path */
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	rt.attrs.aspath.nsegs = 1;
	rt.segs[0].asns[0] = 64512;
	rt.segs[0].count = 2;
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
}
END_TEST

START_TEST(test_community_parsing)
{
	static const struct {
		const char *text;
		uint32_t value;
	} good[] = {
		{"0:0", 0}, {"internet", 0}, {"65535:65535", 0xffffffff}, {"64512:100", 64512u << 16 | 100},
		{"no-export", 0xFFFFFF01}, {"no-advertise", 0xFFFFFF02}, {"local-AS", 0xFFFFFF03},
		{"blackhole", 0xFFFF029A}, {"graceful-shutdown", 0xFFFF0000}, {"no-peer", 0xFFFFFF04},
		{"accept-own", 0xFFFF0001},
	};
	static const char *const bad[] = {"65536:1", "1:65536", "1", "1:", ":1", "a:b", "no_export",
					  "local-as", "-1:2", "1:2:3", "01:2", ""};
	uint32_t v;

	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		ck_assert_msg(policy_community_parse(good[i].text, &v) == 0, "%s", good[i].text);
		ck_assert_uint_eq(v, good[i].value);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(policy_community_parse(bad[i], &v) == -1, "%s", bad[i]);
	struct bgp_large_community lc;
	ck_assert(policy_lcommunity_parse("4294967295:0:7", &lc) == 0);
	ck_assert_uint_eq(lc.global, 4294967295u);
	ck_assert_uint_eq(lc.local2, 7);
	ck_assert(policy_lcommunity_parse("4294967296:0:7", &lc) == -1);
	ck_assert(policy_lcommunity_parse("1:2", &lc) == -1);
	uint32_t list[] = {0xFFFFFF01, 64512u << 16 | 1, 0};
	char text[128];
	size_t n = policy_comms_sort(list, 3);
	policy_community_format(list, n, text, sizeof(text));
	ck_assert_str_eq(text, "internet 64512:1 no-export");
}
END_TEST

START_TEST(test_community_lists)
{
	struct route rt;
	struct policy_config *pc = configure(
		"bgp community-list standard BOTH permit 64512:1 64512:2\n"
		"bgp community-list standard NOEXP seq 5 deny no-export\n"
		"bgp community-list standard NOEXP seq 10 permit internet\n"
		"bgp community-list expanded RX permit ^64512:[0-9]+ no-export$\n"
		"bgp large-community-list standard LC permit 64512:1:1\n"
		"bgp large-community-list expanded LCX permit _64512:2:[0-9]+$\n"
		"route-map BOTH permit 10\n match community BOTH\n"
		"route-map EXACT permit 10\n match community BOTH exact-match\n"
		"route-map NOEXP permit 10\n match community NOEXP\n"
		"route-map RX permit 10\n match community RX\n"
		"route-map LC permit 10\n match large-community LC\n"
		"route-map LCE permit 10\n match large-community LC exact-match\n"
		"route-map LCX permit 10\n match large-community LCX\n"
		"route-map UNDEF permit 10\n match community NOPE\n");

	route_init(&rt, "198.18.0.0/24", "64512", "64512:2 64512:1 64512:3", "64512:1:1 64512:2:9");
	ck_assert(apply(pc, "BOTH", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "EXACT", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "NOEXP", &rt) == POLICY_PERMIT); /* internet matches all */
	ck_assert(apply(pc, "RX", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "LC", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "LCE", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "LCX", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "UNDEF", &rt) == POLICY_DENY); /* undefined list: no match */
	route_init(&rt, "198.18.0.0/24", "64512", "64512:1 64512:2", "64512:1:1");
	ck_assert(apply(pc, "EXACT", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "LCE", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "LCX", &rt) == POLICY_DENY);
	route_init(&rt, "198.18.0.0/24", "64512", "64512:7 no-export", NULL);
	ck_assert(apply(pc, "NOEXP", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "RX", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "BOTH", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "LC", &rt) == POLICY_DENY); /* no large communities at all */
	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "NOEXP", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "BOTH", &rt) == POLICY_DENY);
}
END_TEST

/* ---- match clauses -------------------------------------------------------------------------- */

START_TEST(test_match_clauses)
{
	struct route rt;
	struct policy_config *pc = configure(
		"ip prefix-list P4 permit 198.18.0.0/15 le 24\n"
		"ipv6 prefix-list P6 permit 2001:db8::/32 le 48\n"
		"route-map V4 permit 10\n match ip address prefix-list P4\n"
		"route-map V6 permit 10\n match ipv6 address prefix-list P6\n"
		"route-map V4U permit 10\n match ip address prefix-list NOPE\n"
		"route-map PEER permit 10\n match peer 192.0.2.2\n"
		"route-map PEER6 permit 10\n match peer 2001:db8::2\n"
		"route-map ORIGIN permit 10\n match origin incomplete\n"
		"route-map MED permit 10\n match metric 50\n"
		"route-map MED0 permit 10\n match metric 0\n"
		"route-map LP permit 10\n match local-preference 200\n"
		"route-map ALL permit 10\n match ip address prefix-list P4\n match peer 192.0.2.2\n match origin igp\n"
		"route-map NONE permit 10\n");

	route_init(&rt, "198.18.4.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "V4", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "V6", &rt) == POLICY_DENY); /* an IPv4 route never matches an ipv6 list */
	ck_assert(apply(pc, "V4U", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "PEER", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "PEER6", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "ORIGIN", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "MED", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "MED0", &rt) == POLICY_PERMIT); /* absent MED compares as 0, as FRR */
	ck_assert(apply(pc, "LP", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "ALL", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "NONE", &rt) == POLICY_PERMIT); /* no match clause: matches */
	ck_assert(apply(pc, "MISSING", &rt) == POLICY_DENY); /* undefined route-map denies */
	rt.attrs.origin = BGP_ORIGIN_INCOMPLETE;
	rt.attrs.med = 50;
	rt.attrs.local_pref = 200;
	rt.attrs.present |= BGP_ATTR_MASK(BGP_ATTR_MED) | BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF);
	ck_assert(apply(pc, "ORIGIN", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "MED", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "LP", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "ALL", &rt) == POLICY_DENY); /* every clause must match */
	route_init(&rt, "198.18.4.0/25", "64512", NULL, NULL);
	ck_assert(apply(pc, "V4", &rt) == POLICY_DENY);
	route_init(&rt, "2001:db8:1::/48", "64512", NULL, NULL);
	ck_assert(apply(pc, "V6", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "V4", &rt) == POLICY_DENY);
	rt.peer.addr = pfx("2001:db8::2");
	ck_assert(apply(pc, "PEER6", &rt) == POLICY_PERMIT);
	ck_assert(apply(pc, "PEER", &rt) == POLICY_DENY);
}
END_TEST

/* ---- set clauses ------------------------------------------------------------------------------ */

START_TEST(test_set_scalars)
{
	struct route rt;
	struct policy_config *pc = configure(
		"route-map LP permit 10\n set local-preference 300\n"
		"route-map MED permit 10\n set metric 70\n"
		"route-map ADD permit 10\n set metric +4294967000\n"
		"route-map SUB permit 10\n set metric -30\n"
		"route-map W permit 10\n set weight 500\n"
		"route-map O permit 10\n set origin egp\n"
		"route-map NH permit 10\n set ip next-hop 198.51.100.9\n"
		"route-map NHP permit 10\n set ip next-hop peer-address\n"
		"route-map NH6 permit 10\n set ipv6 next-hop global 2001:db8::99\n");

	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	rt.r.weight = 7;
	ck_assert(apply(pc, "LP", &rt) == POLICY_PERMIT);
	ck_assert(result.present & BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF));
	ck_assert_uint_eq(result.local_pref, 300);
	ck_assert_uint_eq(weight, 7); /* untouched weight passes through */
	ck_assert(apply(pc, "MED", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.med, 70);
	rt.attrs.med = 1000;
	rt.attrs.present |= BGP_ATTR_MASK(BGP_ATTR_MED);
	ck_assert(apply(pc, "ADD", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.med, 4294967295u); /* saturates */
	ck_assert(apply(pc, "SUB", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.med, 970);
	rt.attrs.med = 10;
	ck_assert(apply(pc, "SUB", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.med, 0); /* stops at 0 */
	ck_assert(apply(pc, "W", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(weight, 500);
	ck_assert(apply(pc, "O", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.origin, BGP_ORIGIN_EGP);
	ck_assert(apply(pc, "NH", &rt) == POLICY_PERMIT);
	ck_assert(result.present & BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP));
	ck_assert(memcmp(result.nexthop, (uint8_t[]){198, 51, 100, 9}, 4) == 0);
	ck_assert(apply(pc, "NHP", &rt) == POLICY_PERMIT);
	ck_assert(memcmp(result.nexthop, (uint8_t[]){192, 0, 2, 2}, 4) == 0);
	struct prefix local = pfx("192.0.2.1");
	rt.r.local_addr = &local; /* export: peer-address is our side */
	ck_assert(apply(pc, "NHP", &rt) == POLICY_PERMIT);
	ck_assert(memcmp(result.nexthop, (uint8_t[]){192, 0, 2, 1}, 4) == 0);
	ck_assert(apply(pc, "NH6", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.mp_nexthop.family, AF_INET6);
	struct prefix nh6 = pfx("2001:db8::99");
	ck_assert(memcmp(result.mp_nexthop.global, nh6.addr, 16) == 0);
}
END_TEST

START_TEST(test_set_communities)
{
	struct route rt;
	struct policy_config *pc = configure(
		"bgp community-list standard DEL permit 64512:1\n"
		"bgp community-list standard DEL permit no-export\n"
		"bgp community-list expanded DELX permit ^64513:\n"
		"bgp large-community-list standard LDEL permit 1:1:1\n"
		"route-map REPLACE permit 10\n set community 64999:1 no-advertise\n"
		"route-map ADD permit 10\n set community 64999:1 64512:1 additive\n"
		"route-map NONE permit 10\n set community none\n"
		"route-map DEL permit 10\n set comm-list DEL delete\n"
		"route-map DELX permit 10\n set comm-list DELX delete\n"
		"route-map DELU permit 10\n set comm-list NOPE delete\n"
		"route-map LSET permit 10\n set large-community 9:9:9\n"
		"route-map LADD permit 10\n set large-community 9:9:9 1:1:0 additive\n"
		"route-map LNONE permit 10\n set large-community none\n"
		"route-map LDEL permit 10\n set large-comm-list LDEL delete\n"
		"route-map BOTH permit 10\n set community 64512:1 64512:5\n set comm-list DEL delete\n");

	route_init(&rt, "198.18.0.0/24", "64512", "64512:1 64513:7 no-export", "1:1:1 2:2:2");
	ck_assert(apply(pc, "REPLACE", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64999:1 no-advertise");
	ck_assert(apply(pc, "ADD", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64512:1 64513:7 64999:1 no-export");
	ck_assert(apply(pc, "NONE", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "(none)");
	ck_assert(apply(pc, "DEL", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64513:7");
	ck_assert(apply(pc, "DELX", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64512:1 no-export");
	ck_assert(apply(pc, "DELU", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64512:1 64513:7 no-export");
	ck_assert(apply(pc, "BOTH", &rt) == POLICY_PERMIT); /* set first, then delete */
	ck_assert_str_eq(comms_of(&result), "64512:5");
	ck_assert(apply(pc, "LSET", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(lcomms_of(&result), "9:9:9");
	ck_assert(apply(pc, "LADD", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(lcomms_of(&result), "1:1:0 1:1:1 2:2:2 9:9:9");
	ck_assert(apply(pc, "LNONE", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(lcomms_of(&result), "(none)");
	ck_assert(apply(pc, "LDEL", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(lcomms_of(&result), "2:2:2");
	/* Deleting every value removes the attribute. */
	route_init(&rt, "198.18.0.0/24", "64512", "64512:1", "1:1:1");
	ck_assert(apply(pc, "DEL", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "(none)");
	ck_assert(apply(pc, "LDEL", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(lcomms_of(&result), "(none)");
	/* additive on a route without communities */
	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "ADD", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(comms_of(&result), "64512:1 64999:1");
}
END_TEST

START_TEST(test_set_prepend)
{
	struct route rt;
	struct policy_config *pc = configure("route-map P permit 10\n set as-path prepend 64600 64601\n"
					     "route-map L permit 10\n set as-path prepend last-as 3\n");

	route_init(&rt, "198.18.0.0/24", "64512 64513 {64514,64515}", NULL, NULL);
	ck_assert(apply(pc, "P", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(path_of(&result), "64600 64601 64512 64513 {64514,64515}");
	ck_assert_uint_eq(result.aspath.nsegs, 2);
	ck_assert(apply(pc, "L", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(path_of(&result), "64512 64512 64512 64512 64513 {64514,64515}");
	/* A path starting with a set gets a new sequence in front. */
	route_init(&rt, "198.18.0.0/24", "{64514,64515}", NULL, NULL);
	ck_assert(apply(pc, "P", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(path_of(&result), "64600 64601 {64514,64515}");
	/* An empty path: last-as uses the peer's AS. */
	route_init(&rt, "198.18.0.0/24", "", NULL, NULL);
	ck_assert(apply(pc, "L", &rt) == POLICY_PERMIT);
	ck_assert_str_eq(path_of(&result), "64512 64512 64512");
	ck_assert_uint_eq(bgp_aspath_count(&result.aspath), 3);
}
END_TEST

/* ---- control flow ------------------------------------------------------------------------------- */

START_TEST(test_control_flow)
{
	struct route rt;
	struct policy_config *pc = configure(
		"ip prefix-list LAB permit 198.18.0.0/15 le 32\n"
		"route-map DENY deny 10\n match ip address prefix-list LAB\n"
		"route-map DENY permit 20\n set local-preference 50\n"
		"route-map NEXT permit 10\n set local-preference 150\n on-match next\n"
		"route-map NEXT permit 20\n match local-preference 150\n set metric 5\n"
		"route-map NEXT permit 30\n set metric 99\n"
		"route-map GOTO permit 10\n set local-preference 160\n on-match goto 30\n"
		"route-map GOTO permit 20\n set metric 20\n"
		"route-map GOTO permit 30\n set weight 30\n"
		"route-map CONT permit 10\n set weight 1\n continue 25\n"
		"route-map CONT deny 20\n"
		"route-map CONT permit 25\n match origin egp\n"
		"route-map CONT permit 30\n set metric 33\n"
		"route-map END permit 10\n set weight 2\n on-match goto 60\n"
		"route-map CALLER permit 10\n call CALLEE\n set local-preference 10\n on-match next\n"
		"route-map CALLER permit 20\n set weight 9\n"
		"route-map CALLEE permit 10\n set metric 77\n"
		"route-map CALLDENY permit 10\n call DENY\n"
		"route-map CALLUNDEF permit 10\n call NOWHERE\n set metric 8\n"
		"route-map LOOP permit 10\n call LOOP\n"
		"route-map IMPLICIT permit 10\n match origin egp\n");

	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "DENY", &rt) == POLICY_DENY);
	route_init(&rt, "203.0.113.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "DENY", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.local_pref, 50);

	/* on-match next: entry 20 sees the local-preference entry 10 set. */
	ck_assert(apply(pc, "NEXT", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.local_pref, 150);
	ck_assert_uint_eq(result.med, 5);

	ck_assert(apply(pc, "GOTO", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.local_pref, 160);
	ck_assert(!(result.present & BGP_ATTR_MASK(BGP_ATTR_MED))); /* 20 skipped */
	ck_assert_uint_eq(weight, 30);

	/* continue 25 skips the deny at 20; 25 does not match; 30 does. */
	ck_assert(apply(pc, "CONT", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(weight, 1);
	ck_assert_uint_eq(result.med, 33);

	/* goto past the last entry: the permit stands. */
	ck_assert(apply(pc, "END", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(weight, 2);

	/* call: the callee's sets, then ours, then on to entry 20. */
	ck_assert(apply(pc, "CALLER", &rt) == POLICY_PERMIT);
	ck_assert_uint_eq(result.med, 77);
	ck_assert_uint_eq(result.local_pref, 10);
	ck_assert_uint_eq(weight, 9);
	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "CALLDENY", &rt) == POLICY_DENY);
	ck_assert(apply(pc, "CALLUNDEF", &rt) == POLICY_PERMIT); /* an undefined callee is skipped */
	ck_assert_uint_eq(result.med, 8);
	ck_assert(apply(pc, "LOOP", &rt) == POLICY_DENY); /* the call depth limit */
	ck_assert(apply(pc, "IMPLICIT", &rt) == POLICY_DENY);

	/* Hit counters: FRR's "Invoked". */
	struct route_map *m = route_map_find(pc, "CALLEE");
	ck_assert_uint_eq(m->invoked, 1);
	ck_assert_uint_eq(m->entries[0].hits, 1);
	m = route_map_find(pc, "DENY");
	ck_assert_uint_eq(m->invoked, 3); /* twice directly, once through CALLDENY */
	ck_assert_uint_eq(m->entries[0].hits, 2);
	ck_assert_uint_eq(m->entries[1].hits, 1);
}
END_TEST

/* ---- change tracking ------------------------------------------------------------------------------ */

START_TEST(test_signatures)
{
	struct policy_config *pc = configure("ip prefix-list P permit 198.18.0.0/15\n"
					     "ip prefix-list OTHER permit 203.0.113.0/24\n"
					     "route-map A permit 10\n match ip address prefix-list P\n call B\n"
					     "route-map B permit 10\n match community C\n");
	uint64_t sig_a = route_map_signature(pc, "A"), sig_b = route_map_signature(pc, "B");
	uint64_t gen = policy_generation(pc);
	uint64_t sig_none = route_map_signature(pc, "NONE");

	ck_assert(sig_a != 0 && sig_b != 0 && sig_a != sig_b);
	/* An edit elsewhere changes the generation, not the signatures. */
	policy_touch(pc, &((struct prefix_list *)policy_set_find(&pc->plist4, "OTHER"))->head);
	ck_assert(policy_generation(pc) != gen);
	ck_assert_uint_eq(route_map_signature(pc, "A"), sig_a);
	ck_assert_uint_eq(route_map_signature(pc, "B"), sig_b);
	/* Creating the community-list B uses changes A (through call) and B. */
	struct cli_session s;
	cli_session_init(&s, &env, out);
	rcfg_free(env.running);
	env.running = rcfg_clone(cfg);
	s.node = NODE_CONFIG;
	ck_assert_int_eq(cli_execute(&s, "bgp community-list standard C permit 64512:1"), 0);
	pc = env.running->policy;
	ck_assert(route_map_signature(pc, "A") != sig_a);
	ck_assert(route_map_signature(pc, "B") != sig_b);
	uint64_t sig_a2 = route_map_signature(pc, "A");
	ck_assert_int_eq(cli_execute(&s, "no ip prefix-list P"), 0);
	ck_assert(route_map_signature(pc, "A") != sig_a2);
	ck_assert_uint_eq(route_map_signature(pc, "NONE"), sig_none);
	ck_assert_int_eq(cli_execute(&s, "route-map NONE permit 5"), 0);
	ck_assert(route_map_signature(pc, "NONE") != sig_none);
}
END_TEST

/* What `neighbor X filter-list` and `prefix-list` use, and their
 * signatures: an edit of the list (or its creation) changes the list's
 * signature, an edit of another object does not. */
START_TEST(test_list_apply_and_signatures)
{
	struct policy_config *pc = configure("bgp as-path access-list A seq 5 deny _64999_\n"
					     "bgp as-path access-list A seq 10 permit ^64512\n"
					     "ip prefix-list P permit 198.18.0.0/15 le 24\n"
					     "ipv6 prefix-list P deny 2001:db8::/32 le 128\n");
	struct route rt;

	route_init(&rt, "198.18.0.0/24", "64512 64513", NULL, NULL);
	ck_assert(as_path_list_apply(pc, "A", &rt.attrs.aspath) == POLICY_PERMIT);
	route_init(&rt, "198.18.0.0/24", "64512 64999", NULL, NULL);
	ck_assert(as_path_list_apply(pc, "A", &rt.attrs.aspath) == POLICY_DENY);
	route_init(&rt, "198.18.0.0/24", "64513", NULL, NULL);
	ck_assert(as_path_list_apply(pc, "A", &rt.attrs.aspath) == POLICY_DENY); /* no entry matched */
	ck_assert(as_path_list_apply(pc, "UNDEFINED", &rt.attrs.aspath) == POLICY_DENY);

	struct prefix v4 = pfx("198.18.1.0/24"), v6 = pfx("2001:db8:1::/48");
	ck_assert(prefix_list_apply(pc, AF_INET, "P", &v4) == POLICY_PERMIT);
	ck_assert(prefix_list_apply(pc, AF_INET6, "P", &v6) == POLICY_DENY);

	uint64_t sig_a = as_path_list_signature(pc, "A"), sig_p4 = prefix_list_signature(pc, AF_INET, "P");
	uint64_t sig_p6 = prefix_list_signature(pc, AF_INET6, "P"), sig_q = prefix_list_signature(pc, AF_INET, "Q");
	ck_assert(sig_a != 0 && sig_p4 != 0 && sig_p6 != 0 && sig_q != 0);
	ck_assert(sig_p4 != sig_p6 && sig_p4 != sig_q);

	char errbuf[256];
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct cli_session s;
	cli_session_init(&s, &env, err);
	rcfg_free(env.running);
	env.running = rcfg_clone(cfg);
	s.node = NODE_CONFIG;
	pc = env.running->policy;
	/* A clone keeps the signatures: a transaction changes nothing by itself. */
	ck_assert_uint_eq(as_path_list_signature(pc, "A"), sig_a);
	ck_assert_uint_eq(prefix_list_signature(pc, AF_INET, "P"), sig_p4);
	ck_assert_int_eq(cli_execute(&s, "ipv6 prefix-list P permit any"), 0);
	ck_assert_uint_eq(prefix_list_signature(pc, AF_INET, "P"), sig_p4);
	ck_assert(prefix_list_signature(pc, AF_INET6, "P") != sig_p6);
	ck_assert_uint_eq(as_path_list_signature(pc, "A"), sig_a);
	ck_assert_int_eq(cli_execute(&s, "bgp as-path access-list A seq 20 permit .*"), 0);
	ck_assert(as_path_list_signature(pc, "A") != sig_a);
	ck_assert_int_eq(cli_execute(&s, "ip prefix-list Q permit any"), 0);
	ck_assert(prefix_list_signature(pc, AF_INET, "Q") != sig_q);
	fclose(err);
}
END_TEST

START_TEST(test_clone_keeps_counters_and_evaluates)
{
	struct route rt;
	struct policy_config *pc = configure("ip prefix-list P permit 198.18.0.0/15 le 24\n"
					     "bgp as-path access-list A permit _64512_\n"
					     "route-map M permit 10\n match ip address prefix-list P\n match as-path A\n");

	route_init(&rt, "198.18.0.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "M", &rt) == POLICY_PERMIT);
	struct policy_config *copy = policy_config_clone(pc);
	ck_assert(policy_config_equal(pc, copy));
	ck_assert_uint_eq(route_map_find(copy, "M")->invoked, 1);
	ck_assert(apply(copy, "M", &rt) == POLICY_PERMIT); /* compiles afresh */
	route_init(&rt, "198.18.0.0/25", "64512", NULL, NULL);
	ck_assert(apply(copy, "M", &rt) == POLICY_DENY);
	ck_assert_uint_eq(route_map_find(copy, "M")->entries[0].hits, 2);
	policy_config_free(copy);
}
END_TEST

/* ---- memos: one walk for the routes of an UPDATE -----------------------------------------------
 */

/* A walk with a prefix-list in two entries, on-match next and a call.
 * For every pair of prefixes, a replay of the first one's memo must agree
 * with a full evaluation of the second, counters included. */
START_TEST(test_memo_replay_agrees_with_evaluation)
{
	static const char *const prefixes[] = {"198.18.1.0/24", "198.18.2.0/24",  "198.18.3.0/25",
	                                       "198.19.0.0/16", "203.0.113.0/24", "2001:db8::/48"};
	const size_t n = sizeof(prefixes) / sizeof(prefixes[0]);
	struct policy_config *pc =
	    configure("ip prefix-list P seq 5 deny 198.18.2.0/24\n"
	              "ip prefix-list P seq 10 permit 198.18.0.0/15 le 24\n"
	              "ip prefix-list Q permit 198.18.3.0/24 le 32\n"
	              "route-map M deny 5\n match ip address prefix-list Q\n"
	              "route-map M permit 10\n match ip address prefix-list P\n"
	              " set local-preference 200\n on-match next\n"
	              "route-map M permit 20\n match as-path A\n call C\n"
	              "route-map C permit 10\n set metric 7\n"
	              "bgp as-path access-list A permit ^64512_\n");

	for (size_t first = 0; first < n; first++) {
		for (size_t second = 0; second < n; second++) {
			struct policy_config *memo_pc = policy_config_clone(pc);
			struct policy_config *full_pc = policy_config_clone(pc);
			struct policy_memo memo;
			struct route rt;
			enum policy_result got, want;

			route_init(&rt, prefixes[first], "64512 64513", NULL, NULL);
			policy_memo_start(memo_pc, &memo);
			bgp_arena_init(&arena, arena_buf, sizeof(arena_buf));
			want = route_map_apply_memo(memo_pc, route_map_find(memo_pc, "M"), &rt.r,
			                            &arena, &result, &weight, &memo);
			ck_assert(memo.usable);
			ck_assert(route_map_apply(full_pc, route_map_find(full_pc, "M"), &rt.r,
			                          &arena, &result, &weight) == want);
			route_init(&rt, prefixes[second], "64512 64513", NULL, NULL);
			want = route_map_apply(full_pc, route_map_find(full_pc, "M"), &rt.r, &arena,
			                       &result, &weight);
			if (policy_memo_replay(memo_pc, &memo, &rt.prefix, &got)) {
				ck_assert_msg(got == want, "%s then %s", prefixes[first],
				              prefixes[second]);
			} else {
				/* Only a prefix that answers a test differently
				 * is refused. */
				ck_assert_msg(first != second, "%s refused its own memo",
				              prefixes[first]);
				route_map_apply(memo_pc, route_map_find(memo_pc, "M"), &rt.r,
				                &arena, &result, &weight);
			}
			const char *names[] = {"M", "C"};
			for (size_t k = 0; k < 2; k++) {
				struct route_map *a = route_map_find(memo_pc, names[k]),
				                 *b = route_map_find(full_pc, names[k]);
				ck_assert_uint_eq(a->invoked, b->invoked);
				for (size_t e = 0; e < a->count; e++)
					ck_assert_uint_eq(a->entries[e].hits, b->entries[e].hits);
			}
			policy_config_free(memo_pc);
			policy_config_free(full_pc);
		}
	}
}
END_TEST

/* The classic stale cache: a list edited between two routes of one
 * UPDATE. The memo must not answer for the old list. */
START_TEST(test_memo_refused_after_edit)
{
	struct cli_session s;
	struct policy_memo memo;
	struct route rt;
	enum policy_result got;

	configure("ip prefix-list P permit 198.18.0.0/15 le 24\n"
	          "route-map M permit 10\n match ip address prefix-list P\n");
	cli_session_init(&s, &env, out);
	rcfg_free(env.running);
	env.running = rcfg_clone(cfg);
	s.node = NODE_CONFIG;
	struct policy_config *pc = env.running->policy;

	route_init(&rt, "198.18.1.0/24", "64512", NULL, NULL);
	policy_memo_start(pc, &memo);
	bgp_arena_init(&arena, arena_buf, sizeof(arena_buf));
	ck_assert(route_map_apply_memo(pc, route_map_find(pc, "M"), &rt.r, &arena, &result, &weight,
	                               &memo) == POLICY_PERMIT);
	struct prefix next = pfx("198.18.2.0/24");
	ck_assert(policy_memo_replay(pc, &memo, &next, &got));
	ck_assert(got == POLICY_PERMIT);

	ck_assert_int_eq(cli_execute(&s, "ip prefix-list P seq 1 deny 198.18.2.0/24"), 0);
	pc = env.running->policy;
	ck_assert(!policy_memo_replay(pc, &memo, &next, &got));
	route_init(&rt, "198.18.2.0/24", "64512", NULL, NULL);
	ck_assert(apply(pc, "M", &rt) == POLICY_DENY);
	/* A memo recorded after the edit answers again, with the new list. */
	policy_memo_start(pc, &memo);
	ck_assert(route_map_apply_memo(pc, route_map_find(pc, "M"), &rt.r, &arena, &result, &weight,
	                               &memo) == POLICY_DENY);
	struct prefix other = pfx("198.18.3.0/24");
	ck_assert(!policy_memo_replay(pc, &memo, &other, &got)); /* P answers differently */
	ck_assert(policy_memo_replay(pc, &memo, &next, &got));
	ck_assert(got == POLICY_DENY);
}
END_TEST

/* A walk that does not fit the memo is not remembered, and an undefined
 * prefix-list is a test like another (it never passes). */
START_TEST(test_memo_limits_and_undefined_list)
{
	char text[4096];
	size_t len = 0;
	struct policy_memo memo;
	struct route rt;
	enum policy_result got;

	len += (size_t)snprintf(text + len, sizeof(text) - len,
	                        "ip prefix-list P permit 198.18.0.0/15 le 24\n");
	for (int i = 1; i <= POLICY_MEMO_STEPS + 1; i++)
		len += (size_t)snprintf(
		    text + len, sizeof(text) - len,
		    "route-map M permit %d\n match ip address prefix-list P\n on-match next\n", i);
	struct policy_config *pc = configure(text);
	route_init(&rt, "198.18.1.0/24", "64512", NULL, NULL);
	policy_memo_start(pc, &memo);
	bgp_arena_init(&arena, arena_buf, sizeof(arena_buf));
	ck_assert(route_map_apply_memo(pc, route_map_find(pc, "M"), &rt.r, &arena, &result, &weight,
	                               &memo) == POLICY_PERMIT);
	ck_assert(!memo.usable);
	ck_assert(!policy_memo_replay(pc, &memo, &rt.prefix, &got));

	pc = configure("route-map M permit 10\n match ip address prefix-list NONE\n");
	policy_memo_start(pc, &memo);
	ck_assert(route_map_apply_memo(pc, route_map_find(pc, "M"), &rt.r, &arena, &result, &weight,
	                               &memo) == POLICY_DENY);
	ck_assert(policy_memo_replay(pc, &memo, &rt.prefix, &got));
	ck_assert(got == POLICY_DENY);
	/* The neighbor's own prefix-list, asked outside a route-map. */
	pc = configure("ipv6 prefix-list V permit 2001:db8::/32 le 48\n");
	struct prefix v6 = pfx("2001:db8:1::/48"), v4 = pfx("198.18.0.0/24"),
	              v6long = pfx("2001:db8:1::/64");
	policy_memo_start(pc, &memo);
	ck_assert(prefix_list_apply_memo(pc, AF_INET6, "V", &v6, &memo) == POLICY_PERMIT);
	policy_memo_finish(&memo, POLICY_PERMIT);
	ck_assert(policy_memo_replay(pc, &memo, &v6, &got) && got == POLICY_PERMIT);
	ck_assert(!policy_memo_replay(pc, &memo, &v4, &got));
	ck_assert(!policy_memo_replay(pc, &memo, &v6long, &got));
}
END_TEST

static Suite *policy_suite(void)
{
	Suite *s = suite_create("policy");
	TCase *tc = tcase_create("policy");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_prefix_list_edges, 0, (int)(sizeof(plist_cases) / sizeof(plist_cases[0])));
	tcase_add_test(tc, test_prefix_list_empty_and_undefined);
	tcase_add_loop_test(tc, test_prefix_trie_matches_reference, 0, 2);
	tcase_add_loop_test(tc, test_aspath_regex_underscore, 0, (int)(sizeof(regex_cases) / sizeof(regex_cases[0])));
	tcase_add_test(tc, test_aspath_confed_and_deny_entries);
	tcase_add_test(tc, test_aspath_cache_follows_content);
	tcase_add_test(tc, test_list_apply_and_signatures);
	tcase_add_test(tc, test_community_parsing);
	tcase_add_test(tc, test_community_lists);
	tcase_add_test(tc, test_match_clauses);
	tcase_add_test(tc, test_set_scalars);
	tcase_add_test(tc, test_set_communities);
	tcase_add_test(tc, test_set_prepend);
	tcase_add_test(tc, test_control_flow);
	tcase_add_test(tc, test_signatures);
	tcase_add_test(tc, test_clone_keeps_counters_and_evaluates);
	tcase_add_test(tc, test_memo_replay_agrees_with_evaluation);
	tcase_add_test(tc, test_memo_refused_after_edit);
	tcase_add_test(tc, test_memo_limits_and_undefined_list);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(policy_suite());
}
