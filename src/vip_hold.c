/* SPDX-License-Identifier: GPL-2.0-or-later */
/* vip_hold.c - holding the VIPs while MASTER: adding and dropping them,
 * their kernel lease, gratuitous ARP / unsolicited NA bursts, the virtual
 * MAC device (up exactly while MASTER), stale VIPs of a previous run, and
 * the hold-back while another cluster member may still hold them. */
#include "instance_int.h"

#include <stdio.h>
#include <string.h>

#include "clock.h"
#include "lease.h"
#include "log.h"
#include "owner.h"
#include "xalloc.h"

/* ---- VIPs and announcements ------------------------------------------ */

/* With use_vmac the VIPs live on the virtual MAC device and are announced
 * from it (RFC 5798 §7.2); otherwise on the interface, with its MAC. */
static int vip_ifindex(const struct instance *in)
{
	return in->conf->use_vmac ? in->vmac.ifindex : in->ifindex;
}

static void announce_all(struct instance *in)
{
	const uint8_t *mac = in->conf->use_vmac ? in->vmac.mac : in->mac;

	for (size_t i = 0; i < in->conf->nvips; i++)
		announce_send(in->c->ann, vip_ifindex(in), mac, &in->primary,
			      &in->conf->vips[i].addr);
}

/* Bursts of garp.repeat announcements garp.interval apart; a second burst
 * garp.master_delay later (for switches that missed the first); then one
 * burst every garp.refresh while master. */
static void start_burst(struct instance *in, uint64_t now)
{
	const struct instance_conf *ic = in->conf;

	if (ic->garp_repeat == 0)
		return;
	announce_all(in);
	in->garp_left = ic->garp_repeat - 1;
	if (in->garp_left > 0)
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_interval_ms * 1000ull);
}

void vip_garp_timer_fired(void *arg)
{
	struct instance *in = arg;
	const struct instance_conf *ic = in->conf;
	uint64_t now = mono_now_us();

	if (in->fsm.state != STATE_MASTER)
		return;
	if (in->garp_left > 0) {
		announce_all(in);
		in->garp_left--;
		if (in->garp_left > 0) {
			loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_interval_ms * 1000ull);
			return;
		}
	}
	/* The burst is over: schedule the next one, if any. */
	if (in->garp_second_pending && ic->garp_master_delay_ms) {
		in->garp_second_pending = false;
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_master_delay_ms * 1000ull);
		in->garp_left = ic->garp_repeat;
	} else if (ic->garp_refresh_ms) {
		loop_timer_arm(in->c->loop, &in->garp_timer, now + ic->garp_refresh_ms * 1000ull);
		in->garp_left = ic->garp_repeat;
	}
}

static uint32_t lease_s(const struct instance *in)
{
	return in->c->cfg->node.vip_lease_ms / 1000;
}

/* An owner's own address is the administrator's: never added (which would
 * put the VIP lease on it), renewed or removed. */
static bool is_owned(const struct instance *in, const struct vip *v)
{
	return owner_has(in->conf, in->owned, &v->addr);
}

static const char *vip_ifname(const struct instance *in)
{
	return in->conf->use_vmac ? in->vmac.name : in->conf->interface;
}

static void arm_lease(struct instance *in);

static void log_add_failed(struct instance *in, const struct vip *v, int err)
{
	char buf[VIP_STRLEN];

	log_err("%s: cannot add VIP %s to %s: %s", in->conf->name, vip_str(v, buf),
		vip_ifname(in), strerror(-err));
}

int vip_add(struct instance *in, const struct vip *v)
{
	if (is_owned(in, v))
		return 0;
	int rc = nlk_addr_add(in->c->nl, vip_ifindex(in), v, lease_s(in));

	if (rc < 0)
		log_add_failed(in, v, rc);
	return rc;
}

/* After adding (or renewing) every VIP, failed the first that failed
 * (with err), or NULL. A failure is retried once soon (the lease timer,
 * armed early), a second one in a row makes the instance FAULT: a master
 * without its VIPs must leave them to the backup. */
static void vip_add_all_done(struct instance *in, const struct vip *failed, int err)
{
	if (!failed) {
		fail_run_reset(&in->vip_fails);
		if (in->send_fails.count == 0)
			instance_held_ok(in);
		arm_lease(in);
		return;
	}
	if (!fail_run_add(&in->vip_fails, mono_now_us(), FAULT_VIP_MAX, 0)) {
		loop_timer_arm(in->c->loop, &in->lease_timer, mono_now_us() + FAULT_VIP_RETRY_US);
		return;
	}
	char why[160], buf[VIP_STRLEN];
	snprintf(why, sizeof(why), "cannot add VIP %s to %s: %s", vip_str(failed, buf),
		 vip_ifname(in), strerror(-err));
	instance_held_fault(in, FAULT_VIP, why);
}

