/*
 * Appliance settings: defaults, a full file, every key's bad values with the
 * exact "FILE:LINE: message" an operator sees, unknown keys and their
 * suggestions, files (missing, syntax errors, @include), that a failed load
 * changes nothing, and that what settings_print() writes loads back equal.
 *
 * Each test gets its own temporary directory holding the API certificate
 * and key files, since a config with an api section names files that must
 * exist. "@DIR@" in the tables below stands for that directory.
 */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "settings.h"
#include "unit.h"

#define NAME "t.conf" /* name_for_errors in every string load */

static char tmpdir[64];

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "cannot create %s: %s", path, strerror(errno));
	fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
}

static void setup(void)
{
	char path[128];

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_settings.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
	snprintf(path, sizeof(path), "%s/api.crt", tmpdir);
	write_file(path, "not really a certificate\n");
	snprintf(path, sizeof(path), "%s/api.key", tmpdir);
	write_file(path, "not really a key\n");
}

/* The tests make only plain files, one level deep. */
static void teardown(void)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		char path[512];
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

/* Replace every "@DIR@" in tmpl by the temporary directory. */
static void expand(const char *tmpl, char *out, size_t outlen)
{
	size_t len = 0;

	while (*tmpl != '\0' && len + 1 < outlen) {
		if (strncmp(tmpl, "@DIR@", 5) == 0) {
			int n = snprintf(out + len, outlen - len, "%s", tmpdir);
			ck_assert(n > 0 && (size_t)n < outlen - len);
			len += (size_t)n;
			tmpl += 5;
		} else {
			out[len++] = *tmpl++;
		}
	}
	ck_assert_msg(*tmpl == '\0', "expand: output buffer too small");
	out[len] = '\0';
}

static int load_text(const char *tmpl, struct skygate_settings *s, char *err, size_t errlen)
{
	char text[4096];

	expand(tmpl, text, sizeof(text));
	return settings_load_string(text, NAME, s, err, errlen);
}

