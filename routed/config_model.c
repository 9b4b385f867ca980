/*
 * The routing configuration model, its printer and its JSON form.
 */
#include "config_model.h"

#include "domain_config.h"
#include "policy.h"
#include "sorted_array.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct routed_config *rcfg_new(void)
{
	struct routed_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", CONFIG_DEFAULT_HOSTNAME);
	cfg->policy = policy_config_new();
	cfg->domains = domain_config_new();
	if (cfg->policy == NULL || cfg->domains == NULL) {
		rcfg_free(cfg);
		return NULL;
	}
	return cfg;
}

static void bgp_free(struct bgp_config *bgp)
{
	if (bgp == NULL)
		return;
	free(bgp->neighbors);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		free(bgp->af[afi].networks);
		free(bgp->af[afi].aggregates);
	}
	free(bgp);
}

void rcfg_free(struct routed_config *cfg)
{
	if (cfg == NULL)
		return;
	bgp_free(cfg->bgp);
	policy_config_free(cfg->policy);
	domain_config_free(cfg->domains);
	free(cfg);
}

/* Copy n elements of size sz; NULL only on allocation failure of n > 0. */
static void *dup_array(const void *src, size_t n, size_t sz, bool *failed)
{
	if (n == 0)
		return NULL;
	void *dst = malloc(n * sz);
	if (dst == NULL) {
		*failed = true;
		return NULL;
	}
	memcpy(dst, src, n * sz);
	return dst;
}

struct routed_config *rcfg_clone(const struct routed_config *cfg)
{
	struct routed_config *copy = malloc(sizeof(*copy));
	bool failed = false;

	if (copy == NULL)
		return NULL;
	*copy = *cfg;
	copy->bgp = NULL;
	copy->policy = policy_config_clone(cfg->policy);
	copy->domains = domain_config_clone(cfg->domains);
	if (copy->policy == NULL || copy->domains == NULL) {
		policy_config_free(copy->policy);
		domain_config_free(copy->domains);
		free(copy);
		return NULL;
	}
	if (cfg->bgp != NULL) {
		struct bgp_config *bgp = malloc(sizeof(*bgp));
		if (bgp == NULL) {
			rcfg_free(copy);
			return NULL;
		}
		*bgp = *cfg->bgp;
		bgp->neighbors = dup_array(cfg->bgp->neighbors, bgp->neighbor_count, sizeof(*bgp->neighbors), &failed);
		bgp->neighbor_cap = bgp->neighbor_count;
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
			struct bgp_af_config *af = &bgp->af[afi];
			af->networks = dup_array(cfg->bgp->af[afi].networks, af->network_count, sizeof(*af->networks), &failed);
			af->network_cap = af->network_count;
			af->aggregates = dup_array(cfg->bgp->af[afi].aggregates, af->aggregate_count,
						   sizeof(*af->aggregates), &failed);
			af->aggregate_cap = af->aggregate_count;
		}
		copy->bgp = bgp;
	}
	if (failed) {
		rcfg_free(copy);
		return NULL;
	}
	return copy;
}

_Static_assert(CONFIG_POLICY_NAME_MAX == POLICY_NAME_MAX, "a neighbor's policy names are policy names");
_Static_assert(CONFIG_DOMAIN_NAME_MAX == DOMAIN_NAME_MAX, "a neighbor names its domain like the domain does");

static bool policy_names_equal(const struct bgp_neighbor_af_config *a, const struct bgp_neighbor_af_config *b)
{
	for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++)
		if (strcmp(a->prefix_list[d], b->prefix_list[d]) != 0 || strcmp(a->filter_list[d], b->filter_list[d]) != 0 ||
		    strcmp(a->route_map[d], b->route_map[d]) != 0)
			return false;
	return true;
}

static bool neighbor_af_equal(const struct bgp_neighbor_af_config *a, const struct bgp_neighbor_af_config *b)
{
	return a->next_hop_self == b->next_hop_self && a->max_prefix == b->max_prefix &&
	       a->max_prefix_threshold == b->max_prefix_threshold &&
	       a->max_prefix_warning_only == b->max_prefix_warning_only && a->allowas_in == b->allowas_in &&
	       a->allowas_in_count == b->allowas_in_count &&
	       a->soft_reconfig_in == b->soft_reconfig_in && a->weight == b->weight &&
	       policy_names_equal(a, b) && a->max_prefix_out == b->max_prefix_out &&
	       a->advertise_summary == b->advertise_summary &&
	       a->advertise_summary_overreach == b->advertise_summary_overreach &&
	       a->advertise_cidr_count == b->advertise_cidr_count &&
	       memcmp(a->advertise_cidrs, b->advertise_cidrs, sizeof(a->advertise_cidrs)) == 0;
}

