#include "tlog/tiles.h"
#include "base/err.h"
#include "base/fileio.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

void tile_builder_init(struct tile_builder *b, tile_emit_fn emit, void *ctx)
{
	memset(b, 0, sizeof *b);
	buf_init(&b->bundle, TLOG_BUNDLE_MAX);
	b->emit = emit;
	b->ctx = ctx;
}

void tile_builder_release(struct tile_builder *b)
{
	buf_release(&b->bundle);
}

unsigned tile_partial_width(uint64_t n, int level)
{
	return level >= TLOG_LEVELS ? 0 : (unsigned)((n >> (TILE_HEIGHT * level)) & (TILE_WIDTH - 1));
}

uint64_t tile_partial_index(uint64_t n, int level)
{
	int shift = TILE_HEIGHT * (level + 1);
	return shift >= 64 ? 0 : n >> shift;
}

static int emit(struct tile_builder *b, int level, uint64_t index, unsigned width, const uint8_t *data, size_t len)
{
	if (!b->emit)
		return 0;
	struct tile_id t = {.level = level, .index = index, .width = width};
	return b->emit(b->ctx, &t, data, len);
}

/* Appends a hash at level L, completing and hashing up full tiles. */
static int push_hash(struct tile_builder *b, int level, const merkle_hash h)
{
	if (level >= TLOG_LEVELS)
		return err_set(ERR_LIMIT, "log is full");
	struct tile_level *lv = &b->levels[level];
	memcpy(lv->h[lv->w++], h, MERKLE_HASH);
	if (lv->w < TILE_WIDTH)
		return 0;
	int rc = emit(b, level, lv->index, TILE_WIDTH, (const uint8_t *)lv->h, sizeof lv->h);
	if (rc)
		return rc;
	merkle_hash up;
	merkle_root_of((const merkle_hash *)lv->h, TILE_WIDTH, up);
	lv->w = 0;
	lv->index++;
	return push_hash(b, level + 1, up);
}

int tile_builder_add_hash(struct tile_builder *b, const merkle_hash leaf)
{
	int rc = push_hash(b, 0, leaf);
	if (!rc)
		b->size++;
	return rc;
}

int tile_builder_add(struct tile_builder *b, const uint8_t *entry, size_t len)
{
	if (len > TLOG_ENTRY_MAX)
		return err_set(ERR_LIMIT, "entry of %zu bytes exceeds the limit of %d bytes", len, TLOG_ENTRY_MAX);
	uint8_t prefix[2] = {(uint8_t)(len >> 8), (uint8_t)len};
	int rc = buf_append(&b->bundle, prefix, 2);
	if (!rc)
		rc = buf_append(&b->bundle, entry, len);
	if (rc)
		return rc;
	b->bundle_w++;
	merkle_hash leaf;
	merkle_leaf_hash(entry, len, leaf);
	uint64_t bundle_index = b->size / TILE_WIDTH;
	if ((rc = tile_builder_add_hash(b, leaf)))
		return rc;
	if (b->bundle_w == TILE_WIDTH) {
		rc = emit(b, TILE_LEVEL_ENTRIES, bundle_index, TILE_WIDTH, b->bundle.data, b->bundle.len);
		buf_reset(&b->bundle);
		b->bundle_w = 0;
	}
	return rc;
}

int tile_builder_emit_partials(struct tile_builder *b)
{
	int rc;
	for (int l = 0; l < TLOG_LEVELS; l++) {
		struct tile_level *lv = &b->levels[l];
		if (lv->w == 0 || (lv->w == lv->emitted_w && lv->index == lv->emitted_index))
			continue;
		if ((rc = emit(b, l, lv->index, lv->w, (const uint8_t *)lv->h, lv->w * (size_t)MERKLE_HASH)))
			return rc;
		lv->emitted_w = lv->w;
		lv->emitted_index = lv->index;
	}
	uint64_t bi = b->size / TILE_WIDTH;
	if (b->bundle_w && (b->bundle_w != b->bundle_emitted_w || bi != b->bundle_emitted_index)) {
		if ((rc = emit(b, TILE_LEVEL_ENTRIES, bi, b->bundle_w, b->bundle.data, b->bundle.len)))
			return rc;
		b->bundle_emitted_w = b->bundle_w;
		b->bundle_emitted_index = bi;
	}
	return 0;
}

