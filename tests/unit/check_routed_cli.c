/*
 * routed's CLI: golden round trips (input -> print -> parse -> print), every
 * configuration command and its `no` form, errors that change nothing,
 * transactions with file:line errors, sessions that outlive what they edit,
 * `do`, `write memory`, completion lists and JSON output.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "config_model.h"
#include "unit.h"

static struct cli_env env;
static char *out_text;
static size_t out_len;
static FILE *out;

static void setup(void)
{
	char err[256];

	memset(&env, 0, sizeof(env));
	env.reg = cli_registry_new(err, sizeof(err));
	ck_assert_msg(env.reg != NULL, "%s", err);
	env.running = rcfg_new();
	ck_assert_ptr_nonnull(env.running);
	out = open_memstream(&out_text, &out_len);
	ck_assert_ptr_nonnull(out);
}

static void teardown(void)
{
	fclose(out);
	free(out_text);
	out_text = NULL;
	rcfg_free(env.running);
	cmd_registry_free(env.reg);
}

/* What the session printed since the last call. */
static const char *output(void)
{
	static char copy[65536];

	fflush(out);
	snprintf(copy, sizeof(copy), "%s", out_text ? out_text : "");
	/* Rewinding a memstream does not shorten it: clear what was there so
	 * the next, possibly shorter, text ends where it should. */
	if (out_text)
		memset(out_text, 0, out_len);
	rewind(out);
	return copy;
}

static char *print_config(const struct routed_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	rcfg_print(cfg, f);
	fclose(f);
	return text;
}

static char *read_golden(const char *name)
{
	char path[512];
	const char *srcdir = getenv("srcdir");

	snprintf(path, sizeof(path), "%s/tests/golden/routed/%s", srcdir ? srcdir : ".", name);
	FILE *f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot open %s", path);
	char *text = calloc(1, 65536);
	size_t n = fread(text, 1, 65535, f);
	text[n] = '\0';
	fclose(f);
	return text;
}

static const char *const goldens[] = {"empty", "full", "parents"};

START_TEST(test_golden_round_trip)
{
	char name[64];
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");

	snprintf(name, sizeof(name), "%s.in", goldens[_i]);
	char *input = read_golden(name);
	snprintf(name, sizeof(name), "%s.out", goldens[_i]);
	char *want = read_golden(name);

	struct routed_config *first = NULL, *second = NULL;
	ck_assert_msg(cli_load_text(&env, goldens[_i], input, strlen(input), err, &first) == 0, "%s", errbuf);
	char *printed = print_config(first);
	ck_assert_str_eq(printed, want);
	/* Printed text parses back to the same configuration, printed the same. */
	ck_assert_msg(cli_load_text(&env, "printed", printed, strlen(printed), err, &second) == 0, "%s", errbuf);
	ck_assert(rcfg_equal(first, second));
	char *again = print_config(second);
	ck_assert_str_eq(again, printed);
	fclose(err);
	free(again);
	free(printed);
	rcfg_free(first);
	rcfg_free(second);
	free(input);
	free(want);
}
END_TEST

struct load_error_case {
	const char *text;
	const char *want; /* the whole error line */
};

static const struct load_error_case load_errors[] = {
	{"hostname gw1\nrouter bgp 64512\n neighbor 192.0.2.2 remote-az 1\n",
	 "t.conf:3: Unknown command: 'remote-az' in \"neighbor 192.0.2.2 remote-az 1\"\n"},
	{"router bgp 4294967296\n", "t.conf:1: Invalid value '4294967296' for (1-4294967295)\n"},
	{"router bgp 1\nrouter bgp 2\n", "t.conf:2: BGP is already running; AS is 1\n"},
	{"router bgp 1\n neighbor 192.0.2.9 shutdown\n", "t.conf:2: Specify remote-as or peer-group commands first\n"},
	{"router bgp 1\n neighbor 192.0.2.9 remote-as 2\n neighbor 192.0.2.9 timers 1 2\n",
	 "t.conf:3: Hold time must be 0 or at least 3 seconds (RFC 4271 section 4.2)\n"},
	{"router bgp 1\n address-family ipv4 unicast\n  network 198.18.0.1/24\n",
	 "t.conf:3: Inconsistent address and mask: 198.18.0.1/24 has host bits set\n"},
	{"router bgp 1\n address-family ipv4\n  network 2001:db8::/32\n",
	 "t.conf:3: Invalid value '2001:db8::/32' for A.B.C.D/M\n"},
	{"hostname -bad\n", "t.conf:1: Invalid hostname '-bad': letters, digits and '-' (not first or last), at most 63\n"},
	{"!\n\n router bgp 1\n bgp router-id 0.0.0.0\n", "t.conf:4: router-id 0.0.0.0 is not allowed (RFC 6286)\n"},
	{"router bgp 1\nexit\nexit\nexit\n", "t.conf:4: exit leaves the configuration\n"},
	{"end\nhostname x\n", "t.conf:2: Unknown command: 'hostname' in \"hostname x\"\n"},
	{"show version\n", "t.conf:1: Unknown command: 'show' in \"show version\"\n"},
	{"router bgp 1\n bgp router-id 1.2.3\n", "t.conf:2: Invalid value '1.2.3' for A.B.C.D\n"},
};

