/*
 * opts — the options of the long-running commands (parley node, parley
 * witness), described once in a table that serves three purposes: parsing
 * the flags, parsing the --config file (the same names, without "--"; see
 * base/conf.h) and printing --help. Flags given on the command line override
 * the file. Every value is checked the same way from either source.
 */
#ifndef PARLEY_CLI_OPTS_H
#define PARLEY_CLI_OPTS_H

#include "base/conf.h"

#include <stdint.h>
#include <stdio.h>

enum cli_opt_kind {
	OPT_STRING, /* to: const char ** */
	OPT_UINT,   /* to: uint64_t *, from min to max */
	OPT_FLAG,   /* to: int *; a flag without value; in the file: true or false */
	OPT_FORMAT, /* to: const char **, one of "kv" or "json" (--log-format) */
	OPT_FLAG_CLI_ONLY, /* OPT_FLAG that the file refuses: a decision for one start, never left in force */
};

struct cli_opt {
	const char *name;     /* without "--" */
	const char *metavar;  /* what the value is, for --help ("ADDR"); NULL for OPT_FLAG */
	enum cli_opt_kind kind;
	void *to;
	uint64_t min, max;
	const char *help;     /* meaning and default, one sentence */
};

struct cli_cmd_help {
	const char *cmd;      /* "node" */
	const char *synopsis; /* lines after "usage: " */
	const char *about;    /* a paragraph */
};

/*
 * Parses argv[1..argc) against opts, after the settings of --config FILE if
 * given. Returns 0 (parsed), 1 (--help or --version printed on stdout: exit
 * 0), or 2 (a usage error printed on stderr, with the synopsis: exit 2).
 * conf keeps the file's text alive while the options point into it: release
 * it with conf_release when done (also after 1 or 2).
 */
int cli_opts_parse(const struct cli_cmd_help *h, const struct cli_opt *opts, size_t n, int argc, char **argv,
		   struct conf *conf);
/* Prints the --help text. */
void cli_opts_help(FILE *f, const struct cli_cmd_help *h, const struct cli_opt *opts, size_t n);

#endif
