/* SPDX-License-Identifier: GPL-2.0-or-later */
/* log.c - one line per event, to stderr (foreground) or syslog. */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define LOG_LINE_MAX 1024

static struct {
	char ident[32];
	bool to_stderr;
	int max_level;
} log_cfg = { "clustd", true, LOG_INFO };

static const char *const level_names[] = {
	[LOG_EMERG] = "emerg",   [LOG_ALERT] = "alert", [LOG_CRIT] = "crit",
	[LOG_ERR] = "error",     [LOG_WARNING] = "warning",
	[LOG_NOTICE] = "notice", [LOG_INFO] = "info",   [LOG_DEBUG] = "debug",
};

void log_init(const char *ident, bool to_stderr, int max_level)
{
	if (ident && *ident)
		snprintf(log_cfg.ident, sizeof(log_cfg.ident), "%s", ident);
	log_cfg.to_stderr = to_stderr;
	log_set_level(max_level);
	if (!to_stderr)
		openlog(log_cfg.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_level(int max_level)
{
	if (max_level < LOG_EMERG)
		max_level = LOG_EMERG;
	if (max_level > LOG_DEBUG)
		max_level = LOG_DEBUG;
	log_cfg.max_level = max_level;
}

int log_level_parse(const char *name)
{
	static const struct {
		const char *name;
		int level;
	} aliases[] = { { "err", LOG_ERR }, { "warn", LOG_WARNING } };

	if (!name)
		return -1;
	for (int i = LOG_ERR; i <= LOG_DEBUG; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcasecmp(name, aliases[i].name))
			return aliases[i].level;
	return -1;
}

/* "2026-11-24T09:41:02.123 " in local time; returns the length written. */
static size_t format_timestamp(char *buf, size_t size)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	if (!localtime_r(&ts.tv_sec, &tm))
		return 0;
	n = strftime(buf, size, "%Y-%m-%dT%H:%M:%S", &tm);
	if (n == 0)
		return 0;
	int m = snprintf(buf + n, size - n, ".%03ld ", ts.tv_nsec / 1000000);
	return (m > 0 && (size_t)m < size - n) ? n + (size_t)m : n;
}

/* The whole line goes out in one write() so concurrent writers (scripts
 * sharing our stderr) cannot split it. */
static void log_to_stderr(int level, const char *fmt, va_list ap)
{
	char line[LOG_LINE_MAX];
	size_t len = format_timestamp(line, sizeof(line));
	int n;

	n = snprintf(line + len, sizeof(line) - len, "%s[%ld]: %s: ", log_cfg.ident,
		     (long)getpid(), level_names[level]);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	if (n > 0)
		len += (size_t)n < sizeof(line) - len ? (size_t)n : sizeof(line) - len - 1;
	while (len > 0 && line[len - 1] == '\n')
		len--;
	line[len++] = '\n'; /* len <= sizeof(line) - 1 here */
	if (write(STDERR_FILENO, line, len) < 0) {
		/* Nowhere left to report it. */
	}
}

static void log_vmsg(int level, const char *fmt, va_list ap)
{
	int saved_errno = errno;

	if (level < LOG_EMERG || level > LOG_DEBUG)
		level = LOG_ERR;
	if (level > log_cfg.max_level)
		return;
	if (log_cfg.to_stderr)
		log_to_stderr(level, fmt, ap);
	else
		vsyslog(level, fmt, ap);
	errno = saved_errno;
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}

void log_ratelimited(unsigned long long *last_ms, unsigned interval_ms, int level,
		     const char *fmt, ...)
{
	unsigned long long now = mono_now_ms();
	va_list ap;

	/* *last_ms == 0 means "never logged". */
	if (*last_ms != 0 && now - *last_ms < interval_ms)
		return;
	*last_ms = now ? now : 1;
	va_start(ap, fmt);
	log_vmsg(level, fmt, ap);
	va_end(ap);
}
