/* SPDX-License-Identifier: GPL-2.0-or-later */
/* driver.c - the driver socket (see driver.h). One small state per
 * connection: its credentials, its line buffer, its session (driver_rule.c
 * says what may come when), what it wants, its readiness, and its output
 * queue. The daemon's lines are encoded once per event by driver_proto.c
 * and copied into the queue of every driver that wants them; the queues
 * are flushed from a loop timer right after the batch that made them. */
#include "driver.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "ctl.h"
#include "log.h"
#include "xalloc.h"

#define ACCEPT_RETRY_US 1000000ull  /* after EMFILE and friends */
/* The kernel keeps at most about this much for a driver that does not
 * read, on top of our queue: the queue is what bounds a slow driver. */
#define DRIVER_SNDBUF 65536
#define SEEN_MAX 256                /* ids remembered as seen during the grace time */
/* A driver's failed answers and readiness changes are logged at most
 * this often each (all are in the status): a chatty one cannot flood. */
#define LOG_LIMIT_MS 100

struct drv_answer {
	bool any;
	uint64_t seq;
	bool ok;
	uint64_t at_wall_us;
	char message[DRIVER_MESSAGE_MAX + 1];
};

struct drv_conn {
	struct driver_server *srv;
	int fd;
	pid_t pid;
	uid_t uid;
	gid_t gid;
	uint64_t since_wall_us;
	struct loop_timer hello_timer;
	struct drv_session session;
	struct drv_linebuf in;
	char in_buf[DRIVER_LINE_MAX + 2];
	char id[CLUSTD_DRIVER_ID_MAX + 2];   /* "" until the hello */
	bool all_instances;
	size_t nwant;
	char (*want)[CLUSTD_NAME_MAX];
	bool ready;
	char ready_message[DRIVER_MESSAGE_MAX + 1];
	/* The output queue: out[off..len) waits for the socket. */
	char *out;
	size_t off, len, cap, limit;
	bool want_out;                       /* registered for EPOLLOUT */
	uint64_t events_sent, last_seq_sent, last_sent_wall_us;
	uint64_t answers_ok, answers_failed;
	struct drv_answer last_answer;
	unsigned long long answer_log_ms, ready_log_ms; /* log_ratelimited() */
	struct drv_conn *next;
};

struct driver_server {
	struct loop *loop;
	struct driver_hooks hooks;
	char *path;
	char *group;
	int fd;
	bool listening;
	dev_t dev;
	ino_t ino;
	uint32_t queue_bytes, grace_ms;
	uint64_t started_us;
	char *node;
	uint64_t seq;
	struct drv_conn *conns;
	unsigned nconns;
	/* presence_timer: the hook runs from the loop, never from within a
	 * walk of the connections (it may make events, which may drop some). */
	struct loop_timer accept_retry, flush_timer, recheck_timer, presence_timer;
	uint64_t connections;
	uint64_t event_us_max;       /* the longest an event took to queue (µs) */
	uint64_t flush_us_max;       /* the longest a flush of the queues took (µs) */
	bool unflushed;              /* events queued since the last flush */
	uint64_t gone[DRV_GONE__COUNT];
	uint64_t errors[DRV_ERR__COUNT];
	char (*seen)[CLUSTD_DRIVER_ID_MAX + 2];
	size_t nseen;
};

static const char *who(const struct drv_conn *c)
{
	return c->id[0] ? c->id : "(no hello yet)";
}

/* ---- sending ---- */

static void conn_on_io(void *arg, uint32_t events);

/* loop.h has no "modify": re-register with the new interest. */
static void conn_watch_out(struct drv_conn *c, bool out)
{
	if (c->want_out == out)
		return;
	loop_del_fd(c->srv->loop, c->fd);
	if (loop_add_fd(c->srv->loop, c->fd, EPOLLIN | (out ? EPOLLOUT : 0), conn_on_io, c) == 0)
		c->want_out = out;
	else
		log_warn("drivers: %s: cannot watch its socket: %s", who(c), strerror(errno));
}

