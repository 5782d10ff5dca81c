/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vrrp_flood.c - flood an interface with VRRPv3/IPv4 adverts clustd must
 * refuse, as fast as it can (or at --pps), for --seconds, from an
 * AF_PACKET socket (whole Ethernet frames to 01:00:5e:00:00:12, batches
 * of sendmmsg: no IP stack on the sender's side). Standalone (test and
 * bench tool; cc -O2 -o vrrp_flood vrrp_flood.c).
 *
 *   vrrp_flood --ifname eth0 --src 198.51.100.200 --vrid 51 [--seconds 3]
 *              [--pps N] [--kinds foreign,checksum,ttl]
 *
 * Kinds, sent in turn:
 *   foreign   valid adverts (TTL 255, right checksum) for VRIDs other than
 *             --vrid (every one but it, in turn)
 *   checksum  priority 254 adverts for --vrid with a wrong checksum
 *   ttl       priority 254 adverts for --vrid, right checksum, TTL 64
 * A kind that got through would make a backup (or the master) of --vrid
 * change state: that is the point.
 *
 * Prints one line: "sent N seconds S pps P kinds K". */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64
#define FRAME_LEN (14 + 20 + 8 + 4)

enum kind { K_FOREIGN, K_CHECKSUM, K_TTL, K__COUNT };
static const char *const kind_names[K__COUNT] = { "foreign", "checksum", "ttl" };

static uint16_t csum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)(p[n - 1] << 8);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* One frame: Ethernet, IPv4 (TTL ttl), VRRPv3 advert with one address
 * (the source); the checksum covers the pseudo-header (RFC 5798), made
 * wrong on request. */
static void frame(uint8_t *f, const uint8_t mac[6], struct in_addr src, uint8_t ttl,
		  uint8_t vrid, uint8_t prio, int bad_csum)
{
	static const uint8_t group_mac[6] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x12 };
	uint8_t *ip = f + 14, *v = ip + 20;
	uint32_t dst = htonl(0xe0000012); /* 224.0.0.18 */
	uint32_t ps = 0;

	memset(f, 0, FRAME_LEN);
	memcpy(f, group_mac, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x08;
	ip[0] = 0x45;
	ip[1] = 0xc0;
	ip[3] = 20 + 12;
	ip[8] = ttl;
	ip[9] = 112;
	memcpy(ip + 12, &src, 4);
	memcpy(ip + 16, &dst, 4);
	uint16_t ic = csum(ip, 20, 0);
	ip[10] = (uint8_t)(ic >> 8);
	ip[11] = (uint8_t)ic;
	v[0] = 0x31;
	v[1] = vrid;
	v[2] = prio;
	v[3] = 1;
	v[4] = 0x00;
	v[5] = 10; /* 100 ms */
	memcpy(v + 8, &src, 4);
	for (int i = 12; i < 20; i += 2)
		ps += (uint32_t)(ip[i] << 8 | ip[i + 1]);
	ps += 112 + 12;
	uint16_t vc = csum(v, 12, ps);
	if (bad_csum)
		vc ^= 0x5a5a;
	v[6] = (uint8_t)(vc >> 8);
	v[7] = (uint8_t)vc;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_kinds(const char *s)
{
	int mask = 0;
	char buf[128], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k;
		for (k = 0; k < K__COUNT && strcmp(t, kind_names[k]) != 0; k++)
			;
		if (k == K__COUNT)
			return -1;
		mask |= 1 << k;
	}
	return mask;
}

int main(int argc, char **argv)
{
	const char *ifname = NULL, *src_s = NULL;
	int vrid = -1, kinds = (1 << K__COUNT) - 1;
	double seconds = 3, pps = 0;

	for (int i = 1; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--ifname"))
			ifname = argv[i + 1];
		else if (!strcmp(argv[i], "--src"))
			src_s = argv[i + 1];
		else if (!strcmp(argv[i], "--vrid"))
			vrid = atoi(argv[i + 1]);
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--pps"))
			pps = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--kinds"))
			kinds = parse_kinds(argv[i + 1]);
		else
			break;
	}
	struct in_addr src;
	if (!ifname || !src_s || inet_pton(AF_INET, src_s, &src) != 1 || vrid < 1 || vrid > 255 ||
	    kinds <= 0 || seconds <= 0 || seconds > 120) {
		fprintf(stderr, "usage: vrrp_flood --ifname IF --src IPV4 --vrid N [--seconds S<=120] "
				"[--pps N] [--kinds foreign,checksum,ttl]\n");
		return 2;
	}
	int fd = socket(AF_PACKET, SOCK_RAW, 0);
	struct ifreq ifr = { 0 };
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd < 0 || ioctl(fd, SIOCGIFHWADDR, &ifr) < 0) {
		perror("vrrp_flood: socket/SIOCGIFHWADDR");
		return 1;
	}
	struct sockaddr_ll to = { .sll_family = AF_PACKET, .sll_ifindex = (int)if_nametoindex(ifname),
				  .sll_halen = 6 };
	uint8_t mac[6];
	memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);

	/* A ring of frames, the kinds in turn, foreign VRIDs cycling. */
	static uint8_t frames[BATCH * K__COUNT * 4][FRAME_LEN];
	size_t nframes = 0;
	int foreign = 1;
	while (nframes < sizeof(frames) / sizeof(frames[0])) {
		for (int k = 0; k < K__COUNT && nframes < sizeof(frames) / sizeof(frames[0]); k++) {
			if (!(kinds & (1 << k)))
				continue;
			if (k == K_FOREIGN) {
				if (foreign == vrid)
					foreign = foreign % 255 + 1;
				frame(frames[nframes++], mac, src, 255, (uint8_t)foreign, 100, 0);
				foreign = foreign % 255 + 1;
			} else {
				frame(frames[nframes++], mac, src, k == K_TTL ? 64 : 255, (uint8_t)vrid, 254,
				      k == K_CHECKSUM);
			}
		}
	}
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	unsigned long long sent = 0;
	size_t at = 0;
	double t0 = now_s(), t;

	while ((t = now_s()) - t0 < seconds) {
		if (pps > 0 && (double)sent > pps * (t - t0)) {
			struct timespec ts = { 0, 200000 };
			nanosleep(&ts, NULL);
			continue;
		}
		for (int i = 0; i < BATCH; i++) {
			iov[i] = (struct iovec){ frames[at], FRAME_LEN };
			msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_name = &to, .msg_namelen = sizeof(to),
								  .msg_iov = &iov[i], .msg_iovlen = 1 } };
			at = (at + 1) % nframes;
		}
		int n = sendmmsg(fd, msgs, BATCH, 0);
		if (n < 0 && errno != ENOBUFS && errno != EAGAIN) {
			perror("vrrp_flood: sendmmsg");
			return 1;
		}
		if (n > 0)
			sent += (unsigned)n;
	}
	t = now_s() - t0;
	printf("sent %llu seconds %.2f pps %.0f kinds %s%s%s\n", sent, t, (double)sent / t,
	       kinds & 1 ? "foreign," : "", kinds & 2 ? "checksum," : "", kinds & 4 ? "ttl" : "");
	close(fd);
	return 0;
}
