/*
 * libFuzzer target: the node's submission check (src/node/submit.c), the
 * handler behind POST /submit, on arbitrary request bodies against the fixed
 * charter of fuzz_exchange.h, for a node of party "us". Every answer is one
 * of the statuses docs/node.md lists, with a reason; what is accepted frames
 * exactly, verifies against the charter, comes from an agency of "us", and
 * carries the body its envelope names. The empty input is run as (NULL, 0) too.
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "node/submit.h"
#include "exchange/history.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct charter ch;
static struct charter_history hist;

static void one(const uint8_t *data, size_t size)
{
	struct submission s;
	err_clear();
	/* a generous skew: the seeds' envelopes were sealed at a fixed past time */
	int status = submit_check(&s, data, size, &hist, "us", 1700000000, INT64_MAX / 4);
	FUZZ_ASSERT(status == 200 || status == 400 || status == 403 || status == 413 || status == 422);
	FUZZ_ASSERT(status == 200 || err_msg()[0] != 0);
	if (status == 200) {
		FUZZ_ASSERT(s.parsed && s.envelope_len + s.body_len < size);
		FUZZ_ASSERT(envelope_verify(&s.env, &ch) == 0);
		FUZZ_ASSERT(!strncmp(s.env.f.from, "us.", 3));
		FUZZ_ASSERT(s.env.f.has_body == (s.body_len > 0));
		if (s.env.f.has_body)
			FUZZ_ASSERT(envelope_check_body(&s.env, s.body, s.body_len) == 0);
	}
	submission_release(&s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		if (charter_parse(&ch, (const uint8_t *)fuzz_charter_text, strlen(fuzz_charter_text)) != 0)
			abort();
		history_init(&hist, &ch); /* no amendments: the charter judges every envelope */
		init = 1;
	}
	FUZZ_RUN_WITH_EMPTY_AS_NULL(one, data, size);
	return 0;
}
