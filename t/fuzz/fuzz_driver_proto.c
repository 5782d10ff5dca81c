/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_driver_proto.c - libFuzzer target for what a driver can send the
 * daemon (src/driver_rule.c, src/driver_proto.c): the bytes are cut into
 * lines as the driver socket cuts them (in storage of the daemon's size),
 * every line is decoded and checked against one session, and the daemon's
 * own-line parser (the client's) reads it too.
 *
 * Aborts on any inconsistency: an error outside the enum; a line returned
 * that is longer than DRIVER_LINE_MAX, holds its "\n" or is not
 * NUL-terminated at its length; a decoded message whose fields break
 * their bounds (an id or a name not terminated, more names than
 * DRIVER_WANT_MAX); a message that decodes but, encoded again by the
 * client's encoders, does not decode to the same thing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "driver_proto.h"
#include "driver_rule.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

static void bounded(const char *s, size_t cap)
{
	CHECK(memchr(s, '\0', cap) != NULL);
}

/* Encoded again by the client's side, the message reads back the same. */
static void round_trip(const struct drv_msg *m)
{
	static struct drv_msg again;
	const char *names[DRIVER_WANT_MAX];
	char *line = NULL;
	size_t len = 0;

	switch (m->type) {
	case DRV_MSG_HELLO:
		if (!driver_id_valid(m->id) || m->protocol != DRIVER_PROTOCOL)
			return;
		for (size_t i = 0; i < m->ninstances; i++)
			names[i] = m->instances[i];
		line = drv_encode_driver_hello(m->id, m->all_instances ? NULL : names, m->ninstances,
					       m->ready, &len);
		break;
	case DRV_MSG_ACK:
		line = drv_encode_ack(m->seq, m->ok, m->message, &len);
		break;
	case DRV_MSG_READY:
		line = drv_encode_ready(m->ready, m->message, &len);
		break;
	}
	CHECK(line && len > 0 && line[len - 1] == '\n');
	if (len - 1 > DRIVER_LINE_MAX) { /* a long message's escapes may grow it */
		free(line);
		return;
	}
	CHECK(drv_decode_driver(line, len - 1, &again) == DRV_OK);
	CHECK(again.type == m->type);
	CHECK(strcmp(again.message, m->message) == 0);
	if (m->type == DRV_MSG_HELLO) {
		CHECK(strcmp(again.id, m->id) == 0);
		CHECK(again.all_instances == m->all_instances && again.ninstances == m->ninstances);
		CHECK(again.ready == m->ready);
		for (size_t i = 0; i < m->ninstances; i++)
			CHECK(strcmp(again.instances[i], m->instances[i]) == 0);
	} else if (m->type == DRV_MSG_ACK) {
		CHECK(again.seq == m->seq && again.ok == m->ok);
	} else {
		CHECK(again.ready == m->ready);
	}
	free(line);
}

static void one_line(struct drv_session *s, const char *line, size_t len)
{
	static struct drv_msg m;
	static struct drv_daemon_msg dm;
	enum drv_error e = drv_decode_driver(line, len, &m);

	CHECK((unsigned)e < DRV_ERR__COUNT);
	CHECK(strcmp(drv_error_name(e), "invalid") != 0);
	if (e == DRV_OK) {
		bounded(m.id, sizeof(m.id));
		bounded(m.message, sizeof(m.message));
		CHECK(m.ninstances <= DRIVER_WANT_MAX);
		for (size_t i = 0; i < m.ninstances; i++) {
			bounded(m.instances[i], sizeof(m.instances[i]));
			CHECK(m.instances[i][0] != '\0');
		}
		CHECK(!m.all_instances || m.ninstances == 0);
		round_trip(&m);
		e = drv_session_check(s, &m);
		CHECK((unsigned)e < DRV_ERR__COUNT);
		if (e == DRV_OK && m.type == DRV_MSG_HELLO)
			CHECK(s->hello_done && driver_id_valid(m.id));
		if (e == DRV_OK && m.type == DRV_MSG_ACK)
			CHECK(m.seq >= 1 && m.seq <= s->told_seq);
	}
	if (drv_decode_daemon(line, len, &dm)) {
		bounded(dm.instance, sizeof(dm.instance));
		bounded(dm.vips, sizeof(dm.vips));
		bounded(dm.reason, sizeof(dm.reason));
		CHECK((unsigned)dm.state < STATE__COUNT && (unsigned)dm.from < STATE__COUNT);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char storage[DRIVER_LINE_MAX + 2];
	struct drv_session s = {.told_seq = 10};
	struct drv_linebuf b;
	size_t off = 0;

	drv_linebuf_init(&b, storage, sizeof(storage));
	while (off < size) {
		size_t room, n;
		char *at = drv_linebuf_space(&b, &room), *line;
		size_t len;
		int got;

		CHECK(room > 0);
		/* pieces of varying size, as recv() gives them */
		n = size - off < room ? size - off : room;
		if (n > 1 + data[off] % 97)
			n = 1 + data[off] % 97;
		memcpy(at, data + off, n);
		drv_linebuf_added(&b, n);
		off += n;
		while ((got = drv_linebuf_next(&b, &line, &len)) == 1) {
			CHECK(len <= DRIVER_LINE_MAX && line[len] == '\0');
			CHECK(memchr(line, '\n', len) == NULL);
			one_line(&s, line, len);
		}
		if (got < 0)
			return 0; /* the daemon disconnects here */
	}
	return 0;
}
