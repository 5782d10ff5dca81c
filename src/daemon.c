/* SPDX-License-Identifier: GPL-2.0-or-later */
/* daemon.c - the daemon object: opens the kernel edges, owns the
 * instances and sync groups, wires the cluster plane (heartbeat contents,
 * quorum, counter restore, incarnation), the control socket, the tick
 * timer with the metrics file and the ledger; applies a reload plan
 * (reload_plan.c) to the running instances. */
#include "instance.h"
#include "instance_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic_file.h"
#include "clock.h"
#include "conf.h"
#include "incarnation.h"
#include "instance_drivers.h"
#include "ledger.h"
#include "log.h"
#include "metrics.h"
#include "netlink.h"
#include "quorum.h"
#include "script.h"
#include "sd_notify_status.h"
#include "status.h"
#include "xalloc.h"

static void clustd_config_swap(struct clustd *c, struct clustd_config *cfg);

/* ---- counting --------------------------------------------------------- */

static void prepare_counters(void *arg)
{
	struct clustd *c = arg;
	uint64_t now = mono_now_us();

	for (struct instance *in = c->instances; in; in = in->next)
		instance_count_state_time(in, now);
}

/* A skipped (superseded) run counts as skipped only. */
void clustd_count_script(struct clustd *c, const struct script_result *res,
			 uint64_t *runs_failures_timeouts, uint64_t *skipped)
{
	*skipped += res->skipped;
	runs_failures_timeouts[0] += !res->skipped;
	if (res->exec_failed || res->timed_out || res->term_signal || res->exit_code != 0)
		runs_failures_timeouts[1]++;
	if (res->timed_out)
		runs_failures_timeouts[2]++;
	ledger_touch_now(c->ledger);
}

/* ---- cluster plane --------------------------------------------------- */

static void cluster_fill(void *arg, struct heartbeat *hb)
{
	struct clustd *c = arg;

	hb->ninstances = 0;
	for (struct instance *in = c->instances; in && hb->ninstances < CLUSTER_MAX_INSTANCES;
	     in = in->next) {
		struct hb_instance *hi = &hb->instances[hb->ninstances++];
		snprintf(hi->name, sizeof(hi->name), "%s", in->conf->name);
		hi->vrid = in->conf->vrid;
		hi->state = (uint8_t)in->fsm.state;
		hi->priority = in->fsm.p.priority;
		instance_votes_fill(in, hb);
		instance_handover_fill(in, hb);
	}
}

static void cluster_votes_changed(void *arg)
{
	struct clustd *c = arg;

	if (c->shut_down)
		return;
	for (struct instance *in = c->instances; in; in = in->next) {
		instance_handover_check(in);
		instance_votes_check(in);
	}
}

static void quorum_changed(void *arg, bool has_quorum)
{
	struct clustd *c = arg;

	(void)has_quorum;
	if (c->shut_down)
		return;
	for (struct instance *in = c->instances; in; in = in->next) {
		instance_refresh_faults(in);
		instance_votes_check(in);
	}
}

static size_t cluster_counters(void *arg, uint8_t *buf, size_t cap)
{
	struct clustd *c = arg;

	/* Peers keep and show this copy: what they see is saved first. */
	ledger_commit_seen(c->ledger, mono_now_us());
	return ledger_encode(c->ledger, buf, cap);
}

/* A peer's copy of our counters: keep the higher values, and stay above
 * the incarnation it saw, or peers would take our heartbeats for replays.
 * cn: the plane it came by (the one that restores). */
static void restored_on(struct clustd *c, struct cluster_net *cn, const char *from,
			const uint8_t *copy, size_t len)
{
	uint64_t seen = ledger_restore_from(c->ledger, from, copy, len,
					    cluster_net_incarnation_limit(cn));
	char err[256] = "";

	if (seen < cluster_net_incarnation(cn))
		return;
	uint64_t inc = seen + 1;
	/* On the loop: not durable (incarnation_store says why that is safe). */
	if (incarnation_store(c->cfg->node.state_dir, inc, false, err, sizeof(err)) < 0)
		log_err("state: incarnation %llu could not be stored: %s", (unsigned long long)inc, err);
	log_notice("cluster: member %s knew incarnation %llu: now %llu", from,
		   (unsigned long long)seen, (unsigned long long)inc);
	cluster_net_set_incarnation(cn, inc);
	ledger_counters(c->ledger)->incarnation = inc;
}

