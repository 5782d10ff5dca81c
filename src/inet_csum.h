/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inet_csum.h - the Internet checksum (RFC 1071), for VRRP adverts
 * (packet.c) and ICMPv6 neighbour advertisements (announce.c). Pure. */
#ifndef CLUSTD_INET_CSUM_H
#define CLUSTD_INET_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* Add len bytes to a running one's-complement sum (start with 0) as
 * big-endian 16-bit words. Only the last chunk of a sum may have an odd
 * length: RFC 1071 pads it with a zero byte. The result is folded to 16
 * bits, so any number of chunks of any length can be added. */
uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len);

/* Add the pseudo-header of an upper-layer packet of len bytes with
 * protocol (next header) proto: addr_len 4 is IPv4 (RFC 768: src, dst,
 * 0, proto, 16-bit length), 16 is IPv6 (RFC 8200 §8.1: src, dst, 32-bit
 * length, three zero bytes, proto). */
uint32_t inet_csum_pseudo(uint32_t sum, const uint8_t *src, const uint8_t *dst,
			  size_t addr_len, size_t len, uint8_t proto);

/* The value for the checksum field (host order) when it held zero while
 * summing; 0 when the sum ran over data whose checksum is already right. */
uint16_t inet_csum_finish(uint32_t sum);

#endif
