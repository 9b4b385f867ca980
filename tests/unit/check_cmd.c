/*
 * check_cmd.c - unit tests for the command grammar engine (lib/cmd_*.c).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "unit.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

enum {
	NODE_VIEW = 1,
	NODE_CONFIG,
	NODE_TYPES,
	NODE_PREC,
	NODE_TIE,
	NODE_GROUP,
	NODE_SCALE,
	NODE_NONE = 99, /* nothing is ever registered here */
};

static int handler(void *ctx, const struct cmd_args *args)
{
	(void)ctx;
	(void)args;
	return 0;
}

/* The help of "v4 A.B.C.D"-style test commands: a keyword and one variable. */
#define KW_VAR_HELP "Test keyword\nTest value\n"

static const struct cmd_def defs[] = {
	{ NODE_VIEW, "show ip bgp summary [json]",
	  "Show running system information\nIP information\nBGP information\n"
	  "Summary of BGP neighbor status\nJavaScript Object Notation\n",
	  handler, 0 },
	{ NODE_VIEW, "show ip bgp neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
	  "Show running system information\nIP information\nBGP information\n"
	  "Detailed information on TCP and BGP neighbor connections\n"
	  "Neighbor to display information about\nNeighbor to display information about\n"
	  "JavaScript Object Notation\n",
	  handler, 0 },
	{ NODE_VIEW, "show interface [IFNAME]",
	  "Show running system information\nInterface status and configuration\n"
	  "Interface name\n",
	  handler, 0 },
	{ NODE_VIEW, "show ip route [<A.B.C.D|A.B.C.D/M>$dest] [json]",
	  "Show running system information\nIP information\nIP routing table\n"
	  "Network in the IP routing table to display\nIP prefix <network>/<length>\n"
	  "JavaScript Object Notation\n",
	  handler, 0 },
	{ NODE_VIEW, "show ipv6 route [<X:X::X:X|X:X::X:X/M>$dest] [json]",
	  "Show running system information\nIPv6 information\nIPv6 routing table\n"
	  "IPv6 address\nIPv6 prefix\nJavaScript Object Notation\n",
	  handler, 0 },
	{ NODE_VIEW, "ping <A.B.C.D|X:X::X:X|WORD>$host [count (1-100)$count]",
	  "Send echo messages\nIPv4 destination\nIPv6 destination\nHost name\n"
	  "Number of packets\nPackets to send\n",
	  handler, 0 },
	{ NODE_VIEW, "clear ip bgp [<all|A.B.C.D>$peer [soft [<in|out>$dir]]]",
	  "Reset functions\nIP information\nBGP information\nAll peers\nBGP neighbor\n"
	  "Soft reconfiguration\nInbound\nOutbound\n",
	  handler, 0 },
	{ NODE_VIEW, "configure terminal",
	  "Configuration from vty interface\nConfiguration terminal\n", handler, 0 },
	{ NODE_VIEW, "write [memory]", "Write running configuration\nTo the startup file\n",
	  handler, 0 },
	{ NODE_VIEW, "show debugging internals",
	  "Show running system information\nDebugging information\nEngine internals\n", handler,
	  CMD_FLAG_HIDDEN },

	{ NODE_CONFIG,
	  "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer remote-as "
	  "<(1-4294967295)$asn|internal$internal|external$external>",
	  "Negate a command\nSpecify neighbor router\nNeighbor address\nNeighbor IPv6 address\n"
	  "Neighbor tag\nSpecify a BGP neighbor\nAS number\nInternal BGP peer\n"
	  "External BGP peer\n",
	  handler, 0 },
	{ NODE_CONFIG, "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer description LINE$text",
	  "Negate a command\nSpecify neighbor router\nNeighbor address\nNeighbor IPv6 address\n"
	  "Neighbor tag\nNeighbor specific description\nUp to 80 characters\n",
	  handler, 0 },
	{ NODE_CONFIG, "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer shutdown",
	  "Negate a command\nSpecify neighbor router\nNeighbor address\nNeighbor IPv6 address\n"
	  "Neighbor tag\nAdministratively shut down this neighbor\n",
	  handler, 0 },
	{ NODE_CONFIG, "router bgp [(1-4294967295)$asn]",
	  "Enable a routing process\nBGP information\nAS number\n", handler, 0 },
	{ NODE_CONFIG, "show running-config",
	  "Show running system information\nCurrent operating configuration\n", handler, 0 },
	{ NODE_CONFIG, "shutdown", "Shut down the whole router\n", handler, 0 },
	{ NODE_CONFIG, "timers bgp (0-65535)$keepalive (0-65535)$holdtime",
	  "Adjust routing timers\nBGP timers\nKeepalive interval\nHold time\n", handler, 0 },
	{ NODE_CONFIG,
	  "ip prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action A.B.C.D/M$prefix "
	  "[ge (0-32)$ge] [le (0-32)$le]",
	  "IP information\nBuild a prefix list\nName of a prefix list\nSequence number\n"
	  "Sequence number\nSpecify packets to forward\nSpecify packets to reject\n"
	  "IP prefix <network>/<length>\nMinimum prefix length\nMinimum prefix length\n"
	  "Maximum prefix length\nMaximum prefix length\n",
	  handler, 0 },
	{ NODE_CONFIG, "bgp router-id A.B.C.D$id",
	  "BGP information\nOverride configured router identifier\nManually configured router "
	  "identifier\n",
	  handler, 0 },

	{ NODE_TYPES, "v4 A.B.C.D", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "v4p A.B.C.D/M", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "v6 X:X::X:X", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "v6p X:X::X:X/M", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "r1 (1-4294967295)", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "r0 (0-65535)", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "r2 (1-65535)", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "r5 (5-5)", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "u64 (0-18446744073709551615)", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "word WORD", KW_VAR_HELP, handler, 0 },
	{ NODE_TYPES, "line LINE", KW_VAR_HELP, handler, 0 },

	{ NODE_PREC, "p A.B.C.D", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p A.B.C.D/M", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p X:X::X:X", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p X:X::X:X/M", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p (1-100)", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p WORD", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p LINE", KW_VAR_HELP, handler, 0 },
	{ NODE_PREC, "p exact", "Test\nKeyword\n", handler, 0 },
	{ NODE_PREC, "p exactly", "Test\nKeyword\n", handler, 0 },
	{ NODE_PREC, "lex ip bar", "Test\nKeyword\nKeyword\n", handler, 0 },
	{ NODE_PREC, "lex WORD bar", "Test\nValue\nKeyword\n", handler, 0 },
	{ NODE_PREC, "lex WORD foo", "Test\nValue\nKeyword\n", handler, 0 },

	{ NODE_TIE, "debug (1-10)", "Debug\nLow level\n", handler, 0 },
	{ NODE_TIE, "debug (5-20)", "Debug\nHigh level\n", handler, 0 },
	{ NODE_TIE, "name WORD", "Name\nAny name\n", handler, 0 },
	{ NODE_TIE, "name IFNAME", "Name\nInterface name\n", handler, 0 },
	{ NODE_TIE, "dup <a|a>", "Twice\nFirst a\nSecond a\n", handler, 0 },

	{ NODE_GROUP, "show ip bgp <summary|neighbors [A.B.C.D]$addr>$what",
	  "Show\nIP\nBGP\nSummary\nNeighbors\nNeighbor address\n", handler, 0 },
	{ NODE_GROUP, "nest [a [b [c]]] end", "Nest\nA\nB\nC\nEnd\n", handler, 0 },
	{ NODE_GROUP, "pick <one (1-9)$n|two WORD$w [more]>$which",
	  "Pick\nOne\nNumber\nTwo\nWord\nMore\n", handler, 0 },
};

