/*
 * cmd_syntax.c - compile command syntax strings and keep the registry.
 *
 * A syntax string is a regular expression over tokens, so it is compiled
 * into a position automaton (Glushkov's construction): every token is a
 * state, and for each one we record which tokens may follow it and whether
 * the command may end there.  Unlike a graph with empty moves, this needs
 * no closure computation while matching, and the positions are exactly the
 * tokens in order of appearance, which is also the order of the help
 * lines.
 *
 * The parser is recursive descent over the characters of the syntax:
 *   seq  := item*
 *   item := token ['$' name] | '<' alts '>' ['$' name] | '[' alts ']' ['$' name]
 *   alts := seq ('|' seq)*
 * Each production returns a fragment: its first and last positions, whether
 * it can match nothing, and the range of positions it contains (tokens are
 * numbered as they are read, so a group's tokens are contiguous).
 */
#define SKYGATE_CMD_PRIVATE
#include "cmd.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Deep enough for any real command; keeps a broken syntax off the stack. */
#define CMD_MAX_DEPTH 32

struct cmd_registry {
	struct cmd_node_list *nodes;
	size_t count, cap;
};

struct idset {
	uint32_t *v;
	size_t n, cap;
};

struct frag {
	struct idset first, last;
	bool nullable;
	size_t lo, hi; /* positions [lo, hi) belong to the fragment */
};

struct parser {
	const char *syntax;
	const char *p;
	struct cmd_graph *g;
	size_t cap; /* of g->toks */
	unsigned depth;
	char *err;
	size_t errlen;
};

static void __attribute__((format(printf, 2, 3)))
parse_error(struct parser *ps, const char *fmt, ...)
{
	char reason[160];
	va_list ap;

	if (!ps->err || ps->errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	snprintf(ps->err, ps->errlen, "\"%s\": %s at column %zu", ps->syntax, reason,
	         (size_t)(ps->p - ps->syntax) + 1);
}

static void __attribute__((format(printf, 3, 4)))
set_error(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/*
 * Make room for need elements of size elem in the array v of capacity *cap.
 * Returns the (possibly moved) array, or NULL when out of memory, in which
 * case v is untouched and still owned by the caller.
 */
static void *grow(void *v, size_t *cap, size_t need, size_t elem)
{
	size_t ncap;
	void *nv;

	if (need <= *cap)
		return v;
	ncap = *cap ? *cap : 4;
	while (ncap < need)
		ncap *= 2;
	if (ncap > SIZE_MAX / elem)
		return NULL;
	nv = realloc(v, ncap * elem);
	if (nv)
		*cap = ncap;
	return nv;
}

static int idset_add(struct idset *s, uint32_t id)
{
	uint32_t *nv;

	for (size_t i = 0; i < s->n; i++)
		if (s->v[i] == id)
			return 0;
	nv = grow(s->v, &s->cap, s->n + 1, sizeof(*s->v));
	if (!nv)
		return -1;
	s->v = nv;
	s->v[s->n++] = id;
	return 0;
}

static int idset_union(struct idset *dst, const struct idset *src)
{
	for (size_t i = 0; i < src->n; i++)
		if (idset_add(dst, src->v[i]) < 0)
			return -1;
	return 0;
}

static void frag_free(struct frag *f)
{
	free(f->first.v);
	free(f->last.v);
	memset(f, 0, sizeof(*f));
}

static int follow_add(struct cmd_tok *t, uint32_t id)
{
	uint32_t *nv;

	for (size_t i = 0; i < t->nfollow; i++)
		if (t->follow[i] == id)
			return 0;
	nv = grow(t->follow, &t->capfollow, t->nfollow + 1, sizeof(*t->follow));
	if (!nv)
		return -1;
	t->follow = nv;
	t->follow[t->nfollow++] = id;
	return 0;
}

int cmd_parse_u64(const char *s, uint64_t *out)
{
	uint64_t v = 0;

	if (!s || s[0] < '0' || s[0] > '9')
		return -1;
	/* "010" is refused so that what we print parses back the same. */
	if (s[0] == '0' && s[1] != '\0')
		return -1;
	for (; *s; s++) {
		unsigned d;

		if (*s < '0' || *s > '9')
			return -1;
		d = (unsigned)(*s - '0');
		if (v > (UINT64_MAX - d) / 10)
			return -1;
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

static bool is_keyword_text(const char *s)
{
	if (!((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= '0' && s[0] <= '9')))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-' ||
		      *s == '.' || *s == ':'))
			return false;
	return true;
}

static bool is_variable_name(const char *s)
{
	if (s[0] < 'A' || s[0] > 'Z')
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '-'))
			return false;
	return true;
}

