/* SPDX-License-Identifier: GPL-2.0-or-later */
/* cluster_net.c - UDP transport of the cluster plane (see cluster_net.h). */
#include "cluster_net.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "fsm.h"
#include "handover.h"
#include "log.h"
#include "vote_plane.h"
#include "xalloc.h"

#define RX_MAX_PER_WAKEUP 64
#define SECRET_MAX 4096
#define COUNTERS_REFRESH_US 1000000ull /* resend unchanged counters this often */

/* What we keep of each member for counter replication. */
struct held {
	uint8_t copy[CLUSTER_COUNTERS_MAX]; /* its latest counters */
	size_t len;                         /* 0 = none held */
	uint64_t at;                        /* when they arrived (µs) */
	bool wants_restore;                 /* its last heartbeat asked for its copy */
	bool answered;                      /* (we restore) it sent back our copy */
	struct hb_assembly own;             /* its counters, piece by piece */
	struct hb_assembly answer;          /* (we restore) our copy, piece by piece */
};

struct cluster_net {
	struct loop *loop;
	/* Its own deep copy (own_conf): a reload frees the config it came
	 * from, and the plane compares against this one (A10). */
	struct cluster_conf conf;
	const struct cluster_conf *cfg; /* = &conf */
	struct cluster_hooks hooks;
	char node[CLUSTD_NAME_MAX];
	uint8_t key[CLUSTER_KEY_LEN];
	uint64_t incarnation, seq;
	uint64_t nonce;                  /* ours: members echo it (quorum.h) */
	int fd;
	int ifindex;                     /* cfg->interface, 0 = none */
	uint64_t next_hb;                /* deadline of the next heartbeat (µs) */
	struct quorum q;
	bool has_quorum;
	struct loop_timer hb_timer;      /* next heartbeat */
	struct loop_timer expiry_timer;  /* next member death */
	struct cluster_stats stats;
	unsigned long long drop_log_last, send_log_last;
	struct held *held;               /* one per member, quorum order */
	size_t answer_next;              /* round robin over restoring members */
	bool restoring;
	uint64_t restore_started;
	unsigned restore_answers, restore_copies;
	uint8_t sent[CLUSTER_COUNTERS_MAX]; /* our counters as last sent */
	size_t sent_len;
	uint64_t sent_at;
	uint64_t soon_sent_at;           /* last heartbeat of send_soon (µs) */
	struct burst urgent;             /* send_urgent's budget */
	struct vote_plane votes;         /* our voter and our ballots */
	struct loop_timer vote_timer;    /* a vote or a lease of ours runs out */
	struct loop_timer eval_timer;    /* tell the daemon, outside any send */
	char tag[CLUSTD_NAME_MAX + 8];   /* log prefix (tag()) */
	/* Message buffers, too big for the stack (a struct heartbeat is
	 * 32 kB). Here, not static: a node without a cluster plane has none
	 * (the release build's .bss is locked in RAM whole, doc/bench.md). */
	struct heartbeat hb_out, piece_out, hb_in;
	uint8_t counters_out[CLUSTER_COUNTERS_MAX];
};

static uint32_t vote_lease_ms(const struct cluster_conf *cfg)
{
	return cfg->vote_lease_ms ? cfg->vote_lease_ms : cfg->dead_interval_ms;
}

/* The prefix of this plane's log lines: "cluster", or "cluster NAME" on
 * a witness serving several clusters. */
static const char *tag(struct cluster_net *cn)
{
	snprintf(cn->tag, sizeof(cn->tag), "cluster%s%s", cn->cfg->name_in_logs ? " " : "",
		 cn->cfg->name_in_logs ? cn->cfg->name : "");
	return cn->tag;
}

int cluster_read_secret(const char *path, uint8_t key[CLUSTER_KEY_LEN], char *err, size_t errlen)
{
	uint8_t buf[SECRET_MAX];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		snprintf(err, errlen, "cannot open secret file %s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen, "secret file %s must be a regular file that group and others "
			 "cannot access (chmod 600)", path);
		close(fd);
		return -1;
	}
	ssize_t n = read(fd, buf, sizeof(buf));
	close(fd);
	if (n < 16) {
		snprintf(err, errlen, "secret file %s: need at least 16 bytes of secret", path);
		return -1;
	}
	cluster_key_derive(buf, (size_t)n, key);
	sodium_memzero(buf, sizeof(buf));
	return 0;
}

