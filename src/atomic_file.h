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

#include <sys/stat.h>

/* Write data to a new temp file <base>.tmp.<12 random hex digits> in
 * path's directory (created exclusively, mode 0644, never through a link),
 * then rename it over path; with durable, fsync it before and the
 * directory after the rename. 0, or -errno with *step naming what failed
 * ("open directory", "create", "write", "fsync", "close", "rename",
 * "fsync directory"). The temp file is removed when a step after its
 * creation fails, unless the rename already happened. */
int atomic_file_replace(const char *path, const char *data, size_t len, bool durable,
			const char **step);

/* Replace path with data (not durable). 0, or -errno with err set to
 * "cannot write PATH: STEP: REASON". */
int atomic_file_write(const char *path, const char *data, size_t len, char *err, size_t errlen);

/* The temp names' randomness (getrandom); tests replace it to make a name
 * collide with one they planted. */
extern void (*atomic_file_random)(void *buf, size_t len);

/* Is st a directory clustd may keep its state (or pid file, socket) in
 * when running as euid: owned by root (or euid) and not writable by group
 * or others, so nobody else can plant links or files there? NULL, or what
 * is wrong ("is not a directory", "is not owned by root", "is writable by
 * group or others"). */
const char *atomic_dir_problem(const struct stat *st, uid_t euid);

/* atomic_dir_problem for the directory dir (symbolic links to it are
 * followed: where it lives is the administrator's choice). 0 when fine,
 * 1 when it does not exist (yet), -1 with err set ("directory DIR is
 * writable by group or others (...)"). */
int atomic_dir_check(const char *dir, char *err, size_t errlen);

#endif
