/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_handover.c - planned handover at run time: the control requests
 * (`clustd handover`, `drain`, `undrain`) and the command waiting for
 * their outcome, the drain file in state_dir, asking at once when a member
 * hands over to us, the steps of our own handovers, and handing over by
 * itself (a drained master, a fallen priority, a fault). The decisions are
 * handover.c's and drain.c's; doc/quorum.md, "Planned handover", has the
 * argument. */
#include "instance_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic_file.h"
#include "clock.h"
#include "log.h"
#include "xalloc.h"

/* A drained master, or one whose priority fell, tries again this long
 * after a handover that did not go through (or, drained, when nobody could
 * take over). */
#define AUTO_RETRY_US 1000000ull

/* ---- the command waiting for its outcome ------------------------------ */

struct ho_command {
	struct ctl_pending *client;   /* NULL once it left (or not deferred yet) */
	unsigned waiting;             /* instances whose outcome is due */
	bool failed;
	char *text;                   /* the reply so far */
	size_t len;
};

static struct ho_command *command_new(void)
{
	return xcalloc(1, sizeof(struct ho_command));
}

/* One line of the reply; error lines begin "error: " (the CLI's exit
 * status comes from them). */
static void __attribute__((format(printf, 3, 4)))
say(struct ho_command *cmd, bool error, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	char *more = xasprintf("%s%s%s\n", cmd->text ? cmd->text : "", error ? "error: " : "", line);
	free(cmd->text);
	cmd->text = more;
	cmd->failed |= error;
}

/* The reply as it stands; the command is freed. */
static char *command_take(struct ho_command *cmd)
{
	char *text = cmd->text ? cmd->text : xstrdup("\n");

	free(cmd);
	return text;
}

static void command_gone(void *arg)
{
	struct ho_command *cmd = arg;

	cmd->client = NULL; /* the outcome is logged all the same */
}

/* One instance's outcome is in: the last one sends the reply. */
static void command_done(struct ho_command *cmd)
{
	struct ctl_pending *client = cmd->client;

	if (--cmd->waiting > 0)
		return;
	if (client)
		ctl_pending_reply(client, command_take(cmd));
	else
		free(command_take(cmd));
}

/* ---- helpers ------------------------------------------------------------ */

static bool gated(const struct instance *in)
{
	return in->c->cluster && cluster_net_votes_gated(in->c->cluster);
}

static const struct quorum *plane_quorum(const struct instance *in)
{
	return in->c->cluster ? cluster_net_quorum(in->c->cluster) : NULL;
}

static uint64_t bound_us(const struct instance *in)
{
	return handover_bound_us(in->c->cfg->cluster.heartbeat_interval_ms);
}

/* A priority-0 fallback waits this long for another router's advert: a
 * backup takes over within its skew time, under one advert interval. */
static uint64_t fallback_bound_us(const struct instance *in)
{
	return 2ull * in->conf->advert_interval_ms * 1000 + 200000;
}

static struct instance *find_instance(struct clustd *c, const char *name)
{
	for (struct instance *in = c->instances; in; in = in->next)
		if (strcmp(in->conf->name, name) == 0)
			return in;
	return NULL;
}

static void vips_text(const struct instance *in, char *buf, size_t len)
{
	size_t used = 0;
	char one[VIP_STRLEN];

	buf[0] = '\0';
	for (size_t i = 0; i < in->conf->nvips && used < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? " " : "",
				 vip_str(&in->conf->vips[i], one));
		used += w > 0 ? (size_t)w : 0;
	}
}

static void timer_fired(void *arg)
{
	instance_handover_check(arg);
}

static void arm(struct instance *in, uint64_t at)
{
	in->ho.timer.fn = timer_fired;
	in->ho.timer.arg = in;
	loop_timer_arm(in->c->loop, &in->ho.timer, at);
}

/* The end of a handover of ours (or a fallback): logged, kept for status,
 * counted, and told to the command waiting for it. */
