/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_rx_filter.c - the VRRP receive socket's kernel filter
 * (src/rx_filter.c): the generated programs are run on crafted packets
 * twice, by a small classic-BPF interpreter here (which also gives IPv6's
 * hop limit through the network header) and, for IPv4, by the kernel
 * itself: the program attached to an AF_UNIX datagram socket sees each
 * message as a raw IPv4 socket sees a packet (IP header first), and the
 * receiver reads what the filter kept. Then what user space makes of a
 * cut datagram (rx_filter_cut_reason). */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/ip.h>
#include <sys/socket.h>

#include "rx_filter.h"
#include "testutil.h"

/* ---- a classic BPF interpreter (the opcodes a filter may use) ---------- */

struct bpf_pkt {
	const uint8_t *data; /* what the socket sees: offset 0 */
	size_t len;
	const uint8_t *net;  /* the network header (SKF_NET_OFF loads) */
	size_t net_len;
};

static bool load(const struct bpf_pkt *p, uint32_t k, size_t size, uint32_t *v)
{
	const uint8_t *base = p->data;
	size_t len = p->len;

	if (k >= (uint32_t)SKF_NET_OFF && k < (uint32_t)SKF_AD_OFF) {
		base = p->net;
		len = p->net_len;
		k -= (uint32_t)SKF_NET_OFF;
	}
	if (!base || k > len || size > len - k)
		return false;
	*v = 0;
	for (size_t i = 0; i < size; i++)
		*v = (*v << 8) | base[k + i];
	return true;
}

static uint32_t alu(uint16_t op, uint32_t a, uint32_t b)
{
	switch (op) {
	case BPF_ADD: return a + b;
	case BPF_SUB: return a - b;
	case BPF_AND: return a & b;
	case BPF_OR: return a | b;
	case BPF_LSH: return b < 32 ? a << b : 0;
	case BPF_RSH: return b < 32 ? a >> b : 0;
	}
	ck_abort_msg("unexpected ALU op %#x", op);
	return 0;
}

static size_t ld_size(uint16_t code)
{
	return BPF_SIZE(code) == BPF_B ? 1 : BPF_SIZE(code) == BPF_H ? 2 : 4;
}

/* Runs prog on p: the verdict (bytes kept; 0 = dropped). Aborts the test
 * on what the kernel's checker would refuse (a jump out of the program,
 * falling off its end, a scratch word read before written). */
static uint32_t bpf_run(const struct sock_filter *prog, size_t n, const struct bpf_pkt *p)
{
	uint32_t a = 0, x = 0, mem[BPF_MEMWORDS] = { 0 }, v;
	bool stored[BPF_MEMWORDS] = { false };

	for (size_t pc = 0; pc < n; pc++) {
		const struct sock_filter *f = &prog[pc];

		switch (BPF_CLASS(f->code)) {
		case BPF_LD:
			if (BPF_MODE(f->code) == BPF_LEN)
				a = (uint32_t)p->len;
			else if (BPF_MODE(f->code) == BPF_IMM)
				a = f->k;
			else if (BPF_MODE(f->code) == BPF_MEM) {
				ck_assert(stored[f->k]);
				a = mem[f->k];
			} else if (BPF_MODE(f->code) == BPF_ABS || BPF_MODE(f->code) == BPF_IND) {
				uint32_t k = f->k + (BPF_MODE(f->code) == BPF_IND ? x : 0);
				if (!load(p, k, ld_size(f->code), &a))
					return 0;
			} else
				ck_abort_msg("unexpected LD mode at %zu", pc);
			break;
		case BPF_LDX:
			if (BPF_MODE(f->code) == BPF_MSH) {
				if (!load(p, f->k, 1, &v))
					return 0;
				x = (v & 0xf) * 4;
			} else if (BPF_MODE(f->code) == BPF_IMM)
				x = f->k;
			else
				ck_abort_msg("unexpected LDX mode at %zu", pc);
			break;
		case BPF_ST:
			mem[f->k] = a;
			stored[f->k] = true;
			break;
		case BPF_ALU:
			a = alu(BPF_OP(f->code), a, BPF_SRC(f->code) == BPF_X ? x : f->k);
			break;
		case BPF_JMP: {
			size_t skip;
			if (BPF_OP(f->code) == BPF_JA) {
				skip = f->k;
			} else {
				uint32_t b = BPF_SRC(f->code) == BPF_X ? x : f->k;
				bool t = BPF_OP(f->code) == BPF_JEQ ? a == b :
					 BPF_OP(f->code) == BPF_JGT ? a > b :
					 BPF_OP(f->code) == BPF_JGE ? a >= b : (a & b) != 0;
				skip = t ? f->jt : f->jf;
			}
			ck_assert_msg(pc + 1 + skip < n, "jump out of the program at %zu", pc);
			pc += skip;
			break;
		}
		case BPF_RET:
			return BPF_RVAL(f->code) == BPF_A ? a : f->k;
		case BPF_MISC:
			if (BPF_MISCOP(f->code) == BPF_TAX)
				x = a;
			else
				a = x;
			break;
		}
	}
	ck_abort_msg("fell off the end of the program");
	return 0;
}

