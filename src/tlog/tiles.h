/*
 * tiles — building and reading the tiles of a c2sp.org/tlog-tiles log.
 *
 * The tile builder holds only the right edge of the tree: at each tile level
 * the hashes of the one incomplete tile (at most 255), plus the incomplete
 * entry bundle. Memory is therefore bounded by the tree height, not by the
 * log's size. Every tile or bundle that the builder completes, and on request
 * every partial one, is handed to an emit callback: the store writes them to
 * disk, the auditor compares them with what is on disk, the benchmark drops
 * them.
 */
#ifndef PARLEY_TILES_H
#define PARLEY_TILES_H

#include "base/buf.h"
#include "crypto/merkle.h"
#include "tlog/tilepath.h"

#include <stdint.h>

#define TLOG_LEVELS 8                 /* 256^8 = 2^64 leaves */
#define TLOG_ENTRY_MAX 65535          /* tlog-tiles bundles use 16-bit lengths */
#define TLOG_BUNDLE_MAX (TILE_WIDTH * (TLOG_ENTRY_MAX + 2))

/* Receives a finished tile (width 256) or a partial one; data is its exact file contents. */
typedef int (*tile_emit_fn)(void *ctx, const struct tile_id *t, const uint8_t *data, size_t len);

struct tile_level {
	merkle_hash h[TILE_WIDTH];
	unsigned w;            /* hashes in the incomplete tile */
	uint64_t index;        /* its tile index */
	unsigned emitted_w;    /* width last emitted as a partial (0: none) */
	uint64_t emitted_index;
};

struct tile_builder {
	struct tile_level levels[TLOG_LEVELS];
	struct buf bundle;     /* the incomplete entry bundle, length-prefixed entries */
	unsigned bundle_w;
	unsigned bundle_emitted_w;
	uint64_t bundle_emitted_index;
	uint64_t size;         /* leaves so far */
	tile_emit_fn emit;     /* may be NULL */
	void *ctx;
};

/* An empty builder (tree size 0). */
void tile_builder_init(struct tile_builder *b, tile_emit_fn emit, void *ctx);
void tile_builder_release(struct tile_builder *b);

/* Adds one entry (at most TLOG_ENTRY_MAX bytes), emitting tiles and bundles it completes. */
int tile_builder_add(struct tile_builder *b, const uint8_t *entry, size_t len);

/* Adds one leaf hash without entry data (for hash-only trees; no bundles emitted). */
int tile_builder_add_hash(struct tile_builder *b, const merkle_hash leaf);

/* Emits every partial tile and bundle that changed since the last call. */
int tile_builder_emit_partials(struct tile_builder *b);

/* The root hash of the tree built so far. */
void tile_builder_root(const struct tile_builder *b, merkle_hash out);

/*
 * Loads the right edge of a tree of the given size: for each level its
 * partial tile's hashes (levels[L], as read from disk by the caller) and
 * the partial bundle. Partials are marked as already emitted.
 */
int tile_builder_restore(struct tile_builder *b, uint64_t size, const merkle_hash *const level_hashes[TLOG_LEVELS],
			 const uint8_t *bundle, size_t bundle_len);

/* Number of hashes in the partial tile of level L for a tree of size n. */
unsigned tile_partial_width(uint64_t n, int level);
/* Index of the partial (rightmost) tile of level L for a tree of size n. */
uint64_t tile_partial_index(uint64_t n, int level);

/*
 * Walks a bundle: calls fn(ctx, i, entry, len) for each of its entries and
 * fails with ERR_FORMAT unless it holds exactly count well-formed entries.
 */
int tile_bundle_parse(const uint8_t *data, size_t len, unsigned count,
		      int (*fn)(void *ctx, unsigned i, const uint8_t *entry, size_t len), void *ctx);

/*
 * A merkle_source reading the tiles of a log directory whose committed size
 * is size, with a small cache of recently read tiles.
 */
struct tile_reader {
	int dirfd;
	uint64_t size;
	struct {
		struct tile_id id;
		int valid;
		uint8_t data[TILE_WIDTH * MERKLE_HASH];
		/* the tile's inner subtree roots computed so far (levels 1..8 of it,
		 * 128 + 64 + ... + 1 of them): a batch's proofs share most of them */
		uint8_t inner[TILE_WIDTH - 1][MERKLE_HASH];
		uint8_t inner_known[TILE_WIDTH / 8];
	} cache[2 * TLOG_LEVELS];
	unsigned next_slot;
};

void tile_reader_init(struct tile_reader *r, int dirfd, uint64_t size);
void tile_reader_source(struct tile_reader *r, struct merkle_source *src);
/* Reads the tree of another size next, keeping the tiles read so far (they never change). */
void tile_reader_resize(struct tile_reader *r, uint64_t size);

/* Reads a tile or bundle file exactly: ERR_NOTFOUND, ERR_FORMAT (wrong length) or ERR_IO. */
int tile_read_file(int dirfd, const struct tile_id *t, struct buf *out);

#endif
