/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaconf.c - keepalived's configuration syntax into a statement tree
 * (kaconf.h). The line rules follow keepalived 2.x's parser: a physical
 * line is stripped of its comment, then @ID / @^ID decide whether it
 * exists, $NAME=VALUE lines define, $NAME and ${NAME} are replaced
 * (again and again while the result still holds a '$' or starts with
 * '@'), an include line reads other files in its place, and a '{' or '}'
 * outside double quotes ends the line: what follows it is the next line.
 * Pure: all file access goes through struct ka_fs. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kaconf.h"
#include "xalloc.h"

#define KA_MAX_DEPTH 32        /* include nesting */
#define KA_MAX_LINE 16384      /* bytes of one logical line after substitution */
#define KA_MAX_SUBST 1000      /* substitutions in one line */
#define KA_MAX_LINES 200000    /* logical lines in all: bounds expansion loops */
#define KA_WS " \t\f\n\r\v"

/* ---- messages --------------------------------------------------------- */

void ka_msgs_add(struct ka_msgs *m, enum ka_level level, const char *file, int line,
		 const char *fmt, ...)
{
	va_list ap;

	if (m->n == m->cap) {
		m->cap = m->cap ? 2 * m->cap : 16;
		m->v = xrealloc(m->v, m->cap * sizeof(*m->v));
	}
	va_start(ap, fmt);
	m->v[m->n] = (struct ka_msg){
		.level = level,
		.file = file ? xstrdup(file) : NULL,
		.line = line,
		.text = xvasprintf(fmt, ap),
	};
	va_end(ap);
	m->n++;
}

size_t ka_msgs_count(const struct ka_msgs *m, enum ka_level level)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n; i++)
		n += m->v[i].level == level;
	return n;
}

void ka_msgs_free(struct ka_msgs *m)
{
	for (size_t i = 0; i < m->n; i++) {
		free(m->v[i].file);
		free(m->v[i].text);
	}
	free(m->v);
	*m = (struct ka_msgs){0};
}

/* ---- words ------------------------------------------------------------ */

void ka_words_free(char **w)
{
	for (size_t i = 0; w && w[i]; i++)
		free(w[i]);
	free(w);
}

static void words_push(char ***w, size_t *n, char *word)
{
	*w = xrealloc(*w, (*n + 2) * sizeof(**w));
	(*w)[(*n)++] = word;
	(*w)[*n] = NULL;
}

/* keepalived's keyword split: white space separates, "..." is one word
 * (without the quotes), a '"' also ends an unquoted word. */
static char **split_words(const char *s, size_t *n, bool *ok)
{
	char **w = NULL;

	*n = 0;
	*ok = true;
	for (const char *cp = s;;) {
		cp += strspn(cp, KA_WS);
		if (!*cp)
			break;
		if (*cp == '"') {
			const char *end = strchr(cp + 1, '"');

			if (!end) {
				*ok = false;
				break;
			}
			words_push(&w, n, xstrndup(cp + 1, (size_t)(end - cp - 1)));
			cp = end + 1;
		} else {
			size_t len = strcspn(cp, KA_WS "\"");

			words_push(&w, n, xstrndup(cp, len));
			cp += len;
		}
	}
	if (!*ok) {
		ka_words_free(w);
		return NULL;
	}
	return w;
}