static int classify(const char *text, enum cmd_tok_type *type)
{
	static const struct {
		const char *text;
		enum cmd_tok_type type;
	} special[] = {
	    {"A.B.C.D", CMD_TOK_IPV4},  {"A.B.C.D/M", CMD_TOK_IPV4_PREFIX},
	    {"X:X::X:X", CMD_TOK_IPV6}, {"X:X::X:X/M", CMD_TOK_IPV6_PREFIX},
	    {"LINE", CMD_TOK_LINE},
	};

	for (size_t i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		if (strcmp(text, special[i].text) == 0) {
			*type = special[i].type;
			return 0;
		}
	}
	if (is_variable_name(text)) {
		*type = CMD_TOK_WORD;
		return 0;
	}
	if (is_keyword_text(text)) {
		*type = CMD_TOK_KEYWORD;
		return 0;
	}
	return -1;
}

static void skip_blanks(struct parser *ps)
{
	while (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')
		ps->p++;
}

static bool is_word_char(char c)
{
	return c != '\0' && !strchr(" \t\n\r<>[]|(){}$", c);
}

/* Append a position for a token and make f the fragment of just that token. */
static int add_token(struct parser *ps, enum cmd_tok_type type, const char *text, size_t len,
                     struct frag *f)
{
	struct cmd_tok *t;
	uint32_t id;

	if (ps->g->ntoks >= UINT32_MAX - 1) {
		parse_error(ps, "too many tokens");
		return -1;
	}
	t = grow(ps->g->toks, &ps->cap, ps->g->ntoks + 1, sizeof(*ps->g->toks));
	if (!t)
		goto nomem;
	ps->g->toks = t;
	id = (uint32_t)ps->g->ntoks;
	t = &ps->g->toks[id];
	memset(t, 0, sizeof(*t));
	t->type = type;
	t->text = strndup(text, len);
	if (!t->text)
		goto nomem;
	/* A keyword binds under its own text, a variable under its type. */
	t->bind = strdup(t->text);
	if (!t->bind) {
		free(t->text);
		goto nomem;
	}
	ps->g->ntoks++;

	memset(f, 0, sizeof(*f));
	f->lo = id;
	f->hi = id + 1;
	if (idset_add(&f->first, id) < 0 || idset_add(&f->last, id) < 0) {
		frag_free(f);
		goto nomem;
	}
	return 0;
nomem:
	parse_error(ps, "out of memory");
	return -1;
}

static int parse_range(struct parser *ps, struct frag *f)
{
	const char *start = ps->p;
	const char *close = strchr(start, ')');
	char lo[24], hi[24];
	const char *dash;
	uint64_t vlo, vhi;
	size_t nlo, nhi;

	if (!close) {
		parse_error(ps, "missing ')'");
		return -1;
	}
	dash = memchr(start + 1, '-', (size_t)(close - start - 1));
	nlo = dash ? (size_t)(dash - start - 1) : 0;
	nhi = dash ? (size_t)(close - dash - 1) : 0;
	if (!dash || nlo == 0 || nhi == 0 || nlo >= sizeof(lo) || nhi >= sizeof(hi))
		goto bad;
	memcpy(lo, start + 1, nlo);
	lo[nlo] = '\0';
	memcpy(hi, dash + 1, nhi);
	hi[nhi] = '\0';
	if (cmd_parse_u64(lo, &vlo) < 0 || cmd_parse_u64(hi, &vhi) < 0 || vlo > vhi)
		goto bad;
	if (add_token(ps, CMD_TOK_RANGE, start, (size_t)(close - start) + 1, f) < 0)
		return -1;
	ps->g->toks[f->lo].lo = vlo;
	ps->g->toks[f->lo].hi = vhi;
	ps->p = close + 1;
	return 0;
bad:
	parse_error(ps, "bad range '%.*s' (want (LO-HI), unsigned decimal, LO <= HI)",
	            (int)(close - start) + 1, start);
	return -1;
}

static int parse_word(struct parser *ps, struct frag *f)
{
	const char *start = ps->p;
	enum cmd_tok_type type;
	char text[128];
	size_t len = 0;

	while (is_word_char(ps->p[len]))
		len++;
	if (len == 0) {
		parse_error(ps, "unexpected '%c'", *ps->p);
		return -1;
	}
	if (len >= sizeof(text)) {
		parse_error(ps, "token too long");
		return -1;
	}
	memcpy(text, start, len);
	text[len] = '\0';
	if (classify(text, &type) < 0) {
		parse_error(ps,
		            "invalid token '%s' (keywords are lower case; variables are "
		            "WORD, LINE, A.B.C.D, A.B.C.D/M, X:X::X:X, X:X::X:X/M, (LO-HI))",
		            text);
		return -1;
	}
	if (add_token(ps, type, start, len, f) < 0)
		return -1;
	ps->p += len;
	return 0;
}

/* "$name" right after a token or group: bind the fragment's tokens. */
static int parse_binding(struct parser *ps, struct frag *f, bool single_token)
{
	const char *name = ++ps->p;
	size_t len = 0;

	while ((name[len] >= 'a' && name[len] <= 'z') || (name[len] >= 'A' && name[len] <= 'Z') ||
	       (name[len] >= '0' && name[len] <= '9') || name[len] == '_')
		len++;
	if (len == 0 || (name[0] >= '0' && name[0] <= '9')) {
		parse_error(ps, "'$' needs a name ([A-Za-z_][A-Za-z0-9_]*)");
		return -1;
	}
	for (size_t i = f->lo; i < f->hi; i++) {
		struct cmd_tok *t = &ps->g->toks[i];
		char *copy;

		/* An inner binding is more specific than the group's. */
		if (t->bound && !single_token)
			continue;
		copy = strndup(name, len);
		if (!copy) {
			parse_error(ps, "out of memory");
			return -1;
		}
		free(t->bind);
		t->bind = copy;
		t->bound = true;
	}
	ps->p += len;
	if (*ps->p == '$') {
		parse_error(ps, "a second '$' binding");
		return -1;
	}
	return 0;
}

static int parse_alts(struct parser *ps, char close, struct frag *out);

/* seq followed by item: join them (Glushkov's rule for concatenation). */
static int seq_append(struct parser *ps, struct frag *seq, struct frag *item)
{
	struct idset last = {0};

	for (size_t i = 0; i < seq->last.n; i++)
		for (size_t j = 0; j < item->first.n; j++)
			if (follow_add(&ps->g->toks[seq->last.v[i]], item->first.v[j]) < 0)
				goto nomem;
	if (seq->nullable && idset_union(&seq->first, &item->first) < 0)
		goto nomem;
	if (idset_union(&last, &item->last) < 0)
		goto nomem;
	if (item->nullable && idset_union(&last, &seq->last) < 0)
		goto nomem;
	free(seq->last.v);
	seq->last = last;
	seq->nullable = seq->nullable && item->nullable;
	return 0;
nomem:
	free(last.v);
	parse_error(ps, "out of memory");
	return -1;
}

static int parse_item(struct parser *ps, struct frag *f)
{
	char c = *ps->p;
	bool single = true;

	switch (c) {
	case '<':
	case '[': {
		char close = c == '<' ? '>' : ']';

		if (++ps->depth > CMD_MAX_DEPTH) {
			parse_error(ps, "groups nested too deeply");
			return -1;
		}
		ps->p++;
		if (parse_alts(ps, close, f) < 0)
			return -1;
		if (*ps->p != close) {
			if (*ps->p == '\0')
				parse_error(ps, "missing '%c'", close);
			else
				parse_error(ps, "expected '%c', found '%c'", close, *ps->p);
			frag_free(f);
			return -1;
		}
		ps->p++;
		ps->depth--;
		if (c == '[')
			f->nullable = true;
		single = false;
		break;
	}
	case '{':
	case '}':
		parse_error(ps, "'{...}' groups are not supported");
		return -1;
	case '(':
		if (parse_range(ps, f) < 0)
			return -1;
		break;
	case '$':
		parse_error(ps, "'$' must follow a token or a group directly");
		return -1;
	case ')':
		parse_error(ps, "unbalanced ')'");
		return -1;
	default:
		if (parse_word(ps, f) < 0)
			return -1;
		break;
	}
	if (*ps->p == '$' && parse_binding(ps, f, single) < 0) {
		frag_free(f);
		return -1;
	}
	return 0;
}

static int parse_seq(struct parser *ps, struct frag *seq)
{
	memset(seq, 0, sizeof(*seq));
	seq->nullable = true;
	seq->lo = ps->g->ntoks;
	for (;;) {
		struct frag item;
		int rc;

		skip_blanks(ps);
		if (*ps->p == '\0' || *ps->p == '|' || *ps->p == '>' || *ps->p == ']')
			break;
		if (parse_item(ps, &item) < 0)
			goto fail;
		rc = seq_append(ps, seq, &item);
		frag_free(&item);
		if (rc < 0)
			goto fail;
	}
	seq->hi = ps->g->ntoks;
	return 0;
fail:
	frag_free(seq);
	return -1;
}

static int parse_alts(struct parser *ps, char close, struct frag *out)
{
	size_t lo = ps->g->ntoks;

	if (parse_seq(ps, out) < 0)
		return -1;
	if (out->hi == out->lo)
		goto empty;
	while (*ps->p == '|') {
		struct frag alt;
		int rc;

		ps->p++;
		if (parse_seq(ps, &alt) < 0)
			goto fail;
		if (alt.hi == alt.lo) {
			frag_free(&alt);
			goto empty;
		}
		rc = idset_union(&out->first, &alt.first);
		if (rc == 0)
			rc = idset_union(&out->last, &alt.last);
		out->nullable = out->nullable || alt.nullable;
		frag_free(&alt);
		if (rc < 0) {
			parse_error(ps, "out of memory");
			goto fail;
		}
	}
	out->lo = lo;
	out->hi = ps->g->ntoks;
	return 0;
empty:
	parse_error(ps, "empty alternative in '%c...%c'", close == '>' ? '<' : '[', close);
fail:
	frag_free(out);
	return -1;
}

static void graph_free(struct cmd_graph *g)
{
	if (!g)
		return;
	for (size_t i = 0; i < g->ntoks; i++) {
		free(g->toks[i].text);
		free(g->toks[i].help);
		free(g->toks[i].bind);
		free(g->toks[i].follow);
	}
	free(g->toks);
	free(g);
}

/* Give each token its help line; the count must match exactly. */
static int attach_help(struct cmd_graph *g, const char *help, char *err, size_t errlen)
{
	size_t want = g->ntoks - 1, have = 0;
	const char *p = help;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (len == 0) {
			set_error(err, errlen, "\"%s\": help line %zu is empty", g->def->syntax,
			          have + 1);
			return -1;
		}
		if (have < want) {
			g->toks[have + 1].help = strndup(p, len);
			if (!g->toks[have + 1].help) {
				set_error(err, errlen, "out of memory");
				return -1;
			}
		}
		have++;
		p += len + (nl ? 1 : 0);
	}
	if (have != want) {
		if (have < want)
			set_error(err, errlen,
			          "\"%s\": %zu help lines for %zu tokens (none for '%s')",
			          g->def->syntax, have, want, g->toks[have + 1].text);
		else
			set_error(err, errlen, "\"%s\": %zu help lines for %zu tokens",
			          g->def->syntax, have, want);
		return -1;
	}
	return 0;
}

