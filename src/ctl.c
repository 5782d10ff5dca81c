/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl.c - the local control socket. The server side lives on the loop and
 * never blocks: one small state per client (request line buffer, deadline
 * timer, pending reply). The client side is a plain blocking exchange
 * bounded by poll(), for the short-lived `clustd status` process. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "xalloc.h"

#define CTL_MAX_CLIENTS    16
#define CTL_LINE_MAX       1024     /* request line, terminator excluded */
#define CTL_READ_TIMEOUT_MS 2000    /* to receive the whole request line */
/* To drain the reply: a client stopped mid-read (Ctrl-Z on `clustd status`)
 * must not hold a slot forever. */
#define CTL_WRITE_TIMEOUT_MS 10000
#define CTL_ACCEPT_RETRY_MS 1000    /* after EMFILE and friends */
#define CTL_REPLY_MAX      (16u << 20) /* client side sanity bound */
#define MS                 1000u

struct ctl_client {
	struct ctl_server *srv;
	int fd;
	bool writing;           /* request handled, reply being sent */
	bool deferred;          /* the reply comes later (ctl_defer) */
	void (*on_gone)(void *arg);
	void *gone_arg;
	bool want_out;          /* registered for EPOLLOUT */
	struct loop_timer deadline;
	size_t rlen;
	/* The line, its "\r\n" and a NUL: a line one byte too long still fits,
	 * so it is told apart from one that is merely unterminated yet. */
	char rbuf[CTL_LINE_MAX + 3];
	char *reply;
	size_t reply_len;
	size_t reply_off;
};

struct ctl_server {
	struct loop *loop;
	int fd;
	bool listening;         /* fd registered on the loop */
	char *path;
	dev_t dev;              /* identity of the socket file we created */
	ino_t ino;
	ctl_handler_fn fn;
	void *arg;
	struct loop_timer accept_retry;
	struct ctl_client *clients[CTL_MAX_CLIENTS];
	unsigned nclients;
	struct ctl_client *answering; /* the client whose request fn handles now */
};

/* ---- server: one client ---- */

static void client_close(struct ctl_client *c)
{
	struct ctl_server *s = c->srv;

	if (c->deferred && c->on_gone)
		c->on_gone(c->gone_arg); /* its reply will never be asked for */
	loop_timer_cancel(s->loop, &c->deadline);
	loop_del_fd(s->loop, c->fd);
	close(c->fd);
	for (unsigned i = 0; i < s->nclients; i++) {
		if (s->clients[i] == c) {
			s->clients[i] = s->clients[--s->nclients];
			s->clients[s->nclients] = NULL;
			break;
		}
	}
	free(c->reply);
	free(c);
}

static void on_client_io(void *arg, uint32_t events);

/* Switch the epoll interest between reading the request and writing the
 * reply (loop.h has no "modify", so re-register). */
static int client_watch(struct ctl_client *c, uint32_t events)
{
	loop_del_fd(c->srv->loop, c->fd);
	return loop_add_fd(c->srv->loop, c->fd, events, on_client_io, c);
}

static void on_client_deadline(void *arg)
{
	struct ctl_client *c = arg;

	log_debug("ctl: client timed out %s", c->writing ? "reading the reply" : "sending its request");
	client_close(c);
}

/* Bytes the peer sent after its request line would turn our close() into a
 * reset on its side (AF_UNIX does that), losing the reply: drop them. */
static void client_discard_input(struct ctl_client *c)
{
	char junk[512];

	for (int i = 0; i < 8; i++)
		if (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			break;
}

/* Send what the socket takes; close once all is out. */
static void client_flush(struct ctl_client *c)
{
	while (c->reply_off < c->reply_len) {
		ssize_t n = send(c->fd, c->reply + c->reply_off, c->reply_len - c->reply_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n > 0) {
			c->reply_off += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->want_out) {
				if (client_watch(c, EPOLLOUT) < 0) {
					log_warn("ctl: cannot watch client socket: %s", strerror(errno));
					client_close(c);
					return;
				}
				c->want_out = true;
			}
			return;
		}
		/* EPIPE / ECONNRESET: the peer went away, nothing to report. */
		log_debug("ctl: client gone during reply: %s", n < 0 ? strerror(errno) : "no progress");
		client_close(c);
		return;
	}
	client_discard_input(c);
	client_close(c);
}

