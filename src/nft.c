/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft.c - the Accept_Mode filter: one nftables table built with libnftnl
 * and sent over netlink. See nft.h for the design. */
#include "nft.h"

#include <errno.h>
#include <linux/if_arp.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/common.h>
#include <libnftnl/expr.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

/* nftables' own type numbers for set keys, so `nft list` shows addresses. */
#define NFT_TYPE_IPADDR 7
#define NFT_TYPE_IP6ADDR 8
#define SET4_ID 1u
#define SET6_ID 2u
#define FENCE_SET4 "fence4"
#define FENCE_SET6 "fence6"

/* Elements per NEWSETELEM message: the element list is one netlink
 * attribute, whose length field is 16 bits (≤ 40 bytes per element). */
#define ELEMS_PER_MSG 512
/* nfnetlink runs a batch inside our sendmsg() (module autoloading
 * included), so its acks are queued before we start waiting: this bound
 * only matters when something is lost, and it is taken on the event loop,
 * so it is kept far below an advert interval. */
#define ACK_TIMEOUT_MS 100

/* TCP: the flags byte, and its SYN and ACK bits. */
#define TCP_FLAGS_OFFSET 13
#define TCP_FLAG_SYN 0x02
#define TCP_FLAG_ACK 0x10

#define ICMPV6_NS 135
#define ICMPV6_NA 136

bool accept_mode_on(const struct instance_conf *ic)
{
	return ic->accept || ic->priority == 255;
}

/* ---- which addresses ------------------------------------------------ */

static bool listed_by_accepting(const struct clustd_config *cfg, const struct ip_addr *a)
{
	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *ic = &cfg->instances[i];
		if (!accept_mode_on(ic))
			continue;
		for (size_t k = 0; k < ic->nvips; k++)
			if (ip_addr_equal(&ic->vips[k].addr, a))
				return true;
	}
	return false;
}

static bool in_list(const struct ip_addr *list, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (ip_addr_equal(&list[i], a))
			return true;
	return false;
}

static size_t count_vips(const struct clustd_config *cfg)
{
	size_t n = 0;

	for (size_t i = 0; i < cfg->ninstances; i++)
		n += cfg->instances[i].nvips;
	return n;
}

int nft_vips_collect(const struct clustd_config *cfg, struct nft_vips *out)
{
	size_t max = count_vips(cfg);

	memset(out, 0, sizeof(*out));
	if (max == 0)
		return 0;
	out->v4 = xcalloc(max, sizeof(*out->v4));
	out->v6 = xcalloc(max, sizeof(*out->v6));
	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *ic = &cfg->instances[i];
		if (accept_mode_on(ic))
			continue;
		for (size_t k = 0; k < ic->nvips; k++) {
			const struct ip_addr *a = &ic->vips[k].addr;
			bool v4 = a->family == AF_INET;
			struct ip_addr *list = v4 ? out->v4 : out->v6;
			size_t *n = v4 ? &out->n4 : &out->n6;
			if (!in_list(list, *n, a) && !listed_by_accepting(cfg, a))
				list[(*n)++] = *a;
		}
	}
	return 0;
}

void nft_vips_free(struct nft_vips *v)
{
	free(v->v4);
	free(v->v6);
	memset(v, 0, sizeof(*v));
}

/* ---- building a batch (pure) ---------------------------------------- */

struct builder {
	struct nft_batch *b;
	size_t cap;
	uint32_t seq;
	const char *table;  /* NFT_TABLE, or a fence's (nft_batch_fence) */
};

/* nftnl writes a message unchecked, so the room for it is made first:
 * MSG_ROOM for a table, set, chain or rule (a few hundred bytes), and for
 * an element message ELEM_ROOM more per element (see ELEMS_PER_MSG). The
 * batch is built only as large as it needs: a freed buffer still keeps
 * the heap at its high-water mark, locked in RAM (doc/bench.md). */
#define MSG_ROOM 2048u
/* An element takes at most 40 bytes today (an IPv6 key and a timeout);
 * the margin is for attributes a later libnftnl may add. */
#define ELEM_ROOM 64u