static int compile(const struct cmd_def *def, struct cmd_graph **out, char *err, size_t errlen)
{
	struct parser ps = {.syntax = def->syntax, .p = def->syntax, .err = err, .errlen = errlen};
	struct frag root;
	struct cmd_graph *g;

	g = calloc(1, sizeof(*g));
	if (!g) {
		set_error(err, errlen, "out of memory");
		return -1;
	}
	g->def = def;
	ps.g = g;
	/* Position 0 stands for "before the first token". */
	g->toks = grow(NULL, &ps.cap, 1, sizeof(*g->toks));
	if (!g->toks) {
		set_error(err, errlen, "out of memory");
		goto fail;
	}
	memset(&g->toks[0], 0, sizeof(g->toks[0]));
	g->toks[0].type = CMD_TOK_START;
	g->ntoks = 1;

	if (parse_seq(&ps, &root) < 0)
		goto fail;
	if (*ps.p != '\0') {
		if (*ps.p == '|')
			parse_error(&ps, "'|' outside '<...>' or '[...]'");
		else
			parse_error(&ps, "unbalanced '%c'", *ps.p);
		goto fail_root;
	}
	if (root.hi == root.lo) {
		set_error(err, errlen, "\"%s\": empty syntax", def->syntax);
		goto fail_root;
	}
	if (root.nullable) {
		set_error(err, errlen,
		          "\"%s\": every token is optional, so it matches an empty line",
		          def->syntax);
		goto fail_root;
	}
	for (size_t i = 0; i < root.first.n; i++)
		if (follow_add(&g->toks[0], root.first.v[i]) < 0)
			goto nomem;
	for (size_t i = 0; i < root.last.n; i++)
		g->toks[root.last.v[i]].accept = true;
	for (size_t i = 1; i < g->ntoks; i++) {
		struct cmd_tok *t = &g->toks[i];

		if (t->type != CMD_TOK_LINE)
			continue;
		if (t->nfollow > 0) {
			set_error(err, errlen, "\"%s\": LINE must be the last token", def->syntax);
			goto fail_root;
		}
		/* LINE takes one or more tokens: it may follow itself. */
		if (follow_add(t, (uint32_t)i) < 0)
			goto nomem;
	}
	frag_free(&root);
	if (attach_help(g, def->help, err, errlen) < 0)
		goto fail;
	*out = g;
	return 0;
nomem:
	set_error(err, errlen, "out of memory");
fail_root:
	frag_free(&root);
fail:
	graph_free(g);
	return -1;
}