/* ---- crafted packets --------------------------------------------------- */

/* An IPv4 packet as a raw socket gets it: header (ihl words, options
 * zero), then payload_len bytes of VRRP starting with byte0, vrid. */
static size_t ipv4_packet(uint8_t *buf, unsigned ihl, uint8_t ttl, uint8_t byte0, uint8_t vrid,
			  size_t payload_len)
{
	size_t hlen = ihl * 4, total = hlen + payload_len;

	memset(buf, 0, total);
	buf[0] = (uint8_t)(0x40 | ihl);
	buf[2] = (uint8_t)(total >> 8);
	buf[3] = (uint8_t)total;
	buf[8] = ttl;
	buf[9] = VRRP_PROTO;
	memcpy(buf + 12, (const uint8_t[]){ 198, 51, 100, 7, 224, 0, 0, 18 }, 8);
	if (payload_len > 0)
		buf[hlen] = byte0;
	if (payload_len > 1)
		buf[hlen + 1] = vrid;
	for (size_t i = 2; i < payload_len; i++)
		buf[hlen + i] = (uint8_t)(0xa0 + i);
	return total;
}

static struct sock_filter prog4[RX_FILTER_MAX_INSNS], prog6[RX_FILTER_MAX_INSNS];
static size_t n4, n6;

static void build(const struct rx_filter_set *set)
{
	n4 = rx_filter_build(AF_INET, set, prog4, RX_FILTER_MAX_INSNS);
	n6 = rx_filter_build(AF_INET6, set, prog6, RX_FILTER_MAX_INSNS);
	ck_assert_uint_gt(n4, 0);
	ck_assert_uint_gt(n6, 0);
}

static uint32_t run4(unsigned ihl, uint8_t ttl, uint8_t byte0, uint8_t vrid, size_t payload)
{
	uint8_t buf[128];
	size_t len = ipv4_packet(buf, ihl, ttl, byte0, vrid, payload);
	struct bpf_pkt p = { .data = buf, .len = len, .net = buf, .net_len = len };

	return bpf_run(prog4, n4, &p);
}

/* IPv6: the socket sees the VRRP message; the hop limit is byte 7 of the
 * network header. */
static uint32_t run6(uint8_t hops, uint8_t byte0, uint8_t vrid, size_t payload)
{
	uint8_t ip6[40] = { 0x60 }, msg[64] = { 0 };
	struct bpf_pkt p = { .data = msg, .len = payload, .net = ip6, .net_len = sizeof(ip6) };

	ip6[6] = VRRP_PROTO;
	ip6[7] = hops;
	msg[0] = byte0;
	msg[1] = vrid;
	return bpf_run(prog6, n6, &p);
}

#define WHOLE(v, len) ck_assert_uint_ge((v), (len))

/* ---- the tests ---------------------------------------------------------- */

/* Every VRID, both versions, against a set with members in several words
 * and at the edges: kept whole iff (version, VRID) is in the set; cut to
 * the IP header + 3 otherwise. */
START_TEST(test_vrid_sets_exhaustive)
{
	struct rx_filter_set set = { 0 };
	static const uint8_t v3[] = { 0, 1, 31, 32, 33, 100, 200, 255 };
	static const uint8_t v2[] = { 7, 64, 254 };

	for (size_t i = 0; i < sizeof(v3); i++)
		rx_filter_set_add(&set, 3, v3[i]);
	for (size_t i = 0; i < sizeof(v2); i++)
		rx_filter_set_add(&set, 2, v2[i]);
	build(&set);
	for (unsigned vrid = 0; vrid < 256; vrid++) {
		bool in3 = memchr(v3, (int)vrid, sizeof(v3)) != NULL;
		bool in2 = memchr(v2, (int)vrid, sizeof(v2)) != NULL;
		uint32_t r3 = run4(5, 255, 0x31, (uint8_t)vrid, 16);
		uint32_t r2 = run4(5, 255, 0x21, (uint8_t)vrid, 24);
		uint32_t r6 = run6(255, 0x31, (uint8_t)vrid, 24);

		ck_assert_msg(in3 ? r3 >= 36 : r3 == 20 + RX_FILTER_CUT_LEN, "v3 vrid %u: %u", vrid, r3);
		ck_assert_msg(in2 ? r2 >= 44 : r2 == 20 + RX_FILTER_CUT_LEN, "v2 vrid %u: %u", vrid, r2);
		ck_assert_msg(in3 ? r6 >= 24 : r6 == RX_FILTER_CUT_LEN, "v6 vrid %u: %u", vrid, r6);
		/* VRRPv2 over IPv6 is never ours, even for a v2 VRID. */
		ck_assert_uint_eq(run6(255, 0x21, (uint8_t)vrid, 24), RX_FILTER_CUT_LEN);
	}
}
END_TEST

