/*
 * CLI sessions: nodes, line execution, completion, transactions, and the
 * commands every node shares (exit, end, do, show, write).
 */
#include "config.h"

#include "cli.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfgfile.h"
#include "cli_internal.h"

struct node_info {
	const char *name;          /* for docs/cli.md */
	const char *prompt;        /* suffix after the hostname */
	enum routed_node parent;
};

static const struct node_info nodes[NODE_COUNT] = {
	[NODE_EXEC] = {"exec", "# ", NODE_EXEC},
	[NODE_CONFIG] = {"configure terminal", "(config)# ", NODE_EXEC},
	[NODE_BGP] = {"router bgp ASN", "(config-router)# ", NODE_CONFIG},
	[NODE_BGP_AF_IPV4] = {"address-family ipv4 unicast", "(config-router-af)# ", NODE_BGP},
	[NODE_BGP_AF_IPV6] = {"address-family ipv6 unicast", "(config-router-af)# ", NODE_BGP},
	[NODE_ROUTE_MAP] = {"route-map NAME permit|deny N", "(config-route-map)# ", NODE_CONFIG},
	[NODE_DOMAIN] = {"domain NAME", "(config-domain)# ", NODE_CONFIG},
};

void cli_session_init(struct cli_session *s, struct cli_env *env, FILE *out)
{
	*s = (struct cli_session){.env = env, .node = NODE_EXEC, .out = out, .user = "cli"};
}

struct routed_config *cli_config(const struct cli_session *s)
{
	return s->txn != NULL ? s->txn : s->env->running;
}

void cli_prompt(const struct cli_session *s, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", cli_config(s)->hostname, nodes[s->node].prompt);
}

int cli_error(struct cli_session *s, const char *fmt, ...)
{
	va_list ap;

	fputs("% ", s->out);
	va_start(ap, fmt);
	vfprintf(s->out, fmt, ap);
	va_end(ap);
	fputc('\n', s->out);
	return -1;
}

/* A node inside `router bgp` is only meaningful while the instance exists:
 * another session may have removed it. */
static const char *node_gone(struct cli_session *s)
{
	bool in_bgp = s->node == NODE_BGP || s->node == NODE_BGP_AF_IPV4 || s->node == NODE_BGP_AF_IPV6;

	if (in_bgp && cli_config(s)->bgp == NULL) {
		s->node = NODE_CONFIG;
		return "router bgp";
	}
	/* Likewise a route-map entry another session deleted. */
	if (s->node == NODE_ROUTE_MAP && !cli_route_map_node_valid(s)) {
		s->node = NODE_CONFIG;
		return "the route-map entry";
	}
	if (s->node == NODE_DOMAIN && !cli_domain_node_valid(s)) {
		s->node = NODE_CONFIG;
		return "the domain";
	}
	return NULL;
}

static bool node_still_valid(struct cli_session *s)
{
	return node_gone(s) == NULL;
}

static bool is_config_node(enum routed_node node)
{
	return node != NODE_EXEC;
}

/* Match line in node and, with climb, in the node's parents: configuration
 * text leaves a sub-node by writing a line of an outer node, as FRR's config
 * files and vtysh do. */
static int match_in_node_or_parents(struct cli_session *s, const char *line, bool climb,
				    struct cmd_match *m, enum routed_node *matched_node)
{
	enum routed_node node = s->node;

	if (cmd_match_line(s->env->reg, (int)node, line, m) != 0)
		return -1;
	*matched_node = node;
	if (!climb || m->status == CMD_OK || m->status == CMD_EMPTY)
		return 0;
	if (m->status != CMD_UNKNOWN && m->status != CMD_INCOMPLETE)
		return 0;
	while (node != NODE_CONFIG && node != NODE_EXEC) {
		struct cmd_match up;
		node = nodes[node].parent;
		if (cmd_match_line(s->env->reg, (int)node, line, &up) != 0) {
			cmd_match_free(&up);
			return -1;
		}
		if (up.status == CMD_OK) {
			cmd_match_free(m);
			*m = up;
			*matched_node = node;
			return 0;
		}
		cmd_match_free(&up);
	}
	return 0;
}

