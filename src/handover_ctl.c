/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover_ctl.c - `clustd handover`, `drain` and `undrain` on the control
 * socket: checking a request before anything changes, starting the
 * handovers (instance_handover.c carries them out), answering once every
 * outcome is in, and the drain file in state_dir that keeps a drain across
 * restarts. */
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
#include "instance_drivers.h"
#include "log.h"
#include "xalloc.h"

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

void handover_command_wait(struct ho_command *cmd)
{
	if (cmd)
		cmd->waiting++;
}

/* One instance's outcome is in: the last one sends the reply. */
void handover_command_done(struct ho_command *cmd, bool error, const char *line)
{
	struct ctl_pending *client = cmd->client;

	say(cmd, error, "%s", line);
	if (--cmd->waiting > 0)
		return;
	if (client)
		ctl_pending_reply(client, command_take(cmd));
	else
		free(command_take(cmd));
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
	const struct quorum *q = instance_handover_quorum(in);
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
	if (!q || !instance_handover_votes(in)) {
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
			instance_handover_begin(ins[i], to[i], HO_BY_COMMAND, false, cmd);
			continue;
		}
		say(cmd, false, "%s: %s: falling back to a priority-0 advert (a VRRP backup takes over "
		    "after its skew time)", ins[i]->conf->name, notes[i]);
		instance_handover_fallback(ins[i], notes[i], cmd);
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
	const struct quorum *q = instance_handover_quorum(in);
	char others[256], vips[256];

	if (!q || !instance_handover_votes(in)) {
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
	const struct quorum *q = instance_handover_quorum(in);
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
	if (!q || !instance_handover_votes(in)) {
		say(cmd, false, "%s: drained: handing over with a priority-0 advert", in->conf->name);
		instance_handover_fallback(in, "drained", cmd);
		return;
	}
	if (handover_pick(q, in->conf->name, NULL, now, &to, &prio) == HO_PICK_OK) {
		instance_handover_begin(in, to, HO_BY_DRAIN, false, cmd);
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
	struct drain_set before = c->drained;
	c->drained = next;
	c->drain_problem[0] = '\0';
	log_notice("drain: %s drained (by clustd drain)", r->n ? "instance(s)" : "the whole node");
	drivers_drain_told(c, &before, "clustd drain");
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
	struct drain_set before = c->drained;
	c->drained = next;
	c->drain_problem[0] = '\0';
	drivers_drain_told(c, &before, "clustd undrain");
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
