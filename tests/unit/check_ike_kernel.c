/*
 * check_ike_kernel.c - tunneld's ESP engine as strongSwan's kernel_ipsec_t
 * (vpn/ike/ike_kernel.h), called the way charon's child_sa.c calls it:
 * get_spi for the inbound SA, add_sa inbound (update: the SPI came from
 * get_spi) and outbound, add_policy, query_sa, update_sa (the peer
 * moved), a rekey (new SAs before the old ones go), del_sa, destroy.
 * Each step checks what the engine's SA database then holds.
 *
 * Built as gnu11 with strongSwan's headers (docs/strongswan-headers.md);
 * libstrongswan is initialised for host_t and chunk_t, charon is not, so
 * expiry notices are only matched, not delivered.
 */
/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header */
#include <library.h>

#include <check.h>
#include <netinet/in.h>
#include <string.h>

#include "esp_packet.h"
#include "ike_kernel.h"
#include "ipsec_sa.h"
#include "unit.h"

/* Underlay (ours, the peer's) and the tunnel the SAs belong to. */
#define US   "192.0.2.1"
#define PEER "192.0.2.2"
#define TUNNEL_INDEX 5

static const uint8_t US_V4[4] = {192, 0, 2, 1}, PEER_V4[4] = {192, 0, 2, 2};

/* AES-256-GCM key material as charon's keymat derives it: key || salt. */
static uint8_t KEY_OUT[36], KEY_IN[36];

struct fixture {
	struct ipsec_sadb *db;
	kernel_ipsec_t *k;
};

static struct fixture f;

static void setup(void)
{
	ck_assert(library_init(NULL, "skygate-check") == TRUE);
	for (size_t i = 0; i < sizeof(KEY_OUT); i++) {
		KEY_OUT[i] = (uint8_t)i;
		KEY_IN[i] = (uint8_t)(0xff - i);
	}
	f.db = ipsec_sadb_new(NULL, NULL);
	ck_assert_ptr_nonnull(f.db);
	ike_kernel_bind(f.db, &ipsec_sa_engine_ops);
	f.k = ike_kernel_ipsec_create();
	ck_assert_ptr_nonnull(f.k);
	ck_assert(ike_kernel_active());
}

static void teardown(void)
{
	if (f.k != NULL)
		f.k->destroy(f.k);
	f.k = NULL;
	ike_kernel_bind(NULL, NULL);
	ipsec_sadb_free(f.db);
	library_deinit();
}

static host_t *host(const char *addr, uint16_t port)
{
	host_t *h = host_create_from_string((char *)addr, port);

	ck_assert_ptr_nonnull(h);
	return h;
}

static size_t sa_count(void)
{
	size_t n = 0;
	const struct ipsec_sa_snap *s = ipsec_sadb_snap(f.db);

	n += s->nin;
	for (size_t i = 0; i < IPSEC_MAX_REQID; i++)
		n += s->out[i] != NULL;
	return n;
}

/* One SA as child_sa.c's install() describes it. */
struct sa_call {
	host_t *src, *dst;
	uint32_t spi; /* network order, as charon keeps SPIs */
	bool inbound, update, encap;
	uint16_t enc_alg, int_alg;
	chunk_t key;
	uint32_t if_id;
	ipsec_mode_t mode;
};

static status_t add(const struct sa_call *c)
{
	lifetime_cfg_t life = {.bytes = {.life = 2000000, .rekey = 1000000}};
	kernel_ipsec_sa_id_t id = {
	    .src = c->src, .dst = c->dst, .spi = c->spi, .proto = IPPROTO_ESP, .if_id = c->if_id};
	kernel_ipsec_add_sa_t data = {
	    .reqid = 1,
	    .mode = c->mode,
	    .lifetime = &life,
	    .enc_alg = c->enc_alg,
	    .enc_key = c->key,
	    .int_alg = c->int_alg,
	    .replay_window = 64,
	    .encap = c->encap,
	    .inbound = c->inbound,
	    .update = c->update,
	    .initiator = TRUE,
	};
	return f.k->add_sa(f.k, &id, &data);
}