static int hexval(char c)
{
	return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* One backslash escape at *p (just past the backslash); appends the
 * character it stands for and returns the position after it. */
static const char *unescape(const char *p, char *out, size_t *o)
{
	static const char from[] = "abEfnrtv", to[] = "\a\b\x1b\f\n\r\t\v";
	const char *hit;
	unsigned v;

	if (*p == 'x' && isxdigit((unsigned char)p[1])) {
		for (v = 0, p++; isxdigit((unsigned char)*p); p++)
			v = (v << 4 | (unsigned)hexval(*p)) & 0xff;
		out[(*o)++] = (char)v;
		return p;
	}
	if (*p == 'c' && p[1]) {
		out[(*o)++] = (char)(p[1] & 0x1f);
		return p + 2;
	}
	if (*p >= '0' && *p <= '7') {
		v = 0;
		for (int i = 0; i < 3 && *p >= '0' && *p <= '7'; i++, p++)
			v = (v << 3 | (unsigned)(*p - '0')) & 0xff;
		out[(*o)++] = (char)v;
		return p;
	}
	hit = *p ? strchr(from, *p) : NULL;
	out[(*o)++] = hit ? to[hit - from] : *p;
	return p + 1;
}

char **ka_split_command(const char *s, size_t *n, const char **why)
{
	char **w = NULL, *buf = xmalloc(strlen(s) + 1);
	char quote = 0;

	*n = 0;
	*why = NULL;
	for (const char *p = s;;) {
		size_t o = 0;

		p += strspn(p, KA_WS);
		if (!*p)
			break;
		while (*p) {
			if (*p == '\\') {
				if (!p[1]) {
					*why = "a backslash ends the line";
					goto fail;
				}
				p = unescape(p + 1, buf, &o);
			} else if (quote && *p == quote) {
				quote = 0;
				p++;
			} else if (!quote && (*p == '"' || *p == '\'')) {
				quote = *p++;
			} else if (!quote && strchr(KA_WS, *p)) {
				break;
			} else {
				buf[o++] = *p++;
			}
		}
		if (quote) {
			*why = quote == '"' ? "a \" is not closed" : "a ' is not closed";
			goto fail;
		}
		words_push(&w, n, xstrndup(buf, o));
	}
	free(buf);
	if (!w)
		w = xcalloc(1, sizeof(*w));
	return w;
fail:
	free(buf);
	ka_words_free(w);
	*n = 0;
	return NULL;
}

/* ---- the reader ------------------------------------------------------- */

struct pend {             /* a logical line waiting to be read */
	char *text;
	int line;
};

struct frame {            /* one file being read */
	size_t pend_cap;
	const char *file, *shown;
	char *dir;            /* for relative includes: "" = as given */
	char *text;
	size_t len, pos;
	int line;
	struct pend *pend;    /* brace residues and definition lines: a stack */
	size_t npend;
	char **queue;         /* the rest of an include's matches, read after this one */
	size_t nqueue, iqueue;
};

struct def {
	char *name;
	char *value;
	bool multiline;       /* value holds '\n'-separated lines */
};

struct reader {
	const struct ka_read_opts *o;
	struct ka_msgs *msgs;
	struct ka_tree *tree;
	char *main_dir;       /* "" when the main path has no '/' */
	struct frame stack[KA_MAX_DEPTH];
	int depth;
	struct def *defs;
	size_t ndefs;
	struct def *collecting; /* a multiline definition still being read */
	size_t lines;
	bool failed;
	/* where the line being processed came from */
	const char *file;
	int line;
};

__attribute__((format(printf, 2, 3)))
static void fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	char *text;

	if (r->failed)
		return;
	r->failed = true;
	va_start(ap, fmt);
	text = xvasprintf(fmt, ap);
	va_end(ap);
	ka_msgs_add(r->msgs, KA_ERROR, r->file, r->line, "%s", text);
	free(text);
}

static const char *intern(struct reader *r, const char *path)
{
	struct ka_tree *t = r->tree;
	const char *shown = path;
	size_t dl = strlen(r->main_dir);

	for (size_t i = 0; i < t->nfiles; i++)
		if (strcmp(t->files[i], path) == 0)
			return t->files[i];
	if (t->nfiles == 0) {
		const char *slash = strrchr(path, '/');
		shown = slash ? slash + 1 : path;
	} else if (dl && strncmp(path, r->main_dir, dl) == 0 && path[dl] == '/') {
		shown = path + dl + 1;
	}
	t->files = xrealloc(t->files, (t->nfiles + 1) * sizeof(*t->files));
	t->shown = xrealloc(t->shown, (t->nfiles + 1) * sizeof(*t->shown));
	t->files[t->nfiles] = xstrdup(path);
	t->shown[t->nfiles] = xstrdup(shown);
	return t->files[t->nfiles++];
}

static const char *shown_of(const struct reader *r, const char *file)
{
	for (size_t i = 0; i < r->tree->nfiles; i++)
		if (r->tree->files[i] == file)
			return r->tree->shown[i];
	return file;
}

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return xstrdup("");
	if (slash == path)
		return xstrdup("/");
	return xstrndup(path, (size_t)(slash - path));
}

static char *join(const char *dir, const char *name)
{
	if (name[0] == '/' || !dir[0])
		return xstrdup(name);
	if (strcmp(dir, "/") == 0)
		return xasprintf("/%s", name);
	return xasprintf("%s/%s", dir, name);
}

