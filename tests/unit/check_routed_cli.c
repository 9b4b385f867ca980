/*
 * routed's CLI: golden round trips (input -> print -> parse -> print), every
 * configuration command and its `no` form, errors that change nothing,
 * transactions with file:line errors, sessions that outlive what they edit,
 * `do`, `write memory`, completion lists and JSON output; every BGP option:
 * set, printed, read back, undone by its `no` form, refused when bad.
 */
#include <check.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli_harness.h"
#include "prefix.h"
#include "unit.h"

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

static const char *const goldens[] = {"empty", "full", "parents", "neighbor-options", "approval", "domains", "advertise"};

START_TEST(test_golden_round_trip)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.in", goldens[_i]);
	char *input = read_golden(name);
	snprintf(name, sizeof(name), "%s.out", goldens[_i]);
	char *want = read_golden(name);

	rcfg_free(check_round_trip(goldens[_i], input, want));
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

/* Load text as a transaction into a new config (the running one is untouched). */
static struct routed_config *load(const char *text)
{
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct routed_config *cfg = NULL;

	ck_assert_ptr_nonnull(err);
	int rc = cli_load_text(&env, "t", text, strlen(text), err, &cfg);
	fclose(err);
	ck_assert_msg(rc == 0, "%s\n--- in:\n%s", errbuf, text);
	return cfg;
}

/* Two neighbors, one eBGP over IPv4 and one iBGP over IPv6, to hang options on. */
static const char option_base[] = "router bgp 64512\n"
				  " neighbor 192.0.2.2 remote-as 64513\n"
				  " neighbor 2001:db8::2 remote-as internal\n";

struct option_case {
	const char *node;   /* lines entering the node the option lives in */
	const char *set;    /* the option */
	const char *want;   /* the line show running-config prints for it */
	const char *undo;   /* its `no` form, in the same node */
};

#define AF4 " address-family ipv4 unicast\n"
#define AF6 " address-family ipv6 unicast\n"

