/*
 * tunnel_config.c - parsing skygate-tunneld's configuration file with the
 * grammar engine: one registry, two tunnel nodes, and a check of each
 * tunnel once its block ends.
 */
#include "tunnel_config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"

enum tcfg_node {
	TNODE_CONFIG = 1,
	TNODE_GRE,
	TNODE_IPSEC,
};

struct parse_ctx {
	struct tunneld_config *cfg;
	struct tcfg_tunnel *cur; /* the tunnel whose block we are in */
	enum tcfg_node node;
	unsigned line;
	char msg[256];
};

static int fail(struct parse_ctx *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int fail(struct parse_ctx *p, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
	return -1;
}

const char *tcfg_kind_name(enum tcfg_kind k)
{
	return k == TCFG_GRE ? "gre" : "ipsec";
}

const char *tcfg_alg_name(enum tcfg_alg a)
{
	switch (a) {
	case TCFG_ALG_NULL:
		return "null";
	case TCFG_ALG_AES_GCM_128:
		return "aes-gcm-128";
	case TCFG_ALG_AES_GCM_256:
		return "aes-gcm-256";
	}
	return "?";
}

const char *tcfg_encap_name(enum tcfg_encap e)
{
	return e == TCFG_ENCAP_UDP ? "udp" : "esp";
}

uint32_t tcfg_mtu(const struct tcfg_tunnel *t)
{
	if (t->mtu != 0)
		return t->mtu;
	return t->kind == TCFG_GRE ? TCFG_GRE_DEFAULT_MTU : TCFG_IPSEC_DEFAULT_MTU;
}

/* ---- commands ------------------------------------------------------------ */

static bool name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n > TCFG_NAME_MAX)
		return false;
	/* A netdev name: no '/', no blanks, not "." or ".." (dev_valid_name). */
	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (!isalnum(c) && c != '-' && c != '_' && c != '.')
			return false;
	}
	return true;
}

static int start_tunnel(struct parse_ctx *p, const struct cmd_args *args, enum tcfg_kind kind)
{
	const char *name = cmd_args_get(args, "name");

	if (!name_valid(name))
		return fail(p, "tunnel name '%s': 1 to %d letters, digits, '-', '_' or '.' (it names the interface)",
		            name, TCFG_NAME_MAX);
	for (size_t i = 0; i < p->cfg->count; i++) {
		if (strcmp(p->cfg->tunnels[i].name, name) == 0)
			return fail(p, "tunnel %s is already defined at line %u", name,
			            p->cfg->tunnels[i].line);
	}
	if (p->cfg->count >= TCFG_MAX_TUNNELS)
		return fail(p, "too many tunnels (at most %d)", TCFG_MAX_TUNNELS);
	struct tcfg_tunnel *t = &p->cfg->tunnels[p->cfg->count++];
	memset(t, 0, sizeof(*t));
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->kind = kind;
	t->line = p->line;
	t->encap = TCFG_ENCAP_UDP;
	p->cur = t;
	p->node = kind == TCFG_GRE ? TNODE_GRE : TNODE_IPSEC;
	return 0;
}

static int cmd_tunnel_gre(void *ctx, const struct cmd_args *args)
{
	return start_tunnel(ctx, args, TCFG_GRE);
}

static int cmd_tunnel_ipsec(void *ctx, const struct cmd_args *args)
{
	return start_tunnel(ctx, args, TCFG_IPSEC);
}

static int parse_v4(const char *text, uint8_t out[4])
{
	struct in_addr a;

	if (inet_pton(AF_INET, text, &a) != 1)
		return -1;
	memcpy(out, &a, 4);
	return 0;
}

static int cmd_source(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;

	parse_v4(cmd_args_get(args, "addr"), p->cur->source);
	p->cur->has_source = true;
	return 0;
}

static int cmd_destination(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;

	parse_v4(cmd_args_get(args, "addr"), p->cur->destination);
	p->cur->has_destination = true;
	return 0;
}

static int cmd_inside_address(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	struct tcfg_tunnel *t = p->cur;
	struct prefix pfx;
	const char *text = cmd_args_get(args, "pfx");

	if (prefix_parse(text, &pfx) != 0)
		return fail(p, "bad inside address '%s'", text);
	if (t->inside_count >= TCFG_MAX_INSIDE)
		return fail(p, "too many inside addresses (at most %d)", TCFG_MAX_INSIDE);
	t->inside[t->inside_count++] = pfx;
	return 0;
}

