/*
 * radix_bench.c - lib/radix.c against the classic alternative, side by side.
 *
 * The alternative is longest-prefix match over one hash table per prefix
 * length, probing the longest populated length first: the textbook choice
 * when lookups dominate and memory is plentiful.  It lives in this file
 * (open addressing, linear probing, backward-shift deletion) so that both
 * run on the same keys in the same process, and every answer the two give
 * is compared.
 *
 * Usage: radix_bench [N] [--lookups M] [--json]
 *   N             routes per family (default 1000000)
 *   --lookups M   exact and longest-match lookups per family (default N/2)
 *   --json        print one JSON object instead of the table
 *
 * See bench/README-radix.md.
 */
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prefix.h"
#include "radix.h"

#define BENCH_SEED UINT64_C(0x6b656e7473726f75)

static void
die(const char *msg)
{
	fprintf(stderr, "radix_bench: %s\n", msg);
	exit(EXIT_FAILURE);
}

static void *
xmalloc(size_t n)
{
	void *p = malloc(n);

	if (p == NULL)
		die("out of memory");
	return p;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Bytes malloc has handed out and not had back: arena plus mmapped. */
static size_t
heap_in_use(void)
{
	struct mallinfo2 mi = mallinfo2();

	return mi.uordblks + mi.hblkhd;
}

/* xorshift64*: fixed seed, so every run uses the same routes. */
static uint64_t
rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * UINT64_C(2685821657736338717);
}

/* ---- the reference: one open-addressing hash table per length -------- */

struct ref_slot {
	uint64_t key[2];
	void *value; /* NULL: empty slot */
};

struct ref_table {
	struct ref_slot *slots;
	size_t mask; /* capacity - 1; capacity is a power of two */
	size_t count;
};

struct ref_lpm {
	int family;
	unsigned maxlen;
	struct ref_table table[PREFIX_MAXLEN_INET6 + 1];
	uint8_t lens[PREFIX_MAXLEN_INET6 + 1]; /* populated lengths, longest first */
	unsigned nlens;
	size_t count;
};

static uint64_t
top_bits(unsigned n)
{
	return n == 0 ? 0 : n >= 64 ? ~UINT64_C(0) : ~UINT64_C(0) << (64 - n);
}

static void
ref_key(const struct prefix *p, unsigned len, uint64_t k[2])
{
	unsigned i, nbytes = p->family == AF_INET ? 4 : 16;

	k[0] = k[1] = 0;
	for (i = 0; i < nbytes; i++)
		k[i / 8] |= (uint64_t)p->addr[i] << (56 - 8 * (i % 8));
	k[0] &= top_bits(len);
	k[1] &= top_bits(len > 64 ? len - 64 : 0);
}

static size_t
ref_hash(const uint64_t k[2])
{
	/* murmur3's 64-bit finaliser over both words. */
	uint64_t x = k[0] ^ (k[1] * UINT64_C(0x9e3779b97f4a7c15));

	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return (size_t)x;
}

static struct ref_slot *
ref_find(const struct ref_table *tab, const uint64_t k[2])
{
	size_t i;

	if (tab->slots == NULL)
		return NULL;
	for (i = ref_hash(k) & tab->mask;; i = (i + 1) & tab->mask) {
		struct ref_slot *s = &tab->slots[i];

		if (s->value == NULL)
			return NULL;
		if (s->key[0] == k[0] && s->key[1] == k[1])
			return s;
	}
}

static void
ref_place(struct ref_table *tab, const uint64_t k[2], void *value)
{
	size_t i = ref_hash(k) & tab->mask;

	while (tab->slots[i].value != NULL)
		i = (i + 1) & tab->mask;
	tab->slots[i].key[0] = k[0];
	tab->slots[i].key[1] = k[1];
	tab->slots[i].value = value;
}