static const struct option_case option_cases[] = {
	{"", "no bgp log-neighbor-changes", " no bgp log-neighbor-changes\n", "bgp log-neighbor-changes"},
	{"", "bgp ebgp-requires-policy", " bgp ebgp-requires-policy\n", "no bgp ebgp-requires-policy"},
	{"", "bgp graceful-restart", " bgp graceful-restart\n", "no bgp graceful-restart"},
	{"", "bgp graceful-restart restart-time 0", " bgp graceful-restart restart-time 0\n",
	 "no bgp graceful-restart restart-time"},
	{"", "bgp graceful-restart restart-time 4095", " bgp graceful-restart restart-time 4095\n",
	 "no bgp graceful-restart restart-time 4095"},
	{"", "bgp graceful-restart stalepath-time 1", " bgp graceful-restart stalepath-time 1\n",
	 "no bgp graceful-restart stalepath-time"},
	{"", "bgp graceful-restart stalepath-time 4095", " bgp graceful-restart stalepath-time 4095\n",
	 "no bgp graceful-restart stalepath-time 4095"},
	{"", "timers bgp 3 9", " timers bgp 3 9\n", "no timers bgp"},
	{"", "timers bgp 0 0", " timers bgp 0 0\n", "no timers bgp 0 0"},
	{"", "timers bgp 60 0", " timers bgp 60 0\n", "no timers bgp"},
	{"", "neighbor 192.0.2.2 update-source 192.0.2.1", " neighbor 192.0.2.2 update-source 192.0.2.1\n",
	 "no neighbor 192.0.2.2 update-source"},
	{"", "neighbor 192.0.2.2 update-source eth0.100", " neighbor 192.0.2.2 update-source eth0.100\n",
	 "no neighbor 192.0.2.2 update-source eth0.100"},
	{"", "neighbor 2001:db8::2 update-source 2001:DB8:0::1", " neighbor 2001:db8::2 update-source 2001:db8::1\n",
	 "no neighbor 2001:db8::2 update-source 2001:db8::1"},
	{"", "neighbor 192.0.2.2 ebgp-multihop", " neighbor 192.0.2.2 ebgp-multihop\n",
	 "no neighbor 192.0.2.2 ebgp-multihop"},
	{"", "neighbor 192.0.2.2 ebgp-multihop 255", " neighbor 192.0.2.2 ebgp-multihop\n",
	 "no neighbor 192.0.2.2 ebgp-multihop 255"},
	{"", "neighbor 192.0.2.2 ebgp-multihop 2", " neighbor 192.0.2.2 ebgp-multihop 2\n",
	 "no neighbor 192.0.2.2 ebgp-multihop"},
	{"", "neighbor 192.0.2.2 ttl-security hops 1", " neighbor 192.0.2.2 ttl-security hops 1\n",
	 "no neighbor 192.0.2.2 ttl-security hops 1"},
	{"", "neighbor 2001:db8::2 ttl-security hops 254", " neighbor 2001:db8::2 ttl-security hops 254\n",
	 "no neighbor 2001:db8::2 ttl-security"},
	{"", "neighbor 192.0.2.2 password x", " neighbor 192.0.2.2 password x\n", "no neighbor 192.0.2.2 password"},
	{"", "neighbor 192.0.2.2 password 12345678901234567890123456789012345678901234567890123456789012345678901234567890",
	 " neighbor 192.0.2.2 password 12345678901234567890123456789012345678901234567890123456789012345678901234567890\n",
	 "no neighbor 192.0.2.2 password whatever"},
	{"", "neighbor 192.0.2.2 passive", " neighbor 192.0.2.2 passive\n", "no neighbor 192.0.2.2 passive"},
	{"", "neighbor 192.0.2.2 local-as 1", " neighbor 192.0.2.2 local-as 1\n", "no neighbor 192.0.2.2 local-as"},
	{"", "neighbor 192.0.2.2 local-as 4294967295 no-prepend", " neighbor 192.0.2.2 local-as 4294967295 no-prepend\n",
	 "no neighbor 192.0.2.2 local-as 4294967295 no-prepend"},
	{"", "neighbor 2001:db8::2 local-as 65000 no-prepend replace-as",
	 " neighbor 2001:db8::2 local-as 65000 no-prepend replace-as\n",
	 "no neighbor 2001:db8::2 local-as 65000 no-prepend replace-as"},
	{"", "neighbor 192.0.2.2 disable-connected-check", " neighbor 192.0.2.2 disable-connected-check\n",
	 "no neighbor 192.0.2.2 disable-connected-check"},
	{"", "neighbor 192.0.2.2 timers connect 1", " neighbor 192.0.2.2 timers connect 1\n",
	 "no neighbor 192.0.2.2 timers connect"},
	{"", "neighbor 192.0.2.2 timers connect 65535", " neighbor 192.0.2.2 timers connect 65535\n",
	 "no neighbor 192.0.2.2 timers connect 65535"},
	{"", "neighbor 192.0.2.2 advertisement-interval 0", " neighbor 192.0.2.2 advertisement-interval 0\n",
	 "no neighbor 192.0.2.2 advertisement-interval"},
	{"", "neighbor 192.0.2.2 advertisement-interval 600", " neighbor 192.0.2.2 advertisement-interval 600\n",
	 "no neighbor 192.0.2.2 advertisement-interval 600"},
	{AF4, "neighbor 192.0.2.2 next-hop-self", "  neighbor 192.0.2.2 next-hop-self\n",
	 "no neighbor 192.0.2.2 next-hop-self"},
	{AF6, "neighbor 2001:db8::2 next-hop-self", "  neighbor 2001:db8::2 next-hop-self\n",
	 "no neighbor 2001:db8::2 next-hop-self"},
	{AF6, "neighbor 192.0.2.2 next-hop-self", "  neighbor 192.0.2.2 next-hop-self\n",
	 "no neighbor 192.0.2.2 next-hop-self"},
	{AF4, "neighbor 192.0.2.2 maximum-prefix 1", "  neighbor 192.0.2.2 maximum-prefix 1\n",
	 "no neighbor 192.0.2.2 maximum-prefix"},
	{AF4, "neighbor 192.0.2.2 maximum-prefix 4294967295 100 warning-only",
	 "  neighbor 192.0.2.2 maximum-prefix 4294967295 100 warning-only\n",
	 "no neighbor 192.0.2.2 maximum-prefix 4294967295 100 warning-only"},
	{AF4, "neighbor 192.0.2.2 maximum-prefix 10 warning-only", "  neighbor 192.0.2.2 maximum-prefix 10 warning-only\n",
	 "no neighbor 192.0.2.2 maximum-prefix 10"},
	{AF6, "neighbor 2001:db8::2 maximum-prefix 10 75", "  neighbor 2001:db8::2 maximum-prefix 10\n",
	 "no neighbor 2001:db8::2 maximum-prefix 10 75"},
	{AF4, "neighbor 192.0.2.2 maximum-prefix-out 100", "  neighbor 192.0.2.2 maximum-prefix-out 100\n",
	 "no neighbor 192.0.2.2 maximum-prefix-out"},
	{AF6, "neighbor 2001:db8::2 maximum-prefix-out 4294967295",
	 "  neighbor 2001:db8::2 maximum-prefix-out 4294967295\n", "no neighbor 2001:db8::2 maximum-prefix-out 4294967295"},
	{AF4, "neighbor 192.0.2.2 advertise-summary", "  neighbor 192.0.2.2 advertise-summary\n",
	 "no neighbor 192.0.2.2 advertise-summary"},
	{AF4, "neighbor 192.0.2.2 advertise-summary allow-overreach",
	 "  neighbor 192.0.2.2 advertise-summary allow-overreach\n", "no neighbor 192.0.2.2 advertise-summary"},
	/* Sorted and without duplicates. */
	{AF4, "neighbor 192.0.2.2 advertise-cidrs 198.19.0.0/16 198.18.0.0/15 198.19.0.0/16",
	 "  neighbor 192.0.2.2 advertise-cidrs 198.18.0.0/15 198.19.0.0/16\n", "no neighbor 192.0.2.2 advertise-cidrs"},
	{AF6, "neighbor 2001:db8::2 advertise-cidrs 2001:db8:1::/48", "  neighbor 2001:db8::2 advertise-cidrs 2001:db8:1::/48\n",
	 "no neighbor 2001:db8::2 advertise-cidrs 2001:db8:1::/48"},
	{AF4, "neighbor 192.0.2.2 allowas-in", "  neighbor 192.0.2.2 allowas-in\n", "no neighbor 192.0.2.2 allowas-in"},
	{AF4, "neighbor 192.0.2.2 allowas-in 3", "  neighbor 192.0.2.2 allowas-in\n", "no neighbor 192.0.2.2 allowas-in 3"},
	{AF4, "neighbor 192.0.2.2 allowas-in 1", "  neighbor 192.0.2.2 allowas-in 1\n", "no neighbor 192.0.2.2 allowas-in"},
	{AF6, "neighbor 2001:db8::2 allowas-in 10", "  neighbor 2001:db8::2 allowas-in 10\n",
	 "no neighbor 2001:db8::2 allowas-in 10"},
	{AF4, "neighbor 192.0.2.2 allowas-in origin", "  neighbor 192.0.2.2 allowas-in origin\n",
	 "no neighbor 192.0.2.2 allowas-in origin"},
	{AF4, "neighbor 192.0.2.2 soft-reconfiguration inbound", "  neighbor 192.0.2.2 soft-reconfiguration inbound\n",
	 "no neighbor 192.0.2.2 soft-reconfiguration inbound"},
	{AF6, "neighbor 2001:db8::2 soft-reconfiguration inbound",
	 "  neighbor 2001:db8::2 soft-reconfiguration inbound\n", "no neighbor 2001:db8::2 soft-reconfiguration inbound"},
	{AF4, "neighbor 192.0.2.2 weight 1", "  neighbor 192.0.2.2 weight 1\n", "no neighbor 192.0.2.2 weight"},
	{AF6, "neighbor 2001:db8::2 weight 65535", "  neighbor 2001:db8::2 weight 65535\n",
	 "no neighbor 2001:db8::2 weight 65535"},
	{AF4, "neighbor 192.0.2.2 route-map IMPORT in", "  neighbor 192.0.2.2 route-map IMPORT in\n",
	 "no neighbor 192.0.2.2 route-map IMPORT in"},
	{AF4, "neighbor 192.0.2.2 route-map EXPORT out", "  neighbor 192.0.2.2 route-map EXPORT out\n",
	 "no neighbor 192.0.2.2 route-map OTHER out"},
	{AF6, "neighbor 2001:db8::2 route-map m6 in", "  neighbor 2001:db8::2 route-map m6 in\n",
	 "no neighbor 2001:db8::2 route-map m6 in"},
	{AF4, "neighbor 192.0.2.2 prefix-list CUSTOMERS in", "  neighbor 192.0.2.2 prefix-list CUSTOMERS in\n",
	 "no neighbor 192.0.2.2 prefix-list CUSTOMERS in"},
	{AF6, "neighbor 2001:db8::2 prefix-list p6 out", "  neighbor 2001:db8::2 prefix-list p6 out\n",
	 "no neighbor 2001:db8::2 prefix-list p6 out"},
	{AF4, "neighbor 192.0.2.2 filter-list AS-PATHS in", "  neighbor 192.0.2.2 filter-list AS-PATHS in\n",
	 "no neighbor 192.0.2.2 filter-list AS-PATHS in"},
	{AF6, "neighbor 192.0.2.2 filter-list paths out", "  neighbor 192.0.2.2 filter-list paths out\n",
	 "no neighbor 192.0.2.2 filter-list paths out"},
	{AF4, "neighbor 192.0.2.2 route-map "
	      "a23456789012345678901234567890123456789012345678901234567890123 in",
	 "  neighbor 192.0.2.2 route-map a23456789012345678901234567890123456789012345678901234567890123 in\n",
	 "no neighbor 192.0.2.2 route-map x in"},
	{AF4, "maximum-paths 64", "  maximum-paths 64\n", "no maximum-paths"},
	{AF4, "maximum-paths ibgp 2", "  maximum-paths ibgp 2\n", "no maximum-paths ibgp 2"},
	{AF6, "maximum-paths 8", "  maximum-paths 8\n", "no maximum-paths 8"},
	{AF6, "maximum-paths ibgp 64", "  maximum-paths ibgp 64\n", "no maximum-paths ibgp"},
};