static void __attribute__((format(printf, 4, 5)))
finish(struct instance *in, enum ho_result result, bool error, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(in->ho.last, sizeof(in->ho.last), fmt, ap);
	va_end(ap);
	in->ho.last_at = mono_now_us();
	in->ho.results[result]++;
	in->ho.fallback_at = 0;
	/* An automatic handover that did not go through waits before the next
	 * try; one that did leaves the next one free at once. */
	in->ho.auto_at = result == HO_RESULT_DONE ? 0 : in->ho.last_at;
	loop_timer_cancel(in->c->loop, &in->ho.timer);
	if (error)
		log_warn("%s", in->ho.last);
	else
		log_notice("%s", in->ho.last);
	if (in->ho.cmd) {
		say(in->ho.cmd, error, "%s", in->ho.last);
		command_done(in->ho.cmd);
		in->ho.cmd = NULL;
	}
	if (in->c->cluster) /* our heartbeats stop naming the successor */
		cluster_net_send_soon(in->c->cluster);
}

static void begin(struct instance *in, const char *to, enum ho_cause cause, bool released,
		  struct ho_command *cmd)
{
	uint64_t now = mono_now_us();

	handover_begin(&in->ho.h, to, cause, released, now, bound_us(in));
	in->ho.cmd = cmd;
	if (cmd)
		cmd->waiting++;
	log_notice("%s: handing over to %s (%s): %s, within %llu ms", in->conf->name, to,
		   ho_cause_name(cause), released ? "it is to ask for the votes at once"
						  : "waiting for its request for the votes",
		   (unsigned long long)(in->ho.h.bound_us / 1000));
	arm(in, in->ho.h.deadline);
}

/* No member of the cluster plane to hand to (no plane, no votes, or the
 * backups are plain VRRP routers): the priority-0 advert of RFC 5798, and
 * the first advert of the router that takes over ends it. */
static void fallback(struct instance *in, const char *why, struct ho_command *cmd)
{
	uint64_t now = mono_now_us();
	struct fsm_out o;
	char reason[200];

	snprintf(reason, sizeof(reason), "handing over with a priority-0 advert: %s", why);
	fsm_hand_over(&in->fsm, reason, now, &o);
	instance_apply(in, &o);
	in->ho.fallback_at = now;
	in->ho.cmd = cmd;
	if (cmd)
		cmd->waiting++;
	arm(in, now + fallback_bound_us(in));
}

/* ---- the drain file ------------------------------------------------------ */

static char *drain_path(const struct clustd *c)
{
	return xasprintf("%s/" DRAIN_FILE, c->cfg->node.state_dir);
}

void handover_load_drain(struct clustd *c)
{
	char *path = drain_path(c);
	char text[DRAIN_TEXT_MAX];
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, text, sizeof(text)) : -1;
	int err = errno;
	const char *why;

	if (fd >= 0)
		close(fd);
	memset(&c->drained, 0, sizeof(c->drained));
	c->drain_problem[0] = '\0';
	if (fd < 0 && err == ENOENT) {
		free(path);
		return;
	}
	why = n < 0 ? strerror(err) : (size_t)n == sizeof(text) ? "too long"
								: drain_parse(text, (size_t)n, &c->drained);
	if (why) {
		/* An operator drained this node: keep it out of the way until
		 * told otherwise, rather than take a VIP during maintenance. */
		drain_add(&c->drained, NULL);
		snprintf(c->drain_problem, sizeof(c->drain_problem),
			 "%s cannot be read (%s): the whole node is kept drained until `clustd undrain`",
			 path, why);
		log_err("drain: %s", c->drain_problem);
	} else if (c->drained.node) {
		log_notice("drain: the whole node is drained (%s): no instance becomes master", path);
	} else {
		for (size_t i = 0; i < c->drained.n; i++)
			log_notice("drain: %s is drained (%s): it does not become master",
				   c->drained.names[i], path);
	}
	free(path);
}

/* Durable before the reply: a drain survives a crash, a SIGKILL or a power
 * loss right after the command said so. Nothing drained: no file. */
