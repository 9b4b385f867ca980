/*
 * Route approval (approval/): rule matching and precedence, the SQLite
 * store's round trips, the version 1 to 2 migration, and approve-all as
 * one transaction.
 */
#include <check.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approval.h"
#include "unit.h"

static char tmpdir[64];
static char err[512];

static void make_dir(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_approval.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tmpdir));
}

static void remove_dir(void)
{
	const char *files[] = {"approval.db", "approval.db-wal", "approval.db-shm"};
	char path[128];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
		unlink(path);
	}
	rmdir(tmpdir);
}

static struct prefix P(const char *text)
{
	struct prefix p;
	ck_assert_msg(prefix_parse(text, &p) == 0, "bad prefix %s", text);
	return p;
}

static struct prefix NONE(void)
{
	struct prefix p;
	memset(&p, 0, sizeof(p));
	return p;
}

static void add(struct appr_db *db, const char *pfx, unsigned ge, unsigned le, const char *nbr,
		enum appr_action action)
{
	struct appr_rule_spec spec = {.prefix = P(pfx), .ge = (uint8_t)ge, .le = (uint8_t)le,
				      .neighbor = nbr ? P(nbr) : NONE(), .action = action, .who = "cli:test",
				      .reason = "unit test"};
	ck_assert_msg(appr_rule_add(db, &spec, NULL, err, sizeof(err)) == 0, "add %s: %s", pfx, err);
}

static enum appr_action decide(struct appr_db *db, const char *nbr, const char *pfx)
{
	struct prefix n = P(nbr), p = P(pfx);
	return appr_lookup(db, &n, &p, NULL);
}

START_TEST(exact_rules)
{
	struct appr_db *db = appr_open(":memory:", err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(appr_schema_version(db), APPR_SCHEMA_VERSION);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.1.0/24"), APPR_NONE);
	add(db, "198.18.1.0/24", 0, 0, NULL, APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.1.0/24"), APPR_APPROVE);
	/* Exact: neither the covering /23 nor a /25 inside. */
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.0.0/23"), APPR_NONE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.1.0/25"), APPR_NONE);
	add(db, "2001:db8:1::/48", 0, 0, NULL, APPR_REJECT);
	ck_assert_int_eq(decide(db, "2001:db8::2", "2001:db8:1::/48"), APPR_REJECT);
	ck_assert_int_eq(decide(db, "2001:db8::2", "2001:db8:2::/48"), APPR_NONE);
	ck_assert_uint_eq(appr_rule_count(db), 2);
	appr_close(db);
}
END_TEST

START_TEST(ranges)
{
	static const struct {
		const char *pfx;
		enum appr_action want;
	} cases[] = {
		{"198.18.0.0/15", APPR_APPROVE}, {"198.18.0.0/16", APPR_APPROVE}, {"198.19.255.0/24", APPR_APPROVE},
		{"198.18.0.0/25", APPR_NONE},    {"198.16.0.0/14", APPR_NONE},    {"203.0.113.0/24", APPR_NONE},
	};
	struct appr_db *db = appr_open(":memory:", err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	add(db, "198.18.0.0/15", 0, 24, NULL, APPR_APPROVE);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(decide(db, "192.0.2.2", cases[i].pfx) == cases[i].want, "%s", cases[i].pfx);
	/* ge alone runs to /32. */
	add(db, "203.0.113.0/24", 28, 0, NULL, APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "203.0.113.0/24"), APPR_NONE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "203.0.113.16/28"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "203.0.113.1/32"), APPR_APPROVE);
	appr_close(db);
}
END_TEST

START_TEST(precedence)
{
	struct appr_db *db = appr_open(":memory:", err, sizeof(err));
	const struct appr_rule *r;
	ck_assert_ptr_nonnull(db);
	add(db, "198.18.0.0/15", 0, 24, NULL, APPR_APPROVE);
	add(db, "198.18.8.0/21", 0, 24, NULL, APPR_REJECT);
	add(db, "198.18.9.0/24", 0, 0, NULL, APPR_APPROVE);
	/* Most specific wins: the /21 reject inside the /15 approve, and the
	 * exact /24 approve inside the reject. */
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.1.0/24"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.10.0/24"), APPR_REJECT);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.9.0/24"), APPR_APPROVE);
	/* Equal length: reject wins over approve. */
	add(db, "198.18.8.0/21", 22, 24, NULL, APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.12.0/22"), APPR_REJECT);
	/* A neighbor's own rule wins over a rule for every connection at the
	 * same length, and applies to that neighbor only. */
	add(db, "198.18.8.0/21", 0, 24, "192.0.2.7", APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.7", "198.18.12.0/22"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.12.0/22"), APPR_REJECT);
	struct prefix n = P("192.0.2.7"), p = P("198.18.12.0/22");
	ck_assert_int_eq(appr_lookup(db, &n, &p, &r), APPR_APPROVE);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->who, "cli:test");
	ck_assert_str_eq(r->reason, "unit test");
	ck_assert_int_eq(r->neighbor.family, AF_INET);
	appr_close(db);
}
END_TEST