static int execute(struct cli_session *s, const char *line, bool climb)
{
	struct cmd_match m;
	enum routed_node node;
	int rc;
	const char *gone = node_gone(s);

	if (gone != NULL)
		cli_error(s, "%s was removed by another session; back in configure mode", gone);
	if (match_in_node_or_parents(s, line, climb, &m, &node) != 0) {
		cmd_match_free(&m);
		return cli_error(s, "out of memory");
	}
	switch (m.status) {
	case CMD_EMPTY:
		rc = 0;
		break;
	case CMD_OK:
		s->node = node;
		rc = m.def->handler != NULL ? m.def->handler(s, m.args) : 0;
		/* Commands of config nodes change the configuration; the
		 * modules that follow it are told at once, outside
		 * transactions (which tell them when they commit). */
		if (rc == 0 && node != NODE_EXEC && s->txn == NULL && s->env->config_changed != NULL)
			s->env->config_changed(s->env->config_changed_arg, s->env->running);
		break;
	default:
		fprintf(s->out, "%s\n", m.error);
		rc = -1;
		break;
	}
	cmd_match_free(&m);
	return rc;
}

int cli_execute(struct cli_session *s, const char *line)
{
	/* Like vtysh, a config command of an outer node works from an inner
	 * one and moves the session there. */
	return execute(s, line, true);
}

int cli_complete(struct cli_session *s, const char *before_cursor, FILE *out)
{
	struct cmd_completion *list = NULL;
	size_t n = 0;

	node_still_valid(s);
	if (cmd_complete(s->env->reg, (int)s->node, before_cursor, &list, &n) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		fprintf(out, "%c\t%s\t%s\n", list[i].is_keyword ? 'k' : 'v', list[i].word, list[i].help);
	cmd_completions_free(list, n);
	return 0;
}

/* ---- transactions ------------------------------------------------------ */

int cli_load_text(struct cli_env *env, const char *name, const char *text, size_t len, FILE *err,
		  struct routed_config **into)
{
	struct cli_session s;
	char *msg = NULL;
	size_t msglen = 0;
	FILE *msgs = open_memstream(&msg, &msglen);
	int rc = 0;

	if (msgs == NULL) {
		fprintf(err, "%s: out of memory\n", name);
		return -1;
	}
	cli_session_init(&s, env, msgs);
	s.txn = rcfg_clone(env->running);
	if (s.txn == NULL) {
		fclose(msgs);
		free(msg);
		fprintf(err, "%s: out of memory\n", name);
		return -1;
	}
	s.node = NODE_CONFIG;

	size_t lineno = 0;
	for (size_t pos = 0; pos < len && rc == 0;) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		lineno++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n > CLI_LINE_MAX || memchr(start, '\0', n) != NULL) {
			fprintf(err, "%s:%zu: line too long or not text\n", name, lineno);
			rc = -1;
			break;
		}
		char line[CLI_LINE_MAX + 1];
		memcpy(line, start, n);
		line[n] = '\0';
		/* `configure terminal` at the top of a pasted file is harmless. */
		if (s.node == NODE_CONFIG && strcmp(line, "configure terminal") == 0)
			continue;
		/* Each line's messages start afresh: a memstream keeps its
		 * length across rewind, so clear the old text. */
		fflush(msgs);
		if (msg != NULL)
			memset(msg, 0, msglen);
		rewind(msgs);
		if (execute(&s, line, true) != 0 || s.closing) {
			fflush(msgs);
			const char *why = msg != NULL ? msg : "";
			if (s.closing)
				why = "exit leaves the configuration";
			if (strncmp(why, "% ", 2) == 0)
				why += 2;
			fprintf(err, "%s:%zu: %.*s\n", name, lineno, (int)strcspn(why, "\n"), why);
			rc = -1;
		}
	}
	fclose(msgs);
	free(msg);
	if (rc != 0) {
		rcfg_free(s.txn);
		return -1;
	}
	if (into != NULL) {
		*into = s.txn;
	} else {
		rcfg_free(env->running);
		env->running = s.txn;
		if (env->config_changed != NULL)
			env->config_changed(env->config_changed_arg, env->running);
	}
	return 0;
}

