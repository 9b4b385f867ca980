/*
 * esp_bench.c - the ESP engine's per-packet transforms on one core, with
 * intel-ipsec-mb and with OpenSSL EVP side by side in the same run.
 *
 * For each packet size (inner IP packet: 64, 512, 1400, 8900 bytes) and
 * each backend, a ring of RING packets is encapsulated (esp_encap, timed)
 * and then decapsulated (esp_decap, timed: replay check, ICV verification,
 * trailer checks, window update under the lock), round after round. The
 * backends take turns in REPS slices and the best slice of each counts,
 * which keeps a noisy neighbour from deciding the ratio. Both backends run
 * the very same ESP code; only the AES-GCM calls differ. Every
 * decapsulation must give back ESP_OK and the packet's length, or the
 * program stops with status 1.
 *
 * A third row, seal, times the AES-GCM call alone on the same bytes, so
 * that encap - seal shows what the ESP layer itself costs.
 *
 * Gbit/s counts inner packet bytes (what a tunnel carries), per core.
 * ratio = intel-ipsec-mb rate / OpenSSL rate.
 *
 * Then the replay window's lock (esp_replay.h): the cost of check + update
 * per packet on one thread, and on two threads receiving the same SA.
 *
 * Usage: esp_bench [--seconds S] [--key 128|256|both] [--esn] [--json]
 *   --seconds S  time per backend and size (default 1; in REPS slices)
 *   --key        AES key size (default both)
 *   --esn        extended sequence numbers (12-byte AAD)
 *   --json       one JSON object instead of the tables
 *
 * See docs/esp-engine.md.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <intel-ipsec-mb.h>
#include <openssl/crypto.h>

#include "esp_crypto.h"
#include "esp_packet.h"
#include "esp_replay.h"
#include "esp_sa.h"

#define RING   256
#define REPS   5
#define NSIZES 4
#define NBACK  2

static const size_t sizes[NSIZES] = {64, 512, 1400, 8900};
static const enum esp_crypto_backend backs[NBACK] = {ESP_CRYPTO_IPSECMB, ESP_CRYPTO_OPENSSL};

static void die(const char *msg)
{
	fprintf(stderr, "esp_bench: %s\n", msg);
	exit(EXIT_FAILURE);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct rate {
	double gbps, mpps;
	bool valid;
};

/* seal: the AES-GCM call alone, on what esp_encap() would encrypt (inner
 * packet, padding, trailer; 8-byte AAD), so encap - seal is the ESP layer. */
enum op { OP_SEAL, OP_ENCAP, OP_DECAP, NOPS };

static const char *const op_names[NOPS] = {"seal", "encap", "decap"};

struct result {
	struct rate r[NOPS][NBACK];
};

static struct esp_sa *make_sa(enum esp_dir dir, size_t key_len, bool esn)
{
	uint8_t km[36];
	struct esp_sa_config cfg = {
	    .dir = dir,
	    .spi = 0x1000,
	    .keymat = km,
	    .keymat_len = key_len + 4,
	    .esn = esn,
	};
	struct esp_sa *sa;

	for (size_t i = 0; i < sizeof(km); i++)
		km[i] = (uint8_t)(i * 13 + 1);
	sa = esp_sa_new(&cfg);
	if (sa == NULL)
		die("cannot create SA");
	return sa;
}

struct cell {
	struct esp_crypto_ctx *cc;
	struct esp_sa *out, *in;
	struct esp_crypto_key *key; /* for OP_SEAL */
};

static void keep_best(struct rate *best, uint64_t packets, double secs, size_t size)
{
	double mpps = (double)packets / secs / 1e6;

	if (!best->valid || mpps > best->mpps)
		*best = (struct rate){
		    .valid = true, .mpps = mpps, .gbps = mpps * (double)size * 8 / 1e3};
}

/*
 * Round after round over RING packets: seal each (timed), encapsulate each
 * (timed), decapsulate each (timed), until `seconds` of timed work have gone
 * by; keep the best rate of each op in r[op].
 */
