/*
 * Policy configuration through the CLI: a configuration using every
 * command round-trips print -> parse -> print; FRR's automatic sequence
 * numbers and duplicate rules; `no` forms; every bad input gives one clear
 * line and changes nothing, in a transaction too; the route-map node; and
 * the show commands' JSON.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli_harness.h"
#include "policy.h"
#include "unit.h"

static struct cli_session s;

static void setup(void)
{
	cli_harness_setup();
	cli_session_init(&s, &env, out);
	ck_assert_int_eq(cli_execute(&s, "configure terminal"), 0);
}

/* Everything, in FRR's syntax, out of canonical order and with
 * abbreviations where FRR users type them. */
static const char full_input[] =
	"hostname pol\n"
	"route-map IMPORT permit 10\n"
	" description from the transit\n"
	" match ip address prefix-list LAB\n"
	" match as-path FROM-64512\n"
	" match community TAGGED exact-match\n"
	" match large-community LTAG\n"
	" match peer 192.0.2.2\n"
	" match origin igp\n"
	" match metric 10\n"
	" match local-preference 100\n"
	" set local-preference 200\n"
	" set metric +5\n"
	" set weight 100\n"
	" set community 64512:300 no-export additive\n"
	" set comm-list STRIP delete\n"
	" set large-community 64512:1:1\n"
	" set large-comm-list LSTRIP delete\n"
	" set as-path prepend 64512 64512\n"
	" set ip next-hop peer-address\n"
	" set origin incomplete\n"
	" call COMMON\n"
	" on-match next\n"
	"route-map IMPORT deny 20\n"
	" match ipv6 address prefix-list LAB6\n"
	" set ipv6 next-hop global 2001:db8::1\n"
	"exit\n"
	"route-map IMPORT permit 30\n"
	" continue 40\n"
	" set as-path prepend last-as 2\n"
	" set metric -3\n"
	" set community none\n"
	" set ip next-hop 198.51.100.1\n"
	"route-map COMMON permit 5\n"
	" set large-community none\n"
	"ip prefix-list LAB seq 10 deny 198.18.128.0/17 le 32\n"
	"ip prefix-list LAB permit 198.18.0.0/15 ge 24 le 32\n"
	"ip prefix-list LAB description lab space\n"
	"ip prefix-list ANY permit any\n"
	"ipv6 prefix-list LAB6 permit 2001:db8::/32 le 64\n"
	"ipv6 prefix-list LAB6 seq 3 deny 2001:db8:1::/48 ge 64 le 64\n"
	"bgp as-path access-list FROM-64512 permit ^64512_\n"
	"bgp as-path access-list FROM-64512 deny _6450[0-9]_\n"
	"bgp community-list standard TAGGED permit 64512:100 no-export 64512:1\n"
	"bgp community-list expanded STRIP permit ^64512:[0-9]+$\n"
	"bgp large-community-list standard LTAG seq 7 permit 64512:1:2 64512:1:1\n"
	"bgp large-community-list expanded LSTRIP permit ^64512:\n";

static const char full_output[] =
	"hostname pol\n"
	"!\n"
	"ip prefix-list ANY seq 5 permit any\n"
	"ip prefix-list LAB description lab space\n"
	"ip prefix-list LAB seq 10 deny 198.18.128.0/17 le 32\n"
	"ip prefix-list LAB seq 15 permit 198.18.0.0/15 ge 24\n"
	"!\n"
	"ipv6 prefix-list LAB6 seq 3 deny 2001:db8:1::/48 ge 64 le 64\n"
	"ipv6 prefix-list LAB6 seq 5 permit 2001:db8::/32 le 64\n"
	"!\n"
	"bgp as-path access-list FROM-64512 seq 5 permit ^64512_\n"
	"bgp as-path access-list FROM-64512 seq 10 deny _6450[0-9]_\n"
	"!\n"
	"bgp community-list expanded STRIP seq 5 permit ^64512:[0-9]+$\n"
	"bgp community-list standard TAGGED seq 5 permit 64512:1 64512:100 no-export\n"
	"!\n"
	"bgp large-community-list expanded LSTRIP seq 5 permit ^64512:\n"
	"bgp large-community-list standard LTAG seq 7 permit 64512:1:1 64512:1:2\n"
	"!\n"
	"route-map COMMON permit 5\n"
	" set large-community none\n"
	"exit\n"
	"!\n"
	"route-map IMPORT permit 10\n"
	" description from the transit\n"
	" match as-path FROM-64512\n"
	" match community TAGGED exact-match\n"
	" match ip address prefix-list LAB\n"
	" match large-community LTAG\n"
	" match local-preference 100\n"
	" match metric 10\n"
	" match origin igp\n"
	" match peer 192.0.2.2\n"
	" set as-path prepend 64512 64512\n"
	" set comm-list STRIP delete\n"
	" set community 64512:300 no-export additive\n"
	" set ip next-hop peer-address\n"
	" set large-comm-list LSTRIP delete\n"
	" set large-community 64512:1:1\n"
	" set local-preference 200\n"
	" set metric +5\n"
	" set origin incomplete\n"
	" set weight 100\n"
	" call COMMON\n"
	" on-match next\n"
	"exit\n"
	"!\n"
	"route-map IMPORT deny 20\n"
	" match ipv6 address prefix-list LAB6\n"
	" set ipv6 next-hop global 2001:db8::1\n"
	"exit\n"
	"!\n"
	"route-map IMPORT permit 30\n"
	" set as-path prepend last-as 2\n"
	" set community none\n"
	" set ip next-hop 198.51.100.1\n"
	" set metric -3\n"
	" on-match goto 40\n"
	"exit\n"
	"!\n"
	"end\n";