static bool save_drain(struct clustd *c, const struct drain_set *d, char *err, size_t errlen)
{
	char *path = drain_path(c);
	char text[DRAIN_TEXT_MAX];
	const char *step = "encode";
	int rc = 0;

	if (drain_empty(d)) {
		if (unlink(path) < 0 && errno != ENOENT)
			rc = -errno, step = "unlink";
	} else {
		size_t n = drain_encode(d, text, sizeof(text));
		rc = n ? atomic_file_replace(path, text, n, true, &step) : -EOVERFLOW;
	}
	if (rc < 0)
		snprintf(err, errlen, "cannot save %s: %s: %s", path, step, strerror(-rc));
	free(path);
	return rc == 0;
}

/* ---- the successor's side ------------------------------------------------ */

static void take_over_check(struct instance *in, uint64_t now)
{
	const struct quorum *q = plane_quorum(in);
	const char *from = q && gated(in) ? handover_from(q, in->conf->name, in->c->cfg->node.name, now)
					 : NULL;
	struct fsm_out o;
	char why[160];

	if (from && in->fsm.state == STATE_BACKUP && !in->fsm.taking_over && !in->fsm.drained) {
		snprintf(in->ho.from, sizeof(in->ho.from), "%s", from);
		snprintf(why, sizeof(why), "member %s hands %s over to us", from, in->conf->name);
		log_notice("%s: %s: asking for the votes at once", in->conf->name, why);
		fsm_take_over(&in->fsm, why, now, &o);
		instance_apply(in, &o); /* the request leaves at once (instance_votes_note) */
	} else if (!from && in->fsm.taking_over) {
		log_notice("%s: %s no longer hands it over: giving up the candidacy", in->conf->name,
			   in->ho.from);
		fsm_withdraw(&in->fsm, now);
		instance_apply(in, &(struct fsm_out){0});
		in->ho.from[0] = '\0';
	}
	if (in->ho.from[0] && in->fsm.state == STATE_MASTER) {
		in->ho.results[HO_RESULT_TAKEN]++;
		in->ho.last_at = now;
		snprintf(in->ho.last, sizeof(in->ho.last), "%s: took over from %s", in->conf->name,
			 in->ho.from);
		in->ho.from[0] = '\0';
	}
}

/* ---- the master's side ---------------------------------------------------- */

/* Our handover under way, one step. */
static void step(struct instance *in, uint64_t now)
{
	const struct quorum *q = plane_quorum(in);
	struct handover *h = &in->ho.h;
	const char *name = in->conf->name;
	struct ho_view v = {
		.master = in->fsm.state == STATE_MASTER,
		.successor_asks = q && handover_member_asks(q, h->to, name, now),
		.successor_master = q && handover_member_master(q, h->to, name, now),
	};
	unsigned long long bound_ms = h->bound_us / 1000;
	char to[CLUSTD_NAME_MAX], why[200];
	struct fsm_out o;

	snprintf(to, sizeof(to), "%s", h->to);
	switch (handover_step(h, &v, now)) {
	case HO_WAIT:
		arm(in, h->deadline);
		return;
	case HO_RELEASE:
		snprintf(why, sizeof(why), "handing over to %s (%s), which asks for the votes", to,
			 ho_cause_name(h->cause));
		/* An operator's handover is not undone by preemption; one made
		 * because our priority fell is, once it is back. */
		if (h->cause == HO_BY_COMMAND || h->cause == HO_BY_DRAIN)
			fsm_hand_over(&in->fsm, why, now, &o);
		else
			fsm_step_down(&in->fsm, why, now, &o);
		instance_apply(in, &o); /* VIPs gone, then the release at once */
		arm(in, h->deadline);
		return;
	case HO_DONE:
		finish(in, HO_RESULT_DONE, false, "%s: handed over to %s in %.1f ms (%s is master%s)",
		       name, to, (double)(now - h->started) / 1000.0, to,
		       in->fsm.drained ? ", this node is drained" :
		       in->fsm.yielded ? "; no preempting back" : "");
		return;
	case HO_ABORT:
		finish(in, HO_RESULT_ABORTED, true, "%s: %s did not ask for the votes within %llu ms: "
		       "handover aborted, this node stays master", name, to, bound_ms);
		return;
	case HO_LOST:
		finish(in, HO_RESULT_LOST, true, "%s: this node left MASTER before %s asked (%s): "
		       "handover ended", name, to, in->faults ? in->fault_why : "the votes");
		return;
	case HO_FAILED:
		break;
	}
	bool take_back = in->fsm.state == STATE_BACKUP && !in->fsm.drained;

	finish(in, HO_RESULT_FAILED, true, "%s: %s was not master %llu ms after this node let go%s",
	       name, to, bound_ms, take_back ? ": asking for the votes again" : "");
	if (take_back) {
		fsm_set_yielded(&in->fsm, false);
		fsm_take_over(&in->fsm, "the handover failed: taking the instance back", now, &o);
		instance_apply(in, &o);
	}
}