/* Each option: set -> printed -> reparsed -> equal; its `no` form gives back
 * the configuration without it, printed the same. */
START_TEST(test_option_round_trip_and_no_form)
{
	const struct option_case *tc = &option_cases[_i];
	char text[2048];

	struct routed_config *base = load(option_base);
	snprintf(text, sizeof(text), "%s%s %s\n", option_base, tc->node, tc->set);
	struct routed_config *set = load(text);
	ck_assert_msg(!rcfg_equal(base, set), "%s changed nothing", tc->set);
	char *printed = print_config(set);
	ck_assert_msg(strstr(printed, tc->want) != NULL, "want \"%s\" in:\n%s", tc->want, printed);
	struct routed_config *again = load(printed);
	ck_assert_msg(rcfg_equal(set, again), "%s does not read back:\n%s", tc->set, printed);

	snprintf(text, sizeof(text), "%s%s %s\n %s\n", option_base, tc->node, tc->set, tc->undo);
	struct routed_config *undone = load(text);
	ck_assert_msg(rcfg_equal(base, undone), "%s does not undo %s", tc->undo, tc->set);
	char *base_text = print_config(base), *undone_text = print_config(undone);
	ck_assert_str_eq(undone_text, base_text);

	free(base_text);
	free(undone_text);
	free(printed);
	rcfg_free(base);
	rcfg_free(set);
	rcfg_free(again);
	rcfg_free(undone);
}
END_TEST