/* Keep the load at or under one half so that probes stay short. */
static void
ref_grow(struct ref_table *tab)
{
	struct ref_slot *old = tab->slots;
	size_t i, oldcap = old != NULL ? tab->mask + 1 : 0;
	size_t cap = oldcap != 0 ? oldcap * 2 : 16;

	tab->slots = calloc(cap, sizeof(*tab->slots));
	if (tab->slots == NULL)
		die("out of memory");
	tab->mask = cap - 1;
	for (i = 0; i < oldcap; i++) {
		if (old[i].value != NULL)
			ref_place(tab, old[i].key, old[i].value);
	}
	free(old);
}

static void
ref_lens_update(struct ref_lpm *r)
{
	int len;

	r->nlens = 0;
	for (len = (int)r->maxlen; len >= 0; len--) {
		if (r->table[len].count != 0)
			r->lens[r->nlens++] = (uint8_t)len;
	}
}

static int
ref_insert(struct ref_lpm *r, const struct prefix *p, void *value)
{
	struct ref_table *tab = &r->table[p->len];
	struct ref_slot *s;
	uint64_t k[2];

	ref_key(p, p->len, k);
	s = ref_find(tab, k);
	if (s != NULL) {
		s->value = value;
		return 1;
	}
	if (tab->slots == NULL || (tab->count + 1) * 2 > tab->mask + 1)
		ref_grow(tab);
	ref_place(tab, k, value);
	r->count++;
	if (tab->count++ == 0)
		ref_lens_update(r);
	return 0;
}

static void *
ref_lookup_exact(const struct ref_lpm *r, const struct prefix *p)
{
	const struct ref_slot *s;
	uint64_t k[2];

	ref_key(p, p->len, k);
	s = ref_find(&r->table[p->len], k);
	return s != NULL ? s->value : NULL;
}

static void *
ref_lookup_longest(const struct ref_lpm *r, const struct prefix *p)
{
	const struct ref_slot *s;
	uint64_t k[2], full[2];
	unsigned i, len;

	ref_key(p, p->len, full);
	for (i = 0; i < r->nlens; i++) {
		len = r->lens[i];
		if (len > p->len)
			continue;
		k[0] = full[0] & top_bits(len);
		k[1] = full[1] & top_bits(len > 64 ? len - 64 : 0);
		s = ref_find(&r->table[len], k);
		if (s != NULL)
			return s->value;
	}
	return NULL;
}

static void *
ref_delete(struct ref_lpm *r, const struct prefix *p)
{
	struct ref_table *tab = &r->table[p->len];
	struct ref_slot *s;
	uint64_t k[2];
	size_t hole, j, home;
	void *value;

	ref_key(p, p->len, k);
	s = ref_find(tab, k);
	if (s == NULL)
		return NULL;
	value = s->value;
	/* Backward-shift deletion: pull later members of the probe run back
	 * over the hole unless that would move them before their home slot,
	 * so lookups never need tombstones. */
	hole = (size_t)(s - tab->slots);
	for (j = (hole + 1) & tab->mask; tab->slots[j].value != NULL;
	     j = (j + 1) & tab->mask) {
		home = ref_hash(tab->slots[j].key) & tab->mask;
		if (((j - home) & tab->mask) >= ((j - hole) & tab->mask)) {
			tab->slots[hole] = tab->slots[j];
			hole = j;
		}
	}
	tab->slots[hole].value = NULL;
	r->count--;
	if (--tab->count == 0)
		ref_lens_update(r);
	return value;
}

static void
ref_free(struct ref_lpm *r)
{
	unsigned i;

	for (i = 0; i <= PREFIX_MAXLEN_INET6; i++)
		free(r->table[i].slots);
	free(r);
}

static struct ref_lpm *
ref_new(int family)
{
	struct ref_lpm *r = calloc(1, sizeof(*r));

	if (r == NULL)
		die("out of memory");
	r->family = family;
	r->maxlen = prefix_max_len(family);
	return r;
}

/* ---- workload ---------------------------------------------------------- */

struct len_weight {
	uint8_t len;
	uint16_t permille;
};

/* Roughly today's IPv4 DFZ: six in ten are /24, most of the rest /16-/23,
 * a few longer (more specifics leaked or blackholed). */
