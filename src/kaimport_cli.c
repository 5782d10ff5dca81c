/* SPDX-License-Identifier: GPL-2.0-or-later */
/* kaimport_cli.c - `clustd import-keepalived`: read keepalived's files
 * (kaconf.c through kahost.c), map them (kaimport.c), check the result as
 * clustd -t does, and only then print it. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "kahost.h"
#include "kaimport_cli.h"
#include "xalloc.h"

static void usage(FILE *to)
{
	fprintf(to,
		"Usage: clustd import-keepalived [-i CONFIG_ID] [-q] [FILE]\n"
		"  Print the clustd.conf equivalent to keepalived's FILE (default\n"
		"  " KI_DEFAULT_SOURCE "), with its includes.\n"
		"  -i, --config-id ID  keepalived's -i: which @ID lines apply (default: the\n"
		"                      host name up to its first dot)\n"
		"  -q, --quiet         no notes on stderr, only warnings and errors\n"
		"Exit status: 0 all imported; 3 imported but something left out or\n"
		"different (see the warnings); 1 error, nothing printed; 2 usage.\n");
}

char *kaimport_messages(const struct ka_msgs *m, bool quiet)
{
	static const char *const level[] = { "note", "warning", "error" };
	char *all = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&all, &len);

	if (!f)
		xalloc_fail("open_memstream");
	for (size_t i = 0; i < m->n; i++) {
		const struct ka_msg *g = &m->v[i];

		if (quiet && g->level == KA_NOTE)
			continue;
		if (!g->file)
			fprintf(f, "clustd import-keepalived: %s: %s\n", level[g->level], g->text);
		else if (g->line)
			fprintf(f, "%s:%d: %s: %s\n", g->file, g->line, level[g->level], g->text);
		else
			fprintf(f, "%s: %s: %s\n", g->file, level[g->level], g->text);
	}
	if (fclose(f) != 0 || !all)
		xalloc_fail("open_memstream");
	return all;
}

struct ranked {
	long rank;  /* file order * 1e6 + line */
	size_t at;  /* position found: keeps the sort stable */
	struct ka_msg msg;
};

static int by_rank(const void *a, const void *b)
{
	const struct ranked *x = a, *y = b;

	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	return x->at < y->at ? -1 : x->at > y->at;
}

/* In file order (as read), then by line; the messages of one line stay
 * in the order they were found. */
static void sort_msgs(struct ka_msgs *m, const struct ka_tree *t)
{
	struct ranked *r = xcalloc(m->n + 1, sizeof(*r));

	for (size_t i = 0; i < m->n; i++) {
		long f = -1;

		for (size_t j = 0; m->v[i].file && j < t->nfiles && f < 0; j++)
			if (strcmp(m->v[i].file, t->files[j]) == 0)
				f = (long)j;
		r[i] = (struct ranked){ .rank = f * 1000000L + m->v[i].line, .at = i, .msg = m->v[i] };
	}
	qsort(r, m->n, sizeof(*r), by_rank);
	for (size_t i = 0; i < m->n; i++)
		m->v[i] = r[i].msg;
	free(r);
}

/* The text must load and pass every check of clustd -t: else it is an
 * importer bug, reported as an error rather than printed. */
static bool self_check(const char *text, struct ka_msgs *msgs)
{
	const char *tmp = getenv("TMPDIR");
	char *path = xasprintf("%s/clustd-import.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	struct clustd_config *cfg = NULL;
	struct conf_errors errs = {0};
	size_t len = strlen(text);
	bool ok = false;
	int fd = mkstemp(path);

	if (fd < 0) {
		ka_msgs_add(msgs, KA_ERROR, NULL, 0, "cannot create %s to check the result", path);
		free(path);
		return false;
	}
	if (write(fd, text, len) == (ssize_t)len) {
		bool loads = conf_load(path, &cfg, &errs) == 0;

		ok = loads && conf_check_scripts(cfg, &errs) == 0;
		/* A text that does not load is the importer's fault; a check of
		 * this machine (a directory's mode) is the machine's. */
		for (size_t i = 0; !ok && i < errs.n; i++)
			ka_msgs_add(msgs, KA_ERROR, NULL, 0, "%s: %s", loads ?
				    "clustd -t refuses the result on this machine" :
				    "the result does not load (an import-keepalived bug, please report it)",
				    errs.msgs[i]);
	} else {
		ka_msgs_add(msgs, KA_ERROR, NULL, 0, "cannot write %s to check the result", path);
	}
	close(fd);
	unlink(path);
	conf_free(cfg);
	conf_errors_free(&errs);
	free(path);
	return ok;
}

int kaimport_run(const char *source, const char *config_id, const struct ka_fs *fs,
		 const struct ki_host *host, char **text, struct ka_msgs *msgs)
{
	struct ka_read_opts ro = { .fs = fs, .config_id = config_id };
	struct ki_opts io = { .host = host, .source = source, .config_id = config_id };
	struct ka_tree tree;

	*text = NULL;
	if (ka_read(source, &ro, &tree, msgs) == 0) {
		*text = ki_import(&tree, &io, msgs);
		sort_msgs(msgs, &tree);
		ka_tree_free(&tree);
	}
	if (*text && !self_check(*text, msgs)) {
		free(*text);
		*text = NULL;
	}
	if (!*text)
		return KI_EXIT_ERROR;
	return ka_msgs_count(msgs, KA_WARNING) ? KI_EXIT_PARTIAL : KI_EXIT_OK;
}

int kaimport_cli(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"config-id", required_argument, NULL, 'i'},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *source = KI_DEFAULT_SOURCE;
	char *config_id = NULL, *text = NULL;
	struct ka_msgs msgs = {0};
	bool quiet = false;
	int ch, rc;

	optind = 1;
	while ((ch = getopt_long(argc, argv, "i:qh", longopts, NULL)) != -1) {
		switch (ch) {
		case 'i':
			free(config_id);
			config_id = xstrdup(optarg);
			break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); free(config_id); return KI_EXIT_OK;
		default: usage(stderr); free(config_id); return KI_EXIT_USAGE;
		}
	}
	if (optind < argc)
		source = argv[optind++];
	if (optind < argc) {
		fprintf(stderr, "clustd import-keepalived: unexpected argument '%s'\n", argv[optind]);
		free(config_id);
		return KI_EXIT_USAGE;
	}
	if (!config_id)
		config_id = ka_default_config_id();

	rc = kaimport_run(source, config_id, &ka_fs_system, &ki_host_system, &text, &msgs);
	char *m = kaimport_messages(&msgs, quiet);
	fputs(m, stderr);
	free(m);
	if (text && (fputs(text, stdout) == EOF || fflush(stdout) == EOF)) {
		fprintf(stderr, "clustd import-keepalived: cannot write the result\n");
		rc = KI_EXIT_ERROR;
	}
	free(text);
	free(config_id);
	ka_msgs_free(&msgs);
	return rc;
}
