/*
 * builtin — the profiles' example bodies and published JSON Schemas, built
 * into the binary (builtin.h).
 */
#include "exchange/builtin.h"
#include "base/embed.h"

#include <string.h>

EMBED_FILE(dtpl_notice, "tests/data/cyber-mla/valid/notice-msp-intrusion.json");
EMBED_FILE(dtpl_mla_request, "tests/data/cyber-mla/valid/mla-request-prosecutor.json");
EMBED_FILE(dtpl_preservation, "tests/data/cyber-mla/valid/preservation-request.json");
EMBED_FILE(dtpl_ack, "tests/data/cyber-mla/valid/ack.json");
EMBED_FILE(dtpl_answer, "tests/data/cyber-mla/valid/answer-partial.json");
EMBED_FILE(dtpl_decline, "tests/data/cyber-mla/valid/decline.json");
EMBED_FILE(dtpl_update, "tests/data/cyber-mla/valid/update.json");
EMBED_FILE(dtpl_close, "tests/data/cyber-mla/valid/close.json");
EMBED_FILE(dtpl_statement, "tests/data/cyber-mla/valid/statement-consultation-round.json");
EMBED_FILE(dtpl_consignment, "tests/data/aid-crossing/valid/consignment-wfp.json");
EMBED_FILE(dtpl_inspection, "tests/data/aid-crossing/valid/inspection-confirmed.json");
EMBED_FILE(dtpl_crossing, "tests/data/aid-crossing/valid/crossing.json");
EMBED_FILE(dtpl_aid_ack, "tests/data/aid-crossing/valid/ack.json");
EMBED_FILE(dtpl_aid_close, "tests/data/aid-crossing/valid/close-delivered.json");

EMBED_FILE(dsch_mla_ack, "docs/schemas/cyber-mla/ack.json");
EMBED_FILE(dsch_mla_answer, "docs/schemas/cyber-mla/answer.json");
EMBED_FILE(dsch_mla_body, "docs/schemas/cyber-mla/body.json");
EMBED_FILE(dsch_mla_close, "docs/schemas/cyber-mla/close.json");
EMBED_FILE(dsch_mla_common, "docs/schemas/cyber-mla/common.json");
EMBED_FILE(dsch_mla_decline, "docs/schemas/cyber-mla/decline.json");
EMBED_FILE(dsch_mla_request, "docs/schemas/cyber-mla/mla-request.json");
EMBED_FILE(dsch_mla_notice, "docs/schemas/cyber-mla/notice.json");
EMBED_FILE(dsch_mla_preservation, "docs/schemas/cyber-mla/preservation-request.json");
EMBED_FILE(dsch_mla_statement, "docs/schemas/cyber-mla/statement.json");
EMBED_FILE(dsch_mla_update, "docs/schemas/cyber-mla/update.json");
EMBED_FILE(dsch_aid_ack, "docs/schemas/aid-crossing/ack.json");
EMBED_FILE(dsch_aid_body, "docs/schemas/aid-crossing/body.json");
EMBED_FILE(dsch_aid_close, "docs/schemas/aid-crossing/close.json");
EMBED_FILE(dsch_aid_common, "docs/schemas/aid-crossing/common.json");
EMBED_FILE(dsch_aid_consignment, "docs/schemas/aid-crossing/consignment.json");
EMBED_FILE(dsch_aid_crossing, "docs/schemas/aid-crossing/crossing.json");
EMBED_FILE(dsch_aid_inspection, "docs/schemas/aid-crossing/inspection.json");

struct named {
	const char *profile, *name;
	const char *data;
	const uint64_t *len;
};

struct builtin_template {
	const char *profile, *type, *command;
	const char *data;
	const uint64_t *len;
};