static void pend_push(struct frame *f, char *text, int line)
{
	if (f->npend == f->pend_cap) {
		f->pend_cap = f->pend_cap ? 2 * f->pend_cap : 8;
		f->pend = xrealloc(f->pend, f->pend_cap * sizeof(*f->pend));
	}
	f->pend[f->npend++] = (struct pend){ .text = text, .line = line };
}

static void frame_free(struct frame *f)
{
	free(f->dir);
	free(f->text);
	for (size_t i = 0; i < f->npend; i++)
		free(f->pend[i].text);
	free(f->pend);
	for (size_t i = f->iqueue; i < f->nqueue; i++)
		free(f->queue[i]);
	free(f->queue);
	*f = (struct frame){0};
}

/* Open path as the innermost file. false (and an error) when it cannot. */
static bool push_file(struct reader *r, const char *path)
{
	struct frame *f;
	char *why = NULL;
	bool skipped = false;
	size_t len = 0;
	char *text;

	if (r->depth == KA_MAX_DEPTH) {
		fail(r, "include: more than %d files deep (does a file include itself?)", KA_MAX_DEPTH);
		return false;
	}
	text = r->o->fs->load(r->o->fs->ctx, path, &len, &skipped, &why);
	if (!text && r->depth == 0) {
		ka_msgs_add(r->msgs, KA_ERROR, path, 0, "cannot read it: %s",
			    why ? why : "not a regular non-executable file");
		r->failed = true;
		free(why);
		return false;
	}
	if (!text) {
		if (skipped) {
			ka_msgs_add(r->msgs, KA_NOTE, r->file, r->line,
				    "include: %s skipped: %s (keepalived skips it too)", path,
				    why ? why : "not a regular non-executable file");
			free(why);
			return true;
		}
		fail(r, "cannot read %s: %s", path, why ? why : "unknown error");
		free(why);
		return false;
	}
	f = &r->stack[r->depth++];
	*f = (struct frame){ .file = intern(r, path), .dir = dir_of(path), .text = text, .len = len };
	f->shown = shown_of(r, f->file);
	return true;
}

/* ---- comments --------------------------------------------------------- */

/* keepalived's decomment(): leading blanks go; '#' or '!' outside double
 * quotes starts a comment; \# and \! outside quotes are the characters;
 * a backslash ending the line is kept (after trimming) as the mark of a
 * continued definition. false when a double quote is left open. */
static bool decomment(char *s)
{
	bool quote = false, cont = false;
	char *skip = NULL, *p = s + strspn(s, " \t");
	size_t len;

	memmove(s, p, strlen(p) + 1);
	for (p = s; (p = strpbrk(p, "!#\"\\"));) {
		if (*p == '"') {
			if (!skip)
				quote = !quote;
			p++;
		} else if (*p == '\\') {
			if (!p[1]) {
				*p = '\0';
				cont = true;
				break;
			}
			if (!quote && (p[1] == '#' || p[1] == '!')) {
				memmove(p, p + 1, strlen(p + 1) + 1);
				p++;
			} else {
				p += 2;
			}
		} else {
			if (!quote && !skip)
				skip = p;
			p++;
		}
	}
	if (skip)
		*skip = '\0';
	len = strlen(s);
	while (len && (s[len - 1] == ' ' || s[len - 1] == '\t'))
		s[--len] = '\0';
	if (cont) {
		s[len++] = '\\';
		s[len] = '\0';
	}
	return !quote;
}

/* ---- definitions ------------------------------------------------------ */

static struct def *find_def(struct reader *r, const char *name, size_t len)
{
	for (size_t i = 0; i < r->ndefs; i++)
		if (strlen(r->defs[i].name) == len && memcmp(r->defs[i].name, name, len) == 0)
			return &r->defs[i];
	return NULL;
}

static struct def *set_def(struct reader *r, const char *name, size_t len, char *value, bool multi)
{
	struct def *d = find_def(r, name, len);

	if (!d) {
		r->defs = xrealloc(r->defs, (r->ndefs + 1) * sizeof(*r->defs));
		d = &r->defs[r->ndefs++];
		d->name = xstrndup(name, len);
	} else {
		free(d->value);
	}
	d->value = value;
	d->multiline = multi;
	return d;
}

static bool name_start(char c)
{
	return isalpha((unsigned char)c) || c == '_';
}

static bool name_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* "$NAME=VALUE": true when buf is one (and then it is stored). No blank
 * before '='; blanks after it are skipped; a value ending in '\' starts a
 * multiline definition whose next lines follow. */
