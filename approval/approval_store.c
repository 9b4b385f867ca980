/*
 * The approval store: rules and their audit trail in SQLite.
 *
 * Journal: WAL, so a reader (a backup, `sqlite3 approval.db`) never blocks
 * the daemon and a commit is one sequential append to the -wal file.
 *
 * synchronous=NORMAL is enough for what we promise, that `kill -9` of
 * routed at any moment loses no decision whose command returned OK: in WAL
 * mode a COMMIT writes the transaction's frames to the -wal file with
 * write(2) before it returns, and NORMAL only skips the fsync of the WAL
 * at each commit. Data written with write(2) is in the kernel's page
 * cache, which outlives the process, so a killed process loses nothing;
 * only a power cut or kernel crash can lose the last commits (the
 * database stays consistent either way, WAL frames are checksummed).
 * FULL would fsync every decision and cost one disk flush per CLI
 * command and per approve-all, for a failure the appliance's controller
 * recovers from anyway (it re-sends its approvals).
 *
 * Schema versions (PRAGMA user_version):
 *   1  decisions(prefix, neighbor, action, who, at, reason): exact
 *      prefixes only, no history
 *   2  rules with ge/le ranges, and an audit table with one record per
 *      change; version 1 decisions become exact rules, and each gets an
 *      audit record of its original author and time
 * Every migration runs in one transaction with the version bump, so a
 * crash during it leaves the older version intact.
 */
#include "approval_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char schema_v2[] =
	"CREATE TABLE IF NOT EXISTS rules ("
	" id INTEGER PRIMARY KEY,"
	" prefix TEXT NOT NULL,"
	" ge INTEGER NOT NULL,"
	" le INTEGER NOT NULL,"
	" neighbor TEXT NOT NULL DEFAULT '',"
	" action TEXT NOT NULL CHECK (action IN ('approve', 'reject')),"
	" who TEXT NOT NULL,"
	" created INTEGER NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" UNIQUE (prefix, ge, le, neighbor));"
	"CREATE TABLE IF NOT EXISTS audit ("
	" id INTEGER PRIMARY KEY,"
	" at INTEGER NOT NULL,"
	" who TEXT NOT NULL,"
	" event TEXT NOT NULL,"
	" prefix TEXT NOT NULL,"
	" ge INTEGER NOT NULL,"
	" le INTEGER NOT NULL,"
	" neighbor TEXT NOT NULL DEFAULT '',"
	" reason TEXT NOT NULL DEFAULT '');";

/* Version 1 to 2: the length of an exact decision is the prefix's own,
 * the text after the '/'. */
static const char migrate_1_to_2[] =
	"INSERT INTO rules (prefix, ge, le, neighbor, action, who, created, reason)"
	" SELECT prefix, CAST(substr(prefix, instr(prefix, '/') + 1) AS INTEGER),"
	"        CAST(substr(prefix, instr(prefix, '/') + 1) AS INTEGER),"
	"        neighbor, action, who, at, reason FROM decisions;"
	"INSERT INTO audit (at, who, event, prefix, ge, le, neighbor, reason)"
	" SELECT created, who, action, prefix, ge, le, neighbor, reason FROM rules ORDER BY created, id;"
	"DROP TABLE decisions;";

