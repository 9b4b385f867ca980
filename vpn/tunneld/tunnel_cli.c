/*
 * tunnel_cli.c - CLI sessions of skygate-tunneld: nodes, line execution
 * with apply-or-refuse, completion, transactions, `show running-config`
 * and `write memory`.
 */
#include "tunnel_cli.h"

#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cfgfile.h"
#include "log.h"

#define LOG_TAG "cli"
#define HOSTNAME "tunneld"

static const char *const prompts[TCFG_NODE_COUNT] = {
    [TCFG_NODE_EXEC] = "# ",
    [TCFG_NODE_CONFIG] = "(config)# ",
    [TCFG_NODE_GRE] = "(config-tunnel)# ",
    [TCFG_NODE_IPSEC] = "(config-tunnel)# ",
};

static int cli_error(struct tunnel_cli_session *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int cli_error(struct tunnel_cli_session *s, const char *fmt, ...)
{
	va_list ap;

	fputs("% ", s->out);
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
	fputc('\n', s->out);
	return -1;
}

void tunnel_cli_session_init(struct tunnel_cli_session *s, struct tunnel_cli_env *env, FILE *out)
{
	*s = (struct tunnel_cli_session){.env = env, .out = out, .may_see_secrets = true};
	s->edit.cfg = env->running;
	s->edit.node = TCFG_NODE_EXEC;
}

void tunnel_cli_prompt(const struct tunnel_cli_session *s, char *buf, size_t len)
{
	int node = s->edit.node >= 0 && s->edit.node < TCFG_NODE_COUNT ? s->edit.node : 0;

	snprintf(buf, len, "%s%s", HOSTNAME, prompts[node]);
}

static bool in_tunnel_node(int node)
{
	return node == TCFG_NODE_GRE || node == TCFG_NODE_IPSEC;
}

/* A tunnel left incomplete is kept, but has no device: say so. */
static void warn_incomplete(struct tunnel_cli_session *s, const char *name)
{
	const struct tcfg_tunnel *t = tcfg_find_const(s->env->running, name);
	char why[96];

	if (t != NULL && !tcfg_complete(t, why, sizeof(why)))
		fprintf(s->out, "%% tunnel %s %s: it has no device until it has\n", name, why);
}

/* Make cand the running configuration if it checks and the data plane
 * follows it; else free it. */
static int commit(struct tunnel_cli_env *env, struct tunneld_config *cand, char *err, size_t errlen)
{
	if (tcfg_check(cand, NULL, false, err, errlen) != 0)
		goto refuse;
	if (env->apply != NULL && env->apply(env->apply_arg, env->running, cand, err, errlen) != 0)
		goto refuse;
	tcfg_free(env->running);
	env->running = cand;
	return 0;
refuse:
	tcfg_free(cand);
	return -1;
}

int tunnel_cli_execute(struct tunnel_cli_session *s, const char *line)
{
	struct tunnel_cli_env *env = s->env;
	int node_before = s->edit.node;
	char tunnel_before[TCFG_NAME_MAX + 1];
	int rc;

	snprintf(tunnel_before, sizeof(tunnel_before), "%s", s->edit.tunnel);
	if (s->edit.node == TCFG_NODE_EXEC) {
		s->edit.cfg = env->running;
		rc = tcfg_run_line(env->reg, &s->edit, s, line);
		if (rc != 0 && s->edit.msg[0] != '\0')
			cli_error(s, "%s", s->edit.msg);
		return rc;
	}
	/* A configuration node: the command edits a copy, which replaces
	 * the running configuration only once it checks and is applied. */
	struct tunneld_config *cand = tcfg_clone(env->running);
	if (cand == NULL)
		return cli_error(s, "out of memory");
	s->edit.cfg = cand;
	rc = tcfg_run_line(env->reg, &s->edit, s, line);
	s->edit.cfg = env->running;
	if (rc != 0) {
		tcfg_free(cand);
		if (s->edit.msg[0] != '\0')
			cli_error(s, "%s", s->edit.msg);
		/* A refused line leaves the session where it was, unless its
		 * tunnel is gone (then cur() moved it to the config node). */
		if (tcfg_find(env->running, tunnel_before) != NULL || !in_tunnel_node(node_before)) {
			s->edit.node = node_before;
			snprintf(s->edit.tunnel, sizeof(s->edit.tunnel), "%s", tunnel_before);
		}
		return -1;
	}
	if (memcmp(cand, env->running, sizeof(*cand)) == 0) {
		tcfg_free(cand);
	} else {
		char err[256];
		if (commit(env, cand, err, sizeof(err)) != 0) {
			/* Nothing changed: the node the command entered is not
			 * there either. */
			s->edit.node = node_before;
			snprintf(s->edit.tunnel, sizeof(s->edit.tunnel), "%s", tunnel_before);
			s->edit.cfg = env->running;
			return cli_error(s, "%s", err);
		}
		s->edit.cfg = env->running;
	}
	if (in_tunnel_node(node_before) &&
	    (!in_tunnel_node(s->edit.node) || strcmp(tunnel_before, s->edit.tunnel) != 0))
		warn_incomplete(s, tunnel_before);
	return 0;
}

int tunnel_cli_complete(struct tunnel_cli_session *s, const char *before_cursor, FILE *out)
{
	struct cmd_completion *list = NULL;
	size_t n = 0;

	if (cmd_complete(s->env->reg, s->edit.node, before_cursor, &list, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%c\t%s\t%s\n", list[i].is_keyword ? 'k' : 'v', list[i].word, list[i].help);
	cmd_completions_free(list, n);
	return 0;
}

/* ---- transactions and start-up ---------------------------------------------------- */

int tunnel_cli_load(struct tunnel_cli_env *env, const char *name, const char *text, size_t len, FILE *err)
{
	struct tunneld_config *cand = tcfg_clone(env->running);
	char msg[256];

	if (cand == NULL) {
		fprintf(err, "%s: out of memory\n", name);
		return -1;
	}
	if (tcfg_load_onto(cand, name, text, len, err) != 0) {
		tcfg_free(cand);
		return -1;
	}
	if (commit(env, cand, msg, sizeof(msg)) != 0) {
		fprintf(err, "%s: %s\n", name, msg);
		return -1;
	}
	return 0;
}

int tunnel_cli_start(struct tunnel_cli_env *env, struct tunneld_config *cfg, char *err, size_t errlen)
{
	return commit(env, cfg, err, errlen);
}

/* ---- commands of the session ----------------------------------------------------- */

static struct tunnel_cli_session *sess(void *ctx)
{
	return ctx;
}

static int cmd_configure(void *ctx, const struct cmd_args *args)
{
	(void)args;
	sess(ctx)->edit.node = TCFG_NODE_CONFIG;
	return 0;
}

static int cmd_exit(void *ctx, const struct cmd_args *args)
{
	struct tunnel_cli_session *s = sess(ctx);

	(void)args;
	if (s->edit.node == TCFG_NODE_EXEC)
		s->closing = true;
	else
		s->edit.node = TCFG_NODE_EXEC; /* from the config node */
	return 0;
}

static int cmd_end(void *ctx, const struct cmd_args *args)
{
	struct tunnel_cli_session *s = sess(ctx);

	(void)args;
	s->edit.node = TCFG_NODE_EXEC;
	s->edit.tunnel[0] = '\0';
	return 0;
}

static int cmd_do(void *ctx, const struct cmd_args *args)
{
	struct tunnel_cli_session *s = sess(ctx);
	struct tcfg_edit saved = s->edit;

	/* An exec command without leaving the node; one that would change
	 * the node (configure, exit) leaves it as it was. */
	s->edit.node = TCFG_NODE_EXEC;
	int rc = tunnel_cli_execute(s, cmd_args_get(args, "cmd"));
	saved.msg[0] = '\0';
	s->edit = saved;
	s->closing = false;
	return rc;
}

static struct json_object *sa_json(const struct tcfg_sa *sa)
{
	struct json_object *o = json_object_new_object();
	char spi[16];

	snprintf(spi, sizeof(spi), "0x%08x", sa->spi);
	json_object_object_add(o, "spi", json_object_new_string(spi));
	json_object_object_add(o, "algorithm", json_object_new_string(tcfg_alg_name(sa->alg)));
	return o;
}

struct json_object *tunnel_cli_config_json(const struct tunneld_config *cfg)
{
	struct json_object *root = json_object_new_object(), *list = json_object_new_array();
	char buf[INET6_ADDRSTRLEN + 8];

	for (size_t i = 0; i < cfg->count; i++) {
		const struct tcfg_tunnel *t = &cfg->tunnels[i];
		struct json_object *o = json_object_new_object(), *a = json_object_new_array();
		char why[96] = "";
		json_object_object_add(o, "name", json_object_new_string(t->name));
		json_object_object_add(o, "kind", json_object_new_string(tcfg_kind_name(t->kind)));
		if (t->has_source)
			json_object_object_add(o, "source",
			                       json_object_new_string(inet_ntop(t->source_af, t->source, buf, sizeof(buf))));
		if (t->has_destination)
			json_object_object_add(
			    o, "destination", json_object_new_string(inet_ntop(t->destination_af, t->destination, buf, sizeof(buf))));
		for (size_t k = 0; k < t->inside_count; k++)
			json_object_array_add(a, json_object_new_string(prefix_format(&t->inside[k], buf, sizeof(buf))));
		json_object_object_add(o, "insideAddresses", a);
		json_object_object_add(o, "mtu", json_object_new_int((int)tcfg_mtu(t)));
		if (tcfg_tcp_mss(t) != 0)
			json_object_object_add(o, "tcpMss", json_object_new_int(tcfg_tcp_mss(t)));
		if (t->kind == TCFG_GRE) {
			if (t->has_key)
				json_object_object_add(o, "key", json_object_new_int64(t->key));
			if (t->keepalive_interval != 0) {
				struct json_object *k = json_object_new_object();
				json_object_object_add(k, "interval", json_object_new_int(t->keepalive_interval));
				json_object_object_add(k, "retries", json_object_new_int(t->keepalive_retries));
				json_object_object_add(o, "keepalive", k);
			}
		} else {
			json_object_object_add(o, "encapsulation", json_object_new_string(tcfg_encap_name(t->encap)));
			if (t->sa_out.present)
				json_object_object_add(o, "saOutbound", sa_json(&t->sa_out));
			if (t->sa_in.present)
				json_object_object_add(o, "saInbound", sa_json(&t->sa_in));
			if (t->ike.enabled)
				json_object_object_add(o, "ike", tcfg_ike_json(&t->ike));
		}
		json_object_object_add(o, "shutdown", json_object_new_boolean(t->shutdown));
		bool complete = tcfg_complete(t, why, sizeof(why));
		json_object_object_add(o, "complete", json_object_new_boolean(complete));
		if (!complete)
			json_object_object_add(o, "incomplete", json_object_new_string(why));
		json_object_array_add(list, o);
	}
	json_object_object_add(root, "tunnels", list);
	return root;
}

static int cmd_show_running(void *ctx, const struct cmd_args *args)
{
	struct tunnel_cli_session *s = sess(ctx);

	if (cmd_args_has(args, "json")) {
		struct json_object *o = tunnel_cli_config_json(s->env->running);
		fprintf(s->out, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
		json_object_put(o);
		return 0;
	}
	bool secrets = cmd_args_has(args, "with-secrets");
	/* The keys only when asked for by name, and only to root: the
	 * socket's group may read the configuration but not the file
	 * `write memory` saves (0600). */
	if (secrets && !s->may_see_secrets)
		return cli_error(s, "with-secrets: only root sees the keys");
	fputs("Building configuration...\n\nCurrent configuration:\n!\n", s->out);
	tcfg_print(s->env->running, s->out, secrets);
	return 0;
}

static void print_with_keys(void *arg, FILE *f)
{
	tcfg_print(arg, f, true);
}

static int cmd_write(void *ctx, const struct cmd_args *args)
{
	struct tunnel_cli_session *s = sess(ctx);
	const struct tunneld_config *cfg = s->env->running;
	char err[512];

	if (cmd_args_has(args, "terminal")) {
		tcfg_print(cfg, s->out, false);
		return 0;
	}
	if (s->env->config_path == NULL)
		return cli_error(s, "no configuration file: start skygate-tunneld with -f FILE");
	/* The file must load at the next start, and a file is strict. */
	for (size_t i = 0; i < cfg->count; i++) {
		char why[96];
		if (!tcfg_complete(&cfg->tunnels[i], why, sizeof(why)))
			return cli_error(s, "tunnel %s %s: not saved (complete it or remove it)", cfg->tunnels[i].name,
			                 why);
	}
	/* 0600: the file holds the SA keys. */
	if (cfgfile_save(s->env->config_path, 0600, print_with_keys, (void *)cfg, err, sizeof(err)) != 0)
		return cli_error(s, "%s", err);
	log_notice(LOG_TAG, "configuration saved to %s", s->env->config_path);
	fprintf(s->out, "Configuration saved to %s\n", s->env->config_path);
	return 0;
}

#define SHOW_HELP "Show running system information\n"
#define JSON_HELP "JavaScript Object Notation\n"
#define EXIT_HELP "Exit current mode and down to previous mode\n"
#define END_HELP  "End current mode and change to enable mode\n"
#define DO_HELP   "To run exec commands in config mode\nExec command\n"

static const struct cmd_def session_commands[] = {
    {TCFG_NODE_EXEC, "configure [terminal]", "Configuration from vty interface\nConfiguration terminal\n",
     cmd_configure, 0},
    {TCFG_NODE_EXEC, "show running-config [json]", SHOW_HELP "Current operating configuration\n" JSON_HELP,
     cmd_show_running, 0},
    {TCFG_NODE_EXEC, "show running-config with-secrets",
     SHOW_HELP "Current operating configuration\nWith the keys in clear (as `write memory` saves them)\n",
     cmd_show_running, 0},
    {TCFG_NODE_EXEC, "write [memory|file|terminal]",
     "Write running configuration to memory, file or terminal\n"
     "Write configuration to the configuration file\nWrite configuration to the configuration file\n"
     "Write configuration to the terminal\n",
     cmd_write, 0},
    {TCFG_NODE_EXEC, "exit", EXIT_HELP, cmd_exit, 0},
    {TCFG_NODE_EXEC, "quit", EXIT_HELP, cmd_exit, 0},
    {TCFG_NODE_CONFIG, "exit", EXIT_HELP, cmd_exit, 0},
    {TCFG_NODE_CONFIG, "quit", EXIT_HELP, cmd_exit, 0},
    {TCFG_NODE_CONFIG, "end", END_HELP, cmd_end, 0},
    {TCFG_NODE_GRE, "end", END_HELP, cmd_end, 0},
    {TCFG_NODE_IPSEC, "end", END_HELP, cmd_end, 0},
    {TCFG_NODE_CONFIG, "do LINE$cmd", DO_HELP, cmd_do, 0},
    {TCFG_NODE_GRE, "do LINE$cmd", DO_HELP, cmd_do, 0},
    {TCFG_NODE_IPSEC, "do LINE$cmd", DO_HELP, cmd_do, 0},
};

int tunnel_cli_env_init(struct tunnel_cli_env *env, char *err, size_t errlen)
{
	memset(env, 0, sizeof(*env));
	env->reg = cmd_registry_new();
	env->running = calloc(1, sizeof(*env->running));
	if (env->reg == NULL || env->running == NULL) {
		snprintf(err, errlen, "out of memory");
		goto fail;
	}
	if (tcfg_register(env->reg, err, errlen) != 0)
		goto fail;
	for (size_t i = 0; i < sizeof(session_commands) / sizeof(session_commands[0]); i++) {
		char why[200];
		if (cmd_register(env->reg, &session_commands[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "command '%s': %s", session_commands[i].syntax, why);
			goto fail;
		}
	}
	return 0;
fail:
	tunnel_cli_env_fini(env);
	return -1;
}

void tunnel_cli_env_fini(struct tunnel_cli_env *env)
{
	cmd_registry_free(env->reg);
	tcfg_free(env->running);
	env->reg = NULL;
	env->running = NULL;
}