static struct sa_call gcm(host_t *src, host_t *dst, uint32_t spi, bool inbound)
{
	return (struct sa_call){
	    .src = src,
	    .dst = dst,
	    .spi = spi,
	    .inbound = inbound,
	    .update = inbound,
	    .encap = true,
	    .enc_alg = ENCR_AES_GCM_ICV16,
	    .int_alg = AUTH_UNDEFINED,
	    .key = chunk_create(inbound ? KEY_IN : KEY_OUT, 36),
	    .if_id = ike_kernel_index_to_if_id(TUNNEL_INDEX),
	    .mode = MODE_TUNNEL,
	};
}

static status_t query(host_t *src, host_t *dst, uint32_t spi, uint64_t *bytes, uint64_t *packets, time_t *t)
{
	kernel_ipsec_sa_id_t id = {.src = src, .dst = dst, .spi = spi, .proto = IPPROTO_ESP};
	kernel_ipsec_query_sa_t q = {0};

	return f.k->query_sa(f.k, &id, &q, bytes, packets, t);
}

static status_t del(host_t *src, host_t *dst, uint32_t spi)
{
	kernel_ipsec_sa_id_t id = {.src = src, .dst = dst, .spi = spi, .proto = IPPROTO_ESP};
	kernel_ipsec_del_sa_t d = {0};

	return f.k->del_sa(f.k, &id, &d);
}