int cli_load_file(struct cli_env *env, const char *path, FILE *err, struct routed_config **into)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (;;) {
		if (cap - len < 4096) {
			if (cap >= CLI_FILE_MAX) {
				fprintf(err, "%s: larger than %u bytes\n", path, CLI_FILE_MAX);
				free(text);
				fclose(f);
				return -1;
			}
			cap = cap ? cap * 2 : 8192;
			char *grown = realloc(text, cap);
			if (grown == NULL) {
				free(text);
				fclose(f);
				fprintf(err, "%s: out of memory\n", path);
				return -1;
			}
			text = grown;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool read_error = ferror(f);
	fclose(f);
	if (read_error) {
		fprintf(err, "%s: read error\n", path);
		free(text);
		return -1;
	}
	int rc = cli_load_text(env, path, text != NULL ? text : "", len, err, into);
	free(text);
	return rc;
}

static void print_routed_config(void *arg, FILE *f)
{
	rcfg_print(arg, f);
}

int cli_save_config(const struct routed_config *cfg, const char *path, char *err, size_t errlen)
{
	return cfgfile_save(path, 0640, print_routed_config, (void *)cfg, err, errlen);
}

/* ---- commands every node shares ------------------------------------------ */

static int cmd_exit(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;

	(void)args;
	if (s->node == NODE_EXEC)
		s->closing = true;
	else
		s->node = nodes[s->node].parent;
	return 0;
}

static int cmd_end(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;

	(void)args;
	s->node = NODE_EXEC;
	return 0;
}

static int cmd_do(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	enum routed_node back = s->node;

	/* `do` runs an exec command without leaving the config node; a command
	 * that would change node (configure, exit) keeps the config node. */
	s->node = NODE_EXEC;
	int rc = cli_execute(s, cmd_args_get(args, "cmd"));
	s->node = back;
	s->closing = false;
	return rc;
}

static int cmd_configure(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;

	(void)args;
	s->node = NODE_CONFIG;
	return 0;
}

static bool want_json(const struct cmd_args *args)
{
	return cmd_args_has(args, "json");
}

static void print_json(struct cli_session *s, struct json_object *obj)
{
	fprintf(s->out, "%s\n", json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED));
	json_object_put(obj);
}

static int cmd_show_running(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;

	if (want_json(args)) {
		print_json(s, rcfg_to_json(cli_config(s)));
		return 0;
	}
	fputs("Building configuration...\n\nCurrent configuration:\n!\n", s->out);
	rcfg_print(cli_config(s), s->out);
	return 0;
}

static int cmd_show_version(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	long up = (long)(time(NULL) - s->env->started);

	if (want_json(args)) {
		struct json_object *o = json_object_new_object();
		json_object_object_add(o, "product", json_object_new_string(PACKAGE_NAME));
		json_object_object_add(o, "version", json_object_new_string(PACKAGE_VERSION));
		json_object_object_add(o, "hostname", json_object_new_string(cli_config(s)->hostname));
		json_object_object_add(o, "uptimeSeconds", json_object_new_int64(up));
		json_object_object_add(o, "cliSessions", json_object_new_int(s->env->sessions_open));
		print_json(s, o);
		return 0;
	}
	fprintf(s->out, "%s %s (%s)\nUptime: %ld seconds, %u CLI session(s)\n", PACKAGE_NAME,
		PACKAGE_VERSION, cli_config(s)->hostname, up, s->env->sessions_open);
	return 0;
}

static int cmd_write(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;
	char err[512];

	if (cmd_args_has(args, "terminal")) {
		rcfg_print(cli_config(s), s->out);
		return 0;
	}
	if (s->txn != NULL)
		return cli_error(s, "write is not allowed inside a configuration file");
	if (s->env->config_path == NULL)
		return cli_error(s, "no configuration file: start skygate-routed with -f FILE");
	if (cli_save_config(cli_config(s), s->env->config_path, err, sizeof(err)) != 0)
		return cli_error(s, "%s", err);
	fprintf(s->out, "Configuration saved to %s\n", s->env->config_path);
	return 0;
}

static int cmd_list(void *ctx, const struct cmd_args *args)
{
	struct cli_session *s = ctx;

	(void)args;
	for (size_t i = 0;; i++) {
		const struct cmd_def *def = cmd_at(s->env->reg, (int)s->node, i);
		if (def == NULL)
			break;
		if (!(def->flags & CMD_FLAG_HIDDEN))
			fprintf(s->out, "  %s\n", def->syntax);
	}
	return 0;
}

#define SHOW_HELP "Show running system information\n"
#define JSON_HELP "JavaScript Object Notation\n"

static const struct cmd_def exec_commands[] = {
	{NODE_EXEC, "configure [terminal]", "Configuration from vty interface\nConfiguration terminal\n", cmd_configure, 0},
	{NODE_EXEC, "show running-config [json]", SHOW_HELP "Current operating configuration\n" JSON_HELP, cmd_show_running, 0},
	{NODE_EXEC, "show version [json]", SHOW_HELP "Displays skygate version\n" JSON_HELP, cmd_show_version, 0},
	{NODE_EXEC, "write [memory|file|terminal]", "Write running configuration to memory, file or terminal\n"
		"Write configuration to the configuration file\nWrite configuration to the configuration file\n"
		"Write configuration to the terminal\n", cmd_write, 0},
};

/* Registered in every node: leaving a node, listing, and `do` in config nodes. */
static const struct {
	const char *syntax;
	const char *help;
	cmd_handler_fn handler;
	bool config_only;
} common_commands[] = {
	{"exit", "Exit current mode and down to previous mode\n", cmd_exit, false},
	{"quit", "Exit current mode and down to previous mode\n", cmd_exit, false},
	{"end", "End current mode and change to enable mode\n", cmd_end, true},
	{"list", "Print command list\n", cmd_list, false},
	{"do LINE$cmd", "To run exec commands in config mode\nExec command\n", cmd_do, true},
};

