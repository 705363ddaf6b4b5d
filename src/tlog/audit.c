/* tlog_audit: recomputes a whole log directory from its entries. */
#include "base/err.h"
#include "base/fileio.h"
#include "tlog/store.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct audit {
	int dirfd;
	struct buf file;
};

/* Emit callback: the tile computed from the entries must equal the file on disk. */
static int compare_tile(void *ctx, const struct tile_id *id, const uint8_t *data, size_t len)
{
	struct audit *a = ctx;
	if (id->level == TILE_LEVEL_ENTRIES)
		return 0; /* bundles are the input of the audit, not its output */
	char path[TILE_PATH_MAX];
	tilepath_format(id, path, sizeof path);
	int rc = tile_read_file(a->dirfd, id, &a->file);
	if (rc == ERR_FORMAT || rc == ERR_NOTFOUND)
		return err_wrap(ERR_VERIFY, "tile damaged");
	if (rc)
		return rc;
	for (size_t off = 0; off < len; off += MERKLE_HASH) {
		if (memcmp(a->file.data + off, data + off, MERKLE_HASH) == 0)
			continue;
		if (id->level == 0) {
			/* Either the tile or the entry was altered: name both files. */
			struct tile_id b = {TILE_LEVEL_ENTRIES, id->index, id->width};
			char bpath[TILE_PATH_MAX];
			tilepath_format(&b, bpath, sizeof bpath);
			return err_set(ERR_VERIFY, "%s: hash %zu differs from the hash of entry %" PRIu64 " in %s "
						   "(one of the two files was altered)",
				       path, off / MERKLE_HASH, id->index * TILE_WIDTH + off / MERKLE_HASH, bpath);
		}
		return err_set(ERR_VERIFY, "%s: hash %zu differs from the hash computed from the entries", path,
			       off / MERKLE_HASH);
	}
	return 0;
}

static int feed_entry(void *ctx, unsigned i, const uint8_t *entry, size_t len)
{
	(void)i;
	return tile_builder_add(ctx, entry, len);
}

static int open_with_key(void *ctx, const uint8_t *note, size_t len, struct checkpoint *cp)
{
	return checkpoint_open(cp, note, len, ctx, NULL);
}

int tlog_audit(const char *dir, const struct note_verifier *vkey, uint64_t *checked)
{
	return tlog_audit_with(dir, open_with_key, (void *)vkey, checked);
}

int tlog_audit_with(const char *dir, tlog_open_checkpoint_fn open_cp, void *ctx, uint64_t *checked)
{
	struct audit a = {.dirfd = -1};
	struct tile_builder tb;
	struct buf cpbuf, bundle;
	struct checkpoint cp;
	char path[PATH_MAX + 16];
	int rc;
	*checked = 0;
	buf_init(&a.file, TILE_WIDTH * MERKLE_HASH);
	buf_init(&cpbuf, CHECKPOINT_MAX_SIZE);
	buf_init(&bundle, TLOG_BUNDLE_MAX);
	tile_builder_init(&tb, compare_tile, &a);

	snprintf(path, sizeof path, "%s/checkpoint", dir);
	if ((rc = file_read(path, CHECKPOINT_MAX_SIZE, &cpbuf)))
		goto out;
	if ((rc = open_cp(ctx, cpbuf.data, cpbuf.len, &cp))) {
		if (rc == ERR_FORMAT || rc == ERR_LIMIT)
			rc = ERR_VERIFY; /* a damaged checkpoint is an inconsistent log */
		err_wrap(rc, "%s", path);
		goto out;
	}
	a.dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (a.dirfd < 0) {
		rc = err_set(ERR_IO, "%s: %s", dir, strerror(errno));
		goto out;
	}
	for (uint64_t b = 0; b * TILE_WIDTH < cp.size; b++) {
		struct tile_id id = {TILE_LEVEL_ENTRIES, b, TILE_WIDTH};
		if ((b + 1) * TILE_WIDTH > cp.size)
			id.width = (unsigned)(cp.size - b * TILE_WIDTH);
		char bpath[TILE_PATH_MAX];
		tilepath_format(&id, bpath, sizeof bpath);
		rc = tile_read_file(a.dirfd, &id, &bundle);
		if (rc == ERR_NOTFOUND) {
			rc = err_set(ERR_VERIFY, "%s is missing", bpath);
			goto out;
		}
		if (rc)
			goto out;
		if ((rc = tile_bundle_parse(bundle.data, bundle.len, id.width, feed_entry, &tb))) {
			if (rc == ERR_FORMAT)
				rc = err_wrap(ERR_VERIFY, "%s", bpath);
			goto out;
		}
		*checked += id.width;
	}
	if ((rc = tile_builder_emit_partials(&tb)))
		goto out;
	merkle_hash root;
	tile_builder_root(&tb, root);
	if (memcmp(root, cp.root, MERKLE_HASH) != 0) {
		rc = err_set(ERR_VERIFY, "the entries hash to a root that differs from the checkpoint's (size %" PRIu64 ")",
			     cp.size);
		goto out;
	}
out:
	if (a.dirfd >= 0)
		close(a.dirfd);
	tile_builder_release(&tb);
	buf_release(&a.file);
	buf_release(&cpbuf);
	buf_release(&bundle);
	return rc;
}
