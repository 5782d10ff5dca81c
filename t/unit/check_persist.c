/* SPDX-License-Identifier: GPL-2.0-or-later */
/* check_persist.c - unit tests of the two-slot counters file (src/persist.c).
 *
 * Each test works in a fresh directory /tmp/check_persist.<runner pid>.XXXXXX
 * and removes it; a test whose assertion fails ends at once, so the runner
 * (which forks the tests) also removes whatever is left when it exits.
 * Damaged files are made by flipping bytes of real ones or by forging
 * slots with persist_slot_build. Only the sync-thread test waits (for the
 * thread, at most 2 s); every other clock is injected. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "persist.h"
#include "testutil.h"

#define NODE "n1"
#define T0 1000000000ull /* an arbitrary "now", in µs */
#define SEC 1000000ull

static pid_t runner_pid;

struct tdir {
	char dir[96];
	char file[128];
	char bad[128];
};

static void remove_leftovers(void)
{
	tu_remove_leftovers("check_persist", runner_pid);
}

static void tdir_new(struct tdir *t)
{
	snprintf(t->dir, sizeof(t->dir), "/tmp/check_persist.%d.XXXXXX", (int)runner_pid);
	ck_assert_ptr_nonnull(mkdtemp(t->dir));
	snprintf(t->file, sizeof(t->file), "%s/%s", t->dir, PERSIST_FILE);
	snprintf(t->bad, sizeof(t->bad), "%s/%s.bad", t->dir, PERSIST_FILE);
}

static void tdir_free(struct tdir *t)
{
	tu_remove_tree(t->dir);
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* A payload that differs with its tag, of len bytes. */
static void make_payload(uint8_t *p, size_t len, unsigned tag)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(tag * 31 + i * 7 + (i >> 8));
}

static void write_ok(struct persist *p, unsigned tag, size_t len, bool clean, uint64_t now)
{
	uint8_t payload[1024];

	ck_assert_uint_le(len, sizeof(payload));
	make_payload(payload, len, tag);
	ck_assert_int_eq(persist_write(p, payload, len, clean, now), 0);
}

/* A fresh directory whose counters file holds generations 1 to 3 (the
 * payloads tagged 1 to 3, 10 bytes each). */
static void tdir_with_three_records(struct tdir *t, bool last_clean)
{
	struct persist *p;

	tdir_new(t);
	p = persist_new(t->dir, NODE, 0);
	write_ok(p, 1, 10, false, T0);
	write_ok(p, 2, 10, false, T0);
	write_ok(p, 3, 10, last_clean, T0);
	persist_free(p);
}

struct loaded {
	enum persist_load r;
	uint8_t payload[PERSIST_MAX_PAYLOAD];
	size_t len;
	bool clean;
	char why[512];
};

/* Load with a fresh persist object (as a restart would). */
static void load_fresh(const char *dir, const char *node, struct loaded *l)
{
	struct persist *p = persist_new(dir, node, 0);

	ck_assert_ptr_nonnull(p);
	memset(l, 0x77, sizeof(*l));
	l->r = persist_load(p, l->payload, sizeof(l->payload), &l->len, &l->clean, l->why,
			    sizeof(l->why));
	persist_free(p);
}

static void assert_payload(const struct loaded *l, unsigned tag, size_t len)
{
	uint8_t want[1024];

	ck_assert_uint_eq(l->len, len);
	make_payload(want, len, tag);
	ck_assert_mem_eq(l->payload, want, len);
}

/* Nothing usable: no length, no clean flag, and a reason. */
static void assert_nothing(const struct loaded *l)
{
	ck_assert_uint_eq(l->len, 0);
	ck_assert(!l->clean);
	ck_assert_msg(l->why[0] != '\0', "no reason given");
}

/* The magic and generation of slot i (0 = A), 0 if the slot has no magic. */
static uint64_t slot_gen(const char *file, int i)
{
	uint8_t h[24];
	uint64_t g = 0;
	int fd = open(file, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	ssize_t n = pread(fd, h, sizeof(h), (off_t)i * PERSIST_SLOT_SIZE);
	close(fd);
	if (n < (ssize_t)sizeof(h) || memcmp(h, "CLUSTDCT", 8) != 0)
		return 0;
	for (int k = 7; k >= 0; k--)
		g = g << 8 | h[16 + k];
	return g;
}

static void flip_byte(const char *file, off_t off)
{
	uint8_t b;
	int fd = open(file, O_RDWR);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pread(fd, &b, 1, off), 1);
	b ^= 0x20;
	ck_assert_int_eq(pwrite(fd, &b, 1, off), 1);
	close(fd);
}