START_TEST(range_errors)
{
	struct appr_db *db = appr_open(":memory:", err, sizeof(err));
	struct appr_rule_spec spec = {.prefix = P("198.18.0.0/16"), .le = 8, .action = APPR_APPROVE, .who = "t"};
	ck_assert_ptr_nonnull(db);
	ck_assert_int_eq(appr_rule_add(db, &spec, NULL, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "ge <= le"));
	spec.le = 0;
	spec.ge = 33;
	ck_assert_int_eq(appr_rule_add(db, &spec, NULL, err, sizeof(err)), -1);
	ck_assert_uint_eq(appr_rule_count(db), 0);
	appr_close(db);
}
END_TEST

static int count_rule(const struct appr_rule *r, void *arg)
{
	(void)r;
	(*(int *)arg)++;
	return 0;
}

struct audit_seen {
	int n;
	char last_event[32];
	char last_who[64];
};

static int see_audit(const struct appr_audit *a, void *arg)
{
	struct audit_seen *s = arg;
	s->n++;
	snprintf(s->last_event, sizeof(s->last_event), "%s", a->event);
	snprintf(s->last_who, sizeof(s->last_who), "%s", a->who);
	return 0;
}

START_TEST(store_round_trip)
{
	make_dir();
	struct appr_db *db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	add(db, "198.18.0.0/15", 0, 24, NULL, APPR_APPROVE);
	add(db, "198.18.66.0/24", 0, 0, "192.0.2.2", APPR_REJECT);
	add(db, "2001:db8:5::/48", 0, 64, "2001:db8::9", APPR_APPROVE);
	/* Changing the action of the same range keeps one rule. */
	add(db, "198.18.66.0/24", 0, 0, "192.0.2.2", APPR_APPROVE);
	ck_assert_uint_eq(appr_rule_count(db), 3);
	appr_close(db);

	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_uint_eq(appr_rule_count(db), 3);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.66.0/24"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.3", "198.18.77.0/24"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "2001:db8::9", "2001:db8:5:1::/64"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "2001:db8::8", "2001:db8:5:1::/64"), APPR_NONE);
	struct prefix n = P("192.0.2.2"), p = P("198.18.66.0/24");
	const struct appr_rule *r;
	appr_lookup(db, &n, &p, &r);
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->who, "cli:test");
	ck_assert_int_gt(r->created, 0);

	/* Remove: only with the matching action, then gone for good. */
	struct appr_rule_spec rm = {.prefix = P("198.18.66.0/24"), .neighbor = P("192.0.2.2"), .action = APPR_REJECT,
				    .who = "cli:admin", .reason = "cleanup"};
	ck_assert_int_eq(appr_rule_remove(db, &rm, err, sizeof(err)), 1);
	rm.action = APPR_APPROVE;
	ck_assert_int_eq(appr_rule_remove(db, &rm, err, sizeof(err)), 0);
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.66.0/24"), APPR_APPROVE); /* the /15 le 24 */
	int walked = 0;
	appr_rule_walk(db, count_rule, &walked);
	ck_assert_int_eq(walked, 2);
	appr_close(db);

	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), 2);
	struct audit_seen seen = {0};
	ck_assert_int_eq(appr_audit_walk(db, 0, see_audit, &seen), 0);
	ck_assert_int_eq(seen.n, 5);
	ck_assert_str_eq(seen.last_event, "remove-approve");
	ck_assert_str_eq(seen.last_who, "cli:admin");
	appr_close(db);
	remove_dir();
}
END_TEST

static void sql_exec(const char *file, const char *sql)
{
	sqlite3 *h;
	char *msg = NULL;

	ck_assert_int_eq(sqlite3_open(file, &h), SQLITE_OK);
	ck_assert_msg(sqlite3_exec(h, sql, NULL, NULL, &msg) == SQLITE_OK, "%s", msg ? msg : "?");
	sqlite3_close(h);
}