static struct cmd_registry *reg;

static void setup(void)
{
	char err[256];

	reg = cmd_registry_new();
	ck_assert_ptr_nonnull(reg);
	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		ck_assert_msg(cmd_register(reg, &defs[i], err, sizeof(err)) == 0, "%s: %s",
			      defs[i].syntax, err);
}

static void teardown(void)
{
	cmd_registry_free(reg);
	reg = NULL;
}

/* --- registration ------------------------------------------------------ */

START_TEST(test_register_counts)
{
	size_t view = 0;

	for (size_t i = 0; i < ARRAY_LEN(defs); i++)
		view += defs[i].node == NODE_VIEW;
	ck_assert_uint_eq(cmd_count(reg, NODE_VIEW), view);
	ck_assert_uint_eq(cmd_count(reg, NODE_NONE), 0);
	ck_assert_ptr_eq(cmd_at(reg, NODE_VIEW, 0), &defs[0]);
	ck_assert_ptr_eq(cmd_at(reg, NODE_VIEW, 1), &defs[1]);
	ck_assert_ptr_null(cmd_at(reg, NODE_VIEW, view));
	ck_assert_ptr_null(cmd_at(reg, NODE_NONE, 0));
}
END_TEST

static const struct {
	const char *syntax;
	const char *help;
	const char *err; /* expected part of the reason */
} bad_defs[] = {
	{ "show ip bgp [json", "a\nb\nc\nd\ne\n", "missing ']'" },
	{ "show ip bgp json]", "a\nb\nc\nd\n", "unbalanced ']'" },
	{ "show <ip|ipv6", "a\nb\nc\n", "missing '>'" },
	{ "show <ip|ipv6]", "a\nb\nc\n", "expected '>', found ']'" },
	{ "show [ip>", "a\nb\n", "expected ']', found '>'" },
	{ "show (1-5", "a\nb\n", "missing ')'" },
	{ "show 1-5)", "a\nb\n", "unbalanced ')'" },
	{ "show <ip||ipv6>", "a\nb\nc\n", "empty alternative" },
	{ "show <|ip>", "a\nb\n", "empty alternative" },
	{ "show <ip|>", "a\nb\n", "empty alternative" },
	{ "show <>", "a\n", "empty alternative" },
	{ "show []", "a\n", "empty alternative" },
	{ "show [ip|]", "a\nb\n", "empty alternative" },
	{ "show ip|ipv6", "a\nb\nc\n", "'|' outside" },
	{ "description LINE WORD", "a\nb\nc\n", "LINE must be the last token" },
	{ "show <LINE|WORD> end", "a\nb\nc\nd\n", "LINE must be the last token" },
	{ "show [LINE] end", "a\nb\nc\n", "LINE must be the last token" },
	{ "show (10-1)", "a\nb\n", "bad range" },
	{ "show (1-)", "a\nb\n", "bad range" },
	{ "show (-1-5)", "a\nb\n", "bad range" },
	{ "show (01-5)", "a\nb\n", "bad range" },
	{ "show (a-b)", "a\nb\n", "bad range" },
	{ "show (1-18446744073709551616)", "a\nb\n", "bad range" },
	{ "Show ip", "a\nb\n", "invalid token 'Show'" },
	{ "show A.B.C.DD", "a\nb\n", "invalid token" },
	{ "show ip_bgp", "a\nb\n", "invalid token" },
	{ "show -ip", "a\nb\n", "invalid token" },
	{ "show $x", "a\n", "'$' must follow" },
	{ "$x show", "a\n", "'$' must follow" },
	{ "show WORD$", "a\nb\n", "'$' needs a name" },
	{ "show WORD$1x", "a\nb\n", "'$' needs a name" },
	{ "show WORD$a$b", "a\nb\n", "second '$'" },
	{ "show {a|b}", "a\nb\nc\n", "not supported" },
	{ "[no]", "a\n", "every token is optional" },
	{ "[no] [json]", "a\nb\n", "every token is optional" },
	{ "", "", "empty syntax" },
	{ "   ", "", "empty syntax" },
	/* help text that does not fit the tokens */
	{ "show ip", "Show\n", "1 help lines for 2 tokens (none for 'ip')" },
	{ "show ip", "Show\nIP\nExtra\n", "3 help lines for 2 tokens" },
	{ "show ip", "", "0 help lines for 2 tokens" },
	{ "show ip", "Show\n\nIP\n", "help line 2 is empty" },
	{ "show <A.B.C.D|WORD>$x", "Show\nAddress\n", "2 help lines for 3 tokens (none for 'WORD')" },
};

START_TEST(test_register_bad)
{
	struct cmd_def def = { NODE_VIEW, bad_defs[_i].syntax, bad_defs[_i].help, handler, 0 };
	size_t before = cmd_count(reg, NODE_VIEW);
	char err[256] = "";

	ck_assert_int_eq(cmd_register(reg, &def, err, sizeof(err)), -1);
	ck_assert_msg(strstr(err, bad_defs[_i].err) != NULL, "\"%s\": got \"%s\", want \"%s\"",
		      bad_defs[_i].syntax, err, bad_defs[_i].err);
	ck_assert_uint_eq(cmd_count(reg, NODE_VIEW), before);
	/* Without an error buffer the verdict is the same. */
	ck_assert_int_eq(cmd_register(reg, &def, NULL, 0), -1);
}
END_TEST

START_TEST(test_register_missing_fields)
{
	struct cmd_def no_syntax = { NODE_VIEW, NULL, "a\n", handler, 0 };
	struct cmd_def no_help = { NODE_VIEW, "show", NULL, handler, 0 };
	char err[128];

	ck_assert_int_eq(cmd_register(reg, NULL, err, sizeof(err)), -1);
	ck_assert_int_eq(cmd_register(reg, &no_syntax, err, sizeof(err)), -1);
	ck_assert_int_eq(cmd_register(reg, &no_help, err, sizeof(err)), -1);
	ck_assert_int_eq(cmd_register(NULL, &defs[0], err, sizeof(err)), -1);
}
END_TEST