static const struct len_weight mix4[] = {
	{ 16, 20 }, { 17, 10 }, { 18, 20 }, { 19, 30 }, { 20, 40 }, { 21, 50 },
	{ 22, 90 }, { 23, 90 }, { 24, 600 }, { 25, 10 }, { 26, 10 }, { 27, 5 },
	{ 28, 5 },  { 29, 10 }, { 30, 5 },  { 31, 2 },  { 32, 3 },
};

/* IPv6 DFZ: mostly /48, allocations at /32-/46, some /56 and /64. */
static const struct len_weight mix6[] = {
	{ 32, 60 }, { 36, 10 }, { 40, 30 }, { 44, 40 }, { 46, 10 }, { 48, 700 },
	{ 52, 10 }, { 56, 70 }, { 60, 10 }, { 64, 60 },
};

static unsigned
pick_len(int family, uint64_t *rng)
{
	const struct len_weight *mix = family == AF_INET ? mix4 : mix6;
	size_t i, n = family == AF_INET ? sizeof(mix4) / sizeof(mix4[0])
					: sizeof(mix6) / sizeof(mix6[0]);
	unsigned roll = (unsigned)(rng_next(rng) % 1000);

	for (i = 0; i < n; i++) {
		if (roll < mix[i].permille)
			return mix[i].len;
		roll -= mix[i].permille;
	}
	die("length mix does not add up to 1000");
	return 0;
}

/* A random unicast address: 1.0.0.0-223.255.255.255, or 2000::/3. */
static void
random_addr(int family, uint64_t *rng, struct prefix *p)
{
	uint64_t a = rng_next(rng), b = rng_next(rng);

	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)family;
	p->len = (uint8_t)prefix_max_len(family);
	memcpy(p->addr, &a, 8);
	memcpy(p->addr + 8, &b, 8);
	if (family == AF_INET) {
		p->addr[0] = (uint8_t)(1 + p->addr[0] % 223);
		memset(p->addr + 4, 0, 12);
	} else {
		p->addr[0] = (uint8_t)(0x20 | (p->addr[0] & 0x1f));
	}
}

static int
cmp_prefix(const void *a, const void *b)
{
	return prefix_cmp(a, b);
}

static void
shuffle_idx(uint32_t *v, size_t n, uint64_t *rng)
{
	size_t i, j;
	uint32_t tmp;

	for (i = 0; i < n; i++)
		v[i] = (uint32_t)i;
	for (i = n; i > 1; i--) {
		j = (size_t)(rng_next(rng) % i);
		tmp = v[i - 1];
		v[i - 1] = v[j];
		v[j] = tmp;
	}
}

/* n distinct normalised prefixes in random order. */
static struct prefix *
make_routes(int family, size_t n, uint64_t *rng)
{
	struct prefix *v = xmalloc(n * sizeof(*v)), *out;
	uint32_t *order = xmalloc(n * sizeof(*order));
	size_t have = 0, i, kept;

	while (have < n) {
		for (i = have; i < n; i++) {
			random_addr(family, rng, &v[i]);
			v[i].len = (uint8_t)pick_len(family, rng);
			prefix_normalize(&v[i]);
		}
		qsort(v, n, sizeof(*v), cmp_prefix);
		for (i = 1, kept = 1; i < n; i++) {
			if (!prefix_equal(&v[i], &v[kept - 1]))
				v[kept++] = v[i];
		}
		have = kept;
	}
	/* Sorted input would flatter both structures' caches. */
	out = xmalloc(n * sizeof(*out));
	shuffle_idx(order, n, rng);
	for (i = 0; i < n; i++)
		out[i] = v[order[i]];
	free(v);
	free(order);
	return out;
}

