/*
 * err — error codes and the message that explains the last failure.
 *
 * Library functions return 0 on success or one of the negative ERR_* codes,
 * and record a one-line, human-readable reason with err_set(). The reason is
 * thread-local, so concurrent callers do not overwrite each other's messages.
 * The command layer maps codes to exit statuses with err_exit_code():
 * ERR_VERIFY -> 1 (a check failed), everything else -> 2 (usage, I/O, input).
 */
#ifndef PARLEY_ERR_H
#define PARLEY_ERR_H

enum {
	ERR_OK = 0,
	ERR_USAGE = -1,     /* wrong arguments to a function or command */
	ERR_IO = -2,        /* the operating system refused a read or write */
	ERR_FORMAT = -3,    /* input is malformed */
	ERR_VERIFY = -4,    /* input is well-formed but a signature, hash or proof is wrong */
	ERR_NOMEM = -5,     /* out of memory */
	ERR_LIMIT = -6,     /* input exceeds a size or count limit */
	ERR_NOTFOUND = -7,  /* a named thing does not exist */
	ERR_CONFLICT = -8,  /* state forbids the operation (already exists, locked) */
};

/*
 * Records the reason for a failure and returns code, for `return err_set(...)`.
 * The arguments may include err_msg() itself, to add context to the last reason:
 * err_set(ERR_USAGE, "--time: %s", err_msg()). Messages over 1023 bytes are cut.
 */
int err_set(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * Prefixes the current message with "context: " and returns code (the code is
 * the caller's; err_wrap does not keep one). The arguments may include err_msg().
 */
int err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The message recorded by the last err_set() on this thread ("" if none). */
const char *err_msg(void);

/* Clears the message. */
void err_clear(void);

/* 1 for ERR_VERIFY, 0 for ERR_OK, 2 otherwise. */
int err_exit_code(int code);

#endif
