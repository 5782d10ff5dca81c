/* SPDX-License-Identifier: GPL-2.0-or-later */
/* track_checks.c - tcp and http checks on the loop (see track_checks.h).
 *
 * The decisions are health_check.c's; this file carries them out. A run:
 * socket(SOCK_NONBLOCK), connect() (EINPROGRESS: wait for EPOLLOUT, then
 * SO_ERROR), send the request with MSG_NOSIGNAL, recv() at most
 * READS_PER_WAKE buffers per wake-up (a fast sender cannot hog the loop;
 * level-triggered epoll brings us back), close. The descriptor is watched
 * for one direction at a time. The timer is the run's deadline while it
 * lasts, the next run's start otherwise.
 *
 * Logged: a flip at notice; a check that stays failed at info, once a
 * minute. Every run's outcome is counted (health_check's outcomes[]). */
#include "track_checks.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

#define READ_BUF 4096
#define READS_PER_WAKE 4
#define LOG_STILL_FAILING_MS 60000u
#define CAUSE_MAX 320

struct tcheck {
	struct track_checks *cs;
	char *name, *target;
	int32_t weight;
	struct ip_addr addr;
	uint16_t port;
	struct hc hc;
	int fd;                     /* -1 between runs */
	uint32_t watching;          /* epoll events registered for fd, 0 = none */
	struct loop_timer timer;
	unsigned long long fail_log_ms;
};

struct track_checks {
	struct loop *l;
	char *owner;
	struct track_checks_hooks hooks;
	size_t n;
	struct tcheck *checks;      /* n of them (each holds a reader's line buffer) */
};

/* ---- the socket ---- */

static void sock_watch(struct tcheck *k, enum hc_wait w);

static void sock_close(struct tcheck *k)
{
	if (k->fd < 0)
		return;
	if (k->watching)
		loop_del_fd(k->cs->l, k->fd);
	k->watching = 0;
	close(k->fd);
	k->fd = -1;
}

