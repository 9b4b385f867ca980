/*
 * sorted_array.h - arrays of fixed-size elements kept in key order and
 * grown by doubling: the configuration's lists (BGP neighbors, networks
 * and aggregates; policy objects and their entries).
 *
 * The caller owns the array (base, count, cap) and whatever its elements
 * point to; these functions only search and move elements, and never free
 * one.
 */
#ifndef SKYGATE_SORTED_ARRAY_H
#define SKYGATE_SORTED_ARRAY_H

#include <stdbool.h>
#include <stddef.h>

/* Compares the key stored in an element (at the key_offset the search
 * was given) with the key searched for: <0, 0, >0 as strcmp(). */
typedef int sarray_cmp_fn(const void *elem_key, const void *key);

/*
 * Binary search of count elements of size bytes, sorted by the key at
 * key_offset in each. Returns the index of the element whose key equals
 * key (*found true), or the index where one would go (*found false).
 */
size_t sarray_search(const void *base, size_t count, size_t size, size_t key_offset, const void *key,
		     sarray_cmp_fn *cmp, bool *found);

/*
 * Makes sure there is room for one element past the count elements of
 * size bytes at *base: when *cap is reached, *base is reallocated to twice
 * the capacity (first_cap the first time). Also for arrays that are not
 * sorted (the policy tries' node arrays). Returns 0, or -1 when out of
 * memory, with the array unchanged.
 */
int sarray_grow(void **base, size_t count, size_t *cap, size_t size, size_t first_cap);

/*
 * Makes room for one element at index i (0 to *count): the elements from
 * i on move up one, the slot is zeroed and *count grows by one; *base
 * grows as sarray_grow() (from 8). Returns 0, or -1 when out of memory,
 * with the array unchanged.
 */
int sarray_insert(void **base, size_t *count, size_t *cap, size_t size, size_t i);

/* Removes element i, moving the later ones down; the caller frees what the
 * element owns first. */
void sarray_remove(void *base, size_t *count, size_t size, size_t i);

#endif