static void cluster_restored(void *arg, const char *from, const uint8_t *copy, size_t len)
{
	struct clustd *c = arg;

	restored_on(c, c->cluster, from, copy, len);
}

static void cluster_restore_done(void *arg, unsigned answers, unsigned copies)
{
	struct clustd *c = arg;

	ledger_restore_done(c->ledger, answers, copies);
}

/* Peers must never see an incarnation go back, or they would take us for
 * a replay. `running`: the incarnation in use (0 at start), which the next
 * one must exceed. At start (before the loop runs) the value is durable
 * before the first heartbeat; a restart of the plane within the run is on
 * the loop and skips the fsync (incarnation_next_at says why that is safe). */
static uint64_t next_incarnation(struct clustd *c, uint64_t running)
{
	char err[256] = "";
	uint64_t inc = 0;
	time_t wall = time(NULL);
	bool at_start = running == 0;
	int rc = incarnation_next_at(c->cfg->node.state_dir, wall > 0 ? (uint64_t)wall : 0, running,
				     at_start, &inc, err, sizeof(err));

	if (err[0] && rc == 0)
		log_notice("state: incarnation %llu: %s", (unsigned long long)inc, err);
	if (rc < 0)
		log_err("state: incarnation %llu could not be stored: %s", (unsigned long long)inc,
			err[0] ? err : strerror(-rc));
	return inc;
}

static int cluster_start(struct clustd *c)
{
	const struct clustd_config *cfg = c->cfg;
	struct cluster_hooks hooks = {.arg = c, .fill = cluster_fill, .quorum_changed = quorum_changed,
				      .votes_changed = cluster_votes_changed, .counters = cluster_counters,
				      .restored = cluster_restored,
				      .restore_done = cluster_restore_done};
	/* Only the first plane of this run restores; a restarted one (reload)
	 * must not add the peers' copies a second time. */
	bool restore = ledger_wants_restore(c->ledger) && !c->restore_asked;

	if (!cfg->cluster.enabled)
		return 0;
	c->restore_asked = true;
	c->cluster = cluster_net_open(c->loop, &cfg->cluster, cfg->node.name,
				      ledger_counters(c->ledger)->incarnation, restore, &hooks);
	if (restore && c->cluster)
		log_notice("counters: asking the cluster members for their copy of ours");
	return c->cluster ? 0 : -1;
}

/* ---- witness ---------------------------------------------------------- */

/* A witness's planes: no instance to report or gate; they carry the
 * node's counters (and the first one restores them) like a router's. */
static size_t witness_counters(void *arg, uint8_t *buf, size_t cap)
{
	struct witness_plane *p = arg;

	return cluster_counters(p->c, buf, cap);
}

static void witness_restored(void *arg, const char *from, const uint8_t *copy, size_t len)
{
	struct witness_plane *p = arg;

	restored_on(p->c, p->net, from, copy, len);
}

static void witness_restore_done(void *arg, unsigned answers, unsigned copies)
{
	struct witness_plane *p = arg;

	cluster_restore_done(p->c, answers, copies);
}

/* cfg: the config the plane's settings come from (a reload's new one). */
static struct cluster_net *witness_open(struct witness_plane *p, const struct clustd_config *cfg,
					const struct cluster_conf *cc, bool restore)
{
	struct cluster_hooks hooks = {.arg = p, .counters = witness_counters,
				      .restored = witness_restored,
				      .restore_done = witness_restore_done};

	return cluster_net_open(p->c->loop, cc, cfg->node.name,
				ledger_counters(p->c->ledger)->incarnation, restore, &hooks);
}

/* Every cluster's plane, all under this run's incarnation (each cluster
 * has its own members, secret and sequence: they never mix). Only the
 * first one asks for our counters back. */
