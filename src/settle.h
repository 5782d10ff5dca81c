/* SPDX-License-Identifier: GPL-2.0-or-later */
/* settle.h - when a planned release of the VIPs may happen.
 *
 * Releasing a VIP cuts every TCP connection to it that still waits for an
 * answer from this node: once the address is gone the kernel cannot send
 * from it, and a client whose request was already acknowledged waits for
 * its own timeout. (Seen in test_handover_rolling under load: a request
 * accepted 1 to 5 ms before a handover or a preemption, its answer queued
 * on the old master and sent only when that node was master again, 3 s
 * later; the client gave up after 2 s.) A planned release - a handover,
 * stepping down for a preempting member - therefore waits for a moment
 * when no such connection is open, looking every SETTLE_POLL_US, for at
 * most its bound; then it releases anyway (a long-lived connection is cut
 * as it always was). Releases that safety needs at once (the votes ran
 * out, a fault, a shutdown) never wait. Pure: time comes in. */
#ifndef CLUSTD_SETTLE_H
#define CLUSTD_SETTLE_H

#include <stdbool.h>
#include <stdint.h>

#define SETTLE_POLL_US 1000ull
#define SETTLE_MAX_US 50000ull

struct settle {
	uint64_t since;   /* µs: the release became due and found connections; 0: not waiting */
};

enum settle_verdict {
	SETTLE_RELEASE = 0, /* nothing waits for us (or the bound is over): release now */
	SETTLE_WAIT,        /* look again at *wake */
};

/* The bound for a release whose step must be done within step_bound_us
 * (a handover's, handover_bound_us()): a quarter of it, at most
 * SETTLE_MAX_US. */
uint64_t settle_bound_us(uint64_t step_bound_us);

/* The release is due now; `busy`: connections to the VIPs wait for an
 * answer of ours. On SETTLE_RELEASE the wait is over (s is reset) and
 * *waited_us says how long it lasted (0: none); on SETTLE_WAIT, *wake is
 * when to look again (never past the bound). */
enum settle_verdict settle_check(struct settle *s, bool busy, uint64_t now, uint64_t bound_us,
				 uint64_t *wake, uint64_t *waited_us);

/* The release is no longer due (the member stopped asking, the handover
 * ended): the next one starts a fresh wait. */
void settle_reset(struct settle *s);

#endif
