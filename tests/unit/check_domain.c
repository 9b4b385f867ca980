/*
 * Network domains: the visibility matrix (connect, disconnect, not
 * transitive), the matrix built from a configuration, the best path of
 * each domain's view over a set of paths (held paths never; the RIB's best
 * when visible, the best visible one otherwise; multipath within a view),
 * the configuration lists, the CLI's refusals that change nothing, and the
 * nftables ruleset.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "bgp_internal.h"
#include "cli_harness.h"
#include "domain_config.h"
#include "domain_dataplane.h"
#include "domain_view.h"
#include "unit.h"

START_TEST(test_view_matrix)
{
	struct domain_view v;

	ck_assert_int_eq(domain_view_init(&v, 0), -1);
	ck_assert_int_eq(domain_view_init(&v, DOMAIN_MAX + 1), -1);
	ck_assert_int_eq(domain_view_init(&v, 4), 0);
	for (unsigned i = 0; i < 4; i++)
		for (unsigned j = 0; j < 4; j++)
			ck_assert(domain_view_sees(&v, i, j) == (i == j));
	ck_assert_int_eq(domain_view_connect(&v, 1, 1), -1);
	ck_assert_int_eq(domain_view_connect(&v, 1, 4), -1);
	ck_assert_int_eq(domain_view_connect(&v, 1, 2), 0);
	ck_assert_int_eq(domain_view_connect(&v, 2, 3), 0);
	/* Both ways, one hop only. */
	ck_assert(domain_view_sees(&v, 1, 2) && domain_view_sees(&v, 2, 1));
	ck_assert(domain_view_sees(&v, 2, 3) && domain_view_sees(&v, 3, 2));
	ck_assert(!domain_view_sees(&v, 1, 3) && !domain_view_sees(&v, 3, 1));
	ck_assert(!domain_view_sees(&v, 0, 1) && !domain_view_sees(&v, 0, 5));
	ck_assert(domain_view_connected(&v, 1, 2) && !domain_view_connected(&v, 1, 1));
	ck_assert_int_eq(domain_view_disconnect(&v, 2, 1), 0);
	ck_assert(!domain_view_sees(&v, 1, 2) && !domain_view_sees(&v, 2, 1));
	ck_assert(domain_view_sees(&v, 1, 1) && domain_view_sees(&v, 2, 3));
	/* The last domain number a mask holds. */
	ck_assert_int_eq(domain_view_init(&v, DOMAIN_MAX), 0);
	ck_assert_int_eq(domain_view_connect(&v, 0, DOMAIN_MAX - 1), 0);
	ck_assert(domain_view_sees(&v, DOMAIN_MAX - 1, 0) && domain_view_sees(&v, 0, DOMAIN_MAX - 1));
}
END_TEST

