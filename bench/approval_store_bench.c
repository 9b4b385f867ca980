/*
 * approval_store_bench: the approval store alone (approval/), no routed.
 *
 * In a fresh directory: approve N exact prefixes in one transaction (what
 * `bgp approval approve all-pending` commits), close, open again (the
 * load at start-up), then look up every prefix and as many that no rule
 * matches (what each received route costs). Prints one JSON object.
 *
 * Wall-clock times are noisy on a shared machine; for comparisons run it
 * under `valgrind --tool=callgrind` and compare instruction counts
 * (bench/README-approval.md).
 *
 * Prefixes are /32s in 198.18.0.0/15 (DESIGN.md's workload range).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void nth_prefix(size_t i, struct prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = AF_INET;
	p->len = 32;
	/* 198.18.0.0/15 holds 131,072 addresses. */
	uint32_t a = (198u << 24 | 18u << 16) + (uint32_t)(i % 131072);
	p->addr[0] = (uint8_t)(a >> 24);
	p->addr[1] = (uint8_t)(a >> 16);
	p->addr[2] = (uint8_t)(a >> 8);
	p->addr[3] = (uint8_t)a;
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	char dir[] = "/tmp/approval-bench.XXXXXX", err[256], path[128];
	struct prefix nbr = {.family = AF_INET, .len = 32, .addr = {192, 0, 2, 2}};

	if (n == 0 || n > 131072 || mkdtemp(dir) == NULL) {
		fprintf(stderr, "usage: approval_store_bench [N <= 131072]\n");
		return 2;
	}
	struct appr_item *items = calloc(n, sizeof(*items));
	if (items == NULL)
		return 1;
	for (size_t i = 0; i < n; i++)
		nth_prefix(i, &items[i].prefix);

	struct appr_db *db = appr_open(dir, err, sizeof(err));
	if (db == NULL) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t0 = now();
	if (appr_approve_many(db, items, n, "bench", "approve-all", err, sizeof(err)) != 0) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	double t_approve = now() - t0;
	appr_close(db);

	t0 = now();
	db = appr_open(dir, err, sizeof(err));
	double t_load = now() - t0;
	if (db == NULL || appr_rule_count(db) != n) {
		fprintf(stderr, "reload: %s\n", db == NULL ? err : "wrong count");
		return 1;
	}
	size_t approved = 0;
	t0 = now();
	for (size_t i = 0; i < n; i++) {
		struct prefix p = items[i].prefix, miss = p;
		approved += appr_lookup(db, &nbr, &p, NULL) == APPR_APPROVE;
		miss.len = 31; /* a /31 no exact rule matches */
		approved += appr_lookup(db, &nbr, &miss, NULL) == APPR_APPROVE;
	}
	double t_lookup = now() - t0;
	appr_close(db);
	printf("{\"rules\": %zu, \"approve_many_s\": %.4f, \"load_s\": %.4f, \"lookup_ns\": %.1f, \"approved\": %zu}\n",
	       n, t_approve, t_load, t_lookup * 1e9 / (double)(2 * n), approved);
	const char *files[] = {"approval.db", "approval.db-wal", "approval.db-shm"};
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		unlink(path);
	}
	rmdir(dir);
	free(items);
	return approved == n ? 0 : 1;
}