static bool take_definition(struct reader *r, const char *buf)
{
	const char *p = buf + 2;
	size_t len;
	char *value;

	if (buf[0] != '$' || !name_start(buf[1]))
		return false;
	while (*p && name_char(*p))
		p++;
	if (*p != '=')
		return false;
	len = (size_t)(p - buf - 1);
	p++;
	p += strspn(p, " \t");
	value = xstrdup(p);
	size_t vl = strlen(value);
	if (vl && value[vl - 1] == '\\') {
		vl--;
		while (vl && (value[vl - 1] == ' ' || value[vl - 1] == '\t'))
			vl--;
		value[vl] = '\0';
		if (vl) {
			value[vl++] = '\n';
			value[vl] = '\0';
		}
		r->collecting = set_def(r, buf + 1, len, value, true);
	} else {
		set_def(r, buf + 1, len, value, false);
	}
	return true;
}

/* A physical line of a multiline definition: a trailing '\' continues it. */
static void collect(struct reader *r, const char *buf)
{
	struct def *d = r->collecting;
	size_t len = strlen(buf), vl = strlen(d->value);
	bool more = len && buf[len - 1] == '\\';
	char *add;

	if (more) {
		len--;
		while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
			len--;
		if (!len)
			return; /* a line that only continues adds nothing */
		add = xasprintf("%.*s\n", (int)len, buf);
	} else {
		add = xstrdup(buf);
		r->collecting = NULL;
	}
	d->value = xrealloc(d->value, vl + strlen(add) + 1);
	strcpy(d->value + vl, add);
	free(add);
}

static void end_collect(struct reader *r)
{
	struct def *d = r->collecting;
	size_t vl;

	if (!d)
		return;
	/* The definition ended early: no line break left dangling. */
	vl = strlen(d->value);
	if (vl && d->value[vl - 1] == '\n')
		d->value[vl - 1] = '\0';
	if (!d->value[0])
		d->multiline = false;
	r->collecting = NULL;
}

/* The value of a predefined name, or NULL if name is not one. */
static char *predefined(struct reader *r, const char *name, size_t len, const char *params)
{
	struct frame *f = r->depth ? &r->stack[r->depth - 1] : NULL;

	if (len == 4 && memcmp(name, "_PWD", 4) == 0) {
		char *d = f && r->o->fs->abs_dir ? r->o->fs->abs_dir(r->o->fs->ctx, f->file) : NULL;
		return d ? d : xstrdup(f && f->dir[0] ? f->dir : ".");
	}
	if (len == 9 && memcmp(name, "_INSTANCE", 9) == 0)
		return xstrdup(r->o->config_id ? r->o->config_id : "");
	if (len == 5 && memcmp(name, "_HASH", 5) == 0)
		return xstrdup("#");
	if (len == 5 && memcmp(name, "_BANG", 5) == 0)
		return xstrdup("!");
	if (len == 7 && memcmp(name, "_RANDOM", 7) == 0) {
		long min = params ? strtol(params, NULL, 10) : 0;
		ka_msgs_add(r->msgs, KA_WARNING, r->file, r->line,
			    "${_RANDOM} is a new number at every keepalived start: imported as %ld, "
			    "its lowest value; write the number you want instead", min);
		return xasprintf("%ld", min);
	}
	return NULL;
}

/* A reference at s (just past the '$'): its value (heap) and the bytes it
 * spans from the '$', or NULL. A multiline definition only stands alone at
 * the end of the line; *rest then gets its other lines. */
static char *lookup(struct reader *r, const char *s, size_t *span, const char **rest)
{
	bool braces = *s == '{';
	const char *name = s + braces, *p = name, *params = NULL, *end;
	size_t len;
	struct def *d;

	*rest = NULL;
	if (!name_start(*p))
		return NULL;
	while (name_char(*p))
		p++;
	len = (size_t)(p - name);
	if (braces) {
		if (*p == ' ') {
			params = p;
			p += strspn(p, " 0123456789");
			if (p[-1] == ' ' || len != 7 || memcmp(name, "_RANDOM", 7) != 0)
				return NULL;
		}
		if (*p != '}')
			return NULL;
		end = p + 1;
	} else {
		if (*p && !strchr(" \t,)", *p))
			return NULL;
		end = p;
	}
	*span = (size_t)(end - s) + 1;
	d = find_def(r, name, len);
	if (d && (!d->multiline || !*end)) {
		const char *nl = d->multiline ? strchr(d->value, '\n') : NULL;

		if (nl) {
			*rest = nl + 1;
			return xstrndup(d->value, (size_t)(nl - d->value));
		}
		return xstrdup(d->value);
	}
	if (d)
		return NULL;
	return predefined(r, name, len, params);
}

