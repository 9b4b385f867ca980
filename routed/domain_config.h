/*
 * Network domains (segmentation) in the configuration: `domain NAME` with
 * its kernel table and its interfaces, and `domain-policy A B`, which
 * connects two domains both ways (docs/domains.md).
 *
 * Every connection belongs to exactly one domain. A BGP neighbor names its
 * domain (`neighbor X domain NAME`); an interface belongs to the domain
 * that lists it, or to the default one. Later kinds of connection (tunnels,
 * LAN attachments, user-VPN profiles) attach the same way: by a domain name
 * in their own configuration, checked against this object.
 *
 * The default domain always exists, is not stored here, uses the main
 * kernel table and holds every interface no other domain names.
 *
 * Visibility is not transitive: a route learned in domain A is seen in A
 * and in the domains a domain-policy connects directly to A, never in the
 * domains connected to those (as transit gateway route tables propagate
 * one hop).
 *
 * Ownership: a struct domain_config belongs to its struct routed_config;
 * domain_config_new()/domain_config_clone() return an object the caller
 * frees with domain_config_free(). Pointers from the lookups are valid
 * until the next edit.
 */
#ifndef SKYGATE_ROUTED_DOMAIN_CONFIG_H
#define SKYGATE_ROUTED_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config_model.h"

struct json_object;

#define DOMAIN_NAME_MAX 31
#define DOMAIN_DEFAULT_NAME "default"
/* Domains, the default one included: each is one bit of a visibility mask
 * (routed/domain_view.h). */
#define DOMAIN_MAX 64
/* Interfaces one domain may list. */
#define DOMAIN_IFACE_MAX 256
/* Tables a domain without `table N` is given: the lowest free number from
 * here. Far above the numbers iproute2 names (253-255) and the small ones
 * administrators usually pick by hand. */
#define DOMAIN_TABLE_AUTO_FIRST 1000u
#define DOMAIN_TABLE_MAIN 254u

struct domain_def {
	char name[DOMAIN_NAME_MAX + 1];
	/* The kernel routing table of the domain: configured, or allocated
	 * when the domain was made (and then written out by the printer, so
	 * that a saved configuration keeps it). Never 0, 252-255. */
	uint32_t table;
	char (*ifnames)[CONFIG_IFNAME_MAX + 1]; /* sorted, unique */
	size_t ifname_count, ifname_cap;
};

/* `domain-policy A B`, kept with a < b (strcmp): the policy has no
 * direction. */
struct domain_policy {
	char a[DOMAIN_NAME_MAX + 1];
	char b[DOMAIN_NAME_MAX + 1];
};

struct domain_config {
	struct domain_def *domains;       /* sorted by name; never "default" */
	size_t count, cap;
	struct domain_policy *policies;   /* sorted by (a, b), unique */
	size_t policy_count, policy_cap;
};

struct domain_config *domain_config_new(void);
struct domain_config *domain_config_clone(const struct domain_config *dc);
void domain_config_free(struct domain_config *dc);
bool domain_config_equal(const struct domain_config *a, const struct domain_config *b);

/* Letters, digits, '-', '_' and '.', starting with a letter, at most
 * DOMAIN_NAME_MAX. */
bool domain_name_valid(const char *name);
bool domain_is_default(const char *name);

/* The named domain (not the default one), or NULL. */
struct domain_def *domain_find(const struct domain_config *dc, const char *name);
/* Whether name is a domain at all: the default one or a configured one. */
bool domain_exists(const struct domain_config *dc, const char *name);
/* Position of a named domain in dc->domains, or -1. */
int domain_index(const struct domain_config *dc, const char *name);

/* Make the domain if it is missing (with an allocated table). Returns it,
 * or NULL out of memory or when no table is free. */
struct domain_def *domain_get(struct domain_config *dc, const char *name);
/* Remove it (the caller checked that nothing refers to it). */
void domain_delete(struct domain_config *dc, const char *name);

/* The domain (other than skip) that uses table, or NULL. */
const struct domain_def *domain_by_table(const struct domain_config *dc, uint32_t table, const struct domain_def *skip);
/* Whether a domain may use table: not 0 and not one the kernel reserves
 * (252 compat, 253 default, 254 main, 255 local). */
bool domain_table_valid(uint32_t table);
/* The lowest free table from DOMAIN_TABLE_AUTO_FIRST, or 0 if none. */
uint32_t domain_table_allocate(const struct domain_config *dc);

/* The domain that lists ifname, or NULL (the default one). */
const struct domain_def *domain_of_interface(const struct domain_config *dc, const char *ifname);
/* 0, 1 when already listed, -1 out of memory or too many. */
int domain_interface_add(struct domain_def *d, const char *ifname);
/* 0, or -1 when it was not listed. */
int domain_interface_delete(struct domain_def *d, const char *ifname);

/* The policy between a and b (either order), or NULL. */
const struct domain_policy *domain_policy_find(const struct domain_config *dc, const char *a, const char *b);
/* 0, 1 when present already, -1 out of memory. a != b. */
int domain_policy_add(struct domain_config *dc, const char *a, const char *b);
/* 0, or -1 when there was none. */
int domain_policy_delete(struct domain_config *dc, const char *a, const char *b);
/* Whether some policy names domain. */
bool domain_policy_names(const struct domain_config *dc, const char *name);

/* `domain ...` and `domain-policy ...` lines, in canonical order. */
void domain_config_print(const struct domain_config *dc, FILE *out);
/* {"domains": {NAME: {"table": N, "interfaces": [...]}}, "policies": [[A, B]]};
 * caller owns it. */
struct json_object *domain_config_to_json(const struct domain_config *dc);

#endif
