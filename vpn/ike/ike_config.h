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
 *   lifetime ike|esp SECONDS              the SAs' hard lifetimes
 *   dpd interval N timeout N action A     dead peer detection (RFC 7296 2.4)
 *   nat-traversal auto|force              UDP encapsulation (RFC 3948)
 *   profile aws-vpn|azure-vpngw           a cloud gateway's defaults
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

/* What happens when DPD finds the peer gone. */
enum tcfg_dpd_action {
	TCFG_DPD_DEFAULT = 0, /* restart for an initiator, clear for a responder */
	TCFG_DPD_RESTART,     /* close the SAs and initiate again */
	TCFG_DPD_CLEAR,       /* close the SAs */
	TCFG_DPD_NONE,        /* send no probes: keep the SAs until they expire */
};

/* A cloud VPN gateway's published settings as defaults; explicit
 * commands override them (docs/ike.md names the sources). */
enum tcfg_ike_profile {
	TCFG_PROFILE_NONE = 0,
	TCFG_PROFILE_AWS,   /* AWS Site-to-Site VPN */
	TCFG_PROFILE_AZURE, /* Azure VPN Gateway */
};

struct tcfg_ike {
	bool enabled;                 /* a pre-shared key is configured */
	uint8_t version;              /* 0: not set (2) */
	char psk[TCFG_PSK_MAX + 1];
	char ike_proposal[TCFG_PROPOSAL_MAX + 1]; /* "": the default */
	char esp_proposal[TCFG_PROPOSAL_MAX + 1];
	bool initiate;                /* false: respond */
	uint32_t ike_lifetime;        /* seconds; 0: the default */
	uint32_t esp_lifetime;
	bool has_dpd;                 /* the three values below are set */
	uint16_t dpd_interval;        /* seconds between probes of a quiet peer */
	uint16_t dpd_timeout;         /* seconds until an unanswered one is fatal */
	enum tcfg_dpd_action dpd_action;
	bool natt_force;              /* UDP encapsulation without a NAT */
	enum tcfg_ike_profile profile;
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

const char *tcfg_dpd_action_name(enum tcfg_dpd_action a);

const char *tcfg_ike_profile_name(enum tcfg_ike_profile p);

/* The profiles' values (docs/ike.md cites where each comes from). */
#define TCFG_AWS_IKE_LIFETIME   28800
#define TCFG_AWS_ESP_LIFETIME   3600
#define TCFG_AWS_DPD_INTERVAL   10
#define TCFG_AWS_DPD_TIMEOUT    30
#define TCFG_AWS_MTU            1399
#define TCFG_AWS_TCP_MSS        1359
#define TCFG_AZURE_IKE_LIFETIME 28800
#define TCFG_AZURE_ESP_LIFETIME 27000

/* Default hard lifetimes: swanctl's defaults (IKE rekey_time 4 h, CHILD
 * rekey_time 1 h) plus its 10 % margin (over_time, life_time). */
#define TCFG_DEFAULT_IKE_LIFETIME 15840
#define TCFG_DEFAULT_ESP_LIFETIME 3960
/* Default DPD: probe a peer quiet for 30 s; charon's own retransmission
 * schedule (about 165 s) decides when it is dead. */
#define TCFG_DEFAULT_DPD_INTERVAL 30

static inline uint32_t tcfg_ike_lifetime(const struct tcfg_ike *k)
{
	if (k->ike_lifetime != 0)
		return k->ike_lifetime;
	if (k->profile == TCFG_PROFILE_AWS)
		return TCFG_AWS_IKE_LIFETIME;
	if (k->profile == TCFG_PROFILE_AZURE)
		return TCFG_AZURE_IKE_LIFETIME;
	return TCFG_DEFAULT_IKE_LIFETIME;
}

static inline uint32_t tcfg_esp_lifetime(const struct tcfg_ike *k)
{
	if (k->esp_lifetime != 0)
		return k->esp_lifetime;
	if (k->profile == TCFG_PROFILE_AWS)
		return TCFG_AWS_ESP_LIFETIME;
	if (k->profile == TCFG_PROFILE_AZURE)
		return TCFG_AZURE_ESP_LIFETIME;
	return TCFG_DEFAULT_ESP_LIFETIME;
}

/* The DPD in force: timeout 0 means charon's retransmission schedule. */
struct tcfg_dpd {
	uint16_t interval, timeout;
	enum tcfg_dpd_action action;
};

static inline struct tcfg_dpd tcfg_ike_dpd(const struct tcfg_ike *k)
{
	if (k->has_dpd)
		return (struct tcfg_dpd){k->dpd_interval, k->dpd_timeout, k->dpd_action};
	if (k->profile == TCFG_PROFILE_AWS)
		return (struct tcfg_dpd){TCFG_AWS_DPD_INTERVAL, TCFG_AWS_DPD_TIMEOUT, TCFG_DPD_RESTART};
	return (struct tcfg_dpd){TCFG_DEFAULT_DPD_INTERVAL, 0, k->initiate ? TCFG_DPD_RESTART : TCFG_DPD_CLEAR};
}

#endif