START_TEST(test_child_sa_lifecycle)
{
	host_t *us = host(US, 4500), *peer = host(PEER, 4500);
	uint32_t spi_in, spi_out = htonl(0xc1000001);

	/* get_spi: network byte order, outside RFC 4303's reserved 1-255. */
	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_ESP, &spi_in), SUCCESS);
	ck_assert_uint_ge(ntohl(spi_in), 256);
	uint32_t other;
	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_ESP, &other), SUCCESS);
	ck_assert_uint_ne(other, spi_in);

	struct sa_call in = gcm(peer, us, spi_in, true), out = gcm(us, peer, spi_out, false);
	ck_assert_int_eq(add(&in), SUCCESS);
	ck_assert_int_eq(add(&out), SUCCESS);

	/* The packet path sees the inbound SA by its SPI (host order) and
	 * the outbound one as the tunnel's, both UDP-encapsulated on the
	 * IKE SA's ports. */
	const struct ipsec_sa_snap *s = ipsec_sadb_snap(f.db);
	struct ipsec_sa_entry *e = ipsec_snap_lookup_in(s, ntohl(spi_in));
	ck_assert_ptr_nonnull(e);
	ck_assert_uint_eq(e->reqid, TUNNEL_INDEX);
	ck_assert(e->inbound);
	ck_assert(e->encap);
	ck_assert_mem_eq(e->id.dst, US_V4, 4);
	ck_assert_mem_eq(e->id.src, PEER_V4, 4);
	struct ipsec_sa_entry *o = s->out[TUNNEL_INDEX];
	ck_assert_ptr_nonnull(o);
	ck_assert_uint_eq(o->id.spi, 0xc1000001);
	ck_assert_uint_eq(o->encap_sport, 4500);
	ck_assert_uint_eq(o->encap_dport, 4500);
	ck_assert_mem_eq(o->id.dst, PEER_V4, 4);

	/* Policies are accepted (the TUN device is the selector). */
	traffic_selector_t *any4 = traffic_selector_create_from_cidr("0.0.0.0/0", 0, 0, 65535);
	ck_assert_ptr_nonnull(any4);
	kernel_ipsec_policy_id_t pid = {.dir = POLICY_OUT, .src_ts = any4, .dst_ts = any4};
	ipsec_sa_cfg_t sacfg = {.mode = MODE_TUNNEL, .reqid = 1, .esp = {.use = TRUE, .spi = spi_out}};
	kernel_ipsec_manage_policy_t pol = {.type = POLICY_IPSEC, .prio = POLICY_PRIORITY_DEFAULT,
	                                    .src = us, .dst = peer, .sa = &sacfg};
	ck_assert_int_eq(f.k->add_policy(f.k, &pid, &pol), SUCCESS);
	ck_assert_int_eq(f.k->del_policy(f.k, &pid, &pol), SUCCESS);
	any4->destroy(any4);

	/* query_sa: the engine's counters, after one packet. */
	struct esp_crypto_ctx *cc = esp_crypto_ctx_new(ESP_CRYPTO_AUTO);
	ck_assert_ptr_nonnull(cc);
	uint8_t mem[256] = {0};
	struct esp_buf b;
	esp_buf_init(&b, mem, sizeof(mem), ESP_HEADROOM, 84);
	b.data[0] = 0x45;
	ck_assert_int_eq(esp_encap(o->sa, cc, &b, ESP_NH_IPV4), ESP_OK);
	/* Used 5 s ago by the wall clock, as the workers note it. */
	ipsec_sa_entry_used(o, (int64_t)time(NULL) - 5);
	esp_crypto_ctx_free(cc);
	uint64_t bytes = 99, packets = 99;
	time_t used = 0;
	ck_assert_int_eq(query(us, peer, spi_out, &bytes, &packets, &used), SUCCESS);
	ck_assert_uint_eq(packets, 1);
	ck_assert_uint_eq(bytes, 84);
	/* charon wants it on its monotonic clock. */
	time_t mono = time_monotonic(NULL);
	ck_assert_int_ge((long)used, (long)mono - 7);
	ck_assert_int_le((long)used, (long)mono - 4);
	ck_assert_int_eq(query(peer, us, spi_in, &bytes, &packets, &used), SUCCESS);
	ck_assert_uint_eq(packets, 0);
	ck_assert_int_eq((long)used, 0L); /* never used */
	ck_assert_int_eq(query(us, peer, htonl(0xdead), &bytes, &packets, NULL), NOT_FOUND);

	/* update_sa: the peer's NAT mapping moved to another port. */
	host_t *peer2 = host(PEER, 14500);
	kernel_ipsec_sa_id_t oid = {.src = us, .dst = peer, .spi = spi_out, .proto = IPPROTO_ESP};
	kernel_ipsec_update_sa_t up = {.new_src = us, .new_dst = peer2, .encap = TRUE, .new_encap = TRUE};
	ck_assert_int_eq(f.k->update_sa(f.k, &oid, &up), SUCCESS);
	o = ipsec_sadb_snap(f.db)->out[TUNNEL_INDEX];
	ck_assert_uint_eq(o->encap_dport, 14500);
	/* The counters carry on: the same SA under the new entry. */
	ck_assert_int_eq(query(us, peer2, spi_out, &bytes, &packets, NULL), SUCCESS);
	ck_assert_uint_eq(packets, 1);

	/* del_sa removes each; a second time it is gone. */
	ck_assert_int_eq(del(peer, us, spi_in), SUCCESS);
	ck_assert_int_eq(del(us, peer2, spi_out), SUCCESS);
	ck_assert_int_eq(del(us, peer2, spi_out), NOT_FOUND);
	ck_assert_uint_eq(sa_count(), 0);
	/* The inbound SPI is free again, the unused one still reserved. */
	us->destroy(us);
	peer->destroy(peer);
	peer2->destroy(peer2);
}
END_TEST

