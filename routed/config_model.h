/*
 * The routing configuration in effect: what `show running-config` prints and
 * what the CLI edits.
 *
 * The model is plain data. Edits happen on one struct routed_config at a
 * time: the running one for interactive commands, or a clone for a
 * transaction (a config file at start, `skysh -f`), which replaces the
 * running one only if every line applied. Consumers (the BGP speaker, FIB,
 * approval) read it; they never keep pointers into it across an event-loop
 * turn, because a transaction replaces the whole object.
 *
 * Prefix rcfg_ ("routed config"): libconfig, which routed also links, owns
 * the config_ namespace.
 *
 * Ownership: rcfg_new()/rcfg_clone() return an object the caller frees
 * with rcfg_free(). Neighbors and networks belong to their config; the
 * pointers the lookup functions return are valid until the next edit of the
 * same config.
 */
#ifndef SKYGATE_ROUTED_CONFIG_MODEL_H
#define SKYGATE_ROUTED_CONFIG_MODEL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "prefix.h"

struct json_object;
struct policy_config;
struct domain_config;

#define CONFIG_HOSTNAME_MAX 63     /* one RFC 1123 label */
#define CONFIG_DESCRIPTION_MAX 80  /* as FRR */
#define CONFIG_DEFAULT_HOSTNAME "skygate"
/* The longest TCP-MD5 key (RFC 2385) Linux takes: TCP_MD5SIG_MAXKEYLEN. */
#define CONFIG_PASSWORD_MAX 80
#define CONFIG_IFNAME_MAX 15       /* IFNAMSIZ less the NUL */
#define CONFIG_DOMAIN_NAME_MAX 31  /* DOMAIN_NAME_MAX of domain_config.h */

/* Defaults: what an option that is not configured means. The printer leaves
 * out whatever equals them. */
#define CONFIG_BGP_DEFAULT_KEEPALIVE 60       /* seconds, as FRR */
#define CONFIG_BGP_DEFAULT_HOLDTIME 180       /* seconds, as FRR */
#define CONFIG_BGP_DEFAULT_RESTART_TIME 120   /* RFC 4724 Restart Time, as FRR */
#define CONFIG_BGP_DEFAULT_STALEPATH_TIME 360 /* seconds, as FRR */
/* One path per prefix: the single best route of RFC 4271 section 9.1.2.
 * FRR's default is its build-time multipath limit; ours is no ECMP until
 * `maximum-paths` asks for it. */
#define CONFIG_BGP_DEFAULT_MAXIMUM_PATHS 1
#define CONFIG_BGP_MAXIMUM_PATHS_MAX 64
#define CONFIG_BGP_MAXPREFIX_THRESHOLD_DEFAULT 75 /* percent, as FRR */
#define CONFIG_BGP_ALLOWAS_IN_DEFAULT 3       /* `allowas-in` without a count, as FRR */
#define CONFIG_BGP_MAXTTL 255                 /* `ebgp-multihop` without a count */
/* Most prefixes one `neighbor X advertise-cidrs` lists (per family). */
#define CONFIG_ADVERTISE_CIDRS_MAX 64

enum bgp_afi { BGP_AFI_IPV4 = 0, BGP_AFI_IPV6 = 1, BGP_AFI_COUNT = 2 };

/* The two directions of a neighbor's policy: what we accept from it and
 * what we send it. */
enum bgp_policy_dir { BGP_POLICY_IN = 0, BGP_POLICY_OUT = 1, BGP_POLICY_DIR_COUNT = 2 };

/* Longest name of a route-map or list a neighbor refers to: POLICY_NAME_MAX
 * of routed/policy/policy.h (checked in config_model.c). */
#define CONFIG_POLICY_NAME_MAX 63

enum bgp_remote_as_kind {
	REMOTE_AS_NUMBER,    /* remote-as ASN */
	REMOTE_AS_INTERNAL,  /* remote-as internal: whatever our own AS is */
	REMOTE_AS_EXTERNAL,  /* remote-as external: any AS but ours */
};

