/* Tile paths and the log store: create, open, add, commit, read, prove, reopen, lock, recovery. */
#include "base/buf.h"
#include "base/err.h"
#include "crypto/merkle.h"
#include "crypto/note.h"
#include "tlog/store.h"
#include "tlog/tilepath.h"
#include "tlog/tiles.h"
#include "check.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static struct note_signer key;
static struct note_verifier vkey;
static char base[256];

static void setup(void)
{
	const char *tmp = getenv("TMPBASE") ? getenv("TMPBASE") : "/tmp";
	snprintf(base, sizeof base, "%s/test_tlog.XXXXXX", tmp);
	if (!mkdtemp(base) || note_signer_generate(&key, "test.example/log", NOTE_ED25519)) {
		fprintf(stderr, "setup failed: %s\n", err_msg());
		exit(2);
	}
	note_verifier_from_signer(&vkey, &key, NOTE_ED25519);
}

static void shell(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void shell(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof cmd, fmt, ap);
	va_end(ap);
	if (system(cmd) != 0)
		fprintf(stderr, "  command failed: %s\n", cmd);
}

static int exists(const char *dir, const char *rel)
{
	char p[1024];
	struct stat st;
	snprintf(p, sizeof p, "%s/%s", dir, rel);
	return stat(p, &st) == 0;
}

static void tp_ok(const char *path, int level, uint64_t index, unsigned width)
{
	struct tile_id t;
	char out[TILE_PATH_MAX];
	CHECK(tilepath_parse(path, strlen(path), &t) == 0);
	CHECK(t.level == level && t.index == index && t.width == width);
	struct tile_id f = {level, index, width};
	tilepath_format(&f, out, sizeof out);
	CHECK_STR(out, path);
}

static void test_tilepath(void)
{
	tp_ok("tile/0/x001/x234/067", 0, 1234067, 256);
	tp_ok("tile/0/000", 0, 0, 256);
	tp_ok("tile/3/999", 3, 999, 256);
	tp_ok("tile/0/x001/000", 0, 1000, 256);
	tp_ok("tile/entries/x001/x234/067.p/255", TILE_LEVEL_ENTRIES, 1234067, 255);
	tp_ok("tile/63/000.p/1", 63, 0, 1);
	tp_ok("tile/0/x018/x446/x744/x073/x709/x551/615", 0, UINT64_MAX, 256);
	const char *bad[] = {
		"tile/0/x000/001", "tile/0/01", "tile/0/1", "tile/0/0001", "tile/0/000.p/0", "tile/0/000.p/256",
		"tile/0/000.p/01", "tile/0/000.p/", "tile/0/000.p", "tile/64/000", "tile/00/000", "tile/-1/000",
		"tile/0/x001/234x", "tile/0/000/", "/tile/0/000", "tile/0/x001", "tile/0/x1/000", "tile/entries",
		"tile/entries/", "tile//000", "tile/0/x018/x446/x744/x073/x709/x551/616", "tile/0/000\0",
		"tile/0/x001/x000/x000/x000/x000/x000/x000/000", "tiles/0/000", "",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct tile_id t;
		size_t n = strlen(bad[i]) + (i == 21); /* include the NUL of "tile/0/000\0" */
		if (tilepath_parse(bad[i], n, &t) != ERR_FORMAT) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			CHECK(0);
		}
	}
}

static void entry_text(char *e, size_t n, uint64_t i)
{
	snprintf(e, n, "entry number %llu", (unsigned long long)i);
}

/* Adds entries [from, to) and commits; checks the indices. */
static void add_range(struct tlog *t, uint64_t from, uint64_t to)
{
	for (uint64_t i = from; i < to; i++) {
		char e[64];
		uint64_t idx;
		entry_text(e, sizeof e, i);
		CHECK(tlog_add(t, (const uint8_t *)e, strlen(e), &idx) == 0);
		CHECK_EQ_INT(idx, i);
	}
	CHECK(tlog_commit(t) == 0);
	CHECK_EQ_INT(tlog_size(t), to);
}

