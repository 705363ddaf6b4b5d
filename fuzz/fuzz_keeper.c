/*
 * libFuzzer target: the keeper's request parser (src/node/keeper.h), the
 * only code of the keeper that reads bytes the network side chose before any
 * check. Every request it accepts is within its limits, its fields point
 * inside the message, and formatting it again gives back the same bytes (one
 * request, one encoding). The empty input is run as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "node/keeper.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int inside(const uint8_t *p, size_t n, const uint8_t *data, size_t size)
{
	return !n || (p >= data && p + n <= data + size);
}

static void one(const uint8_t *data, size_t size)
{
	struct keeper_request r;
	if (keeper_request_parse(&r, data, size) != 0) {
		FUZZ_ASSERT(err_msg()[0] != 0);
		return;
	}
	FUZZ_ASSERT(size > 0 && r.op >= KEEPER_STATUS && r.op <= KEEPER_RELOAD);
	FUZZ_ASSERT(r.nproof <= KEEPER_PROOF_MAX && r.text_len <= KEEPER_TEXT_MAX && r.entry_len <= KEEPER_ENTRY_MAX);
	FUZZ_ASSERT(inside(r.text, r.text_len, data, size) && inside(r.entry, r.entry_len, data, size));
	struct buf again;
	buf_init(&again, KEEPER_MSG_MAX);
	FUZZ_ASSERT(keeper_request_format(&again, &r) == 0);
	FUZZ_ASSERT(again.len == size && !memcmp(again.data, data, size));
	buf_release(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
