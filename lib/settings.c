/*
 * Appliance settings: load and validate skygate.conf with libconfig, print
 * it back in canonical form.
 *
 * Everything is validated into a local struct that is copied to the
 * caller's only when the whole file passed, so a failed load changes
 * nothing. Only the first error is reported: it carries the file and line,
 * and fixing one mistake at a time is how people edit a config anyway.
 */
#include "settings.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define WHY_MAX 256 /* one reason, before the FILE:LINE: prefix is added */

/* The directory a settings file's @include paths are resolved against. */
#define INCLUDE_DIR_MAX 4096

/* Longest "unix:" path: what fits sockaddr_un.sun_path with its NUL. */
#define UNIX_PATH_MAX_LEN (sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1)

/* ------------------------------------------------------------------------
 * Key tables: every key the file may hold, so unknown ones are caught.
 */

struct known_key {
	const char *section; /* "" for the top level */
	const char *name;
};

static const struct known_key known_keys[] = {
    {"", "hostname"},
    {"", "rundir"},
    {"", "statedir"},
    {"", "log"},
    {"", "api"},
    {"", "telemetry"},
    {"", "dataplane"},
    {"log", "level"},
    {"log", "syslog"},
    {"log", "modules"},
    {"api", "listen"},
    {"api", "tls_cert"},
    {"api", "tls_key"},
    {"api", "tokens_file"},
    {"telemetry", "syslog"},
    {"telemetry", "flow"},
    {"telemetry", "flow_protocol"},
    {"telemetry", "metrics_listen"},
    {"dataplane", "workers"},
};

#define KNOWN_KEY_COUNT (sizeof(known_keys) / sizeof(known_keys[0]))

/* The thresholds the file accepts. The logger has three more severe ones
 * (critical, alert, emergency), but a threshold there would hide ordinary
 * errors, which an appliance should always report. */
static const struct {
	const char *name;
	enum log_level level;
} level_table[] = {
    {"debug", LOG_LVL_DEBUG},     {"info", LOG_LVL_INFO}, {"notice", LOG_LVL_NOTICE},
    {"warning", LOG_LVL_WARNING}, {"error", LOG_LVL_ERR},
};

#define LEVEL_CHOICES "debug, info, notice, warning, error"

static const char *const flow_protocol_names[] = {
    [SETTINGS_FLOW_IPFIX] = "ipfix",
    [SETTINGS_FLOW_NETFLOW9] = "netflow9",
};

/* ------------------------------------------------------------------------
 * Small helpers.
 */

/* Copy src into a fixed array, zeroing the rest so that settings stay
 * comparable with memcmp. The caller has checked that src fits. */
static void set_str(char *dst, size_t size, const char *src)
{
	size_t len = strlen(src);

	memset(dst, 0, size);
	memcpy(dst, src, len < size ? len : size - 1);
}

/* Control characters in a path or target are always a mistake (a stray
 * newline from an editor or a script), and would not print back cleanly. */
static bool has_control_char(const char *s)
{
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			return true;
	}
	return false;
}

static bool is_ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool is_ascii_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int level_parse(const char *name, enum log_level *out)
{
	for (size_t i = 0; i < sizeof(level_table) / sizeof(level_table[0]); i++) {
		if (strcmp(name, level_table[i].name) == 0) {
			*out = level_table[i].level;
			return 0;
		}
	}
	return -1;
}

static const char *level_name(enum log_level level)
{
	for (size_t i = 0; i < sizeof(level_table) / sizeof(level_table[0]); i++)
		if (level_table[i].level == level)
			return level_table[i].name;
	return log_level_name(level);
}

const char *settings_flow_protocol_name(enum settings_flow_protocol proto)
{
	if ((unsigned)proto >= sizeof(flow_protocol_names) / sizeof(flow_protocol_names[0]))
		return "unknown";
	return flow_protocol_names[proto];
}

/*
 * Optimal string alignment distance (Levenshtein plus adjacent swaps, which
 * are the commonest typo: "hsotname"). Names longer than the table are not
 * compared: no known key is that long, so there is nothing to suggest.
 */
#define DIST_MAX_LEN 32

