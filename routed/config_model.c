/*
 * The routing configuration model, its printer and its JSON form.
 */
#include "config_model.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

struct routed_config *rcfg_new(void)
{
	struct routed_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg != NULL)
		snprintf(cfg->hostname, sizeof(cfg->hostname), "%s", CONFIG_DEFAULT_HOSTNAME);
	return cfg;
}

static void bgp_free(struct bgp_config *bgp)
{
	if (bgp == NULL)
		return;
	free(bgp->neighbors);
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		free(bgp->af[afi].networks);
	free(bgp);
}

void rcfg_free(struct routed_config *cfg)
{
	if (cfg == NULL)
		return;
	bgp_free(cfg->bgp);
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
	if (cfg->bgp != NULL) {
		struct bgp_config *bgp = malloc(sizeof(*bgp));
		if (bgp == NULL) {
			free(copy);
			return NULL;
		}
		*bgp = *cfg->bgp;
		bgp->neighbors = dup_array(cfg->bgp->neighbors, bgp->neighbor_count, sizeof(*bgp->neighbors), &failed);
		bgp->neighbor_cap = bgp->neighbor_count;
		for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
			struct bgp_af_config *af = &bgp->af[afi];
			af->networks = dup_array(cfg->bgp->af[afi].networks, af->network_count, sizeof(*af->networks), &failed);
			af->network_cap = af->network_count;
		}
		copy->bgp = bgp;
	}
	if (failed) {
		rcfg_free(copy);
		return NULL;
	}
	return copy;
}

static bool neighbor_equal(const struct bgp_neighbor_config *a, const struct bgp_neighbor_config *b)
{
	return prefix_equal(&a->addr, &b->addr) && a->remote_as_kind == b->remote_as_kind &&
	       a->remote_as == b->remote_as && strcmp(a->description, b->description) == 0 &&
	       a->shutdown == b->shutdown && a->timers_set == b->timers_set &&
	       (!a->timers_set || (a->keepalive == b->keepalive && a->holdtime == b->holdtime)) &&
	       a->active[BGP_AFI_IPV4] == b->active[BGP_AFI_IPV4] &&
	       a->active[BGP_AFI_IPV6] == b->active[BGP_AFI_IPV6];
}

bool rcfg_equal(const struct routed_config *a, const struct routed_config *b)
{
	if (strcmp(a->hostname, b->hostname) != 0 || (a->bgp == NULL) != (b->bgp == NULL))
		return false;
	if (a->bgp == NULL)
		return true;
	const struct bgp_config *x = a->bgp, *y = b->bgp;
	if (x->asn != y->asn || x->router_id_set != y->router_id_set ||
	    (x->router_id_set && memcmp(x->router_id, y->router_id, 4) != 0) ||
	    x->neighbor_count != y->neighbor_count)
		return false;
	for (size_t i = 0; i < x->neighbor_count; i++)
		if (!neighbor_equal(&x->neighbors[i], &y->neighbors[i]))
			return false;
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		if (x->af[afi].network_count != y->af[afi].network_count)
			return false;
		for (size_t i = 0; i < x->af[afi].network_count; i++)
			if (!prefix_equal(&x->af[afi].networks[i], &y->af[afi].networks[i]))
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
	cfg->bgp = calloc(1, sizeof(*cfg->bgp));
	if (cfg->bgp != NULL)
		cfg->bgp->asn = asn;
	return cfg->bgp;
}

void rcfg_bgp_delete(struct routed_config *cfg)
{
	bgp_free(cfg->bgp);
	cfg->bgp = NULL;
}

/* Binary search in a sorted prefix-keyed array: index of the match, or of
 * where it would go (with *found false). */