/* Write a file of exactly these slot images (each padded to a slot,
 * except the last, which is cut at last_len bytes). */
static void write_file_slots(const char *file, const uint8_t *const *slots, int n,
			     size_t last_len)
{
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	for (int i = 0; i < n; i++) {
		size_t len = i == n - 1 ? last_len : PERSIST_SLOT_SIZE;

		ck_assert_int_eq(pwrite(fd, slots[i], len, (off_t)i * PERSIST_SLOT_SIZE),
				 (ssize_t)len);
	}
	close(fd);
}

static uint8_t *forge(const char *node, uint64_t gen, bool clean, unsigned tag, size_t len)
{
	uint8_t *slot = calloc(1, PERSIST_SLOT_SIZE), payload[1024];

	ck_assert_ptr_nonnull(slot);
	make_payload(payload, len, tag);
	ck_assert_uint_eq(persist_slot_build(slot, node, gen, clean, payload, len),
			  PERSIST_HDR_SIZE + len);
	return slot;
}

/* ---- loading ----------------------------------------------------------- */

START_TEST(test_missing_file)
{
	struct tdir t;
	struct loaded l;

	tdir_new(&t);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_MISSING);
	assert_nothing(&l);
	ck_assert_ptr_nonnull(strstr(l.why, "does not exist"));
	ck_assert(!exists(t.file)); /* loading creates nothing */
	tdir_free(&t);
}
END_TEST

START_TEST(test_write_load_alternating)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	int first;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	ck_assert_ptr_nonnull(p);

	write_ok(p, 1, 100, false, T0);
	ck_assert(exists(t.file));
	/* Generation 1 in one slot, the other never written. */
	first = slot_gen(t.file, 0) == 1 ? 0 : 1;
	ck_assert_uint_eq(slot_gen(t.file, first), 1);
	ck_assert_uint_eq(slot_gen(t.file, 1 - first), 0);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 1, 100);

	write_ok(p, 2, 300, false, T0 + 1);
	ck_assert_uint_eq(slot_gen(t.file, first), 1);
	ck_assert_uint_eq(slot_gen(t.file, 1 - first), 2);
	write_ok(p, 3, 7, true, T0 + 2);
	ck_assert_uint_eq(slot_gen(t.file, first), 3);
	ck_assert_uint_eq(slot_gen(t.file, 1 - first), 2);
	write_ok(p, 4, 0, false, T0 + 3);
	ck_assert_uint_eq(slot_gen(t.file, first), 3);
	ck_assert_uint_eq(slot_gen(t.file, 1 - first), 4);

	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.writes, 4);
	ck_assert_uint_eq(st.write_errors, 0);
	ck_assert_uint_eq(st.generation, 4);
	ck_assert(st.ok);
	ck_assert_str_eq(st.error, "");
	persist_free(p);

	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 4, 0);
	ck_assert(!l.clean);
	tdir_free(&t);
}
END_TEST

START_TEST(test_clean_flag)
{
	struct tdir t;
	struct loaded l;
	struct persist *p;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	write_ok(p, 1, 50, true, T0);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	ck_assert(l.clean);
	assert_payload(&l, 1, 50);
	write_ok(p, 2, 50, false, T0);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	ck_assert(!l.clean);
	assert_payload(&l, 2, 50);
	write_ok(p, 3, 50, true, T0);
	load_fresh(t.dir, NODE, &l);
	ck_assert(l.clean);
	persist_free(p);
	tdir_free(&t);
}
END_TEST

/* The newest slot damaged: the older record, a reason naming the slot;
 * the next write goes over the damaged slot, never over the good one. */