/* A priority-0 fallback is over when another router advertises as master,
 * or at its bound. */
static void fallback_check(struct instance *in, uint64_t now)
{
	const struct fsm *f = &in->fsm;
	char who[IP_ADDR_STRLEN];

	if (f->state == STATE_BACKUP && f->last_advert_at > in->ho.fallback_at &&
	    f->master_priority > 0) {
		finish(in, HO_RESULT_FALLBACK, false, "%s: %s is master (priority %u), %.1f ms after "
		       "our priority-0 advert", in->conf->name, ip_addr_str(&f->master_addr, who),
		       f->master_priority, (double)(f->last_advert_at - in->ho.fallback_at) / 1000.0);
		return;
	}
	if (now >= in->ho.fallback_at + fallback_bound_us(in)) {
		finish(in, HO_RESULT_FAILED, true, "%s: no router took over within %llu ms of our "
		       "priority-0 advert: %s", in->conf->name,
		       (unsigned long long)(fallback_bound_us(in) / 1000),
		       f->drained ? "nobody holds it (this node is drained)"
				  : "this node takes it back when its Master_Down_Interval runs out");
		return;
	}
	arm(in, in->ho.fallback_at + fallback_bound_us(in));
}

/* A drained master hands over by itself; so does one whose priority fell
 * below a live member's (item 3: the service on the master died). */
static void auto_check(struct instance *in, uint64_t now)
{
	const struct quorum *q = plane_quorum(in);
	const char *name = in->conf->name, *to = NULL;
	uint8_t their = 0;
	char others[256];

	if (!q || !gated(in) || in->fsm.state != STATE_MASTER ||
	    (in->ho.auto_at && now < in->ho.auto_at + AUTO_RETRY_US))
		return;
	if (in->fsm.drained) {
		if (handover_pick(q, name, NULL, now, &to, &their) == HO_PICK_OK) {
			begin(in, to, HO_BY_DRAIN, false, NULL);
			cluster_net_send_urgent(in->c->cluster);
			return;
		}
		in->ho.auto_at = now; /* say it again in a second, not at every heartbeat */
		handover_others(q, name, now, others, sizeof(others));
		log_warn("%s: drained, but no member can take over (%s): staying master", name,
			 others);
		return;
	}
	to = handover_fall_target(q, name, in->fsm.p.priority, in->conf->priority, now, &their);
	if (!to)
		return;
	log_notice("%s: effective priority fell to %u (configured %u): %s (priority %u) takes "
		   "over", name, in->fsm.p.priority, in->conf->priority, to, their);
	begin(in, to, HO_BY_PRIORITY, false, NULL);
	cluster_net_send_urgent(in->c->cluster);
}

void instance_handover_check(struct instance *in)
{
	uint64_t now = mono_now_us();

	if (in->c->shut_down)
		return;
	take_over_check(in, now);
	if (handover_active(&in->ho.h))
		step(in, now);
	else if (in->ho.fallback_at)
		fallback_check(in, now);
	else
		auto_check(in, now);
}

void instance_handover_note(struct instance *in, const struct fsm_out *o)
{
	const struct quorum *q = plane_quorum(in);
	const char *to = NULL;
	uint8_t their = 0;

	if (in->ho.fallback_at && !o->changed)
		fallback_check(in, mono_now_us()); /* an advert: the new master's? */
	if (!o->changed || o->from != STATE_MASTER || o->to != STATE_FAULT || !q || !gated(in) ||
	    handover_active(&in->ho.h))
		return;
	/* Our VIPs are gone already; the heartbeat that releases our votes
	 * (sent right after this) tells the successor to ask at once, instead
	 * of waiting for its skew time after our priority-0 advert. */
	if (handover_pick(q, in->conf->name, NULL, mono_now_us(), &to, &their) == HO_PICK_OK)
		begin(in, to, HO_BY_FAULT, true, NULL);
}