static void reserve(struct builder *w, size_t room)
{
	if (w->b->len + room > w->cap) {
		size_t cap = w->cap * 2 + room;
		char *buf = xrealloc(w->b->buf, cap);

		memset(buf + w->cap, 0, cap - w->cap);
		w->b->buf = buf;
		w->cap = cap;
	}
}

static char *next_msg(struct builder *w)
{
	reserve(w, MSG_ROOM);
	return w->b->buf + w->b->len;
}

static void end_msg(struct builder *w, const struct nlmsghdr *nlh)
{
	w->b->len += NLMSG_ALIGN(nlh->nlmsg_len);
}

static struct nlmsghdr *begin_msg(struct builder *w, uint16_t type, uint16_t flags)
{
	char *at = next_msg(w);

	w->b->nacks++;
	return nftnl_nlmsg_build_hdr(at, type, NFPROTO_INET, flags | NLM_F_ACK, w->seq++);
}

static int put_table(struct builder *w, uint16_t type, uint16_t flags)
{
	struct nftnl_table *t = nftnl_table_alloc();
	struct nlmsghdr *nlh = t ? begin_msg(w, type, flags) : NULL;

	if (nlh) {
		nftnl_table_set_str(t, NFTNL_TABLE_NAME, w->table);
		nftnl_table_nlmsg_build_payload(nlh, t);
		end_msg(w, nlh);
	}
	nftnl_table_free(t);
	return nlh ? 0 : -ENOMEM;
}

static struct nftnl_set *new_set(const struct builder *w, const char *name, uint32_t id)
{
	struct nftnl_set *s = nftnl_set_alloc();

	if (!s)
		return NULL;
	nftnl_set_set_str(s, NFTNL_SET_TABLE, w->table);
	nftnl_set_set_str(s, NFTNL_SET_NAME, name);
	nftnl_set_set_u32(s, NFTNL_SET_FAMILY, NFPROTO_INET);
	nftnl_set_set_u32(s, NFTNL_SET_ID, id);
	return s;
}

/* One NEWSETELEM message with list[from, to), each element lasting
 * timeout_ms (0: for good; the set must have NFT_SET_TIMEOUT otherwise). */
static int put_elems(struct builder *w, const char *name, uint32_t id, const struct ip_addr *list,
		     size_t from, size_t to, uint64_t timeout_ms)
{
	struct nftnl_set *s = new_set(w, name, id);
	struct nlmsghdr *nlh = NULL;

	for (size_t i = from; s && i < to; i++) {
		struct nftnl_set_elem *e = nftnl_set_elem_alloc();
		if (!e)
			goto out;
		nftnl_set_elem_set(e, NFTNL_SET_ELEM_KEY, list[i].u.bytes, (uint32_t)ip_addr_len(&list[i]));
		if (timeout_ms)
			nftnl_set_elem_set_u64(e, NFTNL_SET_ELEM_TIMEOUT, timeout_ms);
		nftnl_set_elem_add(s, e);
	}
	reserve(w, MSG_ROOM + (to - from) * ELEM_ROOM);
	if (s && (nlh = begin_msg(w, NFT_MSG_NEWSETELEM, NLM_F_CREATE))) {
		nftnl_set_elems_nlmsg_build_payload(nlh, s);
		end_msg(w, nlh);
	}
out:
	nftnl_set_free(s);
	return nlh ? 0 : -ENOMEM;
}