START_TEST(test_register_duplicate)
{
	static const struct cmd_def other_node = { NODE_NONE, "show ip bgp summary [json]",
						   "a\nb\nc\nd\ne", NULL, 0 };
	char err[256];

	ck_assert_int_eq(cmd_register(reg, &defs[0], err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "already registered"));
	/* The same syntax in another node is another command; the final '\n'
	 * of the help is optional, and a handler may be left out. */
	ck_assert_int_eq(cmd_register(reg, &other_node, err, sizeof(err)), 0);
	ck_assert_uint_eq(cmd_count(reg, NODE_NONE), 1);
}
END_TEST

/* --- matching ---------------------------------------------------------- */

static const struct {
	int node;
	const char *line;
	enum cmd_match_status status;
	const char *syntax;    /* CMD_OK: the command expected */
	const char *canonical; /* CMD_OK: canonical form */
	size_t bad_token;
	const char *error; /* exact error text, or NULL to skip */
} match_cases[] = {
	/* abbreviations */
	{ NODE_VIEW, "show ip bgp summary", CMD_OK, "show ip bgp summary [json]",
	  "show ip bgp summary", 0, NULL },
	{ NODE_VIEW, "sh ip bg su", CMD_OK, "show ip bgp summary [json]", "show ip bgp summary", 0,
	  NULL },
	{ NODE_VIEW, "sh ip bg su j", CMD_OK, "show ip bgp summary [json]",
	  "show ip bgp summary json", 0, NULL },
	{ NODE_VIEW, "  show\tip  bgp summary\t json  ", CMD_OK, "show ip bgp summary [json]",
	  "show ip bgp summary json", 0, NULL },
	{ NODE_VIEW, "s ip bgp n", CMD_OK, "show ip bgp neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
	  "show ip bgp neighbors", 0, NULL },
	{ NODE_VIEW, "sh in", CMD_OK, "show interface [IFNAME]", "show interface", 0, NULL },
	{ NODE_VIEW, "sh in eth0", CMD_OK, "show interface [IFNAME]", "show interface eth0", 0,
	  NULL },
	{ NODE_VIEW, "sh ipv r 2001:db8::/32", CMD_OK,
	  "show ipv6 route [<X:X::X:X|X:X::X:X/M>$dest] [json]", "show ipv6 route 2001:db8::/32",
	  0, NULL },
	{ NODE_VIEW, "conf t", CMD_OK, "configure terminal", "configure terminal", 0, NULL },
	{ NODE_VIEW, "wr", CMD_OK, "write [memory]", "write", 0, NULL },
	{ NODE_VIEW, "wr mem", CMD_OK, "write [memory]", "write memory", 0, NULL },
	{ NODE_VIEW, "show debugging internals", CMD_OK, "show debugging internals",
	  "show debugging internals", 0, NULL },
	{ NODE_CONFIG, "no nei 192.0.2.1 rem ext", CMD_OK,
	  "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer remote-as "
	  "<(1-4294967295)$asn|internal$internal|external$external>",
	  "no neighbor 192.0.2.1 remote-as external", 0, NULL },
	{ NODE_CONFIG, "sho run", CMD_OK, "show running-config", "show running-config", 0, NULL },
	{ NODE_CONFIG, "shu", CMD_OK, "shutdown", "shutdown", 0, NULL },
	/* keyword abbreviations that fit several keywords */
	{ NODE_VIEW, "show i", CMD_AMBIGUOUS, NULL, NULL, 1,
	  "% Ambiguous command: 'i' could be: interface, ip, ipv6" },
	{ NODE_CONFIG, "s", CMD_AMBIGUOUS, NULL, NULL, 0,
	  "% Ambiguous command: 's' could be: show, shutdown" },
	{ NODE_CONFIG, "n 192.0.2.1 remote-as 1", CMD_AMBIGUOUS, NULL, NULL, 0,
	  "% Ambiguous command: 'n' could be: neighbor, no" },
	{ NODE_CONFIG, "sh", CMD_AMBIGUOUS, NULL, NULL, 0,
	  "% Ambiguous command: 'sh' could be: show, shutdown" },
	/* complete commands that tie */
	{ NODE_TIE, "debug 7", CMD_AMBIGUOUS, NULL, NULL, 2,
	  "% Ambiguous command: 'debug 7' matches: \"debug (1-10)\", \"debug (5-20)\"" },
	{ NODE_TIE, "name eth0", CMD_AMBIGUOUS, NULL, NULL, 2,
	  "% Ambiguous command: 'name eth0' matches: \"name WORD\", \"name IFNAME\"" },
	{ NODE_TIE, "debug 3", CMD_OK, "debug (1-10)", "debug 3", 0, NULL },
	{ NODE_TIE, "debug 20", CMD_OK, "debug (5-20)", "debug 20", 0, NULL },
	{ NODE_TIE, "debug 21", CMD_BAD_VALUE, NULL, NULL, 1,
	  "% Invalid value '21' for (1-10) or (5-20)" },
	/* two paths of one command are not a tie */
	{ NODE_TIE, "dup a", CMD_OK, "dup <a|a>", "dup a", 0, NULL },
	/* incomplete */
	{ NODE_VIEW, "show ip", CMD_INCOMPLETE, NULL, NULL, 2, "% Command incomplete: \"show ip\"" },
	{ NODE_VIEW, "sh   ip bgp", CMD_INCOMPLETE, NULL, NULL, 3,
	  "% Command incomplete: \"sh ip bgp\"" },
	{ NODE_VIEW, "ping 192.0.2.1 count", CMD_INCOMPLETE, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 description", CMD_INCOMPLETE, NULL, NULL, 3, NULL },
	{ NODE_GROUP, "nest a b c", CMD_INCOMPLETE, NULL, NULL, 4, NULL },
	/* unknown tokens, and where they are */
	{ NODE_VIEW, "show ip bgx", CMD_UNKNOWN, NULL, NULL, 2,
	  "% Unknown command: 'bgx' in \"show ip bgx\"" },
	{ NODE_VIEW, "bogus", CMD_UNKNOWN, NULL, NULL, 0,
	  "% Unknown command: 'bogus' in \"bogus\"" },
	{ NODE_VIEW, "show ip bgp summary json extra", CMD_UNKNOWN, NULL, NULL, 5,
	  "% Unknown command: 'extra' in \"show ip bgp summary json extra\"" },
	{ NODE_VIEW, "show ip bgp neighbors foo", CMD_UNKNOWN, NULL, NULL, 4, NULL },
	{ NODE_VIEW, "Show ip bgp summary", CMD_UNKNOWN, NULL, NULL, 0, NULL },
	{ NODE_VIEW, "clear ip bgp soft", CMD_UNKNOWN, NULL, NULL, 3, NULL },
	{ NODE_VIEW, "clear ip bgp all in", CMD_UNKNOWN, NULL, NULL, 4, NULL },
	{ NODE_VIEW, "router bgp 1", CMD_UNKNOWN, NULL, NULL, 0, NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as foo", CMD_UNKNOWN, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "router bgp 65000 x", CMD_UNKNOWN, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "ip prefix-list PL permit 10.0.0.0/8 le 24 ge 16", CMD_UNKNOWN, NULL, NULL,
	  7, NULL },
	{ NODE_GROUP, "nest b end", CMD_UNKNOWN, NULL, NULL, 1, NULL },
	{ NODE_GROUP, "nest a c end", CMD_UNKNOWN, NULL, NULL, 2, NULL },
	{ NODE_NONE, "show ip bgp", CMD_UNKNOWN, NULL, NULL, 0,
	  "% Unknown command: 'show' in \"show ip bgp\"" },
	/* values */
	{ NODE_VIEW, "show ip bgp neighbors 1.2.3", CMD_BAD_VALUE, NULL, NULL, 4,
	  "% Invalid value '1.2.3' for A.B.C.D" },
	{ NODE_VIEW, "show ip route 10.0.0.0/33", CMD_BAD_VALUE, NULL, NULL, 3,
	  "% Invalid value '10.0.0.0/33' for A.B.C.D/M" },
	{ NODE_VIEW, "show ipv6 route ::/129", CMD_BAD_VALUE, NULL, NULL, 3,
	  "% Invalid value '::/129' for X:X::X:X/M" },
	{ NODE_VIEW, "ping 192.0.2.1 count 101", CMD_BAD_VALUE, NULL, NULL, 3,
	  "% Invalid value '101' for (1-100)" },
	{ NODE_VIEW, "ping 192.0.2.1 count 0", CMD_BAD_VALUE, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 4294967296", CMD_BAD_VALUE, NULL, NULL, 3,
	  "% Invalid value '4294967296' for (1-4294967295)" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 0", CMD_BAD_VALUE, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as +1", CMD_BAD_VALUE, NULL, NULL, 3,
	  "% Invalid value '+1' for (1-4294967295)" },
	{ NODE_CONFIG, "router bgp x", CMD_BAD_VALUE, NULL, NULL, 2,
	  "% Invalid value 'x' for (1-4294967295)" },
	{ NODE_CONFIG, "timers bgp 65535 65536", CMD_BAD_VALUE, NULL, NULL, 3, NULL },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 33", CMD_BAD_VALUE, NULL, NULL,
	  8, "% Invalid value '33' for (0-32)" },
	{ NODE_CONFIG, "bgp router-id 1.2.3.256", CMD_BAD_VALUE, NULL, NULL, 2,
	  "% Invalid value '1.2.3.256' for A.B.C.D" },
	/* alternatives, nested optionals, LINE */
	{ NODE_VIEW, "clear ip bgp", CMD_OK, "clear ip bgp [<all|A.B.C.D>$peer [soft [<in|out>$dir]]]",
	  "clear ip bgp", 0, NULL },
	{ NODE_VIEW, "clear ip bgp all", CMD_OK,
	  "clear ip bgp [<all|A.B.C.D>$peer [soft [<in|out>$dir]]]", "clear ip bgp all", 0, NULL },
	{ NODE_VIEW, "clear ip bgp all soft", CMD_OK,
	  "clear ip bgp [<all|A.B.C.D>$peer [soft [<in|out>$dir]]]", "clear ip bgp all soft", 0,
	  NULL },
	{ NODE_VIEW, "cl ip bgp 192.0.2.1 so o", CMD_OK,
	  "clear ip bgp [<all|A.B.C.D>$peer [soft [<in|out>$dir]]]",
	  "clear ip bgp 192.0.2.1 soft out", 0, NULL },
	{ NODE_GROUP, "nest end", CMD_OK, "nest [a [b [c]]] end", "nest end", 0, NULL },
	{ NODE_GROUP, "nest a end", CMD_OK, "nest [a [b [c]]] end", "nest a end", 0, NULL },
	{ NODE_GROUP, "nest a b c end", CMD_OK, "nest [a [b [c]]] end", "nest a b c end", 0, NULL },
	{ NODE_GROUP, "pick one 5", CMD_OK, "pick <one (1-9)$n|two WORD$w [more]>$which",
	  "pick one 5", 0, NULL },
	{ NODE_GROUP, "pick two x more", CMD_OK, "pick <one (1-9)$n|two WORD$w [more]>$which",
	  "pick two x more", 0, NULL },
	{ NODE_GROUP, "pick one x", CMD_BAD_VALUE, NULL, NULL, 2, NULL },
	{ NODE_CONFIG, "neighbor PEER description  Uplink  to\tISP ", CMD_OK,
	  "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer description LINE$text",
	  "neighbor PEER description Uplink to ISP", 0, NULL },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", CMD_OK,
	  "ip prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action A.B.C.D/M$prefix "
	  "[ge (0-32)$ge] [le (0-32)$le]",
	  "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", 0, NULL },
	{ NODE_CONFIG, "ip prefix-list PL de 10.1.2.3/8 ge 16 le 24", CMD_OK,
	  "ip prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action A.B.C.D/M$prefix "
	  "[ge (0-32)$ge] [le (0-32)$le]",
	  "ip prefix-list PL deny 10.1.2.3/8 ge 16 le 24", 0, NULL },
	/* precedence: exact > abbreviation > A.B.C.D/M > A.B.C.D > X:X::X:X/M
	 * > X:X::X:X > range > WORD > LINE, compared left to right */
	{ NODE_PREC, "p exact", CMD_OK, "p exact", "p exact", 0, NULL },
	{ NODE_PREC, "p exactl", CMD_OK, "p exactly", "p exactly", 0, NULL },
	{ NODE_PREC, "p exac", CMD_OK, "p WORD", "p exac", 0, NULL },
	{ NODE_PREC, "p 192.0.2.0/24", CMD_OK, "p A.B.C.D/M", "p 192.0.2.0/24", 0, NULL },
	{ NODE_PREC, "p 192.0.2.1", CMD_OK, "p A.B.C.D", "p 192.0.2.1", 0, NULL },
	{ NODE_PREC, "p 2001:db8::/32", CMD_OK, "p X:X::X:X/M", "p 2001:db8::/32", 0, NULL },
	{ NODE_PREC, "p ::1", CMD_OK, "p X:X::X:X", "p ::1", 0, NULL },
	{ NODE_PREC, "p 100", CMD_OK, "p (1-100)", "p 100", 0, NULL },
	{ NODE_PREC, "p 101", CMD_OK, "p WORD", "p 101", 0, NULL },
	{ NODE_PREC, "p anything", CMD_OK, "p WORD", "p anything", 0, NULL },
	{ NODE_PREC, "p two words", CMD_OK, "p LINE", "p two words", 0, NULL },
	{ NODE_PREC, "lex ip bar", CMD_OK, "lex ip bar", "lex ip bar", 0, NULL },
	{ NODE_PREC, "lex ip foo", CMD_OK, "lex WORD foo", "lex ip foo", 0, NULL },
	{ NODE_PREC, "lex x bar", CMD_OK, "lex WORD bar", "lex x bar", 0, NULL },
	/* nothing to do */
	{ NODE_VIEW, "", CMD_EMPTY, NULL, NULL, 0, "" },
	{ NODE_VIEW, " \t ", CMD_EMPTY, NULL, NULL, 0, "" },
	{ NODE_VIEW, "! show ip bgp", CMD_EMPTY, NULL, NULL, 0, "" },
	{ NODE_VIEW, "# comment", CMD_EMPTY, NULL, NULL, 0, "" },
	{ NODE_CONFIG, "  !", CMD_EMPTY, NULL, NULL, 0, "" },
	{ NODE_NONE, "", CMD_EMPTY, NULL, NULL, 0, "" },
};

