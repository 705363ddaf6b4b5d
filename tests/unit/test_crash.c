/*
 * Crash test of the store: a child process appends and commits in a loop and
 * reports every committed index through a pipe; the parent kills it with
 * SIGKILL at a random moment, then reopens the log for writing (which runs
 * recovery) and checks that every acknowledged entry is there with its exact
 * content, that the size never shrank below what was acknowledged, and that
 * the whole log audits. Every other round also simulates a power loss that
 * tore the unacknowledged batch: files the checkpoint does not refer to are
 * truncated, scribbled on or deleted before reopening.
 */
#include "base/buf.h"
#include "base/err.h"
#include "crypto/note.h"
#include "tlog/store.h"
#include "tlog/tilepath.h"
#include "check.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ROUNDS 24

static struct note_signer key;
static struct note_verifier vkey;
static char dir[512];
static uint64_t torn_size; /* checkpoint size during the current power-loss simulation */
static unsigned torn_files;

static void entry_text(char *e, size_t n, uint64_t i)
{
	/* Varying lengths, so bundles have entries of several sizes. */
	snprintf(e, n, "entry-%llu-%.*s", (unsigned long long)i, (int)(i % 40), "........................................");
}

/* The child: appends batches of 1..64 entries forever, reporting committed indices. */
static void child(int wfd, unsigned seed)
{
	struct tlog *t;
	srand(seed);
	if (tlog_open(&t, dir, &key) != 0) {
		fprintf(stderr, "child: open: %s\n", err_msg());
		_exit(3);
	}
	for (;;) {
		int n = 1 + rand() % 64;
		uint64_t first = tlog_size(t), idx = 0;
		for (int i = 0; i < n; i++) {
			char e[128];
			entry_text(e, sizeof e, first + (uint64_t)i);
			if (tlog_add(t, (const uint8_t *)e, strlen(e), &idx) != 0)
				_exit(4);
		}
		if (tlog_commit(t) != 0) {
			fprintf(stderr, "child: commit: %s\n", err_msg());
			_exit(5);
		}
		if (write(wfd, &idx, sizeof idx) != (ssize_t)sizeof idx) /* the last index of the batch */
			_exit(6);
	}
}

/* 1 if the checkpoint of size n refers to tile t. */
static int referenced(const struct tile_id *t, uint64_t n)
{
	int level = t->level == TILE_LEVEL_ENTRIES ? 0 : t->level;
	uint64_t count = level * TILE_HEIGHT >= 64 ? 0 : n >> (TILE_HEIGHT * level);
	if (t->width == TILE_WIDTH)
		return (t->index + 1) * TILE_WIDTH <= count;
	return t->index == count / TILE_WIDTH && t->width == count % TILE_WIDTH;
}

/* nftw callback: damages every tile file the checkpoint does not refer to. */
static int tear(const char *path, const struct stat *st, int type, struct FTW *f)
{
	(void)st, (void)f;
	if (type != FTW_F)
		return 0;
	const char *rel = path + strlen(dir) + 1;
	struct tile_id t;
	if (tilepath_parse(rel, strlen(rel), &t) != 0 || referenced(&t, torn_size))
		return 0;
	torn_files++;
	switch (rand() % 3) {
	case 0:
		if (truncate(path, st->st_size ? rand() % st->st_size : 0) != 0)
			perror(path);
		break;
	case 1: {
		int fd = open(path, O_WRONLY);
		char junk = (char)rand();
		if (fd < 0 || pwrite(fd, &junk, 1, st->st_size ? rand() % st->st_size : 0) != 1)
			perror(path);
		if (fd >= 0)
			close(fd);
		break;
	}
	default:
		unlink(path);
	}
	return 0;
}

static void test_kill_and_recover(void)
{
	uint64_t acked_max = 0, have_acked = 0;
	unsigned torn_rounds = 0;
	for (int round = 0; round < ROUNDS; round++) {
		int p[2];
		CHECK(pipe(p) == 0);
		pid_t pid = fork();
		if (pid == 0) {
			close(p[0]);
			child(p[1], (unsigned)round * 7919u + (unsigned)getpid());
		}
		close(p[1]);
		struct timespec ts = {0, (long)(rand() % 300) * 1000000L};
		nanosleep(&ts, NULL);
		kill(pid, SIGKILL);
		int status;
		waitpid(pid, &status, 0);
		CHECK(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		uint64_t idx;
		while (read(p[0], &idx, sizeof idx) == (ssize_t)sizeof idx) {
			CHECK(!have_acked || idx > acked_max); /* indices only grow */
			acked_max = idx, have_acked = 1;
		}
		close(p[0]);

		if (round % 2) {
			/* Power loss: whatever the checkpoint does not cover may be torn. */
			struct tlog *r;
			CHECK(tlog_open(&r, dir, NULL) == 0);
			if (!r)
				break;
			torn_size = tlog_size(r);
			tlog_close(r);
			unsigned before = torn_files;
			nftw(dir, tear, 16, FTW_PHYS);
			torn_rounds += torn_files > before;
		}

		/* Reopen for writing: recovery. */
		struct tlog *t;
		int rc = tlog_open(&t, dir, &key);
		if (rc)
			fprintf(stderr, "  round %d: reopen: %s\n", round, err_msg());
		CHECK(rc == 0);
		if (rc)
			break;
		uint64_t size = tlog_size(t);
		CHECK(!have_acked || size >= acked_max + 1);
		/* The acknowledged tail and a sample of the rest read back exactly. */
		struct buf b;
		buf_init(&b, TLOG_ENTRY_MAX);
		for (uint64_t i = 0; i < size; i++) {
			if (i + 300 < size && i % 97)
				continue;
			char e[128];
			entry_text(e, sizeof e, i);
			rc = tlog_read_entry(t, i, &b);
			CHECK(rc == 0 && b.len == strlen(e) && memcmp(b.data, e, b.len) == 0);
			if (rc)
				break;
		}
		buf_release(&b);
		tlog_close(t);
		uint64_t checked;
		rc = tlog_audit(dir, &vkey, &checked);
		if (rc)
			fprintf(stderr, "  round %d: audit: %s\n", round, err_msg());
		CHECK(rc == 0 && checked == size);
	}
	CHECK(have_acked); /* the test did exercise commits */
	fprintf(stderr, "  %d rounds, last acknowledged index %llu, %u files torn in %u rounds\n", ROUNDS,
		(unsigned long long)acked_max, torn_files, torn_rounds);
}

int main(void)
{
	srand((unsigned)time(NULL) ^ (unsigned)getpid());
	if (check_tmpdir(dir, sizeof dir, "test_crash") || rmdir(dir) != 0 || note_signer_generate(&key, "crash.example/log", NOTE_ED25519) ||
	    tlog_create(dir, &key) != 0) {
		fprintf(stderr, "setup failed: %s\n", err_msg());
		return 2;
	}
	note_verifier_from_signer(&vkey, &key, NOTE_ED25519);
	RUN(test_kill_and_recover);
	note_signer_release(&key);
	if (check_rmtree(dir))
		return 2;
	CHECK_EXIT();
}