struct bad_case {
	const char *node;  /* "" (router bgp) or "address-family ..." */
	const char *line;
	const char *want;  /* the whole output */
};

static const struct bad_case bad_cases[] = {
	{"", "neighbor 198.51.100.1 ttl-security hops 1",
	 "% ebgp-multihop and ttl-security cannot be configured together\n"},
	{"", "neighbor 192.0.2.2 ebgp-multihop", "% ebgp-multihop and ttl-security cannot be configured together\n"},
	{"", "neighbor 192.0.2.2 ebgp-multihop 1", "% ebgp-multihop and ttl-security cannot be configured together\n"},
	{"", "neighbor 198.51.100.1 ebgp-multihop 256", "% Invalid value '256' for (1-255)\n"},
	{"", "neighbor 198.51.100.1 ebgp-multihop 0", "% Invalid value '0' for (1-255)\n"},
	{"", "neighbor 192.0.2.2 ttl-security hops 255", "% Invalid value '255' for (1-254)\n"},
	{"", "neighbor 192.0.2.2 ttl-security hops 0", "% Invalid value '0' for (1-254)\n"},
	{"", "neighbor 192.0.2.2 ttl-security 2", "% Unknown command: '2' in \"neighbor 192.0.2.2 ttl-security 2\"\n"},
	{"", "neighbor 198.51.100.1 local-as 64512", "% Cannot have local-as same as BGP AS number\n"},
	{"", "neighbor 198.51.100.1 local-as 0", "% Invalid value '0' for (1-4294967295)\n"},
	{"", "neighbor 198.51.100.1 local-as 65100 replace-as",
	 "% Unknown command: 'replace-as' in \"neighbor 198.51.100.1 local-as 65100 replace-as\"\n"},
	{"", "neighbor 198.51.100.1 password two words", "% Password may not contain blanks\n"},
	{"", "neighbor 198.51.100.1 password 123456789012345678901234567890123456789012345678901234567890123456789012345678901",
	 "% Password longer than 80 characters (the kernel's TCP-MD5 key limit)\n"},
	{"", "neighbor 198.51.100.1 update-source 2001:db8::1",
	 "% update-source 2001:db8::1 is not an IPv4 address, as neighbor 198.51.100.1 is\n"},
	{"", "neighbor 2001:db8::2 update-source 192.0.2.1",
	 "% update-source 192.0.2.1 is not an IPv6 address, as neighbor 2001:db8::2 is\n"},
	{"", "neighbor 198.51.100.1 update-source 0.0.0.0",
	 "% Invalid update-source address 0.0.0.0: not a unicast address\n"},
	{"", "neighbor 198.51.100.1 update-source 224.0.0.5",
	 "% Invalid update-source address 224.0.0.5: not a unicast address\n"},
	{"", "neighbor 2001:db8::2 update-source ff02::1", "% Invalid update-source address ff02::1: not a unicast address\n"},
	{"", "neighbor 198.51.100.1 update-source 1.2.3", "% Malformed update-source address '1.2.3'\n"},
	{"", "neighbor 198.51.100.1 update-source 2001:db8::zz", "% Malformed update-source address '2001:db8::zz'\n"},
	{"", "neighbor 198.51.100.1 update-source 198.51.100.0/24",
	 "% Invalid interface name '198.51.100.0/24': at most 15 characters, no '/'\n"},
	{"", "neighbor 198.51.100.1 update-source a-very-long-name",
	 "% Invalid interface name 'a-very-long-name': at most 15 characters, no '/'\n"},
	{"", "neighbor 198.51.100.1 timers connect 0", "% Invalid value '0' for (1-65535)\n"},
	{"", "neighbor 198.51.100.1 timers connect 65536", "% Invalid value '65536' for (1-65535)\n"},
	{"", "neighbor 198.51.100.1 advertisement-interval 601", "% Invalid value '601' for (0-600)\n"},
	{"", "neighbor 192.0.2.99 passive", "% Specify remote-as or peer-group commands first\n"},
	{"", "neighbor 192.0.2.99 password x", "% Specify remote-as or peer-group commands first\n"},
	{"", "no neighbor 192.0.2.99 update-source", "% Specify remote-as or peer-group commands first\n"},
	{"", "neighbor 198.51.100.1 next-hop-self",
	 "% Unknown command: 'next-hop-self' in \"neighbor 198.51.100.1 next-hop-self\"\n"},
	{"", "timers bgp 1 2", "% Hold time must be 0 or at least 3 seconds (RFC 4271 section 4.2)\n"},
	{"", "timers bgp 10 65536", "% Invalid value '65536' for (0-65535)\n"},
	{"", "bgp graceful-restart restart-time 4096", "% Invalid value '4096' for (0-4095)\n"},
	{"", "bgp graceful-restart stalepath-time 0", "% Invalid value '0' for (1-4095)\n"},
	{"", "maximum-paths 4", "% Unknown command: 'maximum-paths' in \"maximum-paths 4\"\n"},
	{AF4, "neighbor 198.51.100.1 maximum-prefix 0", "% Invalid value '0' for (1-4294967295)\n"},
	{AF4, "neighbor 198.51.100.1 maximum-prefix 10 101", "% Invalid value '101' for (1-100)\n"},
	{AF4, "neighbor 198.51.100.1 maximum-prefix 10 0", "% Invalid value '0' for (1-100)\n"},
	{AF4, "neighbor 198.51.100.1 allowas-in 11", "% Invalid value '11' for (1-10)\n"},
	{AF4, "neighbor 198.51.100.1 maximum-prefix-out 0", "% Invalid value '0' for (1-4294967295)\n"},
	{AF4, "neighbor 198.51.100.1 advertise-cidrs 198.18.0.1/16",
	 "% Malformed prefix '198.18.0.1/16' (a network, such as 198.18.0.0/16)\n"},
	{AF4, "neighbor 198.51.100.1 advertise-cidrs 198.18.0.0/16 bogus",
	 "% Malformed prefix 'bogus' (a network, such as 198.18.0.0/16)\n"},
	{AF4, "neighbor 198.51.100.1 advertise-cidrs 2001:db8::/32", "% 2001:db8::/32 is not an ipv4 prefix\n"},
	{AF4, "neighbor 192.0.2.99 advertise-summary", "% Specify remote-as or peer-group commands first\n"},
	{AF4, "neighbor 198.51.100.1 allowas-in 0", "% Invalid value '0' for (1-10)\n"},
	{AF4, "neighbor 192.0.2.99 next-hop-self", "% Specify remote-as or peer-group commands first\n"},
	{AF4, "neighbor 192.0.2.99 allowas-in", "% Specify remote-as or peer-group commands first\n"},
	{AF4, "maximum-paths 65", "% Invalid value '65' for (1-64)\n"},
	{AF4, "neighbor 192.0.2.99 route-map m in", "% Specify remote-as or peer-group commands first\n"},
	{AF4, "neighbor 198.51.100.1 route-map m both",
	 "% Unknown command: 'both' in \"neighbor 198.51.100.1 route-map m both\"\n"},
	{AF4, "neighbor 198.51.100.1 prefix-list p", "% Command incomplete: \"neighbor 198.51.100.1 prefix-list p\"\n"},
	{AF4, "neighbor 198.51.100.1 filter-list "
	      "a234567890123456789012345678901234567890123456789012345678901234 out",
	 "% filter-list name 'a234567890123456789012345678901234567890123456789012345678901234' is longer than 63 "
	 "characters\n"},
	{"", "neighbor 198.51.100.1 route-map m in",
	 "% Unknown command: 'route-map' in \"neighbor 198.51.100.1 route-map m in\"\n"},
	{AF6, "maximum-paths ibgp 0", "% Invalid value '0' for (1-64)\n"},
};

