/*
 * libFuzzer target: tilepath_parse. Whatever parses must format back to the
 * same bytes; and any tile ID built from the input must survive
 * format -> parse unchanged.
 */
#include "fuzz_common.h"
#include "tlog/tilepath.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tile_id t, t2;
	char out[TILE_PATH_MAX];
	if (tilepath_parse((const char *)data, size, &t) == 0) {
		FUZZ_ASSERT(t.level >= TILE_LEVEL_ENTRIES && t.level <= 63);
		FUZZ_ASSERT(t.width >= 1 && t.width <= TILE_WIDTH);
		size_t n = tilepath_format(&t, out, sizeof out);
		FUZZ_ASSERT(n == size && memcmp(out, data, size) == 0);
	}
	/* format -> parse over IDs derived from the input bytes. */
	if (size >= 10) {
		uint64_t idx = 0;
		for (int i = 0; i < 8; i++)
			idx = idx << 8 | data[i];
		t.level = (int)(data[8] % 65) - 1;         /* -1 .. 63 */
		t.index = idx >> (data[9] & 63);           /* all magnitudes */
		t.width = size > 10 ? 1u + data[10] : TILE_WIDTH; /* 1 .. 256 */
		size_t n = tilepath_format(&t, out, sizeof out);
		FUZZ_ASSERT(n < sizeof out);
		FUZZ_ASSERT(tilepath_parse(out, n, &t2) == 0);
		FUZZ_ASSERT(t2.level == t.level && t2.index == t.index && t2.width == t.width);
	}
	return 0;
}
