/* libFuzzer target: profile_check_body on arbitrary bytes, for every envelope
 * kind and both profiles, must return one of its documented codes with a
 * bounded message, never crash, leak or read out of bounds. The first byte
 * picks the kind and the profiles; the rest is the body. */
#include "base/err.h"
#include "exchange/profile.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* Mostly the cyber-mla profile; now and then both, or aid-crossing alone. */
	static const unsigned profiles[4] = {CHARTER_PROFILE_CYBER_MLA, CHARTER_PROFILE_CYBER_MLA,
					     CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING,
					     CHARTER_PROFILE_AID_CROSSING};
	enum envelope_kind kind = (enum envelope_kind)((data[0] & 0x3f) % ENV_KIND_COUNT);
	unsigned p = profiles[data[0] >> 6];
	err_clear();
	int rc = profile_check_body(kind, p, data + 1, size - 1);
	if (rc != 0 && rc != ERR_FORMAT && rc != ERR_LIMIT && rc != ERR_NOMEM)
		abort();
	if (rc == 0 && (kind == ENV_RECEIVED || !(p & CHARTER_PROFILE_CYBER_MLA)))
		abort();
	if (rc != 0 && err_msg()[0] == '\0')
		abort();
	return 0;
}
