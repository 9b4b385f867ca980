/*
 * What every Check program shares: run one suite, report, exit status.
 */
#ifndef SKYGATE_TESTS_UNIT_H
#define SKYGATE_TESTS_UNIT_H

#include <check.h>
#include <stdlib.h>

/* Run every test of suite s (CK_FORK and CK_RUN_CASE from the environment
 * apply), print Check's summary, and return the process exit status. */
static inline int unit_run(Suite *s)
{
	SRunner *sr = srunner_create(s);

	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

#endif
