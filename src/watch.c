/* SPDX-License-Identifier: GPL-2.0-or-later */
/* watch.c - `clustd watch` (see watch.h). One loop (loop.c): the socket,
 * a reconnect timer with back-off (driver_rule.c), a readiness timer, and
 * the programs run through the notify scripts' runner (script.c), one
 * queue per instance. At most one run per instance goes on and one waits:
 * a newer event replaces the waiting one (answered as skipped), so the
 * program always acts on the latest state, in order, never on a stale
 * one, and nothing piles up behind a slow program. */
#include "watch.h"

#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "driver.h"
#include "driver_proto.h"
#include "driver_rule.h"
#include "log.h"
#include "loop.h"
#include "notify.h"
#include "script.h"
#include "xalloc.h"

#define WATCH_LINE_MAX (1u << 20)     /* a daemon's line (a hello naming many instances) */
#define SEND_WAIT_MS 1000             /* for the daemon to take a line of ours */
#define LOST_LOG_EVERY_MS 60000ull    /* while it stays away: one line a minute */
#define DEFAULT_TIMEOUT_MS 10000u     /* a notify script's default */
#define DEFAULT_READY_INTERVAL_MS 1000u

struct watch_opts {
	const char *socket;
	char *socket_owned;
	char id[CLUSTD_DRIVER_ID_MAX + 1];
	bool json;
	const char **instances;
	size_t ninstances;
	char *prog;          /* absolute or relative path; NULL: print */
	char **prog_args;    /* its ARG..., NULL-terminated */
	uint32_t timeout_ms;
	const char *ready_file;
	const char *ready_cmd;
	uint32_t ready_interval_ms;
};

/* One run of PROG: for an event, or for a state found at connect. */
struct job {
	uint64_t seq;        /* 0: nothing to answer */
	unsigned gen;        /* the connection it came by */
	enum vrrp_state from, to;
	unsigned priority;
	char vips[CLUSTD_MAX_VIPS * VIP_STRLEN];
	char reason[300];
	char time[DRV_TIME_STRLEN];
};

struct watch;

struct watch_inst {
	struct watch *w;
	char name[CLUSTD_NAME_MAX];
	struct script_queue *q;
	bool ran;                 /* PROG was queued for it ... */
	enum vrrp_state last_ran; /* ... last for this state */
	bool running, waiting;
	struct job run, wait;
};

struct watch {
	struct watch_opts o;
	struct loop *loop;
	struct script_runner *runner;
	int fd;
	unsigned gen;
	bool hello_sent, synced;
	struct drv_linebuf in;
	char *in_storage;
	unsigned failures;
	unsigned long long lost_log_ms;
	struct loop_timer reconnect, ready_timer;
	bool ready_known, ready;
	char ready_message[DRIVER_MESSAGE_MAX + 1];
	struct script_queue *ready_q;
	struct watch_inst **insts;
	size_t ninsts;
	int exit_code;
};

static void connect_now(void *arg);

/* ---- sending ---- */

static void lost(struct watch *w, const char *why);

/* A line to the daemon; false (and the connection dropped) when it could
 * not take it within SEND_WAIT_MS. */
static bool send_line(struct watch *w, char *line, size_t len)
{
	size_t off = 0;
	uint64_t deadline = mono_now_ms() + SEND_WAIT_MS;

	while (off < len && w->fd >= 0) {
		ssize_t n = send(w->fd, line + off, len - off, MSG_NOSIGNAL | MSG_DONTWAIT);
		struct pollfd p = {.fd = w->fd, .events = POLLOUT};

		if (n > 0) {
			off += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && errno == EAGAIN && mono_now_ms() < deadline) {
			poll(&p, 1, (int)(deadline - mono_now_ms()));
		} else {
			free(line);
			lost(w, n < 0 ? strerror(errno) : "the daemon takes nothing");
			return false;
		}
	}
	free(line);
	return w->fd >= 0;
}

