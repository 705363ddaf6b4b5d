/*
 * libFuzzer target: envelope_parse on arbitrary bytes, then envelope_verify
 * against the fixed charter of fuzz_exchange.h (signed by both parties). What
 * parses obeys the field rules (also the aid line's), and envelope_format of the parsed fields
 * reproduces the signed text byte for byte; verification returns only its
 * documented codes, and what verifies names only the charter's members.
 */
#include "fuzz_common.h"
#include "fuzz_exchange.h"
#include "exchange/envelope.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct charter ch;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	if (!init) {
		if (charter_parse(&ch, (const uint8_t *)fuzz_charter_text, strlen(fuzz_charter_text)) != 0 ||
		    !charter_complete(&ch)) {
			fprintf(stderr, "fuzz_exchange.h: bad built-in charter: %s\n", err_msg());
			abort();
		}
		init = 1;
	}
	struct envelope e;
	err_clear();
	int rc = envelope_parse(&e, data, size);
	FUZZ_ASSERT(rc == 0 || rc == ERR_FORMAT || rc == ERR_LIMIT || rc == ERR_NOMEM);
	if (rc) {
		FUZZ_ASSERT(err_msg()[0] != 0);
		return 0;
	}
	const struct envelope_fields *f = &e.f;
	FUZZ_ASSERT(size <= ENVELOPE_MAX_SIZE && f->nto >= 1 && f->nto <= ENVELOPE_MAX_TO);
	FUZZ_ASSERT((unsigned)f->kind < ENV_KIND_COUNT && strlen(f->channel) == 64);
	FUZZ_ASSERT(!f->has_body || f->body_size <= ENVELOPE_BODY_MAX);
	/* An aid line obeys its grammar (envelope.h) and goes only with its kind. */
	if (f->aid.type == ENV_AID_CONSIGNMENT) {
		uint32_t sum = 0;
		for (int s = 0; s < AID_SECTOR_COUNT; s++)
			sum += f->aid.sector_trucks[s];
		FUZZ_ASSERT(f->kind == ENV_NOTICE && sum == f->aid.trucks && f->aid.crossing[0]);
		FUZZ_ASSERT(f->aid.beneficiaries >= 1 && f->aid.beneficiaries <= ENVELOPE_AID_BENEFICIARIES_MAX);
	} else if (f->aid.type != ENV_AID_NONE) {
		FUZZ_ASSERT(f->kind == ENV_UPDATE);
		FUZZ_ASSERT(f->aid.type != ENV_AID_INSPECTION || (f->aid.trucks == 0) == (f->aid.result == AID_REJECTED));
	}
	FUZZ_ASSERT(f->aid.trucks <= ENVELOPE_AID_TRUCKS_MAX);
	/* The parsed fields format back to exactly the signed text. */
	struct buf t;
	buf_init(&t, ENVELOPE_MAX_SIZE);
	FUZZ_ASSERT(envelope_format(f, &t) == 0);
	FUZZ_ASSERT(t.len == e.note.text_len && !memcmp(t.data, e.note.data, t.len));
	buf_release(&t);
	/* Against the charter. */
	err_clear();
	rc = envelope_verify(&e, &ch);
	FUZZ_ASSERT(rc == 0 || rc == ERR_VERIFY || rc == ERR_FORMAT);
	FUZZ_ASSERT(rc == 0 || err_msg()[0] != 0);
	if (rc == 0) {
		FUZZ_ASSERT(!strcmp(f->channel, ch.id_hex) && e.note.nsigs >= 1);
		for (size_t i = 0; i < f->nto; i++)
			FUZZ_ASSERT(charter_agency(&ch, f->to[i], strlen(f->to[i])) != NULL);
		if (f->kind == ENV_RECEIVED)
			FUZZ_ASSERT(charter_party(&ch, f->from, strlen(f->from)) != NULL);
		else
			FUZZ_ASSERT(charter_agency(&ch, f->from, strlen(f->from)) != NULL);
		struct buf missing;
		buf_init(&missing, 4096);
		FUZZ_ASSERT(envelope_missing_signers(&e, &ch, &missing) == 0 && missing.len == 0);
		buf_release(&missing);
	}
	envelope_release(&e);
	return 0;
}