START_TEST(test_fallback_to_older_slot)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	char want[64];

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	write_ok(p, 1, 200, true, T0);
	write_ok(p, 2, 250, false, T0);
	persist_free(p);
	int newest = slot_gen(t.file, 0) == 2 ? 0 : 1;
	ck_assert_uint_eq(slot_gen(t.file, newest), 2);
	flip_byte(t.file, (off_t)newest * PERSIST_SLOT_SIZE + PERSIST_HDR_SIZE + 100);

	p = persist_new(t.dir, NODE, 0);
	memset(&l, 0, sizeof(l));
	l.r = persist_load(p, l.payload, sizeof(l.payload), &l.len, &l.clean, l.why,
			   sizeof(l.why));
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 1, 200);
	ck_assert(l.clean);
	snprintf(want, sizeof(want), "slot %c", 'A' + newest);
	ck_assert_msg(strstr(l.why, want) && strstr(l.why, "checksum"), "why: %s", l.why);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.generation, 1);

	write_ok(p, 3, 40, false, T0);
	ck_assert_uint_eq(slot_gen(t.file, newest), 2);
	ck_assert_uint_eq(slot_gen(t.file, 1 - newest), 1);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 3, 40);
	tdir_free(&t);
}
END_TEST

/* A damaged header byte (the generation) is caught by the checksum too. */
START_TEST(test_fallback_header_damage)
{
	struct tdir t;
	struct loaded l;
	struct persist *p;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	write_ok(p, 1, 10, false, T0);
	write_ok(p, 2, 10, false, T0);
	persist_free(p);
	int newest = slot_gen(t.file, 0) == 2 ? 0 : 1;
	flip_byte(t.file, (off_t)newest * PERSIST_SLOT_SIZE + 20); /* generation, high byte */
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 1, 10);
	ck_assert_ptr_nonnull(strstr(l.why, "checksum"));
	tdir_free(&t);
}
END_TEST

START_TEST(test_both_slots_bad)
{
	struct tdir t;
	struct loaded l;
	struct persist *p;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	write_ok(p, 1, 64, false, T0);
	write_ok(p, 2, 64, false, T0);
	persist_free(p);
	flip_byte(t.file, PERSIST_HDR_SIZE + 3);
	flip_byte(t.file, PERSIST_SLOT_SIZE + PERSIST_HDR_SIZE + 3);

	p = persist_new(t.dir, NODE, 0);
	memset(&l, 0, sizeof(l));
	l.r = persist_load(p, l.payload, sizeof(l.payload), &l.len, &l.clean, l.why,
			   sizeof(l.why));
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "slot A") && strstr(l.why, "slot B") &&
		      strstr(l.why, "checksum") && strstr(l.why, "counters.bad"), "why: %s", l.why);
	ck_assert(!exists(t.file));
	ck_assert(exists(t.bad));
	/* Starting over: a new file, generation 1, the bad one left alone. */
	write_ok(p, 5, 30, false, T0);
	ck_assert(exists(t.file));
	ck_assert(slot_gen(t.file, 0) == 1 || slot_gen(t.file, 1) == 1);
	ck_assert(slot_gen(t.file, 0) == 0 || slot_gen(t.file, 1) == 0);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 5, 30);
	tdir_free(&t);
}
END_TEST

START_TEST(test_empty_file)
{
	struct tdir t;
	struct loaded l;
	int fd;

	tdir_new(&t);
	fd = open(t.file, O_WRONLY | O_CREAT, 0600);
	ck_assert_int_ge(fd, 0);
	close(fd);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "empty") != NULL, "why: %s", l.why);
	ck_assert(!exists(t.file));
	ck_assert(exists(t.bad));
	tdir_free(&t);
}
END_TEST

/* Two slots of zeros (created, never written): as empty as no bytes. */
START_TEST(test_zero_filled_file)
{
	struct tdir t;
	struct loaded l;
	uint8_t *zero = calloc(1, PERSIST_SLOT_SIZE);
	const uint8_t *slots[2] = { zero, zero };

	tdir_new(&t);
	write_file_slots(t.file, slots, 2, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "empty") != NULL, "why: %s", l.why);
	free(zero);
	tdir_free(&t);
}
END_TEST