static int cmd_mtu(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	uint64_t v;

	cmd_args_get_u64(args, "mtu", &v);
	p->cur->mtu = (uint32_t)v;
	return 0;
}

static int cmd_tcp_mss(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	uint64_t v;

	cmd_args_get_u64(args, "mss", &v);
	p->cur->tcp_mss = (uint16_t)v;
	return 0;
}

static int cmd_key(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	uint64_t v;

	cmd_args_get_u64(args, "key", &v);
	p->cur->has_key = true;
	p->cur->key = (uint32_t)v;
	return 0;
}

static int cmd_keepalive(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	uint64_t interval, retries;

	cmd_args_get_u64(args, "interval", &interval);
	cmd_args_get_u64(args, "retries", &retries);
	p->cur->keepalive_interval = (uint16_t)interval;
	p->cur->keepalive_retries = (uint8_t)retries;
	return 0;
}

static int cmd_shutdown(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;

	(void)args;
	p->cur->shutdown = true;
	return 0;
}

static int cmd_encapsulation(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;

	p->cur->encap = strcmp(cmd_args_get(args, "encap"), "udp") == 0 ? TCFG_ENCAP_UDP : TCFG_ENCAP_ESP;
	return 0;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* An SPI as 0x-prefixed hex or decimal, in [256, 2^32 - 1] (RFC 4303 2.1). */
static int parse_spi(const char *text, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (text[0] == '0' && (text[1] == 'x' || text[1] == 'X'))
		v = strtoull(text + 2, &end, 16);
	else
		v = strtoull(text, &end, 10);
	if (errno != 0 || *end != '\0' || end == text || text[0] == '-' || v < 256 || v > UINT32_MAX)
		return -1;
	*out = (uint32_t)v;
	return 0;
}

static int cmd_sa(void *ctx, const struct cmd_args *args)
{
	struct parse_ctx *p = ctx;
	bool out = strcmp(cmd_args_get(args, "dir"), "outbound") == 0;
	struct tcfg_sa *sa = out ? &p->cur->sa_out : &p->cur->sa_in;
	const char *alg = cmd_args_get(args, "alg");
	const char *key = cmd_args_get(args, "keyhex");
	struct tcfg_sa tmp = {.present = true, .line = p->line};
	size_t want;

	if (sa->present)
		return fail(p, "the %s SA is already configured at line %u", out ? "outbound" : "inbound",
		            sa->line);
	if (parse_spi(cmd_args_get(args, "spi"), &tmp.spi) != 0)
		return fail(p, "bad SPI '%s': 256 to 0xffffffff, decimal or 0x-hex (RFC 4303 2.1)",
		            cmd_args_get(args, "spi"));
	if (strcmp(alg, "null") == 0) {
		tmp.alg = TCFG_ALG_NULL;
		want = 0;
	} else {
		tmp.alg = strcmp(alg, "aes-gcm-128") == 0 ? TCFG_ALG_AES_GCM_128 : TCFG_ALG_AES_GCM_256;
		/* RFC 4106 section 8.1: key then 4-byte salt. */
		want = tmp.alg == TCFG_ALG_AES_GCM_128 ? 20 : 36;
		if (key == NULL || strlen(key) != want * 2)
			return fail(p, "%s needs a key of %zu hex digits (%zu-byte key and 4-byte salt, RFC 4106 8.1)",
			            alg, want * 2, want - 4);
		for (size_t i = 0; i < want; i++) {
			int hi = hex_digit(key[2 * i]), lo = hex_digit(key[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				explicit_bzero(&tmp, sizeof(tmp));
				return fail(p, "the key is not hexadecimal");
			}
			tmp.keymat[i] = (uint8_t)(hi << 4 | lo);
		}
	}
	tmp.keymat_len = want;
	*sa = tmp;
	explicit_bzero(&tmp, sizeof(tmp));
	return 0;
}

#define TUNNEL_COMMON(node)                                                                     \
	{node, "source A.B.C.D$addr", "Underlay source address\nIPv4 address\n", cmd_source, 0},  \
	    {node, "destination A.B.C.D$addr", "Underlay destination address\nIPv4 address\n",    \
	     cmd_destination, 0},                                                                 \
	    {node, "inside-address <A.B.C.D/M|X:X::X:X/M>$pfx",                                   \
	     "Address of the tunnel interface\nIPv4 address and length\nIPv6 address and length\n", \
	     cmd_inside_address, 0},                                                              \
	    {node, "mtu (576-8500)$mtu", "Tunnel MTU\nOctets\n", cmd_mtu, 0},                       \
	    {node, "tcp-mss (500-8460)$mss", "Clamp the MSS of TCP SYNs\nOctets\n", cmd_tcp_mss, 0}, \
	    {node, "shutdown", "Keep the tunnel down\n", cmd_shutdown, 0}

static const struct cmd_def tcfg_commands[] = {
    {TNODE_CONFIG, "tunnel gre WORD$name", "Tunnel\nGRE (RFC 2784)\nTunnel and interface name\n",
     cmd_tunnel_gre, 0},
    {TNODE_CONFIG, "tunnel ipsec WORD$name", "Tunnel\nIPsec ESP (RFC 4303)\nTunnel and interface name\n",
     cmd_tunnel_ipsec, 0},
    TUNNEL_COMMON(TNODE_GRE),
    {TNODE_GRE, "key (0-4294967295)$key", "GRE key (RFC 2890)\nKey\n", cmd_key, 0},
    {TNODE_GRE, "keepalive (1-32767)$interval (1-255)$retries",
     "Send keepalives\nSeconds between them\nMissed ones before the tunnel is down\n", cmd_keepalive, 0},
    TUNNEL_COMMON(TNODE_IPSEC),
    {TNODE_IPSEC, "encapsulation <udp|esp>$encap",
     "How ESP is carried\nIn UDP port 4500 (RFC 3948)\nAs IP protocol 50\n", cmd_encapsulation, 0},
    {TNODE_IPSEC, "sa <inbound|outbound>$dir spi WORD$spi <aes-gcm-128|aes-gcm-256>$alg key WORD$keyhex",
     "Manually keyed SA\nFrom the peer\nTo the peer\nSecurity Parameters Index\nSPI (0x-hex or decimal)\n"
     "AES-GCM, 128-bit key\nAES-GCM, 256-bit key\nKeying material\nKey and salt in hex\n",
     cmd_sa, 0},
    {TNODE_IPSEC, "sa <inbound|outbound>$dir spi WORD$spi null$alg",
     "Manually keyed SA\nFrom the peer\nTo the peer\nSecurity Parameters Index\nSPI (0x-hex or decimal)\n"
     "No cipher and no ICV (measurement only)\n",
     cmd_sa, 0},
};

/* ---- checks when a tunnel block ends ------------------------------------- */

static int check_tunnel(struct parse_ctx *p, const struct tcfg_tunnel *t)
{
	if (!t->has_source || !t->has_destination)
		return fail(p, "tunnel %s (line %u) needs a source and a destination", t->name, t->line);
	if (memcmp(t->source, t->destination, 4) == 0)
		return fail(p, "tunnel %s (line %u): source and destination are the same address", t->name,
		            t->line);
	uint32_t mtu = tcfg_mtu(t);
	if (t->tcp_mss != 0 && t->tcp_mss > mtu - 40)
		return fail(p, "tunnel %s (line %u): tcp-mss %u does not fit mtu %u (at most %u)", t->name,
		            t->line, t->tcp_mss, mtu, mtu - 40);
	if (t->kind == TCFG_IPSEC) {
		if (!t->sa_out.present || !t->sa_in.present)
			return fail(p, "tunnel %s (line %u) needs an inbound and an outbound SA", t->name,
			            t->line);
		for (size_t i = 0; i < p->cfg->count; i++) {
			const struct tcfg_tunnel *o = &p->cfg->tunnels[i];
			if (o != t && o->kind == TCFG_IPSEC && o->sa_in.present &&
			    o->sa_in.spi == t->sa_in.spi)
				return fail(p, "tunnel %s (line %u): inbound SPI 0x%x is already tunnel %s's",
				            t->name, t->line, t->sa_in.spi, o->name);
		}
	}
	return 0;
}

/* ---- the file ------------------------------------------------------------ */

static struct cmd_registry *registry(char *err, size_t errlen)
{
	struct cmd_registry *reg = cmd_registry_new();

	if (reg == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	for (size_t i = 0; i < sizeof(tcfg_commands) / sizeof(tcfg_commands[0]); i++) {
		if (cmd_register(reg, &tcfg_commands[i], err, errlen) != 0) {
			cmd_registry_free(reg);
			return NULL;
		}
	}
	return reg;
}

/* A line in a tunnel node that is not one of its commands may start the
 * next block (the vtysh convention); indentation is not significant. */
static int run_line(struct parse_ctx *p, struct cmd_registry *reg, const char *line)
{
	struct cmd_match m;
	int rc = 0;

	if (cmd_match_line(reg, (int)p->node, line, &m) != 0) {
		cmd_match_free(&m);
		return fail(p, "out of memory");
	}
	if (p->node != TNODE_CONFIG && (m.status == CMD_UNKNOWN || m.status == CMD_INCOMPLETE)) {
		struct cmd_match up;
		if (cmd_match_line(reg, TNODE_CONFIG, line, &up) == 0 && up.status == CMD_OK) {
			cmd_match_free(&m);
			m = up;
			if (check_tunnel(p, p->cur) != 0) {
				cmd_match_free(&m);
				return -1;
			}
			p->node = TNODE_CONFIG;
			p->cur = NULL;
		} else {
			cmd_match_free(&up);
		}
	}
	switch (m.status) {
	case CMD_EMPTY:
		break;
	case CMD_OK:
		rc = m.def->handler(p, m.args);
		break;
	default:
		/* The engine's message starts with "% "; the file's format
		 * does not need it. */
		rc = fail(p, "%s", m.error[0] == '%' && m.error[1] == ' ' ? m.error + 2 : m.error);
		break;
	}
	cmd_match_free(&m);
	return rc;
}

/* Cut a trailing "! comment" (a '!' after a blank); keys and names never
 * contain '!'. */
static void strip_comment(char *line)
{
	for (char *s = line; *s != '\0'; s++) {
		if (*s == '!' && (s == line || *(s - 1) == ' ' || *(s - 1) == '\t')) {
			*s = '\0';
			break;
		}
	}
}

struct tunneld_config *tcfg_load_text(const char *name, const char *text, size_t len, FILE *err)
{
	struct parse_ctx p = {.node = TNODE_CONFIG};
	char errbuf[256];
	char line[4096];
	struct cmd_registry *reg = registry(errbuf, sizeof(errbuf));
	int rc = 0;

	if (reg == NULL) {
		fprintf(err, "%s: %s\n", name, errbuf);
		return NULL;
	}
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (p.cfg == NULL) {
		cmd_registry_free(reg);
		fprintf(err, "%s: out of memory\n", name);
		return NULL;
	}
	for (size_t pos = 0; pos < len && rc == 0;) {
		const char *start = text + pos;
		const char *nl = memchr(start, '\n', len - pos);
		size_t n = nl != NULL ? (size_t)(nl - start) : len - pos;
		pos += n + (nl != NULL);
		p.line++;
		if (n > 0 && start[n - 1] == '\r')
			n--;
		if (n >= sizeof(line) || memchr(start, '\0', n) != NULL) {
			rc = fail(&p, "line too long or not text");
			break;
		}
		memcpy(line, start, n);
		line[n] = '\0';
		strip_comment(line);
		rc = run_line(&p, reg, line);
	}
	explicit_bzero(line, sizeof(line));
	if (rc == 0 && p.cur != NULL) {
		p.line++; /* the end of the file closes the last block */
		rc = check_tunnel(&p, p.cur);
	}
	cmd_registry_free(reg);
	if (rc != 0) {
		fprintf(err, "%s:%u: %s\n", name, p.line, p.msg);
		tcfg_free(p.cfg);
		return NULL;
	}
	return p.cfg;
}

struct tunneld_config *tcfg_load_file(const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char *text = NULL;
	size_t cap = 0, len = 0;

	if (f == NULL) {
		fprintf(err, "%s: %s\n", path, strerror(errno));
		return NULL;
	}
	for (;;) {
		if (len == cap) {
			size_t ncap = cap == 0 ? 8192 : cap * 2;
			char *n = ncap <= (1u << 24) ? realloc(text, ncap) : NULL;
			if (n == NULL) {
				fprintf(err, "%s: too large or out of memory\n", path);
				free(text);
				fclose(f);
				return NULL;
			}
			text = n;
			cap = ncap;
		}
		size_t got = fread(text + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	bool bad = ferror(f) != 0;
	fclose(f);
	struct tunneld_config *cfg = NULL;
	if (bad)
		fprintf(err, "%s: read error\n", path);
	else
		cfg = tcfg_load_text(path, text, len, err);
	explicit_bzero(text, cap);
	free(text);
	return cfg;
}

void tcfg_free(struct tunneld_config *cfg)
{
	if (cfg == NULL)
		return;
	explicit_bzero(cfg, sizeof(*cfg));
	free(cfg);
}
