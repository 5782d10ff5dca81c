/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_nft.c - unit tests of the Accept_Mode filter's pure parts
 * (src/nft.c): which VIPs are filtered, and the nftables transaction,
 * read back with libnftnl's own parsers. The expected rule programs are
 * what `nft --debug=netlink` prints for the equivalent rules:
 *   meta iiftype != loopback ip daddr @noaccept4 counter drop
 *   meta iiftype != loopback ip6 daddr @noaccept6 icmpv6 type nd-neighbor-solicit accept
 *   meta iiftype != loopback ip6 daddr @noaccept6 icmpv6 type nd-neighbor-advert accept
 *   meta iiftype != loopback ip6 daddr @noaccept6 counter drop          */
#include <arpa/inet.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <endian.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <libnftnl/chain.h>
#include <libnftnl/rule.h>
#include <libnftnl/set.h>
#include <libnftnl/table.h>

#include <errno.h>

#include "nft.h"
#include "testutil.h"

/* ---- configs ---------------------------------------------------------- */

struct fake {
	struct clustd_config cfg;
	struct instance_conf ic[6];
};

static void add_instance(struct fake *f, const char *name, uint8_t prio, bool accept,
			 const char *const *vips)
{
	struct instance_conf *ic = &f->ic[f->cfg.ninstances++];

	ck_assert_uint_le(f->cfg.ninstances, 6);
	memset(ic, 0, sizeof(*ic));
	ic->name = (char *)name;
	ic->priority = prio;
	ic->accept = accept;
	for (; *vips; vips++)
		ck_assert(vip_parse(*vips, &ic->vips[ic->nvips++]));
	f->cfg.instances = f->ic;
}

static void assert_addr(const struct ip_addr *a, const char *want)
{
	char buf[IP_ADDR_STRLEN];

	ck_assert_str_eq(ip_addr_str(a, buf), want);
}

START_TEST(test_accept_mode_on)
{
	struct instance_conf ic = {.priority = 100, .accept = true};

	ck_assert(accept_mode_on(&ic));
	ic.accept = false;
	ck_assert(!accept_mode_on(&ic));
	ic.priority = 254;
	ck_assert(!accept_mode_on(&ic));
	ic.priority = 255; /* the address owner always accepts (§6.4.3) */
	ck_assert(accept_mode_on(&ic));
}
END_TEST

START_TEST(test_collect)
{
	struct fake f = {0};
	struct nft_vips v;

	add_instance(&f, "strict", 100, false,
		     (const char *[]){"198.51.100.100/24", "198.51.100.101", "198.51.100.103/24", NULL});
	/* shares .101 and accepts: .101 must stay reachable */
	add_instance(&f, "open", 100, true, (const char *[]){"198.51.100.101/24", NULL});
	/* owner with accept = false: accepts */
	add_instance(&f, "owner", 255, false, (const char *[]){"198.51.100.102/24", NULL});
	add_instance(&f, "strict6", 150, false, (const char *[]){"2001:db8::100/64", NULL});
	/* the same IPv6 VIP and .100 again: listed once */
	add_instance(&f, "again", 150, false,
		     (const char *[]){"2001:db8::100/64", "2001:db8::101/64", NULL});
	add_instance(&f, "again4", 150, false, (const char *[]){"198.51.100.100/32", NULL});
	ck_assert_int_eq(nft_vips_collect(&f.cfg, &v), 0);
	ck_assert_uint_eq(v.n4, 2);
	assert_addr(&v.v4[0], "198.51.100.100");
	assert_addr(&v.v4[1], "198.51.100.103");
	ck_assert_uint_eq(v.n6, 2);
	assert_addr(&v.v6[0], "2001:db8::100");
	assert_addr(&v.v6[1], "2001:db8::101");
	nft_vips_free(&v);
	ck_assert_ptr_null(v.v4);
	ck_assert_uint_eq(v.n4 + v.n6, 0);
}
END_TEST

