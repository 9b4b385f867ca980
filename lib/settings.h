/*
 * Appliance settings: /etc/skygate/skygate.conf, in libconfig syntax, for
 * everything that is not routing (hostname, directories, logging, the API,
 * telemetry collectors, data plane workers). Routing configuration lives
 * elsewhere; docs/settings.md lists every key.
 *
 * Loading validates the whole file before anything is kept: a typo, a wrong
 * type or an unknown key fails the load with "FILE:LINE: message", and the
 * caller's settings stay as they were, so a daemon reloading on SIGHUP keeps
 * running on the last good settings.
 *
 * Ownership: struct skygate_settings is a plain value. Every string lives in
 * a fixed-size array inside it and every list is a bounded array with a
 * count, so it owns no heap memory: copy it by assignment or memcpy, never
 * free it. No function here keeps a pointer to its arguments.
 */
#ifndef SKYGATE_SETTINGS_H
#define SKYGATE_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "log.h"

#define SETTINGS_DEFAULT_PATH "/etc/skygate/skygate.conf"

/* Lengths in characters, not counting the NUL that every array adds. */

/* RFC 1123 section 2.1 (via RFC 1035 section 2.3.4): labels of at most 63,
 * names of at most 253 characters in text form. */
#define SETTINGS_HOSTNAME_MAX 253
#define SETTINGS_LABEL_MAX    63

/* Files and directories the appliance reads or writes. */
#define SETTINGS_PATH_MAX 1023

/*
 * The run directory holds the daemons' UNIX sockets, and a socket's whole
 * path must fit sockaddr_un.sun_path (108 bytes with the NUL). Keeping the
 * directory short leaves the socket names room.
 */
#define SETTINGS_RUNDIR_MAX 64

/* "unix:" plus a path that fits sun_path, the longest target form. */
#define SETTINGS_TARGET_MAX 127

/* A numeric address in text, as inet_ntop writes it (INET6_ADDRSTRLEN - 1). */
#define SETTINGS_ADDR_MAX 45

/* Longest "[ADDR]:PORT" settings_endpoint_format() writes, NUL included. */
#define SETTINGS_ENDPOINT_STRLEN (SETTINGS_ADDR_MAX + 9)

/* Collectors per telemetry list. A fixed bound keeps the struct a plain
 * value with no allocations; raise it if an installation needs more. */
#define SETTINGS_COLLECTORS_MAX 8

#define SETTINGS_WORKERS_MAX 256

/* The flow collector port assumed when telemetry.flow names only an address. */
#define SETTINGS_FLOW_DEFAULT_PORT 31283

enum settings_flow_protocol {
	SETTINGS_FLOW_IPFIX = 0, /* RFC 7011 */
	SETTINGS_FLOW_NETFLOW9,  /* RFC 3954 */
};

/* A numeric address and port: "192.0.2.1:8443" or "[2001:db8::1]:8443". */
struct settings_endpoint {
	bool set;                         /* false: not configured, the rest is zero */
	int family;                       /* AF_INET or AF_INET6 */
	uint16_t port;                    /* 1..65535 when set */
	char addr[SETTINGS_ADDR_MAX + 1]; /* canonical text (inet_ntop), no brackets */
};

struct settings_log_module {
	char name[LOG_TAG_MAX + 1];
	enum log_level level;
};

struct settings_log {
	enum log_level level;
	/* One lib/log.h target in canonical form, ready for log_set_syslog();
	 * "" when the daemons log to standard error only. */
	char syslog[SETTINGS_TARGET_MAX + 1];
	/* Per-module overrides in file order, ready for log_set_module_level(). */
	struct settings_log_module modules[LOG_MODULE_MAX];
	size_t module_count;
};

struct settings_api {
	bool enabled;                    /* true exactly when the file has an api section */
	struct settings_endpoint listen; /* default 0.0.0.0:8443, set even when disabled */
	char tls_cert[SETTINGS_PATH_MAX + 1];
	char tls_key[SETTINGS_PATH_MAX + 1];
	char tokens_file[SETTINGS_PATH_MAX + 1]; /* "" when not set */
};

struct settings_telemetry {
	/* Syslog targets in canonical form, same syntax as log.syslog. */
	char syslog[SETTINGS_COLLECTORS_MAX][SETTINGS_TARGET_MAX + 1];
	size_t syslog_count;
	struct settings_endpoint flow[SETTINGS_COLLECTORS_MAX];
	size_t flow_count;
	enum settings_flow_protocol flow_protocol;
	struct settings_endpoint metrics_listen; /* .set false: no Prometheus endpoint */
};

struct settings_dataplane {
	unsigned int workers; /* 0: one per core; otherwise 1..SETTINGS_WORKERS_MAX */
};

struct skygate_settings {
	char hostname[SETTINGS_HOSTNAME_MAX + 1];
	char rundir[SETTINGS_RUNDIR_MAX + 1];
	char statedir[SETTINGS_PATH_MAX + 1];
	struct settings_log log;
	struct settings_api api;
	struct settings_telemetry telemetry;
	struct settings_dataplane dataplane;
};

/*
 * Fill *s with the defaults of every key (docs/settings.md). The whole
 * struct is zeroed first, unused array bytes included, so two settings
 * built by this module compare equal with memcmp as well as settings_equal.
 */
void settings_defaults(struct skygate_settings *s);

/*
 * Parse and validate a settings file. On success *s is replaced as a whole:
 * keys missing from the file take their defaults, not their previous values.
 * On failure return -1, leave *s untouched and put "FILE:LINE: message" in
 * err (errlen bytes, always NUL-terminated when errlen > 0); the line is left
 * out when there is none (a file that cannot be opened).
 *
 * Validation reads the file system: api.tls_cert and api.tls_key must be
 * readable regular files. @include paths are resolved against the directory
 * of path.
 */
int settings_load_file(const char *path, struct skygate_settings *s, char *err, size_t errlen);

/*
 * As settings_load_file(), from text in memory (text is borrowed, not kept).
 * name_for_errors stands in for the file name in messages ("<string>" when
 * NULL); @include paths are resolved against the working directory.
 */
int settings_load_string(const char *text, const char *name_for_errors, struct skygate_settings *s,
                         char *err, size_t errlen);

/*
 * Write *s in canonical libconfig form: every key in a fixed order, defaults
 * included, optional keys that are not set as comments. Loading the output
 * gives settings equal to *s. s must hold valid settings (from
 * settings_defaults() or a successful load). Returns 0, or -1 on a write
 * error.
 */
int settings_print(const struct skygate_settings *s, FILE *out);

/* Field by field: true when a and b configure the same thing. Lets a daemon
 * skip a reload that changed nothing. */
bool settings_equal(const struct skygate_settings *a, const struct skygate_settings *b);

/* "192.0.2.1:8443" or "[2001:db8::1]:8443" into buf (SETTINGS_ENDPOINT_STRLEN
 * is enough); "" for an endpoint that is not set. Returns buf. */
char *settings_endpoint_format(const struct settings_endpoint *ep, char *buf, size_t buflen);

/* "ipfix" or "netflow9"; "unknown" for anything else. */
const char *settings_flow_protocol_name(enum settings_flow_protocol proto);

#endif