static void conn_free(struct drv_conn *c)
{
	struct driver_server *s = c->srv;

	for (struct drv_conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	s->nconns--;
	loop_timer_cancel(s->loop, &c->hello_timer);
	loop_del_fd(s->loop, c->fd);
	close(c->fd);
	free(c->want);
	free(c->out);
	free(c);
}

/* Bytes it sent after what ended it would turn our close() into a reset
 * on its side (AF_UNIX does that), losing the error line: drop them. */
static void discard_input(int fd)
{
	char junk[4096];

	for (int i = 0; i < 8; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
}

/* The presence and recheck timers' callback. */
static void on_presence(void *arg)
{
	struct driver_server *s = arg;

	if (s->hooks.presence_changed)
		s->hooks.presence_changed(s->hooks.arg);
}

/* Requirements are looked at again right after this batch of events: a
 * required driver that goes or says it is not ready acts at once. */
static void presence_changed(struct driver_server *s)
{
	if (!s->presence_timer.armed)
		loop_timer_arm(s->loop, &s->presence_timer, 0);
}

/* Ends a connection and counts why. */
static void conn_drop(struct drv_conn *c, enum drv_disconnect why, const char *detail)
{
	struct driver_server *s = c->srv;
	bool present = c->id[0] != '\0'; /* it had said hello */

	s->gone[why]++;
	if (why == DRV_GONE_CLOSED || why == DRV_GONE_SHUTDOWN)
		log_info("drivers: %s (pid %ld) disconnected: %s", who(c), (long)c->pid,
			 drv_disconnect_name(why));
	else
		log_warn("drivers: %s (pid %ld, uid %lu) disconnected: %s%s%s", who(c), (long)c->pid,
			 (unsigned long)c->uid, drv_disconnect_name(why), detail ? ": " : "",
			 detail ? detail : "");
	discard_input(c->fd);
	conn_free(c);
	if (present && why != DRV_GONE_SHUTDOWN)
		presence_changed(s);
}

/* Send what the socket takes. False when the connection is gone. */
static bool conn_flush(struct drv_conn *c)
{
	while (c->off < c->len) {
		ssize_t n = send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			conn_watch_out(c, true);
			return true;
		}
		conn_drop(c, DRV_GONE_IO, n < 0 ? strerror(errno) : "no progress");
		return false;
	}
	c->off = c->len = 0;
	conn_watch_out(c, false);
	return true;
}

/* Queue one line, within the limit unless `always` (the error line that
 * ends it). False when it does not fit: the caller drops the driver. */
static bool conn_queue(struct drv_conn *c, const char *line, size_t n, bool always)
{
	size_t queued = c->len - c->off;

	if (!always && !drv_queue_fits(queued, n, c->limit))
		return false;
	if (c->off > 0 && c->off >= c->len / 2) { /* reuse the sent part */
		memmove(c->out, c->out + c->off, queued);
		c->off = 0;
		c->len = queued;
	}
	if (c->len + n > c->cap) {
		c->cap = c->len + n > 2 * c->cap ? c->len + n : 2 * c->cap;
		c->out = xrealloc(c->out, c->cap);
	}
	memcpy(c->out + c->len, line, n);
	c->len += n;
	return true;
}

/* A protocol error: its line, what the socket takes of it, the end. */
static void conn_fail(struct drv_conn *c, enum drv_error e, const char *detail)
{
	size_t n;
	char *line = drv_encode_error(e, detail, &n);

	c->srv->errors[e]++;
	conn_queue(c, line, n, true);
	free(line);
	send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
	conn_drop(c, drv_disconnect_of(e), drv_error_name(e));
}

void driver_server_flush(struct driver_server *s)
{
	struct drv_conn *next;
	uint64_t t0, spent;

	if (!s || !s->unflushed)
		return; /* nothing new since the last flush */
	t0 = mono_now_us();
	s->unflushed = false;
	loop_timer_cancel(s->loop, &s->flush_timer);
	for (struct drv_conn *c = s->conns; c; c = next) {
		next = c->next; /* c may go */
		if (c->len > c->off && !c->want_out)
			conn_flush(c);
	}
	spent = mono_now_us() - t0;
	s->flush_us_max = spent > s->flush_us_max ? spent : s->flush_us_max;
}

static void on_flush(void *arg)
{
	driver_server_flush(arg);
}

/* ---- what a driver says ---- */

static bool wants(const struct drv_conn *c, const char *instance)
{
	if (c->all_instances)
		return true;
	for (size_t i = 0; i < c->nwant; i++)
		if (strcmp(c->want[i], instance) == 0)
			return true;
	return false;
}

static struct drv_conn *find_present(const struct driver_server *s, const char *id)
{
	for (struct drv_conn *c = s->conns; c; c = c->next)
		if (c->session.hello_done && strcmp(c->id, id) == 0)
			return c;
	return NULL;
}

static void remember_seen(struct driver_server *s, const char *id)
{
	if (mono_now_us() >= s->started_us + s->grace_ms * 1000ull || s->nseen >= SEEN_MAX)
		return;
	for (size_t i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i], id) == 0)
			return;
	s->seen = xrealloc(s->seen, (s->nseen + 1) * sizeof(*s->seen));
	snprintf(s->seen[s->nseen++], sizeof(*s->seen), "%s", id);
}

