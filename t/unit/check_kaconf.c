/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_kaconf.c - unit tests of the keepalived configuration reader
 * (src/kaconf.c) on real files in a temp directory, through the real file
 * system edge (src/kahost.c): comments, quoting, braces, includes and
 * globs, @ conditionals, $ definitions, errors with FILE:LINE. The rules
 * are keepalived 2.x's (lib/parser.c); where keepalived's behaviour is
 * surprising the test says so. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kahost.h"
#include "kaconf.h"
#include "testutil.h"

static pid_t runner_pid;
static char dir[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_kaconf.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
	tu_remove_tree(dir);
}

/* Write dir/name (creating subdirectories) with text. */
static void put(const char *name, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	ck_assert_msg(f != NULL, "%s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
}

struct got {
	int rc;
	struct ka_tree t;
	struct ka_msgs m;
};

static struct got read_as(const char *name, const char *config_id)
{
	struct got g = {0};
	char path[512];
	struct ka_read_opts o = { .fs = &ka_fs_system, .config_id = config_id };

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	g.rc = ka_read(path, &o, &g.t, &g.m);
	return g;
}

static struct got read_text(const char *text, const char *config_id)
{
	put("keepalived.conf", text);
	return read_as("keepalived.conf", config_id);
}

static void got_free(struct got *g)
{
	ka_tree_free(&g->t);
	ka_msgs_free(&g->m);
}

/* The top-level statement i, with n words. */
static const struct ka_stmt *top(const struct got *g, size_t i)
{
	ck_assert_msg(i < g->t.top.nkids, "statement %zu of %zu", i, g->t.top.nkids);
	return &g->t.top.kids[i];
}

/* The words of s joined by '|'. */
static const char *joined(const struct ka_stmt *s)
{
	static char buf[1024];

	buf[0] = '\0';
	for (size_t i = 0; i < s->nwords; i++) {
		if (i)
			strcat(buf, "|");
		strcat(buf, s->words[i]);
	}
	return buf;
}

/* Every top-level statement's words, one per line (blocks as "{n}"). */
static const char *flat(const struct got *g)
{
	static char buf[4096];

	buf[0] = '\0';
	for (size_t i = 0; i < g->t.top.nkids; i++) {
		const struct ka_stmt *s = &g->t.top.kids[i];
		char n[32] = "";

		if (s->block)
			snprintf(n, sizeof(n), "{%zu}", s->nkids);
		strcat(buf, joined(s));
		strcat(buf, n);
		strcat(buf, "\n");
	}
	return buf;
}

/* The only error reads "<dir>/<file>:<line>: <text>". */
static void assert_error(const struct got *g, const char *file, int line, const char *text)
{
	char want[512];

	ck_assert_int_eq(g->rc, -1);
	ck_assert_uint_eq(g->t.top.nkids, 0);
	ck_assert_uint_eq(ka_msgs_count(&g->m, KA_ERROR), 1);
	for (size_t i = 0; i < g->m.n; i++) {
		if (g->m.v[i].level != KA_ERROR)
			continue;
		snprintf(want, sizeof(want), "%s/%s", dir, file);
		ck_assert_str_eq(g->m.v[i].file, want);
		ck_assert_int_eq(g->m.v[i].line, line);
		ck_assert_msg(strstr(g->m.v[i].text, text), "want [%s] in [%s]", text, g->m.v[i].text);
	}
}

static bool has_msg(const struct got *g, enum ka_level level, const char *text)
{
	for (size_t i = 0; i < g->m.n; i++)
		if (g->m.v[i].level == level && strstr(g->m.v[i].text, text))
			return true;
	return false;
}

/* ---- comments, quoting, braces ---------------------------------------- */

START_TEST(test_comments)
{
	struct got g = read_text("! a bang comment\n"
				 "   # a hash comment\n"
				 "a b # trailing\n"
				 "c d ! trailing too\n"
				 "e \"x # y\" z\n"
				 "f g\\#h \\!i\n"
				 "\n\t\n", NULL);

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "a|b\nc|d\ne|x # y|z\nf|g#h|!i\n");
	ck_assert_int_eq(top(&g, 0)->line, 3);
	ck_assert_int_eq(top(&g, 3)->line, 6);
	got_free(&g);
}
END_TEST