/* Half inside a route (random host bits), half anywhere in unicast space. */
static struct prefix *
make_lookups(int family, const struct prefix *routes, size_t nroutes, size_t n,
	     uint64_t *rng)
{
	struct prefix *v = xmalloc(n * sizeof(*v));
	size_t i;
	unsigned bit;

	for (i = 0; i < n; i++) {
		random_addr(family, rng, &v[i]);
		if (i % 2 == 0) {
			const struct prefix *r = &routes[rng_next(rng) % nroutes];

			for (bit = 0; bit < r->len; bit++) {
				uint8_t m = (uint8_t)(0x80 >> (bit % 8));

				v[i].addr[bit / 8] = (uint8_t)((v[i].addr[bit / 8] & ~m) |
							       (r->addr[bit / 8] & m));
			}
		}
	}
	return v;
}

/* ---- measurement ------------------------------------------------------ */

enum op { OP_INSERT, OP_EXACT, OP_LONGEST, OP_DELETE, OP_COUNT };

static const char *const op_name[OP_COUNT] = {
	[OP_INSERT] = "insert",
	[OP_EXACT] = "lookup_exact",
	[OP_LONGEST] = "lookup_longest",
	[OP_DELETE] = "delete",
};

struct family_result {
	const char *name;
	size_t routes, lookups;
	double radix_s[OP_COUNT], ref_s[OP_COUNT];
	size_t nodes, node_size;
	size_t radix_heap, ref_heap; /* malloc'd bytes for the full table */
	size_t hits;
};

static double
mops(size_t n, double seconds)
{
	return seconds > 0 ? (double)n / seconds / 1e6 : 0;
}

static size_t
op_count(const struct family_result *fr, enum op op)
{
	return op == OP_EXACT || op == OP_LONGEST ? fr->lookups : fr->routes;
}

static void
same_answers(void *const *a, void *const *b, size_t n, const char *what,
	     const char *family)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (a[i] != b[i]) {
			fprintf(stderr,
				"radix_bench: %s %s #%zu: radix and reference disagree\n",
				family, what, i);
			exit(EXIT_FAILURE);
		}
	}
}

static void
run_family(int family, size_t n, size_t nlook, uint64_t *rng, struct family_result *fr)
{
	const char *name = family == AF_INET ? "ipv4" : "ipv6";
	struct prefix *routes = make_routes(family, n, rng);
	struct prefix *look = make_lookups(family, routes, n, nlook, rng);
	uint32_t *order = xmalloc(n * sizeof(*order));
	void **res_radix = xmalloc(n * sizeof(void *));
	void **res_ref = xmalloc(n * sizeof(void *));
	struct radix_tree *t;
	struct ref_lpm *r;
	size_t i, heap0;
	double t0;

	memset(fr, 0, sizeof(*fr));
	fr->name = name;
	fr->routes = n;
	fr->lookups = nlook;
	fr->node_size = radix_node_size();

	/* Insert: each value is its own route, so answers are checkable. */
	heap0 = heap_in_use();
	t0 = now();
	t = radix_new(family);
	if (t == NULL)
		die("out of memory");
	for (i = 0; i < n; i++) {
		if (radix_insert(t, &routes[i], &routes[i], NULL) != 0)
			die("radix insert failed");
	}
	fr->radix_s[OP_INSERT] = now() - t0;
	fr->radix_heap = heap_in_use() > heap0 ? heap_in_use() - heap0 : 0;
	fr->nodes = radix_node_count(t);
	if (radix_count(t) != n)
		die("radix count wrong after insert");

	heap0 = heap_in_use();
	t0 = now();
	r = ref_new(family);
	for (i = 0; i < n; i++) {
		if (ref_insert(r, &routes[i], &routes[i]) != 0)
			die("reference insert failed");
	}
	fr->ref_s[OP_INSERT] = now() - t0;
	fr->ref_heap = heap_in_use() > heap0 ? heap_in_use() - heap0 : 0;

	/* Exact lookups of distinct routes, in an order unrelated to
	 * insertion. */
	shuffle_idx(order, n, rng);
	t0 = now();
	for (i = 0; i < nlook; i++)
		res_radix[i] = radix_lookup_exact(t, &routes[order[i]]);
	fr->radix_s[OP_EXACT] = now() - t0;
	t0 = now();
	for (i = 0; i < nlook; i++)
		res_ref[i] = ref_lookup_exact(r, &routes[order[i]]);
	fr->ref_s[OP_EXACT] = now() - t0;
	same_answers(res_radix, res_ref, nlook, "lookup_exact", name);
	for (i = 0; i < nlook; i++) {
		if (res_radix[i] != &routes[order[i]])
			die("exact lookup missed a stored route");
	}

	/* Longest match for addresses. */
	t0 = now();
	for (i = 0; i < nlook; i++)
		res_radix[i] = radix_lookup_longest(t, &look[i], NULL);
	fr->radix_s[OP_LONGEST] = now() - t0;
	t0 = now();
	for (i = 0; i < nlook; i++)
		res_ref[i] = ref_lookup_longest(r, &look[i]);
	fr->ref_s[OP_LONGEST] = now() - t0;
	same_answers(res_radix, res_ref, nlook, "lookup_longest", name);
	for (i = 0; i < nlook; i++)
		fr->hits += res_radix[i] != NULL;

	/* Delete everything, in yet another order. */
	shuffle_idx(order, n, rng);
	t0 = now();
	for (i = 0; i < n; i++)
		res_radix[i] = radix_delete(t, &routes[order[i]]);
	fr->radix_s[OP_DELETE] = now() - t0;
	t0 = now();
	for (i = 0; i < n; i++)
		res_ref[i] = ref_delete(r, &routes[order[i]]);
	fr->ref_s[OP_DELETE] = now() - t0;
	same_answers(res_radix, res_ref, n, "delete", name);
	for (i = 0; i < n; i++) {
		if (res_radix[i] != &routes[order[i]])
			die("delete returned the wrong value");
	}
	if (radix_count(t) != 0 || radix_node_count(t) != 0 || r->count != 0)
		die("tables not empty after deleting every route");

	radix_free(t, NULL, NULL);
	ref_free(r);
	free(routes);
	free(look);
	free(order);
	free(res_radix);
	free(res_ref);
}

