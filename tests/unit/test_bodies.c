/*
 * The node's body store (src/node/bodies): small bodies become rows at the
 * flush, large ones files; what is stored reads back after a reopen; a short
 * file left by a crash does not count as stored; and a child killed with
 * SIGKILL loses no body it had flushed and synced (the node's order: put,
 * flush, sync, acknowledge), in both sync modes. A refused submission's body
 * (held, then released uncommitted) is deleted again, staged, flushed or a
 * file, unless something else keeps it.
 */
#include "base/buf.h"
#include "base/enc.h"
#include "base/err.h"
#include "base/fileio.h"
#include "crypto/sha256.h"
#include "node/bodies.h"
#include "check.h"

#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char base[PATH_MAX];

/* Body number i: its size grows with i, and every 7th one is larger than BODIES_INLINE_MAX. */
static size_t body_make(uint64_t i, uint8_t *out, size_t max)
{
	size_t len = i % 7 == 6 ? BODIES_INLINE_MAX + 1 + (size_t)(i % 1000) : 1 + (size_t)((i * 131) % 5000);
	if (len > max)
		len = max;
	for (size_t k = 0; k < len; k++)
		out[k] = (uint8_t)(i * 31 + k * 7 + (k >> 8));
	return len;
}

static int holds(struct bodies *b, const uint8_t *data, size_t len)
{
	uint8_t h[32];
	sha256(data, len, h);
	if (!bodies_has(b, h))
		return 0;
	if (len > BODIES_INLINE_MAX) {
		char hex[65];
		struct buf got;
		hex_encode(hex, h, 32);
		buf_init(&got, len + 1);
		int fd = openat(bodies_dirfd(b), hex, O_RDONLY);
		int ok = fd >= 0 && fd_read_all(fd, got.max, &got) == 0 && got.len == len && !memcmp(got.data, data, len);
		if (fd >= 0)
			close(fd);
		buf_release(&got);
		return ok;
	}
	struct buf got;
	buf_init(&got, BODIES_INLINE_MAX);
	int ok = bodies_get(b, h, &got) == 0 && got.len == len && !memcmp(got.data, data, len);
	buf_release(&got);
	return ok;
}

static void test_small_rows_large_files(void)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/basic", base);
	struct bodies *b;
	CHECK(bodies_open(&b, dir, 1) == 0);
	static uint8_t small[100], large[BODIES_INLINE_MAX + 10];
	uint8_t hs[32], hl[32], none[32] = {0};
	size_t ns = body_make(1, small, sizeof small), nl = body_make(6, large, sizeof large);
	sha256(small, ns, hs);
	sha256(large, nl, hl);
	struct buf got;
	buf_init(&got, BODIES_INLINE_MAX);

	CHECK(bodies_put(b, hs, small, ns) == 0);
	CHECK(bodies_has(b, hs) == 1);                       /* staged counts as stored */
	CHECK_EQ_INT(bodies_get(b, hs, &got), ERR_NOTFOUND); /* but is served only once flushed */
	CHECK(bodies_flush(b) == 0);
	CHECK(holds(b, small, ns));
	CHECK(bodies_put(b, hs, small, ns) == 0 && bodies_flush(b) == 0); /* again: harmless */
	CHECK(holds(b, small, ns));

	CHECK(bodies_put(b, hl, large, nl) == 0); /* a file at once */
	CHECK_EQ_INT(bodies_get(b, hl, &got), ERR_NOTFOUND);
	CHECK(holds(b, large, nl));
	CHECK(bodies_has(b, none) == 0);
	CHECK(bodies_flush(b) == 0); /* nothing staged */
	/* bodies_read: rows and files alike */
	struct buf any;
	buf_init(&any, sizeof large);
	CHECK(bodies_read(b, hs, &any) == 0 && any.len == ns && !memcmp(any.data, small, ns));
	CHECK(bodies_read(b, hl, &any) == 0 && any.len == nl && !memcmp(any.data, large, nl));
	CHECK_EQ_INT(bodies_read(b, none, &any), ERR_NOTFOUND);
	buf_release(&any);
	bodies_close(b);

	/* Reopened, in the other sync mode: the same bodies. */
	CHECK(bodies_open(&b, dir, 0) == 0);
	CHECK(holds(b, small, ns) && holds(b, large, nl));
	bodies_close(b);
	buf_release(&got);
}

