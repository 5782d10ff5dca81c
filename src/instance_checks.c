/* SPDX-License-Identifier: GPL-2.0-or-later */
/* instance_checks.c - status and metrics of the tcp and http checks (see
 * instance_checks.h). */
#include "instance_checks.h"

#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "health_check.h"
#include "track.h"
#include "track_checks.h"

static json_object *outcomes_json(const struct hc *h)
{
	json_object *o = json_object_new_object();

	for (int i = 0; i < HC__OUTCOMES; i++)
		json_object_object_add(o, hc_outcome_name(i),
				       json_object_new_int64((int64_t)h->outcomes[i]));
	return o;
}

static json_object *check_json(const struct track_check_view *v)
{
	json_object *o = json_object_new_object();
	char last[160];

	json_object_object_add(o, "name", json_object_new_string(v->name));
	json_object_object_add(o, "kind", json_object_new_string(v->kind));
	json_object_object_add(o, "target", json_object_new_string(v->target));
	json_object_object_add(o, "healthy", json_object_new_boolean(hc_healthy(v->hc)));
	json_object_object_add(o, "weight", v->weight == TRACK_NO_WEIGHT ? NULL :
				json_object_new_int(v->weight));
	json_object_object_add(o, "runs", json_object_new_int64((int64_t)v->hc->runs));
	json_object_object_add(o, "outcomes", outcomes_json(v->hc));
	if (v->hc->runs) {
		hc_describe_last(v->hc, last, sizeof(last));
		json_object_object_add(o, "last", json_object_new_string(hc_outcome_name(v->hc->last)));
		json_object_object_add(o, "last_detail", json_object_new_string(last));
	}
	return o;
}

json_object *instance_checks_json(const struct instance *in)
{
	const struct track_checks *cs = tracker_checks(in->tracker);
	struct track_check_view v;
	json_object *a;

	if (!track_checks_count(cs))
		return NULL;
	a = json_object_new_array();
	for (size_t i = 0; track_checks_view(cs, i, &v); i++)
		json_object_array_add(a, check_json(&v));
	return a;
}

/* "  check web (http http://...): healthy, 120 runs; failed: timeout 3; last: ..." */
void instance_checks_text(FILE *f, json_object *instance)
{
	json_object *a = json_object_object_get(instance, "checks");

	for (size_t i = 0; a && i < json_object_array_length(a); i++) {
		json_object *c = json_object_array_get_idx(a, i), *last;
		const char *sep = "; failed:";

		fprintf(f, "  check %s (%s %s): %s, %lld runs",
			json_object_get_string(json_object_object_get(c, "name")),
			json_object_get_string(json_object_object_get(c, "kind")),
			json_object_get_string(json_object_object_get(c, "target")),
			json_object_get_boolean(json_object_object_get(c, "healthy")) ? "healthy" :
											"failing",
			(long long)json_object_get_int64(json_object_object_get(c, "runs")));
		json_object_object_foreach(json_object_object_get(c, "outcomes"), name, n) {
			if (strcmp(name, "ok") == 0 || json_object_get_int64(n) == 0)
				continue;
			fprintf(f, "%s %s %lld", sep, name, (long long)json_object_get_int64(n));
			sep = ",";
		}
		if ((last = json_object_object_get(c, "last_detail")))
			fprintf(f, "; last: %s", json_object_get_string(last));
		fputc('\n', f);
	}
}

static void label(FILE *f, const char *v)
{
	for (; *v; v++) {
		if (*v == '\\' || *v == '"')
			fputc('\\', f);
		fputc(*v == '\n' ? ' ' : *v, f);
	}
}

static void series_start(FILE *f, const char *name, const struct instance *in,
			 const struct track_check_view *v)
{
	fprintf(f, "clustd_%s{instance=\"", name);
	label(f, in->conf->name);
	fputs("\",check=\"", f);
	label(f, v->name);
	fputc('"', f);
}

void instance_checks_metrics(FILE *f, const struct clustd *c)
{
	struct track_check_view v;

	fputs("# HELP clustd_check_runs_total Runs of an in-daemon tcp or http check, by outcome "
	      "(since the check started).\n# TYPE clustd_check_runs_total counter\n", f);
	for (const struct instance *in = c->instances; in; in = in->next)
		for (size_t i = 0; track_checks_view(tracker_checks(in->tracker), i, &v); i++)
			for (int o = 0; o < HC__OUTCOMES; o++) {
				series_start(f, "check_runs_total", in, &v);
				fprintf(f, ",outcome=\"%s\"} %llu\n", hc_outcome_name(o),
					(unsigned long long)v.hc->outcomes[o]);
			}
	fputs("# HELP clustd_check_healthy 1 while an in-daemon check counts as healthy "
	      "(after rise/fall), else 0.\n# TYPE clustd_check_healthy gauge\n", f);
	for (const struct instance *in = c->instances; in; in = in->next)
		for (size_t i = 0; track_checks_view(tracker_checks(in->tracker), i, &v); i++) {
			series_start(f, "check_healthy", in, &v);
			fprintf(f, "} %d\n", hc_healthy(v.hc));
		}
}

/* ---- nonlocal bind ---- */

static json_object *sysctl_bool(const char *path)
{
	char buf[16] = "";
	FILE *f = fopen(path, "re");
	bool got = f && fgets(buf, sizeof(buf), f);

	if (f)
		fclose(f);
	return got ? json_object_new_boolean(atoi(buf) != 0) : NULL;
}

json_object *nonlocal_bind_json(void)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "ipv4", sysctl_bool("/proc/sys/net/ipv4/ip_nonlocal_bind"));
	json_object_object_add(o, "ipv6", sysctl_bool("/proc/sys/net/ipv6/ip_nonlocal_bind"));
	return o;
}

static bool family_used(const struct clustd *c, sa_family_t family)
{
	for (const struct instance *in = c->instances; in; in = in->next)
		if (in->conf->family == family)
			return true;
	return false;
}

void nonlocal_bind_text(FILE *f, const struct clustd *c, json_object *status)
{
	json_object *nb = json_object_object_get(status, "nonlocal_bind");
	json_object *v4 = json_object_object_get(nb, "ipv4"), *v6 = json_object_object_get(nb, "ipv6");
	bool off4 = family_used(c, AF_INET) && v4 && !json_object_get_boolean(v4);
	bool off6 = family_used(c, AF_INET6) && v6 && !json_object_get_boolean(v6);

	if (off4 || off6)
		fprintf(f, "nonlocal bind off (%s%s%s): a service can listen on a VIP only while "
			"the VIP is here (doc/web-services.md)\n", off4 ? "net.ipv4.ip_nonlocal_bind" : "",
			off4 && off6 ? ", " : "", off6 ? "net.ipv6.ip_nonlocal_bind" : "");
}
