/* SPDX-License-Identifier: GPL-2.0-or-later */
/* model.h - the validated configuration: what conf.c produces and the rest
 * of the daemon consumes. Plain data, no behaviour. Times are milliseconds. */
#ifndef CLUSTD_MODEL_H
#define CLUSTD_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CLUSTD_MAX_VIPS 64     /* fits one advert in a 1500-byte MTU for v6 */
#define CLUSTD_MAX_PEERS 32
#define CLUSTD_NAME_MAX 64
#define CLUSTD_AUTH_PASS_LEN 8 /* VRRPv2's authentication data */

#define CLUSTD_DEFAULT_CONFIG "/etc/clustd.conf"
#define CLUSTD_DEFAULT_STATE_DIR "/var/lib/clustd"
#define CLUSTD_DEFAULT_RUN_DIR "/run/clustd"

/* Notify scripts (keepalived notify_master & co). NULL = not set. */
struct notify_conf {
	char *master;
	char *backup;
	char *fault;
	char *stop;
	char *any;           /* keepalived's generic "notify" */
	uint32_t timeout_ms; /* kill the process group after this; default 10000 */
};

/* Health tracking (track.c). A weight of TRACK_NO_WEIGHT means "FAULT
 * when failing" instead of moving the priority. */
#define TRACK_NO_WEIGHT INT32_MIN
#define CLUSTD_MAX_TRACK 16

struct track_script_conf {
	char *name;
	int line;                 /* config line, for messages */
	char *command;            /* absolute path, run without a shell */
	char **args;              /* extra argv, NULL-terminated (may be NULL) */
	uint32_t interval_ms;     /* default 1000 */
	uint32_t timeout_ms;      /* default = interval */
	int32_t weight;           /* -253..253, or TRACK_NO_WEIGHT (default) */
	uint32_t rise, fall;      /* consecutive results to change state; default 1 */
	char *user;               /* run as this user (NULL = root) */
	bool init_ok;             /* initial state; default false = failed until first success */
};

struct track_iface_conf {
	char *name;
	int32_t weight;           /* added while down (negative) or up (positive); or TRACK_NO_WEIGHT */
};

struct track_file_conf {
	char *path;
	int32_t weight;           /* the file's integer times this; default 1 */
};

/* In-daemon checks (track_checks.c, health_check.c): a TCP connect, or an
 * HTTP/1.1 request whose answer must have a status in status_ok and, when
 * body is set, contain it. No fork, no DNS: the address is numeric. */
enum track_check_kind { TRACK_CHECK_TCP, TRACK_CHECK_HTTP };
#define TRACK_CHECK_STATUS_WORDS 16 /* bitmap of status codes 0..1023 */

struct track_check_conf {
	char *name;
	int line;                 /* config line, for messages */
	enum track_check_kind kind;
	struct ip_addr addr;
	uint16_t port;
	char *url;                /* http: as configured, for messages */
	char *host;               /* http: the Host header (default: the URL's host[:port]) */
	char *path;               /* http: the request target, default "/" */
	bool head;                /* http: method HEAD (else GET) */
	uint64_t status_ok[TRACK_CHECK_STATUS_WORDS]; /* http: default 200..399 */
	char *body;               /* http: the body must contain this; NULL = any */
	uint32_t interval_ms;     /* default 1000 */
	uint32_t timeout_ms;      /* default = interval; never above it */
	int32_t weight;           /* -253..253, or TRACK_NO_WEIGHT (default) */
	uint32_t rise, fall;      /* default 1 */
	bool init_ok;
};

struct track_conf {
	size_t nscripts, ninterfaces, nfiles, nchecks;
	struct track_script_conf scripts[CLUSTD_MAX_TRACK];
	struct track_iface_conf interfaces[CLUSTD_MAX_TRACK];
	struct track_file_conf files[CLUSTD_MAX_TRACK];
	struct track_check_conf checks[CLUSTD_MAX_TRACK]; /* tcp and http, in config order */
};

/* A driver (clustd-drivers(7)) an instance names: a program connected to
 * the driver socket under this id. A required one that is not connected,
 * or says it is not ready, fails like a tracked check: weight, or FAULT
 * with TRACK_NO_WEIGHT. One not required is only shown in the status. */
#define CLUSTD_MAX_DRIVERS 16
#define CLUSTD_DRIVER_ID_MAX 63   /* bytes; [A-Za-z0-9._@:-] */

