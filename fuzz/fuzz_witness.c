/*
 * libFuzzer target: the tlog-witness add-checkpoint handler, on arbitrary
 * request bodies, against a witness that trusts the fixed fuzz log key.
 * Checks that every answer is one of the statuses the spec allows, and that
 * a 409 for an old-size mismatch carries the size in the spec's form. The
 * empty input is run as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "witness/witness.h"

#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct witness *w;

static void one(const uint8_t *data, size_t size)
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
	int rc = witness_add_checkpoint(w, data, size, 1700000000, &status, &ct, &resp);
	FUZZ_ASSERT(rc == 0 || status == 500);
	FUZZ_ASSERT(status == 200 || status == 400 || status == 403 || status == 404 || status == 409 ||
		    status == 422 || status == 500);
	if (status == 409 && !strcmp(ct, "text/x.tlog.size"))
		FUZZ_ASSERT(resp.len >= 2 && resp.data[resp.len - 1] == '\n');
	buf_release(&resp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_signer cos;
	if (!w) {
		char dir[] = "/tmp/parley-fuzz-witness.XXXXXX";
		struct witness_log log = {0};
		if (!mkdtemp(dir))
			abort();
		fuzz_load_vkey(&log.key, FUZZ_LOG_VKEY);
		if (note_signer_generate(&cos, "fuzz.witness", NOTE_COSIGNATURE) ||
		    witness_open(&w, dir, &cos, &log, 1))
			abort();
	}
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