static void crypto_ready_random(uint64_t *nonce)
{
	if (sodium_init() < 0)
		abort();
	do
		randombytes_buf(nonce, sizeof(*nonce));
	while (*nonce == 0);
}

static socklen_t sockaddr_of(const struct ip_addr *a, uint16_t port, int ifindex,
			     struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		sin->sin_addr = a->u.v4;
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	sin6->sin6_addr = a->u.v6;
	if (ip_addr_is_linklocal6(a) || ip_addr_is_multicast(a))
		sin6->sin6_scope_id = (uint32_t)ifindex;
	return sizeof(*sin6);
}

static sa_family_t plane_family(const struct cluster_conf *cfg)
{
	if (cfg->group.family != AF_UNSPEC)
		return cfg->group.family;
	for (size_t i = 0; i < cfg->nmembers; i++)
		if (cfg->members[i].addr.family != AF_UNSPEC)
			return cfg->members[i].addr.family;
	return AF_INET;
}

static int join_group(struct cluster_net *cn, int ifindex)
{
	const struct ip_addr *g = &cn->cfg->group;
	int zero = 0, ttl = 1;

	if (g->family == AF_INET) {
		struct ip_mreqn m = {.imr_multiaddr = g->u.v4, .imr_ifindex = ifindex};
		return setsockopt(cn->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &m, sizeof(m)) ||
		       setsockopt(cn->fd, IPPROTO_IP, IP_MULTICAST_IF, &m, sizeof(m)) ||
		       setsockopt(cn->fd, IPPROTO_IP, IP_MULTICAST_LOOP, &zero, sizeof(zero)) ||
		       setsockopt(cn->fd, IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof(ttl));
	}
	struct ipv6_mreq m6 = {.ipv6mr_multiaddr = g->u.v6, .ipv6mr_interface = (unsigned)ifindex};
	return setsockopt(cn->fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &m6, sizeof(m6)) ||
	       setsockopt(cn->fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, &ifindex, sizeof(ifindex)) ||
	       setsockopt(cn->fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, &zero, sizeof(zero)) ||
	       setsockopt(cn->fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &ttl, sizeof(ttl));
}