/* Route approval (docs/approval.md): which connections' routes wait for
 * an operator's or the controller's approval before they are used. */
enum bgp_approval_mode {
	APPROVAL_MODE_NONE = 0,   /* no approval: every route flows (the default) */
	APPROVAL_MODE_GATEWAY,    /* every BGP connection */
	APPROVAL_MODE_CONNECTION, /* neighbors with `neighbor X approval` only */
};

enum bgp_update_source_kind {
	UPDATE_SOURCE_NONE = 0,   /* the kernel picks our address */
	UPDATE_SOURCE_ADDRESS,    /* bind to update_source_addr */
	UPDATE_SOURCE_INTERFACE,  /* bind to update_source_ifname (SO_BINDTODEVICE) */
};

enum bgp_allowas_in_kind {
	ALLOWAS_IN_OFF = 0,  /* RFC 4271 section 9.1.2: drop routes with our AS in the path */
	ALLOWAS_IN_COUNT,    /* accept up to allowas_in_count occurrences of our AS */
	ALLOWAS_IN_ORIGIN,   /* accept our AS only as the origin (last AS of the path) */
};

/* What a neighbor does in one address family (`address-family ... unicast`). */
struct bgp_neighbor_af_config {
	bool next_hop_self;                 /* NEXT_HOP of what we send is our address */
	uint32_t max_prefix;                /* 0: no limit on prefixes accepted */
	uint8_t max_prefix_threshold;       /* percent of max_prefix that logs a warning;
					     * 75 unless given, 0 without max_prefix */
	bool max_prefix_warning_only;       /* over the limit: log, keep the session */
	enum bgp_allowas_in_kind allowas_in;
	uint8_t allowas_in_count;           /* ALLOWAS_IN_COUNT only: 1-10 */
	/* Keep the routes as received, before inbound policy (FRR's
	 * `soft-reconfiguration inbound`): a policy change is applied
	 * again from that copy instead of a ROUTE-REFRESH. */
	bool soft_reconfig_in;
	uint32_t weight;                    /* `neighbor X weight`: 0-65535, 0 when not set */
	/* Policy per direction (enum bgp_policy_dir), "" for none: `neighbor
	 * X prefix-list|filter-list|route-map NAME in|out`. The prefix-list is
	 * an `ip` list in IPv4 unicast and an `ipv6` list in IPv6 unicast; the
	 * filter-list an AS-path access-list. A name may refer to an object
	 * that does not exist (yet): that denies everything, as in FRR. */
	char prefix_list[BGP_POLICY_DIR_COUNT][CONFIG_POLICY_NAME_MAX + 1];
	char filter_list[BGP_POLICY_DIR_COUNT][CONFIG_POLICY_NAME_MAX + 1];
	char route_map[BGP_POLICY_DIR_COUNT][CONFIG_POLICY_NAME_MAX + 1];
	/* What leaves toward a peer that takes only so many routes
	 * (docs/advertise.md): `maximum-prefix-out N` (0: no limit),
	 * `advertise-summary [allow-overreach]` (over the limit, send
	 * covering prefixes), `advertise-cidrs P ...` (send these instead of
	 * the learned routes; sorted by prefix_cmp, unique, of the family,
	 * unused slots zero). */
	uint32_t max_prefix_out;
	bool advertise_summary;
	bool advertise_summary_overreach;
	uint8_t advertise_cidr_count;
	struct prefix advertise_cidrs[CONFIG_ADVERTISE_CIDRS_MAX];
};

/* Whether the neighbor shapes what it sends in one family (any of
 * maximum-prefix-out, advertise-summary, advertise-cidrs). */
bool rcfg_neighbor_af_shapes_output(const struct bgp_neighbor_af_config *f);

/* Whether the neighbor has any policy in direction dir of one family. */
bool rcfg_neighbor_af_has_policy(const struct bgp_neighbor_af_config *f, enum bgp_policy_dir dir);


/*
 * One `neighbor`. Every option but active[] is zero when not configured, so
 * a neighbor made by `remote-as` (or made again after `no neighbor`) starts
 * with all defaults.
 */