/* A large body's file left short by a crash before its syncfs is not a stored body (sync_later). */
static void test_short_file_is_not_stored(void)
{
	char dir[PATH_MAX + 16], path[PATH_MAX + 100], hex[65];
	snprintf(dir, sizeof dir, "%s/short", base);
	struct bodies *b;
	CHECK(bodies_open(&b, dir, 1) == 0);
	static uint8_t large[BODIES_INLINE_MAX + 10];
	uint8_t h[32];
	size_t n = body_make(13, large, sizeof large);
	sha256(large, n, h);
	hex_encode(hex, h, 32);
	snprintf(path, sizeof path, "%s/%s", dir, hex);
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(fd >= 0 && write(fd, large, 1000) == 1000);
	close(fd);
	CHECK(bodies_has(b, h) == 0);
	struct buf got;
	buf_init(&got, sizeof large);
	CHECK_EQ_INT(bodies_read(b, h, &got), ERR_NOTFOUND); /* nor is it handed to a peer */
	CHECK(bodies_put(b, h, large, n) == 0); /* rewritten whole */
	CHECK(holds(b, large, n));
	CHECK(bodies_read(b, h, &got) == 0 && got.len == n && !memcmp(got.data, large, n));
	buf_release(&got);
	bodies_close(b);
}

/* The child: stores bodies in batches (put, flush, sync), reporting each batch's last number. */
static void child(const char *dir, int sync_later, int wfd, unsigned seed)
{
	struct bodies *b;
	static uint8_t data[BODIES_INLINE_MAX + 1000];
	if (bodies_open(&b, dir, sync_later) != 0)
		_exit(3);
	srand(seed);
	for (uint64_t i = 0;;) {
		int n = 1 + rand() % 32;
		for (int k = 0; k < n; k++, i++) {
			uint8_t h[32];
			size_t len = body_make(i, data, sizeof data);
			sha256(data, len, h);
			if (bodies_put(b, h, data, len) != 0)
				_exit(4);
		}
		if (bodies_flush(b) != 0)
			_exit(5);
		if (sync_later && syncfs(bodies_dirfd(b)) != 0) /* as the node's batch commit does */
			_exit(6);
		uint64_t last = i - 1;
		if (write(wfd, &last, sizeof last) != (ssize_t)sizeof last)
			_exit(7);
	}
}

static void crash_round(int sync_later, int round)
{
	char dir[PATH_MAX + 32];
	snprintf(dir, sizeof dir, "%s/crash-%d-%d", base, sync_later, round);
	int p[2];
	CHECK(pipe(p) == 0);
	pid_t pid = fork();
	if (pid == 0) {
		close(p[0]);
		child(dir, sync_later, p[1], (unsigned)round * 7919u + 1);
	}
	close(p[1]);
	/* after its first batch (a loaded machine may take a while), at a varying moment */
	int64_t acked = -1;
	uint64_t last;
	if (read(p[0], &last, sizeof last) == (ssize_t)sizeof last)
		acked = (int64_t)last;
	struct timespec ts = {0, (long)(1 + (round * 37) % 200) * 1000000L};
	nanosleep(&ts, NULL);
	kill(pid, SIGKILL);
	while (read(p[0], &last, sizeof last) == (ssize_t)sizeof last)
		acked = (int64_t)last;
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	struct bodies *b;
	CHECK(bodies_open(&b, dir, sync_later) == 0);
	static uint8_t data[BODIES_INLINE_MAX + 1000];
	int64_t missing = 0;
	for (int64_t i = 0; i <= acked; i++) {
		size_t len = body_make((uint64_t)i, data, sizeof data);
		missing += !holds(b, data, len);
	}
	CHECK_EQ_INT(missing, 0);
	CHECK(acked >= 0); /* the child got somewhere (it did not die at its start) */
	bodies_close(b);
}

static void test_kill_9_keeps_flushed_bodies(void)
{
	for (int round = 0; round < 6; round++) {
		crash_round(1, round);
		crash_round(0, round);
	}
}

