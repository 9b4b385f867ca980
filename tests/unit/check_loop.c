/*
 * Event loop glue: timers fire once, re-arm, stop and finalise idempotently,
 * jitter stays in range, signals reach the loop, shutdown hooks run in
 * reverse order exactly once.
 */
#include <check.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "loop.h"
#include "unit.h"

struct fire_log {
	struct loop *loop;
	int fired;
	int stop_after;
	struct timespec when;
};

static void on_fire(void *arg)
{
	struct fire_log *log = arg;

	log->fired++;
	clock_gettime(CLOCK_MONOTONIC, &log->when);
	if (log->fired >= log->stop_after)
		loop_stop(log->loop, 7);
}

static double ms_since(const struct timespec *start, const struct timespec *end)
{
	return (double)(end->tv_sec - start->tv_sec) * 1e3 + (double)(end->tv_nsec - start->tv_nsec) / 1e6;
}

START_TEST(test_timer_fires_once)
{
	struct loop loop;
	struct timer t;
	struct fire_log log = {.loop = &loop, .stop_after = 1};
	struct timespec start;

	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(timer_init(&t, &loop, on_fire, &log), 0);
	ck_assert(!timer_pending(&t));
	ck_assert_int_eq(timer_remaining_ms(&t), -1);
	clock_gettime(CLOCK_MONOTONIC, &start);
	ck_assert_int_eq(timer_start(&t, 30), 0);
	ck_assert(timer_pending(&t));
	int64_t left = timer_remaining_ms(&t);
	ck_assert_int_ge(left, 0);
	ck_assert_int_le(left, 30);
	ck_assert_int_eq(loop_run(&loop), 7);
	ck_assert_int_eq(log.fired, 1);
	ck_assert(ms_since(&start, &log.when) >= 29.0);
	ck_assert(!timer_pending(&t));
	timer_fini(&t);
	loop_fini(&loop);
}
END_TEST

START_TEST(test_timer_stop_and_fini_idempotent)
{
	struct loop loop;
	struct timer t;
	struct timer never = {0};
	struct fire_log log = {.loop = &loop, .stop_after = 1};
	struct fire_log guard_log = {.loop = &loop, .stop_after = 1};
	struct timer guard;

	ck_assert_int_eq(loop_init(&loop), 0);
	/* A zero timer is safe to stop and finalise, and refuses to start. */
	timer_stop(&never);
	timer_fini(&never);
	ck_assert_int_eq(timer_start(&never, 1), -1);

	ck_assert_int_eq(timer_init(&t, &loop, on_fire, &log), 0);
	timer_start(&t, 5);
	timer_stop(&t);
	timer_stop(&t);
	ck_assert(!timer_pending(&t));
	/* The guard ends the loop after the cancelled timer would have fired. */
	ck_assert_int_eq(timer_init(&guard, &loop, on_fire, &guard_log), 0);
	timer_start(&guard, 40);
	loop_run(&loop);
	ck_assert_int_eq(log.fired, 0);
	ck_assert_int_eq(guard_log.fired, 1);
	timer_fini(&t);
	timer_fini(&t);
	timer_stop(&t);
	ck_assert_int_eq(timer_start(&t, 1), -1);
	timer_fini(&guard);
	loop_fini(&loop);
}
END_TEST

START_TEST(test_timer_rearm_replaces_deadline)
{
	struct loop loop;
	struct timer t;
	struct fire_log log = {.loop = &loop, .stop_after = 1};
	struct timespec start;

	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(timer_init(&t, &loop, on_fire, &log), 0);
	clock_gettime(CLOCK_MONOTONIC, &start);
	timer_start(&t, 5);
	timer_start(&t, 60);
	loop_run(&loop);
	ck_assert_int_eq(log.fired, 1);
	ck_assert(ms_since(&start, &log.when) >= 59.0);
	timer_fini(&t);
	loop_fini(&loop);
}
END_TEST

/* RFC 4271 section 10: 75% to 100% of the configured value, exactly. */
START_TEST(test_jitter_bounds_exact)
{
	static const uint32_t rnds[] = {0, 1, 24999, 25000, 25001, 4294967295u, 123456789};

	for (size_t i = 0; i < sizeof(rnds) / sizeof(rnds[0]); i++) {
		uint32_t v = timer_jittered_ms(100000, 25, rnds[i]);
		ck_assert_uint_ge(v, 75000);
		ck_assert_uint_le(v, 100000);
	}
	ck_assert_uint_eq(timer_jittered_ms(100000, 25, 0), 100000);
	ck_assert_uint_eq(timer_jittered_ms(100000, 25, 25000), 75000);
	ck_assert_uint_eq(timer_jittered_ms(100000, 25, 25001), 100000);
	ck_assert_uint_eq(timer_jittered_ms(1000, 0, 999), 1000);
	ck_assert_uint_eq(timer_jittered_ms(1000, 250, 1000), 0);
	ck_assert_uint_eq(timer_jittered_ms(0, 25, 7), 0);
	ck_assert_uint_eq(timer_jittered_ms(UINT32_MAX, 100, UINT32_MAX), 0);
}
END_TEST

