/* SPDX-License-Identifier: GPL-2.0-or-later */
/* persist.c - the two-slot counters file and its sync thread (persist.h).
 *
 * Slot header (little endian):
 *    0   8  magic "CLUSTDCT"
 *    8   4  format version (1)
 *   12   4  payload length
 *   16   8  generation (1, 2, ...; 0 = never written)
 *   24   1  flags: bit 0 = written by a clean stop
 *   25   1  length of the node name
 *   26  64  node name, zero padded
 *   90   6  zero
 *   96  32  BLAKE2b-256 of bytes 0..95 and the payload
 *  128   .  payload (counters.h encoding)
 */
#include "persist.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <sodium.h>

#include "clock.h"
#include "counters.h"
#include "log.h"
#include "realtime.h"
#include "xalloc.h"

#define MAGIC "CLUSTDCT"
#define MAGIC_LEN 8
#define FORMAT_VERSION 1
#define NODE_FIELD 64
#define SUM_OFF 96
#define SUM_LEN 32
#define FLAG_CLEAN 0x01
#define RETRY_US 5000000ull  /* reopen a failed file at most this often */

struct persist {
	char *path;
	char node[NODE_FIELD];
	uint64_t sync_interval_us;
	int fd;                   /* -1 until the first successful open */
	uint64_t next_gen;
	uint64_t retry_at;        /* no open attempt before this (µs) */
	uint64_t last_pass_at;    /* when the last file update was handed over */
	bool written_since_sync;
	bool durable_since_sync;  /* ... and not routine only (counters_sync_due) */
	uint8_t slot[PERSIST_SLOT_SIZE];
	bool unread;              /* the file could not be read and is still there */

	/* The crash copy (persist_use_live): two slots in run_dir, mapped. */
	char *live_path;
	uint8_t *live;            /* NULL: none, records go to the file on the loop */
	int live_next;            /* the slot the next record goes to */
	uint64_t live_latest;     /* atomic: generation << 1 | slot of the newest, 0 none */
	/* The writer thread's own (live mode): the file's side. */
	int disk_last_slot;       /* slot of its last write to the file, -1 none */
	uint64_t disk_gen;        /* generation it last wrote there */
	bool first_written;       /* the run's first record went to the file */
	bool live_in_memory;      /* the crash copy is on tmpfs (or ramfs) */
	int inject_read_err;      /* tests: reads fail with this... */
	unsigned inject_skip;     /* ...after this many more succeeded */

	/* Shared with the sync thread, under lock. */
	pthread_mutex_t lock;
	pthread_cond_t wake;
	pthread_t thread;
	bool thread_started, sync_wanted, stopping;
	bool always_sync;         /* this round fdatasyncs even with interval 0 (clean stop) */
	struct persist_stats st;
	char write_err[120], sync_err[120]; /* "" when the last one worked */
};

