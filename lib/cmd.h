/*
 * cmd.h - the command grammar engine behind skysh, skygate's CLI.
 *
 * A command is declared once, as data: a syntax string in the language of
 * FRR's DEFUN/DEFPY, one help line per token, and a handler.  The same
 * declaration drives parsing of a typed line, '?' help, TAB completion,
 * keyword abbreviations ("sh ip bg su") and the error text the user sees.
 * docs/cli-grammar.md is the guide for people adding commands; the summary
 * below is the contract.
 *
 * Syntax language
 *   keyword        show  remote-as  ipv4  (lowercase letters, digits,
 *                  '-', '.', ':'; starts with a letter or digit)
 *   A.B.C.D        IPv4 address (inet_pton: dotted quad, no leading zeros)
 *   A.B.C.D/M      IPv4 prefix (prefix_parse(); host bits are accepted)
 *   X:X::X:X       IPv6 address (inet_pton; no zone)
 *   X:X::X:X/M     IPv6 prefix (prefix_parse(); host bits are accepted)
 *   (LO-HI)        unsigned decimal in [LO, HI], 64 bits; no sign, no
 *                  leading zeros ("0" itself is fine), nothing else
 *   WORD           any one token; so is any other upper-case name such as
 *                  IFNAME or PEERGROUP ([A-Z][A-Z0-9_-]*)
 *   LINE           the rest of the line, one or more tokens joined by
 *                  single spaces; nothing may follow it
 *   <a|b c|d>      exactly one of the alternatives; an alternative may be
 *                  a sequence
 *   [a|b c]        optional; brackets nest
 *   tok$name       bind the token's value to name (DEFPY).  After a group,
 *                  <...>$name or [...]$name, the name goes to every token of
 *                  the group that has no binding of its own.  Without '$'
 *                  a keyword binds under its own text ("no"), a variable
 *                  under its type as written ("A.B.C.D", "(1-65535)",
 *                  "IFNAME").
 *   '{' '}' groups (FRR's any-order keywords) are not supported.
 *
 * Help: one line per token, in the order the tokens appear in the syntax
 * string, separated by '\n' (a final '\n' is allowed, as in FRR).
 *
 * Matching a line
 *   The line is split on spaces and tabs.  An empty line, or one whose
 *   first non-blank character is '!' or '#', is CMD_EMPTY.  At each
 *   position the possible next tokens are those of every command still
 *   alive.  An input token matches
 *     - a keyword exactly, or as a prefix of exactly one distinct keyword
 *       among the possible ones (an abbreviation; keywords are
 *       case-sensitive).  A prefix of two or more keywords matches none of
 *       them: if no other path gets through the line, that is
 *       CMD_AMBIGUOUS (reported in preference to any later failure).
 *     - a variable whose validation accepts it.
 *   All paths are followed at once (a set of live positions, no
 *   backtracking): a line costs one pass over the node's commands for its
 *   first word, then time proportional to the live positions for each
 *   further word.  When several paths match the whole line, the one
 *   whose tokens rank best, compared left to right at the first token
 *   where they differ, wins.  Ranks, best first: exact keyword,
 *   abbreviated keyword, A.B.C.D/M, A.B.C.D, X:X::X:X/M, X:X::X:X,
 *   (LO-HI), WORD, LINE.  If paths of two or more commands tie, the line
 *   is CMD_AMBIGUOUS.  A word that fits no possible token is CMD_BAD_VALUE
 *   when it looks like a value of an expected type ("1.2.3" for A.B.C.D,
 *   "70000" for (1-65535)) or when only variables were possible there,
 *   else CMD_UNKNOWN.
 *
 * Ownership and threads: the registry borrows the struct cmd_def it is
 * given (they are static data and must outlive it) and owns everything it
 * parses from them.  Once all commands are registered the registry is only
 * read, so matching and completion may run in several threads at once.
 * Matches and completion lists are owned by the caller (see each call).
 */
#ifndef SKYGATE_CMD_H
#define SKYGATE_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct cmd_registry;
struct cmd_args;

/*
 * A handler gets the caller's context (borrowed) and the bound arguments
 * (valid during the call only).  The engine never calls handlers itself;
 * the CLI does, after a CMD_OK match.  Return 0 or -1, as the CLI defines.
 */
typedef int (*cmd_handler_fn)(void *ctx, const struct cmd_args *args);

