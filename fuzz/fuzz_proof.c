/*
 * libFuzzer target: tlog_proof_parse, tlog_proof_verify, and cosig_verify_proof
 * (a receipt under the fixed charter and an amendment rotating us's node key:
 * fuzz/fuzz_rotation.h). What parses must format back to the same bytes (the
 * format is canonical).
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "fuzz_rotation.h"
#include "cases/cosig.h"
#include "exchange/history.h"
#include "tlog/proof.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier log_key, witness;
	static struct tlog_proof p;
	static struct charter ch;
	static struct charter_history h;
	static int init;
	static const char entry[] = "entry 7"; /* the entry of the seed proofs */
	if (!init) {
		fuzz_load_vkey(&log_key, FUZZ_LOG_VKEY);
		fuzz_load_vkey(&witness, FUZZ_WITNESS_VKEY);
		int added = 0;
		if (charter_parse(&ch, (const uint8_t *)fuzz_charter_text, strlen(fuzz_charter_text)) ||
		    (history_init(&h, &ch), history_add(&h, (const uint8_t *)fuzz_rotation_text, strlen(fuzz_rotation_text),
							&added)) ||
		    !added) {
			fprintf(stderr, "the built-in charter or rotation does not load: %s\n", err_msg());
			abort();
		}
		init = 1;
	}
	int rc = tlog_proof_parse(&p, data, size);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT);
	if (rc)
		return 0;
	FUZZ_ASSERT(p.n < MERKLE_MAX_PROOF && p.checkpoint >= data && p.checkpoint + p.checkpoint_len == data + size);
	struct buf out;
	buf_init(&out, TLOG_PROOF_MAX_SIZE + 1024);
	FUZZ_ASSERT(tlog_proof_format(&out, p.index, (const merkle_hash *)p.path, p.n, p.checkpoint, p.checkpoint_len,
				      p.has_extra ? p.extra : NULL, p.extra_len) == 0);
	FUZZ_ASSERT(out.len == size && memcmp(out.data, data, size) == 0);
	buf_release(&out);

	struct checkpoint cp;
	uint64_t t;
	rc = tlog_proof_verify(&p, (const uint8_t *)entry, sizeof entry - 1, &log_key, NULL, 0, NULL, &cp);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_VERIFY);
	int rc2 = tlog_proof_verify(&p, (const uint8_t *)entry, sizeof entry - 1, &log_key, &witness, 1, &t, &cp);
	FUZZ_ASSERT(rc2 == 0 || rc2 == ERR_FORMAT || rc2 == ERR_LIMIT || rc2 == ERR_VERIFY);
	FUZZ_ASSERT(rc2 != 0 || rc == 0); /* requiring a witness never makes a proof valid */
	if (rc == 0) {
		FUZZ_ASSERT(p.index < cp.size);
		/* A different entry is not proved by the same proof. */
		FUZZ_ASSERT(tlog_proof_verify(&p, (const uint8_t *)"entry 8", 7, &log_key, NULL, 0, NULL, &cp) != 0);
	}
	/* As a receipt of a party's log under the history, with and without a cosigner asked for. */
	int64_t when = 0;
	int rc3 = cosig_verify_proof(&h, &p, (const uint8_t *)entry, sizeof entry - 1, NULL, NULL, NULL, &cp);
	FUZZ_ASSERT(rc3 == 0 || rc3 == ERR_FORMAT || rc3 == ERR_LIMIT || rc3 == ERR_VERIFY || rc3 == ERR_NOTFOUND ||
		    rc3 == ERR_NOMEM);
	int rc4 = cosig_verify_proof(&h, &p, (const uint8_t *)entry, sizeof entry - 1, NULL, "witness.example", &when, &cp);
	FUZZ_ASSERT(rc4 == 0 || rc4 == ERR_FORMAT || rc4 == ERR_LIMIT || rc4 == ERR_VERIFY || rc4 == ERR_NOTFOUND ||
		    rc4 == ERR_NOMEM);
	FUZZ_ASSERT(rc4 != 0 || rc3 == 0); /* requiring a cosigner never makes a proof valid */
	if (rc3 == 0) {
		FUZZ_ASSERT(p.index < cp.size && charter_party_of_log(&ch, cp.origin) != NULL);
		FUZZ_ASSERT(cosig_verify_proof(&h, &p, (const uint8_t *)"entry 8", 7, NULL, NULL, NULL, &cp) != 0);
	}
	return 0;
}
