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
#include <sys/socket.h>

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

/* Encrypt one small IPv4-looking packet with out, decrypt it with in. */
static enum esp_result through(struct esp_sa *out, struct esp_sa *in, struct esp_crypto_ctx *cc)
{
	uint8_t mem[200] = {0};
	struct esp_buf b;
	uint8_t nh;

	esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, 60);
	b.data[0] = 0x45;
	if (esp_encap(out, cc, &b, ESP_NH_IPV4) != ESP_OK)
		return ESP_NO_ROOM;
	return esp_decap(in, cc, &b, &nh);
}

static uint64_t seq_of(struct esp_sa *sa)
{
	struct esp_sa_stats st;

	esp_sa_stats(sa, &st);
	return st.seq;
}

/* add_sa with `update` on an SA that exists (same SPI and destination),
 * with a new key: a new SA replaces it, so its sequence numbers, replay
 * window and counters start again. The new key is what makes restarting
 * the sequence numbers safe: the GCM nonce is salt || sequence number
 * (RFC 4106 section 3.1), so under one key it must never repeat. */
START_TEST(test_same_spi_new_key_starts_afresh)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct ipsec_sadb *db = ipsec_sadb_new(NULL, NULL);
	struct esp_crypto_ctx *cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
	uint8_t key2[sizeof(KEYMAT)];
	struct ipsec_sa_id out = id_of(A, B, 0x1001), in = id_of(B, A, 0x1001);
	struct ipsec_add_sa add = {.reqid = 1, .keymat = KEYMAT, .keymat_len = sizeof(KEYMAT)};

	for (size_t i = 0; i < sizeof(key2); i++)
		key2[i] = (uint8_t)(KEYMAT[i] ^ 0x5a);
	ck_assert_int_eq(ops->add_sa(db, &out, &add), 0);
	add.reqid = 2;
	add.inbound = true;
	ck_assert_int_eq(ops->add_sa(db, &in, &add), 0);
	for (int i = 0; i < 10; i++) {
		const struct ipsec_sa_snap *snap = ipsec_sadb_snap(db);
		ck_assert_int_eq(through(snap->out[1]->sa, ipsec_snap_lookup_in(snap, 0x1001)->sa, cc), ESP_OK);
	}
	ck_assert_uint_eq(seq_of(ipsec_snap_lookup_in(ipsec_sadb_snap(db), 0x1001)->sa), 10);

	/* The receiver takes the new key first: what the old outbound SA
	 * still sends fails the ICV. */
	add.keymat = key2;
	add.update = true;
	ck_assert_int_eq(ops->add_sa(db, &in, &add), 0);
	struct ipsec_sa_entry *e = ipsec_snap_lookup_in(ipsec_sadb_snap(db), 0x1001);
	ck_assert_uint_eq(seq_of(e->sa), 0);
	ck_assert_int_eq(through(ipsec_sadb_snap(db)->out[1]->sa, e->sa, cc), ESP_AUTH_FAIL);
	/* Then the sender: it starts at 1, and the new window takes it (the
	 * old one had seen 1 to 10 and would call it a replay). */
	add.reqid = 1;
	add.inbound = false;
	ck_assert_int_eq(ops->add_sa(db, &out, &add), 0);
	struct esp_sa *o = ipsec_sadb_snap(db)->out[1]->sa;
	ck_assert_uint_eq(seq_of(o), 0);
	ck_assert_int_eq(through(o, e->sa, cc), ESP_OK);
	ck_assert_uint_eq(seq_of(o), 1);
	struct ipsec_sa_usage u;
	ck_assert_int_eq(ops->query_sa(db, &in, &u), 0);
	ck_assert_uint_eq(u.packets, 1);
	ck_assert_int_eq(ops->query_sa(db, &out, &u), 0);
	ck_assert_uint_eq(u.packets, 1);
	esp_crypto_ctx_free(cc);
	ipsec_sadb_free(db);
}
END_TEST

/* IPv6 ids: the family is part of the destination, so an IPv4 address
 * equal to the first four octets of an IPv6 one is another SA. */
START_TEST(test_ipv6_ids)
{
	const struct ipsec_sa_ops *ops = &ipsec_sa_engine_ops;
	struct ipsec_sadb *db = ipsec_sadb_new(NULL, NULL);
	struct ipsec_sa_id v6 = {.family = AF_INET6, .spi = 0x1001}, v4 = {.spi = 0x1001};
	struct ipsec_add_sa add = {.reqid = 1, .keymat = KEYMAT, .keymat_len = sizeof(KEYMAT)};
	struct ipsec_sa_usage u;

	v6.src[0] = v6.dst[0] = 0x20;
	v6.src[1] = v6.dst[1] = 0x01;
	v6.src[15] = 1;
	v6.dst[15] = 2;
	memcpy(v4.dst, v6.dst, 4);
	ck_assert_int_eq(ops->add_sa(db, &v6, &add), 0);
	ck_assert_int_eq(ops->query_sa(db, &v6, &u), 0);
	ck_assert_int_eq(ops->query_sa(db, &v4, &u), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_int_eq(ipsec_sadb_snap(db)->out[1]->id.family, AF_INET6);
	/* MOBIKE to IPv4 and back: update_sa takes the new family. */
	struct ipsec_update_sa up = {.new_family = AF_INET};
	memcpy(up.new_src, A, 4);
	memcpy(up.new_dst, B, 4);
	ck_assert_int_eq(ops->update_sa(db, &v6, &up), 0);
	struct ipsec_sa_id moved = id_of(A, B, 0x1001);
	ck_assert_int_eq(ops->query_sa(db, &moved, &u), 0);
	ck_assert_int_eq(ops->query_sa(db, &v6, &u), -1);
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
	tcase_add_test(tc, test_same_spi_new_key_starts_afresh);
	tcase_add_test(tc, test_ipv6_ids);
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
