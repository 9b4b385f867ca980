/*
 * The policy objects as data, shared by the files of routed/policy/ (the
 * model, the compilers, evaluation, printing and the CLI); not for other
 * modules, which use policy.h.
 *
 * Every object is its own allocation, kept in an array of pointers sorted
 * by name, so a pointer to it stays valid while other objects come and go
 * (until the object itself is deleted). Entries are kept sorted by
 * sequence number. Compiled forms hang off the object and are dropped by
 * every edit of it (the `compiled` flag goes false); policy_compile()
 * rebuilds them.
 */
#ifndef SKYGATE_ROUTED_POLICY_INTERNAL_H
#define SKYGATE_ROUTED_POLICY_INTERNAL_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bgp_attr.h"
#include "policy.h"
#include "prefix.h"
#include "sorted_array.h" /* entry and object arrays */

#define POLICY_DESCRIPTION_MAX 80 /* as FRR */
#define POLICY_SEQ_STEP 5         /* automatic sequence numbers: 5, 10, ... as FRR */

/* What every object starts with, so one sorted-array helper serves all. */
struct policy_head {
	char name[POLICY_NAME_MAX + 1];
	uint64_t generation; /* stamped by every edit of the object */
	bool compiled;       /* the compiled form is current */
};

/* ---- prefix-lists ---------------------------------------------------------- */

struct plist_entry {
	uint32_t seq;
	bool permit;
	struct prefix prefix; /* normalised: no host bits */
	uint8_t ge, le;       /* 0: not given; le is never the family maximum with ge (FRR drops it) */
};

struct plist_trie; /* policy_prefix.c */

struct prefix_list {
	struct policy_head head;
	uint8_t family; /* AF_INET (`ip`) or AF_INET6 (`ipv6`) */
	char description[POLICY_DESCRIPTION_MAX + 1];
	struct plist_entry *entries; /* sorted by seq */
	size_t count, cap;
	struct plist_trie *trie; /* compiled */
};

/* ---- regex lists (AS-path access-lists, expanded community lists) ---------- */

struct policy_regex {
	char *text;  /* as the user wrote it */
	regex_t *re; /* compiled, `_` translated; NULL until compiled */
};

struct aspath_entry {
	uint32_t seq;
	bool permit;
	struct policy_regex rx;
	/* Set by compilation when the expression is `^N_` with N a plain AS
	 * number: it is then decided on the AS numbers (policy_regex.c). */
	bool lead_only;
	uint32_t lead_asn;
};

struct aspath_cache; /* policy_regex.c */

struct aspath_list {
	struct policy_head head;
	struct aspath_entry *entries; /* sorted by seq */
	size_t count, cap;
	struct aspath_cache *cache; /* verdicts per AS_PATH, emptied on recompilation */
};

/* A community-list or a large-community-list entry. */
struct clist_entry {
	uint32_t seq;
	bool permit;
	/* standard: the values the route must all carry; sorted, unique */
	uint32_t *comms;                    /* community lists */
	struct bgp_large_community *lcomms; /* large-community lists */
	size_t ncomms;
	struct policy_regex rx; /* expanded */
};

struct community_list {
	struct policy_head head;
	bool large;    /* a large-community-list */
	bool expanded; /* every entry is a regex; else every entry is a set of values */
	struct clist_entry *entries;
	size_t count, cap;
};

/* ---- route-maps ------------------------------------------------------------ */

enum rmap_match_bit {
	RMAP_MATCH_PLIST4 = 1u << 0,
	RMAP_MATCH_PLIST6 = 1u << 1,
	RMAP_MATCH_ASPATH = 1u << 2,
	RMAP_MATCH_COMMUNITY = 1u << 3,
	RMAP_MATCH_LCOMMUNITY = 1u << 4,
	RMAP_MATCH_PEER = 1u << 5,
	RMAP_MATCH_ORIGIN = 1u << 6,
	RMAP_MATCH_METRIC = 1u << 7,
	RMAP_MATCH_LOCAL_PREF = 1u << 8,
};