/* Bits of cmd_def.flags the engine knows; bits 16..31 are the caller's. */
enum cmd_flag {
	/* Matches like any command but never shows up in '?' or TAB lists. */
	CMD_FLAG_HIDDEN = 1u << 0,
};

struct cmd_def {
	int node;               /* CLI node (view, config, router bgp...) */
	const char *syntax;     /* e.g. "show ip bgp summary [json]" */
	const char *help;       /* one line per token, '\n'-separated */
	cmd_handler_fn handler; /* may be NULL (the engine does not call it) */
	unsigned flags;         /* enum cmd_flag bits */
};

/* NULL when out of memory.  Free with cmd_registry_free() (NULL is fine). */
struct cmd_registry *cmd_registry_new(void);
void cmd_registry_free(struct cmd_registry *reg);

/*
 * Parse def->syntax and add the command to node def->node.  The registry
 * borrows def.  Returns 0, or -1 with a one-line reason in err (errlen
 * bytes; err may be NULL) when the syntax is malformed (unbalanced
 * brackets, an empty alternative, LINE not last, a bad range or token, a
 * misplaced '$', a syntax that matches an empty line), when the number of
 * help lines is not the number of tokens, when a help line is empty, when
 * the same syntax string is already registered in that node, or when out
 * of memory.  On -1 the registry is unchanged.
 */
int cmd_register(struct cmd_registry *reg, const struct cmd_def *def, char *err, size_t errlen);

/*
 * Commands of a node, in registration order, hidden ones included (a
 * `list` command checks def->flags); cmd_at() is NULL past the end.
 */
size_t cmd_count(const struct cmd_registry *reg, int node);
const struct cmd_def *cmd_at(const struct cmd_registry *reg, int node, size_t i);

enum cmd_match_status {
	CMD_OK,         /* one command matches; def and args are set */
	CMD_UNKNOWN,    /* a token matches nothing possible at its position */
	CMD_AMBIGUOUS,  /* an abbreviation fits several keywords, or commands tie */
	CMD_INCOMPLETE, /* the line is a proper prefix of some command */
	CMD_BAD_VALUE,  /* a token is not a valid value of the type expected
	                 * (out of range, malformed address...) */
	CMD_EMPTY,      /* blank line or comment: nothing to do */
};

#define CMD_ERROR_MAX 256

struct cmd_match {
	enum cmd_match_status status;
	const struct cmd_def *def; /* CMD_OK: the command (borrowed); else NULL */
	struct cmd_args *args;     /* CMD_OK: owned by the match; else NULL */
	/*
	 * Index of the offending input token: the unknown, ambiguous or bad
	 * one.  For CMD_INCOMPLETE and for commands that tie it is the
	 * number of tokens (the problem is at the end of the line); 0 for
	 * CMD_OK and CMD_EMPTY.
	 */
	size_t bad_token;
	/*
	 * Empty for CMD_OK and CMD_EMPTY, else one line for the user, e.g.
	 *   % Unknown command: 'bgx' in "show ip bgx"
	 *   % Ambiguous command: 's' could be: show, shutdown
	 *   % Ambiguous command: 'debug 7' matches: "debug (1-10)", "debug (5-20)"
	 *   % Invalid value '4294967296' for (1-4294967295)
	 *   % Command incomplete: "show ip"
	 */
	char error[CMD_ERROR_MAX];
};

/*
 * Match line in node.  Always fills *out (release it with cmd_match_free(),
 * whatever the status).  Returns 0, or -1 when out of memory (then status
 * is CMD_UNKNOWN and error says so).
 */
int cmd_match_line(const struct cmd_registry *reg, int node, const char *line,
                   struct cmd_match *out);
void cmd_match_free(struct cmd_match *m);

/*
 * The matched line in canonical form: keywords written out in full,
 * values as typed, single spaces ("sh ip bg su" -> "show ip bgp
 * summary").  For history and config printing.  Caller frees; NULL when
 * m is not CMD_OK or out of memory.
 */
char *cmd_match_canonical(const struct cmd_match *m);

/*
 * Arguments of a match: one (name, value) pair per matched token, in line
 * order (a LINE variable is one pair).  Names are binding names; values
 * are the user's text, with keywords expanded to their full form.  When a
 * name occurs more than once, the lookups below return the first pair
 * whose name was written with '$', else the first pair: in
 * "[seq (1-4294967295)$seq]" the keyword also binds "seq", and "seq" is
 * the number.  Strings belong to the match.
 */