START_TEST(test_rekey_make_before_break)
{
	host_t *us = host(US, 4500), *peer = host(PEER, 4500);
	uint32_t in1, in2, out1 = htonl(0xc1000010), out2 = htonl(0xc1000020);

	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_ESP, &in1), SUCCESS);
	struct sa_call a = gcm(peer, us, in1, true), b = gcm(us, peer, out1, false);
	ck_assert_int_eq(add(&a), SUCCESS);
	ck_assert_int_eq(add(&b), SUCCESS);

	/* The rekey (RFC 7296 2.8): new SAs installed while the old stay. */
	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_ESP, &in2), SUCCESS);
	struct sa_call c = gcm(peer, us, in2, true), d = gcm(us, peer, out2, false);
	ck_assert_int_eq(add(&c), SUCCESS);
	ck_assert_int_eq(add(&d), SUCCESS);
	const struct ipsec_sa_snap *s = ipsec_sadb_snap(f.db);
	/* Both inbound SAs accept traffic; the new outbound one sends. */
	ck_assert_ptr_nonnull(ipsec_snap_lookup_in(s, ntohl(in1)));
	ck_assert_ptr_nonnull(ipsec_snap_lookup_in(s, ntohl(in2)));
	ck_assert_uint_eq(s->out[TUNNEL_INDEX]->id.spi, ntohl(out2));

	/* Then the old ones go, and the new carry on. */
	ck_assert_int_eq(del(us, peer, out1), SUCCESS);
	ck_assert_int_eq(del(peer, us, in1), SUCCESS);
	s = ipsec_sadb_snap(f.db);
	ck_assert_ptr_null(ipsec_snap_lookup_in(s, ntohl(in1)));
	ck_assert_ptr_nonnull(ipsec_snap_lookup_in(s, ntohl(in2)));
	ck_assert_uint_eq(s->out[TUNNEL_INDEX]->id.spi, ntohl(out2));
	us->destroy(us);
	peer->destroy(peer);
}
END_TEST

START_TEST(test_refused)
{
	host_t *us = host(US, 4500), *peer = host(PEER, 4500);
	host_t *us6 = host("2001:db8::1", 4500), *peer6 = host("2001:db8::2", 4500);
	uint32_t spi = htonl(0xc1000100);

	/* No interface ID: no tunnel to bind the SA to. */
	struct sa_call c = gcm(us, peer, spi, false);
	c.if_id = 0;
	ck_assert_int_eq(add(&c), FAILED);
	/* An interface ID past the last tunnel. */
	c.if_id = IPSEC_MAX_REQID + 1;
	ck_assert_int_eq(add(&c), FAILED);
	/* AES-CBC with HMAC: the engine implements AES-GCM only. */
	c = gcm(us, peer, spi, false);
	c.enc_alg = ENCR_AES_CBC;
	c.int_alg = AUTH_HMAC_SHA2_256_128;
	c.key = chunk_create(KEY_OUT, 32);
	ck_assert_int_eq(add(&c), NOT_SUPPORTED);
	/* GCM with a key length that is neither 128 nor 256 bits + salt. */
	c = gcm(us, peer, spi, false);
	c.key = chunk_create(KEY_OUT, 28);
	ck_assert_int_eq(add(&c), NOT_SUPPORTED);
	/* Transport mode: a route-based tunnel carries whole packets. */
	c = gcm(us, peer, spi, false);
	c.mode = MODE_TRANSPORT;
	ck_assert_int_eq(add(&c), NOT_SUPPORTED);
	/* IPv6 underlay: the SA database is IPv4. */
	c = gcm(us6, peer6, spi, false);
	ck_assert_int_eq(add(&c), NOT_SUPPORTED);
	uint32_t got;
	ck_assert_int_eq(f.k->get_spi(f.k, peer6, us6, IPPROTO_ESP, &got), NOT_SUPPORTED);
	/* AH. */
	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_AH, &got), NOT_SUPPORTED);
	uint16_t cpi;
	ck_assert_int_eq(f.k->get_cpi(f.k, peer, us, &cpi), NOT_SUPPORTED);
	ck_assert_uint_eq(sa_count(), 0);

	/* ICV lengths 8 and 12 are carried through. */
	c = gcm(us, peer, spi, false);
	c.enc_alg = ENCR_AES_GCM_ICV12;
	c.key = chunk_create(KEY_OUT, 20);
	ck_assert_int_eq(add(&c), SUCCESS);
	ck_assert_uint_eq(sa_count(), 1);
	us->destroy(us);
	peer->destroy(peer);
	us6->destroy(us6);
	peer6->destroy(peer6);
}
END_TEST