bool rcfg_neighbor_af_shapes_output(const struct bgp_neighbor_af_config *f)
{
	return f->max_prefix_out != 0 || f->advertise_summary || f->advertise_cidr_count > 0;
}

bool rcfg_neighbor_af_has_policy(const struct bgp_neighbor_af_config *f, enum bgp_policy_dir dir)
{
	return f->prefix_list[dir][0] != '\0' || f->filter_list[dir][0] != '\0' || f->route_map[dir][0] != '\0';
}

static bool update_source_equal(const struct bgp_neighbor_config *a, const struct bgp_neighbor_config *b)
{
	if (a->update_source != b->update_source)
		return false;
	switch (a->update_source) {
	case UPDATE_SOURCE_ADDRESS:
		return prefix_equal(&a->update_source_addr, &b->update_source_addr);
	case UPDATE_SOURCE_INTERFACE:
		return strcmp(a->update_source_ifname, b->update_source_ifname) == 0;
	case UPDATE_SOURCE_NONE:
		break;
	}
	return true;
}

static bool neighbor_equal(const struct bgp_neighbor_config *a, const struct bgp_neighbor_config *b)
{
	if (!prefix_equal(&a->addr, &b->addr) || a->remote_as_kind != b->remote_as_kind ||
	    a->remote_as != b->remote_as || a->local_as != b->local_as ||
	    a->local_as_no_prepend != b->local_as_no_prepend || a->local_as_replace_as != b->local_as_replace_as ||
	    strcmp(a->description, b->description) != 0 || a->shutdown != b->shutdown ||
	    strcmp(a->password, b->password) != 0 || a->passive != b->passive ||
	    a->ebgp_multihop != b->ebgp_multihop || a->ttl_security_hops != b->ttl_security_hops ||
	    a->disable_connected_check != b->disable_connected_check || !update_source_equal(a, b) ||
	    a->advertisement_interval_set != b->advertisement_interval_set ||
	    a->advertisement_interval != b->advertisement_interval || a->timers_set != b->timers_set ||
	    (a->timers_set && (a->keepalive != b->keepalive || a->holdtime != b->holdtime)) ||
	    a->connect_retry != b->connect_retry || a->approval != b->approval ||
	    strcmp(a->domain, b->domain) != 0)
		return false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		if (a->active[afi] != b->active[afi] || !neighbor_af_equal(&a->af[afi], &b->af[afi]))
			return false;
	return true;
}

bool rcfg_equal(const struct routed_config *a, const struct routed_config *b)
{
	if (strcmp(a->hostname, b->hostname) != 0 || (a->bgp == NULL) != (b->bgp == NULL) ||
	    !policy_config_equal(a->policy, b->policy) || !domain_config_equal(a->domains, b->domains))
		return false;
	if (a->bgp == NULL)
		return true;
	const struct bgp_config *x = a->bgp, *y = b->bgp;
	if (x->asn != y->asn || x->router_id_set != y->router_id_set ||
	    (x->router_id_set && memcmp(x->router_id, y->router_id, 4) != 0) ||
	    x->log_neighbor_changes != y->log_neighbor_changes || x->ebgp_requires_policy != y->ebgp_requires_policy ||
	    x->keepalive != y->keepalive || x->holdtime != y->holdtime || x->graceful_restart != y->graceful_restart ||
	    x->restart_time != y->restart_time || x->stalepath_time != y->stalepath_time ||
	    x->approval_mode != y->approval_mode || x->neighbor_count != y->neighbor_count)
		return false;
	for (size_t i = 0; i < x->neighbor_count; i++)
		if (!neighbor_equal(&x->neighbors[i], &y->neighbors[i]))
			return false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		const struct bgp_af_config *p = &x->af[afi], *q = &y->af[afi];
		if (p->network_count != q->network_count || p->maximum_paths != q->maximum_paths ||
		    p->maximum_paths_ibgp != q->maximum_paths_ibgp || p->aggregate_count != q->aggregate_count ||
		    p->redistribute_connected != q->redistribute_connected ||
		    p->redistribute_static != q->redistribute_static)
			return false;
		for (size_t i = 0; i < p->network_count; i++)
			if (!prefix_equal(&p->networks[i], &q->networks[i]))
				return false;
		for (size_t i = 0; i < p->aggregate_count; i++)
			if (!prefix_equal(&p->aggregates[i].prefix, &q->aggregates[i].prefix) ||
			    p->aggregates[i].as_set != q->aggregates[i].as_set ||
			    p->aggregates[i].summary_only != q->aggregates[i].summary_only)
				return false;
	}
	return true;
}