static int put_set(struct builder *w, const char *name, uint32_t id, bool v4,
		   const struct ip_addr *list, size_t n, uint32_t flags)
{
	struct nftnl_set *s = new_set(w, name, id);
	struct nlmsghdr *nlh = s ? begin_msg(w, NFT_MSG_NEWSET, NLM_F_CREATE) : NULL;

	if (nlh) {
		if (flags)
			nftnl_set_set_u32(s, NFTNL_SET_FLAGS, flags);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_TYPE, v4 ? NFT_TYPE_IPADDR : NFT_TYPE_IP6ADDR);
		nftnl_set_set_u32(s, NFTNL_SET_KEY_LEN, v4 ? 4 : 16);
		nftnl_set_nlmsg_build_payload(nlh, s);
		end_msg(w, nlh);
	}
	nftnl_set_free(s);
	if (!nlh)
		return -ENOMEM;
	for (size_t from = 0; from < n; from += ELEMS_PER_MSG) {
		size_t to = n - from > ELEMS_PER_MSG ? from + ELEMS_PER_MSG : n;
		if (put_elems(w, name, id, list, from, to, 0) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int put_chain(struct builder *w)
{
	struct nftnl_chain *c = nftnl_chain_alloc();
	struct nlmsghdr *nlh = c ? begin_msg(w, NFT_MSG_NEWCHAIN, NLM_F_CREATE) : NULL;

	if (nlh) {
		nftnl_chain_set_str(c, NFTNL_CHAIN_TABLE, w->table);
		nftnl_chain_set_str(c, NFTNL_CHAIN_NAME, NFT_CHAIN);
		nftnl_chain_set_str(c, NFTNL_CHAIN_TYPE, "filter");
		nftnl_chain_set_u32(c, NFTNL_CHAIN_HOOKNUM, NF_INET_LOCAL_IN);
		nftnl_chain_set_s32(c, NFTNL_CHAIN_PRIO, 0);
		nftnl_chain_set_u32(c, NFTNL_CHAIN_POLICY, NF_ACCEPT);
		nftnl_chain_nlmsg_build_payload(nlh, c);
		end_msg(w, nlh);
	}
	nftnl_chain_free(c);
	return nlh ? 0 : -ENOMEM;
}

/* ---- rule expressions ------------------------------------------------ */

/* Each adder returns false when out of memory; the rule then is dropped. */
static bool add(struct nftnl_rule *r, struct nftnl_expr *e)
{
	if (!e)
		return false;
	nftnl_rule_add_expr(r, e);
	return true;
}

static bool add_meta(struct nftnl_rule *r, uint32_t key)
{
	struct nftnl_expr *e = nftnl_expr_alloc("meta");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_KEY, key);
		nftnl_expr_set_u32(e, NFTNL_EXPR_META_DREG, NFT_REG_1);
	}
	return add(r, e);
}

static bool add_cmp(struct nftnl_rule *r, uint32_t op, const void *data, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("cmp");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_SREG, NFT_REG_1);
		nftnl_expr_set_u32(e, NFTNL_EXPR_CMP_OP, op);
		nftnl_expr_set(e, NFTNL_EXPR_CMP_DATA, data, len);
	}
	return add(r, e);
}

static bool add_payload(struct nftnl_rule *r, uint32_t base, uint32_t offset, uint32_t len)
{
	struct nftnl_expr *e = nftnl_expr_alloc("payload");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_BASE, base);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_OFFSET, offset);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_LEN, len);
		nftnl_expr_set_u32(e, NFTNL_EXPR_PAYLOAD_DREG, NFT_REG_1);
	}
	return add(r, e);
}

static bool add_lookup(struct nftnl_rule *r, const char *set, uint32_t id)
{
	struct nftnl_expr *e = nftnl_expr_alloc("lookup");

	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SREG, NFT_REG_1);
		nftnl_expr_set_str(e, NFTNL_EXPR_LOOKUP_SET, set);
		nftnl_expr_set_u32(e, NFTNL_EXPR_LOOKUP_SET_ID, id);
	}
	return add(r, e);
}

static bool add_verdict(struct nftnl_rule *r, uint32_t verdict, bool count)
{
	struct nftnl_expr *e;

	if (count && !add(r, nftnl_expr_alloc("counter")))
		return false;
	e = nftnl_expr_alloc("immediate");
	if (e) {
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_DREG, NFT_REG_VERDICT);
		nftnl_expr_set_u32(e, NFTNL_EXPR_IMM_VERDICT, verdict);
	}
	return add(r, e);
}

/* "meta iiftype != loopback meta nfproto F <daddr> @set": the match every
 * rule starts with. Loopback is exempt: the node's own traffic to its
 * VIPs is not "received" from the LAN (§6.4.3 is about the LAN). */