static int witness_start(struct clustd *c)
{
	const struct clustd_config *cfg = c->cfg;
	bool restore = ledger_wants_restore(c->ledger);

	c->restore_asked = true;
	c->planes = xcalloc(cfg->nclusters, sizeof(*c->planes));
	c->nplanes = cfg->nclusters;
	for (size_t i = 0; i < cfg->nclusters; i++) {
		struct witness_plane *p = xcalloc(1, sizeof(*p));

		p->c = c;
		c->planes[i] = p;
		p->net = witness_open(p, cfg, conf_cluster(cfg, i), restore && i == 0);
		if (!p->net)
			return -1;
	}
	if (restore)
		log_notice("counters: asking the members of cluster %s for their copy of ours",
			   cfg->cluster.name);
	return 0;
}

static void witness_free_planes(struct clustd *c)
{
	for (size_t i = 0; i < c->nplanes; i++) {
		if (!c->planes[i])
			continue;
		cluster_net_close(c->planes[i]->net);
		free(c->planes[i]);
	}
	free(c->planes);
	c->planes = NULL;
	c->nplanes = 0;
}

/* ---- ticking and committing ------------------------------------------ */

#define TICK_US 1000000ull
/* The tick waits up to this long past its second for the loop to wake
 * anyway (an advert sent or received), instead of waking it on its own:
 * one wakeup fewer a second at rest with adverts every 250 ms or less. */
#define TICK_LATE_US 250000ull

static void write_metrics_file(struct clustd *c)
{
	char err[256];
	char *text;

	if (!c->cfg->node.metrics_file || !(text = metrics_render(c)))
		return;
	if (atomic_file_write(c->cfg->node.metrics_file, text, strlen(text), err, sizeof(err)) < 0)
		log_ratelimited(&c->metrics_log_last, 60000, LOG_WARNING, "metrics_file: %s", err);
	free(text);
}

static void tick_fired(void *arg)
{
	struct clustd *c = arg;
	uint64_t now = mono_now_us();

	ledger_touch_clock(c->ledger); /* time in state moved; packet counts are due */
	ledger_commit(c->ledger, now, false);
	ledger_tick(c->ledger, now);
	write_metrics_file(c);
	/* From the tick: a stalled loop stops the pings (every second, at
	 * most TICK_LATE_US late). */
	sd_notify_tick(c, TICK_US + TICK_LATE_US);
	loop_timer_arm(c->loop, &c->tick_timer, now + TICK_US);
}

/* After every batch of events: transitions and the like are saved at once,
 * packet counts once per LEDGER_BATCH_US (ledger.h). */
static void loop_idle(void *arg)
{
	struct clustd *c = arg;

	driver_server_flush(c->drivers); /* the batch's transitions, to the drivers */
	ledger_commit(c->ledger, mono_now_us(), false);
}

/* Status and metrics show counters: save them first, so nothing shown can
 * be lost by a crash right after. */
static char *ctl_handle(void *arg, const char *request)
{
	struct clustd *c = arg;
	char *reply;

	if (handover_ctl(c, request, &reply))
		return reply;
	ledger_commit_seen(c->ledger, mono_now_us());
	if (strcmp(request, "metrics") == 0)
		return metrics_render(c);
	return status_handle(c, request);
}


/* ---- life cycle ------------------------------------------------------ */


/* The queue outlives the instance so that its stop script still runs
 * (uncounted: the counters belong to the instance). */
void clustd_retire_queue(struct clustd *c, struct script_queue *q)
{
	script_queue_on_done(q, NULL, NULL);
	struct script_queue **v = xrealloc(c->retired, (c->nretired + 1) * sizeof(*v));

	v[c->nretired++] = q;
	c->retired = v;
}

static void append_instance(struct clustd *c, struct instance *in)
{
	struct instance **pp = &c->instances;

	while (*pp)
		pp = &(*pp)->next;
	*pp = in;
}

/* Netlink and the packet socket: instances need them, a witness does not
 * (it runs without CAP_NET_RAW and CAP_NET_ADMIN). */
static bool open_kernel_edges(struct clustd *c)
{
	c->nl = nlk_open();
	c->ann = announcer_open();
	c->watch = c->nl ? nlk_watch_open(c->loop, instance_link_changed, instance_addr_changed, c)
			 : NULL;
	if (c->watch)
		nlk_watch_skip_renewals(c->watch, c->nl);
	return c->nl && c->ann && c->watch;
}