static void send_ready(struct watch *w)
{
	size_t len;
	char *line;

	if (w->fd < 0 || !w->hello_sent)
		return;
	line = drv_encode_ready(w->ready, w->ready ? NULL : w->ready_message, &len);
	send_line(w, line, len);
}

/* ---- running PROG ---- */

static void answer(struct watch *w, const struct job *j, bool ok, const char *message)
{
	size_t len;
	char *line;

	if (j->seq == 0 || j->gen != w->gen || w->fd < 0 || !w->hello_sent)
		return; /* from an earlier connection: that daemon is gone */
	line = drv_encode_ack(j->seq, ok, message, &len);
	send_line(w, line, len);
}

/* "198.51.100.100/24 2001:db8::100/64" back into the instance's VIPs. */
static void vips_into(struct instance_conf *ic, const char *words)
{
	char copy[sizeof(((struct job *)0)->vips)];
	char *save = NULL;

	snprintf(copy, sizeof(copy), "%s", words);
	for (char *t = strtok_r(copy, " ", &save); t && ic->nvips < CLUSTD_MAX_VIPS;
	     t = strtok_r(NULL, " ", &save))
		if (vip_parse(t, &ic->vips[ic->nvips]))
			ic->nvips++;
}

/* PROG ARG... INSTANCE name STATE priority, with the notify environment
 * (notify.c) and what a driver knows beyond it. */
static void start(struct watch_inst *in, const struct job *j)
{
	struct watch *w = in->w;
	struct instance_conf ic = {.name = in->name};
	struct notify_msg msg;
	size_t nargs = 0;
	char *env[NOTIFY_ENVC + 4];
	char **argv;

	vips_into(&ic, j->vips);
	notify_msg_build(&msg, w->o.prog, &ic, j->from, j->to, j->priority, j->reason);
	while (w->o.prog_args[nargs])
		nargs++;
	argv = xcalloc(nargs + NOTIFY_ARGC + 1, sizeof(*argv));
	argv[0] = msg.argv[0];
	memcpy(argv + 1, w->o.prog_args, nargs * sizeof(*argv));
	memcpy(argv + 1 + nargs, msg.argv + 1, (NOTIFY_ARGC - 1) * sizeof(*argv));
	memcpy(env, msg.env, NOTIFY_ENVC * sizeof(*env));
	env[NOTIFY_ENVC] = xasprintf("CLUSTD_SEQ=%llu", (unsigned long long)j->seq);
	env[NOTIFY_ENVC + 1] = xasprintf("CLUSTD_TIME=%s", j->time);
	env[NOTIFY_ENVC + 2] = xasprintf("CLUSTD_DRIVER_ID=%s", w->o.id);
	env[NOTIFY_ENVC + 3] = NULL;
	script_queue_push(in->q, w->o.prog, argv, env, w->o.timeout_ms);
	for (int i = NOTIFY_ENVC; i < NOTIFY_ENVC + 3; i++)
		free(env[i]);
	free(argv);
	notify_msg_free(&msg);
	in->run = *j;
	in->running = true;
}

static void run_done(void *arg, const struct script_result *res)
{
	struct watch_inst *in = arg;
	struct watch *w = in->w;
	char why[96];

	in->running = false;
	if (res->exec_failed)
		snprintf(why, sizeof(why), "%s could not be executed", w->o.prog);
	else if (res->timed_out)
		snprintf(why, sizeof(why), "killed after the timeout of %u ms", w->o.timeout_ms);
	else if (res->term_signal)
		snprintf(why, sizeof(why), "killed by signal %d", res->term_signal);
	else
		snprintf(why, sizeof(why), "exit status %d", res->exit_code);
	answer(w, &in->run, !res->exec_failed && !res->timed_out && !res->term_signal &&
	       res->exit_code == 0, why);
	if (in->waiting) {
		in->waiting = false;
		start(in, &in->wait);
	}
}