/* Add (or renew) every VIP. */
static void vip_add_all(struct instance *in)
{
	const struct vip *failed = NULL;
	int err = 0;

	for (size_t i = 0; i < in->conf->nvips; i++) {
		int rc = vip_add(in, &in->conf->vips[i]);
		if (rc < 0 && !failed) {
			failed = &in->conf->vips[i];
			err = rc;
		}
	}
	vip_add_all_done(in, failed, err);
}

/* Self-fencing: VIPs carry a kernel lifetime renewed every third of it,
 * so they outlive a stall of up to two thirds of the lease but vanish
 * soon after the daemon dies. The renewals of all instances fall on
 * shared instants (lease.h): one wakeup of the loop renews many. */
static void arm_lease(struct instance *in)
{
	uint32_t lease_ms = in->c->cfg->node.vip_lease_ms;

	if (lease_ms)
		loop_timer_arm(in->c->loop, &in->lease_timer, lease_renew_at(mono_now_us(), lease_ms));
}

static bool renews(const struct instance *in)
{
	return in->fsm.state == STATE_MASTER && !in->vips_unsent;
}

/* The instances whose lease timer is due at the same instant as in's
 * (they fire in this pass of the loop): their timers are cancelled, and
 * the renewing ones (in among them) are returned, n of them. */
static struct instance **due_together(struct instance *in, size_t *n)
{
	struct instance **out = NULL;
	size_t cap = 0;

	*n = 0;
	for (struct instance *m = in->c->instances; m; m = m->next) {
		if (m != in && !(m->lease_timer.armed && m->lease_timer.deadline == in->lease_timer.deadline))
			continue;
		loop_timer_cancel(m->c->loop, &m->lease_timer);
		if (!renews(m))
			continue;
		if (*n == cap)
			out = xrealloc(out, (cap = cap ? 2 * cap : 16) * sizeof(*out));
		out[(*n)++] = m;
	}
	return out;
}

/* The VIPs to renew of the instances due, in their order (owners' own
 * addresses left out). */
static struct nlk_addr_req *lease_requests(struct instance **due, size_t n, size_t *nreq)
{
	size_t cap = 0;

	for (size_t k = 0; k < n; k++)
		cap += due[k]->conf->nvips;
	struct nlk_addr_req *req = xcalloc(cap ? cap : 1, sizeof(*req));

	*nreq = 0;
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < due[k]->conf->nvips; i++)
			if (!is_owned(due[k], &due[k]->conf->vips[i]))
				req[(*nreq)++] = (struct nlk_addr_req){ vip_ifindex(due[k]),
									&due[k]->conf->vips[i] };
	return req;
}

/* Each instance goes on as after vip_add_all, with its requests' results
 * (in the order lease_requests made them). */
static void lease_results(struct instance **due, size_t n, const struct nlk_addr_req *req,
			  const int *err)
{
	size_t r = 0;

	for (size_t k = 0; k < n; k++) {
		const struct vip *failed = NULL;
		int first_err = 0;

		for (size_t i = 0; i < due[k]->conf->nvips; i++) {
			if (is_owned(due[k], &due[k]->conf->vips[i]))
				continue;
			if (err[r] < 0) {
				log_add_failed(due[k], req[r].vip, err[r]);
				if (!failed)
					failed = req[r].vip, first_err = err[r];
			}
			r++;
		}
		vip_add_all_done(due[k], failed, first_err);
	}
}

/* Renew the VIPs of every instance due at this instant in one netlink
 * batch (nlk_addr_add_batch): one send instead of a round trip per VIP. */
void vip_lease_timer_fired(void *arg)
{
	struct instance *in = arg;
	size_t n, nreq;

	if (!renews(in))
		return;
	struct instance **due = due_together(in, &n);
	struct nlk_addr_req *req = lease_requests(due, n, &nreq);
	int *err = xcalloc(nreq ? nreq : 1, sizeof(*err));

	nlk_addr_add_batch(in->c->nl, req, nreq, lease_s(in), err);
	lease_results(due, n, req, err);
	free(err);
	free(req);
	free(due);
}

/* With a cluster plane the instance is MASTER only while it holds the
 * votes (instance_votes.c): no other member can hold the VIPs now. */
void vip_take_all(struct instance *in)
{
	vip_add_all(in);
	in->garp_second_pending = in->conf->garp_master_delay_ms > 0;
	start_burst(in, mono_now_us());
	if (in->garp_left == 0) /* one-shot burst: still schedule what follows */
		vip_garp_timer_fired(in);
}

void vip_drop(struct instance *in, const struct vip *v)
{
	char buf[VIP_STRLEN];

	if (is_owned(in, v))
		return;
	int rc = nlk_addr_del(in->c->nl, vip_ifindex(in), v);

	if (rc < 0)
		log_err("%s: cannot remove VIP %s from %s: %s", in->conf->name, vip_str(v, buf),
			in->conf->use_vmac ? in->vmac.name : in->conf->interface, strerror(-rc));
}