struct clustd *clustd_new(struct loop *l, struct clustd_config *cfg)
{
	struct clustd *c = xcalloc(1, sizeof(*c));

	c->loop = l;
	c->cfg = cfg;
	c->scripts = script_runner_new(l);
	if (!c->scripts || (!cfg->witness && !open_kernel_edges(c))) {
		log_err("cannot open the kernel interfaces (netlink, packet socket): are we root?");
		clustd_free(c);
		return NULL;
	}
	c->started_at = mono_now_us();
	c->ledger = ledger_open(&cfg->node);
	if (!c->ledger) {
		clustd_free(c);
		return NULL;
	}
	ledger_on_prepare(c->ledger, prepare_counters, c);
	ledger_counters(c->ledger)->incarnation = next_incarnation(c, 0);
	if (!cfg->witness)
		handover_load_drain(c); /* before any instance: a drained one never starts as master */
	if ((cfg->witness ? witness_start(c) : cluster_start(c)) < 0) {
		clustd_free(c);
		return NULL;
	}
	for (size_t i = 0; i < cfg->ninstances; i++) {
		append_instance(c, instance_new(c, &cfg->instances[i]));
	}
	groups_build(c);
	return c;
}

void clustd_start(struct clustd *c)
{
	char *path;

	/* Before any instance can become master. A witness has none, and no
	 * right to touch nftables. */
	if (!c->cfg->witness) {
		nft_filter_sync(&c->accept_filter, c->cfg);
		settle_fence_make(c);
	}
	drivers_open(c); /* the first transitions are told too */
	for (struct instance *in = c->instances; in; in = in->next)
		instance_start(in);
	path = xasprintf("%s/clustd.sock", c->cfg->node.run_dir);
	c->ctl = ctl_server_open(c->loop, path, ctl_handle, c);
	free(path);
	c->tick_timer = (struct loop_timer){ .fn = tick_fired, .arg = c, .late_us = TICK_LATE_US };
	loop_timer_arm(c->loop, &c->tick_timer, mono_now_us() + TICK_US);
	loop_set_idle(c->loop, loop_idle, c);
	instance_socks_refilter(c);
	ledger_commit(c->ledger, mono_now_us(), false);
}

void clustd_shutdown(struct clustd *c)
{
	if (c->shut_down)
		return;
	c->shut_down = true;
	for (struct instance *in = c->instances; in; in = in->next)
		instance_stop(in);
	/* The VIPs are gone now, so dropping the filter opens nothing. */
	nft_filter_remove(&c->accept_filter);
	settle_fence_remove(c);
}

/* ---- reload ---------------------------------------------------------- */

static struct instance *take_by_name(struct instance **list, const char *name)
{
	for (struct instance **pp = list; *pp; pp = &(*pp)->next) {
		if (strcmp((*pp)->conf->name, name) == 0) {
			struct instance *in = *pp;
			*pp = in->next;
			in->next = NULL;
			return in;
		}
	}
	return NULL;
}

/* Asked before anything changes: the running plane's settings point into
 * the config that the swap frees. */
static enum reload_cluster plan_cluster(const struct clustd *c, const struct clustd_config *cfg)
{
	bool running = c->cluster != NULL;

	return reload_plan_cluster(running, cfg->cluster.enabled,
				   running && cfg->cluster.enabled &&
					   cluster_net_same_conf(c->cluster, &cfg->cluster));
}

/* A plane restarted within the run sends under a new incarnation, stored
 * before its first heartbeat: with the old one and seq back at 1, every
 * peer would drop its heartbeats as replays until seq passed the old
 * value (A1). Carrying the seq over instead would also do for a plane
 * that restarts at once, but not for one stopped by one reload and
 * started again by a later one, and it would not renew the per-incarnation
 * state of the peers (counters pieces): one rule for every start. */
static void renew_incarnation(struct clustd *c)
{
	struct counter_set *k = ledger_counters(c->ledger);

	k->incarnation = next_incarnation(c, k->incarnation);
	ledger_touch(c->ledger);
}

/* The cluster plane keeps its membership across a reload when its
 * settings did not change; otherwise it restarts under a new incarnation,
 * taking over what it knew of the members that stay (quorum_carry), so
 * that quorum does not lapse. */
