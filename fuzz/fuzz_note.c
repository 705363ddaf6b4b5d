/* libFuzzer target: note_parse, then note_verify against fixed verifiers. */
#include "fuzz_common.h"
#include "base/utf8.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier vs[2];
	static int init;
	if (!init) {
		fuzz_load_vkey(&vs[0], FUZZ_LOG_VKEY);
		fuzz_load_vkey(&vs[1], FUZZ_WITNESS_VKEY);
		init = 1;
	}
	struct note n;
	if (note_parse(&n, data, size) != 0)
		return 0;
	/* What parses obeys the documented rules. */
	FUZZ_ASSERT(n.len == size && n.text_len > 0 && n.text_len < size);
	FUZZ_ASSERT(n.data[n.text_len - 1] == '\n' && n.data[n.text_len] == '\n');
	FUZZ_ASSERT(note_text_valid(n.data, n.text_len) == 0);
	FUZZ_ASSERT(n.nsigs >= 1 && n.nsigs <= NOTE_MAX_SIGS);
	for (size_t i = 0; i < n.nsigs; i++) {
		FUZZ_ASSERT(note_name_valid(n.sigs[i].name, strlen(n.sigs[i].name)));
		FUZZ_ASSERT(n.sigs[i].sig_len >= 1 && n.sigs[i].sig_len <= NOTE_SIG_MAX);
	}
	int ok[2];
	uint64_t times[2];
	size_t good;
	int rc = note_verify(&n, vs, 2, ok, times);
	FUZZ_ASSERT(rc == 0 || rc == ERR_VERIFY);
	int rc2 = note_check_sigs(&n, vs, 2, NULL, NULL, &good);
	FUZZ_ASSERT(rc2 == 0 || rc2 == ERR_VERIFY);
	/* note_verify = note_check_sigs + "at least one known key signed". */
	FUZZ_ASSERT((rc == 0) == (rc2 == 0 && good > 0));
	if (rc == 0)
		FUZZ_ASSERT(ok[0] || ok[1]);
	note_release(&n);
	return 0;
}