/* A full line sits in rbuf[0..len): answer it. The handler must not close
 * the server (c is still in use after it returns). */
static void client_answer(struct ctl_client *c, size_t len)
{
	struct ctl_server *s = c->srv;

	if (len && c->rbuf[len - 1] == '\r')
		len--;
	if (len > CTL_LINE_MAX) {
		log_debug("ctl: request line too long");
		client_close(c);
		return;
	}
	c->rbuf[len] = '\0';
	c->writing = true;
	s->answering = c;
	c->reply = s->fn(s->arg, c->rbuf);
	s->answering = NULL;
	if (!c->reply && c->deferred) {
		loop_timer_arm(s->loop, &c->deadline, mono_now_us() + CTL_DEFER_TIMEOUT_MS * MS);
		return;
	}
	if (!c->reply) {
		log_warn("ctl: no reply to \"%s\"", c->rbuf);
		client_close(c);
		return;
	}
	c->reply_len = strlen(c->reply);
	loop_timer_arm(s->loop, &c->deadline, mono_now_us() + CTL_WRITE_TIMEOUT_MS * MS);
	client_flush(c);
}

/* Gather the request line; everything after it is ignored. */
static void client_read(struct ctl_client *c)
{
	const size_t cap = sizeof(c->rbuf) - 1; /* keep room for the NUL */

	while (c->rlen < cap) {
		ssize_t n = recv(c->fd, c->rbuf + c->rlen, cap - c->rlen, MSG_DONTWAIT);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			log_debug("ctl: client left before a full request line");
			client_close(c);
			return;
		}
		nl = memchr(c->rbuf + c->rlen, '\n', (size_t)n);
		c->rlen += (size_t)n;
		if (nl) {
			client_answer(c, (size_t)(nl - c->rbuf));
			return;
		}
	}
	log_debug("ctl: request line too long");
	client_close(c);
}

/* A client waiting for a deferred reply sends nothing more: what it sends
 * is dropped; its leaving ends the wait. */
static void client_wait(struct ctl_client *c)
{
	char junk[512];

	for (int i = 0; i < 8; i++) {
		ssize_t n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);

		if (n > 0 || (n < 0 && errno == EINTR))
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		log_debug("ctl: client left before its deferred reply");
		client_close(c);
		return;
	}
}

static void on_client_io(void *arg, uint32_t events)
{
	struct ctl_client *c = arg;

	if (c->deferred) {
		client_wait(c);
		return;
	}
	if (!c->writing) {
		/* Read even on EPOLLHUP: the line may have come with the hang-up. */
		client_read(c);
		return;
	}
	if (events & (EPOLLERR | EPOLLHUP)) {
		log_debug("ctl: client hung up during reply");
		client_close(c);
		return;
	}
	client_flush(c);
}

static void client_log_peer(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0)
		log_debug("ctl: client connected (pid %ld, uid %lu)", (long)cred.pid,
			  (unsigned long)cred.uid);
	else
		log_debug("ctl: client connected (peer unknown: %s)", strerror(errno));
}

static void client_new(struct ctl_server *s, int fd)
{
	struct ctl_client *c;

	if (s->nclients >= CTL_MAX_CLIENTS) {
		log_debug("ctl: %d clients already, closing a new one", CTL_MAX_CLIENTS);
		close(fd);
		return;
	}
	c = xcalloc(1, sizeof(*c));
	c->srv = s;
	c->fd = fd;
	c->deadline.fn = on_client_deadline;
	c->deadline.arg = c;
	if (loop_add_fd(s->loop, fd, EPOLLIN, on_client_io, c) < 0) {
		log_warn("ctl: cannot watch client socket: %s", strerror(errno));
		close(fd);
		free(c);
		return;
	}
	s->clients[s->nclients++] = c;
	client_log_peer(fd);
	loop_timer_arm(s->loop, &c->deadline, mono_now_us() + CTL_READ_TIMEOUT_MS * MS);
}

struct ctl_pending *ctl_defer(struct ctl_server *s, void (*on_gone)(void *arg), void *arg)
{
	struct ctl_client *c = s->answering;

	if (!c)
		return NULL;
	c->deferred = true;
	c->on_gone = on_gone;
	c->gone_arg = arg;
	return (struct ctl_pending *)c;
}