START_TEST(test_view_from_config)
{
	struct domain_config *dc = domain_config_new();
	struct domain_view v;

	ck_assert_ptr_nonnull(domain_get(dc, "red"));
	ck_assert_ptr_nonnull(domain_get(dc, "blue"));
	ck_assert_ptr_nonnull(domain_get(dc, "green"));
	/* Numbered by name, after the default one. */
	ck_assert_int_eq(domain_view_number(dc, "default"), 0);
	ck_assert_int_eq(domain_view_number(dc, ""), 0);
	ck_assert_int_eq(domain_view_number(dc, "blue"), 1);
	ck_assert_int_eq(domain_view_number(dc, "green"), 2);
	ck_assert_int_eq(domain_view_number(dc, "red"), 3);
	ck_assert_int_eq(domain_view_number(dc, "purple"), -1);
	ck_assert_str_eq(domain_view_name(dc, 3), "red");
	ck_assert_ptr_null(domain_view_name(dc, 4));
	/* Tables from the allocated range, lowest free first. */
	ck_assert_uint_eq(domain_find(dc, "red")->table, DOMAIN_TABLE_AUTO_FIRST);
	ck_assert_uint_eq(domain_find(dc, "blue")->table, DOMAIN_TABLE_AUTO_FIRST + 1);
	ck_assert_ptr_eq(domain_by_table(dc, DOMAIN_TABLE_AUTO_FIRST + 2, NULL), domain_find(dc, "green"));

	ck_assert_int_eq(domain_policy_add(dc, "red", "blue"), 0);
	ck_assert_int_eq(domain_policy_add(dc, "blue", "red"), 1);
	ck_assert_int_eq(domain_policy_add(dc, "default", "green"), 0);
	ck_assert_int_eq(domain_view_build(&v, dc), 0);
	ck_assert_uint_eq(v.count, 4);
	ck_assert(domain_view_sees(&v, 3, 1) && domain_view_sees(&v, 1, 3));
	ck_assert(domain_view_sees(&v, 0, 2) && !domain_view_sees(&v, 0, 1));
	ck_assert(domain_policy_names(dc, "green") && !domain_policy_names(dc, "purple"));

	/* Removing a policy removes the visibility, both ways. */
	ck_assert_int_eq(domain_policy_delete(dc, "red", "blue"), 0);
	ck_assert_int_eq(domain_policy_delete(dc, "red", "blue"), -1);
	ck_assert_int_eq(domain_view_build(&v, dc), 0);
	ck_assert(!domain_view_sees(&v, 3, 1) && !domain_view_sees(&v, 1, 3));

	struct domain_config *copy = domain_config_clone(dc);
	ck_assert(domain_config_equal(dc, copy));
	domain_delete(copy, "green");
	ck_assert(!domain_config_equal(dc, copy));
	/* A policy naming a domain that is gone cannot be built. */
	ck_assert_int_eq(domain_view_build(&v, copy), -1);
	domain_config_free(copy);
	domain_config_free(dc);
}
END_TEST

/* ---- best per domain over a set of paths ---------------------------------------- */

static struct bgp_attr_set *attrs_with_pref(uint32_t local_pref)
{
	struct bgp_attr_set *set = calloc(1, sizeof(*set));

	ck_assert_ptr_nonnull(set);
	set->refs = 1;
	set->attrs.present = BGP_ATTR_MASK(BGP_ATTR_LOCAL_PREF) | BGP_ATTR_MASK(BGP_ATTR_NEXT_HOP);
	set->attrs.local_pref = local_pref;
	return set;
}

struct fixture {
	struct bgp_peer peers[4];
	struct bgp_path paths[4];
	struct bgp_attr_set *sets[4];
	struct bgp_dest dest;
};

/* Four paths, one from each of four peers in domains 0..3, preference
 * falling with the index: path 0 is the RIB's best. */
static void fixture_init(struct fixture *f)
{
	memset(f, 0, sizeof(*f));
	for (int i = 0; i < 4; i++) {
		f->peers[i].domain = (uint8_t)i;
		prefix_parse(i == 0 ? "192.0.2.1/32" : i == 1 ? "192.0.2.2/32" : i == 2 ? "192.0.2.3/32" : "192.0.2.4/32",
			     &f->peers[i].cfg.addr);
		f->sets[i] = attrs_with_pref(400 - 100 * (uint32_t)i);
		f->paths[i] = (struct bgp_path){.peer = &f->peers[i], .attrs = f->sets[i], .ebgp = true};
		f->paths[i].next = i < 3 ? &f->paths[i + 1] : NULL;
	}
	prefix_parse("198.18.1.0/24", &f->dest.prefix);
	f->dest.paths = &f->paths[0];
	f->dest.has_best = true;
}

static void fixture_fini(struct fixture *f)
{
	for (int i = 0; i < 4; i++)
		free(f->sets[i]);
}

