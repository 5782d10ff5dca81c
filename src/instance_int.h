/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_int.h - what the daemon's glue files share with each other
 * (not for other modules: they see instance.h, status.c sees daemon.h).
 *   instance.c        the per-instance event path and life cycle
 *   vip_hold.c        holding VIPs: add/drop, lease, GARP/NA, VMAC up/down
 *   instance_faults.c probing the edges, feeding faults to the fsm
 *   instance_handover.c planned handover: taking over, our steps, by itself
 *   handover_ctl.c    clustd handover / drain / undrain, the drain file
 *   sync_group.c      sync groups at run time
 *   daemon.c          the daemon object: start, reload, cluster plane, ticks */
#ifndef CLUSTD_INSTANCE_INT_H
#define CLUSTD_INSTANCE_INT_H

#include "daemon.h"
#include "reload_plan.h"

/* ---- instance.c ---- */
struct fsm_params instance_fsm_params(const struct instance *in);
/* Carries out the fsm's actions, logs and counts a transition, re-arms
 * the fsm timer; a sync-group member's siblings follow. */
void instance_apply(struct instance *in, const struct fsm_out *o);
void instance_count_state_time(struct instance *in, uint64_t now);
/* The instance's raw socket is the one of its current interface. */
bool instance_ensure_socket(struct instance *in);
/* Rebuild the sockets' kernel filters (rx_filter.h) from the instances
 * on them (after the start and every reload); unchanged ones are left
 * alone. */
void instance_socks_refilter(struct clustd *c);
void instance_start_tracker(struct instance *in);
struct instance *instance_new(struct clustd *c, const struct instance_conf *ic);
void instance_start(struct instance *in);
void instance_stop(struct instance *in);
void instance_free(struct instance *in);
/* A kept instance moves to its new config without a transition. */
void instance_adopt_conf(struct instance *in, const struct instance_conf *ic,
			 const struct reload_instance_plan *plan);

/* ---- vip_hold.c ---- */
/* Returns 0 or -errno (logged). */
int vip_add(struct instance *in, const struct vip *v);
void vip_drop(struct instance *in, const struct vip *v);
/* MASTER: add the VIPs, renew their lease, announce them. */
void vip_take_all(struct instance *in);
void vip_drop_all(struct instance *in);
void vip_remove_stale(struct instance *in);
/* Learns which VIPs are the interface's own addresses (in->owned). */
void vip_detect_owned(struct instance *in, const struct instance_conf *prev);
void vip_garp_timer_fired(void *arg);
void vip_lease_timer_fired(void *arg);
void vmac_set(struct instance *in, bool up);
unsigned vmac_probe(struct instance *in);
void vmac_release(struct instance *in);

/* ---- instance_faults.c ---- */
void instance_refresh_faults(struct instance *in);
void instance_retry_timer_fired(void *arg);
void instance_track_changed(void *arg, const char *cause);
void instance_link_changed(void *arg, int ifindex, bool up);
void instance_addr_changed(void *arg, int ifindex, const struct ip_addr *addr);
/* A held fault (FAULT_SEND, FAULT_VIP) with its reason: FAULT at once
 * (from the loop, not from within the caller), a retry later. */
void instance_held_fault(struct instance *in, unsigned fault, const char *why);
/* Adverts leave and the VIPs are on: the back-off starts afresh. */
void instance_held_ok(struct instance *in);
void instance_hold_timer_fired(void *arg);

/* ---- instance_votes.c ---- */
/* With a cluster plane that needs votes: win them as a candidate, lose
 * them as MASTER, give way to a better candidate. After every vote or
 * heartbeat change (cluster_net's votes_changed hook). */
void instance_votes_check(struct instance *in);
/* Fill our requests into the next heartbeat. */
void instance_votes_fill(const struct instance *in, struct heartbeat *hb);
/* After every state machine step: a candidacy that began or ended goes
 * out in a heartbeat at once. */