bool rcfg_hostname_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > CONFIG_HOSTNAME_MAX || name[0] == '-' || name[n - 1] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-')
			return false;
	return true;
}

const char *bgp_afi_name(enum bgp_afi afi)
{
	return afi == BGP_AFI_IPV6 ? "ipv6" : "ipv4";
}

enum bgp_afi bgp_afi_of(const struct prefix *p)
{
	return p->family == AF_INET6 ? BGP_AFI_IPV6 : BGP_AFI_IPV4;
}

struct bgp_config *rcfg_bgp_create(struct routed_config *cfg, uint32_t asn)
{
	if (cfg->bgp != NULL)
		return cfg->bgp;
	struct bgp_config *bgp = calloc(1, sizeof(*bgp));
	if (bgp == NULL)
		return NULL;
	bgp->asn = asn;
	bgp->log_neighbor_changes = true;
	bgp->keepalive = CONFIG_BGP_DEFAULT_KEEPALIVE;
	bgp->holdtime = CONFIG_BGP_DEFAULT_HOLDTIME;
	bgp->restart_time = CONFIG_BGP_DEFAULT_RESTART_TIME;
	bgp->stalepath_time = CONFIG_BGP_DEFAULT_STALEPATH_TIME;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		bgp->af[afi].maximum_paths = bgp->af[afi].maximum_paths_ibgp = CONFIG_BGP_DEFAULT_MAXIMUM_PATHS;
	cfg->bgp = bgp;
	return bgp;
}

void rcfg_bgp_delete(struct routed_config *cfg)
{
	bgp_free(cfg->bgp);
	cfg->bgp = NULL;
}

static int prefix_key_cmp(const void *elem_key, const void *key)
{
	return prefix_cmp(elem_key, key);
}

/* Binary search in a sorted prefix-keyed array: index of the match, or of
 * where it would go (with *found false). */
static size_t search(const void *base, size_t n, size_t sz, size_t key_offset,
		     const struct prefix *key, bool *found)
{
	return sarray_search(base, n, sz, key_offset, key, prefix_key_cmp, found);
}

struct bgp_neighbor_config *rcfg_neighbor_find(struct bgp_config *bgp, const struct prefix *addr)
{
	bool found;
	size_t i = search(bgp->neighbors, bgp->neighbor_count, sizeof(*bgp->neighbors),
			  offsetof(struct bgp_neighbor_config, addr), addr, &found);
	return found ? &bgp->neighbors[i] : NULL;
}

struct bgp_neighbor_config *rcfg_neighbor_get(struct bgp_config *bgp, const struct prefix *addr)
{
	bool found;
	size_t i = search(bgp->neighbors, bgp->neighbor_count, sizeof(*bgp->neighbors),
			  offsetof(struct bgp_neighbor_config, addr), addr, &found);
	if (found)
		return &bgp->neighbors[i];
	if (sarray_insert((void **)&bgp->neighbors, &bgp->neighbor_count, &bgp->neighbor_cap,
			  sizeof(*bgp->neighbors), i) != 0)
		return NULL;
	struct bgp_neighbor_config *n = &bgp->neighbors[i];
	memset(n, 0, sizeof(*n));
	n->addr = *addr;
	n->active[bgp_afi_of(addr)] = true;
	return n;
}

void rcfg_neighbor_delete(struct bgp_config *bgp, const struct prefix *addr)
{
	bool found;
	size_t i = search(bgp->neighbors, bgp->neighbor_count, sizeof(*bgp->neighbors),
			  offsetof(struct bgp_neighbor_config, addr), addr, &found);
	if (found)
		sarray_remove(bgp->neighbors, &bgp->neighbor_count, sizeof(*bgp->neighbors), i);
}

int rcfg_network_add(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p)
{
	struct bgp_af_config *af = &bgp->af[afi];
	bool found;
	size_t i = search(af->networks, af->network_count, sizeof(*af->networks), 0, p, &found);

	if (found)
		return 1;
	if (sarray_insert((void **)&af->networks, &af->network_count, &af->network_cap,
			  sizeof(*af->networks), i) != 0)
		return -1;
	af->networks[i] = *p;
	return 0;
}

int rcfg_network_delete(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p)
{
	struct bgp_af_config *af = &bgp->af[afi];
	bool found;
	size_t i = search(af->networks, af->network_count, sizeof(*af->networks), 0, p, &found);

	if (!found)
		return -1;
	sarray_remove(af->networks, &af->network_count, sizeof(*af->networks), i);
	return 0;
}