int cli_register_all(struct cmd_registry *reg, const struct cmd_def *defs, size_t n, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		char why[256];
		if (cmd_register(reg, &defs[i], why, sizeof(why)) != 0) {
			snprintf(err, errlen, "command '%s': %s", defs[i].syntax, why);
			return -1;
		}
	}
	return 0;
}

/* The common commands, one cmd_def per node, built once. */
static struct cmd_def common_defs[NODE_COUNT * (sizeof(common_commands) / sizeof(common_commands[0]))];

struct cmd_registry *cli_registry_new(char *err, size_t errlen)
{
	struct cmd_registry *reg = cmd_registry_new();
	size_t k = 0;

	if (reg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (int node = 0; node < NODE_COUNT; node++) {
		for (size_t i = 0; i < sizeof(common_commands) / sizeof(common_commands[0]); i++) {
			if (common_commands[i].config_only && !is_config_node((enum routed_node)node))
				continue;
			common_defs[k] = (struct cmd_def){node, common_commands[i].syntax, common_commands[i].help,
							  common_commands[i].handler, 0};
			k++;
		}
	}
	if (cli_register_all(reg, common_defs, k, err, errlen) != 0 ||
	    cli_register_all(reg, exec_commands, sizeof(exec_commands) / sizeof(exec_commands[0]), err, errlen) != 0 ||
	    cli_register_config_commands(reg, err, errlen) != 0 ||
	    cli_register_policy_commands(reg, err, errlen) != 0 ||
	    cli_register_domain_commands(reg, err, errlen) != 0 ||
	    cli_register_bgp_show_commands(reg, err, errlen) != 0 ||
	    cli_register_route_show_commands(reg, err, errlen) != 0 ||
	    cli_register_approval_commands(reg, err, errlen) != 0) {
		cmd_registry_free(reg);
		return NULL;
	}
	return reg;
}

/* Index of the help line that says what a command does: the one of its last
 * token outside any [optional] or <alternative> group ("show version [json]"
 * -> "version"). Tokens are counted the way the engine counts them. */
static size_t describing_token(const char *syntax)
{
	size_t index = 0, last_top = 0;
	int depth = 0;
	bool in_word = false;

	for (const char *p = syntax; *p != '\0'; p++) {
		char c = *p;
		if (c == '[' || c == '<') {
			depth++;
			in_word = false;
		} else if (c == ']' || c == '>') {
			depth--;
			in_word = false;
		} else if (c == ' ' || c == '|') {
			in_word = false;
		} else if (c == '$') {
			/* a binding name is not a token: skip it */
			while (p[1] != '\0' && p[1] != ' ' && p[1] != '|' && p[1] != ']' && p[1] != '>')
				p++;
		} else if (!in_word) {
			in_word = true;
			if (depth == 0)
				last_top = index;
			index++;
		}
	}
	return last_top;
}

void cli_print_reference(const struct cmd_registry *reg, FILE *out)
{
	fputs("# skysh command reference\n\n"
	      "Every command of skygate-routed, by CLI node. Syntax as in cli-grammar.md:\n"
	      "`<a|b>` one of, `[x]` optional, `A.B.C.D` an IPv4 address, `(1-65535)` a number,\n"
	      "`WORD` one word, `LINE` the rest of the line. Every `show` command takes `json`.\n"
	      "Generated by `skygate-routed --cli-reference`; a test keeps it current.\n",
	      out);
	for (int node = 0; node < NODE_COUNT; node++) {
		fprintf(out, "\n## %s\n\nPrompt: `hostname%s`\n\n| command | what it does |\n| --- | --- |\n",
			nodes[node].name, nodes[node].prompt);
		for (size_t i = 0;; i++) {
			const struct cmd_def *def = cmd_at(reg, node, i);
			if (def == NULL)
				break;
			if (def->flags & CMD_FLAG_HIDDEN)
				continue;
			const char *help = def->help;
			for (size_t skip = describing_token(def->syntax); skip > 0 && help != NULL; skip--) {
				help = strchr(help, '\n');
				if (help != NULL)
					help++;
			}
			if (help == NULL)
				help = "";
			fputs("| `", out);
			/* '|' inside a Markdown table cell must be escaped. */
			for (const char *p = def->syntax; *p != '\0'; p++) {
				if (*p == '|')
					fputc('\\', out);
				fputc(*p, out);
			}
			fprintf(out, "` | %.*s |\n", (int)strcspn(help, "\n"), help);
		}
	}
}