START_TEST(test_truncated_files)
{
	struct tdir t;
	struct loaded l;
	uint8_t *a = forge(NODE, 2, true, 9, 500), *b = forge(NODE, 3, false, 10, 600);
	const uint8_t *one[1] = { a }, *two[2] = { a, b };

	tdir_new(&t);
	/* 100 bytes: not even a header. */
	write_file_slots(t.file, one, 1, 100);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "truncated") != NULL, "why: %s", l.why);
	ck_assert(exists(t.bad));

	/* A header whose payload is cut short. */
	write_file_slots(t.file, one, 1, PERSIST_HDR_SIZE + 499);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "truncated") != NULL, "why: %s", l.why);

	/* Exactly one slot long, slot A valid: slot B was never written. */
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 9, 500);
	ck_assert(l.clean);

	/* Slot A's record alone, unpadded. */
	write_file_slots(t.file, one, 1, PERSIST_HDR_SIZE + 500);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 9, 500);

	/* Slot B cut inside its header or payload: fall back to A. */
	write_file_slots(t.file, two, 2, 10);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 9, 500);
	ck_assert_msg(strstr(l.why, "slot B") && strstr(l.why, "truncated"), "why: %s", l.why);
	write_file_slots(t.file, two, 2, PERSIST_HDR_SIZE + 599);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 9, 500);

	/* Both whole: the newer, B. */
	write_file_slots(t.file, two, 2, PERSIST_HDR_SIZE + 600);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 10, 600);
	ck_assert(!l.clean);
	free(a);
	free(b);
	tdir_free(&t);
}
END_TEST

/* The version is judged before the checksum: no re-checksum needed. */
START_TEST(test_wrong_version_magic_generation)
{
	struct tdir t;
	struct loaded l;
	uint8_t *a = forge(NODE, 1, true, 1, 20);
	const uint8_t *one[1] = { a };

	tdir_new(&t);
	a[8] = 2;
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "format version 2") != NULL, "why: %s", l.why);
	/* Bad magic likewise. */
	a[8] = 1;
	a[0] = 'X';
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	ck_assert_msg(strstr(l.why, "magic") != NULL, "why: %s", l.why);
	/* Generation 0 means never written, even with a good checksum. */
	free(a);
	a = forge(NODE, 0, true, 1, 20);
	one[0] = a;
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "generation 0") != NULL, "why: %s", l.why);
	free(a);
	tdir_free(&t);
}
END_TEST

START_TEST(test_foreign_node)
{
	struct tdir t;
	struct loaded l;
	uint8_t *a = forge("other-node", 4, true, 1, 20), *b = forge(NODE, 3, true, 2, 20);
	uint8_t *prefix = forge("n", 5, true, 3, 20), *longer = forge("n1x", 5, true, 3, 20);
	const uint8_t *one[1] = { a }, *mixed[2] = { a, b };

	tdir_new(&t);
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	assert_nothing(&l);
	ck_assert_msg(strstr(l.why, "belongs to node \"other-node\"") != NULL, "why: %s", l.why);
	/* A name that is a prefix of ours, or ours a prefix of it. */
	one[0] = prefix;
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	ck_assert_msg(strstr(l.why, "belongs to node \"n\"") != NULL, "why: %s", l.why);
	one[0] = longer;
	write_file_slots(t.file, one, 1, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_BAD);
	/* A foreign record next to ours, even a newer one, is never taken. */
	write_file_slots(t.file, mixed, 2, PERSIST_SLOT_SIZE);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 2, 20);
	ck_assert_msg(strstr(l.why, "slot A belongs to node \"other-node\"") != NULL, "why: %s",
		      l.why);
	/* And the other node reads its own. */
	load_fresh(t.dir, "other-node", &l);
	ck_assert_int_eq(l.r, PERSIST_FALLBACK);
	assert_payload(&l, 1, 20);
	free(a);
	free(b);
	free(prefix);
	free(longer);
	tdir_free(&t);
}
END_TEST

START_TEST(test_generation_continues)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;

	tdir_with_three_records(&t, true);
	int third = slot_gen(t.file, 0) == 3 ? 0 : 1;

	p = persist_new(t.dir, NODE, 0);
	l.r = persist_load(p, l.payload, sizeof(l.payload), &l.len, &l.clean, l.why,
			   sizeof(l.why));
	ck_assert_int_eq(l.r, PERSIST_OK);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.generation, 3);
	write_ok(p, 4, 10, false, T0);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.generation, 4);
	ck_assert_uint_eq(slot_gen(t.file, third), 3);
	ck_assert_uint_eq(slot_gen(t.file, 1 - third), 4);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 4, 10);
	tdir_free(&t);
}
END_TEST

/* A record that cannot be read (here: the caller's buffer is too small)
 * is not "nothing": no length is reported, and the next write still goes
 * above the record's generation, so the stale record never wins again. */
