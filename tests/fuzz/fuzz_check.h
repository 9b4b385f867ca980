/*
 * What every harness needs in both builds (libFuzzer and -DFUZZ_STANDALONE):
 * the entry point's prototype, FUZZ_CHECK for the properties a harness
 * asserts beyond "no crash", and the exact-size copies that let
 * AddressSanitizer see a read one byte past an input. Included first,
 * before the harness's own code.
 */
#ifndef SKYGATE_FUZZ_CHECK_H
#define SKYGATE_FUZZ_CHECK_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property failed: say which, then abort so that libFuzzer (or the
 * standalone build's caller) keeps the input. */
static inline void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property violated: %s\n", file, line, what);
	abort();
}

#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond))                                                                       \
			fuzz_fail(__FILE__, __LINE__, #cond);                                      \
	} while (0)

/* A heap copy of exactly n bytes (one byte allocated for n == 0), so that
 * AddressSanitizer reports any access past its end. Caller frees. */
static inline uint8_t *fuzz_exact_copy(const uint8_t *src, size_t n)
{
	uint8_t *p = malloc(n > 0 ? n : 1);

	if (p == NULL)
		abort();
	if (n > 0)
		memcpy(p, src, n);
	return p;
}

#endif
