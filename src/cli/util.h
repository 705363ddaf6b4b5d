/*
 * cli util — helpers shared by the subcommands: error reporting with the
 * documented exit codes, key loading, number parsing.
 */
#ifndef PARLEY_CLI_UTIL_H
#define PARLEY_CLI_UTIL_H

#include "crypto/keyfile.h"
#include "crypto/note.h"

#include <stdint.h>

/* Prints "parley <what>: <err_msg()>" and returns the exit code for rc. */
int cli_fail(const char *what, int rc);
/* Prints "parley <what>: <message>" and returns 2. */
int cli_usage(const char *what, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A verifier key given as the key string itself, or as a file holding it. */
int cli_load_vkey(const char *arg, struct note_verifier *v);
/* Parses a decimal without sign or leading zeros. 0 or ERR_USAGE. */
int cli_parse_u64(const char *s, uint64_t *out);

#endif