static unsigned edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	unsigned d[DIST_MAX_LEN + 1][DIST_MAX_LEN + 1];

	if (la > DIST_MAX_LEN || lb > DIST_MAX_LEN)
		return ~0u;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = (unsigned)i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (d[i - 1][j - 1] + cost < best)
				best = d[i - 1][j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* ------------------------------------------------------------------------
 * Value checks. Each returns 0, or -1 with a reason (without the key) in why.
 */

/* RFC 1123 section 2.1: labels of letters, digits and '-', not starting or
 * ending with '-', a leading digit allowed; at most 63 characters a label
 * and 253 in all (RFC 1035 section 2.3.4 in text form). */
static int check_hostname(const char *name, char *why, size_t whylen)
{
	size_t len = strlen(name);

	if (len == 0) {
		snprintf(why, whylen, "empty host name");
		return -1;
	}
	if (len > SETTINGS_HOSTNAME_MAX) {
		snprintf(why, whylen, "longer than %d characters", SETTINGS_HOSTNAME_MAX);
		return -1;
	}
	const char *label = name;
	bool all_digits = true; /* of the label being scanned */
	for (const char *p = name;; p++) {
		if (*p == '.' || *p == '\0') {
			size_t llen = (size_t)(p - label);
			if (llen == 0) {
				snprintf(why, whylen,
				         "empty label (a leading, trailing or doubled '.')");
				return -1;
			}
			if (llen > SETTINGS_LABEL_MAX) {
				snprintf(why, whylen,
				         "label '%.20s...' is longer than %d characters", label,
				         SETTINGS_LABEL_MAX);
				return -1;
			}
			if (label[0] == '-' || p[-1] == '-') {
				snprintf(why, whylen, "label '%.*s' starts or ends with '-'",
				         (int)llen, label);
				return -1;
			}
			if (*p == '\0')
				break;
			label = p + 1;
			all_digits = true;
			continue;
		}
		if (!is_ascii_alnum(*p) && *p != '-') {
			unsigned char c = (unsigned char)*p;
			if (c > 0x20 && c < 0x7f)
				snprintf(why, whylen,
				         "'%c' is not allowed (letters, digits, '-', '.')", c);
			else
				snprintf(why, whylen,
				         "byte 0x%02x is not allowed (letters, digits, '-', '.')",
				         c);
			return -1;
		}
		if (!is_ascii_digit(*p))
			all_digits = false;
	}
	/* RFC 1123 section 2.1: the highest-level label is alphabetic, which is
	 * what keeps a host name from reading as an address ("192.0.2.1"). */
	if (all_digits) {
		snprintf(why, whylen, "the last label is all digits and would read as an address");
		return -1;
	}
	return 0;
}

static int check_path(const char *path, size_t max, char *why, size_t whylen)
{
	/* Daemons run with / as their working directory, so a relative path
	 * would name something other than what the operator meant. */
	if (path[0] != '/') {
		snprintf(why, whylen, "not an absolute path (must start with '/')");
		return -1;
	}
	if (strlen(path) > max) {
		snprintf(why, whylen, "longer than %zu characters", max);
		return -1;
	}
	if (has_control_char(path)) {
		snprintf(why, whylen, "contains a control character");
		return -1;
	}
	return 0;
}

static int parse_port(const char *text, uint16_t *out)
{
	unsigned long v = 0;
	size_t n = strlen(text);

	if (n == 0 || n > 5)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (!is_ascii_digit(text[i]))
			return -1;
		v = v * 10 + (unsigned long)(text[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

/*
 * "ADDR:PORT", "[V6ADDR]:PORT", and when default_port is not 0 also "ADDR"
 * and "[V6ADDR]". Addresses are numeric only: settings are read at start,
 * before the network may be up, and a daemon must not wait on DNS. A bare
 * IPv6 address is refused even when a port is optional, because
 * "2001:db8::1:31283" would be ambiguous.
 */
static int parse_endpoint(const char *text, uint16_t default_port, struct settings_endpoint *out,
                          char *why, size_t whylen)
{
	char host[SETTINGS_ADDR_MAX + 1];
	const char *start = text;
	const char *port = NULL;
	size_t hostlen;
	int family = AF_INET;

	if (text[0] == '[') {
		const char *close_br = strchr(text, ']');
		if (close_br == NULL) {
			snprintf(why, whylen, "missing ']' after the IPv6 address");
			return -1;
		}
		start = text + 1;
		hostlen = (size_t)(close_br - start);
		if (close_br[1] == ':')
			port = close_br + 2;
		else if (close_br[1] != '\0') {
			snprintf(why, whylen, "expected ':PORT' after ']'");
			return -1;
		}
		family = AF_INET6;
	} else {
		const char *colon = strchr(text, ':');
		if (colon != NULL && strchr(colon + 1, ':') != NULL) {
			snprintf(why, whylen, "an IPv6 address goes in brackets: [ADDR]:PORT");
			return -1;
		}
		hostlen = colon != NULL ? (size_t)(colon - text) : strlen(text);
		if (colon != NULL)
			port = colon + 1;
	}
	if (hostlen == 0) {
		snprintf(why, whylen, "no address before the port");
		return -1;
	}
	if (hostlen > SETTINGS_ADDR_MAX) {
		snprintf(why, whylen, "not a numeric %s address",
		         family == AF_INET6 ? "IPv6" : "IPv4");
		return -1;
	}
	memcpy(host, start, hostlen);
	host[hostlen] = '\0';

	unsigned char bin[16];
	if (inet_pton(family, host, bin) != 1) {
		if (family == AF_INET6)
			snprintf(why, whylen, "'%s' is not a numeric IPv6 address", host);
		else
			snprintf(why, whylen,
			         "'%s' is not a numeric IPv4 address (names are not resolved)",
			         host);
		return -1;
	}

	uint16_t portnum = default_port;
	if (port == NULL && default_port == 0) {
		snprintf(why, whylen, "missing ':PORT'");
		return -1;
	}
	if (port != NULL && parse_port(port, &portnum) != 0) {
		snprintf(why, whylen, "port '%.10s' is not a number from 1 to 65535", port);
		return -1;
	}

	memset(out, 0, sizeof(*out));
	out->set = true;
	out->family = family;
	out->port = portnum;
	/* Canonical text, so "2001:DB8:0::1" and "2001:db8::1" compare equal. */
	if (inet_ntop(family, bin, out->addr, sizeof(out->addr)) == NULL) {
		snprintf(why, whylen, "cannot format the address");
		return -1;
	}
	return 0;
}

char *settings_endpoint_format(const struct settings_endpoint *ep, char *buf, size_t buflen)
{
	if (buflen == 0)
		return buf;
	if (!ep->set)
		buf[0] = '\0';
	else if (ep->family == AF_INET6)
		snprintf(buf, buflen, "[%s]:%u", ep->addr, (unsigned)ep->port);
	else
		snprintf(buf, buflen, "%s:%u", ep->addr, (unsigned)ep->port);
	return buf;
}

/*
 * The target forms log_set_syslog() takes (lib/log.h), checked here without
 * opening anything, so a bad target fails the load rather than the daemon
 * at start. Stricter than the logger in two ways that only refuse
 * mistakes: a bare IPv6 address without brackets, and a relative socket
 * path. out receives the canonical form.
 */
static int parse_syslog_target(const char *text, char *out, size_t outlen, char *why, size_t whylen)
{
	if (strncmp(text, "udp:", 4) == 0) {
		struct settings_endpoint ep;
		char addr[SETTINGS_ENDPOINT_STRLEN];
		if (parse_endpoint(text + 4, 0, &ep, why, whylen) != 0)
			return -1;
		snprintf(out, outlen, "udp:%s", settings_endpoint_format(&ep, addr, sizeof(addr)));
		return 0;
	}
	if (strncmp(text, "unix:", 5) == 0) {
		const char *path = text + 5;
		if (path[0] != '/') {
			snprintf(why, whylen, "the socket path must be absolute (unix:/dev/log)");
			return -1;
		}
		if (strlen(path) > UNIX_PATH_MAX_LEN) {
			snprintf(why, whylen, "the socket path is longer than %zu characters",
			         (size_t)UNIX_PATH_MAX_LEN);
			return -1;
		}
		if (has_control_char(path)) {
			snprintf(why, whylen, "the socket path contains a control character");
			return -1;
		}
		snprintf(out, outlen, "%s", text);
		return 0;
	}
	snprintf(why, whylen, "expected udp:ADDR:PORT, udp:[ADDR]:PORT or unix:PATH");
	return -1;
}

/* ------------------------------------------------------------------------
 * Reading the libconfig tree.
 */

struct loader {
	const char *name; /* the file, for messages */
	char *err;
	size_t errlen;
};

/* Report an error at a setting: "FILE:LINE: message". Always returns -1. */
static int fail(const struct loader *ld, const config_setting_t *at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int fail(const struct loader *ld, const config_setting_t *at, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	const char *file = NULL;
	unsigned line = 0;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* Messages quote the offending value; keep them one line on a terminal
	 * and in the journal even when the value holds control characters. */
	for (char *p = msg; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	if (at != NULL) {
		/* Set for settings that came from an @include file. */
		file = config_setting_source_file(at);
		line = config_setting_source_line(at);
	}
	if (file == NULL)
		file = ld->name;
	if (ld->err == NULL || ld->errlen == 0)
		return -1;
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%u: %s", file, line, msg);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", file, msg);
	return -1;
}

/* "log.level" from "log" and "level"; the top level has no prefix. */
static void key_path(char *buf, size_t buflen, const char *section, const char *name)
{
	if (section[0] == '\0')
		snprintf(buf, buflen, "%s", name);
	else
		snprintf(buf, buflen, "%s.%s", section, name);
}

static bool is_known(const char *section, const char *name)
{
	for (size_t i = 0; i < KNOWN_KEY_COUNT; i++)
		if (strcmp(known_keys[i].section, section) == 0 &&
		    strcmp(known_keys[i].name, name) == 0)
			return true;
	return false;
}

/*
 * Refuse keys this version does not know: a misspelt key would otherwise be
 * ignored and its default silently used. Suggest the closest key of the
 * same section when it is near enough to be a typo (at most 2 edits, and
 * at most half the key's length so "foo" does not become "log"), or the
 * section where a known key really belongs.
 */
static int check_unknown_keys(const struct loader *ld, const config_setting_t *group,
                              const char *section)
{
	int n = config_setting_length(group);

	for (int i = 0; i < n; i++) {
		const config_setting_t *st = config_setting_get_elem(group, (unsigned)i);
		const char *name = config_setting_name(st);
		char path[128];
		const struct known_key *best = NULL, *elsewhere = NULL;
		unsigned best_dist = ~0u;

		if (name == NULL || is_known(section, name))
			continue;
		for (size_t k = 0; k < KNOWN_KEY_COUNT; k++) {
			const struct known_key *kk = &known_keys[k];
			if (strcmp(kk->section, section) != 0) {
				if (strcmp(kk->name, name) == 0 && elsewhere == NULL)
					elsewhere = kk;
				continue;
			}
			unsigned d = edit_distance(name, kk->name);
			if (d <= 2 && d * 2 <= strlen(kk->name) && d < best_dist) {
				best = kk;
				best_dist = d;
			}
		}
		key_path(path, sizeof(path), section, name);
		if (best != NULL) {
			char want[128];
			key_path(want, sizeof(want), section, best->name);
			return fail(ld, st, "unknown key '%s', did you mean '%s'?", path, want);
		}
		if (elsewhere != NULL) {
			char want[128];
			key_path(want, sizeof(want), elsewhere->section, elsewhere->name);
			return fail(ld, st, "unknown key '%s', did you mean '%s'?", path, want);
		}
		return fail(ld, st, "unknown key '%s'", path);
	}
	return 0;
}

/* A section: *out is NULL when absent. Returns 0 or -1. */
static int get_group(const struct loader *ld, const config_setting_t *parent, const char *name,
                     const config_setting_t **out)
{
	const config_setting_t *st = config_setting_get_member(parent, name);

	*out = NULL;
	if (st == NULL)
		return 0;
	if (config_setting_type(st) != CONFIG_TYPE_GROUP)
		return fail(ld, st, "%s: expected a group ({ ... })", name);
	*out = st;
	return 0;
}

/* A string key: 1 and *val when present, 0 when absent, -1 on a wrong type. */
static int get_string(const struct loader *ld, const config_setting_t *group, const char *section,
                      const char *name, const config_setting_t **where, const char **val)
{
	const config_setting_t *st = group ? config_setting_get_member(group, name) : NULL;
	char path[128];

	*where = st;
	if (st == NULL)
		return 0;
	if (config_setting_type(st) != CONFIG_TYPE_STRING) {
		key_path(path, sizeof(path), section, name);
		return fail(ld, st, "%s: expected a string", path);
	}
	*val = config_setting_get_string(st);
	return 1;
}

/*
 * A list of strings, as an array [ ... ] or a list ( ... ): *out is NULL
 * when absent. Element types and the count are checked here.
 */
static int get_string_list(const struct loader *ld, const config_setting_t *group, const char *path,
                           const char *name, size_t max, const config_setting_t **out)
{
	const config_setting_t *st = group ? config_setting_get_member(group, name) : NULL;

	*out = NULL;
	if (st == NULL)
		return 0;
	int type = config_setting_type(st);
	if (type != CONFIG_TYPE_ARRAY && type != CONFIG_TYPE_LIST)
		return fail(ld, st, "%s: expected a list of strings ([ \"...\", ... ])", path);
	int n = config_setting_length(st);
	if ((size_t)n > max)
		return fail(ld, st, "%s: at most %zu entries, found %d", path, max, n);
	for (int i = 0; i < n; i++) {
		const config_setting_t *el = config_setting_get_elem(st, (unsigned)i);
		if (config_setting_type(el) != CONFIG_TYPE_STRING)
			return fail(ld, el, "%s[%d]: expected a string", path, i);
	}
	*out = st;
	return 0;
}

/* A path key that must be absolute: copies into dst when present. */
static int load_path(const struct loader *ld, const config_setting_t *group, const char *section,
                     const char *name, size_t max, char *dst, size_t dstsize)
{
	const config_setting_t *st;
	const char *val;
	char why[WHY_MAX], path[128];
	int rc = get_string(ld, group, section, name, &st, &val);

	if (rc <= 0)
		return rc;
	if (check_path(val, max, why, sizeof(why)) != 0) {
		key_path(path, sizeof(path), section, name);
		return fail(ld, st, "%s: '%.100s': %s", path, val, why);
	}
	set_str(dst, dstsize, val);
	return 0;
}

/* The TLS files must be there when the API starts; finding out now turns a
 * failed API start into a failed load, with the file and line. */
static int check_readable_file(const struct loader *ld, const config_setting_t *at, const char *key,
                               const char *path)
{
	/* O_NONBLOCK: a FIFO at that path must not hang the load. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return fail(ld, at, "%s: cannot read '%.100s': %s", key, path, strerror(errno));
	int rc = fstat(fd, &st);
	int saved = errno;
	close(fd);
	if (rc != 0)
		return fail(ld, at, "%s: cannot read '%.100s': %s", key, path, strerror(saved));
	if (!S_ISREG(st.st_mode))
		return fail(ld, at, "%s: '%.100s' is not a regular file", key, path);
	return 0;
}

static int load_top(const struct loader *ld, const config_setting_t *root,
                    struct skygate_settings *s)
{
	const config_setting_t *st;
	const char *val;
	char why[WHY_MAX];
	int rc = get_string(ld, root, "", "hostname", &st, &val);

	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (check_hostname(val, why, sizeof(why)) != 0)
			return fail(ld, st, "hostname: '%.100s': %s", val, why);
		set_str(s->hostname, sizeof(s->hostname), val);
	}
	rc = load_path(ld, root, "", "rundir", SETTINGS_RUNDIR_MAX, s->rundir, sizeof(s->rundir));
	if (rc != 0)
		return -1;
	return load_path(ld, root, "", "statedir", SETTINGS_PATH_MAX, s->statedir,
	                 sizeof(s->statedir));
}

static int load_log(const struct loader *ld, const config_setting_t *root, struct settings_log *log)
{
	const config_setting_t *grp, *st, *mods;
	const char *val;
	char why[WHY_MAX];
	int rc;

	if (get_group(ld, root, "log", &grp) != 0)
		return -1;
	if (grp == NULL)
		return 0;
	if (check_unknown_keys(ld, grp, "log") != 0)
		return -1;

	rc = get_string(ld, grp, "log", "level", &st, &val);
	if (rc < 0)
		return -1;
	if (rc > 0 && level_parse(val, &log->level) != 0)
		return fail(ld, st, "log.level: '%.40s' is not one of " LEVEL_CHOICES, val);

	rc = get_string(ld, grp, "log", "syslog", &st, &val);
	if (rc < 0)
		return -1;
	if (rc > 0 &&
	    parse_syslog_target(val, log->syslog, sizeof(log->syslog), why, sizeof(why)) != 0)
		return fail(ld, st, "log.syslog: '%.100s': %s", val, why);

	mods = config_setting_get_member(grp, "modules");
	if (mods == NULL)
		return 0;
	if (config_setting_type(mods) != CONFIG_TYPE_GROUP)
		return fail(ld, mods,
		            "log.modules: expected a group ({ MODULE = \"LEVEL\"; ... })");
	int n = config_setting_length(mods);
	if (n > LOG_MODULE_MAX)
		return fail(ld, mods, "log.modules: at most %d modules, found %d", LOG_MODULE_MAX,
		            n);
	for (int i = 0; i < n; i++) {
		const config_setting_t *m = config_setting_get_elem(mods, (unsigned)i);
		const char *name = config_setting_name(m);
		/* Module tags become the RFC 5424 MSGID: at most 32 printable
		 * characters; libconfig names also allow '*', which no tag has. */
		if (strlen(name) > LOG_TAG_MAX)
			return fail(ld, m,
			            "log.modules.%.40s: a module name has at most %d characters",
			            name, LOG_TAG_MAX);
		for (const char *p = name; *p != '\0'; p++)
			if (!is_ascii_alnum(*p) && *p != '_' && *p != '-')
				return fail(ld, m,
				            "log.modules.%s: '%c' is not allowed in a module name",
				            name, *p);
		if (config_setting_type(m) != CONFIG_TYPE_STRING)
			return fail(ld, m, "log.modules.%s: expected a string", name);
		struct settings_log_module *lm = &log->modules[log->module_count];
		val = config_setting_get_string(m);
		if (level_parse(val, &lm->level) != 0)
			return fail(ld, m, "log.modules.%s: '%.40s' is not one of " LEVEL_CHOICES,
			            name, val);
		set_str(lm->name, sizeof(lm->name), name);
		log->module_count++;
	}
	return 0;
}

static int load_api(const struct loader *ld, const config_setting_t *root, struct settings_api *api)
{
	const config_setting_t *grp, *st;
	const char *val;
	char why[WHY_MAX];
	int rc;

	if (get_group(ld, root, "api", &grp) != 0)
		return -1;
	/* The API is off unless asked for: an appliance should not open a
	 * management port nobody configured. */
	if (grp == NULL)
		return 0;
	if (check_unknown_keys(ld, grp, "api") != 0)
		return -1;
	api->enabled = true;

	rc = get_string(ld, grp, "api", "listen", &st, &val);
	if (rc < 0)
		return -1;
	if (rc > 0 && parse_endpoint(val, 0, &api->listen, why, sizeof(why)) != 0)
		return fail(ld, st, "api.listen: '%.100s': %s", val, why);

	/* No defaults for the TLS files: the API never runs without TLS, and a
	 * default path would hide that nothing was configured. */
	static const char *const tls_keys[] = {"tls_cert", "tls_key"};
	char *const tls_dst[] = {api->tls_cert, api->tls_key};
	for (size_t i = 0; i < 2; i++) {
		char path[32];
		key_path(path, sizeof(path), "api", tls_keys[i]);
		if (config_setting_get_member(grp, tls_keys[i]) == NULL)
			return fail(ld, grp, "%s: required when the api section is present", path);
		if (load_path(ld, grp, "api", tls_keys[i], SETTINGS_PATH_MAX, tls_dst[i],
		              SETTINGS_PATH_MAX + 1) != 0)
			return -1;
		if (check_readable_file(ld, config_setting_get_member(grp, tls_keys[i]), path,
		                        tls_dst[i]) != 0)
			return -1;
	}
	/* Not checked for existence: the API service reads it and decides
	 * what a missing file means. */
	return load_path(ld, grp, "api", "tokens_file", SETTINGS_PATH_MAX, api->tokens_file,
	                 sizeof(api->tokens_file));
}

static int load_telemetry(const struct loader *ld, const config_setting_t *root,
                          struct settings_telemetry *t)
{
	const config_setting_t *grp, *st, *list;
	const char *val;
	char why[WHY_MAX];
	int rc;

	if (get_group(ld, root, "telemetry", &grp) != 0)
		return -1;
	if (grp == NULL)
		return 0;
	if (check_unknown_keys(ld, grp, "telemetry") != 0)
		return -1;

	if (get_string_list(ld, grp, "telemetry.syslog", "syslog", SETTINGS_COLLECTORS_MAX,
	                    &list) != 0)
		return -1;
	for (int i = 0; list != NULL && i < config_setting_length(list); i++) {
		const config_setting_t *el = config_setting_get_elem(list, (unsigned)i);
		char *dst = t->syslog[t->syslog_count];
		val = config_setting_get_string(el);
		if (parse_syslog_target(val, dst, sizeof(t->syslog[0]), why, sizeof(why)) != 0)
			return fail(ld, el, "telemetry.syslog[%d]: '%.100s': %s", i, val, why);
		/* A collector listed twice would get every message twice. */
		for (size_t j = 0; j < t->syslog_count; j++)
			if (strcmp(t->syslog[j], dst) == 0)
				return fail(ld, el,
				            "telemetry.syslog[%d]: '%.100s' is listed twice", i,
				            val);
		t->syslog_count++;
	}

	if (get_string_list(ld, grp, "telemetry.flow", "flow", SETTINGS_COLLECTORS_MAX, &list) != 0)
		return -1;
	for (int i = 0; list != NULL && i < config_setting_length(list); i++) {
		const config_setting_t *el = config_setting_get_elem(list, (unsigned)i);
		struct settings_endpoint *ep = &t->flow[t->flow_count];
		val = config_setting_get_string(el);
		if (parse_endpoint(val, SETTINGS_FLOW_DEFAULT_PORT, ep, why, sizeof(why)) != 0)
			return fail(ld, el, "telemetry.flow[%d]: '%.100s': %s", i, val, why);
		for (size_t j = 0; j < t->flow_count; j++)
			if (t->flow[j].port == ep->port && strcmp(t->flow[j].addr, ep->addr) == 0)
				return fail(ld, el, "telemetry.flow[%d]: '%.100s' is listed twice",
				            i, val);
		t->flow_count++;
	}

	rc = get_string(ld, grp, "telemetry", "flow_protocol", &st, &val);
	if (rc < 0)
		return -1;
	if (rc > 0) {
		if (strcmp(val, "ipfix") == 0)
			t->flow_protocol = SETTINGS_FLOW_IPFIX;
		else if (strcmp(val, "netflow9") == 0)
			t->flow_protocol = SETTINGS_FLOW_NETFLOW9;
		else
			return fail(
			    ld, st,
			    "telemetry.flow_protocol: '%.40s' is not one of ipfix, netflow9", val);
	}

	rc = get_string(ld, grp, "telemetry", "metrics_listen", &st, &val);
	if (rc < 0)
		return -1;
	if (rc > 0 && parse_endpoint(val, 0, &t->metrics_listen, why, sizeof(why)) != 0)
		return fail(ld, st, "telemetry.metrics_listen: '%.100s': %s", val, why);
	return 0;
}

static int load_dataplane(const struct loader *ld, const config_setting_t *root,
                          struct settings_dataplane *dp)
{
	const config_setting_t *grp, *st;

	if (get_group(ld, root, "dataplane", &grp) != 0)
		return -1;
	if (grp == NULL)
		return 0;
	if (check_unknown_keys(ld, grp, "dataplane") != 0)
		return -1;
	st = config_setting_get_member(grp, "workers");
	if (st == NULL)
		return 0;
	/*
	 * libconfig makes an integer that ends in L an INT64. (libconfig 1.5
	 * wraps a plain integer that does not fit 32 bits without an error;
	 * nothing here can see that.)
	 */
	int type = config_setting_type(st);
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
		return fail(ld, st, "dataplane.workers: expected an integer");
	long long v = config_setting_get_int64(st);
	if (v < 0 || v > SETTINGS_WORKERS_MAX)
		return fail(
		    ld, st,
		    "dataplane.workers: %lld is out of range (0 for one per core, or 1 to %d)", v,
		    SETTINGS_WORKERS_MAX);
	dp->workers = (unsigned)v;
	return 0;
}

/* Validate the parsed tree into a local copy; commit only if all passed. */
static int load_config(const struct loader *ld, const config_t *cfg, struct skygate_settings *s)
{
	struct skygate_settings tmp;
	const config_setting_t *root = config_root_setting(cfg);

	settings_defaults(&tmp);
	if (check_unknown_keys(ld, root, "") != 0 || load_top(ld, root, &tmp) != 0 ||
	    load_log(ld, root, &tmp.log) != 0 || load_api(ld, root, &tmp.api) != 0 ||
	    load_telemetry(ld, root, &tmp.telemetry) != 0 ||
	    load_dataplane(ld, root, &tmp.dataplane) != 0)
		return -1;
	memcpy(s, &tmp, sizeof(*s));
	return 0;
}

/* A libconfig parse error: syntax, duplicate key, or an @include that failed. */
static int parse_failed(const struct loader *ld, const config_t *cfg)
{
	const char *file = config_error_file(cfg);
	int line = config_error_line(cfg);
	const char *text = config_error_text(cfg);

	if (ld->err == NULL || ld->errlen == 0)
		return -1;
	if (file == NULL)
		file = ld->name;
	if (text == NULL)
		text = "cannot parse";
	if (line > 0)
		snprintf(ld->err, ld->errlen, "%s:%d: %s", file, line, text);
	else
		snprintf(ld->err, ld->errlen, "%s: %s", file, text);
	return -1;
}

/* ------------------------------------------------------------------------
 * Public interface.
 */

void settings_defaults(struct skygate_settings *s)
{
	memset(s, 0, sizeof(*s));
	set_str(s->hostname, sizeof(s->hostname), "skygate");
	set_str(s->rundir, sizeof(s->rundir), "/run/skygate");
	set_str(s->statedir, sizeof(s->statedir), "/var/lib/skygate");
	s->log.level = LOG_LVL_INFO;
	/* Used only once an api section turns the API on. */
	s->api.listen.set = true;
	s->api.listen.family = AF_INET;
	s->api.listen.port = 8443;
	set_str(s->api.listen.addr, sizeof(s->api.listen.addr), "0.0.0.0");
	s->telemetry.flow_protocol = SETTINGS_FLOW_IPFIX;
	s->dataplane.workers = 0;
}

int settings_load_string(const char *text, const char *name_for_errors, struct skygate_settings *s,
                         char *err, size_t errlen)
{
	struct loader ld = {
	    .name = name_for_errors ? name_for_errors : "<string>", .err = err, .errlen = errlen};
	config_t cfg;
	int rc;

	if (text == NULL)
		return fail(&ld, NULL, "no settings text");
	config_init(&cfg);
	if (config_read_string(&cfg, text) != CONFIG_TRUE)
		rc = parse_failed(&ld, &cfg);
	else
		rc = load_config(&ld, &cfg, s);
	config_destroy(&cfg);
	return rc;
}

int settings_load_file(const char *path, struct skygate_settings *s, char *err, size_t errlen)
{
	struct loader ld = {.name = path, .err = err, .errlen = errlen};
	char incdir[INCLUDE_DIR_MAX];
	struct stat st;
	config_t cfg;
	FILE *fp;
	int rc;

	if (path == NULL) {
		ld.name = "<none>";
		return fail(&ld, NULL, "no settings file given");
	}
	fp = fopen(path, "re");
	if (fp == NULL)
		return fail(&ld, NULL, "cannot open: %s", strerror(errno));
	/* libconfig's scanner ends the process when asked to read a
	 * directory, so anything but a regular file stops here. */
	if (fstat(fileno(fp), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(fp);
		return fail(&ld, NULL, "not a regular file");
	}

	/* @include "x.conf" means next to this file, not in whatever
	 * directory the daemon was started from. */
	const char *slash = strrchr(path, '/');
	size_t dirlen = slash == NULL ? 0 : (slash == path ? 1 : (size_t)(slash - path));
	if (dirlen >= sizeof(incdir)) {
		fclose(fp);
		return fail(&ld, NULL, "path too long");
	}
	if (slash == NULL) {
		snprintf(incdir, sizeof(incdir), ".");
	} else {
		memcpy(incdir, path, dirlen);
		incdir[dirlen] = '\0';
	}

	config_init(&cfg);
	config_set_include_dir(&cfg, incdir);
	if (config_read(&cfg, fp) != CONFIG_TRUE)
		rc = parse_failed(&ld, &cfg);
	else
		rc = load_config(&ld, &cfg, s);
	config_destroy(&cfg);
	fclose(fp);
	return rc;
}

/* ------------------------------------------------------------------------
 * Printing.
 */

/* A libconfig string literal. Validated settings hold no control
 * characters, so only the quote and the backslash need escaping. */
static void print_quoted(FILE *out, const char *s)
{
	fputc('"', out);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

static void print_key(FILE *out, const char *indent, const char *key, const char *val)
{
	fprintf(out, "%s%s = ", indent, key);
	print_quoted(out, val);
	fputs(";\n", out);
}

static void print_optional(FILE *out, const char *indent, const char *key, const char *val)
{
	if (val[0] != '\0')
		print_key(out, indent, key, val);
	else
		fprintf(out, "%s# %s: not set\n", indent, key);
}

int settings_print(const struct skygate_settings *s, FILE *out)
{
	char buf[SETTINGS_ENDPOINT_STRLEN];

	fputs("# skygate appliance settings (docs/settings.md)\n", out);
	print_key(out, "", "hostname", s->hostname);
	print_key(out, "", "rundir", s->rundir);
	print_key(out, "", "statedir", s->statedir);

	fputs("\nlog: {\n", out);
	print_key(out, "  ", "level", level_name(s->log.level));
	print_optional(out, "  ", "syslog", s->log.syslog);
	if (s->log.module_count == 0) {
		fputs("  modules: { };\n", out);
	} else {
		fputs("  modules: {\n", out);
		for (size_t i = 0; i < s->log.module_count; i++)
			print_key(out, "    ", s->log.modules[i].name,
			          level_name(s->log.modules[i].level));
		fputs("  };\n", out);
	}
	fputs("};\n", out);

	/* An api section turns the API on, so a disabled API prints as a
	 * comment, not as a section with defaults. */
	if (s->api.enabled) {
		fputs("\napi: {\n", out);
		print_key(out, "  ", "listen",
		          settings_endpoint_format(&s->api.listen, buf, sizeof(buf)));
		print_key(out, "  ", "tls_cert", s->api.tls_cert);
		print_key(out, "  ", "tls_key", s->api.tls_key);
		print_optional(out, "  ", "tokens_file", s->api.tokens_file);
		fputs("};\n", out);
	} else {
		fputs(
		    "\n# api: not enabled (an api section with tls_cert and tls_key enables it)\n",
		    out);
	}

	fputs("\ntelemetry: {\n  syslog = [", out);
	for (size_t i = 0; i < s->telemetry.syslog_count; i++) {
		fputs(i == 0 ? " " : ", ", out);
		print_quoted(out, s->telemetry.syslog[i]);
	}
	fputs(" ];\n  flow = [", out);
	for (size_t i = 0; i < s->telemetry.flow_count; i++) {
		fputs(i == 0 ? " " : ", ", out);
		print_quoted(out,
		             settings_endpoint_format(&s->telemetry.flow[i], buf, sizeof(buf)));
	}
	fputs(" ];\n", out);
	print_key(out, "  ", "flow_protocol",
	          settings_flow_protocol_name(s->telemetry.flow_protocol));
	print_optional(out, "  ", "metrics_listen",
	               settings_endpoint_format(&s->telemetry.metrics_listen, buf, sizeof(buf)));
	fputs("};\n", out);

	fprintf(out, "\ndataplane: {\n  workers = %u;\n};\n", s->dataplane.workers);

	if (fflush(out) != 0 || ferror(out))
		return -1;
	return 0;
}

/* ------------------------------------------------------------------------
 * Comparison.
 */

static bool endpoint_equal(const struct settings_endpoint *a, const struct settings_endpoint *b)
{
	if (a->set != b->set)
		return false;
	if (!a->set)
		return true;
	return a->family == b->family && a->port == b->port && strcmp(a->addr, b->addr) == 0;
}

bool settings_equal(const struct skygate_settings *a, const struct skygate_settings *b)
{
	if (strcmp(a->hostname, b->hostname) != 0 || strcmp(a->rundir, b->rundir) != 0 ||
	    strcmp(a->statedir, b->statedir) != 0)
		return false;

	if (a->log.level != b->log.level || strcmp(a->log.syslog, b->log.syslog) != 0 ||
	    a->log.module_count != b->log.module_count)
		return false;
	for (size_t i = 0; i < a->log.module_count; i++)
		if (strcmp(a->log.modules[i].name, b->log.modules[i].name) != 0 ||
		    a->log.modules[i].level != b->log.modules[i].level)
			return false;

	if (a->api.enabled != b->api.enabled || !endpoint_equal(&a->api.listen, &b->api.listen) ||
	    strcmp(a->api.tls_cert, b->api.tls_cert) != 0 ||
	    strcmp(a->api.tls_key, b->api.tls_key) != 0 ||
	    strcmp(a->api.tokens_file, b->api.tokens_file) != 0)
		return false;

	const struct settings_telemetry *ta = &a->telemetry, *tb = &b->telemetry;
	if (ta->syslog_count != tb->syslog_count || ta->flow_count != tb->flow_count ||
	    ta->flow_protocol != tb->flow_protocol ||
	    !endpoint_equal(&ta->metrics_listen, &tb->metrics_listen))
		return false;
	for (size_t i = 0; i < ta->syslog_count; i++)
		if (strcmp(ta->syslog[i], tb->syslog[i]) != 0)
			return false;
	for (size_t i = 0; i < ta->flow_count; i++)
		if (!endpoint_equal(&ta->flow[i], &tb->flow[i]))
			return false;

	return a->dataplane.workers == b->dataplane.workers;
}
