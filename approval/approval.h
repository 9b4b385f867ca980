/*
 * Route approval: the rules an operator (CLI) or the controller (API)
 * made about learned prefixes, kept in SQLite and indexed in memory.
 *
 * A rule is a prefix-list style range, `P [ge N] [le N]`, with an action
 * (approve or reject), a scope (every connection subject to approval, or
 * one neighbor) and an audit record: who made it, when, and why. A
 * decision on one prefix ("approve 198.18.1.0/24") is simply an exact
 * rule, so decisions and ranges follow one set of precedence rules.
 *
 * Precedence, when several rules match a (neighbor, prefix):
 *   1. the most specific rule wins: the longest rule prefix;
 *   2. at equal length, a rule scoped to the neighbor wins over a rule for
 *      every connection;
 *   3. then a reject wins over an approve (the safe choice for routes
 *      that would reach the cloud);
 *   4. then the narrower ge..le range, then the older rule.
 * No matching rule: the prefix is pending.
 *
 * Durability: every change is one SQLite transaction, committed before the
 * call returns; the in-memory index changes only after the commit, so a
 * crash at any moment leaves the database with every decision whose call
 * returned 0 (approval_store.c explains why synchronous=NORMAL suffices).
 *
 * The routed side owns what is pending: held paths live in the BGP
 * Adj-RIB-In (routed/bgp/bgp_approval.c), so a withdrawn prefix leaves the
 * pending list with the path itself. This module only decides.
 *
 * Ownership: struct appr_db owns its rules; a const struct appr_rule *
 * from a lookup or a list stays valid until the next change to the rules
 * (add, remove, approve-all) or appr_close(). Strings given to the API
 * are copied. Not thread-safe: one event loop uses it.
 */
#ifndef SKYGATE_APPROVAL_H
#define SKYGATE_APPROVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "prefix.h"

#define APPR_SCHEMA_VERSION 2
#define APPR_DB_FILE "approval.db"
#define APPR_WHO_MAX 64
#define APPR_REASON_MAX 512

enum appr_action {
	APPR_NONE = 0,     /* no rule matches: pending */
	APPR_APPROVE,
	APPR_REJECT,
};

/* A rule, as stored. neighbor.family == 0: every connection (the
 * gateway scope). */
struct appr_rule {
	int64_t id;                  /* the database row */
	struct prefix prefix;        /* normalised */
	uint8_t ge, le;              /* the lengths it matches, ge <= le */
	struct prefix neighbor;      /* host prefix, or family 0 */
	enum appr_action action;
	time_t created;              /* wall-clock seconds */
	char *who;                   /* "cli:root", "api:controller" */
	char *reason;                /* free text, may be "" */
};

/* What to add: the range and scope as typed. ge/le 0: not given (the
 * range is then exactly P, or P's length up to le, or ge up to the
 * family's maximum, as in a prefix-list). */
struct appr_rule_spec {
	struct prefix prefix;
	uint8_t ge, le;
	struct prefix neighbor;      /* family 0: every connection */
	enum appr_action action;
	const char *who;
	const char *reason;          /* NULL or "" for none */
};

struct appr_db;

/* Open (creating, or migrating from an older schema) dir/approval.db and
 * load its rules. path may also name the file itself (tests: ":memory:"
 * keeps it in memory). Returns NULL with a reason in err. */
struct appr_db *appr_open(const char *path, char *err, size_t errlen);
void appr_close(struct appr_db *db);

/* The schema version of the open database (PRAGMA user_version). */
int appr_schema_version(struct appr_db *db);

/* Normalise spec's range: 0 on success with *ge and *le set, or -1 with a
 * reason (the lengths must satisfy len <= ge <= le <= max). */
int appr_range(const struct appr_rule_spec *spec, uint8_t *ge, uint8_t *le, char *err, size_t errlen);

/* Add a rule, or change the action, author and reason of the rule with
 * the same range and scope. One transaction with its audit record. *out
 * (may be NULL) gets the rule. Returns 0, or -1 with a reason. */
int appr_rule_add(struct appr_db *db, const struct appr_rule_spec *spec, const struct appr_rule **out, char *err,
		  size_t errlen);

/* Remove the rule with spec's range, scope and action (spec->who and
 * reason go to the audit trail). Returns 0, 1 when there is no such
 * rule, -1 with a reason. */
int appr_rule_remove(struct appr_db *db, const struct appr_rule_spec *spec, char *err, size_t errlen);

/* Approve many exact prefixes, each of its own neighbor (family 0: every
 * connection), in one transaction: all are committed or none. Prefixes
 * that already have an exact rule of their scope get theirs replaced.
 * Returns 0, or -1 with a reason. */
struct appr_item {
	struct prefix prefix;
	struct prefix neighbor;
};
int appr_approve_many(struct appr_db *db, const struct appr_item *items, size_t n, const char *who,
		      const char *reason, char *err, size_t errlen);

/* The decision for a prefix learned from neighbor (a host prefix):
 * APPR_NONE (pending), APPR_APPROVE or APPR_REJECT; *rule (may be NULL)
 * gets the rule that decided, or NULL. */
enum appr_action appr_lookup(const struct appr_db *db, const struct prefix *neighbor, const struct prefix *prefix,
			     const struct appr_rule **rule);

/* Every rule, in prefix order (then scope, range and action). */
size_t appr_rule_count(const struct appr_db *db);
typedef int (*appr_rule_fn)(const struct appr_rule *rule, void *arg);
int appr_rule_walk(const struct appr_db *db, appr_rule_fn fn, void *arg);

/* The audit trail, oldest first: one record per change. */
struct appr_audit {
	int64_t id;
	time_t at;
	const char *who, *event, *reason; /* event: "approve", "reject", "remove-approve", "remove-reject" */
	struct prefix prefix;
	uint8_t ge, le;
	struct prefix neighbor;
};
typedef int (*appr_audit_fn)(const struct appr_audit *rec, void *arg);
/* Visit the last `limit` records (0: all). Returns 0, or -1 on an error. */
int appr_audit_walk(struct appr_db *db, size_t limit, appr_audit_fn fn, void *arg);

const char *appr_action_name(enum appr_action action); /* "approve", "reject", "none" */
/* "198.18.0.0/15 le 24" */
const char *appr_rule_range_text(const struct appr_rule *rule, char *buf, size_t len);

#endif