START_TEST(test_load_errors_change_nothing)
{
	const struct load_error_case *tc = &load_errors[_i];
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct routed_config *before = rcfg_clone(env.running);

	/* Something to lose: a transaction must not touch the running config. */
	snprintf(env.running->hostname, sizeof(env.running->hostname), "keep-me");
	rcfg_free(before);
	before = rcfg_clone(env.running);
	ck_assert_int_eq(cli_load_text(&env, "t.conf", tc->text, strlen(tc->text), err, NULL), -1);
	fclose(err);
	ck_assert_str_eq(errbuf, tc->want);
	ck_assert(rcfg_equal(before, env.running));
	rcfg_free(before);
}
END_TEST

START_TEST(test_interactive_nodes_and_errors)
{
	struct cli_session s;
	char prompt[128];

	cli_session_init(&s, &env, out);
	cli_prompt(&s, prompt, sizeof(prompt));
	ck_assert_str_eq(prompt, "skygate# ");
	ck_assert_int_eq(cli_execute(&s, "conf t"), 0);
	ck_assert_int_eq(cli_execute(&s, "hostname gw1"), 0);
	ck_assert_int_eq(cli_execute(&s, "router bgp 64512"), 0);
	cli_prompt(&s, prompt, sizeof(prompt));
	ck_assert_str_eq(prompt, "gw1(config-router)# ");
	ck_assert_int_eq(cli_execute(&s, "neighbor 192.0.2.2 remote-as 64513"), 0);
	ck_assert_int_eq(cli_execute(&s, "address-family ipv6 unicast"), 0);
	cli_prompt(&s, prompt, sizeof(prompt));
	ck_assert_str_eq(prompt, "gw1(config-router-af)# ");
	output();

	/* A bad command names the bad token and changes nothing. */
	struct routed_config *before = rcfg_clone(env.running);
	ck_assert_int_eq(cli_execute(&s, "network 2001:db8::1/32"), -1);
	ck_assert_str_eq(output(), "% Inconsistent address and mask: 2001:db8::1/32 has host bits set\n");
	ck_assert_int_eq(cli_execute(&s, "netwrk 2001:db8::/32"), -1);
	ck_assert_str_eq(output(), "% Unknown command: 'netwrk' in \"netwrk 2001:db8::/32\"\n");
	ck_assert(rcfg_equal(before, env.running));
	rcfg_free(before);

	/* `do` runs an exec command and stays in the node. */
	ck_assert_int_eq(cli_execute(&s, "do show running-config"), 0);
	ck_assert_ptr_nonnull(strstr(output(), " neighbor 192.0.2.2 remote-as 64513\n"));
	ck_assert_int_eq(s.node, NODE_BGP_AF_IPV6);
	ck_assert_int_eq(cli_execute(&s, "exit-address-family"), 0);
	ck_assert_int_eq(s.node, NODE_BGP);
	ck_assert_int_eq(cli_execute(&s, "end"), 0);
	ck_assert_int_eq(s.node, NODE_EXEC);
	ck_assert_int_eq(cli_execute(&s, "exit"), 0);
	ck_assert(s.closing);
}
END_TEST