void instance_votes_note(struct instance *in);

/* ---- handover_ctl.c ---- */
/* A planned release of in's VIPs (a handover, stepping down for a
 * preempting member) is due now: true when it may happen at once; false
 * while TCP connections to the VIPs still wait for an answer of ours and
 * the bound (a quarter of step_bound_us, at most 50 ms) is not over:
 * again(in) runs at the next look (instance_settle.c, settle.h). */
bool instance_release_settled(struct instance *in, uint64_t step_bound_us, void (*again)(void *));
/* That release is no longer due (or is done): the fence comes down. */
void instance_release_unsettle(struct instance *in);
/* The node's fence (nft.h), made open at start (replacing one a killed
 * predecessor left), removed at a clean stop. */
void settle_fence_make(struct clustd *c);
void settle_fence_remove(struct clustd *c);

/* Read state_dir/drained (before the instances are made). */
void handover_load_drain(struct clustd *c);
/* The control requests "handover ...", "drain ...", "undrain ...": true
 * when the request is one of them, with *reply set (NULL: deferred, the
 * outcome is sent later). */
bool handover_ctl(struct clustd *c, const char *request, char **reply);
/* A command (NULL: none) waits for one more outcome; the outcome (a line
 * of its answer, an error or not) is in. The last one sends the answer. */
void handover_command_wait(struct ho_command *cmd);
void handover_command_done(struct ho_command *cmd, bool error, const char *line);

/* ---- instance_handover.c ---- */
/* Does the instance's plane decide mastership by votes? Its quorum (NULL
 * without a plane). */
bool instance_handover_votes(const struct instance *in);
const struct quorum *instance_handover_quorum(const struct instance *in);
/* Our handover of `in` to `to` begins (released: we left MASTER already,
 * HO_BY_FAULT); cmd (or NULL) waits for its outcome. */
void instance_handover_begin(struct instance *in, const char *to, enum ho_cause cause,
			     bool released, struct ho_command *cmd);
/* No member to hand to: step down with a priority-0 advert (yielded); the
 * first advert of the router that takes over ends it. */
void instance_handover_fallback(struct instance *in, const char *why, struct ho_command *cmd);
/* Our handover (TLV 11) and our drained instance (TLV 12) into the next
 * heartbeat. */
void instance_handover_fill(const struct instance *in, struct heartbeat *hb);
/* After every vote or heartbeat change, before instance_votes_check: ask
 * at once when a member hands over to us, step a handover of ours, hand
 * over by itself (a drained master, a fallen priority). */
void instance_handover_check(struct instance *in);
/* In instance_apply after the actions, before the heartbeat a changed
 * candidacy sends: a master that left for FAULT names its successor in
 * that very heartbeat; a priority-0 fallback sees the new master. */
void instance_handover_note(struct instance *in, const struct fsm_out *o);
/* The instance goes (a reload, the shutdown): a command waiting hears so. */
void instance_handover_stop(struct instance *in);
/* A handover of ours is under way (the preemption rule stands aside). */
bool instance_handover_busy(const struct instance *in);

/* ---- sync_group.c ---- */
bool group_sibling_defers(const struct instance *in, uint64_t now);
bool group_sibling_faulted(const struct instance *in);
/* One member moved (o): the others follow, the group's scripts run. */
void group_follow(struct instance *in, const struct fsm_out *o);
void groups_build(struct clustd *c);
void groups_free(struct clustd *c);

/* ---- daemon.c ---- */
/* The queue outlives its owner so that its stop script still runs. */
void clustd_retire_queue(struct clustd *c, struct script_queue *q);
/* A finished script counts in runs_failures_timeouts[0..2], a skipped
 * (superseded) one in *skipped only. */
void clustd_count_script(struct clustd *c, const struct script_result *res,
			 uint64_t *runs_failures_timeouts, uint64_t *skipped);

#endif