/* Run PROG for j now, or after the run going on; a run still waiting is
 * superseded by j (it would act on a state already left). */
static void queue_run(struct watch_inst *in, struct job *j)
{
	struct watch *w = in->w;

	if (in->ran)
		j->from = in->last_ran; /* the state PROG was last told about */
	in->ran = true;
	in->last_ran = j->to;
	if (!in->running) {
		start(in, j);
		return;
	}
	if (in->waiting) {
		char why[64];
		snprintf(why, sizeof(why), "skipped: superseded by event %llu",
			 (unsigned long long)j->seq);
		answer(w, &in->wait, true, why);
	}
	in->wait = *j;
	in->waiting = true;
}

static struct watch_inst *inst_get(struct watch *w, const char *name)
{
	struct watch_inst *in;

	for (size_t i = 0; i < w->ninsts; i++)
		if (strcmp(w->insts[i]->name, name) == 0)
			return w->insts[i];
	in = xcalloc(1, sizeof(*in));
	in->w = w;
	snprintf(in->name, sizeof(in->name), "%s", name);
	if (w->o.prog) {
		in->q = script_queue_new(w->runner, in->name);
		script_queue_on_done(in->q, run_done, in);
	}
	w->insts = xrealloc(w->insts, (w->ninsts + 1) * sizeof(*w->insts));
	w->insts[w->ninsts++] = in;
	return in;
}

static struct job job_of(const struct watch *w, const struct drv_daemon_msg *m)
{
	struct job j = {.seq = m->seq, .gen = w->gen, .from = m->from, .to = m->state,
			.priority = m->priority};

	snprintf(j.vips, sizeof(j.vips), "%s", m->vips);
	snprintf(j.time, sizeof(j.time), "%s", m->time);
	snprintf(j.reason, sizeof(j.reason), "%s%s", m->type == DRV_D_SNAPSHOT ?
		 "state at connect: " : "", m->reason);
	return j;
}

/* ---- what the daemon says ---- */

/* "DRAINED by node", "DRAINED by name" (`clustd drain NAME`), "UNDRAINED". */
static const char *drain_words(enum drv_drained d)
{
	return d == DRV_DRAINED_NODE ? "DRAINED by node" :
	       d == DRV_DRAINED_INSTANCE ? "DRAINED by name" : "UNDRAINED";
}

bool watch_text_line(const struct drv_daemon_msg *m, char *buf, size_t cap)
{
	unsigned long long seq = (unsigned long long)m->seq;
	int n = -1;

	if (m->type == DRV_D_SNAPSHOT) /* drained or not: said only when it is */
		n = snprintf(buf, cap, "%s: %s%s%s, priority %u, VIPs %s (seq %llu): %s\n",
			     m->instance, vrrp_state_name(m->state), m->drained ? ", " : "",
			     m->drained ? drain_words(m->drained) : "", m->priority, m->vips, seq,
			     m->reason);
	else if (m->type == DRV_D_EVENT)
		n = snprintf(buf, cap, "%s %s: %s -> %s, priority %u (seq %llu): %s\n", m->time,
			     m->instance, vrrp_state_name(m->from), vrrp_state_name(m->state),
			     m->priority, seq, m->reason);
	else if (m->type == DRV_D_DRAIN)
		n = snprintf(buf, cap, "%s %s: %s, %s, priority %u (seq %llu): %s\n", m->time,
			     m->instance, drain_words(m->drained), vrrp_state_name(m->state),
			     m->priority, seq, m->reason);
	if (n < 0 && cap)
		buf[0] = '\0';
	return n >= 0;
}

static void print_text(const struct watch *w, const struct drv_daemon_msg *m)
{
	char line[sizeof(m->instance) + sizeof(m->vips) + sizeof(m->reason) + sizeof(m->time) + 128];

	if (!w->o.json && watch_text_line(m, line, sizeof(line)))
		fputs(line, stdout);
}

