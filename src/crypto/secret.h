/*
 * secret — reading files that hold key text without leaving copies behind.
 *
 * A key file's bytes go from read(2) straight into one sodium_malloc'd block of
 * fixed capacity (guard pages, locked in memory): no stack buffer, no stdio
 * buffer and no realloc ever holds them, and secret_text_free() wipes the block.
 * base/fileio's file_read is not for secrets: it grows heap buffers that are
 * freed unwiped (issue 13: key lines were found in a running witness's memory).
 */
#ifndef PARLEY_SECRET_H
#define PARLEY_SECRET_H

#include <stddef.h>

struct secret_text {
	char *data; /* len bytes and a NUL, in sodium_malloc memory; NULL when empty */
	size_t len;
};

/*
 * Reads fd to its end, at most max bytes (max + 2 are allocated, once), into t.
 * 0, ERR_IO, ERR_LIMIT (more than max bytes) or ERR_NOMEM; on failure t is
 * empty and whatever was read is wiped. fd stays open.
 */
int secret_read_fd(int fd, size_t max, struct secret_text *t);

/*
 * Reads the file at path ("-": standard input) as secret_read_fd does.
 * ERR_NOTFOUND if it does not exist, ERR_IO for a directory; messages name path.
 */
int secret_read_file(const char *path, size_t max, struct secret_text *t);

/* Wipes and frees t's bytes; t is empty afterwards. Safe on an empty t. */
void secret_text_free(struct secret_text *t);

#endif
