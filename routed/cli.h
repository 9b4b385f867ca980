/*
 * CLI sessions of skygate-routed: the node a session is in, how a line is
 * executed there, '?' and TAB lists, and configuration transactions.
 *
 * A session is one skysh connection (or one config file being loaded). It
 * keeps only its node; the configuration it edits is found through the
 * environment every time, so a transaction that replaces the running config
 * under it, or another session that deletes `router bgp` while this one is
 * inside it, cannot leave it pointing at freed memory.
 *
 * Ownership: struct cli_env is owned by the daemon and borrowed by every
 * session; sessions are owned by whoever created them (the CLI server, a
 * loader, a test).
 */
#ifndef SKYGATE_ROUTED_CLI_H
#define SKYGATE_ROUTED_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include "cmd.h"
#include "config_model.h"

enum routed_node {
	NODE_EXEC = 0,
	NODE_CONFIG,
	NODE_BGP,
	NODE_BGP_AF_IPV4,
	NODE_BGP_AF_IPV6,
	NODE_ROUTE_MAP, /* route-map NAME permit|deny N */
	NODE_DOMAIN,    /* domain NAME */
	NODE_COUNT,
};

struct bgp_instance;
struct appr_db;

struct cli_env {
	struct cmd_registry *reg;
	struct routed_config *running;  /* owned by the env; replaced by transactions */
	const char *config_path;        /* where `write memory` saves (borrowed) */
	time_t started;
	unsigned sessions_open;
	/* Told after every change to the running configuration (a command in
	 * a config node, or a transaction), so the daemon's modules follow it. */
	void (*config_changed)(void *arg, const struct routed_config *cfg);
	void *config_changed_arg;
	/* The BGP speaker, for show commands; NULL without `router bgp`. */
	struct bgp_instance *bgp;
	/* The route approval store (approval/approval.h), owned by the
	 * daemon; NULL when none is open (unit tests). */
	struct appr_db *approval;
};

struct cli_session {
	struct cli_env *env;            /* borrowed */
	enum routed_node node;
	/* Non-NULL while a transaction runs: the private copy being edited. */
	struct routed_config *txn;
	FILE *out;                      /* where commands write (borrowed) */
	/* Who is typing, for the audit trail: "cli:NAME" from the socket
	 * peer's uid ("cli" when unknown). */
	char user[64];
	bool closing;                   /* `exit` at the top: end the session */
	/* NODE_ROUTE_MAP: the entry being edited (POLICY_NAME_MAX + 1). */
	char route_map[64];
	uint32_t route_map_seq;
	/* NODE_DOMAIN: the domain being edited (DOMAIN_NAME_MAX + 1). */
	char domain[32];
};

/* Build the registry with every routed command. Returns NULL with a reason
 * in err if a declaration is broken (a programming error). */
struct cmd_registry *cli_registry_new(char *err, size_t errlen);

void cli_session_init(struct cli_session *s, struct cli_env *env, FILE *out);

/* The configuration the session edits: its transaction copy, or the running one. */
struct routed_config *cli_config(const struct cli_session *s);

/* Execute one line. Output and error text go to s->out. Returns 0, or -1
 * if the command was not accepted (then nothing changed). */
int cli_execute(struct cli_session *s, const char *line);

/* What may follow the text before the cursor, one "k|v\tword\thelp" line
 * each (see IPC_COMPLETE). Returns 0 or -1. */
int cli_complete(struct cli_session *s, const char *before_cursor, FILE *out);

/* The prompt for the session's node: "gw1# ", "gw1(config-router)# ". */
void cli_prompt(const struct cli_session *s, char *buf, size_t len);

/*
 * Apply a whole configuration text as one transaction, starting in the
 * config node: every line must apply, or nothing does. On error writes
 * "NAME:LINE: message" to err and returns -1. On success the result
 * replaces env->running (unless into is given: then the result is
 * returned through it and env->running is untouched, for start-up loads
 * and tests).
 */
int cli_load_text(struct cli_env *env, const char *name, const char *text, size_t len, FILE *err,
		  struct routed_config **into);

/* Load a file the same way (start-up, `-f FILE`). */
int cli_load_file(struct cli_env *env, const char *path, FILE *err, struct routed_config **into);

/* Write the running config to path atomically: a temporary file in the same
 * directory, fsync, the old file kept as PATH.bak, rename. 0 or -1 with a
 * reason in err. */
int cli_save_config(const struct routed_config *cfg, const char *path, char *err, size_t errlen);

/* Every command of every node as a Markdown reference (docs/cli.md). */
void cli_print_reference(const struct cmd_registry *reg, FILE *out);

#endif