START_TEST(test_destroy_keeps_manual_sas)
{
	host_t *us = host(US, 4500), *peer = host(PEER, 4500);
	uint32_t spi;

	/* A manual SA of another tunnel, added through the engine's ops
	 * as the configuration file's are. */
	struct ipsec_sa_id manual = {.spi = 0x2000};
	memcpy(manual.src, PEER_V4, 4);
	memcpy(manual.dst, US_V4, 4);
	struct ipsec_add_sa madd = {.reqid = 1, .inbound = true, .keymat = KEY_IN, .keymat_len = 20};
	ck_assert_int_eq(ipsec_sa_engine_ops.add_sa(f.db, &manual, &madd), 0);

	ck_assert_int_eq(f.k->get_spi(f.k, peer, us, IPPROTO_ESP, &spi), SUCCESS);
	struct sa_call in = gcm(peer, us, spi, true), out = gcm(us, peer, htonl(0xc1000200), false);
	ck_assert_int_eq(add(&in), SUCCESS);
	ck_assert_int_eq(add(&out), SUCCESS);
	ck_assert_uint_eq(sa_count(), 3);

	/* Expiry notices: IKE's SAs are claimed, the manual one is not. */
	ck_assert(ike_kernel_expire(ntohl(spi), true, false));
	ck_assert(ike_kernel_expire(0xc1000200, false, true));
	ck_assert(!ike_kernel_expire(0x2000, true, false));
	ck_assert(!ike_kernel_expire(0xc1000200, true, false)); /* wrong direction */

	/* flush_sas and destroy take IKE's SAs only. */
	ck_assert_int_eq(f.k->flush_sas(f.k), SUCCESS);
	ck_assert_uint_eq(sa_count(), 1);
	ck_assert_ptr_nonnull(ipsec_snap_lookup_in(ipsec_sadb_snap(f.db), 0x2000));
	ck_assert_int_eq(add(&out), SUCCESS);
	f.k->destroy(f.k);
	f.k = NULL;
	ck_assert(!ike_kernel_active());
	ck_assert_uint_eq(sa_count(), 1);
	ck_assert(!ike_kernel_expire(0xc1000200, false, true));
	us->destroy(us);
	peer->destroy(peer);
}
END_TEST

START_TEST(test_unbound)
{
	/* Nothing bound: charon's constructor gets NULL and picks another. */
	f.k->destroy(f.k);
	f.k = NULL;
	ike_kernel_bind(NULL, NULL);
	ck_assert_ptr_null(ike_kernel_ipsec_create());
	ck_assert_int_eq(ike_kernel_if_id_to_index(0), -1);
	ck_assert_int_eq(ike_kernel_if_id_to_index(1), 0);
	ck_assert_int_eq(ike_kernel_if_id_to_index(IPSEC_MAX_REQID), IPSEC_MAX_REQID - 1);
	ck_assert_int_eq(ike_kernel_if_id_to_index(IPSEC_MAX_REQID + 1), -1);
}
END_TEST

static Suite *ike_kernel_suite(void)
{
	Suite *s = suite_create("ike_kernel");
	TCase *tc = tcase_create("kernel_ipsec");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_child_sa_lifecycle);
	tcase_add_test(tc, test_rekey_make_before_break);
	tcase_add_test(tc, test_refused);
	tcase_add_test(tc, test_destroy_keeps_manual_sas);
	tcase_add_test(tc, test_unbound);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ike_kernel_suite());
}