static bool add_match(struct nftnl_rule *r, bool v4)
{
	uint16_t loopback = ARPHRD_LOOPBACK;
	uint8_t nfproto = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6;

	return add_meta(r, NFT_META_IIFTYPE) && add_cmp(r, NFT_CMP_NEQ, &loopback, sizeof(loopback)) &&
	       add_meta(r, NFT_META_NFPROTO) && add_cmp(r, NFT_CMP_EQ, &nfproto, sizeof(nfproto)) &&
	       add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, v4 ? 4 : 16) &&
	       add_lookup(r, v4 ? NFT_SET4 : NFT_SET6, v4 ? SET4_ID : SET6_ID);
}

/* "... meta l4proto ipv6-icmp icmpv6 type T accept" (§6.1: never drop
 * Neighbour Solicitations or Advertisements). */
static bool add_nd_accept(struct nftnl_rule *r, uint8_t type)
{
	uint8_t icmpv6 = IPPROTO_ICMPV6;

	return add_match(r, false) && add_meta(r, NFT_META_L4PROTO) &&
	       add_cmp(r, NFT_CMP_EQ, &icmpv6, sizeof(icmpv6)) &&
	       add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, 0, 1) &&
	       add_cmp(r, NFT_CMP_EQ, &type, sizeof(type)) && add_verdict(r, NF_ACCEPT, false);
}

enum rule_kind { DROP4, ND_NS, ND_NA, DROP6 };

static int put_rule(struct builder *w, enum rule_kind kind)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh = NULL;
	bool ok = false;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, w->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	switch (kind) {
	case DROP4: ok = add_match(r, true) && add_verdict(r, NF_DROP, true); break;
	case ND_NS: ok = add_nd_accept(r, ICMPV6_NS); break;
	case ND_NA: ok = add_nd_accept(r, ICMPV6_NA); break;
	case DROP6: ok = add_match(r, false) && add_verdict(r, NF_DROP, true); break;
	}
	if (ok && (nlh = begin_msg(w, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND))) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		end_msg(w, nlh);
	}
	nftnl_rule_free(r);
	return nlh ? 0 : -ENOMEM;
}

/* "meta iiftype != loopback meta nfproto F <daddr> @fenceF meta l4proto
 * tcp tcp flags & (syn | ack) == syn counter drop": a new connection to
 * an address of the fence's set (nft.h). */
static bool add_syn_drop(struct nftnl_rule *r, bool v4)
{
	uint16_t loopback = ARPHRD_LOOPBACK;
	uint8_t nfproto = v4 ? NFPROTO_IPV4 : NFPROTO_IPV6, tcp = IPPROTO_TCP;
	uint8_t mask = TCP_FLAG_SYN | TCP_FLAG_ACK, zero = 0, syn = TCP_FLAG_SYN;
	struct nftnl_expr *bits = nftnl_expr_alloc("bitwise");

	if (bits) {
		nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_SREG, NFT_REG_1);
		nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_DREG, NFT_REG_1);
		nftnl_expr_set_u32(bits, NFTNL_EXPR_BITWISE_LEN, 1);
		nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_MASK, &mask, 1);
		nftnl_expr_set(bits, NFTNL_EXPR_BITWISE_XOR, &zero, 1);
	}
	if (!(add_meta(r, NFT_META_IIFTYPE) && add_cmp(r, NFT_CMP_NEQ, &loopback, sizeof(loopback)) &&
	      add_meta(r, NFT_META_NFPROTO) && add_cmp(r, NFT_CMP_EQ, &nfproto, 1) &&
	      add_payload(r, NFT_PAYLOAD_NETWORK_HEADER, v4 ? 16 : 24, v4 ? 4 : 16) &&
	      add_lookup(r, v4 ? FENCE_SET4 : FENCE_SET6, v4 ? SET4_ID : SET6_ID) &&
	      add_meta(r, NFT_META_L4PROTO) &&
	      add_cmp(r, NFT_CMP_EQ, &tcp, 1) &&
	      add_payload(r, NFT_PAYLOAD_TRANSPORT_HEADER, TCP_FLAGS_OFFSET, 1))) {
		nftnl_expr_free(bits);
		return false;
	}
	return add(r, bits) && add_cmp(r, NFT_CMP_EQ, &syn, 1) && add_verdict(r, NF_DROP, true);
}

