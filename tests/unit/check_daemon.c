/*
 * Run directory creation and the per-run-directory pid lock.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "daemon.h"
#include "unit.h"

static char base[] = "/tmp/skygate-daemon-XXXXXX";

static void setup(void)
{
	strcpy(base, "/tmp/skygate-daemon-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(base));
}

static void teardown(void)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", base);
	ck_assert_int_eq(system(cmd), 0);
}

START_TEST(test_rundir_nested)
{
	char dir[256], err[256];
	struct stat st;

	snprintf(dir, sizeof(dir), "%s/a/b/run", base);
	ck_assert_msg(daemon_make_rundir(dir, 0750, err, sizeof(err)) == 0, "%s", err);
	ck_assert_int_eq(stat(dir, &st), 0);
	ck_assert(S_ISDIR(st.st_mode));
	mode_t mask = umask(0);
	umask(mask);
	ck_assert_uint_eq(st.st_mode & 0777, 0750 & ~mask);
	/* Existing directory: fine. */
	ck_assert_int_eq(daemon_make_rundir(dir, 0750, err, sizeof(err)), 0);
}
END_TEST

START_TEST(test_rundir_errors)
{
	char path[256], err[256];

	ck_assert_int_eq(daemon_make_rundir("", 0750, err, sizeof(err)), -1);
	ck_assert_int_eq(daemon_make_rundir(NULL, 0750, err, sizeof(err)), -1);
	snprintf(path, sizeof(path), "%s/file", base);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	ck_assert_int_eq(daemon_make_rundir(path, 0750, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "not a directory"));
}
END_TEST

START_TEST(test_pidfile_lock)
{
	struct daemon_pidfile first, second;
	char err[512], path[256], text[32] = "";

	ck_assert_msg(daemon_pidfile_acquire(&first, base, "routed", err, sizeof(err)) == 0, "%s", err);
	snprintf(path, sizeof(path), "%s/routed.pid", base);
	FILE *f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_int_eq(atol(text), (long)getpid());

	/* A second instance on the same run directory is refused and told who. */
	ck_assert_int_eq(daemon_pidfile_acquire(&second, base, "routed", err, sizeof(err)), -1);
	char want[64];
	snprintf(want, sizeof(want), "(pid %ld)", (long)getpid());
	ck_assert_msg(strstr(err, want) != NULL, "%s", err);
	/* Another daemon name in the same directory is independent. */
	ck_assert_int_eq(daemon_pidfile_acquire(&second, base, "tunneld", err, sizeof(err)), 0);
	daemon_pidfile_release(&second);

	daemon_pidfile_release(&first);
	daemon_pidfile_release(&first);
	ck_assert_int_eq(access(path, F_OK), -1);
}
END_TEST

START_TEST(test_stale_pidfile_taken_over)
{
	struct daemon_pidfile pf;
	char err[512], path[256];

	snprintf(path, sizeof(path), "%s/routed.pid", base);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("999999999\nleftover", f);
	fclose(f);
	ck_assert_msg(daemon_pidfile_acquire(&pf, base, "routed", err, sizeof(err)) == 0, "%s", err);
	char text[64] = "";
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	char want[32];
	snprintf(want, sizeof(want), "%ld\n", (long)getpid());
	ck_assert_str_eq(text, want);
	daemon_pidfile_release(&pf);
}
END_TEST

static Suite *daemon_suite(void)
{
	Suite *s = suite_create("daemon");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_rundir_nested);
	tcase_add_test(tc, test_rundir_errors);
	tcase_add_test(tc, test_pidfile_lock);
	tcase_add_test(tc, test_stale_pidfile_taken_over);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(daemon_suite());
}
