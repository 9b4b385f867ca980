/*
 * Shared by approval_store.c (SQLite) and approval_rules.c (the in-memory
 * index); not for other modules, which use approval.h.
 */
#ifndef SKYGATE_APPROVAL_INTERNAL_H
#define SKYGATE_APPROVAL_INTERNAL_H

#include <sqlite3.h>

#include "approval.h"
#include "pfxhash.h"

/* The rules of one rule prefix: a group, found by the prefix hash. */
struct appr_group {
	struct prefix prefix;        /* the key; family 0 while the group is free */
	struct appr_rule **rules;    /* owned */
	uint32_t n, cap;
	uint32_t next_free;          /* free list link (UINT32_MAX: end) */
};

struct appr_index {
	struct appr_group *groups;
	uint32_t ngroups, cap, free_head;
	struct pfxhash by_prefix;    /* rule prefix -> group number */
	/* How many groups have each rule-prefix length, per family (0: IPv4,
	 * 1: IPv6): a lookup probes only lengths in use. */
	uint32_t len_groups[2][129];
	size_t nrules;
};

struct appr_db {
	sqlite3 *sql;
	sqlite3_stmt *insert_rule, *update_rule, *delete_rule, *insert_audit, *begin, *commit, *rollback;
	/* APPR_BATCH rows a statement (appr_approve_many()); made when first
	 * needed. */
	sqlite3_stmt *insert_rules_batch, *insert_audit_batch;
	struct appr_index index;
};

void appr_index_init(struct appr_index *ix);
void appr_index_fini(struct appr_index *ix);
/* The rule with this range and scope, or NULL. */
struct appr_rule *appr_index_find(const struct appr_index *ix, const struct prefix *prefix, uint8_t ge, uint8_t le,
				  const struct prefix *neighbor);
/* Take ownership of rule (and its strings). Returns 0, -1 out of memory
 * (the rule is then not taken). */
int appr_index_insert(struct appr_index *ix, struct appr_rule *rule);
/* Remove and free rule. */
void appr_index_remove(struct appr_index *ix, struct appr_rule *rule);
void appr_rule_free(struct appr_rule *rule);

#endif
