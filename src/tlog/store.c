#include "tlog/store.h"
#include "base/err.h"
#include "base/fileio.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_OPEN_WRITES 64   /* files written but not yet flushed, before an early flush */
#define MAX_SYNC_DIRS 64

struct tlog {
	char dir[PATH_MAX];
	int dirfd;
	int writer;
	int broken;
	enum tlog_sync sync;
	const struct note_signer *key;  /* NULL for a mirror, or a log signed by sign */
	tlog_sign_fn sign;              /* signs the checkpoint instead of key (tlog_open_signed) */
	void *sign_ctx;
	struct note_verifier vkey[TLOG_KEYS_MAX]; /* the log's keys (mirrors check checkpoints with them) */
	size_t nvkey;
	struct checkpoint cp;
	struct buf cpnote;
	struct tile_builder tb;
	struct buf pending;       /* queued entries, length-prefixed like a bundle */
	uint64_t pending_n;
	uint64_t flushed_n;       /* a mirror's entries past the checkpoint already in the builder (tlog_flush_mirror) */
	/* per-commit scratch */
	int fds[MAX_OPEN_WRITES];
	size_t nfds;
	char sync_dirs[MAX_SYNC_DIRS][TILE_PATH_MAX];
	size_t nsync_dirs;
	struct tile_id *obsolete; /* tiles completed this batch whose partials may go */
	size_t nobsolete, obsolete_cap;
};