/* TTL / hop limit other than 255 is cut for a VRID we run; IPv4 options
 * move the VRRP message, and the cut keeps the whole IP header. */
START_TEST(test_ttl_and_options)
{
	struct rx_filter_set set = { 0 };

	rx_filter_set_add(&set, 3, 42);
	build(&set);
	WHOLE(run4(5, 255, 0x31, 42, 16), 36);
	WHOLE(run4(6, 255, 0x31, 42, 16), 40);
	ck_assert_uint_eq(run4(5, 64, 0x31, 42, 16), 23);
	ck_assert_uint_eq(run4(5, 254, 0x31, 42, 16), 23);
	ck_assert_uint_eq(run4(6, 1, 0x31, 42, 16), 24 + 3);
	ck_assert_uint_eq(run4(15, 0, 0x31, 42, 16), 60 + 3);
	/* with options, the VRID is read after them */
	ck_assert_uint_eq(run4(6, 255, 0x31, 43, 16), 27);
	WHOLE(run6(255, 0x31, 42, 24), 24);
	ck_assert_uint_eq(run6(64, 0x31, 42, 24), 3);
}
END_TEST

/* Other versions and types are cut; so is everything with an empty set. */
START_TEST(test_version_type_empty)
{
	struct rx_filter_set set = { 0 };

	rx_filter_set_add(&set, 3, 9);
	build(&set);
	ck_assert_uint_eq(run4(5, 255, 0x41, 9, 16), 23);
	ck_assert_uint_eq(run4(5, 255, 0x32, 9, 16), 23);
	ck_assert_uint_eq(run4(5, 255, 0x21, 9, 16), 23); /* v2 packet, v3 instance */
	ck_assert_uint_eq(run6(255, 0x11, 9, 24), 3);
	memset(&set, 0, sizeof(set));
	build(&set);
	for (unsigned vrid = 0; vrid < 256; vrid += 51)
		ck_assert_uint_eq(run4(5, 255, 0x31, (uint8_t)vrid, 16), 23);
}
END_TEST

/* Shorter than a VRRP header: 0..2 bytes kept whole, 3..7 cut to 2, so
 * that a 3-byte VRRP payload is always the filter's cut. */
START_TEST(test_short_packets)
{
	struct rx_filter_set set = { 0 };

	rx_filter_set_add(&set, 3, 1);
	build(&set);
	for (size_t len = 0; len < 8; len++) {
		uint32_t want4 = 20 + (uint32_t)(len < 3 ? len : RX_FILTER_SHORT_LEN);
		uint32_t r4 = run4(5, 255, 0x31, 1, len), r6 = run6(255, 0x31, 1, len);

		if (len < 3) {
			WHOLE(r4, want4);
			WHOLE(r6, len);
		} else {
			ck_assert_uint_eq(r4, want4);
			ck_assert_uint_eq(r6, RX_FILTER_SHORT_LEN);
		}
	}
	WHOLE(run4(5, 255, 0x31, 1, 8), 28); /* a header's worth goes on */
}
END_TEST

/* 255 VRIDs of each version: the largest program fits, its jumps reach;
 * too small a buffer gives 0. */
START_TEST(test_full_sets_and_capacity)
{
	struct rx_filter_set set = { 0 };
	struct sock_filter small[16];

	for (unsigned v = 1; v < 256; v++) {
		rx_filter_set_add(&set, 3, (uint8_t)v);
		rx_filter_set_add(&set, 2, (uint8_t)v);
	}
	build(&set);
	ck_assert_uint_le(n4, RX_FILTER_MAX_INSNS);
	for (unsigned vrid = 0; vrid < 256; vrid++) {
		uint32_t r = run4(5, 255, 0x31, (uint8_t)vrid, 16);
		ck_assert(vrid == 0 ? r == 23 : r >= 36);
	}
	ck_assert_uint_eq(rx_filter_build(AF_INET, &set, small, 16), 0);
	ck_assert(!rx_filter_set_equal(&set, &(struct rx_filter_set){ 0 }));
}
END_TEST

