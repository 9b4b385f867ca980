/*
 * check_ike_config.c - the IKE commands of `tunnel ipsec NAME`
 * (vpn/ike/ike_config.h): parsing, defaults, what makes such a tunnel
 * complete, the checks, and printing with the key masked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike_config.h"
#include "tunnel_config.h"
#include "unit.h"

#define PSK "correct-horse-battery"

static struct tunneld_config *load(const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen(err, errlen, "w");

	ck_assert_ptr_nonnull(f);
	struct tunneld_config *cfg = tcfg_load_text("t.conf", text, strlen(text), f);
	fclose(f);
	return cfg;
}

static char *print(const struct tunneld_config *cfg, bool with_keys)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(f);
	tcfg_print(cfg, f, with_keys);
	fclose(f);
	return buf;
}

START_TEST(test_ike_tunnel)
{
	char err[512] = "";
	struct tunneld_config *cfg = load("tunnel ipsec ike1\n"
	                                  " local-address 192.0.2.1\n"
	                                  " peer-address 192.0.2.2\n"
	                                  " inside-address 169.254.40.1/30\n"
	                                  " ike-version 2\n"
	                                  " authentication pre-shared-key " PSK "\n"
	                                  " esp-proposal aes128gcm16\n"
	                                  " initiate\n",
	                                  err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	const struct tcfg_tunnel *t = tcfg_find_const(cfg, "ike1");
	ck_assert_ptr_nonnull(t);
	/* local-address and peer-address are the underlay's source and
	 * destination. */
	ck_assert(t->has_source && t->has_destination);
	ck_assert_uint_eq(t->source[3], 1);
	ck_assert_uint_eq(t->destination[3], 2);
	ck_assert(t->ike.enabled);
	ck_assert_uint_eq(t->ike.version, 2);
	ck_assert_str_eq(t->ike.psk, PSK);
	ck_assert(t->ike.initiate);
	/* Complete without manual SAs: IKE negotiates them. */
	ck_assert(tcfg_complete(t, NULL, 0));
	ck_assert_str_eq(tcfg_ike_proposal(&t->ike), IKE_DEFAULT_IKE_PROPOSAL);
	ck_assert_str_eq(tcfg_esp_proposal(&t->ike), "aes128gcm16");

	/* Printed with the key masked, and with it for `write memory`. */
	char *shown = print(cfg, false);
	ck_assert_ptr_null(strstr(shown, PSK));
	ck_assert_ptr_nonnull(strstr(shown, " authentication pre-shared-key ********\n"));
	ck_assert_ptr_nonnull(strstr(shown, " esp-proposal aes128gcm16\n"));
	ck_assert_ptr_nonnull(strstr(shown, " initiate\n"));
	ck_assert_ptr_null(strstr(shown, "ike-proposal"));
	free(shown);
	char *saved = print(cfg, true);
	ck_assert_ptr_nonnull(strstr(saved, " authentication pre-shared-key " PSK "\n"));
	/* What `write memory` wrote loads back to the same tunnel. */
	struct tunneld_config *again = load(saved, err, sizeof(err));
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_mem_eq(&again->tunnels[0].ike, &t->ike, sizeof(t->ike));
	free(saved);
	tcfg_free(again);
	tcfg_free(cfg);
}
END_TEST

START_TEST(test_ike_refused)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n ike-version 1\n", "only IKEv2"},
	    {"tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n authentication pre-shared-key short\n",
	     "8 to 128"},
	    {"tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n authentication pre-shared-key " PSK
	     "\n ike-proposal AES;rm\n",
	     "bad proposal"},
	    /* A key and manual SAs: two ways of keying one tunnel. */
	    {"tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n authentication pre-shared-key " PSK
	     "\n sa outbound spi 0x1000 null\n sa inbound spi 0x2000 null\n",
	     "exclude each other"},
	    /* IKE keys IPv4 SAs only; an IPv6 underlay is for manual SAs. */
	    {"tunnel ipsec x\n source 2001:db8::1\n destination 2001:db8::2\n authentication pre-shared-key " PSK
	     "\n",
	     "IPv4 underlay only"},
	    /* Without a key it is a manual tunnel, which needs its SAs. */
	    {"tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n ike-version 2\n",
	     "needs an inbound and an outbound SA"},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[512] = "";
		struct tunneld_config *cfg = load(cases[i].text, err, sizeof(err));
		ck_assert_msg(cfg == NULL, "case %zu loaded", i);
		ck_assert_msg(strstr(err, cases[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err, cases[i].want);
		/* The key is never echoed in a message. */
		ck_assert_ptr_null(strstr(err, PSK));
	}
}
END_TEST

START_TEST(test_ike_no_forms)
{
	char err[512] = "";
	struct tunneld_config *cfg = load("tunnel ipsec x\n source 192.0.2.1\n destination 192.0.2.2\n"
	                                  " authentication pre-shared-key " PSK "\n initiate\n"
	                                  " ike-proposal aes128gcm16-prfsha256-ecp256\n"
	                                  " no ike-proposal\n no initiate\n",
	                                  err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	struct tcfg_tunnel *t = tcfg_find(cfg, "x");
	ck_assert(!t->ike.initiate);
	ck_assert_str_eq(t->ike.ike_proposal, "");
	ck_assert(tcfg_complete(t, NULL, 0));
	/* Taking the key away makes it a manual tunnel without SAs, which a
	 * strict transaction refuses. */
	static const char drop[] = "tunnel ipsec x\n no authentication\n";
	char msg[512] = "";
	FILE *f = fmemopen(msg, sizeof(msg), "w");
	ck_assert_int_eq(tcfg_load_onto(cfg, "t", drop, strlen(drop), f), -1);
	fclose(f);
	ck_assert_msg(strstr(msg, "needs an inbound and an outbound SA") != NULL, "%s", msg);
	t = tcfg_find(cfg, "x");
	ck_assert(!t->ike.enabled);
	ck_assert_str_eq(t->ike.psk, "");
	tcfg_free(cfg);
}
END_TEST

static Suite *ike_config_suite(void)
{
	Suite *s = suite_create("ike_config");
	TCase *tc = tcase_create("grammar");

	tcase_add_test(tc, test_ike_tunnel);
	tcase_add_test(tc, test_ike_refused);
	tcase_add_test(tc, test_ike_no_forms);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ike_config_suite());
}
