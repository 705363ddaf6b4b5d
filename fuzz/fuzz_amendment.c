/*
 * libFuzzer target: amendment_parse on arbitrary bytes, then the checks of
 * an amendment of the fixed fuzzing charter (fuzz_exchange.h). Whatever
 * parses obeys the documented limits and its canonical text parses again to
 * the same id; amendment_check returns only its documented codes; signing
 * with either node key adds a signature that verifies or is refused with the
 * documented code; history_add accepts exactly the complete, valid ones.
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "exchange/amendment.h"
#include "exchange/history.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct charter founding;
static struct note_signer keys[2];

static size_t count_signed(const int *signed_by, size_t n)
{
	size_t k = 0;
	for (size_t i = 0; i < n; i++)
		k += signed_by[i] != 0;
	return k;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		for (int i = 0; i < 2; i++)
			if (note_signer_parse(&keys[i], fuzz_node_keys[i], strlen(fuzz_node_keys[i])) != 0)
				abort();
		if (charter_parse(&founding, (const uint8_t *)fuzz_charter_text, strlen(fuzz_charter_text)) != 0 ||
		    !charter_complete(&founding))
			abort();
		init = 1;
	}
	struct amendment a, a2;
	err_clear();
	int rc = amendment_parse(&a, data, size);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_NOMEM);
	if (rc) {
		FUZZ_ASSERT(err_msg()[0] != 0);
		return 0;
	}
	FUZZ_ASSERT(size <= AMENDMENT_MAX_SIZE && a.number >= 1 && a.number <= AMENDMENT_MAX_NUMBER);
	FUZZ_ASSERT(amendment_is(a.text.data, a.text.len) && a.text.data[a.text.len - 1] == '\n');
	FUZZ_ASSERT(!memcmp(a.charter.id, a.channel, 32) && a.charter.nparties >= 2);
	FUZZ_ASSERT(strlen(a.reason) <= AMENDMENT_REASON_MAX);
	/* the canonical text is a draft of the same amendment */
	FUZZ_ASSERT(amendment_parse(&a2, a.text.data, a.text.len) == 0);
	FUZZ_ASSERT(!memcmp(a.id, a2.id, 32) && a2.note.len == 0 && a2.effective == a.effective);
	amendment_release(&a2);

	struct amendment_base b = {&founding, &founding, NULL};
	int signed_by[AMENDMENT_MAX_SIGNERS], complete;
	err_clear();
	rc = amendment_check(&a, &b, signed_by, &complete);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_VERIFY);
	FUZZ_ASSERT(rc == 0 || err_msg()[0] != 0);
	struct charter_history h;
	history_init(&h, &founding);
	int added = 0, hrc = history_add(&h, data, size, &added);
	if (rc) {
		FUZZ_ASSERT(hrc != 0 && h.n == 0);
	} else {
		FUZZ_ASSERT((hrc == 0) == (complete != 0) && (hrc == 0 || hrc == ERR_VERIFY) && added == complete);
		FUZZ_ASSERT(!complete || history_at(&h, a.effective) != &founding);
		FUZZ_ASSERT(history_at(&h, a.effective - 1) == &founding);
		struct note_verifier vs[AMENDMENT_MAX_SIGNERS];
		size_t party[AMENDMENT_MAX_SIGNERS];
		size_t nk = amendment_signers(&a, &b, vs, party), before = count_signed(signed_by, nk);
		for (int k = 0; k < 2; k++) {
			struct buf out;
			buf_init(&out, 2 * AMENDMENT_MAX_SIZE);
			int src = amendment_sign(&a, &b, &keys[k], &out);
			FUZZ_ASSERT(src == 0 || src == ERR_USAGE || src == ERR_CONFLICT || src == ERR_LIMIT);
			if (src == 0) {
				int now[AMENDMENT_MAX_SIGNERS], c2;
				/* a signed amendment may outgrow the entry limit: refused, never truncated */
				int prc = amendment_parse(&a2, out.data, out.len);
				FUZZ_ASSERT(prc == 0 || (prc == ERR_LIMIT && out.len > AMENDMENT_MAX_SIZE));
				if (prc == 0) {
					FUZZ_ASSERT(amendment_check(&a2, &b, now, &c2) == 0);
					FUZZ_ASSERT(count_signed(now, nk) == before + 1);
					amendment_release(&a2);
				}
			}
			buf_release(&out);
		}
	}
	history_release(&h);
	amendment_release(&a);
	return 0;
}
