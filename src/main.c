/* SPDX-License-Identifier: GPL-2.0-or-later */
/* main.c - command line and life cycle of the clustd daemon. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sysexits.h>
#include <unistd.h>

#include "clock.h"
#include "conf.h"
#include "ctl.h"
#include "handover.h"
#include "instance.h"
#include "kaimport_cli.h"
#include "log.h"
#include "loop.h"
#include "realtime.h"
#include "svc_notify.h"
#include "watch.h"
#include "xalloc.h"

#ifndef CLUSTD_VERSION
#define CLUSTD_VERSION "0.1.0"
#endif

#define SHUTDOWN_POLL_US 20000ull
#define SHUTDOWN_GRACE_MS 1000u

struct options {
	const char *config;
	const char *pidfile;
	bool foreground;
	bool check_only;
	bool json;
	const char *command;   /* NULL = run the daemon; "status", "metrics", "handover"... */
	const char *to;        /* handover --to */
	bool force;            /* drain --force */
	char **names;          /* handover, drain, undrain: the instances */
	size_t nnames;
	int log_level;
};

#define CTL_TIMEOUT_MS 3000

struct daemon {
	struct options opt;
	struct loop *loop;
	struct clustd *c;
	struct loop_timer shutdown_timer;
	uint64_t shutdown_deadline;
	struct realtime_result rt;
	char *pidfile;
	int pid_fd;
};

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: clustd [-f FILE] [-n] [-t] [-p PIDFILE] [-l LEVEL] [-V]\n"
		"       clustd [-f FILE] status [--json]\n"
		"       clustd [-f FILE] metrics\n"
		"       clustd import-keepalived [-i CONFIG_ID] [-q] [FILE]\n"
		"       clustd [-f FILE] handover [--to NODE] [INSTANCE...]\n"
		"       clustd [-f FILE] drain [--force] [INSTANCE...] | undrain [INSTANCE...]\n"
		"       clustd [-f FILE] watch [--json] [--instance NAME]... [--id ID] [--exec PROG [ARG...]]\n"
		"  -f, --config FILE     configuration file (default " CLUSTD_DEFAULT_CONFIG ")\n"
		"  -n, --foreground      do not daemonize; log to stderr\n"
		"  -t, --check-config    validate the configuration and exit (0 = valid)\n"
		"  -p, --pid-file FILE   pid file (default <run_dir>/clustd.pid)\n"
		"  -l, --log-level L     error, warning, notice, info (default) or debug\n"
		"  -V, --version         print the version and exit\n"
		"  status [--json]       ask the running daemon for its view of the cluster\n"
		"  metrics               its counters in the Prometheus text format\n"
		"  import-keepalived     print keepalived's FILE as clustd.conf (see clustd(8))\n"
		"  handover              hand the instances this node is master of (or those\n"
		"                        named) to NODE, or to the best live member, now\n"
		"  drain, undrain        keep instances (all: the node) from being master, and\n"
		"                        hand them over; kept across restarts until undrained\n"
		"  watch ...             follow every transition on the driver socket\n"
		"                        (clustd watch --help, clustd-drivers(7))\n"
		"  -h, --help            this text\n");
}