void ctl_pending_reply(struct ctl_pending *p, char *reply)
{
	struct ctl_client *c = (struct ctl_client *)p;

	c->deferred = false;
	c->reply = reply;
	c->reply_len = strlen(reply);
	loop_timer_arm(c->srv->loop, &c->deadline, mono_now_us() + CTL_WRITE_TIMEOUT_MS * MS);
	client_flush(c);
}

/* ---- server: listening ---- */

static void on_listen(void *arg, uint32_t events);

static void on_accept_retry(void *arg)
{
	struct ctl_server *s = arg;

	if (loop_add_fd(s->loop, s->fd, EPOLLIN, on_listen, s) == 0)
		s->listening = true;
	else
		loop_timer_arm(s->loop, &s->accept_retry, mono_now_us() + CTL_ACCEPT_RETRY_MS * MS);
}

/* Out of descriptors: the pending connection stays readable, so leave the
 * listening socket alone for a while instead of spinning on it. */
static void listen_pause(struct ctl_server *s, int err)
{
	log_warn("ctl: accept: %s; pausing for %u ms", strerror(err), CTL_ACCEPT_RETRY_MS);
	loop_del_fd(s->loop, s->fd);
	s->listening = false;
	loop_timer_arm(s->loop, &s->accept_retry, mono_now_us() + CTL_ACCEPT_RETRY_MS * MS);
}

static void on_listen(void *arg, uint32_t events)
{
	struct ctl_server *s = arg;

	(void)events;
	for (;;) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd >= 0) {
			client_new(s, fd);
			continue;
		}
		switch (errno) {
		case EAGAIN:
#if EWOULDBLOCK != EAGAIN
		case EWOULDBLOCK:
#endif
			return;
		case EINTR:
		case ECONNABORTED:
		case EPROTO:
			continue;
		default:
			listen_pause(s, errno);
			return;
		}
	}
}

static int fill_addr(struct sockaddr_un *sun, const char *path)
{
	size_t len = strlen(path);

	if (len == 0)
		return -EINVAL;
	if (len >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, len + 1);
	return 0;
}

/* Remove a socket left by a previous run; anything else at path is not
 * ours to delete. */
static int remove_stale(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	if (unlink(path) < 0 && errno != ENOENT)
		return -errno;
	return 0;
}

void ctl_unix_unlink(const char *path, dev_t dev, ino_t ino)
{
	struct stat st;

	if (!ino)
		return;
	if (lstat(path, &st) == 0 && st.st_dev == dev && st.st_ino == ino)
		unlink(path);
}

int ctl_unix_listen(const char *path, mode_t mode, dev_t *dev, ino_t *ino)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, rc = fill_addr(&sun, path);

	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = remove_stale(path);
	if (rc == 0) {
		/* The mode comes from the umask: no chmod of the path
		 * afterwards, which would follow a link planted there meanwhile. */
		mode_t umask_was = umask(~mode & 0777);

		rc = bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ? -errno : 0;
		umask(umask_was);
	}
	if (rc == 0 && lstat(path, &st) < 0)
		rc = -errno;
	if (rc == 0 && listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		ctl_unix_unlink(path, st.st_dev, st.st_ino);
	}
	if (rc < 0) {
		close(fd);
		return rc;
	}
	*dev = st.st_dev;
	*ino = st.st_ino;
	return fd;
}

static int server_listen(struct ctl_server *s)
{
	s->fd = ctl_unix_listen(s->path, 0600, &s->dev, &s->ino);
	if (s->fd < 0)
		return s->fd;
	if (loop_add_fd(s->loop, s->fd, EPOLLIN, on_listen, s) < 0)
		return -errno;
	s->listening = true;
	return 0;
}


struct ctl_server *ctl_server_open(struct loop *l, const char *path, ctl_handler_fn fn, void *arg)
{
	struct ctl_server *s;
	int rc;