struct driver_need_conf {
	char *id;
	int line;                 /* config line, for messages */
	bool required;            /* default true */
	int32_t weight;           /* -253..253, or TRACK_NO_WEIGHT (default: FAULT) */
};

struct instance_conf {
	char *name;
	char *interface;
	int line;                 /* config line of the instance, for messages */
	uint8_t vrid;             /* 1..255 */
	uint8_t priority;         /* 1..255; 255 = address owner; default 100 */
	uint8_t version;          /* 2 or 3; default 3 */
	sa_family_t family;       /* AF_INET or AF_INET6, taken from the VIPs */
	uint32_t advert_interval_ms; /* v3: multiple of 10, 10..40950; v2: multiple of 1000, 1000..255000; default 1000 */
	bool preempt;             /* default true */
	uint32_t preempt_delay_ms;/* default 0 */
	bool checksum_pseudo_header; /* v3 IPv4: send with the pseudo-header (RFC 5798 reading; RFC 9568 leaves it out); default true */
	/* RFC 5798 Accept_Mode: the master accepts traffic to the VIPs.
	 * Default true, like keepalived (the RFC says false); priority 255
	 * always accepts. false is enforced with nftables (nft.c). */
	bool accept;
	/* accept = false and the nftables filter cannot be installed: false
	 * (accept_filter_fail = "open", default) serves unfiltered; true
	 * ("closed") keeps the instance in FAULT instead. */
	bool accept_filter_closed;

	size_t nvips;             /* 1..CLUSTD_MAX_VIPS, all of one family */
	struct vip vips[CLUSTD_MAX_VIPS];

	/* Unicast mode: when npeers > 0 adverts go to each peer instead of
	 * the multicast group; unicast_source unset = the interface primary. */
	struct ip_addr unicast_source;
	size_t npeers;
	struct ip_addr peers[CLUSTD_MAX_PEERS];

	/* Virtual MAC (RFC 5798 §7.2): a macvlan with 00:00:5e:00:01:VRID
	 * (IPv4) or 00:00:5e:00:02:VRID (IPv6) on the interface carries the
	 * VIPs and sends the adverts and announcements. */
	bool use_vmac;            /* default false */
	char *vmac_interface;     /* its name when use_vmac (vmac_interface, or vrrp.<vrid> / vrrp6.<vrid>); else NULL */

	/* VRRPv2 simple-text authentication, for keepalived clusters that use
	 * auth_type PASS: auth_pass is sent in every advert and required of
	 * every advert received (zero-padded, all 8 bytes compared). No
	 * security: anyone on the link reads it. Unset (default): none. */
	bool auth_pass_set;
	uint8_t auth_pass[CLUSTD_AUTH_PASS_LEN];

	uint32_t garp_repeat;     /* gratuitous ARPs / NAs per burst on becoming master; default 5 */
	uint32_t garp_interval_ms;/* gap between them; default 10 */
	uint32_t garp_master_delay_ms; /* second burst after this; 0 = none; default 5000 */
	uint32_t garp_refresh_ms; /* periodic burst while master; 0 = off (default) */

	struct notify_conf notify;
	struct track_conf track;
	size_t ndrivers;
	struct driver_need_conf drivers[CLUSTD_MAX_DRIVERS];
};

struct node_conf {
	char *name;       /* default: the host name */
	char *state_dir;  /* default CLUSTD_DEFAULT_STATE_DIR */
	char *run_dir;    /* default CLUSTD_DEFAULT_RUN_DIR; holds clustd.pid */
	/* VIPs get this kernel lifetime and are renewed every third of it, so
	 * the VIPs of a killed daemon vanish by themselves. 0 = permanent.
	 * Multiple of 1000, 0 or 3000..3600000; default 5000. */
	uint32_t vip_lease_ms;
	bool persist_counters;     /* keep counters in state_dir; default true */
	uint32_t counters_sync_ms; /* fdatasync period; 0 = never; default 1000 */
	char *metrics_file;        /* Prometheus textfile, kept current; NULL = none */
	/* Keeping the loop on time on a busy machine (realtime.h). */
	bool realtime;             /* loop thread under a real-time policy; default true */
	uint8_t realtime_policy;   /* NODE_RT_RR (default) or NODE_RT_FIFO */
	uint8_t realtime_priority; /* 1..99; default NODE_RT_DEFAULT_PRIORITY */
	bool lock_memory;          /* mlockall; default true */
	/* A kernel filter on the VRRP sockets cuts what no instance needs
	 * (rx_filter.h); default true. */
	bool rx_filter;
	/* A backup whose Master_Down_Timer fires more than a quarter advert
	 * interval late (the machine did not run it) listens one more
	 * interval plus Skew_Time before taking over (fsm.h); default true. */
	bool pause_grace;
	/* The driver socket, run_dir/drivers.sock (clustd-drivers(7)): mode
	 * 0660, group driver_group (NULL = root's group only); a required
	 * driver that never connected is not missed for driver_grace_ms after
	 * the start; each driver may have driver_queue_bytes waiting. */
	char *driver_group;
	uint32_t driver_grace_ms;  /* default 10000 */
	uint32_t driver_queue_bytes; /* 4096..16 MiB; default 256 KiB */
};

