/* libFuzzer target: checkpoint_parse_text, checkpoint_open, checkpoint_parse_unverified. */
#include "fuzz_common.h"
#include "tlog/checkpoint.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct note_verifier v;
	static int init;
	if (!init) {
		fuzz_load_vkey(&v, FUZZ_LOG_VKEY);
		init = 1;
	}
	struct checkpoint cp, cp2;
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
	return 0;
}
