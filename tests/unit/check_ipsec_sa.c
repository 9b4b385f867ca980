/*
 * check_ipsec_sa.c - the SA database behind skygate-tunneld's
 * kernel_ipsec_t-shaped API: get_spi, add_sa, update_sa, query_sa,
 * del_sa, the packet path's snapshot, and expiry notices.
 */
#include <check.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <string.h>

#include "esp_packet.h"
#include "ipsec_sa.h"
#include "unit.h"

static const uint8_t A[4] = {192, 0, 2, 1}, B[4] = {192, 0, 2, 2};

struct expiry {
	unsigned soft, hard;
	uint32_t last_spi, last_reqid;
	bool last_inbound;
};

static void on_expire(void *arg, uint32_t reqid, uint32_t spi, bool inbound, bool hard)
{
	struct expiry *e = arg;

	if (hard)
		e->hard++;
	else
		e->soft++;
	e->last_spi = spi;
	e->last_reqid = reqid;
	e->last_inbound = inbound;
}

static struct ipsec_sa_id id_of(const uint8_t *src, const uint8_t *dst, uint32_t spi)
{
	struct ipsec_sa_id id = {.spi = spi};

	memcpy(id.src, src, 4);
	memcpy(id.dst, dst, 4);
	return id;
}

static const uint8_t KEYMAT[20] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 0xa, 0xb, 0xc, 0xd};

START_TEST(test_add_query_delete)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct expiry ex = {0};
	struct ipsec_sadb *db = ipsec_sadb_new(on_expire, &ex);
	uint32_t spi;

	ck_assert_ptr_nonnull(db);
	/* get_spi: an unused SPI >= 256, never the same twice. */
	ck_assert_int_eq(ops->get_spi(db, B, A, &spi), 0);
	ck_assert_uint_ge(spi, 256);
	uint32_t spi2;
	ck_assert_int_eq(ops->get_spi(db, B, A, &spi2), 0);
	ck_assert_uint_ne(spi, spi2);

	struct ipsec_sa_id in = id_of(B, A, spi), out = id_of(A, B, 0x1001);
	struct ipsec_add_sa add = {.reqid = 3, .inbound = true, .keymat = KEYMAT, .keymat_len = sizeof(KEYMAT),
	                           .encap = true};
	ck_assert_int_eq(ops->add_sa(db, &in, &add), 0);
	/* Twice without `update`: EEXIST. */
	ck_assert_int_eq(ops->add_sa(db, &in, &add), -1);
	ck_assert_int_eq(errno, EEXIST);
	add.inbound = false;
	add.encap = false;
	ck_assert_int_eq(ops->add_sa(db, &out, &add), 0);

	/* The packet path sees both. */
	const struct ipsec_sa_snap *s = ipsec_sadb_snap(db);
	struct ipsec_sa_entry *e = ipsec_snap_lookup_in(s, spi);
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->reqid, 3);
	ck_assert(e->encap);
	ck_assert_ptr_null(ipsec_snap_lookup_in(s, 0x1001)); /* outbound is not looked up by SPI */
	ck_assert_ptr_nonnull(s->out[3]);
	ck_assert_uint_eq(s->out[3]->id.spi, 0x1001);

	/* Traffic through the outbound SA shows in query_sa. */
	struct esp_crypto_ctx *cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
	uint8_t mem[200] = {0};
	struct esp_buf b;
	esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, 60);
	b.data[0] = 0x45;
	ck_assert_int_eq(esp_encap(s->out[3]->sa, cc, &b, ESP_NH_IPV4), ESP_OK);
	ipsec_sa_entry_used(s->out[3], 1700000000);
	struct ipsec_sa_usage u;
	ck_assert_int_eq(ops->query_sa(db, &out, &u), 0);
	ck_assert_uint_eq(u.packets, 1);
	ck_assert_uint_eq(u.bytes, 60);
	ck_assert_int_eq((long)u.last_use, 1700000000L);

	/* update_sa moves the SA to new addresses and ports. */
	struct ipsec_update_sa up = {.encap = true, .encap_dport = 4501};
	memcpy(up.new_src, A, 4);
	memcpy(up.new_dst, B, 4);
	ck_assert_int_eq(ops->update_sa(db, &out, &up), 0);
	ck_assert(ipsec_sadb_snap(db)->out[3]->encap);
	ck_assert_uint_eq(ipsec_sadb_snap(db)->out[3]->encap_dport, 4501);
	/* The same SA underneath: its counters and last use carry on. */
	ck_assert_int_eq(ops->query_sa(db, &out, &u), 0);
	ck_assert_uint_eq(u.packets, 1);
	ck_assert_int_eq((long)u.last_use, 1700000000L);
	struct ipsec_update_sa missing = up;
	struct ipsec_sa_id nobody = id_of(A, B, 0x9999);
	ck_assert_int_eq(ops->update_sa(db, &nobody, &missing), -1);
	ck_assert_int_eq(errno, ENOENT);

	/* del_sa: gone from the snapshot and from queries; the SPI is free
	 * again. */
	ck_assert_int_eq(ops->del_sa(db, &in), 0);
	ck_assert_ptr_null(ipsec_snap_lookup_in(ipsec_sadb_snap(db), spi));
	ck_assert_int_eq(ops->query_sa(db, &in, &u), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(ops->del_sa(db, &in), -1);
	ck_assert_int_eq(errno, ENOENT);
	/* Bad reqid, bad key. */
	add.reqid = IPSEC_MAX_REQID;
	ck_assert_int_eq(ops->add_sa(db, &in, &add), -1);
	ck_assert_int_eq(errno, EINVAL);
	add.reqid = 1;
	add.keymat_len = 7;
	ck_assert_int_eq(ops->add_sa(db, &in, &add), -1);
	ck_assert_int_eq(errno, EINVAL);
	esp_crypto_ctx_free(cc);
	ipsec_sadb_free(db);
}
END_TEST