static int put_fence_rule(struct builder *w, bool v4)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	struct nlmsghdr *nlh = NULL;

	if (!r)
		return -ENOMEM;
	nftnl_rule_set_str(r, NFTNL_RULE_TABLE, w->table);
	nftnl_rule_set_str(r, NFTNL_RULE_CHAIN, NFT_CHAIN);
	nftnl_rule_set_u32(r, NFTNL_RULE_FAMILY, NFPROTO_INET);
	if (add_syn_drop(r, v4) && (nlh = begin_msg(w, NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND))) {
		nftnl_rule_nlmsg_build_payload(nlh, r);
		end_msg(w, nlh);
	}
	nftnl_rule_free(r);
	return nlh ? 0 : -ENOMEM;
}

static int batch_open(struct builder *w, struct nft_batch *b, uint32_t seq, const char *table)
{
	char *at;

	memset(b, 0, sizeof(*b));
	*w = (struct builder){.b = b, .seq = seq, .table = table};
	if (!(at = next_msg(w)))
		return -ENOMEM;
	end_msg(w, nftnl_batch_begin(at, w->seq++));
	/* "Add" the table (a no-op when it exists), then delete it: gone
	 * whether or not it was there, in the same transaction. */
	if (put_table(w, NFT_MSG_NEWTABLE, NLM_F_CREATE) < 0 ||
	    put_table(w, NFT_MSG_DELTABLE, 0) < 0)
		return -ENOMEM;
	return 0;
}

static int batch_close(struct builder *w)
{
	char *at = next_msg(w);

	if (!at)
		return -ENOMEM;
	end_msg(w, nftnl_batch_end(at, w->seq++));
	return 0;
}

static int batch_fail(struct nft_batch *b)
{
	nft_batch_free(b);
	return -ENOMEM;
}

int nft_batch_replace(const struct nft_vips *v, uint32_t seq, struct nft_batch *b)
{
	static const enum rule_kind rules[] = { DROP4, ND_NS, ND_NA, DROP6 };
	struct builder w;

	if (batch_open(&w, b, seq, NFT_TABLE) < 0 ||
	    put_table(&w, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL) < 0 ||
	    put_set(&w, NFT_SET4, SET4_ID, true, v->v4, v->n4, 0) < 0 ||
	    put_set(&w, NFT_SET6, SET6_ID, false, v->v6, v->n6, 0) < 0 ||
	    put_chain(&w) < 0)
		return batch_fail(b);
	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (put_rule(&w, rules[i]) < 0)
			return batch_fail(b);
	return batch_close(&w) < 0 ? batch_fail(b) : 0;
}

int nft_batch_remove(uint32_t seq, struct nft_batch *b)
{
	struct builder w;

	if (batch_open(&w, b, seq, NFT_TABLE) < 0 || batch_close(&w) < 0)
		return batch_fail(b);
	return 0;
}

int nft_batch_fence(const char *table, uint32_t seq, struct nft_batch *b)
{
	struct builder w;

	if (batch_open(&w, b, seq, table) < 0 ||
	    put_table(&w, NFT_MSG_NEWTABLE, NLM_F_CREATE | NLM_F_EXCL) < 0 ||
	    put_set(&w, FENCE_SET4, SET4_ID, true, NULL, 0, NFT_SET_TIMEOUT) < 0 ||
	    put_set(&w, FENCE_SET6, SET6_ID, false, NULL, 0, NFT_SET_TIMEOUT) < 0 || put_chain(&w) < 0 ||
	    put_fence_rule(&w, true) < 0 || put_fence_rule(&w, false) < 0)
		return batch_fail(b);
	return batch_close(&w) < 0 ? batch_fail(b) : 0;
}

