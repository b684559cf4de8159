/*
 * policy.c: the restart decisions, as pure functions of a worker's
 * configuration, its exit and the time the caller passes in.  No clock of
 * its own, no I/O: the unit tests drive it with a fake clock.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "engine.h"

#define BACKOFF_BASE_MS 100

bool
policy_is_success(const struct worker_config *wc, int wstatus)
{
	int code;

	if (!WIFEXITED(wstatus))
		return false;
	code = WEXITSTATUS(wstatus);
	return (wc->success_exit[code / 8] >> (code % 8)) & 1;
}

/*
 * Whether an exit calls for a restart.  A death by the stop signal that
 * supervise itself sent is not a failure for on-failure.
 */
bool
policy_should_restart(const struct worker_config *wc, int wstatus,
    int stop_sig_sent)
{
	switch (wc->restart) {
	case RESTART_ALWAYS:
		return true;
	case RESTART_NEVER:
		return false;
	case RESTART_ON_FAILURE:
		if (WIFSIGNALED(wstatus))
			return stop_sig_sent == 0 ||
			    WTERMSIG(wstatus) != stop_sig_sent;
		return !policy_is_success(wc, wstatus);
	}
	return false;
}

/*
 * The delay before the k-th consecutive failed start is retried:
 * min(backoff_max, max(restart_delay, 100ms) * 2^(k-1)), no jitter.
 * failures == 0 means the last start was good: plain restart_delay.
 */
int64_t
policy_backoff(const struct worker_config *wc, unsigned failures)
{
	int64_t base, delay;
	unsigned k;

	if (failures == 0)
		return wc->restart_delay_ms;
	base = wc->restart_delay_ms > BACKOFF_BASE_MS ?
	    wc->restart_delay_ms : BACKOFF_BASE_MS;
	delay = base;
	for (k = 1; k < failures && delay < wc->backoff_max_ms; k++) {
		if (delay > wc->backoff_max_ms / 2)
			return wc->backoff_max_ms;	/* doubling would pass it */
		delay *= 2;
	}
	return delay < wc->backoff_max_ms ? delay : wc->backoff_max_ms;
}

int
window_init(struct restart_window *win, unsigned limit)
{
	win->times = NULL;
	win->cap = win->len = win->head = 0;
	if (limit == 0)
		return 0;
	win->times = calloc(limit, sizeof(*win->times));
	if (win->times == NULL)
		return -1;
	win->cap = limit;
	return 0;
}

void
window_free(struct restart_window *win)
{
	free(win->times);
	win->times = NULL;
	win->cap = win->len = win->head = 0;
}

void
window_reset(struct restart_window *win)
{
	win->len = win->head = 0;
}

/*
 * Admit one more restart at now unless limit restarts already happened
 * within the last window_ms.  The ring holds the newest `limit` times; the
 * oldest of them decides.  A limit changed by reload re-sizes the ring and
 * forgets its history.
 */
bool
window_admit(struct restart_window *win, unsigned limit, int64_t window_ms,
    int64_t now)
{
	int64_t oldest;

	if (limit == 0)
		return true;
	if (win->cap != limit) {
		window_free(win);
		if (window_init(win, limit) == -1)
			return true;	/* no memory: do not turn it into a fault */
	}
	if (win->len == win->cap) {
		oldest = win->times[win->head];
		if (now - oldest < window_ms)
			return false;
		win->times[win->head] = now;
		win->head = (win->head + 1) % win->cap;
		return true;
	}
	win->times[(win->head + win->len) % win->cap] = now;
	win->len++;
	return true;
}