enum rmap_set_bit {
	RMAP_SET_LOCAL_PREF = 1u << 0,
	RMAP_SET_METRIC = 1u << 1,
	RMAP_SET_WEIGHT = 1u << 2,
	RMAP_SET_COMMUNITY = 1u << 3,
	RMAP_SET_COMM_DELETE = 1u << 4,
	RMAP_SET_LCOMMUNITY = 1u << 5,
	RMAP_SET_LCOMM_DELETE = 1u << 6,
	RMAP_SET_PREPEND = 1u << 7,
	RMAP_SET_NEXTHOP4 = 1u << 8,
	RMAP_SET_NEXTHOP6 = 1u << 9,
	RMAP_SET_ORIGIN = 1u << 10,
};

enum rmap_metric_op { RMAP_METRIC_SET = 0, RMAP_METRIC_ADD, RMAP_METRIC_SUB };
enum rmap_exit { RMAP_EXIT_STOP = 0, RMAP_EXIT_NEXT, RMAP_EXIT_GOTO };

struct rmap_entry {
	uint32_t seq; /* 1-65535 */
	bool permit;
	char description[POLICY_DESCRIPTION_MAX + 1];

	unsigned match; /* enum rmap_match_bit */
	char match_plist4[POLICY_NAME_MAX + 1];
	char match_plist6[POLICY_NAME_MAX + 1];
	char match_aspath[POLICY_NAME_MAX + 1];
	char match_comm[POLICY_NAME_MAX + 1];
	bool match_comm_exact;
	char match_lcomm[POLICY_NAME_MAX + 1];
	bool match_lcomm_exact;
	struct prefix match_peer; /* host prefix */
	uint8_t match_origin;
	uint32_t match_metric;
	uint32_t match_local_pref;

	unsigned set; /* enum rmap_set_bit */
	uint32_t set_local_pref;
	enum rmap_metric_op set_metric_op;
	uint32_t set_metric;
	uint32_t set_weight;
	uint32_t *set_comms; /* sorted, unique; NULL with ncomms 0 for `none` */
	size_t set_ncomms;
	bool set_comm_additive;
	char set_comm_delete[POLICY_NAME_MAX + 1];
	struct bgp_large_community *set_lcomms;
	size_t set_nlcomms;
	bool set_lcomm_additive;
	char set_lcomm_delete[POLICY_NAME_MAX + 1];
	uint32_t *prepend; /* in the order to appear in front of the path */
	size_t nprepend;
	uint8_t prepend_last_as; /* 1-10 with nprepend 0: `last-as N` */
	bool nexthop4_peer;      /* `set ip next-hop peer-address` */
	uint8_t nexthop4[4];
	uint8_t nexthop6[16];
	uint8_t set_origin;

	enum rmap_exit exit;
	uint32_t goto_seq;
	char call[POLICY_NAME_MAX + 1]; /* "" for none */

	/* Resolved by policy_compile(); NULL when the name is undefined. */
	struct prefix_list *r_plist4, *r_plist6;
	struct aspath_list *r_aspath;
	struct community_list *r_comm, *r_lcomm, *r_comm_delete, *r_lcomm_delete;
	struct route_map *r_call;

	uint64_t hits; /* times every match clause matched (FRR's "Invoked") */
};

struct route_map {
	struct policy_head head;
	struct rmap_entry *entries; /* sorted by seq */
	size_t count, cap;
	uint64_t invoked; /* route_map_apply() calls, `call` included */
};

/* ---- the container ---------------------------------------------------------- */

/* A sorted array of objects that begin with struct policy_head. */
struct policy_set {
	void **items;
	size_t count, cap;
};

struct policy_config {
	struct policy_set plist4, plist6;
	struct policy_set aspath;
	struct policy_set clist, lclist; /* community and large-community lists */
	struct policy_set rmap;
	uint64_t generation;
	uint64_t compiled_generation; /* == generation: everything is compiled */
};