int rcfg_aggregate_set(struct bgp_config *bgp, enum bgp_afi afi, const struct bgp_aggregate_config *agg)
{
	struct bgp_af_config *af = &bgp->af[afi];
	bool found;
	size_t i = search(af->aggregates, af->aggregate_count, sizeof(*af->aggregates),
			  offsetof(struct bgp_aggregate_config, prefix), &agg->prefix, &found);

	if (!found && sarray_insert((void **)&af->aggregates, &af->aggregate_count, &af->aggregate_cap,
				    sizeof(*af->aggregates), i) != 0)
		return -1;
	af->aggregates[i] = *agg;
	return 0;
}

int rcfg_aggregate_delete(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p)
{
	struct bgp_af_config *af = &bgp->af[afi];
	bool found;
	size_t i = search(af->aggregates, af->aggregate_count, sizeof(*af->aggregates),
			  offsetof(struct bgp_aggregate_config, prefix), p, &found);

	if (!found)
		return -1;
	sarray_remove(af->aggregates, &af->aggregate_count, sizeof(*af->aggregates), i);
	return 0;
}

/* A neighbor's address without the /32 or /128. */
static const char *addr_text(const struct prefix *p, char *buf, size_t len)
{
	if (inet_ntop(p->family, p->addr, buf, (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

static void print_remote_as(const struct bgp_neighbor_config *n, FILE *out)
{
	switch (n->remote_as_kind) {
	case REMOTE_AS_INTERNAL:
		fputs("internal", out);
		break;
	case REMOTE_AS_EXTERNAL:
		fputs("external", out);
		break;
	case REMOTE_AS_NUMBER:
		fprintf(out, "%u", n->remote_as);
		break;
	}
}

/* Options of one neighbor outside address families, in the order FRR's
 * `show running-config` writes them. */
const char *rcfg_approval_mode_name(enum bgp_approval_mode mode)
{
	switch (mode) {
	case APPROVAL_MODE_GATEWAY: return "gateway";
	case APPROVAL_MODE_CONNECTION: return "connection";
	default: return "none";
	}
}

static void print_neighbor(const struct bgp_neighbor_config *n, FILE *out)
{
	char a[INET6_ADDRSTRLEN], src[INET6_ADDRSTRLEN];

	addr_text(&n->addr, a, sizeof(a));
	fprintf(out, " neighbor %s remote-as ", a);
	print_remote_as(n, out);
	fputc('\n', out);
	if (n->local_as != 0)
		fprintf(out, " neighbor %s local-as %u%s%s\n", a, n->local_as,
			n->local_as_no_prepend ? " no-prepend" : "", n->local_as_replace_as ? " replace-as" : "");
	if (n->description[0] != '\0')
		fprintf(out, " neighbor %s description %s\n", a, n->description);
	if (n->shutdown)
		fprintf(out, " neighbor %s shutdown\n", a);
	if (n->password[0] != '\0')
		fprintf(out, " neighbor %s password %s\n", a, n->password);
	if (n->passive)
		fprintf(out, " neighbor %s passive\n", a);
	if (n->approval)
		fprintf(out, " neighbor %s approval\n", a);
	/* The maximum TTL is written without a number, as FRR does. */
	if (n->ebgp_multihop == CONFIG_BGP_MAXTTL)
		fprintf(out, " neighbor %s ebgp-multihop\n", a);
	else if (n->ebgp_multihop != 0)
		fprintf(out, " neighbor %s ebgp-multihop %u\n", a, n->ebgp_multihop);
	if (n->ttl_security_hops != 0)
		fprintf(out, " neighbor %s ttl-security hops %u\n", a, n->ttl_security_hops);
	if (n->disable_connected_check)
		fprintf(out, " neighbor %s disable-connected-check\n", a);
	if (n->update_source == UPDATE_SOURCE_ADDRESS)
		fprintf(out, " neighbor %s update-source %s\n", a, addr_text(&n->update_source_addr, src, sizeof(src)));
	else if (n->update_source == UPDATE_SOURCE_INTERFACE)
		fprintf(out, " neighbor %s update-source %s\n", a, n->update_source_ifname);
	if (n->advertisement_interval_set)
		fprintf(out, " neighbor %s advertisement-interval %u\n", a, n->advertisement_interval);
	if (n->timers_set)
		fprintf(out, " neighbor %s timers %u %u\n", a, n->keepalive, n->holdtime);
	if (n->connect_retry != 0)
		fprintf(out, " neighbor %s timers connect %u\n", a, n->connect_retry);
	if (n->domain[0] != '\0')
		fprintf(out, " neighbor %s domain %s\n", a, n->domain);
}

static bool neighbor_af_is_default(const struct bgp_neighbor_config *n, enum bgp_afi afi)
{
	const struct bgp_neighbor_af_config *f = &n->af[afi];

	return n->active[afi] == (bgp_afi_of(&n->addr) == afi) && !f->next_hop_self && f->max_prefix == 0 &&
	       f->allowas_in == ALLOWAS_IN_OFF && !f->soft_reconfig_in && f->weight == 0 &&
	       !rcfg_neighbor_af_has_policy(f, BGP_POLICY_IN) &&
	       !rcfg_neighbor_af_has_policy(f, BGP_POLICY_OUT) && !rcfg_neighbor_af_shapes_output(f);
}

static const char *const policy_dir_name[BGP_POLICY_DIR_COUNT] = {"in", "out"};

/* A neighbor's lines in an address-family block, in FRR's order. */
static void print_neighbor_af(const struct bgp_neighbor_config *n, enum bgp_afi afi, FILE *out)
{
	const struct bgp_neighbor_af_config *f = &n->af[afi];
	char a[INET6_ADDRSTRLEN];

	addr_text(&n->addr, a, sizeof(a));
	if (n->active[afi] != (bgp_afi_of(&n->addr) == afi))
		fprintf(out, "  %sneighbor %s activate\n", n->active[afi] ? "" : "no ", a);
	if (f->next_hop_self)
		fprintf(out, "  neighbor %s next-hop-self\n", a);
	/* FRR's order: prefix-list, route-map, filter-list; in before out. */
	for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++)
		if (f->prefix_list[d][0] != '\0')
			fprintf(out, "  neighbor %s prefix-list %s %s\n", a, f->prefix_list[d], policy_dir_name[d]);
	for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++)
		if (f->route_map[d][0] != '\0')
			fprintf(out, "  neighbor %s route-map %s %s\n", a, f->route_map[d], policy_dir_name[d]);
	for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++)
		if (f->filter_list[d][0] != '\0')
			fprintf(out, "  neighbor %s filter-list %s %s\n", a, f->filter_list[d], policy_dir_name[d]);
	if (f->soft_reconfig_in)
		fprintf(out, "  neighbor %s soft-reconfiguration inbound\n", a);
	if (f->max_prefix != 0) {
		fprintf(out, "  neighbor %s maximum-prefix %u", a, f->max_prefix);
		if (f->max_prefix_threshold != CONFIG_BGP_MAXPREFIX_THRESHOLD_DEFAULT)
			fprintf(out, " %u", f->max_prefix_threshold);
		fputs(f->max_prefix_warning_only ? " warning-only\n" : "\n", out);
	}
	if (f->allowas_in == ALLOWAS_IN_ORIGIN)
		fprintf(out, "  neighbor %s allowas-in origin\n", a);
	else if (f->allowas_in == ALLOWAS_IN_COUNT && f->allowas_in_count == CONFIG_BGP_ALLOWAS_IN_DEFAULT)
		fprintf(out, "  neighbor %s allowas-in\n", a);
	else if (f->allowas_in == ALLOWAS_IN_COUNT)
		fprintf(out, "  neighbor %s allowas-in %u\n", a, f->allowas_in_count);
	if (f->weight != 0)
		fprintf(out, "  neighbor %s weight %u\n", a, f->weight);
	if (f->max_prefix_out != 0)
		fprintf(out, "  neighbor %s maximum-prefix-out %u\n", a, f->max_prefix_out);
	if (f->advertise_summary)
		fprintf(out, "  neighbor %s advertise-summary%s\n", a,
			f->advertise_summary_overreach ? " allow-overreach" : "");
	if (f->advertise_cidr_count > 0) {
		char pfx[PREFIX_STRLEN];
		fprintf(out, "  neighbor %s advertise-cidrs", a);
		for (size_t i = 0; i < f->advertise_cidr_count; i++)
			fprintf(out, " %s", prefix_format(&f->advertise_cidrs[i], pfx, sizeof(pfx)));
		fputc('\n', out);
	}
}

static void print_bgp(const struct bgp_config *bgp, FILE *out)
{
	char a[INET6_ADDRSTRLEN], pfx[PREFIX_STRLEN];

	fprintf(out, "router bgp %u\n", bgp->asn);
	if (bgp->router_id_set && inet_ntop(AF_INET, bgp->router_id, a, sizeof(a)) != NULL)
		fprintf(out, " bgp router-id %s\n", a);
	if (!bgp->log_neighbor_changes)
		fputs(" no bgp log-neighbor-changes\n", out);
	/* Off is our default (see struct bgp_config), so only "on" is written. */
	if (bgp->ebgp_requires_policy)
		fputs(" bgp ebgp-requires-policy\n", out);
	if (bgp->stalepath_time != CONFIG_BGP_DEFAULT_STALEPATH_TIME)
		fprintf(out, " bgp graceful-restart stalepath-time %u\n", bgp->stalepath_time);
	if (bgp->restart_time != CONFIG_BGP_DEFAULT_RESTART_TIME)
		fprintf(out, " bgp graceful-restart restart-time %u\n", bgp->restart_time);
	if (bgp->graceful_restart)
		fputs(" bgp graceful-restart\n", out);
	if (bgp->keepalive != CONFIG_BGP_DEFAULT_KEEPALIVE || bgp->holdtime != CONFIG_BGP_DEFAULT_HOLDTIME)
		fprintf(out, " timers bgp %u %u\n", bgp->keepalive, bgp->holdtime);
	if (bgp->approval_mode != APPROVAL_MODE_NONE)
		fprintf(out, " approval mode %s\n", rcfg_approval_mode_name(bgp->approval_mode));
	for (size_t i = 0; i < bgp->neighbor_count; i++)
		print_neighbor(&bgp->neighbors[i], out);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		const struct bgp_af_config *af = &bgp->af[afi];
		bool any = af->network_count > 0 || af->aggregate_count > 0 || af->redistribute_connected ||
			   af->redistribute_static || af->maximum_paths != CONFIG_BGP_DEFAULT_MAXIMUM_PATHS ||
			   af->maximum_paths_ibgp != CONFIG_BGP_DEFAULT_MAXIMUM_PATHS;
		for (size_t i = 0; i < bgp->neighbor_count && !any; i++)
			any = !neighbor_af_is_default(&bgp->neighbors[i], (enum bgp_afi)afi);
		if (!any)
			continue;
		fprintf(out, " !\n address-family %s unicast\n", bgp_afi_name((enum bgp_afi)afi));
		for (size_t i = 0; i < af->network_count; i++)
			fprintf(out, "  network %s\n", prefix_format(&af->networks[i], pfx, sizeof(pfx)));
		for (size_t i = 0; i < af->aggregate_count; i++)
			fprintf(out, "  aggregate-address %s%s%s\n",
				prefix_format(&af->aggregates[i].prefix, pfx, sizeof(pfx)),
				af->aggregates[i].as_set ? " as-set" : "", af->aggregates[i].summary_only ? " summary-only" : "");
		if (af->redistribute_connected)
			fputs("  redistribute connected\n", out);
		if (af->redistribute_static)
			fputs("  redistribute static\n", out);
		for (size_t i = 0; i < bgp->neighbor_count; i++)
			print_neighbor_af(&bgp->neighbors[i], (enum bgp_afi)afi, out);
		if (af->maximum_paths != CONFIG_BGP_DEFAULT_MAXIMUM_PATHS)
			fprintf(out, "  maximum-paths %u\n", af->maximum_paths);
		if (af->maximum_paths_ibgp != CONFIG_BGP_DEFAULT_MAXIMUM_PATHS)
			fprintf(out, "  maximum-paths ibgp %u\n", af->maximum_paths_ibgp);
		fputs(" exit-address-family\n", out);
	}
	fputs("exit\n", out);
}

