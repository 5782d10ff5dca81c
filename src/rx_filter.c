/* SPDX-License-Identifier: GPL-2.0-or-later */
/* rx_filter.c - build the classic BPF program of a VRRP receive socket
 * (rx_filter.h says what it keeps and what it cuts).
 *
 * The program, for IPv4 (X = IP header length; IPv6 reads at offset 0
 * and the hop limit through the network header, SKF_NET_OFF):
 *
 *     payload = len - X
 *     payload < 3:  accept            (whole: shorter than our cut)
 *     payload < 8:  cut to X + 2      (too short to be an advert)
 *     TTL != 255:   reject
 *     byte 0 == 0x31: VRID in the v3 set? accept : reject
 *     byte 0 == 0x21 (IPv4 only): VRID in the v2 set? accept : reject
 *     otherwise:    reject
 *     reject: cut to X + 3
 *
 * A VRID set is a 256-bit bitmap: the word (VRID >> 5) is chosen by a
 * chain of compares over the non-empty words, the bit by 1 << (VRID & 31). */
#include "rx_filter.h"

#include <string.h>

#define ACCEPT_LEN 0x40000u /* more than any packet: keep it whole */
#define TTL_OFF_V4 8
#define HOPLIMIT_OFF_V6 7

void rx_filter_set_add(struct rx_filter_set *s, uint8_t version, uint8_t vrid)
{
	uint32_t *w = version == 2 ? s->v2 : version == 3 ? s->v3 : NULL;

	if (w)
		w[vrid >> 5] |= 1u << (vrid & 31);
}

