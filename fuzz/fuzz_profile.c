/* libFuzzer target: profile_check_body on arbitrary bytes, for every envelope
 * kind and both profiles, must return one of its documented codes with a
 * bounded message, never crash, leak or read out of bounds. The first byte
 * picks the kind and the profiles; the rest is the body. For every body it
 * accepts, the aid-crossing figures derived from it (profile_aid_figures) fit
 * the envelope's aid line: an envelope of that kind carrying them formats
 * (envelope_format checks the line with the parser), and the body agrees with
 * them (profile_aid_check_figures). */
#include "base/err.h"
#include "exchange/profile.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The accepted body's figures in an envelope of its kind: formats, and agrees. */
static void figures_fit(enum envelope_kind kind, const uint8_t *body, size_t len)
{
	json_t *j = NULL;
	struct envelope_fields f;
	struct buf text;
	if (profile_load(body, len, &j) != 0)
		abort();
	memset(&f, 0, sizeof f);
	memset(f.channel, 'a', 64);
	snprintf(f.from, sizeof f.from, "%s", "un.ocha");
	snprintf(f.to[0], sizeof f.to[0], "%s", "sy.mofa");
	f.nto = 1;
	snprintf(f.case_id, sizeof f.case_id, "%s", "un.ocha/BAH-2021-0001");
	f.kind = kind;
	f.time = 1625900000;
	f.has_ref = kind != ENV_NOTICE && kind != ENV_REQUEST && kind != ENV_CLOSE && kind != ENV_STATEMENT;
	snprintf(f.ref.origin, sizeof f.ref.origin, "%s", "un.example/log");
	f.has_body = 1;
	profile_aid_figures(j, &f.aid);
	f.urgent = f.aid.type == ENV_AID_CONSIGNMENT && json_object_get(j, "emergency_reason") != NULL;
	if (f.aid.type != ENV_AID_NONE && !(kind == ENV_NOTICE || kind == ENV_UPDATE))
		abort();
	buf_init(&text, ENVELOPE_MAX_SIZE);
	if (envelope_format(&f, &text) != 0)
		abort();
	if (profile_aid_check_figures(&f, j) != 0)
		abort();
	buf_release(&text);
	json_decref(j);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	/* cyber-mla alone, aid-crossing alone, both, and cyber-mla again (the older seeds' byte). */
	static const unsigned profiles[4] = {CHARTER_PROFILE_CYBER_MLA, CHARTER_PROFILE_CYBER_MLA,
					     CHARTER_PROFILE_CYBER_MLA | CHARTER_PROFILE_AID_CROSSING,
					     CHARTER_PROFILE_AID_CROSSING};
	enum envelope_kind kind = (enum envelope_kind)((data[0] & 0x3f) % ENV_KIND_COUNT);
	unsigned p = profiles[data[0] >> 6];
	err_clear();
	int rc = profile_check_body(kind, p, data + 1, size - 1);
	if (rc != 0 && rc != ERR_FORMAT && rc != ERR_LIMIT && rc != ERR_NOMEM)
		abort();
	if (rc == 0 && kind == ENV_RECEIVED)
		abort();
	if (rc != 0 && err_msg()[0] == '\0')
		abort();
	if (rc == 0) {
		/* accepted under a profile the charter enables, as the body says */
		json_t *j = NULL;
		if (profile_load(data + 1, size - 1, &j) != 0)
			abort();
		const char *name = json_string_value(json_object_get(j, "profile"));
		int aid = name && !strcmp(name, "aid-crossing");
		if (!name || (aid ? !(p & CHARTER_PROFILE_AID_CROSSING) : !(p & CHARTER_PROFILE_CYBER_MLA)))
			abort();
		json_decref(j);
		figures_fit(kind, data + 1, size - 1);
	}
	return 0;
}