void tile_builder_root(const struct tile_builder *b, merkle_hash out)
{
	/* The tree is the sequence of perfect subtrees given by the binary
	 * digits of the size, largest first; each lies within one partial tile. */
	merkle_hash subtrees[64];
	int n = 0;
	for (int l = TLOG_LEVELS - 1; l >= 0; l--) {
		const struct tile_level *lv = &b->levels[l];
		unsigned pos = 0;
		for (int bit = TILE_HEIGHT - 1; bit >= 0; bit--) {
			unsigned span = 1u << bit;
			if (!(lv->w & span))
				continue;
			merkle_root_of((const merkle_hash *)lv->h + pos, span, subtrees[n++]);
			pos += span;
		}
	}
	if (n == 0) {
		merkle_empty_root(out);
		return;
	}
	memcpy(out, subtrees[n - 1], MERKLE_HASH);
	for (int i = n - 2; i >= 0; i--)
		merkle_node_hash(subtrees[i], out, out);
}

int tile_builder_restore(struct tile_builder *b, uint64_t size, const merkle_hash *const level_hashes[TLOG_LEVELS],
			 const uint8_t *bundle, size_t bundle_len)
{
	b->size = size;
	for (int l = 0; l < TLOG_LEVELS; l++) {
		struct tile_level *lv = &b->levels[l];
		lv->w = tile_partial_width(size, l);
		lv->index = tile_partial_index(size, l);
		if (lv->w)
			memcpy(lv->h, level_hashes[l], lv->w * (size_t)MERKLE_HASH);
		lv->emitted_w = lv->w;
		lv->emitted_index = lv->index;
	}
	buf_reset(&b->bundle);
	b->bundle_w = tile_partial_width(size, 0);
	b->bundle_emitted_w = b->bundle_w;
	b->bundle_emitted_index = size / TILE_WIDTH;
	if (b->bundle_w)
		return buf_append(&b->bundle, bundle, bundle_len);
	return 0;
}

int tile_bundle_parse(const uint8_t *data, size_t len, unsigned count,
		      int (*fn)(void *ctx, unsigned i, const uint8_t *entry, size_t len), void *ctx)
{
	size_t off = 0;
	for (unsigned i = 0; i < count; i++) {
		if (len - off < 2)
			return err_set(ERR_FORMAT, "bundle ends after %u of %u entries", i, count);
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (len - off < n)
			return err_set(ERR_FORMAT, "bundle entry %u is truncated", i);
		if (fn) {
			int rc = fn(ctx, i, data + off, n);
			if (rc)
				return rc;
		}
		off += n;
	}
	if (off != len)
		return err_set(ERR_FORMAT, "bundle has %zu extra bytes after %u entries", len - off, count);
	return 0;
}

int tile_read_file(int dirfd, const struct tile_id *t, struct buf *out)
{
	char path[TILE_PATH_MAX];
	tilepath_format(t, path, sizeof path);
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return err_set(ERR_NOTFOUND, "%s is missing", path);
		return err_set(ERR_IO, "%s: %s", path, strerror(errno));
	}
	size_t max = t->level == TILE_LEVEL_ENTRIES ? TLOG_BUNDLE_MAX : t->width * (size_t)MERKLE_HASH;
	int rc = fd_read_all(fd, max, out);
	close(fd);
	if (rc == ERR_LIMIT)
		return err_set(ERR_FORMAT, "%s is longer than it should be", path);
	if (rc)
		return err_wrap(rc, "%s", path);
	if (t->level != TILE_LEVEL_ENTRIES && out->len != max)
		return err_set(ERR_FORMAT, "%s has %zu bytes, expected %zu", path, out->len, max);
	return 0;
}