int nft_batch_fence_close(const char *table, const struct ip_addr *addrs, size_t n,
			  uint64_t timeout_ms, uint32_t seq, struct nft_batch *b)
{
	struct ip_addr v4[CLUSTD_MAX_VIPS], v6[CLUSTD_MAX_VIPS];
	size_t n4 = 0, n6 = 0;
	struct builder w;
	char *at;

	for (size_t i = 0; i < n; i++) {
		if (addrs[i].family == AF_INET && n4 < CLUSTD_MAX_VIPS)
			v4[n4++] = addrs[i];
		else if (addrs[i].family == AF_INET6 && n6 < CLUSTD_MAX_VIPS)
			v6[n6++] = addrs[i];
	}
	memset(b, 0, sizeof(*b));
	w = (struct builder){.b = b, .seq = seq, .table = table};
	if (!(at = next_msg(&w)))
		return batch_fail(b);
	end_msg(&w, nftnl_batch_begin(at, w.seq++));
	if ((n4 && put_elems(&w, FENCE_SET4, SET4_ID, v4, 0, n4, timeout_ms) < 0) ||
	    (n6 && put_elems(&w, FENCE_SET6, SET6_ID, v6, 0, n6, timeout_ms) < 0))
		return batch_fail(b);
	return batch_close(&w) < 0 ? batch_fail(b) : 0;
}

int nft_batch_unfence(const char *table, uint32_t seq, struct nft_batch *b)
{
	struct builder w;

	if (batch_open(&w, b, seq, table) < 0 || batch_close(&w) < 0)
		return batch_fail(b);
	return 0;
}

void nft_batch_free(struct nft_batch *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

/* ---- the kernel edge ------------------------------------------------- */

/* Reads acks until every message is answered, the kernel reports an
 * error (then drains what is already queued), or the time runs out. */
static int wait_acks(struct mnl_socket *nl, unsigned nacks)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	uint64_t deadline = mono_now_ms() + ACK_TIMEOUT_MS;
	unsigned got = 0;
	int first_err = 0;

	while (got < nacks) {
		struct pollfd p = {.fd = mnl_socket_get_fd(nl), .events = POLLIN};
		uint64_t now = mono_now_ms();
		int wait = first_err ? 0 : now >= deadline ? 0 : (int)(deadline - now);
		int rc = poll(&p, 1, wait);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc <= 0)
			return first_err ? first_err : rc < 0 ? -errno : -ETIMEDOUT;
		ssize_t got_len = mnl_socket_recvfrom(nl, buf, sizeof(buf));
		if (got_len < 0)
			return first_err ? first_err : -errno;
		int n = (int)got_len;
		for (const struct nlmsghdr *h = (const void *)buf; mnl_nlmsg_ok(h, n);
		     h = mnl_nlmsg_next(h, &n)) {
			if (h->nlmsg_type != NLMSG_ERROR)
				continue;
			const struct nlmsgerr *e = mnl_nlmsg_get_payload(h);
			got++;
			if (e->error && !first_err)
				first_err = e->error;
		}
	}
	return first_err;
}

int nft_send(const struct nft_batch *b)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, rc;

	if (!nl)
		return -errno;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		rc = -errno;
		mnl_socket_close(nl);
		return rc;
	}
	/* Acks without a copy of our (possibly large) messages. */
	mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	if (b->len > 200000) { /* thousands of VIPs: past the default send buffer */
		int size = (int)(b->len * 2);
		setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
	}
	if (mnl_socket_sendto(nl, b->buf, b->len) < 0)
		rc = -errno;
	else
		rc = wait_acks(nl, b->nacks);
	mnl_socket_close(nl);
	return rc;
}

/* ---- the daemon's view ------------------------------------------------ */

static uint32_t next_seq(void)
{
	static uint32_t seq;

	if (!seq)
		seq = (uint32_t)time(NULL);
	seq += 1000; /* room for every message of one batch */
	return seq;
}

/* "web, db" - the instances whose accept = false rests on the filter. */
static void filtered_names(const struct clustd_config *cfg, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < cfg->ninstances && used < len; i++) {
		if (accept_mode_on(&cfg->instances[i]))
			continue;
		int n = snprintf(buf + used, len - used, "%s%s", used ? ", " : "",
				 cfg->instances[i].name);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}