START_TEST(test_unreadable_keeps_generation)
{
	struct tdir t;
	uint8_t small[4];
	size_t len = 99;
	bool clean = true;
	char why[256];
	struct loaded l;
	struct persist *p;

	tdir_with_three_records(&t, false);

	p = persist_new(t.dir, NODE, 0);
	ck_assert_int_eq(persist_load(p, small, sizeof(small), &len, &clean, why, sizeof(why)),
			 PERSIST_UNREADABLE);
	ck_assert_uint_eq(len, 0);
	ck_assert(!clean);
	write_ok(p, 4, 10, false, T0);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 4, 10);
	tdir_free(&t);
}
END_TEST

/* The whole of file (at most 2 slots) into buf; its length. */
static size_t slurp_file(const char *file, uint8_t *buf, size_t cap)
{
	int fd = open(file, O_RDONLY);
	ssize_t n;

	ck_assert_int_ge(fd, 0);
	n = pread(fd, buf, cap, 0);
	close(fd);
	ck_assert_int_ge(n, 0);
	return (size_t)n;
}

/* Is there a file in dir holding exactly these bytes? */
static bool bytes_survive(const char *dir, const uint8_t *want, size_t len)
{
	static uint8_t have[2 * PERSIST_SLOT_SIZE + 1];
	struct dirent *e;
	bool found = false;
	DIR *d = opendir(dir);

	ck_assert_ptr_nonnull(d);
	while (!found && (e = readdir(d))) {
		char path[400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		found = slurp_file(path, have, sizeof(have)) == len && !memcmp(have, want, len);
	}
	closedir(d);
	return found;
}

/* A read error (EIO) during load, after `skip` good reads: the file is
 * never written over, two more commits later its bytes are still there,
 * and the next load finds the newest commit. */
static void check_read_error_keeps_file(unsigned skip)
{
	static uint8_t before[2 * PERSIST_SLOT_SIZE + 1];
	struct tdir t;
	struct loaded l;
	struct persist *p;
	size_t len;

	tdir_with_three_records(&t, false);
	len = slurp_file(t.file, before, sizeof(before));
	ck_assert_uint_eq(len, 2 * PERSIST_SLOT_SIZE);

	p = persist_new(t.dir, NODE, 0);
	persist_inject_read_error(p, EIO, skip);
	memset(&l, 0, sizeof(l));
	l.r = persist_load(p, l.payload, sizeof(l.payload), &l.len, &l.clean, l.why,
			   sizeof(l.why));
	ck_assert_int_eq(l.r, PERSIST_UNREADABLE);
	assert_nothing(&l);
	persist_inject_read_error(p, 0, 0);
	for (unsigned tag = 4; tag <= 5; tag++) {
		uint8_t payload[10];

		make_payload(payload, sizeof(payload), tag);
		persist_write(p, payload, sizeof(payload), false, T0);
	}
	persist_free(p);
	ck_assert_msg(bytes_survive(t.dir, before, len),
		      "the unreadable file was written over (%s)", l.why);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 5, 10);
	tdir_free(&t);
}

START_TEST(test_read_error_keeps_file)
{
	check_read_error_keeps_file(0); /* the first slot read fails */
}
END_TEST

START_TEST(test_payload_read_error_keeps_file)
{
	check_read_error_keeps_file(2); /* both headers read, the payload fails */
}
END_TEST

/* Sets or clears the immutable flag of dir; false where that cannot be
 * done (no CAP_LINUX_IMMUTABLE, a filesystem without it). */
static bool set_immutable(const char *dir, bool on)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY), flags = 0;
	bool done;

	if (fd < 0)
		return false;
	done = ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0;
	flags = on ? flags | FS_IMMUTABLE_FL : flags & ~FS_IMMUTABLE_FL;
	done = done && ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
	close(fd);
	return done;
}

/* An unreadable file that cannot be set aside (its directory is
 * immutable): nothing is written, the error shows; once the rename is
 * possible the next retry sets it aside and writes a fresh file. */
