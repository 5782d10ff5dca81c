/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_ctl.c - the control socket with real AF_UNIX sockets in a private
 * /tmp directory, driven by the real loop. Requests come either from a
 * forked child running ctl_request() or from raw sockets watched by the
 * same loop as the server (a slow reader by construction). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "loop.h"
#include "testutil.h"

#define MS 1000u
#define MAX_SINKS 32
#define BIG_REPLY (1u << 20)

/* The reading end of one conversation: a raw client socket, or the pipe
 * a forked ctl_request() child writes its output to. */
struct sink {
	struct fixture *f;
	int fd;
	pid_t pid;              /* forked child, 0 for a raw socket */
	char *buf;
	size_t len, cap;
	bool eof;
	int err;                /* recv error that ended it, 0 on EOF */
	uint64_t opened_at, eof_at;
	bool hang_up_early;     /* close after the first bytes */
};

struct fixture {
	char dir[64];
	char path[96];
	struct loop *l;
	struct ctl_server *s;
	struct loop_timer guard;
	bool guard_fired;
	/* handler */
	int calls;
	char last[2048];
	size_t reply_size;      /* 0: "reply to <request>\n" */
	bool null_reply;
	bool defer;             /* ctl_defer, answered by later_timer */
	struct ctl_pending *pending;
	struct loop_timer later_timer;
	int gone;               /* on_gone calls */
	/* conversations */
	struct sink sinks[MAX_SINKS];
	int nsinks;
	int open_sinks;
	struct sink *stop_on;   /* run_for also stops when this one ends */
	bool exact_run;         /* ignore sinks, wait for the guard */
};

static struct fixture fx;

static char pattern_byte(size_t i)
{
	/* 23 is prime to every buffer size: a lost or repeated chunk shows. */
	return (char)('a' + i % 23);
}

static void on_gone(void *arg)
{
	struct fixture *f = arg;

	f->gone++;
	f->pending = NULL;
	loop_timer_cancel(f->l, &f->later_timer);
}

static void on_later(void *arg)
{
	struct fixture *f = arg;
	char *reply;

	ck_assert_ptr_nonnull(f->pending);
	ck_assert_int_gt(asprintf(&reply, "later to %s\n", f->last), 0);
	ctl_pending_reply(f->pending, reply);
	f->pending = NULL;
}

static char *handler(void *arg, const char *request)
{
	struct fixture *f = arg;
	char *reply;

	f->calls++;
	snprintf(f->last, sizeof(f->last), "%s", request);
	if (f->null_reply)
		return NULL;
	if (f->defer) {
		f->pending = ctl_defer(f->s, on_gone, f);
		ck_assert_ptr_nonnull(f->pending);
		loop_timer_arm(f->l, &f->later_timer, mono_now_us() + 50 * MS);
		return NULL;
	}
	if (f->reply_size) {
		reply = malloc(f->reply_size + 1);
		ck_assert_ptr_nonnull(reply);
		for (size_t i = 0; i < f->reply_size; i++)
			reply[i] = pattern_byte(i);
		reply[f->reply_size] = '\0';
		return reply;
	}
	ck_assert_int_gt(asprintf(&reply, "reply to %s\n", request), 0);
	return reply;
}

static int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d)))
		if (e->d_name[0] != '.')
			n++;
	closedir(d);
	return n - 1; /* the directory's own descriptor */
}

/* ---- fixture ---- */

