/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.h - the one monotonic clock of clustd (CLOCK_MONOTONIC). Edges
 * read it and hand the time to the pure core as an argument; the loop's
 * timers are armed on the same clock. */
#ifndef CLUSTD_CLOCK_H
#define CLUSTD_CLOCK_H

#include <stdint.h>

/* Microseconds on CLOCK_MONOTONIC. */
uint64_t mono_now_us(void);

/* Milliseconds on CLOCK_MONOTONIC (mono_now_us() / 1000). */
uint64_t mono_now_ms(void);

/* Microseconds since the epoch (CLOCK_REALTIME): for what people and
 * other programs read (the time of an event told to the drivers), never
 * for a timer. */
uint64_t wall_now_us(void);

#endif
