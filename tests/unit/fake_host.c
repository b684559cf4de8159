/*
 * fake_host.c: the host_* effects of the worker state machine, recorded
 * instead of done, with a clock the tests move by hand.
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

int64_t
host_now_ms(void)
{
	return fake.now;
}

int
host_spawn(struct worker *w, char *why, size_t whylen)
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

void
host_signal(struct worker *w, int sig)
{
	if (w->pid <= 1)
		return;
	if (fake.nsignals < 16)
		fake.signals[fake.nsignals++] = sig;
}

void
host_timer(struct worker *w, int64_t delay_ms)
{
	fake.deadline[w->index] = delay_ms < 0 ? -1 : fake.now + delay_ms;
}

void
host_changed(struct worker *w)
{
	(void)w;
	fake.changes++;
}

void
host_give_up(struct supervisor *sv)
{
	sv->shutting_down = true;
	fake.gave_up++;
}

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

void
host_watchdog(struct worker *w, int64_t delay_ms)
{
	fake.watchdog[w->index] = delay_ms < 0 ? -1 : fake.now + delay_ms;
}
