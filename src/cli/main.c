/*
 * parley — the command. Dispatches to the subcommands in src/cli/cmd_*.c.
 * Exit codes: 0 success, 1 a verification failed, 2 usage, input or I/O error.
 */
#include "base/version.h"
#include "cli/cli.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

static const struct cli_command commands[] = {
	{"age", cmd_age, "age encrypt|decrypt ..."},
	{"keygen", cmd_keygen, "keygen --name NAME --out FILE"},
	{"key", cmd_key, "key vkey KEYFILE [--cosigner] | key age-identity KEYFILE | key age-recipient KEYFILE"},
	{"log", cmd_log, "log init|append|prove|consistency|verify|checkpoint ... | log --help"},
	{"charter", cmd_charter, "charter init|verify|show|id FILE | charter sign FILE --key NODE-KEY | charter amend CHARTER ... (amendments)"},
	{"stix", cmd_stix, "stix check FILE"},
	{"envelope", cmd_envelope, "envelope seal|verify|open|cosign|ref ..."},
	{"node", cmd_node, "node --dir DIR [--config FILE] [OPTIONS] | node init DIR --charter CHARTER --key NODE-KEY | node --help"},
	{"witness", cmd_witness, "witness --dir DIR [--config FILE] [OPTIONS] | witness init DIR --charter CHARTER --key KEY | witness --help"},
	{"profile", cmd_profile, NULL},
	{"taxii-get", cmd_taxii_get, NULL}, /* hidden: the desk's TAXII feed for one request (docs/taxii.md) */
	{"body", cmd_body, "body template [TYPE] [--profile cyber-mla|aid-crossing]"},
	{"proof", cmd_proof, "proof verify PROOF-FILE ENTRY-FILE --vkey VKEY [--witness VKEY]..."},
	{"fetch", cmd_fetch, "fetch --charter CHARTER --out DIR [URL...]"},
	{"send", cmd_send, "send notice|request|preservation|update --key KEY --node URL --to AGENCY... [--case CASE] [--body FILE | flags] ..."},
	{"inbox", cmd_inbox, "inbox --key KEY --node URL [--at TIME] [--open | --overdue] [--json]"},
	{"show", cmd_show, "show CASE --key KEY --node URL [--at TIME] [--full] [--json]"},
	{"ack", cmd_ack, "ack CASE --key KEY --node URL [--ref PARTY/INDEX] [--body FILE | flags]"},
	{"answer", cmd_answer, "answer CASE --key KEY --node URL --body FILE [--ref PARTY/INDEX]"},
	{"decline", cmd_decline, "decline CASE --key KEY --node URL --body FILE [--ref PARTY/INDEX]"},
	{"close", cmd_close, "close CASE --key KEY --node URL [--body FILE | flags]"},
	{"statement", cmd_statement, "statement propose|cosign|publish ..."},
	{"receipt", cmd_receipt, "receipt CASE --key KEY --node URL --out DIR [--json]"},
	{"desk", cmd_desk, "desk --key KEY --node URL [--listen 127.0.0.1:PORT] [--dir DIR] [--allow-remote]"},
	{"demo", cmd_demo, "demo --dir DIR [--scenario exchange|aid] [--exit]"},
	{"note", cmd_note, "note sign|verify|cosign ..."},
	{"audit", cmd_audit, "audit --charter CHARTER [--out DIR] [URL...] | audit verify PROOF --charter CHARTER"},
	{"entries", cmd_entries, "entries DIR [--party P] [--from T] [--to T] [--kind K] [--to-agency A] [--case C] [--json]"},
	{"report", cmd_report, "report DIR --from T --to T [--party P] [--to-party P] [--kind K] [--json|--csv|--html OUT] [--lang en|ru|ar] [--bundle OUT] | report verify BUNDLE --charter CHARTER"},
};

/* The commands that answer --help themselves, with every option (the rest print their usage line from main). */
static int own_help(const char *name)
{
	static const char *const own[] = {"log", "node", "witness", "desk"};
	for (size_t i = 0; i < sizeof own / sizeof own[0]; i++)
		if (!strcmp(name, own[i]))
			return 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: parley COMMAND [ARGS...]\n\ncommands:\n");
	fprintf(f, "  parley version | parley --version\n");
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
		if (commands[i].usage)
			fprintf(f, "  parley %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
	if (sodium_init() < 0) {
		fprintf(stderr, "parley: libsodium failed to initialise\n");
		return 2;
	}
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
		if (argc > 2) {
			fprintf(stderr, "parley version: unexpected argument '%s'\n", argv[2]);
			return 2;
		}
		printf("parley %s\n", parley_version());
		return 0;
	}
	for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
		if (strcmp(argv[1], commands[i].name))
			continue;
		/* `parley CMD --help`: the command's usage on stdout, exit 0 (commands with richer help give their own) */
		if (argc == 3 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")) && !own_help(commands[i].name) &&
		    commands[i].usage) {
			printf("usage: parley %s\n(every option and exit code: docs/cli.md and docs/officer.md)\n", commands[i].usage);
			return 0;
		}
		return commands[i].run(argc - 1, argv + 1);
	}
	fprintf(stderr, "parley: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