void rcfg_print(const struct routed_config *cfg, FILE *out)
{
	fprintf(out, "hostname %s\n!\n", cfg->hostname);
	/* Before router bgp: neighbors name their domains. */
	domain_config_print(cfg->domains, out);
	if (cfg->bgp != NULL) {
		print_bgp(cfg->bgp, out);
		fputs("!\n", out);
	}
	policy_config_print(cfg->policy, out);
	fputs("end\n", out);
}

static const char *af_json_name(int afi)
{
	return afi == BGP_AFI_IPV4 ? "ipv4Unicast" : "ipv6Unicast";
}

static struct json_object *neighbor_af_json(const struct bgp_neighbor_af_config *f)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "nextHopSelf", json_object_new_boolean(f->next_hop_self));
	if (f->max_prefix != 0) {
		json_object_object_add(o, "maximumPrefix", json_object_new_int64(f->max_prefix));
		json_object_object_add(o, "maximumPrefixThreshold", json_object_new_int(f->max_prefix_threshold));
		json_object_object_add(o, "maximumPrefixWarningOnly",
				       json_object_new_boolean(f->max_prefix_warning_only));
	}
	if (f->allowas_in == ALLOWAS_IN_ORIGIN)
		json_object_object_add(o, "allowasIn", json_object_new_string("origin"));
	else if (f->allowas_in == ALLOWAS_IN_COUNT)
		json_object_object_add(o, "allowasIn", json_object_new_int(f->allowas_in_count));
	if (f->soft_reconfig_in)
		json_object_object_add(o, "inboundSoftConfigPermit", json_object_new_boolean(true));
	if (f->weight != 0)
		json_object_object_add(o, "weight", json_object_new_int64(f->weight));
	/* FRR's names: "prefixListIn", "routeMapOut", "filterListIn", ... */
	static const char *const keys[3][BGP_POLICY_DIR_COUNT] = {
		{"prefixListIn", "prefixListOut"}, {"filterListIn", "filterListOut"}, {"routeMapIn", "routeMapOut"}};
	for (int d = 0; d < BGP_POLICY_DIR_COUNT; d++) {
		const char *names[3] = {f->prefix_list[d], f->filter_list[d], f->route_map[d]};
		for (int k = 0; k < 3; k++)
			if (names[k][0] != '\0')
				json_object_object_add(o, keys[k][d], json_object_new_string(names[k]));
	}
	if (f->max_prefix_out != 0)
		json_object_object_add(o, "maximumPrefixOut", json_object_new_int64(f->max_prefix_out));
	if (f->advertise_summary) {
		json_object_object_add(o, "advertiseSummary", json_object_new_boolean(true));
		json_object_object_add(o, "advertiseSummaryAllowOverreach",
				       json_object_new_boolean(f->advertise_summary_overreach));
	}
	if (f->advertise_cidr_count > 0) {
		struct json_object *list = json_object_new_array();
		char pfx[PREFIX_STRLEN];
		for (size_t i = 0; i < f->advertise_cidr_count; i++)
			json_object_array_add(list, json_object_new_string(
				prefix_format(&f->advertise_cidrs[i], pfx, sizeof(pfx))));
		json_object_object_add(o, "advertiseCidrs", list);
	}
	return o;
}

