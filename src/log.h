/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.h - one line per event: stderr in the foreground, syslog otherwise. */
#ifndef CLUSTD_LOG_H
#define CLUSTD_LOG_H

#include <stdbool.h>
#include <syslog.h>

/* Levels are syslog's: LOG_ERR, LOG_WARNING, LOG_NOTICE, LOG_INFO, LOG_DEBUG. */
void log_init(const char *ident, bool to_stderr, int max_level);
void log_set_level(int max_level);
/* "error", "warning", "notice", "info", "debug" -> level; -1 if unknown. */
int log_level_parse(const char *name);

void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_notice(...) log_msg(LOG_NOTICE, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* Logs at most once per interval_ms per call site (state kept in *last). */
void log_ratelimited(unsigned long long *last_ms, unsigned interval_ms, int level,
		     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

#endif