static int open_socket(struct cluster_net *cn)
{
	const struct cluster_conf *cfg = cn->cfg;
	sa_family_t family = plane_family(cfg);
	int one = 1;
	int ifindex = cfg->interface ? (int)if_nametoindex(cfg->interface) : 0;

	cn->ifindex = ifindex;
	cn->fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cn->fd < 0)
		return -1;
	setsockopt(cn->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (family == AF_INET6)
		setsockopt(cn->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (cfg->interface && setsockopt(cn->fd, SOL_SOCKET, SO_BINDTODEVICE, cfg->interface,
					 (socklen_t)strlen(cfg->interface) + 1) < 0)
		return -1;
	struct ip_addr any = {.family = family};
	struct sockaddr_storage ss;
	socklen_t len = sockaddr_of(&any, cfg->port, 0, &ss);
	if (bind(cn->fd, (struct sockaddr *)&ss, len) < 0)
		return -1;
	if (cfg->group.family != AF_UNSPEC && join_group(cn, ifindex) < 0)
		return -1;
	return 0;
}

/* ---- sending --------------------------------------------------------- */

static bool send_to(struct cluster_net *cn, const struct ip_addr *dst, const uint8_t *buf,
		    size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sockaddr_of(dst, cn->cfg->port, cn->ifindex, &ss);

	if (sendto(cn->fd, buf, len, 0, (struct sockaddr *)&ss, sl) == (ssize_t)len)
		return true;
	cn->stats.send_errors++;
	log_ratelimited(&cn->send_log_last, 5000, LOG_WARNING, "%s: cannot send heartbeat: %s",
			tag(cn), strerror(errno));
	return false;
}

/* Sign and send to the group, to every other member, or (to >= 0, in
 * unicast mode) to that member only. Returns the datagrams sent. */
static unsigned send_msg(struct cluster_net *cn, const struct heartbeat *hb, long to)
{
	uint8_t buf[CLUSTER_MAX_MSG];
	size_t len = hb_encode(hb, cn->key, buf, sizeof(buf));
	unsigned sent = 0;

	if (len == 0) {
		cn->stats.send_errors++;
		return 0;
	}
	if (cn->cfg->group.family != AF_UNSPEC)
		return send_to(cn, &cn->cfg->group, buf, len);
	for (size_t i = 0; i < cn->cfg->nmembers; i++)
		if ((to < 0 || (size_t)to == i) && strcmp(cn->cfg->members[i].name, cn->node) != 0)
			sent += send_to(cn, &cn->cfg->members[i].addr, buf, len);
	return sent;
}

/* A counters record in pieces of at most CLUSTER_PIECE_MAX bytes, each its
 * own datagram of at most 1200 bytes: never IP-fragmented. copy_for ""
 * is our own record; else the copy we hold for that restoring member,
 * with its nonce echoed. */
static void send_record(struct cluster_net *cn, const char *copy_for, uint64_t nonce,
			const uint8_t *data, size_t len, long to)
{
	struct heartbeat *hb = &cn->piece_out;
	size_t off = 0;

	memset(hb, 0, sizeof(*hb));
	hb->kind = HB_KIND_PIECE;
	snprintf(hb->node, sizeof(hb->node), "%s", cn->node);
	hb->incarnation = cn->incarnation;
	hb->has_quorum = cn->has_quorum;
	snprintf(hb->piece.copy_for, sizeof(hb->piece.copy_for), "%s", copy_for);
	hb->piece.nonce = nonce;
	hb->piece.generation = cn->seq + 1;
	hb->piece.total = (uint16_t)len;
	do {
		size_t n = len - off < CLUSTER_PIECE_MAX ? len - off : CLUSTER_PIECE_MAX;

		hb->seq = ++cn->seq;
		hb->piece.offset = (uint16_t)off;
		hb->piece.len = n;
		memcpy(hb->piece.data, data + off, n);
		cn->stats.pieces_tx += send_msg(cn, hb, to);
		off += n;
	} while (off < len);
}

/* Our counters go out when they changed or every second (for a member
 * that restarted and lost its copies); never while we restore, or a peer
 * would overwrite the copy we are asking for. */
static void send_counters(struct cluster_net *cn, bool now_or_never)
{
	uint8_t *buf = cn->counters_out;
	uint64_t now = mono_now_us();

	if (cn->restoring || !cn->hooks.counters)
		return;
	/* The record changes at nearly every heartbeat (time in state), so
	 * "when changed" alone would add a datagram to every heartbeat: at
	 * most one copy per CLUSTER_COUNTERS_GAP_MS, except the last one at a
	 * clean stop. */
	if (!now_or_never && cn->sent_len && now < cn->sent_at + CLUSTER_COUNTERS_GAP_MS * 1000ull)
		return;
	size_t len = cn->hooks.counters(cn->hooks.arg, buf, sizeof(cn->counters_out));
	if (len == 0 || (len == cn->sent_len && now < cn->sent_at + COUNTERS_REFRESH_US &&
			 memcmp(buf, cn->sent, len) == 0))
		return;
	memcpy(cn->sent, buf, len);
	cn->sent_len = len;
	cn->sent_at = now;
	send_record(cn, "", 0, buf, len, -1);
}

/* One restoring member per heartbeat gets back the copy we hold, with its
 * nonce: a recorded answer to an earlier request carries another one. */
static void send_answer(struct cluster_net *cn)
{
	uint64_t now = mono_now_us();

	for (size_t k = 0; k < cn->q.n; k++) {
		size_t i = (cn->answer_next + k) % cn->q.n;
		const struct member *m = &cn->q.members[i];

		if (m->self || !cn->held[i].wants_restore || !quorum_member_alive(&cn->q, m, now))
			continue;
		cn->answer_next = i + 1;
		send_record(cn, m->name, m->nonce, cn->held[i].copy, cn->held[i].len, (long)i);
		return;
	}
}

/* The daemon hears of vote changes from a timer armed for now, never from
 * inside a send: what it does (a state change) may send a heartbeat. */
static void votes_changed_soon(struct cluster_net *cn)
{
	loop_timer_arm(cn->loop, &cn->eval_timer, mono_now_us());
}

static void arm_vote_timer(struct cluster_net *cn)
{
	uint64_t next = vote_plane_next_event(&cn->votes, mono_now_us());

	if (next)
		loop_timer_arm(cn->loop, &cn->vote_timer, next);
	else
		loop_timer_cancel(cn->loop, &cn->vote_timer);
}

static void send_heartbeat(struct cluster_net *cn, bool final)
{
	struct heartbeat *hb = &cn->hb_out;

	memset(hb, 0, sizeof(*hb));
	hb->kind = HB_KIND_HEARTBEAT;
	snprintf(hb->node, sizeof(hb->node), "%s", cn->node);
	hb->incarnation = cn->incarnation;
	hb->seq = ++cn->seq;
	hb->has_quorum = cn->has_quorum;
	hb->nonce = cn->nonce;
	hb->necho = quorum_echo(&cn->q, mono_now_us(), hb->echo, CLUSTER_MAX_ECHO);
	hb->restore_request = cn->restoring;
	if (cn->hooks.fill)
		cn->hooks.fill(cn->hooks.arg, hb);
	if (vote_plane_sending(&cn->votes, &cn->q, hb, mono_now_us()))
		votes_changed_soon(cn);
	cn->stats.tx += send_msg(cn, hb, -1);
	arm_vote_timer(cn);
	send_counters(cn, final);
	send_answer(cn);
}

void cluster_net_send_now(struct cluster_net *cn)
{
	send_heartbeat(cn, false);
}

void cluster_net_send_final(struct cluster_net *cn)
{
	send_heartbeat(cn, true);
}

void cluster_net_send_soon(struct cluster_net *cn)
{
	uint64_t now = mono_now_us(), free_at = cn->soon_sent_at + CLUSTER_SEND_SOON_GAP_MS * 1000ull;

	if (cn->soon_sent_at && now < free_at) {
		if (free_at < cn->next_hb) { /* the regular one carries it */
			cn->next_hb = free_at;
			loop_timer_arm(cn->loop, &cn->hb_timer, free_at);
		}
		return;
	}
	cn->soon_sent_at = now;
	cluster_net_send_now(cn);
}

void cluster_net_send_urgent(struct cluster_net *cn)
{
	if (!burst_take(&cn->urgent, mono_now_us(), CLUSTER_SEND_SOON_GAP_MS * 1000ull,
			CLUSTER_URGENT_MAX)) {
		cn->stats.urgent_deferred++;
		cluster_net_send_soon(cn);
		return;
	}
	cn->stats.urgent_tx++;
	cluster_net_send_now(cn);
}

void cluster_net_reevaluate(struct cluster_net *cn)
{
	votes_changed_soon(cn);
}

/* Over when every live member answered (after one dead interval, by
 * which time every live member has been heard), or at the limit. */
static void check_restore_done(struct cluster_net *cn, uint64_t now)
{
	bool all = true;

	if (!cn->restoring)
		return;
	for (size_t i = 0; i < cn->q.n; i++) {
		const struct member *m = &cn->q.members[i];
		if (!m->self && quorum_member_alive(&cn->q, m, now) && !cn->held[i].answered)
			all = false;
	}
	uint64_t since = now - cn->restore_started;
	if (!(all && since >= cn->cfg->dead_interval_ms * 1000ull) &&
	    since < CLUSTER_RESTORE_MAX_MS * 1000ull)
		return;
	cn->restoring = false;
	if (cn->hooks.restore_done)
		cn->hooks.restore_done(cn->hooks.arg, cn->restore_answers, cn->restore_copies);
}

static void hb_timer_fired(void *arg)
{
	struct cluster_net *cn = arg;

	uint64_t interval = cn->cfg->heartbeat_interval_ms * 1000ull, now = mono_now_us();
	/* Keep the cadence: wake-up delays must not add up; after a stall
	 * start afresh instead of sending a burst. */
	check_restore_done(cn, now);
	cluster_net_send_now(cn);
	cn->next_hb += interval;
	if (cn->next_hb <= now)
		cn->next_hb = now + interval;
	loop_timer_arm(cn->loop, &cn->hb_timer, cn->next_hb);
}

/* ---- membership ------------------------------------------------------ */

static void arm_expiry(struct cluster_net *cn, uint64_t now)
{
	uint64_t next = quorum_next_expiry(&cn->q, now);

	if (next)
		loop_timer_arm(cn->loop, &cn->expiry_timer, next);
	else
		loop_timer_cancel(cn->loop, &cn->expiry_timer);
}

/* Recompute the verdict, report a change, and arm the next expiry. */
static void reevaluate(struct cluster_net *cn)
{
	uint64_t now = mono_now_us();
	bool has = quorum_has(&cn->q, now);

	if (has != cn->has_quorum) {
		cn->has_quorum = has;
		log_notice("%s: quorum %s (%u of %zu members alive, %u needed)", tag(cn),
			   has ? "gained" : "lost", quorum_alive(&cn->q, now), cn->q.n, cn->q.needed);
		if (cn->hooks.quorum_changed)
			cn->hooks.quorum_changed(cn->hooks.arg, has);
	}
	arm_expiry(cn, now);
}

static void expiry_timer_fired(void *arg)
{
	reevaluate(arg);
}

static void vote_timer_fired(void *arg)
{
	struct cluster_net *cn = arg;

	if (vote_plane_expire(&cn->votes, mono_now_us()) & VP_SEND_SOON)
		cluster_net_send_urgent(cn); /* a vote went to the candidate waiting */
	arm_vote_timer(cn);
	votes_changed_soon(cn);
}

static void eval_timer_fired(void *arg)
{
	struct cluster_net *cn = arg;

	if (cn->hooks.votes_changed)
		cn->hooks.votes_changed(cn->hooks.arg);
}

static void count_drop(struct cluster_net *cn, enum hb_drop why, const char *from)
{
	cn->stats.drops[why]++;
	log_ratelimited(&cn->drop_log_last, 5000, LOG_WARNING,
			"%s: dropped heartbeat from %s: %s (%llu so far)", tag(cn), from,
			hb_drop_name(why), cn->stats.drops[why]);
}

static long member_index(const struct cluster_net *cn, const char *name)
{
	for (size_t i = 0; i < cn->q.n; i++)
		if (strcmp(cn->q.members[i].name, name) == 0)
			return (long)i;
	return -1;
}

/* In unicast mode every member's messages must come from its configured
 * address; a multicast sender's address is the kernel's choice (the
 * interface's primary IPv4 address, an IPv6 link-local one), so multicast
 * mode cannot bind names to addresses (doc/quorum.md). */
static const struct ip_addr *checked_source(const struct cluster_net *cn, const struct ip_addr *src)
{
	return cn->cfg->group.family == AF_UNSPEC ? src : NULL;
}

uint64_t cluster_net_incarnation_limit(const struct cluster_net *cn)
{
	return quorum_incarnation_limit((uint64_t)time(NULL), cn->incarnation);
}

/* A member's heartbeat says whether it asks for its copy back. */
static void note_restore_request(struct cluster_net *cn, const struct heartbeat *hb)
{
	long i = member_index(cn, hb->node);

	if (i >= 0)
		cn->held[i].wants_restore = hb->restore_request;
}

/* A member's own counters replace our copy once whole, except while it
 * asks for that copy back: then it has lost them, and ours is what it
 * needs. */
static void keep_counters(struct cluster_net *cn, size_t i, const struct heartbeat *hb)
{
	struct held *h = &cn->held[i];

	if (h->wants_restore || hb_assemble(&h->own, hb->incarnation, &hb->piece) != HB_PIECE_COMPLETE)
		return;
	memcpy(h->copy, h->own.data, h->own.total);
	h->len = h->own.total;
	h->at = mono_now_us();
}

/* Our copy back from a member while we restore: only with our nonce of
 * this run (a recorded answer to an earlier request has another). */
static void take_answer(struct cluster_net *cn, size_t i, const struct heartbeat *hb)
{
	struct held *h = &cn->held[i];

	if (!cn->restoring || h->answered)
		return;
	if (!hb_piece_answers(hb, cn->node, cn->nonce)) {
		cn->stats.stale_answers++;
		return;
	}
	if (hb_assemble(&h->answer, hb->incarnation, &hb->piece) != HB_PIECE_COMPLETE)
		return;
	h->answered = true;
	cn->restore_answers++;
	cn->restore_copies += h->answer.total > 0;
	if (cn->hooks.restored)
		cn->hooks.restored(cn->hooks.arg, hb->node, h->answer.data, h->answer.total);
}

static enum hb_drop handle_piece(struct cluster_net *cn, const struct heartbeat *hb,
				 const struct ip_addr *src)
{
	size_t i = 0;
	enum hb_drop why = quorum_piece_from(&cn->q, hb, checked_source(cn, src),
					     cluster_net_incarnation_limit(cn), &i);

	if (why != HB_OK)
		return why;
	cn->stats.pieces_rx++;
	if (hb->piece.copy_for[0] == '\0')
		keep_counters(cn, i, hb);
	else if (strcmp(hb->piece.copy_for, cn->node) == 0)
		take_answer(cn, i, hb);
	return HB_OK;
}

static enum hb_drop handle_heartbeat(struct cluster_net *cn, const struct heartbeat *hb,
				     const struct ip_addr *src)
{
	long i = member_index(cn, hb->node);
	bool was_alive = i >= 0 && quorum_member_alive(&cn->q, &cn->q.members[i], mono_now_us());
	enum hb_drop why = quorum_heard(&cn->q, hb, checked_source(cn, src), mono_now_us(),
					cluster_net_incarnation_limit(cn));

	if (why != HB_OK)
		return why;
	if (i >= 0 && !was_alive && quorum_member_alive(&cn->q, &cn->q.members[i], mono_now_us()))
		log_info("%s: member %s (incarnation %llu) is alive", tag(cn), hb->node,
			 (unsigned long long)hb->incarnation);
	cn->stats.rx++;
	note_restore_request(cn, hb);
	reevaluate(cn);
	unsigned votes = vote_plane_heard(&cn->votes, &cn->q, (size_t)i, hb, mono_now_us());
	if (votes & VP_SEND_SOON)
		cluster_net_send_urgent(cn); /* a vote changed hands: a handover waits on it */
	arm_vote_timer(cn);
	/* Every heartbeat may bring a rival's request or a vote. */
	votes_changed_soon(cn);
	return HB_OK;
}

static void handle_datagram(struct cluster_net *cn, const uint8_t *buf, size_t len,
			    const struct ip_addr *src, const char *from)
{
	struct heartbeat *hb = &cn->hb_in;
	enum hb_drop why = hb_decode(buf, len, cn->key, hb);

	if (why == HB_OK)
		why = hb->kind == HB_KIND_PIECE ? handle_piece(cn, hb, src)
						: handle_heartbeat(cn, hb, src);
	if (why != HB_OK)
		count_drop(cn, why, from);
}

/* What is dropped before the MAC, which costs a hash over the whole
 * datagram: anything longer than the largest message, and in unicast
 * mode anything from an address that is no member's. */
static enum hb_drop precheck(const struct cluster_net *cn, size_t len, const struct ip_addr *src)
{
	if (len > CLUSTER_MAX_MSG)
		return HB_DROP_OVERSIZE;
	if (cn->cfg->group.family == AF_UNSPEC && !quorum_member_at(&cn->q, src))
		return HB_DROP_STRANGER;
	return HB_OK;
}

static void rx_ready(void *arg, uint32_t events)
{
	struct cluster_net *cn = arg;
	uint8_t buf[CLUSTER_MAX_MSG];

	(void)events;
	for (int i = 0; i < RX_MAX_PER_WAKEUP; i++) {
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		ssize_t n = recvfrom(cn->fd, buf, sizeof(buf), MSG_TRUNC, (struct sockaddr *)&ss, &sl);
		if (n < 0)
			return; /* EAGAIN, or an error the next wakeup will see again */
		struct ip_addr src = {0};
		if (ss.ss_family == AF_INET)
			ip_addr_from_in(&src, ((struct sockaddr_in *)&ss)->sin_addr);
		else if (ss.ss_family == AF_INET6)
			ip_addr_from_in6(&src, &((struct sockaddr_in6 *)&ss)->sin6_addr);
		char from[IP_ADDR_STRLEN];
		ip_addr_str(&src, from);
		enum hb_drop why = precheck(cn, (size_t)n, &src);
		if (why != HB_OK) {
			count_drop(cn, why, from);
			continue;
		}
		handle_datagram(cn, buf, (size_t)n, &src, from);
	}
}

/* ---- life cycle ------------------------------------------------------ */

static void own_conf(struct cluster_conf *to, const struct cluster_conf *from)
{
	*to = *from;
	to->secret_file = from->secret_file ? xstrdup(from->secret_file) : NULL;
	to->interface = from->interface ? xstrdup(from->interface) : NULL;
	for (size_t i = 0; i < from->nmembers; i++)
		to->members[i].name = xstrdup(from->members[i].name);
}

static void release_conf(struct cluster_conf *c)
{
	free(c->secret_file);
	free(c->interface);
	for (size_t i = 0; i < c->nmembers; i++)
		free(c->members[i].name);
	memset(c, 0, sizeof(*c));
}

/* What a plane restarted within the run keeps of the one before it: the
 * membership (quorum_carry) and the counters copies it holds, by name. */
static void carry_over(struct cluster_net *cn, const struct cluster_net *prev)
{
	quorum_carry(&cn->q, &prev->q);
	vote_plane_carry(&cn->votes, &cn->q, cn->incarnation, &prev->votes, &prev->q);
	for (size_t i = 0; i < cn->q.n; i++) {
		long j = member_index(prev, cn->q.members[i].name);

		if (j < 0 || cn->q.members[i].self)
			continue;
		cn->held[i].len = prev->held[j].len;
		cn->held[i].at = prev->held[j].at;
		memcpy(cn->held[i].copy, prev->held[j].copy, prev->held[j].len);
	}
}

/* cluster_net_open, and with prev (which it closes, before binding the
 * same port) cluster_net_reopen. */
static struct cluster_net *plane_open(struct loop *l, const struct cluster_conf *cfg,
				      const char *node_name, uint64_t incarnation, bool restore,
				      const struct cluster_hooks *hooks, struct cluster_net *prev)
{
	struct cluster_net *cn = xcalloc(1, sizeof(*cn));
	const char *names[CLUSTD_MAX_PEERS];
	char err[256];

	cn->loop = l;
	own_conf(&cn->conf, cfg);
	cn->cfg = cfg = &cn->conf;
	cn->hooks = *hooks;
	cn->fd = -1;
	cn->incarnation = incarnation;
	snprintf(cn->node, sizeof(cn->node), "%s", node_name);
	cn->hb_timer = (struct loop_timer){.fn = hb_timer_fired, .arg = cn};
	cn->expiry_timer = (struct loop_timer){.fn = expiry_timer_fired, .arg = cn};
	cn->vote_timer = (struct loop_timer){.fn = vote_timer_fired, .arg = cn};
	cn->eval_timer = (struct loop_timer){.fn = eval_timer_fired, .arg = cn};
	for (size_t i = 0; i < cfg->nmembers; i++)
		names[i] = cfg->members[i].name;
	if (cluster_read_secret(cfg->secret_file, cn->key, err, sizeof(err)) < 0) {
		log_err("%s: %s", tag(cn), err);
		goto fail;
	}
	/* New at every start of the plane: a member counts as alive only
	 * once it echoes it, which no recording of an earlier run does. */
	crypto_ready_random(&cn->nonce);
	if (quorum_init(&cn->q, names, cfg->nmembers, node_name, cfg->quorum,
			cfg->dead_interval_ms, cn->nonce) < 0) {
		log_err("%s: node name %s is not among the cluster members", tag(cn), node_name);
		goto fail;
	}
	for (size_t i = 0; i < cfg->nmembers && cfg->group.family == AF_UNSPEC; i++)
		quorum_bind_address(&cn->q, i, &cfg->members[i].addr);
	cn->held = xcalloc(cn->q.n, sizeof(*cn->held));
	/* A start of the daemon may have forgotten what it granted: its voter
	 * waits out a lease; a plane restarted in the run carries it over. */
	vote_plane_init(&cn->votes, &cn->q, vote_lease_ms(cfg), cfg->slack_ms, mono_now_us(),
			prev == NULL);
	if (prev)
		carry_over(cn, prev);
	cluster_net_close(prev);
	prev = NULL;
	cn->restoring = restore;
	cn->restore_started = mono_now_us();
	if (open_socket(cn) < 0) {
		log_err("%s: cannot open UDP port %u: %s", tag(cn), cfg->port, strerror(errno));
		goto fail;
	}
	if (loop_add_fd(l, cn->fd, EPOLLIN, rx_ready, cn) < 0)
		goto fail;
	cn->has_quorum = quorum_has(&cn->q, mono_now_us());
	arm_expiry(cn, mono_now_us());
	log_notice("%s: node %s incarnation %llu, %zu members, quorum %u, heartbeat %u ms, "
		   "dead interval %u ms, vote lease %u ms, %s%s", tag(cn), node_name,
		   (unsigned long long)incarnation, cfg->nmembers, cn->q.needed,
		   cfg->heartbeat_interval_ms, cfg->dead_interval_ms, vote_lease_ms(cfg),
		   vote_plane_gated(&cn->votes) ? "mastership by votes" : "no split-brain protection",
		   cn->has_quorum ? ", quorum kept" : "");
	hb_timer_fired(cn);
	return cn;
fail:
	cluster_net_close(prev);
	cluster_net_close(cn);
	return NULL;
}

struct cluster_net *cluster_net_open(struct loop *l, const struct cluster_conf *cfg,
				     const char *node_name, uint64_t incarnation, bool restore,
				     const struct cluster_hooks *hooks)
{
	return plane_open(l, cfg, node_name, incarnation, restore, hooks, NULL);
}

struct cluster_net *cluster_net_reopen(struct cluster_net *prev, const struct cluster_conf *cfg,
				       uint64_t incarnation)
{
	struct cluster_hooks hooks = prev->hooks;
	char node[CLUSTD_NAME_MAX];

	snprintf(node, sizeof(node), "%s", prev->node);
	return plane_open(prev->loop, cfg, node, incarnation, false, &hooks, prev);
}

void cluster_net_close(struct cluster_net *cn)
{
	if (!cn)
		return;
	loop_timer_cancel(cn->loop, &cn->hb_timer);
	loop_timer_cancel(cn->loop, &cn->expiry_timer);
	loop_timer_cancel(cn->loop, &cn->vote_timer);
	loop_timer_cancel(cn->loop, &cn->eval_timer);
	if (cn->fd >= 0) {
		loop_del_fd(cn->loop, cn->fd);
		close(cn->fd);
	}
	quorum_free(&cn->q);
	sodium_memzero(cn->key, sizeof(cn->key));
	release_conf(&cn->conf);
	free(cn->held);
	free(cn);
}

bool cluster_net_has_quorum(const struct cluster_net *cn)
{
	return cn->has_quorum;
}

const struct quorum *cluster_net_quorum(const struct cluster_net *cn)
{
	return &cn->q;
}

const struct cluster_stats *cluster_net_stats(const struct cluster_net *cn)
{
	return &cn->stats;
}

uint64_t cluster_net_incarnation(const struct cluster_net *cn)
{
	return cn->incarnation;
}

void cluster_net_set_incarnation(struct cluster_net *cn, uint64_t incarnation)
{
	cn->incarnation = incarnation;
	cn->seq = 0;
	/* Ballots go on with the new incarnation's requests; the grants they
	 * count keep their (earlier) ends. */
	memset(&cn->votes.sent, 0, sizeof(cn->votes.sent));
	for (size_t i = 0; i < cn->votes.nballots; i++) {
		cn->votes.ballots[i].incarnation = incarnation;
		cn->votes.ballots[i].first_seq = 0;
	}
}

bool cluster_net_restoring(const struct cluster_net *cn)
{
	return cn->restoring;
}

const uint8_t *cluster_net_held_copy(const struct cluster_net *cn, size_t i, size_t *len,
				     uint64_t now, uint64_t *age_us)
{
	if (i >= cn->q.n || !cn->held[i].len)
		return NULL;
	*len = cn->held[i].len;
	*age_us = now - cn->held[i].at;
	return cn->held[i].copy;
}

static bool same_str(const char *a, const char *b)
{
	return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

bool cluster_net_same_conf(const struct cluster_net *cn, const struct cluster_conf *b)
{
	const struct cluster_conf *a = cn->cfg;

	if (!same_str(a->secret_file, b->secret_file) || !same_str(a->interface, b->interface) ||
	    memcmp(a->secret_digest, b->secret_digest, sizeof(a->secret_digest)) != 0 ||
	    a->port != b->port || !ip_addr_equal(&a->group, &b->group) ||
	    a->heartbeat_interval_ms != b->heartbeat_interval_ms ||
	    a->dead_interval_ms != b->dead_interval_ms || a->quorum != b->quorum ||
	    a->vote_lease_ms != b->vote_lease_ms || a->slack_ms != b->slack_ms ||
	    a->nmembers != b->nmembers)
		return false;
	for (size_t i = 0; i < a->nmembers; i++)
		if (strcmp(a->members[i].name, b->members[i].name) != 0 ||
		    !ip_addr_equal(&a->members[i].addr, &b->members[i].addr))
			return false;
	return true;
}

void cluster_net_adopt_conf(struct cluster_net *cn, const struct cluster_conf *new_cfg)
{
	release_conf(&cn->conf);
	own_conf(&cn->conf, new_cfg);
}

bool cluster_net_votes_gated(const struct cluster_net *cn)
{
	return vote_plane_gated(&cn->votes);
}

bool cluster_net_votes_held(const struct cluster_net *cn, const char *name, uint64_t now,
			    uint64_t *lease_end)
{
	return vote_plane_held(&cn->votes, name, now, lease_end);
}

const struct vote_plane *cluster_net_votes(const struct cluster_net *cn)
{
	return &cn->votes;
}

const char *cluster_net_rival(const struct cluster_net *cn, const char *name, const char *except,
			      uint64_t now, uint8_t *priority)
{
	return vote_plane_rival_except(&cn->q, name, except, now, priority);
}
