/* SPDX-License-Identifier: GPL-2.0-or-later */
/* status_line.c - the service status line (status_line.h). */
#include "status_line.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Appends to buf at *len; a line that no longer fits is cut, never
 * overrun, and later appends are dropped. */
static void append(char *buf, size_t cap, size_t *len, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*len >= cap - 1)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	*len = (size_t)n >= cap - *len ? cap - 1 : *len + (size_t)n;
}

static void append_named(const struct status_line_instance *v, size_t n, char *buf, size_t cap,
			 size_t *len)
{
	for (size_t i = 0; i < n; i++) {
		append(buf, cap, len, "%s%s %s prio %u", i ? ", " : "", v[i].name,
		       vrrp_state_name(v[i].state), (unsigned)v[i].priority);
		if (v[i].state == STATE_FAULT && v[i].fault_why && v[i].fault_why[0])
			append(buf, cap, len, " (%.*s)", STATUS_LINE_REASON_MAX, v[i].fault_why);
		if (v[i].drained)
			append(buf, cap, len, " drained");
	}
}

/* "12 instances: 5 MASTER, 7 BACKUP, 2 drained": only the states someone
 * is in. */
static void append_counted(const struct status_line_instance *v, size_t n, char *buf,
			   size_t cap, size_t *len)
{
	static const enum vrrp_state order[] = {STATE_MASTER, STATE_BACKUP, STATE_FAULT,
						STATE_INIT};
	const char *sep = ": ";

	append(buf, cap, len, "%zu instances", n);
	for (size_t k = 0; k < sizeof(order) / sizeof(order[0]); k++) {
		size_t count = 0;

		for (size_t i = 0; i < n; i++)
			count += v[i].state == order[k];
		if (!count)
			continue;
		append(buf, cap, len, "%s%zu %s", sep, count, vrrp_state_name(order[k]));
		sep = ", ";
	}
	size_t drained = 0;
	for (size_t i = 0; i < n; i++)
		drained += v[i].drained;
	if (drained)
		append(buf, cap, len, ", %zu drained", drained);
}

char *status_line_format(const struct status_line_instance *v, size_t n, bool node_drained,
			 const struct status_line_quorum *q, char *buf, size_t cap)
{
	size_t len = 0;

	buf[0] = '\0';
	if (node_drained)
		append(buf, cap, &len, "node drained, ");
	if (n == 0)
		append(buf, cap, &len, "no instance configured");
	else if (n <= STATUS_LINE_NAMED_MAX)
		append_named(v, n, buf, cap, &len);
	else
		append_counted(v, n, buf, cap, &len);
	if (q && q->enabled)
		append(buf, cap, &len, ", %s %u/%u", q->held ? "quorum" : "NO QUORUM", q->alive,
		       q->members);
	return buf;
}
