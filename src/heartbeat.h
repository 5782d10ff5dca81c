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
#define CLUSTER_MAX_ECHO 32         /* CLUSTD_MAX_PEERS */
#define CLUSTER_COUNTERS_MAX 12000  /* bytes of one counters record (counters.h encoding) */
#define CLUSTER_PIECE_MAX 960       /* counters bytes per piece: a piece fits 1200 bytes */
#define CLUSTER_PIECE_DATAGRAM 1200 /* the largest piece message (checked in heartbeat.c) */
#define CLUSTER_MAX_VOTES 64        /* vote TLVs in one heartbeat (a voter's slots) */
#define CLUSTER_MAX_HANDOVERS 64    /* handover TLVs in one heartbeat (one per instance) */
#define CLUSTER_MAX_DRAINED 64      /* drained-instance TLVs in one heartbeat */
#define CLUSTER_MAX_MSG 31371       /* the largest message the limits allow (heartbeat.c) */
#define CLUSTER_VERSION 3           /* 3: votes; 2 and 1 are dropped as other_version */

/* What a message is (header byte 6). */
enum hb_kind {
	HB_KIND_HEARTBEAT = 1,  /* membership: name, instances, nonce, echo */
	HB_KIND_PIECE = 2,      /* a piece of a counters record */
};

/* One instance as its node reports it. */
struct hb_instance {
	char name[CLUSTD_NAME_MAX];
	uint8_t vrid;
	uint8_t state;     /* enum vrrp_state */
	uint8_t priority;  /* effective priority */
};

/* A request for votes: the sender is a candidate for this instance (it is
 * MASTER, or wants to become it) with this effective priority. */
struct hb_request {
	char name[CLUSTD_NAME_MAX];
	uint8_t priority;
};

/* A vote the sender has granted: for `instance`, to `grantee`, answering
 * the grantee's request (incarnation, seq); bound for remaining_ms more. */
struct hb_vote {
	char instance[CLUSTD_NAME_MAX];
	char grantee[CLUSTD_NAME_MAX];
	uint64_t incarnation;
	uint64_t seq;
	uint32_t remaining_ms;
};

/* A handover the sender announces (clustd handover, a drain, a fallen
 * priority): `successor` is to ask for the votes of `instance` now. */
struct hb_handover {
	char instance[CLUSTD_NAME_MAX];
	char successor[CLUSTD_NAME_MAX];
};

/* A piece of a counters record (counters.h encoding, opaque here): the
 * sender's own counters, or the copy it holds for a restoring member.
 * A record is cut into pieces sent in order; all pieces of one record
 * carry the same generation (the seq of its first piece). */
struct hb_piece {
	char copy_for[CLUSTD_NAME_MAX]; /* "" = the sender's own counters */
	uint64_t nonce;         /* a copy: the restoring member's nonce, echoed */
	uint64_t generation;
	uint16_t total;         /* bytes of the whole record (0 = holds none) */
	uint16_t offset;        /* of this piece's data in the record */
	size_t len;
	uint8_t data[CLUSTER_PIECE_MAX];
};

struct heartbeat {
	uint8_t kind;           /* enum hb_kind */
	char node[CLUSTD_NAME_MAX];
	uint64_t incarnation;   /* +1 on every start, persisted */
	uint64_t seq;           /* +1 on every message within an incarnation */
	bool has_quorum;        /* the sender's own verdict, for the status view */
	/* HB_KIND_HEARTBEAT */
	uint64_t nonce;         /* random per start of the sender's plane */
	size_t necho;           /* the nonces of the members the sender hears */
	uint64_t echo[CLUSTER_MAX_ECHO];
	size_t ninstances;
	struct hb_instance instances[CLUSTER_MAX_INSTANCES];
	bool restore_request;   /* the sender lost its counters: send back your copy */
	size_t nrequests;       /* instances the sender asks the votes for */
	struct hb_request requests[CLUSTER_MAX_INSTANCES];
	size_t nvotes;          /* votes the sender has granted */
	struct hb_vote votes[CLUSTER_MAX_VOTES];
	size_t nhandovers;      /* instances the sender hands over now */
	struct hb_handover handovers[CLUSTER_MAX_HANDOVERS];
	size_t ndrained;        /* the sender's drained instances: never master there */
	char drained[CLUSTER_MAX_DRAINED][CLUSTD_NAME_MAX];
	/* HB_KIND_PIECE */
	struct hb_piece piece;
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
	HB_DROP_SOURCE,     /* a member's name from another member's address */
	HB_DROP_FUTURE,     /* incarnation far above the wall clock */
	HB_DROP_OVERSIZE,   /* longer than any message the limits allow */
	HB_DROP_STRANGER,   /* unicast: from no member's address (before the MAC) */
	HB_DROP_VERSION,    /* a clustd heartbeat of another version (1, 2: before votes) */
	HB_DROP__COUNT
};

/* "short", "bad_magic", "bad_auth", "malformed", "replay", "unknown_member", "own",
 * "wrong_source", "future_incarnation", "oversize", "unknown_source", "other_version" */
const char *hb_drop_name(enum hb_drop d);

/* Is p[0..n) a name every receiver accepts: 1..63 bytes of graphic ASCII
 * (0x21..0x7e)? */
bool hb_name_ok(const uint8_t *p, size_t n);

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

/* Is this piece our copy coming back, answering our restore request of
 * this run? Only with our name and our nonce: a recorded answer to an
 * earlier request carries an older nonce. */
bool hb_piece_answers(const struct heartbeat *hb, const char *self, uint64_t nonce);

/* Reassembly of one sender's counters record from its pieces, in order.
 * A piece of a newer (incarnation, generation) starts a new record; a
 * piece out of order spoils the record (the sender sends it again); a
 * piece of an older or finished record is stale. */
struct hb_assembly {
	uint64_t incarnation, generation;
	uint16_t total, have;
	bool broken, complete;
	uint8_t data[CLUSTER_COUNTERS_MAX];
};

enum hb_assembled { HB_PIECE_STALE, HB_PIECE_PARTIAL, HB_PIECE_COMPLETE };

enum hb_assembled hb_assemble(struct hb_assembly *a, uint64_t incarnation,
			      const struct hb_piece *p);

#endif