START_TEST(test_quoting)
{
	/* keepalived's keyword split: "..." is one word, and a quote also
	 * ends an unquoted word; single quotes are plain characters there. */
	struct got g = read_text("script \"/bin/x -a 'b c'\" user\n"
				 "abc\"def\"ghi\n"
				 "empty \"\" end\n", NULL);

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "script|/bin/x -a 'b c'|user\nabc|def|ghi\nempty||end\n");
	ck_assert_str_eq(top(&g, 0)->raw, "script \"/bin/x -a 'b c'\" user");
	got_free(&g);
	g = read_text("a b\nc \"open\n", NULL);
	assert_error(&g, "keepalived.conf", 2, "double quote");
	got_free(&g);
}
END_TEST

START_TEST(test_braces)
{
	struct got g = read_text("vrrp_instance VI_1 {\n"
				 "  interface eth0\n"
				 "  virtual_ipaddress { 198.51.100.1/24\n"
				 "     198.51.100.2 }\n"
				 "  track_script\n"
				 "  {\n"
				 "     chk\n"
				 "  }\n"
				 "  authentication {\n"
				 "  }\n"
				 "}\n"
				 "vrrp_instance VI_2{ interface \"a{b}\" } x y\n", NULL);
	const struct ka_stmt *vi;

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "vrrp_instance|VI_1{4}\nvrrp_instance|VI_2{1}\nx|y\n");
	vi = top(&g, 0);
	ck_assert_str_eq(joined(&vi->kids[1]), "virtual_ipaddress");
	ck_assert_uint_eq(vi->kids[1].nkids, 2);
	ck_assert_str_eq(joined(&vi->kids[1].kids[1]), "198.51.100.2");
	ck_assert_int_eq(vi->kids[1].kids[1].line, 4);
	ck_assert_uint_eq(vi->kids[2].nkids, 1);
	ck_assert(vi->kids[3].block);
	ck_assert_uint_eq(vi->kids[3].nkids, 0);
	/* A brace inside double quotes does not split. */
	ck_assert_str_eq(joined(&top(&g, 1)->kids[0]), "interface|a{b}");
	ck_assert_int_eq(top(&g, 2)->line, 12);
	got_free(&g);
}
END_TEST

START_TEST(test_brace_errors)
{
	struct got g = read_text("a {\n  b {\n    c\n  }\n", NULL);

	assert_error(&g, "keepalived.conf", 1, "never closed");
	got_free(&g);
	g = read_text("a {\n}\n}\n", NULL);
	assert_error(&g, "keepalived.conf", 3, "'}' closes no block");
	got_free(&g);
	g = read_text("a {\n}\n{\n}\n", NULL);
	assert_error(&g, "keepalived.conf", 3, "'{' with no keyword before it");
	got_free(&g);
}
END_TEST

START_TEST(test_crlf_and_no_final_newline)
{
	struct got g = read_text("a b\r\nc {\r\n d\r\n}", NULL);

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "a|b\nc{1}\n");
	got_free(&g);
}
END_TEST

/* ---- include ---------------------------------------------------------- */