START_TEST(test_best_per_domain)
{
	struct fixture f;
	struct domain_view v;

	fixture_init(&f);
	domain_view_init(&v, 4);
	/* Unconnected: each domain sees its own path only. */
	for (unsigned d = 0; d < 4; d++)
		ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, d), &f.paths[d]);
	/* Connected to the default domain: the RIB's best, which is better. */
	domain_view_connect(&v, 0, 3);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 3), &f.paths[0]);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 0), &f.paths[0]);
	/* 1-2 connected: 2 sees 1's better path; 3 does not (not transitive). */
	domain_view_connect(&v, 1, 2);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 2), &f.paths[1]);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 1), &f.paths[1]);
	/* Held paths are never best, in any view. */
	f.paths[1].held = true;
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 1), &f.paths[2]);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 2), &f.paths[2]);
	f.paths[2].held = true;
	ck_assert_ptr_null(bgp_view_best_of(&v, &f.dest, 1));
	/* Disconnected again: domain 3 is back to its own path. */
	domain_view_disconnect(&v, 0, 3);
	ck_assert_ptr_eq(bgp_view_best_of(&v, &f.dest, 3), &f.paths[3]);
	/* No candidate at all in the RIB. */
	f.dest.has_best = false;
	for (int i = 0; i < 4; i++)
		f.paths[i].held = true;
	for (unsigned d = 0; d < 4; d++)
		ck_assert_ptr_null(bgp_view_best_of(&v, &f.dest, d));
	fixture_fini(&f);
}
END_TEST

START_TEST(test_multipath_per_domain)
{
	struct fixture f;
	struct domain_view v;
	const struct bgp_path *mp[4];

	fixture_init(&f);
	/* Paths 1, 2 and 3 equally good (same preference), path 0 better. */
	for (int i = 1; i < 4; i++)
		f.sets[i]->attrs.local_pref = 200;
	domain_view_init(&v, 4);
	domain_view_connect(&v, 1, 2);
	/* Domain 1 sees 1 and 2: two paths; 3 is another domain's. */
	ck_assert_uint_eq(bgp_view_multipath_of(&v, &f.dest, 1, 4, mp, 4), 2);
	ck_assert(mp[0] != mp[1] && mp[0]->peer->domain <= 2 && mp[1]->peer->domain <= 2);
	ck_assert_uint_eq(bgp_view_multipath_of(&v, &f.dest, 1, 1, mp, 4), 1);
	ck_assert_uint_eq(bgp_view_multipath_of(&v, &f.dest, 3, 4, mp, 4), 1);
	ck_assert_ptr_eq(mp[0], &f.paths[3]);
	/* The default domain's path is better than the others: alone. */
	domain_view_connect(&v, 0, 1);
	ck_assert_uint_eq(bgp_view_multipath_of(&v, &f.dest, 1, 4, mp, 4), 1);
	ck_assert_ptr_eq(mp[0], &f.paths[0]);
	fixture_fini(&f);
}
END_TEST

/* ---- the CLI -------------------------------------------------------------------- */

static void setup(void)
{
	cli_harness_setup();
}

static void teardown(void)
{
	cli_harness_teardown();
}

static void run_ok(struct cli_session *s, const char *line)
{
	ck_assert_msg(cli_execute(s, line) == 0, "%s: %s", line, output());
}

/* line fails with exactly want and changes nothing. */
static void run_refused(struct cli_session *s, const char *line, const char *want)
{
	struct routed_config *before = rcfg_clone(env.running);

	output();
	ck_assert_int_eq(cli_execute(s, line), -1);
	ck_assert_str_eq(output(), want);
	ck_assert(rcfg_equal(before, env.running));
	rcfg_free(before);
}

