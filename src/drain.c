/* SPDX-License-Identifier: GPL-2.0-or-later */
/* drain.c - the drained instances and their state file's text (drain.h).
 * Pure. */
#include "drain.h"
#include "heartbeat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#define DRAIN_MAGIC "CLDRAIN 1\n"
#define DRAIN_SUM_BYTES 16
#define DRAIN_SUM_HEX (2 * DRAIN_SUM_BYTES)
#define DRAIN_SUM_LINE "sum "

bool drain_covers(const struct drain_set *d, const char *instance)
{
	if (d->node)
		return true;
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->names[i], instance) == 0)
			return true;
	return false;
}

static bool named(const struct drain_set *d, const char *instance)
{
	for (size_t i = 0; i < d->n; i++)
		if (strcmp(d->names[i], instance) == 0)
			return true;
	return false;
}

enum drain_how drain_how(const struct drain_set *d, const char *instance)
{
	if (d->node)
		return DRAIN_BY_NODE;
	return named(d, instance) ? DRAIN_BY_INSTANCE : DRAIN_NOT;
}

bool drain_add(struct drain_set *d, const char *instance)
{
	if (!instance) {
		d->node = true;
		return true;
	}
	if (named(d, instance))
		return true;
	if (d->n >= DRAIN_MAX || strlen(instance) >= CLUSTD_NAME_MAX)
		return false;
	snprintf(d->names[d->n++], CLUSTD_NAME_MAX, "%s", instance);
	return true;
}

bool drain_remove(struct drain_set *d, const char *instance)
{
	if (!instance) {
		bool had = !drain_empty(d);

		memset(d, 0, sizeof(*d));
		return had;
	}
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->names[i], instance) != 0)
			continue;
		memmove(d->names[i], d->names[i + 1], (d->n - i - 1) * sizeof(d->names[0]));
		d->n--;
		return true;
	}
	return false;
}

bool drain_empty(const struct drain_set *d)
{
	return !d->node && d->n == 0;
}

static void checksum_hex(const char *text, size_t len, char hex[DRAIN_SUM_HEX + 1])
{
	unsigned char sum[DRAIN_SUM_BYTES];

	if (sodium_init() < 0)
		abort(); /* see heartbeat.c: libsodium's contract */
	crypto_generichash(sum, sizeof(sum), (const unsigned char *)text, len, NULL, 0);
	sodium_bin2hex(hex, DRAIN_SUM_HEX + 1, sum, sizeof(sum));
}

size_t drain_encode(const struct drain_set *d, char *buf, size_t cap)
{
	size_t len = 0;
	int w;
	char hex[DRAIN_SUM_HEX + 1];

#define APPEND(...)                                                      \
	do {                                                             \
		w = snprintf(buf + len, cap > len ? cap - len : 0, __VA_ARGS__); \
		if (w < 0 || (size_t)w >= (cap > len ? cap - len : 0))   \
			return 0;                                        \
		len += (size_t)w;                                        \
	} while (0)
	APPEND("%s", DRAIN_MAGIC);
	if (d->node)
		APPEND("node\n");
	for (size_t i = 0; i < d->n; i++)
		APPEND("instance %s\n", d->names[i]);
	checksum_hex(buf, len, hex);
	APPEND(DRAIN_SUM_LINE "%s\n", hex);
#undef APPEND
	return len;
}

/* One body line (without its newline) into out. */
static const char *parse_line(const char *s, size_t n, struct drain_set *out)
{
	static const char inst[] = "instance ";
	char name[CLUSTD_NAME_MAX];

	if (n == 4 && memcmp(s, "node", 4) == 0) {
		if (out->node)
			return "node named twice";
		out->node = true;
		return NULL;
	}
	if (n <= strlen(inst) || memcmp(s, inst, strlen(inst)) != 0)
		return "unknown line";
	s += strlen(inst);
	n -= strlen(inst);
	if (!hb_name_ok((const uint8_t *)s, n))
		return "bad instance name";
	memcpy(name, s, n);
	name[n] = '\0';
	if (named(out, name))
		return "instance named twice";
	if (!drain_add(out, name))
		return "too many instances";
	return NULL;
}

static const char *parse_body(const char *text, size_t len, struct drain_set *out)
{
	size_t off = strlen(DRAIN_MAGIC);

	while (off < len) {
		const char *nl = memchr(text + off, '\n', len - off);
		const char *why;

		if (!nl)
			return "truncated";
		why = parse_line(text + off, (size_t)(nl - (text + off)), out);
		if (why)
			return why;
		off = (size_t)(nl - text) + 1;
	}
	return NULL;
}

const char *drain_parse(const char *text, size_t len, struct drain_set *out)
{
	size_t mlen = strlen(DRAIN_MAGIC), tail = strlen(DRAIN_SUM_LINE) + DRAIN_SUM_HEX + 1;
	char hex[DRAIN_SUM_HEX + 1];
	const char *why;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return "empty";
	if (len < mlen || memcmp(text, DRAIN_MAGIC, mlen) != 0)
		return memcmp(text, DRAIN_MAGIC, len < mlen ? len : mlen) == 0 ? "truncated"
										 : "bad magic or version";
	if (len < mlen + tail || text[len - 1] != '\n' ||
	    memcmp(text + len - tail, DRAIN_SUM_LINE, strlen(DRAIN_SUM_LINE)) != 0)
		return "truncated";
	checksum_hex(text, len - tail, hex);
	if (memcmp(hex, text + len - tail + strlen(DRAIN_SUM_LINE), DRAIN_SUM_HEX) != 0)
		return "checksum mismatch";
	why = parse_body(text, len - tail, out);
	if (why)
		memset(out, 0, sizeof(*out));
	return why;
}
