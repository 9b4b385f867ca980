/*
 * policy_bench: ns per route of route_map_apply() for the import policy the
 * ingest target is stated for: a route-map whose first entry matches a
 * 1,000-entry IPv6 prefix-list and an AS-path regex, over 1,000,000
 * synthetic routes shaped like a full table (prefixes /48 to /56 inside
 * 2001:db8::/32, groups of 1-8 consecutive routes sharing one attribute
 * set, 250,000 distinct AS paths of 2-7 hops).
 *
 * Reported, each the best of --repeat runs over all routes:
 *   empty     a route-map with one permit entry and no clauses (the cost
 *             of the call, copying the attributes and the arena)
 *   plist     the prefix-list match alone
 *   full      prefix-list + AS-path regex + one set clause
 *   nocache   the same with every route's path distinct (the regex runs
 *             for every route: the AS-path cache's worst case)
 * Wall-clock on a shared machine is noisy: compare runs side by side, or
 * count instructions with valgrind --tool=callgrind and a small --routes.
 *
 *   bench/policy_bench [--routes N] [--repeat R]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "config_model.h"
#include "policy.h"

#define MAX_HOPS 7

struct path {
	struct bgp_as_segment seg;
	uint32_t asns[MAX_HOPS];
};

static uint64_t rng = 0x5eed;

static uint32_t rnd(void)
{
	rng = rng * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng >> 33);
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* The configuration: a 1,000-entry prefix-list, an AS-path list, and the
 * route-maps measured. */
static char *make_config(void)
{
	size_t cap = 1 << 20, len = 0;
	char *text = malloc(cap);

	for (unsigned i = 0; i < 1000; i++) {
		/* /40s spread over the table's space, various length ranges. */
		unsigned lo = 44 + i % 5, hi = lo + 8 + i % 5;
		len += (size_t)snprintf(text + len, cap - len,
					"ipv6 prefix-list PL seq %u %s 2001:db8:%x::/40 ge %u le %u\n", (i + 1) * 5,
					i % 10 == 9 ? "deny" : "permit", (i % 256) << 8,
					lo, hi > 128 ? 128 : hi);
	}
	len += (size_t)snprintf(text + len, cap - len,
				"bgp as-path access-list AS seq 5 deny _6450[0-9]_\n"
				"bgp as-path access-list AS seq 10 permit ^6[45][0-9]+_\n"
				"route-map EMPTY permit 10\n"
				"route-map PLIST permit 10\n match ipv6 address prefix-list PL\n"
				"route-map PLIST permit 20\n"
				"route-map FULL permit 10\n match ipv6 address prefix-list PL\n match as-path AS\n"
				" set local-preference 200\n"
				"route-map FULL permit 20\n");
	return text;
}

int main(int argc, char **argv)
{
	size_t nroutes = 1000000, npaths = 250000;
	int repeat = 3;
	char err[256];

	for (int i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--routes") == 0)
			nroutes = strtoul(argv[i + 1], NULL, 10);
		else if (strcmp(argv[i], "--repeat") == 0)
			repeat = atoi(argv[i + 1]);
	}
	if (npaths > nroutes)
		npaths = nroutes;
	struct cli_env env = {0};
	env.reg = cli_registry_new(err, sizeof(err));
	env.running = rcfg_new();
	char *text = make_config();
	struct routed_config *cfg = NULL;
	if (env.reg == NULL || cli_load_text(&env, "bench", text, strlen(text), stderr, &cfg) != 0)
		return 1;
	free(text);
	struct policy_config *pc = cfg->policy;

	struct path *paths = calloc(npaths, sizeof(*paths));
	struct prefix *prefixes = calloc(nroutes, sizeof(*prefixes));
	size_t *path_of = calloc(nroutes, sizeof(*path_of));
	struct path *unique = calloc(nroutes, sizeof(*unique));
	if (paths == NULL || prefixes == NULL || path_of == NULL || unique == NULL)
		return 1;
	for (size_t i = 0; i < npaths; i++) {
		unsigned hops = 2 + rnd() % (MAX_HOPS - 1);
		paths[i].seg.type = BGP_AS_SEQUENCE;
		paths[i].seg.count = hops;
		for (unsigned h = 0; h < hops; h++)
			paths[i].asns[h] = h == 0 ? 64512 : 64496 + rnd() % 1000;
	}
	for (size_t i = 0, p = 0; i < nroutes; p = (p + 1) % npaths) {
		size_t group = 1 + rnd() % 8;
		for (size_t g = 0; g < group && i < nroutes; g++, i++) {
			struct prefix *x = &prefixes[i];
			x->family = AF_INET6;
			x->len = (uint8_t)(48 + rnd() % 9);
			x->addr[0] = 0x20, x->addr[1] = 0x01, x->addr[2] = 0x0d, x->addr[3] = 0xb8;
			uint32_t r = rnd();
			memcpy(x->addr + 4, &r, 3);
			prefix_normalize(x);
			path_of[i] = (rnd() % 16 == 0) ? rnd() % npaths : p;
			unique[i] = paths[path_of[i]];
			unique[i].asns[unique[i].seg.count - 1] = 4200000000u + (uint32_t)i; /* every path distinct */
		}
	}

	static uint8_t arena_buf[4096];
	struct bgp_arena arena;
	struct bgp_attrs attrs = {0}, out;
	struct policy_peer peer = {.asn = 64512, .ebgp = true};
	prefix_parse("2001:db8:ffff::2", &peer.addr);
	uint32_t weight;
	static const char *const maps[] = {"EMPTY", "PLIST", "FULL", "FULL"};
	static const char *const names[] = {"empty", "plist", "full", "nocache"};

	printf("{\"routes\": %zu, \"distinct_paths\": %zu, \"prefix_list_entries\": 1000", nroutes, npaths);
	for (int m = 0; m < 4; m++) {
		double best = 0;
		size_t permitted = 0;
		for (int r = 0; r < repeat; r++) {
			/* A fresh copy each run: compiled anew, the AS-path cache empty. */
			struct policy_config *run = policy_config_clone(pc);
			struct route_map *map = route_map_find(run, maps[m]);
			if (run == NULL || map == NULL || policy_compile(run) != 0)
				return 1;
			permitted = 0;
			double t0 = now_ns();
			for (size_t i = 0; i < nroutes; i++) {
				struct path *path = m == 3 ? &unique[i] : &paths[path_of[i]];
				struct policy_route route = {.prefix = &prefixes[i], .attrs = &attrs, .peer = &peer};
				attrs.present = BGP_ATTR_MASK(BGP_ATTR_ORIGIN) | BGP_ATTR_MASK(BGP_ATTR_AS_PATH);
				attrs.aspath.nsegs = 1;
				attrs.aspath.segs = &path->seg;
				path->seg.asns = path->asns;
				bgp_arena_init(&arena, arena_buf, sizeof(arena_buf));
				permitted += route_map_apply(run, map, &route, &arena, &out, &weight) == POLICY_PERMIT;
			}
			double ns = (now_ns() - t0) / (double)nroutes;
			policy_config_free(run);
			if (r == 0 || ns < best)
				best = ns;
		}
		printf(", \"%s_ns_per_route\": %.1f, \"%s_permitted\": %zu", names[m], best, names[m], permitted);
	}
	printf("}\n");
	free(paths);
	free(prefixes);
	free(path_of);
	free(unique);
	rcfg_free(cfg);
	rcfg_free(env.running);
	cmd_registry_free(env.reg);
	return 0;
}