/* A drain is not a transition: PROG (which acts on states) is not run for
 * it, and it is not answered. */
static void on_drain(struct watch *w, const struct drv_daemon_msg *m)
{
	if (!w->o.prog)
		print_text(w, m);
}

static void on_snapshot(struct watch *w, const struct drv_daemon_msg *m)
{
	struct watch_inst *in = inst_get(w, m->instance);
	struct job j;

	if (!w->o.prog) {
		print_text(w, m);
		return;
	}
	/* A transition happened while we were away (or this is the start). */
	if (!watch_snapshot_runs(in->ran, in->last_ran, m->state))
		return;
	j = job_of(w, m);
	j.from = STATE_INIT;
	queue_run(in, &j);
}

static void on_event(struct watch *w, const struct drv_daemon_msg *m)
{
	struct job j;

	if (!w->o.prog) {
		print_text(w, m);
		return;
	}
	j = job_of(w, m);
	queue_run(inst_get(w, m->instance), &j);
}

static void on_hello(struct watch *w, const struct drv_daemon_msg *m)
{
	size_t len;

	if (m->protocol != DRIVER_PROTOCOL) {
		log_err("the daemon speaks driver protocol %lld, this clustd watch %d: giving up",
			m->protocol, DRIVER_PROTOCOL);
		w->exit_code = 1;
		loop_stop(w->loop);
		return;
	}
	char *line = drv_encode_driver_hello(w->o.id, w->o.ninstances ? w->o.instances : NULL,
					     w->o.ninstances, !w->ready_known || w->ready, &len);

	w->hello_sent = send_line(w, line, len);
	if (w->hello_sent && w->ready_known && !w->ready) /* its message too */
		send_ready(w);
	log_debug("daemon %s, incarnation %llu", m->node, (unsigned long long)m->incarnation);
}

static void on_error(struct watch *w, const struct drv_daemon_msg *m)
{
	log_err("the daemon refused us: %s: %s", m->error, m->message);
	/* These cannot mend themselves by waiting; a taken id or an instance
	 * a reload may bring back can. */
	if (strcmp(m->error, "protocol") == 0 || strcmp(m->error, "bad_id") == 0 ||
	    strcmp(m->error, "bad_json") == 0 || strcmp(m->error, "bad_field") == 0) {
		w->exit_code = 1;
		loop_stop(w->loop);
	}
}

static void on_line(struct watch *w, const char *line, size_t len)
{
	struct drv_daemon_msg m;

	if (w->o.json) {
		fwrite(line, 1, len, stdout);
		fputc('\n', stdout);
	}
	if (!drv_decode_daemon(line, len, &m)) {
		log_warn("not a line of the driver protocol: %.80s", line);
		return;
	}
	switch (m.type) {
	case DRV_D_HELLO: on_hello(w, &m); break;
	case DRV_D_SNAPSHOT: on_snapshot(w, &m); break;
	case DRV_D_EVENT: on_event(w, &m); break;
	case DRV_D_DRAIN: on_drain(w, &m); break;
	case DRV_D_ERROR: on_error(w, &m); break;
	case DRV_D_SYNCED:
		w->synced = true;
		w->failures = 0;
		w->lost_log_ms = 0;
		log_notice("connected to %s as %s: %llu instance(s), events from seq %llu on",
			   w->o.socket, w->o.id, (unsigned long long)m.count,
			   (unsigned long long)m.seq + 1);
		break;
	case DRV_D_UNKNOWN: break;
	}
	fflush(stdout);
}

/* ---- the connection ---- */

static void disconnect(struct watch *w)
{
	if (w->fd < 0)
		return;
	loop_del_fd(w->loop, w->fd);
	close(w->fd);
	w->fd = -1;
	w->hello_sent = w->synced = false;
}