const char *cmd_args_get(const struct cmd_args *args, const char *name); /* NULL if absent */
bool cmd_args_has(const struct cmd_args *args, const char *name);
/* Decimal value of name: 0, or -1 when absent or not an unsigned 64-bit number. */
int cmd_args_get_u64(const struct cmd_args *args, const char *name, uint64_t *out);
size_t cmd_args_count(const struct cmd_args *args);
const char *cmd_args_name(const struct cmd_args *args, size_t i);  /* NULL past the end */
const char *cmd_args_value(const struct cmd_args *args, size_t i); /* NULL past the end */

/*
 * One entry of a '?' or TAB list.  word is a keyword, a variable's type as
 * written in the syntax ("A.B.C.D", "(1-65535)", "WORD") or "<cr>"; help
 * is that token's help line ("" for "<cr>").
 */
struct cmd_completion {
	char *word;
	char *help;
	bool is_keyword;
};

/*
 * What may come next after line_before_cursor (the text left of the
 * cursor) in node, for '?' and TAB.  If the text is empty or ends in a
 * blank, every possible next token is listed, plus "<cr>" when the text
 * is already a complete command.  Otherwise its last word is being typed:
 * the keywords it is a prefix of, and the variables whose values it could
 * begin, are listed.  Hidden commands contribute nothing.  The list is
 * sorted by word (strcmp) with "<cr>" last, and holds each (word, help)
 * pair once: two commands may give the same variable different help.
 * A line that matches nothing gives an empty list.
 *
 * Returns 0 with *out (caller frees with cmd_completions_free(); NULL
 * when *count is 0) and *count set, or -1 when out of memory.
 */
int cmd_complete(const struct cmd_registry *reg, int node, const char *line_before_cursor,
                 struct cmd_completion **out, size_t *count);
/* Frees the strings and the array; list may be NULL. */
void cmd_completions_free(struct cmd_completion *list, size_t count);

/*
 * For TAB: the keyword to complete the word being typed to, when the list
 * holds exactly one distinct keyword (variables cannot be completed, and
 * an exact keyword outranks them anyway); else NULL.  Points into list.
 */
const char *cmd_completion_unique(const struct cmd_completion *list, size_t count);

#ifdef SKYGATE_CMD_PRIVATE
/*
 * The compiled form, shared by lib/cmd_syntax.c (which builds it) and
 * lib/cmd_match.c (which walks it).  Not for other callers.
 *
 * A syntax string is compiled into a position automaton: one position per
 * token, in order of appearance, plus position 0 for "before the first
 * token".  follow lists the positions that may come next; accept says
 * whether the command may end after this position.  LINE follows itself.
 */
enum cmd_tok_type {
	CMD_TOK_START,
	CMD_TOK_KEYWORD,
	CMD_TOK_IPV4_PREFIX,
	CMD_TOK_IPV4,
	CMD_TOK_IPV6_PREFIX,
	CMD_TOK_IPV6,
	CMD_TOK_RANGE,
	CMD_TOK_WORD,
	CMD_TOK_LINE,
};

struct cmd_tok {
	enum cmd_tok_type type;
	char *text;      /* keyword, or the variable as written */
	char *help;      /* its help line */
	char *bind;      /* binding name */
	uint64_t lo, hi; /* CMD_TOK_RANGE bounds, inclusive */
	uint32_t *follow;
	size_t nfollow, capfollow;
	bool accept;
	bool bound; /* bind came from its own '$name' */
};

struct cmd_graph {
	const struct cmd_def *def; /* borrowed */
	uint64_t syntax_hash;      /* of def->syntax, to find duplicates quickly */
	struct cmd_tok *toks;      /* toks[0] is the start position */
	size_t ntoks;
};

struct cmd_node_list {
	int node;
	struct cmd_graph **cmds;
	size_t count, cap;
};

/* The commands of node, or NULL when none were registered there. */
const struct cmd_node_list *cmd_node_find(const struct cmd_registry *reg, int node);

/* Strict unsigned decimal: digits only, no leading zero unless "0". */
int cmd_parse_u64(const char *s, uint64_t *out);
#endif /* SKYGATE_CMD_PRIVATE */

#endif /* SKYGATE_CMD_H */
