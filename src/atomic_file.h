/* SPDX-License-Identifier: GPL-2.0-or-later */
/* atomic_file.h - replace a file so that a reader sees the old or the new
 * content whole, never a mix: write a temp file in the same directory, then
 * rename it over the target. Durable mode also fsyncs the temp file before
 * the rename and the directory after it, so the new content survives a
 * crash (the incarnation file); the plain mode is for views that are
 * rewritten anyway (the metrics file). */
#ifndef CLUSTD_ATOMIC_FILE_H
#define CLUSTD_ATOMIC_FILE_H

#include <stdbool.h>
#include <stddef.h>

/* Write data to tmp (created or truncated, mode 0644), then rename it over
 * path; with durable, fsync tmp before and path's directory after the
 * rename. 0, or -errno with *step naming what failed ("create", "write",
 * "fsync", "close", "rename", "fsync directory"). tmp is removed when a
 * step after its creation fails, unless the rename already happened. */
int atomic_file_replace(const char *path, const char *tmp, const char *data, size_t len,
			bool durable, const char **step);

/* Replace path with data (not durable), the temp file being path.tmp.PID.
 * 0, or -errno with err set to "cannot write PATH: STEP: REASON". */
int atomic_file_write(const char *path, const char *data, size_t len, char *err, size_t errlen);

#endif
