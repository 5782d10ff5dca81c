/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vip_conns.h - the TCP connections to the VIPs that still wait for this
 * node (settle.h says why that matters before a planned release), read
 * from the kernel with sock_diag (NETLINK_SOCK_DIAG, inet_diag). */
#ifndef CLUSTD_VIP_CONNS_H
#define CLUSTD_VIP_CONNS_H

#include <stddef.h>

#include "addr.h"

/* How many TCP sockets have one of the VIPs as their local address and a
 * peer that may still wait for us: a handshake under way (SYN_RECV), open
 * (ESTABLISHED), closed by the peer but not by us (CLOSE_WAIT), or our data
 * or FIN not yet acknowledged (FIN_WAIT1, CLOSING, LAST_ACK). -1 when the
 * kernel cannot tell (no sock_diag): the caller then does not wait. */
int vip_conns_waiting(const struct vip *vips, size_t n);

#endif