/* The kernel's own verdict: each program passes its checker, and a raw
 * IPv4 layout sent through an AF_UNIX datagram socket with the filter
 * attached arrives whole or cut exactly as the interpreter said. */
static ssize_t through_kernel(int tx, int rx, const uint8_t *pkt, size_t len, uint8_t *out)
{
	ck_assert_int_eq(send(tx, pkt, len, 0), (ssize_t)len);
	return recv(rx, out, 256, MSG_DONTWAIT);
}

START_TEST(test_kernel_agrees_ipv4)
{
	struct rx_filter_set set = { 0 };
	int sv[2];
	uint8_t pkt[128], got[256];

	rx_filter_set_add(&set, 3, 5);
	rx_filter_set_add(&set, 3, 77);
	rx_filter_set_add(&set, 2, 200);
	build(&set);
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
	struct sock_fprog fp = { .len = (unsigned short)n4, .filter = prog4 };
	ck_assert_msg(setsockopt(sv[1], SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp)) == 0,
		      "the kernel refused the program: %s", strerror(errno));
	struct sock_fprog fp6 = { .len = (unsigned short)n6, .filter = prog6 };
	ck_assert_int_eq(setsockopt(sv[0], SOL_SOCKET, SO_ATTACH_FILTER, &fp6, sizeof(fp6)), 0);

	static const struct { unsigned ihl; uint8_t ttl, byte0, vrid; size_t payload; } c[] = {
		{ 5, 255, 0x31, 5, 16 }, { 5, 255, 0x31, 77, 20 }, { 5, 255, 0x31, 6, 16 },
		{ 5, 64, 0x31, 5, 16 }, { 6, 255, 0x31, 77, 16 }, { 6, 255, 0x21, 200, 24 },
		{ 5, 255, 0x31, 200, 16 }, { 5, 255, 0x22, 200, 24 }, { 5, 255, 0x31, 5, 2 },
		{ 5, 255, 0x31, 5, 3 }, { 5, 255, 0x31, 5, 7 }, { 7, 255, 0x51, 5, 40 },
	};
	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		size_t len = ipv4_packet(pkt, c[i].ihl, c[i].ttl, c[i].byte0, c[i].vrid, c[i].payload);
		uint32_t want = run4(c[i].ihl, c[i].ttl, c[i].byte0, c[i].vrid, c[i].payload);
		ssize_t n = through_kernel(sv[0], sv[1], pkt, len, got);

		ck_assert_int_eq(n, (ssize_t)(want < len ? want : len));
		ck_assert_int_eq(memcmp(got, pkt, (size_t)n), 0);
	}
	close(sv[0]);
	close(sv[1]);
}
END_TEST

/* What user space counts for a cut datagram, in the decoder's order. */
START_TEST(test_cut_reason)
{
	uint8_t d[3] = { 0x31, 9, 100 };
	struct vrrp_rx rx = { .family = AF_INET, .ttl = 255, .data = d, .len = 3, .cut = true };

	ck_assert_int_eq(rx_filter_cut_reason(&rx, 0), VRRP_DROP_VRID);
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 2), VRRP_DROP_VERSION);
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 3), VRRP_DROP_VRID); /* an older set's cut */
	rx.ttl = 64;
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 3), VRRP_DROP_TTL);
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 0), VRRP_DROP_TTL);
	rx.ttl = 255;
	d[0] = 0x41;
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 3), VRRP_DROP_VERSION);
	d[0] = 0x33;
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 3), VRRP_DROP_TYPE);
	d[0] = 0x21;
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 2), VRRP_DROP_VRID);
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 3), VRRP_DROP_VERSION);
	rx.family = AF_INET6;
	ck_assert_int_eq(rx_filter_cut_reason(&rx, 2), VRRP_DROP_FAMILY);
}
END_TEST

static Suite *rx_filter_suite(void)
{
	Suite *s = suite_create("rx_filter");
	TCase *tc = tcase_create("filter");

	tcase_add_test(tc, test_vrid_sets_exhaustive);
	tcase_add_test(tc, test_ttl_and_options);
	tcase_add_test(tc, test_version_type_empty);
	tcase_add_test(tc, test_short_packets);
	tcase_add_test(tc, test_full_sets_and_capacity);
	tcase_add_test(tc, test_kernel_agrees_ipv4);
	tcase_add_test(tc, test_cut_reason);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(rx_filter_suite)
