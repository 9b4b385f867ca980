/*
 * Event loop glue over libevent.
 */
#include "loop.h"

#include <event2/event.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

int loop_init(struct loop *loop)
{
	memset(loop, 0, sizeof(*loop));
	loop->base = event_base_new();
	return loop->base != NULL ? 0 : -1;
}

void loop_fini(struct loop *loop)
{
	for (unsigned i = 0; i < loop->signal_count; i++) {
		if (loop->signals[i].ev != NULL)
			event_free(loop->signals[i].ev);
		loop->signals[i].ev = NULL;
	}
	loop->signal_count = 0;
	if (loop->base != NULL)
		event_base_free(loop->base);
	loop->base = NULL;
}

static void signal_trampoline(evutil_socket_t signo, short what, void *arg)
{
	struct loop_signal *sig = arg;

	(void)what;
	sig->fn((int)signo, sig->arg);
}

int loop_on_signal(struct loop *loop, int signo, loop_signal_fn fn, void *arg)
{
	if (loop->signal_count >= LOOP_SIGNALS_MAX || fn == NULL)
		return -1;
	struct loop_signal *sig = &loop->signals[loop->signal_count];
	sig->fn = fn;
	sig->arg = arg;
	sig->signo = signo;
	sig->ev = evsignal_new(loop->base, signo, signal_trampoline, sig);
	if (sig->ev == NULL)
		return -1;
	if (evsignal_add(sig->ev, NULL) != 0) {
		event_free(sig->ev);
		sig->ev = NULL;
		return -1;
	}
	loop->signal_count++;
	return 0;
}

static void stop_on_signal(int signo, void *arg)
{
	(void)signo;
	loop_stop(arg, 0);
}

int loop_default_signals(struct loop *loop)
{
	signal(SIGPIPE, SIG_IGN);
	if (loop_on_signal(loop, SIGTERM, stop_on_signal, loop) != 0)
		return -1;
	return loop_on_signal(loop, SIGINT, stop_on_signal, loop);
}

int loop_on_shutdown(struct loop *loop, loop_shutdown_fn fn, void *arg)
{
	if (loop->hook_count >= LOOP_SHUTDOWN_HOOKS_MAX || fn == NULL)
		return -1;
	loop->hooks[loop->hook_count].fn = fn;
	loop->hooks[loop->hook_count].arg = arg;
	loop->hook_count++;
	return 0;
}

int loop_run(struct loop *loop)
{
	/* EVLOOP_NO_EXIT_ON_EMPTY: a daemon with nothing scheduled is idle, not done. */
	if (event_base_loop(loop->base, EVLOOP_NO_EXIT_ON_EMPTY) < 0)
		return -1;
	return loop->exit_code;
}

void loop_stop(struct loop *loop, int exit_code)
{
	if (loop->stopping)
		return;
	loop->stopping = true;
	loop->exit_code = exit_code;
	while (loop->hook_count > 0) {
		struct loop_shutdown_hook *hook = &loop->hooks[--loop->hook_count];
		hook->fn(hook->arg);
	}
	event_base_loopbreak(loop->base);
}

static void timer_trampoline(evutil_socket_t fd, short what, void *arg)
{
	struct timer *timer = arg;

	(void)fd;
	(void)what;
	timer->fn(timer->arg);
}

int timer_init(struct timer *timer, struct loop *loop, timer_fn fn, void *arg)
{
	timer->fn = fn;
	timer->arg = arg;
	timer->ev = evtimer_new(loop->base, timer_trampoline, timer);
	return timer->ev != NULL ? 0 : -1;
}

static int64_t monotonic_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int timer_start(struct timer *timer, uint32_t ms)
{
	if (timer->ev == NULL)
		return -1;
	struct timeval tv = {.tv_sec = ms / 1000, .tv_usec = (suseconds_t)(ms % 1000) * 1000};
	if (evtimer_add(timer->ev, &tv) != 0)
		return -1;
	timer->deadline_ms = monotonic_ms() + ms;
	return 0;
}

uint32_t timer_jittered_ms(uint32_t ms, unsigned jitter_percent, uint32_t rnd)
{
	if (jitter_percent > 100)
		jitter_percent = 100;
	uint64_t span = (uint64_t)ms * jitter_percent / 100;
	return (uint32_t)(ms - (span > 0 ? rnd % (span + 1) : 0));
}

int timer_start_jitter(struct timer *timer, uint32_t ms, unsigned jitter_percent)
{
	uint32_t rnd = 0;

	/* getrandom never blocks for 4 bytes once the pool is initialised; if it
	 * fails we fall back to no jitter rather than to a predictable one. */
	if (getrandom(&rnd, sizeof(rnd), GRND_NONBLOCK) != (ssize_t)sizeof(rnd))
		rnd = 0;
	return timer_start(timer, timer_jittered_ms(ms, jitter_percent, rnd));
}

void timer_stop(struct timer *timer)
{
	if (timer->ev != NULL)
		evtimer_del(timer->ev);
}

bool timer_pending(const struct timer *timer)
{
	return timer->ev != NULL && evtimer_pending(timer->ev, NULL);
}

int64_t timer_remaining_ms(const struct timer *timer)
{
	if (timer->ev == NULL || !evtimer_pending(timer->ev, NULL))
		return -1;
	/* Our own monotonic deadline, not evtimer_pending()'s expiry: libevent
	 * converts that to wall-clock time with an offset it refreshes only
	 * every few seconds, so right after a start the answer could exceed
	 * the timeout itself. */
	int64_t ms = timer->deadline_ms - monotonic_ms();
	return ms < 0 ? 0 : ms;
}

void timer_fini(struct timer *timer)
{
	if (timer->ev != NULL) {
		event_free(timer->ev);
		timer->ev = NULL;
	}
}