/* Every entry reads back; a sample of inclusion and consistency proofs verifies. */
static void check_contents(struct tlog *t, uint64_t size)
{
	struct buf b;
	buf_init(&b, TLOG_ENTRY_MAX);
	const struct checkpoint *cp = tlog_checkpoint(t);
	CHECK_EQ_INT(cp->size, size);
	for (uint64_t i = 0; i < size; i++) {
		char e[64];
		entry_text(e, sizeof e, i);
		int rc = tlog_read_entry(t, i, &b);
		CHECK(rc == 0 && b.len == strlen(e) && memcmp(b.data, e, b.len) == 0);
		if (rc)
			break;
		if (i % 37 == 0 || i + 1 == size) {
			merkle_hash proof[MERKLE_MAX_PROOF], leaf;
			size_t n;
			merkle_leaf_hash(e, strlen(e), leaf);
			CHECK(tlog_prove_inclusion(t, i, size, proof, &n) == 0);
			CHECK(merkle_verify_inclusion(i, size, leaf, (const merkle_hash *)proof, n, cp->root) == 0);
			merkle_hash old_root;
			CHECK(tlog_root_at(t, i + 1, old_root) == 0);
			CHECK(tlog_prove_consistency(t, i + 1, size, proof, &n) == 0);
			CHECK(merkle_verify_consistency(i + 1, size, old_root, cp->root, (const merkle_hash *)proof, n) == 0);
		}
	}
	CHECK_EQ_INT(tlog_read_entry(t, size, &b), ERR_NOTFOUND);
	buf_release(&b);
}

/*
 * One tile reader kept across a growing log (as the node keeps one per thread):
 * its remembered inner subtree roots stay right when a partial tile grows,
 * completes and moves up a level. Every proof checks against the root of the
 * checkpoint at that size, which the writer computed without a reader.
 */
static void test_reader_across_growing_sizes(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/reader", base);
	CHECK(tlog_create(dir, &key) == 0);
	struct tlog *t;
	CHECK(tlog_open(&t, dir, &key) == 0);
	int dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	struct tile_reader *r = malloc(sizeof *r);
	CHECK(dirfd >= 0 && r != NULL);
	tile_reader_init(r, dirfd, 0);
	struct merkle_source src;
	tile_reader_source(r, &src);
	static const uint64_t sizes[] = {1, 2, 3, 7, 100, 255, 256, 257, 300, 511, 512, 513, 700, 65535, 65536, 65537, 66000};
	uint64_t size = 0;
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		add_range(t, size, sizes[k]);
		size = sizes[k];
		const struct checkpoint *cp = tlog_checkpoint(t);
		tile_reader_resize(r, size);
		int bad = 0;
		for (uint64_t i = 0; i < size; i++) {
			if (size > 1000 && i % 97 != 0 && i + 300 < size)
				continue;
			char e[64];
			merkle_hash proof[MERKLE_MAX_PROOF], leaf;
			size_t n;
			entry_text(e, sizeof e, i);
			merkle_leaf_hash(e, strlen(e), leaf);
			if (merkle_prove_inclusion(&src, i, size, proof, &n) ||
			    merkle_verify_inclusion(i, size, leaf, (const merkle_hash *)proof, n, cp->root))
				bad++;
		}
		CHECK_EQ_INT(bad, 0);
	}
	free(r);
	close(dirfd);
	tlog_close(t);
}

static void test_store_roundtrip(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/roundtrip", base);
	CHECK(tlog_create(dir, &key) == 0);
	CHECK_EQ_INT(tlog_create(dir, &key), ERR_CONFLICT); /* not empty any more */
	struct tlog *t;
	CHECK(tlog_open(&t, dir, &key) == 0);
	CHECK_EQ_INT(tlog_size(t), 0);
	add_range(t, 0, 3);
	add_range(t, 3, 300); /* crosses a tile boundary */
	check_contents(t, 300);
	CHECK(exists(dir, "tile/0/000") && exists(dir, "tile/entries/000") && exists(dir, "tile/0/001.p/44"));
	CHECK(!exists(dir, "tile/0/000.p")); /* partials of a completed tile are gone */
	/* Queued but uncommitted entries are invisible and discardable. */
	uint64_t idx;
	CHECK(tlog_add(t, (const uint8_t *)"x", 1, &idx) == 0 && idx == 300);
	CHECK_EQ_INT(tlog_size(t), 300);
	tlog_discard(t);
	tlog_close(t);

	/* Reopen for writing: the committed state is there, appends continue. */
	CHECK(tlog_open(&t, dir, &key) == 0);
	CHECK_EQ_INT(tlog_size(t), 300);
	add_range(t, 300, 520);
	tlog_close(t);
	/* Read-only: */
	CHECK(tlog_open(&t, dir, NULL) == 0);
	check_contents(t, 520);
	CHECK_EQ_INT(tlog_add(t, (const uint8_t *)"x", 1, &idx), ERR_USAGE);
	tlog_close(t);
	uint64_t checked;
	CHECK(tlog_audit(dir, &vkey, &checked) == 0 && checked == 520);
	/* Too large an entry is refused. */
	CHECK(tlog_open(&t, dir, &key) == 0);
	uint8_t *big = calloc(1, TLOG_ENTRY_MAX + 1);
	CHECK_EQ_INT(tlog_add(t, big, TLOG_ENTRY_MAX + 1, &idx), ERR_LIMIT);
	CHECK(tlog_add(t, big, TLOG_ENTRY_MAX, &idx) == 0);
	free(big);
	tlog_discard(t);
	tlog_close(t);
}

