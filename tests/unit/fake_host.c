/*
 * fake_host.c: a struct worker_host whose effects are recorded instead of
 * done, with a clock the tests move by hand.
 */
#include <string.h>

#include "fake_host.h"

struct fake_host fake;

void
fake_reset(void)
{
	size_t i;

	memset(&fake, 0, sizeof(fake));
	fake.now = 1000000;
	fake.next_pid = 100;
	for (i = 0; i < sizeof(fake.deadline) / sizeof(fake.deadline[0]); i++)
		fake.deadline[i] = fake.watchdog[i] = -1;
}

static int64_t
fake_now_ms(void)
{
	return fake.now;
}

static int
fake_spawn(struct worker *w, char *why, size_t whylen)
{
	fake.spawns++;
	if (fake.spawn_fail > 0) {
		fake.spawn_fail--;
		strncpy(why, "fake failure", whylen - 1);
		return -1;
	}
	w->pid = fake.next_pid++;
	return 0;
}

static void
fake_signal(struct worker *w, int sig)
{
	if (w->pid <= 1)
		return;
	if (fake.nsignals < 16)
		fake.signals[fake.nsignals++] = sig;
}

static void
fake_timer(struct worker *w, int64_t delay_ms)
{
	fake.deadline[w->index] = delay_ms < 0 ? -1 : fake.now + delay_ms;
}

static void
fake_changed(struct worker *w)
{
	(void)w;
	fake.changes++;
}

static void
fake_give_up(struct supervisor *sv)
{
	sv->shutting_down = true;
	fake.gave_up++;
}

static void
fake_watchdog(struct worker *w, int64_t delay_ms)
{
	fake.watchdog[w->index] = delay_ms < 0 ? -1 : fake.now + delay_ms;
}

const struct worker_host fake_worker_host = {
	.now_ms = fake_now_ms,
	.spawn = fake_spawn,
	.signal = fake_signal,
	.timer = fake_timer,
	.watchdog = fake_watchdog,
	.changed = fake_changed,
	.give_up = fake_give_up,
};

void
fake_fire(struct worker *w)
{
	int64_t d = fake.deadline[w->index];

	if (d < 0)
		return;
	fake.now = d;
	fake.deadline[w->index] = -1;
	worker_timer_fired(w);
}