static void reload_cluster(struct clustd *c, enum reload_cluster step)
{
	if (step == RELOAD_CLUSTER_KEEP) {
		cluster_net_adopt_conf(c->cluster, &c->cfg->cluster);
		return;
	}
	if (step == RELOAD_CLUSTER_NONE)
		return;
	if (c->cluster && c->cfg->cluster.enabled) {
		log_notice("reload: cluster settings changed: restarting the cluster plane");
		renew_incarnation(c);
		c->cluster = cluster_net_reopen(c->cluster, &c->cfg->cluster,
						ledger_counters(c->ledger)->incarnation);
	} else {
		log_notice("reload: cluster plane %s", c->cluster ? "removed" : "added");
		cluster_net_close(c->cluster);
		c->cluster = NULL;
		if (c->restore_asked && c->cfg->cluster.enabled)
			renew_incarnation(c); /* a plane ran before in this run */
		cluster_start(c); /* on failure c->cluster stays NULL: logged below */
	}
	if (c->cfg->cluster.enabled && !c->cluster)
		log_err("reload: cluster plane not running: every instance stays in FAULT");
	quorum_changed(c, c->cluster && cluster_net_has_quorum(c->cluster));
}

/* The plane of old cluster `name`, taken out of c->planes (NULL if none).
 * c->cfg is still the old config. */
static struct witness_plane *take_plane(struct clustd *c, const char *name)
{
	for (size_t i = 0; i < c->nplanes; i++) {
		struct witness_plane *p = c->planes[i];

		if (p && strcmp(conf_cluster(c->cfg, i)->name, name) == 0) {
			c->planes[i] = NULL;
			return p;
		}
	}
	return NULL;
}

/* One cluster of the new config, given its old plane (NULL: a new
 * cluster): the same settings are adopted; changed ones restart the plane
 * under a new incarnation, keeping what it knew of the members; a new one
 * opens under a new incarnation too (planes ran before in this run). */
static struct witness_plane *witness_reload_one(struct clustd *c, const struct clustd_config *cfg,
						const struct cluster_conf *cc,
						struct witness_plane *p, bool *renewed)
{
	if (p && p->net && cluster_net_same_conf(p->net, cc)) {
		cluster_net_adopt_conf(p->net, cc);
		return p;
	}
	if (!*renewed)
		renew_incarnation(c);
	*renewed = true;
	if (p && p->net) {
		log_notice("reload: cluster %s: settings changed: restarting its plane", cc->name);
		p->net = cluster_net_reopen(p->net, cc, ledger_counters(c->ledger)->incarnation);
	} else {
		if (!p) {
			p = xcalloc(1, sizeof(*p));
			p->c = c;
		}
		log_notice("reload: cluster %s: starting its plane", cc->name);
		p->net = witness_open(p, cfg, cc, false);
	}
	if (!p->net)
		log_err("reload: cluster %s: plane not running", cc->name);
	return p;
}

/* A witness's reload, before the config swap: planes are matched by
 * cluster name; those of clusters gone from the config close first (their
 * ports may be taken by others). */
static void witness_reload(struct clustd *c, const struct clustd_config *cfg)
{
	struct witness_plane **next = xcalloc(cfg->nclusters, sizeof(*next));
	bool renewed = false;

	for (size_t j = 0; j < cfg->nclusters; j++)
		next[j] = take_plane(c, conf_cluster(cfg, j)->name);
	for (size_t i = 0; i < c->nplanes; i++)
		if (c->planes[i])
			log_notice("reload: cluster %s: removed from the config: closing its plane",
				   conf_cluster(c->cfg, i)->name);
	witness_free_planes(c);
	for (size_t j = 0; j < cfg->nclusters; j++)
		next[j] = witness_reload_one(c, cfg, conf_cluster(cfg, j), next[j], &renewed);
	c->planes = next;
	c->nplanes = cfg->nclusters;
}

/* A witness stays a witness, a router a router (main.c refuses a reload
 * that would change the role: the kernel edges are opened at start). */
