/*
 * cmd_match.c - match input lines against the compiled commands, and list
 * what may come next for '?' and TAB.
 *
 * Matching runs every command of a node at once over a set of live states
 * (command, position), one input token at a time, with no backtracking.
 * Every step is kept so that the winning path can be traced back for its
 * arguments.
 *
 * Precedence: each matched token gets a rank (exact keyword best, LINE
 * worst), and among the paths that match the whole line the winner has the
 * lexicographically smallest sequence of ranks.  Comparing whole sequences
 * at each step would cost their length, so each step gives its states a
 * class instead: classes are ordered by (class of the predecessor, rank of
 * this token), and equal pairs share a class.  A class number then orders
 * whole rank sequences in O(1).  When two paths reach the same state, only
 * the better one is kept: whatever follows is the same for both.
 *
 * Cost per word: the followers of the live states, plus a sort within each
 * command's few candidates; no sort across commands.  The first word looks
 * at every command of the node, the later ones only at the survivors.
 */
#define SKYGATE_CMD_PRIVATE
#include "cmd.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prefix.h"

struct cmd_arg {
	char *name;
	char *value;
	bool bound; /* the name came from a '$name' in the syntax */
};

struct cmd_args {
	size_t count;
	struct cmd_arg *v;
};

/* Best first; the order is the precedence documented in cmd.h. */
enum cmd_rank {
	RANK_EXACT,
	RANK_ABBREV,
	RANK_IPV4_PREFIX,
	RANK_IPV4,
	RANK_IPV6_PREFIX,
	RANK_IPV6,
	RANK_RANGE,
	RANK_WORD,
	RANK_LINE,
	RANK_NONE,
};

/* The input split into words; buf holds them, w points into it. */
struct words {
	char *buf;
	char **w;
	size_t n;
	bool trailing_blank;
	bool comment;
};

/* A live state: the command, its position, and how it was reached. */
struct state {
	uint32_t cmd;
	uint32_t pos;
	uint32_t pred;     /* index in the previous step */
	uint32_t pred_cls; /* class of that predecessor */
	uint32_t cls;      /* see the top of this file */
	uint8_t rank;      /* enum cmd_rank of the token that led here */
};

struct step {
	struct state *v;
	size_t n;
};

/* What one input word is, as every variable type sees it; computed once. */
struct tokinfo {
	const char *s;
	bool v4, v4p, v6, v6p, num_ok;
	uint64_t num;
};

/* Which keyword an input word stands for at one position. */
struct kwsel {
	const char *word; /* the keyword matched, or NULL */
	bool exact;
	const char **cands; /* when ambiguous: the sorted distinct keywords it is
	                     * a prefix of; else NULL */
	size_t ncands;
};

struct run {
	struct step *steps; /* steps[0]: before any word; steps[k + 1]: after word k */
	size_t nsteps;      /* steps filled; the last may be empty (all died) */
	bool ambiguous;     /* an abbreviation fitted several keywords */
	size_t ambiguous_at;
	char ambiguous_msg[CMD_ERROR_MAX];
};

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append to a NUL-terminated buffer, cutting what does not fit. */
static void __attribute__((format(printf, 3, 4)))
append(char *buf, size_t size, const char *fmt, ...)
{
	size_t len = strlen(buf);
	va_list ap;

	if (len + 1 >= size)
		return;
	va_start(ap, fmt);
	vsnprintf(buf + len, size - len, fmt, ap);
	va_end(ap);
}

/* Replace buf with the formatted text, cut to fit: error lines may be cut. */
static void __attribute__((format(printf, 3, 4)))
set_msg(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, size, fmt, ap);
	va_end(ap);
}

static int words_split(const char *line, struct words *out)
{
	const char *p = line;
	size_t len = strlen(line);
	char *q;

	memset(out, 0, sizeof(*out));
	while (is_blank(*p))
		p++;
	if (*p == '!' || *p == '#') {
		out->comment = true;
		return 0;
	}
	out->trailing_blank = len > 0 && is_blank(line[len - 1]);
	out->buf = strdup(line);
	out->w = calloc(len / 2 + 1, sizeof(*out->w));
	if (!out->buf || !out->w)
		return -1;
	for (q = out->buf; *q;) {
		while (is_blank(*q))
			*q++ = '\0';
		if (!*q)
			break;
		out->w[out->n++] = q;
		while (*q && !is_blank(*q))
			q++;
	}
	return 0;
}