/* Every instance it wants, then "synced". False when it is gone. */
static bool send_snapshot(struct drv_conn *c)
{
	struct driver_server *s = c->srv;
	struct drv_instance_view v;
	size_t total = 0, count = 0, n;
	char *line;

	c->limit = SIZE_MAX; /* the snapshot goes in whole; the limit follows from it */
	for (size_t i = 0; s->hooks.view(s->hooks.arg, i, c->id, &v); i++) {
		if (!wants(c, v.name))
			continue;
		line = drv_encode_snapshot(&v, &n);
		conn_queue(c, line, n, true);
		free(line);
		total += n;
		count++;
	}
	line = drv_encode_synced(s->seq, count, &n);
	conn_queue(c, line, n, true);
	free(line);
	c->session.told_seq = s->seq;
	c->limit = drv_queue_limit(s->queue_bytes, total + n);
	return conn_flush(c);
}

/* The instances a hello names must run here. */
static const char *unknown_instance(const struct driver_server *s, const struct drv_msg *m)
{
	struct drv_instance_view v;

	for (size_t k = 0; k < m->ninstances; k++) {
		bool found = false;
		for (size_t i = 0; !found && s->hooks.view(s->hooks.arg, i, NULL, &v); i++)
			found = strcmp(v.name, m->instances[k]) == 0;
		if (!found)
			return m->instances[k];
	}
	return NULL;
}

/* False when the connection is gone (refused, or it failed). */
static bool on_hello(struct drv_conn *c, const struct drv_msg *m)
{
	struct driver_server *s = c->srv;
	const char *unknown = unknown_instance(s, m);
	struct drv_conn *other = find_present(s, m->id);

	if (unknown) {
		conn_fail(c, DRV_ERR_UNKNOWN_INSTANCE, unknown);
		return false;
	}
	if (other) {
		char detail[sizeof(m->id) + 32];
		snprintf(detail, sizeof(detail), "%s (pid %ld)", m->id, (long)other->pid);
		conn_fail(c, DRV_ERR_DUPLICATE_ID, detail);
		return false;
	}
	loop_timer_cancel(s->loop, &c->hello_timer);
	snprintf(c->id, sizeof(c->id), "%s", m->id);
	c->all_instances = m->all_instances;
	c->nwant = m->ninstances;
	c->want = xcalloc(m->ninstances ? m->ninstances : 1, sizeof(*c->want));
	memcpy(c->want, m->instances, m->ninstances * sizeof(*c->want));
	c->ready = m->ready;
	log_notice("drivers: %s connected (pid %ld, uid %lu, gid %lu), %s%s", c->id, (long)c->pid,
		   (unsigned long)c->uid, (unsigned long)c->gid,
		   c->all_instances ? "all instances" : "some instances",
		   c->ready ? "" : ", not ready");
	remember_seen(s, c->id);
	if (!send_snapshot(c))
		return false;
	presence_changed(s);
	return true;
}

static void on_ack(struct drv_conn *c, const struct drv_msg *m)
{
	struct drv_answer *a = &c->last_answer;

	*a = (struct drv_answer){.any = true, .seq = m->seq, .ok = m->ok,
				 .at_wall_us = wall_now_us()};
	snprintf(a->message, sizeof(a->message), "%s", m->message);
	if (m->ok) {
		c->answers_ok++;
		log_debug("drivers: %s: event %llu done%s%s", c->id, (unsigned long long)m->seq,
			  m->message[0] ? ": " : "", m->message);
		return;
	}
	c->answers_failed++;
	log_ratelimited(&c->answer_log_ms, LOG_LIMIT_MS, LOG_WARNING, "drivers: %s: event %llu failed%s%s",
			c->id, (unsigned long long)m->seq, m->message[0] ? ": " : "", m->message);
}