/* The daemon went away (or never came): try again after the back-off.
 * Logged at the first loss, then once a minute while it stays away. */
static void lost(struct watch *w, const char *why)
{
	uint32_t wait_ms = watch_backoff_ms(++w->failures);
	unsigned long long now = mono_now_ms();

	disconnect(w);
	if (!w->lost_log_ms || now - w->lost_log_ms >= LOST_LOG_EVERY_MS) {
		log_warn("%s: %s; reconnecting (every %u ms at most)", w->o.socket, why,
			 WATCH_BACKOFF_MAX_MS);
		w->lost_log_ms = now ? now : 1;
	}
	loop_timer_arm(w->loop, &w->reconnect, mono_now_us() + wait_ms * 1000ull);
}

static void on_io(void *arg, uint32_t events)
{
	struct watch *w = arg;
	unsigned gen = w->gen;

	(void)events;
	for (int rounds = 0; rounds < 64 && w->fd >= 0 && w->gen == gen; rounds++) {
		size_t room, len;
		char *at = drv_linebuf_space(&w->in, &room), *line;
		ssize_t n = recv(w->fd, at, room, MSG_DONTWAIT);
		int got = 0;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			lost(w, n == 0 ? "the daemon closed the connection" : strerror(errno));
			return;
		}
		drv_linebuf_added(&w->in, (size_t)n);
		while (w->fd >= 0 && w->gen == gen && (got = drv_linebuf_next(&w->in, &line, &len)) == 1)
			on_line(w, line, len);
		if (w->fd >= 0 && w->gen == gen && got < 0) {
			lost(w, "a line from the daemon is too long");
			return;
		}
	}
}

static void connect_now(void *arg)
{
	struct watch *w = arg;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};

	disconnect(w);
	if (strlen(w->o.socket) >= sizeof(sun.sun_path)) {
		log_err("%s: path too long for a socket", w->o.socket);
		w->exit_code = 1;
		loop_stop(w->loop);
		return;
	}
	memcpy(sun.sun_path, w->o.socket, strlen(w->o.socket) + 1);
	w->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (w->fd < 0 || connect(w->fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    loop_add_fd(w->loop, w->fd, EPOLLIN, on_io, w) < 0) {
		int err = errno;
		if (w->fd >= 0)
			close(w->fd);
		w->fd = -1;
		lost(w, strerror(err));
		return;
	}
	w->gen++;
	drv_linebuf_init(&w->in, w->in_storage, WATCH_LINE_MAX + 2);
}

/* ---- readiness ---- */

static void ready_is(struct watch *w, bool ready, const char *message)
{
	bool first = !w->ready_known;
	bool changed = first || w->ready != ready;

	w->ready_known = true;
	w->ready = ready;
	snprintf(w->ready_message, sizeof(w->ready_message), "%s", message);
	if (changed && !first)
		log_notice("%s%s%s", ready ? "ready" : "not ready", ready ? "" : ": ", ready ? "" : message);
	if (first)
		connect_now(w);
	else if (changed)
		send_ready(w);
}

static void ready_cmd_done(void *arg, const struct script_result *res)
{
	struct watch *w = arg;
	char why[DRIVER_MESSAGE_MAX + 1];
	bool ok = !res->exec_failed && !res->timed_out && !res->term_signal && res->exit_code == 0;

	if (res->timed_out)
		snprintf(why, sizeof(why), "ready command timed out");
	else
		snprintf(why, sizeof(why), "ready command: exit status %d", res->exit_code);
	ready_is(w, ok, why);
}

static void ready_check(void *arg)
{
	struct watch *w = arg;

	if (w->o.ready_file) {
		char why[DRIVER_MESSAGE_MAX + 1];
		snprintf(why, sizeof(why), "no file %s", w->o.ready_file);
		ready_is(w, access(w->o.ready_file, F_OK) == 0, why);
	} else if (!script_queue_busy(w->ready_q)) {
		char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)w->o.ready_cmd, NULL};
		script_queue_push(w->ready_q, "/bin/sh", argv, NULL, w->o.ready_interval_ms);
	}
	loop_timer_arm(w->loop, &w->ready_timer, mono_now_us() + w->o.ready_interval_ms * 1000ull);
}

