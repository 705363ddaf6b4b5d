/*
 * fuzz_bundle — what `parley report verify` reads from a bundle's report.json
 * before its logs: the parameters (bundle_params_parse, against the fixed
 * charter of fuzz_charter) and the JSON comparison that names the first
 * member differing (bundle_json_diff). Any outcome is fine except a crash, a
 * sanitizer report, or answers that disagree: a document never differs from
 * itself, and parameters accepted are a period with from before to (a
 * mandate report's, "parley mandate report v1", with no filter).
 */
#include "fuzz_exchange.h"
#include "base/buf.h"
#include "exchange/charter.h"
#include "report/bundle.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char known[] = "{\n  \"report\": \"parley report v1\",\n  \"pairs\": [\n    {\"from\": \"us\", \"sent\": 3}\n  ]\n}\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct charter ch;
	static int ready;
	if (!ready) {
		if (charter_parse(&ch, (const uint8_t *)fuzz_charter_text, strlen(fuzz_charter_text)) != 0)
			abort();
		ready = 1;
	}
	struct bundle_params p;
	if (bundle_params_parse(data, size, &ch, &p) == 0 &&
	    (p.from >= p.to || strlen(p.channel) != 64 || p.f.party >= (int)ch.nparties || p.f.to_party >= (int)ch.nparties ||
	     (p.mandate && (p.f.party != -1 || p.f.to_party != -1 || p.f.kind != -1))))
		abort();
	char out[700];
	int same = bundle_json_diff(data, size, data, size, out, sizeof out);
	if (same == 1)
		abort(); /* a document never differs from itself */
	bundle_json_diff(data, size, (const uint8_t *)known, strlen(known), out, sizeof out);
	bundle_json_diff((const uint8_t *)known, strlen(known), data, size, out, sizeof out);
	return 0;
}