START_TEST(test_collect_all_accept)
{
	struct fake f = {0};
	struct nft_vips v;

	add_instance(&f, "a", 100, true, (const char *[]){"198.51.100.100/24", NULL});
	add_instance(&f, "b", 255, false, (const char *[]){"2001:db8::1/64", NULL});
	ck_assert_int_eq(nft_vips_collect(&f.cfg, &v), 0);
	ck_assert_uint_eq(v.n4 + v.n6, 0);
	nft_vips_free(&v);
	f.cfg.ninstances = 0;
	ck_assert_int_eq(nft_vips_collect(&f.cfg, &v), 0);
	ck_assert_uint_eq(v.n4 + v.n6, 0);
	nft_vips_free(&v);
}
END_TEST

/* ---- reading a batch back ---------------------------------------------- */

#define NFT(msg) ((uint16_t)((NFNL_SUBSYS_NFTABLES << 8) | (msg)))

struct msgs {
	size_t n;
	const struct nlmsghdr *m[64];
};

/* Split the batch; every message must fit exactly. */
static void split(const struct nft_batch *b, struct msgs *out)
{
	int left = (int)b->len;

	out->n = 0;
	for (const struct nlmsghdr *h = (const void *)b->buf; mnl_nlmsg_ok(h, left);
	     h = mnl_nlmsg_next(h, &left)) {
		ck_assert_uint_lt(out->n, 64);
		out->m[out->n++] = h;
	}
	ck_assert_int_eq(left, 0);
}

/* Type sequence, sequence numbers from seq on, acks, family. */
static void check_frame(const struct nft_batch *b, const struct msgs *m, const uint16_t *types,
			size_t ntypes, uint32_t seq)
{
	ck_assert_uint_eq(m->n, ntypes);
	for (size_t i = 0; i < m->n; i++) {
		const struct nlmsghdr *h = m->m[i];
		const struct nfgenmsg *g = mnl_nlmsg_get_payload(h);
		bool inner = i > 0 && i + 1 < m->n;
		ck_assert_msg(h->nlmsg_type == types[i], "message %zu: type %#x, want %#x", i,
			      h->nlmsg_type, types[i]);
		ck_assert_uint_eq(h->nlmsg_seq, seq + i);
		ck_assert_uint_eq(!!(h->nlmsg_flags & NLM_F_ACK), inner);
		ck_assert(h->nlmsg_flags & NLM_F_REQUEST);
		if (inner)
			ck_assert_uint_eq(g->nfgen_family, NFPROTO_INET);
		else
			ck_assert_uint_eq(ntohs(g->res_id), NFNL_SUBSYS_NFTABLES);
	}
	ck_assert_uint_eq(b->nacks, m->n - 2);
}

static void check_table_msg(const struct nlmsghdr *h)
{
	struct nftnl_table *t = nftnl_table_alloc();

	ck_assert_int_eq(nftnl_table_nlmsg_parse(h, t), 0);
	ck_assert_str_eq(nftnl_table_get_str(t, NFTNL_TABLE_NAME), "clustd");
	nftnl_table_free(t);
}

static void check_set_msg(const struct nlmsghdr *h, const char *name, uint32_t type, uint32_t keylen)
{
	struct nftnl_set *s = nftnl_set_alloc();

	ck_assert_int_eq(nftnl_set_nlmsg_parse(h, s), 0);
	ck_assert_str_eq(nftnl_set_get_str(s, NFTNL_SET_TABLE), "clustd");
	ck_assert_str_eq(nftnl_set_get_str(s, NFTNL_SET_NAME), name);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_TYPE), type);
	ck_assert_uint_eq(nftnl_set_get_u32(s, NFTNL_SET_KEY_LEN), keylen);
	nftnl_set_free(s);
}