struct range_seen {
	uint64_t next;  /* the index expected next */
	uint64_t calls;
	uint64_t stop_at; /* fn answers ERR_LIMIT at this index */
};

static int range_check(void *ctx, uint64_t index, const uint8_t *entry, size_t len)
{
	struct range_seen *s = ctx;
	char e[64];
	entry_text(e, sizeof e, index);
	CHECK_EQ_INT(index, s->next);
	CHECK(len == strlen(e) && memcmp(entry, e, len) == 0);
	s->next = index + 1;
	s->calls++;
	return index == s->stop_at ? ERR_LIMIT : 0;
}

/* tlog_read_entries: every range (within a bundle, across bundles, into the partial one) reads back in order. */
static void test_read_entries(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/ranges", base);
	CHECK(tlog_create(dir, &key) == 0);
	struct tlog *t;
	CHECK(tlog_open(&t, dir, &key) == 0);
	add_range(t, 0, 300);
	add_range(t, 300, 700); /* bundles 0 and 1 full, 2 partial (188) */
	static const uint64_t ranges[][2] = {{0, 700}, {0, 1},   {255, 2}, {256, 256}, {100, 500}, {511, 189},
					     {699, 1}, {10, 0},  {700, 0}, {512, 188}, {3, 253}};
	for (size_t r = 0; r < sizeof ranges / sizeof ranges[0]; r++) {
		struct range_seen s = {ranges[r][0], 0, UINT64_MAX};
		CHECK(tlog_read_entries(t, ranges[r][0], ranges[r][1], range_check, &s) == 0);
		CHECK_EQ_INT(s.calls, ranges[r][1]);
	}
	/* beyond the committed size: refused before any call */
	struct range_seen s = {690, 0, UINT64_MAX};
	CHECK_EQ_INT(tlog_read_entries(t, 690, 11, range_check, &s), ERR_NOTFOUND);
	CHECK_EQ_INT(tlog_read_entries(t, 701, 0, range_check, &s), ERR_NOTFOUND);
	CHECK_EQ_INT(tlog_read_entries(t, 1, UINT64_MAX, range_check, &s), ERR_NOTFOUND);
	CHECK_EQ_INT(s.calls, 0);
	/* fn's error stops the walk */
	s = (struct range_seen){200, 0, 300};
	CHECK_EQ_INT(tlog_read_entries(t, 200, 400, range_check, &s), ERR_LIMIT);
	CHECK_EQ_INT(s.calls, 101);
	tlog_close(t);
}

/* A log committed with one syncfs per batch holds the same files as one synced file by file. */
static void test_sync_fs_same_log(void)
{
	char a[512], b[512];
	snprintf(a, sizeof a, "%s/sync-files", base);
	snprintf(b, sizeof b, "%s/sync-fs", base);
	struct tlog *t;
	CHECK(tlog_create(a, &key) == 0 && tlog_create(b, &key) == 0);
	CHECK(tlog_open(&t, a, &key) == 0);
	add_range(t, 0, 3);
	add_range(t, 3, 700);
	tlog_close(t);
	CHECK(tlog_open(&t, b, &key) == 0);
	tlog_set_sync(t, TLOG_SYNC_FS);
	add_range(t, 0, 3);
	add_range(t, 3, 700);
	check_contents(t, 700);
	tlog_close(t);
	/* the same tiles and bundles (the checkpoints differ only in their signatures) */
	char cmd[4096];
	snprintf(cmd, sizeof cmd, "cd %s && find tile -type f | sort | xargs cat >%s.tiles && cd %s && find tile -type f | sort"
		 " | xargs cat >%s.tiles && cmp -s %s.tiles %s.tiles", a, a, b, b, a, b);
	CHECK(system(cmd) == 0);
	uint64_t checked;
	CHECK(tlog_audit(b, &vkey, &checked) == 0 && checked == 700);
	CHECK(tlog_open(&t, b, &key) == 0 && tlog_size(t) == 700);
	tlog_close(t);
}