START_TEST(test_unreadable_not_set_aside_not_written)
{
	static uint8_t before[2 * PERSIST_SLOT_SIZE + 1];
	uint8_t payload[10];
	struct persist_stats st;
	struct tdir t;
	struct loaded l;
	struct persist *p;
	int refused, later;
	size_t len;

	tdir_with_three_records(&t, false);
	len = slurp_file(t.file, before, sizeof(before));
	if (!set_immutable(t.dir, true)) {
		tdir_free(&t);
		TU_SKIP("needs root and a filesystem with the immutable flag");
	}
	p = persist_new(t.dir, NODE, 0);
	persist_inject_read_error(p, EIO, 0);
	l.r = persist_load(p, l.payload, sizeof(l.payload), &l.len, &l.clean, l.why,
			   sizeof(l.why));
	persist_inject_read_error(p, 0, 0);
	make_payload(payload, sizeof(payload), 4);
	refused = persist_write(p, payload, sizeof(payload), false, T0);
	persist_get_stats(p, &st);
	set_immutable(t.dir, false);
	later = persist_write(p, payload, sizeof(payload), false, T0 + 10 * SEC);
	persist_free(p);

	ck_assert_int_eq(l.r, PERSIST_UNREADABLE);
	ck_assert_msg(strstr(l.why, "cannot set it aside") != NULL, "why: %s", l.why);
	ck_assert_int_eq(refused, -EIO);
	ck_assert(!st.ok);
	ck_assert_msg(strstr(st.error, "unreadable") != NULL, "error: %s", st.error);
	ck_assert_int_eq(later, 0);
	ck_assert(bytes_survive(t.dir, before, len));
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 4, 10);
	tdir_free(&t);
}
END_TEST

/* ---- writing ----------------------------------------------------------- */

START_TEST(test_missing_state_dir)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	uint8_t payload[16] = { 0 };
	char dir[160], file[200];

	tdir_new(&t);
	snprintf(dir, sizeof(dir), "%s/state", t.dir);
	snprintf(file, sizeof(file), "%s/%s", dir, PERSIST_FILE);
	p = persist_new(dir, NODE, 0);
	ck_assert_int_eq(persist_write(p, payload, sizeof(payload), false, T0), -ENOENT);
	persist_get_stats(p, &st);
	ck_assert(!st.ok);
	ck_assert_uint_eq(st.write_errors, 1);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_msg(strstr(st.error, dir) && strstr(st.error, strerror(ENOENT)), "error: %s",
		      st.error);
	ck_assert_int_eq(persist_sync_now(p), -EBADF);

	/* Within the retry interval: not even tried, even once the dir is there. */
	ck_assert_int_eq(persist_write(p, payload, sizeof(payload), false, T0 + SEC), -EAGAIN);
	ck_assert_int_eq(mkdir(dir, 0700), 0);
	ck_assert_int_eq(persist_write(p, payload, sizeof(payload), false, T0 + 4 * SEC), -EAGAIN);
	ck_assert(!exists(file));
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.write_errors, 1);
	ck_assert(!st.ok);

	ck_assert_int_eq(persist_write(p, payload, sizeof(payload), false, T0 + 6 * SEC), 0);
	persist_get_stats(p, &st);
	ck_assert(st.ok);
	ck_assert_str_eq(st.error, "");
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_uint_eq(st.generation, 1);
	ck_assert_int_eq(persist_sync_now(p), 0);
	persist_free(p);
	load_fresh(dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	ck_assert_uint_eq(l.len, sizeof(payload));
	tdir_free(&t);
}
END_TEST

START_TEST(test_payload_too_large)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	uint8_t *big = malloc(PERSIST_MAX_PAYLOAD + 1);

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 0);
	for (size_t i = 0; i <= PERSIST_MAX_PAYLOAD; i++)
		big[i] = (uint8_t)(i * 13);
	ck_assert_int_eq(persist_write(p, big, PERSIST_MAX_PAYLOAD + 1, false, T0), -EFBIG);
	persist_get_stats(p, &st);
	ck_assert(!st.ok);
	ck_assert_uint_eq(st.writes, 0);
	ck_assert_ptr_nonnull(strstr(st.error, "too large"));
	ck_assert(!exists(t.file));
	/* The largest that fits works, and clears the error. */
	ck_assert_int_eq(persist_write(p, big, PERSIST_MAX_PAYLOAD, false, T0), 0);
	persist_get_stats(p, &st);
	ck_assert(st.ok);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	ck_assert_uint_eq(l.len, PERSIST_MAX_PAYLOAD);
	ck_assert_mem_eq(l.payload, big, PERSIST_MAX_PAYLOAD);
	free(big);
	tdir_free(&t);
}
END_TEST

/* ---- the sync thread ------------------------------------------------- */

/* Waits (2 s at most) until the writer thread did want syncs (or, with
 * writes, file writes); returns how many it did. */