static int parse_options(int argc, char **argv, struct options *o)
{
	static const struct option longopts[] = {
		{"config", required_argument, NULL, 'f'},
		{"foreground", no_argument, NULL, 'n'},
		{"check-config", no_argument, NULL, 't'},
		{"pid-file", required_argument, NULL, 'p'},
		{"log-level", required_argument, NULL, 'l'},
		{"version", no_argument, NULL, 'V'},
		{"json", no_argument, NULL, 'j'},
		{"to", required_argument, NULL, 'T'},
		{"force", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int ch;

	*o = (struct options){.config = CLUSTD_DEFAULT_CONFIG, .log_level = LOG_INFO};
	while ((ch = getopt_long(argc, argv, "f:ntp:l:Vh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'f': o->config = optarg; break;
		case 'n': o->foreground = true; break;
		case 't': o->check_only = true; break;
		case 'p': o->pidfile = optarg; break;
		case 'l':
			o->log_level = log_level_parse(optarg);
			if (o->log_level < 0) {
				fprintf(stderr, "clustd: unknown log level '%s'\n", optarg);
				return 2;
			}
			break;
		case 'V': printf("clustd " CLUSTD_VERSION "\n"); return 0;
		case 'j': o->json = true; break;
		case 'T': o->to = optarg; break;
		case 'F': o->force = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc && (strcmp(argv[optind], "status") == 0 ||
			      strcmp(argv[optind], "metrics") == 0))
		o->command = argv[optind++];
	else if (optind < argc && (strcmp(argv[optind], "handover") == 0 ||
				   strcmp(argv[optind], "drain") == 0 ||
				   strcmp(argv[optind], "undrain") == 0)) {
		o->command = argv[optind++];
		o->names = argv + optind;
		o->nnames = (size_t)(argc - optind);
		optind = argc;
	}
	if ((o->to && (!o->command || strcmp(o->command, "handover") != 0)) ||
	    (o->force && (!o->command || strcmp(o->command, "drain") != 0))) {
		fprintf(stderr, "clustd: --to goes with handover, --force with drain\n");
		return 2;
	}
	if (optind < argc) {
		fprintf(stderr, "clustd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	return -1; /* go on */
}

/* Loads and fully validates a config. Errors go to the log prefixed with
 * `prefix`, or plain to stderr when prefix is NULL (-t). NULL when invalid. */
static struct clustd_config *load_config(const char *path, const char *prefix,
				       bool check_scripts)
{
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = {0};

	if (conf_load(path, &cfg, &errs) == 0 &&
	    (!check_scripts || conf_check_scripts(cfg, &errs) == 0)) {
		conf_errors_free(&errs);
		return cfg;
	}
	for (size_t i = 0; i < errs.n; i++) {
		if (prefix)
			log_err("%s%s", prefix, errs.msgs[i]);
		else
			fprintf(stderr, "%s\n", errs.msgs[i]);
	}
	conf_errors_free(&errs);
	conf_free(cfg);
	return NULL;
}

static int make_dir(const char *path)
{
	if (mkdir(path, 0755) == 0 || errno == EEXIST)
		return 0;
	log_err("cannot create %s: %s", path, strerror(errno));
	return -1;
}

/* The pid file doubles as the single-instance lock for this config. */
static int write_pidfile(struct daemon *d)
{
	char buf[32];

	/* Never through a link someone planted at that name. */
	d->pid_fd = open(d->pidfile, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (d->pid_fd < 0) {
		log_err("cannot open pid file %s: %s", d->pidfile, strerror(errno));
		return -1;
	}
	if (flock(d->pid_fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t n = read(d->pid_fd, buf, sizeof(buf) - 1);
		buf[n > 0 ? n : 0] = '\0';
		log_err("already running (pid file %s is locked, pid %s)", d->pidfile,
			n > 0 ? strtok(buf, "\n") : "?");
		close(d->pid_fd);
		d->pid_fd = -1;
		return -1;
	}
	int len = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());
	if (ftruncate(d->pid_fd, 0) < 0 || write(d->pid_fd, buf, (size_t)len) != len) {
		log_err("cannot write pid file %s: %s", d->pidfile, strerror(errno));
		return -1;
	}
	return 0;
}

static void remove_pidfile(struct daemon *d)
{
	if (d->pid_fd < 0)
		return;
	unlink(d->pidfile);
	close(d->pid_fd);
	d->pid_fd = -1;
}

/* After the Shutdown event, wait for stop scripts (bounded), then leave. */
static void shutdown_poll(void *arg)
{
	struct daemon *d = arg;
	uint64_t now = mono_now_us();

	if (clustd_scripts_idle(d->c) || now >= d->shutdown_deadline) {
		if (!clustd_scripts_idle(d->c))
			log_warn("stop scripts still running at the shutdown deadline: killing them");
		loop_stop(d->loop);
		return;
	}
	loop_timer_arm(d->loop, &d->shutdown_timer, now + SHUTDOWN_POLL_US);
}

static void on_terminate(void *arg, int signo)
{
	struct daemon *d = arg;

	if (d->shutdown_deadline)
		return;
	log_notice("%s received: shutting down", strsignal(signo));
	svc_notify("STOPPING=1");
	clustd_shutdown(d->c);
	d->shutdown_deadline = mono_now_us() +
		(clustd_max_notify_timeout(d->c) + SHUTDOWN_GRACE_MS) * 1000ull;
	d->shutdown_timer.fn = shutdown_poll;
	d->shutdown_timer.arg = d;
	shutdown_poll(d);
}

static void on_reload(void *arg, int signo)
{
	struct daemon *d = arg;
	const char *path = clustd_config(d->c)->path;

	(void)signo;
	if (d->shutdown_deadline)
		return;
	svc_notify("RELOADING=1");
	log_notice("reload: reading %s", path);
	struct clustd_config *cfg = load_config(path, "reload failed: ", true);
	if (cfg && cfg->witness != clustd_config(d->c)->witness) {
		log_err("reload failed: %s would make this %s a %s: restart clustd for that", path,
			cfg->witness ? "router node" : "witness", cfg->witness ? "witness" : "router node");
		conf_free(cfg);
		cfg = NULL;
	}
	if (cfg) {
		clustd_reload(d->c, cfg);
		if (!realtime_same(&clustd_config(d->c)->node)) {
			realtime_apply(&clustd_config(d->c)->node, &d->rt);
			loop_set_precise_timers(d->loop, d->rt.scheduled);
		}
		log_notice("reload: config applied");
	} else {
		log_err("reload failed: keeping the running config");
	}
	svc_notify("READY=1");
}

static int run(struct daemon *d, struct clustd_config *cfg)
{
	d->loop = loop_new();
	if (!d->loop) {
		conf_free(cfg);
		return 1;
	}
	loop_add_signal(d->loop, SIGTERM, on_terminate, d);
	loop_add_signal(d->loop, SIGINT, on_terminate, d);
	loop_add_signal(d->loop, SIGHUP, on_reload, d);
	d->c = clustd_new(d->loop, cfg);
	if (!d->c)
		return 1;
	clustd_start(d->c);
	/* After start-up, whose work (netlink dumps, the first counters
	 * write) need not be real-time; before the first advert is due. */
	realtime_apply(&clustd_config(d->c)->node, &d->rt);
	loop_set_precise_timers(d->loop, d->rt.scheduled);
	svc_notify("READY=1");
	if (clustd_config(d->c)->witness)
		log_notice("clustd " CLUSTD_VERSION " running as a witness of %zu cluster(s) from %s",
			   clustd_config(d->c)->nclusters, clustd_config(d->c)->path);
	else
		log_notice("clustd " CLUSTD_VERSION " running with %zu instance(s) from %s",
			   clustd_config(d->c)->ninstances, clustd_config(d->c)->path);
	int rc = loop_run(d->loop) < 0 ? 1 : 0;
	loop_timer_cancel(d->loop, &d->shutdown_timer);
	log_notice("stopped");
	return rc;
}

/* `clustd handover`, `drain`, `undrain`: the daemon answers once the
 * outcome is known (its own bounds are far below this timeout); exit 1
 * when a line of the answer is an error. */
#define CTL_HANDOVER_TIMEOUT_MS 60000

static int run_handover_client(const char *path, const struct options *o)
{
	char *req = ho_request_line(o->command, o->to, o->force, o->names, o->nnames);
	char *reply = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&reply, &len);
	int rc = f ? ctl_request(path, req, f, CTL_HANDOVER_TIMEOUT_MS) : -ENOMEM;

	if (f)
		fclose(f);
	free(req);
	if (rc < 0) {
		fprintf(stderr, "clustd: cannot reach the daemon at %s: %s\n", path, strerror(-rc));
		free(reply);
		return 1;
	}
	fputs(reply, stdout);
	rc = ho_reply_status(reply);
	free(reply);
	return rc;
}

/* Without CAP_NET_ADMIN every VIP, VMAC and nftables change fails with
 * EPERM. A container may withhold it (systemd-nspawn does, unless it made
 * the network itself): said once at start, so that the errors that follow
 * have their reason. A node without instances changes nothing. */
static void warn_without_net_admin(const struct clustd_config *cfg)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct caps[_LINUX_CAPABILITY_U32S_3];

	memset(caps, 0, sizeof(caps));
	if (cfg->ninstances == 0 || syscall(SYS_capget, &hdr, caps) < 0)
		return;
	if (caps[CAP_TO_INDEX(CAP_NET_ADMIN)].effective & CAP_TO_MASK(CAP_NET_ADMIN))
		return;
	log_warn("no CAP_NET_ADMIN: adding and removing VIPs (and VMAC links, nftables rules) will "
		 "fail with EPERM; in a container, grant it (systemd-nspawn --capability=CAP_NET_ADMIN)");
}

/* `clustd status`: the config tells where the daemon's socket is. */
static int run_client(const struct options *o)
{
	/* Only run_dir is needed: a broken script must not hide the status
	 * that would explain it. */
	struct clustd_config *cfg = load_config(o->config, NULL, false);
	char *path;

	if (!cfg)
		return 1;
	path = xasprintf("%s/clustd.sock", cfg->node.run_dir);
	conf_free(cfg);
	if (o->names) {
		int status = run_handover_client(path, o);
		free(path);
		return status;
	}
	const char *req = strcmp(o->command, "metrics") == 0 ? "metrics" :
			  o->json ? "status json" : "status";
	int rc = ctl_request(path, req, stdout, CTL_TIMEOUT_MS);
	if (rc < 0)
		fprintf(stderr, "clustd: cannot reach the daemon at %s: %s\n", path, strerror(-rc));
	free(path);
	return rc < 0 ? 1 : 0;
}

/* Where `watch` stands among the arguments (it has options of its own,
 * which the daemon's parser must not see), or argc. */
static int watch_at(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "watch") == 0)
			return i;
		if (argv[i][0] != '-' || strcmp(argv[i], "--") == 0)
			return argc; /* another command */
		if (strchr("fpl", argv[i][1]) && argv[i][1] && !argv[i][2])
			i++; /* -f FILE, -p FILE, -l LEVEL */
		else if (!strcmp(argv[i], "--config") || !strcmp(argv[i], "--pid-file") ||
			 !strcmp(argv[i], "--log-level"))
			i++;
	}
	return argc;
}

int main(int argc, char **argv)
{
	struct daemon d = {.pid_fd = -1};

	if (argc > 1 && strcmp(argv[1], "import-keepalived") == 0)
		return kaimport_cli(argc - 1, argv + 1);
	int at = watch_at(argc, argv);
	int rc = parse_options(at, argv, &d.opt);

	if (rc < 0 && at < argc)
		return watch_main(argc - at, argv + at, d.opt.config);

	if (rc >= 0)
		return rc;
	signal(SIGPIPE, SIG_IGN);
	if (d.opt.command)
		return run_client(&d.opt);
	realtime_prepare_process();
	/* Until we daemonize, problems belong on the terminal that started us. */
	log_init("clustd", true, d.opt.log_level);
	struct clustd_config *cfg = load_config(d.opt.config, d.opt.check_only ? NULL : "", true);
	/* A daemon refused for its config exits EX_CONFIG, which the unit does
	 * not restart (RestartPreventExitStatus=): restarts in a loop would end
	 * in a start-limit invocation whose `systemctl status` lacks FILE:LINE. */
	if (!cfg)
		return d.opt.check_only ? 1 : EX_CONFIG;
	if (d.opt.check_only) {
		if (cfg->witness)
			printf("%s: configuration OK (a witness of %zu cluster(s))\n", cfg->path,
			       cfg->nclusters);
		else
			printf("%s: configuration OK (%zu instance(s))\n", cfg->path, cfg->ninstances);
		conf_free(cfg);
		return 0;
	}
	if (!d.opt.foreground && daemon(0, 0) < 0) {
		log_err("cannot daemonize: %s", strerror(errno));
		conf_free(cfg);
		return 1;
	}
	log_init("clustd", d.opt.foreground, d.opt.log_level);
	warn_without_net_admin(cfg);
	if (d.opt.pidfile)
		d.pidfile = xstrdup(d.opt.pidfile);
	else
		d.pidfile = xasprintf("%s/clustd.pid", cfg->node.run_dir);
	/* A state_dir we cannot create is reported (counters not saved), not
	 * fatal: failing over matters more than counting. */
	make_dir(cfg->node.state_dir);
	if (make_dir(cfg->node.run_dir) < 0 || write_pidfile(&d) < 0) {
		conf_free(cfg);
		free(d.pidfile);
		return 1;
	}
	rc = run(&d, cfg);
	clustd_free(d.c);
	loop_free(d.loop);
	remove_pidfile(&d);
	free(d.pidfile);
	return rc;
}
