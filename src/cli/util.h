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
/*
 * For the long-running commands (node, witness): blocks SIGINT and SIGTERM in
 * this thread (the threads started afterwards inherit the mask) and ignores
 * SIGPIPE. Call before starting a service; cli_wait_stop() then returns the
 * signal that asks it to stop.
 */
void cli_block_stop_signals(void);
int cli_wait_stop(void);
/* Parses a decimal without sign or leading zeros. 0 or ERR_USAGE. */
int cli_parse_u64(const char *s, uint64_t *out);

/* A free loopback TCP port: bound, read back and released (a service binds it a moment later; the demos). 0 or ERR_IO. */
int cli_free_port(unsigned *port);

#endif
