/* SPDX-License-Identifier: GPL-2.0-or-later */
/* inet_csum.c - RFC 1071 Internet checksum (inet_csum.h). */
#include "inet_csum.h"

static uint32_t fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint32_t)sum;
}

uint32_t inet_csum_add(uint32_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = sum; /* 64 bits: no overflow before the fold at any length */

	while (len > 1) {
		acc += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		acc += (uint32_t)p[0] << 8;
	return fold(acc);
}

uint32_t inet_csum_pseudo(uint32_t sum, const uint8_t *src, const uint8_t *dst,
			  size_t addr_len, size_t len, uint8_t proto)
{
	sum = inet_csum_add(sum, src, addr_len);
	sum = inet_csum_add(sum, dst, addr_len);
	if (addr_len == 16) {
		const uint8_t tail[8] = {
			(uint8_t)(len >> 24), (uint8_t)(len >> 16),
			(uint8_t)(len >> 8), (uint8_t)len,
			0, 0, 0, proto,
		};
		return inet_csum_add(sum, tail, sizeof(tail));
	}
	const uint8_t tail[4] = { 0, proto, (uint8_t)(len >> 8), (uint8_t)len };

	return inet_csum_add(sum, tail, sizeof(tail));
}

uint16_t inet_csum_finish(uint32_t sum)
{
	return (uint16_t)~fold(sum);
}
