/* SPDX-License-Identifier: GPL-2.0-or-later */
/* edge_probe.c - drive the kernel I/O edges (netlink.c, announce.c,
 * vrrp_sock.c) one operation at a time, for t/net/test_edges.sh. Meant to
 * run inside a test namespace. Prints one result line; exit 0 = success.
 *
 *   edge_probe addr-add IF VIP LIFETIME_S     nlk_addr_add
 *   edge_probe addr-del IF VIP                nlk_addr_del
 *   edge_probe addr-present IF VIP            exit 0 if present, 1 if not
 *   edge_probe primary IF 4|6 [SKIP_VIP...]   print nlk_primary_addr
 *   edge_probe link IF                        print "mac XX:.. up|down"
 *   edge_probe announce IF VIP                one GARP / UNA
 *   edge_probe send IF 4|6 DST [VRID]         one VRRPv3 advert (prio 100)
 *   edge_probe recv IF 4|6 TIMEOUT_MS [N]     print up to N received adverts
 *   edge_probe watch TIMEOUT_MS               print link events
 * recv and watch print "ready" once listening, then one line per event. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "announce.h"
#include "log.h"
#include "clock.h"
#include "loop.h"
#include "netlink.h"
#include "packet.h"
#include "vrrp_sock.h"

struct probe {
	struct loop *loop;
	struct loop_timer deadline;
	int want, got;
};

static int usage(void)
{
	fprintf(stderr, "usage: see the comment at the top of t/tools/edge_probe.c\n");
	return 2;
}

static int need_ifindex(struct nlk *n, const char *ifname)
{
	int ifindex = nlk_ifindex(n, ifname);

	if (ifindex <= 0)
		fprintf(stderr, "no interface %s\n", ifname);
	return ifindex;
}

static bool parse_vip(const char *s, struct vip *v)
{
	if (vip_parse(s, v))
		return true;
	fprintf(stderr, "bad address %s\n", s);
	return false;
}

static sa_family_t parse_family(const char *s)
{
	return strcmp(s, "6") == 0 ? AF_INET6 : AF_INET;
}

static int cmd_addr(struct nlk *n, int argc, char **argv)
{
	struct vip v;
	int ifindex;

	if (argc < 4 || !(ifindex = need_ifindex(n, argv[2])) || !parse_vip(argv[3], &v))
		return usage();
	if (strcmp(argv[1], "addr-present") == 0) {
		bool present = nlk_addr_present(n, ifindex, &v);
		printf("%s\n", present ? "present" : "absent");
		return present ? 0 : 1;
	}
	int err;
	if (strcmp(argv[1], "addr-add") == 0)
		err = nlk_addr_add(n, ifindex, &v, argc > 4 ? (uint32_t)atoi(argv[4]) : 0);
	else
		err = nlk_addr_del(n, ifindex, &v);
	printf("%s %d\n", argv[1], err);
	return err ? 1 : 0;
}

static int cmd_primary(struct nlk *n, int argc, char **argv)
{
	struct vip skip[8];
	struct ip_addr out;
	char buf[IP_ADDR_STRLEN];
	int ifindex;
	size_t nskip = 0;

	if (argc < 4 || !(ifindex = need_ifindex(n, argv[2])))
		return usage();
	for (int i = 4; i < argc && nskip < 8; i++)
		if (!parse_vip(argv[i], &skip[nskip++]))
			return usage();
	int err = nlk_primary_addr(n, ifindex, parse_family(argv[3]), skip, nskip, &out);
	if (err) {
		printf("primary error %d\n", err);
		return 1;
	}
	printf("primary %s\n", ip_addr_str(&out, buf));
	return 0;
}

static int cmd_link(struct nlk *n, int argc, char **argv)
{
	uint8_t mac[6];
	bool up;
	int ifindex;

	if (argc < 3 || !(ifindex = need_ifindex(n, argv[2])))
		return usage();
	if (nlk_link_mac(n, ifindex, mac) || nlk_link_is_up(n, ifindex, &up))
		return 1;
	printf("ifindex %d mac %02x:%02x:%02x:%02x:%02x:%02x %s\n", ifindex, mac[0], mac[1],
	       mac[2], mac[3], mac[4], mac[5], up ? "up" : "down");
	return 0;
}

static int cmd_announce(struct nlk *n, int argc, char **argv)
{
	struct ip_addr src = { .family = AF_UNSPEC };
	uint8_t mac[6];
	struct vip v;
	int ifindex;

	if (argc < 4 || !(ifindex = need_ifindex(n, argv[2])) || !parse_vip(argv[3], &v))
		return usage();
	if (nlk_link_mac(n, ifindex, mac))
		return 1;
	if (v.addr.family == AF_INET6 && nlk_primary_addr(n, ifindex, AF_INET6, NULL, 0, &src))
		return 1;
	struct announcer *a = announcer_open();
	if (!a)
		return 1;
	int err = announce_send(a, ifindex, mac, &src, &v.addr);
	announcer_close(a);
	printf("announce %d\n", err);
	return err ? 1 : 0;
}

static void ignore_rx(void *arg, const struct vrrp_rx *rx)
{
	(void)arg;
	(void)rx;
}

static int cmd_send(struct nlk *n, struct loop *l, int argc, char **argv)
{
	struct vrrp_advert adv = { .version = 3, .type = VRRP_TYPE_ADVERT, .priority = 100,
				   .interval_cs = 100, .naddr = 1 };
	struct ip_addr src, dst;
	uint8_t msg[VRRP_MAX_PKT];
	int ifindex;

	if (argc < 5 || !(ifindex = need_ifindex(n, argv[2])) || !ip_addr_parse(argv[4], &dst))
		return usage();
	sa_family_t family = parse_family(argv[3]);
	adv.vrid = (uint8_t)(argc > 5 ? atoi(argv[5]) : 51);
	ip_addr_parse(family == AF_INET ? "198.51.100.100" : "fe80::51", &adv.addrs[0]);
	if (nlk_primary_addr(n, ifindex, family, NULL, 0, &src))
		return 1;
	size_t len = vrrp_encode(&adv, family, &src, &dst, true, msg, sizeof(msg));
	struct vrrp_sock *s = vrrp_sock_open(l, argv[2], ifindex, family, ignore_rx, NULL);
	if (!len || !s)
		return 1;
	int err = vrrp_sock_send(s, &src, &dst, msg, len);
	vrrp_sock_close(s);
	printf("send %d\n", err);
	return err ? 1 : 0;
}

static void on_deadline(void *arg)
{
	struct probe *p = arg;

	loop_stop(p->loop);
}

static void print_rx(void *arg, const struct vrrp_rx *rx)
{
	struct probe *p = arg;
	struct vrrp_advert adv;
	char s[IP_ADDR_STRLEN], d[IP_ADDR_STRLEN];

	enum vrrp_drop why = vrrp_decode(rx, true, &adv);
	printf("rx src %s dst %s ttl %d len %zu decode %s vrid %u\n", ip_addr_str(&rx->src, s),
	       ip_addr_str(&rx->dst, d), rx->ttl, rx->len, vrrp_drop_name(why),
	       why == VRRP_OK ? adv.vrid : 0);
	fflush(stdout);
	if (++p->got >= p->want)
		loop_stop(p->loop);
}

static void print_link(void *arg, int ifindex, bool up)
{
	(void)arg;
	printf("link %d %s\n", ifindex, up ? "up" : "down");
	fflush(stdout);
}

static void run_until(struct probe *p, const char *timeout_ms)
{
	p->deadline.fn = on_deadline;
	p->deadline.arg = p;
	loop_timer_arm(p->loop, &p->deadline, mono_now_us() + 1000ull * (uint64_t)atoi(timeout_ms));
	printf("ready\n");
	fflush(stdout);
	loop_run(p->loop);
	loop_timer_cancel(p->loop, &p->deadline);
}

static int cmd_recv(struct nlk *n, struct loop *l, int argc, char **argv)
{
	struct probe p = { .loop = l, .want = 1 };
	int ifindex;

	if (argc < 5 || !(ifindex = need_ifindex(n, argv[2])))
		return usage();
	if (argc > 5)
		p.want = atoi(argv[5]);
	struct vrrp_sock *s = vrrp_sock_open(l, argv[2], ifindex, parse_family(argv[3]),
					     print_rx, &p);
	if (!s)
		return 1;
	run_until(&p, argv[4]);
	vrrp_sock_close(s);
	return p.got > 0 ? 0 : 1;
}

static int cmd_watch(struct loop *l, int argc, char **argv)
{
	struct probe p = { .loop = l };

	if (argc < 3)
		return usage();
	struct nlk_watch *w = nlk_watch_open(l, print_link, NULL, &p);
	if (!w)
		return 1;
	run_until(&p, argv[2]);
	nlk_watch_close(w);
	return 0;
}

static int dispatch(struct nlk *n, struct loop *l, int argc, char **argv)
{
	const char *cmd = argv[1];

	if (strncmp(cmd, "addr-", 5) == 0)
		return cmd_addr(n, argc, argv);
	if (strcmp(cmd, "primary") == 0)
		return cmd_primary(n, argc, argv);
	if (strcmp(cmd, "link") == 0)
		return cmd_link(n, argc, argv);
	if (strcmp(cmd, "announce") == 0)
		return cmd_announce(n, argc, argv);
	if (strcmp(cmd, "send") == 0)
		return cmd_send(n, l, argc, argv);
	if (strcmp(cmd, "recv") == 0)
		return cmd_recv(n, l, argc, argv);
	if (strcmp(cmd, "watch") == 0)
		return cmd_watch(l, argc, argv);
	return usage();
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	log_init("edge_probe", true, LOG_DEBUG);
	struct nlk *n = nlk_open();
	struct loop *l = loop_new();
	int rc = n && l ? dispatch(n, l, argc, argv) : 1;
	loop_free(l);
	nlk_close(n);
	return rc;
}