/* ---- options ---- */

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: clustd [-f FILE] watch [--json] [--instance NAME]... [--id ID]\n"
		"              [--socket PATH] [--timeout MS]\n"
		"              [--ready-file PATH | --ready-cmd CMD [--ready-interval MS]]\n"
		"              [--exec PROG [ARG...]]\n"
		"  --json             print the daemon's JSON lines as they come\n"
		"  --instance NAME    only this instance (repeatable; default: all)\n"
		"  --id ID            the driver's id (default watch-<pid>)\n"
		"  --socket PATH      the driver socket (default <run_dir>/" DRIVER_SOCKET_NAME ")\n"
		"  --exec PROG ...    run PROG for every event, as a notify script; must be last\n"
		"  --timeout MS       kill PROG after this (default 10000)\n"
		"  --ready-file PATH  ready while PATH exists\n"
		"  --ready-cmd CMD    ready while `sh -c CMD` exits 0\n"
		"  --ready-interval MS  how often to look (default 1000)\n");
}

static bool parse_ms(const char *s, uint32_t min, uint32_t *out)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (!*s || *end || v < min || v > 3600000)
		return false;
	*out = (uint32_t)v;
	return true;
}

/* PROG as execve takes it: a name without a slash is looked up in PATH. */
static char *find_prog(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *save = NULL;

	if (strchr(prog, '/'))
		return xstrdup(prog);
	copy = xstrdup(path ? path : "/usr/local/bin:/usr/bin:/bin");
	for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *full = xasprintf("%s/%s", *d ? d : ".", prog);
		if (access(full, X_OK) == 0) {
			free(copy);
			return full;
		}
		free(full);
	}
	free(copy);
	return NULL;
}