static unsigned long long wait_stat(struct persist *p, bool writes, unsigned long long want)
{
	struct persist_stats st;
	struct timespec ms = { 0, 10 * 1000 * 1000 };

	for (int i = 0; i < 200; i++) {
		persist_get_stats(p, &st);
		if ((writes ? st.writes : st.syncs) >= want)
			break;
		nanosleep(&ms, NULL);
	}
	return writes ? st.writes : st.syncs;
}

static unsigned long long wait_syncs(struct persist *p, unsigned long long want)
{
	return wait_stat(p, false, want);
}

START_TEST(test_tick_syncs_in_thread)
{
	struct tdir t;
	struct persist_stats st;
	struct persist *p;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 100);
	/* Nothing written: a tick asks for nothing. */
	persist_tick(p, T0);
	write_ok(p, 1, 100, false, T0);
	persist_tick(p, T0);
	ck_assert_uint_ge(wait_syncs(p, 1), 1);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.sync_errors, 0);
	ck_assert(st.ok);
	ck_assert_uint_ge(st.sync_max_us, st.sync_last_us);
	persist_free(p);
	tdir_free(&t);
}
END_TEST

/* Freed with a sync just handed over, and freed with the thread idle:
 * joins, closes, frees (ASan and valgrind see the rest). */
START_TEST(test_free_joins)
{
	struct tdir t;
	struct persist *p;

	tdir_new(&t);
	p = persist_new(t.dir, NODE, 100);
	write_ok(p, 1, 100, false, T0);
	persist_tick(p, T0);
	persist_free(p);
	p = persist_new(t.dir, NODE, 100);
	write_ok(p, 2, 100, false, T0);
	persist_free(p);
	p = persist_new(t.dir, NODE, 0);
	persist_free(p);
	persist_free(NULL);
	struct loaded l;
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 2, 100);
	tdir_free(&t);
}
END_TEST

/* ---- the crash copy (persist_use_live) -------------------------------- */

/* A persist with its crash copy in t->dir/run (state in t->dir), loaded. */
static struct persist *live_open(struct tdir *t, unsigned sync_ms, struct loaded *l)
{
	char run[160];
	struct persist *p = persist_new(t->dir, NODE, sync_ms);

	snprintf(run, sizeof(run), "%s/run", t->dir);
	mkdir(run, 0700);
	ck_assert_ptr_nonnull(p);
	ck_assert_int_eq(persist_use_live(p, run), 0);
	l->r = persist_load(p, l->payload, sizeof(l->payload), &l->len, &l->clean, l->why,
			    sizeof(l->why));
	return p;
}

static void live_path(const struct tdir *t, char *buf, size_t size)
{
	snprintf(buf, size, "%s/run/%s", t->dir, PERSIST_LIVE_FILE);
}

static unsigned long long wait_writes(struct persist *p, unsigned long long want)
{
	return wait_stat(p, true, want);
}

/* The run's first record goes to the file at once (start-up); after
 * that the loop's writes go to the crash copy only, and the writer
 * thread brings the file up to date on the tick. */
START_TEST(test_live_write_leaves_file_to_thread)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	char live[200];

	tdir_new(&t);
	p = live_open(&t, 0, &l);
	ck_assert_int_eq(l.r, PERSIST_MISSING);
	write_ok(p, 1, 100, false, T0);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.writes, 1);
	write_ok(p, 2, 100, false, T0);
	write_ok(p, 3, 100, false, T0);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.writes, 1);
	ck_assert_uint_eq(st.generation, 3);
	ck_assert_uint_eq(slot_gen(t.file, 0) + slot_gen(t.file, 1), 1);
	live_path(&t, live, sizeof(live));
	ck_assert(exists(live));
	/* Interval 0: the file follows every second, without fdatasync. */
	persist_tick(p, T0 + SEC);
	ck_assert_uint_eq(wait_writes(p, 2), 2);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.syncs, 0);
	ck_assert(st.ok);
	persist_free(p);
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 3, 100);
	tdir_free(&t);
}
END_TEST

/* A crash after records the file does not have yet: the next start takes
 * the newer crash copy, and goes on from its generation. */
