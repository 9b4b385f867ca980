/*
 * tunnel_config.h - skygate-tunneld's configuration: the tunnels it
 * terminates, read from a vtysh-style file with the project's grammar
 * engine (lib/cmd.h), so that the file reads like the rest of the
 * appliance's configuration (docs/tunneld-config.md).
 *
 *   tunnel gre NAME | tunnel ipsec NAME     enters the tunnel's node
 *    source / destination A.B.C.D           the underlay (IPv4)
 *    inside-address PREFIX                  repeatable, IPv4 and IPv6
 *    mtu, tcp-mss, key, keepalive, shutdown, encapsulation, sa ...
 *
 * Parsing is all or nothing: the first bad line is reported as
 * "FILE:LINE: message" and no configuration is returned.
 *
 * Ownership: tcfg_load_*() return a struct tunneld_config the caller owns
 * and frees with tcfg_free(). Keys live only in it (and, once SAs are
 * made, in the ESP engine); tcfg_free() wipes them.
 */
#ifndef SKYGATE_TUNNEL_CONFIG_H
#define SKYGATE_TUNNEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "prefix.h"

#define TCFG_NAME_MAX       15 /* IFNAMSIZ - 1: the tunnel is a netdev of that name */
#define TCFG_MAX_TUNNELS    64
#define TCFG_MAX_INSIDE     8
#define TCFG_MTU_MIN        576
#define TCFG_MTU_MAX        8500
#define TCFG_KEYMAT_MAX     36 /* AES-256 key + 4-byte salt (RFC 4106 8.1) */

enum tcfg_kind {
	TCFG_GRE,
	TCFG_IPSEC,
};

enum tcfg_encap {
	TCFG_ENCAP_UDP, /* RFC 3948, port 4500 (the default) */
	TCFG_ENCAP_ESP, /* raw IP protocol 50 */
};

enum tcfg_alg {
	TCFG_ALG_NULL,        /* no cipher, no ICV: the no-crypto ceiling */
	TCFG_ALG_AES_GCM_128, /* RFC 4106, 16-byte ICV */
	TCFG_ALG_AES_GCM_256,
};

struct tcfg_sa {
	bool present;
	uint32_t spi;
	enum tcfg_alg alg;
	uint8_t keymat[TCFG_KEYMAT_MAX]; /* key || salt */
	size_t keymat_len;
	unsigned line; /* where it was configured, for errors */
};

struct tcfg_tunnel {
	char name[TCFG_NAME_MAX + 1];
	enum tcfg_kind kind;
	bool has_source, has_destination;
	uint8_t source[4], destination[4]; /* network order */
	struct prefix inside[TCFG_MAX_INSIDE];
	size_t inside_count;
	uint32_t mtu;      /* 0: the default for the kind */
	uint16_t tcp_mss;  /* 0: no clamping */
	bool has_key;      /* GRE key, RFC 2890 */
	uint32_t key;
	uint16_t keepalive_interval; /* seconds, 0: off */
	uint8_t keepalive_retries;
	bool shutdown;
	enum tcfg_encap encap;
	struct tcfg_sa sa_out, sa_in;
	unsigned line; /* the `tunnel` line */
};

struct tunneld_config {
	struct tcfg_tunnel tunnels[TCFG_MAX_TUNNELS];
	size_t count;
};

/* Default tunnel MTUs: 1500 less the overhead of the kind. */
#define TCFG_GRE_DEFAULT_MTU   1476
#define TCFG_IPSEC_DEFAULT_MTU 1400

const char *tcfg_kind_name(enum tcfg_kind k);
const char *tcfg_alg_name(enum tcfg_alg a);
const char *tcfg_encap_name(enum tcfg_encap e);
/* The configured MTU, or the kind's default. */
uint32_t tcfg_mtu(const struct tcfg_tunnel *t);

/*
 * Parse text (name is used in messages). Returns a new configuration, or
 * NULL after writing "NAME:LINE: message" lines to err.
 */
struct tunneld_config *tcfg_load_text(const char *name, const char *text, size_t len, FILE *err);
/* The same for a file; a file that cannot be read is reported too. */
struct tunneld_config *tcfg_load_file(const char *path, FILE *err);
/* Wipes keys; NULL is fine. */
void tcfg_free(struct tunneld_config *cfg);

#endif