struct bgp_neighbor_config {
	struct prefix addr;                 /* host prefix: /32 or /128 */
	enum bgp_remote_as_kind remote_as_kind;
	uint32_t remote_as;                 /* REMOTE_AS_NUMBER only */
	/* local-as: the AS we claim in OPEN to this peer instead of ours;
	 * 0: none. Never the instance's own AS. */
	uint32_t local_as;
	bool local_as_no_prepend;           /* don't prepend local_as to routes from the peer */
	bool local_as_replace_as;           /* only local_as, not our AS, in routes to the peer
					     * (set only with local_as_no_prepend) */
	char description[CONFIG_DESCRIPTION_MAX + 1];
	bool shutdown;
	/* TCP-MD5 key (RFC 2385), "" for none. Kept and printed in clear, as
	 * FRR does; never put in JSON. */
	char password[CONFIG_PASSWORD_MAX + 1];
	bool passive;                       /* never connect; only accept */
	/* IP TTL of our packets to an eBGP peer: 0 when not configured (1,
	 * directly connected), else 2-255. Exclusive with ttl_security_hops. */
	uint8_t ebgp_multihop;
	/* GTSM (RFC 5082): 0 off, else 1-254; we send with TTL 255 and accept
	 * only TTL >= 256 - hops (section 3). */
	uint8_t ttl_security_hops;
	bool disable_connected_check;       /* eBGP peer need not be on a connected network */
	enum bgp_update_source_kind update_source;
	struct prefix update_source_addr;   /* UPDATE_SOURCE_ADDRESS: host prefix, family of addr */
	char update_source_ifname[CONFIG_IFNAME_MAX + 1]; /* UPDATE_SOURCE_INTERFACE */
	/* MinRouteAdvertisementIntervalTimer (RFC 4271 section 9.2.1.1) in
	 * seconds, when set; else the speaker's default. */
	bool advertisement_interval_set;
	uint16_t advertisement_interval;    /* 0-600 */
	bool timers_set;
	uint16_t keepalive;                 /* seconds */
	uint16_t holdtime;                  /* seconds: 0, or 3 and more */
	/* ConnectRetryTime (RFC 4271 section 8) in seconds; 0: the speaker's
	 * default. */
	uint16_t connect_retry;
	/* The network domain of the session (docs/domains.md); "" is the
	 * default domain. */
	char domain[CONFIG_DOMAIN_NAME_MAX + 1];
	/* Activation per address family. A neighbor starts active in the
	 * family of its transport address, as FRR's default ipv4-unicast does
	 * for IPv4 neighbors; the printer writes only what differs. */
	bool active[BGP_AFI_COUNT];
	struct bgp_neighbor_af_config af[BGP_AFI_COUNT];
	/* `neighbor X approval`: its routes wait for approval when the mode
	 * is APPROVAL_MODE_CONNECTION (kept, but unused, in other modes). */
	bool approval;
};

/* `aggregate-address P [as-set] [summary-only]` (RFC 4271 section 9.2.2.2). */
struct bgp_aggregate_config {
	struct prefix prefix;               /* no host bits */
	bool as_set;                        /* AS_SET of the contributors' ASes */
	bool summary_only;                  /* contributors are not advertised */
};

struct bgp_af_config {
	struct prefix *networks;            /* sorted by prefix_cmp, unique */
	size_t network_count;
	size_t network_cap;
	struct bgp_aggregate_config *aggregates; /* sorted by prefix, unique */
	size_t aggregate_count;
	size_t aggregate_cap;
	/* `redistribute connected|static`: the kernel's interface subnets,
	 * and the routes an administrator added (protocol static or boot). */
	bool redistribute_connected;
	bool redistribute_static;
	/* ECMP: how many equal best paths to install, from eBGP and from
	 * iBGP peers; 1 to CONFIG_BGP_MAXIMUM_PATHS_MAX. */
	uint8_t maximum_paths;
	uint8_t maximum_paths_ibgp;
};

