/*
 * conf — the configuration file of the long-running commands (parley node,
 * parley witness): one setting per line, `key = value` or `key: value`, with
 * exactly the names of the command's flags (docs/operations.md).
 *
 * The rules, all strict (an operator's typo must not be silently ignored):
 *   - UTF-8 text of at most CONF_MAX_SIZE bytes; no control character other
 *     than tab and the newline that ends each line (a carriage return is
 *     refused: the file must have Unix line endings);
 *   - blank lines and lines whose first non-blank character is '#' are skipped;
 *   - any other line is KEY, optional blanks, '=' or ':', optional blanks,
 *     VALUE: KEY is [a-z][a-z0-9-]* (at most CONF_KEY_MAX bytes) and must be
 *     one of the known keys; VALUE is the rest of the line without its
 *     trailing blanks and must not be empty ('#' in a value is part of it:
 *     there are no trailing comments);
 *   - a key given twice is refused, naming both lines.
 * Errors are ERR_FORMAT or ERR_LIMIT with "line N: why" in err_msg().
 */
#ifndef PARLEY_CONF_H
#define PARLEY_CONF_H

#include <stddef.h>
#include <stdint.h>

#define CONF_MAX_SIZE 65536
#define CONF_MAX_ENTRIES 256
#define CONF_KEY_MAX 64

struct conf_entry {
	const char *key;
	const char *value;
	unsigned line;
};

struct conf {
	char *text;               /* a copy of the file; key and value point into it */
	struct conf_entry *e;     /* in file order */
	size_t n;
};

/* Parses data against the known keys. On success c holds the settings (conf_release); on failure nothing. */
int conf_parse(struct conf *c, const uint8_t *data, size_t len, const char *const *known, size_t nknown);
/* Reads and parses the file at path; errors name it: "PATH: line N: why". */
int conf_load(struct conf *c, const char *path, const char *const *known, size_t nknown);
void conf_release(struct conf *c);

#endif