START_TEST(test_include_relative_and_glob)
{
	struct got g;

	put("conf.d/20-b.conf", "b 1\ninclude ../more/x.conf\nb 3\n");
	put("conf.d/10-a.conf", "a 1\n");
	put("conf.d/README", "not matched\n");
	put("more/x.conf", "x 1\n");
	g = read_text("first\ninclude conf.d/*.conf\nlast\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	/* Sorted matches, each file in place; a relative include inside an
	 * included file is relative to that file's directory. */
	ck_assert_str_eq(flat(&g), "first\na|1\nb|1\nx|1\nb|3\nlast\n");
	ck_assert_int_eq(top(&g, 4)->line, 3);
	ck_assert_str_eq(top(&g, 4)->shown, "conf.d/20-b.conf");
	ck_assert_str_eq(top(&g, 3)->shown, "conf.d/../more/x.conf");
	ck_assert_str_eq(top(&g, 0)->shown, "keepalived.conf");
	ck_assert_int_eq(top(&g, 5)->line, 3);
	ck_assert_uint_eq(g.t.nfiles, 4);
	got_free(&g);
}
END_TEST

START_TEST(test_include_in_a_block_and_braces)
{
	struct got g;

	put("vips.inc", "198.51.100.1\n198.51.100.2\n");
	put("body.inc", "interface eth0\n}\n");
	g = read_text("vrrp_instance X {\n"
		      "  virtual_ipaddress {\n"
		      "    include vips.inc\n"
		      "  }\n"
		      "  include {b,n}ody.inc\n"
		      "after\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "vrrp_instance|X{2}\nafter\n");
	ck_assert_uint_eq(top(&g, 0)->kids[0].nkids, 2);
	ck_assert_str_eq(top(&g, 0)->kids[0].kids[1].shown, "vips.inc");
	got_free(&g);
}
END_TEST

START_TEST(test_include_misses)
{
	struct got g;
	char p[512];

	/* keepalived's plain include tolerates no match: a note. */
	g = read_text("include nothing/*.conf\na\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	ck_assert(has_msg(&g, KA_NOTE, "no file matches"));
	ck_assert_uint_eq(ka_msgs_count(&g.m, KA_WARNING), 0);
	got_free(&g);
	/* includem asks for a match: a warning. */
	g = read_text("includem nothing/*.conf\na\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	ck_assert(has_msg(&g, KA_WARNING, "keepalived calls this a configuration error"));
	got_free(&g);
	/* An executable file is passed over, as keepalived does. */
	put("exec.conf", "x\n");
	snprintf(p, sizeof(p), "%s/exec.conf", dir);
	ck_assert_int_eq(chmod(p, 0755), 0);
	g = read_text("include exec.conf\na\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "a\n");
	ck_assert(has_msg(&g, KA_NOTE, "skipped"));
	got_free(&g);
}
END_TEST

START_TEST(test_include_errors)
{
	struct got g;
	char p[512];

	/* A file that includes itself. */
	g = read_text("a\ninclude keepalived.conf\n", NULL);
	ck_assert_int_eq(g.rc, -1);
	ck_assert(has_msg(&g, KA_ERROR, "files deep"));
	got_free(&g);
	/* A match that cannot be read stops the import: never a half output. */
	put("secret.conf", "x\n");
	snprintf(p, sizeof(p), "%s/secret.conf", dir);
	ck_assert_int_eq(chmod(p, 0), 0);
	if (geteuid() != 0) {
		g = read_text("include secret.conf\n", NULL);
		assert_error(&g, "keepalived.conf", 1, "cannot read");
		got_free(&g);
	}
	/* The main file itself. */
	g = read_as("missing.conf", NULL);
	ck_assert_int_eq(g.rc, -1);
	ck_assert(has_msg(&g, KA_ERROR, "cannot read it"));
	got_free(&g);
	/* A block left open in an included file is still open after it. */
	put("open.inc", "b {\n");
	g = read_text("include open.inc\nc\n", NULL);
	assert_error(&g, "open.inc", 1, "never closed");
	got_free(&g);
}
END_TEST

/* ---- conditionals ----------------------------------------------------- */

START_TEST(test_conditionals)
{
	const char *text = "@n1 a one\n"
			   "@n2 a two\n"
			   "@^n1 b not-one\n"
			   "@n1\n"
			   "c always\n";
	struct got g = read_text(text, "n1");

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "a|one\nc|always\n");
	got_free(&g);
	g = read_text(text, "n2");
	ck_assert_str_eq(flat(&g), "a|two\nb|not-one\nc|always\n");
	got_free(&g);
	/* No config id: no @ID line applies, every @^ID line does. */
	g = read_text(text, NULL);
	ck_assert_str_eq(flat(&g), "b|not-one\nc|always\n");
	got_free(&g);
	/* The id is compared whole: n1 is not n10. */
	g = read_text("@n1 a\n@n10 b\n", "n10");
	ck_assert_str_eq(flat(&g), "b\n");
	got_free(&g);
}
END_TEST

/* ---- definitions ------------------------------------------------------ */

START_TEST(test_definitions)
{
	struct got g = read_text("$IF=eth0\n"
				 "$BASE=198.51.100.${SUB}\n"
				 "$SUB=100\n"
				 "interface $IF\n"
				 "addr ${BASE}/32\n"
				 "$SUB=110\n"
				 "addr ${BASE}/32\n"
				 "keep $IFX \"${UNDEFINED}\" $IF,x\n"
				 "$EMPTY=\n"
				 "e [${EMPTY}]\n"
				 "$ NOTADEF=1\n"
				 "$NAME =notadef\n", NULL);

	ck_assert_int_eq(g.rc, 0);
	/* Replaced when used, not when defined (keepalived's example); $NAME
	 * only before a blank, ',', ')' or the end; undefined ones stay. */
	ck_assert_str_eq(flat(&g), "interface|eth0\naddr|198.51.100.100/32\naddr|198.51.100.110/32\n"
		       "keep|$IFX|${UNDEFINED}|eth0,x\ne|[]\n$|NOTADEF=1\n$NAME|=notadef\n");
	got_free(&g);
}
END_TEST

START_TEST(test_definitions_with_conditionals)
{
	const char *text = "@n1 $PRIO=240\n"
			   "@n2 $PRIO=200\n"
			   "$IF_N1=@n1\n"
			   "priority $PRIO\n"
			   "$IF_N1 only_on_n1\n"
			   "p \"${PRIO_${_INSTANCE}}\"\n"
			   "$PRIO_n1=1\n"
			   "$PRIO_n2=2\n"
			   "p ${PRIO_${_INSTANCE}}\n";
	struct got g = read_text(text, "n1");

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "priority|240\nonly_on_n1\np|${PRIO_n1}\np|1\n");
	got_free(&g);
	g = read_text(text, "n2");
	ck_assert_str_eq(flat(&g), "priority|200\np|${PRIO_n2}\np|2\n");
	got_free(&g);
}
END_TEST

START_TEST(test_multiline_definition)
{
	struct got g = read_text("$VI= \\\n"
				 "vrrp_instance VI_${NUM} { \\\n"
				 "   # a comment inside is dropped \\\n"
				 "   interface eth0.${NUM} \\\n"
				 "   @n1 priority 130 \\\n"
				 "   @n2 priority 120 \\\n"
				 "}\n"
				 "$NUM=0\n"
				 "$VI\n"
				 "$NUM=1\n"
				 "$VI\n"
				 "not $VI at the end\n", "n2");
	const struct ka_stmt *s;

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "vrrp_instance|VI_0{2}\nvrrp_instance|VI_1{2}\nnot|$VI|at|the|end\n");
	s = top(&g, 1);
	ck_assert_str_eq(joined(&s->kids[0]), "interface|eth0.1");
	ck_assert_str_eq(joined(&s->kids[1]), "priority|120");
	/* Lines of an expansion carry the line of the reference. */
	ck_assert_int_eq(s->line, 11);
	ck_assert_int_eq(s->kids[1].line, 11);
	got_free(&g);
}
END_TEST

START_TEST(test_multiline_ends_at_empty_line)
{
	struct got g = read_text("$A= x \\\n"
				 "  y \\\n"
				 "\n"
				 "after\n"
				 "$A\n", NULL);

	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "after\nx\ny\n");
	got_free(&g);
}
END_TEST

START_TEST(test_predefined)
{
	char want[512];
	struct got g;

	put("sub/inc.conf", "where ${_PWD}\n");
	g = read_text("id ${_INSTANCE} $_INSTANCE\n"
		      "h a${_HASH}b${_BANG}c\n"
		      "include sub/inc.conf\n", "main");
	ck_assert_int_eq(g.rc, 0);
	/* ${_PWD} is the directory of the file being read, absolute. */
	snprintf(want, sizeof(want), "id|main|main\nh|a#b!c\nwhere|%s/sub\n", dir);
	ck_assert_str_eq(flat(&g), want);
	got_free(&g);
	g = read_text("r ${_RANDOM 5 9}\n", NULL);
	ck_assert_int_eq(g.rc, 0);
	ck_assert_str_eq(flat(&g), "r|5\n");
	ck_assert(has_msg(&g, KA_WARNING, "_RANDOM"));
	got_free(&g);
}
END_TEST

START_TEST(test_definition_loops_and_seq)
{
	struct got g = read_text("$A=x $A\nuse $A\n", NULL);

	assert_error(&g, "keepalived.conf", 2, "does not end");
	got_free(&g);
	g = read_text("a\n~SEQ(N, 0, 3) addr 10.0.${N}.1\n", NULL);
	assert_error(&g, "keepalived.conf", 2, "~SEQ lines are not supported");
	got_free(&g);
}
END_TEST

/* ---- script command lines --------------------------------------------- */

START_TEST(test_split_command)
{
	const char *why;
	size_t n;
	char **w = ka_split_command("  /bin/x 'a b' \"c d\" e\\ f \\x41\\101\\n g'h'\"i\"", &n, &why);

	ck_assert_ptr_nonnull(w);
	ck_assert_uint_eq(n, 6);
	ck_assert_str_eq(w[0], "/bin/x");
	ck_assert_str_eq(w[1], "a b");
	ck_assert_str_eq(w[2], "c d");
	ck_assert_str_eq(w[3], "e f");
	ck_assert_str_eq(w[4], "AA\n");
	ck_assert_str_eq(w[5], "ghi");
	ck_assert_ptr_null(w[6]);
	ka_words_free(w);
	ck_assert_ptr_null(ka_split_command("/bin/x 'open", &n, &why));
	ck_assert_str_eq(why, "a ' is not closed");
	ck_assert_ptr_null(ka_split_command("/bin/x \\", &n, &why));
	w = ka_split_command("   ", &n, &why);
	ck_assert_uint_eq(n, 0);
	ka_words_free(w);
}
END_TEST

static Suite *kaconf_suite(void)
{
	Suite *s = suite_create("kaconf");
	TCase *tc = tcase_create("reader");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_comments);
	tcase_add_test(tc, test_quoting);
	tcase_add_test(tc, test_braces);
	tcase_add_test(tc, test_brace_errors);
	tcase_add_test(tc, test_crlf_and_no_final_newline);
	tcase_add_test(tc, test_include_relative_and_glob);
	tcase_add_test(tc, test_include_in_a_block_and_braces);
	tcase_add_test(tc, test_include_misses);
	tcase_add_test(tc, test_include_errors);
	tcase_add_test(tc, test_conditionals);
	tcase_add_test(tc, test_definitions);
	tcase_add_test(tc, test_definitions_with_conditionals);
	tcase_add_test(tc, test_multiline_definition);
	tcase_add_test(tc, test_multiline_ends_at_empty_line);
	tcase_add_test(tc, test_predefined);
	tcase_add_test(tc, test_definition_loops_and_seq);
	tcase_add_test(tc, test_split_command);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	runner_pid = getpid();
	SRunner *sr = srunner_create(kaconf_suite());
	srunner_run_all(sr, CK_NORMAL);
	int failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	tu_remove_leftovers("check_kaconf", runner_pid);
	return failed ? 1 : 0;
}