static int send_remove(void)
{
	struct nft_batch b;
	int rc = nft_batch_remove(next_seq(), &b);

	if (rc == 0)
		rc = nft_send(&b);
	nft_batch_free(&b);
	return rc;
}

static void filter_failed(struct nft_filter *f, const struct clustd_config *cfg, int rc)
{
	char names[256];

	filtered_names(cfg, names, sizeof(names));
	f->state = NFT_FAILED;
	f->error = rc;
	log_err("accept mode: cannot install the nftables table inet " NFT_TABLE ": %s; "
		"accept = false is NOT enforced for %s: their masters accept traffic to the VIPs "
		"(those with accept_filter_fail = \"closed\" stay in FAULT instead)",
		strerror(-rc), names);
}

void nft_filter_sync(struct nft_filter *f, const struct clustd_config *cfg)
{
	struct nft_vips v;
	struct nft_batch b;
	int rc = nft_vips_collect(cfg, &v);

	if (rc == 0 && v.n4 + v.n6 == 0) {
		/* Nothing to enforce: only clear a table an earlier run left. */
		rc = send_remove();
		if (rc < 0)
			log_debug("accept mode: no table to remove (%s)", strerror(-rc));
		*f = (struct nft_filter){.state = NFT_NOT_NEEDED};
		nft_vips_free(&v);
		return;
	}
	if (rc == 0)
		rc = nft_batch_replace(&v, next_seq(), &b);
	if (rc == 0) {
		rc = nft_send(&b);
		nft_batch_free(&b);
	}
	if (rc < 0) {
		filter_failed(f, cfg, rc);
	} else {
		*f = (struct nft_filter){.state = NFT_ACTIVE, .n4 = v.n4, .n6 = v.n6};
		log_notice("accept mode: nftables table inet " NFT_TABLE " drops traffic to %zu "
			   "VIP(s) of instances with accept = false (ARP and neighbour discovery pass)",
			   v.n4 + v.n6);
	}
	nft_vips_free(&v);
}

void nft_filter_remove(struct nft_filter *f)
{
	enum nft_state was = f->state;
	int rc;

	if (was == NFT_NOT_NEEDED)
		return;
	*f = (struct nft_filter){.state = NFT_NOT_NEEDED};
	rc = send_remove();
	if (rc < 0 && was == NFT_ACTIVE)
		log_warn("accept mode: cannot remove the nftables table inet " NFT_TABLE ": %s",
			 strerror(-rc));
	else if (rc == 0)
		log_info("accept mode: nftables table inet " NFT_TABLE " removed");
}

/* Build with make(), send, free: 0 or -errno. */
static int send_built(int rc, struct nft_batch *b)
{
	if (rc == 0) {
		rc = nft_send(b);
		nft_batch_free(b);
	}
	return rc;
}

int nft_fence_make(const char *table)
{
	struct nft_batch b;

	return send_built(nft_batch_fence(table, next_seq(), &b), &b);
}

int nft_fence_close(const char *table, const struct ip_addr *addrs, size_t n, uint64_t timeout_ms)
{
	struct nft_batch b;

	return send_built(nft_batch_fence_close(table, addrs, n, timeout_ms, next_seq(), &b), &b);
}

int nft_fence_remove(const char *table)
{
	struct nft_batch b;

	return send_built(nft_batch_unfence(table, next_seq(), &b), &b);
}

enum nft_state nft_filter_for(const struct nft_filter *f, const struct instance_conf *ic)
{
	return accept_mode_on(ic) ? NFT_NOT_NEEDED : f->state;
}

bool nft_filter_fails_closed(const struct nft_filter *f, const struct instance_conf *ic)
{
	return ic->accept_filter_closed && nft_filter_for(f, ic) == NFT_FAILED;
}

const char *nft_state_name(enum nft_state s)
{
	switch (s) {
	case NFT_NOT_NEEDED: return "none";
	case NFT_ACTIVE: return "active";
	case NFT_FAILED: return "failed";
	}
	return "?";
}
