/*
 * clock.h: the clocks (clock.c), in one place.  Durations and deadlines
 * use CLOCK_MONOTONIC, which a change of the system time does not move
 * (clock_gettime(2)).
 */
#ifndef SUPERVISE_CLOCK_H
#define SUPERVISE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

int64_t clock_mono_ms(void);		/* CLOCK_MONOTONIC, in ms */
int64_t clock_mono_ns(void);		/* and in ns */
/* The CLOCK_MONOTONIC time ms from now, as a timespec for a deadline. */
void clock_mono_after(struct timespec *ts, unsigned ms);
/* What is left until the deadline end, in left; false once it has passed. */
bool clock_mono_left(const struct timespec *end, struct timespec *left);

#endif