static socklen_t sockaddr_of(const struct tcheck *k, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (k->addr.family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(k->port);
		sin->sin_addr = k->addr.u.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(k->port);
	sin6->sin6_addr = k->addr.u.v6;
	return sizeof(*sin6);
}

/* 0 when connected at once, EINPROGRESS when under way, else the errno. */
static int sock_open(struct tcheck *k)
{
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(k, &ss);

	k->fd = socket(k->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (k->fd < 0)
		return errno;
	if (connect(k->fd, (struct sockaddr *)&ss, len) == 0)
		return 0;
	return errno == EINPROGRESS || errno == EINTR ? EINPROGRESS : errno;
}

/* ---- carrying out what the machine says ---- */

static void record(struct tcheck *k, const struct hc_actions *a)
{
	struct track_checks *cs = k->cs;
	const struct track_check *rf = &k->hc.rf;
	char what[160], cause[CAUSE_MAX];

	if (cs->hooks.stats_changed)
		cs->hooks.stats_changed(cs->hooks.arg);
	hc_describe_last(&k->hc, what, sizeof(what));
	if (!a->flipped) {
		if (a->outcome != HC_OK && !rf->ok)
			log_ratelimited(&k->fail_log_ms, LOG_STILL_FAILING_MS, LOG_INFO,
					"%s: check %s still failing (%s, %u in a row)", cs->owner,
					k->name, what, rf->fail_streak);
		return;
	}
	if (rf->ok)
		snprintf(cause, sizeof(cause), "check %s OK (%s, %u in a row)", k->name, what,
			 rf->ok_streak);
	else
		snprintf(cause, sizeof(cause), "check %s failed (%s, %u in a row)", k->name, what,
			 rf->fail_streak);
	log_notice("%s: %s", cs->owner, cause);
	if (cs->hooks.changed)
		cs->hooks.changed(cs->hooks.arg, cause);
}

static void apply(struct tcheck *k, struct hc_actions *a)
{
	/* At most: a timeout ends a run, the next one starts and fails at
	 * once (connect refused synchronously); the loop stops there. */
	for (int round = 0; round < 3; round++) {
		int err;

		if (a->finished)
			record(k, a);
		if (a->close)
			sock_close(k);
		if (a->timer_us)
			loop_timer_arm(k->cs->l, &k->timer, a->timer_us);
		if (!a->open) {
			sock_watch(k, a->wait);
			return;
		}
		err = sock_open(k);
		if (err == EINPROGRESS) {
			sock_watch(k, a->wait);
			return;
		}
		hc_connected(&k->hc, err, mono_now_us(), a);
	}
	/* Not reached with the machine as it is; be safe regardless. */
	sock_close(k);
}

static void do_send(struct tcheck *k, struct hc_actions *a)
{
	size_t len;
	const char *p = hc_unsent(&k->hc, &len);
	ssize_t n = p ? send(k->fd, p, len, MSG_NOSIGNAL | MSG_DONTWAIT) : 0;

	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return; /* still writable later */
	if (n < 0)
		hc_failed(&k->hc, errno, mono_now_us(), a);
	else
		hc_sent(&k->hc, (size_t)n, mono_now_us(), a);
}

static void do_read(struct tcheck *k, struct hc_actions *a)
{
	char buf[READ_BUF];

	for (int i = 0; i < READS_PER_WAKE && !a->finished; i++) {
		ssize_t n = recv(k->fd, buf, sizeof(buf), MSG_DONTWAIT);

		if (n > 0)
			hc_received(&k->hc, buf, (size_t)n, mono_now_us(), a);
		else if (n == 0)
			hc_closed(&k->hc, mono_now_us(), a);
		else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			hc_failed(&k->hc, errno, mono_now_us(), a);
		if (n <= 0)
			return;
	}
}

static void on_io(void *arg, uint32_t events)
{
	struct tcheck *k = arg;
	struct hc_actions a = { 0 };
	int err = 0;
	socklen_t elen = sizeof(err);

	switch (k->hc.phase) {
	case HC_CONNECTING:
		if (getsockopt(k->fd, SOL_SOCKET, SO_ERROR, &err, &elen) < 0)
			err = errno;
		hc_connected(&k->hc, err, mono_now_us(), &a);
		break;
	case HC_SENDING:
		if (events & EPOLLIN)
			do_read(k, &a); /* an early answer, or the end */
		if (!a.finished)
			do_send(k, &a);
		break;
	case HC_READING:
		do_read(k, &a);
		break;
	case HC_IDLE:
		return;
	}
	if (a.finished || a.wait != HC_WAIT_NONE || a.timer_us)
		apply(k, &a);
}

static void sock_watch(struct tcheck *k, enum hc_wait w)
{
	uint32_t want = w == HC_WAIT_WRITABLE ? EPOLLOUT : w == HC_WAIT_READABLE ? EPOLLIN : 0;

	if (k->fd < 0 || k->watching == want)
		return;
	if (k->watching)
		loop_del_fd(k->cs->l, k->fd);
	k->watching = 0;
	if (want && loop_add_fd(k->cs->l, k->fd, want, on_io, k) == 0)
		k->watching = want;
	else if (want) /* the deadline will end the run */
		log_err("%s: check %s: cannot watch its socket: %s", k->cs->owner, k->name,
			strerror(errno));
}

static void on_timer(void *arg)
{
	struct tcheck *k = arg;
	struct hc_actions a;

	hc_timer(&k->hc, mono_now_us(), &a);
	apply(k, &a);
}

/* ---- life cycle ---- */

static char *target_of(const struct track_check_conf *c)
{
	char buf[IP_ADDR_STRLEN];

	if (c->kind == TRACK_CHECK_HTTP && c->url)
		return xstrdup(c->url);
	ip_addr_str(&c->addr, buf);
	return c->addr.family == AF_INET6 ? xasprintf("[%s]:%u", buf, c->port) :
					    xasprintf("%s:%u", buf, c->port);
}

struct track_checks *track_checks_new(struct loop *l, const struct track_conf *conf,
				      const char *owner, const struct track_checks_hooks *hooks)
{
	struct track_checks *cs;
	uint64_t now = mono_now_us();

	if (conf->nchecks == 0)
		return NULL;
	cs = xcalloc(1, sizeof(*cs));
	cs->checks = xcalloc(conf->nchecks, sizeof(*cs->checks));
	cs->l = l;
	cs->owner = xstrdup(owner ? owner : "track");
	if (hooks)
		cs->hooks = *hooks;
	for (size_t i = 0; i < conf->nchecks && i < CLUSTD_MAX_TRACK; i++) {
		const struct track_check_conf *c = &conf->checks[i];
		struct tcheck *k = &cs->checks[cs->n++];

		k->cs = cs;
		k->fd = -1;
		k->name = xstrdup(c->name ? c->name : "?");
		k->target = target_of(c);
		k->weight = c->weight;
		k->addr = c->addr;
		k->port = c->port;
		hc_init(&k->hc, c, now);
		k->timer.fn = on_timer;
		k->timer.arg = k;
		loop_timer_arm(l, &k->timer, hc_first_due(&k->hc));
	}
	return cs;
}

void track_checks_free(struct track_checks *cs)
{
	if (!cs)
		return;
	for (size_t i = 0; i < cs->n; i++) {
		struct tcheck *k = &cs->checks[i];

		loop_timer_cancel(cs->l, &k->timer);
		sock_close(k);
		hc_free(&k->hc);
		free(k->name);
		free(k->target);
	}
	free(cs->owner);
	free(cs->checks);
	free(cs);
}

/* ---- queries ---- */

size_t track_checks_items(const struct track_checks *cs, struct track_item *items)
{
	if (!cs)
		return 0;
	for (size_t i = 0; i < cs->n; i++)
		items[i] = (struct track_item){ .kind = TRACK_KIND_CHECK, .name = cs->checks[i].name,
			.weight = cs->checks[i].weight, .healthy = hc_healthy(&cs->checks[i].hc) };
	return cs->n;
}

size_t track_checks_count(const struct track_checks *cs)
{
	return cs ? cs->n : 0;
}

bool track_checks_view(const struct track_checks *cs, size_t i, struct track_check_view *v)
{
	if (!cs || i >= cs->n)
		return false;
	v->name = cs->checks[i].name;
	v->kind = cs->checks[i].hc.kind == TRACK_CHECK_HTTP ? "http" : "tcp";
	v->target = cs->checks[i].target;
	v->weight = cs->checks[i].weight;
	v->hc = &cs->checks[i].hc;
	return true;
}

void track_checks_totals(const struct track_checks *cs, unsigned long long *runs,
			 unsigned long long *failures, unsigned long long *timeouts)
{
	*runs = *failures = *timeouts = 0;
	for (size_t i = 0; cs && i < cs->n; i++) {
		const struct hc *h = &cs->checks[i].hc;

		*runs += h->runs;
		*failures += h->runs - h->outcomes[HC_OK];
		*timeouts += h->outcomes[HC_TIMEOUT];
	}
}