/* A refused submission's body is deleted again; what something else keeps stays. */
static void test_refused_bodies_are_deleted(void)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/holds", base);
	struct bodies *b;
	CHECK(bodies_open(&b, dir, 1) == 0);
	static uint8_t d[8][BODIES_INLINE_MAX + 1000];
	uint8_t h[8][32];
	size_t n[8];
	for (int i = 0; i < 8; i++) {
		n[i] = body_make((uint64_t)(i == 3 ? 6 : 100 + i), d[i], sizeof d[i]); /* body 3 is a file */
		sha256(d[i], n[i], h[i]);
	}
	/* refused before its flush: unstaged */
	CHECK(bodies_put_held(b, h[0], d[0], n[0]) == 0 && bodies_has(b, h[0]));
	CHECK(bodies_release(b, h[0], 0) == 0);
	CHECK(!bodies_has(b, h[0]));
	/* refused after its flush (a batch whose commit failed): the row is deleted */
	CHECK(bodies_put_held(b, h[1], d[1], n[1]) == 0 && bodies_flush(b) == 0 && holds(b, d[1], n[1]));
	CHECK(bodies_release(b, h[1], 0) == 0);
	CHECK(!bodies_has(b, h[1]));
	/* committed: kept */
	CHECK(bodies_put_held(b, h[2], d[2], n[2]) == 0 && bodies_flush(b) == 0);
	CHECK(bodies_release(b, h[2], 1) == 0 && holds(b, d[2], n[2]));
	/* a large body's file, refused: removed */
	CHECK(bodies_put_held(b, h[3], d[3], n[3]) == 0 && holds(b, d[3], n[3]));
	CHECK(bodies_release(b, h[3], 0) == 0 && !bodies_has(b, h[3]));
	/* stored before (a replay's body): a refused holder does not delete it */
	CHECK(bodies_put_held(b, h[2], d[2], n[2]) == 0);
	CHECK(bodies_release(b, h[2], 0) == 0 && holds(b, d[2], n[2]));
	/* two holders, one refused, one committed (in either order): kept */
	CHECK(bodies_put_held(b, h[4], d[4], n[4]) == 0 && bodies_put_held(b, h[4], d[4], n[4]) == 0);
	CHECK(bodies_release(b, h[4], 0) == 0 && bodies_has(b, h[4]));
	CHECK(bodies_flush(b) == 0 && bodies_release(b, h[4], 1) == 0 && holds(b, d[4], n[4]));
	CHECK(bodies_put_held(b, h[5], d[5], n[5]) == 0 && bodies_put_held(b, h[5], d[5], n[5]) == 0);
	CHECK(bodies_flush(b) == 0 && bodies_release(b, h[5], 1) == 0 && bodies_release(b, h[5], 0) == 0);
	CHECK(holds(b, d[5], n[5]));
	/* both refused: deleted only by the last */
	CHECK(bodies_put_held(b, h[6], d[6], n[6]) == 0 && bodies_put_held(b, h[6], d[6], n[6]) == 0);
	CHECK(bodies_flush(b) == 0 && bodies_release(b, h[6], 0) == 0 && holds(b, d[6], n[6]));
	CHECK(bodies_release(b, h[6], 0) == 0 && !bodies_has(b, h[6]));
	/* also put without a hold (a peer's body): kept whatever the holder's fate */
	CHECK(bodies_put_held(b, h[7], d[7], n[7]) == 0 && bodies_put(b, h[7], d[7], n[7]) == 0);
	CHECK(bodies_flush(b) == 0 && bodies_release(b, h[7], 0) == 0 && holds(b, d[7], n[7]));
	CHECK(!bodies_refused(b, h[1]) && !bodies_refused(b, h[7]));
	/* found by a peer's sync while held for a submission (bodies_has_keep): kept whatever the submission's fate */
	CHECK(bodies_put_held(b, h[0], d[0], n[0]) == 0 && bodies_has_keep(b, h[0]) == 1);
	CHECK(bodies_flush(b) == 0 && bodies_release(b, h[0], 0) == 0 && holds(b, d[0], n[0]));
	CHECK(bodies_has_keep(b, h[1]) == 0);
	bodies_close(b);
	/* what was deleted stays deleted */
	CHECK(bodies_open(&b, dir, 0) == 0);
	CHECK(!bodies_has(b, h[1]) && !bodies_has(b, h[3]) && !bodies_has(b, h[6]));
	CHECK(holds(b, d[0], n[0]) && holds(b, d[2], n[2]) && holds(b, d[4], n[4]) && holds(b, d[5], n[5]) && holds(b, d[7], n[7]));
	bodies_close(b);
}

/*
 * A small body stored as a file, as an older version stored every body: a
 * refused submission of the same body must not delete it (the store looks
 * for small bodies as files only when bodies_open found such a file).
 */
static void test_small_file_of_older_version_kept(void)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/older", base);
	static uint8_t d[2][BODIES_INLINE_MAX];
	uint8_t h[2][32];
	size_t n[2];
	for (int i = 0; i < 2; i++) {
		n[i] = body_make((uint64_t)(200 + i), d[i], sizeof d[i]);
		sha256(d[i], n[i], h[i]);
	}
	CHECK(n[0] <= BODIES_INLINE_MAX && n[1] <= BODIES_INLINE_MAX);
	for (int sync_later = 0; sync_later < 2; sync_later++) {
		char path[PATH_MAX + 100], hex[65];
		check_rmtree(dir);
		CHECK(mkdir_p(dir, 0755) == 0);
		hex_encode(hex, h[0], 32);
		snprintf(path, sizeof path, "%s/%s", dir, hex);
		CHECK(file_write_atomic(path, d[0], n[0], 0644, 1) == 0);
		struct bodies *b;
		CHECK(bodies_open(&b, dir, sync_later) == 0);
		CHECK(bodies_put_held(b, h[0], d[0], n[0]) == 0 && bodies_flush(b) == 0);
		CHECK(bodies_release(b, h[0], 0) == 0);
		CHECK(bodies_has(b, h[0]) && access(path, F_OK) == 0);
		/* one of this version, refused: deleted as ever */
		CHECK(bodies_put_held(b, h[1], d[1], n[1]) == 0 && bodies_flush(b) == 0 && holds(b, d[1], n[1]));
		CHECK(bodies_release(b, h[1], 0) == 0 && !bodies_has(b, h[1]));
		bodies_close(b);
	}
}

