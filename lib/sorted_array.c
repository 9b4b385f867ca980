#include "sorted_array.h"

#include <stdlib.h>
#include <string.h>

size_t sarray_search(const void *base, size_t count, size_t size, size_t key_offset, const void *key,
		     sarray_cmp_fn *cmp, bool *found)
{
	size_t lo = 0, hi = count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = cmp((const char *)base + mid * size + key_offset, key);
		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

int sarray_grow(void **base, size_t count, size_t *cap, size_t size, size_t first_cap)
{
	if (count < *cap)
		return 0;
	size_t ncap = *cap ? *cap * 2 : first_cap;
	void *grown = realloc(*base, ncap * size);
	if (grown == NULL)
		return -1;
	*base = grown;
	*cap = ncap;
	return 0;
}

int sarray_insert(void **base, size_t *count, size_t *cap, size_t size, size_t i)
{
	if (sarray_grow(base, *count, cap, size, 8) != 0)
		return -1;
	char *p = *base;
	memmove(p + (i + 1) * size, p + i * size, (*count - i) * size);
	memset(p + i * size, 0, size);
	(*count)++;
	return 0;
}

void sarray_remove(void *base, size_t *count, size_t size, size_t i)
{
	char *p = base;

	memmove(p + i * size, p + (i + 1) * size, (*count - i - 1) * size);
	(*count)--;
}
