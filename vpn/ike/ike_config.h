/*
 * ike_config.h - what `tunnel ipsec NAME` says about IKE (RFC 7296): the
 * commands that configure it in tunneld's grammar and the values they
 * set. Plain C11, no strongSwan: the configuration parses the same with
 * or without libcharon (docs/tunneld-config.md).
 *
 *   local-address A.B.C.D                 the IKE and ESP source (= source)
 *   peer-address A.B.C.D                  the peer (= destination)
 *   ike-version 2                         IKEv2 (the only version)
 *   authentication pre-shared-key KEY     turns IKE on for the tunnel
 *   ike-proposal P / esp-proposal P       strongSwan proposal strings
 *   initiate | respond                    who starts the exchange
 *
 * A tunnel with a pre-shared key is keyed by IKE and has no manual SAs;
 * its CHILD_SAs land in the SA database bound to the tunnel.
 *
 * Ownership: the values live in struct tcfg_tunnel (tunnel_config.h);
 * the key is wiped with the configuration.
 */
#ifndef SKYGATE_IKE_CONFIG_H
#define SKYGATE_IKE_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define TCFG_PSK_MAX      128
#define TCFG_PROPOSAL_MAX 127

/* Defaults: AES-256-GCM with a 16-octet ICV (RFC 4106), PRF-HMAC-SHA-256,
 * ECP-256 (RFC 5903) or MODP-2048 (RFC 3526). */
#define IKE_DEFAULT_IKE_PROPOSAL "aes256gcm16-prfsha256-ecp256-modp2048"
#define IKE_DEFAULT_ESP_PROPOSAL "aes256gcm16"

struct tcfg_ike {
	bool enabled;                 /* a pre-shared key is configured */
	uint8_t version;              /* 0: not set (2) */
	char psk[TCFG_PSK_MAX + 1];
	char ike_proposal[TCFG_PROPOSAL_MAX + 1]; /* "": the default */
	char esp_proposal[TCFG_PROPOSAL_MAX + 1];
	bool initiate;                /* false: respond */
};

struct cmd_registry;
struct tcfg_tunnel;

/* Register the IKE commands in the ipsec tunnel node. 0, or -1 with a
 * reason in err. */
int tcfg_ike_register(struct cmd_registry *reg, char *err, size_t errlen);

/* The tunnel's IKE lines in the file's syntax; the key as "********"
 * unless with_keys. */
void tcfg_ike_print(const struct tcfg_tunnel *t, FILE *out, bool with_keys);

/* Whether t's IKE settings agree with the rest of it (no manual SAs next
 * to a key). 0, or -1 with a message. */
int tcfg_ike_check(const struct tcfg_tunnel *t, char *msg, size_t msglen);

struct json_object;

/* The IKE settings for `show running-config json` (never the key). */
struct json_object *tcfg_ike_json(const struct tcfg_ike *k);

static inline const char *tcfg_ike_proposal(const struct tcfg_ike *k)
{
	return k->ike_proposal[0] != '\0' ? k->ike_proposal : IKE_DEFAULT_IKE_PROPOSAL;
}

static inline const char *tcfg_esp_proposal(const struct tcfg_ike *k)
{
	return k->esp_proposal[0] != '\0' ? k->esp_proposal : IKE_DEFAULT_ESP_PROPOSAL;
}

#endif