static void on_ready(struct drv_conn *c, const struct drv_msg *m)
{
	struct driver_server *s = c->srv;
	bool changed = c->ready != m->ready || strcmp(c->ready_message, m->message) != 0;

	c->ready = m->ready;
	snprintf(c->ready_message, sizeof(c->ready_message), "%s", m->ready ? "" : m->message);
	if (!changed)
		return;
	log_ratelimited(&c->ready_log_ms, LOG_LIMIT_MS, LOG_NOTICE, "drivers: %s says it is %s%s%s",
			c->id, m->ready ? "ready" : "not ready", m->message[0] ? ": " : "", m->message);
	presence_changed(s);
}

/* One line. False when the connection is gone. */
static bool conn_line(struct drv_conn *c, const char *line, size_t len)
{
	struct drv_msg m;
	enum drv_error e;

	if (len == 0)
		return true; /* an empty line says nothing */
	e = drv_decode_driver(line, len, &m);
	if (e == DRV_OK)
		e = drv_session_check(&c->session, &m);
	if (e != DRV_OK) {
		conn_fail(c, e, NULL);
		return false;
	}
	switch (m.type) {
	case DRV_MSG_HELLO:
		return on_hello(c, &m);
	case DRV_MSG_ACK:
		on_ack(c, &m);
		break;
	case DRV_MSG_READY:
		on_ready(c, &m);
		break;
	}
	return true;
}

/* Read what came, a bounded amount per wakeup so one chatty driver cannot
 * hold the loop. */
static void conn_read(struct drv_conn *c)
{
	for (int rounds = 0; rounds < 16; rounds++) {
		size_t room;
		char *at = drv_linebuf_space(&c->in, &room);
		ssize_t n = recv(c->fd, at, room, MSG_DONTWAIT);
		char *line;
		size_t len;
		int got;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			conn_drop(c, n == 0 ? DRV_GONE_CLOSED : DRV_GONE_IO, n < 0 ? strerror(errno) : NULL);
			return;
		}
		drv_linebuf_added(&c->in, (size_t)n);
		while ((got = drv_linebuf_next(&c->in, &line, &len)) == 1)
			if (!conn_line(c, line, len))
				return;
		if (got < 0) {
			conn_fail(c, DRV_ERR_TOO_LONG, NULL);
			return;
		}
	}
}

static void conn_on_io(void *arg, uint32_t events)
{
	struct drv_conn *c = arg;

	if ((events & EPOLLOUT) && !conn_flush(c))
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		conn_read(c);
}

static void on_hello_timeout(void *arg)
{
	struct drv_conn *c = arg;

	conn_drop(c, DRV_GONE_HELLO_TIMEOUT, "no hello within 5 s");
}

/* ---- accepting ---- */

static void send_hello(struct drv_conn *c)
{
	struct driver_server *s = c->srv;
	const char **names = NULL;
	struct drv_instance_view v;
	size_t n = 0, len;

	for (; s->hooks.view(s->hooks.arg, n, NULL, &v); n++) {
		names = xrealloc(names, (n + 1) * sizeof(*names));
		names[n] = v.name;
	}
	struct drv_hello_info h = {.node = s->node,
				   .incarnation = s->hooks.incarnation(s->hooks.arg), .instances = names, .ninstances = n};
	char *line = drv_encode_hello(&h, &len);

	conn_queue(c, line, len, true);
	free(line);
	free(names);
	conn_flush(c);
}

static void conn_new(struct driver_server *s, int fd)
{
	struct drv_conn *c = xcalloc(1, sizeof(*c));
	struct ucred cred = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
	socklen_t clen = sizeof(cred);
	int sndbuf = DRIVER_SNDBUF;

	getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &clen);
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	*c = (struct drv_conn){.srv = s, .fd = fd, .pid = cred.pid, .uid = cred.uid,
			       .gid = cred.gid, .since_wall_us = wall_now_us(), .ready = true,
			       .limit = s->queue_bytes};
	c->hello_timer = (struct loop_timer){.fn = on_hello_timeout, .arg = c};
	drv_linebuf_init(&c->in, c->in_buf, sizeof(c->in_buf));
	if (loop_add_fd(s->loop, fd, EPOLLIN, conn_on_io, c) < 0) {
		log_warn("drivers: cannot watch a new connection: %s", strerror(errno));
		close(fd);
		free(c);
		return;
	}
	c->next = s->conns;
	s->conns = c;
	s->nconns++;
	s->connections++;
	log_info("drivers: connection from pid %ld, uid %lu, gid %lu", (long)c->pid,
		 (unsigned long)c->uid, (unsigned long)c->gid);
	if (s->nconns > DRIVER_MAX_CONNECTIONS) {
		conn_drop(c, DRV_GONE_TOO_MANY, "too many drivers connected");
		return;
	}
	loop_timer_arm(s->loop, &c->hello_timer, mono_now_us() + DRIVER_HELLO_TIMEOUT_US);
	send_hello(c);
}