void clustd_reload(struct clustd *c, struct clustd_config *cfg)
{
	if (c->cfg->witness) {
		witness_reload(c, cfg);
		clustd_config_swap(c, cfg);
		return;
	}
	enum reload_cluster cluster_step = plan_cluster(c, cfg);
	struct instance *old = c->instances;
	struct instance *started = NULL;
	struct reload_instance_plan plan;

	c->instances = NULL;
	for (size_t i = 0; i < cfg->ninstances; i++) {
		const struct instance_conf *ic = &cfg->instances[i];
		struct instance *in = take_by_name(&old, ic->name);
		reload_plan_instance(in ? in->conf : NULL, ic, &plan);
		if (plan.fate == RELOAD_KEEP) {
			instance_adopt_conf(in, ic, &plan);
			append_instance(c, in);
			continue;
		}
		if (plan.fate == RELOAD_RESTART) { /* renamed identity: stop the old one, start afresh */
			log_notice("%s: interface, VRID, version, family or virtual MAC changed: "
				   "restarting it", ic->name);
			instance_stop(in);
			instance_free(in);
		}
		in = instance_new(c, ic);
		in->next = started;
		started = in;
	}
	while (old) { /* instances gone from the config */
		struct instance *in = old;
		old = in->next;
		log_notice("%s: removed from the config: stopping it", in->conf->name);
		instance_stop(in);
		instance_free(in);
	}
	clustd_config_swap(c, cfg);
	drivers_reload(c);
	nft_filter_sync(&c->accept_filter, c->cfg);
	groups_build(c);
	/* The filter may have come or gone: accept_filter_fail = "closed". */
	for (struct instance *in = c->instances; in; in = in->next)
		instance_refresh_faults(in);
	reload_cluster(c, cluster_step);
	while (started) {
		struct instance *in = started;
		started = in->next;
		in->next = NULL;
		append_instance(c, in);
		instance_start(in);
	}
	instance_socks_refilter(c);
}


static void clustd_config_swap(struct clustd *c, struct clustd_config *cfg)
{
	conf_free(c->cfg);
	c->cfg = cfg;
}

bool clustd_scripts_idle(const struct clustd *c)
{
	return script_runner_idle(c->scripts);
}

uint32_t clustd_max_notify_timeout(const struct clustd *c)
{
	uint32_t max = 0;

	for (size_t i = 0; i < c->cfg->ninstances; i++)
		if (c->cfg->instances[i].notify.timeout_ms > max)
			max = c->cfg->instances[i].notify.timeout_ms;
	for (size_t i = 0; i < c->cfg->nsync_groups; i++)
		if (c->cfg->sync_groups[i].notify.timeout_ms > max)
			max = c->cfg->sync_groups[i].notify.timeout_ms;
	return max;
}

const struct clustd_config *clustd_config(const struct clustd *c)
{
	return c->cfg;
}

/* The clean stop: the last counters are saved, marked clean, synced, and
 * sent to the peers (whose copies a node with a new disk comes back to). */
static void counters_final(struct clustd *c)
{
	if (!c->ledger)
		return;
	prepare_counters(c);
	ledger_close(c->ledger, mono_now_us());
	if (c->cluster)
		cluster_net_send_final(c->cluster);
	for (size_t i = 0; i < c->nplanes; i++)
		if (c->planes[i] && c->planes[i]->net)
			cluster_net_send_final(c->planes[i]->net);
	write_metrics_file(c);
}

void clustd_free(struct clustd *c)
{
	if (!c)
		return;
	if (c->shut_down && c->loop)
		loop_set_idle(c->loop, NULL, NULL);
	loop_timer_cancel(c->loop, &c->tick_timer);
	if (c->shut_down)
		counters_final(c);
	c->shut_down = true;
	while (c->instances) {
		struct instance *in = c->instances;
		c->instances = in->next;
		instance_free(in);
	}
	groups_free(c);
	for (size_t i = 0; i < c->nretired; i++)
		script_queue_free(c->retired[i]);
	free(c->retired);
	ctl_server_close(c->ctl);
	drivers_close(c);
	cluster_net_close(c->cluster);
	witness_free_planes(c);
	script_runner_free(c->scripts);
	nlk_watch_close(c->watch);
	announcer_close(c->ann);
	nlk_close(c->nl);
	ledger_free(c->ledger);
	conf_free(c->cfg);
	free(c);
}