/* Nested attribute of type `type` inside nest, or NULL. */
static const struct nlattr *nested(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *top_attr(const struct nlmsghdr *h, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, h, sizeof(struct nfgenmsg))
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

/* The elements of one NEWSETELEM message, as text, "a b c". Read with
 * libmnl: libnftnl numbers the element nests 1, 2, 3... (the kernel does
 * not look at that type) and its own parser then refuses them. */
static void elems_of(const struct nlmsghdr *h, const char *set, char *out, size_t len, size_t *count)
{
	const struct nlattr *name = top_attr(h, NFTA_SET_ELEM_LIST_SET);
	const struct nlattr *list = top_attr(h, NFTA_SET_ELEM_LIST_ELEMENTS);
	const struct nlattr *e;

	ck_assert_ptr_nonnull(name);
	ck_assert_ptr_nonnull(list);
	ck_assert_str_eq(mnl_attr_get_str(name), set);
	out[0] = '\0';
	*count = 0;
	mnl_attr_for_each_nested(e, list) {
		const struct nlattr *key = nested(e, NFTA_SET_ELEM_KEY);
		const struct nlattr *val = key ? nested(key, NFTA_DATA_VALUE) : NULL;
		char buf[IP_ADDR_STRLEN];
		ck_assert_ptr_nonnull(val);
		uint16_t klen = mnl_attr_get_payload_len(val);
		ck_assert(klen == 4 || klen == 16);
		inet_ntop(klen == 4 ? AF_INET : AF_INET6, mnl_attr_get_payload(val), buf, sizeof(buf));
		if (strlen(out) + strlen(buf) + 2 < len)
			snprintf(out + strlen(out), len - strlen(out), "%s%s", out[0] ? " " : "", buf);
		(*count)++;
	}
}

static void check_chain_msg(const struct nlmsghdr *h)
{
	struct nftnl_chain *c = nftnl_chain_alloc();

	ck_assert_int_eq(nftnl_chain_nlmsg_parse(h, c), 0);
	ck_assert_str_eq(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "clustd");
	ck_assert_str_eq(nftnl_chain_get_str(c, NFTNL_CHAIN_NAME), "input");
	ck_assert_str_eq(nftnl_chain_get_str(c, NFTNL_CHAIN_TYPE), "filter");
	ck_assert_uint_eq(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_LOCAL_IN);
	ck_assert_int_eq(nftnl_chain_get_s32(c, NFTNL_CHAIN_PRIO), 0);
	ck_assert_uint_eq(nftnl_chain_get_u32(c, NFTNL_CHAIN_POLICY), NF_ACCEPT);
	nftnl_chain_free(c);
}

#define MATCH(fam, nfproto, hdr)                                        \
	"inet clustd input\n"                                          \
	"  [ meta load iiftype => reg 1 ]\n"                            \
	"  [ cmp neq reg 1 0x00000304 ]\n"                              \
	"  [ meta load nfproto => reg 1 ]\n"                            \
	"  [ cmp eq reg 1 " nfproto " ]\n"                              \
	"  [ payload load " hdr " => reg 1 ]\n"                         \
	"  [ lookup reg 1 set noaccept" fam " ]\n"
#define MATCH4 MATCH("4", "0x00000002", "4b @ network header + 16")
#define MATCH6 MATCH("6", "0x0000000a", "16b @ network header + 24")
#define DROP "  [ counter pkts 0 bytes 0 ]\n  [ immediate reg 0 drop ]\n"
#define ND(type)                                                        \
	"  [ meta load l4proto => reg 1 ]\n"                            \
	"  [ cmp eq reg 1 0x0000003a ]\n"                               \
	"  [ payload load 1b @ transport header + 0 => reg 1 ]\n"       \
	"  [ cmp eq reg 1 " type " ]\n"                                 \
	"  [ immediate reg 0 accept ]\n"

static const char *const want_rules[] = {
	MATCH4 DROP,
	MATCH6 ND("0x00000087"), /* 135: neighbour solicitation */
	MATCH6 ND("0x00000088"), /* 136: neighbour advertisement */
	MATCH6 DROP,
};

static void check_rule_msg(const struct nlmsghdr *h, const char *want)
{
	struct nftnl_rule *r = nftnl_rule_alloc();
	char buf[4096];

	ck_assert(h->nlmsg_flags & NLM_F_APPEND);
	ck_assert_int_eq(nftnl_rule_nlmsg_parse(h, r), 0);
	ck_assert_int_lt(nftnl_rule_snprintf(buf, sizeof(buf), r, NFTNL_OUTPUT_DEFAULT, 0), (int)sizeof(buf));
	ck_assert_str_eq(buf, want);
	nftnl_rule_free(r);
}

static struct nft_vips vips_of(struct ip_addr *v4, size_t n4, struct ip_addr *v6, size_t n6)
{
	return (struct nft_vips){.n4 = n4, .n6 = n6, .v4 = v4, .v6 = v6};
}

START_TEST(test_replace_batch)
{
	static const uint16_t types[] = {
		NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWTABLE), NFT(NFT_MSG_DELTABLE), NFT(NFT_MSG_NEWTABLE),
		NFT(NFT_MSG_NEWSET), NFT(NFT_MSG_NEWSETELEM), NFT(NFT_MSG_NEWSET), NFT(NFT_MSG_NEWSETELEM),
		NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_NEWRULE), NFT(NFT_MSG_NEWRULE), NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE), NFNL_MSG_BATCH_END,
	};
	struct ip_addr v4[2], v6[1];
	struct nft_vips v = vips_of(v4, 2, v6, 1);
	struct nft_batch b;
	struct msgs m;
	char elems[256];
	size_t n;

	ck_assert(ip_addr_parse("198.51.100.100", &v4[0]));
	ck_assert(ip_addr_parse("203.0.113.7", &v4[1]));
	ck_assert(ip_addr_parse("2001:db8::100", &v6[0]));
	ck_assert_int_eq(nft_batch_replace(&v, 4000, &b), 0);
	split(&b, &m);
	check_frame(&b, &m, types, sizeof(types) / sizeof(types[0]), 4000);
	/* create-if-missing, delete, then create exclusively */
	for (int i = 1; i <= 3; i++)
		check_table_msg(m.m[i]);
	ck_assert(m.m[1]->nlmsg_flags & NLM_F_CREATE);
	ck_assert(!(m.m[1]->nlmsg_flags & NLM_F_EXCL));
	ck_assert(m.m[3]->nlmsg_flags & NLM_F_EXCL);
	check_set_msg(m.m[4], "noaccept4", 7, 4);
	elems_of(m.m[5], "noaccept4", elems, sizeof(elems), &n);
	ck_assert_str_eq(elems, "198.51.100.100 203.0.113.7");
	check_set_msg(m.m[6], "noaccept6", 8, 16);
	elems_of(m.m[7], "noaccept6", elems, sizeof(elems), &n);
	ck_assert_str_eq(elems, "2001:db8::100");
	check_chain_msg(m.m[8]);
	for (int i = 0; i < 4; i++)
		check_rule_msg(m.m[9 + i], want_rules[i]);
	nft_batch_free(&b);
	ck_assert_ptr_null(b.buf);
}
END_TEST