START_TEST(test_jitter_spread)
{
	struct loop loop;
	struct timer t;
	struct fire_log log = {0};
	int64_t min = INT64_MAX, max = -1;

	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(timer_init(&t, &loop, on_fire, &log), 0);
	/* Reading the deadline back converts between libevent's monotonic and
	 * wall clocks, which may differ by a few milliseconds: allow 50. */
	for (int i = 0; i < 2000; i++) {
		ck_assert_int_eq(timer_start_jitter(&t, 100000, 25), 0);
		int64_t left = timer_remaining_ms(&t);
		if (left < min)
			min = left;
		if (left > max)
			max = left;
	}
	ck_assert_int_ge(min, 75000 - 1000);
	ck_assert_int_le(max, 100000 + 50);
	/* 2000 draws over a 25 s span: the spread must be wide, not constant. */
	ck_assert_int_gt(max - min, 15000);
	timer_fini(&t);
	loop_fini(&loop);
}
END_TEST

static int order[4];
static int order_len;

static void hook_a(void *arg)
{
	(void)arg;
	order[order_len++] = 1;
}

static void hook_b(void *arg)
{
	(void)arg;
	order[order_len++] = 2;
}

static void raise_term(void *arg)
{
	(void)arg;
	raise(SIGTERM);
}

START_TEST(test_sigterm_runs_hooks_in_reverse_once)
{
	struct loop loop;
	struct timer t;

	order_len = 0;
	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(loop_default_signals(&loop), 0);
	ck_assert_int_eq(loop_on_shutdown(&loop, hook_a, NULL), 0);
	ck_assert_int_eq(loop_on_shutdown(&loop, hook_b, NULL), 0);
	ck_assert_int_eq(timer_init(&t, &loop, raise_term, NULL), 0);
	timer_start(&t, 1);
	ck_assert_int_eq(loop_run(&loop), 0);
	ck_assert_int_eq(order_len, 2);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 1);
	loop_stop(&loop, 3);
	ck_assert_int_eq(order_len, 2);
	timer_fini(&t);
	loop_fini(&loop);
}
END_TEST

static int hup_count;

static void on_hup(int signo, void *arg)
{
	struct loop *loop = arg;

	ck_assert_int_eq(signo, SIGHUP);
	hup_count++;
	loop_stop(loop, 0);
}

static void raise_hup(void *arg)
{
	(void)arg;
	raise(SIGHUP);
}

START_TEST(test_custom_signal)
{
	struct loop loop;
	struct timer t;

	hup_count = 0;
	ck_assert_int_eq(loop_init(&loop), 0);
	ck_assert_int_eq(loop_on_signal(&loop, SIGHUP, on_hup, &loop), 0);
	ck_assert_int_eq(loop_on_signal(&loop, SIGHUP, NULL, &loop), -1);
	ck_assert_int_eq(timer_init(&t, &loop, raise_hup, NULL), 0);
	timer_start(&t, 1);
	loop_run(&loop);
	ck_assert_int_eq(hup_count, 1);
	timer_fini(&t);
	loop_fini(&loop);
}
END_TEST

START_TEST(test_tables_bounded)
{
	struct loop loop;

	ck_assert_int_eq(loop_init(&loop), 0);
	for (int i = 0; i < LOOP_SHUTDOWN_HOOKS_MAX; i++)
		ck_assert_int_eq(loop_on_shutdown(&loop, hook_a, NULL), 0);
	ck_assert_int_eq(loop_on_shutdown(&loop, hook_a, NULL), -1);
	loop_fini(&loop);
	loop_fini(&loop);
}
END_TEST

static Suite *loop_suite(void)
{
	Suite *s = suite_create("loop");
	TCase *tc = tcase_create("timers");

	tcase_add_test(tc, test_timer_fires_once);
	tcase_add_test(tc, test_timer_stop_and_fini_idempotent);
	tcase_add_test(tc, test_timer_rearm_replaces_deadline);
	tcase_add_test(tc, test_jitter_bounds_exact);
	tcase_add_test(tc, test_jitter_spread);
	suite_add_tcase(s, tc);
	tc = tcase_create("lifecycle");
	tcase_add_test(tc, test_sigterm_runs_hooks_in_reverse_once);
	tcase_add_test(tc, test_custom_signal);
	tcase_add_test(tc, test_tables_bounded);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return unit_run(loop_suite());
}