/* A bad value is refused with one line, and the configuration, full of
 * options, stays as it was. */
START_TEST(test_bad_option_changes_nothing)
{
	const struct bad_case *tc = &bad_cases[_i];
	char *text = read_golden("neighbor-options.in");
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct cli_session s;

	ck_assert_msg(cli_load_text(&env, "golden", text, strlen(text), err, NULL) == 0, "%s", errbuf);
	fclose(err);
	free(text);
	cli_session_init(&s, &env, out);
	ck_assert_int_eq(cli_execute(&s, "configure terminal"), 0);
	ck_assert_int_eq(cli_execute(&s, "router bgp 64512"), 0);
	if (tc->node[0] != '\0')
		ck_assert_int_eq(cli_execute(&s, tc->node), 0);
	output();
	struct routed_config *before = rcfg_clone(env.running);
	ck_assert_int_eq(cli_execute(&s, tc->line), -1);
	ck_assert_str_eq(output(), tc->want);
	ck_assert(rcfg_equal(before, env.running));
	rcfg_free(before);
}
END_TEST

static const struct bgp_neighbor_config *neighbor_at(const struct routed_config *cfg, const char *addr)
{
	struct prefix p;

	ck_assert_int_eq(prefix_parse(addr, &p), 0);
	return rcfg_neighbor_find(cfg->bgp, &p);
}

