/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_kaimport_corpus.c - `clustd import-keepalived` on the corpus of
 * realistic keepalived.conf files in t/kaimport/corpus (each NN-name.conf,
 * with what it includes): every one is imported on the real host (its
 * scripts are looked up and checked as clustd -t does), and what comes
 * out is compared with the golden files: NN-name.out (the clustd.conf)
 * and NN-name.err (the exit status, then the messages). An import that
 * prints a clustd.conf has passed clustd -t's checks (kaimport_run checks
 * its own output with conf_load and conf_check_scripts).
 *
 * After a deliberate change, KAIMPORT_UPDATE=1 rewrites the golden files;
 * review the diff before committing it. The corpus is read from
 * t/kaimport/corpus below the working directory (the source tree, as
 * make check-unit runs the tests). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kahost.h"
#include "kaimport_cli.h"
#include "testutil.h"

#define CORPUS "t/kaimport/corpus"
#define MIN_CORPUS 25

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void spit(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

/* "! config-id: X" in the file chooses keepalived's -i; default n1. */
static char *config_id_of(const char *conf)
{
	char *text = slurp(conf), *p, *id;

	ck_assert_ptr_nonnull(text);
	p = strstr(text, "config-id: ");
	id = strndup(p ? p + 11 : "n1", p ? strcspn(p + 11, " \n") : 2);
	free(text);
	return id;
}

/* Compare with the golden file, or write it when updating. */
static void golden(const char *path, const char *got, bool update, int *diffs)
{
	char *want = slurp(path);

	if (update) {
		if (got)
			spit(path, got);
		else
			unlink(path);
	} else if (!got != !want || (got && strcmp(got, want) != 0)) {
		fprintf(stderr, "%s differs from the import; it gives:\n%s\n", path, got ? got : "(nothing)");
		(*diffs)++;
	}
	free(want);
}

static int import_one(const char *name, bool update, int *diffs)
{
	char base[256], path[300], *id = config_id_of(name), *text = NULL, *msgs, *err;
	struct ka_msgs m = {0};
	int rc;

	snprintf(base, sizeof(base), "%.*s", (int)(strlen(name) - 5), name);
	rc = kaimport_run(name, id, &ka_fs_system, &ki_host_system, &text, &m);
	/* Never text on an error, always text otherwise. */
	ck_assert_msg((rc == KI_EXIT_ERROR) == (text == NULL), "%s: exit %d", name, rc);
	msgs = kaimport_messages(&m, false);
	ck_assert_int_ne(asprintf(&err, "exit %d\n%s", rc, msgs), -1);
	/* Every warning and error names its file (and a line, but for a file
	 * that cannot be read). */
	for (size_t i = 0; i < m.n; i++)
		ck_assert_msg(m.v[i].file != NULL || m.v[i].level != KA_WARNING,
			      "%s: a warning without FILE:LINE: %s", name, m.v[i].text);
	snprintf(path, sizeof(path), "%s.out", base);
	golden(path, text, update, diffs);
	snprintf(path, sizeof(path), "%s.err", base);
	golden(path, err, update, diffs);
	free(err);
	free(msgs);
	free(text);
	free(id);
	ka_msgs_free(&m);
	return rc;
}

START_TEST(test_corpus)
{
	bool update = getenv("KAIMPORT_UPDATE") && strcmp(getenv("KAIMPORT_UPDATE"), "1") == 0;
	int diffs = 0, n = 0, by_rc[4] = {0};
	struct dirent **list;
	int count;

	ck_assert_msg(chdir(CORPUS) == 0, "cannot enter %s (run from the source tree): %s", CORPUS,
		      strerror(errno));
	count = scandir(".", &list, NULL, alphasort);
	ck_assert_int_ge(count, 0);
	for (int i = 0; i < count; i++) {
		const char *d = list[i]->d_name;
		size_t l = strlen(d);

		if (l > 5 && strcmp(d + l - 5, ".conf") == 0) {
			int rc = import_one(d, update, &diffs);
			ck_assert_int_le(rc, 3);
			by_rc[rc]++;
			n++;
		}
		free(list[i]);
	}
	free(list);
	ck_assert_msg(n >= MIN_CORPUS, "%d corpus files, want at least %d", n, MIN_CORPUS);
	/* The corpus has complete imports, partial ones and errors. */
	ck_assert_int_gt(by_rc[KI_EXIT_OK], 0);
	ck_assert_int_gt(by_rc[KI_EXIT_PARTIAL], 0);
	ck_assert_int_gt(by_rc[KI_EXIT_ERROR], 0);
	ck_assert_msg(diffs == 0, "%d golden file(s) differ (KAIMPORT_UPDATE=1 rewrites them)", diffs);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("kaimport_corpus");
	TCase *tc = tcase_create("corpus");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_corpus);
	suite_add_tcase(s, tc);
	SRunner *sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? 1 : 0;
}