START_TEST(migrate_v1)
{
	char file[128];

	make_dir();
	snprintf(file, sizeof(file), "%s/approval.db", tmpdir);
	/* A version 1 database: exact decisions, no ranges, no audit. */
	sql_exec(file, "CREATE TABLE decisions (prefix TEXT NOT NULL, neighbor TEXT NOT NULL DEFAULT '',"
		       " action TEXT NOT NULL, who TEXT NOT NULL, at INTEGER NOT NULL, reason TEXT NOT NULL DEFAULT '',"
		       " PRIMARY KEY (prefix, neighbor));"
		       "INSERT INTO decisions VALUES ('198.18.1.0/24', '', 'approve', 'cli:ops', 1700000000, 'change 12');"
		       "INSERT INTO decisions VALUES ('198.18.2.0/24', '192.0.2.2', 'reject', 'api:ctl', 1700000100, '');"
		       "INSERT INTO decisions VALUES ('2001:db8:7::/48', '', 'approve', 'cli:ops', 1700000200, 'v6');"
		       "PRAGMA user_version = 1;");
	struct appr_db *db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_msg(db != NULL, "%s", err);
	ck_assert_int_eq(appr_schema_version(db), 2);
	ck_assert_uint_eq(appr_rule_count(db), 3);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.1.0/24"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.1.0/25"), APPR_NONE); /* exact, as before */
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.2.0/24"), APPR_REJECT);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.2.0/24"), APPR_NONE);
	ck_assert_int_eq(decide(db, "2001:db8::1", "2001:db8:7::/48"), APPR_APPROVE);
	struct prefix n = P("192.0.2.9"), p = P("198.18.1.0/24");
	const struct appr_rule *r;
	appr_lookup(db, &n, &p, &r);
	ck_assert_str_eq(r->who, "cli:ops");
	ck_assert_str_eq(r->reason, "change 12");
	ck_assert_int_eq(r->created, 1700000000);
	struct audit_seen seen = {0};
	appr_audit_walk(db, 0, see_audit, &seen);
	ck_assert_int_eq(seen.n, 3);
	/* New rules work on the migrated database. */
	add(db, "198.18.0.0/15", 0, 24, NULL, APPR_APPROVE);
	appr_close(db);
	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), 4);
	appr_close(db);
	remove_dir();
}
END_TEST

START_TEST(newer_schema_refused)
{
	char file[128];

	make_dir();
	snprintf(file, sizeof(file), "%s/approval.db", tmpdir);
	sql_exec(file, "PRAGMA user_version = 99;");
	ck_assert_ptr_null(appr_open(tmpdir, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "newer"));
	remove_dir();
}
END_TEST

static void items(struct appr_item *it, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char text[32];
		snprintf(text, sizeof(text), "198.18.%zu.%zu/32", i / 256, i % 256);
		it[i].prefix = P(text);
		it[i].neighbor = i % 2 ? P("192.0.2.2") : NONE();
	}
}

START_TEST(approve_many_commits_all)
{
	enum { N = 2000 };
	static struct appr_item it[N];

	make_dir();
	items(it, N);
	struct appr_db *db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	add(db, "198.18.0.4/32", 0, 0, NULL, APPR_REJECT); /* replaced by the approval */
	ck_assert_msg(appr_approve_many(db, it, N, "cli:ops", "bulk", err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(appr_rule_count(db), N);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.0.5/32"), APPR_NONE);  /* odd: neighbor 192.0.2.2 only */
	ck_assert_int_eq(decide(db, "192.0.2.2", "198.18.0.5/32"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.0.4/32"), APPR_APPROVE);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.7.200/32"), APPR_APPROVE);
	appr_close(db);
	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), N);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.0.4/32"), APPR_APPROVE);
	appr_close(db);
	remove_dir();
}
END_TEST

/* Rows go in APPR_BATCH at a time: each rule must still know its own
 * row (removing it removes that row and no other), an item repeated
 * inside one batch and an update of an existing rule between inserts
 * must land, and every prefix has its own audit row. */
