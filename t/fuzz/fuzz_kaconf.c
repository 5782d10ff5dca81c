/* SPDX-License-Identifier: GPL-2.0-or-later */
/* fuzz_kaconf.c - libFuzzer target for the keepalived reader and mapper
 * (src/kaconf.c, src/kaimport.c), on an in-memory file system so that no
 * input can open a real file.
 *
 * The input is the main file. Includes reach three other files: "a.conf"
 * and "b.conf" hold the input again (so includes nest, loop and hit the
 * depth limit) and "c.conf" a small fixed instance; any pattern with a '*'
 * matches all three, anything else nothing. Whatever reads must give a
 * tree of words with files and lines that exist; whatever fails must say
 * so with an error. The mapper runs on every tree, with a host on which
 * scripts under /ok/ exist, and whatever text it prints must load with
 * conf_load (the invariant `clustd -t` relies on; the scripts on disk are
 * not looked at). Everything is freed every time, so LeakSanitizer
 * catches any leak (libconfig's own leak on broken input is suppressed,
 * as in fuzz_conf.c). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fcntl.h>
#include <unistd.h>

#include "conf.h"
#include "kaconf.h"
#include "kaimport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

const char *__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, \
				__LINE__, #cond);                            \
			abort();                                             \
		}                                                            \
	} while (0)

static const char fixed[] = "vrrp_instance C {\n interface eth0\n virtual_router_id 9\n"
			    " virtual_ipaddress { 198.51.100.9 }\n}\n";

struct mem {
	const char *input;
	size_t len;
};

static int mem_expand(void *ctx, const char *pattern, char ***paths, size_t *n, char **why)
{
	static const char *const names[] = { "a.conf", "b.conf", "c.conf" };
	const char *base = strrchr(pattern, '/') ? strrchr(pattern, '/') + 1 : pattern;

	(void)ctx;
	(void)why;
	*paths = calloc(4, sizeof(**paths));
	CHECK(*paths != NULL);
	*n = 0;
	for (size_t i = 0; i < 3; i++)
		if (strchr(base, '*') || strcmp(base, names[i]) == 0)
			(*paths)[(*n)++] = strdup(names[i]);
	return 0;
}

static char *mem_load(void *ctx, const char *path, size_t *len, bool *skipped, char **why)
{
	const struct mem *m = ctx;
	const char *base = strrchr(path, '/') ? strrchr(path, '/') + 1 : path;
	char *buf;

	*skipped = false;
	if (strcmp(base, "c.conf") == 0) {
		*len = sizeof(fixed) - 1;
		return strdup(fixed);
	}
	if (strcmp(base, "main.conf") != 0 && strcmp(base, "a.conf") != 0 &&
	    strcmp(base, "b.conf") != 0) {
		*why = strdup("no such file");
		return NULL;
	}
	buf = malloc(m->len + 1);
	CHECK(buf != NULL);
	memcpy(buf, m->input, m->len);
	buf[m->len] = '\0';
	*len = m->len;
	return buf;
}

static bool ok_script(void *ctx, const char *path, char **why)
{
	(void)ctx;
	if (strncmp(path, "/ok/", 4) == 0)
		return true;
	*why = strdup("does not exist");
	return false;
}

static char *which(void *ctx, const char *cmd)
{
	(void)ctx;
	return strcmp(cmd, "true") == 0 ? strdup("/ok/true") : NULL;
}

static bool user(void *ctx, const char *name)
{
	(void)ctx;
	return strcmp(name, "nobody") == 0;
}

static void check_stmt(const struct ka_stmt *s, const struct ka_tree *t, int depth)
{
	bool known = false;

	CHECK(depth < 1000);
	CHECK(s->nwords >= 1 && s->words && s->raw && s->line > 0);
	CHECK(s->words[s->nwords] == NULL);
	for (size_t i = 0; i < t->nfiles; i++)
		known |= t->files[i] == s->file;
	CHECK(known);
	CHECK(s->block || s->nkids == 0);
	for (size_t i = 0; i < s->nkids; i++)
		check_stmt(&s->kids[i], t, depth + 1);
}

/* The imported text loads as a clustd.conf. */
static void check_loads(const char *text)
{
	char path[64];
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = {0};
	int fd;

	snprintf(path, sizeof(path), "/tmp/fuzz_kaconf.%d.conf", (int)getpid());
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	CHECK(fd >= 0);
	CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	if (conf_load(path, &cfg, &errs) != 0) {
		for (size_t i = 0; i < errs.n; i++)
			fprintf(stderr, "%s\n", errs.msgs[i]);
		fprintf(stderr, "%s", text);
		CHECK(!"the import loads");
	}
	unlink(path);
	conf_free(cfg);
	conf_errors_free(&errs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { .input = (const char *)data, .len = size };
	struct ka_fs fs = { .ctx = &m, .expand = mem_expand, .load = mem_load };
	struct ki_host host = { .script_ok = ok_script, .which = which, .user_exists = user };
	struct ka_read_opts ro = { .fs = &fs, .config_id = "n1" };
	struct ki_opts io = { .host = &host, .source = "main.conf", .config_id = "n1" };
	struct ka_msgs msgs = {0};
	struct ka_tree t;

	if (size > 65536)
		return 0;
	if (ka_read("dir/main.conf", &ro, &t, &msgs) == 0) {
		for (size_t i = 0; i < t.top.nkids; i++)
			check_stmt(&t.top.kids[i], &t, 0);
		char *text = ki_import(&t, &io, &msgs);
		CHECK(text != NULL || ka_msgs_count(&msgs, KA_ERROR) == 1);
		if (text)
			check_loads(text);
		free(text);
		ka_tree_free(&t);
	} else {
		CHECK(ka_msgs_count(&msgs, KA_ERROR) == 1);
		CHECK(t.top.nkids == 0 && t.nfiles == 0);
	}
	for (size_t i = 0; i < msgs.n; i++)
		CHECK(msgs.v[i].text && msgs.v[i].line >= 0);
	ka_msgs_free(&msgs);
	return 0;
}
