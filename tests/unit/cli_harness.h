/*
 * Driving routed's CLI from a Check program: a command registry and a
 * running configuration (env), a memory stream the sessions print to
 * (out), and what a test reads back: what was printed since it last
 * looked, and a configuration as `show running-config` prints it.
 *
 * The state is the including program's own (static); cli_harness_setup()
 * and cli_harness_teardown() are the checked fixture, or are called by
 * the program's fixture around its own.
 */
#ifndef SKYGATE_TESTS_CLI_HARNESS_H
#define SKYGATE_TESTS_CLI_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_model.h"

static struct cli_env env;
static char *out_text;
static size_t out_len;
static FILE *out;

static inline void cli_harness_setup(void)
{
	char err[256];

	memset(&env, 0, sizeof(env));
	env.reg = cli_registry_new(err, sizeof(err));
	ck_assert_msg(env.reg != NULL, "%s", err);
	env.running = rcfg_new();
	ck_assert_ptr_nonnull(env.running);
	out = open_memstream(&out_text, &out_len);
	ck_assert_ptr_nonnull(out);
}

static inline void cli_harness_teardown(void)
{
	fclose(out);
	free(out_text);
	out_text = NULL;
	rcfg_free(env.running);
	cmd_registry_free(env.reg);
}

/* What the sessions printed to out since the last call; valid until the
 * next call. */
static inline const char *output(void)
{
	static char copy[65536];

	fflush(out);
	snprintf(copy, sizeof(copy), "%s", out_text ? out_text : "");
	/* Rewinding a memstream does not shorten it: clear what was there so
	 * the next, possibly shorter, text ends where it should. */
	if (out_text)
		memset(out_text, 0, out_len);
	rewind(out);
	return copy;
}

/* cfg as `show running-config` prints it. Caller frees. */
static inline char *print_config(const struct routed_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	ck_assert_ptr_nonnull(f);
	rcfg_print(cfg, f);
	fclose(f);
	return text;
}

/*
 * The golden round trip: text (called name in errors) loads, prints as
 * want, and what it prints loads back to an equal configuration that
 * prints the same. Returns the configuration text loaded into; caller
 * frees.
 */
static inline struct routed_config *check_round_trip(const char *name, const char *text, const char *want)
{
	char errbuf[1024] = "";
	FILE *err = fmemopen(errbuf, sizeof(errbuf), "w");
	struct routed_config *first = NULL, *second = NULL;

	ck_assert_ptr_nonnull(err);
	ck_assert_msg(cli_load_text(&env, name, text, strlen(text), err, &first) == 0, "%s", errbuf);
	char *printed = print_config(first);
	ck_assert_str_eq(printed, want);
	ck_assert_msg(cli_load_text(&env, "printed", printed, strlen(printed), err, &second) == 0, "%s", errbuf);
	ck_assert(rcfg_equal(first, second));
	char *again = print_config(second);
	ck_assert_str_eq(again, printed);
	fclose(err);
	free(again);
	free(printed);
	rcfg_free(second);
	return first;
}

#endif
