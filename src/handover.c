/* SPDX-License-Identifier: GPL-2.0-or-later */
/* handover.c - planned handover: who takes over, the steps of one
 * handover, urgent heartbeats (handover.h). Pure. */
#include "handover.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fsm.h"
#include "heartbeat.h"
#include "votes.h"
#include "xalloc.h"

#define US_PER_MS 1000ull
#define HANDOVER_BOUND_HEARTBEATS 4
#define HANDOVER_BOUND_MIN_US 200000ull

static const char *const pick_texts[HO_PICK__COUNT] = {
	[HO_PICK_OK] = "ok",
	[HO_PICK_UNKNOWN] = "no such member",
	[HO_PICK_SELF] = "that is this node",
	[HO_PICK_NOT_ALIVE] = "not alive",
	[HO_PICK_NO_INSTANCE] = "does not run the instance",
	[HO_PICK_NO_QUORUM] = "has no quorum",
	[HO_PICK_DRAINED] = "drained",
	[HO_PICK_NOT_READY] = "not ready (its instance is not BACKUP, or has priority 0)",
	[HO_PICK_MASTER] = "is master already",
	[HO_PICK_NONE] = "no live member can take over",
};

const char *ho_pick_text(enum ho_pick p)
{
	return (unsigned)p < HO_PICK__COUNT ? pick_texts[p] : "?";
}

static const char *const cause_names[HO_CAUSE__COUNT] = {
	[HO_BY_COMMAND] = "command",
	[HO_BY_DRAIN] = "drain",
	[HO_BY_PRIORITY] = "priority",
	[HO_BY_FAULT] = "fault",
};

const char *ho_cause_name(enum ho_cause c)
{
	return (unsigned)c < HO_CAUSE__COUNT ? cause_names[c] : "?";
}

static const char *const result_names[HO_RESULT__COUNT] = {
	[HO_RESULT_DONE] = "done",
	[HO_RESULT_ABORTED] = "aborted",
	[HO_RESULT_LOST] = "lost",
	[HO_RESULT_FAILED] = "failed",
	[HO_RESULT_FALLBACK] = "fallback",
	[HO_RESULT_TAKEN] = "taken",
};

const char *ho_result_name(enum ho_result r)
{
	return (unsigned)r < HO_RESULT__COUNT ? result_names[r] : "?";
}

/* ---- who takes over --------------------------------------------------- */

static const struct hb_instance *reported(const struct heartbeat *hb, const char *instance)
{
	for (size_t i = 0; i < hb->ninstances; i++)
		if (strcmp(hb->instances[i].name, instance) == 0)
			return &hb->instances[i];
	return NULL;
}

static bool keeps_drained(const struct heartbeat *hb, const char *instance)
{
	for (size_t i = 0; i < hb->ndrained; i++)
		if (strcmp(hb->drained[i], instance) == 0)
			return true;
	return false;
}

static const struct member *find_member(const struct quorum *q, const char *name)
{
	for (size_t i = 0; i < q->n; i++)
		if (strcmp(q->members[i].name, name) == 0)
			return &q->members[i];
	return NULL;
}

/* A live member's latest heartbeat, NULL when it is not alive for us. */
static const struct heartbeat *latest(const struct quorum *q, const struct member *m, uint64_t now)
{
	return m && !m->self && m->heard && quorum_member_alive(q, m, now) ? &m->last : NULL;
}

enum ho_pick handover_eligible(const struct quorum *q, const struct member *m, const char *instance,
			       bool master_ok, uint64_t now, uint8_t *prio)
{
	if (m->self)
		return HO_PICK_SELF;

	const struct heartbeat *hb = latest(q, m, now);
	const struct hb_instance *in = hb ? reported(hb, instance) : NULL;

	if (!hb)
		return HO_PICK_NOT_ALIVE;
	if (!in)
		return HO_PICK_NO_INSTANCE;
	if (!hb->has_quorum)
		return HO_PICK_NO_QUORUM;
	if (keeps_drained(hb, instance))
		return HO_PICK_DRAINED;
	if (in->state == STATE_MASTER && !master_ok)
		return HO_PICK_MASTER;
	if ((in->state != STATE_BACKUP && in->state != STATE_MASTER) || in->priority == 0)
		return HO_PICK_NOT_READY;
	*prio = in->priority;
	return HO_PICK_OK;
}