bool rx_filter_set_equal(const struct rx_filter_set *a, const struct rx_filter_set *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

/* ---- a small assembler with forward labels --------------------------- */

enum label {
	L_NONE,
	L_NEXT, /* the next instruction */
	L_ACCEPT,
	L_REJECT,
	L_CUT_SHORT,
	L_LONG,
	L_V3,
	L_V2,
	L_WORD3, /* + word index: 8 labels */
	L_WORD2 = L_WORD3 + 8,
	L__COUNT = L_WORD2 + 8
};

struct insn {
	struct sock_filter f;
	enum label jt, jf, ja; /* targets to resolve (L_NONE: f is final) */
};

struct prog {
	struct insn in[RX_FILTER_MAX_INSNS];
	size_t n;
	size_t at[L__COUNT]; /* where each label is */
	bool overflow;
};

static void emit(struct prog *p, uint16_t code, uint32_t k, enum label jt, enum label jf)
{
	if (p->n >= RX_FILTER_MAX_INSNS) {
		p->overflow = true;
		return;
	}
	p->in[p->n++] = (struct insn){ .f = { .code = code, .k = k }, .jt = jt, .jf = jf };
}

static void stmt(struct prog *p, uint16_t code, uint32_t k)
{
	emit(p, code, k, L_NONE, L_NONE);
}

static void jump(struct prog *p, uint16_t code, uint32_t k, enum label jt, enum label jf)
{
	emit(p, BPF_JMP | code | BPF_K, k, jt, jf);
}

static void jump_always(struct prog *p, enum label to)
{
	emit(p, BPF_JMP | BPF_JA, 0, L_NONE, L_NONE);
	if (!p->overflow)
		p->in[p->n - 1].ja = to;
}

static void label(struct prog *p, enum label l)
{
	p->at[l] = p->n;
}

/* Offset from the instruction after i to label l; false if out of reach
 * (conditional jumps reach 255 ahead). Only forward jumps exist. */
static bool offset(const struct prog *p, size_t i, enum label l, uint32_t max, uint32_t *off)
{
	size_t to = l == L_NEXT ? i + 1 : p->at[l];

	if (to <= i || to - i - 1 > max)
		return false;
	*off = (uint32_t)(to - i - 1);
	return true;
}

static size_t resolve(const struct prog *p, struct sock_filter *out, size_t cap)
{
	if (p->overflow || p->n > cap)
		return 0;
	for (size_t i = 0; i < p->n; i++) {
		const struct insn *in = &p->in[i];
		uint32_t off;

		out[i] = in->f;
		if (in->ja != L_NONE) {
			if (!offset(p, i, in->ja, UINT32_MAX, &off))
				return 0;
			out[i].k = off;
		}
		if (in->jt != L_NONE) {
			if (!offset(p, i, in->jt, 255, &off))
				return 0;
			out[i].jt = (uint8_t)off;
		}
		if (in->jf != L_NONE) {
			if (!offset(p, i, in->jf, 255, &off))
				return 0;
			out[i].jf = (uint8_t)off;
		}
	}
	return p->n;
}

/* ---- the program ------------------------------------------------------ */

/* A = the byte at VRRP offset off (IPv4: after the X-long IP header). */
static void load_vrrp_byte(struct prog *p, bool v4, uint32_t off)
{
	stmt(p, BPF_LD | BPF_B | (v4 ? BPF_IND : BPF_ABS), off);
}

/* X = the IP header's length (IPv4); 0 for IPv6, whose packet starts
 * with the VRRP message. */
static void load_header_len(struct prog *p, bool v4)
{
	if (v4)
		stmt(p, BPF_LDX | BPF_B | BPF_MSH, 0);
	else
		stmt(p, BPF_LDX | BPF_IMM, 0);
}

/* Keep the IP header and n bytes of VRRP. Clobbers X's meaning only
 * after the return. */
static void cut_to(struct prog *p, bool v4, uint32_t n)
{
	load_header_len(p, v4);
	stmt(p, BPF_MISC | BPF_TXA, 0);
	stmt(p, BPF_ALU | BPF_ADD | BPF_K, n);
	stmt(p, BPF_RET | BPF_A, 0);
}

/* With A = VRID: accept if its bit is in words, else reject. */
static void vrid_test(struct prog *p, const uint32_t words[8], enum label word_base)
{
	stmt(p, BPF_ST, 0);                      /* M[0] = VRID */
	stmt(p, BPF_ALU | BPF_RSH | BPF_K, 5);   /* A = word index */
	for (int w = 0; w < 8; w++)
		if (words[w])
			jump(p, BPF_JEQ, (uint32_t)w, (enum label)(word_base + w), L_NEXT);
	jump_always(p, L_REJECT);
	for (int w = 0; w < 8; w++) {
		if (!words[w])
			continue;
		label(p, (enum label)(word_base + w));
		stmt(p, BPF_LD | BPF_MEM, 0);
		stmt(p, BPF_ALU | BPF_AND | BPF_K, 31);
		stmt(p, BPF_MISC | BPF_TAX, 0);
		stmt(p, BPF_LD | BPF_IMM, 1);
		stmt(p, BPF_ALU | BPF_LSH | BPF_X, 0);
		jump(p, BPF_JSET, words[w], L_ACCEPT, L_REJECT);
	}
}

size_t rx_filter_build(sa_family_t family, const struct rx_filter_set *set,
		       struct sock_filter *out, size_t cap)
{
	struct prog p = { .n = 0 };
	bool v4 = family == AF_INET;

	load_header_len(&p, v4);
	stmt(&p, BPF_LD | BPF_W | BPF_LEN, 0);
	stmt(&p, BPF_ALU | BPF_SUB | BPF_X, 0);             /* A = VRRP bytes */
	jump(&p, BPF_JGE, VRRP_HDR_LEN, L_LONG, L_NEXT);
	jump(&p, BPF_JGE, RX_FILTER_CUT_LEN, L_CUT_SHORT, L_ACCEPT);
	label(&p, L_CUT_SHORT);
	cut_to(&p, v4, RX_FILTER_SHORT_LEN);

	label(&p, L_LONG);
	stmt(&p, BPF_LD | BPF_B | BPF_ABS, v4 ? TTL_OFF_V4 : (uint32_t)SKF_NET_OFF + HOPLIMIT_OFF_V6);
	jump(&p, BPF_JEQ, VRRP_TTL, L_NEXT, L_REJECT);
	load_vrrp_byte(&p, v4, 0);
	jump(&p, BPF_JEQ, 0x30 | VRRP_TYPE_ADVERT, L_V3, L_NEXT);
	if (v4)
		jump(&p, BPF_JEQ, 0x20 | VRRP_TYPE_ADVERT, L_V2, L_REJECT);
	else
		jump_always(&p, L_REJECT);

	label(&p, L_V3);
	load_vrrp_byte(&p, v4, 1);
	vrid_test(&p, set->v3, L_WORD3);
	if (v4) {
		label(&p, L_V2);
		load_vrrp_byte(&p, v4, 1);
		vrid_test(&p, set->v2, L_WORD2);
	}
	label(&p, L_REJECT);
	cut_to(&p, v4, RX_FILTER_CUT_LEN);
	label(&p, L_ACCEPT);
	stmt(&p, BPF_RET | BPF_K, ACCEPT_LEN);
	return resolve(&p, out, cap);
}

/* ---- counting what it cut --------------------------------------------- */

enum vrrp_drop rx_filter_cut_reason(const struct vrrp_rx *rx, uint8_t local_version)
{
	if (rx->ttl != VRRP_TTL)
		return VRRP_DROP_TTL;
	if (!rx->data || rx->len < 2)
		return VRRP_DROP_LENGTH;
	uint8_t version = rx->data[0] >> 4;

	if (version != 2 && version != 3)
		return VRRP_DROP_VERSION;
	if ((rx->data[0] & 0x0f) != VRRP_TYPE_ADVERT)
		return VRRP_DROP_TYPE;
	if (version == 2 && rx->family != AF_INET)
		return VRRP_DROP_FAMILY;
	if (local_version == 0)
		return VRRP_DROP_VRID;
	if (version != local_version)
		return VRRP_DROP_VERSION;
	/* Cut under an older set (a reload added the VRID since). */
	return VRRP_DROP_VRID;
}
