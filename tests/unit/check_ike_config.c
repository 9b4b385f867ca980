/*
 * check_ike_config.c - the IKE commands of `tunnel ipsec NAME`
 * (vpn/ike/ike_config.h): parsing, defaults, what makes such a tunnel
 * complete, the checks, and printing with the key masked.
 */
#include <check.h>
#include <json-c/json.h>
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

START_TEST(test_ike_lifetimes_dpd_natt)
{
	char err[512] = "";
	struct tunneld_config *cfg = load("tunnel ipsec x\n local-address 192.0.2.1\n peer-address 192.0.2.2\n"
	                                  " authentication pre-shared-key " PSK "\n"
	                                  " lifetime ike 28800\n lifetime esp 3600\n"
	                                  " dpd interval 10 timeout 30 action restart\n"
	                                  " nat-traversal force\n tcp-mss 1359\n",
	                                  err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	const struct tcfg_tunnel *t = tcfg_find_const(cfg, "x");
	ck_assert_uint_eq(tcfg_ike_lifetime(&t->ike), 28800);
	ck_assert_uint_eq(tcfg_esp_lifetime(&t->ike), 3600);
	struct tcfg_dpd d = tcfg_ike_dpd(&t->ike);
	ck_assert_uint_eq(d.interval, 10);
	ck_assert_uint_eq(d.timeout, 30);
	ck_assert_int_eq(d.action, TCFG_DPD_RESTART);
	ck_assert(t->ike.natt_force);
	ck_assert_uint_eq(t->tcp_mss, 1359);

	char *shown = print(cfg, false);
	ck_assert_ptr_nonnull(strstr(shown, " lifetime ike 28800\n lifetime esp 3600\n"));
	ck_assert_ptr_nonnull(strstr(shown, " dpd interval 10 timeout 30 action restart\n"));
	ck_assert_ptr_nonnull(strstr(shown, " nat-traversal force\n"));
	struct tunneld_config *again = load(shown, err, sizeof(err));
	ck_assert_msg(again == NULL, "a masked key must not load as a key");
	ck_assert_msg(strstr(err, "is the mask") != NULL, "%s", err);
	free(shown);
	char *saved = print(cfg, true);
	again = load(saved, err, sizeof(err));
	ck_assert_msg(again != NULL, "%s", err);
	ck_assert_mem_eq(&again->tunnels[0].ike, &t->ike, sizeof(t->ike));
	free(saved);
	tcfg_free(again);

	/* The JSON has the values in force and never the key. */
	struct json_object *j = tcfg_ike_json(&t->ike);
	const char *text = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
	ck_assert_ptr_null(strstr(text, PSK));
	ck_assert_msg(strstr(text, "\"ikeLifetime\":28800") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"natTraversal\":\"force\"") != NULL, "%s", text);
	ck_assert_msg(strstr(text, "\"action\":\"restart\"") != NULL, "%s", text);
	json_object_put(j);

	/* The no forms go back to the defaults. */
	static const char undo[] = "tunnel ipsec x\n no lifetime ike\n no lifetime esp\n no dpd\n no nat-traversal\n";
	FILE *f = fmemopen(err, sizeof(err), "w");
	ck_assert_int_eq(tcfg_load_onto(cfg, "t", undo, strlen(undo), f), 0);
	fclose(f);
	t = tcfg_find_const(cfg, "x");
	ck_assert_uint_eq(tcfg_ike_lifetime(&t->ike), TCFG_DEFAULT_IKE_LIFETIME);
	ck_assert_uint_eq(tcfg_esp_lifetime(&t->ike), TCFG_DEFAULT_ESP_LIFETIME);
	d = tcfg_ike_dpd(&t->ike);
	ck_assert_uint_eq(d.interval, TCFG_DEFAULT_DPD_INTERVAL);
	ck_assert_uint_eq(d.timeout, 0);
	/* A responder by default clears, an initiator restarts. */
	ck_assert_int_eq(d.action, TCFG_DPD_CLEAR);
	ck_assert(!t->ike.natt_force);
	shown = print(cfg, false);
	ck_assert_ptr_null(strstr(shown, "lifetime"));
	ck_assert_ptr_null(strstr(shown, "dpd"));
	ck_assert_ptr_null(strstr(shown, "nat-traversal"));
	free(shown);
	tcfg_free(cfg);
}
END_TEST

START_TEST(test_ike_settings_refused)
{
	static const char *const lines[][2] = {
	    {" dpd interval 30 timeout 30 action clear\n", "must be longer than the interval"},
	    {" dpd interval 10 timeout 30 action reboot\n", ""},
	    {" lifetime ike 60\n", ""},
	    {" lifetime esp 200000\n", ""},
	    {" nat-traversal never\n", ""},
	};

	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[512], err[512] = "";
		snprintf(text, sizeof(text),
		         "tunnel ipsec x\n local-address 192.0.2.1\n peer-address 192.0.2.2\n"
		         " authentication pre-shared-key " PSK "\n%s",
		         lines[i][0]);
		struct tunneld_config *cfg = load(text, err, sizeof(err));
		ck_assert_msg(cfg == NULL, "case %zu loaded", i);
		ck_assert_msg(strstr(err, lines[i][1]) != NULL, "case %zu: '%s' lacks '%s'", i, err, lines[i][1]);
		ck_assert_ptr_null(strstr(err, PSK));
	}
}
END_TEST