	if (!l || !path || !fn) {
		log_err("ctl: bad arguments");
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	s->path = xstrdup(path);
	s->loop = l;
	s->fd = -1;
	s->fn = fn;
	s->arg = arg;
	s->accept_retry.fn = on_accept_retry;
	s->accept_retry.arg = s;
	rc = server_listen(s);
	if (rc < 0) {
		log_err("ctl: cannot listen on %s: %s", path, strerror(-rc));
		ctl_server_close(s);
		return NULL;
	}
	log_debug("ctl: listening on %s", path);
	return s;
}

void ctl_server_close(struct ctl_server *s)
{
	if (!s)
		return;
	while (s->nclients)
		client_close(s->clients[0]);
	loop_timer_cancel(s->loop, &s->accept_retry);
	if (s->listening)
		loop_del_fd(s->loop, s->fd);
	if (s->fd >= 0)
		close(s->fd);
	ctl_unix_unlink(s->path, s->dev, s->ino);
	free(s->path);
	free(s);
}

/* ---- client ---- */

static int remaining_ms(uint64_t deadline_us, int timeout_ms)
{
	uint64_t now;

	if (timeout_ms < 0)
		return -1;
	now = mono_now_us();
	if (now >= deadline_us)
		return 0;
	return (int)((deadline_us - now + MS - 1) / MS);
}

/* Wait for events on fd until the overall deadline. 0, or -errno. */
static int wait_fd(int fd, short events, uint64_t deadline_us, int timeout_ms)
{
	for (;;) {
		struct pollfd pfd = { .fd = fd, .events = events };
		int ms = remaining_ms(deadline_us, timeout_ms);
		int n;

		if (ms == 0)
			return -ETIMEDOUT;
		n = poll(&pfd, 1, ms);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
}

/* A full backlog makes connect() wait; SO_SNDTIMEO bounds that wait. */
static int request_connect(const char *path, int timeout_ms)
{
	struct sockaddr_un sun;
	int fd, rc = fill_addr(&sun, path);

	if (rc < 0)
		return rc;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (timeout_ms >= 0) {
		struct timeval tv = { .tv_sec = timeout_ms / 1000,
				      .tv_usec = (timeout_ms % 1000) * 1000 };

		if (tv.tv_sec == 0 && tv.tv_usec == 0)
			tv.tv_usec = 1; /* zero would mean "forever" */
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		if (errno == EINTR)
			continue;
		rc = errno == EAGAIN ? -ETIMEDOUT : -errno;
		close(fd);
		return rc;
	}
	if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

static int request_send(int fd, const char *request, uint64_t deadline, int timeout_ms)
{
	size_t len = strlen(request), off = 0;
	char *line = xmalloc(len + 2);
	int rc = 0;

	memcpy(line, request, len);
	line[len++] = '\n';
	while (off < len && rc == 0) {
		ssize_t n = send(fd, line + off, len - off, MSG_NOSIGNAL);

		if (n > 0)
			off += (size_t)n;
		else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			rc = wait_fd(fd, POLLOUT, deadline, timeout_ms);
		else if (n < 0 && errno != EINTR)
			rc = -errno;
	}
	free(line);
	return rc;
}

/* Read until EOF into a growing buffer; *buf is the caller's to free. */
static int request_receive(int fd, char **buf, size_t *len, uint64_t deadline, int timeout_ms)
{
	size_t cap = 0;

	*buf = NULL;
	*len = 0;
	for (;;) {
		ssize_t n;
		int rc;

		if (cap - *len < 4096) {
			if (cap >= CTL_REPLY_MAX)
				return -EMSGSIZE;
			cap = cap ? cap * 2 : 16384;
			*buf = xrealloc(*buf, cap);
		}
		n = recv(fd, *buf + *len, cap - *len, 0);
		if (n > 0) {
			*len += (size_t)n;
			continue;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			return -errno;
		rc = wait_fd(fd, POLLIN, deadline, timeout_ms);
		if (rc < 0)
			return rc;
	}
}

/* A server that closes without a byte did not answer (it was full, or
 * the request was refused): that is an error, not an empty reply. A
 * negative timeout_ms waits forever. */
int ctl_request(const char *path, const char *request, FILE *out, int timeout_ms)
{
	uint64_t deadline = mono_now_us() + (uint64_t)(timeout_ms > 0 ? timeout_ms : 0) * MS;
	char *reply = NULL;
	size_t len = 0;
	int fd, rc;

	if (!path || !request || !out || strchr(request, '\n'))
		return -EINVAL;
	fd = request_connect(path, timeout_ms);
	if (fd < 0)
		return fd;
	rc = request_send(fd, request, deadline, timeout_ms);
	if (rc == 0)
		rc = request_receive(fd, &reply, &len, deadline, timeout_ms);
	close(fd);
	if (rc == 0 && len == 0)
		rc = -ECONNRESET;
	errno = 0;
	if (rc == 0 && (fwrite(reply, 1, len, out) != len || fflush(out) != 0))
		rc = errno ? -errno : -EIO;
	free(reply);
	return rc;
}