void instance_handover_fill(const struct instance *in, struct heartbeat *hb)
{
	if (handover_active(&in->ho.h) && hb->nhandovers < CLUSTER_MAX_HANDOVERS) {
		struct hb_handover *h = &hb->handovers[hb->nhandovers++];

		snprintf(h->instance, sizeof(h->instance), "%s", in->conf->name);
		snprintf(h->successor, sizeof(h->successor), "%s", in->ho.h.to);
	}
	if (in->fsm.drained && hb->ndrained < CLUSTER_MAX_DRAINED)
		snprintf(hb->drained[hb->ndrained++], CLUSTD_NAME_MAX, "%s", in->conf->name);
}

void instance_handover_stop(struct instance *in)
{
	if (handover_active(&in->ho.h) || in->ho.fallback_at) {
		in->ho.h.phase = HO_IDLE;
		finish(in, HO_RESULT_LOST, true, "%s: stopped during its handover (a reload or the "
		       "shutdown)", in->conf->name);
	}
	loop_timer_cancel(in->c->loop, &in->ho.timer);
}

bool instance_handover_busy(const struct instance *in)
{
	return handover_active(&in->ho.h);
}

/* ---- the control requests ------------------------------------------------ */

/* The instances a request names (all, when none), or an error line for
 * each name that is none of ours. */
static size_t targets(struct clustd *c, const struct ho_request *r, struct instance **out,
		      struct ho_command *cmd)
{
	size_t n = 0;

	if (r->n == 0) {
		for (struct instance *in = c->instances; in && n < HO_REQUEST_MAX_NAMES; in = in->next)
			out[n++] = in;
		return n;
	}
	for (size_t i = 0; i < r->n; i++) {
		struct instance *in = find_instance(c, r->names[i]);
		if (in)
			out[n++] = in;
		else
			say(cmd, true, "unknown instance: %s", r->names[i]);
	}
	return n;
}

/* What one instance's handover will be: to a member (*to), or a fallback
 * (*to NULL, *note why). False (and an error line) when it cannot be. */
static bool plan_handover(struct instance *in, const char *want, uint64_t now, const char **to,
			  char *note, size_t notelen, struct ho_command *cmd)
{
	const struct quorum *q = plane_quorum(in);
	const char *name = in->conf->name;
	uint8_t prio;
	char others[256];

	*to = NULL;
	if (in->fsm.state != STATE_MASTER) {
		say(cmd, true, "%s: not master here (%s): nothing to hand over", name,
		    vrrp_state_name(in->fsm.state));
		return false;
	}
	if (handover_active(&in->ho.h) || in->ho.fallback_at) {
		say(cmd, true, "%s: a handover%s%s is under way already", name,
		    in->ho.fallback_at ? "" : " to ", in->ho.fallback_at ? "" : in->ho.h.to);
		return false;
	}
	if (!q || !gated(in)) {
		if (want) {
			say(cmd, true, "%s: --to needs a cluster plane with votes (%s)", name,
			    q ? "quorum = 1" : "no cluster section");
			return false;
		}
		snprintf(note, notelen, "%s", q ? "quorum = 1: no votes" : "no cluster plane");
		return true;
	}
	enum ho_pick p = handover_pick(q, name, want, now, to, &prio);

	if (p == HO_PICK_OK)
		return true;
	if (p == HO_PICK_NONE) {
		handover_others(q, name, now, others, sizeof(others));
		snprintf(note, notelen, "no cluster member can take over (%s)", others);
		return true;
	}
	say(cmd, true, "%s: %s cannot take over: %s", name, want, ho_pick_text(p));
	return false;
}