START_TEST(test_cli_refusals)
{
	struct cli_session s;

	cli_session_init(&s, &env, out);
	run_ok(&s, "configure terminal");
	run_ok(&s, "domain red");
	run_ok(&s, "table 1500");
	run_ok(&s, "interface veth1");
	run_ok(&s, "exit");
	run_ok(&s, "domain blue");
	run_refused(&s, "table 1500", "% Table 1500 is already used by domain red\n");
	run_refused(&s, "table 254", "% Table 254 is reserved by the kernel (0, 252-255 cannot be a domain's)\n");
	run_refused(&s, "interface veth1", "% Interface veth1 already belongs to domain red\n");
	run_refused(&s, "no interface veth9", "% Interface veth9 is not in domain blue\n");
	run_ok(&s, "exit");
	run_refused(&s, "domain default", "% The default domain always exists, uses the main table and holds every "
					  "interface no other domain lists; it has nothing to configure\n");
	run_refused(&s, "domain 9lives", "% Invalid domain name '9lives': a letter, then letters, digits, '-', '_' "
					 "or '.', at most 31\n");
	run_refused(&s, "domain-policy red red",
		    "% A domain-policy connects two different domains; red always sees itself\n");
	run_refused(&s, "domain-policy red green", "% No such domain green\n");
	run_refused(&s, "no domain-policy red blue", "% No domain-policy between red and blue\n");
	run_ok(&s, "domain-policy blue red");
	run_refused(&s, "no domain red", "% Domain red is named by a domain-policy; remove the policy first\n");
	run_ok(&s, "no domain-policy red blue");
	run_ok(&s, "router bgp 64512");
	run_ok(&s, "neighbor 192.0.2.2 remote-as 64513");
	run_refused(&s, "neighbor 192.0.2.2 domain green", "% No such domain green\n");
	run_refused(&s, "neighbor 192.0.2.9 domain red", "% Specify remote-as or peer-group commands first\n");
	run_ok(&s, "neighbor 192.0.2.2 domain red");
	run_ok(&s, "exit");
	run_refused(&s, "no domain red",
		    "% Domain red is in use by neighbor 192.0.2.2/32; move it to another domain first\n");
	run_refused(&s, "no domain default", "% The default domain cannot be removed\n");
	run_refused(&s, "no domain green", "% No such domain green\n");
	run_ok(&s, "router bgp 64512");
	run_ok(&s, "no neighbor 192.0.2.2 domain");
	run_ok(&s, "exit");
	run_ok(&s, "no domain red");
	ck_assert_ptr_null(domain_find(env.running->domains, "red"));
	/* `no table` goes back to an allocated one. */
	run_ok(&s, "domain blue");
	run_ok(&s, "table 3000");
	run_ok(&s, "no table");
	ck_assert_uint_eq(domain_find(env.running->domains, "blue")->table, DOMAIN_TABLE_AUTO_FIRST);
}
END_TEST

START_TEST(test_cli_show)
{
	struct cli_session s;

	/* No kernel here: nothing is programmed, every counter reads 0. */
	domain_dataplane_enable(false);
	cli_session_init(&s, &env, out);
	run_ok(&s, "configure terminal");
	run_ok(&s, "domain red");
	run_ok(&s, "interface veth1");
	run_ok(&s, "exit");
	run_ok(&s, "domain blue");
	run_ok(&s, "exit");
	run_ok(&s, "domain-policy red blue");
	run_ok(&s, "router bgp 64512");
	run_ok(&s, "neighbor 192.0.2.2 remote-as 64513");
	run_ok(&s, "neighbor 192.0.2.2 domain red");
	run_ok(&s, "end");
	output();
	run_ok(&s, "show domain red");
	ck_assert_str_eq(output(), "Domain red, table 1000\n"
				   "  Interfaces: veth1\n"
				   "  BGP neighbors: 192.0.2.2\n"
				   "  Connected domains: blue\n"
				   "  BGP routes: 0 IPv4, 0 IPv6\n"
				   "  Dropped toward unconnected domains: 0 packets, 0 bytes\n");
	run_ok(&s, "show domain default");
	ck_assert_str_eq(output(), "Domain default, table 254\n"
				   "  Interfaces: (every interface no other domain lists)\n"
				   "  BGP neighbors: none\n"
				   "  Connected domains: none\n"
				   "  BGP routes: 0 IPv4, 0 IPv6\n"
				   "  Dropped toward unconnected domains: 0 packets, 0 bytes\n");
	run_ok(&s, "show domain json");
	struct json_object *o = json_tokener_parse(output()), *v;
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "blue", &v));
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(v, "table")), 1001);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(json_object_object_get(v, "connectedDomains"),
										  0)), "red");
	ck_assert_int_eq(json_object_object_length(o), 3);
	json_object_put(o);
	run_ok(&s, "show domain-policy");
	ck_assert_str_eq(output(), "blue <-> red\n");
	ck_assert_int_eq(cli_execute(&s, "show domain purple"), -1);
	ck_assert_str_eq(output(), "% No such domain purple\n");
	ck_assert_int_eq(cli_execute(&s, "show bgp domain red"), -1);
	ck_assert_str_eq(output(), "% No BGP process is configured\n");
	domain_dataplane_enable(true);
}
END_TEST

