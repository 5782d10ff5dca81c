/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaconf.h - reading keepalived's configuration syntax, as keepalived 2.x
 * reads it: comments (# and ! anywhere outside double quotes, \# and \!
 * to escape them), "quoted words", braces that split a line, include
 * (with globs, relative to the including file's directory, and the
 * includer/includem/includew/includeb/includea variants), @ID and @^ID
 * conditional lines, $NAME=VALUE definitions (one line, or several ending
 * in \) with $NAME and ${NAME} substitution, and the predefined _PWD,
 * _INSTANCE, _HASH and _BANG. ~SEQ and ~LST are refused (error).
 *
 * The result is a tree of statements: each has its words, the logical
 * line as keepalived's handlers would see it (for scripts), its file and
 * line, and the statements of its { } block. Nothing here knows what a
 * keyword means (kaimport.c does).
 *
 * Pure: files are reached only through the injected struct ka_fs, so the
 * reader is unit-tested and fuzzed on an in-memory file system. */
#ifndef CLUSTD_KACONF_H
#define CLUSTD_KACONF_H

#include <stdbool.h>
#include <stddef.h>

enum ka_level { KA_NOTE, KA_WARNING, KA_ERROR };

struct ka_msg {
	enum ka_level level;
	char *file; /* path as read; NULL for a message about no file */
	int line;   /* 0 = the file as a whole */
	char *text;
};

/* Messages in the order they were found. */
struct ka_msgs {
	size_t n, cap;
	struct ka_msg *v;
};

void ka_msgs_add(struct ka_msgs *m, enum ka_level level, const char *file, int line,
		 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
size_t ka_msgs_count(const struct ka_msgs *m, enum ka_level level);
void ka_msgs_free(struct ka_msgs *m);

struct ka_stmt {
	const char *file;  /* path as read (owned by the tree) */
	const char *shown; /* the same, relative to the main file's directory when below it */
	int line;
	size_t nwords;     /* >= 1 */
	char **words;      /* split as keepalived splits keywords: "..." keeps spaces */
	char *raw;         /* the whole logical line (comments, @ID and $ already processed) */
	bool block;        /* a { } block followed (possibly empty) */
	size_t nkids;
	struct ka_stmt *kids;
	size_t kids_cap;   /* (the reader's) */
};

struct ka_tree {
	struct ka_stmt top; /* only kids / nkids are used */
	size_t nfiles;      /* the files read, main file first */
	char **files;       /* owned strings; stmt->file and ->shown point here */
	char **shown;
};

/* The file system, injected. Both return heap strings the caller frees. */
struct ka_fs {
	void *ctx;
	/* glob(3) with GLOB_BRACE and GLOB_MARK: matches in order, directories
	 * ending in '/'. No match is 0 with *n = 0. -1 and *why on an error. */
	int (*expand)(void *ctx, const char *pattern, char ***paths, size_t *n, char **why);
	/* A regular, non-executable file's content (NUL-terminated; *len
	 * without it). NULL and *why when it cannot be read; *skipped set
	 * when keepalived would pass over it (not regular, or executable). */
	char *(*load)(void *ctx, const char *path, size_t *len, bool *skipped, char **why);
	/* The absolute directory holding path, for ${_PWD}; NULL = unknown. */
	char *(*abs_dir)(void *ctx, const char *path);
};

struct ka_read_opts {
	const struct ka_fs *fs;
	/* keepalived's config id (-i; default the host name up to the first
	 * dot): @ID lines match it, and ${_INSTANCE} gives it. NULL: no @ID
	 * line matches (every @^ID line does). */
	const char *config_id;
};

/* Read path and everything it includes. 0 and a tree on success (notes
 * and warnings may be in msgs); -1 on an error (in msgs, as FILE:LINE and
 * a reason), and then the tree is empty. */
int ka_read(const char *path, const struct ka_read_opts *o, struct ka_tree *out,
	    struct ka_msgs *msgs);
void ka_tree_free(struct ka_tree *t);

/* Split a script's command line as keepalived does
 * (alloc_strvec_quoted_escaped): white space separates words, '...' and
 * "..." group them, backslash escapes (\n \t \xHH \NNN \cC, \C = C) work
 * inside and outside quotes. NULL-terminated array (free each word and
 * the array); NULL with *why on an unterminated quote or a trailing
 * backslash. */
char **ka_split_command(const char *s, size_t *n, const char **why);
void ka_words_free(char **w);

#endif