static void on_listen(void *arg, uint32_t events);

static void on_accept_retry(void *arg)
{
	struct driver_server *s = arg;

	if (loop_add_fd(s->loop, s->fd, EPOLLIN, on_listen, s) == 0)
		s->listening = true;
	else
		loop_timer_arm(s->loop, &s->accept_retry, mono_now_us() + ACCEPT_RETRY_US);
}

static void on_listen(void *arg, uint32_t events)
{
	struct driver_server *s = arg;

	(void)events;
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			conn_new(s, fd);
			continue;
		}
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return;
		if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
			continue;
		/* Out of descriptors: the connection stays pending and readable;
		 * leave the socket alone for a while rather than spin on it. */
		log_warn("drivers: accept: %s; pausing for 1 s", strerror(errno));
		loop_del_fd(s->loop, s->fd);
		s->listening = false;
		loop_timer_arm(s->loop, &s->accept_retry, mono_now_us() + ACCEPT_RETRY_US);
		return;
	}
}

/* The socket file's group, by name, without following a link; it must
 * still be the file we bound. */
static void give_to_group(struct driver_server *s, gid_t gid, const char *name)
{
	struct stat st;

	errno = 0;
	if (lstat(s->path, &st) < 0 || st.st_dev != s->dev || st.st_ino != s->ino ||
	    fchownat(AT_FDCWD, s->path, (uid_t)-1, gid, AT_SYMLINK_NOFOLLOW) < 0)
		log_err("drivers: cannot give %s to group %s: %s", s->path, name,
			errno ? strerror(errno) : "the file was replaced");
}

/* The socket is made 0660 root:root, then given to driver_group. */
static void apply_group(struct driver_server *s)
{
	struct group *gr;

	if (!s->ino)
		return;
	if (!s->group) {
		give_to_group(s, 0, "root");
		return;
	}
	gr = getgrnam(s->group);
	if (gr)
		give_to_group(s, gr->gr_gid, s->group);
	else
		log_err("drivers: no group \"%s\": %s stays root's only", s->group, s->path);
}

struct driver_server *driver_server_open(struct loop *l, const struct driver_server_conf *conf,
					 const struct driver_hooks *hooks)
{
	struct driver_server *s = xcalloc(1, sizeof(*s));

	s->loop = l;
	s->hooks = *hooks;
	s->path = xstrdup(conf->path);
	s->group = conf->group ? xstrdup(conf->group) : NULL;
	s->queue_bytes = conf->queue_bytes;
	s->grace_ms = conf->grace_ms;
	s->started_us = conf->started_us;
	s->node = xstrdup(conf->node ? conf->node : "");
	s->accept_retry = (struct loop_timer){.fn = on_accept_retry, .arg = s};
	s->flush_timer = (struct loop_timer){.fn = on_flush, .arg = s};
	s->recheck_timer = (struct loop_timer){.fn = on_presence, .arg = s};
	s->presence_timer = (struct loop_timer){.fn = on_presence, .arg = s};
	s->fd = ctl_unix_listen(s->path, 0660, &s->dev, &s->ino);
	if (s->fd < 0) {
		log_err("drivers: cannot listen on %s: %s (no driver can connect)", s->path,
			strerror(-s->fd));
		return s;
	}
	if (s->group)
		apply_group(s);
	if (loop_add_fd(l, s->fd, EPOLLIN, on_listen, s) < 0) {
		log_err("drivers: cannot watch %s: %s", s->path, strerror(errno));
		return s;
	}
	s->listening = true;
	log_info("drivers: listening on %s (group %s)", s->path, s->group ? s->group : "root");
	return s;
}