void vip_drop_all(struct instance *in)
{
	loop_timer_cancel(in->c->loop, &in->garp_timer);
	loop_timer_cancel(in->c->loop, &in->lease_timer);
	in->vips_unsent = false;
	fail_run_reset(&in->vip_fails);
	in->garp_left = 0;
	if (vip_ifindex(in) == 0)
		return;
	for (size_t i = 0; i < in->conf->nvips; i++)
		vip_drop(in, &in->conf->vips[i]);
}

/* Which VIPs are the interface's own addresses (owner.c decides); prev is
 * the config before a reload (NULL at start): what was owned stays owned. */
void vip_detect_owned(struct instance *in, const struct instance_conf *prev)
{
	const struct instance_conf *ic = in->conf;
	struct owner_facts facts[CLUSTD_MAX_VIPS];
	uint64_t before = in->owned;
	char buf[VIP_STRLEN];

	for (size_t i = 0; i < ic->nvips; i++) {
		facts[i] = (struct owner_facts){ 0 };
		if (in->ifindex)
			nlk_addr_facts(in->c->nl, in->ifindex, &ic->vips[i], &facts[i]);
	}
	in->owned = owner_mask(ic, facts, prev, prev ? before : 0);
	for (size_t i = 0; i < ic->nvips; i++)
		if (((in->owned >> i) & 1) && !(prev && owner_has(prev, before, &ic->vips[i].addr)))
			log_notice("%s: %s is %s's own address: address owner, clustd never adds, "
				   "leases or removes it", ic->name, vip_str(&ic->vips[i], buf),
				   ic->interface);
}

/* VIPs of this config left on the interface by a predecessor that died
 * without cleaning up (SIGKILL, crash) answer ARP beside the real master. */
void vip_remove_stale(struct instance *in)
{
	char buf[VIP_STRLEN];

	if (in->ifindex == 0)
		return;
	for (size_t i = 0; i < in->conf->nvips; i++) {
		const struct vip *v = &in->conf->vips[i];
		if (is_owned(in, v) || !nlk_addr_present(in->c->nl, in->ifindex, v))
			continue;
		nlk_addr_del(in->c->nl, in->ifindex, v);
		log_notice("%s: removed stale VIP %s from %s (left by a previous run)",
			   in->conf->name, vip_str(v, buf), in->conf->interface);
	}
}

/* ---- virtual MAC ------------------------------------------------------ */

/* The device is up exactly while MASTER: a backup must send nothing from
 * the shared MAC (not even the kernel's IPv6 DAD, MLD reports or router
 * solicitations from the device's link-local), or switches would forward
 * the master's traffic to it. Down, it also drops frames to the MAC. */
void vmac_set(struct instance *in, bool up)
{
	if (!in->conf->use_vmac || in->vmac.ifindex == 0 || in->vmac.up == up)
		return;
	int rc = vmac_dev_set_up(&in->vmac, in->c->nl, up);
	if (rc < 0)
		log_err("%s: cannot set %s %s: %s", in->conf->name, in->vmac.name,
			up ? "up" : "down", strerror(-rc));
	else
		log_debug("%s: %s %s", in->conf->name, in->vmac.name, up ? "up" : "down");
}

/* Make sure the device exists (it may have been deleted under us, or gone
 * with its interface). A master whose device was re-created or set down
 * brings it up again and puts its VIPs back. Returns fault bits. */
unsigned vmac_probe(struct instance *in)
{
	struct clustd *c = in->c;
	bool created = false;

	if (!in->conf->use_vmac)
		return 0;
	int rc = vmac_dev_ensure(&in->vmac, c->nl, &c->vmac_bases, in->conf->interface,
				 in->ifindex, &created, in->vmac_why, sizeof(in->vmac_why));
	if (rc < 0) {
		log_ratelimited(&in->vmac_log_last, 60000, LOG_ERR, "%s: virtual MAC device %s: %s",
				in->conf->name, in->vmac.name, in->vmac_why);
		return FAULT_VMAC;
	}
	if (in->fsm.state != STATE_MASTER) {
		if (in->vmac.up)
			log_warn("%s: %s was set up while not master: setting it down", in->conf->name,
				 in->vmac.name);
		vmac_set(in, false);
		return 0;
	}
	if (!created && in->vmac.up)
		return 0;
	vmac_set(in, true);
	if (in->vips_unsent)
		return 0;
	vip_add_all(in);
	start_burst(in, mono_now_us());
	return 0;
}

void vmac_release(struct instance *in)
{
	if (in->conf->use_vmac)
		vmac_dev_remove(&in->vmac, in->c->nl, &in->c->vmac_bases);
}

