/*
 * Which domains see which: the visibility matrix of network domains
 * (docs/domains.md), built from the configuration and read by the BGP
 * decision for each domain's view.
 *
 * Domains are numbered: 0 is the default domain, 1..count-1 the configured
 * ones in name order (domain_config.h). Domain i sees the routes learned in
 * domain j when i == j or when a domain-policy connects i and j directly.
 * Not transitive: A-B and B-C do not make C visible from A, as transit
 * gateway route tables propagate one hop and no further.
 *
 * Plain data, no allocation: a struct domain_view is copied by value.
 */
#ifndef SKYGATE_ROUTED_DOMAIN_VIEW_H
#define SKYGATE_ROUTED_DOMAIN_VIEW_H

#include <stdbool.h>
#include <stdint.h>

#include "domain_config.h"

struct domain_view {
	unsigned count;                 /* domains, the default one included: 1..DOMAIN_MAX */
	uint64_t sees[DOMAIN_MAX];      /* bit j of sees[i]: domain i sees routes learned in j */
};

/* count domains (1..DOMAIN_MAX), each seeing only itself. Returns 0, or -1
 * when count is out of range. */
int domain_view_init(struct domain_view *v, unsigned count);
/* Connect or disconnect domains a and b, both ways. Returns 0, or -1 when
 * either is out of range or a == b. */
int domain_view_connect(struct domain_view *v, unsigned a, unsigned b);
int domain_view_disconnect(struct domain_view *v, unsigned a, unsigned b);

static inline bool domain_view_sees(const struct domain_view *v, unsigned viewer, unsigned origin)
{
	return viewer < v->count && origin < v->count && (v->sees[viewer] >> origin & 1u);
}

/* Whether a and b are connected by a policy (a != b). */
bool domain_view_connected(const struct domain_view *v, unsigned a, unsigned b);

/* The domain number of a name in dc: 0 for "default" or "", 1 + its
 * position otherwise; -1 when there is no such domain. */
int domain_view_number(const struct domain_config *dc, const char *name);
/* The name of domain number n (borrowed from dc), or NULL. */
const char *domain_view_name(const struct domain_config *dc, unsigned n);

/* The matrix of dc: one domain per configured domain plus the default one,
 * connected as its domain policies say. Returns 0, or -1 when a policy
 * names a domain that does not exist. */
int domain_view_build(struct domain_view *v, const struct domain_config *dc);

#endif
