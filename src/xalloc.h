/* SPDX-License-Identifier: GPL-2.0-or-later */
/* xalloc.h - clustd's out-of-memory policy: an allocation that fails logs
 * "out of memory" and aborts. A daemon that carries on with a NULL, or
 * drops the work that needed the memory, ends up in a state nobody
 * tested; systemd restarts an aborted clustd, and a fresh start re-reads
 * everything. These never return NULL. */
#ifndef CLUSTD_XALLOC_H
#define CLUSTD_XALLOC_H

#include <stdarg.h>
#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* Logs "out of memory" (what for) and aborts: for allocations made by
 * other means (open_memstream, a library's constructor). */
_Noreturn void xalloc_fail(const char *what);

#endif