static size_t search(const void *base, size_t n, size_t sz, size_t key_offset,
		     const struct prefix *key, bool *found)
{
	size_t lo = 0, hi = n;

	*found = false;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct prefix *at = (const struct prefix *)((const char *)base + mid * sz + key_offset);
		int c = prefix_cmp(at, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* Make room for one element at index i of a growable array. */
static int insert_slot(void **base, size_t *count, size_t *cap, size_t sz, size_t i)
{
	if (*count == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		void *grown = realloc(*base, ncap * sz);
		if (grown == NULL)
			return -1;
		*base = grown;
		*cap = ncap;
	}
	char *p = *base;
	memmove(p + (i + 1) * sz, p + i * sz, (*count - i) * sz);
	(*count)++;
	return 0;
}

static void remove_slot(void *base, size_t *count, size_t sz, size_t i)
{
	char *p = base;
	memmove(p + i * sz, p + (i + 1) * sz, (*count - i - 1) * sz);
	(*count)--;
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
	if (insert_slot((void **)&bgp->neighbors, &bgp->neighbor_count, &bgp->neighbor_cap,
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
		remove_slot(bgp->neighbors, &bgp->neighbor_count, sizeof(*bgp->neighbors), i);
}

int rcfg_network_add(struct bgp_config *bgp, enum bgp_afi afi, const struct prefix *p)
{
	struct bgp_af_config *af = &bgp->af[afi];
	bool found;
	size_t i = search(af->networks, af->network_count, sizeof(*af->networks), 0, p, &found);

	if (found)
		return 1;
	if (insert_slot((void **)&af->networks, &af->network_count, &af->network_cap,
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
	remove_slot(af->networks, &af->network_count, sizeof(*af->networks), i);
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

static void print_bgp(const struct bgp_config *bgp, FILE *out)
{
	char a[INET6_ADDRSTRLEN], pfx[PREFIX_STRLEN];

	fprintf(out, "router bgp %u\n", bgp->asn);
	if (bgp->router_id_set && inet_ntop(AF_INET, bgp->router_id, a, sizeof(a)) != NULL)
		fprintf(out, " bgp router-id %s\n", a);
	for (size_t i = 0; i < bgp->neighbor_count; i++) {
		const struct bgp_neighbor_config *n = &bgp->neighbors[i];
		addr_text(&n->addr, a, sizeof(a));
		fprintf(out, " neighbor %s remote-as ", a);
		print_remote_as(n, out);
		fputc('\n', out);
		if (n->description[0] != '\0')
			fprintf(out, " neighbor %s description %s\n", a, n->description);
		if (n->timers_set)
			fprintf(out, " neighbor %s timers %u %u\n", a, n->keepalive, n->holdtime);
		if (n->shutdown)
			fprintf(out, " neighbor %s shutdown\n", a);
	}
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++) {
		const struct bgp_af_config *af = &bgp->af[afi];
		bool any = af->network_count > 0;
		for (size_t i = 0; i < bgp->neighbor_count && !any; i++)
			any = bgp->neighbors[i].active[afi] != (bgp_afi_of(&bgp->neighbors[i].addr) == (enum bgp_afi)afi);
		if (!any)
			continue;
		fprintf(out, " !\n address-family %s unicast\n", bgp_afi_name((enum bgp_afi)afi));
		for (size_t i = 0; i < af->network_count; i++)
			fprintf(out, "  network %s\n", prefix_format(&af->networks[i], pfx, sizeof(pfx)));
		for (size_t i = 0; i < bgp->neighbor_count; i++) {
			const struct bgp_neighbor_config *n = &bgp->neighbors[i];
			bool by_default = bgp_afi_of(&n->addr) == (enum bgp_afi)afi;
			if (n->active[afi] != by_default)
				fprintf(out, "  %sneighbor %s activate\n", n->active[afi] ? "" : "no ",
					addr_text(&n->addr, a, sizeof(a)));
		}
		fputs(" exit-address-family\n", out);
	}
	fputs("exit\n", out);
}

void rcfg_print(const struct routed_config *cfg, FILE *out)
{
	fprintf(out, "hostname %s\n!\n", cfg->hostname);
	if (cfg->bgp != NULL) {
		print_bgp(cfg->bgp, out);
		fputs("!\n", out);
	}
	fputs("end\n", out);
}

static struct json_object *neighbor_json(const struct bgp_neighbor_config *n)
{
	struct json_object *o = json_object_new_object();

	if (n->remote_as_kind == REMOTE_AS_NUMBER)
		json_object_object_add(o, "remoteAs", json_object_new_int64(n->remote_as));
	else
		json_object_object_add(o, "remoteAs", json_object_new_string(
			n->remote_as_kind == REMOTE_AS_INTERNAL ? "internal" : "external"));
	if (n->description[0] != '\0')
		json_object_object_add(o, "description", json_object_new_string(n->description));
	json_object_object_add(o, "shutdown", json_object_new_boolean(n->shutdown));
	if (n->timers_set) {
		json_object_object_add(o, "keepaliveTimer", json_object_new_int(n->keepalive));
		json_object_object_add(o, "holdTimer", json_object_new_int(n->holdtime));
	}
	struct json_object *afs = json_object_new_array();
	for (int afi = 0; afi < BGP_AFI_COUNT; afi++)
		if (n->active[afi])
			json_object_array_add(afs, json_object_new_string(afi == BGP_AFI_IPV4 ? "ipv4Unicast" : "ipv6Unicast"));
	json_object_object_add(o, "addressFamilies", afs);
	return o;
}

struct json_object *rcfg_to_json(const struct routed_config *cfg)
{
	struct json_object *root = json_object_new_object();
	char a[INET6_ADDRSTRLEN], pfx[PREFIX_STRLEN];

	json_object_object_add(root, "hostname", json_object_new_string(cfg->hostname));
	if (cfg->bgp == NULL)
		return root;
	const struct bgp_config *bgp = cfg->bgp;
	struct json_object *b = json_object_new_object();
	json_object_object_add(b, "as", json_object_new_int64(bgp->asn));
	if (bgp->router_id_set) {
		inet_ntop(AF_INET, bgp->router_id, a, sizeof(a));
		json_object_object_add(b, "routerId", json_object_new_string(a));
	}
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
	}
	json_object_object_add(root, "routerBgp", b);
	return root;
}