START_TEST(test_match)
{
	struct cmd_match m;
	char *canon;

	ck_assert_int_eq(cmd_match_line(reg, match_cases[_i].node, match_cases[_i].line, &m), 0);
	ck_assert_msg(m.status == match_cases[_i].status, "\"%s\": status %d, want %d (%s)",
		      match_cases[_i].line, m.status, match_cases[_i].status, m.error);
	if (match_cases[_i].status == CMD_OK) {
		ck_assert_ptr_nonnull(m.def);
		ck_assert_ptr_nonnull(m.args);
		ck_assert_str_eq(m.def->syntax, match_cases[_i].syntax);
		ck_assert_str_eq(m.error, "");
		canon = cmd_match_canonical(&m);
		ck_assert_ptr_nonnull(canon);
		ck_assert_str_eq(canon, match_cases[_i].canonical);
		free(canon);
	} else {
		ck_assert_ptr_null(m.def);
		ck_assert_ptr_null(m.args);
		ck_assert_ptr_null(cmd_match_canonical(&m));
		ck_assert_msg(m.bad_token == match_cases[_i].bad_token,
			      "\"%s\": bad_token %zu, want %zu", match_cases[_i].line, m.bad_token,
			      match_cases[_i].bad_token);
		if (m.status != CMD_EMPTY)
			ck_assert_msg(m.error[0] == '%' && !strchr(m.error, '\n'), "\"%s\"",
				      m.error);
	}
	if (match_cases[_i].error)
		ck_assert_str_eq(m.error, match_cases[_i].error);
	cmd_match_free(&m);
	cmd_match_free(&m); /* harmless twice */
}
END_TEST