/* What `router bgp` starts with, and that none of it is printed. */
START_TEST(test_bgp_defaults)
{
	struct routed_config *cfg = load("router bgp 1\n neighbor 192.0.2.2 remote-as 2\n");
	const struct bgp_config *bgp = cfg->bgp;

	ck_assert(bgp->log_neighbor_changes);
	ck_assert(!bgp->ebgp_requires_policy);
	ck_assert(!bgp->graceful_restart);
	ck_assert_int_eq(bgp->keepalive, 60);
	ck_assert_int_eq(bgp->holdtime, 180);
	ck_assert_int_eq(bgp->restart_time, 120);
	ck_assert_int_eq(bgp->stalepath_time, 360);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		ck_assert_int_eq(bgp->af[afi].maximum_paths, 1);
		ck_assert_int_eq(bgp->af[afi].maximum_paths_ibgp, 1);
	}
	const struct bgp_neighbor_config *n = neighbor_at(cfg, "192.0.2.2");
	ck_assert_ptr_nonnull(n);
	ck_assert(n->local_as == 0 && n->password[0] == '\0' && !n->passive && n->ebgp_multihop == 0 &&
		  n->ttl_security_hops == 0 && !n->disable_connected_check && n->update_source == UPDATE_SOURCE_NONE &&
		  !n->advertisement_interval_set && n->connect_retry == 0);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		ck_assert(!n->af[afi].next_hop_self && n->af[afi].max_prefix == 0 &&
			  n->af[afi].allowas_in == ALLOWAS_IN_OFF);
	char *text = print_config(cfg);
	ck_assert_str_eq(text, "hostname skygate\n!\nrouter bgp 1\n neighbor 192.0.2.2 remote-as 2\nexit\n!\nend\n");
	/* Setting a default explicitly prints nothing either. */
	struct routed_config *explicit = load("router bgp 1\n neighbor 192.0.2.2 remote-as 2\n bgp log-neighbor-changes\n"
					      " no bgp ebgp-requires-policy\n timers bgp 60 180\n"
					      " bgp graceful-restart restart-time 120\n bgp graceful-restart stalepath-time 360\n"
					      " neighbor 192.0.2.2 ebgp-multihop 1\n address-family ipv4\n  maximum-paths 1\n"
					      "  maximum-paths ibgp 1\n");
	ck_assert(rcfg_equal(cfg, explicit));
	free(text);
	rcfg_free(cfg);
	rcfg_free(explicit);
}
END_TEST

