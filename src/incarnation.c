/* SPDX-License-Identifier: GPL-2.0-or-later */
/* incarnation.c - the persisted incarnation number (doc/quorum.md).
 *
 * state_dir/incarnation holds one line of text:
 *
 *   CLINC 1 <value> <checksum>\n
 *
 * "CLINC" is the magic, 1 the format version, <value> the last incarnation
 * used (decimal, no sign, no leading zeros) and <checksum> the 16-byte
 * BLAKE2b (libsodium crypto_generichash, no key) of everything before the
 * space that precedes it, in lower-case hex. Readable with cat, and any
 * change to the value that does not recompute the checksum is rejected.
 *
 * The record is written to a new temp file with a random name in the same
 * directory (incarnation.tmp.<random>, never through a link), fsync'd,
 * renamed over incarnation and the directory fsync'd (atomic_file.c): after
 * a crash at any point the file is the old record or the new one, never a
 * mix. A leftover temp file is never read.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "atomic_file.h"
#include "incarnation.h"

#define INC_FILE "incarnation"
#define INC_MAGIC "CLINC "
#define INC_VERSION "1"
#define INC_SUM_BYTES 16
#define INC_SUM_HEX (2 * INC_SUM_BYTES)
#define INC_MAX_LEN 128 /* a valid record is at most 62 bytes */