static struct json_object *neighbor_json(const struct bgp_neighbor_config *n)
{
	struct json_object *o = json_object_new_object();
	char src[INET6_ADDRSTRLEN];

	if (n->remote_as_kind == REMOTE_AS_NUMBER)
		json_object_object_add(o, "remoteAs", json_object_new_int64(n->remote_as));
	else
		json_object_object_add(o, "remoteAs", json_object_new_string(
			n->remote_as_kind == REMOTE_AS_INTERNAL ? "internal" : "external"));
	if (n->local_as != 0) {
		json_object_object_add(o, "localAs", json_object_new_int64(n->local_as));
		json_object_object_add(o, "localAsNoPrepend", json_object_new_boolean(n->local_as_no_prepend));
		json_object_object_add(o, "localAsReplaceAs", json_object_new_boolean(n->local_as_replace_as));
	}
	json_object_object_add(o, "domain", json_object_new_string(n->domain[0] ? n->domain : DOMAIN_DEFAULT_NAME));
	json_object_object_add(o, "shutdown", json_object_new_boolean(n->shutdown));
	/* The key itself stays out of JSON, which goes to monitoring and logs. */
	json_object_object_add(o, "passwordSet", json_object_new_boolean(n->password[0] != '\0'));
	json_object_object_add(o, "passive", json_object_new_boolean(n->passive));
	json_object_object_add(o, "approval", json_object_new_boolean(n->approval));
	if (n->ebgp_multihop != 0)
		json_object_object_add(o, "ebgpMultihop", json_object_new_int(n->ebgp_multihop));
	if (n->ttl_security_hops != 0)
		json_object_object_add(o, "ttlSecurityHops", json_object_new_int(n->ttl_security_hops));
	json_object_object_add(o, "disableConnectedCheck", json_object_new_boolean(n->disable_connected_check));
	if (n->update_source == UPDATE_SOURCE_ADDRESS)
		json_object_object_add(o, "updateSource", json_object_new_string(
			addr_text(&n->update_source_addr, src, sizeof(src))));
	else if (n->update_source == UPDATE_SOURCE_INTERFACE)
		json_object_object_add(o, "updateSource", json_object_new_string(n->update_source_ifname));
	if (n->advertisement_interval_set)
		json_object_object_add(o, "advertisementInterval", json_object_new_int(n->advertisement_interval));
	if (n->timers_set) {
		json_object_object_add(o, "keepaliveTimer", json_object_new_int(n->keepalive));
		json_object_object_add(o, "holdTimer", json_object_new_int(n->holdtime));
	}
	if (n->connect_retry != 0)
		json_object_object_add(o, "connectRetryTimer", json_object_new_int(n->connect_retry));
	struct json_object *afs = json_object_new_array();
	struct json_object *options = json_object_new_object();
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (n->active[afi])
			json_object_array_add(afs, json_object_new_string(af_json_name(afi)));
		json_object_object_add(options, af_json_name(afi), neighbor_af_json(&n->af[afi]));
	}
	json_object_object_add(o, "addressFamilies", afs);
	json_object_object_add(o, "addressFamilyOptions", options);
	return o;
}