/* --- token types ------------------------------------------------------- */

static const struct {
	const char *line;
	int ok;
	const char *error; /* for !ok: exact text, or NULL */
} type_cases[] = {
	{ "v4 192.0.2.1", 1, NULL },
	{ "v4 0.0.0.0", 1, NULL },
	{ "v4 255.255.255.255", 1, NULL },
	{ "v4 1.2.3", 0, "% Invalid value '1.2.3' for A.B.C.D" },
	{ "v4 256.1.1.1", 0, "% Invalid value '256.1.1.1' for A.B.C.D" },
	{ "v4 1.2.3.4.5", 0, NULL },
	{ "v4 01.2.3.4", 0, NULL },
	{ "v4 1.2.3.4/32", 0, NULL },
	{ "v4 ::1", 0, NULL },
	{ "v4 foo", 0, "% Invalid value 'foo' for A.B.C.D" },
	{ "v4p 10.0.0.0/8", 1, NULL },
	{ "v4p 10.1.2.3/8", 1, NULL }, /* host bits are the handler's business */
	{ "v4p 0.0.0.0/0", 1, NULL },
	{ "v4p 1.2.3.4/32", 1, NULL },
	{ "v4p 1.2.3.4/33", 0, "% Invalid value '1.2.3.4/33' for A.B.C.D/M" },
	{ "v4p 1.2.3.4", 0, NULL },
	{ "v4p 1.2.3.4/08", 0, NULL },
	{ "v4p 1.2.3/24", 0, NULL },
	{ "v4p 2001:db8::/32", 0, NULL },
	{ "v6 ::1", 1, NULL },
	{ "v6 ::", 1, NULL },
	{ "v6 2001:db8::1", 1, NULL },
	{ "v6 2001:DB8::1", 1, NULL },
	{ "v6 ::ffff:192.0.2.1", 1, NULL },
	{ "v6 2001:db8:::1", 0, "% Invalid value '2001:db8:::1' for X:X::X:X" },
	{ "v6 1:2:3:4:5:6:7:8:9", 0, NULL },
	{ "v6 192.0.2.1", 0, NULL },
	{ "v6 fe80::1%eth0", 0, NULL },
	{ "v6 2001:db8::/32", 0, NULL },
	{ "v6 g::1", 0, NULL },
	{ "v6p 2001:db8::/32", 1, NULL },
	{ "v6p 2001:db8::1/64", 1, NULL },
	{ "v6p ::/0", 1, NULL },
	{ "v6p ::/128", 1, NULL },
	{ "v6p ::/129", 0, "% Invalid value '::/129' for X:X::X:X/M" },
	{ "v6p 2001:db8::1", 0, NULL },
	{ "v6p 10.0.0.0/8", 0, NULL },
	{ "r1 1", 1, NULL },
	{ "r1 4294967295", 1, NULL },
	{ "r1 0", 0, "% Invalid value '0' for (1-4294967295)" },
	{ "r1 4294967296", 0, "% Invalid value '4294967296' for (1-4294967295)" },
	{ "r1 -1", 0, "% Invalid value '-1' for (1-4294967295)" },
	{ "r1 +1", 0, "% Invalid value '+1' for (1-4294967295)" },
	{ "r1 01", 0, "% Invalid value '01' for (1-4294967295)" },
	{ "r1 1x", 0, NULL },
	{ "r1 0x10", 0, NULL },
	{ "r1 1.5", 0, NULL },
	{ "r1 18446744073709551616", 0, NULL },
	{ "r1 99999999999999999999999", 0, NULL },
	{ "r0 0", 1, NULL },
	{ "r0 65535", 1, NULL },
	{ "r0 65536", 0, "% Invalid value '65536' for (0-65535)" },
	{ "r0 00", 0, NULL },
	{ "r2 0", 0, "% Invalid value '0' for (1-65535)" },
	{ "r2 1", 1, NULL },
	{ "r2 65535", 1, NULL },
	{ "r2 65536", 0, NULL },
	{ "r5 5", 1, NULL },
	{ "r5 4", 0, NULL },
	{ "r5 6", 0, NULL },
	{ "u64 0", 1, NULL },
	{ "u64 18446744073709551615", 1, NULL },
	{ "u64 18446744073709551616", 0, NULL },
	{ "word anything", 1, NULL },
	{ "word 192.0.2.1", 1, NULL },
	{ "word -", 1, NULL },
	{ "word a b", 0, "% Unknown command: 'b' in \"word a b\"" },
	{ "line a", 1, NULL },
	{ "line a  b\tc", 1, NULL },
};

