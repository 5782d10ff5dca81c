/* SPDX-License-Identifier: GPL-2.0-or-later */
/* nft.h - Accept_Mode (RFC 5798 §6.1, §6.4.3) enforced with nftables.
 *
 * clustd owns one table, "inet clustd": a set of IPv4 and a set of IPv6
 * addresses (the VIPs of instances with accept = false that are not
 * address owners) and an input chain that drops traffic addressed to
 * them, except ICMPv6 Neighbour Solicitations and Advertisements (§6.1)
 * and traffic from the node itself (loopback). ARP never reaches the
 * inet input hook, so it is never dropped.
 *
 * The sets are static per config: a VIP is a local address only while
 * its instance is master, so the drop only bites then. The table is
 * replaced atomically (one nftables transaction) at start and on reload,
 * which also replaces a table left by a predecessor that was killed, and
 * removed at a clean stop.
 *
 * The node also has a fence, table "inet clustd_fence", made open at
 * start and removed at a clean stop; a planned release of VIPs (settle.h)
 * closes it for them for its last moments (it opens by itself 100 ms
 * after the settle's bound): new TCP connections to them are dropped
 * (nft_batch_fence).
 *
 * The batch builders are pure (they only fill memory) and unit-tested;
 * nft_send() and the nft_filter_* calls talk to the kernel over netlink
 * (libnftnl + libmnl); nothing spawns nft(8). */
#ifndef CLUSTD_NFT_H
#define CLUSTD_NFT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "model.h"

#define NFT_TABLE "clustd"        /* family inet */
#define NFT_CHAIN "input"
#define NFT_SET4 "noaccept4"
#define NFT_SET6 "noaccept6"

/* Does the master of this instance accept traffic to its VIPs? The
 * address owner (priority 255) always does (§6.4.3). */
bool accept_mode_on(const struct instance_conf *ic);

/* The addresses to filter: VIPs of instances without Accept_Mode, each
 * once, leaving out any VIP that an accepting instance also lists (never
 * drop what an accepting master would serve). */
struct nft_vips {
	size_t n4, n6;
	struct ip_addr *v4, *v6;
};

/* 0 or -ENOMEM (then out is empty). */
int nft_vips_collect(const struct clustd_config *cfg, struct nft_vips *out);
void nft_vips_free(struct nft_vips *v);

/* One nftables transaction: BATCH_BEGIN, messages, BATCH_END. Every
 * message in between asks for an ack; nacks counts them. */
struct nft_batch {
	char *buf;
	size_t len;
	unsigned nacks;
};

/* Replace the table with one filtering v (either set may be empty):
 * create-if-missing, delete, create, sets, elements, chain, rules.
 * 0 or -ENOMEM. seq numbers the messages from seq on. */
int nft_batch_replace(const struct nft_vips *v, uint32_t seq, struct nft_batch *b);
/* Remove the table if there is one (create-if-missing, then delete). */
int nft_batch_remove(uint32_t seq, struct nft_batch *b);
void nft_batch_free(struct nft_batch *b);

/* Send a batch to the kernel and wait for its acks (bounded).
 * 0, or -errno of the first message the kernel refused. */
int nft_send(const struct nft_batch *b);

/* A fence: table `table` (family inet) whose input chain drops the first
 * packet of every new TCP connection (SYN without ACK) to the addresses
 * in its sets fence4 and fence6, from anywhere but loopback; open
 * connections pass. Made with empty sets when an instance starts (a fence
 * of that name is replaced). Closed for the last moments before a planned
 * release of the VIPs (settle.h) by adding them to the sets with a
 * timeout: it opens by itself when they expire. (Adding elements takes
 * the kernel well under a millisecond; deleting them, emptying a set, or
 * making or removing a table with a hooked chain takes it 10 to 25 ms,
 * which the loop must not wait for at that moment.) A client then tries
 * again (its SYN retransmission, a second later) and reaches the next
 * master, rather than being accepted here just before the address goes. */
int nft_batch_fence(const char *table, uint32_t seq, struct nft_batch *b);
int nft_batch_fence_close(const char *table, const struct ip_addr *addrs, size_t n,
			  uint64_t timeout_ms, uint32_t seq, struct nft_batch *b);
/* Remove table `table` if there is one. */
int nft_batch_unfence(const char *table, uint32_t seq, struct nft_batch *b);
/* Each of those, sent: 0 or -errno. */
int nft_fence_make(const char *table);
int nft_fence_close(const char *table, const struct ip_addr *addrs, size_t n, uint64_t timeout_ms);
int nft_fence_remove(const char *table);

/* ---- the daemon's view ------------------------------------------------ */

enum nft_state {
	NFT_NOT_NEEDED,   /* every instance accepts: no table */
	NFT_ACTIVE,       /* the table is installed and filters n4 + n6 VIPs */
	NFT_FAILED,       /* needed but the kernel refused it (error) */
};

struct nft_filter {
	enum nft_state state;
	int error;        /* -errno when NFT_FAILED */
	size_t n4, n6;
};

/* Install the table for cfg (replacing any earlier one), or remove it
 * when no instance needs it. Failures are logged; the daemon runs on. */
void nft_filter_sync(struct nft_filter *f, const struct clustd_config *cfg);
/* Remove the table (clean stop). */
void nft_filter_remove(struct nft_filter *f);

/* The filter behind this instance's VIPs (status): NFT_NOT_NEEDED when its
 * master accepts (accept_mode_on()), else the table's state; NFT_ACTIVE
 * means accept = false is enforced. */
enum nft_state nft_filter_for(const struct nft_filter *f, const struct instance_conf *ic);
/* accept_filter_fail = "closed": the instance needs the filter and it
 * failed, so it must not serve (FAULT) rather than accept unfiltered. */
bool nft_filter_fails_closed(const struct nft_filter *f, const struct instance_conf *ic);
/* "not needed", "active", "failed" (status). */
const char *nft_state_name(enum nft_state s);

#endif
