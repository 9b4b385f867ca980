/*
 * The part of the standalone (-DFUZZ_STANDALONE) builds every harness
 * shares: writing the seeds for libFuzzer, replaying files, and the command
 * line. Included at the end of a harness, which defines before it:
 *   static size_t make_seeds(struct seed *seeds)     at most FUZZ_SEEDS_MAX
 *   static int run_mutations(unsigned long iterations, uint64_t seed)
 * and fuzz_mutate.h (the bounds, struct seed, the mutator and
 * fuzz_run_exact(), which runs one input in a buffer of exactly its size).
 * Command line:
 *   HARNESS                          seeds + 20000 mutations
 *   HARNESS --mutate N [SEED]        seeds + N mutations from SEED
 *   HARNESS --seeds DIR              write the seeds (for libFuzzer)
 *   HARNESS FILE...                  replay files
 */
#ifndef SKYGATE_FUZZ_STANDALONE_H
#define SKYGATE_FUZZ_STANDALONE_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int write_seeds(const char *dir)
{
	static struct seed seeds[FUZZ_SEEDS_MAX];
	size_t n = make_seeds(seeds);

	for (size_t i = 0; i < n; i++) {
		char path[4096];
		snprintf(path, sizeof(path), "%s/seed-%02zu", dir, i);
		FILE *f = fopen(path, "wb");
		if (f == NULL || fwrite(seeds[i].bytes, 1, seeds[i].len, f) != seeds[i].len) {
			perror(path);
			if (f != NULL)
				fclose(f);
			return 1;
		}
		fclose(f);
	}
	printf("%zu seeds written to %s\n", n, dir);
	return 0;
}

static int run_file(const char *path)
{
	static uint8_t buf[FUZZ_INPUT_MAX];
	FILE *f = fopen(path, "rb");

	if (f == NULL) {
		perror(path);
		return -1;
	}
	size_t len = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	fuzz_run_exact(buf, len);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return write_seeds(argv[2]);
	if (argc >= 2 && strcmp(argv[1], "--mutate") == 0)
		return run_mutations(argc >= 3 ? strtoul(argv[2], NULL, 10) : 20000,
				     argc >= 4 ? strtoull(argv[3], NULL, 0) : 0);
	if (argc == 1)
		return run_mutations(20000, 0);
	for (int i = 1; i < argc; i++)
		if (run_file(argv[i]) != 0)
			return 1;
	printf("%d inputs: no property violated\n", argc - 1);
	return 0;
}

#endif