static void words_free(struct words *w)
{
	free(w->buf);
	free(w->w);
}

/* The words joined by single spaces, cut to fit buf. */
static void words_join(char *const *w, size_t n, char *buf, size_t size)
{
	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		append(buf, size, "%s%s", i ? " " : "", w[i]);
}

static void tokinfo_init(struct tokinfo *ti, const char *s)
{
	unsigned char addr[16];
	struct prefix p;

	memset(ti, 0, sizeof(*ti));
	ti->s = s;
	ti->v4 = inet_pton(AF_INET, s, addr) == 1;
	ti->v6 = inet_pton(AF_INET6, s, addr) == 1;
	/* prefix_parse() takes a bare address as a host prefix; a prefix
	 * variable wants the '/' written out. */
	if (strchr(s, '/') && prefix_parse(s, &p) == 0) {
		ti->v4p = p.family == AF_INET;
		ti->v6p = p.family == AF_INET6;
	}
	ti->num_ok = cmd_parse_u64(s, &ti->num) == 0;
}

static bool all_in(const char *s, const char *set)
{
	for (; *s; s++)
		if (!strchr(set, *s))
			return false;
	return true;
}

/*
 * Could s be meant as a value of type t?  With partial, could it be the
 * beginning of one (for completion); otherwise, does it look enough like
 * one that "invalid value" is a better error than "unknown command"?
 */
static bool looks_like(enum cmd_tok_type t, const char *s, bool partial)
{
	static const char hex[] = "0123456789abcdefABCDEF:.";
	static const char hex_slash[] = "0123456789abcdefABCDEF:./";
	bool digit0 = s[0] >= '0' && s[0] <= '9';

	switch (t) {
	case CMD_TOK_RANGE:
		if (partial)
			return all_in(s, "0123456789");
		return digit0 || ((s[0] == '+' || s[0] == '-') && s[1] >= '0' && s[1] <= '9');
	case CMD_TOK_IPV4:
		return all_in(s, "0123456789.") && (partial || strchr(s, '.'));
	case CMD_TOK_IPV4_PREFIX:
		return all_in(s, "0123456789./") && (partial || strchr(s, '/'));
	case CMD_TOK_IPV6:
		return all_in(s, hex) && (partial || strchr(s, ':'));
	case CMD_TOK_IPV6_PREFIX:
		return all_in(s, hex_slash) && (partial || (strchr(s, ':') && strchr(s, '/')));
	case CMD_TOK_WORD:
	case CMD_TOK_LINE:
		return true;
	case CMD_TOK_START:
	case CMD_TOK_KEYWORD:
		break;
	}
	return false;
}

