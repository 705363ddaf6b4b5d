/*
 * libFuzzer target: checkpoint_parse_text, checkpoint_open, checkpoint_parse_unverified,
 * and cosig_open_checkpoint (a stored checkpoint judged under the fixed charter and an
 * amendment rotating us's node key: fuzz/fuzz_rotation.h, docs/amendments.md).
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "fuzz_rotation.h"
#include "cases/cosig.h"
#include "exchange/history.h"
#include "tlog/checkpoint.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier v;
	static struct charter ch;
	static struct charter_history h;
	static int init;
	if (!init) {
		fuzz_load_vkey(&v, FUZZ_LOG_VKEY);
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
	struct checkpoint cp, cp2, cp3;
	/* The bare text: what parses formats back to the input's first three lines. */
	if (checkpoint_parse_text(&cp, (const char *)data, size) == 0) {
		struct buf out;
		buf_init(&out, 4096);
		FUZZ_ASSERT(checkpoint_format_text(&cp, &out) == 0);
		FUZZ_ASSERT(out.len <= size && memcmp(out.data, data, out.len) == 0);
		FUZZ_ASSERT(cp.origin[0] != 0 && cp.size <= INT64_MAX);
		buf_release(&out);
	}
	/* The signed note. */
	struct note n;
	int rc = checkpoint_open(&cp, data, size, &v, &n);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_VERIFY);
	int rc2 = checkpoint_parse_unverified(&cp2, data, size);
	if (rc == 0) {
		FUZZ_ASSERT(strcmp(cp.origin, v.name) == 0);
		FUZZ_ASSERT(rc2 == 0 && memcmp(&cp, &cp2, sizeof cp) == 0);
		note_release(&n);
	}
	/* A stored checkpoint of a party's log under the history: what opens is a party's log, parsed alike. */
	int rc3 = cosig_open_checkpoint(&h, data, size, &cp3);
	FUZZ_ASSERT(rc3 == 0 || rc3 == ERR_FORMAT || rc3 == ERR_LIMIT || rc3 == ERR_VERIFY || rc3 == ERR_NOTFOUND);
	if (rc3 == 0) {
		FUZZ_ASSERT(charter_party_of_log(&ch, cp3.origin) != NULL);
		FUZZ_ASSERT(rc2 == 0 && memcmp(&cp3, &cp2, sizeof cp3) == 0);
	}
	if (rc2 != 0)
		FUZZ_ASSERT(rc3 != 0);
	return 0;
}