/* With several outbound SAs for one tunnel (a rekey), the newest carries
 * the traffic; deleting it falls back to the older one. */
START_TEST(test_newest_outbound_wins)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct ipsec_sadb *db = ipsec_sadb_new(NULL, NULL);
	struct ipsec_add_sa add = {.reqid = 0, .cipher = ESP_CIPHER_NULL};
	struct ipsec_sa_id old = id_of(A, B, 0x500), new = id_of(A, B, 0x600);

	ck_assert_int_eq(ops->add_sa(db, &old, &add), 0);
	ck_assert_int_eq(ops->add_sa(db, &new, &add), 0);
	ck_assert_uint_eq(ipsec_sadb_snap(db)->out[0]->id.spi, 0x600);
	ck_assert_int_eq(ops->del_sa(db, &new), 0);
	ck_assert_uint_eq(ipsec_sadb_snap(db)->out[0]->id.spi, 0x500);
	ipsec_sadb_free(db);
}
END_TEST

/* Soft and hard limits fire on the thread that crosses them, and reach
 * the main thread through the event descriptor. */
START_TEST(test_expiry_events)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct expiry ex = {0};
	struct ipsec_sadb *db = ipsec_sadb_new(on_expire, &ex);
	struct ipsec_add_sa add = {.reqid = 7, .cipher = ESP_CIPHER_NULL,
	                           .life = {.soft_packets = 2, .hard_packets = 4}};
	struct ipsec_sa_id out = id_of(A, B, 0x700);

	ck_assert_int_eq(ops->add_sa(db, &out, &add), 0);
	/* Moved before it expires: the notices still name it. */
	struct ipsec_update_sa up = {.encap = true};
	memcpy(up.new_src, A, 4);
	memcpy(up.new_dst, B, 4);
	ck_assert_int_eq(ops->update_sa(db, &out, &up), 0);
	struct esp_sa *sa = ipsec_sadb_snap(db)->out[7]->sa;
	enum esp_result r[5];
	for (int i = 0; i < 5; i++) {
		uint8_t mem[200] = {0};
		struct esp_buf b;
		esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, 40);
		b.data[0] = 0x45;
		r[i] = esp_encap(sa, NULL, &b, ESP_NH_IPV4);
	}
	ck_assert_int_eq(r[3], ESP_OK);
	ck_assert_int_eq(r[4], ESP_SA_EXPIRED);
	/* Nothing is delivered until the main thread asks. */
	ck_assert_uint_eq(ex.soft + ex.hard, 0);
	struct pollfd pfd = {.fd = ipsec_sadb_event_fd(db), .events = POLLIN};
	ck_assert_int_eq(poll(&pfd, 1, 1000), 1);
	ipsec_sadb_run_events(db);
	ck_assert_uint_eq(ex.soft, 1);
	ck_assert_uint_eq(ex.hard, 1);
	ck_assert_uint_eq(ex.last_spi, 0x700);
	ck_assert_uint_eq(ex.last_reqid, 7);
	ck_assert(!ex.last_inbound);
	ipsec_sadb_free(db);
}
END_TEST

/* A change waits for every worker's quiescent point before it frees what
 * the old snapshot pointed at. */
struct quiescer {
	struct ipsec_sadb *db;
	atomic_bool stop;
	atomic_uint passes;
};

static void *quiesce_loop(void *arg)
{
	struct quiescer *q = arg;

	while (!atomic_load(&q->stop)) {
		const struct ipsec_sa_snap *s = ipsec_sadb_snap(q->db);
		/* Use the snapshot as a worker would. */
		if (s->nin > 0 && s->in[0]->sa == NULL)
			abort();
		ipsec_sadb_quiescent(q->db, 0);
		atomic_fetch_add(&q->passes, 1);
	}
	return NULL;
}

START_TEST(test_grace_period_with_worker)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct quiescer q = {.db = ipsec_sadb_new(NULL, NULL)};
	pthread_t th;

	ipsec_sadb_set_workers(q.db, 1);
	ck_assert_int_eq(pthread_create(&th, NULL, quiesce_loop, &q), 0);
	for (uint32_t i = 0; i < 200; i++) {
		struct ipsec_sa_id id = id_of(B, A, 0x1000 + i);
		struct ipsec_add_sa add = {.reqid = 1, .inbound = true, .cipher = ESP_CIPHER_NULL};
		ck_assert_int_eq(ops->add_sa(q.db, &id, &add), 0);
		ck_assert_int_eq(ops->del_sa(q.db, &id), 0);
	}
	atomic_store(&q.stop, true);
	pthread_join(th, NULL);
	ck_assert_uint_gt(atomic_load(&q.passes), 0);
	ipsec_sadb_set_workers(q.db, 0);
	ipsec_sadb_free(q.db);
}
END_TEST

static Suite *ipsec_sa_suite(void)
{
	Suite *s = suite_create("ipsec_sa");
	TCase *tc = tcase_create("api");

	tcase_add_test(tc, test_add_query_delete);
	tcase_add_test(tc, test_newest_outbound_wins);
	tcase_add_test(tc, test_expiry_events);
	tcase_add_test(tc, test_grace_period_with_worker);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ipsec_sa_suite());
}