void driver_server_close(struct driver_server *s)
{
	if (!s)
		return;
	while (s->conns) {
		struct drv_conn *c = s->conns;

		if (c->len > c->off) /* the last events, as far as the socket takes them */
			send(c->fd, c->out + c->off, c->len - c->off, MSG_NOSIGNAL | MSG_DONTWAIT);
		conn_drop(c, DRV_GONE_SHUTDOWN, NULL);
	}
	loop_timer_cancel(s->loop, &s->accept_retry);
	loop_timer_cancel(s->loop, &s->flush_timer);
	loop_timer_cancel(s->loop, &s->recheck_timer);
	loop_timer_cancel(s->loop, &s->presence_timer);
	if (s->listening)
		loop_del_fd(s->loop, s->fd);
	if (s->fd >= 0) {
		close(s->fd);
		ctl_unix_unlink(s->path, s->dev, s->ino);
	}
	free(s->seen);
	free(s->path);
	free(s->group);
	free(s->node);
	free(s);
}

void driver_server_reconf(struct driver_server *s, const char *group, uint32_t queue_bytes)
{
	bool same = (!group && !s->group) || (group && s->group && strcmp(group, s->group) == 0);

	s->queue_bytes = queue_bytes;
	if (same)
		return;
	free(s->group);
	s->group = group ? xstrdup(group) : NULL;
	apply_group(s);
	log_notice("reload: driver socket %s now for group %s", s->path, s->group ? s->group : "root");
}

/* ---- events and presence ---- */

uint64_t driver_server_next_seq(struct driver_server *s)
{
	return ++s->seq;
}

/* A numbered line about e->now.name (an event or a drain) for every driver
 * that wants that instance. */
static void broadcast(struct driver_server *s, const struct drv_event *e,
		      char *(*encode)(const struct drv_event *, size_t *))
{
	uint64_t t0 = mono_now_us(), spent;
	struct drv_conn *next;
	size_t n;
	char *line = NULL;

	for (struct drv_conn *c = s->conns; c; c = next) {
		next = c->next;
		if (!c->session.hello_done || !wants(c, e->now.name))
			continue;
		if (!line)
			line = encode(e, &n);
		if (!conn_queue(c, line, n, false)) {
			char detail[96];
			snprintf(detail, sizeof(detail), "%zu bytes waiting, event %llu would pass %zu",
				 c->len - c->off, (unsigned long long)e->seq, c->limit);
			conn_drop(c, DRV_GONE_QUEUE_FULL, detail);
			continue;
		}
		c->session.told_seq = e->seq;
		c->events_sent++;
		c->last_seq_sent = e->seq;
		c->last_sent_wall_us = e->wall_us;
	}
	free(line);
	/* Sent after the batch (driver_server_flush from the idle hook, or
	 * the timer): waking drivers must not come before this batch's
	 * adverts and VIPs, nor hand them the CPU in the middle of it. */
	s->unflushed = true;
	if (!s->flush_timer.armed)
		loop_timer_arm(s->loop, &s->flush_timer, 0);
	spent = mono_now_us() - t0;
	s->event_us_max = spent > s->event_us_max ? spent : s->event_us_max;
}

void driver_server_event(struct driver_server *s, const struct drv_event *e)
{
	broadcast(s, e, drv_encode_event);
}

void driver_server_drain(struct driver_server *s, const struct drv_event *e)
{
	broadcast(s, e, drv_encode_drain);
}

static bool was_seen(const struct driver_server *s, const char *id)
{
	for (size_t i = 0; i < s->nseen; i++)
		if (strcmp(s->seen[i], id) == 0)
			return true;
	return false;
}

void driver_server_presence(const struct driver_server *s, const char *id,
			    struct drv_presence *p, const char **message)
{
	const struct drv_conn *c = find_present(s, id);

	p->connected = c != NULL;
	p->ready = c && c->ready;
	p->seen = c || was_seen(s, id);
	*message = c ? c->ready_message : "";
}


void driver_server_recheck_at(struct driver_server *s, uint64_t at)
{
	if (at)
		loop_timer_arm(s->loop, &s->recheck_timer, at);
	else
		loop_timer_cancel(s->loop, &s->recheck_timer);
}

/* ---- status and metrics ---- */

static json_object *jstr(const char *s)
{
	return json_object_new_string(s ? s : "");
}

static json_object *jtime(uint64_t wall_us)
{
	char buf[DRV_TIME_STRLEN];

	return wall_us ? jstr(drv_time_str(wall_us, buf)) : NULL;
}

static json_object *answer_json(const struct drv_answer *a)
{
	json_object *o;

	if (!a->any)
		return NULL;
	o = json_object_new_object();
	json_object_object_add(o, "seq", json_object_new_uint64(a->seq));
	json_object_object_add(o, "ok", json_object_new_boolean(a->ok));
	json_object_object_add(o, "message", jstr(a->message));
	json_object_object_add(o, "time", jtime(a->at_wall_us));
	return o;
}

