/*
 * check_slab.c - unit tests for lib/slab.c: sizes, reuse of freed objects,
 * objects never overlapping, and a pool spanning many chunks.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "slab.h"
#include "unit.h"

START_TEST(sizes)
{
	struct slab s;

	slab_init(&s, 1);
	ck_assert_uint_eq(s.size, 8); /* room for the free-list link */
	slab_init(&s, 41);
	ck_assert_uint_eq(s.size, 48);
	ck_assert_uint_eq(slab_in_use(&s), 0);
	ck_assert_uint_eq(slab_bytes(&s), 0);
	void *a = slab_alloc(&s);
	ck_assert_ptr_nonnull(a);
	ck_assert_uint_eq((uintptr_t)a % 8, 0);
	ck_assert_uint_eq(slab_in_use(&s), 1);
	ck_assert_uint_gt(slab_bytes(&s), 0);
	slab_fini(&s);
	ck_assert_uint_eq(slab_in_use(&s), 0);
	ck_assert_uint_eq(slab_bytes(&s), 0);
}
END_TEST

START_TEST(reuse)
{
	struct slab s;

	slab_init(&s, 32);
	void *a = slab_alloc(&s), *b = slab_alloc(&s);
	ck_assert_ptr_ne(a, b);
	slab_free(&s, a);
	slab_free(&s, NULL);
	ck_assert_uint_eq(slab_in_use(&s), 1);
	/* The last freed comes back first. */
	ck_assert_ptr_eq(slab_alloc(&s), a);
	unsigned char *z = slab_zalloc(&s);
	for (int i = 0; i < 32; i++)
		ck_assert_uint_eq(z[i], 0);
	slab_fini(&s);
}
END_TEST

#define MANY 100000

START_TEST(many)
{
	struct slab s;
	static uint32_t *objs[MANY];

	slab_init(&s, 24);
	/* Each object filled with its own number: an overlap would show as
	 * a number overwritten. */
	for (uint32_t i = 0; i < MANY; i++) {
		objs[i] = slab_alloc(&s);
		ck_assert_ptr_nonnull(objs[i]);
		for (int k = 0; k < 6; k++)
			objs[i][k] = i;
	}
	ck_assert_uint_eq(slab_in_use(&s), MANY);
	/* 24 bytes an object, chunk headers and the last chunk's unused end on top. */
	ck_assert_uint_lt(slab_bytes(&s), (size_t)MANY * 24 * 101 / 100 + 64 * 1024);
	for (uint32_t i = 0; i < MANY; i += 2)
		slab_free(&s, objs[i]);
	for (uint32_t i = 0; i < MANY; i += 2) {
		objs[i] = slab_alloc(&s);
		for (int k = 0; k < 6; k++)
			objs[i][k] = i;
	}
	for (uint32_t i = 0; i < MANY; i++)
		for (int k = 0; k < 6; k++)
			if (objs[i][k] != i)
				ck_abort_msg("object %u word %d holds %u", i, k, objs[i][k]);
	ck_assert_uint_eq(slab_in_use(&s), MANY);
	slab_fini(&s);
}
END_TEST

static Suite *
slab_suite(void)
{
	Suite *s = suite_create("slab");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, sizes);
	tcase_add_test(tc, reuse);
	tcase_add_test(tc, many);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(slab_suite());
}