struct bgp_config {
	uint32_t asn;
	bool router_id_set;
	uint8_t router_id[4];               /* network byte order */
	bool log_neighbor_changes;          /* default on, as FRR */
	/* RFC 8212: no routes to or from an eBGP peer without a policy
	 * (prefix-list, filter-list or route-map) in that direction. FRR's
	 * default is on; ours stays off so that configurations written
	 * before neighbor policy existed keep their eBGP routes. */
	bool ebgp_requires_policy;
	/* Timers for neighbors without their own `timers`; always set
	 * (CONFIG_BGP_DEFAULT_* unless configured). Hold time 0 or >= 3. */
	uint16_t keepalive;
	uint16_t holdtime;
	/* Graceful restart (RFC 4724): advertise the capability as a
	 * restarting speaker; restart_time is the Restart Time we advertise
	 * (section 3, 12 bits), stalepath_time how long we keep a restarting
	 * peer's routes as stale (section 4.2). */
	bool graceful_restart;
	uint16_t restart_time;
	uint16_t stalepath_time;
	enum bgp_approval_mode approval_mode;
	struct bgp_neighbor_config *neighbors; /* sorted by address, unique */
	size_t neighbor_count;
	size_t neighbor_cap;
	struct bgp_af_config af[BGP_AFI_COUNT];
};

struct routed_config {
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	struct bgp_config *bgp;             /* NULL: no `router bgp` */
	/* Prefix-lists, AS-path and community lists, route-maps
	 * (routed/policy/policy.h); owned, never NULL after rcfg_new(). */
	struct policy_config *policy;
	/* Network domains and domain policies (domain_config.h); owned,
	 * never NULL after rcfg_new(). */
	struct domain_config *domains;
};

struct routed_config *rcfg_new(void);
struct routed_config *rcfg_clone(const struct routed_config *cfg);
void rcfg_free(struct routed_config *cfg);
bool rcfg_equal(const struct routed_config *a, const struct routed_config *b);

/* RFC 1123 host name label: letters, digits, '-', not at either end. */
bool rcfg_hostname_valid(const char *name);

const char *bgp_afi_name(enum bgp_afi afi);
const char *rcfg_approval_mode_name(enum bgp_approval_mode mode); /* "none", "gateway", "connection" */  /* "ipv4" / "ipv6" */
enum bgp_afi bgp_afi_of(const struct prefix *p);

/* `router bgp ASN`: creates the instance, with defaults, if none. Returns
 * it, or NULL if out of memory. The caller checks for an instance with
 * another ASN first. */
struct bgp_config *rcfg_bgp_create(struct routed_config *cfg, uint32_t asn);
void rcfg_bgp_delete(struct routed_config *cfg);

struct bgp_neighbor_config *rcfg_neighbor_find(struct bgp_config *bgp, const struct prefix *addr);
/* Find or add (with defaults); NULL if out of memory. */
struct bgp_neighbor_config *rcfg_neighbor_get(struct bgp_config *bgp, const struct prefix *addr);
void rcfg_neighbor_delete(struct bgp_config *bgp, const struct prefix *addr);

/* Returns 0, 1 if already present, -1 if out of memory. */
int rcfg_network_add(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p);
/* Returns 0, or -1 if it was not configured. */
int rcfg_network_delete(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p);

/* Add or replace the aggregate of agg->prefix. Returns 0, -1 out of memory. */
int rcfg_aggregate_set(struct bgp_config *bgp, enum bgp_afi afi, const struct bgp_aggregate_config *agg);
/* Returns 0, or -1 if it was not configured. */
int rcfg_aggregate_delete(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p);

/* The configuration as text, in canonical order; feeding it back yields an
 * equal configuration. */
void rcfg_print(const struct routed_config *cfg, FILE *out);

/* The same, as JSON (caller owns the returned object: json_object_put).
 * Passwords are left out: a neighbor has only "passwordSet". */
struct json_object *rcfg_to_json(const struct routed_config *cfg);

#endif