static void put_le(uint8_t *p, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, int n)
{
	uint64_t v = 0;

	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void checksum(const uint8_t *slot, size_t len, uint8_t out[SUM_LEN])
{
	crypto_generichash_state h;

	crypto_generichash_init(&h, NULL, 0, SUM_LEN);
	crypto_generichash_update(&h, slot, SUM_OFF);
	crypto_generichash_update(&h, slot + PERSIST_HDR_SIZE, len);
	crypto_generichash_final(&h, out, SUM_LEN);
}

size_t persist_slot_build(uint8_t *slot, const char *node, uint64_t generation, bool clean,
			  const uint8_t *payload, size_t len)
{
	size_t nlen = strnlen(node, NODE_FIELD - 1);

	memset(slot, 0, PERSIST_HDR_SIZE);
	memcpy(slot, MAGIC, MAGIC_LEN);
	put_le(slot + 8, FORMAT_VERSION, 4);
	put_le(slot + 12, len, 4);
	put_le(slot + 16, generation, 8);
	slot[24] = clean ? FLAG_CLEAN : 0;
	slot[25] = (uint8_t)nlen;
	memcpy(slot + 26, node, nlen);
	memcpy(slot + PERSIST_HDR_SIZE, payload, len);
	checksum(slot, len, slot + SUM_OFF);
	return PERSIST_HDR_SIZE + len;
}

/* ---- reading --------------------------------------------------------- */

struct slot_view {
	bool valid, empty;
	uint64_t generation;
	size_t len;
	bool clean;
	char why[160];
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

/* Judge one slot image of `have` bytes. */
static void check_slot(const struct persist *p, const uint8_t *s, size_t have,
		       struct slot_view *v)
{
	uint8_t sum[SUM_LEN];

	memset(v, 0, sizeof(*v));
	if (have == 0 || (have >= PERSIST_HDR_SIZE && all_zero(s, PERSIST_HDR_SIZE))) {
		v->empty = true;
		snprintf(v->why, sizeof(v->why), "never written");
		return;
	}
	if (have < PERSIST_HDR_SIZE) {
		snprintf(v->why, sizeof(v->why), "truncated (%zu bytes)", have);
		return;
	}
	if (memcmp(s, MAGIC, MAGIC_LEN) != 0) {
		snprintf(v->why, sizeof(v->why), "not a clustd counters record (bad magic)");
		return;
	}
	if (get_le(s + 8, 4) != FORMAT_VERSION) {
		snprintf(v->why, sizeof(v->why), "format version %llu, this clustd reads %d",
			 (unsigned long long)get_le(s + 8, 4), FORMAT_VERSION);
		return;
	}
	v->len = get_le(s + 12, 4);
	if (v->len > PERSIST_MAX_PAYLOAD || PERSIST_HDR_SIZE + v->len > have) {
		snprintf(v->why, sizeof(v->why), "truncated (payload %zu bytes, %zu present)", v->len,
			 have < PERSIST_HDR_SIZE ? 0 : have - PERSIST_HDR_SIZE);
		return;
	}
	checksum(s, v->len, sum);
	if (sodium_memcmp(sum, s + SUM_OFF, SUM_LEN) != 0) {
		snprintf(v->why, sizeof(v->why), "checksum mismatch (torn or corrupt)");
		return;
	}
	size_t nlen = s[25] < NODE_FIELD ? s[25] : NODE_FIELD - 1;
	if (nlen != strlen(p->node) || memcmp(s + 26, p->node, nlen) != 0) {
		snprintf(v->why, sizeof(v->why), "belongs to node \"%.*s\", not \"%s\"", (int)nlen,
			 (const char *)s + 26, p->node);
		return;
	}
	v->generation = get_le(s + 16, 8);
	v->clean = (s[24] & FLAG_CLEAN) != 0;
	v->valid = v->generation > 0;
	if (!v->valid)
		snprintf(v->why, sizeof(v->why), "generation 0");
}

/* Read up to n bytes at off; how many were there. */
static size_t read_at(struct persist *p, int fd, uint8_t *buf, size_t n, off_t off, int *err)
{
	size_t got = 0;

	if (p->inject_read_err && p->inject_skip-- == 0) {
		p->inject_skip = 0;
		*err = p->inject_read_err;
		return 0;
	}

	while (got < n) {
		ssize_t r = pread(fd, buf + got, n - got, off + (off_t)got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			*err = errno;
			break;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return got;
}

static void set_aside(const struct persist *p, char *why, size_t whylen)
{
	char *bad = xasprintf("%s.bad", p->path);
	size_t used = strlen(why);

	if (rename(p->path, bad) == 0)
		snprintf(why + used, whylen - used, "; kept as %s", bad);
	free(bad);
}

/* A file we could not read may hold the only good record: it is never
 * written over. It is renamed to counters.unreadable.N (a fresh N, never
 * replacing an earlier one) so that writing can start a new file; while
 * that fails, nothing is written. True when it is out of the way. */
static bool set_aside_unreadable(struct persist *p, char *why, size_t whylen)
{
	for (int n = 1; n <= 99; n++) {
		char *name = xasprintf("%s.unreadable.%d", p->path, n);
		int rc = renameat2(AT_FDCWD, p->path, AT_FDCWD, name, RENAME_NOREPLACE);
		int err = rc == 0 ? 0 : errno;
		if (err != EEXIST) {
			size_t used = strlen(why);

			if (rc == 0)
				snprintf(why + used, whylen - used, "; kept as %s", name);
			else
				snprintf(why + used, whylen - used,
					 "; cannot set it aside (%s): not writing counters",
					 strerror(err));
			free(name);
			return rc == 0 || err == ENOENT; /* ENOENT: gone already */
		}
		free(name);
	}
	return false;
}

/* The two slots read, judged and chosen. */
static enum persist_load choose(struct persist *p, const struct slot_view v[2], int fd,
				uint8_t *payload, size_t cap, size_t *len, bool *clean,
				char *why, size_t whylen)
{
	int best = -1, err = 0;

	for (int i = 0; i < 2; i++)
		if (v[i].valid && (best < 0 || v[i].generation > v[best].generation))
			best = i;
	if (best < 0) {
		snprintf(why, whylen, "no usable record: slot A %s, slot B %s", v[0].why, v[1].why);
		return PERSIST_BAD;
	}
	int other = 1 - best;
	p->disk_last_slot = best;
	*len = v[best].len;
	*clean = v[best].clean;
	p->next_gen = v[best].generation + 1;
	if (*len > cap || read_at(p, fd, payload, *len, (off_t)best * PERSIST_SLOT_SIZE +
				  PERSIST_HDR_SIZE, &err) != *len) {
		snprintf(why, whylen, "cannot read the record: %s", strerror(err ? err : EIO));
		p->unread = *len <= cap; /* a read error, not a short buffer */
		*len = 0;
		*clean = false;
		return PERSIST_UNREADABLE; /* next_gen stays above the record's */
	}
	/* The newer slot is the damaged one unless the good one is newest by
	 * its own right: an empty slot or an older valid one is normal. */
	if (!v[other].valid && !v[other].empty) {
		snprintf(why, whylen, "slot %c %s: using slot %c (generation %llu)",
			 'A' + other, v[other].why, 'A' + best,
			 (unsigned long long)v[best].generation);
		return PERSIST_FALLBACK;
	}
	return PERSIST_OK;
}

/* ---- the crash copy -------------------------------------------------- */

static int disk_pass(struct persist *p, bool sync);
static void writer_start(struct persist *p);

/* The newest valid slot of the crash copy, or -1. */
static int live_best(const struct persist *p, struct slot_view v[2])
{
	int best = -1;

	for (int i = 0; i < 2; i++) {
		check_slot(p, p->live + (size_t)i * PERSIST_SLOT_SIZE, PERSIST_SLOT_SIZE, &v[i]);
		if (v[i].valid && (best < 0 || v[i].generation > v[best].generation))
			best = i;
	}
	return best;
}

/* After a crash the copy in run_dir may be newer than the file: then it
 * is the record. It counts only on top of a good file of the same node
 * (a missing or unusable file means a new disk, where the peers' copies
 * decide), and a copy not taken is wiped, so it can never come back
 * later from under newer records. */
static enum persist_load live_consider(struct persist *p, enum persist_load r, uint8_t *payload,
				       size_t cap, size_t *len, bool *clean, char *why,
				       size_t whylen)
{
	struct slot_view v[2];
	int best = live_best(p, v);
	bool take = (r == PERSIST_OK || r == PERSIST_FALLBACK) && best >= 0 &&
		    v[best].generation >= p->next_gen && v[best].len <= cap;

	if (!take) {
		memset(p->live, 0, PERSIST_HDR_SIZE);
		memset(p->live + PERSIST_SLOT_SIZE, 0, PERSIST_HDR_SIZE);
		p->live_next = 0;
		return r;
	}
	memcpy(payload, p->live + (size_t)best * PERSIST_SLOT_SIZE + PERSIST_HDR_SIZE,
	       v[best].len);
	*len = v[best].len;
	*clean = v[best].clean;
	log_info("counters: %s (generation %llu) is newer than %s: a crash left it; using it",
		 p->live_path, (unsigned long long)v[best].generation, p->path);
	p->next_gen = v[best].generation + 1;
	p->live_next = 1 - best;
	why[0] = '\0';
	(void)whylen;
	return PERSIST_OK;
}

int persist_use_live(struct persist *p, const char *run_dir)
{
	char *path = xasprintf("%s/%s", run_dir, PERSIST_LIVE_FILE);
	int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600), rc = 0;
	void *m = MAP_FAILED;

	/* Allocated whole: a store into the mapping can never meet a full
	 * file system (that would be a SIGBUS). */
	if (fd < 0 || (rc = posix_fallocate(fd, 0, 2 * PERSIST_SLOT_SIZE)) != 0 ||
	    (m = mmap(NULL, 2 * PERSIST_SLOT_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)) ==
		    MAP_FAILED) {
		rc = rc ? rc : errno;
		if (fd >= 0)
			close(fd);
		free(path);
		return -rc;
	}
	struct statfs fs;
	p->live_in_memory = fstatfs(fd, &fs) == 0 &&
			    (fs.f_type == TMPFS_MAGIC || fs.f_type == RAMFS_MAGIC);
	close(fd);
	p->live = m;
	p->live_path = path;
	/* Now, at start-up, rather than later from the real-time loop. */
	writer_start(p);
	return 0;
}


bool persist_live_in_memory(const struct persist *p)
{
	return p->live && p->live_in_memory;
}

/* The loop's write: a few stores into the mapped page cache. */
static void live_write(struct persist *p, const uint8_t *payload, size_t len, bool clean)
{
	uint8_t *slot = p->live + (size_t)p->live_next * PERSIST_SLOT_SIZE;

	persist_slot_build(slot, p->node, p->next_gen, clean, payload, len);
	__atomic_store_n(&p->live_latest, p->next_gen << 1 | (uint64_t)p->live_next,
			 __ATOMIC_RELEASE);
	p->live_next = 1 - p->live_next;
	pthread_mutex_lock(&p->lock);
	p->st.generation = p->next_gen++;
	pthread_mutex_unlock(&p->lock);
	p->written_since_sync = true;
	/* The first record of a run also goes to the file at once, from
	 * start-up (before the loop runs): a new or repaired file is there
	 * from the start, as without a crash copy. */
	if (!p->first_written) {
		p->first_written = true;
		disk_pass(p, false);
	}
}

/* The writer's copy of the newest record (into p->slot), checked: the
 * loop rewrites a slot only two records later, and a copy it tore fails
 * its checksum. The record's length, 0 when there is none, or -1. */
static ssize_t live_copy(struct persist *p, uint64_t *gen)
{
	for (int tries = 0; tries < 4; tries++) {
		uint64_t latest = __atomic_load_n(&p->live_latest, __ATOMIC_ACQUIRE);
		struct slot_view v;

		if (!latest)
			return 0;
		memcpy(p->slot, p->live + (size_t)(latest & 1) * PERSIST_SLOT_SIZE,
		       PERSIST_SLOT_SIZE);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if ((__atomic_load_n(&p->live_latest, __ATOMIC_ACQUIRE) >> 1) >= (latest >> 1) + 2)
			continue;
		check_slot(p, p->slot, PERSIST_SLOT_SIZE, &v);
		if (v.valid && v.generation == latest >> 1) {
			*gen = v.generation;
			return (ssize_t)(PERSIST_HDR_SIZE + v.len);
		}
	}
	return -1;
}

static enum persist_load load_file(struct persist *p, uint8_t *payload, size_t cap, size_t *len,
				   bool *clean, char *why, size_t whylen)
{
	struct slot_view v[2];
	int err = 0;

	*len = 0;
	*clean = false;
	why[0] = '\0';
	int fd = open(p->path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		snprintf(why, whylen, "%s does not exist", p->path);
		return PERSIST_MISSING;
	}
	if (fd < 0) {
		snprintf(why, whylen, "cannot open %s: %s", p->path, strerror(errno));
		p->unread = !set_aside_unreadable(p, why, whylen);
		return PERSIST_UNREADABLE;
	}
	for (int i = 0; i < 2 && !err; i++) {
		size_t have = read_at(p, fd, p->slot, PERSIST_SLOT_SIZE, (off_t)i * PERSIST_SLOT_SIZE, &err);
		check_slot(p, p->slot, have, &v[i]);
	}
	enum persist_load r = err ? PERSIST_UNREADABLE :
		choose(p, v, fd, payload, cap, len, clean, why, whylen);
	if (err) {
		snprintf(why, whylen, "cannot read %s: %s", p->path, strerror(err));
		p->unread = true;
	}
	else if (r == PERSIST_BAD && v[0].empty && v[1].empty)
		snprintf(why, whylen, "%s is empty (a file that was never written)", p->path);
	close(fd);
	if (r == PERSIST_BAD)
		set_aside(p, why, whylen);
	if (p->unread)
		p->unread = !set_aside_unreadable(p, why, whylen);
	if (r == PERSIST_MISSING || r == PERSIST_BAD)
		p->next_gen = 1;
	return r;
}

enum persist_load persist_load(struct persist *p, uint8_t *payload, size_t cap, size_t *len,
			       bool *clean, char *why, size_t whylen)
{
	enum persist_load r = load_file(p, payload, cap, len, clean, why, whylen);

	if (p->live)
		r = live_consider(p, r, payload, cap, len, clean, why, whylen);
	pthread_mutex_lock(&p->lock);
	p->st.generation = p->next_gen - 1;
	pthread_mutex_unlock(&p->lock);
	return r;
}

/* ---- writing the file ------------------------------------------------- */

static void set_write_error(struct persist *p, const char *what, int err)
{
	pthread_mutex_lock(&p->lock);
	p->st.write_errors++;
	snprintf(p->write_err, sizeof(p->write_err), "%s: %s", what, strerror(err));
	pthread_mutex_unlock(&p->lock);
}

/* Both slots allocated up front: a full disk then cannot fail a write of
 * a record that fits (payloads grow only within a slot). */
static int open_for_writing(struct persist *p)
{
	int fd = open(p->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	int rc = posix_fallocate(fd, 0, 2 * PERSIST_SLOT_SIZE);
	if (rc != 0 && rc != EOPNOTSUPP && rc != EINVAL) {
		close(fd);
		return -rc;
	}
	pthread_mutex_lock(&p->lock);
	p->fd = fd;
	pthread_mutex_unlock(&p->lock);
	return 0;
}

/* Open the file if it is not, at most every RETRY_US after a failure;
 * a file that could not be read is set aside first, never written over. */
static int ensure_open(struct persist *p, uint64_t now_us)
{
	if (p->fd >= 0)
		return 0;
	if (now_us < p->retry_at)
		return -EAGAIN;
	char why[200] = "";
	if (p->unread && !set_aside_unreadable(p, why, sizeof(why))) {
		p->retry_at = now_us + RETRY_US;
		set_write_error(p, "counters file unreadable and not set aside, not written", EIO);
		return -EIO;
	}
	p->unread = false;
	int rc = open_for_writing(p);
	if (rc < 0) {
		p->retry_at = now_us + RETRY_US;
		set_write_error(p, "cannot open", -rc);
	}
	return rc;
}

static int pwrite_all(int fd, const uint8_t *buf, size_t n, off_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t w = pwrite(fd, buf + done, n - done, off + (off_t)done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -errno;
		done += (size_t)w;
	}
	return 0;
}

/* One slot image (n bytes in p->slot) into the file at slot. */
static int write_slot(struct persist *p, size_t n, int slot)
{
	uint64_t t0 = mono_now_us();
	int rc = pwrite_all(p->fd, p->slot, n, (off_t)slot * PERSIST_SLOT_SIZE);
	uint64_t took = mono_now_us() - t0;

	pthread_mutex_lock(&p->lock);
	if (took > p->st.write_max_us)
		p->st.write_max_us = took;
	if (rc == 0) {
		p->st.writes++;
		p->write_err[0] = '\0';
	}
	pthread_mutex_unlock(&p->lock);
	if (rc < 0)
		set_write_error(p, "cannot write", -rc);
	return rc;
}

static int sync_file(struct persist *p)
{
	uint64_t t0 = mono_now_us();
	int rc = fdatasync(p->fd) < 0 ? -errno : 0;
	uint64_t took = mono_now_us() - t0;

	pthread_mutex_lock(&p->lock);
	p->st.syncs++;
	p->st.sync_last_us = took;
	if (took > p->st.sync_max_us)
		p->st.sync_max_us = took;
	if (rc < 0) {
		p->st.sync_errors++;
		snprintf(p->sync_err, sizeof(p->sync_err), "fdatasync: %s", strerror(-rc));
	} else {
		p->sync_err[0] = '\0';
	}
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* With a crash copy: bring the file up to its newest record, into the
 * slot the previous write did not use, and make it durable. Runs on the
 * writer thread (or on the loop at a clean stop, the thread gone). */
static int disk_pass(struct persist *p, bool sync)
{
	uint64_t gen = 0;
	ssize_t n;
	int rc = ensure_open(p, mono_now_us());

	if (rc < 0)
		return rc;
	n = live_copy(p, &gen);
	if (n < 0) {
		set_write_error(p, "the crash copy keeps changing", EAGAIN);
		return -EAGAIN;
	}
	if (n > 0 && gen != p->disk_gen) {
		int slot = p->disk_last_slot < 0 ? (int)(gen % 2) : 1 - p->disk_last_slot;

		if ((rc = write_slot(p, (size_t)n, slot)) < 0)
			return rc;
		p->disk_last_slot = slot;
		p->disk_gen = gen;
	}
	return sync ? sync_file(p) : 0;
}

/* ---- the writer thread ------------------------------------------------ */

/* Without a crash copy the loop writes the file and this thread only
 * fdatasyncs it; with one, this thread does both (disk_pass). */
static void *writer_main(void *arg)
{
	struct persist *p = arg;

	pthread_mutex_lock(&p->lock);
	for (;;) {
		while (!p->sync_wanted && !p->stopping)
			pthread_cond_wait(&p->wake, &p->lock);
		if (p->stopping)
			break;
		p->sync_wanted = false;
		pthread_mutex_unlock(&p->lock);

		if (p->live)
			disk_pass(p, p->sync_interval_us != 0);
		else
			sync_file(p);

		pthread_mutex_lock(&p->lock);
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

static void writer_start(struct persist *p)
{
	if (!p->thread_started)
		p->thread_started = realtime_thread_start(&p->thread, writer_main, p) == 0;
}

static void writer_stop(struct persist *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
	if (p->thread_started)
		pthread_join(p->thread, NULL);
	p->thread_started = false;
}

/* ---- the loop's side -------------------------------------------------- */

static int write_record(struct persist *p, const uint8_t *payload, size_t len, bool clean)
{
	size_t n = persist_slot_build(p->slot, p->node, p->next_gen, clean, payload, len);
	int rc = write_slot(p, n, (int)(p->next_gen % 2));

	if (rc == 0) {
		pthread_mutex_lock(&p->lock);
		p->st.generation = p->next_gen++;
		pthread_mutex_unlock(&p->lock);
	}
	return rc;
}

static int write_any(struct persist *p, const uint8_t *payload, size_t len, bool clean,
		     uint64_t now_us)
{
	if (len > PERSIST_MAX_PAYLOAD) {
		set_write_error(p, "record too large", EFBIG);
		return -EFBIG;
	}
	if (p->live) {
		live_write(p, payload, len, clean);
		return 0;
	}
	int rc = ensure_open(p, now_us);
	if (rc < 0)
		return rc;
	if (p->sync_interval_us)
		writer_start(p);
	rc = write_record(p, payload, len, clean);
	if (rc == 0)
		p->written_since_sync = true;
	return rc;
}

int persist_write(struct persist *p, const uint8_t *payload, size_t len, bool clean,
		  uint64_t now_us)
{
	int rc = write_any(p, payload, len, clean, now_us);

	if (rc == 0)
		p->durable_since_sync = true;
	return rc;
}

int persist_write_routine(struct persist *p, const uint8_t *payload, size_t len, uint64_t now_us)
{
	return write_any(p, payload, len, false, now_us);
}

/* The file's pace: every sync interval, or every second without syncs
 * when there is a crash copy (the file must follow it all the same);
 * routine records alone, much less often (counters_sync_due). */
void persist_tick(struct persist *p, uint64_t now_us)
{
	uint64_t every = p->sync_interval_us ? p->sync_interval_us : p->live ? 1000000u : 0;
	bool failing;

	/* After a failed write or sync the file is behind: retries keep the
	 * interval's pace, whatever changed. */
	pthread_mutex_lock(&p->lock);
	failing = p->write_err[0] || p->sync_err[0];
	pthread_mutex_unlock(&p->lock);
	if (!every || (!p->live && p->fd < 0) ||
	    !counters_sync_due(p->written_since_sync, p->durable_since_sync || failing,
			       p->last_pass_at, now_us, every))
		return;
	p->written_since_sync = false;
	p->durable_since_sync = false;
	p->last_pass_at = now_us;
	pthread_mutex_lock(&p->lock);
	p->sync_wanted = true;
	pthread_cond_signal(&p->wake);
	pthread_mutex_unlock(&p->lock);
}

int persist_sync_now(struct persist *p)
{
	if (p->live) {
		/* Clean stop: the thread gone, the last record goes to the file
		 * here and now; the crash copy is then of no more use. */
		writer_stop(p);
		int rc = disk_pass(p, true);
		if (rc == 0)
			unlink(p->live_path);
		return rc;
	}
	if (p->fd < 0)
		return -EBADF;
	return sync_file(p);
}

void persist_inject_read_error(struct persist *p, int err, unsigned skip)
{
	p->inject_read_err = err;
	p->inject_skip = skip;
}

void persist_get_stats(struct persist *p, struct persist_stats *out)
{
	pthread_mutex_lock(&p->lock);
	*out = p->st;
	out->ok = !p->write_err[0] && !p->sync_err[0];
	snprintf(out->error, sizeof(out->error), "%s%s%s%s%s", out->ok ? "" : p->path,
		 out->ok ? "" : ": ", p->write_err, p->write_err[0] && p->sync_err[0] ? "; " : "",
		 p->sync_err);
	pthread_mutex_unlock(&p->lock);
}

struct persist *persist_new(const char *dir, const char *node, uint32_t sync_interval_ms)
{
	struct persist *p = xcalloc(1, sizeof(*p));

	p->fd = -1;
	p->next_gen = 1;
	p->disk_last_slot = -1;
	p->sync_interval_us = (uint64_t)sync_interval_ms * 1000;
	snprintf(p->node, sizeof(p->node), "%s", node);
	realtime_mutex_init(&p->lock);
	pthread_cond_init(&p->wake, NULL);
	p->path = xasprintf("%s/%s", dir, PERSIST_FILE);
	if (sodium_init() < 0) {
		persist_free(p);
		return NULL;
	}
	return p;
}

void persist_free(struct persist *p)
{
	if (!p)
		return;
	writer_stop(p);
	if (p->fd >= 0)
		close(p->fd);
	if (p->live)
		munmap(p->live, 2 * PERSIST_SLOT_SIZE);
	pthread_mutex_destroy(&p->lock);
	pthread_cond_destroy(&p->wake);
	free(p->live_path);
	free(p->path);
	free(p);
}
