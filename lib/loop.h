/*
 * Event loop glue over libevent: one loop per thread that runs one, timers
 * whose handles live inside their owner, signal hooks and a clean shutdown.
 *
 * Timers: a struct timer is embedded in the object that owns it (a BGP peer
 * owns its hold timer). timer_stop() and timer_fini() are idempotent, so an
 * owner can tear down in any order without tracking which timers ran; a
 * zero-initialised struct timer is valid to stop and fini.
 *
 * Ownership: the loop owns its libevent base and signal events. A timer owns
 * its libevent event from timer_init() until timer_fini(); the owner must call
 * timer_fini() before freeing the memory the timer lives in, and before
 * loop_fini(). Callback arguments are borrowed, never freed here.
 */
#ifndef SKYGATE_LOOP_H
#define SKYGATE_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct event_base;
struct event;

#define LOOP_SIGNALS_MAX 8
#define LOOP_SHUTDOWN_HOOKS_MAX 16

typedef void (*loop_signal_fn)(int signo, void *arg);
typedef void (*loop_shutdown_fn)(void *arg);

struct loop_signal {
	struct event *ev;
	loop_signal_fn fn;
	void *arg;
	int signo;
};

struct loop_shutdown_hook {
	loop_shutdown_fn fn;
	void *arg;
};

struct loop {
	struct event_base *base;
	struct loop_signal signals[LOOP_SIGNALS_MAX];
	unsigned signal_count;
	struct loop_shutdown_hook hooks[LOOP_SHUTDOWN_HOOKS_MAX];
	unsigned hook_count;
	bool stopping;
	int exit_code;
};

/* Returns 0, or -1 if libevent cannot create a base (out of memory). */
int loop_init(struct loop *loop);

/* Free signal events and the base. Timers must have been finalised first. */
void loop_fini(struct loop *loop);

/*
 * Call fn(signo, arg) from the loop (not from signal context) whenever signo
 * arrives. Returns 0, or -1 if the table is full or libevent refuses.
 */
int loop_on_signal(struct loop *loop, int signo, loop_signal_fn fn, void *arg);

/*
 * SIGTERM and SIGINT start a clean shutdown (loop_stop with exit code 0);
 * SIGPIPE is ignored because every socket write checks its own error.
 */
int loop_default_signals(struct loop *loop);

/* Register fn(arg) to run once when the loop stops; run in reverse order of
 * registration, like a stack of destructors. Returns 0 or -1 if full. */
int loop_on_shutdown(struct loop *loop, loop_shutdown_fn fn, void *arg);

/* Run until loop_stop(). Returns the exit code given to loop_stop(), or -1 if
 * libevent failed. */
int loop_run(struct loop *loop);

/* Ask the loop to stop: runs the shutdown hooks (once, however often this is
 * called), then makes loop_run() return exit_code. Safe from any callback. */
void loop_stop(struct loop *loop, int exit_code);

typedef void (*timer_fn)(void *arg);

struct timer {
	struct event *ev;   /* NULL until timer_init, and again after timer_fini */
	timer_fn fn;
	void *arg;
	/* When the last timer_start() said it should fire, CLOCK_MONOTONIC
	 * milliseconds: what timer_remaining_ms() answers from. */
	int64_t deadline_ms;
};

/* Prepare a timer; it does not run until timer_start(). Returns 0 or -1. */
int timer_init(struct timer *timer, struct loop *loop, timer_fn fn, void *arg);

/* (Re)arm to fire once after ms milliseconds; re-arming replaces the old
 * deadline. Returns 0, or -1 if the timer was never initialised. */
int timer_start(struct timer *timer, uint32_t ms);

/*
 * Arm with a random reduction of up to jitter_percent of ms. RFC 4271
 * section 10 asks for timers jittered to 75-100% of their value, which is
 * timer_start_jitter(t, ms, 25).
 */
int timer_start_jitter(struct timer *timer, uint32_t ms, unsigned jitter_percent);

/* The jittered value itself, for a given random number: ms less
 * (rnd mod (span + 1)), span being jitter_percent (at most 100) of ms. */
uint32_t timer_jittered_ms(uint32_t ms, unsigned jitter_percent, uint32_t rnd);

/* Disarm. Harmless when not running, never initialised, or already finalised. */
void timer_stop(struct timer *timer);

bool timer_pending(const struct timer *timer);

/* Milliseconds until the timer fires, or -1 when not armed. */
int64_t timer_remaining_ms(const struct timer *timer);

/* Disarm and release. Harmless to call twice. */
void timer_fini(struct timer *timer);

#endif