START_TEST(test_types)
{
	struct cmd_match m;

	ck_assert_int_eq(cmd_match_line(reg, NODE_TYPES, type_cases[_i].line, &m), 0);
	if (type_cases[_i].ok) {
		ck_assert_msg(m.status == CMD_OK, "\"%s\": %s", type_cases[_i].line, m.error);
	} else {
		ck_assert_msg(m.status != CMD_OK, "\"%s\" accepted", type_cases[_i].line);
		if (strncmp(type_cases[_i].line, "word", 4) != 0) {
			ck_assert_msg(m.status == CMD_BAD_VALUE, "\"%s\": %s", type_cases[_i].line,
				      m.error);
			ck_assert_uint_eq(m.bad_token, 1);
		}
		if (type_cases[_i].error)
			ck_assert_str_eq(m.error, type_cases[_i].error);
	}
	cmd_match_free(&m);
}
END_TEST

/* --- bindings ---------------------------------------------------------- */

static const struct {
	int node;
	const char *line;
	const char *name;
	const char *value; /* NULL: must be absent */
} bind_cases[] = {
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 65001", "peer", "192.0.2.1" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 65001", "asn", "65001" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 65001", "no", NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 65001", "internal", NULL },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as 65001", "neighbor", "neighbor" },
	{ NODE_CONFIG, "nei 192.0.2.1 rem 65001", "remote-as", "remote-as" },
	{ NODE_CONFIG, "no neighbor 2001:db8::2 remote-as internal", "no", "no" },
	{ NODE_CONFIG, "no neighbor 2001:db8::2 remote-as internal", "peer", "2001:db8::2" },
	{ NODE_CONFIG, "no neighbor 2001:db8::2 remote-as internal", "internal", "internal" },
	{ NODE_CONFIG, "no neighbor 2001:db8::2 remote-as internal", "asn", NULL },
	{ NODE_CONFIG, "no nei upstream rem ext", "external", "external" },
	{ NODE_CONFIG, "no nei upstream rem ext", "peer", "upstream" },
	{ NODE_CONFIG, "neighbor x description a  b c", "text", "a b c" },
	{ NODE_CONFIG, "router bgp 65000", "asn", "65000" },
	{ NODE_CONFIG, "router bgp", "asn", NULL },
	{ NODE_CONFIG, "timers bgp 10 30", "keepalive", "10" },
	{ NODE_CONFIG, "timers bgp 10 30", "holdtime", "30" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "name", "PL" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "seq", "5" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "action", "permit" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "prefix", "10.0.0.0/8" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "le", "24" },
	{ NODE_CONFIG, "ip prefix-list PL seq 5 permit 10.0.0.0/8 le 24", "ge", NULL },
	{ NODE_CONFIG, "ip prefix-list PL de 10.0.0.0/8", "action", "deny" },
	{ NODE_CONFIG, "bgp router-id 192.0.2.1", "id", "192.0.2.1" },
	{ NODE_VIEW, "show interface eth0", "IFNAME", "eth0" },
	{ NODE_VIEW, "ping 192.0.2.1 count 5", "host", "192.0.2.1" },
	/* "count" is both a keyword and a '$count': the '$' one is meant */
	{ NODE_VIEW, "ping 192.0.2.1 count 5", "count", "5" },
	{ NODE_VIEW, "ping 192.0.2.1 co 5", "count", "5" },
	{ NODE_VIEW, "ping gw", "host", "gw" },
	{ NODE_VIEW, "clear ip bgp all soft in", "peer", "all" },
	{ NODE_VIEW, "clear ip bgp all soft in", "dir", "in" },
	{ NODE_VIEW, "clear ip bgp 192.0.2.1", "peer", "192.0.2.1" },
	{ NODE_VIEW, "sh ip bgp ne 2001:db8::1 j", "peer", "2001:db8::1" },
	{ NODE_VIEW, "sh ip bgp ne 2001:db8::1 j", "json", "json" },
	{ NODE_TYPES, "v4 192.0.2.1", "A.B.C.D", "192.0.2.1" },
	{ NODE_TYPES, "v6p 2001:db8::/32", "X:X::X:X/M", "2001:db8::/32" },
	{ NODE_TYPES, "r1 5", "(1-4294967295)", "5" },
	{ NODE_TYPES, "word x", "WORD", "x" },
	{ NODE_TYPES, "line a b", "LINE", "a b" },
	/* group bindings go to the group's tokens without their own */
	{ NODE_GROUP, "show ip bgp neighbors 192.0.2.1", "what", "neighbors" },
	{ NODE_GROUP, "show ip bgp neighbors 192.0.2.1", "addr", "192.0.2.1" },
	{ NODE_GROUP, "show ip bgp neighbors", "addr", NULL },
	{ NODE_GROUP, "show ip bgp summary", "what", "summary" },
	{ NODE_GROUP, "show ip bgp summary", "summary", NULL },
	{ NODE_GROUP, "pick one 5", "which", "one" },
	{ NODE_GROUP, "pick one 5", "n", "5" },
	{ NODE_GROUP, "pick two x more", "w", "x" },
	{ NODE_GROUP, "pick two x more", "which", "two" }, /* the first of two */
};

START_TEST(test_bindings)
{
	struct cmd_match m;
	const char *v;

	ck_assert_int_eq(cmd_match_line(reg, bind_cases[_i].node, bind_cases[_i].line, &m), 0);
	ck_assert_msg(m.status == CMD_OK, "\"%s\": %s", bind_cases[_i].line, m.error);
	v = cmd_args_get(m.args, bind_cases[_i].name);
	if (bind_cases[_i].value) {
		ck_assert_msg(v != NULL, "\"%s\": no %s", bind_cases[_i].line, bind_cases[_i].name);
		ck_assert_str_eq(v, bind_cases[_i].value);
		ck_assert(cmd_args_has(m.args, bind_cases[_i].name));
	} else {
		ck_assert_msg(v == NULL, "\"%s\": %s=%s", bind_cases[_i].line, bind_cases[_i].name,
			      v);
		ck_assert(!cmd_args_has(m.args, bind_cases[_i].name));
	}
	cmd_match_free(&m);
}
END_TEST

START_TEST(test_args_access)
{
	static const char *const names[] = { "neighbor", "peer", "remote-as", "asn" };
	static const char *const values[] = { "neighbor", "192.0.2.1", "remote-as", "65001" };
	struct cmd_match m;
	uint64_t v = 0;

	ck_assert_int_eq(cmd_match_line(reg, NODE_CONFIG, "nei 192.0.2.1 remote 65001", &m), 0);
	ck_assert_int_eq(m.status, CMD_OK);
	ck_assert_uint_eq(cmd_args_count(m.args), ARRAY_LEN(names));
	for (size_t i = 0; i < ARRAY_LEN(names); i++) {
		ck_assert_str_eq(cmd_args_name(m.args, i), names[i]);
		ck_assert_str_eq(cmd_args_value(m.args, i), values[i]);
	}
	ck_assert_ptr_null(cmd_args_name(m.args, ARRAY_LEN(names)));
	ck_assert_ptr_null(cmd_args_value(m.args, ARRAY_LEN(names)));
	ck_assert_int_eq(cmd_args_get_u64(m.args, "asn", &v), 0);
	ck_assert_uint_eq(v, 65001);
	ck_assert_int_eq(cmd_args_get_u64(m.args, "peer", &v), -1);
	ck_assert_int_eq(cmd_args_get_u64(m.args, "absent", &v), -1);
	ck_assert_uint_eq(v, 65001);
	ck_assert_ptr_null(cmd_args_get(m.args, NULL));
	ck_assert_ptr_null(cmd_args_get(NULL, "asn"));
	ck_assert_uint_eq(cmd_args_count(NULL), 0);
	cmd_match_free(&m);

	ck_assert_int_eq(cmd_match_line(reg, NODE_TYPES, "u64 18446744073709551615", &m), 0);
	ck_assert_int_eq(cmd_args_get_u64(m.args, "(0-18446744073709551615)", &v), 0);
	ck_assert(v == UINT64_MAX);
	cmd_match_free(&m);
}
END_TEST

