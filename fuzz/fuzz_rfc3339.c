/* libFuzzer target: rfc3339_parse (the times given on the command line, base/rfc3339.h). */
#include "fuzz_common.h"
#include "base/rfc3339.h"
#include "exchange/syntax.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned flags = data[0] & 1u ? RFC3339_DATE : 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	int64_t t = -7;
	int rc = rfc3339_parse(s, n, flags, &t);
	if (rc) {
		FUZZ_ASSERT(rc == ERR_USAGE && t == -7);
		FUZZ_ASSERT(strstr(err_msg(), "is not a time: ") && strstr(err_msg(), "give RFC 3339 like"));
		return 0;
	}
	/* what parses is a time parley can print, and prints back to the same time */
	FUZZ_ASSERT(t >= 0 && t <= 253402300799);
	FUZZ_ASSERT(n == 10 ? flags == RFC3339_DATE : n >= 20);
	char z[21];
	int64_t back = -1;
	syntax_format_time(t, z);
	FUZZ_ASSERT(syntax_time(z, strlen(z), &back) == 0 && back == t);
	FUZZ_ASSERT(rfc3339_parse(z, strlen(z), 0, &back) == 0 && back == t);
	/* without an offset or fraction, the text is the canonical form (upper case aside) */
	if (n == 20 && (s[19] == 'Z' || s[19] == 'z') && (s[10] == 'T' || s[10] == 't'))
		FUZZ_ASSERT(!memcmp(z, s, 10) && !memcmp(z + 11, s + 11, 8));
	return 0;
}