static json_object *conn_json(const struct drv_conn *c)
{
	json_object *o = json_object_new_object();
	json_object *want = json_object_new_array();

	for (size_t i = 0; i < c->nwant; i++)
		json_object_array_add(want, jstr(c->want[i]));
	json_object_object_add(o, "id", c->id[0] ? jstr(c->id) : NULL);
	json_object_object_add(o, "pid", json_object_new_int64(c->pid));
	json_object_object_add(o, "uid", json_object_new_int64(c->uid));
	json_object_object_add(o, "gid", json_object_new_int64(c->gid));
	json_object_object_add(o, "connected_since", jtime(c->since_wall_us));
	json_object_object_add(o, "instances", c->all_instances ? jstr("all") : want);
	if (c->all_instances)
		json_object_put(want);
	json_object_object_add(o, "ready", json_object_new_boolean(c->ready));
	json_object_object_add(o, "ready_message", c->ready ? NULL : jstr(c->ready_message));
	json_object_object_add(o, "events_sent", json_object_new_uint64(c->events_sent));
	json_object_object_add(o, "last_event_seq", json_object_new_uint64(c->last_seq_sent));
	json_object_object_add(o, "last_event_time", jtime(c->last_sent_wall_us));
	json_object_object_add(o, "last_answer", answer_json(&c->last_answer));
	json_object_object_add(o, "answers_ok", json_object_new_uint64(c->answers_ok));
	json_object_object_add(o, "failures", json_object_new_uint64(c->answers_failed));
	json_object_object_add(o, "queue_bytes", json_object_new_uint64(c->len - c->off));
	json_object_object_add(o, "queue_limit_bytes", json_object_new_uint64(c->limit));
	return o;
}

json_object *driver_server_json(const struct driver_server *s)
{
	json_object *o = json_object_new_object();
	json_object *list = json_object_new_array();
	json_object *gone = json_object_new_object();
	json_object *errs = json_object_new_object();

	for (const struct drv_conn *c = s->conns; c; c = c->next)
		json_object_array_add(list, conn_json(c));
	for (int i = 0; i < DRV_GONE__COUNT; i++)
		json_object_object_add(gone, drv_disconnect_name(i), json_object_new_uint64(s->gone[i]));
	for (int i = 1; i < DRV_ERR__COUNT; i++)
		json_object_object_add(errs, drv_error_name(i), json_object_new_uint64(s->errors[i]));
	json_object_object_add(o, "socket", jstr(s->path));
	json_object_object_add(o, "listening", json_object_new_boolean(s->listening));
	json_object_object_add(o, "group", s->group ? jstr(s->group) : NULL);
	json_object_object_add(o, "seq", json_object_new_uint64(s->seq));
	json_object_object_add(o, "connected", json_object_new_int((int)s->nconns));
	json_object_object_add(o, "connections", json_object_new_uint64(s->connections));
	json_object_object_add(o, "disconnects", gone);
	json_object_object_add(o, "errors", errs);
	json_object_object_add(o, "queue_bytes", json_object_new_uint64(s->queue_bytes));
	json_object_object_add(o, "event_max_us", json_object_new_uint64(s->event_us_max));
	json_object_object_add(o, "flush_max_us", json_object_new_uint64(s->flush_us_max));
	json_object_object_add(o, "drivers", list);
	return o;
}

static const char *jget(json_object *o, const char *key)
{
	json_object *v = json_object_object_get(o, key);

	return v ? json_object_get_string(v) : "-";
}