enum ho_pick handover_pick(const struct quorum *q, const char *instance, const char *to,
			   uint64_t now, const char **who, uint8_t *prio)
{
	const struct member *best = NULL;
	uint8_t best_prio = 0;

	if (to) {
		const struct member *m = find_member(q, to);
		enum ho_pick p = m ? handover_eligible(q, m, instance, false, now, prio) : HO_PICK_UNKNOWN;

		if (p == HO_PICK_OK)
			*who = m->name;
		return p;
	}
	for (size_t i = 0; i < q->n; i++) {
		uint8_t p = 0;

		if (handover_eligible(q, &q->members[i], instance, false, now, &p) != HO_PICK_OK)
			continue;
		if (!best || votes_outranks(p, q->members[i].name, best_prio, best->name)) {
			best = &q->members[i];
			best_prio = p;
		}
	}
	if (!best)
		return HO_PICK_NONE;
	*who = best->name;
	*prio = best_prio;
	return HO_PICK_OK;
}

unsigned handover_others(const struct quorum *q, const char *instance, uint64_t now, char *why,
			 size_t len)
{
	unsigned could = 0;
	size_t used = 0;

	if (len)
		why[0] = '\0';
	for (size_t i = 0; i < q->n; i++) {
		const struct member *m = &q->members[i];
		uint8_t prio;
		enum ho_pick p;

		if (m->self)
			continue;
		p = handover_eligible(q, m, instance, true, now, &prio);
		if (p == HO_PICK_OK) {
			could++;
			continue;
		}
		if (used < len) {
			int w = snprintf(why + used, len - used, "%s%s: %s", used ? ", " : "", m->name,
					 ho_pick_text(p));
			used += w > 0 ? (size_t)w : 0;
		}
	}
	return could;
}

static bool names_us(const struct heartbeat *hb, const char *instance, const char *self_name)
{
	for (size_t i = 0; i < hb->nhandovers; i++)
		if (strcmp(hb->handovers[i].instance, instance) == 0)
			return strcmp(hb->handovers[i].successor, self_name) == 0;
	return false;
}

const char *handover_from(const struct quorum *q, const char *instance, const char *self_name,
			  uint64_t now)
{
	for (size_t i = 0; i < q->n; i++) {
		const struct heartbeat *hb = latest(q, &q->members[i], now);

		if (hb && names_us(hb, instance, self_name))
			return q->members[i].name;
	}
	return NULL;
}

bool handover_member_asks(const struct quorum *q, const char *name, const char *instance,
			  uint64_t now)
{
	const struct heartbeat *hb = latest(q, find_member(q, name), now);

	if (!hb)
		return false;
	for (size_t i = 0; i < hb->nrequests; i++)
		if (strcmp(hb->requests[i].name, instance) == 0)
			return true;
	return false;
}

bool handover_member_master(const struct quorum *q, const char *name, const char *instance,
			    uint64_t now)
{
	const struct heartbeat *hb = latest(q, find_member(q, name), now);
	const struct hb_instance *in = hb ? reported(hb, instance) : NULL;

	return in && in->state == STATE_MASTER;
}

const char *handover_fall_target(const struct quorum *q, const char *instance, uint8_t prio,
				 uint8_t base, uint64_t now, uint8_t *their)
{
	const char *who = NULL;

	if (prio >= base)
		return NULL;
	if (handover_pick(q, instance, NULL, now, &who, their) != HO_PICK_OK || *their <= prio)
		return NULL;
	return who;
}

/* ---- one handover ------------------------------------------------------ */

uint64_t handover_bound_us(uint32_t heartbeat_ms)
{
	uint64_t b = HANDOVER_BOUND_HEARTBEATS * (uint64_t)heartbeat_ms * US_PER_MS;

	return b > HANDOVER_BOUND_MIN_US ? b : HANDOVER_BOUND_MIN_US;
}

void handover_begin(struct handover *h, const char *to, enum ho_cause cause, bool released,
		    uint64_t now, uint64_t bound_us)
{
	memset(h, 0, sizeof(*h));
	snprintf(h->to, sizeof(h->to), "%s", to);
	h->cause = cause;
	h->phase = released ? HO_RELEASED : HO_ANNOUNCED;
	h->started = now;
	h->released = released ? now : 0;
	h->bound_us = bound_us;
	h->deadline = now + bound_us;
}

static enum ho_step end(struct handover *h, enum ho_step why)
{
	h->phase = HO_IDLE;
	return why;
}