static void slice(struct cell *c, size_t size, double seconds, uint8_t *mem, size_t slot,
                  struct rate r[NOPS])
{
	static const uint8_t aad[8] = {0, 0, 0x10, 0, 0, 0, 0, 1};
	size_t ct_len = (size + 2 + 3) & ~(size_t)3; /* inner + padding + trailer */
	uint8_t nonce[ESP_GCM_NONCE_LEN] = {0}, tag[ESP_GCM_MAX_TAG];
	double t[NOPS] = {0};
	struct esp_buf b[RING];
	uint64_t packets = 0;

	while (t[OP_SEAL] + t[OP_ENCAP] + t[OP_DECAP] < seconds) {
		double t0 = now();

		for (size_t i = 0; i < RING; i++) {
			nonce[11] = (uint8_t)i;
			if (esp_crypto_seal(c->cc, c->key, nonce, aad, sizeof(aad),
			                    mem + i * slot + ESP_OUTER_MAX + ESP_HEADROOM, ct_len,
			                    tag, sizeof(tag)) != 0)
				die("seal failed");
		}
		double t1 = now();
		for (size_t i = 0; i < RING; i++) {
			esp_buf_init(&b[i], mem + i * slot, slot, ESP_OUTER_MAX + ESP_HEADROOM,
			             size);
			if (esp_encap(c->out, c->cc, &b[i], ESP_NH_IPV4) != ESP_OK)
				die("encapsulation failed");
		}
		double t2 = now();
		for (size_t i = 0; i < RING; i++) {
			if (esp_decap(c->in, c->cc, &b[i], NULL) != ESP_OK || b[i].len != size)
				die("decapsulation failed");
		}
		double t3 = now();
		t[OP_SEAL] += t1 - t0;
		t[OP_ENCAP] += t2 - t1;
		t[OP_DECAP] += t3 - t2;
		packets += RING;
	}
	for (int op = 0; op < NOPS; op++)
		keep_best(&r[op], packets, t[op], size);
}

/*
 * One size: the backends take turns, REPS short slices each, so that both
 * see the same machine (a neighbour's load, frequency changes) and the
 * ratio compares like with like; the best slice of each is reported.
 */
static void measure(size_t key_len, bool esn, size_t size, double seconds, uint8_t *mem,
                    size_t slot, struct result *res)
{
	struct cell cells[NBACK] = {{0}};
	uint8_t key[32];
	struct rate per[NBACK][NOPS];

	memset(per, 0, sizeof(per));
	memset(key, 0x5a, sizeof(key));
	for (int k = 0; k < NBACK; k++) {
		if (!esp_crypto_available(backs[k]))
			continue;
		cells[k].cc = esp_crypto_ctx_new(backs[k]);
		cells[k].out = make_sa(ESP_DIR_OUT, key_len, esn);
		cells[k].in = make_sa(ESP_DIR_IN, key_len, esn);
		cells[k].key = esp_crypto_key_new(key, key_len);
		if (cells[k].cc == NULL || cells[k].key == NULL)
			die("cannot create a crypto context");
		/* Warm up: page faults, caches, the OpenSSL per-key contexts. */
		struct rate junk[NOPS] = {{0}};
		slice(&cells[k], size, 0.02, mem, slot, junk);
	}
	for (int rep = 0; rep < REPS; rep++) {
		for (int k = 0; k < NBACK; k++) {
			if (cells[k].cc != NULL)
				slice(&cells[k], size, seconds / REPS, mem, slot, per[k]);
		}
	}
	for (int k = 0; k < NBACK; k++) {
		for (int op = 0; op < NOPS; op++)
			res->r[op][k] = per[k][op];
		esp_sa_free(cells[k].out);
		esp_sa_free(cells[k].in);
		esp_crypto_key_free(cells[k].key);
		esp_crypto_ctx_free(cells[k].cc);
	}
}

/* ---- replay window lock ------------------------------------------------- */

struct lock_arg {
	struct esp_replay *w;
	_Atomic uint64_t *next;
	uint64_t limit;
	uint64_t done;
};

