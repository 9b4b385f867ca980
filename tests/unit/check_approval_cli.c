/*
 * Route approval commands (routed/bgp/bgp_approval_cli.c) against an
 * in-memory store, without a BGP instance: decisions, their errors, the
 * rules and audit trail in `show bgp approval ... json`, and that
 * decisions stay out of the running configuration.
 */
#include <check.h>
#include <json-c/json.h>

#include "approval.h"
#include "cli_harness.h"
#include "unit.h"

static struct cli_session s;

static void setup(void)
{
	char err[256];

	cli_harness_setup();
	env.approval = appr_open(":memory:", err, sizeof(err));
	ck_assert_msg(env.approval != NULL, "%s", err);
	cli_session_init(&s, &env, out);
	snprintf(s.user, sizeof(s.user), "cli:tester");
}

static void teardown(void)
{
	appr_close(env.approval);
	cli_harness_teardown();
}

static void ok(const char *line)
{
	ck_assert_msg(cli_execute(&s, line) == 0, "%s: %s", line, output());
	output();
}

static const char *fails(const char *line)
{
	ck_assert_msg(cli_execute(&s, line) != 0, "%s was accepted", line);
	return output();
}

static struct json_object *show_json(const char *line)
{
	ck_assert_msg(cli_execute(&s, line) == 0, "%s", line);
	struct json_object *o = json_tokener_parse(output());
	ck_assert_msg(o != NULL, "%s: not JSON", line);
	return o;
}

static struct json_object *key(struct json_object *o, const char *k)
{
	struct json_object *v = NULL;
	ck_assert_msg(json_object_object_get_ex(o, k, &v), "no key %s", k);
	return v;
}

START_TEST(decisions_and_rules)
{
	ok("bgp approval approve 198.18.0.0/15 le 24 reason the DC's \"block\"");
	/* A control character (tab would split the line) and a backslash
	 * come back intact through the hand-written JSON. */
	ok("bgp approval approve 198.18.200.0/24 reason back\\slash\001ctl");
	ok("bgp approval reject 198.18.8.0/24 neighbor 192.0.2.2");
	ok("bgp approval approve 2001:db8:1::/48 ge 56 le 64");
	struct json_object *o = show_json("show bgp approval json");
	ck_assert_str_eq(json_object_get_string(key(o, "mode")), "none");
	ck_assert_int_eq(json_object_array_length(key(o, "routes")), 0);
	ck_assert_int_eq(json_object_get_int(key(key(o, "counters"), "rules")), 4);
	struct json_object *rules = key(o, "rules");
	ck_assert_int_eq(json_object_array_length(rules), 4);
	ck_assert_str_eq(json_object_get_string(key(json_object_array_get_idx(rules, 2), "reason")), "back\\slash\001ctl");
	struct json_object *first = json_object_array_get_idx(rules, 0);
	ck_assert_str_eq(json_object_get_string(key(first, "range")), "198.18.0.0/15 le 24");
	ck_assert_str_eq(json_object_get_string(key(first, "who")), "cli:tester");
	ck_assert_str_eq(json_object_get_string(key(first, "reason")), "the DC's \"block\"");
	ck_assert_int_eq(json_object_get_int(key(first, "le")), 24);
	ck_assert_int_gt(json_object_get_int64(key(first, "id")), 0);
	ck_assert_str_eq(json_object_get_string(key(first, "when")) + 19, "Z");
	struct json_object *second = json_object_array_get_idx(rules, 1);
	ck_assert_str_eq(json_object_get_string(key(second, "action")), "reject");
	ck_assert_str_eq(json_object_get_string(key(second, "neighbor")), "192.0.2.2");
	json_object_put(o);

	o = show_json("show bgp approval rejected json");
	ck_assert_int_eq(json_object_array_length(key(o, "rules")), 1);
	json_object_put(o);

	/* Decisions are state: not in the running configuration. */
	char *cfg = print_config(env.running);
	ck_assert_ptr_null(strstr(cfg, "approval"));
	free(cfg);

	ok("no bgp approval approve 198.18.0.0/15 le 24 reason done");
	ck_assert_ptr_nonnull(strstr(fails("no bgp approval approve 198.18.0.0/15 le 24"), "No such approve rule"));
	/* The neighbor is part of the rule's identity. */
	fails("no bgp approval reject 198.18.8.0/24");
	ok("no bgp approval reject 198.18.8.0/24 neighbor 192.0.2.2");

	o = show_json("show bgp approval audit json");
	struct json_object *audit = key(o, "audit");
	ck_assert_int_eq(json_object_array_length(audit), 6);
	struct json_object *last = json_object_array_get_idx(audit, 4);
	ck_assert_str_eq(json_object_get_string(key(last, "event")), "remove-approve");
	ck_assert_str_eq(json_object_get_string(key(last, "reason")), "done");
	json_object_put(o);

	o = show_json("show bgp approval summary json");
	ck_assert_int_eq(json_object_get_int(key(key(o, "counters"), "rules")), 2);
	ck_assert(!json_object_object_get_ex(o, "routes", NULL));
	json_object_put(o);
}
END_TEST

START_TEST(bad_decisions)
{
	ck_assert_ptr_nonnull(strstr(fails("bgp approval approve 198.18.0.1/15"), "Inconsistent"));
	ck_assert_ptr_nonnull(strstr(fails("bgp approval approve 198.18.0.0/16 le 8"), "invalid range"));
	ck_assert_ptr_nonnull(strstr(fails("bgp approval approve 198.18.0.0/16 ge 40"), "invalid range"));
	ck_assert_ptr_nonnull(strstr(fails("bgp approval approve all-pending"), "No BGP process"));
	ck_assert_ptr_nonnull(strstr(fails("show bgp approval preview 198.18.0.0/16"), "No BGP process"));
	appr_close(env.approval);
	env.approval = NULL;
	ck_assert_ptr_nonnull(strstr(fails("bgp approval approve 198.18.0.0/16"), "store is not open"));
}
END_TEST

START_TEST(configuration)
{
	ok("configure terminal");
	ok("router bgp 64512");
	ck_assert_ptr_nonnull(strstr(fails("neighbor 192.0.2.2 approval"), "remote-as"));
	ok("neighbor 192.0.2.2 remote-as 64513");
	ok("neighbor 192.0.2.2 approval");
	ok("approval mode connection");
	char *cfg = print_config(env.running);
	ck_assert_ptr_nonnull(strstr(cfg, " approval mode connection\n"));
	ck_assert_ptr_nonnull(strstr(cfg, " neighbor 192.0.2.2 approval\n"));
	free(cfg);
	ok("no approval");
	ok("no neighbor 192.0.2.2 approval");
	cfg = print_config(env.running);
	ck_assert_ptr_null(strstr(cfg, "approval"));
	free(cfg);
}
END_TEST

static Suite *approval_cli_suite(void)
{
	Suite *suite = suite_create("approval_cli");
	TCase *tc = tcase_create("commands");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, decisions_and_rules);
	tcase_add_test(tc, bad_decisions);
	tcase_add_test(tc, configuration);
	suite_add_tcase(suite, tc);
	return suite;
}

int main(void)
{
	return unit_run(approval_cli_suite());
}
