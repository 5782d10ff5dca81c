/* SPDX-License-Identifier: GPL-2.0-or-later */
/* clock.c - the monotonic clock (clock.h). */
#include <time.h>

#include "clock.h"

uint64_t mono_now_us(void)
{
	struct timespec ts;

	/* Cannot fail: CLOCK_MONOTONIC exists and &ts is valid. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t mono_now_ms(void)
{
	return mono_now_us() / 1000u;
}

uint64_t wall_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}
