/*
 * tilepath — names of c2sp.org/tlog-tiles resources.
 *
 *   tile/<L>/<N>[.p/<W>]        Merkle tree tiles (L = 0..63)
 *   tile/entries/<N>[.p/<W>]    entry bundles
 *
 * <N> is written in zero-padded 3-digit groups, all but the last prefixed
 * with 'x' (1234067 -> x001/x234/067); <W> is 1..255 for partial tiles.
 * The parser accepts exactly the canonical form, so it can guard an HTTP
 * server that maps request paths onto files.
 */
#ifndef PARLEY_TILEPATH_H
#define PARLEY_TILEPATH_H

#include <stddef.h>
#include <stdint.h>

#define TILE_HEIGHT 8
#define TILE_WIDTH 256
#define TILE_LEVEL_ENTRIES (-1)  /* the level of entry bundles */
#define TILE_PATH_MAX 96

struct tile_id {
	int level;       /* 0..63, or TILE_LEVEL_ENTRIES */
	uint64_t index;  /* N */
	unsigned width;  /* 256 for a full tile, else 1..255 */
};

/* Writes the path (relative to the log directory) into out. Returns its length. */
size_t tilepath_format(const struct tile_id *t, char *out, size_t outsz);

/* Parses a relative path such as "tile/0/x001/234.p/7". 0 or ERR_FORMAT. */
int tilepath_parse(const char *path, size_t len, struct tile_id *t);

#endif
