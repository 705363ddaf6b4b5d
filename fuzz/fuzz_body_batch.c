/*
 * libFuzzer target: POST /bodies — the request check (the server's side) and
 * the answer parser (the client's side: a peer's answer is outside input).
 * The first byte chooses how many bodies were asked. Checks that an accepted
 * answer splits into exactly its bytes, never more bodies than asked, and
 * that re-encoding the bodies gives the answer back. The empty input is run
 * as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "node/body_batch.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct acc {
	struct buf again;
	size_t bytes;
};

static int take(void *ctx, size_t i, const uint8_t *body, size_t len)
{
	struct acc *a = ctx;
	(void)i;
	a->bytes += 4 + len;
	FUZZ_ASSERT(body_batch_append(&a->again, body, len) == 0);
	return 0;
}

static void one(const uint8_t *data, size_t size)
{
	size_t n;
	if (body_batch_request_check(data, size, &n) == 0)
		FUZZ_ASSERT(n >= 1 && n <= BODY_BATCH_MAX_HASHES && n * 32 == size);
	if (size < 1) {
		size_t count;
		FUZZ_ASSERT(body_batch_parse(data, 0, 1, 1000, take, NULL, &count) == ERR_FORMAT && count == 0);
		return;
	}
	size_t asked = data[0] % 9;
	struct acc a = {.bytes = 0};
	buf_init(&a.again, 1 << 20);
	size_t count;
	if (body_batch_parse(data + 1, size - 1, asked, 1000, take, &a, &count) == 0) {
		FUZZ_ASSERT(count >= 1 && count <= asked);
		FUZZ_ASSERT(a.bytes == size - 1);
		FUZZ_ASSERT(a.again.len == size - 1 && !memcmp(a.again.data, data + 1, size - 1));
	}
	buf_release(&a.again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