static const struct builtin_template templates[] = {
	{"cyber-mla", "notice", "parley send notice", dtpl_notice, &dtpl_notice_len},
	{"cyber-mla", "mla-request", "parley send request", dtpl_mla_request, &dtpl_mla_request_len},
	{"cyber-mla", "preservation-request", "parley send preservation", dtpl_preservation, &dtpl_preservation_len},
	{"cyber-mla", "ack", "parley ack", dtpl_ack, &dtpl_ack_len},
	{"cyber-mla", "answer", "parley answer", dtpl_answer, &dtpl_answer_len},
	{"cyber-mla", "decline", "parley decline", dtpl_decline, &dtpl_decline_len},
	{"cyber-mla", "update", "parley send update", dtpl_update, &dtpl_update_len},
	{"cyber-mla", "close", "parley close", dtpl_close, &dtpl_close_len},
	{"cyber-mla", "statement", "parley statement propose", dtpl_statement, &dtpl_statement_len},
	{"aid-crossing", "consignment", "a notice (parley envelope seal --kind notice)", dtpl_consignment, &dtpl_consignment_len},
	{"aid-crossing", "inspection", "an update (parley envelope seal --kind update)", dtpl_inspection, &dtpl_inspection_len},
	{"aid-crossing", "crossing", "an update (parley envelope seal --kind update)", dtpl_crossing, &dtpl_crossing_len},
	{"aid-crossing", "ack", "an ack", dtpl_aid_ack, &dtpl_aid_ack_len},
	{"aid-crossing", "close", "a close", dtpl_aid_close, &dtpl_aid_close_len},
};

static const struct named schemas[] = {
	{"cyber-mla", "ack", dsch_mla_ack, &dsch_mla_ack_len},
	{"cyber-mla", "answer", dsch_mla_answer, &dsch_mla_answer_len},
	{"cyber-mla", "body", dsch_mla_body, &dsch_mla_body_len},
	{"cyber-mla", "close", dsch_mla_close, &dsch_mla_close_len},
	{"cyber-mla", "common", dsch_mla_common, &dsch_mla_common_len},
	{"cyber-mla", "decline", dsch_mla_decline, &dsch_mla_decline_len},
	{"cyber-mla", "mla-request", dsch_mla_request, &dsch_mla_request_len},
	{"cyber-mla", "notice", dsch_mla_notice, &dsch_mla_notice_len},
	{"cyber-mla", "preservation-request", dsch_mla_preservation, &dsch_mla_preservation_len},
	{"cyber-mla", "statement", dsch_mla_statement, &dsch_mla_statement_len},
	{"cyber-mla", "update", dsch_mla_update, &dsch_mla_update_len},
	{"aid-crossing", "ack", dsch_aid_ack, &dsch_aid_ack_len},
	{"aid-crossing", "body", dsch_aid_body, &dsch_aid_body_len},
	{"aid-crossing", "close", dsch_aid_close, &dsch_aid_close_len},
	{"aid-crossing", "common", dsch_aid_common, &dsch_aid_common_len},
	{"aid-crossing", "consignment", dsch_aid_consignment, &dsch_aid_consignment_len},
	{"aid-crossing", "crossing", dsch_aid_crossing, &dsch_aid_crossing_len},
	{"aid-crossing", "inspection", dsch_aid_inspection, &dsch_aid_inspection_len},
};

#define NTEMPLATES (sizeof templates / sizeof templates[0])

int builtin_template_at(size_t i, struct builtin_body *out)
{
	if (i >= NTEMPLATES)
		return -1;
	*out = (struct builtin_body){templates[i].profile, templates[i].type, templates[i].command, templates[i].data,
				     (size_t)*templates[i].len};
	return 0;
}

int builtin_template_find(const char *profile, const char *type, struct builtin_body *out)
{
	for (size_t i = 0; i < NTEMPLATES; i++)
		if (!strcmp(templates[i].type, type) && (!profile || !strcmp(templates[i].profile, profile)))
			return builtin_template_at(i, out);
	return -1;
}

int builtin_schema_find(const char *profile, const char *name, const char **data, size_t *len)
{
	for (size_t i = 0; i < sizeof schemas / sizeof schemas[0]; i++)
		if (!strcmp(schemas[i].name, name) && (!profile || !strcmp(schemas[i].profile, profile))) {
			*data = schemas[i].data;
			*len = (size_t)*schemas[i].len;
			return 0;
		}
	return -1;
}