static char *cmd_handover(struct clustd *c, const struct ho_request *r, struct ho_command *cmd)
{
	struct instance *ins[HO_REQUEST_MAX_NAMES];
	const char *to[HO_REQUEST_MAX_NAMES];
	char notes[HO_REQUEST_MAX_NAMES][300];
	size_t n = targets(c, r, ins, cmd), k = 0;
	uint64_t now = mono_now_us();
	bool ok = !cmd->failed;

	if (r->n == 0) { /* all: those we are master of */
		for (size_t i = 0; i < n; i++)
			if (ins[i]->fsm.state == STATE_MASTER)
				ins[k++] = ins[i];
		n = k;
		if (n == 0)
			say(cmd, true, "this node is master of no instance: nothing to hand over");
		ok = n > 0;
	}
	for (size_t i = 0; i < n; i++)
		ok &= plan_handover(ins[i], r->to[0] ? r->to : NULL, now, &to[i], notes[i],
				    sizeof(notes[i]), cmd);
	if (!ok) {
		say(cmd, true, "nothing changed");
		return command_take(cmd);
	}
	for (size_t i = 0; i < n; i++) {
		if (to[i]) {
			begin(ins[i], to[i], HO_BY_COMMAND, false, cmd);
			continue;
		}
		say(cmd, false, "%s: %s: falling back to a priority-0 advert (a VRRP backup takes over "
		    "after its skew time)", ins[i]->conf->name, notes[i]);
		fallback(ins[i], notes[i], cmd);
	}
	if (c->cluster)
		cluster_net_send_urgent(c->cluster); /* the announcements, at once */
	cmd->client = ctl_defer(c->ctl, command_gone, cmd);
	return NULL;
}

/* Who could be master of `in` besides us: refused when nobody, unless
 * forced. Without votes we cannot tell: allowed, with a note. */
static bool drain_allowed(struct instance *in, bool force, uint64_t now, struct ho_command *cmd)
{
	const struct quorum *q = plane_quorum(in);
	char others[256], vips[256];

	if (!q || !gated(in)) {
		say(cmd, false, "%s: no cluster plane with votes: cannot tell whether another router "
		    "can be master", in->conf->name);
		return true;
	}
	if (handover_others(q, in->conf->name, now, others, sizeof(others)) > 0)
		return true;
	vips_text(in, vips, sizeof(vips));
	if (force) {
		say(cmd, false, "%s: --force: no other member can be master (%s): nobody will hold %s",
		    in->conf->name, others, vips);
		return true;
	}
	say(cmd, true, "%s: no other member can be master (%s): draining it would leave %s with "
	    "nobody; use --force to drain it anyway", in->conf->name, others, vips);
	return false;
}

/* A newly drained instance: never a candidate again; a master hands over. */
static void drain_one(struct instance *in, bool force, struct ho_command *cmd)
{
	const struct quorum *q = plane_quorum(in);
	uint64_t now = mono_now_us();
	const char *to = NULL;
	uint8_t prio;
	struct fsm_out o;
	char vips[256];

	fsm_set_drained(&in->fsm, true, now);
	instance_apply(in, &(struct fsm_out){0}); /* a candidacy ends: said at once */
	if (in->fsm.state != STATE_MASTER || handover_active(&in->ho.h) || in->ho.fallback_at) {
		say(cmd, false, "%s: drained (%s): it does not become master", in->conf->name,
		    vrrp_state_name(in->fsm.state));
		return;
	}
	if (!q || !gated(in)) {
		say(cmd, false, "%s: drained: handing over with a priority-0 advert", in->conf->name);
		fallback(in, "drained", cmd);
		return;
	}
	if (handover_pick(q, in->conf->name, NULL, now, &to, &prio) == HO_PICK_OK) {
		begin(in, to, HO_BY_DRAIN, false, cmd);
		return;
	}
	if (!force) { /* drain_allowed counted a master elsewhere, or a member not BACKUP yet */
		say(cmd, false, "%s: drained, still master: no member can take over yet; it hands "
		    "over as soon as one can", in->conf->name);
		return;
	}
	vips_text(in, vips, sizeof(vips));
	fsm_hand_over(&in->fsm, "drained with --force, no member to hand over to", now, &o);
	instance_apply(in, &o);
	say(cmd, false, "%s: drained with --force: released %s; nobody holds it now", in->conf->name,
	    vips);
}

