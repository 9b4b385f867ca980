/*
 * check_strongswan: proves that skygate compiles against the strongSwan
 * headers prepared by scripts/fetch-strongswan-src.sh and links and runs
 * against Debian's /usr/lib/ipsec/libstrongswan.so.
 *
 * Build (see docs/strongswan-headers.md):
 *   cc -std=gnu11 -Wall -Wextra -Werror \
 *      $(scripts/fetch-strongswan-src.sh --print-cflags) \
 *      tests/unit/check_strongswan.c -o check_strongswan \
 *      $(scripts/fetch-strongswan-src.sh --print-libs) \
 *      $(pkg-config --cflags --libs check)
 *
 * -std=gnu11, not c11: strongSwan's headers need the BSD types (u_int,
 * u_char) and strcasecmp() that strict ISO mode hides, and its macros
 * (INIT, max, min, ...) use the GNU "typeof" keyword.
 *
 * library_init(NULL, ...) reads $STRONGSWAN_CONF, or /etc/strongswan.conf
 * when that is unset, so this also checks that the installed configuration
 * parses.
 *
 * Sanitizers (-fsanitize=address,undefined -fno-sanitize-recover=all):
 * libstrongswan.so is not instrumented, but its allocations go through ASan's
 * malloc, so LeakSanitizer sees them; after library_deinit() nothing of the
 * library is left and the test runs clean with leak detection on (no
 * ASAN_OPTIONS needed). strongSwan's own leak detective, which would hook
 * malloc() as ASan does, is not compiled into Debian's build, so
 * LEAK_DETECTIVE_DISABLE is not needed either. LeakSanitizer reports at
 * process exit, so sanitized test runs set CK_FORK=no (see Makefile.am).
 */

/* strongSwan first: its utils.h defines _GNU_SOURCE before any libc header */
#include <library.h>

#include <check.h>

#include "unit.h"
#include <stdlib.h>

START_TEST(test_library_init_deinit)
{
	/* the settings API takes "char *" keys: an array, not a literal, keeps
	 * this clean under -Wwrite-strings */
	char key[] = "%s.answer";

	ck_assert(library_init(NULL, "skygate-check") == TRUE);
	ck_assert_ptr_nonnull(lib);
	ck_assert_ptr_nonnull(lib->settings);
	/* struct layout matches the library: the name we passed comes back */
	ck_assert_str_eq(lib->ns, "skygate-check");

	/* calls through an interface declared in the headers */
	lib->settings->set_int(lib->settings, key, 42, lib->ns);
	ck_assert_int_eq(lib->settings->get_int(lib->settings, key, 0, lib->ns),
					 42);

	library_deinit();
	ck_assert_ptr_null(lib);
}
END_TEST

START_TEST(test_library_init_refcounted)
{
	/* a second init only takes a reference; one deinit per init */
	ck_assert(library_init(NULL, "skygate-check") == TRUE);
	ck_assert(library_init(NULL, "skygate-check") == TRUE);
	library_deinit();
	ck_assert_ptr_nonnull(lib);
	ck_assert_ptr_nonnull(lib->settings);
	library_deinit();
	ck_assert_ptr_null(lib);
}
END_TEST

static Suite *strongswan_suite(void)
{
	Suite *s = suite_create("strongswan");
	TCase *tc = tcase_create("library");

	tcase_add_test(tc, test_library_init_deinit);
	tcase_add_test(tc, test_library_init_refcounted);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(strongswan_suite());
}