/* The other lines of a multiline value, read next (in order). */
static void push_rest(struct reader *r, const char *rest)
{
	struct frame *f = &r->stack[r->depth - 1];
	size_t first = f->npend;

	for (const char *p = rest;;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		pend_push(f, xstrndup(p, len), r->line);
		if (!nl)
			break;
		p = nl + 1;
	}
	/* A stack: reverse this run so that its first line pops first. */
	for (size_t i = first, j = f->npend - 1; i < j; i++, j--) {
		struct pend t = f->pend[i];
		f->pend[i] = f->pend[j];
		f->pend[j] = t;
	}
}

/* Replace every reference in *buf; true if anything was replaced. */
static bool substitute(struct reader *r, char **buf)
{
	size_t pos = 0, count = 0;
	bool changed = false;
	char *s = *buf;

	for (char *d; (d = strchr(s + pos, '$')) && d[1];) {
		size_t span, at = (size_t)(d - s);
		const char *rest;
		char *v = lookup(r, d + 1, &span, &rest);

		if (!v) {
			pos = at + 1;
			continue;
		}
		if (++count > KA_MAX_SUBST || strlen(s) - span + strlen(v) > KA_MAX_LINE) {
			fail(r, "$ substitution does not end (a definition that refers to itself?)");
			free(v);
			break;
		}
		char *n = xasprintf("%.*s%s%s", (int)at, s, v, d + span);
		if (rest)
			push_rest(r, rest);
		free(s);
		s = n;
		pos = at; /* the value is scanned again: definitions nest */
		changed = true;
		free(v);
		if (rest)
			break;
	}
	*buf = s;
	return changed;
}

/* "@ID rest" / "@^ID rest": false when the line is not for this config id,
 * else the prefix is removed. A '@' line with nothing after the id is gone. */
static bool conditional(struct reader *r, char *buf)
{
	bool neg = buf[1] == '^';
	char *id = buf + 1 + neg, *sp = strpbrk(id, " \t");
	const char *cid = r->o->config_id;
	bool match;

	if (!sp)
		return false;
	match = cid && strlen(cid) == (size_t)(sp - id) && strncmp(id, cid, (size_t)(sp - id)) == 0;
	if (match == neg)
		return false;
	sp += strspn(sp, " \t");
	memmove(buf, sp, strlen(sp) + 1);
	return true;
}

/* @, $ and ~ on one line, again while the result asks for it (it starts
 * with '@' or still holds a '$'). Returns the line, or NULL when nothing
 * is left of it. */
static char *expand(struct reader *r, char *buf)
{
	for (int round = 0; round < 16 && !r->failed; round++) {
		if (buf[0] == '@' && !conditional(r, buf))
			break;
		if (buf[0] == '$' && take_definition(r, buf))
			break;
		if (strncmp(buf, "~SEQ", 4) == 0 || strncmp(buf, "~LST", 4) == 0) {
			fail(r, "%.4s lines are not supported by import-keepalived: "
			     "expand them by hand (keepalived -d prints the result)", buf);
			break;
		}
		if (buf[0] == '~' || !strchr(buf, '$') || !substitute(r, &buf))
			return r->failed ? (free(buf), NULL) : buf;
		if (buf[0] != '@' && !strchr(buf, '$'))
			return r->failed ? (free(buf), NULL) : buf;
	}
	free(buf);
	return NULL;
}

/* ---- include ---------------------------------------------------------- */

static bool is_include(const char *w)
{
	static const char *const kw[] = { "include", "includer", "includem", "includew",
					  "includeb", "includea" };

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strcmp(w, kw[i]) == 0)
			return true;
	return false;
}

/* The next match of an include, once the file before it is done. */
static void next_queued(struct reader *r)
{
	struct frame *f = &r->stack[r->depth - 1];

	while (!r->failed && f->iqueue < f->nqueue) {
		char *path = f->queue[f->iqueue++];
		int depth = r->depth;

		push_file(r, path);
		free(path);
		if (r->depth != depth)
			return;
	}
}