/* A family without VIPs still gets its set (empty) and its rules, so the
 * table always looks the same; no element message is sent for it. */
START_TEST(test_replace_batch_v4_only)
{
	struct ip_addr v4[1];
	struct nft_vips v = vips_of(v4, 1, NULL, 0);
	struct nft_batch b;
	struct msgs m;

	ck_assert(ip_addr_parse("198.51.100.100", &v4[0]));
	ck_assert_int_eq(nft_batch_replace(&v, 1, &b), 0);
	split(&b, &m);
	ck_assert_uint_eq(m.n, 13);
	ck_assert_uint_eq(m.m[6]->nlmsg_type, NFT(NFT_MSG_NEWSET));
	check_set_msg(m.m[6], "noaccept6", 8, 16);
	ck_assert_uint_eq(m.m[7]->nlmsg_type, NFT(NFT_MSG_NEWCHAIN));
	for (int i = 0; i < 4; i++)
		check_rule_msg(m.m[8 + i], want_rules[i]);
	nft_batch_free(&b);
}
END_TEST

/* Many VIPs of either family (_i: 0 IPv4, 1 IPv6, the larger elements):
 * elements split over messages whose attribute lengths (16 bits) cannot
 * overflow; every address sent once, in order. Under ASan it also proves
 * the builder makes room for each element message before nftnl writes it. */