/* --- completion -------------------------------------------------------- */

static const struct {
	int node;
	const char *line;
	const char *words; /* the words listed, joined by spaces */
} complete_cases[] = {
	{ NODE_VIEW, "", "clear configure ping show write" },
	{ NODE_VIEW, "show ", "interface ip ipv6" },
	{ NODE_VIEW, "show ip ", "bgp route" },
	{ NODE_VIEW, "show ip bgp ", "neighbors summary" },
	{ NODE_VIEW, "show ip bgp summary ", "json <cr>" },
	{ NODE_VIEW, "sh ip bg su ", "json <cr>" },
	{ NODE_VIEW, "show ip bgp summary json ", "<cr>" },
	{ NODE_VIEW, "show ip bgp summary json", "json" },
	{ NODE_VIEW, "show ip b", "bgp" },
	{ NODE_VIEW, "sh ip bg su", "summary" },
	{ NODE_VIEW, "show i", "interface ip ipv6" },
	{ NODE_VIEW, "show ip bgp neighbors ", "A.B.C.D X:X::X:X json <cr>" },
	{ NODE_VIEW, "show ip route ", "A.B.C.D A.B.C.D/M json <cr>" },
	{ NODE_VIEW, "ping ", "A.B.C.D WORD X:X::X:X" },
	{ NODE_VIEW, "ping 19", "A.B.C.D WORD X:X::X:X" },
	{ NODE_VIEW, "ping gw", "WORD" },
	{ NODE_VIEW, "ping gw ", "count <cr>" },
	{ NODE_VIEW, "ping gw count ", "(1-100)" },
	{ NODE_VIEW, "ping gw count x", "" },
	{ NODE_VIEW, "clear ip bgp ", "A.B.C.D all <cr>" },
	{ NODE_VIEW, "clear ip bgp all soft ", "in out <cr>" },
	{ NODE_VIEW, "show debugging ", "" }, /* hidden */
	{ NODE_VIEW, "router ", "" },
	{ NODE_VIEW, "show ip bgx ", "" },
	{ NODE_VIEW, "# show ", "" },
	{ NODE_CONFIG, "", "bgp ip neighbor no router show shutdown timers" },
	{ NODE_CONFIG, "s", "show shutdown" },
	{ NODE_CONFIG, "neighbor ", "A.B.C.D WORD X:X::X:X" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 ", "description remote-as shutdown" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as ", "(1-4294967295) external internal" },
	{ NODE_CONFIG, "router bgp ", "(1-4294967295) <cr>" },
	{ NODE_CONFIG, "neighbor x description hello ", "LINE <cr>" },
	{ NODE_CONFIG, "timers bgp 10 ", "(0-65535)" },
	{ NODE_TIE, "debug ", "(1-10) (5-20)" },
	{ NODE_TIE, "name ", "IFNAME WORD" },
	{ NODE_TIE, "dup ", "a a" }, /* same word, different help */
	{ NODE_PREC, "p ex", "LINE WORD exact exactly" },
	{ NODE_NONE, "", "" },
};

START_TEST(test_complete)
{
	struct cmd_completion *list = NULL;
	size_t n = 99;
	char got[512] = "";

	ck_assert_int_eq(cmd_complete(reg, complete_cases[_i].node, complete_cases[_i].line, &list,
				      &n),
			 0);
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(got);

		snprintf(got + len, sizeof(got) - len, "%s%s", i ? " " : "", list[i].word);
		ck_assert_ptr_nonnull(list[i].help);
	}
	ck_assert_msg(strcmp(got, complete_cases[_i].words) == 0, "\"%s\": got \"%s\", want \"%s\"",
		      complete_cases[_i].line, got, complete_cases[_i].words);
	if (n == 0)
		ck_assert_ptr_null(list);
	cmd_completions_free(list, n);
}
END_TEST

START_TEST(test_complete_help)
{
	struct cmd_completion *list;
	size_t n;

	ck_assert_int_eq(cmd_complete(reg, NODE_VIEW, "show ip bgp summary ", &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].word, "json");
	ck_assert_str_eq(list[0].help, "JavaScript Object Notation");
	ck_assert(list[0].is_keyword);
	ck_assert_str_eq(list[1].word, "<cr>");
	ck_assert_str_eq(list[1].help, "");
	ck_assert(!list[1].is_keyword);
	cmd_completions_free(list, n);

	ck_assert_int_eq(cmd_complete(reg, NODE_CONFIG, "no neighbor ", &list, &n), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0].word, "A.B.C.D");
	ck_assert_str_eq(list[0].help, "Neighbor address");
	ck_assert(!list[0].is_keyword);
	ck_assert_str_eq(list[1].word, "WORD");
	ck_assert_str_eq(list[1].help, "Neighbor tag");
	cmd_completions_free(list, n);

	ck_assert_int_eq(cmd_complete(reg, NODE_TIE, "dup ", &list, &n), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0].help, "First a");
	ck_assert_str_eq(list[1].help, "Second a");
	ck_assert_str_eq(cmd_completion_unique(list, n), "a");
	cmd_completions_free(list, n);
}
END_TEST

