/* SPDX-License-Identifier: GPL-2.0-or-later */
/* advert_floor.c - the cost floor of a VRRP master, for scripts/bench-rest.sh:
 * one sendmsg of the very advert clustd would send (vrrp_encode,
 * vrrp_sock_send: same socket, same options) per timer wakeup
 * (clock_nanosleep to an absolute deadline), and nothing else: two system
 * calls per advert; and of a backup: one wait (with the Master_Down
 * timeout) and one recv per advert on a raw socket that joined the group,
 * nothing else. Run inside a namespace:
 *
 *   advert_floor IF SRC VRID PRIO INTERVAL_MS SECONDS
 *   advert_floor recv IF INTERVAL_MS SECONDS
 *
 * Prints "adverts N" (sent or received) at the end. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "addr.h"
#include "loop.h"
#include "packet.h"
#include "vrrp_sock.h"

static void nothing(void *arg, const struct vrrp_rx *rx)
{
	(void)arg;
	(void)rx;
}

/* The receive floor: until SECONDS passed, per advert one wait that
 * also times the Master_Down_Timer (epoll_pwait2 with its timeout, 3 x
 * the interval) and one recv: two system calls, the least a backup can
 * do. (A blocking recv alone, as before, is no backup: it cannot notice
 * a dead master.) */
static int recv_floor(const char *ifname, long interval_ms, long seconds)
{
	struct ip_mreqn mreq = { .imr_ifindex = (int)if_nametoindex(ifname) };
	struct timespec down = { .tv_sec = 3 * interval_ms / 1000,
				 .tv_nsec = 3 * interval_ms % 1000 * 1000000L };
	struct epoll_event ev = { .events = EPOLLIN };
	uint8_t buf[4096];
	long got = 0;
	int fd = socket(AF_INET, SOCK_RAW, VRRP_PROTO);
	int ep = epoll_create1(EPOLL_CLOEXEC);

	inet_pton(AF_INET, VRRP_MCAST4, &mreq.imr_multiaddr);
	if (fd < 0 || ep < 0 || !mreq.imr_ifindex ||
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) < 0 ||
	    setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof(mreq)) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return 1;
	time_t end = time(NULL) + seconds;
	while (time(NULL) < end)
		if (epoll_pwait2(ep, &ev, 1, &down, NULL) > 0)
			got += recv(fd, buf, sizeof(buf), MSG_DONTWAIT) > 0;
	printf("adverts %ld\n", got);
	close(ep);
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	struct vrrp_advert adv = { .version = 3, .type = VRRP_TYPE_ADVERT, .naddr = 1 };
	struct ip_addr src, dst;
	uint8_t msg[VRRP_MAX_PKT];
	struct timespec next;

	if (argc == 5 && strcmp(argv[1], "recv") == 0)
		return recv_floor(argv[2], atol(argv[3]), atol(argv[4]));
	if (argc != 7) {
		fprintf(stderr, "usage: advert_floor IF SRC VRID PRIO INTERVAL_MS SECONDS\n"
				"       advert_floor recv IF INTERVAL_MS SECONDS\n");
		return 2;
	}
	long interval_ms = atol(argv[5]), seconds = atol(argv[6]);
	struct loop *l = loop_new();
	int ifindex = (int)if_nametoindex(argv[1]);
	if (!l || !ifindex || !ip_addr_parse(argv[2], &src) || !ip_addr_parse(VRRP_MCAST4, &dst) ||
	    interval_ms < 10 || seconds < 1)
		return 2;
	adv.vrid = (uint8_t)atoi(argv[3]);
	adv.priority = (uint8_t)atoi(argv[4]);
	adv.interval_cs = (uint16_t)(interval_ms / 10);
	ip_addr_parse("198.51.100.100", &adv.addrs[0]);
	/* The socket joins the group like clustd's: its receive path costs
	 * the same (a master receives nothing but still owns the socket). */
	struct vrrp_sock *s = vrrp_sock_open(l, argv[1], ifindex, AF_INET, nothing, NULL);
	size_t len = vrrp_encode(&adv, AF_INET, &src, &dst, true, msg, sizeof(msg));
	if (!s || !len)
		return 1;
	long n = seconds * 1000 / interval_ms, sent = 0;
	clock_gettime(CLOCK_MONOTONIC, &next);
	for (long i = 0; i < n; i++) {
		next.tv_nsec += interval_ms * 1000000L;
		while (next.tv_nsec >= 1000000000L) {
			next.tv_nsec -= 1000000000L;
			next.tv_sec++;
		}
		while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL) == EINTR)
			;
		sent += vrrp_sock_send(s, &src, &dst, msg, len) == 0;
	}
	printf("adverts %ld\n", sent);
	vrrp_sock_close(s);
	loop_free(l);
	return 0;
}