START_TEST(approve_many_batches_keep_ids_and_audit)
{
	enum { N = 300, DUP = 130 };
	static struct appr_item it[N];

	make_dir();
	items(it, N);
	it[DUP] = it[DUP - 1];
	struct appr_db *db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	add(db, "198.18.0.70/32", 0, 0, NULL, APPR_REJECT); /* item 70: updated, in the second batch */
	ck_assert_msg(appr_approve_many(db, it, N, "cli:ops", "bulk", err, sizeof(err)) == 0, "%s", err);
	ck_assert_uint_eq(appr_rule_count(db), N - 1);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.0.70/32"), APPR_APPROVE);
	struct audit_seen seen = {0};
	appr_audit_walk(db, 0, see_audit, &seen);
	ck_assert_int_eq(seen.n, 1 + N);
	appr_close(db);

	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), N - 1);
	for (size_t i = 0; i < N; i++) {
		if (i == DUP)
			continue;
		struct appr_rule_spec spec = {.prefix = it[i].prefix, .neighbor = it[i].neighbor, .who = "cli:test"};
		ck_assert_msg(appr_rule_remove(db, &spec, err, sizeof(err)) == 0, "remove %zu: %s", i, err);
	}
	ck_assert_uint_eq(appr_rule_count(db), 0);
	appr_close(db);
	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), 0);
	appr_close(db);
	remove_dir();
}
END_TEST

START_TEST(approve_many_is_atomic)
{
	enum { N = 600 };
	static struct appr_item it[N];
	char file[128];

	make_dir();
	items(it, N);
	struct appr_db *db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	/* Another writer's trigger fails the insert of one item half way:
	 * none of the items may stay, on disk or in memory. */
	snprintf(file, sizeof(file), "%s/approval.db", tmpdir);
	sql_exec(file, "CREATE TRIGGER fail_one BEFORE INSERT ON rules WHEN NEW.prefix = '198.18.1.44/32'"
		       " BEGIN SELECT RAISE(ABORT, 'refused'); END;");
	ck_assert_int_eq(appr_approve_many(db, it, N, "cli:ops", "", err, sizeof(err)), -1);
	ck_assert_uint_eq(appr_rule_count(db), 0);
	ck_assert_int_eq(decide(db, "192.0.2.9", "198.18.0.0/32"), APPR_NONE);
	appr_close(db);
	db = appr_open(tmpdir, err, sizeof(err));
	ck_assert_ptr_nonnull(db);
	ck_assert_uint_eq(appr_rule_count(db), 0);
	struct audit_seen seen = {0};
	appr_audit_walk(db, 0, see_audit, &seen);
	ck_assert_int_eq(seen.n, 0);
	appr_close(db);
	remove_dir();
}
END_TEST

START_TEST(range_text)
{
	struct appr_db *db = appr_open(":memory:", err, sizeof(err));
	const struct appr_rule *r;
	char buf[96];
	struct appr_rule_spec spec = {.prefix = P("198.18.0.0/15"), .le = 24, .action = APPR_APPROVE, .who = "t"};
	ck_assert_int_eq(appr_rule_add(db, &spec, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(appr_rule_range_text(r, buf, sizeof(buf)), "198.18.0.0/15 le 24");
	spec = (struct appr_rule_spec){.prefix = P("198.18.0.0/16"), .ge = 20, .action = APPR_APPROVE, .who = "t"};
	ck_assert_int_eq(appr_rule_add(db, &spec, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(appr_rule_range_text(r, buf, sizeof(buf)), "198.18.0.0/16 ge 20");
	spec = (struct appr_rule_spec){.prefix = P("198.18.0.0/16"), .ge = 20, .le = 24, .action = APPR_REJECT,
				       .who = "t"};
	ck_assert_int_eq(appr_rule_add(db, &spec, &r, err, sizeof(err)), 0);
	ck_assert_str_eq(appr_rule_range_text(r, buf, sizeof(buf)), "198.18.0.0/16 ge 20 le 24");
	appr_close(db);
}
END_TEST

static Suite *approval_suite(void)
{
	Suite *s = suite_create("approval");
	TCase *rules = tcase_create("rules");
	TCase *store = tcase_create("store");

	tcase_add_test(rules, exact_rules);
	tcase_add_test(rules, ranges);
	tcase_add_test(rules, precedence);
	tcase_add_test(rules, range_errors);
	tcase_add_test(rules, range_text);
	tcase_set_timeout(store, 60);
	tcase_add_test(store, store_round_trip);
	tcase_add_test(store, migrate_v1);
	tcase_add_test(store, newer_schema_refused);
	tcase_add_test(store, approve_many_commits_all);
	tcase_add_test(store, approve_many_batches_keep_ids_and_audit);
	tcase_add_test(store, approve_many_is_atomic);
	suite_add_tcase(s, rules);
	suite_add_tcase(s, store);
	return s;
}

int main(void)
{
	return unit_run(approval_suite());
}