static enum cmd_rank rank_of(const struct cmd_tok *t, const struct tokinfo *ti,
                             const struct kwsel *ks)
{
	switch (t->type) {
	case CMD_TOK_KEYWORD:
		if (ks->word && strcmp(t->text, ks->word) == 0)
			return ks->exact ? RANK_EXACT : RANK_ABBREV;
		return RANK_NONE;
	case CMD_TOK_IPV4_PREFIX:
		return ti->v4p ? RANK_IPV4_PREFIX : RANK_NONE;
	case CMD_TOK_IPV4:
		return ti->v4 ? RANK_IPV4 : RANK_NONE;
	case CMD_TOK_IPV6_PREFIX:
		return ti->v6p ? RANK_IPV6_PREFIX : RANK_NONE;
	case CMD_TOK_IPV6:
		return ti->v6 ? RANK_IPV6 : RANK_NONE;
	case CMD_TOK_RANGE:
		return ti->num_ok && ti->num >= t->lo && ti->num <= t->hi ? RANK_RANGE : RANK_NONE;
	case CMD_TOK_WORD:
		return RANK_WORD;
	case CMD_TOK_LINE:
		return RANK_LINE;
	case CMD_TOK_START:
		break;
	}
	return RANK_NONE;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * Decide which keyword the word w stands for after the states of cur: the
 * one it equals, else the only one it is a prefix of.  When it is a prefix
 * of several, ks->word is NULL and ks->cands lists them (caller frees).
 */
static int select_keyword(const struct cmd_node_list *nl, const struct step *cur, const char *w,
                          struct kwsel *ks)
{
	size_t wlen = strlen(w), cap = 0, n = 0, uniq = 0;
	const char **v = NULL;
	bool distinct = false;

	memset(ks, 0, sizeof(*ks));
	for (size_t i = 0; i < cur->n; i++) {
		const struct cmd_graph *g = nl->cmds[cur->v[i].cmd];
		const struct cmd_tok *from = &g->toks[cur->v[i].pos];

		for (size_t j = 0; j < from->nfollow; j++) {
			const struct cmd_tok *t = &g->toks[from->follow[j]];

			if (t->type != CMD_TOK_KEYWORD || strncmp(t->text, w, wlen) != 0)
				continue;
			if (n == cap) {
				const char **nv;

				cap = cap ? cap * 2 : 8;
				nv = realloc(v, cap * sizeof(*v));
				if (!nv) {
					free(v);
					return -1;
				}
				v = nv;
			}
			v[n++] = t->text;
		}
	}
	/* The common case, one keyword (maybe in many commands), needs no sort;
	 * the candidates are only kept for the ambiguity message. */
	for (size_t i = 0; i < n && !ks->exact; i++)
		if (v[i][wlen] == '\0')
			ks->exact = true;
	for (size_t i = 1; i < n && !distinct; i++)
		distinct = strcmp(v[i], v[0]) != 0;
	if (ks->exact) {
		ks->word = w;
	} else if (n > 0 && !distinct) {
		ks->word = v[0];
	} else if (distinct) {
		qsort(v, n, sizeof(*v), cmp_str);
		for (size_t i = 0; i < n; i++)
			if (uniq == 0 || strcmp(v[uniq - 1], v[i]) != 0)
				v[uniq++] = v[i];
		ks->cands = v;
		ks->ncands = uniq;
		return 0;
	}
	free(v);
	return 0;
}

/* Order of candidates within one command: position, then best path first. */
static int cmp_candidate(const void *a, const void *b)
{
	const struct state *x = a, *y = b;

	if (x->pos != y->pos)
		return x->pos < y->pos ? -1 : 1;
	if (x->pred_cls != y->pred_cls)
		return x->pred_cls < y->pred_cls ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->pred < y->pred ? -1 : x->pred > y->pred;
}

/*
 * Number the classes of next: equal (pred_cls, rank) pairs share a class,
 * and classes follow the order of the pairs.  Predecessor classes are
 * dense and below ncls_prev, so a counting pass over the pairs does it
 * without comparisons.
 */
static int assign_classes(struct step *next, uint32_t ncls_prev)
{
	size_t nkeys = (size_t)ncls_prev * RANK_NONE;
	uint32_t *id = calloc(nkeys ? nkeys : 1, sizeof(*id));
	uint32_t cls = 0;

	if (!id)
		return -1;
	for (size_t i = 0; i < next->n; i++)
		id[(size_t)next->v[i].pred_cls * RANK_NONE + next->v[i].rank] = 1;
	for (size_t k = 0; k < nkeys; k++)
		if (id[k])
			id[k] = ++cls;
	for (size_t i = 0; i < next->n; i++)
		next->v[i].cls = id[(size_t)next->v[i].pred_cls * RANK_NONE + next->v[i].rank] - 1;
	free(id);
	return 0;
}

/*
 * Consume one word: every state of cur moves to each follower it matches.
 * cur is in (command, position) order, so the candidates of one command
 * come out together and are deduplicated among themselves; next is again
 * in (command, position) order.
 */
static int step_advance(const struct cmd_node_list *nl, const struct step *cur,
                        const struct tokinfo *ti, const struct kwsel *ks, struct step *next)
{
	struct state *v = NULL;
	size_t n = 0, cap = 0;
	uint32_t ncls = 0;

	for (size_t i = 0; i < cur->n;) {
		uint32_t cmd = cur->v[i].cmd;
		const struct cmd_graph *g = nl->cmds[cmd];
		size_t group = n, kept;

		for (; i < cur->n && cur->v[i].cmd == cmd; i++) {
			const struct state *s = &cur->v[i];
			const struct cmd_tok *from = &g->toks[s->pos];

			if (s->cls + 1 > ncls)
				ncls = s->cls + 1;
			for (size_t j = 0; j < from->nfollow; j++) {
				enum cmd_rank r = rank_of(&g->toks[from->follow[j]], ti, ks);

				if (r == RANK_NONE)
					continue;
				if (n == cap) {
					struct state *nv;

					cap = cap ? cap * 2 : 16;
					nv = realloc(v, cap * sizeof(*v));
					if (!nv) {
						free(v);
						return -1;
					}
					v = nv;
				}
				v[n++] = (struct state){.cmd = cmd,
				                        .pos = from->follow[j],
				                        .pred = (uint32_t)i,
				                        .pred_cls = s->cls,
				                        .rank = (uint8_t)r};
			}
		}
		/* One state per position: the best way of reaching it. */
		if (n - group > 1)
			qsort(v + group, n - group, sizeof(*v), cmp_candidate);
		kept = group;
		for (size_t k = group; k < n; k++)
			if (k == group || v[kept - 1].pos != v[k].pos)
				v[kept++] = v[k];
		n = kept;
	}
	next->v = v;
	next->n = n;
	return assign_classes(next, ncls);
}

static void run_free(struct run *r)
{
	for (size_t i = 0; i < r->nsteps; i++)
		free(r->steps[i].v);
	free(r->steps);
}

/* Feed n words through the automaton; stops early when no state is left. */
static int run_words(const struct cmd_node_list *nl, char *const *w, size_t n, struct run *r)
{
	memset(r, 0, sizeof(*r));
	r->steps = calloc(n + 1, sizeof(*r->steps));
	if (!r->steps)
		return -1;
	r->steps[0].v = calloc(nl->count ? nl->count : 1, sizeof(struct state));
	if (!r->steps[0].v)
		return -1;
	r->nsteps = 1;
	for (size_t i = 0; i < nl->count; i++)
		r->steps[0].v[i] = (struct state){.cmd = (uint32_t)i, .pred = UINT32_MAX};
	r->steps[0].n = nl->count;

	for (size_t k = 0; k < n && r->steps[k].n > 0; k++) {
		struct tokinfo ti;
		struct kwsel ks;
		int rc;

		tokinfo_init(&ti, w[k]);
		if (select_keyword(nl, &r->steps[k], w[k], &ks) < 0)
			return -1;
		if (!ks.word && ks.ncands > 1 && !r->ambiguous) {
			r->ambiguous = true;
			r->ambiguous_at = k;
			set_msg(r->ambiguous_msg, sizeof(r->ambiguous_msg),
			        "%% Ambiguous command: '%s' could be:", w[k]);
			for (size_t i = 0; i < ks.ncands; i++)
				append(r->ambiguous_msg, sizeof(r->ambiguous_msg), "%s %s",
				       i ? "," : "", ks.cands[i]);
		}
		rc = step_advance(nl, &r->steps[k], &ti, &ks, &r->steps[k + 1]);
		free(ks.cands);
		r->nsteps = k + 2; /* so that run_free() sees it, even on failure */
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A variable type expected where the bad word was, for the error text. */
struct expected {
	enum cmd_tok_type type;
	const char *text;
	bool looks;
};

static void expected_add(struct expected *e, size_t *n, size_t max, const struct cmd_tok *t,
                         bool looks)
{
	size_t i;

	for (i = 0; i < *n; i++) {
		if (strcmp(e[i].text, t->text) == 0) {
			e[i].looks = e[i].looks || looks;
			return;
		}
	}
	if (*n == max)
		return;
	/* Keep them in precedence order, so the message lists A.B.C.D first. */
	for (i = *n; i > 0 && (e[i - 1].type > t->type ||
	                       (e[i - 1].type == t->type && strcmp(e[i - 1].text, t->text) > 0));
	     i--)
		e[i] = e[i - 1];
	e[i] = (struct expected){.type = t->type, .text = t->text, .looks = looks};
	(*n)++;
}

/* No state survived word k: say whether it was unknown or a bad value. */
static void describe_failure(const struct cmd_node_list *nl, const struct step *cur, char *const *w,
                             size_t nwords, size_t k, struct cmd_match *m)
{
	struct expected e[16];
	size_t ne = 0;
	bool any_keyword = false, any_looks = false;
	char line[CMD_ERROR_MAX];

	for (size_t i = 0; i < cur->n; i++) {
		const struct cmd_graph *g = nl->cmds[cur->v[i].cmd];
		const struct cmd_tok *from = &g->toks[cur->v[i].pos];

		for (size_t j = 0; j < from->nfollow; j++) {
			const struct cmd_tok *t = &g->toks[from->follow[j]];
			bool looks;

			if (t->type == CMD_TOK_KEYWORD) {
				any_keyword = true;
				continue;
			}
			looks = looks_like(t->type, w[k], false);
			any_looks = any_looks || looks;
			expected_add(e, &ne, sizeof(e) / sizeof(e[0]), t, looks);
		}
	}
	m->bad_token = k;
	/* Only variables fit here, or the word looks like one: name them. */
	if (ne > 0 && (any_looks || !any_keyword)) {
		m->status = CMD_BAD_VALUE;
		set_msg(m->error, sizeof(m->error), "%% Invalid value '%s' for", w[k]);
		for (size_t i = 0, shown = 0; i < ne; i++) {
			if (any_looks && !e[i].looks)
				continue;
			append(m->error, sizeof(m->error), "%s %s", shown++ ? " or" : "",
			       e[i].text);
		}
		return;
	}
	m->status = CMD_UNKNOWN;
	words_join(w, nwords, line, sizeof(line));
	set_msg(m->error, sizeof(m->error), "%% Unknown command: '%s' in \"%s\"", w[k], line);
}

static void args_free(struct cmd_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->count; i++) {
		free(a->v[i].name);
		free(a->v[i].value);
	}
	free(a->v);
	free(a);
}

/* Bind the words along path (one position per word) to their names. */
static struct cmd_args *args_build(const struct cmd_graph *g, const uint32_t *path, char *const *w,
                                   size_t n)
{
	struct cmd_args *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->v = calloc(n ? n : 1, sizeof(*a->v));
	if (!a->v)
		goto fail;
	for (size_t k = 0; k < n;) {
		const struct cmd_tok *t = &g->toks[path[k]];
		struct cmd_arg *arg = &a->v[a->count++];
		size_t end = k + 1, len = 0;

		/* LINE stays on its position for each word it takes. */
		if (t->type == CMD_TOK_LINE)
			while (end < n && path[end] == path[k])
				end++;
		arg->name = strdup(t->bind);
		arg->bound = t->bound;
		if (t->type == CMD_TOK_KEYWORD) {
			arg->value = strdup(t->text);
		} else {
			for (size_t i = k; i < end; i++)
				len += strlen(w[i]) + 1;
			arg->value = malloc(len);
			if (arg->value)
				words_join(w + k, end - k, arg->value, len);
		}
		if (!arg->name || !arg->value)
			goto fail;
		k = end;
	}
	return a;
fail:
	args_free(a);
	return NULL;
}

/* Pick the winner among the states left after the last word. */
static int finish(const struct cmd_node_list *nl, const struct run *r, char *const *w, size_t n,
                  struct cmd_match *m)
{
	const struct step *last = &r->steps[n];
	size_t win = SIZE_MAX, ncmds = 0;
	uint32_t *path;
	char line[CMD_ERROR_MAX];

	/* The winner is the first accepting state of the best class; states
	 * are in (command, position) order, so ties are counted by command. */
	for (size_t i = 0; i < last->n; i++) {
		const struct state *s = &last->v[i];

		if (!nl->cmds[s->cmd]->toks[s->pos].accept)
			continue;
		if (win == SIZE_MAX || s->cls < last->v[win].cls) {
			win = i;
			ncmds = 1;
		} else if (s->cls == last->v[win].cls && s->cmd != last->v[win].cmd) {
			ncmds++;
		}
	}
	words_join(w, n, line, sizeof(line));
	if (win == SIZE_MAX) {
		m->status = CMD_INCOMPLETE;
		m->bad_token = n;
		set_msg(m->error, sizeof(m->error), "%% Command incomplete: \"%s\"", line);
		return 0;
	}
	if (ncmds > 1) {
		uint32_t prev = UINT32_MAX;

		m->status = CMD_AMBIGUOUS;
		m->bad_token = n;
		set_msg(m->error, sizeof(m->error), "%% Ambiguous command: '%s' matches:", line);
		for (size_t i = win, shown = 0; i < last->n; i++) {
			const struct state *s = &last->v[i];

			if (s->cls != last->v[win].cls || s->cmd == prev ||
			    !nl->cmds[s->cmd]->toks[s->pos].accept)
				continue;
			prev = s->cmd;
			append(m->error, sizeof(m->error), "%s \"%s\"", shown++ ? "," : "",
			       nl->cmds[s->cmd]->def->syntax);
		}
		return 0;
	}

	path = calloc(n, sizeof(*path));
	if (!path)
		return -1;
	for (size_t k = n, i = win; k > 0; k--) {
		path[k - 1] = r->steps[k].v[i].pos;
		i = r->steps[k].v[i].pred;
	}
	m->args = args_build(nl->cmds[last->v[win].cmd], path, w, n);
	free(path);
	if (!m->args)
		return -1;
	m->status = CMD_OK;
	m->def = nl->cmds[last->v[win].cmd]->def;
	return 0;
}

int cmd_match_line(const struct cmd_registry *reg, int node, const char *line,
                   struct cmd_match *out)
{
	const struct cmd_node_list *nl = cmd_node_find(reg, node);
	struct words w;
	struct run r;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	memset(&r, 0, sizeof(r));
	if (words_split(line ? line : "", &w) < 0)
		goto done;
	if (w.comment || w.n == 0) {
		out->status = CMD_EMPTY;
		rc = 0;
		goto done;
	}
	if (!nl || nl->count == 0) {
		char joined[CMD_ERROR_MAX];

		words_join(w.w, w.n, joined, sizeof(joined));
		out->status = CMD_UNKNOWN;
		set_msg(out->error, sizeof(out->error), "%% Unknown command: '%s' in \"%s\"",
		        w.w[0], joined);
		rc = 0;
		goto done;
	}
	if (run_words(nl, w.w, w.n, &r) < 0)
		goto done;

	if (r.nsteps == w.n + 1 && r.steps[w.n].n > 0) {
		rc = finish(nl, &r, w.w, w.n, out);
	} else {
		/* steps[0] holds every command, so the run died at a word. */
		describe_failure(nl, &r.steps[r.nsteps - 2], w.w, w.n, r.nsteps - 2, out);
		rc = 0;
	}
	/* An abbreviation that fitted several keywords explains a failure
	 * better than whatever went wrong after it. */
	if (rc == 0 && out->status != CMD_OK && out->status != CMD_AMBIGUOUS && r.ambiguous) {
		out->status = CMD_AMBIGUOUS;
		out->bad_token = r.ambiguous_at;
		set_msg(out->error, sizeof(out->error), "%s", r.ambiguous_msg);
	}
done:
	if (rc < 0) {
		args_free(out->args);
		memset(out, 0, sizeof(*out));
		out->status = CMD_UNKNOWN;
		set_msg(out->error, sizeof(out->error), "%% Out of memory");
	}
	run_free(&r);
	words_free(&w);
	return rc;
}

void cmd_match_free(struct cmd_match *m)
{
	if (!m)
		return;
	args_free(m->args);
	m->args = NULL;
	m->def = NULL;
}

char *cmd_match_canonical(const struct cmd_match *m)
{
	size_t len = 1;
	char *s;

	if (!m || m->status != CMD_OK || !m->args)
		return NULL;
	for (size_t i = 0; i < m->args->count; i++)
		len += strlen(m->args->v[i].value) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (size_t i = 0; i < m->args->count; i++)
		append(s, len, "%s%s", i ? " " : "", m->args->v[i].value);
	return s;
}

const char *cmd_args_get(const struct cmd_args *args, const char *name)
{
	const char *implicit = NULL;

	if (!args || !name)
		return NULL;
	/* In "[seq (1-4294967295)$seq]" the keyword binds "seq" too; the
	 * name the author wrote is the one meant. */
	for (size_t i = 0; i < args->count; i++) {
		if (strcmp(args->v[i].name, name) != 0)
			continue;
		if (args->v[i].bound)
			return args->v[i].value;
		if (!implicit)
			implicit = args->v[i].value;
	}
	return implicit;
}

bool cmd_args_has(const struct cmd_args *args, const char *name)
{
	return cmd_args_get(args, name) != NULL;
}

int cmd_args_get_u64(const struct cmd_args *args, const char *name, uint64_t *out)
{
	return cmd_parse_u64(cmd_args_get(args, name), out);
}

size_t cmd_args_count(const struct cmd_args *args)
{
	return args ? args->count : 0;
}

const char *cmd_args_name(const struct cmd_args *args, size_t i)
{
	return args && i < args->count ? args->v[i].name : NULL;
}

const char *cmd_args_value(const struct cmd_args *args, size_t i)
{
	return args && i < args->count ? args->v[i].value : NULL;
}

/* A completion entry before it is copied out; strings point into the registry. */
struct entry {
	const char *word;
	const char *help;
	bool is_keyword;
	bool is_cr;
};

static int cmp_entry(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	int c;

	if (x->is_cr != y->is_cr)
		return x->is_cr ? 1 : -1;
	c = strcmp(x->word, y->word);
	return c ? c : strcmp(x->help, y->help);
}

static int entry_add(struct entry **v, size_t *n, size_t *cap, struct entry e)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;
		struct entry *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = e;
	return 0;
}

/* Every next token of the live states that the partial word could begin. */
static int collect_entries(const struct cmd_node_list *nl, const struct step *live,
                           const char *partial, struct entry **v, size_t *n)
{
	size_t cap = 0, plen = partial ? strlen(partial) : 0;

	for (size_t i = 0; i < live->n; i++) {
		const struct cmd_graph *g = nl->cmds[live->v[i].cmd];
		const struct cmd_tok *from = &g->toks[live->v[i].pos];

		if (g->def->flags & CMD_FLAG_HIDDEN)
			continue;
		for (size_t j = 0; j < from->nfollow; j++) {
			const struct cmd_tok *t = &g->toks[from->follow[j]];
			bool kw = t->type == CMD_TOK_KEYWORD;

			if (partial && kw && strncmp(t->text, partial, plen) != 0)
				continue;
			if (partial && !kw && !looks_like(t->type, partial, true))
				continue;
			if (entry_add(v, n, &cap,
			              (struct entry){
			                  .word = t->text, .help = t->help, .is_keyword = kw}) < 0)
				return -1;
		}
		if (!partial && from->accept &&
		    entry_add(v, n, &cap,
		              (struct entry){.word = "<cr>", .help = "", .is_cr = true}) < 0)
			return -1;
	}
	return 0;
}

/* Sort and deduplicate the entries, and copy them out for the caller. */
static int make_list(struct entry *v, size_t n, struct cmd_completion **out, size_t *count)
{
	struct cmd_completion *list;
	size_t uniq = 0;

	if (n > 1)
		qsort(v, n, sizeof(*v), cmp_entry);
	for (size_t i = 0; i < n; i++)
		if (uniq == 0 || cmp_entry(&v[uniq - 1], &v[i]) != 0)
			v[uniq++] = v[i];
	if (uniq == 0)
		return 0;
	list = calloc(uniq, sizeof(*list));
	if (!list)
		return -1;
	for (size_t i = 0; i < uniq; i++) {
		list[i].word = strdup(v[i].word);
		list[i].help = strdup(v[i].help);
		list[i].is_keyword = v[i].is_keyword;
		if (!list[i].word || !list[i].help) {
			cmd_completions_free(list, uniq);
			return -1;
		}
	}
	*out = list;
	*count = uniq;
	return 0;
}

int cmd_complete(const struct cmd_registry *reg, int node, const char *line_before_cursor,
                 struct cmd_completion **out, size_t *count)
{
	const struct cmd_node_list *nl = cmd_node_find(reg, node);
	struct entry *v = NULL;
	const char *partial = NULL;
	size_t n = 0, nprefix;
	struct words w;
	struct run r;
	int rc = -1;

	*out = NULL;
	*count = 0;
	memset(&r, 0, sizeof(r));
	if (words_split(line_before_cursor ? line_before_cursor : "", &w) < 0)
		goto done;
	if (w.comment || !nl) {
		rc = 0;
		goto done;
	}
	/* Without a blank at the end, the last word is still being typed. */
	nprefix = w.n;
	if (w.n > 0 && !w.trailing_blank)
		partial = w.w[--nprefix];
	if (run_words(nl, w.w, nprefix, &r) < 0)
		goto done;
	if (r.nsteps == nprefix + 1 && collect_entries(nl, &r.steps[nprefix], partial, &v, &n) < 0)
		goto done;
	rc = make_list(v, n, out, count);
done:
	free(v);
	run_free(&r);
	words_free(&w);
	return rc;
}

void cmd_completions_free(struct cmd_completion *list, size_t count)
{
	if (!list)
		return;
	for (size_t i = 0; i < count; i++) {
		free(list[i].word);
		free(list[i].help);
	}
	free(list);
}

const char *cmd_completion_unique(const struct cmd_completion *list, size_t count)
{
	const char *found = NULL;

	for (size_t i = 0; i < count; i++) {
		if (!list[i].is_keyword)
			continue;
		if (found && strcmp(found, list[i].word) != 0)
			return NULL;
		found = list[i].word;
	}
	return found;
}
