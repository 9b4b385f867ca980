/*
 * tunnel_config.h - skygate-tunneld's configuration: the tunnels it
 * terminates, read from a vtysh-style file with the project's grammar
 * engine (lib/cmd.h), so that the file reads like the rest of the
 * appliance's configuration (docs/tunneld-config.md).
 *
 *   tunnel gre NAME | tunnel ipsec NAME     enters the tunnel's node
 *    source / destination A.B.C.D|X:X::X:X  the underlay (IPv4, or IPv6: RFC 7676
 *                                           for GRE), one family for both
 *    inside-address PREFIX                  repeatable, IPv4 and IPv6
 *    mtu, tcp-mss, key, keepalive, shutdown, encapsulation, sa ...
 *
 * The same commands are the CLI's configuration nodes (tunnel_cli.h):
 * a file, a `skysh -f` transaction and an interactive session edit a
 * struct tunneld_config through one grammar. Files and transactions are
 * strict: all or nothing, the first bad line reported as
 * "FILE:LINE: message", a tunnel's block checked whole when it ends. An
 * interactive session may leave a tunnel incomplete (no destination yet,
 * one SA of two): it is kept in the configuration, has no device until
 * it is complete, and `write memory` refuses to save it.
 *
 * Ownership: tcfg_load_*() and tcfg_clone() return a struct
 * tunneld_config the caller owns and frees with tcfg_free(). Keys live in
 * it (the daemon's running configuration keeps them for `write memory`)
 * and in the ESP engine; tcfg_free() wipes them.
 */
#ifndef SKYGATE_TUNNEL_CONFIG_H
#define SKYGATE_TUNNEL_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ike_config.h"
#include "prefix.h"

struct cmd_registry;

#define TCFG_NAME_MAX       15 /* IFNAMSIZ - 1: the tunnel is a netdev of that name */
#define TCFG_MAX_TUNNELS    128 /* a hundred cloud VPN tunnels, with room */
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
	/* The underlay addresses, network order: IPv4 in the first 4
	 * octets (the rest zero), IPv6 in all 16. */
	int source_af, destination_af; /* AF_INET or AF_INET6 when set */
	uint8_t source[16], destination[16];
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
	struct tcfg_ike ike; /* IKE keys the tunnel instead of sa_out/sa_in */
	unsigned line; /* the `tunnel` line */
};

struct tunneld_config {
	struct tcfg_tunnel tunnels[TCFG_MAX_TUNNELS];
	size_t count;
};

/* Default tunnel MTUs: 1500 less the overhead of the kind. */
#define TCFG_GRE_DEFAULT_MTU   1476
#define TCFG_GRE6_DEFAULT_MTU  1456 /* a 40-octet IPv6 delivery header (RFC 7676 3.2) */
#define TCFG_IPSEC_DEFAULT_MTU 1400 /* leaves room for ESP in UDP over IPv6 too */

/* The underlay family of a tunnel (its source's; the checks keep the
 * destination's the same): AF_INET or AF_INET6, AF_INET when unset. */
int tcfg_underlay_af(const struct tcfg_tunnel *t);
/* Octets of an address of family af: 4 or 16. */
size_t tcfg_addr_len(int af);
/* Both tunnels have the same source and destination (family and address). */
bool tcfg_same_underlay(const struct tcfg_tunnel *a, const struct tcfg_tunnel *b);

const char *tcfg_kind_name(enum tcfg_kind k);
const char *tcfg_alg_name(enum tcfg_alg a);
const char *tcfg_encap_name(enum tcfg_encap e);
/* The configured MTU, or the kind's default. */
uint32_t tcfg_mtu(const struct tcfg_tunnel *t);
/* The MSS clamp in force: tcp-mss, or the profile's; 0: none. */
uint16_t tcfg_tcp_mss(const struct tcfg_tunnel *t);

/* The grammar's nodes; the CLI adds its exec node (TCFG_NODE_EXEC). */
enum tcfg_node {
	TCFG_NODE_EXEC = 0,
	TCFG_NODE_CONFIG,
	TCFG_NODE_GRE,   /* tunnel gre NAME */
	TCFG_NODE_IPSEC, /* tunnel ipsec NAME */
	TCFG_NODE_COUNT
};

/*
 * What the configuration commands edit. The commands' handlers take a
 * struct tcfg_edit * as their context; the CLI's session begins with one,
 * so the same handlers serve it.
 */
struct tcfg_edit {
	struct tunneld_config *cfg;       /* borrowed: the configuration being edited */
	int node;                         /* enum tcfg_node */
	char tunnel[TCFG_NAME_MAX + 1];   /* in a tunnel node: which tunnel */
	unsigned line;                    /* the line being run (strict), else 0 */
	bool strict;                      /* a file or a transaction */
	char msg[256];                    /* why the last command failed */
};

/* Register the configuration commands (config and tunnel nodes) in reg.
 * 0, or -1 with a reason in err (a broken declaration). */
int tcfg_register(struct cmd_registry *reg, char *err, size_t errlen);

/*
 * Run one line in e's node, or, when it is not a command there, in the
 * config node (a `tunnel` line ends the block before it, as in vtysh and
 * FRR's files). ctx is what the handlers get: e itself, or a structure
 * that begins with it. 0, or -1 with e->msg set (without "% ").
 */
int tcfg_run_line(const struct cmd_registry *reg, struct tcfg_edit *e, void *ctx, const char *line);

/* Leave a tunnel node; strict: check the block first (-1, e->msg). */
int tcfg_leave_block(struct tcfg_edit *e);

/* Whether t has everything it needs to run (addresses; two SAs for
 * IPsec); if not, why (into why when non-NULL). */
bool tcfg_complete(const struct tcfg_tunnel *t, char *why, size_t whylen);

/*
 * Check the values that must agree: within each tunnel (tcp-mss and
 * MTU, source and destination) and between tunnels (inbound SPIs, GRE
 * address pairs). With only non-NULL, just that tunnel (against all the
 * others); with complete, every tunnel checked must also be complete.
 * 0, or -1 with a message.
 */
int tcfg_check(const struct tunneld_config *cfg, const struct tcfg_tunnel *only, bool complete, char *msg,
               size_t msglen);

/* The tunnel called name, or NULL. */
struct tcfg_tunnel *tcfg_find(struct tunneld_config *cfg, const char *name);
const struct tcfg_tunnel *tcfg_find_const(const struct tunneld_config *cfg, const char *name);

/* Print cfg in the file's syntax; keys as "********" unless with_keys
 * (only `write memory` writes them). Output parses back to cfg. */
void tcfg_print(const struct tunneld_config *cfg, FILE *out, bool with_keys);

/* A copy (keys included). NULL when out of memory. */
struct tunneld_config *tcfg_clone(const struct tunneld_config *cfg);

/*
 * Apply text onto cfg in place, strictly, as a transaction body starting
 * in the config node. Returns 0, or -1 after writing "NAME:LINE: message"
 * to err (cfg is then half-edited: callers pass a copy).
 */
int tcfg_load_onto(struct tunneld_config *cfg, const char *name, const char *text, size_t len, FILE *err);

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