void tile_reader_init(struct tile_reader *r, int dirfd, uint64_t size)
{
	r->dirfd = dirfd;
	r->size = size;
	r->next_slot = 0;
	for (size_t i = 0; i < sizeof r->cache / sizeof r->cache[0]; i++)
		r->cache[i].valid = 0; /* the rest of a slot is set when it is filled */
}

void tile_reader_resize(struct tile_reader *r, uint64_t size)
{
	r->size = size; /* a tile's bytes depend only on its id (width included), so the cache stays right */
}

/* Returns the tile's cache slot, filled from disk if it was not there. */
static int reader_tile(struct tile_reader *r, const struct tile_id *t, unsigned *slot_out)
{
	const size_t slots = sizeof r->cache / sizeof r->cache[0];
	for (size_t i = 0; i < slots; i++) {
		if (r->cache[i].valid && !memcmp(&r->cache[i].id, t, sizeof *t)) {
			*slot_out = (unsigned)i;
			return 0;
		}
	}
	size_t slot = r->next_slot++ % slots;
	struct buf b;
	buf_init(&b, sizeof r->cache[0].data);
	int rc = tile_read_file(r->dirfd, t, &b);
	if (rc == ERR_NOTFOUND && t->width < TILE_WIDTH) {
		/* A writer may have completed the tile and removed the partial since. */
		struct tile_id full = *t;
		full.width = TILE_WIDTH;
		rc = tile_read_file(r->dirfd, &full, &b);
	}
	if (!rc) {
		memcpy(r->cache[slot].data, b.data, b.len);
		r->cache[slot].id = *t;
		r->cache[slot].valid = 1;
		memset(r->cache[slot].inner_known, 0, sizeof r->cache[slot].inner_known);
		*slot_out = (unsigned)slot;
	}
	buf_release(&b);
	return rc;
}

/*
 * The root of the complete subtree of height k at position j of a cached tile
 * (k = 0: the tile's hash j), remembered for the next proofs. Inner node
 * (k, j), k >= 1, is kept at TILE_WIDTH - (TILE_WIDTH >> (k - 1)) + j.
 */
static void subtree_root(struct tile_reader *r, unsigned slot, unsigned k, uint64_t j, merkle_hash out)
{
	if (k == 0) {
		memcpy(out, r->cache[slot].data + j * MERKLE_HASH, MERKLE_HASH);
		return;
	}
	size_t at = TILE_WIDTH - (TILE_WIDTH >> (k - 1)) + (size_t)j;
	uint8_t *known = r->cache[slot].inner_known;
	if (!(known[at / 8] & (1u << (at % 8)))) {
		merkle_hash left, right;
		subtree_root(r, slot, k - 1, 2 * j, left);
		subtree_root(r, slot, k - 1, 2 * j + 1, right);
		merkle_node_hash(left, right, r->cache[slot].inner[at]);
		known[at / 8] |= (uint8_t)(1u << (at % 8));
	}
	memcpy(out, r->cache[slot].inner[at], MERKLE_HASH);
}

static int reader_get(void *ctx, unsigned level, uint64_t index, merkle_hash out)
{
	struct tile_reader *r = ctx;
	int tl = (int)(level / TILE_HEIGHT);
	unsigned sub = level % TILE_HEIGHT;
	uint64_t first = index << sub;          /* first hash at tile level tl */
	uint64_t count = 1ull << sub;
	uint64_t have = tl * TILE_HEIGHT >= 64 ? 0 : r->size >> (TILE_HEIGHT * tl);
	if (first + count > have)
		return err_set(ERR_USAGE, "subtree beyond the tree size");
	struct tile_id t = {.level = tl, .index = first / TILE_WIDTH, .width = TILE_WIDTH};
	if ((t.index + 1) * TILE_WIDTH > have)
		t.width = (unsigned)(have - t.index * TILE_WIDTH);
	unsigned slot;
	int rc = reader_tile(r, &t, &slot);
	if (rc)
		return rc;
	subtree_root(r, slot, sub, (first % TILE_WIDTH) >> sub, out);
	return 0;
}

void tile_reader_source(struct tile_reader *r, struct merkle_source *src)
{
	src->get = reader_get;
	src->ctx = r;
}