static int parse_watch(int argc, char **argv, struct watch_opts *o)
{
	static const struct option longopts[] = {
		{"json", no_argument, NULL, 'j'},
		{"instance", required_argument, NULL, 'i'},
		{"id", required_argument, NULL, 'd'},
		{"socket", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"ready-file", required_argument, NULL, 'r'},
		{"ready-cmd", required_argument, NULL, 'c'},
		{"ready-interval", required_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int nopts = argc, ch;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--exec") == 0) {
			nopts = i;
			break;
		}
	}
	optind = 0;
	while ((ch = getopt_long(nopts, argv, "+h", longopts, NULL)) != -1) {
		switch (ch) {
		case 'j': o->json = true; break;
		case 'i':
			o->instances = xrealloc(o->instances, (o->ninstances + 1) * sizeof(char *));
			o->instances[o->ninstances++] = optarg;
			break;
		case 'd': snprintf(o->id, sizeof(o->id), "%s", optarg);
			if (!driver_id_valid(optarg)) {
				fprintf(stderr, "clustd watch: --id: \"%s\" is not a driver id (1 to %d "
					"characters of A-Z a-z 0-9 . _ @ : -)\n", optarg, CLUSTD_DRIVER_ID_MAX);
				return 2;
			}
			break;
		case 's': o->socket = optarg; break;
		case 't':
			if (!parse_ms(optarg, 1, &o->timeout_ms)) {
				fprintf(stderr, "clustd watch: --timeout: 1..3600000 ms\n");
				return 2;
			}
			break;
		case 'r': o->ready_file = optarg; break;
		case 'c': o->ready_cmd = optarg; break;
		case 'v':
			if (!parse_ms(optarg, 10, &o->ready_interval_ms)) {
				fprintf(stderr, "clustd watch: --ready-interval: 10..3600000 ms\n");
				return 2;
			}
			break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < nopts) {
		fprintf(stderr, "clustd watch: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (o->ready_file && o->ready_cmd) {
		fprintf(stderr, "clustd watch: --ready-file or --ready-cmd, not both\n");
		return 2;
	}
	if (nopts < argc) {
		if (nopts + 1 >= argc) {
			fprintf(stderr, "clustd watch: --exec needs a program\n");
			return 2;
		}
		o->prog = find_prog(argv[nopts + 1]);
		if (!o->prog) {
			fprintf(stderr, "clustd watch: %s: not found in PATH\n", argv[nopts + 1]);
			return 1;
		}
		o->prog_args = argv + nopts + 2;
	}
	return -1;
}

/* The socket: --socket, else run_dir of the daemon's configuration. */
static int find_socket(struct watch_opts *o, const char *config)
{
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = {0};

	if (o->socket)
		return 0;
	if (conf_load(config, &cfg, &errs) < 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "clustd watch: cannot read %s to find the driver socket; "
			"give it with --socket\n", config);
		conf_errors_free(&errs);
		return 1;
	}
	o->socket_owned = xasprintf("%s/%s", cfg->node.run_dir, DRIVER_SOCKET_NAME);
	o->socket = o->socket_owned;
	conf_free(cfg);
	return 0;
}

static void on_stop(void *arg, int signo)
{
	struct watch *w = arg;

	log_notice("%s received: stopping", strsignal(signo));
	loop_stop(w->loop);
}

static void watch_free(struct watch *w)
{
	disconnect(w);
	loop_timer_cancel(w->loop, &w->reconnect);
	loop_timer_cancel(w->loop, &w->ready_timer);
	script_runner_free(w->runner); /* kills what still runs, frees the queues */
	for (size_t i = 0; i < w->ninsts; i++)
		free(w->insts[i]);
	free(w->insts);
	free(w->in_storage);
	free(w->o.instances);
	free(w->o.prog);
	free(w->o.socket_owned);
	loop_free(w->loop);
}

int watch_main(int argc, char **argv, const char *config)
{
	struct watch w = {.fd = -1, .o = {.timeout_ms = DEFAULT_TIMEOUT_MS,
					  .ready_interval_ms = DEFAULT_READY_INTERVAL_MS}};
	int rc = parse_watch(argc, argv, &w.o);

	if (rc < 0)
		rc = find_socket(&w.o, config);
	if (rc != 0) {
		free(w.o.instances);
		free(w.o.prog);
		return rc;
	}
	if (!w.o.id[0])
		snprintf(w.o.id, sizeof(w.o.id), "watch-%ld", (long)getpid());
	log_init("clustd watch", true, LOG_INFO);
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);
	w.loop = loop_new();
	w.runner = w.loop ? script_runner_new(w.loop) : NULL;
	if (!w.runner) {
		fprintf(stderr, "clustd watch: cannot set up the event loop\n");
		return 1;
	}
	w.in_storage = xmalloc(WATCH_LINE_MAX + 2);
	w.reconnect = (struct loop_timer){.fn = connect_now, .arg = &w};
	w.ready_timer = (struct loop_timer){.fn = ready_check, .arg = &w};
	loop_add_signal(w.loop, SIGTERM, on_stop, &w);
	loop_add_signal(w.loop, SIGINT, on_stop, &w);
	if (w.o.ready_cmd) {
		w.ready_q = script_queue_new(w.runner, "ready");
		script_queue_set_quiet(w.ready_q, true);
		script_queue_on_done(w.ready_q, ready_cmd_done, &w);
	}
	if (w.o.ready_file || w.o.ready_cmd)
		ready_check(&w); /* the first connect waits for the first answer */
	else
		connect_now(&w);
	if (loop_run(w.loop) < 0 && !w.exit_code)
		w.exit_code = 1;
	rc = w.exit_code;
	watch_free(&w);
	return rc;
}