static void test_wrong_key_refused(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/wrongkey", base);
	CHECK(tlog_create(dir, &key) == 0);
	struct note_signer other;
	CHECK(note_signer_generate(&other, "test.example/log", NOTE_ED25519) == 0);
	struct tlog *t;
	CHECK_EQ_INT(tlog_open(&t, dir, &other), ERR_VERIFY);
	note_signer_release(&other);
}

static void test_second_writer_refused(void)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/lock", base);
	CHECK(tlog_create(dir, &key) == 0);
	struct tlog *t1, *t2, *r;
	CHECK(tlog_open(&t1, dir, &key) == 0);
	CHECK_EQ_INT(tlog_open(&t2, dir, &key), ERR_CONFLICT);
	CHECK_MSG("in use by another writer");
	CHECK(tlog_open(&r, dir, NULL) == 0); /* readers need no lock */
	tlog_close(r);
	/* In another process too (flock is per open file, so this is the same test, but honest). */
	pid_t pid = fork();
	if (pid == 0) {
		struct tlog *t3;
		_exit(tlog_open(&t3, dir, &key) == ERR_CONFLICT ? 0 : 1);
	}
	int status;
	waitpid(pid, &status, 0);
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	tlog_close(t1);
	CHECK(tlog_open(&t2, dir, &key) == 0); /* released on close */
	tlog_close(t2);
}

/*
 * A batch that wrote its tiles but crashed before replacing the checkpoint:
 * a copy of the log at size 10 receives (without overwriting) every file of
 * the log at size 310. Opening it for writing must remove what lies beyond
 * the checkpoint, keep the 10 entries, and accept different new entries.
 */
static void test_recovery_removes_files_beyond_checkpoint(void)
{
	char dir[512], torn[512];
	snprintf(dir, sizeof dir, "%s/recover", base);
	snprintf(torn, sizeof torn, "%s/recover-torn", base);
	CHECK(tlog_create(dir, &key) == 0);
	struct tlog *t;
	CHECK(tlog_open(&t, dir, &key) == 0);
	add_range(t, 0, 10);
	tlog_close(t);
	shell("cp -a %s %s", dir, torn);
	CHECK(tlog_open(&t, dir, &key) == 0);
	add_range(t, 10, 310);
	tlog_close(t);
	shell("cp -an %s/tile %s/", dir, torn);
	CHECK(exists(torn, "tile/entries/000") && exists(torn, "tile/1/000.p/1") && exists(torn, "tile/0/001.p/54"));
	CHECK(exists(torn, "tile/entries/000.p/10"));

	CHECK(tlog_open(&t, torn, &key) == 0);
	CHECK_EQ_INT(tlog_size(t), 10);
	CHECK(!exists(torn, "tile/entries/000") && !exists(torn, "tile/0/000") && !exists(torn, "tile/1/000.p/1"));
	CHECK(!exists(torn, "tile/0/001.p") && !exists(torn, "tile/entries/001.p"));
	CHECK(exists(torn, "tile/entries/000.p/10") && exists(torn, "tile/0/000.p/10"));
	check_contents(t, 10);
	/* New, different entries after the recovered point. */
	for (int i = 0; i < 300; i++)
		CHECK(tlog_add(t, (const uint8_t *)"different", 9, NULL) == 0);
	CHECK(tlog_commit(t) == 0);
	tlog_close(t);
	uint64_t checked;
	CHECK(tlog_audit(torn, &vkey, &checked) == 0 && checked == 310);

	/* A damaged committed partial tile at level 0 is rebuilt from its bundle. */
	shell("printf garbage > %s/tile/0/001.p/54", torn);
	CHECK(tlog_open(&t, torn, &key) == 0);
	tlog_close(t);
	CHECK(tlog_audit(torn, &vkey, &checked) == 0);
	/* A damaged committed bundle cannot be rebuilt: refused, with the reason. */
	shell("printf garbage > %s/tile/entries/001.p/54", torn);
	CHECK_EQ_INT(tlog_open(&t, torn, &key), ERR_VERIFY);
	CHECK_MSG("bundle");
}