static void setup(void)
{
	memset(&fx, 0, sizeof(fx));
	log_init("check_ctl", true, LOG_WARNING);
	snprintf(fx.dir, sizeof(fx.dir), "/tmp/clt-ctl-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(fx.dir));
	snprintf(fx.path, sizeof(fx.path), "%s/clustd.sock", fx.dir);
	fx.l = loop_new();
	ck_assert_ptr_nonnull(fx.l);
	fx.s = ctl_server_open(fx.l, fx.path, handler, &fx);
	ck_assert_ptr_nonnull(fx.s);
	fx.later_timer = (struct loop_timer){ .fn = on_later, .arg = &fx };
}

static void sink_close(struct sink *k)
{
	if (k->fd >= 0) {
		loop_del_fd(fx.l, k->fd);
		close(k->fd);
		k->fd = -1;
	}
}

static void teardown(void)
{
	for (int i = 0; i < fx.nsinks; i++) {
		struct sink *k = &fx.sinks[i];

		sink_close(k);
		if (k->pid > 0) {
			kill(k->pid, SIGKILL);
			waitpid(k->pid, NULL, 0);
		}
		free(k->buf);
	}
	ctl_server_close(fx.s);
	loop_timer_cancel(fx.l, &fx.later_timer);
	loop_free(fx.l);
	/* Whatever a test left in its directory (extra sockets, files). */
	DIR *d = opendir(fx.dir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				unlinkat(dirfd(d), e->d_name, 0);
		closedir(d);
	}
	rmdir(fx.dir);
}

/* ---- driving the loop ---- */

static void on_guard(void *arg)
{
	struct fixture *f = arg;

	f->guard_fired = true;
	loop_stop(f->l);
}

static bool run_loop(unsigned ms, bool exactly)
{
	fx.guard_fired = false;
	fx.exact_run = exactly;
	fx.guard = (struct loop_timer){ .fn = on_guard, .arg = &fx };
	loop_timer_arm(fx.l, &fx.guard, mono_now_us() + ms * MS);
	if (exactly || fx.open_sinks > 0)
		ck_assert_int_eq(loop_run(fx.l), 0);
	loop_timer_cancel(fx.l, &fx.guard);
	fx.exact_run = false;
	fx.stop_on = NULL;
	return !fx.guard_fired;
}

/* Run until every sink (or fx.stop_on) reached EOF; false if ms ran out. */
static bool run_for(unsigned ms)
{
	return run_loop(ms, false);
}

/* Run exactly ms, whatever happens. */
static void run_exactly(unsigned ms)
{
	run_loop(ms, true);
}

static void sink_done(struct sink *k, int err)
{
	k->eof = true;
	k->err = err;
	k->eof_at = mono_now_us();
	sink_close(k);
	fx.open_sinks--;
	if (!fx.exact_run && (fx.open_sinks == 0 || k == fx.stop_on))
		loop_stop(fx.l);
}

static void on_sink(void *arg, uint32_t events)
{
	struct sink *k = arg;

	(void)events;
	for (;;) {
		ssize_t n;

		if (k->cap - k->len < 4096) {
			k->cap = k->cap ? k->cap * 2 : 8192;
			k->buf = realloc(k->buf, k->cap);
			ck_assert_ptr_nonnull(k->buf);
		}
		n = read(k->fd, k->buf + k->len, k->cap - k->len);
		if (n > 0) {
			k->len += (size_t)n;
			if (k->hang_up_early) {
				sink_done(k, 0);
				return;
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		sink_done(k, n < 0 ? errno : 0);
		return;
	}
}

static struct sink *sink_new(int fd)
{
	struct sink *k;

	ck_assert_int_lt(fx.nsinks, MAX_SINKS);
	k = &fx.sinks[fx.nsinks++];
	*k = (struct sink){ .f = &fx, .fd = fd, .opened_at = mono_now_us() };
	ck_assert_int_eq(fcntl(fd, F_SETFL, O_NONBLOCK), 0);
	ck_assert_int_eq(loop_add_fd(fx.l, fd, EPOLLIN, on_sink, k), 0);
	fx.open_sinks++;
	return k;
}

/* Connect (never blocks: the kernel queues us in the backlog) and send
 * data, which fits in the socket buffer. */
static int raw_connect(const char *data, size_t len)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	ck_assert_int_ge(fd, 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx.path);
	ck_assert_int_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (len)
		ck_assert_int_eq(send(fd, data, len, MSG_NOSIGNAL), (ssize_t)len);
	return fd;
}

/* A raw client whose replies the loop collects. */
static struct sink *raw_client(const char *data, size_t len)
{
	return sink_new(raw_connect(data, len));
}

/* A child process running ctl_request(); its output comes back through a
 * pipe and its result (-rc) as its exit status. */
static struct sink *child_request(const char *path, const char *request, int timeout_ms)
{
	int p[2];
	pid_t pid;
	struct sink *k;

	ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		FILE *out;
		int rc;

		/* Copies of the server's sockets would keep them open. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != p[1])
				close(fd);
		out = fdopen(p[1], "w");
		if (!out)
			_exit(255);
		rc = ctl_request(path, request, out, timeout_ms);
		fclose(out);
		_exit(rc < 0 ? -rc & 0xff : 0);
	}
	close(p[1]);
	k = sink_new(p[0]);
	k->pid = pid;
	return k;
}

/* The child's result: 0 or the errno ctl_request returned. */
static int child_result(struct sink *k)
{
	int status;

	ck_assert_int_eq(waitpid(k->pid, &status, 0), k->pid);
	k->pid = 0;
	ck_assert(WIFEXITED(status));
	return WEXITSTATUS(status);
}

static bool sink_is(const struct sink *k, const char *text)
{
	return k->len == strlen(text) && memcmp(k->buf, text, k->len) == 0;
}

static bool sink_is_pattern(const struct sink *k, size_t size)
{
	if (k->len != size)
		return false;
	for (size_t i = 0; i < size; i++)
		if (k->buf[i] != pattern_byte(i))
			return false;
	return true;
}

static unsigned sink_ms(const struct sink *k)
{
	return (unsigned)((k->eof_at - k->opened_at) / MS);
}

/* A fresh ctl_request still gets its answer. */
static void assert_server_alive(void)
{
	int calls = fx.calls;
	struct sink *k;

	fx.reply_size = 0;
	fx.null_reply = false;
	k = child_request(fx.path, "ping", 3000);
	ck_assert(run_for(3000));
	ck_assert_int_eq(child_result(k), 0);
	ck_assert(sink_is(k, "reply to ping\n"));
	ck_assert_int_eq(fx.calls, calls + 1);
}

/* ---- round trips ---- */

START_TEST(test_round_trip)
{
	struct sink *k = child_request(fx.path, "status", 3000);

	ck_assert(run_for(3000));
	ck_assert_int_eq(child_result(k), 0);
	ck_assert(sink_is(k, "reply to status\n"));
	ck_assert_int_eq(fx.calls, 1);
	ck_assert_str_eq(fx.last, "status");
}
END_TEST

START_TEST(test_peer_uid_logged_at_debug)
{
	char logname[128], text[8192], want[64];
	int saved = dup(STDERR_FILENO), logfd;
	ssize_t n;

	snprintf(logname, sizeof(logname), "%s/log", fx.dir);
	logfd = open(logname, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ck_assert_int_ge(logfd, 0);
	ck_assert_int_ge(saved, 0);
	dup2(logfd, STDERR_FILENO);
	log_set_level(LOG_DEBUG);
	raw_client("status\n", 7);
	bool done = run_for(3000);
	log_set_level(LOG_WARNING);
	dup2(saved, STDERR_FILENO);
	close(saved);
	ck_assert(done);
	n = pread(logfd, text, sizeof(text) - 1, 0);
	close(logfd);
	ck_assert_int_gt(n, 0);
	text[n] = '\0';
	snprintf(want, sizeof(want), "uid %lu)", (unsigned long)getuid());
	ck_assert_ptr_nonnull(strstr(text, want));
}
END_TEST

START_TEST(test_crlf_stripped)
{
	struct sink *k = raw_client("status json\r\n", 13);

	ck_assert(run_for(3000));
	ck_assert_str_eq(fx.last, "status json");
	ck_assert(sink_is(k, "reply to status json\n"));
	ck_assert_int_eq(k->err, 0);
}
END_TEST

/* Bytes after the line are ignored, and do not cost the peer its reply
 * (AF_UNIX resets a peer whose data was left unread): more than the line
 * buffer, so some are still queued when the reply is done. */
START_TEST(test_trailing_bytes_ignored)
{
	char data[1600];
	struct sink *k;

	memset(data, 'z', sizeof(data));
	memcpy(data, "status\n", 7);
	k = raw_client(data, sizeof(data));
	ck_assert(run_for(3000));
	ck_assert_int_eq(fx.calls, 1);
	ck_assert_str_eq(fx.last, "status");
	ck_assert(sink_is(k, "reply to status\n"));
	ck_assert_int_eq(k->err, 0);
}
END_TEST

START_TEST(test_big_reply_via_ctl_request)
{
	struct sink *k;

	fx.reply_size = BIG_REPLY;
	k = child_request(fx.path, "status", 3000);
	ck_assert(run_for(3000));
	ck_assert_int_eq(child_result(k), 0);
	ck_assert(sink_is_pattern(k, BIG_REPLY));
}
END_TEST

/* The reader shares the server's loop, so the server cannot write it all
 * at once: every byte goes through partial writes and EPOLLOUT. */
START_TEST(test_big_reply_slow_reader)
{
	struct sink *k;

	fx.reply_size = BIG_REPLY;
	k = raw_client("status\n", 7);
	ck_assert(run_for(3000));
	ck_assert_int_eq(k->err, 0);
	ck_assert(sink_is_pattern(k, BIG_REPLY));
	ck_assert_int_eq(fx.calls, 1);
}
END_TEST

START_TEST(test_hangup_mid_reply)
{
	int before = count_fds();
	struct sink *k;

	fx.reply_size = BIG_REPLY;
	k = raw_client("status\n", 7);
	k->hang_up_early = true;
	ck_assert(run_for(3000));
	ck_assert_uint_lt(k->len, BIG_REPLY);
	/* The server noticed: its end of the connection is closed. */
	run_exactly(100);
	ck_assert_int_eq(count_fds(), before);
	assert_server_alive();
}
END_TEST

/* No reply from the handler: the connection is closed, and ctl_request
 * reports that instead of an empty success. */
START_TEST(test_null_reply_closes)
{
	struct sink *raw, *child;

	fx.null_reply = true;
	raw = raw_client("status\n", 7);
	child = child_request(fx.path, "status", 3000);
	ck_assert(run_for(3000));
	ck_assert_int_eq(fx.calls, 2);
	ck_assert_uint_eq(raw->len, 0);
	ck_assert_uint_eq(child->len, 0);
	ck_assert_int_eq(child_result(child), ECONNRESET);
	assert_server_alive();
}
END_TEST

/* ---- bad clients ---- */

START_TEST(test_silent_clients_dropped_after_2s)
{
	struct sink *silent = raw_client(NULL, 0);
	struct sink *partial = raw_client("sta", 3);

	ck_assert(run_for(4000));
	ck_assert_uint_ge(sink_ms(silent), 1900);
	ck_assert_uint_le(sink_ms(silent), 3000);
	ck_assert_uint_ge(sink_ms(partial), 1900);
	ck_assert_uint_le(sink_ms(partial), 3000);
	ck_assert_uint_eq(silent->len + partial->len, 0);
	ck_assert_int_eq(fx.calls, 0);
	assert_server_alive();
}
END_TEST

START_TEST(test_long_line_rejected)
{
	char line[2100];
	struct sink *unterminated, *terminated;

	memset(line, 'x', sizeof(line));
	unterminated = raw_client(line, 2000);
	line[1025] = '\n'; /* 1025 characters: one too many */
	terminated = raw_client(line, 1026);
	ck_assert(run_for(1000));
	ck_assert_uint_lt(sink_ms(unterminated), 1000);
	ck_assert_uint_lt(sink_ms(terminated), 1000);
	ck_assert_uint_eq(unterminated->len + terminated->len, 0);
	ck_assert_int_eq(fx.calls, 0);
	assert_server_alive();
}
END_TEST

START_TEST(test_line_at_limit_accepted)
{
	char line[1026];
	struct sink *k;

	memset(line, 'y', 1024);
	line[1024] = '\r';
	line[1025] = '\n';
	k = raw_client(line, sizeof(line));
	ck_assert(run_for(3000));
	ck_assert_int_eq(fx.calls, 1);
	ck_assert_uint_eq(strlen(fx.last), 1024);
	ck_assert_uint_eq(k->len, strlen("reply to \n") + 1024);
}
END_TEST

/* 20 clients that say nothing: 16 hold a slot until their deadline, the
 * 4 others are closed at once; then the server serves again. */
START_TEST(test_client_cap)
{
	int early = 0;
	struct sink *late;

	for (int i = 0; i < 20; i++)
		raw_client(NULL, 0);
	run_exactly(500);
	for (int i = 0; i < 20; i++)
		early += fx.sinks[i].eof;
	ck_assert_int_eq(early, 4);
	/* Still full. */
	late = raw_client(NULL, 0);
	run_exactly(200);
	ck_assert(late->eof);
	ck_assert(run_for(3000));
	ck_assert_int_eq(fx.calls, 0);
	assert_server_alive();
}
END_TEST

/* 20 clients asking at once: every one is either answered in full or
 * closed without a byte, at least 16 are answered, nothing leaks. */
START_TEST(test_twenty_requests)
{
	int before = count_fds();
	int served = 0, refused = 0;

	for (int i = 0; i < 20; i++)
		raw_client("status\n", 7);
	ck_assert(run_for(3000));
	for (int i = 0; i < 20; i++) {
		if (sink_is(&fx.sinks[i], "reply to status\n"))
			served++;
		else if (fx.sinks[i].len == 0)
			refused++;
	}
	ck_assert_int_ge(served, 16);
	ck_assert_int_eq(served + refused, 20);
	ck_assert_int_eq(fx.calls, served);
	ck_assert_int_eq(count_fds(), before);
	assert_server_alive();
}
END_TEST

/* ---- client side errors ---- */

static FILE *empty_out(void)
{
	FILE *out = tmpfile();

	ck_assert_ptr_nonnull(out);
	return out;
}

static void assert_nothing_written(FILE *out)
{
	fseek(out, 0, SEEK_END);
	ck_assert_int_eq(ftell(out), 0);
	fclose(out);
}

START_TEST(test_request_missing_path)
{
	char path[160];
	FILE *out = empty_out();

	snprintf(path, sizeof(path), "%s/nope.sock", fx.dir);
	ck_assert_int_eq(ctl_request(path, "status", out, 1000), -ENOENT);
	assert_nothing_written(out);
}
END_TEST

START_TEST(test_request_refused)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	FILE *out = empty_out();

	/* A stale socket file: bound once, nobody listening. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/stale.sock", fx.dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	ck_assert_int_eq(ctl_request(sun.sun_path, "status", out, 1000), -ECONNREFUSED);
	assert_nothing_written(out);
}
END_TEST

START_TEST(test_request_timeout)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	FILE *out = empty_out();
	uint64_t t0;
	unsigned ms;

	/* Listens, never answers. */
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/mute.sock", fx.dir);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(fd, 4), 0);
	t0 = mono_now_us();
	ck_assert_int_eq(ctl_request(sun.sun_path, "status", out, 200), -ETIMEDOUT);
	ms = (unsigned)((mono_now_us() - t0) / MS);
	ck_assert_uint_ge(ms, 190);
	ck_assert_uint_lt(ms, 1000);
	assert_nothing_written(out);
	close(fd);
}
END_TEST

/* The server closing on a full house: ctl_request reports it rather than
 * an empty success. */
START_TEST(test_request_refused_by_full_server)
{
	struct sink *k;

	for (int i = 0; i < 16; i++)
		raw_client(NULL, 0);
	run_exactly(100);
	k = child_request(fx.path, "status", 3000);
	fx.stop_on = k;
	ck_assert(run_for(1500));
	ck_assert(k->eof);
	ck_assert_int_ne(child_result(k), 0);
	ck_assert_uint_eq(k->len, 0);
	ck_assert_int_eq(fx.calls, 0);
}
END_TEST

START_TEST(test_path_too_long)
{
	char path[200];
	FILE *out = empty_out();

	memset(path, 'p', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	ck_assert_ptr_null(ctl_server_open(fx.l, path, handler, &fx));
	ck_assert_int_eq(ctl_request(path, "status", out, 1000), -ENAMETOOLONG);
	assert_nothing_written(out);
}
END_TEST

/* ---- the socket file ---- */

START_TEST(test_socket_mode_0600)
{
	struct stat st;

	ctl_server_close(fx.s);
	umask(0);
	fx.s = ctl_server_open(fx.l, fx.path, handler, &fx);
	umask(022);
	ck_assert_ptr_nonnull(fx.s);
	ck_assert_int_eq(lstat(fx.path, &st), 0);
	ck_assert(S_ISSOCK(st.st_mode));
	ck_assert_uint_eq(st.st_mode & 07777, 0600);
}
END_TEST

/* Closing with clients connected (silent, mid-reply) frees everything,
 * hangs up on them and removes the socket file. */
START_TEST(test_close_unlinks_and_frees)
{
	int before, stuck;
	struct sink *silent;
	char buf[65536];
	size_t got = 0;
	ssize_t n;

	ctl_server_close(fx.s);
	before = count_fds();
	fx.s = ctl_server_open(fx.l, fx.path, handler, &fx);
	ck_assert_ptr_nonnull(fx.s);
	fx.reply_size = BIG_REPLY;
	silent = raw_client(NULL, 0);
	stuck = raw_connect("status\n", 7); /* not on the loop: never reads */
	run_exactly(100);
	ck_assert_int_eq(fx.calls, 1);
	ctl_server_close(fx.s);
	fx.s = NULL;
	ck_assert_int_eq(access(fx.path, F_OK), -1);
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(run_for(1000));
	ck_assert(silent->eof);
	/* The stuck one gets what was already sent, then the end. */
	while ((n = read(stuck, buf, sizeof(buf))) > 0)
		got += (size_t)n;
	ck_assert_int_eq(n, 0);
	ck_assert_uint_gt(got, 0);
	ck_assert_uint_lt(got, BIG_REPLY);
	close(stuck);
	ck_assert_int_eq(count_fds(), before);
}
END_TEST

START_TEST(test_stale_socket_replaced)
{
	/* The fixture's server is gone without unlinking: a crash. */
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	ctl_server_close(fx.s);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", fx.path);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	fx.s = ctl_server_open(fx.l, fx.path, handler, &fx);
	ck_assert_ptr_nonnull(fx.s);
	assert_server_alive();
}
END_TEST

START_TEST(test_regular_file_not_replaced)
{
	char path[160], text[16] = { 0 };
	FILE *f;

	snprintf(path, sizeof(path), "%s/precious", fx.dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("data", f);
	fclose(f);
	ck_assert_ptr_null(ctl_server_open(fx.l, path, handler, &fx));
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(text, sizeof(text), f));
	fclose(f);
	ck_assert_str_eq(text, "data");
}
END_TEST

/* An old instance shutting down must not remove the socket of the new
 * one that replaced it. */
START_TEST(test_close_keeps_successor_socket)
{
	struct ctl_server *newer = ctl_server_open(fx.l, fx.path, handler, &fx);

	ck_assert_ptr_nonnull(newer);
	ctl_server_close(fx.s);
	fx.s = newer;
	ck_assert_int_eq(access(fx.path, F_OK), 0);
	assert_server_alive();
}
END_TEST

/* A deferred request: the reply comes when the daemon gives it, and the
 * waiting client holds no slot of the loop busy meanwhile. */
START_TEST(test_deferred_reply)
{
	struct sink *k;

	fx.defer = true;
	k = child_request(fx.path, "handover web", 3000);
	ck_assert(run_for(3000));
	ck_assert_int_eq(child_result(k), 0);
	ck_assert(sink_is(k, "later to handover web\n"));
	ck_assert_uint_ge(sink_ms(k), 50);
	ck_assert_int_eq(fx.gone, 0);
	/* Not deferred again: an ordinary request still works. */
	fx.defer = false;
	k = child_request(fx.path, "status", 3000);
	ck_assert(run_for(3000));
	ck_assert(sink_is(k, "reply to status\n"));
}
END_TEST

/* The client leaves before the reply: the owner hears of it (on_gone)
 * and never touches the handle again. */
START_TEST(test_deferred_client_leaves)
{
	int fd;

	fx.defer = true;
	fd = raw_connect("handover web\n", 13);
	run_exactly(20);
	ck_assert_int_eq(fx.calls, 1);
	ck_assert_ptr_nonnull(fx.pending);
	close(fd);
	run_exactly(100);
	ck_assert_int_eq(fx.gone, 1);
	ck_assert_ptr_null(fx.pending);
}
END_TEST

/* Closing the server with a deferred client tells its owner. */
START_TEST(test_deferred_server_closes)
{
	int fd;

	fx.defer = true;
	fd = raw_connect("drain\n", 6);
	run_exactly(20);
	ck_assert_ptr_nonnull(fx.pending);
	ctl_server_close(fx.s);
	fx.s = NULL;
	ck_assert_int_eq(fx.gone, 1);
	close(fd);
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *tc = tcase_create("ctl");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_peer_uid_logged_at_debug);
	tcase_add_test(tc, test_crlf_stripped);
	tcase_add_test(tc, test_trailing_bytes_ignored);
	tcase_add_test(tc, test_big_reply_via_ctl_request);
	tcase_add_test(tc, test_big_reply_slow_reader);
	tcase_add_test(tc, test_hangup_mid_reply);
	tcase_add_test(tc, test_null_reply_closes);
	tcase_add_test(tc, test_silent_clients_dropped_after_2s);
	tcase_add_test(tc, test_long_line_rejected);
	tcase_add_test(tc, test_line_at_limit_accepted);
	tcase_add_test(tc, test_client_cap);
	tcase_add_test(tc, test_twenty_requests);
	tcase_add_test(tc, test_request_missing_path);
	tcase_add_test(tc, test_request_refused);
	tcase_add_test(tc, test_request_timeout);
	tcase_add_test(tc, test_request_refused_by_full_server);
	tcase_add_test(tc, test_path_too_long);
	tcase_add_test(tc, test_socket_mode_0600);
	tcase_add_test(tc, test_close_unlinks_and_frees);
	tcase_add_test(tc, test_stale_socket_replaced);
	tcase_add_test(tc, test_regular_file_not_replaced);
	tcase_add_test(tc, test_close_keeps_successor_socket);
	tcase_add_test(tc, test_deferred_reply);
	tcase_add_test(tc, test_deferred_client_leaves);
	tcase_add_test(tc, test_deferred_server_closes);
	suite_add_tcase(s, tc);
	return s;
}

CLUSTD_TEST_MAIN(ctl_suite)
