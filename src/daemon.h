/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.h - the running daemon's state, shared by the glue (daemon.c,
 * instance.c and the others named in instance_int.h), which owns and
 * changes it, and status.c, which only renders it. */
#ifndef CLUSTD_DAEMON_H
#define CLUSTD_DAEMON_H

#include "announce.h"
#include "cluster_net.h"
#include "ctl.h"
#include "drain.h"
#include "driver.h"
#include "fault.h"
#include "fsm.h"
#include "handover.h"
#include "ledger.h"
#include "loop.h"
#include "model.h"
#include "netlink.h"
#include "nft.h"
#include "packet.h"
#include "script.h"
#include "settle.h"
#include "track.h"
#include "vmac_dev.h"
#include "vrrp_sock.h"

/* A sync group at run time: its notify queue and the state it last
 * announced to its scripts. */
struct group_rt {
	const struct sync_group_conf *conf;
	struct script_queue *notify_q;
	enum vrrp_state notified;
	struct group_rt *next;
};

/* One raw socket per (interface, family), shared by its instances. */
struct sock_ref {
	struct clustd *c;
	int ifindex;
	sa_family_t family;
	int refs;
	struct vrrp_sock *sock;
	/* Who runs each VRID here (conf.c makes it one instance): a cache
	 * that sock_rx checks before use, so a received advert finds its
	 * instance without a walk of the list. */
	struct instance *by_vrid[256];
	struct sock_ref *next;
};

/* An instance's planned handovers (instance_handover.c, handover.h). */
struct ho_command;
struct instance_ho {
	struct handover h;                /* ours, as master; HO_IDLE when none */
	struct ho_command *cmd;           /* the command waiting for its outcome, or NULL */
	struct loop_timer timer;          /* the bound of the step under way */
	char from[CLUSTD_NAME_MAX];       /* the member handing over to us, "" none */
	uint64_t fallback_at;             /* our priority-0 fallback advert (µs), 0 none */
	uint64_t auto_at;                 /* an automatic handover last began (µs) */
	char last[200];                   /* the last outcome, for status */
	uint64_t last_at;
	unsigned long long results[HO_RESULT__COUNT]; /* since this start */
};

struct instance {
	struct clustd *c;
	const struct instance_conf *conf; /* points into c->cfg */
	int ifindex;                      /* 0 while the interface is missing */
	uint8_t mac[6];
	struct ip_addr primary;           /* source of our adverts */
	unsigned own_faults;              /* from this instance's own edges */
	unsigned faults;                  /* own_faults + FAULT_GROUP */
	unsigned faults_before;           /* before the last refresh: names the cure */
	char fault_why[160];              /* the reason of the current faults (status) */
	unsigned probe_faults;            /* link/address faults of the last good probe */
	/* Faults found by doing (FAULT_HELD): held until hold_timer retries. */
	unsigned held_faults;
	unsigned held_retries;            /* retries that failed again (back-off) */
	struct loop_timer hold_timer;
	struct fail_run send_fails;       /* advert rounds that failed in a row */
	struct fail_run vip_fails;        /* VIP adds that failed in a row */
	bool vips_unsent;                 /* MASTER, VIPs wait for an advert to leave */
	char send_why[120];
	char vip_why[160];
	unsigned long long probe_log_last;
	struct tracker *tracker;          /* NULL without a track section */
	struct group_rt *group;           /* NULL outside a sync group */
	struct fsm fsm;
	struct loop_timer fsm_timer;
	struct loop_timer garp_timer;
	struct loop_timer lease_timer;    /* renews VIP lifetimes while MASTER */
	struct loop_timer retry_timer;    /* re-probes an interface without an address */
	bool candidate_sent;              /* our heartbeats ask for the votes (fsm.candidate) */
	uint32_t refusals_logged;         /* members whose refusal this candidacy logged */
	unsigned votes_logged;            /* grants counted when last logged */
	uint64_t owned;                   /* VIPs that are the owner's own addresses (owner.h) */
	uint64_t state_since;             /* when the current state began (µs) */
	uint32_t garp_left;               /* announcements left in this burst */
	bool garp_second_pending;         /* garp.master_delay burst still due */
	struct sock_ref *sref;
	struct script_queue *notify_q;
	struct inst_counters *cnt;        /* its record in the ledger (counters.h) */
	struct inst_counters spare_cnt;   /* used when the ledger has no room */
	uint64_t state_counted_until;     /* time in state is counted up to here (µs) */
	struct track_stats track_seen;    /* tracker stats already counted */
	unsigned long long drop_log_last;
	unsigned long long mismatch_log_last;
	/* use_vmac: the device carrying the VIPs, up only while MASTER */
	struct vmac_dev vmac;
	char vmac_why[160];               /* why it cannot be made (FAULT_VMAC) */
	unsigned long long vmac_log_last;
	struct instance_ho ho;            /* planned handovers */
	struct settle settle;             /* a planned release waiting for its connections (settle.h) */
	struct loop_timer settle_timer;
	bool settle_fenced;               /* its fence for new connections is up (nft.h) */
	/* Its last transition as the drivers were told (instance_drivers.c). */
	uint64_t event_seq;
	char event_reason[160];
	struct instance *next;
};

/* A witness's plane for one cluster it serves: the hooks' argument, so a
 * plane's callbacks know which one they come from (stable across a
 * reload that keeps or restarts the plane). */
struct witness_plane {
	struct clustd *c;
	struct cluster_net *net;          /* NULL while it cannot run (logged) */
};

struct clustd {
	struct loop *loop;
	struct clustd_config *cfg;
	struct nlk *nl;
	struct nlk_watch *watch;
	struct announcer *ann;
	struct script_runner *scripts;
	struct cluster_net *cluster;      /* a router's plane; NULL without one, and on a witness */
	/* A witness (cfg->witness): planes[i] serves conf_cluster(cfg, i),
	 * nplanes = cfg->nclusters; no instance and no kernel edge (nl, ann,
	 * watch stay NULL). */
	struct witness_plane **planes;
	size_t nplanes;
	struct ctl_server *ctl;
	struct driver_server *drivers;    /* the driver socket; NULL on a witness */
	uint64_t started_at;
	struct instance *instances;
	struct group_rt *groups;
	struct sock_ref *socks;
	struct vmac_base *vmac_bases;     /* base interfaces whose ARP settings we raised */
	/* Notify queues of stopped instances: their stop scripts still run. */
	struct script_queue **retired;
	size_t nretired;
	struct ledger *ledger;            /* counters: persisted, replicated */
	bool restore_asked;               /* the cluster plane asked peers for our counters */
	struct loop_timer tick_timer;     /* every second: sync, time in state, metrics file */
	unsigned long long metrics_log_last;
	unsigned long long unknown_log_last;
	struct nft_filter accept_filter;  /* Accept_Mode = false, via nftables */
	bool fence_made;                  /* inet clustd_fence is there (instance_settle.c) */
	struct drain_set drained;         /* what `clustd drain` keeps drained (state_dir) */
	char drain_problem[200];          /* the drain file could not be read or written, "" */
	bool shut_down;
};

#endif
