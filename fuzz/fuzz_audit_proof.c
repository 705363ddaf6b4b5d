/*
 * libFuzzer target: the fork proof parser and checker (src/witness/forkproof.h),
 * what `parley audit verify` runs on a file from anyone. Checks the parser's
 * invariants (the checkpoints lie inside the input, in size order, the root
 * line present exactly when the sizes differ), and that a proof accepted as a
 * fork really shows one (the same size and different roots, or a root at the
 * smaller size that is not the smaller checkpoint's) and survives being
 * written again with forkproof_format. The empty input is run as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "witness/forkproof.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct note_verifier logkey;

static void one(const uint8_t *data, size_t size)
{
	struct forkproof *p = calloc(1, sizeof *p), *q = calloc(1, sizeof *q);
	FUZZ_ASSERT(p && q);
	if (forkproof_parse(p, data, size) == 0) {
		for (int k = 0; k < 2; k++)
			FUZZ_ASSERT(p->note[k] >= data && p->note[k] + p->note_len[k] <= data + size);
		FUZZ_ASSERT(p->cp[0].size <= p->cp[1].size);
		FUZZ_ASSERT(p->has_root == (p->cp[0].size != p->cp[1].size));
		FUZZ_ASSERT(p->n <= FORKPROOF_MAX_HASHES);
		size_t which = 99;
		if (forkproof_verify(p, &logkey, 1, &which) == 0) {
			FUZZ_ASSERT(which == 0);
			if (p->cp[0].size == p->cp[1].size)
				FUZZ_ASSERT(memcmp(p->cp[0].root, p->cp[1].root, MERKLE_HASH) != 0);
			else
				FUZZ_ASSERT(memcmp(p->root, p->cp[0].root, MERKLE_HASH) != 0);
			/* written again, it is the same proof */
			struct buf b;
			buf_init(&b, FORKPROOF_MAX);
			FUZZ_ASSERT(forkproof_format(&b, &logkey, p->note[0], p->note_len[0], p->note[1], p->note_len[1],
						     p->root, (const merkle_hash *)p->proof, p->n, p->why) == 0);
			FUZZ_ASSERT(forkproof_parse(q, b.data, b.len) == 0);
			FUZZ_ASSERT(forkproof_verify(q, &logkey, 1, &which) == 0);
			FUZZ_ASSERT(q->cp[0].size == p->cp[0].size && q->cp[1].size == p->cp[1].size);
			buf_release(&b);
		}
	}
	free(p);
	free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!logkey.name[0])
		fuzz_load_vkey(&logkey, FUZZ_LOG_VKEY);
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
