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

START_TEST(indexes)
{
	struct slab s;
	uint32_t idx[3000];

	slab_init(&s, 24);
	/* Dense indexes from 0, and slab_at() finds each object again. */
	for (uint32_t i = 0; i < 3000; i++) {
		uint32_t *obj = slab_alloc_idx(&s, &idx[i]);
		ck_assert_ptr_nonnull(obj);
		ck_assert_uint_eq(idx[i], i);
		ck_assert_uint_eq(obj[0], 0); /* zeroed */
		obj[0] = i * 7;
		ck_assert_ptr_eq(slab_at(&s, i), obj);
	}
	ck_assert_uint_eq(slab_index_limit(&s), 3000);
	for (uint32_t i = 0; i < 3000; i++)
		ck_assert_uint_eq(*(uint32_t *)slab_at(&s, i), i * 7);
	/* Freed indexes come back, the last freed first, and the limit
	 * stays. */
	slab_free_idx(&s, 10);
	slab_free_idx(&s, 2000);
	ck_assert_uint_eq(slab_in_use(&s), 2998);
	uint32_t again;
	ck_assert_ptr_eq(slab_alloc_idx(&s, &again), slab_at(&s, 2000));
	ck_assert_uint_eq(again, 2000);
	ck_assert_ptr_nonnull(slab_alloc_idx(&s, &again));
	ck_assert_uint_eq(again, 10);
	ck_assert_ptr_nonnull(slab_alloc_idx(&s, &again));
	ck_assert_uint_eq(again, 3000);
	ck_assert_uint_eq(slab_index_limit(&s), 3001);
	slab_fini(&s);
	ck_assert_uint_eq(slab_index_limit(&s), 0);
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
	tcase_add_test(tc, indexes);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return unit_run(slab_suite());
}
