/*
 * libFuzzer target: the tlog-witness add-checkpoint handler, on arbitrary
 * request bodies, against a witness that trusts the fixed fuzz log key.
 * Checks that every answer is one of the statuses the spec allows, and that
 * a 409 for an old-size mismatch carries the size in the spec's form. The
 * log's key is rotated (docs/amendments.md): the fuzz key is retired at
 * ROTATED for a key made at start, and each input is judged at a clock where
 * both count and at one where only the new key does. The empty input is run
 * as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "witness/witness.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct witness *w;
#define ROTATED 1700000600 /* 600 s after the first clock: both keys count then; not 2000 s later */

static void judge(const uint8_t *data, size_t size, uint64_t now)
{
	struct witness_request r;
	if (witness_request_parse(&r, data, size) == 0) {
		FUZZ_ASSERT(r.n <= 63);
		FUZZ_ASSERT(r.checkpoint >= data && r.checkpoint + r.checkpoint_len == data + size);
	}
	struct buf resp;
	buf_init(&resp, 1 << 16);
	int status;
	const char *ct;
	int rc = witness_add_checkpoint(w, data, size, now, &status, &ct, &resp);
	FUZZ_ASSERT(rc == 0 || status == 500);
	FUZZ_ASSERT(status == 200 || status == 400 || status == 403 || status == 404 || status == 409 ||
		    status == 422 || status == 500);
	if (status == 409 && !strcmp(ct, "text/x.tlog.size"))
		FUZZ_ASSERT(resp.len >= 2 && resp.data[resp.len - 1] == '\n');
	buf_release(&resp);
}

static void one(const uint8_t *data, size_t size)
{
	judge(data, size, 1700000000);
	judge(data, size, ROTATED + 2000);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_signer cos, next;
	if (!w) {
		char dir[] = "/tmp/parley-fuzz-witness.XXXXXX";
		struct witness_key_span spans[2];
		if (!mkdtemp(dir))
			abort();
		fuzz_load_vkey(&spans[0].key, FUZZ_LOG_VKEY);
		if (note_signer_generate(&next, spans[0].key.name, NOTE_ED25519))
			abort();
		note_verifier_from_signer(&spans[1].key, &next, NOTE_ED25519);
		spans[0].from = INT64_MIN, spans[0].until = ROTATED;
		spans[1].from = ROTATED, spans[1].until = INT64_MAX;
		struct witness_log log = {.key = spans[0].key, .spans = spans, .nspans = 2};
		if (note_signer_generate(&cos, "fuzz.witness", NOTE_COSIGNATURE) ||
		    witness_open(&w, dir, &cos, &log, 1))
			abort();
	}
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