START_TEST(test_replace_batch_many)
{
	enum { N = 1200 };
	static struct ip_addr addrs[N];
	bool v6 = _i == 1;
	struct nft_vips v = v6 ? vips_of(NULL, 0, addrs, N) : vips_of(addrs, N, NULL, 0);
	struct nft_batch b;
	struct msgs m;
	size_t total = 0, nelem_msgs = 0;
	char elems[64];

	for (size_t i = 0; i < N; i++) {
		char text[INET6_ADDRSTRLEN];

		if (v6)
			snprintf(text, sizeof(text), "2001:db8::%zx", i);
		else
			snprintf(text, sizeof(text), "198.51.%zu.%zu", 100 + i / 256, i % 256);
		ck_assert(ip_addr_parse(text, &addrs[i]));
	}
	ck_assert_int_eq(nft_batch_replace(&v, 1, &b), 0);
	split(&b, &m);
	for (size_t i = 0; i < m.n; i++) {
		size_t n;
		ck_assert_uint_lt(m.m[i]->nlmsg_len, 65535);
		if (m.m[i]->nlmsg_type != NFT(NFT_MSG_NEWSETELEM))
			continue;
		elems_of(m.m[i], v6 ? "noaccept6" : "noaccept4", elems, sizeof(elems), &n);
		const char *first = v6 ? "2001:db8:: 2001:db8::1 2001:db8::2 "
				       : "198.51.100.0 198.51.100.1 198.51.100.2 ";
		if (nelem_msgs == 0)
			ck_assert(strncmp(elems, first, strlen(first)) == 0);
		total += n;
		nelem_msgs++;
	}
	ck_assert_uint_eq(total, N);
	ck_assert_uint_eq(nelem_msgs, 3); /* 512 + 512 + 176 */
	ck_assert_uint_eq(b.nacks, m.n - 2);
	nft_batch_free(&b);
}
END_TEST

START_TEST(test_remove_batch)
{
	static const uint16_t types[] = {
		NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWTABLE), NFT(NFT_MSG_DELTABLE), NFNL_MSG_BATCH_END,
	};
	struct nft_batch b;
	struct msgs m;

	ck_assert_int_eq(nft_batch_remove(77, &b), 0);
	split(&b, &m);
	check_frame(&b, &m, types, 4, 77);
	check_table_msg(m.m[1]);
	check_table_msg(m.m[2]);
	nft_batch_free(&b);
}
END_TEST

/* A fence before a planned release (settle.h): its own table, the same
 * input chain, one rule per address dropping new TCP connections only. */
static const char *rule_text(const struct nlmsghdr *h, char *buf, size_t len)
{
	struct nftnl_rule *r = nftnl_rule_alloc();

	ck_assert_int_eq(nftnl_rule_nlmsg_parse(h, r), 0);
	ck_assert_int_lt(nftnl_rule_snprintf(buf, len, r, NFTNL_OUTPUT_DEFAULT, 0), (int)len);
	nftnl_rule_free(r);
	return buf;
}

#define SYN_DROP(fam, nfproto, hdr)                                     \
	"inet clustd_fence input\n"                                     \
	"  [ meta load iiftype => reg 1 ]\n"                            \
	"  [ cmp neq reg 1 0x00000304 ]\n"                              \
	"  [ meta load nfproto => reg 1 ]\n"                            \
	"  [ cmp eq reg 1 " nfproto " ]\n"                              \
	"  [ payload load " hdr " => reg 1 ]\n"                         \
	"  [ lookup reg 1 set fence" fam " ]\n"                         \
	"  [ meta load l4proto => reg 1 ]\n"                            \
	"  [ cmp eq reg 1 0x00000006 ]\n"                               \
	"  [ payload load 1b @ transport header + 13 => reg 1 ]\n"      \
	"  [ bitwise reg 1 = ( reg 1 & 0x00000012 ) ^ 0x00000000 ]\n"  \
	"  [ cmp eq reg 1 0x00000002 ]\n"                               \
	"  [ counter pkts 0 bytes 0 ]\n"                                \
	"  [ immediate reg 0 drop ]\n"

static const char *table_of(const struct nlmsghdr *h, char *buf, size_t len)
{
	struct nftnl_table *t = nftnl_table_alloc();

	ck_assert_int_eq(nftnl_table_nlmsg_parse(h, t), 0);
	snprintf(buf, len, "%s", nftnl_table_get_str(t, NFTNL_TABLE_NAME));
	nftnl_table_free(t);
	return buf;
}

