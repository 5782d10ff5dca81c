/* SPDX-License-Identifier: GPL-2.0-or-later */
/* heartbeat.h - the cluster plane's heartbeat message: codec and
 * authentication (HMAC-SHA256 via libsodium, constant-time verify). Pure:
 * no I/O, no clock. Every clustd node, in every state, sends one per
 * heartbeat_interval; peers use them for membership and the status view. */
#ifndef CLUSTD_HEARTBEAT_H
#define CLUSTD_HEARTBEAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

#define CLUSTER_KEY_LEN 32         /* HMAC-SHA256 key (secret_file is hashed to this) */
#define CLUSTER_MAC_LEN 32
#define CLUSTER_MAX_INSTANCES 64
#define CLUSTER_MAX_MSG 32768       /* >= the largest message the limits allow (heartbeat.c) */
#define CLUSTER_COUNTERS_MAX 12000  /* bytes of one counters record (counters.h encoding) */

/* One instance as its node reports it. */
struct hb_instance {
	char name[CLUSTD_NAME_MAX];
	uint8_t vrid;
	uint8_t state;     /* enum vrrp_state */
	uint8_t priority;  /* effective priority */
};

struct heartbeat {
	char node[CLUSTD_NAME_MAX];
	uint64_t incarnation;   /* +1 on every start, persisted */
	uint64_t seq;           /* +1 on every heartbeat within an incarnation */
	bool has_quorum;        /* the sender's own verdict, for the status view */
	size_t ninstances;
	struct hb_instance instances[CLUSTER_MAX_INSTANCES];
	/* Replication of counters (opaque here: counters.h encoding). */
	size_t counters_len;    /* the sender's own counters; 0 = none in this one */
	uint8_t counters[CLUSTER_COUNTERS_MAX];
	bool restore_request;   /* the sender lost its counters: send back your copy */
	char copy_for[CLUSTD_NAME_MAX]; /* answer to a restore request; "" = none */
	size_t copy_len;        /* 0 = the sender holds no copy for copy_for */
	uint8_t copy[CLUSTER_COUNTERS_MAX];
};

enum hb_drop {
	HB_OK = 0,
	HB_DROP_SHORT,      /* shorter than header + MAC */
	HB_DROP_MAGIC,      /* not a clustd heartbeat, or unknown version */
	HB_DROP_AUTH,       /* HMAC does not verify (wrong secret, forged, corrupt) */
	HB_DROP_MALFORMED,  /* authenticated but does not parse (bug or version skew) */
	HB_DROP_REPLAY,     /* (incarnation, seq) did not grow: replay or old incarnation */
	HB_DROP_UNKNOWN,    /* sender is not a configured member */
	HB_DROP_SELF,       /* our own heartbeat (multicast loop, misconfigured peer) */
	HB_DROP__COUNT
};

/* "short", "bad_magic", "bad_auth", "malformed", "replay", "unknown_member", "own" */
const char *hb_drop_name(enum hb_drop d);

/* Derive the HMAC key from the secret file's bytes (BLAKE2b/SHA-256 of the
 * content, so any length of secret works). */
void cluster_key_derive(const uint8_t *secret, size_t len, uint8_t key[CLUSTER_KEY_LEN]);

/* Encode + sign. Returns the length, or 0 if buf is too small. */
size_t hb_encode(const struct heartbeat *hb, const uint8_t key[CLUSTER_KEY_LEN],
		 uint8_t *buf, size_t cap);

/* Verify the MAC first (constant time), then parse. No replay check here:
 * that needs the per-sender history (quorum.c). */
enum hb_drop hb_decode(const uint8_t *buf, size_t len, const uint8_t key[CLUSTER_KEY_LEN],
		       struct heartbeat *out);

#endif