START_TEST(test_ruleset)
{
	struct domain_config *dc = domain_config_new();
	char *text;

	/* No interfaces listed: only our own table is removed. */
	text = domain_dataplane_ruleset(dc, NULL, 0);
	ck_assert_str_eq(text, "table inet skygate\ndelete table inet skygate\n");
	free(text);
	domain_interface_add(domain_get(dc, "red"), "veth-r");
	domain_interface_add(domain_get(dc, "blue"), "veth-b");
	/* The counters are kept across reloads: the table's rules are
	 * flushed, not the table; a counter of a domain that is gone goes. */
	static const char *const have[] = {"default", "red", "green"};
	text = domain_dataplane_ruleset(dc, have, 3);
	ck_assert_ptr_null(strstr(text, "delete table"));
	ck_assert_ptr_nonnull(strstr(text, "table inet skygate\nflush table inet skygate\n"));
	ck_assert_ptr_nonnull(strstr(text, "add counter inet skygate from_red\n"));
	ck_assert_ptr_nonnull(strstr(text, "add counter inet skygate from_blue\n"));
	ck_assert_ptr_nonnull(strstr(text, "add counter inet skygate from_default\n"));
	ck_assert_ptr_null(strstr(text, "delete counter inet skygate from_red\n"));
	ck_assert_ptr_null(strstr(text, "delete counter inet skygate from_default\n"));
	const char *gone = strstr(text, "delete counter inet skygate from_green\n");
	ck_assert_ptr_nonnull(gone);
	/* After every rule that could refer to it is gone. */
	ck_assert_ptr_nonnull(strstr(text, "counter name \"from_red\" drop\n"));
	ck_assert(strstr(text, "counter name \"from_red\" drop\n") < gone);
	free(text);
	text = domain_dataplane_ruleset(dc, NULL, 0);
	ck_assert_ptr_nonnull(strstr(text, "iifname { \"veth-r\" } oifname { \"veth-b\" } counter name \"from_red\" drop\n"));
	ck_assert_ptr_nonnull(strstr(text, "iifname { \"veth-b\" } oifname { \"veth-r\" } counter name \"from_blue\" drop\n"));
	ck_assert_ptr_nonnull(strstr(text, "iifname != { \"veth-b\", \"veth-r\" } oifname { \"veth-b\" } counter name "
					   "\"from_default\" drop\n"));
	free(text);
	domain_policy_add(dc, "red", "blue");
	text = domain_dataplane_ruleset(dc, NULL, 0);
	ck_assert_ptr_null(strstr(text, "oifname { \"veth-b\" } counter name \"from_red\""));
	ck_assert_ptr_null(strstr(text, "oifname { \"veth-r\" } counter name \"from_blue\""));
	ck_assert_ptr_nonnull(strstr(text, "iifname { \"veth-r\" } oifname != { \"veth-b\", \"veth-r\" } counter name "
					   "\"from_red\" drop\n"));
	free(text);
	domain_config_free(dc);
}
END_TEST

static Suite *domain_suite(void)
{
	Suite *s = suite_create("domain");
	TCase *tc = tcase_create("view");

	tcase_add_test(tc, test_view_matrix);
	tcase_add_test(tc, test_view_from_config);
	tcase_add_test(tc, test_best_per_domain);
	tcase_add_test(tc, test_multipath_per_domain);
	tcase_add_test(tc, test_ruleset);
	suite_add_tcase(s, tc);
	tc = tcase_create("cli");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_cli_refusals);
	tcase_add_test(tc, test_cli_show);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(domain_suite());
}