START_TEST(test_ike_profiles)
{
	char err[512] = "";
	struct tunneld_config *cfg = load("tunnel ipsec aws\n local-address 192.0.2.1\n peer-address 192.0.2.2\n"
	                                  " inside-address 169.254.44.2/30\n profile aws-vpn\n"
	                                  " authentication pre-shared-key " PSK "\n"
	                                  "tunnel ipsec az\n local-address 192.0.2.1\n peer-address 192.0.2.3\n"
	                                  " inside-address 169.254.21.2/30\n profile azure-vpngw\n"
	                                  " authentication pre-shared-key " PSK "\n lifetime esp 3600\n",
	                                  err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
	const struct tcfg_tunnel *aws = tcfg_find_const(cfg, "aws"), *az = tcfg_find_const(cfg, "az");
	/* AWS: lifetimes, DPD, MTU and MSS from the profile. */
	ck_assert_uint_eq(tcfg_ike_lifetime(&aws->ike), 28800);
	ck_assert_uint_eq(tcfg_esp_lifetime(&aws->ike), 3600);
	struct tcfg_dpd d = tcfg_ike_dpd(&aws->ike);
	ck_assert_uint_eq(d.interval, 10);
	ck_assert_uint_eq(d.timeout, 30);
	ck_assert_int_eq(d.action, TCFG_DPD_RESTART);
	ck_assert_uint_eq(tcfg_mtu(aws), 1399);
	ck_assert_uint_eq(tcfg_tcp_mss(aws), 1359);
	/* Azure: its IKE lifetime; the explicit ESP lifetime wins. */
	ck_assert_uint_eq(tcfg_ike_lifetime(&az->ike), 28800);
	ck_assert_uint_eq(tcfg_esp_lifetime(&az->ike), 3600);
	ck_assert_uint_eq(tcfg_mtu(az), TCFG_IPSEC_DEFAULT_MTU);
	ck_assert_uint_eq(tcfg_tcp_mss(az), 0);
	/* The profile line is printed, the values it fills are not. */
	char *shown = print(cfg, false);
	ck_assert_ptr_nonnull(strstr(shown, " profile aws-vpn\n"));
	ck_assert_ptr_nonnull(strstr(shown, " profile azure-vpngw\n"));
	ck_assert_ptr_null(strstr(shown, "lifetime ike"));
	ck_assert_ptr_null(strstr(shown, " mtu "));
	free(shown);

	/* Explicit settings override the profile. */
	static const char over[] = "tunnel ipsec aws\n mtu 1300\n tcp-mss 1200\n lifetime ike 3600\n"
	                           " dpd interval 5 timeout 20 action clear\n";
	FILE *f = fmemopen(err, sizeof(err), "w");
	ck_assert_int_eq(tcfg_load_onto(cfg, "t", over, strlen(over), f), 0);
	fclose(f);
	aws = tcfg_find_const(cfg, "aws");
	ck_assert_uint_eq(tcfg_mtu(aws), 1300);
	ck_assert_uint_eq(tcfg_tcp_mss(aws), 1200);
	ck_assert_uint_eq(tcfg_ike_lifetime(&aws->ike), 3600);
	ck_assert_uint_eq(tcfg_esp_lifetime(&aws->ike), 3600);
	d = tcfg_ike_dpd(&aws->ike);
	ck_assert_uint_eq(d.interval, 5);
	ck_assert_int_eq(d.action, TCFG_DPD_CLEAR);
	tcfg_free(cfg);

	/* The inside addresses each gateway accepts. */
	static const struct {
		const char *profile, *inside, *want;
	} bad[] = {
	    {"aws-vpn", "169.254.44.2/29", "not a /30 in 169.254.0.0/16"},
	    {"aws-vpn", "198.18.0.1/30", "not a /30 in 169.254.0.0/16"},
	    {"azure-vpngw", "169.254.20.1/30", "not in Azure's APIPA range"},
	    {"azure-vpngw", "169.254.23.1/30", "not in Azure's APIPA range"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char text[512];
		snprintf(text, sizeof(text),
		         "tunnel ipsec x\n local-address 192.0.2.1\n peer-address 192.0.2.2\n inside-address %s\n"
		         " profile %s\n authentication pre-shared-key " PSK "\n",
		         bad[i].inside, bad[i].profile);
		cfg = load(text, err, sizeof(err));
		ck_assert_msg(cfg == NULL, "case %zu loaded", i);
		ck_assert_msg(strstr(err, bad[i].want) != NULL, "case %zu: '%s' lacks '%s'", i, err, bad[i].want);
	}
	/* The range's two ends are in it. */
	cfg = load("tunnel ipsec x\n local-address 192.0.2.1\n peer-address 192.0.2.2\n"
	           " inside-address 169.254.22.254/30\n inside-address 169.254.21.0/30\n profile azure-vpngw\n"
	           " authentication pre-shared-key " PSK "\n",
	           err, sizeof(err));
	ck_assert_msg(cfg != NULL, "%s", err);
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
	tcase_add_test(tc, test_ike_lifetimes_dpd_natt);
	tcase_add_test(tc, test_ike_settings_refused);
	tcase_add_test(tc, test_ike_profiles);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(ike_config_suite());
}