/* The fence (nft.h): its own table, two sets with timeouts, the input
 * chain, one rule per family dropping new TCP connections only. */
START_TEST(test_fence_batch)
{
	static const uint16_t types[] = {
		NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWTABLE), NFT(NFT_MSG_DELTABLE), NFT(NFT_MSG_NEWTABLE),
		NFT(NFT_MSG_NEWSET), NFT(NFT_MSG_NEWSET), NFT(NFT_MSG_NEWCHAIN), NFT(NFT_MSG_NEWRULE),
		NFT(NFT_MSG_NEWRULE), NFNL_MSG_BATCH_END,
	};
	struct nft_batch b;
	struct msgs m;
	struct nftnl_set *set = nftnl_set_alloc();
	struct nftnl_chain *c = nftnl_chain_alloc();
	char buf[4096];

	ck_assert_int_eq(nft_batch_fence("clustd_fence", 50, &b), 0);
	split(&b, &m);
	check_frame(&b, &m, types, sizeof(types) / sizeof(types[0]), 50);
	ck_assert_str_eq(table_of(m.m[3], buf, sizeof(buf)), "clustd_fence");
	ck_assert(m.m[3]->nlmsg_flags & NLM_F_EXCL);
	ck_assert_int_eq(nftnl_set_nlmsg_parse(m.m[4], set), 0);
	ck_assert_str_eq(nftnl_set_get_str(set, NFTNL_SET_NAME), "fence4");
	ck_assert_uint_eq(nftnl_set_get_u32(set, NFTNL_SET_FLAGS), NFT_SET_TIMEOUT);
	ck_assert_int_eq(nftnl_chain_nlmsg_parse(m.m[6], c), 0);
	ck_assert_str_eq(nftnl_chain_get_str(c, NFTNL_CHAIN_TABLE), "clustd_fence");
	ck_assert_uint_eq(nftnl_chain_get_u32(c, NFTNL_CHAIN_HOOKNUM), NF_INET_LOCAL_IN);
	ck_assert_str_eq(rule_text(m.m[7], buf, sizeof(buf)),
			 SYN_DROP("4", "0x00000002", "4b @ network header + 16"));
	ck_assert_str_eq(rule_text(m.m[8], buf, sizeof(buf)),
			 SYN_DROP("6", "0x0000000a", "16b @ network header + 24"));
	nftnl_set_free(set);
	nftnl_chain_free(c);
	nft_batch_free(&b);

	ck_assert_int_eq(nft_batch_unfence("clustd_fence", 9, &b), 0);
	split(&b, &m);
	check_frame(&b, &m, (const uint16_t[]){NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWTABLE),
			 NFT(NFT_MSG_DELTABLE), NFNL_MSG_BATCH_END}, 4, 9);
	ck_assert_str_eq(table_of(m.m[2], buf, sizeof(buf)), "clustd_fence");
	nft_batch_free(&b);
}
END_TEST

/* Closing it: the addresses into their family's set, with the timeout
 * after which it opens by itself; only the families there are. */
