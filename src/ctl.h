/* SPDX-License-Identifier: GPL-2.0-or-later */
/* ctl.h - the local control socket (run_dir/clustd.sock, AF_UNIX stream,
 * mode 0600 by default). A client sends one request line ("status",
 * "status json", ...) and reads the reply until the daemon closes. The
 * server never blocks the loop: sockets are non-blocking and replies are
 * written as the peer drains them. */
#ifndef CLUSTD_CTL_H
#define CLUSTD_CTL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "loop.h"

struct ctl_server;

/* Build the reply to one request line (without the newline). Returns a
 * malloc'd NUL-terminated string (the server frees it), or NULL after
 * ctl_defer. */
typedef char *(*ctl_handler_fn)(void *arg, const char *request);

/* A request answered later (`clustd handover` waits for the outcome): the
 * handler calls ctl_defer and returns NULL; the daemon answers with
 * ctl_pending_reply. on_gone(arg) is called instead if the client leaves
 * or the server closes first, after which the handle is gone. A deferred
 * client is closed (on_gone) after CTL_DEFER_TIMEOUT_MS. */
struct ctl_pending;
#define CTL_DEFER_TIMEOUT_MS 60000
struct ctl_pending *ctl_defer(struct ctl_server *s, void (*on_gone)(void *arg), void *arg);
/* The reply (malloc'd; the server frees it): sent, then the connection
 * closes. */
void ctl_pending_reply(struct ctl_pending *p, char *reply);

/* Listen on path (an old socket file there is replaced). NULL on failure
 * (logged). At most 16 clients at once; a request line longer than 1 KiB
 * or not complete within 2 s closes the connection. */
struct ctl_server *ctl_server_open(struct loop *l, const char *path, ctl_handler_fn fn, void *arg);
/* Closes every connection and unlinks the socket file. */
void ctl_server_close(struct ctl_server *s);

/* A listening AF_UNIX stream socket at path (non-blocking, close-on-exec)
 * with the permission bits `mode` (0600, 0660), given through the umask,
 * never by a chmod of the path; a stale socket file there is replaced,
 * anything else is not (-EEXIST). Returns the fd and the file's identity
 * in *dev, *ino, or -errno. */
int ctl_unix_listen(const char *path, mode_t mode, dev_t *dev, ino_t *ino);
/* Unlink path while it is still the socket file (dev, ino) we made: a newer
 * daemon may have replaced it. */
void ctl_unix_unlink(const char *path, dev_t dev, ino_t ino);

/* Client side, for `clustd status`: connect to path, send request + "\n",
 * copy the reply to out. Returns 0, or -errno (connection refused, no such
 * file...) with nothing written. Bounded by timeout_ms overall. */
int ctl_request(const char *path, const char *request, FILE *out, int timeout_ms);

#endif