/*
 * A submission's small body is not looked up when it is held: a body stored
 * before, held again, flushed again and then refused (a batch whose commit
 * failed) must still be kept, because the flush saw its row there already.
 * 1,100 such bodies go past the record's soft limit, after which the store
 * looks them up as it is held, as before; a new body refused after its
 * flush is still deleted on both sides of that limit.
 */
static void test_stored_before_kept_after_flush(void)
{
	char dir[PATH_MAX + 16];
	snprintf(dir, sizeof dir, "%s/prestored", base);
	struct bodies *b;
	CHECK(bodies_open(&b, dir, 1) == 0);
	enum { N = 1100 };
	static uint8_t d[N + 2][64];
	static uint8_t h[N + 2][32];
	for (int i = 0; i < N + 2; i++) {
		snprintf((char *)d[i], sizeof d[i], "body %d of the stored-before test", i);
		sha256(d[i], strlen((char *)d[i]), h[i]);
	}
	/* stored and committed once */
	for (int i = 0; i < N; i++)
		CHECK(bodies_put_held(b, h[i], d[i], strlen((char *)d[i])) == 0);
	CHECK(bodies_flush(b) == 0);
	for (int i = 0; i < N; i++)
		CHECK(bodies_release(b, h[i], 1) == 0);
	/* a new body held, flushed, refused: deleted (before the limit) */
	CHECK(bodies_put_held(b, h[N], d[N], strlen((char *)d[N])) == 0 && bodies_flush(b) == 0);
	CHECK(bodies_release(b, h[N], 0) == 0 && !bodies_has(b, h[N]));
	/* body 0 twice in a row: the record is taken by the first refusal and made again by the second flush */
	for (int round = 0; round < 2; round++) {
		CHECK(bodies_put_held(b, h[0], d[0], strlen((char *)d[0])) == 0 && bodies_flush(b) == 0);
		CHECK(bodies_release(b, h[0], 0) == 0 && holds(b, d[0], strlen((char *)d[0])));
	}
	/* every one held again, flushed together (1,100 records: past the limit), then refused: all kept */
	for (int i = 0; i < N; i++)
		CHECK(bodies_put_held(b, h[i], d[i], strlen((char *)d[i])) == 0);
	CHECK(bodies_flush(b) == 0);
	for (int i = 0; i < N; i++)
		CHECK(bodies_release(b, h[i], 0) == 0);
	/* past the limit a held body is looked up: one stored before and refused is kept */
	CHECK(bodies_put_held(b, h[5], d[5], strlen((char *)d[5])) == 0 && bodies_flush(b) == 0);
	CHECK(bodies_release(b, h[5], 0) == 0);
	int kept = 0;
	for (int i = 0; i < N; i++)
		kept += holds(b, d[i], strlen((char *)d[i]));
	CHECK_EQ_INT(kept, N);
	/* a new body held, flushed, refused: deleted (past the limit) */
	CHECK(bodies_put_held(b, h[N + 1], d[N + 1], strlen((char *)d[N + 1])) == 0 && bodies_flush(b) == 0);
	CHECK(bodies_release(b, h[N + 1], 0) == 0 && !bodies_has(b, h[N + 1]));
	bodies_close(b);
	CHECK(bodies_open(&b, dir, 0) == 0);
	kept = 0;
	for (int i = 0; i < N; i++)
		kept += holds(b, d[i], strlen((char *)d[i]));
	CHECK_EQ_INT(kept, N);
	CHECK(!bodies_has(b, h[N]) && !bodies_has(b, h[N + 1]));
	bodies_close(b);
}

int main(void)
{
	if (check_tmpdir(base, sizeof base, "parley-bodies"))
		return 2;
	RUN(test_small_rows_large_files);
	RUN(test_short_file_is_not_stored);
	RUN(test_kill_9_keeps_flushed_bodies);
	RUN(test_refused_bodies_are_deleted);
	RUN(test_small_file_of_older_version_kept);
	RUN(test_stored_before_kept_after_flush);
	check_rmtree(base);
	CHECK_EXIT();
}
