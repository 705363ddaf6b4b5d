/*
 * parley body template [TYPE] [--profile cyber-mla|aid-crossing]
 *
 * Prints a complete, valid body of TYPE (docs/profile-cyber-mla.md,
 * docs/profile-aid-crossing.md) for an officer to copy and fill in, instead
 * of writing JSON from nothing; without TYPE, lists the types with the
 * envelope kind each goes with. The bodies are the profiles' example bodies
 * (tests/data/<profile>/valid/, checked against the C checker and the
 * published JSON Schemas in `make check`), built into the binary.
 * Exit 0; 2 for an unknown type or profile.
 */
#include "cli/cli.h"
#include "cli/embed.h"

#include <stdio.h>
#include <string.h>

EMBED_FILE(tpl_notice, "tests/data/cyber-mla/valid/notice-msp-intrusion.json");
EMBED_FILE(tpl_mla_request, "tests/data/cyber-mla/valid/mla-request-prosecutor.json");
EMBED_FILE(tpl_preservation, "tests/data/cyber-mla/valid/preservation-request.json");
EMBED_FILE(tpl_ack, "tests/data/cyber-mla/valid/ack.json");
EMBED_FILE(tpl_answer, "tests/data/cyber-mla/valid/answer-partial.json");
EMBED_FILE(tpl_decline, "tests/data/cyber-mla/valid/decline.json");
EMBED_FILE(tpl_update, "tests/data/cyber-mla/valid/update.json");
EMBED_FILE(tpl_close, "tests/data/cyber-mla/valid/close.json");
EMBED_FILE(tpl_statement, "tests/data/cyber-mla/valid/statement-consultation-round.json");
EMBED_FILE(tpl_consignment, "tests/data/aid-crossing/valid/consignment-wfp.json");
EMBED_FILE(tpl_inspection, "tests/data/aid-crossing/valid/inspection-confirmed.json");
EMBED_FILE(tpl_crossing, "tests/data/aid-crossing/valid/crossing.json");
EMBED_FILE(tpl_aid_ack, "tests/data/aid-crossing/valid/ack.json");
EMBED_FILE(tpl_aid_close, "tests/data/aid-crossing/valid/close-delivered.json");

struct template {
	const char *profile, *type, *command; /* command: how an officer sends it */
	const char *data;
	const uint64_t *len;
};

static const struct template templates[] = {
	{"cyber-mla", "notice", "parley send notice", tpl_notice, &tpl_notice_len},
	{"cyber-mla", "mla-request", "parley send request", tpl_mla_request, &tpl_mla_request_len},
	{"cyber-mla", "preservation-request", "parley send preservation", tpl_preservation, &tpl_preservation_len},
	{"cyber-mla", "ack", "parley ack", tpl_ack, &tpl_ack_len},
	{"cyber-mla", "answer", "parley answer", tpl_answer, &tpl_answer_len},
	{"cyber-mla", "decline", "parley decline", tpl_decline, &tpl_decline_len},
	{"cyber-mla", "update", "parley send update", tpl_update, &tpl_update_len},
	{"cyber-mla", "close", "parley close", tpl_close, &tpl_close_len},
	{"cyber-mla", "statement", "parley statement propose", tpl_statement, &tpl_statement_len},
	{"aid-crossing", "consignment", "a notice (parley envelope seal --kind notice)", tpl_consignment, &tpl_consignment_len},
	{"aid-crossing", "inspection", "an update (parley envelope seal --kind update)", tpl_inspection, &tpl_inspection_len},
	{"aid-crossing", "crossing", "an update (parley envelope seal --kind update)", tpl_crossing, &tpl_crossing_len},
	{"aid-crossing", "ack", "an ack", tpl_aid_ack, &tpl_aid_ack_len},
	{"aid-crossing", "close", "a close", tpl_aid_close, &tpl_aid_close_len},
};
#define NTEMPLATES (sizeof templates / sizeof templates[0])

static int usage(void)
{
	fprintf(stderr, "usage: parley body template [TYPE] [--profile cyber-mla|aid-crossing]\n");
	return 2;
}

int cmd_body(int argc, char **argv)
{
	const char *type = NULL, *profile = NULL;
	if (argc < 2 || strcmp(argv[1], "template"))
		return usage();
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], "--profile") && i + 1 < argc && !profile)
			profile = argv[++i];
		else if (!strcmp(argv[i], "--help")) {
			printf("parley body template [TYPE] [--profile cyber-mla|aid-crossing]\n"
			       "  prints a complete, valid body of TYPE to fill in; without TYPE, lists the types\n");
			return 0;
		} else if (argv[i][0] == '-' || type)
			return usage();
		else
			type = argv[i];
	}
	if (profile && strcmp(profile, "cyber-mla") && strcmp(profile, "aid-crossing")) {
		fprintf(stderr, "parley body: unknown profile '%s' (cyber-mla or aid-crossing)\n", profile);
		return 2;
	}
	if (!type) {
		for (size_t i = 0; i < NTEMPLATES; i++)
			if (!profile || !strcmp(profile, templates[i].profile))
				printf("%-13s %-21s sent with %s\n", templates[i].profile, templates[i].type, templates[i].command);
		return 0;
	}
	/* a type both profiles have (ack, close) is cyber-mla's unless --profile says otherwise */
	for (size_t i = 0; i < NTEMPLATES; i++)
		if (!strcmp(type, templates[i].type) && (!profile || !strcmp(profile, templates[i].profile))) {
			fwrite(templates[i].data, 1, (size_t)*templates[i].len, stdout);
			return 0;
		}
	fprintf(stderr, "parley body: no body type '%s'%s%s (parley body template lists them)\n", type,
		profile ? " in " : "", profile ? profile : "");
	return 2;
}
