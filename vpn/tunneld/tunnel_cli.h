/*
 * tunnel_cli.h - skygate-tunneld's CLI sessions, vtysh style as routed's
 * (routed/cli.h): the exec node, `configure terminal`, the config node
 * and one node per tunnel (`tunnel gre NAME`, `tunnel ipsec NAME`), whose
 * commands are the configuration file's (tunnel_config.h); `no` forms,
 * `exit`, `end`, `do`, '?' and TAB from the same grammar;
 * `show running-config [json]`, `write memory`, and transactions
 * (`skysh -f`: all or nothing, FILE:LINE errors).
 *
 * A configuration command runs on a copy of the running configuration;
 * the copy is checked (tcfg_check()), the data plane is made to follow it
 * (env->apply, tunnel_apply.h), and only then does it become the running
 * configuration. A command that fails any of these changes nothing.
 *
 * Ownership: struct tunnel_cli_env is the daemon's and owns `running`
 * and the registry; sessions borrow it and belong to whoever made them
 * (the control socket, a test).
 */
#ifndef SKYGATE_TUNNEL_CLI_H
#define SKYGATE_TUNNEL_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd.h"
#include "tunnel_config.h"

struct tunnel_cli_env {
	struct cmd_registry *reg;          /* owned */
	struct tunneld_config *running;    /* owned; replaced by every change */
	const char *config_path;           /* where `write memory` saves; NULL: nowhere */
	/* Make the data plane follow new (it follows old now): 0, or -1 with
	 * a message in err and nothing changed. NULL: configuration only. */
	int (*apply)(void *arg, const struct tunneld_config *old, const struct tunneld_config *new, char *err,
	             size_t errlen);
	void *apply_arg;
	void *show_arg;                    /* for the show commands (tunnel_ctl.c) */
};

struct tunnel_cli_session {
	struct tcfg_edit edit;             /* first: the configuration commands' context */
	struct tunnel_cli_env *env;        /* borrowed */
	FILE *out;                         /* where commands write (borrowed) */
	bool closing;                      /* `exit` in the exec node */
	/* `show running-config with-secrets` allowed: root's sessions on
	 * the socket (the socket's group sees masked keys only). */
	bool may_see_secrets;
};

/* Registry with the configuration commands and the session's own (exec,
 * exit, end, do, show running-config, write); more (the show commands)
 * may be registered after. running starts empty. 0 or -1 with err. */
int tunnel_cli_env_init(struct tunnel_cli_env *env, char *err, size_t errlen);
void tunnel_cli_env_fini(struct tunnel_cli_env *env);

void tunnel_cli_session_init(struct tunnel_cli_session *s, struct tunnel_cli_env *env, FILE *out);

/* Run one line: 0, or -1 when it was refused (its message went to s->out
 * as "% ..."). */
int tunnel_cli_execute(struct tunnel_cli_session *s, const char *line);

/* '?' and TAB: one "k|v<TAB>word<TAB>help" line each (IPC_COMPLETE). */
int tunnel_cli_complete(struct tunnel_cli_session *s, const char *before_cursor, FILE *out);

/* "tunneld# ", "tunneld(config)# ", "tunneld(config-tunnel)# ". */
void tunnel_cli_prompt(const struct tunnel_cli_session *s, char *buf, size_t len);

/* A whole configuration text applied onto the running one as one
 * transaction: 0, or -1 with "NAME:LINE: message" (or "NAME: message")
 * written to err and nothing changed. */
int tunnel_cli_load(struct tunnel_cli_env *env, const char *name, const char *text, size_t len, FILE *err);

/* Make cfg the running configuration (start-up): the data plane follows
 * it; takes ownership of cfg on success. 0 or -1 with err. */
int tunnel_cli_start(struct tunnel_cli_env *env, struct tunneld_config *cfg, char *err, size_t errlen);

/* The running configuration as JSON (keys never included); caller puts it. */
struct json_object *tunnel_cli_config_json(const struct tunneld_config *cfg);

#endif