/*
 * bytes / per as text, or "n/a" (table) / "null" (JSON) when malloc did
 * not report any use: under ASan or another allocator mallinfo2() knows
 * nothing.
 */
static const char *
per(char *buf, size_t buflen, size_t bytes, size_t count, bool json)
{
	if (bytes == 0 || count == 0)
		snprintf(buf, buflen, "%s", json ? "null" : "n/a");
	else
		snprintf(buf, buflen, json ? "%.2f" : "%.1f", (double)bytes / (double)count);
	return buf;
}

static void
print_table(const struct family_result *fr, size_t nfam)
{
	char a1[32], a2[32], a3[32];
	size_t f;
	int op;

	printf("%-5s %-15s %12s %12s %10s\n", "", "operation", "radix Mop/s",
	       "ref Mop/s", "radix/ref");
	for (f = 0; f < nfam; f++) {
		const struct family_result *x = &fr[f];

		for (op = 0; op < OP_COUNT; op++) {
			double a = mops(op_count(x, op), x->radix_s[op]);
			double b = mops(op_count(x, op), x->ref_s[op]);

			printf("%-5s %-15s %12.2f %12.2f %10.2f\n", x->name, op_name[op], a,
			       b, b > 0 ? a / b : 0);
		}
	}
	printf("\n%-5s %9s %10s %6s %10s %10s %10s %10s %7s\n", "", "routes", "nodes",
	       "B/node", "node B/rt", "heap B/nd", "heap B/rt", "ref B/rt", "hit %");
	for (f = 0; f < nfam; f++) {
		const struct family_result *x = &fr[f];

		printf("%-5s %9zu %10zu %6zu %10.1f %10s %10s %10s %7.1f\n", x->name,
		       x->routes, x->nodes, x->node_size,
		       (double)(x->nodes * x->node_size) / (double)x->routes,
		       per(a1, sizeof(a1), x->radix_heap, x->nodes, false),
		       per(a2, sizeof(a2), x->radix_heap, x->routes, false),
		       per(a3, sizeof(a3), x->ref_heap, x->routes, false),
		       100.0 * (double)x->hits / (double)x->lookups);
	}
	printf("\nradix/ref > 1: the radix tree is faster.  node B/rt = nodes * "
	       "sizeof(node) / routes.\nheap = bytes malloc'd for the built table "
	       "(mallinfo2), chunk headers included.\n");
}