static const struct {
	int node;
	const char *line;
	const char *unique; /* what TAB completes the word to, or NULL */
} tab_cases[] = {
	{ NODE_VIEW, "sh ip bg su", "summary" },
	{ NODE_VIEW, "show ip b", "bgp" },
	{ NODE_VIEW, "sh", "show" },
	{ NODE_VIEW, "conf", "configure" },
	{ NODE_VIEW, "conf t", "terminal" },
	{ NODE_VIEW, "show i", NULL },
	{ NODE_VIEW, "show ip", NULL }, /* ip and ipv6 */
	{ NODE_VIEW, "ping ", NULL },
	{ NODE_VIEW, "show ip bgp summary ", "json" },
	{ NODE_CONFIG, "sh", NULL },
	{ NODE_CONFIG, "sho", "show" },
	{ NODE_CONFIG, "shu", "shutdown" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 r", "remote-as" },
	{ NODE_CONFIG, "neighbor 192.0.2.1 remote-as e", "external" },
	{ NODE_PREC, "p exa", NULL },
};

START_TEST(test_complete_tab)
{
	struct cmd_completion *list;
	const char *u;
	size_t n;

	ck_assert_int_eq(cmd_complete(reg, tab_cases[_i].node, tab_cases[_i].line, &list, &n), 0);
	u = cmd_completion_unique(list, n);
	if (tab_cases[_i].unique) {
		ck_assert_msg(u != NULL, "\"%s\": nothing unique", tab_cases[_i].line);
		ck_assert_str_eq(u, tab_cases[_i].unique);
	} else {
		ck_assert_msg(u == NULL, "\"%s\": completed to %s", tab_cases[_i].line, u);
	}
	cmd_completions_free(list, n);
}
END_TEST

/* --- scale ------------------------------------------------------------- */

#define SCALE_CMDS 3000
#define DEEP_OPTIONALS 24

START_TEST(test_scale)
{
	static char syntax[SCALE_CMDS][48];
	static struct cmd_def many[SCALE_CMDS];
	static char deep_syntax[16 + DEEP_OPTIONALS * 8];
	static char deep_help[16 + DEEP_OPTIONALS * 8];
	static struct cmd_def deep = { NODE_SCALE, deep_syntax, deep_help, handler, 0 };
	struct cmd_registry *r = cmd_registry_new();
	struct cmd_completion *list;
	struct cmd_match m;
	char line[512], err[256];
	size_t n;

	ck_assert_ptr_nonnull(r);
	for (int i = 0; i < SCALE_CMDS; i++) {
		snprintf(syntax[i], sizeof(syntax[i]), "cmd%d <A.B.C.D|WORD> [json]", i);
		many[i] = (struct cmd_def){ NODE_SCALE, syntax[i], "Cmd\nAddress\nName\nJSON\n",
					    handler, 0 };
		ck_assert_msg(cmd_register(r, &many[i], err, sizeof(err)) == 0, "%s", err);
	}
	strcpy(deep_syntax, "deep");
	strcpy(deep_help, "Deep\n");
	for (int i = 0; i < DEEP_OPTIONALS; i++) {
		strcat(deep_syntax, " [WORD]");
		strcat(deep_help, "Word\n");
	}
	strcat(deep_syntax, " end");
	strcat(deep_help, "End\n");
	ck_assert_msg(cmd_register(r, &deep, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(cmd_count(r, NODE_SCALE), SCALE_CMDS + 1);

	for (int i = 0; i < SCALE_CMDS; i += 7) {
		snprintf(line, sizeof(line), "cmd%d 192.0.2.1 json", i);
		ck_assert_int_eq(cmd_match_line(r, NODE_SCALE, line, &m), 0);
		ck_assert_msg(m.status == CMD_OK, "%s: %s", line, m.error);
		ck_assert_ptr_eq(m.def, &many[i]);
		ck_assert_str_eq(cmd_args_get(m.args, "A.B.C.D"), "192.0.2.1");
		cmd_match_free(&m);
	}
	/* "cmd29" is a command and a prefix of ten others: exact wins. */
	ck_assert_int_eq(cmd_match_line(r, NODE_SCALE, "cmd29 x", &m), 0);
	ck_assert_ptr_eq(m.def, &many[29]);
	cmd_match_free(&m);
	ck_assert_int_eq(cmd_match_line(r, NODE_SCALE, "cmd x", &m), 0);
	ck_assert_int_eq(m.status, CMD_AMBIGUOUS);
	cmd_match_free(&m);
	ck_assert_int_eq(cmd_complete(r, NODE_SCALE, "cmd299", &list, &n), 0);
	ck_assert_uint_eq(n, 11);
	cmd_completions_free(list, n);

	/* Every subset of the optional words could match: a backtracking
	 * matcher would try 2^24 ways; the set of live positions stays small. */
	strcpy(line, "deep");
	for (int i = 0; i < DEEP_OPTIONALS; i++)
		strcat(line, " w");
	strcat(line, " end");
	ck_assert_int_eq(cmd_match_line(r, NODE_SCALE, line, &m), 0);
	ck_assert_msg(m.status == CMD_OK, "%s", m.error);
	ck_assert_uint_eq(cmd_args_count(m.args), DEEP_OPTIONALS + 2);
	cmd_match_free(&m);
	strcpy(line, "deep");
	for (int i = 0; i <= DEEP_OPTIONALS; i++)
		strcat(line, " w");
	strcat(line, " end");
	ck_assert_int_eq(cmd_match_line(r, NODE_SCALE, line, &m), 0);
	ck_assert_int_eq(m.status, CMD_UNKNOWN);
	ck_assert_uint_eq(m.bad_token, DEEP_OPTIONALS + 1);
	cmd_match_free(&m);

	cmd_registry_free(r);
}
END_TEST

START_TEST(test_long_line)
{
	static char line[8192];
	struct cmd_match m;

	strcpy(line, "line");
	for (int i = 0; i < 1000; i++)
		strcat(line, " word");
	ck_assert_int_eq(cmd_match_line(reg, NODE_TYPES, line, &m), 0);
	ck_assert_int_eq(m.status, CMD_OK);
	ck_assert_uint_eq(strlen(cmd_args_get(m.args, "LINE")), 1000 * 5 - 1);
	cmd_match_free(&m);

	/* The error line is cut to fit, never overflowed. */
	memcpy(line, "bogu", 4);
	ck_assert_int_eq(cmd_match_line(reg, NODE_TYPES, line, &m), 0);
	ck_assert_int_eq(m.status, CMD_UNKNOWN);
	ck_assert_uint_lt(strlen(m.error), sizeof(m.error));
	cmd_match_free(&m);
}
END_TEST

static Suite *cmd_suite(void)
{
	Suite *s = suite_create("cmd");
	TCase *tc;

	tc = tcase_create("register");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_register_counts);
	tcase_add_loop_test(tc, test_register_bad, 0, (int)ARRAY_LEN(bad_defs));
	tcase_add_test(tc, test_register_missing_fields);
	tcase_add_test(tc, test_register_duplicate);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_match, 0, (int)ARRAY_LEN(match_cases));
	tcase_add_loop_test(tc, test_types, 0, (int)ARRAY_LEN(type_cases));
	tcase_add_test(tc, test_long_line);
	suite_add_tcase(s, tc);

	tc = tcase_create("bind");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_bindings, 0, (int)ARRAY_LEN(bind_cases));
	tcase_add_test(tc, test_args_access);
	suite_add_tcase(s, tc);

	tc = tcase_create("complete");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_loop_test(tc, test_complete, 0, (int)ARRAY_LEN(complete_cases));
	tcase_add_test(tc, test_complete_help);
	tcase_add_loop_test(tc, test_complete_tab, 0, (int)ARRAY_LEN(tab_cases));
	suite_add_tcase(s, tc);

	tc = tcase_create("scale");
	tcase_add_test(tc, test_scale);
	suite_add_tcase(s, tc);

	return s;
}

int main(void)
{
	return unit_run(cmd_suite());
}