struct json_object *rcfg_to_json(const struct routed_config *cfg)
{
	struct json_object *root = json_object_new_object();
	char a[INET6_ADDRSTRLEN], pfx[PREFIX_STRLEN];

	json_object_object_add(root, "hostname", json_object_new_string(cfg->hostname));
	json_object_object_add(root, "policy", policy_config_to_json(cfg->policy));
	json_object_object_add(root, "segmentation", domain_config_to_json(cfg->domains));
	if (cfg->bgp == NULL)
		return root;
	const struct bgp_config *bgp = cfg->bgp;
	struct json_object *b = json_object_new_object();
	json_object_object_add(b, "as", json_object_new_int64(bgp->asn));
	if (bgp->router_id_set) {
		inet_ntop(AF_INET, bgp->router_id, a, sizeof(a));
		json_object_object_add(b, "routerId", json_object_new_string(a));
	}
	json_object_object_add(b, "logNeighborChanges", json_object_new_boolean(bgp->log_neighbor_changes));
	json_object_object_add(b, "ebgpRequiresPolicy", json_object_new_boolean(bgp->ebgp_requires_policy));
	json_object_object_add(b, "approvalMode", json_object_new_string(rcfg_approval_mode_name(bgp->approval_mode)));
	json_object_object_add(b, "keepaliveTimer", json_object_new_int(bgp->keepalive));
	json_object_object_add(b, "holdTimer", json_object_new_int(bgp->holdtime));
	json_object_object_add(b, "gracefulRestart", json_object_new_boolean(bgp->graceful_restart));
	json_object_object_add(b, "gracefulRestartTime", json_object_new_int(bgp->restart_time));
	json_object_object_add(b, "stalePathTime", json_object_new_int(bgp->stalepath_time));
	struct json_object *nbrs = json_object_new_object();
	for (size_t i = 0; i < bgp->neighbor_count; i++)
		json_object_object_add(nbrs, addr_text(&bgp->neighbors[i].addr, a, sizeof(a)),
				       neighbor_json(&bgp->neighbors[i]));
	json_object_object_add(b, "neighbors", nbrs);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		struct json_object *nets = json_object_new_array();
		for (size_t i = 0; i < bgp->af[afi].network_count; i++)
			json_object_array_add(nets, json_object_new_string(
				prefix_format(&bgp->af[afi].networks[i], pfx, sizeof(pfx))));
		json_object_object_add(b, afi == BGP_AFI_IPV4 ? "ipv4UnicastNetworks" : "ipv6UnicastNetworks", nets);
		struct json_object *aggs = json_object_new_object();
		for (size_t i = 0; i < bgp->af[afi].aggregate_count; i++) {
			const struct bgp_aggregate_config *g = &bgp->af[afi].aggregates[i];
			struct json_object *o = json_object_new_object();
			json_object_object_add(o, "asSet", json_object_new_boolean(g->as_set));
			json_object_object_add(o, "summaryOnly", json_object_new_boolean(g->summary_only));
			json_object_object_add(aggs, prefix_format(&g->prefix, pfx, sizeof(pfx)), o);
		}
		json_object_object_add(b, afi == BGP_AFI_IPV4 ? "ipv4UnicastAggregates" : "ipv6UnicastAggregates", aggs);
		struct json_object *redist = json_object_new_array();
		if (bgp->af[afi].redistribute_connected)
			json_object_array_add(redist, json_object_new_string("connected"));
		if (bgp->af[afi].redistribute_static)
			json_object_array_add(redist, json_object_new_string("static"));
		json_object_object_add(b, afi == BGP_AFI_IPV4 ? "ipv4UnicastRedistribute" : "ipv6UnicastRedistribute",
				       redist);
		json_object_object_add(b, afi == BGP_AFI_IPV4 ? "ipv4UnicastMaximumPaths" : "ipv6UnicastMaximumPaths",
				       json_object_new_int(bgp->af[afi].maximum_paths));
		json_object_object_add(b,
				       afi == BGP_AFI_IPV4 ? "ipv4UnicastMaximumPathsIbgp" : "ipv6UnicastMaximumPathsIbgp",
				       json_object_new_int(bgp->af[afi].maximum_paths_ibgp));
	}
	json_object_object_add(root, "routerBgp", b);
	return root;
}
