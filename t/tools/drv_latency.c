/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drv_latency.c - for scripts/bench-drivers.sh: N drivers on one driver
 * socket, each reading every event, and how long each event took from the
 * transition (its "time", taken by the daemon when the state changed) to
 * the moment this driver had it read (CLOCK_REALTIME, the same clock).
 *
 *   drv_latency SOCKET N EVENTS TIMEOUT_S
 *
 * Connects N drivers (ids lat-0 ...), prints "ready" once every snapshot
 * is in, then reads until every driver has seen EVENTS events or the
 * timeout passes, and prints
 *   "<samples> <p50 us> <p99 us> <max us> <events per driver, least>".
 * One process, one epoll: the moment a driver "had it" is when epoll_wait
 * returned with its socket readable (the line was there by then), taken
 * once per wakeup, so reading the other drivers' sockets after it does not
 * count; what the scheduler took to wake this process does.
 * Exit 1 on any protocol surprise (an error line, a gap in seq). */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct drv {
	int fd;
	char buf[1 << 16];
	size_t len;
	unsigned events;
	unsigned long long last_seq;
	int synced;
};

static uint64_t *samples;
static size_t nsamples, cap;

static uint64_t wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* "2026-12-06T02:45:22.497386Z" -> µs since the epoch; 0 if malformed. */
static uint64_t parse_time(const char *s)
{
	struct tm tm = {0};
	unsigned us;
	const char *rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);

	if (!rest || sscanf(rest, ".%6uZ", &us) != 1)
		return 0;
	return (uint64_t)timegm(&tm) * 1000000u + us;
}

static void sample(uint64_t v)
{
	if (nsamples == cap) {
		cap = cap ? 2 * cap : 4096;
		samples = realloc(samples, cap * sizeof(*samples));
		if (!samples)
			abort();
	}
	samples[nsamples++] = v;
}

/* One line of driver d; -1 on a surprise. */
static int line(struct drv *d, const char *l, uint64_t now)
{
	const char *t;

	if (strstr(l, "\"type\":\"error\"")) {
		fprintf(stderr, "error: %s\n", l);
		return -1;
	}
	if (strstr(l, "\"type\":\"synced\"")) {
		d->synced = 1;
		d->last_seq = strtoull(strstr(l, "\"seq\":") + 6, NULL, 10);
		return 0;
	}
	if (!strstr(l, "\"type\":\"event\"") || !(t = strstr(l, "\"time\":\"")))
		return 0;
	unsigned long long seq = strtoull(strstr(l, "\"seq\":") + 6, NULL, 10);
	if (seq != d->last_seq + 1) {
		fprintf(stderr, "gap: seq %llu after %llu\n", seq, d->last_seq);
		return -1;
	}
	d->last_seq = seq;
	uint64_t at = parse_time(t + 8);
	if (!at)
		return -1;
	sample(now > at ? now - at : 0);
	d->events++;
	return 0;
}

static int take(struct drv *d, uint64_t now)
{
	ssize_t n = recv(d->fd, d->buf + d->len, sizeof(d->buf) - 1 - d->len, MSG_DONTWAIT);
	char *start = d->buf, *nl;

	if (n <= 0)
		return n < 0 && errno == EAGAIN ? 0 : -1;
	d->len += (size_t)n;
	d->buf[d->len] = '\0';
	while ((nl = memchr(start, '\n', d->len - (size_t)(start - d->buf)))) {
		*nl = '\0';
		if (line(d, start, now) < 0)
			return -1;
		start = nl + 1;
	}
	d->len -= (size_t)(start - d->buf);
	memmove(d->buf, start, d->len);
	return 0;
}

static int cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	if (argc != 5) {
		fprintf(stderr, "usage: drv_latency SOCKET N EVENTS TIMEOUT_S\n");
		return 2;
	}
	int n = atoi(argv[2]);
	unsigned want = (unsigned)atoi(argv[3]);
	time_t until = time(NULL) + atoi(argv[4]);
	struct drv *d = calloc((size_t)n, sizeof(*d));
	int ep = epoll_create1(0), ready = 0;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[1]);
	for (int i = 0; i < n; i++) {
		char hello[128];
		struct epoll_event ev = {.events = EPOLLIN, .data.ptr = &d[i]};

		d[i].fd = socket(AF_UNIX, SOCK_STREAM, 0);
		if (d[i].fd < 0 || connect(d[i].fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
			perror("connect");
			return 1;
		}
		snprintf(hello, sizeof(hello), "{\"type\":\"hello\",\"protocol\":1,\"id\":\"lat-%d\"}\n", i);
		if (send(d[i].fd, hello, strlen(hello), 0) < 0)
			return 1;
		epoll_ctl(ep, EPOLL_CTL_ADD, d[i].fd, &ev);
	}
	for (;;) {
		struct epoll_event evs[1024];
		int k = epoll_wait(ep, evs, 1024, 200), done = 1;
		uint64_t now = wall_us();
		unsigned least = ~0u;

		for (int i = 0; i < k; i++)
			if (take(evs[i].data.ptr, now) < 0)
				return 1;
		for (int i = 0; i < n; i++) {
			done &= d[i].synced && d[i].events >= want;
			least = d[i].events < least ? d[i].events : least;
		}
		if (!ready) {
			int all = 1;
			for (int i = 0; i < n; i++)
				all &= d[i].synced;
			if (all) {
				printf("ready\n");
				fflush(stdout);
				ready = 1;
				nsamples = 0;
			}
		}
		if (done || time(NULL) > until) {
			qsort(samples, nsamples, sizeof(*samples), cmp);
			if (!nsamples) {
				printf("0 - - - 0\n");
				return 1;
			}
			printf("%zu %llu %llu %llu %u\n", nsamples,
			       (unsigned long long)samples[nsamples / 2],
			       (unsigned long long)samples[(nsamples * 99) / 100],
			       (unsigned long long)samples[nsamples - 1], least);
			return done ? 0 : 1;
		}
	}
}
