/*
 * cli — the subcommands of the `parley` command and their shared helpers.
 * Every cmd_* takes (argc, argv) with argv[0] the subcommand name and returns
 * the process exit code: 0 ok, 1 verification failed, 2 usage/input/I-O error.
 */
#ifndef PARLEY_CLI_H
#define PARLEY_CLI_H

struct cli_command {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *usage;   /* NULL: a hidden command, not listed by `parley help` */
};

int cmd_age(int argc, char **argv);
int cmd_keygen(int argc, char **argv);
int cmd_log(int argc, char **argv);
int cmd_proof(int argc, char **argv);
int cmd_fetch(int argc, char **argv);
int cmd_key(int argc, char **argv);
int cmd_note(int argc, char **argv);
int cmd_charter(int argc, char **argv);
/* parley charter amend, and sign/verify/show for amendments (cmd_amend.c) */
int cmd_charter_amendment(int argc, char **argv);
/* Prints a charter in readable form (parley charter show). */
struct charter;
void cli_charter_show(const struct charter *c);
int cmd_node(int argc, char **argv);
int cmd_envelope(int argc, char **argv);
int cmd_witness(int argc, char **argv);
int cmd_stix(int argc, char **argv);
int cmd_profile(int argc, char **argv);
int cmd_body(int argc, char **argv);
/* parley taxii-get (hidden): the desk's TAXII 2.1 feed answering requests once (cmd_taxii.c) */
int cmd_taxii_get(int argc, char **argv);
/* the officers' commands (cmd_officer.c) and the demo */
int cmd_send(int argc, char **argv);
int cmd_inbox(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_ack(int argc, char **argv);
int cmd_answer(int argc, char **argv);
int cmd_decline(int argc, char **argv);
int cmd_close(int argc, char **argv);
int cmd_statement(int argc, char **argv);
int cmd_receipt(int argc, char **argv);
/* the officers' web application (cmd_desk.c, docs/desk.md) */
int cmd_desk(int argc, char **argv);
int cmd_demo(int argc, char **argv);
/* parley demo --scenario aid (cmd_demo_aid.c): DIR new or empty; the exit code. */
int demo_aid(const char *dir, int exit_after);
/* parley audit: fork evidence across nodes, witnesses and copies (cmd_audit.c) */
int cmd_audit(int argc, char **argv);
/* the auditors' reports over a directory of logs (cmd_report.c, cmd_entries.c) */
int cmd_report(int argc, char **argv);
int cmd_entries(int argc, char **argv);

#include "exchange/charter.h"
#include <stdint.h>
/* A time from the command line: 2021-06-09 (midnight UTC) or any RFC 3339 date-time (base/rfc3339.h). 0 or ERR_USAGE. */
int cli_report_time(const char *s, int64_t *t);
/* The charter index of party id s, for option opt. 0 or ERR_USAGE. */
int cli_report_party(const struct charter *ch, const char *opt, const char *s, int *out);

#endif
