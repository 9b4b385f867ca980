/*
 * check_sorted_array.c - unit tests for lib/sorted_array.c: search finds
 * or places every key, insert keeps the order and zeroes its slot, remove
 * closes the gap (against a model array, over many random keys), and grow
 * doubles only when full.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sorted_array.h"
#include "unit.h"

struct elem {
	char tag;      /* proves the key is found at its offset */
	uint32_t key;
	uint32_t payload;
};

static int cmp_u32(const void *elem_key, const void *key)
{
	uint32_t a = *(const uint32_t *)elem_key, b = *(const uint32_t *)key;

	return a < b ? -1 : a > b;
}

static size_t find(const struct elem *v, size_t n, uint32_t key, bool *found)
{
	return sarray_search(v, n, sizeof(*v), offsetof(struct elem, key), &key, cmp_u32, found);
}

START_TEST(test_empty)
{
	bool found = true;

	ck_assert_uint_eq(find(NULL, 0, 7, &found), 0);
	ck_assert(!found);
}
END_TEST

START_TEST(test_search_places_every_key)
{
	const struct elem v[] = {{'a', 10, 0}, {'b', 20, 0}, {'c', 30, 0}};
	static const struct {
		uint32_t key;
		size_t at;
		bool found;
	} cases[] = {{5, 0, false}, {10, 0, true}, {15, 1, false}, {20, 1, true},
		     {25, 2, false}, {30, 2, true}, {35, 3, false}};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool found;
		ck_assert_uint_eq(find(v, 3, cases[i].key, &found), cases[i].at);
		ck_assert_int_eq(found, cases[i].found);
	}
}
END_TEST

/* Random inserts and removes against a plain model, kept sorted by hand. */
START_TEST(test_against_model)
{
	struct elem *v = NULL;
	size_t n = 0, cap = 0;
	uint32_t model[512];
	size_t mn = 0;
	uint64_t rs = 0x9e3779b97f4a7c15ull;

	for (int step = 0; step < 5000; step++) {
		rs ^= rs << 13, rs ^= rs >> 7, rs ^= rs << 17;
		uint32_t key = (uint32_t)(rs % 300);
		bool found;
		size_t i = find(v, n, key, &found);
		size_t m = 0;
		while (m < mn && model[m] < key)
			m++;
		ck_assert_uint_eq(i, m);
		ck_assert_int_eq(found, m < mn && model[m] == key);
		if (found) {
			ck_assert_uint_eq(v[i].payload, key * 3);
			sarray_remove(v, &n, sizeof(*v), i);
			memmove(model + m, model + m + 1, (mn - m - 1) * sizeof(model[0]));
			mn--;
		} else {
			ck_assert_int_eq(sarray_insert((void **)&v, &n, &cap, sizeof(*v), i), 0);
			ck_assert(v[i].tag == 0 && v[i].key == 0 && v[i].payload == 0);
			v[i] = (struct elem){'x', key, key * 3};
			memmove(model + m + 1, model + m, (mn - m) * sizeof(model[0]));
			model[m] = key;
			mn++;
		}
		ck_assert_uint_eq(n, mn);
		ck_assert_uint_ge(cap, n);
	}
	for (size_t i = 0; i < n; i++)
		ck_assert_uint_eq(v[i].key, model[i]);
	free(v);
}
END_TEST

/* Room past count: doubling from first_cap, nothing while there is room. */
START_TEST(test_grow)
{
	uint32_t *v = NULL;
	size_t cap = 0;
	static const size_t caps_after[] = {3, 3, 3, 6, 6, 6, 12};

	for (size_t n = 0; n < sizeof(caps_after) / sizeof(caps_after[0]); n++) {
		ck_assert_int_eq(sarray_grow((void **)&v, n, &cap, sizeof(*v), 3), 0);
		ck_assert_uint_eq(cap, caps_after[n]);
		v[n] = (uint32_t)n;
	}
	for (size_t n = 0; n < sizeof(caps_after) / sizeof(caps_after[0]); n++)
		ck_assert_uint_eq(v[n], n);
	free(v);
}
END_TEST

static Suite *sorted_array_suite(void)
{
	Suite *s = suite_create("sorted_array");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_empty);
	tcase_add_test(tc, test_search_places_every_key);
	tcase_add_test(tc, test_against_model);
	tcase_add_test(tc, test_grow);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(sorted_array_suite());
}