/* Per-AFI options of one family leave the other alone, in the model too. */
START_TEST(test_af_options_per_family)
{
	struct routed_config *cfg = load("router bgp 1\n neighbor 192.0.2.2 remote-as 2\n address-family ipv6\n"
					 "  neighbor 192.0.2.2 next-hop-self\n  neighbor 192.0.2.2 allowas-in origin\n"
					 "  neighbor 192.0.2.2 maximum-prefix 100 50\n  maximum-paths 3\n");
	const struct bgp_neighbor_config *n = neighbor_at(cfg, "192.0.2.2");

	ck_assert(n->af[BGP_AFI_IPV6].next_hop_self && !n->af[BGP_AFI_IPV4].next_hop_self);
	ck_assert_int_eq(n->af[BGP_AFI_IPV6].allowas_in, ALLOWAS_IN_ORIGIN);
	ck_assert_int_eq(n->af[BGP_AFI_IPV4].allowas_in, ALLOWAS_IN_OFF);
	ck_assert_int_eq(n->af[BGP_AFI_IPV6].max_prefix, 100);
	ck_assert_int_eq(n->af[BGP_AFI_IPV6].max_prefix_threshold, 50);
	ck_assert_int_eq(n->af[BGP_AFI_IPV4].max_prefix, 0);
	ck_assert_int_eq(cfg->bgp->af[BGP_AFI_IPV6].maximum_paths, 3);
	ck_assert_int_eq(cfg->bgp->af[BGP_AFI_IPV4].maximum_paths, 1);
	/* Activation is untouched: the IPv4 neighbor is still not active in
	 * IPv6, so the printed block holds no `activate`. */
	ck_assert(!n->active[BGP_AFI_IPV6]);
	char *text = print_config(cfg);
	ck_assert_str_eq(text, "hostname skygate\n!\nrouter bgp 1\n neighbor 192.0.2.2 remote-as 2\n !\n"
			       " address-family ipv6 unicast\n  neighbor 192.0.2.2 next-hop-self\n"
			       "  neighbor 192.0.2.2 maximum-prefix 100 50\n  neighbor 192.0.2.2 allowas-in origin\n"
			       "  maximum-paths 3\n exit-address-family\nexit\n!\nend\n");
	free(text);
	rcfg_free(cfg);
}
END_TEST

static size_t count_of(const char *text, const char *needle)
{
	size_t n = 0;

	for (size_t i = 0; text[i] != '\0'; i++)
		n += strncmp(text + i, needle, strlen(needle)) == 0;
	return n;
}

/* `no neighbor X` drops every option; the neighbor comes back with defaults. */
START_TEST(test_delete_neighbor_drops_options)
{
	char *golden = read_golden("neighbor-options.in");
	char *text = NULL;

	ck_assert_int_gt(asprintf(&text, "%srouter bgp 64512\n no neighbor 198.51.100.1\n"
				  " neighbor 198.51.100.1 remote-as 64513\n", golden), 0);
	struct routed_config *cfg = load(text);
	free(text);
	struct routed_config *fresh = load("router bgp 64512\n neighbor 198.51.100.1 remote-as 64513\n");
	const struct bgp_neighbor_config *n = neighbor_at(cfg, "198.51.100.1"), *f = neighbor_at(fresh, "198.51.100.1");

	ck_assert_ptr_nonnull(n);
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(memcmp(n, f, sizeof(*n)), 0);
	char *printed = print_config(cfg);
	/* Its address appears once: in remote-as. */
	ck_assert_msg(count_of(printed, "198.51.100.1") == 1, "options left over:\n%s", printed);
	ck_assert_ptr_nonnull(strstr(printed, " neighbor 198.51.100.1 remote-as 64513\n"));
	/* The other neighbors keep theirs. */
	ck_assert_ptr_nonnull(strstr(printed, " neighbor 192.0.2.2 password s3cret-Key!\n"));
	free(printed);
	free(golden);
	rcfg_free(cfg);
	rcfg_free(fresh);
}
END_TEST

/* The member at a '/'-separated path of keys ("neighbors/192.0.2.2/passive"). */
static struct json_object *jget(struct json_object *o, const char *path)
{
	char keys[256];

	snprintf(keys, sizeof(keys), "%s", path);
	for (char *save = NULL, *key = strtok_r(keys, "/", &save); key != NULL; key = strtok_r(NULL, "/", &save))
		ck_assert_msg(json_object_object_get_ex(o, key, &o), "no %s in %s", key, path);
	return o;
}