static int note_dir(struct tlog *t, const char *path)
{
	char d[TILE_PATH_MAX];
	path_dirname(path, d, sizeof d);
	for (size_t i = 0; i < t->nsync_dirs; i++)
		if (!strcmp(t->sync_dirs[i], d))
			return 0;
	if (t->nsync_dirs == MAX_SYNC_DIRS) {
		/* Flush what we have: every listed directory gets synced now. */
		for (size_t i = 0; i < t->nsync_dirs; i++) {
			int fd = openat(t->dirfd, t->sync_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (fd < 0 || fsync(fd) != 0) {
				int e = errno;
				if (fd >= 0)
					close(fd);
				return err_set(ERR_IO, "fsync %s: %s", t->sync_dirs[i], strerror(e));
			}
			close(fd);
		}
		t->nsync_dirs = 0;
	}
	snprintf(t->sync_dirs[t->nsync_dirs++], TILE_PATH_MAX, "%s", d);
	return 0;
}

/* mkdir -p of path's parent, relative to the log directory, noting new directories' parents. */
static int make_parents(struct tlog *t, const char *path)
{
	char p[TILE_PATH_MAX];
	snprintf(p, sizeof p, "%s", path);
	for (char *s = strchr(p, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		if (mkdirat(t->dirfd, p, 0755) == 0) {
			int rc = note_dir(t, p); /* the new name lives in the parent */
			if (rc)
				return rc;
		} else if (errno != EEXIST) {
			return err_set(ERR_IO, "mkdir %s: %s", p, strerror(errno));
		}
		*s = '/';
	}
	return 0;
}

static int flush_fds(struct tlog *t)
{
	int rc = 0;
	for (size_t i = 0; i < t->nfds; i++) {
		if (!rc && fdatasync(t->fds[i]) != 0)
			rc = err_set(ERR_IO, "fdatasync: %s", strerror(errno));
		close(t->fds[i]);
	}
	t->nfds = 0;
	return rc;
}

static int sync_dirs(struct tlog *t)
{
	for (size_t i = 0; i < t->nsync_dirs; i++) {
		int fd = openat(t->dirfd, t->sync_dirs[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd < 0)
			return err_set(ERR_IO, "open %s: %s", t->sync_dirs[i], strerror(errno));
		int r = fsync(fd);
		close(fd);
		if (r != 0)
			return err_set(ERR_IO, "fsync %s: %s", t->sync_dirs[i], strerror(errno));
	}
	t->nsync_dirs = 0;
	return 0;
}

/* Emit callback of a commit: writes one tile or bundle file (flushed later). */
static int write_tile(void *ctx, const struct tile_id *id, const uint8_t *data, size_t len)
{
	struct tlog *t = ctx;
	char path[TILE_PATH_MAX];
	tilepath_format(id, path, sizeof path);
	int fd = openat(t->dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 && errno == ENOENT) {
		int rc = make_parents(t, path);
		if (rc)
			return rc;
		fd = openat(t->dirfd, path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	}
	if (fd < 0)
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	int rc = fd_write_all(fd, data, len);
	if (rc) {
		close(fd);
		return err_wrap(rc, "%s", path);
	}
	if (t->sync == TLOG_SYNC_FS) {
		/* made durable by the batch's syncfs */
		if (close(fd) != 0)
			return err_set(ERR_IO, "close %s: %s", path, strerror(errno));
	} else {
		if (t->nfds == MAX_OPEN_WRITES && (rc = flush_fds(t))) {
			close(fd);
			return rc;
		}
		t->fds[t->nfds++] = fd;
		if ((rc = note_dir(t, path)))
			return rc;
	}
	if (id->width == TILE_WIDTH) {
		if (t->nobsolete == t->obsolete_cap) {
			size_t cap = t->obsolete_cap ? t->obsolete_cap * 2 : 64;
			struct tile_id *p = realloc(t->obsolete, cap * sizeof *p);
			if (!p)
				return err_set(ERR_NOMEM, "out of memory");
			t->obsolete = p;
			t->obsolete_cap = cap;
		}
		t->obsolete[t->nobsolete++] = *id;
	}
	return 0;
}

/* Removes every file in <tile>.p/ wider than keep (all of them for keep = 0), and the dir if emptied. */
static void remove_partials(int dirfd, const struct tile_id *id, unsigned keep)
{
	char path[TILE_PATH_MAX + 8];
	struct tile_id full = *id;
	full.width = TILE_WIDTH;
	size_t n = tilepath_format(&full, path, sizeof path);
	snprintf(path + n, sizeof path - n, ".p");
	int pfd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return;
	DIR *d = fdopendir(pfd);
	if (!d) {
		close(pfd);
		return;
	}
	struct dirent *e;
	int left = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char *end;
		unsigned long w = strtoul(e->d_name, &end, 10);
		if (*end == 0 && w > keep)
			unlinkat(pfd, e->d_name, 0);
		else
			left++;
	}
	closedir(d);
	if (!left)
		unlinkat(dirfd, path, AT_REMOVEDIR);
}

/*
 * A writer's or a mirror's checkpoint that does not open because it carries
 * too many signature lines (an older version published every cosignature it
 * was sent, and mirrored a peer's checkpoint whole) is rewritten with the
 * log's own signature only, if that verifies; the cosignatures come back with
 * the next push (and are kept apart, in the node's cosigned/ files). A line on
 * stderr says so. Anything else wrong with the checkpoint is still an error.
 */
static int repair_checkpoint(struct tlog *t, const char *path, struct buf *clean)
{
	struct buf b;
	buf_init(&b, NOTE_MAX_SIZE);
	size_t dropped = 0;
	int rc = file_read(path, NOTE_MAX_SIZE, &b);
	if (!rc)
		rc = note_select(clean, b.data, b.len, t->vkey, t->nvkey, 0, NULL, &dropped);
	if (!rc)
		rc = checkpoint_open_keys(&t->cp, clean->data, clean->len, t->vkey, t->nvkey, NULL);
	if (!rc)
		rc = file_write_atomic(path, clean->data, clean->len, 0644, 0);
	if (!rc)
		fprintf(stderr, "log %s: its checkpoint had %zu signature lines besides the log's (written by an older "
				"version); rewritten with the log's signature only\n", t->dir, dropped);
	buf_release(&b);
	return rc;
}

/* Reads and checks the checkpoint (with t's keys if verify, else unverified). */
static int read_checkpoint(struct tlog *t, int verify)
{
	struct buf b;
	buf_init(&b, CHECKPOINT_MAX_SIZE);
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/checkpoint", t->dir);
	int rc = file_read(path, CHECKPOINT_MAX_SIZE, &b);
	if (rc == ERR_NOTFOUND)
		rc = err_set(ERR_NOTFOUND, "%s is not a log: it has no checkpoint", t->dir);
	int parsed = !rc;
	if (!rc)
		rc = verify ? checkpoint_open_keys(&t->cp, b.data, b.len, t->vkey, t->nvkey, NULL)
			    : checkpoint_parse_unverified(&t->cp, b.data, b.len);
	if (rc == ERR_LIMIT && verify) { /* too large, or too many signature lines */
		buf_reset(&b);
		rc = repair_checkpoint(t, path, &b);
		parsed = 1;
	}
	if (rc && parsed && rc != ERR_VERIFY)
		err_wrap(rc, "%s", path);
	if (!rc) {
		buf_release(&t->cpnote);
		t->cpnote = b;
	} else {
		buf_release(&b);
	}
	return rc;
}

static int collect_leaf(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	merkle_leaf_hash(entry, len, ((merkle_hash *)ctx)[i]);
	return 0;
}

/* Loads the right edge of the committed tree into the builder and checks it against the checkpoint. */
static int recover(struct tlog *t)
{
	typedef merkle_hash level_tile[TILE_WIDTH];
	level_tile *edge = malloc(TLOG_LEVELS * sizeof *edge);
	const merkle_hash *levels[TLOG_LEVELS];
	if (!edge)
		return err_set(ERR_NOMEM, "out of memory");
	uint64_t size = t->cp.size;
	struct buf b, bundle;
	buf_init(&b, TILE_WIDTH * MERKLE_HASH);
	buf_init(&bundle, TLOG_BUNDLE_MAX);
	int rc = 0;

	/* The entries are the ground truth for level 0. */
	unsigned w0 = tile_partial_width(size, 0);
	if (w0) {
		struct tile_id id = {TILE_LEVEL_ENTRIES, tile_partial_index(size, 0), w0};
		if ((rc = tile_read_file(t->dirfd, &id, &bundle)) ||
		    (rc = tile_bundle_parse(bundle.data, bundle.len, w0, collect_leaf, edge[0]))) {
			rc = err_wrap(ERR_VERIFY, "log damaged: the last committed entry bundle is unreadable");
			goto out;
		}
	}
	for (int l = 0; l < TLOG_LEVELS; l++) {
		/* cppcheck-suppress legacyUninitvar ; false positive: levels is being filled here */
		levels[l] = edge[l];
		unsigned w = tile_partial_width(size, l);
		if (!w)
			continue;
		struct tile_id id = {l, tile_partial_index(size, l), w};
		char path[TILE_PATH_MAX];
		tilepath_format(&id, path, sizeof path);
		rc = tile_read_file(t->dirfd, &id, &b);
		if (rc == 0 && l == 0 && memcmp(b.data, edge[0], b.len) != 0) {
			rc = err_set(ERR_VERIFY, "log damaged: %s does not match the entries of its bundle", path);
			goto out;
		}
		if (rc == 0 && l > 0)
			memcpy(edge[l], b.data, b.len);
		if (rc == ERR_NOTFOUND || rc == ERR_FORMAT) {
			/* Rebuild a lost partial tile from the complete tiles below it. */
			if (l > 0) {
				for (unsigned i = 0; i < w; i++) {
					struct tile_id below = {l - 1, id.index * TILE_WIDTH + i, TILE_WIDTH};
					if ((rc = tile_read_file(t->dirfd, &below, &b))) {
						rc = err_wrap(ERR_VERIFY, "log damaged: cannot rebuild %s", path);
						goto out;
					}
					merkle_root_of((const merkle_hash *)b.data, TILE_WIDTH, edge[l][i]);
				}
			}
			t->nfds = 0;
			if ((rc = write_tile(t, &id, (const uint8_t *)edge[l], w * (size_t)MERKLE_HASH)) ||
			    (rc = flush_fds(t)) || (rc = sync_dirs(t)))
				goto out;
		} else if (rc) {
			goto out;
		}
	}
	tile_builder_restore(&t->tb, size, levels, bundle.data, bundle.len);
	merkle_hash root;
	tile_builder_root(&t->tb, root);
	if (memcmp(root, t->cp.root, MERKLE_HASH) != 0) {
		rc = err_set(ERR_VERIFY, "log damaged: the tiles at the right edge do not hash to the checkpoint's root "
					 "(run 'parley log verify' to locate the damage)");
		goto out;
	}
	/* Remove what an interrupted batch left beyond the checkpoint. */
	for (int l = TILE_LEVEL_ENTRIES; l < TLOG_LEVELS; l++) {
		int lv = l == TILE_LEVEL_ENTRIES ? 0 : l;
		struct tile_id id = {l, tile_partial_index(size, lv), tile_partial_width(size, lv)};
		remove_partials(t->dirfd, &id, id.width);
		for (;; id.index++) {
			struct tile_id full = {l, id.index, TILE_WIDTH};
			char path[TILE_PATH_MAX];
			tilepath_format(&full, path, sizeof path);
			int gone = unlinkat(t->dirfd, path, 0) != 0;
			if (id.index != tile_partial_index(size, lv))
				remove_partials(t->dirfd, &full, 0);
			if (gone)
				break;
		}
	}
	t->nobsolete = 0;
out:
	free(edge);
	buf_release(&b);
	buf_release(&bundle);
	return rc;
}

int tlog_create(const char *dir, const struct note_signer *key)
{
	if (key->type != NOTE_ED25519)
		return err_set(ERR_USAGE, "a log key must be an Ed25519 signing key");
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return err_set(ERR_IO, "mkdir %s: %s", dir, strerror(errno));
	DIR *d = opendir(dir);
	if (!d)
		return err_set(ERR_IO, "%s: %s", dir, strerror(errno));
	struct dirent *e;
	int empty = 1;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			empty = 0;
	closedir(d);
	if (!empty)
		return err_set(ERR_CONFLICT, "%s is not empty; a new log needs an empty directory", dir);
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s/tile", dir);
	if (mkdir(path, 0755) != 0)
		return err_set(ERR_IO, "mkdir %s: %s", path, strerror(errno));
	struct checkpoint cp = {.size = 0};
	snprintf(cp.origin, sizeof cp.origin, "%s", key->name);
	merkle_empty_root(cp.root);
	struct buf note;
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	int rc = checkpoint_sign(&cp, key, &note);
	snprintf(path, sizeof path, "%s/checkpoint", dir);
	if (!rc)
		rc = file_write_atomic(path, note.data, note.len, 0644, 1);
	buf_release(&note);
	if (!rc) {
		char parent[PATH_MAX];
		path_dirname(dir, parent, sizeof parent);
		rc = dir_fsync(parent);
	}
	return rc;
}

/*
 * A commit signed by a signer elsewhere (tlog_open_signed) can be answered and
 * then lost in a crash before its checkpoint is written: its tiles were made
 * durable before the signing. If the tiles on disk reach the head the signer
 * reports, that checkpoint is signed again (the same size and root) and
 * published, so recovery keeps those entries instead of removing them.
 */
static int roll_forward(struct tlog *t, const struct checkpoint *head, tlog_sign_fn sign, void *ctx)
{
	struct merkle_source src;
	merkle_hash root;
	struct tile_reader *r = malloc(sizeof *r);
	if (!r)
		return err_set(ERR_NOMEM, "out of memory");
	tile_reader_init(r, t->dirfd, head->size);
	tile_reader_source(r, &src);
	int rc = merkle_tree_root(&src, head->size, root);
	free(r);
	if (rc || memcmp(root, head->root, MERKLE_HASH))
		return err_set(ERR_VERIFY,
			       "%s holds %llu entries, but checkpoint %llu of this log was signed (the keeper's state, "
			       "docs/keeper.md) and the tiles here do not reach it: this is an older copy of the log. Restore "
			       "the newest copy; or, if you accept the rollback (docs/operations.md), move the keeper's state away",
			       t->dir, (unsigned long long)t->cp.size, (unsigned long long)head->size);
	struct checkpoint cp = t->cp;
	cp.size = head->size;
	memcpy(cp.root, root, MERKLE_HASH);
	struct buf text, note;
	char path[PATH_MAX + 16];
	buf_init(&text, CHECKPOINT_MAX_SIZE);
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	snprintf(path, sizeof path, "%s/checkpoint", t->dir);
	rc = checkpoint_format_text(&cp, &text);
	if (!rc)
		rc = sign(ctx, text.data, text.len, &note);
	if (!rc)
		rc = file_write_atomic(path, note.data, note.len, 0644, 0);
	if (!rc) {
		fprintf(stderr, "log %s: a commit of %llu entries was signed but its checkpoint not written (a crash): "
				"published now\n", t->dir, (unsigned long long)head->size);
		rc = read_checkpoint(t, 1);
	}
	buf_release(&text);
	buf_release(&note);
	return rc ? err_wrap(rc, "publishing the signed checkpoint %llu", (unsigned long long)head->size) : 0;
}

struct signed_open {
	tlog_sign_fn sign;
	void *ctx;
	const struct checkpoint *head;
};

/* Opens dir; mode 0 reader, 1 writer (key), 2 mirror (vkey), 3 writer signed by so. */
static int open_log(struct tlog **out, const char *dir, int mode, const struct note_signer *key,
		    const struct note_verifier *vkeys, size_t nvkeys, const struct signed_open *so)
{
	struct tlog *t = calloc(1, sizeof *t);
	if (!t)
		return err_set(ERR_NOMEM, "out of memory");
	*out = NULL;
	snprintf(t->dir, sizeof t->dir, "%s", dir);
	buf_init(&t->cpnote, CHECKPOINT_MAX_SIZE);
	buf_init(&t->pending, TLOG_BATCH_MAX_BYTES);
	tile_builder_init(&t->tb, write_tile, t);
	int rc = 0;
	if (mode == 2 && (rc = mkdir_p(dir, 0755)))
		goto out;
	t->dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (t->dirfd < 0) {
		rc = errno == ENOENT ? err_set(ERR_NOTFOUND, "%s: no such log directory", dir)
				     : err_set(ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	if (mode == 0) {
		rc = read_checkpoint(t, 0);
		goto out;
	}
	if (flock(t->dirfd, LOCK_EX | LOCK_NB) != 0) {
		rc = err_set(ERR_CONFLICT, "%s is in use by another writer", dir);
		goto out;
	}
	t->writer = 1;
	if (key) {
		note_verifier_from_signer(&t->vkey[0], key, NOTE_ED25519);
		t->nvkey = 1;
		t->key = key;
	} else {
		memcpy(t->vkey, vkeys, nvkeys * sizeof *vkeys);
		t->nvkey = nvkeys;
	}
	if (so) {
		t->sign = so->sign;
		t->sign_ctx = so->ctx;
		mode = 1;
	}
	rc = read_checkpoint(t, 1);
	if (rc == ERR_VERIFY && mode == 1)
		/* Most often a wrong --key, not a damaged log: say which key was tried. */
		err_wrap(rc, "%s/checkpoint does not verify with the key %s+%08x: not this log's key, or the checkpoint was altered",
			 dir, t->vkey[0].name, (unsigned)t->vkey[0].id);
	if (rc == ERR_NOTFOUND && mode == 2) {
		/* A new mirror: empty until the first checkpoint arrives. */
		memset(&t->cp, 0, sizeof t->cp);
		snprintf(t->cp.origin, sizeof t->cp.origin, "%.*s", (int)sizeof t->cp.origin - 1, t->vkey[0].name);
		merkle_empty_root(t->cp.root);
		rc = 0;
	}
	if (!rc && so && so->head && so->head->size > t->cp.size)
		rc = roll_forward(t, so->head, so->sign, so->ctx);
	if (!rc)
		rc = recover(t);
out:
	if (rc) {
		tlog_close(t);
		return rc;
	}
	*out = t;
	return 0;
}

int tlog_open(struct tlog **out, const char *dir, const struct note_signer *key)
{
	return open_log(out, dir, key ? 1 : 0, key, NULL, 0, NULL);
}

/* The keys one log may be checked with: 1 to TLOG_KEYS_MAX Ed25519 keys of one name. */
static int keys_valid(const struct note_verifier *vkeys, size_t nvkeys)
{
	if (nvkeys == 0 || nvkeys > TLOG_KEYS_MAX)
		return err_set(ERR_USAGE, "a log is checked with 1 to %d keys, not %zu", TLOG_KEYS_MAX, nvkeys);
	for (size_t i = 0; i < nvkeys; i++)
		if (vkeys[i].type != NOTE_ED25519 || strcmp(vkeys[i].name, vkeys[0].name))
			return err_set(ERR_USAGE, "a log key must be an Ed25519 key named the log's origin");
	return 0;
}

int tlog_open_signed(struct tlog **out, const char *dir, const struct note_verifier *vkeys, size_t nvkeys,
		     tlog_sign_fn sign, void *ctx, const struct checkpoint *head)
{
	int rc = keys_valid(vkeys, nvkeys);
	struct signed_open so = {sign, ctx, head};
	return rc ? rc : open_log(out, dir, 3, NULL, vkeys, nvkeys, &so);
}

int tlog_open_mirror(struct tlog **out, const char *dir, const struct note_verifier *vkeys, size_t nvkeys)
{
	int rc = keys_valid(vkeys, nvkeys);
	return rc ? rc : open_log(out, dir, 2, NULL, vkeys, nvkeys, NULL);
}

int tlog_set_keys(struct tlog *t, const struct note_verifier *vkeys, size_t nvkeys)
{
	int rc = keys_valid(vkeys, nvkeys);
	if (!rc && strcmp(vkeys[0].name, t->vkey[0].name))
		rc = err_set(ERR_USAGE, "keys named %s for the log %s", vkeys[0].name, t->vkey[0].name);
	if (rc)
		return rc;
	memcpy(t->vkey, vkeys, nvkeys * sizeof *vkeys);
	t->nvkey = nvkeys;
	return 0;
}

void tlog_close(struct tlog *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nfds; i++)
		close(t->fds[i]);
	if (t->dirfd >= 0)
		close(t->dirfd); /* releases the lock */
	buf_release(&t->cpnote);
	buf_release(&t->pending);
	tile_builder_release(&t->tb);
	free(t->obsolete);
	free(t);
}

void tlog_set_sync(struct tlog *t, enum tlog_sync mode)
{
	t->sync = mode;
}

uint64_t tlog_size(const struct tlog *t)
{
	return t->cp.size;
}

const struct checkpoint *tlog_checkpoint(const struct tlog *t)
{
	return &t->cp;
}

const struct buf *tlog_checkpoint_note(const struct tlog *t)
{
	return &t->cpnote;
}

int tlog_add(struct tlog *t, const uint8_t *entry, size_t len, uint64_t *index)
{
	if (!t->writer)
		return err_set(ERR_USAGE, "log is open read-only");
	if (t->broken)
		return err_set(ERR_IO, "an earlier commit failed; reopen the log to recover");
	if (len > TLOG_ENTRY_MAX)
		return err_set(ERR_LIMIT, "entry of %zu bytes exceeds the limit of %d bytes", len, TLOG_ENTRY_MAX);
	uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	size_t before = t->pending.len;
	int rc = buf_append(&t->pending, prefix, 2);
	if (!rc)
		rc = buf_append(&t->pending, entry, len);
	if (rc) {
		t->pending.len = before;
		return rc == ERR_LIMIT ? err_set(ERR_LIMIT, "batch is full; commit first") : rc;
	}
	if (index)
		*index = t->cp.size + t->flushed_n + t->pending_n;
	t->pending_n++;
	return 0;
}

size_t tlog_pending_bytes(const struct tlog *t)
{
	return t->pending.len;
}

void tlog_discard(struct tlog *t)
{
	buf_reset(&t->pending);
	t->pending_n = 0;
	if (t->flushed_n)
		t->broken = 1; /* the builder holds flushed entries: only a reopen drops them */
}

static int add_to_builder(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	(void)i;
	return tile_builder_add(ctx, entry, len);
}

/* Writes and flushes the queued entries' tiles; the builder then holds the new tree. */
static int flush_batch(struct tlog *t)
{
	if (!t->flushed_n)
		t->nobsolete = 0; /* else it lists the tiles the mirror's earlier flushes completed */
	int rc = tile_bundle_parse(t->pending.data, t->pending.len, (unsigned)t->pending_n, add_to_builder, &t->tb);
	if (!rc)
		rc = tile_builder_emit_partials(&t->tb);
	if (!rc && t->sync == TLOG_SYNC_FS) {
		t->nsync_dirs = 0; /* names too: syncfs covers the directories */
		return syncfs(t->dirfd) != 0 ? err_set(ERR_IO, "syncfs %s: %s", t->dir, strerror(errno)) : 0;
	}
	/* One flush for the whole batch: data first, then the names. */
	if (!rc)
		rc = flush_fds(t);
	if (!rc)
		rc = sync_dirs(t);
	return rc;
}

/* Makes note (checking cp) the published checkpoint and finishes the batch. */
static int publish(struct tlog *t, const struct checkpoint *cp, struct buf *note)
{
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/checkpoint", t->dir);
	int rc = file_write_atomic(path, note->data, note->len, 0644, 0);
	if (rc)
		return rc;
	buf_release(&t->cpnote);
	t->cpnote = *note;
	buf_init(note, CHECKPOINT_MAX_SIZE);
	t->cp = *cp;
	t->flushed_n = 0;
	tlog_discard(t);
	t->broken = 0;
	/* Partial tiles whose full tile is now published may go (tlog-tiles allows it). */
	for (size_t i = 0; i < t->nobsolete; i++)
		remove_partials(t->dirfd, &t->obsolete[i], 0);
	t->nobsolete = 0;
	return 0;
}

int tlog_commit(struct tlog *t)
{
	if (!t->writer || (!t->key && !t->sign))
		return err_set(ERR_USAGE, "log is not open for appending with its key");
	if (t->broken)
		return err_set(ERR_IO, "an earlier commit failed; reopen the log to recover");
	if (t->pending_n == 0)
		return 0;
	t->broken = 1; /* until this commit completes */
	int rc = flush_batch(t);
	if (rc)
		return err_wrap(rc, "commit");
	struct checkpoint cp = t->cp;
	cp.size = t->tb.size;
	tile_builder_root(&t->tb, cp.root);
	struct buf note;
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	if (t->sign) {
		struct buf text;
		buf_init(&text, CHECKPOINT_MAX_SIZE);
		rc = checkpoint_format_text(&cp, &text);
		if (!rc)
			rc = t->sign(t->sign_ctx, text.data, text.len, &note);
		buf_release(&text);
	} else {
		rc = checkpoint_sign(&cp, t->key, &note);
	}
	if (!rc)
		rc = publish(t, &cp, &note);
	buf_release(&note);
	return rc ? err_wrap(rc, "commit") : 0;
}

int tlog_commit_mirror(struct tlog *t, const uint8_t *cpnote, size_t len)
{
	if (!t->writer || t->key || t->sign)
		return err_set(ERR_USAGE, "log is not open as a mirror");
	if (t->broken)
		return err_set(ERR_IO, "an earlier commit failed; reopen the mirror to recover");
	struct checkpoint cp;
	int rc = checkpoint_open_keys(&cp, cpnote, len, t->vkey, t->nvkey, NULL);
	if (rc)
		return rc;
	if (cp.size != t->cp.size + t->flushed_n + t->pending_n)
		return err_set(ERR_USAGE, "checkpoint size %llu is not the mirror's size plus the queued entries (%llu)",
			       (unsigned long long)cp.size, (unsigned long long)(t->cp.size + t->flushed_n + t->pending_n));
	if (t->pending_n == 0 && t->flushed_n == 0 && memcmp(cp.root, t->cp.root, MERKLE_HASH) != 0)
		return err_set(ERR_VERIFY, "checkpoint of the same size has a different root: the log forked");
	t->broken = 1;
	if ((rc = flush_batch(t)))
		return err_wrap(rc, "mirror commit");
	merkle_hash root;
	tile_builder_root(&t->tb, root);
	if (memcmp(root, cp.root, MERKLE_HASH) != 0)
		return err_set(ERR_VERIFY, "the fetched entries do not hash to the checkpoint's root");
	struct buf note;
	buf_init(&note, CHECKPOINT_MAX_SIZE);
	rc = buf_append(&note, cpnote, len);
	if (!rc)
		rc = publish(t, &cp, &note);
	buf_release(&note);
	return rc;
}

int tlog_flush_mirror(struct tlog *t)
{
	if (!t->writer || t->key || t->sign)
		return err_set(ERR_USAGE, "log is not open as a mirror");
	if (t->broken)
		return err_set(ERR_IO, "an earlier commit failed; reopen the mirror to recover");
	if (t->pending_n == 0)
		return 0;
	if (!t->flushed_n)
		t->nobsolete = 0;
	/* Full tiles are written as the builder completes them; the partial right edge stays in memory
	   until the commit. Nothing is published: a crash or a reopen removes these files (recover()). */
	int rc = tile_bundle_parse(t->pending.data, t->pending.len, (unsigned)t->pending_n, add_to_builder, &t->tb);
	if (rc) {
		t->broken = 1;
		return err_wrap(rc, "mirror flush");
	}
	t->flushed_n += t->pending_n;
	buf_reset(&t->pending);
	t->pending_n = 0;
	return 0;
}

static int bundle_pick(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct {
		unsigned want;
		struct buf *out;
	} *p = ctx;
	if (i != p->want)
		return 0;
	return buf_append(p->out, entry, len);
}

int tlog_read_entry(struct tlog *t, uint64_t index, struct buf *out)
{
	if (index >= t->cp.size)
		return err_set(ERR_NOTFOUND, "entry %llu does not exist (log size %llu)", (unsigned long long)index,
			       (unsigned long long)t->cp.size);
	struct tile_id id = {TILE_LEVEL_ENTRIES, index / TILE_WIDTH, TILE_WIDTH};
	if ((id.index + 1) * TILE_WIDTH > t->cp.size)
		id.width = (unsigned)(t->cp.size - id.index * TILE_WIDTH);
	struct buf b;
	buf_init(&b, TLOG_BUNDLE_MAX);
	int rc = tile_read_file(t->dirfd, &id, &b);
	if (rc == ERR_NOTFOUND && id.width < TILE_WIDTH) {
		/* The partial bundle may have been replaced by the full one since. */
		id.width = TILE_WIDTH;
		rc = tile_read_file(t->dirfd, &id, &b);
	}
	if (!rc) {
		struct {
			unsigned want;
			struct buf *out;
		} pick = {(unsigned)(index % TILE_WIDTH), out};
		buf_reset(out);
		rc = tile_bundle_parse(b.data, b.len, id.width, bundle_pick, &pick);
	}
	buf_release(&b);
	return rc;
}

struct range_walk {
	uint64_t base;              /* the bundle's first index */
	unsigned from, to;          /* the part of the bundle wanted: [from, to) */
	int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len);
	void *ctx;
};

static int range_pick(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	struct range_walk *w = ctx;
	return i < w->from || i >= w->to ? 0 : w->fn(w->ctx, w->base + i, entry, len);
}

int tlog_read_entries(struct tlog *t, uint64_t first, uint64_t count,
		      int (*fn)(void *ctx, uint64_t index, const uint8_t *entry, size_t len), void *ctx)
{
	uint64_t size = t->cp.size;
	if (first > size || count > size - first)
		return err_set(ERR_NOTFOUND, "entries %llu to %llu do not exist (log size %llu)", (unsigned long long)first,
			       (unsigned long long)(first + count), (unsigned long long)size);
	struct buf b;
	buf_init(&b, TLOG_BUNDLE_MAX);
	int rc = 0;
	for (uint64_t at = first, end = first + count; !rc && at < end;) {
		struct tile_id id = {TILE_LEVEL_ENTRIES, at / TILE_WIDTH, TILE_WIDTH};
		if ((id.index + 1) * TILE_WIDTH > size)
			id.width = (unsigned)(size - id.index * TILE_WIDTH);
		rc = tile_read_file(t->dirfd, &id, &b);
		if (rc == ERR_NOTFOUND && id.width < TILE_WIDTH) {
			/* The partial bundle may have been replaced by the full one since. */
			id.width = TILE_WIDTH;
			rc = tile_read_file(t->dirfd, &id, &b);
		}
		uint64_t base = id.index * TILE_WIDTH;
		struct range_walk w = {base, (unsigned)(at - base),
				       (unsigned)((end < base + id.width ? end : base + id.width) - base), fn, ctx};
		if (!rc)
			rc = tile_bundle_parse(b.data, b.len, id.width, range_pick, &w);
		at = base + w.to;
	}
	buf_release(&b);
	return rc;
}

/* A tile reader of the log at its current size, on the heap (it is about 256 KiB); NULL (error set) if out of memory. */
static struct tile_reader *new_reader(struct tlog *t, struct merkle_source *src)
{
	struct tile_reader *r = malloc(sizeof *r);
	if (!r) {
		err_set(ERR_NOMEM, "out of memory");
		return NULL;
	}
	tile_reader_init(r, t->dirfd, t->cp.size);
	tile_reader_source(r, src);
	return r;
}

int tlog_prove_inclusion(struct tlog *t, uint64_t index, uint64_t size, merkle_hash proof[MERKLE_MAX_PROOF], size_t *n)
{
	if (size > t->cp.size)
		return err_set(ERR_USAGE, "tree size %llu is beyond the log's size %llu", (unsigned long long)size,
			       (unsigned long long)t->cp.size);
	struct merkle_source src;
	struct tile_reader *r = new_reader(t, &src);
	int rc = r ? merkle_prove_inclusion(&src, index, size, proof, n) : ERR_NOMEM;
	free(r);
	return rc;
}

int tlog_prove_consistency(struct tlog *t, uint64_t old_size, uint64_t new_size, merkle_hash proof[MERKLE_MAX_PROOF],
			   size_t *n)
{
	if (new_size > t->cp.size)
		return err_set(ERR_USAGE, "tree size %llu is beyond the log's size %llu", (unsigned long long)new_size,
			       (unsigned long long)t->cp.size);
	if (old_size == 0 || old_size == new_size) {
		*n = 0;
		return 0;
	}
	struct merkle_source src;
	struct tile_reader *r = new_reader(t, &src);
	int rc = r ? merkle_prove_consistency(&src, old_size, new_size, proof, n) : ERR_NOMEM;
	free(r);
	return rc;
}

int tlog_root_at(struct tlog *t, uint64_t size, merkle_hash out)
{
	if (size > t->cp.size)
		return err_set(ERR_USAGE, "tree size %llu is beyond the log's size", (unsigned long long)size);
	struct merkle_source src;
	struct tile_reader *r = new_reader(t, &src);
	int rc = r ? merkle_tree_root(&src, size, out) : ERR_NOMEM;
	free(r);
	return rc;
}

int tlog_publish_cosigned(struct tlog *t, const uint8_t *data, size_t len)
{
	struct note n;
	if (len > CHECKPOINT_MAX_SIZE) /* it could not be read back at open */
		return err_set(ERR_LIMIT, "cosigned checkpoint is larger than %d bytes", CHECKPOINT_MAX_SIZE);
	int rc = note_parse(&n, data, len);
	if (rc)
		return rc;
	struct note cur;
	if ((rc = note_parse(&cur, t->cpnote.data, t->cpnote.len))) {
		note_release(&n);
		return rc;
	}
	if (n.text_len != cur.text_len || memcmp(n.data, cur.data, n.text_len) != 0)
		rc = err_set(ERR_CONFLICT, "cosigned checkpoint is not the current checkpoint");
	note_release(&n);
	note_release(&cur);
	if (rc)
		return rc;
	char path[PATH_MAX + 16];
	snprintf(path, sizeof path, "%s/checkpoint", t->dir);
	if ((rc = file_write_atomic(path, data, len, 0644, 0)))
		return rc;
	buf_reset(&t->cpnote);
	return buf_append(&t->cpnote, data, len);
}