START_TEST(test_live_newer_after_crash)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;

	tdir_new(&t);
	p = live_open(&t, 100, &l);
	write_ok(p, 1, 50, false, T0);
	ck_assert_uint_eq(wait_writes(p, 1), 1);
	write_ok(p, 2, 50, false, T0 + 1);
	write_ok(p, 3, 60, false, T0 + 2);
	persist_free(p); /* no clean stop: a SIGKILL */
	load_fresh(t.dir, NODE, &l); /* the file alone: generation 1 */
	assert_payload(&l, 1, 50);
	p = live_open(&t, 100, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 3, 60);
	ck_assert(!l.clean);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.generation, 3);
	write_ok(p, 4, 10, false, T0 + 3);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.generation, 4);
	persist_free(p);
	tdir_free(&t);
}
END_TEST

/* A clean stop puts the last record into the file, synced, and removes
 * the crash copy: the file alone is the record (its damage is seen). */
START_TEST(test_live_clean_stop)
{
	struct tdir t;
	struct loaded l;
	struct persist_stats st;
	struct persist *p;
	char live[200];

	tdir_new(&t);
	p = live_open(&t, 0, &l);
	write_ok(p, 1, 10, false, T0);
	write_ok(p, 2, 20, true, T0);
	ck_assert_int_eq(persist_sync_now(p), 0);
	persist_get_stats(p, &st);
	ck_assert_uint_eq(st.syncs, 1);
	ck_assert_uint_eq(st.writes, 2); /* the first record, and the last */
	persist_free(p);
	live_path(&t, live, sizeof(live));
	ck_assert(!exists(live));
	load_fresh(t.dir, NODE, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	ck_assert(l.clean);
	assert_payload(&l, 2, 20);
	tdir_free(&t);
}
END_TEST

/* Without a good file (a new disk) the crash copy does not count, and it
 * is wiped: it cannot come back from under later records. */
START_TEST(test_live_ignored_without_file)
{
	struct tdir t;
	struct loaded l;
	struct persist *p;

	tdir_new(&t);
	p = live_open(&t, 0, &l);
	for (unsigned i = 1; i <= 5; i++)
		write_ok(p, i, 30, false, T0);
	persist_free(p); /* crash, and a new disk */
	ck_assert_int_eq(unlink(t.file), 0);
	p = live_open(&t, 0, &l);
	ck_assert_int_eq(l.r, PERSIST_MISSING);
	ck_assert_uint_eq(l.len, 0);
	write_ok(p, 9, 30, false, T0); /* generation 1 of the new lineage, in the file */
	persist_free(p); /* crash again */
	p = live_open(&t, 0, &l);
	ck_assert_int_eq(l.r, PERSIST_OK);
	assert_payload(&l, 9, 30); /* not tag 5 of the wiped generations */
	persist_free(p);
	tdir_free(&t);
}
END_TEST

static Suite *persist_suite(void)
{
	Suite *s = suite_create("persist");
	TCase *load = tcase_create("load");
	TCase *write = tcase_create("write");
	TCase *sync = tcase_create("sync");

	runner_pid = getpid();
	atexit(remove_leftovers);

	tcase_add_test(load, test_missing_file);
	tcase_add_test(load, test_write_load_alternating);
	tcase_add_test(load, test_clean_flag);
	tcase_add_test(load, test_fallback_to_older_slot);
	tcase_add_test(load, test_fallback_header_damage);
	tcase_add_test(load, test_both_slots_bad);
	tcase_add_test(load, test_empty_file);
	tcase_add_test(load, test_zero_filled_file);
	tcase_add_test(load, test_truncated_files);
	tcase_add_test(load, test_wrong_version_magic_generation);
	tcase_add_test(load, test_foreign_node);
	tcase_add_test(load, test_generation_continues);
	tcase_add_test(load, test_unreadable_keeps_generation);
	tcase_add_test(load, test_read_error_keeps_file);
	tcase_add_test(load, test_payload_read_error_keeps_file);
	tcase_add_test(load, test_unreadable_not_set_aside_not_written);
	suite_add_tcase(s, load);

	tcase_add_test(write, test_missing_state_dir);
	tcase_add_test(write, test_payload_too_large);
	suite_add_tcase(s, write);

	tcase_add_test(sync, test_tick_syncs_in_thread);
	tcase_add_test(sync, test_free_joins);
	suite_add_tcase(s, sync);

	TCase *live = tcase_create("live");
	tcase_add_test(live, test_live_write_leaves_file_to_thread);
	tcase_add_test(live, test_live_newer_after_crash);
	tcase_add_test(live, test_live_clean_stop);
	tcase_add_test(live, test_live_ignored_without_file);
	suite_add_tcase(s, live);
	return s;
}

CLUSTD_TEST_MAIN(persist_suite)