/* A mirror catching up in several flushes (more than one batch holds) commits the same log; a failure drops them all. */
static void test_mirror_flush(void)
{
	char src[512], dst[512];
	snprintf(src, sizeof src, "%s/flush-src", base);
	snprintf(dst, sizeof dst, "%s/flush-mirror", base);
	CHECK(tlog_create(src, &key) == 0);
	struct tlog *t, *m;
	struct buf cp10, cp700;
	buf_init(&cp10, CHECKPOINT_MAX_SIZE);
	buf_init(&cp700, CHECKPOINT_MAX_SIZE);
	CHECK(tlog_open(&t, src, &key) == 0);
	add_range(t, 0, 10);
	buf_append(&cp10, tlog_checkpoint_note(t)->data, tlog_checkpoint_note(t)->len);
	add_range(t, 10, 700);
	buf_append(&cp700, tlog_checkpoint_note(t)->data, tlog_checkpoint_note(t)->len);
	tlog_close(t);

	CHECK(tlog_open_mirror(&m, dst, &vkey, 1) == 0);
	for (uint64_t i = 0; i < 10; i++) {
		char e[64];
		entry_text(e, sizeof e, i);
		CHECK(tlog_add(m, (const uint8_t *)e, strlen(e), NULL) == 0);
	}
	CHECK(tlog_commit_mirror(m, cp10.data, cp10.len) == 0);
	for (int round = 0; round < 2; round++) {
		for (uint64_t i = 10; i < 700; i++) {
			char e[64];
			uint64_t idx;
			entry_text(e, sizeof e, round && i == 500 ? 499 : i); /* round 1: one entry altered */
			CHECK(tlog_add(m, (const uint8_t *)e, strlen(e), &idx) == 0);
			CHECK_EQ_INT(idx, i);
			if (i == 299 || i == 599)
				CHECK(tlog_flush_mirror(m) == 0);
		}
		CHECK_EQ_INT(tlog_size(m), 10); /* nothing published by a flush */
		CHECK_EQ_INT(tlog_pending_bytes(m) > 0, 1);
		if (!round) {
			CHECK(exists(dst, "tile/entries/001")); /* a full bundle written by a flush */
			/* discarding after a flush cannot drop the flushed entries: the mirror must be reopened */
			tlog_discard(m);
			CHECK(tlog_add(m, (const uint8_t *)"x", 1, NULL) != 0);
			tlog_close(m);
			CHECK(tlog_open_mirror(&m, dst, &vkey, 1) == 0);
			CHECK_EQ_INT(tlog_size(m), 10);
			CHECK(!exists(dst, "tile/entries/000") && !exists(dst, "tile/entries/001"));
			continue;
		}
		CHECK_EQ_INT(tlog_commit_mirror(m, cp700.data, cp700.len), ERR_VERIFY);
		tlog_close(m);
		CHECK(tlog_open_mirror(&m, dst, &vkey, 1) == 0);
		CHECK_EQ_INT(tlog_size(m), 10);
	}
	/* the whole catch-up, in three flushes and a commit */
	for (uint64_t i = 10; i < 700; i++) {
		char e[64];
		entry_text(e, sizeof e, i);
		CHECK(tlog_add(m, (const uint8_t *)e, strlen(e), NULL) == 0);
		if (i % 200 == 0)
			CHECK(tlog_flush_mirror(m) == 0);
	}
	CHECK(tlog_commit_mirror(m, cp700.data, cp700.len) == 0);
	check_contents(m, 700);
	tlog_close(m);
	uint64_t checked;
	CHECK(tlog_audit(dst, &vkey, &checked) == 0 && checked == 700);
	shell("diff -r %s/tile %s/tile", src, dst);
	buf_release(&cp10);
	buf_release(&cp700);
}

int main(void)
{
	setup();
	RUN(test_tilepath);
	RUN(test_store_roundtrip);
	RUN(test_read_entries);
	RUN(test_reader_across_growing_sizes);
	RUN(test_sync_fs_same_log);
	RUN(test_wrong_key_refused);
	RUN(test_second_writer_refused);
	RUN(test_recovery_removes_files_beyond_checkpoint);
	RUN(test_mirror_flush);
	note_signer_release(&key);
	shell("rm -rf %s", base);
	CHECK_EXIT();
}