static void include(struct reader *r, const char *kw, const char *pattern)
{
	struct frame *f = &r->stack[r->depth - 1];
	char *full = join(f->dir, pattern), *why = NULL, **paths = NULL;
	size_t n = 0, files = 0;

	if (r->o->fs->expand(r->o->fs->ctx, full, &paths, &n, &why) < 0) {
		fail(r, "%s %s: %s", kw, full, why ? why : "cannot expand the pattern");
		free(why);
		free(full);
		return;
	}
	f->queue = xrealloc(f->queue, (n + 1) * sizeof(*f->queue));
	f->nqueue = f->iqueue = 0;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(paths[i]);

		if (l && paths[i][l - 1] == '/') {
			free(paths[i]); /* a directory: keepalived passes over it */
			continue;
		}
		f->queue[f->nqueue++] = paths[i];
		files++;
	}
	free(paths);
	if (!files) {
		bool strict = strcmp(kw, "includem") == 0 || strcmp(kw, "includew") == 0 ||
			      strcmp(kw, "includea") == 0;
		ka_msgs_add(r->msgs, strict ? KA_WARNING : KA_NOTE, r->file, r->line,
			    "%s %s: no file matches%s", kw, full,
			    strict ? " (keepalived calls this a configuration error)" :
				     " (keepalived reads nothing either)");
	}
	free(full);
	next_queued(r);
}

/* ---- logical lines ---------------------------------------------------- */

/* The next physical line of f (without its end of line), or NULL at EOF. */
static char *physical(struct frame *f)
{
	size_t start, end;

	if (f->pos >= f->len)
		return NULL;
	start = f->pos;
	end = start;
	while (end < f->len && f->text[end] != '\n')
		end++;
	f->pos = end < f->len ? end + 1 : end;
	f->line++;
	while (end > start && f->text[end - 1] == '\r')
		end--;
	return xstrndup(f->text + start, end - start);
}

/* Cut buf at its first '{' or '}' outside double quotes: the brace and
 * what follows become the next line (keepalived's line_residue). */
static void split_brace(struct frame *f, char *buf, int line)
{
	char *p = buf;
	size_t skip = 0, len;

	if (p[0] != '{' && p[0] != '}') {
		while ((p = strpbrk(p, "{}\"")) && *p == '"') {
			if (!(p = strchr(p + 1, '"')))
				break;
			p++;
		}
	}
	if (!p || (*p != '{' && *p != '}'))
		return;
	if (p == buf)
		skip = 1 + strspn(p + 1, " \t");
	if (p[skip]) {
		len = strlen(p + skip);
		while (len && (p[skip + len - 1] == ' ' || p[skip + len - 1] == '\t'))
			len--;
		pend_push(f, xstrndup(p + skip, len), line);
		p[skip] = '\0';
	}
	len = strlen(buf);
	while (len && (buf[len - 1] == ' ' || buf[len - 1] == '\t'))
		buf[--len] = '\0';
}

/* A raw line of the innermost file: a residue first, else a physical line
 * (decommented). NULL when the file is done. *fresh: read from the file. */
static char *raw_line(struct reader *r, struct frame *f, bool *fresh)
{
	char *buf;

	*fresh = false;
	if (f->npend) {
		struct pend p = f->pend[--f->npend];
		r->line = p.line;
		return p.text;
	}
	while ((buf = physical(f))) {
		r->line = f->line;
		if (!buf[0]) {
			end_collect(r); /* an empty line ends a definition */
			free(buf);
			continue;
		}
		if (!decomment(buf)) {
			fail(r, "a double quote (\") is not closed on this line");
			free(buf);
			return NULL;
		}
		*fresh = true;
		return buf;
	}
	return NULL;
}

/* The next logical line, or NULL at the end of everything (or an error).
 * r->file / r->line tell where it came from. */