/* Print s into a string; the caller frees. */
static char *print_to_string(const struct skygate_settings *s)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(settings_print(s, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	return buf;
}

#define A16 "aaaaaaaaaaaaaaaa"
#define A32 A16 A16
#define A63 A32 A16 "aaaaaaaaaaaaaaa"
#define A64 A32 A32

/* ------------------------------------------------------------------------ */

START_TEST(test_defaults)
{
	struct skygate_settings s, loaded;
	char err[512];

	settings_defaults(&s);
	ck_assert_str_eq(s.hostname, "skygate");
	ck_assert_str_eq(s.rundir, "/run/skygate");
	ck_assert_str_eq(s.statedir, "/var/lib/skygate");
	ck_assert_int_eq(s.log.level, LOG_LVL_INFO);
	ck_assert_str_eq(s.log.syslog, "");
	ck_assert_uint_eq(s.log.module_count, 0);
	ck_assert(!s.api.enabled);
	ck_assert(s.api.listen.set);
	ck_assert_int_eq(s.api.listen.family, AF_INET);
	ck_assert_str_eq(s.api.listen.addr, "0.0.0.0");
	ck_assert_uint_eq(s.api.listen.port, 8443);
	ck_assert_str_eq(s.api.tls_cert, "");
	ck_assert_str_eq(s.api.tls_key, "");
	ck_assert_str_eq(s.api.tokens_file, "");
	ck_assert_uint_eq(s.telemetry.syslog_count, 0);
	ck_assert_uint_eq(s.telemetry.flow_count, 0);
	ck_assert_int_eq(s.telemetry.flow_protocol, SETTINGS_FLOW_IPFIX);
	ck_assert(!s.telemetry.metrics_listen.set);
	ck_assert_uint_eq(s.dataplane.workers, 0);

	/* An empty file, and one with only empty sections except api (whose
	 * presence means "enable"), are the defaults. */
	memset(&loaded, 0xa5, sizeof(loaded));
	ck_assert_int_eq(settings_load_string("", NAME, &loaded, err, sizeof(err)), 0);
	ck_assert(settings_equal(&s, &loaded));
	ck_assert_int_eq(memcmp(&s, &loaded, sizeof(s)), 0);
	ck_assert_int_eq(settings_load_string("log: { };\ntelemetry: { };\ndataplane: { };\n", NAME,
	                                      &loaded, err, sizeof(err)),
	                 0);
	ck_assert_int_eq(memcmp(&s, &loaded, sizeof(s)), 0);
}
END_TEST

static const char full_text[] =
    "# every key set, none to its default\n"
    "hostname = \"gw1.example\";\n"
    "rundir = \"/run/skygate-a\";\n"
    "statedir = \"/var/lib/skygate-a\";\n"
    "log: {\n"
    "  level = \"debug\";\n"
    "  syslog = \"udp:[2001:DB8:0::10]:5000\";\n"
    "  modules = { bgp = \"debug\"; esp = \"warning\"; fib = \"error\"; };\n"
    "};\n"
    "api: {\n"
    "  listen = \"127.0.0.1:9443\";\n"
    "  tls_cert = \"@DIR@/api.crt\";\n"
    "  tls_key = \"@DIR@/api.key\";\n"
    "  tokens_file = \"/etc/skygate/api-tokens\";\n"
    "};\n"
    "telemetry: {\n"
    "  syslog = [ \"udp:192.0.2.10:5000\", \"unix:/dev/log\" ];\n"
    "  flow = ( \"192.0.2.20:4739\", \"[2001:db8::20]\" );\n"
    "  flow_protocol = \"netflow9\";\n"
    "  metrics_listen = \"127.0.0.1:9273\";\n"
    "};\n"
    "dataplane: { workers = 4; };\n";

START_TEST(test_full_valid)
{
	struct skygate_settings s;
	char err[512], path[128];

	settings_defaults(&s);
	ck_assert_msg(load_text(full_text, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(s.hostname, "gw1.example");
	ck_assert_str_eq(s.rundir, "/run/skygate-a");
	ck_assert_str_eq(s.statedir, "/var/lib/skygate-a");
	ck_assert_int_eq(s.log.level, LOG_LVL_DEBUG);
	/* Stored in canonical form, ready for log_set_syslog(). */
	ck_assert_str_eq(s.log.syslog, "udp:[2001:db8::10]:5000");
	ck_assert_uint_eq(s.log.module_count, 3);
	ck_assert_str_eq(s.log.modules[0].name, "bgp");
	ck_assert_int_eq(s.log.modules[0].level, LOG_LVL_DEBUG);
	ck_assert_str_eq(s.log.modules[1].name, "esp");
	ck_assert_int_eq(s.log.modules[1].level, LOG_LVL_WARNING);
	ck_assert_str_eq(s.log.modules[2].name, "fib");
	ck_assert_int_eq(s.log.modules[2].level, LOG_LVL_ERR);

	ck_assert(s.api.enabled);
	ck_assert(s.api.listen.set);
	ck_assert_int_eq(s.api.listen.family, AF_INET);
	ck_assert_str_eq(s.api.listen.addr, "127.0.0.1");
	ck_assert_uint_eq(s.api.listen.port, 9443);
	snprintf(path, sizeof(path), "%s/api.crt", tmpdir);
	ck_assert_str_eq(s.api.tls_cert, path);
	snprintf(path, sizeof(path), "%s/api.key", tmpdir);
	ck_assert_str_eq(s.api.tls_key, path);
	ck_assert_str_eq(s.api.tokens_file, "/etc/skygate/api-tokens");

	ck_assert_uint_eq(s.telemetry.syslog_count, 2);
	ck_assert_str_eq(s.telemetry.syslog[0], "udp:192.0.2.10:5000");
	ck_assert_str_eq(s.telemetry.syslog[1], "unix:/dev/log");
	ck_assert_uint_eq(s.telemetry.flow_count, 2);
	ck_assert_int_eq(s.telemetry.flow[0].family, AF_INET);
	ck_assert_str_eq(s.telemetry.flow[0].addr, "192.0.2.20");
	ck_assert_uint_eq(s.telemetry.flow[0].port, 4739);
	ck_assert_int_eq(s.telemetry.flow[1].family, AF_INET6);
	ck_assert_str_eq(s.telemetry.flow[1].addr, "2001:db8::20");
	ck_assert_uint_eq(s.telemetry.flow[1].port, SETTINGS_FLOW_DEFAULT_PORT);
	ck_assert_int_eq(s.telemetry.flow_protocol, SETTINGS_FLOW_NETFLOW9);
	ck_assert(s.telemetry.metrics_listen.set);
	ck_assert_str_eq(s.telemetry.metrics_listen.addr, "127.0.0.1");
	ck_assert_uint_eq(s.telemetry.metrics_listen.port, 9273);
	ck_assert_uint_eq(s.dataplane.workers, 4);
}
END_TEST

/* Values at the edges of what is allowed, each of which must load. */
static const char *const good_cases[] = {
    "hostname = \"" A63 "\";",
    /* 63 + 1 + 63 + 1 + 63 + 1 + 61 = 253 characters */
    "hostname = \"" A63 "." A63 "." A63 "." A32 A16 "aaaaaaaaaaaaa\";",
    "hostname = \"9gw-1.Example\";", /* RFC 1123 allows a leading digit */
    "hostname = \"gw\";",
    "rundir = \"/" A63 "\";", /* 64 characters */
    "statedir = \"/\";",
    "log: { level = \"notice\"; };",
    "log: { level = \"warning\"; };",
    "log: { level = \"error\"; };",
    "log: { syslog = \"udp:192.0.2.10:1\"; };",
    "log: { syslog = \"udp:192.0.2.10:65535\"; };",
    "log: { syslog = \"unix:/dev/log\"; };",
    "log: { modules = { bgp_rib = \"info\"; esp-tx = \"notice\"; }; };",
    "log: { modules = { " A32 " = \"info\"; }; };",
    "api: { listen = \"[::]:443\"; tls_cert = \"@DIR@/api.crt\"; tls_key = \"@DIR@/api.key\"; };",
    "api: { listen = \"[2001:db8::1]:8443\"; tls_cert = \"@DIR@/api.crt\";"
    " tls_key = \"@DIR@/api.key\"; };",
    "telemetry: { syslog = [ ]; flow = ( ); };",
    "telemetry: { flow = [ \"203.0.113.5\", \"203.0.113.5:2055\" ]; };",
    "telemetry: { syslog = [ \"udp:192.0.2.1:5000\", \"udp:192.0.2.2:5000\","
    " \"udp:192.0.2.3:5000\", \"udp:192.0.2.4:5000\", \"udp:192.0.2.5:5000\","
    " \"udp:192.0.2.6:5000\", \"udp:192.0.2.7:5000\", \"udp:192.0.2.8:5000\" ]; };",
    "telemetry: { flow_protocol = \"ipfix\"; metrics_listen = \"[2001:db8::9]:9273\"; };",
    "dataplane: { workers = 0; };",
    "dataplane: { workers = 1; };",
    "dataplane: { workers = 256; };",
    "dataplane: { workers = 0x10; };",
    "dataplane: { workers = 8L; };",
};

#define GOOD_COUNT ((int)(sizeof(good_cases) / sizeof(good_cases[0])))

START_TEST(test_good_values)
{
	struct skygate_settings s;
	char err[512];

	settings_defaults(&s);
	ck_assert_msg(load_text(good_cases[_i], &s, err, sizeof(err)) == 0, "case %d: %s: %s", _i,
	              good_cases[_i], err);
}
END_TEST

struct bad_case {
	const char *text; /* "@DIR@" is the test's temporary directory */
	unsigned line;    /* the line the message names */
	const char *msg;  /* the message after "t.conf:LINE: ", exactly */
};

static const struct bad_case bad_cases[] = {
    /* hostname */
    {"hostname = \"gw_1\";", 1, "hostname: 'gw_1': '_' is not allowed (letters, digits, '-', '.')"},
    {"hostname = \"gw 1\";", 1,
     "hostname: 'gw 1': byte 0x20 is not allowed (letters, digits, '-', '.')"},
    {"hostname = \"-gw\";", 1, "hostname: '-gw': label '-gw' starts or ends with '-'"},
    {"hostname = \"gw1.site-.example\";", 1,
     "hostname: 'gw1.site-.example': label 'site-' starts or ends with '-'"},
    {"hostname = \"\";", 1, "hostname: '': empty host name"},
    {"hostname = \"gw..example\";", 1,
     "hostname: 'gw..example': empty label (a leading, trailing or doubled '.')"},
    {"hostname = \"gw.\";", 1, "hostname: 'gw.': empty label (a leading, trailing or doubled '.')"},
    {"hostname = \"" A64 "\";", 1,
     "hostname: '" A64 "': label 'aaaaaaaaaaaaaaaaaaaa...' is longer than 63 characters"},
    {"hostname = \"" A63 "." A63 "." A63 "." A63 "\";", 1,
     "hostname: '" A63 "." A32 "aaaa': longer than 253 characters"},
    {"hostname = \"192.0.2.1\";", 1,
     "hostname: '192.0.2.1': the last label is all digits and would read as an address"},
    {"hostname = 5;", 1, "hostname: expected a string"},
    {"hostname = [ \"gw1\" ];", 1, "hostname: expected a string"},

    /* rundir, statedir */
    {"rundir = \"run/skygate\";", 1,
     "rundir: 'run/skygate': not an absolute path (must start with '/')"},
    {"statedir = \"var/lib/skygate\";", 1,
     "statedir: 'var/lib/skygate': not an absolute path (must start with '/')"},
    {"statedir = \"\";", 1, "statedir: '': not an absolute path (must start with '/')"},
    {"rundir = \"/" A64 "\";", 1, "rundir: '/" A64 "': longer than 64 characters"},
    {"statedir = \"/var/lib/sky\\ngate\";", 1,
     "statedir: '/var/lib/sky?gate': contains a control character"},
    {"rundir = true;", 1, "rundir: expected a string"},

    /* log */
    {"log = 5;", 1, "log: expected a group ({ ... })"},
    {"log: {\n  level = \"verbose\";\n};", 2,
     "log.level: 'verbose' is not one of debug, info, notice, warning, error"},
    {"log: { level = \"warn\"; };", 1,
     "log.level: 'warn' is not one of debug, info, notice, warning, error"},
    {"log: { level = 7; };", 1, "log.level: expected a string"},
    {"log: { syslog = \"tcp:192.0.2.10:5000\"; };", 1,
     "log.syslog: 'tcp:192.0.2.10:5000': expected udp:ADDR:PORT, udp:[ADDR]:PORT or unix:PATH"},
    {"log: { syslog = \"192.0.2.10:5000\"; };", 1,
     "log.syslog: '192.0.2.10:5000': expected udp:ADDR:PORT, udp:[ADDR]:PORT or unix:PATH"},
    {"log: { syslog = \"udp:192.0.2.10\"; };", 1, "log.syslog: 'udp:192.0.2.10': missing ':PORT'"},
    {"log: { syslog = \"udp:192.0.2.10:0\"; };", 1,
     "log.syslog: 'udp:192.0.2.10:0': port '0' is not a number from 1 to 65535"},
    {"log: { syslog = \"udp:192.0.2.10:65536\"; };", 1,
     "log.syslog: 'udp:192.0.2.10:65536': port '65536' is not a number from 1 to 65535"},
    {"log: { syslog = \"udp:192.0.2.10:syslog\"; };", 1,
     "log.syslog: 'udp:192.0.2.10:syslog': port 'syslog' is not a number from 1 to 65535"},
    {"log: { syslog = \"udp::5000\"; };", 1, "log.syslog: 'udp::5000': no address before the port"},
    {"log: { syslog = \"udp:logs.example:5000\"; };", 1,
     "log.syslog: 'udp:logs.example:5000': 'logs.example' is not a numeric IPv4 address (names "
     "are not resolved)"},
    {"log: { syslog = \"udp:2001:db8::1:5000\"; };", 1,
     "log.syslog: 'udp:2001:db8::1:5000': an IPv6 address goes in brackets: [ADDR]:PORT"},
    {"log: { syslog = \"udp:[2001:db8::1:5000\"; };", 1,
     "log.syslog: 'udp:[2001:db8::1:5000': missing ']' after the IPv6 address"},
    {"log: { syslog = \"udp:[2001:db8::1]5000\"; };", 1,
     "log.syslog: 'udp:[2001:db8::1]5000': expected ':PORT' after ']'"},
    {"log: { syslog = \"udp:[192.0.2.10]:5000\"; };", 1,
     "log.syslog: 'udp:[192.0.2.10]:5000': '192.0.2.10' is not a numeric IPv6 address"},
    {"log: { syslog = \"unix:dev/log\"; };", 1,
     "log.syslog: 'unix:dev/log': the socket path must be absolute (unix:/dev/log)"},
    {"log: { syslog = \"unix:/" A64 A32 A16 "\"; };", 1,
     "log.syslog: 'unix:/" A64 A16 "aaaaaaaaaaaaaa': the socket path is longer than 107 "
     "characters"},
    {"log: { syslog = [ \"udp:192.0.2.10:5000\" ]; };", 1, "log.syslog: expected a string"},
    {"log: { modules = ( \"bgp\" ); };", 1,
     "log.modules: expected a group ({ MODULE = \"LEVEL\"; ... })"},
    {"log: {\n  modules = {\n    bgp = \"loud\";\n  };\n};", 3,
     "log.modules.bgp: 'loud' is not one of debug, info, notice, warning, error"},
    {"log: { modules = { bgp = 7; }; };", 1, "log.modules.bgp: expected a string"},
    {"log: { modules = { bg*p = \"debug\"; }; };", 1,
     "log.modules.bg*p: '*' is not allowed in a module name"},
    {"log: { modules = { " A32 "a = \"debug\"; }; };", 1,
     "log.modules." A32 "a: a module name has at most 32 "
     "characters"},

    /* api */
    {"api = true;", 1, "api: expected a group ({ ... })"},
    {"api: { };", 1, "api.tls_cert: required when the api section is present"},
    {"\napi: {\n  tls_key = \"@DIR@/api.key\";\n};", 2,
     "api.tls_cert: required when the api section is present"},
    {"api: { tls_cert = \"@DIR@/api.crt\"; };", 1,
     "api.tls_key: required when the api section is present"},
    {"api: { tls_cert = \"@DIR@/missing.crt\"; tls_key = \"@DIR@/api.key\"; };", 1,
     "api.tls_cert: cannot read '@DIR@/missing.crt': No such file or directory"},
    {"api: { tls_cert = \"@DIR@/api.crt\"; tls_key = \"@DIR@\"; };", 1,
     "api.tls_key: '@DIR@' is not a regular file"},
    {"api: { tls_cert = \"api.crt\"; tls_key = \"@DIR@/api.key\"; };", 1,
     "api.tls_cert: 'api.crt': not an absolute path (must start with '/')"},
    {"api: { tls_cert = \"@DIR@/api.crt\"; tls_key = \"@DIR@/api.key\"; tokens_file = "
     "\"api-tokens\"; };",
     1, "api.tokens_file: 'api-tokens': not an absolute path (must start with '/')"},
    {"api: { listen = \"0.0.0.0:0\"; };", 1,
     "api.listen: '0.0.0.0:0': port '0' is not a number from 1 to 65535"},
    {"api: { listen = \"0.0.0.0:65536\"; };", 1,
     "api.listen: '0.0.0.0:65536': port '65536' is not a number from 1 to 65535"},
    {"api: { listen = \"0.0.0.0:-1\"; };", 1,
     "api.listen: '0.0.0.0:-1': port '-1' is not a number from 1 to 65535"},
    {"api: { listen = \"0.0.0.0:\"; };", 1,
     "api.listen: '0.0.0.0:': port '' is not a number from 1 to 65535"},
    {"api: { listen = \"0.0.0.0\"; };", 1, "api.listen: '0.0.0.0': missing ':PORT'"},
    {"api: { listen = \"localhost:8443\"; };", 1,
     "api.listen: 'localhost:8443': 'localhost' is not a numeric IPv4 address (names are not "
     "resolved)"},
    {"api: { listen = \"192.0.2.256:8443\"; };", 1,
     "api.listen: '192.0.2.256:8443': '192.0.2.256' is not a numeric IPv4 address (names are "
     "not resolved)"},
    {"api: { listen = \"[2001:db8::1]\"; };", 1, "api.listen: '[2001:db8::1]': missing ':PORT'"},
    {"api: { listen = \"[2001:db8::1%eth0]:8443\"; };", 1,
     "api.listen: '[2001:db8::1%eth0]:8443': '2001:db8::1%eth0' is not a numeric IPv6 address"},
    {"api: { listen = 8443; };", 1, "api.listen: expected a string"},

    /* telemetry */
    {"telemetry = [ ];", 1, "telemetry: expected a group ({ ... })"},
    {"telemetry: { syslog = \"udp:192.0.2.10:5000\"; };", 1,
     "telemetry.syslog: expected a list of strings ([ \"...\", ... ])"},
    {"telemetry: { syslog = [ 5 ]; };", 1, "telemetry.syslog[0]: expected a string"},
    {"telemetry: {\n  syslog = (\n    \"udp:192.0.2.10:5000\",\n    6\n  );\n};", 4,
     "telemetry.syslog[1]: expected a string"},
    {"telemetry: { syslog = [ \"udp:192.0.2.10:5000\", \"tcp:192.0.2.11:5000\" ]; };", 1,
     "telemetry.syslog[1]: 'tcp:192.0.2.11:5000': expected udp:ADDR:PORT, udp:[ADDR]:PORT or "
     "unix:PATH"},
    {"telemetry: { syslog = [ \"udp:[2001:db8::1]:5000\", \"udp:[2001:DB8:0::1]:5000\" ]; };", 1,
     "telemetry.syslog[1]: 'udp:[2001:DB8:0::1]:5000' is listed twice"},
    {"telemetry: { syslog = [ \"udp:192.0.2.1:5000\", \"udp:192.0.2.2:5000\","
     " \"udp:192.0.2.3:5000\", \"udp:192.0.2.4:5000\", \"udp:192.0.2.5:5000\","
     " \"udp:192.0.2.6:5000\", \"udp:192.0.2.7:5000\", \"udp:192.0.2.8:5000\","
     " \"udp:192.0.2.9:5000\" ]; };",
     1, "telemetry.syslog: at most 8 entries, found 9"},
    {"telemetry: { flow = \"192.0.2.10\"; };", 1,
     "telemetry.flow: expected a list of strings ([ \"...\", ... ])"},
    {"telemetry: { flow = [ \"192.0.2.10:0\" ]; };", 1,
     "telemetry.flow[0]: '192.0.2.10:0': port '0' is not a number from 1 to 65535"},
    {"telemetry: { flow = [ \"flows.example:2055\" ]; };", 1,
     "telemetry.flow[0]: 'flows.example:2055': 'flows.example' is not a numeric IPv4 address "
     "(names are not resolved)"},
    {"telemetry: { flow = [ \"2001:db8::1\" ]; };", 1,
     "telemetry.flow[0]: '2001:db8::1': an IPv6 address goes in brackets: [ADDR]:PORT"},
    {"telemetry: { flow = [ \"192.0.2.10\", \"192.0.2.10:31283\" ]; };", 1,
     "telemetry.flow[1]: '192.0.2.10:31283' is listed twice"},
    {"telemetry: { flow_protocol = \"sflow\"; };", 1,
     "telemetry.flow_protocol: 'sflow' is not one of ipfix, netflow9"},
    {"telemetry: { flow_protocol = 9; };", 1, "telemetry.flow_protocol: expected a string"},
    {"telemetry: { metrics_listen = \"127.0.0.1\"; };", 1,
     "telemetry.metrics_listen: '127.0.0.1': missing ':PORT'"},
    {"telemetry: { metrics_listen = \"127.0.0.1:65536\"; };", 1,
     "telemetry.metrics_listen: '127.0.0.1:65536': port '65536' is not a number from 1 to "
     "65535"},

    /* dataplane */
    {"dataplane = 4;", 1, "dataplane: expected a group ({ ... })"},
    {"dataplane: { workers = 257; };", 1,
     "dataplane.workers: 257 is out of range (0 for one per core, or 1 to 256)"},
    {"dataplane: { workers = -1; };", 1,
     "dataplane.workers: -1 is out of range (0 for one per core, or 1 to 256)"},
    {"dataplane: { workers = 10000000000L; };", 1,
     "dataplane.workers: 10000000000 is out of range (0 for one per core, or 1 to 256)"},
    {"dataplane: { workers = \"4\"; };", 1, "dataplane.workers: expected an integer"},
    {"dataplane: { workers = 4.0; };", 1, "dataplane.workers: expected an integer"},
    {"dataplane: { workers = true; };", 1, "dataplane.workers: expected an integer"},

    /* unknown keys, with and without a suggestion */
    {"hostnam = \"gw1\";", 1, "unknown key 'hostnam', did you mean 'hostname'?"},
    {"hsotname = \"gw1\";", 1, "unknown key 'hsotname', did you mean 'hostname'?"},
    {"Hostname = \"gw1\";", 1, "unknown key 'Hostname', did you mean 'hostname'?"},
    {"hostname = \"gw1\";\nstatdir = \"/var/lib/skygate\";", 2,
     "unknown key 'statdir', did you mean 'statedir'?"},
    {"colour = 1;", 1, "unknown key 'colour'"},
    {"foo = 1;", 1, "unknown key 'foo'"}, /* 2 edits from "log", but too short to guess */
    {"workers = 4;", 1, "unknown key 'workers', did you mean 'dataplane.workers'?"},
    {"log: {\n  levle = \"debug\";\n};", 2, "unknown key 'log.levle', did you mean 'log.level'?"},
    {"log: { sylog = \"unix:/dev/log\"; };", 1,
     "unknown key 'log.sylog', did you mean 'log.syslog'?"},
    {"api: { tls_crt = \"@DIR@/api.crt\"; tls_key = \"@DIR@/api.key\"; };", 1,
     "unknown key 'api.tls_crt', did you mean 'api.tls_cert'?"},
    {"telemetry: { flows = [ ]; };", 1,
     "unknown key 'telemetry.flows', did you mean 'telemetry.flow'?"},
    {"telemetry: { prometheus = \"127.0.0.1:9273\"; };", 1, "unknown key 'telemetry.prometheus'"},
    {"dataplane: { worker = 4; };", 1,
     "unknown key 'dataplane.worker', did you mean 'dataplane.workers'?"},
    {"dataplane: { level = \"debug\"; };", 1,
     "unknown key 'dataplane.level', did you mean 'log.level'?"},

    /* what libconfig itself refuses */
    {"hostname = \"gw1\";\n\nrundir = /run/skygate;\n", 3, "syntax error"},
    {"log: {\n  level = \"info\";\n", 3, "syntax error"},
    {"hostname = \"gw1\";\nhostname = \"gw2\";\n", 2, "duplicate setting name"},
    /* An unclosed string runs to the end of the file, where libconfig notices. */
    {"hostname = \"gw1;\n", 2, "syntax error"},
};

#define BAD_COUNT ((int)(sizeof(bad_cases) / sizeof(bad_cases[0])))

START_TEST(test_bad_values)
{
	const struct bad_case *c = &bad_cases[_i];
	struct skygate_settings s;
	char err[1024], msg[1024], want[1200];

	settings_defaults(&s);
	memset(err, 0, sizeof(err));
	ck_assert_msg(load_text(c->text, &s, err, sizeof(err)) == -1, "case %d loaded: %s", _i,
	              c->text);
	expand(c->msg, msg, sizeof(msg));
	snprintf(want, sizeof(want), NAME ":%u: %s", c->line, msg);
	ck_assert_msg(strcmp(err, want) == 0, "case %d:\n  got  '%s'\n  want '%s'", _i, err, want);
}
END_TEST

/* A failed load, whatever the reason, leaves every byte of *s as it was. */
START_TEST(test_failed_load_unchanged)
{
	struct skygate_settings s, before;
	char err[1024], path[128];

	settings_defaults(&s);
	ck_assert_msg(load_text(full_text, &s, err, sizeof(err)) == 0, "%s", err);
	memcpy(&before, &s, sizeof(s));
	for (int i = 0; i < BAD_COUNT; i++) {
		ck_assert_int_eq(load_text(bad_cases[i].text, &s, err, sizeof(err)), -1);
		ck_assert_msg(memcmp(&s, &before, sizeof(s)) == 0, "case %d changed the settings",
		              i);
	}
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(memcmp(&s, &before, sizeof(s)), 0);
	/* No room for a message is not a reason to crash or to change *s. */
	ck_assert_int_eq(settings_load_string("hostnam = \"x\";", NAME, &s, NULL, 0), -1);
	ck_assert_int_eq(memcmp(&s, &before, sizeof(s)), 0);
	/* A tiny buffer gets a cut, terminated message. */
	char tiny[8];
	ck_assert_int_eq(settings_load_string("hostnam = \"x\";", NAME, &s, tiny, sizeof(tiny)),
	                 -1);
	ck_assert_str_eq(tiny, "t.conf:");
	ck_assert_int_eq(memcmp(&s, &before, sizeof(s)), 0);
}
END_TEST

/* A successful load replaces everything: a key removed from the file goes
 * back to its default instead of keeping the previous value. */
START_TEST(test_reload_resets_to_defaults)
{
	struct skygate_settings s, defaults;
	char err[512];

	settings_defaults(&defaults);
	ck_assert_msg(load_text(full_text, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert(!settings_equal(&s, &defaults));
	ck_assert_int_eq(settings_load_string("# nothing\n", NAME, &s, err, sizeof(err)), 0);
	ck_assert(settings_equal(&s, &defaults));
	ck_assert_int_eq(memcmp(&s, &defaults, sizeof(s)), 0);
}
END_TEST

START_TEST(test_flow_default_port)
{
	struct skygate_settings s;
	char err[512];

	ck_assert_int_eq(settings_load_string("telemetry: { flow = [ \"192.0.2.10\", "
	                                      "\"[2001:db8::a]\", \"198.51.100.7:2055\", "
	                                      "\"[2001:db8::b]:4739\" ]; };",
	                                      NAME, &s, err, sizeof(err)),
	                 0);
	ck_assert_uint_eq(s.telemetry.flow_count, 4);
	ck_assert_uint_eq(s.telemetry.flow[0].port, 31283);
	ck_assert_uint_eq(s.telemetry.flow[1].port, 31283);
	ck_assert_uint_eq(s.telemetry.flow[2].port, 2055);
	ck_assert_uint_eq(s.telemetry.flow[3].port, 4739);

	char buf[SETTINGS_ENDPOINT_STRLEN];
	ck_assert_str_eq(settings_endpoint_format(&s.telemetry.flow[0], buf, sizeof(buf)),
	                 "192.0.2.10:31283");
	ck_assert_str_eq(settings_endpoint_format(&s.telemetry.flow[1], buf, sizeof(buf)),
	                 "[2001:db8::a]:31283");
	ck_assert_str_eq(settings_endpoint_format(&s.telemetry.metrics_listen, buf, sizeof(buf)),
	                 "");

	/* A long address is kept in canonical form and still fits. */
	ck_assert_int_eq(settings_load_string("telemetry: { flow = [ \"[2001:db8:ffff:ffff:ffff:"
	                                      "ffff:255.255.255.255]:65535\" ]; };",
	                                      NAME, &s, err, sizeof(err)),
	                 0);
	ck_assert_str_eq(settings_endpoint_format(&s.telemetry.flow[0], buf, sizeof(buf)),
	                 "[2001:db8:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
}
END_TEST

START_TEST(test_module_limit)
{
	struct skygate_settings s;
	char text[2048], err[512];
	size_t len;

	for (int count = LOG_MODULE_MAX; count <= LOG_MODULE_MAX + 1; count++) {
		len = (size_t)snprintf(text, sizeof(text), "log: { modules = {");
		for (int i = 0; i < count; i++)
			len += (size_t)snprintf(text + len, sizeof(text) - len, " m%d = \"debug\";",
			                        i);
		snprintf(text + len, sizeof(text) - len, " }; };");
		settings_defaults(&s);
		int rc = settings_load_string(text, NAME, &s, err, sizeof(err));
		if (count == LOG_MODULE_MAX) {
			ck_assert_msg(rc == 0, "%s", err);
			ck_assert_uint_eq(s.log.module_count, LOG_MODULE_MAX);
		} else {
			ck_assert_int_eq(rc, -1);
			ck_assert_str_eq(err,
			                 "t.conf:1: log.modules: at most 16 modules, found 17");
		}
	}
}
END_TEST

/* ------------------------------------------------------------------------
 * Files.
 */

START_TEST(test_file_errors)
{
	struct skygate_settings s;
	char path[128], want[256], err[512];

	settings_defaults(&s);
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory", path);
	ck_assert_str_eq(err, want);

	/* A directory opens, but libconfig must never be given one. */
	ck_assert_int_eq(settings_load_file(tmpdir, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s: not a regular file", tmpdir);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof(path), "%s/syntax.conf", tmpdir);
	write_file(path, "# comment\nhostname = \"gw1\";\nlog: {\n  level = info;\n};\n");
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:4: syntax error", path);
	ck_assert_str_eq(err, want);

	snprintf(path, sizeof(path), "%s/typo.conf", tmpdir);
	write_file(path, "hostname = \"gw1\";\n\ndataplane: {\n  workrs = 2;\n};\n");
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	snprintf(want, sizeof(want),
	         "%s:4: unknown key 'dataplane.workrs', did you mean "
	         "'dataplane.workers'?",
	         path);
	ck_assert_str_eq(err, want);

	ck_assert_int_eq(settings_load_file(NULL, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(settings_load_string(NULL, NULL, &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "<string>: no settings text");
}
END_TEST

START_TEST(test_file_valid_and_include)
{
	struct skygate_settings s, from_string;
	char path[128], inc[128], text[4096], err[512];

	expand(full_text, text, sizeof(text));
	snprintf(path, sizeof(path), "%s/skygate.conf", tmpdir);
	write_file(path, text);
	ck_assert_msg(settings_load_file(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(settings_load_string(text, NAME, &from_string, err, sizeof(err)), 0);
	ck_assert(settings_equal(&s, &from_string));

	/* @include is found next to the including file, whatever the working
	 * directory, and errors in it name the included file. */
	snprintf(inc, sizeof(inc), "%s/log.conf", tmpdir);
	write_file(inc, "log: {\n  level = \"notice\";\n};\n");
	write_file(path, "hostname = \"gw2\";\n@include \"log.conf\"\n");
	ck_assert_msg(settings_load_file(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_str_eq(s.hostname, "gw2");
	ck_assert_int_eq(s.log.level, LOG_LVL_NOTICE);

	write_file(inc, "log: {\n  level = \"chatty\";\n};\n");
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	ck_assert_str_eq(
	    err,
	    "log.conf:2: log.level: 'chatty' is not one of debug, info, notice, warning, error");
	write_file(inc, "log: {\n  level = ;\n};\n");
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "log.conf:2: syntax error");
	unlink(inc);
	ck_assert_int_eq(settings_load_file(path, &s, err, sizeof(err)), -1);
	snprintf(text, sizeof(text), "%s:2: cannot open include file", path);
	ck_assert_str_eq(err, text);
}
END_TEST

START_TEST(test_unreadable_key)
{
	struct skygate_settings s;
	char path[128], err[512], want[512];

	/* root reads anything, so the check means nothing there. */
	if (geteuid() == 0)
		return;
	snprintf(path, sizeof(path), "%s/api.key", tmpdir);
	ck_assert_int_eq(chmod(path, 0), 0);
	ck_assert_int_eq(
	    load_text("api: { tls_cert = \"@DIR@/api.crt\"; tls_key = \"@DIR@/api.key\"; };", &s,
	              err, sizeof(err)),
	    -1);
	snprintf(want, sizeof(want), "t.conf:1: api.tls_key: cannot read '%s': Permission denied",
	         path);
	ck_assert_str_eq(err, want);
}
END_TEST

/* The shipped example must load as it is. */
START_TEST(test_example_file)
{
	struct skygate_settings s;
	char path[512], err[512];
	const char *srcdir = getenv("srcdir"); /* set by automake's test harness */

	snprintf(path, sizeof(path), "%s/packaging/skygate.conf.example", srcdir ? srcdir : ".");
	ck_assert_msg(settings_load_file(path, &s, err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(s.telemetry.flow_count, 2);
	ck_assert(!s.api.enabled);
}
END_TEST

/* ------------------------------------------------------------------------
 * Printing.
 */

static const char defaults_printed[] =
    "# skygate appliance settings (docs/settings.md)\n"
    "hostname = \"skygate\";\n"
    "rundir = \"/run/skygate\";\n"
    "statedir = \"/var/lib/skygate\";\n"
    "\n"
    "log: {\n"
    "  level = \"info\";\n"
    "  # syslog: not set\n"
    "  modules: { };\n"
    "};\n"
    "\n"
    "# api: not enabled (an api section with tls_cert and tls_key enables it)\n"
    "\n"
    "telemetry: {\n"
    "  syslog = [ ];\n"
    "  flow = [ ];\n"
    "  flow_protocol = \"ipfix\";\n"
    "  # metrics_listen: not set\n"
    "};\n"
    "\n"
    "dataplane: {\n"
    "  workers = 0;\n"
    "};\n";

static const char full_printed[] = "# skygate appliance settings (docs/settings.md)\n"
                                   "hostname = \"gw1.example\";\n"
                                   "rundir = \"/run/skygate-a\";\n"
                                   "statedir = \"/var/lib/skygate-a\";\n"
                                   "\n"
                                   "log: {\n"
                                   "  level = \"debug\";\n"
                                   "  syslog = \"udp:[2001:db8::10]:5000\";\n"
                                   "  modules: {\n"
                                   "    bgp = \"debug\";\n"
                                   "    esp = \"warning\";\n"
                                   "    fib = \"error\";\n"
                                   "  };\n"
                                   "};\n"
                                   "\n"
                                   "api: {\n"
                                   "  listen = \"127.0.0.1:9443\";\n"
                                   "  tls_cert = \"@DIR@/api.crt\";\n"
                                   "  tls_key = \"@DIR@/api.key\";\n"
                                   "  tokens_file = \"/etc/skygate/api-tokens\";\n"
                                   "};\n"
                                   "\n"
                                   "telemetry: {\n"
                                   "  syslog = [ \"udp:192.0.2.10:5000\", \"unix:/dev/log\" ];\n"
                                   "  flow = [ \"192.0.2.20:4739\", \"[2001:db8::20]:31283\" ];\n"
                                   "  flow_protocol = \"netflow9\";\n"
                                   "  metrics_listen = \"127.0.0.1:9273\";\n"
                                   "};\n"
                                   "\n"
                                   "dataplane: {\n"
                                   "  workers = 4;\n"
                                   "};\n";

START_TEST(test_print_golden)
{
	struct skygate_settings s;
	char err[512], want[4096];

	settings_defaults(&s);
	char *got = print_to_string(&s);
	ck_assert_str_eq(got, defaults_printed);
	free(got);

	ck_assert_msg(load_text(full_text, &s, err, sizeof(err)) == 0, "%s", err);
	got = print_to_string(&s);
	expand(full_printed, want, sizeof(want));
	ck_assert_str_eq(got, want);
	free(got);
}
END_TEST

static const char *const roundtrip_cases[] = {
    "",
    full_text,
    "hostname = \"gw-2.site-b.example\";\n"
    "log: { level = \"error\"; syslog = \"unix:/run/syslog.sock\";"
    " modules = { zeta = \"debug\"; alpha = \"notice\"; }; };\n"
    "api: { listen = \"[2001:db8:0:0::1]:443\"; tls_cert = \"@DIR@/api.crt\";"
    " tls_key = \"@DIR@/api.key\"; };\n"
    "telemetry: { syslog = [ \"udp:[2001:db8::5]:514\" ]; flow = [ \"[2001:db8::6]\" ];"
    " metrics_listen = \"[::1]:9273\"; };\n"
    "dataplane: { workers = 256; };\n",
    /* Quotes and backslashes are legal in paths and must print escaped. */
    "statedir = \"/var/lib/sky\\\"gate\\\\state\";\n",
    "telemetry: { flow_protocol = \"netflow9\"; };\n",
};

#define ROUNDTRIP_COUNT ((int)(sizeof(roundtrip_cases) / sizeof(roundtrip_cases[0])))

START_TEST(test_print_roundtrip)
{
	struct skygate_settings first, second;
	char err[512];

	memset(&first, 0x5a, sizeof(first));
	memset(&second, 0xa5, sizeof(second));
	ck_assert_msg(load_text(roundtrip_cases[_i], &first, err, sizeof(err)) == 0, "%s", err);
	char *printed = print_to_string(&first);
	ck_assert_msg(settings_load_string(printed, "printed", &second, err, sizeof(err)) == 0,
	              "%s\n%s", err, printed);
	ck_assert(settings_equal(&first, &second));
	/* Unused bytes are zeroed, so even memcmp agrees. */
	ck_assert_int_eq(memcmp(&first, &second, sizeof(first)), 0);
	/* And the canonical form is a fixed point. */
	char *again = print_to_string(&second);
	ck_assert_str_eq(printed, again);
	free(again);
	free(printed);
}
END_TEST

START_TEST(test_equal)
{
	struct skygate_settings a, b;
	char err[512];

	ck_assert_msg(load_text(full_text, &a, err, sizeof(err)) == 0, "%s", err);
	memcpy(&b, &a, sizeof(b));
	ck_assert(settings_equal(&a, &b));
	/* Garbage after a string's NUL is not a difference. */
	b.hostname[sizeof(b.hostname) - 1] = 'x';
	ck_assert(settings_equal(&a, &b));
	b.telemetry.flow[1].port = 4739;
	ck_assert(!settings_equal(&a, &b));
	memcpy(&b, &a, sizeof(b));
	b.log.modules[2].level = LOG_LVL_INFO;
	ck_assert(!settings_equal(&a, &b));
	memcpy(&b, &a, sizeof(b));
	b.telemetry.syslog_count = 1;
	ck_assert(!settings_equal(&a, &b));
	memcpy(&b, &a, sizeof(b));
	b.api.enabled = false;
	ck_assert(!settings_equal(&a, &b));
	ck_assert_str_eq(settings_flow_protocol_name(SETTINGS_FLOW_IPFIX), "ipfix");
	ck_assert_str_eq(settings_flow_protocol_name(SETTINGS_FLOW_NETFLOW9), "netflow9");
	ck_assert_str_eq(settings_flow_protocol_name((enum settings_flow_protocol)7), "unknown");
}
END_TEST

static Suite *settings_suite(void)
{
	Suite *s = suite_create("settings");
	TCase *values = tcase_create("values");
	TCase *files = tcase_create("files");
	TCase *print = tcase_create("print");

	tcase_add_checked_fixture(values, setup, teardown);
	tcase_add_test(values, test_defaults);
	tcase_add_test(values, test_full_valid);
	tcase_add_loop_test(values, test_good_values, 0, GOOD_COUNT);
	tcase_add_loop_test(values, test_bad_values, 0, BAD_COUNT);
	tcase_add_test(values, test_failed_load_unchanged);
	tcase_add_test(values, test_reload_resets_to_defaults);
	tcase_add_test(values, test_flow_default_port);
	tcase_add_test(values, test_module_limit);
	suite_add_tcase(s, values);

	tcase_add_checked_fixture(files, setup, teardown);
	tcase_add_test(files, test_file_errors);
	tcase_add_test(files, test_file_valid_and_include);
	tcase_add_test(files, test_unreadable_key);
	tcase_add_test(files, test_example_file);
	suite_add_tcase(s, files);

	tcase_add_checked_fixture(print, setup, teardown);
	tcase_add_test(print, test_print_golden);
	tcase_add_loop_test(print, test_print_roundtrip, 0, ROUNDTRIP_COUNT);
	tcase_add_test(print, test_equal);
	suite_add_tcase(s, print);
	return s;
}

int main(void)
{
	return unit_run(settings_suite());
}
