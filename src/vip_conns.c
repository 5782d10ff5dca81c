/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vip_conns.c - TCP connections to the VIPs that wait for us (vip_conns.h). */
#include "vip_conns.h"

#include <libmnl/libmnl.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The states in which the peer may still wait for something of ours. */
#define WAITING_STATES ((1u << TCP_SYN_RECV) | (1u << TCP_ESTABLISHED) | (1u << TCP_CLOSE_WAIT) | \
			(1u << TCP_FIN_WAIT1) | (1u << TCP_CLOSING) | (1u << TCP_LAST_ACK))

struct count {
	const struct vip *vips;
	size_t n;
	sa_family_t family;
	int found;
};

static bool is_vip(const struct count *c, const void *src)
{
	size_t len = c->family == AF_INET ? 4 : 16;

	for (size_t i = 0; i < c->n; i++)
		if (c->vips[i].addr.family == c->family && memcmp(c->vips[i].addr.u.bytes, src, len) == 0)
			return true;
	return false;
}

static int one_socket(const struct nlmsghdr *nlh, void *arg)
{
	struct count *c = arg;
	const struct inet_diag_msg *m = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(*m) && is_vip(c, m->id.idiag_src))
		c->found++;
	return MNL_CB_OK;
}

/* The count for one family; false when the dump failed. */
static bool count_family(struct mnl_socket *nl, struct count *c, uint32_t seq)
{
	char buf[MNL_SOCKET_BUFFER_SIZE];
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct inet_diag_req_v2 *req;
	uint32_t portid = mnl_socket_get_portid(nl);
	ssize_t len;
	int rc = MNL_CB_OK;

	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	nlh->nlmsg_seq = seq;
	req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = (uint8_t)c->family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_states = WAITING_STATES;
	if (mnl_socket_sendto(nl, nlh, nlh->nlmsg_len) < 0)
		return false;
	while (rc > MNL_CB_STOP && (len = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0)
		rc = mnl_cb_run(buf, (size_t)len, seq, portid, one_socket, c);
	return rc == MNL_CB_STOP;
}

int vip_conns_waiting(const struct vip *vips, size_t n)
{
	static const sa_family_t families[] = {AF_INET, AF_INET6};
	struct mnl_socket *nl = mnl_socket_open2(NETLINK_SOCK_DIAG, SOCK_CLOEXEC);
	uint32_t seq = (uint32_t)time(NULL);
	int total = 0;

	if (!nl)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(nl);
		return -1;
	}
	for (size_t f = 0; f < 2 && total >= 0; f++) {
		struct count c = {.vips = vips, .n = n, .family = families[f]};
		bool any = false;

		for (size_t i = 0; i < n; i++)
			any |= vips[i].addr.family == c.family;
		if (!any)
			continue;
		total = count_family(nl, &c, seq + (uint32_t)f) ? total + c.found : -1;
	}
	mnl_socket_close(nl);
	return total;
}