static char *next_line(struct reader *r)
{
	while (r->depth && !r->failed) {
		struct frame *f = &r->stack[r->depth - 1];
		bool fresh;
		char *buf;

		r->file = f->file;
		if (!(buf = raw_line(r, f, &fresh))) {
			if (r->failed)
				return NULL;
			end_collect(r);
			frame_free(f);
			r->depth--;
			if (r->depth)
				next_queued(r);
			continue;
		}
		if (++r->lines > KA_MAX_LINES) {
			fail(r, "more than %d lines (a definition that expands itself?)", KA_MAX_LINES);
			free(buf);
			return NULL;
		}
		if (r->collecting && fresh) {
			if (buf[0])
				collect(r, buf);
			free(buf);
			continue;
		}
		if (!buf[0] || !(buf = expand(r, buf)) || !buf[0]) {
			free(buf);
			continue;
		}
		if (strstr(buf, "include")) {
			size_t n;
			bool ok;
			char **w = split_words(buf, &n, &ok);

			if (w && n == 2 && is_include(w[0])) {
				include(r, w[0], w[1]);
				ka_words_free(w);
				free(buf);
				continue;
			}
			ka_words_free(w);
		}
		split_brace(f, buf, r->line);
		if (!buf[0]) {
			free(buf);
			continue;
		}
		return buf;
	}
	return NULL;
}

/* ---- the tree --------------------------------------------------------- */

struct builder {
	struct ka_stmt *open[KA_MAX_DEPTH * 4];
	int depth;
	struct ka_stmt *last; /* the statement just before, at this level */
};

static struct ka_stmt *add_kid(struct ka_stmt *parent)
{
	if (parent->nkids == parent->kids_cap) {
		parent->kids_cap = parent->kids_cap ? 2 * parent->kids_cap : 8;
		parent->kids = xrealloc(parent->kids, parent->kids_cap * sizeof(*parent->kids));
	}
	parent->kids[parent->nkids] = (struct ka_stmt){0};
	return &parent->kids[parent->nkids++];
}

static void take_line(struct reader *r, struct builder *b, char *buf)
{
	struct ka_stmt *parent = b->open[b->depth - 1], *s;
	size_t n;
	bool ok;
	char **w;

	if (strcmp(buf, "{") == 0) {
		if (!b->last || b->last->block) {
			fail(r, "'{' with no keyword before it");
		} else if (b->depth == (int)(sizeof(b->open) / sizeof(b->open[0]))) {
			fail(r, "blocks nested too deep");
		} else {
			b->last->block = true;
			b->open[b->depth++] = b->last;
			b->last = NULL;
		}
		free(buf);
		return;
	}
	if (strcmp(buf, "}") == 0) {
		if (b->depth == 1)
			fail(r, "'}' closes no block");
		else
			b->depth--;
		b->last = NULL;
		free(buf);
		return;
	}
	w = split_words(buf, &n, &ok);
	if (!ok) {
		fail(r, "a double quote (\") is not closed on this line");
		free(buf);
		return;
	}
	if (!n) {
		free(buf);
		return;
	}
	s = add_kid(parent);
	s->file = r->file;
	s->shown = shown_of(r, r->file);
	s->line = r->line;
	s->words = w;
	s->nwords = n;
	s->raw = buf;
	b->last = s;
}

static void stmt_free(struct ka_stmt *s)
{
	for (size_t i = 0; i < s->nkids; i++)
		stmt_free(&s->kids[i]);
	free(s->kids);
	ka_words_free(s->words);
	free(s->raw);
}

void ka_tree_free(struct ka_tree *t)
{
	stmt_free(&t->top);
	for (size_t i = 0; i < t->nfiles; i++) {
		free(t->files[i]);
		free(t->shown[i]);
	}
	free(t->files);
	free(t->shown);
	*t = (struct ka_tree){0};
}

int ka_read(const char *path, const struct ka_read_opts *o, struct ka_tree *out,
	    struct ka_msgs *msgs)
{
	struct reader r = { .o = o, .msgs = msgs, .tree = out };
	struct builder b = { .depth = 1 };
	char *buf;

	*out = (struct ka_tree){0};
	b.open[0] = &out->top;
	r.main_dir = dir_of(path);
	push_file(&r, path);
	while ((buf = next_line(&r)))
		take_line(&r, &b, buf);
	if (!r.failed && b.depth > 1) {
		struct ka_stmt *s = b.open[b.depth - 1];
		r.file = s->file;
		r.line = s->line;
		fail(&r, "the block of \"%s\" opened here is never closed (a '}' is missing)",
		     s->words[0]);
	}
	while (r.depth)
		frame_free(&r.stack[--r.depth]);
	for (size_t i = 0; i < r.ndefs; i++) {
		free(r.defs[i].name);
		free(r.defs[i].value);
	}
	free(r.defs);
	free(r.main_dir);
	if (r.failed) {
		ka_tree_free(out);
		return -1;
	}
	return 0;
}