static void errf(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Appends to err, "; "-separated, so a read problem and a write problem
 * can both be reported. */
static void errf(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;

	size_t used = strnlen(err, errlen);

	if (used + 1 >= errlen)
		return;
	if (used > 0) {
		snprintf(err + used, errlen - used, "; ");
		used = strnlen(err, errlen);
	}
	va_start(ap, fmt);
	vsnprintf(err + used, errlen - used, fmt, ap);
	va_end(ap);
}

static void checksum_hex(const char *text, size_t len, char hex[INC_SUM_HEX + 1])
{
	uint8_t sum[INC_SUM_BYTES];

	if (sodium_init() < 0)
		abort(); /* see heartbeat.c: libsodium's contract */
	crypto_generichash(sum, sizeof(sum), (const uint8_t *)text, len, NULL, 0);
	sodium_bin2hex(hex, INC_SUM_HEX + 1, sum, sizeof(sum));
}

/* ---- reading --------------------------------------------------------- */

/* Decimal u64, canonical form only. */
static bool parse_value(const char *s, size_t n, uint64_t *out)
{
	uint64_t v = 0;

	if (n == 0 || n > 20 || (n > 1 && s[0] == '0'))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	return true;
}

/* Checks rec[0..n) and sets *value; NULL, or what is wrong with it. */
static const char *parse_record(const char *rec, size_t n, uint64_t *value)
{
	const size_t mlen = strlen(INC_MAGIC), vlen = strlen(INC_VERSION);

	if (n == 0)
		return "empty";
	if (memcmp(rec, INC_MAGIC, n < mlen ? n : mlen) != 0)
		return "bad magic";
	/* The fixed tail: " <hex>\n". */
	if (n < mlen + 1 + INC_SUM_HEX + 1 || rec[n - 1] != '\n' ||
	    rec[n - 2 - INC_SUM_HEX] != ' ')
		return "truncated";

	const char *ver = rec + mlen;
	const char *sum_sp = rec + n - 2 - INC_SUM_HEX;
	const char *ver_sp = memchr(ver, ' ', (size_t)(sum_sp - ver) + 1);

	if ((size_t)(ver_sp - ver) != vlen || memcmp(ver, INC_VERSION, vlen) != 0)
		return "unsupported version";

	char want[INC_SUM_HEX + 1];

	checksum_hex(rec, (size_t)(sum_sp - rec), want);
	if (sodium_memcmp(want, sum_sp + 1, INC_SUM_HEX) != 0)
		return "bad checksum";
	if (ver_sp == sum_sp || !parse_value(ver_sp + 1, (size_t)(sum_sp - ver_sp - 1), value))
		return "bad value";
	return NULL;
}

/* Reads the whole file into buf; its length, or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t len = 0;

	if (fd < 0)
		return -errno;
	while (len < cap) {
		ssize_t r = read(fd, buf + len, cap - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;

			close(fd);
			return -e;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	close(fd);
	return (ssize_t)len;
}

/* The stored value, or false with err set (missing, unreadable, corrupt). */
static bool read_incarnation(const char *path, uint64_t *value, char *err, size_t errlen)
{
	char rec[INC_MAX_LEN];
	ssize_t n = read_file(path, rec, sizeof(rec));
	const char *why;

	if (n == -ENOENT) {
		errf(err, errlen, "missing");
		return false;
	}
	if (n < 0) {
		errf(err, errlen, "unreadable: %s", strerror((int)-n));
		return false;
	}
	if ((size_t)n == sizeof(rec))
		why = "too long";
	else
		why = parse_record(rec, (size_t)n, value);
	if (why) {
		errf(err, errlen, "corrupt: %s", why);
		return false;
	}
	return true;
}

/* ---- writing --------------------------------------------------------- */

static int write_incarnation(const char *dir, uint64_t value, bool durable, char *err,
			     size_t errlen)
{
	char path[PATH_MAX], rec[INC_MAX_LEN], hex[INC_SUM_HEX + 1];
	const char *step = "path";
	int rc = -ENAMETOOLONG;

	int body = snprintf(rec, sizeof(rec), INC_MAGIC INC_VERSION " %llu", (unsigned long long)value);

	checksum_hex(rec, (size_t)body, hex);
	int n = snprintf(rec + body, sizeof(rec) - (size_t)body, " %s\n", hex) + body;

	if ((size_t)snprintf(path, sizeof(path), "%s/" INC_FILE, dir) >= sizeof(path))
		goto fail;
	rc = atomic_file_replace(path, rec, (size_t)n, durable, &step);
	if (rc == 0)
		return 0;
fail:
	errf(err, errlen, "cannot save %s/" INC_FILE ": %s: %s", dir, step, strerror(-rc));
	return rc;
}

uint64_t incarnation_pick(bool have_stored, uint64_t stored, uint64_t wall_s, uint64_t above)
{
	uint64_t v = wall_s > 0 ? wall_s : 1;

	if (have_stored && stored < UINT64_MAX && stored + 1 > v)
		v = stored + 1;
	if (above < UINT64_MAX && above + 1 > v)
		v = above + 1;
	return v;
}

int incarnation_store(const char *state_dir, uint64_t value, bool durable, char *err,
		      size_t errlen)
{
	if (err && errlen > 0)
		err[0] = '\0';
	return write_incarnation(state_dir, value, durable, err, errlen);
}

int incarnation_next_at(const char *state_dir, uint64_t wall_s, uint64_t above, bool durable,
			uint64_t *out, char *err, size_t errlen)
{
	char path[PATH_MAX];
	uint64_t stored = 0;
	bool have = false;

	if (err && errlen > 0)
		err[0] = '\0';
	if ((size_t)snprintf(path, sizeof(path), "%s/" INC_FILE, state_dir) >= sizeof(path)) {
		*out = incarnation_pick(false, 0, wall_s, above);
		errf(err, errlen, "state_dir too long");
		return -ENAMETOOLONG;
	}
	if (read_incarnation(path, &stored, err, errlen)) {
		have = stored < UINT64_MAX;
		if (!have)
			errf(err, errlen, "corrupt: value at its maximum");
	}
	*out = incarnation_pick(have, stored, wall_s, above);
	return write_incarnation(state_dir, *out, durable, err, errlen);
}

int incarnation_next(const char *state_dir, uint64_t *out, char *err, size_t errlen)
{
	time_t t = time(NULL);

	return incarnation_next_at(state_dir, t > 0 ? (uint64_t)t : 0, 0, true, out, err, errlen);
}