void driver_server_text(FILE *f, json_object *d)
{
	json_object *list = json_object_object_get(d, "drivers");
	json_object *gone = json_object_object_get(d, "disconnects");
	bool any = false;

	fprintf(f, "drivers: %s on %s, %d connected, %s connections, event seq %s\n",
		json_object_get_boolean(json_object_object_get(d, "listening")) ? "listening" :
		"NOT LISTENING", jget(d, "socket"), json_object_get_int(json_object_object_get(d, "connected")),
		jget(d, "connections"), jget(d, "seq"));
	json_object_object_foreach(gone, reason, count) {
		if (json_object_get_uint64(count) == 0)
			continue;
		fprintf(f, "%s%s %s", any ? ", " : "  disconnects: ", reason,
			json_object_get_string(count));
		any = true;
	}
	if (any)
		fputc('\n', f);
	for (size_t i = 0; i < json_object_array_length(list); i++) {
		json_object *c = json_object_array_get_idx(list, i);
		json_object *ans = json_object_object_get(c, "last_answer");

		fprintf(f, "  %-16s pid %s, uid %s, connected since %s, %s, last event %s, queue %s B, "
			"failures %s", jget(c, "id"), jget(c, "pid"), jget(c, "uid"),
			jget(c, "connected_since"),
			json_object_get_boolean(json_object_object_get(c, "ready")) ? "ready" : "NOT READY",
			jget(c, "last_event_seq"), jget(c, "queue_bytes"), jget(c, "failures"));
		if (ans)
			fprintf(f, ", last answer %s %s%s%s", jget(ans, "seq"),
				json_object_get_boolean(json_object_object_get(ans, "ok")) ? "ok" : "FAILED",
				strlen(jget(ans, "message")) ? ": " : "", jget(ans, "message"));
		fputc('\n', f);
	}
}

void driver_server_metrics(FILE *f, const struct driver_server *s)
{
	fprintf(f, "# HELP clustd_drivers_connected Connections to the driver socket.\n"
		   "# TYPE clustd_drivers_connected gauge\nclustd_drivers_connected %u\n", s->nconns);
	fprintf(f, "# HELP clustd_driver_connections_total Connections accepted on the driver socket.\n"
		   "# TYPE clustd_driver_connections_total counter\n"
		   "clustd_driver_connections_total %llu\n", (unsigned long long)s->connections);
	fprintf(f, "# HELP clustd_driver_disconnects_total Driver connections ended, by reason.\n"
		   "# TYPE clustd_driver_disconnects_total counter\n");
	for (int i = 0; i < DRV_GONE__COUNT; i++)
		fprintf(f, "clustd_driver_disconnects_total{reason=\"%s\"} %llu\n",
			drv_disconnect_name(i), (unsigned long long)s->gone[i]);
	fprintf(f, "# HELP clustd_driver_event_max_seconds Longest time the event loop spent queueing "
		   "one transition for the drivers.\n# TYPE clustd_driver_event_max_seconds gauge\n"
		   "clustd_driver_event_max_seconds %.6f\n", (double)s->event_us_max / 1e6);
	fprintf(f, "# HELP clustd_driver_flush_max_seconds Longest time the event loop spent sending "
		   "the queued lines to the drivers.\n# TYPE clustd_driver_flush_max_seconds gauge\n"
		   "clustd_driver_flush_max_seconds %.6f\n", (double)s->flush_us_max / 1e6);
	fprintf(f, "# HELP clustd_driver_events_total Transitions numbered for the drivers.\n"
		   "# TYPE clustd_driver_events_total counter\n"
		   "clustd_driver_events_total %llu\n", (unsigned long long)s->seq);
	/* Ids are [A-Za-z0-9._@:-] (driver_id_valid): label values as they are. */
	fprintf(f, "# HELP clustd_driver_ready 1 while the driver says it is ready.\n"
		   "# TYPE clustd_driver_ready gauge\n");
	for (const struct drv_conn *c = s->conns; c; c = c->next)
		if (c->id[0])
			fprintf(f, "clustd_driver_ready{driver=\"%s\"} %d\n", c->id, c->ready);
	fprintf(f, "# HELP clustd_driver_queue_bytes Bytes waiting for the driver to read them.\n"
		   "# TYPE clustd_driver_queue_bytes gauge\n");
	for (const struct drv_conn *c = s->conns; c; c = c->next)
		if (c->id[0])
			fprintf(f, "clustd_driver_queue_bytes{driver=\"%s\"} %zu\n", c->id, c->len - c->off);
	fprintf(f, "# HELP clustd_driver_answers_total Answers of the driver to events, by result.\n"
		   "# TYPE clustd_driver_answers_total counter\n");
	for (const struct drv_conn *c = s->conns; c; c = c->next)
		if (c->id[0])
			fprintf(f, "clustd_driver_answers_total{driver=\"%s\",result=\"ok\"} %llu\n"
				   "clustd_driver_answers_total{driver=\"%s\",result=\"failed\"} %llu\n",
				c->id, (unsigned long long)c->answers_ok, c->id,
				(unsigned long long)c->answers_failed);
}