START_TEST(test_options_json_without_password)
{
	char *golden = read_golden("neighbor-options.in");
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct cli_session s;

	ck_assert_msg(cli_load_text(&env, "golden", golden, strlen(golden), err, NULL) == 0, "%s", errbuf);
	fclose(err);
	free(golden);
	cli_session_init(&s, &env, out);
	output();
	ck_assert_int_eq(cli_execute(&s, "show running-config json"), 0);
	const char *text = output();
	/* The keys are in the running config, never in JSON. */
	ck_assert_ptr_null(strstr(text, "s3cret-Key!"));
	ck_assert_ptr_null(strstr(text, "other"));
	ck_assert_ptr_null(strstr(text, "\"password\""));
	struct json_object *o = json_tokener_parse(text);
	ck_assert_ptr_nonnull(o);

	struct json_object *bgp = jget(o, "routerBgp");
	ck_assert(!json_object_get_boolean(jget(bgp, "logNeighborChanges")));
	ck_assert(json_object_get_boolean(jget(bgp, "ebgpRequiresPolicy")));
	ck_assert(json_object_get_boolean(jget(bgp, "gracefulRestart")));
	ck_assert_int_eq(json_object_get_int(jget(bgp, "gracefulRestartTime")), 90);
	ck_assert_int_eq(json_object_get_int(jget(bgp, "holdTimer")), 30);
	ck_assert_int_eq(json_object_get_int(jget(bgp, "ipv4UnicastMaximumPaths")), 4);
	ck_assert_int_eq(json_object_get_int(jget(bgp, "ipv4UnicastMaximumPathsIbgp")), 8);

	struct json_object *ibgp = jget(bgp, "neighbors/192.0.2.2");
	ck_assert(json_object_get_boolean(jget(ibgp, "passwordSet")));
	ck_assert_int_eq(json_object_get_int(jget(ibgp, "ttlSecurityHops")), 2);
	ck_assert_str_eq(json_object_get_string(jget(ibgp, "updateSource")), "lo");
	ck_assert_int_eq(json_object_get_int(jget(ibgp, "connectRetryTimer")), 15);
	ck_assert_int_eq(json_object_get_int(jget(ibgp, "addressFamilyOptions/ipv4Unicast/allowasIn")), 3);

	struct json_object *ebgp = jget(bgp, "neighbors/198.51.100.1");
	ck_assert(json_object_get_boolean(jget(ebgp, "passive")));
	ck_assert_int_eq(json_object_get_int64(jget(ebgp, "localAs")), 65100);
	ck_assert(json_object_get_boolean(jget(ebgp, "localAsReplaceAs")));
	ck_assert_int_eq(json_object_get_int(jget(ebgp, "ebgpMultihop")), 4);
	ck_assert_str_eq(json_object_get_string(jget(ebgp, "updateSource")), "198.51.100.254");
	struct json_object *af = jget(ebgp, "addressFamilyOptions/ipv4Unicast");
	ck_assert_str_eq(json_object_get_string(jget(af, "allowasIn")), "origin");
	ck_assert_int_eq(json_object_get_int64(jget(af, "maximumPrefix")), 1000);
	ck_assert_int_eq(json_object_get_int(jget(af, "maximumPrefixThreshold")), 90);
	ck_assert(json_object_get_boolean(jget(af, "maximumPrefixWarningOnly")));
	ck_assert(json_object_get_boolean(jget(af, "nextHopSelf")));
	ck_assert_str_eq(json_object_get_string(jget(af, "prefixListIn")), "BOGONS");
	ck_assert_str_eq(json_object_get_string(jget(af, "prefixListOut")), "CUSTOMERS");
	ck_assert_str_eq(json_object_get_string(jget(af, "filterListIn")), "NO-BOGON-AS");
	ck_assert_str_eq(json_object_get_string(jget(af, "routeMapIn")), "TRANSIT-IN");
	ck_assert_str_eq(json_object_get_string(jget(af, "routeMapOut")), "TRANSIT-OUT");
	struct json_object *unused;
	ck_assert(!json_object_object_get_ex(af, "filterListOut", &unused));
	struct json_object *af6 = jget(bgp, "neighbors/2001:db8::2/addressFamilyOptions/ipv6Unicast");
	ck_assert_str_eq(json_object_get_string(jget(af6, "routeMapIn")), "V6-IN");
	ck_assert_str_eq(json_object_get_string(jget(af6, "prefixListOut")), "V6-OUT");

	/* A password set and removed leaves no trace. */
	struct json_object *gone = jget(bgp, "neighbors/203.0.113.7");
	ck_assert(!json_object_get_boolean(jget(gone, "passwordSet")));
	ck_assert_int_eq(json_object_get_int(jget(gone, "ebgpMultihop")), 255);
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

	tcase_add_checked_fixture(tc, cli_harness_setup, cli_harness_teardown);
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
	tcase_add_loop_test(tc, test_option_round_trip_and_no_form, 0,
			    (int)(sizeof(option_cases) / sizeof(option_cases[0])));
	tcase_add_loop_test(tc, test_bad_option_changes_nothing, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_bgp_defaults);
	tcase_add_test(tc, test_af_options_per_family);
	tcase_add_test(tc, test_delete_neighbor_drops_options);
	tcase_add_test(tc, test_options_json_without_password);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(routed_cli_suite());
}