/* policy_config.c: lookup and edits. Every edit stamps the object and pc. */
void *policy_set_find(const struct policy_set *set, const char *name);
void policy_touch(struct policy_config *pc, struct policy_head *head);
struct prefix_list *policy_plist_get(struct policy_config *pc, int family, const char *name);
struct aspath_list *policy_aspath_get(struct policy_config *pc, const char *name);
struct community_list *policy_clist_get(struct policy_config *pc, bool large, const char *name,
					bool expanded);
struct route_map *policy_rmap_get(struct policy_config *pc, const char *name);
/* Remove and free the object name from set; -1 if there is none. */
int policy_set_delete(struct policy_config *pc, struct policy_set *set, const char *name);
struct policy_set *policy_plist_set(struct policy_config *pc, int family);
/* Next automatic sequence number after the highest one: the next
 * multiple of 5, as FRR (prefix_new_seq_get). */
uint32_t policy_next_seq(uint32_t highest, uint32_t max);
void policy_regex_free(struct policy_regex *rx);
void rmap_entry_free(struct rmap_entry *e);
void clist_entry_free(struct clist_entry *e);
int rmap_entry_copy(struct rmap_entry *dst, const struct rmap_entry *src);

/* policy_prefix.c */
struct plist_trie *plist_trie_build(const struct prefix_list *pl);
void plist_trie_free(struct plist_trie *t);
/* The deciding entry for p, or NULL (no entry matches). */
const struct plist_entry *plist_trie_lookup(const struct plist_trie *t, const struct prefix *p);
/* True when the entry's prefix and length range match p (the reference
 * definition the trie must agree with). */
bool plist_entry_matches(const struct plist_entry *e, const struct prefix *p);
/* POLICY_PERMIT/POLICY_DENY for a compiled list (NULL: undefined). */
enum policy_result plist_apply(const struct prefix_list *pl, const struct prefix *p);

/* policy_eval.c: a prefix-list test asked outside a route-map. */
void policy_memo_prefix_list(struct policy_memo *memo, const struct prefix_list *list,
                             uint8_t family, bool passed);

/* policy_regex.c */
/* Compile text with FRR's `_`; 0, or -1 with regerror()'s text in err. */
int policy_regex_compile(struct policy_regex *rx, const char *text, char *err, size_t errlen);
int aspath_list_compile(struct aspath_list *l);
void aspath_list_uncompile(struct aspath_list *l);
int clist_compile(struct community_list *l);
void clist_uncompile(struct community_list *l);
/* Whole-list verdicts as FRR: true when the first matching entry
 * permits; no matching entry: false. */
bool aspath_list_permits(struct aspath_list *l, const struct bgp_aspath *path);
bool clist_match(const struct community_list *l, const struct bgp_attrs *attrs, bool exact);
/* `set comm-list L delete`: the route's values that list l's first
 * matching entry (tested per value) permits are dropped; the rest are
 * written to out (room for n). Returns how many are kept. */
size_t clist_delete_comms(const struct community_list *l, const uint32_t *in, size_t n, uint32_t *out);
size_t clist_delete_lcomms(const struct community_list *l, const struct bgp_large_community *in, size_t n,
			   struct bgp_large_community *out);

/* Community text: AA:NN or a well-known name; 0 or -1. */
int policy_community_parse(const char *text, uint32_t *out);
int policy_lcommunity_parse(const char *text, struct bgp_large_community *out);
/* FRR's text of communities ("64512:1 no-export internet"), as snprintf. */
size_t policy_community_format(const uint32_t *v, size_t n, char *buf, size_t len);
/* Sort and drop duplicates; returns the new count. */
size_t policy_comms_sort(uint32_t *v, size_t n);
size_t policy_lcomms_sort(struct bgp_large_community *v, size_t n);

#endif