/* Each "packet" takes the next sequence number, as workers sharing an SA
 * take the next packet from the NIC queue; check, then commit. */
static void *lock_worker(void *p)
{
	struct lock_arg *a = p;
	uint64_t seq;

	for (;;) {
		uint64_t s = atomic_fetch_add_explicit(a->next, 1, memory_order_relaxed);

		if (s > a->limit)
			break;
		if (esp_replay_check(a->w, (uint32_t)s, &seq) == ESP_REPLAY_OK)
			esp_replay_update(a->w, seq);
		a->done++;
	}
	return NULL;
}

/* ns per packet over all threads together. */
static double measure_lock(int threads, uint64_t count)
{
	struct esp_replay w;
	_Atomic uint64_t next = 1;
	struct lock_arg args[2];
	pthread_t th[2];
	double t0, t1;

	if (esp_replay_init(&w, 0, true) != 0)
		die("replay window");
	t0 = now();
	for (int i = 0; i < threads; i++) {
		args[i] = (struct lock_arg){.w = &w, .next = &next, .limit = count};
		if (pthread_create(&th[i], NULL, lock_worker, &args[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	t1 = now();
	esp_replay_fini(&w);
	return (t1 - t0) * 1e9 / (double)count;
}

/* The same loop with the fetch-and-add alone: what two threads pay just
 * for sharing one counter's cache line, the floor under any shared
 * window, locked or lock-free. */
static void *faa_worker(void *p)
{
	struct lock_arg *a = p;

	while (atomic_fetch_add_explicit(a->next, 1, memory_order_relaxed) <= a->limit)
		a->done++;
	return NULL;
}

static double measure_faa(int threads, uint64_t count)
{
	_Atomic uint64_t next = 1;
	struct lock_arg args[2];
	pthread_t th[2];
	double t0 = now();

	for (int i = 0; i < threads; i++) {
		args[i] = (struct lock_arg){.next = &next, .limit = count};
		if (pthread_create(&th[i], NULL, faa_worker, &args[i]) != 0)
			die("pthread_create");
	}
	for (int i = 0; i < threads; i++)
		pthread_join(th[i], NULL);
	return (now() - t0) * 1e9 / (double)count;
}

/* ---- output -------------------------------------------------------------- */

static double ratio(const struct rate *r)
{
	return r[1].gbps > 0 ? r[0].gbps / r[1].gbps : 0;
}

static void print_table(size_t key_len, bool esn, const struct result *res)
{
	printf("\nAES-%zu-GCM, ICV 16, %s; Gbit/s of inner packets per core, Mpps\n", key_len * 8,
	       esn ? "ESN" : "no ESN");
	printf("%6s %-6s %12s %8s %12s %8s %8s\n", "size", "op", "ipsec-mb", "Mpps", "openssl",
	       "Mpps", "ratio");
	for (size_t s = 0; s < NSIZES; s++) {
		for (int op = 0; op < NOPS; op++) {
			const struct rate *r = res[s].r[op];

			printf("%6zu %-6s", sizes[s], op_names[op]);
			for (int k = 0; k < NBACK; k++) {
				if (r[k].valid)
					printf(" %12.2f %8.3f", r[k].gbps, r[k].mpps);
				else
					printf(" %12s %8s", "n/a", "n/a");
			}
			if (r[0].valid && r[1].valid)
				printf(" %8.2f\n", ratio(r));
			else
				printf(" %8s\n", "n/a");
		}
	}
}

static void print_rate_json(const char *name, const struct rate *r, bool comma)
{
	printf("\"%s\": {", name);
	for (int k = 0; k < NBACK; k++) {
		if (r[k].valid)
			printf("\"%s\": {\"gbps\": %.3f, \"mpps\": %.4f}, ",
			       k == 0 ? "ipsecmb" : "openssl", r[k].gbps, r[k].mpps);
		else
			printf("\"%s\": null, ", k == 0 ? "ipsecmb" : "openssl");
	}
	if (r[0].valid && r[1].valid)
		printf("\"ratio\": %.3f}%s", ratio(r), comma ? ", " : "");
	else
		printf("\"ratio\": null}%s", comma ? ", " : "");
}

static void usage(void)
{
	fprintf(stderr, "usage: esp_bench [--seconds S] [--key 128|256|both] [--esn] [--json]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	double seconds = 1.0;
	bool json = false, esn = false;
	size_t keys[2] = {16, 32}, nkeys = 2;
	struct result res[2][NSIZES];
	size_t slot = ESP_OUTER_MAX + ESP_HEADROOM + 8900 + ESP_TAILROOM_MAX;
	uint8_t *mem;
	double lock1, lock2, faa1, faa2;
	const uint64_t lock_count = 20000000;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--json") == 0) {
			json = true;
		} else if (strcmp(argv[i], "--esn") == 0) {
			esn = true;
		} else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc) {
			seconds = strtod(argv[++i], NULL);
			if (!(seconds > 0 && seconds <= 60))
				usage();
		} else if (strcmp(argv[i], "--key") == 0 && i + 1 < argc) {
			const char *k = argv[++i];

			if (strcmp(k, "128") == 0) {
				keys[0] = 16;
				nkeys = 1;
			} else if (strcmp(k, "256") == 0) {
				keys[0] = 32;
				nkeys = 1;
			} else if (strcmp(k, "both") != 0) {
				usage();
			}
		} else {
			usage();
		}
	}
	if (esp_crypto_init() != 0)
		die("no AES-GCM backend works on this machine");
	slot = (slot + 63) & ~(size_t)63;
	mem = aligned_alloc(64, slot * RING);
	if (mem == NULL)
		die("out of memory");

	for (size_t k = 0; k < nkeys; k++) {
		for (size_t s = 0; s < NSIZES; s++) {
			measure(keys[k], esn, sizes[s], seconds, mem, slot, &res[k][s]);
		}
	}
	lock1 = measure_lock(1, lock_count);
	lock2 = measure_lock(2, lock_count);
	faa1 = measure_faa(1, lock_count);
	faa2 = measure_faa(2, lock_count);

	if (json) {
		printf("{\"ipsecmb_version\": \"%s\", \"ipsecmb_arch\": \"%s\", "
		       "\"openssl_version\": \"%s\", "
		       "\"esn\": %s, \"seconds\": %.3f, \"results\": [",
		       imb_get_version_str(), esp_crypto_ipsecmb_arch(),
		       OpenSSL_version(OPENSSL_VERSION), esn ? "true" : "false", seconds);
		for (size_t k = 0; k < nkeys; k++) {
			for (size_t s = 0; s < NSIZES; s++) {
				printf("%s{\"key_bits\": %zu, \"size\": %zu, ",
				       k + s == 0 ? "" : ", ", keys[k] * 8, sizes[s]);
				for (int op = 0; op < NOPS; op++)
					print_rate_json(op_names[op], res[k][s].r[op],
					                op + 1 < NOPS);
				printf("}");
			}
		}
		printf("], \"replay_ns_per_packet\": {\"threads_1\": %.2f, \"threads_2\": %.2f, "
		       "\"faa_only_threads_1\": %.2f, \"faa_only_threads_2\": %.2f}}\n",
		       lock1, lock2, faa1, faa2);
	} else {
		printf("esp_bench: intel-ipsec-mb %s (%s) vs %s, one core, best of %d slices of "
		       "%.2f s\n",
		       imb_get_version_str(), esp_crypto_ipsecmb_arch(),
		       OpenSSL_version(OPENSSL_VERSION), REPS, seconds / REPS);
		for (size_t k = 0; k < nkeys; k++)
			print_table(keys[k], esn, res[k]);
		printf("\nreplay window, check + locked update, ns per packet (all threads "
		       "together)\n");
		printf("  1 thread %.2f, 2 threads on one SA %.2f\n", lock1, lock2);
		printf("  shared fetch-and-add alone: 1 thread %.2f, 2 threads %.2f\n", faa1, faa2);
	}
	free(mem);
	return 0;
}