/* FNV-1a, 64 bits: only a quick filter before strcmp(). */
static uint64_t syntax_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ull;
	}
	return h;
}

struct cmd_registry *cmd_registry_new(void)
{
	return calloc(1, sizeof(struct cmd_registry));
}

void cmd_registry_free(struct cmd_registry *reg)
{
	if (!reg)
		return;
	for (size_t i = 0; i < reg->count; i++) {
		for (size_t j = 0; j < reg->nodes[i].count; j++)
			graph_free(reg->nodes[i].cmds[j]);
		free(reg->nodes[i].cmds);
	}
	free(reg->nodes);
	free(reg);
}

const struct cmd_node_list *cmd_node_find(const struct cmd_registry *reg, int node)
{
	if (!reg)
		return NULL;
	for (size_t i = 0; i < reg->count; i++)
		if (reg->nodes[i].node == node)
			return &reg->nodes[i];
	return NULL;
}

int cmd_register(struct cmd_registry *reg, const struct cmd_def *def, char *err, size_t errlen)
{
	struct cmd_node_list *nl = NULL;
	struct cmd_graph *g, **cmds;
	uint64_t hash;

	if (err && errlen)
		err[0] = '\0';
	if (!reg || !def || !def->syntax || !def->help) {
		set_error(err, errlen, "command definition without syntax or help");
		return -1;
	}
	for (size_t i = 0; i < reg->count; i++)
		if (reg->nodes[i].node == def->node)
			nl = &reg->nodes[i];
	hash = syntax_hash(def->syntax);
	if (nl) {
		/* Two equal syntaxes would tie on every line they match. */
		for (size_t i = 0; i < nl->count; i++) {
			if (nl->cmds[i]->syntax_hash == hash &&
			    strcmp(nl->cmds[i]->def->syntax, def->syntax) == 0) {
				set_error(err, errlen, "\"%s\": already registered in node %d",
				          def->syntax, def->node);
				return -1;
			}
		}
	}
	if (compile(def, &g, err, errlen) < 0)
		return -1;
	g->syntax_hash = hash;
	/* Allocate everything first, so that a failure leaves no trace. */
	if (!nl) {
		struct cmd_node_list *nodes =
		    grow(reg->nodes, &reg->cap, reg->count + 1, sizeof(*reg->nodes));

		if (!nodes)
			goto nomem;
		reg->nodes = nodes;
		cmds = malloc(4 * sizeof(*cmds));
		if (!cmds)
			goto nomem;
		nl = &reg->nodes[reg->count++];
		*nl = (struct cmd_node_list){.node = def->node, .cmds = cmds, .cap = 4};
	} else {
		cmds = grow(nl->cmds, &nl->cap, nl->count + 1, sizeof(*nl->cmds));
		if (!cmds)
			goto nomem;
		nl->cmds = cmds;
	}
	nl->cmds[nl->count++] = g;
	return 0;
nomem:
	graph_free(g);
	set_error(err, errlen, "out of memory");
	return -1;
}

size_t cmd_count(const struct cmd_registry *reg, int node)
{
	const struct cmd_node_list *nl = cmd_node_find(reg, node);

	return nl ? nl->count : 0;
}

const struct cmd_def *cmd_at(const struct cmd_registry *reg, int node, size_t i)
{
	const struct cmd_node_list *nl = cmd_node_find(reg, node);

	return nl && i < nl->count ? nl->cmds[i]->def : NULL;
}