START_TEST(test_round_trip)
{
	struct routed_config *first = check_round_trip("full", full_input, full_output);

	/* A clone is equal; one change makes it differ. */
	struct routed_config *copy = rcfg_clone(first);
	ck_assert(rcfg_equal(first, copy));
	env.running = (rcfg_free(env.running), copy);
	ck_assert_int_eq(cli_execute(&s, "route-map IMPORT permit 30"), 0);
	ck_assert_int_eq(cli_execute(&s, "no set metric"), 0);
	ck_assert(!rcfg_equal(first, env.running));
	/* JSON of the running configuration has the objects. */
	struct json_object *j = rcfg_to_json(first), *v;
	ck_assert(json_object_object_get_ex(j, "policy", &v));
	ck_assert(json_object_object_get_ex(v, "routeMaps", &v));
	ck_assert(json_object_object_get_ex(v, "IMPORT", &v));
	ck_assert(json_object_object_get_ex(v, "rules", &v));
	ck_assert_int_eq((int)json_object_array_length(v), 3);
	json_object_put(j);
	rcfg_free(first);
}
END_TEST

static char *running_text(void)
{
	return print_config(env.running);
}

START_TEST(test_sequence_numbers)
{
	static const char *const lines[] = {
		"ip prefix-list A permit 198.18.0.0/24",      /* 5 */
		"ip prefix-list A permit 198.18.1.0/24",      /* 10 */
		"ip prefix-list A permit 198.18.0.0/24",      /* duplicate: ignored */
		"ip prefix-list A seq 12 deny 198.18.2.0/24", /* given */
		"ip prefix-list A permit 198.18.3.0/24",      /* next multiple of 5 after 12: 15 */
		"ip prefix-list A seq 10 deny 198.18.9.0/24", /* same seq: replaces */
		"bgp as-path access-list P permit ^1_",
		"bgp as-path access-list P seq 7 deny ^2_",
		"bgp as-path access-list P permit ^3_",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(cli_execute(&s, lines[i]) == 0, "%s: %s", lines[i], output());
	char *text = running_text();
	ck_assert_str_eq(text, "hostname skygate\n!\n"
			       "ip prefix-list A seq 5 permit 198.18.0.0/24\n"
			       "ip prefix-list A seq 10 deny 198.18.9.0/24\n"
			       "ip prefix-list A seq 12 deny 198.18.2.0/24\n"
			       "ip prefix-list A seq 15 permit 198.18.3.0/24\n"
			       "!\n"
			       "bgp as-path access-list P seq 5 permit ^1_\n"
			       "bgp as-path access-list P seq 7 deny ^2_\n"
			       "bgp as-path access-list P seq 10 permit ^3_\n"
			       "!\nend\n");
	free(text);
	ck_assert_int_eq(cli_execute(&s, "ip prefix-list A seq 4294967295 permit 203.0.113.0/24"), 0);
	ck_assert_int_eq(cli_execute(&s, "ip prefix-list A permit 203.0.113.128/25"), -1);
	ck_assert_str_eq(output(), "% No sequence number left after 4294967295: give one with seq\n");
}
END_TEST

START_TEST(test_no_forms)
{
	static const char *const lines[] = {
		"ip prefix-list A permit 198.18.0.0/24", "ip prefix-list A permit 198.18.1.0/24 le 28",
		"ipv6 prefix-list B permit 2001:db8::/32", "bgp as-path access-list P permit ^1_",
		"bgp community-list standard C permit 64512:1", "bgp community-list standard C permit 64512:2",
		"bgp large-community-list expanded L permit ^1:", "route-map M permit 10", "set weight 1",
		"match origin egp", "on-match next", "call X", "description hi", "route-map M deny 20",
	};
	static const char *const undo[] = {
		"no ip prefix-list A seq 5", "no ip prefix-list A permit 198.18.1.0/24 le 28",
		"no ipv6 prefix-list B", "no bgp as-path access-list P permit ^1_",
		"no bgp community-list standard C seq 10", "no bgp community-list standard C permit 64512:1",
		"no bgp large-community-list expanded L", "route-map M permit 10", "no set weight",
		"no match origin", "no on-match next", "no call", "no description", "exit",
		"no route-map M deny 20",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(cli_execute(&s, lines[i]) == 0, "%s: %s", lines[i], output());
	for (size_t i = 0; i < sizeof(undo) / sizeof(undo[0]); i++)
		ck_assert_msg(cli_execute(&s, undo[i]) == 0, "%s: %s", undo[i], output());
	char *text = running_text();
	ck_assert_str_eq(text, "hostname skygate\n!\nroute-map M permit 10\nexit\n!\nend\n");
	free(text);
	ck_assert_int_eq(cli_execute(&s, "no route-map M"), 0);
	text = running_text();
	ck_assert_str_eq(text, "hostname skygate\n!\nend\n");
	free(text);
	ck_assert(rcfg_equal(env.running, env.running));
}
END_TEST

/* Every route-map clause, then its `no` form: the entry is left empty. */
START_TEST(test_no_every_clause)
{
	static const struct {
		const char *set, *undo;
	} clauses[] = {
		{"description d", "no description"},
		{"match ip address prefix-list A", "no match ip address prefix-list"},
		{"match ipv6 address prefix-list B", "no match ipv6 address prefix-list B"},
		{"match as-path P", "no match as-path"},
		{"match community C exact-match", "no match community C exact-match"},
		{"match large-community L", "no match large-community"},
		{"match peer 2001:db8::2", "no match peer"},
		{"match origin egp", "no match origin"},
		{"match metric 7", "no match metric"},
		{"match local-preference 9", "no match local-preference 9"},
		{"set local-preference 1", "no set local-preference"},
		{"set metric -2", "no set metric"},
		{"set weight 3", "no set weight 3"},
		{"set origin igp", "no set origin"},
		{"set community 64512:1 additive", "no set community"},
		{"set large-community 64512:1:1", "no set large-community"},
		{"set comm-list C delete", "no set comm-list C delete"},
		{"set large-comm-list L delete", "no set large-comm-list"},
		{"set as-path prepend 64512", "no set as-path prepend"},
		{"set ip next-hop 192.0.2.9", "no set ip next-hop"},
		{"set ipv6 next-hop global 2001:db8::9", "no set ipv6 next-hop global"},
		{"on-match goto 20", "no on-match goto"},
		{"call X", "no call"},
	};
	const size_t n = sizeof(clauses) / sizeof(clauses[0]);

	ck_assert_int_eq(cli_execute(&s, "route-map M permit 10"), 0);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(cli_execute(&s, clauses[i].set) == 0, "%s: %s", clauses[i].set, output());
	char *text = running_text();
	ck_assert_ptr_nonnull(strstr(text, " set as-path prepend 64512\n"));
	free(text);
	for (size_t i = 0; i < n; i++)
		ck_assert_msg(cli_execute(&s, clauses[i].undo) == 0, "%s: %s", clauses[i].undo, output());
	text = running_text();
	ck_assert_str_eq(text, "hostname skygate\n!\nroute-map M permit 10\nexit\n!\nend\n");
	free(text);
}
END_TEST

struct bad_case {
	const char *setup; /* lines before, '\n'-separated, or NULL */
	const char *line;
	const char *error;
};

static const struct bad_case bad_cases[] = {
	{NULL, "ip prefix-list A permit 198.18.0.0/16 ge 16",
	 "% Invalid prefix range for 198.18.0.0/16, make sure: len < ge <= le\n"},
	{NULL, "ip prefix-list A permit 198.18.0.0/16 le 15",
	 "% Invalid prefix range for 198.18.0.0/16, make sure: len < ge <= le\n"},
	{NULL, "ip prefix-list A permit 198.18.0.0/16 ge 24 le 20",
	 "% Invalid prefix range for 198.18.0.0/16, make sure: len < ge <= le\n"},
	{NULL, "ip prefix-list A permit 198.18.0.0/16 le 33", "% Invalid value '33' for (0-32)\n"},
	{NULL, "ipv6 prefix-list A permit 2001:db8::/32 ge 129", "% Invalid value '129' for (0-128)\n"},
	{NULL, "ip prefix-list A permit 2001:db8::/32", "% Unknown command: '2001:db8::/32' in \"ip prefix-list A permit 2001:db8::/32\"\n"},
	{NULL, "ip prefix-list A seq 0 permit 198.18.0.0/16", "% Invalid value '0' for (1-4294967295)\n"},
	{NULL, "bgp as-path access-list X permit (64512", NULL}, /* regerror's text varies: checked by prefix */
	{NULL, "bgp community-list standard C permit 64512:1 no-exprt",
	 "% Malformed community 'no-exprt': AA:NN (each 0-65535), internet, no-export, no-advertise, local-AS, "
	 "blackhole, graceful-shutdown, accept-own, llgr-stale, no-llgr or no-peer\n"},
	{NULL, "bgp community-list standard C permit 65536:1",
	 "% Malformed community '65536:1': AA:NN (each 0-65535), internet, no-export, no-advertise, local-AS, "
	 "blackhole, graceful-shutdown, accept-own, llgr-stale, no-llgr or no-peer\n"},
	{NULL, "bgp large-community-list standard L permit 1:2",
	 "% Malformed large community '1:2': GLOBAL:LOCAL1:LOCAL2, each 0-4294967295\n"},
	{"bgp community-list standard C permit 64512:1", "bgp community-list expanded C permit ^1",
	 "% community-list C is standard: it cannot take expanded entries\n"},
	{NULL, "no ip prefix-list NOPE", "% Can't find specified prefix-list NOPE\n"},
	{"ip prefix-list A permit 198.18.0.0/24", "no ip prefix-list A seq 10",
	 "% Can't find specified prefix-list entry in A\n"},
	{NULL, "no route-map NOPE", "% Can't find route-map NOPE\n"},
	{NULL, "route-map M permit 70000", "% Invalid value '70000' for (1-65535)\n"},
	{"route-map M permit 10", "on-match goto 10",
	 "% Cannot go to 10 from entry 10: the target must come after this entry\n"},
	{"route-map M permit 20", "continue 5", "% Cannot go to 5 from entry 20: the target must come after this entry\n"},
	{"route-map M permit 10", "set metric +x", "% Malformed metric '+x': N, +N or -N with N 0-4294967295\n"},
	{"route-map M permit 10", "set metric +4294967296",
	 "% Malformed metric '+4294967296': N, +N or -N with N 0-4294967295\n"},
	{"route-map M permit 10", "set community 1:1 bogus",
	 "% Malformed community 'bogus': AA:NN (each 0-65535), internet, no-export, no-advertise, local-AS, "
	 "blackhole, graceful-shutdown, accept-own, llgr-stale, no-llgr or no-peer\n"},
	{"route-map M permit 10", "set as-path prepend 64512 0", "% Malformed AS number '0': 1-4294967295\n"},
	{"route-map M permit 10", "set as-path prepend last-as 11", "% Invalid prepend 'last-as 11': last-as takes a count of 1-10\n"},
	{"route-map M permit 10", "set ip next-hop 224.0.0.1", "% Invalid next hop '224.0.0.1': not a unicast address\n"},
	{"route-map M permit 10", "match origin bgp", "% Unknown command: 'bgp' in \"match origin bgp\"\n"},
	{NULL, "ip prefix-list A description "
	       "0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890",
	 "% Description longer than 80 characters\n"},
	{NULL, "route-map 0123456789012345678901234567890123456789012345678901234567890123456789 permit 10",
	 "% route-map name '0123456789012345678901234567890123456789012345678901234567890123456789' is longer than "
	 "63 characters\n"},
};

START_TEST(test_bad_input_changes_nothing)
{
	const struct bad_case *c = &bad_cases[_i];

	if (c->setup != NULL)
		ck_assert_msg(cli_execute(&s, c->setup) == 0, "%s: %s", c->setup, output());
	output();
	struct routed_config *before = rcfg_clone(env.running);
	ck_assert_int_eq(cli_execute(&s, c->line), -1);
	const char *got = output();
	if (c->error != NULL)
		ck_assert_str_eq(got, c->error);
	else
		ck_assert_msg(strncmp(got, "% Invalid regular expression '(64512': ", 39) == 0 &&
				      strchr(got, '\n') == got + strlen(got) - 1,
			      "%s", got);
	ck_assert(rcfg_equal(before, env.running));
	rcfg_free(before);
}
END_TEST

START_TEST(test_transaction_all_or_nothing)
{
	static const char text[] = "ip prefix-list A permit 198.18.0.0/24\n"
				   "route-map M permit 10\n"
				   " match ip address prefix-list A\n"
				   " set community 1:1 nonsense\n";
	char errbuf[512] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	ck_assert_int_eq(cli_load_text(&env, "t.conf", text, strlen(text), err, NULL), -1);
	fclose(err);
	ck_assert_str_eq(errbuf, "t.conf:4: Malformed community 'nonsense': AA:NN (each 0-65535), internet, "
				 "no-export, no-advertise, local-AS, blackhole, graceful-shutdown, accept-own, "
				 "llgr-stale, no-llgr or no-peer\n");
	ck_assert_ptr_null(route_map_find(env.running->policy, "M"));
	char *t = running_text();
	ck_assert_str_eq(t, "hostname skygate\n!\nend\n");
	free(t);
}
END_TEST

START_TEST(test_route_map_node)
{
	struct cli_session other;
	char prompt[128];

	ck_assert_int_eq(cli_execute(&s, "route-map M deny 10"), 0);
	cli_prompt(&s, prompt, sizeof(prompt));
	ck_assert_str_eq(prompt, "skygate(config-route-map)# ");
	ck_assert_int_eq(cli_execute(&s, "set weight 5"), 0);
	/* Changing the action keeps the clauses. */
	ck_assert_int_eq(cli_execute(&s, "route-map M permit 10"), 0);
	ck_assert_int_eq(s.node, NODE_ROUTE_MAP);
	/* A config-node line leaves the route-map node, as in FRR. */
	ck_assert_int_eq(cli_execute(&s, "ip prefix-list A permit any"), 0);
	ck_assert_int_eq(s.node, NODE_CONFIG);
	ck_assert_int_eq(cli_execute(&s, "route-map M permit 10"), 0);
	char *t = running_text();
	ck_assert_ptr_nonnull(strstr(t, "route-map M permit 10\n set weight 5\nexit\n"));
	free(t);
	/* Another session deletes the entry this one edits. */
	cli_session_init(&other, &env, out);
	cli_execute(&other, "configure terminal");
	ck_assert_int_eq(cli_execute(&other, "no route-map M permit 10"), 0);
	output();
	ck_assert_int_eq(cli_execute(&s, "set weight 6"), -1);
	ck_assert_ptr_nonnull(strstr(output(), "the route-map entry was removed by another session"));
	ck_assert_int_eq(s.node, NODE_CONFIG);
	ck_assert_int_eq(cli_execute(&s, "route-map M permit 10"), 0);
	ck_assert_int_eq(cli_execute(&s, "exit"), 0);
	ck_assert_int_eq(s.node, NODE_CONFIG);
}
END_TEST

static struct json_object *show_json(const char *cmd)
{
	struct cli_session exec;

	cli_session_init(&exec, &env, out);
	output();
	ck_assert_msg(cli_execute(&exec, cmd) == 0, "%s", cmd);
	struct json_object *j = json_tokener_parse(output());
	ck_assert_ptr_nonnull(j);
	return j;
}

START_TEST(test_show_commands)
{
	static const char *const lines[] = {
		"ip prefix-list A permit 198.18.0.0/15 le 24", "ipv6 prefix-list B deny 2001:db8::/32",
		"bgp as-path access-list P permit _64512_", "bgp community-list standard C permit no-export",
		"bgp large-community-list standard L permit 1:2:3", "route-map M permit 10",
		"match ip address prefix-list A", "set local-preference 7", "route-map M deny 20",
	};
	struct json_object *j, *v;
	struct cli_session exec;

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(cli_execute(&s, lines[i]) == 0, "%s: %s", lines[i], output());
	/* Evaluate a route to move the counters. */
	struct bgp_attrs attrs = {.present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN)}, res;
	struct prefix p;
	prefix_parse("198.18.1.0/24", &p);
	struct policy_route route = {.prefix = &p, .attrs = &attrs};
	uint8_t buf[1024];
	struct bgp_arena arena;
	uint32_t w;
	bgp_arena_init(&arena, buf, sizeof(buf));
	struct policy_config *pc = env.running->policy;
	ck_assert(route_map_apply(pc, route_map_find(pc, "M"), &route, &arena, &res, &w) == POLICY_PERMIT);

	j = show_json("show route-map M json");
	ck_assert(json_object_object_get_ex(j, "M", &v));
	struct json_object *inv, *rules;
	ck_assert(json_object_object_get_ex(v, "invoked", &inv));
	ck_assert_int_eq(json_object_get_int(inv), 1);
	ck_assert(json_object_object_get_ex(v, "rules", &rules));
	struct json_object *r0 = json_object_array_get_idx(rules, 0), *x;
	ck_assert(json_object_object_get_ex(r0, "invoked", &x));
	ck_assert_int_eq(json_object_get_int(x), 1);
	ck_assert(json_object_object_get_ex(r0, "matchClauses", &x));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(x, 0)), "ip address prefix-list A");
	ck_assert(json_object_object_get_ex(r0, "setClauses", &x));
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(x, 0)), "local-preference 7");
	json_object_put(j);

	j = show_json("show ip prefix-list json");
	ck_assert(json_object_object_get_ex(j, "A", &v));
	ck_assert(json_object_object_get_ex(v, "entries", &v));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0), "le", &x));
	ck_assert_int_eq(json_object_get_int(x), 24);
	json_object_put(j);
	j = show_json("show ipv6 prefix-list B json");
	ck_assert(json_object_object_get_ex(j, "B", &v));
	json_object_put(j);
	j = show_json("show bgp as-path-access-list json");
	ck_assert(json_object_object_get_ex(j, "P", &v));
	json_object_put(j);
	j = show_json("show bgp community-list C json");
	ck_assert(json_object_object_get_ex(j, "C", &v));
	ck_assert(json_object_object_get_ex(v, "entries", &v));
	ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0), "communities", &x));
	ck_assert_str_eq(json_object_get_string(x), "no-export");
	json_object_put(j);
	j = show_json("show bgp large-community-list json");
	ck_assert(json_object_object_get_ex(j, "L", &v));
	json_object_put(j);

	cli_session_init(&exec, &env, out);
	output();
	ck_assert_int_eq(cli_execute(&exec, "show route-map M"), 0);
	ck_assert_str_eq(output(), "route-map: M Invoked: 1\n"
				   " permit, sequence 10 Invoked 1\n"
				   "  Match clauses:\n    ip address prefix-list A\n"
				   "  Set clauses:\n    local-preference 7\n"
				   "  Call clause:\n  Action:\n    Exit routemap\n"
				   " deny, sequence 20 Invoked 0\n"
				   "  Match clauses:\n  Set clauses:\n  Call clause:\n  Action:\n    Exit routemap\n");
	ck_assert_int_eq(cli_execute(&exec, "show ip prefix-list"), 0);
	ck_assert_str_eq(output(), "ip prefix-list A: 1 entries\n   seq 5 permit 198.18.0.0/15 le 24\n");
	ck_assert_int_eq(cli_execute(&exec, "show route-map NOPE"), -1);
	ck_assert_str_eq(output(), "% Can't find NOPE\n");
}
END_TEST

static Suite *policy_cli_suite(void)
{
	Suite *suite = suite_create("policy_cli");
	TCase *tc = tcase_create("policy_cli");

	tcase_add_checked_fixture(tc, setup, cli_harness_teardown);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_sequence_numbers);
	tcase_add_test(tc, test_no_forms);
	tcase_add_test(tc, test_no_every_clause);
	tcase_add_loop_test(tc, test_bad_input_changes_nothing, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_transaction_all_or_nothing);
	tcase_add_test(tc, test_route_map_node);
	tcase_add_test(tc, test_show_commands);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	return unit_run(policy_cli_suite());
}
