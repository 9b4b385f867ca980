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

#define CONFIG_HOSTNAME_MAX 63     /* one RFC 1123 label */
#define CONFIG_DESCRIPTION_MAX 80  /* as FRR */
#define CONFIG_DEFAULT_HOSTNAME "skygate"

enum bgp_afi { BGP_AFI_IPV4 = 0, BGP_AFI_IPV6 = 1, BGP_AFI_COUNT = 2 };

enum bgp_remote_as_kind {
	REMOTE_AS_NUMBER,    /* remote-as ASN */
	REMOTE_AS_INTERNAL,  /* remote-as internal: whatever our own AS is */
	REMOTE_AS_EXTERNAL,  /* remote-as external: any AS but ours */
};

struct bgp_neighbor_config {
	struct prefix addr;                 /* host prefix: /32 or /128 */
	enum bgp_remote_as_kind remote_as_kind;
	uint32_t remote_as;                 /* REMOTE_AS_NUMBER only */
	char description[CONFIG_DESCRIPTION_MAX + 1];
	bool shutdown;
	bool timers_set;
	uint16_t keepalive;                 /* seconds */
	uint16_t holdtime;                  /* seconds: 0, or 3 and more */
	/* Activation per address family. A neighbor starts active in the
	 * family of its transport address, as FRR's default ipv4-unicast does
	 * for IPv4 neighbors; the printer writes only what differs. */
	bool active[BGP_AFI_COUNT];
};

struct bgp_af_config {
	struct prefix *networks;            /* sorted by prefix_cmp, unique */
	size_t network_count;
	size_t network_cap;
};

struct bgp_config {
	uint32_t asn;
	bool router_id_set;
	uint8_t router_id[4];               /* network byte order */
	struct bgp_neighbor_config *neighbors; /* sorted by address, unique */
	size_t neighbor_count;
	size_t neighbor_cap;
	struct bgp_af_config af[BGP_AFI_COUNT];
};

struct routed_config {
	char hostname[CONFIG_HOSTNAME_MAX + 1];
	struct bgp_config *bgp;             /* NULL: no `router bgp` */
};

struct routed_config *rcfg_new(void);
struct routed_config *rcfg_clone(const struct routed_config *cfg);
void rcfg_free(struct routed_config *cfg);
bool rcfg_equal(const struct routed_config *a, const struct routed_config *b);

/* RFC 1123 host name label: letters, digits, '-', not at either end. */
bool rcfg_hostname_valid(const char *name);

const char *bgp_afi_name(enum bgp_afi afi);  /* "ipv4" / "ipv6" */
enum bgp_afi bgp_afi_of(const struct prefix *p);

/* `router bgp ASN`: creates the instance if none. Returns it, or NULL if out
 * of memory. The caller checks for an instance with another ASN first. */
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

/* The configuration as text, in canonical order; feeding it back yields an
 * equal configuration. */
void rcfg_print(const struct routed_config *cfg, FILE *out);

/* The same, as JSON (caller owns the returned object: json_object_put). */
struct json_object *rcfg_to_json(const struct routed_config *cfg);

#endif