static void
print_json(const struct family_result *fr, size_t nfam, size_t n)
{
	char a1[32], a2[32], a3[32];
	size_t f;
	int op;

	printf("{\"n\":%zu,\"seed\":%ju,\"node_size\":%zu,\"families\":{", n,
	       (uintmax_t)BENCH_SEED, radix_node_size());
	for (f = 0; f < nfam; f++) {
		const struct family_result *x = &fr[f];

		printf("%s\"%s\":{\"routes\":%zu,\"lookups\":%zu,\"nodes\":%zu,"
		       "\"bytes_per_node\":%zu,\"bytes_per_route\":%.2f,"
		       "\"heap_bytes_per_node\":%s,\"heap_bytes_per_route\":%s,"
		       "\"ref_heap_bytes_per_route\":%s,\"lookup_hit_ratio\":%.4f,"
		       "\"ops\":{",
		       f ? "," : "", x->name, x->routes, x->lookups, x->nodes, x->node_size,
		       (double)(x->nodes * x->node_size) / (double)x->routes,
		       per(a1, sizeof(a1), x->radix_heap, x->nodes, true),
		       per(a2, sizeof(a2), x->radix_heap, x->routes, true),
		       per(a3, sizeof(a3), x->ref_heap, x->routes, true),
		       (double)x->hits / (double)x->lookups);
		for (op = 0; op < OP_COUNT; op++) {
			double a = mops(op_count(x, op), x->radix_s[op]);
			double b = mops(op_count(x, op), x->ref_s[op]);

			printf("%s\"%s\":{\"count\":%zu,\"radix_mops\":%.3f,"
			       "\"ref_mops\":%.3f,\"ratio\":%.3f}",
			       op ? "," : "", op_name[op], op_count(x, op), a, b,
			       b > 0 ? a / b : 0);
		}
		printf("}}");
	}
	printf("}}\n");
}

static void
usage(void)
{
	fprintf(stderr, "usage: radix_bench [N] [--lookups M] [--json]\n"
			"  N             routes per family (default 1000000)\n"
			"  --lookups M   exact and longest-match lookups per family "
			"(default N/2)\n"
			"  --json        one JSON object instead of the table\n");
	exit(EXIT_FAILURE);
}

/* A count from the command line: decimal digits only, 1..max. */
static size_t
parse_count(const char *s, size_t max)
{
	unsigned long long v;
	char *end;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		usage();
	v = strtoull(s, &end, 10);
	if (*end != '\0' || v == 0 || v > max)
		usage();
	return (size_t)v;
}

int
main(int argc, char **argv)
{
	struct family_result fr[2];
	uint64_t rng = BENCH_SEED;
	size_t n = 1000000, nlook = 0;
	bool json = false;
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0)
			json = true;
		else if (strcmp(argv[i], "--lookups") == 0)
			nlook = parse_count(argv[++i], SIZE_MAX);
		else
			/* Indices are 32-bit, and the length mixes need room
			 * for that many distinct routes. */
			n = parse_count(argv[i], 8000000);
	}
	if (nlook == 0)
		nlook = n / 2 > 0 ? n / 2 : 1;
	if (nlook > n)
		usage(); /* exact lookups use distinct routes */

	run_family(AF_INET, n, nlook, &rng, &fr[0]);
	run_family(AF_INET6, n, nlook, &rng, &fr[1]);

	if (json) {
		print_json(fr, 2, n);
	} else {
		printf("radix_bench: %zu routes and %zu lookups per family, seed %#jx\n\n",
		       n, nlook, (uintmax_t)BENCH_SEED);
		print_table(fr, 2);
	}
	return EXIT_SUCCESS;
}
