/* libFuzzer target: stix_check_bundle on arbitrary bytes must return one of
 * its documented codes, never crash, leak or read out of bounds. */
#include "base/err.h"
#include "evidence/stix.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct stix_result res;
	int rc = stix_check_bundle(data, size, &res);
	if (rc != 0 && rc != ERR_VERIFY && rc != ERR_FORMAT && rc != ERR_LIMIT && rc != ERR_NOMEM)
		abort();
	if (strnlen(res.path, sizeof res.path) == sizeof res.path)
		abort();
	if (rc == ERR_VERIFY && strncmp(res.path, "$", 1) != 0)
		abort();
	return 0;
}