static char *cmd_drain(struct clustd *c, const struct ho_request *r, struct ho_command *cmd)
{
	struct instance *ins[HO_REQUEST_MAX_NAMES];
	size_t n = targets(c, r, ins, cmd);
	struct drain_set next = c->drained;
	uint64_t now = mono_now_us();
	bool ok = !cmd->failed;
	char err[300];

	for (size_t i = 0; i < n; i++)
		if (!ins[i]->fsm.drained)
			ok &= drain_allowed(ins[i], r->force, now, cmd);
	for (size_t i = 0; i < r->n && ok; i++)
		ok &= drain_add(&next, r->names[i]);
	if (r->n == 0)
		drain_add(&next, NULL);
	if (ok && !save_drain(c, &next, err, sizeof(err))) {
		say(cmd, true, "%s", err);
		ok = false;
	}
	if (!ok) {
		say(cmd, true, "nothing changed");
		return command_take(cmd);
	}
	c->drained = next;
	c->drain_problem[0] = '\0';
	log_notice("drain: %s drained (by clustd drain)", r->n ? "instance(s)" : "the whole node");
	for (size_t i = 0; i < n; i++) {
		if (ins[i]->fsm.drained && ins[i]->fsm.state != STATE_MASTER) {
			say(cmd, false, "%s: drained already", ins[i]->conf->name);
			continue;
		}
		drain_one(ins[i], r->force, cmd);
	}
	if (c->cluster)
		cluster_net_send_urgent(c->cluster);
	if (cmd->waiting == 0)
		return command_take(cmd);
	cmd->client = ctl_defer(c->ctl, command_gone, cmd);
	return NULL;
}

static char *cmd_undrain(struct clustd *c, const struct ho_request *r, struct ho_command *cmd)
{
	struct drain_set next = c->drained;
	char err[300];

	for (size_t i = 0; i < r->n; i++)
		if (!find_instance(c, r->names[i]) && !drain_remove(&next, r->names[i]))
			say(cmd, true, "unknown instance: %s", r->names[i]);
	for (size_t i = 0; i < r->n; i++)
		drain_remove(&next, r->names[i]);
	if (r->n == 0)
		drain_remove(&next, NULL);
	if (!cmd->failed && !save_drain(c, &next, err, sizeof(err)))
		say(cmd, true, "%s", err);
	if (cmd->failed) {
		say(cmd, true, "nothing changed");
		return command_take(cmd);
	}
	c->drained = next;
	c->drain_problem[0] = '\0';
	for (struct instance *in = c->instances; in; in = in->next) {
		bool named = r->n == 0;

		for (size_t i = 0; i < r->n; i++)
			named |= strcmp(r->names[i], in->conf->name) == 0;
		if (!named)
			continue;
		if (drain_covers(&c->drained, in->conf->name)) {
			say(cmd, false, "%s: still drained: the whole node is (`clustd undrain` without "
			    "names undrains it)", in->conf->name);
			continue;
		}
		fsm_set_drained(&in->fsm, false, mono_now_us());
		fsm_set_yielded(&in->fsm, false);
		say(cmd, false, "%s: undrained (%s, priority %u): it may become master again%s",
		    in->conf->name, vrrp_state_name(in->fsm.state), in->fsm.p.priority,
		    in->conf->preempt ? ", and preempts a lower-priority master" : "");
	}
	log_notice("drain: %s undrained (by clustd undrain)", r->n ? "instance(s)" : "everything");
	if (c->cluster)
		cluster_net_send_soon(c->cluster);
	return command_take(cmd);
}

bool handover_ctl(struct clustd *c, const char *request, char **reply)
{
	struct ho_request r;
	char err[200];
	int rc = ho_request_parse(request, &r, err, sizeof(err));
	struct ho_command *cmd;

	if (rc == 0)
		return false;
	if (rc < 0 || c->cfg->witness) {
		*reply = xasprintf("error: %s\n", rc < 0 ? err : "a witness has no instance");
		return true;
	}
	cmd = command_new();
	if (r.verb == HO_VERB_HANDOVER)
		*reply = cmd_handover(c, &r, cmd);
	else if (r.verb == HO_VERB_DRAIN)
		*reply = cmd_drain(c, &r, cmd);
	else
		*reply = cmd_undrain(c, &r, cmd);
	return true;
}