static int exec(struct appr_db *db, const char *sql, char *err, size_t errlen)
{
	char *msg = NULL;

	if (sqlite3_exec(db->sql, sql, NULL, NULL, &msg) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", msg != NULL ? msg : sqlite3_errmsg(db->sql));
	sqlite3_free(msg);
	return -1;
}

int appr_schema_version(struct appr_db *db)
{
	sqlite3_stmt *st;
	int v = -1;

	if (sqlite3_prepare_v2(db->sql, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* Bring the schema to APPR_SCHEMA_VERSION, one transaction per step. */
/* Bring the schema to APPR_SCHEMA_VERSION in one transaction. The version
 * is read inside it: two daemons starting on one state directory (tests
 * run several) must not both migrate. */
static int migrate(struct appr_db *db, char *err, size_t errlen)
{
	char sql[sizeof(migrate_1_to_2) + sizeof(schema_v2) + 128];
	char ignored[64];

	if (exec(db, "BEGIN IMMEDIATE", err, errlen) != 0)
		return -1;
	int v = appr_schema_version(db);
	if (v < 0 || v > APPR_SCHEMA_VERSION) {
		if (v < 0)
			snprintf(err, errlen, "cannot read the schema version: %s", sqlite3_errmsg(db->sql));
		else
			snprintf(err, errlen, "schema version %d is newer than this program's (%d)", v,
				 APPR_SCHEMA_VERSION);
		exec(db, "ROLLBACK", ignored, sizeof(ignored));
		return -1;
	}
	if (v == APPR_SCHEMA_VERSION)
		return exec(db, "COMMIT", err, errlen);
	snprintf(sql, sizeof(sql), "%s%sPRAGMA user_version = %d;COMMIT;", schema_v2, v == 1 ? migrate_1_to_2 : "",
		 APPR_SCHEMA_VERSION);
	if (exec(db, sql, err, errlen) != 0) {
		exec(db, "ROLLBACK", ignored, sizeof(ignored));
		return -1;
	}
	return 0;
}

static int prepare(struct appr_db *db, sqlite3_stmt **st, const char *sql, char *err, size_t errlen)
{
	if (sqlite3_prepare_v3(db->sql, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL) == SQLITE_OK)
		return 0;
	snprintf(err, errlen, "%s", sqlite3_errmsg(db->sql));
	return -1;
}

static int prepare_all(struct appr_db *db, char *err, size_t errlen)
{
	return prepare(db, &db->insert_rule,
		       "INSERT INTO rules (prefix, ge, le, neighbor, action, who, created, reason)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err, errlen) ||
	       prepare(db, &db->update_rule, "UPDATE rules SET action = ?2, who = ?3, created = ?4, reason = ?5"
		       " WHERE id = ?1", err, errlen) ||
	       prepare(db, &db->delete_rule, "DELETE FROM rules WHERE id = ?1", err, errlen) ||
	       prepare(db, &db->insert_audit,
		       "INSERT INTO audit (at, who, event, prefix, ge, le, neighbor, reason)"
		       " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)", err, errlen) ||
	       prepare(db, &db->begin, "BEGIN IMMEDIATE", err, errlen) ||
	       prepare(db, &db->commit, "COMMIT", err, errlen) ||
	       prepare(db, &db->rollback, "ROLLBACK", err, errlen)
		       ? -1
		       : 0;
}

/* The prefix as text; without its length for a neighbor. buf holds
 * PREFIX_STRLEN bytes. */
static const char *pfx_text(const struct prefix *p, char *buf, bool with_len)
{
	prefix_format(p, buf, PREFIX_STRLEN);
	char *slash = strchr(buf, '/');
	if (!with_len && slash != NULL)
		*slash = '\0';
	return buf;
}

/* A neighbor is a host: its address alone, "" for every connection. */
static const char *neighbor_text(const struct prefix *n, char *buf)
{
	if (n->family == 0) {
		buf[0] = '\0';
		return buf;
	}
	return pfx_text(n, buf, false);
}

static int parse_neighbor(const char *text, struct prefix *out)
{
	memset(out, 0, sizeof(*out));
	if (text == NULL || text[0] == '\0')
		return 0;
	return prefix_parse(text, out);
}

static enum appr_action action_parse(const char *text)
{
	if (text != NULL && strcmp(text, "approve") == 0)
		return APPR_APPROVE;
	if (text != NULL && strcmp(text, "reject") == 0)
		return APPR_REJECT;
	return APPR_NONE;
}

static char *dup_text(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static int load(struct appr_db *db, char *err, size_t errlen)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->sql, "SELECT id, prefix, ge, le, neighbor, action, who, created, reason FROM rules",
			       -1, &st, NULL) != SQLITE_OK) {
		snprintf(err, errlen, "%s", sqlite3_errmsg(db->sql));
		return -1;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct appr_rule *r = calloc(1, sizeof(*r));
		const char *pfx = (const char *)sqlite3_column_text(st, 1);
		if (r == NULL) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		r->id = sqlite3_column_int64(st, 0);
		r->ge = (uint8_t)sqlite3_column_int(st, 2);
		r->le = (uint8_t)sqlite3_column_int(st, 3);
		r->action = action_parse((const char *)sqlite3_column_text(st, 5));
		r->created = (time_t)sqlite3_column_int64(st, 7);
		r->who = dup_text((const char *)sqlite3_column_text(st, 6));
		r->reason = dup_text((const char *)sqlite3_column_text(st, 8));
		if (pfx == NULL || prefix_parse_strict(pfx, &r->prefix) != 0 ||
		    parse_neighbor((const char *)sqlite3_column_text(st, 4), &r->neighbor) != 0 ||
		    r->action == APPR_NONE || r->ge < r->prefix.len || r->le < r->ge ||
		    r->le > prefix_max_len(r->prefix.family)) {
			snprintf(err, errlen, "rule %lld is malformed", (long long)r->id);
			appr_rule_free(r);
			break;
		}
		if (r->who == NULL || r->reason == NULL || appr_index_insert(&db->index, r) != 0) {
			snprintf(err, errlen, "out of memory");
			appr_rule_free(r);
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}

struct appr_db *appr_open(const char *path, char *err, size_t errlen)
{
	char file[4096];
	struct stat sb;
	struct appr_db *db = calloc(1, sizeof(*db));

	if (db == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	appr_index_init(&db->index);
	if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
		snprintf(file, sizeof(file), "%s/%s", path, APPR_DB_FILE);
	else
		snprintf(file, sizeof(file), "%s", path);
	if (sqlite3_open_v2(file, &db->sql, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		snprintf(err, errlen, "%s: %s", file, db->sql ? sqlite3_errmsg(db->sql) : "out of memory");
		goto fail;
	}
	/* Another process (a backup) may hold a lock for a moment. */
	sqlite3_busy_timeout(db->sql, 2000);
	char why[256];
	/* A 16 MiB page cache holds the rules table and its index at 100,000
	 * rules, so an approve-all's inserts do not reread pages. */
	if (exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384;", why,
		 sizeof(why)) != 0 ||
	    migrate(db, why, sizeof(why)) != 0 || prepare_all(db, why, sizeof(why)) != 0 ||
	    load(db, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s: %s", file, why);
		goto fail;
	}
	return db;
fail:
	appr_close(db);
	return NULL;
}

void appr_close(struct appr_db *db)
{
	if (db == NULL)
		return;
	sqlite3_stmt *all[] = {db->insert_rule, db->update_rule, db->delete_rule, db->insert_audit,
			       db->begin,       db->commit,      db->rollback,     db->insert_rules_batch,
			       db->insert_audit_batch};
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		sqlite3_finalize(all[i]);
	sqlite3_close(db->sql);
	appr_index_fini(&db->index);
	free(db);
}

/* Run a prepared statement that returns no rows, and reset it. */
static int step_done(struct appr_db *db, sqlite3_stmt *st, char *err, size_t errlen)
{
	int rc = sqlite3_step(st);

	/* Every caller binds every parameter, so no sqlite3_clear_bindings():
	 * it costs 5 % of an approve-all (callgrind). */
	sqlite3_reset(st);
	if (rc == SQLITE_DONE)
		return 0;
	snprintf(err, errlen, "%s", sqlite3_errmsg(db->sql));
	return -1;
}

static int begin(struct appr_db *db, char *err, size_t errlen)
{
	return step_done(db, db->begin, err, errlen);
}

static int commit(struct appr_db *db, char *err, size_t errlen)
{
	if (step_done(db, db->commit, err, errlen) == 0)
		return 0;
	char ignored[64];
	step_done(db, db->rollback, ignored, sizeof(ignored));
	return -1;
}

static void rollback(struct appr_db *db)
{
	char ignored[64];
	step_done(db, db->rollback, ignored, sizeof(ignored));
}

/* The text columns of a rule, formatted once for its row and its audit
 * record. */
struct rule_text {
	char prefix[PREFIX_STRLEN];
	char neighbor[PREFIX_STRLEN];
};

static void rule_text(const struct prefix *p, const struct prefix *neighbor, struct rule_text *t)
{
	pfx_text(p, t->prefix, true);
	neighbor_text(neighbor, t->neighbor);
}

/* Strings are bound SQLITE_STATIC: they outlive the step (step_done
 * resets the statement before returning), so SQLite need not copy them. */
static int audit(struct appr_db *db, time_t at, const char *who, const char *event, const struct rule_text *t,
		 uint8_t ge, uint8_t le, const char *reason, char *err, size_t errlen)
{
	sqlite3_stmt *st = db->insert_audit;

	sqlite3_bind_int64(st, 1, (sqlite3_int64)at);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, event, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, t->prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, ge);
	sqlite3_bind_int(st, 6, le);
	sqlite3_bind_text(st, 7, t->neighbor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, reason != NULL ? reason : "", -1, SQLITE_STATIC);
	return step_done(db, st, err, errlen);
}

static int insert_rule(struct appr_db *db, const struct appr_rule *r, const struct rule_text *t, char *err,
		       size_t errlen)
{
	sqlite3_stmt *st = db->insert_rule;

	sqlite3_bind_text(st, 1, t->prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, r->ge);
	sqlite3_bind_int(st, 3, r->le);
	sqlite3_bind_text(st, 4, t->neighbor, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, appr_action_name(r->action), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, r->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)r->created);
	sqlite3_bind_text(st, 8, r->reason, -1, SQLITE_STATIC);
	return step_done(db, st, err, errlen);
}

static int update_rule(struct appr_db *db, int64_t id, enum appr_action action, const char *who, time_t when,
		       const char *reason, char *err, size_t errlen)
{
	sqlite3_stmt *st = db->update_rule;

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, appr_action_name(action), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)when);
	sqlite3_bind_text(st, 5, reason, -1, SQLITE_STATIC);
	return step_done(db, st, err, errlen);
}

/* A copy of spec as a rule (not yet stored); NULL out of memory. */
static struct appr_rule *rule_from(const struct prefix *p, uint8_t ge, uint8_t le, const struct prefix *neighbor,
				   enum appr_action action, const char *who, const char *reason, time_t now)
{
	struct appr_rule *r = calloc(1, sizeof(*r));

	if (r == NULL)
		return NULL;
	r->prefix = *p;
	prefix_normalize(&r->prefix);
	r->ge = ge;
	r->le = le;
	if (neighbor != NULL && neighbor->family != 0)
		r->neighbor = *neighbor;
	r->action = action;
	r->created = now;
	r->who = dup_text(who);
	r->reason = dup_text(reason);
	if (r->who == NULL || r->reason == NULL) {
		appr_rule_free(r);
		return NULL;
	}
	if (strlen(r->who) > APPR_WHO_MAX)
		r->who[APPR_WHO_MAX] = '\0';
	if (strlen(r->reason) > APPR_REASON_MAX)
		r->reason[APPR_REASON_MAX] = '\0';
	return r;
}

/* Stage one rule in the open transaction: an update of the existing rule
 * of that range and scope (*existing), or an insert (*fresh, not yet in
 * the index, its id set). */
static int stage_rule(struct appr_db *db, struct appr_rule *r, const struct rule_text *t, struct appr_rule **existing,
		      char *err, size_t errlen)
{
	*existing = appr_index_find(&db->index, &r->prefix, r->ge, r->le, &r->neighbor);
	if (*existing != NULL) {
		r->id = (*existing)->id;
		return update_rule(db, r->id, r->action, r->who, r->created, r->reason, err, errlen);
	}
	if (insert_rule(db, r, t, err, errlen) != 0)
		return -1;
	r->id = sqlite3_last_insert_rowid(db->sql);
	return 0;
}

/* After the commit: the index takes r, in place of existing if any. */
static void index_commit(struct appr_db *db, struct appr_rule *r, struct appr_rule *existing)
{
	if (existing != NULL) {
		/* Same range and scope: keep the object (callers may hold
		 * it until the next change), swap its contents. */
		free(existing->who);
		free(existing->reason);
		existing->action = r->action;
		existing->created = r->created;
		existing->who = r->who;
		existing->reason = r->reason;
		free(r);
		return;
	}
	if (appr_index_insert(&db->index, r) != 0)
		appr_rule_free(r); /* stored: the next start loads it */
}

int appr_rule_add(struct appr_db *db, const struct appr_rule_spec *spec, const struct appr_rule **out, char *err,
		  size_t errlen)
{
	uint8_t ge, le;
	struct appr_rule *existing;

	if (spec->action != APPR_APPROVE && spec->action != APPR_REJECT) {
		snprintf(err, errlen, "no action");
		return -1;
	}
	if (appr_range(spec, &ge, &le, err, errlen) != 0)
		return -1;
	struct appr_rule *r = rule_from(&spec->prefix, ge, le, &spec->neighbor, spec->action, spec->who, spec->reason,
					time(NULL));
	if (r == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	struct rule_text t;
	rule_text(&r->prefix, &r->neighbor, &t);
	if (begin(db, err, errlen) != 0) {
		appr_rule_free(r);
		return -1;
	}
	if (stage_rule(db, r, &t, &existing, err, errlen) != 0 ||
	    audit(db, r->created, r->who, appr_action_name(r->action), &t, ge, le, r->reason, err, errlen) != 0) {
		rollback(db);
		appr_rule_free(r);
		return -1;
	}
	if (commit(db, err, errlen) != 0) {
		appr_rule_free(r);
		return -1;
	}
	index_commit(db, r, existing);
	if (out != NULL)
		*out = existing != NULL ? existing : appr_index_find(&db->index, &spec->prefix, ge, le, &spec->neighbor);
	return 0;
}

int appr_rule_remove(struct appr_db *db, const struct appr_rule_spec *spec, char *err, size_t errlen)
{
	uint8_t ge, le;
	struct prefix p = spec->prefix;
	char event[32];

	if (appr_range(spec, &ge, &le, err, errlen) != 0)
		return -1;
	prefix_normalize(&p);
	struct appr_rule *r = appr_index_find(&db->index, &p, ge, le, &spec->neighbor);
	if (r == NULL || (spec->action != APPR_NONE && r->action != spec->action))
		return 1;
	snprintf(event, sizeof(event), "remove-%s", appr_action_name(r->action));
	struct rule_text t;
	rule_text(&p, &r->neighbor, &t);
	if (begin(db, err, errlen) != 0)
		return -1;
	sqlite3_bind_int64(db->delete_rule, 1, r->id);
	if (step_done(db, db->delete_rule, err, errlen) != 0 ||
	    audit(db, time(NULL), spec->who != NULL ? spec->who : "", event, &t, ge, le, spec->reason, err, errlen) != 0) {
		rollback(db);
		return -1;
	}
	if (commit(db, err, errlen) != 0)
		return -1;
	appr_index_remove(&db->index, r);
	return 0;
}

/*
 * approve-all in fewer statements: a rule and its audit row a statement
 * each cost about 10 us of SQLite's per-statement work (bind, step, the
 * VDBE program's start, reset), which is most of a 100,000-prefix
 * approve-all. A multi-row INSERT does that once per APPR_BATCH rows, and
 * binds the values every row of one call shares (action, who, when, why)
 * once. Every prefix still gets its own audit row.
 */
#define APPR_BATCH 64
/* Per row: prefix, ge, le, neighbor; before them the shared values. */
#define APPR_BATCH_SHARED 4

static char *batch_sql(const char *head, bool audit_rows)
{
	size_t cap = strlen(head) + APPR_BATCH * 64 + 1, used = 0;
	char *sql = malloc(cap);

	if (sql == NULL)
		return NULL;
	used += (size_t)snprintf(sql, cap, "%s", head);
	for (int k = 0; k < APPR_BATCH && used < cap; k++) {
		int p = APPR_BATCH_SHARED + 1 + 4 * k;
		used += (size_t)snprintf(sql + used, cap - used, k == 0 ? "" : ",");
		if (audit_rows)
			used += (size_t)snprintf(sql + used, cap - used, "(?3, ?2, ?1, ?%d, ?%d, ?%d, ?%d, ?4)", p, p + 1,
						 p + 2, p + 3);
		else
			used += (size_t)snprintf(sql + used, cap - used, "(?%d, ?%d, ?%d, ?%d, ?1, ?2, ?3, ?4)", p, p + 1,
						 p + 2, p + 3);
	}
	return sql;
}

static int prepare_batches(struct appr_db *db, char *err, size_t errlen)
{
	if (db->insert_rules_batch != NULL && db->insert_audit_batch != NULL)
		return 0;
	/* ?1 action (or event), ?2 who, ?3 when, ?4 reason. */
	char *rules = batch_sql("INSERT INTO rules (prefix, ge, le, neighbor, action, who, created, reason) VALUES ",
				false);
	char *audits = batch_sql("INSERT INTO audit (at, who, event, prefix, ge, le, neighbor, reason) VALUES ",
				 true);
	int rc = -1;

	if (rules == NULL || audits == NULL)
		snprintf(err, errlen, "out of memory");
	else if (prepare(db, &db->insert_rules_batch, rules, err, errlen) == 0 &&
		 prepare(db, &db->insert_audit_batch, audits, err, errlen) == 0)
		rc = 0;
	free(rules);
	free(audits);
	return rc;
}

/* Rows waiting for their statement: the texts are bound SQLITE_STATIC,
 * so they live here until the flush. */
struct approve_batch {
	struct rule_text text[APPR_BATCH];
	struct appr_rule *rule[APPR_BATCH]; /* rows of the audit batch; */
	bool insert[APPR_BATCH];            /* and which also insert a rule */
	size_t n, ninsert;
	time_t now;
};

static void bind_row(sqlite3_stmt *st, int k, const struct rule_text *t, const struct appr_rule *r)
{
	int p = APPR_BATCH_SHARED + 1 + 4 * k;

	sqlite3_bind_text(st, p, t->prefix, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, p + 1, r->ge);
	sqlite3_bind_int(st, p + 2, r->le);
	sqlite3_bind_text(st, p + 3, t->neighbor, -1, SQLITE_STATIC);
}

static void bind_shared(sqlite3_stmt *st, const char *action, const struct appr_rule *r, time_t when)
{
	sqlite3_bind_text(st, 1, action, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, r->who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)when);
	sqlite3_bind_text(st, 4, r->reason, -1, SQLITE_STATIC);
}

/* Insert the batch's new rules (setting their ids), then its audit rows,
 * in the order they came. A full batch is one statement each; a partial
 * one, a statement a row. */
static int batch_flush(struct appr_db *db, struct approve_batch *b, char *err, size_t errlen)
{
	size_t n = b->n;

	b->n = 0;
	if (n == 0)
		return 0;
	if (n == APPR_BATCH && b->ninsert == APPR_BATCH) {
		sqlite3_stmt *st = db->insert_rules_batch;
		bind_shared(st, appr_action_name(APPR_APPROVE), b->rule[0], b->now);
		for (size_t k = 0; k < n; k++)
			bind_row(st, (int)k, &b->text[k], b->rule[k]);
		if (step_done(db, st, err, errlen) != 0)
			return -1;
		/* The rows of one INSERT get rowids one after another in
		 * VALUES order: each is one more than the table's largest
		 * (rules.id is an INTEGER PRIMARY KEY, not AUTOINCREMENT, far
		 * below the largest rowid where SQLite would pick at random). */
		int64_t last = sqlite3_last_insert_rowid(db->sql);
		for (size_t k = 0; k < n; k++)
			b->rule[k]->id = last - (int64_t)(n - 1 - k);
	} else {
		for (size_t k = 0; k < n; k++) {
			if (!b->insert[k])
				continue;
			if (insert_rule(db, b->rule[k], &b->text[k], err, errlen) != 0)
				return -1;
			b->rule[k]->id = sqlite3_last_insert_rowid(db->sql);
		}
	}
	b->ninsert = 0;
	if (n == APPR_BATCH) {
		sqlite3_stmt *st = db->insert_audit_batch;
		bind_shared(st, "approve", b->rule[0], b->now);
		for (size_t k = 0; k < n; k++)
			bind_row(st, (int)k, &b->text[k], b->rule[k]);
		return step_done(db, st, err, errlen);
	}
	for (size_t k = 0; k < n; k++)
		if (audit(db, b->now, b->rule[k]->who, "approve", &b->text[k], b->rule[k]->ge, b->rule[k]->le,
			  b->rule[k]->reason, err, errlen) != 0)
			return -1;
	return 0;
}

int appr_approve_many(struct appr_db *db, const struct appr_item *items, size_t n, const char *who,
		      const char *reason, char *err, size_t errlen)
{
	struct appr_rule **staged = calloc(n ? n : 1, sizeof(*staged));
	struct appr_rule **existing = calloc(n ? n : 1, sizeof(*existing));
	time_t now = time(NULL);
	size_t i = 0;
	int rc = -1;

	if (staged == NULL || existing == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	if (prepare_batches(db, err, errlen) != 0 || begin(db, err, errlen) != 0)
		goto out;
	struct approve_batch *b = calloc(1, sizeof(*b));
	if (b == NULL) {
		snprintf(err, errlen, "out of memory");
		rollback(db);
		goto out;
	}
	b->now = now;
	for (i = 0; i < n; i++) {
		struct prefix p = items[i].prefix;
		prefix_normalize(&p);
		staged[i] = rule_from(&p, p.len, p.len, &items[i].neighbor, APPR_APPROVE, who, reason, now);
		if (staged[i] == NULL) {
			snprintf(err, errlen, "out of memory");
			break;
		}
		struct rule_text *t = &b->text[b->n];
		rule_text(&p, &staged[i]->neighbor, t);
		existing[i] = appr_index_find(&db->index, &staged[i]->prefix, p.len, p.len, &staged[i]->neighbor);
		if (existing[i] != NULL) {
			/* The rule it updates may be a row of this batch: it
			 * goes in first. The update is the rare case (a pending
			 * route held by a reject). */
			staged[i]->id = existing[i]->id;
			size_t keep = b->n;
			struct rule_text saved = *t;
			if (keep > 0) {
				if (batch_flush(db, b, err, errlen) != 0) {
					i++;
					break;
				}
				staged[i]->id = existing[i]->id;
				t = &b->text[0];
				*t = saved;
			}
			if (update_rule(db, staged[i]->id, APPR_APPROVE, staged[i]->who, now, staged[i]->reason, err,
					errlen) != 0) {
				i++;
				break;
			}
		}
		b->rule[b->n] = staged[i];
		b->insert[b->n] = existing[i] == NULL;
		b->ninsert += existing[i] == NULL;
		b->n++;
		if (b->n == APPR_BATCH && batch_flush(db, b, err, errlen) != 0) {
			i++;
			break;
		}
		/* Two items of one range and scope: the second finds the
		 * first only once it is indexed, so index as we go and undo
		 * on failure (below). */
		if (existing[i] == NULL && appr_index_insert(&db->index, staged[i]) != 0) {
			snprintf(err, errlen, "out of memory");
			i++;
			break;
		}
	}
	if (i == n && batch_flush(db, b, err, errlen) != 0)
		i = n + 1; /* rolled back below */
	free(b);
	if (i == n && commit(db, err, errlen) == 0) {
		for (size_t k = 0; k < n; k++)
			if (existing[k] != NULL)
				index_commit(db, staged[k], existing[k]);
		rc = 0;
		goto out;
	}
	if (i != n)
		rollback(db);
	/* Undo: what was indexed goes; what updated an existing rule was
	 * never applied in memory. */
	for (size_t k = 0; k < i && k < n; k++) {
		if (staged[k] == NULL)
			continue;
		if (existing[k] == NULL && appr_index_find(&db->index, &staged[k]->prefix, staged[k]->ge, staged[k]->le,
							   &staged[k]->neighbor) == staged[k])
			appr_index_remove(&db->index, staged[k]);
		else
			appr_rule_free(staged[k]);
	}
out:
	free(staged);
	free(existing);
	return rc;
}

int appr_audit_walk(struct appr_db *db, size_t limit, appr_audit_fn fn, void *arg)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(db->sql,
			       "SELECT id, at, who, event, prefix, ge, le, neighbor, reason FROM"
			       " (SELECT * FROM audit ORDER BY id DESC LIMIT ?1) ORDER BY id",
			       -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, limit == 0 ? -1 : (sqlite3_int64)limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct appr_audit rec = {
			.id = sqlite3_column_int64(st, 0),
			.at = (time_t)sqlite3_column_int64(st, 1),
			.who = (const char *)sqlite3_column_text(st, 2),
			.event = (const char *)sqlite3_column_text(st, 3),
			.ge = (uint8_t)sqlite3_column_int(st, 5),
			.le = (uint8_t)sqlite3_column_int(st, 6),
			.reason = (const char *)sqlite3_column_text(st, 8),
		};
		const char *pfx = (const char *)sqlite3_column_text(st, 4);
		if (pfx == NULL || prefix_parse(pfx, &rec.prefix) != 0 ||
		    parse_neighbor((const char *)sqlite3_column_text(st, 7), &rec.neighbor) != 0)
			continue;
		if (fn(&rec, arg) != 0) {
			rc = SQLITE_DONE;
			break;
		}
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : -1;
}