enum { NODE_RT_RR, NODE_RT_FIFO };
/* Above every normal task, below the kernel's threaded interrupt handlers
 * (50), which deliver the packets we wait for. */
#define NODE_RT_DEFAULT_PRIORITY 10

#define CLUSTD_CLUSTER_PORT 5798

/* One clustd node of the cluster plane (self included). */
struct member_conf {
	char *name;
	struct ip_addr addr;      /* where to send heartbeats in unicast mode */
};

/* The optional cluster plane: authenticated heartbeats and quorum. */
#define CLUSTD_SECRET_DIGEST_LEN 32
#define CLUSTD_DEFAULT_CLUSTER_NAME "cluster"
#define CLUSTD_MAX_CLUSTERS 64    /* served by one witness */

struct cluster_conf {
	bool enabled;             /* a `cluster` group is present */
	/* Unique among the clusters of a witness; graphic ASCII, 1..63;
	 * default CLUSTD_DEFAULT_CLUSTER_NAME. Status, metrics and logs only. */
	char name[CLUSTD_NAME_MAX];
	/* A witness serving several clusters: its log lines say "cluster NAME:"
	 * instead of "cluster:". */
	bool name_in_logs;
	char *secret_file;        /* required; mode must not give group/others access */
	char *interface;          /* required for multicast; binds the socket */
	uint16_t port;            /* UDP; default CLUSTD_CLUSTER_PORT */
	struct ip_addr group;     /* multicast group; unset = unicast to members */
	uint32_t heartbeat_interval_ms; /* default 100 */
	uint32_t dead_interval_ms;/* default: the largest value the safety bound allows, capped at 10 heartbeats */
	uint32_t slack_ms;        /* scheduling slack in the bound; default 50 */
	unsigned quorum;          /* members needed; 0 = strict majority */
	/* How long a vote binds (votes.h): default dead_interval when it passes
	 * votes_timing_check(), else the least lease that does. */
	uint32_t vote_lease_ms;
	size_t nmembers;          /* 1..CLUSTD_MAX_PEERS, self included */
	struct member_conf members[CLUSTD_MAX_PEERS];
	/* BLAKE2b of the secret file's content when the config was loaded (all
	 * zero when it could not be read): a reload that finds another digest
	 * restarts the cluster plane, so a rotated secret is picked up. A digest,
	 * not the key: the key is SHA-256 of the same bytes. */
	uint8_t secret_digest[CLUSTD_SECRET_DIGEST_LEN];
};

/* Instances that fail over together (keepalived's vrrp_sync_group). */
struct sync_group_conf {
	char *name;
	int line;
	size_t ninstances;             /* 1..CLUSTD_MAX_TRACK */
	char *instances[CLUSTD_MAX_TRACK]; /* instance names */
	struct notify_conf notify;     /* argv: GROUP <name> <STATE> 0 */
};

struct clustd_config {
	char *path;                   /* file it was read from */
	struct node_conf node;
	/* The cluster planes: `cluster` is the first (a router node's only
	 * one); a witness's others follow in more_clusters[0..nclusters - 1).
	 * conf_cluster() walks them all. */
	struct cluster_conf cluster;
	size_t nclusters;             /* 0 without a `cluster` group */
	struct cluster_conf *more_clusters;
	/* A `cluster` and no instance: heartbeats and votes only (no VRRP,
	 * no raw socket, no address work). */
	bool witness;
	size_t nsync_groups;
	struct sync_group_conf *sync_groups;
	size_t ninstances;
	struct instance_conf *instances;
};

/* Cluster i (0 <= i < nclusters) of the config, in config order. */
static inline const struct cluster_conf *conf_cluster(const struct clustd_config *cfg, size_t i)
{
	return i == 0 ? &cfg->cluster : &cfg->more_clusters[i - 1];
}

#endif