START_TEST(test_fence_close_batch)
{
	struct ip_addr a[3];
	struct nft_batch b;
	struct msgs m;
	char elems[256];
	size_t n;

	ck_assert(ip_addr_parse("198.51.100.100", &a[0]));
	ck_assert(ip_addr_parse("2001:db8::100", &a[1]));
	ck_assert(ip_addr_parse("203.0.113.7", &a[2]));
	ck_assert_int_eq(nft_batch_fence_close("clustd_fence", a, 3, 150, 70, &b), 0);
	split(&b, &m);
	check_frame(&b, &m, (const uint16_t[]){NFNL_MSG_BATCH_BEGIN, NFT(NFT_MSG_NEWSETELEM),
			 NFT(NFT_MSG_NEWSETELEM), NFNL_MSG_BATCH_END}, 4, 70);
	elems_of(m.m[1], "fence4", elems, sizeof(elems), &n);
	ck_assert_str_eq(elems, "198.51.100.100 203.0.113.7");
	elems_of(m.m[2], "fence6", elems, sizeof(elems), &n);
	ck_assert_str_eq(elems, "2001:db8::100");
	/* every element carries its timeout (NFTA_SET_ELEM_TIMEOUT, ms, big-endian) */
	const struct nlattr *list = top_attr(m.m[1], NFTA_SET_ELEM_LIST_ELEMENTS), *e;
	mnl_attr_for_each_nested(e, list) {
		const struct nlattr *t = nested(e, NFTA_SET_ELEM_TIMEOUT);
		ck_assert_ptr_nonnull(t);
		ck_assert_uint_eq(be64toh(mnl_attr_get_u64(t)), 150);
	}
	nft_batch_free(&b);

	ck_assert_int_eq(nft_batch_fence_close("clustd_fence", a, 1, 150, 1, &b), 0);
	split(&b, &m);
	ck_assert_uint_eq(m.n, 3); /* no IPv6 address: no message for fence6 */
	nft_batch_free(&b);
}
END_TEST

/* What status reports per instance (its "accept_filter"). */
START_TEST(test_filter_for)
{
	static const enum nft_state states[] = { NFT_NOT_NEEDED, NFT_ACTIVE, NFT_FAILED };
	struct instance_conf strict = {.priority = 100, .accept = false};
	struct instance_conf owner = {.priority = 255, .accept = false};
	struct instance_conf open = {.priority = 100, .accept = true};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct nft_filter f = {.state = states[i]};

		/* Without Accept_Mode: whatever the table is. */
		ck_assert_int_eq(nft_filter_for(&f, &strict), states[i]);
		/* An accepting master (or an owner) needs no filter, even
		 * when the table failed for the others. */
		ck_assert_int_eq(nft_filter_for(&f, &owner), NFT_NOT_NEEDED);
		ck_assert_int_eq(nft_filter_for(&f, &open), NFT_NOT_NEEDED);
	}
	ck_assert_str_eq(nft_state_name(NFT_NOT_NEEDED), "none");
	ck_assert_str_eq(nft_state_name(NFT_ACTIVE), "active");
	ck_assert_str_eq(nft_state_name(NFT_FAILED), "failed");
}
END_TEST

/* accept_filter_fail = "closed": FAULT exactly when the instance needs the
 * filter and it failed. */
START_TEST(test_fails_closed)
{
	static const enum nft_state states[] = { NFT_NOT_NEEDED, NFT_ACTIVE, NFT_FAILED };
	struct instance_conf closed = {.priority = 100, .accept = false, .accept_filter_closed = true};
	struct instance_conf open = {.priority = 100, .accept = false};
	struct instance_conf owner = {.priority = 255, .accept = false, .accept_filter_closed = true};

	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
		struct nft_filter f = {.state = states[i], .error = -EPERM};

		ck_assert(nft_filter_fails_closed(&f, &closed) == (states[i] == NFT_FAILED));
		ck_assert(!nft_filter_fails_closed(&f, &open));  /* the default serves */
		ck_assert(!nft_filter_fails_closed(&f, &owner)); /* the owner always accepts */
	}
}
END_TEST

static Suite *nft_suite(void)
{
	Suite *s = suite_create("nft");
	TCase *which = tcase_create("which_vips");
	TCase *batch = tcase_create("batch");

	tcase_add_test(which, test_accept_mode_on);
	tcase_add_test(which, test_collect);
	tcase_add_test(which, test_collect_all_accept);
	tcase_add_test(which, test_filter_for);
	tcase_add_test(which, test_fails_closed);
	suite_add_tcase(s, which);
	tcase_add_test(batch, test_replace_batch);
	tcase_add_test(batch, test_replace_batch_v4_only);
	tcase_add_loop_test(batch, test_replace_batch_many, 0, 2);
	tcase_add_test(batch, test_remove_batch);
	tcase_add_test(batch, test_fence_batch);
	tcase_add_test(batch, test_fence_close_batch);
	suite_add_tcase(s, batch);
	return s;
}

CLUSTD_TEST_MAIN(nft_suite)