START_TEST(test_no_forms)
{
	struct cli_session s;
	static const char *const lines[] = {
		"configure terminal", "hostname gw9", "router bgp 65001", "bgp router-id 192.0.2.7",
		"neighbor 192.0.2.2 remote-as 65002", "neighbor 192.0.2.2 description x y",
		"neighbor 192.0.2.2 timers 3 9", "neighbor 192.0.2.2 shutdown",
		"address-family ipv4", "network 198.18.4.0/22", "no neighbor 192.0.2.2 activate", "exit",
	};
	static const char *const undo[] = {
		"address-family ipv4", "neighbor 192.0.2.2 activate", "no network 198.18.4.0/22", "exit",
		"no neighbor 192.0.2.2 shutdown", "no neighbor 192.0.2.2 timers", "no neighbor 192.0.2.2 description",
		"no bgp router-id 192.0.2.7",
	};

	cli_session_init(&s, &env, out);
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		ck_assert_msg(cli_execute(&s, lines[i]) == 0, "%s: %s", lines[i], output());
	for (size_t i = 0; i < sizeof(undo) / sizeof(undo[0]); i++)
		ck_assert_msg(cli_execute(&s, undo[i]) == 0, "%s: %s", undo[i], output());
	char *text = print_config(env.running);
	ck_assert_str_eq(text, "hostname gw9\n!\nrouter bgp 65001\n neighbor 192.0.2.2 remote-as 65002\nexit\n!\nend\n");
	free(text);
	ck_assert_int_eq(cli_execute(&s, "no network 198.18.4.0/22"), -1); /* wrong node now */
	ck_assert_int_eq(cli_execute(&s, "no neighbor 192.0.2.2"), 0);
	output();
	ck_assert_int_eq(cli_execute(&s, "no neighbor 192.0.2.2"), -1);
	ck_assert_str_eq(output(), "% No such neighbor 192.0.2.2\n");
	ck_assert_int_eq(cli_execute(&s, "exit"), 0);
	ck_assert_int_eq(cli_execute(&s, "no hostname"), 0);
	ck_assert_int_eq(cli_execute(&s, "no router bgp 65002"), -1);
	ck_assert_int_eq(cli_execute(&s, "no router bgp"), 0);
	text = print_config(env.running);
	ck_assert_str_eq(text, "hostname skygate\n!\nend\n");
	free(text);
}
END_TEST

/* Two sessions edit one running config; one removes what the other is in. */
START_TEST(test_two_sessions)
{
	struct cli_session a, b;

	cli_session_init(&a, &env, out);
	cli_session_init(&b, &env, out);
	ck_assert_int_eq(cli_execute(&a, "configure terminal"), 0);
	ck_assert_int_eq(cli_execute(&a, "router bgp 64512"), 0);
	ck_assert_int_eq(cli_execute(&b, "configure terminal"), 0);
	ck_assert_int_eq(cli_execute(&b, "router bgp 64512"), 0);
	ck_assert_int_eq(cli_execute(&b, "neighbor 192.0.2.3 remote-as 1"), 0);
	ck_assert_int_eq(cli_execute(&a, "neighbor 192.0.2.4 remote-as 2"), 0);
	ck_assert_int_eq(env.running->bgp->neighbor_count, 2);
	ck_assert_int_eq(cli_execute(&b, "exit"), 0);
	ck_assert_int_eq(cli_execute(&b, "no router bgp"), 0);
	output();
	/* a is told, lands in config mode, and its command is not applied
	 * to anything stale. */
	ck_assert_int_eq(cli_execute(&a, "neighbor 192.0.2.5 remote-as 3"), -1);
	ck_assert_ptr_nonnull(strstr(output(), "router bgp was removed by another session"));
	ck_assert_int_eq(a.node, NODE_CONFIG);
	ck_assert_ptr_null(env.running->bgp);
}
END_TEST

/* A transaction replaces the running config while a session sits in it. */
START_TEST(test_load_under_open_session)
{
	struct cli_session s;
	char errbuf[256] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	static const char text[] = "hostname loaded\nrouter bgp 7\n neighbor 192.0.2.1 remote-as 8\n";

	cli_session_init(&s, &env, out);
	cli_execute(&s, "configure terminal");
	cli_execute(&s, "router bgp 7");
	ck_assert_int_eq(cli_load_text(&env, "pasted", text, strlen(text), err, NULL), 0);
	fclose(err);
	ck_assert_int_eq(cli_execute(&s, "neighbor 192.0.2.1 description still works"), 0);
	ck_assert_str_eq(env.running->bgp->neighbors[0].description, "still works");
	ck_assert_str_eq(env.running->hostname, "loaded");
}
END_TEST

START_TEST(test_write_memory_atomic_with_backup)
{
	char dir[] = "/tmp/skygate-cli-XXXXXX";
	char path[256], bak[256];
	struct cli_session s;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/routed.conf", dir);
	snprintf(bak, sizeof(bak), "%s/routed.conf.bak", dir);
	env.config_path = path;
	cli_session_init(&s, &env, out);
	cli_execute(&s, "configure terminal");
	cli_execute(&s, "hostname first");
	ck_assert_int_eq(cli_execute(&s, "do write memory"), 0);
	ck_assert_int_eq(access(bak, F_OK), -1);
	cli_execute(&s, "hostname second");
	ck_assert_int_eq(cli_execute(&s, "do write"), 0);
	char want[600];
	snprintf(want, sizeof(want), "Configuration saved to %s\nConfiguration saved to %s\n", path, path);
	ck_assert_str_eq(output(), want);
	/* The file loads back to the running config; .bak holds the previous one. */
	struct routed_config *loaded = NULL, *previous = NULL;
	ck_assert_int_eq(cli_load_file(&env, path, out, &loaded), 0);
	ck_assert(rcfg_equal(loaded, env.running));
	ck_assert_int_eq(cli_load_file(&env, bak, out, &previous), 0);
	ck_assert_str_eq(previous->hostname, "first");
	rcfg_free(loaded);
	rcfg_free(previous);
	/* No temporary file is left behind. */
	char cmd[512];
	snprintf(cmd, sizeof(cmd), "test $(ls -A '%s' | wc -l) -eq 2 && rm -rf '%s'", dir, dir);
	ck_assert_int_eq(system(cmd), 0);

	env.config_path = "/nonexistent-dir/routed.conf";
	ck_assert_int_eq(cli_execute(&s, "do write memory"), -1);
	ck_assert_ptr_nonnull(strstr(output(), "% cannot create /nonexistent-dir/routed.conf.tmp"));
	env.config_path = NULL;
}
END_TEST