enum ho_step handover_step(struct handover *h, const struct ho_view *v, uint64_t now)
{
	switch (h->phase) {
	case HO_ANNOUNCED:
		if (!v->master)
			return end(h, HO_LOST);
		if (v->successor_asks) {
			/* A fresh bound for the second step: the votes reach it. */
			h->phase = HO_RELEASED;
			h->released = now;
			h->deadline = now + h->bound_us;
			return HO_RELEASE;
		}
		return now >= h->deadline ? end(h, HO_ABORT) : HO_WAIT;
	case HO_RELEASED:
		if (v->successor_master)
			return end(h, HO_DONE);
		return now >= h->deadline ? end(h, HO_FAILED) : HO_WAIT;
	default:
		return HO_WAIT;
	}
}

bool handover_active(const struct handover *h)
{
	return h->phase != HO_IDLE;
}

/* ---- the control requests ------------------------------------------- */

static const char *const verbs[] = {
	[HO_VERB_HANDOVER] = "handover",
	[HO_VERB_DRAIN] = "drain",
	[HO_VERB_UNDRAIN] = "undrain",
};

/* The next space-separated word of *s (at most cap - 1 bytes) into w;
 * false at the end. A longer word is cut, and then refused as a name. */
static bool next_word(const char **s, char *w, size_t cap, bool *too_long)
{
	size_t n = 0;

	while (**s == ' ')
		(*s)++;
	if (!**s)
		return false;
	while (**s && **s != ' ') {
		if (n + 1 < cap)
			w[n++] = **s;
		else
			*too_long = true;
		(*s)++;
	}
	w[n] = '\0';
	return true;
}

static int refuse(char *err, size_t errlen, const char *what, const char *word)
{
	snprintf(err, errlen, "%s: %s", what, word);
	return -1;
}

static int add_name(struct ho_request *r, const char *w, bool too_long, char *err, size_t errlen)
{
	if (too_long || !hb_name_ok((const uint8_t *)w, strlen(w)))
		return refuse(err, errlen, "not a valid name", w);
	for (size_t i = 0; i < r->n; i++)
		if (strcmp(r->names[i], w) == 0)
			return refuse(err, errlen, "named twice", w);
	if (r->n >= HO_REQUEST_MAX_NAMES)
		return refuse(err, errlen, "too many names", w);
	memcpy(r->names[r->n++], w, strlen(w) + 1); /* checked: < CLUSTD_NAME_MAX */
	return 1;
}

int ho_request_parse(const char *line, struct ho_request *r, char *err, size_t errlen)
{
	char w[CLUSTD_NAME_MAX + 1];
	bool too_long = false;
	size_t v;

	memset(r, 0, sizeof(*r));
	if (!next_word(&line, w, sizeof(w), &too_long))
		return 0;
	for (v = 0; v < sizeof(verbs) / sizeof(verbs[0]); v++)
		if (strcmp(w, verbs[v]) == 0)
			break;
	if (v == sizeof(verbs) / sizeof(verbs[0]))
		return 0;
	r->verb = (enum ho_verb)v;
	while (too_long = false, next_word(&line, w, sizeof(w), &too_long)) {
		if (strcmp(w, "--to") == 0 && r->verb == HO_VERB_HANDOVER && !r->to[0]) {
			if (!next_word(&line, w, sizeof(w), &too_long) ||
			    too_long || !hb_name_ok((const uint8_t *)w, strlen(w)))
				return refuse(err, errlen, "--to needs a member's name", w);
			memcpy(r->to, w, strlen(w) + 1);
		} else if (strcmp(w, "--force") == 0 && r->verb == HO_VERB_DRAIN && !r->force) {
			r->force = true;
		} else if (w[0] == '-') {
			return refuse(err, errlen, "unknown or repeated option", w);
		} else if (add_name(r, w, too_long, err, errlen) < 0) {
			return -1;
		}
	}
	return 1;
}

char *ho_request_line(const char *verb, const char *to, bool force, char *const *names, size_t n)
{
	char *line = xasprintf("%s%s%s%s", verb, to ? " --to " : "", to ? to : "",
			       force ? " --force" : "");

	for (size_t i = 0; i < n; i++) {
		char *longer = xasprintf("%s %s", line, names[i]);

		free(line);
		line = longer;
	}
	return line;
}

int ho_reply_status(const char *reply)
{
	for (const char *l = reply; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (strncmp(l, "error: ", 7) == 0)
			return 1;
	return 0;
}

/* ---- urgent heartbeats ------------------------------------------------ */

bool burst_take(struct burst *b, uint64_t now, uint64_t window_us, unsigned max)
{
	if (b->used == 0 || now >= b->window_start + window_us) {
		b->window_start = now;
		b->used = 0;
	}
	if (b->used >= max)
		return false;
	b->used++;
	return true;
}