START_TEST(test_completion_lists)
{
	struct cli_session s;
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_session_init(&s, &env, out);
	ck_assert_int_eq(cli_complete(&s, "show ", f), 0);
	fflush(f);
	ck_assert_ptr_nonnull(strstr(text, "k\trunning-config\tCurrent operating configuration\n"));
	ck_assert_ptr_nonnull(strstr(text, "k\tversion\tDisplays skygate version\n"));
	fclose(f);
	free(text);

	text = NULL;
	f = open_memstream(&text, &len);
	cli_execute(&s, "configure terminal");
	cli_execute(&s, "router bgp 1");
	ck_assert_int_eq(cli_complete(&s, "neighbor ", f), 0);
	fflush(f);
	ck_assert_str_eq(text, "v\tA.B.C.D\tNeighbor address\nv\tX:X::X:X\tIPv6 neighbor address\n");
	fclose(f);
	free(text);
}
END_TEST

START_TEST(test_show_json)
{
	struct cli_session s;

	cli_session_init(&s, &env, out);
	cli_execute(&s, "configure terminal");
	cli_execute(&s, "router bgp 64512");
	cli_execute(&s, "neighbor 2001:db8::2 remote-as internal");
	cli_execute(&s, "end");
	output();
	ck_assert_int_eq(cli_execute(&s, "show running-config json"), 0);
	struct json_object *o = json_tokener_parse(output());
	ck_assert_ptr_nonnull(o);
	struct json_object *bgp, *as, *nbrs, *n, *remote;
	ck_assert(json_object_object_get_ex(o, "routerBgp", &bgp));
	ck_assert(json_object_object_get_ex(bgp, "as", &as));
	ck_assert_int_eq(json_object_get_int64(as), 64512);
	ck_assert(json_object_object_get_ex(bgp, "neighbors", &nbrs));
	ck_assert(json_object_object_get_ex(nbrs, "2001:db8::2", &n));
	ck_assert(json_object_object_get_ex(n, "remoteAs", &remote));
	ck_assert_str_eq(json_object_get_string(remote), "internal");
	json_object_put(o);

	ck_assert_int_eq(cli_execute(&s, "sh ver json"), 0);
	o = json_tokener_parse(output());
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "version", &as));
	json_object_put(o);
}
END_TEST

START_TEST(test_reference_lists_every_command)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	cli_print_reference(env.reg, f);
	fclose(f);
	ck_assert_ptr_nonnull(strstr(text, "| `show version [json]` | Displays skygate version |"));
	ck_assert_ptr_nonnull(strstr(text, "| `write [memory\\|file\\|terminal]` |"));
	ck_assert_ptr_nonnull(strstr(text, "## router bgp ASN"));
	/* Every registered, visible command appears. */
	for (int node = 0; node < NODE_COUNT; node++)
		for (size_t i = 0; cmd_at(env.reg, node, i) != NULL; i++) {
			const char *syntax = cmd_at(env.reg, node, i)->syntax;
			if (strchr(syntax, '|') == NULL)
				ck_assert_msg(strstr(text, syntax) != NULL, "missing %s", syntax);
		}
	free(text);
}
END_TEST

static Suite *routed_cli_suite(void)
{
	Suite *s = suite_create("routed_cli");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_golden_round_trip, 0, (int)(sizeof(goldens) / sizeof(goldens[0])));
	tcase_add_loop_test(tc, test_load_errors_change_nothing, 0, (int)(sizeof(load_errors) / sizeof(load_errors[0])));
	tcase_add_test(tc, test_interactive_nodes_and_errors);
	tcase_add_test(tc, test_no_forms);
	tcase_add_test(tc, test_two_sessions);
	tcase_add_test(tc, test_load_under_open_session);
	tcase_add_test(tc, test_write_memory_atomic_with_backup);
	tcase_add_test(tc, test_completion_lists);
	tcase_add_test(tc, test_show_json);
	tcase_add_test(tc, test_reference_lists_every_command);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(routed_cli_suite());
}
